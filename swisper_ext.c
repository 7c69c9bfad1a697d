/*-------------------------------------------------------------------------
 *
 * swisper_ext.c
 *	  Module entry point of swisper_ext: the module magic block and _PG_init,
 *	  which calls the set-up of each capability in turn.
 *
 * The library works in two modes.  Loaded on demand (the first call of one
 * of its functions) it provides the type and the SQL functions.  Loaded
 * through shared_preload_libraries it also sets up shared memory and the
 * background worker; the parts that need that check for it and say so.
 * Nothing calls back into this file.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "swisper_ext.h"
#include "heartbeat.h"
#include "platform.h"
#include "worker.h"

PG_MODULE_MAGIC;

/*
 * Module load callback.
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

	/* The platform's tables: swisper.table_schema. */
	platform_init();

	/* Heartbeats: settings, and the shared registry when preloaded. */
	heartbeat_init(process_shared_preload_libraries_in_progress);

	/* The worker: its settings, and its registration when preloaded. */
	worker_init(process_shared_preload_libraries_in_progress);

	MarkGUCPrefixReserved("swisper");
}
