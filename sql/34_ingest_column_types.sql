\i test/fixtures/reset.sql
-- The ingestion writes whatever the column types are: here the tables live
-- in another schema (swisper.table_schema), ids are uuid and text, payloads
-- jsonb, timestamps timestamptz, token counts bigint, and the type enum
-- lacks TOOL.
CREATE SCHEMA obs;
CREATE TYPE obs.kind AS ENUM ('SPAN', 'GENERATION', 'EVENT', 'AGENT');
CREATE TABLE obs.projects (id uuid PRIMARY KEY, name text, deleted_at timestamptz);
CREATE TABLE obs.traces (id uuid PRIMARY KEY, name text, user_id text, session_id text,
  project_id uuid REFERENCES obs.projects, input jsonb, output jsonb, meta jsonb, tags jsonb,
  "timestamp" timestamptz NOT NULL);
CREATE TABLE obs.observations (id text PRIMARY KEY, trace_id uuid REFERENCES obs.traces,
  parent_observation_id text, type obs.kind NOT NULL, name varchar(24), start_time timestamptz NOT NULL,
  end_time timestamptz, input jsonb, output jsonb, model text, prompt_tokens bigint,
  completion_tokens bigint, total_tokens bigint, level text NOT NULL, status_message text);
INSERT INTO obs.projects VALUES ('7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', 'p', NULL);
SET swisper.table_schema = 'obs';
SET TimeZone = 'America/New_York';
\set stream `cat test/fixtures/events/swisper_stream.json`
SELECT * FROM swisper.ingest_batch(:'stream');
SELECT * FROM swisper.ingest_batch($$[
  {"event_type": "observation_start", "trace_id": "3f0c9b1e-8a2d-4c6b-9e7f-1a2b3c4d5e6f", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c",
   "observation_id": "o-long", "timestamp": "1762500615.5", "data": {"name": "a name longer than twenty-four"}},
  {"event_type": "trace_start", "trace_id": "not-a-uuid", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c",
   "timestamp": "1762500615.5", "data": {}},
  {"event_type": "trace_start", "trace_id": "3F0C9B1E-8A2D-4C6B-9E7F-1A2B3C4D5E6F", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c",
   "timestamp": "1762500616.5", "data": {"session_id": "later"}}
]$$);
SELECT id, user_id, session_id, "timestamp", pg_typeof("timestamp") AS ts_type, tags FROM obs.traces;
SELECT id, type, name, start_time, end_time, level, total_tokens, pg_typeof(output) AS output_type
FROM obs.observations ORDER BY id;
-- A column changed under a running session: the cached plans follow.
ALTER TABLE obs.traces ALTER COLUMN user_id TYPE varchar(40);
SELECT * FROM swisper.ingest_batch($$[
  {"event_type": "trace_start", "trace_id": "00000000-0000-4000-8000-000000000001", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c",
   "timestamp": "1762500616.5", "data": {"user_id": "much-too-long-for-forty-characters-0123456789"}},
  {"event_type": "trace_start", "trace_id": "00000000-0000-4000-8000-000000000002", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c",
   "timestamp": "1762500616.5", "data": {"user_id": "short"}}
]$$);
SELECT id, user_id FROM obs.traces ORDER BY id;
-- A type whose input function can raise an error (here a domain; in the
-- product swisper.external_id): the batch converts in one subtransaction,
-- and only when that fails again value by value, so the bad value is a 400
-- for its element and the others are stored.
CREATE DOMAIN obs.model_name AS text CHECK (VALUE <> 'forbidden-model');
ALTER TABLE obs.observations ALTER COLUMN model TYPE obs.model_name;
SELECT * FROM swisper.ingest_batch($$[
  {"event_type": "observation_end", "trace_id": "3f0c9b1e-8a2d-4c6b-9e7f-1a2b3c4d5e6f", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c",
   "observation_id": "o-model-1", "timestamp": "1762500617", "data": {"output": {"_llm_model": "forbidden-model"}}},
  {"event_type": "observation_end", "trace_id": "3f0c9b1e-8a2d-4c6b-9e7f-1a2b3c4d5e6f", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c",
   "observation_id": "o-model-2", "timestamp": "1762500617", "data": {"output": {"_llm_model": "allowed-model"}}}
]$$);
SELECT * FROM swisper.update_observation('o-model-3', '{"model": "forbidden-model", "end_time": "2025-11-07T07:30:17Z"}',
                                         '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
SELECT id, model FROM obs.observations WHERE id LIKE 'o-model-%' ORDER BY id;
RESET TimeZone;
RESET swisper.table_schema;
