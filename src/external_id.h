/*-------------------------------------------------------------------------
 *
 * external_id.h
 *	  The type swisper.external_id: what other files of swisper_ext may use.
 *
 * An external id is stored as a varlena whose data is a one-byte kind tag
 * followed by the payload, or the text itself (see external_id_core.c, which
 * also defines the tags, EXTERNAL_ID_MAX_BYTES and ExternalIdCanon).  Other C
 * code that needs to check or canonicalise an id without raising (for
 * example to count bad values before a migration) calls external_id_parse()
 * with raise = false.
 *
 *-------------------------------------------------------------------------
 */
#ifndef EXTERNAL_ID_H
#define EXTERNAL_ID_H

#include "postgres.h"

#include "external_id_core.h"

extern bool external_id_parse(const char *str, int len, ExternalIdCanon *out,
							  bool raise);

#endif							/* EXTERNAL_ID_H */
