\i test/fixtures/reset.sql

-- Partitioned traces and observations: a partition key that arrives late
-- or changes moves its row; a key that no partition accepts, an entity
-- whose partition retention dropped, a key that is not known yet, are
-- statuses of their events, never an error of the call; a row stored
-- without the ingestion is merged into, not duplicated; ingest_prune()
-- follows retention; what cannot be ingested into is named.

-- The fixture's tables, partitioned by month (October to December 2025,
-- and a default partition), with their two traces.
SET client_min_messages = warning;
CREATE TEMP TABLE fixture_traces AS SELECT * FROM traces;
CREATE TABLE tmpl_traces (LIKE traces INCLUDING DEFAULTS);
CREATE TABLE tmpl_observations (LIKE observations INCLUDING DEFAULTS);
DROP TABLE observations, traces;
CREATE TABLE traces (LIKE tmpl_traces INCLUDING DEFAULTS, PRIMARY KEY (id, "timestamp"))
  PARTITION BY RANGE ("timestamp");
CREATE TABLE observations (LIKE tmpl_observations INCLUDING DEFAULTS, PRIMARY KEY (id, start_time))
  PARTITION BY RANGE (start_time);
CREATE TABLE traces_default PARTITION OF traces DEFAULT;
CREATE TABLE observations_default PARTITION OF observations DEFAULT;
CREATE TABLE traces_2025_10 PARTITION OF traces FOR VALUES FROM ('2025-10-01') TO ('2025-11-01');
CREATE TABLE traces_2025_11 PARTITION OF traces FOR VALUES FROM ('2025-11-01') TO ('2025-12-01');
CREATE TABLE traces_2025_12 PARTITION OF traces FOR VALUES FROM ('2025-12-01') TO ('2026-01-01');
CREATE TABLE observations_2025_10 PARTITION OF observations FOR VALUES FROM ('2025-10-01') TO ('2025-11-01');
CREATE TABLE observations_2025_11 PARTITION OF observations FOR VALUES FROM ('2025-11-01') TO ('2025-12-01');
CREATE TABLE observations_2025_12 PARTITION OF observations FOR VALUES FROM ('2025-12-01') TO ('2026-01-01');
INSERT INTO traces SELECT * FROM fixture_traces;
RESET client_min_messages;

-- Stream entries of project 7f3e..., at a UTC wall-clock time; the calls'
-- statuses; every row of the entities "k-...", with its partition and the
-- partition its merge state names.
CREATE FUNCTION pg_temp.ev(kind text, trace text, obs text, at timestamp, data jsonb DEFAULT '{}')
RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_strip_nulls(jsonb_build_object(
    'event_type', kind, 'trace_id', trace, 'observation_id', obs,
    'project_id', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c',
    'timestamp', extract(epoch FROM at)::text, 'data', data))
$$;
CREATE FUNCTION pg_temp.ingest(VARIADIC events jsonb[])
RETURNS TABLE (idx int, status int, message text) LANGUAGE sql AS $$
  SELECT idx, status, message FROM swisper.ingest_batch(to_jsonb(events))
$$;
CREATE VIEW k_rows AS
SELECT 'trace' AS kind, t.id, t.tableoid::regclass AS partition, t."timestamp" AS key, t.name,
       s.row_partition AS state_partition
FROM traces t LEFT JOIN swisper.ingest_merge_state s ON s.entity_kind = 't' AND s.entity_id = t.id
WHERE t.id LIKE 'k-%'
UNION ALL
SELECT 'observation', o.id, o.tableoid::regclass, o.start_time, o.name, s.row_partition
FROM observations o LEFT JOIN swisper.ingest_merge_state s ON s.entity_kind = 'o' AND s.entity_id = o.id
WHERE o.id LIKE 'k-%'
ORDER BY 1 DESC, 2;

-- 1. An observation_end first: its start time is derived from the event's
-- timestamp (December 1st), and the placeholder trace's timestamp too.
SELECT * FROM pg_temp.ingest(
  pg_temp.ev('observation_end', 'k-t1', 'k-o1', '2025-12-01 00:00:02', '{"output": {"a": 1}}'));
SELECT * FROM k_rows;
-- Its start, on November 30th: the observation and the placeholder trace
-- move to November's partitions.
SELECT * FROM pg_temp.ingest(
  pg_temp.ev('observation_start', 'k-t1', 'k-o1', '2025-11-30 23:59:58',
             '{"name": "step", "start_time": "2025-11-30T23:59:58"}'));
SELECT * FROM k_rows;
-- The trace's own start: its timestamp replaces the placeholder's, in the
-- same partition.
SELECT * FROM pg_temp.ingest(
  pg_temp.ev('trace_start', 'k-t1', NULL, '2025-11-30 23:59:57', '{"name": "late trace"}'));
SELECT * FROM k_rows;
-- All three again, in one call: duplicates, nothing moves.
SELECT * FROM pg_temp.ingest(
  pg_temp.ev('trace_start', 'k-t1', NULL, '2025-11-30 23:59:57', '{"name": "late trace"}'),
  pg_temp.ev('observation_start', 'k-t1', 'k-o1', '2025-11-30 23:59:58',
             '{"name": "step", "start_time": "2025-11-30T23:59:58"}'),
  pg_temp.ev('observation_end', 'k-t1', 'k-o1', '2025-12-01 00:00:02', '{"output": {"a": 1}}'));

-- 2. The same three events of another trace in one call, end first: the
-- rows are written once, in November.
SELECT * FROM pg_temp.ingest(
  pg_temp.ev('observation_end', 'k-t2', 'k-o2', '2025-12-01 00:00:02', '{"output": {"a": 1}}'),
  pg_temp.ev('observation_start', 'k-t2', 'k-o2', '2025-11-30 23:59:58',
             '{"name": "step", "start_time": "2025-11-30T23:59:58"}'),
  pg_temp.ev('trace_start', 'k-t2', NULL, '2025-11-30 23:59:57', '{"name": "late trace"}'));
SELECT * FROM k_rows WHERE id LIKE 'k-_2';

-- 3. The single-event functions write into the partitions too; a PATCH
-- before its observation's create: the start time it derives is replaced.
SELECT status, message FROM swisper.update_observation('k-o3',
  '{"end_time": "2025-12-02T10:00:00", "output": {"done": true}}', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
SELECT status, message FROM swisper.create_observation(
  '{"id": "k-o3", "trace_id": "k-t3", "name": "http", "start_time": "2025-11-15T08:00:00"}',
  '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
SELECT status, message FROM swisper.create_trace(
  '{"id": "k-t3", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c", "name": "http trace", "timestamp": "2025-11-15T07:59:59"}');
SELECT * FROM k_rows WHERE id LIKE 'k-_3';

-- 4. A row stored without the ingestion (no merge state): an event for
-- its id merges into it (its timestamp counts as first), no second row.
INSERT INTO traces (id, name, project_id, "timestamp")
VALUES ('k-t4', 'written by the application', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', '2025-11-20 12:00:00');
SELECT * FROM pg_temp.ingest(
  pg_temp.ev('trace_start', 'k-t4', NULL, '2025-11-20 12:00:05', '{"session_id": "s-4"}'));
SELECT id, tableoid::regclass, "timestamp", name, session_id FROM traces WHERE id = 'k-t4';
SELECT * FROM k_rows WHERE id = 'k-t4';

-- 5. A state that does not know the partition (written before the table
-- was partitioned): the row is found in whichever partition holds it, and
-- the state learns where.
UPDATE swisper.ingest_merge_state SET row_partition = NULL WHERE entity_id = 'k-o1';
SELECT * FROM pg_temp.ingest(
  pg_temp.ev('observation_end', 'k-t1', 'k-o1', '2025-12-01 00:00:03', '{"level": "WARNING"}'));
SELECT * FROM k_rows WHERE id = 'k-o1';

-- 6. Retention while ingesting.  October's rows, then October's
-- partitions dropped (pg_partman's retention drops them the same way).
SELECT * FROM pg_temp.ingest(
  pg_temp.ev('trace_start', 'k-t6', NULL, '2025-10-10 10:00:00', '{"name": "old"}'),
  pg_temp.ev('observation_start', 'k-t6', 'k-o6', '2025-10-10 10:00:01', '{"name": "old step"}'));
DROP TABLE traces_2025_10, observations_2025_10;
-- Events for them: gone (410), a redelivered one is still a duplicate; a
-- new entity of October lies before the first partition (410, though the
-- default partition would take it: data past retention does not come
-- back); the other events of the call are stored.
SELECT * FROM pg_temp.ingest(
  pg_temp.ev('observation_end', 'k-t6', 'k-o6', '2025-10-10 10:00:09', '{"output": {"late": true}}'),
  pg_temp.ev('trace_start', 'k-t6', NULL, '2025-10-10 10:00:00', '{"name": "old"}'),
  pg_temp.ev('observation_start', 'k-t7', 'k-o7', '2025-10-20 10:00:00', '{"name": "older than retention"}'),
  pg_temp.ev('observation_end', 'k-t6', 'k-o6', '2025-10-10 10:00:09', '{"output": {"late": true}}'),
  pg_temp.ev('observation_start', 'k-t8', 'k-o8', '2025-11-20 10:00:00', '{"name": "kept"}'));
SELECT * FROM k_rows WHERE id ~ '^k-.[678]$';
SELECT count(*) AS rows_in_default FROM traces_default WHERE id LIKE 'k-%';
-- ingest_prune() deletes the state of the entities whose partition went,
-- and of no other; a second run finds nothing.
SELECT entity_kind, entity_id, to_regclass(row_partition::text) IS NULL AS partition_dropped
FROM swisper.ingest_merge_state WHERE entity_id ~ '^k-.6$' ORDER BY 1;
SELECT swisper.ingest_prune() AS pruned;
SELECT entity_kind, entity_id FROM swisper.ingest_merge_state WHERE entity_id ~ '^k-.6$';
SELECT count(*) AS states_of_live_rows FROM swisper.ingest_merge_state s
WHERE EXISTS (SELECT FROM traces t WHERE s.entity_kind = 't' AND t.id = s.entity_id)
   OR EXISTS (SELECT FROM observations o WHERE s.entity_kind = 'o' AND o.id = s.entity_id);
SELECT count(*) AS states FROM swisper.ingest_merge_state;
SELECT swisper.ingest_prune() AS pruned_again;
-- After the prune, an event for the dropped entity: past retention.
SELECT * FROM pg_temp.ingest(
  pg_temp.ev('observation_end', 'k-t6', 'k-o6', '2025-10-10 10:00:10', '{"output": {"later": true}}'));
-- A detached partition (retention_keep_table) is gone for the ingestion
-- too; attached again, its rows are found again.
SELECT * FROM pg_temp.ingest(
  pg_temp.ev('trace_start', 'k-t9', NULL, '2025-12-24 18:00:00', '{"name": "detached"}'));
ALTER TABLE traces DETACH PARTITION traces_2025_12;
SELECT * FROM pg_temp.ingest(
  pg_temp.ev('trace_start', 'k-t9', NULL, '2025-12-24 18:00:01', '{"session_id": "s-9"}'));
ALTER TABLE traces ATTACH PARTITION traces_2025_12 FOR VALUES FROM ('2025-12-01') TO ('2026-01-01');
SELECT * FROM pg_temp.ingest(
  pg_temp.ev('trace_start', 'k-t9', NULL, '2025-12-24 18:00:01', '{"session_id": "s-9"}'));
SELECT * FROM k_rows WHERE id = 'k-t9';

-- 7. No partition accepts the key (no default partition, nothing made for
-- February 2026): 503, deliver again once it exists; the observation of
-- the same event is stored (its table has a default partition).
DROP TABLE traces_default;
SELECT * FROM pg_temp.ingest(
  pg_temp.ev('trace_start', 'k-t10', NULL, '2026-02-01 09:00:00', '{"name": "future"}'),
  pg_temp.ev('observation_start', 'k-t11', 'k-o11', '2026-02-01 09:00:00', '{"name": "future step"}'));
CREATE TABLE traces_2026_02 PARTITION OF traces FOR VALUES FROM ('2026-02-01') TO ('2026-03-01');
SELECT * FROM pg_temp.ingest(
  pg_temp.ev('trace_start', 'k-t10', NULL, '2026-02-01 09:00:00', '{"name": "future"}'));
SELECT * FROM k_rows WHERE id ~ '^k-.1[01]$';

-- 8. Hash partitions by trace_id, trace_id NOT NULL (the primary key): an
-- update without it cannot be stored yet (409), and is stored when
-- delivered again after the create that names the trace; with trace_id
-- nullable (a unique index), the row waits in the partition of NULL and
-- moves.
DROP VIEW k_rows;
SET client_min_messages = warning;
DROP TABLE observations;
CREATE TABLE observations (LIKE tmpl_observations INCLUDING DEFAULTS, PRIMARY KEY (id, trace_id))
  PARTITION BY HASH (trace_id);
CREATE TABLE observations_h0 PARTITION OF observations FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE observations_h1 PARTITION OF observations FOR VALUES WITH (MODULUS 2, REMAINDER 1);
RESET client_min_messages;
CREATE TEMP TABLE lf (step int, body jsonb);
INSERT INTO lf VALUES
  (1, '[{"id": "lf-2", "timestamp": "2025-11-20T10:00:02Z", "type": "span-update",
         "body": {"id": "k-o12", "endTime": "2025-11-20T10:00:02Z", "output": {"x": 1}}}]'),
  (2, '[{"id": "lf-1", "timestamp": "2025-11-20T10:00:00Z", "type": "span-create",
         "body": {"id": "k-o12", "traceId": "k-t12", "name": "span", "startTime": "2025-11-20T10:00:00Z"}}]');
SELECT idx, status, message FROM swisper.ingest_batch((SELECT body FROM lf WHERE step = 1), '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
SELECT idx, status, message FROM swisper.ingest_batch((SELECT body FROM lf WHERE step = 2), '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
SELECT idx, status, message FROM swisper.ingest_batch((SELECT body FROM lf WHERE step = 1), '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
SELECT id, trace_id, end_time, output FROM observations WHERE id = 'k-o12';
SET client_min_messages = warning;
DELETE FROM observations;
ALTER TABLE observations DROP CONSTRAINT observations_pkey;
ALTER TABLE observations ALTER COLUMN trace_id DROP NOT NULL;
CREATE UNIQUE INDEX ON observations (id, trace_id);
RESET client_min_messages;
TRUNCATE swisper.ingest_merge_state;
SELECT idx, status, message FROM swisper.ingest_batch((SELECT body FROM lf WHERE step = 1), '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
SELECT id, trace_id, tableoid::regclass AS partition,
       (SELECT row_partition FROM swisper.ingest_merge_state WHERE entity_id = 'k-o12') AS state_partition
FROM observations WHERE id = 'k-o12';
SELECT idx, status, message FROM swisper.ingest_batch((SELECT body FROM lf WHERE step = 2), '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c');
SELECT id, trace_id, tableoid::regclass AS partition,
       (SELECT row_partition FROM swisper.ingest_merge_state WHERE entity_id = 'k-o12') AS state_partition,
       end_time, output
FROM observations WHERE id = 'k-o12';

-- 9. What the ingestion cannot write into, named before anything is read.
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE sql;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ' ' || SQLERRM;
END
$$;
CREATE FUNCTION pg_temp.observations_as(ddl text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  SET LOCAL client_min_messages = warning;
  DROP TABLE observations;
  EXECUTE ddl;
END
$$;
SELECT pg_temp.observations_as(
  'CREATE TABLE observations (LIKE tmpl_observations INCLUDING DEFAULTS) PARTITION BY RANGE (start_time);
   CREATE TABLE observations_all PARTITION OF observations DEFAULT');
SELECT pg_temp.try($$SELECT * FROM swisper.create_observation('{"id": "k-o13", "start_time": "2025-11-20T10:00:00"}', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$$);
SELECT pg_temp.observations_as(
  'CREATE TABLE observations (LIKE tmpl_observations INCLUDING DEFAULTS, UNIQUE (start_time, id)) PARTITION BY RANGE (start_time);
   CREATE TABLE observations_all PARTITION OF observations DEFAULT');
SELECT pg_temp.try($$SELECT * FROM swisper.create_observation('{"id": "k-o13", "start_time": "2025-11-20T10:00:00"}', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$$);
SELECT pg_temp.observations_as(
  'CREATE TABLE observations (LIKE tmpl_observations INCLUDING DEFAULTS) PARTITION BY RANGE (date_trunc(''day'', start_time));
   CREATE TABLE observations_all PARTITION OF observations DEFAULT');
SELECT pg_temp.try($$SELECT * FROM swisper.create_observation('{"id": "k-o13", "start_time": "2025-11-20T10:00:00"}', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$$);
SELECT pg_temp.observations_as(
  'CREATE TABLE observations (LIKE tmpl_observations INCLUDING DEFAULTS, cost_center numeric, UNIQUE (id, cost_center)) PARTITION BY RANGE (cost_center);
   CREATE TABLE observations_all PARTITION OF observations DEFAULT');
SELECT pg_temp.try($$SELECT * FROM swisper.create_observation('{"id": "k-o13", "start_time": "2025-11-20T10:00:00"}', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$$);
SELECT pg_temp.observations_as(
  'CREATE TABLE observations (LIKE tmpl_observations INCLUDING DEFAULTS, UNIQUE (id, start_time)) PARTITION BY RANGE (start_time);
   CREATE TABLE observations_nov PARTITION OF observations FOR VALUES FROM (''2025-11-01'') TO (''2025-12-01'')
     PARTITION BY HASH (id);
   CREATE TABLE observations_nov_0 PARTITION OF observations_nov FOR VALUES WITH (MODULUS 1, REMAINDER 0)');
SELECT pg_temp.try($$SELECT * FROM swisper.create_observation('{"id": "k-o13", "start_time": "2025-11-20T10:00:00"}', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c')$$);

DROP TABLE tmpl_traces, tmpl_observations;
