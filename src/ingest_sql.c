/*-------------------------------------------------------------------------
 *
 * ingest_sql.c
 *	  SQL entry points of the ingestion: swisper.ingest_batch() and the
 *	  single-event functions of the HTTP API (create_trace,
 *	  create_observation, update_observation).  They parse their input into
 *	  events and hand them to the one merge routine, ingest_apply(); the
 *	  result is one row per input element, in input order.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/tuplestore.h"

#include "ingest.h"

PG_FUNCTION_INFO_V1(ingest_batch);
PG_FUNCTION_INFO_V1(ingest_create_trace);
PG_FUNCTION_INFO_V1(ingest_create_observation);
PG_FUNCTION_INFO_V1(ingest_update_observation);

/* The arguments of parse_all. */
typedef struct ParseCall
{
	IngestTarget *t;
	JsonbContainer *arr;
	int			n;
	const char *project;
	IngestEvent *events;
} ParseCall;

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
		ingest_parse_element(c->t, getIthJsonbValueFromContainer(c->arr, i), i, c->project,
							 &c->events[i]);
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
parse_elements(IngestTarget *t, JsonbContainer *arr, int n, const char *project,
			   IngestEvent *events)
{
	ParseCall	call = {t, arr, n, project, events};
	ErrorData  *edata;

	if (!t->has_other)
	{
		parse_all(&call);
		return;
	}
	edata = ingest_try_subxact(parse_all, &call);
	if (edata == NULL)
		return;
	FreeErrorData(edata);

	ingest_careful_conversion = true;
	PG_TRY();
	{
		parse_all(&call);
	}
	PG_FINALLY();
	{
		ingest_careful_conversion = false;
	}
	PG_END_TRY();
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
	char	   *project;
	IngestTarget *t;
	IngestEvent *events;
	int			n;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	jb = PG_GETARG_JSONB_P(0);
	project = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));

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

	n = JsonContainerSize(arr);
	if (n == 0)
		PG_RETURN_NULL();
	if ((Size) n > MaxAllocSize / sizeof(IngestEvent))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("batch of %d elements is too large", n),
				 errdetail("A batch holds at most %d elements.",
						   (int) (MaxAllocSize / sizeof(IngestEvent))),
				 errhint("Split the batch.")));
	t = ingest_target_get();
	events = palloc0(sizeof(IngestEvent) * n);
	parse_elements(t, arr, n, project, events);
	ingest_apply(t, events, n);
	emit_results(fcinfo, events, n);
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
