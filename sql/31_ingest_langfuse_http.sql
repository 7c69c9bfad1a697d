\i test/fixtures/reset.sql
\set langfuse `cat test/fixtures/events/langfuse_batch.json`
\set http `cat test/fixtures/events/swisper_http.json`

-- Langfuse envelopes ({"batch": [...]}): the project comes from the
-- argument; sdk-log is accepted and ignored (202).
SELECT * FROM swisper.ingest_batch(:'langfuse', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
SELECT id, name, user_id, session_id, project_id, "timestamp", input, meta, tags
FROM traces WHERE id = 'c4a1e2d3-0000-4000-8000-00000000aaaa';
SELECT id, trace_id, parent_observation_id, type, name, start_time, end_time, level, status_message,
       model, model_parameters, prompt_tokens, completion_tokens, total_tokens
FROM observations ORDER BY id;
SELECT id, input, output FROM observations ORDER BY id;

-- Envelope ids already seen are duplicates; a new id for the same entity
-- merges (usage in the input/output/total shape).
SELECT * FROM swisper.ingest_batch($$[
  {"id": "ev-0003", "timestamp": "2025-11-07T07:30:16.000Z", "type": "generation-update",
   "body": {"id": "c4a1e2d3-0000-4000-8000-00000000bbbb", "output": "changed"}},
  {"id": "ev-0009", "timestamp": "2025-11-07T07:30:17.000Z", "type": "generation-update",
   "body": {"id": "c4a1e2d3-0000-4000-8000-00000000bbbb", "usage": {"input": 40, "output": 8, "total": 48}}}
]$$, '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
SELECT output, prompt_tokens, completion_tokens, total_tokens FROM observations
WHERE id = 'c4a1e2d3-0000-4000-8000-00000000bbbb';

-- The single-event functions of the HTTP API share the merge routine.
SELECT * FROM swisper.create_trace((CAST(:'http' AS jsonb)) -> 'POST /api/v1/traces');
SELECT * FROM swisper.create_observation((CAST(:'http' AS jsonb)) -> 'POST /api/v1/observations',
                                         '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
SELECT * FROM swisper.update_observation('fc1efce5-0b7e-4a43-9d1b-6f7f2a0e9c55',
  (CAST(:'http' AS jsonb)) -> 'PATCH /api/v1/observations/fc1efce5-0b7e-4a43-9d1b-6f7f2a0e9c55',
  '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
-- the same request again: a duplicate, not an error
SELECT * FROM swisper.create_trace((CAST(:'http' AS jsonb)) -> 'POST /api/v1/traces');
-- a repeated create with other content: merged, not an error
SELECT * FROM swisper.create_trace('{"id": "b499d802-2f7e-4c1a-9a59-0c0e3f6f1a11", "name": "renamed",
  "timestamp": "2025-11-05T07:13:18"}', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
SELECT id, name, user_id, session_id, project_id, "timestamp", meta, tags
FROM traces WHERE id = 'b499d802-2f7e-4c1a-9a59-0c0e3f6f1a11';
SELECT id, trace_id, type, name, start_time, end_time, level, status_message, model, input, output,
       prompt_tokens, completion_tokens, total_tokens
FROM observations WHERE id = 'fc1efce5-0b7e-4a43-9d1b-6f7f2a0e9c55';
-- invalid bodies
SELECT * FROM swisper.create_trace('[1]', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
SELECT * FROM swisper.create_trace('{"name": "no id"}', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
SELECT * FROM swisper.create_observation('{"id": "x", "start_time": "2025-11-05"}');
SELECT * FROM swisper.update_observation('nope', '{"end_time": "2025-11-05T07:00:00Z"}', 'no-such-project');
