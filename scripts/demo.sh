#!/usr/bin/env bash
# `make demo`: set-up, then the extension at work in a throwaway cluster with
# the library preloaded: the outage from the bug report, the install that
# ends it, each capability in turn, and a new database whose tables
# swisper.create_missing_tables() makes.  The cluster is dropped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. scripts/lib.sh
echo "== starting a throwaway PostgreSQL 15 cluster (pg_virtualenv) with swisper_ext preloaded"
SWISPER_DATABASE=swisper_demo with_cluster bash -c 'createdb swisper_demo && psql -X -q -d swisper_demo -v ON_ERROR_STOP=1 -f scripts/demo.sql'
