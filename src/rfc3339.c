/* SPDX-License-Identifier: ISC */
/*
 * rfc3339: the timestamp parser and formatter.  See rfc3339.h.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rfc3339.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Exactly `n` decimal digits at s → *v. */
static bool
digits(const char *s, size_t n, unsigned *v)
{
	unsigned acc = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		acc = acc * 10 + (unsigned)(s[i] - '0');
	}
	*v = acc;
	return true;
}

int
rfc3339_parse(const char *s, time_t *ret)
{
	static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	unsigned y, mo, d, h, mi, sec;
	size_t len;
	const char *p;
	int64_t t;

	if (s == NULL)
		return -EINVAL;
	len = strlen(s);
	if (len < 20 || len > 40 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) || s[10] != 'T' || !digits(s + 11, 2, &h) ||
	    s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &sec))
		return -EINVAL;
	p = s + 19;
	if (*p == '.') {
		size_t nd = 0;

		for (p++; *p >= '0' && *p <= '9'; p++)
			nd++;
		if (nd == 0 || nd > 9)
			return -EINVAL;
	}
	if (strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0)
		return -EINVAL;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 ||
	    sec > 59)
		return -EINVAL;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -EINVAL;
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	if ((int64_t)(time_t)t != t)
		return -EINVAL;
	*ret = (time_t)t;
	return 0;
}

bool
rfc3339_format(time_t t, char out[RFC3339_SIZE])
{
	struct tm tm;

	out[0] = '\0';
	if (t <= 0 || gmtime_r(&t, &tm) == NULL || tm.tm_year > 9999 - 1900)
		return false;
	return strftime(out, RFC3339_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm) == RFC3339_SIZE - 1;
}

bool
rfc3339_format_ms(const struct timespec *ts, char out[RFC3339_MS_SIZE])
{
	char sec[RFC3339_SIZE];

	out[0] = '\0';
	if (ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L || !rfc3339_format(ts->tv_sec, sec))
		return false;
	/* "…:SS" + ".mmm" + "Z": the seconds form without its "Z". */
	return snprintf(out, RFC3339_MS_SIZE, "%.19s.%03ldZ", sec, ts->tv_nsec / 1000000L) ==
	       RFC3339_MS_SIZE - 1;
}
