-- swisper.external_id: equality across spellings, the total order (the
-- canonical text's, under COLLATE "C"), the operators with text and uuid,
-- index use for = and ranges, the query shapes application code uses, hash
-- joins, hash aggregation, merge joins and hash partitioning.  (The text
-- functions and every expression shape: 25_external_id_text_like.)
\i test/fixtures/reset.sql

-- Equality across spellings of a uuid in its standard layout, with text on
-- either side and with uuid; other spellings are other texts.
SELECT '1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC'::swisper.external_id
	 = '{1aac01a8-a985-4cd1-aad6-7e12b25da1bc}'::swisper.external_id AS same_uuid,
	'1aac01a8-a985-4cd1-aad6-7e12b25da1bc'::swisper.external_id = '1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC'::text AS id_eq_text,
	'{1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC}'::varchar = '1aac01a8-a985-4cd1-aad6-7e12b25da1bc'::swisper.external_id AS varchar_eq_id,
	'1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC'::swisper.external_id = '1aac01a8-a985-4cd1-aad6-7e12b25da1bc'::uuid AS id_eq_uuid,
	'1aac01a8-a985-4cd1-aad6-7e12b25da1bc'::swisper.external_id = '1AAC01A8A9854CD1AAD67E12B25DA1BC'::text AS id_eq_unhyphenated,
	'12345'::swisper.external_id = '012345'::text AS int_vs_padded,
	'User@Example.com'::swisper.external_id = 'user@example.com'::text AS text_is_case_sensitive,
	''::swisper.external_id = ''::text AS empty_eq_empty,
	' a'::swisper.external_id = 'a'::text AS blanks_count;

-- The total order is the canonical text's under COLLATE "C" (byte order),
-- whatever the kinds; every operator agrees with the three-way comparison
-- and with the same comparison of the texts.
CREATE TABLE ord (v swisper.external_id);
INSERT INTO ord VALUES ('10'), ('9'), ('0'), ('9223372036854775807'), ('010'), ('1'), ('100'), ('11'),
	('ffffffff-ffff-ffff-ffff-ffffffffffff'), ('00000000-0000-0000-0000-000000000000'),
	('{1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC}'), ('1AAC01A8A9854CD1AAD67E12B25DA1BC'), ('1aac'),
	('B'), ('a'), ('ab'), ('a b'), ('é'), ('Z'), ('-1'), (''), (' '), (E'\t'), (E'\x01z'), ('~');
SELECT to_json(v::text)::text AS value, swisper.external_id_kind(v) FROM ord ORDER BY v;
SELECT (SELECT array_agg(v ORDER BY v) FROM ord)::text[]
	 = (SELECT array_agg(v::text ORDER BY v::text COLLATE "C") FROM ord) AS same_as_text_in_c;
SELECT to_json(v::text)::text AS value FROM ord ORDER BY v DESC LIMIT 3;
SELECT count(*) AS pairs,
	count(*) FILTER (WHERE (a.v = b.v) = (swisper.external_id_cmp(a.v, b.v) = 0)
		AND (a.v <> b.v) = (swisper.external_id_cmp(a.v, b.v) <> 0)
		AND (a.v < b.v) = (swisper.external_id_cmp(a.v, b.v) < 0)
		AND (a.v <= b.v) = (swisper.external_id_cmp(a.v, b.v) <= 0)
		AND (a.v > b.v) = (swisper.external_id_cmp(a.v, b.v) > 0)
		AND (a.v >= b.v) = (swisper.external_id_cmp(a.v, b.v) >= 0)
		AND swisper.external_id_cmp(a.v, b.v) = -swisper.external_id_cmp(b.v, a.v)
		AND (a.v = b.v) = (a.v::text = b.v::text)
		AND (a.v < b.v) = (a.v::text < b.v::text COLLATE "C")
		AND (a.v > b.v) = (a.v::text > b.v::text COLLATE "C")
		AND (a.v < b.v) = (a.v < b.v::text) AND (a.v < b.v) = (a.v::text < b.v)
		AND (a.v = b.v) = (a.v = b.v::text) AND (a.v = b.v) = (a.v::text = b.v)
		AND ((a.v = b.v) = (a.v = upper(b.v::text)) OR swisper.external_id_kind(b.v) <> 'uuid')
		AND ((a.v < b.v) = (upper(b.v::text) > a.v) OR swisper.external_id_kind(b.v) <> 'uuid')) AS consistent
FROM ord a, ord b;
-- Hash agrees with equality across spellings and with the text and uuid
-- hashes.
SELECT count(DISTINCT h) AS distinct_hashes, count(DISTINCT he) AS distinct_extended
FROM (SELECT swisper.external_id_hash(s::swisper.external_id) AS h,
		swisper.external_id_hash_extended(s::swisper.external_id, 42) AS he
	FROM unnest(ARRAY['1aac01a8-a985-4cd1-aad6-7e12b25da1bc', '1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC',
		'{1aac01a8-a985-4cd1-aad6-7e12b25da1bc}']) AS s
	UNION ALL
	SELECT swisper.external_id_uuid_hash('1aac01a8a9854cd1aad67e12b25da1bc'::uuid),
		swisper.external_id_uuid_hash_extended('1aac01a8a9854cd1aad67e12b25da1bc'::uuid, 42)) h;
SELECT bool_and(swisper.external_id_hash(v) = swisper.external_id_text_hash(upper(v::text))
		OR swisper.external_id_kind(v) = 'text') AS hash_uuid_spellings,
	bool_and(swisper.external_id_hash(v) = swisper.external_id_text_hash(v::text)) AS hash_text,
	bool_and(swisper.external_id_hash_extended(v, 7) = swisper.external_id_text_hash_extended(v::text, 7)) AS hash_ext_text,
	count(DISTINCT swisper.external_id_hash(v)) = count(*) AS no_collisions_here
FROM ord;
-- Hash values are fixed (the same on every machine of this byte order): hash
-- of the canonical bytes with PostgreSQL's hash_any.  They are those of
-- version 0.1.0, whose stored bytes were the same: hash indexes and hash
-- partitions stay valid.
SELECT v, swisper.external_id_hash(v), swisper.external_id_hash_extended(v, 0)
FROM ord WHERE v IN ('0', '1aac01a8-a985-4cd1-aad6-7e12b25da1bc', 'a') ORDER BY v;
-- A comparison with any text never raises: the text is read as the
-- external id it converts to.
SELECT count(*) FROM ord WHERE v = ' '::text;
SELECT count(*) FROM ord WHERE v < ''::text;
SELECT count(*) FROM ord WHERE v <= ''::text;
SELECT count(*) FROM ord WHERE v > repeat('~', 100000)::text;
DROP TABLE ord;

-- A table with an index, and the query shapes of application code.
CREATE TABLE ids (id swisper.external_id, n int);
INSERT INTO ids
SELECT CASE i % 3
		WHEN 0 THEN md5(i::text)::uuid::text
		WHEN 1 THEN (i * 7919)::text
		ELSE 'user-' || i END, i
FROM generate_series(1, 3000) AS i;
INSERT INTO ids VALUES ('{1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC}', 0);
CREATE INDEX ids_id ON ids (id);
ANALYZE ids;
SET enable_seqscan = off;
SET enable_bitmapscan = off;

-- col = 'literal': the literal is read as external_id.
EXPLAIN (COSTS OFF) SELECT n FROM ids WHERE id = '{1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC}';
SELECT n FROM ids WHERE id = '{1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC}';
-- col = $1 (unknown), $1::text, $1::varchar (how asyncpg/SQLAlchemy bind).
PREPARE q_unknown AS SELECT n FROM ids WHERE id = $1;
PREPARE q_text(text) AS SELECT n FROM ids WHERE id = $1;
PREPARE q_varchar(varchar) AS SELECT n FROM ids WHERE id = $1;
PREPARE q_varchar_rev(varchar) AS SELECT n FROM ids WHERE $1 = id;
SELECT name, parameter_types FROM pg_prepared_statements ORDER BY name;
-- The planner support function of the operators with text rewrites
-- id = $1::varchar into id = ($1)::swisper.external_id: one conversion per
-- scan, and the index's own comparison.
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE q_unknown('1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC');
EXPLAIN (COSTS OFF) EXECUTE q_text('1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC');
EXPLAIN (COSTS OFF) EXECUTE q_varchar('1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC');
EXPLAIN (COSTS OFF) EXECUTE q_varchar_rev('1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC');
EXECUTE q_unknown('1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC');
EXECUTE q_text('1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC');
EXECUTE q_varchar('1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC');
EXECUTE q_varchar_rev('1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC');
EXECUTE q_varchar('user-2');
EXECUTE q_varchar('7919');
EXECUTE q_varchar('07919');
EXECUTE q_varchar('user-2 ');
RESET plan_cache_mode;
-- IN lists: literals, text and varchar values, and = ANY of an array.
EXPLAIN (COSTS OFF) SELECT n FROM ids WHERE id IN ('7919', 'user-2', 'ECCBC87E-4B5C-E2FE-2830-8FD9F2A7BAF3');
SELECT n FROM ids WHERE id IN ('7919', 'user-2', 'ECCBC87E-4B5C-E2FE-2830-8FD9F2A7BAF3') ORDER BY n;
-- (the common type of external_id and varchar is varchar, so the parser
-- makes  id = ANY (ARRAY[...]::text[])  with the operator between
-- external_id and text, which uses the index.)
EXPLAIN (COSTS OFF) SELECT n FROM ids WHERE id IN ('7919'::varchar, 'user-2'::varchar);
SELECT n FROM ids WHERE id IN ('user-5'::varchar, '7919'::varchar, 'user-2'::varchar) ORDER BY n;
-- = ANY of a text array: the B-tree sorts the array with the (text, text)
-- support function of the family.
EXPLAIN (COSTS OFF) SELECT n FROM ids WHERE id = ANY ($$ {user-5,user-2,x} $$::text[]);
SELECT n FROM ids WHERE id = ANY (ARRAY['user-5', 'user-2', '{ECCBC87E-4B5C-E2FE-2830-8FD9F2A7BAF3}']::text[]) ORDER BY n;
-- Ranges use the index, with external_id or text bounds.
EXPLAIN (COSTS OFF) SELECT n FROM ids WHERE id >= 'user-10' AND id < 'user-11';
SELECT id, n FROM ids WHERE id >= 'user-10' AND id < 'user-11' ORDER BY id;
EXPLAIN (COSTS OFF) SELECT n FROM ids WHERE id > '1029'::text AND id <= '1030'::varchar;
SELECT id, n FROM ids WHERE id > '1029'::text AND id <= '1030'::varchar ORDER BY id;
-- ORDER BY and GROUP BY the column; LIKE after an explicit ::text.
EXPLAIN (COSTS OFF) SELECT id FROM ids ORDER BY id LIMIT 3;
SELECT id FROM ids ORDER BY id LIMIT 3;
SELECT id FROM ids ORDER BY id DESC LIMIT 3;
SELECT id::text LIKE 'user-1%' AS user_1x, count(*) FROM ids GROUP BY 1 ORDER BY 1;
SELECT count(*) FROM ids WHERE id::text LIKE 'user-29%';
SELECT swisper.external_id_kind(id), count(*), min(id::text), max(id::text) FROM ids GROUP BY 1 ORDER BY 1;
-- The index is deduplicated (btequalimage): many equal values, few tuples.
CREATE TABLE dup (id swisper.external_id);
INSERT INTO dup SELECT 'tenant-' || (i % 10) FROM generate_series(1, 20000) AS i;
CREATE INDEX dup_id ON dup (id);
SELECT pg_relation_size('dup_id') < 200000 AS deduplicated;
SELECT opcname, opcintype::regtype, (SELECT amname FROM pg_am WHERE oid = opcmethod) AS am, opcdefault
FROM pg_opclass WHERE opcintype = 'swisper.external_id'::regtype ORDER BY am;
SELECT amprocnum, amproclefttype::regtype, amprocrighttype::regtype, amproc::regproc, am.amname
FROM pg_amproc p JOIN pg_opfamily f ON f.oid = p.amprocfamily JOIN pg_am am ON am.oid = f.opfmethod
WHERE f.opfname = 'external_id_ops'
ORDER BY am.amname, amprocnum, amproclefttype::regtype::text COLLATE "C", amprocrighttype::regtype::text COLLATE "C";
DROP TABLE dup;

-- Joins: hash join, merge join and nested loop give the same rows; a hash
-- join also works between external_id and text columns.
RESET enable_seqscan;
RESET enable_bitmapscan;
CREATE TABLE spellings (s text);
INSERT INTO spellings SELECT '{' || upper(id::text) || '}' FROM ids WHERE swisper.external_id_kind(id) = 'uuid';
INSERT INTO spellings SELECT id::text FROM ids WHERE swisper.external_id_kind(id) <> 'uuid' AND n % 10 = 0;
CREATE TABLE ids2 AS SELECT s::swisper.external_id AS id FROM spellings;
ANALYZE spellings;
ANALYZE ids2;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM ids JOIN ids2 USING (id);
SELECT count(*) FROM ids JOIN ids2 USING (id);
EXPLAIN (COSTS OFF) SELECT count(*) FROM ids JOIN spellings ON ids.id = spellings.s;
SELECT count(*) FROM ids JOIN spellings ON ids.id = spellings.s;
RESET enable_mergejoin;
SET enable_hashjoin = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM ids JOIN ids2 USING (id);
SELECT count(*) FROM ids JOIN ids2 USING (id);
RESET enable_hashjoin;
RESET enable_nestloop;
-- Hash aggregation and sorted aggregation give the same groups.
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT id, count(*) FROM ids2 GROUP BY id;
SELECT count(*) AS groups, sum(c) AS rows FROM (SELECT id, count(*) AS c FROM ids2 GROUP BY id) g;
RESET enable_sort;
SET enable_hashagg = off;
EXPLAIN (COSTS OFF) SELECT id, count(*) FROM ids2 GROUP BY id;
SELECT count(*) AS groups, sum(c) AS rows FROM (SELECT id, count(*) AS c FROM ids2 GROUP BY id) g;
RESET enable_hashagg;
SELECT count(DISTINCT id) AS distinct_ids FROM ids2;
DROP TABLE spellings, ids2;

-- A table hash-partitioned by external_id: every row lands in exactly one
-- partition, spellings of one uuid land together, and pruning finds a row
-- from an external_id or a text value.
CREATE TABLE parted (id swisper.external_id, n int) PARTITION BY HASH (id);
CREATE TABLE parted_0 PARTITION OF parted FOR VALUES WITH (MODULUS 4, REMAINDER 0);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES WITH (MODULUS 4, REMAINDER 1);
CREATE TABLE parted_2 PARTITION OF parted FOR VALUES WITH (MODULUS 4, REMAINDER 2);
CREATE TABLE parted_3 PARTITION OF parted FOR VALUES WITH (MODULUS 4, REMAINDER 3);
INSERT INTO parted SELECT id, n FROM ids;
SELECT tableoid::regclass, count(*) FROM parted GROUP BY 1 ORDER BY 1;
SELECT count(*) = (SELECT count(*) FROM ids) AS all_rows_landed FROM parted;
INSERT INTO parted VALUES ('1aac01a8-a985-4cd1-aad6-7e12b25da1bc', -1);
SELECT tableoid::regclass, id, n FROM parted WHERE id = '{1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC}' ORDER BY n;
EXPLAIN (COSTS OFF) SELECT n FROM parted WHERE id = '{1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC}';
EXPLAIN (COSTS OFF) SELECT n FROM parted WHERE id = 'user-2'::text;
SELECT tableoid::regclass, n FROM parted WHERE id = 'user-2'::text;
SELECT count(*) AS rows_found_by_key
FROM ids WHERE EXISTS (SELECT 1 FROM parted p WHERE p.id = ids.id AND p.n = ids.n);
DROP TABLE parted;

DROP TABLE ids;
