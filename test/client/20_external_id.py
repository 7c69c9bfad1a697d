#!/usr/bin/python3
"""Client test of swisper.external_id with Debian's python3-asyncpg.

Binds Python str values the way SQLAlchemy's asyncpg dialect does (an
explicit ::varchar), inserts, selects by another spelling of a uuid, orders,
and checks that the lookup uses the index; then the binary protocol, with a
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
    values = ["1aac01a8-a985-4cd1-aad6-7e12b25da1bc", "12345", "auth0|5f7c8ec7c33c6c004bbafe82",
              "Zoë Ångström", "{9B2F8A64-0F8C-4B8E-8A3E-2A1F0C9E7D10}", "007", "jane@example.com"]
    # SQLAlchemy's asyncpg dialect binds a str parameter as $n::VARCHAR.
    await conn.executemany("INSERT INTO ids VALUES ($1::varchar, $2)",
                           [(v, i) for i, v in enumerate(values)])
    await conn.executemany("INSERT INTO ids VALUES ($1::varchar, $2)",
                           [("user-%d" % i, 100 + i) for i in range(2000)])
    await conn.execute("ANALYZE ids")
    ok(await conn.fetchval("SELECT count(*) FROM ids") == len(values) + 2000,
       "executemany with $1::varchar inserts every row")

    # Select by an upper-case, unhyphenated spelling of a stored uuid.
    row = await conn.fetchrow("SELECT id, n FROM ids WHERE id = $1::varchar",
                              "1AAC01A8A9854CD1AAD67E12B25DA1BC")
    ok(row is not None and row["n"] == 0, "WHERE id = $1::varchar finds the upper-case spelling", row)
    ok(row is not None and row["id"] == "1aac01a8-a985-4cd1-aad6-7e12b25da1bc",
       "the value comes back as a str in canonical form", row)
    row = await conn.fetchrow("SELECT n FROM ids WHERE id = $1::text", "9b2f8a64-0f8c-4b8e-8a3e-2a1f0c9e7d10")
    ok(row is not None and row["n"] == 4, "WHERE id = $1::text finds a uuid stored from a braced spelling", row)
    n = await conn.fetchval("SELECT n FROM ids WHERE id = $1", "Zoë Ångström")
    ok(n == 3, "WHERE id = $1 (parameter typed external_id) finds non-ASCII text", n)
    n = await conn.fetchval("SELECT n FROM ids WHERE id = $1::varchar", "7")
    ok(n is None, "'7' does not find '007' (text ids are byte-exact)", n)

    # The lookup uses the index.
    await conn.execute("SET enable_seqscan = off")
    plan = "\n".join(r[0] for r in await conn.fetch(
        "EXPLAIN SELECT n FROM ids WHERE id = $1::varchar", "user-7"))
    ok("Index" in plan and "ids_id" in plan, "WHERE id = $1::varchar uses the index", plan)
    await conn.execute("RESET enable_seqscan")

    # IN with several bound values, and = ANY of a bound list.
    rows = await conn.fetch("SELECT n FROM ids WHERE id IN ($1::varchar, $2::varchar) ORDER BY n",
                            "12345", "USER-1")
    ok([r["n"] for r in rows] == [1], "IN ($1::varchar, $2::varchar): text ids are case-sensitive", rows)
    rows = await conn.fetch("SELECT n FROM ids WHERE id = ANY($1::varchar[]) ORDER BY n",
                            ["12345", "{1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC}", "user-5"])
    ok([r["n"] for r in rows] == [0, 1, 105], "= ANY($1::varchar[]) canonicalises each element", rows)

    # ORDER BY: integers by value, then uuids, then text bytewise.
    rows = await conn.fetch("SELECT id FROM ids WHERE n < 100 ORDER BY id")
    expected = ["12345", "1aac01a8-a985-4cd1-aad6-7e12b25da1bc", "9b2f8a64-0f8c-4b8e-8a3e-2a1f0c9e7d10",
                "007", "Zoë Ångström", "auth0|5f7c8ec7c33c6c004bbafe82", "jane@example.com"]
    ok([r["id"] for r in rows] == expected, "ORDER BY id gives the documented order", rows)
    rows = await conn.fetch("SELECT swisper.external_id_kind(id) AS k, count(*) AS c FROM ids GROUP BY 1 ORDER BY 1")
    ok([(r["k"], r["c"]) for r in rows] == [("integer", 1), ("text", 2004), ("uuid", 2)],
       "GROUP BY kind", rows)
    n = await conn.fetchval("SELECT count(*) FROM ids WHERE id::text LIKE $1", "user-19%")
    ok(n == 111, "id::text LIKE $1 works", n)

    # Bad values: SQLSTATE and a message that names the type.
    for bad, state in ((" padded", "22P02"), ("", "22P02"), ("a\tb", "22P02"), ("x" * 256, "22001")):
        try:
            await conn.execute("INSERT INTO ids VALUES ($1::varchar, -1)", bad)
            ok(False, "%r is rejected" % bad[:10])
        except asyncpg.PostgresError as e:
            ok(e.sqlstate == state and "external_id" in e.message,
               "%r is rejected with %s naming the type" % (bad[:10], state), "%s %s" % (e.sqlstate, e.message))
    ok(await conn.fetchval("SELECT swisper.is_valid_external_id($1)", " padded") is False,
       "is_valid_external_id($1) is false for a bad value, without raising")

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
    n = await conn.fetchval("SELECT n FROM ids WHERE id = $1", b"\x03" + "{1AAC01A8A9854CD1AAD67E12B25DA1BC}".encode())
    ok(n == 0, "binary input of a text payload spelling a uuid is canonicalised", n)
    for bad, state in ((b"\x03\xff\xfe", "22P02"), (b"\x03 x", "22P02"), (b"\x09abc", "22P03"),
                       (b"\x02\x00", "22P03")):
        try:
            await conn.fetchval("SELECT n FROM ids WHERE id = $1", bad)
            ok(False, "binary %r is rejected" % bad)
        except asyncpg.PostgresError as e:
            ok(e.sqlstate == state and "external_id" in e.message,
               "binary %r is rejected with %s naming the type" % (bad, state), "%s %s" % (e.sqlstate, e.message))
    await conn.reset_type_codec("external_id", schema="swisper")
    await conn.execute("DROP TABLE ids")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Exception as e:  # a crash is a failed test, not a silent pass
        results.append(False)
        print("not ok %d - the test ran to the end" % len(results))
        print("# %r" % e)
    print("1..%d" % len(results))
    sys.exit(0 if all(results) else 1)
