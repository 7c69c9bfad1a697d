/*-------------------------------------------------------------------------
 *
 * project_status.h
 *	  The persistent connection state, swisper.project_connection: read by
 *	  the worker, health() and the swisper.project_status view, which
 *	  combine it with the projects that platform.c lists.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SWISPER_PROJECT_STATUS_H
#define SWISPER_PROJECT_STATUS_H

#include "postgres.h"

#include "datatype/timestamp.h"

/* One row of swisper.project_connection; 0 and NULL stand for SQL NULL. */
typedef struct ConnectionRow
{
	char	   *project_id;
	char	   *status;			/* NULL: not yet published by the worker */
	TimestampTz last_seen;
	TimestampTz last_heartbeat;
	TimestampTz connected_since;
	char	   *environment;
	char	   *app_version;
	char	   *sdk_version;
} ConnectionRow;

/*
 * Every row of swisper.project_connection, sorted by project_id (strcmp),
 * as the current user; *count gets their number.  Raises
 * object_not_in_prerequisite_state (55000) when the table is missing.
 */
extern ConnectionRow *connection_rows_read(int *count);

/* The row of project_id in rows (as connection_rows_read returns them), or NULL. */
extern ConnectionRow *connection_row_find(ConnectionRow *rows, int count, const char *project_id);

#endif							/* SWISPER_PROJECT_STATUS_H */
