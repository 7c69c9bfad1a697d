"""pg_dump and restore of a database with swisper_ext, whole and partial (prints TAP).

The source database: the fixture schema, CREATE EXTENSION (user_id becomes
swisper.external_id), rows inserted by hand and the SDK stream of
test/fixtures/events ingested (traces, observations and their merge state).
It is dumped and restored into a new database:

  (a) the whole database, custom format through pg_restore and plain
      format through psql: the restore runs CREATE EXTENSION itself;
  (b) only schema public (pg_dump --schema=public), plain and custom: the
      dump has no CREATE EXTENSION, so the new database gets one first (for
      the type of traces.user_id), then the dump.  Strictly (psql with
      ON_ERROR_STOP, pg_restore --exit-on-error; the new database's empty
      schema public dropped first, since the dump creates it), and
      leniently, as one restores by hand (schema public kept: its CREATE
      SCHEMA must be the only error);
  (c) the partial dump docs/backup.md recommends: --schema=public
      --schema=swisper --extension=swisper_ext, plain and custom, which
      brings the extension and its state along.

Every restore must bring back every row of projects, traces and
observations, user_id of type swisper.external_id and the indexes on it.
The install used to create the tables, with their foreign keys, in the
database a partial dump was then restored into: the dump's CREATE TABLEs
failed and its COPY of observations, which comes before traces, failed on
the foreign key, losing every observation.

The whole dump (and (c)) also brings back the merge state, so a
re-delivered event is a duplicate; --schema=public does not
(docs/backup.md): the event is merged again as new, and its values replace
the restored row's.

Runs inside the test cluster (PGHOST, PGPORT, ... from pg_virtualenv).
"""
import json
import os
import subprocess
import sys
import tempfile

BIN = "/usr/lib/postgresql/15/bin"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SRC, DST = "swisper_client_dump_src", "swisper_client_dump_dst"
tests = 0
failed = 0


def ok(cond, name, diag=""):
    global tests, failed
    tests += 1
    if not cond:
        failed += 1
        for line in str(diag).splitlines():
            print("# " + line)
    print(("ok" if cond else "not ok") + " %d - %s" % (tests, " ".join(str(name).split())))


def run(*args, **kw):
    return subprocess.run([os.path.join(BIN, args[0])] + list(args[1:]), capture_output=True, text=True, **kw)


def psql(db, sql):
    """The result of sql in db, or the error (which then fails the check that reads it)."""
    r = run("psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql)
    return r.stdout.strip() if r.returncode == 0 else "error: " + r.stderr.strip()


# Every column of every row, compared as text.
DIGEST = """
SELECT (SELECT md5(string_agg(t::text, E'\\n' ORDER BY id)) FROM traces t)
    || (SELECT md5(string_agg(o::text, E'\\n' ORDER BY id)) FROM observations o)
    || (SELECT md5(string_agg(p::text, E'\\n' ORDER BY id)) FROM projects p)
"""
COUNTS = "SELECT (SELECT count(*) FROM traces) || ' traces, ' || (SELECT count(*) FROM observations) || ' observations'"
USER_ID_TYPE = ("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = 'traces'::regclass AND attname = 'user_id'")
USER_ID_INDEXES = ("SELECT string_agg(indexrelid::regclass::text, ',' ORDER BY indexrelid::regclass::text) "
                   "FROM pg_index WHERE indrelid = 'traces'::regclass AND indkey[0] = "
                   "(SELECT attnum FROM pg_attribute WHERE attrelid = 'traces'::regclass AND attname = 'user_id')")
STATE_ROWS = "SELECT count(*) FROM swisper.ingest_merge_state"
STATE = ("SELECT (SELECT count(*) FROM swisper.ingest_merge_state) || ' merge state rows, '"
         " || (SELECT count(*) FROM swisper.project_connection) || ' project_connection rows'")

# The stream's memory_node span ends with an error event (level ERROR); its
# start event (level DEFAULT, the column default's class) is delivered again
# after the restore.
STREAM = json.load(open(os.path.join(ROOT, "test/fixtures/events/swisper_stream.json")))
ERRORED = "a0000000-0000-4000-8000-000000000004"
REDELIVERED = [e for e in STREAM if e.get("observation_id") == ERRORED and e["event_type"] == "observation_start"]


def redeliver(db):
    """The status of the errored span's start event delivered again, and the span's level afterwards."""
    rows = psql(db, "SELECT string_agg(status || ' ' || message, '; ' ORDER BY idx) "
                    "FROM swisper.ingest_batch('%s')" % json.dumps(REDELIVERED).replace("'", "''"))
    return rows, psql(db, "SELECT level FROM observations WHERE id = '%s'" % ERRORED)


def fresh(db):
    run("dropdb", "--if-exists", db)
    r = run("createdb", db)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)


def check_restored(how, before, state):
    """The restored database against the source: rows, type, indexes, and what the merge state knows."""
    after = psql(DST, DIGEST)
    ok(after == before["digest"], "%s: every trace and observation is back (%s)" % (how, psql(DST, COUNTS)),
       "%s\n%s" % (before["digest"], after))
    typ = psql(DST, USER_ID_TYPE)
    ok(typ == "swisper.external_id", "%s: traces.user_id is still swisper.external_id" % how, typ)
    idx = psql(DST, USER_ID_INDEXES)
    ok(idx == before["indexes"], "%s: the indexes on user_id are there (%s)" % (how, idx),
       "%s\n%s" % (before["indexes"], idx))
    found = psql(DST, "SET enable_seqscan = off; "
                      "SELECT id FROM traces WHERE user_id = '{1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC}' ORDER BY id")
    ok(found == before["found"], "%s: the restored index finds a UUID in another spelling" % how,
       "%s\n%s" % (before["found"], found))
    fix = psql(DST, "SELECT count(*) FROM swisper.fix_user_id() WHERE action IS NOT NULL")
    ok(fix == "0", "%s: swisper.fix_user_id() finds nothing to do" % how, fix)
    rows = psql(DST, STATE)
    if state:
        ok(rows == before["state"], "%s: the merge state and project_connection are back (%s)" % (how, rows),
           "%s\n%s" % (before["state"], rows))
    else:
        ok(rows == "0 merge state rows, 0 project_connection rows",
           "%s: the merge state and project_connection are not" % how, rows)
    statuses, level = redeliver(DST)
    if state:
        ok(statuses == "200 duplicate: already ingested" and level == "ERROR",
           "%s: a re-delivered event is a duplicate" % how, "%s / %s" % (statuses, level))
    else:
        # Without its state a restored row counts as first for "first wins"
        # fields and as older than any event for the others: the old start
        # event is not recognised, and its level DEFAULT replaces the ERROR
        # of the span's error event.
        ok(statuses == "200 merged into the existing observation" and level == "DEFAULT",
           "%s: a re-delivered event is merged again, and its values replace the restored row's" % how,
           "%s / %s" % (statuses, level))
        rows = psql(DST, STATE_ROWS)
        ok(rows == "1", "%s: the event's merge state is written" % how, rows)
    # The whole history delivered again, last event first, one call each:
    # with the state, nothing but duplicates; without it, the merge still
    # converges to the source's rows.
    for e in reversed(STREAM):
        psql(DST, "SELECT * FROM swisper.ingest_batch('[%s]')" % json.dumps(e).replace("'", "''"))
    after = psql(DST, DIGEST)
    ok(after == before["digest"], "%s: the whole stream delivered again, backwards, gives the source's rows" % how,
       "%s\n%s" % (before["digest"], after))


# What each kind of dump is made with, and whether the new database needs
# CREATE EXTENSION before the restore (the dump has none).
WHOLE = ([], False)
PUBLIC = (["--schema=public"], True)
WITH_STATE = (["--schema=public", "--schema=swisper", "--extension=swisper_ext"], False)


def restore(fmt, kind, strict, tmp):
    """Dump SRC as kind says, in format fmt (plain or custom), and restore it into a new DST.

    A dump of named schemas has CREATE SCHEMA public (pg_dump writes it for
    a schema it is told to dump): a strict restore (psql with ON_ERROR_STOP,
    pg_restore with --exit-on-error) needs the new database's empty schema
    public dropped first; a lenient one reports that one error and carries
    on.  Returns (every program exited 0, the ERROR messages, their output)."""
    args, create_first = kind
    fresh(DST)
    prepare = ("DROP SCHEMA public; " if strict and args else "") + \
        ("CREATE EXTENSION swisper_ext" if create_first else "")
    if prepare:
        r = run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", DST, "-c", prepare)
        if r.returncode != 0:
            return False, [], r.stderr
    if fmt == "plain":
        dump = run("pg_dump", *args, SRC)
        r = subprocess.run([os.path.join(BIN, "psql"), "-X", "-q", "-d", DST]
                           + (["-v", "ON_ERROR_STOP=1"] if strict else []),
                           input=dump.stdout, capture_output=True, text=True)
    else:
        path = os.path.join(tmp, "db.dump")
        dump = run("pg_dump", "-Fc", "-f", path, *args, SRC)
        r = run("pg_restore", *(["--exit-on-error"] if strict else []), "-d", DST, path)
    out = dump.stderr + r.stderr
    errors = [line.split("ERROR:", 1)[1].strip() for line in out.splitlines() if "ERROR:" in line]
    return dump.returncode == 0 and r.returncode == 0, errors, out


for db in (SRC, DST):
    run("dropdb", "--if-exists", db)
fresh(SRC)
r = run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", SRC,
        "-f", os.path.join(ROOT, "test/fixtures/observability_schema.sql"),
        "-c", "SET client_min_messages = warning", "-c", "CREATE EXTENSION swisper_ext")
ok(r.returncode == 0, "load the fixture and CREATE EXTENSION", r.stderr)
r = psql(SRC, """
INSERT INTO traces (id, user_id, project_id, "timestamp") VALUES
  ('d1', '1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', '2025-11-05 10:00'),
  ('d2', 'external-swisper-user-12345', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', '2025-11-05 10:01'),
  ('d3', 'auth0|5f7c8ec7c33c6c004bbafe82', '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f', '2025-11-05 10:02'),
  ('d4', '12345', '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f', '2025-11-05 10:03'),
  ('d5', 'Zoë Müller', '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f', '2025-11-05 10:04');
INSERT INTO observations (id, trace_id, type, name, start_time, level)
VALUES ('o1', 'd1', 'AGENT', 'root', '2025-11-05 10:00', 'DEFAULT');
""")
ok(r == "", "insert traces and an observation by hand", r)
ingested = psql(SRC, "SELECT count(*) FROM swisper.ingest_batch('%s') WHERE status IN (200, 201)"
                     % json.dumps(STREAM).replace("'", "''"))
ok(ingested == str(len(STREAM)), "ingest the SDK stream (%s events)" % ingested, ingested)
before = {"digest": psql(SRC, DIGEST), "indexes": psql(SRC, USER_ID_INDEXES),
          "state": psql(SRC, STATE),
          "found": psql(SRC, "SELECT id FROM traces WHERE user_id = '{1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC}' ORDER BY id")}
ok(before["found"] == "3f0c9b1e-8a2d-4c6b-9e7f-1a2b3c4d5e6f\nd1"
   and psql(SRC, "SELECT level FROM observations WHERE id = '%s'" % ERRORED) == "ERROR",
   "the source holds the ingested trace, and the errored span at level ERROR", before["found"])

# The install in an empty database creates no table, and says how to fix
# user_id once the application's migrations have made traces.
fresh(DST)
r = run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", DST, "-c", "CREATE EXTENSION swisper_ext")
tables = psql(DST, "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")
ok(r.returncode == 0 and tables == "0", "CREATE EXTENSION in an empty database creates no table", r.stderr + tables)
ok("swisper.fix_user_id()" in r.stderr, "and its NOTICE names swisper.fix_user_id()", r.stderr)

with tempfile.TemporaryDirectory() as tmp:
    for fmt, kind, strict, how in (
            ("custom", WHOLE, True, "whole dump"),
            ("plain", WHOLE, True, "whole dump"),
            ("plain", PUBLIC, True, "--schema=public"),
            ("custom", PUBLIC, True, "--schema=public"),
            ("plain", PUBLIC, False, "--schema=public, lenient"),
            ("custom", PUBLIC, False, "--schema=public, lenient"),
            ("plain", WITH_STATE, True, "schemas public and swisper and the extension"),
            ("custom", WITH_STATE, True, "schemas public and swisper and the extension")):
        how = "%s, %s format" % (how, fmt)
        done, errors, out = restore(fmt, kind, strict, tmp)
        if strict:
            ok(done, "%s: %s exits 0" % (how, "psql with ON_ERROR_STOP" if fmt == "plain"
                                         else "pg_restore --exit-on-error"), out)
        else:
            # Only pg_dump's CREATE SCHEMA public fails: no "already exists"
            # of a table, no foreign key violation.
            ok(errors == ['schema "public" already exists'],
               "%s: the only error is CREATE SCHEMA public's" % how, out)
        check_restored(how, before, kind is not PUBLIC)

for db in (SRC, DST):
    run("dropdb", "--if-exists", db)
print("1..%d" % tests)
sys.exit(1 if failed else 0)
