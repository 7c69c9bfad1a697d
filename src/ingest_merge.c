/*-------------------------------------------------------------------------
 *
 * ingest_merge.c
 *	  The one merge routine behind ingest_batch() and the single-event
 *	  functions: given parsed, validated events it checks their projects,
 *	  recognises duplicates, locks the entities they touch, merges them into
 *	  the stored rows so that the result does not depend on arrival order,
 *	  and writes every table with one statement per batch (and one per row
 *	  that moves to another partition).
 *
 * Merge rules.  Every field of a stored row remembers a stamp of the value
 * it holds: (class, event timestamp, tie-break), packed into two int64 and
 * kept in swisper.ingest_merge_state.  "First wins" fields (id, project,
 * trace id, start time / trace timestamp) keep the value with the lowest
 * stamp: an explicit value before one derived from an event timestamp
 * before a placeholder's, then the earliest event, then the lowest
 * tie-break.  The other fields keep the value with the highest stamp:
 * error events beat end events beat start/create/update events beat
 * column defaults, then the latest event, then the highest tie-break.
 * The tie-break is a 64-bit hash of the event id.  Since a stamp is a
 * total order and a field takes the extreme, merging is commutative,
 * associative and idempotent: any arrival order, any duplication, gives
 * the rows that in-order delivery gives.
 *
 * Duplicates.  The state row of an entity also lists the 64-bit hashes of
 * the event ids applied to it, so an event delivered again is recognised
 * (status 200, "duplicate") without a global ledger: the list grows only
 * with the entity's own events and goes away with it (ingest_prune()).
 *
 * Concurrency.  Every entity (and the placeholder trace an observation
 * implies) is locked with a transaction-level advisory lock on a 64-bit
 * hash of its key, acquired in hash order, before its row and state are
 * read: two batches touching the same entity serialize, and cannot
 * deadlock on one another.  A call with more than INGEST_MAX_ENTITY_LOCKS
 * entities takes the batch lock exclusively instead, and runs alone.
 *
 * Partitioned targets.  The merge state also names the partition of each
 * row, so that the read probes one partition (read_partitioned); before
 * the writes, place_rows() routes new and changed partition keys, refuses
 * the entities whose key no partition takes or whose partition retention
 * dropped (a status per event), and finds rows stored without the merge;
 * a row whose key changed is moved by an UPDATE (move_rows).
 *
 * Distributed targets (Citus).  The coordinator's table is a shell: the
 * stored rows are read with one query per table (read_distributed, through
 * ingest_citus.c), the writes are the same upserts (of a few rows: from a
 * VALUES list), which Citus routes to the shards.  A row of a table
 * distributed by another column than id needs that column (observations
 * by trace_id): an entity that does not know it yet, or whose stored row
 * has another, is refused with 409 (place_distributed).  The merge state
 * stays on the coordinator (see ingest_citus.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "heartbeat.h"
#include "ingest.h"
#include "platform.h"

/*
 * locktag_field4 of our advisory locks (user advisory locks use 1 and 2):
 * entity locks, and the one batch lock.
 */
#define INGEST_LOCK_FIELD4			0x5357
#define INGEST_BATCH_LOCK_FIELD4	0x5358

/* A call with more entities runs alone (see ingest_apply). */
#define INGEST_MAX_ENTITY_LOCKS		1000

#define TS_BIAS		(INT64CONST(1) << 54)
#define TS_MASK		((INT64CONST(1) << 56) - 1)

/*
 * The stamp of a value the merge derives (total tokens, computed costs):
 * below the stamp of every event's value, even of estimates and defaults
 * (class 0), and above "never set".
 */
#define DERIVED_HI	INT64CONST(0)
#define DERIVED_LO	PG_INT64_MIN

/*
 * The format of a merge state: the id's stamp is never compared (ids are
 * set once), so its second word says how many fields the state has, under
 * a tag.  States written before the tag have TF_COUNT / OF_COUNT_V1.
 */
#define STATE_TAG		INT64CONST(0x5357000000000000)
#define STATE_TAG_MASK	INT64CONST(0x7FFF000000000000)
#define STATE_NFIELDS_MASK	INT64CONST(0xFFFF)

/* One entity (a trace or an observation) touched by the batch. */
typedef struct Entity
{
	IngestKind	kind;
	const char *key;
	uint64		lockhash;
	Datum		id;
	bool		existed;		/* its row existed before this call */
	bool		dirty;			/* its row must be written */
	bool		state_dirty;	/* its merge state must be written */
	bool		has_state_row;	/* a state row exists, at state_tid */
	ItemPointerData state_tid;
	uint32		known;			/* bit per field: values[f] holds the stored value */
	uint32		changed;		/* bit per field: an event of this call set it */
	const char *project;		/* the project its events name */
	struct Entity *trace;		/* an observation's trace, when its events name it */
	int			nseen;			/* hashes of the event ids applied to it */
	int			nstored;		/* the first nstored came from the state, sorted */
	int			maxseen;
	uint64	   *seen;
	int			first_event;	/* input index of its first real event, or -1 */
	/* a partitioned table's row: see place_rows() */
	Oid			part;			/* the partition that holds (or will hold) it */
	bool		gone;			/* the state knew a row whose partition is gone */
	bool		adopted;		/* a row stored without the merge, found late */
	int			refused;		/* a status: the row cannot be written */
	char	   *refusal;
	Datum		oldkey;			/* the stored row's partition key */
	bool		oldkey_null;
	Datum		values[INGEST_MAX_FIELDS];
	bool		nulls[INGEST_MAX_FIELDS];
	int64		hi[INGEST_MAX_FIELDS];
	int64		lo[INGEST_MAX_FIELDS];
} Entity;

/* What an entity is made from, before deduplication. */
typedef struct EntitySeed
{
	IngestKind	kind;
	const char *key;
	Datum		id;
} EntitySeed;

/*
 * Is field f of kind a "first wins" field?
 */
static inline bool
first_wins(IngestKind kind, int f)
{
	return ingest_first_wins(kind, f);
}

static inline int64
stamp_hi(int cls, TimestampTz ts)
{
	/* 56 bits hold years 1429 to 3713; clamp the rest so order is kept */
	ts = Max(ts, -TS_BIAS);
	ts = Min(ts, TS_MASK - TS_BIAS);
	return ((int64) cls << 56) | (ts + TS_BIAS);
}

static int
cmp_uint64(const void *a, const void *b)
{
	uint64		x = *(const uint64 *) a;
	uint64		y = *(const uint64 *) b;

	return (x > y) - (x < y);
}

static int
cmp_seed_key(const void *a, const void *b)
{
	return strcmp(((const EntitySeed *) a)->key, ((const EntitySeed *) b)->key);
}

static int
cmp_entity_lock(const void *a, const void *b)
{
	const Entity *x = *(const Entity *const *) a;
	const Entity *y = *(const Entity *const *) b;

	if (x->lockhash != y->lockhash)
		return x->lockhash < y->lockhash ? -1 : 1;
	return strcmp(x->key, y->key);
}

static int
cmp_event_id(const void *a, const void *b)
{
	const IngestEvent *x = *(const IngestEvent *const *) a;
	const IngestEvent *y = *(const IngestEvent *const *) b;
	int			c = strcmp(x->event_id, y->event_id);

	if (c != 0)
		return c;
	return x->idx - y->idx;
}

/*
 * Find an entity by key in the key-sorted array.
 */
static Entity *
find_entity(Entity *ents, int nents, const char *key)
{
	int			lo = 0,
				hi = nents - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			c = strcmp(key, ents[mid].key);

		if (c == 0)
			return &ents[mid];
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * Is the event still on its way to being applied?
 */
static inline bool
pending(IngestEvent *ev)
{
	return ev->status == 0 && ev->action != IA_NONE;
}

/*
 * Mark events of unknown or soft-deleted projects 404, with one look-up.
 *
 * The look-up locks the projects FOR KEY SHARE: a project found here cannot
 * be deleted before this transaction ends, so the traces written below
 * never fail their foreign key (which would lose the whole batch); a soft
 * delete, an UPDATE of non-key columns, does not wait for it.
 */
static void
check_projects(IngestTarget *t, IngestEvent *events, int n)
{
	char	  **names = palloc(sizeof(char *) * (n + 1));
	bool	   *found;
	bool	   *deleted;
	int			nids = 0;
	int			i;

	for (i = 0; i < n; i++)
		if (pending(&events[i]) && events[i].action != IA_IGNORE)
			names[nids++] = events[i].project_id;
	if (nids == 0)
		return;
	qsort(names, nids, sizeof(char *), platform_cmp_cstring);
	{
		int			nuniq = 0;

		for (i = 0; i < nids; i++)
			if (nuniq == 0 || strcmp(names[i], names[nuniq - 1]) != 0)
				names[nuniq++] = names[i];
		nids = nuniq;
	}
	found = palloc(sizeof(bool) * nids);
	deleted = palloc(sizeof(bool) * nids);
	platform_projects_lookup(t->projects, names, nids, true, found, deleted);

	for (i = 0; i < n; i++)
	{
		IngestEvent *ev = &events[i];
		char	  **hit;
		int			k;

		if (!pending(ev) || ev->action == IA_IGNORE)
			continue;
		hit = bsearch(&ev->project_id, names, nids, sizeof(char *), platform_cmp_cstring);
		Assert(hit != NULL);
		k = hit - names;
		if (!found[k])
		{
			ev->status = 404;
			ev->message = psprintf("project_id: unknown project %s",
								   ingest_quote(ev->project_id, strlen(ev->project_id)));
		}
		else if (deleted[k])
		{
			ev->status = 404;
			ev->message = psprintf("project_id: project %s is deleted",
								   ingest_quote(ev->project_id, strlen(ev->project_id)));
		}
	}
}

/*
 * Mark repeats of an event id within the batch as duplicates (200).
 * Events applied by earlier calls are recognised by their entity's list.
 */
static void
check_batch_duplicates(IngestEvent *events, int n)
{
	IngestEvent **sorted = palloc(sizeof(IngestEvent *) * (n + 1));
	int			ns = 0;
	int			i;

	for (i = 0; i < n; i++)
		if (pending(&events[i]) && events[i].ledgered)
			sorted[ns++] = &events[i];
	qsort(sorted, ns, sizeof(IngestEvent *), cmp_event_id);
	for (i = 1; i < ns; i++)
	{
		if (strcmp(sorted[i]->event_id, sorted[i - 1]->event_id) == 0)
		{
			sorted[i]->status = 200;
			sorted[i]->repeat = true;
			sorted[i]->message = psprintf("duplicate: repeats element %d of this batch",
										  sorted[i - 1]->idx);
		}
	}
}

/*
 * Initialise an entity with no stored row.
 */
static void
init_entity(Entity *e, IngestKind kind, const char *key, Datum id)
{
	int			f;

	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->key = key;
	e->id = id;
	e->lockhash = hash_bytes_extended((const unsigned char *) key, strlen(key), 0);
	e->first_event = -1;
	for (f = 0; f < INGEST_MAX_FIELDS; f++)
	{
		e->nulls[f] = true;
		e->hi[f] = e->lo[f] = first_wins(kind, f) ? PG_INT64_MAX : PG_INT64_MIN;
	}
}

/*
 * Take over the merge state of a stored entity: the stamps of its fields and
 * the hashes of the events applied to it.  sb is NULL for a row written
 * without swisper (its values then count as first).
 */
static void
load_state(Entity *e, IngestTable *tab, bytea *sb)
{
	int			nstored = (e->kind == IK_TRACE) ? TF_COUNT : OF_COUNT_V1;
	Size		fixed;
	bool		have_stamps;
	int			i;

	/* the format tag in the id's stamp (see STATE_TAG) */
	if (sb != NULL && VARSIZE_ANY_EXHDR(sb) >= 2 * sizeof(int64))
	{
		uint64		tag;

		memcpy(&tag, VARDATA_ANY(sb) + sizeof(int64), sizeof(int64));
		tag = pg_ntoh64(tag);
		if (((int64) tag & STATE_TAG_MASK) == STATE_TAG)
			nstored = (int) ((int64) tag & STATE_NFIELDS_MASK);
	}
	fixed = sizeof(int64) * 2 * nstored;
	have_stamps = (sb != NULL && VARSIZE_ANY_EXHDR(sb) >= fixed &&
				   (VARSIZE_ANY_EXHDR(sb) - fixed) % sizeof(int64) == 0);
	if (have_stamps)
	{
		const char *p = VARDATA_ANY(sb) + fixed;

		e->nseen = (VARSIZE_ANY_EXHDR(sb) - fixed) / sizeof(int64);
		e->maxseen = e->nseen + 4;
		e->seen = palloc(sizeof(uint64) * e->maxseen);
		for (i = 0; i < e->nseen; i++)
		{
			uint64		hv;

			memcpy(&hv, p + i * sizeof(int64), sizeof(int64));
			e->seen[i] = pg_ntoh64(hv);
		}
		qsort(e->seen, e->nseen, sizeof(uint64), cmp_uint64);
		e->nstored = e->nseen;
	}
	for (i = 0; i < tab->nfields; i++)
	{
		if (have_stamps && i < nstored)
		{
			const char *p = VARDATA_ANY(sb) + i * 2 * sizeof(int64);
			uint64		hv,
						lv;

			memcpy(&hv, p, sizeof(int64));
			memcpy(&lv, p + sizeof(int64), sizeof(int64));
			e->hi[i] = (int64) pg_ntoh64(hv);
			e->lo[i] = (int64) pg_ntoh64(lv);
		}
		else if (!e->nulls[i] && first_wins(e->kind, i))
			e->hi[i] = e->lo[i] = PG_INT64_MIN; /* a row written before: it was first */
		else
			e->hi[i] = e->lo[i] = first_wins(e->kind, i) ? PG_INT64_MAX : PG_INT64_MIN;
	}
}

/*
 * Take over the values of a stored row that the merge reads (id, first-wins
 * fields, NOT NULL columns, the partition key).
 */
static void
take_row(Entity *e, IngestTable *tab, TupleTableSlot *slot)
{
	int			w;

	e->existed = true;
	for (w = 0; w < tab->nread; w++)
	{
		int			f = tab->readcols[w];
		IngestColumn *col = &tab->cols[f];
		Datum		d = slot_getattr(slot, col->attnum, &e->nulls[f]);

		/* the slot's page is released by the next probe: copy */
		e->values[f] = e->nulls[f] ? (Datum) 0 :
			datumCopy(d, col->typbyval, col->typlen);
		e->known |= (1U << f);
	}
	if (tab->partitioned || tab->key_field > 0)
	{
		e->oldkey = e->values[tab->key_field];
		e->oldkey_null = e->nulls[tab->key_field];
	}
}

/* The merge state's primary key, opened for probes. */
typedef struct StateProbe
{
	Relation	rel;
	Relation	irel;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	ScanKeyData keys[2];
	AttrNumber	part_attnum;	/* row_partition, or InvalidAttrNumber */
} StateProbe;

/*
 * The merge state of entity e: sets has_state_row and state_tid, returns
 * its stamps (a copy) or NULL, and in *part the partition it names.
 */
static bytea *
probe_state(StateProbe *sp, Entity *e, Oid *part)
{
	bytea	   *sb = NULL;

	*part = InvalidOid;
	sp->keys[1].sk_argument = CStringGetTextDatum(e->key + 2);
	index_rescan(sp->scan, sp->keys, 2, NULL, 0);
	if (index_getnext_slot(sp->scan, ForwardScanDirection, sp->slot))
	{
		bool		isnull;
		Datum		d = slot_getattr(sp->slot, 3, &isnull);

		e->has_state_row = true;
		e->state_tid = sp->slot->tts_tid;
		/* detoasting copies it out of the page */
		if (!isnull)
			sb = DatumGetByteaPCopy(d);
		if (sp->part_attnum != InvalidAttrNumber)
		{
			d = slot_getattr(sp->slot, sp->part_attnum, &isnull);
			if (!isnull)
				*part = DatumGetObjectId(d);
		}
	}
	return sb;
}

/*
 * Find the stored row of e in a partitioned table, through its merge state
 * (read first): one probe of the partition the state names.  The state
 * may not know (written before the table was partitioned), or the row may
 * have moved (an UPDATE of its key outside the ingestion, pg_partman
 * moving rows out of the default partition): then every partition is
 * probed.  An entity without a state row is taken as new here; place_rows()
 * looks for a row written without the ingestion in the one partition its
 * key goes to.
 *
 * A state whose partition is no longer one of the table's, with no row
 * anywhere, means that retention dropped or detached the partition with
 * the row: the entity is gone, and its events are refused (410), so that
 * data past retention does not come back.  A row deleted from a partition
 * that still exists is created again by its events, as in a table that is
 * not partitioned: its leftover state row is overwritten, not loaded.
 */
static void
read_partitioned(IngestProber *p, StateProbe *sp, IngestTable *tab, Entity *e)
{
	Oid			stated;
	bytea	   *sb = probe_state(sp, e, &stated);
	bool		stated_exists = OidIsValid(stated) && ingest_prober_has(p, stated);
	TupleTableSlot *slot = NULL;
	Oid			where = stated;

	if (stated_exists)
		slot = ingest_probe(p, stated, e->id);
	if (slot == NULL && e->has_state_row)
		slot = ingest_probe_all(p, e->id, stated_exists ? stated : InvalidOid, &where);
	if (slot != NULL)
	{
		take_row(e, tab, slot);
		e->part = where;
		/* the state learns where the row is */
		if (where != stated)
			e->state_dirty = true;
		load_state(e, tab, sb);
	}
	else if (OidIsValid(stated) && !stated_exists)
	{
		/* its stamps and events: a redelivered event is still a duplicate */
		e->gone = true;
		load_state(e, tab, sb);
	}
}

/*
 * Read the stored rows of a distributed table's entities of one kind with
 * one query (ingest_citus.c), then the merge state of those found.  Two
 * rows with one id (in a table distributed by another column, written
 * without the ingestion) cannot be merged into: the entity is refused.
 */
static void
read_distributed(IngestTable *tab, IngestKind kind, Entity *ents, int nents, StateProbe *sp)
{
	Datum	   *ids = palloc(sizeof(Datum) * (nents + 1));
	IngestCitusRows rows;
	TupleTableSlot *slot;
	int			nids = 0;
	uint64		r;
	int			i;

	for (i = 0; i < nents; i++)
		if (ents[i].kind == kind)
			ids[nids++] = ents[i].id;
	ingest_citus_read(tab, ids, nids, &rows);
	for (r = 0; (slot = ingest_citus_row(&rows, r)) != NULL; r++)
	{
		bool		isnull;
		Datum		id = slot_getattr(slot, tab->cols[0].attnum, &isnull);
		char	   *key = psprintf("%c:%s", kind == IK_TRACE ? 't' : 'o',
								   ingest_datum_key(&tab->cols[0], id));
		Entity	   *e = find_entity(ents, nents, key);
		Oid			stated;

		if (e == NULL)
			continue;
		if (e->existed)
		{
			e->refused = 409;
			e->refusal = psprintf("id: %s holds more than one row with this id; the ingestion merges into one",
								  get_rel_name(tab->relid));
			continue;
		}
		take_row(e, tab, slot);
		load_state(e, tab, probe_state(sp, e, &stated));
	}
	ingest_citus_end(&rows);
}

/*
 * Read the stored rows and merge state of the entities of one kind, with
 * one probe of the table's id index (and of the state's primary key) per
 * entity; in a partitioned table, the state first, then one partition's
 * index (read_partitioned).  Probing directly costs a few microseconds where
 * a query per batch paid for planning and executor start-up; the writes
 * still go through the executor, so triggers and constraints of the tables
 * apply.  The probes run as the table's owner, as a security-restricted
 * operation, like the upsert: the index's operator class may be the
 * owner's code.
 */
static void
read_existing(IngestTarget *t, IngestKind kind, Entity *ents, int nents, Snapshot snap)
{
	IngestTable *tab = &t->tables[kind];
	Relation	rel = NULL;
	Relation	irel = NULL;
	IndexScanDesc scan = NULL;
	TupleTableSlot *slot = NULL;
	ScanKeyData key;
	StateProbe	sp;
	IngestProber prober;
	PlatformSavedUser saved;
	int			i;

	for (i = 0; i < nents; i++)
		if (ents[i].kind == kind)
			break;
	if (i == nents)
		return;

	platform_become_owner(tab->owner, &saved);

	if (tab->partitioned)
		ingest_prober_begin(&prober, tab->relid, tab->id_index, tab->parts, tab->nparts, snap);
	else if (!tab->distributed)
	{
		rel = table_open(tab->relid, AccessShareLock);
		irel = index_open(tab->id_index, AccessShareLock);
		slot = table_slot_create(rel, NULL);
		scan = index_beginscan(rel, irel, snap, 1, 0);
		/* the key once per call; each probe sets only the value */
		ingest_equality_key(&key, irel, 1, (Datum) 0);
	}
	sp.rel = table_open(t->state_relid, AccessShareLock);
	sp.irel = index_open(t->state_index, AccessShareLock);
	sp.slot = table_slot_create(sp.rel, NULL);
	sp.scan = index_beginscan(sp.rel, sp.irel, snap, 2, 0);
	sp.part_attnum = t->state_part_attnum;
	ingest_equality_key(&sp.keys[0], sp.irel, 1, CharGetDatum(ents[i].key[0]));
	ingest_equality_key(&sp.keys[1], sp.irel, 2, (Datum) 0);

	if (tab->distributed)
	{
		read_distributed(tab, kind, ents, nents, &sp);
		i = nents;
	}
	for (; i < nents; i++)
	{
		Entity	   *e = &ents[i];
		Oid			stated;
		bytea	   *sb;

		if (e->kind != kind)
			continue;
		CHECK_FOR_INTERRUPTS();
		if (tab->partitioned)
		{
			read_partitioned(&prober, &sp, tab, e);
			continue;
		}
		key.sk_argument = e->id;
		index_rescan(scan, &key, 1, NULL, 0);
		if (index_getnext_slot(scan, ForwardScanDirection, slot))
			take_row(e, tab, slot);

		/*
		 * Only an entity with a row has a state that counts.  One without a
		 * row is not probed for a state row (three in four entities of a
		 * typical batch are new): the rare state row left behind by a
		 * deleted row is found when the new one is indexed (write_state).
		 */
		if (!e->existed)
			continue;
		sb = probe_state(&sp, e, &stated);
		load_state(e, tab, sb);
	}

	index_endscan(sp.scan);
	ExecDropSingleTupleTableSlot(sp.slot);
	index_close(sp.irel, NoLock);
	table_close(sp.rel, NoLock);
	if (tab->partitioned)
		ingest_prober_end(&prober);
	else if (!tab->distributed)
	{
		index_endscan(scan);
		ExecDropSingleTupleTableSlot(slot);
		index_close(irel, NoLock);
		table_close(rel, NoLock);
	}
	platform_restore_user(&saved);
}

/*
 * Merge one value into an entity's field if its stamp wins.
 */
static inline void
merge_value(Entity *e, int f, int cls, TimestampTz ts, uint64 tiebreak, Datum value)
{
	int64		hi = stamp_hi(cls, ts);
	int64		lo = (int64) tiebreak;
	bool		wins;

	if (first_wins(e->kind, f))
		wins = (hi < e->hi[f]) || (hi == e->hi[f] && lo < e->lo[f]);
	else
		wins = (hi > e->hi[f]) || (hi == e->hi[f] && lo > e->lo[f]);
	if (!wins)
		return;
	e->hi[f] = hi;
	e->lo[f] = lo;
	e->values[f] = value;
	e->nulls[f] = false;
	e->known |= (1U << f);
	e->changed |= (1U << f);
	e->dirty = true;
	e->state_dirty = true;
}

/*
 * Has the entity seen this event (by the hash of its id)?  If not,
 * remember it.
 *
 * Only the hashes stored by earlier calls need looking at, by binary
 * search: the events of this call that reach here have distinct ids
 * (check_batch_duplicates answered the repeats), so they cannot repeat one
 * another.  Scanning the whole list for every event made one call with many
 * events for one entity quadratic (200,000 events of one trace: 10 s).
 */
static bool
seen_before(Entity *e, uint64 h)
{
	if (e->nstored > 0 &&
		bsearch(&h, e->seen, e->nstored, sizeof(uint64), cmp_uint64) != NULL)
		return true;
	if (e->nseen == e->maxseen)
	{
		e->maxseen = e->maxseen ? 2 * e->maxseen : 4;
		e->seen = e->seen ? repalloc(e->seen, sizeof(uint64) * e->maxseen) :
			palloc(sizeof(uint64) * e->maxseen);
	}
	e->seen[e->nseen++] = h;
	e->state_dirty = true;
	return false;
}

/*
 * The merge state of an entity as bytea (big-endian int64 pairs).
 */
static Datum
stamps_datum(Entity *e, int nfields)
{
	Size		len = sizeof(int64) * (2 * nfields + e->nseen);
	bytea	   *b = palloc(VARHDRSZ + len);
	char	   *p = VARDATA(b);
	int			f;

	SET_VARSIZE(b, VARHDRSZ + len);
	for (f = 0; f < nfields; f++)
	{
		uint64		hv = pg_hton64((uint64) e->hi[f]);
		uint64		lv = pg_hton64((uint64) (f == 0 ? (STATE_TAG | nfields) : e->lo[f]));

		memcpy(p, &hv, sizeof(int64));
		memcpy(p + sizeof(int64), &lv, sizeof(int64));
		p += 2 * sizeof(int64);
	}
	for (f = 0; f < e->nseen; f++)
	{
		uint64		hv = pg_hton64(e->seen[f]);

		memcpy(p, &hv, sizeof(int64));
		p += sizeof(int64);
	}
	return PointerGetDatum(b);
}

/* The statements that write a table's rows (see prepare_table_plans()). */
typedef enum WriteGroup
{
	WG_UPSERT,					/* new rows, and rows whose key stays */
	WG_MOVE,					/* partitioned: rows whose key changes */
	WG_MOVE_NULL				/* partitioned: rows whose stored key is NULL */
} WriteGroup;

/*
 * Does the stored row of e keep its partition key?
 */
static bool
key_kept(IngestTable *tab, Entity *e)
{
	IngestColumn *col = &tab->cols[tab->key_field];

	if (e->oldkey_null || e->nulls[tab->key_field])
		return e->oldkey_null && e->nulls[tab->key_field];
	/* the stored value may have a short varlena header, the merged one not */
	return datum_image_eq(e->oldkey, e->values[tab->key_field], col->typbyval, col->typlen);
}

static WriteGroup
write_group(IngestTable *tab, Entity *e)
{
	if (!tab->partitioned || tab->key_field == 0 || !e->existed)
		return WG_UPSERT;
	if (e->oldkey_null)
		return WG_MOVE_NULL;
	return key_kept(tab, e) ? WG_UPSERT : WG_MOVE;
}

/*
 * The value of field f that the write of e passes: a stored value the
 * merge did not change is passed as NULL, and the statement keeps the
 * row's own (COALESCE), without reading or recompressing it.
 */
static Datum
written_value(Entity *e, int f, bool *isnull)
{
	if (!e->existed || (e->known & (1U << f)))
	{
		*isnull = e->nulls[f];
		return e->values[f];
	}
	*isnull = true;
	return (Datum) 0;
}

/*
 * upsert_rows() of a few rows of a distributed table: the same rows, in the
 * same order, passed row by row to a VALUES upsert, which Citus sends to
 * the shards without a detour (ingest_citus.c).
 */
static void
upsert_rows_distributed(IngestTable *tab, IngestKind kind, Entity **order, int nents, int nrows)
{
	Datum	   *values = palloc(sizeof(Datum) * nrows * tab->nwritten);
	char	   *nulls = palloc(sizeof(char) * nrows * tab->nwritten);
	int			k = 0;
	int			w;
	int			i;

	for (i = 0; i < nents; i++)
	{
		Entity	   *e = order[i];

		if (e->kind != kind || !e->dirty || write_group(tab, e) != WG_UPSERT)
			continue;
		CHECK_FOR_INTERRUPTS();
		for (w = 0; w < tab->nwritten; w++, k++)
		{
			bool		isnull;

			values[k] = written_value(e, tab->written[w], &isnull);
			nulls[k] = isnull ? 'n' : ' ';
		}
	}
	ingest_citus_upsert(tab, nrows, values, nulls);
	pfree(values);
	pfree(nulls);
}

/*
 * Write the dirty entities of one kind that the upsert writes, with one
 * statement (arrays of each column's type, unnested), in lock order.
 *
 * The statements run as the table's owner, as a security-restricted
 * operation (as VACUUM or CREATE INDEX do): the table's triggers, rules,
 * defaults, constraints and index expressions are its owner's code, and
 * must not run with the rights of the owner of this SECURITY DEFINER
 * function (the superuser who installed the extension).
 */
static void
upsert_rows(IngestTarget *t, IngestKind kind, Entity **order, int nents)
{
	IngestTable *tab = &t->tables[kind];
	PlatformSavedUser saved;
	Datum		args[INGEST_MAX_FIELDS];
	Datum	   *elems = palloc(sizeof(Datum) * (nents + 1));
	bool	   *nulls = palloc(sizeof(bool) * (nents + 1));
	int			nrows = 0;
	int			w;
	int			i;
	int			dims[1];
	int			lbs[1] = {1};

	for (i = 0; i < nents; i++)
		if (order[i]->kind == kind && order[i]->dirty && write_group(tab, order[i]) == WG_UPSERT)
			nrows++;
	if (nrows == 0)
		return;
	if (tab->distributed && nrows <= INGEST_CITUS_VALUES_ROWS)
	{
		upsert_rows_distributed(tab, kind, order, nents, nrows);
		return;
	}
	dims[0] = nrows;
	for (w = 0; w < tab->nwritten; w++)
	{
		int			f = tab->written[w];
		IngestColumn *col = &tab->cols[f];
		int			k = 0;

		CHECK_FOR_INTERRUPTS();
		for (i = 0; i < nents; i++)
		{
			Entity	   *e = order[i];

			if (e->kind != kind || !e->dirty || write_group(tab, e) != WG_UPSERT)
				continue;
			elems[k] = written_value(e, f, &nulls[k]);
			k++;
		}
		args[w] = PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs, col->typid,
													 col->typlen, col->typbyval, col->typalign));
	}
	platform_become_owner(tab->owner, &saved);
	if (SPI_execute_plan(tab->upsert_plan, args, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "writing %s failed", kind == IK_TRACE ? "traces" : "observations");
	platform_restore_user(&saved);
}

/*
 * Write the dirty rows of a partitioned table whose key changes, one
 * UPDATE each (see prepare_table_plans()), in lock order: they are few,
 * the rows whose key came late.
 */
static void
move_rows(IngestTarget *t, IngestKind kind, Entity **order, int nents)
{
	IngestTable *tab = &t->tables[kind];
	PlatformSavedUser saved;
	Datum		args[INGEST_MAX_FIELDS + 1];
	char		nulls[INGEST_MAX_FIELDS + 1];
	int			w;
	int			i;

	for (i = 0; i < nents; i++)
	{
		Entity	   *e = order[i];
		WriteGroup	g;
		bool		isnull;

		if (e->kind != kind || !e->dirty || (g = write_group(tab, e)) == WG_UPSERT)
			continue;
		CHECK_FOR_INTERRUPTS();
		for (w = 0; w < tab->nwritten; w++)
		{
			args[w] = written_value(e, tab->written[w], &isnull);
			nulls[w] = isnull ? 'n' : ' ';
		}
		args[w] = e->oldkey;
		nulls[w] = e->oldkey_null ? 'n' : ' ';
		platform_become_owner(tab->owner, &saved);
		if (SPI_execute_plan(tab->move_plan[g == WG_MOVE_NULL], args, nulls, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "writing %s failed", kind == IK_TRACE ? "traces" : "observations");
		platform_restore_user(&saved);
	}
}

/*
 * Write the dirty entities of one kind.
 */
static void
write_rows(IngestTarget *t, IngestKind kind, Entity **order, int nents)
{
	upsert_rows(t, kind, order, nents);
	if (t->tables[kind].partitioned)
		move_rows(t, kind, order, nents);
}

/*
 * A row stored without the merge (no state) found by place_rows() in the
 * partition where a new entity's row would go: its non-null first-wins
 * values count as first and win, its other values are kept where the
 * merge set none (as read_existing() and load_state() treat such a row
 * when they find it first).
 */
static void
adopt_row(Entity *e, IngestTable *tab, TupleTableSlot *slot, Oid part)
{
	int			w;

	for (w = 0; w < tab->nread; w++)
	{
		int			f = tab->readcols[w];
		IngestColumn *col = &tab->cols[f];
		bool		isnull;
		Datum		d = slot_getattr(slot, col->attnum, &isnull);

		if (f == tab->key_field)
		{
			e->oldkey = isnull ? (Datum) 0 : datumCopy(d, col->typbyval, col->typlen);
			e->oldkey_null = isnull;
		}
		if (isnull || (!first_wins(e->kind, f) && (e->known & (1U << f))))
			continue;
		if (first_wins(e->kind, f))
			e->hi[f] = e->lo[f] = PG_INT64_MIN;
		e->values[f] = datumCopy(d, col->typbyval, col->typlen);
		e->nulls[f] = false;
		e->known |= (1U << f);
	}
	e->existed = true;
	e->adopted = true;
	e->part = part;
}

/*
 * Refuse to write entity e: its events get the status.
 */
static void
refuse(Entity *e, int status, char *message)
{
	e->refused = status;
	e->refusal = message;
	e->dirty = false;
	e->state_dirty = false;
}

/*
 * Where the rows of one partitioned table go (see place_rows()).  Returns
 * whether an entity was refused or adopted a row.
 */
static bool
place_kind(IngestTarget *t, IngestKind kind, Entity *ents, int nents)
{
	IngestTable *tab = &t->tables[kind];
	IngestColumn *kcol = &tab->cols[tab->key_field];
	const char *relname = get_rel_name(tab->relid);
	Snapshot	snap = RegisterSnapshot(GetLatestSnapshot());
	PlatformSavedUser saved;
	IngestProber p;
	bool		changed = false;
	int			i;

	platform_become_owner(tab->owner, &saved);
	ingest_prober_begin(&p, tab->relid, tab->id_index, tab->parts, tab->nparts, snap);
	for (i = 0; i < nents; i++)
	{
		Entity	   *e = &ents[i];
		Datum		key = e->values[tab->key_field];
		bool		isnull = e->nulls[tab->key_field];
		char	   *shown;
		bool		past;
		Oid			to;
		TupleTableSlot *slot;

		if (e->kind != kind || !(e->dirty || e->state_dirty))
			continue;
		CHECK_FOR_INTERRUPTS();
		if (e->gone)
		{
			refuse(e, 410, psprintf("gone: the partition of %s that held this %s was dropped or detached (retention)",
									relname, kind == IK_TRACE ? "trace" : "observation"));
			changed = true;
			continue;
		}
		/* a stored row whose key stays where it is */
		if (e->existed && !e->oldkey_null && key_kept(tab, e))
			continue;
		if (isnull && kcol->notnull)
		{
			refuse(e, 409, psprintf("%s: not known yet, and %s is partitioned by it; deliver this event again after one that names it",
									kcol->colname, relname));
			changed = true;
			continue;
		}
		to = ingest_route(&p, key, isnull, &past);
		if (!OidIsValid(to) || past)
		{
			shown = isnull ? "NULL" : ingest_datum_key(kcol, key);
			shown = isnull ? shown : ingest_quote(shown, strlen(shown));
			if (past)
				refuse(e, 410, psprintf("%s: %s lies before the first partition of %s: past retention",
										kcol->colname, shown, relname));
			else
				refuse(e, 503, psprintf("%s: no partition of %s accepts %s; create one (pg_partman: run_maintenance()) or a default partition, then deliver again",
										kcol->colname, relname, shown));
			changed = true;
			continue;
		}
		e->part = to;
		if (!e->existed && (slot = ingest_probe(&p, to, e->id)) != NULL)
		{
			adopt_row(e, tab, slot, to);
			changed = true;
		}
	}
	ingest_prober_end(&p);
	platform_restore_user(&saved);
	UnregisterSnapshot(snap);
	return changed;
}

/*
 * The rows of a table distributed by a column other than id (see
 * place_rows()).  Returns whether an entity was refused.
 */
static bool
place_distributed(IngestTarget *t, IngestKind kind, Entity *ents, int nents)
{
	IngestTable *tab = &t->tables[kind];
	IngestColumn *kcol = &tab->cols[tab->key_field];
	const char *relname = get_rel_name(tab->relid);
	bool		changed = false;
	int			i;

	for (i = 0; i < nents; i++)
	{
		Entity	   *e = &ents[i];

		if (e->kind != kind || !(e->dirty || e->state_dirty || e->refused))
			continue;
		if (e->refused)			/* by read_distributed() */
			refuse(e, e->refused, e->refusal);
		else if (e->nulls[tab->key_field])
			refuse(e, 409, psprintf("%s: not known yet, and %s is distributed by it; deliver this event again after one that names it",
									kcol->colname, relname));
		else if (e->existed && !key_kept(tab, e))
			refuse(e, 409, psprintf("%s: the stored %s has another %s, and %s is distributed by it: its row cannot move to another shard",
									kcol->colname, kind == IK_TRACE ? "trace" : "observation",
									kcol->colname, relname));
		else
			continue;
		changed = true;
	}
	return changed;
}

/*
 * Where the rows of partitioned tables go, before anything is written.
 *
 * Each row whose partition key is new or changed is routed to its
 * partition.  A key that no partition accepts is refused per event, never
 * as an error of the whole call (an INSERT would fail with "no partition
 * of relation found for row"): 410 when a range-partitioned table's
 * partitions all lie after it (retention dropped what was older; with a
 * default partition too: data past retention must not come back there),
 * 503 otherwise (a partition is missing: pg_partman's premake, a default
 * partition, or a detached hash partition; delivering again once it exists
 * succeeds).  An entity whose partition retention dropped is refused (410).
 * A key that is still NULL (an observation whose trace no event named yet)
 * in a NOT NULL key column is refused with 409: delivered again after an
 * event that names it, it is stored.
 *
 * A new entity's row may still exist without a merge state (written
 * before the extension, or by the application): it is looked for in the
 * one partition the row would go to, and the merge adopts it.
 *
 * Then the events of refused entities get their status, and those merged
 * into an adopted row say so.
 */
static void
place_rows(IngestTarget *t, IngestEvent *events, int n, Entity *ents, int nents)
{
	bool		changed = false;
	int			k;
	int			i;

	for (k = IK_TRACE; k <= IK_OBS; k++)
		if (t->tables[k].partitioned)
			changed |= place_kind(t, k, ents, nents);
		else if (t->tables[k].distributed && t->tables[k].key_field > 0)
			changed |= place_distributed(t, k, ents, nents);
	if (!changed)
		return;
	for (i = 0; i < n; i++)
	{
		IngestEvent *ev = &events[i];
		Entity	   *e;

		if (ev->key == NULL || (ev->status != 200 && ev->status != 201))
			continue;
		e = find_entity(ents, nents, ev->key);
		if (e == NULL)
			continue;
		if (e->refused && (ev->applied || ev->repeat))
		{
			ev->status = e->refused;
			ev->message = e->refusal;
			ev->applied = false;
		}
		else if (e->adopted && ev->applied)
		{
			ev->status = 200;
			ev->message = psprintf("merged into the existing %s", e->kind == IK_TRACE ? "trace" : "observation");
		}
	}
}

/*
 * Delete the state rows of entity e other than the one just written at
 * keep: rows left behind when e's row was deleted (ingest_prune() removes
 * them in bulk, but may not have run).  Called when the partial unique
 * check of the new row's index entry reported a possible duplicate; the
 * entity's lock keeps every other ingestion off this key, so what is found
 * is committed and dead to the merge.  A concurrent ingest_prune() may
 * have deleted it already.
 */
static void
drop_stale_state(Relation rel, Relation irel, Entity *e, ItemPointer keep, CommandId cid)
{
	Snapshot	snap = RegisterSnapshot(GetLatestSnapshot());
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	IndexScanDesc scan = index_beginscan(rel, irel, snap, 2, 0);
	ScanKeyData keys[2];

	ingest_equality_key(&keys[0], irel, 1, CharGetDatum(e->key[0]));
	ingest_equality_key(&keys[1], irel, 2, CStringGetTextDatum(e->key + 2));
	index_rescan(scan, keys, 2, NULL, 0);
	while (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		TM_FailureData tmfd;
		TM_Result	res;

		if (ItemPointerEquals(&slot->tts_tid, keep))
			continue;
		res = heap_delete(rel, &slot->tts_tid, cid, InvalidSnapshot, true, &tmfd, false);
		if (res != TM_Ok && res != TM_Deleted)
			elog(ERROR, "merge state of \"%s\" changed under its lock (%d)", e->key, (int) res);
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	UnregisterSnapshot(snap);
}

/*
 * Write the merge state of the dirty entities, in lock order.
 *
 * The state table is the extension's own (no triggers), and every entity's
 * state row is only written under the entity's lock, which this
 * transaction holds: so the row read before is still the row to update.
 * That lets the state go straight to the heap and the indexes, instead of
 * through an upsert that plans, starts an executor and checks for
 * conflicts.  Every index of the table is maintained, as the executor's
 * ExecInsertIndexTuples() does it, not only the primary key: an index a
 * DBA adds (on entity_id, say) would otherwise miss rows.  An entity
 * without a row was not probed for a state row: its new one is indexed
 * with a partial unique check of the primary key, and a row left behind by
 * a deleted entity is deleted when that check reports it.  The one other
 * writer, ingest_prune(), deletes only rows of deleted entities without
 * taking the locks: an update that finds its row deleted inserts it again.
 *
 * The index insertions run as the table's owner, as a security-restricted
 * operation, as the upserts of the target tables do: an added index's
 * expressions and predicate are its owner's code.
 */
/* What write_state() keeps open while it writes. */
typedef struct StateWriter
{
	Relation	rel;
	Relation	pkey;
	EState	   *estate;
	ResultRelInfo *rri;
	TupleTableSlot *slot;
	List	   *arbiter;
	PlatformSavedUser saved;
} StateWriter;

/*
 * Open the merge state table and its indexes for writing, as its owner.
 */
static void
state_writer_open(IngestTarget *t, StateWriter *w)
{
	RangeTblEntry *rte = makeNode(RangeTblEntry);
	int			j;

	w->rel = table_open(t->state_relid, RowExclusiveLock);
	w->estate = CreateExecutorState();

	/*
	 * An update changes the stamps and the partition only: with that in
	 * the range table, the index AM is told which indexes an update leaves
	 * unchanged (btree's bottom-up deletion uses the hint).
	 */
	rte->rtekind = RTE_RELATION;
	rte->relid = RelationGetRelid(w->rel);
	rte->relkind = w->rel->rd_rel->relkind;
	rte->rellockmode = RowExclusiveLock;
	rte->updatedCols = bms_add_member(bms_make_singleton(3 - FirstLowInvalidHeapAttributeNumber),
									  4 - FirstLowInvalidHeapAttributeNumber);
	ExecInitRangeTable(w->estate, list_make1(rte));
	w->rri = makeNode(ResultRelInfo);
	InitResultRelInfo(w->rri, w->rel, 1, NULL, 0);
	ExecOpenIndices(w->rri, false);
	w->pkey = NULL;
	for (j = 0; j < w->rri->ri_NumIndices; j++)
		if (RelationGetRelid(w->rri->ri_IndexRelationDescs[j]) == t->state_index)
			w->pkey = w->rri->ri_IndexRelationDescs[j];
	if (w->pkey == NULL)
		elog(ERROR, "primary key of the merge state not found");
	w->arbiter = list_make1_oid(t->state_index);
	w->slot = MakeSingleTupleTableSlot(RelationGetDescr(w->rel), &TTSOpsHeapTuple);
	platform_become_owner(w->rel->rd_rel->relowner, &w->saved);
}

static void
state_writer_close(StateWriter *w)
{
	platform_restore_user(&w->saved);
	ExecDropSingleTupleTableSlot(w->slot);
	ExecCloseIndices(w->rri);
	FreeExecutorState(w->estate);
	table_close(w->rel, NoLock);
}

/*
 * Index the state row tup of entity e in every index.  The primary key's
 * check is partial for a new entity (it may find a leftover); other unique
 * indexes check as usual.  Only a deferrable constraint reports another
 * index.
 */
static void
state_index_tuple(IngestTarget *t, StateWriter *w, Entity *e, HeapTuple tup, bool update,
				  CommandId cid)
{
	List	   *conflicts;
	ListCell   *lc;

	ExecStoreHeapTuple(tup, w->slot, false);
	conflicts = ExecInsertIndexTuples(w->rri, w->slot, w->estate, update, !e->existed, NULL,
									  w->arbiter);
	foreach(lc, conflicts)
	{
		if (lfirst_oid(lc) != t->state_index)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("deferrable constraint of index \"%s\" on table \"%s\" is not supported",
							get_rel_name(lfirst_oid(lc)), RelationGetRelationName(w->rel)),
					 errdetail("The ingestion writes the merge state directly and checks its constraints at once."),
					 errhint("Make the constraint not deferrable, or drop it.")));
		drop_stale_state(w->rel, w->pkey, e, &tup->t_self, cid);
	}
	ExecClearTuple(w->slot);
	ResetPerTupleExprContext(w->estate);
}

static void
write_state(IngestTarget *t, Entity **order, int nents)
{
	StateWriter w;
	bool		opened = false;
	CommandId	cid = GetCurrentCommandId(true);
	int			i;

	for (i = 0; i < nents; i++)
	{
		Entity	   *e = order[i];
		Datum		values[4];
		bool		nulls[4] = {false, false, false, true};
		HeapTuple	tup;
		bool		update = false;
		bool		index = true;

		if (!e->state_dirty)
			continue;
		CHECK_FOR_INTERRUPTS();
		if (!opened)
		{
			state_writer_open(t, &w);
			opened = true;
		}
		values[0] = CharGetDatum(e->key[0]);
		values[1] = CStringGetTextDatum(e->key + 2);
		values[2] = stamps_datum(e, t->tables[e->kind].nfields);
		/* where the row of a partitioned table is (read_partitioned()) */
		values[3] = ObjectIdGetDatum(e->part);
		nulls[3] = !OidIsValid(e->part);
		tup = heap_form_tuple(RelationGetDescr(w.rel), values, nulls);
		if (e->has_state_row)
		{
			TM_FailureData tmfd;
			LockTupleMode lockmode;
			TM_Result	res;

			res = heap_update(w.rel, &e->state_tid, tup, cid, InvalidSnapshot, true,
							  &tmfd, &lockmode);
			if (res == TM_Ok)
			{
				/* a HOT update needs no index entries */
				update = true;
				index = !HeapTupleIsHeapOnly(tup);
			}
			else if (res == TM_Deleted)
				heap_insert(w.rel, tup, cid, 0, NULL);
			else
				elog(ERROR, "merge state of \"%s\" changed under its lock (%d)", e->key, (int) res);
		}
		else
			heap_insert(w.rel, tup, cid, 0, NULL);
		if (index)
			state_index_tuple(t, &w, e, tup, update, cid);
		heap_freetuple(tup);
	}
	if (opened)
		state_writer_close(&w);
}

/*
 * Does the event count as liveness of its project?
 */
static inline bool
counts_as_liveness(IngestEvent *ev)
{
	return ev->action != IA_NONE && ev->action != IA_IGNORE && ev->status != 400 &&
		ev->status != 404 && ev->project_id != NULL;
}

static int
cmp_event_project(const void *a, const void *b)
{
	const IngestEvent *x = *(const IngestEvent *const *) a;
	const IngestEvent *y = *(const IngestEvent *const *) b;

	return strcmp(x->project_id, y->project_id);
}

/*
 * Report liveness: once per project of the batch, with its latest event
 * timestamp (events of unknown projects and invalid events do not count),
 * and once more for its latest heartbeat event, if any, at that event's
 * timestamp, with its metadata.  Projects go in name order, so that
 * concurrent batches take the locks of the interim upsert in one order.
 */
static void
record_liveness(IngestEvent *events, int n)
{
	IngestEvent **sorted = palloc(sizeof(IngestEvent *) * (n + 1));
	int			ns = 0;
	int			i = 0;

	for (i = 0; i < n; i++)
		if (counts_as_liveness(&events[i]))
			sorted[ns++] = &events[i];
	qsort(sorted, ns, sizeof(IngestEvent *), cmp_event_project);
	i = 0;
	while (i < ns)
	{
		IngestEvent *best = sorted[i];
		IngestEvent *hb = NULL;
		int			j;

		for (j = i; j < ns && strcmp(sorted[j]->project_id, sorted[i]->project_id) == 0; j++)
		{
			IngestEvent *ev = sorted[j];

			if (ev->ts > best->ts)
				best = ev;
			if (ev->action == IA_HEARTBEAT && (hb == NULL || ev->ts > hb->ts))
				hb = ev;
		}
		/*
		 * The latest event is the sighting; a heartbeat event is recorded
		 * at its own time (not the batch's latest), so last_heartbeat does
		 * not depend on how events are split into batches.  After the
		 * sighting, it cannot move last_seen or connected_since.
		 */
		heartbeat_record(best->project_id, best->ts, NULL, NULL, NULL, false);
		if (hb != NULL)
			heartbeat_record(hb->project_id, hb->ts, hb->environment,
							 hb->app_version, hb->sdk_version, true);
		i = j;
	}
}

/*
 * The entities of the batch: one per event, one per implied placeholder
 * trace.  The (small) seeds are sorted and deduplicated, then each entity
 * is made once, in key order, for find_entity's binary search.
 */
static Entity *
build_entities(IngestEvent *events, int n, int *nents)
{
	EntitySeed *seeds = palloc(sizeof(EntitySeed) * (2 * n + 1));
	Entity	   *ents;
	int			nseeds = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		IngestEvent *ev = &events[i];

		if (!pending(ev) || (ev->action != IA_TRACE && ev->action != IA_OBS))
			continue;
		seeds[nseeds].kind = (ev->action == IA_TRACE) ? IK_TRACE : IK_OBS;
		seeds[nseeds].key = ev->key;
		seeds[nseeds++].id = ev->vals[0].value;
		if (ev->ph_key)
		{
			seeds[nseeds].kind = IK_TRACE;
			seeds[nseeds].key = ev->ph_key;
			seeds[nseeds++].id = ev->ph_trace_id;
		}
	}
	qsort(seeds, nseeds, sizeof(EntitySeed), cmp_seed_key);
	ents = palloc(sizeof(Entity) * (nseeds + 1));
	*nents = 0;
	for (i = 0; i < nseeds; i++)
		if (i == 0 || strcmp(seeds[i].key, seeds[i - 1].key) != 0)
			init_entity(&ents[(*nents)++], seeds[i].kind, seeds[i].key, seeds[i].id);
	return ents;
}

/*
 * Lock the entities; returns them in lock order, which is also the write
 * order.
 *
 * Every call first takes the batch lock: shared by calls that then lock
 * each entity, in hash order, and exclusive by a call with more entities
 * than INGEST_MAX_ENTITY_LOCKS, which then takes no entity lock.  Entity
 * locks are held to the end of the transaction and live in the server's
 * shared lock table (sized by max_locks_per_transaction); one huge call
 * locking each of its entities would fill it, failing itself and other
 * sessions with "out of shared memory".  Such a call runs alone instead.
 * Both orders (batch lock, then entities by hash) are the same for every
 * call, so calls cannot deadlock on one another.
 */
static Entity **
lock_entities(Entity *ents, int nents)
{
	Entity	  **order = palloc(sizeof(Entity *) * (nents + 1));
	LOCKTAG		tag;
	bool		alone = (nents > INGEST_MAX_ENTITY_LOCKS);
	int			i;

	for (i = 0; i < nents; i++)
		order[i] = &ents[i];
	qsort(order, nents, sizeof(Entity *), cmp_entity_lock);

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, 0, 0, INGEST_BATCH_LOCK_FIELD4);
	(void) LockAcquire(&tag, alone ? ExclusiveLock : ShareLock, false, false);
	for (i = 0; i < nents && !alone; i++)
	{
		if (i > 0 && order[i]->lockhash == order[i - 1]->lockhash)
			continue;
		SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, (uint32) (order[i]->lockhash >> 32),
							 (uint32) order[i]->lockhash, INGEST_LOCK_FIELD4);
		(void) LockAcquire(&tag, ExclusiveLock, false, false);
	}
	return order;
}

/*
 * Read what is stored of the entities, with a snapshot taken now, after the
 * locks: it shows what the batches that held them before committed, and
 * (after the command counter moves on) what earlier calls of this
 * transaction wrote.
 */
static void
read_entities(IngestTarget *t, Entity *ents, int nents)
{
	Snapshot	snap;

	CommandCounterIncrement();
	snap = RegisterSnapshot(GetLatestSnapshot());
	read_existing(t, IK_TRACE, ents, nents, snap);
	read_existing(t, IK_OBS, ents, nents, snap);
	UnregisterSnapshot(snap);
}

/*
 * Set the id of an entity that has no row yet: written once, with the row.
 */
static void
set_entity_id(Entity *e, Datum id)
{
	if (!e->nulls[0])
		return;
	e->values[0] = id;
	e->nulls[0] = false;
	e->known |= 1;
	e->dirty = true;
	e->state_dirty = true;
}

/*
 * Merge one event's values into its entity, and the placeholder trace it
 * implies into that trace.
 */
static void
merge_event(IngestTarget *t, IngestEvent *ev, IngestKind kind, Entity *e, Entity *ents, int nents)
{
	ColClass	tscls = t->tables[IK_TRACE].cols[TF_TIMESTAMP].cclass;
	int			f;

	e->project = ev->project_id;
	for (f = 0; f < t->tables[kind].nfields; f++)
	{
		if (!ev->vals[f].present)
			continue;
		if (f == 0)
			set_entity_id(e, ev->vals[0].value);
		else
			merge_value(e, f, ev->vals[f].cls, ev->ts, ev->tiebreak, ev->vals[f].value);
	}
	if (ev->ph_key)
	{
		Entity	   *te = find_entity(ents, nents, ev->ph_key);

		e->trace = te;
		set_entity_id(te, ev->ph_trace_id);
		if (ev->ph_has_project)
			merge_value(te, TF_PROJECT_ID, FIRST_PLACEHOLDER, ev->ts, ev->tiebreak,
						ev->ph_project);
		if (tscls == CC_TIMESTAMP || tscls == CC_TIMESTAMPTZ)
			merge_value(te, TF_TIMESTAMP, FIRST_PLACEHOLDER, ev->ph_ts, ev->tiebreak,
						TimestampTzGetDatum(ev->ph_ts));
	}
}

/*
 * What the message of a stored event adds when a column could not hold its
 * \u0000: where it became U+FFFD.
 */
static char *
nul_note(IngestTable *tab, IngestEvent *ev)
{
	StringInfoData buf;
	const char *sep = " ";
	/* the replacement character, or '?' where the server encoding lacks it */
	const char *as = (GetDatabaseEncoding() == PG_UTF8) ? "U+FFFD" : "\"?\"";
	int			f;

	if (ev->nul.lossy)
		return psprintf("; \\u0000 stored as %s in every column (the element holds every character that could stand for it)",
						as);
	initStringInfo(&buf);
	appendStringInfo(&buf, "; \\u0000 stored as %s in", as);
	for (f = 0; f < tab->nfields; f++)
		if (ev->nul_fields & (1U << f))
		{
			appendStringInfo(&buf, "%s%s", sep, tab->cols[f].colname);
			sep = ", ";
		}
	appendStringInfoString(&buf, " (the column cannot hold it)");
	return buf.data;
}

/*
 * The status of an event merged into entity e.
 */
static void
set_merged_status(IngestTarget *t, IngestEvent *ev, IngestKind kind, Entity *e)
{
	const char *what = (kind == IK_TRACE) ? "trace" : "observation";

	ev->applied = true;
	if (e->existed)
	{
		ev->status = 200;
		ev->message = psprintf("merged into the existing %s", what);
	}
	else if (e->first_event < 0)
	{
		e->first_event = ev->idx;
		ev->status = 201;
		ev->message = psprintf("created the %s", what);
	}
	else
	{
		ev->status = 200;
		ev->message = psprintf("merged into the %s created by element %d", what, e->first_event);
	}
	if (ev->nul.lossy || ev->nul_fields != 0)
		ev->message = psprintf("%s%s", ev->message, nul_note(&t->tables[kind], ev));
}

/*
 * Merge every pending event, in input order, and decide its status.
 */
static void
merge_events(IngestTarget *t, IngestEvent *events, int n, Entity *ents, int nents)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		IngestEvent *ev = &events[i];
		IngestKind	kind;
		Entity	   *e;

		CHECK_FOR_INTERRUPTS();
		if (!pending(ev))
			continue;
		if (ev->action == IA_HEARTBEAT)
		{
			ev->status = 200;
			ev->message = "heartbeat recorded";
			continue;
		}
		if (ev->action != IA_TRACE && ev->action != IA_OBS)
			continue;
		kind = (ev->action == IA_TRACE) ? IK_TRACE : IK_OBS;
		e = find_entity(ents, nents, ev->key);
		Assert(e != NULL);
		if (seen_before(e, ev->tiebreak))
		{
			ev->status = 200;
			ev->message = "duplicate: already ingested";
			continue;
		}
		merge_event(t, ev, kind, e, ents, nents);
		set_merged_status(t, ev, kind, e);
	}
}

/*
 * May the merge derive field f of e: does it hold a derived value, or none
 * (a stamp below every event's)?
 */
static inline bool
derivable(Entity *e, int f)
{
	return e->hi[f] < DERIVED_HI || (e->hi[f] == DERIVED_HI && e->lo[f] == DERIVED_LO);
}

static void
set_derived(Entity *e, int f, Datum value)
{
	e->hi[f] = DERIVED_HI;
	e->lo[f] = DERIVED_LO;
	e->values[f] = value;
	e->nulls[f] = false;
	e->known |= (1U << f);
	e->dirty = true;
	e->state_dirty = true;
}

/*
 * The integer value of field f of e (a token count), if it has one.
 */
static bool
entity_count(Entity *e, IngestTable *tab, int f, int64 *n)
{
	if (tab->cols[f].colname == NULL || e->nulls[f])
		return false;
	switch (tab->cols[f].cclass)
	{
		case CC_INT2:
			*n = DatumGetInt16(e->values[f]);
			return true;
		case CC_INT4:
			*n = DatumGetInt32(e->values[f]);
			return true;
		case CC_INT8:
			*n = DatumGetInt64(e->values[f]);
			return true;
		default:
			return false;
	}
}

/*
 * The project whose prices apply to an observation: its trace's, as the
 * platform takes it (read or merged with the trace, which is an entity of
 * the call whenever the observation's events name it); else the project
 * its events name.
 */
static const char *
price_project(IngestTarget *t, Entity *e)
{
	IngestColumn *col = &t->tables[IK_TRACE].cols[TF_PROJECT_ID];

	if (e->trace != NULL && col->colname != NULL && !e->trace->nulls[TF_PROJECT_ID])
		return ingest_datum_key(col, e->trace->values[TF_PROJECT_ID]);
	return e->project;
}

/*
 * Derive what the platform derives from an observation's merged model and
 * token counts, for every observation whose model or counts this call
 * changed: total_tokens = prompt + completion unless an event gave it; the
 * costs from model_pricing unless an event gave them.  They are functions
 * of the merged values, so they do not depend on the order in which the
 * events came; a later call that changes the model or a count makes them
 * again (with the prices of then).  As the platform: costs only when the
 * model is known and both counts are (and neither is 0), and only with a
 * price row for them.
 */
static void
derive_fields(IngestTarget *t, Entity *ents, int nents)
{
	IngestTable *tab = &t->tables[IK_OBS];
	uint32		inputs = (1U << OF_MODEL) | (1U << OF_PROMPT_TOKENS) | (1U << OF_COMPLETION_TOKENS);
	IngestPriceRequest *reqs = NULL;
	Entity	  **priced = NULL;
	int			nreqs = 0;
	int			i;

	for (i = 0; i < nents; i++)
	{
		Entity	   *e = &ents[i];
		int64		p;
		int64		c;

		if (e->kind != IK_OBS || (e->changed & inputs) == 0 ||
			!entity_count(e, tab, OF_PROMPT_TOKENS, &p) ||
			!entity_count(e, tab, OF_COMPLETION_TOKENS, &c))
			continue;
		if (tab->cols[OF_TOTAL_TOKENS].colname != NULL && derivable(e, OF_TOTAL_TOKENS))
		{
			char	   *num = psprintf(INT64_FORMAT, p + c);
			char	   *err;
			Datum		d;

			if (ingest_convert_text(&tab->cols[OF_TOTAL_TOKENS], num, strlen(num), &d, &err))
				set_derived(e, OF_TOTAL_TOKENS, d);
		}
		if (!tab->computes_costs || e->nulls[OF_MODEL] || p <= 0 || c <= 0 ||
			!(derivable(e, OF_INPUT_COST) || derivable(e, OF_OUTPUT_COST) ||
			  derivable(e, OF_TOTAL_COST)))
			continue;
		if (reqs == NULL)
		{
			reqs = palloc0(sizeof(IngestPriceRequest) * nents);
			priced = palloc(sizeof(Entity *) * nents);
		}
		reqs[nreqs].project = price_project(t, e);
		reqs[nreqs].model = ingest_datum_key(&tab->cols[OF_MODEL], e->values[OF_MODEL]);
		priced[nreqs++] = e;
	}
	if (nreqs == 0 || !ingest_cost_prices(reqs, nreqs))
		return;
	for (i = 0; i < nreqs; i++)
	{
		Entity	   *e = priced[i];
		int64		p = 0;
		int64		c = 0;
		Datum		costs[3];
		int			k;

		if (!reqs[i].found)
			continue;
		(void) entity_count(e, tab, OF_PROMPT_TOKENS, &p);
		(void) entity_count(e, tab, OF_COMPLETION_TOKENS, &c);
		ingest_cost_compute(p, c, reqs[i].input_price, reqs[i].output_price, costs);
		for (k = 0; k < 3; k++)
		{
			int			f = OF_INPUT_COST + k;

			if (derivable(e, f) && ingest_numeric_fits(&tab->cols[f], costs[k]))
				set_derived(e, f, costs[k]);
		}
	}
}

/*
 * Apply parsed events: the one merge routine.  Sets status and message of
 * every event that does not have one yet.
 */
void
ingest_apply(IngestTarget *t, IngestEvent *events, int n)
{
	MemoryContext cxt = CurrentMemoryContext;
	Entity	   *ents;
	Entity	  **order;
	int			nents;
	int			i;

	/*
	 * Each entity is read after its lock is taken, which shows the writes of
	 * the batch that held the lock before only with a fresh snapshot.
	 */
	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("swisper ingestion must run at isolation level READ COMMITTED"),
				 errdetail("Merging reads each entity after locking it, which needs a snapshot per statement."),
				 errhint("Call it outside REPEATABLE READ and SERIALIZABLE transactions.")));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(cxt);
	ingest_target_prepare_plans(t);

	check_projects(t, events, n);
	check_batch_duplicates(events, n);
	ents = build_entities(events, n, &nents);
	order = lock_entities(ents, nents);
	read_entities(t, ents, nents);
	merge_events(t, events, n, ents, nents);
	derive_fields(t, ents, nents);
	place_rows(t, events, n, ents, nents);

	/* write: traces before observations (foreign key), then the state */
	write_rows(t, IK_TRACE, order, nents);
	write_rows(t, IK_OBS, order, nents);
	write_state(t, order, nents);
	record_liveness(events, n);

	/*
	 * Every SPI call returns in SPI's procedure context, which SPI_finish()
	 * deletes, so the messages made after the first one (404s, "duplicate:
	 * repeats element ...", "merged into ... created by element ...") live
	 * there: copy them into the caller's context, which emit_results() reads.
	 */
	for (i = 0; i < n; i++)
		if (events[i].message != NULL)
			events[i].message = MemoryContextStrdup(cxt, events[i].message);

	SPI_finish();
	MemoryContextSwitchTo(cxt);
}
