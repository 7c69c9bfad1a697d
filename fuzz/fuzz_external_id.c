/*-------------------------------------------------------------------------
 *
 * fuzz_external_id.c
 *	  libFuzzer target over the server-free core of swisper.external_id
 *	  (src/external_id_core.c): the text parser, the printer, the binary
 *	  payload checks, the order and the abbreviated keys.
 *
 * Every input is used four ways:
 *
 *	1. as the text of one value: the status must be the one the documented
 *	   rules give (empty, too long, first control character and its offset,
 *	   invalid UTF-8, blank at an end, else valid; checked in that order),
 *	   the kind must be the one an independent classifier gives (uuid
 *	   spelling, canonical integer <= INT64_MAX, else text as given), the
 *	   canonical bytes must have the kind's exact length (text: 1-255 bytes,
 *	   first byte no tag), and the printed form must be canonical (uuid:
 *	   lower-case hyphenated; integer: digits without leading zero; text: the
 *	   input), parse to the same bytes and print again the same;
 *	2. as a binary message (first byte the tag): accepted exactly when the
 *	   documented sizes say so, and then printing and parsing the text again
 *	   gives the same bytes;
 *	3. as stored bytes of any shape (a corrupted datum): the kind must be the
 *	   documented one (tag 1 with 8 non-negative bytes, tag 2 with 16, text
 *	   starting at 0x20 or above, else 0), and printing must stay within
 *	   EXTERNAL_ID_OUTPUT_SIZE and fail exactly when the kind is 0;
 *	4. split at '\n' into up to three values: the comparison is
 *	   antisymmetric, 0 exactly when the canonical bytes are equal, agrees
 *	   with an independent order (integers by value < uuids by bytes < text
 *	   bytewise, shorter first), is transitive, and the abbreviated keys
 *	   never contradict it.
 *
 * The encoding check of the server (pg_verifymbstr) is replaced by a strict
 * UTF-8 check (RFC 3629, as PostgreSQL's UTF8 verifier), so the inputs are
 * those of a UTF-8 database.  Hashing is hash_any() over the canonical bytes
 * in the server: with "equal iff bytes equal" checked here, equal values hash
 * alike.  Any failed check aborts, which libFuzzer reports as a crash.
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

/*
 * Strict UTF-8 (RFC 3629): shortest forms only, no surrogates, at most
 * U+10FFFF.  Stands in for the server's database encoding check.
 */
static bool
utf8_valid(const char *str, int len, void *arg)
{
	const unsigned char *s = (const unsigned char *) str;
	int			i = 0;

	(void) arg;
	while (i < len)
	{
		unsigned char c = s[i];
		int			n;
		unsigned char lo = 0x80,
					hi = 0xBF;

		if (c < 0x80)
		{
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 1;
		else if (c >= 0xE0 && c <= 0xEF)
		{
			n = 2;
			if (c == 0xE0)
				lo = 0xA0;
			if (c == 0xED)
				hi = 0x9F;
		}
		else if (c >= 0xF0 && c <= 0xF4)
		{
			n = 3;
			if (c == 0xF0)
				lo = 0x90;
			if (c == 0xF4)
				hi = 0x8F;
		}
		else
			return false;
		if (i + n >= len)
			return false;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (int k = 2; k <= n; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xBF)
				return false;
		i += n + 1;
	}
	return true;
}

/*
 * Oracle: does s spell a uuid the way PostgreSQL's uuid input accepts?  A
 * second, differently written reading of the grammar: optional braces
 * around 32 hex digits, a single '-' allowed right after the 4th, 8th, ...
 * 28th digit.  Fills bytes[16].
 */
static bool
oracle_uuid(const char *s, int len, unsigned char *bytes)
{
	int			ndig = 0;
	int			start = 0;
	int			end = len;

	if (len >= 1 && s[0] == '{')
	{
		if (len < 2 || s[len - 1] != '}')
			return false;
		start = 1;
		end = len - 1;
	}
	memset(bytes, 0, 16);
	for (int i = start; i < end; i++)
	{
		char		c = s[i];
		const char *hex = "0123456789abcdef0123456789ABCDEF";
		const char *p = (c != '\0') ? strchr(hex, c) : NULL;

		if (p != NULL)
		{
			int			v = (int) (p - hex) % 16;

			if (ndig == 32)
				return false;
			bytes[ndig / 2] |= (unsigned char) (ndig % 2 == 0 ? v << 4 : v);
			ndig++;
		}
		else if (c == '-' && i > start && s[i - 1] != '-' &&
				 ndig % 4 == 0 && ndig < 32)
			continue;
		else
			return false;
	}
	return ndig == 32 && s[end - 1] != '-';
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

/* The big-endian integer of a canonical integer value. */
static uint64_t
canon_integer(const ExternalIdCanon *c)
{
	uint64_t	v = 0;

	for (int i = 1; i <= 8; i++)
		v = (v << 8) | c->data[i];
	return v;
}

/*
 * The status the documented rules give for text s (verify: whether the
 * encoding check runs), and the offset of the first control character.
 */
static ExternalIdStatus
expected_status(const char *s, int len, bool verify, int *ctl)
{
	if (len == 0)
		return EXTERNAL_ID_EMPTY;
	if (len > EXTERNAL_ID_MAX_BYTES)
		return EXTERNAL_ID_TOO_LONG;
	for (int i = 0; i < len; i++)
		if ((unsigned char) s[i] < 0x20 || (unsigned char) s[i] == 0x7f)
		{
			*ctl = i;
			return EXTERNAL_ID_CONTROL_CHAR;
		}
	if (verify && !utf8_valid(s, len, NULL))
		return EXTERNAL_ID_BAD_ENCODING;
	if (s[0] == ' ' || s[len - 1] == ' ')
		return EXTERNAL_ID_BLANK_AT_END;
	return EXTERNAL_ID_OK;
}

/*
 * Print canonical bytes into an exactly sized heap buffer (so that ASan sees
 * any overrun); returns the malloc'ed text, its length in *n.
 */
static char *
print_canon(const unsigned char *data, int len, int *n)
{
	char	   *buf = malloc(EXTERNAL_ID_OUTPUT_SIZE(len));

	CHECK(buf != NULL);
	*n = external_id_core_output(data, len, buf);
	return buf;
}

/*
 * Property 1: one text value.  Returns its status; *out holds the canonical
 * bytes when valid.
 */
static ExternalIdStatus
check_text(const char *s, int len, ExternalIdCanon *out)
{
	ExternalIdStatus st;
	ExternalIdStatus st_noverify;
	ExternalIdCanon c2;
	int			errpos = -1;
	int			ctl = -1;
	unsigned char ubytes[16];
	uint64_t	ival;
	char	   *text;
	int			n;
	int			kind;

	st = external_id_core_parse(s, len, utf8_valid, NULL, out, &errpos);
	CHECK(st == expected_status(s, len, true, &ctl));
	if (st == EXTERNAL_ID_CONTROL_CHAR)
		CHECK(errpos == ctl);
	/* without the encoding callback, only the encoding check is skipped */
	st_noverify = external_id_core_parse(s, len, NULL, NULL, &c2, &errpos);
	CHECK(st_noverify == expected_status(s, len, false, &ctl));
	if (st != EXTERNAL_ID_OK)
		return st;
	CHECK(st_noverify == EXTERNAL_ID_OK && c2.len == out->len &&
		  memcmp(c2.data, out->data, out->len) == 0);

	/* classification against the oracles, exact lengths */
	kind = external_id_core_kind(out->data, out->len);
	if (oracle_uuid(s, len, ubytes))
	{
		CHECK(kind == EXTERNAL_ID_KIND_UUID);
		CHECK(out->len == 1 + EXTERNAL_ID_UUID_BYTES);
		CHECK(memcmp(out->data + 1, ubytes, 16) == 0);
	}
	else if (oracle_integer(s, len, &ival))
	{
		CHECK(kind == EXTERNAL_ID_KIND_INTEGER);
		CHECK(out->len == 1 + EXTERNAL_ID_INTEGER_BYTES);
		CHECK(canon_integer(out) == ival);
	}
	else
	{
		CHECK(kind == EXTERNAL_ID_KIND_TEXT);
		CHECK(out->len == len && memcmp(out->data, s, len) == 0);
		CHECK(!EXTERNAL_ID_IS_TAG(out->data[0]));
	}
	CHECK(out->len >= 1 && out->len <= EXTERNAL_ID_MAX_BYTES);

	/* the printed form: canonical for its kind */
	text = print_canon(out->data, out->len, &n);
	CHECK(n >= 1 && n + 1 <= EXTERNAL_ID_OUTPUT_SIZE(out->len));
	CHECK((int) strlen(text) == n);
	if (kind == EXTERNAL_ID_KIND_UUID)
	{
		CHECK(n == 36);
		for (int i = 0; i < n; i++)
		{
			if (i == 8 || i == 13 || i == 18 || i == 23)
				CHECK(text[i] == '-');
			else
				CHECK((text[i] >= '0' && text[i] <= '9') ||
					  (text[i] >= 'a' && text[i] <= 'f'));
		}
	}
	else if (kind == EXTERNAL_ID_KIND_INTEGER)
	{
		uint64_t	back;

		CHECK(n <= 19 && (n == 1 || text[0] != '0'));
		CHECK(oracle_integer(text, n, &back) && back == canon_integer(out));
	}
	else
		CHECK(n == len && memcmp(text, s, len) == 0);

	/* round trip: the printed form parses to the same bytes and prints alike */
	{
		ExternalIdCanon again;
		char	   *text2;
		int			n2;

		CHECK(external_id_core_parse(text, n, utf8_valid, NULL, &again, &errpos) == EXTERNAL_ID_OK);
		CHECK(again.len == out->len && memcmp(again.data, out->data, out->len) == 0);
		text2 = print_canon(again.data, again.len, &n2);
		CHECK(n2 == n && memcmp(text2, text, n) == 0);
		free(text2);
	}
	free(text);

	/* binary round trip of the fixed-size kinds; wrong sizes rejected */
	if (kind != EXTERNAL_ID_KIND_TEXT)
	{
		ExternalIdCanon bin;

		CHECK(external_id_core_recv(out->data[0], out->data + 1, out->len - 1, &bin) == EXTERNAL_ID_OK);
		CHECK(bin.len == out->len && memcmp(bin.data, out->data, out->len) == 0);
		CHECK(external_id_core_recv(out->data[0], out->data + 1, out->len - 2, &bin) != EXTERNAL_ID_OK);
	}
	return st;
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
		int			errpos;
		char	   *text = print_canon(c.data, c.len, &tlen);

		CHECK(c.len == len && memcmp(c.data, msg, len) == 0);
		CHECK(tlen > 0);
		CHECK(external_id_core_parse(text, tlen, utf8_valid, NULL, &again, &errpos) == EXTERNAL_ID_OK);
		CHECK(again.len == c.len && memcmp(again.data, c.data, c.len) == 0);
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
	char	   *text = print_canon(data, len, &n);
	int			want;

	/* the documented validity of stored bytes, read independently */
	if (len < 1)
		want = 0;
	else if (data[0] == EXTERNAL_ID_KIND_INTEGER)
		want = (len == 9 && data[1] <= 0x7f) ? EXTERNAL_ID_KIND_INTEGER : 0;
	else if (data[0] == EXTERNAL_ID_KIND_UUID)
		want = (len == 17) ? EXTERNAL_ID_KIND_UUID : 0;
	else
		want = (data[0] >= 0x20) ? EXTERNAL_ID_KIND_TEXT : 0;
	CHECK(kind == want);
	CHECK((n < 0) == (kind == 0));
	if (n >= 0)
		CHECK(n + 1 <= EXTERNAL_ID_OUTPUT_SIZE(len));
	free(text);
}

/* Rank of a kind in the documented order. */
static int
kind_rank(const ExternalIdCanon *c)
{
	switch (external_id_core_kind(c->data, c->len))
	{
		case EXTERNAL_ID_KIND_INTEGER:
			return 0;
		case EXTERNAL_ID_KIND_UUID:
			return 1;
		default:
			return 2;
	}
}

/* The documented order, computed independently of memcmp on the tags. */
static int
oracle_compare(const ExternalIdCanon *a, const ExternalIdCanon *b)
{
	int			ra = kind_rank(a),
				rb = kind_rank(b);

	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (ra == 0)
	{
		uint64_t	va = canon_integer(a),
					vb = canon_integer(b);

		return (va > vb) - (va < vb);
	}
	if (ra == 1)
	{
		for (int i = 1; i <= 16; i++)
			if (a->data[i] != b->data[i])
				return a->data[i] < b->data[i] ? -1 : 1;
		return 0;
	}
	for (int i = 0; i < a->len && i < b->len; i++)
		if (a->data[i] != b->data[i])
			return a->data[i] < b->data[i] ? -1 : 1;
	return (a->len > b->len) - (a->len < b->len);
}

static int
cmp(const ExternalIdCanon *a, const ExternalIdCanon *b)
{
	return external_id_core_compare(a->data, a->len, b->data, b->len);
}

/*
 * Property 4: two valid values.
 */
static void
check_pair(const ExternalIdCanon *a, const ExternalIdCanon *b)
{
	int			r = cmp(a, b);
	uint64_t	ka = external_id_core_abbrev(a->data, a->len);
	uint64_t	kb = external_id_core_abbrev(b->data, b->len);
	bool		same = a->len == b->len && memcmp(a->data, b->data, a->len) == 0;

	CHECK(r == -1 || r == 0 || r == 1);
	CHECK(r == -cmp(b, a));
	CHECK((r == 0) == same);
	CHECK(r == oracle_compare(a, b));
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
	ExternalIdCanon whole;
	ExternalIdCanon part[3];
	int			nvalid = 0;

	check_text(s, len, &whole);
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

			if (check_text(s + start, end - start, &part[nvalid]) == EXTERNAL_ID_OK)
				nvalid++;
			if (nl == NULL)
				break;
			start = end + 1;
		}
	}
	for (int i = 0; i < nvalid; i++)
		for (int j = 0; j < nvalid; j++)
			check_pair(&part[i], &part[j]);
	/* transitivity over the three */
	if (nvalid == 3)
	{
		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 3; j++)
				for (int k = 0; k < 3; k++)
					if (cmp(&part[i], &part[j]) <= 0 && cmp(&part[j], &part[k]) <= 0)
						CHECK(cmp(&part[i], &part[k]) <= 0);
	}
	return 0;
}
