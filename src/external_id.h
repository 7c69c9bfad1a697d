/*-------------------------------------------------------------------------
 *
 * external_id.h
 *	  The type swisper.external_id: what other files of swisper_ext may use.
 *
 * An external id is stored as a varlena whose data is a one-byte kind tag
 * followed by the payload (see external_id.c for the format).  Other C code
 * that needs to check or canonicalise an id without raising (for example to
 * count bad values before a migration) calls external_id_parse() with
 * raise = false.
 *
 *-------------------------------------------------------------------------
 */
#ifndef EXTERNAL_ID_H
#define EXTERNAL_ID_H

#include "postgres.h"

/* Longest accepted value, in bytes of the database encoding. */
#define EXTERNAL_ID_MAX_BYTES	255

/*
 * Kind tags: the first data byte of every stored value.  They also order the
 * kinds (integers, then uuids, then text).  Any other tag is rejected by
 * external_id_recv, so new kinds can be added later without ambiguity.
 */
#define EXTERNAL_ID_KIND_INTEGER	1
#define EXTERNAL_ID_KIND_UUID		2
#define EXTERNAL_ID_KIND_TEXT		3

/* The canonical bytes of one value: tag, then payload. */
typedef struct ExternalIdCanon
{
	int			len;			/* bytes used in data, tag included */
	unsigned char data[1 + EXTERNAL_ID_MAX_BYTES];
} ExternalIdCanon;

extern bool external_id_parse(const char *str, int len, ExternalIdCanon *out,
							  bool raise);

#endif							/* EXTERNAL_ID_H */
