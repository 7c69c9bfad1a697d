/*-------------------------------------------------------------------------
 *
 * ingest_timestamp_core.h
 *	  The server-free parser of event timestamps: ISO 8601 or epoch seconds,
 *	  into microseconds since 2000-01-01 00:00:00 UTC (PostgreSQL's
 *	  TimestampTz).
 *
 * This header and ingest_timestamp_core.c depend on the C library only, so
 * that the libFuzzer target in fuzz/ can link them without a server.  The
 * server calls them through ingest_parse_timestamp() (ingest_event.c),
 * which also checks at compile time that the constants below are
 * PostgreSQL's.
 *
 *-------------------------------------------------------------------------
 */
#ifndef INGEST_TIMESTAMP_CORE_H
#define INGEST_TIMESTAMP_CORE_H

#include <stdbool.h>
#include <stdint.h>

/* Microseconds per second and per day. */
#define INGEST_TS_USECS_PER_SEC		INT64_C(1000000)
#define INGEST_TS_USECS_PER_DAY		INT64_C(86400000000)

/* Seconds from the Unix epoch (1970-01-01) to PostgreSQL's (2000-01-01). */
#define INGEST_TS_EPOCH_OFFSET_SECS	INT64_C(946684800)

/*
 * The valid range of a PostgreSQL timestamp, MIN <= t < END
 * (MIN_TIMESTAMP and END_TIMESTAMP of datatype/timestamp.h).
 */
#define INGEST_TS_MIN				INT64_C(-211813488000000000)
#define INGEST_TS_END				INT64_C(9223371331200000000)

extern bool ingest_timestamp_core_parse(const char *s, int len, int64_t *out);

#endif							/* INGEST_TIMESTAMP_CORE_H */
