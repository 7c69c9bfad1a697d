#!/usr/bin/python3
"""Client test of swisper.ingest_batch() under concurrency (prints TAP).

Eight sessions ingest the same generated traffic (bench/ingest_bench.py's
generator: traces of ten observations, 5% out of order, 2% duplicated) at
once, each in its own shuffled order and batch sizes, so every event arrives
about eight times, in any order, from concurrent transactions.  No call may
fail (no deadlock, no unique violation), and the rows must equal those of a
single in-order delivery.
"""
import asyncio
import importlib.util
import json
import os
import random
import sys

import asyncpg

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
spec = importlib.util.spec_from_file_location("ingest_bench", os.path.join(TOP, "bench", "ingest_bench.py"))
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

DB = "swisper_client_ingest"
SESSIONS = 8
results = []


def ok(cond, desc):
    results.append((bool(cond), desc))


async def fresh(admin):
    await admin.execute("DROP DATABASE IF EXISTS " + DB)
    await admin.execute("CREATE DATABASE " + DB)
    conn = await asyncpg.connect(database=DB)
    await conn.execute(open(os.path.join(TOP, "test/fixtures/observability_schema.sql")).read())
    await conn.execute("CREATE EXTENSION swisper_ext")
    return conn


async def digest(conn):
    return await conn.fetchval(
        "SELECT md5((SELECT string_agg(t::text, '|' ORDER BY id) FROM traces t) || '#' ||"
        " (SELECT string_agg(o::text, '|' ORDER BY id) FROM observations o))")


async def session(n, raw, errors, refused):
    rnd = random.Random(1000 + n)
    order = list(range(len(raw)))
    # mostly in order, with local shuffling, as a stream consumer sees it
    for i in range(len(order)):
        j = min(len(order) - 1, i + rnd.randint(0, 30))
        order[i], order[j] = order[j], order[i]
    conn = await asyncpg.connect(database=DB)
    i = 0
    while i < len(order):
        k = rnd.randint(1, 60)
        batch = "[" + ",".join(raw[x] for x in order[i:i + k]) + "]"
        try:
            rows = await conn.fetch("SELECT status FROM swisper.ingest_batch($1::text::jsonb)", batch)
            refused.extend(r["status"] for r in rows if r["status"] not in (200, 201, 202))
        except Exception as e:  # a deadlock or any other failure
            errors.append(repr(e))
        i += k
    await conn.close()


async def main():
    events = bench.generate(3000, seed=7)
    raw = [json.dumps(e) for e in events]
    admin = await asyncpg.connect(database="postgres")

    conn = await fresh(admin)
    await conn.fetch("SELECT status FROM swisper.ingest_batch($1::text::jsonb)", "[" + ",".join(raw) + "]")
    in_order = await digest(conn)
    ntr = await conn.fetchval("SELECT count(*) FROM traces")
    await conn.close()
    ok(ntr > 100, "the in-order delivery stored %d traces" % ntr)

    conn = await fresh(admin)
    errors, refused = [], []
    await asyncio.gather(*(session(n, raw, errors, refused) for n in range(SESSIONS)))
    ok(not errors, "%d concurrent sessions: no call failed %s" % (SESSIONS, errors[:3]))
    ok(not refused, "no event was refused (%d)" % len(refused))
    got = await digest(conn)
    ok(got == in_order, "concurrent, shuffled, repeated deliveries give the in-order rows")
    dup = await conn.fetch("SELECT status, message FROM swisper.ingest_batch($1::text::jsonb)", "[" + raw[5] + "]")
    ok(dup[0]["message"].startswith("duplicate"), "a later re-delivery is reported as a duplicate")
    await conn.close()
    await admin.execute("DROP DATABASE " + DB)
    await admin.close()

    print("1..%d" % len(results))
    for i, (good, desc) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if good else "not ok", i, desc))
    return 0 if all(g for g, _ in results) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
