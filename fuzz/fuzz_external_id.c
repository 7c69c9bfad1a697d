/*-------------------------------------------------------------------------
 *
 * fuzz_external_id.c
 *	  libFuzzer target over the server-free core of swisper.external_id
 *	  (src/external_id_core.c): the classifier, the reader and printer of
 *	  stored bytes, the binary payload checks, the order, the abbreviated
 *	  keys and the strict rules.
 *
 * Every input is used four ways:
 *
 *	1. as the text of one value: every text is a value; its kind must be
 *	   the one an independent classifier gives (a uuid in the standard
 *	   8-4-4-4-12 layout, any case, optionally braced; else a canonical
 *	   integer <= INT64_MAX; else text as given), its stored bytes must have
 *	   the kind's exact shape (text: the bytes as given, after a tag 3 exactly
 *	   when the first byte is below 0x20), the printed form must be canonical
 *	   (uuid: lower-case hyphenated; integer: the input; text: the input),
 *	   parse to the same stored bytes and print again the same; the strict
 *	   rules must give the documented status (empty, too long, first control
 *	   character and its offset, blank at an end; in that order);
 *	2. as a binary message (first byte the tag): accepted exactly when the
 *	   documented sizes say so, and then printing and parsing the text again
 *	   gives the same bytes;
 *	3. as stored bytes of any shape (a corrupted datum): the kind must be the
 *	   documented one (empty or first byte 0x20 or above: text; tag 1 with 8
 *	   non-negative bytes; tag 2 with 16; tag 3 followed by a byte below
 *	   0x20: text; else 0), and printing must stay within
 *	   EXTERNAL_ID_OUTPUT_SIZE and fail exactly when the kind is 0;
 *	4. split at '\n' into up to three values: the comparison is
 *	   antisymmetric, 0 exactly when the stored bytes are equal, equal to
 *	   an independent order (the printed texts compared with memcmp, the
 *	   shorter first), the same on stored bytes and on parsed forms, is
 *	   transitive, and the abbreviated keys never contradict it.
 *
 * The server checks the database encoding before the core sees a value,
 * and no PostgreSQL text holds a NUL byte; the core needs neither, so any
 * bytes are fed to it.  Hashing is hash_any() over the stored bytes in the
 * server: with "equal iff stored bytes equal" checked here, equal values
 * hash alike.  Any failed check aborts, which libFuzzer reports as a crash.
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "external_id_core.h"

#define CHECK(cond) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A parsed value: its stored bytes (malloc'ed) and its canonical form. */
typedef struct Value
{
	ExternalIdCanon canon;
	unsigned char *stored;
	int			len;
} Value;

/*
 * Oracle: does s spell a uuid in the standard layout?  A second,
 * differently written reading of the grammar: strip balanced braces, then
 * 36 characters with '-' exactly at offsets 8, 13, 18 and 23 and hex
 * digits elsewhere.  Fills bytes[16].
 */
static bool
oracle_uuid(const char *s, int len, unsigned char *bytes)
{
	const char *hex = "0123456789abcdef0123456789ABCDEF";
	int			ndig = 0;

	if (len == 38 && s[0] == '{' && s[37] == '}')
	{
		s++;
		len -= 2;
	}
	if (len != 36)
		return false;
	memset(bytes, 0, 16);
	for (int i = 0; i < 36; i++)
	{
		const char *p;

		if (i == 8 || i == 13 || i == 18 || i == 23)
		{
			if (s[i] != '-')
				return false;
			continue;
		}
		p = (s[i] != '\0') ? strchr(hex, s[i]) : NULL;
		if (p == NULL)
			return false;
		bytes[ndig / 2] |= (unsigned char) (ndig % 2 == 0 ? ((p - hex) % 16) << 4 : (p - hex) % 16);
		ndig++;
	}
	return ndig == 32;
}

/*
 * Oracle: is s a canonical decimal integer in [0, INT64_MAX]?  (strtoull
 * instead of digit arithmetic.)
 */
static bool
oracle_integer(const char *s, int len, uint64_t *value)
{
	char		buf[32];
	char	   *end;
	unsigned long long v;

	if (len < 1 || len > 20)
		return false;
	for (int i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	if (len > 1 && s[0] == '0')
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno != 0 || *end != '\0' || v > 9223372036854775807ULL)
		return false;
	*value = v;
	return true;
}

/* The big-endian integer of 8 payload bytes. */
static uint64_t
be64(const unsigned char *p)
{
	uint64_t	v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

/*
 * The status the documented strict rules give for s, and the offset of the
 * first control character.
 */
static ExternalIdStatus
expected_strict(const char *s, int len, int *ctl)
{
	if (len == 0)
		return EXTERNAL_ID_EMPTY;
	if (len > EXTERNAL_ID_STRICT_MAX_BYTES)
		return EXTERNAL_ID_TOO_LONG;
	for (int i = 0; i < len; i++)
		if ((unsigned char) s[i] < 0x20 || (unsigned char) s[i] == 0x7f)
		{
			*ctl = i;
			return EXTERNAL_ID_CONTROL_CHAR;
		}
	if (s[0] == ' ' || s[len - 1] == ' ')
		return EXTERNAL_ID_BLANK_AT_END;
	return EXTERNAL_ID_OK;
}

/*
 * Print stored bytes into an exactly sized heap buffer (so that ASan sees
 * any overrun); returns the malloc'ed text, its length in *n.
 */
static char *
print_stored(const unsigned char *data, int len, int *n)
{
	char	   *buf = malloc(EXTERNAL_ID_OUTPUT_SIZE(len));

	CHECK(buf != NULL);
	*n = external_id_core_output(data, len, buf);
	return buf;
}

/* The stored bytes of a canonical form, malloc'ed (at least 1 byte). */
static unsigned char *
stored_bytes(const ExternalIdCanon *c, int *len)
{
	unsigned char *b = malloc(c->headlen + c->textlen + 1);

	CHECK(b != NULL);
	memcpy(b, c->head, c->headlen);
	if (c->textlen > 0)
		memcpy(b + c->headlen, c->text, c->textlen);
	*len = c->headlen + c->textlen;
	return b;
}

/*
 * Property 1: one text value; fills *out (its stored bytes malloc'ed).
 */
static void
check_text(const char *s, int len, Value *out)
{
	ExternalIdCanon *c = &out->canon;
	int			errpos = -1;
	int			ctl = -1;
	unsigned char ubytes[16];
	uint64_t	ival;
	char	   *text;
	int			n;
	ExternalIdStatus st;

	/* the strict rules */
	st = external_id_core_check_strict(s, len, &errpos);
	CHECK(st == expected_strict(s, len, &ctl));
	if (st == EXTERNAL_ID_CONTROL_CHAR)
		CHECK(errpos == ctl);

	/* classification against the oracles, exact stored shapes */
	external_id_core_parse(s, len, c);
	out->stored = stored_bytes(c, &out->len);
	CHECK(external_id_core_kind(out->stored, out->len) == c->kind);
	if (oracle_uuid(s, len, ubytes))
	{
		CHECK(c->kind == EXTERNAL_ID_KIND_UUID);
		CHECK(out->len == 1 + EXTERNAL_ID_UUID_BYTES && out->stored[0] == EXTERNAL_ID_KIND_UUID);
		CHECK(memcmp(out->stored + 1, ubytes, 16) == 0);
	}
	else if (oracle_integer(s, len, &ival))
	{
		CHECK(c->kind == EXTERNAL_ID_KIND_INTEGER);
		CHECK(out->len == 1 + EXTERNAL_ID_INTEGER_BYTES && out->stored[0] == EXTERNAL_ID_KIND_INTEGER);
		CHECK(be64(out->stored + 1) == ival);
	}
	else
	{
		bool		tagged = len > 0 && (unsigned char) s[0] < 0x20;

		CHECK(c->kind == EXTERNAL_ID_KIND_TEXT);
		CHECK(out->len == len + (tagged ? 1 : 0));
		if (tagged)
			CHECK(out->stored[0] == EXTERNAL_ID_KIND_TEXT);
		CHECK(len == 0 || memcmp(out->stored + (tagged ? 1 : 0), s, len) == 0);
	}

	/* the printed form: canonical for its kind */
	text = print_stored(out->stored, out->len, &n);
	CHECK(n >= 0 && n + 1 <= EXTERNAL_ID_OUTPUT_SIZE(out->len));
	CHECK(text[n] == '\0');
	if (c->kind == EXTERNAL_ID_KIND_UUID)
	{
		const char *u = (len == 38) ? s + 1 : s;

		CHECK(n == 36);
		for (int i = 0; i < n; i++)
		{
			char		lower = (u[i] >= 'A' && u[i] <= 'F') ? (char) (u[i] - 'A' + 'a') : u[i];

			CHECK(text[i] == lower);
		}
	}
	else
		CHECK(n == len && memcmp(text, s, len) == 0);

	/* round trip: the printed form parses to the same bytes and prints alike */
	{
		Value		again;
		char	   *text2;
		int			n2;

		external_id_core_parse(text, n, &again.canon);
		again.stored = stored_bytes(&again.canon, &again.len);
		CHECK(again.len == out->len && memcmp(again.stored, out->stored, out->len) == 0);
		text2 = print_stored(again.stored, again.len, &n2);
		CHECK(n2 == n && memcmp(text2, text, n) == 0);
		free(text2);
		free(again.stored);
	}
	free(text);

	/* binary round trip of the fixed-size kinds; wrong sizes rejected */
	if (c->kind != EXTERNAL_ID_KIND_TEXT)
	{
		ExternalIdCanon bin;

		CHECK(external_id_core_recv(c->kind, out->stored + 1, out->len - 1, &bin) == EXTERNAL_ID_OK);
		CHECK(bin.headlen == out->len && bin.textlen == 0 &&
			  memcmp(bin.head, out->stored, out->len) == 0);
		CHECK(external_id_core_recv(c->kind, out->stored + 1, out->len - 2, &bin) != EXTERNAL_ID_OK);
	}
}

/*
 * Property 2: the input as a binary message (tag byte, payload).
 */
static void
check_binary(const unsigned char *msg, int len)
{
	ExternalIdCanon c;
	ExternalIdStatus st;
	ExternalIdStatus want;
	int			tag;
	int			n;

	if (len < 1)
		return;
	tag = msg[0];
	n = len - 1;
	if (tag == EXTERNAL_ID_KIND_INTEGER)
		want = (n == 8 && msg[1] < 0x80) ? EXTERNAL_ID_OK : EXTERNAL_ID_BINARY_INTEGER;
	else if (tag == EXTERNAL_ID_KIND_UUID)
		want = (n == 16) ? EXTERNAL_ID_OK : EXTERNAL_ID_BINARY_UUID;
	else
		want = EXTERNAL_ID_BINARY_TAG;
	st = external_id_core_recv(tag, msg + 1, n, &c);
	CHECK(st == want);
	if (st == EXTERNAL_ID_OK)
	{
		ExternalIdCanon again;
		int			tlen;
		char	   *text = print_stored(c.head, c.headlen, &tlen);

		CHECK(c.kind == tag && c.textlen == 0);
		CHECK(c.headlen == len && memcmp(c.head, msg, len) == 0);
		CHECK(tlen > 0);
		external_id_core_parse(text, tlen, &again);
		CHECK(again.headlen == c.headlen && again.textlen == 0 &&
			  memcmp(again.head, c.head, c.headlen) == 0);
		free(text);
	}
}

/*
 * Property 3: stored bytes of any shape.
 */
static void
check_stored(const unsigned char *data, int len)
{
	int			kind = external_id_core_kind(data, len);
	int			n;
	char	   *text = print_stored(data, len, &n);
	ExternalIdView v;
	int			want;

	/* the documented validity of stored bytes, read independently */
	if (len == 0 || data[0] >= 0x20)
		want = EXTERNAL_ID_KIND_TEXT;
	else if (data[0] == EXTERNAL_ID_KIND_INTEGER)
		want = (len == 9 && data[1] <= 0x7f) ? EXTERNAL_ID_KIND_INTEGER : 0;
	else if (data[0] == EXTERNAL_ID_KIND_UUID)
		want = (len == 17) ? EXTERNAL_ID_KIND_UUID : 0;
	else if (data[0] == EXTERNAL_ID_KIND_TEXT)
		want = (len >= 2 && data[1] < 0x20) ? EXTERNAL_ID_KIND_TEXT : 0;
	else
		want = 0;
	CHECK(kind == want);
	CHECK(external_id_core_view(data, len, &v) == (kind != 0));
	CHECK((n < 0) == (kind == 0));
	if (n >= 0)
		CHECK(n + 1 <= EXTERNAL_ID_OUTPUT_SIZE(len));
	free(text);
}

/*
 * The documented order, independently: print both values and compare the
 * texts with memcmp, the shorter first.
 */
static int
oracle_compare(const Value *a, const Value *b)
{
	int			na,
				nb,
				r;
	char	   *ta = print_stored(a->stored, a->len, &na);
	char	   *tb = print_stored(b->stored, b->len, &nb);

	r = memcmp(ta, tb, na < nb ? na : nb);
	if (r == 0)
		r = (na > nb) - (na < nb);
	free(ta);
	free(tb);
	return (r > 0) - (r < 0);
}

static int
cmp(const Value *a, const Value *b)
{
	return external_id_core_compare(a->stored, a->len, b->stored, b->len);
}

/*
 * Property 4: two values.
 */
static void
check_pair(const Value *a, const Value *b)
{
	int			r = cmp(a, b);
	ExternalIdView va,
				vb;
	uint64_t	ka,
				kb;
	bool		same = a->len == b->len && memcmp(a->stored, b->stored, a->len) == 0;

	CHECK(r == -1 || r == 0 || r == 1);
	CHECK(r == -cmp(b, a));
	CHECK((r == 0) == same);
	CHECK(r == oracle_compare(a, b));

	/* the views of the parsed forms compare as the stored bytes do */
	external_id_core_canon_view(&a->canon, &va);
	external_id_core_canon_view(&b->canon, &vb);
	CHECK(external_id_core_compare_views(&va, &vb) == r);

	/* abbreviated keys, from parsed forms and from stored bytes alike */
	ka = external_id_core_abbrev_view(&va);
	kb = external_id_core_abbrev_view(&vb);
	CHECK(external_id_core_view(a->stored, a->len, &va));
	CHECK(external_id_core_abbrev_view(&va) == ka);
	if (ka < kb)
		CHECK(r < 0);
	if (ka > kb)
		CHECK(r > 0);
	if (r == 0)
		CHECK(ka == kb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *) data;
	int			len = size > 100000 ? 100000 : (int) size;
	Value		whole;
	Value		part[3];
	int			nparts = 0;

	check_text(s, len, &whole);
	free(whole.stored);
	check_binary(data, len);
	check_stored(data, len);

	/* up to three values separated by '\n' (the third takes the rest) */
	if (memchr(s, '\n', len) != NULL)
	{
		int			start = 0;

		for (int k = 0; k < 3; k++)
		{
			const char *nl = (k < 2) ? memchr(s + start, '\n', len - start) : NULL;
			int			end = (nl != NULL) ? (int) (nl - s) : len;

			check_text(s + start, end - start, &part[nparts++]);
			if (nl == NULL)
				break;
			start = end + 1;
		}
	}
	for (int i = 0; i < nparts; i++)
		for (int j = 0; j < nparts; j++)
			check_pair(&part[i], &part[j]);
	/* transitivity over the three */
	if (nparts == 3)
	{
		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 3; j++)
				for (int k = 0; k < 3; k++)
					if (cmp(&part[i], &part[j]) <= 0 && cmp(&part[j], &part[k]) <= 0)
						CHECK(cmp(&part[i], &part[k]) <= 0);
	}
	for (int i = 0; i < nparts; i++)
		free(part[i].stored);
	return 0;
}
