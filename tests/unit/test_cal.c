/* SPDX-License-Identifier: BSD-2-Clause */
/* test_cal.c - unit tests for cal.c's dates and zones: day numbers, zone
 * names and errors, zone choice, local time both ways (DST gaps and
 * overlaps in three hemispheres' rules), concurrent use from threads, and
 * the reps' daily digest time. Every expected instant is written out as an
 * ISO string (cal_fixture.h). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <string.h>

#include "cal.h"
#include "cal_fixture.h"

/* ---- dates ---- */

static void test_dates(void **state)
{
	int y, m, d;
	char buf[16];
	int64_t x;
	(void)state;

	assert_int_equal(cal_day_from_ymd(1970, 1, 1), 0);
	assert_int_equal(cal_weekday(0), 4);                       /* Thursday */
	assert_int_equal(cal_weekday(D("2026-12-25")), 5);         /* Friday */
	assert_int_equal(cal_weekday(D("1969-12-31")), 3);         /* before the epoch */
	for (int64_t i = -800000; i < 800000; i += 37) {
		cal_day_to_ymd(i, &y, &m, &d);
		assert_true(cal_day_ymd_valid(y, m, d));
		assert_int_equal(cal_day_from_ymd(y, m, d), i);
	}
	/* Leap years: divisible by 4, not by 100 unless by 400. */
	assert_true(cal_day_ymd_valid(2028, 2, 29));
	assert_false(cal_day_ymd_valid(2027, 2, 29));
	assert_false(cal_day_ymd_valid(2100, 2, 29));
	assert_true(cal_day_ymd_valid(2000, 2, 29));
	assert_int_equal(D("2028-03-01") - D("2028-02-28"), 2);
	assert_int_equal(cal_weekday(D("2028-02-29")), 2);         /* Tuesday */
	assert_string_equal(cal_day_format(D("2028-02-29"), buf, sizeof(buf)), "2028-02-29");

	assert_int_equal(cal_day_parse("2026-02-30", &x), -1);
	assert_int_equal(cal_day_parse("2026-1-01", &x), -1);
	assert_int_equal(cal_day_parse("2026-01-01x", &x), -1);
	assert_int_equal(cal_day_parse("2026/01/01", &x), -1);
	assert_int_equal(cal_day_parse("", &x), -1);
	assert_int_equal(cal_day_parse(NULL, &x), -1);
	assert_int_equal(cal_day_parse("1899-12-31", &x), -1);
	assert_int_equal(cal_day_parse("2500-01-01", &x), -1);
	assert_int_equal(cal_day_parse("2499-12-31", &x), 0);
}

/* ---- zones ---- */

static void test_zone_errors(void **state)
{
	struct cad_err err = { "" };
	(void)state;

	assert_null(cal_zone_get("Mars/Olympus", &err));
	assert_non_null(strstr(err.msg, "\"Mars/Olympus\" is not in the system time-zone database"));
	assert_null(cal_zone_get("Europe/Berln", &err));
	assert_null(cal_zone_get("../../etc/passwd", &err));
	assert_null(cal_zone_get("", &err));
	assert_null(cal_zone_get(NULL, &err));
	/* The same zone twice is the same object. */
	assert_ptr_equal(Z("Europe/Berlin"), Z("Europe/Berlin"));
	assert_string_equal(cal_zone_name(Z("Europe/Berlin")), "Europe/Berlin");
	/* A link that zone.tab leaves out is still read from the tz database. */
	assert_int_equal(cal_utc_offset(Z("Asia/Calcutta"), T("2026-06-01T00:00:00Z")), 19800);
	assert_int_equal(cal_utc_offset(Z("UTC"), T("2026-06-01T00:00:00Z")), 0);
}

static void test_zone_choose(void **state)
{
	struct cad_err err = { "" };
	const struct cal_zone *z;
	(void)state;

	z = cal_zone_choose("Asia/Kolkata", "Europe/Berlin", "America/New_York", &err);
	assert_string_equal(cal_zone_name(z), "Asia/Kolkata");
	/* A contact with no time zone: the sequence's default, else the rep's. */
	z = cal_zone_choose(NULL, "Europe/Berlin", "America/New_York", &err);
	assert_string_equal(cal_zone_name(z), "Europe/Berlin");
	z = cal_zone_choose("", NULL, "America/New_York", &err);
	assert_string_equal(cal_zone_name(z), "America/New_York");
	/* An invalid zone is an error naming it and its source, never UTC. */
	z = cal_zone_choose("Mars/Olympus", "Europe/Berlin", "America/New_York", &err);
	assert_null(z);
	assert_non_null(strstr(err.msg, "the contact's time zone"));
	assert_non_null(strstr(err.msg, "Mars/Olympus"));
	z = cal_zone_choose(NULL, "Europe/Berln", "America/New_York", &err);
	assert_null(z);
	assert_non_null(strstr(err.msg, "the sequence's default time zone"));
	z = cal_zone_choose(NULL, NULL, NULL, &err);
	assert_null(z);
	assert_non_null(strstr(err.msg, "no time zone"));
}

static void test_to_local(void **state)
{
	struct cal_tm lt;
	(void)state;

	/* New York springs forward at 02:00 EST on 2026-03-08. */
	cal_to_local(Z("America/New_York"), T("2026-03-08T06:59:59Z"), &lt);
	assert_int_equal(lt.hour, 1);
	assert_int_equal(lt.min, 59);
	assert_int_equal(lt.utc_offset, -18000);
	cal_to_local(Z("America/New_York"), T("2026-03-08T07:00:00Z"), &lt);
	assert_int_equal(lt.hour, 3);
	assert_int_equal(lt.min, 0);
	assert_int_equal(lt.utc_offset, -14400);
	assert_int_equal(lt.wday, 0);
	/* Sydney's local date is ahead of UTC's. */
	cal_to_local(Z("Australia/Sydney"), T("2026-12-31T13:30:00Z"), &lt);
	assert_int_equal(lt.year, 2027);
	assert_int_equal(lt.month, 1);
	assert_int_equal(lt.day, 1);
	assert_int_equal(lt.hour, 0);
	assert_int_equal(lt.min, 30);
	/* A half-hour zone. */
	cal_to_local(Z("Asia/Kolkata"), T("2026-12-01T03:30:00Z"), &lt);
	assert_int_equal(lt.hour, 9);
	assert_int_equal(lt.min, 0);
	assert_int_equal(lt.utc_offset, 19800);
	/* Far in the future the zone's rule still applies (summer time). */
	assert_int_equal(cal_utc_offset(Z("America/New_York"), T("2100-07-01T12:00:00Z")), -14400);
	assert_int_equal(cal_utc_offset(Z("America/New_York"), T("2100-01-01T12:00:00Z")), -18000);
	assert_int_equal(cal_utc_offset(Z("Europe/Berlin"), T("2099-07-01T12:00:00Z")), 7200);
	assert_int_equal(cal_utc_offset(Z("Australia/Sydney"), T("2099-01-01T12:00:00Z")), 39600);
}

static void test_from_local_gap(void **state)
{
	(void)state;
	/* 02:30 does not exist: moved forward by the gap, to 03:30 summer time. */
	assert_time(cal_from_local(Z("America/New_York"), D("2026-03-08"), 2 * 3600 + 1800),
	            "2026-03-08T03:30:00-04:00");
	assert_time(cal_from_local(Z("Europe/Berlin"), D("2026-03-29"), 2 * 3600 + 1800),
	            "2026-03-29T03:30:00+02:00");
	assert_time(cal_from_local(Z("Australia/Sydney"), D("2026-10-04"), 2 * 3600 + 1800),
	            "2026-10-04T03:30:00+11:00");
	/* A half-hour change (Lord Howe Island: 02:00 -> 02:30 +11:00). */
	assert_time(cal_from_local(Z("Australia/Lord_Howe"), D("2026-10-04"), 2 * 3600 + 900),
	            "2026-10-04T02:45:00+11:00");
	/* A whole day skipped (Samoa crossed the date line: 2011-12-30 never
	 * happened in Apia): moved forward by the gap, a day. */
	assert_time(cal_from_local(Z("Pacific/Apia"), D("2011-12-30"), 12 * 3600),
	            "2011-12-31T12:00:00+14:00");
	/* The edges of the gap. */
	assert_time(cal_from_local(Z("America/New_York"), D("2026-03-08"), 2 * 3600),
	            "2026-03-08T03:00:00-04:00");
	assert_time(cal_from_local(Z("America/New_York"), D("2026-03-08"), 3 * 3600),
	            "2026-03-08T03:00:00-04:00");
	assert_time(cal_from_local(Z("America/New_York"), D("2026-03-08"), 2 * 3600 - 1),
	            "2026-03-08T01:59:59-05:00");
}

static void test_from_local_overlap(void **state)
{
	(void)state;
	/* 01:30 happens twice: the first occurrence (still summer time). */
	assert_time(cal_from_local(Z("America/New_York"), D("2026-11-01"), 1 * 3600 + 1800),
	            "2026-11-01T01:30:00-04:00");
	assert_time(cal_from_local(Z("Europe/Berlin"), D("2026-10-25"), 2 * 3600 + 1800),
	            "2026-10-25T02:30:00+02:00");
	assert_time(cal_from_local(Z("Australia/Sydney"), D("2026-04-05"), 2 * 3600 + 1800),
	            "2026-04-05T02:30:00+11:00");
	/* Just after the overlap: only standard time. */
	assert_time(cal_from_local(Z("America/New_York"), D("2026-11-01"), 2 * 3600),
	            "2026-11-01T02:00:00-05:00");
	assert_time(cal_from_local(Z("Asia/Kolkata"), D("2026-12-01"), 9 * 3600),
	            "2026-12-01T09:00:00+05:30");
	/* Midnight at the end of the day is the next day's start. */
	assert_time(cal_from_local(Z("Europe/Berlin"), D("2026-12-31"), 86400),
	            "2027-01-01T00:00:00+01:00");
}

/* ---- threads ---- */

#define CAL_ARRAY_LEN_T 8

struct thr_arg {
	const char *zone;
	int bad;
};

static void *thr_main(void *p)
{
	struct thr_arg *a = p;
	struct cad_err err = { "" };
	/* Each thread asks for its zone by name (first use loads it) and
	 * converts back and forth over ten years. */
	const struct cal_zone *z = cal_zone_get(a->zone, &err);
	if (z == NULL) {
		a->bad++;
		return NULL;
	}
	for (cad_time_t t = 1767225600; t < 1767225600 + 10LL * 366 * 86400; t += 86400 + 3607) {
		struct cal_tm lt;
		cal_to_local(z, t, &lt);
		if (cal_from_local(z, lt.dayno, lt.hour * 3600 + lt.min * 60 + lt.sec) != t &&
		    lt.utc_offset == cal_utc_offset(z, t - 7200))  /* not in an overlap */
			a->bad++;
	}
	return NULL;
}

static void test_threads(void **state)
{
	static const char *zones[] = { "America/Chicago", "Europe/Paris", "Australia/Melbourne",
	                               "Asia/Tokyo", "America/Sao_Paulo", "Pacific/Auckland",
	                               "America/Chicago", "Europe/Paris" };
	pthread_t th[CAL_ARRAY_LEN_T];
	struct thr_arg args[CAL_ARRAY_LEN_T];
	(void)state;

	for (size_t i = 0; i < CAL_ARRAY_LEN_T; i++) {
		args[i].zone = zones[i];
		args[i].bad = 0;
		assert_int_equal(pthread_create(&th[i], NULL, thr_main, &args[i]), 0);
	}
	for (size_t i = 0; i < CAL_ARRAY_LEN_T; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(args[i].bad, 0);
	}
}

/* The reps' morning digest: weekdays from 07:00 in the rep's zone, once a day. */
static void test_daily_due(void **state)
{
	const struct cal_zone *z = cal_zone_get("Europe/Berlin", NULL);
	int64_t day;
	(void)state;
	assert_non_null(z);
	/* Saturday 2026-11-28 10:00 Berlin: closed. */
	assert_int_equal(cal_daily_due(z, 0, T("2026-11-28T09:00:00Z"), 7, &day), 0);
	/* Monday 06:30 Berlin (05:30Z): too early; 07:00 sharp: due. */
	assert_int_equal(cal_daily_due(z, 0, T("2026-11-30T05:30:00Z"), 7, &day), 0);
	assert_int_equal(cal_daily_due(z, 0, T("2026-11-30T06:00:00Z"), 7, &day), 1);
	assert_int_equal(day, cal_day_from_ymd(2026, 11, 30));
	/* Once a day: sent at 07:30 Monday, not again Monday 16:00... */
	assert_int_equal(cal_daily_due(z, T("2026-11-30T06:30:00Z"), T("2026-11-30T15:00:00Z"), 7,
				       &day), 0);
	/* ...but Tuesday, even though less than 24 h have passed. */
	assert_int_equal(cal_daily_due(z, T("2026-11-30T06:30:00Z"), T("2026-12-01T06:05:00Z"), 7,
				       &day), 1);
	/* 23:30Z Monday is already Tuesday 00:30 in Berlin: before 07:00. */
	assert_int_equal(cal_daily_due(z, T("2026-11-30T06:30:00Z"), T("2026-11-30T23:30:00Z"), 7,
				       &day), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_zone_errors),
		cmocka_unit_test(test_zone_choose),
		cmocka_unit_test(test_to_local),
		cmocka_unit_test(test_from_local_gap),
		cmocka_unit_test(test_from_local_overlap),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_daily_due),
	};
	return cmocka_run_group_tests(tests, NULL, cfx_teardown);
}
