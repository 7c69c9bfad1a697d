#!/usr/bin/env bash
# Run bench/ingest_bench.py in a throwaway cluster (scripts/lib.sh).  Run it
# under the install lock, after `make install`:
#   flock /work/install.lock bash -c 'make -s install && bash bench/ingest_bench.sh [--quick|--events N]'
# The worker serves the benchmark's database, as it serves the platform's in
# production: heartbeats then go to the shared registry, not the interim table.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
SWISPER_DATABASE=swisper_bench with_cluster /usr/bin/python3 bench/ingest_bench.py "$@"
