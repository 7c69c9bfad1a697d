-- Hostile input (issue 6, item 3): a catalog of cases, one row each.
--
-- hostile: one hostile element, sent in a batch between two valid events
-- (or, for the HTTP functions, between two valid calls).  Every case
-- checks: the element's status (and message, a regular expression: it
-- names the field), that the valid events beside it got 201 and their rows
-- exist, optionally a check of what was stored, and that nothing raised.
-- '$ID' in an event is replaced by the case's own id "h-<n>", so that each
-- case creates its own entity.  Cases of phase 2 run after the column
-- types are narrowed (varchar(n) limits).
--
-- whole_call: inputs that are an error for the whole call, each with its
-- SQLSTATE.  Those raised by PostgreSQL before the function runs (the
-- caller's jsonb cast: \u0000, lone surrogates, nesting beyond the stack)
-- are documented here because the caller meets them.
--
-- calls: the other functions' arguments (create_trace, create_observation,
-- update_observation, heartbeat, ingest_batch's project_id, external_id).
BEGIN;
\i test/fixtures/reset.sql

CREATE FUNCTION pg_temp.p() RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c' $$;

-- A regular expression matching s literally.
CREATE FUNCTION pg_temp.re(s text) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT regexp_replace(s, '([.^$*+?()\[\]{}|\\])', '\\\1', 'g') $$;

-- An id of exactly len bytes that does not compress (hex of md5 hashes).
CREATE FUNCTION pg_temp.idstr(len int) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT left(string_agg(md5(i::text), '' ORDER BY i), len) FROM generate_series(0, len / 32) i $$;

-- j with path set to v (intermediate objects created); v NULL removes it.
CREATE FUNCTION pg_temp.set_path(j jsonb, path text[], v jsonb) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF cardinality(path) = 1 THEN
		RETURN CASE WHEN v IS NULL THEN j - path[1] ELSE j || jsonb_build_object(path[1], v) END;
	END IF;
	RETURN j || jsonb_build_object(path[1], pg_temp.set_path(
		CASE WHEN jsonb_typeof(j -> path[1]) = 'object' THEN j -> path[1] ELSE '{}' END, path[2:], v));
END
$$;

-- The valid event of each kind that the cases start from.
CREATE FUNCTION pg_temp.base(kind text) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE kind
	WHEN 'st_trace' THEN jsonb_build_object('event_type', 'trace_start', 'trace_id', '$ID',
		'project_id', pg_temp.p(), 'timestamp', '1762500615', 'data', '{}'::jsonb)
	WHEN 'st_obs' THEN jsonb_build_object('event_type', 'observation_start', 'observation_id', '$ID',
		'trace_id', 'h-tr', 'project_id', pg_temp.p(), 'timestamp', '1762500615', 'data', '{}'::jsonb)
	WHEN 'st_end' THEN jsonb_build_object('event_type', 'observation_end', 'observation_id', '$ID',
		'trace_id', 'h-tr', 'project_id', pg_temp.p(), 'timestamp', '1762500615', 'data', '{}'::jsonb)
	WHEN 'st_err' THEN jsonb_build_object('event_type', 'observation_error', 'observation_id', '$ID',
		'trace_id', 'h-tr', 'project_id', pg_temp.p(), 'timestamp', '1762500615', 'data', '{}'::jsonb)
	WHEN 'st_hb' THEN jsonb_build_object('event_type', 'heartbeat', 'project_id', pg_temp.p(),
		'timestamp', '1762500615', 'data', '{}'::jsonb)
	WHEN 'lf_trace' THEN jsonb_build_object('id', '$ID-e', 'type', 'trace-create', 'timestamp', '2025-11-07T07:30:15Z',
		'body', jsonb_build_object('id', '$ID', 'projectId', pg_temp.p()))
	WHEN 'lf_span' THEN jsonb_build_object('id', '$ID-e', 'type', 'span-create', 'timestamp', '2025-11-07T07:30:15Z',
		'body', jsonb_build_object('id', '$ID', 'traceId', 'h-tr', 'projectId', pg_temp.p()))
	WHEN 'lf_gen' THEN jsonb_build_object('id', '$ID-e', 'type', 'generation-create', 'timestamp', '2025-11-07T07:30:15Z',
		'body', jsonb_build_object('id', '$ID', 'traceId', 'h-tr', 'projectId', pg_temp.p()))
	WHEN 'lf_obs' THEN jsonb_build_object('id', '$ID-e', 'type', 'observation-create', 'timestamp', '2025-11-07T07:30:15Z',
		'body', jsonb_build_object('id', '$ID', 'traceId', 'h-tr', 'projectId', pg_temp.p()))
	WHEN 'http_trace' THEN '{"id": "$ID"}'::jsonb
	WHEN 'http_obs' THEN '{"id": "$ID", "trace_id": "h-tr"}'::jsonb
	WHEN 'http_upd' THEN '{}'::jsonb
	END
$$;

-- The function that takes each kind of event.
CREATE FUNCTION pg_temp.fn(kind text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE kind WHEN 'http_trace' THEN 'create_trace' WHEN 'http_obs' THEN 'create_observation'
		WHEN 'http_upd' THEN 'update_observation' ELSE 'ingest_batch' END
$$;

-- A valid event's status: 200 for heartbeats, else 201 (a new entity).
CREATE FUNCTION pg_temp.ok_status(kind text) RETURNS int LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE kind WHEN 'st_hb' THEN 200 ELSE 201 END $$;

CREATE TEMP TABLE hostile (
	n		serial PRIMARY KEY,
	area	text NOT NULL,
	name	text NOT NULL,
	kind	text NOT NULL,			-- base event kind (see pg_temp.base)
	ev		jsonb NOT NULL,
	status	int NOT NULL,
	msg		text,					-- regular expression the message must match
	stored	text,					-- boolean SQL expression checked afterwards
	phase	int NOT NULL DEFAULT 1
);

-- case(area, name, kind, path, value, status, msg, stored): the base event
-- of kind with path (dot-separated) set to value (SQL NULL: removed).
CREATE FUNCTION pg_temp.add(area text, name text, kind text, path text, v jsonb, status int,
							msg text DEFAULT NULL, stored text DEFAULT NULL, phase int DEFAULT 1)
RETURNS void LANGUAGE sql AS $$
	INSERT INTO hostile (area, name, kind, ev, status, msg, stored, phase)
	VALUES (area, name, kind,
			CASE WHEN path IS NULL THEN v ELSE pg_temp.set_path(pg_temp.base(kind), string_to_array(path, '.'), v) END,
			status, msg, stored, phase)
$$;

------------------------------------------------------------------------
-- 1. The wrong JSON type at every field of every event kind.
--    fields: (kind, path, class); expect: per class and JSON type, the
--    documented outcome ('ok' = the kind's success status).  {p} in a
--    message stands for the field's path.
------------------------------------------------------------------------
CREATE TEMP TABLE jtypes (jtype text, v jsonb);
INSERT INTO jtypes VALUES ('object', '{"a": 1}'), ('array', '[1]'), ('number', '42'),
	('boolean', 'true'), ('null', 'null');

CREATE TEMP TABLE expect (class text, jtype text, outcome text, msg text);
INSERT INTO expect
SELECT c, j, o, m FROM (VALUES
	-- a text column: scalars are stored as their JSON text, containers refused
	('text', 'object', '400', '^{p}: must be a string, not an object$'),
	('text', 'array', '400', '^{p}: must be a string, not an array$'),
	('text', 'number', 'ok', NULL), ('text', 'boolean', 'ok', NULL), ('text', 'null', 'ok', NULL),
	-- json columns take any JSON value (null: field left alone)
	('json', 'object', 'ok', NULL), ('json', 'array', 'ok', NULL), ('json', 'number', 'ok', NULL),
	('json', 'boolean', 'ok', NULL), ('json', 'null', 'ok', NULL),
	-- timestamps: a string or a number (epoch seconds)
	('ts', 'object', '400', '^{p}: not an ISO 8601 timestamp or epoch seconds$'),
	('ts', 'array', '400', '^{p}: not an ISO 8601 timestamp or epoch seconds$'),
	('ts', 'number', 'ok', NULL),
	('ts', 'boolean', '400', '^{p}: not an ISO 8601 timestamp or epoch seconds$'),
	('ts', 'null', 'ok', NULL),
	-- the event's own timestamp is required
	('top_ts', 'object', '400', '^{p}: not an ISO 8601 timestamp or epoch seconds$'),
	('top_ts', 'array', '400', '^{p}: not an ISO 8601 timestamp or epoch seconds$'),
	('top_ts', 'number', 'ok', NULL),
	('top_ts', 'boolean', '400', '^{p}: not an ISO 8601 timestamp or epoch seconds$'),
	('top_ts', 'null', '400', '^{p}: missing$'),
	-- token counts
	('tokens', 'object', '400', '^{p}: must be an integer$'),
	('tokens', 'array', '400', '^{p}: must be an integer$'),
	('tokens', 'number', 'ok', NULL),
	('tokens', 'boolean', '400', '^{p}: must be an integer$'),
	('tokens', 'null', 'ok', NULL),
	-- usage, output._llm_tokens
	('object', 'object', 'ok', NULL),
	('object', 'array', '400', '^{p}: must be an object$'),
	('object', 'number', '400', '^{p}: must be an object$'),
	('object', 'boolean', '400', '^{p}: must be an object$'),
	('object', 'null', 'ok', NULL),
	-- the observation type enum
	('enum', 'object', '400', '^{p}: must be a string, not an object$'),
	('enum', 'array', '400', '^{p}: must be a string, not an array$'),
	('enum', 'number', '400', '^{p}: "42" is not a value of type public\.observationtype \(allowed: AGENT, EVENT, GENERATION, SPAN, TOOL\)$'),
	('enum', 'boolean', '400', '^{p}: "true" is not a value of type public\.observationtype \(allowed: AGENT, EVENT, GENERATION, SPAN, TOOL\)$'),
	('enum', 'null', 'ok', NULL),
	('level', 'object', '400', '^{p}: must be one of DEBUG, DEFAULT, WARNING, ERROR$'),
	('level', 'array', '400', '^{p}: must be one of DEBUG, DEFAULT, WARNING, ERROR$'),
	('level', 'number', '400', '^{p}: must be one of DEBUG, DEFAULT, WARNING, ERROR$'),
	('level', 'boolean', '400', '^{p}: must be one of DEBUG, DEFAULT, WARNING, ERROR$'),
	('level', 'null', 'ok', NULL),
	('tags', 'object', '400', '^{p}: must be an array of strings$'),
	('tags', 'array', '400', '^{p}: must be an array of strings \(element 0 is a number\)$'),
	('tags', 'number', '400', '^{p}: must be an array of strings$'),
	('tags', 'boolean', '400', '^{p}: must be an array of strings$'),
	('tags', 'null', 'ok', NULL),
	-- data of a stream entry: an object (or a string holding one); null = none
	('data', 'object', 'ok', NULL),
	('data', 'array', '400', '^data: must be an object or a string holding a JSON object$'),
	('data', 'number', '400', '^data: must be an object or a string holding a JSON object$'),
	('data', 'boolean', '400', '^data: must be an object or a string holding a JSON object$'),
	('data', 'null', 'ok', NULL),
	-- body of an envelope: required object
	('body', 'object', '400', '^project_id: missing \(the event names no project and no project_id argument was given\)$'),
	('body', 'array', '400', '^body: must be an object$'),
	('body', 'number', '400', '^body: must be an object$'),
	('body', 'boolean', '400', '^body: must be an object$'),
	('body', 'null', '400', '^body: must be an object$'),
	-- the id of the event's own entity: required non-empty string
	('entity_id', 'object', '400', '^{p}: must be a non-empty string$'),
	('entity_id', 'array', '400', '^{p}: must be a non-empty string$'),
	('entity_id', 'number', '400', '^{p}: must be a non-empty string$'),
	('entity_id', 'boolean', '400', '^{p}: must be a non-empty string$'),
	('entity_id', 'null', '400', '^{p}: missing$'),
	-- the trace an observation names: optional, a non-empty string
	('ref_id', 'object', '400', '^{p}: must be a non-empty string$'),
	('ref_id', 'array', '400', '^{p}: must be a non-empty string$'),
	('ref_id', 'number', '400', '^{p}: must be a non-empty string$'),
	('ref_id', 'boolean', '400', '^{p}: must be a non-empty string$'),
	('ref_id', 'null', 'ok', NULL),
	-- the event's project (no project_id argument in these batches)
	('project', 'object', '400', '^{p}: must be a string$'),
	('project', 'array', '400', '^{p}: must be a string$'),
	('project', 'number', '400', '^{p}: must be a string$'),
	('project', 'boolean', '400', '^{p}: must be a string$'),
	('project', 'null', '400', '^project_id: missing \(the event names no project and no project_id argument was given\)$'),
	-- the body's project of an HTTP call (the argument is given: null = the argument)
	('project_arg', 'object', '400', '^{p}: must be a string$'),
	('project_arg', 'array', '400', '^{p}: must be a string$'),
	('project_arg', 'number', '400', '^{p}: must be a string$'),
	('project_arg', 'boolean', '400', '^{p}: must be a string$'),
	('project_arg', 'null', 'ok', NULL),
	('event_type', 'object', '400', '^event_type: must be a string$'),
	('event_type', 'array', '400', '^event_type: must be a string$'),
	('event_type', 'number', '400', '^event_type: must be a string$'),
	('event_type', 'boolean', '400', '^event_type: must be a string$'),
	('event_type', 'null', '400', '^event: has neither event_type \(a stream entry\) nor type \(an envelope\)$'),
	('lf_type', 'object', '400', '^type: must be a string$'),
	('lf_type', 'array', '400', '^type: must be a string$'),
	('lf_type', 'number', '400', '^type: must be a string$'),
	('lf_type', 'boolean', '400', '^type: must be a string$'),
	('lf_type', 'null', '400', '^event: has neither event_type \(a stream entry\) nor type \(an envelope\)$'),
	-- the envelope id: optional string (absent: derived)
	('lf_id', 'object', '400', '^id: must be a string$'),
	('lf_id', 'array', '400', '^id: must be a string$'),
	('lf_id', 'number', '400', '^id: must be a string$'),
	('lf_id', 'boolean', '400', '^id: must be a string$'),
	('lf_id', 'null', 'ok', NULL)
) AS e(c, j, o, m);

CREATE TEMP TABLE fields (kind text, path text, class text);
INSERT INTO fields VALUES
	('st_trace', 'event_type', 'event_type'), ('st_trace', 'trace_id', 'entity_id'),
	('st_trace', 'project_id', 'project'), ('st_trace', 'timestamp', 'top_ts'),
	('st_trace', 'data', 'data'), ('st_trace', 'data.name', 'text'), ('st_trace', 'data.user_id', 'text'),
	('st_trace', 'data.session_id', 'text'), ('st_trace', 'data.input', 'json'),
	('st_trace', 'data.output', 'json'), ('st_trace', 'data.metadata', 'json'), ('st_trace', 'data.meta', 'json'),
	('st_trace', 'data.tags', 'tags'), ('st_trace', 'data.timestamp', 'ts'),
	('st_obs', 'observation_id', 'entity_id'), ('st_obs', 'trace_id', 'ref_id'),
	('st_obs', 'project_id', 'project'), ('st_obs', 'timestamp', 'top_ts'), ('st_obs', 'data', 'data'),
	('st_obs', 'data.parent_observation_id', 'text'), ('st_obs', 'data.type', 'enum'),
	('st_obs', 'data.name', 'text'), ('st_obs', 'data.start_time', 'ts'), ('st_obs', 'data.end_time', 'ts'),
	('st_obs', 'data.completion_start_time', 'ts'), ('st_obs', 'data.input', 'json'),
	('st_obs', 'data.output', 'json'), ('st_obs', 'data.metadata', 'json'), ('st_obs', 'data.model', 'text'),
	('st_obs', 'data.model_parameters', 'json'), ('st_obs', 'data.prompt_tokens', 'tokens'),
	('st_obs', 'data.completion_tokens', 'tokens'), ('st_obs', 'data.total_tokens', 'tokens'),
	('st_obs', 'data.usage', 'object'), ('st_obs', 'data.usage.input', 'tokens'),
	('st_obs', 'data.usage.promptTokens', 'tokens'), ('st_obs', 'data.usage.total', 'tokens'),
	('st_obs', 'data.output._llm_tokens', 'object'), ('st_obs', 'data.output._llm_tokens.prompt', 'tokens'),
	('st_obs', 'data.output._llm_tokens.total', 'tokens'), ('st_obs', 'data.output._llm_model', 'text'),
	('st_obs', 'data.level', 'level'), ('st_obs', 'data.status_message', 'text'),
	('st_end', 'data.output', 'json'), ('st_end', 'data.end_time', 'ts'), ('st_end', 'data.level', 'level'),
	('st_err', 'data.error', 'text'), ('st_err', 'data.status_message', 'text'), ('st_err', 'data.end_time', 'ts'),
	('st_hb', 'project_id', 'project'), ('st_hb', 'timestamp', 'top_ts'), ('st_hb', 'data', 'data'),
	('st_hb', 'data.environment', 'text'), ('st_hb', 'data.version', 'text'),
	('st_hb', 'data.app_version', 'text'), ('st_hb', 'data.sdk_version', 'text'),
	('lf_trace', 'id', 'lf_id'), ('lf_trace', 'type', 'lf_type'), ('lf_trace', 'timestamp', 'top_ts'),
	('lf_trace', 'body', 'body'), ('lf_trace', 'body.id', 'entity_id'), ('lf_trace', 'body.projectId', 'project'),
	('lf_trace', 'body.name', 'text'), ('lf_trace', 'body.userId', 'text'), ('lf_trace', 'body.sessionId', 'text'),
	('lf_trace', 'body.input', 'json'), ('lf_trace', 'body.output', 'json'), ('lf_trace', 'body.metadata', 'json'),
	('lf_trace', 'body.tags', 'tags'), ('lf_trace', 'body.timestamp', 'ts'),
	('lf_span', 'body.id', 'entity_id'), ('lf_span', 'body.traceId', 'ref_id'),
	('lf_span', 'body.parentObservationId', 'text'), ('lf_span', 'body.name', 'text'),
	('lf_span', 'body.startTime', 'ts'), ('lf_span', 'body.endTime', 'ts'),
	('lf_span', 'body.input', 'json'), ('lf_span', 'body.output', 'json'), ('lf_span', 'body.metadata', 'json'),
	('lf_span', 'body.level', 'level'), ('lf_span', 'body.statusMessage', 'text'),
	('lf_gen', 'body.completionStartTime', 'ts'), ('lf_gen', 'body.model', 'text'),
	('lf_gen', 'body.modelParameters', 'json'), ('lf_gen', 'body.usage', 'object'),
	('lf_gen', 'body.usage.promptTokens', 'tokens'), ('lf_gen', 'body.usage.completionTokens', 'tokens'),
	('lf_gen', 'body.usage.output', 'tokens'), ('lf_gen', 'body.promptTokens', 'tokens'),
	('lf_gen', 'body.totalTokens', 'tokens'),
	('lf_obs', 'body.type', 'enum'),
	('http_trace', 'id', 'entity_id'), ('http_trace', 'project_id', 'project_arg'),
	('http_trace', 'timestamp', 'ts'), ('http_trace', 'name', 'text'), ('http_trace', 'user_id', 'text'),
	('http_trace', 'session_id', 'text'), ('http_trace', 'input', 'json'), ('http_trace', 'output', 'json'),
	('http_trace', 'metadata', 'json'), ('http_trace', 'tags', 'tags'),
	('http_obs', 'id', 'entity_id'), ('http_obs', 'trace_id', 'ref_id'), ('http_obs', 'start_time', 'ts'),
	('http_obs', 'end_time', 'ts'), ('http_obs', 'type', 'enum'), ('http_obs', 'name', 'text'),
	('http_obs', 'model', 'text'), ('http_obs', 'usage', 'object'), ('http_obs', 'level', 'level'),
	('http_obs', 'prompt_tokens', 'tokens'),
	('http_upd', 'end_time', 'ts'), ('http_upd', 'level', 'level'), ('http_upd', 'output', 'json'),
	('http_upd', 'status_message', 'text'), ('http_upd', 'projectId', 'project_arg');

SELECT pg_temp.add('wrong type', f.kind || ' ' || f.path || ' = ' || j.jtype, f.kind, f.path, j.v,
				   CASE WHEN e.outcome = 'ok' THEN pg_temp.ok_status(f.kind) ELSE e.outcome::int END,
				   replace(e.msg, '{p}', pg_temp.re(f.path)))
FROM fields f JOIN expect e USING (class) JOIN jtypes j USING (jtype)
ORDER BY f.kind, f.path, j.jtype;

-- Scalars in text fields are stored as their JSON text.
SELECT pg_temp.add('wrong type', 'st_trace data.name = 42 is stored as "42"', 'st_trace', 'data.name', '42', 201,
	NULL, $$(SELECT name FROM traces WHERE id = '$ID') = '42'$$);
SELECT pg_temp.add('wrong type', 'st_trace data.user_id = 42 is the integer external id 42', 'st_trace', 'data.user_id', '42', 201,
	NULL, $$(SELECT swisper.external_id_kind(user_id) || ' ' || user_id::text FROM traces WHERE id = '$ID') = 'integer 42'$$);
SELECT pg_temp.add('wrong type', 'st_obs data.name = false is stored as "false"', 'st_obs', 'data.name', 'false', 201,
	NULL, $$(SELECT name FROM observations WHERE id = '$ID') = 'false'$$);
SELECT pg_temp.add('wrong type', 'st_obs data.type = null takes the default SPAN', 'st_obs', 'data.type', 'null', 201,
	NULL, $$(SELECT type::text FROM observations WHERE id = '$ID') = 'SPAN'$$);
SELECT pg_temp.add('wrong type', 'st_trace data.tags = [null]', 'st_trace', 'data.tags', '[null]', 400,
	'^data\.tags: must be an array of strings \(element 0 is null\)$');
SELECT pg_temp.add('wrong type', 'st_trace data.tags = ["a", {}]', 'st_trace', 'data.tags', '["a", {}]', 400,
	'^data\.tags: must be an array of strings \(element 1 is an object\)$');
SELECT pg_temp.add('wrong type', 'st_trace data.tags = []', 'st_trace', 'data.tags', '[]', 201,
	NULL, $$(SELECT tags::text FROM traces WHERE id = '$ID') = '[]'$$);
SELECT pg_temp.add('wrong type', 'st_hb data.environment = 7 is recorded as "7"', 'st_hb', 'data.environment', '7', 200,
	'^heartbeat recorded$');
SELECT pg_temp.add('wrong type', 'st_trace data = "[1]" (a string holding an array)', 'st_trace', 'data', '"[1]"', 400,
	'^data: must be an object or a string holding a JSON object$');
SELECT pg_temp.add('wrong type', 'st_trace data = "" (an empty string)', 'st_trace', 'data', '""', 400,
	'^data: the string is not valid JSON \(The input string ended unexpectedly\.\)$');
SELECT pg_temp.add('wrong type', 'st_trace data = "{\"name\": 1}" (a string holding an object)', 'st_trace', 'data', '"{\"name\": \"in a string\"}"', 201,
	NULL, $$(SELECT name FROM traces WHERE id = '$ID') = 'in a string'$$);

-- Duplicate keys (jsonb keeps the last), and both spellings of a key (the
-- camelCase one wins).
SELECT pg_temp.add('wrong type', 'duplicate key: the last trace_id counts', 'st_trace', NULL,
	replace('{"event_type": "trace_start", "trace_id": "dup-first", "trace_id": "$ID", "project_id": "%P", "timestamp": "1"}',
			'%P', pg_temp.p())::jsonb, 201, NULL,
	$$NOT EXISTS (SELECT 1 FROM traces WHERE id = 'dup-first') AND EXISTS (SELECT 1 FROM traces WHERE id = '$ID')$$);
SELECT pg_temp.add('wrong type', 'duplicate key: a valid name after an object', 'st_trace', NULL,
	replace('{"event_type": "trace_start", "trace_id": "$ID", "project_id": "%P", "timestamp": "1", "data": {"name": {"a": 1}, "name": "second"}}',
			'%P', pg_temp.p())::jsonb, 201, NULL, $$(SELECT name FROM traces WHERE id = '$ID') = 'second'$$);
SELECT pg_temp.add('wrong type', 'userId and user_id both given: userId counts', 'lf_trace', 'body.user_id', '"snake"', 201, NULL,
	$$(SELECT user_id::text FROM traces WHERE id = '$ID') = 'camel'$$);
UPDATE hostile SET ev = pg_temp.set_path(ev, '{body,userId}', '"camel"') WHERE name = 'userId and user_id both given: userId counts';
SELECT pg_temp.add('wrong type', 'keys in another case are not fields', 'st_trace', 'data.NAME', '{"a": 1}', 201, NULL,
	$$(SELECT name FROM traces WHERE id = '$ID') IS NULL$$);

------------------------------------------------------------------------
-- 2. Envelopes missing every required field in turn (and optional ones).
------------------------------------------------------------------------
SELECT pg_temp.add('missing field', kind || ' without ' || path, kind, path, NULL, status, msg)
FROM (VALUES
	('st_trace', 'event_type', 400, '^event: has neither event_type \(a stream entry\) nor type \(an envelope\)$'),
	('st_trace', 'trace_id', 400, '^trace_id: missing$'),
	('st_trace', 'project_id', 400, '^project_id: missing \(the event names no project and no project_id argument was given\)$'),
	('st_trace', 'timestamp', 400, '^timestamp: missing$'),
	('st_trace', 'data', 201, NULL),
	('st_obs', 'event_type', 400, '^event: has neither event_type \(a stream entry\) nor type \(an envelope\)$'),
	('st_obs', 'observation_id', 400, '^observation_id: missing$'),
	('st_obs', 'trace_id', 201, NULL),
	('st_obs', 'project_id', 400, '^project_id: missing \(the event names no project and no project_id argument was given\)$'),
	('st_obs', 'timestamp', 400, '^timestamp: missing$'),
	('st_obs', 'data', 201, NULL),
	('st_end', 'observation_id', 400, '^observation_id: missing$'),
	('st_err', 'data', 201, NULL),
	('st_hb', 'project_id', 400, '^project_id: missing \(the event names no project and no project_id argument was given\)$'),
	('st_hb', 'timestamp', 400, '^timestamp: missing$'),
	('st_hb', 'data', 200, '^heartbeat recorded$'),
	('lf_trace', 'id', 201, NULL),
	('lf_trace', 'type', 400, '^event: has neither event_type \(a stream entry\) nor type \(an envelope\)$'),
	('lf_trace', 'timestamp', 400, '^timestamp: missing$'),
	('lf_trace', 'body', 400, '^body: must be an object$'),
	('lf_trace', 'body.id', 400, '^body\.id: missing$'),
	('lf_trace', 'body.projectId', 400, '^project_id: missing \(the event names no project and no project_id argument was given\)$'),
	('lf_span', 'body.id', 400, '^body\.id: missing$'),
	('lf_span', 'body.traceId', 201, NULL),
	('lf_span', 'timestamp', 400, '^timestamp: missing$'),
	('lf_gen', 'type', 400, '^event: has neither event_type \(a stream entry\) nor type \(an envelope\)$'),
	('http_trace', 'id', 400, '^id: missing$'),
	('http_obs', 'id', 400, '^id: missing$'),
	('http_obs', 'trace_id', 201, NULL)
) AS m(kind, path, status, msg);
SELECT pg_temp.add('missing field', 'an empty object', 'st_trace', NULL, '{}', 400,
	'^event: has neither event_type \(a stream entry\) nor type \(an envelope\)$');
SELECT pg_temp.add('missing field', 'only event_type', 'st_trace', NULL, '{"event_type": "trace_start"}', 400, '^timestamp: missing$');
SELECT pg_temp.add('missing field', 'only type', 'lf_trace', NULL, '{"type": "trace-create"}', 400, '^timestamp: missing$');
SELECT pg_temp.add('missing field', 'trace id only in data.id', 'st_trace', 'trace_id', NULL, 201, NULL, NULL);
UPDATE hostile SET ev = pg_temp.set_path(ev, '{data,id}', '"$ID"') WHERE name = 'trace id only in data.id';
SELECT pg_temp.add('missing field', 'project only in data.project_id', 'st_trace', 'data.project_id', to_jsonb(pg_temp.p()), 201);
UPDATE hostile SET ev = ev - 'project_id' WHERE name = 'project only in data.project_id';
SELECT pg_temp.add('missing field', 'empty project_id', 'st_trace', 'project_id', '""', 400,
	'^project_id: missing \(the event names no project and no project_id argument was given\)$');

------------------------------------------------------------------------
-- 3. Batch elements that are not events.
------------------------------------------------------------------------
SELECT pg_temp.add('batch shape', 'element ' || v::text, 'st_trace', NULL, v, 400, msg)
FROM (VALUES
	('null'::jsonb, '^event: must be a JSON object, not null$'),
	('42', '^event: must be a JSON object, not number$'),
	('-1e400', '^event: must be a JSON object, not number$'),
	('"trace_start"', '^event: must be a JSON object, not string$'),
	('true', '^event: must be a JSON object, not boolean$'),
	('[]', '^event: must be a JSON object, not array$'),
	('[{"event_type": "trace_start"}]', '^event: must be a JSON object, not array$'),
	('{"batch": [{"event_type": "trace_start"}]}', '^event: has neither event_type \(a stream entry\) nor type \(an envelope\)$'),
	('{"EVENT_TYPE": "trace_start"}', '^event: has neither event_type \(a stream entry\) nor type \(an envelope\)$'),
	('{"event_type": null, "type": null}', '^event: has neither event_type \(a stream entry\) nor type \(an envelope\)$')
) AS b(v, msg);

------------------------------------------------------------------------
-- 4. 10 MB strings in every kind of text field.
------------------------------------------------------------------------
SELECT pg_temp.add('10 MB', kind || ' ' || path, kind, path, to_jsonb(repeat(ch, 10000000 / octet_length(ch))),
				   status, msg, stored)
FROM (VALUES
	('st_trace', 'data.name', 'x', 201, NULL, $$(SELECT octet_length(name) FROM traces WHERE id = '$ID') = 10000000$$),
	('st_trace', 'data.input', 'i', 201, NULL, $$(SELECT octet_length(input::text) FROM traces WHERE id = '$ID') = 10000002$$),
	('st_trace', 'data.metadata', 'm', 201, NULL, NULL),
	('st_trace', 'data.tags', 't', 400, '^data\.tags: must be an array of strings$', NULL),
	('st_trace', 'data.user_id', 'u', 400, '^data\.user_id: longer than 1024 bytes \(an id has at most 1024 bytes\)$', NULL),
	('st_trace', 'data.session_id', 's', 400, '^data\.session_id: longer than 1024 bytes \(an id has at most 1024 bytes\)$', NULL),
	('st_trace', 'trace_id', 'T', 400, '^trace_id: longer than 1024 bytes \(an id has at most 1024 bytes\)$', NULL),
	('st_trace', 'project_id', 'p', 404, '^project_id: unknown project "p{64}\.\.\."$', NULL),
	('st_trace', 'event_type', 'e', 400, '^event_type: unknown event type "e{64}\.\.\." \(expected', NULL),
	('st_trace', 'timestamp', '1', 400, '^timestamp: not an ISO 8601 timestamp or epoch seconds$', NULL),
	('st_trace', 'data.name', 'é', 201, NULL, $$(SELECT length(name) FROM traces WHERE id = '$ID') = 5000000$$),
	('st_obs', 'observation_id', 'O', 400, '^observation_id: longer than 1024 bytes \(an id has at most 1024 bytes\)$', NULL),
	('st_obs', 'trace_id', 'R', 400, '^trace_id: longer than 1024 bytes \(an id has at most 1024 bytes\)$', NULL),
	('st_obs', 'data.parent_observation_id', 'P', 400, '^data\.parent_observation_id: longer than 1024 bytes \(an id has at most 1024 bytes\)$', NULL),
	('st_obs', 'data.output', 'o', 201, NULL, $$(SELECT octet_length(output::text) FROM observations WHERE id = '$ID') = 10000002$$),
	('st_obs', 'data.model', 'M', 201, NULL, $$(SELECT octet_length(model) FROM observations WHERE id = '$ID') = 10000000$$),
	('st_obs', 'data.status_message', 'S', 201, NULL, NULL),
	('st_obs', 'data.level', 'L', 400, '^data\.level: must be one of DEBUG, DEFAULT, WARNING, ERROR$', NULL),
	('st_obs', 'data.type', 'Y', 400, '^data\.type: "Y{64}\.\.\." is not a value of type public\.observationtype', NULL),
	('st_hb', 'data.environment', 'v', 200, '^heartbeat recorded$', NULL),
	('lf_trace', 'id', 'E', 201, NULL, NULL)
) AS t(kind, path, ch, status, msg, stored);
SELECT pg_temp.add('10 MB', 'st_trace data.tags = [10 MB string]', 'st_trace', 'data.tags',
	jsonb_build_array(repeat('g', 10000000)), 201, NULL,
	$$(SELECT octet_length(tags::text) FROM traces WHERE id = '$ID') = 10000004$$);
SELECT pg_temp.add('10 MB', 'st_trace data as a 10 MB string holding JSON', 'st_trace', 'data',
	to_jsonb('{"name": "' || repeat('d', 10000000) || '"}'), 201, NULL,
	$$(SELECT octet_length(name) FROM traces WHERE id = '$ID') = 10000000$$);

------------------------------------------------------------------------
-- 5. Ids of every length around the limits (bytes, multi-byte characters
--    across the boundary): 1024 bytes, user_id too (the external_id itself
--    holds any text, the empty one included; its index does not).
------------------------------------------------------------------------
SELECT pg_temp.add('id length', format('%s %s (%s bytes)', kind, path, octet_length(v)), kind, path, to_jsonb(v),
				   CASE WHEN ok THEN pg_temp.ok_status(kind) ELSE 400 END,
				   CASE WHEN ok THEN NULL
						WHEN v = '' THEN '^' || pg_temp.re(path) || ': must be a non-empty string$'
						ELSE '^' || pg_temp.re(path) || ': longer than 1024 bytes \(an id has at most 1024 bytes\)$' END,
				   CASE WHEN ok AND path = 'data.user_id' THEN
						format($$(SELECT user_id::text FROM traces WHERE id = '$ID') = %L$$, v)
						WHEN ok AND path = 'trace_id' AND kind = 'st_trace' THEN
						format($$EXISTS (SELECT 1 FROM traces WHERE id = %L)$$, v) END)
FROM (VALUES
	('st_trace', 'data.user_id', '', true),
	('st_trace', 'data.user_id', 'a', true),
	('st_trace', 'data.user_id', pg_temp.idstr(256), true),
	('st_trace', 'data.user_id', pg_temp.idstr(300), true),
	('st_trace', 'data.user_id', pg_temp.idstr(1024), true),
	('st_trace', 'data.user_id', pg_temp.idstr(1025), false),
	('st_trace', 'data.user_id', pg_temp.idstr(1022) || 'é', true),
	('st_trace', 'data.user_id', pg_temp.idstr(1023) || 'é', false),
	('st_trace', 'data.user_id', pg_temp.idstr(1020) || '😀', true),
	('st_trace', 'data.user_id', pg_temp.idstr(1021) || '😀', false),
	('st_trace', 'data.user_id', repeat('用', 341), true),
	('st_trace', 'data.user_id', repeat('用', 342), false),
	('st_trace', 'trace_id', '', false),
	('st_trace', 'trace_id', 'x', true),
	('st_trace', 'trace_id', pg_temp.idstr(255), true),
	('st_trace', 'trace_id', pg_temp.idstr(256), true),
	('st_trace', 'trace_id', pg_temp.idstr(1023), true),
	('st_trace', 'trace_id', pg_temp.idstr(1024), true),
	('st_trace', 'trace_id', pg_temp.idstr(1025), false),
	('st_trace', 'trace_id', pg_temp.idstr(1022) || 'é', true),
	('st_trace', 'trace_id', pg_temp.idstr(1023) || 'é', false),
	('st_trace', 'trace_id', pg_temp.idstr(1020) || '😀', true),
	('st_trace', 'trace_id', pg_temp.idstr(1021) || '😀', false),
	('st_trace', 'trace_id', pg_temp.idstr(3000), false),
	('st_trace', 'data.session_id', pg_temp.idstr(1024), true),
	('st_trace', 'data.session_id', pg_temp.idstr(1025), false),
	('st_obs', 'observation_id', '', false),
	('st_obs', 'observation_id', pg_temp.idstr(1024), true),
	('st_obs', 'observation_id', pg_temp.idstr(1025), false),
	('st_obs', 'trace_id', '', false),
	('st_obs', 'trace_id', pg_temp.idstr(1024), true),
	('st_obs', 'trace_id', pg_temp.idstr(1025), false),
	('st_obs', 'data.parent_observation_id', pg_temp.idstr(1024), true),
	('st_obs', 'data.parent_observation_id', pg_temp.idstr(1025), false),
	('lf_trace', 'body.id', '', false),
	('lf_trace', 'body.id', pg_temp.idstr(1025), false),
	('lf_trace', 'body.sessionId', pg_temp.idstr(1025), false),
	('lf_trace', 'body.userId', pg_temp.idstr(1025), false),
	('lf_span', 'body.traceId', pg_temp.idstr(1025), false),
	('lf_span', 'body.parentObservationId', pg_temp.idstr(1025), false),
	('http_trace', 'id', pg_temp.idstr(1025), false),
	('http_trace', 'user_id', pg_temp.idstr(1025), false),
	('http_obs', 'trace_id', pg_temp.idstr(1025), false),
	('http_obs', 'parent_observation_id', pg_temp.idstr(1024), true)
) AS t(kind, path, v, ok);
-- ids that differ only in the spelling of a uuid are one entity (the id
-- columns are varchar, so they are kept as given; user_id is canonical)
SELECT pg_temp.add('id length', 'user_id uuid in braces, upper case, becomes canonical', 'st_trace', 'data.user_id',
	'"{1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC}"', 201, NULL,
	$$(SELECT user_id::text FROM traces WHERE id = '$ID') = '1aac01a8-a985-4cd1-aad6-7e12b25da1bc'$$);
SELECT pg_temp.add('id length', 'user_id with a control character is kept', 'st_trace', 'data.user_id', '"a\u0001b"', 201,
	NULL, $$(SELECT user_id::text FROM traces WHERE id = '$ID') = E'a\x01b'$$);
SELECT pg_temp.add('id length', 'user_id with a leading blank is kept', 'st_trace', 'data.user_id', '" u1"', 201,
	NULL, $$(SELECT user_id::text FROM traces WHERE id = '$ID') = ' u1'$$);
SELECT pg_temp.add('id length', 'trace id with a control character is kept (varchar)', 'st_trace', 'trace_id', '"t\u0001\u001f"', 201,
	NULL, $$EXISTS (SELECT 1 FROM traces WHERE id = E't\x01\x1f')$$);
SELECT pg_temp.add('id length', 'trace id of blanks is kept (varchar)', 'st_trace', 'trace_id', '"   "', 201,
	NULL, $$EXISTS (SELECT 1 FROM traces WHERE id = '   ')$$);

-- varchar(n) columns count characters, not bytes (phase 2: after the
-- columns are narrowed below).
SELECT pg_temp.add('column length', format('%s %s (%s chars, %s bytes)', kind, path, length(v), octet_length(v)), kind, path, to_jsonb(v),
				   CASE WHEN ok THEN 201 ELSE 400 END,
				   CASE WHEN NOT ok THEN '^' || pg_temp.re(path) || ': longer than ' || lim || ' characters$' END,
				   NULL, 2)
FROM (VALUES
	('st_trace', 'data.name', 10, repeat('é', 10), true),
	('st_trace', 'data.name', 10, repeat('é', 11), false),
	('st_trace', 'data.name', 10, repeat('😀', 10), true),
	('st_trace', 'data.name', 10, repeat('a', 11), false),
	('st_trace', 'data.session_id', 36, repeat('ß', 36), true),
	('st_trace', 'data.session_id', 36, repeat('ß', 37), false),
	('st_obs', 'data.model', 12, 'gpt-4o-mini-', true),
	('st_obs', 'data.model', 12, 'gpt-4o-mini-2024', false),
	('st_obs', 'data.status_message', 5, '用户用户用', true),
	('st_obs', 'data.status_message', 5, '用户用户用户', false),
	('lf_trace', 'body.name', 10, repeat('x', 11), false),
	('http_trace', 'name', 10, repeat('x', 11), false)
) AS t(kind, path, lim, v, ok);

------------------------------------------------------------------------
-- 6. \u0000 (PostgreSQL text cannot hold it).  In the batch itself the
--    caller's jsonb cast refuses it (whole_call below); inside data given
--    as a string it is the element's 400.  Also lone surrogates there.
------------------------------------------------------------------------
SELECT pg_temp.add('\u0000', 'data string with \u0000 in a value', 'st_trace', 'data', to_jsonb('{"name": "a\u0000b"}'::text), 400,
	'^data: the string is not valid JSON \(\\u0000 cannot be converted to text\.\)$');
SELECT pg_temp.add('\u0000', 'data string with \u0000 in a key', 'st_trace', 'data', to_jsonb('{"a\u0000": 1}'::text), 400,
	'^data: the string is not valid JSON \(\\u0000 cannot be converted to text\.\)$');
SELECT pg_temp.add('\u0000', 'data string with \u0000 deep inside input', 'st_obs', 'data', to_jsonb('{"input": [[{"x": "\u0000"}]]}'::text), 400,
	'^data: the string is not valid JSON \(\\u0000 cannot be converted to text\.\)$');
SELECT pg_temp.add('\u0000', 'data string with a lone high surrogate', 'st_trace', 'data', to_jsonb('{"name": "\ud800"}'::text), 400,
	'^data: the string is not valid JSON \(Unicode low surrogate must follow a high surrogate\.\)$');
SELECT pg_temp.add('\u0000', 'data string with a lone low surrogate', 'st_trace', 'data', to_jsonb('{"name": "\udc00x"}'::text), 400,
	'^data: the string is not valid JSON \(Unicode low surrogate must follow a high surrogate\.\)$');
SELECT pg_temp.add('\u0000', 'data string with a surrogate pair is fine', 'st_trace', 'data', to_jsonb('{"name": "\ud83d\ude00"}'::text), 201,
	NULL, $$(SELECT name FROM traces WHERE id = '$ID') = '😀'$$);
SELECT pg_temp.add('\u0000', 'the six characters \u0000 (escaped backslash) are text', 'st_trace', 'data.name', '"a\\u0000b"', 201,
	NULL, $$(SELECT name FROM traces WHERE id = '$ID') = 'a\u0000b'$$);
SELECT pg_temp.add('\u0000', 'control characters U+0001..U+001F are text', 'st_trace', 'data.name',
	to_jsonb((SELECT string_agg(chr(c), '') FROM generate_series(1, 31) c)), 201, NULL,
	$$(SELECT name FROM traces WHERE id = '$ID') = (SELECT string_agg(chr(c), '') FROM generate_series(1, 31) c)$$);
SELECT pg_temp.add('\u0000', 'U+FFFF and U+10FFFF in a name', 'st_trace', 'data.name', '"\uffff\udbff\udfff"', 201,
	NULL, $$(SELECT name FROM traces WHERE id = '$ID') = U&'\FFFF\+10FFFF'$$);

------------------------------------------------------------------------
-- 7. Numbers and timestamps out of range.
------------------------------------------------------------------------
-- the event's timestamp (a trace's "timestamp" is derived from it)
SELECT pg_temp.add('timestamp', 'timestamp = ' || v::text, 'st_trace', 'timestamp', v,
				   CASE WHEN t IS NULL THEN 400 ELSE 201 END,
				   CASE WHEN t IS NULL THEN '^timestamp: not an ISO 8601 timestamp or epoch seconds$' END,
				   CASE WHEN t IS NOT NULL THEN format($$(SELECT "timestamp" FROM traces WHERE id = '$ID') = %L::timestamp$$, t) END)
FROM (VALUES
	('"1762500615"'::jsonb, '2025-11-07 07:30:15'),
	('1762500615', '2025-11-07 07:30:15'),
	('1762500615.5', '2025-11-07 07:30:15.5'),
	('"1762500615.123456"', '2025-11-07 07:30:15.123456'),
	('"1762500615.1234565"', '2025-11-07 07:30:15.123457'),
	('"0"', '1970-01-01 00:00:00'),
	('"-0"', '1970-01-01 00:00:00'),
	('"-1"', '1969-12-31 23:59:59'),
	('"1."', '1970-01-01 00:00:01'),
	('"1 "', '1970-01-01 00:00:01'),
	('".5"', NULL),
	('"999999999999"', '33658-09-27 01:46:39'),
	('"9999999999999"', NULL),
	('"-210866803200"', '4714-11-24 00:00:00 BC'),
	('"-210866803201"', NULL),
	('"-999999999999"', NULL),
	('"1e400"', NULL),
	('1e400', NULL),
	('-1e400', NULL),
	('1e-400', '1970-01-01 00:00:00'),
	('1.5e3', '1970-01-01 00:25:00'),
	('"1.5e3"', NULL),
	('"NaN"', NULL),
	('"nan"', NULL),
	('"Infinity"', NULL),
	('"-Infinity"', NULL),
	('"infinity"', NULL),
	('9223372036854775807', NULL),
	('9223372036854775808', NULL),
	('-9223372036854775809', NULL),
	('18446744073709551616', NULL),
	('""', NULL),
	('" "', NULL),
	('" 1"', NULL),
	('"+1"', NULL),
	('"0x10"', NULL),
	('"1,5"', NULL),
	('"١٢٣"', NULL),
	('"2025-11-07T07:30:15Z"', '2025-11-07 07:30:15'),
	('"2025-11-07T07:30:15z"', '2025-11-07 07:30:15'),
	('"2025-11-07t07:30:15"', '2025-11-07 07:30:15'),
	('"2025-11-07T07:30:15+02:00"', '2025-11-07 05:30:15'),
	('"2025-11-07T07:30:15+0200"', '2025-11-07 05:30:15'),
	('"2025-11-07T07:30:15-15:59"', '2025-11-07 23:29:15'),
	('"2025-11-07T07:30:15+16:00"', NULL),
	('"2025-11-07T07:30:15+02:60"', NULL),
	('"2025-11-07T07:30:15.1234567Z"', '2025-11-07 07:30:15.123457'),
	('"2025-11-07T07:30:15,5Z"', '2025-11-07 07:30:15.5'),
	('"2025-11-07T07:30:15.Z"', NULL),
	('"2025-11-07"', '2025-11-07 00:00:00'),
	('"2025-11-07 07:30"', '2025-11-07 07:30:00'),
	('"0000-01-01T00:00:00Z"', NULL),
	('"0001-01-01T00:00:00Z"', '0001-01-01 00:00:00'),
	('"9999-12-31T23:59:59.999999Z"', '9999-12-31 23:59:59.999999'),
	('"10000-01-01T00:00:00Z"', NULL),
	('"-0001-01-01T00:00:00Z"', NULL),
	('"2025-02-29T00:00:00Z"', NULL),
	('"2024-02-29T00:00:00Z"', '2024-02-29 00:00:00'),
	('"2025-13-01"', NULL),
	('"2025-00-10"', NULL),
	('"2025-11-31"', NULL),
	('"2025-11-07T24:00:00Z"', NULL),
	('"2025-11-07T23:60:00Z"', NULL),
	('"2025-11-07T23:59:60Z"', NULL),
	('"2025-11-07T7:30:15Z"', NULL),
	('"2025-11-07T07:30:15Zjunk"', NULL),
	('"2025-11-07junk"', NULL),
	('"2025/11/07"', NULL),
	('"20251107T073015Z"', NULL),
	('"２０２５-11-07"', NULL),
	('"yesterday"', NULL),
	('"now"', NULL),
	('"today"', NULL),
	('"epoch"', NULL),
	('"1; DROP TABLE traces"', NULL)
) AS t(v, t);
-- timestamps inside the body
SELECT pg_temp.add('timestamp', kind || ' ' || path || ' = ' || v::text, kind, path, v,
				   CASE WHEN ok THEN 201 ELSE 400 END,
				   CASE WHEN NOT ok THEN '^' || pg_temp.re(path) || ': not an ISO 8601 timestamp or epoch seconds$' END)
FROM (VALUES
	('st_obs', 'data.start_time', '"0001-01-01T00:00:00Z"'::jsonb, true),
	('st_obs', 'data.start_time', '"10000-01-01"', false),
	('st_obs', 'data.end_time', '"-1e400"', false),
	('st_obs', 'data.end_time', '-1', true),
	('st_obs', 'data.completion_start_time', '"NaN"', false),
	('st_trace', 'data.timestamp', '"0000-12-31"', false),
	('lf_span', 'body.startTime', '"2025-02-30T00:00:00Z"', false),
	('lf_span', 'body.endTime', '1e400', false),
	('lf_trace', 'timestamp', '"Infinity"', false),
	('lf_trace', 'timestamp', '"1762500615"', true),
	('http_trace', 'timestamp', '"garbage"', false),
	('http_obs', 'start_time', '"9999-12-31T23:59:59-15:00"', true),
	('http_upd', 'end_time', '"0000-00-00T00:00:00Z"', false)
) AS t(kind, path, v, ok);

-- token counts (integer columns; a count is never negative)
SELECT pg_temp.add('tokens', path || ' = ' || v::text, 'st_obs', path, v,
				   CASE WHEN stored IS NULL THEN 400 ELSE 201 END,
				   CASE WHEN stored IS NULL AND txt IN ('-5', '-2147483648') THEN '^' || pg_temp.re(path) || ': -?[0-9]+ is negative; a token count must be 0 or more$'
						WHEN stored IS NULL THEN '^' || pg_temp.re(path) || ': "' || pg_temp.re(CASE WHEN length(txt) > 64 THEN left(txt, 64) || '...' ELSE txt END) || '" is not an integer in the range of integer$' END,
				   CASE WHEN stored IS NOT NULL THEN format($$(SELECT %I FROM observations WHERE id = '$ID') = %s$$, col, stored) END)
FROM (VALUES
	('data.output._llm_tokens.total', 'total_tokens', '1.5'::jsonb, '1.5', NULL),
	('data.output._llm_tokens.total', 'total_tokens', '1.0', '1.0', '1'),
	('data.output._llm_tokens.total', 'total_tokens', '1.50', '1.50', NULL),
	('data.output._llm_tokens.total', 'total_tokens', '-5', '-5', NULL),
	('data.output._llm_tokens.total', 'total_tokens', '0', '0', '0'),
	('data.output._llm_tokens.total', 'total_tokens', '-0', '0', '0'),
	('data.output._llm_tokens.total', 'total_tokens', '2147483647', '2147483647', '2147483647'),
	('data.output._llm_tokens.total', 'total_tokens', '2147483648', '2147483648', NULL),
	('data.output._llm_tokens.total', 'total_tokens', '-2147483648', '-2147483648', NULL),
	('data.output._llm_tokens.total', 'total_tokens', '-2147483649', '-2147483649', NULL),
	('data.output._llm_tokens.total', 'total_tokens', '9223372036854775808', '9223372036854775808', NULL),
	('data.output._llm_tokens.total', 'total_tokens', '1e3', '1000', '1000'),
	('data.output._llm_tokens.total', 'total_tokens', '1e400', '1' || repeat('0', 400), NULL),
	('data.output._llm_tokens.total', 'total_tokens', '"1e3"', '1e3', NULL),
	('data.output._llm_tokens.total', 'total_tokens', '"NaN"', 'NaN', NULL),
	('data.output._llm_tokens.total', 'total_tokens', '""', '', NULL),
	('data.output._llm_tokens.total', 'total_tokens', '" 7"', ' 7', '7'),
	('data.output._llm_tokens.total', 'total_tokens', '"7 "', '7 ', NULL),
	('data.output._llm_tokens.total', 'total_tokens', '"+7"', '+7', '7'),
	('data.output._llm_tokens.total', 'total_tokens', '"0x1A"', '0x1A', NULL),
	('data.output._llm_tokens.total', 'total_tokens', '"١٢"', '١٢', NULL),
	('data.usage.input', 'prompt_tokens', '3.000', '3.000', '3'),
	('data.usage.output', 'completion_tokens', '-1e400', '-1' || repeat('0', 400), NULL),
	('data.prompt_tokens', 'prompt_tokens', '"12"', '12', '12'),
	('data.completion_tokens', 'completion_tokens', '4294967296', '4294967296', NULL)
) AS t(path, col, v, txt, stored);

------------------------------------------------------------------------
-- 8. SQL-looking and shell-looking strings: stored byte for byte where the
--    field takes text; quoted as they are in the messages where not.
------------------------------------------------------------------------
CREATE TEMP TABLE strs (sname text, s text);
INSERT INTO strs VALUES
	('sql-drop', $s$'; DROP TABLE traces; --$s$),
	('sql-bobby', $s$Robert'); DROP TABLE observations;--$s$),
	('sql-dollar', $s$$$; DROP TABLE traces; $$$s$),
	('sql-or', $s$" OR "1"="1$s$),
	('sql-like', '%_%'),
	('sql-null', 'NULL'),
	('printf', '%s%s%n%x%d %1$s'),
	('format', '%I %L'),
	('backslashes', E'\\\\ \\'' \\x00 \\u0000 \\'),
	('shell-subst', '$(rm -rf /)'),
	('shell-backticks', '`reboot`'),
	('shell-chain', 'x; rm -rf / # && curl http://x | sh'),
	('psql-meta', E'\\! rm -rf /'),
	('path', '../../../etc/passwd'),
	('html', '<script>alert(1)</script>'),
	('nosql', '{"$ne": null}');

SELECT pg_temp.add('injection', kind || ' ' || path || ' = ' || sname, kind, path,
				   CASE WHEN path = 'data.tags' THEN jsonb_build_array(s)
						WHEN path = 'data.metadata' THEN jsonb_build_object(s, s) ELSE to_jsonb(s) END,
				   201, NULL, format(check_sql, s))
FROM strs, (VALUES
	('st_trace', 'trace_id', $$EXISTS (SELECT 1 FROM traces WHERE id = %L)$$),
	('st_trace', 'data.name', $$(SELECT name FROM traces WHERE id = '$ID') = %L$$),
	('st_trace', 'data.user_id', $$(SELECT user_id::text FROM traces WHERE id = '$ID') = %L$$),
	('st_trace', 'data.session_id', $$(SELECT session_id FROM traces WHERE id = '$ID') = %L$$),
	('st_trace', 'data.tags', $$(SELECT tags::jsonb ->> 0 FROM traces WHERE id = '$ID') = %L$$),
	('st_trace', 'data.metadata', $$(SELECT meta::jsonb ->> %1$L FROM traces WHERE id = '$ID') = %1$L$$),
	('st_obs', 'observation_id', $$EXISTS (SELECT 1 FROM observations WHERE id = %L)$$),
	('st_obs', 'data.model', $$(SELECT model FROM observations WHERE id = '$ID') = %L$$)
) AS f(kind, path, check_sql);

SELECT pg_temp.add('injection', kind || ' ' || path || ' = ' || sname, kind, path, to_jsonb(s), status,
				   replace(msg, '{s}', pg_temp.re(s)))
FROM strs, (VALUES
	('st_trace', 'event_type', 400, '^event_type: unknown event type "{s}" \(expected trace_start, observation_start, observation_end, observation_error or heartbeat\)$'),
	('st_trace', 'project_id', 404, '^project_id: unknown project "{s}"$'),
	('st_obs', 'data.type', 400, '^data\.type: "{s}" is not a value of type public\.observationtype \(allowed: AGENT, EVENT, GENERATION, SPAN, TOOL\)$'),
	('st_obs', 'data.level', 400, '^data\.level: must be one of DEBUG, DEFAULT, WARNING, ERROR$'),
	('lf_trace', 'type', 400, '^type: unknown event type "{s}"$')
) AS f(kind, path, status, msg);

-- an envelope id is the event id as given
SELECT pg_temp.add('injection', 'lf_trace id = ' || sname, 'lf_trace', 'id', to_jsonb(s), 201)
FROM strs WHERE sname IN ('sql-drop', 'shell-subst', 'printf');

------------------------------------------------------------------------
-- 9. Values the enum and the level list lack; unknown event types.
------------------------------------------------------------------------
SELECT pg_temp.add('enum', kind || ' ' || path || ' = ' || v::text, kind, path, v,
				   CASE WHEN ok THEN 201 ELSE 400 END,
				   CASE WHEN ok THEN NULL WHEN path LIKE '%level' THEN '^' || pg_temp.re(path) || ': must be one of DEBUG, DEFAULT, WARNING, ERROR$'
						ELSE '^' || pg_temp.re(path) || ': "' || pg_temp.re(v #>> '{}') || '" is not a value of type public\.observationtype \(allowed: AGENT, EVENT, GENERATION, SPAN, TOOL\)$' END,
				   CASE WHEN ok THEN format($$(SELECT %s::text FROM observations WHERE id = '$ID') = %L$$,
											CASE WHEN path LIKE '%level' THEN 'level' ELSE 'type' END, v #>> '{}') END)
FROM (VALUES
	('st_obs', 'data.type', '"RETRIEVER"'::jsonb, false),
	('st_obs', 'data.type', '"span"', false),
	('st_obs', 'data.type', '"Span"', false),
	('st_obs', 'data.type', '"SPAN "', false),
	('st_obs', 'data.type', '" SPAN"', false),
	('st_obs', 'data.type', '""', false),
	('st_obs', 'data.type', '"SPAN\u0001"', false),
	('st_obs', 'data.type', '"ＳＰＡＮ"', false),
	('st_obs', 'data.type', '"AGENT"', true),
	('st_obs', 'data.type', '"TOOL"', true),
	('st_obs', 'data.type', '"EVENT"', true),
	('st_obs', 'data.type', '"GENERATION"', true),
	('lf_obs', 'body.type', '"CHAIN"', false),
	('lf_obs', 'body.type', '"generation"', false),
	('lf_obs', 'body.type', '"GENERATION"', true),
	('st_obs', 'data.level', '"FATAL"', false),
	('st_obs', 'data.level', '"debug"', false),
	('st_obs', 'data.level', '""', false),
	('st_obs', 'data.level', '"ERROR "', false),
	('st_obs', 'data.level', '"WARN"', false),
	('st_obs', 'data.level', '"WARNING"', true),
	('st_obs', 'data.level', '"DEBUG"', true),
	('lf_span', 'body.level', '"CRITICAL"', false)
) AS t(kind, path, v, ok);

SELECT pg_temp.add('event type', kind || ' ' || path || ' = ' || v::text, kind, path, v, status, msg)
FROM (VALUES
	('st_trace', 'event_type', '"trace_end"'::jsonb, 400, '^event_type: unknown event type "trace_end" \(expected'),
	('st_trace', 'event_type', '"TRACE_START"', 400, '^event_type: unknown event type "TRACE_START" \(expected'),
	('st_trace', 'event_type', '"trace_start "', 400, '^event_type: unknown event type "trace_start " \(expected'),
	('st_trace', 'event_type', '""', 400, '^event_type: unknown event type "" \(expected'),
	('st_trace', 'event_type', '"observation-start"', 400, '^event_type: unknown event type "observation-start" \(expected'),
	('st_trace', 'event_type', '"trace-create"', 400, '^event_type: unknown event type "trace-create" \(expected'),
	('st_trace', 'event_type', '"heartbeat\u0001"', 400, '^event_type: unknown event type "heartbeat.*" \(expected'),
	('lf_trace', 'type', '"trace-update"', 400, '^type: unknown event type "trace-update"$'),
	('lf_trace', 'type', '"trace-delete"', 400, '^type: unknown event type "trace-delete"$'),
	('lf_trace', 'type', '"span-delete"', 400, '^type: unknown event type "span-delete"$'),
	('lf_trace', 'type', '"SPAN-CREATE"', 400, '^type: unknown event type "SPAN-CREATE"$'),
	('lf_trace', 'type', '""', 400, '^type: unknown event type ""$'),
	('lf_trace', 'type', '"trace_start"', 400, '^type: unknown event type "trace_start"$'),
	('lf_trace', 'type', '"score-create"', 501, '^type: score-create events are not stored by this version$'),
	('lf_trace', 'type', '"dataset-item-create"', 501, '^type: dataset-item-create events are not stored by this version$'),
	('lf_trace', 'type', '"dataset-run-item-create"', 501, '^type: dataset-run-item-create events are not stored by this version$'),
	('lf_trace', 'type', '"sdk-log"', 202, '^accepted and ignored: sdk-log events are not stored$')
) AS t(kind, path, v, status, msg);

------------------------------------------------------------------------
-- 10. Deep nesting.  Inside data/body (objects) whatever the caller's
--     jsonb cast accepts is stored; data as a string may nest at most
--     10000 levels (deeper: the element's 400, never the stack).
------------------------------------------------------------------------
CREATE FUNCTION pg_temp.nest(depth int, inner_ text DEFAULT '1') RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT repeat('[', depth) || inner_ || repeat(']', depth) $$;
SELECT pg_temp.add('nesting', 'st_trace data.input nested 5000 arrays', 'st_trace', 'data.input', pg_temp.nest(5000)::jsonb, 201,
	NULL, $$(SELECT octet_length(input::text) FROM traces WHERE id = '$ID') = 10001$$);
SELECT pg_temp.add('nesting', 'st_trace data.metadata nested 5000 objects', 'st_trace', 'data.metadata',
	(repeat('{"a": ', 5000) || '1' || repeat('}', 5000))::jsonb, 201);
SELECT pg_temp.add('nesting', 'st_obs data.output nested 5000 (with _llm_tokens beside)', 'st_obs', 'data.output',
	('{"_llm_tokens": {"total": 3}, "deep": ' || pg_temp.nest(5000) || '}')::jsonb, 201,
	NULL, $$(SELECT total_tokens FROM observations WHERE id = '$ID') = 3$$);
SELECT pg_temp.add('nesting', 'lf_span body.input nested 5000', 'lf_span', 'body.input', pg_temp.nest(5000)::jsonb, 201);
SELECT pg_temp.add('nesting', 'http_trace input nested 5000', 'http_trace', 'input', pg_temp.nest(5000)::jsonb, 201);
SELECT pg_temp.add('nesting', 'st_trace data.name nested (not a string)', 'st_trace', 'data.name', pg_temp.nest(1000)::jsonb, 400,
	'^data\.name: must be a string, not an array$');
SELECT pg_temp.add('nesting', 'element nested 1000 arrays', 'st_trace', NULL, pg_temp.nest(1000)::jsonb, 400,
	'^event: must be a JSON object, not array$');
SELECT pg_temp.add('nesting', 'data string nesting 10000 levels', 'st_trace', 'data',
	to_jsonb('{"input": ' || pg_temp.nest(9999) || '}'), 201,
	NULL, $$(SELECT octet_length(input::text) FROM traces WHERE id = '$ID') = 19999$$);
SELECT pg_temp.add('nesting', 'data string nesting 10001 levels', 'st_trace', 'data',
	to_jsonb('{"input": ' || pg_temp.nest(10000) || '}'), 400,
	'^data: the string nests JSON deeper than 10000 levels$');
SELECT pg_temp.add('nesting', 'data string nesting 100000 levels', 'st_trace', 'data',
	to_jsonb('{"input": ' || pg_temp.nest(100000) || '}'), 400,
	'^data: the string nests JSON deeper than 10000 levels$');
SELECT pg_temp.add('nesting', 'data string of 1000000 opening brackets', 'st_trace', 'data',
	to_jsonb('{"input": ' || repeat('[', 1000000)), 400,
	'^data: the string nests JSON deeper than 10000 levels$');
SELECT pg_temp.add('nesting', 'data string with 100000 brackets inside a string value', 'st_trace', 'data',
	to_jsonb('{"name": "\"' || repeat('[', 100000) || '"}'), 201,
	NULL, $$(SELECT octet_length(name) FROM traces WHERE id = '$ID') = 100001$$);
SELECT pg_temp.add('nesting', 'data string of 100000 unbalanced closing brackets', 'st_trace', 'data',
	to_jsonb('{"input": 1}' || repeat(']', 100000)), 400,
	'^data: the string is not valid JSON \(Expected end of input, but found "\]"\.\)$');

------------------------------------------------------------------------
-- 11. Multi-byte UTF-8 everywhere.
------------------------------------------------------------------------
SELECT pg_temp.add('utf-8', kind || ' ' || path || ' = ' || label, kind, path, to_jsonb(v), 201, NULL,
				   format(check_sql, v))
FROM (VALUES ('Latin-1 letters', 'Zoë Ångström'), ('CJK', '用户-42'), ('emoji ZWJ sequences', '👩‍💻 + 👨‍👩‍👧‍👦'),
			 ('right-to-left override', U&'\202Eevil\202C'), ('leading BOM', U&'\FEFFbom'),
			 ('no-break spaces at both ends', U&'\00A0nbsp\00A0'), ('stacked combining marks', U&'e\0301\0301\0301'),
			 ('a ligature of 3 bytes that is 1 character', 'ﷺ'), ('line and paragraph separators', U&'\2028\2029'))
	 AS s(label, v),
	 (VALUES ('st_trace', 'trace_id', $$EXISTS (SELECT 1 FROM traces WHERE id = %L)$$),
			 ('st_trace', 'data.user_id', $$(SELECT user_id::text FROM traces WHERE id = '$ID') = %L$$),
			 ('st_trace', 'data.name', $$(SELECT name FROM traces WHERE id = '$ID') = %L$$)) AS f(kind, path, check_sql);

------------------------------------------------------------------------
-- The runner.
------------------------------------------------------------------------
CREATE FUNCTION pg_temp.run(c hostile) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
	id text := 'h-' || c.n;
	ev jsonb;
	before jsonb := jsonb_build_object('event_type', 'trace_start', 'trace_id', 'ok-b-' || c.n,
									   'project_id', pg_temp.p(), 'timestamp', '1762500615');
	after jsonb := jsonb_build_object('event_type', 'trace_start', 'trace_id', 'ok-a-' || c.n,
									  'project_id', pg_temp.p(), 'timestamp', '1762500615');
	st int[];
	msg text[];
	s1 int;
	s3 int;
	b boolean;
	problem text;
BEGIN
	IF strpos(c.ev::text, '$ID') > 0 THEN
		ev := replace(c.ev::text, '$ID', id)::jsonb;
	ELSE
		ev := c.ev;
	END IF;
	BEGIN
		IF pg_temp.fn(c.kind) = 'ingest_batch' THEN
			SELECT array_agg(r.status ORDER BY r.idx), array_agg(r.message ORDER BY r.idx) INTO st, msg
			  FROM swisper.ingest_batch(jsonb_build_array(before, ev, after)) r;
		ELSE
			SELECT r.status INTO s1 FROM swisper.create_trace(jsonb_build_object('id', 'ok-b-' || c.n), pg_temp.p()) r;
			EXECUTE format('SELECT array_agg(r.status), array_agg(r.message) FROM %s r',
						   CASE pg_temp.fn(c.kind) WHEN 'update_observation' THEN 'swisper.update_observation($3, $1, $2)'
						   ELSE 'swisper.' || pg_temp.fn(c.kind) || '($1, $2)' END)
			   INTO st, msg USING ev, pg_temp.p(), id;
			SELECT r.status INTO s3 FROM swisper.create_trace(jsonb_build_object('id', 'ok-a-' || c.n), pg_temp.p()) r;
			st := s1 || st || s3;
			msg := NULL::text || msg || NULL::text;
		END IF;
		IF st IS DISTINCT FROM ARRAY[201, c.status, 201] THEN
			problem := format('statuses %s, expected {201,%s,201}; message: %s', st, c.status, left(msg[2], 300));
		ELSIF c.msg IS NOT NULL AND NOT coalesce(msg[2] ~ c.msg, false) THEN
			problem := format('message %s does not match %s', left(msg[2], 300), left(c.msg, 300));
		ELSIF (SELECT count(*) FROM traces WHERE traces.id IN ('ok-b-' || c.n, 'ok-a-' || c.n)) <> 2 THEN
			problem := 'the valid events beside it were not stored';
		ELSIF c.stored IS NOT NULL THEN
			EXECUTE 'SELECT (' || replace(c.stored, '$ID', id) || ')::boolean' INTO b;
			IF b IS NOT TRUE THEN
				problem := 'stored value check failed: ' || left(c.stored, 300);
			END IF;
		END IF;
	EXCEPTION WHEN OTHERS THEN
		problem := format('raised %s: %s', SQLSTATE, left(SQLERRM, 300));
	END;
	RETURN NEXT ok(problem IS NULL, format('%s: %s -> %s', c.area, left(c.name, 120), c.status));
	IF problem IS NOT NULL THEN
		RETURN NEXT diag(problem);
	END IF;
END
$$;

------------------------------------------------------------------------
-- Whole-call errors (each documented), and the other functions' arguments.
------------------------------------------------------------------------
CREATE TEMP TABLE whole_call (n serial, area text, name text, sql text, sqlstate text, msg text);
INSERT INTO whole_call (area, name, sql, sqlstate, msg)
SELECT 'batch shape', 'ingest_batch(' || a || ')', format('SELECT * FROM swisper.ingest_batch(%L)', a), '22023',
	   'events must be a JSON array or an object with a "batch" array'
FROM unnest(ARRAY['{"events": []}', '"x"', '5', 'null', 'true', '{}', '{"batch": 5}', '{"batch": null}',
				  '{"batch": {}}', '{"batch": "[]"}', '{"Batch": []}']) a;
INSERT INTO whole_call (area, name, sql, sqlstate, msg) VALUES
	('\u0000', '\u0000 in a trace_id (the caller''s jsonb cast)',
	 $q$SELECT * FROM swisper.ingest_batch('[{"event_type": "trace_start", "trace_id": "a\u0000b", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c", "timestamp": "1"}]')$q$,
	 '22P05', 'unsupported Unicode escape sequence'),
	('\u0000', '\u0000 in data.name',
	 $q$SELECT * FROM swisper.ingest_batch('[{"event_type": "trace_start", "trace_id": "t", "timestamp": "1", "data": {"name": "\u0000"}}]')$q$,
	 '22P05', 'unsupported Unicode escape sequence'),
	('\u0000', '\u0000 deep inside data.input',
	 $q$SELECT * FROM swisper.ingest_batch('[{"event_type": "trace_start", "trace_id": "t", "timestamp": "1", "data": {"input": [[{"x": "\u0000"}]]}}]')$q$,
	 '22P05', 'unsupported Unicode escape sequence'),
	('\u0000', '\u0000 in a key',
	 $q$SELECT * FROM swisper.ingest_batch('[{"event_type\u0000": "trace_start"}]')$q$,
	 '22P05', 'unsupported Unicode escape sequence'),
	('\u0000', '\u0000 in an envelope body.userId',
	 $q$SELECT * FROM swisper.ingest_batch('{"batch": [{"type": "trace-create", "body": {"userId": "\u0000"}}]}')$q$,
	 '22P05', 'unsupported Unicode escape sequence'),
	('\u0000', '\u0000 in an HTTP body',
	 $q$SELECT * FROM swisper.create_trace('{"id": "t", "name": "\u0000"}', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$q$,
	 '22P05', 'unsupported Unicode escape sequence'),
	('\u0000', 'a lone surrogate in the batch',
	 $q$SELECT * FROM swisper.ingest_batch('[{"event_type": "trace_start", "trace_id": "\ud800"}]')$q$,
	 '22P02', 'invalid input syntax for type json'),
	('\u0000', 'chr(0) for a text argument',
	 $q$SELECT swisper.heartbeat(chr(0))$q$, '54000', 'null character not permitted'),
	('nesting', 'a batch nested 100000 arrays deep (the caller''s jsonb cast)',
	 $q$SELECT * FROM swisper.ingest_batch((repeat('[', 100000) || repeat(']', 100000))::jsonb)$q$,
	 '54001', 'stack depth limit exceeded'),
	('nesting', 'data.input nested 20000 arrays deep (the caller''s jsonb cast)',
	 $q$SELECT * FROM swisper.ingest_batch(('[{"event_type": "trace_start", "trace_id": "t", "timestamp": "1", "data": {"input": ' || repeat('[', 20000) || repeat(']', 20000) || '}}]')::jsonb)$q$,
	 '54001', 'stack depth limit exceeded'),
	('batch shape', 'a batch of 2,500,000 elements (over the limit of the per-element state)',
	 $q$SELECT * FROM swisper.ingest_batch((SELECT jsonb_agg(NULL::jsonb) FROM generate_series(1, 2500000)))$q$,
	 '54000', 'batch of 2500000 elements is too large'),
	('heartbeat', 'heartbeat(NULL)', $q$SELECT swisper.heartbeat(NULL)$q$, '22004', 'project_id must not be null'),
	('heartbeat', 'heartbeat('''')', $q$SELECT swisper.heartbeat('')$q$, 'P0002', 'project "" does not exist'),
	('heartbeat', 'heartbeat(10 MB id)', $q$SELECT swisper.heartbeat(repeat('p', 10000000))$q$, 'P0002', NULL),
	('heartbeat', 'heartbeat(SQL-looking id)', $q$SELECT swisper.heartbeat($s$'; DROP TABLE projects; --$s$)$q$,
	 'P0002', $s$project "'; DROP TABLE projects; --" does not exist$s$),
	('heartbeat', 'heartbeat(shell-looking id)', $q$SELECT swisper.heartbeat('$(rm -rf /)')$q$,
	 'P0002', 'project "$(rm -rf /)" does not exist'),
	('heartbeat', 'heartbeat(id with a leading blank)', $q$SELECT swisper.heartbeat(' 7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$q$,
	 'P0002', NULL),
	('heartbeat', 'heartbeat(id in upper case)', $q$SELECT swisper.heartbeat('7F3E2C1A-9B8D-4E6F-A5C4-3B2A1F0E9D8C')$q$,
	 'P0002', NULL),
	('external_id', '10 MB strict_external_id', $q$SELECT repeat('x', 10000000)::swisper.strict_external_id$q$,
	 '23514', 'value for domain swisper.strict_external_id violates check constraint "strict_external_id_check"'),
	('external_id', '252 bytes + a 4-byte emoji as strict_external_id', $q$SELECT (repeat('x', 252) || '😀')::swisper.strict_external_id$q$, '23514', NULL),
	('external_id', 'the empty strict_external_id', $q$SELECT ''::swisper.strict_external_id$q$, '23514', NULL),
	('external_id', 'control character in a 10 MB strict_external_id', $q$SELECT (repeat('x', 10000000) || chr(1))::swisper.strict_external_id$q$, '23514', NULL);

-- Function calls that answer: (name, sql giving rows (status, message) or
-- one row (200, 'ok') for heartbeat, expected statuses, message pattern).
CREATE TEMP TABLE calls (n serial, area text, name text, sql text, statuses int[], msg text, stored text);
INSERT INTO calls (area, name, sql, statuses, msg, stored) VALUES
	('create_trace', 'body []', $q$SELECT status, message FROM swisper.create_trace('[]', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$q$, '{400}', '^body: must be a JSON object$', NULL),
	('create_trace', 'body "x"', $q$SELECT status, message FROM swisper.create_trace('"x"', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$q$, '{400}', '^body: must be a JSON object$', NULL),
	('create_trace', 'body 5', $q$SELECT status, message FROM swisper.create_trace('5', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$q$, '{400}', '^body: must be a JSON object$', NULL),
	('create_trace', 'body JSON null', $q$SELECT status, message FROM swisper.create_trace('null', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$q$, '{400}', '^body: must be a JSON object$', NULL),
	('create_trace', 'body SQL NULL: no row', $q$SELECT status, message FROM swisper.create_trace(NULL, '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$q$, NULL, NULL, NULL),
	('create_trace', 'body {} without a project', $q$SELECT status, message FROM swisper.create_trace('{}')$q$, '{400}', '^project_id: missing', NULL),
	('create_trace', 'body {}', $q$SELECT status, message FROM swisper.create_trace('{}', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$q$, '{400}', '^id: missing$', NULL),
	('create_trace', 'project argument ''''', $q$SELECT status, message FROM swisper.create_trace('{"id": "c-1"}', '')$q$, '{400}', '^project_id: missing', NULL),
	('create_trace', 'project argument 10 MB', $q$SELECT status, message FROM swisper.create_trace('{"id": "c-2"}', repeat('p', 10000000))$q$, '{404}', '^project_id: unknown project "p{64}\.\.\."$', NULL),
	('create_trace', 'project argument SQL-looking', $q$SELECT status, message FROM swisper.create_trace('{"id": "c-3"}', $s$'); DROP TABLE traces; --$s$)$q$, '{404}', $s$^project_id: unknown project "'\); DROP TABLE traces; --"$$s$, NULL),
	('create_trace', 'id SQL-looking', $q$SELECT status, message FROM swisper.create_trace('{"id": "''; TRUNCATE traces; --", "name": "$$"}', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$q$, '{201}', '^created the trace$', $q$(SELECT name FROM traces WHERE id = '''; TRUNCATE traces; --') = '$$'$q$),
	('create_trace', 'the same body twice is a duplicate', $q$SELECT status, message FROM swisper.create_trace('{"id": "''; TRUNCATE traces; --", "name": "$$"}', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$q$, '{200}', '^duplicate: already ingested$', NULL),
	('create_observation', 'body []', $q$SELECT status, message FROM swisper.create_observation('[]', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$q$, '{400}', '^body: must be a JSON object$', NULL),
	('create_observation', 'body SQL NULL: no row', $q$SELECT status, message FROM swisper.create_observation(NULL)$q$, NULL, NULL, NULL),
	('create_observation', 'body {}', $q$SELECT status, message FROM swisper.create_observation('{}', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$q$, '{400}', '^id: missing$', NULL),
	('create_observation', 'project argument 10 MB', $q$SELECT status, message FROM swisper.create_observation('{"id": "c-4"}', repeat('p', 10000000))$q$, '{404}', '^project_id: unknown project', NULL),
	('create_observation', 'start_time 1e400', $q$SELECT status, message FROM swisper.create_observation('{"id": "c-5", "start_time": 1e400}', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$q$, '{400}', '^start_time: not an ISO 8601 timestamp or epoch seconds$', NULL),
	('update_observation', 'observation_id ''''', $q$SELECT status, message FROM swisper.update_observation('', '{}', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$q$, '{400}', '^observation_id: must be a non-empty string$', NULL),
	('update_observation', 'observation_id NULL: no row', $q$SELECT status, message FROM swisper.update_observation(NULL, '{}', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$q$, NULL, NULL, NULL),
	('update_observation', 'body NULL: no row', $q$SELECT status, message FROM swisper.update_observation('c-6', NULL, '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$q$, NULL, NULL, NULL),
	('update_observation', 'body []', $q$SELECT status, message FROM swisper.update_observation('c-6', '[]', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$q$, '{400}', '^body: must be a JSON object$', NULL),
	('update_observation', 'observation_id of 1025 bytes', $q$SELECT status, message FROM swisper.update_observation(repeat('o', 1025), '{}', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$q$, '{400}', '^observation_id: longer than 1024 bytes \(an id has at most 1024 bytes\)$', NULL),
	('update_observation', 'observation_id of 10 MB', $q$SELECT status, message FROM swisper.update_observation(repeat('o', 10000000), '{}', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$q$, '{400}', '^observation_id: longer than 1024 bytes', NULL),
	('update_observation', 'observation_id shell-looking', $q$SELECT status, message FROM swisper.update_observation('`rm -rf /`', '{"level": "ERROR", "status_message": "$(reboot)"}', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$q$, '{201}', '^created the observation$', $q$(SELECT level || ' ' || status_message FROM observations WHERE id = '`rm -rf /`') = 'ERROR $(reboot)'$q$),
	('ingest_batch', 'SQL NULL: no rows', $q$SELECT status, message FROM swisper.ingest_batch(NULL)$q$, NULL, NULL, NULL),
	('ingest_batch', '[]: no rows', $q$SELECT status, message FROM swisper.ingest_batch('[]')$q$, NULL, NULL, NULL),
	('ingest_batch', '{"batch": []}: no rows', $q$SELECT status, message FROM swisper.ingest_batch('{"batch": []}')$q$, NULL, NULL, NULL),
	('ingest_batch', 'project argument ''''', $q$SELECT status, message FROM swisper.ingest_batch('[{"event_type": "trace_start", "trace_id": "c-7", "timestamp": "1"}]', '')$q$, '{400}', '^project_id: missing', NULL),
	('ingest_batch', 'project argument SQL-looking', $q$SELECT status, message FROM swisper.ingest_batch('[{"event_type": "trace_start", "trace_id": "c-8", "timestamp": "1"}, {"event_type": "trace_start", "trace_id": "c-9", "timestamp": "1", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c"}]', $s$x' OR '1'='1$s$)$q$, '{404,201}', $s$^project_id: unknown project "x' OR '1'='1"$$s$, NULL),
	('heartbeat', 'versions of 10 MB are cut to 63 bytes', $q$SELECT 200, swisper.heartbeat('7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', repeat('e', 10000000), repeat('v', 10000000), repeat('s', 10000000)) ->> 'status'$q$, '{200}', '^ok$',
	 $q$(SELECT row(environment, app_version, sdk_version)::text FROM swisper.project_connection WHERE project_id = '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c') = row(repeat('e', 63), repeat('v', 63), repeat('s', 63))::text$q$),
	('heartbeat', 'a multi-byte version is cut at a character boundary', $q$SELECT 200, swisper.heartbeat('7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', repeat('a', 62) || 'é') ->> 'status'$q$, '{200}', '^ok$',
	 $q$(SELECT environment FROM swisper.project_connection WHERE project_id = '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c') = repeat('a', 62)$q$),
	('heartbeat', 'SQL- and shell-looking versions are kept', $q$SELECT 200, swisper.heartbeat('7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', $s$'; DROP TABLE x; --$s$, '$(rm -rf /)', '`id`') ->> 'status'$q$, '{200}', '^ok$',
	 $q$(SELECT row(environment, app_version, sdk_version)::text FROM swisper.project_connection WHERE project_id = '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c') = row($s$'; DROP TABLE x; --$s$, '$(rm -rf /)', '`id`')::text$q$),
	('heartbeat', 'empty versions', $q$SELECT 200, swisper.heartbeat('7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', '', '', '') ->> 'status'$q$, '{200}', '^ok$', NULL);
-- swisper.external_id: hostile values the fuzz tests (sql/23) do not cover:
-- accepted as opaque text, byte for byte, or refused with its SQLSTATE.
INSERT INTO calls (area, name, sql, statuses, msg, stored)
SELECT 'external_id', 'external_id ' || label,
	   format('SELECT 200, swisper.external_id_kind(%1$L::swisper.external_id) || %2$L || (%1$L::swisper.external_id::text = %1$L)::text', v, ' '),
	   '{200}', '^' || kind || ' true$', NULL
FROM (VALUES
	('SQL-looking', $s$'; DROP TABLE traces; --$s$, 'text'),
	('dollar quotes', '$$ $x$ $$', 'text'),
	('shell-looking', '$(rm -rf /)', 'text'),
	('backticks', '`reboot`', 'text'),
	('printf', '%s%n%x', 'text'),
	('backslashes', E'\\\\x00\\', 'text'),
	('leading no-break space', U&'\00A0u1', 'text'),
	('leading BOM', U&'\FEFFu1', 'text'),
	('zero-width space', U&'u\200B1', 'text'),
	('right-to-left override', U&'\202Eu1', 'text'),
	('line separator', U&'u\20281', 'text'),
	('combining marks', U&'e\0301', 'text'),
	('emoji ZWJ sequence', '👩‍💻', 'text'),
	('251 bytes + a 4-byte emoji = 255', repeat('x', 251) || '😀', 'text'),
	('NaN', 'NaN', 'text'),
	('Infinity', 'Infinity', 'text'),
	('-0', '-0', 'text'),
	('1e400', '1e400', 'text'),
	('18446744073709551615 (over bigint)', '18446744073709551615', 'text'),
	('fullwidth digits', '１２３', 'text'),
	('nil uuid', '00000000-0000-0000-0000-000000000000', 'uuid'),
	('JSON null', 'null', 'text')
) AS t(label, v, kind);
INSERT INTO calls (area, name, sql, statuses, msg, stored) VALUES
	('external_id', 'is_valid_external_id of 10 MB is false, not an error',
	 $q$SELECT 200, swisper.is_valid_external_id(repeat('x', 10000000))::text$q$, '{200}', '^false$', NULL),
	('external_id', 'is_valid_external_id of a 10 MB value with a control character is false',
	 $q$SELECT 200, swisper.is_valid_external_id(chr(1) || repeat('x', 10000000))::text$q$, '{200}', '^false$', NULL);

CREATE FUNCTION pg_temp.run_call(c calls) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
	st int[];
	msg text[];
	b boolean;
	problem text;
BEGIN
	BEGIN
		EXECUTE format('SELECT array_agg(status), array_agg(message) FROM (%s) r(status, message)', c.sql) INTO st, msg;
		IF st IS DISTINCT FROM c.statuses THEN
			problem := format('statuses %s, expected %s; message: %s', st, c.statuses, left(msg[1], 300));
		ELSIF c.msg IS NOT NULL AND NOT coalesce(msg[1] ~ c.msg, false) THEN
			problem := format('message %s does not match %s', left(msg[1], 300), left(c.msg, 300));
		ELSIF c.stored IS NOT NULL THEN
			EXECUTE 'SELECT (' || c.stored || ')::boolean' INTO b;
			IF b IS NOT TRUE THEN
				problem := 'stored value check failed: ' || left(c.stored, 300);
			END IF;
		END IF;
	EXCEPTION WHEN OTHERS THEN
		problem := format('raised %s: %s', SQLSTATE, left(SQLERRM, 300));
	END;
	RETURN NEXT ok(problem IS NULL, format('%s: %s -> %s', c.area, c.name, coalesce(c.statuses::text, 'no rows')));
	IF problem IS NOT NULL THEN
		RETURN NEXT diag(problem);
	END IF;
END
$$;

------------------------------------------------------------------------
-- Run.
------------------------------------------------------------------------
SELECT plan((SELECT count(*)::int FROM hostile) + (SELECT count(*)::int FROM whole_call)
			+ (SELECT count(*)::int FROM calls) + 3);

SELECT pg_temp.run(h) FROM hostile h WHERE phase = 1 ORDER BY n;

SELECT throws_ok(w.sql, w.sqlstate, w.msg, w.area || ': ' || w.name || ' -> ' || w.sqlstate)
FROM whole_call w ORDER BY n;

SELECT pg_temp.run_call(c) FROM calls c ORDER BY n;

-- phase 2: narrower columns (varchar(n) limits count characters)
ALTER TABLE traces ALTER COLUMN name TYPE varchar(10) USING left(name, 10),
	ALTER COLUMN session_id TYPE varchar(36) USING left(session_id, 36);
ALTER TABLE observations ALTER COLUMN model TYPE varchar(12) USING left(model, 12),
	ALTER COLUMN status_message TYPE varchar(5) USING left(status_message, 5);
SELECT pg_temp.run(h) FROM hostile h WHERE phase = 2 ORDER BY n;

-- A batch of 100,000 nulls between two valid events.
SELECT results_eq(
	$$SELECT status, count(*) FROM swisper.ingest_batch(
		jsonb_build_array(jsonb_build_object('event_type', 'trace_start', 'trace_id', 'big-b', 'project_id', pg_temp.p(), 'timestamp', '1'))
		|| (SELECT jsonb_agg(NULL::jsonb) FROM generate_series(1, 100000))
		|| jsonb_build_array(jsonb_build_object('event_type', 'trace_start', 'trace_id', 'big-a', 'project_id', pg_temp.p(), 'timestamp', '1')))
	  GROUP BY status ORDER BY status$$,
	$$VALUES (201, 2::bigint), (400, 100000)$$,
	'batch shape: 100,000 nulls between two valid events: 100,000 x 400, both valid events 201');
SELECT is((SELECT count(*)::int FROM traces WHERE id IN ('big-b', 'big-a')), 2,
	'batch shape: the two valid events of the 100,000-null batch are stored');

-- Nothing was dropped or truncated by the SQL-looking strings.
SELECT ok((SELECT count(*) FROM traces) > 500 AND (SELECT count(*) FROM observations) > 100
		  AND to_regclass('public.projects') IS NOT NULL,
	'injection: the tables and their rows are all still there');

SELECT diag(format('hostile input catalog: %s cases = %s batch/HTTP elements (%s), %s whole-call errors, %s function calls, 2 batch-size checks',
	(SELECT count(*) FROM hostile) + (SELECT count(*) FROM whole_call) + (SELECT count(*) FROM calls) + 2,
	(SELECT count(*) FROM hostile),
	(SELECT string_agg(area || ' ' || c, ', ' ORDER BY area) FROM (SELECT area, count(*) c FROM hostile GROUP BY area) s),
	(SELECT count(*) FROM whole_call), (SELECT count(*) FROM calls)));

SELECT * FROM finish();
ROLLBACK;
