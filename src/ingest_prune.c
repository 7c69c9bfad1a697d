/*-------------------------------------------------------------------------
 *
 * ingest_prune.c
 *	  swisper.ingest_prune(): delete the merge state of traces and
 *	  observations whose rows are gone.
 *
 * The merge state is the extension's table; the rows it describes are the
 * platform's.  Which of them still exist is asked of traces and
 * observations as their owner, in a security-restricted operation (see
 * platform.c), a chunk of ids at a time; the state rows of the ids not
 * found are then deleted with the rights of this SECURITY DEFINER function.
 *
 * In a partitioned table the state names the partition of each row
 * (row_partition): a state whose partition is no longer one of the
 * table's went with it (retention dropped or detached it), and the others
 * are looked up with one probe of their partition's index, as the
 * ingestion does (ingest_partition.c), every partition only for a row that
 * is not where its state says.  So a run after pg_partman's retention
 * costs one probe per live entity, not one per partition.
 *
 * On a Citus cluster the state lives on the coordinator (ingest_citus.c),
 * and the look-up of a distributed table is the same query, which Citus
 * sends to the shards; on a worker node the function refuses to run.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/itemptr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "ingest.h"
#include "platform.h"
#include "swisper_ext.h"

PG_FUNCTION_INFO_V1(ingest_prune);

/* State rows examined per look-up. */
#define PRUNE_CHUNK		10000

/* One state row of the chunk. */
typedef struct PruneRow
{
	char	   *id;				/* entity_id */
	Oid			part;			/* row_partition, or InvalidOid */
	ItemPointerData tid;		/* where the cursor read it */
	bool		gone;
} PruneRow;

/*
 * Mark the rows of a plain table that are gone: one query for the chunk.
 */
static void
find_gone_plain(PlatformTable *tab, PruneRow *rows, int n)
{
	MemoryContext cxt = CurrentMemoryContext;
	Oid			argtype = TEXTARRAYOID;
	Datum		arg;
	Datum	   *elems;
	PlatformSavedUser saved;
	char	  **found;
	int			nfound;
	char	   *sql;
	int			i;

	elems = palloc(sizeof(Datum) * n);
	for (i = 0; i < n; i++)
		elems[i] = CStringGetTextDatum(rows[i].id);
	arg = PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));

	sql = psprintf("SELECT t.id::pg_catalog.text FROM %s.%s t"
				   " WHERE t.id::pg_catalog.text OPERATOR(pg_catalog.=) ANY ($1)",
				   quote_identifier(tab->schema), quote_identifier(tab->relname));
	platform_become_owner(tab->owner, &saved);
	if (SPI_execute_with_args(sql, 1, &argtype, &arg, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "reading %s.%s failed", tab->schema, tab->relname);
	platform_restore_user(&saved);
	/* SPI returns in its procedure context: stay in the chunk's */
	MemoryContextSwitchTo(cxt);

	nfound = SPI_processed;
	found = palloc(sizeof(char *) * (nfound + 1));
	for (i = 0; i < nfound; i++)
		found[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
	SPI_freetuptable(SPI_tuptable);
	qsort(found, nfound, sizeof(char *), platform_cmp_cstring);
	for (i = 0; i < n; i++)
		rows[i].gone = (bsearch(&rows[i].id, found, nfound, sizeof(char *), platform_cmp_cstring) == NULL);
}

/*
 * Mark the rows of a partitioned table that are gone, by probes of the
 * partitions' indexes (as the table's owner).  The id is the canonical
 * text of the column's value: its type's input function makes the value
 * again.
 */
static void
find_gone_partitioned(PlatformTable *tab, PruneRow *rows, int n)
{
	Form_pg_attribute att = platform_column(tab, "id");
	Snapshot	snap = RegisterSnapshot(GetLatestSnapshot());
	PlatformSavedUser saved;
	IngestProber p;
	Oid			typinput;
	Oid			typioparam;
	int			i;

	getTypeInputInfo(att->atttypid, &typinput, &typioparam);
	platform_become_owner(tab->owner, &saved);
	ingest_prober_begin(&p, tab->relid, tab->id_index, NULL, 0, snap);
	for (i = 0; i < n; i++)
	{
		PruneRow   *r = &rows[i];
		bool		stated = OidIsValid(r->part) && ingest_prober_has(&p, r->part);
		Datum		id;
		Oid			where;

		if (OidIsValid(r->part) && !stated)
		{
			r->gone = true;
			continue;
		}
		id = OidInputFunctionCall(typinput, r->id, typioparam, -1);
		r->gone = !((stated && ingest_probe(&p, r->part, id) != NULL) ||
					ingest_probe_all(&p, id, stated ? r->part : InvalidOid, &where) != NULL);
	}
	ingest_prober_end(&p);
	platform_restore_user(&saved);
	UnregisterSnapshot(snap);
}

/*
 * Delete the state rows among rows (n entity ids of tab) whose row tab no
 * longer has.  Returns how many were deleted.
 *
 * They are deleted by the place the cursor read them at: an ingestion that
 * meanwhile wrote the state again (its row was created again) left a new
 * version elsewhere, which the delete does not touch.
 */
static int64
prune_chunk(PlatformTable *tab, PruneRow *rows, int n)
{
	ArrayBuildState *gone = NULL;
	Oid			argtype = TIDARRAYOID;
	Datum		arg;
	int			i;

	if (n == 0)
		return 0;
	if (tab->partitioned)
		find_gone_partitioned(tab, rows, n);
	else
		find_gone_plain(tab, rows, n);

	for (i = 0; i < n; i++)
		if (rows[i].gone)
			gone = accumArrayResult(gone, PointerGetDatum(&rows[i].tid), false, TIDOID,
									CurrentMemoryContext);
	if (gone == NULL)
		return 0;

	arg = makeArrayResult(gone, CurrentMemoryContext);
	if (SPI_execute_with_args("DELETE FROM " SWISPER_SCHEMA_NAME ".ingest_merge_state"
							  " WHERE ctid OPERATOR(pg_catalog.=) ANY ($1)",
							  1, &argtype, &arg, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "deleting from %s.ingest_merge_state failed", SWISPER_SCHEMA_NAME);
	return SPI_processed;
}

/*
 * swisper.ingest_prune() RETURNS bigint
 *
 * Deletes the merge state of every trace and observation whose row is gone
 * and returns how many state rows were deleted.  A state row read here
 * belongs to a row committed with it; the look-up that follows sees that
 * row unless it was deleted meanwhile, so no live entity loses its state.
 */
Datum
ingest_prune(PG_FUNCTION_ARGS)
{
	PlatformTable *tabs[2];
	Portal		portal;
	MemoryContext chunk_cxt;
	MemoryContext oldcxt;
	int64		removed = 0;
	bool		has_part;

	/* a worker node's state table is empty: a 0 there would mislead */
	platform_citus_refuse_worker("swisper.ingest_prune()");
	tabs[0] = platform_table(PLATFORM_TRACES, AccessShareLock, NULL);
	tabs[1] = platform_table(PLATFORM_OBSERVATIONS, AccessShareLock, NULL);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* a state table made before row_partition knows no partition */
	has_part = get_attnum(get_relname_relid("ingest_merge_state",
											get_namespace_oid(SWISPER_SCHEMA_NAME, false)),
						  "row_partition") != InvalidAttrNumber;
	portal = SPI_cursor_open_with_args(NULL,
									   has_part ?
									   "SELECT entity_kind, entity_id, row_partition::pg_catalog.oid, ctid FROM "
									   SWISPER_SCHEMA_NAME ".ingest_merge_state" :
									   "SELECT entity_kind, entity_id, NULL::pg_catalog.oid, ctid FROM "
									   SWISPER_SCHEMA_NAME ".ingest_merge_state",
									   0, NULL, NULL, NULL, true, 0);

	/*
	 * Each chunk's ids and arrays go when the next chunk comes; SPI calls
	 * return in SPI's procedure context, so the loop switches back.
	 */
	chunk_cxt = AllocSetContextCreate(CurrentMemoryContext, "swisper prune chunk",
									  ALLOCSET_DEFAULT_SIZES);
	oldcxt = CurrentMemoryContext;
	for (;;)
	{
		PruneRow   *rows[2];
		int			n[2] = {0, 0};
		uint64		i;
		int			k;

		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(chunk_cxt);
		SPI_cursor_fetch(portal, true, PRUNE_CHUNK);
		MemoryContextSwitchTo(chunk_cxt);
		if (SPI_processed == 0)
			break;
		rows[0] = palloc(sizeof(PruneRow) * SPI_processed);
		rows[1] = palloc(sizeof(PruneRow) * SPI_processed);
		for (i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			char		kind = DatumGetChar(SPI_getbinval(tup, desc, 1, &isnull));
			Datum		part = SPI_getbinval(tup, desc, 3, &isnull);
			PruneRow   *r;

			k = (kind == 't') ? 0 : 1;
			r = &rows[k][n[k]++];
			r->id = SPI_getvalue(tup, desc, 2);
			r->part = isnull ? InvalidOid : DatumGetObjectId(part);
			ItemPointerCopy((ItemPointer) DatumGetPointer(SPI_getbinval(tup, desc, 4, &isnull)), &r->tid);
			r->gone = false;
		}
		SPI_freetuptable(SPI_tuptable);
		removed += prune_chunk(tabs[0], rows[0], n[0]);
		removed += prune_chunk(tabs[1], rows[1], n[1]);
	}
	MemoryContextSwitchTo(oldcxt);
	SPI_cursor_close(portal);
	SPI_finish();
	PG_RETURN_INT64(removed);
}
