/*-------------------------------------------------------------------------
 *
 * worker.h
 *	  The background worker that publishes project connection status: its
 *	  start-up from _PG_init, its settings, and its running state for
 *	  health().
 *
 * The worker depends on the heartbeat registry (heartbeat.h) and the
 * platform's tables (platform.h); nothing they hold depends on it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SWISPER_WORKER_H
#define SWISPER_WORKER_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "fmgr.h"

/* swisper.check_interval, in milliseconds. */
extern int	worker_check_interval_ms;

/*
 * Set-up, called from _PG_init: the settings, and when preloading the
 * worker's registration and its shared state (as autoprewarm's _PG_init
 * starts its leader).
 */
extern void worker_init(bool preloading);

/* The worker's pid, start and last loop; false when it is not running. */
extern bool worker_state(int *pid, TimestampTz *started_at, TimestampTz *last_loop);

/* The entry point, named in the registration. */
extern PGDLLEXPORT void heartbeat_worker_main(Datum main_arg);

#endif							/* SWISPER_WORKER_H */
