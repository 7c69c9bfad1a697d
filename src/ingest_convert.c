/*-------------------------------------------------------------------------
 *
 * ingest_convert.c
 *	  From JSON text to a column's type: the converters that the table
 *	  description (ingest_target.c) prepares and the event parser
 *	  (ingest_event.c) calls, the careful conversion in subtransactions,
 *	  the timestamp entry point, and how values are quoted in messages and
 *	  keyed in the merge.
 *
 * Both the event parser and the table description depend on this file,
 * and it on neither.  Nothing here raises an error for bad input: a
 * conversion returns false and a message naming what was wrong.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "access/xact.h"
#include "datatype/timestamp.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "ingest.h"
#include "ingest_timestamp_core.h"
#include "platform.h"

bool		ingest_careful_conversion = false;

/* The constants of the server-free parser are PostgreSQL's. */
StaticAssertDecl(INGEST_TS_MIN == MIN_TIMESTAMP, "INGEST_TS_MIN is MIN_TIMESTAMP");
StaticAssertDecl(INGEST_TS_END == END_TIMESTAMP, "INGEST_TS_END is END_TIMESTAMP");
StaticAssertDecl(INGEST_TS_EPOCH_OFFSET_SECS ==
				 (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY,
				 "INGEST_TS_EPOCH_OFFSET_SECS is the Unix epoch in PostgreSQL's");

/*
 * Parse a timestamp: ISO 8601 "YYYY-MM-DD[(T| )HH:MM[:SS[.ffffff]]][Z|±HH[:MM]]"
 * (no zone means UTC) or epoch seconds.  Never raises an error.  The parser
 * needs no server: ingest_timestamp_core.c (fuzzed by fuzz/).
 */
bool
ingest_parse_timestamp(const char *s, int len, TimestampTz *out)
{
	int64_t		ts;

	if (!ingest_timestamp_core_parse(s, len, &ts))
		return false;
	*out = (TimestampTz) ts;
	return true;
}

/*
 * Is str (len bytes) a uuid that uuid_in accepts?  The same grammar: an
 * optional pair of braces around 32 hex digits, with a hyphen allowed after
 * any group of four.
 */
static bool
valid_uuid_text(const char *str, int len)
{
	int			i = 0;
	int			digits = 0;
	bool		braces = false;

	if (len > 0 && str[0] == '{')
	{
		braces = true;
		i = 1;
	}
	for (; i < len; i++)
	{
		char		c = str[i];

		if (braces && c == '}' && i == len - 1)
			break;
		if (c == '-' && digits > 0 && digits % 4 == 0 && digits < 32 && str[i - 1] != '-')
			continue;
		if (!isxdigit((unsigned char) c) || digits == 32)
			return false;
		digits++;
	}
	if (braces && (len < 2 || str[len - 1] != '}'))
		return false;
	return digits == 32 && str[i - 1] != '-';
}

/*
 * Parse an integer in [lo, hi] from text; "12", "-3", "12.0" are fine.
 */
static bool
parse_integer(const char *str, int len, int64 lo, int64 hi, int64 *out)
{
	char		buf[64];
	char	   *end;
	long long	v;

	if (len <= 0 || len >= (int) sizeof(buf))
		return false;
	memcpy(buf, str, len);
	buf[len] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (end == buf || errno == ERANGE)
		return false;
	if (*end == '.')
	{
		end++;
		while (*end == '0')
			end++;
	}
	if (*end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/*
 * The input function of a type the converters do not know (a domain, say,
 * whose CHECK calls functions), run as the table's owner in a
 * security-restricted operation: it is the owner's code, and the ingestion
 * runs with the rights of the superuser who installed the extension.  An
 * error restores the user with the (sub)transaction that catches it.
 */
static Datum
input_as_owner(IngestColumn *col, char *cstr)
{
	PlatformSavedUser saved;
	Datum		d;

	platform_become_owner(col->owner, &saved);
	d = InputFunctionCall(&col->infunc, cstr, col->ioparam, col->typmod);
	platform_restore_user(&saved);
	return d;
}

/*
 * Is an error one that bad input explains: a data exception (class 22: a
 * type's input function refusing the text) or an integrity constraint
 * violation (class 23: a domain's CHECK or NOT NULL)?  Those are an
 * element's fault, and become its 400.  Everything else is not, and must
 * end the call: a query cancel or statement timeout (57014), an
 * administrator's shutdown, running out of memory, a deadlock, a missing
 * privilege, or an error a CHECK function raises with RAISE (P0001).
 */
static bool
is_bad_value_error(const ErrorData *edata)
{
	int			category = ERRCODE_TO_CATEGORY(edata->sqlerrcode);

	return category == ERRCODE_DATA_EXCEPTION ||
		category == ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION;
}

/*
 * Run fn(arg) in a subtransaction of its own.  Returns NULL when it
 * completed.  When it raised an error that bad input explains (see
 * is_bad_value_error), returns that error, the subtransaction rolled back;
 * any other error is raised again after the rollback (as PL/pgSQL's
 * exception blocks do), so that a cancel or timeout is never swallowed.
 * The caller's memory context and resource owner are current again in
 * either case; what fn allocated in the caller's context survives.
 */
ErrorData *
ingest_try_subxact(void (*fn) (void *arg), void *arg)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	ErrorData  *volatile result = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		fn(arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		if (!is_bad_value_error(edata))
			ReThrowError(edata);
		result = edata;
	}
	PG_END_TRY();
	return result;
}

/* A careful conversion's input function call, for ingest_try_subxact. */
typedef struct InputCall
{
	IngestColumn *col;
	char	   *cstr;
	Datum		result;
} InputCall;

static void
input_call(void *arg)
{
	InputCall  *call = (InputCall *) arg;

	call->result = input_as_owner(call->col, call->cstr);
}

/*
 * An enum label, compared as the text of the label.
 */
static bool
convert_enum(IngestColumn *col, const char *str, int len, Datum *out, char **err)
{
	StringInfoData allowed;
	int			i;

	for (i = 0; i < col->nlabels; i++)
	{
		if ((int) strlen(col->labels[i]) == len && memcmp(col->labels[i], str, len) == 0)
		{
			*out = ObjectIdGetDatum(col->labeloids[i]);
			return true;
		}
	}
	initStringInfo(&allowed);
	for (i = 0; i < col->nlabels; i++)
		appendStringInfo(&allowed, "%s%s", i ? ", " : "", col->labels[i]);
	*err = psprintf("%s is not a value of type %s (allowed: %s)",
					ingest_quote(str, len), format_type_be(col->typid), allowed.data);
	return false;
}

/*
 * A type the converters do not know: its input function, as the table's
 * owner; in the careful pass in a subtransaction, so that bad input is the
 * element's 400.
 */
static bool
convert_other(IngestColumn *col, const char *str, int len, Datum *out, char **err)
{
	InputCall	call = {col, pnstrdup(str, len), (Datum) 0};
	ErrorData  *edata;

	if (!ingest_careful_conversion)
	{
		*out = input_as_owner(col, call.cstr);
		return true;
	}
	edata = ingest_try_subxact(input_call, &call);
	if (edata != NULL)
	{
		*err = edata->message;
		return false;
	}
	*out = call.result;
	return true;
}

/*
 * Convert one value given as text into the column's type, without raising
 * an error for bad input: returns false and sets *err to a message that
 * names what was wrong (the caller adds the field name).
 */
bool
ingest_convert_text(IngestColumn *col, const char *str, int len, Datum *out, char **err)
{
	int64		iv;
	TimestampTz ts;

	switch (col->cclass)
	{
		case CC_TEXT:
			if (col->maxchars >= 0 && pg_mbstrlen_with_len(str, len) > col->maxchars)
			{
				*err = psprintf("longer than %d characters", col->maxchars);
				return false;
			}
			*out = PointerGetDatum(cstring_to_text_with_len(str, len));
			return true;
		case CC_UUID:
			if (!valid_uuid_text(str, len))
			{
				*err = psprintf("%s is not a uuid", ingest_quote(str, len));
				return false;
			}
			*out = DirectFunctionCall1(uuid_in, CStringGetDatum(pnstrdup(str, len)));
			return true;
		case CC_JSON:
		case CC_JSONB:
			/* callers pass JSON values through ingest_event.c */
			*err = "not a JSON value";
			return false;
		case CC_TIMESTAMP:
		case CC_TIMESTAMPTZ:
			if (!ingest_parse_timestamp(str, len, &ts))
			{
				*err = psprintf("%s is not an ISO 8601 timestamp or epoch seconds",
								ingest_quote(str, len));
				return false;
			}
			*out = TimestampTzGetDatum(ts);
			return true;
		case CC_INT2:
			if (!parse_integer(str, len, PG_INT16_MIN, PG_INT16_MAX, &iv))
				goto bad_int;
			*out = Int16GetDatum((int16) iv);
			return true;
		case CC_INT4:
			if (!parse_integer(str, len, PG_INT32_MIN, PG_INT32_MAX, &iv))
				goto bad_int;
			*out = Int32GetDatum((int32) iv);
			return true;
		case CC_INT8:
			if (!parse_integer(str, len, PG_INT64_MIN, PG_INT64_MAX, &iv))
				goto bad_int;
			*out = Int64GetDatum(iv);
			return true;
		case CC_ENUM:
			return convert_enum(col, str, len, out, err);
		case CC_OTHER:
			return convert_other(col, str, len, out, err);
	}
	*err = "unsupported column type";
	return false;

bad_int:
	*err = psprintf("%s is not an integer in the range of %s",
					ingest_quote(str, len), format_type_be(col->typid));
	return false;
}

/*
 * A value as a message quotes it: in double quotes, cut after
 * INGEST_QUOTE_CHARS characters (at a character boundary) and marked with
 * "...", as external_id's input errors do.  A 10 MB value must not make
 * a 10 MB message in every result row and log line.
 */
char *
ingest_quote(const char *str, int len)
{
	int			cut = pg_mbcharcliplen(str, len, INGEST_QUOTE_CHARS);

	return psprintf("\"%.*s%s\"", cut, str, cut < len ? "..." : "");
}

/*
 * The canonical text of a converted id: what keys entities and merge state.
 */
char *
ingest_datum_key(IngestColumn *col, Datum value)
{
	if (col->cclass == CC_TEXT)
		return text_to_cstring(DatumGetTextPP(value));
	return OutputFunctionCall(&col->outfunc, value);
}
