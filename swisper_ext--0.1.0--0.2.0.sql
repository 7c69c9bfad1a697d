-- swisper_ext 0.1.0 -> 0.2.0: ALTER EXTENSION swisper_ext UPDATE.
--
-- Makes a 0.1.0 installation what CREATE EXTENSION of 0.2.0 makes (the
-- test test/t/110_upgrade_0_1_0.pl compares the two catalogs): new
-- functions, operators, casts, aggregates and the domain
-- strict_external_id; functions whose definition changed are replaced; every
-- comment is set again; ingest_merge_state gains row_partition.  Privileges
-- are revoked from PUBLIC on the new functions only: the objects 0.1.0
-- made keep the privileges they have now (0.1.0 revoked the same at
-- install; a GRANT made since is the administrator's).  No application
-- table is created or changed.
--
-- swisper.external_id's stored bytes did not change: 0.1.0 stored an
-- integer as tag 1 and 8 bytes, a uuid as tag 2 and 16 bytes, and a text as
-- its bytes (never starting below 0x20), which 0.2.0 reads as the same
-- values, and the hash (hash_any of those bytes) is the same.  So no table
-- is rewritten, and hash indexes and hash partitions stay valid.  Its B-tree
-- order did change (0.1.0: integers by value, then uuids, then text; 0.2.0:
-- the canonical texts byte by byte), so the end of this script rebuilds
-- every valid index but hash ones whose key holds the type (or a domain,
-- array, composite, range or multirange over it), in every schema,
-- partitions included, and every index whose expression or predicate calls
-- one of the extension's functions.  A table range-partitioned on the type
-- (or on a value that holds it) is refused, and the update then changes
-- nothing: its partition bounds would no longer be in order.
\echo Use "ALTER EXTENSION swisper_ext UPDATE TO '0.2.0'" to load this file. \quit

CREATE OR REPLACE FUNCTION @extschema@.external_id_in(cstring) RETURNS @extschema@.external_id
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.external_id_in(cstring) IS
	'text input of @extschema@.external_id: every string is a value; uuids in their standard layout and canonical integers are stored compactly';

CREATE OR REPLACE FUNCTION @extschema@.external_id_out(@extschema@.external_id) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.external_id_out(@extschema@.external_id) IS
	'text output of @extschema@.external_id: integers in decimal, uuids lower-case hyphenated, text as stored';

CREATE OR REPLACE FUNCTION @extschema@.external_id_recv(internal) RETURNS @extschema@.external_id
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.external_id_recv(internal) IS
	'binary input of @extschema@.external_id: kind tag byte (1 integer, 2 uuid, 3 text) then payload; a text payload is converted from the client encoding and read exactly as text input';

CREATE OR REPLACE FUNCTION @extschema@.external_id_send(@extschema@.external_id) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.external_id_send(@extschema@.external_id) IS
	'binary output of @extschema@.external_id: kind tag byte, then 8 bytes big-endian (integer), 16 bytes (uuid) or the characters in the client encoding (text)';

-- The type's category: string (S), as a fresh install declares it (ALTER
-- TYPE cannot change it).  The array type keeps category A.
UPDATE pg_catalog.pg_type SET typcategory = 'S'
 WHERE oid = '@extschema@.external_id'::pg_catalog.regtype;

COMMENT ON TYPE @extschema@.external_id IS
	'identifier of something in another system: any text, kept byte for byte, with uuids in their standard layout (16 bytes, printed lower-case hyphenated) and canonical integers (8 bytes) stored compactly; ordered as its text under COLLATE "C"';

CREATE OR REPLACE FUNCTION @extschema@.external_id_from_text(text) RETURNS @extschema@.external_id
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.external_id_from_text(text) IS
	'converts text to @extschema@.external_id; never fails (the cast text/varchar -> external_id)';

CREATE OR REPLACE FUNCTION @extschema@.external_id_from_uuid(uuid) RETURNS @extschema@.external_id
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.external_id_from_uuid(uuid) IS
	'converts uuid to @extschema@.external_id of kind uuid (the cast uuid -> external_id)';

CREATE OR REPLACE FUNCTION @extschema@.external_id_to_text(@extschema@.external_id) RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.external_id_to_text(@extschema@.external_id) IS
	'the text form of an external id (the implicit casts external_id -> text and -> varchar)';

CREATE FUNCTION @extschema@.external_id_to_name(@extschema@.external_id) RETURNS name
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.external_id_to_name(@extschema@.external_id) IS
	'the text form of an external id as a name, cut to 63 bytes as text::name cuts it (the implicit cast external_id -> name)';

CREATE OR REPLACE FUNCTION @extschema@.external_id_to_uuid(@extschema@.external_id) RETURNS uuid
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.external_id_to_uuid(@extschema@.external_id) IS
	'the uuid of an external id: the value of kind uuid, any other through uuid''s input as text::uuid does, 22P02 when that refuses it (the explicit cast external_id -> uuid)';

CREATE OR REPLACE FUNCTION @extschema@.external_id_kind(@extschema@.external_id) RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.external_id_kind(@extschema@.external_id) IS
	'how the value is stored: ''integer'', ''uuid'' or ''text''';

CREATE OR REPLACE FUNCTION @extschema@.is_valid_external_id(text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.is_valid_external_id(text) IS
	'true when the text keeps the strict rules of @extschema@.strict_external_id: 1 to 255 bytes, no control character (U+0000-U+001F, U+007F), no blank at either end; every text is a @extschema@.external_id whatever this says';

COMMENT ON CAST (text AS @extschema@.external_id) IS
	'assignment cast: every text converts; uuids in their standard layout and canonical integers become those kinds';

COMMENT ON CAST (varchar AS @extschema@.external_id) IS
	'assignment cast: every text converts; uuids in their standard layout and canonical integers become those kinds';

COMMENT ON CAST (uuid AS @extschema@.external_id) IS
	'assignment cast: a uuid becomes an external id of kind uuid';

-- The cast to text was by assignment; it is implicit now.
UPDATE pg_catalog.pg_cast SET castcontext = 'i'
 WHERE castsource = '@extschema@.external_id'::pg_catalog.regtype
   AND casttarget = 'pg_catalog.text'::pg_catalog.regtype;

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

COMMENT ON CAST (@extschema@.external_id AS uuid) IS
	'explicit cast: as text::uuid (kind uuid, or another spelling uuid accepts), 22P02 otherwise';

CREATE DOMAIN @extschema@.strict_external_id AS @extschema@.external_id
	CHECK (@extschema@.is_valid_external_id(VALUE::text));

COMMENT ON DOMAIN @extschema@.strict_external_id IS
	'@extschema@.external_id restricted to 1 to 255 bytes without control characters or blanks at either end (@extschema@.is_valid_external_id); 23514 otherwise';

CREATE OR REPLACE FUNCTION @extschema@.external_id_text_support(internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.external_id_text_support(internal) IS
	'planner support of the operators between external_id and text or uuid: compare after one conversion of the other operand';

CREATE OR REPLACE FUNCTION @extschema@.external_id_eq(@extschema@.external_id, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.external_id_eq(@extschema@.external_id, @extschema@.external_id) IS
	'= of two external ids, in the order of their canonical texts';

CREATE OR REPLACE FUNCTION @extschema@.external_id_ne(@extschema@.external_id, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.external_id_ne(@extschema@.external_id, @extschema@.external_id) IS
	'<> of two external ids, in the order of their canonical texts';

CREATE OR REPLACE FUNCTION @extschema@.external_id_lt(@extschema@.external_id, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.external_id_lt(@extschema@.external_id, @extschema@.external_id) IS
	'< of two external ids, in the order of their canonical texts';

CREATE OR REPLACE FUNCTION @extschema@.external_id_le(@extschema@.external_id, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.external_id_le(@extschema@.external_id, @extschema@.external_id) IS
	'<= of two external ids, in the order of their canonical texts';

CREATE OR REPLACE FUNCTION @extschema@.external_id_gt(@extschema@.external_id, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.external_id_gt(@extschema@.external_id, @extschema@.external_id) IS
	'> of two external ids, in the order of their canonical texts';

CREATE OR REPLACE FUNCTION @extschema@.external_id_ge(@extschema@.external_id, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.external_id_ge(@extschema@.external_id, @extschema@.external_id) IS
	'>= of two external ids, in the order of their canonical texts';

CREATE OR REPLACE FUNCTION @extschema@.external_id_cmp(@extschema@.external_id, @extschema@.external_id) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.external_id_cmp(@extschema@.external_id, @extschema@.external_id) IS
	'three-way comparison of two external ids (B-tree support function 1)';

COMMENT ON OPERATOR pg_catalog.= (@extschema@.external_id, @extschema@.external_id) IS
	'equal: two external ids';

COMMENT ON OPERATOR pg_catalog.<> (@extschema@.external_id, @extschema@.external_id) IS
	'not equal: two external ids';

COMMENT ON OPERATOR pg_catalog.< (@extschema@.external_id, @extschema@.external_id) IS
	'less than: two external ids';

COMMENT ON OPERATOR pg_catalog.<= (@extschema@.external_id, @extschema@.external_id) IS
	'less than or equal: two external ids';

COMMENT ON OPERATOR pg_catalog.> (@extschema@.external_id, @extschema@.external_id) IS
	'greater than: two external ids';

COMMENT ON OPERATOR pg_catalog.>= (@extschema@.external_id, @extschema@.external_id) IS
	'greater than or equal: two external ids';

CREATE OR REPLACE FUNCTION @extschema@.external_id_text_eq(@extschema@.external_id, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;

COMMENT ON FUNCTION @extschema@.external_id_text_eq(@extschema@.external_id, text) IS
	'= of an external id and a text read as external_id, in the order of their canonical texts';

CREATE OR REPLACE FUNCTION @extschema@.external_id_text_ne(@extschema@.external_id, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;

COMMENT ON FUNCTION @extschema@.external_id_text_ne(@extschema@.external_id, text) IS
	'<> of an external id and a text read as external_id, in the order of their canonical texts';

CREATE OR REPLACE FUNCTION @extschema@.external_id_text_lt(@extschema@.external_id, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;

COMMENT ON FUNCTION @extschema@.external_id_text_lt(@extschema@.external_id, text) IS
	'< of an external id and a text read as external_id, in the order of their canonical texts';

CREATE OR REPLACE FUNCTION @extschema@.external_id_text_le(@extschema@.external_id, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;

COMMENT ON FUNCTION @extschema@.external_id_text_le(@extschema@.external_id, text) IS
	'<= of an external id and a text read as external_id, in the order of their canonical texts';

CREATE OR REPLACE FUNCTION @extschema@.external_id_text_gt(@extschema@.external_id, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;

COMMENT ON FUNCTION @extschema@.external_id_text_gt(@extschema@.external_id, text) IS
	'> of an external id and a text read as external_id, in the order of their canonical texts';

CREATE OR REPLACE FUNCTION @extschema@.external_id_text_ge(@extschema@.external_id, text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;

COMMENT ON FUNCTION @extschema@.external_id_text_ge(@extschema@.external_id, text) IS
	'>= of an external id and a text read as external_id, in the order of their canonical texts';

CREATE OR REPLACE FUNCTION @extschema@.external_id_text_cmp(@extschema@.external_id, text) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.external_id_text_cmp(@extschema@.external_id, text) IS
	'three-way comparison of an external id and a text read as external_id (B-tree support function 1)';

COMMENT ON OPERATOR pg_catalog.= (@extschema@.external_id, text) IS
	'equal: an external id and a text read as external_id';

COMMENT ON OPERATOR pg_catalog.<> (@extschema@.external_id, text) IS
	'not equal: an external id and a text read as external_id';

COMMENT ON OPERATOR pg_catalog.< (@extschema@.external_id, text) IS
	'less than: an external id and a text read as external_id';

COMMENT ON OPERATOR pg_catalog.<= (@extschema@.external_id, text) IS
	'less than or equal: an external id and a text read as external_id';

COMMENT ON OPERATOR pg_catalog.> (@extschema@.external_id, text) IS
	'greater than: an external id and a text read as external_id';

COMMENT ON OPERATOR pg_catalog.>= (@extschema@.external_id, text) IS
	'greater than or equal: an external id and a text read as external_id';

CREATE OR REPLACE FUNCTION @extschema@.text_external_id_eq(text, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;

COMMENT ON FUNCTION @extschema@.text_external_id_eq(text, @extschema@.external_id) IS
	'= of a text read as external_id and an external id, in the order of their canonical texts';

CREATE OR REPLACE FUNCTION @extschema@.text_external_id_ne(text, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;

COMMENT ON FUNCTION @extschema@.text_external_id_ne(text, @extschema@.external_id) IS
	'<> of a text read as external_id and an external id, in the order of their canonical texts';

CREATE OR REPLACE FUNCTION @extschema@.text_external_id_lt(text, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;

COMMENT ON FUNCTION @extschema@.text_external_id_lt(text, @extschema@.external_id) IS
	'< of a text read as external_id and an external id, in the order of their canonical texts';

CREATE OR REPLACE FUNCTION @extschema@.text_external_id_le(text, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;

COMMENT ON FUNCTION @extschema@.text_external_id_le(text, @extschema@.external_id) IS
	'<= of a text read as external_id and an external id, in the order of their canonical texts';

CREATE OR REPLACE FUNCTION @extschema@.text_external_id_gt(text, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;

COMMENT ON FUNCTION @extschema@.text_external_id_gt(text, @extschema@.external_id) IS
	'> of a text read as external_id and an external id, in the order of their canonical texts';

CREATE OR REPLACE FUNCTION @extschema@.text_external_id_ge(text, @extschema@.external_id) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT @extschema@.external_id_text_support;

COMMENT ON FUNCTION @extschema@.text_external_id_ge(text, @extschema@.external_id) IS
	'>= of a text read as external_id and an external id, in the order of their canonical texts';

CREATE OR REPLACE FUNCTION @extschema@.text_external_id_cmp(text, @extschema@.external_id) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.text_external_id_cmp(text, @extschema@.external_id) IS
	'three-way comparison of a text read as external_id and an external id (B-tree support function 1)';

COMMENT ON OPERATOR pg_catalog.= (text, @extschema@.external_id) IS
	'equal: a text read as external_id and an external id';

COMMENT ON OPERATOR pg_catalog.<> (text, @extschema@.external_id) IS
	'not equal: a text read as external_id and an external id';

COMMENT ON OPERATOR pg_catalog.< (text, @extschema@.external_id) IS
	'less than: a text read as external_id and an external id';

COMMENT ON OPERATOR pg_catalog.<= (text, @extschema@.external_id) IS
	'less than or equal: a text read as external_id and an external id';

COMMENT ON OPERATOR pg_catalog.> (text, @extschema@.external_id) IS
	'greater than: a text read as external_id and an external id';

COMMENT ON OPERATOR pg_catalog.>= (text, @extschema@.external_id) IS
	'greater than or equal: a text read as external_id and an external id';

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

CREATE OR REPLACE FUNCTION @extschema@.external_id_texts_cmp(text, text) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.external_id_texts_cmp(text, text) IS
	'three-way comparison of two texts as external ids (B-tree support function 1 for (text, text), used to sort the array of col = ANY($1::text[]))';

CREATE OR REPLACE FUNCTION @extschema@.external_id_sortsupport(internal) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.external_id_sortsupport(internal) IS
	'B-tree sort support for @extschema@.external_id, with abbreviated keys (the first 8 bytes of the canonical text)';

CREATE OR REPLACE FUNCTION @extschema@.external_id_hash(@extschema@.external_id) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.external_id_hash(@extschema@.external_id) IS
	'hash of the canonical bytes of an external id';

CREATE OR REPLACE FUNCTION @extschema@.external_id_hash_extended(@extschema@.external_id, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.external_id_hash_extended(@extschema@.external_id, bigint) IS
	'seeded 64-bit hash of the canonical bytes of an external id (hash partitioning)';

CREATE OR REPLACE FUNCTION @extschema@.external_id_text_hash(text) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.external_id_text_hash(text) IS
	'hash of a text read as external_id: equals @extschema@.external_id_hash of that value';

CREATE OR REPLACE FUNCTION @extschema@.external_id_text_hash_extended(text, bigint) RETURNS bigint
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

COMMENT ON OPERATOR FAMILY @extschema@.external_id_ops USING btree IS
	'B-tree order of @extschema@.external_id (its canonical text under COLLATE "C"), with text and uuid compared after conversion';

COMMENT ON OPERATOR CLASS @extschema@.external_id_ops USING btree IS
	'default B-tree operator class of @extschema@.external_id (sort support, deduplication)';

ALTER OPERATOR FAMILY @extschema@.external_id_ops USING btree ADD
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

COMMENT ON OPERATOR FAMILY @extschema@.external_id_ops USING hash IS
	'hashing of @extschema@.external_id, with text and uuid hashed after conversion';

COMMENT ON OPERATOR CLASS @extschema@.external_id_ops USING hash IS
	'default hash operator class of @extschema@.external_id (hash joins, hash aggregation, hash partitioning)';

ALTER OPERATOR FAMILY @extschema@.external_id_ops USING hash ADD
	OPERATOR 1 pg_catalog.= (@extschema@.external_id, uuid),
	OPERATOR 1 pg_catalog.= (uuid, @extschema@.external_id),
	FUNCTION 1 (uuid) @extschema@.external_id_uuid_hash(uuid),
	FUNCTION 2 (uuid) @extschema@.external_id_uuid_hash_extended(uuid, bigint);

CREATE OR REPLACE FUNCTION @extschema@.observability_schema()
RETURNS name
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT coalesce(nullif(current_setting('swisper.table_schema', true), ''), 'public')::name
$$;

COMMENT ON FUNCTION @extschema@.observability_schema() IS
'The schema that holds the observability tables (projects, traces, observations): the setting swisper.table_schema, default public';

CREATE OR REPLACE FUNCTION @extschema@.create_missing_tables()
RETURNS SETOF text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	s name := @extschema@.observability_schema();
BEGIN
	IF to_regnamespace(quote_ident(s)) IS NULL THEN
		RAISE EXCEPTION 'schema "%" does not exist', s
			USING ERRCODE = 'invalid_schema_name',
				  HINT = 'Create it, or set swisper.table_schema to the schema that holds the observability tables.';
	END IF;

	IF to_regtype(format('%I.observationtype', s)) IS NULL THEN
		EXECUTE format($f$CREATE TYPE %I.observationtype AS ENUM ('SPAN', 'GENERATION', 'EVENT', 'TOOL', 'AGENT')$f$, s);
		PERFORM @extschema@.disown('pg_catalog.pg_type', to_regtype(format('%I.observationtype', s)));
		RAISE NOTICE 'swisper_ext: created type %.observationtype', s;
		RETURN NEXT format('created type %I.observationtype', s);
	END IF;

	IF to_regclass(format('%I.projects', s)) IS NULL THEN
		EXECUTE format($f$
			CREATE TABLE %I.projects (
				id              varchar       PRIMARY KEY,
				name            varchar(255)  NOT NULL,
				description     varchar(1000),
				meta            json,
				created_at      timestamp     NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
				updated_at      timestamp     NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
				deleted_at      timestamp,
				owner_id        varchar(36),
				tracing_enabled boolean       NOT NULL DEFAULT true
			)$f$, s);
		PERFORM @extschema@.disown('pg_catalog.pg_class', to_regclass(format('%I.projects', s)));
		RAISE NOTICE 'swisper_ext: created table %.projects', s;
		RETURN NEXT format('created table %I.projects', s);
	END IF;

	IF to_regclass(format('%I.traces', s)) IS NULL THEN
		EXECUTE format($f$
			CREATE TABLE %1$I.traces (
				id          varchar   PRIMARY KEY,
				name        varchar,
				user_id     @extschema@.external_id,
				session_id  varchar,
				project_id  varchar REFERENCES %1$I.projects (id) ON DELETE CASCADE,
				input       json,
				output      json,
				meta        json,
				tags        json,
				"timestamp" timestamp NOT NULL
			)$f$, s);
		EXECUTE format('CREATE INDEX ix_traces_project_timestamp ON %I.traces (project_id, "timestamp")', s);
		EXECUTE format('CREATE INDEX ix_traces_session_id ON %I.traces (session_id)', s);
		EXECUTE format('CREATE INDEX ix_traces_user_id ON %I.traces (user_id)', s);
		PERFORM @extschema@.disown('pg_catalog.pg_class', to_regclass(format('%I.traces', s)));
		RAISE NOTICE 'swisper_ext: created table %.traces', s;
		RETURN NEXT format('created table %I.traces', s);
	END IF;

	IF to_regclass(format('%I.observations', s)) IS NULL THEN
		EXECUTE format($f$
			CREATE TABLE %1$I.observations (
				id                     varchar PRIMARY KEY,
				trace_id               varchar REFERENCES %1$I.traces (id) ON DELETE CASCADE,
				parent_observation_id  varchar,
				type                   %1$I.observationtype NOT NULL,
				name                   varchar,
				start_time             timestamp NOT NULL,
				end_time               timestamp,
				completion_start_time  timestamp,
				input                  json,
				output                 json,
				meta                   json,
				model                  varchar,
				model_parameters       json,
				prompt_tokens          integer,
				completion_tokens      integer,
				total_tokens           integer,
				level                  varchar NOT NULL,
				status_message         varchar,
				calculated_input_cost  numeric,
				calculated_output_cost numeric,
				calculated_total_cost  numeric
			)$f$, s);
		EXECUTE format('CREATE INDEX ix_observations_trace_start_time ON %I.observations (trace_id, start_time)', s);
		EXECUTE format('CREATE INDEX ix_observations_parent_id ON %I.observations (parent_observation_id)', s);
		PERFORM @extschema@.disown('pg_catalog.pg_class', to_regclass(format('%I.observations', s)));
		RAISE NOTICE 'swisper_ext: created table %.observations', s;
		RETURN NEXT format('created table %I.observations', s);
	END IF;
END
$$;

COMMENT ON FUNCTION @extschema@.create_missing_tables() IS
'Creates whichever of the observability tables (projects, traces, observations, and the observationtype enum) does not exist yet in @extschema@.observability_schema(), with user_id of type @extschema@.external_id; CREATE EXTENSION does not call it; the tables are not members of the extension';

CREATE OR REPLACE FUNCTION @extschema@.disown(classid regclass, objid oid)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF EXISTS (SELECT FROM pg_catalog.pg_depend d
			   JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
			   WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND e.extname = 'swisper_ext'
				 AND d.deptype = 'e' AND d.classid = disown.classid AND d.objid = disown.objid) THEN
		IF classid = 'pg_catalog.pg_class'::regclass THEN
			EXECUTE format('ALTER EXTENSION swisper_ext DROP TABLE %s', objid::regclass);
		ELSE
			EXECUTE format('ALTER EXTENSION swisper_ext DROP TYPE %s', objid::regtype);
		END IF;
	END IF;
END
$$;

COMMENT ON FUNCTION @extschema@.disown(regclass, oid) IS
'Takes an application table (pg_class) or type (pg_type) out of the extension, so that DROP EXTENSION leaves it in place';

CREATE OR REPLACE FUNCTION @extschema@.traces_table()
RETURNS regclass
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	s		name := @extschema@.observability_schema();
	tbl		regclass := to_regclass(format('%I.traces', s));
	kind	"char";
BEGIN
	IF tbl IS NULL THEN
		RAISE EXCEPTION 'table "%.traces" does not exist', s
			USING ERRCODE = 'undefined_table',
				  HINT = 'Set swisper.table_schema to the schema that holds the observability tables.';
	END IF;
	SELECT c.relkind INTO kind FROM pg_catalog.pg_class c WHERE c.oid = tbl;
	IF kind NOT IN ('r', 'p') THEN
		RAISE EXCEPTION '"%" is not a table', tbl::text
			USING ERRCODE = 'wrong_object_type',
				  DETAIL = format('swisper_ext migrates the column user_id of a table; "%s" is a %s.', tbl::text,
								  CASE kind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
											WHEN 'f' THEN 'foreign table' ELSE 'relation of kind ' || kind::text END);
	END IF;
	RETURN tbl;
END
$$;

COMMENT ON FUNCTION @extschema@.traces_table() IS
'The traces table in @extschema@.observability_schema(), or an error when it is missing or not a table';

CREATE FUNCTION @extschema@.refuse_owner_checks(tbl regclass, what text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	owner	oid;
	names	text;
BEGIN
	SELECT c.relowner INTO owner FROM pg_catalog.pg_class c WHERE c.oid = tbl;
	IF owner = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)
	   OR (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.oid = owner) THEN
		RETURN;
	END IF;
	SELECT string_agg(DISTINCT pg_catalog.quote_ident(c.conname), ', ') INTO names
	  FROM pg_catalog.pg_constraint c
	  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attname = 'user_id'
	  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass
								 AND d.objid = c.oid
	 WHERE c.conrelid = tbl AND c.contype = 'c' AND a.attnum = ANY (c.conkey)
	   AND d.refclassid IN ('pg_catalog.pg_proc'::pg_catalog.regclass, 'pg_catalog.pg_operator'::pg_catalog.regclass)
	   AND d.refobjid >= 16384
	   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
					    WHERE e.classid = d.refclassid AND e.objid = d.refobjid AND e.deptype = 'e'
						  AND e.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
						  AND e.refobjid = (SELECT x.oid FROM pg_catalog.pg_extension x
											 WHERE x.extname = 'swisper_ext'));
	IF names IS NOT NULL THEN
		RAISE EXCEPTION 'cannot %: CHECK constraint % of % calls functions of its own', what, names, tbl::text
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = format('Changing the column''s type re-checks the constraint as %s, a superuser, which would run functions that %s controls with those rights. Nothing has been changed.',
								  current_user, pg_catalog.pg_get_userbyid(owner)),
				  HINT = 'Drop the constraint, run the conversion, then create the constraint again as the table''s owner.';
	END IF;
END
$$;

COMMENT ON FUNCTION @extschema@.refuse_owner_checks(regclass, text) IS
'Raises insufficient_privilege when a CHECK constraint over traces.user_id calls functions or operators that are not built in, so that a type change would run the table owner''s code with the caller''s rights';

CREATE OR REPLACE FUNCTION @extschema@.fix_user_id()
RETURNS TABLE (action text, detail text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET citus.multi_shard_modify_mode = 'sequential'
AS $$
DECLARE
	s			name := @extschema@.observability_schema();
	tbl			regclass;
	col			record;
	fk			record;
	idx			record;
	ext_type	regtype := '@extschema@.external_id'::regtype;
	respelled	bigint;
	idx_name	text;
	alter_error text;
	fk_note		text;
	locked		boolean := false;
BEGIN
	tbl := @extschema@.traces_table();

	SELECT a.attnum, a.attnotnull, a.atttypid::regtype AS typ, t.typname
	  INTO col
	  FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
	 WHERE a.attrelid = tbl AND a.attname = 'user_id' AND NOT a.attisdropped;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'table "%" has no column "user_id"', tbl::text
			USING ERRCODE = 'undefined_column';
	END IF;
	IF col.typ <> ext_type
	   AND col.typ NOT IN ('text'::regtype, 'character varying'::regtype, 'character'::regtype, 'uuid'::regtype) THEN
		RAISE EXCEPTION 'column "user_id" of table "%" has type %, which cannot hold external ids', tbl::text, col.typ
			USING ERRCODE = 'datatype_mismatch',
				  DETAIL = 'External ids are UUIDs, integers and opaque strings; swisper_ext converts text, varchar, char and uuid columns.',
				  HINT = 'Convert the column to text first if every value should be kept as its text form.';
	END IF;

	-- The checks run before anything changes, under the lock that the
	-- rewrite takes anyway, so that no value can arrive between the count
	-- of respelled values and the rewrite, and a refusal leaves the table as
	-- it was.
	IF col.typ <> ext_type THEN
		EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', tbl);
		locked := true;
		PERFORM @extschema@.refuse_owner_checks(tbl, 'convert user_id to @extschema@.external_id');

		-- What the type change cannot carry over: a view over the column,
		-- and an index on it with an operator class of text (or uuid) only.
		-- PostgreSQL would refuse half-way with its own words; say first
		-- which object and what to do, while nothing has changed.
		SELECT string_agg(DISTINCT r.ev_class::pg_catalog.regclass::pg_catalog.text, ', ')
		  INTO idx_name
		  FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
		 WHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
		   AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
		   AND d.refobjid = tbl AND d.refobjsubid = col.attnum AND r.ev_class <> tbl;
		IF idx_name IS NOT NULL THEN
			RAISE EXCEPTION 'cannot convert %.user_id to @extschema@.external_id: used by view %', tbl::text, idx_name
				USING ERRCODE = 'dependent_objects_still_exist',
					  DETAIL = 'A view fixes the type of the columns it reads; nothing has been changed.',
					  HINT = 'Drop the view, run CREATE EXTENSION swisper_ext (or @extschema@.fix_user_id()), then create it again (add ::text where it needs text).';
		END IF;
		SELECT string_agg(format('%s (%s)', i.indexrelid::pg_catalog.regclass, oc.opcname), ', ')
		  INTO idx_name
		  FROM pg_catalog.pg_index i
		  JOIN LATERAL pg_catalog.generate_subscripts(i.indkey::pg_catalog.int2[], 1) k(n) ON true
		  JOIN pg_catalog.pg_opclass oc ON oc.oid = (i.indclass::pg_catalog.oid[])[k.n]
		 WHERE i.indrelid = tbl AND (i.indkey::pg_catalog.int2[])[k.n] = col.attnum AND NOT oc.opcdefault;
		IF idx_name IS NOT NULL THEN
			RAISE EXCEPTION 'cannot convert %.user_id to @extschema@.external_id: index % uses an operator class of its present type', tbl::text, idx_name
				USING ERRCODE = 'feature_not_supported',
					  DETAIL = '@extschema@.external_id has only its default btree and hash operator classes; nothing has been changed.',
					  HINT = 'Drop the index, run CREATE EXTENSION swisper_ext (or @extschema@.fix_user_id()), then create it again without the operator class.';
		END IF;
		-- Every text is an external id, so every value converts; only
		-- uuids in another spelling come back different (lower-case).
		EXECUTE format($q$
			SELECT count(*) FILTER (WHERE u::@extschema@.external_id::text <> u)
			  FROM (SELECT user_id::text AS u FROM %s WHERE user_id IS NOT NULL) v$q$, tbl)
		  INTO respelled;
	END IF;

	-- 1. Foreign keys that include user_id, on the table and, when it is
	-- partitioned, on every partition: a partition may have a foreign key of
	-- its own besides the copies of the parent's (which go with the
	-- parent's constraint, conparentid <> 0).  A partition's column may have
	-- another attnum, so it is matched by name.
	--
	-- The application's migration tool may drop the same foreign key by its
	-- name later, without IF EXISTS (the platform's migration c85a4ae4ef21
	-- runs ALTER TABLE traces DROP CONSTRAINT fk_traces_user), and would
	-- then fail on a database where this function dropped it first; so would
	-- the downgrade of the migration that created it.  A constraint of the
	-- same name that checks nothing stands in for it: CHECK (true), NOT VALID
	-- so that adding it reads no row, NO INHERIT so that an inheritance
	-- child neither gets it nor must have it, with a comment that says what
	-- it is and which foreign key it replaces.  A partitioned table gets
	-- none: there a CHECK constraint cannot be NO INHERIT, every partition
	-- would get it, and ATTACH PARTITION would refuse every table without
	-- it.
	FOR fk IN
		SELECT c.conrelid::pg_catalog.regclass AS rel, c.conname, c.confrelid::pg_catalog.regclass AS target,
			   pg_catalog.pg_get_constraintdef(c.oid) AS def, r.relkind
		  FROM (SELECT tbl::pg_catalog.regclass AS relid, 0 AS level
				UNION	-- pg_partition_tree() has no row for a plain table
				SELECT t.relid, t.level FROM pg_catalog.pg_partition_tree(tbl) t) p
		  JOIN pg_catalog.pg_constraint c ON c.conrelid = p.relid
		  JOIN pg_catalog.pg_class r ON r.oid = c.conrelid
		  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attname = 'user_id'
		 WHERE c.contype = 'f' AND a.attnum = ANY (c.conkey) AND c.conparentid = 0
		 ORDER BY p.level, c.conrelid::pg_catalog.regclass::pg_catalog.text, c.conname
	LOOP
		IF NOT locked THEN
			EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', tbl);
			locked := true;
		END IF;
		EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', fk.rel, fk.conname);
		action := 'constraint dropped';
		detail := format('foreign key %I on %s referencing %s', fk.conname, fk.rel, fk.target);
		IF fk.relkind = 'r' THEN
			EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (true) NO INHERIT NOT VALID', fk.rel, fk.conname);
			EXECUTE format('COMMENT ON CONSTRAINT %I ON %s IS %L', fk.conname, fk.rel,
						   format('Placeholder left by @extschema@.fix_user_id() for the foreign key of this name, which it dropped (%s). '
								  'It checks nothing. It is here so that a migration that drops that foreign key by name still finds it; '
								  'it may be dropped.', fk.def));
			detail := detail || '; a placeholder CHECK (true) keeps its name';
			fk_note := format('A constraint %I CHECK (true) NO INHERIT NOT VALID, which checks nothing, stands in for it, '
							  'so that a migration that drops the foreign key by name still finds it.', fk.conname);
		ELSE
			fk_note := format('%s is partitioned, so no placeholder constraint of the same name is left: '
							  'every partition would get it, and ATTACH PARTITION would require it.', fk.rel);
		END IF;
		RAISE NOTICE 'swisper_ext: dropped foreign key % on %(user_id), which referenced %', quote_ident(fk.conname), fk.rel, fk.target
			USING DETAIL = fk_note;
		RETURN NEXT;
	END LOOP;

	-- 2. Nullable.
	IF col.attnotnull THEN
		IF NOT locked THEN
			EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', tbl);
			locked := true;
		END IF;
		EXECUTE format('ALTER TABLE %s ALTER COLUMN user_id DROP NOT NULL', tbl);
		action := 'column changed';
		detail := format('%s.user_id is now nullable', tbl);
		RAISE NOTICE 'swisper_ext: %.user_id is now nullable (it was NOT NULL)', tbl;
		RETURN NEXT;
	END IF;

	-- 3. The external identity type.  PostgreSQL re-parses every index
	-- expression, index predicate and CHECK constraint over the column for
	-- the new type; one written for text (lower(user_id), user_id LIKE 'a%',
	-- user_id <> '') then fails with an error that names a function or a
	-- value but not the object.  Those objects are named here instead; the
	-- whole call is undone by the error, so nothing has changed.
	IF col.typ <> ext_type THEN
		BEGIN
			EXECUTE format('ALTER TABLE %s ALTER COLUMN user_id TYPE @extschema@.external_id USING user_id::text::@extschema@.external_id', tbl);
		EXCEPTION
			WHEN undefined_function OR invalid_text_representation OR string_data_right_truncation
				 OR datatype_mismatch OR indeterminate_datatype OR ambiguous_function THEN
				GET STACKED DIAGNOSTICS alter_error = MESSAGE_TEXT;
				SELECT string_agg(o, ', ' ORDER BY o) INTO idx_name
				  FROM (SELECT format('index %s', i.indexrelid::pg_catalog.regclass) AS o
						  FROM pg_catalog.pg_index i
						 WHERE i.indrelid = tbl
						   AND (i.indexprs IS NOT NULL OR i.indpred IS NOT NULL)
						   AND EXISTS (SELECT FROM pg_catalog.pg_depend d
										WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
										  AND d.objid = i.indexrelid
										  AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
										  AND d.refobjid = tbl AND d.refobjsubid = col.attnum)
						UNION ALL
						SELECT format('constraint %I', c.conname)
						  FROM pg_catalog.pg_constraint c
						 WHERE c.conrelid = tbl AND c.contype = 'c' AND col.attnum = ANY (c.conkey)) deps;
				IF idx_name IS NULL THEN
					RAISE;
				END IF;
				RAISE EXCEPTION 'cannot convert %.user_id to @extschema@.external_id: an expression over it in % does not apply to the new type', tbl::text, idx_name
					USING ERRCODE = 'dependent_objects_still_exist',
						  DETAIL = format('PostgreSQL re-parses them for @extschema@.external_id and reports: %s. Nothing has been changed.', alter_error),
						  HINT = 'Drop them, run CREATE EXTENSION swisper_ext (or @extschema@.fix_user_id()), then create them again over user_id::text, e.g. lower(user_id::text).';
		END;
		action := 'column changed';
		detail := format('%s.user_id changed from %s to @extschema@.external_id', tbl, col.typ);
		RAISE NOTICE 'swisper_ext: %.user_id changed from % to @extschema@.external_id; its indexes were rebuilt', tbl, col.typ;
		RETURN NEXT;
		IF respelled > 0 THEN
			action := 'values canonicalized';
			detail := format('%s value(s) of %s.user_id now in canonical form', respelled, tbl);
			RAISE NOTICE 'swisper_ext: % value(s) of %.user_id were UUIDs in another spelling and are now lower-case and hyphenated', respelled, tbl;
			RETURN NEXT;
		END IF;
	END IF;

	-- 4. An index for WHERE user_id = ...: any valid, non-partial btree or
	-- hash index whose first column is user_id serves it.
	SELECT i.indexrelid::regclass AS name INTO idx
	  FROM pg_catalog.pg_index i
	  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
	  JOIN pg_catalog.pg_am am ON am.oid = ic.relam
	 WHERE i.indrelid = tbl AND i.indkey[0] = col.attnum AND i.indpred IS NULL
	   AND i.indisvalid AND am.amname IN ('btree', 'hash')
	 ORDER BY i.indnatts, ic.relname
	 LIMIT 1;
	IF FOUND THEN
		RAISE NOTICE 'swisper_ext: reusing index % for %.user_id', idx.name, tbl;
	ELSE
		idx_name := CASE WHEN to_regclass(format('%I.ix_traces_user_id', s)) IS NULL
						 THEN 'ix_traces_user_id' END;
		IF idx_name IS NOT NULL THEN
			EXECUTE format('CREATE INDEX %I ON %s (user_id)', idx_name, tbl);
		ELSE
			EXECUTE format('CREATE INDEX ON %s (user_id)', tbl);
			SELECT quote_ident(ic.relname) INTO idx_name
			  FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
			 WHERE i.indrelid = tbl AND i.indkey[0] = col.attnum AND i.indnatts = 1
			 ORDER BY i.indexrelid DESC LIMIT 1;
		END IF;
		action := 'index created';
		detail := format('%s on %s (user_id)', idx_name, tbl);
		RAISE NOTICE 'swisper_ext: created index % on %(user_id)', idx_name, tbl;
		RETURN NEXT;
	END IF;
END
$$;

COMMENT ON FUNCTION @extschema@.fix_user_id() IS
'Makes traces.user_id (in @extschema@.observability_schema()) an external identifier: drops every foreign key that includes it (leaving on a plain table a placeholder CHECK (true) NO INHERIT NOT VALID of the same name, so that a migration that drops it by name still finds it), makes it nullable, converts it to @extschema@.external_id (every value converts; uuids become lower-case), and makes sure one index leads with it; returns and NOTICEs each change, and nothing when there is nothing to do';

CREATE OR REPLACE FUNCTION @extschema@.release_user_id()
RETURNS TABLE (action text, detail text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	tbl	regclass := @extschema@.traces_table();
	typ	regtype;
BEGIN
	SELECT a.atttypid::regtype INTO typ
	  FROM pg_catalog.pg_attribute a
	 WHERE a.attrelid = tbl AND a.attname = 'user_id' AND NOT a.attisdropped;
	IF typ = '@extschema@.external_id'::regtype THEN
		PERFORM @extschema@.refuse_owner_checks(tbl, 'convert user_id back to text');
		EXECUTE format('ALTER TABLE %s ALTER COLUMN user_id TYPE text USING user_id::text', tbl);
		action := 'column changed';
		detail := format('%s.user_id changed from @extschema@.external_id to text', tbl);
		RAISE NOTICE 'swisper_ext: %.user_id changed from @extschema@.external_id to text; its indexes were rebuilt', tbl;
		RETURN NEXT;
	END IF;
END
$$;

COMMENT ON FUNCTION @extschema@.release_user_id() IS
'Turns traces.user_id (in @extschema@.observability_schema()) back into text with every value intact, so that DROP EXTENSION swisper_ext needs no CASCADE';

REVOKE ALL ON FUNCTION @extschema@.refuse_owner_checks(regclass, text) FROM PUBLIC;

-- The merge state remembers the partition that holds each row (NULL for
-- the rows of unpartitioned tables, which 0.1.0 wrote).
ALTER TABLE @extschema@.ingest_merge_state ADD COLUMN row_partition regclass;

COMMENT ON TABLE @extschema@.ingest_merge_state IS
    'Merge state of each ingested trace (t) and observation (o): per field the stamp (class, event timestamp, tie-break) of the stored value, then the hashes of the applied event ids';

COMMENT ON COLUMN @extschema@.ingest_merge_state.row_partition IS
    'The partition of traces or observations that holds the entity''s row when that table is partitioned; NULL otherwise';

CREATE OR REPLACE FUNCTION @extschema@.ingest_batch(events jsonb, project_id text DEFAULT NULL)
RETURNS TABLE (idx integer, event_id text, status integer, message text)
AS 'MODULE_PATHNAME', 'ingest_batch'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION @extschema@.ingest_batch(jsonb, text) IS
    'Ingest a batch of SDK stream entries and Langfuse envelopes (an array, or {"batch": [...]}); one (idx, event_id, status, message) row per element, in input order';

CREATE FUNCTION @extschema@.ingest_entries(entries text[], project_id text DEFAULT NULL)
RETURNS TABLE (idx integer, event_id text, status integer, message text)
AS 'MODULE_PATHNAME', 'ingest_entries'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION @extschema@.ingest_entries(text[], text) IS
    'Ingest SDK stream entries and Langfuse envelopes given as one JSON text each: a text that is not JSON is its element''s 400, \u0000 is kept where the column can hold it (else U+FFFD); one (idx, event_id, status, message) row per element, in input order';

CREATE OR REPLACE FUNCTION @extschema@.create_trace(body jsonb, project_id text DEFAULT NULL)
RETURNS TABLE (idx integer, event_id text, status integer, message text)
AS 'MODULE_PATHNAME', 'ingest_create_trace'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION @extschema@.create_trace(jsonb, text) IS
    'Ingest the body of POST /api/v1/traces; returns one row as ingest_batch does';

CREATE OR REPLACE FUNCTION @extschema@.create_observation(body jsonb, project_id text DEFAULT NULL)
RETURNS TABLE (idx integer, event_id text, status integer, message text)
AS 'MODULE_PATHNAME', 'ingest_create_observation'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION @extschema@.create_observation(jsonb, text) IS
    'Ingest the body of POST /api/v1/observations; returns one row as ingest_batch does';

CREATE OR REPLACE FUNCTION @extschema@.update_observation(observation_id text, body jsonb, project_id text DEFAULT NULL)
RETURNS TABLE (idx integer, event_id text, status integer, message text)
AS 'MODULE_PATHNAME', 'ingest_update_observation'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION @extschema@.update_observation(text, jsonb, text) IS
    'Ingest the body of PATCH /api/v1/observations/{id}; returns one row as ingest_batch does';

CREATE OR REPLACE FUNCTION @extschema@.ingest_prune()
RETURNS bigint
AS 'MODULE_PATHNAME', 'ingest_prune'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION @extschema@.ingest_prune() IS
    'Delete the merge state of deleted traces and observations (also of partitions that are gone); returns the number of rows removed';

REVOKE EXECUTE ON FUNCTION @extschema@.ingest_entries(text[], text) FROM PUBLIC;

CREATE FUNCTION @extschema@.ingest_otlp(request text, project_id text DEFAULT NULL)
RETURNS TABLE (idx integer, span_id text, status integer, message text)
AS 'MODULE_PATHNAME', 'ingest_otlp'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION @extschema@.ingest_otlp(text, text) IS
    'Ingest an OTLP/HTTP JSON trace export (ExportTraceServiceRequest): every span an observation, a root span also its trace (GenAI semantic conventions mapped as docs/otlp.md says); one (idx, span_id, status, message) row per span, in document order';

REVOKE EXECUTE ON FUNCTION @extschema@.ingest_otlp(text, text) FROM PUBLIC;

COMMENT ON TABLE @extschema@.project_connection IS
'Connection state per project, persisted by the swisper_ext worker (status NULL: not yet published by the worker)';

COMMENT ON COLUMN @extschema@.project_connection.status IS
'Status last published on channel swisper_project_status: connected, stale, disconnected, never_seen or disabled';

COMMENT ON COLUMN @extschema@.project_connection.last_seen IS
'Time of the last heartbeat or ingested event (persisted at most one worker tick late)';

COMMENT ON COLUMN @extschema@.project_connection.last_heartbeat IS
'Time of the last @extschema@.heartbeat() call';

COMMENT ON COLUMN @extschema@.project_connection.connected_since IS
'Start of the current run of sightings less than swisper.stale_after apart';

COMMENT ON COLUMN @extschema@.project_connection.status_changed_at IS
'When the worker last changed status';

COMMENT ON COLUMN @extschema@.project_connection.updated_at IS
'When the row was last written';

CREATE OR REPLACE FUNCTION @extschema@.heartbeat(project_id text, environment text DEFAULT NULL,
									  app_version text DEFAULT NULL, sdk_version text DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'swisper_heartbeat'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION @extschema@.heartbeat(text, text, text, text) IS
'Record a heartbeat of a project (in shared memory when the library is preloaded); raises no_data_found (P0002) for an unknown or deleted project';

CREATE OR REPLACE FUNCTION @extschema@.connection_status(tracing_enabled boolean, last_seen timestamptz)
RETURNS text
AS 'MODULE_PATHNAME', 'swisper_connection_status'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.connection_status(boolean, timestamptz) IS
'Connection status at now(): disabled, never_seen, or connected/stale/disconnected by the age of last_seen against swisper.stale_after and swisper.disconnect_after';

CREATE OR REPLACE FUNCTION @extschema@.project_status_rows()
RETURNS TABLE (project_id text, project_name text, status text, last_seen timestamptz,
			   seconds_since double precision, connected_since timestamptz,
			   last_heartbeat timestamptz, environment text, app_version text,
			   sdk_version text, traces_today bigint)
AS 'MODULE_PATHNAME', 'swisper_project_status_rows'
LANGUAGE C STABLE;

COMMENT ON FUNCTION @extschema@.project_status_rows() IS
'Rows of @extschema@.project_status, read from the tables of schema swisper.table_schema at call time';

CREATE OR REPLACE VIEW @extschema@.project_status AS
	SELECT * FROM @extschema@.project_status_rows();

COMMENT ON VIEW @extschema@.project_status IS
'Connection status per project for the UI: status, last_seen, seconds since, versions and traces today (UTC)';

CREATE OR REPLACE FUNCTION @extschema@.health()
RETURNS jsonb
AS 'MODULE_PATHNAME', 'swisper_health'
LANGUAGE C VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION @extschema@.health() IS
'Health of swisper_ext: version, preloading, worker (pid, last loop), database, server time, projects per status';

CREATE OR REPLACE FUNCTION @extschema@.heartbeat_registry_forget()
RETURNS bigint
AS 'MODULE_PATHNAME', 'swisper_heartbeat_registry_forget'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION @extschema@.heartbeat_registry_forget() IS
'Removes this database''s entries from the shared heartbeat registry (the install calls it); returns how many';

-- Rebuild, in the new order, every index whose key holds swisper.external_id
-- (directly or through a domain, array, composite, range or multirange
-- type) with any access method but hash, and every index whose expression
-- or predicate calls one of the extension's functions or operators, or a
-- function or operator recorded as calling one (a SQL function with a
-- BEGIN ATOMIC body; a function with its body in a string records nothing
-- and is not found).  Hash indexes hash the stored bytes, which did not
-- change; every other access method may keep values in the type's B-tree
-- order (B-tree, GIN's entry tree) or compare them with it (GiST and
-- SP-GiST over ranges, BRIN minmax).
--
-- Leaf indexes only: a partitioned index has no storage, and REINDEX of one
-- cannot run inside the update's transaction; its partitions' indexes are
-- in the list.  Invalid indexes (a CREATE INDEX CONCURRENTLY that failed or
-- is still running) are skipped: no query reads them, REINDEX is the only
-- way to make them valid and builds them in the new order then, and
-- rebuilding one here could fail (a unique index over duplicates) and so
-- block the update.  Temporary tables of other sessions cannot be reindexed
-- (their indexes live in that session's memory); they are named in a
-- WARNING.  So are CHECK constraints and stored generated columns that
-- compare external ids (an ordering operator or a SQL function with a
-- BEGIN ATOMIC body that uses one): their rows were checked or computed in
-- the old order, and only the administrator can decide what to do with a
-- row that no longer passes.
--
-- Refused first, which an update cannot carry over: a table
-- range-partitioned on the type or on a value that holds it, whose
-- partition bounds would no longer be in order.  The update is one
-- transaction, so nothing has changed when it stops.
SET LOCAL client_min_messages = notice;
DO $$
DECLARE
	ext		pg_catalog.oid := (SELECT x.oid FROM pg_catalog.pg_extension x WHERE x.extname = 'swisper_ext');
	holds	pg_catalog.oid[];
	bad		text;
	ix		record;
	done	text[] := '{}';
	skipped	text[] := '{}';
	invalid	text[] := '{}';
	checks	text[] := '{}';
BEGIN
	WITH RECURSIVE h(typ) AS (
		SELECT '@extschema@.external_id'::pg_catalog.regtype::pg_catalog.oid
		UNION
		SELECT t.oid
		  FROM pg_catalog.pg_type t, h
		 WHERE t.typbasetype = h.typ								-- a domain
			OR (t.typelem = h.typ AND t.typsubscript = 'pg_catalog.array_subscript_handler'::pg_catalog.regproc)
			OR (t.typtype = 'c' AND t.typrelid IN (SELECT a.attrelid FROM pg_catalog.pg_attribute a
													WHERE a.atttypid = h.typ AND NOT a.attisdropped))
			OR t.oid IN (SELECT rg.rngtypid FROM pg_catalog.pg_range rg WHERE rg.rngsubtype = h.typ)
			OR t.oid IN (SELECT rg.rngmultitypid FROM pg_catalog.pg_range rg WHERE rg.rngtypid = h.typ)
	)
	SELECT pg_catalog.array_agg(h.typ) INTO holds FROM h;

	-- A range partitioning whose key, or a column a key expression reads,
	-- holds the type and is compared with its order: the type's own
	-- operator class, or a polymorphic one (arrays, records, ranges) that
	-- compares the elements with it.
	SELECT string_agg(DISTINCT pt.partrelid::pg_catalog.regclass::pg_catalog.text, ', ') INTO bad
	  FROM pg_catalog.pg_partitioned_table pt
	 CROSS JOIN LATERAL pg_catalog.generate_subscripts(pt.partclass::pg_catalog.oid[], 1) k
	  JOIN pg_catalog.pg_opclass c ON c.oid = (pt.partclass::pg_catalog.oid[])[k]
	  JOIN pg_catalog.pg_am a ON a.oid = c.opcmethod
	  JOIN pg_catalog.pg_type ct ON ct.oid = c.opcintype
	 WHERE pt.partstrat = 'r' AND a.amname = 'btree'
	   AND (c.opcintype = ANY (holds)
			OR (ct.typtype = 'p'
				AND EXISTS (SELECT FROM pg_catalog.pg_attribute att
							 WHERE att.attrelid = pt.partrelid AND NOT att.attisdropped
							   AND att.atttypid = ANY (holds)
							   AND (att.attnum = (pt.partattrs::pg_catalog.int2[])[k]
									OR ((pt.partattrs::pg_catalog.int2[])[k] = 0
										AND EXISTS (SELECT FROM pg_catalog.pg_depend d
													 WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
													   AND d.objid = pt.partrelid AND d.objsubid = att.attnum
													   AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
													   AND d.refobjid = pt.partrelid AND d.refobjsubid = 0
													   AND d.deptype = 'i'))))));
	IF bad IS NOT NULL THEN
		RAISE EXCEPTION 'cannot update swisper_ext to 0.2.0: % is range-partitioned on @extschema@.external_id', bad
			USING ERRCODE = 'feature_not_supported',
				  DETAIL = '0.2.0 orders external ids as their texts, byte by byte, where 0.1.0 put integers first, in numeric order: the partition bounds and the rows in each partition would no longer agree. Nothing has been changed.',
				  HINT = 'Partition by hash, or on user_id::text, and move the rows, then update the extension.';
	END IF;

	FOR ix IN
		WITH RECURSIVE calls(classid, objid, orders) AS (
			SELECT e.classid, e.objid,
				   -- orders: an ordering operator or its function, or a
				   -- B-tree support function (cmp, sort support)
				   CASE e.classid
					   WHEN 'pg_catalog.pg_operator'::pg_catalog.regclass
					   THEN EXISTS (SELECT FROM pg_catalog.pg_operator o
									 WHERE o.oid = e.objid AND o.oprname IN ('<', '<=', '>', '>='))
					   ELSE EXISTS (SELECT FROM pg_catalog.pg_operator o
									 WHERE o.oprcode = e.objid AND o.oprname IN ('<', '<=', '>', '>='))
						 OR EXISTS (SELECT FROM pg_catalog.pg_amproc ap
									  JOIN pg_catalog.pg_opfamily f ON f.oid = ap.amprocfamily
									  JOIN pg_catalog.pg_am fam ON fam.oid = f.opfmethod
									 WHERE fam.amname = 'btree' AND ap.amproc = e.objid) END
			  FROM pg_catalog.pg_depend e
			 WHERE e.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND e.refobjid = ext
			   AND e.deptype = 'e'
			   AND e.classid IN ('pg_catalog.pg_proc'::pg_catalog.regclass,
								 'pg_catalog.pg_operator'::pg_catalog.regclass)
			UNION
			SELECT d.classid, d.objid, calls.orders
			  FROM pg_catalog.pg_depend d
			  JOIN calls ON d.refclassid = calls.classid AND d.refobjid = calls.objid
			 WHERE d.classid IN ('pg_catalog.pg_proc'::pg_catalog.regclass,
								 'pg_catalog.pg_operator'::pg_catalog.regclass)
		)
		SELECT 'index' AS kind, i.indexrelid::pg_catalog.regclass AS idx,
			   i.indexrelid::pg_catalog.regclass::pg_catalog.text AS name, i.indisvalid AS valid,
			   c.relpersistence = 't' AND c.relnamespace <> pg_catalog.pg_my_temp_schema() AS other_temp
		  FROM pg_catalog.pg_index i
		  JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
		  JOIN pg_catalog.pg_am am ON am.oid = c.relam
		 WHERE c.relkind = 'i'
		   AND ((am.amname <> 'hash'
				 AND EXISTS (SELECT FROM pg_catalog.pg_attribute a
							  WHERE a.attrelid = i.indexrelid AND a.attnum <= i.indnkeyatts
								AND a.atttypid = ANY (holds)))
				OR EXISTS (SELECT FROM pg_catalog.pg_depend d
							 JOIN calls ON calls.classid = d.refclassid AND calls.objid = d.refobjid
							WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = i.indexrelid))
		UNION ALL
		-- CHECK constraints (of tables and domains) and stored generated
		-- columns that compare external ids: their rows were checked or
		-- computed in the old order, and the update cannot redo that.
		SELECT 'check', NULL,
			   CASE WHEN con.contypid <> 0
					THEN pg_catalog.format('constraint %I of domain %s', con.conname, con.contypid::pg_catalog.regtype)
					ELSE pg_catalog.format('constraint %I of table %s', con.conname, con.conrelid::pg_catalog.regclass) END,
			   true, false
		  FROM pg_catalog.pg_constraint con
		 WHERE con.contype = 'c'
		   AND EXISTS (SELECT FROM pg_catalog.pg_depend d
						 JOIN calls ON calls.classid = d.refclassid AND calls.objid = d.refobjid AND calls.orders
						WHERE d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND d.objid = con.oid)
		UNION ALL
		SELECT 'check', NULL,
			   pg_catalog.format('generated column %I of table %s', a.attname, a.attrelid::pg_catalog.regclass),
			   true, false
		  FROM pg_catalog.pg_attrdef ad
		  JOIN pg_catalog.pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
		 WHERE a.attgenerated = 's'
		   AND EXISTS (SELECT FROM pg_catalog.pg_depend d
						 JOIN calls ON calls.classid = d.refclassid AND calls.objid = d.refobjid AND calls.orders
						WHERE d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND d.objid = ad.oid)
		 ORDER BY 1, 3
	LOOP
		IF ix.kind = 'check' THEN
			checks := checks || ix.name;
		ELSIF NOT ix.valid THEN
			invalid := invalid || ix.name;
		ELSIF ix.other_temp THEN
			skipped := skipped || ix.name;
		ELSE
			EXECUTE format('REINDEX INDEX %s', ix.idx);
			done := done || ix.name;
		END IF;
	END LOOP;
	IF cardinality(done) > 0 THEN
		RAISE NOTICE 'swisper_ext: rebuilt % index(es) over @extschema@.external_id in its new order', cardinality(done)
			USING DETAIL = 'Rebuilt: ' || array_to_string(done, ', ') || '.';
	END IF;
	IF cardinality(invalid) > 0 THEN
		RAISE NOTICE 'swisper_ext: % invalid index(es) over @extschema@.external_id were not rebuilt', cardinality(invalid)
			USING DETAIL = 'Not rebuilt: ' || array_to_string(invalid, ', ') || '. No query reads an invalid index.',
				  HINT = 'Drop each, or run REINDEX INDEX on it, which builds it in the new order.';
	END IF;
	IF cardinality(checks) > 0 THEN
		RAISE WARNING 'swisper_ext: % CHECK constraint(s) or generated column(s) compare external ids, whose order changed', cardinality(checks)
			USING DETAIL = 'Not checked again: ' || array_to_string(checks, ', ') || '. Their rows were checked or computed in 0.1.0''s order; some may no longer pass or hold the value the new order gives.',
				  HINT = 'Drop each constraint and add it again (which checks every row), and recompute generated columns with UPDATE ... SET column = column on one of the columns they read.';
	END IF;
	IF cardinality(skipped) > 0 THEN
		RAISE WARNING 'swisper_ext: % index(es) on temporary tables of other sessions were not rebuilt', cardinality(skipped)
			USING DETAIL = 'Not rebuilt: ' || array_to_string(skipped, ', ') || '. Until those sessions drop them or end, they hold 0.1.0''s order and their lookups can miss rows.',
				  HINT = 'Run REINDEX INDEX on each in its session, or end the session.';
	END IF;
END
$$;
SET LOCAL client_min_messages = warning;
