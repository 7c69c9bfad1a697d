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
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "platform.h"
#include "swisper_ext.h"

PG_FUNCTION_INFO_V1(ingest_prune);

/* State rows examined per look-up. */
#define PRUNE_CHUNK		10000

static int
cmp_cstring(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * Delete the state rows of kind (entity_kind) among ids (n entity ids of
 * tab) whose row tab no longer has.  Returns how many were deleted.
 */
static int64
prune_chunk(PlatformTable *tab, char kind, char **ids, int n)
{
	MemoryContext cxt = CurrentMemoryContext;
	Oid			argtypes[2] = {CHAROID, TEXTARRAYOID};
	Datum		args[2];
	Datum	   *elems;
	PlatformSavedUser saved;
	char	  **found;
	int			nfound;
	ArrayBuildState *gone = NULL;
	char	   *sql;
	int			i;

	if (n == 0)
		return 0;
	elems = palloc(sizeof(Datum) * n);
	for (i = 0; i < n; i++)
		elems[i] = CStringGetTextDatum(ids[i]);
	args[0] = CharGetDatum(kind);
	args[1] = PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));

	sql = psprintf("SELECT t.id::pg_catalog.text FROM %s.%s t"
				   " WHERE t.id::pg_catalog.text OPERATOR(pg_catalog.=) ANY ($1)",
				   quote_identifier(tab->schema), quote_identifier(tab->relname));
	platform_become_owner(tab->owner, &saved);
	if (SPI_execute_with_args(sql, 1, &argtypes[1], &args[1], NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "reading %s.%s failed", tab->schema, tab->relname);
	platform_restore_user(&saved);
	/* SPI returns in its procedure context: stay in the chunk's */
	MemoryContextSwitchTo(cxt);

	nfound = SPI_processed;
	found = palloc(sizeof(char *) * (nfound + 1));
	for (i = 0; i < nfound; i++)
		found[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
	SPI_freetuptable(SPI_tuptable);
	qsort(found, nfound, sizeof(char *), cmp_cstring);

	for (i = 0; i < n; i++)
		if (bsearch(&ids[i], found, nfound, sizeof(char *), cmp_cstring) == NULL)
			gone = accumArrayResult(gone, CStringGetTextDatum(ids[i]), false, TEXTOID,
									CurrentMemoryContext);
	if (gone == NULL)
		return 0;

	args[1] = makeArrayResult(gone, CurrentMemoryContext);
	if (SPI_execute_with_args("DELETE FROM " SWISPER_SCHEMA_NAME ".ingest_merge_state"
							  " WHERE entity_kind = $1 AND entity_id = ANY ($2)",
							  2, argtypes, args, NULL, false, 0) != SPI_OK_DELETE)
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

	tabs[0] = platform_table(PLATFORM_TRACES, AccessShareLock, NULL);
	tabs[1] = platform_table(PLATFORM_OBSERVATIONS, AccessShareLock, NULL);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	portal = SPI_cursor_open_with_args(NULL,
									   "SELECT entity_kind, entity_id FROM "
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
		char	  **ids[2];
		int			n[2] = {0, 0};
		uint64		i;
		int			k;

		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(chunk_cxt);
		SPI_cursor_fetch(portal, true, PRUNE_CHUNK);
		MemoryContextSwitchTo(chunk_cxt);
		if (SPI_processed == 0)
			break;
		ids[0] = palloc(sizeof(char *) * SPI_processed);
		ids[1] = palloc(sizeof(char *) * SPI_processed);
		for (i = 0; i < SPI_processed; i++)
		{
			bool		isnull;
			char		kind = DatumGetChar(SPI_getbinval(SPI_tuptable->vals[i],
														  SPI_tuptable->tupdesc, 1, &isnull));

			k = (kind == 't') ? 0 : 1;
			ids[k][n[k]++] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		}
		SPI_freetuptable(SPI_tuptable);
		removed += prune_chunk(tabs[0], 't', ids[0], n[0]);
		removed += prune_chunk(tabs[1], 'o', ids[1], n[1]);
	}
	MemoryContextSwitchTo(oldcxt);
	SPI_cursor_close(portal);
	SPI_finish();
	PG_RETURN_INT64(removed);
}
