#!/usr/bin/python3
"""Client test of contrib/redis_consumer against a real redis-server (prints TAP).

Starts its own redis-server on a free 127.0.0.1 port (appendonly, so that a restart keeps the stream and the
consumer group) and uses the PostgreSQL that libpq's environment names (PGHOST, PGPORT, ...).

1. 20,000 SDK-shaped entries (bench/ingest_bench.py's traces: 5% out of order, 2% duplicated; explicit ends
   before their starts; heartbeats; invalid entries: missing trace_id, unknown event_type, bad timestamp,
   unknown project, truncated and non-JSON data, a NUL character, a bad observation type) are published while
   two consumers run.  One consumer is frozen while it holds unacknowledged entries and killed (SIGKILL); the
   other claims its entries (XAUTOCLAIM); it is restarted.  Redis is restarted once.  Then: the group's pending
   list is empty, the rows of traces and observations equal an in-order ingest of the same entries (one
   swisper.ingest_batch() call per 50 entries, in another database), the dead-letter stream holds every
   invalid entry exactly once and nothing else, heartbeat entries reached the connection state, and both
   consumers exit 0 on SIGTERM.
2. The database unreachable for 10 s (the consumer's DSN goes through a TCP proxy in this process, which
   closes every connection and refuses new ones): the consumer stays up, says so in its heartbeat key, and
   by itself applies every entry once the database is back.
3. Re-delivery: a consumer that restarts with entries in its own pending list applies them first; the
   entries of a crashed consumer that were trimmed from the stream are counted; an entry that makes the
   database call fail every time (a trigger raising an error) is dead-lettered after --max-deliveries while
   its batch-mates are applied; swisper.ingest_entries() is used when it exists (a thin SQL stand-in over
   ingest_batch() while the extension has no such function).
"""
import asyncio
import importlib.util
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
CONSUMER = os.path.join(TOP, "contrib", "redis_consumer", "swisper_consumer.py")
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"

try:
    import redis
except ImportError:
    redis = None
if redis is None or not os.access(REDIS_SERVER, os.X_OK):
    print("1..0 # SKIP redis-server or python3-redis is not installed")
    sys.exit(0)

import psycopg


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(TOP, "bench", name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = load("ingest_bench")               # the traffic generator
helpers = load("redis_consumer_bench")     # stream_fields(), create_database()
wire_of = helpers.stream_fields
create_db = helpers.create_database

PROJECT = bench.PROJECT
GROUP = "swisper_studio_consumers"
DB_MAIN, DB_REF, DB_OUTAGE, DB_POISON = ("swisper_redis_main", "swisper_redis_ref", "swisper_redis_outage",
                                         "swisper_redis_poison")
WORK = tempfile.mkdtemp(prefix="swisper-redis-")
results = []
procs = []


def ok(cond, desc, diag=None):
    results.append((bool(cond), desc, diag))
    print("%s %d - %s" % ("ok" if cond else "not ok", len(results), desc), flush=True)
    if not cond and diag is not None:
        for line in str(diag).splitlines()[-25:]:
            print("# " + line, flush=True)
    return bool(cond)


def wait_for(pred, timeout, step=0.1):
    """Polls pred until true; its last value (falsy on timeout).  A bound, never an assertion on time."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(step)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the pieces ---------------------------------------------------------------------------------------------
class RedisServer:
    def __init__(self):
        self.port = free_port()
        self.dir = os.path.join(WORK, "redis")
        os.makedirs(self.dir)
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "yes", "--dir", self.dir,
                                      "--logfile", os.path.join(self.dir, "log")])
        procs.append(self.proc)
        c = redis.Redis(port=self.port)

        def up():
            try:
                return c.ping()
            except (redis.ConnectionError, redis.BusyLoadingError):
                return False
        if not wait_for(up, 30):
            raise RuntimeError("redis-server did not start on port %d" % self.port)

    def stop(self):
        """SIGTERM: Redis writes its append-only file and exits."""
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)

    def url(self):
        return "redis://127.0.0.1:%d/0" % self.port


class Consumer:
    def __init__(self, name, stream, dsn, *extra):
        self.name, self.stream, self.dsn, self.extra = name, stream, dsn, list(extra)
        self.log = os.path.join(WORK, "consumer-%s.log" % name)
        self.proc = None

    def start(self, redis_url):
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(
                [sys.executable, CONSUMER, "--redis-url", redis_url, "--dsn", self.dsn, "--stream", self.stream,
                 "--group", GROUP, "--consumer", self.name, "--dead-letter-stream", self.stream + ":dead",
                 "--heartbeat-key", self.stream + ":heartbeat", "--block-ms", "200", "--backoff-initial-ms", "50",
                 "--backoff-max-ms", "1000", "--log-level", "debug"] + self.extra,
                stdout=subprocess.DEVNULL, stderr=log)
        procs.append(self.proc)

    def stop(self):
        """SIGTERM; the exit code."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return "no exit within the bound"

    def events(self, kind=None):
        out = []
        with open(self.log) as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if kind is None or rec.get("event") == kind:
                    out.append(rec)
        return out

    def tail(self):
        with open(self.log) as f:
            return "".join([ln for ln in f if '"heartbeat"' not in ln and '"batch"' not in ln][-20:])


class Proxy:
    """A TCP proxy to the PostgreSQL server, in a thread of its own: down() closes every connection and
    refuses new ones (the database, as its clients see it, is stopped), up() serves again."""

    def __init__(self):
        self.port = free_port()
        host = os.environ.get("PGHOST", "/var/run/postgresql")
        pgport = int(os.environ.get("PGPORT", "5432"))
        if host.startswith("/"):
            self.upstream = lambda: asyncio.open_unix_connection(os.path.join(host, ".s.PGSQL.%d" % pgport))
        else:
            self.upstream = lambda: asyncio.open_connection(host, pgport)
        self.loop = asyncio.new_event_loop()
        self.server = None
        self.writers = set()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    def run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    async def _pipe(self, reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _client(self, reader, writer):
        try:
            ureader, uwriter = await self.upstream()
        except OSError:
            writer.close()
            return
        self.writers |= {writer, uwriter}
        await asyncio.gather(self._pipe(reader, uwriter), self._pipe(ureader, writer))
        self.writers -= {writer, uwriter}

    async def _up(self):
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port, reuse_address=True)

    async def _down(self):
        self.server.close()
        for w in list(self.writers):
            w.transport.abort()

    def up(self):
        self.run(self._up())

    def down(self):
        self.run(self._down())


class Publisher(threading.Thread):
    """XADDs the wire entries as the SDK does (MAXLEN ~100000), 50 per round trip, at about `rate` per
    second; pause() holds it between two round trips.  ids[i] is entry i's stream id."""

    def __init__(self, redis_url, stream, wire, rate):
        super().__init__(daemon=True)
        self.r = redis.Redis.from_url(redis_url)
        self.stream, self.wire, self.rate = stream, wire, rate
        self.ids = []
        self.gate = threading.Lock()
        self.error = None

    def run(self):
        t0 = time.monotonic()
        try:
            for i in range(0, len(self.wire), 50):
                with self.gate:
                    pipe = self.r.pipeline(transaction=False)
                    for fields in self.wire[i:i + 50]:
                        pipe.xadd(self.stream, fields, maxlen=100000, approximate=True)
                    self.ids.extend(x.decode() for x in pipe.execute())
                ahead = t0 + len(self.ids) / self.rate - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
        except Exception as e:
            self.error = e

    def published(self):
        return len(self.ids)


# -- traffic ------------------------------------------------------------------------------------------------
def invalid_entries(n):
    """n rounds of the kinds of invalid entry (each a (wire fields, expected status)), distinct ids."""
    out = []
    for k in range(n):
        tid = "invalid-%d-" % k
        base = {"project_id": PROJECT, "timestamp": "1762500700.%06d" % k, "observation_id": ""}
        out += [
            (dict(base, event_type="trace_start", trace_id="", data=json.dumps({"name": "no trace id"})), 400),
            (dict(base, event_type="trace_finish", trace_id=tid + "a", data="{}"), 400),
            (dict(base, event_type="trace_start", trace_id=tid + "b", timestamp="yesterday", data="{}"), 400),
            (dict(base, event_type="trace_start", trace_id=tid + "c", project_id="no-such-project",
                  data=json.dumps({"name": "x"})), 404),
            (dict(base, event_type="trace_start", trace_id=tid + "d", data='{"name": "truncated'), 400),
            (dict(base, event_type="trace_start", trace_id=tid + "e", data="not json at all"), 400),
            (dict(base, event_type="trace_start", trace_id=tid + "f", data='{"name": "nul \x00 char"}'), 400),
            (dict(base, event_type="observation_start", trace_id=tid + "g", observation_id=tid + "g-o",
                  data=json.dumps({"type": "RETRIEVER", "name": "bad type"})), 400),
        ]
    return out


def traffic(n, seed, invalid_rounds=0, heartbeat_every=100, swaps=0):
    """(events, wire, expected): events as dicts (None for an invalid entry), their wire form, and the
    expected status of each invalid one by position."""
    rnd = random.Random(seed)
    events = bench.generate(n, seed=seed)
    # ends before their starts, further than the generator's local swaps
    for _ in range(swaps):
        i = rnd.randrange(len(events))
        e = events[i]
        if e["event_type"] == "observation_end":
            j = next((k for k in range(i - 1, -1, -1) if events[k].get("observation_id") == e["observation_id"]
                      and events[k]["event_type"] == "observation_start"), None)
            if j is not None:
                events.insert(j, events.pop(i))
    out = []
    for i, e in enumerate(events):
        out.append(e)
        if heartbeat_every and i % heartbeat_every == heartbeat_every // 2:
            out.append({"event_type": "heartbeat", "project_id": PROJECT, "timestamp": e["timestamp"],
                        "data": {"project_id": PROJECT, "environment": "production", "sdk_version": "0.5.0"}})
    wire = [wire_of(e) for e in out]
    expected = {}
    bad = invalid_entries(invalid_rounds)
    for fields, status in bad:
        pos = rnd.randrange(len(wire))
        wire.insert(pos, fields)
        out.insert(pos, None)
    for pos, e in enumerate(out):
        if e is None:
            expected[pos] = next(s for f, s in bad if f is wire[pos])
    return out, wire, expected


# -- databases ----------------------------------------------------------------------------------------------
def admin():
    return psycopg.connect(dbname="postgres", autocommit=True)


def drop_db(name):
    with admin() as a:
        a.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)


def digest(db):
    with psycopg.connect(dbname=db) as c:
        return c.execute(
            "SELECT (SELECT count(*) FROM traces), (SELECT count(*) FROM observations),"
            " md5((SELECT string_agg(t::text, '|' ORDER BY id) FROM traces t) || '#' ||"
            " (SELECT string_agg(o::text, '|' ORDER BY id) FROM observations o))").fetchone()


def reference(events):
    """The rows of an in-order delivery of events (dicts, data as objects): ingest_batch() per 50 events
    in a fresh database."""
    create_db(DB_REF)
    with psycopg.connect(dbname=DB_REF, autocommit=True) as c:
        for i in range(0, len(events), 50):
            rows = c.execute("SELECT status FROM swisper.ingest_batch(%s::jsonb)",
                             [json.dumps(events[i:i + 50])]).fetchall()
            assert all(200 <= s < 300 for s, in rows), rows
    d = digest(DB_REF)
    drop_db(DB_REF)
    return d


def group_state(r, stream):
    g = next((g for g in r.xinfo_groups(stream) if g["name"].decode() == GROUP), None)
    return (g["pending"], g.get("lag")) if g else (None, None)


def drained(r, stream, total):
    """The group has read all `total` entries and acknowledged every one."""
    def check():
        try:
            pending, lag = group_state(r, stream)
            return pending == 0 and lag == 0 and r.xlen(stream) == total
        except redis.ConnectionError:
            return False
    return check


def dead_letters(r, stream):
    return [{k.decode(): v.decode("utf-8", "replace") for k, v in f.items()}
            for _, f in r.xrange(stream + ":dead")]


def pending_of(r, stream, consumer):
    info = r.xpending(stream, GROUP)
    return next((c["pending"] for c in info["consumers"] if c["name"].decode() == consumer), 0)


# -- 1. two consumers, a SIGKILL, a Redis restart ---------------------------------------------------------
def scenario_crashes(srv):
    stream = "observability:events"
    events, wire, expected = traffic(19_800, seed=19, invalid_rounds=3, heartbeat_every=100, swaps=40)
    ok(len(wire) >= 20_000 and len(expected) == 24,
       "%d entries: %d heartbeats, %d invalid" % (len(wire), sum(1 for e in events if e and e["event_type"] ==
                                                                 "heartbeat"), len(expected)))
    create_db(DB_MAIN)
    dsn = "dbname=" + DB_MAIN
    a = Consumer("A", stream, dsn, "--claim-idle-ms", "2000")
    b = Consumer("B", stream, dsn, "--claim-idle-ms", "2000")
    a.start(srv.url())
    b.start(srv.url())
    r = redis.Redis(port=srv.port)
    pub = Publisher(srv.url(), stream, wire, rate=2000)
    pub.start()

    # kill A while it holds entries it has read and not acknowledged (frozen first, so that the count seen
    # is the count it dies with)
    wait_for(lambda: pub.published() >= 3000, 60)
    held = 0
    for _ in range(200):
        a.proc.send_signal(signal.SIGSTOP)
        time.sleep(0.05)
        held = pending_of(r, stream, "A")
        if held:
            a.proc.kill()
            a.proc.wait()
            break
        a.proc.send_signal(signal.SIGCONT)
        time.sleep(random.uniform(0.01, 0.1))
    ok(held > 0, "consumer A killed (SIGKILL) while holding %d unacknowledged entries" % held)
    claimed = wait_for(lambda: pending_of(r, stream, "A") == 0, 60)
    ok(claimed and b.events("claimed"), "consumer B claimed them (XAUTOCLAIM)", b.tail())
    a.start(srv.url())

    # restart Redis between two round trips of the publisher
    wait_for(lambda: pub.published() >= 12000, 60)
    with pub.gate:
        before = r.xlen(stream)
        srv.stop()
        time.sleep(1.0)
        srv.start()
        r = redis.Redis(port=srv.port)
        after = r.xlen(stream)
    ok(before == after and group_state(r, stream)[0] is not None,
       "Redis restarted: the stream (%d entries) and the group survived" % after, (before, after))
    pub.join(timeout=120)
    ok(pub.error is None and pub.published() == len(wire), "all %d entries published" % pub.published(), pub.error)

    done = wait_for(drained(r, stream, len(wire)), 120, step=0.25)
    ok(done, "the group read and acknowledged every entry: pending list empty, lag 0",
       (group_state(r, stream), a.tail(), b.tail()))
    ok(a.proc.poll() is None and b.proc.poll() is None, "both consumers are still running")
    ok(any(e["event"] == "redis_unavailable" for e in a.events() + b.events()),
       "the consumers saw Redis go away and came back by themselves")
    beat = r.get(stream + ":heartbeat")
    value = json.loads(beat) if beat else {}
    ok(all(k in value for k in ("events_per_s", "lag", "lag_seconds", "pending", "dead_lettered", "processed",
                                "errors")) and r.ttl(stream + ":heartbeat") <= 15,
       "liveness key: SETEX with counters", value)
    codes = (a.stop(), b.stop())
    ok(codes == (0, 0), "SIGTERM: both consumers exit 0", codes)

    ids = pub.ids
    dl = dead_letters(r, stream)
    want = {ids[p]: s for p, s in expected.items()}
    got = [d["dlq_id"] for d in dl]
    ok(sorted(got) == sorted(want), "the dead-letter stream holds every invalid entry exactly once and nothing "
       "else (%d)" % len(got), (sorted(set(got) ^ set(want))[:5], len(got), len(set(got))))
    ok(all(d["dlq_status"] == str(want.get(d["dlq_id"])) and d["dlq_reason"] == "rejected" and d["dlq_message"]
           for d in dl), "each with its status (400 or 404) and message",
       [d for d in dl if d["dlq_status"] != str(want.get(d["dlq_id"]))][:3])
    orig = {ids[p]: wire[p] for p in expected}
    ok(all(all(d.get(k) == v for k, v in orig[d["dlq_id"]].items()) for d in dl if d["dlq_id"] in orig),
       "and with its original fields")

    valid = [e for e in events if e is not None]
    ref = reference(valid)
    got = digest(DB_MAIN)
    ok(got == ref and ref[0] > 500, "traces and observations equal the in-order ingest (%d traces, %d "
       "observations)" % (ref[0], ref[1]), (got, ref))
    newest_hb = max(e["timestamp"] for e in valid if e["event_type"] == "heartbeat")
    with psycopg.connect(dbname=DB_MAIN) as c:
        hb = c.execute("SELECT extract(epoch FROM last_heartbeat)::numeric(20, 6)::text, sdk_version"
                       " FROM swisper.project_connection WHERE project_id = %s", [PROJECT]).fetchone()
    ok(hb == (newest_hb, "0.5.0"), "heartbeat entries reached the connection state (last heartbeat %s)" % newest_hb,
       hb)
    drop_db(DB_MAIN)


# -- 2. the database unreachable for 10 s -------------------------------------------------------------------
def scenario_outage(srv):
    stream = "outage:events"
    events, wire, _ = traffic(4000, seed=29, heartbeat_every=200)
    create_db(DB_OUTAGE)
    proxy = Proxy()
    proxy.up()
    c = Consumer("C", stream, "host=127.0.0.1 port=%d dbname=%s connect_timeout=3" % (proxy.port, DB_OUTAGE),
                 "--ingest-function", "ingest_batch")
    c.start(srv.url())
    r = redis.Redis(port=srv.port)
    pub = Publisher(srv.url(), stream, wire, rate=300)
    pub.start()
    wait_for(lambda: pub.published() >= 600, 60)
    proxy.down()
    down_at = time.monotonic()
    seen = wait_for(lambda: (json.loads(r.get(stream + ":heartbeat") or "{}").get("state") == "database_unavailable"),
                    9.5, step=0.2)
    ok(seen, "database unreachable: the heartbeat key says database_unavailable",
       r.get(stream + ":heartbeat"))
    time.sleep(max(0.0, 10.0 - (time.monotonic() - down_at)))
    pending_during = group_state(r, stream)[0]
    ok(c.proc.poll() is None and pending_during and pending_during > 0,
       "after 10 s the consumer is still running, its entries unacknowledged (%s pending)" % pending_during)
    proxy.up()
    pub.join(timeout=60)
    done = wait_for(drained(r, stream, len(wire)), 90, step=0.25)
    ok(done, "database back: the consumer caught up by itself (pending list empty, lag 0)",
       (group_state(r, stream), c.tail()))
    ok(c.events("database_unavailable"), "it retried with backoff meanwhile (%d retries logged)"
       % len(c.events("database_unavailable")))
    ok(not dead_letters(r, stream), "nothing was dead-lettered")
    ok(c.stop() == 0, "SIGTERM: exit 0")
    ref = reference(events)
    got = digest(DB_OUTAGE)
    ok(got == ref, "no entry lost: the rows equal the in-order ingest (%d traces, %d observations)"
       % (ref[0], ref[1]), (got, ref))
    drop_db(DB_OUTAGE)


# -- 3. own pending list, trimmed entries, a poison entry ---------------------------------------------------
def scenario_redelivery(srv):
    stream = "poison:events"
    events, wire, _ = traffic(400, seed=31, heartbeat_every=0)
    starts = [i for i, e in enumerate(events) if e["event_type"] == "trace_start"]
    poison_at = starts[len(starts) // 2]
    events[poison_at] = dict(events[poison_at], data=dict(events[poison_at]["data"], name="poison"))
    wire[poison_at] = wire_of(events[poison_at])
    create_db(DB_POISON)
    with psycopg.connect(dbname=DB_POISON, autocommit=True) as conn:
        conn.execute("CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS"
                     " $$BEGIN IF NEW.name = 'poison' THEN RAISE EXCEPTION 'poison trace %', NEW.id; END IF;"
                     " RETURN NEW; END$$")
        conn.execute("CREATE TRIGGER poison BEFORE INSERT OR UPDATE ON traces FOR EACH ROW EXECUTE FUNCTION poison()")
        real = conn.execute("SELECT to_regprocedure('swisper.ingest_entries(text[],text)') IS NOT NULL").fetchone()[0]
        if not real:
            conn.execute("""
                CREATE FUNCTION swisper.ingest_entries(entries text[], project_id text DEFAULT NULL)
                RETURNS TABLE (idx int, event_id text, status int, message text) LANGUAGE sql AS $$
                    SELECT * FROM swisper.ingest_batch(
                        (SELECT coalesce(jsonb_agg(e::jsonb ORDER BY n), '[]') FROM unnest(entries)
                         WITH ORDINALITY AS u(e, n)), project_id)
                $$""")
    r = redis.Redis(port=srv.port)
    r.xgroup_create(stream, GROUP, id="0", mkstream=True)
    ids = [r.xadd(stream, w).decode() for w in wire]
    # a previous life of consumer D read 30 entries and died; consumer "ghost" read 2 and died, and one of
    # those was deleted from the stream since (as MAXLEN trimming does)
    r.xreadgroup(GROUP, "D", {stream: ">"}, count=30)
    r.xreadgroup(GROUP, "ghost", {stream: ">"}, count=2)
    r.xdel(stream, ids[31])
    d = Consumer("D", stream, "dbname=" + DB_POISON, "--claim-idle-ms", "500", "--max-deliveries", "3",
                 "--batch", "50")
    d.start(srv.url())
    done = wait_for(drained(r, stream, len(wire) - 1), 60, step=0.25)
    ok(done, "every entry acknowledged, pending list empty", (group_state(r, stream), d.tail()))
    fn = [e["function"] for e in d.events("database_function")]
    ok(fn and fn[0] == "swisper.ingest_entries", "swisper.ingest_entries() used (%s)"
       % ("the extension's" if real else "a stand-in over ingest_batch"), fn)
    first = [e for e in d.events("batch")][:1]
    ok(first and first[0]["source"] == "pending" and first[0]["entries"] == 30,
       "consumer D first re-read the 30 entries of its own pending list", first)
    dl = dead_letters(r, stream)
    ok([x["dlq_id"] for x in dl] == [ids[poison_at]] and dl[0]["dlq_reason"] == "max_deliveries"
       and dl[0]["dlq_deliveries"] == "4",
       "the entry whose call fails every time is dead-lettered after 3 deliveries, alone", dl)
    stopped = None
    code = d.stop()
    stopped = (d.events("stopped") or [{}])[-1]
    ok(code == 0 and stopped.get("trimmed") == 1, "the claimed entry deleted from the stream is counted as trimmed",
       stopped)
    valid = [e for i, e in enumerate(events) if i not in (poison_at, 31)]
    ref = reference(valid)
    got = digest(DB_POISON)
    ok(got == ref, "its batch-mates and everything else applied: the rows equal the in-order ingest",
       (got, ref))
    drop_db(DB_POISON)


def main():
    srv = RedisServer()
    try:
        srv.start()
        for scenario in (scenario_crashes, scenario_outage, scenario_redelivery):
            try:
                scenario(srv)
            except Exception as e:
                import traceback
                ok(False, "%s ran to its end" % scenario.__name__, traceback.format_exc())
            finally:
                for p in procs:
                    if p.poll() is None and p is not srv.proc:
                        p.kill()
                        p.wait()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for db in (DB_MAIN, DB_REF, DB_OUTAGE, DB_POISON):
            try:
                drop_db(db)
            except Exception:
                pass
        if all(g for g, _, _ in results):
            shutil.rmtree(WORK, ignore_errors=True)
        else:
            print("# logs kept in %s" % WORK)
    print("1..%d" % len(results))
    return 0 if results and all(g for g, _, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
