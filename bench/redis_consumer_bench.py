#!/usr/bin/python3
"""Benchmark of contrib/redis_consumer: Redis stream -> consumer -> swisper_ext, batches of 50.

Starts its own redis-server (127.0.0.1, a free port, appendonly as in production) and uses the PostgreSQL
that libpq's environment names; the traffic is bench/ingest_bench.py's (traces of ten observations with
1-4 KB GENERATION payloads, 5% out of order, 2% duplicated) plus a heartbeat entry every 100 events,
XADDed as the SDK does (MAXLEN ~100000, every field a string, data as JSON text).

  1. paced:  a producer at --rate events/s (1,000: the users' requirement) for --seconds (30), one consumer.
             The lag of an event is the time from its XADD (its stream id) to the XACK of its batch; the
             consumer logs, per batch, the age of the batch's oldest and newest entry at the ack, and each
             event is counted with its batch's oldest (an upper bound).  Prints its percentiles, the
             largest backlog seen (XINFO GROUPS lag + pending), and the share of the time in the database call.
  2. maximum: --backlog events (60,000) already in the stream, then one consumer (and then two) drain it:
             events/s from the consumer's start (its first log line) to its last XACK, and the database
             call's share of that time.
  3. direct:  the same backlog's events through swisper.ingest_batch() from this process, 50 per call, on
             one connection (no Redis, no consumer): the ceiling the consumer is measured against, run before
             and after the consumers' runs (their mean is the ratios' base).

Prints figures and ratios; asserts nothing about time.

    bench/redis_consumer_bench.py [--rate 1000] [--seconds 30] [--backlog 60000] [--quick]
"""
import argparse
import datetime
import importlib.util
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import psycopg
import redis

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
CONSUMER = os.path.join(TOP, "contrib", "redis_consumer", "swisper_consumer.py")
spec = importlib.util.spec_from_file_location("ingest_bench", os.path.join(HERE, "ingest_bench.py"))
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)

DB = os.environ.get("SWISPER_BENCH_DATABASE", "swisper_redis_bench")
GROUP = "swisper_studio_consumers"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stream_fields(event):
    """An event as the SDK puts it on the stream: every field a string, data as JSON text, "" for none."""
    return {"event_type": event["event_type"], "trace_id": event.get("trace_id", ""),
            "project_id": event["project_id"], "timestamp": event["timestamp"],
            "observation_id": event.get("observation_id", ""), "data": json.dumps(event.get("data", {}))}


def create_database(name):
    """A fresh database `name`: test/fixtures' observability schema, then CREATE EXTENSION swisper_ext."""
    with psycopg.connect(dbname="postgres", autocommit=True) as a:
        a.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
        a.execute('CREATE DATABASE "%s"' % name)
    with psycopg.connect(dbname=name, autocommit=True) as c:
        for f in ("clean.sql", "observability_schema.sql"):
            c.execute(open(os.path.join(TOP, "test/fixtures", f)).read())
        c.execute("SET client_min_messages = warning")
        c.execute("CREATE EXTENSION swisper_ext")


def wire(n, seed):
    """n events (and a heartbeat every 100) as stream fields."""
    out = []
    for i, e in enumerate(gen.generate(n, seed=seed)):
        out.append(stream_fields(e))
        if i % 100 == 50:
            out.append(stream_fields({"event_type": "heartbeat", "project_id": gen.PROJECT, "timestamp": e["timestamp"],
                                      "data": {"environment": "bench", "sdk_version": "0.5.0"}}))
    return out


def stamp(rec):
    """A log line's time, epoch seconds."""
    return datetime.datetime.fromisoformat(rec["ts"]).timestamp()


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="swisper-redis-bench-")
        self.port = free_port()
        self.redis_proc = subprocess.Popen(
            [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(self.port), "--bind",
             "127.0.0.1", "--save", "", "--appendonly", "yes", "--dir", self.work,
             "--logfile", os.path.join(self.work, "redis.log")])
        self.r = redis.Redis(port=self.port)
        for _ in range(300):
            try:
                self.r.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)
        self.url = "redis://127.0.0.1:%d/0" % self.port

    def consumer(self, name, stream):
        log = open(os.path.join(self.work, "%s.log" % name), "w")
        p = subprocess.Popen([sys.executable, CONSUMER, "--redis-url", self.url, "--dsn", "dbname=" + DB,
                              "--stream", stream, "--group", GROUP, "--consumer", name, "--batch", "50",
                              "--heartbeat-key", stream + ":heartbeat", "--log-level", "debug"],
                             stdout=subprocess.DEVNULL, stderr=log)
        p.logname = log.name
        return p

    def stop(self, p):
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=60)
        batches = []
        p.started = []
        with open(p.logname) as f:
            for line in f:
                rec = json.loads(line)
                if rec["event"] == "batch":
                    batches.append(rec)
                elif rec["event"] == "started":
                    p.started.append(rec)
                elif rec["level"] in ("warning", "error"):
                    print("  consumer %s: %s" % (rec["consumer"], line.strip()[:200]))
        return batches

    def group(self, stream):
        g = next((g for g in self.r.xinfo_groups(stream) if g["name"].decode() == GROUP), None)
        return (g["pending"], g.get("lag") or 0) if g else (0, self.r.xlen(stream))

    def wait_drained(self, stream, total, timeout=600, sample=None):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pending, lag = self.group(stream)
            if sample is not None:
                sample.append(pending + lag)
            if pending == 0 and lag == 0 and self.r.xlen(stream) >= total:
                return True
            time.sleep(0.02)
        return False

    # 1. paced ------------------------------------------------------------------------------------------
    def paced(self):
        a = self.args
        stream = "bench:paced"
        entries = wire(int(a.rate * a.seconds), seed=101)
        create_database(DB)
        c = self.consumer("paced", stream)
        time.sleep(1.0)  # the consumer connects and creates the group
        backlog = []
        stop = threading.Event()

        def monitor():
            while not stop.is_set():
                try:
                    pending, lag = self.group(stream)
                    backlog.append(pending + lag)
                except redis.ResponseError:
                    pass
                time.sleep(0.05)
        mon = threading.Thread(target=monitor, daemon=True)
        mon.start()
        t0 = time.monotonic()
        # steady traffic: a small pipeline every 10 ms, as many SDK processes publishing at once
        per_tick = max(1, int(a.rate / 100))
        sent = 0
        while sent < len(entries):
            pipe = self.r.pipeline(transaction=False)
            for fields in entries[sent:sent + per_tick]:
                pipe.xadd(stream, fields, maxlen=100000, approximate=True)
            pipe.execute()
            sent += per_tick
            ahead = t0 + sent / a.rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        produced = time.monotonic() - t0
        ok = self.wait_drained(stream, len(entries))
        wall = time.monotonic() - t0
        stop.set()
        mon.join()
        batches = self.stop(c)
        lag = []
        for b in batches:
            lag.extend([b["age_ms_max"]] * b["entries"])
        db_ms = sum(b["db_ms"] for b in batches)
        n = sum(b["entries"] for b in batches)
        print("1. paced: %d events at %.0f events/s for %.1f s, one consumer, batches of up to 50%s"
              % (len(entries), len(entries) / produced, produced, "" if ok else "  (NOT DRAINED)"))
        print("   lag per event (XADD -> XACK, upper bound), ms: p50 %.0f  p95 %.0f  p99 %.0f  max %.0f"
              % (pct(lag, 50), pct(lag, 95), pct(lag, 99), max(lag or [float("nan")])))
        print("   share of events with lag < 1 s: %.4f" % (sum(1 for x in lag if x < 1000) / max(1, len(lag))))
        print("   backlog (XINFO GROUPS lag + pending), entries: median %.0f  max %d"
              % (statistics.median(backlog or [0]), max(backlog or [0])))
        print("   batches: %d, mean size %.1f; database call: %.1f ms per batch, %.2f of the wall time"
              % (len(batches), n / max(1, len(batches)), db_ms / max(1, len(batches)), db_ms / 1000.0 / wall))

    # 2. maximum ----------------------------------------------------------------------------------------
    def maximum(self, entries, consumers):
        stream = "bench:max%d" % consumers
        create_database(DB)
        for i in range(0, len(entries), 500):
            pipe = self.r.pipeline(transaction=False)
            for fields in entries[i:i + 500]:
                pipe.xadd(stream, fields, maxlen=100000, approximate=True)
            pipe.execute()
        procs = [self.consumer("max%d-%d" % (consumers, k), stream) for k in range(consumers)]
        ok = self.wait_drained(stream, len(entries))
        batches = [b for p in procs for b in self.stop(p)]
        # from the first consumer's "started" line (after the interpreter's start-up) to the last batch's
        wall = (max(stamp(b) for b in batches) - min(stamp(s) for p in procs for s in p.started))
        db_s = sum(b["db_ms"] for b in batches) / 1000.0
        rate = len(entries) / wall
        print("2. maximum, %d consumer%s: %d events drained in %.1f s: %.0f events/s%s; database call %.2f of "
              "the consumers' time" % (consumers, "s" if consumers > 1 else "", len(entries), wall, rate,
                                       "" if ok else " (NOT DRAINED)", db_s / (wall * consumers)))
        return rate

    # 3. direct -----------------------------------------------------------------------------------------
    def direct(self, entries, when):
        create_database(DB)
        docs = [{k: v for k, v in e.items() if v != ""} for e in entries]
        with psycopg.connect(dbname=DB, autocommit=True) as c:
            t0 = time.monotonic()
            for i in range(0, len(docs), 50):
                c.execute("SELECT idx, status, message FROM swisper.ingest_batch(%s::jsonb)",
                          [json.dumps(docs[i:i + 50], separators=(",", ":"))]).fetchall()
            wall = time.monotonic() - t0
        rate = len(docs) / wall
        print("3. direct, %s the consumers' runs: swisper.ingest_batch() per 50 events from one connection: "
              "%.0f events/s" % (when, rate))
        return rate

    def close(self):
        self.redis_proc.terminate()
        self.redis_proc.wait()
        with psycopg.connect(dbname="postgres", autocommit=True) as a:
            a.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % DB)
        shutil.rmtree(self.work, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rate", type=float, default=1000)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--backlog", type=int, default=60000)
    p.add_argument("--quick", action="store_true", help="10 s paced, 20,000 backlog")
    args = p.parse_args()
    if args.quick:
        args.seconds, args.backlog = 10, 20000
    b = Bench(args)
    try:
        with psycopg.connect(dbname="postgres") as c:
            print("PostgreSQL %s, fsync %s, synchronous_commit %s; redis-server %s; %d CPUs"
                  % (c.execute("SHOW server_version").fetchone()[0], c.execute("SHOW fsync").fetchone()[0],
                     c.execute("SHOW synchronous_commit").fetchone()[0], b.r.info()["redis_version"],
                     os.cpu_count()))
        b.paced()
        entries = wire(args.backlog, seed=202)
        # the ceiling before and after the consumers' runs, as the shared machine's load drifts
        first = b.direct(entries, "before")
        one = b.maximum(entries, 1)
        two = b.maximum(entries, 2)
        ceiling = (first + b.direct(entries, "after")) / 2
        print("ratios: one consumer / direct ingest_batch %.2f; two consumers / one %.2f; one consumer / the "
              "required 1,000 events/s %.1f" % (one / ceiling, two / one, one / 1000.0))
    finally:
        b.close()


if __name__ == "__main__":
    main()
