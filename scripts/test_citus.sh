#!/usr/bin/env bash
# `make test-citus`: the TAP tests of test/citus/*.pl (a Citus coordinator
# and two worker nodes, started by the tests themselves, throwaway) against
# the swisper_ext and Citus installed in the PostgreSQL that PG_CONFIG names
# (default: PostgreSQL 15's).  As root they run as the postgres user on a
# postgres-owned copy of the tree, since initdb refuses root.  Without Citus
# (no citus.so in $PG_CONFIG --pkglibdir) the suite is skipped.  The last
# line is "N passed, N failed"; the exit code is 0 only when nothing failed.
set -uo pipefail
cd "$(dirname "$0")/.."
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}

if [ ! -f "$("$PG_CONFIG" --pkglibdir)/citus.so" ]; then
	echo "citus suite skipped: Citus is not installed"
	exit 0
fi

work=$(mktemp -d /tmp/swisper-citus.XXXXXX)
chmod 755 "$work"
tree=$work/tree
mkdir -p "$tree"
tar --exclude=./.git -cf - . | tar -C "$tree" -xf -
run=()
if [ "$(id -u)" -eq 0 ]; then
	chown -R postgres: "$work"
	run=(runuser -u postgres --)
fi
"${run[@]}" make -s -C "$tree" PG_CONFIG="$PG_CONFIG" installcheck \
	REGRESS= ISOLATION= TAP_TESTS=1 PROVE_TESTS='test/citus/*.pl' PROVE_FLAGS='--timer' 2>&1 | tee "$work/citus.log"
read -r _ passed failed < <(bash scripts/prove_counts.sh citus "$work/citus.log")
# a suite that did not get to prove's summary failed
if ! grep -q '^Files=' "$work/citus.log"; then
	failed=$((failed + 1))
fi
# keep the logs of a failure
if [ "$failed" -eq 0 ]; then
	rm -rf "$work"
else
	echo "logs: $tree/tmp_check/log/"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
