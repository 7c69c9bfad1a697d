\i test/fixtures/reset.sql
-- Costs as the platform's consumer computes them: the provider from the
-- model name, the project's price row before the default row, tokens /
-- 1e6 x price, rounded to 6 decimal places half to even (Python's
-- Decimal); only when model, prompt and completion tokens are known (and
-- not 0); total_tokens defaults to prompt + completion.  Computed from the
-- merged values, so in any arrival order; costs a client gives win.

-- model_pricing as migration 1a2b3c4d5e6f makes it (without its seeds).
CREATE TABLE model_pricing (
    id                       varchar      NOT NULL DEFAULT gen_random_uuid()::text PRIMARY KEY,
    project_id               varchar      REFERENCES projects (id) ON DELETE CASCADE,
    hosting_provider         varchar(100) NOT NULL,
    model_name               varchar(200) NOT NULL,
    input_price_per_million  numeric      NOT NULL,
    output_price_per_million numeric      NOT NULL,
    created_at               timestamp    NOT NULL DEFAULT now(),
    updated_at               timestamp    NOT NULL DEFAULT now(),
    CONSTRAINT uq_model_pricing_project_provider_model UNIQUE (project_id, hosting_provider, model_name)
);

-- A stream entry of project P (trace t-cost-P) or Q (trace t-cost-Q) for
-- observation id.
CREATE FUNCTION pg_temp.entry(kind text, id text, ts int, data jsonb,
                              project text DEFAULT '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')
RETURNS text LANGUAGE sql AS $$
  SELECT jsonb_build_object('event_type', kind, 'trace_id', 't-cost-' || left(project, 1),
                            'project_id', project, 'observation_id', id,
                            'timestamp', (1762500000 + ts)::text, 'data', data)::text
$$;
CREATE FUNCTION pg_temp.ingest(VARIADIC entries text[]) RETURNS SETOF text LANGUAGE sql AS $$
  SELECT r.idx || ' ' || r.status || ' ' || r.message FROM swisper.ingest_entries(entries) AS r
$$;

------------------------------------------------------------------------
-- 1. The provider rules, in the platform's order.  Every model has a row
--    for each provider, priced by provider (kvant 1, azure 2, openai 3,
--    anthropic 4, together 5, unknown 6 per million input tokens), so
--    the input cost of a million prompt tokens names the provider used.
------------------------------------------------------------------------
CREATE TEMP TABLE rule_models (model text, expected text);
INSERT INTO rule_models VALUES
  ('inference-llama4-maverick', 'kvant'), ('meta-llama/Llama-3.3-70B-Instruct', 'kvant'),
  ('deepseek-ai/DeepSeek-R1', 'kvant'), ('Qwen/QwQ-32B', 'kvant'), ('BAAI/bge-m3', 'kvant'),
  ('ibm-granite/granite-3.3-8b-instruct', 'kvant'), ('google/gemma-3-12b-it', 'kvant'),
  ('swiss-ai/Apertus-8b-Instruct-2509', 'kvant'), ('mistralai/Mistral-7B-Instruct-v0.3', 'kvant'),
  ('inference-azure-hosted', 'kvant'),
  ('azure-gpt-4', 'azure'), ('gpt-4-AZURE', 'azure'), ('my-azure-claude-3', 'azure'),
  ('gpt-4o', 'openai'), ('GPT-4o-mini', 'openai'), ('text-embedding-3-small', 'openai'), ('davinci-002', 'openai'),
  ('claude-3-5-sonnet-20241022', 'anthropic'), ('Claude-3-haiku-20240307', 'anthropic'),
  ('together-llama-70b', 'together'), ('llama-3-70b-TOGETHER', 'together'),
  ('openai/gpt-oss-120b', 'unknown'), ('mystery-model', 'unknown'), ('anthropic-claude-3', 'unknown');
INSERT INTO model_pricing (project_id, hosting_provider, model_name, input_price_per_million, output_price_per_million)
SELECT NULL, p.provider, m.model, p.price, p.price * 10
FROM rule_models m,
     (VALUES ('kvant', 1), ('azure', 2), ('openai', 3), ('anthropic', 4), ('together', 5), ('unknown', 6)) AS p(provider, price);
SELECT count(*) FILTER (WHERE status IN (200, 201)) AS stored
FROM swisper.ingest_entries((
  SELECT array_agg(pg_temp.entry('observation_end', 'rule-' || model, 1,
                                 jsonb_build_object('output', jsonb_build_object(
                                   '_llm_model', model,
                                   '_llm_tokens', jsonb_build_object('prompt', 1000000, 'completion', 1000)))))
  FROM rule_models));
SELECT m.model, m.expected,
       (ARRAY['kvant', 'azure', 'openai', 'anthropic', 'together', 'unknown'])[o.calculated_input_cost::int] AS provider_used,
       o.calculated_input_cost, o.calculated_output_cost, o.calculated_total_cost, o.total_tokens
FROM rule_models m JOIN observations o ON o.id = 'rule-' || m.model
ORDER BY m.model;

------------------------------------------------------------------------
-- 2. The project's row before the default row; another project gets the
--    default.  3. No price: no costs (tokens and total still stored).
--    Rounding: half to even, as Python's Decimal.quantize().
------------------------------------------------------------------------
INSERT INTO model_pricing (project_id, hosting_provider, model_name, input_price_per_million, output_price_per_million)
VALUES (NULL, 'openai', 'gpt-4-turbo', 10.00, 30.00),
       ('7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', 'openai', 'gpt-4-turbo', 8.00, 24.00),
       (NULL, 'openai', 'gpt-half', 0.5, 0.5);
SELECT * FROM pg_temp.ingest(
  pg_temp.entry('observation_end', 'own-price', 2, '{"output": {"_llm_model": "gpt-4-turbo", "_llm_tokens": {"prompt": 150, "completion": 50, "total": 200}}}'),
  pg_temp.entry('observation_end', 'default-price', 2, '{"output": {"_llm_model": "gpt-4-turbo", "_llm_tokens": {"prompt": 150, "completion": 50, "total": 200}}}',
                '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f'),
  pg_temp.entry('observation_end', 'no-price', 2, '{"output": {"_llm_model": "gpt-unpriced", "_llm_tokens": {"prompt": 150, "completion": 50}}}'),
  pg_temp.entry('observation_end', 'half-1', 2, '{"output": {"_llm_model": "gpt-half", "_llm_tokens": {"prompt": 1, "completion": 3}}}'),
  pg_temp.entry('observation_end', 'half-2', 2, '{"output": {"_llm_model": "gpt-half", "_llm_tokens": {"prompt": 5, "completion": 7}}}'),
  pg_temp.entry('observation_end', 'zero-prompt', 2, '{"output": {"_llm_model": "gpt-4-turbo", "_llm_tokens": {"prompt": 0, "completion": 50}}}'),
  pg_temp.entry('observation_end', 'no-completion', 2, '{"output": {"_llm_model": "gpt-4-turbo", "_llm_tokens": {"prompt": 150}}}'),
  pg_temp.entry('observation_end', 'no-model', 2, '{"output": {"_llm_tokens": {"prompt": 150, "completion": 50}}}'));
SELECT id, model, prompt_tokens, completion_tokens, total_tokens,
       calculated_input_cost, calculated_output_cost, calculated_total_cost
FROM observations WHERE id IN ('own-price', 'default-price', 'no-price', 'half-1', 'half-2', 'zero-prompt',
                               'no-completion', 'no-model')
ORDER BY id;
-- Two default rows for one model: the platform asks for exactly one row
-- and computes nothing; so does the ingestion (no unique constraint keeps
-- NULL project rows apart).
INSERT INTO model_pricing (project_id, hosting_provider, model_name, input_price_per_million, output_price_per_million)
VALUES (NULL, 'openai', 'gpt-twice', 1, 1), (NULL, 'openai', 'gpt-twice', 2, 2);
SELECT * FROM pg_temp.ingest(
  pg_temp.entry('observation_end', 'ambiguous', 3, '{"output": {"_llm_model": "gpt-twice", "_llm_tokens": {"prompt": 10, "completion": 10}}}'));
SELECT id, calculated_total_cost FROM observations WHERE id = 'ambiguous';

------------------------------------------------------------------------
-- 4. The model and the tokens in different events, in every order and
--    split: the costs are those of the merged values.
------------------------------------------------------------------------
-- tokens first (one call), model later (another call)
SELECT * FROM pg_temp.ingest(
  pg_temp.entry('observation_end', 'split-a', 20, '{"output": {"_llm_tokens": {"prompt": 1234, "completion": 567}}}'));
SELECT id, calculated_total_cost FROM observations WHERE id = 'split-a';
SELECT * FROM pg_temp.ingest(
  pg_temp.entry('observation_start', 'split-a', 10, '{"model": "gpt-4-turbo"}'));
-- model first, tokens later
SELECT * FROM pg_temp.ingest(
  pg_temp.entry('observation_start', 'split-b', 10, '{"model": "gpt-4-turbo"}'));
SELECT * FROM pg_temp.ingest(
  pg_temp.entry('observation_end', 'split-b', 20, '{"output": {"_llm_tokens": {"prompt": 1234, "completion": 567}}}'));
-- both in one call, in either order; and the end event delivered before the start
SELECT * FROM pg_temp.ingest(
  pg_temp.entry('observation_end', 'split-c', 20, '{"output": {"_llm_tokens": {"prompt": 1234, "completion": 567}}}'),
  pg_temp.entry('observation_start', 'split-c', 10, '{"model": "gpt-4-turbo"}'));
SELECT * FROM pg_temp.ingest(
  pg_temp.entry('observation_start', 'split-d', 10, '{"model": "gpt-4-turbo"}'),
  pg_temp.entry('observation_end', 'split-d', 20, '{"output": {"_llm_tokens": {"prompt": 1234, "completion": 567}}}'));
-- the prompt and the completion tokens from different events too
SELECT * FROM pg_temp.ingest(
  pg_temp.entry('observation_end', 'split-e', 20, '{"output": {"_llm_tokens": {"completion": 567}}}'),
  pg_temp.entry('observation_start', 'split-e', 10, '{"model": "gpt-4-turbo", "prompt_tokens": 1234}'));
SELECT id, model, prompt_tokens, completion_tokens, total_tokens,
       calculated_input_cost, calculated_output_cost, calculated_total_cost
FROM observations WHERE id LIKE 'split-%' ORDER BY id;
-- a later event with other counts makes the costs again
SELECT * FROM pg_temp.ingest(
  pg_temp.entry('observation_end', 'split-a', 30, '{"output": {"_llm_tokens": {"prompt": 2000, "completion": 1000}}}'));
SELECT id, prompt_tokens, completion_tokens, total_tokens, calculated_total_cost FROM observations WHERE id = 'split-a';

------------------------------------------------------------------------
-- 5. Costs a client gives win over computed ones, per field, in any
--    order: Langfuse costDetails and usage's inputCost/outputCost/totalCost.
------------------------------------------------------------------------
SELECT * FROM swisper.ingest_entries(ARRAY[
  '{"id": "lf-c1", "timestamp": "2025-11-07T07:30:15Z", "type": "generation-create", "body": {"id": "client-all",'
  ' "traceId": "t-cost-7", "model": "gpt-4-turbo", "usageDetails": {"input": 100, "output": 10},'
  ' "costDetails": {"input": 0.5, "output": 0.25, "total": 0.75}}}',
  '{"id": "lf-c2", "timestamp": "2025-11-07T07:30:15Z", "type": "generation-create", "body": {"id": "client-total",'
  ' "traceId": "t-cost-7", "model": "gpt-4-turbo", "usage": {"input": 100, "output": 10, "totalCost": 9.5}}}',
  '{"id": "lf-c3", "timestamp": "2025-11-07T07:30:16Z", "type": "generation-update", "body": {"id": "client-late",'
  ' "traceId": "t-cost-7", "costDetails": {"input": 1, "output": 2, "total": 3}}}',
  '{"id": "lf-c4", "timestamp": "2025-11-07T07:30:15Z", "type": "generation-create", "body": {"id": "client-late",'
  ' "traceId": "t-cost-7", "model": "gpt-4-turbo", "usage": {"promptTokens": 100, "completionTokens": 10}}}',
  '{"id": "lf-c5", "timestamp": "2025-11-07T07:30:15Z", "type": "generation-create", "body": {"id": "client-bad",'
  ' "traceId": "t-cost-7", "costDetails": {"input": -1}}}',
  '{"id": "lf-c6", "timestamp": "2025-11-07T07:30:15Z", "type": "generation-create", "body": {"id": "client-bad",'
  ' "traceId": "t-cost-7", "costDetails": {"total": "cheap"}}}'
], '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
-- new counts later: the client's costs stay
SELECT * FROM swisper.ingest_entries(ARRAY[
  '{"id": "lf-c7", "timestamp": "2025-11-07T07:30:20Z", "type": "generation-update", "body": {"id": "client-all",'
  ' "traceId": "t-cost-7", "usageDetails": {"prompt_tokens": 200, "completion_tokens": 20, "total_tokens": 220}}}'
], '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
SELECT id, prompt_tokens, completion_tokens, total_tokens,
       calculated_input_cost, calculated_output_cost, calculated_total_cost
FROM observations WHERE id LIKE 'client-%' ORDER BY id;

------------------------------------------------------------------------
-- 6. Tokens estimated when the SDK reports none (streaming): 0.75 per word
--    of each message's content (rounded down per message) and of
--    _llm_result, marked in meta; any reported count wins over them.
------------------------------------------------------------------------
SELECT * FROM pg_temp.ingest(
  pg_temp.entry('observation_end', 'est-1', 40, jsonb_build_object('output', jsonb_build_object(
    '_llm_model', 'gpt-4-turbo',
    '_llm_tokens', '{"prompt": null, "completion": null, "total": null}'::jsonb,
    '_llm_messages', jsonb_build_array(
       jsonb_build_object('role', 'system', 'content', 'You are a calendar assistant, be brief.'),
       jsonb_build_object('role', 'user', 'content', 'What is on' || U&'\3000' || 'my calendar' || U&'\00A0' || E'tomorrow?\n\tThanks'),
       jsonb_build_object('role', 'user', 'content', 'one'),
       jsonb_build_object('role', 'tool', 'content', jsonb_build_array(jsonb_build_object('type', 'text', 'text', 'a b c'))),
       jsonb_build_object('role', 'assistant')),
    '_llm_result', 'You have two meetings: standup at nine and review at three.'))),
  pg_temp.entry('observation_end', 'est-zero', 40, '{"output": {"_llm_model": "gpt-4-turbo", "_llm_tokens": {"prompt": 0, "completion": 0, "total": 0},'
                                                    ' "_llm_messages": [{"content": "one two three four"}], "_llm_result": ""}}'),
  pg_temp.entry('observation_end', 'est-none', 40, '{"output": {"_llm_model": "gpt-4-turbo", "_llm_tokens": {}, "_llm_result": "ok"}}'),
  pg_temp.entry('observation_end', 'est-reported', 40, '{"output": {"_llm_model": "gpt-4-turbo", "_llm_tokens": {"prompt": 7, "completion": 3},'
                                                        ' "_llm_messages": [{"content": "one two three four"}], "_llm_result": "five six seven eight"}}'));
SELECT id, prompt_tokens, completion_tokens, total_tokens, calculated_total_cost, meta::text
FROM observations WHERE id LIKE 'est-%' ORDER BY id;
-- a reported count, earlier or later, wins over an estimate
SELECT * FROM pg_temp.ingest(
  pg_temp.entry('observation_start', 'est-1', 35, '{"usage": {"prompt_tokens": 400, "completion_tokens": 12}}'));
SELECT id, prompt_tokens, completion_tokens, total_tokens, calculated_total_cost FROM observations WHERE id = 'est-1';

------------------------------------------------------------------------
-- 7. A price change applies to what is ingested after it; the statement
--    of docs/ingestion_entries.md re-prices history, giving what the
--    ingestion computes with the new prices.
------------------------------------------------------------------------
SELECT * FROM pg_temp.ingest(
  pg_temp.entry('observation_end', 'before-change', 45, '{"output": {"_llm_model": "gpt-4-turbo", "_llm_tokens": {"prompt": 1234, "completion": 567}}}',
                '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f'));
UPDATE model_pricing SET input_price_per_million = 12.5, output_price_per_million = 37.5
WHERE hosting_provider = 'openai' AND model_name = 'gpt-4-turbo' AND project_id IS NULL;
SELECT id, calculated_total_cost FROM observations WHERE id IN ('before-change', 'default-price') ORDER BY id;
SELECT * FROM pg_temp.ingest(
  pg_temp.entry('observation_end', 'after-change', 50, '{"output": {"_llm_model": "gpt-4-turbo", "_llm_tokens": {"prompt": 1234, "completion": 567}}}',
                '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f'));
CREATE TEMP TABLE before_repricing AS
SELECT id, calculated_input_cost, calculated_output_cost, calculated_total_cost FROM observations;
-- the statement, as documented
UPDATE observations AS o
SET calculated_input_cost  = CASE WHEN c.client_input  THEN o.calculated_input_cost  ELSE c.input_cost  END,
    calculated_output_cost = CASE WHEN c.client_output THEN o.calculated_output_cost ELSE c.output_cost END,
    calculated_total_cost  = CASE WHEN c.client_total  THEN o.calculated_total_cost  ELSE c.total_cost  END
FROM (SELECT ob.id,
             -- Python's Decimal.quantize(): 6 decimal places, half to even
             round(x.i, 6) - (x.i * 1e6 % 1 = 0.5 AND trunc(x.i * 1e6) % 2 = 0)::int * 1e-6 AS input_cost,
             round(x.u, 6) - (x.u * 1e6 % 1 = 0.5 AND trunc(x.u * 1e6) % 2 = 0)::int * 1e-6 AS output_cost,
             round(x.i + x.u, 6)
               - ((x.i + x.u) * 1e6 % 1 = 0.5 AND trunc((x.i + x.u) * 1e6) % 2 = 0)::int * 1e-6 AS total_cost,
             -- costs a client gave: their stamp's class (first byte) is an event's, 1 to 3
             coalesce(get_byte(s.stamps, 16 * 18) BETWEEN 1 AND 3, false) AS client_input,
             coalesce(get_byte(s.stamps, 16 * 19) BETWEEN 1 AND 3, false) AS client_output,
             coalesce(get_byte(s.stamps, 16 * 20) BETWEEN 1 AND 3, false) AS client_total
      FROM observations AS ob
      JOIN traces AS t ON t.id = ob.trace_id
      LEFT JOIN swisper.ingest_merge_state AS s
             ON s.entity_kind = 'o' AND s.entity_id = ob.id::text COLLATE "C"
            AND substring(s.stamps FROM 9 FOR 2) = '\x5357'   -- a state that has the cost fields
      CROSS JOIN LATERAL (
        SELECT CASE
                 WHEN lower(ob.model) ~ '^(inference-|meta-llama/|deepseek-ai/|qwen/|baai/|ibm-granite/|google/|swiss-ai/|mistralai/)'
                   THEN 'kvant'
                 WHEN lower(ob.model) LIKE '%azure%' THEN 'azure'
                 WHEN lower(ob.model) ~ '^(gpt-|text-|davinci)' THEN 'openai'
                 WHEN lower(ob.model) LIKE 'claude-%' THEN 'anthropic'
                 WHEN lower(ob.model) LIKE '%together%' THEN 'together'
                 ELSE 'unknown' END AS provider) AS pv
      CROSS JOIN LATERAL (
        -- the project's row if it has one, else the default row; exactly one
        SELECT min(mp.input_price_per_million) AS price_in, min(mp.output_price_per_million) AS price_out
        FROM model_pricing AS mp
        WHERE mp.model_name = ob.model AND mp.hosting_provider = pv.provider
          AND mp.project_id IS NOT DISTINCT FROM (
                CASE WHEN EXISTS (SELECT FROM model_pricing AS own
                                  WHERE own.project_id = t.project_id AND own.model_name = ob.model
                                    AND own.hosting_provider = pv.provider)
                     THEN t.project_id END)
        HAVING count(*) = 1) AS p
      CROSS JOIN LATERAL (
        SELECT ob.prompt_tokens * p.price_in / 1000000 AS i,
               ob.completion_tokens * p.price_out / 1000000 AS u) AS x
      WHERE ob.prompt_tokens > 0 AND ob.completion_tokens > 0) AS c
WHERE o.id = c.id;
-- what changed: the rows priced with the old gpt-4-turbo default (the
-- costs clients gave stay)
SELECT o.id, b.calculated_total_cost AS before, o.calculated_total_cost AS after
FROM observations o JOIN before_repricing b USING (id)
WHERE o.calculated_total_cost IS DISTINCT FROM b.calculated_total_cost
   OR o.calculated_input_cost IS DISTINCT FROM b.calculated_input_cost
ORDER BY o.id;
-- the re-priced rows equal what the ingestion computes now
SELECT o.id, o.calculated_total_cost = a.calculated_total_cost AS same_as_ingested
FROM observations o, observations a
WHERE o.id = 'before-change' AND a.id = 'after-change';

------------------------------------------------------------------------
-- 8. Without model_pricing, or without the cost columns, nothing is
--    computed and nothing fails; total_tokens still defaults.
------------------------------------------------------------------------
ALTER TABLE model_pricing RENAME TO model_pricing_away;
SELECT * FROM pg_temp.ingest(
  pg_temp.entry('observation_end', 'no-table', 60, '{"output": {"_llm_model": "gpt-4-turbo", "_llm_tokens": {"prompt": 10, "completion": 5}}}'));
ALTER TABLE model_pricing_away RENAME TO model_pricing;
-- a price column of a type that may not become numeric: not read (a text
-- "n/a" would otherwise fail the whole call)
ALTER TABLE model_pricing ALTER COLUMN input_price_per_million TYPE text;
UPDATE model_pricing SET input_price_per_million = 'n/a'
WHERE model_name = 'gpt-4-turbo' AND project_id IS NOT NULL;
SELECT * FROM pg_temp.ingest(
  pg_temp.entry('observation_end', 'text-price', 60, '{"output": {"_llm_model": "gpt-4-turbo", "_llm_tokens": {"prompt": 10, "completion": 5}}}'));
ALTER TABLE model_pricing ALTER COLUMN input_price_per_million TYPE numeric
  USING CASE WHEN input_price_per_million = 'n/a' THEN 8 ELSE input_price_per_million::numeric END;
ALTER TABLE observations DROP COLUMN calculated_output_cost;
SELECT * FROM pg_temp.ingest(
  pg_temp.entry('observation_end', 'no-column', 60, '{"output": {"_llm_model": "gpt-4-turbo", "_llm_tokens": {"prompt": 10, "completion": 5}}}'));
SELECT id, total_tokens, calculated_input_cost, calculated_total_cost FROM observations
WHERE id IN ('no-table', 'text-price', 'no-column') ORDER BY id;
-- a cost column of too small a type: the costs that do not fit are left
-- NULL, a client's cost that does not fit is the element's 400
ALTER TABLE observations ADD COLUMN calculated_output_cost numeric(6, 4);
SELECT * FROM pg_temp.ingest(
  pg_temp.entry('observation_end', 'small-type', 61, '{"output": {"_llm_model": "gpt-4-turbo", "_llm_tokens": {"prompt": 100, "completion": 5000000}}}'),
  pg_temp.entry('observation_end', 'small-type-client', 61, '{"costDetails": {"output": 123.45}}'));
SELECT id, calculated_input_cost, calculated_output_cost, calculated_total_cost FROM observations
WHERE id LIKE 'small-type%' ORDER BY id;

------------------------------------------------------------------------
-- 9. model_pricing is read as its owner, in a security-restricted
--    operation: the owner's code (here a row security policy) runs with
--    the owner's rights, never with those of the extension's superuser.
------------------------------------------------------------------------
ALTER TABLE observations DROP COLUMN calculated_output_cost;
ALTER TABLE observations ADD COLUMN calculated_output_cost numeric;
CREATE ROLE swisper_t42_owner;
CREATE TABLE public.pricing_log (by_role text, outcome text);
GRANT INSERT ON public.pricing_log TO swisper_t42_owner;
CREATE FUNCTION public.price_row_visible() RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	outcome text := 'no error';
BEGIN
	BEGIN
		EXECUTE 'ALTER ROLE swisper_t42_owner SUPERUSER';
	EXCEPTION WHEN OTHERS THEN
		outcome := SQLSTATE;
	END;
	INSERT INTO public.pricing_log VALUES (current_user, outcome);
	RETURN true;
END
$$;
ALTER TABLE model_pricing OWNER TO swisper_t42_owner;
ALTER TABLE model_pricing ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY every_row ON model_pricing USING (public.price_row_visible());
SELECT * FROM pg_temp.ingest(
  pg_temp.entry('observation_end', 'as-owner', 70, '{"output": {"_llm_model": "gpt-4-turbo", "_llm_tokens": {"prompt": 100, "completion": 10}}}'));
SELECT id, calculated_total_cost FROM observations WHERE id = 'as-owner';
SELECT DISTINCT by_role, outcome FROM public.pricing_log;
SELECT rolsuper FROM pg_roles WHERE rolname = 'swisper_t42_owner';
DROP TABLE model_pricing, public.pricing_log;
DROP FUNCTION public.price_row_visible();
DROP ROLE swisper_t42_owner;
