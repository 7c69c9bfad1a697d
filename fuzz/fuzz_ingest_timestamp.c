/*-------------------------------------------------------------------------
 *
 * fuzz_ingest_timestamp.c
 *	  libFuzzer target over the event timestamp parser of the ingestion
 *	  (src/ingest_timestamp_core.c).
 *
 * Checked for every input:
 *
 *	1. differential: the parser accepts exactly what an independent oracle
 *	   accepts, with the same value.  The oracle is the documented grammar as
 *	   POSIX extended regular expressions (<regex.h>), field ranges checked
 *	   separately, the calendar of the C library (timegm/gmtime_r) and the
 *	   fraction rounded at the seventh digit;
 *	2. range: a value is within PostgreSQL's timestamp range;
 *	3. round trips: a value printed as epoch seconds with six decimals, as
 *	   ISO 8601 in UTC (gmtime_r) and as ISO 8601 with a zone offset taken
 *	   from the input parses back to the same value (where the printed form
 *	   is within the grammar: 12 digits of seconds, years 1-9999);
 *	4. trailing blanks do not change the result.
 *
 * Any failed check aborts, which libFuzzer reports as a crash.
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ingest_timestamp_core.h"

#define CHECK(cond) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

int			LLVMFuzzerInitialize(int *argc, char ***argv);
int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The documented grammar (see ingest_timestamp_core.c), trailing blanks
 * allowed.  Groups: 1 year, 2 month, 3 day, 5 hour, 6 minute, 8 second,
 * 10 fraction, 11 zone, 12 sign, 13 zone hours, 15 zone minutes.
 */
static const char *iso_pattern =
"^([0-9]{4})-([0-9]{2})-([0-9]{2})"
"([Tt ]([0-9]{2}):([0-9]{2})(:([0-9]{2})([.,]([0-9]+))?)?"
"([Zz]|([-+])([0-9]{2})(:?([0-9]{2}))?)?)? *$";

/* Groups: 1 sign, 2 seconds, 4 fraction. */
static const char *epoch_pattern = "^(-?)([0-9]{1,12})(\\.([0-9]*))? *$";

static regex_t iso_re;
static regex_t epoch_re;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	CHECK(regcomp(&iso_re, iso_pattern, REG_EXTENDED) == 0);
	CHECK(regcomp(&epoch_re, epoch_pattern, REG_EXTENDED) == 0);
	return 0;
}

/* Integer value of group g of s (digits only), or -1 when it did not match. */
static int64_t
group_int(const char *s, const regmatch_t *m, int g)
{
	int64_t		v = 0;

	if (m[g].rm_so < 0)
		return -1;
	for (regoff_t i = m[g].rm_so; i < m[g].rm_eo; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/*
 * Microseconds of a fraction (group g): the first six digits, the seventh
 * rounds half up, the rest is ignored.
 */
static int64_t
group_fraction(const char *s, const regmatch_t *m, int g)
{
	int64_t		us = 0;
	int			n;

	if (m[g].rm_so < 0)
		return 0;
	n = (int) (m[g].rm_eo - m[g].rm_so);
	for (int k = 0; k < 6; k++)
		us = us * 10 + (k < n ? s[m[g].rm_so + k] - '0' : 0);
	if (n > 6 && s[m[g].rm_so + 6] >= '5')
		us++;
	return us;
}

/*
 * The oracle: is s (NUL-terminated, len bytes) a valid timestamp, and which?
 */
static bool
oracle(const char *s, int len, int64_t *out)
{
	regmatch_t	m[16];
	int64_t		v;

	if ((int) strlen(s) != len)
		return false;			/* a NUL byte: never valid */
	if (regexec(&epoch_re, s, 16, m, 0) == 0)
	{
		int64_t		secs = group_int(s, m, 2);
		int64_t		us = group_fraction(s, m, 4);
		bool		neg = m[1].rm_eo > m[1].rm_so;

		v = secs * INGEST_TS_USECS_PER_SEC + us;
		if (neg)
			v = -v;
		v -= INGEST_TS_EPOCH_OFFSET_SECS * INGEST_TS_USECS_PER_SEC;
	}
	else if (regexec(&iso_re, s, 16, m, 0) == 0)
	{
		struct tm	tm;
		struct tm	back;
		time_t		t;
		int64_t		year = group_int(s, m, 1),
					mon = group_int(s, m, 2),
					day = group_int(s, m, 3);
		int64_t		hour = m[5].rm_so >= 0 ? group_int(s, m, 5) : 0;
		int64_t		min = m[6].rm_so >= 0 ? group_int(s, m, 6) : 0;
		int64_t		sec = m[8].rm_so >= 0 ? group_int(s, m, 8) : 0;
		int64_t		zh = m[13].rm_so >= 0 ? group_int(s, m, 13) : 0;
		int64_t		zm = m[15].rm_so >= 0 ? group_int(s, m, 15) : 0;
		int64_t		zsign = (m[12].rm_so >= 0 && s[m[12].rm_so] == '-') ? -1 : 1;

		if (year < 1 || mon < 1 || mon > 12 || day < 1 || day > 31 ||
			hour > 23 || min > 59 || sec > 59 || zh > 15 || zm > 59)
			return false;
		/* the C library's calendar: the date must survive a round trip */
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = (int) year - 1900;
		tm.tm_mon = (int) mon - 1;
		tm.tm_mday = (int) day;
		t = timegm(&tm);
		CHECK(gmtime_r(&t, &back) != NULL);
		if (back.tm_mday != day || back.tm_mon != mon - 1)
			return false;
		v = ((int64_t) t + hour * 3600 + min * 60 + sec
			 - zsign * (zh * 3600 + zm * 60)
			 - INGEST_TS_EPOCH_OFFSET_SECS) * INGEST_TS_USECS_PER_SEC
			+ group_fraction(s, m, 10);
	}
	else
		return false;
	if (v < INGEST_TS_MIN || v >= INGEST_TS_END)
		return false;
	*out = v;
	return true;
}

/* Parse a NUL-terminated string; the value or INT64_MIN. */
static int64_t
parse_str(const char *s)
{
	int64_t		v;

	return ingest_timestamp_core_parse(s, (int) strlen(s), &v) ? v : INT64_MIN;
}

/* Floor division and modulo for microsecond arithmetic. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

/*
 * Property 3: print v in three ways and parse each back.  zone_minutes is
 * the offset to print the third form with.
 */
static void
check_round_trips(int64_t v, int zone_minutes)
{
	int64_t		unix_us = v + INGEST_TS_EPOCH_OFFSET_SECS * INGEST_TS_USECS_PER_SEC;
	char		buf[96];
	int64_t		a = unix_us < 0 ? -unix_us : unix_us;

	/* epoch seconds, six decimals, sign in front */
	if (a / INGEST_TS_USECS_PER_SEC <= INT64_C(999999999999))
	{
		snprintf(buf, sizeof(buf), "%s%" PRId64 ".%06" PRId64, unix_us < 0 ? "-" : "",
				 a / INGEST_TS_USECS_PER_SEC, a % INGEST_TS_USECS_PER_SEC);
		CHECK(parse_str(buf) == v);
	}

	/* ISO 8601: in UTC, and at the zone offset */
	for (int z = 0; z < 2; z++)
	{
		int			off = z == 0 ? 0 : zone_minutes;
		int64_t		local = unix_us + (int64_t) off * 60 * INGEST_TS_USECS_PER_SEC;
		time_t		secs = (time_t) floor_div(local, INGEST_TS_USECS_PER_SEC);
		int64_t		us = local - (int64_t) secs * INGEST_TS_USECS_PER_SEC;
		struct tm	tm;
		int			aoff = off < 0 ? -off : off;

		if (gmtime_r(&secs, &tm) == NULL || tm.tm_year + 1900 < 1 ||
			tm.tm_year + 1900 > 9999)
			continue;
		if (z == 0)
			snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06" PRId64 "Z",
					 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
					 tm.tm_hour, tm.tm_min, tm.tm_sec, us);
		else
			snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d,%06" PRId64 "%c%02d:%02d",
					 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
					 tm.tm_hour, tm.tm_min, tm.tm_sec, us,
					 off < 0 ? '-' : '+', aoff / 60, aoff % 60);
		CHECK(parse_str(buf) == v);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int			len = size > 4096 ? 4096 : (int) size;
	char	   *s = malloc(len + 2);
	int64_t		v = 0,
				want = 0;
	bool		ok;
	bool		expect;
	unsigned	h = 0;

	CHECK(s != NULL);
	memcpy(s, data, len);
	s[len] = '\0';

	/* parse the exact bytes (no NUL terminator in reach of the parser) */
	{
		char	   *exact = malloc(len > 0 ? len : 1);

		CHECK(exact != NULL);
		memcpy(exact, data, len);
		ok = ingest_timestamp_core_parse(exact, len, &v);
		free(exact);
	}
	expect = oracle(s, len, &want);
	if (ok != expect || (ok && v != want))
	{
		fprintf(stderr, "parser %s %" PRId64 ", oracle %s %" PRId64 "\n",
				ok ? "accepts" : "rejects", v, expect ? "accepts" : "rejects", want);
		CHECK(ok == expect && (!ok || v == want));
	}
	if (ok)
	{
		CHECK(v >= INGEST_TS_MIN && v < INGEST_TS_END);
		for (int i = 0; i < len; i++)
			h = h * 31 + (unsigned char) s[i];
		/* an offset in [-15:59, +15:59] */
		check_round_trips(v, (int) (h % (2 * 959 + 1)) - 959);
	}

	/* trailing blanks are dropped */
	{
		int64_t		v2 = 0;

		s[len] = ' ';
		CHECK(ingest_timestamp_core_parse(s, len + 1, &v2) == ok);
		if (ok)
			CHECK(v2 == v);
	}
	free(s);
	return 0;
}
