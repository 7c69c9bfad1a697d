/*-------------------------------------------------------------------------
 *
 * external_id.c
 *	  The type swisper.external_id: an identifier that names something in
 *	  another system (a user, an account, a session).
 *
 * Every text is an external id, and comes back as it was given, except for
 * uuids in their standard layout (printed lower-case hyphenated) and
 * canonical integers (stored in 8 bytes, printed as given).  Storage
 * format: a varlena whose data is the value's canonical bytes: a kind tag
 * byte followed by a fixed-size payload (tag 1 integer: 8 bytes big-endian;
 * tag 2 uuid: 16 bytes), or the text itself, with no tag when its first
 * byte is 0x20 or above, after tag 3 when it is a control character.
 * external_id_core.c describes them and holds everything that needs no
 * server: the classifier, the reader and printer, the checks of binary
 * payloads, the order, the abbreviated keys and the strict rules.  This
 * file is the server side: fmgr entry points, varlenas, errors, encodings,
 * sort support, hashing, min/max and the planner support function.
 *
 * Each value has exactly one representation, so equality is equality of the
 * bytes (which makes btequalimage valid and B-tree deduplication possible),
 * and hashing hashes the bytes.  The order is the order of the canonical
 * texts, byte by byte, like the "C" collation, whatever the kinds: that is
 * the order a text column had, so ORDER BY, ranges and min/max mean what
 * they meant before the column changed type.
 *
 * Bytes 0x00 and 0x04-0x1F are reserved as tags of future kinds: a stored
 * value starting with one is reported as corrupted.  The binary (send/recv)
 * format always starts with a tag, 3 for text, and recv rejects unknown
 * tags.
 *
 * One classifier, external_id_core_parse(), serves text input, binary input
 * (for the text kind), the casts and the operators with text; it never
 * fails.  Text input and binary input check the encoding first, as text's
 * own input does; the other paths take text, which is valid already.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "fmgr.h"
#include "lib/hyperloglog.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/supportnodes.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "utils/lsyscache.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/sortsupport.h"
#include "utils/uuid.h"

#include "catalog_version.h"
#include "external_id.h"

/* Access to the stored bytes of a possibly short-header value. */
#define EXTID_BYTES(v)		((const unsigned char *) VARDATA_ANY(v))
#define EXTID_NBYTES(v)		((int) VARSIZE_ANY_EXHDR(v))

/* State of abbreviated-key sorting. */
typedef struct ExternalIdSortState
{
	int64		input_count;	/* values abbreviated so far */
	bool		estimating;		/* still estimating cardinality? */
	hyperLogLogState abbr_card; /* cardinality of the abbreviated keys */
} ExternalIdSortState;

/*
 * external_id_from_canon
 *		A new varlena value holding the canonical bytes.
 */
static struct varlena *
external_id_from_canon(const ExternalIdCanon *canon)
{
	int			len = canon->headlen + canon->textlen;
	struct varlena *result = (struct varlena *) palloc(VARHDRSZ + len);

	SET_VARSIZE(result, VARHDRSZ + len);
	memcpy(VARDATA(result), canon->head, canon->headlen);
	if (canon->textlen > 0)
		memcpy(VARDATA(result) + canon->headlen, canon->text, canon->textlen);
	return result;
}

/*
 * external_id_corrupted
 *		Report stored bytes that are no valid value (a corrupted datum).
 */
static void
external_id_corrupted(const unsigned char *data, int len)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("corrupted value of type %s", "external_id"),
			 errdetail("First byte %d with %d bytes in all is not a valid external id.",
					   len > 0 ? data[0] : -1, len)));
}

/*
 * external_id_view
 *		The view of a stored value (external_id_core_view()); a corrupted
 *		datum is reported as such.
 */
static void
external_id_view(const struct varlena *v, ExternalIdView *view)
{
	if (!external_id_core_view(EXTID_BYTES(v), EXTID_NBYTES(v), view))
		external_id_corrupted(EXTID_BYTES(v), EXTID_NBYTES(v));
}

/*
 * external_id_to_cstring
 *		The text form of a stored value (external_id_core_output()).
 */
static char *
external_id_to_cstring(const unsigned char *data, int len)
{
	char	   *result = palloc(EXTERNAL_ID_OUTPUT_SIZE(len));

	if (external_id_core_output(data, len, result) < 0)
		external_id_corrupted(data, len);
	return result;
}

/* ---------- input and output ---------- */

/*
 * external_id_in
 *		Text input: every string is a value.  The encoding is checked as a
 *		text value's is on its way in (22021), so no path stores bytes that
 *		text could not hold.
 */
PG_FUNCTION_INFO_V1(external_id_in);
Datum
external_id_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	int			len = (int) strlen(str);
	ExternalIdCanon canon;

	pg_verifymbstr(str, len, false);
	external_id_core_parse(str, len, &canon);
	PG_RETURN_POINTER(external_id_from_canon(&canon));
}

/*
 * external_id_out
 *		Text output: integers in decimal, uuids lower-case hyphenated, text
 *		as stored.
 */
PG_FUNCTION_INFO_V1(external_id_out);
Datum
external_id_out(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_GETARG_VARLENA_PP(0);

	PG_RETURN_CSTRING(external_id_to_cstring(EXTID_BYTES(v), EXTID_NBYTES(v)));
}

/*
 * external_id_recv
 *		Binary input: the kind tag byte, then the payload.
 *
 * Integer: 8 bytes, big-endian, not negative.  Uuid: 16 bytes.  Text: the
 * characters in the client encoding, converted and checked exactly as
 * text's binary input does (22021 for bytes that are not valid), then
 * classified as text input is, so a text payload that spells a uuid or a
 * canonical integer becomes that kind.  Unknown tags and wrong payload
 * sizes are rejected (22P03).
 */
PG_FUNCTION_INFO_V1(external_id_recv);
Datum
external_id_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	ExternalIdCanon canon;
	int			tag;
	int			nbytes;
	const char *payload;

	if (buf->len - buf->cursor < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value for type %s", "external_id"),
				 errdetail("The value has no kind tag byte.")));
	tag = pq_getmsgbyte(buf);
	nbytes = buf->len - buf->cursor;
	payload = pq_getmsgbytes(buf, nbytes);

	if (tag == EXTERNAL_ID_KIND_TEXT)
	{
		/* pq_getmsgtext()'s conversion: it checks the bytes, NUL included */
		char	   *converted = pg_client_to_server(payload, nbytes);

		external_id_core_parse(converted,
							   converted == payload ? nbytes : (int) strlen(converted),
							   &canon);
	}
	else
	{
		switch (external_id_core_recv(tag, (const unsigned char *) payload,
									  nbytes, &canon))
		{
			case EXTERNAL_ID_OK:
				break;
			case EXTERNAL_ID_BINARY_INTEGER:
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
						 errmsg("invalid binary value for type %s", "external_id"),
						 errdetail("An integer external id is 8 bytes holding a non-negative big-endian integer.")));
				break;
			case EXTERNAL_ID_BINARY_UUID:
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
						 errmsg("invalid binary value for type %s", "external_id"),
						 errdetail("A uuid external id is 16 bytes, not %d.", nbytes)));
				break;
			default:
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
						 errmsg("invalid binary value for type %s", "external_id"),
						 errdetail("Unknown kind tag %d; known tags are 1 (integer), 2 (uuid) and 3 (text).",
								   tag)));
		}
	}
	PG_RETURN_POINTER(external_id_from_canon(&canon));
}

/*
 * external_id_send
 *		Binary output: the kind tag byte, then the payload (see recv); text
 *		values are sent after tag 3, in the client encoding.
 */
PG_FUNCTION_INFO_V1(external_id_send);
Datum
external_id_send(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_GETARG_VARLENA_PP(0);
	ExternalIdView view;
	StringInfoData buf;

	external_id_view(v, &view);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, view.kind);
	if (view.kind == EXTERNAL_ID_KIND_TEXT)
		pq_sendtext(&buf, (const char *) view.p, view.len);
	else
		pq_sendbytes(&buf, (const char *) view.p, view.len);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ---------- casts and functions ---------- */

/*
 * external_id_from_text
 *		Cast text (and varchar) to external_id; never fails.
 */
PG_FUNCTION_INFO_V1(external_id_from_text);
Datum
external_id_from_text(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	ExternalIdCanon canon;

	external_id_core_parse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &canon);
	PG_RETURN_POINTER(external_id_from_canon(&canon));
}

/*
 * canon_from_uuid
 *		The canonical form of a uuid: kind uuid, the same 16 bytes.
 */
static void
canon_from_uuid(const pg_uuid_t *uuid, ExternalIdCanon *canon)
{
	canon->kind = EXTERNAL_ID_KIND_UUID;
	canon->head[0] = EXTERNAL_ID_KIND_UUID;
	memcpy(canon->head + 1, uuid->data, EXTERNAL_ID_UUID_BYTES);
	canon->headlen = 1 + EXTERNAL_ID_UUID_BYTES;
	canon->text = NULL;
	canon->textlen = 0;
}

/*
 * external_id_from_uuid
 *		Cast uuid to external_id: the same 16 bytes, kind uuid.
 */
PG_FUNCTION_INFO_V1(external_id_from_uuid);
Datum
external_id_from_uuid(PG_FUNCTION_ARGS)
{
	ExternalIdCanon canon;

	canon_from_uuid(PG_GETARG_UUID_P(0), &canon);
	PG_RETURN_POINTER(external_id_from_canon(&canon));
}

/*
 * external_id_to_text
 *		Cast external_id to text (and varchar): the text output form.  It is
 *		the implicit cast through which every text function and operator
 *		applies to external ids.
 */
PG_FUNCTION_INFO_V1(external_id_to_text);
Datum
external_id_to_text(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_GETARG_VARLENA_PP(0);
	ExternalIdView view;
	char		buf[EXTERNAL_ID_OUTPUT_SIZE(0)];

	external_id_view(v, &view);
	if (view.kind == EXTERNAL_ID_KIND_TEXT)
		PG_RETURN_TEXT_P(cstring_to_text_with_len((const char *) view.p, view.len));
	external_id_core_output(EXTID_BYTES(v), EXTID_NBYTES(v), buf);
	PG_RETURN_TEXT_P(cstring_to_text(buf));
}

/*
 * external_id_to_name
 *		Cast external_id to name (implicit, as varchar's): the text output,
 *		cut to NAMEDATALEN - 1 bytes at a character boundary as text's cast
 *		to name cuts it.
 */
PG_FUNCTION_INFO_V1(external_id_to_name);
Datum
external_id_to_name(PG_FUNCTION_ARGS)
{
	return DirectFunctionCall1(text_name,
							   DirectFunctionCall1(external_id_to_text, PG_GETARG_DATUM(0)));
}

/*
 * external_id_to_uuid
 *		Explicit cast external_id to uuid: the uuid of the uuid kind; any
 *		other value through uuid's own input, as text::uuid does (so the
 *		other spellings uuid accepts, such as 32 digits without hyphens,
 *		convert, and anything else raises uuid's 22P02).
 */
PG_FUNCTION_INFO_V1(external_id_to_uuid);
Datum
external_id_to_uuid(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_GETARG_VARLENA_PP(0);
	ExternalIdView view;
	pg_uuid_t  *uuid;

	external_id_view(v, &view);
	if (view.kind != EXTERNAL_ID_KIND_UUID)
		return DirectFunctionCall1(uuid_in,
								   CStringGetDatum(external_id_to_cstring(EXTID_BYTES(v),
																		  EXTID_NBYTES(v))));
	uuid = (pg_uuid_t *) palloc(UUID_LEN);
	memcpy(uuid->data, view.p, UUID_LEN);
	PG_RETURN_UUID_P(uuid);
}

/*
 * external_id_kind
 *		'integer', 'uuid' or 'text': how the value is stored.
 */
PG_FUNCTION_INFO_V1(external_id_kind);
Datum
external_id_kind(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_GETARG_VARLENA_PP(0);
	ExternalIdView view;
	const char *kind;

	external_id_view(v, &view);
	if (view.kind == EXTERNAL_ID_KIND_INTEGER)
		kind = "integer";
	else if (view.kind == EXTERNAL_ID_KIND_UUID)
		kind = "uuid";
	else
		kind = "text";
	PG_RETURN_TEXT_P(cstring_to_text(kind));
}

/*
 * is_valid_external_id
 *		Does the text keep the strict rules (1 to 255 bytes, no control
 *		character, no blank at either end)?  Every text is an external id;
 *		this is the check of the domain swisper.strict_external_id, for
 *		those who want to refuse such values.
 */
PG_FUNCTION_INFO_V1(is_valid_external_id);
Datum
is_valid_external_id(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	int			errpos;

	PG_RETURN_BOOL(external_id_core_check_strict(VARDATA_ANY(t),
												 VARSIZE_ANY_EXHDR(t),
												 &errpos) == EXTERNAL_ID_OK);
}

/* ---------- comparison ---------- */

/*
 * The order of a database still at 0.1.0.
 *
 * 0.1.0 ordered values by their stored bytes (memcmp, the shorter first);
 * 0.2.0 orders them by their canonical texts.  The stored bytes did not
 * change, so until ALTER EXTENSION swisper_ext UPDATE rebuilds them, a
 * database at 0.1.0 keeps its B-tree indexes (and sorted runs) in the old
 * order, and the library serves it that order: its index scans, inserts,
 * sorts and ANALYZE stay correct, instead of being refused or, worse,
 * searched in an order they were not built in.  The version check costs a
 * flag test once the database is known to be current (catalog_version.c).
 */
static inline bool
legacy_order(void)
{
	char	   *installed;

	if (likely(catalog_version_current_for_backend))
		return false;
	return !catalog_version_is_current(&installed);
}

static int
compare_bytes_legacy(const unsigned char *a, int alen, const unsigned char *b, int blen)
{
	int			r = memcmp(a, b, alen < blen ? alen : blen);

	if (r != 0)
		return r < 0 ? -1 : 1;
	return (alen > blen) - (alen < blen);
}

/*
 * canon_bytes
 *		The stored bytes of a canonical form (its head, then its text),
 *		palloc'd; their length in *len.
 */
static unsigned char *
canon_bytes(const ExternalIdCanon *c, int *len)
{
	int			textlen = c->kind == EXTERNAL_ID_KIND_TEXT ? c->textlen : 0;
	unsigned char *b = palloc(c->headlen + textlen + 1);

	memcpy(b, c->head, c->headlen);
	if (textlen > 0)
		memcpy(b + c->headlen, c->text, textlen);
	*len = c->headlen + textlen;
	return b;
}

/*
 * compare_stored
 *		external_id_core_compare() of two stored values (in 0.1.0's order for
 *		a database still at 0.1.0); a corrupted one is reported as such.
 */
static int
compare_stored(const struct varlena *a, const struct varlena *b)
{
	int			r;

	if (legacy_order())
		return compare_bytes_legacy(EXTID_BYTES(a), EXTID_NBYTES(a),
									EXTID_BYTES(b), EXTID_NBYTES(b));
	r = external_id_core_compare(EXTID_BYTES(a), EXTID_NBYTES(a),
								 EXTID_BYTES(b), EXTID_NBYTES(b));

	if (r == -2)
	{
		if (external_id_core_kind(EXTID_BYTES(a), EXTID_NBYTES(a)) == 0)
			external_id_corrupted(EXTID_BYTES(a), EXTID_NBYTES(a));
		external_id_corrupted(EXTID_BYTES(b), EXTID_NBYTES(b));
	}
	return r;
}

/* The type of the other operand of a cross-type comparison. */
typedef enum OtherOperand
{
	OTHER_TEXT,
	OTHER_UUID,
	OTHER_NAME
} OtherOperand;

/*
 * Three-way comparisons of the argument shapes the operators cover:
 * external_id with external_id, and with text, uuid and name.  A text, uuid
 * or name argument is read as the external id it converts to (which never
 * fails), so 'ABC...' compares equal to the lower-case uuid it spells, and
 * the order is the order of the canonical texts.
 */
static int
cmp_ext_ext(FunctionCallInfo fcinfo)
{
	struct varlena *a = PG_GETARG_VARLENA_PP(0);
	struct varlena *b = PG_GETARG_VARLENA_PP(1);
	int			r = compare_stored(a, b);

	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	return r;
}

/*
 * cmp_ext_other
 *		Compare the external id argument ext_arg with the argument
 *		1 - ext_arg of type other, from the point of view of argument 0.
 */
static int
cmp_ext_other(FunctionCallInfo fcinfo, int ext_arg, OtherOperand other)
{
	struct varlena *e = PG_GETARG_VARLENA_PP(ext_arg);
	text	   *t = NULL;
	ExternalIdView ve;
	ExternalIdView vo;
	ExternalIdCanon co;
	int			r;

	external_id_view(e, &ve);
	switch (other)
	{
		case OTHER_UUID:
			canon_from_uuid(PG_GETARG_UUID_P(1 - ext_arg), &co);
			break;
		case OTHER_NAME:
			{
				const char *n = NameStr(*PG_GETARG_NAME(1 - ext_arg));

				external_id_core_parse(n, (int) strlen(n), &co);
				break;
			}
		default:
			t = PG_GETARG_TEXT_PP(1 - ext_arg);
			external_id_core_parse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &co);
	}
	if (legacy_order())
	{
		int			len;
		unsigned char *b = canon_bytes(&co, &len);

		r = compare_bytes_legacy(EXTID_BYTES(e), EXTID_NBYTES(e), b, len);
		pfree(b);
	}
	else
	{
		external_id_core_canon_view(&co, &vo);
		r = external_id_core_compare_views(&ve, &vo);
	}
	PG_FREE_IF_COPY(e, ext_arg);
	if (t != NULL)
		PG_FREE_IF_COPY(t, 1 - ext_arg);
	return ext_arg == 0 ? r : -r;
}

#define EXTERNAL_ID_CMP_OTHER(name, ext_arg, other) \
static int \
name(FunctionCallInfo fcinfo) \
{ \
	return cmp_ext_other(fcinfo, ext_arg, other); \
}

EXTERNAL_ID_CMP_OTHER(cmp_ext_text, 0, OTHER_TEXT)
EXTERNAL_ID_CMP_OTHER(cmp_text_ext, 1, OTHER_TEXT)
EXTERNAL_ID_CMP_OTHER(cmp_ext_uuid, 0, OTHER_UUID)
EXTERNAL_ID_CMP_OTHER(cmp_uuid_ext, 1, OTHER_UUID)
EXTERNAL_ID_CMP_OTHER(cmp_ext_name, 0, OTHER_NAME)
EXTERNAL_ID_CMP_OTHER(cmp_name_ext, 1, OTHER_NAME)

/*
 * The operator functions: for each argument shape, = <> < <= > >=, and
 * for the shapes of the operator families the B-tree support function 1
 * (cmp).  The operators with name are in no family: the planner support
 * function turns them into the type's own before an index is considered.
 */
#define EXTERNAL_ID_OPERATOR(fname, cmpfn, test) \
PG_FUNCTION_INFO_V1(fname); \
Datum \
fname(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_BOOL(cmpfn(fcinfo) test 0); \
}

#define EXTERNAL_ID_COMPARISONS(prefix, cmpfn) \
EXTERNAL_ID_OPERATOR(prefix##_eq, cmpfn, ==) \
EXTERNAL_ID_OPERATOR(prefix##_ne, cmpfn, !=) \
EXTERNAL_ID_OPERATOR(prefix##_lt, cmpfn, <) \
EXTERNAL_ID_OPERATOR(prefix##_le, cmpfn, <=) \
EXTERNAL_ID_OPERATOR(prefix##_gt, cmpfn, >) \
EXTERNAL_ID_OPERATOR(prefix##_ge, cmpfn, >=)

#define EXTERNAL_ID_OPERATORS(prefix, cmpfn) \
EXTERNAL_ID_COMPARISONS(prefix, cmpfn) \
PG_FUNCTION_INFO_V1(prefix##_cmp); \
Datum \
prefix##_cmp(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_INT32(cmpfn(fcinfo)); \
}

EXTERNAL_ID_OPERATORS(external_id, cmp_ext_ext)
EXTERNAL_ID_OPERATORS(external_id_text, cmp_ext_text)
EXTERNAL_ID_OPERATORS(text_external_id, cmp_text_ext)
EXTERNAL_ID_OPERATORS(external_id_uuid, cmp_ext_uuid)
EXTERNAL_ID_OPERATORS(uuid_external_id, cmp_uuid_ext)
EXTERNAL_ID_COMPARISONS(external_id_name, cmp_ext_name)
EXTERNAL_ID_COMPARISONS(name_external_id, cmp_name_ext)

/*
 * external_id_texts_cmp
 *		B-tree support function 1 for (text, text) in the family: compares
 *		two texts as external ids.  The B-tree code needs it to sort the
 *		elements of "col = ANY($1::text[])" before an index scan.  There are
 *		deliberately no (text, text) operators in the family.  (For uuid[]
 *		the family has uuid's own uuid_cmp: a uuid's order is its canonical
 *		text's order.)
 */
PG_FUNCTION_INFO_V1(external_id_texts_cmp);
Datum
external_id_texts_cmp(PG_FUNCTION_ARGS)
{
	text	   *a = PG_GETARG_TEXT_PP(0);
	text	   *b = PG_GETARG_TEXT_PP(1);
	ExternalIdCanon ca;
	ExternalIdCanon cb;
	ExternalIdView va;
	ExternalIdView vb;

	external_id_core_parse(VARDATA_ANY(a), VARSIZE_ANY_EXHDR(a), &ca);
	external_id_core_parse(VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b), &cb);
	if (legacy_order())
	{
		int			alen;
		int			blen;
		unsigned char *abytes = canon_bytes(&ca, &alen);
		unsigned char *bbytes = canon_bytes(&cb, &blen);
		int			r = compare_bytes_legacy(abytes, alen, bbytes, blen);

		pfree(abytes);
		pfree(bbytes);
		PG_RETURN_INT32(r);
	}
	external_id_core_canon_view(&ca, &va);
	external_id_core_canon_view(&cb, &vb);
	PG_RETURN_INT32(external_id_core_compare_views(&va, &vb));
}

/*
 * external_id_smaller, external_id_larger
 *		The transition (and combine) functions of min(external_id) and
 *		max(external_id): the smaller or larger in the type's order.
 */
PG_FUNCTION_INFO_V1(external_id_smaller);
Datum
external_id_smaller(PG_FUNCTION_ARGS)
{
	struct varlena *a = PG_GETARG_VARLENA_PP(0);
	struct varlena *b = PG_GETARG_VARLENA_PP(1);

	PG_RETURN_POINTER(compare_stored(a, b) <= 0 ? a : b);
}

PG_FUNCTION_INFO_V1(external_id_larger);
Datum
external_id_larger(PG_FUNCTION_ARGS)
{
	struct varlena *a = PG_GETARG_VARLENA_PP(0);
	struct varlena *b = PG_GETARG_VARLENA_PP(1);

	PG_RETURN_POINTER(compare_stored(a, b) >= 0 ? a : b);
}

/* The operand types of the cross-type operators. */
#define IS_OTHER_OPERAND_TYPE(t)	((t) == TEXTOID || (t) == UUIDOID || (t) == NAMEOID)

/*
 * external_id_text_support
 *		Planner support for the operators between external_id and text,
 *		uuid or name: rewrites  col OP expr  into  col OP expr::external_id.
 *
 * The result means the same (the cross-type operators convert their text
 * or uuid operand and compare), but the comparison becomes the type's own
 * operator: the conversion runs once per scan instead of once per
 * comparison, a constant is converted at plan time, and the index scan uses
 * the index's own comparison function instead of looking up a cross-type
 * one for every probe.  This is what makes  WHERE user_id = $1::varchar  as
 * fast as a lookup with an external_id key.  Returns NULL (no rewrite) for
 * anything it does not recognise.
 */
PG_FUNCTION_INFO_V1(external_id_text_support);
Datum
external_id_text_support(PG_FUNCTION_ARGS)
{
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);
	static const char *const suffixes[][2] = {
		{"_eq", "="}, {"_ne", "<>"}, {"_lt", "<"}, {"_le", "<="}, {"_gt", ">"}, {"_ge", ">="}
	};
	SupportRequestSimplify *req;
	FuncExpr   *fexpr;
	Node	   *left;
	Node	   *right;
	Node	   *otherarg;
	bool		other_is_left;
	Oid			othertype;
	Oid			exttype;
	Oid			convfunc;
	Oid			opno;
	char	   *fname;
	const char *opname = NULL;
	FuncExpr   *conv;
	Expr	   *op;
	int			i;

	if (!IsA(rawreq, SupportRequestSimplify))
		PG_RETURN_POINTER(NULL);
	req = (SupportRequestSimplify *) rawreq;
	fexpr = req->fcall;
	if (list_length(fexpr->args) != 2)
		PG_RETURN_POINTER(NULL);
	left = linitial(fexpr->args);
	right = lsecond(fexpr->args);
	other_is_left = IS_OTHER_OPERAND_TYPE(exprType(left));
	if (other_is_left)
	{
		otherarg = left;
		exttype = exprType(right);
	}
	else if (IS_OTHER_OPERAND_TYPE(exprType(right)))
	{
		otherarg = right;
		exttype = exprType(left);
	}
	else
		PG_RETURN_POINTER(NULL);
	if (IS_OTHER_OPERAND_TYPE(exttype))
		PG_RETURN_POINTER(NULL);

	/* a name is read through its text, as the cast name -> text does */
	if (exprType(otherarg) == NAMEOID)
		otherarg = (Node *) makeFuncExpr(F_TEXT_NAME, TEXTOID, list_make1(otherarg),
										 InvalidOid, InvalidOid, COERCE_IMPLICIT_CAST);
	othertype = exprType(otherarg);

	fname = get_func_name(fexpr->funcid);
	if (fname == NULL || strlen(fname) < 3)
		PG_RETURN_POINTER(NULL);
	for (i = 0; i < (int) lengthof(suffixes); i++)
		if (strcmp(fname + strlen(fname) - 3, suffixes[i][0]) == 0)
			opname = suffixes[i][1];
	if (opname == NULL)
		PG_RETURN_POINTER(NULL);

	/*
	 * The conversion is the cast's function, found in pg_cast and not by
	 * name: a name lookup in schema swisper would need USAGE on it, which a
	 * role that may read the table need not have.
	 */
	if (find_coercion_pathway(exttype, othertype, COERCION_ASSIGNMENT,
							  &convfunc) != COERCION_PATH_FUNC)
		PG_RETURN_POINTER(NULL);
	opno = OpernameGetOprid(list_make2(makeString("pg_catalog"), makeString((char *) opname)),
							exttype, exttype);
	if (!OidIsValid(convfunc) || !OidIsValid(opno))
		PG_RETURN_POINTER(NULL);

	conv = makeFuncExpr(convfunc, exttype, list_make1(otherarg),
						InvalidOid, InvalidOid, COERCE_EXPLICIT_CAST);
	if (other_is_left)
		op = make_opclause(opno, BOOLOID, false, (Expr *) conv, (Expr *) right,
						   InvalidOid, InvalidOid);
	else
		op = make_opclause(opno, BOOLOID, false, (Expr *) left, (Expr *) conv,
						   InvalidOid, InvalidOid);
	((OpExpr *) op)->opfuncid = get_opcode(opno);
	((OpExpr *) op)->location = fexpr->location;

	/* fold a constant operand now, as a cast of it would be */
	PG_RETURN_POINTER(eval_const_expressions(NULL, (Node *) op));
}

/* ---------- sort support ---------- */

/*
 * external_id_fast_cmp
 *		Sort-support comparator on two external_id datums.
 */
static int
external_id_fast_cmp(Datum x, Datum y, SortSupport ssup)
{
	struct varlena *a = PG_DETOAST_DATUM_PACKED(x);
	struct varlena *b = PG_DETOAST_DATUM_PACKED(y);
	int			r = compare_stored(a, b);

	if ((Pointer) a != DatumGetPointer(x))
		pfree(a);
	if ((Pointer) b != DatumGetPointer(y))
		pfree(b);
	return r;
}

/*
 * external_id_abbrev_convert
 *		Abbreviated key: the first sizeof(Datum) bytes of the canonical text,
 *		zero-padded, as an unsigned integer (external_id_core_abbrev_view(),
 *		which says why this agrees with the full order).
 */
static Datum
external_id_abbrev_convert(Datum original, SortSupport ssup)
{
	ExternalIdSortState *state = (ExternalIdSortState *) ssup->ssup_extra;
	struct varlena *v = PG_DETOAST_DATUM_PACKED(original);
	ExternalIdView view;
	uint64		key;
	Datum		res;

	external_id_view(v, &view);
	key = external_id_core_abbrev_view(&view);
	res = (Datum) (key >> (64 - 8 * SIZEOF_DATUM));
	if ((Pointer) v != DatumGetPointer(original))
		pfree(v);

	state->input_count++;
	if (state->estimating)
	{
		uint32		tmp;

#if SIZEOF_DATUM == 8
		tmp = (uint32) res ^ (uint32) ((uint64) res >> 32);
#else
		tmp = (uint32) res;
#endif
		addHyperLogLog(&state->abbr_card, DatumGetUInt32(hash_uint32(tmp)));
	}
	return res;
}

/*
 * external_id_abbrev_abort
 *		Give up abbreviation when the keys are too often equal (as uuid's
 *		sort support does: fewer than one distinct key per 2000 values).
 */
static bool
external_id_abbrev_abort(int memtupcount, SortSupport ssup)
{
	ExternalIdSortState *state = (ExternalIdSortState *) ssup->ssup_extra;
	double		abbr_card;

	if (memtupcount < 10000 || state->input_count < 10000 || !state->estimating)
		return false;
	abbr_card = estimateHyperLogLog(&state->abbr_card);
	if (abbr_card > 100000.0)
	{
		state->estimating = false;
		return false;
	}
	return abbr_card < state->input_count / 2000.0 + 0.5;
}

/*
 * external_id_sortsupport
 *		B-tree support function 2: a direct comparator, and abbreviated keys
 *		when the caller allows them.
 */
PG_FUNCTION_INFO_V1(external_id_sortsupport);
Datum
external_id_sortsupport(PG_FUNCTION_ARGS)
{
	SortSupport ssup = (SortSupport) PG_GETARG_POINTER(0);

	ssup->comparator = external_id_fast_cmp;
	ssup->ssup_extra = NULL;
	/* abbreviated keys follow the current order only */
	if (ssup->abbreviate && !legacy_order())
	{
		MemoryContext oldcontext = MemoryContextSwitchTo(ssup->ssup_cxt);
		ExternalIdSortState *state = palloc(sizeof(ExternalIdSortState));

		state->input_count = 0;
		state->estimating = true;
		initHyperLogLog(&state->abbr_card, 10);
		ssup->ssup_extra = state;
		ssup->comparator = ssup_datum_unsigned_cmp;
		ssup->abbrev_converter = external_id_abbrev_convert;
		ssup->abbrev_abort = external_id_abbrev_abort;
		ssup->abbrev_full_comparator = external_id_fast_cmp;
		MemoryContextSwitchTo(oldcontext);
	}
	PG_RETURN_VOID();
}

/* ---------- hashing ---------- */

/*
 * Hash support: hash_any over the canonical (stored) bytes, so equal
 * values hash alike whichever spelling they came from, and a text or uuid
 * argument (the cross-type members of the hash family) hashes like the
 * external_id it converts to.  The stored bytes of a value are the same as
 * in every earlier version, so hash indexes and hash partitions stay valid.
 */
PG_FUNCTION_INFO_V1(external_id_hash);
Datum
external_id_hash(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_GETARG_VARLENA_PP(0);
	Datum		h = hash_any(EXTID_BYTES(v), EXTID_NBYTES(v));

	PG_FREE_IF_COPY(v, 0);
	return h;
}

PG_FUNCTION_INFO_V1(external_id_hash_extended);
Datum
external_id_hash_extended(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_GETARG_VARLENA_PP(0);
	Datum		h = hash_any_extended(EXTID_BYTES(v), EXTID_NBYTES(v),
									  PG_GETARG_INT64(1));

	PG_FREE_IF_COPY(v, 0);
	return h;
}

/*
 * hash_canon
 *		hash_any[_extended] of the stored bytes of a canonical form, which
 *		are in one piece except for a text after tag 3.
 */
static Datum
hash_canon(const ExternalIdCanon *canon, bool extended, int64 seed)
{
	const unsigned char *bytes;
	unsigned char *joined = NULL;
	int			len = canon->headlen + canon->textlen;
	Datum		h;

	if (canon->textlen == 0)
		bytes = canon->head;
	else if (canon->headlen == 0)
		bytes = (const unsigned char *) canon->text;
	else
	{
		joined = palloc(len);
		memcpy(joined, canon->head, canon->headlen);
		memcpy(joined + canon->headlen, canon->text, canon->textlen);
		bytes = joined;
	}
	h = extended ? hash_any_extended(bytes, len, seed) : hash_any(bytes, len);
	if (joined != NULL)
		pfree(joined);
	return h;
}

/* The canonical form of a text argument. */
static void
canon_from_text_arg(FunctionCallInfo fcinfo, ExternalIdCanon *canon)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	external_id_core_parse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), canon);
}

PG_FUNCTION_INFO_V1(external_id_text_hash);
Datum
external_id_text_hash(PG_FUNCTION_ARGS)
{
	ExternalIdCanon canon;

	canon_from_text_arg(fcinfo, &canon);
	return hash_canon(&canon, false, 0);
}

PG_FUNCTION_INFO_V1(external_id_text_hash_extended);
Datum
external_id_text_hash_extended(PG_FUNCTION_ARGS)
{
	ExternalIdCanon canon;

	canon_from_text_arg(fcinfo, &canon);
	return hash_canon(&canon, true, PG_GETARG_INT64(1));
}

PG_FUNCTION_INFO_V1(external_id_uuid_hash);
Datum
external_id_uuid_hash(PG_FUNCTION_ARGS)
{
	ExternalIdCanon canon;

	canon_from_uuid(PG_GETARG_UUID_P(0), &canon);
	return hash_canon(&canon, false, 0);
}

PG_FUNCTION_INFO_V1(external_id_uuid_hash_extended);
Datum
external_id_uuid_hash_extended(PG_FUNCTION_ARGS)
{
	ExternalIdCanon canon;

	canon_from_uuid(PG_GETARG_UUID_P(0), &canon);
	return hash_canon(&canon, true, PG_GETARG_INT64(1));
}
