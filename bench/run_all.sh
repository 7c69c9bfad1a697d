#!/usr/bin/env bash
# `make bench`: every benchmark in bench/, one after the other.  Each starts
# its own throwaway cluster and prints ratios against baselines measured in
# the same run; absolute times on a shared machine mean little.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
status=0
for b in bench/*_bench.sh; do
	echo "== $b"
	bash "$b" "$@" || status=1
done
exit $status
