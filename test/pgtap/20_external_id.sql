-- pgTAP: swisper.external_id's contract, one assertion per promise: every
-- text is a value and comes back as given, comparisons never raise, the
-- strict rules as a function and a domain, equality across uuid spellings,
-- the kinds, the text order, the casts and the catalog entries the planner
-- relies on.
BEGIN;
\i test/fixtures/reset.sql
SELECT plan(45);

-- Every text is a value, byte for byte.
SELECT is(v::swisper.external_id::text, v, 'kept as given: ' || to_json(v)::text)
FROM unnest(ARRAY['', ' u1', 'u1 ', E'u\n1', E'u\x7f', E'\x01u', E'\t', '007', '+5',
	'1AAC01A8A9854CD1AAD67E12B25DA1BC']) AS v;
SELECT is(md5(repeat('x', 1048576)::swisper.external_id::text), md5(repeat('x', 1048576)),
	'a 1 MB value comes back as given');
SELECT lives_ok($$SELECT (repeat('é', 128))::text::swisper.external_id$$,
	'no byte limit: 128 two-byte characters');

-- Comparisons with any string never raise.
SELECT lives_ok($$SELECT 'x'::swisper.external_id = ' x'::text$$, 'a text with blanks compares');
SELECT lives_ok($$SELECT 'x'::swisper.external_id < ''::varchar$$, 'the empty varchar compares');
SELECT is(''::swisper.external_id = ''::text, true, 'the empty external id equals the empty text');

-- The strict rules: a function that never raises, and a domain.
SELECT is(swisper.is_valid_external_id(v), false, 'is_valid_external_id is false for ' || to_json(v)::text)
FROM unnest(ARRAY['', ' a', E'a\tb', repeat('x', 256)]) AS v;
SELECT is(swisper.is_valid_external_id('auth0|x'), true, 'is_valid_external_id is true for a valid id');
SELECT throws_ok($$SELECT ''::swisper.strict_external_id$$, '23514',
	'value for domain swisper.strict_external_id violates check constraint "strict_external_id_check"',
	'the domain strict_external_id refuses the empty string: 23514');
SELECT throws_ok($$SELECT ' u1'::swisper.strict_external_id$$, '23514', NULL,
	'the domain strict_external_id refuses a leading blank: 23514');
SELECT lives_ok($$SELECT 'auth0|x'::swisper.strict_external_id$$, 'and accepts a valid id');

-- One value per uuid in its standard layout, whatever the case and braces;
-- other spellings are other texts.
SELECT is(count(DISTINCT v::swisper.external_id), 1::bigint, 'four uuid spellings are one value')
FROM unnest(ARRAY['1aac01a8-a985-4cd1-aad6-7e12b25da1bc', '1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC',
	'{1aac01a8-a985-4cd1-aad6-7e12b25da1bc}', '{1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC}']) AS v;
SELECT is('{1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC}'::swisper.external_id::text,
	'1aac01a8-a985-4cd1-aad6-7e12b25da1bc', 'uuids print lower-case hyphenated');
SELECT isnt('1aac01a8a9854cd1aad67e12b25da1bc'::swisper.external_id, '1aac01a8-a985-4cd1-aad6-7e12b25da1bc'::swisper.external_id,
	'32 digits without hyphens are another text');
SELECT is(swisper.external_id_kind('12345'), 'integer', '12345 is an integer');
SELECT is(swisper.external_id_kind('012345'), 'text', '012345 is text');
SELECT isnt('12345'::swisper.external_id, '012345'::swisper.external_id, '12345 and 012345 differ');
SELECT is(swisper.external_id_kind('User@Example.com'), 'text', 'an e-mail address is text');
SELECT isnt('User@Example.com'::swisper.external_id, 'user@example.com'::swisper.external_id,
	'text ids are case-sensitive');
SELECT throws_ok($$SELECT 'abc'::swisper.external_id::uuid$$, '22P02',
	'invalid input syntax for type uuid: "abc"', 'the cast to uuid refuses what uuid refuses');
SELECT is('1AAC01A8A9854CD1AAD67E12B25DA1BC'::swisper.external_id::uuid, '1aac01a8-a985-4cd1-aad6-7e12b25da1bc'::uuid,
	'and takes what uuid takes');

-- The order is the text's under COLLATE "C", whatever the kinds.
SELECT ok('10'::swisper.external_id < '9'::swisper.external_id, 'integers order as their text: 10 < 9');
SELECT ok('00000000-0000-0000-0000-000000000000'::swisper.external_id < '1'::swisper.external_id
	AND 'ffffffff-ffff-ffff-ffff-ffffffffffff'::swisper.external_id < '~'::swisper.external_id
	AND 'A'::swisper.external_id < 'a'::swisper.external_id
	AND ''::swisper.external_id < E'\x01'::swisper.external_id,
	'uuids, integers and text mixed, in byte order');
SELECT is(max(v)::text, 'é', 'max is the text''s in "C"')
FROM (VALUES ('9'::swisper.external_id), ('10'), ('é'), ('zz'), ('1aac01a8-a985-4cd1-aad6-7e12b25da1bc')) t(v);

-- Catalog entries the planner and the applications rely on.
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
SELECT is(count(*), 0::bigint, 'every operator of external_id is in pg_catalog')
FROM pg_operator WHERE (oprleft = 'swisper.external_id'::regtype OR oprright = 'swisper.external_id'::regtype)
	AND oprnamespace <> 'pg_catalog'::regnamespace;
SELECT is(array_agg(p.oid::regprocedure::text ORDER BY p.proname), ARRAY['max(swisper.external_id)', 'min(swisper.external_id)'],
	'min and max of external_id are in pg_catalog')
FROM pg_proc p WHERE p.prokind = 'a' AND p.proargtypes[0] = 'swisper.external_id'::regtype;
SELECT is(castcontext, 'a', 'varchar -> external_id is an assignment cast')
FROM pg_cast WHERE castsource = 'varchar'::regtype AND casttarget = 'swisper.external_id'::regtype;
SELECT is(castcontext, 'i', 'external_id -> text is an implicit cast')
FROM pg_cast WHERE castsource = 'swisper.external_id'::regtype AND casttarget = 'text'::regtype;
SELECT is(typcategory, 'S', 'external_id is of the string category')
FROM pg_type WHERE oid = 'swisper.external_id'::regtype;

SELECT * FROM finish();
ROLLBACK;
