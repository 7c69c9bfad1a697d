/*-------------------------------------------------------------------------
 *
 * swisper_ext.h
 *	  Declarations shared between the files of swisper_ext.
 *
 * Each capability lives in its own file under src/ (the external_id type,
 * the platform's tables, ingestion, the heartbeat registry, the background
 * worker) with its own header; this one holds the extension's names.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SWISPER_EXT_H
#define SWISPER_EXT_H

#include "postgres.h"

/* Name of the extension and of its schema, as in swisper_ext.control. */
#define SWISPER_EXTENSION_NAME	"swisper_ext"
#define SWISPER_SCHEMA_NAME		"swisper"

/* _PG_init, which PostgreSQL 15's fmgr.h does not declare. */
extern PGDLLEXPORT void _PG_init(void);

#endif							/* SWISPER_EXT_H */
