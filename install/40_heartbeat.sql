-- Project heartbeats, connection status and the health check.
--
-- The heartbeat registry lives in shared memory (src/heartbeat.c); the
-- background worker (src/worker.c) persists it and publishes status changes
-- into @extschema@.project_connection and on the channel swisper_project_status.

--
-- @extschema@.project_connection: the persistent connection state of each
-- project, written by the worker (every status change, and last_seen once
-- per tick for the projects seen since the previous one) and, without
-- shared_preload_libraries, by heartbeat() itself.  A member of the
-- extension whose rows pg_dump keeps.
--
CREATE TABLE @extschema@.project_connection (
	project_id        text        PRIMARY KEY,
	status            text        CHECK (status IN ('connected', 'stale', 'disconnected', 'never_seen', 'disabled')),
	last_seen         timestamptz,
	last_heartbeat    timestamptz,
	connected_since   timestamptz,
	environment       text,
	app_version       text,
	sdk_version       text,
	status_changed_at timestamptz,
	updated_at        timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE @extschema@.project_connection IS
'Connection state per project, persisted by the swisper_ext worker (status NULL: not yet published by the worker)';
COMMENT ON COLUMN @extschema@.project_connection.status IS
'Status last published on channel swisper_project_status: connected, stale, disconnected, never_seen or disabled';
COMMENT ON COLUMN @extschema@.project_connection.last_seen IS
'Time of the last heartbeat or ingested event (persisted at most one worker tick late)';
COMMENT ON COLUMN @extschema@.project_connection.last_heartbeat IS
'Time of the last @extschema@.heartbeat() call';
COMMENT ON COLUMN @extschema@.project_connection.connected_since IS
'Start of the current run of sightings less than swisper.stale_after apart';
COMMENT ON COLUMN @extschema@.project_connection.status_changed_at IS
'When the worker last changed status';
COMMENT ON COLUMN @extschema@.project_connection.updated_at IS
'When the row was last written';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.project_connection', '');

--
-- @extschema@.heartbeat(): the SDK's heartbeat.
--
CREATE FUNCTION @extschema@.heartbeat(project_id text, environment text DEFAULT NULL,
									  app_version text DEFAULT NULL, sdk_version text DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'swisper_heartbeat'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION @extschema@.heartbeat(text, text, text, text) IS
'Record a heartbeat of a project (in shared memory when the library is preloaded); raises no_data_found (P0002) for an unknown or deleted project';

REVOKE EXECUTE ON FUNCTION @extschema@.heartbeat(text, text, text, text) FROM PUBLIC;

--
-- @extschema@.connection_status(): the status rule, shared with the worker.
--
CREATE FUNCTION @extschema@.connection_status(tracing_enabled boolean, last_seen timestamptz)
RETURNS text
AS 'MODULE_PATHNAME', 'swisper_connection_status'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.connection_status(boolean, timestamptz) IS
'Connection status at now(): disabled, never_seen, or connected/stale/disconnected by the age of last_seen against swisper.stale_after and swisper.disconnect_after';

--
-- @extschema@.project_status_rows(): the rows of the view.  The observability
-- tables are found by name when it runs (schema swisper.table_schema), so
-- the view does not depend on them and they can be dropped and re-created.
-- It reads projects and traces as their owner (the caller must still be
-- allowed to SELECT them), so that their owner's code never runs with the
-- caller's rights.
--
CREATE FUNCTION @extschema@.project_status_rows()
RETURNS TABLE (project_id text, project_name text, status text, last_seen timestamptz,
			   seconds_since double precision, connected_since timestamptz,
			   last_heartbeat timestamptz, environment text, app_version text,
			   sdk_version text, traces_today bigint)
AS 'MODULE_PATHNAME', 'swisper_project_status_rows'
LANGUAGE C STABLE;

COMMENT ON FUNCTION @extschema@.project_status_rows() IS
'Rows of @extschema@.project_status, read from the tables of schema swisper.table_schema at call time';

REVOKE EXECUTE ON FUNCTION @extschema@.project_status_rows() FROM PUBLIC;

CREATE VIEW @extschema@.project_status AS
	SELECT * FROM @extschema@.project_status_rows();

COMMENT ON VIEW @extschema@.project_status IS
'Connection status per project for the UI: status, last_seen, seconds since, versions and traces today (UTC)';

--
-- @extschema@.health(): the SDK's start-up check.
--
CREATE FUNCTION @extschema@.health()
RETURNS jsonb
AS 'MODULE_PATHNAME', 'swisper_health'
LANGUAGE C VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION @extschema@.health() IS
'Health of swisper_ext: version, preloading, worker (pid, last loop), database, server time, projects per status';

-- It tells how many projects have which status, who the worker is and how
-- it is set up: for the roles granted it (the SDK's API role, the UI).
REVOKE EXECUTE ON FUNCTION @extschema@.health() FROM PUBLIC;

--
-- @extschema@.heartbeat_registry_forget(): the shared registry outlives DROP
-- EXTENSION; a new extension starts without the old one's sightings.
--
CREATE FUNCTION @extschema@.heartbeat_registry_forget()
RETURNS bigint
AS 'MODULE_PATHNAME', 'swisper_heartbeat_registry_forget'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION @extschema@.heartbeat_registry_forget() IS
'Removes this database''s entries from the shared heartbeat registry (the install calls it); returns how many';

REVOKE EXECUTE ON FUNCTION @extschema@.heartbeat_registry_forget() FROM PUBLIC;

SELECT @extschema@.heartbeat_registry_forget();
