/*-------------------------------------------------------------------------
 *
 * heartbeat.h
 *	  The C API through which other capabilities report project liveness.
 *
 * ingest_batch() calls heartbeat_record() once per project and batch, with
 * the latest event timestamp of that project in the batch.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SWISPER_HEARTBEAT_H
#define SWISPER_HEARTBEAT_H

#include "postgres.h"

#include "datatype/timestamp.h"

extern void heartbeat_record(const char *project_id, TimestampTz seen_at, const char *environment,
							 const char *app_version, const char *sdk_version, bool is_heartbeat);

#endif							/* SWISPER_HEARTBEAT_H */
