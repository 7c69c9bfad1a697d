/*-------------------------------------------------------------------------
 *
 * ingest_event.c
 *	  Turn one input element into a validated IngestEvent: a stream entry
 *	  as the SDK publishes it, a Langfuse-style envelope, or the body of an
 *	  HTTP request.  Every field is converted here into the type of its
 *	  target column, so that nothing can fail once the writing starts.
 *
 * Nothing here raises an error for bad input: an invalid element gets
 * status 400 and a message "<field>: <what was wrong>".  Values are read
 * with the jsonb C API, never through SQL.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "common/hashfn.h"
#include "common/jsonapi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/datetime.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "ingest.h"
#include "ingest_timestamp_core.h"

/*
 * The helpers ingest_otlp.c shares, declared in ingest.h: global names
 * with the ingest_ prefix, called here by their short ones.
 */
#define reject				ingest_reject
#define get_key				ingest_get_key
#define as_object			ingest_as_object
#define set_field			ingest_set_field
#define set_field_text		ingest_set_field_text
#define set_field_ts		ingest_set_field_ts
#define check_id_length		ingest_check_id_length
#define set_entity			ingest_set_entity
#define set_trace_project	ingest_set_trace_project
#define set_obs_trace		ingest_set_obs_trace
#define set_tiebreak		ingest_set_tiebreak

/* Shorthands for the tables of a target. */
#define TRACES(t)	(&(t)->tables[IK_TRACE])
#define OBS(t)		(&(t)->tables[IK_OBS])

/*
 * Ids are keys of btree indexes (the tables' primary keys, trace_id,
 * parent_observation_id, session_id, user_id, the merge state's entity_id),
 * and a btree entry cannot exceed a third of a page (2704 bytes with 8 kB
 * pages).
 * A longer id would fail the whole call when its row is written, so it is
 * refused here, for its own element, with room left for the other columns
 * of an index.
 */
#define INGEST_MAX_ID_BYTES 1024

/* Levels the platform knows. */
static const char *const known_levels[] = {"DEBUG", "DEFAULT", "WARNING", "ERROR"};

/* Langfuse types this project does not store (yet). */
static const char *const unstored_types[] = {"score-create", "dataset-item-create",
"dataset-run-item-create"};

/*
 * Langfuse envelope types that make an observation of a given type.  Newer
 * SDKs send types the platform's enum may lack: such an observation is
 * stored as the nearest type the platform has, and meta.langfuse_type keeps
 * the envelope's type.
 */
typedef struct EnvelopeObsType
{
	const char *type;			/* the envelope's type */
	const char *obs_type;		/* the observation type of the same name */
	const char *nearest;		/* when the target lacks obs_type */
	int			prec;
} EnvelopeObsType;

static const EnvelopeObsType envelope_obs_types[] = {
	{"span-create", "SPAN", "SPAN", PREC_START},
	{"span-update", "SPAN", "SPAN", PREC_END},
	{"generation-create", "GENERATION", "GENERATION", PREC_START},
	{"generation-update", "GENERATION", "GENERATION", PREC_END},
	{"event-create", "EVENT", "EVENT", PREC_START},
	{"agent-create", "AGENT", "AGENT", PREC_START},
	{"tool-create", "TOOL", "TOOL", PREC_START},
	{"chain-create", "CHAIN", "SPAN", PREC_START},
	{"retriever-create", "RETRIEVER", "SPAN", PREC_START},
	{"evaluator-create", "EVALUATOR", "SPAN", PREC_START},
	{"embedding-create", "EMBEDDING", "GENERATION", PREC_START},
	{"guardrail-create", "GUARDRAIL", "SPAN", PREC_START},
	/* legacy: the type comes from body.type */
	{"observation-create", NULL, NULL, PREC_START},
	{"observation-update", NULL, NULL, PREC_END},
};

/*
 * The sentinel standing for \u0000 in the values of an event (ev->nul, see
 * ingest_json.c) is set when its element's text is parsed; a "data" string
 * parsed later takes it over, or chooses its own when the element had none.
 * It lives in the event, so that nothing of one element can reach another
 * (an event made elsewhere, zeroed, has none).
 */

/*
 * Where the sentinel occurs in s (len bytes), or NULL.  Without a sentinel
 * (nearly always) this is one test.
 */
static const char *
find_nul(const IngestNul *nul, const char *s, int len)
{
	const char *end = s + len;
	const char *p;

	if (nul == NULL || nul->code == 0 || nul->lossy)
		return NULL;
	for (p = s; p < end && (p = memchr(p, nul->bytes[0], end - p)) != NULL; p++)
		if (end - p >= nul->len && memcmp(p, nul->bytes, nul->len) == 0)
			return p;
	return NULL;
}

/*
 * s (len bytes) with every sentinel replaced by U+FFFD ('?' where the
 * server encoding lacks it): what a text or jsonb value holds instead of
 * the NUL.  Returns s itself when there is none; else a copy, updating
 * *len and setting *replaced.
 */
static const char *
unmask_nul(const IngestNul *nul, const char *s, int *len, bool *replaced)
{
	const char *end = s + *len;
	const char *p = find_nul(nul, s, *len);
	bool		utf8 = (GetDatabaseEncoding() == PG_UTF8);
	StringInfoData buf;

	if (p == NULL)
		return s;
	initStringInfo(&buf);
	while (p != NULL)
	{
		appendBinaryStringInfo(&buf, s, p - s);
		appendBinaryStringInfo(&buf, utf8 ? "\xEF\xBF\xBD" : "?", utf8 ? 3 : 1);
		s = p + nul->len;
		p = find_nul(nul, s, end - s);
	}
	appendBinaryStringInfo(&buf, s, end - s);
	*len = buf.len;
	if (replaced)
		*replaced = true;
	return buf.data;
}

/*
 * A jsonb value with its sentinels replaced (see unmask_nul), rebuilt only
 * when it holds one.  Strings are stored verbatim in jsonb, so a search of
 * its bytes finds every one (and, rarely, a match in the binary structure:
 * then the rebuild changes nothing).
 */
static Jsonb *
jsonb_unmask_nul(const IngestNul *nul, Jsonb *jb, bool *replaced)
{
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbParseState *ps = NULL;
	JsonbValue	v;
	JsonbValue *res = NULL;

	if (find_nul(nul, VARDATA(jb), VARSIZE(jb) - VARHDRSZ) == NULL)
		return jb;
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		if (tok == WJB_KEY || tok == WJB_VALUE || tok == WJB_ELEM)
		{
			if (v.type == jbvString)
			{
				int			len = v.val.string.len;

				v.val.string.val = (char *) unmask_nul(nul, v.val.string.val, &len, replaced);
				v.val.string.len = len;
			}
			res = pushJsonbValue(&ps, tok, &v);
		}
		else
			res = pushJsonbValue(&ps, tok, (tok == WJB_BEGIN_ARRAY && v.val.array.rawScalar) ? &v : NULL);
	}
	return JsonbValueToJsonb(res);
}

/*
 * Mark an event invalid (or otherwise finished) with a status and message.
 * Returns false so that callers can "return reject(...)".
 */
static const char *unmask_nul(const IngestNul *nul, const char *s, int *len, bool *replaced);

bool
reject(IngestEvent *ev, int status, const char *fmt,...)
{
	va_list		args;
	StringInfoData buf;

	initStringInfo(&buf);
	for (;;)
	{
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	ev->status = status;
	/* a value quoted in the message shows its NULs as U+FFFD */
	ev->message = (char *) unmask_nul(&ev->nul, buf.data, &buf.len, NULL);
	ev->action = IA_NONE;
	return false;
}

/*
 * The value of key in an object, or NULL when absent or JSON null.
 */
JsonbValue *
get_key(JsonbContainer *obj, const char *key, JsonbValue *buf)
{
	JsonbValue *v;

	if (obj == NULL)
		return NULL;
	v = getKeyJsonValueFromContainer(obj, key, strlen(key), buf);
	if (v == NULL || v->type == jbvNull)
		return NULL;
	return v;
}

/*
 * The first of two spellings (camelCase, snake_case) that is present.
 * *used tells which one was found, for messages.
 */
static JsonbValue *
get_key2(JsonbContainer *obj, const char *k1, const char *k2, JsonbValue *buf,
		 const char **used)
{
	JsonbValue *v = get_key(obj, k1, buf);

	*used = k1;
	if (v == NULL && k2 != NULL)
	{
		v = get_key(obj, k2, buf);
		*used = k2;
	}
	return v;
}

/*
 * The container of an object value, or NULL if v is not an object.
 */
JsonbContainer *
as_object(JsonbValue *v)
{
	if (v && v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data))
		return v->val.binary.data;
	return NULL;
}

/*
 * Text of a scalar (string, number, boolean); false for objects/arrays.
 */
static bool
scalar_text(JsonbValue *v, const char **s, int *len)
{
	switch (v->type)
	{
		case jbvString:
			*s = v->val.string.val;
			*len = v->val.string.len;
			return true;
		case jbvNumeric:
			*s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
			*len = strlen(*s);
			return true;
		case jbvBool:
			*s = v->val.boolean ? "true" : "false";
			*len = strlen(*s);
			return true;
		default:
			return false;
	}
}

/*
 * The JSON type of a value, with its article, for messages.
 */
static const char *
json_type_phrase(JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "a string";
		case jbvNumeric:
			return "a number";
		case jbvBool:
			return "a boolean";
		default:
			return (v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data)) ?
				"an object" : "an array";
	}
}

/*
 * A string value of an event as a C string, or NULL if v is absent or not a
 * string.
 */
static char *
string_value(IngestEvent *ev, JsonbValue *v)
{
	if (v && v->type == jbvString)
	{
		int			len = v->val.string.len;
		const char *s = unmask_nul(&ev->nul, v->val.string.val, &len, NULL);

		return pnstrdup(s, len);
	}
	return NULL;
}

/*
 * Append the characters of str (len bytes) to buf escaped exactly as
 * PostgreSQL's escape_json() does.  escape_json() appends byte by byte;
 * this appends the runs between escapes in one piece, which matters for
 * the kilobytes of model input and output in a json column.
 */
static void
append_json_chars(StringInfo buf, const char *str, int len)
{
	const char *end = str + len;
	const char *run = str;
	const char *p;

	for (p = str; p < end; p++)
	{
		unsigned char c = (unsigned char) *p;
		const char *esc;

		if (c >= ' ' && c != '"' && c != '\\')
			continue;
		appendBinaryStringInfo(buf, run, p - run);
		run = p + 1;
		switch (c)
		{
			case '\b':
				esc = "\\b";
				break;
			case '\f':
				esc = "\\f";
				break;
			case '\n':
				esc = "\\n";
				break;
			case '\r':
				esc = "\\r";
				break;
			case '\t':
				esc = "\\t";
				break;
			case '"':
				esc = "\\\"";
				break;
			case '\\':
				esc = "\\\\";
				break;
			default:
				appendStringInfo(buf, "\\u%04x", (int) c);
				continue;
		}
		appendBinaryStringInfo(buf, esc, 2);
	}
	appendBinaryStringInfo(buf, run, end - run);
}

/*
 * Append str as a JSON string.  A json column can hold \u0000: the
 * sentinel that stands for it becomes the escape again.
 */
static void
append_json_string(StringInfo buf, const char *str, int len, const IngestNul *nul)
{
	const char *at;

	appendStringInfoCharMacro(buf, '"');
	while ((at = find_nul(nul, str, len)) != NULL)
	{
		append_json_chars(buf, str, at - str);
		appendBinaryStringInfo(buf, "\\u0000", 6);
		len -= (at - str) + nul->len;
		str = at + nul->len;
	}
	append_json_chars(buf, str, len);
	appendStringInfoCharMacro(buf, '"');
}

/*
 * Append a scalar as JsonbToCString() prints it.
 */
static void
append_json_scalar(StringInfo buf, JsonbValue *v, const IngestNul *nul)
{
	switch (v->type)
	{
		case jbvNull:
			appendBinaryStringInfo(buf, "null", 4);
			break;
		case jbvString:
			append_json_string(buf, v->val.string.val, v->val.string.len, nul);
			break;
		case jbvNumeric:
			appendStringInfoString(buf, DatumGetCString(DirectFunctionCall1(numeric_out,
																			 NumericGetDatum(v->val.numeric))));
			break;
		case jbvBool:
			if (v->val.boolean)
				appendBinaryStringInfo(buf, "true", 4);
			else
				appendBinaryStringInfo(buf, "false", 5);
			break;
		default:
			elog(ERROR, "unexpected jsonb value type %d", (int) v->type);
	}
}

/*
 * JSON text of any value, as a text datum for a json column: the text
 * JsonbToCString() gives (keys in jsonb order, ", " and ": " separators),
 * built straight into the varlena.
 */
static text *
json_text(JsonbValue *v, const IngestNul *nul)
{
	StringInfoData buf;
	JsonbIterator *it;
	JsonbValue	jv;
	JsonbIteratorToken tok;
	bool		first = true;
	bool		raw_scalar = false;
	text	   *result;

	initStringInfo(&buf);
	appendStringInfoSpaces(&buf, VARHDRSZ);
	if (v->type != jbvBinary)
		append_json_scalar(&buf, v, nul);
	else
	{
		it = JsonbIteratorInit(v->val.binary.data);
		while ((tok = JsonbIteratorNext(&it, &jv, false)) != WJB_DONE)
		{
			/* a value of megabytes takes a while: stay cancellable */
			CHECK_FOR_INTERRUPTS();
			switch (tok)
			{
				case WJB_BEGIN_ARRAY:
					if (!first)
						appendBinaryStringInfo(&buf, ", ", 2);
					/* a raw scalar (only ever the root) prints as the scalar alone */
					if (jv.val.array.rawScalar)
						raw_scalar = true;
					else
						appendStringInfoCharMacro(&buf, '[');
					first = true;
					break;
				case WJB_BEGIN_OBJECT:
					if (!first)
						appendBinaryStringInfo(&buf, ", ", 2);
					appendStringInfoCharMacro(&buf, '{');
					first = true;
					break;
				case WJB_KEY:
					if (!first)
						appendBinaryStringInfo(&buf, ", ", 2);
					append_json_scalar(&buf, &jv, nul);
					appendBinaryStringInfo(&buf, ": ", 2);
					/* the value (or the container) that follows is not preceded by ", " */
					first = true;
					break;
				case WJB_VALUE:
				case WJB_ELEM:
					if (!first)
						appendBinaryStringInfo(&buf, ", ", 2);
					append_json_scalar(&buf, &jv, nul);
					first = false;
					break;
				case WJB_END_ARRAY:
					if (!raw_scalar)
						appendStringInfoCharMacro(&buf, ']');
					first = false;
					break;
				case WJB_END_OBJECT:
					appendStringInfoCharMacro(&buf, '}');
					first = false;
					break;
				default:
					elog(ERROR, "unexpected jsonb iterator token %d", (int) tok);
			}
		}
	}
	result = (text *) buf.data;
	SET_VARSIZE(result, buf.len);
	return result;
}

/*
 * Convert a JSON value into field f of the event's table and store it with
 * class cls.  path names the field in messages.  Returns false (and
 * rejects the event) when the value does not fit the column.
 */
bool
set_field(IngestEvent *ev, IngestTable *tab, int f, int cls, JsonbValue *v, const char *prefix,
		  const char *key)
{
	IngestColumn *col = &tab->cols[f];
	const char *s;
	int			len;
	char	   *err = NULL;
	Datum		d;

	bool		replaced = false;

	if (col->colname == NULL || v == NULL)
		return true;
	if (col->cclass == CC_JSON)
		d = PointerGetDatum(json_text(v, &ev->nul));
	else if (col->cclass == CC_JSONB)
		d = JsonbPGetDatum(jsonb_unmask_nul(&ev->nul, JsonbValueToJsonb(v), &replaced));
	else
	{
		if (!scalar_text(v, &s, &len))
			return reject(ev, 400, "%s%s: must be a string, not %s", prefix, key,
						  json_type_phrase(v));
		s = unmask_nul(&ev->nul, s, &len, &replaced);
		if (!ingest_convert_text(col, s, len, &d, &err))
			return reject(ev, 400, "%s%s: %s", prefix, key, err);
	}
	if (replaced)
		ev->nul_fields |= (((uint32) 1) << f);
	ev->vals[f].present = true;
	ev->vals[f].cls = cls;
	ev->vals[f].value = d;
	return true;
}

/*
 * Store a value given as C text (defaults, values taken from elsewhere).
 */
bool
set_field_text(IngestEvent *ev, IngestTable *tab, int f, int cls, const char *s,
			   const char *what)
{
	IngestColumn *col = &tab->cols[f];
	char	   *err = NULL;
	Datum		d;

	if (col->colname == NULL || s == NULL)
		return true;
	if (col->cclass == CC_JSON || col->cclass == CC_JSONB)
	{
		JsonbValue	jv;

		jv.type = jbvString;
		jv.val.string.val = (char *) s;
		jv.val.string.len = strlen(s);
		return set_field(ev, tab, f, cls, &jv, "", what);
	}
	if (!ingest_convert_text(col, s, strlen(s), &d, &err))
		return reject(ev, 400, "%s: %s", what, err);
	ev->vals[f].present = true;
	ev->vals[f].cls = cls;
	ev->vals[f].value = d;
	return true;
}

/*
 * Store a timestamp (already parsed) into a timestamp field.
 */
bool
set_field_ts(IngestEvent *ev, IngestTable *tab, int f, int cls, TimestampTz ts, const char *what)
{
	IngestColumn *col = &tab->cols[f];

	if (col->colname == NULL)
		return true;
	if (col->cclass == CC_TIMESTAMP || col->cclass == CC_TIMESTAMPTZ)
	{
		ev->vals[f].present = true;
		ev->vals[f].cls = cls;
		ev->vals[f].value = TimestampTzGetDatum(ts);
		return true;
	}
	return set_field_text(ev, tab, f, cls,
						  DatumGetCString(DirectFunctionCall1(timestamptz_out,
															  TimestampTzGetDatum(ts))),
						  what);
}

/*
 * Parse a timestamp value (string or number) at path; false if invalid.
 */
static bool
timestamp_value(IngestEvent *ev, JsonbValue *v, const char *path, TimestampTz *out)
{
	const char *s;
	int			len;

	if (!scalar_text(v, &s, &len) || v->type == jbvBool || !ingest_parse_timestamp(s, len, out))
		return reject(ev, 400, "%s: not an ISO 8601 timestamp or epoch seconds", path);
	return true;
}

/*
 * A body key (camelCase, and its snake_case spelling where they differ)
 * whose value goes into one field as it is, at the event's precedence.
 */
typedef struct PlainBodyField
{
	const char *key;
	const char *alt_key;		/* NULL when there is one spelling */
	int			field;
	bool		is_id;			/* at most INGEST_MAX_ID_BYTES */
} PlainBodyField;

static const PlainBodyField trace_plain_fields[] = {
	{"name", NULL, TF_NAME, false},
	{"userId", "user_id", TF_USER_ID, true},	/* indexed like the other ids */
	{"sessionId", "session_id", TF_SESSION_ID, true},
	{"input", NULL, TF_INPUT, false},
	{"output", NULL, TF_OUTPUT, false},
	{"metadata", "meta", TF_META, false},
};

static const PlainBodyField observation_plain_fields[] = {
	{"parentObservationId", "parent_observation_id", OF_PARENT_ID, true},
	{"name", NULL, OF_NAME, false},
	{"input", NULL, OF_INPUT, false},
	{"metadata", "meta", OF_META, false},
	{"modelParameters", "model_parameters", OF_MODEL_PARAMETERS, false},
};

/*
 * Refuse an id longer than INGEST_MAX_ID_BYTES (in its text form).
 */
bool
check_id_length(IngestEvent *ev, JsonbValue *v, const char *prefix, const char *key)
{
	const char *s;
	int			len;

	if (v != NULL && scalar_text(v, &s, &len) && len > INGEST_MAX_ID_BYTES)
		return reject(ev, 400, "%s%s: longer than %d bytes (an id has at most %d bytes)",
					  prefix, key, INGEST_MAX_ID_BYTES, INGEST_MAX_ID_BYTES);
	return true;
}

/*
 * Store the plain fields of a body; false (the event rejected) at the first
 * value that does not fit its column.
 */
static bool
set_plain_fields(IngestEvent *ev, IngestTable *tab, JsonbContainer *body,
				 const PlainBodyField *fields, int nfields, const char *prefix)
{
	int			i;

	for (i = 0; i < nfields; i++)
	{
		JsonbValue	buf;
		const char *key;
		JsonbValue *v = get_key2(body, fields[i].key, fields[i].alt_key, &buf, &key);

		if (fields[i].is_id && !check_id_length(ev, v, prefix, key))
			return false;
		if (!set_field(ev, tab, fields[i].field, ev->prec, v, prefix, key))
			return false;
	}
	return true;
}

/*
 * Fill the trace fields of an event from a body object (stream data,
 * Langfuse body or HTTP body).  The id and project are set by the caller.
 */
static bool
fill_trace(IngestTarget *t, IngestEvent *ev, JsonbContainer *body, const char *prefix)
{
	IngestTable *tab = TRACES(t);
	JsonbValue	buf;
	JsonbValue *v;
	TimestampTz ts;

	v = get_key(body, "timestamp", &buf);
	if (v)
	{
		if (!timestamp_value(ev, v, psprintf("%stimestamp", prefix), &ts) ||
			!set_field_ts(ev, tab, TF_TIMESTAMP, FIRST_EXPLICIT, ts, "timestamp"))
			return false;
	}
	else if (!set_field_ts(ev, tab, TF_TIMESTAMP, FIRST_DERIVED, ev->ts, "timestamp"))
		return false;

	if (!set_plain_fields(ev, tab, body, trace_plain_fields,
						  lengthof(trace_plain_fields), prefix))
		return false;
	v = get_key(body, "tags", &buf);
	if (v && !(v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data)))
		return reject(ev, 400, "%stags: must be an array of strings", prefix);
	if (v)
	{
		int			i;
		int			ntags = JsonContainerSize(v->val.binary.data);

		for (i = 0; i < ntags; i++)
		{
			JsonbValue *tag = getIthJsonbValueFromContainer(v->val.binary.data, i);

			if (tag->type != jbvString)
				return reject(ev, 400, "%stags: must be an array of strings (element %d is %s)",
							  prefix, i, json_type_phrase(tag));
		}
	}
	if (!set_field(ev, tab, TF_TAGS, ev->prec, v, prefix, "tags"))
		return false;
	return true;
}

/*
 * Read one token count from an object under any of three names.
 */
static bool
set_tokens(IngestEvent *ev, IngestTable *tab, int f, JsonbContainer *obj, const char *prefix,
		   const char *k1, const char *k2, const char *k3)
{
	JsonbValue	buf;
	JsonbValue *v;
	const char *key;

	if (obj == NULL)
		return true;
	v = get_key2(obj, k1, k2, &buf, &key);
	if (v == NULL && k3)
	{
		v = get_key(obj, k3, &buf);
		key = k3;
	}
	if (v && v->type != jbvNumeric && v->type != jbvString)
		return reject(ev, 400, "%s%s: must be an integer", prefix, key);
	if (!set_field(ev, tab, f, ev->prec, v, prefix, key))
		return false;
	/* a count: the columns have no CHECK, so a negative one would be stored */
	if (v && ev->vals[f].present)
	{
		IngestColumn *col = &tab->cols[f];
		int64		n = 0;

		if (col->cclass == CC_INT2)
			n = DatumGetInt16(ev->vals[f].value);
		else if (col->cclass == CC_INT4)
			n = DatumGetInt32(ev->vals[f].value);
		else if (col->cclass == CC_INT8)
			n = DatumGetInt64(ev->vals[f].value);
		if (n < 0)
			return reject(ev, 400, "%s%s: " INT64_FORMAT " is negative; a token count must be 0 or more",
						  prefix, key, n);
	}
	return true;
}

/*
 * One timestamp field of an observation from body.k1 (or k2); when absent,
 * from the event's own timestamp if derived_cls >= 0 (with that class).
 */
static bool
observation_time(IngestEvent *ev, IngestTable *tab, JsonbContainer *body, const char *prefix,
				 int f, const char *k1, const char *k2, int cls, int derived_cls)
{
	JsonbValue	buf;
	JsonbValue *v;
	const char *key;
	TimestampTz ts;

	v = get_key2(body, k1, k2, &buf, &key);
	if (v)
		return timestamp_value(ev, v, psprintf("%s%s", prefix, key), &ts) &&
			set_field_ts(ev, tab, f, cls, ts, key);
	if (derived_cls >= 0)
		return set_field_ts(ev, tab, f, derived_cls, ev->ts, k2);
	return true;
}

/*
 * The model: body.model, else output._llm_model.
 */
static bool
observation_model(IngestEvent *ev, IngestTable *tab, JsonbContainer *body,
				  JsonbContainer *outobj, const char *prefix)
{
	JsonbValue	buf;
	JsonbValue *v = get_key(body, "model", &buf);

	if (v)
		return set_field(ev, tab, OF_MODEL, ev->prec, v, prefix, "model");
	return set_field(ev, tab, OF_MODEL, ev->prec, get_key(outobj, "_llm_model", &buf),
					 psprintf("%soutput.", prefix), "_llm_model");
}

/*
 * The byte length of the whitespace character at p (Python's str.split()
 * whitespace, which the platform's word count uses), or 0.
 */
static int
whitespace_len(const unsigned char *p, const unsigned char *end)
{
	pg_wchar	u;
	int			len;

	if (*p == ' ' || (*p >= 0x09 && *p <= 0x0D) || (*p >= 0x1C && *p <= 0x1F))
		return 1;
	if (*p < 0x80 || GetDatabaseEncoding() != PG_UTF8)
		return 0;
	len = pg_utf_mblen(p);
	if (end - p < len)
		return 0;
	u = utf8_to_unicode(p);
	if (u == 0x85 || u == 0xA0 || u == 0x1680 || (u >= 0x2000 && u <= 0x200A) ||
		u == 0x2028 || u == 0x2029 || u == 0x202F || u == 0x205F || u == 0x3000)
		return len;
	return 0;
}

/*
 * The number of whitespace-separated words in s, as len(s.split()).
 */
static int64
count_words(const char *s, int len)
{
	const unsigned char *p = (const unsigned char *) s;
	const unsigned char *end = p + len;
	bool		utf8 = (GetDatabaseEncoding() == PG_UTF8);
	bool		in_word = false;
	int64		words = 0;

	while (p < end)
	{
		int			w = whitespace_len(p, end);

		if (w > 0)
		{
			in_word = false;
			p += w;
			continue;
		}
		if (!in_word)
			words++;
		in_word = true;
		p += (utf8 && *p >= 0x80) ? Max(1, Min(pg_utf_mblen(p), end - p)) : 1;
	}
	return words;
}

/*
 * The words of a value as the platform counts them (of Python's str() of
 * it): a string's own; a number, boolean or null is one word; an object or
 * array is counted in its JSON text, whose ", " and ": " separators are
 * those of Python's str() of a dict or list.
 */
static int64
value_words(JsonbValue *v)
{
	text	   *t;

	if (v->type == jbvString)
		return count_words(v->val.string.val, v->val.string.len);
	if (v->type != jbvBinary)
		return 1;
	t = json_text(v, NULL);
	return count_words(VARDATA(t), VARSIZE(t) - VARHDRSZ);
}

/*
 * Is a value "truthy" in Python (the platform's test of _llm_result)?
 */
static bool
value_truthy(JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return false;
		case jbvString:
			return v->val.string.len > 0;
		case jbvBool:
			return v->val.boolean;
		case jbvNumeric:
			return !DatumGetBool(DirectFunctionCall2(numeric_eq, NumericGetDatum(v->val.numeric),
													 DirectFunctionCall1(int4_numeric, Int32GetDatum(0))));
		default:
			return JsonContainerSize(v->val.binary.data) > 0;
	}
}

/*
 * The value of a token field of the event as an integer; false when it is
 * absent or not of an integer type.
 */
static bool
token_value(IngestEvent *ev, IngestTable *tab, int f, int64 *n)
{
	switch (tab->cols[f].cclass)
	{
		case CC_INT2:
			*n = DatumGetInt16(ev->vals[f].value);
			break;
		case CC_INT4:
			*n = DatumGetInt32(ev->vals[f].value);
			break;
		case CC_INT8:
			*n = DatumGetInt64(ev->vals[f].value);
			break;
		default:
			return false;
	}
	return ev->vals[f].present;
}

/*
 * Estimate the token counts of an event that reports none (or only zeros)
 * as the platform does for streaming models: 0.75 tokens per word, per
 * message of output._llm_messages (its "content", rounded down per
 * message) for the prompt, and of output._llm_result for the completion.
 * Estimates have a default's precedence: a count any event reports wins.
 * The total is left to the merge, which derives it from the merged counts
 * (so that a reported count arriving later corrects it too).  Nothing when
 * both estimates are 0, or when one does not fit its column.
 */
static void
estimate_tokens(IngestEvent *ev, IngestTable *tab, JsonbContainer *outobj)
{
	static const int fields[3] = {OF_PROMPT_TOKENS, OF_COMPLETION_TOKENS, OF_TOTAL_TOKENS};
	JsonbValue	buf;
	JsonbValue *v;
	int64		est[2] = {0, 0};
	Datum		d[2];
	int			i;

	if (outobj == NULL)
		return;
	for (i = 0; i < 3; i++)
	{
		int64		n;

		if (token_value(ev, tab, fields[i], &n) && n != 0)
			return;				/* the event reports a count */
	}
	v = get_key(outobj, "_llm_messages", &buf);
	if (v != NULL && v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data))
	{
		JsonbContainer *msgs = v->val.binary.data;
		int			n = JsonContainerSize(msgs);

		for (i = 0; i < n; i++)
		{
			JsonbValue *msg = getIthJsonbValueFromContainer(msgs, i);
			JsonbValue	cbuf;
			JsonbValue *content;

			if (as_object(msg) == NULL)
				continue;
			content = getKeyJsonValueFromContainer(as_object(msg), "content", 7, &cbuf);
			if (content != NULL)
				est[0] += value_words(content) * 3 / 4;
		}
	}
	v = getKeyJsonValueFromContainer(outobj, "_llm_result", 11, &buf);
	if (v != NULL && value_truthy(v))
		est[1] = value_words(v) * 3 / 4;
	if (est[0] == 0 && est[1] == 0)
		return;
	for (i = 0; i < 2; i++)
	{
		IngestColumn *col = &tab->cols[fields[i]];
		char	   *err;
		char	   *num = psprintf(INT64_FORMAT, est[i]);

		if (col->colname != NULL && !ingest_convert_text(col, num, strlen(num), &d[i], &err))
			return;
	}
	for (i = 0; i < 2; i++)
	{
		if (tab->cols[fields[i]].colname == NULL)
			continue;
		ev->vals[fields[i]].present = true;
		ev->vals[fields[i]].cls = PREC_ESTIMATE;
		ev->vals[fields[i]].value = d[i];
	}
	/* the event's own total (absent or 0) would stand for the estimate's */
	ev->vals[OF_TOTAL_TOKENS].present = false;
	ev->tokens_estimated = true;
}

/*
 * The names a token count goes by in each place it can come from: per
 * field (prompt, completion, total), up to three names, the first found
 * winning.
 */
typedef const char *const TokenNames[3][3];

static TokenNames body_token_names = {
	{"promptTokens", "prompt_tokens", NULL},
	{"completionTokens", "completion_tokens", NULL},
	{"totalTokens", "total_tokens", NULL}
};
static TokenNames usage_token_names = {
	{"promptTokens", "input", "prompt_tokens"},
	{"completionTokens", "output", "completion_tokens"},
	{"totalTokens", "total", "total_tokens"}
};
static TokenNames details_token_names = {
	{"input", "prompt_tokens", "input_tokens"},
	{"output", "completion_tokens", "output_tokens"},
	{"total", "total_tokens", NULL}
};
static TokenNames llm_token_names = {
	{"prompt", NULL, NULL},
	{"completion", NULL, NULL},
	{"total", NULL, NULL}
};

/*
 * Read the three token counts of one object.  Where "key" is given, the
 * counts are in the object v found under that key (named in messages as
 * prefix + key), and v must be an object; "replace" first forgets the counts
 * an earlier source gave.
 */
static bool
tokens_from(IngestEvent *ev, IngestTable *tab, JsonbContainer *obj, JsonbValue *v,
			const char *prefix, const char *key, TokenNames names, bool replace)
{
	static const int fields[3] = {OF_PROMPT_TOKENS, OF_COMPLETION_TOKENS, OF_TOTAL_TOKENS};

	if (key)
	{
		obj = as_object(v);
		if (obj == NULL)
			return reject(ev, 400, "%s%s: must be an object", prefix, key);
		prefix = psprintf("%s%s.", prefix, key);
	}
	for (int i = 0; i < 3; i++)
	{
		if (replace)
			ev->vals[fields[i]].present = false;
		if (!set_tokens(ev, tab, fields[i], obj, prefix, names[i][0], names[i][1], names[i][2]))
			return false;
	}
	return true;
}

/*
 * Token counts: body fields, Langfuse usage (both shapes), usageDetails,
 * then output._llm_tokens, each later source winning; estimated when none
 * of them reports a count.
 */
static bool
observation_tokens(IngestEvent *ev, IngestTable *tab, JsonbContainer *body,
				   JsonbContainer *outobj, const char *prefix)
{
	JsonbValue	buf;
	JsonbValue *v;
	const char *key;

	if (!tokens_from(ev, tab, body, NULL, prefix, NULL, body_token_names, false))
		return false;
	v = get_key(body, "usage", &buf);
	if (v && !tokens_from(ev, tab, NULL, v, prefix, "usage", usage_token_names, false))
		return false;

	/*
	 * Langfuse's usageDetails (its own keys, or OpenAI's two usage shapes)
	 * replaces usage as a whole, as Langfuse takes it: a total given only
	 * in usage must not stand beside the counts of usageDetails.
	 */
	v = get_key2(body, "usageDetails", "usage_details", &buf, &key);
	if (v && !tokens_from(ev, tab, NULL, v, prefix, key, details_token_names, true))
		return false;
	v = get_key(outobj, "_llm_tokens", &buf);
	if (v && !tokens_from(ev, tab, NULL, v, prefix, "output._llm_tokens", llm_token_names, false))
		return false;
	estimate_tokens(ev, tab, outobj);
	return true;
}

/*
 * A cost the client gives (costDetails, Langfuse usage's *Cost): a number
 * (or a string holding one), 0 or more.
 */
static bool
set_cost(IngestEvent *ev, IngestTable *tab, int f, JsonbContainer *obj, const char *prefix,
		 const char *k1, const char *k2)
{
	JsonbValue	buf;
	const char *key;
	JsonbValue *v = get_key2(obj, k1, k2, &buf, &key);
	const char *s;
	int			len;
	char	   *num;

	if (v == NULL || tab->cols[f].colname == NULL)
		return true;
	if ((v->type != jbvNumeric && v->type != jbvString) || !scalar_text(v, &s, &len))
		return reject(ev, 400, "%s%s: must be a number", prefix, key);
	num = pnstrdup(s, len);
	if (!IsValidJsonNumber(num, len) || !ingest_number_fits_numeric(num))
		return reject(ev, 400, "%s%s: %s is not a number", prefix, key, ingest_quote(s, len));
	if (num[0] == '-' && strspn(num, "-0.eE+") != (size_t) len)
		return reject(ev, 400, "%s%s: %s is negative; a cost must be 0 or more", prefix, key, num);
	return set_field(ev, tab, f, ev->prec, v, prefix, key);
}

/*
 * Costs the client gives: Langfuse usage {inputCost, outputCost,
 * totalCost}, then costDetails {input, output, total} (the later source
 * wins).  They have the event's precedence, which beats the costs the
 * merge computes from model_pricing.
 */
static bool
observation_costs(IngestEvent *ev, IngestTable *tab, JsonbContainer *body, const char *prefix)
{
	JsonbValue	buf;
	const char *key;
	JsonbContainer *obj = as_object(get_key(body, "usage", &buf));
	JsonbValue *v;
	const char *p;

	if (obj != NULL)
	{
		p = psprintf("%susage.", prefix);
		if (!set_cost(ev, tab, OF_INPUT_COST, obj, p, "inputCost", "input_cost") ||
			!set_cost(ev, tab, OF_OUTPUT_COST, obj, p, "outputCost", "output_cost") ||
			!set_cost(ev, tab, OF_TOTAL_COST, obj, p, "totalCost", "total_cost"))
			return false;
	}
	v = get_key2(body, "costDetails", "cost_details", &buf, &key);
	if (v == NULL)
		return true;
	obj = as_object(v);
	if (obj == NULL)
		return reject(ev, 400, "%s%s: must be an object", prefix, key);
	p = psprintf("%s%s.", prefix, key);
	return set_cost(ev, tab, OF_INPUT_COST, obj, p, "input", NULL) &&
		set_cost(ev, tab, OF_OUTPUT_COST, obj, p, "output", NULL) &&
		set_cost(ev, tab, OF_TOTAL_COST, obj, p, "total", NULL);
}

/*
 * The meta of an event gains what the ingestion notes about it: the
 * Langfuse type it was stored under another type for (langfuse_type), and
 * that its token counts are estimated (swisper_tokens_estimated).  Added
 * to the event's own meta object; an event without meta gets one with
 * the notes only, at a default's precedence, so that the meta of any
 * other event wins over it (and a meta that is not an object stays as it
 * is).
 */
static bool
observation_meta_notes(IngestEvent *ev, IngestTable *tab, JsonbContainer *body, const char *prefix)
{
	JsonbValue	buf;
	const char *key;
	JsonbValue *meta = get_key2(body, "metadata", "meta", &buf, &key);
	JsonbParseState *ps = NULL;
	JsonbValue	k;
	JsonbValue	v;
	JsonbValue *res;
	Jsonb	   *jb;

	if ((ev->langfuse_type == NULL && !ev->tokens_estimated) || tab->cols[OF_META].colname == NULL ||
		(meta != NULL && as_object(meta) == NULL))
		return true;
	pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	if (meta != NULL)
	{
		JsonbIterator *it = JsonbIteratorInit(as_object(meta));
		JsonbIteratorToken tok;

		/* nested containers come as binary values, which push unpacks */
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
			if (tok == WJB_KEY || tok == WJB_VALUE)
				pushJsonbValue(&ps, tok, &v);
	}
	k.type = jbvString;
	if (ev->langfuse_type != NULL)
	{
		k.val.string.val = "langfuse_type";
		k.val.string.len = strlen(k.val.string.val);
		v.type = jbvString;
		v.val.string.val = (char *) ev->langfuse_type;
		v.val.string.len = strlen(ev->langfuse_type);
		pushJsonbValue(&ps, WJB_KEY, &k);
		pushJsonbValue(&ps, WJB_VALUE, &v);
	}
	if (ev->tokens_estimated)
	{
		k.val.string.val = "swisper_tokens_estimated";
		k.val.string.len = strlen(k.val.string.val);
		v.type = jbvBool;
		v.val.boolean = true;
		pushJsonbValue(&ps, WJB_KEY, &k);
		pushJsonbValue(&ps, WJB_VALUE, &v);
	}
	res = pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
	jb = JsonbValueToJsonb(res);
	v.type = jbvBinary;
	v.val.binary.data = &jb->root;
	v.val.binary.len = VARSIZE(jb) - VARHDRSZ;
	return set_field(ev, tab, OF_META, meta ? ev->prec : PREC_ESTIMATE, &v, prefix,
					 meta ? key : "metadata");
}

/*
 * The level (one of the known levels; an error event forces ERROR, else
 * DEFAULT as the column's default) and the status message (an error
 * event's "error" when it has none).
 */
static bool
observation_level(IngestEvent *ev, IngestTable *tab, JsonbContainer *body, const char *prefix)
{
	JsonbValue	buf;
	JsonbValue *v = get_key(body, "level", &buf);
	const char *key;
	int			i;

	if (v)
	{
		char	   *level = string_value(ev, v);
		bool		known = false;

		for (i = 0; level && i < (int) lengthof(known_levels); i++)
			known |= (strcmp(level, known_levels[i]) == 0);
		if (!known)
			return reject(ev, 400, "%slevel: must be one of DEBUG, DEFAULT, WARNING, ERROR", prefix);
		if (!set_field(ev, tab, OF_LEVEL, ev->prec, v, prefix, "level"))
			return false;
	}
	if (ev->prec == PREC_ERROR && !set_field_text(ev, tab, OF_LEVEL, PREC_ERROR, "ERROR", "level"))
		return false;
	if (!ev->vals[OF_LEVEL].present &&
		!set_field_text(ev, tab, OF_LEVEL, PREC_DEFAULT, "DEFAULT", "level"))
		return false;

	v = get_key2(body, "statusMessage", "status_message", &buf, &key);
	if (v == NULL && ev->prec == PREC_ERROR)
	{
		v = get_key(body, "error", &buf);
		key = "error";
	}
	return set_field(ev, tab, OF_STATUS_MESSAGE, ev->prec, v, prefix, key);
}

/*
 * The type: implied by the event kind (type_name), else body.type, else
 * SPAN as a column default, silently skipped where SPAN does not exist.
 */
static bool
observation_type(IngestEvent *ev, IngestTable *tab, JsonbContainer *body, const char *prefix,
				 const char *type_name)
{
	JsonbValue	buf;
	IngestColumn *col = &tab->cols[OF_TYPE];
	Datum		d;
	char	   *err;

	if (type_name)
	{
		if (!set_field_text(ev, tab, OF_TYPE, ev->prec, type_name, "type"))
			return false;
	}
	else if (!set_field(ev, tab, OF_TYPE, ev->prec, get_key(body, "type", &buf), prefix, "type"))
		return false;
	if (!ev->vals[OF_TYPE].present && col->colname &&
		ingest_convert_text(col, "SPAN", 4, &d, &err))
	{
		ev->vals[OF_TYPE].present = true;
		ev->vals[OF_TYPE].cls = PREC_DEFAULT;
		ev->vals[OF_TYPE].value = d;
	}
	return true;
}

/*
 * Fill the observation fields of an event from a body object.  type_name,
 * if not NULL, is the type the event kind implies (it beats body.type);
 * implies_end: the event's timestamp is the end time when the body has none.
 */
static bool
fill_observation(IngestTarget *t, IngestEvent *ev, JsonbContainer *body, const char *prefix,
				 const char *type_name, bool implies_end)
{
	IngestTable *tab = OBS(t);
	JsonbValue	obuf;
	JsonbValue *output;

	if (!observation_time(ev, tab, body, prefix, OF_START_TIME, "startTime", "start_time",
						  FIRST_EXPLICIT, FIRST_DERIVED) ||
		!observation_time(ev, tab, body, prefix, OF_END_TIME, "endTime", "end_time",
						  ev->prec, implies_end ? ev->prec : -1) ||
		!observation_time(ev, tab, body, prefix, OF_COMPLETION_START_TIME,
						  "completionStartTime", "completion_start_time", ev->prec, -1))
		return false;
	if (!set_plain_fields(ev, tab, body, observation_plain_fields,
						  lengthof(observation_plain_fields), prefix))
		return false;
	/* output stays at hand: the model and the tokens may come from it */
	output = get_key(body, "output", &obuf);
	return set_field(ev, tab, OF_OUTPUT, ev->prec, output, prefix, "output") &&
		observation_model(ev, tab, body, as_object(output), prefix) &&
		observation_tokens(ev, tab, body, as_object(output), prefix) &&
		observation_costs(ev, tab, body, prefix) &&
		observation_level(ev, tab, body, prefix) &&
		observation_type(ev, tab, body, prefix, type_name) &&
		observation_meta_notes(ev, tab, body, prefix);
}

/*
 * Set the entity id of an event (field 0 of its table) and its key.
 */
bool
set_entity(IngestTarget *t, IngestEvent *ev, IngestKind kind, JsonbValue *idv, const char *path)
{
	IngestTable *tab = &t->tables[kind];
	const char *s;
	int			len;
	char	   *err;
	Datum		d;

	if (idv == NULL)
		return reject(ev, 400, "%s: missing", path);
	if (idv->type != jbvString || idv->val.string.len == 0)
		return reject(ev, 400, "%s: must be a non-empty string", path);
	if (!check_id_length(ev, idv, "", path))
		return false;
	len = idv->val.string.len;
	s = unmask_nul(&ev->nul, idv->val.string.val, &len, NULL);
	if (!ingest_convert_text(&tab->cols[0], s, len, &d, &err))
		return reject(ev, 400, "%s: %s", path, err);
	ev->vals[0].present = true;
	ev->vals[0].cls = FIRST_EXPLICIT;
	ev->vals[0].value = d;
	ev->key = psprintf("%c:%s", kind == IK_TRACE ? 't' : 'o', ingest_datum_key(&tab->cols[0], d));
	ev->action = (kind == IK_TRACE) ? IA_TRACE : IA_OBS;
	return true;
}

/*
 * The project of a trace event, converted for traces.project_id.
 */
bool
set_trace_project(IngestTarget *t, IngestEvent *ev)
{
	return set_field_text(ev, TRACES(t), TF_PROJECT_ID, FIRST_EXPLICIT, ev->project_id, "project_id");
}

/*
 * The trace an observation event names: its trace_id, and the placeholder
 * trace row the observation implies until the trace's own events arrive.
 */
bool
set_obs_trace(IngestTarget *t, IngestEvent *ev, JsonbValue *tv, const char *path)
{
	IngestTable *traces = TRACES(t);
	const char *s;
	int			len;
	char	   *err;
	Datum		d;

	if (tv == NULL)
		return true;
	if (tv->type != jbvString || tv->val.string.len == 0)
		return reject(ev, 400, "%s: must be a non-empty string", path);
	if (!check_id_length(ev, tv, "", path))
		return false;
	len = tv->val.string.len;
	s = unmask_nul(&ev->nul, tv->val.string.val, &len, NULL);
	if (!set_field(ev, OBS(t), OF_TRACE_ID, FIRST_EXPLICIT, tv, "", path))
		return false;
	if (!ingest_convert_text(&traces->cols[TF_ID], s, len, &d, &err))
		return reject(ev, 400, "%s: %s", path, err);
	ev->ph_trace_id = d;
	ev->ph_key = psprintf("t:%s", ingest_datum_key(&traces->cols[TF_ID], d));
	if (traces->cols[TF_PROJECT_ID].colname)
	{
		if (!ingest_convert_text(&traces->cols[TF_PROJECT_ID], ev->project_id,
								 strlen(ev->project_id), &d, &err))
			return reject(ev, 400, "project_id: %s", err);
		ev->ph_project = d;
		ev->ph_has_project = true;
	}
	return true;
}

/*
 * Event id and tie-break for an event without an envelope id.
 */
static void
derive_event_id(IngestEvent *ev, const char *type, const char *entity)
{
	int64		unix_us = ev->ts + ((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE)) * USECS_PER_DAY;
	int64		secs = unix_us / USECS_PER_SEC;
	int64		us = unix_us % USECS_PER_SEC;

	if (us < 0)
	{
		us += USECS_PER_SEC;
		secs--;
	}
	ev->event_id = psprintf("%s:%s:" INT64_FORMAT ".%06d", type, entity, secs, (int) us);
}

void
set_tiebreak(IngestEvent *ev)
{
	ev->tiebreak = hash_bytes_extended((const unsigned char *) ev->event_id,
									   strlen(ev->event_id), 0);
}

/*
 * The "data" of a stream entry: an object, or a string holding JSON.  A
 * string is parsed (ingest_json.c: never an error, \u0000 kept by a
 * sentinel) in a memory context of its own, made in *cxt, which the
 * caller deletes once the element is parsed: parsing takes several times
 * the string's size (its copy, the lexer's, the tree of values and the
 * jsonb), and the values taken from it are copies.  Kept to the end of the
 * call, that made a batch of SDK entries (whose data is a string) peak at
 * fourteen times its size.
 */
static JsonbContainer *
stream_data(IngestEvent *ev, JsonbValue *v, MemoryContext *cxt, bool *ok)
{
	*ok = true;
	if (v == NULL)
		return NULL;
	if (as_object(v))
		return as_object(v);
	if (v->type == jbvString)
	{
		IngestJson js;
		MemoryContext oldcxt;
		bool		parsed;

		*cxt = AllocSetContextCreate(CurrentMemoryContext, "swisper stream data",
									 ALLOCSET_DEFAULT_SIZES);
		oldcxt = MemoryContextSwitchTo(*cxt);
		parsed = ingest_json_parse(v->val.string.val, v->val.string.len, &ev->nul, &js);
		MemoryContextSwitchTo(oldcxt);
		if (!parsed)
		{
			*ok = reject(ev, 400, "data: the string %s", js.error);
			return NULL;
		}
		if (ev->nul.code == 0)
			ev->nul = js.nul;
		if (JB_ROOT_IS_OBJECT(js.jb))
			return &js.jb->root;
	}
	*ok = reject(ev, 400, "data: must be an object or a string holding a JSON object");
	return NULL;
}

/*
 * Resolve the project of an event: the event's own, else the argument.
 */
static bool
resolve_project(IngestEvent *ev, JsonbValue *v, const char *path, const char *default_project)
{
	if (v && v->type != jbvString)
		return reject(ev, 400, "%s: must be a string", path);
	ev->project_id = v ? string_value(ev, v) : (char *) default_project;
	if (ev->project_id == NULL || ev->project_id[0] == '\0')
		return reject(ev, 400, "project_id: missing (the event names no project and no project_id argument was given)");
	return true;
}

/*
 * A text detail of a heartbeat (data.<k1>, else data.<k2>): a scalar as its
 * text, NULL when absent; an object or array rejects the event.
 */
static bool
heartbeat_text(IngestEvent *ev, JsonbContainer *data, const char *k1, const char *k2,
			   char **out)
{
	JsonbValue	buf;
	const char *key;
	JsonbValue *v = get_key2(data, k1, k2, &buf, &key);
	const char *s;
	int			len;

	*out = NULL;
	if (v == NULL)
		return true;
	if (!scalar_text(v, &s, &len))
		return reject(ev, 400, "data.%s: must be a string, not %s", key, json_type_phrase(v));
	s = unmask_nul(&ev->nul, s, &len, NULL);
	*out = pnstrdup(s, len);
	return true;
}

/*
 * A stream entry {event_type, trace_id, project_id, observation_id,
 * timestamp, data}.
 */
static void
parse_stream(IngestTarget *t, JsonbContainer *obj, const char *default_project, IngestEvent *ev,
			 MemoryContext *datacxt)
{
	JsonbValue	tbuf,
				pbuf,
				dbuf,
				ibuf,
				trbuf,
				buf;
	JsonbValue *v;
	JsonbValue *typev = get_key(obj, "event_type", &tbuf);
	JsonbContainer *data;
	char	   *type = string_value(ev, typev);
	bool		ok;

	if (type == NULL)
	{
		reject(ev, 400, "event_type: must be a string");
		return;
	}
	v = get_key(obj, "timestamp", &buf);
	if (v == NULL)
	{
		reject(ev, 400, "timestamp: missing");
		return;
	}
	if (!timestamp_value(ev, v, "timestamp", &ev->ts))
		return;
	data = stream_data(ev, get_key(obj, "data", &dbuf), datacxt, &ok);
	if (!ok)
		return;
	v = get_key(obj, "project_id", &pbuf);
	if (v == NULL)
		v = get_key(data, "project_id", &pbuf);
	if (!resolve_project(ev, v, "project_id", default_project))
		return;

	if (strcmp(type, "heartbeat") == 0)
	{
		if (!heartbeat_text(ev, data, "environment", NULL, &ev->environment) ||
			!heartbeat_text(ev, data, "version", "app_version", &ev->app_version) ||
			!heartbeat_text(ev, data, "sdk_version", NULL, &ev->sdk_version))
			return;
		ev->action = IA_HEARTBEAT;
		derive_event_id(ev, type, ev->project_id);
		return;
	}
	if (strcmp(type, "trace_start") == 0)
	{
		ev->prec = PREC_START;
		v = get_key(obj, "trace_id", &trbuf);
		if (v == NULL)
			v = get_key(data, "id", &trbuf);
		if (!set_entity(t, ev, IK_TRACE, v, "trace_id"))
			return;
		derive_event_id(ev, type, strchr(ev->key, ':') + 1);
		set_tiebreak(ev);
		ev->ledgered = true;
		if (!set_trace_project(t, ev))
			return;
		fill_trace(t, ev, data, "data.");
		return;
	}
	if (strcmp(type, "observation_start") == 0)
		ev->prec = PREC_START;
	else if (strcmp(type, "observation_end") == 0)
		ev->prec = PREC_END;
	else if (strcmp(type, "observation_error") == 0)
		ev->prec = PREC_ERROR;
	else
	{
		reject(ev, 400, "event_type: unknown event type %s (expected trace_start, "
			   "observation_start, observation_end, observation_error or heartbeat)",
			   ingest_quote(type, strlen(type)));
		return;
	}
	v = get_key(obj, "observation_id", &ibuf);
	if (v == NULL)
		v = get_key(data, "id", &ibuf);
	if (!set_entity(t, ev, IK_OBS, v, "observation_id"))
		return;
	derive_event_id(ev, type, strchr(ev->key, ':') + 1);
	set_tiebreak(ev);
	ev->ledgered = true;
	v = get_key(obj, "trace_id", &trbuf);
	if (v == NULL)
		v = get_key(data, "trace_id", &trbuf);
	if (!set_obs_trace(t, ev, v, "trace_id"))
		return;
	if (!fill_observation(t, ev, data, "data.", NULL, ev->prec >= PREC_END))
		return;
	if (ev->ph_key && ev->vals[OF_START_TIME].cls == FIRST_EXPLICIT &&
		(OBS(t)->cols[OF_START_TIME].cclass == CC_TIMESTAMP ||
		 OBS(t)->cols[OF_START_TIME].cclass == CC_TIMESTAMPTZ))
		ev->ph_ts = DatumGetTimestampTz(ev->vals[OF_START_TIME].value);
	else
		ev->ph_ts = ev->ts;
}

/*
 * The observation type an envelope type makes: the type of the same name
 * when the target can hold it, else the nearest one, and then the
 * envelope's type goes to meta.langfuse_type.  NULL: body.type decides.
 */
static const char *
envelope_type_name(IngestTable *tab, const EnvelopeObsType *et, IngestEvent *ev)
{
	IngestColumn *col = &tab->cols[OF_TYPE];
	Datum		d;
	char	   *err;

	if (et->obs_type == NULL || col->colname == NULL ||
		strcmp(et->obs_type, et->nearest) == 0 ||
		ingest_convert_text(col, et->obs_type, strlen(et->obs_type), &d, &err))
		return et->obs_type;
	ev->langfuse_type = et->type;
	return et->nearest;
}

/*
 * A Langfuse-style envelope {id, timestamp, type, body}.
 */
static void
parse_envelope(IngestTarget *t, JsonbContainer *obj, const char *default_project, IngestEvent *ev)
{
	JsonbValue	tbuf,
				bbuf,
				ibuf,
				buf,
				pbuf;
	JsonbValue *v;
	char	   *type = string_value(ev, get_key(obj, "type", &tbuf));
	JsonbContainer *body;
	const char *key;
	const char *obs_type = NULL;
	IngestKind	kind = IK_OBS;
	int			i;

	if (type == NULL)
	{
		reject(ev, 400, "type: must be a string");
		return;
	}
	v = get_key(obj, "id", &ibuf);
	if (v && v->type != jbvString)
	{
		reject(ev, 400, "id: must be a string");
		return;
	}
	ev->event_id = string_value(ev, v);
	if (strcmp(type, "sdk-log") == 0)
	{
		ev->action = IA_IGNORE;
		ev->status = 202;
		ev->message = "accepted and ignored: sdk-log events are not stored";
		return;
	}
	for (i = 0; i < (int) lengthof(unstored_types); i++)
		if (strcmp(type, unstored_types[i]) == 0)
		{
			reject(ev, 501, "type: %s events are not stored by this version", type);
			return;
		}

	if (strcmp(type, "trace-create") == 0)
	{
		kind = IK_TRACE;
		ev->prec = PREC_START;
	}
	else
	{
		for (i = 0; i < (int) lengthof(envelope_obs_types); i++)
			if (strcmp(type, envelope_obs_types[i].type) == 0)
				break;
		if (i == (int) lengthof(envelope_obs_types))
		{
			reject(ev, 400, "type: unknown event type %s", ingest_quote(type, strlen(type)));
			return;
		}
		ev->prec = envelope_obs_types[i].prec;
		obs_type = envelope_type_name(OBS(t), &envelope_obs_types[i], ev);
	}

	v = get_key(obj, "timestamp", &buf);
	if (v == NULL)
	{
		reject(ev, 400, "timestamp: missing");
		return;
	}
	if (!timestamp_value(ev, v, "timestamp", &ev->ts))
		return;
	body = as_object(get_key(obj, "body", &bbuf));
	if (body == NULL)
	{
		reject(ev, 400, "body: must be an object");
		return;
	}
	v = get_key2(body, "projectId", "project_id", &pbuf, &key);
	if (!resolve_project(ev, v, psprintf("body.%s", key), default_project))
		return;
	if (!set_entity(t, ev, kind, get_key(body, "id", &buf), "body.id"))
		return;
	if (ev->event_id == NULL)
		derive_event_id(ev, type, strchr(ev->key, ':') + 1);
	set_tiebreak(ev);
	ev->ledgered = true;
	if (kind == IK_TRACE)
	{
		if (set_trace_project(t, ev))
			fill_trace(t, ev, body, "body.");
		return;
	}
	v = get_key2(body, "traceId", "trace_id", &buf, &key);
	if (!set_obs_trace(t, ev, v, psprintf("body.%s", key)))
		return;
	if (!fill_observation(t, ev, body, "body.", obs_type, false))
		return;
	if (ev->ph_key && ev->vals[OF_START_TIME].cls == FIRST_EXPLICIT &&
		(OBS(t)->cols[OF_START_TIME].cclass == CC_TIMESTAMP ||
		 OBS(t)->cols[OF_START_TIME].cclass == CC_TIMESTAMPTZ))
		ev->ph_ts = DatumGetTimestampTz(ev->vals[OF_START_TIME].value);
	else
		ev->ph_ts = ev->ts;
}

/*
 * The part of parsing an element shared by the jsonb and the text entry
 * points: elem is the element's value.
 */
static void
parse_element_value(IngestTarget *t, JsonbValue *elem, const char *default_project,
					IngestEvent *ev)
{
	JsonbContainer *obj = as_object(elem);
	JsonbValue	buf;

	if (obj == NULL)
		reject(ev, 400, "event: must be a JSON object, not %s", JsonbTypeName(elem));
	else if (get_key(obj, "event_type", &buf))
	{
		MemoryContext datacxt = NULL;

		parse_stream(t, obj, default_project, ev, &datacxt);
		if (datacxt != NULL)
			MemoryContextDelete(datacxt);
	}
	else if (get_key(obj, "type", &buf))
		parse_envelope(t, obj, default_project, ev);
	else
		reject(ev, 400, "event: has neither event_type (a stream entry) nor type (an envelope)");
}

/*
 * Parse one element of a batch.  Elements that are not objects, or that
 * are neither stream entries nor envelopes, get 400.
 */
void
ingest_parse_element(IngestTarget *t, JsonbValue *elem, int idx, const char *default_project,
					 IngestEvent *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->idx = idx;
	parse_element_value(t, elem, default_project, ev);
}

/*
 * Parse one element given as JSON text (swisper.ingest_entries()): a text
 * that is not JSON, or that jsonb cannot hold, is the element's 400; one
 * holding \u0000 is parsed with a sentinel in its place.  Everything is
 * allocated in the current memory context; ingest_event_copy() keeps what
 * the merge needs.
 */
void
ingest_parse_text(IngestTarget *t, const char *text, int len, int idx, const char *default_project,
				  IngestEvent *ev)
{
	IngestJson	js;
	JsonbValue	elem;

	memset(ev, 0, sizeof(*ev));
	ev->idx = idx;
	if (!ingest_json_parse(text, len, NULL, &js))
	{
		reject(ev, 400, "event: the text %s", js.error);
		return;
	}
	ev->nul = js.nul;
	elem.type = jbvBinary;
	elem.val.binary.data = &js.jb->root;
	elem.val.binary.len = VARSIZE(js.jb) - VARHDRSZ;
	parse_element_value(t, &elem, default_project, &ev[0]);
}

/*
 * A C string copied into the current memory context, NULL kept.
 */
static char *
copy_string(const char *s)
{
	return s ? pstrdup(s) : NULL;
}

/*
 * Copy what the merge reads of an event into the current memory context,
 * so that the context it was parsed in can be reset: the strings, and the
 * values of a valid event (each of its column's type).
 */
void
ingest_event_copy(IngestTarget *t, IngestEvent *ev)
{
	IngestTable *tab = (ev->action == IA_TRACE) ? TRACES(t) : OBS(t);
	int			f;

	ev->event_id = copy_string(ev->event_id);
	ev->message = copy_string(ev->message);
	ev->project_id = copy_string(ev->project_id);
	ev->key = copy_string(ev->key);
	ev->ph_key = copy_string(ev->ph_key);
	ev->environment = copy_string(ev->environment);
	ev->app_version = copy_string(ev->app_version);
	ev->sdk_version = copy_string(ev->sdk_version);
	ev->langfuse_type = NULL;
	for (f = 0; f < INGEST_MAX_FIELDS; f++)
	{
		IngestColumn *col = &tab->cols[f];

		if (!ev->vals[f].present)
			continue;
		if (ev->action != IA_TRACE && ev->action != IA_OBS)
			ev->vals[f].present = false;	/* never merged */
		else
			ev->vals[f].value = datumCopy(ev->vals[f].value, col->typbyval, col->typlen);
	}
	if (ev->ph_key)
	{
		ev->ph_trace_id = datumCopy(ev->ph_trace_id, TRACES(t)->cols[TF_ID].typbyval,
									TRACES(t)->cols[TF_ID].typlen);
		if (ev->ph_has_project)
			ev->ph_project = datumCopy(ev->ph_project, TRACES(t)->cols[TF_PROJECT_ID].typbyval,
									   TRACES(t)->cols[TF_PROJECT_ID].typlen);
	}
}

/*
 * Parse the body of an HTTP request of the API (POST trace, POST
 * observation, PATCH observation) into one event.  Its event id is derived
 * from the body's content, so that a request sent twice is a duplicate.
 */
void
ingest_parse_http(IngestTarget *t, HttpKind kind, Jsonb *body, const char *observation_id,
				  const char *default_project, IngestEvent *ev)
{
	JsonbContainer *obj = JB_ROOT_IS_OBJECT(body) ? &body->root : NULL;
	JsonbValue	buf;
	JsonbValue	idbuf;
	JsonbValue *v;
	const char *key;
	const char *what;
	uint64		h;

	memset(ev, 0, sizeof(*ev));
	if (obj == NULL)
	{
		reject(ev, 400, "body: must be a JSON object");
		return;
	}
	v = get_key2(obj, "projectId", "project_id", &buf, &key);
	if (!resolve_project(ev, v, key, default_project))
		return;

	/* the event's own timestamp: the body's, else the transaction's */
	if (kind == HTTP_CREATE_TRACE)
		v = get_key(obj, "timestamp", &buf);
	else if (kind == HTTP_CREATE_OBSERVATION)
		v = get_key2(obj, "startTime", "start_time", &buf, &key);
	else
		v = get_key2(obj, "endTime", "end_time", &buf, &key);
	if (v)
	{
		if (!timestamp_value(ev, v, kind == HTTP_CREATE_TRACE ? "timestamp" : key, &ev->ts))
			return;
	}
	else
		ev->ts = GetCurrentTransactionStartTimestamp();

	if (kind == HTTP_UPDATE_OBSERVATION)
	{
		idbuf.type = jbvString;
		idbuf.val.string.val = (char *) observation_id;
		idbuf.val.string.len = observation_id ? strlen(observation_id) : 0;
		v = observation_id ? &idbuf : NULL;
	}
	else
		v = get_key(obj, "id", &idbuf);
	ev->prec = (kind == HTTP_UPDATE_OBSERVATION) ? PREC_END : PREC_START;
	if (!set_entity(t, ev, kind == HTTP_CREATE_TRACE ? IK_TRACE : IK_OBS, v,
					kind == HTTP_UPDATE_OBSERVATION ? "observation_id" : "id"))
		return;
	what = (kind == HTTP_CREATE_TRACE) ? "http-trace-create" :
		(kind == HTTP_CREATE_OBSERVATION) ? "http-observation-create" : "http-observation-update";
	h = hash_bytes_extended((const unsigned char *) VARDATA(body), VARSIZE(body) - VARHDRSZ, 0);
	ev->event_id = psprintf("%s:%s:%016llx", what, strchr(ev->key, ':') + 1, (unsigned long long) h);
	set_tiebreak(ev);
	ev->ledgered = true;
	if (kind == HTTP_CREATE_TRACE)
	{
		if (set_trace_project(t, ev))
			fill_trace(t, ev, obj, "");
		return;
	}
	v = get_key2(obj, "traceId", "trace_id", &buf, &key);
	if (!set_obs_trace(t, ev, v, key))
		return;
	if (!fill_observation(t, ev, obj, "", NULL, false))
		return;
	if (ev->ph_key && ev->vals[OF_START_TIME].cls == FIRST_EXPLICIT &&
		(OBS(t)->cols[OF_START_TIME].cclass == CC_TIMESTAMP ||
		 OBS(t)->cols[OF_START_TIME].cclass == CC_TIMESTAMPTZ))
		ev->ph_ts = DatumGetTimestampTz(ev->vals[OF_START_TIME].value);
	else
		ev->ph_ts = ev->ts;
}
