/* SPDX-License-Identifier: BSD-2-Clause */
/* test_enroll_project.c - unit tests for the new-enrollment projection
 * (issue 3, "Limits"): the pure rule given projected days, and
 * enroll_one() against a real SQLite store: the stacked-enrollments case
 * (a rep with a daily cap of 10 enrolling 4 contacts a day into a sequence
 * that emails on days 0, 1 and 2; the scheduler's sends are played by
 * moving each due enrollment on to its next step), a rep with nothing
 * scheduled, a sequence without email steps, and the daily new-enrollment
 * cap still refusing first. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal.h"
#include "enroll.h"
#include "store.h"
#include "store_fixture.h"
#include "store_sched.h"

#define DAY 86400

/* 2026-12-01 09:00 UTC, and the start of "day d" of the test: a minute
 * later each day, so that the day before's enrollments are past 24 hours. */
static cad_time_t day_start(int d)
{
	return (cad_time_t)cal_day_from_ymd(2026, 12, 1) * DAY + 9 * 3600 +
	       (cad_time_t)d * (DAY + 60);
}

/* ---- the rule, given the days ---- */

static void test_rule_days(void **state)
{
	struct user rep;
	struct contact c;
	struct step st;
	struct sequence q;
	struct ratelimit_day days[2];
	struct enroll_facts f;
	char why[256];
	(void)state;

	memset(&rep, 0, sizeof(rep));
	rep.email = (char *)"rep@us.test";
	rep.active = 1;
	rep.enroll_cap_day = 80;
	rep.send_cap_24h = 500;
	memset(&c, 0, sizeof(c));
	c.email = (char *)"ann@acme.test";
	memset(&st, 0, sizeof(st));
	st.kind = STEP_EMAIL;
	st.subject = (char *)"Hi";
	st.body = (char *)"Text";
	memset(&q, 0, sizeof(q));
	q.name = (char *)"Cold";
	q.active = 1;
	q.steps = &st;
	q.nsteps = 1;
	memset(days, 0, sizeof(days));
	snprintf(days[0].date, sizeof(days[0].date), "2026-12-02");
	snprintf(days[1].date, sizeof(days[1].date), "2026-12-03");
	days[0].scheduled = 400;
	days[0].added = 1;
	days[1].scheduled = 500;
	days[1].added = 1;
	memset(&f, 0, sizeof(f));
	f.rep = &rep;
	f.contact = &c;
	f.seq = &q;
	f.days = days;
	f.ndays = 2;
	assert_int_equal(enroll_rule_check(&f, why, sizeof(why)), 0);
	assert_string_equal(why, "refused: 2026-12-03 would carry 501 emails (500 already "
			    "scheduled + 1 from this enrollment), over the daily cap of 500");
	days[1].scheduled = 499;   /* exactly at the cap passes */
	assert_int_equal(enroll_rule_check(&f, why, sizeof(why)), 1);
	/* A cap of 0 reads as the default 500, as cadenced reads it. */
	rep.send_cap_24h = 0;
	days[1].scheduled = 500;
	assert_int_equal(enroll_rule_check(&f, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "over the daily cap of 500"));
	/* The new-enrollment cap is the more basic reason and is given first. */
	f.enrolled_24h = 80;
	assert_int_equal(enroll_rule_check(&f, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "daily new-enrollment cap (80 of 80"));
}

/* ---- against a store ---- */

static int setup(void **state)
{
	struct sfx *f = sfx_open("enroll-project");
	struct step steps[3];
	if (f == NULL)
		return -1;
	/* Emails on days 0, 1 and 2, every day, the whole day open, in UTC. */
	memset(steps, 0, sizeof(steps));
	for (int i = 0; i < 3; i++) {
		steps[i].kind = STEP_EMAIL;
		steps[i].delay_days = i == 0 ? 0 : 1;
		steps[i].subject = (char *)"Hi";
		steps[i].body = (char *)"Text";
	}
	f->rep = sfx_user(f, "rep@us.test", "UTC", 10, 4);
	f->seq = sfx_sequence(f, "Three days", SEQ_DAYS_EVERY, 0, 0, steps, 3);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	sfx_close(*state);
	return 0;
}

static int enroll(struct sfx *f, const char *contact, const char *seq, cad_time_t now,
		  struct enroll_result *res)
{
	struct enroll_request rq;
	struct cad_err err;
	memset(&rq, 0, sizeof(rq));
	rq.contact = contact;
	rq.sequence = seq;
	rq.user = "rep@us.test";
	rq.actor = "cli:test";
	rq.bulk = 1;
	sfx_contact(f, contact, NULL);
	if (enroll_one(f->st, &rq, now, res, &err) != 0)
		fail_msg("enroll_one: %s", err.msg);
	return res->ok;
}

/* What cadenced would do by now: send every due email step, moving the
 * enrollment on to the next step a day later (every-day rules, whole-day
 * window: the same time of day), or finishing it after the last. */
static void send_due(struct sfx *f, cad_time_t now)
{
	struct enrollment_view *v;
	struct cad_err err;
	size_t n, i;
	assert_int_equal(store_due(f->st, now, 0, &v, &n, &err), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(store_enrollment_advance(f->st, v[i].e.id, v[i].e.step,
							  v[i].e.next_due + DAY, NULL, NULL,
							  "cadenced", now, &err), 0);
	store_enrollment_views_free(v, n);
}

static void test_stacked(void **state)
{
	struct sfx *f = *state;
	struct enroll_result res;
	char who[64];
	int d, i, enrolled = 0;

	for (d = 0; d < 3; d++) {
		send_due(f, day_start(d));
		for (i = 0; i < 4; i++) {
			snprintf(who, sizeof(who), "c%d-%d@acme.test", d, i);
			if (enroll(f, who, "Three days", day_start(d) + i, &res)) {
				enrolled++;
				continue;
			}
			/* Day 0 and day 1 fit (4, then 8 a day); on day 2 the
			 * day-0 contacts' third email and the day-1 contacts'
			 * second are already there: 8 + 2 new = 10, and the
			 * third new one would make 11. */
			assert_int_equal(d, 2);
			assert_true(i >= 2);
			assert_string_equal(res.why,
					    "refused: 2026-12-03 would carry 11 emails (10 already "
					    "scheduled + 1 from this enrollment), over the daily "
					    "cap of 10");
		}
	}
	assert_int_equal(enrolled, 10);
	/* The refusals are in the event log. */
	{
		struct event_filter ef;
		struct event *ev;
		struct cad_err err;
		size_t n;
		memset(&ef, 0, sizeof(ef));
		ef.type = EV_ENROLL_REFUSED;
		assert_int_equal(store_events(f->st, &ef, &ev, &n, &err), 0);
		assert_int_equal(n, 2);
		assert_non_null(strstr(ev[0].detail, "would carry 11 emails"));
		store_events_free(ev, n);
	}
	/* A day later, the day-0 contacts are finished and the day-2 load
	 * has moved on: day 3 carries 4 (day 1's third) + 2 (day 2's second). */
	send_due(f, day_start(3));
	assert_int_equal(enroll(f, "late@acme.test", "Three days", day_start(3), &res), 1);
}

/* The projection itself, for a rep with nothing scheduled. */
static void test_no_schedule(void **state)
{
	struct sfx *f = *state;
	struct enroll_projection p;
	struct user u;
	struct contact c;
	struct sequence q;
	struct cad_err err;

	sfx_contact(f, "ann@acme.test", "Europe/Berlin");
	assert_int_equal(store_user_get(f->st, "rep@us.test", &u, &err), 0);
	assert_int_equal(store_contact_get(f->st, "ann@acme.test", &c, &err), 0);
	assert_int_equal(store_sequence_get(f->st, "Three days", &q, &err), 0);
	assert_int_equal(enroll_project(f->st, &u, &c, &q, day_start(0), &p, &err), 0);
	assert_int_equal(p.ndays, 3);
	assert_int_equal(p.counted, 0);
	assert_string_equal(p.days[0].date, "2026-12-01");
	assert_string_equal(p.days[2].date, "2026-12-03");
	for (size_t i = 0; i < p.ndays; i++) {
		assert_int_equal(p.days[i].scheduled, 0);
		assert_int_equal(p.days[i].added, 1);
	}
	enroll_projection_free(&p);
	/* Step 1 is due at once (enroll_one records next_due = now), whatever
	 * delay it states; the later steps follow from it. */
	q.steps[0].delay_days = 5;
	assert_int_equal(enroll_project(f->st, &u, &c, &q, day_start(0), &p, &err), 0);
	assert_int_equal(p.ndays, 3);
	assert_string_equal(p.days[0].date, "2026-12-01");
	assert_string_equal(p.days[1].date, "2026-12-02");
	enroll_projection_free(&p);
	sequence_free(&q);
	contact_free(&c);
	user_free(&u);
}

/* A sequence of tasks only adds no email: no day to check. */
static void test_tasks_only(void **state)
{
	struct sfx *f = *state;
	struct enroll_projection p;
	struct enroll_result res;
	struct user u;
	struct contact c;
	struct sequence q;
	struct step steps[2];
	struct cad_err err;

	memset(steps, 0, sizeof(steps));
	steps[0].kind = STEP_CALL;
	steps[0].wait = 1;
	steps[0].body = (char *)"Call";
	steps[1].kind = STEP_LINKEDIN;
	steps[1].delay_days = 1;
	steps[1].body = (char *)"Connect";
	sfx_sequence(f, "Calls", SEQ_DAYS_EVERY, 0, 0, steps, 2);
	sfx_contact(f, "call@acme.test", NULL);
	assert_int_equal(store_user_get(f->st, "rep@us.test", &u, &err), 0);
	assert_int_equal(store_contact_get(f->st, "call@acme.test", &c, &err), 0);
	assert_int_equal(store_sequence_get(f->st, "Calls", &q, &err), 0);
	assert_int_equal(enroll_project(f->st, &u, &c, &q, day_start(0), &p, &err), 0);
	assert_int_equal(p.ndays, 0);
	assert_null(p.days);
	enroll_projection_free(&p);
	sequence_free(&q);
	contact_free(&c);
	user_free(&u);
	assert_int_equal(enroll(f, "call@acme.test", "Calls", day_start(0), &res), 1);
}

/* The daily new-enrollment cap (4 here) still refuses, with its reason,
 * before the projection is asked. */
static void test_enroll_cap(void **state)
{
	struct sfx *f = *state;
	struct enroll_result res;
	char who[64];
	int i;

	for (i = 0; i < 4; i++) {
		snprintf(who, sizeof(who), "y%d@acme.test", i);
		assert_int_equal(enroll(f, who, "Three days", day_start(0) + i, &res), 1);
	}
	assert_int_equal(enroll(f, "y4@acme.test", "Three days", day_start(0) + 5, &res), 0);
	assert_string_equal(res.why, "rep rep@us.test has reached the daily new-enrollment cap "
			    "(4 of 4 in the last 24 hours)");
	assert_int_equal(enroll(f, "y4@acme.test", "Three days", day_start(1), &res), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_days),
		cmocka_unit_test_setup_teardown(test_stacked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_schedule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tasks_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enroll_cap, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	cal_zone_cache_free();
	return rc;
}
