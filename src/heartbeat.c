/*-------------------------------------------------------------------------
 *
 * heartbeat.c
 *	  The heartbeat registry: when each project was last seen, in shared
 *	  memory; swisper.heartbeat(); the status classification shared by the
 *	  worker and the swisper.project_status view.
 *
 * The registry is a fixed-size shared hash table keyed by (database, project
 * id), sized by swisper.max_projects and protected by one LWLock of the
 * tranche "swisper_heartbeat": shared to find an entry, exclusive to add or
 * evict one.  Each entry has a spinlock for its fields, so concurrent
 * heartbeats of known projects only ever take the LWLock in shared mode.
 * A heartbeat writes no WAL and updates no row: the background worker
 * persists last_seen once per tick (worker.c).
 *
 * swisper.heartbeat() must refuse unknown and soft-deleted projects.  After
 * each tick the worker marks the entries of the projects it found valid with
 * the tick's generation; a heartbeat of such a project is then recorded
 * without touching any table (heartbeat_record_validated).  Any other project
 * goes through a probe of the primary key of projects first.  A soft delete
 * therefore takes effect for heartbeat() within one swisper.check_interval.
 *
 * When the registry is full, the entry seen longest ago among those whose
 * last_seen the worker has already persisted is evicted (the status table
 * has it); when none is persisted yet, the new sighting is written to the
 * table instead.  A WARNING is logged once per server start.
 * Without shared_preload_libraries there is no registry, and a project id
 * longer than the registry key cannot be held: then heartbeat_record()
 * upserts swisper.project_connection directly (the table fallback).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/skey.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "swisper_ext.h"
#include "catalog_version.h"
#include "heartbeat.h"
#include "platform.h"

PG_FUNCTION_INFO_V1(swisper_heartbeat);
PG_FUNCTION_INFO_V1(swisper_connection_status);

#define HEARTBEAT_TRANCHE_NAME	"swisper_heartbeat"

/* Registry key: the database and the project id, zero-padded. */
typedef struct HeartbeatKey
{
	Oid			database;
	char		project_id[HEARTBEAT_PROJECT_ID_LEN];
} HeartbeatKey;

/* One registry entry. */
typedef struct HeartbeatEntry
{
	HeartbeatKey key;			/* hash key, must be first */
	slock_t		mutex;			/* protects the fields below */
	TimestampTz last_seen;
	TimestampTz last_heartbeat;
	TimestampTz connected_since;	/* start of the current run of sightings */
	TimestampTz persisted_seen; /* last_seen the worker has committed */
	uint64		validated_generation;	/* worker tick that saw the project valid */
	char		environment[HEARTBEAT_META_LEN];
	char		app_version[HEARTBEAT_META_LEN];
	char		sdk_version[HEARTBEAT_META_LEN];
} HeartbeatEntry;

/* The shared state beside the hash table. */
typedef struct HeartbeatSharedState
{
	LWLock	   *lock;			/* the registry: shared to find, exclusive to
								 * add or evict */
	slock_t		mutex;			/* protects everything below */
	int64		evictions;
	int64		fallback_writes;
	bool		full_warned;

	/*
	 * The worker's latest tick that validated projects, and until when that
	 * validation may be trusted (read without locks).
	 */
	pg_atomic_uint64 validated_generation;
	pg_atomic_uint64 validated_until;
} HeartbeatSharedState;

/* Settings. */
int			heartbeat_max_projects = 10000;
int			heartbeat_stale_after_ms = 30000;
int			heartbeat_disconnect_after_ms = 120000;
char	   *heartbeat_database = NULL;

/* Set in each process by the shmem startup hook when preloaded. */
static HeartbeatSharedState *heartbeat_state = NULL;
static HTAB *heartbeat_registry = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* Whether this backend already warned about an id the registry cannot hold. */
static bool long_id_warned = false;

static const char *const heartbeat_status_names[HEARTBEAT_NUM_STATUSES] = {
	"connected", "stale", "disconnected", "never_seen", "disabled"
};

static Size heartbeat_shmem_size(void);
static void heartbeat_shmem_request(void);
static void heartbeat_shmem_startup(void);
static void heartbeat_update_entry(HeartbeatEntry *entry, TimestampTz seen_at,
								   const char *environment, const char *app_version,
								   const char *sdk_version, bool is_heartbeat);
static bool heartbeat_evict_persisted(void);
static void heartbeat_warn_full_once(void);
static void heartbeat_record_in_table(const char *project_id, TimestampTz seen_at,
									  const char *environment, const char *app_version,
									  const char *sdk_version, bool is_heartbeat);
static void heartbeat_check_project(const char *project_id);
static bool heartbeat_record_validated(const char *project_id, TimestampTz seen_at,
									   const char *environment, const char *app_version,
									   const char *sdk_version);
static void clip_copy(char *dst, const char *src);

/*
 * Set up heartbeats from _PG_init: the settings, and when the library is
 * being preloaded the shared memory and the worker.
 *
 * The thresholds are needed by every backend (the view classifies with
 * them), so they exist whether or not the library is preloaded; the
 * postmaster-only settings are defined only while preloading.
 */
void
heartbeat_init(bool preloading)
{
	DefineCustomIntVariable("swisper.stale_after",
							"Age of the last sighting from which a project is stale.",
							"A project whose last heartbeat or ingested event is younger is connected.",
							&heartbeat_stale_after_ms,
							30000, 1, INT_MAX,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("swisper.disconnect_after",
							"Age of the last sighting from which a project is disconnected.",
							"Values below swisper.stale_after act as swisper.stale_after.",
							&heartbeat_disconnect_after_ms,
							120000, 1, INT_MAX,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	if (!preloading)
		return;

	/*
	 * The database the worker serves: the registry holds its heartbeats
	 * only, the worker connects to it.  Postmaster-only, so defined only
	 * when preloading.
	 */
	DefineCustomStringVariable("swisper.database",
							   "Database the heartbeat worker serves.",
							   "The database where CREATE EXTENSION swisper_ext was run.",
							   &heartbeat_database,
							   "postgres",
							   PGC_POSTMASTER,
							   GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);

	DefineCustomIntVariable("swisper.max_projects",
							"Number of projects the shared heartbeat registry holds.",
							"When it is full, the project seen longest ago is evicted from memory "
							"(its last_seen stays in swisper.project_connection).",
							&heartbeat_max_projects,
							10000, 16, 10000000,
							PGC_POSTMASTER,
							0,
							NULL, NULL, NULL);

	/* The PG15 shared-memory hooks. */
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = heartbeat_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = heartbeat_shmem_startup;
}

/*
 * Shared memory needed: the state struct and the hash table.
 */
static Size
heartbeat_shmem_size(void)
{
	return add_size(MAXALIGN(sizeof(HeartbeatSharedState)),
					hash_estimate_size(heartbeat_max_projects, sizeof(HeartbeatEntry)));
}

/*
 * shmem_request_hook: reserve the memory and the LWLock tranche.
 */
static void
heartbeat_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();

	RequestAddinShmemSpace(heartbeat_shmem_size());
	RequestNamedLWLockTranche(HEARTBEAT_TRANCHE_NAME, 1);
}

/*
 * shmem_startup_hook: create or attach to the state and the hash table.
 * After a crash the postmaster runs it again on fresh memory, so the
 * registry starts empty; the worker then relies on the status table.
 */
static void
heartbeat_shmem_startup(void)
{
	bool		found;
	HASHCTL		info;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	heartbeat_state = NULL;
	heartbeat_registry = NULL;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);

	heartbeat_state = ShmemInitStruct("swisper_heartbeat state",
									  sizeof(HeartbeatSharedState), &found);
	if (!found)
	{
		memset(heartbeat_state, 0, sizeof(HeartbeatSharedState));
		heartbeat_state->lock = &(GetNamedLWLockTranche(HEARTBEAT_TRANCHE_NAME))->lock;
		SpinLockInit(&heartbeat_state->mutex);
		pg_atomic_init_u64(&heartbeat_state->validated_generation, 0);
		pg_atomic_init_u64(&heartbeat_state->validated_until, 0);
	}

	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(HeartbeatKey);
	info.entrysize = sizeof(HeartbeatEntry);
	heartbeat_registry = ShmemInitHash("swisper_heartbeat registry",
									   heartbeat_max_projects, heartbeat_max_projects,
									   &info,
									   HASH_ELEM | HASH_BLOBS | HASH_FIXED_SIZE);

	LWLockRelease(AddinShmemInitLock);
}

/*
 * Whether this process has the shared registry (the library was preloaded).
 */
bool
heartbeat_registry_attached(void)
{
	return heartbeat_state != NULL && heartbeat_registry != NULL;
}

/*
 * Whether heartbeats of this database go to the registry: the library is
 * preloaded and this is the database the worker serves (swisper.database),
 * the only one whose registry entries are persisted.  Elsewhere the table
 * fallback applies.  Decided once per backend.
 */
bool
heartbeat_registry_serves_database(void)
{
	static int	serves = -1;

	if (serves < 0)
	{
		char	   *dbname = get_database_name(MyDatabaseId);

		serves = (heartbeat_registry_attached() && heartbeat_database != NULL &&
				  dbname != NULL && strcmp(dbname, heartbeat_database) == 0) ? 1 : 0;
	}
	return serves == 1;
}

/*
 * Copy src into a HEARTBEAT_META_LEN buffer, cut at a character boundary.
 */
static void
clip_copy(char *dst, const char *src)
{
	int			len = strlen(src);

	if (len >= HEARTBEAT_META_LEN)
		len = pg_mbcliplen(src, len, HEARTBEAT_META_LEN - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/*
 * heartbeat_record: see heartbeat.h.
 *
 * seen_at later than the current time is taken as the current time, so a
 * client whose clock runs ahead cannot keep a project connected.  An older
 * seen_at than the one recorded does not move last_seen back.
 */
void
heartbeat_record(const char *project_id, TimestampTz seen_at, const char *environment,
				 const char *app_version, const char *sdk_version, bool is_heartbeat)
{
	HeartbeatKey key;
	HeartbeatEntry *entry;
	TimestampTz now = GetCurrentTimestamp();
	bool		found;
	bool		full = false;

	if (seen_at > now)
		seen_at = now;

	if (!heartbeat_registry_serves_database())
	{
		heartbeat_record_in_table(project_id, seen_at, environment, app_version,
								  sdk_version, is_heartbeat);
		return;
	}

	if (strlen(project_id) >= HEARTBEAT_PROJECT_ID_LEN)
	{
		if (!long_id_warned)
			ereport(WARNING,
					(errmsg("project id \"%.32s...\" is too long for the heartbeat registry", project_id),
					 errdetail("Ids of %d bytes or more are recorded in table swisper.%s instead, one row update per call.",
							   HEARTBEAT_PROJECT_ID_LEN, HEARTBEAT_STATUS_TABLE)));
		long_id_warned = true;
		heartbeat_record_in_table(project_id, seen_at, environment, app_version,
								  sdk_version, is_heartbeat);
		return;
	}

	memset(&key, 0, sizeof(key));
	key.database = MyDatabaseId;
	strlcpy(key.project_id, project_id, sizeof(key.project_id));

	/* The common case: the project is known, a shared lock is enough. */
	LWLockAcquire(heartbeat_state->lock, LW_SHARED);
	entry = hash_search(heartbeat_registry, &key, HASH_FIND, NULL);
	if (entry)
	{
		heartbeat_update_entry(entry, seen_at, environment, app_version, sdk_version,
							   is_heartbeat);
		LWLockRelease(heartbeat_state->lock);
		return;
	}
	LWLockRelease(heartbeat_state->lock);

	/*
	 * A new project: add it.  When the registry is full, evict the persisted
	 * entry seen longest ago; when every entry still waits for the worker,
	 * write this sighting to the table instead.  Never drop it.
	 */
	LWLockAcquire(heartbeat_state->lock, LW_EXCLUSIVE);
	entry = hash_search(heartbeat_registry, &key, HASH_FIND, NULL);
	if (entry == NULL && hash_get_num_entries(heartbeat_registry) >= heartbeat_max_projects)
	{
		full = true;
		if (heartbeat_evict_persisted())
			entry = hash_search(heartbeat_registry, &key, HASH_ENTER_NULL, &found);
	}
	else if (entry == NULL)
		entry = hash_search(heartbeat_registry, &key, HASH_ENTER_NULL, &found);
	else
		found = true;

	if (entry != NULL)
	{
		if (!found)
		{
			SpinLockInit(&entry->mutex);
			entry->last_seen = 0;
			entry->last_heartbeat = 0;
			entry->connected_since = 0;
			entry->persisted_seen = 0;
			entry->validated_generation = 0;
			entry->environment[0] = '\0';
			entry->app_version[0] = '\0';
			entry->sdk_version[0] = '\0';
		}
		heartbeat_update_entry(entry, seen_at, environment, app_version, sdk_version,
							   is_heartbeat);
	}
	LWLockRelease(heartbeat_state->lock);

	if (full)
		heartbeat_warn_full_once();
	if (entry == NULL)
		heartbeat_record_in_table(project_id, seen_at, environment, app_version,
								  sdk_version, is_heartbeat);
}

/*
 * Update one entry under its spinlock.  The caller holds the registry lock
 * (shared or exclusive), so the entry cannot be evicted meanwhile.
 */
static void
heartbeat_update_entry(HeartbeatEntry *entry, TimestampTz seen_at,
					   const char *environment, const char *app_version,
					   const char *sdk_version, bool is_heartbeat)
{
	char		env[HEARTBEAT_META_LEN];
	char		app[HEARTBEAT_META_LEN];
	char		sdk[HEARTBEAT_META_LEN];
	int64		stale_us = (int64) heartbeat_stale_after_ms * 1000;

	/* Clip outside the spinlock. */
	if (environment)
		clip_copy(env, environment);
	if (app_version)
		clip_copy(app, app_version);
	if (sdk_version)
		clip_copy(sdk, sdk_version);

	SpinLockAcquire(&entry->mutex);
	if (entry->last_seen == 0 || seen_at - entry->last_seen >= stale_us)
		entry->connected_since = seen_at;
	if (seen_at > entry->last_seen)
		entry->last_seen = seen_at;

	/*
	 * The details come with heartbeats; those of the latest heartbeat win, so
	 * that a late or re-delivered one does not bring back older versions.
	 */
	if (is_heartbeat && seen_at >= entry->last_heartbeat)
	{
		entry->last_heartbeat = seen_at;
		if (environment)
			memcpy(entry->environment, env, HEARTBEAT_META_LEN);
		if (app_version)
			memcpy(entry->app_version, app, HEARTBEAT_META_LEN);
		if (sdk_version)
			memcpy(entry->sdk_version, sdk, HEARTBEAT_META_LEN);
	}
	SpinLockRelease(&entry->mutex);
}

/*
 * Warn, once per server start, that the registry is full.
 */
static void
heartbeat_warn_full_once(void)
{
	bool		warn;

	SpinLockAcquire(&heartbeat_state->mutex);
	warn = !heartbeat_state->full_warned;
	heartbeat_state->full_warned = true;
	SpinLockRelease(&heartbeat_state->mutex);

	if (warn)
		ereport(WARNING,
				(errmsg("heartbeat registry is full (swisper.max_projects = %d)", heartbeat_max_projects),
				 errdetail("Projects whose last sighting the worker has persisted are evicted from memory; "
						   "when there is none, heartbeats are written to table swisper.%s, one row update per call.",
						   HEARTBEAT_STATUS_TABLE),
				 errhint("Raise swisper.max_projects and restart the server.")));
}

/*
 * Evict, among the entries whose last_seen the worker has already persisted
 * (so nothing is lost), the one seen longest ago.  The caller holds the lock
 * exclusively.  Returns false when no entry is persisted.
 */
static bool
heartbeat_evict_persisted(void)
{
	HASH_SEQ_STATUS scan;
	HeartbeatEntry *entry;
	HeartbeatEntry *oldest = NULL;

	hash_seq_init(&scan, heartbeat_registry);
	while ((entry = hash_seq_search(&scan)) != NULL)
	{
		/* No spinlock needed: no one updates entries while we hold the lock exclusively. */
		if (entry->last_seen > entry->persisted_seen)
			continue;
		if (oldest == NULL || entry->last_seen < oldest->last_seen)
			oldest = entry;
	}
	if (oldest == NULL)
		return false;

	hash_search(heartbeat_registry, &oldest->key, HASH_REMOVE, NULL);

	SpinLockAcquire(&heartbeat_state->mutex);
	heartbeat_state->evictions++;
	SpinLockRelease(&heartbeat_state->mutex);
	return true;
}

/*
 * After a committed tick: the worker persisted the last_seen of these
 * entries (a copy taken at the start of the tick), so they may be evicted
 * without loss; and the projects marked validated existed and were not
 * soft-deleted, so heartbeat() may skip its check for them until trusted_for
 * microseconds from now (see heartbeat_record_validated): the worker says
 * how long, from its interval, so that a stalled worker stops it.
 */
void
heartbeat_registry_mark_tick(Oid database, HeartbeatSnapshot *snap, int count,
							 int64 trusted_for)
{
	HeartbeatKey key;
	uint64		generation;
	int			i;

	if (!heartbeat_registry_attached())
		return;
	generation = pg_atomic_read_u64(&heartbeat_state->validated_generation) + 1;
	memset(&key, 0, sizeof(key));
	key.database = database;
	LWLockAcquire(heartbeat_state->lock, LW_SHARED);
	for (i = 0; i < count; i++)
	{
		HeartbeatEntry *entry;

		memcpy(key.project_id, snap[i].project_id, HEARTBEAT_PROJECT_ID_LEN);
		entry = hash_search(heartbeat_registry, &key, HASH_FIND, NULL);
		if (entry == NULL)
			continue;
		SpinLockAcquire(&entry->mutex);
		if (snap[i].last_seen > entry->persisted_seen)
			entry->persisted_seen = snap[i].last_seen;
		if (snap[i].validated)
			entry->validated_generation = generation;
		SpinLockRelease(&entry->mutex);
	}
	LWLockRelease(heartbeat_state->lock);

	pg_atomic_write_u64(&heartbeat_state->validated_until,
						(uint64) (GetCurrentTimestamp() + trusted_for));
	pg_atomic_write_u64(&heartbeat_state->validated_generation, generation);
}

/*
 * The fast path of swisper.heartbeat(): when the project is in the registry
 * and the worker's latest tick found it valid, record the heartbeat there and
 * return true; otherwise return false and record nothing (the caller checks
 * the project and calls heartbeat_record).
 *
 * So a project soft-deleted less than one tick ago may still be accepted, the
 * same kind of race as a heartbeat concurrent with the deleting transaction,
 * widened to at most one swisper.check_interval.
 */
static bool
heartbeat_record_validated(const char *project_id, TimestampTz seen_at, const char *environment,
						   const char *app_version, const char *sdk_version)
{
	HeartbeatKey key;
	HeartbeatEntry *entry;
	uint64		generation;
	bool		valid = false;

	if (!heartbeat_registry_serves_database() ||
		strlen(project_id) >= HEARTBEAT_PROJECT_ID_LEN)
		return false;
	generation = pg_atomic_read_u64(&heartbeat_state->validated_generation);
	if (generation == 0 ||
		seen_at > (TimestampTz) pg_atomic_read_u64(&heartbeat_state->validated_until))
		return false;

	memset(&key, 0, sizeof(key));
	key.database = MyDatabaseId;
	strlcpy(key.project_id, project_id, sizeof(key.project_id));

	LWLockAcquire(heartbeat_state->lock, LW_SHARED);
	entry = hash_search(heartbeat_registry, &key, HASH_FIND, NULL);
	if (entry)
	{
		SpinLockAcquire(&entry->mutex);
		valid = (entry->validated_generation == generation);
		SpinLockRelease(&entry->mutex);
		if (valid)
			heartbeat_update_entry(entry, seen_at, environment, app_version, sdk_version, true);
	}
	LWLockRelease(heartbeat_state->lock);
	return valid;
}

/*
 * The OID of swisper.project_connection (into *relid) and its owner, or
 * InvalidOid for both when the extension's table does not exist.
 */
Oid
heartbeat_status_table_owner(Oid *relid)
{
	Oid			nsp = get_namespace_oid(SWISPER_SCHEMA_NAME, true);

	*relid = OidIsValid(nsp) ? get_relname_relid(HEARTBEAT_STATUS_TABLE, nsp) : InvalidOid;
	return OidIsValid(*relid) ? platform_rel_owner(*relid) : InvalidOid;
}

/*
 * The table fallback: upsert the sighting into swisper.project_connection.
 * The status column of a new row stays NULL until the worker publishes it;
 * the view classifies from last_seen, so it is right either way.
 *
 * The statement runs as the table's owner under the caller's search_path,
 * so every operator and function in it is schema-qualified: an operator
 * named "-" or ">=" in a schema the caller puts before pg_catalog would
 * otherwise run with the owner's privileges.
 */
static void
heartbeat_record_in_table(const char *project_id, TimestampTz seen_at, const char *environment,
						  const char *app_version, const char *sdk_version, bool is_heartbeat)
{
	/* the details of the latest heartbeat win, whatever the arrival order */
#define LATEST_HEARTBEAT "c.last_heartbeat IS NULL OR " \
		"excluded.last_heartbeat OPERATOR(pg_catalog.>=) c.last_heartbeat"
	static const char *sql =
		"INSERT INTO " SWISPER_SCHEMA_NAME "." HEARTBEAT_STATUS_TABLE " AS c "
		"(project_id, status, last_seen, last_heartbeat, connected_since, "
		" environment, app_version, sdk_version, updated_at) "
		"VALUES ($1, NULL, $2, CASE WHEN $6 THEN $2 END, $2, $3, $4, $5, pg_catalog.now()) "
		"ON CONFLICT (project_id) DO UPDATE SET "
		" connected_since = CASE WHEN c.last_seen IS NULL OR "
		"   (excluded.last_seen OPERATOR(pg_catalog.-) c.last_seen) OPERATOR(pg_catalog.>=) $7 "
		"                   THEN excluded.last_seen ELSE c.connected_since END, "
		" last_seen = GREATEST(c.last_seen, excluded.last_seen), "
		" last_heartbeat = GREATEST(c.last_heartbeat, excluded.last_heartbeat), "
		" environment = CASE WHEN " LATEST_HEARTBEAT " THEN COALESCE(excluded.environment, c.environment) ELSE c.environment END, "
		" app_version = CASE WHEN " LATEST_HEARTBEAT " THEN COALESCE(excluded.app_version, c.app_version) ELSE c.app_version END, "
		" sdk_version = CASE WHEN " LATEST_HEARTBEAT " THEN COALESCE(excluded.sdk_version, c.sdk_version) ELSE c.sdk_version END, "
		" updated_at = excluded.updated_at";
	Oid			argtypes[7] = {TEXTOID, TIMESTAMPTZOID, TEXTOID, TEXTOID, TEXTOID, BOOLOID, INTERVALOID};
	Datum		values[7];
	char		nulls[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};
	Interval   *stale = palloc0(sizeof(Interval));
	char		env[HEARTBEAT_META_LEN];
	char		app[HEARTBEAT_META_LEN];
	char		sdk[HEARTBEAT_META_LEN];
	Oid			relid;
	Oid			owner;
	Oid			save_userid;
	int			save_sec_context;
	int			ret;

	owner = heartbeat_status_table_owner(&relid);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table %s.%s does not exist", SWISPER_SCHEMA_NAME, HEARTBEAT_STATUS_TABLE),
				 errhint("Run CREATE EXTENSION swisper_ext in this database.")));

	/* The same 63-byte limit as the registry, whichever path a sighting takes. */
	if (environment)
	{
		clip_copy(env, environment);
		environment = env;
	}
	if (app_version)
	{
		clip_copy(app, app_version);
		app_version = app;
	}
	if (sdk_version)
	{
		clip_copy(sdk, sdk_version);
		sdk_version = sdk;
	}

	stale->time = (int64) heartbeat_stale_after_ms * 1000;
	values[0] = CStringGetTextDatum(project_id);
	values[1] = TimestampTzGetDatum(seen_at);
	values[2] = environment ? CStringGetTextDatum(environment) : (Datum) 0;
	nulls[2] = environment ? ' ' : 'n';
	values[3] = app_version ? CStringGetTextDatum(app_version) : (Datum) 0;
	nulls[3] = app_version ? ' ' : 'n';
	values[4] = sdk_version ? CStringGetTextDatum(sdk_version) : (Datum) 0;
	nulls[4] = sdk_version ? ' ' : 'n';
	values[5] = BoolGetDatum(is_heartbeat);
	values[6] = IntervalPGetDatum(stale);

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_NOFORCE_RLS);
	SPI_connect();
	ret = SPI_execute_with_args(sql, 7, argtypes, values, nulls, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(ret));
	SPI_finish();
	SetUserIdAndSecContext(save_userid, save_sec_context);

	if (heartbeat_registry_attached())
	{
		SpinLockAcquire(&heartbeat_state->mutex);
		heartbeat_state->fallback_writes++;
		SpinLockRelease(&heartbeat_state->mutex);
	}
}

/*
 * Raise no_data_found (P0002) unless project_id names a project of the
 * observability schema that is not soft-deleted.  The look-up runs as the
 * owner of projects (platform.c), so callers need no privileges on it.
 */
static void
heartbeat_check_project(const char *project_id)
{
	PlatformTable *projects = platform_table(PLATFORM_PROJECTS, AccessShareLock, NULL);
	char	   *id = (char *) project_id;
	bool		found;
	bool		deleted;

	platform_projects_lookup(projects, &id, 1, false, &found, &deleted);
	if (!found || deleted)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("project \"%s\" does not exist", project_id),
				 errdetail("There is no project with this id in %s.projects, or it was deleted.",
						   projects->schema)));
}

/*
 * Add a string pair to a jsonb object under construction.
 */
static void
jsonb_put_string(JsonbParseState **state, const char *key, const char *value)
{
	JsonbValue	k;
	JsonbValue	v;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	v.type = jbvString;
	v.val.string.val = (char *) value;
	v.val.string.len = strlen(value);
	pushJsonbValue(state, WJB_KEY, &k);
	pushJsonbValue(state, WJB_VALUE, &v);
}

/*
 * swisper.heartbeat(project_id text, environment text, app_version text,
 *					 sdk_version text) RETURNS jsonb
 *
 * Refused on a hot standby (read_only_sql_transaction, 25006).  Checks that
 * the project exists and is not deleted (else no_data_found, P0002),
 * records the sighting at the current time and answers
 * {"status": "ok", "project_id": ..., "message": "Heartbeat received"}.
 */
Datum
swisper_heartbeat(PG_FUNCTION_ARGS)
{
	char	   *project_id;
	char	   *environment = NULL;
	char	   *app_version = NULL;
	char	   *sdk_version = NULL;
	JsonbParseState *state = NULL;
	JsonbValue *result;
	TimestampTz seen_at;

	/*
	 * A standby's registry is its own shared memory: the primary never reads
	 * it, and after a promotion the worker would publish what it holds as a
	 * sighting made before the promotion.  Refused as PostgreSQL refuses
	 * writes during recovery (ingestion fails the same way, on its row lock).
	 */
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot execute swisper.heartbeat() during recovery"),
				 errdetail("This server is a hot standby: a heartbeat recorded here would never reach the primary server."),
				 errhint("Send heartbeats to the primary server.")));

	/* The worker that would persist the sighting idles on an older version. */
	catalog_version_require();
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("project_id must not be null")));
	project_id = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (!PG_ARGISNULL(1))
		environment = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (!PG_ARGISNULL(2))
		app_version = text_to_cstring(PG_GETARG_TEXT_PP(2));
	if (!PG_ARGISNULL(3))
		sdk_version = text_to_cstring(PG_GETARG_TEXT_PP(3));

	seen_at = GetCurrentTimestamp();
	if (!heartbeat_record_validated(project_id, seen_at, environment, app_version, sdk_version))
	{
		heartbeat_check_project(project_id);
		heartbeat_record(project_id, seen_at, environment, app_version, sdk_version, true);
	}

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	jsonb_put_string(&state, "status", "ok");
	jsonb_put_string(&state, "project_id", project_id);
	jsonb_put_string(&state, "message", "Heartbeat received");
	result = pushJsonbValue(&state, WJB_END_OBJECT, NULL);

	PG_RETURN_JSONB_P(JsonbValueToJsonb(result));
}

/*
 * The status of a project at now: disabled when tracing is off, never_seen
 * without a sighting, else connected / stale / disconnected by the age of
 * the last sighting against swisper.stale_after and swisper.disconnect_after.
 */
HeartbeatStatus
heartbeat_classify(bool tracing_enabled, bool has_last_seen, TimestampTz last_seen,
				   TimestampTz now)
{
	int64		stale_us = (int64) heartbeat_stale_after_ms * 1000;
	int64		disconnect_us = Max((int64) heartbeat_disconnect_after_ms * 1000, stale_us);
	int64		age;

	if (!tracing_enabled)
		return HEARTBEAT_DISABLED;
	if (!has_last_seen)
		return HEARTBEAT_NEVER_SEEN;
	age = now - last_seen;
	if (age < stale_us)
		return HEARTBEAT_CONNECTED;
	if (age < disconnect_us)
		return HEARTBEAT_STALE;
	return HEARTBEAT_DISCONNECTED;
}

/*
 * The SQL name of a status.
 */
const char *
heartbeat_status_name(HeartbeatStatus status)
{
	Assert(status >= 0 && status < HEARTBEAT_NUM_STATUSES);
	return heartbeat_status_names[status];
}

/*
 * swisper.connection_status(tracing_enabled boolean, last_seen timestamptz)
 * RETURNS text: heartbeat_classify() at the transaction's start time, for
 * the view.  A NULL tracing_enabled counts as enabled (the column's default).
 */
Datum
swisper_connection_status(PG_FUNCTION_ARGS)
{
	bool		tracing_enabled = PG_ARGISNULL(0) ? true : PG_GETARG_BOOL(0);
	bool		has_last_seen = !PG_ARGISNULL(1);
	TimestampTz last_seen = has_last_seen ? PG_GETARG_TIMESTAMPTZ(1) : 0;
	HeartbeatStatus status;

	status = heartbeat_classify(tracing_enabled, has_last_seen, last_seen,
								GetCurrentTransactionStartTimestamp());
	PG_RETURN_TEXT_P(cstring_to_text(heartbeat_status_name(status)));
}

/*
 * A palloc'd copy of the registry entries of one database, for the worker.
 * Entries are copied under the shared lock and their spinlocks, so no lock
 * is held while the caller works with them.
 */
HeartbeatSnapshot *
heartbeat_registry_snapshot(Oid database, int *count)
{
	HASH_SEQ_STATUS scan;
	HeartbeatEntry *entry;
	HeartbeatSnapshot *snap;
	int			n = 0;
	int			max;

	*count = 0;
	if (!heartbeat_registry_attached())
		return NULL;

	LWLockAcquire(heartbeat_state->lock, LW_SHARED);
	max = hash_get_num_entries(heartbeat_registry);
	snap = palloc(sizeof(HeartbeatSnapshot) * Max(max, 1));
	hash_seq_init(&scan, heartbeat_registry);
	while ((entry = hash_seq_search(&scan)) != NULL)
	{
		HeartbeatSnapshot *s;

		if (entry->key.database != database || n >= max)
			continue;
		s = &snap[n++];
		memcpy(s->project_id, entry->key.project_id, HEARTBEAT_PROJECT_ID_LEN);
		SpinLockAcquire(&entry->mutex);
		s->last_seen = entry->last_seen;
		s->last_heartbeat = entry->last_heartbeat;
		s->connected_since = entry->connected_since;
		memcpy(s->environment, entry->environment, HEARTBEAT_META_LEN);
		memcpy(s->app_version, entry->app_version, HEARTBEAT_META_LEN);
		memcpy(s->sdk_version, entry->sdk_version, HEARTBEAT_META_LEN);
		SpinLockRelease(&entry->mutex);
	}
	LWLockRelease(heartbeat_state->lock);

	*count = n;
	return snap;
}

/*
 * swisper.heartbeat_registry_forget(): drop this database's registry entries.
 *
 * The install script calls it.  The registry outlives DROP EXTENSION (it is
 * shared memory), but the sightings it holds belong to the extension that
 * was dropped: its status table went with it.  A new extension starts with
 * no sightings, as its new, empty status table says.  Returns the number of
 * entries removed.  Without the preloaded library there is nothing to do.
 */
PG_FUNCTION_INFO_V1(swisper_heartbeat_registry_forget);
Datum
swisper_heartbeat_registry_forget(PG_FUNCTION_ARGS)
{
	HASH_SEQ_STATUS scan;
	HeartbeatEntry *entry;
	int64		removed = 0;

	if (!heartbeat_registry_attached())
		PG_RETURN_INT64(0);

	LWLockAcquire(heartbeat_state->lock, LW_EXCLUSIVE);
	hash_seq_init(&scan, heartbeat_registry);
	while ((entry = hash_seq_search(&scan)) != NULL)
	{
		/* dynahash allows removing the entry just returned by the scan */
		if (entry->key.database == MyDatabaseId &&
			hash_search(heartbeat_registry, &entry->key, HASH_REMOVE, NULL) != NULL)
			removed++;
	}
	LWLockRelease(heartbeat_state->lock);
	PG_RETURN_INT64(removed);
}

/*
 * Registry usage, for health().
 */
void
heartbeat_registry_usage(int64 *entries, int64 *capacity, int64 *evictions,
						 int64 *fallback_writes)
{
	*entries = *capacity = *evictions = *fallback_writes = 0;
	if (!heartbeat_registry_attached())
		return;
	LWLockAcquire(heartbeat_state->lock, LW_SHARED);
	*entries = hash_get_num_entries(heartbeat_registry);
	LWLockRelease(heartbeat_state->lock);
	*capacity = heartbeat_max_projects;
	SpinLockAcquire(&heartbeat_state->mutex);
	*evictions = heartbeat_state->evictions;
	*fallback_writes = heartbeat_state->fallback_writes;
	SpinLockRelease(&heartbeat_state->mutex);
}
