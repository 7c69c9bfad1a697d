\i test/fixtures/reset.sql
-- A row deleted by the application leaves its merge state behind until
-- swisper.ingest_prune() runs.  Events for the same id then create the row
-- again from scratch (201, not "duplicate"), and the leftover state row is
-- replaced, never doubled: the ingestion does not look for the state of an
-- entity without a row; the unique check of the new state row finds the
-- leftover, which is deleted.
CREATE TEMP TABLE ev AS SELECT $$[
  {"event_type": "trace_start", "trace_id": "stale-t", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c",
   "timestamp": "1762500600.5", "data": {"name": "first"}},
  {"event_type": "observation_start", "trace_id": "stale-t", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c",
   "observation_id": "stale-o", "timestamp": "1762500601.5", "data": {"name": "step", "type": "SPAN"}},
  {"event_type": "observation_end", "trace_id": "stale-t", "project_id": "7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c",
   "observation_id": "stale-o", "timestamp": "1762500602.5", "data": {"output": {"ok": true}}}
]$$::jsonb AS batch;
SELECT idx, status, message FROM swisper.ingest_batch((SELECT batch FROM ev));
SELECT entity_kind, entity_id FROM swisper.ingest_merge_state ORDER BY 1, 2;

-- The application deletes the trace (its observation goes by cascade).
DELETE FROM traces WHERE id = 'stale-t';
SELECT entity_kind, entity_id FROM swisper.ingest_merge_state ORDER BY 1, 2;

-- The same events again: created again, one state row per entity.
SELECT idx, status, message FROM swisper.ingest_batch((SELECT batch FROM ev));
SELECT entity_kind, entity_id, count(*) AS state_rows FROM swisper.ingest_merge_state GROUP BY 1, 2 ORDER BY 1, 2;
SELECT id, name, end_time, output FROM observations WHERE id = 'stale-o';

-- And that state is the one that counts: a third delivery is a duplicate.
SELECT idx, status, message FROM swisper.ingest_batch((SELECT batch FROM ev));

-- A call that rolls back leaves the leftover as it was.
DELETE FROM traces WHERE id = 'stale-t';
BEGIN;
SELECT count(*) AS events FROM swisper.ingest_batch((SELECT batch FROM ev));
ROLLBACK;
SELECT entity_kind, entity_id, count(*) AS state_rows FROM swisper.ingest_merge_state GROUP BY 1, 2 ORDER BY 1, 2;
SELECT count(*) AS rows FROM observations WHERE id = 'stale-o';
