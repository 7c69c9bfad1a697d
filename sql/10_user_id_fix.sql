--
-- Issue 2: CREATE EXTENSION ends the fk_traces_user outage, on the fixture
-- database as it stands.
--
\set ECHO none
\i test/fixtures/clean.sql
\i test/fixtures/observability_schema.sql
\set ECHO all

\i test/fixtures/shape.sql
-- A digest of every row, with user_id as text: equal digests, equal rows.
CREATE FUNCTION pg_temp.digest(s name) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
	EXECUTE format($q$SELECT md5(string_agg(concat_ws('|', id, name, user_id::text, session_id, project_id,
			input::text, output::text, meta::text, tags::text, "timestamp"), E'\n' ORDER BY id))
		FROM %I.traces$q$, s) INTO d;
	RETURN d;
END $$;

SELECT * FROM pg_temp.shape('public');
CREATE TEMP TABLE before AS SELECT pg_temp.digest('public') AS d;

-- The insert from the bug report fails.
INSERT INTO traces (id, name, user_id, session_id, project_id, "timestamp")
VALUES ('b499d802-2f7e-4c1a-9a59-0c0e3f6f1a11', 'global_supervisor', '1aac01a8-a985-4cd1-aad6-7e12b25da1bc',
		'test_session', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', '2025-11-05 07:13:17.700123');

-- The install says what it changes.
CREATE EXTENSION swisper_ext;
SELECT * FROM pg_temp.shape('public');

-- Every row is as it was.
SELECT pg_temp.digest('public') = d AS rows_unchanged FROM before;
-- The foreign key's name is kept by a constraint that checks nothing, for
-- the migration that drops it by name (the platform's c85a4ae4ef21).
\x on
SELECT conname, pg_get_constraintdef(oid) AS def, obj_description(oid, 'pg_constraint') AS comment
  FROM pg_constraint WHERE conrelid = 'traces'::regclass AND contype = 'c';
\x off

-- The same insert succeeds now; so do NULL, a random UUID and an opaque id.
INSERT INTO traces (id, name, user_id, session_id, project_id, "timestamp")
VALUES ('b499d802-2f7e-4c1a-9a59-0c0e3f6f1a11', 'global_supervisor', '1aac01a8-a985-4cd1-aad6-7e12b25da1bc',
		'test_session', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', '2025-11-05 07:13:17.700123');
INSERT INTO traces (id, user_id, project_id, "timestamp")
VALUES ('t-null', NULL, '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', '2025-11-05 08:00:00'),
	   ('t-random', gen_random_uuid()::text, '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', '2025-11-05 08:00:01'),
	   ('t-opaque', 'external-swisper-user-12345', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', '2025-11-05 08:00:02');
SELECT id, CASE WHEN id = 't-random' THEN '(random uuid)' ELSE user_id::text END AS user_id FROM traces ORDER BY id;
-- An observation after it attaches to the trace.
INSERT INTO observations (id, trace_id, type, name, start_time, level)
VALUES ('fc1efce5-0b7e-4a43-9d1b-6f7f2a0e9c55', 'b499d802-2f7e-4c1a-9a59-0c0e3f6f1a11', 'SPAN',
		'classify_intent', '2025-11-05 07:13:17.795001', 'DEFAULT');

-- A filter on user_id uses an index.
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM traces WHERE user_id = '1aac01a8-a985-4cd1-aad6-7e12b25da1bc';
SELECT id FROM traces WHERE user_id = '1aac01a8-a985-4cd1-aad6-7e12b25da1bc';
RESET enable_seqscan;

-- Deleting the user the old foreign key pointed at no longer touches traces.
DELETE FROM users;
SELECT count(*) AS traces_with_user FROM traces WHERE user_id IS NOT NULL;

-- A second fix changes nothing: no row (only the NOTICE that the index is
-- reused), the same shape.
CREATE TEMP TABLE shape1 AS SELECT pg_temp.shape('public') AS s;
SELECT * FROM swisper.fix_user_id();
SELECT (SELECT array_agg(s ORDER BY s) FROM shape1) = (SELECT array_agg(s ORDER BY s) FROM pg_temp.shape('public') s) AS same_shape;

-- That migration's statement drops the placeholder.
ALTER TABLE traces DROP CONSTRAINT fk_traces_user;
-- A migration tool that adds the old constraint back (external_id converts
-- implicitly to varchar, as a text type does, so PostgreSQL accepts it) or
-- one to a matching table: the fix takes them away again.
ALTER TABLE traces ADD CONSTRAINT fk_traces_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
CREATE TABLE app_users (id swisper.external_id PRIMARY KEY);
ALTER TABLE traces ADD CONSTRAINT fk_traces_app_user FOREIGN KEY (user_id) REFERENCES app_users (id) NOT VALID;
SELECT * FROM swisper.fix_user_id();

-- The install functions are not for everybody.
SELECT p.proname, has_function_privilege('public', p.oid, 'EXECUTE') AS public_may_execute
  FROM pg_proc p WHERE p.pronamespace = 'swisper'::regnamespace
   AND p.proname IN ('fix_user_id', 'release_user_id', 'create_missing_tables', 'disown')
 ORDER BY 1;

-- No application table is a member of the extension.
SELECT count(*) AS member_tables FROM pg_depend d
  JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'swisper_ext')
   AND c.relnamespace = 'public'::regnamespace;

-- The way back: user_id becomes text with every value intact, and DROP
-- EXTENSION needs no CASCADE and keeps every row.
CREATE TEMP TABLE before_drop AS SELECT pg_temp.digest('public') AS d, (SELECT count(*) FROM traces) AS n,
	(SELECT count(*) FROM observations) AS o;
SELECT * FROM swisper.release_user_id();
DROP EXTENSION swisper_ext;
SELECT pg_temp.digest('public') = d AS rows_unchanged, (SELECT count(*) FROM traces) = n AS traces_kept,
	   (SELECT count(*) FROM observations) = o AS observations_kept
  FROM before_drop;
SELECT * FROM pg_temp.shape('public');
-- And back again.
CREATE EXTENSION swisper_ext;
SELECT pg_temp.digest('public') = d AS rows_unchanged FROM before_drop;
DROP TABLE app_users;
