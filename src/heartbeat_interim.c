/*-------------------------------------------------------------------------
 *
 * heartbeat_interim.c
 *	  Interim implementation of heartbeat_record() (heartbeat.h) until the
 *	  heartbeat registry of issue 5 lands: it upserts the last-seen time of
 *	  a project into swisper.project_last_seen.  Deleted at merge time;
 *	  nothing else may depend on it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "heartbeat.h"

/*
 * Record that a project was seen at seen_at; for a heartbeat also its
 * environment and versions.  Later times win; earlier ones change nothing,
 * so recording the same batch twice is harmless.
 */
void
heartbeat_record(const char *project_id, TimestampTz seen_at, const char *environment,
				 const char *app_version, const char *sdk_version, bool is_heartbeat)
{
	static SPIPlanPtr plan = NULL;
	Oid			argtypes[6] = {TEXTOID, TIMESTAMPTZOID, TEXTOID, TEXTOID, TEXTOID, BOOLOID};
	Datum		args[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (plan == NULL)
	{
		plan = SPI_prepare("INSERT INTO swisper.project_last_seen AS p"
						   " (project_id, last_seen_at, last_heartbeat_at, environment, app_version, sdk_version)"
						   " VALUES ($1, $2, CASE WHEN $6 THEN $2 END, $3, $4, $5)"
						   " ON CONFLICT (project_id) DO UPDATE SET"
						   " last_seen_at = GREATEST(p.last_seen_at, EXCLUDED.last_seen_at),"
						   " last_heartbeat_at = GREATEST(p.last_heartbeat_at, EXCLUDED.last_heartbeat_at),"
						   " environment = CASE WHEN $6 AND $2 >= COALESCE(p.last_heartbeat_at, '-infinity')"
						   "   THEN EXCLUDED.environment ELSE p.environment END,"
						   " app_version = CASE WHEN $6 AND $2 >= COALESCE(p.last_heartbeat_at, '-infinity')"
						   "   THEN EXCLUDED.app_version ELSE p.app_version END,"
						   " sdk_version = CASE WHEN $6 AND $2 >= COALESCE(p.last_heartbeat_at, '-infinity')"
						   "   THEN EXCLUDED.sdk_version ELSE p.sdk_version END"
						   " WHERE EXCLUDED.last_seen_at > p.last_seen_at"
						   "    OR (EXCLUDED.last_heartbeat_at IS NOT NULL AND"
						   "        EXCLUDED.last_heartbeat_at >= COALESCE(p.last_heartbeat_at, '-infinity'))",
						   6, argtypes);
		if (plan == NULL || SPI_keepplan(plan) != 0)
			elog(ERROR, "preparing the last-seen upsert failed");
	}
	args[0] = CStringGetTextDatum(project_id);
	args[1] = TimestampTzGetDatum(seen_at);
	args[2] = environment ? CStringGetTextDatum(environment) : (Datum) 0;
	args[3] = app_version ? CStringGetTextDatum(app_version) : (Datum) 0;
	args[4] = sdk_version ? CStringGetTextDatum(sdk_version) : (Datum) 0;
	args[5] = BoolGetDatum(is_heartbeat);
	nulls[2] = environment ? ' ' : 'n';
	nulls[3] = app_version ? ' ' : 'n';
	nulls[4] = sdk_version ? ' ' : 'n';
	if (SPI_execute_plan(plan, args, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "recording last-seen failed");
	SPI_finish();
}
