-- The layout the ingestion serves on a Citus cluster, made from the
-- fixture schema (test/fixtures/observability_schema.sql) on the
-- coordinator: users and projects as reference tables (every node has all
-- of them, and traces' foreign keys to them stay), traces distributed by
-- id, observations distributed by trace_id and co-located with traces, so
-- that a trace and its observations are in one shard group (their
-- foreign key, and a trace's queries, stay on one node).  A distributed
-- table's unique indexes must include its distribution column:
-- observations' primary key becomes (id, trace_id).  Four shards per table
-- keep the test quick (Citus's default is 32).
SET client_min_messages = warning;
SET citus.shard_count = 4;
SELECT create_reference_table('users');
SELECT create_reference_table('projects');
ALTER TABLE observations DROP CONSTRAINT observations_trace_id_fkey;
ALTER TABLE observations DROP CONSTRAINT observations_pkey;
ALTER TABLE observations ADD PRIMARY KEY (id, trace_id);
SELECT create_distributed_table('traces', 'id');
SELECT create_distributed_table('observations', 'trace_id', colocate_with => 'traces');
ALTER TABLE observations ADD CONSTRAINT observations_trace_id_fkey
	FOREIGN KEY (trace_id) REFERENCES traces (id) ON DELETE CASCADE;
-- the rows copied into the shards are left in the coordinator's tables
SELECT truncate_local_data_after_distributing_table(r)
  FROM unnest(ARRAY['users', 'projects', 'traces']::regclass[]) r;
RESET client_min_messages;
