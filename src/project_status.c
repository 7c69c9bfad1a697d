/*-------------------------------------------------------------------------
 *
 * project_status.c
 *	  swisper.project_connection as the worker, health() and the status view
 *	  read it, and swisper.project_status_rows(), the rows of the view
 *	  swisper.project_status.
 *
 * The view joins two tables of different owners: the projects of the
 * platform (read by platform.c as their owner) and the extension's own
 * connection state (read here as the caller).  The join is made in C, so
 * no query ever reads the platform's tables with anyone's rights but
 * their owner's.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "heartbeat.h"
#include "platform.h"
#include "project_status.h"
#include "swisper_ext.h"

PG_FUNCTION_INFO_V1(swisper_project_status_rows);

#define CONNECTION_COLUMNS	8

/*
 * A text column of an SPI row, copied into cxt, or NULL.
 */
static char *
spi_text(HeapTuple tup, TupleDesc desc, int col, MemoryContext cxt)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	return isnull ? NULL : MemoryContextStrdup(cxt, TextDatumGetCString(d));
}

/*
 * A timestamptz column of an SPI row, 0 for NULL.
 */
static TimestampTz
spi_timestamp(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	return isnull ? 0 : DatumGetTimestampTz(d);
}

/*
 * connection_rows_read: see project_status.h.
 */
ConnectionRow *
connection_rows_read(int *count)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			relid;
	ConnectionRow *rows;
	uint64		i;

	(void) heartbeat_status_table_owner(&relid);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table %s.%s does not exist", SWISPER_SCHEMA_NAME, HEARTBEAT_STATUS_TABLE),
				 errhint("Run CREATE EXTENSION swisper_ext in this database.")));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* COLLATE "C": byte order, the order of strcmp and connection_row_find */
	if (SPI_execute("SELECT project_id, status, last_seen, last_heartbeat, connected_since,"
					"       environment, app_version, sdk_version"
					"  FROM " SWISPER_SCHEMA_NAME "." HEARTBEAT_STATUS_TABLE
					" ORDER BY project_id COLLATE \"C\"", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "reading %s.%s failed", SWISPER_SCHEMA_NAME, HEARTBEAT_STATUS_TABLE);

	rows = MemoryContextAlloc(caller, sizeof(ConnectionRow) * (SPI_processed + 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		ConnectionRow *r = &rows[i];

		r->project_id = spi_text(tup, desc, 1, caller);
		r->status = spi_text(tup, desc, 2, caller);
		r->last_seen = spi_timestamp(tup, desc, 3);
		r->last_heartbeat = spi_timestamp(tup, desc, 4);
		r->connected_since = spi_timestamp(tup, desc, 5);
		r->environment = spi_text(tup, desc, 6, caller);
		r->app_version = spi_text(tup, desc, 7, caller);
		r->sdk_version = spi_text(tup, desc, 8, caller);
	}
	*count = SPI_processed;
	SPI_finish();
	return rows;
}

static int
cmp_connection_row(const void *a, const void *b)
{
	return strcmp(((const ConnectionRow *) a)->project_id, ((const ConnectionRow *) b)->project_id);
}

/*
 * connection_row_find: see project_status.h.
 */
ConnectionRow *
connection_row_find(ConnectionRow *rows, int count, const char *project_id)
{
	ConnectionRow key;

	key.project_id = (char *) project_id;
	return bsearch(&key, rows, count, sizeof(ConnectionRow), cmp_connection_row);
}

/*
 * The caller must be allowed to read a platform table the view shows:
 * the view reads it as its owner, but shows only what the caller could
 * read itself.
 */
static void
check_select(PlatformTable *tab)
{
	AclResult	acl = pg_class_aclcheck(tab->relid, GetUserId(), ACL_SELECT);

	if (acl != ACLCHECK_OK)
		aclcheck_error(acl, OBJECT_TABLE, tab->relname);
}

/*
 * swisper.project_status_rows() RETURNS TABLE (project_id text, project_name
 * text, status text, last_seen timestamptz, seconds_since double precision,
 * connected_since timestamptz, last_heartbeat timestamptz, environment text,
 * app_version text, sdk_version text, traces_today bigint)
 *
 * One row per project that is not soft-deleted, ordered by id, classified
 * at the transaction's start as swisper.connection_status() does.
 * traces_today is NULL when traces lacks project_id or "timestamp".
 */
Datum
swisper_project_status_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	PlatformTable *projects;
	PlatformTable *traces;
	PlatformProject *list;
	ConnectionRow *rows;
	int64	   *today;
	bool		has_today;
	int			nprojects;
	int			nrows;
	int			i;

	InitMaterializedSRF(fcinfo, 0);

	projects = platform_table(PLATFORM_PROJECTS, AccessShareLock, NULL);
	check_select(projects);
	traces = platform_table(PLATFORM_TRACES, AccessShareLock, NULL);
	check_select(traces);

	list = platform_projects_list(projects, true, &nprojects);
	rows = connection_rows_read(&nrows);
	today = palloc(sizeof(int64) * (nprojects + 1));
	has_today = platform_traces_today(list, nprojects, today);

	for (i = 0; i < nprojects; i++)
	{
		PlatformProject *p = &list[i];
		ConnectionRow *c = connection_row_find(rows, nrows, p->id);
		TimestampTz last_seen = c ? c->last_seen : 0;
		HeartbeatStatus status = heartbeat_classify(p->tracing_enabled, last_seen != 0,
													last_seen, now);
		Datum		values[11];
		bool		nulls[11];

		memset(nulls, 0, sizeof(nulls));
		values[0] = CStringGetTextDatum(p->id);
		values[1] = p->name ? CStringGetTextDatum(p->name) : (Datum) 0;
		nulls[1] = (p->name == NULL);
		values[2] = CStringGetTextDatum(heartbeat_status_name(status));
		values[3] = TimestampTzGetDatum(last_seen);
		nulls[3] = (last_seen == 0);
		/* the age as of now(), in seconds, as extract(epoch FROM now() - last_seen) */
		values[4] = Float8GetDatum((double) (now - last_seen) / USECS_PER_SEC);
		nulls[4] = (last_seen == 0);
		values[5] = TimestampTzGetDatum(c ? c->connected_since : 0);
		nulls[5] = (c == NULL || c->connected_since == 0);
		values[6] = TimestampTzGetDatum(c ? c->last_heartbeat : 0);
		nulls[6] = (c == NULL || c->last_heartbeat == 0);
		values[7] = (c && c->environment) ? CStringGetTextDatum(c->environment) : (Datum) 0;
		nulls[7] = !(c && c->environment);
		values[8] = (c && c->app_version) ? CStringGetTextDatum(c->app_version) : (Datum) 0;
		nulls[8] = !(c && c->app_version);
		values[9] = (c && c->sdk_version) ? CStringGetTextDatum(c->sdk_version) : (Datum) 0;
		nulls[9] = !(c && c->sdk_version);
		values[10] = Int64GetDatum(has_today ? today[i] : 0);
		nulls[10] = !has_today;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
