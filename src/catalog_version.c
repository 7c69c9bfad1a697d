/*-------------------------------------------------------------------------
 *
 * catalog_version.c
 *	  Does the extension installed in this database have the SQL objects
 *	  this library was built for?
 *
 * A package upgrade replaces the library and the script files at once, but
 * each database keeps the SQL objects of the version it was created with or
 * last updated to until ALTER EXTENSION swisper_ext UPDATE runs there, and
 * in between the new library is called through the old objects.  The
 * type serves them: its input, output, casts, kind, equality and hashing
 * read and write the same stored bytes in every version, and its order is
 * served as 0.1.0's for a database still at 0.1.0 (external_id.c asks
 * catalog_version_is_current()), so that the B-tree indexes 0.1.0 built
 * are searched and extended in the order they were built in until the
 * update rebuilds them.  Ingestion, heartbeats and the health check expect
 * columns and functions an older version lacks: they call
 * catalog_version_require(), which refuses with the installed version and
 * the command that fixes it (55000) instead of an error about a missing
 * column.  The background worker stays idle.
 *
 * The library serves exactly the version it was built as (a later library
 * that still serves an earlier catalog would say so here).
 *
 * The answer is looked up in pg_extension and kept:
 *	- for the rest of the backend once it is yes and was committed by
 *	  another transaction (a backend stays in one database, and no update
 *	  script leads back to an older version);
 *	- for the current (sub)transaction when this transaction wrote it:
 *	  ALTER EXTENSION ... UPDATE changes pg_extension before it runs the
 *	  script, so the script (and a restore that creates the extension and
 *	  loads the data in one transaction) is served, but a rollback to a
 *	  savepoint before the update must be seen.
 * So a comparison function called a million times looks once.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_extension.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "commands/dbcommands.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "swisper_ext.h"
#include "catalog_version.h"

/* Yes for good: a committed pg_extension row of this library's version. */
bool		catalog_version_current_for_backend = false;

/* Yes for one (sub)transaction: the row this transaction wrote. */
static LocalTransactionId current_lxid = InvalidLocalTransactionId;
static SubTransactionId current_subxid = InvalidSubTransactionId;

/*
 * installed_version
 *		The version of swisper_ext in pg_extension, palloc'd, or NULL when it
 *		is not installed; *own says whether this transaction wrote the row.
 */
static char *
installed_version(bool *own)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	char	   *version = NULL;

	*own = false;
	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum(SWISPER_EXTENSION_NAME));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, Anum_pg_extension_extversion,
									 RelationGetDescr(rel), &isnull);

		if (!isnull)
			version = text_to_cstring(DatumGetTextPP(d));
		*own = TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tup->t_data));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return version;
}

/*
 * catalog_version_is_current
 *		True when the extension in this database is at this library's
 *		version (or not installed at all: then nothing calls through its
 *		objects); otherwise false, with the installed version in *installed.
 */
bool
catalog_version_is_current(char **installed)
{
	char	   *version;
	bool		own;

	if (catalog_version_current_for_backend)
		return true;
	if (current_lxid == MyProc->lxid && current_subxid == GetCurrentSubTransactionId())
		return true;

	version = installed_version(&own);
	if (version != NULL && strcmp(version, SWISPER_EXT_VERSION) != 0)
	{
		*installed = version;
		return false;
	}
	if (version != NULL && !own)
		catalog_version_current_for_backend = true;
	else
	{
		current_lxid = MyProc->lxid;
		current_subxid = GetCurrentSubTransactionId();
	}
	return true;
}

/*
 * catalog_version_require
 *		Refuse (55000) to serve a database whose extension is at another
 *		version than this library.
 */
void
catalog_version_require(void)
{
	char	   *installed;

	if (catalog_version_is_current(&installed))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("swisper_ext %s is installed in database \"%s\", but its library is version %s",
					installed, get_database_name(MyDatabaseId), SWISPER_EXT_VERSION),
			 errdetail("The library of version %s serves the data and indexes of version %s (in that version's order), but not its ingestion, heartbeats or health check until the extension is updated.",
					   SWISPER_EXT_VERSION, installed),
			 errhint("Run ALTER EXTENSION swisper_ext UPDATE in this database.")));
}
