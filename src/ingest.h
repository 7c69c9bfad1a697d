/*-------------------------------------------------------------------------
 *
 * ingest.h
 *	  Declarations shared by the files of the ingestion capability.
 *
 * ingest_target.c  knows the target tables (from platform.c's description:
 *                  the columns and their converters, saved SPI plans,
 *                  invalidation);
 * ingest_convert.c from JSON text to a column's type, the careful conversion,
 *                  quoting and keys (used by both files above and below);
 * ingest_json.c    JSON text to jsonb without raising errors, and the
 *                  sentinel that stands for \u0000 (used by the parser below);
 * ingest_json_scan.c
 *                  its fast path for plainly valid text;
 * ingest_event.c   turns one JSON element (stream entry, Langfuse envelope
 *                  or HTTP body) into a validated IngestEvent;
 * ingest_cost.c    the platform's cost formula: provider rules, prices read
 *                  from model_pricing, rounding (used by the merge);
 * ingest_merge.c   the one merge routine: projects, duplicates, locks, the
 *                  order-independent merge, derived fields (total tokens,
 *                  costs) and the set-based writes;
 * ingest_partition.c
 *                  partitioned targets: their partitions, routing a key,
 *                  probes of one partition's index (and the scan keys of
 *                  every direct index probe);
 * ingest_citus.c   distributed targets (Citus): the stored rows read
 *                  through SQL, since the coordinator's table is a shell;
 * ingest_sql.c     the SQL entry points;
 * ingest_otlp.c    swisper.ingest_otlp(): an OTLP/JSON trace export request
 *                  parsed into events (with the helpers of ingest_event.c)
 *                  for the same merge, and its SQL entry point.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SWISPER_INGEST_H
#define SWISPER_INGEST_H

#include "postgres.h"

#include "access/genam.h"
#include "access/skey.h"
#include "datatype/timestamp.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "partitioning/partdefs.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/partcache.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"

/* Entity kinds; also the first character of an entity key. */
typedef enum IngestKind
{
	IK_TRACE = 0,
	IK_OBS = 1
} IngestKind;

/* Logical fields of a trace. */
typedef enum TraceField
{
	TF_ID,
	TF_PROJECT_ID,
	TF_TIMESTAMP,
	TF_NAME,
	TF_USER_ID,
	TF_SESSION_ID,
	TF_INPUT,
	TF_OUTPUT,
	TF_META,
	TF_TAGS,
	TF_COUNT
} TraceField;

/* Logical fields of an observation. */
typedef enum ObsField
{
	OF_ID,
	OF_TRACE_ID,
	OF_START_TIME,
	OF_PARENT_ID,
	OF_TYPE,
	OF_NAME,
	OF_END_TIME,
	OF_COMPLETION_START_TIME,
	OF_INPUT,
	OF_OUTPUT,
	OF_META,
	OF_MODEL,
	OF_MODEL_PARAMETERS,
	OF_PROMPT_TOKENS,
	OF_COMPLETION_TOKENS,
	OF_TOTAL_TOKENS,
	OF_LEVEL,
	OF_STATUS_MESSAGE,
	/* later fields go last: the merge state keeps stamps in field order */
	OF_INPUT_COST,
	OF_OUTPUT_COST,
	OF_TOTAL_COST,
	OF_COUNT
} ObsField;

/* How many fields of observations merge states written before the cost fields have. */
#define OF_COUNT_V1		(OF_STATUS_MESSAGE + 1)

#define INGEST_MAX_FIELDS	OF_COUNT

/* How a column's value is made from JSON. */
typedef enum ColClass
{
	CC_TEXT,					/* text, varchar(n), bpchar(n): length-checked */
	CC_UUID,
	CC_JSON,
	CC_JSONB,
	CC_TIMESTAMP,				/* timestamp (UTC wall clock) */
	CC_TIMESTAMPTZ,
	CC_INT2,
	CC_INT4,
	CC_INT8,
	CC_NUMERIC,					/* numeric, numeric(p,s): range-checked */
	CC_ENUM,
	CC_OTHER					/* anything else: the type's input function */
} ColClass;

/* One target column, as the catalog describes it. */
typedef struct IngestColumn
{
	const char *field;			/* logical field name (for messages) */
	char	   *colname;		/* NULL: the table lacks this column */
	AttrNumber	attnum;
	Oid			typid;
	int32		typmod;
	Oid			arraytypid;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	bool		notnull;
	ColClass	cclass;
	int			maxchars;		/* CC_TEXT: typmod length, or -1 */
	FmgrInfo	infunc;
	Oid			ioparam;
	Oid			owner;			/* the table's owner: CC_OTHER input runs as it */
	FmgrInfo	outfunc;
	int			nlabels;		/* CC_ENUM */
	char	  **labels;
	Oid		   *labeloids;
} IngestColumn;

/* A partition of a partitioned target, and its part of the unique index. */
typedef struct IngestPartition
{
	Oid			relid;
	Oid			index;
} IngestPartition;

/* One target table. */
typedef struct IngestTable
{
	Oid			relid;
	int			nfields;
	IngestColumn cols[INGEST_MAX_FIELDS];
	Oid			id_index;		/* unique btree index on id; partitioned: on
								 * (id, key) or on id when id is the key */
	Oid			owner;			/* the table's owner: reads and writes run as it */
	uint64		generation;		/* of platform.c's description it was made from */
	bool		partitioned;
	bool		distributed;	/* a Citus table: read through read_plan */
	int			key_field;		/* partitioned, or distributed by a column:
								 * the field that is the key (-1: a
								 * reference table has none) */
	int			nparts;			/* partitioned: its partitions, by relid */
	IngestPartition *parts;
	char	   *upsert_head;	/* "INSERT INTO t AS t (columns) " */
	char	   *upsert_tail;	/* " ON CONFLICT ... DO UPDATE SET ..." */
	SPIPlanPtr	upsert_plan;	/* one array-based upsert */
	int			nvalues_plans;	/* distributed: VALUES upserts of few rows,
								 * by row count */
	struct IngestValuesPlan *values_plans;
	SPIPlanPtr	read_plan;		/* distributed: the stored rows of an array of ids */
	SPIPlanPtr	move_plan[2];	/* partitioned: UPDATE of a row whose key
								 * changes; [1] for one whose stored key is
								 * NULL */
	int			nwritten;		/* columns in the upsert, in field order */
	int			written[INGEST_MAX_FIELDS];
	int			nread;			/* columns the read fetches: id, first-wins, NOT NULL,
								 * derivation inputs */
	int			readcols[INGEST_MAX_FIELDS];
	bool		computes_costs; /* the three cost columns are numeric; model and
								 * token columns exist */
} IngestTable;

/* Everything the ingestion needs to know about the target schema. */
typedef struct IngestTarget
{
	bool		valid;
	char	   *schema;
	struct PlatformTable *projects; /* platform.c's description of projects */
	IngestTable tables[2];		/* by IngestKind */
	bool		has_other;		/* some column needs a foreign input function */
	Oid			state_relid;	/* swisper.ingest_merge_state */
	Oid			state_index;	/* its primary key */
	AttrNumber	state_part_attnum;	/* its row_partition column */
} IngestTarget;

/* What an event does once valid. */
typedef enum IngestAction
{
	IA_NONE,					/* invalid: status/message set */
	IA_TRACE,
	IA_OBS,
	IA_HEARTBEAT,
	IA_IGNORE					/* accepted and ignored (sdk-log) */
} IngestAction;

/* Precedence classes of "latest wins" fields (higher wins). */
#define PREC_DEFAULT	0		/* a column default (level DEFAULT, type SPAN) */
#define PREC_START		1		/* start, create, update */
#define PREC_END		2		/* observation_end */
#define PREC_ERROR		3		/* observation_error */

/*
 * Estimated token counts, and the meta of an event that only carries a
 * marker, have the precedence of a default: any value an event reports
 * wins over them.  Derived values (total tokens as prompt + completion,
 * computed costs) are made by the merge from the merged values, with a
 * stamp below every event's, and made again whenever those change.
 */
#define PREC_ESTIMATE	PREC_DEFAULT

/* Classes of "first wins" fields (lower wins). */
#define FIRST_EXPLICIT		0	/* the event names the value */
#define FIRST_DERIVED		1	/* taken from the event's own timestamp */
#define FIRST_PLACEHOLDER	2	/* a placeholder trace made for an observation */

/* One field value carried by an event, already of the column's type. */
typedef struct IngestValue
{
	bool		present;
	int8		cls;			/* precedence (latest wins) or class (first wins) */
	Datum		value;
} IngestValue;

/*
 * The sentinel that stands for \u0000 in a value parsed by ingest_json.c:
 * a code point the element does not contain, and its bytes in the server
 * encoding.  lossy: no code point was free, so the NULs already are the
 * replacement character.
 */
typedef struct IngestNul
{
	pg_wchar	code;			/* 0: the value holds no \u0000 */
	bool		lossy;
	int			len;
	char		bytes[MAX_MULTIBYTE_CHAR_LEN];
} IngestNul;

/* One input element, parsed and validated. */
typedef struct IngestEvent
{
	int			idx;
	char	   *event_id;
	int			status;			/* 0 until decided */
	char	   *message;
	IngestAction action;
	bool		ledgered;		/* recorded in its entity's list of applied events */
	bool		applied;		/* merged into an entity by this call */
	bool		repeat;			/* repeats an earlier element of the call */
	char	   *project_id;
	TimestampTz ts;				/* the event's own timestamp */
	uint64		tiebreak;
	int			prec;			/* PREC_* of its latest-wins values */
	char	   *key;			/* entity key "t:<id>" / "o:<id>" */
	IngestValue vals[INGEST_MAX_FIELDS];
	/* the placeholder trace an observation event implies, if any */
	char	   *ph_key;
	Datum		ph_trace_id;
	Datum		ph_project;
	TimestampTz ph_ts;
	bool		ph_has_project;
	/* heartbeat details */
	char	   *environment;
	char	   *app_version;
	char	   *sdk_version;
	/* the sentinel standing for \u0000 in its values (parsing only) */
	IngestNul	nul;
	/* \u0000 stored as U+FFFD: a bit per field of its table (or, lossy, everywhere) */
	uint32		nul_fields;
	/* what meta gains (parsing only) */
	const char *langfuse_type;	/* the envelope type, when stored as another */
	bool		tokens_estimated;
} IngestEvent;

/* A JSON text parsed by ingest_json_parse(). */
typedef struct IngestJson
{
	Jsonb	   *jb;				/* the value; NULL when the text is refused */
	IngestNul	nul;
	char	   *error;			/* why it is refused: "is not valid JSON at byte 7 (...)" */
} IngestJson;

/*
 * JSON nested deeper than this is refused before parsing: PostgreSQL's
 * recursive parser raises "stack depth limit exceeded" (for the whole
 * call) at about 14,500 levels with the default max_stack_depth of 2 MB.
 */
#define INGEST_MAX_JSON_DEPTH 10000

/* The HTTP bodies the single-event functions accept. */
typedef enum HttpKind
{
	HTTP_CREATE_TRACE,
	HTTP_CREATE_OBSERVATION,
	HTTP_UPDATE_OBSERVATION
} HttpKind;

/* ingest_target.c */
extern IngestTarget *ingest_target_get(void);

/*
 * Prepare and keep (SPI_keepplan) one plan, with the planner's cursor
 * options (0 for none), inside an SPI connection.
 */
extern SPIPlanPtr ingest_keep_plan(const char *sql, int nargs, Oid *argtypes, int options);
extern void ingest_target_prepare_plans(IngestTarget *target);
extern bool ingest_first_wins(IngestKind kind, int f);
extern bool ingest_derivation_input(IngestKind kind, int f);

/* ingest_convert.c */
extern bool ingest_convert_text(IngestColumn *col, const char *str, int len,
								Datum *out, char **err);
extern char *ingest_datum_key(IngestColumn *col, Datum value);
extern char *ingest_quote(const char *str, int len);
extern bool ingest_parse_timestamp(const char *s, int len, TimestampTz *out);
extern bool ingest_number_fits_numeric(const char *token);
extern bool ingest_numeric_fits(IngestColumn *col, Datum num);
extern bool ingest_careful_conversion;
extern ErrorData *ingest_try_subxact(void (*fn) (void *arg), void *arg);

/* At most this many characters of a value are quoted in a message. */
#define INGEST_QUOTE_CHARS	64

/* jsonb's limit of values in one datum (jsonb_util.c keeps it to itself). */
#define INGEST_JSON_MAX_VALUES \
	Min(Min(MaxAllocSize / sizeof(JsonbValue), MaxAllocSize / sizeof(JsonbPair)), JB_CMASK)

/* What counting one more value into a jsonb datum's bounds found. */
typedef enum IngestJsonCount
{
	INGEST_JSON_FITS,
	INGEST_JSON_TOO_MANY_VALUES,
	INGEST_JSON_TOO_LARGE
} IngestJsonCount;

/*
 * Count a value of about bytes bytes of binary form into the running
 * totals of one datum, for both JSON parsers (ingest_json.c and its fast
 * path): jsonb_in() would fail past these bounds.
 */
static inline IngestJsonCount
ingest_json_count(Size *size, Size *nvalues, Size bytes)
{
	*size += bytes;
	if (++*nvalues > INGEST_JSON_MAX_VALUES)
		return INGEST_JSON_TOO_MANY_VALUES;
	if (*size > JENTRY_OFFLENMASK)
		return INGEST_JSON_TOO_LARGE;
	return INGEST_JSON_FITS;
}

/* ingest_json.c */
extern bool ingest_json_parse(const char *text, int len, const IngestNul *inherit,
							  IngestJson *out);
extern void ingest_nul_set(IngestNul *nul, pg_wchar code);
extern bool ingest_json_nests_deeper(const char *s, int len, int limit);

/* ingest_json_scan.c */
extern Jsonb *ingest_json_scan(const char *text, int len);
extern int	ingest_json_hex4(const char *p, const char *end);

/* ingest_event.c */
extern void ingest_parse_element(IngestTarget *target, JsonbValue *elem, int idx,
								 const char *default_project, IngestEvent *ev);
extern void ingest_parse_text(IngestTarget *target, const char *text, int len, int idx,
							  const char *default_project, IngestEvent *ev);
extern void ingest_event_copy(IngestTarget *target, IngestEvent *ev);
extern void ingest_parse_http(IngestTarget *target, HttpKind kind, Jsonb *body,
							  const char *observation_id,
							  const char *default_project, IngestEvent *ev);
/* ... and the helpers the OTLP parser (ingest_otlp.c) builds its events with */
extern bool ingest_reject(IngestEvent *ev, int status, const char *fmt,...) pg_attribute_printf(3, 4);
extern JsonbValue *ingest_get_key(JsonbContainer *obj, const char *key, JsonbValue *buf);
extern JsonbContainer *ingest_as_object(JsonbValue *v);
extern bool ingest_set_field(IngestEvent *ev, IngestTable *tab, int f, int cls, JsonbValue *v,
							 const char *prefix, const char *key);
extern bool ingest_set_field_text(IngestEvent *ev, IngestTable *tab, int f, int cls,
								  const char *s, const char *what);
extern bool ingest_set_field_ts(IngestEvent *ev, IngestTable *tab, int f, int cls,
								TimestampTz ts, const char *what);
extern bool ingest_check_id_length(IngestEvent *ev, JsonbValue *v, const char *prefix,
								   const char *key);
extern bool ingest_set_entity(IngestTarget *t, IngestEvent *ev, IngestKind kind, JsonbValue *idv,
							  const char *path);
extern bool ingest_set_trace_project(IngestTarget *t, IngestEvent *ev);
extern bool ingest_set_obs_trace(IngestTarget *t, IngestEvent *ev, JsonbValue *tv,
								 const char *path);
extern void ingest_set_tiebreak(IngestEvent *ev);

/* ingest_cost.c */
typedef struct IngestPriceRequest
{
	const char *project;
	const char *model;
	const char *provider;		/* set by ingest_cost_prices() */
	bool		found;			/* a price row applies */
	Datum		input_price;	/* numeric, per million tokens */
	Datum		output_price;
} IngestPriceRequest;

extern const char *ingest_cost_provider(const char *model);

/*
 * Look up the price rows of the requests in model_pricing (one query);
 * false when the database has no usable model_pricing.
 */
extern bool ingest_cost_prices(IngestPriceRequest *reqs, int n);

/* costs[0..2]: input, output and total cost (numeric, 6 decimal places). */
extern void ingest_cost_compute(int64 prompt_tokens, int64 completion_tokens,
								Datum input_price, Datum output_price, Datum *costs);

/* ingest_merge.c */
extern void ingest_apply(IngestTarget *target, IngestEvent *events, int nevents);

/* ingest_partition.c: one partition of a partitioned target, opened for probes */
typedef struct IngestLeaf
{
	Oid			relid;
	Relation	rel;
	Relation	irel;			/* its part of the unique index */
	IndexScanDesc scan;
	TupleTableSlot *slot;
	ScanKeyData key;
} IngestLeaf;

/* The partitions of one target table, as probes and routing see them. */
typedef struct IngestProber
{
	Oid			id_index;		/* the partitioned unique index on id (, key) */
	IngestPartition *parts;		/* its parts, if known (by relid) */
	int			nparts;
	Snapshot	snap;
	Relation	parent;
	PartitionKey key;
	PartitionDesc pd;
	int			nopen;			/* partitions opened so far */
	IngestLeaf *leaves;
} IngestProber;

extern void ingest_equality_key(ScanKey key, Relation irel, AttrNumber attno, Datum value);
extern void ingest_describe_partitions(IngestTable *tab, const char *schema,
									   const char *relname, MemoryContext cxt);

/*
 * Open partitioned table relid for probes of the parts of its unique index
 * id_index (listed in parts, or found in the catalog), with snap, as its
 * owner; close everything.
 */
extern void ingest_prober_begin(IngestProber *p, Oid relid, Oid id_index,
								IngestPartition *parts, int nparts, Snapshot snap);
extern void ingest_prober_end(IngestProber *p);

/* Is relid one of the table's partitions now? */
extern bool ingest_prober_has(IngestProber *p, Oid relid);

/*
 * The row with this id in partition relid (which must be one), or NULL.
 * The slot is valid until the next probe of that partition.
 */
extern TupleTableSlot *ingest_probe(IngestProber *p, Oid relid, Datum id);

/* The row with this id in any partition but skip, and where it was. */
extern TupleTableSlot *ingest_probe_all(IngestProber *p, Datum id, Oid skip, Oid *found_in);

/*
 * The partition that a row with this key value goes to, or InvalidOid
 * when none accepts it.  *past: the table is partitioned by range and the
 * value is below the lowest bound of every range (retention's side).
 */
extern Oid	ingest_route(IngestProber *p, Datum value, bool isnull, bool *past);

/* ingest_citus.c: the stored rows of a distributed target, read through SQL */
typedef struct IngestCitusRows
{
	IngestTable *tab;
	SPITupleTable *tuptable;
	uint64		n;
	Relation	rel;
	TupleTableSlot *slot;		/* virtual, of the table's row type */
} IngestCitusRows;

/* Prepare tab->read_plan, if not yet made (inside an SPI connection). */
extern void ingest_citus_prepare(IngestTarget *t, IngestTable *tab, const char *relname);

/*
 * A distributed table's upsert of up to this many rows is a VALUES upsert
 * (ingest_citus_upsert), of more the array-based one (see ingest_citus.c).
 */
#define INGEST_CITUS_VALUES_ROWS	64

/* Free the plans of tab that ingest_citus.c keeps. */
extern void ingest_citus_forget(IngestTable *tab);

/*
 * Upsert nrows (at most INGEST_CITUS_VALUES_ROWS) rows into a distributed
 * tab, as its owner: values and nulls ('n' or ' ') hold tab->nwritten
 * columns per row, row after row.
 */
extern void ingest_citus_upsert(IngestTable *tab, int nrows, Datum *values, char *nulls);

/* Read the stored rows whose id is one of ids, as the table's owner. */
extern void ingest_citus_read(IngestTable *tab, Datum *ids, int nids, IngestCitusRows *rows);

/*
 * Row i of what ingest_citus_read() found, as a slot holding the columns
 * the merge reads; NULL past the last.  Valid until the next call.
 */
extern TupleTableSlot *ingest_citus_row(IngestCitusRows *rows, uint64 i);
extern void ingest_citus_end(IngestCitusRows *rows);

#endif							/* SWISPER_INGEST_H */
