#!/usr/bin/env bash
# Run bench/ingest_bench.py in a throwaway cluster (scripts/lib.sh).  Run it
# under the install lock, after `make install`:
#   flock /work/install.lock bash -c 'make -s install && bash bench/ingest_bench.sh [--quick|--events N]'
# The cluster is set up as production runs: the worker serves the
# benchmark's database (heartbeats go to the shared registry), and commits
# are durable (fsync on; pg_virtualenv turns it off by default, which makes
# every commit, and so the per-event baseline (d), unrealistically cheap).
# BENCH_FSYNC=off measures without durable commits, for comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
SWISPER_DATABASE=swisper_bench with_cluster -o "fsync=${BENCH_FSYNC:-on}" \
	/usr/bin/python3 bench/ingest_bench.py "$@"
