-- The recipe of docs/partitioning.md: the platform's traces and
-- observations converted into pg_partman-managed monthly partitions with a
-- retention of 12 months, CREATE EXTENSION swisper_ext after the
-- conversion (A) and before it (B); swisper.fix_user_id() and
-- release_user_id() on the partitioned traces; ingestion, pg_partman's
-- maintenance and swisper.ingest_prune() after it.
--
-- The fixture's rows date from November 2025, which the retention drops;
-- rows made for the test are dated relative to now(), and what is shown
-- are counts and statuses, never a time.
\set ECHO none
\i test/fixtures/clean.sql
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS pg_partman CASCADE;
DROP SCHEMA IF EXISTS partman CASCADE;
CREATE SCHEMA partman;
CREATE EXTENSION pg_partman SCHEMA partman;
\i test/fixtures/observability_schema.sql
RESET client_min_messages;
\set stream `cat test/fixtures/events/swisper_stream.json`
\set ECHO all

-- (A) The conversion, on the platform's tables before the extension.
-- The tables step aside; partitioned ones of the same columns take their
-- names: unique keys with the partition key, the same indexes (user_id's
-- left out here: fix_user_id() makes it), the foreign keys that a
-- partitioned table can have; none from observations.trace_id to traces,
-- whose unique key is now (id, "timestamp").
BEGIN;
SET LOCAL client_min_messages = warning;
ALTER TABLE observations RENAME TO observations_unpartitioned;
ALTER TABLE traces RENAME TO traces_unpartitioned;
CREATE TABLE traces (LIKE traces_unpartitioned INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMMENTS
                       INCLUDING COMPRESSION,
                     PRIMARY KEY (id, "timestamp"),
                     FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
                     CONSTRAINT fk_traces_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL)
  PARTITION BY RANGE ("timestamp");
CREATE INDEX ON traces (project_id, "timestamp");
CREATE INDEX ON traces (session_id);
CREATE TABLE observations (LIKE observations_unpartitioned INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMMENTS
                             INCLUDING COMPRESSION,
                           PRIMARY KEY (id, start_time))
  PARTITION BY RANGE (start_time);
CREATE INDEX ON observations (trace_id, start_time);
CREATE INDEX ON observations (parent_observation_id);
-- pg_partman: monthly partitions from the month of the oldest row of
-- either table, four ahead, a default partition; retention 12 months,
-- dropped partitions.
SELECT to_char(date_trunc('month', least((SELECT min("timestamp") FROM traces_unpartitioned),
                                         (SELECT min(start_time) FROM observations_unpartitioned),
                                         localtimestamp)), 'YYYY-MM-DD') AS start_month \gset
SELECT partman.create_parent('public.traces', 'timestamp', 'native', 'monthly',
                             p_premake := 4, p_start_partition := :'start_month');
SELECT partman.create_parent('public.observations', 'start_time', 'native', 'monthly',
                             p_premake := 4, p_start_partition := :'start_month');
UPDATE partman.part_config SET retention = '12 months', retention_keep_table = false
 WHERE parent_table IN ('public.traces', 'public.observations');
INSERT INTO traces SELECT * FROM traces_unpartitioned;
INSERT INTO observations SELECT * FROM observations_unpartitioned;
DROP TABLE observations_unpartitioned, traces_unpartitioned;
COMMIT;
SELECT c.relname, c.relkind, (SELECT count(*) FROM traces t WHERE t.tableoid = c.oid) AS rows
FROM pg_class c WHERE c.oid IN (SELECT tableoid FROM traces) ORDER BY 1;

-- CREATE EXTENSION fixes user_id on the partitioned table: the foreign
-- key to users goes (on the parent and so on every partition), the column
-- becomes swisper.external_id in every partition, and an index on it is
-- made on the parent, so every partition, of now and to come, has one.
CREATE EXTENSION swisper_ext;
CREATE FUNCTION pg_temp.user_id_in_partitions()
RETURNS TABLE (several_partitions bool, all_external_id bool, all_indexed bool)
LANGUAGE sql AS $$
  SELECT count(*) > 1,
         bool_and(a.atttypid = 'swisper.external_id'::regtype),
         bool_and(EXISTS (SELECT FROM pg_index i WHERE i.indrelid = p.relid AND i.indkey[0] = a.attnum))
  FROM pg_partition_tree('traces') p
  JOIN pg_attribute a ON a.attrelid = p.relid AND a.attname = 'user_id'
  WHERE p.isleaf
$$;
SELECT * FROM pg_temp.user_id_in_partitions();
SELECT count(*) AS foreign_keys_on_user_id FROM pg_constraint c
WHERE c.contype = 'f' AND c.conrelid IN (SELECT relid FROM pg_partition_tree('traces'))
  AND c.conkey @> ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = 'traces'::regclass AND attname = 'user_id')];
SELECT * FROM swisper.fix_user_id();
-- The way back and again: every partition's column and index follow.
SELECT * FROM swisper.release_user_id();
SELECT bool_and(a.atttypid = 'text'::regtype) AS all_text
FROM pg_partition_tree('traces') p JOIN pg_attribute a ON a.attrelid = p.relid AND a.attname = 'user_id'
WHERE p.isleaf;
SELECT * FROM swisper.fix_user_id();
SELECT * FROM pg_temp.user_id_in_partitions();
SELECT user_id FROM traces WHERE user_id IS NOT NULL;

-- Ingestion into the managed tables: the fixture stream (November 2025),
-- and a trace of now with an observation.
SELECT count(*) FILTER (WHERE status IN (200, 201)) AS stored FROM swisper.ingest_batch(:'stream');
CREATE FUNCTION pg_temp.ev(kind text, trace text, obs text, age interval, data jsonb DEFAULT '{}')
RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_strip_nulls(jsonb_build_object('event_type', kind, 'trace_id', trace, 'observation_id', obs,
    'project_id', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', 'timestamp', extract(epoch FROM now() - age)::text, 'data', data))
$$;
SELECT status, message FROM swisper.ingest_batch(jsonb_build_array(
  pg_temp.ev('trace_start', 'now-t', NULL, '0 seconds', '{"name": "recent", "user_id": "user-17"}'),
  pg_temp.ev('observation_start', 'now-t', 'now-o', '0 seconds', '{"name": "recent step"}')));
-- The status view counts it (its query finds today's partition).
SELECT project_id, traces_today FROM swisper.project_status ORDER BY 1;
SELECT count(*) AS traces, count(*) FILTER (WHERE "timestamp" < now() - interval '12 months') AS older_than_a_year
FROM traces;
SELECT count(*) AS states FROM swisper.ingest_merge_state;
SELECT count(*) AS states_naming_the_partition FROM swisper.ingest_merge_state s
WHERE s.row_partition = (SELECT tableoid FROM traces t WHERE s.entity_kind = 't' AND t.id = s.entity_id
                         UNION ALL
                         SELECT tableoid FROM observations o WHERE s.entity_kind = 'o' AND o.id = s.entity_id);

-- pg_partman's maintenance: the retention drops the partitions older than
-- 12 months, with the fixture's rows; ingest_prune() then deletes their
-- merge state, and only theirs.
SET client_min_messages = warning;
CALL partman.run_maintenance_proc();
RESET client_min_messages;
SELECT count(*) AS traces, count(*) FILTER (WHERE "timestamp" < now() - interval '12 months') AS older_than_a_year
FROM traces;
SELECT swisper.ingest_prune() AS pruned;
SELECT entity_kind, entity_id FROM swisper.ingest_merge_state ORDER BY 1, 2;
-- An event for a dropped observation: past retention, not stored again.
SELECT status, regexp_replace(message, '"[^"]*"', '"..."') AS message
FROM swisper.ingest_batch(:'stream') WHERE idx = 9;
SELECT count(*) AS observations FROM observations;

-- (B) CREATE EXTENSION before the conversion: the ingested rows and their
-- merge state come along; the state learns the partition of each row in
-- the same transaction (else the first event of each older entity looks
-- in every partition once).  The constraint fk_traces_user CHECK (true) NO
-- INHERIT that the install left on the unpartitioned traces is not copied
-- (no INCLUDING CONSTRAINTS): a partitioned table cannot have one.
\set ECHO none
\i test/fixtures/reset.sql
SET client_min_messages = warning;
DROP EXTENSION pg_partman;
DROP SCHEMA partman CASCADE;
CREATE SCHEMA partman;
CREATE EXTENSION pg_partman SCHEMA partman;
RESET client_min_messages;
\set ECHO all
SELECT count(*) FILTER (WHERE status IN (200, 201)) AS stored FROM swisper.ingest_batch(:'stream');
BEGIN;
SET LOCAL client_min_messages = warning;
ALTER TABLE observations RENAME TO observations_unpartitioned;
ALTER TABLE traces RENAME TO traces_unpartitioned;
CREATE TABLE traces (LIKE traces_unpartitioned INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMMENTS
                       INCLUDING COMPRESSION,
                     PRIMARY KEY (id, "timestamp"),
                     FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE)
  PARTITION BY RANGE ("timestamp");
CREATE INDEX ON traces (project_id, "timestamp");
CREATE INDEX ON traces (session_id);
CREATE INDEX ON traces (user_id);
CREATE TABLE observations (LIKE observations_unpartitioned INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMMENTS
                             INCLUDING COMPRESSION,
                           PRIMARY KEY (id, start_time))
  PARTITION BY RANGE (start_time);
CREATE INDEX ON observations (trace_id, start_time);
CREATE INDEX ON observations (parent_observation_id);
SELECT to_char(date_trunc('month', least((SELECT min("timestamp") FROM traces_unpartitioned),
                                         (SELECT min(start_time) FROM observations_unpartitioned),
                                         localtimestamp)), 'YYYY-MM-DD') AS start_month \gset
SELECT partman.create_parent('public.traces', 'timestamp', 'native', 'monthly',
                             p_premake := 4, p_start_partition := :'start_month');
SELECT partman.create_parent('public.observations', 'start_time', 'native', 'monthly',
                             p_premake := 4, p_start_partition := :'start_month');
UPDATE partman.part_config SET retention = '12 months', retention_keep_table = false
 WHERE parent_table IN ('public.traces', 'public.observations');
INSERT INTO traces SELECT * FROM traces_unpartitioned;
INSERT INTO observations SELECT * FROM observations_unpartitioned;
UPDATE swisper.ingest_merge_state s SET row_partition = t.tableoid
  FROM traces t WHERE s.entity_kind = 't' AND s.entity_id = t.id::text;
UPDATE swisper.ingest_merge_state s SET row_partition = o.tableoid
  FROM observations o WHERE s.entity_kind = 'o' AND s.entity_id = o.id::text;
DROP TABLE observations_unpartitioned, traces_unpartitioned;
COMMIT;
SELECT * FROM swisper.fix_user_id();
SELECT count(*) AS states, count(*) FILTER (WHERE row_partition IS NOT NULL) AS knowing_the_partition
FROM swisper.ingest_merge_state;
-- The same stream again: every event a duplicate, found in its partition.
SELECT status, message, count(*) FROM swisper.ingest_batch(:'stream') GROUP BY 1, 2 ORDER BY 1, 2;

\set ECHO none
SET client_min_messages = warning;
DROP EXTENSION pg_partman;
DROP SCHEMA partman CASCADE;
RESET client_min_messages;
\set ECHO all
