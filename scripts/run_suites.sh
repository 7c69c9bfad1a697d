#!/usr/bin/env bash
# The suites that need one running server, run inside the throwaway cluster
# that scripts/test.sh starts (PGHOST, PGPORT, ... come from pg_virtualenv).
# Appends "suite passed failed" lines to $1.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
counts=$1

# pg_regress (sql/*.sql in database contrib_regression) and the isolation
# tests (test/isolation/specs/*.spec in database isolation_regression): one make run each,
# so that a failure in one does not stop the other, and one count line each
# from its own summary; on failure, its diffs.
# $1 = suite name, $2 = the make variable that turns the other suite off,
# $3 = its diffs file.
regress_suite() {
	local log="$counts.$1.log" rc total bad
	make -s PG_CONFIG=$PG_CONFIG installcheck "$2=" > "$log" 2>&1
	rc=$?
	cat "$log"
	if [ $rc -ne 0 ] && [ -f "$3" ]; then
		echo "== $3"
		cat "$3"
	fi
	total=$(sed -n 's/.*All \([0-9]*\) tests passed.*/\1/p; s/.* of \([0-9]*\) tests failed.*/\1/p' "$log" | tail -1)
	bad=$(sed -n 's/^ *\([0-9]*\) of [0-9]* tests failed.*/\1/p' "$log" | tail -1)
	[ -z "$total" ] && total=1 && bad=1 # it did not get to its summary
	echo "$1 $((total - ${bad:-0})) ${bad:-0}" >> "$counts"
}
regress_suite pg_regress ISOLATION regression.diffs
regress_suite isolation REGRESS output_iso/regression.diffs

# pgTAP: every file runs in its own transaction in database swisper_pgtap and
# rolls back, so the files do not depend on each other.
if compgen -G 'test/pgtap/*.sql' > /dev/null; then
	psql -X -q -d postgres -c 'DROP DATABASE IF EXISTS swisper_pgtap' -c 'CREATE DATABASE swisper_pgtap'
	psql -X -q -d swisper_pgtap -c 'CREATE EXTENSION pgtap'
	PGDATABASE=swisper_pgtap pg_prove --ext .sql test/pgtap/ 2>&1 | tee "$counts.pgtap.log"
	bash scripts/prove_counts.sh pgtap "$counts.pgtap.log" >> "$counts"
fi

# Client tests: Python programs (Debian's asyncpg and psycopg) that print TAP.
if compgen -G 'test/client/*.py' > /dev/null; then
	prove -e /usr/bin/python3 test/client/*.py 2>&1 | tee "$counts.client.log"
	bash scripts/prove_counts.sh client "$counts.client.log" >> "$counts"
fi
exit 0
