/*-------------------------------------------------------------------------
 *
 * platform.c
 *	  The platform's tables (projects, traces, observations, and the
 *	  optional model_pricing): their cached description, and the reads of
 *	  projects and traces that the heartbeat check, the ingestion, the
 *	  worker, health() and the status view share.
 *
 * See platform.h for what is described and which SQLSTATE each cause gets.
 * The cache follows PostgreSQL's own: a relcache callback marks the
 * description of a table stale when an invalidation names it (ALTER TABLE,
 * a new index, a change of owner, DROP); each use looks the table up by
 * name and locks it, which processes pending invalidations, and rebuilds
 * the description when it is stale or the name now means another table.
 *
 * The reads run as the table's owner in a security-restricted operation
 * (as VACUUM and CREATE INDEX run index expressions), and every operator
 * and function in their SQL is schema-qualified, so neither the owner's
 * code nor the caller's search_path ever runs with the rights of the
 * superuser or SECURITY DEFINER function that calls them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/partcache.h"
#include "utils/memutils.h"
#include "utils/guc.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "platform.h"
#include "swisper_ext.h"

char	   *platform_schema = NULL;

static const char *const platform_relnames[PLATFORM_NRELS] = {
	"projects", "traces", "observations", "model_pricing"
};

static PlatformTable platform_tables[PLATFORM_NRELS];
static bool platform_valid[PLATFORM_NRELS];
static MemoryContext platform_cxt[PLATFORM_NRELS];
static uint64 platform_generation = 0;
static bool platform_callback_registered = false;

/* The saved look-up plans of projects, [0] plain and [1] FOR KEY SHARE. */
static SPIPlanPtr lookup_plans[2];
static uint64 lookup_plans_generation = 0;

/*
 * platform_init: see platform.h.
 */
void
platform_init(void)
{
	DefineCustomStringVariable("swisper.table_schema",
							   "Schema that holds the observability tables (projects, traces, observations).",
							   "CREATE EXTENSION and swisper.fix_user_id() migrate the tables of this schema, "
							   "and the ingestion functions write into them.",
							   &platform_schema,
							   "public",
							   PGC_SUSET,
							   0,
							   NULL, NULL, NULL);
}

/*
 * Is relid a table (plain or partitioned)?  The extension reads and writes
 * the platform's tables with elevated rights (SECURITY DEFINER, the
 * worker's superuser): a view in their place would run its functions with
 * those rights, so every look-up of them checks this.
 */
static bool
platform_is_table(Oid relid)
{
	char		relkind = get_rel_relkind(relid);

	return relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE;
}

/*
 * platform_rel_owner: see platform.h.
 */
Oid
platform_rel_owner(Oid relid)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return owner;
}

/*
 * Relcache callback: a table whose description is cached changed.
 */
static void
platform_relcache_callback(Datum arg, Oid relid)
{
	int			i;

	for (i = 0; i < PLATFORM_NRELS; i++)
		if (relid == InvalidOid || relid == platform_tables[i].relid)
			platform_valid[i] = false;
}

/*
 * Report a table that cannot be used: raise, or fill *problem.
 */
static PlatformTable *
platform_problem(PlatformProblem *problem, int sqlerrcode, char *message, char *hint)
{
	if (problem == NULL)
		ereport(ERROR,
				(errcode(sqlerrcode),
				 errmsg_internal("%s", message),
				 hint ? errhint("%s", hint) : 0));
	problem->sqlerrcode = sqlerrcode;
	problem->message = message;
	problem->hint = hint;
	return NULL;
}

/*
 * Read the description of tab (whose relid is set) from the catalog.  The
 * caller holds a lock on the table.
 */
static void
platform_describe(PlatformTable *tab, const char *schema)
{
	MemoryContext cxt = platform_cxt[tab->which];
	MemoryContext old;
	Relation	rel;
	Form_pg_attribute id;
	AttrNumber	key_attnum = InvalidAttrNumber;

	MemoryContextReset(cxt);
	rel = relation_open(tab->relid, NoLock);
	old = MemoryContextSwitchTo(cxt);
	tab->schema = pstrdup(schema);
	tab->tupdesc = CreateTupleDescCopyConstr(RelationGetDescr(rel));
	MemoryContextSwitchTo(old);
	tab->owner = platform_rel_owner(tab->relid);

	id = platform_column(tab, "id");
	tab->id_attnum = id ? id->attnum : InvalidAttrNumber;
	tab->partitioned = (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE);
	tab->part_attnum = InvalidAttrNumber;
	if (tab->partitioned)
	{
		PartitionKey key = RelationGetPartitionKey(rel);

		if (key->partnatts == 1 && key->partattrs[0] != 0)
			tab->part_attnum = key->partattrs[0];
	}
	tab->dist_method = platform_citus_table(tab->relid, &tab->dist_attnum);
	key_attnum = (tab->dist_method == 'h') ? tab->dist_attnum : tab->part_attnum;
	tab->id_index = InvalidOid;
	if (id == NULL || (tab->partitioned && tab->part_attnum == InvalidAttrNumber))
		;						/* partitioned by an expression: no such index */
	else if (key_attnum == InvalidAttrNumber || key_attnum == tab->id_attnum)
		tab->id_index = platform_unique_index(tab->relid, 1, &tab->id_attnum);
	else
	{
		/*
		 * id first: a stored row is then found by id alone in a partition;
		 * a distributed table's unique index includes its distribution
		 * column the same way.
		 */
		AttrNumber	keys[2] = {tab->id_attnum, key_attnum};

		tab->id_index = platform_unique_index(tab->relid, 2, keys);
	}
	relation_close(rel, NoLock);
	tab->generation = ++platform_generation;
}

/*
 * platform_table: see platform.h.
 */
PlatformTable *
platform_table(PlatformRel which, LOCKMODE lockmode, PlatformProblem *problem)
{
	const char *schema = platform_schema ? platform_schema : "public";
	const char *relname = platform_relnames[which];
	PlatformTable *tab = &platform_tables[which];
	Oid			nsp;
	Oid			relid;

	if (!platform_callback_registered)
	{
		int			i;

		for (i = 0; i < PLATFORM_NRELS; i++)
		{
			platform_tables[i].which = i;
			platform_tables[i].relname = platform_relnames[i];
			platform_cxt[i] = AllocSetContextCreate(CacheMemoryContext, "swisper platform table",
													ALLOCSET_SMALL_SIZES);
		}
		CacheRegisterRelcacheCallback(platform_relcache_callback, (Datum) 0);
		platform_callback_registered = true;
	}
	if (problem)
		memset(problem, 0, sizeof(*problem));

	for (;;)
	{
		nsp = get_namespace_oid(schema, true);
		if (!OidIsValid(nsp))
			return platform_problem(problem, ERRCODE_INVALID_SCHEMA_NAME,
									psprintf("schema \"%s\" named by swisper.table_schema does not exist",
											 schema),
									pstrdup("Set swisper.table_schema to the schema that holds the observability tables."));
		relid = get_relname_relid(relname, nsp);
		if (!OidIsValid(relid))
			return platform_problem(problem, ERRCODE_UNDEFINED_TABLE,
									psprintf("relation \"%s.%s\" does not exist", schema, relname),
									pstrdup("Set swisper.table_schema to the schema that holds the observability tables, "
											"or create them (swisper.create_missing_tables() creates the platform's shape)."));
		if (!platform_is_table(relid))
			return platform_problem(problem, ERRCODE_WRONG_OBJECT_TYPE,
									psprintf("\"%s.%s\" is not a table", schema, relname),
									pstrdup("swisper_ext reads it with elevated rights, so only a table is accepted in its place."));

		/*
		 * Locking processes pending invalidations: the name may since mean
		 * another relation, or none; look again until it holds still.
		 */
		LockRelationOid(relid, lockmode);
		if (get_relname_relid(relname, nsp) == relid)
			break;
		UnlockRelationOid(relid, lockmode);
	}

	/*
	 * Rebuild when stale.  Building opens indexes, which may process an
	 * invalidation of this very table: then build again.
	 */
	while (!platform_valid[which] || tab->relid != relid || strcmp(tab->schema, schema) != 0)
	{
		tab->relid = relid;
		platform_valid[which] = true;
		platform_describe(tab, schema);
	}

	/* prices are looked up by project, provider and model, never by id */
	if (tab->id_attnum == InvalidAttrNumber && which != PLATFORM_MODEL_PRICING)
		return platform_problem(problem, ERRCODE_UNDEFINED_COLUMN,
								psprintf("column \"id\" of relation \"%s.%s\" does not exist",
										 schema, relname),
								NULL);
	return tab;
}

/*
 * platform_column: see platform.h.
 */
Form_pg_attribute
platform_column(PlatformTable *tab, const char *colname)
{
	int			i;

	for (i = 0; i < tab->tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tab->tupdesc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), colname) == 0)
			return att;
	}
	return NULL;
}

/*
 * platform_unique_index: see platform.h.
 */
Oid
platform_unique_index(Oid relid, int nkeys, const AttrNumber *attnums)
{
	Relation	rel = table_open(relid, AccessShareLock);
	Oid			found = InvalidOid;
	ListCell   *lc;

	if (rel->rd_rel->relkind == RELKIND_RELATION ||
		rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
	{
		List	   *indexes = RelationGetIndexList(rel);

		foreach(lc, indexes)
		{
			Relation	irel = index_open(lfirst_oid(lc), AccessShareLock);
			Form_pg_index ind = irel->rd_index;
			bool		match;
			int			k;

			match = ind->indisunique && ind->indisvalid && ind->indimmediate &&
				ind->indnkeyatts == nkeys && irel->rd_rel->relam == BTREE_AM_OID &&
				RelationGetIndexPredicate(irel) == NIL &&
				RelationGetIndexExpressions(irel) == NIL;
			for (k = 0; match && k < nkeys; k++)
				match = (ind->indkey.values[k] == attnums[k]);
			index_close(irel, AccessShareLock);
			if (match)
			{
				found = lfirst_oid(lc);
				break;
			}
		}
		list_free(indexes);
	}
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * platform_become_owner / platform_restore_user: see platform.h.  An error
 * in between needs no restore: transaction abort resets the user.
 */
void
platform_become_owner(Oid owner, PlatformSavedUser *saved)
{
	GetUserIdAndSecContext(&saved->userid, &saved->sec_context);
	SetUserIdAndSecContext(owner, saved->sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
}

void
platform_restore_user(const PlatformSavedUser *saved)
{
	SetUserIdAndSecContext(saved->userid, saved->sec_context);
}

/*
 * The SQL expressions of the optional columns of projects.
 */
static const char *
projects_not_deleted(PlatformTable *projects)
{
	return platform_column(projects, "deleted_at") ? "p.deleted_at IS NULL" : "true";
}

/*
 * platform_projects_list: see platform.h.
 */
PlatformProject *
platform_projects_list(PlatformTable *projects, bool with_names, int *count)
{
	MemoryContext caller = CurrentMemoryContext;
	PlatformSavedUser saved;
	PlatformProject *out;
	char	   *sql;
	uint64		i;

	sql = psprintf("SELECT p.id::pg_catalog.text, %s, %s FROM %s.%s p WHERE %s ORDER BY 1",
				   platform_column(projects, "tracing_enabled") ?
				   "p.tracing_enabled IS NOT FALSE" : "true",
				   with_names && platform_column(projects, "name") ?
				   "p.name::pg_catalog.text" : "NULL::pg_catalog.text",
				   quote_identifier(projects->schema), quote_identifier(projects->relname),
				   projects_not_deleted(projects));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	platform_become_owner(projects->owner, &saved);
	if (SPI_execute(sql, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "reading %s.%s failed", projects->schema, projects->relname);
	platform_restore_user(&saved);

	out = MemoryContextAlloc(caller, sizeof(PlatformProject) * (SPI_processed + 1));
	*count = 0;
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Datum		id = SPI_getbinval(tup, desc, 1, &isnull);
		Datum		d;
		PlatformProject *p;

		if (isnull)				/* no project can be named by a NULL id */
			continue;
		p = &out[(*count)++];
		p->id = MemoryContextStrdup(caller, TextDatumGetCString(id));
		p->tracing_enabled = DatumGetBool(SPI_getbinval(tup, desc, 2, &isnull));
		d = SPI_getbinval(tup, desc, 3, &isnull);
		p->name = isnull ? NULL : MemoryContextStrdup(caller, TextDatumGetCString(d));
	}
	SPI_finish();
	return out;
}

/*
 * platform_cmp_cstring: see platform.h.
 */
int
platform_cmp_cstring(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/*
 * platform_projects_lookup: see platform.h.  ids must be sorted by strcmp.
 *
 * The plans are saved and planned for each call (CURSOR_OPT_CUSTOM_PLAN):
 * a generic plan made while projects was small would keep scanning it.
 */
void
platform_projects_lookup(PlatformTable *projects, char **ids, int n, bool lock,
						 bool *found, bool *deleted)
{
	PlatformSavedUser saved;
	Datum	   *elems;
	Datum		arg;
	int			i;
	uint64		row;

	memset(found, 0, sizeof(bool) * n);
	memset(deleted, 0, sizeof(bool) * n);
	if (n == 0)
		return;

	/*
	 * A row lock on a Citus table (a reference projects) is taken on every
	 * node that has a copy, under Citus's own locks of its shards, in an
	 * order that concurrent lookups do not share: they deadlock.  There the
	 * rows are not locked; a project deleted while a batch writes its traces
	 * fails that batch on the foreign key, and it is delivered again.
	 */
	if (projects->dist_method != '\0')
		lock = false;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (lookup_plans_generation != projects->generation)
	{
		for (i = 0; i < 2; i++)
		{
			if (lookup_plans[i])
				SPI_freeplan(lookup_plans[i]);
			lookup_plans[i] = NULL;
		}
		lookup_plans_generation = projects->generation;
	}
	if (lookup_plans[lock] == NULL)
	{
		Oid			argtype = TEXTARRAYOID;
		char	   *sql;
		SPIPlanPtr	plan;

		sql = psprintf("SELECT p.id::pg_catalog.text, NOT (%s) FROM %s.%s p"
					   " WHERE p.id::pg_catalog.text OPERATOR(pg_catalog.=) ANY ($1)%s",
					   projects_not_deleted(projects),
					   quote_identifier(projects->schema), quote_identifier(projects->relname),
					   lock ? " FOR KEY SHARE OF p" : "");
		plan = SPI_prepare_cursor(sql, 1, &argtype, CURSOR_OPT_CUSTOM_PLAN);
		if (plan == NULL || SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql, SPI_result_code_string(SPI_result));
		lookup_plans[lock] = plan;
	}

	elems = palloc(sizeof(Datum) * n);
	for (i = 0; i < n; i++)
		elems[i] = CStringGetTextDatum(ids[i]);
	arg = PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));

	platform_become_owner(projects->owner, &saved);
	if (SPI_execute_plan(lookup_plans[lock], &arg, NULL, !lock, 0) != SPI_OK_SELECT)
		elog(ERROR, "looking up projects in %s.%s failed", projects->schema, projects->relname);
	platform_restore_user(&saved);

	for (row = 0; row < SPI_processed; row++)
	{
		HeapTuple	tup = SPI_tuptable->vals[row];
		bool		isnull;
		char	   *id = TextDatumGetCString(SPI_getbinval(tup, SPI_tuptable->tupdesc, 1, &isnull));
		char	  **hit = bsearch(&id, ids, n, sizeof(char *), platform_cmp_cstring);
		Datum		del = SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull);

		if (hit == NULL)
			continue;
		i = hit - ids;
		/* with duplicate ids in projects, one live row is enough */
		if (!found[i] || deleted[i])
			deleted[i] = !isnull && DatumGetBool(del);
		found[i] = true;
	}
	SPI_finish();
}

/* A project id and its place in the caller's array, for bsearch. */
typedef struct ProjectRef
{
	const char *id;
	int			idx;
} ProjectRef;

static int
cmp_project_ref(const void *a, const void *b)
{
	return strcmp(((const ProjectRef *) a)->id, ((const ProjectRef *) b)->id);
}

/*
 * platform_traces_today: see platform.h.
 */
bool
platform_traces_today(PlatformProject *projects, int nprojects, int64 *counts)
{
	PlatformProblem problem;
	PlatformTable *traces = platform_table(PLATFORM_TRACES, AccessShareLock, &problem);
	PlatformSavedUser saved;
	ProjectRef *refs;
	char	   *sql;
	int			i;
	uint64		row;

	if (traces == NULL ||
		!platform_column(traces, "project_id") || !platform_column(traces, "timestamp"))
		return false;

	memset(counts, 0, sizeof(int64) * nprojects);
	refs = palloc(sizeof(ProjectRef) * (nprojects + 1));
	for (i = 0; i < nprojects; i++)
	{
		refs[i].id = projects[i].id;
		refs[i].idx = i;
	}
	qsort(refs, nprojects, sizeof(ProjectRef), cmp_project_ref);

	/* OPERATOR() has one precedence for all: every operand is parenthesized */
#define UTC_TODAY "(pg_catalog.date_trunc('day', pg_catalog.now() AT TIME ZONE 'UTC'))"
	sql = psprintf("SELECT t.project_id::pg_catalog.text, pg_catalog.count(*) FROM %s.%s t"
				   " WHERE t.\"timestamp\" OPERATOR(pg_catalog.>=) " UTC_TODAY
				   "   AND t.\"timestamp\" OPERATOR(pg_catalog.<) (" UTC_TODAY
				   "       OPERATOR(pg_catalog.+) '1 day'::pg_catalog.interval)"
				   " GROUP BY 1",
				   quote_identifier(traces->schema), quote_identifier(traces->relname));
#undef UTC_TODAY

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	platform_become_owner(traces->owner, &saved);
	if (SPI_execute(sql, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "counting the traces of today in %s.%s failed", traces->schema, traces->relname);
	platform_restore_user(&saved);
	for (row = 0; row < SPI_processed; row++)
	{
		HeapTuple	tup = SPI_tuptable->vals[row];
		bool		isnull;
		Datum		id = SPI_getbinval(tup, SPI_tuptable->tupdesc, 1, &isnull);
		ProjectRef	key;
		ProjectRef *hit;

		if (isnull)
			continue;
		key.id = TextDatumGetCString(id);
		hit = bsearch(&key, refs, nprojects, sizeof(ProjectRef), cmp_project_ref);
		if (hit)
			counts[hit->idx] = DatumGetInt64(SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull));
	}
	SPI_finish();
	return true;
}
