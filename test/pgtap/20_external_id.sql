-- pgTAP: swisper.external_id's contract, one assertion per promise: the
-- SQLSTATE of every rejection, equality across spellings, the kinds, the
-- casts and the catalog entries the planner relies on.
BEGIN;
\i test/fixtures/reset.sql
SELECT plan(30);

-- Rejections and their SQLSTATEs.
SELECT throws_ok($$SELECT ''::swisper.external_id$$, '22P02',
	'invalid input syntax for type external_id: ""', 'empty string: 22P02');
SELECT throws_ok($$SELECT ' u1'::swisper.external_id$$, '22P02',
	'invalid input syntax for type external_id: " u1"', 'leading blank: 22P02');
SELECT throws_ok($$SELECT 'u1 '::swisper.external_id$$, '22P02',
	'invalid input syntax for type external_id: "u1 "', 'trailing blank: 22P02');
SELECT throws_ok($$SELECT E'u\n1'::swisper.external_id$$, '22P02',
	'invalid input syntax for type external_id: "u\x0A1"', 'newline: 22P02');
SELECT throws_ok($$SELECT E'u\x7f'::swisper.external_id$$, '22P02',
	'invalid input syntax for type external_id: "u\x7F"', 'DEL: 22P02');
SELECT throws_ok($$SELECT repeat('x', 256)::swisper.external_id$$, '22001',
	'value too long for type external_id: "' || repeat('x', 64) || '..."', '256 bytes: 22001');
SELECT throws_ok($$SELECT repeat('é', 128)::text::swisper.external_id$$, '22001', NULL,
	'the limit counts bytes: 128 two-byte characters: 22001');
SELECT lives_ok($$SELECT repeat('x', 255)::swisper.external_id$$, '255 bytes are accepted');
SELECT throws_ok($$SELECT 'x'::swisper.external_id = ' x'::text$$, '22P02', NULL,
	'a bad text operand of = raises 22P02');
SELECT throws_ok($$SELECT 'abc'::swisper.external_id::uuid$$, '22P02', NULL,
	'only uuid-kind ids cast to uuid');

-- is_valid_external_id never raises.
SELECT is(swisper.is_valid_external_id(v), false, 'is_valid_external_id is false for ' || quote_literal(v))
FROM unnest(ARRAY['', ' a', E'a\tb', repeat('x', 256)]) AS v;
SELECT is(swisper.is_valid_external_id('auth0|x'), true, 'is_valid_external_id is true for a valid id');

-- One value per uuid, whatever the spelling.
SELECT is(count(DISTINCT v::swisper.external_id), 1::bigint, 'six uuid spellings are one value')
FROM unnest(ARRAY['1aac01a8-a985-4cd1-aad6-7e12b25da1bc', '1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC',
	'1aac01a8a9854cd1aad67e12b25da1bc', '{1aac01a8-a985-4cd1-aad6-7e12b25da1bc}',
	'1aac-01a8-a985-4cd1-aad6-7e12-b25d-a1bc', '{1AAC01A8A9854CD1AAD67E12B25DA1BC}']) AS v;
SELECT is('{1AAC01A8A9854CD1AAD67E12B25DA1BC}'::swisper.external_id::text,
	'1aac01a8-a985-4cd1-aad6-7e12b25da1bc', 'uuids print lower-case hyphenated');
SELECT is(swisper.external_id_kind('12345'), 'integer', '12345 is an integer');
SELECT is(swisper.external_id_kind('012345'), 'text', '012345 is text');
SELECT is('012345'::swisper.external_id::text, '012345', '012345 prints as given');
SELECT isnt('12345'::swisper.external_id, '012345'::swisper.external_id, '12345 and 012345 differ');
SELECT is(swisper.external_id_kind('User@Example.com'), 'text', 'an e-mail address is text');
SELECT isnt('User@Example.com'::swisper.external_id, 'user@example.com'::swisper.external_id,
	'text ids are case-sensitive');
SELECT ok('9'::swisper.external_id < '10'::swisper.external_id, 'integers order by value');
SELECT ok('9223372036854775807'::swisper.external_id < '00000000-0000-0000-0000-000000000000'::swisper.external_id
	AND 'ffffffff-ffff-ffff-ffff-ffffffffffff'::swisper.external_id < '-1'::swisper.external_id,
	'integers < uuids < text');

-- Catalog entries the planner relies on.
SELECT ok(oprcanhash AND oprcanmerge, '= on external_id is HASHES and MERGES')
FROM pg_operator WHERE oprname = '=' AND oprleft = 'swisper.external_id'::regtype
	AND oprright = 'swisper.external_id'::regtype;
SELECT ok(oprcanhash, '= between external_id and text is HASHES')
FROM pg_operator WHERE oprname = '=' AND oprleft = 'swisper.external_id'::regtype AND oprright = 'text'::regtype;
SELECT is(count(*), 5::bigint, 'every comparison of external_id has a commutator and a negator')
FROM pg_operator WHERE oprleft = 'swisper.external_id'::regtype AND oprright = 'swisper.external_id'::regtype
	AND oprcom <> 0 AND oprnegate <> 0 AND oprname IN ('<', '<=', '=', '>=', '>');
SELECT is(count(*), 3::bigint, 'btree support functions 1, 2 and 4 for external_id')
FROM pg_amproc p JOIN pg_opfamily f ON f.oid = p.amprocfamily
WHERE f.opfname = 'external_id_ops' AND f.opfmethod = (SELECT oid FROM pg_am WHERE amname = 'btree')
	AND amproclefttype = 'swisper.external_id'::regtype AND amprocrighttype = 'swisper.external_id'::regtype;
SELECT is(castcontext, 'a', 'varchar -> external_id is an assignment cast')
FROM pg_cast WHERE castsource = 'varchar'::regtype AND casttarget = 'swisper.external_id'::regtype;

SELECT * FROM finish();
ROLLBACK;
