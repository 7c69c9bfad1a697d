BEGIN;
\i test/fixtures/reset.sql
SELECT plan(19);

-- ev(type, obs id, epoch seconds, data): one stream entry of trace T1.
CREATE FUNCTION pg_temp.ev(t text, o text, ts text, d jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_strip_nulls(jsonb_build_object('event_type', t, 'trace_id', 'T1', 'observation_id', o,
         'project_id', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', 'timestamp', ts)) || jsonb_build_object('data', d)
$$;
CREATE FUNCTION pg_temp.ingest(VARIADIC e jsonb[]) RETURNS SETOF int LANGUAGE sql AS $$
  SELECT status FROM swisper.ingest_batch(to_jsonb(e), '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')
$$;
CREATE FUNCTION pg_temp.clear() RETURNS void LANGUAGE sql AS $$
  DELETE FROM observations; DELETE FROM traces WHERE id = 'T1';
  TRUNCATE swisper.ingest_merge_state;
$$;
CREATE FUNCTION pg_temp.obs(o text) RETURNS text LANGUAGE sql AS $$
  SELECT row(type, name, start_time, end_time, output::text, level, status_message)::text FROM observations WHERE id = o
$$;

-- 1. an end before its start (across calls) gives the in-order row
SELECT pg_temp.ingest(pg_temp.ev('observation_start', 'O1', '100', '{"name": "a", "type": "SPAN", "start_time": "2025-01-01T00:00:00"}'));
SELECT pg_temp.ingest(pg_temp.ev('observation_end', 'O1', '101', '{"output": {"x": 1}, "type": "GENERATION", "end_time": "2025-01-01T00:00:01"}'));
SELECT pg_temp.obs('O1') AS in_order \gset
SELECT pg_temp.clear();
SELECT pg_temp.ingest(pg_temp.ev('observation_end', 'O1', '101', '{"output": {"x": 1}, "type": "GENERATION", "end_time": "2025-01-01T00:00:01"}'));
SELECT is((SELECT start_time FROM observations WHERE id = 'O1'), to_timestamp(101) AT TIME ZONE 'UTC',
          'an end alone stores a row whose start_time is derived from its timestamp');
SELECT pg_temp.ingest(pg_temp.ev('observation_start', 'O1', '100', '{"name": "a", "type": "SPAN", "start_time": "2025-01-01T00:00:00"}'));
SELECT is(pg_temp.obs('O1'), :'in_order', 'end before start converges to the in-order row');
SELECT is((SELECT type::text FROM observations WHERE id = 'O1'), 'GENERATION', 'type comes from the end event');

-- 2. an observation before its trace: a placeholder trace that trace_start fills
SELECT pg_temp.clear();
SELECT pg_temp.ingest(pg_temp.ev('observation_start', 'O1', '100', '{"name": "a"}'));
SELECT is((SELECT name FROM traces WHERE id = 'T1'), NULL, 'an observation before its trace makes a placeholder trace');
SELECT is((SELECT "timestamp" FROM traces WHERE id = 'T1'), to_timestamp(100) AT TIME ZONE 'UTC', 'the placeholder has the observation''s timestamp');
SELECT results_eq($$SELECT pg_temp.ingest(pg_temp.ev('trace_start', NULL, '99', '{"name": "req", "timestamp": "2025-01-01T00:00:00"}'))$$,
                  ARRAY[200], 'trace_start merges into the placeholder');
SELECT is((SELECT row(name, "timestamp")::text FROM traces WHERE id = 'T1'), '(req,"2025-01-01 00:00:00")', 'trace_start fills the placeholder');

-- 3. first wins (by event timestamp, not arrival) for start_time
SELECT pg_temp.clear();
SELECT pg_temp.ingest(pg_temp.ev('observation_start', 'O1', '200', '{"start_time": "2025-01-01T00:00:09"}'));
SELECT pg_temp.ingest(pg_temp.ev('observation_start', 'O1', '100', '{"start_time": "2025-01-01T00:00:05"}'));
SELECT is((SELECT start_time FROM observations WHERE id = 'O1'), '2025-01-01 00:00:05'::timestamp, 'start_time: the earliest event wins, whatever the arrival order');

-- 4. latest event wins for other fields; nulls are ignored
SELECT pg_temp.ingest(pg_temp.ev('observation_start', 'O1', '300', '{"name": "late"}'));
SELECT pg_temp.ingest(pg_temp.ev('observation_start', 'O1', '250', '{"name": "early"}'));
SELECT is((SELECT name FROM observations WHERE id = 'O1'), 'late', 'name: the latest event wins, not the last to arrive');
SELECT pg_temp.ingest(pg_temp.ev('observation_start', 'O1', '400', '{"name": null}'));
SELECT is((SELECT name FROM observations WHERE id = 'O1'), 'late', 'a null value does not overwrite');

-- 5. equal timestamps: a deterministic tie-break, the same in both orders
SELECT pg_temp.clear();
SELECT pg_temp.ingest(pg_temp.ev('observation_start', 'O1', '100', '{"name": "x"}'),
                      pg_temp.ev('observation_start', 'O2', '100', '{"name": "y"}'));
SELECT pg_temp.ingest(jsonb_build_object('id', 'e-1', 'type', 'span-update', 'timestamp', '2025-01-01T00:00:00Z', 'body', jsonb_build_object('id', 'O1', 'name', 'one')),
                      jsonb_build_object('id', 'e-2', 'type', 'span-update', 'timestamp', '2025-01-01T00:00:00Z', 'body', jsonb_build_object('id', 'O1', 'name', 'two')));
SELECT name AS tie_winner FROM observations WHERE id = 'O1' \gset
SELECT pg_temp.clear();
SELECT pg_temp.ingest(jsonb_build_object('id', 'e-2', 'type', 'span-update', 'timestamp', '2025-01-01T00:00:00Z', 'body', jsonb_build_object('id', 'O1', 'name', 'two')),
                      jsonb_build_object('id', 'e-1', 'type', 'span-update', 'timestamp', '2025-01-01T00:00:00Z', 'body', jsonb_build_object('id', 'O1', 'name', 'one')));
SELECT is((SELECT name FROM observations WHERE id = 'O1'), :'tie_winner', 'equal timestamps: the same winner in both orders');

-- 6. an end event's value beats a start event's, even a later start
SELECT pg_temp.clear();
SELECT pg_temp.ingest(pg_temp.ev('observation_end', 'O1', '100', '{"output": "from end", "level": "WARNING"}'),
                      pg_temp.ev('observation_start', 'O1', '200', '{"output": "from start", "level": "DEBUG"}'));
SELECT is((SELECT row(output::text, level)::text FROM observations WHERE id = 'O1'), '("""from end""",WARNING)', 'output and level come from the end event');

-- 7. observation_error: level ERROR, status_message, end_time; it beats an end
SELECT pg_temp.ingest(pg_temp.ev('observation_error', 'O1', '150', '{"error": "boom"}'),
                      pg_temp.ev('observation_end', 'O1', '160', '{"level": "DEFAULT"}'));
SELECT is((SELECT row(level, status_message)::text FROM observations WHERE id = 'O1'), '(ERROR,boom)', 'observation_error sets level ERROR and status_message, and beats a later end');
SELECT is((SELECT end_time FROM observations WHERE id = 'O1'), to_timestamp(150) AT TIME ZONE 'UTC', 'observation_error sets end_time (its timestamp when data has none)');

-- 8. duplicates and repeated creates
SELECT results_eq($$SELECT pg_temp.ingest(pg_temp.ev('observation_error', 'O1', '150', '{"error": "boom"}'))$$, ARRAY[200], 'a re-delivered stream entry is a duplicate (200)');
SELECT pg_temp.ingest('{"id": "e-7", "type": "span-update", "timestamp": "2025-01-01T00:00:00Z", "body": {"id": "O1"}}');
SELECT results_eq($$SELECT message FROM swisper.ingest_batch('[{"id": "e-7", "type": "span-update", "timestamp": "2025-01-01T00:00:00Z", "body": {"id": "O1"}}]', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$$,
                  ARRAY['duplicate: already ingested'], 'an envelope id seen before is a duplicate');

-- 9. tokens from Langfuse usage, both shapes
SELECT pg_temp.ingest(jsonb_build_object('id', 'u-1', 'type', 'generation-update', 'timestamp', '2025-01-02T00:00:00Z',
                      'body', jsonb_build_object('id', 'O2', 'model', 'm', 'usage', jsonb_build_object('promptTokens', 3, 'completionTokens', 4, 'totalTokens', 7))));
SELECT is((SELECT row(model, prompt_tokens, completion_tokens, total_tokens)::text FROM observations WHERE id = 'O2'), '(m,3,4,7)', 'tokens and model from a Langfuse body');

-- 10. soft-deleted project, and a batch that is not an array
UPDATE projects SET deleted_at = now() WHERE id = '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f';
SELECT results_eq($$SELECT status FROM swisper.create_trace('{"id": "T9", "timestamp": "2025-01-01"}', '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f')$$,
                  ARRAY[404], 'a soft-deleted project is a 404');
SELECT throws_ok($$SELECT * FROM swisper.ingest_batch('{"a": 1}')$$, '22023', NULL, 'a batch that is not an array is an error');

SELECT * FROM finish();
ROLLBACK;
