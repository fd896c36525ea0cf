/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_rules.c - unit tests of src/rules.c: the calendar rules of an
 * enrollment built from its sequence, the recipient's zone and the holiday
 * calendars kept in a real store (a temporary SQLite file).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cal.h"
#include "holiday.h"
#include "rules.h"
#include "store_fixture.h"
#include "store_ledger.h"

static struct sequence test_seq(const char *tz, const char *holidays)
{
	struct sequence s;
	memset(&s, 0, sizeof(s));
	s.name = (char *)"Test";
	s.days = SEQ_DAYS_BUSINESS;
	s.window_start = 8 * 60;
	s.window_end = 18 * 60;
	s.tz = (char *)tz;
	s.holidays = (char *)holidays;
	return s;
}

/* The first zone present decides: contact, sequence, rep. */
static void test_zone_order(void **state)
{
	struct sequence s = test_seq("Europe/Berlin", NULL);
	struct cal_rules r;
	struct cad_err err;
	(void)state;

	assert_int_equal(rules_build(&s, "Asia/Kolkata", "America/New_York", NULL, &r, &err), 0);
	assert_string_equal(cal_zone_name(r.zone), "Asia/Kolkata");
	assert_int_equal(rules_build(&s, "", "America/New_York", NULL, &r, &err), 0);
	assert_string_equal(cal_zone_name(r.zone), "Europe/Berlin");
	s.tz = NULL;
	assert_int_equal(rules_build(&s, NULL, "America/New_York", NULL, &r, &err), 0);
	assert_string_equal(cal_zone_name(r.zone), "America/New_York");
	assert_int_equal(r.days, SEQ_DAYS_BUSINESS);
	assert_int_equal(r.window_start, 480);
	assert_int_equal(r.window_end, 1080);
	assert_null(r.holidays);
	assert_int_equal(r.nholidays, 0);
}

/* A bad zone is an error naming it and its origin, not the next zone. */
static void test_bad_zone(void **state)
{
	struct sequence s = test_seq("Europe/Berlin", NULL);
	struct cal_rules r;
	struct cad_err err;
	(void)state;

	assert_int_equal(rules_build(&s, "Mars/Base", "America/New_York", NULL, &r, &err), -1);
	assert_non_null(strstr(err.msg, "Mars/Base"));
	assert_non_null(strstr(err.msg, "contact"));
	s.tz = NULL;
	assert_int_equal(rules_build(&s, NULL, NULL, NULL, &r, &err), -1);
	assert_non_null(strstr(err.msg, "no time zone"));
	s.tz = (char *)"UTC";
	s.window_start = 2000;
	assert_int_equal(rules_build(&s, NULL, NULL, NULL, &r, &err), -1);
	assert_non_null(strstr(err.msg, "window start"));
}

/* The rules borrow the caller's list. */
static void test_borrowed_list(void **state)
{
	struct sequence s = test_seq("UTC", "x");
	struct holiday_list hl;
	struct cal_rules r;
	struct cad_err err;
	int64_t d;
	(void)state;

	holiday_list_init(&hl);
	holiday_list_add(&hl, "x", "2026-12-25", "Christmas");
	assert_int_equal(rules_build(&s, NULL, NULL, &hl, &r, &err), 0);
	assert_ptr_equal(r.holidays, hl.v);
	assert_int_equal(r.nholidays, 1);
	assert_int_equal(cal_day_parse("2026-12-25", &d), 0);
	assert_false(cal_day_open(&r, d));
	assert_true(cal_day_open(&r, d - 1));
	holiday_list_free(&hl);
}

/* rules_load reads the sequence's calendars (names in any case, unknown
 * names have no dates) and owns the list. */
static void test_load_from_store(void **state)
{
	struct sfx f;
	struct holiday_list us, de;
	struct sequence s = test_seq(NULL, "US, nowhere,de");
	struct rules r;
	struct cad_err err;
	int64_t d;
	cad_time_t due;
	(void)state;

	assert_int_equal(sfx_init(&f, "rules"), 0);
	holiday_list_init(&us);
	holiday_list_init(&de);
	holiday_list_add(&us, "us", "2026-11-26", "Thanksgiving Day");
	holiday_list_add(&us, "us", "2026-12-25", "Christmas Day");
	holiday_list_add(&de, "de", "2026-12-25", "1. Weihnachtstag");
	holiday_list_add(&de, "de", "2026-12-26", "2. Weihnachtstag");
	assert_int_equal(store_holidays_replace(f.st, "us", &us, "test", SFX_T0, &err), 0);
	assert_int_equal(store_holidays_replace(f.st, "de", &de, "test", SFX_T0, &err), 0);

	assert_int_equal(rules_load(f.st, &s, NULL, "America/New_York", &r, &err), 0);
	assert_int_equal(r.hol.n, 4);
	assert_ptr_equal(r.cal.holidays, r.hol.v);
	assert_int_equal(r.cal.nholidays, 4);
	assert_int_equal(cal_day_parse("2026-11-26", &d), 0);
	assert_false(cal_day_open(&r.cal, d));
	/* Wednesday 2026-11-25 10:00 EST + 1 business day: Thanksgiving is
	 * skipped, Friday 10:00 EST. */
	assert_int_equal(cal_next_due(&r.cal, 1795618800, 1, 0, &due, &err), 0);
	assert_int_equal(due, 1795618800 + 2 * 86400);
	rules_free(&r);
	assert_null(r.hol.v);

	/* A bad zone: RULES_EINVALID, and the list is still freed by rules_free. */
	assert_int_equal(rules_load(f.st, &s, "Nowhere/Special", NULL, &r, &err), RULES_EINVALID);
	assert_non_null(strstr(err.msg, "Nowhere/Special"));
	rules_free(&r);

	holiday_list_free(&us);
	holiday_list_free(&de);
	sfx_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zone_order),
		cmocka_unit_test(test_bad_zone),
		cmocka_unit_test(test_borrowed_list),
		cmocka_unit_test(test_load_from_store),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	cal_zone_cache_free();
	return rc;
}
