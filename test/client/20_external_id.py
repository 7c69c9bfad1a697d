#!/usr/bin/python3
"""Client test of swisper.external_id with Debian's python3-asyncpg.

Binds Python str values the way SQLAlchemy's asyncpg dialect does (an
explicit ::varchar), inserts every kind of string a varchar column holds
(empty, blank-padded, a tab, 300 characters) and reads it back as given,
selects by another spelling of a uuid, orders as the text in byte order,
uses text functions and mixed expressions, and checks that the lookups use
the index in custom and generic plans; then the binary protocol, with a
raw-bytes codec.  Prints TAP.  Runs inside the test cluster (libpq variables
PGHOST, PGPORT, PGUSER, PGPASSWORD) and creates and drops its own database.
"""
import asyncio
import os
import sys

import asyncpg

DB = "swisper_client_type"
results = []


def ok(cond, desc, diag=None):
    results.append(bool(cond))
    print(("ok" if cond else "not ok") + " %d - %s" % (len(results), desc))
    if not cond and diag is not None:
        for line in str(diag).splitlines():
            print("# " + line)


async def connect(database):
    return await asyncpg.connect(
        host=os.environ.get("PGHOST"), port=os.environ.get("PGPORT"),
        user=os.environ.get("PGUSER"), password=os.environ.get("PGPASSWORD"),
        database=database)


async def setup(conn):
    await conn.execute("CREATE EXTENSION swisper_ext")


async def main():
    admin = await connect("postgres")
    await admin.execute("DROP DATABASE IF EXISTS %s" % DB)
    await admin.execute("CREATE DATABASE %s" % DB)
    try:
        conn = await connect(DB)
        try:
            await setup(conn)
            await run(conn)
        finally:
            await conn.close()
    finally:
        await admin.execute("DROP DATABASE IF EXISTS %s" % DB)
        await admin.close()


async def run(conn):
    await conn.execute("CREATE TABLE ids (id swisper.external_id, n int)")
    await conn.execute("CREATE INDEX ids_id ON ids (id)")
    await conn.execute("CREATE TABLE users (id varchar(36) PRIMARY KEY)")
    await conn.execute("INSERT INTO users VALUES ('jane@example.com'), ('someone')")
    values = ["1aac01a8-a985-4cd1-aad6-7e12b25da1bc", "12345", "auth0|5f7c8ec7c33c6c004bbafe82",
              "Zoë Ångström", "{9B2F8A64-0F8C-4B8E-8A3E-2A1F0C9E7D10}", "007", "jane@example.com",
              "", " padded ", "a\tb", "x" * 300, "1AAC01A8A9854CD1AAD67E12B25DA1BC"]
    # SQLAlchemy's asyncpg dialect binds a str parameter as $n::VARCHAR.
    await conn.executemany("INSERT INTO ids VALUES ($1::varchar, $2)",
                           [(v, i) for i, v in enumerate(values)])
    await conn.executemany("INSERT INTO ids VALUES ($1::varchar, $2)",
                           [("user-%d" % i, 100 + i) for i in range(2000)])
    await conn.execute("ANALYZE ids")
    ok(await conn.fetchval("SELECT count(*) FROM ids") == len(values) + 2000,
       "executemany with $1::varchar inserts every row")

    # Every string comes back as it was stored, except uuids in their
    # standard layout (lower-case, without braces).
    rows = await conn.fetch("SELECT n, id FROM ids WHERE n < 100 ORDER BY n")
    expected = list(values)
    expected[4] = "9b2f8a64-0f8c-4b8e-8a3e-2a1f0c9e7d10"
    ok([r["id"] for r in rows] == expected, "every value comes back as given (uuids canonical)",
       [r["id"] for r in rows])

    # Select by an upper-case spelling of a stored uuid.
    row = await conn.fetchrow("SELECT id, n FROM ids WHERE id = $1::varchar",
                              "1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC")
    ok(row is not None and row["n"] == 0, "WHERE id = $1::varchar finds the upper-case spelling", row)
    ok(row is not None and row["id"] == "1aac01a8-a985-4cd1-aad6-7e12b25da1bc",
       "the value comes back as a str in canonical form", row)
    row = await conn.fetchrow("SELECT n FROM ids WHERE id = $1::text", "9b2f8a64-0f8c-4b8e-8a3e-2a1f0c9e7d10")
    ok(row is not None and row["n"] == 4, "WHERE id = $1::text finds a uuid stored from a braced spelling", row)
    n = await conn.fetchval("SELECT n FROM ids WHERE id = $1", "Zoë Ångström")
    ok(n == 3, "WHERE id = $1 (parameter typed external_id) finds non-ASCII text", n)
    n = await conn.fetchval("SELECT n FROM ids WHERE id = $1::varchar", "7")
    ok(n is None, "'7' does not find '007' (text ids are byte-exact)", n)
    for v, want in (("", 7), (" padded ", 8), ("a\tb", 9), ("x" * 300, 10), (" x", None)):
        n = await conn.fetchval("SELECT n FROM ids WHERE id = $1::varchar", v)
        ok(n == want, "WHERE id = $1::varchar with %r finds %r, without an error" % (v[:12], want), n)

    # The lookups use the index, in custom and generic plans.
    await conn.execute("SET enable_seqscan = off")
    for sql, args in (("SELECT n FROM ids WHERE id = $1::varchar", ("user-7",)),
                      ("SELECT n FROM ids WHERE id IN ($1::VARCHAR, $2::VARCHAR)", ("user-7", "007")),
                      ("SELECT n FROM ids WHERE id = ANY($1::VARCHAR[])", (["user-7", "007"],))):
        for mode in ("force_custom_plan", "force_generic_plan"):
            await conn.execute("SET plan_cache_mode = %s" % mode)
            plan = "\n".join(r[0] for r in await conn.fetch("EXPLAIN " + sql, *args))
            ok("ids_id" in plan and "Seq Scan" not in plan, "%s uses the index (%s)" % (sql, mode), plan)
    await conn.execute("RESET plan_cache_mode")
    await conn.execute("RESET enable_seqscan")

    # IN with several bound values, and = ANY of a bound list.
    rows = await conn.fetch("SELECT n FROM ids WHERE id IN ($1::varchar, $2::varchar) ORDER BY n",
                            "12345", "USER-1")
    ok([r["n"] for r in rows] == [1], "IN ($1::varchar, $2::varchar): text ids are case-sensitive", rows)
    rows = await conn.fetch("SELECT n FROM ids WHERE id = ANY($1::varchar[]) ORDER BY n",
                            ["12345", "{1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC}", "user-5", ""])
    ok([r["n"] for r in rows] == [0, 1, 7, 105], "= ANY($1::varchar[]) canonicalises each element", rows)

    # ORDER BY, min and max: the order of the texts in "C" (byte order).
    rows = await conn.fetch("SELECT id FROM ids WHERE n < 100 ORDER BY id")
    got = [r["id"] for r in rows]
    ok(got == sorted(expected, key=lambda s: s.encode()), "ORDER BY id is the byte order of the texts", got)
    every = expected + ["user-%d" % i for i in range(2000)]
    lo, hi = await conn.fetchrow("SELECT min(id), max(id) FROM ids")
    ok((lo, hi) == (min(every, key=lambda s: s.encode()), max(every, key=lambda s: s.encode())),
       "min and max are the text's in byte order", (lo, hi[:20]))
    n = await conn.fetchval("SELECT count(*) FROM ids WHERE id > $1::varchar AND id < $2::varchar", "user-1", "user-2")
    ok(n == sum(1 for s in every if b"user-1" < s.encode() < b"user-2"),
       "a range with $1::varchar bounds is a text range", n)

    # Text functions and mixed expressions, as on the varchar column.
    n = await conn.fetchval("SELECT count(*) FROM ids WHERE id LIKE $1", "user-19%")
    ok(n == 111, "id LIKE $1 works", n)
    n = await conn.fetchval("SELECT count(*) FROM ids WHERE id ILIKE $1::varchar", "AUTH0|%")
    ok(n == 1, "id ILIKE $1::varchar works", n)
    v = await conn.fetchval("SELECT lower(id) || '/' || length(id) FROM ids WHERE n = 3")
    ok(v == "zoë ångström/12", "lower(), length() and || work", v)
    rows = await conn.fetch("SELECT coalesce(id, $1::varchar) AS u FROM ids WHERE n IN (6, 7) ORDER BY n", "anonymous")
    ok([r["u"] for r in rows] == ["jane@example.com", ""], "coalesce(id, $1::varchar) works", rows)
    rows = await conn.fetch("SELECT id FROM ids WHERE n < 100 UNION SELECT id FROM users ORDER BY 1")
    ok(len(rows) == len(values) + 1, "UNION with a varchar(36) column", rows)
    v = await conn.fetchval("SELECT string_agg(id, ',' ORDER BY id) FROM ids WHERE n IN (1, 5, 6)")
    ok(v == "007,12345,jane@example.com", "string_agg", v)

    # The strict rules are a function and a domain, never a refusal of the
    # column.
    ok(await conn.fetchval("SELECT swisper.is_valid_external_id($1)", " padded") is False,
       "is_valid_external_id($1) is false for a blank-padded value, without raising")
    try:
        await conn.execute("SELECT $1::varchar::swisper.strict_external_id", "")
        ok(False, "the domain strict_external_id refuses ''")
    except asyncpg.PostgresError as e:
        ok(e.sqlstate == "23514", "the domain strict_external_id refuses '' (23514)", e.sqlstate)

    # The binary protocol: a raw-bytes codec sends and receives the binary
    # format itself (tag byte, payload).
    await conn.set_type_codec("external_id", schema="swisper", encoder=lambda b: b,
                              decoder=lambda b: b, format="binary")
    raw = await conn.fetchval("SELECT id FROM ids WHERE n = 0")
    ok(raw == b"\x02" + bytes.fromhex("1aac01a8a9854cd1aad67e12b25da1bc"), "binary output of a uuid id", raw)
    raw = await conn.fetchval("SELECT id FROM ids WHERE n = 1")
    ok(raw == b"\x01" + (12345).to_bytes(8, "big"), "binary output of an integer id", raw)
    raw = await conn.fetchval("SELECT id FROM ids WHERE n = 3")
    ok(raw == b"\x03" + "Zoë Ångström".encode(), "binary output of a text id", raw)
    raw = await conn.fetchval("SELECT id FROM ids WHERE n = 7")
    ok(raw == b"\x03", "binary output of the empty id", raw)
    n = await conn.fetchval("SELECT n FROM ids WHERE id = $1", b"\x03" + "{1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC}".encode())
    ok(n == 0, "binary input of a text payload spelling a uuid is canonicalised", n)
    n = await conn.fetchval("SELECT n FROM ids WHERE id = $1", b"\x03 padded ")
    ok(n == 8, "binary input of a blank-padded text is kept", n)
    for bad, state in ((b"\x03\xff\xfe", "22021"), (b"\x03a\x00", "22021"), (b"\x09abc", "22P03"),
                       (b"\x02\x00", "22P03")):
        try:
            await conn.fetchval("SELECT n FROM ids WHERE id = $1", bad)
            ok(False, "binary %r is rejected" % bad)
        except asyncpg.PostgresError as e:
            ok(e.sqlstate == state, "binary %r is rejected with %s" % (bad, state), "%s %s" % (e.sqlstate, e.message))
    await conn.reset_type_codec("external_id", schema="swisper")
    await conn.execute("DROP TABLE ids, users")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Exception as e:  # a crash is a failed test, not a silent pass
        results.append(False)
        print("not ok %d - the test ran to the end" % len(results))
        print("# %r" % e)
    print("1..%d" % len(results))
    sys.exit(0 if all(results) else 1)
