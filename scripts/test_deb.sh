#!/usr/bin/env bash
# `make test-deb`: the Debian package on a newcomer's machine.  In a fresh
# Debian 12 root (../shared/tools/fresh-debian-root: a clone of the COMMITTED
# project; FRESH_DEBIAN_ROOT names the tool elsewhere) it builds the package
# with `make deb`, removes the build dependencies, installs the .deb with
# apt-get (which must pull PostgreSQL 15 in), starts a throwaway cluster
# with the library preloaded, runs CREATE EXTENSION and the demo
# (scripts/demo.sql over test/fixtures) against the packaged files, and
# prints "test-deb: PASS" or "test-deb: FAIL: why".  Slow (minutes, mostly
# apt-get), so not part of `make test`.  Run as root.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != --inside ]; then
	tool=${FRESH_DEBIAN_ROOT:-../shared/tools/fresh-debian-root}
	[ "$(id -u)" -eq 0 ] || { echo "test-deb: run as root (it builds a Debian root with chroot)" >&2; exit 1; }
	[ -x "$tool" ] || { echo "test-deb: $tool not found; set FRESH_DEBIAN_ROOT" >&2; exit 1; }
	if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
		echo "== note: the fresh root clones the committed tree; uncommitted changes are not tested"
	fi
	log=$(mktemp /tmp/test-deb.XXXXXX.log)
	"$tool" . 'bash scripts/test_deb.sh --inside' 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	# exit 2: the tool could not build the root (debootstrap), kept for .ci/run
	[ $rc -eq 0 ] && ! grep -q "^test-deb: PASS" "$log" && rc=1
	[ $rc -eq 0 ] && echo "test-deb: PASS (log: $log)" || echo "test-deb: FAIL (log: $log)"
	exit $rc
fi

# From here on: inside the fresh root, as root, in the clone.
fail() {
	echo "test-deb: FAIL: $*"
	exit 1
}
export DEBIAN_FRONTEND=noninteractive
deb=dist/postgresql-15-swisper-ext_$(sed -n "s/^default_version = '\(.*\)'/\1/p" swisper_ext.control)-1_amd64.deb

echo "== make deb"
make deb || fail "make deb"
[ -f "$deb" ] || fail "make deb did not produce $deb"
dpkg -c "$deb"

# No service may start inside the root: its processes would outlive it.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d

echo "== removing the build dependencies (the package must bring what it needs)"
apt-get purge -y -qq --auto-remove postgresql-server-dev-all postgresql-server-dev-15 debhelper > /dev/null \
	|| fail "apt-get purge of the build dependencies"
if dpkg-query -W -f='${Status}' postgresql-15 2>/dev/null | grep -q 'install ok installed'; then
	fail "postgresql-15 is installed before the package is: the test could not see it pulled in"
fi

echo "== apt-get install ./$deb"
apt-get install -y -qq --no-install-recommends "./$deb" > /tmp/apt-install.log 2>&1 \
	|| { tail -20 /tmp/apt-install.log; fail "apt-get install ./$deb"; }
dpkg-query -W -f='${Status}' postgresql-15 | grep -q 'install ok installed' \
	|| fail "installing the package did not pull postgresql-15 in"
echo "postgresql-15 $(dpkg-query -W -f='${Version}' postgresql-15) came in as a dependency"
for f in /usr/lib/postgresql/15/lib/swisper_ext.so /usr/share/postgresql/15/extension/swisper_ext.control; do
	dpkg -S "$f" | grep -q '^postgresql-15-swisper-ext:' || fail "$f does not belong to the package"
done
# The install script and every update script of the clone (a clean checkout).
shopt -s nullglob
for f in "swisper_ext--$(sed -n "s/^default_version = '\(.*\)'/\1/p" swisper_ext.control).sql" swisper_ext--*--*.sql; do
	dpkg -L postgresql-15-swisper-ext | grep -qx "/usr/share/postgresql/15/extension/$f" || fail "$f is not in the package"
	echo "packaged: $f"
done
shopt -u nullglob
# The demo reads scripts/demo.sql and test/fixtures only: run it from a copy
# of those, away from the clone, so only the packaged files can serve it.
run=$(mktemp -d /tmp/swisper-test-deb.XXXXXX)
mkdir -p "$run/scripts" "$run/test"
cp scripts/demo.sql "$run/scripts/" && cp -r test/fixtures "$run/test/"
chmod -R a+rX "$run"
cd "$run"

cat > checks.sql <<'SQL'
SELECT 'extversion ' || extversion FROM pg_extension WHERE extname = 'swisper_ext';
SELECT 'library ' || setting FROM pg_settings WHERE name = 'shared_preload_libraries';
SELECT 'health ' || (swisper.health() ->> 'status');
SELECT 'connected ' || count(*) FROM swisper.project_connection WHERE status = 'connected';
SELECT 'user_id_type ' || format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'traces'::regclass AND attname = 'user_id';
SQL

echo "== a throwaway cluster (pg_virtualenv) with swisper_ext preloaded; CREATE EXTENSION and the demo"
pg_virtualenv -t -v 15 -o shared_preload_libraries=swisper_ext -o swisper.database=swisper_demo bash -c '
	set -e
	createdb swisper_demo
	psql -X -q -d swisper_demo -v ON_ERROR_STOP=1 -f scripts/demo.sql
	psql -X -q -At -d swisper_demo -v ON_ERROR_STOP=1 -f checks.sql > checks.out
' || fail "the demo or CREATE EXTENSION failed in the packaged install (see above)"
echo "== checks"
cat checks.out

want=$(sed -n "s/^default_version = '\(.*\)'/\1/p" /usr/share/postgresql/15/extension/swisper_ext.control)
grep -qx "extversion $want" checks.out || fail "CREATE EXTENSION did not install version $want"
grep -qx "library swisper_ext" checks.out || fail "swisper_ext is not preloaded"
grep -qx "health ok" checks.out || fail "swisper.health() is not ok"
grep -q "^connected [1-9]" checks.out || fail "the worker did not publish the demo project as connected"
grep -qx "user_id_type swisper.external_id" checks.out || fail "traces.user_id was not converted"
echo "test-deb: PASS: $deb installed on a fresh Debian 12 root with PostgreSQL 15, CREATE EXTENSION swisper_ext $want and the demo ran"
