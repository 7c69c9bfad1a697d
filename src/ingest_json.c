/*-------------------------------------------------------------------------
 *
 * ingest_json.c
 *	  From JSON text to jsonb without raising an error for bad input: the
 *	  text elements of swisper.ingest_entries() and the "data" strings of
 *	  stream entries.  Validation and building are one pass of PostgreSQL's
 *	  own parser (pg_parse_json, which returns its errors instead of raising
 *	  them) with semantic actions that build the value as jsonb_in() does.
 *
 * Everything jsonb_in() would raise an error for is found first and
 * reported as a problem of the text, with its byte offset: syntax, bad
 * escapes and lone surrogates (returned by the parser), nesting that would
 * exhaust the stack, numbers outside numeric's range, strings and
 * containers too large for jsonb, and (in a database that is not UTF8)
 * \u escapes the server encoding cannot hold.  Nothing here takes a
 * subtransaction.  Plainly valid text of a UTF8 database takes the fast
 * path of ingest_json_scan.c, which builds the same value; what it does not
 * take comes here.
 *
 * \u0000.  jsonb and text cannot hold the NUL character, but LLM outputs
 * and tool results contain it, and a json column can keep it (as the
 * escape).  So a text holding \u0000 is parsed with every such escape
 * replaced by the escape of a sentinel: a code point the text does not
 * contain (a Unicode noncharacter, U+FDD0..U+FDEF, in a UTF8 database; an
 * ASCII control character in others).  The value then holds the sentinel
 * where the NUL was; ingest_event.c turns it back into \u0000 in json
 * text and into U+FFFD in jsonb and text columns.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "common/jsonapi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "ingest.h"

/* What the semantic actions build. */
typedef struct JsonBuild
{
	JsonLexContext *lex;
	JsonbParseState *ps;
	JsonbValue *res;
	const char *problem;		/* the first value jsonb cannot hold */
	int			problem_at;		/* where that value ends (byte offset) */
	Size		size;			/* upper bound of the binary form, in bytes */
	Size		nvalues;
} JsonBuild;

/*
 * Does JSON text s nest arrays and objects deeper than limit?  Returns the
 * byte offset where it does, or -1.  Counts brackets outside strings;
 * every server encoding keeps the bytes of ASCII characters for ASCII only,
 * so a byte-wise scan is exact.
 */
static int
json_nesting_exceeds(const char *s, int len, int limit)
{
	int			depth = 0;
	bool		in_string = false;
	int			i;

	if (len <= limit)
		return -1;				/* each level takes at least one byte */
	for (i = 0; i < len; i++)
	{
		char		c = s[i];

		if (in_string)
		{
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		}
		else if (c == '"')
			in_string = true;
		else if (c == '[' || c == '{')
		{
			if (++depth > limit)
				return i;
		}
		else if (c == ']' || c == '}')
			depth--;
	}
	return -1;
}

/*
 * Remember the first problem, and where the parser was (the actions run
 * just after their token).
 */
static void
set_problem(JsonBuild *b, const char *problem)
{
	if (b->problem != NULL)
		return;
	b->problem = problem;
	b->problem_at = b->lex->prev_token_terminator ? b->lex->prev_token_terminator - b->lex->input : 0;
}

/*
 * ingest_json_nests_deeper: does JSON text s nest arrays and objects deeper
 * than limit?
 */
bool
ingest_json_nests_deeper(const char *s, int len, int limit)
{
	return json_nesting_exceeds(s, len, limit) >= 0;
}

/*
 * Count a value into the bounds of the binary form; flag the first excess.
 */
static inline void
count_value(JsonBuild *b, Size bytes)
{
	switch (ingest_json_count(&b->size, &b->nvalues, bytes))
	{
		case INGEST_JSON_FITS:
			break;
		case INGEST_JSON_TOO_MANY_VALUES:
			set_problem(b, "holds too many values to store as jsonb");
			break;
		case INGEST_JSON_TOO_LARGE:
			set_problem(b, "is too large to store as jsonb (its binary form would exceed 256 MB)");
			break;
	}
}

static void
build_object_start(void *state)
{
	JsonBuild  *b = (JsonBuild *) state;

	count_value(b, 12);
	if (b->problem == NULL)
		b->res = pushJsonbValue(&b->ps, WJB_BEGIN_OBJECT, NULL);
}

static void
build_object_end(void *state)
{
	JsonBuild  *b = (JsonBuild *) state;

	if (b->problem == NULL)
		b->res = pushJsonbValue(&b->ps, WJB_END_OBJECT, NULL);
}

static void
build_array_start(void *state)
{
	JsonBuild  *b = (JsonBuild *) state;

	count_value(b, 12);
	if (b->problem == NULL)
		b->res = pushJsonbValue(&b->ps, WJB_BEGIN_ARRAY, NULL);
}

static void
build_array_end(void *state)
{
	JsonBuild  *b = (JsonBuild *) state;

	if (b->problem == NULL)
		b->res = pushJsonbValue(&b->ps, WJB_END_ARRAY, NULL);
}

static void
build_object_field_start(void *state, char *fname, bool isnull)
{
	JsonBuild  *b = (JsonBuild *) state;
	JsonbValue	v;
	Size		len = strlen(fname);

	count_value(b, len + 4);
	if (len > JENTRY_OFFLENMASK)
		set_problem(b, "holds a key too long to store as jsonb");
	if (b->problem != NULL)
		return;
	v.type = jbvString;
	v.val.string.len = len;
	v.val.string.val = fname;
	b->res = pushJsonbValue(&b->ps, WJB_KEY, &v);
}

static void
build_scalar(void *state, char *token, JsonTokenType tokentype)
{
	JsonBuild  *b = (JsonBuild *) state;
	JsonbValue	v;
	Size		len = token ? strlen(token) : 0;

	switch (tokentype)
	{
		case JSON_TOKEN_STRING:
			count_value(b, len + 8);
			if (len > JENTRY_OFFLENMASK)
				set_problem(b, "holds a string too long to store as jsonb");
			if (b->problem != NULL)
				return;
			v.type = jbvString;
			v.val.string.len = len;
			v.val.string.val = token;
			break;
		case JSON_TOKEN_NUMBER:
			count_value(b, len / 2 + 24);
			if (!ingest_number_fits_numeric(token))
			{
				set_problem(b, psprintf("holds the number %s, outside the range of type numeric",
										ingest_quote(token, len)));
				b->problem_at = Max(b->problem_at - (int) len, 0);
			}
			if (b->problem != NULL)
				return;
			v.type = jbvNumeric;
			v.val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(token),
																ObjectIdGetDatum(InvalidOid),
																Int32GetDatum(-1)));
			break;
		case JSON_TOKEN_TRUE:
		case JSON_TOKEN_FALSE:
			count_value(b, 4);
			if (b->problem != NULL)
				return;
			v.type = jbvBool;
			v.val.boolean = (tokentype == JSON_TOKEN_TRUE);
			break;
		case JSON_TOKEN_NULL:
			count_value(b, 4);
			if (b->problem != NULL)
				return;
			v.type = jbvNull;
			break;
		default:
			elog(ERROR, "unexpected json token type %d", (int) tokentype);
			return;
	}

	if (b->ps == NULL)
	{
		/* a scalar at the root: jsonb keeps it as a one-element raw array */
		JsonbValue	va;

		va.type = jbvArray;
		va.val.array.rawScalar = true;
		va.val.array.nElems = 1;
		b->res = pushJsonbValue(&b->ps, WJB_BEGIN_ARRAY, &va);
		b->res = pushJsonbValue(&b->ps, WJB_ELEM, &v);
		b->res = pushJsonbValue(&b->ps, WJB_END_ARRAY, NULL);
	}
	else
		b->res = pushJsonbValue(&b->ps, b->ps->contVal.type == jbvObject ? WJB_VALUE : WJB_ELEM,
								&v);
}

/*
 * The sentinel candidates of the database's encoding: noncharacters in
 * UTF8; elsewhere the ASCII control characters that have no short escape
 * (\b \t \n \f \r), which every server encoding holds.
 */
static int
nul_candidates(pg_wchar *cand)
{
	int			n = 0;
	pg_wchar	c;

	if (GetDatabaseEncoding() == PG_UTF8)
	{
		for (c = 0xFDD0; c <= 0xFDEF; c++)
			cand[n++] = c;
	}
	else
	{
		for (c = 0x01; c <= 0x1F; c++)
			if (c != '\b' && c != '\t' && c != '\n' && c != '\f' && c != '\r')
				cand[n++] = c;
	}
	return n;
}

/*
 * Choose a sentinel the text does not contain, raw or as any \u escape
 * (escapes are looked for at every backslash, whatever precedes it, so
 * that the escapes of JSON held in a string of the text count too).
 * Returns false when the text holds every candidate.
 */
static bool
choose_nul_sentinel(const char *s, int len, IngestNul *nul)
{
	pg_wchar	cand[32];
	int			ncand = nul_candidates(cand);
	uint32		used = 0;
	const char *end = s + len;
	const char *p;
	int			i;

	for (p = s; p < end; p++)
	{
		unsigned char c = (unsigned char) *p;
		pg_wchar	code = 0;

		if (c == '\\' && p + 1 < end && p[1] == 'u')
		{
			int			h = ingest_json_hex4(p + 2, end);

			if (h < 0)
				continue;
			code = h;
		}
		else if (c == 0xEF && end - p >= 3 && (unsigned char) p[1] == 0xB7)
			code = utf8_to_unicode((const unsigned char *) p);
		else if (c < 0x20)
			code = c;
		else
			continue;
		for (i = 0; i < ncand; i++)
			if (cand[i] == code)
				used |= (((uint32) 1) << i);
	}
	for (i = 0; i < ncand; i++)
		if ((used & (((uint32) 1) << i)) == 0)
		{
			ingest_nul_set(nul, cand[i]);
			return true;
		}
	return false;
}

/*
 * Set a sentinel: its code point and its bytes in the server encoding
 * (UTF-8, or one ASCII byte).
 */
void
ingest_nul_set(IngestNul *nul, pg_wchar code)
{
	memset(nul, 0, sizeof(*nul));
	nul->code = code;
	if (code < 0x80)
	{
		nul->bytes[0] = (char) code;
		nul->len = 1;
	}
	else
	{
		unicode_to_utf8(code, (unsigned char *) nul->bytes);
		nul->len = pg_utf_mblen((unsigned char *) nul->bytes);
	}
}

/*
 * A copy of text s with every \u0000 escape replaced by the escape of the
 * sentinel (six characters for six: byte offsets stay those of s).
 */
static char *
mask_nul_escapes(const char *s, int len, const IngestNul *nul)
{
	char	   *out = palloc(len + 1);
	char		esc[7];
	int			i;

	memcpy(out, s, len);
	out[len] = '\0';
	snprintf(esc, sizeof(esc), "\\u%04X", (unsigned int) nul->code);
	for (i = 0; i + 1 < len; i++)
	{
		if (out[i] != '\\')
			continue;
		if (out[i + 1] == 'u' && i + 6 <= len && memcmp(out + i + 2, "0000", 4) == 0)
		{
			memcpy(out + i, esc, 6);
			i += 5;
		}
		else
			i++;				/* the escaped character */
	}
	return out;
}

/*
 * In a database whose encoding is not UTF8, the parser converts each \u
 * escape above U+007F to the server encoding and raises an error when it
 * cannot.  Find such an escape first: returns its byte offset, or -1.
 */
static int
unconvertible_escape(const char *s, int len)
{
	static Oid	convproc = InvalidOid;
	static bool looked_up = false;
	int			enc = GetDatabaseEncoding();
	const char *end = s + len;
	const char *p;

	if (enc == PG_UTF8)
		return -1;
	if (!looked_up)
	{
		convproc = (enc == PG_SQL_ASCII) ? InvalidOid : FindDefaultConversionProc(PG_UTF8, enc);
		looked_up = true;
	}
	for (p = s; p + 1 < end; p++)
	{
		int			h;
		int			low;
		pg_wchar	code;
		unsigned char utf8[MAX_MULTIBYTE_CHAR_LEN + 1];
		unsigned char conv[MAX_CONVERSION_GROWTH * MAX_MULTIBYTE_CHAR_LEN + 1];
		int			ulen;

		if (*p != '\\')
			continue;
		if (p[1] != 'u' || (h = ingest_json_hex4(p + 2, end)) < 0)
		{
			p++;
			continue;
		}
		code = h;
		low = (end - p >= 12 && p[6] == '\\' && p[7] == 'u') ? ingest_json_hex4(p + 8, end) : -1;
		if (is_utf16_surrogate_first(code) && low >= 0 && is_utf16_surrogate_second(low))
			code = surrogate_pair_to_codepoint(code, low);
		if (code > 0x7F && !is_utf16_surrogate_first(code) && !is_utf16_surrogate_second(code))
		{
			if (!OidIsValid(convproc))
				return p - s;
			unicode_to_utf8(code, utf8);
			ulen = pg_utf_mblen(utf8);
			utf8[ulen] = '\0';
			if (DatumGetInt32(OidFunctionCall6(convproc, Int32GetDatum(PG_UTF8), Int32GetDatum(enc),
											   CStringGetDatum((char *) utf8),
											   CStringGetDatum((char *) conv),
											   Int32GetDatum(ulen), BoolGetDatum(true))) != ulen)
				return p - s;
		}
		p += 5;
	}
	return -1;
}

/*
 * Parse once with the building actions.
 */
static JsonParseErrorType
parse_building(char *s, int len, JsonBuild *b, JsonLexContext **lexp)
{
	JsonSemAction sem;

	memset(b, 0, sizeof(*b));
	*lexp = makeJsonLexContextCstringLen(s, len, GetDatabaseEncoding(), true);
	b->lex = *lexp;
	memset(&sem, 0, sizeof(sem));
	sem.semstate = b;
	sem.object_start = build_object_start;
	sem.object_end = build_object_end;
	sem.array_start = build_array_start;
	sem.array_end = build_array_end;
	sem.object_field_start = build_object_field_start;
	sem.scalar = build_scalar;
	return pg_parse_json(*lexp, &sem);
}

/*
 * Where the parser found its error: the start of the offending token; the
 * end of the text when it ended too early; inside a string, the escape.
 */
static int
error_offset(JsonParseErrorType rc, JsonLexContext *lex, int len)
{
	const char *at = lex->token_start;

	switch (rc)
	{
		case JSON_ESCAPING_INVALID:
		case JSON_ESCAPING_REQUIRED:
		case JSON_UNICODE_CODE_POINT_ZERO:
		case JSON_UNICODE_ESCAPE_FORMAT:
		case JSON_UNICODE_HIGH_ESCAPE:
		case JSON_UNICODE_HIGH_SURROGATE:
		case JSON_UNICODE_LOW_SURROGATE:
			/* the lexer leaves token_terminator just after the bad escape */
			if (lex->token_terminator != NULL)
				at = lex->token_terminator;
			break;
		case JSON_EXPECTED_MORE:
			return len;
		default:
			break;
	}
	if (at == NULL)
		return 0;
	return Min(at - lex->input, len);
}

/*
 * ingest_json_parse: see ingest.h.
 */
bool
ingest_json_parse(const char *text, int len, const IngestNul *inherit, IngestJson *out)
{
	JsonLexContext *lex;
	JsonParseErrorType rc;
	JsonBuild	b;
	char	   *s;
	int			at;

	memset(out, 0, sizeof(*out));
	out->jb = ingest_json_scan(text, len);
	if (out->jb != NULL)
		return true;
	at = json_nesting_exceeds(text, len, INGEST_MAX_JSON_DEPTH);
	if (at >= 0)
	{
		out->error = psprintf("nests JSON deeper than %d levels", INGEST_MAX_JSON_DEPTH);
		return false;
	}
	at = unconvertible_escape(text, len);
	if (at >= 0)
	{
		out->error = psprintf("holds the escape %.6s at byte %d, a character that the database encoding %s cannot hold",
							  text + at, at, GetDatabaseEncodingName());
		return false;
	}

	/* the lexer bounds every read by the length, and writes nothing */
	s = unconstify(char *, text);
	rc = parse_building(s, len, &b, &lex);
	if (rc == JSON_UNICODE_CODE_POINT_ZERO)
	{
		if (inherit != NULL && inherit->code != 0)
			out->nul = *inherit;
		else if (!choose_nul_sentinel(text, len, &out->nul))
		{
			/* every candidate is taken: the NULs become U+FFFD everywhere */
			ingest_nul_set(&out->nul, GetDatabaseEncoding() == PG_UTF8 ? 0xFFFD : '?');
			out->nul.lossy = true;
		}
		s = mask_nul_escapes(text, len, &out->nul);
		rc = parse_building(s, len, &b, &lex);
	}
	if (rc != JSON_SUCCESS)
	{
		char	   *detail = json_errdetail(rc, lex);
		int			cut = pg_mbcliplen(detail, strlen(detail), INGEST_QUOTE_CHARS * 2);

		/* a detail quotes the bad token, which may be megabytes long */
		out->error = psprintf("is not valid JSON at byte %d (%.*s%s)", error_offset(rc, lex, len),
							  cut, detail, detail[cut] ? "..." : "");
		return false;
	}
	if (b.problem != NULL)
	{
		out->error = psprintf("%s (at byte %d)", b.problem, b.problem_at);
		return false;
	}
	out->jb = JsonbValueToJsonb(b.res);
	return true;
}
