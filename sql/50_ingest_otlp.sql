\i test/fixtures/reset.sql
\set run `cat test/fixtures/otlp/agent_run.json`

-- An agent run as OpenTelemetry's GenAI instrumentations export it: an
-- invoke_agent root, two chat generations with messages and usage, two
-- execute_tool spans (one failed: status.code 2, an exception event), in
-- two scopes of one resource whose swisper.project.id names the project.
-- One row per span, in document order; the root span created the trace too.
SELECT * FROM swisper.ingest_otlp(:'run');

SELECT id, name, user_id, session_id, project_id, "timestamp", input, output
FROM traces WHERE id = '4bf92f3577b34da6a3ce929d0e0e4736';
SELECT meta FROM traces WHERE id = '4bf92f3577b34da6a3ce929d0e0e4736';
SELECT id, parent_observation_id, type, name, start_time, end_time, level, status_message
FROM observations WHERE trace_id = '4bf92f3577b34da6a3ce929d0e0e4736' ORDER BY start_time;
SELECT id, model, model_parameters, prompt_tokens, completion_tokens, total_tokens
FROM observations WHERE trace_id = '4bf92f3577b34da6a3ce929d0e0e4736' ORDER BY start_time;
SELECT id, input, output
FROM observations WHERE trace_id = '4bf92f3577b34da6a3ce929d0e0e4736' ORDER BY start_time;
SELECT id, meta
FROM observations WHERE trace_id = '4bf92f3577b34da6a3ce929d0e0e4736' ORDER BY start_time;

-- Helpers: the spans of the run (each with its scope), a request made of
-- some of them in a given order (each span in a scopeSpans of its own, under
-- the run's resource), a digest of every row and of the merge state, and a
-- reset of the ingested rows.
CREATE TEMP TABLE run AS SELECT CAST(:'run' AS jsonb) AS j;
CREATE TEMP TABLE sp AS
SELECT row_number() OVER (ORDER BY k, o)::int AS n, ss -> 'scope' AS scope, s
FROM run, jsonb_array_elements(j -> 'resourceSpans' -> 0 -> 'scopeSpans') WITH ORDINALITY AS a(ss, k),
     jsonb_array_elements(ss -> 'spans') WITH ORDINALITY AS b(s, o);
SELECT n, s ->> 'spanId' AS span_id, s ->> 'name' AS name FROM sp ORDER BY n;
CREATE FUNCTION pg_temp.req(ns int[]) RETURNS text LANGUAGE sql AS $$
  SELECT jsonb_build_object('resourceSpans', jsonb_build_array(jsonb_build_object(
           'resource', (SELECT j -> 'resourceSpans' -> 0 -> 'resource' FROM run),
           'scopeSpans', (SELECT jsonb_agg(jsonb_build_object('scope', scope, 'spans', jsonb_build_array(s)) ORDER BY o)
                          FROM unnest(ns) WITH ORDINALITY AS u(n, o) JOIN sp USING (n)))))::text
$$;
CREATE FUNCTION pg_temp.digest() RETURNS text LANGUAGE sql AS $$
  SELECT md5((SELECT string_agg(t::text, '|' ORDER BY t.id) FROM traces t) || '#' ||
             (SELECT string_agg(o::text, '|' ORDER BY o.id) FROM observations o))
$$;
CREATE FUNCTION pg_temp.state() RETURNS text LANGUAGE sql AS $$
  SELECT md5(string_agg(s::text, '|' ORDER BY s.entity_kind, s.entity_id)) FROM swisper.ingest_merge_state s
$$;
CREATE FUNCTION pg_temp.clear() RETURNS void LANGUAGE sql AS $$
  DELETE FROM observations;
  DELETE FROM traces WHERE id NOT IN ('e1a8c0b2-6d4f-4a3e-8b7c-1d2e3f4a5b6c', 'f2b9d1c3-7e5a-4b4f-9c8d-2e3f4a5b6c7d');
  TRUNCATE swisper.ingest_merge_state;
$$;
SELECT pg_temp.digest() AS in_order, pg_temp.state() AS in_order_state \gset

-- The same request again: every span a duplicate, nothing changes.
SELECT * FROM swisper.ingest_otlp(:'run');
SELECT pg_temp.digest() = :'in_order' AS rows_unchanged, pg_temp.state() = :'in_order_state' AS state_unchanged;

-- Split and shuffled as batching exporters send it: the failed tool and a
-- chat first (their trace is a placeholder until the root arrives), then
-- the root between the other two, then the last chat, with the project as
-- the argument this time (the receiver's choice; the resource names the
-- same project).  The same rows.
SELECT pg_temp.clear();
SELECT * FROM swisper.ingest_otlp(pg_temp.req('{3, 4}'));
SELECT id, name, "timestamp" FROM traces WHERE id = '4bf92f3577b34da6a3ce929d0e0e4736';
SELECT * FROM swisper.ingest_otlp(pg_temp.req('{2, 1}'), '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
SELECT * FROM swisper.ingest_otlp(pg_temp.req('{5}'));
SELECT pg_temp.digest() = :'in_order' AS split_converges;

-- ... and the split requests again: all duplicates, nothing changes.
SELECT pg_temp.state() AS split_state \gset
SELECT * FROM swisper.ingest_otlp(pg_temp.req('{3, 4}'));
SELECT * FROM swisper.ingest_otlp(pg_temp.req('{2, 1}'));
SELECT * FROM swisper.ingest_otlp(pg_temp.req('{5}'));
SELECT pg_temp.digest() = :'in_order' AS rows_unchanged, pg_temp.state() = :'split_state' AS state_unchanged;

-- 30 seeded shuffles, about a third of the spans delivered twice, cut into
-- requests of 1 to 4 spans: every one gives the in-order rows, and no span
-- is refused.
CREATE TEMP TABLE outcome (seed int, converged bool, refused int);
SET my.in_order = :'in_order';
DO $$
DECLARE
  ns int[];
  i int;
  k int;
  refused int;
BEGIN
  FOR s IN 1..30 LOOP
    PERFORM pg_temp.clear();
    PERFORM setseed(s / 100.0);
    SELECT array_agg(n ORDER BY r) INTO ns
    FROM (SELECT n, random() AS r FROM sp
          UNION ALL SELECT n, random() FROM sp WHERE random() < 0.33) AS d;
    refused := 0;
    i := 1;
    WHILE i <= array_length(ns, 1) LOOP
      k := 1 + floor(random() * 4)::int;
      refused := refused + (SELECT count(*) FROM swisper.ingest_otlp(pg_temp.req(ns[i:i + k - 1]))
                            WHERE status NOT IN (200, 201));
      i := i + k;
    END LOOP;
    INSERT INTO outcome VALUES (s, pg_temp.digest() = current_setting('my.in_order'), refused);
  END LOOP;
END
$$;
SELECT count(*) AS runs, count(*) FILTER (WHERE converged) AS converged, sum(refused) AS refused FROM outcome;

-- OpenTelemetry's own example (opentelemetry-proto examples/trace.json):
-- upper-case ids (stored lower case), times as decimal strings; the span
-- names a parent, so its trace is a placeholder.  Then the same span with
-- numeric nanosecond times, and its root with upper-case ids: the same
-- observation (merged: its content differs, so it is another event), and
-- the trace found under its lower-case id.
\set example `cat test/fixtures/otlp/proto_example.json`
SELECT * FROM swisper.ingest_otlp(:'example', '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f');
SELECT * FROM swisper.ingest_otlp(
  replace(replace(:'example', '"1544712660000000000"', '1544712660000000000'),
          '"1544712661000000000"', '1544712661000000000'),
  '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f');
SELECT * FROM swisper.ingest_otlp(
  '{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "5B8EFFF798038103D269B633813FC60C",
     "spanId": "EEE19B7EC3C1B173", "name": "I''m the root span", "kind": 2,
     "startTimeUnixNano": 1544712659500000000, "endTimeUnixNano": 1544712661200000000}]}]}]}',
  '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f');
SELECT id, trace_id, parent_observation_id, type, name, start_time, end_time, level, meta
FROM observations WHERE trace_id = '5b8efff798038103d269b633813fc60c' ORDER BY id;
SELECT id, name, project_id, "timestamp", meta FROM traces WHERE id = '5b8efff798038103d269b633813fc60c';

-- The ingestion role needs only EXECUTE; PUBLIC has none.
SELECT p.proname, p.prosecdef, p.proconfig, has_function_privilege('public', p.oid, 'EXECUTE') AS public_may_execute
FROM pg_proc p WHERE p.oid = 'swisper.ingest_otlp(text, text)'::regprocedure;
SELECT obj_description('swisper.ingest_otlp(text, text)'::regprocedure, 'pg_proc') IS NOT NULL AS commented;
CREATE ROLE swisper_otlp_test;
GRANT USAGE ON SCHEMA swisper TO swisper_otlp_test;
SET ROLE swisper_otlp_test;
SELECT * FROM swisper.ingest_otlp(:'example');
RESET ROLE;
GRANT EXECUTE ON FUNCTION swisper.ingest_otlp(text, text) TO swisper_otlp_test;
SET ROLE swisper_otlp_test;
SELECT status, message FROM swisper.ingest_otlp(:'example', '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f');
RESET ROLE;
DROP OWNED BY swisper_otlp_test;
DROP ROLE swisper_otlp_test;
