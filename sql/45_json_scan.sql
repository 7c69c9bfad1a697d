\i test/fixtures/reset.sql
-- Every element is parsed by a fast scanner when it is plainly valid JSON
-- (in a UTF8 database), and by PostgreSQL's own parser otherwise, which
-- gives the error with its byte offset.  The scanner must build exactly the
-- jsonb that PostgreSQL builds, and accept nothing PostgreSQL refuses.
-- Payloads land in a jsonb column here, so that the stored value is the
-- scanner's jsonb itself, byte for byte (a json column would re-sort it).
SELECT getdatabaseencoding();
\set project 'p'
\i test/fixtures/jsonb_shape.sql
SET swisper.table_schema = 'obsb';

-- Valid JSON of every shape: escapes of every kind, \u escapes of one to
-- four UTF-8 bytes and surrogate pairs, raw non-ASCII, duplicate keys (the
-- last one wins), keys in every order and more keys than an insertion sort
-- takes, numbers of every form, literals, empty containers, space wherever
-- the grammar allows it, and nesting just below and above the scanner's
-- depth (the deeper one goes to PostgreSQL's parser).
CREATE TEMP TABLE valid (n serial, v text);
INSERT INTO valid (v) VALUES
  ('"plain"'), ('""'), ('"\"\\\/\b\f\n\r\t"'), ('"a\u0041\u00e9\u20AC\ud83d\ude00z"'),
  ('"\uFFFF\uFDD0\u007f\u0001"'), ('"héllo wörld ✓ 😀"'), ('"run \n then a long run of text after it"'),
  ('{"b": 1, "a": 2, "ccc": 3, "dd": 4}'), ('{"a": 1, "a": 2}'), ('{"k": 1, "j": 2, "k": 3, "k": 4}'),
  ('{"": 0, " ": 1, "\u0041": 2, "A": 3}'),
  ('{' || (SELECT string_agg(format('"key%s": %s', 40 - i, i), ', ') FROM generate_series(1, 40) i) || '}'),
  ('{' || (SELECT string_agg(format('"k%s": %s', i % 7, i), ', ') FROM generate_series(1, 30) i) || '}'),
  ('0'), ('-0'), ('12'), ('-12.50'), ('1e5'), ('1E+5'), ('2.5e-3'), ('-0.0e0'), ('123456789012345678901234567890.123'),
  ('1e1000'), ('1e-1000'), ('true'), ('false'), ('null'), ('[]'), ('{}'), ('[{}, [], [[]], {"a": {}}]'),
  (E' \t\n\r{ \t"a" \n: \r[ 1 , 2 ,\n3 ] , "b":{"c" :null} } \n'),
  ('[1, "two", 3.0, true, false, null, {"x": [1, {"y": "z"}]}]'),
  (repeat('[', 62) || '"deep"' || repeat(']', 62)),
  (repeat('{"a": ', 63) || '1' || repeat('}', 63)),
  (repeat('[', 64) || '1' || repeat(']', 64)),
  (repeat('[', 65) || '1' || repeat(']', 65)),
  (repeat('[', 200) || '{"k": "v"}' || repeat(']', 200)),
  ('{"text": "' || repeat('long text with \"quotes\" and \\backslashes\\ and \u00e9 ', 200) || '"}');

SELECT count(*) AS elements, count(*) FILTER (WHERE r.status = 201) AS stored
FROM swisper.ingest_entries((SELECT array_agg(format(
  '{"event_type": "observation_start", "trace_id": "t", "project_id": "p", "observation_id": "o-%s",'
  ' "timestamp": "1762500615", "data": {"input": %s, "output": %s}}', n, v, to_json(v)) ORDER BY n)
  FROM valid)) AS r;
-- data as a JSON string holding the same value (the SDK's shape)
SELECT count(*) AS elements, count(*) FILTER (WHERE r.status = 201) AS stored
FROM swisper.ingest_entries((SELECT array_agg(format(
  '{"event_type": "observation_start", "trace_id": "t", "project_id": "p", "observation_id": "s-%s",'
  ' "timestamp": "1762500615", "data": %s}', n, to_json(format('{"input": %s}', v))) ORDER BY n)
  FROM valid)) AS r;
-- each stored value is PostgreSQL's jsonb of the text, in its binary form
-- (jsonb_send), and answers a key look-up (a binary search of the sorted keys);
-- JSON null is stored as SQL NULL
SELECT v.n, v.v
FROM valid v
LEFT JOIN obsb.observations o ON o.id = 'o-' || v.n
LEFT JOIN obsb.observations s ON s.id = 's-' || v.n
WHERE ((o.input IS NULL OR s.input IS NULL) AND v.v <> 'null')
   OR jsonb_send(o.input) <> jsonb_send(v.v::jsonb) OR jsonb_send(s.input) <> jsonb_send(v.v::jsonb)
   OR o.output #>> '{}' <> v.v
   OR (jsonb_typeof(v.v::jsonb) = 'object' AND EXISTS (
        SELECT 1 FROM jsonb_each(v.v::jsonb) e WHERE o.input -> e.key IS DISTINCT FROM e.value));

-- Near misses: texts PostgreSQL refuses.  The scanner must not take any of
-- them: each is refused with PostgreSQL's message, whole and inside a data
-- string.
CREATE TEMP TABLE invalid (n serial, v text);
INSERT INTO invalid (v) VALUES
  ('01'), ('-'), ('-a'), ('1.'), ('.5'), ('1e'), ('1e+'), ('1.5.3'), ('1a'), ('0x10'), ('+1'), ('1_0'),
  ('tru'), ('truex'), ('nul'), ('nullx'), ('True'), ('falsé'),
  ('"unterminated'), ('"bad \x escape"'), ('"\u12"'), ('"\u12g4"'), ('"\ud800"'), ('"\ud800x"'),
  ('"\ud800\u0041"'), ('"\udc00"'), (E'"raw \x01 control"'), (E'"raw\ttab"'), ('"\'),
  ('{"a" 1}'), ('{"a": 1,}'), ('{a: 1}'), ('{"a": 1'), ('[1, 2,]'), ('[1 2]'), ('[,]'), ('{,}'),
  ('{"a": 1}}'), ('[1]]'), ('{"a": 1} x'), ('1 2'), ('[1]x'), ('{"a":}'), ('{"a": 01}'), (E'\f1');
SELECT v.v, r.status, r.message
FROM invalid v,
     LATERAL swisper.ingest_entries(ARRAY[format(
  '{"event_type": "observation_start", "trace_id": "t", "project_id": "p", "observation_id": "i-%s",'
  ' "timestamp": "1762500615", "data": {"input": %s}}', v.n, v.v)]) AS r
ORDER BY v.n;
SELECT v.v, r.status, r.message
FROM invalid v,
     LATERAL swisper.ingest_entries(ARRAY[format(
  '{"event_type": "observation_start", "trace_id": "t", "project_id": "p", "observation_id": "j-%s",'
  ' "timestamp": "1762500615", "data": %s}', v.n, to_json(format('{"input": %s}', v.v)))]) AS r
WHERE r.status <> 400
ORDER BY v.n;
SELECT count(*) AS stored_near_misses FROM obsb.observations WHERE id ~ '^[ij]-';

-- Random documents (a fixed seed), whole and with one character deleted or
-- inserted: whenever PostgreSQL takes the element, its stored input is
-- PostgreSQL's jsonb of it; whenever PostgreSQL refuses it, the element is
-- refused (as not valid JSON, or for its number outside numeric).  No element
-- may be refused as not valid JSON that PostgreSQL takes.
CREATE FUNCTION pg_temp.gen_json(depth int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  atoms text[] := ARRAY['"a"', '"é\n"', '"\"q\"\\"', '"\u00e9\ud83d\ude00"', '"😀 \/ \t"', '""', '"\u0041\uFFFF"',
                        '0', '-1', '2.50', '1e3', '-0.5E-2', '12345678901234567890', 'true', 'false', 'null'];
  keys text[] := ARRAY['"a"', '"b"', '"aa"', '"\u0061"', '"key"', '""', '"é"'];
  sp text[] := ARRAY['', '', ' ', E'\n', E' \t'];
  n int;
  parts text[] := '{}';
BEGIN
  IF depth > 4 OR random() < 0.4 THEN
    RETURN atoms[1 + floor(random() * array_length(atoms, 1))::int];
  END IF;
  n := floor(random() * 5)::int;
  IF random() < 0.5 THEN
    FOR i IN 1..n LOOP
      parts := parts || (sp[1 + floor(random() * 5)::int] || pg_temp.gen_json(depth + 1));
    END LOOP;
    RETURN '[' || coalesce(array_to_string(parts, ','), '') || ']';
  END IF;
  FOR i IN 1..n LOOP
    parts := parts || (keys[1 + floor(random() * array_length(keys, 1))::int] || sp[1 + floor(random() * 5)::int]
                       || ':' || pg_temp.gen_json(depth + 1));
  END LOOP;
  RETURN '{' || coalesce(array_to_string(parts, ', '), '') || '}';
END $$;
CREATE FUNCTION pg_temp.pg_takes(t text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  PERFORM t::jsonb;
  RETURN true;
EXCEPTION WHEN OTHERS THEN
  RETURN false;
END $$;
SELECT setseed(0.45);
CREATE TEMP TABLE rnd AS
SELECT n, format('{"event_type": "observation_start", "trace_id": "t", "project_id": "p", "observation_id": "r-%s",'
                 ' "timestamp": "1762500615", "data": {"input": %s}}', n, pg_temp.gen_json(0)) AS e
FROM generate_series(1, 1500) n;
-- the mutants (observations m-N): one character deleted, or one inserted,
-- somewhere in the value
INSERT INTO rnd
SELECT n + 10000, CASE WHEN random() < 0.5
  THEN overlay(e PLACING '' FROM p FOR 1)
  ELSE overlay(e PLACING (ARRAY['"', '\', ',', ']', '}', '0', 'e', '-', ' ', 'u', '.', ':'])[1 + floor(random() * 12)::int]
               FROM p FOR 0) END
FROM (SELECT n, replace(e, '"r-', '"m-') AS e, 130 + floor(random() * (length(e) - 131))::int AS p FROM rnd) m;
CREATE TEMP TABLE rnd_result AS
SELECT r.idx + 1 AS i, r.status, r.message
FROM swisper.ingest_entries((SELECT array_agg(e ORDER BY n) FROM rnd)) r;
CREATE TEMP TABLE rnd_check AS
SELECT row_number() OVER (ORDER BY n) AS i, n, e, pg_temp.pg_takes(e) AS takes, NULL::jsonb AS j FROM rnd;
UPDATE rnd_check SET j = e::jsonb WHERE takes;
SELECT count(*) AS elements, count(*) FILTER (WHERE takes) AS postgres_takes FROM rnd_check;
-- disagreements (none expected)
SELECT x.n, x.e, res.status, res.message
FROM rnd_check x
JOIN rnd_result res USING (i)
LEFT JOIN obsb.observations o ON o.id = x.j ->> 'observation_id'
WHERE CASE WHEN x.takes
  THEN res.message LIKE '%not valid JSON%'
       OR (o.id IS NOT NULL AND jsonb_send(o.input) IS DISTINCT FROM
           jsonb_send(nullif(x.j -> 'data' -> 'input', 'null')))
  ELSE res.status <> 400 OR res.message NOT LIKE 'event: the text %' END;
-- and the documents were stored
SELECT count(*) FILTER (WHERE id LIKE 'r-%') AS stored, count(*) FILTER (WHERE id LIKE 'm-%') AS mutants_stored
FROM obsb.observations;
RESET swisper.table_schema;

-- In a database that is not UTF8 every text goes to PostgreSQL's parser,
-- which converts each \u escape to the database encoding: an escape the
-- encoding cannot hold (also as a surrogate pair) is its element's 400,
-- found before parsing; the other elements are stored, escapes converted.
\set latin1_db swisper_latin1_json
\i test/fixtures/latin1_db.sql
\i test/fixtures/jsonb_shape.sql
SET client_min_messages = warning;
CREATE EXTENSION swisper_ext;
RESET client_min_messages;
SET swisper.table_schema = 'obsb';
SELECT r.idx, r.status, r.message FROM swisper.ingest_entries(ARRAY[
  '{"event_type": "observation_start", "trace_id": "t", "project_id": "p", "observation_id": "l-1",'
  ' "timestamp": "1762500615", "data": {"name": "Zo\u00eb", "input": {"k\u00e9": "café", "n": [1.5, true]}}}',
  '{"event_type": "observation_start", "trace_id": "t", "project_id": "p", "observation_id": "l-2",'
  ' "timestamp": "1762500615", "data": {"name": "user \u7528"}}',
  '{"event_type": "observation_start", "trace_id": "t", "project_id": "p", "observation_id": "l-3",'
  ' "timestamp": "1762500615", "data": {"name": "smile \ud83d\ude00"}}',
  '{"event_type": "observation_start", "trace_id": "t", "project_id": "p", "observation_id": "l-4",'
  ' "timestamp": "1762500615", "data": "{\"name\": \"Zo\\u00eb\", \"input\": [\"\\u00e9\"]}"}',
  '{"event_type": "observation_start", "trace_id": "t", "project_id": "p", "observation_id": "l-5",'
  ' "timestamp": "1762500615", "data": {"name": "cut']) AS r;
SELECT id, name, input::text FROM obsb.observations ORDER BY id;
\c contrib_regression
SET client_min_messages = warning;
DROP DATABASE swisper_latin1_json;
RESET client_min_messages;
