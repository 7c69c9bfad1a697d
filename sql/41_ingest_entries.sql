\i test/fixtures/reset.sql
-- swisper.ingest_entries(text[]): one JSON text per event, each parsed on
-- its own.  A text that is not JSON, or is truncated, is that element's 400
-- (with the byte offset and the problem); \u0000 is stored exactly where
-- the column can hold it (json) and as U+FFFD where it cannot (jsonb,
-- text), and the element's message says so.

-- A batch of 50 as the consumer reads it: 47 plain entries (the trace, and
-- 25 observations started and ended), one entry with \u0000 in its output
-- and its name (stored, and its message says what became of the NULs), one
-- entry cut short and one that is not JSON (each refused with 400): 47
-- stored, 3 accounted for.
CREATE TEMP TABLE batch50 (n int, entry text);
INSERT INTO batch50
SELECT n, CASE
  WHEN n = 0 THEN
    '{"event_type": "trace_start", "trace_id": "t-50", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c",'
    ' "timestamp": "1762500615", "data": {"name": "fifty"}}'
  WHEN n = 20 THEN
    '{"event_type": "observation_end", "trace_id": "t-50", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c",'
    ' "observation_id": "o-50-10", "timestamp": "1762500625", "data": {"output": {"text": "tool r'
  WHEN n = 30 THEN
    'event_type=observation_start trace_id=t-50 observation_id=o-50-15'
  WHEN n = 10 THEN
    '{"event_type": "observation_end", "trace_id": "t-50", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c",'
    ' "observation_id": "o-50-5", "timestamp": "1762500620",'
    ' "data": {"name": "nul\u0000name", "output": {"text": "before\u0000after", "k\u0000": [1, "\u0000"]}}}'
  ELSE format(
    '{"event_type": "%s", "trace_id": "t-50", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c",'
    ' "observation_id": "o-50-%s", "timestamp": "%s", "data": {"name": "step %s", "%s": {"n": %s}}}',
    CASE WHEN n % 2 = 1 THEN 'observation_start' ELSE 'observation_end' END, n / 2,
    1762500615 + n, n / 2, CASE WHEN n % 2 = 1 THEN 'input' ELSE 'output' END, n) END
FROM generate_series(0, 49) AS n;

SELECT count(*) AS elements,
       count(*) FILTER (WHERE r.status IN (200, 201) AND r.message NOT LIKE '%U+FFFD%') AS stored,
       count(*) FILTER (WHERE r.status IN (200, 201) AND r.message LIKE '%U+FFFD%') AS stored_with_note,
       count(*) FILTER (WHERE r.status = 400) AS refused
FROM swisper.ingest_entries((SELECT array_agg(entry ORDER BY n) FROM batch50)) AS r;
-- (the same call again: every stored element is a duplicate)
SELECT r.idx, r.status, r.message
FROM swisper.ingest_entries((SELECT array_agg(entry ORDER BY n) FROM batch50)) AS r
WHERE r.idx IN (0, 1, 10, 20, 30) ORDER BY r.idx;
SELECT count(*) AS observations FROM observations WHERE trace_id = 't-50';
-- the json column keeps \u0000 as sent; the text column holds U+FFFD
SELECT id, name, output::text, name = U&'nul\FFFDname' AS name_has_fffd
FROM observations WHERE id = 'o-50-5';

-- The messages of the first delivery, for the three elements that matter.
TRUNCATE observations, traces CASCADE;
TRUNCATE swisper.ingest_merge_state;
SELECT r.idx, r.status, r.message
FROM swisper.ingest_entries((SELECT array_agg(entry ORDER BY n) FROM batch50)) AS r
WHERE r.idx IN (0, 10, 20, 30) ORDER BY r.idx;

-- The same batch in a shape with jsonb payload columns: \u0000 cannot be
-- stored there, so the output holds U+FFFD, and the message names it.
\set project '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c'
\i test/fixtures/jsonb_shape.sql
SET swisper.table_schema = 'obsb';
SELECT count(*) AS elements,
       count(*) FILTER (WHERE r.status IN (200, 201) AND r.message NOT LIKE '%U+FFFD%') AS stored,
       count(*) FILTER (WHERE r.status IN (200, 201) AND r.message LIKE '%U+FFFD%') AS stored_with_note,
       count(*) FILTER (WHERE r.status = 400) AS refused
FROM swisper.ingest_entries((SELECT array_agg(entry ORDER BY n) FROM batch50)) AS r;
SELECT r.idx, r.status, r.message
FROM swisper.ingest_entries((SELECT array_agg(entry ORDER BY n) FROM batch50)) AS r
WHERE r.idx IN (10, 20, 30) ORDER BY r.idx;
SELECT count(*) AS observations FROM obsb.observations WHERE trace_id = 't-50';
SELECT id, name, output::text, output->>'text' = U&'before\FFFDafter' AS output_has_fffd,
       output ? U&'k\FFFD' AS key_has_fffd
FROM obsb.observations WHERE id = 'o-50-5';
-- the first delivery's message, in this shape
TRUNCATE obsb.observations, obsb.traces;
TRUNCATE swisper.ingest_merge_state;
SELECT r.idx, r.status, r.message
FROM swisper.ingest_entries((SELECT array_agg(entry ORDER BY n) FROM batch50)) AS r
WHERE r.idx = 10;
RESET swisper.table_schema;

-- data given as a JSON string, as the stream consumer reads it: its
-- \u0000 follows the same rule, through ingest_entries() and through
-- ingest_batch() (whose own jsonb cannot hold \u0000, but whose data
-- strings can).
SELECT r.idx, r.status, r.message FROM swisper.ingest_entries(ARRAY[
  '{"event_type": "observation_end", "trace_id": "t-str", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c",'
  ' "observation_id": "o-str-1", "timestamp": "1762500615",'
  ' "data": "{\"output\": \"x\\u0000y\", \"status_message\": \"bad\\u0000byte\"}"}']) AS r;
SELECT r.idx, r.status, r.message FROM swisper.ingest_batch(jsonb_build_array(jsonb_build_object(
  'event_type', 'observation_end', 'trace_id', 't-str', 'project_id', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c',
  'observation_id', 'o-str-2', 'timestamp', '1762500615',
  'data', '{"output": {"a\u0000": "\u0000"}, "level": "WARNING"}'))) AS r;
SELECT id, output::text, status_message = U&'bad\FFFDbyte' AS status_message_has_fffd, level
FROM observations WHERE trace_id = 't-str' ORDER BY id;

-- The sentinel that stands for \u0000 while the value is jsonb is a code
-- point the element does not hold: noncharacters the element does hold
-- (raw, or escaped in any case, even inside a data string) stay as they
-- are.
SELECT r.status, r.message FROM swisper.ingest_entries(ARRAY[
  '{"event_type": "observation_start", "trace_id": "t-sentinel", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c",'
  ' "observation_id": "o-sentinel", "timestamp": "1762500615",'
  ' "data": {"input": ["' || U&'\FDD0' || '", "\uFDD1", "\ufdd2", "\u0000", "end"], "name": "n\u0000\uFDD0"}}']) AS r;
SELECT input::text = format('["%s", "%s", "%s", "\u0000", "end"]', U&'\FDD0', U&'\FDD1', U&'\FDD2')
         AS input_ok,
       name = U&'n\FFFD\FDD0' AS name_ok
FROM observations WHERE id = 'o-sentinel';

-- Texts that are not JSON, or that jsonb cannot hold: each is its own
-- element's 400, with the byte offset and the problem; the good element
-- in the middle is stored.
SELECT r.idx, r.status, r.message FROM swisper.ingest_entries(ARRAY[
  '',
  '   ',
  '{"event_type": "trace_start", "trace_id": "t-cut"',
  '{"event_type": "trace_start", "trace_id": "t-bad", "timestamp": 1762500615, "data": {"name": "\ud800"}}',
  '{"event_type": "trace_start", "trace_id": "t-bad", "timestamp": 1762500615, "data": {"name": "\x"}}',
  '{"event_type": "trace_start", "trace_id": "t-bad", "timestamp": 1762500615, "data": {"name": 1e999999}}',
  '{"a": 1} {"b": 2}',
  '{"event_type": "trace_start", "trace_id": "t-good", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c", "timestamp": 1762500615}',
  repeat('[', 10001) || repeat(']', 10001),
  '{"event_type": "trace_start", "trace_id": "t-bad", "timestamp": 1762500615, "data": "{\"name\": tru}"}',
  '"just a string"',
  NULL,
  '{"event_type": "trace_start", "trace_id": "t-bad", "timestamp": 1762500615, "data": {"name": "' || repeat('x', 100) || 'tail' || repeat('y', 200) || '}',
  '{"event_type": "trace_start", "trace_id": "t-bad", "timestamp": 1762500615, "data": {"name": ' || repeat('z', 300) || '}}'
]) AS r;
SELECT id FROM traces WHERE id IN ('t-good', 't-bad', 't-cut');
SELECT count(*) AS rows FROM swisper.ingest_entries(NULL);
SELECT count(*) AS rows FROM swisper.ingest_entries('{}');

-- The same entries give the same results and rows as ingest_batch().
\set stream `cat test/fixtures/events/swisper_stream.json`
\set langfuse `cat test/fixtures/events/langfuse_batch.json`
TRUNCATE observations, traces CASCADE;
TRUNCATE swisper.ingest_merge_state;
CREATE TEMP TABLE via_batch AS
SELECT * FROM swisper.ingest_batch(:'stream')
UNION ALL SELECT idx + 1000, event_id, status, message FROM swisper.ingest_batch(:'langfuse', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
CREATE TEMP TABLE rows_batch AS
SELECT (SELECT string_agg(t::text, '|' ORDER BY id) FROM traces t) AS t,
       (SELECT string_agg(o::text, '|' ORDER BY id) FROM observations o) AS o;
TRUNCATE observations, traces CASCADE;
TRUNCATE swisper.ingest_merge_state;
CREATE TEMP TABLE via_entries AS
SELECT * FROM swisper.ingest_entries((SELECT array_agg(e::text) FROM jsonb_array_elements(:'stream') e))
UNION ALL SELECT idx + 1000, event_id, status, message
FROM swisper.ingest_entries((SELECT array_agg(e::text) FROM jsonb_array_elements(:'langfuse'::jsonb->'batch') e),
                            '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
SELECT (SELECT count(*) FROM via_batch) AS results,
       (SELECT count(*) FROM (SELECT * FROM via_batch EXCEPT SELECT * FROM via_entries) d) AS differing_results,
       (SELECT t FROM rows_batch) = (SELECT string_agg(t::text, '|' ORDER BY id) FROM traces t) AS same_traces,
       (SELECT o FROM rows_batch) = (SELECT string_agg(o::text, '|' ORDER BY id) FROM observations o) AS same_observations;

-- The privileges: EXECUTE is revoked from PUBLIC; SECURITY DEFINER.
SELECT p.proname, p.prosecdef, p.proconfig, has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute,
       obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented
FROM pg_proc p WHERE p.proname = 'ingest_entries';
