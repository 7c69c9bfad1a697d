/*-------------------------------------------------------------------------
 *
 * platform.h
 *	  The platform's own tables -- projects, traces, observations -- as the
 *	  extension finds them: one description that ingestion, heartbeats, the
 *	  worker, health() and the status view all use.
 *
 * The tables belong to the application and stand at whatever migration the
 * database reached, so nothing about them is assumed: each is looked up by
 * name in the schema swisper.table_schema, and its description (owner,
 * columns, partition key, unique index on id) is read from the catalog and
 * cached until a relcache invalidation names it.  A table that cannot be used is reported
 * with one SQLSTATE per cause, the same everywhere:
 *
 *	3F000 invalid_schema_name	the schema does not exist
 *	42P01 undefined_table		the table does not exist
 *	42809 wrong_object_type		a view or other relation stands in its place
 *	42703 undefined_column		a column the caller truly needs is missing
 *
 * Columns a feature only uses when present are optional everywhere; for
 * projects: tracing_enabled (absent: tracing is enabled), deleted_at
 * (absent: nothing is soft-deleted) and name.  A fourth table is optional
 * as a whole: model_pricing, the prices the ingestion computes costs with
 * (absent, or without the columns the cost formula reads: no computed
 * costs); it needs no id.
 *
 * Everything that reads these tables' rows with elevated rights (the
 * worker's superuser, a SECURITY DEFINER function) runs the read as the
 * table's owner in a security-restricted operation: casts, operators,
 * functions, RLS policies and triggers of those tables are the owner's code
 * and run with the owner's rights, never with the caller's.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SWISPER_PLATFORM_H
#define SWISPER_PLATFORM_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "datatype/timestamp.h"
#include "storage/lockdefs.h"

/* swisper.table_schema: the schema of the platform's tables. */
extern char *platform_schema;

/* Set-up, called from _PG_init: swisper.table_schema. */
extern void platform_init(void);

/*
 * The owner of a relation: whom the extension runs the relation's own code
 * (casts, triggers, constraints, policies) as, in a security-restricted
 * operation, and whom its own table's fallback writes run as.
 */
extern Oid	platform_rel_owner(Oid relid);

typedef enum PlatformRel
{
	PLATFORM_PROJECTS,
	PLATFORM_TRACES,
	PLATFORM_OBSERVATIONS,
	PLATFORM_MODEL_PRICING,
	PLATFORM_NRELS
} PlatformRel;

/* One table, as the catalog describes it. */
typedef struct PlatformTable
{
	PlatformRel which;
	const char *relname;
	char	   *schema;			/* swisper.table_schema when described */
	Oid			relid;
	Oid			owner;
	TupleDesc	tupdesc;		/* a copy: which columns exist, their types */
	AttrNumber	id_attnum;

	/*
	 * A partitioned table's unique index must include the partition key:
	 * when the table is partitioned by one plain column, id_index is the
	 * (partitioned) unique index on (id, that column), or on id alone when
	 * id is the key.  part_attnum is that column, InvalidAttrNumber when
	 * the key is an expression or has several columns.
	 */
	bool		partitioned;
	AttrNumber	part_attnum;
	Oid			id_index;		/* unique btree index on id (see above), or InvalidOid */

	/*
	 * A Citus table (platform_citus.c): dist_method is pg_dist_partition's
	 * partmethod ('h' hash-distributed, 'n' reference or Citus local table),
	 * '\0' for a table Citus does not manage.  Its rows are in shards: the
	 * coordinator's relation is empty, and only SQL reads or writes them.  A
	 * hash-distributed table's unique indexes must include its distribution
	 * column, dist_attnum: id_index is then on (id, that column), or on id
	 * alone when id is the distribution column.
	 */
	char		dist_method;
	AttrNumber	dist_attnum;
	uint64		generation;		/* new for every rebuilt description */
} PlatformTable;

/* Why a table cannot be used: what platform_table() would have raised. */
typedef struct PlatformProblem
{
	int			sqlerrcode;		/* 0: no problem */
	char	   *message;
	char	   *hint;
} PlatformProblem;

/* A project that is not soft-deleted, as platform_projects_list() reads it. */
typedef struct PlatformProject
{
	char	   *id;
	char	   *name;			/* NULL when not asked for, absent or NULL */
	bool		tracing_enabled;
} PlatformProject;

/* The user and security context saved by platform_become_owner(). */
typedef struct PlatformSavedUser
{
	Oid			userid;
	int			sec_context;
} PlatformSavedUser;

/*
 * The description of one table, locked in lockmode.  When the table cannot
 * be used: with problem NULL, raise the error; else fill *problem and return
 * NULL.
 */
extern PlatformTable *platform_table(PlatformRel which, LOCKMODE lockmode,
									 PlatformProblem *problem);

/* The attribute named colname, or NULL when the table lacks it. */
extern Form_pg_attribute platform_column(PlatformTable *tab, const char *colname);

/*
 * A valid, immediate, non-partial unique btree index of a table (plain, or
 * partitioned: then a partitioned index, valid when every partition has
 * its own) whose key columns are exactly attnums (in that order), or
 * InvalidOid.
 */
extern Oid	platform_unique_index(Oid relid, int nkeys, const AttrNumber *attnums);

/* Run as the table's owner in a security-restricted operation, and back. */
extern void platform_become_owner(Oid owner, PlatformSavedUser *saved);
extern void platform_restore_user(const PlatformSavedUser *saved);

/*
 * Every project that is not soft-deleted, ordered by id, read as the
 * owner of projects.  with_names: also read the name column.
 */
extern PlatformProject *platform_projects_list(PlatformTable *projects, bool with_names,
											   int *count);

/*
 * qsort/bsearch comparator of C strings (char * elements) by strcmp: the
 * order platform_projects_lookup() wants its ids in, and the one the
 * callers sort their id lists in.
 */
extern int	platform_cmp_cstring(const void *a, const void *b);

/*
 * Look up the projects whose ids are in ids (n distinct strings), as the
 * owner of projects; lock: FOR KEY SHARE, so that a project found cannot be
 * deleted before the transaction ends.  Sets found[i] and deleted[i].
 */
extern void platform_projects_lookup(PlatformTable *projects, char **ids, int n, bool lock,
									 bool *found, bool *deleted);

/*
 * The number of traces per project whose "timestamp" falls on the current
 * UTC day, as the owner of traces: counts[i] for projects[i] (ids as
 * platform_projects_list() returns them).  Returns false, and counts
 * nothing, when traces or its project_id or "timestamp" is missing.
 */
extern bool platform_traces_today(PlatformProject *projects, int nprojects, int64 *counts);

/* platform_citus.c: this node's role in a Citus cluster. */
typedef enum PlatformCitusNode
{
	PLATFORM_NO_CITUS,			/* the extension citus does not exist here */
	PLATFORM_CITUS_COORDINATOR,
	PLATFORM_CITUS_WORKER
} PlatformCitusNode;

extern PlatformCitusNode platform_citus_node(void);

/*
 * How Citus manages relid: its partmethod, or '\0' when it does not; the
 * distribution column in *dist_attnum (InvalidAttrNumber: none).
 */
extern char platform_citus_table(Oid relid, AttrNumber *dist_attnum);

/* Raise (55000) when this node is a Citus worker node: "what" runs on the coordinator. */
extern void platform_citus_refuse_worker(const char *what);

#endif							/* SWISPER_PLATFORM_H */
