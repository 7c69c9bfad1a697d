/*-------------------------------------------------------------------------
 *
 * ingest_target.c
 *	  What the ingestion knows about its target tables: the columns it
 *	  writes and their types (from the catalog, never assumed), converters
 *	  from JSON text to each column's type, and the saved SPI plans that
 *	  read and write them.
 *
 * The tables live in the schema named by swisper.table_schema.  Everything
 * here is cached per backend and thrown away when a relcache invalidation
 * names one of the tables (ALTER TABLE, DROP, ...), when an enum gains a
 * label, or when the setting names another schema.  SQL text is built only
 * from fixed names and catalog identifiers, quoted with quote_identifier.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/syscache.h"
#include "utils/uuid.h"

#include "ingest.h"
#include "swisper_ext.h"

/* Column names of the logical fields, in TraceField / ObsField order. */
static const char *const trace_columns[TF_COUNT] = {
	"id", "project_id", "timestamp", "name", "user_id", "session_id",
	"input", "output", "meta", "tags"
};
static const char *const obs_columns[OF_COUNT] = {
	"id", "trace_id", "start_time", "parent_observation_id", "type", "name",
	"end_time", "completion_start_time", "input", "output", "meta", "model",
	"model_parameters", "prompt_tokens", "completion_tokens", "total_tokens",
	"level", "status_message"
};

static IngestTarget target;
static MemoryContext target_cxt = NULL;
static bool callbacks_registered = false;
static Oid	state_relid = InvalidOid;

bool		ingest_careful_conversion = false;

/*
 * Relcache callback: forget everything when one of our tables changes.
 */
static void
ingest_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid ||
		relid == target.projects_relid ||
		relid == target.tables[IK_TRACE].relid ||
		relid == target.tables[IK_OBS].relid ||
		relid == state_relid)
		target.valid = false;
}

/*
 * Syscache callback on pg_enum and pg_type: an enum label added or a type
 * changed makes the cached converters stale.
 */
static void
ingest_syscache_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	target.valid = false;
}

/*
 * Free the saved plans of a stale target.
 */
static void
free_plan(SPIPlanPtr *plan)
{
	if (*plan)
		SPI_freeplan(*plan);
	*plan = NULL;
}

/*
 * The owner of a relation: the ingestion reads and writes its tables, and
 * runs their columns' input functions, as it.
 */
static Oid
rel_owner(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * Describe one column of a table for the converters.  A column the table
 * lacks leaves colname NULL: that field is then neither read nor written.
 */
static void
describe_column(Oid relid, Oid owner, const char *field, const char *colname, IngestColumn *col)
{
	AttrNumber	attnum;
	HeapTuple	tup;
	Form_pg_attribute att;
	Oid			infunc;
	Oid			outfunc;
	bool		isvarlena;

	memset(col, 0, sizeof(*col));
	col->field = field;
	attnum = get_attnum(relid, colname);
	if (attnum == InvalidAttrNumber)
		return;

	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid), Int16GetDatum(attnum));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for attribute %d of relation %u", attnum, relid);
	att = (Form_pg_attribute) GETSTRUCT(tup);
	col->colname = MemoryContextStrdup(target_cxt, colname);
	col->attnum = attnum;
	col->typid = att->atttypid;
	col->typmod = att->atttypmod;
	col->notnull = att->attnotnull;
	ReleaseSysCache(tup);
	col->owner = owner;

	get_typlenbyvalalign(col->typid, &col->typlen, &col->typbyval, &col->typalign);
	col->arraytypid = get_array_type(col->typid);
	if (!OidIsValid(col->arraytypid))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("column \"%s\" of relation \"%s\" has a type without an array type",
						colname, get_rel_name(relid)),
				 errdetail("The ingestion writes each column through an array of its type.")));
	getTypeInputInfo(col->typid, &infunc, &col->ioparam);
	fmgr_info_cxt(infunc, &col->infunc, target_cxt);
	getTypeOutputInfo(col->typid, &outfunc, &isvarlena);
	fmgr_info_cxt(outfunc, &col->outfunc, target_cxt);
	col->maxchars = -1;

	switch (col->typid)
	{
		case TEXTOID:
			col->cclass = CC_TEXT;
			break;
		case VARCHAROID:
			col->cclass = CC_TEXT;
			if (col->typmod >= (int32) VARHDRSZ)
				col->maxchars = col->typmod - VARHDRSZ;
			break;
		case UUIDOID:
			col->cclass = CC_UUID;
			break;
		case JSONOID:
			col->cclass = CC_JSON;
			break;
		case JSONBOID:
			col->cclass = CC_JSONB;
			break;
		case TIMESTAMPOID:
			col->cclass = CC_TIMESTAMP;
			break;
		case TIMESTAMPTZOID:
			col->cclass = CC_TIMESTAMPTZ;
			break;
		case INT2OID:
			col->cclass = CC_INT2;
			break;
		case INT4OID:
			col->cclass = CC_INT4;
			break;
		case INT8OID:
			col->cclass = CC_INT8;
			break;
		default:
			if (type_is_enum(col->typid))
			{
				CatCList   *list;
				int			i;

				col->cclass = CC_ENUM;
				list = SearchSysCacheList1(ENUMTYPOIDNAME, ObjectIdGetDatum(col->typid));
				col->nlabels = list->n_members;
				col->labels = MemoryContextAlloc(target_cxt, sizeof(char *) * (list->n_members + 1));
				col->labeloids = MemoryContextAlloc(target_cxt, sizeof(Oid) * (list->n_members + 1));
				for (i = 0; i < list->n_members; i++)
				{
					HeapTuple	etup = &list->members[i]->tuple;
					Form_pg_enum en = (Form_pg_enum) GETSTRUCT(etup);

					col->labels[i] = MemoryContextStrdup(target_cxt, NameStr(en->enumlabel));
					col->labeloids[i] = en->oid;
				}
				ReleaseSysCacheList(list);
			}
			else
			{
				col->cclass = CC_OTHER;
				target.has_other = true;
			}
			break;
	}
}

/*
 * Describe one observability table (traces or observations).
 */
static void
describe_table(IngestTable *tab, Oid relid, const char *const *columns, int nfields)
{
	int			i;

	memset(tab, 0, sizeof(*tab));
	tab->relid = relid;
	tab->owner = rel_owner(relid);
	tab->nfields = nfields;
	for (i = 0; i < nfields; i++)
	{
		describe_column(relid, tab->owner, columns[i], columns[i], &tab->cols[i]);
		if (tab->cols[i].colname)
		{
			tab->written[tab->nwritten++] = i;
			if (i == 0 || tab->cols[i].notnull ||
				ingest_first_wins(columns == trace_columns ? IK_TRACE : IK_OBS, i))
				tab->readcols[tab->nread++] = i;
		}
	}
	if (tab->cols[0].colname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("relation \"%s\" has no column \"id\"", get_rel_name(relid))));

	/*
	 * The merge reads the stored row of each entity through this index, and
	 * the upsert's ON CONFLICT (id) needs it too.
	 */
	tab->id_index = ingest_unique_index(relid, 1, &tab->cols[0].attnum);
	if (!OidIsValid(tab->id_index))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("relation \"%s\" has no unique index on its column \"id\"",
						get_rel_name(relid)),
				 errdetail("Ingestion finds stored rows through a valid, non-partial, unique btree index on \"id\" alone, in a table that is not partitioned."),
				 errhint("CREATE UNIQUE INDEX ON %s (id), or make \"id\" the primary key.",
						 quote_identifier(get_rel_name(relid)))));
}

/*
 * A valid, immediate, non-partial unique btree index of a plain table whose
 * key columns are exactly attnums (in that order), or InvalidOid.
 */
Oid
ingest_unique_index(Oid relid, int nkeys, const AttrNumber *attnums)
{
	Relation	rel = table_open(relid, AccessShareLock);
	Oid			found = InvalidOid;
	ListCell   *lc;

	if (rel->rd_rel->relkind == RELKIND_RELATION)
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
 * Look up a table of the target schema, taking the lock the ingestion
 * needs.  Taking the lock also processes pending invalidations, which may
 * mark the cached target stale.
 */
static Oid
lookup_table(Oid nspoid, const char *schema, const char *relname, LOCKMODE mode)
{
	Oid			relid = get_relname_relid(relname, nspoid);

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s.%s\" does not exist", schema, relname),
				 errhint("Set swisper.table_schema to the schema that holds the observability tables.")));
	if (!swisper_is_table(relid))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s.%s\" is not a table", schema, relname)));
	LockRelationOid(relid, mode);
	return relid;
}

/*
 * The target of this call: the cached one if still valid, else rebuilt
 * from the catalog.
 */
IngestTarget *
ingest_target_get(void)
{
	const char *schema = swisper_table_schema ? swisper_table_schema : "public";
	Oid			nspoid;
	Oid			extnsp;
	Oid			projects;
	Oid			traces;
	Oid			observations;

	if (!callbacks_registered)
	{
		CacheRegisterRelcacheCallback(ingest_relcache_callback, (Datum) 0);
		CacheRegisterSyscacheCallback(ENUMOID, ingest_syscache_callback, (Datum) 0);
		CacheRegisterSyscacheCallback(TYPEOID, ingest_syscache_callback, (Datum) 0);
		callbacks_registered = true;
	}

	nspoid = get_namespace_oid(schema, true);
	if (!OidIsValid(nspoid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema \"%s\" named by swisper.table_schema does not exist", schema)));
	projects = lookup_table(nspoid, schema, "projects", AccessShareLock);
	traces = lookup_table(nspoid, schema, "traces", RowExclusiveLock);
	observations = lookup_table(nspoid, schema, "observations", RowExclusiveLock);

	extnsp = get_namespace_oid(SWISPER_SCHEMA_NAME, false);

	if (target.valid && strcmp(target.schema, schema) == 0 &&
		target.projects_relid == projects &&
		target.tables[IK_TRACE].relid == traces &&
		target.tables[IK_OBS].relid == observations &&
		state_relid == get_relname_relid("ingest_merge_state", extnsp))
		return &target;

	/* Rebuild. */
	free_plan(&target.project_plan);
	free_plan(&target.tables[IK_TRACE].upsert_plan);
	free_plan(&target.tables[IK_OBS].upsert_plan);
	if (target_cxt == NULL)
		target_cxt = AllocSetContextCreate(CacheMemoryContext, "swisper ingest target",
										   ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(target_cxt);
	memset(&target, 0, sizeof(target));

	target.schema = MemoryContextStrdup(target_cxt, schema);
	target.projects_relid = projects;
	describe_column(projects, rel_owner(projects), "project_id", "id", &target.project_id_col);
	target.projects_has_deleted_at = (get_attnum(projects, "deleted_at") != InvalidAttrNumber);
	describe_table(&target.tables[IK_TRACE], traces, trace_columns, TF_COUNT);
	describe_table(&target.tables[IK_OBS], observations, obs_columns, OF_COUNT);
	state_relid = get_relname_relid("ingest_merge_state", extnsp);
	if (!OidIsValid(state_relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("the ingestion state table of schema \"%s\" is missing", SWISPER_SCHEMA_NAME),
				 errhint("Recreate the extension with DROP EXTENSION and CREATE EXTENSION.")));
	target.state_relid = state_relid;
	{
		AttrNumber	statekey[2] = {1, 2};

		target.state_index = ingest_unique_index(state_relid, 2, statekey);
		if (!OidIsValid(target.state_index))
			elog(ERROR, "the primary key of %s.ingest_merge_state is missing", SWISPER_SCHEMA_NAME);
	}
	target.valid = true;
	return &target;
}

/*
 * Prepare and keep one plan.  The look-ups (= ANY of the batch's keys) are
 * planned for each call (CURSOR_OPT_CUSTOM_PLAN): a generic plan made while
 * a table was small would keep scanning it sequentially as it grows.
 */
static SPIPlanPtr
keep_plan_opts(const char *sql, int nargs, Oid *argtypes, int opts)
{
	SPIPlanPtr	plan = SPI_prepare_cursor(sql, nargs, argtypes, opts);

	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql, SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	return plan;
}

static SPIPlanPtr
keep_plan(const char *sql, int nargs, Oid *argtypes)
{
	return keep_plan_opts(sql, nargs, argtypes, 0);
}

static SPIPlanPtr
keep_lookup_plan(const char *sql, int nargs, Oid *argtypes)
{
	return keep_plan_opts(sql, nargs, argtypes, CURSOR_OPT_CUSTOM_PLAN);
}

/*
 * Build the read and upsert plans of one table.
 */
static void
prepare_table_plans(IngestTarget *t, IngestTable *tab, char kind, const char *relname)
{
	StringInfoData sql;
	Oid			argtypes[INGEST_MAX_FIELDS];
	const char *qschema = quote_identifier(t->schema);
	const char *qid = quote_identifier(tab->cols[0].colname);
	int			i;

	if (tab->upsert_plan == NULL)
	{
		initStringInfo(&sql);
		appendStringInfo(&sql, "INSERT INTO %s.%s AS t (", qschema, quote_identifier(relname));
		for (i = 0; i < tab->nwritten; i++)
			appendStringInfo(&sql, "%s%s", i ? ", " : "",
							 quote_identifier(tab->cols[tab->written[i]].colname));
		appendStringInfoString(&sql, ") SELECT * FROM ROWS FROM (");
		for (i = 0; i < tab->nwritten; i++)
		{
			appendStringInfo(&sql, "%spg_catalog.unnest($%d)", i ? ", " : "", i + 1);
			argtypes[i] = tab->cols[tab->written[i]].arraytypid;
		}
		appendStringInfo(&sql, ") ON CONFLICT (%s) DO UPDATE SET ", qid);
		for (i = 1; i < tab->nwritten; i++)
		{
			const char *qc = quote_identifier(tab->cols[tab->written[i]].colname);

			appendStringInfo(&sql, "%s%s = COALESCE(EXCLUDED.%s, t.%s)", i > 1 ? ", " : "", qc, qc, qc);
		}
		tab->upsert_plan = keep_plan(sql.data, tab->nwritten, argtypes);
	}
}

/*
 * Prepare the saved plans the target still lacks.  Called inside an SPI
 * connection.
 */
void
ingest_target_prepare_plans(IngestTarget *t)
{
	Oid			argtypes[1];
	StringInfoData sql;

	if (t->project_plan == NULL)
	{
		initStringInfo(&sql);
		appendStringInfo(&sql, "SELECT p.%s::pg_catalog.text, %s FROM %s.projects p"
						 " WHERE p.%s::pg_catalog.text = ANY ($1) FOR KEY SHARE OF p",
						 quote_identifier(t->project_id_col.colname),
						 t->projects_has_deleted_at ? "p.deleted_at IS NOT NULL" : "false",
						 quote_identifier(t->schema),
						 quote_identifier(t->project_id_col.colname));
		argtypes[0] = TEXTARRAYOID;
		t->project_plan = keep_lookup_plan(sql.data, 1, argtypes);
	}
	prepare_table_plans(t, &t->tables[IK_TRACE], 't', "traces");
	prepare_table_plans(t, &t->tables[IK_OBS], 'o', "observations");
}

/*
 * Is str (len bytes) a uuid that uuid_in accepts?  The same grammar: an
 * optional pair of braces around 32 hex digits, with a hyphen allowed after
 * any group of four.
 */
static bool
valid_uuid_text(const char *str, int len)
{
	int			i = 0;
	int			digits = 0;
	bool		braces = false;

	if (len > 0 && str[0] == '{')
	{
		braces = true;
		i = 1;
	}
	for (; i < len; i++)
	{
		char		c = str[i];

		if (braces && c == '}' && i == len - 1)
			break;
		if (c == '-' && digits > 0 && digits % 4 == 0 && digits < 32 && str[i - 1] != '-')
			continue;
		if (!isxdigit((unsigned char) c) || digits == 32)
			return false;
		digits++;
	}
	if (braces && (len < 2 || str[len - 1] != '}'))
		return false;
	return digits == 32 && str[i - 1] != '-';
}

/*
 * Parse an integer in [lo, hi] from text; "12", "-3", "12.0" are fine.
 */
static bool
parse_integer(const char *str, int len, int64 lo, int64 hi, int64 *out)
{
	char		buf[64];
	char	   *end;
	long long	v;

	if (len <= 0 || len >= (int) sizeof(buf))
		return false;
	memcpy(buf, str, len);
	buf[len] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (end == buf || errno == ERANGE)
		return false;
	if (*end == '.')
	{
		end++;
		while (*end == '0')
			end++;
	}
	if (*end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/*
 * The input function of a type the converters do not know (a domain, say,
 * whose CHECK calls functions), run as the table's owner in a
 * security-restricted operation: it is the owner's code, and the ingestion
 * runs with the rights of the superuser who installed the extension.  An
 * error restores the user with the (sub)transaction that catches it.
 */
static Datum
input_as_owner(IngestColumn *col, char *cstr)
{
	Oid			save_userid;
	int			save_sec_context;
	Datum		d;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(col->owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	d = InputFunctionCall(&col->infunc, cstr, col->ioparam, col->typmod);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	return d;
}

/*
 * Is an error one that bad input explains: a data exception (class 22: a
 * type's input function refusing the text) or an integrity constraint
 * violation (class 23: a domain's CHECK or NOT NULL)?  Those are an
 * element's fault, and become its 400.  Everything else is not, and must
 * end the call: a query cancel or statement timeout (57014), an
 * administrator's shutdown, running out of memory, a deadlock, a missing
 * privilege, or an error a CHECK function raises with RAISE (P0001).
 */
static bool
is_bad_value_error(const ErrorData *edata)
{
	int			category = ERRCODE_TO_CATEGORY(edata->sqlerrcode);

	return category == ERRCODE_DATA_EXCEPTION ||
		category == ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION;
}

/*
 * Run fn(arg) in a subtransaction of its own.  Returns NULL when it
 * completed.  When it raised an error that bad input explains (see
 * is_bad_value_error), returns that error, the subtransaction rolled back;
 * any other error is raised again after the rollback (as PL/pgSQL's
 * exception blocks do), so that a cancel or timeout is never swallowed.
 * The caller's memory context and resource owner are current again in
 * either case; what fn allocated in the caller's context survives.
 */
ErrorData *
ingest_try_subxact(void (*fn) (void *arg), void *arg)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	ErrorData  *volatile result = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		fn(arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		if (!is_bad_value_error(edata))
			ReThrowError(edata);
		result = edata;
	}
	PG_END_TRY();
	return result;
}

/* A careful conversion's input function call, for ingest_try_subxact. */
typedef struct InputCall
{
	IngestColumn *col;
	char	   *cstr;
	Datum		result;
} InputCall;

static void
input_call(void *arg)
{
	InputCall  *call = (InputCall *) arg;

	call->result = input_as_owner(call->col, call->cstr);
}

/*
 * Convert one value given as text into the column's type, without raising
 * an error for bad input: returns false and sets *err to a message that
 * names what was wrong (the caller adds the field name).
 */
bool
ingest_convert_text(IngestColumn *col, const char *str, int len, Datum *out, char **err)
{
	char	   *cstr;
	int64		iv;
	TimestampTz ts;
	int			i;

	switch (col->cclass)
	{
		case CC_TEXT:
			if (col->maxchars >= 0 && pg_mbstrlen_with_len(str, len) > col->maxchars)
			{
				*err = psprintf("longer than %d characters", col->maxchars);
				return false;
			}
			*out = PointerGetDatum(cstring_to_text_with_len(str, len));
			return true;
		case CC_UUID:
			if (!valid_uuid_text(str, len))
			{
				*err = psprintf("%s is not a uuid", ingest_quote(str, len));
				return false;
			}
			*out = DirectFunctionCall1(uuid_in, CStringGetDatum(pnstrdup(str, len)));
			return true;
		case CC_JSON:
		case CC_JSONB:
			/* callers pass JSON values through ingest_event.c */
			*err = "not a JSON value";
			return false;
		case CC_TIMESTAMP:
		case CC_TIMESTAMPTZ:
			if (!ingest_parse_timestamp(str, len, &ts))
			{
				*err = psprintf("%s is not an ISO 8601 timestamp or epoch seconds",
								ingest_quote(str, len));
				return false;
			}
			*out = TimestampTzGetDatum(ts);
			return true;
		case CC_INT2:
			if (!parse_integer(str, len, PG_INT16_MIN, PG_INT16_MAX, &iv))
				goto bad_int;
			*out = Int16GetDatum((int16) iv);
			return true;
		case CC_INT4:
			if (!parse_integer(str, len, PG_INT32_MIN, PG_INT32_MAX, &iv))
				goto bad_int;
			*out = Int32GetDatum((int32) iv);
			return true;
		case CC_INT8:
			if (!parse_integer(str, len, PG_INT64_MIN, PG_INT64_MAX, &iv))
				goto bad_int;
			*out = Int64GetDatum(iv);
			return true;
		case CC_ENUM:
			for (i = 0; i < col->nlabels; i++)
			{
				if ((int) strlen(col->labels[i]) == len && memcmp(col->labels[i], str, len) == 0)
				{
					*out = ObjectIdGetDatum(col->labeloids[i]);
					return true;
				}
			}
			{
				StringInfoData allowed;

				initStringInfo(&allowed);
				for (i = 0; i < col->nlabels; i++)
					appendStringInfo(&allowed, "%s%s", i ? ", " : "", col->labels[i]);
				*err = psprintf("%s is not a value of type %s (allowed: %s)",
								ingest_quote(str, len), format_type_be(col->typid), allowed.data);
			}
			return false;
		case CC_OTHER:
			cstr = pnstrdup(str, len);
			if (!ingest_careful_conversion)
			{
				*out = input_as_owner(col, cstr);
				return true;
			}
			else
			{
				InputCall	call = {col, cstr, (Datum) 0};
				ErrorData  *edata = ingest_try_subxact(input_call, &call);

				if (edata != NULL)
				{
					*err = edata->message;
					return false;
				}
				*out = call.result;
				return true;
			}
	}
	*err = "unsupported column type";
	return false;

bad_int:
	*err = psprintf("%s is not an integer in the range of %s",
					ingest_quote(str, len), format_type_be(col->typid));
	return false;
}

/*
 * A value as a message quotes it: in double quotes, cut after
 * INGEST_QUOTE_CHARS characters (at a character boundary) and marked with
 * "...", as external_id's input errors do.  A 10 MB value must not make
 * a 10 MB message in every result row and log line.
 */
char *
ingest_quote(const char *str, int len)
{
	int			cut = pg_mbcharcliplen(str, len, INGEST_QUOTE_CHARS);

	return psprintf("\"%.*s%s\"", cut, str, cut < len ? "..." : "");
}

/*
 * Is field f of kind a "first wins" field (id, project, trace id, start
 * time / trace timestamp)?
 */
bool
ingest_first_wins(IngestKind kind, int f)
{
	if (kind == IK_TRACE)
		return f == TF_ID || f == TF_PROJECT_ID || f == TF_TIMESTAMP;
	return f == OF_ID || f == OF_TRACE_ID || f == OF_START_TIME;
}

/*
 * The canonical text of a converted id: what keys entities and merge state.
 */
char *
ingest_datum_key(IngestColumn *col, Datum value)
{
	if (col->cclass == CC_TEXT)
		return text_to_cstring(DatumGetTextPP(value));
	return OutputFunctionCall(&col->outfunc, value);
}
