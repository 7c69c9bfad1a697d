-- Heartbeats, the status rule, the view and health().
-- The worker serves this database (test/cluster.conf: swisper.database);
-- where it must have acted, the test polls for at most 60 s.
\i test/fixtures/reset.sql
\set prod '''7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c'''
\set staging '''4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f'''

-- Waits until the status table row of project p has status s.
CREATE FUNCTION pg_temp.wait_for_status(p text, s text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	FOR i IN 1..600 LOOP
		IF EXISTS (SELECT 1 FROM swisper.project_connection c WHERE c.project_id = p AND c.status = s) THEN
			RETURN s;
		END IF;
		PERFORM pg_sleep(0.1);
	END LOOP;
	RETURN 'timed out waiting for ' || s;
END $$;

-- The answer.
SELECT swisper.heartbeat(:prod, 'production', '2.4.1', '0.9.0');

-- Unknown and soft-deleted projects: no_data_found (P0002).
SELECT swisper.heartbeat('no-such-project');
\echo :LAST_ERROR_SQLSTATE
UPDATE projects SET deleted_at = now() AT TIME ZONE 'UTC' WHERE id = :staging;
SELECT swisper.heartbeat(:staging);
\echo :LAST_ERROR_SQLSTATE
UPDATE projects SET deleted_at = NULL WHERE id = :staging;
-- A null id.
SELECT swisper.heartbeat(NULL);
\echo :LAST_ERROR_SQLSTATE

-- The status rule, against swisper.stale_after = 30s and
-- swisper.disconnect_after = 120s.
SHOW swisper.stale_after;
SHOW swisper.disconnect_after;
SELECT age, swisper.connection_status(true, now() - age) AS status
  FROM unnest(ARRAY[interval '0', '29.999 s', '30 s', '119.999 s', '120 s', '1 day']) AS age;
SELECT swisper.connection_status(true, NULL) AS no_sighting,
       swisper.connection_status(false, now()) AS tracing_off,
       swisper.connection_status(NULL, now()) AS tracing_null;

-- The worker publishes the heartbeat; the staging project was never seen.
SELECT pg_temp.wait_for_status(:prod, 'connected');
SELECT pg_temp.wait_for_status(:staging, 'never_seen');
SELECT project_id, status, environment, app_version, sdk_version,
       last_seen = last_heartbeat AS seen_by_heartbeat,
       connected_since <= last_seen AS since_ok,
       last_seen > now() - interval '1 minute' AS recent
  FROM swisper.project_connection ORDER BY project_id;

-- NULL metadata keeps the previous values; newer values replace them; long
-- values are cut to 63 bytes.
SELECT swisper.heartbeat(:prod) ->> 'status' AS status;
SELECT swisper.heartbeat(:prod, NULL, '2.5.0') ->> 'status' AS status;
SELECT swisper.heartbeat(:staging, repeat('x', 100)) ->> 'status' AS status;
SELECT pg_temp.wait_for_status(:staging, 'connected');
DO $$
BEGIN
	FOR i IN 1..600 LOOP
		EXIT WHEN EXISTS (SELECT 1 FROM swisper.project_connection
						   WHERE project_id = '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c' AND app_version = '2.5.0');
		PERFORM pg_sleep(0.1);
	END LOOP;
END $$;
SELECT project_id, environment, length(environment), app_version, sdk_version
  FROM swisper.project_connection ORDER BY project_id;

-- Tracing switched off: disabled.
UPDATE projects SET tracing_enabled = false WHERE id = :staging;
SELECT pg_temp.wait_for_status(:staging, 'disabled');

-- The view: traces today (UTC) count only today's traces.
INSERT INTO traces (id, name, project_id, "timestamp")
VALUES ('t-today-1', 'today', :prod, now() AT TIME ZONE 'UTC'),
       ('t-today-2', 'today', :prod, date_trunc('day', now() AT TIME ZONE 'UTC')),
       ('t-yesterday', 'yesterday', :prod, date_trunc('day', now() AT TIME ZONE 'UTC') - interval '1 microsecond');
SELECT project_id, project_name, status, seconds_since < 60 AS seconds_since_ok,
       environment IS NOT NULL AS has_environment, app_version, sdk_version, traces_today
  FROM swisper.project_status;

-- A soft-deleted project leaves the view and the status table.
UPDATE projects SET deleted_at = now() AT TIME ZONE 'UTC' WHERE id = :staging;
DO $$
BEGIN
	FOR i IN 1..600 LOOP
		EXIT WHEN NOT EXISTS (SELECT 1 FROM swisper.project_connection
							   WHERE project_id = '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f');
		PERFORM pg_sleep(0.1);
	END LOOP;
END $$;
SELECT project_id, status FROM swisper.project_connection ORDER BY 1;
SELECT project_id, status FROM swisper.project_status;

-- health(): the worker runs here, heartbeats go to shared memory.
SELECT h ->> 'status' AS status,
       h ->> 'extension_version' AS extension_version,
       h ->> 'library_preloaded' AS library_preloaded,
       h ->> 'heartbeat_store' AS heartbeat_store,
       h -> 'worker' ->> 'running' AS worker_running,
       (h -> 'worker' ->> 'pid')::int > 0 AS has_pid,
       (h -> 'worker' ->> 'last_loop')::timestamptz > now() - interval '1 minute' AS recent_loop,
       h ->> 'database' = current_database() AS database_ok,
       h -> 'projects' AS projects,
       h -> 'settings' AS settings,
       h ? 'hint' AS has_hint
  FROM swisper.health() AS h;

-- Privileges: heartbeat(), health() and the view's function are not for
-- PUBLIC (connection_status() computes from its arguments only).
CREATE ROLE regress_swisper_app;
SELECT p AS function, has_function_privilege('regress_swisper_app', p, 'EXECUTE') AS can_execute
  FROM unnest(ARRAY['swisper.heartbeat(text,text,text,text)', 'swisper.health()',
					'swisper.project_status_rows()', 'swisper.connection_status(boolean,timestamptz)']) AS p;
-- Granted EXECUTE, an application role needs no privilege on the tables.
GRANT USAGE ON SCHEMA swisper TO regress_swisper_app;
GRANT EXECUTE ON FUNCTION swisper.heartbeat(text, text, text, text), swisper.health() TO regress_swisper_app;
SET ROLE regress_swisper_app;
SELECT swisper.heartbeat(:prod) ->> 'status' AS status;
SELECT swisper.heartbeat('no-such-project');
SELECT swisper.health() ->> 'status' AS status;
RESET ROLE;
REVOKE ALL ON SCHEMA swisper FROM regress_swisper_app;
REVOKE ALL ON FUNCTION swisper.heartbeat(text, text, text, text), swisper.health() FROM regress_swisper_app;
DROP ROLE regress_swisper_app;

-- The status table is a member of the extension whose rows pg_dump keeps.
SELECT c.relname
  FROM pg_extension e, pg_class c
 WHERE e.extname = 'swisper_ext' AND c.oid = ANY (e.extconfig);

-- A project the worker has validated and that is then soft-deleted: once a
-- tick has passed (its status row is gone), heartbeat() refuses it again.
SELECT swisper.heartbeat(:prod) ->> 'status' AS status;
SELECT pg_temp.wait_for_status(:prod, 'connected');
UPDATE projects SET deleted_at = now() AT TIME ZONE 'UTC' WHERE id = :prod;
DO $$
BEGIN
	FOR i IN 1..600 LOOP
		EXIT WHEN NOT EXISTS (SELECT 1 FROM swisper.project_connection
							   WHERE project_id = '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
		PERFORM pg_sleep(0.1);
	END LOOP;
	-- and one more tick, past the one that deleted the row
	PERFORM pg_sleep(1.5);
END $$;
SELECT swisper.heartbeat(:prod);
\echo :LAST_ERROR_SQLSTATE
