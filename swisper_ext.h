/*-------------------------------------------------------------------------
 *
 * swisper_ext.h
 *	  Declarations shared between the files of swisper_ext.
 *
 * Each capability lives in its own file under src/ (the external_id type,
 * ingestion, the heartbeat registry, the background worker); this header
 * declares only what one file needs from another.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SWISPER_EXT_H
#define SWISPER_EXT_H

#include "postgres.h"

/* Name of the extension and of its schema, as in swisper_ext.control. */
#define SWISPER_EXTENSION_NAME	"swisper_ext"
#define SWISPER_SCHEMA_NAME		"swisper"

/*
 * swisper.table_schema: the schema that holds the observability tables
 * (projects, traces, observations).  Read by the install script through
 * current_setting() and by the C functions through this variable.
 */
extern char *swisper_table_schema;

/*
 * Is relid a table (plain or partitioned)?  The C functions read and write
 * the observability tables with elevated rights (SECURITY DEFINER, the
 * worker's superuser): a view in their place would run its functions with
 * those rights, so every look-up of them checks this.
 */
extern bool swisper_is_table(Oid relid);

/*
 * The owner of a relation: whom the extension runs the relation's own code
 * (casts, triggers, constraints, policies) as, in a security-restricted
 * operation, and whom its own table's fallback writes run as.
 */
extern Oid	swisper_rel_owner(Oid relid);

/* _PG_init, which PostgreSQL 15's fmgr.h does not declare. */
extern PGDLLEXPORT void _PG_init(void);

#endif							/* SWISPER_EXT_H */
