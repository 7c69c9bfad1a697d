#!/usr/bin/env bash
# Run bench/redis_consumer_bench.py (the Redis-stream consumer of
# contrib/redis_consumer) in a throwaway cluster (scripts/lib.sh), with
# durable commits as in production (BENCH_FSYNC=off to compare).  Run it
# under the install lock, after `make install`:
#   flock /work/install.lock bash -c 'make -s install && bash bench/redis_consumer_bench.sh [--quick]'
# It starts its own redis-server on a free 127.0.0.1 port.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
SWISPER_DATABASE=swisper_redis_bench with_cluster -o "fsync=${BENCH_FSYNC:-on}" \
	/usr/bin/python3 bench/redis_consumer_bench.py "$@"
