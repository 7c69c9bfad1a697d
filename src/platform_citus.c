/*-------------------------------------------------------------------------
 *
 * platform_citus.c
 *	  The platform's tables on a Citus cluster: which node this is, and how
 *	  Citus distributes a table.
 *
 * Nothing here links to Citus.  Only when the extension "citus" exists in
 * the database are its catalogs read, through SQL: pg_dist_local_group (the
 * group of this node: 0 is the coordinator) and pg_dist_partition (the
 * distribution method and column of a table).  On the coordinator a
 * distributed or reference table is an empty shell, its rows live in shards
 * on the nodes: whoever reads or writes it must go through SQL, which Citus
 * routes (ingest_citus.c).
 *
 * The node's role is cached per backend and forgotten when Citus
 * invalidates pg_dist_local_group (it does when a node joins a cluster) or
 * the whole relcache; a table's distribution is part of platform.c's
 * description, which Citus's invalidation of the table renews.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"

#include "platform.h"

/* The role of this node; -1 when not known; and where Citus keeps it. */
static int	citus_node = -1;
static Oid	citus_local_group_relid = InvalidOid;
static bool citus_callback_registered = false;

/* An invalidation callback must not read the catalog: the relid is kept. */
static void
citus_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == citus_local_group_relid)
		citus_node = -1;
}

/*
 * Run one query with at most one parameter and keep its first row in
 * SPI_tuptable.  Returns false when it returned no row.
 */
static bool
citus_query(const char *sql, Oid argtype, Datum arg)
{
	int			rc;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute_with_args(sql, OidIsValid(argtype) ? 1 : 0, &argtype, &arg, NULL, false, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute failed for \"%s\": %s", sql, SPI_result_code_string(rc));
	return SPI_processed > 0;
}

/*
 * platform_citus_node: see platform.h.
 */
PlatformCitusNode
platform_citus_node(void)
{
	bool		isnull;
	int32		group = 0;

	if (!OidIsValid(get_extension_oid("citus", true)))
		return PLATFORM_NO_CITUS;
	if (citus_node >= 0)
		return (PlatformCitusNode) citus_node;
	if (!citus_callback_registered)
	{
		CacheRegisterRelcacheCallback(citus_relcache_callback, (Datum) 0);
		citus_callback_registered = true;
	}
	citus_local_group_relid = get_relname_relid("pg_dist_local_group", PG_CATALOG_NAMESPACE);
	if (citus_query("SELECT groupid FROM pg_catalog.pg_dist_local_group", InvalidOid, (Datum) 0))
		group = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	citus_node = (group == 0) ? PLATFORM_CITUS_COORDINATOR : PLATFORM_CITUS_WORKER;
	return (PlatformCitusNode) citus_node;
}

/*
 * platform_citus_table: see platform.h.
 */
char
platform_citus_table(Oid relid, AttrNumber *dist_attnum)
{
	char		method = '\0';

	*dist_attnum = InvalidAttrNumber;
	if (!OidIsValid(get_extension_oid("citus", true)))
		return '\0';
	if (citus_query("SELECT partmethod, CASE WHEN partkey IS NOT NULL "
					"THEN pg_catalog.column_to_column_name(logicalrelid, partkey) END "
					"FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $1",
					REGCLASSOID, ObjectIdGetDatum(relid)))
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		char	   *column;

		method = DatumGetChar(d);
		column = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
		if (column != NULL)
			*dist_attnum = get_attnum(relid, column);
	}
	SPI_finish();
	return method;
}

/*
 * platform_citus_refuse_worker: see platform.h.
 */
void
platform_citus_refuse_worker(const char *what)
{
	if (platform_citus_node() == PLATFORM_CITUS_WORKER)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s runs on the Citus coordinator, and this node is a Citus worker node", what),
				 errdetail("The merge state and the entity locks of the ingestion live on the coordinator, "
						   "which serializes every write of an entity."),
				 errhint("Connect to the coordinator and call it there.")));
}
