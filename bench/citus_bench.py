#!/usr/bin/python3
"""The ingestion through a Citus coordinator into two worker nodes, against
one server, measured in the same run on the same traffic (bench/ingest_bench.py's
generator: SDK stream entries, traces of ten observations, 5% out of order,
2% duplicated).  bench/citus_bench.sh starts the clusters and runs this.

Runs, each from the same stored history (--history traces of ten
observations), alternately on one server (1) and on the cluster (c),
--rounds times (the median counts):

  b50     one session, swisper.ingest_batch() with batches of 50;
  b1000   one session, batches of 1,000;
  s4      four sessions at once, batches of 50, each with the traces of one
          quarter of the trace ids (as consumers partitioned by trace do).

For each: events/s on each layout, the ratio (c)/(1), whether the rows read
through the coordinator equal those of the one server, and the CPU seconds
each node's server processes spent (from /proc; this host only), as
events per CPU-second of each node.  All nodes share this machine's cores,
so the ratio measures the overhead of going through the coordinator, not
what more machines would add.  Asserts nothing about time.

    bench/citus_bench.py --single DSN --coordinator DSN --pids NAME=PGDATA,... [--events N] [--rounds N]
"""
import argparse
import asyncio
import json
import os
import statistics
import sys
import time

import asyncpg

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ingest_bench import HISTORY, PROJECT, generate  # noqa: E402

LAYOUT = "test/citus/layout.sql"


def node_cpu(pgdata):
    """CPU seconds (user + system) of the live processes of the server whose
    data directory is pgdata: its postmaster's children."""
    with open(os.path.join(pgdata, "postmaster.pid")) as f:
        pm = int(f.readline())
    total = 0.0
    tck = os.sysconf("SC_CLK_TCK")
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pm or int(p) == pm:
            total += (int(fields[11]) + int(fields[12])) / tck
    return total


async def setup(dsn, citus, history):
    conn = await asyncpg.connect(dsn)
    await conn.execute(open("test/fixtures/observability_schema.sql").read())
    if citus:
        # one statement at a time, as psql sends them: Citus's functions run
        # their own commands, which a multi-statement query string refuses
        for stmt in open(LAYOUT).read().split(";\n"):
            if stmt.strip():
                await conn.execute(stmt)
    await conn.execute("SET client_min_messages = warning; CREATE EXTENSION swisper_ext")
    await conn.execute("SET client_min_messages = warning; SELECT * FROM swisper.fix_user_id()")
    for stmt in HISTORY.split(";"):
        if stmt.strip():
            await conn.execute(stmt.replace("$1::text", "'%s'" % PROJECT).replace("$2::int", str(history))
                               .replace("$3::timestamp", "'2025-11-01'::timestamp")
                               .replace("$4::interval", "'9 seconds'::interval"))
    return conn


async def reset(conn):
    await conn.execute("TRUNCATE observations, traces, swisper.ingest_merge_state, swisper.project_connection")
    await conn.execute('INSERT INTO traces (id, name, user_id, session_id, project_id, "timestamp")'
                       " SELECT * FROM bench_history_traces")
    await conn.execute("INSERT INTO observations (id, trace_id, parent_observation_id, type, name, start_time,"
                       " end_time, input, output, level) SELECT * FROM bench_history_observations")
    await conn.execute("VACUUM ANALYZE traces")
    await conn.execute("VACUUM ANALYZE observations")


async def digest(conn):
    d = ""
    for t in ("traces", "observations"):
        d += await conn.fetchval("SELECT md5(coalesce(string_agg(x, '|' ORDER BY id), '')) FROM"
                                 " (SELECT r.id, r::text AS x FROM %s r WHERE r.id NOT LIKE 'h-%%') s" % t)
    return d


async def session(conn, batches):
    bad = 0
    for b in batches:
        rows = await conn.fetch("SELECT status FROM swisper.ingest_batch($1::text::jsonb)", b)
        bad += sum(1 for r in rows if r["status"] not in (200, 201, 202))
    return bad


async def run(dsn, conn, work, pgdatas):
    """work: a list of batch lists, one per session.  Returns (seconds,
    refused, {node: cpu seconds}).  The sessions' connections (and the
    coordinator's to the worker nodes, which close with them) are measured
    before they close."""
    await reset(conn)
    conns = [await asyncpg.connect(dsn) for _ in work]
    cpu0 = {n: node_cpu(d) for n, d in pgdatas.items()}
    t = time.perf_counter()
    bad = sum(await asyncio.gather(*(session(c, w) for c, w in zip(conns, work))))
    secs = time.perf_counter() - t
    cpu = {n: node_cpu(d) - cpu0[n] for n, d in pgdatas.items()}
    for c in conns:
        await c.close()
    return secs, bad, cpu


async def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--single", required=True, help="URL (postgresql://...) of the one server's database")
    ap.add_argument("--coordinator", required=True, help="URL (postgresql://...) of the coordinator's database")
    ap.add_argument("--single-data", required=True, help="data directory of the one server")
    ap.add_argument("--cluster-data", required=True, help="NAME=PGDATA,... of the cluster's nodes")
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--history", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    single = await setup(args.single, False, args.history)
    coord = await setup(args.coordinator, True, args.history)
    shards = await coord.fetchval("SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'traces'::regclass")
    events = generate(args.events)
    raw = [json.dumps(e) for e in events]
    print("# %d events (%.1f MB of JSON), %d traces; each run starts from %d stored traces; "
          "the cluster: a coordinator and 2 worker nodes, %d shards of traces and of observations" %
          (len(events), sum(len(r) for r in raw) / 1e6,
           sum(1 for e in events if e["event_type"] == "trace_start"), args.history, shards))

    def batches(texts, size):
        return ["[" + ",".join(texts[i:i + size]) + "]" for i in range(0, len(texts), size)]

    quarters = [[r for e, r in zip(events, raw) if int(e["trace_id"][:8], 16) % 4 == q] for q in range(4)]
    runs = {"b50": [batches(raw, 50)], "b1000": [batches(raw, 1000)], "s4": [batches(q, 50) for q in quarters]}
    cluster = dict(kv.split("=", 1) for kv in args.cluster_data.split(","))
    layouts = {"1": (args.single, single, {"single": args.single_data}),
               "c": (args.coordinator, coord, cluster)}
    for name, work in runs.items():
        rates = {"1": [], "c": []}
        cpus = {"1": [], "c": []}
        digests = {}
        for r in range(args.rounds):
            for lay, (dsn, conn, datas) in layouts.items():
                secs, bad, cpu = await run(dsn, conn, work, datas)
                rates[lay].append(len(events) / secs)
                cpus[lay].append(cpu)
                digests[lay] = await digest(conn)
                print("#   %s %s round %d: %.0f events/s, %d refused, CPU s: %s" %
                      (name, lay, r + 1, len(events) / secs, bad,
                       " ".join("%s %.1f" % kv for kv in sorted(cpu.items()))))
        m1, mc = statistics.median(rates["1"]), statistics.median(rates["c"])
        print("%-6s one server %7.0f events/s   cluster %7.0f events/s   ratio cluster/one %.2f   rows equal: %s" %
              (name, m1, mc, mc / m1, digests["1"] == digests["c"]))
        for lay in ("1", "c"):
            med = {n: statistics.median(c[n] for c in cpus[lay]) for n in cpus[lay][0]}
            print("         %s CPU per node (median s): %s; events per CPU-second: %s" %
                  ("one server" if lay == "1" else "cluster   ",
                   ", ".join("%s %.1f" % kv for kv in sorted(med.items())),
                   ", ".join("%s %.0f" % (n, len(events) / s) for n, s in sorted(med.items()) if s > 0)))
        sys.stdout.flush()
    await single.close()
    await coord.close()


if __name__ == "__main__":
    asyncio.run(main())
