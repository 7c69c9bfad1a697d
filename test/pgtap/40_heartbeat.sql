-- Heartbeats in a database the worker does not serve (swisper_pgtap): they
-- go to table swisper.project_connection at once, and health() says so.
BEGIN;
\ir ../fixtures/reset.sql
SELECT plan(17);

SELECT throws_ok($$SELECT swisper.heartbeat('no-such-project')$$, 'P0002',
	'project "no-such-project" does not exist', 'unknown project: P0002');
UPDATE projects SET deleted_at = now() AT TIME ZONE 'UTC' WHERE id = '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f';
SELECT throws_ok($$SELECT swisper.heartbeat('4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f')$$, 'P0002',
	NULL, 'soft-deleted project: P0002');
SELECT throws_ok($$SELECT swisper.heartbeat(NULL)$$, '22004', NULL, 'null project id: 22004');

SELECT is(swisper.heartbeat('7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', 'prod', '1.2.3', '0.9.0'),
	'{"status": "ok", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c", "message": "Heartbeat received"}'::jsonb,
	'heartbeat() answers ok');
SELECT is(swisper.health() ->> 'heartbeat_store', 'table', 'heartbeats of this database go to the table');
SELECT results_eq(
	$$SELECT environment, app_version, sdk_version, status FROM swisper.project_connection
	   WHERE project_id = '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c'$$,
	$$VALUES ('prod'::text, '1.2.3'::text, '0.9.0'::text, NULL::text)$$,
	'the table fallback wrote the row at once (status: not yet published)');
SELECT ok((SELECT last_seen = last_heartbeat AND connected_since = last_seen
			 FROM swisper.project_connection WHERE project_id = '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c'),
	'last_seen, last_heartbeat and connected_since set');

SELECT is(swisper.heartbeat('7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', NULL, '1.2.4') ->> 'status', 'ok',
	'a heartbeat without environment');
SELECT results_eq(
	$$SELECT environment, app_version FROM swisper.project_connection
	   WHERE project_id = '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c'$$,
	$$VALUES ('prod'::text, '1.2.4'::text)$$,
	'NULL keeps the environment, a new version replaces the old');
SELECT is(swisper.heartbeat('7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', repeat('é', 40)) ->> 'status', 'ok',
	'a heartbeat with an 80-byte environment');
SELECT is((SELECT environment FROM swisper.project_connection WHERE project_id = '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c'),
	repeat('é', 31), 'metadata cut to 63 bytes at a character boundary, as in the registry');
SELECT is((SELECT status FROM swisper.project_status WHERE project_id = '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c'),
	'connected', 'the view classifies the project connected');
SELECT is((SELECT count(*) FROM swisper.project_status), 1::bigint, 'soft-deleted projects are not in the view');
SELECT is(swisper.health() -> 'projects' ->> 'connected', '1', 'health() counts it');
SELECT is(swisper.health() ->> 'status', 'degraded', 'health() is degraded: the worker serves another database');

-- Heartbeat details: the latest heartbeat's win, whatever the arrival order
-- (a late or re-delivered heartbeat does not bring back an older version).
UPDATE projects SET deleted_at = NULL WHERE id = '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f';
SELECT is((SELECT array_agg(status ORDER BY idx) FROM swisper.ingest_batch($$[
	{"event_type": "heartbeat", "project_id": "4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f", "timestamp": "1762500620",
	 "data": {"sdk_version": "0.6.0", "environment": "staging"}}]$$)), ARRAY[200],
	'the newer heartbeat arrives first');
SELECT swisper.ingest_batch($$[
	{"event_type": "heartbeat", "project_id": "4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f", "timestamp": "1762500610",
	 "data": {"sdk_version": "0.5.0", "environment": "old"}}]$$);
SELECT results_eq(
	$$SELECT sdk_version, environment, last_heartbeat FROM swisper.project_connection
	   WHERE project_id = '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f'$$,
	$$VALUES ('0.6.0'::text, 'staging'::text, to_timestamp(1762500620))$$,
	'an older heartbeat arriving later changes neither the details nor last_heartbeat');

SELECT * FROM finish();
ROLLBACK;
