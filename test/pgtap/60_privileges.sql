-- Privileges and the search_path (issue 6, item 5).
--
-- 1. What each kind of role may do: a role without any grant, a role with
--    only USAGE on schema swisper, the ingestion role and the UI role with
--    exactly the GRANTs the README documents.  Every action runs as that
--    role (SET ROLE inside a subtransaction) and gives 'ok' or its SQLSTATE.
-- 2. The catalog: every SECURITY DEFINER function and every function with a
--    SQL or plpgsql body runs with search_path = pg_catalog, pg_temp; what
--    PUBLIC may execute.
-- 3. Hostile objects on the search_path: functions, operators, tables and a
--    type named like those the extension's SQL uses, in a schema listed
--    before pg_catalog (and temp tables, pg_temp listed first).  The same
--    workload runs without them and with them: results and rows are equal,
--    and none of the hostile objects is ever called or written.
-- 4. The owner of the observability tables (not a superuser) cannot borrow
--    the rights of the SECURITY DEFINER ingestion: its triggers and
--    defaults run as itself, and a view in place of a table is refused.
BEGIN;
\i test/fixtures/reset.sql
SET client_min_messages = warning;

CREATE FUNCTION pg_temp.p() RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c' $$;

------------------------------------------------------------------------
-- 1. Roles.
------------------------------------------------------------------------
CREATE ROLE swisper_t60_nobody;
CREATE ROLE swisper_t60_usage;
CREATE ROLE swisper_t60_ingest;
CREATE ROLE swisper_t60_ui;
GRANT USAGE ON SCHEMA swisper TO swisper_t60_usage;
-- the ingestion / API role, as the README says
GRANT USAGE ON SCHEMA swisper TO swisper_t60_ingest;
GRANT EXECUTE ON FUNCTION swisper.ingest_batch(jsonb, text), swisper.create_trace(jsonb, text),
	swisper.create_observation(jsonb, text), swisper.update_observation(text, jsonb, text),
	swisper.heartbeat(text, text, text, text), swisper.health() TO swisper_t60_ingest;
-- the UI role, as the README says
GRANT USAGE ON SCHEMA swisper TO swisper_t60_ui;
GRANT SELECT ON swisper.project_status, swisper.project_connection TO swisper_t60_ui;
GRANT EXECUTE ON FUNCTION swisper.project_status_rows(), swisper.health() TO swisper_t60_ui;
GRANT SELECT ON public.projects, public.traces TO swisper_t60_ui;

-- as_role(role, sql): run sql as role; 'ok' or the SQLSTATE it raised.  The
-- role switch is undone with the subtransaction either way.
CREATE FUNCTION pg_temp.as_role(r text, q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('SET LOCAL ROLE %I', r);
	EXECUTE q;
	RESET ROLE;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END
$$;

CREATE TEMP TABLE actions (n serial, what text, q text);
INSERT INTO actions (what, q) VALUES
	('ingest_batch', format($$SELECT * FROM swisper.ingest_batch('[{"event_type": "trace_start", "trace_id": "priv-t", "project_id": "%s", "timestamp": "1"}]')$$, pg_temp.p())),
	('create_trace', format($$SELECT * FROM swisper.create_trace('{"id": "priv-t2"}', %L)$$, pg_temp.p())),
	('create_observation', format($$SELECT * FROM swisper.create_observation('{"id": "priv-o", "trace_id": "priv-t2"}', %L)$$, pg_temp.p())),
	('update_observation', format($$SELECT * FROM swisper.update_observation('priv-o', '{"level": "ERROR"}', %L)$$, pg_temp.p())),
	('heartbeat', format($$SELECT swisper.heartbeat(%L, 'prod')$$, pg_temp.p())),
	('health', $$SELECT swisper.health()$$),
	('read project_status', $$SELECT * FROM swisper.project_status$$),
	('read project_connection', $$SELECT * FROM swisper.project_connection$$),
	('project_status_rows', $$SELECT * FROM swisper.project_status_rows()$$),
	('connection_status', $$SELECT swisper.connection_status(true, now())$$),
	('observability_schema', $$SELECT swisper.observability_schema()$$),
	('external_id cast', $$SELECT 'u-1'::swisper.external_id$$),
	('read ingest_merge_state', $$SELECT * FROM swisper.ingest_merge_state$$),
	('write ingest_merge_state', $$DELETE FROM swisper.ingest_merge_state$$),
	('truncate ingest_merge_state', $$TRUNCATE swisper.ingest_merge_state$$),
	('write project_connection', $$INSERT INTO swisper.project_connection (project_id, status) VALUES ('x', 'connected')$$),
	('update project_connection', $$UPDATE swisper.project_connection SET status = 'disabled'$$),
	('truncate project_connection', $$TRUNCATE swisper.project_connection$$),
	('drop ingest_merge_state', $$DROP TABLE swisper.ingest_merge_state$$),
	('alter project_connection', $$ALTER TABLE swisper.project_connection ADD COLUMN x int$$),
	('ingest_prune', $$SELECT swisper.ingest_prune()$$),
	('fix_user_id', $$SELECT * FROM swisper.fix_user_id()$$),
	('release_user_id', $$SELECT * FROM swisper.release_user_id()$$),
	('create_missing_tables', $$SELECT * FROM swisper.create_missing_tables()$$),
	('disown', $$SELECT swisper.disown('pg_class'::regclass, 'public.traces'::regclass)$$),
	('traces_table', $$SELECT swisper.traces_table()$$),
	('heartbeat_registry_forget', $$SELECT swisper.heartbeat_registry_forget()$$),
	('create in schema swisper', $$CREATE TABLE swisper.x (i int)$$),
	('replace a function', $$CREATE OR REPLACE FUNCTION swisper.health() RETURNS jsonb LANGUAGE sql AS 'SELECT ''{}''::jsonb'$$),
	('alter a function', $$ALTER FUNCTION swisper.ingest_batch(jsonb, text) SECURITY INVOKER$$),
	('drop extension', $$DROP EXTENSION swisper_ext CASCADE$$),
	('insert into traces', $$INSERT INTO traces (id, "timestamp") VALUES ('direct', now())$$),
	('update traces', $$UPDATE traces SET name = 'x'$$),
	('delete from observations', $$DELETE FROM observations$$),
	('truncate traces', $$TRUNCATE traces CASCADE$$),
	('alter traces', $$ALTER TABLE traces ADD COLUMN x int$$),
	('index on traces', $$CREATE INDEX ON traces (name)$$),
	('drop traces', $$DROP TABLE traces CASCADE$$),
	('drop observations', $$DROP TABLE observations$$),
	('alter type observationtype', $$ALTER TYPE observationtype ADD VALUE 'X'$$),
	('read traces', $$SELECT * FROM traces$$),
	('read projects', $$SELECT * FROM projects$$);

-- expected outcome per role; '42501' = insufficient_privilege
CREATE TEMP TABLE allowed (role text, what text);
INSERT INTO allowed VALUES
	('swisper_t60_usage', 'connection_status'), ('swisper_t60_usage', 'observability_schema'),
	('swisper_t60_usage', 'external_id cast'),
	('swisper_t60_ingest', 'ingest_batch'), ('swisper_t60_ingest', 'create_trace'),
	('swisper_t60_ingest', 'create_observation'), ('swisper_t60_ingest', 'update_observation'),
	('swisper_t60_ingest', 'heartbeat'), ('swisper_t60_ingest', 'health'),
	('swisper_t60_ingest', 'connection_status'), ('swisper_t60_ingest', 'observability_schema'),
	('swisper_t60_ingest', 'external_id cast'),
	('swisper_t60_ui', 'read project_status'), ('swisper_t60_ui', 'read project_connection'),
	('swisper_t60_ui', 'project_status_rows'), ('swisper_t60_ui', 'health'),
	('swisper_t60_ui', 'connection_status'), ('swisper_t60_ui', 'observability_schema'),
	('swisper_t60_ui', 'external_id cast'), ('swisper_t60_ui', 'read traces'),
	('swisper_t60_ui', 'read projects');

SELECT plan(
	(SELECT count(*)::int FROM actions) * 4	-- section 1
	+ 4										-- section 2
	+ 10									-- section 3
	+ 10);									-- section 4

SELECT is(pg_temp.as_role(r.role, a.q), CASE WHEN al.what IS NULL THEN '42501' ELSE 'ok' END,
		  format('%s: %s -> %s', r.role, a.what, CASE WHEN al.what IS NULL THEN '42501' ELSE 'ok' END))
FROM (VALUES (1, 'swisper_t60_nobody'), (2, 'swisper_t60_usage'), (3, 'swisper_t60_ingest'), (4, 'swisper_t60_ui')) AS r(k, role)
CROSS JOIN actions a
LEFT JOIN allowed al ON al.role = r.role AND al.what = a.what
ORDER BY r.k, a.n;

------------------------------------------------------------------------
-- 2. The catalog.
------------------------------------------------------------------------
SELECT is_empty($$
	SELECT p.oid::regprocedure FROM pg_proc p
	 WHERE p.pronamespace = 'swisper'::regnamespace AND p.prosecdef
	   AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)$$,
	'every SECURITY DEFINER function runs with search_path = pg_catalog, pg_temp');
SELECT is_empty($$
	SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
	 WHERE p.pronamespace = 'swisper'::regnamespace AND l.lanname IN ('sql', 'plpgsql')
	   AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)$$,
	'every function with a SQL or plpgsql body runs with search_path = pg_catalog, pg_temp');
SELECT set_eq($$
	SELECT p.oid::regprocedure::text FROM pg_proc p
	 WHERE p.pronamespace = 'swisper'::regnamespace AND p.prosecdef$$,
	ARRAY['swisper.ingest_batch(jsonb,text)', 'swisper.create_trace(jsonb,text)',
		  'swisper.create_observation(jsonb,text)', 'swisper.update_observation(text,jsonb,text)',
		  'swisper.ingest_prune()', 'swisper.health()', 'swisper.ingest_otlp(text,text)'],
	'the SECURITY DEFINER functions');
-- PUBLIC may execute only what reads no table: the type's functions, the
-- status rule and the name of the table schema.
SELECT set_eq($$
	SELECT p.proname::text FROM pg_proc p
	 WHERE p.pronamespace = 'swisper'::regnamespace
	   AND has_function_privilege('public', p.oid, 'EXECUTE')
	   AND p.proname !~ 'external_id'$$,
	ARRAY['connection_status', 'observability_schema'],
	'PUBLIC executes only the type''s functions, connection_status() and observability_schema()');

------------------------------------------------------------------------
-- 3. Hostile objects on the search_path.
------------------------------------------------------------------------
CREATE SCHEMA evil;
GRANT USAGE ON SCHEMA evil TO PUBLIC;
CREATE TABLE evil.calls (fn text, by_role text);
GRANT ALL ON evil.calls TO PUBLIC;
CREATE FUNCTION evil.log(fn text) RETURNS void LANGUAGE sql AS
$$ INSERT INTO evil.calls VALUES (fn, current_user) $$;
-- functions named like those the extension's SQL uses; each logs its call
-- and answers wrongly
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE plpgsql AS
$$ BEGIN PERFORM evil.log('now'); RETURN '1999-01-01'; END $$;
CREATE FUNCTION evil.coalesce(anyelement, anyelement) RETURNS anyelement LANGUAGE plpgsql AS
$$ BEGIN PERFORM evil.log('coalesce'); RETURN $2; END $$;
CREATE FUNCTION evil.greatest(anyelement, anyelement) RETURNS anyelement LANGUAGE plpgsql AS
$$ BEGIN PERFORM evil.log('greatest'); RETURN $2; END $$;
CREATE FUNCTION evil.lower(text) RETURNS text LANGUAGE plpgsql AS
$$ BEGIN PERFORM evil.log('lower'); RETURN 'evil'; END $$;
CREATE FUNCTION evil.upper(text) RETURNS text LANGUAGE plpgsql AS
$$ BEGIN PERFORM evil.log('upper'); RETURN 'evil'; END $$;
CREATE FUNCTION evil.jsonb_array_elements(jsonb) RETURNS SETOF jsonb LANGUAGE plpgsql AS
$$ BEGIN PERFORM evil.log('jsonb_array_elements'); END $$;
CREATE FUNCTION evil.unnest(anyarray) RETURNS SETOF anyelement LANGUAGE plpgsql AS
$$ BEGIN PERFORM evil.log('unnest'); END $$;
CREATE FUNCTION evil.jsonb_build_object(text, text) RETURNS jsonb LANGUAGE plpgsql AS
$$ BEGIN PERFORM evil.log('jsonb_build_object'); RETURN '{}'; END $$;
CREATE FUNCTION evil.jsonb_strip_nulls(jsonb) RETURNS jsonb LANGUAGE plpgsql AS
$$ BEGIN PERFORM evil.log('jsonb_strip_nulls'); RETURN '{}'; END $$;
CREATE FUNCTION evil.format(text, VARIADIC text[]) RETURNS text LANGUAGE plpgsql AS
$$ BEGIN PERFORM evil.log('format'); RETURN 'SELECT 1'; END $$;
CREATE FUNCTION evil.date_trunc(text, timestamp) RETURNS timestamp LANGUAGE plpgsql AS
$$ BEGIN PERFORM evil.log('date_trunc'); RETURN '1999-01-01'; END $$;
CREATE FUNCTION evil.observability_schema() RETURNS name LANGUAGE plpgsql AS
$$ BEGIN PERFORM evil.log('observability_schema'); RETURN 'evil'; END $$;
CREATE FUNCTION evil.connection_status(boolean, timestamptz) RETURNS text LANGUAGE plpgsql AS
$$ BEGIN PERFORM evil.log('connection_status'); RETURN 'evil'; END $$;
CREATE FUNCTION evil.textcat(text, text) RETURNS text LANGUAGE plpgsql AS
$$ BEGIN PERFORM evil.log('textcat'); RETURN 'evil'; END $$;
-- operators
CREATE FUNCTION evil.eq_text(text, text) RETURNS boolean LANGUAGE plpgsql AS
$$ BEGIN PERFORM evil.log('= text'); RETURN $1 IS DISTINCT FROM $2; END $$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.eq_text);
CREATE FUNCTION evil.eq_varchar(varchar, varchar) RETURNS boolean LANGUAGE plpgsql AS
$$ BEGIN PERFORM evil.log('= varchar'); RETURN $1 IS DISTINCT FROM $2; END $$;
CREATE OPERATOR evil.= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = evil.eq_varchar);
CREATE FUNCTION evil.eq_char("char", "char") RETURNS boolean LANGUAGE plpgsql AS
$$ BEGIN PERFORM evil.log('= char'); RETURN $1 IS DISTINCT FROM $2; END $$;
CREATE OPERATOR evil.= (LEFTARG = "char", RIGHTARG = "char", FUNCTION = evil.eq_char);
CREATE FUNCTION evil.eq_ext(swisper.external_id, text) RETURNS boolean LANGUAGE plpgsql AS
$$ BEGIN PERFORM evil.log('= external_id'); RETURN false; END $$;
CREATE OPERATOR evil.= (LEFTARG = swisper.external_id, RIGHTARG = text, FUNCTION = evil.eq_ext);
CREATE FUNCTION evil.minus_ts(timestamptz, timestamptz) RETURNS interval LANGUAGE plpgsql AS
$$ BEGIN PERFORM evil.log('- timestamptz'); RETURN interval '1000 years'; END $$;
CREATE OPERATOR evil.- (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = evil.minus_ts);
CREATE FUNCTION evil.ge_interval(interval, interval) RETURNS boolean LANGUAGE plpgsql AS
$$ BEGIN PERFORM evil.log('>= interval'); RETURN true; END $$;
CREATE OPERATOR evil.>= (LEFTARG = interval, RIGHTARG = interval, FUNCTION = evil.ge_interval);
CREATE FUNCTION evil.ge_ts(timestamp, timestamp) RETURNS boolean LANGUAGE plpgsql AS
$$ BEGIN PERFORM evil.log('>= timestamp'); RETURN false; END $$;
CREATE OPERATOR evil.>= (LEFTARG = timestamp, RIGHTARG = timestamp, FUNCTION = evil.ge_ts);
CREATE FUNCTION evil.lt_ts(timestamp, timestamp) RETURNS boolean LANGUAGE plpgsql AS
$$ BEGIN PERFORM evil.log('< timestamp'); RETURN false; END $$;
CREATE OPERATOR evil.< (LEFTARG = timestamp, RIGHTARG = timestamp, FUNCTION = evil.lt_ts);
CREATE FUNCTION evil.concat_text(text, text) RETURNS text LANGUAGE plpgsql AS
$$ BEGIN PERFORM evil.log('|| text'); RETURN 'evil'; END $$;
CREATE OPERATOR evil.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.concat_text);
CREATE FUNCTION evil.arrow_text(jsonb, text) RETURNS text LANGUAGE plpgsql AS
$$ BEGIN PERFORM evil.log('->> jsonb'); RETURN 'evil'; END $$;
CREATE OPERATOR evil.->> (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = evil.arrow_text);
-- tables and a type named like the extension's
CREATE TABLE evil.projects (LIKE public.projects);
INSERT INTO evil.projects SELECT * FROM public.projects;
UPDATE evil.projects SET deleted_at = now();
CREATE TABLE evil.traces (LIKE public.traces);
CREATE TABLE evil.observations (LIKE public.observations);
CREATE TABLE evil.ingest_merge_state (LIKE swisper.ingest_merge_state);
CREATE TABLE evil.project_connection (LIKE swisper.project_connection);
GRANT ALL ON ALL TABLES IN SCHEMA evil TO PUBLIC;
CREATE TYPE evil.observationtype AS ENUM ('EVIL');
CREATE TYPE evil.external_id AS ENUM ('EVIL');

-- call(path, sql): the rows of sql (as text; an error as its SQLSTATE and
-- message) run with search_path = path.  The path is restored afterwards
-- (or with the subtransaction), and the query around sql is built before
-- the path is set and uses no operator, so only the extension's code meets
-- the hostile objects.
CREATE FUNCTION pg_temp.call(path text, q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
	old text := pg_catalog.current_setting('search_path');
	full_q text := pg_catalog.concat('SELECT pg_catalog.array_agg(x::text) FROM (', q, ') x');
	r text[];
BEGIN
	BEGIN
		PERFORM pg_catalog.set_config('search_path', path, true);
		EXECUTE full_q INTO r;
		PERFORM pg_catalog.set_config('search_path', old, true);
	EXCEPTION WHEN OTHERS THEN
		r := ARRAY[pg_catalog.concat('ERROR ', SQLSTATE, ' ', SQLERRM)];
	END;
	RETURN QUERY SELECT * FROM pg_catalog.unnest(r);
END
$$;

-- workload(pfx, path): the same calls of every kind, with ids prefixed by
-- pfx; returns their results and the rows they wrote, with pfx removed.
CREATE FUNCTION pg_temp.workload(pfx text, path text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
	p text := pg_temp.p();
	batch jsonb;
BEGIN
	batch := replace($j$[
	  {"event_type": "trace_start", "trace_id": "@t1", "project_id": "%P", "timestamp": "1762500615.1",
	   "data": {"name": "Req", "user_id": "1AAC01A8A9854CD1AAD67E12B25DA1BC", "session_id": "s-1",
				"tags": ["a", "b"], "metadata": {"k": "v"}, "input": {"q": "hi"}, "timestamp": "2025-11-07T07:30:15Z"}},
	  {"event_type": "observation_start", "observation_id": "@o1", "trace_id": "@t1", "project_id": "%P",
	   "timestamp": "1762500615.2", "data": {"name": "LLM", "type": "GENERATION", "start_time": "2025-11-07T07:30:15.2Z",
	   "input": [1, 2], "model": "gpt"}},
	  {"event_type": "observation_end", "observation_id": "@o1", "trace_id": "@t1", "project_id": "%P",
	   "timestamp": "1762500616", "data": {"output": {"text": "x", "_llm_tokens": {"prompt": 3, "completion": 4, "total": 7}}}},
	  {"event_type": "observation_start", "observation_id": "@o2", "trace_id": "@t1", "project_id": "%P",
	   "timestamp": "1762500615.3", "data": {"name": "tool", "type": "TOOL", "level": "WARNING"}},
	  {"event_type": "observation_error", "observation_id": "@o2", "trace_id": "@t1", "project_id": "%P",
	   "timestamp": "1762500615.9", "data": {"error": "boom"}},
	  {"event_type": "observation_start", "observation_id": "@o3", "trace_id": "@t2", "project_id": "%P",
	   "timestamp": "1762500617", "data": {"name": "before its trace"}},
	  {"event_type": "heartbeat", "project_id": "%P", "timestamp": "1762500617", "data": {"environment": "prod", "version": "1"}},
	  {"id": "@e1", "type": "trace-create", "timestamp": "2025-11-07T07:30:18Z",
	   "body": {"id": "@t2", "name": "Later", "userId": "user-9", "projectId": "%P"}},
	  {"id": "@e2", "type": "generation-update", "timestamp": "2025-11-07T07:30:19Z",
	   "body": {"id": "@o3", "traceId": "@t2", "projectId": "%P", "usage": {"input": 1, "output": 2, "total": 3}, "endTime": "2025-11-07T07:30:19Z"}},
	  {"id": "@e1", "type": "trace-create", "timestamp": "2025-11-07T07:30:18Z", "body": {"id": "@t2", "projectId": "%P"}},
	  {"event_type": "observation_start", "observation_id": "@o4", "trace_id": "@t1", "project_id": "%P",
	   "timestamp": "1", "data": {"type": "RETRIEVER"}},
	  {"event_type": "trace_start", "trace_id": "@t3", "project_id": "no-such-project", "timestamp": "1"},
	  {"id": "@e3", "type": "sdk-log", "timestamp": "2025-11-07T07:30:18Z", "body": {}},
	  {"id": "@e4", "type": "score-create", "timestamp": "2025-11-07T07:30:18Z", "body": {}}
	]$j$, '%P', p)::jsonb;
	batch := replace(batch::text, '@', pfx)::jsonb;

	RETURN QUERY SELECT replace(x, pfx, '@') FROM pg_temp.call(path,
		format('SELECT idx, event_id, status, message FROM swisper.ingest_batch(%L)', batch)) x;
	-- the same batch again: every element a duplicate
	RETURN QUERY SELECT replace(x, pfx, '@') FROM pg_temp.call(path,
		format('SELECT idx, event_id, status, message FROM swisper.ingest_batch(%L)', batch)) x;
	RETURN QUERY SELECT replace(x, pfx, '@') FROM pg_temp.call(path,
		format($q$SELECT status, message FROM swisper.create_trace('{"id": "%st4", "name": "http", "user_id": "42", "timestamp": "2025-11-07T08:00:00+02:00"}', %L)$q$, pfx, p)) x;
	RETURN QUERY SELECT replace(x, pfx, '@') FROM pg_temp.call(path,
		format($q$SELECT status, message FROM swisper.create_observation('{"id": "%so5", "trace_id": "%st4", "start_time": "2025-11-07T06:00:01Z"}', %L)$q$, pfx, pfx, p)) x;
	RETURN QUERY SELECT replace(x, pfx, '@') FROM pg_temp.call(path,
		format($q$SELECT status, message FROM swisper.update_observation('%so5', '{"level": "ERROR", "status_message": "late", "end_time": "2025-11-07T06:00:02Z"}', %L)$q$, pfx, p)) x;
	RETURN QUERY SELECT x FROM pg_temp.call(path,
		format($q$SELECT swisper.heartbeat(%L, 'prod', '1.0', '0.1')$q$, p)) x;
	RETURN QUERY SELECT x FROM pg_temp.call(path,
		format($q$SELECT swisper.heartbeat(%L, NULL, '1.1')$q$, p)) x;
	RETURN QUERY SELECT x FROM pg_temp.call(path, $q$SELECT swisper.heartbeat('no-such-project')$q$) x;
	RETURN QUERY SELECT x FROM pg_temp.call(path, $q$SELECT swisper.ingest_prune()$q$) x;
	RETURN QUERY SELECT x FROM pg_temp.call(path, $q$SELECT * FROM swisper.fix_user_id()$q$) x;
	RETURN QUERY SELECT x FROM pg_temp.call(path,
		$q$SELECT project_id, project_name, status, environment, app_version, sdk_version, traces_today FROM swisper.project_status$q$) x;
	RETURN QUERY SELECT x FROM pg_temp.call(path,
		$q$SELECT swisper.health() OPERATOR(pg_catalog.-) ARRAY['server_time', 'worker', 'registry']$q$) x;
	RETURN QUERY SELECT x FROM pg_temp.call(path,
		$q$SELECT swisper.connection_status(true, NULL), swisper.observability_schema(),
				  swisper.external_id_kind('{1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC}'),
				  '1aac01a8-a985-4cd1-aad6-7e12b25da1bc'::swisper.external_id OPERATOR(pg_catalog.=) '1AAC01A8A9854CD1AAD67E12B25DA1BC'::text$q$) x;
	-- what was stored
	RETURN QUERY SELECT replace(row(t.id, t.name, t.user_id::text, t.session_id, t.project_id, t.input::text,
									t.output::text, t.meta::text, t.tags::text, t."timestamp")::text, pfx, '@')
		FROM public.traces t WHERE t.id LIKE pfx || '%' ORDER BY t.id;
	RETURN QUERY SELECT replace(row(o.id, o.trace_id, o.parent_observation_id, o.type, o.name, o.start_time,
									o.end_time, o.input::text, o.output::text, o.model, o.prompt_tokens,
									o.completion_tokens, o.total_tokens, o.level, o.status_message)::text, pfx, '@')
		FROM public.observations o WHERE o.id LIKE pfx || '%' ORDER BY o.id;
	RETURN QUERY SELECT replace(row(s.entity_kind, s.entity_id, length(s.stamps))::text, pfx, '@')
		FROM swisper.ingest_merge_state s WHERE s.entity_id LIKE pfx || '%' ORDER BY s.entity_kind, s.entity_id;
	RETURN QUERY SELECT row(c.project_id, c.status, c.environment, c.app_version, c.sdk_version)::text
		FROM swisper.project_connection c ORDER BY c.project_id;
END
$$;

CREATE TEMP TABLE runs (run text, seq serial, line text);
INSERT INTO runs (run, line) SELECT 'plain', x FROM pg_temp.workload('zz1-', 'public') x;
INSERT INTO runs (run, line) SELECT 'evil first', x FROM pg_temp.workload('zz2-', 'evil, pg_catalog, public') x;
-- temp tables shadowing the observability tables, pg_temp listed first
CREATE TEMP TABLE projects (LIKE public.projects);
INSERT INTO pg_temp.projects SELECT * FROM public.projects;
UPDATE pg_temp.projects SET deleted_at = now();
CREATE TEMP TABLE traces (LIKE public.traces);
CREATE TEMP TABLE observations (LIKE public.observations);
INSERT INTO runs (run, line) SELECT 'pg_temp and evil first', x FROM pg_temp.workload('zz3-', 'pg_temp, evil, pg_catalog, public') x;
INSERT INTO runs (run, line) SELECT 'evil, pg_catalog implicit', x FROM pg_temp.workload('zz4-', 'evil, public') x;

SELECT ok((SELECT count(*) FROM runs WHERE run = 'plain') > 20, 'the workload gives results and rows');
SELECT results_eq($$SELECT line FROM runs WHERE run = 'evil first' ORDER BY seq$$,
				  $$SELECT line FROM runs WHERE run = 'plain' ORDER BY seq$$,
				  'search_path = evil, pg_catalog, public: the same results and rows');
SELECT results_eq($$SELECT line FROM runs WHERE run = 'pg_temp and evil first' ORDER BY seq$$,
				  $$SELECT line FROM runs WHERE run = 'plain' ORDER BY seq$$,
				  'search_path = pg_temp, evil, pg_catalog, public (temp tables named projects/traces/observations): the same results and rows');
SELECT results_eq($$SELECT line FROM runs WHERE run = 'evil, pg_catalog implicit' ORDER BY seq$$,
				  $$SELECT line FROM runs WHERE run = 'plain' ORDER BY seq$$,
				  'search_path = evil, public (and the temp tables there): the same results and rows');
SELECT is_empty($$SELECT fn, by_role FROM evil.calls$$, 'no hostile function or operator was called');
SELECT is_empty($$SELECT 1 FROM evil.traces UNION ALL SELECT 1 FROM evil.observations
				  UNION ALL SELECT 1 FROM evil.ingest_merge_state UNION ALL SELECT 1 FROM evil.project_connection
				  UNION ALL SELECT 1 FROM pg_temp.traces UNION ALL SELECT 1 FROM pg_temp.observations$$,
				'no hostile table was written');

-- The ingestion role itself with the hostile path: ingests and heartbeats
-- as the plain run did, calling nothing of schema evil.
CREATE FUNCTION pg_temp.as_role_path(r text, path text, q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	old text := pg_catalog.current_setting('search_path');
	res text;
BEGIN
	EXECUTE format('SET LOCAL ROLE %I', r);
	PERFORM pg_catalog.set_config('search_path', path, true);
	EXECUTE q INTO res;
	PERFORM pg_catalog.set_config('search_path', old, true);
	RESET ROLE;
	RETURN res;
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ' ' || SQLERRM;
END
$$;
-- (the test's own SQL here qualifies its operators and functions: the
-- extension cannot protect the caller's SQL from the caller's search_path)
SELECT is(pg_temp.as_role_path('swisper_t60_ingest', 'pg_temp, evil, pg_catalog, public',
		  format($q$SELECT pg_catalog.string_agg(pg_catalog.concat_ws(' ', status, message), '; ' ORDER BY idx) FROM swisper.ingest_batch('[{"event_type": "trace_start", "trace_id": "e-t1", "project_id": "%s", "timestamp": "1", "data": {"name": "n"}}, {"event_type": "heartbeat", "project_id": "%s", "timestamp": "2"}]')$q$, pg_temp.p(), pg_temp.p())),
		  '201 created the trace; 200 heartbeat recorded',
		  'the ingestion role with a hostile search_path ingests');
SELECT is(pg_temp.as_role_path('swisper_t60_ingest', 'pg_temp, evil, pg_catalog, public',
		  format($q$SELECT swisper.heartbeat(%L, 'staging')::text$q$, pg_temp.p())),
		  format('{"status": "ok", "message": "Heartbeat received", "project_id": "%s"}', pg_temp.p()),
		  'the ingestion role with a hostile search_path sends heartbeats');
SELECT is_empty($$SELECT fn, by_role FROM evil.calls$$, 'still no hostile function or operator was called');
SELECT is((SELECT environment FROM swisper.project_connection WHERE project_id = pg_temp.p()), 'staging',
		  'the heartbeat of the ingestion role was recorded');

------------------------------------------------------------------------
-- 4. The tables' owner.
------------------------------------------------------------------------
CREATE ROLE swisper_t60_owner;
GRANT CREATE ON SCHEMA public TO swisper_t60_owner;
ALTER TABLE public.projects OWNER TO swisper_t60_owner;
ALTER TABLE public.traces OWNER TO swisper_t60_owner;
ALTER TABLE public.observations OWNER TO swisper_t60_owner;
SET LOCAL ROLE swisper_t60_owner;
CREATE TABLE public.owner_log (what text, by_role text, outcome text);
CREATE FUNCTION public.owner_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	outcome text := 'no error';
BEGIN
	BEGIN
		EXECUTE 'ALTER ROLE swisper_t60_owner SUPERUSER';
	EXCEPTION WHEN OTHERS THEN
		outcome := SQLSTATE;
	END;
	INSERT INTO public.owner_log VALUES ('trigger on ' || TG_TABLE_NAME, current_user, outcome);
	RETURN NEW;
END
$$;
CREATE TRIGGER owner_trigger BEFORE INSERT ON public.traces FOR EACH ROW EXECUTE FUNCTION public.owner_trigger();
CREATE FUNCTION public.owner_default() RETURNS numeric LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.owner_log VALUES ('default of observations', current_user, NULL);
	RETURN 0;
END
$$;
ALTER TABLE public.observations ALTER COLUMN calculated_total_cost SET DEFAULT public.owner_default();
CREATE FUNCTION public.owner_check(v text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	outcome text := 'no error';
BEGIN
	BEGIN
		EXECUTE 'ALTER ROLE swisper_t60_owner SUPERUSER';
	EXCEPTION WHEN OTHERS THEN
		outcome := SQLSTATE;
	END;
	INSERT INTO public.owner_log VALUES ('check of domain session_dom', current_user, outcome);
	RETURN v <> 'bad';
END
$$;
CREATE DOMAIN public.session_dom AS varchar CHECK (public.owner_check(VALUE));
ALTER TABLE public.traces ALTER COLUMN session_id TYPE public.session_dom;
TRUNCATE public.owner_log;
RESET ROLE;

SELECT is(pg_temp.as_role('swisper_t60_ingest',
		  format($q$SELECT * FROM swisper.ingest_batch('[{"event_type": "trace_start", "trace_id": "own-t", "project_id": "%1$s", "timestamp": "1", "data": {"session_id": "s"}}, {"event_type": "observation_start", "observation_id": "own-o", "trace_id": "own-t", "project_id": "%1$s", "timestamp": "1"}]')$q$, pg_temp.p())),
		  'ok', 'the ingestion role ingests into tables with their owner''s trigger, default and domain');
SELECT results_eq($$SELECT what, by_role, outcome FROM public.owner_log ORDER BY what$$,
				  $$VALUES ('check of domain session_dom', 'swisper_t60_owner', '42501'),
						   ('default of observations', 'swisper_t60_owner', NULL),
						   ('trigger on traces', 'swisper_t60_owner', '42501')$$,
				  'the owner''s domain check, default and trigger ran as the owner, and ALTER ROLE ... SUPERUSER failed there');
SELECT is(pg_temp.as_role_path('swisper_t60_ingest', 'public',
		  format($q$SELECT status || ' ' || message FROM swisper.ingest_batch('[{"event_type": "trace_start", "trace_id": "own-bad", "project_id": "%1$s", "timestamp": "1", "data": {"session_id": "bad"}}]')$q$, pg_temp.p())),
		  '400 data.session_id: value for domain public.session_dom violates check constraint "session_dom_check"',
		  'a value the domain refuses is the element''s 400');
SELECT is((SELECT rolsuper FROM pg_roles WHERE rolname = 'swisper_t60_owner'), false,
		  'the tables'' owner did not become a superuser');
SELECT is(pg_temp.as_role('swisper_t60_ingest',
		  format($q$SELECT * FROM swisper.create_trace('{"id": "own-t2"}', %L)$q$, pg_temp.p())),
		  'ok', 'create_trace also writes as the owner');
SELECT is((SELECT count(*)::int FROM public.owner_log WHERE by_role <> 'swisper_t60_owner'), 0,
		  'every call of the owner''s code ran as the owner');

-- a view in place of the projects table: refused, never read as a superuser
ALTER TABLE public.projects RENAME TO projects_real;
CREATE VIEW public.projects AS SELECT * FROM public.projects_real;
SELECT throws_ok(format($q$SELECT * FROM swisper.ingest_batch('[{"event_type": "trace_start", "trace_id": "own-t3", "project_id": "%s", "timestamp": "1"}]')$q$, pg_temp.p()),
				 '42809', '"public.projects" is not a table', 'ingestion refuses a view named projects');
SELECT is(swisper.health() ? 'projects', false, 'health() does not read a view named projects');
DROP VIEW public.projects;
ALTER TABLE public.projects_real RENAME TO projects;
ALTER TABLE public.observations RENAME TO observations_real;
CREATE VIEW public.observations AS SELECT * FROM public.observations_real;
SELECT throws_ok($q$SELECT swisper.ingest_prune()$q$, '42809', '"public.observations" is not a table',
				 'ingest_prune() refuses a view named observations');
DROP VIEW public.observations;
ALTER TABLE public.observations_real RENAME TO observations;
SELECT is((SELECT count(*)::int FROM public.traces WHERE id LIKE 'own-t%'), 2, 'the rows written as the owner are there');

SELECT * FROM finish();
ROLLBACK;
