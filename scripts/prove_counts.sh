#!/usr/bin/env bash
# Turn the closing lines of a prove/pg_prove log ($2) into "suite passed failed".
suite=$1 log=$2
tests=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' "$log" | tail -1)
failed=$(sed -n 's/.*Failed \([0-9]*\)\/[0-9]* subtests.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
# A file that died or planned wrongly fails without a "Failed n/m" line.
if grep -q '^Result: FAIL' "$log" && [ "$failed" -eq 0 ]; then
	failed=1
fi
echo "$suite $(( ${tests:-0} - failed )) $failed"
