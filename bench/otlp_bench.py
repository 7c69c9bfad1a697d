#!/usr/bin/python3
"""Benchmark of swisper.ingest_otlp() against the stream entry point on the
same traffic, measured in the same run.

Traffic: agent runs of ten spans each (an invoke_agent root, chat
generations with 1-4 KB of input messages and 0.5-2 KB of output, tools,
plain spans, one failed span per run), with the resource, scope and extra
attributes an OpenTelemetry GenAI instrumentation sends.  The same spans go
in three encodings, each delivered in calls of the spans of --batch spans
(default 50), in the order an exporter sends them (by end time), one
transaction per call:

  (o)  ingest_otlp(): OTLP/HTTP JSON export requests, the body as text;
  (s1) the stream entry point with one event per span (an observation_start
       carrying everything the span says: start and end, input, output,
       model, tokens, level, status, metadata), plus a trace_start per root:
       the same information as (o) in about as many events, the strict
       baseline;
  (s2) the stream entry point as the SDK publishes a finished span: an
       observation_start and an observation_end (or observation_error) per
       span, plus a trace_start per root.

The stream entry point is swisper.ingest_entries(text[]) when the
extension has it (one JSON text per event), else ingest_batch($1::jsonb)
(the caller's cast included in its time, as a consumer pays it).  Every
run starts from the same tables: a history of --history traces of ten
observations, vacuumed and analyzed (on empty tables the foreign-key
check's cached plan is a sequential scan that makes runs incomparable;
see bench/ingest_bench.py).  --rounds runs of each (interleaved); the
median is reported.  Prints spans/s and the ratios (o)/(s1) and (o)/(s2),
and, when the server runs on this machine, the same per CPU second of the
backend (from /proc): on a shared machine that ratio is far steadier than
wall-clock time.  Asserts nothing about time.  Uses libpq environment variables (PGHOST,
PGPORT, ...).

    bench/otlp_bench.py [--traces N] [--batch N] [--history N] [--rounds N] [--quick]
"""
import argparse
import asyncio
import json
import os
import random
import statistics
import time

import asyncpg

from ingest_bench import PROJECT, text  # the same project and words as ingest_bench.py

# the children of a run's root, in order; GENERATIONs are chat spans
KINDS = ["SPAN", "GENERATION", "TOOL", "SPAN", "GENERATION", "TOOL", "GENERATION", "SPAN", "TOOL"]
RESOURCE = {"service.name": "travel-agent", "service.version": "1.4.2", "deployment.environment.name": "production",
            "telemetry.sdk.language": "python", "telemetry.sdk.name": "opentelemetry",
            "telemetry.sdk.version": "1.38.0"}
SCOPE = {"name": "opentelemetry.instrumentation.openai_v2", "version": "2.1b0"}


def iso(ns):
    s = ns // 1000000000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".%06dZ" % ((ns // 1000) % 1000000)


def generate(ntraces, seed=42):
    """The spans of ntraces agent runs, as plain dicts, in export order."""
    rnd = random.Random(seed)
    spans = []
    t0 = 1762500000 * 10**9
    for _ in range(ntraces):
        tid = "%032x" % rnd.getrandbits(128)
        root = "%016x" % rnd.getrandbits(64)
        start = t0
        t0 += rnd.randint(10, 50) * 10**6
        conv = "conv_%d" % rnd.randrange(1000)
        user = "u-%d" % rnd.randrange(5000)
        question = text(rnd, 80)
        err_at = rnd.randrange(len(KINDS))
        t = start + 10**6
        for i, kind in enumerate(KINDS):
            s = {"trace": tid, "id": "%016x" % rnd.getrandbits(64), "parent": root, "kind": kind,
                 "name": "%s_%d" % (kind.lower(), i), "start": t + i * 50 * 10**6,
                 "attrs": {}, "error": None}
            s["end"] = s["start"] + rnd.randint(5, 40) * 10**6
            if kind == "GENERATION":
                s["name"] = "chat gpt-4o"
                s["attrs"] = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
                              "gen_ai.request.model": "gpt-4o", "gen_ai.response.model": "gpt-4o-2024-08-06",
                              "gen_ai.request.temperature": 0.2, "gen_ai.request.max_tokens": 1024,
                              "gen_ai.usage.input_tokens": 700, "gen_ai.usage.output_tokens": 112,
                              "gen_ai.response.id": "chatcmpl-%x" % rnd.getrandbits(64),
                              "gen_ai.conversation.id": conv}
                s["input"] = [{"role": "system", "parts": [{"type": "text", "content": "You are a travel planner."}]},
                              {"role": "user", "parts": [{"type": "text", "content": text(rnd, rnd.randint(1000, 4000))}]}]
                s["output"] = [{"role": "assistant", "parts": [{"type": "text", "content": text(rnd, rnd.randint(500, 2000))}],
                                "finish_reason": "stop"}]
            elif kind == "TOOL":
                s["name"] = "execute_tool tool_%d" % i
                s["attrs"] = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "tool_%d" % i,
                              "gen_ai.tool.call.id": "call_%x" % rnd.getrandbits(64)}
                s["input"] = {"args": text(rnd, 100)}
                s["output"] = {"result": text(rnd, 200)}
            else:
                s["attrs"] = {"app.step": i}
                s["input"] = {"args": text(rnd, 100)}
                s["output"] = {"result": text(rnd, 200)}
            if i == err_at:
                s["error"] = "TimeoutError"
                s["output"] = None
            spans.append(s)
        end = t + len(KINDS) * 50 * 10**6 + 5 * 10**7
        spans.append({"trace": tid, "id": root, "parent": None, "kind": "AGENT", "name": "invoke_agent travel_planner",
                      "start": start, "end": end, "error": None, "user": user, "session": conv,
                      "attrs": {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "travel_planner",
                                "gen_ai.conversation.id": conv, "user.id": user},
                      "input": [{"role": "user", "parts": [{"type": "text", "content": question}]}],
                      "output": [{"role": "assistant", "parts": [{"type": "text", "content": text(rnd, 200)}]}]})
    spans.sort(key=lambda s: s["end"])
    return spans


def any_value(v):
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    if isinstance(v, float):
        return {"doubleValue": v}
    return {"stringValue": v}


def otlp_span(s):
    attrs = dict(s["attrs"])
    if s["kind"] == "GENERATION" or s["kind"] == "AGENT":
        attrs["gen_ai.input.messages"] = json.dumps(s["input"])
        if s["output"] is not None:
            attrs["gen_ai.output.messages"] = json.dumps(s["output"])
    else:
        attrs["gen_ai.tool.call.arguments" if s["kind"] == "TOOL" else "app.input"] = json.dumps(s["input"])
        if s["output"] is not None:
            attrs["gen_ai.tool.call.result" if s["kind"] == "TOOL" else "app.output"] = json.dumps(s["output"])
    span = {"traceId": s["trace"], "spanId": s["id"], "name": s["name"], "kind": 3 if s["kind"] == "GENERATION" else 1,
            "startTimeUnixNano": str(s["start"]), "endTimeUnixNano": str(s["end"]),
            "attributes": [{"key": k, "value": any_value(v)} for k, v in attrs.items()],
            "status": {"code": 2, "message": s["error"]} if s["error"] else {}}
    if s["parent"]:
        span["parentSpanId"] = s["parent"]
    return span


def otlp_request(spans):
    return json.dumps({"resourceSpans": [{
        "resource": {"attributes": [{"key": k, "value": any_value(v)} for k, v in RESOURCE.items()]},
        "scopeSpans": [{"scope": SCOPE, "spans": [otlp_span(s) for s in spans]}]}]})


def metadata(s):
    """What (o) keeps in meta for the span, for the stream events to carry as much."""
    rest = {k: v for k, v in s["attrs"].items()
            if k not in ("gen_ai.request.model", "gen_ai.response.model", "gen_ai.request.temperature",
                         "gen_ai.request.max_tokens", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens",
                         "user.id")}
    return {"attributes": rest, "resource": RESOURCE, "scope": SCOPE}


def stream_events(s, split):
    """The stream entries of one span: one observation_start carrying
    everything (split False), or a start and an end (split True); a root
    also its trace_start."""
    ts_start = "%.6f" % (s["start"] / 1e9)
    ts_end = "%.6f" % (s["end"] / 1e9)
    out = []
    if s["parent"] is None:
        out.append({"event_type": "trace_start", "trace_id": s["trace"], "project_id": PROJECT, "timestamp": ts_start,
                    "data": {"name": s["name"], "user_id": s["user"], "session_id": s["session"],
                             "timestamp": iso(s["start"]), "input": s["input"], "output": s["output"],
                             "metadata": metadata(s)}})
    start = {"name": s["name"], "type": s["kind"], "parent_observation_id": s["parent"],
             "start_time": iso(s["start"]), "input": s["input"], "metadata": metadata(s)}
    end = {"end_time": iso(s["end"])}
    if s["error"]:
        end.update({"level": "ERROR", "status_message": s["error"]})
    else:
        end.update({"output": s["output"], "level": "DEFAULT"})
    if s["kind"] == "GENERATION":
        start["model_parameters"] = {"temperature": 0.2, "max_tokens": 1024}
        end.update({"model": "gpt-4o-2024-08-06", "usage": {"input": 700, "output": 112, "total": 812}})
    base = {"trace_id": s["trace"], "project_id": PROJECT, "observation_id": s["id"]}
    if not split:
        start.update(end)
        out.append(dict(base, event_type="observation_start", timestamp=ts_start, data=start))
    else:
        out.append(dict(base, event_type="observation_start", timestamp=ts_start, data=start))
        out.append(dict(base, event_type="observation_error" if s["error"] else "observation_end",
                        timestamp=ts_end, data=end))
    return out


HISTORY = """
CREATE TABLE bench_history_traces AS
SELECT 'h-' || g AS id, 'chat request' AS name, 'u-' || (g %% 5000) AS user_id,
       'conv_' || (g %% 1000) AS session_id, '%(project)s'::text AS project_id,
       timestamp '2025-11-01' + g * interval '9 seconds' AS "timestamp"
FROM generate_series(1, %(n)d) g;
CREATE TABLE bench_history_observations AS
SELECT 'h-' || t || '-' || i AS id, 'h-' || t AS trace_id,
       CASE WHEN i > 0 THEN 'h-' || t || '-0' END AS parent_observation_id,
       (CASE WHEN i = 0 THEN 'AGENT' WHEN i %% 3 = 1 THEN 'GENERATION' ELSE 'SPAN' END)::observationtype AS type,
       'step_' || i AS name, timestamp '2025-11-01' + t * interval '9 seconds' + i * interval '50 ms' AS start_time,
       timestamp '2025-11-01' + t * interval '9 seconds' + i * interval '50 ms' + interval '30 ms' AS end_time,
       json_build_object('args', repeat(md5((t * 10 + i)::text), 4 + (i %% 3) * 30)) AS input,
       json_build_object('result', repeat(md5((t * 10 + i)::text || 'o'), 6 + (i %% 3) * 15)) AS output,
       'DEFAULT' AS level
FROM generate_series(1, %(n)d) t, generate_series(0, 9) i
"""


async def reset(conn):
    await conn.execute("TRUNCATE observations, traces, swisper.ingest_merge_state")
    await conn.execute('INSERT INTO traces (id, name, user_id, session_id, project_id, "timestamp")'
                       " SELECT * FROM bench_history_traces")
    await conn.execute("INSERT INTO observations (id, trace_id, parent_observation_id, type, name, start_time,"
                       " end_time, input, output, level) SELECT * FROM bench_history_observations")
    for t in ("traces", "observations", "swisper.ingest_merge_state"):
        await conn.execute("VACUUM ANALYZE " + t)
    await conn.execute("CHECKPOINT")


def backend_cpu(pid):
    """CPU seconds (user + system) the backend has used, or None when the
    server runs elsewhere (its /proc is not this machine's)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


async def timed(dsn_db, calls, sql):
    """Run every call on a fresh connection: seconds, the backend's CPU
    seconds (None if unknown), refused rows and what was stored."""
    conn = await asyncpg.connect(database=dsn_db)
    await reset(conn)
    st = await conn.prepare(sql)
    pid = await conn.fetchval("SELECT pg_backend_pid()")
    bad = 0
    cpu0 = backend_cpu(pid)
    t = time.perf_counter()
    for c in calls:
        rows = await st.fetch(c)
        bad += sum(1 for r in rows if r["status"] not in (200, 201))
    secs = time.perf_counter() - t
    cpu1 = backend_cpu(pid)
    cpu = cpu1 - cpu0 if cpu0 is not None and cpu1 is not None else None
    counts = await conn.fetchrow("SELECT (SELECT count(*) FROM traces WHERE id NOT LIKE 'h-%') AS traces,"
                                 " (SELECT count(*) FROM observations WHERE id NOT LIKE 'h-%') AS observations")
    await conn.close()
    return secs, cpu, bad, counts


async def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--traces", type=int, default=2000, help="agent runs of ten spans (default 2,000)")
    ap.add_argument("--batch", type=int, default=50, help="spans per call (default 50)")
    ap.add_argument("--history", type=int, default=10000, help="traces stored before every run (default 10,000)")
    ap.add_argument("--rounds", type=int, default=3, help="runs of each, interleaved; the median counts (default 3)")
    ap.add_argument("--quick", action="store_true", help="300 runs, one round")
    ap.add_argument("--schema", default="test/fixtures/observability_schema.sql")
    args = ap.parse_args()
    if args.quick:
        args.traces, args.rounds = 300, 1

    admin = await asyncpg.connect(database="postgres")
    await admin.execute("DROP DATABASE IF EXISTS swisper_otlp_bench WITH (FORCE)")
    await admin.execute("CREATE DATABASE swisper_otlp_bench")
    await admin.close()
    conn = await asyncpg.connect(database="swisper_otlp_bench")
    await conn.execute(open(args.schema).read())
    await conn.execute("ALTER TABLE traces DROP CONSTRAINT IF EXISTS fk_traces_user; CREATE EXTENSION swisper_ext")
    await conn.execute(HISTORY % {"project": PROJECT, "n": args.history})
    entries = await conn.fetchval("SELECT to_regprocedure('swisper.ingest_entries(text[], text)') IS NOT NULL")
    settings = await conn.fetch("SELECT name, setting FROM pg_settings WHERE name IN"
                                " ('fsync', 'synchronous_commit', 'shared_buffers') ORDER BY name")
    await conn.close()

    spans = generate(args.traces)
    chunks = [spans[i:i + args.batch] for i in range(0, len(spans), args.batch)]
    otlp_calls = [otlp_request(c) for c in chunks]
    s1 = [[json.dumps(e) for s in c for e in stream_events(s, False)] for c in chunks]
    s2 = [[json.dumps(e) for s in c for e in stream_events(s, True)] for c in chunks]
    if entries:
        stream_sql = "SELECT status FROM swisper.ingest_entries($1::text[])"
        s1_calls, s2_calls = s1, s2
        stream_name = "ingest_entries(text[])"
    else:
        stream_sql = "SELECT status FROM swisper.ingest_batch($1::text::jsonb)"
        s1_calls = ["[" + ",".join(c) + "]" for c in s1]
        s2_calls = ["[" + ",".join(c) + "]" for c in s2]
        stream_name = "ingest_batch($1::jsonb)"

    print("# server: " + ", ".join("%s=%s" % (r["name"], r["setting"]) for r in settings))
    print("# %d spans (%d runs), calls of %d spans: (o) %.1f MB of OTLP/JSON, (s1) %d events %.1f MB, "
          "(s2) %d events %.1f MB; stream entry point: %s; history %d traces" %
          (len(spans), args.traces, args.batch, sum(map(len, otlp_calls)) / 1e6,
           sum(map(len, s1)), sum(len(e) for c in s1 for e in c) / 1e6,
           sum(map(len, s2)), sum(len(e) for c in s2 for e in c) / 1e6, stream_name, args.history))

    runs = {"o": [], "s1": [], "s2": []}
    cpus = {"o": [], "s1": [], "s2": []}
    # the project as the argument: a receiver knows it from the request's credentials
    plan = [("o", otlp_calls, "SELECT status FROM swisper.ingest_otlp($1, '%s')" % PROJECT),
            ("s1", s1_calls, stream_sql), ("s2", s2_calls, stream_sql)]
    for rnd in range(args.rounds):
        for name, calls, sql in plan:
            secs, cpu, bad, counts = await timed("swisper_otlp_bench", calls, sql)
            runs[name].append(len(spans) / secs)
            if cpu:
                cpus[name].append(len(spans) / cpu)
            print("round %d  (%-2s) %8.0f spans/s, %s  (%.2f s, %d refused, %d traces + %d observations stored)" %
                  (rnd + 1, name, len(spans) / secs,
                   "%8.0f spans per backend CPU second" % (len(spans) / cpu) if cpu else "backend CPU unknown",
                   secs, bad, counts["traces"], counts["observations"]))
    med = {k: statistics.median(v) for k, v in runs.items()}
    print("medians                                          spans/s   spans per backend CPU s")
    for k, what in (("o", "(o)  ingest_otlp, OTLP/JSON requests:        "),
                    ("s1", "(s1) %-22s one a span:  " % stream_name),
                    ("s2", "(s2) %-22s start+end:   " % stream_name)):
        print("%s %8.0f   %8s" % (what, med[k], "%.0f" % statistics.median(cpus[k]) if cpus[k] else "-"))
    print("ratios (o)/(s1) = %.2f   (o)/(s2) = %.2f   (target (o)/(s1) >= 0.8)" %
          (med["o"] / med["s1"], med["o"] / med["s2"]))
    if cpus["o"] and cpus["s1"] and cpus["s2"]:
        c = {k: statistics.median(v) for k, v in cpus.items()}
        print("backend CPU ratios (o)/(s1) = %.2f   (o)/(s2) = %.2f   (the server's own work, without the"
              " waits a shared machine adds)" % (c["o"] / c["s1"], c["o"] / c["s2"]))


if __name__ == "__main__":
    asyncio.run(main())
