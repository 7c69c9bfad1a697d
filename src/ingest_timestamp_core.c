/*-------------------------------------------------------------------------
 *
 * ingest_timestamp_core.c
 *	  Parse the timestamp of an event (see ingest_timestamp_core.h): the
 *	  one parser of every timestamp field of the ingestion, with no server
 *	  and no error raised.
 *
 * Accepted (after trailing blanks are dropped):
 *
 *	  ISO 8601: YYYY-MM-DD[(T|t| )HH:MM[:SS[(.|,)F...]][Z|z|(+|-)HH[[:]MM]]]
 *		  a real date of year 0001-9999, hours 00-23, minutes and seconds
 *		  00-59, at least one fraction digit (the first six count, the
 *		  seventh rounds), zone offsets up to 15:59; no zone means UTC.
 *	  Epoch seconds: [-]S[.F...] since 1970-01-01 00:00:00 UTC, 1 to 12
 *		  digits S, any number of fraction digits (possibly none), rounded
 *		  at the seventh.
 *
 * and the result is within PostgreSQL's timestamp range.
 *
 *-------------------------------------------------------------------------
 */
#include "ingest_timestamp_core.h"

/*
 * Digits of a fixed width; -1 when not all digits.
 */
static int
fixed_digits(const char *s, int n)
{
	int			v = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * Is year y (>= 1, proleptic Gregorian) a leap year?
 */
static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/*
 * Days in month m (1-12) of year y.
 */
static int
days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return days[m - 1] + (m == 2 && is_leap(y));
}

/*
 * Days from 2000-01-01 to the valid date y-m-d (y >= 1).
 */
static int64_t
days_since_2000(int y, int m, int d)
{
	/* days before January 1 of year y, counted from 0001-01-01 */
	int64_t		py = y - 1;
	int64_t		days = py * 365 + py / 4 - py / 100 + py / 400;
	int			i;

	for (i = 1; i < m; i++)
		days += days_in_month(y, i);
	days += d - 1;
	/* 0001-01-01 is 730119 days before 2000-01-01 */
	return days - 730119;
}

/*
 * Parse "<seconds>[.<fraction>]" since the Unix epoch.
 */
static bool
parse_epoch(const char *s, int len, int64_t *out)
{
	int			i = 0;
	int64_t		secs = 0;
	int64_t		usecs = 0;
	int			ndig = 0;
	bool		neg = false;
	int64_t		result;

	if (len > 0 && s[0] == '-')
	{
		neg = true;
		i++;
	}
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
	{
		if (++ndig > 12)
			return false;
		secs = secs * 10 + (s[i] - '0');
	}
	if (ndig == 0)
		return false;
	if (i < len && s[i] == '.')
	{
		int			scale = 100000;

		i++;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		{
			if (scale > 0)
				usecs += (s[i] - '0') * scale;
			else if (scale == 0 && s[i] >= '5')
				usecs++;		/* round at the seventh digit */
			scale = (scale > 0) ? scale / 10 : -1;
		}
	}
	if (i != len)
		return false;
	if (neg)
	{
		secs = -secs;
		usecs = -usecs;
	}
	result = (secs - INGEST_TS_EPOCH_OFFSET_SECS) * INGEST_TS_USECS_PER_SEC + usecs;
	if (result < INGEST_TS_MIN || result >= INGEST_TS_END)
		return false;
	*out = result;
	return true;
}

/*
 * ingest_timestamp_core_parse
 *		Parse an event timestamp (the grammar is at the top of this file)
 *		into microseconds since 2000-01-01 UTC.  s[0..len) need not be
 *		NUL-terminated.  Returns false, and leaves *out alone, when s is not
 *		a valid timestamp.
 */
bool
ingest_timestamp_core_parse(const char *s, int len, int64_t *out)
{
	int			year,
				mon,
				mday;
	int			hour = 0,
				min = 0,
				sec = 0;
	int64_t		fsec = 0;
	int			i;
	int			offset = 0;
	int64_t		result;

	while (len > 0 && s[len - 1] == ' ')
		len--;
	if (len < 10 || s[4] != '-')
		return parse_epoch(s, len, out);

	year = fixed_digits(s, 4);
	mon = (s[7] == '-') ? fixed_digits(s + 5, 2) : -1;
	mday = fixed_digits(s + 8, 2);
	if (year < 1 || mon < 1 || mon > 12 || mday < 1 ||
		mday > days_in_month(year, mon))
		return false;
	i = 10;
	if (i < len && (s[i] == 'T' || s[i] == 't' || s[i] == ' '))
	{
		if (i + 6 > len || s[i + 3] != ':')
			return false;
		hour = fixed_digits(s + i + 1, 2);
		min = fixed_digits(s + i + 4, 2);
		i += 6;
		if (i < len && s[i] == ':')
		{
			if (i + 3 > len)
				return false;
			sec = fixed_digits(s + i + 1, 2);
			i += 3;
			if (i < len && (s[i] == '.' || s[i] == ','))
			{
				int			scale = 100000;
				int			ndig = 0;

				for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, ndig++)
				{
					if (ndig < 6)
					{
						fsec += (s[i] - '0') * scale;
						scale /= 10;
					}
					else if (ndig == 6 && s[i] >= '5')
						fsec++;
				}
				if (ndig == 0)
					return false;
			}
		}
		if (hour < 0 || hour > 23 || min < 0 || min > 59 ||
			sec < 0 || sec > 59)
			return false;
		if (i < len && (s[i] == 'Z' || s[i] == 'z'))
			i++;
		else if (i < len && (s[i] == '+' || s[i] == '-'))
		{
			int			sign = (s[i] == '+') ? 1 : -1;
			int			hh,
						mm = 0;
			bool		colon = false;

			if (i + 3 > len || (hh = fixed_digits(s + i + 1, 2)) < 0)
				return false;
			i += 3;
			if (i < len && s[i] == ':')
			{
				/* a colon must be followed by the minutes */
				i++;
				colon = true;
			}
			if (colon || i < len)
			{
				if (i + 2 > len || (mm = fixed_digits(s + i, 2)) < 0)
					return false;
				i += 2;
			}
			if (hh > 15 || mm > 59)
				return false;
			offset = sign * (hh * 3600 + mm * 60);
		}
	}
	if (i != len)
		return false;
	result = days_since_2000(year, mon, mday) * INGEST_TS_USECS_PER_DAY +
		((int64_t) (hour * 60 + min) * 60 + sec) * INGEST_TS_USECS_PER_SEC + fsec -
		(int64_t) offset * INGEST_TS_USECS_PER_SEC;
	if (result < INGEST_TS_MIN || result >= INGEST_TS_END)
		return false;
	*out = result;
	return true;
}
