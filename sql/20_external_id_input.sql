-- swisper.external_id: text input and output, the three kinds, every text
-- a value (the empty string, blanks, control characters, any length), the
-- strict rules of is_valid_external_id() and the domain strict_external_id,
-- casts and the helper functions.
\i test/fixtures/reset.sql

-- try_input(v): the outcome of the text input function on v (a literal,
-- through external_id_in), as "<kind> <output as JSON>", followed by
-- "(as given)" when the output is v byte for byte; the cast from text must
-- give the same value.  Errors are shown as "<SQLSTATE> <message>".
CREATE FUNCTION pg_temp.try_input(v text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	r swisper.external_id;
	outcome text;
BEGIN
	BEGIN
		EXECUTE format('SELECT %L::swisper.external_id', v) INTO r;
		outcome := swisper.external_id_kind(r) || ' ' || to_json(r::text)::text
			|| CASE WHEN r::text = v AND octet_length(r::text) = octet_length(v) THEN ' (as given)' ELSE '' END;
		IF v::swisper.external_id IS DISTINCT FROM r OR swisper.external_id_send(v::swisper.external_id) <> swisper.external_id_send(r) THEN
			outcome := outcome || ' [MISMATCH: the cast from text differs]';
		END IF;
	EXCEPTION WHEN others THEN
		outcome := SQLSTATE || ' ' || SQLERRM;
	END;
	RETURN outcome;
END
$$;

-- uuid_accepts(v): does PostgreSQL's own uuid input accept v?
CREATE FUNCTION pg_temp.uuid_accepts(v text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	PERFORM v::uuid;
	RETURN true;
EXCEPTION WHEN invalid_text_representation THEN
	RETURN false;
END
$$;

-- A uuid in its standard layout (8-4-4-4-12 digits with hyphens), in any
-- case, optionally in braces, is the uuid kind, printed lower-case.
SELECT v, pg_temp.uuid_accepts(v), pg_temp.try_input(v)
FROM (VALUES
	('1aac01a8-a985-4cd1-aad6-7e12b25da1bc'),
	('1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC'),
	('1aAc01A8-a985-4Cd1-aad6-7E12B25dA1Bc'),
	('{1aac01a8-a985-4cd1-aad6-7e12b25da1bc}'),
	('{1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC}'),
	('00000000-0000-0000-0000-000000000000'),
	('ffffffff-ffff-ffff-ffff-ffffffffffff')
) AS t(v);

-- Other spellings that PostgreSQL's uuid input takes are not unambiguously
-- uuids (32 digits without hyphens are as often an MD5 digest or a hex
-- token): text, byte for byte.  So are near-uuids that uuid rejects.
SELECT v, pg_temp.uuid_accepts(v), pg_temp.try_input(v)
FROM (VALUES
	('1AAC01A8A9854CD1AAD67E12B25DA1BC'),
	('1aac01a8a9854cd1aad67e12b25da1bc'),
	('{1AAC01A8A9854CD1AAD67E12B25DA1BC}'),
	('1aac-01a8-a985-4cd1-aad6-7e12-b25d-a1bc'),
	('1aac01a8a985-4cd1aad67e12b25da1bc'),
	('{1aac-01a8a985-4cd1aad6-7e12b25da1bc}'),
	('1aac01a8-a985-4cd1-aad6-7e12b25da1b'),      -- 31 digits
	('1aac01a8-a985-4cd1-aad6-7e12b25da1bc0'),    -- 33 digits
	('1aac01a8-a985-4cd1-aad6-7e12b25da1bc-'),    -- trailing hyphen
	('-1aac01a8-a985-4cd1-aad6-7e12b25da1bc'),    -- leading hyphen
	('1aac01a8--a985-4cd1-aad6-7e12b25da1bc'),    -- double hyphen
	('1aa-c01a8-a985-4cd1-aad6-7e12b25da1bc'),    -- hyphen inside a group
	('{1aac01a8-a985-4cd1-aad6-7e12b25da1bc'),    -- unbalanced braces
	('1aac01a8-a985-4cd1-aad6-7e12b25da1bc}'),
	('{{1aac01a8-a985-4cd1-aad6-7e12b25da1bc}}'),
	('(1aac01a8-a985-4cd1-aad6-7e12b25da1bc)'),
	('1aac01a8-a985-4cd1-aad6-7e12b25da1bg'),     -- not hex
	('1aac01a8 a985 4cd1 aad6 7e12b25da1bc'),     -- blanks inside
	(' 1aac01a8-a985-4cd1-aad6-7e12b25da1bc'),    -- a blank before
	('urn:uuid:1aac01a8-a985-4cd1-aad6-7e12b25da1bc')
) AS t(v);

-- Integers: canonical decimals in bigint range are the integer kind (they
-- print back identical); every other spelling stays text, so no two
-- different texts collapse.
SELECT v, pg_temp.try_input(v)
FROM (VALUES
	('0'), ('7'), ('12345'), ('9223372036854775807'),
	('9223372036854775808'),   -- over bigint: text
	('012345'), ('007'), ('00'), ('+5'), ('-5'), ('-0'), ('1e3'), ('12345.0'),
	('12 345'), (' 5'), ('5 '), ('١٢٣')        -- Arabic-Indic digits: text
) AS t(v);

-- Opaque ids, byte-exact (case, inner blanks, non-ASCII kept).
SELECT v, pg_temp.try_input(v)
FROM (VALUES
	('external-swisper-user-12345'),
	('auth0|5f7c8ec7c33c6c004bbafe82'),
	('Jane.Doe+tag@example.com'),
	('jane.doe+tag@example.com'),
	('Zoë Ångström'),
	('用户-42'),
	('👩‍💻'),
	('a'), ('x x'), ('"quoted"'), ('\'), ('{}'), ('NULL')
) AS t(v);

-- What a text column holds and the old type refused: the empty string,
-- blanks at either end or alone, control characters (a tab, a newline, and
-- a value that starts with one), DEL.  All are values, byte for byte.
SELECT to_json(v)::text AS v, pg_temp.try_input(v)
FROM (VALUES
	(''), (' '), ('  '), (' abc'), ('abc '), (' x x '),
	(E'abc\n'), (E'a\tb'), (E'\r'), (E'x\x1fy'), (E'\x7f'), (E'\x01leading'), (E'\x1f'),
	(E'\t1aac01a8-a985-4cd1-aad6-7e12b25da1bc')
) AS t(v);
-- Every character text can hold below U+0080 (U+0001 to U+007F), alone, at
-- the start, inside and at the end of a value, comes back as given.
SELECT count(*) AS values_tried,
	count(*) FILTER (WHERE v::swisper.external_id::text = v AND (v::swisper.external_id)::text = v) AS as_given,
	count(*) FILTER (WHERE swisper.external_id_kind(v::swisper.external_id) = 'text') AS text_kind
FROM generate_series(1, 127) AS c,
	LATERAL (VALUES (chr(c)), (chr(c) || 'ab'), ('a' || chr(c) || 'b'), ('ab' || chr(c))) AS t(v)
WHERE c NOT BETWEEN 48 AND 57;   -- digits alone are integers

-- Any length: 255, 256 and 300 bytes, 1 MB, 10 MB of text; a 300-character
-- id of multi-byte characters.
SELECT n AS bytes, octet_length(v::swisper.external_id::text) = n AS same_length,
	md5(v::swisper.external_id::text) = md5(v) AS same_bytes,
	swisper.external_id_kind(v::swisper.external_id) AS kind
FROM (SELECT n, repeat('x', n - 1) || 'y' AS v FROM unnest(ARRAY[255, 256, 300, 1048576, 10485760]) AS n) t;
SELECT length(v) AS chars, octet_length(v) AS bytes, v::swisper.external_id::text = v AS as_given
FROM (SELECT repeat('é', 150) || repeat('用', 150) AS v) t;

-- Literals go through the same input function.
SELECT 'x '::swisper.external_id AS trailing_blank, ''::swisper.external_id AS empty,
	octet_length(''::swisper.external_id::text) AS empty_length,
	''::swisper.external_id IS NULL AS empty_is_null;

-- The strict rules of the old type are a function, never a refusal:
-- swisper.is_valid_external_id() is true for 1 to 255 bytes without control
-- characters and without a blank at either end...
SELECT left(to_json(v)::text, 40) AS value, octet_length(v) AS bytes, swisper.is_valid_external_id(v) AS valid
FROM (VALUES
	('auth0|x'), ('1aac01a8a9854cd1aad67e12b25da1bc'), ('x x'), (repeat('x', 255)), (repeat('é', 127) || 'x'),
	(''), (' '), (' a'), ('a '), (E'a\tb'), (E'a\x7f'), (E'\x01a'),
	(repeat('x', 256)), (repeat('é', 128))   -- 256 bytes: the limit counts bytes
) AS t(v);
SELECT count(*) AS control_chars_invalid
FROM generate_series(1, 31) AS c
WHERE NOT swisper.is_valid_external_id('a' || chr(c) || 'b');
-- ...and the domain swisper.strict_external_id refuses the others, for
-- those who want validation (23514, naming the domain).
CREATE TABLE strict_ids (id swisper.strict_external_id);
INSERT INTO strict_ids VALUES ('auth0|x'), ('{1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC}');
INSERT INTO strict_ids VALUES ('');
INSERT INTO strict_ids VALUES (' padded');
INSERT INTO strict_ids VALUES (E'tab\there');
INSERT INTO strict_ids VALUES (repeat('x', 256));
SELECT id, pg_typeof(id), swisper.external_id_kind(id) FROM strict_ids ORDER BY id;
-- The domain has the type's operators and index support.
CREATE INDEX strict_ids_id ON strict_ids (id);
SELECT count(*) FROM strict_ids WHERE id = '1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC'::varchar;
DROP TABLE strict_ids;

-- Casts: text, varchar and uuid by assignment; to text, varchar, char and name
-- implicitly (so text functions apply); to uuid explicitly, as text::uuid.
CREATE TABLE ids (id swisper.external_id);
INSERT INTO ids VALUES ('{1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC}'::text);
INSERT INTO ids VALUES ('12345'::varchar);
INSERT INTO ids VALUES ('auth0|abc'::character varying(40));
INSERT INTO ids VALUES ('9b2f8a64-0f8c-4b8e-8a3e-2a1f0c9e7d10'::uuid);
INSERT INTO ids VALUES ('1AAC01A8A9854CD1AAD67E12B25DA1BC'::text);
INSERT INTO ids VALUES (NULL);
INSERT INTO ids VALUES (' padded'::text);
INSERT INTO ids VALUES (''::varchar);
-- As in a varchar column, an integer is stored through its text
-- (assignment by I/O conversion, the type being of the string category).
INSERT INTO ids VALUES (4242);
SELECT to_json(id::text)::text AS value, swisper.external_id_kind(id) FROM ids ORDER BY id;
CREATE TABLE back_to_text (t text, v varchar, c char(40));
INSERT INTO back_to_text SELECT id, id, id FROM ids WHERE id IS NOT NULL;
SELECT to_json(t)::text AS text_value, to_json(v)::text AS varchar_value, to_json(c)::text AS char_value
FROM back_to_text ORDER BY t COLLATE "C";
SELECT id, id::uuid FROM ids WHERE id LIKE '%-%' OR id ~ '^[0-9A-F]{32}$' ORDER BY 1;
SELECT id::uuid FROM ids WHERE id = '12345';
SELECT id::uuid FROM ids WHERE id = '';
-- As with a varchar column: no implicit cast from integers.
SELECT id FROM ids WHERE id = 12345;
-- Explicit casts to other types go through the text, as from varchar.
SELECT id::bigint + 1 AS plus_one, id::numeric FROM ids WHERE id = '12345';
SELECT castsource::regtype, casttarget::regtype, castcontext, castmethod
FROM pg_cast
WHERE castsource = 'swisper.external_id'::regtype OR casttarget = 'swisper.external_id'::regtype
ORDER BY castsource::regtype::text COLLATE "C", casttarget::regtype::text COLLATE "C";
SELECT typname, typcategory, typispreferred, typcollation <> 0 AS collatable
FROM pg_type WHERE oid = 'swisper.external_id'::regtype;

-- NULL in, NULL out (STRICT).
SELECT swisper.is_valid_external_id(NULL), swisper.external_id_kind(NULL);

-- A column can be converted from text with ALTER TABLE (the assignment cast,
-- no USING), and back, every value as it was except the uuid's case.
CREATE TABLE conv (u varchar);
INSERT INTO conv VALUES ('1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC'), ('1AAC01A8A9854CD1AAD67E12B25DA1BC'),
	('007'), ('u-1'), (''), (' u-1 '), (E'a\tb');
ALTER TABLE conv ALTER COLUMN u TYPE swisper.external_id;
SELECT to_json(u::text)::text AS value, swisper.external_id_kind(u) FROM conv ORDER BY u;
ALTER TABLE conv ALTER COLUMN u TYPE text;
SELECT to_json(u)::text AS value FROM conv ORDER BY u COLLATE "C";

-- Every function, operator, operator class and family, cast, aggregate, the
-- domain and the type carry a comment.
SELECT pg_describe_object(d.classid, d.objid, 0) AS object_without_comment
FROM pg_depend d
WHERE d.refclassid = 'pg_extension'::regclass
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'swisper_ext')
  AND d.deptype = 'e'
  AND pg_describe_object(d.classid, d.objid, 0) LIKE '%external_id%'
  AND obj_description(d.objid, d.classid::regclass::name) IS NULL;
SELECT count(*) AS commented_objects
FROM pg_depend d
WHERE d.refclassid = 'pg_extension'::regclass
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'swisper_ext')
  AND d.deptype = 'e'
  AND pg_describe_object(d.classid, d.objid, 0) LIKE '%external_id%'
  AND obj_description(d.objid, d.classid::regclass::name) IS NOT NULL;
-- Pure functions are IMMUTABLE STRICT PARALLEL SAFE; the aggregates too.
SELECT proname, provolatile, proisstrict, proparallel
FROM pg_proc
WHERE (pronamespace = 'swisper'::regnamespace AND proname LIKE '%external_id%'
	   OR 'swisper.external_id'::regtype = ANY (proargtypes::oid[]) AND pronamespace = 'pg_catalog'::regnamespace)
  AND (provolatile <> 'i' OR (NOT proisstrict AND prokind <> 'a') OR proparallel <> 's');

DROP TABLE ids, back_to_text, conv;
