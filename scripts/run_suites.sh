#!/usr/bin/env bash
# The suites that need one running server, run inside the throwaway cluster
# that scripts/test.sh starts (PGHOST, PGPORT, ... come from pg_virtualenv).
# Appends "suite passed failed" lines to $1.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
counts=$1

# pg_regress: sql/*.sql against expected/*.out, in database contrib_regression.
make -s PG_CONFIG=$PG_CONFIG installcheck > "$counts.regress.log" 2>&1
rc=$?
cat "$counts.regress.log"
if [ $rc -ne 0 ] && [ -f regression.diffs ]; then
	echo "== regression.diffs"
	cat regression.diffs
fi
total=$(sed -n 's/.*All \([0-9]*\) tests passed.*/\1/p; s/.* of \([0-9]*\) tests failed.*/\1/p' "$counts.regress.log" | tail -1)
bad=$(sed -n 's/^ *\([0-9]*\) of [0-9]* tests failed.*/\1/p' "$counts.regress.log" | tail -1)
[ -z "$total" ] && total=1 && bad=1 # pg_regress did not get to its summary
echo "pg_regress $((total - ${bad:-0})) ${bad:-0}" >> "$counts"

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
