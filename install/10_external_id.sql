-- ---------------------------------------------------------------------------
-- The type swisper.external_id (src/external_id.c).
--
-- An identifier that names something in another system (a user, an account,
-- a session).  Three kinds of value, one representation each:
--   integer  canonical decimal integers 0 .. 9223372036854775807 ("0" or no
--            leading zero, no sign): 8 bytes; "12345" prints as "12345",
--            while "012345", "+5", "-5" stay text.
--   uuid     every spelling PostgreSQL's uuid input accepts (any case,
--            braces, hyphens after any group of four digits or none): 16
--            bytes, printed lower-case hyphenated.
--   text     anything else, byte-exact (database encoding, UTF-8 here).
-- Rejected (22P02): the empty string, control characters U+0000-U+001F and
-- U+007F, bytes that are not valid in the database encoding, and leading or
-- trailing blanks (rejected, not trimmed, so that " u1" never silently
-- becomes "u1").  Over 255 bytes: 22001.
-- Total order: integers (by value) < uuids (as uuid orders them) < text
-- (bytewise, like COLLATE "C"); consistent with equality, which is equality
-- of the canonical bytes.
-- ---------------------------------------------------------------------------

CREATE TYPE swisper.external_id;

CREATE FUNCTION swisper.external_id_in(cstring) RETURNS swisper.external_id
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_in(cstring) IS
	'text input of swisper.external_id: validates and canonicalises (22P02 on bad input, 22001 over 255 bytes)';

CREATE FUNCTION swisper.external_id_out(swisper.external_id) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_out(swisper.external_id) IS
	'text output of swisper.external_id: integers in decimal, uuids lower-case hyphenated, text as stored';

CREATE FUNCTION swisper.external_id_recv(internal) RETURNS swisper.external_id
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_recv(internal) IS
	'binary input of swisper.external_id: kind tag byte (1 integer, 2 uuid, 3 text) then payload; text payloads are validated exactly as text input';

CREATE FUNCTION swisper.external_id_send(swisper.external_id) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_send(swisper.external_id) IS
	'binary output of swisper.external_id: kind tag byte, then 8 bytes big-endian (integer), 16 bytes (uuid) or the characters in the client encoding (text)';

CREATE TYPE swisper.external_id (
	INPUT = swisper.external_id_in,
	OUTPUT = swisper.external_id_out,
	RECEIVE = swisper.external_id_recv,
	SEND = swisper.external_id_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = int4,
	STORAGE = extended,
	CATEGORY = 'U'
);
COMMENT ON TYPE swisper.external_id IS
	'identifier of something in another system: uuid (any spelling, 16 bytes), canonical integer (8 bytes) or text (1-255 bytes, no control characters, no leading/trailing blanks)';

-- ---------------------------------------------------------------------------
-- Functions and casts.
-- ---------------------------------------------------------------------------

CREATE FUNCTION swisper.external_id_from_text(text) RETURNS swisper.external_id
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_from_text(text) IS
	'converts text to swisper.external_id, raising 22P02/22001 on a bad value (the cast text/varchar -> external_id)';

CREATE FUNCTION swisper.external_id_from_uuid(uuid) RETURNS swisper.external_id
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_from_uuid(uuid) IS
	'converts uuid to swisper.external_id of kind uuid (the cast uuid -> external_id)';

CREATE FUNCTION swisper.external_id_to_text(swisper.external_id) RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_to_text(swisper.external_id) IS
	'the text form of an external id (the cast external_id -> text)';

CREATE FUNCTION swisper.external_id_to_uuid(swisper.external_id) RETURNS uuid
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_to_uuid(swisper.external_id) IS
	'the uuid of an external id of kind uuid; 22P02 for other kinds (the explicit cast external_id -> uuid)';

CREATE FUNCTION swisper.external_id_kind(swisper.external_id) RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_kind(swisper.external_id) IS
	'how the value is stored: ''integer'', ''uuid'' or ''text''';

CREATE FUNCTION swisper.is_valid_external_id(text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.is_valid_external_id(text) IS
	'true when the text converts to swisper.external_id; never raises for a bad value (PostgreSQL 15 has no soft input errors)';

-- Assignment casts into the type, so INSERT/UPDATE and ALTER COLUMN TYPE of
-- text, varchar and uuid columns work without USING.  No implicit casts:
-- they would make operators with text ambiguous.
CREATE CAST (text AS swisper.external_id)
	WITH FUNCTION swisper.external_id_from_text(text) AS ASSIGNMENT;
COMMENT ON CAST (text AS swisper.external_id) IS
	'assignment cast: validates and canonicalises, 22P02/22001 on a bad value';
CREATE CAST (varchar AS swisper.external_id)
	WITH FUNCTION swisper.external_id_from_text(text) AS ASSIGNMENT;
COMMENT ON CAST (varchar AS swisper.external_id) IS
	'assignment cast: validates and canonicalises, 22P02/22001 on a bad value';
CREATE CAST (uuid AS swisper.external_id)
	WITH FUNCTION swisper.external_id_from_uuid(uuid) AS ASSIGNMENT;
COMMENT ON CAST (uuid AS swisper.external_id) IS
	'assignment cast: a uuid becomes an external id of kind uuid';
-- Back to text by assignment, so that ALTER COLUMN ... TYPE text (the way
-- back, swisper.release_user_id()) and INSERT into text columns need no USING.
CREATE CAST (swisper.external_id AS text)
	WITH FUNCTION swisper.external_id_to_text(swisper.external_id) AS ASSIGNMENT;
COMMENT ON CAST (swisper.external_id AS text) IS
	'assignment cast: the text form (uuids lower-case hyphenated)';
CREATE CAST (swisper.external_id AS uuid)
	WITH FUNCTION swisper.external_id_to_uuid(swisper.external_id);
COMMENT ON CAST (swisper.external_id AS uuid) IS
	'explicit cast: only external ids of kind uuid convert, others raise 22P02';

-- ---------------------------------------------------------------------------
-- Comparison operators: external_id with external_id, and external_id with
-- text in both directions (the text side is converted first, raising 22P02
-- on a bad value, so WHERE col = $1::varchar compares canonically and can use
-- the index).
--
-- The operators live in pg_catalog, not in swisper: operator lookup only
-- sees schemas on the search_path, and pg_catalog is on every search_path.
-- So application queries such as WHERE user_id = $1::varchar keep working
-- without adding swisper to the search_path, and no object placed earlier on
-- a search_path can take their place.  Their functions stay in swisper, and
-- DROP EXTENSION removes the operators with the rest.
-- ---------------------------------------------------------------------------

-- two external ids
CREATE FUNCTION swisper.external_id_eq(swisper.external_id, swisper.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_eq(swisper.external_id, swisper.external_id) IS
	'= of two external ids, in the order of swisper.external_id';
CREATE FUNCTION swisper.external_id_ne(swisper.external_id, swisper.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_ne(swisper.external_id, swisper.external_id) IS
	'<> of two external ids, in the order of swisper.external_id';
CREATE FUNCTION swisper.external_id_lt(swisper.external_id, swisper.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_lt(swisper.external_id, swisper.external_id) IS
	'< of two external ids, in the order of swisper.external_id';
CREATE FUNCTION swisper.external_id_le(swisper.external_id, swisper.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_le(swisper.external_id, swisper.external_id) IS
	'<= of two external ids, in the order of swisper.external_id';
CREATE FUNCTION swisper.external_id_gt(swisper.external_id, swisper.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_gt(swisper.external_id, swisper.external_id) IS
	'> of two external ids, in the order of swisper.external_id';
CREATE FUNCTION swisper.external_id_ge(swisper.external_id, swisper.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_ge(swisper.external_id, swisper.external_id) IS
	'>= of two external ids, in the order of swisper.external_id';
CREATE FUNCTION swisper.external_id_cmp(swisper.external_id, swisper.external_id) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_cmp(swisper.external_id, swisper.external_id) IS
	'three-way comparison of two external ids (B-tree support function 1)';
CREATE OPERATOR pg_catalog.= (
	LEFTARG = swisper.external_id, RIGHTARG = swisper.external_id,
	FUNCTION = swisper.external_id_eq,
	COMMUTATOR = OPERATOR(pg_catalog.=), NEGATOR = OPERATOR(pg_catalog.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel,
	HASHES, MERGES
);
COMMENT ON OPERATOR pg_catalog.= (swisper.external_id, swisper.external_id) IS
	'equal: two external ids';
CREATE OPERATOR pg_catalog.<> (
	LEFTARG = swisper.external_id, RIGHTARG = swisper.external_id,
	FUNCTION = swisper.external_id_ne,
	COMMUTATOR = OPERATOR(pg_catalog.<>), NEGATOR = OPERATOR(pg_catalog.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);
COMMENT ON OPERATOR pg_catalog.<> (swisper.external_id, swisper.external_id) IS
	'not equal: two external ids';
CREATE OPERATOR pg_catalog.< (
	LEFTARG = swisper.external_id, RIGHTARG = swisper.external_id,
	FUNCTION = swisper.external_id_lt,
	COMMUTATOR = OPERATOR(pg_catalog.>), NEGATOR = OPERATOR(pg_catalog.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
COMMENT ON OPERATOR pg_catalog.< (swisper.external_id, swisper.external_id) IS
	'less than: two external ids';
CREATE OPERATOR pg_catalog.<= (
	LEFTARG = swisper.external_id, RIGHTARG = swisper.external_id,
	FUNCTION = swisper.external_id_le,
	COMMUTATOR = OPERATOR(pg_catalog.>=), NEGATOR = OPERATOR(pg_catalog.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
COMMENT ON OPERATOR pg_catalog.<= (swisper.external_id, swisper.external_id) IS
	'less than or equal: two external ids';
CREATE OPERATOR pg_catalog.> (
	LEFTARG = swisper.external_id, RIGHTARG = swisper.external_id,
	FUNCTION = swisper.external_id_gt,
	COMMUTATOR = OPERATOR(pg_catalog.<), NEGATOR = OPERATOR(pg_catalog.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
COMMENT ON OPERATOR pg_catalog.> (swisper.external_id, swisper.external_id) IS
	'greater than: two external ids';
CREATE OPERATOR pg_catalog.>= (
	LEFTARG = swisper.external_id, RIGHTARG = swisper.external_id,
	FUNCTION = swisper.external_id_ge,
	COMMUTATOR = OPERATOR(pg_catalog.<=), NEGATOR = OPERATOR(pg_catalog.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);
COMMENT ON OPERATOR pg_catalog.>= (swisper.external_id, swisper.external_id) IS
	'greater than or equal: two external ids';

-- an external id and a text converted to external_id
CREATE FUNCTION swisper.external_id_text_eq(swisper.external_id, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_text_eq(swisper.external_id, text) IS
	'= of an external id and a text converted to external_id, in the order of swisper.external_id';
CREATE FUNCTION swisper.external_id_text_ne(swisper.external_id, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_text_ne(swisper.external_id, text) IS
	'<> of an external id and a text converted to external_id, in the order of swisper.external_id';
CREATE FUNCTION swisper.external_id_text_lt(swisper.external_id, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_text_lt(swisper.external_id, text) IS
	'< of an external id and a text converted to external_id, in the order of swisper.external_id';
CREATE FUNCTION swisper.external_id_text_le(swisper.external_id, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_text_le(swisper.external_id, text) IS
	'<= of an external id and a text converted to external_id, in the order of swisper.external_id';
CREATE FUNCTION swisper.external_id_text_gt(swisper.external_id, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_text_gt(swisper.external_id, text) IS
	'> of an external id and a text converted to external_id, in the order of swisper.external_id';
CREATE FUNCTION swisper.external_id_text_ge(swisper.external_id, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_text_ge(swisper.external_id, text) IS
	'>= of an external id and a text converted to external_id, in the order of swisper.external_id';
CREATE FUNCTION swisper.external_id_text_cmp(swisper.external_id, text) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_text_cmp(swisper.external_id, text) IS
	'three-way comparison of an external id and a text converted to external_id (B-tree support function 1)';
CREATE OPERATOR pg_catalog.= (
	LEFTARG = swisper.external_id, RIGHTARG = text,
	FUNCTION = swisper.external_id_text_eq,
	COMMUTATOR = OPERATOR(pg_catalog.=), NEGATOR = OPERATOR(pg_catalog.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel,
	HASHES
);
COMMENT ON OPERATOR pg_catalog.= (swisper.external_id, text) IS
	'equal: an external id and a text converted to external_id';
CREATE OPERATOR pg_catalog.<> (
	LEFTARG = swisper.external_id, RIGHTARG = text,
	FUNCTION = swisper.external_id_text_ne,
	COMMUTATOR = OPERATOR(pg_catalog.<>), NEGATOR = OPERATOR(pg_catalog.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);
COMMENT ON OPERATOR pg_catalog.<> (swisper.external_id, text) IS
	'not equal: an external id and a text converted to external_id';
CREATE OPERATOR pg_catalog.< (
	LEFTARG = swisper.external_id, RIGHTARG = text,
	FUNCTION = swisper.external_id_text_lt,
	COMMUTATOR = OPERATOR(pg_catalog.>), NEGATOR = OPERATOR(pg_catalog.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
COMMENT ON OPERATOR pg_catalog.< (swisper.external_id, text) IS
	'less than: an external id and a text converted to external_id';
CREATE OPERATOR pg_catalog.<= (
	LEFTARG = swisper.external_id, RIGHTARG = text,
	FUNCTION = swisper.external_id_text_le,
	COMMUTATOR = OPERATOR(pg_catalog.>=), NEGATOR = OPERATOR(pg_catalog.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
COMMENT ON OPERATOR pg_catalog.<= (swisper.external_id, text) IS
	'less than or equal: an external id and a text converted to external_id';
CREATE OPERATOR pg_catalog.> (
	LEFTARG = swisper.external_id, RIGHTARG = text,
	FUNCTION = swisper.external_id_text_gt,
	COMMUTATOR = OPERATOR(pg_catalog.<), NEGATOR = OPERATOR(pg_catalog.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
COMMENT ON OPERATOR pg_catalog.> (swisper.external_id, text) IS
	'greater than: an external id and a text converted to external_id';
CREATE OPERATOR pg_catalog.>= (
	LEFTARG = swisper.external_id, RIGHTARG = text,
	FUNCTION = swisper.external_id_text_ge,
	COMMUTATOR = OPERATOR(pg_catalog.<=), NEGATOR = OPERATOR(pg_catalog.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);
COMMENT ON OPERATOR pg_catalog.>= (swisper.external_id, text) IS
	'greater than or equal: an external id and a text converted to external_id';

-- a text converted to external_id and an external id
CREATE FUNCTION swisper.text_external_id_eq(text, swisper.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.text_external_id_eq(text, swisper.external_id) IS
	'= of a text converted to external_id and an external id, in the order of swisper.external_id';
CREATE FUNCTION swisper.text_external_id_ne(text, swisper.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.text_external_id_ne(text, swisper.external_id) IS
	'<> of a text converted to external_id and an external id, in the order of swisper.external_id';
CREATE FUNCTION swisper.text_external_id_lt(text, swisper.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.text_external_id_lt(text, swisper.external_id) IS
	'< of a text converted to external_id and an external id, in the order of swisper.external_id';
CREATE FUNCTION swisper.text_external_id_le(text, swisper.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.text_external_id_le(text, swisper.external_id) IS
	'<= of a text converted to external_id and an external id, in the order of swisper.external_id';
CREATE FUNCTION swisper.text_external_id_gt(text, swisper.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.text_external_id_gt(text, swisper.external_id) IS
	'> of a text converted to external_id and an external id, in the order of swisper.external_id';
CREATE FUNCTION swisper.text_external_id_ge(text, swisper.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.text_external_id_ge(text, swisper.external_id) IS
	'>= of a text converted to external_id and an external id, in the order of swisper.external_id';
CREATE FUNCTION swisper.text_external_id_cmp(text, swisper.external_id) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.text_external_id_cmp(text, swisper.external_id) IS
	'three-way comparison of a text converted to external_id and an external id (B-tree support function 1)';
CREATE OPERATOR pg_catalog.= (
	LEFTARG = text, RIGHTARG = swisper.external_id,
	FUNCTION = swisper.text_external_id_eq,
	COMMUTATOR = OPERATOR(pg_catalog.=), NEGATOR = OPERATOR(pg_catalog.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel,
	HASHES
);
COMMENT ON OPERATOR pg_catalog.= (text, swisper.external_id) IS
	'equal: a text converted to external_id and an external id';
CREATE OPERATOR pg_catalog.<> (
	LEFTARG = text, RIGHTARG = swisper.external_id,
	FUNCTION = swisper.text_external_id_ne,
	COMMUTATOR = OPERATOR(pg_catalog.<>), NEGATOR = OPERATOR(pg_catalog.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);
COMMENT ON OPERATOR pg_catalog.<> (text, swisper.external_id) IS
	'not equal: a text converted to external_id and an external id';
CREATE OPERATOR pg_catalog.< (
	LEFTARG = text, RIGHTARG = swisper.external_id,
	FUNCTION = swisper.text_external_id_lt,
	COMMUTATOR = OPERATOR(pg_catalog.>), NEGATOR = OPERATOR(pg_catalog.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
COMMENT ON OPERATOR pg_catalog.< (text, swisper.external_id) IS
	'less than: a text converted to external_id and an external id';
CREATE OPERATOR pg_catalog.<= (
	LEFTARG = text, RIGHTARG = swisper.external_id,
	FUNCTION = swisper.text_external_id_le,
	COMMUTATOR = OPERATOR(pg_catalog.>=), NEGATOR = OPERATOR(pg_catalog.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
COMMENT ON OPERATOR pg_catalog.<= (text, swisper.external_id) IS
	'less than or equal: a text converted to external_id and an external id';
CREATE OPERATOR pg_catalog.> (
	LEFTARG = text, RIGHTARG = swisper.external_id,
	FUNCTION = swisper.text_external_id_gt,
	COMMUTATOR = OPERATOR(pg_catalog.<), NEGATOR = OPERATOR(pg_catalog.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
COMMENT ON OPERATOR pg_catalog.> (text, swisper.external_id) IS
	'greater than: a text converted to external_id and an external id';
CREATE OPERATOR pg_catalog.>= (
	LEFTARG = text, RIGHTARG = swisper.external_id,
	FUNCTION = swisper.text_external_id_ge,
	COMMUTATOR = OPERATOR(pg_catalog.<=), NEGATOR = OPERATOR(pg_catalog.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);
COMMENT ON OPERATOR pg_catalog.>= (text, swisper.external_id) IS
	'greater than or equal: a text converted to external_id and an external id';

-- ---------------------------------------------------------------------------
-- Index support.
-- ---------------------------------------------------------------------------

CREATE FUNCTION swisper.external_id_texts_cmp(text, text) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_texts_cmp(text, text) IS
	'three-way comparison of two texts as external ids (B-tree support function 1 for (text, text), used to sort the array of col = ANY($1::text[]))';

CREATE FUNCTION swisper.external_id_sortsupport(internal) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_sortsupport(internal) IS
	'B-tree sort support for swisper.external_id, with abbreviated keys';

CREATE FUNCTION swisper.external_id_hash(swisper.external_id) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_hash(swisper.external_id) IS
	'hash of the canonical bytes of an external id';

CREATE FUNCTION swisper.external_id_hash_extended(swisper.external_id, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_hash_extended(swisper.external_id, bigint) IS
	'seeded 64-bit hash of the canonical bytes of an external id (hash partitioning)';

CREATE FUNCTION swisper.external_id_text_hash(text) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_text_hash(text) IS
	'hash of a text converted to external_id: equals swisper.external_id_hash of that value (22P02 on a bad value)';

CREATE FUNCTION swisper.external_id_text_hash_extended(text, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION swisper.external_id_text_hash_extended(text, bigint) IS
	'seeded 64-bit hash of a text converted to external_id: equals swisper.external_id_hash_extended of that value';

-- B-tree: the default operator class, then the cross-type members with text.
CREATE OPERATOR FAMILY swisper.external_id_ops USING btree;
COMMENT ON OPERATOR FAMILY swisper.external_id_ops USING btree IS
	'B-tree order of swisper.external_id, with text compared after conversion';

CREATE OPERATOR CLASS swisper.external_id_ops
	DEFAULT FOR TYPE swisper.external_id USING btree FAMILY swisper.external_id_ops AS
	OPERATOR 1 pg_catalog.< ,
	OPERATOR 2 pg_catalog.<= ,
	OPERATOR 3 pg_catalog.= ,
	OPERATOR 4 pg_catalog.>= ,
	OPERATOR 5 pg_catalog.> ,
	FUNCTION 1 swisper.external_id_cmp(swisper.external_id, swisper.external_id),
	FUNCTION 2 swisper.external_id_sortsupport(internal),
	-- equality is bitwise equality of the canonical bytes: deduplication is safe
	FUNCTION 4 btequalimage(oid);
COMMENT ON OPERATOR CLASS swisper.external_id_ops USING btree IS
	'default B-tree operator class of swisper.external_id (sort support, deduplication)';

ALTER OPERATOR FAMILY swisper.external_id_ops USING btree ADD
	OPERATOR 1 pg_catalog.< (swisper.external_id, text),
	OPERATOR 2 pg_catalog.<= (swisper.external_id, text),
	OPERATOR 3 pg_catalog.= (swisper.external_id, text),
	OPERATOR 4 pg_catalog.>= (swisper.external_id, text),
	OPERATOR 5 pg_catalog.> (swisper.external_id, text),
	FUNCTION 1 (swisper.external_id, text) swisper.external_id_text_cmp(swisper.external_id, text),
	OPERATOR 1 pg_catalog.< (text, swisper.external_id),
	OPERATOR 2 pg_catalog.<= (text, swisper.external_id),
	OPERATOR 3 pg_catalog.= (text, swisper.external_id),
	OPERATOR 4 pg_catalog.>= (text, swisper.external_id),
	OPERATOR 5 pg_catalog.> (text, swisper.external_id),
	FUNCTION 1 (text, swisper.external_id) swisper.text_external_id_cmp(text, swisper.external_id),
	FUNCTION 1 (text, text) swisper.external_id_texts_cmp(text, text);

-- Hash: the default operator class, then the cross-type members with text.
CREATE OPERATOR FAMILY swisper.external_id_ops USING hash;
COMMENT ON OPERATOR FAMILY swisper.external_id_ops USING hash IS
	'hashing of swisper.external_id, with text hashed after conversion';

CREATE OPERATOR CLASS swisper.external_id_ops
	DEFAULT FOR TYPE swisper.external_id USING hash FAMILY swisper.external_id_ops AS
	OPERATOR 1 pg_catalog.= ,
	FUNCTION 1 swisper.external_id_hash(swisper.external_id),
	FUNCTION 2 swisper.external_id_hash_extended(swisper.external_id, bigint);
COMMENT ON OPERATOR CLASS swisper.external_id_ops USING hash IS
	'default hash operator class of swisper.external_id (hash joins, hash aggregation, hash partitioning)';

ALTER OPERATOR FAMILY swisper.external_id_ops USING hash ADD
	OPERATOR 1 pg_catalog.= (swisper.external_id, text),
	OPERATOR 1 pg_catalog.= (text, swisper.external_id),
	FUNCTION 1 (text) swisper.external_id_text_hash(text),
	FUNCTION 2 (text) swisper.external_id_text_hash_extended(text, bigint);
