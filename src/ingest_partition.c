/*-------------------------------------------------------------------------
 *
 * ingest_partition.c
 *	  Partitioned targets: the partitions of traces or observations and
 *	  their part of the unique index, the partition a key value goes to,
 *	  and probes of one partition's index by id; and the equality scan keys
 *	  that every direct index probe of the ingestion uses.
 *
 * A partitioned table cannot have a unique index on id alone (its unique
 * indexes must include the partition key), and its partitioned index has
 * no storage to probe.  The merge state remembers the partition that holds
 * each entity's row (ingest_merge.c), so a stored row is found with one
 * probe of that partition's index, the partition's part of the unique
 * index on (id, key), whose leading column is id.  Only when the state does
 * not know, or the row is not where it says, are all partitions probed.
 *
 * Routing follows the executor's own (get_partition_for_tuple() in
 * execPartition.c), for the one-column keys that the ingestion supports,
 * with the table's current partition descriptor: the value goes to the
 * partition whose bounds hold it, else to the default partition.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "catalog/pg_inherits.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "access/stratnum.h"
#include "partitioning/partbounds.h"
#include "partitioning/partdesc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/partcache.h"
#include "utils/rel.h"

#include "ingest.h"
#include "platform.h"

/*
 * ingest_equality_key: an equality scan key on column attno of index irel,
 * with the operator of the column's own operator family (the value is of
 * the indexed column's type, or binary-coercible to it).
 */
void
ingest_equality_key(ScanKey key, Relation irel, AttrNumber attno, Datum value)
{
	Oid			opfamily = irel->rd_opfamily[attno - 1];
	Oid			opcintype = irel->rd_opcintype[attno - 1];
	Oid			op = get_opfamily_member(opfamily, opcintype, opcintype, BTEqualStrategyNumber);

	if (!OidIsValid(op))
		elog(ERROR, "missing equality operator for index \"%s\"", RelationGetRelationName(irel));
	ScanKeyEntryInitialize(key, 0, attno, BTEqualStrategyNumber, opcintype,
						   irel->rd_indcollation[attno - 1], get_opcode(op), value);
}

static int
cmp_partition(const void *a, const void *b)
{
	Oid			x = ((const IngestPartition *) a)->relid;
	Oid			y = ((const IngestPartition *) b)->relid;

	return (x > y) - (x < y);
}

/*
 * The partitions of tab's table (locked by the caller) and the index of
 * each that is its part of tab->id_index, sorted by relid, allocated in
 * cxt.  Sub-partitioning is refused: every partition must be a table.
 */
void
ingest_describe_partitions(IngestTable *tab, const char *schema, const char *relname,
						   MemoryContext cxt)
{
	List	   *children = find_inheritance_children(tab->id_index, NoLock);
	ListCell   *lc;
	int			n = 0;

	tab->parts = MemoryContextAlloc(cxt, sizeof(IngestPartition) * (list_length(children) + 1));
	foreach(lc, children)
	{
		Oid			index = lfirst_oid(lc);
		Oid			relid = IndexGetRelation(index, false);

		if (get_rel_relkind(relid) != RELKIND_RELATION)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("partition \"%s\" of relation \"%s.%s\" is itself partitioned",
							get_rel_name(relid), schema, relname),
					 errdetail("The ingestion writes into tables partitioned on one level.")));
		tab->parts[n].relid = relid;
		tab->parts[n].index = index;
		n++;
	}
	qsort(tab->parts, n, sizeof(IngestPartition), cmp_partition);
	tab->nparts = n;
	list_free(children);
}

/*
 * The index of partition relid that is its part of the prober's unique
 * index: from the description's list, or for a partition attached after
 * it was made (or without a list), from the catalog.
 */
static Oid
partition_index(IngestProber *p, Oid relid)
{
	IngestPartition key;
	IngestPartition *hit = NULL;
	List	   *children;
	ListCell   *lc;
	Oid			found = InvalidOid;

	key.relid = relid;
	if (p->nparts > 0)
		hit = bsearch(&key, p->parts, p->nparts, sizeof(IngestPartition), cmp_partition);
	if (hit)
		return hit->index;
	children = find_inheritance_children(p->id_index, NoLock);
	foreach(lc, children)
		if (IndexGetRelation(lfirst_oid(lc), false) == relid)
			found = lfirst_oid(lc);
	list_free(children);
	if (!OidIsValid(found))
		elog(ERROR, "partition %u has no part of index %u", relid, p->id_index);
	return found;
}

/*
 * ingest_prober_begin: see ingest.h.  The caller runs as the table's owner.
 */
void
ingest_prober_begin(IngestProber *p, Oid relid, Oid id_index, IngestPartition *parts, int nparts,
					Snapshot snap)
{
	memset(p, 0, sizeof(*p));
	p->id_index = id_index;
	p->parts = parts;
	p->nparts = nparts;
	p->snap = snap;
	p->parent = table_open(relid, AccessShareLock);
	p->key = RelationGetPartitionKey(p->parent);
	p->pd = RelationGetPartitionDesc(p->parent, true);
	p->leaves = palloc0(sizeof(IngestLeaf) * (p->pd->nparts + 1));
}

void
ingest_prober_end(IngestProber *p)
{
	int			i;

	for (i = 0; i < p->nopen; i++)
	{
		IngestLeaf *l = &p->leaves[i];

		index_endscan(l->scan);
		ExecDropSingleTupleTableSlot(l->slot);
		index_close(l->irel, NoLock);
		table_close(l->rel, NoLock);
	}
	table_close(p->parent, NoLock);
}

/*
 * Is relid a partition of the table now?
 */
bool
ingest_prober_has(IngestProber *p, Oid relid)
{
	int			i;

	for (i = 0; i < p->pd->nparts; i++)
		if (p->pd->oids[i] == relid)
			return true;
	return false;
}

/*
 * ingest_probe: see ingest.h.
 */
TupleTableSlot *
ingest_probe(IngestProber *p, Oid relid, Datum id)
{
	IngestLeaf *l = NULL;
	int			i;

	for (i = 0; i < p->nopen; i++)
		if (p->leaves[i].relid == relid)
			l = &p->leaves[i];
	if (l == NULL)
	{
		Assert(p->nopen < p->pd->nparts);
		l = &p->leaves[p->nopen++];
		l->relid = relid;
		l->rel = table_open(relid, AccessShareLock);
		l->irel = index_open(partition_index(p, relid), AccessShareLock);
		l->slot = table_slot_create(l->rel, NULL);
		l->scan = index_beginscan(l->rel, l->irel, p->snap, 1, 0);
		ingest_equality_key(&l->key, l->irel, 1, (Datum) 0);
	}
	CHECK_FOR_INTERRUPTS();
	l->key.sk_argument = id;
	index_rescan(l->scan, &l->key, 1, NULL, 0);
	return index_getnext_slot(l->scan, ForwardScanDirection, l->slot) ? l->slot : NULL;
}

/*
 * ingest_probe_all: see ingest.h.
 */
TupleTableSlot *
ingest_probe_all(IngestProber *p, Datum id, Oid skip, Oid *found_in)
{
	int			i;

	for (i = 0; i < p->pd->nparts; i++)
	{
		TupleTableSlot *slot;

		if (p->pd->oids[i] == skip)
			continue;
		slot = ingest_probe(p, p->pd->oids[i], id);
		if (slot)
		{
			*found_in = p->pd->oids[i];
			return slot;
		}
	}
	*found_in = InvalidOid;
	return NULL;
}

/*
 * ingest_route: see ingest.h.
 */
Oid
ingest_route(IngestProber *p, Datum value, bool isnull, bool *past)
{
	PartitionKey key = p->key;
	PartitionBoundInfo bi = p->pd->boundinfo;
	int			part = -1;

	*past = false;
	if (p->pd->nparts == 0)
		return InvalidOid;

	switch (key->strategy)
	{
		case PARTITION_STRATEGY_HASH:
			{
				uint64		h = compute_partition_hash_value(1, key->partsupfunc,
															 key->partcollation,
															 &value, &isnull);

				part = bi->indexes[h % bi->nindexes];
			}
			break;
		case PARTITION_STRATEGY_LIST:
			if (isnull)
				part = bi->null_index;
			else
			{
				bool		equal = false;
				int			off = partition_list_bsearch(key->partsupfunc, key->partcollation,
														 bi, value, &equal);

				if (off >= 0 && equal)
					part = bi->indexes[off];
			}
			break;
		case PARTITION_STRATEGY_RANGE:
			/* no range holds NULL: the default partition, if any */
			if (!isnull)
			{
				bool		equal = false;
				int			off = partition_range_datum_bsearch(key->partsupfunc,
																key->partcollation,
																bi, 1, &value, &equal);

				/* the bound at off is <= value: off + 1 is the upper bound */
				part = bi->indexes[off + 1];

				/*
				 * Below the lowest bound of every range: what retention
				 * dropped (or what was never kept).
				 */
				*past = (off < 0 && bi->ndatums > 0 &&
						 bi->kind[0][0] == PARTITION_RANGE_DATUM_VALUE);
			}
			break;
		default:
			elog(ERROR, "unexpected partition strategy: %d", (int) key->strategy);
	}
	if (part < 0)
		part = bi->default_index;
	return part >= 0 ? p->pd->oids[part] : InvalidOid;
}
