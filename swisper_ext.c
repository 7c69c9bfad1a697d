/*-------------------------------------------------------------------------
 *
 * swisper_ext.c
 *	  Module entry point of swisper_ext: the module magic block, _PG_init and
 *	  the settings that do not belong to one capability.
 *
 * The library works in two modes.  Loaded on demand (the first call of one
 * of its functions) it provides the type and the SQL functions.  Loaded
 * through shared_preload_libraries it also sets up shared memory and the
 * background worker; the parts that need that check for it and say so.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "swisper_ext.h"
#include "heartbeat.h"

PG_MODULE_MAGIC;

char	   *swisper_table_schema = NULL;

/*
 * Module load callback.
 *
 * Settings that any backend may use are defined first, so that they exist
 * whether or not the library is preloaded.
 */
void
_PG_init(void)
{
	/*
	 * pg_upgrade loads every library to check that it exists; nothing of ours
	 * must run then.
	 */
	if (IsBinaryUpgrade)
		return;

	DefineCustomStringVariable("swisper.table_schema",
							   "Schema that holds the observability tables (projects, traces, observations).",
							   "CREATE EXTENSION and swisper.fix_user_id() migrate the tables of this schema, "
							   "and the ingestion functions write into them.",
							   &swisper_table_schema,
							   "public",
							   PGC_SUSET,
							   0,
							   NULL, NULL, NULL);

	/* Heartbeats: settings; shared memory and the worker when preloaded. */
	heartbeat_init(process_shared_preload_libraries_in_progress);

	MarkGUCPrefixReserved("swisper");
}

bool
swisper_is_table(Oid relid)
{
	char		relkind = get_rel_relkind(relid);

	return relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE;
}

Oid
swisper_rel_owner(Oid relid)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return owner;
}
