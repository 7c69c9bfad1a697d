\i test/fixtures/reset.sql
\set stream `cat test/fixtures/events/swisper_stream.json`
\set langfuse `cat test/fixtures/events/langfuse_batch.json`

-- The fixture streams (SDK entries and Langfuse envelopes), and helpers:
-- a digest of every row of traces and observations, and a reset of the
-- ingested rows with their merge state.
CREATE TEMP TABLE ev AS
SELECT n, e FROM jsonb_array_elements(:'stream') WITH ORDINALITY AS a(e, n)
UNION ALL
SELECT 100 + n, e FROM jsonb_array_elements(CAST(:'langfuse' AS jsonb) -> 'batch') WITH ORDINALITY AS b(e, n);
CREATE FUNCTION pg_temp.digest() RETURNS text LANGUAGE sql AS $$
  SELECT md5((SELECT string_agg(t::text, '|' ORDER BY t.id) FROM traces t) || '#' ||
             (SELECT string_agg(o::text, '|' ORDER BY o.id) FROM observations o))
$$;
CREATE FUNCTION pg_temp.clear() RETURNS void LANGUAGE sql AS $$
  DELETE FROM observations;
  DELETE FROM traces WHERE id NOT IN ('e1a8c0b2-6d4f-4a3e-8b7c-1d2e3f4a5b6c', 'f2b9d1c3-7e5a-4b4f-9c8d-2e3f4a5b6c7d');
  TRUNCATE swisper.ingest_merge_state;
$$;

-- In order, in one call.
SELECT pg_temp.clear();
SELECT count(*) AS events, count(*) FILTER (WHERE status IN (200, 201, 202)) AS accepted
FROM swisper.ingest_batch((SELECT jsonb_agg(e ORDER BY n) FROM ev), '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f');
SELECT pg_temp.digest() AS in_order \gset
SELECT count(*) AS traces FROM traces;
SELECT count(*) AS observations FROM observations;

-- In reverse order, one event per call: an end before its start, an
-- observation before its trace (a placeholder trace that trace_start fills).
SELECT pg_temp.clear();
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT e FROM ev ORDER BY n DESC LOOP
    PERFORM * FROM swisper.ingest_batch(jsonb_build_array(r.e), '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f');
  END LOOP;
END
$$;
SELECT pg_temp.digest() = :'in_order' AS reverse_converges;

-- 50 seeded shuffles, each with about 30% of the events delivered twice,
-- cut into calls of 1 to 7 events: every one gives the in-order rows, and
-- no event is refused.
CREATE TEMP TABLE outcome (seed int, converged bool, refused int);
SET my.in_order = :'in_order';
DO $$
DECLARE
  arr jsonb[];
  i int;
  k int;
  bad int;
  refused int;
BEGIN
  FOR s IN 1..50 LOOP
    PERFORM pg_temp.clear();
    PERFORM setseed(s / 100.0);
    SELECT array_agg(e ORDER BY r) INTO arr
    FROM (SELECT e, random() AS r FROM ev
          UNION ALL
          SELECT e, random() + 0.2 FROM ev WHERE random() < 0.3) x;
    i := 1;
    refused := 0;
    WHILE i <= array_length(arr, 1) LOOP
      k := 1 + floor(random() * 7)::int;
      SELECT count(*) FILTER (WHERE status NOT IN (200, 201, 202)) INTO bad
      FROM swisper.ingest_batch(to_jsonb(arr[i:i + k - 1]), '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f');
      refused := refused + bad;
      i := i + k;
    END LOOP;
    INSERT INTO outcome VALUES (s, pg_temp.digest() = current_setting('my.in_order'), refused);
  END LOOP;
END
$$;
SELECT count(*) AS permutations, count(*) FILTER (WHERE converged) AS converged,
       sum(refused) AS refused
FROM outcome;
