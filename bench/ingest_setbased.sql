-- Baseline (c) of bench/ingest_bench.py: the merge of swisper.ingest_batch()
-- written as set-based SQL (jsonb_to_recordset, INSERT ... ON CONFLICT DO
-- UPDATE), for the SDK stream entries the benchmark's generator produces
-- (trace_start, observation_start, observation_end, observation_error).
-- Loaded by the benchmark into its database after CREATE EXTENSION; the
-- observability tables are those of test/fixtures/observability_schema.sql.
--
-- The rules are the README's "Ingestion: how events merge":
--   * merge by entity id (trace id, observation id);
--   * first wins (trace project_id and timestamp, observation trace_id and
--     start_time): the lowest (class, event timestamp, tie-break), class 0 =
--     explicit value, 1 = derived from the event's timestamp, 2 = placeholder;
--   * every other field: the highest (precedence, event timestamp,
--     tie-break), nulls and absent keys ignored; precedence 0 = column
--     default (level DEFAULT, type SPAN), 1 = start, 2 = observation_end,
--     3 = observation_error (level ERROR, status_message or error, end_time
--     or the event's timestamp); an end without end_time ends at the event's
--     timestamp;
--   * an observation implies a placeholder trace (its project, its start
--     time) at class 2; as in the C code, the stamp of that timestamp is
--     ordered by the start time (the event's timestamp when the event has
--     no start_time), the project's by the event's timestamp;
--   * tie-break: hashtextextended(event id, 0), the 64-bit hash the C code
--     takes (hash_bytes_extended, seed 0);
--   * an event whose id (<event_type>:<entity id>:<epoch seconds, 6
--     decimals>) was applied before, in this batch or an earlier one,
--     changes nothing; events of unknown or soft-deleted projects are left
--     out (the C code answers 404).
--
-- Because "latest wins" holds across calls, the merge keeps its own state:
--   bench_setbased_state  one row per entity: per field with a value, the
--                         stamp of that value as two bigints (k1, k2),
--                         oriented so that the larger stamp always wins:
--                         latest wins: k1 = precedence << 56 | (µs since
--                         the Unix epoch + 2^54), k2 = tie-break; first
--                         wins: the bitwise NOT of both (~x = -x - 1
--                         reverses the order, without overflow);
--   bench_setbased_seen   the ids of the events applied (primary key).
--
-- One call of bench_setbased_ingest(batch) per batch, in its own transaction
-- (autocommit: one round trip), runs two statements: lock the entities, then
-- one statement that does the whole merge (see the function).
--
-- Not covered (the generator sends none of it): Langfuse envelopes, HTTP
-- bodies, heartbeats, validation (a value that does not fit its column
-- fails the whole batch instead of getting a 400), per-event statuses.
-- Unlike the C code, which keeps the hashes of applied event ids per entity
-- and forgets them with a deleted row, the ledger here is global and keeps
-- every id.

CREATE TABLE bench_setbased_state (
    kind "char"   NOT NULL,         -- 't' trace, 'o' observation
    id   text     NOT NULL,
    f    smallint[] NOT NULL,       -- field numbers (see the unpivot in bench_setbased_ingest)
    k1   bigint[] NOT NULL,         -- stamp of each field's value, part 1
    k2   bigint[] NOT NULL,         -- part 2 (tie-break)
    PRIMARY KEY (kind, id)
);

CREATE TABLE bench_setbased_seen (
    event_id text PRIMARY KEY
);

-- A timestamp of the data (start_time, end_time, ...): ISO 8601, the zone
-- honoured, no zone meaning UTC (the callers run with TimeZone = UTC), as
-- the C parser reads it.  (The C parser also takes epoch seconds there; the
-- SDK sends ISO 8601.)  One use of the argument, so it is inlined.
CREATE FUNCTION bench_setbased_ts(s text) RETURNS timestamp
LANGUAGE sql STABLE AS $$
    SELECT s::timestamptz AT TIME ZONE 'UTC'
$$;

-- The stream entries of a batch (an array or {"batch": [...]}), one row per
-- trace/observation event: its entity, project, timestamp (epoch seconds,
-- string or number, rounded to the microsecond as the C parser does),
-- precedence, data (an object, or a string holding one), event id and
-- tie-break.  Other event types (heartbeat) are left out.  Inlined into the
-- statements.
CREATE FUNCTION bench_setbased_events(batch jsonb)
RETURNS TABLE (idx bigint, kind "char", eid text, trace_id text, project_id text, prec int,
               ts timestamp, ts_us bigint, d jsonb, event_id text, tb bigint)
LANGUAGE sql STABLE AS $$
    SELECT x.idx, k.kind, k.eid, k.trace_id, k.project_id, k.prec, t.ts, t.ts_us, dd.d, i.event_id,
           hashtextextended(i.event_id, 0)
    FROM ROWS FROM (jsonb_to_recordset(CASE WHEN jsonb_typeof(batch) = 'object' THEN batch->'batch'
                                            ELSE batch END)
                    AS (event_type text, trace_id text, project_id text, observation_id text,
                        "timestamp" text, data jsonb)) WITH ORDINALITY
         AS x(event_type, trace_id, project_id, observation_id, ts, data, idx)
    CROSS JOIN LATERAL (SELECT CASE WHEN jsonb_typeof(x.data) = 'string' THEN (x.data #>> '{}')::jsonb
                                    ELSE x.data END AS d) dd
    CROSS JOIN LATERAL (SELECT CASE WHEN x.event_type = 'trace_start' THEN 't' ELSE 'o' END::"char" AS kind,
                               CASE WHEN x.event_type = 'trace_start' THEN coalesce(x.trace_id, dd.d->>'id')
                                    ELSE coalesce(x.observation_id, dd.d->>'id') END AS eid,
                               CASE WHEN x.event_type <> 'trace_start'
                                    THEN coalesce(x.trace_id, dd.d->>'trace_id') END AS trace_id,
                               coalesce(x.project_id, dd.d->>'project_id') AS project_id,
                               CASE x.event_type WHEN 'observation_end' THEN 2
                                                 WHEN 'observation_error' THEN 3 ELSE 1 END AS prec) k
    CROSS JOIN LATERAL (SELECT round(x.ts::numeric * 1000000)::bigint AS ts_us) t0
    CROSS JOIN LATERAL (SELECT timestamp '1970-01-01' + t0.ts_us * interval '1 microsecond' AS ts, t0.ts_us) t
    CROSS JOIN LATERAL (SELECT x.event_type || ':' || k.eid || ':'
                               || ((t.ts_us - (t.ts_us % 1000000 + 1000000) % 1000000) / 1000000) || '.'
                               || lpad(((t.ts_us % 1000000 + 1000000) % 1000000)::text, 6, '0') AS event_id) i
    WHERE x.event_type IN ('trace_start', 'observation_start', 'observation_end', 'observation_error')
      AND k.eid <> '' AND x.ts IS NOT NULL
$$;

-- Merge one batch.  Runs at READ COMMITTED: the merge statement takes its
-- snapshot after the locks of the first, so it sees what the batches that
-- held them committed.
CREATE FUNCTION bench_setbased_ingest(batch jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE
SET TimeZone = 'UTC'
AS $fn$
BEGIN
    -- 1. Lock every entity the batch touches (and every implied placeholder
    --    trace), in one global order (hash), so concurrent batches on the same
    --    entity serialize and cannot deadlock.
    PERFORM pg_advisory_xact_lock(s.h)
    FROM (SELECT DISTINCT hashtextextended(k.kind::text || ':' || k.id, 0) AS h
          FROM bench_setbased_events(batch) e
          CROSS JOIN LATERAL unnest(ARRAY[e.kind, 't'], ARRAY[e.eid, e.trace_id]) k(kind, id)
          WHERE k.id IS NOT NULL
          ORDER BY 1) s;

    -- 2. The merge, one statement.
    WITH
    -- events of known, not deleted projects; a repeat within the batch
    -- counts once (the first in input order)
    ev AS (
        SELECT DISTINCT ON (e.event_id) e.*
        FROM bench_setbased_events(batch) e
        WHERE EXISTS (SELECT 1 FROM projects p WHERE p.id = e.project_id AND p.deleted_at IS NULL)
        ORDER BY e.event_id, e.idx
    ),
    -- duplicates of earlier batches: their ids are in the ledger already
    fresh AS (
        INSERT INTO bench_setbased_seen (event_id)
        SELECT event_id FROM ev
        ON CONFLICT DO NOTHING
        RETURNING event_id
    ),
    fe AS (
        SELECT ev.*,
               bench_setbased_ts(coalesce(ev.d->>'startTime', ev.d->>'start_time')) AS st
        FROM ev JOIN fresh USING (event_id)
    ),
    -- unpivot: one candidate per (entity, field) an event carries a value
    -- for, with its class/precedence and the time its stamp orders by.
    -- (unnest of arrays, not a LATERAL VALUES list: PostgreSQL 15 compiles
    -- the expressions of a VALUES row again for every row it produces.)
    c0 AS (
        -- trace_start: fields 1 project_id, 2 timestamp, 3 name, 4 user_id,
        -- 5 session_id, 6 input, 7 output, 8 meta, 9 tags
        SELECT 't'::"char" AS kind, fe.eid AS id, v.f, v.cls, fe.ts_us AS sts, fe.tb,
               v.vt, NULL::jsonb AS vj, NULL::timestamp AS vts
        FROM fe, unnest('{1,3,4,5}'::smallint[], ARRAY[0, fe.prec, fe.prec, fe.prec],
                        ARRAY[fe.project_id, fe.d->>'name', coalesce(fe.d->>'userId', fe.d->>'user_id'),
                              coalesce(fe.d->>'sessionId', fe.d->>'session_id')]) v(f, cls, vt)
        WHERE fe.kind = 't'
        UNION ALL
        SELECT 't', fe.eid, v.f, fe.prec, fe.ts_us, fe.tb, NULL, v.vj, NULL
        FROM fe, unnest('{6,7,8,9}'::smallint[],
                        ARRAY[nullif(fe.d->'input', 'null'), nullif(fe.d->'output', 'null'),
                              coalesce(nullif(fe.d->'metadata', 'null'), nullif(fe.d->'meta', 'null')),
                              nullif(fe.d->'tags', 'null')]) v(f, vj)
        WHERE fe.kind = 't'
        UNION ALL
        SELECT 't', fe.eid, 2, CASE WHEN fe.d->>'timestamp' IS NULL THEN 1 ELSE 0 END, fe.ts_us, fe.tb,
               NULL, NULL, coalesce(bench_setbased_ts(fe.d->>'timestamp'), fe.ts)
        FROM fe
        WHERE fe.kind = 't'
        UNION ALL
        -- observation events: fields 1 trace_id, 2 start_time,
        -- 3 parent_observation_id, 4 type, 5 name, 6 end_time,
        -- 7 completion_start_time, 8 input, 9 output, 10 meta, 11 model,
        -- 12 model_parameters, 13-15 prompt/completion/total tokens, 16 level,
        -- 17 status_message
        SELECT 'o', fe.eid, v.f, v.cls, fe.ts_us, fe.tb, v.vt, NULL, NULL
        FROM fe, unnest('{1,3,4,5,11,13,14,15,16,17}'::smallint[],
                        ARRAY[0, fe.prec, CASE WHEN fe.d->>'type' IS NULL THEN 0 ELSE fe.prec END, fe.prec,
                              fe.prec, fe.prec, fe.prec, fe.prec,
                              CASE WHEN fe.prec = 3 OR fe.d->>'level' IS NOT NULL THEN fe.prec ELSE 0 END,
                              fe.prec],
                        ARRAY[fe.trace_id,
                              coalesce(fe.d->>'parentObservationId', fe.d->>'parent_observation_id'),
                              coalesce(fe.d->>'type', 'SPAN'),
                              fe.d->>'name',
                              coalesce(fe.d->>'model', fe.d #>> '{output,_llm_model}'),
                              coalesce(fe.d #>> '{output,_llm_tokens,prompt}', fe.d #>> '{usage,promptTokens}',
                                       fe.d #>> '{usage,input}', fe.d #>> '{usage,prompt_tokens}',
                                       fe.d->>'promptTokens', fe.d->>'prompt_tokens'),
                              coalesce(fe.d #>> '{output,_llm_tokens,completion}',
                                       fe.d #>> '{usage,completionTokens}', fe.d #>> '{usage,output}',
                                       fe.d #>> '{usage,completion_tokens}', fe.d->>'completionTokens',
                                       fe.d->>'completion_tokens'),
                              coalesce(fe.d #>> '{output,_llm_tokens,total}', fe.d #>> '{usage,totalTokens}',
                                       fe.d #>> '{usage,total}', fe.d #>> '{usage,total_tokens}',
                                       fe.d->>'totalTokens', fe.d->>'total_tokens'),
                              CASE WHEN fe.prec = 3 THEN 'ERROR' ELSE coalesce(fe.d->>'level', 'DEFAULT') END,
                              coalesce(fe.d->>'statusMessage', fe.d->>'status_message',
                                       CASE WHEN fe.prec = 3 THEN fe.d->>'error' END)]) v(f, cls, vt)
        WHERE fe.kind = 'o'
        UNION ALL
        SELECT 'o', fe.eid, v.f, fe.prec, fe.ts_us, fe.tb, NULL, v.vj, NULL
        FROM fe, unnest('{8,9,10,12}'::smallint[],
                        ARRAY[nullif(fe.d->'input', 'null'), nullif(fe.d->'output', 'null'),
                              coalesce(nullif(fe.d->'metadata', 'null'), nullif(fe.d->'meta', 'null')),
                              coalesce(nullif(fe.d->'modelParameters', 'null'),
                                       nullif(fe.d->'model_parameters', 'null'))]) v(f, vj)
        WHERE fe.kind = 'o'
        UNION ALL
        SELECT 'o', fe.eid, v.f, v.cls, fe.ts_us, fe.tb, NULL, NULL, v.vts
        FROM fe, unnest('{2,6,7}'::smallint[],
                        ARRAY[CASE WHEN fe.st IS NULL THEN 1 ELSE 0 END, fe.prec, fe.prec],
                        ARRAY[coalesce(fe.st, fe.ts),
                              coalesce(bench_setbased_ts(coalesce(fe.d->>'endTime', fe.d->>'end_time')),
                                       CASE WHEN fe.prec >= 2 THEN fe.ts END),
                              bench_setbased_ts(coalesce(fe.d->>'completionStartTime',
                                                         fe.d->>'completion_start_time'))]) v(f, cls, vts)
        WHERE fe.kind = 'o'
        UNION ALL
        -- the placeholder trace an observation event implies: its project
        -- (stamped with the event's time) and its timestamp (the
        -- observation's explicit start time, else the event's), class 2
        SELECT 't', fe.trace_id, 1, 2, fe.ts_us, fe.tb, fe.project_id, NULL, NULL
        FROM fe
        WHERE fe.kind = 'o' AND fe.trace_id IS NOT NULL
        UNION ALL
        SELECT 't', fe.trace_id, 2, 2, coalesce((extract(epoch FROM fe.st) * 1000000)::bigint, fe.ts_us), fe.tb,
               NULL, NULL, coalesce(fe.st, fe.ts)
        FROM fe
        WHERE fe.kind = 'o' AND fe.trace_id IS NOT NULL
    ),
    cand AS (
        SELECT kind, id, f,
               CASE WHEN f <= 2 THEN ~((cls::bigint << 56) + sts + 18014398509481984)
                    ELSE (cls::bigint << 56) + sts + 18014398509481984 END AS k1,
               CASE WHEN f <= 2 THEN ~tb ELSE tb END AS k2,
               vt, vj, vts
        FROM c0
        WHERE vt IS NOT NULL OR vj IS NOT NULL OR vts IS NOT NULL
    ),
    ents AS (SELECT DISTINCT kind, id FROM cand),
    -- what is stored: the row (its NOT NULL and first-wins columns) and the
    -- merge state of each entity
    cur AS (
        SELECT e.kind, e.id, r.id IS NOT NULL AS existed, s.f AS sf, s.k1 AS sk1, s.k2 AS sk2,
               r.project_id IS NOT NULL AS has1, r."timestamp" AS t_ts,
               NULL::timestamp AS o_start, NULL::observationtype AS o_type, NULL::varchar AS o_level
        FROM ents e
        LEFT JOIN traces r ON r.id = e.id
        LEFT JOIN bench_setbased_state s ON s.kind = e.kind AND s.id = e.id
        WHERE e.kind = 't'
        UNION ALL
        SELECT e.kind, e.id, r.id IS NOT NULL, s.f, s.k1, s.k2,
               r.trace_id IS NOT NULL, NULL, r.start_time, r.type, r.level
        FROM ents e
        LEFT JOIN observations r ON r.id = e.id
        LEFT JOIN bench_setbased_state s ON s.kind = e.kind AND s.id = e.id
        WHERE e.kind = 'o'
    ),
    stored AS (
        SELECT c.kind, c.id, s.f, s.k1, s.k2
        FROM cur c CROSS JOIN LATERAL unnest(c.sf, c.sk1, c.sk2) s(f, k1, k2)
        WHERE c.existed
        UNION ALL
        -- a row written without this merge (no state): its first-wins
        -- values count as first
        SELECT c.kind, c.id, v.f, 9223372036854775807, 9223372036854775807
        FROM cur c, unnest('{1,2}'::smallint[], ARRAY[c.has1, c.t_ts IS NOT NULL OR c.o_start IS NOT NULL]) v(f, has)
        WHERE c.existed AND c.sf IS NULL AND v.has
    ),
    -- the winner of every (entity, field): a stored value or a candidate
    win AS (
        SELECT DISTINCT ON (kind, id, f) kind, id, f, k1, k2, fresh, vt, vj, vts
        FROM (SELECT kind, id, f, k1, k2, true AS fresh, vt, vj, vts FROM cand
              UNION ALL
              SELECT kind, id, f, k1, k2, false, NULL, NULL, NULL FROM stored) a
        ORDER BY kind, id, f, k1 DESC, k2 DESC
    ),
    -- the new state of every entity where a candidate won
    state_w AS (
        INSERT INTO bench_setbased_state AS s (kind, id, f, k1, k2)
        SELECT kind, id, array_agg(f), array_agg(k1), array_agg(k2)
        FROM win GROUP BY kind, id HAVING bool_or(fresh)
        ON CONFLICT (kind, id) DO UPDATE SET f = EXCLUDED.f, k1 = EXCLUDED.k1, k2 = EXCLUDED.k2
    ),
    -- pivot: one row per entity where a candidate won; NULL where the
    -- stored value stays (the upsert keeps it)
    pt AS (
        SELECT id,
               min(vt) FILTER (WHERE f = 1) AS project_id,
               min(vts) FILTER (WHERE f = 2) AS ts,
               min(vt) FILTER (WHERE f = 3) AS name,
               min(vt) FILTER (WHERE f = 4) AS user_id,
               min(vt) FILTER (WHERE f = 5) AS session_id,
               (array_agg(vj) FILTER (WHERE f = 6))[1] AS input,
               (array_agg(vj) FILTER (WHERE f = 7))[1] AS output,
               (array_agg(vj) FILTER (WHERE f = 8))[1] AS meta,
               (array_agg(vj) FILTER (WHERE f = 9))[1] AS tags
        FROM win WHERE kind = 't' AND fresh GROUP BY id
    ),
    po AS (
        SELECT id,
               min(vt) FILTER (WHERE f = 1) AS trace_id,
               min(vts) FILTER (WHERE f = 2) AS start_time,
               min(vt) FILTER (WHERE f = 3) AS parent_observation_id,
               min(vt) FILTER (WHERE f = 4) AS type,
               min(vt) FILTER (WHERE f = 5) AS name,
               min(vts) FILTER (WHERE f = 6) AS end_time,
               min(vts) FILTER (WHERE f = 7) AS completion_start_time,
               (array_agg(vj) FILTER (WHERE f = 8))[1] AS input,
               (array_agg(vj) FILTER (WHERE f = 9))[1] AS output,
               (array_agg(vj) FILTER (WHERE f = 10))[1] AS meta,
               min(vt) FILTER (WHERE f = 11) AS model,
               (array_agg(vj) FILTER (WHERE f = 12))[1] AS model_parameters,
               min(vt) FILTER (WHERE f = 13) AS prompt_tokens,
               min(vt) FILTER (WHERE f = 14) AS completion_tokens,
               min(vt) FILTER (WHERE f = 15) AS total_tokens,
               min(vt) FILTER (WHERE f = 16) AS level,
               min(vt) FILTER (WHERE f = 17) AS status_message
        FROM win WHERE kind = 'o' AND fresh GROUP BY id
    ),
    -- the traces (a CTE: it runs to completion after the main INSERT, which
    -- is fine: the foreign key of observations is checked at the end of the
    -- statement, and sees them)
    traces_w AS (
        INSERT INTO traces AS t (id, project_id, "timestamp", name, user_id, session_id, input, output, meta, tags)
        SELECT p.id, p.project_id, coalesce(p.ts, c.t_ts), p.name, p.user_id, p.session_id,
               p.input::json, p.output::json, p.meta::json, p.tags::json
        FROM pt p JOIN cur c ON c.kind = 't' AND c.id = p.id
        ON CONFLICT (id) DO UPDATE SET
            project_id = coalesce(EXCLUDED.project_id, t.project_id),
            "timestamp" = coalesce(EXCLUDED."timestamp", t."timestamp"),
            name = coalesce(EXCLUDED.name, t.name),
            user_id = coalesce(EXCLUDED.user_id, t.user_id),
            session_id = coalesce(EXCLUDED.session_id, t.session_id),
            input = coalesce(EXCLUDED.input, t.input),
            output = coalesce(EXCLUDED.output, t.output),
            meta = coalesce(EXCLUDED.meta, t.meta),
            tags = coalesce(EXCLUDED.tags, t.tags)
    )
    INSERT INTO observations AS o (id, trace_id, start_time, parent_observation_id, type, name, end_time,
                                   completion_start_time, input, output, meta, model, model_parameters,
                                   prompt_tokens, completion_tokens, total_tokens, level, status_message)
    SELECT p.id, p.trace_id, coalesce(p.start_time, c.o_start), p.parent_observation_id,
           coalesce(p.type::observationtype, c.o_type), p.name, p.end_time, p.completion_start_time,
           p.input::json, p.output::json, p.meta::json, p.model, p.model_parameters::json,
           p.prompt_tokens::int, p.completion_tokens::int, p.total_tokens::int,
           coalesce(p.level, c.o_level), p.status_message
    FROM po p JOIN cur c ON c.kind = 'o' AND c.id = p.id
    ON CONFLICT (id) DO UPDATE SET
        trace_id = coalesce(EXCLUDED.trace_id, o.trace_id),
        start_time = coalesce(EXCLUDED.start_time, o.start_time),
        parent_observation_id = coalesce(EXCLUDED.parent_observation_id, o.parent_observation_id),
        type = coalesce(EXCLUDED.type, o.type),
        name = coalesce(EXCLUDED.name, o.name),
        end_time = coalesce(EXCLUDED.end_time, o.end_time),
        completion_start_time = coalesce(EXCLUDED.completion_start_time, o.completion_start_time),
        input = coalesce(EXCLUDED.input, o.input),
        output = coalesce(EXCLUDED.output, o.output),
        meta = coalesce(EXCLUDED.meta, o.meta),
        model = coalesce(EXCLUDED.model, o.model),
        model_parameters = coalesce(EXCLUDED.model_parameters, o.model_parameters),
        prompt_tokens = coalesce(EXCLUDED.prompt_tokens, o.prompt_tokens),
        completion_tokens = coalesce(EXCLUDED.completion_tokens, o.completion_tokens),
        total_tokens = coalesce(EXCLUDED.total_tokens, o.total_tokens),
        level = coalesce(EXCLUDED.level, o.level),
        status_message = coalesce(EXCLUDED.status_message, o.status_message);
END
$fn$;
