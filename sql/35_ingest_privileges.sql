\i test/fixtures/reset.sql
-- EXECUTE is revoked from PUBLIC: a role needs a GRANT to ingest, and with
-- only EXECUTE it ingests without any privilege on the tables.
SET client_min_messages = warning;
DROP ROLE IF EXISTS swisper_ingest_test;
DROP ROLE IF EXISTS swisper_nobody_test;
RESET client_min_messages;
CREATE ROLE swisper_ingest_test;
CREATE ROLE swisper_nobody_test;
GRANT USAGE ON SCHEMA swisper TO swisper_ingest_test;
GRANT EXECUTE ON FUNCTION swisper.ingest_batch(jsonb, text), swisper.create_trace(jsonb, text),
  swisper.create_observation(jsonb, text), swisper.update_observation(text, jsonb, text)
  TO swisper_ingest_test;
GRANT USAGE ON SCHEMA swisper TO swisper_nobody_test;

SELECT p.proname, p.prosecdef, p.proconfig,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_may_execute
FROM pg_proc p WHERE p.pronamespace = 'swisper'::regnamespace
  AND p.proname IN ('ingest_batch', 'create_trace', 'create_observation', 'update_observation', 'ingest_prune')
ORDER BY 1;

SET ROLE swisper_ingest_test;
SELECT status, message FROM swisper.ingest_batch($$[{"event_type": "trace_start", "trace_id": "t-priv",
  "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c", "timestamp": "1762500615", "data": {"name": "by the ingestion role"}}]$$);
SELECT status FROM swisper.create_trace('{"id": "t-priv2", "timestamp": "2025-11-05T07:13:17"}', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
-- but it cannot touch the tables themselves
SELECT count(*) FROM traces;
DELETE FROM swisper.ingest_merge_state;
RESET ROLE;

SET ROLE swisper_nobody_test;
SELECT * FROM swisper.ingest_batch('[]');
SELECT * FROM swisper.create_trace('{}');
RESET ROLE;

SELECT id, name FROM traces WHERE id LIKE 't-priv%' ORDER BY id;
DROP OWNED BY swisper_ingest_test, swisper_nobody_test;
DROP ROLE swisper_ingest_test;
DROP ROLE swisper_nobody_test;
