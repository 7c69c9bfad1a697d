\i test/fixtures/reset.sql

-- Every row of the mapping in docs/otlp.md, one span per case: case n is
-- span 000...n of trace 000...n, a child of span ffffffffffffffff unless
-- it is a root; its start is 07:30:00 + n s, its end half a second later.
CREATE FUNCTION pg_temp.s(k text, v text) RETURNS jsonb LANGUAGE sql AS
$$ SELECT jsonb_build_object('key', k, 'value', jsonb_build_object('stringValue', v)) $$;
CREATE FUNCTION pg_temp.i(k text, v bigint) RETURNS jsonb LANGUAGE sql AS
$$ SELECT jsonb_build_object('key', k, 'value', jsonb_build_object('intValue', v::text)) $$;
CREATE FUNCTION pg_temp.a(k text, v jsonb) RETURNS jsonb LANGUAGE sql AS
$$ SELECT jsonb_build_object('key', k, 'value', v) $$;
CREATE FUNCTION pg_temp.span(n int, root bool, attrs jsonb, extra jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object('traceId', lpad(to_hex(n), 32, '0'), 'spanId', lpad(to_hex(n), 16, '0'),
                            'name', 'case ' || n,
                            'startTimeUnixNano', (1762500600000000000 + n * 1000000000::bigint)::text,
                            'endTimeUnixNano', (1762500600500000000 + n * 1000000000::bigint)::text,
                            'attributes', attrs)
         || CASE WHEN root THEN '{}'::jsonb ELSE '{"parentSpanId": "ffffffffffffffff"}'::jsonb END || extra
$$;
CREATE TEMP TABLE cases (n int PRIMARY KEY, what text, root bool, attrs jsonb, extra jsonb DEFAULT '{}');

-- observation type
INSERT INTO cases (n, what, root, attrs) VALUES
 (1, 'operation chat', false, jsonb_build_array(pg_temp.s('gen_ai.operation.name', 'chat'))),
 (2, 'operation text_completion', false, jsonb_build_array(pg_temp.s('gen_ai.operation.name', 'text_completion'))),
 (3, 'operation generate_content', false, jsonb_build_array(pg_temp.s('gen_ai.operation.name', 'generate_content'))),
 (4, 'operation embeddings', false, jsonb_build_array(pg_temp.s('gen_ai.operation.name', 'embeddings'))),
 (5, 'operation execute_tool', false, jsonb_build_array(pg_temp.s('gen_ai.operation.name', 'execute_tool'))),
 (6, 'operation invoke_agent', false, jsonb_build_array(pg_temp.s('gen_ai.operation.name', 'invoke_agent'))),
 (7, 'operation create_agent', false, jsonb_build_array(pg_temp.s('gen_ai.operation.name', 'create_agent'))),
 (8, 'another operation', false, jsonb_build_array(pg_temp.s('gen_ai.operation.name', 'retrieval'))),
 (9, 'another operation, a tool name', false, jsonb_build_array(pg_temp.s('gen_ai.operation.name', 'retrieval'),
                                                              pg_temp.s('gen_ai.tool.name', 'search_docs'))),
 (10, 'a tool name', false, jsonb_build_array(pg_temp.s('gen_ai.tool.name', 'get_weather'))),
 (11, 'a request model', false, jsonb_build_array(pg_temp.s('gen_ai.request.model', 'gpt-4o'))),
 (12, 'a response model', false, jsonb_build_array(pg_temp.s('gen_ai.response.model', 'gpt-4o-2024-08-06'))),
 (13, 'nothing GenAI', false, jsonb_build_array(pg_temp.s('http.request.method', 'GET'))),
 (14, 'langfuse.observation.type wins', false, jsonb_build_array(pg_temp.s('langfuse.observation.type', 'event'),
                                                               pg_temp.s('gen_ai.operation.name', 'chat'),
                                                               pg_temp.s('gen_ai.request.model', 'gpt-4o'))),
 (15, 'operation beats tool name and model', false, jsonb_build_array(pg_temp.s('gen_ai.operation.name', 'invoke_agent'),
                                                                    pg_temp.s('gen_ai.tool.name', 't'),
                                                                    pg_temp.s('gen_ai.request.model', 'm')));
-- model, tokens, model parameters
INSERT INTO cases (n, what, root, attrs) VALUES
 (20, 'response model beats request model', false, jsonb_build_array(pg_temp.s('gen_ai.request.model', 'gpt-4o'),
                                                                    pg_temp.s('gen_ai.response.model', 'gpt-4o-2024-08-06'))),
 (21, 'input, output and total tokens', false, jsonb_build_array(pg_temp.i('gen_ai.usage.input_tokens', 52),
                                                               pg_temp.i('gen_ai.usage.output_tokens', 47),
                                                               pg_temp.i('gen_ai.usage.total_tokens', 120))),
 (22, 'older prompt/completion tokens, no total: the sum', false,
      jsonb_build_array(pg_temp.i('gen_ai.usage.prompt_tokens', 52), pg_temp.i('gen_ai.usage.completion_tokens', 47))),
 (23, 'input tokens only: the total is them', false, jsonb_build_array(pg_temp.i('gen_ai.usage.input_tokens', 8))),
 (24, 'input_tokens beats prompt_tokens (kept in meta)', false,
      jsonb_build_array(pg_temp.i('gen_ai.usage.prompt_tokens', 1), pg_temp.i('gen_ai.usage.input_tokens', 2),
                        pg_temp.a('gen_ai.usage.output_tokens', '{"intValue": 3}'))),
 (25, 'model parameters: every gen_ai.request.* but the model', false,
      jsonb_build_array(pg_temp.s('gen_ai.request.model', 'claude-sonnet-4'),
                        pg_temp.a('gen_ai.request.temperature', '{"doubleValue": 0.7}'),
                        pg_temp.i('gen_ai.request.max_tokens', 2048), pg_temp.a('gen_ai.request.top_p', '{"doubleValue": 0.95}'),
                        pg_temp.i('gen_ai.request.top_k', 40), pg_temp.i('gen_ai.request.seed', 7),
                        pg_temp.a('gen_ai.request.frequency_penalty', '{"doubleValue": 0}'),
                        pg_temp.a('gen_ai.request.stop_sequences', '{"arrayValue": {"values": [{"stringValue": "\n\nHuman:"}]}}'),
                        pg_temp.a('gen_ai.request.stream', '{"boolValue": true}')));
-- input and output
INSERT INTO cases (n, what, root, attrs, extra) VALUES
 (30, 'messages as strings holding JSON', false,
      jsonb_build_array(pg_temp.s('gen_ai.input.messages', '[{"role": "user", "parts": [{"type": "text", "content": "Hi"}]}]'),
                        pg_temp.s('gen_ai.output.messages', '[{"role": "assistant", "parts": [{"type": "text", "content": "Hello!"}], "finish_reason": "stop"}]')),
      '{}'),
 (31, 'messages as arrayValue of kvlistValue', false,
      jsonb_build_array(pg_temp.a('gen_ai.input.messages',
        '{"arrayValue": {"values": [{"kvlistValue": {"values": [{"key": "role", "value": {"stringValue": "user"}},
          {"key": "parts", "value": {"arrayValue": {"values": [{"kvlistValue": {"values": [
            {"key": "type", "value": {"stringValue": "text"}}, {"key": "content", "value": {"stringValue": "Hi"}}]}}]}}}]}}]}}')),
      '{}'),
 (32, 'older gen_ai.prompt / gen_ai.completion', false,
      jsonb_build_array(pg_temp.s('gen_ai.prompt', '[{"role": "user", "content": "Hi"}]'),
                        pg_temp.s('gen_ai.completion', '[{"role": "assistant", "content": "Hello!"}]')),
      '{}'),
 (33, 'a prompt that is not JSON: a JSON string', false,
      jsonb_build_array(pg_temp.s('gen_ai.prompt', 'Tell me a joke'), pg_temp.s('gen_ai.completion', '[not json')),
      '{}'),
 (34, 'message events and choice events', false, '[]',
      '{"events": [{"name": "gen_ai.system.message", "timeUnixNano": "1762500634100000000",
                    "attributes": [{"key": "gen_ai.system", "value": {"stringValue": "openai"}},
                                   {"key": "content", "value": {"stringValue": "Be brief."}}]},
                   {"name": "gen_ai.user.message", "timeUnixNano": "1762500634100000000",
                    "attributes": [{"key": "content", "value": {"stringValue": "Hi"}}]},
                   {"name": "gen_ai.choice", "timeUnixNano": "1762500634400000000",
                    "attributes": [{"key": "index", "value": {"intValue": "0"}},
                                   {"key": "finish_reason", "value": {"stringValue": "stop"}},
                                   {"key": "message", "value": {"kvlistValue": {"values": [
                                     {"key": "role", "value": {"stringValue": "assistant"}},
                                     {"key": "content", "value": {"stringValue": "Hello!"}}]}}}]}]}'),
 (35, 'the attribute beats message events (kept in meta)', false,
      jsonb_build_array(pg_temp.s('gen_ai.input.messages', '[{"role": "user", "content": "from the attribute"}]')),
      '{"events": [{"name": "gen_ai.user.message", "attributes": [{"key": "content", "value": {"stringValue": "from the event"}}]}]}'),
 (36, 'tool call arguments and result', false,
      jsonb_build_array(pg_temp.s('gen_ai.tool.call.arguments', '{"city": "Zurich"}'),
                        pg_temp.s('gen_ai.tool.call.result', '{"temp_c": 7}')),
      '{}'),
 (37, 'messages beat tool arguments (kept in meta)', false,
      jsonb_build_array(pg_temp.s('gen_ai.tool.call.arguments', '{"city": "Bern"}'),
                        pg_temp.s('gen_ai.input.messages', '[{"role": "user", "content": "Hi"}]')),
      '{}');
-- level and status message; times; ids; name
INSERT INTO cases (n, what, root, attrs, extra) VALUES
 (40, 'status.code 2: ERROR and its message', false, '[]', '{"status": {"code": 2, "message": "rate limited"}}'),
 (41, 'status.code 1 (OK): DEFAULT', false, '[]', '{"status": {"code": 1}}'),
 (42, 'status.code 0 with a message: DEFAULT, the message kept', false, '[]', '{"status": {"code": 0, "message": "note"}}'),
 (43, 'no endTimeUnixNano', false, '[]', '{"endTimeUnixNano": null}'),
 (44, 'endTimeUnixNano 0 ("not set")', false, '[]', '{"endTimeUnixNano": "0"}'),
 (45, 'nanoseconds as numbers, and below the microsecond', false, '[]',
      '{"startTimeUnixNano": 1762500645123456789, "endTimeUnixNano": 1762500645999999999}'),
 (46, 'no name', false, '[]', '{"name": null}'),
 (47, 'upper-case ids', false, '[]', '{"traceId": "00000000000000000000000000ABCDEF", "spanId": "00000000000ABCDE", "parentSpanId": "FFFFFFFFFFFFFFFF"}'),
 (48, 'parentSpanId "": a root', false, '[]', '{"parentSpanId": ""}'),
 (49, 'parentSpanId all zeros: a root', false, '[]', '{"parentSpanId": "0000000000000000"}');
-- trace fields of root spans; attribute values in meta
INSERT INTO cases (n, what, root, attrs, extra) VALUES
 (50, 'root: langfuse.user.id and langfuse.session.id win', true,
      jsonb_build_array(pg_temp.s('user.id', 'u-plain'), pg_temp.s('langfuse.user.id', 'u-langfuse'),
                        pg_temp.s('session.id', 's-plain'), pg_temp.s('langfuse.session.id', 's-langfuse'),
                        pg_temp.s('gen_ai.conversation.id', 'conv-1')), '{}'),
 (51, 'root: user.id, session.id beats gen_ai.conversation.id', true,
      jsonb_build_array(pg_temp.s('user.id', 'u-plain'), pg_temp.s('session.id', 's-plain'),
                        pg_temp.s('gen_ai.conversation.id', 'conv-1')), '{}'),
 (52, 'root: gen_ai.conversation.id is the session', true,
      jsonb_build_array(pg_temp.s('gen_ai.conversation.id', 'conv-2')), '{}'),
 (53, 'child: user and session stay in meta', false,
      jsonb_build_array(pg_temp.s('user.id', 'u-child'), pg_temp.s('session.id', 's-child')), '{}'),
 (54, 'every kind of AnyValue in meta', false,
      jsonb_build_array(pg_temp.s('a.string', 'x'), pg_temp.a('b.bool', '{"boolValue": false}'),
                        pg_temp.a('c.int_string', '{"intValue": "-9223372036854775808"}'),
                        pg_temp.a('d.int_number', '{"intValue": 42}'),
                        pg_temp.a('e.double', '{"doubleValue": 2.5}'), pg_temp.a('f.nan', '{"doubleValue": "NaN"}'),
                        pg_temp.a('g.infinity', '{"doubleValue": "-Infinity"}'),
                        pg_temp.a('h.double_string', '{"doubleValue": "1e3"}'),
                        pg_temp.a('i.bytes', '{"bytesValue": "aGVsbG8="}'),
                        pg_temp.a('j.array', '{"arrayValue": {"values": [{"intValue": "1"}, {"stringValue": "two"}, {}]}}'),
                        pg_temp.a('k.kvlist', '{"kvlistValue": {"values": [{"key": "inner", "value": {"boolValue": true}}, {"key": "none"}]}}'),
                        pg_temp.a('l.empty', '{}'), pg_temp.a('m.no_value', 'null'),
                        pg_temp.a('n.empty_array', '{"arrayValue": {}}'),
                        pg_temp.a('o.unknown_member', '{"stringValueStrindex": 3}')),
      '{"kind": 4, "traceState": "vendor=1", "flags": 257, "droppedAttributesCount": 3,
        "links": [{"traceId": "0000000000000000000000000000000f", "spanId": "000000000000000f"}]}');

SELECT * FROM swisper.ingest_otlp(
  jsonb_build_object('resourceSpans', jsonb_build_array(jsonb_build_object(
    'resource', '{"attributes": [{"key": "service.name", "value": {"stringValue": "mapping"}}]}'::jsonb,
    'scopeSpans', jsonb_build_array(jsonb_build_object(
      'scope', '{"name": "mapping-test", "version": "1", "attributes": [{"key": "k", "value": {"intValue": "1"}}]}'::jsonb,
      'spans', (SELECT jsonb_agg(pg_temp.span(n, root, attrs, extra) ORDER BY n) FROM cases))))))::text,
  '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');

-- type, model, tokens, model parameters
SELECT c.n, c.what, o.type, o.model, o.prompt_tokens AS pt, o.completion_tokens AS ct, o.total_tokens AS tt,
       o.model_parameters
FROM cases c JOIN observations o ON o.id = lpad(to_hex(c.n), 16, '0') WHERE c.n < 30 ORDER BY c.n;
-- input and output
SELECT c.n, c.what, o.input, o.output
FROM cases c JOIN observations o ON o.id = lpad(to_hex(c.n), 16, '0') WHERE c.n BETWEEN 30 AND 39 ORDER BY c.n;
-- level, status message, times, ids, name
SELECT c.n, c.what, o.id, o.trace_id, o.parent_observation_id AS parent, o.name, o.level, o.status_message,
       o.start_time, o.end_time
FROM cases c JOIN observations o ON o.id = lower(coalesce(pg_temp.span(c.n, c.root, c.attrs, c.extra) ->> 'spanId', ''))
WHERE c.n BETWEEN 40 AND 49 ORDER BY c.n;
-- what stays in meta: the attributes no column took, the events not taken
-- as input or output, resource, scope, span kind (case 54: every kind of
-- AnyValue; traceState, flags, links and dropped counts are not kept)
SELECT c.n, c.what, o.meta::jsonb - 'resource' - 'scope' AS meta
FROM cases c JOIN observations o ON o.id = lpad(to_hex(c.n), 16, '0')
WHERE c.n IN (8, 13, 14, 20, 24, 25, 30, 34, 35, 37, 53, 54) ORDER BY c.n;
SELECT DISTINCT meta::jsonb -> 'resource' AS resource, meta::jsonb -> 'scope' AS scope
FROM observations WHERE trace_id LIKE '0000%';
-- the traces: roots made theirs (user, session, name, timestamp, input,
-- output and meta as the root observation's); children a placeholder
SELECT t.id, c.what, t.name, t.user_id, t.session_id, t.project_id, t."timestamp",
       t.meta::jsonb -> 'attributes' AS meta_attributes
FROM cases c JOIN traces t ON t.id = lpad(to_hex(c.n), 32, '0')
WHERE c.n IN (48, 49, 50, 51, 52, 53) ORDER BY c.n;
SELECT count(*) AS roots_same_as_their_observation
FROM traces t JOIN observations o ON o.trace_id = t.id AND o.parent_observation_id IS NULL
WHERE t.input::text IS NOT DISTINCT FROM o.input::text AND t.output::text IS NOT DISTINCT FROM o.output::text
  AND t.meta::text = o.meta::text AND t.name = o.name AND t."timestamp" = o.start_time;

-- jsonb columns: a string holding JSON is parsed into them (one holding
-- an escaped \u0000, which jsonb cannot hold, stays a string).
ALTER TABLE observations ALTER COLUMN input TYPE jsonb USING input::jsonb,
                         ALTER COLUMN output TYPE jsonb USING output::jsonb;
SELECT * FROM swisper.ingest_otlp(
  jsonb_build_object('resourceSpans', jsonb_build_array(jsonb_build_object(
    'scopeSpans', jsonb_build_array(jsonb_build_object('spans', jsonb_build_array(
      pg_temp.span(60, false, jsonb_build_array(
        pg_temp.s('gen_ai.input.messages', '[{"role": "user", "content": "Hi", "n": 1.50}]'),
        pg_temp.s('gen_ai.output.messages', '[{"content": "a \u0000 b"}]')), '{}')))))))::text,
  '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
SELECT input, jsonb_typeof(input) AS input_type, output, jsonb_typeof(output) AS output_type
FROM observations WHERE id = '000000000000003c';
