-- swisper.external_id: text input and output, the three kinds, every
-- accepted and rejected form (with SQLSTATE, message and detail), casts and
-- the helper functions.
\i test/fixtures/reset.sql

-- try_input(v): the outcome of the text input function on v (a literal,
-- through external_id_in), as "ok <kind> <output>" or "<SQLSTATE> <message> |
-- <detail>"; and whether the cast from text and is_valid_external_id agree.
CREATE FUNCTION pg_temp.try_input(v text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	r swisper.external_id;
	outcome text;
	d text;
	cast_ok boolean;
BEGIN
	BEGIN
		EXECUTE format('SELECT %L::swisper.external_id', v) INTO r;
		outcome := 'ok ' || swisper.external_id_kind(r) || ' ' || r::text;
	EXCEPTION WHEN others THEN
		GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
		outcome := SQLSTATE || ' ' || SQLERRM || ' | ' || d;
	END;
	BEGIN
		PERFORM v::swisper.external_id;
		cast_ok := true;
	EXCEPTION WHEN others THEN
		cast_ok := false;
	END;
	IF cast_ok <> (outcome LIKE 'ok %') OR cast_ok <> swisper.is_valid_external_id(v) THEN
		outcome := outcome || ' [MISMATCH: cast ' || cast_ok || ', is_valid '
			|| swisper.is_valid_external_id(v) || ']';
	END IF;
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

-- Every uuid spelling PostgreSQL's uuid input accepts is the same value,
-- printed lower-case hyphenated.
SELECT v, pg_temp.uuid_accepts(v), pg_temp.try_input(v)
FROM (VALUES
	('1aac01a8-a985-4cd1-aad6-7e12b25da1bc'),
	('1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC'),
	('1AAC01A8A9854CD1AAD67E12B25DA1BC'),
	('1aac01a8a9854cd1aad67e12b25da1bc'),
	('1aAc01A8a9854Cd1aad67E12B25dA1Bc'),
	('{1aac01a8-a985-4cd1-aad6-7e12b25da1bc}'),
	('{1AAC01A8A9854CD1AAD67E12B25DA1BC}'),
	('1aac-01a8-a985-4cd1-aad6-7e12-b25d-a1bc'),
	('1aac01a8a985-4cd1aad67e12b25da1bc'),
	('{1aac-01a8a985-4cd1aad6-7e12b25da1bc}'),
	('00000000-0000-0000-0000-000000000000'),
	('ffffffff-ffff-ffff-ffff-ffffffffffff')
) AS t(v);

-- Near-uuid spellings that uuid rejects are opaque text, byte-exact.
SELECT v, pg_temp.uuid_accepts(v), pg_temp.try_input(v)
FROM (VALUES
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
	('urn:uuid:1aac01a8-a985-4cd1-aad6-7e12b25da1bc')
) AS t(v);

-- Integers: canonical decimals in bigint range are the integer kind; every
-- other spelling stays text, so no two different texts collapse.
SELECT v, pg_temp.try_input(v)
FROM (VALUES
	('0'), ('7'), ('12345'), ('9223372036854775807'),
	('9223372036854775808'),   -- over bigint: text
	('012345'), ('00'), ('+5'), ('-5'), ('-0'), ('1e3'), ('12345.0'),
	('12 345'), ('١٢٣')        -- Arabic-Indic digits: text
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
	('a'), (' x x '), ('x x'), ('"quoted"'), ('\'), ('{}'), ('NULL')
) AS t(v);

-- Rejected forms: empty, blanks at either end, control characters (every
-- one of U+0000-U+001F that text can hold, and U+007F), too long.
SELECT v, pg_temp.try_input(v)
FROM (VALUES
	(''), (' '), (' abc'), ('abc '), ('  '),
	(' 1aac01a8-a985-4cd1-aad6-7e12b25da1bc'),
	(E'abc\n'), (E'a\tb'), (E'\r'), (E'x\x1fy'), (E'\x7f'), (E'\x01leading')
) AS t(v);
SELECT count(*) AS control_chars_rejected
FROM generate_series(1, 31) AS c
WHERE pg_temp.try_input('a' || chr(c) || 'b') LIKE '22P02 invalid input syntax for type external_id: "a\\x__b" | The value contains the control character U+00__ at byte 2.';

-- The byte limit is 255 bytes of the database encoding, not 255 characters.
SELECT length(v) AS chars, octet_length(v) AS bytes, left(pg_temp.try_input(v), 40) AS outcome
FROM (VALUES
	(repeat('x', 255)), (repeat('x', 256)), (repeat('é', 127) || 'x'), (repeat('é', 128))
) AS t(v);
SELECT pg_temp.try_input(repeat('x', 300));
-- Long values are shortened in messages (64 characters, then ...).
SELECT pg_temp.try_input(E'\x01' || repeat('ü', 100));

-- Literals go through the same input function; the error position is shown.
SELECT 'x '::swisper.external_id;
SELECT ''::swisper.external_id;

-- Casts: text, varchar and uuid by assignment; back to text by assignment;
-- to uuid only explicitly, and only for the uuid kind.
CREATE TABLE ids (id swisper.external_id);
INSERT INTO ids VALUES ('{1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC}'::text);
INSERT INTO ids VALUES ('12345'::varchar);
INSERT INTO ids VALUES ('auth0|abc'::character varying(40));
INSERT INTO ids VALUES ('9b2f8a64-0f8c-4b8e-8a3e-2a1f0c9e7d10'::uuid);
INSERT INTO ids VALUES (NULL);
INSERT INTO ids VALUES (' bad'::text);
SELECT id, swisper.external_id_kind(id) FROM ids ORDER BY id;
CREATE TABLE back_to_text (t text, v varchar);
INSERT INTO back_to_text SELECT id, id FROM ids WHERE id IS NOT NULL;
SELECT * FROM back_to_text ORDER BY t;
SELECT id::uuid FROM ids WHERE swisper.external_id_kind(id) = 'uuid' ORDER BY 1;
SELECT id::uuid FROM ids WHERE id = '12345';
-- uuid -> external_id is assignment only: no implicit cast in comparisons.
SELECT id FROM ids WHERE id = '9b2f8a64-0f8c-4b8e-8a3e-2a1f0c9e7d10'::uuid;
-- No implicit cast from integers either.
SELECT id FROM ids WHERE id = 12345;
SELECT castsource::regtype, casttarget::regtype, castcontext, castmethod
FROM pg_cast
WHERE castsource = 'swisper.external_id'::regtype OR casttarget = 'swisper.external_id'::regtype
ORDER BY 1::text, 2::text;

-- NULL in, NULL out (STRICT).
SELECT swisper.is_valid_external_id(NULL), swisper.external_id_kind(NULL);

-- A column can be converted from text with ALTER TABLE (the assignment cast,
-- no USING), and back.
CREATE TABLE conv (u varchar);
INSERT INTO conv VALUES ('1AAC01A8A9854CD1AAD67E12B25DA1BC'), ('007'), ('u-1');
ALTER TABLE conv ALTER COLUMN u TYPE swisper.external_id;
SELECT u, swisper.external_id_kind(u) FROM conv ORDER BY u;
ALTER TABLE conv ALTER COLUMN u TYPE text;
SELECT u FROM conv ORDER BY u;

-- Every function, operator, operator class and family, cast and the type
-- carry a comment.
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
-- Pure functions are IMMUTABLE STRICT PARALLEL SAFE.
SELECT proname, provolatile, proisstrict, proparallel
FROM pg_proc
WHERE pronamespace = 'swisper'::regnamespace AND proname LIKE '%external_id%'
  AND (provolatile <> 'i' OR NOT proisstrict OR proparallel <> 's');

DROP TABLE ids, back_to_text, conv;
