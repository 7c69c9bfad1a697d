/*-------------------------------------------------------------------------
 *
 * heartbeat.h
 *	  The heartbeat registry of swisper_ext: when each project was last seen,
 *	  kept in shared memory, and the connection status derived from it.
 *
 * heartbeat_record() is the one routine that records liveness.  It is
 * called by swisper.heartbeat() and by the ingestion functions for every
 * event they store.  With the library in shared_preload_libraries it
 * updates a shared hash table (no WAL, no row update); without it, or for an
 * id the registry cannot hold, it upserts swisper.project_connection.
 *
 * The background worker (worker.c, worker.h) reads the registry every
 * tick, derives each project's status with heartbeat_classify() and
 * publishes changes; this file knows nothing of the worker.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SWISPER_HEARTBEAT_H
#define SWISPER_HEARTBEAT_H

#include "postgres.h"

#include "datatype/timestamp.h"

/* Longest project id, in bytes, that the shared registry holds. */
#define HEARTBEAT_PROJECT_ID_LEN	128

/* Longest environment / app_version / sdk_version kept, in bytes. */
#define HEARTBEAT_META_LEN			64

/* The persistent status table, in the extension's schema. */
#define HEARTBEAT_STATUS_TABLE		"project_connection"

/* The channel on which the worker announces status changes. */
#define HEARTBEAT_NOTIFY_CHANNEL	"swisper_project_status"

/* A project's connection status, in order of the SQL names below. */
typedef enum HeartbeatStatus
{
	HEARTBEAT_CONNECTED,
	HEARTBEAT_STALE,
	HEARTBEAT_DISCONNECTED,
	HEARTBEAT_NEVER_SEEN,
	HEARTBEAT_DISABLED
} HeartbeatStatus;

#define HEARTBEAT_NUM_STATUSES		(HEARTBEAT_DISABLED + 1)

/* A copy of one registry entry, as the worker reads it. */
typedef struct HeartbeatSnapshot
{
	char		project_id[HEARTBEAT_PROJECT_ID_LEN];
	TimestampTz last_seen;
	TimestampTz last_heartbeat; /* 0 when only events were seen */
	TimestampTz connected_since;
	char		environment[HEARTBEAT_META_LEN];
	char		app_version[HEARTBEAT_META_LEN];
	char		sdk_version[HEARTBEAT_META_LEN];
	bool		validated;		/* set by the worker: the project exists, not deleted */
} HeartbeatSnapshot;

/* Settings (GUCs), in milliseconds. */
extern int	heartbeat_stale_after_ms;
extern int	heartbeat_disconnect_after_ms;
extern int	heartbeat_max_projects;

/* swisper.database: the database the worker serves; NULL when not preloaded. */
extern char *heartbeat_database;

/*
 * Record that project_id was seen at seen_at: a heartbeat (is_heartbeat) or
 * any ingested event.  environment/app_version/sdk_version may be NULL (keep
 * the previous values).  Does not check that the project exists (callers
 * have).  Works with and without shared_preload_libraries (table fallback).
 */
extern void heartbeat_record(const char *project_id, TimestampTz seen_at, const char *environment,
							 const char *app_version, const char *sdk_version, bool is_heartbeat);

/* The status of a project, from tracing_enabled and last_seen, at now. */
extern HeartbeatStatus heartbeat_classify(bool tracing_enabled, bool has_last_seen,
										  TimestampTz last_seen, TimestampTz now);
extern const char *heartbeat_status_name(HeartbeatStatus status);

/* Set-up, called from _PG_init: settings, and when preloading the shared registry. */
extern void heartbeat_init(bool preloading);

/* For the worker and health(). */
extern bool heartbeat_registry_attached(void);
extern bool heartbeat_registry_serves_database(void);
extern HeartbeatSnapshot *heartbeat_registry_snapshot(Oid database, int *count);
extern void heartbeat_registry_mark_tick(Oid database, HeartbeatSnapshot *snap, int count,
										 int64 trusted_for);
extern void heartbeat_registry_usage(int64 *entries, int64 *capacity, int64 *evictions,
									 int64 *fallback_writes);
extern Oid	heartbeat_status_table_owner(Oid *relid);

#endif							/* SWISPER_HEARTBEAT_H */
