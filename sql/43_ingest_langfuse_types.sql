\i test/fixtures/reset.sql
-- The newer Langfuse observation types, and usageDetails.  Each type is
-- stored as the observation type of the same name when the target's type
-- has that value, else as the nearest one it has (agent -> AGENT, tool ->
-- TOOL, embedding -> GENERATION, the others -> SPAN), with the envelope's
-- type in meta.langfuse_type.

CREATE FUNCTION pg_temp.envelope(type text, id text, body jsonb) RETURNS text LANGUAGE sql AS $$
  SELECT jsonb_build_object('id', 'ev-' || id, 'timestamp', '2025-11-07T07:30:15Z', 'type', type,
                            'body', jsonb_build_object('id', id, 'traceId', 't-types', 'name', type) || body)::text
$$;
CREATE TEMP TABLE new_types (type text);
INSERT INTO new_types VALUES ('agent-create'), ('tool-create'), ('chain-create'), ('retriever-create'),
  ('evaluator-create'), ('embedding-create'), ('guardrail-create');

-- The platform's enum: SPAN, GENERATION, EVENT, TOOL, AGENT.
SELECT r.idx, r.status, r.message
FROM swisper.ingest_entries((SELECT array_agg(pg_temp.envelope(type, 'p-' || type, '{}') ORDER BY type) FROM new_types),
                            '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c') AS r;
SELECT name AS langfuse_type, type, meta::text FROM observations WHERE id LIKE 'p-%' ORDER BY name;
-- meta given by the client keeps its keys; one that is not an object stays as it is
SELECT r.status, r.message FROM swisper.ingest_entries(ARRAY[
  pg_temp.envelope('chain-create', 'm-object', '{"metadata": {"step": 3, "langfuse_type": "mine", "nested": {"a": [1]}}}'),
  pg_temp.envelope('chain-create', 'm-array', '{"metadata": ["not", "an", "object"]}'),
  pg_temp.envelope('agent-create', 'm-agent', '{"metadata": {"step": 4}}')],
  '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c') AS r;
SELECT id, type, meta::text FROM observations WHERE id LIKE 'm-%' ORDER BY id;
-- the new types have no -update events
SELECT r.status, r.message FROM swisper.ingest_entries(ARRAY[
  pg_temp.envelope('agent-update', 'p-agent-create', '{}')], '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c') AS r;

-- An enum that has the new values: each is stored under its own name.
ALTER TYPE observationtype ADD VALUE 'CHAIN';
ALTER TYPE observationtype ADD VALUE 'RETRIEVER';
ALTER TYPE observationtype ADD VALUE 'EVALUATOR';
ALTER TYPE observationtype ADD VALUE 'EMBEDDING';
ALTER TYPE observationtype ADD VALUE 'GUARDRAIL';
SELECT r.idx, r.status, r.message
FROM swisper.ingest_entries((SELECT array_agg(pg_temp.envelope(type, 'e-' || type, '{}') ORDER BY type) FROM new_types),
                            '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c') AS r;
SELECT name AS langfuse_type, type, meta::text FROM observations WHERE id LIKE 'e-%' ORDER BY name;

-- A type column of text takes every name as it is.
ALTER TABLE observations ALTER COLUMN type TYPE text;
SELECT count(*) FILTER (WHERE r.status = 201) AS created
FROM swisper.ingest_entries((SELECT array_agg(pg_temp.envelope(type, 't-' || type, '{}') ORDER BY type) FROM new_types),
                            '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c') AS r;
SELECT name AS langfuse_type, type, meta::text FROM observations WHERE id LIKE 't-%' ORDER BY name;

-- usageDetails feeds the token columns: Langfuse's {input, output, total},
-- OpenAI's chat completion usage and its Responses API usage; it replaces
-- usage, and output._llm_tokens beats it; a total none of them gives is
-- prompt + completion.
SELECT r.idx, r.status, r.message FROM swisper.ingest_entries(ARRAY[
  pg_temp.envelope('generation-create', 'u-langfuse', '{"usageDetails": {"input": 11, "output": 22, "total": 33, "input_cached_tokens": 5}}'),
  pg_temp.envelope('generation-create', 'u-openai-chat', '{"usageDetails": {"prompt_tokens": 12, "completion_tokens": 23, "total_tokens": 35,'
                                                         ' "prompt_tokens_details": {"cached_tokens": 4}}}'),
  pg_temp.envelope('generation-create', 'u-openai-responses', '{"usageDetails": {"input_tokens": 13, "output_tokens": 24, "total_tokens": 37}}'),
  pg_temp.envelope('embedding-create', 'u-no-total', '{"usageDetails": {"input": 14, "output": 0}}'),
  pg_temp.envelope('generation-create', 'u-over-usage', '{"usage": {"input": 1, "output": 2, "total": 3}, "usageDetails": {"input": 15, "output": 25}}'),
  pg_temp.envelope('generation-create', 'u-snake', '{"usage_details": {"input": 16, "output": 26, "total": 42}}'),
  pg_temp.envelope('generation-create', 'u-llm-tokens', '{"usageDetails": {"input": 1, "output": 2}, "output": {"_llm_tokens": {"prompt": 17, "completion": 27}}}'),
  pg_temp.envelope('generation-create', 'u-bad-1', '{"usageDetails": "many"}'),
  pg_temp.envelope('generation-create', 'u-bad-2', '{"usageDetails": {"input": -3}}'),
  pg_temp.envelope('generation-create', 'u-bad-3', '{"usageDetails": {"output_tokens": "lots"}}'),
  pg_temp.envelope('generation-create', 'u-bad-4', '{"usageDetails": {"total": 1.5}}'),
  pg_temp.envelope('generation-create', 'u-bad-5', '{"usage": [1, 2]}'),
  pg_temp.envelope('generation-create', 'u-bad-6', '{"usage_details": 7}'),
  pg_temp.envelope('generation-create', 'u-bad-7', '{"output": {"_llm_tokens": "17"}}'),
  pg_temp.envelope('generation-create', 'u-bad-8', '{"usage": {"promptTokens": "x"}}')],
  '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c') AS r;
SELECT id, type, prompt_tokens, completion_tokens, total_tokens FROM observations WHERE id LIKE 'u-%' ORDER BY id;
