\i test/fixtures/reset.sql
-- Indexes a DBA adds on swisper.ingest_merge_state are maintained: the
-- ingestion writes the state straight to the heap, and must insert into
-- every index of the table, not only its primary key.  amcheck's
-- bt_index_check(index, heapallindexed => true) verifies that every heap
-- row (matching a partial index's predicate) has its index entry, and a
-- scan through each index finds the rows a sequential scan finds: for new
-- entities, merged ones (an update of the state, not HOT since an index
-- reads the stamps), re-deliveries, and a state row left behind by a
-- deleted trace.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS amcheck;
RESET client_min_messages;
CREATE INDEX state_entity_id ON swisper.ingest_merge_state (entity_id);
CREATE INDEX state_lower_id ON swisper.ingest_merge_state (lower(entity_id));
CREATE INDEX state_obs_stamps ON swisper.ingest_merge_state (octet_length(stamps))
  WHERE entity_kind = 'o';

-- Every index of the table passes amcheck (the primary key too).
CREATE FUNCTION pg_temp.state_amcheck()
RETURNS TABLE (index_name name, amcheck text)
LANGUAGE plpgsql AS $$
DECLARE
  ix regclass;
BEGIN
  FOR ix IN SELECT i.indexrelid::regclass FROM pg_index i
             WHERE i.indrelid = 'swisper.ingest_merge_state'::regclass ORDER BY 1::text LOOP
    index_name := (SELECT c.relname FROM pg_class c WHERE c.oid = ix);
    BEGIN
      PERFORM bt_index_check(ix, true);
      amcheck := 'ok';
    EXCEPTION WHEN OTHERS THEN
      amcheck := sqlerrm;
    END;
    RETURN NEXT;
  END LOOP;
END
$$;

-- The same condition through a sequential scan and through an index scan
-- (the plans are shown below): the same rows.
CREATE FUNCTION pg_temp.state_scans()
RETURNS TABLE (cond text, seq_rows bigint, index_rows bigint, same_rows boolean)
LANGUAGE plpgsql AS $$
DECLARE
  q text;
  seq text;
  idx text;
BEGIN
  FOREACH cond IN ARRAY ARRAY['entity_id >= ''''', 'lower(entity_id) >= ''''',
                              'entity_kind = ''o'' AND octet_length(stamps) > 0'] LOOP
    q := format('SELECT count(*), string_agg(entity_kind::text || '':'' || entity_id, '','' ORDER BY entity_kind, entity_id)
                   FROM swisper.ingest_merge_state WHERE %s', cond);
    PERFORM set_config('enable_seqscan', 'on', true), set_config('enable_indexscan', 'off', true),
            set_config('enable_bitmapscan', 'off', true), set_config('enable_indexonlyscan', 'off', true);
    EXECUTE q INTO seq_rows, seq;
    PERFORM set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'on', true);
    EXECUTE q INTO index_rows, idx;
    same_rows := seq IS NOT DISTINCT FROM idx;
    RETURN NEXT;
  END LOOP;
  PERFORM set_config('enable_seqscan', 'on', true), set_config('enable_bitmapscan', 'on', true),
          set_config('enable_indexonlyscan', 'on', true);
END
$$;

-- Each condition is answered by its index.
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT entity_id FROM swisper.ingest_merge_state WHERE entity_id >= '';
EXPLAIN (COSTS OFF) SELECT entity_id FROM swisper.ingest_merge_state WHERE lower(entity_id) >= '';
EXPLAIN (COSTS OFF) SELECT entity_id FROM swisper.ingest_merge_state
  WHERE entity_kind = 'o' AND octet_length(stamps) > 0;
RESET enable_seqscan;
RESET enable_bitmapscan;

CREATE TEMP TABLE ev (name text PRIMARY KEY, batch jsonb);
INSERT INTO ev VALUES ('first', $$[
  {"event_type": "trace_start", "trace_id": "ix-t1", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c",
   "timestamp": "1762500600.5", "data": {"name": "one"}},
  {"event_type": "observation_start", "trace_id": "ix-t1", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c",
   "observation_id": "ix-o1", "timestamp": "1762500601.5", "data": {"name": "step", "type": "SPAN"}},
  {"event_type": "observation_end", "trace_id": "ix-t1", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c",
   "observation_id": "ix-o1", "timestamp": "1762500602.5", "data": {"output": {"ok": true}}},
  {"event_type": "observation_start", "trace_id": "ix-t2", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c",
   "observation_id": "ix-o2", "timestamp": "1762500603.5", "data": {"name": "early", "type": "SPAN"}}
]$$), ('later', $$[
  {"event_type": "trace_start", "trace_id": "ix-t2", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c",
   "timestamp": "1762500600.0", "data": {"name": "two"}},
  {"event_type": "observation_end", "trace_id": "ix-t2", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c",
   "observation_id": "ix-o2", "timestamp": "1762500604.5", "data": {"output": {"ok": false}}},
  {"event_type": "observation_error", "trace_id": "ix-t1", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c",
   "observation_id": "ix-o1", "timestamp": "1762500605.5", "data": {"error": "late"}},
  {"event_type": "observation_start", "trace_id": "ix-t1", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c",
   "observation_id": "ix-o3", "timestamp": "1762500606.5", "data": {"name": "new", "type": "TOOL"}}
]$$);

-- New entities (and a placeholder trace).
SELECT idx, status, message FROM swisper.ingest_batch((SELECT batch FROM ev WHERE name = 'first'));
SELECT * FROM pg_temp.state_amcheck();
SELECT * FROM pg_temp.state_scans();

-- Merged into them: their state rows are updated.
SELECT idx, status, message FROM swisper.ingest_batch((SELECT batch FROM ev WHERE name = 'later'));
SELECT * FROM pg_temp.state_amcheck();
SELECT * FROM pg_temp.state_scans();

-- Delivered again: duplicates, nothing written.
SELECT status, count(*) FROM swisper.ingest_batch((SELECT batch FROM ev WHERE name = 'later')) GROUP BY 1;
SELECT * FROM pg_temp.state_amcheck();
SELECT * FROM pg_temp.state_scans();

-- The application deletes trace ix-t1 (its observations go by cascade);
-- delivered again, it is created again and its leftover state rows are
-- replaced.
DELETE FROM traces WHERE id = 'ix-t1';
SELECT idx, status, message FROM swisper.ingest_batch((SELECT batch FROM ev WHERE name = 'first'));
SELECT entity_kind, entity_id, count(*) AS state_rows
  FROM swisper.ingest_merge_state WHERE entity_id LIKE 'ix-%' GROUP BY 1, 2 ORDER BY 1, 2;
SELECT * FROM pg_temp.state_amcheck();
SELECT * FROM pg_temp.state_scans();

-- A call that rolls back leaves every index consistent too.
DELETE FROM traces WHERE id = 'ix-t2';
BEGIN;
SELECT count(*) AS events FROM swisper.ingest_batch((SELECT batch FROM ev WHERE name = 'later'));
ROLLBACK;
SELECT * FROM pg_temp.state_amcheck();
SELECT * FROM pg_temp.state_scans();

DROP INDEX swisper.state_entity_id, swisper.state_lower_id, swisper.state_obs_stamps;
