-- swisper.external_id behaves like the text column it replaces: every
-- expression shape an application, a dashboard or an analyst writes over a
-- varchar user_id (pattern matching, regular expressions, string functions,
-- aggregates, COALESCE/CASE/UNION with text and varchar) works and gives the
-- same result as over a varchar column holding the same texts; no
-- combination of operand types is ambiguous; the order is the text's under
-- COLLATE "C"; and =, IN and ANY with every kind of operand still use the
-- B-tree and hash indexes, in custom and generic plans.
\i test/fixtures/reset.sql

-- The same texts in an external_id column, in a varchar column of the
-- database's collation (the column it replaces: text functions and patterns
-- must give what they gave there) and in a varchar column in "C" (the
-- external_id's order: comparisons, ordering, min/max must give what they
-- give there), with a varchar column beside each (alt) and a users table
-- with a varchar(36) id, as the platform has.
CREATE TABLE ids (n int, id swisper.external_id, alt varchar);
INSERT INTO ids VALUES
	(1, 'auth0|5f7c8ec7c33c6c004bbafe82', 'auth0|x'), (2, 'auth0|ABC', NULL), (3, 'google-oauth2|1234', 'z'),
	(4, 'user@example.com', 'user@example.com'), (5, 'User@Example.com', ''), (6, 'Zoë Ångström', 'zoë'),
	(7, '12345', '12345'), (8, '007', '7'), (9, '9', '10'), (10, '10', '9'),
	(11, '1aac01a8-a985-4cd1-aad6-7e12b25da1bc', '1aac01a8-a985-4cd1-aad6-7e12b25da1bc'),
	(12, '9b2f8a64-0f8c-4b8e-8a3e-2a1f0c9e7d10', NULL), (13, '1AAC01A8A9854CD1AAD67E12B25DA1BC', 'm'),
	(14, '', 'anonymous'), (15, ' padded ', 'padded'), (16, E'tab\there', 'tab'), (17, 'x%y_z', 'x'),
	(18, NULL, 'nobody'), (19, repeat('long-', 60), 'long'), (20, '用户-42', '用户');
CREATE TABLE ids_v (n int, id varchar, alt varchar);
INSERT INTO ids_v SELECT n, id::text, alt FROM ids;
CREATE TABLE ids_c (n int, id varchar COLLATE "C", alt varchar);
INSERT INTO ids_c SELECT n, id::text, alt FROM ids;
CREATE TABLE app_users (id varchar(36) PRIMARY KEY);
INSERT INTO app_users VALUES ('auth0|ABC'), ('9'), ('someone-else'), ('1aac01a8-a985-4cd1-aad6-7e12b25da1bc');

-- same(expr, versus): expr over every row of ids and of the varchar table
-- versus, in row order, as text; "same" when both agree, else both results.
-- Also the result type of each.
CREATE FUNCTION pg_temp.same(expr text, versus text) RETURNS TABLE (expression text, ext_type text, varchar_type text, result text)
LANGUAGE plpgsql AS $$
DECLARE
	a text;
	b text;
	ta text;
	tb text;
BEGIN
	EXECUTE format('SELECT array_agg((%s)::text ORDER BY n)::text, min(pg_typeof(%s)::text) FROM ids', expr, expr) INTO a, ta;
	EXECUTE format('SELECT array_agg((%s)::text ORDER BY n)::text, min(pg_typeof(%s)::text) FROM %I', expr, expr, versus) INTO b, tb;
	RETURN QUERY SELECT expr, ta, tb, CASE WHEN a IS NOT DISTINCT FROM b THEN 'same' ELSE 'external_id ' || a || ' varchar ' || b END;
END
$$;

-- Pattern matching and regular expressions, against unknown literals, text
-- and varchar, both ways round: as over the varchar column.
SELECT s.* FROM unnest(ARRAY[
	$$id LIKE 'auth0|%'$$, $$id LIKE 'AUTH0|%'$$, $$id ILIKE 'AUTH0|%'$$, $$id NOT LIKE '%@%'$$,
	$$id NOT ILIKE '%EXAMPLE%'$$, $$id LIKE 'x\%y%'$$, $$id LIKE '%'$$, $$id LIKE ''$$,
	$$id LIKE 'auth0|%'::text$$, $$id LIKE 'auth0|%'::varchar$$, $$id LIKE alt || '%'$$, $$alt LIKE id$$,
	$$'auth0|x' LIKE id$$, $$id ~ '^[0-9]+$'$$, $$id ~* '^USER@'$$, $$id !~ '-'$$, $$id !~* 'AUTH0'$$,
	$$id ~ alt$$, $$id ~ '^[0-9a-f-]{36}$'::varchar$$, $$id SIMILAR TO '%(@|\|)%'$$, $$id ^@ 'auth0'$$,
	$$id ^@ alt$$, $$starts_with(id, 'auth0')$$
]) WITH ORDINALITY AS e(e, o), LATERAL pg_temp.same(e, 'ids_v') AS s ORDER BY o;

-- String functions: as over the varchar column (in its collation, as the
-- implicit cast to text gives the database's default).
SELECT s.* FROM unnest(ARRAY[
	$$lower(id)$$, $$upper(id)$$, $$initcap(id)$$, $$length(id)$$, $$char_length(id)$$, $$octet_length(id)$$,
	$$bit_length(id)$$, $$substr(id, 2, 3)$$, $$substring(id from 2 for 3)$$, $$substring(id from '[0-9]+')$$,
	$$left(id, 5)$$, $$right(id, 5)$$, $$position('|' in id)$$, $$strpos(id, '-')$$, $$replace(id, '-', '')$$,
	$$split_part(id, '|', 1)$$, $$trim(id)$$, $$btrim(id)$$, $$ltrim(id)$$, $$rtrim(id)$$, $$trim(both '0' from id)$$,
	$$lpad(id, 6, '*')$$, $$rpad(id, 6, '*')$$, $$reverse(id)$$, $$repeat(id, 2)$$, $$md5(id)$$,
	$$translate(id, 'abc', 'ABC')$$, $$ascii(id)$$, $$concat(id, '!')$$, $$concat_ws(',', id, alt)$$,
	$$format('<%s>', id)$$, $$id || '!'$$, $$'!' || id$$, $$id || id$$, $$id || alt$$, $$alt || id$$, $$id || n$$,
	$$quote_literal(id)$$, $$quote_ident(id)$$, $$quote_nullable(id)$$, $$regexp_replace(id, '[0-9]', '#', 'g')$$,
	$$(regexp_match(id, '[0-9]+'))[1]$$, $$regexp_split_to_array(id, '[|@]')$$, $$string_to_array(id, '|')$$,
	$$encode(convert_to(id, 'UTF8'), 'hex')$$, $$to_tsvector('simple', id)$$, $$id::bytea$$, $$to_json(id)$$,
	$$jsonb_build_object('user', id)$$, $$row(id)::text$$, $$id::varchar(5)$$, $$id::char(5)$$, $$id::name$$,
	$$nullif(id, '')$$, $$nullif(id, alt)$$
]) WITH ORDINALITY AS e(e, o), LATERAL pg_temp.same(e, 'ids_v') AS s ORDER BY o;

-- COALESCE, CASE, GREATEST/LEAST with unknown literals, text and varchar:
-- with a literal the result is an external_id, with text or varchar
-- operands text or varchar; the values as over the varchar column in "C".
SELECT s.* FROM unnest(ARRAY[
	$$coalesce(id, 'anonymous')$$, $$coalesce(id, alt)$$, $$coalesce(alt, id)$$, $$coalesce(id, alt::text)$$,
	$$coalesce(id, 'x'::varchar(3))$$, $$coalesce(id, id)$$,
	$$CASE WHEN n > 10 THEN id ELSE 'other' END$$, $$CASE WHEN n > 10 THEN id ELSE alt END$$,
	$$CASE WHEN n > 10 THEN alt ELSE id END$$, $$CASE id WHEN '9' THEN 'nine' ELSE 'other' END$$,
	$$greatest(id, 'm')$$, $$least(id, 'm')$$, $$greatest(id, alt)$$, $$least(id, alt, 'm')$$
]) WITH ORDINALITY AS e(e, o), LATERAL pg_temp.same(e, 'ids_c') AS s ORDER BY o;

-- Comparisons: with literals, text, varchar and name values the same as
-- over the varchar column in "C", except where a uuid is spelled another way
-- in its standard layout (the one documented difference: the external_id
-- reads it as the uuid, so upper case finds the stored lower case).
SELECT s.* FROM unnest(ARRAY[
	$$id = 'auth0|ABC'$$, $$id = 'auth0|ABC'::varchar$$, $$id = 'auth0|ABC'::text$$, $$id = alt$$, $$alt = id$$,
	$$id <> alt$$, $$id < alt$$, $$id <= alt$$, $$id > alt$$, $$id >= alt$$, $$alt < id$$,
	$$id < 'auth0|'$$, $$id > 'auth0|'$$, $$id > 'auth0|'::varchar$$, $$id BETWEEN '1' AND '9'$$,
	$$id IN ('9', '10', '')$$, $$id IN ('9'::varchar, alt)$$, $$id NOT IN ('9', '10')$$,
	$$id = ANY (ARRAY['9', '007'])$$, $$id = ANY ('{9,007}'::varchar[])$$, $$id IS DISTINCT FROM alt$$,
	$$id = ''$$, $$id = ' padded '$$, $$id = current_user$$, $$id = 'postgres'::name$$, $$id < 'm'::name$$,
	$$id = '1aac01a8-a985-4cd1-aad6-7e12b25da1bc'::uuid::text$$,
	$$id = '1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC'$$, $$id = upper(id)$$
]) WITH ORDINALITY AS e(e, o), LATERAL pg_temp.same(e, 'ids_c') AS s ORDER BY o;

-- Aggregates, ordering, grouping and set operations over the whole column,
-- as over the varchar column in "C".
CREATE FUNCTION pg_temp.same_query(q text) RETURNS TABLE (query text, result text)
LANGUAGE plpgsql AS $$
DECLARE
	a text;
	b text;
BEGIN
	EXECUTE format('SELECT array_agg(x::text)::text FROM (%s) s(x)', q) INTO a;
	EXECUTE format('SELECT array_agg(x::text)::text FROM (%s) s(x)', replace(q, 'FROM ids', 'FROM ids_c')) INTO b;
	RETURN QUERY SELECT q, CASE WHEN a IS NOT DISTINCT FROM b THEN 'same' ELSE 'external_id ' || a || ' varchar ' || b END;
END
$$;
SELECT s.* FROM unnest(ARRAY[
	$$SELECT min(id) FROM ids$$, $$SELECT max(id) FROM ids$$, $$SELECT min(id) FROM ids WHERE n > 10$$,
	$$SELECT string_agg(id, ',' ORDER BY id) FROM ids$$, $$SELECT string_agg(id, ',' ORDER BY n) FROM ids$$,
	$$SELECT array_agg(id ORDER BY id DESC) FROM ids$$, $$SELECT count(DISTINCT id) FROM ids$$,
	$$SELECT count(id) FROM ids$$, $$SELECT id FROM ids ORDER BY id$$, $$SELECT id FROM ids ORDER BY id DESC NULLS LAST$$,
	$$SELECT DISTINCT id FROM ids ORDER BY 1$$, $$SELECT length(id) FROM ids GROUP BY length(id) ORDER BY 1$$,
	$$SELECT left(id, 1) FROM ids GROUP BY 1 ORDER BY 1$$, $$SELECT id FROM ids WHERE id LIKE 'auth0|%' ORDER BY id$$,
	$$SELECT x FROM (SELECT id FROM ids UNION SELECT id FROM app_users) u(x) ORDER BY 1$$,
	$$SELECT x FROM (SELECT id FROM ids INTERSECT SELECT id FROM app_users) u(x) ORDER BY 1$$,
	$$SELECT x FROM (SELECT id FROM ids EXCEPT SELECT id FROM app_users) u(x) ORDER BY 1$$,
	$$SELECT x FROM (SELECT id FROM ids UNION ALL SELECT 'literal') u(x) ORDER BY 1$$,
	$$SELECT x FROM (SELECT id FROM ids UNION SELECT alt::text FROM ids) u(x) ORDER BY 1$$,
	$$SELECT x FROM (VALUES ((SELECT id FROM ids WHERE n = 1)), ('v'::varchar)) v(x) ORDER BY 1$$,
	$$SELECT n FROM ids WHERE id IN (SELECT id FROM app_users) ORDER BY 1$$,
	$$SELECT n FROM ids t JOIN app_users u ON u.id = t.id ORDER BY 1$$,
	$$SELECT n FROM ids t WHERE EXISTS (SELECT FROM app_users u WHERE u.id = t.id) ORDER BY 1$$,
	$$SELECT n FROM ids t WHERE id = (SELECT max(id) FROM app_users) ORDER BY 1$$
]) WITH ORDINALITY AS q(q, o), LATERAL pg_temp.same_query(q) AS s ORDER BY o;
-- The result types of the set operations and of min/max.
SELECT pg_typeof(x) FROM (SELECT id FROM ids UNION SELECT id FROM app_users) u(x) LIMIT 1;
SELECT pg_typeof(x) FROM (SELECT id FROM ids UNION SELECT 'literal') u(x) LIMIT 1;
SELECT pg_typeof(x) FROM (SELECT id FROM ids UNION SELECT id::text FROM app_users) u(x) LIMIT 1;
SELECT pg_typeof(min(id)), pg_typeof(max(id)), pg_typeof(string_agg(id, ',')) FROM ids;

-- No combination of an external_id with another operand type is ambiguous
-- where it is not for varchar, each one that resolves for varchar resolves,
-- and the comparisons resolve to the type's own operators (which use its
-- indexes), the rest to text's.  resolve(expr): the operators an expression
-- uses (read from the parse tree of a view) and its type, or the error.
CREATE FUNCTION pg_temp.resolve(expr text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	r text;
BEGIN
	EXECUTE format('CREATE TEMP VIEW resolve_v AS SELECT %s AS x FROM (SELECT NULL::swisper.external_id AS e, '
		'NULL::text AS t, NULL::varchar AS v, NULL::bpchar AS b, NULL::name AS nm, NULL::uuid AS u, '
		'NULL::"char" AS c, NULL::varchar COLLATE "C" AS vc) s', expr);
	SELECT coalesce((SELECT string_agg(DISTINCT m[1]::oid::regoperator::text, ' ')
					   FROM regexp_matches(w.ev_action::text, ':opno (\d+)', 'g') AS m), '(no operator)')
		|| ' -> ' || format_type(a.atttypid, NULL)
	  INTO r
	  FROM pg_rewrite w, pg_attribute a
	 WHERE w.ev_class = 'resolve_v'::regclass AND a.attrelid = 'resolve_v'::regclass AND a.attnum = 1;
	DROP VIEW resolve_v;
	RETURN r;
EXCEPTION WHEN others THEN
	RETURN SQLSTATE || ' ' || SQLERRM;
END
$$;
CREATE TEMP TABLE combos AS
SELECT op, l, r,
	pg_temp.resolve(format('%s %s %s', l, op, r)) AS external_id,
	pg_temp.resolve(format('%s %s %s', replace(l, 'e', 'v'), op, replace(r, 'e', 'v'))) AS as_varchar
FROM unnest(ARRAY['=', '<>', '<', '<=', '>', '>=', '~~', '~~*', '!~~', '!~~*', '~', '~*', '!~', '!~*', '||', '^@']) AS op,
	unnest(ARRAY['e', 't', 'v', 'b', 'nm', 'u', 'c', 'vc', $$'lit'$$]) AS l,
	unnest(ARRAY['e', 't', 'v', 'b', 'nm', 'u', 'c', 'vc', $$'lit'$$]) AS r
WHERE l = 'e' OR r = 'e';
-- ambiguous (42725): only where it is for varchar too
SELECT op, l, r, external_id, as_varchar FROM combos WHERE external_id LIKE '42725%' OR as_varchar LIKE '42725%';
-- resolves for varchar but not for external_id: none
SELECT op, l, r, external_id, as_varchar FROM combos
WHERE external_id ~ '^[0-9A-Z]{5} ' AND as_varchar !~ '^[0-9A-Z]{5} ';
-- the same operator as for varchar, but for the comparisons: none differs
SELECT op, l, r, external_id, as_varchar FROM combos
WHERE op NOT IN ('=', '<>', '<', '<=', '>', '>=') AND external_id IS DISTINCT FROM as_varchar
  AND NOT (external_id ~ '^[0-9A-Z]{5} ' AND as_varchar ~ '^[0-9A-Z]{5} ');
-- every combination, and what it resolves to (e external_id, t text,
-- v varchar, b char, nm name, u uuid, c "char", vc varchar in "C")
SELECT op, l, r, external_id FROM combos ORDER BY array_position(ARRAY['=', '<>', '<', '<=', '>', '>=', '~~', '~~*', '!~~', '!~~*', '~', '~*', '!~', '!~*', '||', '^@'], op), l COLLATE "C", r COLLATE "C";
-- What resolves for external_id and not for varchar: the comparisons with uuid.
SELECT op, l, r FROM combos
WHERE as_varchar ~ '^[0-9A-Z]{5} ' AND external_id !~ '^[0-9A-Z]{5} ' ORDER BY 1, 2, 3;
-- The common type of external_id with each other type, as COALESCE, CASE,
-- GREATEST and IN choose it, beside what varchar gets.
CREATE TEMP TABLE common_types AS
SELECT f, o, pg_temp.resolve(format(f, 'e', o)) AS external_id, pg_temp.resolve(format(f, 'v', o)) AS as_varchar
FROM unnest(ARRAY['coalesce(%s, %s)', 'coalesce(%2$s, %1$s)', 'CASE WHEN true THEN %s ELSE %s END',
		'greatest(%s, %s)', '%s IN (%s, %2$s)']) WITH ORDINALITY AS f(f, fo),
	unnest(ARRAY['e', 't', 'v', 'b', 'nm', 'u', 'vc', $$'lit'$$, '1']) WITH ORDINALITY AS o(o, oo)
ORDER BY fo, oo;
SELECT * FROM common_types;
-- fails for external_id where it works for varchar: none
SELECT f, o FROM common_types WHERE external_id ~ '^[0-9A-Z]{5} ' AND as_varchar !~ '^[0-9A-Z]{5} ';

-- The order is the canonical text's under COLLATE "C", for every kind mixed:
-- integers, uuids, texts that are prefixes of one another, the empty text,
-- control characters, non-ASCII; by a sort with abbreviated keys, by a sort
-- without them, by an index, and with min/max.
CREATE TABLE mixed (id swisper.external_id);
INSERT INTO mixed
SELECT CASE i % 9
		WHEN 0 THEN (i * 7919)::text
		WHEN 1 THEN (i % 1000)::text
		WHEN 2 THEN md5(i::text)::uuid::text
		WHEN 3 THEN upper(md5(i::text)::uuid::text)
		WHEN 4 THEN left(md5(i::text), 1 + i % 12)
		WHEN 5 THEN 'auth0|' || left(md5(i::text), i % 8)
		WHEN 6 THEN repeat(chr(1 + i % 40), 1 + i % 3) || i
		WHEN 7 THEN left(md5(i::text)::uuid::text, i % 37)
		ELSE substr('Zoë Ångström 用户 ~', 1 + i % 17) END
FROM generate_series(1, 30000) AS i;
INSERT INTO mixed VALUES (''), (''), (NULL), ('9223372036854775807'), ('0'), ('00'), ('-1');
-- sort with abbreviated keys (one key: the default), and the text order
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SELECT (SELECT array_agg(id ORDER BY id) FROM mixed)::text[]
	 = (SELECT array_agg(id::text ORDER BY id::text COLLATE "C") FROM mixed) AS sorted_as_text_in_c,
	(SELECT array_agg(id ORDER BY id DESC) FROM mixed)::text[]
	 = (SELECT array_agg(id::text ORDER BY id::text COLLATE "C" DESC) FROM mixed) AS desc_as_text_in_c;
-- a sort on two keys (no abbreviation) gives the same
SELECT (SELECT array_agg(id ORDER BY id, length(id)) FROM mixed)::text[]
	 = (SELECT array_agg(id::text ORDER BY id::text COLLATE "C") FROM mixed) AS two_key_sort_as_text;
-- an index built by sorting, checked by amcheck, read in order
CREATE EXTENSION IF NOT EXISTS amcheck;
CREATE INDEX mixed_id ON mixed (id);
SELECT bt_index_check('mixed_id', true);
RESET enable_indexscan;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM mixed ORDER BY id;
SELECT (SELECT array_agg(id) FROM (SELECT id FROM mixed ORDER BY id) s)::text[]
	 = (SELECT array_agg(id::text ORDER BY id::text COLLATE "C") FROM mixed) AS index_order_as_text;
-- min and max read from the index, and equal to the text's in "C"
EXPLAIN (COSTS OFF) SELECT min(id), max(id) FROM mixed;
SELECT min(id) = (SELECT min(id::text COLLATE "C") FROM mixed) AS min_as_text,
	max(id) = (SELECT max(id::text COLLATE "C") FROM mixed) AS max_as_text FROM mixed;
RESET enable_seqscan;
RESET enable_bitmapscan;
-- every operator agrees with the text comparison, on a sample of pairs
SELECT count(*) AS pairs,
	count(*) FILTER (WHERE (a.id < b.id) = (a.id::text < b.id::text COLLATE "C")
		AND (a.id <= b.id) = (a.id::text <= b.id::text COLLATE "C")
		AND (a.id > b.id) = (a.id::text > b.id::text COLLATE "C")
		AND (a.id = b.id) = (a.id::text = b.id::text)
		AND (a.id < b.id::text) = (a.id::text < b.id::text COLLATE "C")
		AND (a.id::varchar > b.id) = (a.id::text > b.id::text COLLATE "C")
		AND sign(swisper.external_id_cmp(a.id, b.id)) = sign(bttextcmp(a.id::text COLLATE "C", b.id::text COLLATE "C"))) AS as_text
FROM (SELECT id FROM mixed WHERE id IS NOT NULL ORDER BY md5(id) LIMIT 300) a,
	(SELECT id FROM mixed WHERE id IS NOT NULL ORDER BY md5(id) DESC LIMIT 300) b;
-- ranges over a mixed index are text ranges
SELECT count(*) = (SELECT count(*) FROM mixed WHERE id::text >= '1' COLLATE "C" AND id::text < '2' COLLATE "C") AS range_as_text
FROM mixed WHERE id >= '1' AND id < '2';
DROP TABLE mixed;

-- Index use: = with every kind of operand, IN and = ANY, on a B-tree and on
-- a hash index, in custom and generic plans (PREPARE with the parameter
-- types asyncpg and SQLAlchemy send: $1::VARCHAR).
CREATE TABLE bt (id swisper.external_id, n int);
INSERT INTO bt SELECT CASE i % 3 WHEN 0 THEN md5(i::text)::uuid::text WHEN 1 THEN i::text ELSE 'user-' || i END, i
FROM generate_series(1, 5000) AS i;
CREATE INDEX bt_id ON bt (id);
CREATE TABLE hs (id swisper.external_id, n int);
INSERT INTO hs SELECT id, n FROM bt;
CREATE INDEX hs_id ON hs USING hash (id);
ANALYZE bt;
ANALYZE hs;
SET enable_seqscan = off;
-- custom plans, literal operands of every type
CREATE FUNCTION pg_temp.plan(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
	line text;
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
		RETURN NEXT line;
	END LOOP;
END
$$;
SELECT t AS tbl, w AS "where", string_agg(trim(p), ' / ') AS plan
FROM unnest(ARRAY['bt', 'hs']) AS t,
	unnest(ARRAY[$$id = 'user-2'$$, $$id = 'user-2'::text$$, $$id = 'user-2'::varchar$$, $$'user-2'::varchar = id$$,
		$$id = 'user-2'::varchar(36)$$, $$id = 'user-2'::bpchar$$, $$id = 'user-2'::name$$,
		$$id = 'eccbc87e-4b5c-e2fe-2830-8fd9f2a7baf3'::uuid$$, $$'eccbc87e-4b5c-e2fe-2830-8fd9f2a7baf3'::uuid = id$$,
		$$id = '{ECCBC87E-4B5C-E2FE-2830-8FD9F2A7BAF3}'$$,
		$$id IN ('user-2', '7')$$, $$id IN ('user-2'::varchar, '7'::varchar)$$, $$id IN ('user-2'::text, '7'::text)$$,
		$$id = ANY (ARRAY['user-2', '7'])$$, $$id = ANY ('{user-2,7}'::varchar[])$$,
		$$id = ANY ('{eccbc87e-4b5c-e2fe-2830-8fd9f2a7baf3}'::uuid[])$$]) WITH ORDINALITY AS w(w, o),
	LATERAL pg_temp.plan(format('SELECT n FROM %s WHERE %s', t, w)) AS p
GROUP BY t, w, o ORDER BY t, o;
-- and they find the rows
SELECT w AS "where", (SELECT array_agg(n ORDER BY n) FROM bt WHERE CASE w
		WHEN 'text' THEN id = 'user-2'::text WHEN 'varchar' THEN id = 'user-2'::varchar
		WHEN 'name' THEN id = 'user-2'::name WHEN 'uuid' THEN id = 'eccbc87e-4b5c-e2fe-2830-8fd9f2a7baf3'::uuid
		WHEN 'in' THEN id IN ('user-2'::varchar, '7'::varchar) WHEN 'any' THEN id = ANY ('{user-2,7}'::varchar[])
		WHEN 'any uuid' THEN id = ANY ('{eccbc87e-4b5c-e2fe-2830-8fd9f2a7baf3}'::uuid[]) END) AS rows
FROM unnest(ARRAY['text', 'varchar', 'name', 'uuid', 'in', 'any', 'any uuid']) AS w;
-- LIKE with a prefix uses an expression index over the text, as over a
-- varchar column (the implicit cast is the indexed expression)
CREATE INDEX bt_id_pattern ON bt ((id::text) text_pattern_ops);
EXPLAIN (COSTS OFF) SELECT n FROM bt WHERE id LIKE 'user-12%';
SELECT count(*) FROM bt WHERE id LIKE 'user-12%';
-- prepared statements with the parameter types of the drivers, custom and
-- generic plans
PREPARE q_varchar(varchar) AS SELECT n FROM bt WHERE id = $1;
PREPARE q_text(text) AS SELECT n FROM bt WHERE id = $1;
PREPARE q_unknown AS SELECT n FROM bt WHERE id = $1;
PREPARE q_uuid(uuid) AS SELECT n FROM bt WHERE id = $1;
PREPARE q_in(varchar, varchar) AS SELECT n FROM bt WHERE id IN ($1, $2);
PREPARE q_any(varchar[]) AS SELECT n FROM bt WHERE id = ANY ($1);
PREPARE q_any_uuid(uuid[]) AS SELECT n FROM bt WHERE id = ANY ($1);
PREPARE q_hash_varchar(varchar) AS SELECT n FROM hs WHERE id = $1;
PREPARE q_hash_uuid(uuid) AS SELECT n FROM hs WHERE id = $1;
PREPARE q_varchar_rev(varchar) AS SELECT n FROM bt WHERE $1 = id;
SET plan_cache_mode = force_custom_plan;
EXPLAIN (COSTS OFF) EXECUTE q_varchar('user-2');
EXPLAIN (COSTS OFF) EXECUTE q_in('user-2', '7');
EXPLAIN (COSTS OFF) EXECUTE q_any('{user-2,7}');
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE q_varchar('user-2');
EXPLAIN (COSTS OFF) EXECUTE q_text('user-2');
EXPLAIN (COSTS OFF) EXECUTE q_unknown('user-2');
EXPLAIN (COSTS OFF) EXECUTE q_uuid('eccbc87e-4b5c-e2fe-2830-8fd9f2a7baf3');
EXPLAIN (COSTS OFF) EXECUTE q_in('user-2', '7');
EXPLAIN (COSTS OFF) EXECUTE q_any('{user-2,7}');
EXPLAIN (COSTS OFF) EXECUTE q_any_uuid('{eccbc87e-4b5c-e2fe-2830-8fd9f2a7baf3}');
EXPLAIN (COSTS OFF) EXECUTE q_hash_varchar('user-2');
EXPLAIN (COSTS OFF) EXECUTE q_hash_uuid('eccbc87e-4b5c-e2fe-2830-8fd9f2a7baf3');
EXPLAIN (COSTS OFF) EXECUTE q_varchar_rev('user-2');
EXECUTE q_varchar('user-2');
EXECUTE q_varchar('{ECCBC87E-4B5C-E2FE-2830-8FD9F2A7BAF3}');
EXECUTE q_varchar('');
EXECUTE q_uuid('eccbc87e-4b5c-e2fe-2830-8fd9f2a7baf3');
EXECUTE q_in('user-2', '7');
EXECUTE q_any('{user-2,7,""," x"}');
EXECUTE q_hash_varchar('user-2');
EXECUTE q_hash_uuid('eccbc87e-4b5c-e2fe-2830-8fd9f2a7baf3');
RESET plan_cache_mode;
RESET enable_seqscan;
DEALLOCATE ALL;

-- A role that may read the table but has no USAGE on schema swisper (an
-- application's role, granted SELECT before the install) runs every query
-- shape: the operators, casts and aggregates it reaches are found without
-- looking into the schema.
CREATE ROLE regress_extid_reader;
GRANT SELECT ON bt TO regress_extid_reader;
SET ROLE regress_extid_reader;
SELECT has_schema_privilege('swisper', 'USAGE') AS usage_on_swisper;
SELECT n FROM bt WHERE id = 'user-2'::varchar;
SELECT n FROM bt WHERE id = 'eccbc87e-4b5c-e2fe-2830-8fd9f2a7baf3'::uuid;
SELECT n FROM bt WHERE id = 'user-2'::name;
SELECT count(*) FROM bt WHERE id IN ('user-2'::varchar, '7'::varchar) OR id = ANY ('{9}'::text[]);
SELECT count(*), min(id), max(id), min(lower(id)) FROM bt WHERE id LIKE 'user-1%';
RESET ROLE;
REVOKE SELECT ON bt FROM regress_extid_reader;
DROP ROLE regress_extid_reader;

DROP TABLE ids, ids_v, app_users, bt, hs;
