-- INTERIM (deleted at merge time, together with src/heartbeat_interim.c):
-- last-seen per project, written by heartbeat_record() until the heartbeat
-- registry of issue 5 lands.  Nothing else may depend on it.
CREATE TABLE @extschema@.project_last_seen (
    project_id        text        PRIMARY KEY,
    last_seen_at      timestamptz NOT NULL,
    last_heartbeat_at timestamptz,
    environment       text,
    app_version       text,
    sdk_version       text
);
COMMENT ON TABLE @extschema@.project_last_seen IS
    'Interim: the latest event and heartbeat seen per project (until the heartbeat registry lands)';
REVOKE ALL ON TABLE @extschema@.project_last_seen FROM PUBLIC;
