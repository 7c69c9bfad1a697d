/*-------------------------------------------------------------------------
 *
 * ingest_sql.c
 *	  SQL entry points of the ingestion: swisper.ingest_batch() (a jsonb
 *	  array), swisper.ingest_entries() (an array of JSON texts) and the
 *	  single-event functions of the HTTP API (create_trace,
 *	  create_observation, update_observation).  They parse their input into
 *	  events and hand them to the one merge routine, ingest_apply(); the
 *	  result is one row per input element, in input order.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "ingest.h"

PG_FUNCTION_INFO_V1(ingest_batch);
PG_FUNCTION_INFO_V1(ingest_entries);
PG_FUNCTION_INFO_V1(ingest_create_trace);
PG_FUNCTION_INFO_V1(ingest_create_observation);
PG_FUNCTION_INFO_V1(ingest_update_observation);

/* The arguments of parse_all: the elements of a jsonb array, or texts. */
typedef struct ParseCall
{
	IngestTarget *t;
	JsonbContainer *arr;		/* ingest_batch(): the array */
	Datum	   *texts;			/* ingest_entries(): the elements */
	bool	   *nulls;
	MemoryContext elemcxt;		/* ingest_entries(): reset after each element */
	int			n;
	const char *project;
	IngestEvent *events;
} ParseCall;

/*
 * Parse one text element in the element's own memory context, keep what
 * the merge needs, and free the rest: the call's memory then grows with
 * the values it stores, not with the parsing of each element (its jsonb,
 * the parser's tree of values, the conversions).
 */
static void
parse_text_element(ParseCall *c, int i)
{
	IngestEvent *ev = &c->events[i];
	MemoryContext oldcxt;
	text	   *t;

	if (c->nulls[i])
	{
		memset(ev, 0, sizeof(*ev));
		ev->idx = i;
		ev->status = 400;
		ev->message = "event: must be a JSON object, not null";
		return;
	}
	t = (text *) DatumGetPointer(c->texts[i]);
	oldcxt = MemoryContextSwitchTo(c->elemcxt);
	ingest_parse_text(c->t, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), i, c->project, ev);
	MemoryContextSwitchTo(oldcxt);
	ingest_event_copy(c->t, ev);
	MemoryContextReset(c->elemcxt);
}

/*
 * Parse every element of the call's array.  A large batch takes seconds
 * here: a cancel or statement timeout must stop it between elements.
 */
static void
parse_all(void *arg)
{
	ParseCall  *c = (ParseCall *) arg;
	int			i;

	for (i = 0; i < c->n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (c->arr != NULL)
			ingest_parse_element(c->t, getIthJsonbValueFromContainer(c->arr, i), i, c->project,
								 &c->events[i]);
		else
			parse_text_element(c, i);
	}
}

/*
 * Parse every element.  When a target column has a type whose input
 * function may raise an error (a type the converters do not know, such as
 * swisper.external_id), the whole pass runs in one subtransaction; only if
 * bad input makes that fail does it run again converting each such value
 * in its own subtransaction, so that the bad value becomes a 400 for its
 * element.  Any other error (a cancel, a timeout) ends the call.
 */
static void
parse_elements(ParseCall *call)
{
	ErrorData  *edata;

	if (!call->t->has_other)
	{
		parse_all(call);
		return;
	}
	edata = ingest_try_subxact(parse_all, call);
	if (edata == NULL)
		return;
	FreeErrorData(edata);

	ingest_careful_conversion = true;
	PG_TRY();
	{
		parse_all(call);
	}
	PG_FINALLY();
	{
		ingest_careful_conversion = false;
	}
	PG_END_TRY();
}

/*
 * The events of a call of n elements, after the check of its size.
 */
static IngestEvent *
alloc_events(int n)
{
	if ((Size) n > MaxAllocSize / sizeof(IngestEvent))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("batch of %d elements is too large", n),
				 errdetail("A batch holds at most %d elements.",
						   (int) (MaxAllocSize / sizeof(IngestEvent))),
				 errhint("Split the batch.")));
	return palloc0(sizeof(IngestEvent) * n);
}

/*
 * Emit one result row per event.
 */
static void
emit_results(FunctionCallInfo fcinfo, IngestEvent *events, int n)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			i;

	for (i = 0; i < n; i++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		CHECK_FOR_INTERRUPTS();
		values[0] = Int32GetDatum(events[i].idx);
		if (events[i].event_id)
			values[1] = CStringGetTextDatum(events[i].event_id);
		else
			nulls[1] = true;
		values[2] = Int32GetDatum(events[i].status);
		if (events[i].message)
			values[3] = CStringGetTextDatum(events[i].message);
		else
			nulls[3] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/*
 * swisper.ingest_batch(events jsonb, project_id text DEFAULT NULL)
 *
 * events is a JSON array of stream entries and Langfuse envelopes, or an
 * object {"batch": [...]}.  Returns (idx, event_id, status, message) for
 * each element, idx counting from 0.
 */
Datum
ingest_batch(PG_FUNCTION_ARGS)
{
	Jsonb	   *jb;
	JsonbContainer *arr = NULL;
	ParseCall	call;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	jb = PG_GETARG_JSONB_P(0);
	memset(&call, 0, sizeof(call));
	call.project = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));

	if (JB_ROOT_IS_ARRAY(jb) && !JB_ROOT_IS_SCALAR(jb))
		arr = &jb->root;
	else if (JB_ROOT_IS_OBJECT(jb))
	{
		JsonbValue	buf;
		JsonbValue *v = getKeyJsonValueFromContainer(&jb->root, "batch", 5, &buf);

		if (v && v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data))
			arr = v->val.binary.data;
	}
	if (arr == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("events must be a JSON array or an object with a \"batch\" array"),
				 errhint("Pass [event, ...] or {\"batch\": [event, ...]}.")));

	call.arr = arr;
	call.n = JsonContainerSize(arr);
	if (call.n == 0)
		PG_RETURN_NULL();
	call.events = alloc_events(call.n);
	call.t = ingest_target_get();
	parse_elements(&call);
	ingest_apply(call.t, call.events, call.n);
	emit_results(fcinfo, call.events, call.n);
	PG_RETURN_NULL();
}

/*
 * swisper.ingest_entries(entries text[], project_id text DEFAULT NULL)
 *
 * One JSON text per element: a stream entry as the consumer reads it
 * ("data" a JSON string or an object) or a Langfuse envelope.  Each text
 * is parsed on its own, so a text that is not JSON (or is truncated) is
 * that element's 400 and the others are stored; \u0000 is kept where the
 * column can hold it.  Returns what ingest_batch() returns.
 */
Datum
ingest_entries(PG_FUNCTION_ARGS)
{
	ArrayType  *arr;
	ParseCall	call;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	arr = PG_GETARG_ARRAYTYPE_P(0);
	memset(&call, 0, sizeof(call));
	call.project = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &call.texts, &call.nulls, &call.n);
	if (call.n == 0)
		PG_RETURN_NULL();
	call.events = alloc_events(call.n);
	call.t = ingest_target_get();
	/*
	 * Its first block is kept across resets: sized for a typical element
	 * (a few kB of JSON, its jsonb and the parser's tree), so that most
	 * elements are parsed without a malloc() and free() of their own.
	 */
	call.elemcxt = AllocSetContextCreate(CurrentMemoryContext, "swisper ingest element",
										 0, 64 * 1024, ALLOCSET_DEFAULT_MAXSIZE);
	parse_elements(&call);
	MemoryContextDelete(call.elemcxt);
	ingest_apply(call.t, call.events, call.n);
	emit_results(fcinfo, call.events, call.n);
	PG_RETURN_NULL();
}

/*
 * The shared body of the single-event functions.
 */
static Datum
ingest_http(FunctionCallInfo fcinfo, HttpKind kind, Jsonb *body, const char *observation_id,
			const char *project)
{
	IngestTarget *t;
	IngestEvent ev;

	t = ingest_target_get();
	ingest_careful_conversion = t->has_other;
	PG_TRY();
	{
		ingest_parse_http(t, kind, body, observation_id, project, &ev);
	}
	PG_FINALLY();
	{
		ingest_careful_conversion = false;
	}
	PG_END_TRY();
	ingest_apply(t, &ev, 1);
	emit_results(fcinfo, &ev, 1);
	PG_RETURN_NULL();
}

/*
 * swisper.create_trace(body jsonb, project_id text DEFAULT NULL)
 */
Datum
ingest_create_trace(PG_FUNCTION_ARGS)
{
	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	return ingest_http(fcinfo, HTTP_CREATE_TRACE, PG_GETARG_JSONB_P(0), NULL,
					   PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1)));
}

/*
 * swisper.create_observation(body jsonb, project_id text DEFAULT NULL)
 */
Datum
ingest_create_observation(PG_FUNCTION_ARGS)
{
	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	return ingest_http(fcinfo, HTTP_CREATE_OBSERVATION, PG_GETARG_JSONB_P(0), NULL,
					   PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1)));
}

/*
 * swisper.update_observation(observation_id text, body jsonb,
 *							  project_id text DEFAULT NULL)
 */
Datum
ingest_update_observation(PG_FUNCTION_ARGS)
{
	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	return ingest_http(fcinfo, HTTP_UPDATE_OBSERVATION, PG_GETARG_JSONB_P(1),
					   text_to_cstring(PG_GETARG_TEXT_PP(0)),
					   PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2)));
}
