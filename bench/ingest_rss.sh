#!/usr/bin/env bash
# Backend memory over 1,000,000 events ingested in one session
# (bench/ingest_rss.py), in a throwaway cluster whose worker serves the
# benchmark's database (so ingested events go to the heartbeat registry, as
# in production).  Run it under the install lock, after `make install`:
#   flock /work/install.lock bash -c 'make -s install && bash bench/ingest_rss.sh [--quick|--events N]'
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
export SWISPER_DATABASE=swisper_rss SWISPER_RSS_DATABASE=swisper_rss
with_cluster /usr/bin/python3 bench/ingest_rss.py "$@"
