-- The observability tables: create the ones that are missing, and fix
-- traces.user_id on whatever shape the existing table has.
--
-- The tables belong to the application, not to the extension: none of them
-- is a member, so DROP EXTENSION never drops a trace and pg_dump dumps them
-- like any other table.  Their schema is the setting swisper.table_schema
-- (default public).

--
-- @extschema@.observability_schema(): the schema named by swisper.table_schema.
--
-- current_setting(..., true) is NULL when the library is not loaded and the
-- setting was never given; the default then applies as it would in C.
--
CREATE FUNCTION @extschema@.observability_schema()
RETURNS name
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT coalesce(nullif(current_setting('swisper.table_schema', true), ''), 'public')::name
$$;

COMMENT ON FUNCTION @extschema@.observability_schema() IS
'The schema that holds the observability tables (projects, traces, observations): the setting swisper.table_schema, default public';

--
-- @extschema@.create_missing_tables(): the fixture's tables, on request, for a
-- database that has none yet (a demo, a test, an application that does not
-- bring its own migrations).  CREATE EXTENSION does not call it: the tables
-- are the application's, made by its migrations or by a restore.
-- traces.user_id is nullable, indexed, of type @extschema@.external_id, with no
-- foreign key.  Existing tables are left alone.
--
CREATE FUNCTION @extschema@.create_missing_tables()
RETURNS SETOF text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	s name := @extschema@.observability_schema();
BEGIN
	IF to_regnamespace(quote_ident(s)) IS NULL THEN
		RAISE EXCEPTION 'schema "%" does not exist', s
			USING ERRCODE = 'invalid_schema_name',
				  HINT = 'Create it, or set swisper.table_schema to the schema that holds the observability tables.';
	END IF;

	IF to_regtype(format('%I.observationtype', s)) IS NULL THEN
		EXECUTE format($f$CREATE TYPE %I.observationtype AS ENUM ('SPAN', 'GENERATION', 'EVENT', 'TOOL', 'AGENT')$f$, s);
		PERFORM @extschema@.disown('pg_catalog.pg_type', to_regtype(format('%I.observationtype', s)));
		RAISE NOTICE 'swisper_ext: created type %.observationtype', s;
		RETURN NEXT format('created type %I.observationtype', s);
	END IF;

	IF to_regclass(format('%I.projects', s)) IS NULL THEN
		EXECUTE format($f$
			CREATE TABLE %I.projects (
				id              varchar       PRIMARY KEY,
				name            varchar(255)  NOT NULL,
				description     varchar(1000),
				meta            json,
				created_at      timestamp     NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
				updated_at      timestamp     NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
				deleted_at      timestamp,
				owner_id        varchar(36),
				tracing_enabled boolean       NOT NULL DEFAULT true
			)$f$, s);
		PERFORM @extschema@.disown('pg_catalog.pg_class', to_regclass(format('%I.projects', s)));
		RAISE NOTICE 'swisper_ext: created table %.projects', s;
		RETURN NEXT format('created table %I.projects', s);
	END IF;

	IF to_regclass(format('%I.traces', s)) IS NULL THEN
		EXECUTE format($f$
			CREATE TABLE %1$I.traces (
				id          varchar   PRIMARY KEY,
				name        varchar,
				user_id     @extschema@.external_id,
				session_id  varchar,
				project_id  varchar REFERENCES %1$I.projects (id) ON DELETE CASCADE,
				input       json,
				output      json,
				meta        json,
				tags        json,
				"timestamp" timestamp NOT NULL
			)$f$, s);
		EXECUTE format('CREATE INDEX ix_traces_project_timestamp ON %I.traces (project_id, "timestamp")', s);
		EXECUTE format('CREATE INDEX ix_traces_session_id ON %I.traces (session_id)', s);
		EXECUTE format('CREATE INDEX ix_traces_user_id ON %I.traces (user_id)', s);
		PERFORM @extschema@.disown('pg_catalog.pg_class', to_regclass(format('%I.traces', s)));
		RAISE NOTICE 'swisper_ext: created table %.traces', s;
		RETURN NEXT format('created table %I.traces', s);
	END IF;

	IF to_regclass(format('%I.observations', s)) IS NULL THEN
		EXECUTE format($f$
			CREATE TABLE %1$I.observations (
				id                     varchar PRIMARY KEY,
				trace_id               varchar REFERENCES %1$I.traces (id) ON DELETE CASCADE,
				parent_observation_id  varchar,
				type                   %1$I.observationtype NOT NULL,
				name                   varchar,
				start_time             timestamp NOT NULL,
				end_time               timestamp,
				completion_start_time  timestamp,
				input                  json,
				output                 json,
				meta                   json,
				model                  varchar,
				model_parameters       json,
				prompt_tokens          integer,
				completion_tokens      integer,
				total_tokens           integer,
				level                  varchar NOT NULL,
				status_message         varchar,
				calculated_input_cost  numeric,
				calculated_output_cost numeric,
				calculated_total_cost  numeric
			)$f$, s);
		EXECUTE format('CREATE INDEX ix_observations_trace_start_time ON %I.observations (trace_id, start_time)', s);
		EXECUTE format('CREATE INDEX ix_observations_parent_id ON %I.observations (parent_observation_id)', s);
		PERFORM @extschema@.disown('pg_catalog.pg_class', to_regclass(format('%I.observations', s)));
		RAISE NOTICE 'swisper_ext: created table %.observations', s;
		RETURN NEXT format('created table %I.observations', s);
	END IF;
END
$$;

COMMENT ON FUNCTION @extschema@.create_missing_tables() IS
'Creates whichever of the observability tables (projects, traces, observations, and the observationtype enum) does not exist yet in @extschema@.observability_schema(), with user_id of type @extschema@.external_id; CREATE EXTENSION does not call it; the tables are not members of the extension';

--
-- @extschema@.disown(classid, objid): while CREATE EXTENSION runs, every object
-- created becomes a member of the extension, and DROP EXTENSION would drop
-- it.  The application's tables and types must outlive the extension, so
-- they are taken out.  An object that is not a member is left alone.
--
CREATE FUNCTION @extschema@.disown(classid regclass, objid oid)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF EXISTS (SELECT FROM pg_catalog.pg_depend d
			   JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
			   WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND e.extname = 'swisper_ext'
				 AND d.deptype = 'e' AND d.classid = disown.classid AND d.objid = disown.objid) THEN
		IF classid = 'pg_catalog.pg_class'::regclass THEN
			EXECUTE format('ALTER EXTENSION swisper_ext DROP TABLE %s', objid::regclass);
		ELSE
			EXECUTE format('ALTER EXTENSION swisper_ext DROP TYPE %s', objid::regtype);
		END IF;
	END IF;
END
$$;

COMMENT ON FUNCTION @extschema@.disown(regclass, oid) IS
'Takes an application table (pg_class) or type (pg_type) out of the extension, so that DROP EXTENSION leaves it in place';

--
-- @extschema@.traces_table(): the traces table that the user_id functions work
-- on, or an error that names what is wrong with it.
--
CREATE FUNCTION @extschema@.traces_table()
RETURNS regclass
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	s		name := @extschema@.observability_schema();
	tbl		regclass := to_regclass(format('%I.traces', s));
	kind	"char";
BEGIN
	IF tbl IS NULL THEN
		RAISE EXCEPTION 'table "%.traces" does not exist', s
			USING ERRCODE = 'undefined_table',
				  HINT = 'Set swisper.table_schema to the schema that holds the observability tables.';
	END IF;
	SELECT c.relkind INTO kind FROM pg_catalog.pg_class c WHERE c.oid = tbl;
	IF kind NOT IN ('r', 'p') THEN
		RAISE EXCEPTION '"%" is not a table', tbl::text
			USING ERRCODE = 'wrong_object_type',
				  DETAIL = format('swisper_ext migrates the column user_id of a table; "%s" is a %s.', tbl::text,
								  CASE kind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
											WHEN 'f' THEN 'foreign table' ELSE 'relation of kind ' || kind::text END);
	END IF;
	RETURN tbl;
END
$$;

COMMENT ON FUNCTION @extschema@.traces_table() IS
'The traces table in @extschema@.observability_schema(), or an error when it is missing or not a table';

--
-- @extschema@.refuse_owner_checks(): changing the type of traces.user_id makes
-- PostgreSQL re-check every CHECK constraint over the column, as the user
-- who runs ALTER TABLE: a superuser, here.  A constraint that calls the
-- table owner's own functions or operators would run them with those
-- rights (index expressions are safe: PostgreSQL builds indexes as the
-- table's owner in a security-restricted operation).  Such a constraint is
-- named and refused before anything changes, unless the owner is the
-- caller or a superuser anyway.
--
CREATE FUNCTION @extschema@.refuse_owner_checks(tbl regclass, what text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	owner	oid;
	names	text;
BEGIN
	SELECT c.relowner INTO owner FROM pg_catalog.pg_class c WHERE c.oid = tbl;
	IF owner = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)
	   OR (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.oid = owner) THEN
		RETURN;
	END IF;
	SELECT string_agg(DISTINCT pg_catalog.quote_ident(c.conname), ', ') INTO names
	  FROM pg_catalog.pg_constraint c
	  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attname = 'user_id'
	  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass
								 AND d.objid = c.oid
	 WHERE c.conrelid = tbl AND c.contype = 'c' AND a.attnum = ANY (c.conkey)
	   AND d.refclassid IN ('pg_catalog.pg_proc'::pg_catalog.regclass, 'pg_catalog.pg_operator'::pg_catalog.regclass)
	   AND d.refobjid >= 16384
	   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
					    WHERE e.classid = d.refclassid AND e.objid = d.refobjid AND e.deptype = 'e'
						  AND e.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
						  AND e.refobjid = (SELECT x.oid FROM pg_catalog.pg_extension x
											 WHERE x.extname = 'swisper_ext'));
	IF names IS NOT NULL THEN
		RAISE EXCEPTION 'cannot %: CHECK constraint % of % calls functions of its own', what, names, tbl::text
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = format('Changing the column''s type re-checks the constraint as %s, a superuser, which would run functions that %s controls with those rights. Nothing has been changed.',
								  current_user, pg_catalog.pg_get_userbyid(owner)),
				  HINT = 'Drop the constraint, run the conversion, then create the constraint again as the table''s owner.';
	END IF;
END
$$;

COMMENT ON FUNCTION @extschema@.refuse_owner_checks(regclass, text) IS
'Raises insufficient_privilege when a CHECK constraint over traces.user_id calls functions or operators that are not built in, so that a type change would run the table owner''s code with the caller''s rights';

--
-- @extschema@.fix_user_id(): make traces.user_id what the platform needs.
--
-- 1. every foreign key on traces whose columns include user_id is dropped,
--    whatever its name and whatever it references; on a plain table a
--    placeholder CHECK (true) NO INHERIT NOT VALID takes its name (see
--    below);
-- 2. user_id becomes nullable;
-- 3. user_id becomes @extschema@.external_id: every value converts (uuids in
--    their standard layout become lower-case; every other value is kept
--    byte for byte); the indexes on it are rebuilt, none is lost;
-- 4. there is an index that leads with user_id: an existing one (single
--    column, or (user_id, "timestamp"), any btree or hash index without a
--    predicate) is reused; one is created only when there is none.
--
-- Each change is reported in a NOTICE and in the result.  A second call
-- finds nothing to do, returns no row and takes no lock stronger than
-- ACCESS SHARE.  It runs in the caller's transaction: when any step fails,
-- nothing has changed.
--
-- On a Citus cluster a distributed traces (with foreign keys to reference
-- tables) is altered shard by shard, and Citus wants one connection per
-- worker node for all of the function's statements, from its first read on:
-- citus.multi_shard_modify_mode = sequential, for the call.  Without Citus
-- the setting is a placeholder that nothing reads.
CREATE FUNCTION @extschema@.fix_user_id()
RETURNS TABLE (action text, detail text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET citus.multi_shard_modify_mode = 'sequential'
AS $$
DECLARE
	s			name := @extschema@.observability_schema();
	tbl			regclass;
	col			record;
	fk			record;
	idx			record;
	ext_type	regtype := '@extschema@.external_id'::regtype;
	respelled	bigint;
	idx_name	text;
	alter_error text;
	fk_note		text;
	locked		boolean := false;
BEGIN
	tbl := @extschema@.traces_table();

	SELECT a.attnum, a.attnotnull, a.atttypid::regtype AS typ, t.typname
	  INTO col
	  FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
	 WHERE a.attrelid = tbl AND a.attname = 'user_id' AND NOT a.attisdropped;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'table "%" has no column "user_id"', tbl::text
			USING ERRCODE = 'undefined_column';
	END IF;
	IF col.typ <> ext_type
	   AND col.typ NOT IN ('text'::regtype, 'character varying'::regtype, 'character'::regtype, 'uuid'::regtype) THEN
		RAISE EXCEPTION 'column "user_id" of table "%" has type %, which cannot hold external ids', tbl::text, col.typ
			USING ERRCODE = 'datatype_mismatch',
				  DETAIL = 'External ids are UUIDs, integers and opaque strings; swisper_ext converts text, varchar, char and uuid columns.',
				  HINT = 'Convert the column to text first if every value should be kept as its text form.';
	END IF;

	-- The checks run before anything changes, under the lock that the
	-- rewrite takes anyway, so that no value can arrive between the count
	-- of respelled values and the rewrite, and a refusal leaves the table as
	-- it was.
	IF col.typ <> ext_type THEN
		EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', tbl);
		locked := true;
		PERFORM @extschema@.refuse_owner_checks(tbl, 'convert user_id to @extschema@.external_id');

		-- What the type change cannot carry over: a view over the column,
		-- and an index on it with an operator class of text (or uuid) only.
		-- PostgreSQL would refuse half-way with its own words; say first
		-- which object and what to do, while nothing has changed.
		SELECT string_agg(DISTINCT r.ev_class::pg_catalog.regclass::pg_catalog.text, ', ')
		  INTO idx_name
		  FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
		 WHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
		   AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
		   AND d.refobjid = tbl AND d.refobjsubid = col.attnum AND r.ev_class <> tbl;
		IF idx_name IS NOT NULL THEN
			RAISE EXCEPTION 'cannot convert %.user_id to @extschema@.external_id: used by view %', tbl::text, idx_name
				USING ERRCODE = 'dependent_objects_still_exist',
					  DETAIL = 'A view fixes the type of the columns it reads; nothing has been changed.',
					  HINT = 'Drop the view, run CREATE EXTENSION swisper_ext (or @extschema@.fix_user_id()), then create it again (add ::text where it needs text).';
		END IF;
		SELECT string_agg(format('%s (%s)', i.indexrelid::pg_catalog.regclass, oc.opcname), ', ')
		  INTO idx_name
		  FROM pg_catalog.pg_index i
		  JOIN LATERAL pg_catalog.generate_subscripts(i.indkey::pg_catalog.int2[], 1) k(n) ON true
		  JOIN pg_catalog.pg_opclass oc ON oc.oid = (i.indclass::pg_catalog.oid[])[k.n]
		 WHERE i.indrelid = tbl AND (i.indkey::pg_catalog.int2[])[k.n] = col.attnum AND NOT oc.opcdefault;
		IF idx_name IS NOT NULL THEN
			RAISE EXCEPTION 'cannot convert %.user_id to @extschema@.external_id: index % uses an operator class of its present type', tbl::text, idx_name
				USING ERRCODE = 'feature_not_supported',
					  DETAIL = '@extschema@.external_id has only its default btree and hash operator classes; nothing has been changed.',
					  HINT = 'Drop the index, run CREATE EXTENSION swisper_ext (or @extschema@.fix_user_id()), then create it again without the operator class.';
		END IF;
		-- Every text is an external id, so every value converts; only
		-- uuids in another spelling come back different (lower-case).
		EXECUTE format($q$
			SELECT count(*) FILTER (WHERE u::@extschema@.external_id::text <> u)
			  FROM (SELECT user_id::text AS u FROM %s WHERE user_id IS NOT NULL) v$q$, tbl)
		  INTO respelled;
	END IF;

	-- 1. Foreign keys that include user_id, on the table and, when it is
	-- partitioned, on every partition: a partition may have a foreign key of
	-- its own besides the copies of the parent's (which go with the
	-- parent's constraint, conparentid <> 0).  A partition's column may have
	-- another attnum, so it is matched by name.
	--
	-- The application's migration tool may drop the same foreign key by its
	-- name later, without IF EXISTS (the platform's migration c85a4ae4ef21
	-- runs ALTER TABLE traces DROP CONSTRAINT fk_traces_user), and would
	-- then fail on a database where this function dropped it first; so would
	-- the downgrade of the migration that created it.  A constraint of the
	-- same name that checks nothing stands in for it: CHECK (true), NOT VALID
	-- so that adding it reads no row, NO INHERIT so that an inheritance
	-- child neither gets it nor must have it, with a comment that says what
	-- it is and which foreign key it replaces.  A partitioned table gets
	-- none: there a CHECK constraint cannot be NO INHERIT, every partition
	-- would get it, and ATTACH PARTITION would refuse every table without
	-- it.
	FOR fk IN
		SELECT c.conrelid::pg_catalog.regclass AS rel, c.conname, c.confrelid::pg_catalog.regclass AS target,
			   pg_catalog.pg_get_constraintdef(c.oid) AS def, r.relkind
		  FROM (SELECT tbl::pg_catalog.regclass AS relid, 0 AS level
				UNION	-- pg_partition_tree() has no row for a plain table
				SELECT t.relid, t.level FROM pg_catalog.pg_partition_tree(tbl) t) p
		  JOIN pg_catalog.pg_constraint c ON c.conrelid = p.relid
		  JOIN pg_catalog.pg_class r ON r.oid = c.conrelid
		  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attname = 'user_id'
		 WHERE c.contype = 'f' AND a.attnum = ANY (c.conkey) AND c.conparentid = 0
		 ORDER BY p.level, c.conrelid::pg_catalog.regclass::pg_catalog.text, c.conname
	LOOP
		IF NOT locked THEN
			EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', tbl);
			locked := true;
		END IF;
		EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', fk.rel, fk.conname);
		action := 'constraint dropped';
		detail := format('foreign key %I on %s referencing %s', fk.conname, fk.rel, fk.target);
		IF fk.relkind = 'r' THEN
			EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (true) NO INHERIT NOT VALID', fk.rel, fk.conname);
			EXECUTE format('COMMENT ON CONSTRAINT %I ON %s IS %L', fk.conname, fk.rel,
						   format('Placeholder left by @extschema@.fix_user_id() for the foreign key of this name, which it dropped (%s). '
								  'It checks nothing. It is here so that a migration that drops that foreign key by name still finds it; '
								  'it may be dropped.', fk.def));
			detail := detail || '; a placeholder CHECK (true) keeps its name';
			fk_note := format('A constraint %I CHECK (true) NO INHERIT NOT VALID, which checks nothing, stands in for it, '
							  'so that a migration that drops the foreign key by name still finds it.', fk.conname);
		ELSE
			fk_note := format('%s is partitioned, so no placeholder constraint of the same name is left: '
							  'every partition would get it, and ATTACH PARTITION would require it.', fk.rel);
		END IF;
		RAISE NOTICE 'swisper_ext: dropped foreign key % on %(user_id), which referenced %', quote_ident(fk.conname), fk.rel, fk.target
			USING DETAIL = fk_note;
		RETURN NEXT;
	END LOOP;

	-- 2. Nullable.
	IF col.attnotnull THEN
		IF NOT locked THEN
			EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', tbl);
			locked := true;
		END IF;
		EXECUTE format('ALTER TABLE %s ALTER COLUMN user_id DROP NOT NULL', tbl);
		action := 'column changed';
		detail := format('%s.user_id is now nullable', tbl);
		RAISE NOTICE 'swisper_ext: %.user_id is now nullable (it was NOT NULL)', tbl;
		RETURN NEXT;
	END IF;

	-- 3. The external identity type.  PostgreSQL re-parses every index
	-- expression, index predicate and CHECK constraint over the column for
	-- the new type; one written for text (lower(user_id), user_id LIKE 'a%',
	-- user_id <> '') then fails with an error that names a function or a
	-- value but not the object.  Those objects are named here instead; the
	-- whole call is undone by the error, so nothing has changed.
	IF col.typ <> ext_type THEN
		BEGIN
			EXECUTE format('ALTER TABLE %s ALTER COLUMN user_id TYPE @extschema@.external_id USING user_id::text::@extschema@.external_id', tbl);
		EXCEPTION
			WHEN undefined_function OR invalid_text_representation OR string_data_right_truncation
				 OR datatype_mismatch OR indeterminate_datatype OR ambiguous_function THEN
				GET STACKED DIAGNOSTICS alter_error = MESSAGE_TEXT;
				SELECT string_agg(o, ', ' ORDER BY o) INTO idx_name
				  FROM (SELECT format('index %s', i.indexrelid::pg_catalog.regclass) AS o
						  FROM pg_catalog.pg_index i
						 WHERE i.indrelid = tbl
						   AND (i.indexprs IS NOT NULL OR i.indpred IS NOT NULL)
						   AND EXISTS (SELECT FROM pg_catalog.pg_depend d
										WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
										  AND d.objid = i.indexrelid
										  AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
										  AND d.refobjid = tbl AND d.refobjsubid = col.attnum)
						UNION ALL
						SELECT format('constraint %I', c.conname)
						  FROM pg_catalog.pg_constraint c
						 WHERE c.conrelid = tbl AND c.contype = 'c' AND col.attnum = ANY (c.conkey)) deps;
				IF idx_name IS NULL THEN
					RAISE;
				END IF;
				RAISE EXCEPTION 'cannot convert %.user_id to @extschema@.external_id: an expression over it in % does not apply to the new type', tbl::text, idx_name
					USING ERRCODE = 'dependent_objects_still_exist',
						  DETAIL = format('PostgreSQL re-parses them for @extschema@.external_id and reports: %s. Nothing has been changed.', alter_error),
						  HINT = 'Drop them, run CREATE EXTENSION swisper_ext (or @extschema@.fix_user_id()), then create them again over user_id::text, e.g. lower(user_id::text).';
		END;
		action := 'column changed';
		detail := format('%s.user_id changed from %s to @extschema@.external_id', tbl, col.typ);
		RAISE NOTICE 'swisper_ext: %.user_id changed from % to @extschema@.external_id; its indexes were rebuilt', tbl, col.typ;
		RETURN NEXT;
		IF respelled > 0 THEN
			action := 'values canonicalized';
			detail := format('%s value(s) of %s.user_id now in canonical form', respelled, tbl);
			RAISE NOTICE 'swisper_ext: % value(s) of %.user_id were UUIDs in another spelling and are now lower-case and hyphenated', respelled, tbl;
			RETURN NEXT;
		END IF;
	END IF;

	-- 4. An index for WHERE user_id = ...: any valid, non-partial btree or
	-- hash index whose first column is user_id serves it.
	SELECT i.indexrelid::regclass AS name INTO idx
	  FROM pg_catalog.pg_index i
	  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
	  JOIN pg_catalog.pg_am am ON am.oid = ic.relam
	 WHERE i.indrelid = tbl AND i.indkey[0] = col.attnum AND i.indpred IS NULL
	   AND i.indisvalid AND am.amname IN ('btree', 'hash')
	 ORDER BY i.indnatts, ic.relname
	 LIMIT 1;
	IF FOUND THEN
		RAISE NOTICE 'swisper_ext: reusing index % for %.user_id', idx.name, tbl;
	ELSE
		idx_name := CASE WHEN to_regclass(format('%I.ix_traces_user_id', s)) IS NULL
						 THEN 'ix_traces_user_id' END;
		IF idx_name IS NOT NULL THEN
			EXECUTE format('CREATE INDEX %I ON %s (user_id)', idx_name, tbl);
		ELSE
			EXECUTE format('CREATE INDEX ON %s (user_id)', tbl);
			SELECT quote_ident(ic.relname) INTO idx_name
			  FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
			 WHERE i.indrelid = tbl AND i.indkey[0] = col.attnum AND i.indnatts = 1
			 ORDER BY i.indexrelid DESC LIMIT 1;
		END IF;
		action := 'index created';
		detail := format('%s on %s (user_id)', idx_name, tbl);
		RAISE NOTICE 'swisper_ext: created index % on %(user_id)', idx_name, tbl;
		RETURN NEXT;
	END IF;
END
$$;

COMMENT ON FUNCTION @extschema@.fix_user_id() IS
'Makes traces.user_id (in @extschema@.observability_schema()) an external identifier: drops every foreign key that includes it (leaving on a plain table a placeholder CHECK (true) NO INHERIT NOT VALID of the same name, so that a migration that drops it by name still finds it), makes it nullable, converts it to @extschema@.external_id (every value converts; uuids become lower-case), and makes sure one index leads with it; returns and NOTICEs each change, and nothing when there is nothing to do';

--
-- @extschema@.release_user_id(): the way back.  traces.user_id becomes text with
-- every value intact (as @extschema@.external_id prints it), so that nothing in
-- the application's tables depends on the extension any more and DROP
-- EXTENSION needs no CASCADE (which would drop the column).  Indexes on the
-- column are rebuilt, none is lost.
--
CREATE FUNCTION @extschema@.release_user_id()
RETURNS TABLE (action text, detail text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	tbl	regclass := @extschema@.traces_table();
	typ	regtype;
BEGIN
	SELECT a.atttypid::regtype INTO typ
	  FROM pg_catalog.pg_attribute a
	 WHERE a.attrelid = tbl AND a.attname = 'user_id' AND NOT a.attisdropped;
	IF typ = '@extschema@.external_id'::regtype THEN
		PERFORM @extschema@.refuse_owner_checks(tbl, 'convert user_id back to text');
		EXECUTE format('ALTER TABLE %s ALTER COLUMN user_id TYPE text USING user_id::text', tbl);
		action := 'column changed';
		detail := format('%s.user_id changed from @extschema@.external_id to text', tbl);
		RAISE NOTICE 'swisper_ext: %.user_id changed from @extschema@.external_id to text; its indexes were rebuilt', tbl;
		RETURN NEXT;
	END IF;
END
$$;

COMMENT ON FUNCTION @extschema@.release_user_id() IS
'Turns traces.user_id (in @extschema@.observability_schema()) back into text with every value intact, so that DROP EXTENSION swisper_ext needs no CASCADE';

REVOKE ALL ON FUNCTION @extschema@.create_missing_tables() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.disown(regclass, oid) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.traces_table() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.refuse_owner_checks(regclass, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.fix_user_id() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.release_user_id() FROM PUBLIC;

-- The install itself: fix traces.user_id if the table exists, and create
-- no table.
--
-- The tables are the application's: its migrations create them, or a
-- restore brings them from a dump.  Tables made by the install would stand
-- in the way of both: an install that runs before the migrations (a
-- container's init script) makes the first migration fail on "relation
-- traces already exists", and a dump of schema public restored after
-- CREATE EXTENSION fails on every CREATE TABLE, then copies observations
-- before traces into the install's foreign key and loses them.
-- @extschema@.create_missing_tables() makes them on request.  When there is no
-- traces table yet, the NOTICE says what to run once there is one.
--
-- CREATE EXTENSION raises client_min_messages to WARNING while the script
-- runs, which would hide the NOTICE lines that say what the install changed
-- in the application's tables.  A DBA installing into a live database needs
-- to see them, so they are let through for this step.  SET LOCAL, not SET:
-- a plain SET would outlive the script and change the session.
SET LOCAL client_min_messages = notice;
--
-- On a Citus cluster the install runs on every node: Citus creates the
-- extension on the coordinator, then on each worker node.  A worker node
-- changes nothing: its traces is Citus's copy of the coordinator's table (or
-- a shard's shell), which only the coordinator alters.  On the coordinator,
-- a traces table that Citus manages (distributed, reference or added to its
-- metadata) is not converted inside CREATE EXTENSION: the conversion runs on
-- the worker nodes' shards, where the type swisper.external_id exists only
-- once Citus has created the extension there, after this script.  The NOTICE
-- says to run fix_user_id() then; it converts every shard.
DO $$
DECLARE
	s		name := @extschema@.observability_schema();
	tbl		regclass := to_regclass(format('%I.traces', s));
	citus	boolean := EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus');
	managed	boolean := false;
BEGIN
	IF citus THEN
		EXECUTE 'SELECT groupid <> 0 FROM pg_catalog.pg_dist_local_group' INTO managed;
		IF managed THEN
			RETURN;				-- a Citus worker node
		END IF;
		EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $1)'
		   INTO managed USING tbl;
	END IF;
	IF managed THEN
		RAISE NOTICE 'swisper_ext: %.traces is a Citus table; its user_id was not changed', s
			USING HINT = 'Once CREATE EXTENSION has completed, run SELECT * FROM @extschema@.fix_user_id() on the coordinator: '
						 || 'it converts the column in every shard.';
	ELSIF tbl IS NOT NULL THEN
		PERFORM @extschema@.fix_user_id();
	ELSE
		RAISE NOTICE 'swisper_ext: there is no table %.traces yet; no table was created or changed', s
			USING HINT = 'After the application''s migrations have created it, run SELECT * FROM @extschema@.fix_user_id() once '
						 || '(a traces table restored from a dump made with the extension needs nothing). '
						 || 'To create the tables now instead, run SELECT @extschema@.create_missing_tables().';
	END IF;
END
$$;
SET LOCAL client_min_messages = warning;
