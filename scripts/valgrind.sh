#!/usr/bin/env bash
# `make valgrind`: the pg_regress suite (sql/*.sql) and the pgTAP files run
# once against a server whose every process -- postmaster, each backend, the
# swisper heartbeat worker, the auxiliary processes -- runs under valgrind
# memcheck with PostgreSQL's suppressions (test/valgrind/postgresql.supp) and
# ours (test/valgrind/extra.supp).  Then every valgrind log is read
# (test/valgrind/summarize.py): the last lines give the number of processes,
# of errors, and of errors whose report has a swisper_ext frame.  Exit status:
# 0 when the suites passed and no error has a swisper_ext frame.
#
# Usage: scripts/valgrind.sh [--root DIR] [--no-pgtap] [--keep]
#   --root DIR   (or SWISPER_VALGRIND_ROOT=DIR) run a private copy of
#                PostgreSQL 15 made under DIR (DIR/usr/lib/postgresql/15,
#                DIR/usr/share/postgresql/15) with the extension installed
#                there (make install DESTDIR=DIR), so the system installation
#                is neither written nor used by the server.  Without it: the
#                system installation, set up as by `make test`
#                (scripts/setup.sh).
#   --no-pgtap   pg_regress only.
#   --keep       keep the data directory (the valgrind logs are always kept).
#
# Debian's PostgreSQL is built without USE_VALGRIND: memory contexts do not
# tell valgrind about each palloc'd chunk, so an overrun inside a context's
# malloc'd block is not seen.  What memcheck still catches: reads and writes
# outside malloc'd blocks (and in freed ones), use of uninitialised values
# (palloc'd memory is undefined until written), invalid and double frees, and
# overlapping copies.  The run takes about 5 minutes on 2 cores (up to 30 on a
# slow or busy machine).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
repo=$(pwd)

root=${SWISPER_VALGRIND_ROOT:-}
pgtap=1
keep=0
while [ $# -gt 0 ]; do
	case $1 in
		--root) root=${2:?--root needs a directory}; shift 2 ;;
		--root=*) root=${1#--root=}; shift ;;
		--no-pgtap) pgtap=0; shift ;;
		--keep) keep=1; shift ;;
		-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
		*) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
	esac
done

SYS_BIN=/usr/lib/postgresql/15/bin
start_time=$(date +%s)

# valgrind itself, installed like scripts/setup.sh installs packages.
ensure_packages valgrind || exit 1

if [ -z "$root" ]; then
	bash scripts/setup.sh
	BIN=$SYS_BIN
else
	[ -x $SYS_BIN/postgres ] || { echo "PostgreSQL 15 is missing: run scripts/setup.sh first" >&2; exit 1; }
	mkdir -p "$root"
	root=$(realpath "$root")
	if [ "$root" = / ] || [ "$(realpath -m "$root/usr/lib/postgresql/15")" = /usr/lib/postgresql/15 ]; then
		echo "--root must not be the system installation; leave it out to use that" >&2
		exit 2
	fi
	echo "== a private copy of PostgreSQL 15 under $root, with swisper_ext installed there"
	rm -rf "$root/usr/lib/postgresql/15" "$root/usr/share/postgresql/15"
	mkdir -p "$root/usr/lib/postgresql" "$root/usr/share/postgresql"
	cp -a /usr/lib/postgresql/15 "$root/usr/lib/postgresql/"
	cp -a /usr/share/postgresql/15 "$root/usr/share/postgresql/"
	make -s PG_CONFIG=$SYS_BIN/pg_config > /dev/null
	make -s PG_CONFIG=$SYS_BIN/pg_config install DESTDIR="$root" > /dev/null
	BIN=$root/usr/lib/postgresql/15/bin
	# PostgreSQL finds lib/ and share/ relative to its bin/: check that the
	# copy really looks at itself.
	if [ "$("$BIN/pg_config" --pkglibdir)" != "$root/usr/lib/postgresql/15/lib" ]; then
		echo "the copy of PostgreSQL is not relocatable: its pg_config says $("$BIN/pg_config" --pkglibdir)" >&2
		exit 1
	fi
fi
LIB=$("$BIN/pg_config" --pkglibdir)/swisper_ext.so
export PATH=$SYS_BIN:$PATH

work=$(mktemp -d /tmp/swisper-valgrind.XXXXXX)
chmod 755 "$work"
mkdir "$work/logs" "$work/sock"
cp test/valgrind/*.supp "$work/"
if [ "$(id -u)" -eq 0 ]; then
	chown -R postgres: "$work"
	as_pg() { runuser -u postgres -- "$@"; }
	pguser=postgres
else
	as_pg() { "$@"; }
	pguser=$(id -un)
fi
data=$work/data
port=54329

server=
stop_server() {
	if [ -n "$server" ] && kill -0 "$server" 2> /dev/null; then
		as_pg "$BIN/pg_ctl" stop -D "$data" -m "$1" -t 600 > /dev/null 2>&1 || true
		wait "$server" 2> /dev/null || true
	fi
	server=
}
cleanup() {
	stop_server immediate
	[ "$keep" -eq 1 ] || rm -rf "$data"
}
trap cleanup EXIT

echo "== initdb (not under valgrind) in $data"
as_pg "$BIN/initdb" -D "$data" -U "$pguser" --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
	--no-sync > "$work/initdb.log" 2>&1 || { cat "$work/initdb.log"; exit 1; }

# The settings of the test clusters (test/cluster.conf), then ours: a private
# socket, no TCP, no fsync and no autovacuum (the run is long enough), and a
# log line prefix that names the pid and type of each process.
settings=()
while IFS= read -r line; do
	line=${line%%#*}
	line=$(echo "$line" | xargs)
	[ -n "$line" ] && settings+=(-c "$line")
done < test/cluster.conf
settings+=(-c port=$port -c listen_addresses= -c "unix_socket_directories=$work/sock"
	-c fsync=off -c autovacuum=off -c huge_pages=off -c max_connections=20
	-c logging_collector=off -c "log_line_prefix=%m [%p] %b: " -c log_connections=on)

# --trace-children follows exec'd programs too; forked backends are traced
# anyway, each into its own %p.log.  No --error-exitcode: a backend exiting
# with it would make the postmaster restart every process (crash recovery)
# and turn each valgrind error into failed tests; the logs are read instead.
# No leak check: backends free their memory contexts wholesale at exit.
vg=(valgrind --tool=memcheck --trace-children=yes --track-origins=yes --read-var-info=yes
	--leak-check=no --num-callers=40 --fullpath-after= --vgdb=no -s
	--error-markers=VALGRINDERROR-BEGIN,VALGRINDERROR-END --gen-suppressions=all
	--suppressions="$work/postgresql.supp" --suppressions="$work/extra.supp"
	--log-file="$work/logs/%p.log")

echo "== starting postgres under valgrind (logs: $work/logs)"
as_pg "${vg[@]}" "$BIN/postgres" -D "$data" "${settings[@]}" > "$work/postmaster.log" 2>&1 &
server=$!
for _ in $(seq 600); do
	pg_isready -q -h "$work/sock" -p $port && break
	kill -0 "$server" 2> /dev/null || break
	sleep 1
done
if ! pg_isready -q -h "$work/sock" -p $port; then
	echo "the server did not start; its log:" >&2
	cat "$work/postmaster.log" >&2
	exit 1
fi

# The library the postmaster preloaded (backends inherit it at fork).
pmpid=$(head -1 "$data/postmaster.pid")
loaded=$(awk '/swisper_ext\.so/ {print $6}' "/proc/$pmpid/maps" | sort -u)
echo "== postmaster $pmpid runs under valgrind ($(tr '\0' ' ' < "/proc/$pmpid/cmdline" | cut -c1-60)...)"
echo "== it loaded $loaded"
if [ "$loaded" != "$(realpath "$LIB")" ]; then
	echo "expected $LIB" >&2
	exit 1
fi

export PGHOST=$work/sock PGPORT=$port PGUSER=$pguser
unset PGDATABASE PGPASSWORD PGSERVICE PGOPTIONS

failed=0
echo "== pg_regress (make installcheck) under valgrind"
make -s PG_CONFIG=$SYS_BIN/pg_config installcheck > "$work/regress.log" 2>&1 || failed=1
cat "$work/regress.log"
if [ "$failed" -ne 0 ] && [ -f regression.diffs ]; then
	cp regression.diffs "$work/"
	echo "(regression.diffs copied to $work)"
fi

if [ "$pgtap" -eq 1 ] && compgen -G 'test/pgtap/*.sql' > /dev/null; then
	echo "== pgTAP (pg_prove) under valgrind"
	psql -X -q -d postgres -c 'DROP DATABASE IF EXISTS swisper_pgtap' -c 'CREATE DATABASE swisper_pgtap'
	psql -X -q -d swisper_pgtap -c 'CREATE EXTENSION pgtap'
	PGDATABASE=swisper_pgtap pg_prove --ext .sql test/pgtap/ > "$work/pgtap.log" 2>&1 || failed=1
	tail -2 "$work/pgtap.log"
	[ "$failed" -eq 0 ] || cat "$work/pgtap.log"
fi

# The worker must have run under valgrind all along: its pid, and its log.
worker=$(psql -X -At -d postgres -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'swisper heartbeat worker'")
if [ -n "$worker" ] && [ -f "$work/logs/$worker.log" ]; then
	echo "== the heartbeat worker (pid $worker) ran under valgrind: $work/logs/$worker.log"
else
	echo "the heartbeat worker is not running under valgrind (pid '$worker')" >&2
	failed=1
fi

echo "== stopping the server"
stop_server fast

ext=0
python3 test/valgrind/summarize.py "$work/logs" "$work/postmaster.log" "$work/figures" \
	swisper_ext "$repo/" || ext=1
echo "logs: $work/logs, server log: $work/postmaster.log"
read -r nprocs nerrors nsuppressed next < "$work/figures"
took=$(( $(date +%s) - start_time ))
echo "valgrind: $nprocs processes, $nerrors errors ($nsuppressed suppressed), $next with swisper_ext frames;" \
	"suites $([ "$failed" -eq 0 ] && echo passed || echo FAILED); $((took / 60)) min $((took % 60)) s"
[ "$ext" -eq 0 ] && [ "$failed" -eq 0 ]
