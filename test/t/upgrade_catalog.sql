-- The catalog of the extension swisper_ext in this database, one line per
-- fact, free of OIDs, sorted: every member (pg_depend deptype 'e') with its
-- definition, owner, ACL, initial privileges and comment, the members of
-- its operator families, the columns, constraints and indexes of its
-- tables, and the extension's own row.  test/t/110_upgrade_0_1_0.pl diffs it between a database updated
-- from 0.1.0 and a fresh install: two databases that print the same lines
-- hold the same extension.
WITH ext AS (
	SELECT * FROM pg_catalog.pg_extension WHERE extname = 'swisper_ext'
), members AS (
	SELECT d.classid, d.objid, d.objsubid,
		   (pg_catalog.pg_identify_object(d.classid, d.objid, d.objsubid)).identity AS ident,
		   (pg_catalog.pg_identify_object(d.classid, d.objid, d.objsubid)).type AS kind
	  FROM pg_catalog.pg_depend d, ext
	 WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
	   AND d.refobjid = ext.oid AND d.deptype = 'e'
), lines AS (
	-- every member, with its comment
	SELECT m.kind || ' ' || m.ident || ' comment=' ||
		   coalesce(pg_catalog.quote_literal(pg_catalog.obj_description(m.objid, m.classid::pg_catalog.regclass::pg_catalog.name)), 'NULL') AS line
	  FROM members m
	UNION ALL
	-- functions: their whole definition, owner and ACL
	SELECT 'function ' || m.ident || E'\n' ||
		   CASE WHEN p.prokind = 'a' THEN
				format('aggregate transfn=%s finalfn=%s combinefn=%s transtype=%s sortop=%s initval=%s kind=%s',
					   a.aggtransfn::pg_catalog.regprocedure, a.aggfinalfn, a.aggcombinefn,
					   a.aggtranstype::pg_catalog.regtype, a.aggsortop::pg_catalog.regoperator,
					   a.agginitval, a.aggkind) || ' parallel=' || p.proparallel::text
				ELSE pg_catalog.pg_get_functiondef(p.oid) END ||
		   E'\nowner=' || pg_catalog.pg_get_userbyid(p.proowner) || ' acl=' || coalesce(p.proacl::text, 'NULL')
	  FROM members m JOIN pg_catalog.pg_proc p ON m.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND p.oid = m.objid
	  LEFT JOIN pg_catalog.pg_aggregate a ON a.aggfnoid = p.oid
	UNION ALL
	-- types and domains
	SELECT format('type %s len=%s byval=%s typtype=%s category=%s preferred=%s delim=%s in=%s out=%s recv=%s send=%s align=%s storage=%s notnull=%s base=%s typmod=%s collation=%s default=%s owner=%s acl=%s elem=%s array=%s',
				  m.ident, t.typlen, t.typbyval, t.typtype, t.typcategory, t.typispreferred, t.typdelim,
				  t.typinput::pg_catalog.regprocedure, t.typoutput::pg_catalog.regprocedure,
				  t.typreceive, t.typsend, t.typalign, t.typstorage, t.typnotnull,
				  t.typbasetype::pg_catalog.regtype, t.typtypmod, t.typcollation, t.typdefault,
				  pg_catalog.pg_get_userbyid(t.typowner), coalesce(t.typacl::text, 'NULL'),
				  t.typelem::pg_catalog.regtype, t.typarray::pg_catalog.regtype) ||
		   coalesce((SELECT string_agg(E'\n  constraint ' || c.conname || ' ' || pg_catalog.pg_get_constraintdef(c.oid), '' ORDER BY c.conname)
					   FROM pg_catalog.pg_constraint c WHERE c.contypid = t.oid), '')
	  FROM members m JOIN pg_catalog.pg_type t ON m.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND t.oid = m.objid
	UNION ALL
	-- operators
	SELECT format('operator %s code=%s com=%s neg=%s rest=%s join=%s hashes=%s merges=%s result=%s owner=%s',
				  m.ident, o.oprcode::pg_catalog.regprocedure, nullif(o.oprcom, 0)::pg_catalog.regoperator,
				  nullif(o.oprnegate, 0)::pg_catalog.regoperator, o.oprrest, o.oprjoin,
				  o.oprcanhash, o.oprcanmerge, o.oprresult::pg_catalog.regtype,
				  pg_catalog.pg_get_userbyid(o.oprowner))
	  FROM members m JOIN pg_catalog.pg_operator o ON m.classid = 'pg_catalog.pg_operator'::pg_catalog.regclass AND o.oid = m.objid
	UNION ALL
	-- operator classes
	SELECT format('operator class %s intype=%s default=%s keytype=%s family=%s owner=%s',
				  m.ident, c.opcintype::pg_catalog.regtype, c.opcdefault, nullif(c.opckeytype, 0)::pg_catalog.regtype,
				  (pg_catalog.pg_identify_object('pg_catalog.pg_opfamily'::pg_catalog.regclass, c.opcfamily, 0)).identity,
				  pg_catalog.pg_get_userbyid(c.opcowner))
	  FROM members m JOIN pg_catalog.pg_opclass c ON m.classid = 'pg_catalog.pg_opclass'::pg_catalog.regclass AND c.oid = m.objid
	UNION ALL
	-- operator families: every operator and support function in them
	SELECT format('operator family %s owner=%s', m.ident, pg_catalog.pg_get_userbyid(f.opfowner)) ||
		   coalesce((SELECT string_agg(format(E'\n  operator %s (%s,%s) %s purpose=%s sortfamily=%s',
											  ao.amopstrategy, ao.amoplefttype::pg_catalog.regtype, ao.amoprighttype::pg_catalog.regtype,
											  ao.amopopr::pg_catalog.regoperator, ao.amoppurpose, ao.amopsortfamily),
									   '' ORDER BY ao.amoplefttype::pg_catalog.regtype::text, ao.amoprighttype::pg_catalog.regtype::text, ao.amopstrategy)
					   FROM pg_catalog.pg_amop ao WHERE ao.amopfamily = f.oid), '') ||
		   coalesce((SELECT string_agg(format(E'\n  function %s (%s,%s) %s',
											  ap.amprocnum, ap.amproclefttype::pg_catalog.regtype, ap.amprocrighttype::pg_catalog.regtype,
											  ap.amproc::pg_catalog.regprocedure),
									   '' ORDER BY ap.amproclefttype::pg_catalog.regtype::text, ap.amprocrighttype::pg_catalog.regtype::text, ap.amprocnum)
					   FROM pg_catalog.pg_amproc ap WHERE ap.amprocfamily = f.oid), '')
	  FROM members m JOIN pg_catalog.pg_opfamily f ON m.classid = 'pg_catalog.pg_opfamily'::pg_catalog.regclass AND f.oid = m.objid
	UNION ALL
	-- casts
	SELECT format('cast %s func=%s context=%s method=%s',
				  m.ident, nullif(c.castfunc, 0)::pg_catalog.regprocedure, c.castcontext, c.castmethod)
	  FROM members m JOIN pg_catalog.pg_cast c ON m.classid = 'pg_catalog.pg_cast'::pg_catalog.regclass AND c.oid = m.objid
	UNION ALL
	-- relations: kind, owner, ACL, options; a view's query
	SELECT format('relation %s kind=%s persistence=%s owner=%s acl=%s options=%s rowsecurity=%s',
				  m.ident, c.relkind, c.relpersistence, pg_catalog.pg_get_userbyid(c.relowner),
				  coalesce(c.relacl::text, 'NULL'), c.reloptions, c.relrowsecurity) ||
		   CASE WHEN c.relkind IN ('v', 'm') THEN E'\n' || pg_catalog.pg_get_viewdef(c.oid) ELSE '' END
	  FROM members m JOIN pg_catalog.pg_class c ON m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = m.objid
	UNION ALL
	-- columns of the member tables and views, with their comments and ACLs
	SELECT format('column %s.%s %s notnull=%s default=%s collation=%s identity=%s generated=%s acl=%s comment=%s',
				  c.oid::pg_catalog.regclass, pg_catalog.quote_ident(a.attname),
				  pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
				  pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), a.attcollation::pg_catalog.regcollation,
				  a.attidentity, a.attgenerated, coalesce(a.attacl::text, 'NULL'),
				  coalesce(pg_catalog.quote_literal(pg_catalog.col_description(c.oid, a.attnum)), 'NULL'))
	  FROM members m JOIN pg_catalog.pg_class c ON m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = m.objid
	  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
	  LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
	UNION ALL
	-- constraints of the member tables (named as a fresh install names them)
	SELECT format('constraint %s on %s %s comment=%s', pg_catalog.quote_ident(k.conname), c.oid::pg_catalog.regclass,
				  pg_catalog.pg_get_constraintdef(k.oid),
				  coalesce(pg_catalog.quote_literal(pg_catalog.obj_description(k.oid, 'pg_constraint')), 'NULL'))
	  FROM members m JOIN pg_catalog.pg_class c ON m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = m.objid
	  JOIN pg_catalog.pg_constraint k ON k.conrelid = c.oid
	UNION ALL
	-- indexes of the member tables
	SELECT 'index ' || pg_catalog.pg_get_indexdef(i.indexrelid) || ' valid=' || i.indisvalid ||
		   ' comment=' || coalesce(pg_catalog.quote_literal(pg_catalog.obj_description(i.indexrelid, 'pg_class')), 'NULL')
	  FROM members m JOIN pg_catalog.pg_index i ON m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND i.indrelid = m.objid
	UNION ALL
	-- triggers, rules and policies on the member tables
	SELECT 'trigger ' || pg_catalog.pg_get_triggerdef(t.oid)
	  FROM members m JOIN pg_catalog.pg_trigger t ON m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND t.tgrelid = m.objid
	 WHERE NOT t.tgisinternal
	UNION ALL
	SELECT format('policy %s on %s cmd=%s roles=%s using=%s check=%s', p.policyname, p.schemaname || '.' || p.tablename,
				  p.cmd, p.roles, p.qual, p.with_check)
	  FROM pg_catalog.pg_policies p
	 WHERE (p.schemaname || '.' || p.tablename)::pg_catalog.regclass IN
		   (SELECT objid FROM members WHERE classid = 'pg_catalog.pg_class'::pg_catalog.regclass)
	UNION ALL
	-- initial privileges (pg_init_privs), from which pg_dump tells the
	-- privileges the extension set from those changed later
	SELECT format('init privileges %s %s type=%s privs=%s',
				  (pg_catalog.pg_identify_object(ip.classoid, ip.objoid, 0)).identity,
				  CASE WHEN ip.objsubid <> 0 THEN 'column ' || ip.objsubid ELSE '' END,
				  ip.privtype, ip.initprivs)
	  FROM pg_catalog.pg_init_privs ip
	 WHERE EXISTS (SELECT FROM members m WHERE m.classid = ip.classoid AND m.objid = ip.objoid)
	UNION ALL
	-- the extension itself: version, schema, configuration tables
	SELECT format('extension %s version=%s schema=%s relocatable=%s owner=%s config=%s conditions=%s',
				  ext.extname, ext.extversion, ext.extnamespace::pg_catalog.regnamespace, ext.extrelocatable,
				  pg_catalog.pg_get_userbyid(ext.extowner),
				  (SELECT array_agg(x::pg_catalog.regclass::text ORDER BY x::pg_catalog.regclass::text) FROM unnest(ext.extconfig) x),
				  ext.extcondition)
	  FROM ext
)
SELECT line FROM lines ORDER BY line COLLATE "C";
