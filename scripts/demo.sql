-- The demo `make demo` runs (scripts/demo.sh), in an empty database.
\pset footer off
\set ECHO queries

\echo
\echo '== 1. The observability database as it stands (test/fixtures/observability_schema.sql)'
\set ECHO none
\i test/fixtures/observability_schema.sql
\set ECHO queries
\d traces

\echo
\echo '== 2. The insert from the bug report fails on fk_traces_user'
\set ON_ERROR_STOP 0
INSERT INTO traces (id, name, user_id, session_id, project_id, "timestamp")
VALUES ('b499d802-2f7e-4c1a-9a59-0c0e3f6f1a11', 'global_supervisor', '1aac01a8-a985-4cd1-aad6-7e12b25da1bc',
        'test_session', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', '2025-11-05 07:13:17.700123');
\set ON_ERROR_STOP 1

\echo
\echo '== 3. CREATE EXTENSION swisper_ext: its NOTICE lines say what it changes'
CREATE EXTENSION swisper_ext;

\echo
\echo '== 4. The same insert succeeds, and so do NULL and opaque external ids'
INSERT INTO traces (id, name, user_id, session_id, project_id, "timestamp")
VALUES ('b499d802-2f7e-4c1a-9a59-0c0e3f6f1a11', 'global_supervisor', '1aac01a8-a985-4cd1-aad6-7e12b25da1bc',
        'test_session', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', '2025-11-05 07:13:17.700123');
INSERT INTO traces (id, user_id, project_id, "timestamp")
VALUES ('t-null', NULL, '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', now()),
       ('t-opaque', 'external-swisper-user-12345', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', now());
SELECT id, user_id FROM traces ORDER BY "timestamp";

\echo
\echo '== 5. What the install changed: user_id is swisper.external_id, nullable, indexed, with no foreign key'
\d traces
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM traces WHERE user_id = '1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC';
RESET enable_seqscan;
\echo 'A second run of the fix finds nothing to change:'
SELECT * FROM swisper.fix_user_id();

\echo
\echo '== 6. Ingestion: the SDK stream of test/fixtures/events, delivered in reverse order'
\set stream `cat test/fixtures/events/swisper_stream.json`
\set ECHO none
\echo 'SELECT * FROM swisper.ingest_batch(<the 10 events, last first>);'
SELECT * FROM swisper.ingest_batch((SELECT jsonb_agg(e ORDER BY n DESC)
                                      FROM jsonb_array_elements(:'stream'::jsonb) WITH ORDINALITY AS x(e, n)));
\set ECHO queries
SELECT o.name, o.type, o.level, o.start_time, o.end_time, o.model, o.total_tokens, o.status_message
  FROM observations o WHERE o.trace_id = '3f0c9b1e-8a2d-4c6b-9e7f-1a2b3c4d5e6f' ORDER BY o.start_time;
\echo 'Delivered again, in order: every event is a duplicate and nothing changes'
\set ECHO none
\echo 'SELECT status, message, count(*) FROM swisper.ingest_batch(<the 10 events>) GROUP BY 1, 2;'
SELECT status, message, count(*) FROM swisper.ingest_batch(:'stream') GROUP BY 1, 2;
\set ECHO queries
\echo 'A Langfuse batch with one invalid event beside valid ones'
\set lf `cat test/fixtures/events/langfuse_batch.json`
\set ECHO none
\echo 'SELECT * FROM swisper.ingest_batch(<test/fixtures/events/langfuse_batch.json with a 7th event whose startTime is not a time>, <project>);'
SELECT * FROM swisper.ingest_batch(jsonb_set(:'lf'::jsonb, '{batch,6}',
       '{"id": "ev-bad", "timestamp": "2025-11-07T07:30:17Z", "type": "span-create", "body": {"id": "x", "traceId": "c4a1e2d3-0000-4000-8000-00000000aaaa", "startTime": "yesterday at noon"}}'),
       '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
\set ECHO queries

\echo
\echo '== 7. Heartbeats and connection status'
SELECT swisper.heartbeat('7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', 'production', '1.0.0', '0.5.0');
\set ON_ERROR_STOP 0
SELECT swisper.heartbeat('no-such-project');
\set ON_ERROR_STOP 1
\echo 'The worker publishes within a tick (waiting for it):'
DO $$
BEGIN
	FOR i IN 1..300 LOOP
		EXIT WHEN EXISTS (SELECT FROM swisper.project_connection WHERE status = 'connected');
		PERFORM pg_sleep(0.1);
	END LOOP;
END $$;
SELECT project_id, project_name, status, environment, app_version, sdk_version, traces_today
  FROM swisper.project_status;
SELECT jsonb_pretty(swisper.health() - 'server_time');

\echo
\echo '== 8. A new database: CREATE EXTENSION creates no table, it says what to run instead'
CREATE DATABASE swisper_demo_new;
\c swisper_demo_new
CREATE EXTENSION swisper_ext;
\echo 'Either the application''s migrations create the tables, then SELECT * FROM swisper.fix_user_id() once;'
\echo 'or the extension creates them on request:'
SELECT * FROM swisper.create_missing_tables();
\d traces
INSERT INTO projects (id, name) VALUES ('demo', 'Demo');
INSERT INTO traces (id, user_id, project_id, "timestamp")
VALUES ('t-1', '1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC', 'demo', now()),
       ('t-2', 'external-swisper-user-12345', 'demo', now());
SELECT id, user_id, swisper.external_id_kind(user_id) FROM traces ORDER BY id;
