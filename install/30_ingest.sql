-- Ingestion: @extschema@.ingest_batch() and the single-event functions
-- of the HTTP API, written in C (src/ingest_*.c), and the table they
-- keep in schema swisper: the per-entity merge state, which also records
-- the events applied to each entity (duplicate detection).

-- For every entity written by the ingestion, the stamp of the value each
-- field holds: (class, event timestamp, tie-break) packed as two
-- big-endian int64 per field, then the 64-bit hashes of the ids of the
-- events applied to it.  This is what makes the merge independent of
-- arrival order across calls, and re-deliveries recognisable.
-- entity_id is compared only for equality, so it is collated "C": every
-- probe and index insert then compares bytes (memcmp) instead of calling
-- strcoll() of the database's collation several times per btree level.
-- row_partition: when traces or observations is partitioned, the partition
-- that holds the entity's row, so that the row is found with one probe of
-- that partition's index; regclass, so that pg_dump writes it as a name and
-- a restore maps it to the new partition's OID.
CREATE TABLE @extschema@.ingest_merge_state (
    entity_kind   "char"   NOT NULL CHECK (entity_kind IN ('t', 'o')),
    entity_id     text     COLLATE "C" NOT NULL,
    stamps        bytea    NOT NULL,
    row_partition regclass,
    PRIMARY KEY (entity_kind, entity_id)
);
COMMENT ON TABLE @extschema@.ingest_merge_state IS
    'Merge state of each ingested trace (t) and observation (o): per field the stamp (class, event timestamp, tie-break) of the stored value, then the hashes of the applied event ids';
COMMENT ON COLUMN @extschema@.ingest_merge_state.row_partition IS
    'The partition of traces or observations that holds the entity''s row when that table is partitioned; NULL otherwise';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.ingest_merge_state', '');
REVOKE ALL ON TABLE @extschema@.ingest_merge_state FROM PUBLIC;

CREATE FUNCTION @extschema@.ingest_batch(events jsonb, project_id text DEFAULT NULL)
RETURNS TABLE (idx integer, event_id text, status integer, message text)
AS 'MODULE_PATHNAME', 'ingest_batch'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.ingest_batch(jsonb, text) IS
    'Ingest a batch of SDK stream entries and Langfuse envelopes (an array, or {"batch": [...]}); one (idx, event_id, status, message) row per element, in input order';

CREATE FUNCTION @extschema@.ingest_entries(entries text[], project_id text DEFAULT NULL)
RETURNS TABLE (idx integer, event_id text, status integer, message text)
AS 'MODULE_PATHNAME', 'ingest_entries'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.ingest_entries(text[], text) IS
    'Ingest SDK stream entries and Langfuse envelopes given as one JSON text each: a text that is not JSON is its element''s 400, \u0000 is kept where the column can hold it (else U+FFFD); one (idx, event_id, status, message) row per element, in input order';

CREATE FUNCTION @extschema@.create_trace(body jsonb, project_id text DEFAULT NULL)
RETURNS TABLE (idx integer, event_id text, status integer, message text)
AS 'MODULE_PATHNAME', 'ingest_create_trace'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.create_trace(jsonb, text) IS
    'Ingest the body of POST /api/v1/traces; returns one row as ingest_batch does';

CREATE FUNCTION @extschema@.create_observation(body jsonb, project_id text DEFAULT NULL)
RETURNS TABLE (idx integer, event_id text, status integer, message text)
AS 'MODULE_PATHNAME', 'ingest_create_observation'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.create_observation(jsonb, text) IS
    'Ingest the body of POST /api/v1/observations; returns one row as ingest_batch does';

CREATE FUNCTION @extschema@.update_observation(observation_id text, body jsonb, project_id text DEFAULT NULL)
RETURNS TABLE (idx integer, event_id text, status integer, message text)
AS 'MODULE_PATHNAME', 'ingest_update_observation'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.update_observation(text, jsonb, text) IS
    'Ingest the body of PATCH /api/v1/observations/{id}; returns one row as ingest_batch does';

-- Housekeeping: delete the merge state of entities whose rows are gone
-- (deleted traces and observations, and those of partitions that retention
-- dropped or detached).  Returns the number of rows removed.  Which rows
-- still exist is read as the owner of traces and observations.
CREATE FUNCTION @extschema@.ingest_prune()
RETURNS bigint
AS 'MODULE_PATHNAME', 'ingest_prune'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.ingest_prune() IS
    'Delete the merge state of deleted traces and observations (also of partitions that are gone); returns the number of rows removed';

REVOKE EXECUTE ON FUNCTION @extschema@.ingest_batch(jsonb, text),
    @extschema@.ingest_entries(text[], text),
    @extschema@.create_trace(jsonb, text),
    @extschema@.create_observation(jsonb, text),
    @extschema@.update_observation(text, jsonb, text),
    @extschema@.ingest_prune() FROM PUBLIC;

-- OpenTelemetry: the body of an OTLP/HTTP JSON trace export, taken as text
-- and parsed by the function itself, so that one bad span gets its own
-- row instead of failing the call.  Every span makes an observation, a
-- root span its trace too; the same merge as ingest_batch().
CREATE FUNCTION @extschema@.ingest_otlp(request text, project_id text DEFAULT NULL)
RETURNS TABLE (idx integer, span_id text, status integer, message text)
AS 'MODULE_PATHNAME', 'ingest_otlp'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.ingest_otlp(text, text) IS
    'Ingest an OTLP/HTTP JSON trace export (ExportTraceServiceRequest): every span an observation, a root span also its trace (GenAI semantic conventions mapped as docs/otlp.md says); one (idx, span_id, status, message) row per span, in document order';
REVOKE EXECUTE ON FUNCTION @extschema@.ingest_otlp(text, text) FROM PUBLIC;
