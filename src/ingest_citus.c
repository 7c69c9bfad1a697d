/*-------------------------------------------------------------------------
 *
 * ingest_citus.c
 *	  Distributed targets: traces or observations that Citus manages
 *	  (platform_citus.c), read through SQL.
 *
 * On the coordinator a distributed (or reference) table is an empty shell:
 * its rows are in shards on the nodes.  A direct index probe of the shell,
 * as the merge does for a local table, would find nothing and every event
 * would overwrite its stored row as if new.  So the merge reads the stored
 * rows of a distributed target with one query per batch and table, which
 * Citus sends to the shards:
 *
 *	SELECT <the columns the merge reads> FROM t WHERE id = ANY($1)
 *
 * The query asks every shard when the table is distributed by another
 * column than id (observations by trace_id): a row is found even when the
 * event does not name its trace.
 *
 * The rows are written with the upsert of any target (ingest_target.c:
 * the same target list, ON CONFLICT (id, distribution column) and SET list,
 * which never assigns the distribution column).  Its rows come as arrays,
 * unnested: an INSERT ... SELECT, which Citus runs in one of two ways.
 * In the first calls of the saved plan it evaluates the arrays on the
 * coordinator and sends each shard its rows as one multi-row INSERT ...
 * VALUES; from the sixth call on (as seen with citus.log_remote_commands)
 * it first copies the rows into an intermediate result on each node (COPY)
 * and then inserts from it there: one more round trip per shard, every
 * call.  For a few rows that round trip dominates; for hundreds, the COPY
 * costs the nodes less than parsing text VALUES.  So up to
 * INGEST_CITUS_VALUES_ROWS rows are written with the same upsert from a
 * VALUES list of parameters instead:
 *
 *	INSERT INTO t AS t (...) VALUES ($1, ..., $k), ($k+1, ...) ON CONFLICT ...
 *
 * which Citus always sends to the shards directly; more rows go through
 * the array-based upsert (docs/scaling.md, Figures, has the measurements).
 * The parameter count follows the row count, so each row count has its own
 * prepared statement; a few are kept (counts recur), the least recently
 * used one is freed for another.
 *
 * The merge state (swisper.ingest_merge_state) and the entity locks stay on
 * the coordinator, the one node that ingests (platform_citus_refuse_worker):
 * every write of an entity is serialized there, by locks that every batch
 * takes in one place.  The state is an ordinary local table, in the
 * coordinator's transaction; Citus commits the shards' part first (with
 * two-phase commit when the batch wrote on several nodes, else in its
 * pre-commit step), and a failure there aborts the coordinator's
 * transaction: a batch whose worker node fails is undone as a whole and can
 * be delivered again.  The state never commits without its rows.  Only a
 * coordinator that fails between a worker's commit and its own leaves rows
 * without state; the merge takes those as rows written without it, and
 * the redelivered events give them the same values.  Co-locating the state
 * with the shards would need a distributed state table and a lock on every
 * node; one coordinator needs neither.
 *
 * The rows come back as SPI tuples in the order of the merge's read columns;
 * each is handed to the merge as a virtual slot of the table's row type,
 * holding the read columns at their attribute numbers, as a probed heap
 * row would.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "ingest.h"
#include "platform.h"

/*
 * ingest_citus_prepare: see ingest.h.  Called inside an SPI connection.
 */
void
ingest_citus_prepare(IngestTarget *t, IngestTable *tab, const char *relname)
{
	StringInfoData sql;
	Oid			argtype = tab->cols[0].arraytypid;
	int			w;

	if (tab->read_plan != NULL)
		return;
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	for (w = 0; w < tab->nread; w++)
		appendStringInfo(&sql, "%st.%s", w ? ", " : "",
						 quote_identifier(tab->cols[tab->readcols[w]].colname));
	appendStringInfo(&sql, " FROM %s.%s AS t WHERE t.%s OPERATOR(pg_catalog.=) ANY ($1)",
					 quote_identifier(t->schema), quote_identifier(relname),
					 quote_identifier(tab->cols[0].colname));
	tab->read_plan = ingest_keep_plan(sql.data, 1, &argtype, 0);
}

/*
 * The VALUES upserts kept per table, and a clock of their use (to free the
 * least recently used).
 */
#define CITUS_VALUES_PLANS	16

typedef struct IngestValuesPlan
{
	int			nrows;
	uint64		used;
	SPIPlanPtr	plan;
} IngestValuesPlan;

static uint64 values_clock = 0;

/*
 * ingest_citus_forget: see ingest.h.
 */
void
ingest_citus_forget(IngestTable *tab)
{
	int			i;

	for (i = 0; i < tab->nvalues_plans; i++)
		if (tab->values_plans[i].plan != NULL)
			SPI_freeplan(tab->values_plans[i].plan);
	if (tab->values_plans != NULL)
		pfree(tab->values_plans);
	tab->values_plans = NULL;
	tab->nvalues_plans = 0;
}

/*
 * The kept VALUES upsert of tab for nrows rows: found, or prepared in the
 * place of the least recently used one.  Called inside an SPI connection.
 */
static SPIPlanPtr
values_plan(IngestTable *tab, int nrows)
{
	IngestValuesPlan *slot = NULL;
	SPIPlanPtr	plan;
	StringInfoData sql;
	Oid		   *argtypes;
	int			r;
	int			w;
	int			i;

	if (tab->values_plans == NULL)
		tab->values_plans = MemoryContextAllocZero(CacheMemoryContext,
												   sizeof(IngestValuesPlan) * CITUS_VALUES_PLANS);
	for (i = 0; i < tab->nvalues_plans; i++)
	{
		if (tab->values_plans[i].nrows == nrows)
		{
			tab->values_plans[i].used = ++values_clock;
			return tab->values_plans[i].plan;
		}
		if (slot == NULL || tab->values_plans[i].used < slot->used)
			slot = &tab->values_plans[i];
	}
	if (tab->nvalues_plans < CITUS_VALUES_PLANS)
		slot = &tab->values_plans[tab->nvalues_plans++];
	else if (slot->plan != NULL)
		SPI_freeplan(slot->plan);
	/* an error below leaves the slot empty */
	slot->nrows = -1;
	slot->plan = NULL;

	argtypes = palloc(sizeof(Oid) * nrows * tab->nwritten);
	initStringInfo(&sql);
	appendStringInfo(&sql, "%sVALUES ", tab->upsert_head);
	for (r = 0; r < nrows; r++)
	{
		appendStringInfoString(&sql, r ? ", (" : "(");
		for (w = 0; w < tab->nwritten; w++)
		{
			i = r * tab->nwritten + w;
			argtypes[i] = tab->cols[tab->written[w]].typid;
			appendStringInfo(&sql, "%s$%d", w ? ", " : "", i + 1);
		}
		appendStringInfoChar(&sql, ')');
	}
	appendStringInfoString(&sql, tab->upsert_tail);
	plan = ingest_keep_plan(sql.data, nrows * tab->nwritten, argtypes, 0);
	slot->plan = plan;
	slot->nrows = nrows;
	slot->used = ++values_clock;
	pfree(argtypes);
	pfree(sql.data);
	return plan;
}

/*
 * ingest_citus_upsert: see ingest.h.  Runs as the table's owner, in a
 * security-restricted operation, like every write of the ingestion
 * (upsert_rows() in ingest_merge.c says why).
 */
void
ingest_citus_upsert(IngestTable *tab, int nrows, Datum *values, char *nulls)
{
	SPIPlanPtr	plan;
	PlatformSavedUser saved;

	Assert(nrows <= INGEST_CITUS_VALUES_ROWS);
	plan = values_plan(tab, nrows);
	platform_become_owner(tab->owner, &saved);
	if (SPI_execute_plan(plan, values, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "writing the rows of relation %u failed", tab->relid);
	platform_restore_user(&saved);
}

/*
 * ingest_citus_read: see ingest.h.  Runs as the table's owner, in a
 * security-restricted operation, like the upsert.
 */
void
ingest_citus_read(IngestTable *tab, Datum *ids, int nids, IngestCitusRows *rows)
{
	IngestColumn *idcol = &tab->cols[0];
	int			dims[1] = {nids};
	int			lbs[1] = {1};
	Datum		arg;
	PlatformSavedUser saved;

	memset(rows, 0, sizeof(*rows));
	rows->tab = tab;
	if (nids == 0)
		return;
	arg = PointerGetDatum(construct_md_array(ids, NULL, 1, dims, lbs, idcol->typid,
											 idcol->typlen, idcol->typbyval, idcol->typalign));
	platform_become_owner(tab->owner, &saved);
	if (SPI_execute_plan(tab->read_plan, &arg, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "reading the stored rows of relation %u failed", tab->relid);
	platform_restore_user(&saved);
	rows->tuptable = SPI_tuptable;
	rows->n = SPI_processed;
	rows->rel = table_open(tab->relid, AccessShareLock);
	rows->slot = MakeSingleTupleTableSlot(RelationGetDescr(rows->rel), &TTSOpsVirtual);
}

/*
 * ingest_citus_row: see ingest.h.
 */
TupleTableSlot *
ingest_citus_row(IngestCitusRows *rows, uint64 i)
{
	TupleTableSlot *slot = rows->slot;
	IngestTable *tab = rows->tab;
	int			w;

	if (i >= rows->n)
		return NULL;
	ExecClearTuple(slot);
	memset(slot->tts_isnull, true, sizeof(bool) * slot->tts_tupleDescriptor->natts);
	for (w = 0; w < tab->nread; w++)
	{
		AttrNumber	attnum = tab->cols[tab->readcols[w]].attnum;

		slot->tts_values[attnum - 1] = SPI_getbinval(rows->tuptable->vals[i],
													 rows->tuptable->tupdesc, w + 1,
													 &slot->tts_isnull[attnum - 1]);
	}
	return ExecStoreVirtualTuple(slot);
}

/*
 * ingest_citus_end: see ingest.h.
 */
void
ingest_citus_end(IngestCitusRows *rows)
{
	if (rows->slot == NULL)
		return;
	ExecDropSingleTupleTableSlot(rows->slot);
	SPI_freetuptable(rows->tuptable);
	table_close(rows->rel, NoLock);
}
