/*-------------------------------------------------------------------------
 *
 * external_id_core.h
 *	  The server-free core of the type swisper.external_id: classify and
 *	  canonicalise a value's text, read and print stored bytes, accept the
 *	  fixed-size binary payloads, order values as their texts, abbreviate
 *	  them for sorting, and check the optional strict rules.
 *
 * This header and external_id_core.c depend on the C library only (no
 * palloc, no ereport, no PostgreSQL headers), so that the libFuzzer targets
 * in fuzz/ can link them without a server.  external_id.c is the one user in
 * the server: it calls these functions for the real type and turns their
 * status codes into errors.  Checking the database encoding needs the
 * server and is done there, before the core sees a value.
 *
 *-------------------------------------------------------------------------
 */
#ifndef EXTERNAL_ID_CORE_H
#define EXTERNAL_ID_CORE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/*
 * Longest value that swisper.is_valid_external_id() calls valid, in bytes
 * of the database encoding.  The type itself has no limit but varlena's.
 */
#define EXTERNAL_ID_STRICT_MAX_BYTES	255

/* Payload sizes of the fixed-size kinds. */
#define EXTERNAL_ID_INTEGER_BYTES	8
#define EXTERNAL_ID_UUID_BYTES		16

/* Length of a uuid's canonical text: 8-4-4-4-12 hexadecimal digits. */
#define EXTERNAL_ID_UUID_CHARS		36

/*
 * Kind tags.  A stored integer or uuid starts with its tag byte.  A stored
 * text value has no tag when its first byte is 0x20 or above (every text
 * that does not start with a control character, so text ids take exactly
 * the space of varchar); a text that starts with a byte below 0x20 is
 * stored after tag 3, and the empty text is zero bytes.  In the binary
 * format every value starts with a tag, 3 for text; recv rejects any other
 * tag, so new kinds (tags 0x00 and 0x04-0x1F, never the first stored byte
 * of a value today) can be added later without ambiguity.
 */
#define EXTERNAL_ID_KIND_INTEGER	1
#define EXTERNAL_ID_KIND_UUID		2
#define EXTERNAL_ID_KIND_TEXT		3

/* Is b (the first byte of a text) stored after a tag 3? */
#define EXTERNAL_ID_TEXT_NEEDS_TAG(b)	((unsigned char) (b) < 0x20)

/*
 * Room external_id_core_output() needs for stored bytes of length len: the
 * text itself, or a uuid's 36 characters, plus the terminating NUL.
 */
#define EXTERNAL_ID_OUTPUT_SIZE(len) \
	((len) > EXTERNAL_ID_UUID_CHARS ? (len) + 1 : EXTERNAL_ID_UUID_CHARS + 1)

/*
 * The canonical form of one value: its stored bytes are head[0..headlen)
 * followed by text[0..textlen).  Integer and uuid: the tag and payload in
 * head, no text.  Text: the text as given, not copied (text points into the
 * parsed string), after the tag 3 in head when its first byte is below
 * 0x20, else with an empty head.
 */
typedef struct ExternalIdCanon
{
	int			kind;			/* EXTERNAL_ID_KIND_* */
	int			headlen;		/* 0, 1 (tag 3), 9 or 17 */
	unsigned char head[1 + EXTERNAL_ID_UUID_BYTES];
	const char *text;			/* text kind: the value's bytes */
	int			textlen;
} ExternalIdCanon;

/*
 * A value as the comparison reads it: its kind and its payload (the text's
 * bytes, an integer's 8 bytes big-endian, a uuid's 16 bytes).  It points
 * into stored bytes or into an ExternalIdCanon, so it lives no longer.
 */
typedef struct ExternalIdView
{
	int			kind;
	const unsigned char *p;
	int			len;
} ExternalIdView;

/*
 * Outcome of the checks: the binary payloads of recv, and the strict rules
 * of swisper.is_valid_external_id() (a value that breaks them is still a
 * valid external_id).
 */
typedef enum ExternalIdStatus
{
	EXTERNAL_ID_OK = 0,
	EXTERNAL_ID_EMPTY,			/* strict: zero bytes */
	EXTERNAL_ID_TOO_LONG,		/* strict: over EXTERNAL_ID_STRICT_MAX_BYTES */
	EXTERNAL_ID_CONTROL_CHAR,	/* strict: a byte < 0x20 or 0x7F (*errpos) */
	EXTERNAL_ID_BLANK_AT_END,	/* strict: begins or ends with ' ' */
	EXTERNAL_ID_BINARY_INTEGER, /* binary: not 8 bytes, or negative */
	EXTERNAL_ID_BINARY_UUID,	/* binary: not 16 bytes */
	EXTERNAL_ID_BINARY_TAG		/* binary: unknown kind tag */
} ExternalIdStatus;

extern void external_id_core_parse(const char *str, int len,
								   ExternalIdCanon *out);
extern ExternalIdStatus external_id_core_recv(int tag,
											  const unsigned char *payload,
											  int len, ExternalIdCanon *out);
extern ExternalIdStatus external_id_core_check_strict(const char *str, int len,
													  int *errpos);
extern int	external_id_core_kind(const unsigned char *data, int len);
extern int	external_id_core_output(const unsigned char *data, int len,
									char *buf);
extern int	external_id_core_compare_views(const ExternalIdView *a,
										   const ExternalIdView *b);
extern uint64_t external_id_core_abbrev_view(const ExternalIdView *v);

/*
 * external_id_core_view
 *		The view of stored bytes; false when they are no valid value (see
 *		external_id_core_kind()).
 */
static inline bool
external_id_core_view(const unsigned char *data, int len, ExternalIdView *v)
{
	if (len == 0 || !EXTERNAL_ID_TEXT_NEEDS_TAG(data[0]))
	{
		v->kind = EXTERNAL_ID_KIND_TEXT;
		v->p = data;
		v->len = len;
		return true;
	}
	v->kind = external_id_core_kind(data, len);
	v->p = data + 1;
	v->len = len - 1;
	return v->kind != 0;
}

/*
 * external_id_core_canon_view
 *		The view of a canonical form (valid while *c is).
 */
static inline void
external_id_core_canon_view(const ExternalIdCanon *c, ExternalIdView *v)
{
	v->kind = c->kind;
	if (c->kind == EXTERNAL_ID_KIND_TEXT)
	{
		v->p = (const unsigned char *) c->text;
		v->len = c->textlen;
	}
	else
	{
		v->p = c->head + 1;
		v->len = c->headlen - 1;
	}
}

/*
 * external_id_core_compare
 *		The total order of the type on stored bytes: the order of the values'
 *		canonical texts, byte by byte (the "C" collation), the shorter first
 *		when one is a prefix of the other.  Returns -1, 0 or 1, or -2 when
 *		either is no valid value.
 *
 * Inline for the two common cases that need no rendering: two texts
 * without tag (memcmp), two uuids (the 16 bytes in order are the canonical
 * lower-case hexadecimal text in order: the hyphens stand at the same
 * places, and '0'-'9' sort before 'a'-'f' as the digit values do).
 * Everything else goes to external_id_core_compare_views().
 */
static inline int
external_id_core_compare(const unsigned char *a, int alen,
						 const unsigned char *b, int blen)
{
	ExternalIdView va;
	ExternalIdView vb;

	if (alen > 0 && blen > 0)
	{
		if (!EXTERNAL_ID_TEXT_NEEDS_TAG(a[0]) && !EXTERNAL_ID_TEXT_NEEDS_TAG(b[0]))
		{
			int			r = memcmp(a, b, alen < blen ? alen : blen);

			if (r != 0)
				return r < 0 ? -1 : 1;
			return (alen > blen) - (alen < blen);
		}
		if (a[0] == EXTERNAL_ID_KIND_UUID && b[0] == EXTERNAL_ID_KIND_UUID &&
			alen == 1 + EXTERNAL_ID_UUID_BYTES && blen == alen)
		{
			int			r = memcmp(a + 1, b + 1, EXTERNAL_ID_UUID_BYTES);

			return (r > 0) - (r < 0);
		}
	}
	if (!external_id_core_view(a, alen, &va) || !external_id_core_view(b, blen, &vb))
		return -2;
	return external_id_core_compare_views(&va, &vb);
}

#endif							/* EXTERNAL_ID_CORE_H */
