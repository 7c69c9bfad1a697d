\i test/fixtures/reset.sql

-- Hostile spans, each between two valid ones in one request: each gets its
-- 400 (the message names the field), the valid ones beside it are stored.
-- Span n is span 000...n of trace 000...n.
CREATE FUNCTION pg_temp.base(n int) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object('traceId', lpad(to_hex(n), 32, '0'), 'spanId', lpad(to_hex(n), 16, '0'),
                            'parentSpanId', 'ffffffffffffffff', 'name', 'span ' || n,
                            'startTimeUnixNano', (1762500600000000000 + n * 1000000000::bigint)::text,
                            'endTimeUnixNano', (1762500600500000000 + n * 1000000000::bigint)::text,
                            'attributes', '[{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}}]'::jsonb)
$$;
CREATE FUNCTION pg_temp.attrs(n int, attrs jsonb) RETURNS jsonb LANGUAGE sql AS
$$ SELECT pg_temp.base(n) || jsonb_build_object('attributes', attrs) $$;
CREATE FUNCTION pg_temp.attr(n int, k text, v jsonb) RETURNS jsonb LANGUAGE sql AS
$$ SELECT pg_temp.attrs(n, jsonb_build_array(jsonb_build_object('key', k, 'value', v))) $$;
-- an AnyValue of kvlistValues nested depth deep
CREATE FUNCTION pg_temp.deep(depth int) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v jsonb := '{"stringValue": "leaf"}';
BEGIN
  FOR i IN 1..depth LOOP
    v := jsonb_build_object('kvlistValue', jsonb_build_object('values', jsonb_build_array(jsonb_build_object('key', 'k', 'value', v))));
  END LOOP;
  RETURN v;
END $$;
-- n attributes a0, a1, ...
CREATE FUNCTION pg_temp.many(n int) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_agg(jsonb_build_object('key', 'a' || i, 'value', jsonb_build_object('intValue', i::text)))
  FROM generate_series(0, n - 1) AS i
$$;

CREATE TEMP TABLE hostile (n int PRIMARY KEY, what text, span jsonb);
INSERT INTO hostile VALUES
 -- not a span object
 (101, 'a number', '5'),
 (102, 'a string', '"span"'),
 (103, 'null', 'null'),
 (104, 'an array', '[]'),
 -- ids
 (110, 'spanId missing', pg_temp.base(110) - 'spanId'),
 (111, 'spanId of 15 hex digits', pg_temp.base(111) || '{"spanId": "00000000000006f"}'),
 (112, 'spanId of 17 hex digits', pg_temp.base(112) || '{"spanId": "00000000000000070"}'),
 (113, 'spanId not hex', pg_temp.base(113) || '{"spanId": "zzzzzzzzzzzzzzzz"}'),
 (114, 'spanId a number', pg_temp.base(114) || '{"spanId": 1234567890123456}'),
 (115, 'spanId all zeros', pg_temp.base(115) || '{"spanId": "0000000000000000"}'),
 (116, 'traceId of 31 hex digits', pg_temp.base(116) || '{"traceId": "0000000000000000000000000000074"}'),
 (117, 'traceId of 33 hex digits', pg_temp.base(117) || '{"traceId": "000000000000000000000000000000075"}'),
 (118, 'traceId in base64 (the proto3 JSON default, not OTLP''s)', pg_temp.base(118) || '{"traceId": "W47/95gDgQPSabYzgT/GDA=="}'),
 (119, 'traceId all zeros', pg_temp.base(119) || '{"traceId": "00000000000000000000000000000000"}'),
 (120, 'traceId missing', pg_temp.base(120) - 'traceId'),
 (121, 'parentSpanId of 15 hex digits', pg_temp.base(121) || '{"parentSpanId": "fffffffffffffff"}'),
 (122, 'parentSpanId with a multibyte character', pg_temp.base(122) || '{"parentSpanId": "ffffffffffffffé"}'),
 (124, 'parentSpanId of 16 characters, not hex', pg_temp.base(124) || '{"parentSpanId": "ffffffffffffffég"}'),
 (123, 'an id of 10,000 characters', pg_temp.base(123) || jsonb_build_object('traceId', repeat('a', 10000))),
 -- times
 (130, 'startTimeUnixNano missing', pg_temp.base(130) - 'startTimeUnixNano'),
 (131, 'startTimeUnixNano 0', pg_temp.base(131) || '{"startTimeUnixNano": "0"}'),
 (132, 'startTimeUnixNano 1e400', pg_temp.base(132) || '{"startTimeUnixNano": 1e400}'),
 (133, 'startTimeUnixNano 2^64', pg_temp.base(133) || '{"startTimeUnixNano": "18446744073709551616"}'),
 (134, 'startTimeUnixNano "-1"', pg_temp.base(134) || '{"startTimeUnixNano": "-1"}'),
 (135, 'startTimeUnixNano -1', pg_temp.base(135) || '{"startTimeUnixNano": -1}'),
 (136, 'startTimeUnixNano 1.5', pg_temp.base(136) || '{"startTimeUnixNano": 1.5}'),
 (137, 'startTimeUnixNano an ISO timestamp', pg_temp.base(137) || '{"startTimeUnixNano": "2025-11-07T07:30:00Z"}'),
 (138, 'startTimeUnixNano true', pg_temp.base(138) || '{"startTimeUnixNano": true}'),
 (139, 'endTimeUnixNano of 30 digits', pg_temp.base(139) || '{"endTimeUnixNano": "999999999999999999999999999999"}'),
 -- attributes
 (140, '1,001 attributes (at most 1,000)', pg_temp.attrs(140, pg_temp.many(1001))),
 (141, 'an arrayValue of 10,001 values (at most 10,000)', pg_temp.attr(141, 'big',
       jsonb_build_object('arrayValue', jsonb_build_object('values',
         (SELECT jsonb_agg('{"boolValue": true}'::jsonb) FROM generate_series(1, 10001)))))),
 (142, 'kvlistValue nested 65 deep (at most 64)', pg_temp.attr(142, 'deep', pg_temp.deep(65))),
 (143, 'kvlistValue nested 1,000 deep', pg_temp.attr(143, 'deep', pg_temp.deep(1000))),
 (144, 'attributes not an array', pg_temp.base(144) || '{"attributes": {"a": 1}}'),
 (145, 'an attribute not an object', pg_temp.attrs(145, '["a"]')),
 (146, 'an attribute without a key', pg_temp.attrs(146, '[{"value": {"stringValue": "x"}}]')),
 (147, 'a value that is no AnyValue', pg_temp.attr(147, 'x', '"just a string"')),
 (148, 'stringValue a number', pg_temp.attr(148, 'x', '{"stringValue": 5}')),
 (149, 'intValue not an integer', pg_temp.attr(149, 'x', '{"intValue": "12x"}')),
 (150, 'intValue 2^63', pg_temp.attr(150, 'x', '{"intValue": "9223372036854775808"}')),
 (151, 'boolValue a string', pg_temp.attr(151, 'x', '{"boolValue": "true"}')),
 (152, 'doubleValue not a number', pg_temp.attr(152, 'x', '{"doubleValue": "fast"}')),
 (153, 'arrayValue.values not an array', pg_temp.attr(153, 'x', '{"arrayValue": {"values": {}}}')),
 (154, 'a kvlistValue entry without a key', pg_temp.attr(154, 'x', '{"kvlistValue": {"values": [{"value": {}}]}}')),
 (155, 'bytesValue a number', pg_temp.attr(155, 'x', '{"bytesValue": 5}')),
 -- the mapped attributes
 (160, 'negative tokens', pg_temp.attr(160, 'gen_ai.usage.input_tokens', '{"intValue": "-5"}')),
 (161, 'tokens beyond integer', pg_temp.attr(161, 'gen_ai.usage.output_tokens', '{"intValue": "99999999999"}')),
 (162, 'tokens a fraction', pg_temp.attr(162, 'gen_ai.usage.total_tokens', '{"doubleValue": 1.5}')),
 (163, 'tokens a word', pg_temp.attr(163, 'gen_ai.usage.input_tokens', '{"stringValue": "many"}')),
 (164, 'a type the enum lacks', pg_temp.attr(164, 'langfuse.observation.type', '{"stringValue": "retriever"}')),
 (165, 'langfuse.observation.type not a string', pg_temp.attr(165, 'langfuse.observation.type', '{"intValue": "1"}')),
 (166, 'a model that is an array', pg_temp.attr(166, 'gen_ai.request.model', '{"arrayValue": {"values": [{"stringValue": "a"}]}}')),
 (167, 'a model parameter that is no AnyValue', pg_temp.attr(167, 'gen_ai.request.temperature', '0.7')),
 (168, 'root: a session id of 2,000 bytes', pg_temp.attr(168, 'session.id', jsonb_build_object('stringValue', repeat('s', 2000))) - 'parentSpanId'),
 (169, 'root: a user id of 2,000 bytes', pg_temp.attr(169, 'user.id', jsonb_build_object('stringValue', repeat('u', 2000))) - 'parentSpanId'),
 (170, 'an input message that is no AnyValue', pg_temp.attr(170, 'gen_ai.input.messages', '[1, 2]')),
 -- the other fields
 (180, 'name a number', pg_temp.base(180) || '{"name": 5}'),
 (181, 'kind a string', pg_temp.base(181) || '{"kind": "SPAN_KIND_SERVER"}'),
 (182, 'kind a fraction', pg_temp.base(182) || '{"kind": 1.5}'),
 (183, 'status not an object', pg_temp.base(183) || '{"status": 2}'),
 (184, 'status.code a string', pg_temp.base(184) || '{"status": {"code": "STATUS_CODE_ERROR"}}'),
 (185, 'status.message a number', pg_temp.base(185) || '{"status": {"code": 2, "message": 503}}'),
 (186, 'events not an array', pg_temp.base(186) || '{"events": {}}'),
 (187, '1,001 events (at most 1,000)', pg_temp.base(187) || jsonb_build_object('events',
       (SELECT jsonb_agg(jsonb_build_object('name', 'e' || i)) FROM generate_series(1, 1001) AS i))),
 (188, 'an event not an object', pg_temp.base(188) || '{"events": [7]}'),
 (189, 'an event name a number', pg_temp.base(189) || '{"events": [{"name": 7}]}'),
 (190, 'an event time out of range', pg_temp.base(190) || '{"events": [{"name": "e", "timeUnixNano": "1e400"}]}'),
 (191, 'an event attribute that is no AnyValue', pg_temp.base(191) || '{"events": [{"name": "e", "attributes": [{"key": "k", "value": 1}]}]}');

-- The request: valid span 1, hostile span, valid span 2, hostile span, ...,
-- valid span k+1.
CREATE TEMP TABLE spans AS
SELECT row_number() OVER (ORDER BY ord) - 1 AS idx, n, hostile, span
FROM (SELECT 2 * row_number() OVER (ORDER BY n) AS ord, n, true AS hostile, span FROM hostile
      UNION ALL
      SELECT 2 * i + 1, i, false, pg_temp.base(i) FROM generate_series(0, (SELECT count(*)::int FROM hostile)) AS g(i)
      WHERE i > 0 OR true) AS s;
UPDATE spans SET span = pg_temp.base(n + 1), n = n + 1 WHERE NOT hostile;
CREATE TEMP TABLE result AS
SELECT r.* FROM swisper.ingest_otlp(
  jsonb_build_object('resourceSpans', jsonb_build_array(jsonb_build_object(
    'scopeSpans', jsonb_build_array(jsonb_build_object('spans', (SELECT jsonb_agg(span ORDER BY idx) FROM spans))))))::text,
  '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c') AS r;
SELECT s.n, h.what, r.span_id, r.status, r.message
FROM result r JOIN spans s USING (idx) JOIN hostile h USING (n) ORDER BY s.n;
SELECT count(*) AS valid_spans, count(*) FILTER (WHERE r.status = 201) AS created,
       count(o.id) AS stored
FROM result r JOIN spans s USING (idx) LEFT JOIN observations o ON o.id = r.span_id
WHERE NOT s.hostile;
SELECT count(*) AS hostile_spans, count(*) FILTER (WHERE r.status = 400) AS refused
FROM result r JOIN spans s USING (idx) WHERE s.hostile;
-- nothing of a refused span is stored: neither its observation nor the
-- trace of a refused root
SELECT count(*) AS stored_from_refused FROM observations
WHERE id IN (SELECT lpad(to_hex(n), 16, '0') FROM hostile) OR trace_id IN (SELECT lpad(to_hex(n), 32, '0') FROM hostile);

-- At the limits, accepted: 1,000 attributes, 10,000 values, kvlistValue 64
-- deep; a message string nested 20,000 deep (more than the JSON parser may
-- recurse) is kept as a string, not parsed.
SELECT r.status, r.message FROM swisper.ingest_otlp(
  jsonb_build_object('resourceSpans', jsonb_build_array(jsonb_build_object(
    'scopeSpans', jsonb_build_array(jsonb_build_object('spans', jsonb_build_array(
      pg_temp.attrs(201, pg_temp.many(1000)),
      pg_temp.attr(202, 'big', jsonb_build_object('arrayValue', jsonb_build_object('values',
        (SELECT jsonb_agg('{"boolValue": true}'::jsonb) FROM generate_series(1, 10000))))),
      pg_temp.attr(203, 'deep', pg_temp.deep(64)),
      pg_temp.attr(204, 'gen_ai.input.messages', jsonb_build_object('stringValue', repeat('[', 20000) || repeat(']', 20000)))))))))::text,
  '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c') AS r;
SELECT id, json_typeof(input) AS input_type, length(input::text) AS input_length,
       json_typeof(meta -> 'attributes') AS attributes
FROM observations WHERE id IN ('00000000000000c9', '00000000000000ca', '00000000000000cb', '00000000000000cc') ORDER BY id;

-- Parts of the request that should hold spans and do not: one 400 row
-- each, in document order, the spans beside them stored; a resource that
-- is not what OTLP/JSON says refuses each of its spans.
SELECT * FROM swisper.ingest_otlp(
  jsonb_build_object('resourceSpans', jsonb_build_array(
    7,
    '{"scopeSpans": {}}'::jsonb,
    jsonb_build_object('scopeSpans', jsonb_build_array('"x"'::jsonb, '{"spans": 3}'::jsonb,
                                                       jsonb_build_object('spans', jsonb_build_array(pg_temp.base(301))))),
    jsonb_build_object('resource', '{"attributes": [{"key": "service.name", "value": {"stringValue": 1}}]}'::jsonb,
                       'scopeSpans', jsonb_build_array(jsonb_build_object('spans', jsonb_build_array(pg_temp.base(302), pg_temp.base(303))))),
    jsonb_build_object('resource', '[]'::jsonb,
                       'scopeSpans', jsonb_build_array(jsonb_build_object('spans', jsonb_build_array(pg_temp.base(304))))),
    jsonb_build_object('scopeSpans', jsonb_build_array(jsonb_build_object('scope', '{"name": 5}'::jsonb,
                                                                          'spans', jsonb_build_array(pg_temp.base(305))))),
    jsonb_build_object('scopeSpans', jsonb_build_array(jsonb_build_object('spans', jsonb_build_array(pg_temp.base(306)))))))::text,
  '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
SELECT id FROM observations WHERE id IN ('000000000000012d', '000000000000012e', '000000000000012f', '0000000000000130',
                                         '0000000000000131', '0000000000000132') ORDER BY id;

-- The project: the argument, else the resource's swisper.project.id (which
-- must be a non-empty string), else the span is refused; an unknown one is
-- a 404 for each of its spans.
SELECT * FROM swisper.ingest_otlp(
  jsonb_build_object('resourceSpans', jsonb_build_array(
    jsonb_build_object('resource', '{"attributes": [{"key": "swisper.project.id", "value": {"intValue": "7"}}]}'::jsonb,
                       'scopeSpans', jsonb_build_array(jsonb_build_object('spans', jsonb_build_array(pg_temp.base(401))))),
    jsonb_build_object('resource', '{"attributes": [{"key": "service.name", "value": {"stringValue": "x"}}]}'::jsonb,
                       'scopeSpans', jsonb_build_array(jsonb_build_object('spans', jsonb_build_array(pg_temp.base(402))))),
    jsonb_build_object('resource', '{"attributes": [{"key": "swisper.project.id", "value": {"stringValue": "no-such-project"}}]}'::jsonb,
                       'scopeSpans', jsonb_build_array(jsonb_build_object('spans', jsonb_build_array(pg_temp.base(403), pg_temp.base(404) - 'parentSpanId'))))))::text);
SELECT count(*) AS stored FROM observations WHERE id IN ('0000000000000191', '0000000000000192', '0000000000000193', '0000000000000194');

-- \u0000, which text and jsonb cannot hold (and LLM output does), fails
-- nothing: in a span's attribute, in a resource's attribute (in the meta
-- of each of its spans), in a key; it is stored as U+FFFD and the rows of
-- the spans that held one say so.  An escaped backslash followed by
-- "u0000" is no NUL, and is kept.
SELECT * FROM swisper.ingest_otlp(replace(
  jsonb_build_object('resourceSpans', jsonb_build_array(
    jsonb_build_object('scopeSpans', jsonb_build_array(jsonb_build_object('spans', jsonb_build_array(
      pg_temp.attr(501, 'gen_ai.completion', '{"stringValue": "tool said: NUL-HERE-end"}'),
      pg_temp.base(502),
      pg_temp.attr(503, 'not.a.nul', '{"stringValue": "a backslash: \\u0000"}'),
      pg_temp.attr(504, 'key NUL-HERE', '{"boolValue": true}'))))),
    jsonb_build_object('resource', '{"attributes": [{"key": "service.name", "value": {"stringValue": "svc NUL-HERE"}}]}'::jsonb,
                       'scopeSpans', jsonb_build_array(jsonb_build_object('spans', jsonb_build_array(pg_temp.base(505), pg_temp.base(506))))),
    jsonb_build_object('scopeSpans', jsonb_build_array(jsonb_build_object('spans', jsonb_build_array(pg_temp.base(507)))))))::text,
  'NUL-HERE', '\u0000'), '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
SELECT id, replace(output::text, U&'\FFFD', '<U+FFFD>') AS output,
       replace((meta -> 'attributes')::text, U&'\FFFD', '<U+FFFD>') AS attributes,
       replace((meta -> 'resource')::text, U&'\FFFD', '<U+FFFD>') AS resource FROM observations
WHERE id IN ('00000000000001f5', '00000000000001f6', '00000000000001f7', '00000000000001f8', '00000000000001f9', '00000000000001fb')
ORDER BY id;

-- Whole-call errors, each with its SQLSTATE: text that is not JSON (with
-- the byte offset), JSON that is not a request, nesting beyond 10,000
-- levels.  NULL, {} and no spans give no rows.
CREATE FUNCTION pg_temp.try(request text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM * FROM swisper.ingest_otlp(request, '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT what, pg_temp.try(request)
FROM (VALUES ('empty', ''),
             ('not JSON', 'resourceSpans'),
             ('cut short', '{"resourceSpans": [{"scopeSpans": [{"spans": [{"spanId": "00f067aa0ba902b7"'),
             ('trailing garbage', '{"resourceSpans": []} x'),
             ('a bad escape', '{"resourceSpans": [], "x": "\q"}'),
             ('a lone surrogate', '{"resourceSpans": [], "x": "\ud800"}'),
             ('\u0000 outside the spans: no error', '{"resourceSpans": [], "x": "\u0000"}'),
             ('an array', '[]'),
             ('a string', '"resourceSpans"'),
             ('resourceSpans an object', '{"resourceSpans": {}}'),
             ('nested 10,001 deep', repeat('[', 10001) || repeat(']', 10001)),
             ('nested 10,000 deep', repeat('[', 10000) || repeat(']', 10000))) AS t(what, request);
SELECT count(*) AS no_rows FROM swisper.ingest_otlp(NULL);
SELECT count(*) AS no_rows FROM swisper.ingest_otlp('{}');
SELECT count(*) AS no_rows FROM swisper.ingest_otlp('{"resourceSpans": [], "unknownField": {"ignored": true}}');
SELECT count(*) AS no_rows FROM swisper.ingest_otlp('{"resourceSpans": [{"scopeSpans": [{"spans": []}]}, {}]}');
