/*-------------------------------------------------------------------------
 *
 * external_id_core.h
 *	  The server-free core of the type swisper.external_id: classify,
 *	  validate and canonicalise a value's text, print the canonical bytes,
 *	  accept the fixed-size binary payloads, and order canonical bytes.
 *
 * This header and external_id_core.c depend on the C library only (no
 * palloc, no ereport, no PostgreSQL headers), so that the libFuzzer targets
 * in fuzz/ can link them without a server.  external_id.c is the one user in
 * the server: it calls these functions for the real type and turns their
 * status codes into errors.  Checking the database encoding needs the
 * server; the parser takes it as a callback.
 *
 *-------------------------------------------------------------------------
 */
#ifndef EXTERNAL_ID_CORE_H
#define EXTERNAL_ID_CORE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Longest accepted value, in bytes of the database encoding. */
#define EXTERNAL_ID_MAX_BYTES	255

/* Payload sizes of the fixed-size kinds. */
#define EXTERNAL_ID_INTEGER_BYTES	8
#define EXTERNAL_ID_UUID_BYTES		16

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

/*
 * Room external_id_core_output() needs for stored bytes of length len: the
 * text itself, or a uuid's 36 characters, plus the terminating NUL.
 */
#define EXTERNAL_ID_OUTPUT_SIZE(len)	((len) > 36 ? (len) + 1 : 37)

/* The canonical (stored) bytes of one value: tag and payload, or text. */
typedef struct ExternalIdCanon
{
	int			len;			/* bytes used in data, tag included */
	unsigned char data[1 + EXTERNAL_ID_MAX_BYTES];
} ExternalIdCanon;

/* Outcome of the core functions; one value per cause of rejection. */
typedef enum ExternalIdStatus
{
	EXTERNAL_ID_OK = 0,
	EXTERNAL_ID_EMPTY,			/* text: zero bytes */
	EXTERNAL_ID_TOO_LONG,		/* text: more than EXTERNAL_ID_MAX_BYTES */
	EXTERNAL_ID_CONTROL_CHAR,	/* text: a byte < 0x20 or 0x7F (*errpos) */
	EXTERNAL_ID_BAD_ENCODING,	/* text: the encoding callback said no */
	EXTERNAL_ID_BLANK_AT_END,	/* text: begins or ends with ' ' */
	EXTERNAL_ID_BINARY_INTEGER, /* binary: not 8 bytes, or negative */
	EXTERNAL_ID_BINARY_UUID,	/* binary: not 16 bytes */
	EXTERNAL_ID_BINARY_TAG		/* binary: unknown kind tag */
} ExternalIdStatus;

/*
 * Is str[0..len) valid in the encoding of the values?  arg is passed
 * through.  The server checks the database encoding (pg_verifymbstr).
 */
typedef bool (*ExternalIdVerifyFn) (const char *str, int len, void *arg);

extern ExternalIdStatus external_id_core_parse(const char *str, int len,
											   ExternalIdVerifyFn verify,
											   void *verify_arg,
											   ExternalIdCanon *out,
											   int *errpos);
extern ExternalIdStatus external_id_core_recv(int tag,
											  const unsigned char *payload,
											  int len, ExternalIdCanon *out);
extern int	external_id_core_kind(const unsigned char *data, int len);
extern int	external_id_core_output(const unsigned char *data, int len,
									char *buf);

/*
 * external_id_core_compare
 *		The total order of the type, on canonical (stored) bytes.
 *
 * memcmp over the common length, then the shorter first.  Returns -1, 0
 * or 1.  Inline: the sort comparator calls it for every comparison.
 */
static inline int
external_id_core_compare(const unsigned char *a, int alen,
						 const unsigned char *b, int blen)
{
	int			r = memcmp(a, b, alen < blen ? alen : blen);

	if (r != 0)
		return r < 0 ? -1 : 1;
	return (alen > blen) - (alen < blen);
}

/*
 * external_id_core_abbrev
 *		Abbreviated key: the first 8 stored bytes, zero-padded, read as a
 *		big-endian unsigned integer.
 *
 * Comparing two abbreviations as unsigned integers agrees with the full
 * order wherever they differ.  Zero padding keeps that true: only a text
 * value can be shorter than 8 bytes, and text never contains a zero byte,
 * so a shorter value that is a prefix of a longer one sorts first, as in the
 * full order.
 */
static inline uint64_t
external_id_core_abbrev(const unsigned char *data, int len)
{
	uint64_t	key = 0;
	int			i;

	for (i = 0; i < 8; i++)
		key = (key << 8) | (i < len ? data[i] : 0);
	return key;
}

#endif							/* EXTERNAL_ID_CORE_H */
