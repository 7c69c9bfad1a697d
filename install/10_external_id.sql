-- ---------------------------------------------------------------------------
-- The type @extschema@.external_id (src/external_id.c; design: docs/external_id.md).
--
-- An identifier that names something in another system (a user, an account,
-- a session), and a drop-in for the text or varchar column it replaces:
-- every text is a value (the empty string, blanks at either end, control
-- characters, any length), and comes back byte for byte, except:
--   uuid     a uuid in its standard layout, 8-4-4-4-12 hexadecimal digits
--            with hyphens, any case, optionally in braces: 16 bytes, printed
--            lower-case hyphenated.  32 hex digits without hyphens (also the
--            shape of MD5 digests and hex tokens) and other hyphenations stay
--            text.
--   integer  canonical decimal integers 0 .. 9223372036854775807 ("0" or no
--            leading zero, no sign): 8 bytes, printed as given; "007", "+5",
--            "-5" stay text.
-- Bytes that are not valid in the database encoding are refused as text's
-- own input refuses them (22021).  Nothing else is: the old rules (1 to 255
-- bytes, no control characters, no blank at either end) are the function
-- @extschema@.is_valid_external_id() and the domain @extschema@.strict_external_id.
--
-- It behaves like text: category S (string), an implicit cast to text and to
-- varchar (so LIKE, regular expressions, lower(), length(), ||, string_agg,
-- COALESCE/CASE/UNION with text or varchar work as on the old column), and
-- assignment casts from text, varchar and uuid (as contrib/citext does).
-- Comparisons with external_id, text, varchar, unknown literals and uuid are
-- its own operators, in pg_catalog, backed by its indexes.
--
-- Order: the order of the canonical texts, byte by byte (COLLATE "C"),
-- whatever the kinds; consistent with equality, which is equality of the
-- canonical bytes.
-- ---------------------------------------------------------------------------

CREATE TYPE @extschema@.external_id;

CREATE FUNCTION @extschema@.external_id_in(cstring) RETURNS @extschema@.external_id
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_in(cstring) IS
	'text input of @extschema@.external_id: every string is a value; uuids in their standard layout and canonical integers are stored compactly';

CREATE FUNCTION @extschema@.external_id_out(@extschema@.external_id) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_out(@extschema@.external_id) IS
	'text output of @extschema@.external_id: integers in decimal, uuids lower-case hyphenated, text as stored';

CREATE FUNCTION @extschema@.external_id_recv(internal) RETURNS @extschema@.external_id
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_recv(internal) IS
	'binary input of @extschema@.external_id: kind tag byte (1 integer, 2 uuid, 3 text) then payload; a text payload is converted from the client encoding and read exactly as text input';

CREATE FUNCTION @extschema@.external_id_send(@extschema@.external_id) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_send(@extschema@.external_id) IS
	'binary output of @extschema@.external_id: kind tag byte, then 8 bytes big-endian (integer), 16 bytes (uuid) or the characters in the client encoding (text)';

-- CATEGORY 'S' (string, not preferred): text stays the preferred type, so an
-- expression that mixes external_id with text or varchar resolves as it
-- would with varchar (COALESCE(user_id, varchar_col) is varchar), and an
-- unknown literal beside an external_id is read as external_id.
CREATE TYPE @extschema@.external_id (
	INPUT = @extschema@.external_id_in,
	OUTPUT = @extschema@.external_id_out,
	RECEIVE = @extschema@.external_id_recv,
	SEND = @extschema@.external_id_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = int4,
	STORAGE = extended,
	CATEGORY = 'S'
);
COMMENT ON TYPE @extschema@.external_id IS
	'identifier of something in another system: any text, kept byte for byte, with uuids in their standard layout (16 bytes, printed lower-case hyphenated) and canonical integers (8 bytes) stored compactly; ordered as its text under COLLATE "C"';

-- ---------------------------------------------------------------------------
-- Functions and casts.
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.external_id_from_text(text) RETURNS @extschema@.external_id
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_from_text(text) IS
	'converts text to @extschema@.external_id; never fails (the cast text/varchar -> external_id)';

CREATE FUNCTION @extschema@.external_id_from_uuid(uuid) RETURNS @extschema@.external_id
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_from_uuid(uuid) IS
	'converts uuid to @extschema@.external_id of kind uuid (the cast uuid -> external_id)';

CREATE FUNCTION @extschema@.external_id_to_text(@extschema@.external_id) RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_to_text(@extschema@.external_id) IS
	'the text form of an external id (the implicit casts external_id -> text and -> varchar)';

CREATE FUNCTION @extschema@.external_id_to_name(@extschema@.external_id) RETURNS name
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_to_name(@extschema@.external_id) IS
	'the text form of an external id as a name, cut to 63 bytes as text::name cuts it (the implicit cast external_id -> name)';

CREATE FUNCTION @extschema@.external_id_to_uuid(@extschema@.external_id) RETURNS uuid
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_to_uuid(@extschema@.external_id) IS
	'the uuid of an external id: the value of kind uuid, any other through uuid''s input as text::uuid does, 22P02 when that refuses it (the explicit cast external_id -> uuid)';

CREATE FUNCTION @extschema@.external_id_kind(@extschema@.external_id) RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_kind(@extschema@.external_id) IS
	'how the value is stored: ''integer'', ''uuid'' or ''text''';

CREATE FUNCTION @extschema@.is_valid_external_id(text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.is_valid_external_id(text) IS
	'true when the text keeps the strict rules of @extschema@.strict_external_id: 1 to 255 bytes, no control character (U+0000-U+001F, U+007F), no blank at either end; every text is a @extschema@.external_id whatever this says';

-- Casts, as contrib/citext declares them beside text: implicit to text and
-- varchar (and, as varchar has them, to char(n) and name), so every text
-- function and operator applies and a common type with any string type
-- exists; by assignment from text, varchar and uuid, so INSERT/UPDATE and
-- ALTER COLUMN TYPE need no USING.  From text only by assignment: an
-- implicit cast both ways would make text = external_id ambiguous.
CREATE CAST (text AS @extschema@.external_id)
	WITH FUNCTION @extschema@.external_id_from_text(text) AS ASSIGNMENT;
COMMENT ON CAST (text AS @extschema@.external_id) IS
	'assignment cast: every text converts; uuids in their standard layout and canonical integers become those kinds';
CREATE CAST (varchar AS @extschema@.external_id)
	WITH FUNCTION @extschema@.external_id_from_text(text) AS ASSIGNMENT;
COMMENT ON CAST (varchar AS @extschema@.external_id) IS
	'assignment cast: every text converts; uuids in their standard layout and canonical integers become those kinds';
CREATE CAST (uuid AS @extschema@.external_id)
	WITH FUNCTION @extschema@.external_id_from_uuid(uuid) AS ASSIGNMENT;
COMMENT ON CAST (uuid AS @extschema@.external_id) IS
	'assignment cast: a uuid becomes an external id of kind uuid';
CREATE CAST (@extschema@.external_id AS text)
	WITH FUNCTION @extschema@.external_id_to_text(@extschema@.external_id) AS IMPLICIT;
COMMENT ON CAST (@extschema@.external_id AS text) IS
	'implicit cast: the text form (uuids lower-case hyphenated), so text functions and operators apply';
CREATE CAST (@extschema@.external_id AS varchar)
	WITH FUNCTION @extschema@.external_id_to_text(@extschema@.external_id) AS IMPLICIT;
COMMENT ON CAST (@extschema@.external_id AS varchar) IS
	'implicit cast: the text form, so COALESCE, CASE and UNION with a varchar column resolve to varchar';
CREATE CAST (@extschema@.external_id AS bpchar)
	WITH FUNCTION @extschema@.external_id_to_text(@extschema@.external_id) AS IMPLICIT;
COMMENT ON CAST (@extschema@.external_id AS bpchar) IS
	'implicit cast, as from varchar: the text form, so COALESCE, CASE and GREATEST with a char(n) value resolve as for varchar';
CREATE CAST (@extschema@.external_id AS name)
	WITH FUNCTION @extschema@.external_id_to_name(@extschema@.external_id) AS IMPLICIT;
COMMENT ON CAST (@extschema@.external_id AS name) IS
	'implicit cast, as from varchar: the text form cut to 63 bytes, so COALESCE(user_id, current_user) resolves as for varchar';
CREATE CAST (@extschema@.external_id AS uuid)
	WITH FUNCTION @extschema@.external_id_to_uuid(@extschema@.external_id);
COMMENT ON CAST (@extschema@.external_id AS uuid) IS
	'explicit cast: as text::uuid (kind uuid, or another spelling uuid accepts), 22P02 otherwise';

-- Validation for those who want it, never as a write that fails by default:
-- a column (or a function argument) of this domain refuses what the old
-- type refused.
CREATE DOMAIN @extschema@.strict_external_id AS @extschema@.external_id
	CHECK (@extschema@.is_valid_external_id(VALUE::text));
COMMENT ON DOMAIN @extschema@.strict_external_id IS
	'@extschema@.external_id restricted to 1 to 255 bytes without control characters or blanks at either end (@extschema@.is_valid_external_id); 23514 otherwise';

-- ---------------------------------------------------------------------------
-- Comparison operators: external_id with external_id, and external_id with
-- text and with uuid, in both directions (the text or uuid side is read as
-- the external_id it converts to, which never fails, so
-- WHERE col = $1::varchar compares canonically and can use the index).  With
-- these, every comparison of an external_id with text, varchar, an unknown
-- literal or uuid resolves to an operator of the type, never to text = text
-- through the implicit cast (which would not use the index).
--
-- The operators live in pg_catalog, not in swisper: operator lookup only
-- sees schemas on the search_path, and pg_catalog is on every search_path.
-- So application queries such as WHERE user_id = $1::varchar keep working
-- without adding swisper to the search_path, and no object placed earlier on
-- a search_path can take their place.  Their functions stay in swisper, and
-- DROP EXTENSION removes the operators with the rest.
-- ---------------------------------------------------------------------------

-- Planner support of the operators with text and uuid: rewrites
-- col OP expr  into  col OP expr::@extschema@.external_id  (same meaning), so the
-- operand is converted once per scan, not once per comparison, and an index
-- scan uses the index's own comparison (see external_id_text_support in C).
CREATE FUNCTION @extschema@.external_id_text_support(internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_text_support(internal) IS
	'planner support of the operators between external_id and text or uuid: compare after one conversion of the other operand';

-- two external ids
CREATE FUNCTION @extschema@.external_id_eq(@extschema@.external_id, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_eq(@extschema@.external_id, @extschema@.external_id) IS
	'= of two external ids, in the order of their canonical texts';
CREATE FUNCTION @extschema@.external_id_ne(@extschema@.external_id, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_ne(@extschema@.external_id, @extschema@.external_id) IS
	'<> of two external ids, in the order of their canonical texts';
CREATE FUNCTION @extschema@.external_id_lt(@extschema@.external_id, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_lt(@extschema@.external_id, @extschema@.external_id) IS
	'< of two external ids, in the order of their canonical texts';
CREATE FUNCTION @extschema@.external_id_le(@extschema@.external_id, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_le(@extschema@.external_id, @extschema@.external_id) IS
	'<= of two external ids, in the order of their canonical texts';
CREATE FUNCTION @extschema@.external_id_gt(@extschema@.external_id, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_gt(@extschema@.external_id, @extschema@.external_id) IS
	'> of two external ids, in the order of their canonical texts';
CREATE FUNCTION @extschema@.external_id_ge(@extschema@.external_id, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_ge(@extschema@.external_id, @extschema@.external_id) IS
	'>= of two external ids, in the order of their canonical texts';
CREATE FUNCTION @extschema@.external_id_cmp(@extschema@.external_id, @extschema@.external_id) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_cmp(@extschema@.external_id, @extschema@.external_id) IS
	'three-way comparison of two external ids (B-tree support function 1)';
CREATE OPERATOR pg_catalog.= (
	LEFTARG = @extschema@.external_id, RIGHTARG = @extschema@.external_id,
	FUNCTION = @extschema@.external_id_eq,
	COMMUTATOR = OPERATOR(pg_catalog.=), NEGATOR = OPERATOR(pg_catalog.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel,
	HASHES, MERGES
);
COMMENT ON OPERATOR pg_catalog.= (@extschema@.external_id, @extschema@.external_id) IS
	'equal: two external ids';
CREATE OPERATOR pg_catalog.<> (
	LEFTARG = @extschema@.external_id, RIGHTARG = @extschema@.external_id,
	FUNCTION = @extschema@.external_id_ne,
	COMMUTATOR = OPERATOR(pg_catalog.<>), NEGATOR = OPERATOR(pg_catalog.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);
COMMENT ON OPERATOR pg_catalog.<> (@extschema@.external_id, @extschema@.external_id) IS
	'not equal: two external ids';
CREATE OPERATOR pg_catalog.< (
	LEFTARG = @extschema@.external_id, RIGHTARG = @extschema@.external_id,
	FUNCTION = @extschema@.external_id_lt,
	COMMUTATOR = OPERATOR(pg_catalog.>), NEGATOR = OPERATOR(pg_catalog.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
COMMENT ON OPERATOR pg_catalog.< (@extschema@.external_id, @extschema@.external_id) IS
	'less than: two external ids';
CREATE OPERATOR pg_catalog.<= (
	LEFTARG = @extschema@.external_id, RIGHTARG = @extschema@.external_id,
	FUNCTION = @extschema@.external_id_le,
	COMMUTATOR = OPERATOR(pg_catalog.>=), NEGATOR = OPERATOR(pg_catalog.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
COMMENT ON OPERATOR pg_catalog.<= (@extschema@.external_id, @extschema@.external_id) IS
	'less than or equal: two external ids';
CREATE OPERATOR pg_catalog.> (
	LEFTARG = @extschema@.external_id, RIGHTARG = @extschema@.external_id,
	FUNCTION = @extschema@.external_id_gt,
	COMMUTATOR = OPERATOR(pg_catalog.<), NEGATOR = OPERATOR(pg_catalog.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
COMMENT ON OPERATOR pg_catalog.> (@extschema@.external_id, @extschema@.external_id) IS
	'greater than: two external ids';
CREATE OPERATOR pg_catalog.>= (
	LEFTARG = @extschema@.external_id, RIGHTARG = @extschema@.external_id,
	FUNCTION = @extschema@.external_id_ge,
	COMMUTATOR = OPERATOR(pg_catalog.<=), NEGATOR = OPERATOR(pg_catalog.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);
COMMENT ON OPERATOR pg_catalog.>= (@extschema@.external_id, @extschema@.external_id) IS
	'greater than or equal: two external ids';

-- an external id and a text read as external_id
CREATE FUNCTION @extschema@.external_id_text_eq(@extschema@.external_id, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.external_id_text_eq(@extschema@.external_id, text) IS
	'= of an external id and a text read as external_id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.external_id_text_ne(@extschema@.external_id, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.external_id_text_ne(@extschema@.external_id, text) IS
	'<> of an external id and a text read as external_id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.external_id_text_lt(@extschema@.external_id, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.external_id_text_lt(@extschema@.external_id, text) IS
	'< of an external id and a text read as external_id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.external_id_text_le(@extschema@.external_id, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.external_id_text_le(@extschema@.external_id, text) IS
	'<= of an external id and a text read as external_id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.external_id_text_gt(@extschema@.external_id, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.external_id_text_gt(@extschema@.external_id, text) IS
	'> of an external id and a text read as external_id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.external_id_text_ge(@extschema@.external_id, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.external_id_text_ge(@extschema@.external_id, text) IS
	'>= of an external id and a text read as external_id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.external_id_text_cmp(@extschema@.external_id, text) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_text_cmp(@extschema@.external_id, text) IS
	'three-way comparison of an external id and a text read as external_id (B-tree support function 1)';
CREATE OPERATOR pg_catalog.= (
	LEFTARG = @extschema@.external_id, RIGHTARG = text,
	FUNCTION = @extschema@.external_id_text_eq,
	COMMUTATOR = OPERATOR(pg_catalog.=), NEGATOR = OPERATOR(pg_catalog.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel,
	HASHES
);
COMMENT ON OPERATOR pg_catalog.= (@extschema@.external_id, text) IS
	'equal: an external id and a text read as external_id';
CREATE OPERATOR pg_catalog.<> (
	LEFTARG = @extschema@.external_id, RIGHTARG = text,
	FUNCTION = @extschema@.external_id_text_ne,
	COMMUTATOR = OPERATOR(pg_catalog.<>), NEGATOR = OPERATOR(pg_catalog.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);
COMMENT ON OPERATOR pg_catalog.<> (@extschema@.external_id, text) IS
	'not equal: an external id and a text read as external_id';
CREATE OPERATOR pg_catalog.< (
	LEFTARG = @extschema@.external_id, RIGHTARG = text,
	FUNCTION = @extschema@.external_id_text_lt,
	COMMUTATOR = OPERATOR(pg_catalog.>), NEGATOR = OPERATOR(pg_catalog.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
COMMENT ON OPERATOR pg_catalog.< (@extschema@.external_id, text) IS
	'less than: an external id and a text read as external_id';
CREATE OPERATOR pg_catalog.<= (
	LEFTARG = @extschema@.external_id, RIGHTARG = text,
	FUNCTION = @extschema@.external_id_text_le,
	COMMUTATOR = OPERATOR(pg_catalog.>=), NEGATOR = OPERATOR(pg_catalog.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
COMMENT ON OPERATOR pg_catalog.<= (@extschema@.external_id, text) IS
	'less than or equal: an external id and a text read as external_id';
CREATE OPERATOR pg_catalog.> (
	LEFTARG = @extschema@.external_id, RIGHTARG = text,
	FUNCTION = @extschema@.external_id_text_gt,
	COMMUTATOR = OPERATOR(pg_catalog.<), NEGATOR = OPERATOR(pg_catalog.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
COMMENT ON OPERATOR pg_catalog.> (@extschema@.external_id, text) IS
	'greater than: an external id and a text read as external_id';
CREATE OPERATOR pg_catalog.>= (
	LEFTARG = @extschema@.external_id, RIGHTARG = text,
	FUNCTION = @extschema@.external_id_text_ge,
	COMMUTATOR = OPERATOR(pg_catalog.<=), NEGATOR = OPERATOR(pg_catalog.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);
COMMENT ON OPERATOR pg_catalog.>= (@extschema@.external_id, text) IS
	'greater than or equal: an external id and a text read as external_id';

-- a text read as external_id and an external id
CREATE FUNCTION @extschema@.text_external_id_eq(text, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.text_external_id_eq(text, @extschema@.external_id) IS
	'= of a text read as external_id and an external id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.text_external_id_ne(text, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.text_external_id_ne(text, @extschema@.external_id) IS
	'<> of a text read as external_id and an external id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.text_external_id_lt(text, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.text_external_id_lt(text, @extschema@.external_id) IS
	'< of a text read as external_id and an external id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.text_external_id_le(text, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.text_external_id_le(text, @extschema@.external_id) IS
	'<= of a text read as external_id and an external id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.text_external_id_gt(text, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.text_external_id_gt(text, @extschema@.external_id) IS
	'> of a text read as external_id and an external id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.text_external_id_ge(text, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.text_external_id_ge(text, @extschema@.external_id) IS
	'>= of a text read as external_id and an external id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.text_external_id_cmp(text, @extschema@.external_id) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.text_external_id_cmp(text, @extschema@.external_id) IS
	'three-way comparison of a text read as external_id and an external id (B-tree support function 1)';
CREATE OPERATOR pg_catalog.= (
	LEFTARG = text, RIGHTARG = @extschema@.external_id,
	FUNCTION = @extschema@.text_external_id_eq,
	COMMUTATOR = OPERATOR(pg_catalog.=), NEGATOR = OPERATOR(pg_catalog.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel,
	HASHES
);
COMMENT ON OPERATOR pg_catalog.= (text, @extschema@.external_id) IS
	'equal: a text read as external_id and an external id';
CREATE OPERATOR pg_catalog.<> (
	LEFTARG = text, RIGHTARG = @extschema@.external_id,
	FUNCTION = @extschema@.text_external_id_ne,
	COMMUTATOR = OPERATOR(pg_catalog.<>), NEGATOR = OPERATOR(pg_catalog.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);
COMMENT ON OPERATOR pg_catalog.<> (text, @extschema@.external_id) IS
	'not equal: a text read as external_id and an external id';
CREATE OPERATOR pg_catalog.< (
	LEFTARG = text, RIGHTARG = @extschema@.external_id,
	FUNCTION = @extschema@.text_external_id_lt,
	COMMUTATOR = OPERATOR(pg_catalog.>), NEGATOR = OPERATOR(pg_catalog.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
COMMENT ON OPERATOR pg_catalog.< (text, @extschema@.external_id) IS
	'less than: a text read as external_id and an external id';
CREATE OPERATOR pg_catalog.<= (
	LEFTARG = text, RIGHTARG = @extschema@.external_id,
	FUNCTION = @extschema@.text_external_id_le,
	COMMUTATOR = OPERATOR(pg_catalog.>=), NEGATOR = OPERATOR(pg_catalog.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
COMMENT ON OPERATOR pg_catalog.<= (text, @extschema@.external_id) IS
	'less than or equal: a text read as external_id and an external id';
CREATE OPERATOR pg_catalog.> (
	LEFTARG = text, RIGHTARG = @extschema@.external_id,
	FUNCTION = @extschema@.text_external_id_gt,
	COMMUTATOR = OPERATOR(pg_catalog.<), NEGATOR = OPERATOR(pg_catalog.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
COMMENT ON OPERATOR pg_catalog.> (text, @extschema@.external_id) IS
	'greater than: a text read as external_id and an external id';
CREATE OPERATOR pg_catalog.>= (
	LEFTARG = text, RIGHTARG = @extschema@.external_id,
	FUNCTION = @extschema@.text_external_id_ge,
	COMMUTATOR = OPERATOR(pg_catalog.<=), NEGATOR = OPERATOR(pg_catalog.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);
COMMENT ON OPERATOR pg_catalog.>= (text, @extschema@.external_id) IS
	'greater than or equal: a text read as external_id and an external id';

-- an external id and a uuid read as external_id
CREATE FUNCTION @extschema@.external_id_uuid_eq(@extschema@.external_id, uuid) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.external_id_uuid_eq(@extschema@.external_id, uuid) IS
	'= of an external id and a uuid read as external_id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.external_id_uuid_ne(@extschema@.external_id, uuid) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.external_id_uuid_ne(@extschema@.external_id, uuid) IS
	'<> of an external id and a uuid read as external_id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.external_id_uuid_lt(@extschema@.external_id, uuid) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.external_id_uuid_lt(@extschema@.external_id, uuid) IS
	'< of an external id and a uuid read as external_id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.external_id_uuid_le(@extschema@.external_id, uuid) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.external_id_uuid_le(@extschema@.external_id, uuid) IS
	'<= of an external id and a uuid read as external_id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.external_id_uuid_gt(@extschema@.external_id, uuid) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.external_id_uuid_gt(@extschema@.external_id, uuid) IS
	'> of an external id and a uuid read as external_id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.external_id_uuid_ge(@extschema@.external_id, uuid) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.external_id_uuid_ge(@extschema@.external_id, uuid) IS
	'>= of an external id and a uuid read as external_id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.external_id_uuid_cmp(@extschema@.external_id, uuid) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_uuid_cmp(@extschema@.external_id, uuid) IS
	'three-way comparison of an external id and a uuid read as external_id (B-tree support function 1)';
CREATE OPERATOR pg_catalog.= (
	LEFTARG = @extschema@.external_id, RIGHTARG = uuid,
	FUNCTION = @extschema@.external_id_uuid_eq,
	COMMUTATOR = OPERATOR(pg_catalog.=), NEGATOR = OPERATOR(pg_catalog.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel,
	HASHES
);
COMMENT ON OPERATOR pg_catalog.= (@extschema@.external_id, uuid) IS
	'equal: an external id and a uuid read as external_id';
CREATE OPERATOR pg_catalog.<> (
	LEFTARG = @extschema@.external_id, RIGHTARG = uuid,
	FUNCTION = @extschema@.external_id_uuid_ne,
	COMMUTATOR = OPERATOR(pg_catalog.<>), NEGATOR = OPERATOR(pg_catalog.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);
COMMENT ON OPERATOR pg_catalog.<> (@extschema@.external_id, uuid) IS
	'not equal: an external id and a uuid read as external_id';
CREATE OPERATOR pg_catalog.< (
	LEFTARG = @extschema@.external_id, RIGHTARG = uuid,
	FUNCTION = @extschema@.external_id_uuid_lt,
	COMMUTATOR = OPERATOR(pg_catalog.>), NEGATOR = OPERATOR(pg_catalog.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
COMMENT ON OPERATOR pg_catalog.< (@extschema@.external_id, uuid) IS
	'less than: an external id and a uuid read as external_id';
CREATE OPERATOR pg_catalog.<= (
	LEFTARG = @extschema@.external_id, RIGHTARG = uuid,
	FUNCTION = @extschema@.external_id_uuid_le,
	COMMUTATOR = OPERATOR(pg_catalog.>=), NEGATOR = OPERATOR(pg_catalog.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
COMMENT ON OPERATOR pg_catalog.<= (@extschema@.external_id, uuid) IS
	'less than or equal: an external id and a uuid read as external_id';
CREATE OPERATOR pg_catalog.> (
	LEFTARG = @extschema@.external_id, RIGHTARG = uuid,
	FUNCTION = @extschema@.external_id_uuid_gt,
	COMMUTATOR = OPERATOR(pg_catalog.<), NEGATOR = OPERATOR(pg_catalog.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
COMMENT ON OPERATOR pg_catalog.> (@extschema@.external_id, uuid) IS
	'greater than: an external id and a uuid read as external_id';
CREATE OPERATOR pg_catalog.>= (
	LEFTARG = @extschema@.external_id, RIGHTARG = uuid,
	FUNCTION = @extschema@.external_id_uuid_ge,
	COMMUTATOR = OPERATOR(pg_catalog.<=), NEGATOR = OPERATOR(pg_catalog.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);
COMMENT ON OPERATOR pg_catalog.>= (@extschema@.external_id, uuid) IS
	'greater than or equal: an external id and a uuid read as external_id';

-- a uuid read as external_id and an external id
CREATE FUNCTION @extschema@.uuid_external_id_eq(uuid, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.uuid_external_id_eq(uuid, @extschema@.external_id) IS
	'= of a uuid read as external_id and an external id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.uuid_external_id_ne(uuid, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.uuid_external_id_ne(uuid, @extschema@.external_id) IS
	'<> of a uuid read as external_id and an external id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.uuid_external_id_lt(uuid, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.uuid_external_id_lt(uuid, @extschema@.external_id) IS
	'< of a uuid read as external_id and an external id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.uuid_external_id_le(uuid, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.uuid_external_id_le(uuid, @extschema@.external_id) IS
	'<= of a uuid read as external_id and an external id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.uuid_external_id_gt(uuid, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.uuid_external_id_gt(uuid, @extschema@.external_id) IS
	'> of a uuid read as external_id and an external id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.uuid_external_id_ge(uuid, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.uuid_external_id_ge(uuid, @extschema@.external_id) IS
	'>= of a uuid read as external_id and an external id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.uuid_external_id_cmp(uuid, @extschema@.external_id) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.uuid_external_id_cmp(uuid, @extschema@.external_id) IS
	'three-way comparison of a uuid read as external_id and an external id (B-tree support function 1)';
CREATE OPERATOR pg_catalog.= (
	LEFTARG = uuid, RIGHTARG = @extschema@.external_id,
	FUNCTION = @extschema@.uuid_external_id_eq,
	COMMUTATOR = OPERATOR(pg_catalog.=), NEGATOR = OPERATOR(pg_catalog.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel,
	HASHES
);
COMMENT ON OPERATOR pg_catalog.= (uuid, @extschema@.external_id) IS
	'equal: a uuid read as external_id and an external id';
CREATE OPERATOR pg_catalog.<> (
	LEFTARG = uuid, RIGHTARG = @extschema@.external_id,
	FUNCTION = @extschema@.uuid_external_id_ne,
	COMMUTATOR = OPERATOR(pg_catalog.<>), NEGATOR = OPERATOR(pg_catalog.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);
COMMENT ON OPERATOR pg_catalog.<> (uuid, @extschema@.external_id) IS
	'not equal: a uuid read as external_id and an external id';
CREATE OPERATOR pg_catalog.< (
	LEFTARG = uuid, RIGHTARG = @extschema@.external_id,
	FUNCTION = @extschema@.uuid_external_id_lt,
	COMMUTATOR = OPERATOR(pg_catalog.>), NEGATOR = OPERATOR(pg_catalog.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
COMMENT ON OPERATOR pg_catalog.< (uuid, @extschema@.external_id) IS
	'less than: a uuid read as external_id and an external id';
CREATE OPERATOR pg_catalog.<= (
	LEFTARG = uuid, RIGHTARG = @extschema@.external_id,
	FUNCTION = @extschema@.uuid_external_id_le,
	COMMUTATOR = OPERATOR(pg_catalog.>=), NEGATOR = OPERATOR(pg_catalog.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
COMMENT ON OPERATOR pg_catalog.<= (uuid, @extschema@.external_id) IS
	'less than or equal: a uuid read as external_id and an external id';
CREATE OPERATOR pg_catalog.> (
	LEFTARG = uuid, RIGHTARG = @extschema@.external_id,
	FUNCTION = @extschema@.uuid_external_id_gt,
	COMMUTATOR = OPERATOR(pg_catalog.<), NEGATOR = OPERATOR(pg_catalog.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
COMMENT ON OPERATOR pg_catalog.> (uuid, @extschema@.external_id) IS
	'greater than: a uuid read as external_id and an external id';
CREATE OPERATOR pg_catalog.>= (
	LEFTARG = uuid, RIGHTARG = @extschema@.external_id,
	FUNCTION = @extschema@.uuid_external_id_ge,
	COMMUTATOR = OPERATOR(pg_catalog.<=), NEGATOR = OPERATOR(pg_catalog.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);
COMMENT ON OPERATOR pg_catalog.>= (uuid, @extschema@.external_id) IS
	'greater than or equal: a uuid read as external_id and an external id';

-- an external id and a name, both ways: without them  user_id = current_user
-- would be ambiguous between external_id = text and text = name (through the
-- implicit cast).  In no operator family: the planner support function turns
-- them into the type's own operators, which use the indexes.
-- an external id and a name read as external_id
CREATE FUNCTION @extschema@.external_id_name_eq(@extschema@.external_id, name) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.external_id_name_eq(@extschema@.external_id, name) IS
	'= of an external id and a name read as external_id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.external_id_name_ne(@extschema@.external_id, name) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.external_id_name_ne(@extschema@.external_id, name) IS
	'<> of an external id and a name read as external_id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.external_id_name_lt(@extschema@.external_id, name) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.external_id_name_lt(@extschema@.external_id, name) IS
	'< of an external id and a name read as external_id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.external_id_name_le(@extschema@.external_id, name) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.external_id_name_le(@extschema@.external_id, name) IS
	'<= of an external id and a name read as external_id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.external_id_name_gt(@extschema@.external_id, name) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.external_id_name_gt(@extschema@.external_id, name) IS
	'> of an external id and a name read as external_id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.external_id_name_ge(@extschema@.external_id, name) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.external_id_name_ge(@extschema@.external_id, name) IS
	'>= of an external id and a name read as external_id, in the order of their canonical texts';
CREATE OPERATOR pg_catalog.= (
	LEFTARG = @extschema@.external_id, RIGHTARG = name,
	FUNCTION = @extschema@.external_id_name_eq,
	COMMUTATOR = OPERATOR(pg_catalog.=), NEGATOR = OPERATOR(pg_catalog.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel
);
COMMENT ON OPERATOR pg_catalog.= (@extschema@.external_id, name) IS
	'equal: an external id and a name read as external_id';
CREATE OPERATOR pg_catalog.<> (
	LEFTARG = @extschema@.external_id, RIGHTARG = name,
	FUNCTION = @extschema@.external_id_name_ne,
	COMMUTATOR = OPERATOR(pg_catalog.<>), NEGATOR = OPERATOR(pg_catalog.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);
COMMENT ON OPERATOR pg_catalog.<> (@extschema@.external_id, name) IS
	'not equal: an external id and a name read as external_id';
CREATE OPERATOR pg_catalog.< (
	LEFTARG = @extschema@.external_id, RIGHTARG = name,
	FUNCTION = @extschema@.external_id_name_lt,
	COMMUTATOR = OPERATOR(pg_catalog.>), NEGATOR = OPERATOR(pg_catalog.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
COMMENT ON OPERATOR pg_catalog.< (@extschema@.external_id, name) IS
	'less than: an external id and a name read as external_id';
CREATE OPERATOR pg_catalog.<= (
	LEFTARG = @extschema@.external_id, RIGHTARG = name,
	FUNCTION = @extschema@.external_id_name_le,
	COMMUTATOR = OPERATOR(pg_catalog.>=), NEGATOR = OPERATOR(pg_catalog.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
COMMENT ON OPERATOR pg_catalog.<= (@extschema@.external_id, name) IS
	'less than or equal: an external id and a name read as external_id';
CREATE OPERATOR pg_catalog.> (
	LEFTARG = @extschema@.external_id, RIGHTARG = name,
	FUNCTION = @extschema@.external_id_name_gt,
	COMMUTATOR = OPERATOR(pg_catalog.<), NEGATOR = OPERATOR(pg_catalog.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
COMMENT ON OPERATOR pg_catalog.> (@extschema@.external_id, name) IS
	'greater than: an external id and a name read as external_id';
CREATE OPERATOR pg_catalog.>= (
	LEFTARG = @extschema@.external_id, RIGHTARG = name,
	FUNCTION = @extschema@.external_id_name_ge,
	COMMUTATOR = OPERATOR(pg_catalog.<=), NEGATOR = OPERATOR(pg_catalog.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);
COMMENT ON OPERATOR pg_catalog.>= (@extschema@.external_id, name) IS
	'greater than or equal: an external id and a name read as external_id';

-- a name read as external_id and an external id
CREATE FUNCTION @extschema@.name_external_id_eq(name, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.name_external_id_eq(name, @extschema@.external_id) IS
	'= of a name read as external_id and an external id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.name_external_id_ne(name, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.name_external_id_ne(name, @extschema@.external_id) IS
	'<> of a name read as external_id and an external id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.name_external_id_lt(name, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.name_external_id_lt(name, @extschema@.external_id) IS
	'< of a name read as external_id and an external id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.name_external_id_le(name, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.name_external_id_le(name, @extschema@.external_id) IS
	'<= of a name read as external_id and an external id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.name_external_id_gt(name, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.name_external_id_gt(name, @extschema@.external_id) IS
	'> of a name read as external_id and an external id, in the order of their canonical texts';
CREATE FUNCTION @extschema@.name_external_id_ge(name, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;
COMMENT ON FUNCTION @extschema@.name_external_id_ge(name, @extschema@.external_id) IS
	'>= of a name read as external_id and an external id, in the order of their canonical texts';
CREATE OPERATOR pg_catalog.= (
	LEFTARG = name, RIGHTARG = @extschema@.external_id,
	FUNCTION = @extschema@.name_external_id_eq,
	COMMUTATOR = OPERATOR(pg_catalog.=), NEGATOR = OPERATOR(pg_catalog.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel
);
COMMENT ON OPERATOR pg_catalog.= (name, @extschema@.external_id) IS
	'equal: a name read as external_id and an external id';
CREATE OPERATOR pg_catalog.<> (
	LEFTARG = name, RIGHTARG = @extschema@.external_id,
	FUNCTION = @extschema@.name_external_id_ne,
	COMMUTATOR = OPERATOR(pg_catalog.<>), NEGATOR = OPERATOR(pg_catalog.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);
COMMENT ON OPERATOR pg_catalog.<> (name, @extschema@.external_id) IS
	'not equal: a name read as external_id and an external id';
CREATE OPERATOR pg_catalog.< (
	LEFTARG = name, RIGHTARG = @extschema@.external_id,
	FUNCTION = @extschema@.name_external_id_lt,
	COMMUTATOR = OPERATOR(pg_catalog.>), NEGATOR = OPERATOR(pg_catalog.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
COMMENT ON OPERATOR pg_catalog.< (name, @extschema@.external_id) IS
	'less than: a name read as external_id and an external id';
CREATE OPERATOR pg_catalog.<= (
	LEFTARG = name, RIGHTARG = @extschema@.external_id,
	FUNCTION = @extschema@.name_external_id_le,
	COMMUTATOR = OPERATOR(pg_catalog.>=), NEGATOR = OPERATOR(pg_catalog.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
COMMENT ON OPERATOR pg_catalog.<= (name, @extschema@.external_id) IS
	'less than or equal: a name read as external_id and an external id';
CREATE OPERATOR pg_catalog.> (
	LEFTARG = name, RIGHTARG = @extschema@.external_id,
	FUNCTION = @extschema@.name_external_id_gt,
	COMMUTATOR = OPERATOR(pg_catalog.<), NEGATOR = OPERATOR(pg_catalog.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
COMMENT ON OPERATOR pg_catalog.> (name, @extschema@.external_id) IS
	'greater than: a name read as external_id and an external id';
CREATE OPERATOR pg_catalog.>= (
	LEFTARG = name, RIGHTARG = @extschema@.external_id,
	FUNCTION = @extschema@.name_external_id_ge,
	COMMUTATOR = OPERATOR(pg_catalog.<=), NEGATOR = OPERATOR(pg_catalog.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);
COMMENT ON OPERATOR pg_catalog.>= (name, @extschema@.external_id) IS
	'greater than or equal: a name read as external_id and an external id';

-- ---------------------------------------------------------------------------
-- min and max in the type's order (the text order under COLLATE "C"), in
-- pg_catalog like the operators: without them min(user_id) would resolve to
-- min(text) through the implicit cast and follow the database's collation.
-- SORTOP lets the planner read them from a B-tree index.
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.external_id_smaller(@extschema@.external_id, @extschema@.external_id) RETURNS @extschema@.external_id
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_smaller(@extschema@.external_id, @extschema@.external_id) IS
	'the smaller of two external ids (transition function of min(@extschema@.external_id))';
CREATE FUNCTION @extschema@.external_id_larger(@extschema@.external_id, @extschema@.external_id) RETURNS @extschema@.external_id
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_larger(@extschema@.external_id, @extschema@.external_id) IS
	'the larger of two external ids (transition function of max(@extschema@.external_id))';
CREATE AGGREGATE pg_catalog.min(@extschema@.external_id) (
	SFUNC = @extschema@.external_id_smaller,
	STYPE = @extschema@.external_id,
	COMBINEFUNC = @extschema@.external_id_smaller,
	SORTOP = OPERATOR(pg_catalog.<),
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pg_catalog.min(@extschema@.external_id) IS
	'smallest external id, in the order of the canonical texts under COLLATE "C"';
CREATE AGGREGATE pg_catalog.max(@extschema@.external_id) (
	SFUNC = @extschema@.external_id_larger,
	STYPE = @extschema@.external_id,
	COMBINEFUNC = @extschema@.external_id_larger,
	SORTOP = OPERATOR(pg_catalog.>),
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE pg_catalog.max(@extschema@.external_id) IS
	'largest external id, in the order of the canonical texts under COLLATE "C"';

-- ---------------------------------------------------------------------------
-- Index support.
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.external_id_texts_cmp(text, text) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_texts_cmp(text, text) IS
	'three-way comparison of two texts as external ids (B-tree support function 1 for (text, text), used to sort the array of col = ANY($1::text[]))';

CREATE FUNCTION @extschema@.external_id_sortsupport(internal) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_sortsupport(internal) IS
	'B-tree sort support for @extschema@.external_id, with abbreviated keys (the first 8 bytes of the canonical text)';

CREATE FUNCTION @extschema@.external_id_hash(@extschema@.external_id) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_hash(@extschema@.external_id) IS
	'hash of the canonical bytes of an external id';

CREATE FUNCTION @extschema@.external_id_hash_extended(@extschema@.external_id, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_hash_extended(@extschema@.external_id, bigint) IS
	'seeded 64-bit hash of the canonical bytes of an external id (hash partitioning)';

CREATE FUNCTION @extschema@.external_id_text_hash(text) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_text_hash(text) IS
	'hash of a text read as external_id: equals @extschema@.external_id_hash of that value';

CREATE FUNCTION @extschema@.external_id_text_hash_extended(text, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_text_hash_extended(text, bigint) IS
	'seeded 64-bit hash of a text read as external_id: equals @extschema@.external_id_hash_extended of that value';

CREATE FUNCTION @extschema@.external_id_uuid_hash(uuid) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_uuid_hash(uuid) IS
	'hash of a uuid read as external_id: equals @extschema@.external_id_hash of that value';

CREATE FUNCTION @extschema@.external_id_uuid_hash_extended(uuid, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.external_id_uuid_hash_extended(uuid, bigint) IS
	'seeded 64-bit hash of a uuid read as external_id: equals @extschema@.external_id_hash_extended of that value';

-- B-tree: the default operator class, then the cross-type members with text
-- and uuid.
--
-- UPGRADE: the order of this operator class changed after 0.1.0.  0.1.0
-- ordered by kind (integers by value, then uuids, then text bytewise); now
-- every value sorts as its canonical text under COLLATE "C".  The stored
-- bytes and the hash functions did not change, but every B-tree index over
-- @extschema@.external_id built by 0.1.0 is in the old order, so the update
-- script from 0.1.0 must REINDEX each of them (any index with a column or
-- expression of this type, in every schema, partitions included; hash
-- indexes need nothing).  Until then such an index returns wrong results.
CREATE OPERATOR FAMILY @extschema@.external_id_ops USING btree;
COMMENT ON OPERATOR FAMILY @extschema@.external_id_ops USING btree IS
	'B-tree order of @extschema@.external_id (its canonical text under COLLATE "C"), with text and uuid compared after conversion';

CREATE OPERATOR CLASS @extschema@.external_id_ops
	DEFAULT FOR TYPE @extschema@.external_id USING btree FAMILY @extschema@.external_id_ops AS
	OPERATOR 1 pg_catalog.< ,
	OPERATOR 2 pg_catalog.<= ,
	OPERATOR 3 pg_catalog.= ,
	OPERATOR 4 pg_catalog.>= ,
	OPERATOR 5 pg_catalog.> ,
	FUNCTION 1 @extschema@.external_id_cmp(@extschema@.external_id, @extschema@.external_id),
	FUNCTION 2 @extschema@.external_id_sortsupport(internal),
	-- equality is bitwise equality of the canonical bytes: deduplication is safe
	FUNCTION 4 btequalimage(oid);
COMMENT ON OPERATOR CLASS @extschema@.external_id_ops USING btree IS
	'default B-tree operator class of @extschema@.external_id (sort support, deduplication)';

ALTER OPERATOR FAMILY @extschema@.external_id_ops USING btree ADD
	OPERATOR 1 pg_catalog.< (@extschema@.external_id, text),
	OPERATOR 2 pg_catalog.<= (@extschema@.external_id, text),
	OPERATOR 3 pg_catalog.= (@extschema@.external_id, text),
	OPERATOR 4 pg_catalog.>= (@extschema@.external_id, text),
	OPERATOR 5 pg_catalog.> (@extschema@.external_id, text),
	FUNCTION 1 (@extschema@.external_id, text) @extschema@.external_id_text_cmp(@extschema@.external_id, text),
	OPERATOR 1 pg_catalog.< (text, @extschema@.external_id),
	OPERATOR 2 pg_catalog.<= (text, @extschema@.external_id),
	OPERATOR 3 pg_catalog.= (text, @extschema@.external_id),
	OPERATOR 4 pg_catalog.>= (text, @extschema@.external_id),
	OPERATOR 5 pg_catalog.> (text, @extschema@.external_id),
	FUNCTION 1 (text, @extschema@.external_id) @extschema@.text_external_id_cmp(text, @extschema@.external_id),
	FUNCTION 1 (text, text) @extschema@.external_id_texts_cmp(text, text),
	OPERATOR 1 pg_catalog.< (@extschema@.external_id, uuid),
	OPERATOR 2 pg_catalog.<= (@extschema@.external_id, uuid),
	OPERATOR 3 pg_catalog.= (@extschema@.external_id, uuid),
	OPERATOR 4 pg_catalog.>= (@extschema@.external_id, uuid),
	OPERATOR 5 pg_catalog.> (@extschema@.external_id, uuid),
	FUNCTION 1 (@extschema@.external_id, uuid) @extschema@.external_id_uuid_cmp(@extschema@.external_id, uuid),
	OPERATOR 1 pg_catalog.< (uuid, @extschema@.external_id),
	OPERATOR 2 pg_catalog.<= (uuid, @extschema@.external_id),
	OPERATOR 3 pg_catalog.= (uuid, @extschema@.external_id),
	OPERATOR 4 pg_catalog.>= (uuid, @extschema@.external_id),
	OPERATOR 5 pg_catalog.> (uuid, @extschema@.external_id),
	FUNCTION 1 (uuid, @extschema@.external_id) @extschema@.uuid_external_id_cmp(uuid, @extschema@.external_id),
	-- sorts the array of col = ANY($1::uuid[]); a uuid's order is the order
	-- of its canonical text, so uuid's own comparison is this family's
	FUNCTION 1 (uuid, uuid) pg_catalog.uuid_cmp(uuid, uuid);

-- Hash: the default operator class, then the cross-type members with text
-- and uuid (both hashed as the external_id they convert to).
CREATE OPERATOR FAMILY @extschema@.external_id_ops USING hash;
COMMENT ON OPERATOR FAMILY @extschema@.external_id_ops USING hash IS
	'hashing of @extschema@.external_id, with text and uuid hashed after conversion';

CREATE OPERATOR CLASS @extschema@.external_id_ops
	DEFAULT FOR TYPE @extschema@.external_id USING hash FAMILY @extschema@.external_id_ops AS
	OPERATOR 1 pg_catalog.= ,
	FUNCTION 1 @extschema@.external_id_hash(@extschema@.external_id),
	FUNCTION 2 @extschema@.external_id_hash_extended(@extschema@.external_id, bigint);
COMMENT ON OPERATOR CLASS @extschema@.external_id_ops USING hash IS
	'default hash operator class of @extschema@.external_id (hash joins, hash aggregation, hash partitioning)';

ALTER OPERATOR FAMILY @extschema@.external_id_ops USING hash ADD
	OPERATOR 1 pg_catalog.= (@extschema@.external_id, text),
	OPERATOR 1 pg_catalog.= (text, @extschema@.external_id),
	FUNCTION 1 (text) @extschema@.external_id_text_hash(text),
	FUNCTION 2 (text) @extschema@.external_id_text_hash_extended(text, bigint),
	OPERATOR 1 pg_catalog.= (@extschema@.external_id, uuid),
	OPERATOR 1 pg_catalog.= (uuid, @extschema@.external_id),
	FUNCTION 1 (uuid) @extschema@.external_id_uuid_hash(uuid),
	FUNCTION 2 (uuid) @extschema@.external_id_uuid_hash_extended(uuid, bigint);
