\i test/fixtures/reset.sql
INSERT INTO projects (id, name, created_at, updated_at, deleted_at)
VALUES ('p-deleted', 'Gone', '2025-01-01', '2025-01-01', '2025-06-01');

-- A mixed batch: every invalid element gets its own 400/404 (the message
-- names the field), and every valid one is stored all the same.
SELECT * FROM swisper.ingest_batch($$[
  {"event_type": "trace_start", "trace_id": "t-ok", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c",
   "timestamp": "1762500615.1", "data": {"name": "ok", "timestamp": "2025-11-07T07:30:15.1"}},
  42,
  "a string",
  null,
  [1, 2],
  {"hello": "world"},
  {"event_type": "trace_start", "trace_id": "t-unknown", "project_id": "no-such-project", "timestamp": "1762500615", "data": {}},
  {"event_type": "trace_start", "trace_id": "t-deleted", "project_id": "p-deleted", "timestamp": "1762500615", "data": {}},
  {"event_type": "trace_start", "trace_id": "t-noproj", "timestamp": "1762500615", "data": {}},
  {"event_type": "trace_start", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c", "timestamp": "1762500615", "data": {}},
  {"event_type": "trace_start", "trace_id": "t-badts", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c", "timestamp": "yesterday", "data": {}},
  {"event_type": "trace_start", "trace_id": "t-notime", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c", "data": {}},
  {"event_type": "trace_start", "trace_id": "t-baddata", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c", "timestamp": "1762500615", "data": "{not json"},
  {"event_type": "trace_start", "trace_id": "t-datanum", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c", "timestamp": "1762500615", "data": 7},
  {"event_type": "trace_start", "trace_id": "t-badtags", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c", "timestamp": "1762500615", "data": {"tags": "x"}},
  {"event_type": "trace_start", "trace_id": "t-badname", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c", "timestamp": "1762500615", "data": {"name": {"a": 1}}},
  {"event_type": "trace_start", "trace_id": "t-baddate", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c", "timestamp": "1762500615", "data": {"timestamp": "2025-02-30T00:00:00"}},
  {"event_type": "trace_finish", "trace_id": "t-x", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c", "timestamp": "1762500615"},
  {"event_type": "observation_start", "observation_id": "o-badtype", "trace_id": "t-ok", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c", "timestamp": "1762500615.2", "data": {"type": "RETRIEVER"}},
  {"event_type": "observation_start", "observation_id": "o-badlevel", "trace_id": "t-ok", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c", "timestamp": "1762500615.2", "data": {"level": "FATAL"}},
  {"event_type": "observation_end", "observation_id": "o-badtokens", "trace_id": "t-ok", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c", "timestamp": "1762500615.2", "data": {"output": {"_llm_tokens": {"prompt": 1.5}}}},
  {"event_type": "observation_end", "observation_id": "o-bigtokens", "trace_id": "t-ok", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c", "timestamp": "1762500615.2", "data": {"output": {"_llm_tokens": {"total": 99999999999}}}},
  {"event_type": "observation_start", "observation_id": "", "trace_id": "t-ok", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c", "timestamp": "1762500615.2", "data": {}},
  {"event_type": "observation_start", "observation_id": "o-ok", "trace_id": "t-ok", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c", "timestamp": "1762500615.2", "data": {"name": "fine", "type": "TOOL", "start_time": "2025-11-07T09:30:15.2+02:00"}},
  {"id": "lf-1", "type": "score-create", "timestamp": "2025-11-07T07:30:15Z", "body": {"name": "quality", "value": 1}},
  {"id": "lf-2", "type": "sdk-log", "timestamp": "2025-11-07T07:30:15Z", "body": {"log": "hi"}},
  {"id": "lf-3", "type": "trace-delete", "timestamp": "2025-11-07T07:30:15Z", "body": {}},
  {"id": "lf-4", "type": "span-create", "timestamp": "2025-11-07T07:30:15Z"},
  {"id": "lf-5", "type": "span-create", "body": {"id": "s-1"}},
  {"id": "lf-6", "type": "span-create", "timestamp": "2025-11-07T07:30:15Z", "body": {"id": "s-1", "traceId": "t-ok", "usage": 5}, "x": 1},
  {"id": 7, "type": "span-create", "timestamp": "2025-11-07T07:30:15Z", "body": {"id": "s-1"}},
  {"id": "lf-8", "type": "trace-create", "timestamp": "2025-11-07T07:30:15Z", "body": {"id": "t-lf8", "projectId": "no-such-project"}}
]$$);

SELECT id, name, project_id FROM traces WHERE id LIKE 't-%' ORDER BY id;
SELECT id, trace_id, type, name, start_time, level FROM observations ORDER BY id;

-- Not an array (nor {"batch": [...]}): an error for the whole call.
SELECT * FROM swisper.ingest_batch('{"events": []}');
SELECT * FROM swisper.ingest_batch('"x"');
-- Empty batch, NULL batch: no rows.
SELECT * FROM swisper.ingest_batch('[]');
SELECT * FROM swisper.ingest_batch(NULL);
-- Merging needs a snapshot per statement: not in REPEATABLE READ.
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT * FROM swisper.ingest_batch('[{"event_type": "heartbeat", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c", "timestamp": "1"}]');
ROLLBACK;
