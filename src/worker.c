/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  The background worker that publishes project connection status.
 *
 * One worker per server, connected to the database named by swisper.database.
 * _PG_init calls worker_init(), which defines its settings and registers it.
 * Every swisper.check_interval it runs one tick, in one transaction:
 *
 *	1. nothing happens until the extension exists in that database and the
 *	   server is out of recovery (as pg_cron does); projects (platform.c) and
 *	   swisper.project_connection are looked up by name and locked every tick,
 *	   so DROP EXTENSION / CREATE EXTENSION and re-created tables are fine; a
 *	   projects table it cannot serve is reported once, not every tick;
 *	2. it copies the shared registry, reads the status table and then every
 *	   project that is not soft-deleted (as the owner of projects), and
 *	   classifies each (heartbeat_classify);
 *	3. in one statement it upserts the rows whose status changed and the rows
 *	   whose last_seen or metadata moved since the previous tick (so at most
 *	   one tick of liveness is lost in a crash, and after a restart each status
 *	   is right at the first tick), and queues NOTIFY swisper_project_status
 *	   with a JSON payload for each change, sent at commit;
 *	4. it deletes the rows of projects that are gone or soft-deleted.
 *
 * An ERROR in a tick is logged, the transaction rolled back, and the next
 * tick runs five seconds later; a FATAL or a crash restarts the worker after
 * bgw_restart_time.  SIGHUP reloads the settings; SIGTERM runs a last tick
 * (which persists last_seen) and exits.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "tcop/utility.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "swisper_ext.h"
#include "catalog_version.h"
#include "heartbeat.h"
#include "worker.h"
#include "platform.h"
#include "project_status.h"

#define WORKER_NAME				"swisper heartbeat worker"
#define WORKER_ERROR_DELAY_MS	5000
#define WORKER_UPSERT_ARGS		10
#define HEARTBEAT_NOTIFY_MAX_ID	1024

int			worker_check_interval_ms = 1000;

/* The problem with the projects table last reported, or NULL. */
static char *worker_problem = NULL;

/* The worker said it idles on an older version of the extension. */
static bool worker_idle_logged = false;

/* The tick's index of the registry copy, by project id. */
typedef struct SnapshotRef
{
	char		project_id[HEARTBEAT_PROJECT_ID_LEN];	/* hash key */
	HeartbeatSnapshot *snap;
} SnapshotRef;

/* Per-tick arrays of the rows to write. */
typedef struct TickWrites
{
	ArrayBuildState *project_id;
	ArrayBuildState *status;
	ArrayBuildState *last_seen;
	ArrayBuildState *last_heartbeat;
	ArrayBuildState *connected_since;
	ArrayBuildState *environment;
	ArrayBuildState *app_version;
	ArrayBuildState *sdk_version;
	ArrayBuildState *changed;
	int			count;
} TickWrites;

static void worker_detach(int code, Datum arg);
static bool worker_tick_guarded(MemoryContext loop_context);
static void worker_tick(void);
static void worker_report_problem(PlatformProblem *problem);
static void tick_publish(HTAB *registry, TimestampTz now, PlatformTable *projects);
static void tick_classify(TickWrites *w, HTAB *registry, PlatformProject *project,
						  ConnectionRow *row, TimestampTz now);
static bool newer_text(const char **value, const char *registry_value);
static void tick_write(TickWrites *w, TimestampTz now);
static void tick_forget_gone(ConnectionRow *rows, int nrows, PlatformProject *list,
							 int nprojects);
static void add_write(TickWrites *w, const char *project_id, HeartbeatStatus status,
					  TimestampTz last_seen, TimestampTz last_heartbeat,
					  TimestampTz connected_since, const char *environment,
					  const char *app_version, const char *sdk_version, bool changed);
static void notify_change(const char *project_id, HeartbeatStatus status, const char *previous,
						  TimestampTz last_seen, TimestampTz connected_since,
						  const char *environment, const char *app_version,
						  const char *sdk_version, TimestampTz now);

/*
 * The worker's running state in shared memory, for health().
 */
typedef struct WorkerSharedState
{
	slock_t		mutex;			/* protects everything below */
	int			pid;			/* 0 when the worker is not running */
	TimestampTz started_at;
	TimestampTz last_loop;
} WorkerSharedState;

static WorkerSharedState *worker_shared = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/*
 * shmem_request_hook: reserve the worker's state.
 */
static void
worker_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(WorkerSharedState)));
}

/*
 * shmem_startup_hook: create or attach to the worker's state.
 */
static void
worker_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	worker_shared = ShmemInitStruct("swisper worker state", sizeof(WorkerSharedState), &found);
	if (!found)
	{
		memset(worker_shared, 0, sizeof(WorkerSharedState));
		SpinLockInit(&worker_shared->mutex);
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * worker_init: see worker.h.  swisper.check_interval exists in every
 * backend (health() reports it); the registration and the shared state
 * only when preloading.
 */
void
worker_init(bool preloading)
{
	BackgroundWorker worker;

	DefineCustomIntVariable("swisper.check_interval",
							"Time between two ticks of the heartbeat worker.",
							"Each tick classifies every project and publishes the changes.",
							&worker_check_interval_ms,
							1000, 10, 3600000,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);
	if (!preloading)
		return;

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = worker_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = worker_shmem_startup;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 5;
	strlcpy(worker.bgw_library_name, "swisper_ext", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "heartbeat_worker_main", BGW_MAXLEN);
	strlcpy(worker.bgw_name, WORKER_NAME, BGW_MAXLEN);
	strlcpy(worker.bgw_type, WORKER_NAME, BGW_MAXLEN);
	worker.bgw_main_arg = (Datum) 0;
	worker.bgw_notify_pid = 0;
	RegisterBackgroundWorker(&worker);
}

/*
 * The worker announces itself (running) or leaves (not running).
 */
static void
worker_set_running(bool running)
{
	if (worker_shared == NULL)
		return;
	SpinLockAcquire(&worker_shared->mutex);
	worker_shared->pid = running ? MyProcPid : 0;
	worker_shared->started_at = running ? GetCurrentTimestamp() : 0;
	worker_shared->last_loop = 0;
	SpinLockRelease(&worker_shared->mutex);
}

/*
 * The worker records the end of a loop.
 */
static void
worker_set_loop_time(TimestampTz when)
{
	if (worker_shared == NULL)
		return;
	SpinLockAcquire(&worker_shared->mutex);
	worker_shared->last_loop = when;
	SpinLockRelease(&worker_shared->mutex);
}

/*
 * worker_state: see worker.h.
 */
bool
worker_state(int *pid, TimestampTz *started_at, TimestampTz *last_loop)
{
	*pid = 0;
	*started_at = *last_loop = 0;
	if (worker_shared == NULL)
		return false;
	SpinLockAcquire(&worker_shared->mutex);
	*pid = worker_shared->pid;
	*started_at = worker_shared->started_at;
	*last_loop = worker_shared->last_loop;
	SpinLockRelease(&worker_shared->mutex);
	return *pid != 0;
}

/*
 * on-exit callback: the worker is no longer running.
 */
static void
worker_detach(int code, Datum arg)
{
	worker_set_running(false);
}

/*
 * The worker's entry point.
 */
void
heartbeat_worker_main(Datum main_arg)
{
	MemoryContext loop_context;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	BackgroundWorkerUnblockSignals();

	BackgroundWorkerInitializeConnection(heartbeat_database, NULL, 0);
	pgstat_report_appname(WORKER_NAME);

	/*
	 * The worker runs its statements as a superuser; a search_path from
	 * ALTER DATABASE/ROLE ... SET must not put a schema whose operators or
	 * functions would run with those rights before pg_catalog.
	 */
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);

	worker_set_running(true);
	before_shmem_exit(worker_detach, (Datum) 0);

	ereport(LOG,
			(errmsg("%s started in database \"%s\"", WORKER_NAME, heartbeat_database)));

	loop_context = AllocSetContextCreate(TopMemoryContext, "swisper heartbeat tick",
										 ALLOCSET_DEFAULT_SIZES);

	while (!ShutdownRequestPending)
	{
		bool		ok;

		/* interrupts are served in worker_tick_guarded, which catches their ERROR */
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}

		ok = worker_tick_guarded(loop_context);
		worker_set_loop_time(GetCurrentTimestamp());

		if (ShutdownRequestPending)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 ok ? worker_check_interval_ms : Max(worker_check_interval_ms,
																WORKER_ERROR_DELAY_MS),
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}

	/* A last tick persists what the registry saw since the previous one. */
	(void) worker_tick_guarded(loop_context);
	ereport(LOG, (errmsg("%s shutting down", WORKER_NAME)));

	/* Exit code 1 so that the postmaster restarts us after pg_terminate_backend(). */
	proc_exit(1);
}

/*
 * Run one tick; an ERROR is logged and rolled back.  Returns false after an
 * error, so that the next tick waits WORKER_ERROR_DELAY_MS.
 *
 * Interrupts are served only in here: an ERROR raised outside PG_TRY would
 * end the process.  A cancel (pg_cancel_backend) abandons the tick, not the
 * process, as autovacuum treats a cancel of its work on one table: it is
 * logged as such, and the next tick comes after the usual interval, not
 * after WORKER_ERROR_DELAY_MS.  A cancel that arrived between ticks has
 * nothing to cancel and is dropped.
 */
static bool
worker_tick_guarded(MemoryContext loop_context)
{
	volatile bool ok = true;

	if (QueryCancelPending)
	{
		QueryCancelPending = false;
		ereport(LOG,
				(errmsg("%s ignored a cancel request: no tick was running", WORKER_NAME)));
	}

	MemoryContextSwitchTo(loop_context);
	PG_TRY();
	{
		CHECK_FOR_INTERRUPTS();
		worker_tick();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		HOLD_INTERRUPTS();
		MemoryContextSwitchTo(loop_context);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_QUERY_CANCELED)
			EmitErrorReport();
		AbortOutOfAnyTransaction();
		FlushErrorState();
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
			ereport(LOG,
					(errmsg("%s tick cancelled: %s", WORKER_NAME, edata->message),
					 errdetail("The tick was rolled back; the worker carries on with the next one.")));
		else
			ok = false;
		RESUME_INTERRUPTS();
		pgstat_report_activity(STATE_IDLE, NULL);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(TopMemoryContext);
	MemoryContextReset(loop_context);
	return ok;
}

/*
 * Report the state of the platform's projects table when it changes: a
 * WARNING when the worker cannot serve (once, not every tick), a LOG line
 * when it serves again.  problem NULL: the table can be served.
 */
static void
worker_report_problem(PlatformProblem *problem)
{
	if (problem == NULL)
	{
		if (worker_problem != NULL)
		{
			ereport(LOG,
					(errmsg("%s serves connection status again", WORKER_NAME)));
			pfree(worker_problem);
			worker_problem = NULL;
		}
		return;
	}
	if (worker_problem != NULL && strcmp(worker_problem, problem->message) == 0)
		return;
	ereport(WARNING,
			(errcode(problem->sqlerrcode),
			 errmsg("%s cannot publish connection status: %s", WORKER_NAME, problem->message),
			 errdetail("It checks again every swisper.check_interval and serves again by itself once this is fixed."),
			 problem->hint ? errhint("%s", problem->hint) : 0));
	if (worker_problem != NULL)
		pfree(worker_problem);
	worker_problem = MemoryContextStrdup(TopMemoryContext, problem->message);
}

/*
 * Is this node a Citus worker node?  Said once in the log.
 */
static bool
worker_on_citus_worker(void)
{
	static bool said = false;

	if (platform_citus_node() != PLATFORM_CITUS_WORKER)
		return false;
	if (!said)
		ereport(LOG,
				(errmsg("%s stays idle: this node is a Citus worker node", WORKER_NAME),
				 errdetail("The worker on the Citus coordinator publishes the status of the projects.")));
	said = true;
	return true;
}

/*
 * One tick, in one transaction.
 */
static void
worker_tick(void)
{
	PlatformTable *projects;
	PlatformProblem problem;
	Oid			status_table;
	HeartbeatSnapshot *snap;
	int			nsnap;
	HTAB	   *registry;
	HASHCTL		info;
	TimestampTz now;
	int			i;
	char	   *installed;

	MemoryContext tick_context = CurrentMemoryContext;
	MemoryContext oldcontext;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());

	/*
	 * Idle until the extension exists here and the server is a primary; on
	 * a Citus worker node for good: the coordinator, where the ingestion
	 * records liveness, publishes the status of the cluster's projects.
	 */
	if (!OidIsValid(get_extension_oid(SWISPER_EXTENSION_NAME, true)) || RecoveryInProgress() ||
		worker_on_citus_worker())
	{
		PopActiveSnapshot();
		CommitTransactionCommand();
		return;
	}

	/*
	 * Idle, saying so once, while the database holds the objects of another
	 * version than this library's (a package upgrade before ALTER EXTENSION
	 * ... UPDATE): the status table and the functions may not be the ones it
	 * writes and calls.
	 */
	if (!catalog_version_is_current(&installed))
	{
		if (!worker_idle_logged)
			ereport(LOG,
					(errmsg("%s is idle: swisper_ext %s is installed in database \"%s\", but its library is version %s",
							WORKER_NAME, installed, get_database_name(MyDatabaseId), SWISPER_EXT_VERSION),
					 errhint("Run ALTER EXTENSION swisper_ext UPDATE in that database; the worker serves it from the next tick on.")));
		worker_idle_logged = true;
		PopActiveSnapshot();
		CommitTransactionCommand();
		return;
	}
	worker_idle_logged = false;

	/*
	 * Look the tables up by name and lock them for the tick, projects first;
	 * a DROP waits for the tick to end.  A projects table that cannot be
	 * served is reported once and checked again next tick; without the
	 * status table (the extension is being dropped) there is nothing to do.
	 */
	projects = platform_table(PLATFORM_PROJECTS, AccessShareLock, &problem);
	status_table = RangeVarGetRelid(makeRangeVar(SWISPER_SCHEMA_NAME, HEARTBEAT_STATUS_TABLE, -1),
									RowExclusiveLock, true);
	if (OidIsValid(status_table))
		worker_report_problem(projects ? NULL : &problem);
	if (projects == NULL || !OidIsValid(status_table))
	{
		PopActiveSnapshot();
		CommitTransactionCommand();
		return;
	}

	pgstat_report_activity(STATE_RUNNING, "swisper heartbeat tick");
	now = GetCurrentTimestamp();

	/* A local copy of this database's registry entries, by project id. */
	memset(&info, 0, sizeof(info));
	info.keysize = HEARTBEAT_PROJECT_ID_LEN;
	info.entrysize = sizeof(SnapshotRef);
	info.hcxt = CurrentMemoryContext;
	registry = hash_create("swisper heartbeat snapshot", 1024, &info,
						   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	/* The copy outlives the transaction: it is marked persisted after commit. */
	oldcontext = MemoryContextSwitchTo(tick_context);
	snap = heartbeat_registry_snapshot(MyDatabaseId, &nsnap);
	MemoryContextSwitchTo(oldcontext);
	for (i = 0; i < nsnap; i++)
	{
		SnapshotRef *e = hash_search(registry, snap[i].project_id, HASH_ENTER, NULL);

		snap[i].validated = false;
		e->snap = &snap[i];
	}

	SPI_connect();
	tick_publish(registry, now, projects);
	SPI_finish();

	PopActiveSnapshot();
	CommitTransactionCommand();

	/*
	 * What the copy held is in the table now: those entries may be evicted;
	 * the valid projects among them may skip heartbeat()'s check, for two
	 * intervals and a second, so that a stalled worker stops it.
	 */
	heartbeat_registry_mark_tick(MyDatabaseId, snap, nsnap,
								 (int64) worker_check_interval_ms * 2000 + USECS_PER_SEC);

	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
}

/*
 * Classify every project, write the changes, queue the notifications and
 * forget the projects that are gone.
 *
 * The status table is read before the projects: every row read then
 * belongs to a project created before it, which the list, read later,
 * shows unless it was deleted meanwhile.  So a row is never forgotten for
 * a project too new to be in the list.
 */
static void
tick_publish(HTAB *registry, TimestampTz now, PlatformTable *projects)
{
	TickWrites	w;
	ConnectionRow *rows;
	PlatformProject *list;
	int			nrows;
	int			nprojects;
	int			i;

	rows = connection_rows_read(&nrows);
	list = platform_projects_list(projects, false, &nprojects);

	memset(&w, 0, sizeof(w));
	for (i = 0; i < nprojects; i++)
		tick_classify(&w, registry, &list[i],
					  connection_row_find(rows, nrows, list[i].id), now);
	tick_write(&w, now);
	tick_forget_gone(rows, nrows, list, nprojects);
}

/*
 * The status of one project from the registry's copy and its row of the
 * status table (NULL: none); a write when the status changed or the
 * registry moved past the row, and a notification when the status changed.
 */
static void
tick_classify(TickWrites *w, HTAB *registry, PlatformProject *project, ConnectionRow *row,
			  TimestampTz now)
{
	int64		stale_us = (int64) heartbeat_stale_after_ms * 1000;
	TimestampTz tbl_last_seen = row ? row->last_seen : 0;
	TimestampTz tbl_heartbeat = row ? row->last_heartbeat : 0;
	TimestampTz tbl_since = row ? row->connected_since : 0;
	const char *old_status = row ? row->status : NULL;
	const char *environment = row ? row->environment : NULL;
	const char *app_version = row ? row->app_version : NULL;
	const char *sdk_version = row ? row->sdk_version : NULL;
	HeartbeatSnapshot *reg = NULL;
	TimestampTz last_seen;
	TimestampTz last_heartbeat;
	TimestampTz since = tbl_since;
	HeartbeatStatus status;
	bool		changed;
	bool		moved = false;

	if (strlen(project->id) < HEARTBEAT_PROJECT_ID_LEN)
	{
		SnapshotRef *ref = hash_search(registry, project->id, HASH_FIND, NULL);

		reg = ref ? ref->snap : NULL;
	}
	if (reg)
		reg->validated = true;

	last_seen = Max(reg ? reg->last_seen : 0, tbl_last_seen);
	last_heartbeat = Max(reg ? reg->last_heartbeat : 0, tbl_heartbeat);

	if (reg)
	{
		/*
		 * The registry's run of sightings continues the table's when it
		 * started less than stale_after after the persisted last_seen (after
		 * a restart the registry starts afresh).
		 */
		if (reg->connected_since != 0 &&
			!(since != 0 && tbl_last_seen != 0 &&
			  reg->connected_since - tbl_last_seen < stale_us &&
			  reg->connected_since >= since))
			since = reg->connected_since;
		moved = reg->last_seen > tbl_last_seen || reg->last_heartbeat > tbl_heartbeat;
		moved |= newer_text(&environment, reg->environment);
		moved |= newer_text(&app_version, reg->app_version);
		moved |= newer_text(&sdk_version, reg->sdk_version);
	}

	status = heartbeat_classify(project->tracing_enabled, last_seen != 0, last_seen, now);
	if (status == HEARTBEAT_DISCONNECTED || status == HEARTBEAT_NEVER_SEEN ||
		status == HEARTBEAT_DISABLED)
		since = 0;
	else if (since == 0)
		since = last_seen;

	changed = (old_status == NULL || strcmp(old_status, heartbeat_status_name(status)) != 0);
	if (!changed && !moved && since == tbl_since)
		return;

	add_write(w, project->id, status, last_seen, last_heartbeat, since,
			  environment, app_version, sdk_version, changed);
	if (changed)
		notify_change(project->id, status, old_status, last_seen, since,
					  environment, app_version, sdk_version, now);
}

/*
 * A detail the registry holds (empty: none) replaces the table's value
 * when it differs; true when it did.
 */
static bool
newer_text(const char **value, const char *registry_value)
{
	if (registry_value[0] == '\0' ||
		(*value != NULL && strcmp(*value, registry_value) == 0))
		return false;
	*value = registry_value;
	return true;
}

/*
 * Upsert the rows of w into the status table, in one statement.
 */
static void
tick_write(TickWrites *w, TimestampTz now)
{
	static const char *upsert =
		"INSERT INTO " SWISPER_SCHEMA_NAME "." HEARTBEAT_STATUS_TABLE " AS c"
		" (project_id, status, last_seen, last_heartbeat, connected_since,"
		"  environment, app_version, sdk_version, status_changed_at, updated_at)"
		" SELECT u.project_id, u.status, u.last_seen, u.last_heartbeat, u.connected_since,"
		"        u.environment, u.app_version, u.sdk_version,"
		"        CASE WHEN u.changed THEN $10 END, $10"
		"   FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9)"
		"        AS u(project_id, status, last_seen, last_heartbeat, connected_since,"
		"             environment, app_version, sdk_version, changed)"
		" ON CONFLICT (project_id) DO UPDATE SET"
		"  status = excluded.status,"
		"  last_seen = GREATEST(c.last_seen, excluded.last_seen),"
		"  last_heartbeat = GREATEST(c.last_heartbeat, excluded.last_heartbeat),"
		"  connected_since = excluded.connected_since,"
		"  environment = COALESCE(excluded.environment, c.environment),"
		"  app_version = COALESCE(excluded.app_version, c.app_version),"
		"  sdk_version = COALESCE(excluded.sdk_version, c.sdk_version),"
		"  status_changed_at = COALESCE(excluded.status_changed_at, c.status_changed_at),"
		"  updated_at = excluded.updated_at";
	Oid			argtypes[WORKER_UPSERT_ARGS] = {TEXTARRAYOID, TEXTARRAYOID,
		TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID,
	TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, BOOLARRAYOID, TIMESTAMPTZOID};
	Datum		values[WORKER_UPSERT_ARGS];
	MemoryContext cxt = CurrentMemoryContext;
	int			ret;

	if (w->count == 0)
		return;
	values[0] = makeArrayResult(w->project_id, cxt);
	values[1] = makeArrayResult(w->status, cxt);
	values[2] = makeArrayResult(w->last_seen, cxt);
	values[3] = makeArrayResult(w->last_heartbeat, cxt);
	values[4] = makeArrayResult(w->connected_since, cxt);
	values[5] = makeArrayResult(w->environment, cxt);
	values[6] = makeArrayResult(w->app_version, cxt);
	values[7] = makeArrayResult(w->sdk_version, cxt);
	values[8] = makeArrayResult(w->changed, cxt);
	values[9] = TimestampTzGetDatum(now);

	ret = SPI_execute_with_args(upsert, WORKER_UPSERT_ARGS, argtypes, values, NULL, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(ret));
}

/*
 * Delete the status rows of projects that are gone or soft-deleted: the
 * rows read (sorted by project id) whose project is not in the list.
 */
static void
tick_forget_gone(ConnectionRow *rows, int nrows, PlatformProject *list, int nprojects)
{
	char	  **live = palloc(sizeof(char *) * (nprojects + 1));
	ArrayBuildState *gone = NULL;
	Oid			argtype = TEXTARRAYOID;
	Datum		arg;
	int			i;
	int			ret;

	for (i = 0; i < nprojects; i++)
		live[i] = list[i].id;
	qsort(live, nprojects, sizeof(char *), platform_cmp_cstring);
	for (i = 0; i < nrows; i++)
		if (bsearch(&rows[i].project_id, live, nprojects, sizeof(char *), platform_cmp_cstring) == NULL)
			gone = accumArrayResult(gone, CStringGetTextDatum(rows[i].project_id), false,
									TEXTOID, CurrentMemoryContext);
	if (gone == NULL)
		return;

	arg = makeArrayResult(gone, CurrentMemoryContext);
	ret = SPI_execute_with_args("DELETE FROM " SWISPER_SCHEMA_NAME "." HEARTBEAT_STATUS_TABLE
								" WHERE project_id = ANY ($1)",
								1, &argtype, &arg, NULL, false, 0);
	if (ret != SPI_OK_DELETE)
		elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(ret));
}

/*
 * Append one row to the arrays of the upsert.
 */
static void
add_write(TickWrites *w, const char *project_id, HeartbeatStatus status,
		  TimestampTz last_seen, TimestampTz last_heartbeat, TimestampTz connected_since,
		  const char *environment, const char *app_version, const char *sdk_version,
		  bool changed)
{
	MemoryContext cxt = CurrentMemoryContext;

#define ACCUM_TEXT(field, value) \
	w->field = accumArrayResult(w->field, (value) ? CStringGetTextDatum(value) : (Datum) 0, \
								(value) == NULL, TEXTOID, cxt)
#define ACCUM_TS(field, value) \
	w->field = accumArrayResult(w->field, TimestampTzGetDatum(value), (value) == 0, \
								TIMESTAMPTZOID, cxt)

	ACCUM_TEXT(project_id, project_id);
	ACCUM_TEXT(status, heartbeat_status_name(status));
	ACCUM_TS(last_seen, last_seen);
	ACCUM_TS(last_heartbeat, last_heartbeat);
	ACCUM_TS(connected_since, connected_since);
	ACCUM_TEXT(environment, environment);
	ACCUM_TEXT(app_version, app_version);
	ACCUM_TEXT(sdk_version, sdk_version);
	w->changed = accumArrayResult(w->changed, BoolGetDatum(changed), false, BOOLOID, cxt);
	w->count++;

#undef ACCUM_TEXT
#undef ACCUM_TS
}

/*
 * Append "key": timestamp (ISO 8601) or null to a JSON object.
 */
static void
json_add_timestamp(StringInfo buf, const char *key, TimestampTz value)
{
	char		tsbuf[MAXDATELEN + 1];

	appendStringInfo(buf, ", \"%s\": ", key);
	if (value == 0)
		appendStringInfoString(buf, "null");
	else
		appendStringInfo(buf, "\"%s\"",
						 JsonEncodeDateTime(tsbuf, TimestampTzGetDatum(value), TIMESTAMPTZOID, NULL));
}

/*
 * Append "key": string or null to a JSON object.
 */
static void
json_add_string(StringInfo buf, const char *key, const char *value)
{
	appendStringInfo(buf, ", \"%s\": ", key);
	if (value == NULL)
		appendStringInfoString(buf, "null");
	else
		escape_json(buf, value);
}

/*
 * Queue NOTIFY swisper_project_status with the change as JSON; PostgreSQL
 * sends it when the tick's transaction commits.
 */
static void
notify_change(const char *project_id, HeartbeatStatus status, const char *previous,
			  TimestampTz last_seen, TimestampTz connected_since,
			  const char *environment, const char *app_version, const char *sdk_version,
			  TimestampTz now)
{
	StringInfoData buf;

	/* NOTIFY payloads must stay under 8000 bytes; ids are uuids in practice. */
	if (strlen(project_id) > HEARTBEAT_NOTIFY_MAX_ID)
	{
		ereport(LOG,
				(errmsg("status of project \"%.32s...\" changed to %s; not announced, its id is longer than %d bytes",
						project_id, heartbeat_status_name(status), HEARTBEAT_NOTIFY_MAX_ID)));
		return;
	}

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"project_id\": ");
	escape_json(&buf, project_id);
	json_add_string(&buf, "status", heartbeat_status_name(status));
	json_add_string(&buf, "previous_status", previous);
	json_add_timestamp(&buf, "last_seen", last_seen);
	json_add_timestamp(&buf, "connected_since", connected_since);
	json_add_string(&buf, "environment", environment);
	json_add_string(&buf, "app_version", app_version);
	json_add_string(&buf, "sdk_version", sdk_version);
	json_add_timestamp(&buf, "changed_at", now);
	appendStringInfoChar(&buf, '}');

	Async_Notify(HEARTBEAT_NOTIFY_CHANNEL, buf.data);
}
