#!/usr/bin/python3
"""Backend memory over a long ingestion session: ingests
N events (default 1,000,000) with swisper.ingest_batch() in ONE session,
once in batches of 50 and once in batches of 1,000 (a new session and empty
tables for each), and samples the memory of that session's backend:

  /proc/<pid>/status   VmRSS (resident), RssAnon (private memory: palloc,
                       caches), RssShmem (pages of shared memory the backend
                       has touched: shared buffers, lock table, ...),
                       VmHWM (peak VmRSS)
  pg_backend_memory_contexts (same session): sum of total_bytes and of
                       used_bytes over all memory contexts, and their number

VmRSS grows while the backend touches more of shared_buffers (up to its
size) without any leak; RssAnon and the context totals are what a leak
would move.  Prints a table (events ingested vs memory) and the growth
between 10% and 100% of the events (100k and 1M at full size).  Asserts
nothing.  Traffic: bench/ingest_bench.py's generator (SDK stream entries,
traces of ten observations with 1-4 KB payloads, 5% out of order, 2%
duplicated), generated in chunks of 20,000 events with their own seeds,
plus one stream "heartbeat" entry after every 49 events (so heartbeat_record
runs with and without is_heartbeat), and the session also calls
swisper.heartbeat() once per batch: src/ingest_*.c and src/heartbeat.c are
both on the path.  --bad-every K gives every K-th trace_start a user_id
that swisper.external_id refuses (a leading blank): each batch holding one
then takes the careful path (one subtransaction per converted value) and
that element gets a 400.
Uses libpq environment variables (PGHOST, PGPORT, ...); must run on the
server's host (it reads /proc).

    bench/ingest_rss.py [--events N] [--quick] [--batch-sizes 50,1000] [--sample-every N] [--bad-every K]
"""
import argparse
import asyncio
import json
import os
import sys
import time

import asyncpg

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ingest_bench import PROJECT, generate  # noqa: E402

DB = os.environ.get("SWISPER_RSS_DATABASE", "swisper_rss")
CHUNK = 20000


def proc_status(pid):
    """The memory lines of /proc/<pid>/status, in kB."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                out[k] = int(v.split()[0])
    return out


async def contexts(conn):
    r = await conn.fetchrow("SELECT sum(total_bytes)::bigint AS total, sum(used_bytes)::bigint AS used,"
                            " count(*) AS n FROM pg_backend_memory_contexts")
    return r["total"], r["used"], r["n"]


def event_stream(n_events, bad_every):
    """The raw JSON of n_events events, chunk by chunk."""
    done = 0
    seed = 1000
    starts = 0
    while done < n_events:
        evs = generate(min(CHUNK, n_events - done), seed=seed)
        seed += 1
        out = []
        for i, e in enumerate(evs):
            if (done + len(out)) % 50 == 49:
                out.append(json.dumps({"event_type": "heartbeat", "project_id": PROJECT,
                                       "timestamp": e["timestamp"],
                                       "data": {"sdk_version": "0.5.0", "environment": "rss"}}))
            if bad_every and e["event_type"] == "trace_start":
                starts += 1
                if starts % bad_every == 0:
                    e = dict(e, data=dict(e["data"], user_id=" " + e["data"]["user_id"]))
            out.append(json.dumps(e))
        out = out[:n_events - done]
        done += len(out)
        yield out


async def run(batch, n_events, sample_every, bad_every):
    admin = await asyncpg.connect(database=DB)
    await admin.execute("TRUNCATE observations, traces, swisper.ingest_merge_state")
    await admin.execute("CHECKPOINT")
    await admin.close()

    conn = await asyncpg.connect(database=DB)
    pid = await conn.fetchval("SELECT pg_backend_pid()")
    samples = []

    async def sample(events):
        total, used, n = await contexts(conn)
        st = proc_status(pid)
        samples.append(dict(events=events, total=total, used=used, ncxt=n, **st))

    await sample(0)
    t0 = time.perf_counter()
    ingested = 0
    next_sample = sample_every
    bad = 0
    buf = []
    for chunk in event_stream(n_events, bad_every):
        buf.extend(chunk)
        while len(buf) >= batch or (buf and ingested + len(buf) >= n_events):
            part, buf = buf[:batch], buf[batch:]
            rows = await conn.fetch("SELECT status FROM swisper.ingest_batch($1::text::jsonb)",
                                    "[" + ",".join(part) + "]")
            bad += sum(1 for r in rows if r["status"] not in (200, 201, 202))
            await conn.fetchval("SELECT swisper.heartbeat($1, 'rss', '1.0', '0.5.0')", PROJECT)
            ingested += len(part)
            if ingested >= next_sample:
                await sample(ingested)
                next_sample += sample_every
    secs = time.perf_counter() - t0
    if samples[-1]["events"] != ingested:
        await sample(ingested)
    top = await conn.fetch("SELECT name, total_bytes FROM pg_backend_memory_contexts"
                           " ORDER BY total_bytes DESC LIMIT 6")
    rows = await conn.fetchrow("SELECT (SELECT count(*) FROM traces) AS t, (SELECT count(*) FROM observations) AS o")
    await conn.close()
    return samples, secs, bad, top, rows


def mb(kb):
    return kb / 1024.0


def report(batch, n_events, samples, secs, bad, top, rows, print_every):
    print()
    print("## batches of %d: %d events in %.0f s (%.0f events/s), %d refused, %d traces, %d observations;"
          " backend pid sampled every %d events" %
          (batch, samples[-1]["events"], secs, samples[-1]["events"] / secs, bad, rows["t"], rows["o"],
           samples[1]["events"] - samples[0]["events"] if len(samples) > 1 else 0))
    print("%10s | %8s | %8s | %8s | %8s | %11s | %10s | %5s" %
          ("events", "VmRSS MB", "RssAnon", "RssShmem", "VmHWM MB", "contexts MB", "used MB", "cxts"))
    print("-" * 10 + "-+-" + "-+-".join(["-" * 8] * 4) + "-+-" + "-" * 11 + "-+-" + "-" * 10 + "-+-" + "-" * 5)
    for s in samples:
        e = s["events"]
        if e == 0 or e == samples[-1]["events"] or e % print_every == 0 or e in (10000, 50000):
            print("%10d | %8.1f | %8.1f | %8.1f | %8.1f | %11.2f | %10.2f | %5d" %
                  (e, mb(s["VmRSS"]), mb(s["RssAnon"]), mb(s["RssShmem"]), mb(s["VmHWM"]),
                   s["total"] / 1048576.0, s["used"] / 1048576.0, s["ncxt"]))
    # growth between 10% and 100% of the events (100k and 1M at full size),
    # and over the second half (after shared buffers are all touched)
    last = samples[-1]
    for frac in (10, 2):
        ref = min(samples[1:], key=lambda s: abs(s["events"] - n_events // frac))
        print("growth %d -> %d events: VmRSS %+.1f MB, RssAnon %+.1f MB, RssShmem %+.1f MB, VmHWM %+.1f MB,"
              " contexts total %+.2f MB (used %+.2f MB)" %
              (ref["events"], last["events"], mb(last["VmRSS"] - ref["VmRSS"]),
               mb(last["RssAnon"] - ref["RssAnon"]), mb(last["RssShmem"] - ref["RssShmem"]),
               mb(last["VmHWM"] - ref["VmHWM"]),
               (last["total"] - ref["total"]) / 1048576.0, (last["used"] - ref["used"]) / 1048576.0))
    print("largest memory contexts at the end: " +
          ", ".join("%s %.2f MB" % (r["name"], r["total_bytes"] / 1048576.0) for r in top))


async def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1000000)
    ap.add_argument("--quick", action="store_true", help="100,000 events per batch size (well under a minute)")
    ap.add_argument("--batch-sizes", default="50,1000")
    ap.add_argument("--sample-every", type=int, default=0, help="events between samples (default: events / 100)")
    ap.add_argument("--bad-every", type=int, default=0,
                    help="every K-th trace_start with a user_id that external_id refuses (default: none)")
    ap.add_argument("--schema", default="test/fixtures/observability_schema.sql")
    args = ap.parse_args()
    n = 100000 if args.quick else args.events
    every = args.sample_every or max(1000, n // 100)
    sizes = [int(x) for x in args.batch_sizes.split(",")]

    admin = await asyncpg.connect(database="postgres")
    await admin.execute("DROP DATABASE IF EXISTS %s" % DB)
    await admin.execute("CREATE DATABASE %s" % DB)
    settings = await admin.fetch("SELECT name, setting, unit FROM pg_settings WHERE name IN"
                                 " ('shared_buffers', 'work_mem', 'swisper.database', 'server_version')")
    await admin.close()
    conn = await asyncpg.connect(database=DB)
    await conn.execute(open(args.schema).read())
    await conn.execute("SET client_min_messages = warning;"
                       " ALTER TABLE traces DROP CONSTRAINT IF EXISTS fk_traces_user; CREATE EXTENSION swisper_ext")
    await conn.close()
    print("# %d events per run, one session per run%s; %s" %
          (n, ", every %d-th trace_start with a refused user_id" % args.bad_every if args.bad_every else "",
           ", ".join("%s=%s%s" % (s["name"], s["setting"], s["unit"] or "") for s in settings)))
    for b in sizes:
        samples, secs, bad, top, rows = await run(b, n, every, args.bad_every)
        report(b, n, samples, secs, bad, top, rows, max(every, n // 10))


if __name__ == "__main__":
    asyncio.run(main())
