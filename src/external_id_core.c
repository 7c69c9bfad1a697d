/*-------------------------------------------------------------------------
 *
 * external_id_core.c
 *	  The server-free core of swisper.external_id (see external_id_core.h):
 *	  the one classifier of a value's text, the reader and printer of stored
 *	  bytes, the checks of the fixed-size binary payloads, the order, the
 *	  abbreviated keys and the strict rules.
 *
 * Every text is a value: the type holds whatever a text column holds (the
 * empty string, blanks at either end, control characters, any length), and
 * prints it back byte for byte, with two exceptions that change no text's
 * meaning:
 *
 *	  uuid (tag 2, 16 bytes): a uuid in its standard layout, 8-4-4-4-12
 *		  hexadecimal digits with hyphens, in upper, lower or mixed case,
 *		  optionally between { and }.  Printed in lower-case hyphenated form.
 *		  Only this layout is unambiguously a uuid: 32 hexadecimal digits
 *		  without hyphens are as often an MD5 digest or another hex token, and
 *		  PostgreSQL's uuid input also takes hyphens after any group of four
 *		  digits, which no uuid generator writes; those spellings stay text,
 *		  byte for byte.
 *	  integer (tag 1, 8 bytes big-endian): a canonical decimal integer,
 *		  "0" or a digit 1-9 followed by digits, at most 9223372036854775807,
 *		  no sign, no blanks: exactly the texts that print back identical.
 *		  "007", "+5" and "-5" stay text.
 *	  text: everything else, the bytes as given.  Without a tag when the
 *		  first byte is 0x20 or above; after tag 3 when it is a control
 *		  character; the empty text is zero bytes.
 *
 * Each value has exactly one stored form (a text that spells a uuid or a
 * canonical integer is always stored as that kind), so equality is equality
 * of the stored bytes.  The order is the order of the canonical texts, byte
 * by byte (the "C" collation), whatever the kinds.
 *
 * Nothing here allocates or raises: every function returns a status, and
 * the caller (external_id.c in the server, the fuzz targets outside it)
 * decides what to do with it.  Only the C library is used.  The text given
 * to external_id_core_parse() is PostgreSQL text: no NUL byte, valid in the
 * database encoding (the server checks that first).
 *
 *-------------------------------------------------------------------------
 */
#include "external_id_core.h"

/* Largest value of the integer kind (PostgreSQL's PG_INT64_MAX). */
#define EXTERNAL_ID_INTEGER_MAX	UINT64_C(9223372036854775807)

/* Most digits of an integer of the integer kind. */
#define EXTERNAL_ID_INTEGER_DIGITS	19

/* 10^0 .. 10^19: every power of ten that fits in a uint64_t. */
static const uint64_t powers_of_ten[] = {
	UINT64_C(1), UINT64_C(10), UINT64_C(100), UINT64_C(1000),
	UINT64_C(10000), UINT64_C(100000), UINT64_C(1000000),
	UINT64_C(10000000), UINT64_C(100000000), UINT64_C(1000000000),
	UINT64_C(10000000000), UINT64_C(100000000000),
	UINT64_C(1000000000000), UINT64_C(10000000000000),
	UINT64_C(100000000000000), UINT64_C(1000000000000000),
	UINT64_C(10000000000000000), UINT64_C(100000000000000000),
	UINT64_C(1000000000000000000), UINT64_C(10000000000000000000)
};

static const char hex_chars[] = "0123456789abcdef";

/*
 * hex_digit_value
 *		Value of an ASCII hexadecimal digit, or -1.
 */
static inline int
hex_digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * parse_uuid_spelling
 *		Does str[0..len) spell a uuid in its standard layout?
 *
 * 8-4-4-4-12 hexadecimal digits in either case, separated by hyphens, the
 * whole optionally between { and } (the form PostgreSQL's uuid type prints,
 * in any case, and the braced form of Microsoft's GUIDs).  Fills uuid[16]
 * when it does.
 */
static bool
parse_uuid_spelling(const char *str, int len, unsigned char *uuid)
{
	int			pos = 0;
	int			i;

	if (len == EXTERNAL_ID_UUID_CHARS + 2)
	{
		if (str[0] != '{' || str[len - 1] != '}')
			return false;
		pos = 1;
	}
	else if (len != EXTERNAL_ID_UUID_CHARS)
		return false;
	for (i = 0; i < EXTERNAL_ID_UUID_BYTES; i++)
	{
		int			hi,
					lo;

		/* a hyphen before bytes 4, 6, 8 and 10: after 8, 12, 16, 20 digits */
		if (i == 4 || i == 6 || i == 8 || i == 10)
		{
			if (str[pos] != '-')
				return false;
			pos++;
		}
		hi = hex_digit_value(str[pos]);
		lo = hex_digit_value(str[pos + 1]);
		if (hi < 0 || lo < 0)
			return false;
		uuid[i] = (unsigned char) ((hi << 4) | lo);
		pos += 2;
	}
	return true;
}

/*
 * parse_canonical_integer
 *		Is str[0..len) a canonical decimal integer that fits in int64?
 *
 * Canonical means the form int8out would print for a non-negative value:
 * "0", or a digit 1-9 followed by digits.  Only such values get the compact
 * integer kind, so that every integer value prints back as it was given.
 */
static bool
parse_canonical_integer(const char *str, int len, uint64_t *value)
{
	uint64_t	v = 0;
	int			i;

	/* INT64_MAX has 19 digits; 19 digits cannot overflow a uint64_t. */
	if (len < 1 || len > EXTERNAL_ID_INTEGER_DIGITS)
		return false;
	if (str[0] == '0' && len > 1)
		return false;
	for (i = 0; i < len; i++)
	{
		if (str[i] < '0' || str[i] > '9')
			return false;
		v = v * 10 + (uint64_t) (str[i] - '0');
	}
	if (v > EXTERNAL_ID_INTEGER_MAX)
		return false;
	*value = v;
	return true;
}

/*
 * external_id_core_parse
 *		The canonical form of the text str[0..len) (len >= 0; str need not
 *		be NUL-terminated).
 *
 * Every text is a value: the uuid kind if str spells a uuid in its
 * standard layout, else the integer kind if it is a canonical integer,
 * else the text as given.  out->text points into str.
 */
void
external_id_core_parse(const char *str, int len, ExternalIdCanon *out)
{
	uint64_t	intval;
	int			i;

	out->text = NULL;
	out->textlen = 0;
	if (parse_uuid_spelling(str, len, out->head + 1))
	{
		out->kind = EXTERNAL_ID_KIND_UUID;
		out->head[0] = EXTERNAL_ID_KIND_UUID;
		out->headlen = 1 + EXTERNAL_ID_UUID_BYTES;
	}
	else if (parse_canonical_integer(str, len, &intval))
	{
		out->kind = EXTERNAL_ID_KIND_INTEGER;
		out->head[0] = EXTERNAL_ID_KIND_INTEGER;
		for (i = 0; i < EXTERNAL_ID_INTEGER_BYTES; i++)
			out->head[1 + i] = (unsigned char) (intval >> (8 * (7 - i)));
		out->headlen = 1 + EXTERNAL_ID_INTEGER_BYTES;
	}
	else
	{
		out->kind = EXTERNAL_ID_KIND_TEXT;
		out->text = str;
		out->textlen = len;
		if (len > 0 && EXTERNAL_ID_TEXT_NEEDS_TAG(str[0]))
		{
			out->head[0] = EXTERNAL_ID_KIND_TEXT;
			out->headlen = 1;
		}
		else
			out->headlen = 0;
	}
}

/*
 * external_id_core_recv
 *		Canonical form of a binary payload of a fixed-size kind.
 *
 * tag is the kind tag of the binary format; payload[0..len) follows it.
 * Integer: 8 bytes, big-endian, not negative.  Uuid: 16 bytes.  Any other
 * tag is EXTERNAL_ID_BINARY_TAG, including 3 (text): the caller converts a
 * text payload from the client encoding and runs it through
 * external_id_core_parse() like text input.
 */
ExternalIdStatus
external_id_core_recv(int tag, const unsigned char *payload, int len,
					  ExternalIdCanon *out)
{
	switch (tag)
	{
		case EXTERNAL_ID_KIND_INTEGER:
			if (len != EXTERNAL_ID_INTEGER_BYTES || (payload[0] & 0x80) != 0)
				return EXTERNAL_ID_BINARY_INTEGER;
			break;
		case EXTERNAL_ID_KIND_UUID:
			if (len != EXTERNAL_ID_UUID_BYTES)
				return EXTERNAL_ID_BINARY_UUID;
			break;
		default:
			return EXTERNAL_ID_BINARY_TAG;
	}
	out->kind = tag;
	out->head[0] = (unsigned char) tag;
	memcpy(out->head + 1, payload, len);
	out->headlen = 1 + len;
	out->text = NULL;
	out->textlen = 0;
	return EXTERNAL_ID_OK;
}

/*
 * external_id_core_check_strict
 *		The strict rules of swisper.is_valid_external_id(): 1 to
 *		EXTERNAL_ID_STRICT_MAX_BYTES bytes, no control character (U+0000 to
 *		U+001F, U+007F; its 0-based offset goes to *errpos), no blank at
 *		either end.  Checked in that order; the first broken rule is the
 *		status.
 *
 * Control characters are checked byte-wise: in every server encoding the
 * bytes below 0x80 are ASCII and never part of a multibyte character.
 */
ExternalIdStatus
external_id_core_check_strict(const char *str, int len, int *errpos)
{
	int			i;

	if (len <= 0)
		return EXTERNAL_ID_EMPTY;
	if (len > EXTERNAL_ID_STRICT_MAX_BYTES)
		return EXTERNAL_ID_TOO_LONG;
	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) str[i];

		if (c < 0x20 || c == 0x7f)
		{
			*errpos = i;
			return EXTERNAL_ID_CONTROL_CHAR;
		}
	}
	if (str[0] == ' ' || str[len - 1] == ' ')
		return EXTERNAL_ID_BLANK_AT_END;
	return EXTERNAL_ID_OK;
}

/*
 * external_id_core_kind
 *		The kind of stored bytes: EXTERNAL_ID_KIND_INTEGER, _UUID or _TEXT,
 *		or 0 when they are no valid value (a tag that is no kind, a payload
 *		of the wrong size, a negative integer, a tag 3 not followed by a
 *		byte below 0x20).
 */
int
external_id_core_kind(const unsigned char *data, int len)
{
	if (len == 0 || !EXTERNAL_ID_TEXT_NEEDS_TAG(data[0]))
		return EXTERNAL_ID_KIND_TEXT;
	switch (data[0])
	{
		case EXTERNAL_ID_KIND_INTEGER:
			if (len != 1 + EXTERNAL_ID_INTEGER_BYTES || (data[1] & 0x80) != 0)
				return 0;
			return EXTERNAL_ID_KIND_INTEGER;
		case EXTERNAL_ID_KIND_UUID:
			return len == 1 + EXTERNAL_ID_UUID_BYTES ? EXTERNAL_ID_KIND_UUID : 0;
		case EXTERNAL_ID_KIND_TEXT:
			return len >= 2 && EXTERNAL_ID_TEXT_NEEDS_TAG(data[1]) ? EXTERNAL_ID_KIND_TEXT : 0;
		default:
			return 0;
	}
}

/* The integer of an integer view. */
static inline uint64_t
view_integer(const ExternalIdView *v)
{
	uint64_t	x = 0;
	int			i;

	for (i = 0; i < EXTERNAL_ID_INTEGER_BYTES; i++)
		x = (x << 8) | v->p[i];
	return x;
}

/* Number of decimal digits of x (1 for 0). */
static inline int
decimal_digits(uint64_t x)
{
	int			n = 1;

	while (n < 20 && x >= powers_of_ten[n])
		n++;
	return n;
}

/*
 * render
 *		The canonical text of a view: *text points to it, its length is
 *		returned.  buf (EXTERNAL_ID_UUID_CHARS bytes, not NUL-terminated)
 *		holds it for the integer and uuid kinds; a text view points to its
 *		own bytes.
 */
static int
render(const ExternalIdView *v, char *buf, const unsigned char **text)
{
	int			n = 0;
	int			i;

	switch (v->kind)
	{
		case EXTERNAL_ID_KIND_INTEGER:
			{
				uint64_t	x = view_integer(v);

				n = decimal_digits(x);
				for (i = n - 1; i >= 0; i--)
				{
					buf[i] = (char) ('0' + x % 10);
					x /= 10;
				}
				break;
			}
		case EXTERNAL_ID_KIND_UUID:
			for (i = 0; i < EXTERNAL_ID_UUID_BYTES; i++)
			{
				if (i == 4 || i == 6 || i == 8 || i == 10)
					buf[n++] = '-';
				buf[n++] = hex_chars[v->p[i] >> 4];
				buf[n++] = hex_chars[v->p[i] & 0x0f];
			}
			break;
		default:
			*text = v->p;
			return v->len;
	}
	*text = (const unsigned char *) buf;
	return n;
}

/*
 * external_id_core_output
 *		The text form of stored bytes: integers in decimal, uuids in
 *		lower-case hyphenated form, text as stored.
 *
 * buf must have room for EXTERNAL_ID_OUTPUT_SIZE(len) bytes; the text is
 * NUL-terminated there.  Returns its length, or -1 when the bytes are no
 * valid value (see external_id_core_kind()).
 */
int
external_id_core_output(const unsigned char *data, int len, char *buf)
{
	ExternalIdView v;
	const unsigned char *text;
	int			n;

	if (!external_id_core_view(data, len, &v))
		return -1;
	n = render(&v, buf, &text);
	if (text != (const unsigned char *) buf)
		memcpy(buf, text, n);
	buf[n] = '\0';
	return n;
}

/*
 * compare_bytes
 *		memcmp over the common length, then the shorter first: -1, 0 or 1.
 */
static inline int
compare_bytes(const unsigned char *a, int alen, const unsigned char *b, int blen)
{
	int			r = memcmp(a, b, alen < blen ? alen : blen);

	if (r != 0)
		return r < 0 ? -1 : 1;
	return (alen > blen) - (alen < blen);
}

/*
 * compare_integer_texts
 *		The order of the decimal texts of a and b, without printing them.
 *
 * With da <= db digits, scale a to db digits: a' = a * 10^(db - da), which
 * is below 10^db <= 10^19 and so fits.  a' < b means a's digits are below
 * b's first da digits, or equal to them (then a is a proper prefix of b);
 * either way a's text sorts first.  a' > b means a's digits are above b's
 * first da.  a' = b means b is a followed by zeros: a, the prefix, first
 * (unless da = db, when a = b).
 */
static int
compare_integer_texts(uint64_t a, uint64_t b)
{
	int			da = decimal_digits(a);
	int			db = decimal_digits(b);

	if (da == db)
		return (a > b) - (a < b);
	if (da < db)
	{
		uint64_t	scaled = a * powers_of_ten[db - da];

		return scaled > b ? 1 : -1;
	}
	else
	{
		uint64_t	scaled = b * powers_of_ten[da - db];

		return a < scaled ? -1 : 1;
	}
}

/*
 * external_id_core_compare_views
 *		The order of two valid values: their canonical texts compared byte
 *		by byte, the shorter first when one is a prefix of the other.
 *		Returns -1, 0 or 1.
 *
 * Two texts and two uuids compare their payloads (see
 * external_id_core_compare()), two integers their decimal texts by
 * arithmetic; any other pair prints the non-text side (at most 36
 * characters) and compares the texts.
 */
int
external_id_core_compare_views(const ExternalIdView *a, const ExternalIdView *b)
{
	char		abuf[EXTERNAL_ID_UUID_CHARS];
	char		bbuf[EXTERNAL_ID_UUID_CHARS];
	const unsigned char *atext;
	const unsigned char *btext;
	int			alen;
	int			blen;

	if (a->kind == b->kind)
	{
		if (a->kind == EXTERNAL_ID_KIND_INTEGER)
			return compare_integer_texts(view_integer(a), view_integer(b));
		/* texts, or uuids (same length, the bytes in text order) */
		return compare_bytes(a->p, a->len, b->p, b->len);
	}
	alen = render(a, abuf, &atext);
	blen = render(b, bbuf, &btext);
	return compare_bytes(atext, alen, btext, blen);
}

/*
 * external_id_core_abbrev_view
 *		Abbreviated key of a valid value: the first 8 bytes of its canonical
 *		text, zero-padded, read as a big-endian unsigned integer.
 *
 * Where two abbreviations differ, their order is the full order: the
 * texts differ within their first 8 bytes, in the same direction.  Zero
 * padding keeps that true for a text shorter than 8 bytes: it is a prefix
 * of every longer text with the same first bytes, and sorts first, as its
 * padding does (no PostgreSQL text holds a zero byte, and if one did it
 * would compare equal, not wrongly).  A uuid's key is its first 8
 * hexadecimal digits, an integer's its first 8 decimal digits.
 */
uint64_t
external_id_core_abbrev_view(const ExternalIdView *v)
{
	uint64_t	key = 0;
	int			i;

	switch (v->kind)
	{
		case EXTERNAL_ID_KIND_UUID:
			for (i = 0; i < 4; i++)
				key = (key << 16) |
					((uint64_t) (unsigned char) hex_chars[v->p[i] >> 4] << 8) |
					(uint64_t) (unsigned char) hex_chars[v->p[i] & 0x0f];
			return key;
		case EXTERNAL_ID_KIND_INTEGER:
			{
				uint64_t	x = view_integer(v);
				int			n = decimal_digits(x);

				/* keep the first 8 digits; the rest of the key is padding */
				if (n > 8)
					x /= powers_of_ten[n - 8];
				for (i = 0; i < 8; i++)
				{
					int			d = (n < 8 ? n : 8) - 1 - i;

					key <<= 8;
					if (d >= 0)
						key |= '0' + (x / powers_of_ten[d]) % 10;
				}
				return key;
			}
		default:
			for (i = 0; i < 8; i++)
				key = (key << 8) | (i < v->len ? v->p[i] : 0);
			return key;
	}
}
