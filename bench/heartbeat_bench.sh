#!/usr/bin/env bash
# Heartbeat benchmark: in one throwaway cluster, with pgbench
# (prepared statements, as asyncpg sends them), 8
# clients, $SECONDS_PER_RUN s each:
#   - SELECT 1 (the limit of a round trip),
#   - swisper.heartbeat() (shared memory only),
#   - the users' first idea: INSERT ... ON CONFLICT (project_id) DO UPDATE
#     on a connections table,
# The project id is the statement's parameter (projects '1' .. '1000'), as
# an SDK would send it.  Calls per second and WAL bytes per call for each (pg_current_wal_lsn before
# and after the run; the heartbeat figure includes the worker's once-per-tick
# persistence), then the median and maximum delay from a threshold crossing
# to its NOTIFY (stale and disconnected, 2 s / 4 s thresholds, 1 s ticks), and
# the latency of swisper.health().
#
#   bash bench/heartbeat_bench.sh           full size: 10 s runs, 1,000 projects
#   bash bench/heartbeat_bench.sh --quick   3 s runs, for a dev check
#
# Run it under the install lock after `make install`:
#   flock /work/install.lock bash -c 'make -s install && bash bench/heartbeat_bench.sh'
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_RUN=10
PROJECTS=1000
DELAY_PROJECTS=50
for arg in "$@"; do
	case $arg in
		--quick) SECONDS_PER_RUN=3; DELAY_PROJECTS=10 ;;
		--inner) ;;
		*) echo "usage: $0 [--quick]" >&2; exit 2 ;;
	esac
done

if [[ " $* " != *" --inner "* ]]; then
	. scripts/lib.sh
	# The worker must serve the benchmark's database.
	with_cluster -o swisper.database=swisper_bench bash "$0" --inner "$@"
	exit
fi

export PATH=/usr/lib/postgresql/15/bin:$PATH
export PGDATABASE=swisper_bench
work=$(mktemp -d /tmp/heartbeat_bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

createdb swisper_bench
psql -X -q -v ON_ERROR_STOP=1 -f test/fixtures/observability_schema.sql >/dev/null
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION swisper_ext;
INSERT INTO projects (id, name, created_at, updated_at)
SELECT g::text, 'bench ' || g, now(), now()
  FROM generate_series(1, $PROJECTS) g;
CREATE TABLE connections (
	project_id  text PRIMARY KEY,
	environment text,
	app_version text,
	sdk_version text,
	last_seen   timestamptz NOT NULL
);
SQL
for i in $(seq 1 100); do
	[ "$(psql -X -At -c "SELECT swisper.health() ->> 'status'")" = ok ] && break
	sleep 0.2
done
psql -X -At -c "SELECT 'worker: ' || (swisper.health() -> 'worker')::text"

cat > "$work/select1.sql" <<SQL
SELECT 1;
SQL
cat > "$work/heartbeat.sql" <<SQL
\set p random(1, $PROJECTS)
SELECT swisper.heartbeat(:p, 'production', '2.4.1', '0.9.0');
SQL
cat > "$work/upsert.sql" <<SQL
\set p random(1, $PROJECTS)
INSERT INTO connections (project_id, environment, app_version, sdk_version, last_seen)
VALUES (:p, 'production', '2.4.1', '0.9.0', now())
ON CONFLICT (project_id) DO UPDATE
   SET environment = excluded.environment, app_version = excluded.app_version,
	   sdk_version = excluded.sdk_version, last_seen = excluded.last_seen;
SQL

# run NAME: pgbench for SECONDS_PER_RUN; prints "tps transactions wal_bytes".
run() {
	local name=$1 lsn0 lsn1 out tps tx
	psql -X -q -c CHECKPOINT
	lsn0=$(psql -X -At -c 'SELECT pg_current_wal_lsn()')
	out=$(pgbench -n -M prepared -c 8 -j 8 -T "$SECONDS_PER_RUN" -f "$work/$name.sql" 2>&1)
	lsn1=$(psql -X -At -c 'SELECT pg_current_wal_lsn()')
	tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' <<<"$out")
	tx=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
	echo "$tps $tx $(psql -X -At -c "SELECT pg_wal_lsn_diff('$lsn1', '$lsn0')")"
}

# health() latency, one client (the SDK's start-up check must be fast).
echo 'SELECT swisper.health();' > "$work/health.sql"
health_ms=$(pgbench -n -M prepared -c 1 -t 200 -f "$work/health.sql" 2>&1 |
	sed -n 's/^latency average = \([0-9.]*\) ms/\1/p')

read -r s1_tps s1_tx s1_wal < <(run select1)
read -r hb_tps hb_tx hb_wal < <(run heartbeat)
read -r up_tps up_tx up_wal < <(run upsert)

psql -X -q -c "ALTER SYSTEM SET swisper.stale_after = '2s'" \
	-c "ALTER SYSTEM SET swisper.disconnect_after = '4s'" -c 'SELECT pg_reload_conf()'
psql -X -q -c "INSERT INTO projects (id, name, created_at, updated_at)
	SELECT 'delay-' || lpad(g::text, 4, '0'), 'delay ' || g, now(), now()
	  FROM generate_series(1, $DELAY_PROJECTS) g"
sleep 2  # let the worker publish the new projects as never_seen first
read -r d_median d_max d_count < <(/usr/bin/python3 bench/heartbeat_notify_delay.py delay "$DELAY_PROJECTS" 2 4)

cores=$(nproc)
awk -v s1="$s1_tps" -v hb="$hb_tps" -v up="$up_tps" \
	-v s1w="$s1_wal" -v hbw="$hb_wal" -v upw="$up_wal" \
	-v s1t="$s1_tx" -v hbt="$hb_tx" -v upt="$up_tx" \
	-v dm="$d_median" -v dx="$d_max" -v dc="$d_count" -v hl="$health_ms" \
	-v secs="$SECONDS_PER_RUN" -v n="$PROJECTS" -v cores="$cores" 'BEGIN {
	printf "heartbeat benchmark: pgbench 8 clients, %d s per run, %d projects, %d cores\n", secs, n, cores
	printf "%-34s %12s %14s\n", "", "calls/s", "WAL bytes/call"
	printf "%-34s %12.0f %14.1f\n", "SELECT 1 (round-trip limit)", s1, s1w / s1t
	printf "%-34s %12.0f %14.1f\n", "swisper.heartbeat()", hb, hbw / hbt
	printf "%-34s %12.0f %14.1f\n", "INSERT ... ON CONFLICT DO UPDATE", up, upw / upt
	printf "heartbeat / SELECT 1: %.2fx   heartbeat / upsert: %.2fx   WAL upsert / heartbeat: %.0fx\n", \
		hb / s1, hb / up, (hbw > 0 ? (upw / upt) / (hbw / hbt) : 0)
	printf "threshold crossing -> NOTIFY (%d notifications, 1 s ticks): median %d ms, max %d ms\n", dc, dm, dx
	printf "swisper.health() with %d projects, one client: %.2f ms per call (round trip included)\n", n, hl
}'
