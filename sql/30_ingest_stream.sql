\i test/fixtures/reset.sql
\set stream `cat test/fixtures/events/swisper_stream.json`

-- Every stream event kind, in order: one row per element, in input order.
SELECT * FROM swisper.ingest_batch(:'stream');

SELECT id, name, user_id, session_id, project_id, "timestamp", input, output, meta, tags
FROM traces WHERE id = '3f0c9b1e-8a2d-4c6b-9e7f-1a2b3c4d5e6f';

-- start_time from the start events; end_time, output, level and type from
-- the end events; tokens and model from output._llm_tokens / _llm_model;
-- observation_error sets level ERROR, status_message and end_time.
SELECT id, trace_id, parent_observation_id, type, name, start_time, end_time, level,
       status_message, model, prompt_tokens, completion_tokens, total_tokens
FROM observations WHERE trace_id = '3f0c9b1e-8a2d-4c6b-9e7f-1a2b3c4d5e6f' ORDER BY id;
SELECT id, input, output FROM observations
WHERE trace_id = '3f0c9b1e-8a2d-4c6b-9e7f-1a2b3c4d5e6f' ORDER BY id;

-- The heartbeat and the other events feed liveness: the registry in shared
-- memory, which the worker saves every tick (waits for at most 30 s).
DO $$
BEGIN
	FOR i IN 1..300 LOOP
		EXIT WHEN EXISTS (SELECT FROM swisper.project_status
						   WHERE project_id = '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c' AND last_seen IS NOT NULL);
		PERFORM pg_sleep(0.1);
	END LOOP;
END $$;
SELECT project_id, last_seen AT TIME ZONE 'UTC' AS last_seen, sdk_version
FROM swisper.project_status WHERE last_seen IS NOT NULL;

-- Re-delivery: every event is a duplicate (200), the heartbeat is recorded
-- again (200), and nothing changes.
CREATE TEMP TABLE before AS
SELECT (SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) FROM traces t) AS traces,
       (SELECT md5(string_agg(o::text, '|' ORDER BY o.id)) FROM observations o) AS observations,
       (SELECT md5(string_agg(s::text, '|' ORDER BY s.entity_kind, s.entity_id)) FROM swisper.ingest_merge_state s) AS state;
SELECT * FROM swisper.ingest_batch(:'stream');
SELECT b.traces = (SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) FROM traces t) AS traces_unchanged,
       b.observations = (SELECT md5(string_agg(o::text, '|' ORDER BY o.id)) FROM observations o) AS observations_unchanged,
       b.state = (SELECT md5(string_agg(s::text, '|' ORDER BY s.entity_kind, s.entity_id)) FROM swisper.ingest_merge_state s) AS state_unchanged
FROM before b;

-- The same events as a string holding JSON in "data", and wrapped as
-- {"batch": [...]}: the same rows.
SELECT count(*) FROM swisper.ingest_merge_state;
DELETE FROM observations WHERE trace_id = '3f0c9b1e-8a2d-4c6b-9e7f-1a2b3c4d5e6f';
DELETE FROM traces WHERE id = '3f0c9b1e-8a2d-4c6b-9e7f-1a2b3c4d5e6f';
SELECT swisper.ingest_prune();
SELECT idx, status, message FROM swisper.ingest_batch(
  jsonb_build_object('batch',
    (SELECT jsonb_agg(CASE WHEN e ? 'data' THEN jsonb_set(e, '{data}', to_jsonb((e->'data')::text)) ELSE e END ORDER BY n)
     FROM jsonb_array_elements(:'stream') WITH ORDINALITY AS a(e, n))));
SELECT b.traces = (SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) FROM traces t) AS traces_same,
       b.observations = (SELECT md5(string_agg(o::text, '|' ORDER BY o.id)) FROM observations o) AS observations_same
FROM before b;
