#!/usr/bin/env bash
# Benchmark of swisper.external_id against varchar and uuid (issue 3, item 6).
#
#   bash bench/external_id_bench.sh            1,000,000 ids of each shape
#   bash bench/external_id_bench.sh --quick    100,000 ids (a dev run, well under a minute)
#   bash bench/external_id_bench.sh --rows N   N ids
#   bash bench/external_id_bench.sh --connect  in the running server that the libpq
#                                              variables name (PGHOST, PGPORT, PGUSER:
#                                              e.g. a private build), in a database
#                                              bench_external_id created and dropped
#
# In one throwaway cluster (scripts/lib.sh with_cluster; needs the extension
# installed: make install), for N UUID-shaped ids (md5-derived, printed in
# canonical form) and N opaque ids (auth0|..., e-mail addresses), it measures
# for a varchar column (in the database's collation, and in "C", the order
# external_id has), a uuid column (UUID-shaped ids only) and a
# swisper.external_id column:
#   - the size of a B-tree index on the column,
#   - the time to build it (best of 3; maintenance_work_mem large enough to
#     sort in memory, no parallel workers),
#   - equality lookups per second: a nested loop of index probes with
#     200,000 (or N/5) existing keys in random order (best of 3).  For
#     external_id both ways of binding are measured: a key of type
#     external_id, and a key of type varchar (the application's
#     WHERE user_id = $1::varchar, compared through the cross-type operator);
#   - the time of an in-memory sort of the column (ORDER BY id, every row,
#     best of 3): the sort support and its abbreviated keys.
# It prints the figures and the ratios against varchar and uuid measured in
# the same run, next to the issue's targets.  Nothing is asserted: times on
# a shared machine vary.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

rows=1000000
connect=0
while [ $# -gt 0 ]; do
	case "$1" in
		--quick) rows=100000 ;;
		--rows) rows=$2; shift ;;
		--connect) connect=1 ;;
		*) echo "usage: $0 [--quick | --rows N] [--connect]" >&2; exit 2 ;;
	esac
	shift
done
keys=$((rows / 5 < 200000 ? rows / 5 : 200000))

sql=$(mktemp /tmp/external_id_bench.XXXXXX.sql)
trap 'rm -f "$sql"' EXIT
chmod 644 "$sql"
cat > "$sql" <<'SQL'
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION swisper_ext;
SET maintenance_work_mem = '1GB';
SET max_parallel_maintenance_workers = 0;
SET max_parallel_workers_per_gather = 0;
SET work_mem = '256MB';

-- The ids, as text: N UUID-shaped and N opaque ones.
CREATE TABLE src_uuid AS
	SELECT i, md5(i::text)::uuid::text AS s FROM generate_series(1, :rows) AS i;
CREATE TABLE src_opaque AS
	SELECT i, CASE i % 2 WHEN 0 THEN 'auth0|' || substr(md5(i::text), 1, 24)
		ELSE 'user.' || i || '@example.com' END AS s
	FROM generate_series(1, :rows) AS i;

-- One table per shape and column type, and the lookup keys (existing ids in
-- random order) in every type.
CREATE TABLE uuid_varchar AS SELECT s::varchar AS id FROM src_uuid;
CREATE TABLE uuid_varchar_c AS SELECT s::varchar COLLATE "C" AS id FROM src_uuid;
CREATE TABLE uuid_uuid AS SELECT s::uuid AS id FROM src_uuid;
CREATE TABLE uuid_ext AS SELECT s::swisper.external_id AS id FROM src_uuid;
CREATE TABLE opaque_varchar AS SELECT s::varchar AS id FROM src_opaque;
CREATE TABLE opaque_varchar_c AS SELECT s::varchar COLLATE "C" AS id FROM src_opaque;
CREATE TABLE opaque_ext AS SELECT s::swisper.external_id AS id FROM src_opaque;
DO $$ BEGIN PERFORM setseed(0.42); END $$;
CREATE TABLE keys_uuid AS
	SELECT s::varchar AS v, s::uuid AS u, s::swisper.external_id AS e
	FROM src_uuid ORDER BY random() LIMIT :keys;
CREATE TABLE keys_opaque AS
	SELECT s::varchar AS v, s::swisper.external_id AS e
	FROM src_opaque ORDER BY random() LIMIT :keys;
VACUUM ANALYZE;

-- Best of 3 times of the statement timed, each run after the statement
-- before (not timed; NULL: none).
CREATE FUNCTION pg_temp.best_of_3(before text, timed text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	best float8 := 'Infinity';
	k int;
BEGIN
	FOR k IN 1 .. 3 LOOP
		IF before IS NOT NULL THEN
			EXECUTE before;
		END IF;
		t0 := clock_timestamp();
		EXECUTE timed;
		best := least(best, extract(epoch FROM clock_timestamp() - t0));
	END LOOP;
	RETURN best;
END
$$;

-- Build time of an index on tbl.id: best of 3.
CREATE FUNCTION pg_temp.build(tbl text) RETURNS float8 LANGUAGE sql AS $$
	SELECT pg_temp.best_of_3(format('DROP INDEX IF EXISTS %I', tbl || '_id'),
							 format('CREATE INDEX %I ON %I (id)', tbl || '_id', tbl))
$$;

-- Index probes per second: a nested loop over the keys, one index scan per
-- key (best of 3, after a warm-up run).
CREATE FUNCTION pg_temp.lookups(query text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	best float8 := 'Infinity';
	found bigint;
	nkeys bigint;
	k int;
BEGIN
	SET LOCAL enable_hashjoin = off;
	SET LOCAL enable_mergejoin = off;
	SET LOCAL enable_seqscan = off;
	SET LOCAL enable_bitmapscan = off;
	SET LOCAL enable_material = off;
	SET LOCAL enable_memoize = off;
	FOR k IN 0 .. 3 LOOP
		t0 := clock_timestamp();
		EXECUTE query INTO found, nkeys;
		IF k > 0 THEN
			best := least(best, extract(epoch FROM clock_timestamp() - t0));
		END IF;
	END LOOP;
	IF found <> nkeys THEN
		RAISE EXCEPTION 'lookup query found % of % keys: %', found, nkeys, query;
	END IF;
	RETURN nkeys / best;
END
$$;

-- Time of an in-memory sort of tbl.id, every row (OFFSET past the end:
-- nothing is returned, the sort is not bounded): best of 3.
CREATE FUNCTION pg_temp.sort_time(tbl text) RETURNS float8 LANGUAGE sql
SET enable_indexscan = off SET enable_indexonlyscan = off SET enable_bitmapscan = off AS $$
	SELECT pg_temp.best_of_3(NULL, format('SELECT id FROM %I ORDER BY id OFFSET 1000000000', tbl))
$$;

CREATE TABLE result (shape text, col text, index_mb float8, build_s float8, lookups_per_s float8,
	lookups_varchar_key float8, sort_s float8);
INSERT INTO result VALUES
	('uuid-shaped', 'varchar', NULL, pg_temp.build('uuid_varchar'), NULL, NULL),
	('uuid-shaped', 'varchar_c', NULL, pg_temp.build('uuid_varchar_c'), NULL, NULL),
	('uuid-shaped', 'uuid', NULL, pg_temp.build('uuid_uuid'), NULL, NULL),
	('uuid-shaped', 'external_id', NULL, pg_temp.build('uuid_ext'), NULL, NULL),
	('opaque', 'varchar', NULL, pg_temp.build('opaque_varchar'), NULL, NULL),
	('opaque', 'varchar_c', NULL, pg_temp.build('opaque_varchar_c'), NULL, NULL),
	('opaque', 'external_id', NULL, pg_temp.build('opaque_ext'), NULL, NULL);
UPDATE result SET index_mb = pg_relation_size(format('%s_%s_id',
	CASE shape WHEN 'opaque' THEN 'opaque' ELSE 'uuid' END,
	CASE col WHEN 'external_id' THEN 'ext' ELSE col END)) / 1048576.0;
UPDATE result SET sort_s = pg_temp.sort_time(format('%s_%s',
	CASE shape WHEN 'opaque' THEN 'opaque' ELSE 'uuid' END,
	CASE col WHEN 'external_id' THEN 'ext' ELSE col END));
VACUUM ANALYZE;
UPDATE result SET lookups_per_s = pg_temp.lookups(
	'SELECT count(t.id), count(*) FROM keys_uuid k JOIN uuid_varchar t ON t.id = k.v')
	WHERE shape = 'uuid-shaped' AND col = 'varchar';
UPDATE result SET lookups_per_s = pg_temp.lookups(
	'SELECT count(t.id), count(*) FROM keys_uuid k JOIN uuid_uuid t ON t.id = k.u')
	WHERE shape = 'uuid-shaped' AND col = 'uuid';
UPDATE result SET lookups_per_s = pg_temp.lookups(
	'SELECT count(t.id), count(*) FROM keys_uuid k JOIN uuid_ext t ON t.id = k.e'),
	lookups_varchar_key = pg_temp.lookups(
	'SELECT count(t.id), count(*) FROM keys_uuid k JOIN uuid_ext t ON t.id = k.v')
	WHERE shape = 'uuid-shaped' AND col = 'external_id';
UPDATE result SET lookups_per_s = pg_temp.lookups(
	'SELECT count(t.id), count(*) FROM keys_opaque k JOIN opaque_varchar t ON t.id = k.v')
	WHERE shape = 'opaque' AND col = 'varchar';
UPDATE result SET lookups_per_s = pg_temp.lookups(
	'SELECT count(t.id), count(*) FROM keys_opaque k JOIN opaque_ext t ON t.id = k.e'),
	lookups_varchar_key = pg_temp.lookups(
	'SELECT count(t.id), count(*) FROM keys_opaque k JOIN opaque_ext t ON t.id = k.v')
	WHERE shape = 'opaque' AND col = 'external_id';

\pset footer off
\echo
\echo Figures (index size in MB, build and sort time in s, index probes per second)
SELECT shape, col AS "column", round(index_mb::numeric, 1) AS index_mb, round(build_s::numeric, 3) AS build_s,
	round(sort_s::numeric, 3) AS sort_s,
	round(lookups_per_s) AS lookups_per_s, round(lookups_varchar_key) AS "lookups_per_s ($1::varchar key)"
FROM result ORDER BY shape DESC, col DESC;

\echo Ratios (external_id / baseline, same run) and the targets of issue 3
WITH r AS (SELECT * FROM result)
SELECT x.shape, x.measure, round(x.ratio::numeric, 2) AS ratio, x.target
FROM (
	SELECT 1 AS o, 'uuid-shaped' AS shape, 'index size / uuid' AS measure,
		e.index_mb / u.index_mb AS ratio, '<= 1.30' AS target
	FROM r e, r u WHERE e.shape = 'uuid-shaped' AND e.col = 'external_id' AND u.shape = 'uuid-shaped' AND u.col = 'uuid'
	UNION ALL
	SELECT 2, 'uuid-shaped', 'index size / varchar', e.index_mb / v.index_mb, '<= 0.70'
	FROM r e, r v WHERE e.shape = 'uuid-shaped' AND e.col = 'external_id' AND v.shape = 'uuid-shaped' AND v.col = 'varchar'
	UNION ALL
	SELECT 3, 'uuid-shaped', 'build time / varchar', e.build_s / v.build_s, '<= 0.60'
	FROM r e, r v WHERE e.shape = 'uuid-shaped' AND e.col = 'external_id' AND v.shape = 'uuid-shaped' AND v.col = 'varchar'
	UNION ALL
	SELECT 4, 'uuid-shaped', 'build time / uuid', e.build_s / u.build_s, '(about 1)'
	FROM r e, r u WHERE e.shape = 'uuid-shaped' AND e.col = 'external_id' AND u.shape = 'uuid-shaped' AND u.col = 'uuid'
	UNION ALL
	SELECT 5, 'uuid-shaped', 'lookups / varchar (external_id key)', e.lookups_per_s / v.lookups_per_s, '>= 1.00'
	FROM r e, r v WHERE e.shape = 'uuid-shaped' AND e.col = 'external_id' AND v.shape = 'uuid-shaped' AND v.col = 'varchar'
	UNION ALL
	SELECT 6, 'uuid-shaped', 'lookups / varchar ($1::varchar key)', e.lookups_varchar_key / v.lookups_per_s, '>= 1.00'
	FROM r e, r v WHERE e.shape = 'uuid-shaped' AND e.col = 'external_id' AND v.shape = 'uuid-shaped' AND v.col = 'varchar'
	UNION ALL
	SELECT 7, 'uuid-shaped', 'lookups / uuid (external_id key)', e.lookups_per_s / u.lookups_per_s, '(for orientation)'
	FROM r e, r u WHERE e.shape = 'uuid-shaped' AND e.col = 'external_id' AND u.shape = 'uuid-shaped' AND u.col = 'uuid'
	UNION ALL
	SELECT 7.1, 'uuid-shaped', 'sort time / varchar', e.sort_s / v.sort_s, '(for orientation)'
	FROM r e, r v WHERE e.shape = 'uuid-shaped' AND e.col = 'external_id' AND v.shape = 'uuid-shaped' AND v.col = 'varchar'
	UNION ALL
	SELECT 7.2, 'uuid-shaped', 'sort time / varchar "C"', e.sort_s / v.sort_s, '(for orientation)'
	FROM r e, r v WHERE e.shape = 'uuid-shaped' AND e.col = 'external_id' AND v.shape = 'uuid-shaped' AND v.col = 'varchar_c'
	UNION ALL
	SELECT 7.3, 'uuid-shaped', 'sort time / uuid', e.sort_s / u.sort_s, '(for orientation)'
	FROM r e, r u WHERE e.shape = 'uuid-shaped' AND e.col = 'external_id' AND u.shape = 'uuid-shaped' AND u.col = 'uuid'
	UNION ALL
	SELECT 7.4, 'uuid-shaped', 'build time / varchar "C"', e.build_s / v.build_s, '(for orientation)'
	FROM r e, r v WHERE e.shape = 'uuid-shaped' AND e.col = 'external_id' AND v.shape = 'uuid-shaped' AND v.col = 'varchar_c'
	UNION ALL
	SELECT 8, 'opaque', 'index size / varchar', e.index_mb / v.index_mb, '<= 1.10'
	FROM r e, r v WHERE e.shape = 'opaque' AND e.col = 'external_id' AND v.shape = 'opaque' AND v.col = 'varchar'
	UNION ALL
	SELECT 9, 'opaque', 'build time / varchar', e.build_s / v.build_s, '(for orientation)'
	FROM r e, r v WHERE e.shape = 'opaque' AND e.col = 'external_id' AND v.shape = 'opaque' AND v.col = 'varchar'
	UNION ALL
	SELECT 10, 'opaque', 'lookups / varchar (external_id key)', e.lookups_per_s / v.lookups_per_s, '>= 1.00'
	FROM r e, r v WHERE e.shape = 'opaque' AND e.col = 'external_id' AND v.shape = 'opaque' AND v.col = 'varchar'
	UNION ALL
	SELECT 11, 'opaque', 'lookups / varchar ($1::varchar key)', e.lookups_varchar_key / v.lookups_per_s, '>= 1.00'
	FROM r e, r v WHERE e.shape = 'opaque' AND e.col = 'external_id' AND v.shape = 'opaque' AND v.col = 'varchar'
	UNION ALL
	SELECT 12, 'opaque', 'sort time / varchar', e.sort_s / v.sort_s, '(for orientation)'
	FROM r e, r v WHERE e.shape = 'opaque' AND e.col = 'external_id' AND v.shape = 'opaque' AND v.col = 'varchar'
	UNION ALL
	SELECT 13, 'opaque', 'sort time / varchar "C"', e.sort_s / v.sort_s, '(for orientation)'
	FROM r e, r v WHERE e.shape = 'opaque' AND e.col = 'external_id' AND v.shape = 'opaque' AND v.col = 'varchar_c'
	UNION ALL
	SELECT 14, 'opaque', 'build time / varchar "C"', e.build_s / v.build_s, '(for orientation)'
	FROM r e, r v WHERE e.shape = 'opaque' AND e.col = 'external_id' AND v.shape = 'opaque' AND v.col = 'varchar_c'
) x ORDER BY x.o;
SELECT datcollate AS "database collation (varchar compares with it)" FROM pg_database WHERE datname = current_database();
SQL

echo "== swisper.external_id benchmark: $rows UUID-shaped and $rows opaque ids, $keys lookup keys"
if [ $connect -eq 1 ]; then
	db=bench_external_id
	dropdb --if-exists "$db" && createdb "$db"
	psql -X -q -d "$db" -v rows="$rows" -v keys="$keys" -f "$sql"
	dropdb "$db"
	exit 0
fi
with_cluster -o shared_buffers=1GB bash -c "createdb bench && psql -X -q -d bench -v rows=$rows -v keys=$keys -f '$sql'"
