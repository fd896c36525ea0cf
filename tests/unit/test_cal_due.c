/* SPDX-License-Identifier: BSD-2-Clause */
/* test_cal_due.c - unit tests for cal.c's follow-up days and sending
 * windows: next due across DST, steps due in a gap, a half-hour zone,
 * windows (crossing midnight too), holidays, leap days, weekends, rules
 * refused, no open day, a sequence's projection, and the edges
 * cadence-sequence(5) documents. Every expected instant is written out as
 * an ISO string (cal_fixture.h). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cal.h"
#include "cal_fixture.h"
#include "holiday.h"

static struct cal_rules rules(const char *zone, enum seq_days days, int ws, int we)
{
	struct cal_rules r;
	memset(&r, 0, sizeof(r));
	r.zone = Z(zone);
	r.days = days;
	r.window_start = ws;
	r.window_end = we;
	return r;
}

static cad_time_t next_due(const struct cal_rules *r, const char *prev, int days, int mins)
{
	struct cad_err err = { "" };
	cad_time_t out = 0;
	if (cal_next_due(r, T(prev), days, mins, &out, &err) != 0)
		fail_msg("cal_next_due: %s", err.msg);
	return out;
}

static cad_time_t next_open(const struct cal_rules *r, const char *t)
{
	struct cad_err err = { "" };
	cad_time_t out = 0;
	if (cal_next_open(r, T(t), &out, &err) != 0)
		fail_msg("cal_next_open: %s", err.msg);
	return out;
}

/* ---- follow-up days across DST ---- */

static void test_next_due_dst(void **state)
{
	struct cal_rules r;
	(void)state;

	/* One business day from Friday 10:00 EST is Monday 10:00 EDT: the same
	 * wall time, 71 hours later, not 72. */
	r = rules("America/New_York", SEQ_DAYS_BUSINESS, 8 * 60, 18 * 60);
	assert_time(next_due(&r, "2026-03-06T10:00:00-05:00", 1, 0), "2026-03-09T10:00:00-04:00");
	/* Back in the autumn: Friday 10:00 EDT -> Monday 10:00 EST. */
	assert_time(next_due(&r, "2026-10-30T10:00:00-04:00", 1, 0), "2026-11-02T10:00:00-05:00");

	r = rules("Europe/Berlin", SEQ_DAYS_BUSINESS, 8 * 60, 18 * 60);
	assert_time(next_due(&r, "2026-03-27T09:00:00+01:00", 1, 0), "2026-03-30T09:00:00+02:00");
	assert_time(next_due(&r, "2026-10-23T09:00:00+02:00", 1, 0), "2026-10-26T09:00:00+01:00");

	/* Sydney: summer time ends on the first Sunday of April, starts on the
	 * first Sunday of October. Every-day mode, 2 days. */
	r = rules("Australia/Sydney", SEQ_DAYS_EVERY, 8 * 60, 18 * 60);
	assert_time(next_due(&r, "2026-04-04T09:00:00+11:00", 2, 0), "2026-04-06T09:00:00+10:00");
	assert_time(next_due(&r, "2026-10-03T09:00:00+10:00", 2, 0), "2026-10-05T09:00:00+11:00");

	/* Hours on top of days count as elapsed time: 09:00 EST + 1 day keeps
	 * the wall time (09:00 EDT after the change), then + 3 h = 12:00 EDT. */
	r = rules("America/New_York", SEQ_DAYS_EVERY, 8 * 60, 18 * 60);
	assert_time(next_due(&r, "2026-03-07T09:00:00-05:00", 1, 180), "2026-03-08T12:00:00-04:00");
	/* Minutes only, across the gap: 23:00 EST + 4 h is 04:00 EDT, outside
	 * the window -> 08:00 EDT. */
	assert_time(next_due(&r, "2026-03-07T23:00:00-05:00", 0, 240), "2026-03-08T08:00:00-04:00");
}

static void test_step_due_in_gap(void **state)
{
	struct cal_rules r;
	(void)state;

	/* Whole-day window, every day: a step sent at 02:30 on Saturday and due
	 * one day later would be at 02:30 on Sunday, which does not exist in
	 * New York: it goes at 03:30 EDT. */
	r = rules("America/New_York", SEQ_DAYS_EVERY, 0, 0);
	assert_time(next_due(&r, "2026-03-07T02:30:00-05:00", 1, 0), "2026-03-08T03:30:00-04:00");
	/* The same in Berlin and Sydney. */
	r = rules("Europe/Berlin", SEQ_DAYS_EVERY, 0, 0);
	assert_time(next_due(&r, "2026-03-28T02:30:00+01:00", 1, 0), "2026-03-29T03:30:00+02:00");
	r = rules("Australia/Sydney", SEQ_DAYS_EVERY, 0, 0);
	assert_time(next_due(&r, "2026-10-03T02:15:00+10:00", 1, 0), "2026-10-04T03:15:00+11:00");
	/* A step sent in the second 01:30 (EST) with no day delay stays there
	 * (no trip through the wall clock back to the first 01:30). */
	assert_time(next_due(&r, "2026-11-01T01:30:00-05:00", 0, 0), "2026-11-01T01:30:00-05:00");
	assert_time(next_due(&r, "2026-11-01T01:30:00-05:00", 0, 10), "2026-11-01T01:40:00-05:00");
	/* In the overlap: the first 01:30. */
	r = rules("America/New_York", SEQ_DAYS_EVERY, 0, 0);
	assert_time(next_due(&r, "2026-10-31T01:30:00-04:00", 1, 0), "2026-11-01T01:30:00-04:00");

	/* A window that opens inside the gap (02:00-04:00) opens when the clock
	 * jumps, at 03:00 EDT, and a step due then goes at once. */
	r = rules("America/New_York", SEQ_DAYS_EVERY, 2 * 60, 4 * 60);
	assert_time(next_open(&r, "2026-03-08T01:00:00-05:00"), "2026-03-08T03:00:00-04:00");
	assert_time(next_open(&r, "2026-03-08T03:10:00-04:00"), "2026-03-08T03:10:00-04:00");
	assert_time(next_open(&r, "2026-03-08T04:00:00-04:00"), "2026-03-09T02:00:00-04:00");
}

static void test_half_hour_zone(void **state)
{
	struct cal_rules r = rules("Asia/Kolkata", SEQ_DAYS_WEEKDAYS, 9 * 60, 18 * 60);
	(void)state;
	/* 08:30 IST is before the window: 09:00 IST = 03:30Z. */
	assert_time(next_open(&r, "2026-12-01T03:00:00Z"), "2026-12-01T03:30:00Z");
	assert_true(cal_window_open(&r, T("2026-12-01T03:30:00Z")));
	assert_false(cal_window_open(&r, T("2026-12-01T03:29:59Z")));
	/* 18:00 IST (12:30Z) closes it. */
	assert_true(cal_window_open(&r, T("2026-12-01T12:29:59Z")));
	assert_false(cal_window_open(&r, T("2026-12-01T12:30:00Z")));
	assert_time(next_open(&r, "2026-12-01T12:30:00Z"), "2026-12-02T09:00:00+05:30");
	/* Friday evening -> Monday morning. */
	assert_time(next_open(&r, "2026-12-04T19:00:00+05:30"), "2026-12-07T09:00:00+05:30");
}

/* ---- windows ---- */

static void test_window_basic(void **state)
{
	struct cal_rules r = rules("Europe/Berlin", SEQ_DAYS_WEEKDAYS, 8 * 60, 18 * 60);
	(void)state;

	/* The first step of a fresh enrollment goes at once when open. */
	assert_time(next_open(&r, "2026-12-01T10:15:07+01:00"), "2026-12-01T10:15:07+01:00");
	/* Before and after the window; the end is exclusive. */
	assert_time(next_open(&r, "2026-12-01T07:59:59+01:00"), "2026-12-01T08:00:00+01:00");
	assert_time(next_open(&r, "2026-12-01T18:00:00+01:00"), "2026-12-02T08:00:00+01:00");
	assert_true(cal_window_open(&r, T("2026-12-01T17:59:59+01:00")));
	assert_false(cal_window_open(&r, T("2026-12-01T18:00:00+01:00")));
	/* Weekends are closed days. */
	assert_time(next_open(&r, "2026-12-05T10:00:00+01:00"), "2026-12-07T08:00:00+01:00");
	assert_time(next_open(&r, "2026-12-04T18:30:00+01:00"), "2026-12-07T08:00:00+01:00");
	/* Every day: Saturday is open. */
	r.days = SEQ_DAYS_EVERY;
	assert_time(next_open(&r, "2026-12-05T10:00:00+01:00"), "2026-12-05T10:00:00+01:00");
	/* Whole-day window (start == end). */
	r.window_start = r.window_end = 0;
	assert_true(cal_window_open(&r, T("2026-12-05T23:59:59+01:00")));
	r.days = SEQ_DAYS_WEEKDAYS;
	assert_time(next_open(&r, "2026-12-05T12:00:00+01:00"), "2026-12-07T00:00:00+01:00");
}

static void test_window_across_midnight(void **state)
{
	/* 22:00-06:00, weekdays: each window belongs to the day it starts on. */
	struct cal_rules r = rules("Europe/Berlin", SEQ_DAYS_WEEKDAYS, 22 * 60, 6 * 60);
	(void)state;

	assert_true(cal_window_open(&r, T("2026-12-04T23:00:00+01:00")));   /* Fri night */
	assert_true(cal_window_open(&r, T("2026-12-05T03:00:00+01:00")));   /* Friday's window */
	assert_true(cal_window_open(&r, T("2026-12-05T05:59:59+01:00")));
	assert_false(cal_window_open(&r, T("2026-12-05T06:00:00+01:00")));  /* end exclusive */
	assert_false(cal_window_open(&r, T("2026-12-05T22:00:00+01:00")));  /* Saturday's: closed */
	assert_false(cal_window_open(&r, T("2026-12-07T03:00:00+01:00")));  /* Sunday's: closed */
	assert_false(cal_window_open(&r, T("2026-12-07T12:00:00+01:00")));
	assert_time(next_open(&r, "2026-12-05T07:00:00+01:00"), "2026-12-07T22:00:00+01:00");
	assert_time(next_open(&r, "2026-12-07T03:00:00+01:00"), "2026-12-07T22:00:00+01:00");
	assert_time(next_open(&r, "2026-12-08T02:00:00+01:00"), "2026-12-08T02:00:00+01:00");
	/* Due at 06:30 on Tuesday (outside): Tuesday 22:00. */
	assert_time(next_open(&r, "2026-12-08T06:30:00+01:00"), "2026-12-08T22:00:00+01:00");
	/* A night window across the spring-forward night in New York:
	 * Saturday 22:00 EST to Sunday 06:00 EDT is 7 hours long. */
	r = rules("America/New_York", SEQ_DAYS_EVERY, 22 * 60, 6 * 60);
	assert_true(cal_window_open(&r, T("2026-03-08T05:59:59-04:00")));
	assert_false(cal_window_open(&r, T("2026-03-08T06:00:00-04:00")));
	/* One day after 23:00 Friday is 23:00 Saturday, in that window. */
	assert_time(next_due(&r, "2026-03-06T23:00:00-05:00", 1, 0), "2026-03-07T23:00:00-05:00");
}

/* ---- holidays ---- */

static void us_holidays(struct holiday_list *sel)
{
	static const char txt[] =
		"2026-07-03 Independence Day (observed)\n"
		"2026-11-26 Thanksgiving Day\n"
		"2026-12-25 Christmas Day\n";
	struct holiday_list all;
	struct cad_err err = { "" };

	holiday_list_init(&all);
	holiday_list_init(sel);
	if (holiday_parse_text("us", txt, sizeof(txt) - 1, "us.txt", &all, &err) != 0)
		fail_msg("%s", err.msg);
	holiday_select(all.v, all.n, "us", sel);
	holiday_list_free(&all);
}

static void test_holiday_on_friday(void **state)
{
	struct holiday_list h;
	struct cal_rules r = rules("America/New_York", SEQ_DAYS_BUSINESS, 8 * 60, 18 * 60);
	struct cad_err err = { "" };
	int64_t day;
	char buf[16];
	cad_time_t t;
	(void)state;

	us_holidays(&h);
	r.holidays = h.v;
	r.nholidays = h.n;
	/* Friday 2026-07-03 is a holiday: 1 business day from Thursday lands on Monday. */
	assert_false(cal_day_open(&r, D("2026-07-03")));
	assert_time(next_due(&r, "2026-07-02T10:00:00-04:00", 1, 0), "2026-07-06T10:00:00-04:00");
	/* 2 business days from Wednesday: Thursday, then Monday. */
	assert_time(next_due(&r, "2026-07-01T10:00:00-04:00", 2, 0), "2026-07-06T10:00:00-04:00");
	/* Christmas 2026 is a Friday too. */
	assert_time(next_due(&r, "2026-12-24T11:00:00-05:00", 1, 0), "2026-12-28T11:00:00-05:00");
	/* Due on the holiday itself (0 days): skipped like a closed day. */
	assert_time(next_open(&r, "2026-07-03T09:00:00-04:00"), "2026-07-06T08:00:00-04:00");
	/* Weekdays mode ignores holidays. */
	r.days = SEQ_DAYS_WEEKDAYS;
	assert_time(next_due(&r, "2026-07-02T10:00:00-04:00", 1, 0), "2026-07-03T10:00:00-04:00");
	r.days = SEQ_DAYS_BUSINESS;

	/* Out of office until Thursday 2026-07-02: resume the business day
	 * after, at the opening of the window. */
	assert_int_equal(cal_open_day_after(&r, D("2026-07-02"), &day, &err), 0);
	assert_string_equal(cal_day_format(day, buf, sizeof(buf)), "2026-07-06");
	assert_int_equal(cal_resume_after(&r, D("2026-07-02"), &t, &err), 0);
	assert_time(t, "2026-07-06T08:00:00-04:00");
	/* Back on a Wednesday: Thursday. */
	assert_int_equal(cal_open_day_after(&r, D("2026-07-01"), &day, &err), 0);
	assert_string_equal(cal_day_format(day, buf, sizeof(buf)), "2026-07-02");
	holiday_list_free(&h);
}

static void test_leap_day(void **state)
{
	struct cal_rules r = rules("UTC", SEQ_DAYS_EVERY, 0, 0);
	(void)state;
	assert_time(next_due(&r, "2028-02-28T10:00:00Z", 1, 0), "2028-02-29T10:00:00Z");
	assert_time(next_due(&r, "2028-02-28T10:00:00Z", 2, 0), "2028-03-01T10:00:00Z");
	assert_time(next_due(&r, "2027-02-28T10:00:00Z", 1, 0), "2027-03-01T10:00:00Z");
	/* Business days: Monday 2028-02-28 + 1 = Tuesday 2028-02-29; Friday
	 * 2028-02-25 + 2 = Tuesday 2028-02-29. */
	r = rules("America/New_York", SEQ_DAYS_BUSINESS, 8 * 60, 18 * 60);
	assert_time(next_due(&r, "2028-02-28T09:00:00-05:00", 1, 0), "2028-02-29T09:00:00-05:00");
	assert_time(next_due(&r, "2028-02-25T09:00:00-05:00", 2, 0), "2028-02-29T09:00:00-05:00");
	/* 366 days from 2028-01-01 is 2029-01-01. */
	r = rules("UTC", SEQ_DAYS_EVERY, 0, 0);
	assert_time(next_due(&r, "2028-01-01T12:00:00Z", 366, 0), "2029-01-01T12:00:00Z");
}

static void test_weekends(void **state)
{
	struct cal_rules r = rules("America/New_York", SEQ_DAYS_WEEKDAYS, 8 * 60, 18 * 60);
	(void)state;
	/* Friday + 1 weekday = Monday; Saturday + 1 = Monday; Sunday + 0 = Monday 08:00. */
	assert_time(next_due(&r, "2026-12-04T15:00:00-05:00", 1, 0), "2026-12-07T15:00:00-05:00");
	assert_time(next_due(&r, "2026-12-05T15:00:00-05:00", 1, 0), "2026-12-07T15:00:00-05:00");
	assert_time(next_due(&r, "2026-12-06T15:00:00-05:00", 0, 0), "2026-12-07T08:00:00-05:00");
	/* 5 weekdays = one calendar week. */
	assert_time(next_due(&r, "2026-12-02T09:00:00-05:00", 5, 0), "2026-12-09T09:00:00-05:00");
	/* Every-day mode: Saturday counts. */
	r.days = SEQ_DAYS_EVERY;
	assert_time(next_due(&r, "2026-12-04T15:00:00-05:00", 1, 0), "2026-12-05T15:00:00-05:00");
	/* Late in the day + 1 day: still in the window. Past it: next morning. */
	r.days = SEQ_DAYS_WEEKDAYS;
	assert_time(next_due(&r, "2026-12-01T17:30:00-05:00", 0, 45), "2026-12-02T08:00:00-05:00");
}

static void test_bad_rules(void **state)
{
	struct cal_rules r = rules("UTC", SEQ_DAYS_EVERY, 8 * 60, 18 * 60);
	struct cad_err err = { "" };
	cad_time_t out;
	(void)state;

	r.window_start = 1441;
	assert_int_equal(cal_next_open(&r, T("2026-12-01T00:00:00Z"), &out, &err), -1);
	assert_non_null(strstr(err.msg, "window start 1441"));
	r.window_start = 480;
	assert_int_equal(cal_next_due(&r, T("2026-12-01T00:00:00Z"), -1, 0, &out, &err), -1);
	assert_non_null(strstr(err.msg, "delay of -1 days"));
	assert_int_equal(cal_next_due(&r, T("2026-12-01T00:00:00Z"), 0, -5, &out, &err), -1);
	/* Instants outside 1900-2499 are refused, not overflowed. */
	assert_int_equal(cal_next_open(&r, INT64_MAX, &out, &err), -1);
	assert_non_null(strstr(err.msg, "outside the calendar's range"));
	assert_int_equal(cal_next_due(&r, INT64_MIN, 1, 0, &out, &err), -1);
	assert_int_equal(cal_next_due(&r, T("2499-12-30T00:00:00Z"), 0, 0, &out, &err), 0);
	assert_int_equal(cal_resume_after(&r, INT64_MAX / 2, &out, &err), -1);
	r.zone = NULL;
	assert_int_equal(cal_next_open(&r, T("2026-12-01T00:00:00Z"), &out, &err), -1);
	assert_false(cal_window_open(&r, T("2026-12-01T00:00:00Z")));
}

/* Business days with every weekday a holiday for years: a clear error. */
static void test_no_open_day(void **state)
{
	struct holiday_list h;
	struct cal_rules r = rules("UTC", SEQ_DAYS_BUSINESS, 8 * 60, 18 * 60);
	struct cad_err err = { "" };
	cad_time_t out;
	char buf[16];
	(void)state;

	holiday_list_init(&h);
	for (int64_t d = D("2026-01-01"); d < D("2029-12-31"); d++)
		holiday_list_add(&h, "x", cal_day_format(d, buf, sizeof(buf)), "closed");
	holiday_list_sort(&h);
	r.holidays = h.v;
	r.nholidays = h.n;
	assert_int_equal(cal_next_open(&r, T("2026-02-01T00:00:00Z"), &out, &err), -1);
	assert_non_null(strstr(err.msg, "no open sending window"));
	assert_int_equal(cal_next_due(&r, T("2026-02-01T00:00:00Z"), 1, 0, &out, &err), -1);
	holiday_list_free(&h);
}

static void test_project(void **state)
{
	struct step steps[4];
	cad_time_t due[4];
	struct cad_err err = { "" };
	struct cal_rules r = rules("Europe/Berlin", SEQ_DAYS_BUSINESS, 9 * 60, 17 * 60);
	(void)state;

	memset(steps, 0, sizeof(steps));
	steps[1].delay_days = 2;
	steps[2].delay_days = 3;
	steps[3].delay_minutes = 90;
	/* Enrolled on Saturday evening: step 1 Monday 09:00, step 2 two
	 * business days later, step 3 three more, step 4 ninety minutes after. */
	assert_int_equal(cal_project(&r, T("2026-12-05T19:00:00+01:00"), steps, 4, due, &err), 0);
	assert_time(due[0], "2026-12-07T09:00:00+01:00");
	assert_time(due[1], "2026-12-09T09:00:00+01:00");
	assert_time(due[2], "2026-12-14T09:00:00+01:00");
	assert_time(due[3], "2026-12-14T10:30:00+01:00");
	steps[2].delay_days = -1;
	assert_int_equal(cal_project(&r, T("2026-12-05T19:00:00+01:00"), steps, 4, due, &err), -1);
	assert_non_null(strstr(err.msg, "step 3: delay of -1 days"));
}

/* Issue #12's documented edges (cadence-sequence(5), DELAYS AND WINDOWS):
 * a window opening inside a DST gap opens as far past the jump as its
 * start is past the gap's start; the end minute is exclusive; day delays
 * landing on a skipped or doubled wall time; step 1's delay counted from
 * the enrollment, which keeps its time of day. */
static void test_documented_edges(void **state)
{
	struct cal_rules r;
	(void)state;

	/* 02:30-06:00 in New York on 8 March 2026 (02:00 -> 03:00): 02:30 does
	 * not exist and reads as 03:30 EDT; at 03:10 the window is not open
	 * yet, though the wall clock is past 02:30. The next day is normal. */
	r = rules("America/New_York", SEQ_DAYS_EVERY, 2 * 60 + 30, 6 * 60);
	assert_time(next_open(&r, "2026-03-08T01:00:00-05:00"), "2026-03-08T03:30:00-04:00");
	assert_false(cal_window_open(&r, T("2026-03-08T03:10:00-04:00")));
	assert_true(cal_window_open(&r, T("2026-03-08T03:30:00-04:00")));
	assert_time(next_open(&r, "2026-03-08T06:00:00-04:00"), "2026-03-09T02:30:00-04:00");
	/* In the fall-back overlap a window opening at 01:30 opens at the
	 * first 01:30 (EDT). */
	r = rules("America/New_York", SEQ_DAYS_EVERY, 90, 5 * 60);
	assert_time(next_open(&r, "2026-11-01T00:00:00-04:00"), "2026-11-01T01:30:00-04:00");

	/* The end minute is exclusive: 17:59:59 is in, 18:00:00 waits for the
	 * next open day; so does a window ending at 24:00 at midnight. */
	r = rules("Europe/Berlin", SEQ_DAYS_BUSINESS, 8 * 60, 18 * 60);
	assert_true(cal_window_open(&r, T("2026-12-04T17:59:59+01:00")));
	assert_time(next_open(&r, "2026-12-04T18:00:00+01:00"), "2026-12-07T08:00:00+01:00");
	r = rules("Europe/Berlin", SEQ_DAYS_EVERY, 20 * 60, 24 * 60);
	assert_true(cal_window_open(&r, T("2026-12-04T23:59:59+01:00")));
	assert_time(next_open(&r, "2026-12-05T00:00:00+01:00"), "2026-12-05T20:00:00+01:00");

	/* Step 1's delay counts from the enrollment and keeps its time of
	 * day: enrolled Friday 16:00 with one business day, due Monday 16:00;
	 * enrolled Friday 20:00 (outside the window), Monday 20:00 is outside
	 * it too: Tuesday 08:00, not Monday 08:00. */
	r = rules("Europe/Berlin", SEQ_DAYS_BUSINESS, 8 * 60, 18 * 60);
	assert_time(next_due(&r, "2026-12-04T16:00:00+01:00", 1, 0), "2026-12-07T16:00:00+01:00");
	assert_time(next_due(&r, "2026-12-04T20:00:00+01:00", 1, 0), "2026-12-08T08:00:00+01:00");
	/* Hours only count elapsed time, across the night and the weekend's
	 * closed days alike: Friday 17:00 + 2 h is Friday 19:00, closed, so
	 * Monday 08:00. */
	assert_time(next_due(&r, "2026-12-04T17:00:00+01:00", 0, 120), "2026-12-07T08:00:00+01:00");

	/* A day delay landing on a skipped wall time goes as far past the jump
	 * (02:30 -> 03:30 EDT), on a doubled one at its first occurrence. */
	r = rules("America/New_York", SEQ_DAYS_EVERY, 0, 0);
	assert_time(next_due(&r, "2026-03-07T02:30:00-05:00", 1, 0), "2026-03-08T03:30:00-04:00");
	assert_time(next_due(&r, "2026-10-31T01:30:00-04:00", 1, 0), "2026-11-01T01:30:00-04:00");
	/* A whole day of elapsed minutes across the gap is 24 real hours. */
	assert_time(next_due(&r, "2026-03-07T12:00:00-05:00", 0, 24 * 60), "2026-03-08T13:00:00-04:00");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_next_due_dst),
		cmocka_unit_test(test_step_due_in_gap),
		cmocka_unit_test(test_half_hour_zone),
		cmocka_unit_test(test_window_basic),
		cmocka_unit_test(test_window_across_midnight),
		cmocka_unit_test(test_holiday_on_friday),
		cmocka_unit_test(test_leap_day),
		cmocka_unit_test(test_weekends),
		cmocka_unit_test(test_bad_rules),
		cmocka_unit_test(test_no_open_day),
		cmocka_unit_test(test_project),
		cmocka_unit_test(test_documented_edges),
	};
	return cmocka_run_group_tests(tests, NULL, cfx_teardown);
}
