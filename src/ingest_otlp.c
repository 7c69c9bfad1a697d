/*-------------------------------------------------------------------------
 *
 * ingest_otlp.c
 *	  swisper.ingest_otlp(): the body of an OTLP/HTTP trace export in its
 *	  JSON encoding (an ExportTraceServiceRequest: resourceSpans[].
 *	  scopeSpans[].spans[]) into traces and observations, through the one
 *	  merge routine of the other ingestion functions.  Every span makes an
 *	  observation; a root span (no parentSpanId) also makes its trace.  The
 *	  GenAI semantic conventions (gen_ai.* attributes) give an observation
 *	  its type, model, token counts, input and output; docs/otlp.md has the
 *	  whole mapping, and this file's tables are that mapping.
 *
 * The request is text, parsed here with PostgreSQL's non-throwing JSON
 * parser into a jsonb (as jsonb_in() builds one): text that is not JSON
 * ends the call (22P02, naming the byte offset), but within a valid
 * request one bad span never fails the others.  Every span gets one
 * result row, in document order, and a span that is not what OTLP/JSON
 * says gets a 400 of its own, as a bad element of ingest_batch() does.
 *
 * A span is an event as the SDK's are: its own timestamp (the end time,
 * else the start) orders the merge, its event id is derived from its ids
 * and a hash of its content, so that the same span delivered again is a
 * duplicate, in any request and any order.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "common/jsonapi.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/tuplestore.h"

#include "ingest.h"

PG_FUNCTION_INFO_V1(ingest_otlp);

/* Shorthands for the tables of a target. */
#define TRACES(t)	(&(t)->tables[IK_TRACE])
#define OBS(t)		(&(t)->tables[IK_OBS])

/*
 * The request's nesting.  pg_parse_json() recurses per level and raises
 * "stack depth limit exceeded" at about 14,500 levels (max_stack_depth
 * 2 MB); the parse stops before, with a message that says why.  A string
 * holding JSON (a message attribute) nested deeper is kept as a string.
 */
#define OTLP_MAX_JSON_DEPTH		10000

/*
 * What one span may hold.  The OpenTelemetry SDKs keep 128 attributes
 * and 128 events per span by default; these limits are far above that,
 * and a span over them is refused for itself, with its 400.
 */
#define OTLP_MAX_ATTRIBUTES		1000	/* in one attributes list */
#define OTLP_MAX_EVENTS			1000	/* events of one span */
#define OTLP_MAX_VALUES			10000	/* in one arrayValue or kvlistValue */
#define OTLP_MAX_VALUE_DEPTH	64	/* arrayValue/kvlistValue inside each other */

/*
 * A JSON number longer than this, or with an exponent beyond it, stays the
 * text it is instead of becoming a numeric: numeric refuses an exponent
 * beyond 131,071 (an error that would end the call), and nothing OTLP
 * carries needs such numbers.  Every reader of a number here takes a
 * string as well.
 */
#define OTLP_MAX_NUMBER_CHARS	1000

/*
 * What an attribute key means to the mapping.  Keys of no role (and the
 * role's keys that give no column its value) go to meta.
 */
typedef enum OtlpRole
{
	OR_NONE = 0,
	OR_OBS_TYPE,				/* langfuse.observation.type */
	OR_OPERATION,				/* gen_ai.operation.name */
	OR_TOOL_NAME,				/* gen_ai.tool.name */
	OR_RESPONSE_MODEL,			/* gen_ai.response.model */
	OR_REQUEST_MODEL,			/* gen_ai.request.model */
	OR_MODEL_PARAMETER,			/* any other gen_ai.request.* */
	OR_INPUT_TOKENS,			/* gen_ai.usage.input_tokens */
	OR_PROMPT_TOKENS,			/* gen_ai.usage.prompt_tokens (older) */
	OR_OUTPUT_TOKENS,			/* gen_ai.usage.output_tokens */
	OR_COMPLETION_TOKENS,		/* gen_ai.usage.completion_tokens (older) */
	OR_TOTAL_TOKENS,			/* gen_ai.usage.total_tokens */
	OR_INPUT_MESSAGES,			/* gen_ai.input.messages */
	OR_PROMPT,					/* gen_ai.prompt (older) */
	OR_TOOL_ARGUMENTS,			/* gen_ai.tool.call.arguments */
	OR_OUTPUT_MESSAGES,			/* gen_ai.output.messages */
	OR_COMPLETION,				/* gen_ai.completion (older) */
	OR_TOOL_RESULT,				/* gen_ai.tool.call.result */
	OR_LF_USER,					/* langfuse.user.id */
	OR_USER,					/* user.id */
	OR_LF_SESSION,				/* langfuse.session.id */
	OR_SESSION,					/* session.id */
	OR_CONVERSATION,			/* gen_ai.conversation.id */
	OR_PROJECT,					/* swisper.project.id (of the resource) */
	OR_COUNT
} OtlpRole;

/* The keys of the roles, sorted by strcmp() for bsearch(). */
typedef struct OtlpKey
{
	const char *key;
	OtlpRole	role;
} OtlpKey;

static const OtlpKey otlp_keys[] = {
	{"gen_ai.completion", OR_COMPLETION},
	{"gen_ai.conversation.id", OR_CONVERSATION},
	{"gen_ai.input.messages", OR_INPUT_MESSAGES},
	{"gen_ai.operation.name", OR_OPERATION},
	{"gen_ai.output.messages", OR_OUTPUT_MESSAGES},
	{"gen_ai.prompt", OR_PROMPT},
	{"gen_ai.request.model", OR_REQUEST_MODEL},
	{"gen_ai.response.model", OR_RESPONSE_MODEL},
	{"gen_ai.tool.call.arguments", OR_TOOL_ARGUMENTS},
	{"gen_ai.tool.call.result", OR_TOOL_RESULT},
	{"gen_ai.tool.name", OR_TOOL_NAME},
	{"gen_ai.usage.completion_tokens", OR_COMPLETION_TOKENS},
	{"gen_ai.usage.input_tokens", OR_INPUT_TOKENS},
	{"gen_ai.usage.output_tokens", OR_OUTPUT_TOKENS},
	{"gen_ai.usage.prompt_tokens", OR_PROMPT_TOKENS},
	{"gen_ai.usage.total_tokens", OR_TOTAL_TOKENS},
	{"langfuse.observation.type", OR_OBS_TYPE},
	{"langfuse.session.id", OR_LF_SESSION},
	{"langfuse.user.id", OR_LF_USER},
	{"session.id", OR_SESSION},
	{"swisper.project.id", OR_PROJECT},
	{"user.id", OR_USER},
};

/* Every gen_ai.request.* key but the model is a model parameter. */
#define MODEL_PARAMETER_PREFIX	"gen_ai.request."

/* The observation type of each well-known gen_ai.operation.name. */
static const struct
{
	const char *operation;
	const char *type;
}			operation_types[] = {
	{"chat", "GENERATION"},
	{"text_completion", "GENERATION"},
	{"generate_content", "GENERATION"},
	{"embeddings", "GENERATION"},
	{"execute_tool", "TOOL"},
	{"invoke_agent", "AGENT"},
	{"create_agent", "AGENT"},
};

/*
 * Where a column's value comes from: the first of its roles a span
 * carries.  The message events of a span come between the second and
 * the third role of input and output (see plan_payload).
 */
static const OtlpRole model_roles[] = {OR_RESPONSE_MODEL, OR_REQUEST_MODEL};
static const OtlpRole input_token_roles[] = {OR_INPUT_TOKENS, OR_PROMPT_TOKENS};
static const OtlpRole output_token_roles[] = {OR_OUTPUT_TOKENS, OR_COMPLETION_TOKENS};
static const OtlpRole total_token_roles[] = {OR_TOTAL_TOKENS};
static const OtlpRole input_roles[] = {OR_INPUT_MESSAGES, OR_PROMPT, OR_TOOL_ARGUMENTS};
static const OtlpRole output_roles[] = {OR_OUTPUT_MESSAGES, OR_COMPLETION, OR_TOOL_RESULT};
static const OtlpRole user_roles[] = {OR_LF_USER, OR_USER};
static const OtlpRole session_roles[] = {OR_LF_SESSION, OR_SESSION, OR_CONVERSATION};

/* One attribute of a list: its key, its AnyValue (NULL: absent). */
typedef struct OtlpAttr
{
	const char *key;			/* not NUL-terminated */
	int			keylen;
	JsonbValue *value;
	OtlpRole	role;
	JsonbValue	keybuf;
	JsonbValue	valbuf;
} OtlpAttr;

/* An attributes list, with the last attribute of each role. */
typedef struct OtlpAttrs
{
	int			n;
	OtlpAttr   *a;
	int			by_role[OR_COUNT];	/* index into a, or -1 */
	bool		used[OR_COUNT];		/* gives a column its value: not in meta */
} OtlpAttrs;

/* What a span event is to the mapping. */
typedef enum OtlpEventKind
{
	OE_OTHER,					/* kept in meta.events */
	OE_INPUT_MESSAGE,			/* gen_ai.{system,user,assistant,tool}.message */
	OE_CHOICE					/* gen_ai.choice */
} OtlpEventKind;

/* One span event. */
typedef struct OtlpEvent
{
	JsonbValue *name;			/* a string, or NULL */
	char	   *time;			/* timeUnixNano as canonical decimal, or NULL */
	OtlpEventKind kind;
	const char *role;			/* OE_INPUT_MESSAGE: system, user, ... */
	OtlpAttrs	attrs;
} OtlpEvent;

/* A resource or an instrumentation scope, shared by the spans below it. */
typedef struct OtlpParent
{
	JsonbValue	meta;			/* its part of meta; jbvNull when empty */
	const char *project;		/* a resource's swisper.project.id */
	char	   *error;			/* when set, every span below gets this 400 */
} OtlpParent;

/* Input or output of a span: a value, or a string holding JSON. */
typedef struct OtlpPayload
{
	bool		present;
	JsonbValue	value;
	bool		json_text;		/* value is a string holding a JSON array or object */
	const char *path;
} OtlpPayload;

/* One span, read and checked. */
typedef struct OtlpSpan
{
	JsonbContainer *obj;
	uint64		hash;			/* of its JSON, for the event ids */
	char		trace_id[33];
	char		span_id[17];
	char		parent_id[17];	/* "" for a root span */
	JsonbValue *name;
	TimestampTz start;
	TimestampTz end;
	bool		has_end;
	int64		kind;
	bool		error_status;	/* status.code 2 */
	JsonbValue *status_message;
	OtlpAttrs	attrs;
	int			nevents;
	OtlpEvent  *events;
	bool		input_events_used;
	bool		choice_events_used;
	OtlpPayload input;
	OtlpPayload output;
	JsonbValue	meta;			/* jbvBinary, or jbvNull when empty */
} OtlpSpan;

/* One result row: a span (or a part of the request that is no span). */
typedef struct OtlpRow
{
	char	   *span_id;		/* NULL when the span has no valid spanId */
	IngestEvent *obs;			/* its observation event, or its rejection */
	IngestEvent *trace;			/* the trace event of a root span, or NULL */
	bool		nul;			/* a \u0000 of its JSON was replaced */
} OtlpRow;

/*
 * Where a \u0000 of the request was: resourceSpans[r].scopeSpans[k].
 * spans[i], -1 for "every one" (a resource's attribute is in the meta of
 * all its spans).
 */
typedef struct NulPlace
{
	int			r;
	int			k;
	int			i;
} NulPlace;

/* The \u0000 of the request (see replace_nuls) and the places they were in. */
typedef struct NulTrack
{
	const int  *offsets;		/* ascending */
	int			n;
	int			next;			/* the first not yet placed */
	NulPlace   *places;
	int			nplaces;
} NulTrack;

/* The state of one call. */
typedef struct OtlpCall
{
	IngestTarget *t;
	const char *project;		/* the argument, or NULL */
	bool		counting;		/* the first walk only counts the rows */
	int			nrows;
	OtlpRow    *rows;
	int			nevents;
	IngestEvent *events;
	NulTrack	nul;			/* the \u0000 the request held */
} OtlpCall;


/* ---------------------------------------------------------------------
 * The JSON parser's callbacks that build a jsonb, as jsonb_in()'s do.
 * ---------------------------------------------------------------------
 */

/* A span object is at this nesting depth of the request. */
#define SPAN_DEPTH	7

/* One container on the parser's way down to a span. */
typedef struct BuildLevel
{
	bool		array;
	const char *key;			/* an object's member being parsed */
	int			index;			/* an array's element being parsed */
} BuildLevel;

typedef struct JsonBuild
{
	JsonbParseState *ps;
	JsonbValue *res;
	JsonLexContext *lex;
	int			depth;
	NulTrack   *nul;			/* NULL: nothing to place */
	BuildLevel	path[SPAN_DEPTH + 1];
} JsonBuild;

/* Where a parse stopped, for messages. */
typedef struct JsonFailure
{
	JsonParseErrorType rc;
	int			offset;
	int			line;
	char	   *detail;
} JsonFailure;

/*
 * Begin or end an object or array.  The nesting is counted here, before
 * the parser recurses into it.
 */
static void
build_push(void *state, JsonbIteratorToken tok)
{
	JsonBuild  *b = (JsonBuild *) state;

	if (tok == WJB_END_OBJECT || tok == WJB_END_ARRAY)
		b->depth--;
	else if (++b->depth > OTLP_MAX_JSON_DEPTH)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("request nests JSON deeper than %d levels, at byte offset %d",
						OTLP_MAX_JSON_DEPTH, (int) (b->lex->token_start - b->lex->input)),
				 errdetail("The parser recurses per level; deeper input would exhaust the stack.")));
	else if (b->depth <= SPAN_DEPTH)
	{
		b->path[b->depth].array = (tok == WJB_BEGIN_ARRAY);
		b->path[b->depth].key = NULL;
		b->path[b->depth].index = -1;
	}
	b->res = pushJsonbValue(&b->ps, tok, NULL);
}

static void
build_element_start(void *state, bool isnull)
{
	JsonBuild  *b = (JsonBuild *) state;

	if (b->depth <= SPAN_DEPTH)
		b->path[b->depth].index++;
}

/*
 * The element index of the array at depth d when it is the member key of
 * the object above it (resourceSpans, scopeSpans, spans); else -1.
 */
static int
level_index(JsonBuild *b, int d, const char *key)
{
	if (b->depth < d || !b->path[d].array || b->path[d - 1].array ||
		b->path[d - 1].key == NULL || strcmp(b->path[d - 1].key, key) != 0)
		return -1;
	return b->path[d].index;
}

/*
 * The string just lexed (a key or a value: it ends before the parser's
 * previous token ended) held a replaced \u0000 when one's offset is
 * before that end: note the place it was in.
 */
static void
place_nuls(JsonBuild *b)
{
	NulTrack   *nul = b->nul;
	int			end = (int) (b->lex->prev_token_terminator - b->lex->input);
	NulPlace   *p;

	if (nul == NULL || nul->next >= nul->n || nul->offsets[nul->next] >= end)
		return;
	while (nul->next < nul->n && nul->offsets[nul->next] < end)
		nul->next++;
	p = &nul->places[nul->nplaces];
	p->r = level_index(b, 2, "resourceSpans");
	p->k = level_index(b, 4, "scopeSpans");
	p->i = p->k < 0 ? -1 : level_index(b, 6, "spans");
	/* outside every resource it is in nothing stored */
	if (p->r >= 0)
		nul->nplaces++;
}

static void
build_object_start(void *state)
{
	build_push(state, WJB_BEGIN_OBJECT);
}

static void
build_object_end(void *state)
{
	build_push(state, WJB_END_OBJECT);
}

static void
build_array_start(void *state)
{
	build_push(state, WJB_BEGIN_ARRAY);
}

static void
build_array_end(void *state)
{
	build_push(state, WJB_END_ARRAY);
}

/*
 * A string as jsonb holds it; jsonb cannot hold one over JENTRY_OFFLENMASK
 * bytes (jsonb_in() raises the same error).
 */
static void
string_jsonb_value(char *s, JsonbValue *v)
{
	size_t		len = strlen(s);

	if (len > JENTRY_OFFLENMASK)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("string too long to represent as jsonb string"),
				 errdetail("Due to an implementation restriction, jsonb strings cannot exceed %d bytes.",
						   JENTRY_OFFLENMASK)));
	v->type = jbvString;
	v->val.string.val = s;
	v->val.string.len = (int) len;
}

static void
build_field(void *state, char *fname, bool isnull)
{
	JsonBuild  *b = (JsonBuild *) state;
	JsonbValue	v;

	if (b->depth <= SPAN_DEPTH)
		b->path[b->depth].key = fname;
	place_nuls(b);
	string_jsonb_value(fname, &v);
	b->res = pushJsonbValue(&b->ps, WJB_KEY, &v);
}

/*
 * A JSON number (valid JSON: the lexer checked it) as a numeric, unless
 * it is too long or its exponent too large (OTLP_MAX_NUMBER_CHARS).
 */
static void
number_jsonb_value(char *token, JsonbValue *v)
{
	size_t		len = strlen(token);
	const char *e = strpbrk(token, "eE");
	bool		fits = (len <= OTLP_MAX_NUMBER_CHARS);

	if (fits && e != NULL)
	{
		const char *digits = e + 1 + (e[1] == '+' || e[1] == '-');

		fits = (strlen(digits) <= 4 && atoi(digits) <= OTLP_MAX_NUMBER_CHARS);
	}
	if (!fits)
	{
		string_jsonb_value(token, v);
		return;
	}
	v->type = jbvNumeric;
	v->val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(token),
														 ObjectIdGetDatum(InvalidOid),
														 Int32GetDatum(-1)));
}

static void
build_scalar(void *state, char *token, JsonTokenType type)
{
	JsonBuild  *b = (JsonBuild *) state;
	JsonbValue	v;

	switch (type)
	{
		case JSON_TOKEN_STRING:
			place_nuls(b);
			string_jsonb_value(token, &v);
			break;
		case JSON_TOKEN_NUMBER:
			number_jsonb_value(token, &v);
			break;
		case JSON_TOKEN_TRUE:
		case JSON_TOKEN_FALSE:
			v.type = jbvBool;
			v.val.boolean = (type == JSON_TOKEN_TRUE);
			break;
		case JSON_TOKEN_NULL:
			v.type = jbvNull;
			break;
		default:
			elog(ERROR, "unexpected json token type %d", (int) type);
	}
	if (b->ps == NULL)
	{
		/* a scalar alone: jsonb's raw scalar, an array of one */
		JsonbValue	va;

		va.type = jbvArray;
		va.val.array.rawScalar = true;
		va.val.array.nElems = 1;
		pushJsonbValue(&b->ps, WJB_BEGIN_ARRAY, &va);
		pushJsonbValue(&b->ps, WJB_ELEM, &v);
		b->res = pushJsonbValue(&b->ps, WJB_END_ARRAY, NULL);
	}
	else if (b->ps->contVal.type == jbvArray)
		b->res = pushJsonbValue(&b->ps, WJB_ELEM, &v);
	else
		b->res = pushJsonbValue(&b->ps, WJB_VALUE, &v);
}

/*
 * Parse JSON text into a jsonb in one pass, with the non-throwing parser.
 * Returns NULL and fills *fail when the text is not JSON.  The parser's
 * tree of values (several times the text) lives in a context of its own,
 * deleted before returning; the jsonb is made in the caller's.
 */
static Jsonb *
json_to_jsonb(char *text, int len, NulTrack *nul, JsonFailure *fail)
{
	MemoryContext cxt = CurrentMemoryContext;
	MemoryContext tmp = AllocSetContextCreate(cxt, "swisper otlp parse", ALLOCSET_DEFAULT_SIZES);
	JsonBuild	b;
	JsonSemAction sem = {&b, build_object_start, build_object_end, build_array_start,
	build_array_end, build_field, NULL, nul ? build_element_start : NULL, NULL, build_scalar};
	Jsonb	   *result = NULL;

	memset(&b, 0, sizeof(b));
	b.nul = nul;

	MemoryContextSwitchTo(tmp);
	b.lex = makeJsonLexContextCstringLen(text, len, GetDatabaseEncoding(), true);
	fail->rc = pg_parse_json(b.lex, &sem);
	MemoryContextSwitchTo(cxt);
	if (fail->rc == JSON_SUCCESS)
		result = JsonbValueToJsonb(b.res);
	else
	{
		/* at the end of the input there is no token: the end is where it stopped */
		fail->offset = (int) ((b.lex->token_start ? b.lex->token_start : b.lex->token_terminator) -
							  b.lex->input);
		fail->line = b.lex->line_number;
		fail->detail = pstrdup(json_errdetail(fail->rc, b.lex));
	}
	MemoryContextDelete(tmp);
	return result;
}

/*
 * PostgreSQL's text and jsonb cannot hold U+0000, which LLM output and tool
 * results do contain: a request holding \u0000 would fail as a whole.  Each
 * \u0000 escape is replaced, in a copy of the text, by \uFFFD (the
 * replacement character; '?' where the database encoding has none), and
 * nul->offsets lists where, so that the spans that held one can say so.
 * The text is returned as it is when it holds none (the usual case, found
 * with one memmem()).
 */
static char *
replace_nuls(char *text, int len, NulTrack *nul)
{
	const char *subst = GetDatabaseEncoding() == PG_UTF8 ? "FFFD" : "003F";
	bool		in_string = false;
	int		   *offsets;
	char	   *copy;
	int			i;

	memset(nul, 0, sizeof(*nul));
	if (memmem(text, len, "\\u0000", 6) == NULL)
		return text;
	copy = palloc(len + 1);
	memcpy(copy, text, len);
	copy[len] = '\0';
	offsets = palloc(sizeof(int) * (len / 6 + 1));
	for (i = 0; i < len; i++)
	{
		if (copy[i] == '"')
			in_string = !in_string;
		else if (in_string && copy[i] == '\\' && i + 1 < len)
		{
			/* an escape: \u0000 is replaced; any other is stepped over */
			if (i + 5 < len && memcmp(copy + i + 1, "u0000", 5) == 0)
			{
				memcpy(copy + i + 2, subst, 4);
				offsets[nul->n++] = i;
			}
			i++;
		}
	}
	nul->offsets = offsets;
	nul->places = palloc(sizeof(NulPlace) * (nul->n + 1));
	return copy;
}

/*
 * The request as a jsonb; text that is not JSON ends the call.  nul gets
 * the places of the \u0000 it held.
 */
static Jsonb *
parse_request(text *request, NulTrack *nul)
{
	JsonFailure fail;
	int			len = VARSIZE_ANY_EXHDR(request);
	Jsonb	   *jb = json_to_jsonb(replace_nuls(VARDATA_ANY(request), len, nul), len, nul, &fail);

	if (jb != NULL)
		return jb;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("request is not valid JSON at byte offset %d (line %d)", fail.offset, fail.line),
			 errdetail("%s", fail.detail),
			 errhint("Pass the body of an OTLP/HTTP JSON trace export (an ExportTraceServiceRequest).")));
	return NULL;				/* keep compiler quiet */
}


/* ---------------------------------------------------------------------
 * Readers of OTLP/JSON values.
 * ---------------------------------------------------------------------
 */

static JsonbValue *
string_value_of(const char *s, int len, JsonbValue *buf)
{
	buf->type = jbvString;
	buf->val.string.val = (char *) s;
	buf->val.string.len = len;
	return buf;
}

/*
 * Is v the string s?
 */
static bool
string_is(JsonbValue *v, const char *s)
{
	return v != NULL && v->type == jbvString && (size_t) v->val.string.len == strlen(s) &&
		memcmp(v->val.string.val, s, v->val.string.len) == 0;
}

/*
 * The text of a JSON string or number (a number as numeric_out() prints
 * it: digits, no exponent); false for anything else.
 */
static bool
number_text(JsonbValue *v, const char **s, int *len)
{
	if (v->type == jbvString)
	{
		*s = v->val.string.val;
		*len = v->val.string.len;
		return true;
	}
	if (v->type == jbvNumeric)
	{
		*s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
		*len = strlen(*s);
		return true;
	}
	return false;
}

/*
 * A decimal integer of up to 64 bits, as protobuf's JSON mapping writes
 * 64-bit integers (a string) or a reader may (a number): digits, a minus
 * only when allowed, a zero fraction (".0") tolerated.
 */
static bool
parse_decimal(const char *s, int len, bool allow_minus, bool *neg, uint64 *mag)
{
	int			i = 0;
	int			first;
	uint64		m = 0;

	*neg = (len > 0 && s[0] == '-' && allow_minus);
	if (*neg)
		i = 1;
	first = i;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
	{
		int			d = s[i] - '0';

		if (m > (PG_UINT64_MAX - d) / 10)
			return false;
		m = m * 10 + d;
	}
	if (i == first)
		return false;
	if (i < len && s[i] == '.')
	{
		for (i++; i < len && s[i] == '0'; i++)
			;
	}
	if (i != len)
		return false;
	*mag = m;
	return true;
}

/*
 * A signed 64-bit integer (an intValue, a count, an enum) from a JSON
 * string or number.
 */
static bool
int64_value(JsonbValue *v, int64 *out)
{
	const char *s;
	int			len;
	bool		neg;
	uint64		mag;

	if (!number_text(v, &s, &len) || !parse_decimal(s, len, true, &neg, &mag))
		return false;
	if (neg ? mag > (uint64) PG_INT64_MAX + 1 : mag > (uint64) PG_INT64_MAX)
		return false;
	*out = neg ? (int64) (0 - mag) : (int64) mag;
	return true;
}

/*
 * A span's id field: hex digits of either case, 2 * nbytes of them, kept
 * lower case in out.  OTLP's "no id" is all zeros (or, for parentSpanId
 * only, absent or empty): out is then "" if optional, else the span is
 * rejected.
 */
static bool
read_id(IngestEvent *ev, JsonbContainer *span, const char *key, int nbytes, bool optional,
		char *out)
{
	JsonbValue	buf;
	JsonbValue *v = ingest_get_key(span, key, &buf);
	bool		zero = true;
	const char *s;
	int			len;
	int			i;

	out[0] = '\0';
	if (v == NULL || (optional && v->type == jbvString && v->val.string.len == 0))
		return optional || ingest_reject(ev, 400, "%s: missing", key);
	if (v->type != jbvString)
		return ingest_reject(ev, 400, "%s: must be a string of %d hex digits, not %s", key,
							 2 * nbytes, JsonbTypeName(v));
	s = v->val.string.val;
	len = v->val.string.len;
	if (pg_mbstrlen_with_len(s, len) != 2 * nbytes)
		return ingest_reject(ev, 400, "%s: %s has %d characters, not %d (OTLP/JSON writes its %d bytes in hex)",
							 key, ingest_quote(s, len), pg_mbstrlen_with_len(s, len),
							 2 * nbytes, nbytes);
	for (i = 0; i < len; i++)
	{
		char		c = s[i];

		/* a multibyte character makes len larger than out: never written */
		if (len != 2 * nbytes ||
			!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return ingest_reject(ev, 400, "%s: %s is not hex", key, ingest_quote(s, len));
		out[i] = pg_ascii_tolower((unsigned char) c);
		zero &= (c == '0');
	}
	out[len] = '\0';
	if (zero && !optional)
		return ingest_reject(ev, 400, "%s: all zeros, which OTLP reserves for \"no id\"", key);
	if (zero)
		out[0] = '\0';
	return true;
}

/*
 * Nanoseconds since the Unix epoch (a fixed64: a decimal string or a
 * number) as a timestamp, to the microsecond (the nanoseconds below are
 * cut).  *present is false when absent or 0, OTLP's "not set"; canonical,
 * if not NULL, gets the decimal text.
 */
static bool
read_nanos(IngestEvent *ev, JsonbContainer *obj, const char *prefix, const char *key,
		   bool *present, TimestampTz *ts, char **canonical)
{
	JsonbValue	buf;
	JsonbValue *v = ingest_get_key(obj, key, &buf);
	const char *s;
	int			len;
	bool		neg;
	uint64		ns;

	*present = false;
	if (v == NULL)
		return true;
	if (!number_text(v, &s, &len) || !parse_decimal(s, len, false, &neg, &ns))
	{
		if (v->type == jbvString || v->type == jbvNumeric)
			return ingest_reject(ev, 400, "%s%s: %s is not a count of nanoseconds (an unsigned 64-bit integer)",
								 prefix, key, ingest_quote(s, len));
		return ingest_reject(ev, 400, "%s%s: must be a string or a number of nanoseconds, not %s",
							 prefix, key, JsonbTypeName(v));
	}
	if (ns == 0)
		return true;
	*present = true;
	*ts = (TimestampTz) (ns / 1000) -
		((TimestampTz) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE)) * USECS_PER_DAY;
	if (canonical)
		*canonical = psprintf(UINT64_FORMAT, ns);
	return true;
}

/*
 * An enum (OTLP/JSON writes enums as integers) or 0 when absent.
 */
static bool
read_enum(IngestEvent *ev, JsonbContainer *obj, const char *path, const char *key, int64 *out)
{
	JsonbValue	buf;
	JsonbValue *v = ingest_get_key(obj, key, &buf);

	*out = 0;
	if (v == NULL)
		return true;
	if (v->type != jbvNumeric || !int64_value(v, out))
		return ingest_reject(ev, 400, "%s: must be an integer (OTLP/JSON writes enums as integers), not %s",
							 path, v->type == jbvNumeric ? "a fraction" : JsonbTypeName(v));
	return true;
}

/*
 * An array member of obj (*arr; NULL when absent); false when it is there
 * but not an array.  *v is the member's value, in buf.
 */
static bool
array_member(JsonbContainer *obj, const char *key, JsonbContainer **arr, JsonbValue **v,
			 JsonbValue *buf)
{
	*arr = NULL;
	*v = ingest_get_key(obj, key, buf);
	if (*v == NULL)
		return true;
	if ((*v)->type == jbvBinary && JsonContainerIsArray((*v)->val.binary.data))
	{
		*arr = (*v)->val.binary.data;
		return true;
	}
	return false;
}


/* ---------------------------------------------------------------------
 * AnyValue to plain JSON.
 * ---------------------------------------------------------------------
 */

static bool push_any(JsonbParseState **ps, JsonbIteratorToken tok, JsonbValue *anyv, int depth,
					 char **err);

/*
 * Push an arrayValue (kv false) or kvlistValue ({values: [...]}) as a JSON
 * array or object.
 */
static bool
push_list(JsonbParseState **ps, JsonbValue *listv, int depth, bool kv, char **err)
{
	const char *what = kv ? "kvlistValue" : "arrayValue";
	JsonbContainer *obj = ingest_as_object(listv);
	JsonbContainer *arr;
	JsonbValue *values;
	JsonbValue	vbuf;
	int			n;
	int			i;

	if (depth > OTLP_MAX_VALUE_DEPTH)
	{
		*err = psprintf("arrayValue and kvlistValue nest deeper than %d levels", OTLP_MAX_VALUE_DEPTH);
		return false;
	}
	if (obj == NULL)
	{
		*err = psprintf("%s: must be an object, not %s", what, JsonbTypeName(listv));
		return false;
	}
	if (!array_member(obj, "values", &arr, &values, &vbuf))
	{
		*err = psprintf("%s.values: must be an array, not %s", what, JsonbTypeName(values));
		return false;
	}
	n = arr ? JsonContainerSize(arr) : 0;
	if (n > OTLP_MAX_VALUES)
	{
		*err = psprintf("%s holds %d values (at most %d)", what, n, OTLP_MAX_VALUES);
		return false;
	}
	pushJsonbValue(ps, kv ? WJB_BEGIN_OBJECT : WJB_BEGIN_ARRAY, NULL);
	for (i = 0; i < n; i++)
	{
		JsonbValue *elem = getIthJsonbValueFromContainer(arr, i);

		if (kv)
		{
			JsonbContainer *kvobj = ingest_as_object(elem);
			JsonbValue	kbuf,
						vbuf;
			JsonbValue *key = ingest_get_key(kvobj, "key", &kbuf);

			if (key == NULL || key->type != jbvString)
			{
				*err = psprintf("kvlistValue.values[%d].key: must be a string", i);
				return false;
			}
			pushJsonbValue(ps, WJB_KEY, key);
			elem = ingest_get_key(kvobj, "value", &vbuf);
			if (!push_any(ps, WJB_VALUE, elem, depth, err))
				return false;
		}
		else if (!push_any(ps, WJB_ELEM, elem, depth, err))
			return false;
	}
	pushJsonbValue(ps, kv ? WJB_END_OBJECT : WJB_END_ARRAY, NULL);
	return true;
}

/*
 * Push an AnyValue ({stringValue|boolValue|intValue|doubleValue|arrayValue|
 * kvlistValue|bytesValue}) as plain JSON: a string, boolean, number,
 * array or object; bytesValue as its base64 string; an empty AnyValue (or
 * none) as null.  tok is WJB_VALUE in an object, WJB_ELEM in an array.
 * Returns false with *err saying what was wrong.
 */
static bool
push_any(JsonbParseState **ps, JsonbIteratorToken tok, JsonbValue *anyv, int depth, char **err)
{
	JsonbContainer *obj = ingest_as_object(anyv);
	JsonbValue	buf;
	JsonbValue	out;
	JsonbValue *v;
	int64		i64;

	check_stack_depth();
	out.type = jbvNull;
	if (anyv != NULL && anyv->type != jbvNull && obj == NULL)
	{
		*err = psprintf("must be an AnyValue object, not %s", JsonbTypeName(anyv));
		return false;
	}
	if ((v = ingest_get_key(obj, "stringValue", &buf)) != NULL)
	{
		if (v->type != jbvString)
		{
			*err = psprintf("stringValue: must be a string, not %s", JsonbTypeName(v));
			return false;
		}
		out = *v;
	}
	else if ((v = ingest_get_key(obj, "intValue", &buf)) != NULL)
	{
		if (!int64_value(v, &i64))
		{
			*err = psprintf("intValue: must be a 64-bit integer (a string or a number)");
			return false;
		}
		out.type = jbvNumeric;
		out.val.numeric = int64_to_numeric(i64);
	}
	else if ((v = ingest_get_key(obj, "doubleValue", &buf)) != NULL)
	{
		/* JSON has no NaN or infinities: protobuf's mapping writes them as strings */
		if (v->type == jbvString && v->val.string.len > 0 && v->val.string.len <= OTLP_MAX_NUMBER_CHARS &&
			IsValidJsonNumber(v->val.string.val, v->val.string.len))
			number_jsonb_value(pnstrdup(v->val.string.val, v->val.string.len), &out);
		else if (v->type == jbvNumeric || string_is(v, "NaN") || string_is(v, "Infinity") ||
				 string_is(v, "-Infinity"))
			out = *v;
		else
		{
			*err = psprintf("doubleValue: must be a number, or \"NaN\", \"Infinity\" or \"-Infinity\"");
			return false;
		}
	}
	else if ((v = ingest_get_key(obj, "boolValue", &buf)) != NULL)
	{
		if (v->type != jbvBool)
		{
			*err = psprintf("boolValue: must be true or false, not %s", JsonbTypeName(v));
			return false;
		}
		out = *v;
	}
	else if ((v = ingest_get_key(obj, "arrayValue", &buf)) != NULL)
		return push_list(ps, v, depth + 1, false, err);
	else if ((v = ingest_get_key(obj, "kvlistValue", &buf)) != NULL)
		return push_list(ps, v, depth + 1, true, err);
	else if ((v = ingest_get_key(obj, "bytesValue", &buf)) != NULL)
	{
		if (v->type != jbvString)
		{
			*err = psprintf("bytesValue: must be a base64 string, not %s", JsonbTypeName(v));
			return false;
		}
		out = *v;
	}
	pushJsonbValue(ps, tok, &out);
	return true;
}

/*
 * A jsonb as a jbvBinary value.
 */
static void
binary_value(Jsonb *jb, JsonbValue *out)
{
	out->type = jbvBinary;
	out->val.binary.data = &jb->root;
	out->val.binary.len = VARSIZE(jb) - VARHDRSZ;
}

/*
 * An AnyValue as one JsonbValue: a scalar, or a jbvBinary container.
 */
static bool
any_value(JsonbValue *anyv, JsonbValue *out, char **err)
{
	JsonbParseState *ps = NULL;
	JsonbValue *arr;
	JsonbValue	elem;

	/* pushed as the element of an array, then taken out of it */
	pushJsonbValue(&ps, WJB_BEGIN_ARRAY, NULL);
	if (!push_any(&ps, WJB_ELEM, anyv, 0, err))
		return false;
	arr = pushJsonbValue(&ps, WJB_END_ARRAY, NULL);
	elem = arr->val.array.elems[0];
	if (elem.type == jbvArray || elem.type == jbvObject)
		binary_value(JsonbValueToJsonb(&elem), out);
	else
		*out = elem;
	return true;
}

/*
 * A finished object (from pushJsonbValue) as a jbvBinary value, or jbvNull
 * when it is empty.
 */
static void
object_value(JsonbValue *obj, JsonbValue *out)
{
	out->type = jbvNull;
	if (obj->val.object.nPairs > 0)
		binary_value(JsonbValueToJsonb(obj), out);
}


/* ---------------------------------------------------------------------
 * Attribute lists.
 * ---------------------------------------------------------------------
 */

static int
cmp_key(const void *key, const void *entry)
{
	const JsonbValue *k = (const JsonbValue *) key;
	const char *name = ((const OtlpKey *) entry)->key;
	int			c = strncmp(k->val.string.val, name, k->val.string.len);

	if (c != 0)
		return c;
	return name[k->val.string.len] == '\0' ? 0 : -1;
}

static OtlpRole
role_of(JsonbValue *key)
{
	const OtlpKey *hit = bsearch(key, otlp_keys, lengthof(otlp_keys), sizeof(OtlpKey), cmp_key);
	int			plen = strlen(MODEL_PARAMETER_PREFIX);

	if (hit)
		return hit->role;
	if (key->val.string.len > plen &&
		memcmp(key->val.string.val, MODEL_PARAMETER_PREFIX, plen) == 0)
		return OR_MODEL_PARAMETER;
	return OR_NONE;
}

/*
 * Read an attributes list ([{key, value}], absent: empty) into *attrs.
 * Returns false with *err (a message naming path) when it is not one.
 */
static bool
read_attributes(JsonbContainer *obj, const char *path, OtlpAttrs *attrs, char **err)
{
	JsonbContainer *arr;
	JsonbValue *v;
	JsonbValue	buf;
	int			i;

	memset(attrs, 0, sizeof(*attrs));
	for (i = 0; i < OR_COUNT; i++)
		attrs->by_role[i] = -1;
	if (!array_member(obj, "attributes", &arr, &v, &buf))
	{
		*err = psprintf("%sattributes: must be an array, not %s", path, JsonbTypeName(v));
		return false;
	}
	if (arr == NULL)
		return true;
	attrs->n = JsonContainerSize(arr);
	if (attrs->n > OTLP_MAX_ATTRIBUTES)
	{
		*err = psprintf("%sattributes: %d attributes (at most %d)", path, attrs->n, OTLP_MAX_ATTRIBUTES);
		return false;
	}
	attrs->a = palloc(sizeof(OtlpAttr) * (attrs->n + 1));
	for (i = 0; i < attrs->n; i++)
	{
		JsonbValue *elem = getIthJsonbValueFromContainer(arr, i);
		JsonbContainer *kv = ingest_as_object(elem);
		OtlpAttr   *a = &attrs->a[i];
		JsonbValue *key = ingest_get_key(kv, "key", &a->keybuf);

		if (kv == NULL)
		{
			*err = psprintf("%sattributes[%d]: must be an object {key, value}, not %s",
							path, i, JsonbTypeName(elem));
			return false;
		}
		if (key == NULL || key->type != jbvString)
		{
			*err = psprintf("%sattributes[%d].key: must be a string", path, i);
			return false;
		}
		a->key = key->val.string.val;
		a->keylen = key->val.string.len;
		a->value = ingest_get_key(kv, "value", &a->valbuf);
		a->role = role_of(key);
		if (a->role != OR_NONE)
			attrs->by_role[a->role] = i;
	}
	return true;
}

/*
 * Where attribute a is, for messages: prefix + attributes["key"].
 */
static char *
attribute_path(const char *prefix, OtlpAttr *a)
{
	return psprintf("%sattributes[%s]", prefix, ingest_quote(a->key, a->keylen));
}

/*
 * The message about attribute a's value.
 */
static char *
attribute_error(const char *prefix, OtlpAttr *a, const char *what)
{
	return psprintf("%s: %s", attribute_path(prefix, a), what);
}

/*
 * Push the attributes that give no column its value as members of the
 * object under construction (all of them when attrs->used is all false).
 */
static bool
push_unused(JsonbParseState **ps, OtlpAttrs *attrs, const char *path, char **err)
{
	int			i;

	for (i = 0; i < attrs->n; i++)
	{
		OtlpAttr   *a = &attrs->a[i];
		JsonbValue	key;

		if (attrs->used[a->role] && a->role != OR_NONE)
			continue;
		pushJsonbValue(ps, WJB_KEY, string_value_of(a->key, a->keylen, &key));
		if (!push_any(ps, WJB_VALUE, a->value, 0, err))
		{
			*err = attribute_error(path, a, *err);
			return false;
		}
	}
	return true;
}

/*
 * Push the key of an object member.
 */
static void
push_key(JsonbParseState **ps, const char *key)
{
	JsonbValue	k;

	pushJsonbValue(ps, WJB_KEY, string_value_of(key, strlen(key), &k));
}

/*
 * The first attribute of roles (in their order) that attrs holds, marked
 * used; NULL if none.
 */
static OtlpAttr *
take(OtlpAttrs *attrs, const OtlpRole *roles, int nroles)
{
	int			i;

	for (i = 0; i < nroles; i++)
	{
		if (attrs->by_role[roles[i]] >= 0)
		{
			attrs->used[roles[i]] = true;
			return &attrs->a[attrs->by_role[roles[i]]];
		}
	}
	return NULL;
}

/*
 * The attribute of a role, without taking it; NULL if none.
 */
static OtlpAttr *
peek(OtlpAttrs *attrs, OtlpRole role)
{
	return attrs->by_role[role] >= 0 ? &attrs->a[attrs->by_role[role]] : NULL;
}

/*
 * The stringValue of an attribute, or NULL when it has none.
 */
static JsonbValue *
string_attribute(OtlpAttr *a, JsonbValue *buf)
{
	JsonbValue *v = ingest_get_key(ingest_as_object(a->value), "stringValue", buf);

	return (v && v->type == jbvString) ? v : NULL;
}


/* ---------------------------------------------------------------------
 * Resources and scopes.
 * ---------------------------------------------------------------------
 */

/*
 * Begin reading a resource or a scope, the member key of parent: its
 * object (NULL when absent) and its attributes.  False, with p->error,
 * when either is not what OTLP/JSON says.
 */
static bool
read_parent(JsonbContainer *parent, const char *key, OtlpParent *p, JsonbContainer **obj,
			OtlpAttrs *attrs)
{
	JsonbValue	buf;
	JsonbValue *v = ingest_get_key(parent, key, &buf);

	memset(p, 0, sizeof(*p));
	p->meta.type = jbvNull;
	*obj = ingest_as_object(v);
	if (v != NULL && *obj == NULL)
	{
		p->error = psprintf("%s: must be an object, not %s", key, JsonbTypeName(v));
		return false;
	}
	return read_attributes(*obj, psprintf("%s.", key), attrs, &p->error);
}

/*
 * A resource ({attributes}): its meta part (its attributes but
 * swisper.project.id), and the project that attribute names when no
 * project_id argument was given.
 */
static void
read_resource(OtlpCall *c, JsonbContainer *rs, OtlpParent *res)
{
	JsonbContainer *obj;
	JsonbParseState *ps = NULL;
	OtlpAttrs	attrs;

	if (!read_parent(rs, "resource", res, &obj, &attrs))
		return;
	/* the project is routing, not telemetry: never in meta, whoever names it */
	attrs.used[OR_PROJECT] = true;
	if (c->project == NULL && peek(&attrs, OR_PROJECT))
	{
		JsonbValue	pbuf;
		JsonbValue *p = string_attribute(peek(&attrs, OR_PROJECT), &pbuf);

		if (p == NULL || p->val.string.len == 0)
		{
			res->error = attribute_error("resource.", peek(&attrs, OR_PROJECT),
										 "must be a non-empty stringValue");
			return;
		}
		res->project = pnstrdup(p->val.string.val, p->val.string.len);
	}
	pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	if (!push_unused(&ps, &attrs, "resource.", &res->error))
		return;
	object_value(pushJsonbValue(&ps, WJB_END_OBJECT, NULL), &res->meta);
}

/*
 * An instrumentation scope ({name, version, attributes}): its meta part.
 */
static void
read_scope(JsonbContainer *ss, OtlpParent *scope)
{
	static const char *const members[] = {"name", "version"};
	JsonbContainer *obj;
	JsonbParseState *ps = NULL;
	OtlpAttrs	attrs;
	int			i;

	if (!read_parent(ss, "scope", scope, &obj, &attrs))
		return;
	pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	for (i = 0; i < (int) lengthof(members); i++)
	{
		JsonbValue	mbuf;
		JsonbValue *m = ingest_get_key(obj, members[i], &mbuf);

		if (m == NULL)
			continue;
		if (m->type != jbvString)
		{
			scope->error = psprintf("scope.%s: must be a string, not %s", members[i], JsonbTypeName(m));
			return;
		}
		push_key(&ps, members[i]);
		pushJsonbValue(&ps, WJB_VALUE, m);
	}
	if (attrs.n > 0)
	{
		push_key(&ps, "attributes");
		pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
		if (!push_unused(&ps, &attrs, "scope.", &scope->error))
			return;
		pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
	}
	object_value(pushJsonbValue(&ps, WJB_END_OBJECT, NULL), &scope->meta);
}


/* ---------------------------------------------------------------------
 * A span: read, planned, stored.
 * ---------------------------------------------------------------------
 */

/*
 * The span's events ([{timeUnixNano, name, attributes}]).  The GenAI
 * message events are told apart here.
 */
static bool
read_events(IngestEvent *ev, OtlpSpan *s)
{
	static const struct
	{
		const char *name;
		const char *role;
	}			messages[] = {
		{"gen_ai.system.message", "system"},
		{"gen_ai.user.message", "user"},
		{"gen_ai.assistant.message", "assistant"},
		{"gen_ai.tool.message", "tool"},
	};
	JsonbContainer *arr;
	JsonbValue *v;
	JsonbValue	buf;
	char	   *err;
	int			i;

	if (!array_member(s->obj, "events", &arr, &v, &buf))
		return ingest_reject(ev, 400, "events: must be an array, not %s", JsonbTypeName(v));
	s->nevents = arr ? JsonContainerSize(arr) : 0;
	if (s->nevents > OTLP_MAX_EVENTS)
		return ingest_reject(ev, 400, "events: %d events (at most %d)", s->nevents, OTLP_MAX_EVENTS);
	s->events = palloc0(sizeof(OtlpEvent) * (s->nevents + 1));
	for (i = 0; i < s->nevents; i++)
	{
		OtlpEvent  *e = &s->events[i];
		JsonbValue *elem = getIthJsonbValueFromContainer(arr, i);
		JsonbContainer *obj = ingest_as_object(elem);
		char	   *path = psprintf("events[%d].", i);
		bool		present;
		TimestampTz ts;
		int			r;

		if (obj == NULL)
			return ingest_reject(ev, 400, "events[%d]: must be an object, not %s", i, JsonbTypeName(elem));
		e->name = ingest_get_key(obj, "name", palloc(sizeof(JsonbValue)));
		if (e->name && e->name->type != jbvString)
			return ingest_reject(ev, 400, "%sname: must be a string, not %s", path, JsonbTypeName(e->name));
		if (!read_nanos(ev, obj, path, "timeUnixNano", &present, &ts, &e->time))
			return false;
		if (!read_attributes(obj, path, &e->attrs, &err))
			return ingest_reject(ev, 400, "%s", err);
		for (r = 0; r < (int) lengthof(messages); r++)
		{
			if (string_is(e->name, messages[r].name))
			{
				e->kind = OE_INPUT_MESSAGE;
				e->role = messages[r].role;
			}
		}
		if (string_is(e->name, "gen_ai.choice"))
			e->kind = OE_CHOICE;
	}
	return true;
}

/*
 * Read and check a span's own fields (not its ids, read before).
 */
static bool
read_span(IngestEvent *ev, OtlpSpan *s)
{
	JsonbValue	buf;
	JsonbValue *status;
	JsonbContainer *sobj;
	char	   *err;
	int64		code;
	bool		has_start;

	s->name = ingest_get_key(s->obj, "name", palloc(sizeof(JsonbValue)));
	if (s->name && s->name->type != jbvString)
		return ingest_reject(ev, 400, "name: must be a string, not %s", JsonbTypeName(s->name));
	if (!read_nanos(ev, s->obj, "", "startTimeUnixNano", &has_start, &s->start, NULL))
		return false;
	if (!has_start)
		return ingest_reject(ev, 400, "startTimeUnixNano: missing");
	if (!read_nanos(ev, s->obj, "", "endTimeUnixNano", &s->has_end, &s->end, NULL) ||
		!read_enum(ev, s->obj, "kind", "kind", &s->kind))
		return false;
	status = ingest_get_key(s->obj, "status", &buf);
	sobj = ingest_as_object(status);
	if (status && sobj == NULL)
		return ingest_reject(ev, 400, "status: must be an object, not %s", JsonbTypeName(status));
	if (!read_enum(ev, sobj, "status.code", "code", &code))
		return false;
	s->error_status = (code == 2);
	s->status_message = ingest_get_key(sobj, "message", palloc(sizeof(JsonbValue)));
	if (s->status_message && s->status_message->type != jbvString)
		return ingest_reject(ev, 400, "status.message: must be a string, not %s",
							 JsonbTypeName(s->status_message));
	if (s->status_message && s->status_message->val.string.len == 0)
		s->status_message = NULL;
	if (!read_attributes(s->obj, "", &s->attrs, &err))
		return ingest_reject(ev, 400, "%s", err);
	return read_events(ev, s);
}

/*
 * The value of attribute a (NULL: none) as one JsonbValue in *v, jbvNull
 * when there is none, and where it is in *path; false (the event
 * rejected) when it is not an AnyValue.
 */
static bool
attribute_value(IngestEvent *ev, OtlpAttr *a, JsonbValue *v, char **path)
{
	char	   *err;

	v->type = jbvNull;
	if (a == NULL)
		return true;
	*path = attribute_path("", a);
	if (!any_value(a->value, v, &err))
		return ingest_reject(ev, 400, "%s: %s", *path, err);
	return true;
}

/*
 * Is a string the text of a JSON array or object?  (A message attribute
 * usually is: the SDKs serialize structured values.)
 */
static bool
holds_json(JsonbValue *v)
{
	const char *s = v->val.string.val;
	int			len = v->val.string.len;
	int			i = 0;
	JsonLexContext *lex;

	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	if (i == len || (s[i] != '[' && s[i] != '{'))
		return false;
	if (ingest_json_nests_deeper(s, len, OTLP_MAX_JSON_DEPTH))
		return false;
	lex = makeJsonLexContextCstringLen((char *) s, len, GetDatabaseEncoding(), false);
	return pg_parse_json(lex, &nullSemAction) == JSON_SUCCESS;
}

/*
 * Plan the input (or output) of a span: the first of the roles the span
 * has, with the message events (gen_ai.*.message for input, gen_ai.choice
 * for output) coming after the second role; a string holding JSON is
 * stored as that JSON.
 */
static bool
plan_payload(IngestEvent *ev, OtlpSpan *s, const OtlpRole *roles, OtlpEventKind kind,
			 OtlpPayload *p)
{
	OtlpAttr   *a = take(&s->attrs, roles, 2);
	char	   *err;
	char	   *path = NULL;
	int			i;

	memset(p, 0, sizeof(*p));
	if (a == NULL)
	{
		JsonbParseState *ps = NULL;

		for (i = 0; i < s->nevents; i++)
		{
			OtlpEvent  *e = &s->events[i];

			if (e->kind != kind)
				continue;
			if (ps == NULL)
				pushJsonbValue(&ps, WJB_BEGIN_ARRAY, NULL);
			pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
			if (kind == OE_INPUT_MESSAGE)
			{
				JsonbValue	r;

				push_key(&ps, "role");
				pushJsonbValue(&ps, WJB_VALUE, string_value_of(e->role, strlen(e->role), &r));
			}
			if (!push_unused(&ps, &e->attrs, psprintf("events[%d].", i), &err))
				return ingest_reject(ev, 400, "%s", err);
			pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
		}
		if (ps != NULL)
		{
			binary_value(JsonbValueToJsonb(pushJsonbValue(&ps, WJB_END_ARRAY, NULL)), &p->value);
			p->present = true;
			p->path = (kind == OE_INPUT_MESSAGE) ? "events (gen_ai.*.message)" : "events (gen_ai.choice)";
			if (kind == OE_INPUT_MESSAGE)
				s->input_events_used = true;
			else
				s->choice_events_used = true;
			return true;
		}
		a = take(&s->attrs, roles + 2, 1);
	}
	if (!attribute_value(ev, a, &p->value, &path))
		return false;
	p->path = path;
	p->present = (p->value.type != jbvNull);
	p->json_text = (p->value.type == jbvString && holds_json(&p->value));
	return true;
}

/*
 * Store a planned payload into field f.  A string holding JSON goes into
 * a json column as the text it is (the parser checked it), into a jsonb
 * column parsed; any other value as JSON.
 */
static bool
store_payload(IngestEvent *ev, IngestTable *tab, int f, OtlpPayload *p)
{
	IngestColumn *col = &tab->cols[f];
	JsonbValue	v = p->value;

	if (!p->present || col->colname == NULL)
		return true;
	if (p->json_text && col->cclass == CC_JSON)
	{
		ev->vals[f].present = true;
		ev->vals[f].cls = ev->prec;
		ev->vals[f].value = PointerGetDatum(cstring_to_text_with_len(v.val.string.val,
																	 v.val.string.len));
		return true;
	}
	if (p->json_text && col->cclass == CC_JSONB)
	{
		JsonFailure fail;
		Jsonb	   *jb = json_to_jsonb(v.val.string.val, v.val.string.len, NULL, &fail);

		/* \u0000, which jsonb cannot hold, keeps it a string */
		if (jb != NULL)
			binary_value(jb, &v);
	}
	return ingest_set_field(ev, tab, f, ev->prec, &v, "", p->path);
}

/*
 * An attribute into field f, as a scalar (model, user, session).
 */
static bool
store_scalar(IngestEvent *ev, IngestTable *tab, int f, OtlpAttr *a, bool is_id)
{
	JsonbValue	v;
	char	   *path;

	if (!attribute_value(ev, a, &v, &path))
		return false;
	if (v.type == jbvNull)
		return true;
	if (is_id && !ingest_check_id_length(ev, &v, "", path))
		return false;
	return ingest_set_field(ev, tab, f, ev->prec, &v, "", path);
}

/*
 * A token count from the first of roles: a whole number, 0 or more.
 * *n gets it (-1 when there is none).
 */
static bool
store_count(IngestEvent *ev, IngestTable *tab, int f, OtlpAttrs *attrs, const OtlpRole *roles,
			int nroles, int64 *n)
{
	JsonbValue	v;
	char	   *path;

	*n = -1;
	if (!attribute_value(ev, take(attrs, roles, nroles), &v, &path))
		return false;
	if (v.type == jbvNull)
		return true;
	if (!int64_value(&v, n))
		return ingest_reject(ev, 400, "%s: must be a whole number of tokens", path);
	if (*n < 0)
		return ingest_reject(ev, 400, "%s: " INT64_FORMAT " is negative; a token count must be 0 or more",
							 path, *n);
	return ingest_set_field_text(ev, tab, f, ev->prec, psprintf(INT64_FORMAT, *n), path);
}

/*
 * The observation type: langfuse.observation.type (upper-cased), else
 * what gen_ai.operation.name says, else TOOL for a gen_ai.tool.name, else
 * GENERATION for a model, else SPAN.
 */
static bool
store_type(IngestEvent *ev, IngestTable *tab, OtlpSpan *s)
{
	static const OtlpRole type_role[] = {OR_OBS_TYPE};
	OtlpAttr   *a = take(&s->attrs, type_role, 1);
	const char *type = NULL;
	const char *path = "type";
	int			cls = ev->prec;
	JsonbValue	buf;
	JsonbValue *v;
	int			i;

	if (a != NULL)
	{
		path = "attributes[\"langfuse.observation.type\"]";
		v = string_attribute(a, &buf);
		if (v == NULL)
			return ingest_reject(ev, 400, "%s: must be a stringValue", path);
		{
			char	   *upper = pnstrdup(v->val.string.val, v->val.string.len);

			for (i = 0; upper[i]; i++)
				upper[i] = pg_ascii_toupper((unsigned char) upper[i]);
			type = upper;
		}
	}
	else if ((a = peek(&s->attrs, OR_OPERATION)) != NULL && (v = string_attribute(a, &buf)) != NULL)
	{
		for (i = 0; i < (int) lengthof(operation_types) && type == NULL; i++)
			if ((int) strlen(operation_types[i].operation) == v->val.string.len &&
				memcmp(operation_types[i].operation, v->val.string.val, v->val.string.len) == 0)
				type = operation_types[i].type;
	}
	if (type == NULL && peek(&s->attrs, OR_TOOL_NAME))
		type = "TOOL";
	if (type == NULL && (peek(&s->attrs, OR_RESPONSE_MODEL) || peek(&s->attrs, OR_REQUEST_MODEL)))
		type = "GENERATION";
	if (type == NULL)
	{
		/* as the other parsers' column default: any event naming a type beats it */
		type = "SPAN";
		cls = PREC_DEFAULT;
	}
	return ingest_set_field_text(ev, tab, OF_TYPE, cls, type, path);
}

/*
 * The model parameters: every gen_ai.request.* attribute but the model,
 * under its name without the prefix.
 */
static bool
store_model_parameters(IngestEvent *ev, IngestTable *tab, OtlpAttrs *attrs)
{
	JsonbParseState *ps = NULL;
	JsonbValue	params;
	int			plen = strlen(MODEL_PARAMETER_PREFIX);
	char	   *err;
	int			i;

	if (attrs->by_role[OR_MODEL_PARAMETER] < 0)
		return true;
	attrs->used[OR_MODEL_PARAMETER] = true;
	pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	for (i = 0; i < attrs->n; i++)
	{
		OtlpAttr   *a = &attrs->a[i];
		JsonbValue	key;

		if (a->role != OR_MODEL_PARAMETER)
			continue;
		pushJsonbValue(&ps, WJB_KEY, string_value_of(a->key + plen, a->keylen - plen, &key));
		if (!push_any(&ps, WJB_VALUE, a->value, 0, &err))
			return ingest_reject(ev, 400, "%s", attribute_error("", a, err));
	}
	object_value(pushJsonbValue(&ps, WJB_END_OBJECT, NULL), &params);
	return ingest_set_field(ev, tab, OF_MODEL_PARAMETERS, ev->prec, &params, "",
							"attributes[\"gen_ai.request.*\"]");
}

/*
 * The meta of a span: the attributes that gave no column its value, the
 * events not taken as input or output, the resource's attributes, the
 * scope and the span kind.
 */
static bool
build_meta(IngestEvent *ev, OtlpSpan *s, OtlpParent *res, OtlpParent *scope)
{
	JsonbParseState *ps = NULL;
	char	   *err;
	int			nunused = 0;
	bool		events = false;
	int			i;

	for (i = 0; i < s->attrs.n; i++)
		if (s->attrs.a[i].role == OR_NONE || !s->attrs.used[s->attrs.a[i].role])
			nunused++;
	pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	if (nunused > 0)
	{
		push_key(&ps, "attributes");
		pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
		if (!push_unused(&ps, &s->attrs, "", &err))
			return ingest_reject(ev, 400, "%s", err);
		pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
	}
	for (i = 0; i < s->nevents; i++)
	{
		OtlpEvent  *e = &s->events[i];
		JsonbValue	v;

		if ((e->kind == OE_INPUT_MESSAGE && s->input_events_used) ||
			(e->kind == OE_CHOICE && s->choice_events_used))
			continue;
		if (!events)
		{
			push_key(&ps, "events");
			pushJsonbValue(&ps, WJB_BEGIN_ARRAY, NULL);
			events = true;
		}
		pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
		if (e->name)
		{
			push_key(&ps, "name");
			pushJsonbValue(&ps, WJB_VALUE, e->name);
		}
		if (e->time)
		{
			push_key(&ps, "timeUnixNano");
			pushJsonbValue(&ps, WJB_VALUE, string_value_of(e->time, strlen(e->time), &v));
		}
		if (e->attrs.n > 0)
		{
			push_key(&ps, "attributes");
			pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
			if (!push_unused(&ps, &e->attrs, psprintf("events[%d].", i), &err))
				return ingest_reject(ev, 400, "%s", err);
			pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
		}
		pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
	}
	if (events)
		pushJsonbValue(&ps, WJB_END_ARRAY, NULL);
	if (res->meta.type != jbvNull)
	{
		push_key(&ps, "resource");
		pushJsonbValue(&ps, WJB_VALUE, &res->meta);
	}
	if (scope->meta.type != jbvNull)
	{
		push_key(&ps, "scope");
		pushJsonbValue(&ps, WJB_VALUE, &scope->meta);
	}
	if (s->kind != 0)
	{
		JsonbValue	k;

		push_key(&ps, "span_kind");
		k.type = jbvNumeric;
		k.val.numeric = int64_to_numeric(s->kind);
		pushJsonbValue(&ps, WJB_VALUE, &k);
	}
	object_value(pushJsonbValue(&ps, WJB_END_OBJECT, NULL), &s->meta);
	return true;
}

/*
 * The identity of an event made from the span: kind, entity, ids, and the
 * hash of the span's JSON; the same span delivered again is the same
 * event, in any request.
 */
static void
span_event(IngestEvent *ev, OtlpSpan *s, const char *what)
{
	ev->prec = s->has_end ? PREC_END : PREC_START;
	ev->ts = s->has_end ? s->end : s->start;
	ev->event_id = psprintf("otlp-%s:%s:%s:%016llx", what, s->trace_id, s->span_id,
							(unsigned long long) s->hash);
	ingest_set_tiebreak(ev);
	ev->ledgered = true;
}

/*
 * The observation of a span.
 */
static bool
store_observation(IngestTarget *t, OtlpSpan *s, IngestEvent *ev)
{
	IngestTable *tab = OBS(t);
	JsonbValue	buf;
	int64		in,
				out,
				total;

	span_event(ev, s, "span");
	if (!ingest_set_entity(t, ev, IK_OBS, string_value_of(s->span_id, 16, &buf), "spanId") ||
		!ingest_set_obs_trace(t, ev, string_value_of(s->trace_id, 32, &buf), "traceId"))
		return false;
	ev->ph_ts = s->start;
	if (s->parent_id[0] != '\0' &&
		!ingest_set_field(ev, tab, OF_PARENT_ID, ev->prec, string_value_of(s->parent_id, 16, &buf),
						  "", "parentSpanId"))
		return false;
	if (!ingest_set_field_ts(ev, tab, OF_START_TIME, FIRST_EXPLICIT, s->start, "startTimeUnixNano") ||
		(s->has_end &&
		 !ingest_set_field_ts(ev, tab, OF_END_TIME, ev->prec, s->end, "endTimeUnixNano")) ||
		!ingest_set_field(ev, tab, OF_NAME, ev->prec, s->name, "", "name") ||
		!store_type(ev, tab, s) ||
		!store_scalar(ev, tab, OF_MODEL, take(&s->attrs, model_roles, lengthof(model_roles)), false) ||
		!store_count(ev, tab, OF_PROMPT_TOKENS, &s->attrs, input_token_roles,
					 lengthof(input_token_roles), &in) ||
		!store_count(ev, tab, OF_COMPLETION_TOKENS, &s->attrs, output_token_roles,
					 lengthof(output_token_roles), &out) ||
		!store_count(ev, tab, OF_TOTAL_TOKENS, &s->attrs, total_token_roles,
					 lengthof(total_token_roles), &total) ||
		!store_model_parameters(ev, tab, &s->attrs) ||
		!store_payload(ev, tab, OF_INPUT, &s->input) ||
		!store_payload(ev, tab, OF_OUTPUT, &s->output))
		return false;
	/* no total given: the sum of the counts given */
	if (total < 0 && (in >= 0 || out >= 0) &&
		!ingest_set_field_text(ev, tab, OF_TOTAL_TOKENS, ev->prec,
							   psprintf(INT64_FORMAT, Max(in, 0) + Max(out, 0)),
							   "gen_ai.usage.input_tokens + gen_ai.usage.output_tokens"))
		return false;
	/* level ERROR for an error status; else DEFAULT, as a column default */
	if (!ingest_set_field_text(ev, tab, OF_LEVEL, s->error_status ? ev->prec : PREC_DEFAULT,
							   s->error_status ? "ERROR" : "DEFAULT", "status.code") ||
		!ingest_set_field(ev, tab, OF_STATUS_MESSAGE, ev->prec, s->status_message, "",
						  "status.message"))
		return false;
	return true;
}

/*
 * The trace of a root span: its id, project, start time, name, user,
 * session, input, output and meta.
 */
static bool
store_trace(IngestTarget *t, OtlpSpan *s, OtlpAttr *user, OtlpAttr *session, IngestEvent *ev)
{
	IngestTable *tab = TRACES(t);
	JsonbValue	buf;

	span_event(ev, s, "root");
	return ingest_set_entity(t, ev, IK_TRACE, string_value_of(s->trace_id, 32, &buf), "traceId") &&
		ingest_set_trace_project(t, ev) &&
		ingest_set_field_ts(ev, tab, TF_TIMESTAMP, FIRST_EXPLICIT, s->start, "startTimeUnixNano") &&
		ingest_set_field(ev, tab, TF_NAME, ev->prec, s->name, "", "name") &&
		store_scalar(ev, tab, TF_USER_ID, user, true) &&
		store_scalar(ev, tab, TF_SESSION_ID, session, true) &&
		store_payload(ev, tab, TF_INPUT, &s->input) &&
		store_payload(ev, tab, TF_OUTPUT, &s->output) &&
		(s->meta.type == jbvNull ||
		 ingest_set_field(ev, tab, TF_META, ev->prec, &s->meta, "", "meta"));
}

/*
 * Mark an event rejected as another is (the two events of a root span
 * are stored together or not at all).
 */
static void
reject_as(IngestEvent *ev, IngestEvent *other)
{
	ev->status = other->status;
	ev->message = other->message;
	ev->action = IA_NONE;
}

/*
 * Parse one span into its observation event (row->obs) and, for a root
 * span, its trace event (row->trace).
 */
static void
parse_span(OtlpCall *c, OtlpParent *res, OtlpParent *scope, JsonbValue *spanv, OtlpRow *row)
{
	IngestTarget *t = c->t;
	IngestEvent *obs = row->obs;
	OtlpAttr   *user = NULL;
	OtlpAttr   *session = NULL;
	OtlpSpan	s;

	memset(&s, 0, sizeof(s));
	s.obj = ingest_as_object(spanv);
	if (s.obj == NULL)
	{
		ingest_reject(obs, 400, "span: must be a JSON object, not %s", JsonbTypeName(spanv));
		return;
	}
	if (!read_id(obs, s.obj, "spanId", 8, false, s.span_id))
		return;
	row->span_id = pstrdup(s.span_id);
	if (res->error || scope->error)
	{
		ingest_reject(obs, 400, "%s", res->error ? res->error : scope->error);
		return;
	}
	obs->project_id = (char *) (c->project ? c->project : res->project);
	if (obs->project_id == NULL)
	{
		ingest_reject(obs, 400, "project_id: missing (no project_id argument was given, and the "
					  "resource has no swisper.project.id attribute)");
		return;
	}
	if (!read_id(obs, s.obj, "traceId", 16, false, s.trace_id) ||
		!read_id(obs, s.obj, "parentSpanId", 8, true, s.parent_id) ||
		!read_span(obs, &s))
		return;
	s.hash = hash_bytes_extended((const unsigned char *) spanv->val.binary.data,
								 spanv->val.binary.len, 0);

	/* every column's source taken (marked used), then the rest is meta */
	if (!plan_payload(obs, &s, input_roles, OE_INPUT_MESSAGE, &s.input) ||
		!plan_payload(obs, &s, output_roles, OE_CHOICE, &s.output))
		return;
	if (s.parent_id[0] == '\0')
	{
		user = take(&s.attrs, user_roles, lengthof(user_roles));
		session = take(&s.attrs, session_roles, lengthof(session_roles));
	}
	if (!store_observation(t, &s, obs) ||
		!build_meta(obs, &s, res, scope) ||
		(s.meta.type != jbvNull &&
		 !ingest_set_field(obs, OBS(t), OF_META, obs->prec, &s.meta, "", "meta")))
		return;
	if (s.parent_id[0] != '\0')
		return;

	row->trace = obs + 1;
	memset(row->trace, 0, sizeof(IngestEvent));
	row->trace->idx = obs->idx;
	row->trace->project_id = obs->project_id;
	if (!store_trace(t, &s, user, session, row->trace))
		reject_as(obs, row->trace);
}


/* ---------------------------------------------------------------------
 * The request: resourceSpans[].scopeSpans[].spans[].
 * ---------------------------------------------------------------------
 */

/*
 * The next result row, with its observation event (the trace event of a
 * root span, when there is one, takes the slot after it).
 */
static OtlpRow *
next_row(OtlpCall *c)
{
	OtlpRow    *row = &c->rows[c->nrows];
	IngestEvent *ev = &c->events[c->nevents];

	memset(ev, 0, sizeof(*ev));
	ev->idx = c->nrows++;
	row->span_id = NULL;
	row->obs = ev;
	row->trace = NULL;
	row->nul = false;
	return row;
}

/*
 * A part of the request that should hold spans and is not what OTLP/JSON
 * says: one 400 row, with message, stands for what it holds.
 */
static void
bad_part(OtlpCall *c, char *message)
{
	OtlpRow    *row;

	if (c->counting)
	{
		c->nrows++;
		return;
	}
	row = next_row(c);
	ingest_reject(row->obs, 400, "%s", message);
	c->nevents++;
}

/*
 * The spans of one scope.
 */
static void
walk_spans(OtlpCall *c, OtlpParent *res, JsonbContainer *ssobj, int r, int k)
{
	JsonbContainer *spans;
	JsonbValue	buf;
	JsonbValue *v;
	OtlpParent	scope;
	int			n;
	int			i;

	if (!array_member(ssobj, "spans", &spans, &v, &buf))
	{
		bad_part(c, psprintf("resourceSpans[%d].scopeSpans[%d].spans: must be an array, not %s",
							 r, k, JsonbTypeName(v)));
		return;
	}
	n = spans ? JsonContainerSize(spans) : 0;
	if (c->counting)
	{
		c->nrows += n;
		return;
	}
	read_scope(ssobj, &scope);
	for (i = 0; i < n; i++)
	{
		OtlpRow    *row = next_row(c);
		int			p;

		CHECK_FOR_INTERRUPTS();
		for (p = 0; p < c->nul.nplaces; p++)
		{
			NulPlace   *np = &c->nul.places[p];

			row->nul |= (np->r == r && (np->k < 0 || np->k == k) && (np->i < 0 || np->i == i));
		}
		parse_span(c, res, &scope, getIthJsonbValueFromContainer(spans, i), row);
		c->nevents += row->trace ? 2 : 1;
	}
}

/*
 * Walk the request: count the rows (c->counting), or parse every span.
 */
static void
walk_request(OtlpCall *c, JsonbContainer *root)
{
	JsonbContainer *rs;
	JsonbValue	buf;
	JsonbValue *v;
	int			r;

	if (!array_member(root, "resourceSpans", &rs, &v, &buf))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("resourceSpans must be an array, not %s", JsonbTypeName(v)),
				 errhint("Pass the body of an OTLP/HTTP JSON trace export (an ExportTraceServiceRequest).")));
	for (r = 0; rs != NULL && r < (int) JsonContainerSize(rs); r++)
	{
		JsonbValue *rsv = getIthJsonbValueFromContainer(rs, r);
		JsonbContainer *rsobj = ingest_as_object(rsv);
		JsonbContainer *ss;
		OtlpParent	res;
		int			k;

		if (rsobj == NULL)
		{
			bad_part(c, psprintf("resourceSpans[%d]: must be an object, not %s", r, JsonbTypeName(rsv)));
			continue;
		}
		if (!array_member(rsobj, "scopeSpans", &ss, &v, &buf))
		{
			bad_part(c, psprintf("resourceSpans[%d].scopeSpans: must be an array, not %s",
								 r, JsonbTypeName(v)));
			continue;
		}
		if (ss == NULL)
			continue;
		if (!c->counting)
			read_resource(c, rsobj, &res);
		for (k = 0; k < (int) JsonContainerSize(ss); k++)
		{
			JsonbValue *ssv = getIthJsonbValueFromContainer(ss, k);
			JsonbContainer *ssobj = ingest_as_object(ssv);

			if (ssobj == NULL)
				bad_part(c, psprintf("resourceSpans[%d].scopeSpans[%d]: must be an object, not %s",
									 r, k, JsonbTypeName(ssv)));
			else
				walk_spans(c, &res, ssobj, r, k);
		}
	}
}

/*
 * One result row per span: a root span's two events answer together (the
 * first rejection; else 201 if either created its row).
 */
static void
emit_rows(FunctionCallInfo fcinfo, OtlpCall *c)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			i;

	for (i = 0; i < c->nrows; i++)
	{
		OtlpRow    *row = &c->rows[i];
		IngestEvent *obs = row->obs;
		IngestEvent *tr = row->trace;
		int			status = obs->status;
		const char *message = obs->message;
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		CHECK_FOR_INTERRUPTS();
		if (tr != NULL && status < 400)
		{
			if (tr->status >= 400 || tr->status == 201)
				status = tr->status;
			if (tr->status >= 400)
				message = tr->message;
			else if (strcmp(message, tr->message) != 0)
				message = psprintf("%s; %s", message, tr->message);
		}
		if (row->nul)
			message = psprintf("%s; \\u0000 stored as %s", message,
							   GetDatabaseEncoding() == PG_UTF8 ? "U+FFFD" : "\"?\"");
		values[0] = Int32GetDatum(i);
		if (row->span_id)
			values[1] = CStringGetTextDatum(row->span_id);
		else
			nulls[1] = true;
		values[2] = Int32GetDatum(status);
		values[3] = CStringGetTextDatum(message);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/*
 * swisper.ingest_otlp(request text, project_id text DEFAULT NULL)
 *
 * Returns (idx, span_id, status, message) for each span, in document
 * order, idx counting from 0.
 */
Datum
ingest_otlp(PG_FUNCTION_ARGS)
{
	OtlpCall	c;
	Jsonb	   *jb;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	memset(&c, 0, sizeof(c));
	c.project = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (c.project != NULL && c.project[0] == '\0')
		c.project = NULL;
	jb = parse_request(PG_GETARG_TEXT_PP(0), &c.nul);
	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("request must be a JSON object (an ExportTraceServiceRequest)"),
				 errhint("Pass the body of an OTLP/HTTP JSON trace export: {\"resourceSpans\": [...]}.")));

	c.counting = true;
	walk_request(&c, &jb->root);
	if (c.nrows == 0)
		PG_RETURN_NULL();
	if ((Size) c.nrows > MaxAllocSize / (2 * sizeof(IngestEvent)))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("request of %d spans is too large", c.nrows),
				 errdetail("A request holds at most %d spans.",
						   (int) (MaxAllocSize / (2 * sizeof(IngestEvent)))),
				 errhint("Split the request.")));
	c.rows = palloc(sizeof(OtlpRow) * c.nrows);
	c.events = palloc(2 * sizeof(IngestEvent) * c.nrows);
	c.counting = false;
	c.nrows = 0;
	c.t = ingest_target_get();

	/*
	 * A column of a type the converters do not know (swisper.external_id)
	 * converts each value in a subtransaction, so that a bad one is its
	 * span's 400.
	 */
	ingest_careful_conversion = c.t->has_other;
	PG_TRY();
	{
		walk_request(&c, &jb->root);
	}
	PG_FINALLY();
	{
		ingest_careful_conversion = false;
	}
	PG_END_TRY();
	ingest_apply(c.t, c.events, c.nevents);
	emit_rows(fcinfo, &c);
	PG_RETURN_NULL();
}
