--
-- Issue 2: swisper.fix_user_id() on every shape traces.user_id comes in, and
-- on the shapes it must refuse.  The install runs the same function, so
-- each shape lives in a schema of its own and swisper.table_schema points
-- at it.
--
\i test/fixtures/reset.sql

\i test/fixtures/shape.sql
CREATE FUNCTION pg_temp.rows(s name) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
	RETURN QUERY EXECUTE format('SELECT concat_ws(''|'', id, user_id::text) FROM %I.traces ORDER BY id', s);
END $$;

-- Tables made by an ORM's create_all: no foreign key, NOT NULL, no index.
CREATE SCHEMA orm;
CREATE TABLE orm.traces (id varchar PRIMARY KEY, user_id varchar NOT NULL, "timestamp" timestamp NOT NULL);
INSERT INTO orm.traces VALUES ('a', 'external-swisper-user-12345', '2025-11-04'), ('b', '12345', '2025-11-04');
SET swisper.table_schema = 'orm';
SELECT * FROM swisper.fix_user_id();
SELECT * FROM pg_temp.shape('orm');
SELECT * FROM pg_temp.rows('orm');
INSERT INTO orm.traces VALUES ('c', NULL, '2025-11-05');
SELECT * FROM swisper.fix_user_id();

-- uuid, a foreign key under another name to another table, and only the
-- composite (user_id, "timestamp") index, which is reused.
CREATE SCHEMA uuidshape;
CREATE TABLE uuidshape.accounts (id uuid PRIMARY KEY);
INSERT INTO uuidshape.accounts VALUES ('1aac01a8-a985-4cd1-aad6-7e12b25da1bc');
CREATE TABLE uuidshape.traces (id varchar PRIMARY KEY, user_id uuid NOT NULL REFERENCES uuidshape.accounts,
							   "timestamp" timestamp NOT NULL);
CREATE INDEX traces_user_ts ON uuidshape.traces (user_id, "timestamp");
INSERT INTO uuidshape.traces VALUES ('a', '1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC', '2025-11-04');
SET swisper.table_schema = 'uuidshape';
SELECT * FROM swisper.fix_user_id();
SELECT * FROM pg_temp.shape('uuidshape');
SELECT * FROM pg_temp.rows('uuidshape');

-- text, a two-column foreign key that includes user_id, and an index that
-- does not lead with user_id (so one is created).
CREATE SCHEMA textshape;
CREATE TABLE textshape.members (user_id text, org text, PRIMARY KEY (user_id, org));
INSERT INTO textshape.members VALUES ('auth0|5f7c8ec7c33c6c004bbafe82', 'acme');
CREATE TABLE textshape.traces (id text PRIMARY KEY, user_id text, org text, "timestamp" timestamp NOT NULL,
							   CONSTRAINT member_fk FOREIGN KEY (user_id, org) REFERENCES textshape.members);
CREATE INDEX traces_ts_user ON textshape.traces ("timestamp", user_id);
INSERT INTO textshape.traces VALUES ('a', 'auth0|5f7c8ec7c33c6c004bbafe82', 'acme', '2025-11-04'),
									('b', NULL, NULL, '2025-11-04');
SET swisper.table_schema = 'textshape';
SELECT * FROM swisper.fix_user_id();
SELECT * FROM pg_temp.shape('textshape');
SELECT * FROM pg_temp.rows('textshape');

-- varchar(64), UUIDs in other spellings (in the standard layout, braced or
-- upper-case, they become canonical; 32 digits without hyphens stay as
-- they are), and an existing index named ix_traces_user_id on another table
-- of the schema.
CREATE SCHEMA spellings;
CREATE TABLE spellings.traces (id varchar PRIMARY KEY, user_id varchar(64), "timestamp" timestamp NOT NULL);
CREATE TABLE spellings.other (x int);
CREATE INDEX ix_traces_user_id ON spellings.other (x);
INSERT INTO spellings.traces VALUES
	('a', '{1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC}', '2025-11-04'),
	('b', '1aac01a8a9854cd1aad67e12b25da1bc', '2025-11-04'),
	('c', 'user@example.com', '2025-11-04'),
	('d', 'Zoë', '2025-11-04');
SET swisper.table_schema = 'spellings';
SELECT * FROM swisper.fix_user_id();
SELECT * FROM pg_temp.shape('spellings');
SELECT * FROM pg_temp.rows('spellings');

-- A partitioned traces table with the foreign key on the parent.
CREATE SCHEMA parted;
CREATE TABLE parted.users (id varchar PRIMARY KEY);
INSERT INTO parted.users VALUES ('u1');
CREATE TABLE parted.traces (id varchar, user_id varchar REFERENCES parted.users, "timestamp" timestamp NOT NULL,
							PRIMARY KEY (id, "timestamp")) PARTITION BY RANGE ("timestamp");
CREATE TABLE parted.traces_2025 PARTITION OF parted.traces FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
-- a partition with a foreign key of its own (to another table), attached
CREATE TABLE parted.legacy_users (id varchar PRIMARY KEY);
INSERT INTO parted.legacy_users VALUES ('u1');
CREATE TABLE parted.traces_2026 (LIKE parted.traces INCLUDING ALL);
ALTER TABLE parted.traces_2026 ADD CONSTRAINT fk_2026_legacy_user FOREIGN KEY (user_id) REFERENCES parted.legacy_users;
ALTER TABLE parted.traces ATTACH PARTITION parted.traces_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO parted.traces VALUES ('a', 'u1', '2025-11-04'), ('c', 'u1', '2026-02-01');
SET swisper.table_schema = 'parted';
SELECT * FROM swisper.fix_user_id();
SELECT * FROM pg_temp.shape('parted');
SELECT count(*) AS foreign_keys_left FROM pg_constraint c
 WHERE c.contype = 'f' AND c.conrelid IN (SELECT relid FROM pg_partition_tree('parted.traces'));
INSERT INTO parted.traces VALUES ('b', 'not-a-user', '2025-11-05'), ('d', 'not-a-user', '2026-03-01');
SELECT * FROM pg_temp.rows('parted');

-- Values the earlier external_id refused (the empty string, a tab): every
-- text is an external id now, so they convert like any other.
CREATE SCHEMA badvalues;
CREATE TABLE badvalues.users (id varchar PRIMARY KEY);
INSERT INTO badvalues.users SELECT * FROM (VALUES (''), (E'tab\there'), ('ok')) v;
CREATE TABLE badvalues.traces (id varchar PRIMARY KEY, user_id varchar NOT NULL REFERENCES badvalues.users,
							   "timestamp" timestamp NOT NULL);
INSERT INTO badvalues.traces VALUES ('a', '', '2025-11-04'), ('b', E'tab\there', '2025-11-04'), ('c', 'ok', '2025-11-04');
SET swisper.table_schema = 'badvalues';
SELECT * FROM swisper.fix_user_id();
SELECT * FROM pg_temp.shape('badvalues');

-- Shapes it refuses, each with an error that names the table.
CREATE SCHEMA nouser;
CREATE TABLE nouser.traces (id varchar PRIMARY KEY, "timestamp" timestamp NOT NULL);
SET swisper.table_schema = 'nouser';
SELECT * FROM swisper.fix_user_id();

CREATE SCHEMA viewshape;
CREATE TABLE viewshape.traces_data (id varchar PRIMARY KEY, user_id varchar);
CREATE VIEW viewshape.traces AS SELECT * FROM viewshape.traces_data;
SET swisper.table_schema = 'viewshape';
SELECT * FROM swisper.fix_user_id();

CREATE SCHEMA intshape;
CREATE TABLE intshape.traces (id varchar PRIMARY KEY, user_id integer NOT NULL);
SET swisper.table_schema = 'intshape';
SELECT * FROM swisper.fix_user_id();
SELECT * FROM pg_temp.shape('intshape');

-- A view over traces.user_id, and an index with a text-only operator class:
-- refused before anything changes (the foreign key is still there).
CREATE SCHEMA viewon;
CREATE TABLE viewon.users (id varchar PRIMARY KEY);
CREATE TABLE viewon.traces (id varchar PRIMARY KEY, user_id varchar REFERENCES viewon.users);
CREATE VIEW viewon.traces_by_user AS SELECT user_id, count(*) FROM viewon.traces GROUP BY user_id;
SET swisper.table_schema = 'viewon';
SELECT * FROM swisper.fix_user_id();
SELECT * FROM pg_temp.shape('viewon');
DROP VIEW viewon.traces_by_user;
CREATE INDEX traces_user_prefix ON viewon.traces (user_id varchar_pattern_ops);
SELECT * FROM swisper.fix_user_id();
SELECT * FROM pg_temp.shape('viewon');

-- Index expressions, index predicates and CHECK constraints written for a
-- text column (lower(user_id), user_id <> '', length(user_id)) apply to the
-- new type through its implicit cast to text: they convert with the column.
CREATE SCHEMA exprs;
CREATE TABLE exprs.users (id text PRIMARY KEY);
CREATE TABLE exprs.traces (id text PRIMARY KEY, user_id text REFERENCES exprs.users
  CONSTRAINT user_id_short CHECK (length(user_id) < 200));
CREATE INDEX traces_user_lower ON exprs.traces (lower(user_id));
CREATE INDEX traces_with_user ON exprs.traces (id) WHERE user_id <> '';
SET swisper.table_schema = 'exprs';
SELECT * FROM swisper.fix_user_id();
SELECT * FROM pg_temp.shape('exprs');
-- One that does not apply (a collation: external_id has none) is refused,
-- naming the expressions over the column, with nothing changed; dropped,
-- the column converts.
CREATE SCHEMA exprs_c;
CREATE TABLE exprs_c.traces (id text PRIMARY KEY, user_id text
  CONSTRAINT user_id_c CHECK ((user_id COLLATE "C") >= ''));
SET swisper.table_schema = 'exprs_c';
SELECT * FROM swisper.fix_user_id();
SELECT * FROM pg_temp.shape('exprs_c');
ALTER TABLE exprs_c.traces DROP CONSTRAINT user_id_c;
SELECT * FROM swisper.fix_user_id();

CREATE SCHEMA empty;
SET swisper.table_schema = 'empty';
SELECT * FROM swisper.fix_user_id();

-- A new database: CREATE EXTENSION creates no table (they are the
-- application's), and its NOTICE says what to run once they exist.
SET client_min_messages = warning;
DROP SCHEMA orm, uuidshape, textshape, spellings, parted, badvalues, nouser, viewshape, intshape, viewon, exprs, exprs_c CASCADE;
RESET client_min_messages;
RESET swisper.table_schema;
SELECT * FROM swisper.release_user_id();
DROP EXTENSION swisper_ext;
SET swisper.table_schema = 'empty';
CREATE EXTENSION swisper_ext;
SELECT count(*) AS tables_created FROM pg_class c WHERE c.relnamespace = 'empty'::regnamespace;
-- The application's migrations run after the install (here: the fixture's
-- schema, user_id varchar with fk_traces_user), unchanged; then the fix,
-- once.
SET search_path = empty;
\set ECHO none
SET client_min_messages = warning;
\i test/fixtures/observability_schema.sql
RESET client_min_messages;
\set ECHO all
RESET search_path;
SELECT * FROM pg_temp.shape('empty');
SELECT * FROM swisper.fix_user_id();
SELECT * FROM pg_temp.shape('empty');
SELECT * FROM pg_temp.rows('empty');
SELECT * FROM swisper.release_user_id();
DROP EXTENSION swisper_ext;
SET client_min_messages = warning;
DROP SCHEMA empty CASCADE;
RESET client_min_messages;

-- swisper.create_missing_tables(), on request: the tables, with user_id
-- nullable, indexed and of the external identity type, and none of them a
-- member of the extension.
CREATE SCHEMA empty;
CREATE EXTENSION swisper_ext;
SELECT * FROM swisper.create_missing_tables();
SELECT c.relname, c.relkind,
	   EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
				AND d.deptype = 'e') AS member
  FROM pg_class c WHERE c.relnamespace = 'empty'::regnamespace AND c.relkind = 'r' ORDER BY 1;
SELECT * FROM pg_temp.shape('empty');
INSERT INTO empty.projects (id, name) VALUES ('p', 'P');
INSERT INTO empty.traces (id, user_id, project_id, "timestamp")
VALUES ('t', '1aac01a8-a985-4cd1-aad6-7e12b25da1bc', 'p', '2025-11-05');
INSERT INTO empty.observations (id, trace_id, type, start_time, level) VALUES ('o', 't', 'AGENT', '2025-11-05', 'DEFAULT');
SELECT * FROM swisper.fix_user_id();
SELECT * FROM swisper.create_missing_tables();
SELECT * FROM swisper.release_user_id();
DROP EXTENSION swisper_ext;
SELECT (SELECT count(*) FROM empty.traces) AS traces, (SELECT count(*) FROM empty.observations) AS observations;
RESET swisper.table_schema;
