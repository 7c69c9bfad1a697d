/*-------------------------------------------------------------------------
 *
 * ingest_json_scan.c
 *	  The fast path of ingest_json_parse(): plainly valid JSON text, in a
 *	  UTF8 database, straight to jsonb.
 *
 * PostgreSQL 15's JSON lexer appends every character of a string to a
 * StringInfo, one function call per character, and the semantic actions
 * that build jsonb measure every token again; on the texts this extension
 * ingests (kilobytes of LLM input and output per event) that was most of
 * the time parsing takes.  This scanner takes a string without escapes
 * straight from the text (jsonb copies it once, when the tree is
 * flattened), decodes the escapes of the others in runs, builds the
 * JsonbValue tree directly, and flattens it with JsonbValueToJsonb(), as
 * jsonb_in() does: the same value, byte for byte.
 *
 * It accepts only what PostgreSQL's parser accepts, but it reports
 * nothing.  A text it does not take as plainly valid (a syntax error,
 * \u0000, nesting deeper than SCAN_MAX_DEPTH, a number outside numeric's
 * range, a value beyond jsonb's limits) is left to ingest_json.c's
 * complete parser, which gives the value or the error with its byte offset
 * and handles the \u0000 sentinel; so does every text of a database that
 * is not UTF8, where \u escapes need converting.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"

#include "ingest.h"

/*
 * Deeper texts go to the complete parser: the recursion here stays far
 * from the stack's limit, and LLM payloads rarely nest beyond a few levels.
 */
#define SCAN_MAX_DEPTH	64

/* As PostgreSQL's lexer: what continues a word or a number token. */
#define SCAN_WORD_CHAR(c) \
	(((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || \
	 ((c) >= '0' && (c) <= '9') || (c) == '_' || IS_HIGHBIT_SET(c))

#define SCAN_DIGIT(c)	((c) >= '0' && (c) <= '9')

typedef struct JsonScan
{
	const char *p;
	const char *end;
	Size		size;			/* upper bound of the binary form */
	Size		nvalues;
} JsonScan;

static bool scan_value(JsonScan *s, JsonbValue *v, int depth);

static inline void
skip_space(JsonScan *s)
{
	while (s->p < s->end &&
		   (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
		s->p++;
}

/*
 * Count a value into the bounds of jsonb's binary form, as ingest_json.c's
 * building actions do; false past them.
 */
static inline bool
count_value(JsonScan *s, Size bytes)
{
	return ingest_json_count(&s->size, &s->nvalues, bytes) == INGEST_JSON_FITS;
}

/*
 * ingest_json_hex4: the value of the four hex digits at p, or -1 (also when
 * fewer than four bytes are left before end).
 */
int
ingest_json_hex4(const char *p, const char *end)
{
	int			v = 0;
	int			i;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++)
	{
		char		c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/*
 * Decode the escape at p (a backslash) into out; returns the bytes written
 * and sets *next after the escape, or returns -1 for an escape the
 * complete parser must judge (invalid ones, \u0000, lone surrogates).
 */
static int
scan_escape(const char *p, const char *end, char *out, const char **next)
{
	int			code;
	int			low;

	if (end - p < 2)
		return -1;
	*next = p + 2;
	switch (p[1])
	{
		case '"':
		case '\\':
		case '/':
			*out = p[1];
			return 1;
		case 'b':
			*out = '\b';
			return 1;
		case 'f':
			*out = '\f';
			return 1;
		case 'n':
			*out = '\n';
			return 1;
		case 'r':
			*out = '\r';
			return 1;
		case 't':
			*out = '\t';
			return 1;
		case 'u':
			break;
		default:
			return -1;
	}
	code = ingest_json_hex4(p + 2, end);
	if (code <= 0 || is_utf16_surrogate_second(code))
		return -1;
	*next = p + 6;
	if (is_utf16_surrogate_first(code))
	{
		if (end - p < 12 || p[6] != '\\' || p[7] != 'u')
			return -1;
		low = ingest_json_hex4(p + 8, end);
		if (low < 0 || !is_utf16_surrogate_second(low))
			return -1;
		code = surrogate_pair_to_codepoint(code, low);
		*next = p + 12;
	}
	unicode_to_utf8(code, (unsigned char *) out);
	return pg_utf_mblen((unsigned char *) out);
}

/*
 * The string whose opening quote is at s->p: points into the text when it
 * has no escape, else a decoded copy (never longer than its escaped form).
 */
static bool
scan_string(JsonScan *s, char **str, int *len)
{
	const char *start = s->p + 1;
	const char *p = start;
	const char *close;
	char	   *out;
	char	   *o;

	while (p < s->end && *p != '"' && *p != '\\')
	{
		if ((unsigned char) *p < 0x20)
			return false;
		p++;
	}
	if (p >= s->end)
		return false;
	if (*p == '"')
	{
		*str = unconstify(char *, start);
		*len = p - start;
		s->p = p + 1;
		return true;
	}

	/* find the closing quote, to size the copy */
	for (close = p; close < s->end && *close != '"'; close++)
		if (*close == '\\')
			close++;
	if (close >= s->end)
		return false;
	out = palloc(close - start + 1);
	memcpy(out, start, p - start);
	o = out + (p - start);
	while (p < close)
	{
		const char *run = p;
		int			n;

		if (*p == '\\')
		{
			n = scan_escape(p, close + 1, o, &p);
			if (n < 0)
				return false;
			o += n;
			continue;
		}
		while (p < close && *p != '\\' && (unsigned char) *p >= 0x20)
			p++;
		if (p == run)
			return false;		/* a control character */
		memcpy(o, run, p - run);
		o += p - run;
	}
	*o = '\0';
	*str = out;
	*len = o - out;
	s->p = close + 1;
	return true;
}

/*
 * A number token, with PostgreSQL's grammar (json_lex_number): -?, then 0
 * or a digit string not starting with 0, then .digits, then e[+-]digits,
 * and no word character after it.
 */
static bool
scan_number(JsonScan *s, JsonbValue *v)
{
	const char *p = s->p;
	const char *end = s->end;
	char		buf[64];
	char	   *tok;
	int			len;

	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if (p < end && *p >= '1' && *p <= '9')
		while (p < end && SCAN_DIGIT(*p))
			p++;
	else
		return false;
	if (p < end && *p == '.')
	{
		p++;
		if (p >= end || !SCAN_DIGIT(*p))
			return false;
		while (p < end && SCAN_DIGIT(*p))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E'))
	{
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || !SCAN_DIGIT(*p))
			return false;
		while (p < end && SCAN_DIGIT(*p))
			p++;
	}
	if (p < end && SCAN_WORD_CHAR((unsigned char) *p))
		return false;

	len = p - s->p;
	tok = len < (int) sizeof(buf) ? buf : palloc(len + 1);
	memcpy(tok, s->p, len);
	tok[len] = '\0';
	if (!count_value(s, len / 2 + 24) || !ingest_number_fits_numeric(tok))
		return false;
	v->type = jbvNumeric;
	v->val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(tok),
														 ObjectIdGetDatum(InvalidOid),
														 Int32GetDatum(-1)));
	s->p = p;
	return true;
}

/*
 * true, false or null, as a whole word.
 */
static bool
scan_literal(JsonScan *s, JsonbValue *v)
{
	static const struct
	{
		const char *word;
		int			len;
		enum jbvType type;
		bool		value;
	}			literals[] = {
		{"true", 4, jbvBool, true},
		{"false", 5, jbvBool, false},
		{"null", 4, jbvNull, false},
	};
	int			i;

	for (i = 0; i < (int) lengthof(literals); i++)
	{
		int			len = literals[i].len;

		if (s->end - s->p < len || memcmp(s->p, literals[i].word, len) != 0)
			continue;
		if (s->end - s->p > len && SCAN_WORD_CHAR((unsigned char) s->p[len]))
			return false;
		if (!count_value(s, 4))
			return false;
		v->type = literals[i].type;
		v->val.boolean = literals[i].value;
		s->p += len;
		return true;
	}
	return false;
}

/*
 * jsonb's order of keys: shorter first, then bytewise; of equal keys the
 * one that came last first, so that it is the one kept (as jsonb keeps the
 * last value of a duplicated key).
 */
static int
cmp_pair(const void *a, const void *b)
{
	const JsonbPair *pa = (const JsonbPair *) a;
	const JsonbPair *pb = (const JsonbPair *) b;
	int			res;

	if (pa->key.val.string.len != pb->key.val.string.len)
		return pa->key.val.string.len > pb->key.val.string.len ? 1 : -1;
	res = memcmp(pa->key.val.string.val, pb->key.val.string.val, pa->key.val.string.len);
	if (res != 0)
		return res;
	return pa->order > pb->order ? -1 : 1;
}

/*
 * Sort the pairs as jsonb keeps them and drop the duplicated keys' earlier
 * values; returns the number of pairs left.
 */
static int
order_pairs(JsonbPair *pairs, int n)
{
	int			kept = 1;
	int			i;

	if (n < 2)
		return n;
	if (n <= 16)
	{
		/* the objects of events are small: insertion sort beats qsort */
		for (i = 1; i < n; i++)
		{
			JsonbPair	p = pairs[i];
			int			j = i;

			while (j > 0 && cmp_pair(&pairs[j - 1], &p) > 0)
			{
				pairs[j] = pairs[j - 1];
				j--;
			}
			pairs[j] = p;
		}
	}
	else
		qsort(pairs, n, sizeof(JsonbPair), cmp_pair);
	for (i = 1; i < n; i++)
	{
		JsonbPair  *prev = &pairs[kept - 1];

		if (pairs[i].key.val.string.len == prev->key.val.string.len &&
			memcmp(pairs[i].key.val.string.val, prev->key.val.string.val,
				   prev->key.val.string.len) == 0)
			continue;
		pairs[kept++] = pairs[i];
	}
	return kept;
}

/*
 * At the opening bracket of an object or an array: count it, and step
 * over it; 1 when a member follows, 0 when the container closes at once
 * with close, -1 past jsonb's bounds.
 */
static int
scan_open(JsonScan *s, char close)
{
	if (!count_value(s, 12))
		return -1;
	s->p++;
	skip_space(s);
	if (s->p < s->end && *s->p == close)
	{
		s->p++;
		return 0;
	}
	return 1;
}

/*
 * After a member of an object or an array: 1 when a comma follows (and the
 * next member is due), 0 when the container closes with close, -1 for
 * anything else.
 */
static int
scan_after_member(JsonScan *s, char close)
{
	skip_space(s);
	if (s->p < s->end && *s->p == ',')
	{
		s->p++;
		skip_space(s);
		return 1;
	}
	if (s->p < s->end && *s->p == close)
	{
		s->p++;
		return 0;
	}
	return -1;
}

static bool
scan_object(JsonScan *s, JsonbValue *v, int depth)
{
	int			max = 8;
	int			n = 0;
	int			more;
	bool		ordered = true;
	JsonbPair  *pairs = palloc(sizeof(JsonbPair) * max);

	more = scan_open(s, '}');
	while (more > 0)
	{
		JsonbPair  *pair;

		if (s->p >= s->end || *s->p != '"')
			return false;
		if (n == max)
		{
			max *= 2;
			pairs = repalloc(pairs, sizeof(JsonbPair) * max);
		}
		pair = &pairs[n];
		pair->key.type = jbvString;
		if (!scan_string(s, &pair->key.val.string.val, &pair->key.val.string.len) ||
			!count_value(s, pair->key.val.string.len + 4))
			return false;
		pair->order = n;
		skip_space(s);
		if (s->p >= s->end || *s->p != ':')
			return false;
		s->p++;
		skip_space(s);
		if (!scan_value(s, &pair->value, depth + 1))
			return false;
		if (ordered && n > 0 && cmp_pair(&pairs[n - 1], pair) > 0)
			ordered = false;
		n++;
		more = scan_after_member(s, '}');
	}
	if (more < 0)
		return false;
	v->type = jbvObject;
	v->val.object.nPairs = ordered ? n : order_pairs(pairs, n);
	v->val.object.pairs = pairs;
	return true;
}

static bool
scan_array(JsonScan *s, JsonbValue *v, int depth)
{
	int			max = 8;
	int			n = 0;
	int			more;
	JsonbValue *elems = palloc(sizeof(JsonbValue) * max);

	more = scan_open(s, ']');
	while (more > 0)
	{
		if (n == max)
		{
			max *= 2;
			elems = repalloc(elems, sizeof(JsonbValue) * max);
		}
		if (!scan_value(s, &elems[n], depth + 1))
			return false;
		n++;
		more = scan_after_member(s, ']');
	}
	if (more < 0)
		return false;
	v->type = jbvArray;
	v->val.array.nElems = n;
	v->val.array.elems = elems;
	v->val.array.rawScalar = false;
	return true;
}

/*
 * The value at s->p (no space before it).
 */
static bool
scan_value(JsonScan *s, JsonbValue *v, int depth)
{
	if (s->p >= s->end || depth > SCAN_MAX_DEPTH)
		return false;
	switch (*s->p)
	{
		case '{':
			return scan_object(s, v, depth);
		case '[':
			return scan_array(s, v, depth);
		case '"':
			v->type = jbvString;
			return scan_string(s, &v->val.string.val, &v->val.string.len) &&
				count_value(s, v->val.string.len + 8);
		case 't':
		case 'f':
		case 'n':
			return scan_literal(s, v);
		default:
			return scan_number(s, v);
	}
}

/*
 * ingest_json_scan: the jsonb value of JSON text s, or NULL when the text
 * is not plainly valid JSON of a UTF8 database (see the file's comment).
 * What it allocates before giving up is left to the caller's context.
 */
Jsonb *
ingest_json_scan(const char *text, int len)
{
	JsonScan		s;
	JsonbValue	v;

	if (GetDatabaseEncoding() != PG_UTF8)
		return NULL;
	s.p = text;
	s.end = text + len;
	s.size = 0;
	s.nvalues = 0;
	skip_space(&s);
	if (!scan_value(&s, &v, 1))
		return NULL;
	skip_space(&s);
	if (s.p != s.end)
		return NULL;
	return JsonbValueToJsonb(&v);
}
