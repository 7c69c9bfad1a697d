#!/usr/bin/python3
"""swisper_consumer: the SDK's Redis stream into swisper_ext, without losing an event.

The SDK publishes every event with `XADD observability:events MAXLEN ~100000 * event_type .. trace_id ..
project_id .. timestamp .. observation_id .. data <JSON text>`.  This process reads the stream in a consumer
group and hands each batch to `swisper.ingest_entries()` (one JSON text per entry) when the database has it,
else to `swisper.ingest_batch()` (a JSON array of the same objects; `data` always sent as the SDK's string,
which the function parses per element, so one broken entry is a 400 of its own).

Guarantees
----------
* At-least-once delivery.  An entry is acknowledged (XACK) only after the database call that stored it has
  committed, and every entry of the batch is then acknowledged: 2xx (applied, merged, duplicate, heartbeat
  recorded) and rejected alike.  Until then it stays in the group's pending list: a consumer that crashes
  (even SIGKILL between commit and XACK) leaves its entries there; it reads them again when it starts (its
  own pending list, ID 0, before any new entry), and any other consumer claims them (XAUTOCLAIM) once they
  have been idle for --claim-idle-ms.
* Idempotent merge.  swisper_ext applies an event that it has applied before as a duplicate (status 200,
  nothing changes), in any arrival order.  At-least-once delivery + idempotent merge = every event is applied
  exactly once in effect, whatever crashes, restarts or re-deliveries happen.
* Rejections are kept.  A result that is not 2xx (400 invalid, 404 unknown project, ...) is final: the entry
  goes to the dead-letter stream (its original fields plus dlq_reason, dlq_status, dlq_message, dlq_id = its
  original id, dlq_deliveries, dlq_consumer, dlq_at) and is acknowledged.  So does an entry delivered more
  than --max-deliveries times (XPENDING's counter).  The dead-letter XADD and the XACK run in one Lua script,
  the XADD first, and only while the entry is still pending in the group: a crash can never separate them,
  and a re-delivered or concurrently claimed copy is not dead-lettered twice (no duplicates in the
  dead-letter stream).
* Failures stall, never drop.  Database unreachable, server shutting down or restarting, lock or
  serialization failure, a missing function or privilege: nothing is acknowledged, the same batch is retried
  with exponential backoff, without counting as a delivery; the process never exits for it.  Redis down or
  restarted: the same, and afterwards the consumer re-reads its own pending list.  A failure that may be the
  entries' own fault (the connection lost during the call, e.g. a crashed backend, or an unexpected error)
  re-delivers the batch from Redis one entry at a time, so that a poison entry reaches --max-deliveries and
  is dead-lettered alone while the others are applied.  If one element's data makes the whole call fail
  (SQLSTATE class 22 or 54, e.g. a NUL character that jsonb cannot hold), the batch is retried in the same
  transaction with one savepoint per entry, and the entry that fails alone gets a 400.
* An entry removed from the stream before it was processed (MAXLEN trimming of a backlog over ~100,000
  entries) cannot be recovered: it is logged (event "trimmed") and counted.

Liveness: every 5 s `SETEX <heartbeat key> 15 <json>` with counters (events/s, processed, applied,
dead_lettered, trimmed, errors, lag, pending, oldest unacknowledged entry's age, seconds in the database).
Logs: one JSON object per line on stderr.  SIGTERM/SIGINT: the current batch is finished and acknowledged,
then the process exits 0 (a batch still waiting for the database stays pending).

Every option can also be set by an environment variable (see --help); see docs/redis_consumer.md.
"""
import argparse
import datetime
import json
import os
import random
import signal
import socket
import sys
import threading
import time
import urllib.parse

import psycopg
import redis

HEARTBEAT_EVERY = 5.0
HEARTBEAT_TTL = 15

# The database cannot take any batch right now: retry the same batch, it is not the entries' fault.
# 08 connection, 25 transaction state, 40 serialization/deadlock, 42 missing object or privilege,
# 3F missing schema, 0A unsupported (e.g. isolation level), 53 resources, 55 prerequisite state,
# 57 operator intervention (shutdown, restart, cancel).
UNAVAILABLE_CLASSES = {"08", "25", "40", "42", "3F", "0A", "53", "55", "57"}
# One element's data made the whole call fail (data exception, program limit).
DATA_CLASSES = {"22", "54"}

# KEYS[1] stream, KEYS[2] dead-letter stream; ARGV[1] group, ARGV[2] entry id, ARGV[3..] fields and values.
# Atomic: dead-letter the entry while it is pending, then acknowledge it; a copy that another consumer or a
# re-delivery already handled is no longer pending and is skipped.
DEAD_LETTER_SCRIPT = """
if #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1) == 0 then
  return 0
end
redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return 1
"""

LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40}


def setting(name, default):
    return os.environ.get(name, default)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    a = p.add_argument
    a("--redis-url", default=setting("SWISPER_REDIS_URL", "redis://localhost:6379/0"),
      help="Redis URL (env SWISPER_REDIS_URL)")
    a("--dsn", default=setting("SWISPER_DSN", ""),
      help="libpq connection string of the observability database; empty: libpq's PG* variables (env SWISPER_DSN)")
    a("--stream", default=setting("SWISPER_STREAM", "observability:events"), help="env SWISPER_STREAM")
    a("--group", default=setting("SWISPER_GROUP", "swisper_studio_consumers"), help="env SWISPER_GROUP")
    a("--consumer", default=setting("SWISPER_CONSUMER", socket.gethostname()),
      help="consumer name, stable across restarts and unique per instance (env SWISPER_CONSUMER)")
    a("--batch", type=int, default=setting("SWISPER_BATCH", "50"), help="entries per read (env SWISPER_BATCH)")
    a("--block-ms", type=int, default=setting("SWISPER_BLOCK_MS", "1000"),
      help="XREADGROUP BLOCK when the stream is idle (env SWISPER_BLOCK_MS)")
    a("--claim-idle-ms", type=int, default=setting("SWISPER_CLAIM_IDLE_MS", "30000"),
      help="claim other consumers' entries pending for longer than this; checked every half of it "
           "(env SWISPER_CLAIM_IDLE_MS)")
    a("--max-deliveries", type=int, default=setting("SWISPER_MAX_DELIVERIES", "10"),
      help="an entry delivered more often goes to the dead-letter stream (env SWISPER_MAX_DELIVERIES)")
    a("--dead-letter-stream", default=setting("SWISPER_DEAD_LETTER_STREAM", "observability:events:dead"),
      help="env SWISPER_DEAD_LETTER_STREAM")
    a("--backoff-initial-ms", type=int, default=setting("SWISPER_BACKOFF_INITIAL_MS", "200"),
      help="first retry delay after a failure, doubled up to --backoff-max-ms (env SWISPER_BACKOFF_INITIAL_MS)")
    a("--backoff-max-ms", type=int, default=setting("SWISPER_BACKOFF_MAX_MS", "10000"),
      help="env SWISPER_BACKOFF_MAX_MS")
    a("--heartbeat-key", default=setting("SWISPER_HEARTBEAT_KEY", "swisper_studio:consumer:heartbeat"),
      help="liveness key, SETEX every 5 s with a TTL of 15 s (env SWISPER_HEARTBEAT_KEY)")
    a("--ingest-function", choices=("auto", "ingest_entries", "ingest_batch"),
      default=setting("SWISPER_INGEST_FUNCTION", "auto"),
      help="auto: ingest_entries when the database has it, else ingest_batch (env SWISPER_INGEST_FUNCTION)")
    a("--log-level", choices=tuple(LEVELS), default=setting("SWISPER_LOG_LEVEL", "info"),
      help="debug adds one line per batch (env SWISPER_LOG_LEVEL)")
    args = p.parse_args(argv)
    if args.batch < 1 or args.max_deliveries < 1 or args.claim_idle_ms < 1 or args.block_ms < 0:
        p.error("--batch, --max-deliveries and --claim-idle-ms must be positive, --block-ms not negative")
    return args


class Log:
    """One JSON object per line on stderr."""

    def __init__(self, level, consumer):
        self.level = LEVELS[level]
        self.consumer = consumer
        self.lock = threading.Lock()

    def __call__(self, level, event, **fields):
        if LEVELS[level] < self.level:
            return
        rec = {"ts": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds"),
               "level": level, "event": event, "consumer": self.consumer}
        rec.update(fields)
        line = json.dumps(rec, default=str, ensure_ascii=False) + "\n"
        with self.lock:
            sys.stderr.write(line)
            sys.stderr.flush()


class Backoff:
    """Exponential delays with jitter: initial, 2 x initial, ... up to max."""

    def __init__(self, initial_ms, max_ms):
        self.initial = initial_ms / 1000.0
        self.max = max_ms / 1000.0
        self.failures = 0

    def next(self):
        delay = min(self.max, self.initial * (2 ** min(self.failures, 30)))
        self.failures += 1
        return delay * random.uniform(0.5, 1.0)

    def reset(self):
        self.failures = 0


class Shutdown(Exception):
    """Stop requested while the batch waited for the database: it stays pending."""


def sqlstate_class(exc):
    return (getattr(exc, "sqlstate", None) or "")[:2]


def describe(exc):
    state = getattr(exc, "sqlstate", None)
    diag = getattr(exc, "diag", None)
    msg = (diag.message_primary if diag is not None else None) or str(exc).strip().split("\n")[0]
    return "%s: %s" % (state, msg) if state else "%s: %s" % (type(exc).__name__, msg)


def redact_dsn(dsn):
    try:
        d = psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.Error:
        return "(unparsable)"
    d.pop("password", None)
    return psycopg.conninfo.make_conninfo(**d)


def redact_url(url):
    u = urllib.parse.urlsplit(url)
    if u.password is None:
        return url
    netloc = "%s:***@%s" % (u.username or "", u.hostname + (":%d" % u.port if u.port else ""))
    return urllib.parse.urlunsplit(u._replace(netloc=netloc))


def id_ms(entry_id):
    return int(entry_id.split("-", 1)[0])


def entry_document(fields):
    """The JSON object the ingestion functions take for one stream entry: its fields as strings, `data`
    left as the JSON text the SDK wrote.  Redis has no null: an empty field counts as absent.  Raises
    ValueError (UnicodeDecodeError) for a field that is not UTF-8."""
    doc = {}
    for k, v in fields.items():
        key = k.decode("utf-8")
        value = v.decode("utf-8")
        if value != "":
            doc[key] = value
    return doc


class Database:
    """One connection in autocommit mode: a batch is one statement, so one transaction."""

    def __init__(self, dsn, function, log):
        self.dsn = dsn
        self.wanted = function
        self.log = log
        self.conn = None
        self.function = None

    def connected(self):
        return self.conn is not None and not self.conn.closed

    def connect(self):
        if self.connected():
            return
        self.close()
        params = psycopg.conninfo.conninfo_to_dict(self.dsn)
        params.setdefault("application_name", "swisper_consumer")
        params.setdefault("connect_timeout", "10")
        for k, v in (("keepalives", "1"), ("keepalives_idle", "10"), ("keepalives_interval", "5"),
                     ("keepalives_count", "3")):
            params.setdefault(k, v)
        conn = psycopg.connect(psycopg.conninfo.make_conninfo(**params), autocommit=True)
        try:
            # Checked at every connection: an ALTER EXTENSION UPDATE that adds ingest_entries is followed.
            has_entries, has_batch = conn.execute(
                "SELECT to_regprocedure('swisper.ingest_entries(text[],text)') IS NOT NULL,"
                " to_regprocedure('swisper.ingest_batch(jsonb,text)') IS NOT NULL").fetchone()
            if self.wanted == "auto":
                function = "ingest_entries" if has_entries else "ingest_batch" if has_batch else None
            else:
                function = self.wanted if (has_entries if self.wanted == "ingest_entries" else has_batch) else None
            if function is None:
                raise psycopg.errors.UndefinedFunction(
                    "swisper.%s does not exist in this database (CREATE EXTENSION swisper_ext)"
                    % (self.wanted if self.wanted != "auto" else "ingest_batch"))
        except BaseException:
            conn.close()
            raise
        self.conn = conn
        if function != self.function:
            self.log("info", "database_function", function="swisper." + function)
        self.function = function

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:
                pass
        self.conn = None

    def call(self, docs):
        """One call for docs; (status, message) per doc, in order."""
        if self.function == "ingest_entries":
            texts = [json.dumps(d, ensure_ascii=False, separators=(",", ":")) for d in docs]
            rows = self.conn.execute("SELECT idx, status, message FROM swisper.ingest_entries(%s::text[])",
                                     [texts]).fetchall()
        else:
            batch = json.dumps(docs, ensure_ascii=False, separators=(",", ":"))
            rows = self.conn.execute("SELECT idx, status, message FROM swisper.ingest_batch(%s::jsonb)",
                                     [batch]).fetchall()
        out = [None] * len(docs)
        for idx, status, message in rows:
            out[idx] = (status, message)
        if any(o is None for o in out):
            raise RuntimeError("swisper.%s returned %d rows for %d entries" % (self.function, len(rows), len(docs)))
        return out

    def ingest(self, docs):
        """The batch in one transaction.  When one element's data fails the whole call, the same entries
        again in one transaction with a savepoint each: the element that fails alone gets a 400."""
        try:
            return self.call(docs)
        except psycopg.Error as e:
            if sqlstate_class(e) not in DATA_CLASSES:
                raise
            self.log("warning", "batch_isolated", reason=describe(e), entries=len(docs))
        out = []
        with self.conn.transaction():
            for d in docs:
                try:
                    with self.conn.transaction():
                        out.extend(self.call([d]))
                except psycopg.Error as e:
                    if sqlstate_class(e) not in DATA_CLASSES:
                        raise
                    out.append((400, describe(e)))
        return out


class Consumer:
    def __init__(self, args):
        self.args = args
        self.name = args.consumer
        self.log = Log(args.log_level, self.name)
        # socket_timeout: longer than the longest BLOCK, so an idle read is never a timeout
        self.redis = redis.Redis.from_url(args.redis_url, socket_connect_timeout=5,
                                          socket_timeout=args.block_ms / 1000.0 + 10, health_check_interval=30)
        self.dead_letter = self.redis.register_script(DEAD_LETTER_SCRIPT)
        self.db = Database(args.dsn, args.ingest_function, self.log)
        self.db_backoff = Backoff(args.backoff_initial_ms, args.backoff_max_ms)
        self.redis_backoff = Backoff(args.backoff_initial_ms, args.backoff_max_ms)
        self.stopping = False
        self.group_ready = False
        self.draining = True       # own pending list (ID 0) first
        self.solo = 0              # entries still to re-read one at a time after a failure
        self.claim_cursor = "0-0"
        self.next_claim = 0.0
        self.state = "starting"
        self.started = time.time()
        self.counters = dict(processed=0, applied=0, dead_lettered=0, trimmed=0, errors=0, db_seconds=0.0)

    # -- control ---------------------------------------------------------------------------------------
    def request_stop(self, signum, frame):
        self.stopping = True      # only a flag: the loop finishes its batch and exits

    def sleep(self, seconds):
        end = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < end:
            time.sleep(min(0.1, max(0.0, end - time.monotonic())))

    def run(self):
        a = self.args
        self.log("info", "started", stream=a.stream, group=a.group, batch=a.batch, redis=redact_url(a.redis_url),
                 dsn=redact_dsn(a.dsn), dead_letter_stream=a.dead_letter_stream, claim_idle_ms=a.claim_idle_ms,
                 max_deliveries=a.max_deliveries, pid=os.getpid())
        beat_stop = threading.Event()
        beat = threading.Thread(target=self.heartbeat_loop, args=(beat_stop,), daemon=True)
        beat.start()
        while not self.stopping:
            try:
                batch = self.read()
                if batch:
                    self.handle(batch)
                self.redis_backoff.reset()
                self.state = "running"
            except Shutdown:
                break
            except redis.RedisError as e:
                self.counters["errors"] += 1
                self.state = "redis_unavailable"
                self.group_ready = False
                self.draining = True   # unacknowledged entries are in our pending list
                delay = self.redis_backoff.next()
                self.log("warning", "redis_unavailable", error=describe(e), retry_in_s=round(delay, 2))
                self.sleep(delay)
            except Exception as e:
                # The database call failed in a way that may be the entries' fault (connection lost during
                # the call, e.g. a crashed backend, or an unexpected error), or a bug here.  The entries are
                # in our pending list: re-read them one at a time (each read counts as a delivery), so that
                # a poison entry reaches --max-deliveries alone and its batch-mates are applied.
                self.counters["errors"] += 1
                self.state = "failing"
                self.draining = True
                self.solo = self.args.batch
                delay = self.db_backoff.next()
                self.log("error", "batch_failed", error=describe(e), retry_in_s=round(delay, 2),
                         action="re-read from the pending list one entry at a time")
                self.sleep(delay)
        beat_stop.set()
        beat.join(timeout=2)
        self.db.close()
        self.log("info", "stopped", **dict(self.counters, db_seconds=round(self.counters["db_seconds"], 3)))

    # -- reading ---------------------------------------------------------------------------------------
    def ensure_group(self):
        try:
            # From the stream's beginning: a group created late re-reads old entries (duplicates) rather
            # than skip unprocessed ones.
            self.redis.xgroup_create(self.args.stream, self.args.group, id="0", mkstream=True)
            self.log("info", "group_created", group=self.args.group)
        except redis.ResponseError as e:
            if "BUSYGROUP" not in str(e):
                raise
        self.group_ready = True

    def read(self):
        """The next batch: [(id, fields, deliveries)], or [] when the stream stayed idle."""
        a = self.args
        if not self.group_ready:
            self.ensure_group()
        count = 1 if self.solo else a.batch
        if self.draining:
            res = self.redis.xreadgroup(a.group, self.name, {a.stream: "0"}, count=count)
            entries = res[0][1] if res else []
            if entries:
                return self.with_deliveries(entries, "pending")
            self.draining = False
            self.solo = 0
            self.log("info", "pending_drained")
        if time.monotonic() >= self.next_claim:
            nxt, entries, deleted = self.redis.xautoclaim(a.stream, a.group, self.name, a.claim_idle_ms,
                                                          self.claim_cursor, count=count)[:3]
            self.claim_cursor = nxt.decode() if isinstance(nxt, bytes) else nxt
            if self.claim_cursor == "0-0":  # whole pending list scanned
                self.next_claim = time.monotonic() + a.claim_idle_ms / 2000.0
            for d in deleted:  # Redis removed them from the pending list itself
                self.trimmed(d.decode())
            if entries:
                self.log("info", "claimed", entries=len(entries), first=entries[0][0].decode())
                return self.with_deliveries(entries, "claimed")
        res = self.redis.xreadgroup(a.group, self.name, {a.stream: ">"}, count=count, block=a.block_ms)
        entries = res[0][1] if res else []
        return [(i.decode(), f, 1, "new") for i, f in entries]

    def with_deliveries(self, entries, source):
        """Re-read or claimed entries with XPENDING's delivery counter (1 when no longer ours)."""
        ids = [i.decode() for i, _ in entries]
        info = self.redis.xpending_range(self.args.stream, self.args.group, ids[0], ids[-1],
                                         count=4 * len(ids) + 16, consumername=self.name)
        times = {x["message_id"].decode(): x["times_delivered"] for x in info}
        return [(i, f, times.get(i, 1), source) for i, (_, f) in zip(ids, entries)]

    def trimmed(self, entry_id):
        self.counters["trimmed"] += 1
        self.log("error", "trimmed", id=entry_id,
                 message="entry deleted from the stream (MAXLEN) before it was processed; it cannot be recovered")

    # -- one batch -------------------------------------------------------------------------------------
    def handle(self, batch):
        a = self.args
        outcome = {}          # id -> (reason, status, message) for what goes to the dead-letter stream
        ok = []               # ids to acknowledge plainly
        todo = []             # (id, document) for the database
        for entry_id, fields, deliveries, _ in batch:
            if not fields:
                self.trimmed(entry_id)
                ok.append(entry_id)
            elif deliveries > a.max_deliveries:
                outcome[entry_id] = ("max_deliveries", "", "delivered %d times (limit %d)" % (deliveries,
                                                                                              a.max_deliveries))
            else:
                try:
                    todo.append((entry_id, entry_document(fields)))
                except ValueError as e:
                    outcome[entry_id] = ("rejected", 400, "entry: a field is not UTF-8 (%s)" % e)
        applied = 0
        db_ms = 0.0
        if todo:
            t0 = time.monotonic()
            results = self.ingest_with_retry([d for _, d in todo])
            db_ms = (time.monotonic() - t0) * 1000
            for (entry_id, _), (status, message) in zip(todo, results):
                if 200 <= status < 300:
                    ok.append(entry_id)
                    applied += 1
                else:
                    outcome[entry_id] = ("rejected", status, message)
        self.finish(batch, ok, outcome)
        self.counters["applied"] += applied
        self.solo = max(0, self.solo - len(batch))
        now_ms = time.time() * 1000
        self.log("debug", "batch", source=batch[0][3], entries=len(batch), applied=applied,
                 dead_lettered=len(outcome), db_ms=round(db_ms, 2),
                 age_ms_max=round(now_ms - id_ms(batch[0][0]), 1), age_ms_min=round(now_ms - id_ms(batch[-1][0]), 1))

    def ingest_with_retry(self, docs):
        """The database's results for docs.  Waits and retries, with the same batch, while the database is
        unavailable (not the entries' fault, so not a delivery); raises Shutdown when asked to stop
        meanwhile, and any other failure to run()."""
        while True:
            try:
                self.db.connect()
                t0 = time.monotonic()
                results = self.db.ingest(docs)
                self.counters["db_seconds"] += time.monotonic() - t0
                self.db_backoff.reset()
                return results
            except Exception as e:
                self.counters["errors"] += 1
                connecting = self.db.conn is None
                if not self.db.connected():
                    self.db.close()
                if not (connecting or sqlstate_class(e) in UNAVAILABLE_CLASSES):
                    raise
                self.state = "database_unavailable"
                if self.stopping:
                    self.log("warning", "shutdown_with_pending", entries=len(docs), error=describe(e),
                             message="the batch stays pending and is re-delivered")
                    raise Shutdown()
                delay = self.db_backoff.next()
                self.log("warning", "database_unavailable", error=describe(e), entries=len(docs),
                         retry_in_s=round(delay, 2))
                self.sleep(delay)

    def finish(self, batch, ok, outcome):
        """Dead-letter the rejected entries (each atomically with its XACK), then acknowledge the rest."""
        a = self.args
        fields_of = {i: f for i, f, _, _ in batch}
        deliveries_of = {i: d for i, _, d, _ in batch}
        pipe = self.redis.pipeline(transaction=False)
        now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")
        for entry_id, (reason, status, message) in outcome.items():
            argv = [a.group, entry_id]
            for k, v in fields_of[entry_id].items():
                argv += [k, v]
            argv += ["dlq_reason", reason, "dlq_status", str(status), "dlq_message", message or "",
                     "dlq_id", entry_id, "dlq_deliveries", str(deliveries_of[entry_id]),
                     "dlq_consumer", self.name, "dlq_at", now]
            self.dead_letter(keys=[a.stream, a.dead_letter_stream], args=argv, client=pipe)
        if ok:
            pipe.xack(a.stream, a.group, *ok)
        res = pipe.execute()
        self.counters["processed"] += len(batch)
        for written, (entry_id, (reason, status, message)) in zip(res, outcome.items()):
            # written 0: another consumer or an earlier delivery already dead-lettered and acknowledged it
            self.counters["dead_lettered"] += written
            self.log("warning", "dead_lettered", id=entry_id, reason=reason, status=status, message=message,
                     written=bool(written))

    # -- liveness --------------------------------------------------------------------------------------
    def stats(self):
        a = self.args
        value = dict(consumer=self.name, pid=os.getpid(), host=socket.gethostname(), state=self.state,
                     stream=a.stream, group=a.group, function=self.db.function,
                     started_at=datetime.datetime.fromtimestamp(self.started, datetime.timezone.utc).isoformat(),
                     timestamp=datetime.datetime.now(datetime.timezone.utc).isoformat())
        value.update(self.counters)
        value["db_seconds"] = round(self.counters["db_seconds"], 3)
        try:
            group = next((g for g in self.redis.xinfo_groups(a.stream) if g["name"].decode() == a.group), None)
        except redis.ResponseError:
            group = None
        if group is not None:
            value["pending"] = group["pending"]
            value["lag"] = group.get("lag")  # entries not yet delivered to the group (None: unknown)
            oldest = []
            first_pending = self.redis.xpending(a.stream, a.group)["min"] if group["pending"] else None
            if first_pending:
                oldest.append(first_pending.decode())
            nxt = self.redis.xrange(a.stream, min="(" + group["last-delivered-id"].decode(), count=1)
            if nxt:
                oldest.append(nxt[0][0].decode())
            # age of the oldest entry not yet acknowledged (delivered or not): the stream lag in seconds
            value["lag_seconds"] = (round(max(0.0, time.time() - min(map(id_ms, oldest)) / 1000.0), 3)
                                    if oldest else 0.0)
        return value

    def heartbeat_loop(self, stop):
        last = (time.monotonic(), 0)
        while True:
            try:
                now = time.monotonic()
                value = self.stats()
                value["events_per_s"] = round((self.counters["processed"] - last[1]) / max(now - last[0], 1e-3), 1)
                last = (now, self.counters["processed"])
                self.redis.setex(self.args.heartbeat_key, HEARTBEAT_TTL, json.dumps(value))
                self.log("debug", "heartbeat", **value)
            except Exception as e:  # Redis down: the main loop reports it
                self.log("debug", "heartbeat_failed", error=describe(e))
            if stop.wait(HEARTBEAT_EVERY):
                return


def main(argv=None):
    args = parse_args(argv)
    consumer = Consumer(args)
    signal.signal(signal.SIGTERM, consumer.request_stop)
    signal.signal(signal.SIGINT, consumer.request_stop)
    consumer.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
