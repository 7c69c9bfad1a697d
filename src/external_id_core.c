/*-------------------------------------------------------------------------
 *
 * external_id_core.c
 *	  The server-free core of swisper.external_id (see external_id_core.h):
 *	  the one validator and classifier of a value's text, the printer of
 *	  canonical bytes, and the checks of the fixed-size binary payloads.
 *
 * Storage format (the canonical bytes).  A value is either a kind tag byte
 * followed by a fixed-size payload, or text:
 *
 *	  tag 1 (integer): 8 bytes, a non-negative int64, big-endian.  Used for
 *		  canonical decimal integers only: "0" or a digit 1-9 followed by
 *		  digits, at most 9223372036854775807, no sign, no blanks.  So "12345"
 *		  prints back as "12345", while "012345", "+5" and "-5" stay text.
 *	  tag 2 (uuid): the 16 bytes of the uuid.  Every spelling that
 *		  PostgreSQL's uuid input accepts (upper or lower case, braces,
 *		  no hyphens or a hyphen after any group of four digits) is this
 *		  kind, printed in lower-case hyphenated form.
 *	  text: everything else, the bytes exactly as given, 1 to 255 bytes,
 *		  with no tag byte: a text value never starts with a control
 *		  character, so its first byte (>= 0x20) cannot be mistaken for a tag.
 *
 * Nothing here allocates or raises: every function returns a status, and
 * the caller (external_id.c in the server, the fuzz targets outside it)
 * decides what to do with it.  Only the C library is used.
 *
 *-------------------------------------------------------------------------
 */
#include "external_id_core.h"

/* Largest value of the integer kind (PostgreSQL's PG_INT64_MAX). */
#define EXTERNAL_ID_INTEGER_MAX	UINT64_C(9223372036854775807)

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
 *		Does str[0..len) spell a uuid the way PostgreSQL's uuid input accepts?
 *
 * The accepted set is exactly that of string_to_uuid() in PostgreSQL 15's
 * src/backend/utils/adt/uuid.c: 32 hexadecimal digits in either case, an
 * optional hyphen after each group of four digits (but not after the last),
 * the whole optionally between { and }.  Fills uuid[16] when it does.
 */
static bool
parse_uuid_spelling(const char *str, int len, unsigned char *uuid)
{
	int			pos = 0;
	bool		braces = false;
	int			i;

	if (len > 0 && str[0] == '{')
	{
		braces = true;
		pos++;
	}
	for (i = 0; i < EXTERNAL_ID_UUID_BYTES; i++)
	{
		int			hi,
					lo;

		if (pos + 1 >= len)
			return false;
		hi = hex_digit_value(str[pos]);
		lo = hex_digit_value(str[pos + 1]);
		if (hi < 0 || lo < 0)
			return false;
		uuid[i] = (unsigned char) ((hi << 4) | lo);
		pos += 2;
		if (pos < len && str[pos] == '-' && (i % 2) == 1 &&
			i < EXTERNAL_ID_UUID_BYTES - 1)
			pos++;
	}
	if (braces)
	{
		if (pos >= len || str[pos] != '}')
			return false;
		pos++;
	}
	return pos == len;
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
	if (len < 1 || len > 19)
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
 *		Validate and canonicalise the text form of an external id.
 *
 * str[0..len) (len >= 0) need not be NUL-terminated.  The checks run in
 * this order, and the first that fails is the status: empty, longer than
 * EXTERNAL_ID_MAX_BYTES, a control character (U+0000-U+001F, U+007F; its
 * 0-based offset goes to *errpos), not valid in the encoding (verify, when
 * not NULL), a blank at either end.  Control characters are checked
 * byte-wise: in every server encoding the bytes below 0x80 are ASCII and
 * never part of a multibyte character.  On EXTERNAL_ID_OK, *out holds the
 * canonical bytes: the uuid kind if str spells a uuid, else the integer
 * kind if it is a canonical integer, else the text as given.
 */
ExternalIdStatus
external_id_core_parse(const char *str, int len, ExternalIdVerifyFn verify,
					   void *verify_arg, ExternalIdCanon *out, int *errpos)
{
	uint64_t	intval;
	int			i;

	if (len <= 0)
		return EXTERNAL_ID_EMPTY;
	if (len > EXTERNAL_ID_MAX_BYTES)
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
	if (verify != NULL && !verify(str, len, verify_arg))
		return EXTERNAL_ID_BAD_ENCODING;

	/*
	 * Leading or trailing blanks are rejected, not trimmed: trimming would
	 * silently merge " u1" into "u1", and such blanks are almost always a bug
	 * upstream that should be seen.  Blanks inside a value are kept.
	 */
	if (str[0] == ' ' || str[len - 1] == ' ')
		return EXTERNAL_ID_BLANK_AT_END;

	if (parse_uuid_spelling(str, len, out->data + 1))
	{
		out->data[0] = EXTERNAL_ID_KIND_UUID;
		out->len = 1 + EXTERNAL_ID_UUID_BYTES;
	}
	else if (parse_canonical_integer(str, len, &intval))
	{
		out->data[0] = EXTERNAL_ID_KIND_INTEGER;
		for (i = 0; i < EXTERNAL_ID_INTEGER_BYTES; i++)
			out->data[1 + i] = (unsigned char) (intval >> (8 * (7 - i)));
		out->len = 1 + EXTERNAL_ID_INTEGER_BYTES;
	}
	else
	{
		/* no tag: str[0] is not a control character (checked above) */
		memcpy(out->data, str, len);
		out->len = len;
	}
	return EXTERNAL_ID_OK;
}

/*
 * external_id_core_recv
 *		Canonical bytes from a binary payload of a fixed-size kind.
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
	out->data[0] = (unsigned char) tag;
	memcpy(out->data + 1, payload, len);
	out->len = 1 + len;
	return EXTERNAL_ID_OK;
}

/*
 * external_id_core_kind
 *		The kind of stored bytes: EXTERNAL_ID_KIND_INTEGER, _UUID or _TEXT,
 *		or 0 when they are no valid value (a tag that is no kind, a payload
 *		of the wrong size, a negative integer).
 */
int
external_id_core_kind(const unsigned char *data, int len)
{
	if (len < 1)
		return 0;
	switch (data[0])
	{
		case EXTERNAL_ID_KIND_INTEGER:
			if (len != 1 + EXTERNAL_ID_INTEGER_BYTES || (data[1] & 0x80) != 0)
				return 0;
			return EXTERNAL_ID_KIND_INTEGER;
		case EXTERNAL_ID_KIND_UUID:
			return len == 1 + EXTERNAL_ID_UUID_BYTES ? EXTERNAL_ID_KIND_UUID : 0;
		default:
			return EXTERNAL_ID_IS_TAG(data[0]) ? 0 : EXTERNAL_ID_KIND_TEXT;
	}
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
	static const char hex_chars[] = "0123456789abcdef";
	char		digits[20];
	uint64_t	v = 0;
	int			n = 0;
	int			i;
	char	   *p = buf;

	switch (external_id_core_kind(data, len))
	{
		case EXTERNAL_ID_KIND_INTEGER:
			for (i = 0; i < EXTERNAL_ID_INTEGER_BYTES; i++)
				v = (v << 8) | data[1 + i];
			do
			{
				digits[n++] = (char) ('0' + v % 10);
				v /= 10;
			} while (v != 0);
			while (n > 0)
				*p++ = digits[--n];
			break;
		case EXTERNAL_ID_KIND_UUID:
			for (i = 0; i < EXTERNAL_ID_UUID_BYTES; i++)
			{
				if (i == 4 || i == 6 || i == 8 || i == 10)
					*p++ = '-';
				*p++ = hex_chars[data[1 + i] >> 4];
				*p++ = hex_chars[data[1 + i] & 0x0f];
			}
			break;
		case EXTERNAL_ID_KIND_TEXT:
			memcpy(p, data, len);
			p += len;
			break;
		default:
			return -1;
	}
	*p = '\0';
	return (int) (p - buf);
}
