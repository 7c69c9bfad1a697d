-- Issue 2 in pgTAP: what CREATE EXTENSION leaves of traces.user_id, and the
-- errors of swisper.fix_user_id() on shapes it refuses.
BEGIN;
\i test/fixtures/reset.sql
SELECT plan(21);

SELECT col_type_is('public', 'traces', 'user_id', 'swisper', 'external_id', 'user_id is swisper.external_id');
SELECT col_is_null('public', 'traces', 'user_id', 'user_id is nullable');
SELECT is_empty($$SELECT conname FROM pg_constraint
				  WHERE conrelid = 'public.traces'::regclass AND contype = 'f'
					AND (SELECT attnum FROM pg_attribute WHERE attrelid = 'public.traces'::regclass
						 AND attname = 'user_id') = ANY (conkey)$$,
				'no foreign key includes user_id');
SELECT has_index('public', 'traces', 'ix_traces_user_id', 'user_id', 'the single-column index is kept');
SELECT has_index('public', 'traces', 'ix_traces_user_timestamp', ARRAY['user_id', '"timestamp"'],
				 'the (user_id, "timestamp") index is kept');
SELECT is((SELECT count(*)::int FROM pg_index WHERE indrelid = 'public.traces'::regclass
			AND indkey[0] = (SELECT attnum FROM pg_attribute WHERE attrelid = 'public.traces'::regclass
							 AND attname = 'user_id')),
		  2, 'no index on user_id was added beside the two that existed');
SELECT results_eq($$SELECT id, user_id::text FROM traces ORDER BY id$$,
				  $$VALUES ('e1a8c0b2-6d4f-4a3e-8b7c-1d2e3f4a5b6c'::varchar, '0b6f6d1e-5a3c-4c1e-9a51-2f0e8c3d7a10'::text),
						   ('f2b9d1c3-7e5a-4b4f-9c8d-2e3f4a5b6c7d', NULL)$$,
				  'the rows that were there are unchanged');

SELECT lives_ok($$INSERT INTO traces (id, name, user_id, session_id, project_id, "timestamp")
				  VALUES ('b499d802-2f7e-4c1a-9a59-0c0e3f6f1a11', 'global_supervisor',
						  '1aac01a8-a985-4cd1-aad6-7e12b25da1bc', 'test_session',
						  '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', '2025-11-05 07:13:17.700123')$$,
				'the insert from the bug report succeeds');
SELECT lives_ok($$INSERT INTO traces (id, user_id, project_id, "timestamp")
				  VALUES ('n', NULL, '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', now())$$, 'a NULL user_id');
SELECT lives_ok($$INSERT INTO traces (id, user_id, project_id, "timestamp")
				  VALUES ('r', gen_random_uuid()::text, '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', now())$$,
				'a random UUID');
SELECT lives_ok($$INSERT INTO traces (id, user_id, project_id, "timestamp")
				  VALUES ('o', 'external-swisper-user-12345', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', now())$$,
				'an opaque external id');
SELECT is((SELECT user_id::text FROM traces WHERE id = 'o'), 'external-swisper-user-12345',
		  'the opaque id reads back byte for byte');

CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
	line text;
	plan text := '';
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
		plan := plan || line || E'\n';
	END LOOP;
	RETURN plan;
END $f$;
SET LOCAL enable_seqscan = off;
SELECT matches(pg_temp.plan_of($$SELECT id FROM traces WHERE user_id = '1aac01a8-a985-4cd1-aad6-7e12b25da1bc'$$),
			   'Index (Only )?Scan using ix_traces_user', 'a filter on user_id uses an index');
RESET enable_seqscan;

SELECT is_empty($$SELECT * FROM swisper.fix_user_id()$$, 'a second fix changes nothing');
CREATE TABLE app_users (id swisper.external_id PRIMARY KEY);
ALTER TABLE traces ADD CONSTRAINT fk_again FOREIGN KEY (user_id) REFERENCES app_users (id) NOT VALID;
SELECT results_eq($$SELECT action FROM swisper.fix_user_id()$$, $$VALUES ('constraint dropped')$$,
				  'a foreign key re-added by a migration tool is dropped again');
SELECT is_empty($$SELECT * FROM swisper.fix_user_id()$$, 'and then there is nothing left to do');

-- Shapes it refuses, by SQLSTATE and message.
CREATE SCHEMA tap_view;
CREATE TABLE tap_view.t (id int, user_id text);
CREATE VIEW tap_view.traces AS SELECT * FROM tap_view.t;
SET LOCAL swisper.table_schema = 'tap_view';
SELECT throws_ok($$SELECT * FROM swisper.fix_user_id()$$, '42809', '"tap_view.traces" is not a table',
				 'traces as a view: wrong_object_type');
CREATE SCHEMA tap_nocol;
CREATE TABLE tap_nocol.traces (id int);
SET LOCAL swisper.table_schema = 'tap_nocol';
SELECT throws_ok($$SELECT * FROM swisper.fix_user_id()$$, '42703', 'table "tap_nocol.traces" has no column "user_id"',
				 'no user_id column: undefined_column');
CREATE SCHEMA tap_int;
CREATE TABLE tap_int.traces (id int, user_id bigint);
SET LOCAL swisper.table_schema = 'tap_int';
SELECT throws_ok($$SELECT * FROM swisper.fix_user_id()$$, '42804',
				 'column "user_id" of table "tap_int.traces" has type bigint, which cannot hold external ids',
				 'a bigint user_id: datatype_mismatch');
-- Values the earlier external_id refused convert like any other, byte for
-- byte.
CREATE SCHEMA tap_odd;
CREATE TABLE tap_odd.traces (id int, user_id text NOT NULL);
INSERT INTO tap_odd.traces VALUES (1, ''), (2, E' tab\there ');
SET LOCAL swisper.table_schema = 'tap_odd';
SELECT lives_ok($$SELECT * FROM swisper.fix_user_id()$$, 'the empty string and blanks and tabs convert');
SELECT results_eq($$SELECT user_id::text FROM tap_odd.traces ORDER BY id$$,
				  ARRAY['', E' tab\there '], 'and come back byte for byte');
SELECT * FROM finish();
ROLLBACK;
