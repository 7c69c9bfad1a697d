\i test/fixtures/reset.sql
-- A json column gets the text that jsonb's own output gives for the value
-- (the ingestion serialises jsonb itself, escaping runs at a time): every
-- escape, control characters, non-ASCII, keys that need escaping, nesting,
-- empty containers, numbers, booleans, a root scalar, and a long string
-- with escapes inside.
CREATE TEMP TABLE json_case (n int, val jsonb);
INSERT INTO json_case VALUES
  (1, '"plain"'), (2, '42'), (3, '-1.50'), (4, '1e+30'), (5, 'true'), (6, 'false'),
  (7, '{}'), (8, '[]'), (9, '[[], {}, [[]], {"a": []}]'),
  (10, '{"a": {"b": [1, "x", null, true, false, 2.5]}, "c": null}'),
  (11, E'"quote \\" backslash \\\\ slash / bs \\b ff \\f nl \\n cr \\r tab \\t"'),
  (12, '"\u0001\u0002\u001f\u007f end"'),
  (13, '"é ü ß 日本 😀 \u2028"'),
  (14, E'{"k\\"ey\\n": 1, "": "", "\\\\": [" ", "\\t"]}'),
  (15, jsonb_build_object('long', repeat('ab"c', 1500) || E'\n' || repeat('x', 3000))),
  (16, '[1, [2, [3, [4, {"deep": [5]}]]]]'),
  (17, '""');
SELECT count(*) AS events, count(*) FILTER (WHERE status = 201) AS created
FROM swisper.ingest_batch((
  SELECT jsonb_agg(jsonb_build_object(
    'event_type', 'observation_start', 'trace_id', 'json-trace',
    'project_id', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', 'observation_id', 'json-' || n,
    'timestamp', '1762500615.5', 'data', jsonb_build_object('input', val)) ORDER BY n)
  FROM json_case));
SELECT c.n, o.input::text = c.val::text AS same_as_jsonb_text,
       CASE WHEN length(o.input::text) <= 80 THEN o.input::text
            ELSE left(o.input::text, 40) || '...' || length(o.input::text) END AS stored
FROM json_case c JOIN observations o ON o.id = 'json-' || c.n
ORDER BY c.n;
