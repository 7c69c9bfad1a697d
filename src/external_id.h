/*-------------------------------------------------------------------------
 *
 * external_id.h
 *	  The type swisper.external_id: what other files of swisper_ext may use.
 *
 * An external id is stored as a varlena whose data is a one-byte kind tag
 * followed by the payload, or the text itself (see external_id_core.c, which
 * also defines the tags and ExternalIdCanon).  Every text is an external
 * id; other C code that needs the canonical form of a text calls
 * external_id_core_parse(), which never fails.
 *
 *-------------------------------------------------------------------------
 */
#ifndef EXTERNAL_ID_H
#define EXTERNAL_ID_H

#include "postgres.h"

#include "external_id_core.h"

#endif							/* EXTERNAL_ID_H */
