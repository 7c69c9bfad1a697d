#!/usr/bin/python3
"""Benchmark of swisper.ingest_batch() and swisper.ingest_entries() against
four baselines, measured in the same run on the same generated traffic:

  (a)  swisper.ingest_batch() with batches of 50 and of 1,000 events;
  (e)  swisper.ingest_entries() (one JSON text per event, a text[] per
       call) with batches of 50 and of 1,000; (e-str) the same with "data"
       as a JSON string, as the stream consumer reads an SDK entry; and
       (e-cost) batches of 50 with a model_pricing table that prices the
       traffic's generations, alternately with runs without it, twice each
       (every other run has none): the ratio of their rates, and of the
       backend's CPU per event, is what computing costs costs;
  (b)  COPY of the final rows into the same tables with the same indexes
       (the physical limit), in one transaction; and (b50) the same COPY
       committed per batch of 50 events (each transaction holds its share
       of the traces with all their observations), which is what the
       per-batch commit of (a) with batches of 50 costs even without any
       merge;
  (c)  the same merge as set-based SQL, batches of 50: bench/ingest_setbased.sql
       (jsonb_to_recordset, INSERT ... ON CONFLICT DO UPDATE), with the
       README's rules (first wins / latest wins by the events' own
       timestamps, placeholder traces, duplicates recognised across calls),
       its own per-entity stamps and ledger of applied event ids; one
       function call per batch (lock the entities, then one merge statement);
  (c0) the simplified set-based merge of earlier versions of this benchmark
       (no ordering or duplicate rules; latest batch wins), batches of 50;
  (d)  one statement per event, one round trip each (the old consumer).

For every run that stores rows, the run prints whether its final rows
(traces and observations outside the history) equal those of (a) with
batches of 50: (a) with 1,000, (e), (e-str) and (c) must; (c0) and (d) do
not apply the merge rules, (b) copies (a)'s rows, and (e-cost) adds costs.

Traffic: traces of ten observations (an AGENT root, SPANs, GENERATIONs with
1-4 KB of state, TOOLs, one error), start and end events in the SDK's stream
format, 5% out of order, 2% duplicated.  Prints events/s and ratios; asserts
nothing about time.  Uses libpq environment variables (PGHOST, PGPORT, ...).

Every run starts from the same tables: they already hold a history of
--history traces (ten observations each), vacuumed and analyzed, as a
production database does (for (c), its stamps and ledger hold that history
too).  On empty tables the runs would not be
comparable: the foreign-key check's saved plan (PostgreSQL's ri_triggers.c
caches one per session) is made while the table is tiny, so it is a
sequential scan, and it stays one until an autovacuum ANALYZE happens to
invalidate it; the same 200,000 events then ran at anywhere from 6,400 to
19,000 events/s depending on when that happened.

With --partitioned, the history spans twelve months, and the same traffic
goes into the tables as they are (a) and into the same tables partitioned
by month (p), alternately, --rounds times with batches of 50 (the best run
of each counts), then once each with batches of 1,000: traces by
"timestamp", observations by start_time, seventeen monthly partitions (the
thirteen that the history and the traffic touch, and four made ahead, as
pg_partman's premake does) and a default partition, unique keys
(id, "timestamp") and (id, start_time), the same secondary indexes, and no
foreign key from observations to traces (a partitioned traces cannot have
one on id).  (a-) is the unpartitioned run without that foreign key, for
the share of the difference it makes.  The run prints the ratios (p)/(a)
and whether the rows are equal.

    bench/ingest_bench.py [--events N] [--history N] [--quick] [--only a50,b,b50,c,e50,...] [--rounds N]
    bench/ingest_bench.py --peak 1000,10000,50000   (memory instead: see peak_memory)
    bench/ingest_bench.py [--events N] [--history N] [--quick] [--partitioned [--rounds N]]
"""
import argparse
import asyncio
import hashlib
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import uuid

import asyncpg

PROJECT = "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c"
WORDS = ("calendar meeting tomorrow standup agent memory tool result user assistant "
         "summary intent classify route answer question context retrieval window "
         "token model prompt completion latency error retry").split()
KINDS = ["SPAN", "GENERATION", "TOOL", "SPAN", "GENERATION", "TOOL", "GENERATION", "SPAN", "EVENT"]


def text(rnd, size):
    out = []
    n = 0
    while n < size:
        w = rnd.choice(WORDS)
        out.append(w)
        n += len(w) + 1
    return " ".join(out)


def iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + ".%06d" % int(round((ts % 1) * 1e6) % 1000000)


def generate(n_events, seed=42):
    """SDK stream entries for about n_events events, in publishing order."""
    rnd = random.Random(seed)
    events = []
    start = 1762500000.0
    while len(events) < n_events:
        tid = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
        t0 = start
        start += rnd.uniform(0.01, 0.05)
        evs = [(t0, {"event_type": "trace_start", "trace_id": tid, "project_id": PROJECT,
                     "data": {"name": "chat request", "user_id": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
                              "session_id": "chat-%d" % rnd.randrange(1000), "timestamp": iso(t0)}})]
        root = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
        err_at = rnd.randrange(len(KINDS))
        t = t0 + 0.001
        evs.append((t, {"event_type": "observation_start", "trace_id": tid, "project_id": PROJECT,
                        "observation_id": root,
                        "data": {"name": "global_supervisor", "type": "AGENT", "parent_observation_id": None,
                                 "input": {"user_message": text(rnd, 80)}, "start_time": iso(t)}}))
        for i, kind in enumerate(KINDS):
            oid = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
            ts = t + 0.001 + i * 0.05
            data = {"name": "%s_%d" % (kind.lower(), i), "type": kind, "parent_observation_id": root,
                    "start_time": iso(ts)}
            if kind == "GENERATION":
                data["input"] = {"messages": [{"role": "user", "content": text(rnd, rnd.randint(1000, 4000))}]}
            else:
                data["input"] = {"args": text(rnd, 100)}
            evs.append((ts, {"event_type": "observation_start", "trace_id": tid, "project_id": PROJECT,
                             "observation_id": oid, "data": data}))
            te = ts + rnd.uniform(0.005, 0.04)
            if i == err_at:
                evs.append((te, {"event_type": "observation_error", "trace_id": tid, "project_id": PROJECT,
                                 "observation_id": oid,
                                 "data": {"level": "ERROR", "error": "TimeoutError", "status_message": "TimeoutError",
                                          "end_time": iso(te)}}))
            else:
                out = {"result": text(rnd, 200)}
                if kind == "GENERATION":
                    out = {"answer": text(rnd, rnd.randint(500, 2000)), "_llm_model": "inference-llama4-maverick",
                           "_llm_tokens": {"prompt": 700, "completion": 112, "total": 812}}
                evs.append((te, {"event_type": "observation_end", "trace_id": tid, "project_id": PROJECT,
                                 "observation_id": oid, "data": {"output": out, "level": "DEFAULT", "end_time": iso(te)}}))
        tr = t + len(KINDS) * 0.05 + 0.05
        evs.append((tr, {"event_type": "observation_end", "trace_id": tid, "project_id": PROJECT,
                         "observation_id": root, "data": {"output": {"answer": text(rnd, 200)}, "level": "DEFAULT",
                                                           "end_time": iso(tr)}}))
        for ts, e in evs:
            e["timestamp"] = "%.6f" % ts
        events.extend(e for _, e in evs)
    events.sort(key=lambda e: float(e["timestamp"]))
    events = events[:n_events]
    # 5% out of order: swapped with one of the next 20
    for i in range(len(events)):
        if rnd.random() < 0.05:
            j = min(len(events) - 1, i + rnd.randint(1, 20))
            events[i], events[j] = events[j], events[i]
    # 2% duplicated: delivered again up to 100 events later
    out = []
    pending = []
    for i, e in enumerate(events):
        out.append(e)
        if rnd.random() < 0.02:
            pending.append((i + rnd.randint(1, 100), e))
        still = []
        for at, d in pending:
            if at <= i:
                out.append(d)
            else:
                still.append((at, d))
        pending = still
    out.extend(d for _, d in pending)
    return out


SETUP = """
DROP EXTENSION IF EXISTS swisper_ext CASCADE;
DROP SCHEMA IF EXISTS swisper CASCADE;
"""


# The history: traces and observations of earlier days, with the same
# column shapes as the generated traffic (ids prefixed "h-", so they never
# collide with the traffic's uuids).  Made once, kept in bench_history_*,
# copied back by every reset().
HISTORY = """
CREATE TABLE bench_history_traces AS
SELECT 'h-' || g AS id, 'chat request' AS name, md5(g::text)::uuid::text AS user_id,
       'chat-' || (g % 1000) AS session_id, $1::text AS project_id,
       $3::timestamp + g * $4::interval AS "timestamp"
FROM generate_series(1, $2::int) g;
CREATE TABLE bench_history_observations AS
SELECT 'h-' || t || '-' || i AS id, 'h-' || t AS trace_id,
       CASE WHEN i > 0 THEN 'h-' || t || '-0' END AS parent_observation_id,
       (CASE WHEN i = 0 THEN 'AGENT' WHEN i % 3 = 1 THEN 'GENERATION' ELSE 'SPAN' END)::observationtype AS type,
       'step_' || i AS name, $3::timestamp + t * $4::interval + i * interval '50 ms' AS start_time,
       $3::timestamp + t * $4::interval + i * interval '50 ms' + interval '30 ms' AS end_time,
       json_build_object('args', repeat(md5((t * 10 + i)::text), 4 + (i % 3) * 30)) AS input,
       json_build_object('result', repeat(md5((t * 10 + i)::text || 'o'), 6 + (i % 3) * 15)) AS output,
       'DEFAULT' AS level
FROM generate_series(1, $2::int) t, generate_series(0, 9) i;
"""


# The same history in the state of baseline (c) (bench/ingest_setbased.sql):
# about the stamps and applied event ids the history would have left had it been
# ingested by (c) (a trace_start per trace, a start and an end event per
# observation).  Only (c)'s runs load it.
SETBASED_HISTORY = """
CREATE TABLE bench_history_setbased_seen AS
SELECT 'trace_start:' || id || ':' || extract(epoch FROM "timestamp")::numeric(20, 6) AS event_id
FROM bench_history_traces
UNION ALL
SELECT e || id || ':' || extract(epoch FROM CASE WHEN e LIKE '%start:' THEN start_time ELSE end_time END)::numeric(20, 6)
FROM bench_history_observations, (VALUES ('observation_start:'), ('observation_end:')) v(e);
CREATE TABLE bench_history_setbased_state AS
SELECT 't'::"char" AS kind, id, '{1,2,3,4,5}'::smallint[] AS f,
       ARRAY[~(u + 18014398509481984), ~(u + 18014398509481984), (1::bigint << 56) + u + 18014398509481984,
             (1::bigint << 56) + u + 18014398509481984, (1::bigint << 56) + u + 18014398509481984] AS k1,
       ARRAY[~h, ~h, h, h, h] AS k2
FROM (SELECT id, (extract(epoch FROM "timestamp") * 1000000)::bigint AS u,
             hashtextextended('trace_start:' || id || ':' || extract(epoch FROM "timestamp")::numeric(20, 6), 0) AS h
      FROM bench_history_traces) t
UNION ALL
SELECT 'o', id, '{1,2,3,4,5,6,8,9,16}',
       ARRAY[~(s + 18014398509481984), ~(s + 18014398509481984), (1::bigint << 56) + s + 18014398509481984,
             (1::bigint << 56) + s + 18014398509481984, (1::bigint << 56) + s + 18014398509481984,
             (2::bigint << 56) + e + 18014398509481984, (1::bigint << 56) + s + 18014398509481984,
             (2::bigint << 56) + e + 18014398509481984, (2::bigint << 56) + e + 18014398509481984],
       ARRAY[~hs, ~hs, hs, hs, hs, he, hs, he, he]
FROM (SELECT id, (extract(epoch FROM start_time) * 1000000)::bigint AS s,
             (extract(epoch FROM end_time) * 1000000)::bigint AS e,
             hashtextextended('observation_start:' || id || ':' || extract(epoch FROM start_time)::numeric(20, 6), 0) AS hs,
             hashtextextended('observation_end:' || id || ':' || extract(epoch FROM end_time)::numeric(20, 6), 0) AS he
      FROM bench_history_observations) o
"""


async def make_history(conn, ntraces, months=0):
    """The history: ntraces traces 9 s apart from 2025-11-01, or, with
    months, spread evenly over that many months before the traffic's day."""
    start, step = "'2025-11-01'", "'9 seconds'"
    if months:
        start, step = "'2025-11-06'::timestamp - interval '%d months'" % months, \
            "'%f seconds'" % (months * 30 * 86400.0 / ntraces)
    for stmt in HISTORY.split(";"):
        if stmt.strip():
            await conn.execute(stmt.replace("$1::text", "'%s'" % PROJECT).replace("$2::int", str(int(ntraces)))
                               .replace("$3::timestamp", "(%s)::timestamp" % start)
                               .replace("$4::interval", "%s::interval" % step))
    for stmt in SETBASED_HISTORY.split(";"):
        if stmt.strip():
            await conn.execute(stmt)


async def reset(conn, setbased=False):
    """Back to the history; setbased: also (c)'s stamps and ledger of it."""
    await conn.execute("TRUNCATE observations, traces, swisper.ingest_merge_state,"
                       " swisper.project_connection, bench_setbased_state, bench_setbased_seen")
    await conn.execute("DELETE FROM projects WHERE id <> ALL($1)", [PROJECT, "4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f"])
    await conn.execute('INSERT INTO traces (id, name, user_id, session_id, project_id, "timestamp")'
                       " SELECT * FROM bench_history_traces")
    await conn.execute("INSERT INTO observations (id, trace_id, parent_observation_id, type, name, start_time,"
                       " end_time, input, output, level) SELECT * FROM bench_history_observations")
    tables = ["traces", "observations"]
    if setbased:
        await conn.execute("INSERT INTO bench_setbased_state SELECT * FROM bench_history_setbased_state")
        await conn.execute("INSERT INTO bench_setbased_seen SELECT * FROM bench_history_setbased_seen")
        tables += ["bench_setbased_state", "bench_setbased_seen"]
    for t in tables:
        await conn.execute("VACUUM ANALYZE " + t)
    await conn.execute("CHECKPOINT")


async def digest(conn):
    return await conn.fetchval(
        "SELECT md5((SELECT string_agg(t::text, '|' ORDER BY id) FROM traces t WHERE id NOT LIKE 'h-%') || '#' ||"
        " (SELECT string_agg(o::text, '|' ORDER BY id) FROM observations o WHERE id NOT LIKE 'h-%'))")


async def run_ingest(conn, batches):
    t = time.perf_counter()
    bad = 0
    for b in batches:
        rows = await conn.fetch("SELECT status FROM swisper.ingest_batch($1::text::jsonb)", b)
        bad += sum(1 for r in rows if r["status"] not in (200, 201, 202))
    return time.perf_counter() - t, bad


def backend_cpu(pid):
    """CPU seconds (user + system) of a backend, or None off the server's host."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None


PERF_OUT = None


async def run_entries(conn, batches, cpu=None):
    """(e): swisper.ingest_entries(), one text[] of JSON texts per call.
    cpu: a list that gets the backend's CPU seconds for the run."""
    st = await conn.prepare("SELECT status FROM swisper.ingest_entries($1::text[])")
    pid = await conn.fetchval("SELECT pg_backend_pid()")
    rec = None
    if PERF_OUT:
        rec = subprocess.Popen(["perf", "record", "-q", "-g", "-F", "1999", "-p", str(pid), "-o",
                                "%s.%d" % (PERF_OUT, pid)], stdout=subprocess.DEVNULL)
        await asyncio.sleep(1)
    c0 = backend_cpu(pid)
    t = time.perf_counter()
    bad = 0
    for b in batches:
        rows = await st.fetch(b)
        bad += sum(1 for r in rows if r["status"] not in (200, 201, 202))
    secs = time.perf_counter() - t
    c1 = backend_cpu(pid)
    if rec is not None:
        rec.send_signal(signal.SIGINT)
        rec.wait()
    if cpu is not None and c0 is not None and c1 is not None:
        cpu.append(c1 - c0)
    return secs, bad


# model_pricing as the platform's migrations make it, with the price of the
# traffic's model (and a project row for another project, so the look-up
# has both kinds of row to choose from); only (e-cost) runs with it.
MODEL_PRICING = """
CREATE TABLE model_pricing (
    id varchar PRIMARY KEY DEFAULT gen_random_uuid()::text,
    project_id varchar REFERENCES projects (id) ON DELETE CASCADE,
    hosting_provider varchar(100) NOT NULL, model_name varchar(200) NOT NULL,
    input_price_per_million numeric NOT NULL, output_price_per_million numeric NOT NULL,
    created_at timestamp NOT NULL DEFAULT now(), updated_at timestamp NOT NULL DEFAULT now(),
    UNIQUE (project_id, hosting_provider, model_name));
CREATE INDEX ix_model_pricing_lookup ON model_pricing (project_id, hosting_provider, model_name);
INSERT INTO model_pricing (project_id, hosting_provider, model_name, input_price_per_million, output_price_per_million)
VALUES (NULL, 'kvant', 'inference-llama4-maverick', 0.225, 0.898),
       ('4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f', 'kvant', 'inference-llama4-maverick', 0.2, 0.8),
       (NULL, 'openai', 'gpt-4o', 2.5, 10), (NULL, 'openai', 'gpt-4o-mini', 0.15, 0.6),
       (NULL, 'anthropic', 'claude-3-5-sonnet-20241022', 3, 15)
"""


SQL_TRACES = """
WITH ev AS (SELECT * FROM jsonb_to_recordset($1::text::jsonb)
            AS x(event_type text, trace_id text, observation_id text, project_id text, "timestamp" text, data jsonb)),
src AS (
  SELECT DISTINCT ON (trace_id) trace_id AS id, data->>'name' AS name, data->>'user_id' AS user_id,
         data->>'session_id' AS session_id, project_id,
         coalesce((data->>'timestamp')::timestamp,
                  to_timestamp("timestamp"::float8) AT TIME ZONE 'UTC') AS ts, true AS real
  FROM ev WHERE event_type = 'trace_start' AND trace_id IS NOT NULL
  ORDER BY trace_id, "timestamp"::float8
),
ph AS (
  SELECT DISTINCT ON (trace_id) trace_id AS id, NULL, NULL, NULL, project_id,
         to_timestamp("timestamp"::float8) AT TIME ZONE 'UTC', false
  FROM ev WHERE event_type LIKE 'observation%' AND trace_id NOT IN (SELECT id FROM src)
  ORDER BY trace_id, "timestamp"::float8
)
INSERT INTO traces AS t (id, name, user_id, session_id, project_id, "timestamp")
SELECT id, name, user_id, session_id, project_id, ts FROM (SELECT * FROM src UNION ALL SELECT * FROM ph) u
ON CONFLICT (id) DO UPDATE SET
  name = coalesce(EXCLUDED.name, t.name), user_id = coalesce(EXCLUDED.user_id, t.user_id),
  session_id = coalesce(EXCLUDED.session_id, t.session_id),
  "timestamp" = CASE WHEN EXCLUDED.name IS NOT NULL THEN EXCLUDED."timestamp" ELSE t."timestamp" END
"""

SQL_OBS = """
WITH ev AS (SELECT * FROM jsonb_to_recordset($1::text::jsonb)
            AS x(event_type text, trace_id text, observation_id text, project_id text, "timestamp" text, data jsonb)),
o AS (
  SELECT observation_id AS id, max(trace_id) AS trace_id,
         max(data->>'parent_observation_id') AS parent,
         coalesce(max(data->>'type') FILTER (WHERE event_type <> 'observation_start'), max(data->>'type')) AS type,
         max(data->>'name') AS name,
         coalesce(min((data->>'start_time')::timestamp),
                  min(to_timestamp("timestamp"::float8) AT TIME ZONE 'UTC')) AS start_time,
         max((data->>'end_time')::timestamp) AS end_time,
         (array_agg(data->'input' ORDER BY "timestamp") FILTER (WHERE data ? 'input'))[1] AS input,
         (array_agg(data->'output' ORDER BY "timestamp" DESC) FILTER (WHERE data ? 'output'))[1] AS output,
         max(coalesce(data->>'model', data->'output'->>'_llm_model')) AS model,
         max((data->'output'->'_llm_tokens'->>'prompt')::int) AS pt,
         max((data->'output'->'_llm_tokens'->>'completion')::int) AS ct,
         max((data->'output'->'_llm_tokens'->>'total')::int) AS tt,
         CASE WHEN bool_or(event_type = 'observation_error') THEN 'ERROR'
              ELSE max(data->>'level') END AS level,
         max(coalesce(data->>'status_message', data->>'error')) AS status_message
  FROM ev WHERE event_type LIKE 'observation%'
  GROUP BY observation_id
)
INSERT INTO observations AS t (id, trace_id, parent_observation_id, type, name, start_time, end_time, input, output,
                               model, prompt_tokens, completion_tokens, total_tokens, level, status_message)
SELECT id, trace_id, parent, coalesce(type, 'SPAN')::observationtype, name, start_time, end_time, input::json,
       output::json, model, pt, ct, tt, coalesce(level, 'DEFAULT'), status_message FROM o
ON CONFLICT (id) DO UPDATE SET
  trace_id = coalesce(t.trace_id, EXCLUDED.trace_id),
  parent_observation_id = coalesce(EXCLUDED.parent_observation_id, t.parent_observation_id),
  type = CASE WHEN EXCLUDED.end_time IS NOT NULL THEN EXCLUDED.type ELSE t.type END,
  name = coalesce(EXCLUDED.name, t.name),
  start_time = least(t.start_time, EXCLUDED.start_time),
  end_time = coalesce(EXCLUDED.end_time, t.end_time),
  input = coalesce(EXCLUDED.input, t.input),
  output = coalesce(EXCLUDED.output, t.output),
  model = coalesce(EXCLUDED.model, t.model),
  prompt_tokens = coalesce(EXCLUDED.prompt_tokens, t.prompt_tokens),
  completion_tokens = coalesce(EXCLUDED.completion_tokens, t.completion_tokens),
  total_tokens = coalesce(EXCLUDED.total_tokens, t.total_tokens),
  level = CASE WHEN t.level = 'ERROR' THEN t.level ELSE EXCLUDED.level END,
  status_message = coalesce(EXCLUDED.status_message, t.status_message)
"""


async def run_setbased(conn, batches):
    """(c): bench/ingest_setbased.sql, one call (its own transaction) per batch."""
    st = await conn.prepare("SELECT bench_setbased_ingest($1::text::jsonb)")
    t = time.perf_counter()
    for b in batches:
        await st.fetch(b)
    return time.perf_counter() - t


async def run_simplified(conn, batches):
    """(c0): SQL_TRACES and SQL_OBS, one transaction per batch."""
    st1 = await conn.prepare(SQL_TRACES)
    st2 = await conn.prepare(SQL_OBS)
    t = time.perf_counter()
    for b in batches:
        async with conn.transaction():
            await st1.fetch(b)
            await st2.fetch(b)
    return time.perf_counter() - t


SQL_ONE_TRACE = """
INSERT INTO traces AS t (id, name, user_id, session_id, project_id, "timestamp")
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, user_id = EXCLUDED.user_id,
  session_id = EXCLUDED.session_id, "timestamp" = EXCLUDED."timestamp"
"""
SQL_ONE_OBS = """
WITH ph AS (INSERT INTO traces (id, project_id, "timestamp") VALUES ($2, $14, $6) ON CONFLICT DO NOTHING)
INSERT INTO observations AS t (id, trace_id, parent_observation_id, type, name, start_time, end_time, input, output,
                               model, prompt_tokens, total_tokens, level, status_message)
VALUES ($1, $2, $3, coalesce($4, 'SPAN')::observationtype, $5, $6, $7, $8::text::json, $9::text::json, $10, $11, $12,
        coalesce($13, 'DEFAULT'), $15)
ON CONFLICT (id) DO UPDATE SET
  type = coalesce($4::observationtype, t.type), name = coalesce(EXCLUDED.name, t.name),
  end_time = coalesce(EXCLUDED.end_time, t.end_time), output = coalesce(EXCLUDED.output, t.output),
  model = coalesce(EXCLUDED.model, t.model), prompt_tokens = coalesce(EXCLUDED.prompt_tokens, t.prompt_tokens),
  total_tokens = coalesce(EXCLUDED.total_tokens, t.total_tokens), level = coalesce($13, t.level),
  status_message = coalesce(EXCLUDED.status_message, t.status_message),
  input = coalesce(EXCLUDED.input, t.input)
"""


def ts_of(s):
    import datetime
    return datetime.datetime.utcfromtimestamp(float(s))


def parse_ts(s):
    import datetime
    return datetime.datetime.fromisoformat(s) if s else None


async def run_per_event(conn, events):
    st_t = await conn.prepare(SQL_ONE_TRACE)
    st_o = await conn.prepare(SQL_ONE_OBS)
    t = time.perf_counter()
    for e in events:
        d = e.get("data") or {}
        et = e["event_type"]
        if et == "trace_start":
            await st_t.fetch(e["trace_id"], d.get("name"), d.get("user_id"), d.get("session_id"), e["project_id"],
                             parse_ts(d.get("timestamp")) or ts_of(e["timestamp"]))
        elif et.startswith("observation"):
            out = d.get("output") if isinstance(d.get("output"), dict) else {}
            tok = out.get("_llm_tokens") or {}
            await st_o.fetch(e["observation_id"], e["trace_id"], d.get("parent_observation_id"),
                             d.get("type") if et != "observation_start" or True else None, d.get("name"),
                             parse_ts(d.get("start_time")) or ts_of(e["timestamp"]), parse_ts(d.get("end_time")),
                             json.dumps(d["input"]) if "input" in d else None,
                             json.dumps(d["output"]) if "output" in d else None,
                             out.get("_llm_model"), tok.get("prompt"), tok.get("total"),
                             "ERROR" if et == "observation_error" else d.get("level"), e["project_id"],
                             d.get("status_message"))
    return time.perf_counter() - t


def external_id_encode(value):
    # binary input of swisper.external_id: kind tag 3 and the characters;
    # the server parses them as the text input does (a UUID becomes kind uuid)
    return b"\x03" + value.encode()


def external_id_decode(data):
    if data[0] == 1:
        return str(int.from_bytes(data[1:9], "big"))
    if data[0] == 2:
        return str(uuid.UUID(bytes=bytes(data[1:17])))
    return bytes(data[1:]).decode()


async def final_rows(conn):
    """(a)'s final rows, outside the history, for (b) and (b50)."""
    # COPY (FORMAT binary) needs a binary codec for every column type
    await conn.set_type_codec("external_id", schema="swisper", encoder=external_id_encode,
                              decoder=external_id_decode, format="binary")
    tr = await conn.fetch("SELECT * FROM traces WHERE id NOT LIKE 'h-%' ORDER BY \"timestamp\", id")
    ob = await conn.fetch("SELECT * FROM observations WHERE id NOT LIKE 'h-%' ORDER BY start_time, id")
    return tr, ob


async def run_copy(conn, tr, ob, nbatches=1):
    """COPY tr and ob into the tables: in one transaction (nbatches = 1), or
    in nbatches transactions, each with its share of the traces and all the
    observations of those traces (what one ingest_batch() call of that
    size writes, committed as it commits)."""
    tcols = list(tr[0].keys())
    ocols = list(ob[0].keys())
    group = {r["id"]: i * nbatches // len(tr) for i, r in enumerate(tr)}
    tg = [[] for _ in range(nbatches)]
    og = [[] for _ in range(nbatches)]
    for r in tr:
        tg[group[r["id"]]].append(tuple(r))
    for r in ob:
        og[group[r["trace_id"]]].append(tuple(r))
    await reset(conn)
    t = time.perf_counter()
    for i in range(nbatches):
        async with conn.transaction():
            if tg[i]:
                await conn.copy_records_to_table("traces", records=tg[i], columns=tcols)
            if og[i]:
                await conn.copy_records_to_table("observations", records=og[i], columns=ocols)
    return time.perf_counter() - t


def vm_hwm_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


async def peak_memory(sizes):
    """The peak memory (VmHWM) of a fresh backend over one call of N events:
    ingest_batch() of the JSON array sent as text and cast to jsonb, and
    ingest_entries() of the same events as a text[]; each with data as an
    object and as a string (SDK entries).  Must run on the server's host."""
    print("# peak backend memory (VmHWM) of one call in a fresh session; idle backend: see 'idle'")
    print("%-9s %-7s %9s %16s %16s" % ("events", "data", "JSON MB", "ingest_batch MB", "ingest_entries MB"))
    for n in sizes:
        events = generate(n)
        for shape in ("object", "string"):
            if shape == "object":
                raw = [json.dumps(e) for e in events]
            else:
                raw = [json.dumps(dict(e, data=json.dumps(e["data"])) if "data" in e else e) for e in events]
            mb = sum(len(r) for r in raw) / 1e6
            peaks = []
            for fn in ("batch", "entries"):
                conn = await asyncpg.connect(database="swisper_bench")
                await conn.execute("TRUNCATE observations, traces, swisper.ingest_merge_state")
                pid = await conn.fetchval("SELECT pg_backend_pid()")
                if fn == "batch":
                    await conn.fetch("SELECT status FROM swisper.ingest_batch($1::text::jsonb)", "[" + ",".join(raw) + "]")
                else:
                    await conn.fetch("SELECT status FROM swisper.ingest_entries($1::text[])", raw)
                peaks.append(vm_hwm_mb(pid))
                await conn.close()
            print("%-9d %-7s %9.1f %16.0f %16.0f" % (n, shape, mb, peaks[0], peaks[1]), flush=True)
    conn = await asyncpg.connect(database="swisper_bench")
    pid = await conn.fetchval("SELECT pg_backend_pid()")
    await conn.fetchval("SELECT count(*) FROM swisper.ingest_entries(ARRAY['{}'])")
    print("idle: a fresh backend after one tiny call: %.0f MB" % vm_hwm_mb(pid))
    await conn.close()


# The tables partitioned by month, as a DBA (or pg_partman) makes them, as
# traces_part and observations_part: the same columns, unique keys that
# include the partition key, the same secondary indexes, the foreign key to
# projects; none from observations to traces.  {months}: how many months
# before the traffic's day the first partition starts.
PARTITION = """
CREATE TABLE traces_part (LIKE traces INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMPRESSION,
                          PRIMARY KEY (id, "timestamp"),
                          FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE)
    PARTITION BY RANGE ("timestamp");
CREATE INDEX ON traces_part (project_id, "timestamp");
CREATE INDEX ON traces_part (session_id);
CREATE INDEX ON traces_part (user_id);
CREATE INDEX ON traces_part (user_id, "timestamp");
CREATE TABLE observations_part (LIKE observations INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMPRESSION,
                                PRIMARY KEY (id, start_time))
    PARTITION BY RANGE (start_time);
CREATE INDEX ON observations_part (trace_id, start_time);
CREATE INDEX ON observations_part (parent_observation_id);
CREATE TABLE traces_default PARTITION OF traces_part DEFAULT;
CREATE TABLE observations_default PARTITION OF observations_part DEFAULT;
DO $$
DECLARE
  m date;
BEGIN
  FOR i IN 0..{nparts} - 1 LOOP
    m := date_trunc('month', timestamp '2025-11-06' - interval '{months} months') + i * interval '1 month';
    EXECUTE format('CREATE TABLE %I PARTITION OF traces_part FOR VALUES FROM (%L) TO (%L)',
                   to_char(m, '"traces_p"YYYY_MM'), m, m + interval '1 month');
    EXECUTE format('CREATE TABLE %I PARTITION OF observations_part FOR VALUES FROM (%L) TO (%L)',
                   to_char(m, '"observations_p"YYYY_MM'), m, m + interval '1 month');
  END LOOP;
END
$$;
"""


async def use_layout(conn, layout, current):
    """Make traces and observations the tables of layout ('plain' or
    'part'); the others keep their suffix."""
    if layout != current:
        await conn.execute("ALTER TABLE traces RENAME TO traces_%s; ALTER TABLE observations RENAME TO observations_%s;"
                           " ALTER TABLE traces_%s RENAME TO traces; ALTER TABLE observations_%s RENAME TO observations"
                           % (current, current, layout, layout))
    return layout


async def partitioned_bench(conn, args, events, batches):
    """--partitioned: (a) into the tables as they are, (p) into the same
    tables partitioned by month, alternately, --rounds times; the best run
    of each counts (the machine is shared, commits wait for the disk).
    Then (a-): (a) without the foreign key from observations to traces."""
    best = {}
    digests = {}
    layout = "plain"

    pid = await conn.fetchval("SELECT pg_backend_pid()")

    def cpu():
        """The backend's CPU time (user + system), in seconds: what the
        ingestion itself costs, without the waits for the disk and for the
        other processes of a shared machine."""
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def run(name, size, label):
        await reset(conn)
        c = cpu()
        secs, bad = await run_ingest(conn, batches(size))
        c = cpu() - c
        rate = len(events) / secs
        best[name] = max(best.get(name, 0), rate)
        best[name + "cpu"] = min(best.get(name + "cpu", 1e9), c)
        digests[name] = await digest(conn)
        print("%-7s %-46s %9.0f events/s  (%.2f s, backend CPU %.2f s, %d refused)" %
              ("(%s)" % name, label, rate, secs, c, bad))

    await conn.execute(PARTITION.replace("{months}", str(args.months)).replace("{nparts}", str(args.months + 5)))
    for r in range(args.rounds):
        for lay in (("plain", "part") if r % 2 == 0 else ("part", "plain")):
            layout = await use_layout(conn, lay, layout)
            if lay == "plain":
                await run("a50", 50, "ingest_batch, unpartitioned, batches of 50:")
            else:
                await run("p50", 50, "ingest_batch, partitioned, batches of 50:")
    layout = await use_layout(conn, "plain", layout)
    await run("a1000", 1000, "ingest_batch, unpartitioned, batches of 1,000:")
    layout = await use_layout(conn, "part", layout)
    await run("p1000", 1000, "ingest_batch, partitioned, batches of 1,000:")
    parts = await conn.fetch("SELECT c.relname, (SELECT count(*) FROM traces t WHERE t.tableoid = c.oid) AS n"
                             " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                             " WHERE i.inhparent = 'traces'::regclass ORDER BY 1")
    print("#   traces per partition: " + ", ".join("%s %d" % (r["relname"], r["n"]) for r in parts))
    layout = await use_layout(conn, "plain", layout)
    fk = await conn.fetchval("SELECT conname FROM pg_constraint WHERE conrelid = 'observations'::regclass"
                             " AND contype = 'f' AND confrelid = 'traces'::regclass")
    await conn.execute("ALTER TABLE observations DROP CONSTRAINT %s" % fk)
    await run("a-50", 50, "unpartitioned, no observations FK, batches of 50:")
    print("#   final rows equal: (p50) = (a50): %s, (p1000) = (a50): %s, (a1000) = (a50): %s" %
          (digests["p50"] == digests["a50"], digests["p1000"] == digests["a50"], digests["a1000"] == digests["a50"]))
    print("best of %d: (a50) %.0f, (p50) %.0f events/s; backend CPU (a50) %.2f s, (p50) %.2f s" %
          (args.rounds, best["a50"], best["p50"], best["a50cpu"], best["p50cpu"]))
    print("ratios (p)/(a), events/s: batches of 50 %.2f, batches of 1,000 %.2f;  (p)/(a-), batches of 50: %.2f" %
          (best["p50"] / best["a50"], best["p1000"] / best["a1000"], best["p50"] / best["a-50"]))
    print("ratios (p)/(a), events per backend CPU second: batches of 50 %.2f, batches of 1,000 %.2f;"
          "  (p)/(a-), batches of 50: %.2f" %
          (best["a50cpu"] / best["p50cpu"], best["a1000cpu"] / best["p1000cpu"], best["a-50cpu"] / best["p50cpu"]))


async def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=200000)
    ap.add_argument("--history", type=int, default=10000,
                    help="traces already stored before every run (default 10,000)")
    ap.add_argument("--quick", action="store_true", help="10,000 events (a dev run of well under a minute)")
    ap.add_argument("--schema", default="test/fixtures/observability_schema.sql")
    ap.add_argument("--peak", help="comma-separated event counts: measure the peak memory of one call of each"
                                   " (after the set-up) instead of the throughput")
    ap.add_argument("--rounds", type=int,
                    help="make the runs this many times, one after the other, and give the ratios of their"
                         " medians (default 1); with --partitioned: runs of each layout with batches of 50,"
                         " alternating, the best counts (default 3)")
    ap.add_argument("--only", help="comma-separated runs to make (default all): a50, b, b50, a1000, e50, e1000,"
                                   " estr, ecost, c, c0, d; ratios print for what ran")
    ap.add_argument("--compression", choices=("pglz", "lz4"),
                    help="set this TOAST compression on every json column of traces and observations, for all runs"
                         " (default: the column's, i.e. the server's default_toast_compression)")
    ap.add_argument("--partitioned", action="store_true",
                    help="twelve months of history; the same traffic into the tables partitioned by month,"
                         " against the unpartitioned tables")
    ap.add_argument("--perf", metavar="FILE",
                    help="record the backend of every (e) run with perf record -g into FILE.<backend pid>"
                         " (needs perf and the rights to attach)")
    args = ap.parse_args()
    global PERF_OUT
    PERF_OUT = args.perf
    if args.rounds is None:
        args.rounds = 3 if args.partitioned else 1
    n = 10000 if args.quick else args.events
    args.months = 12 if args.partitioned else 0

    admin = await asyncpg.connect(database="postgres")
    await admin.execute("DROP DATABASE IF EXISTS swisper_bench")
    await admin.execute("CREATE DATABASE swisper_bench")
    await admin.close()
    conn = await asyncpg.connect(database="swisper_bench")
    await conn.execute(open(args.schema).read())
    if args.compression:
        for tab in ("traces", "observations"):
            cols = await conn.fetch("SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0"
                                    " AND atttypid IN ('json'::regtype, 'jsonb'::regtype)", tab)
            await conn.execute("ALTER TABLE %s %s" % (tab, ", ".join(
                "ALTER COLUMN %s SET COMPRESSION %s" % (r["attname"], args.compression) for r in cols)))
    await conn.execute("ALTER TABLE traces DROP CONSTRAINT IF EXISTS fk_traces_user; CREATE EXTENSION swisper_ext")
    await conn.execute(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "ingest_setbased.sql")).read())

    settings = await conn.fetch("SELECT name, setting FROM pg_settings WHERE name IN"
                                " ('fsync', 'synchronous_commit', 'shared_buffers', 'wal_level') ORDER BY name")
    print("# server: " + ", ".join("%s=%s" % (r["name"], r["setting"]) for r in settings) +
          ("; json columns: COMPRESSION %s" % args.compression if args.compression else ""))
    if args.peak:
        await peak_memory([int(x) for x in args.peak.split(",")])
        return
    await make_history(conn, args.history, args.months)
    events = generate(n)
    raw = [json.dumps(e) for e in events]
    mb = sum(len(r) for r in raw) / 1e6
    print("# %d events (%.1f MB of JSON), %d traces; every run starts from %d stored traces, %d observations%s" %
          (len(events), mb, sum(1 for e in events if e["event_type"] == "trace_start"), args.history,
           10 * args.history, " over %d months" % args.months if args.months else ""))

    def batches(size):
        return ["[" + ",".join(raw[i:i + size]) + "]" for i in range(0, len(raw), size)]

    if args.partitioned:
        await partitioned_bench(conn, args, events, batches)
        await conn.close()
        return

    def same(d):
        return "#   final rows equal to those of (a) with batches of 50: %s" % (d == d50)

    only = set(args.only.split(",")) if args.only else None

    def wanted(run):
        return only is None or run in only

    def entry_batches(texts, size):
        return [texts[i:i + size] for i in range(0, len(texts), size)]

    rounds = []
    for k in range(args.rounds):
        if args.rounds > 1:
            print("# round %d of %d" % (k + 1, args.rounds), flush=True)
        res = {}
        # (a) with batches of 50 always runs: its rows are what the others are compared with
        await reset(conn)
        secs, bad = await run_ingest(conn, batches(50))
        res["a50"] = len(events) / secs
        d50 = await digest(conn)
        print("(a)  ingest_batch, batches of 50:       %9.0f events/s  (%.2f s, %d refused)" % (res["a50"], secs, bad))

        if wanted("b") or wanted("b50"):
            tr, ob = await final_rows(conn)
        if wanted("b"):
            csecs = await run_copy(conn, tr, ob)
            res["b"] = len(events) / csecs
            print("(b)  COPY of the final rows:            %9.0f events/s  (%.2f s for %d traces + %d observations)" %
                  (res["b"], csecs, len(tr), len(ob)))
        if wanted("b50"):
            nb50 = (len(events) + 49) // 50
            csecs = await run_copy(conn, tr, ob, nb50)
            res["b50"] = len(events) / csecs
            print("(b50) the same COPY, a commit per 50:   %9.0f events/s  (%.2f s, %d commits)" %
                  (res["b50"], csecs, nb50))
            print(same(await digest(conn)) + " (copied from them)")

        if wanted("a1000"):
            await reset(conn)
            secs, bad = await run_ingest(conn, batches(1000))
            res["a1000"] = len(events) / secs
            print("(a)  ingest_batch, batches of 1,000:    %9.0f events/s  (%.2f s, %d refused)" % (res["a1000"], secs, bad))
            print(same(await digest(conn)))

        for run, size, texts, label in (("e50", 50, raw, "ingest_entries, batches of 50:     "),
                                        ("e1000", 1000, raw, "ingest_entries, batches of 1,000:  ")):
            if wanted(run):
                await reset(conn)
                cpu = []
                secs, bad = await run_entries(conn, entry_batches(texts, size), cpu)
                res[run] = len(events) / secs
                print("(e)  %s %9.0f events/s  (%.2f s, %d refused%s)" % (
                    label, res[run], secs, bad,
                    ", backend CPU %.1f us/event" % (1e6 * cpu[0] / len(events)) if cpu else ""))
                print(same(await digest(conn)))
        if wanted("estr"):
            # data as a JSON string, as the SDK publishes it and the consumer reads it
            raw_str = [json.dumps(dict(e, data=json.dumps(e["data"])) if "data" in e else e) for e in events]
            await reset(conn)
            secs, bad = await run_entries(conn, entry_batches(raw_str, 50))
            res["estr"] = len(events) / secs
            print("(e-str) ingest_entries, data a string, 50: %6.0f events/s  (%.2f s, %d refused)" % (res["estr"], secs, bad))
            print(same(await digest(conn)))
        if wanted("ecost"):
            # alternately without and with model_pricing, twice: what costs cost, in
            # time and in the backend's CPU, less exposed to the machine's load
            wall = {False: 0.0, True: 0.0}
            cpu = {False: [], True: []}
            for priced_run in (False, True, False, True):
                await reset(conn)
                if priced_run:
                    await conn.execute(MODEL_PRICING)
                    await conn.execute("VACUUM ANALYZE model_pricing")
                secs, bad = await run_entries(conn, entry_batches(raw, 50), cpu[priced_run])
                wall[priced_run] += secs
                if priced_run:
                    priced = await conn.fetchval("SELECT count(*) FROM observations WHERE calculated_total_cost IS NOT NULL")
                    await conn.execute("DROP TABLE model_pricing")
            res["ecost"] = 2 * len(events) / wall[True]
            res["ecost0"] = 2 * len(events) / wall[False]
            print("(e-cost) ingest_entries, 50, with model_pricing: %6.0f events/s, without: %.0f (two runs each,"
                  " alternately; %d observations priced)" % (res["ecost"], res["ecost0"], priced))
            if len(cpu[True]) == 2 and len(cpu[False]) == 2:
                res["ecost_cpu"] = sum(cpu[True]) / sum(cpu[False])
                print("#   backend CPU per event: %.1f us with, %.1f us without model_pricing" %
                      (sum(cpu[True]) / (2 * len(events)) * 1e6, sum(cpu[False]) / (2 * len(events)) * 1e6))

        if wanted("c"):
            await reset(conn, setbased=True)
            secs = await run_setbased(conn, batches(50))
            res["c"] = len(events) / secs
            print("(c)  set-based SQL, same merge, 50:     %9.0f events/s  (%.2f s)" % (res["c"], secs))
            print(same(await digest(conn)))

        if wanted("c0"):
            await reset(conn)
            secs = await run_simplified(conn, batches(50))
            res["c0"] = len(events) / secs
            print("(c0) simplified set-based merge, 50:    %9.0f events/s  (%.2f s)" % (res["c0"], secs))
            print(same(await digest(conn)) + " (it applies no ordering or duplicate rules)")

        if wanted("d"):
            await reset(conn)
            secs = await run_per_event(conn, events)
            res["d"] = len(events) / secs
            print("(d)  one statement per event:           %9.0f events/s  (%.2f s)" % (res["d"], secs))
            print(same(await digest(conn)) + " (it applies no ordering or duplicate rules)")
        rounds.append(res)
    # the median of each run over the rounds: the machine's load moves single runs by a third
    res = {key: statistics.median([r[key] for r in rounds if key in r]) for key in rounds[0]}
    if args.rounds > 1:
        print("# medians of %d rounds: " % args.rounds + ", ".join("%s %.0f" % (key, v) for key, v in res.items()
                                                            if not key.endswith("_cpu")))

    def ratio(x, y):
        return "%.2f" % (res[x] / res[y]) if x in res and y in res else "-"

    for a in ("a50", "a1000", "e50", "e1000"):
        if a in res:
            print("ratios %-6s (x)/(b) = %s   (x)/(b50) = %s   (x)/(c) = %s   (x)/(d) = %s   ms/event = %.4f" %
                  (a, ratio(a, "b"), ratio(a, "b50"), ratio(a, "c"), ratio(a, "d"), 1000.0 / res[a]))
    print("also   (a50)/(c0) = %s   (b50)/(b) = %s   (e50)/(a50) = %s   (e-str)/(e50) = %s" %
          (ratio("a50", "c0"), ratio("b50", "b"), ratio("e50", "a50"), ratio("estr", "e50")))
    if "ecost" in res:
        print("costs  (e-cost) vs without, events/s: %s   backend CPU per event: %s" %
              (ratio("ecost", "ecost0"),
               "%.2f" % res["ecost_cpu"] if "ecost_cpu" in res else "-"))
    if args.rounds > 1:
        # The load of a shared machine only ever slows a run down: the best
        # round of each run is the other honest summary.
        best = {key: max(r[key] for r in rounds if key in r) for key in rounds[0] if not key.endswith("_cpu")}
        print("# best of %d rounds: " % args.rounds + ", ".join("%s %.0f" % (key, v) for key, v in best.items()))
        for a in ("a50", "e50", "e1000"):
            if a in best:
                print("best   %-6s (x)/(b) = %s   (x)/(b50) = %s   (x)/(c) = %s" % (a, *(
                    "%.2f" % (best[a] / best[y]) if y in best else "-" for y in ("b", "b50", "c"))))
    await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
