-- The demo `make demo` runs (scripts/demo.sh), in an empty database.
\pset footer off
\set ECHO queries

\echo
\echo '== 1. The observability database as it stands (test/fixtures/observability_schema.sql)'
\set ECHO none
\i test/fixtures/observability_schema.sql
\set ECHO queries
\d traces

\echo
\echo '== 2. The insert from the bug report fails on fk_traces_user'
\set ON_ERROR_STOP 0
INSERT INTO traces (id, name, user_id, session_id, project_id, "timestamp")
VALUES ('b499d802-2f7e-4c1a-9a59-0c0e3f6f1a11', 'global_supervisor', '1aac01a8-a985-4cd1-aad6-7e12b25da1bc',
        'test_session', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', '2025-11-05 07:13:17.700123');
\set ON_ERROR_STOP 1

\echo
\echo '== 3. CREATE EXTENSION swisper_ext: its NOTICE lines say what it changes'
CREATE EXTENSION swisper_ext;

\echo
\echo '== 4. The same insert succeeds, and so do NULL and opaque external ids'
INSERT INTO traces (id, name, user_id, session_id, project_id, "timestamp")
VALUES ('b499d802-2f7e-4c1a-9a59-0c0e3f6f1a11', 'global_supervisor', '1aac01a8-a985-4cd1-aad6-7e12b25da1bc',
        'test_session', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', '2025-11-05 07:13:17.700123');
INSERT INTO traces (id, user_id, project_id, "timestamp")
VALUES ('t-null', NULL, '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', now()),
       ('t-opaque', 'external-swisper-user-12345', '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c', now());
SELECT id, user_id FROM traces ORDER BY "timestamp";

\echo
\echo '== 5. What the install changed: user_id is swisper.external_id, nullable, indexed, with no foreign key'
\d traces
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM traces WHERE user_id = '1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC';
RESET enable_seqscan;
\echo 'A second run of the fix finds nothing to change:'
SELECT * FROM swisper.fix_user_id();
