#!/usr/bin/env bash
# Run bench/otlp_bench.py in a throwaway cluster (scripts/lib.sh), set up as
# production runs (durable commits; BENCH_FSYNC=off measures without).  Run
# it under the install lock, after `make install`:
#   flock /work/install.lock bash -c 'make -s install && bash bench/otlp_bench.sh [--quick|--traces N]'
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
SWISPER_DATABASE=swisper_otlp_bench with_cluster -o "fsync=${BENCH_FSYNC:-on}" \
	/usr/bin/python3 bench/otlp_bench.py "$@"
