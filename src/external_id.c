/*-------------------------------------------------------------------------
 *
 * external_id.c
 *	  The type swisper.external_id: an identifier that names something in
 *	  another system (a user, an account, a session).
 *
 * Storage format.  A value is a varlena whose data is the value's
 * canonical bytes: a kind tag byte followed by a fixed-size payload (tag 1
 * integer: 8 bytes big-endian; tag 2 uuid: 16 bytes), or the text itself
 * with no tag (1 to 255 bytes, never starting with a control character).
 * external_id_core.c describes them and holds everything that needs no
 * server: the validator and classifier, the printer, the checks of binary
 * payloads, the order and the abbreviated keys.  This file is the server
 * side: fmgr entry points, varlenas, errors, encodings, sort support,
 * hashing and the planner support function.
 *
 * Each value has exactly one representation, so equality is equality of the
 * bytes (which makes btequalimage valid and B-tree deduplication possible),
 * and hashing hashes the bytes.  The total order is the order of the bytes
 * (memcmp, then the shorter first): integers before uuids before text;
 * integers by value (big-endian), uuids as uuid orders them, text bytewise
 * (like the "C" collation).
 *
 * Bytes 0x00 and 0x04-0x1F are reserved as tags of future kinds (3 is text
 * in the binary format): a stored value starting with one is reported as
 * corrupted.  The binary (send/recv)
 * format always starts with a tag, 3 for text, and recv rejects unknown tags.
 *
 * One validator, external_id_parse() (external_id_core_parse() plus the
 * database encoding check and the error reports), serves text input, binary
 * input (for the text kind), the cross-type operators with text and
 * swisper.is_valid_external_id(); it either raises or returns false.
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
#include "parser/parse_func.h"
#include "utils/lsyscache.h"
#include "utils/builtins.h"
#include "utils/sortsupport.h"
#include "utils/uuid.h"

#include "external_id.h"
#include "swisper_ext.h"

/* Characters of a value shown in an error message before "...". */
#define EXTERNAL_ID_SHOW_CHARS	64

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
 * external_id_show
 *		The value as it may appear in an error message.
 *
 * At most EXTERNAL_ID_SHOW_CHARS characters, then "..." when cut.  Control
 * characters and bytes that are not valid in the database encoding are
 * written as \xNN, so the message itself is always valid text.
 */
static char *
external_id_show(const char *str, int len)
{
	StringInfoData buf;
	int			encoding = GetDatabaseEncoding();
	int			pos = 0;
	int			nchars = 0;

	initStringInfo(&buf);
	while (pos < len && nchars < EXTERNAL_ID_SHOW_CHARS)
	{
		unsigned char c = (unsigned char) str[pos];
		int			charlen = 1;

		if (c < 0x20 || c == 0x7f)
			appendStringInfo(&buf, "\\x%02X", c);
		else if (!IS_HIGHBIT_SET(c))
			appendStringInfoChar(&buf, (char) c);
		else
		{
			charlen = pg_encoding_verifymbchar(encoding, str + pos, len - pos);
			if (charlen < 0)
			{
				charlen = 1;
				appendStringInfo(&buf, "\\x%02X", c);
			}
			else
				appendBinaryStringInfo(&buf, str + pos, charlen);
		}
		pos += charlen;
		nchars++;
	}
	if (pos < len)
		appendStringInfoString(&buf, "...");
	return buf.data;
}

/*
 * verify_database_encoding
 *		Encoding callback of external_id_core_parse(): is str[0..len) valid in
 *		the database encoding?
 */
static bool
verify_database_encoding(const char *str, int len, void *arg)
{
	return pg_verifymbstr(str, len, true);
}

/*
 * external_id_parse
 *		Validate and canonicalise the text form of an external id.
 *
 * str[0..len) is in the database encoding and need not be NUL-terminated.
 * On success fills *out with the canonical (stored) bytes and returns
 * true.  On failure raises when raise is true (22P02, or 22001 for a value
 * over EXTERNAL_ID_MAX_BYTES), else returns false.  This is the one validator
 * of the type: text input, binary input, the casts, the operators with text
 * and swisper.is_valid_external_id() all call it, and it calls
 * external_id_core_parse() for everything but the encoding check.
 */
bool
external_id_parse(const char *str, int len, ExternalIdCanon *out, bool raise)
{
	int			errpos = 0;
	ExternalIdStatus status;

	status = external_id_core_parse(str, len, verify_database_encoding, NULL,
									out, &errpos);
	if (status == EXTERNAL_ID_OK)
		return true;
	if (!raise)
		return false;

	switch (status)
	{
		case EXTERNAL_ID_EMPTY:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s: \"%s\"",
							"external_id", ""),
					 errdetail("An external id cannot be empty.")));
			break;
		case EXTERNAL_ID_TOO_LONG:
			ereport(ERROR,
					(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
					 errmsg("value too long for type %s: \"%s\"",
							"external_id", external_id_show(str, len)),
					 errdetail("The value is %d bytes long; an external id has at most %d bytes.",
							   len, EXTERNAL_ID_MAX_BYTES)));
			break;
		case EXTERNAL_ID_CONTROL_CHAR:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s: \"%s\"",
							"external_id", external_id_show(str, len)),
					 errdetail("The value contains the control character U+%04X at byte %d.",
							   (unsigned char) str[errpos], errpos + 1)));
			break;
		case EXTERNAL_ID_BAD_ENCODING:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s: \"%s\"",
							"external_id", external_id_show(str, len)),
					 errdetail("The value is not valid in the database encoding %s.",
							   GetDatabaseEncodingName())));
			break;
		case EXTERNAL_ID_BLANK_AT_END:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s: \"%s\"",
							"external_id", external_id_show(str, len)),
					 errdetail("The value begins or ends with a blank."),
					 errhint("Remove the blanks, for example with btrim(), before converting; blanks inside a value are kept.")));
			break;
		default:
			elog(ERROR, "unexpected external id parse status %d", (int) status);
	}
	return false;				/* keep compiler quiet */
}

/*
 * external_id_from_canon
 *		A new varlena value holding the canonical bytes.
 */
static struct varlena *
external_id_from_canon(const ExternalIdCanon *canon)
{
	struct varlena *result = (struct varlena *) palloc(VARHDRSZ + canon->len);

	SET_VARSIZE(result, VARHDRSZ + canon->len);
	memcpy(VARDATA(result), canon->data, canon->len);
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
 * external_id_to_cstring
 *		The text form of a stored value (external_id_core_output()).
 *
 * Stored values were validated on the way in; a tag or size that does not
 * fit means a corrupted datum, reported as such.
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
 *		Text input: validate and canonicalise.
 */
PG_FUNCTION_INFO_V1(external_id_in);
Datum
external_id_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	ExternalIdCanon canon;

	external_id_parse(str, (int) strlen(str), &canon, true);
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
 * characters in the client encoding (like text's binary format); they go
 * through external_id_parse() exactly as text input does, so a text payload
 * that spells a uuid or a canonical integer becomes that kind.  Unknown tags
 * and wrong payload sizes are rejected (22P03).
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
		if (pg_get_client_encoding() == GetDatabaseEncoding())
			external_id_parse(payload, nbytes, &canon, true);
		else
		{
			char	   *converted = pg_client_to_server(payload, nbytes);

			/* unconverted (SQL_ASCII database): the bytes as sent, NULs too */
			external_id_parse(converted,
							  converted == payload ? nbytes : (int) strlen(converted),
							  &canon, true);
		}
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
 *		values, stored without a tag, are sent with tag 3.
 */
PG_FUNCTION_INFO_V1(external_id_send);
Datum
external_id_send(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_GETARG_VARLENA_PP(0);
	const unsigned char *data = EXTID_BYTES(v);
	int			len = EXTID_NBYTES(v);
	StringInfoData buf;

	pq_begintypsend(&buf);
	if (EXTERNAL_ID_IS_TAG(data[0]))
	{
		pq_sendbyte(&buf, data[0]);
		pq_sendbytes(&buf, (const char *) data + 1, len - 1);
	}
	else
	{
		pq_sendbyte(&buf, EXTERNAL_ID_KIND_TEXT);
		pq_sendtext(&buf, (const char *) data, len);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ---------- casts and functions ---------- */

/*
 * external_id_from_text
 *		Cast text (and varchar) to external_id; raises on bad input.
 */
PG_FUNCTION_INFO_V1(external_id_from_text);
Datum
external_id_from_text(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	ExternalIdCanon canon;

	external_id_parse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &canon, true);
	PG_RETURN_POINTER(external_id_from_canon(&canon));
}

/*
 * external_id_from_uuid
 *		Cast uuid to external_id: the same 16 bytes, kind uuid.
 */
PG_FUNCTION_INFO_V1(external_id_from_uuid);
Datum
external_id_from_uuid(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *uuid = PG_GETARG_UUID_P(0);
	ExternalIdCanon canon;

	canon.data[0] = EXTERNAL_ID_KIND_UUID;
	memcpy(canon.data + 1, uuid->data, EXTERNAL_ID_UUID_BYTES);
	canon.len = 1 + EXTERNAL_ID_UUID_BYTES;
	PG_RETURN_POINTER(external_id_from_canon(&canon));
}

/*
 * external_id_to_text
 *		Cast external_id to text: the text output form.
 */
PG_FUNCTION_INFO_V1(external_id_to_text);
Datum
external_id_to_text(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_GETARG_VARLENA_PP(0);

	PG_RETURN_TEXT_P(cstring_to_text(external_id_to_cstring(EXTID_BYTES(v),
															EXTID_NBYTES(v))));
}

/*
 * external_id_to_uuid
 *		Explicit cast external_id to uuid; only values of kind uuid convert.
 */
PG_FUNCTION_INFO_V1(external_id_to_uuid);
Datum
external_id_to_uuid(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_GETARG_VARLENA_PP(0);
	const unsigned char *data = EXTID_BYTES(v);
	int			len = EXTID_NBYTES(v);
	pg_uuid_t  *uuid;

	if (external_id_core_kind(data, len) != EXTERNAL_ID_KIND_UUID)
	{
		char	   *str = external_id_to_cstring(data, len);

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"", "uuid",
						external_id_show(str, (int) strlen(str))),
				 errdetail("Only external ids of kind uuid convert to uuid.")));
	}
	uuid = (pg_uuid_t *) palloc(UUID_LEN);
	memcpy(uuid->data, data + 1, UUID_LEN);
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
	const char *kind = NULL;

	switch (external_id_core_kind(EXTID_BYTES(v), EXTID_NBYTES(v)))
	{
		case EXTERNAL_ID_KIND_INTEGER:
			kind = "integer";
			break;
		case EXTERNAL_ID_KIND_UUID:
			kind = "uuid";
			break;
		case EXTERNAL_ID_KIND_TEXT:
			kind = "text";
			break;
		default:
			external_id_corrupted(EXTID_BYTES(v), EXTID_NBYTES(v));
	}
	PG_RETURN_TEXT_P(cstring_to_text(kind));
}

/*
 * is_valid_external_id
 *		Would this text convert to external_id?  Never raises for a bad value
 *		(PostgreSQL 15 has no soft input errors, hence this function).
 */
PG_FUNCTION_INFO_V1(is_valid_external_id);
Datum
is_valid_external_id(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	ExternalIdCanon canon;

	PG_RETURN_BOOL(external_id_parse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t),
									 &canon, false));
}

/* ---------- comparison ---------- */

/*
 * Three-way comparisons of the four argument shapes the operator family
 * covers.  A text argument is parsed to its canonical form first (raising
 * 22P02 when it is not a valid external id), so 'ABC...' compares equal to
 * the lower-case uuid it spells.
 */
static int
cmp_ext_ext(FunctionCallInfo fcinfo)
{
	struct varlena *a = PG_GETARG_VARLENA_PP(0);
	struct varlena *b = PG_GETARG_VARLENA_PP(1);
	int			r;

	r = external_id_core_compare(EXTID_BYTES(a), EXTID_NBYTES(a),
								  EXTID_BYTES(b), EXTID_NBYTES(b));
	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	return r;
}

static int
cmp_ext_text(FunctionCallInfo fcinfo)
{
	struct varlena *a = PG_GETARG_VARLENA_PP(0);
	text	   *b = PG_GETARG_TEXT_PP(1);
	ExternalIdCanon cb;
	int			r;

	external_id_parse(VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b), &cb, true);
	r = external_id_core_compare(EXTID_BYTES(a), EXTID_NBYTES(a),
								  cb.data, cb.len);
	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	return r;
}

static int
cmp_text_ext(FunctionCallInfo fcinfo)
{
	text	   *a = PG_GETARG_TEXT_PP(0);
	struct varlena *b = PG_GETARG_VARLENA_PP(1);
	ExternalIdCanon ca;
	int			r;

	external_id_parse(VARDATA_ANY(a), VARSIZE_ANY_EXHDR(a), &ca, true);
	r = external_id_core_compare(ca.data, ca.len,
								  EXTID_BYTES(b), EXTID_NBYTES(b));
	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	return r;
}

static int
cmp_text_text(FunctionCallInfo fcinfo)
{
	text	   *a = PG_GETARG_TEXT_PP(0);
	text	   *b = PG_GETARG_TEXT_PP(1);
	ExternalIdCanon ca;
	ExternalIdCanon cb;

	external_id_parse(VARDATA_ANY(a), VARSIZE_ANY_EXHDR(a), &ca, true);
	external_id_parse(VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b), &cb, true);
	return external_id_core_compare(ca.data, ca.len, cb.data, cb.len);
}

/*
 * The operator functions: for each argument shape, = <> < <= > >= and the
 * B-tree support function 1 (cmp).
 */
#define EXTERNAL_ID_OPERATOR(fname, cmpfn, test) \
PG_FUNCTION_INFO_V1(fname); \
Datum \
fname(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_BOOL(cmpfn(fcinfo) test 0); \
}

#define EXTERNAL_ID_OPERATORS(prefix, cmpfn) \
EXTERNAL_ID_OPERATOR(prefix##_eq, cmpfn, ==) \
EXTERNAL_ID_OPERATOR(prefix##_ne, cmpfn, !=) \
EXTERNAL_ID_OPERATOR(prefix##_lt, cmpfn, <) \
EXTERNAL_ID_OPERATOR(prefix##_le, cmpfn, <=) \
EXTERNAL_ID_OPERATOR(prefix##_gt, cmpfn, >) \
EXTERNAL_ID_OPERATOR(prefix##_ge, cmpfn, >=) \
PG_FUNCTION_INFO_V1(prefix##_cmp); \
Datum \
prefix##_cmp(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_INT32(cmpfn(fcinfo)); \
}

EXTERNAL_ID_OPERATORS(external_id, cmp_ext_ext)
EXTERNAL_ID_OPERATORS(external_id_text, cmp_ext_text)
EXTERNAL_ID_OPERATORS(text_external_id, cmp_text_ext)

/*
 * external_id_texts_cmp
 *		B-tree support function 1 for (text, text) in the family: compares
 *		two texts as external ids.  The B-tree code needs it to sort the
 *		elements of "col = ANY($1::text[])" before an index scan.  There are
 *		deliberately no (text, text) operators in the family.
 */
PG_FUNCTION_INFO_V1(external_id_texts_cmp);
Datum
external_id_texts_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(cmp_text_text(fcinfo));
}

/*
 * external_id_text_support
 *		Planner support for the operators between external_id and text:
 *		rewrites  col OP textexpr  into  col OP textexpr::external_id.
 *
 * The result means the same (the cross-type operators convert their text
 * operand and compare), but the comparison becomes the type's own operator:
 * the conversion runs once per scan instead of once per comparison, a
 * constant is converted at plan time, and the index scan uses the index's
 * own comparison function instead of looking up a cross-type one for every
 * probe.  This is what makes  WHERE user_id = $1::varchar  as fast as a
 * lookup with an external_id key.  Returns NULL (no rewrite) for anything it
 * does not recognise.
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
	Node	   *textarg;
	Oid			exttype;
	Oid			textoid = TEXTOID;
	Oid			fromtext;
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
	if (exprType(left) == TEXTOID && exprType(right) != TEXTOID)
	{
		textarg = left;
		exttype = exprType(right);
	}
	else if (exprType(right) == TEXTOID && exprType(left) != TEXTOID)
	{
		textarg = right;
		exttype = exprType(left);
	}
	else
		PG_RETURN_POINTER(NULL);

	fname = get_func_name(fexpr->funcid);
	if (fname == NULL || strlen(fname) < 3)
		PG_RETURN_POINTER(NULL);
	for (i = 0; i < (int) lengthof(suffixes); i++)
		if (strcmp(fname + strlen(fname) - 3, suffixes[i][0]) == 0)
			opname = suffixes[i][1];
	if (opname == NULL)
		PG_RETURN_POINTER(NULL);

	fromtext = LookupFuncName(list_make2(makeString(SWISPER_SCHEMA_NAME),
										 makeString("external_id_from_text")),
							  1, &textoid, true);
	opno = OpernameGetOprid(list_make2(makeString("pg_catalog"), makeString((char *) opname)),
							exttype, exttype);
	if (!OidIsValid(fromtext) || !OidIsValid(opno))
		PG_RETURN_POINTER(NULL);

	conv = makeFuncExpr(fromtext, exttype, list_make1(textarg),
						InvalidOid, exprCollation(textarg), COERCE_EXPLICIT_CAST);
	if (textarg == left)
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
	int			r;

	r = external_id_core_compare(EXTID_BYTES(a), EXTID_NBYTES(a),
								  EXTID_BYTES(b), EXTID_NBYTES(b));
	if ((Pointer) a != DatumGetPointer(x))
		pfree(a);
	if ((Pointer) b != DatumGetPointer(y))
		pfree(b);
	return r;
}

/*
 * external_id_abbrev_convert
 *		Abbreviated key: the first sizeof(Datum) stored bytes, zero-padded,
 *		as an unsigned integer (external_id_core_abbrev(), which says why
 *		this agrees with the full order).
 */
static Datum
external_id_abbrev_convert(Datum original, SortSupport ssup)
{
	ExternalIdSortState *state = (ExternalIdSortState *) ssup->ssup_extra;
	struct varlena *v = PG_DETOAST_DATUM_PACKED(original);
	uint64		key;
	Datum		res;

	key = external_id_core_abbrev(EXTID_BYTES(v), EXTID_NBYTES(v));
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
	if (ssup->abbreviate)
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
 * values hash alike whichever spelling they came from, and a text argument
 * (the cross-type members of the hash family) hashes like the external_id it
 * converts to.
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

PG_FUNCTION_INFO_V1(external_id_text_hash);
Datum
external_id_text_hash(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	ExternalIdCanon canon;

	external_id_parse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &canon, true);
	return hash_any(canon.data, canon.len);
}

PG_FUNCTION_INFO_V1(external_id_text_hash_extended);
Datum
external_id_text_hash_extended(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	ExternalIdCanon canon;

	external_id_parse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &canon, true);
	return hash_any_extended(canon.data, canon.len, PG_GETARG_INT64(1));
}
