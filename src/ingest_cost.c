/*-------------------------------------------------------------------------
 *
 * ingest_cost.c
 *	  Costs as the platform's consumer computes them
 *	  (backend/app/api/services/cost_calculation_service.py): the hosting
 *	  provider from the model name, the price row of the project before the
 *	  default row (project_id NULL) in model_pricing, and
 *	  tokens / 1e6 x price per million, rounded to 6 decimal places as
 *	  Python's Decimal.quantize() rounds (half to even).
 *
 * model_pricing is optional (platform.c describes it); it is read as its
 * owner in a security-restricted operation, once per call for all the
 * (project, provider, model) rows the call needs.  Prices are not cached
 * across calls: a price change applies to what is ingested after it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"

#include "ingest.h"
#include "platform.h"

/* Model name prefixes of models hosted by KVANT (Swisper's provider). */
static const char *const kvant_prefixes[] = {
	"inference-", "meta-llama/", "deepseek-ai/", "qwen/", "baai/", "ibm-granite/", "google/",
	"swiss-ai/", "mistralai/"
};

/* The saved price look-up, for the description of model_pricing it was made for. */
static SPIPlanPtr price_plan = NULL;
static uint64 price_plan_generation = 0;

static bool
has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * ingest_cost_provider: the hosting provider of a model, by the platform's
 * rules in their order (lower-cased; the rules are ASCII).
 */
const char *
ingest_cost_provider(const char *model)
{
	char	   *lower = pstrdup(model);
	char	   *p;
	int			i;

	for (p = lower; *p; p++)
		*p = pg_ascii_tolower((unsigned char) *p);
	for (i = 0; i < (int) lengthof(kvant_prefixes); i++)
		if (has_prefix(lower, kvant_prefixes[i]))
			return "kvant";
	if (strstr(lower, "azure") != NULL)
		return "azure";
	if (has_prefix(lower, "gpt-") || has_prefix(lower, "text-") || has_prefix(lower, "davinci"))
		return "openai";
	if (has_prefix(lower, "claude-"))
		return "anthropic";
	if (strstr(lower, "together") != NULL)
		return "together";
	return "unknown";
}

/*
 * The saved look-up of the rows of some models: project (NULL for a default
 * row), provider, model, input and output price per million.
 */
static SPIPlanPtr
price_lookup_plan(PlatformTable *mp)
{
	Oid			argtypes[2] = {TEXTARRAYOID, TEXTARRAYOID};
	char	   *sql;

	if (price_plan != NULL && price_plan_generation == mp->generation)
		return price_plan;
	if (price_plan != NULL)
		SPI_freeplan(price_plan);
	price_plan = NULL;
	sql = psprintf("SELECT %s, mp.hosting_provider::pg_catalog.text, mp.model_name::pg_catalog.text,"
				   " mp.input_price_per_million::pg_catalog.numeric,"
				   " mp.output_price_per_million::pg_catalog.numeric"
				   " FROM %s.%s mp"
				   " WHERE mp.model_name::pg_catalog.text OPERATOR(pg_catalog.=) ANY ($1)"
				   "   AND mp.hosting_provider::pg_catalog.text OPERATOR(pg_catalog.=) ANY ($2)",
				   platform_column(mp, "project_id") ?
				   "mp.project_id::pg_catalog.text" : "NULL::pg_catalog.text",
				   quote_identifier(mp->schema), quote_identifier(mp->relname));
	price_plan = SPI_prepare(sql, 2, argtypes);
	if (price_plan == NULL || SPI_keepplan(price_plan) != 0)
		elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql, SPI_result_code_string(SPI_result));
	price_plan_generation = mp->generation;
	return price_plan;
}

/*
 * A text[] of the distinct models (or providers) of the requests.
 */
static Datum
distinct_texts(IngestPriceRequest *reqs, int n, bool provider)
{
	Datum	   *elems = palloc(sizeof(Datum) * n);
	const char **seen = palloc(sizeof(char *) * n);
	int			k = 0;
	int			i;
	int			j;

	for (i = 0; i < n; i++)
	{
		const char *s = provider ? reqs[i].provider : reqs[i].model;

		for (j = 0; j < k; j++)
			if (strcmp(seen[j], s) == 0)
				break;
		if (j == k)
		{
			seen[k] = s;
			elems[k++] = CStringGetTextDatum(s);
		}
	}
	return PointerGetDatum(construct_array(elems, k, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * Does model_pricing have this price column, of a type that becomes numeric
 * without an error (a text column holding "abc" would fail the whole call)?
 */
static bool
price_column(PlatformTable *mp, const char *colname)
{
	Form_pg_attribute att = platform_column(mp, colname);

	return att != NULL && (att->atttypid == NUMERICOID || att->atttypid == INT2OID ||
						   att->atttypid == INT4OID || att->atttypid == INT8OID);
}

/*
 * ingest_cost_prices: see ingest.h.
 */
bool
ingest_cost_prices(IngestPriceRequest *reqs, int n)
{
	MemoryContext cxt = CurrentMemoryContext;
	PlatformProblem problem;
	PlatformTable *mp = platform_table(PLATFORM_MODEL_PRICING, AccessShareLock, &problem);
	PlatformSavedUser saved;
	Datum		args[2];
	uint64		row;
	int			i;

	if (mp == NULL || !platform_column(mp, "hosting_provider") || !platform_column(mp, "model_name") ||
		!price_column(mp, "input_price_per_million") || !price_column(mp, "output_price_per_million"))
		return false;
	for (i = 0; i < n; i++)
		reqs[i].provider = ingest_cost_provider(reqs[i].model);
	args[0] = distinct_texts(reqs, n, false);
	args[1] = distinct_texts(reqs, n, true);

	platform_become_owner(mp->owner, &saved);
	if (SPI_execute_plan(price_lookup_plan(mp), args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "reading %s.%s failed", mp->schema, mp->relname);
	platform_restore_user(&saved);
	MemoryContextSwitchTo(cxt);

	/*
	 * The platform asks for exactly one row (scalar_one_or_none): the
	 * project's, else the default one; more than one is an error there,
	 * which leaves the costs unset, and so here.
	 */
	for (i = 0; i < n; i++)
	{
		IngestPriceRequest *r = &reqs[i];
		HeapTuple	own = NULL;
		HeapTuple	dflt = NULL;
		int			nown = 0;
		int			ndflt = 0;
		HeapTuple	use;

		for (row = 0; row < SPI_processed; row++)
		{
			HeapTuple	tup = SPI_tuptable->vals[row];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			Datum		project = SPI_getbinval(tup, desc, 1, &isnull);
			bool		is_default = isnull;
			char	   *provider = SPI_getvalue(tup, desc, 2);
			char	   *model = SPI_getvalue(tup, desc, 3);

			if (provider == NULL || model == NULL || strcmp(provider, r->provider) != 0 ||
				strcmp(model, r->model) != 0)
				continue;
			if (is_default)
			{
				dflt = tup;
				ndflt++;
			}
			else if (r->project != NULL && strcmp(TextDatumGetCString(project), r->project) == 0)
			{
				own = tup;
				nown++;
			}
		}
		use = (nown > 0) ? (nown == 1 ? own : NULL) : (ndflt == 1 ? dflt : NULL);
		r->found = false;
		if (use != NULL)
		{
			bool		innull;
			bool		outnull;
			Datum		in = SPI_getbinval(use, SPI_tuptable->tupdesc, 4, &innull);
			Datum		out = SPI_getbinval(use, SPI_tuptable->tupdesc, 5, &outnull);

			if (!innull && !outnull)
			{
				r->found = true;
				r->input_price = datumCopy(in, false, -1);
				r->output_price = datumCopy(out, false, -1);
			}
		}
	}
	SPI_freetuptable(SPI_tuptable);
	MemoryContextSwitchTo(cxt);
	return true;
}

static Datum
numeric_const(const char *s)
{
	return DirectFunctionCall3(numeric_in, CStringGetDatum(s), ObjectIdGetDatum(InvalidOid),
							   Int32GetDatum(-1));
}

/*
 * x rounded to 6 decimal places, half to even (Decimal.quantize() in the
 * default context); PostgreSQL's round() rounds half away from zero.
 */
static Datum
round_half_even_6(Datum x)
{
	Datum		t = DirectFunctionCall2(numeric_trunc, x, Int32GetDatum(6));
	Datum		diff = DirectFunctionCall1(numeric_abs, DirectFunctionCall2(numeric_sub, x, t));
	int			c = DatumGetInt32(DirectFunctionCall2(numeric_cmp, diff, numeric_const("0.0000005")));
	bool		up;

	if (c == 0)
	{
		/* a tie: away from zero only when the last kept digit is odd */
		Datum		digits = DirectFunctionCall2(numeric_mul, t, numeric_const("1000000"));
		Datum		rem = DirectFunctionCall2(numeric_mod, digits, numeric_const("2"));

		up = !DatumGetBool(DirectFunctionCall2(numeric_eq, rem, numeric_const("0")));
	}
	else
		up = (c > 0);
	if (!up)
		return t;
	return DirectFunctionCall2(DatumGetBool(DirectFunctionCall2(numeric_lt, x, numeric_const("0"))) ?
							   numeric_sub : numeric_add,
							   t, numeric_const("0.000001"));
}

/*
 * ingest_cost_compute: see ingest.h.
 */
void
ingest_cost_compute(int64 prompt_tokens, int64 completion_tokens, Datum input_price,
					Datum output_price, Datum *costs)
{
	Datum		per_token = numeric_const("0.000001");
	Datum		in = DirectFunctionCall2(numeric_mul,
										 DirectFunctionCall2(numeric_mul,
															 DirectFunctionCall1(int8_numeric, Int64GetDatum(prompt_tokens)),
															 per_token),
										 input_price);
	Datum		out = DirectFunctionCall2(numeric_mul,
										  DirectFunctionCall2(numeric_mul,
															  DirectFunctionCall1(int8_numeric, Int64GetDatum(completion_tokens)),
															  per_token),
										  output_price);

	/* numeric multiplication is exact; the total is the sum before rounding */
	costs[0] = round_half_even_6(in);
	costs[1] = round_half_even_6(out);
	costs[2] = round_half_even_6(DirectFunctionCall2(numeric_add, in, out));
}
