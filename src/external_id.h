/*-------------------------------------------------------------------------
 *
 * external_id.h
 *	  The type swisper.external_id: what other files of swisper_ext may use.
 *
 * An external id is stored as a varlena whose data is a one-byte kind tag
 * followed by the payload, or the text itself (see external_id.c).  Other C code
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
 * Kind tags.  A stored integer or uuid starts with its tag byte; a stored
 * text value has no tag (its first byte is never a control character, so it
 * is >= 0x20).  The tags thus also order the kinds: integers, then uuids,
 * then text.  In the binary format every value starts with a tag, 3 for
 * text; recv rejects any other tag, so new kinds (tags 0x00 and 0x04-0x1F)
 * can be added later without ambiguity.
 */
#define EXTERNAL_ID_KIND_INTEGER	1
#define EXTERNAL_ID_KIND_UUID		2
#define EXTERNAL_ID_KIND_TEXT		3

/* Is the first stored byte a tag (as opposed to the first byte of text)? */
#define EXTERNAL_ID_IS_TAG(b)		((unsigned char) (b) < 0x20)

/* The canonical (stored) bytes of one value: tag and payload, or text. */
typedef struct ExternalIdCanon
{
	int			len;			/* bytes used in data, tag included */
	unsigned char data[1 + EXTERNAL_ID_MAX_BYTES];
} ExternalIdCanon;

extern bool external_id_parse(const char *str, int len, ExternalIdCanon *out,
							  bool raise);

#endif							/* EXTERNAL_ID_H */
