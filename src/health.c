/*-------------------------------------------------------------------------
 *
 * health.c
 *	  swisper.health(): the SDK's start-up check.
 *
 * It answers from shared memory (is the library preloaded, is the worker
 * running, when did it last loop) and counts the projects per status with
 * the same rule as the worker and the view, reading projects as its owner
 * (platform.c).  When the projects table cannot be served it says why, as
 * the worker would.  It writes nothing.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "swisper_ext.h"
#include "catalog_version.h"
#include "heartbeat.h"
#include "worker.h"
#include "platform.h"
#include "project_status.h"

PG_FUNCTION_INFO_V1(swisper_health);

/*
 * The number of projects per status, classified at the transaction's start
 * as the view does.
 */
static void
count_statuses(PlatformTable *projects, int64 *counts)
{
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	PlatformProject *list;
	ConnectionRow *rows;
	int			nprojects;
	int			nrows;
	int			i;

	memset(counts, 0, sizeof(int64) * HEARTBEAT_NUM_STATUSES);
	list = platform_projects_list(projects, false, &nprojects);
	rows = connection_rows_read(&nrows);
	for (i = 0; i < nprojects; i++)
	{
		ConnectionRow *c = connection_row_find(rows, nrows, list[i].id);
		TimestampTz last_seen = c ? c->last_seen : 0;

		counts[heartbeat_classify(list[i].tracing_enabled, last_seen != 0, last_seen, now)]++;
	}
}

/*
 * A text Datum for values[] and its null flag, from a string or NULL.
 */
static void
set_text_arg(Datum *value, char *null, const char *str)
{
	*value = str ? CStringGetTextDatum(str) : (Datum) 0;
	*null = str ? ' ' : 'n';
}

/*
 * What health() tells the caller to do, or NULL when nothing needs doing.
 *
 * Where the worker is not running, the hint names why, since only in the
 * last case does it come back by itself: during recovery it does not start
 * (bgw_start_time is BgWorkerStart_RecoveryFinished) and heartbeat() is
 * refused, so heartbeats belong on the primary; when swisper.database names
 * no database, the worker cannot connect and exits at every restart.
 */
static const char *
health_hint(bool preloaded, bool running, bool serves_here)
{
	if (RecoveryInProgress())
		return psprintf("This server is a hot standby: it records no heartbeats (heartbeat() and "
						"ingestion are refused here); send them to the primary server. %s",
						preloaded ?
						"The background worker starts when this server is promoted." :
						"The background worker is off: for it to start when this server is "
						"promoted, add swisper_ext to shared_preload_libraries and restart the server.");
	/* swisper.database exists only when preloaded */
	if (!preloaded)
		return "The background worker is off: add swisper_ext to shared_preload_libraries, set "
			"swisper.database to this database and restart the server. Meanwhile heartbeats are "
			"recorded in table swisper.project_connection and statuses are not published.";
	if (!OidIsValid(get_database_oid(heartbeat_database, true)))
		return psprintf("The background worker cannot start: swisper.database names database \"%s\", "
						"which does not exist. Set swisper.database to the database where CREATE "
						"EXTENSION swisper_ext was run and restart the server.",
						heartbeat_database);
	if (!running)
		return "The background worker is not running; it restarts by itself within seconds, see the server log.";
	if (!serves_here)
		return "The background worker serves another database: set swisper.database to this database and restart the server.";
	return NULL;
}

/*
 * swisper.health() RETURNS jsonb
 *
 * Keys: status ("ok", or "degraded" when the worker is not serving this
 * database or the projects table cannot be served), role ("primary", or
 * "standby" during recovery), extension_version, library_preloaded,
 * heartbeat_store ("shared_memory" or "table": where heartbeats of this
 * database go; "none" on a standby), worker {running, pid, started_at,
 * last_loop, database}, database, server_time, settings, registry {entries,
 * capacity, evictions, fallback_writes}, projects {connected, stale,
 * disconnected, never_seen, disabled}, schema_problem {sqlstate, message,
 * hint} when the projects table cannot be served, and hint when something
 * needs doing.  Keys whose value is unknown are left out (no pid when the
 * worker is not running, no projects when the projects table cannot be
 * read).
 */
Datum
swisper_health(PG_FUNCTION_ARGS)
{
#define HEALTH_ARGS 16
	bool		preloaded = heartbeat_registry_attached();
	int			pid;
	TimestampTz started_at;
	TimestampTz last_loop;
	bool		running = worker_state(&pid, &started_at, &last_loop);
	bool		serves_here;
	int64		entries,
				capacity,
				evictions,
				fallback_writes;
	const char *hint = NULL;
	PlatformTable *projects;
	PlatformProblem problem;
	int64		counts[HEARTBEAT_NUM_STATUSES];
	Oid			argtypes[HEALTH_ARGS] = {BOOLOID, BOOLOID, INT4OID, TIMESTAMPTZOID, TIMESTAMPTZOID,
		TEXTOID, INT4OID, INT4OID, INT4OID, INT8ARRAYOID, TEXTOID, TEXTOID, INT8ARRAYOID,
	TEXTOID, TEXTOID, TEXTOID};
	Datum		values[HEALTH_ARGS];
	char		nulls[HEALTH_ARGS];
	Datum		reg[4];
	int			ret;
	bool		isnull;
	Datum		result;

	/* It reads the objects and settings of this version. */
	catalog_version_require();
	heartbeat_registry_usage(&entries, &capacity, &evictions, &fallback_writes);
	reg[0] = Int64GetDatum(entries);
	reg[1] = Int64GetDatum(capacity);
	reg[2] = Int64GetDatum(evictions);
	reg[3] = Int64GetDatum(fallback_writes);

	serves_here = running && heartbeat_database != NULL &&
		strcmp(heartbeat_database, get_database_name(MyDatabaseId)) == 0;
	hint = health_hint(preloaded, running, serves_here);

	/* counts come from a table only: a view would run as this SECURITY DEFINER */
	projects = platform_table(PLATFORM_PROJECTS, AccessShareLock, &problem);
	if (projects)
		count_statuses(projects, counts);
	else if (hint == NULL)
		hint = problem.hint;

	memset(nulls, ' ', sizeof(nulls));
	values[0] = BoolGetDatum(preloaded);
	values[1] = BoolGetDatum(running);
	values[2] = Int32GetDatum(pid);
	nulls[2] = running ? ' ' : 'n';
	values[3] = TimestampTzGetDatum(started_at);
	nulls[3] = running ? ' ' : 'n';
	values[4] = TimestampTzGetDatum(last_loop);
	nulls[4] = (running && last_loop != 0) ? ' ' : 'n';
	set_text_arg(&values[5], &nulls[5], heartbeat_database);
	values[6] = Int32GetDatum(worker_check_interval_ms);
	values[7] = Int32GetDatum(heartbeat_stale_after_ms);
	values[8] = Int32GetDatum(heartbeat_disconnect_after_ms);
	values[9] = PointerGetDatum(construct_array(reg, 4, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	set_text_arg(&values[10], &nulls[10], hint);
	values[11] = CStringGetTextDatum(heartbeat_registry_serves_database() ?
									 "shared_memory" : "table");
	if (projects)
	{
		Datum		c[HEARTBEAT_NUM_STATUSES];
		int			i;

		for (i = 0; i < HEARTBEAT_NUM_STATUSES; i++)
			c[i] = Int64GetDatum(counts[i]);
		values[12] = PointerGetDatum(construct_array(c, HEARTBEAT_NUM_STATUSES, INT8OID, 8,
													 FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	}
	else
		nulls[12] = 'n';
	set_text_arg(&values[13], &nulls[13], projects ? NULL : unpack_sql_state(problem.sqlerrcode));
	set_text_arg(&values[14], &nulls[14], projects ? NULL : problem.message);
	set_text_arg(&values[15], &nulls[15], projects ? NULL : problem.hint);

	/* $13 holds the counts in HeartbeatStatus order */
	StaticAssertStmt(HEARTBEAT_CONNECTED == 0 && HEARTBEAT_STALE == 1 &&
					 HEARTBEAT_DISCONNECTED == 2 && HEARTBEAT_NEVER_SEEN == 3 &&
					 HEARTBEAT_DISABLED == 4, "status order");

	SPI_connect();
	ret = SPI_execute_with_args("SELECT pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object("
								" 'status', CASE WHEN $2 AND $6 = pg_catalog.current_database() AND $14 IS NULL"
								"                THEN 'ok' ELSE 'degraded' END,"
								" 'extension_version', (SELECT extversion FROM pg_catalog.pg_extension"
								"                        WHERE extname = '" SWISPER_EXTENSION_NAME "'),"
								" 'library_preloaded', $1,"
								" 'role', CASE WHEN pg_catalog.pg_is_in_recovery() THEN 'standby' ELSE 'primary' END,"
								" 'heartbeat_store', CASE WHEN pg_catalog.pg_is_in_recovery() THEN 'none' ELSE $12 END,"
								" 'worker', pg_catalog.jsonb_build_object('running', $2, 'pid', $3, 'started_at', $4,"
								"           'last_loop', $5, 'database', $6),"
								" 'database', pg_catalog.current_database(),"
								" 'server_time', pg_catalog.clock_timestamp(),"
								" 'settings', pg_catalog.jsonb_build_object('check_interval_ms', $7,"
								"           'stale_after_ms', $8, 'disconnect_after_ms', $9),"
								" 'registry', CASE WHEN $1 THEN pg_catalog.jsonb_build_object('entries', $10[1],"
								"           'capacity', $10[2], 'evictions', $10[3], 'fallback_writes', $10[4]) END,"
								" 'hint', $11,"
								" 'projects', CASE WHEN $13 IS NOT NULL THEN pg_catalog.jsonb_build_object("
								"           'connected', $13[1], 'stale', $13[2], 'disconnected', $13[3],"
								"           'never_seen', $13[4], 'disabled', $13[5]) END,"
								" 'schema_problem', CASE WHEN $14 IS NOT NULL THEN pg_catalog.jsonb_build_object("
								"           'sqlstate', $14, 'message', $15, 'hint', $16) END))",
								HEALTH_ARGS, argtypes, values, nulls, true, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(ret));
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		elog(ERROR, "health query returned null");
	result = SPI_datumTransfer(result, false, -1);
	SPI_finish();

	PG_RETURN_DATUM(result);
}
