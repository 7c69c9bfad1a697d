\i test/fixtures/reset.sql
\set stream `cat test/fixtures/events/swisper_stream.json`
\set langfuse `cat test/fixtures/events/langfuse_batch.json`
\set http `cat test/fixtures/events/swisper_http.json`

-- Ingestion into partitioned traces and observations gives the rows of
-- the same tables unpartitioned: the fixture streams (SDK entries, Langfuse
-- envelopes) and the HTTP bodies (create_trace, create_observation,
-- update_observation), delivered in order into the fixture's plain tables,
-- then shuffled and partly delivered twice into each partitioned layout.
-- The range layout cuts the fixture's second into partitions of 100 ms, so
-- that a start time or trace timestamp arriving after a derived or
-- placeholder one moves its row to another partition; the HTTP bodies'
-- rows (2025-11-05) fall into no range and go to the default partition.

-- What is delivered: batch elements (e) and single-event calls (t, o, u).
CREATE TEMP TABLE item (n int, kind "char", body jsonb);
INSERT INTO item
SELECT n, 'e', e FROM jsonb_array_elements(:'stream') WITH ORDINALITY AS a(e, n)
UNION ALL
SELECT 100 + n, 'e', e FROM jsonb_array_elements(CAST(:'langfuse' AS jsonb) -> 'batch') WITH ORDINALITY AS b(e, n)
UNION ALL
VALUES (201, 't', CAST(:'http' AS jsonb) -> 'POST /api/v1/traces'),
       (202, 'o', CAST(:'http' AS jsonb) -> 'POST /api/v1/observations'),
       (203, 'u', CAST(:'http' AS jsonb) -> 'PATCH /api/v1/observations/fc1efce5-0b7e-4a43-9d1b-6f7f2a0e9c55');

-- Deliver items: the single-event calls, then one batch of the elements;
-- returns how many were refused.
CREATE FUNCTION pg_temp.deliver(items item[]) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  it item;
  batch jsonb := '[]';
  bad int := 0;
  b int;
  p text := '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c';
BEGIN
  FOREACH it IN ARRAY items LOOP
    CASE it.kind
      WHEN 'e' THEN batch := batch || jsonb_build_array(it.body);
      WHEN 't' THEN SELECT count(*) FILTER (WHERE status NOT IN (200, 201)) INTO b FROM swisper.create_trace(it.body);
      WHEN 'o' THEN SELECT count(*) FILTER (WHERE status NOT IN (200, 201)) INTO b FROM swisper.create_observation(it.body, p);
      WHEN 'u' THEN SELECT count(*) FILTER (WHERE status NOT IN (200, 201)) INTO b
                    FROM swisper.update_observation('fc1efce5-0b7e-4a43-9d1b-6f7f2a0e9c55', it.body, p);
    END CASE;
    bad := bad + CASE WHEN it.kind = 'e' THEN 0 ELSE b END;
  END LOOP;
  IF jsonb_array_length(batch) > 0 THEN
    SELECT count(*) FILTER (WHERE status NOT IN (200, 201, 202)) INTO b
    FROM swisper.ingest_batch(batch, '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f');
    bad := bad + b;
  END IF;
  RETURN bad;
END
$$;

-- Every row of both tables; the ingested rows gone, with their state.
CREATE FUNCTION pg_temp.digest() RETURNS text LANGUAGE sql AS $$
  SELECT md5((SELECT string_agg(t::text, '|' ORDER BY t.id) FROM traces t) || '#' ||
             (SELECT string_agg(o::text, '|' ORDER BY o.id) FROM observations o))
$$;
CREATE FUNCTION pg_temp.clear() RETURNS void LANGUAGE sql AS $$
  DELETE FROM observations;
  DELETE FROM traces WHERE id NOT IN ('e1a8c0b2-6d4f-4a3e-8b7c-1d2e3f4a5b6c', 'f2b9d1c3-7e5a-4b4f-9c8d-2e3f4a5b6c7d');
  TRUNCATE swisper.ingest_merge_state;
$$;
-- One row per id, and the state names the partition that holds each row.
CREATE FUNCTION pg_temp.consistent() RETURNS bool LANGUAGE sql AS $$
  SELECT (SELECT count(*) = count(DISTINCT id) FROM traces)
     AND (SELECT count(*) = count(DISTINCT id) FROM observations)
     AND NOT EXISTS (SELECT FROM traces t JOIN swisper.ingest_merge_state s
                       ON s.entity_kind = 't' AND s.entity_id = t.id
                     WHERE s.row_partition IS DISTINCT FROM t.tableoid::regclass)
     AND NOT EXISTS (SELECT FROM observations o JOIN swisper.ingest_merge_state s
                       ON s.entity_kind = 'o' AND s.entity_id = o.id
                     WHERE s.row_partition IS DISTINCT FROM o.tableoid::regclass)
$$;

-- The reference: in order, into the plain tables.
SELECT pg_temp.clear();
SELECT pg_temp.deliver((SELECT array_agg(i ORDER BY n) FROM item i)) AS refused;
SELECT pg_temp.digest() AS plain \gset
SELECT count(*) AS traces FROM traces;
SELECT count(*) AS observations FROM observations;

-- The layouts: the same columns, partitioned, with the fixture's two
-- traces (written before the extension).  Partitioned traces cannot be referenced by a foreign key
-- on observations.trace_id (its unique key includes the partition key).
CREATE TEMP TABLE fixture_traces AS SELECT * FROM traces WHERE id IN
  ('e1a8c0b2-6d4f-4a3e-8b7c-1d2e3f4a5b6c', 'f2b9d1c3-7e5a-4b4f-9c8d-2e3f4a5b6c7d');
CREATE TABLE tmpl_traces (LIKE traces INCLUDING DEFAULTS);
CREATE TABLE tmpl_observations (LIKE observations INCLUDING DEFAULTS);
CREATE FUNCTION pg_temp.layout(name text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t timestamp;
BEGIN
  DROP TABLE observations, traces;
  IF name = 'range' THEN
    CREATE TABLE traces (LIKE tmpl_traces INCLUDING DEFAULTS, PRIMARY KEY (id, "timestamp"))
      PARTITION BY RANGE ("timestamp");
    CREATE TABLE observations (LIKE tmpl_observations INCLUDING DEFAULTS, PRIMARY KEY (id, start_time))
      PARTITION BY RANGE (start_time);
    CREATE TABLE traces_default PARTITION OF traces DEFAULT;
    CREATE TABLE observations_default PARTITION OF observations DEFAULT;
    FOR i IN 0..19 LOOP
      t := timestamp '2025-11-07 07:30:15' + i * interval '100 ms';
      EXECUTE format('CREATE TABLE traces_%s PARTITION OF traces FOR VALUES FROM (%L) TO (%L)',
                     i, t, t + interval '100 ms');
      EXECUTE format('CREATE TABLE observations_%s PARTITION OF observations FOR VALUES FROM (%L) TO (%L)',
                     i, t, t + interval '100 ms');
    END LOOP;
    CREATE TABLE traces_early PARTITION OF traces FOR VALUES FROM ('2025-11-01') TO ('2025-11-05');
    CREATE TABLE observations_early PARTITION OF observations FOR VALUES FROM ('2025-11-01') TO ('2025-11-05');
    CREATE TABLE traces_later PARTITION OF traces FOR VALUES FROM ('2025-11-07 07:30:17') TO ('2025-12-01');
    CREATE TABLE observations_later PARTITION OF observations FOR VALUES FROM ('2025-11-07 07:30:17') TO ('2025-12-01');
  ELSIF name = 'hash' THEN
    -- trace_id stays nullable (a unique index, not a primary key): an
    -- update without it may come first
    CREATE TABLE traces (LIKE tmpl_traces INCLUDING DEFAULTS, PRIMARY KEY (id, project_id))
      PARTITION BY HASH (project_id);
    CREATE TABLE observations (LIKE tmpl_observations INCLUDING DEFAULTS)
      PARTITION BY HASH (trace_id);
    CREATE UNIQUE INDEX ON observations (id, trace_id);
    FOR i IN 0..2 LOOP
      EXECUTE format('CREATE TABLE traces_%s PARTITION OF traces FOR VALUES WITH (MODULUS 3, REMAINDER %s)', i, i);
      EXECUTE format('CREATE TABLE observations_%s PARTITION OF observations FOR VALUES WITH (MODULUS 3, REMAINDER %s)', i, i);
    END LOOP;
  ELSIF name = 'hash_id' THEN
    CREATE TABLE traces (LIKE tmpl_traces INCLUDING DEFAULTS, PRIMARY KEY (id)) PARTITION BY HASH (id);
    CREATE TABLE observations (LIKE tmpl_observations INCLUDING DEFAULTS, PRIMARY KEY (id)) PARTITION BY HASH (id);
    FOR i IN 0..2 LOOP
      EXECUTE format('CREATE TABLE traces_%s PARTITION OF traces FOR VALUES WITH (MODULUS 3, REMAINDER %s)', i, i);
      EXECUTE format('CREATE TABLE observations_%s PARTITION OF observations FOR VALUES WITH (MODULUS 3, REMAINDER %s)', i, i);
    END LOOP;
  END IF;
  INSERT INTO traces SELECT * FROM fixture_traces;
END
$$;

-- Per layout: in order in one call, in reverse one item per call (ends
-- before starts, observations before their trace), then 30 seeded shuffles
-- with about 30% of the items delivered twice, cut into calls of 1 to 7.
CREATE TEMP TABLE outcome (layout text, run text, converged bool, consistent bool, refused int);
SET my.plain = :'plain';
CREATE FUNCTION pg_temp.run(layout text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  arr item[];
  i int;
  k int;
  refused int;
BEGIN
  PERFORM pg_temp.layout(layout);
  PERFORM pg_temp.clear();
  refused := pg_temp.deliver((SELECT array_agg(x ORDER BY n) FROM item x));
  INSERT INTO outcome VALUES (layout, 'in order', pg_temp.digest() = current_setting('my.plain'),
                              pg_temp.consistent(), refused);
  PERFORM pg_temp.clear();
  refused := 0;
  FOR i IN SELECT n FROM item ORDER BY n DESC LOOP
    refused := refused + pg_temp.deliver((SELECT array_agg(x) FROM item x WHERE n = i));
  END LOOP;
  INSERT INTO outcome VALUES (layout, 'reverse', pg_temp.digest() = current_setting('my.plain'),
                              pg_temp.consistent(), refused);
  FOR s IN 1..30 LOOP
    PERFORM pg_temp.clear();
    PERFORM setseed(s / 100.0);
    SELECT array_agg(x ORDER BY r) INTO arr
    FROM (SELECT x, random() AS r FROM item x
          UNION ALL
          SELECT x, random() + 0.2 FROM item x WHERE random() < 0.3) y;
    i := 1;
    refused := 0;
    WHILE i <= array_length(arr, 1) LOOP
      k := 1 + floor(random() * 7)::int;
      refused := refused + pg_temp.deliver(arr[i:i + k - 1]);
      i := i + k;
    END LOOP;
    INSERT INTO outcome VALUES (layout, 'shuffled', pg_temp.digest() = current_setting('my.plain'),
                                pg_temp.consistent(), refused);
  END LOOP;
END
$$;
SELECT pg_temp.run('range');
SELECT pg_temp.run('hash');
SELECT pg_temp.run('hash_id');
SELECT layout, run, count(*) AS runs, count(*) FILTER (WHERE converged) AS converged,
       count(*) FILTER (WHERE consistent) AS consistent, sum(refused) AS refused
FROM outcome GROUP BY 1, 2 ORDER BY 1, 2 DESC;

-- The range layout's rows are spread over its partitions, the HTTP
-- bodies' in the default one.
SELECT pg_temp.layout('range'), pg_temp.clear();
SELECT pg_temp.deliver((SELECT array_agg(x ORDER BY n) FROM item x)) AS refused;
SELECT count(DISTINCT tableoid) AS trace_partitions FROM traces;
SELECT count(DISTINCT tableoid) AS observation_partitions FROM observations;
SELECT tableoid::regclass AS partition, id FROM traces WHERE tableoid = 'traces_default'::regclass
UNION ALL
SELECT tableoid::regclass, id FROM observations WHERE tableoid = 'observations_default'::regclass
ORDER BY 1, 2;

DROP TABLE tmpl_traces, tmpl_observations;
