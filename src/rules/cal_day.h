/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cal_day.h - dates as "day numbers": days since 1970-01-01 (a Thursday),
 * so that adding and comparing days is plain integer arithmetic; pure
 * arithmetic on the proleptic Gregorian calendar (Howard Hinnant's
 * days_from_civil / civil_from_days), no zone, no clock.
 *
 * Below both the calendar rules (cal.h, which includes this header) and
 * the holiday calendars (holiday.c), so that neither calls the other for
 * a date.
 *
 * Errors: cal_day_parse() returns -1 for anything but a real date
 * "YYYY-MM-DD" in CAL_MIN_DAY..CAL_MAX_DAY.
 */
#ifndef CADENCE_CAL_DAY_H
#define CADENCE_CAL_DAY_H

#include <stddef.h>
#include <stdint.h>

/* The range of dates the rules handle: 1900-01-01 .. 2499-12-31. libical
 * applies a zone's daylight-saving rule only up to about 2582; dates and
 * instants outside the range are refused as errors. */
#define CAL_MIN_DAY (-25567)             /* 1900-01-01 */
#define CAL_MAX_DAY 193578               /* 2499-12-31 */

int64_t cal_day_from_ymd(int year, int month, int day);
void cal_day_to_ymd(int64_t dayno, int *year, int *month, int *day);
/* 0 = Sunday ... 6 = Saturday. */
int cal_weekday(int64_t dayno);
/* 1 when y-m-d is a real date (2028-02-29 yes, 2027-02-29 no). */
int cal_day_ymd_valid(int year, int month, int day);
/* Parses exactly "YYYY-MM-DD" (a real date, CAL_MIN_DAY..CAL_MAX_DAY). 0 on success. */
int cal_day_parse(const char *s, int64_t *dayno);
/* Formats "YYYY-MM-DD" into buf (at least 11 bytes); returns buf. */
char *cal_day_format(int64_t dayno, char *buf, size_t len);

#endif
