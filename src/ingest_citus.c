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
 * and writes them with the same upsert as any target (ingest_target.c),
 * which Citus routes to the shard of each row.  The query asks every shard
 * when the table is distributed by another column than id (observations by
 * trace_id): a row is found even when the event does not name its trace.
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
	SPIPlanPtr	plan;
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
	plan = SPI_prepare(sql.data, 1, &argtype);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql.data, SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	tab->read_plan = plan;
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
