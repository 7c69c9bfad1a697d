"""pg_dump + pg_restore of a database with swisper_ext round-trips every row.

Issue 2 (no application table is a member of the extension) and issue 3
(the external_id column survives a dump and a restore).  Runs inside the
test cluster (PGHOST, PGPORT, ... from pg_virtualenv) and prints TAP.
"""
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
    print(("ok" if cond else "not ok") + " %d - %s" % (tests, name))


def run(*args, **kw):
    return subprocess.run([os.path.join(BIN, args[0])] + list(args[1:]), capture_output=True, text=True, **kw)


def psql(db, sql):
    r = run("psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    return r.stdout.strip()


DIGEST = """
SELECT (SELECT md5(string_agg(concat_ws('|', id, name, user_id::text, session_id, project_id, input::text,
                                        output::text, meta::text, tags::text, "timestamp"), E'\\n' ORDER BY id))
          FROM traces)
    || (SELECT md5(string_agg(concat_ws('|', id, trace_id, type, name, start_time, level), E'\\n' ORDER BY id))
          FROM observations)
    || (SELECT md5(string_agg(concat_ws('|', id, name, deleted_at), E'\\n' ORDER BY id)) FROM projects)
"""

print("1..9")
for db in (SRC, DST):
    run("dropdb", "--if-exists", db)
r = run("createdb", SRC)
ok(r.returncode == 0, "create the source database", r.stderr)
r = run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", SRC,
        "-f", os.path.join(ROOT, "test/fixtures/observability_schema.sql"),
        "-c", "SET client_min_messages = warning", "-c", "CREATE EXTENSION swisper_ext")
ok(r.returncode == 0, "load the fixture and CREATE EXTENSION", r.stderr)
psql(SRC, """
INSERT INTO traces (id, user_id, project_id, "timestamp") VALUES
  ('d1', '1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', '2025-11-05 10:00'),
  ('d2', 'external-swisper-user-12345', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', '2025-11-05 10:01'),
  ('d3', 'auth0|5f7c8ec7c33c6c004bbafe82', '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f', '2025-11-05 10:02'),
  ('d4', '12345', '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f', '2025-11-05 10:03'),
  ('d5', 'Zoë Müller', '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f', '2025-11-05 10:04');
INSERT INTO observations (id, trace_id, type, name, start_time, level)
VALUES ('o1', 'd1', 'AGENT', 'root', '2025-11-05 10:00', 'DEFAULT');
""")
before = psql(SRC, DIGEST)

with tempfile.TemporaryDirectory() as tmp:
    dump = os.path.join(tmp, "db.dump")
    r = run("pg_dump", "-Fc", "-f", dump, SRC)
    ok(r.returncode == 0, "pg_dump -Fc", r.stderr)
    run("createdb", DST)
    r = run("pg_restore", "--exit-on-error", "-d", DST, dump)
    ok(r.returncode == 0, "pg_restore into an empty database", r.stderr)

after = psql(DST, DIGEST)
ok(before == after, "every row of projects, traces and observations is back", "%s\n%s" % (before, after))
typ = psql(DST, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = 'traces'::regclass AND attname = 'user_id'")
ok(typ == "swisper.external_id", "traces.user_id is still swisper.external_id", typ)
found = psql(DST, "SET enable_seqscan = off; "
                  "SELECT id FROM traces WHERE user_id = '1aac01a8a9854cd1aad67e12b25da1bc'")
ok(found == "d1", "the restored index finds a UUID in another spelling", found)

# A plain-format dump replayed with psql takes the same path.
run("dropdb", "--if-exists", DST)
run("createdb", DST)
dump = subprocess.run([os.path.join(BIN, "pg_dump"), SRC], capture_output=True, text=True)
r = subprocess.run([os.path.join(BIN, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", DST],
                   input=dump.stdout, capture_output=True, text=True)
ok(dump.returncode == 0 and r.returncode == 0, "a plain pg_dump replayed with psql", dump.stderr + r.stderr)
after = psql(DST, DIGEST)
ok(before == after, "every row is back from the plain dump too", "%s\n%s" % (before, after))

for db in (SRC, DST):
    run("dropdb", "--if-exists", db)
sys.exit(1 if failed else 0)
