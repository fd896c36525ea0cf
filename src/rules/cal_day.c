/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cal_day.c - dates as day numbers (pure arithmetic, proleptic Gregorian):
 * see cal_day.h. Calls nothing of the calendar's or the holidays' (both
 * build on it).
 */
#include "cal_day.h"

#include <stdio.h>

/* Howard Hinnant's days_from_civil / civil_from_days (public domain
 * algorithms), exact for the proleptic Gregorian calendar. */
int64_t cal_day_from_ymd(int year, int month, int day)
{
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (month + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void cal_day_to_ymd(int64_t dayno, int *year, int *month, int *day)
{
	int64_t z = dayno + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	*year = (int)(y + (m <= 2));
	*month = (int)m;
	*day = (int)d;
}

int cal_weekday(int64_t dayno)
{
	/* 1970-01-01 was a Thursday (4). */
	int64_t w = (dayno + 4) % 7;
	return (int)(w < 0 ? w + 7 : w);
}

int cal_day_ymd_valid(int year, int month, int day)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (month < 1 || month > 12 || day < 1)
		return 0;
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	int max = mdays[month - 1] + (month == 2 && leap);
	return day <= max;
}

int cal_day_parse(const char *s, int64_t *dayno)
{
	int v[3] = { 0, 0, 0 };
	static const int width[3] = { 4, 2, 2 };
	const char *p = s;
	if (s == NULL)
		return -1;
	for (int f = 0; f < 3; f++) {
		for (int i = 0; i < width[f]; i++, p++) {
			if (*p < '0' || *p > '9')
				return -1;
			v[f] = v[f] * 10 + (*p - '0');
		}
		if (f < 2 && *p++ != '-')
			return -1;
	}
	if (*p != '\0' || !cal_day_ymd_valid(v[0], v[1], v[2]))
		return -1;
	*dayno = cal_day_from_ymd(v[0], v[1], v[2]);
	return *dayno >= CAL_MIN_DAY && *dayno <= CAL_MAX_DAY ? 0 : -1;
}

char *cal_day_format(int64_t dayno, char *buf, size_t len)
{
	int y, m, d;
	cal_day_to_ymd(dayno, &y, &m, &d);
	snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
	return buf;
}
