/*-------------------------------------------------------------------------
 *
 * ingest_target.c
 *	  What the ingestion knows about its target tables: the columns it
 *	  writes and their types (platform.c's description, never assumed),
 *	  converters from JSON text to each column's type, and the saved SPI
 *	  plans that write them.
 *
 * Everything here is cached per backend and rebuilt when platform.c's
 * description of traces or observations is (ALTER TABLE, DROP, another
 * swisper.table_schema, ...), when an enum gains a label, or when the merge
 * state table changes.  SQL text is built only from fixed names and
 * catalog identifiers, quoted with quote_identifier.
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

#include "catalog_version.h"
#include "ingest.h"
#include "platform.h"
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
	"level", "status_message",
	"calculated_input_cost", "calculated_output_cost", "calculated_total_cost"
};

static IngestTarget target;
static MemoryContext target_cxt = NULL;
static bool callbacks_registered = false;
static Oid	state_relid = InvalidOid;


/*
 * Relcache callback: forget everything when the merge state table changes.
 * The platform's tables have their own (platform.c): a change there gives
 * them a new generation, which ingest_target_get() compares.
 */
static void
ingest_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == state_relid)
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
 * Describe one column of a table for the converters.  A column the table
 * lacks leaves colname NULL: that field is then neither read nor written.
 */
static void
describe_column(PlatformTable *ptab, const char *colname, IngestColumn *col)
{
	Form_pg_attribute att = platform_column(ptab, colname);
	Oid			infunc;
	Oid			outfunc;
	bool		isvarlena;

	memset(col, 0, sizeof(*col));
	col->field = colname;
	if (att == NULL)
		return;

	col->colname = MemoryContextStrdup(target_cxt, colname);
	col->attnum = att->attnum;
	col->typid = att->atttypid;
	col->typmod = att->atttypmod;
	col->notnull = att->attnotnull;
	col->owner = ptab->owner;

	get_typlenbyvalalign(col->typid, &col->typlen, &col->typbyval, &col->typalign);
	col->arraytypid = get_array_type(col->typid);
	if (!OidIsValid(col->arraytypid))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("column \"%s\" of relation \"%s\" has a type without an array type",
						colname, ptab->relname),
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
		case NUMERICOID:
			col->cclass = CC_NUMERIC;
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
 * The partition key of a partitioned table, or the distribution column of
 * a distributed one (how: "partitioned" or "distributed"): one plain column
 * that the ingestion writes, so that it knows where each row goes.
 */
static void
describe_partition_key(IngestTable *tab, PlatformTable *ptab, AttrNumber attnum, const char *how)
{
	int			i;

	tab->key_field = -1;
	if (attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("relation \"%s.%s\" is partitioned by an expression or by several columns",
						ptab->schema, ptab->relname),
				 errdetail("The ingestion writes into tables partitioned by one column that it writes.")));
	for (i = 0; i < tab->nfields; i++)
		if (tab->cols[i].colname && tab->cols[i].attnum == attnum)
			tab->key_field = i;
	if (tab->key_field < 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("relation \"%s.%s\" is %s by column \"%s\", which the ingestion does not write",
						ptab->schema, ptab->relname, how,
						NameStr(TupleDescAttr(ptab->tupdesc, attnum - 1)->attname)),
				 errdetail("The %s of a row must follow from the values the ingestion writes.",
						   strcmp(how, "partitioned") == 0 ? "partition" : "shard")));
}

/*
 * A table that Citus manages: hash-distributed by one column (the key), or
 * a reference table (no key).  Its rows are read through SQL
 * (ingest_citus.c); a distributed table that is also partitioned has
 * shells for partitions too, and is refused.
 */
static void
describe_distribution(IngestTable *tab, PlatformTable *ptab)
{
	tab->distributed = true;
	tab->key_field = -1;
	if (ptab->partitioned || (ptab->dist_method != 'h' && ptab->dist_method != 'n'))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("relation \"%s.%s\" is a Citus table that the ingestion cannot write",
						ptab->schema, ptab->relname),
				 errdetail("The ingestion writes into Citus tables that are hash-distributed by one column, "
						   "or reference tables, and not partitioned."),
				 errhint("Distribute it with create_distributed_table(), or make it a reference table.")));
	if (ptab->dist_method == 'h')
		describe_partition_key(tab, ptab, ptab->dist_attnum, "distributed");
}

/*
 * Describe one observability table (traces or observations) for the
 * converters and the merge.
 */
static void
describe_table(IngestTable *tab, PlatformTable *ptab, const char *const *columns, int nfields)
{
	int			i;

	memset(tab, 0, sizeof(*tab));
	tab->relid = ptab->relid;
	tab->owner = ptab->owner;
	tab->generation = ptab->generation;
	tab->nfields = nfields;
	tab->partitioned = ptab->partitioned;
	for (i = 0; i < nfields; i++)
		describe_column(ptab, columns[i], &tab->cols[i]);
	if (ptab->dist_method != '\0')
		describe_distribution(tab, ptab);
	else if (tab->partitioned)
		describe_partition_key(tab, ptab, ptab->part_attnum, "partitioned");
	for (i = 0; i < nfields; i++)
	{
		if (tab->cols[i].colname)
		{
			tab->written[tab->nwritten++] = i;
			/* the key too: an update must find the row in its partition */
			if (i == 0 || tab->cols[i].notnull || i == tab->key_field ||
				ingest_first_wins(columns == trace_columns ? IK_TRACE : IK_OBS, i) ||
				ingest_derivation_input(columns == trace_columns ? IK_TRACE : IK_OBS, i))
				tab->readcols[tab->nread++] = i;
		}
	}

	/*
	 * The merge reads the stored row of each entity through this index (in
	 * a partitioned table: through each partition's part of it), and the
	 * upsert's ON CONFLICT needs it too.
	 */
	tab->computes_costs = (columns == obs_columns &&
						   tab->cols[OF_INPUT_COST].cclass == CC_NUMERIC &&
						   tab->cols[OF_OUTPUT_COST].cclass == CC_NUMERIC &&
						   tab->cols[OF_TOTAL_COST].cclass == CC_NUMERIC &&
						   tab->cols[OF_MODEL].colname != NULL &&
						   tab->cols[OF_PROMPT_TOKENS].colname != NULL &&
						   tab->cols[OF_COMPLETION_TOKENS].colname != NULL);
	tab->id_index = ptab->id_index;
	if (!OidIsValid(tab->id_index) && !tab->partitioned && tab->key_field <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("relation \"%s.%s\" has no unique index on its column \"id\"",
						ptab->schema, ptab->relname),
				 errdetail("Ingestion finds stored rows through a valid, non-partial, unique btree index on \"id\" alone."),
				 errhint("CREATE UNIQUE INDEX ON %s (id), or make \"id\" the primary key.",
						 quote_identifier(ptab->relname))));
	if (!OidIsValid(tab->id_index))
	{
		const char *key = quote_identifier(tab->cols[tab->key_field].colname);

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("%s relation \"%s.%s\" has no unique index on (\"id\", %s)",
						tab->distributed ? "distributed" : "partitioned",
						ptab->schema, ptab->relname, key),
				 errdetail("A %s table's unique index must include its %s; "
						   "ingestion finds stored rows through a valid, non-partial, unique btree index "
						   "on \"id\" and that column, in that order.",
						   tab->distributed ? "distributed" : "partitioned",
						   tab->distributed ? "distribution column" : "partition key"),
				 errhint("CREATE UNIQUE INDEX ON %s (id, %s), or make (id, %s) the primary key.",
						 quote_identifier(ptab->relname), key, key)));
	}
	if (tab->partitioned)
		ingest_describe_partitions(tab, ptab->schema, ptab->relname, target_cxt);
}

/*
 * The target of this call: the cached one if still valid, else rebuilt
 * from the catalog.
 */
IngestTarget *
ingest_target_get(void)
{
	PlatformTable *projects;
	PlatformTable *traces;
	PlatformTable *observations;
	Oid			extnsp;
	int			k;

	/* Ingestion writes row_partition, which older versions lack. */
	catalog_version_require();
	if (!callbacks_registered)
	{
		CacheRegisterRelcacheCallback(ingest_relcache_callback, (Datum) 0);
		CacheRegisterSyscacheCallback(ENUMOID, ingest_syscache_callback, (Datum) 0);
		CacheRegisterSyscacheCallback(TYPEOID, ingest_syscache_callback, (Datum) 0);
		callbacks_registered = true;
	}

	platform_citus_refuse_worker("swisper ingestion");
	projects = platform_table(PLATFORM_PROJECTS, AccessShareLock, NULL);
	traces = platform_table(PLATFORM_TRACES, RowExclusiveLock, NULL);
	observations = platform_table(PLATFORM_OBSERVATIONS, RowExclusiveLock, NULL);
	extnsp = get_namespace_oid(SWISPER_SCHEMA_NAME, false);

	if (target.valid &&
		target.tables[IK_TRACE].generation == traces->generation &&
		target.tables[IK_OBS].generation == observations->generation &&
		state_relid == get_relname_relid("ingest_merge_state", extnsp))
		return &target;

	/* Rebuild. */
	for (k = 0; k < 2; k++)
	{
		free_plan(&target.tables[k].upsert_plan);
		free_plan(&target.tables[k].read_plan);
		free_plan(&target.tables[k].move_plan[0]);
		free_plan(&target.tables[k].move_plan[1]);
		ingest_citus_forget(&target.tables[k]);
	}
	if (target_cxt == NULL)
		target_cxt = AllocSetContextCreate(CacheMemoryContext, "swisper ingest target",
										   ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(target_cxt);
	memset(&target, 0, sizeof(target));

	target.schema = MemoryContextStrdup(target_cxt, traces->schema);
	target.projects = projects;
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

		target.state_index = platform_unique_index(state_relid, 2, statekey);
		if (!OidIsValid(target.state_index))
			elog(ERROR, "the primary key of %s.ingest_merge_state is missing", SWISPER_SCHEMA_NAME);
	}
	target.state_part_attnum = get_attnum(state_relid, "row_partition");
	if ((traces->partitioned || observations->partitioned) &&
		target.state_part_attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the ingestion state table of schema \"%s\" has no column \"row_partition\"",
						SWISPER_SCHEMA_NAME),
				 errdetail("Ingestion into partitioned tables remembers the partition of each row there."),
				 errhint("Update the extension: ALTER EXTENSION swisper_ext UPDATE.")));
	target.valid = true;
	return &target;
}

/*
 * ingest_keep_plan: see ingest.h.
 */
SPIPlanPtr
ingest_keep_plan(const char *sql, int nargs, Oid *argtypes, int options)
{
	SPIPlanPtr	plan = SPI_prepare_cursor(sql, nargs, argtypes, options);

	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql, SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	return plan;
}

/*
 * The rows that the upsert writes, as "SELECT unnest($1), unnest($2), ...":
 * their values come as one array per column, in field order.  Set-returning
 * functions in the target list run in lockstep, one row at a time; ROWS
 * FROM (unnest($1), ...) would give the same rows but first copies every
 * one of them into a tuplestore.
 */
static void
append_unnest(StringInfo sql, IngestTable *tab, Oid *argtypes)
{
	int			i;

	appendStringInfoString(sql, "SELECT ");
	for (i = 0; i < tab->nwritten; i++)
	{
		appendStringInfo(sql, "%spg_catalog.unnest($%d)", i ? ", " : "", i + 1);
		argtypes[i] = tab->cols[tab->written[i]].arraytypid;
	}
}

/*
 * "c = COALESCE(<new value>, t.c)" for every written column but the id: a
 * NULL keeps the stored value.  The new value is EXCLUDED.c (upsert) or
 * parameter $n (update).
 */
static void
append_set_list(StringInfo sql, IngestTable *tab, bool params)
{
	const char *sep = "";
	int			i;

	for (i = 1; i < tab->nwritten; i++)
	{
		const char *qc = quote_identifier(tab->cols[tab->written[i]].colname);

		/* Citus refuses to assign a distribution column (it is in the conflict target) */
		if (tab->distributed && tab->written[i] == tab->key_field)
			continue;
		if (params)
			appendStringInfo(sql, "%s%s = COALESCE($%d, t.%s)", sep, qc, i + 1, qc);
		else
			appendStringInfo(sql, "%s%s = COALESCE(EXCLUDED.%s, t.%s)", sep, qc, qc, qc);
		sep = ", ";
	}
}

/*
 * Build the write plans of one table: the upsert, and for a partitioned
 * table the update of a row whose partition key changes.
 *
 * The upsert's conflict target is the unique index the rows are found
 * through: (id), or (id, key) in a partitioned table.  ON CONFLICT cannot
 * move a row to another partition, and a row whose key changes would not
 * conflict with its stored version at all: such a row is written by an
 * UPDATE through the parent table instead, which finds it by (id, stored
 * key) in its partition and moves it when the new key belongs to another;
 * a stored key that is NULL needs "IS NULL" to be found ([1]).  The update
 * takes one row: its plan is generic (planning an UPDATE through many
 * partitions costs a millisecond) and still touches one partition, pruned
 * by the key's value when it starts; an array of rows would be joined, and
 * with small partitions a generic plan joins them by scanning every one.
 *
 * The upsert's text is kept in two parts, the INSERT's target list and the
 * ON CONFLICT clause, around its source of rows: here the unnested arrays;
 * a distributed table takes the same parts around a VALUES list
 * (ingest_citus.c), so both write the same SET list.
 */
static void
prepare_table_plans(IngestTarget *t, IngestTable *tab, char kind, const char *relname)
{
	StringInfoData sql;
	Oid			argtypes[INGEST_MAX_FIELDS + 1];
	const char *qschema = quote_identifier(t->schema);
	const char *qrel = quote_identifier(relname);
	const char *qid = quote_identifier(tab->cols[0].colname);
	const char *qkey = (tab->partitioned || tab->key_field > 0) ?
		quote_identifier(tab->cols[tab->key_field].colname) : NULL;
	int			i;

	if (tab->upsert_head == NULL)
	{
		initStringInfo(&sql);
		appendStringInfo(&sql, "INSERT INTO %s.%s AS t (", qschema, qrel);
		for (i = 0; i < tab->nwritten; i++)
			appendStringInfo(&sql, "%s%s", i ? ", " : "",
							 quote_identifier(tab->cols[tab->written[i]].colname));
		appendStringInfoString(&sql, ") ");
		tab->upsert_head = MemoryContextStrdup(target_cxt, sql.data);
		resetStringInfo(&sql);
		if (qkey != NULL && tab->key_field != 0)
			appendStringInfo(&sql, " ON CONFLICT (%s, %s) DO UPDATE SET ", qid, qkey);
		else
			appendStringInfo(&sql, " ON CONFLICT (%s) DO UPDATE SET ", qid);
		append_set_list(&sql, tab, false);
		tab->upsert_tail = MemoryContextStrdup(target_cxt, sql.data);
	}
	if (tab->distributed)
		ingest_citus_prepare(t, tab, relname);
	if (tab->upsert_plan == NULL)
	{
		initStringInfo(&sql);
		appendStringInfoString(&sql, tab->upsert_head);
		append_unnest(&sql, tab, argtypes);
		appendStringInfoString(&sql, tab->upsert_tail);
		tab->upsert_plan = ingest_keep_plan(sql.data, tab->nwritten, argtypes, 0);
	}
	for (i = 0; i < 2 && tab->partitioned && tab->key_field != 0; i++)
	{
		int			w;

		if (tab->move_plan[i] != NULL)
			continue;
		for (w = 0; w < tab->nwritten; w++)
			argtypes[w] = tab->cols[tab->written[w]].typid;
		argtypes[tab->nwritten] = tab->cols[tab->key_field].typid;
		initStringInfo(&sql);
		appendStringInfo(&sql, "UPDATE %s.%s AS t SET ", qschema, qrel);
		append_set_list(&sql, tab, true);
		appendStringInfo(&sql, " WHERE t.%s OPERATOR(pg_catalog.=) $1 AND ", qid);
		if (i == 0)
			appendStringInfo(&sql, "t.%s OPERATOR(pg_catalog.=) $%d", qkey, tab->nwritten + 1);
		else
			appendStringInfo(&sql, "t.%s IS NULL", qkey);
		tab->move_plan[i] = ingest_keep_plan(sql.data, tab->nwritten + (i == 0 ? 1 : 0), argtypes,
									  CURSOR_OPT_GENERIC_PLAN);
	}
}

/*
 * Prepare the saved plans the target still lacks.  Called inside an SPI
 * connection.
 */
void
ingest_target_prepare_plans(IngestTarget *t)
{
	prepare_table_plans(t, &t->tables[IK_TRACE], 't', "traces");
	prepare_table_plans(t, &t->tables[IK_OBS], 'o', "observations");
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
 * Is field f of kind one the merge derives other fields from (model and
 * token counts: total tokens, costs)?  Those are read from stored rows.
 */
bool
ingest_derivation_input(IngestKind kind, int f)
{
	return kind == IK_OBS && (f == OF_MODEL || f == OF_PROMPT_TOKENS ||
							  f == OF_COMPLETION_TOKENS || f == OF_TOTAL_TOKENS);
}
