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
#include "enroll.h"
#include "holiday.h"
#include "rules.h"
#include "store_fixture.h"
#include "store_holiday.h"

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
	struct contact ct;
	struct user rep;
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

	memset(&rep, 0, sizeof(rep));
	rep.tz = (char *)"America/New_York";
	assert_int_equal(rules_load(f.st, &s, NULL, &rep, &r, &err), 0);
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
	memset(&ct, 0, sizeof(ct));
	ct.tz = (char *)"Nowhere/Special";
	assert_int_equal(rules_load(f.st, &s, &ct, NULL, &r, &err), RULES_EINVALID);
	assert_non_null(strstr(err.msg, "Nowhere/Special"));
	rules_free(&r);

	holiday_list_free(&us);
	holiday_list_free(&de);
	sfx_fini(&f);
}

/* Which calendars apply: the contact's region, else the sequence's list. */
static void test_calendars(void **state)
{
	struct sequence s = test_seq(NULL, "us");
	struct contact ct;
	(void)state;
	memset(&ct, 0, sizeof(ct));
	assert_string_equal(rules_calendars(&s, NULL), "us");
	assert_string_equal(rules_calendars(&s, &ct), "us");
	ct.region = (char *)"";
	assert_string_equal(rules_calendars(&s, &ct), "us");
	ct.region = (char *)"de";
	assert_string_equal(rules_calendars(&s, &ct), "de");
	s.holidays = NULL;
	assert_string_equal(rules_calendars(&s, &ct), "de");
	ct.region = NULL;
	assert_null(rules_calendars(&s, &ct));
}

/* rules_step_due on a fixed time: the step after `done`, 0 when none. */
static void test_step_due(void **state)
{
	struct sequence s = test_seq("Europe/Berlin", NULL);
	struct step st[2];
	struct cal_rules r;
	struct cad_err err;
	cad_time_t due = 1;
	(void)state;
	memset(st, 0, sizeof(st));
	st[0].index = 1;
	st[1].index = 2;
	st[1].delay_days = 1;
	s.steps = st;
	s.nsteps = 2;
	assert_int_equal(rules_build(&s, NULL, NULL, NULL, &r, &err), 0);
	/* Friday 2027-03-26 15:00Z (16:00 CET): step 1 at once, step 2 on Monday. */
	assert_int_equal(rules_step_due(&r, &s, 0, 1806073200, &due, &err), 0);
	assert_int_equal(due, 1806073200);
	assert_int_equal(rules_step_due(&r, &s, 1, 1806073200, &due, &err), 0);
	/* Monday 2027-03-29 16:00 again, now CEST: 14:00Z. */
	assert_int_equal(due, 1806328800);
	assert_int_equal(rules_step_due(&r, &s, 2, 1806073200, &due, &err), 0);
	assert_int_equal(due, 0);            /* no step 3: the enrollment finishes */
	assert_int_equal(rules_step_due(&r, &s, -1, 1806073200, &due, &err), -1);
}

/* Holidays by the recipient's region (issue #12): one sequence naming
 * "us", three contacts. On Friday 2027-03-26 15:00Z step 1 goes; step 2
 * (1 business day, same local time) is due on Monday 2027-03-29 for the
 * US contact (11:00 EDT) and for the German contact without a region (the
 * sequence's calendar; 16:00 CEST), but on Tuesday 16:00 CEST for the
 * German contact whose region is "de" (Ostermontag). A
 * region with no calendar is an error, never the sequence's calendar. */
static void test_region(void **state)
{
	struct sfx f;
	struct holiday_list us, de;
	struct sequence q;
	struct step st[2];
	struct cad_err err;
	cad_time_t due;
	int64_t rep, dora, uma, nina, fred, e_dora, e_uma, e_nina, e_fred;
	(void)state;

	assert_int_equal(sfx_init(&f, "rules-region"), 0);
	holiday_list_init(&us);
	holiday_list_init(&de);
	holiday_list_add(&us, "us", "2027-05-31", "Memorial Day");
	holiday_list_add(&de, "de", "2027-03-29", "Ostermontag");
	assert_int_equal(store_holidays_replace(f.st, "us", &us, "test", SFX_T0, &err), 0);
	assert_int_equal(store_holidays_replace(f.st, "de", &de, "test", SFX_T0, &err), 0);
	memset(st, 0, sizeof(st));
	st[0].index = 1;
	st[1].index = 2;
	st[1].delay_days = 1;
	q = test_seq(NULL, "us");
	q.name = (char *)"Region";
	q.active = 1;
	q.steps = st;
	q.nsteps = 2;
	assert_int_equal(store_sequence_import(f.st, &q, "cli:test", SFX_T0, &err), 0);
	rep = sfx_user(&f, "ann@our.test", "Europe/Berlin", 500, 80);
	dora = sfx_contact(&f, "dora@example.de", "Europe/Berlin");
	uma = sfx_contact(&f, "uma@example.com", "America/New_York");
	nina = sfx_contact(&f, "nina@example.de", "Europe/Berlin");
	fred = sfx_contact(&f, "fred@example.fr", "Europe/Paris");
	assert_int_equal(store_contact_set_region(f.st, dora, "DE", SFX_T0, &err), 0);
	assert_int_equal(store_contact_set_region(f.st, uma, "us", SFX_T0, &err), 0);
	assert_int_equal(store_contact_set_region(f.st, fred, "fr", SFX_T0, &err), 0);
	assert_int_equal(store_contact_set_region(f.st, fred, "f r", SFX_T0, &err), -1);
	assert_int_equal(store_contact_set_region(f.st, 4242, "de", SFX_T0, &err), STORE_NOTFOUND);
	e_dora = sfx_enroll(&f, dora, q.id, rep, SFX_T0);
	e_uma = sfx_enroll(&f, uma, q.id, rep, SFX_T0);
	e_nina = sfx_enroll(&f, nina, q.id, rep, SFX_T0);
	e_fred = sfx_enroll(&f, fred, q.id, rep, SFX_T0);

	assert_int_equal(rules_enrollment_due(f.st, e_dora, 1, 1806073200, &due, &err), 0);
	assert_int_equal(due, 1806415200);   /* Tuesday 16:00 CEST: Ostermontag in de */
	assert_int_equal(rules_enrollment_due(f.st, e_uma, 1, 1806073200, &due, &err), 0);
	assert_int_equal(due, 1806332400);   /* Monday 15:00Z (11:00 EDT) */
	/* Control: the same zone without a region keeps the sequence's us. */
	assert_int_equal(rules_enrollment_due(f.st, e_nina, 1, 1806073200, &due, &err), 0);
	assert_int_equal(due, 1806328800);   /* Monday 16:00 CEST */
	/* No step after the last: 0. */
	assert_int_equal(rules_enrollment_due(f.st, e_dora, 2, 1806073200, &due, &err), 0);
	assert_int_equal(due, 0);
	/* A region with no calendar: an error naming it, due at once. */
	assert_int_equal(rules_enrollment_due(f.st, e_fred, 1, 1806073200, &due, &err),
			 RULES_EINVALID);
	assert_int_equal(due, 1806073200);
	assert_non_null(strstr(err.msg, "region \"fr\" names no imported holiday calendar"));
	assert_int_equal(rules_enrollment_due(f.st, 4242, 1, 1806073200, &due, &err),
			 RULES_ENOTFOUND);
	assert_int_equal(due, 0);

	holiday_list_free(&us);
	holiday_list_free(&de);
	sfx_fini(&f);
}

/* The enrollment projection (enroll_project) counts each contact's days
 * with that contact's calendars: from Friday 2027-03-26 10:00Z, a
 * 2-email sequence ("us"; the second 1 business day later) lands on
 * Monday for nina (Berlin, no region) and on Tuesday for dora (region de,
 * Ostermontag); dora's enrollment already running is counted on Tuesday,
 * not on the Monday the sequence's own calendar would say. */
static void test_projection_region(void **state)
{
	struct sfx f;
	struct holiday_list de;
	struct sequence q;
	struct step st[2];
	struct user rep;
	struct contact dora, nina;
	struct enroll_projection p;
	struct cad_err err;
	int64_t rep_id, d_id, n_id;
	const cad_time_t now = 1806055200;   /* Friday 2027-03-26 10:00Z */
	(void)state;

	assert_int_equal(sfx_init(&f, "rules-proj"), 0);
	holiday_list_init(&de);
	holiday_list_add(&de, "de", "2027-03-29", "Ostermontag");
	assert_int_equal(store_holidays_replace(f.st, "de", &de, "test", SFX_T0, &err), 0);
	memset(st, 0, sizeof(st));
	st[0].index = 1;
	st[0].kind = STEP_EMAIL;
	st[0].subject = (char *)"Hi";
	st[0].body = (char *)"Text";
	st[1] = st[0];
	st[1].index = 2;
	st[1].delay_days = 1;
	q = test_seq(NULL, "us");
	q.name = (char *)"Proj";
	q.active = 1;
	q.steps = st;
	q.nsteps = 2;
	assert_int_equal(store_sequence_import(f.st, &q, "cli:test", SFX_T0, &err), 0);
	rep_id = sfx_user(&f, "ann@our.test", "Europe/Berlin", 500, 80);
	d_id = sfx_contact(&f, "dora@example.de", "Europe/Berlin");
	n_id = sfx_contact(&f, "nina@example.de", "Europe/Berlin");
	assert_int_equal(store_contact_set_region(f.st, d_id, "de", SFX_T0, &err), 0);
	assert_int_equal(store_user_get_id(f.st, rep_id, &rep, &err), 0);
	assert_int_equal(store_contact_get_id(f.st, d_id, &dora, &err), 0);
	assert_int_equal(store_contact_get_id(f.st, n_id, &nina, &err), 0);

	assert_int_equal(enroll_project(f.st, &rep, &dora, &q, now, &p, &err), 0);
	assert_int_equal(p.ndays, 2);
	assert_string_equal(p.days[0].date, "2027-03-26");
	assert_string_equal(p.days[1].date, "2027-03-30");
	enroll_projection_free(&p);

	sfx_enroll(&f, d_id, q.id, rep_id, now);
	assert_int_equal(enroll_project(f.st, &rep, &nina, &q, now, &p, &err), 0);
	assert_int_equal(p.ndays, 2);
	assert_string_equal(p.days[0].date, "2027-03-26");
	assert_int_equal(p.days[0].added, 1);
	assert_int_equal(p.days[0].scheduled, 1);   /* dora's step 1 */
	assert_string_equal(p.days[1].date, "2027-03-29");
	assert_int_equal(p.days[1].added, 1);
	assert_int_equal(p.days[1].scheduled, 0);   /* dora's step 2 is on Tuesday */
	enroll_projection_free(&p);

	user_free(&rep);
	contact_free(&dora);
	contact_free(&nina);
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
		cmocka_unit_test(test_calendars),
		cmocka_unit_test(test_step_due),
		cmocka_unit_test(test_region),
		cmocka_unit_test(test_projection_region),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	cal_zone_cache_free();
	return rc;
}
