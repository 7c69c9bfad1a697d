#!/usr/bin/env bash
# Run bench/ingest_bench.py in a throwaway cluster (scripts/lib.sh).  Run it
# under the install lock, after `make install`:
#   flock /work/install.lock bash -c 'make -s install && bash bench/ingest_bench.sh [--quick|--events N]'
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
with_cluster /usr/bin/python3 bench/ingest_bench.py "$@"
