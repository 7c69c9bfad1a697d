\i test/fixtures/reset.sql
-- The messages of a large batch.  They are made while the batch is written
-- (through SPI) and must outlive it: valgrind (make valgrind) caught them
-- being read after SPI_finish() had freed them, which gave empty or garbled
-- messages, and a crash of the backend once the freed memory was unmapped
-- (50,000 events).  Here 20,000 events of one new trace: the first creates
-- it, each other one is merged into it.
WITH batch AS (
  SELECT jsonb_agg(jsonb_build_object(
           'event_type', 'trace_start', 'trace_id', 't-many',
           'project_id', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c',
           'timestamp', (1762500615 + i)::text, 'data', jsonb_build_object('name', 'n' || i))
         ORDER BY i) AS b
  FROM generate_series(1, 20000) AS i)
SELECT r.status, r.message, count(*)
  FROM batch, swisper.ingest_batch(batch.b) AS r
 GROUP BY 1, 2 ORDER BY 1, 2;

-- The other messages made per event: unknown projects (404) and repeats of
-- an event within the batch (200), 5,000 of each.
WITH batch AS (
  SELECT jsonb_agg(e ORDER BY i) AS b
  FROM generate_series(1, 5000) AS i,
       LATERAL (VALUES
         (jsonb_build_object('event_type', 'trace_start', 'trace_id', 't-lost-' || i,
                             'project_id', 'no-such-project-' || i, 'timestamp', '1762500615')),
         (jsonb_build_object('event_type', 'trace_start', 'trace_id', 't-again',
                             'project_id', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c',
                             'timestamp', '1762500615'))) AS v(e))
SELECT r.status, regexp_replace(r.message, '[0-9]+', 'N', 'g') AS message, count(*)
  FROM batch, swisper.ingest_batch(batch.b) AS r
 GROUP BY 1, 2 ORDER BY 1, 2;
SELECT count(*) AS traces FROM traces WHERE id IN ('t-many', 't-again');
