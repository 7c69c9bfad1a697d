#!/usr/bin/python3
"""Client test of swisper.ingest_batch() under concurrency (prints TAP).

Eight sessions ingest the same generated traffic (bench/ingest_bench.py's
generator: traces of ten observations, 5% out of order, 2% duplicated, here
spread over two projects, with a heartbeat event every 40 events) at once,
each in its own shuffled order (two of them backwards, so ends come before
starts) and batch sizes: every event arrives about eight times, creates,
ends and duplicates race, from concurrent transactions.  Meanwhile the
sessions call swisper.heartbeat() for one of the projects.

The concurrent run happens in the database the worker serves
(swisper.database), so that sightings go to the shared registry as in
production; the reference, one in-order delivery, in a database of its own.

Asserts: no call failed, in particular no deadlock or serialization error
reached a caller; every event got a status; none was refused; the rows equal
those of the in-order delivery; and, once the worker has persisted the
registry, last_seen of the project without heartbeat() calls is its latest
event's timestamp and last_heartbeat its latest heartbeat event's, as in
the serial run, while the other project's are the time of the last
heartbeat() call.
"""
import asyncio
import importlib.util
import json
import os
import random
import re
import sys
import time
from decimal import Decimal

import asyncpg

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
spec = importlib.util.spec_from_file_location("ingest_bench", os.path.join(TOP, "bench", "ingest_bench.py"))
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

DB_REF = "swisper_client_ingest"
SESSIONS = 8
PROD = bench.PROJECT                              # ingestion, heartbeat events and heartbeat() calls
STAGING = "4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f"  # ingestion and heartbeat events
ENVIRONMENT = {PROD: "production", STAGING: "staging"}
# every message a valid event can get; "element N" must name an earlier element
MESSAGE = re.compile(r"created the (?:trace|observation)|merged into the existing (?:trace|observation)"
                     r"|merged into the (?:trace|observation) created by element (\d+)"
                     r"|duplicate: already ingested|duplicate: repeats element (\d+) of this batch"
                     r"|heartbeat recorded")
results = []


def ok(cond, desc, diag=None):
    results.append((bool(cond), desc, diag))


def traffic():
    """The generator's events, a third of the traces moved to STAGING, and a
    heartbeat event every 40 events, alternately for each project."""
    events = bench.generate(8000, seed=7)
    traces = sorted({e["trace_id"] for e in events})
    staging = set(traces[::3])
    out = []
    for i, e in enumerate(events):
        if e["trace_id"] in staging:
            e["project_id"] = STAGING
        out.append(e)
        if i % 40 == 20:
            p = PROD if (i // 40) % 2 == 0 else STAGING
            out.append({"event_type": "heartbeat", "project_id": p, "timestamp": e["timestamp"],
                        "data": {"environment": ENVIRONMENT[p], "sdk_version": "0.9.0"}})
    return out


async def load_schema(conn):
    """What test/fixtures/reset.sql does: clean, the fixture schema, CREATE EXTENSION."""
    for f in ("clean.sql", "observability_schema.sql"):
        await conn.execute(open(os.path.join(TOP, "test/fixtures", f)).read())
    await conn.execute("SET client_min_messages = warning")
    await conn.execute("CREATE EXTENSION swisper_ext")


async def digest(conn):
    return await conn.fetchval(
        "SELECT md5((SELECT string_agg(t::text, '|' ORDER BY id) FROM traces t) || '#' ||"
        " (SELECT string_agg(o::text, '|' ORDER BY id) FROM observations o))")


async def connection_rows(conn):
    """project_connection as exact strings: epoch seconds (numeric) of last_seen/last_heartbeat."""
    rows = await conn.fetch(
        "SELECT project_id, extract(epoch FROM last_seen)::text AS seen,"
        " extract(epoch FROM last_heartbeat)::text AS hb, last_seen, last_heartbeat, environment, sdk_version"
        " FROM swisper.project_connection WHERE project_id = ANY($1)", [PROD, STAGING])
    return {r["project_id"]: r for r in rows}


async def wait_for_worker(conn, db, after=None, timeout=30):
    """Wait until the worker serves db and, if after is given, until a whole
    tick has started after that server time (two loop ends later).  Returns
    the last loop's time, or None on timeout."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        w = await conn.fetchrow(
            "SELECT (h -> 'worker' ->> 'running')::boolean AS running, h -> 'worker' ->> 'database' AS database,"
            " (h -> 'worker' ->> 'last_loop')::timestamptz AS last_loop FROM swisper.health() AS h")
        loop = w["last_loop"]
        if w["running"] and w["database"] == db and loop is not None:
            if after is None:
                return loop
            if loop > after and (not seen or loop > seen[-1]):
                seen.append(loop)
                if len(seen) == 2:
                    return loop
        await asyncio.sleep(0.1)
    return None


async def session(n, db, raw, calls, statuses, errors, refused):
    rnd = random.Random(1000 + n)
    order = list(range(len(raw)))
    if n % 4 == 3:
        order.reverse()  # ends before starts, observations before traces
    # otherwise mostly in order, with local shuffling, as a stream consumer sees it
    for i in range(len(order)):
        j = min(len(order) - 1, i + rnd.randint(0, 30))
        order[i], order[j] = order[j], order[i]
    conn = await asyncpg.connect(database=db)
    i = 0
    nbatch = 0
    while i < len(order):
        k = rnd.randint(1, 60)
        part = order[i:i + k]
        batch = "[" + ",".join(raw[x] for x in part) + "]"
        try:
            rows = await conn.fetch("SELECT idx, status, message FROM swisper.ingest_batch($1::text::jsonb)", batch)
            if sorted(r["idx"] for r in rows) != list(range(len(part))) or any(r["status"] is None for r in rows):
                statuses["incomplete"] += 1
            for r in rows:
                m = MESSAGE.fullmatch(r["message"] or "")
                earlier = (m.group(1) or m.group(2)) if m else None
                if not m or (earlier is not None and int(earlier) >= r["idx"]):
                    statuses["bad_message"].append((r["idx"], r["status"], r["message"]))
            statuses["events"] += len(rows)
            refused.extend(r["status"] for r in rows if r["status"] not in (200, 201, 202))
        except Exception as e:  # a deadlock or any other failure
            errors.append(e)
        nbatch += 1
        if nbatch % 8 == n % 8:
            try:
                calls.append(await conn.fetchrow(
                    "SELECT clock_timestamp() AS before, swisper.heartbeat($1, 'production', NULL, '0.9.0'),"
                    " clock_timestamp() AS after", PROD))
            except Exception as e:
                errors.append(e)
        i += k
    await conn.close()


async def watch_waits(db, done, seen):
    """Sample pg_locks while the sessions run: how often a session waits for
    another's entity lock (advisory lock, field4 0x5357), i.e. races happen."""
    conn = await asyncpg.connect(database=db)
    while not done.is_set():
        n = await conn.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                                " AND objsubid = 21335 AND NOT granted")
        seen.append(n)
        await asyncio.sleep(0.002)
    await conn.close()


async def main():
    events = traffic()
    raw = [json.dumps(e) for e in events]
    newest = {p: max(Decimal(e["timestamp"]) for e in events if e["project_id"] == p) for p in ENVIRONMENT}
    newest_hb = {p: max(Decimal(e["timestamp"]) for e in events
                        if e["project_id"] == p and e["event_type"] == "heartbeat") for p in ENVIRONMENT}
    admin = await asyncpg.connect(database="postgres")
    served = await admin.fetchval("SHOW swisper.database")

    # the reference: one in-order delivery, in a database of its own
    await admin.execute("DROP DATABASE IF EXISTS " + DB_REF)
    await admin.execute("CREATE DATABASE " + DB_REF)
    conn = await asyncpg.connect(database=DB_REF)
    await load_schema(conn)
    await conn.fetch("SELECT status FROM swisper.ingest_batch($1::text::jsonb)", "[" + ",".join(raw) + "]")
    in_order = await digest(conn)
    ntr = await conn.fetchval("SELECT count(*) FROM traces")
    serial = await connection_rows(conn)  # written by the table fallback (not the served database)
    await conn.close()
    await admin.execute("DROP DATABASE " + DB_REF)
    ok(ntr > 100, "the in-order delivery stored %d traces" % ntr)
    ok(serial.get(STAGING) is not None and serial[STAGING]["seen"] == str(newest[STAGING])
       and serial[STAGING]["hb"] == str(newest_hb[STAGING]),
       "in-order delivery: last_seen and last_heartbeat are the latest event and heartbeat event",
       serial.get(STAGING))

    # the concurrent run, in the database the worker serves (heartbeats in the registry)
    if not await admin.fetchval("SELECT true FROM pg_database WHERE datname = $1", served):
        await admin.execute('CREATE DATABASE "%s"' % served.replace('"', '""'))
    conn = await asyncpg.connect(database=served)
    await load_schema(conn)
    ok(await wait_for_worker(conn, served) is not None, "the worker serves database %s" % served)
    fallback_before = await conn.fetchval("SELECT (swisper.health() -> 'registry' ->> 'fallback_writes')::bigint")
    calls, errors, refused = [], [], []
    statuses = {"events": 0, "incomplete": 0, "bad_message": []}
    done, waits = asyncio.Event(), []
    watcher = asyncio.ensure_future(watch_waits(served, done, waits))
    t0 = time.monotonic()
    await asyncio.gather(*(session(n, served, raw, calls, statuses, errors, refused) for n in range(SESSIONS)))
    elapsed = time.monotonic() - t0
    done.set()
    await watcher
    t_end = await conn.fetchval("SELECT clock_timestamp()")
    ok(not errors, "%d concurrent sessions, %d events, %d heartbeat() calls in %.1f s: no call failed %s"
       % (SESSIONS, SESSIONS * len(raw), len(calls), elapsed, [repr(e) for e in errors[:3]]))
    bad = [e for e in errors if getattr(e, "sqlstate", None) in ("40P01", "40001")]
    ok(not bad, "no deadlock (40P01) or serialization failure (40001) reached a caller (%d)" % len(bad))
    ok(sum(1 for w in waits if w) > 0, "the sessions raced: in %d of %d samples a session waited for another's "
       "entity lock (up to %d at once)" % (sum(1 for w in waits if w), len(waits), max(waits or [0])))
    ok(statuses["events"] == SESSIONS * len(raw) and statuses["incomplete"] == 0,
       "every event got a status (%d of %d)" % (statuses["events"], SESSIONS * len(raw)))
    ok(not statuses["bad_message"], "every message is one of the documented ones %s" % statuses["bad_message"][:3])
    ok(not refused, "no event was refused (%d)" % len(refused))
    got = await digest(conn)
    ok(got == in_order, "concurrent, shuffled, repeated deliveries give the in-order rows")
    dup = await conn.fetch("SELECT status, message FROM swisper.ingest_batch($1::text::jsonb)", "[" + raw[5] + "]")
    ok(dup[0]["message"].startswith("duplicate"), "a later re-delivery is reported as a duplicate")

    # heartbeats: the registry, once the worker has persisted it
    fallback = await conn.fetchval("SELECT (swisper.health() -> 'registry' ->> 'fallback_writes')::bigint")
    ok(fallback == fallback_before and await conn.fetchval("SELECT swisper.health() ->> 'heartbeat_store'")
       == "shared_memory", "sightings went to the shared registry (no table fallback)")
    ok(await wait_for_worker(conn, served, after=t_end) is not None, "the worker ran a tick after the last call")
    conc = await connection_rows(conn)
    st = conc.get(STAGING)
    ok(st is not None and st["seen"] == str(newest[STAGING]) and st["seen"] == serial[STAGING]["seen"],
       "registry: last_seen of %s is its latest event's timestamp (%s), as in serial delivery"
       % (STAGING[:8], newest[STAGING]), st)
    ok(st is not None and st["hb"] == str(newest_hb[STAGING]) and st["environment"] == "staging",
       "registry: its last_heartbeat is its latest heartbeat event's timestamp (%s)" % newest_hb[STAGING], st)
    pr = conc.get(PROD)
    lo = max(c["before"] for c in calls) if calls else None
    hi = max(c["after"] for c in calls) if calls else None
    ok(pr is not None and calls and lo <= pr["last_seen"] <= hi and pr["last_heartbeat"] == pr["last_seen"]
       and pr["environment"] == "production" and pr["sdk_version"] == "0.9.0",
       "registry: last_seen and last_heartbeat of %s are the last heartbeat() call's time (after every event)"
       % PROD[:8], (pr, lo, hi))
    await conn.close()
    await admin.close()

    print("1..%d" % len(results))
    for i, (good, desc, diag) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if good else "not ok", i, desc))
        if not good and diag is not None:
            print("# %r" % (diag,))
    return 0 if all(g for g, _, _ in results) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
