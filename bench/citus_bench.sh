#!/usr/bin/env bash
# Run bench/citus_bench.py: one server against a Citus coordinator with two
# worker nodes, all four throwaway clusters on this machine (as the postgres
# user; data under a temporary directory, removed at the end), with the
# swisper_ext and Citus installed in PostgreSQL 15 (or in the copy whose bin
# directory PG_BIN names).  Ports CITUS_BENCH_PORT .. +3 (default 5451).
# Commits are durable (fsync on), as in bench/ingest_bench.sh; the
# coordinator caches up to 8 connections per worker node.
#   bash bench/citus_bench.sh [--events N] [--history N] [--rounds N]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
port=${CITUS_BENCH_PORT:-5451}
if [ ! -f "$("$bin/pg_config" --pkglibdir)/citus.so" ]; then
	echo "Citus is not installed in $("$bin/pg_config" --pkglibdir)" >&2
	exit 1
fi
run=()
[ "$(id -u)" -eq 0 ] && run=(runuser -u postgres --)
work=$(mktemp -d /tmp/swisper-citus-bench.XXXXXX)
chmod 755 "$work"
[ "$(id -u)" -eq 0 ] && chown postgres: "$work"
nodes=(single coordinator worker1 worker2)
cleanup() {
	for n in "${nodes[@]}"; do
		[ -f "$work/$n/postmaster.pid" ] && "${run[@]}" "$bin/pg_ctl" -D "$work/$n" -m immediate stop >/dev/null 2>&1
	done
	rm -rf "$work"
}
trap cleanup EXIT
for i in 0 1 2 3; do
	n=${nodes[$i]}
	"${run[@]}" "$bin/initdb" -A trust -U postgres -D "$work/$n" >/dev/null
	libs="citus,swisper_ext"
	[ "$n" = single ] && libs=swisper_ext
	cat >> "$work/$n/postgresql.conf" <<CONF
port = $((port + i))
unix_socket_directories = '$work'
listen_addresses = 'localhost'
shared_preload_libraries = '$libs'
swisper.database = 'postgres'
max_prepared_transactions = 20
shared_buffers = 256MB
# the coordinator keeps its connections to the worker nodes between
# transactions (Citus's default, 1 per node, reconnects for every batch
# that reads more than one shard of a node in parallel)
citus.max_cached_conns_per_worker = 8
CONF
	echo "host all all 127.0.0.1/32 trust" >> "$work/$n/pg_hba.conf"
	"${run[@]}" "$bin/pg_ctl" -D "$work/$n" -l "$work/$n/server.log" -w start >/dev/null || { cat "$work/$n/server.log"; exit 1; }
done
psql() { "$bin/psql" -X -q -h "$work" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }
for i in 1 2 3; do psql -p $((port + i)) -c 'CREATE EXTENSION citus'; done
psql -p $((port + 1)) -c "SELECT citus_set_coordinator_host('localhost', $((port + 1)))" \
	-c "SELECT citus_add_node('localhost', $((port + 2)))" -c "SELECT citus_add_node('localhost', $((port + 3)))" >/dev/null
/usr/bin/python3 bench/citus_bench.py \
	--single "postgresql://postgres@/postgres?host=$work&port=$port" \
	--coordinator "postgresql://postgres@/postgres?host=$work&port=$((port + 1))" \
	--single-data "$work/single" \
	--cluster-data "coordinator=$work/coordinator,worker1=$work/worker1,worker2=$work/worker2" "$@"
