/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_why.c - unit tests of why_decide() (src/why.h): why an enrollment's
 * next step has not gone, at the edges of each rule, on a fixed timeline
 * (Monday 2026-12-07, a recipient in Europe/Berlin, UTC+1; a rep in
 * Europe/London; a window of 08:00-18:00 on business days).
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
#include "why.h"

#define H 3600
/* 2026-12-07T00:00:00Z, a Monday. */
#define MON ((cad_time_t)1796601600)

struct fx {
	struct step steps[3];
	struct sequence seq;
	struct enrollment e;
	struct holiday_list hol;
	struct cal_rules rules;
	struct why_facts f;
	struct why w;
};

static int setup(void **state)
{
	static struct fx x;
	struct cad_err err;

	memset(&x, 0, sizeof(x));
	x.steps[0].index = 1;
	x.steps[0].kind = STEP_EMAIL;
	x.steps[1].index = 2;
	x.steps[1].kind = STEP_CALL;
	x.steps[1].delay_days = 2;
	x.steps[1].wait = 1;
	x.steps[2].index = 3;
	x.steps[2].kind = STEP_EMAIL;
	x.steps[2].delay_days = 3;
	x.steps[2].delay_minutes = 90;
	x.seq.name = (char *)"VP Sales – Outbound – SDR Team";
	x.seq.days = SEQ_DAYS_BUSINESS;
	x.seq.window_start = 8 * 60;
	x.seq.window_end = 18 * 60;
	x.seq.steps = x.steps;
	x.seq.nsteps = 3;
	holiday_list_init(&x.hol);
	holiday_list_add(&x.hol, "de", "2026-12-25", "1. Weihnachtstag");
	holiday_list_add(&x.hol, "de", "2026-12-26", "2. Weihnachtstag");
	x.rules.days = SEQ_DAYS_BUSINESS;
	x.rules.window_start = 8 * 60;
	x.rules.window_end = 18 * 60;
	x.rules.holidays = x.hol.v;
	x.rules.nholidays = x.hol.n;
	x.rules.zone = cal_zone_get("Europe/Berlin", &err);
	assert_non_null(x.rules.zone);
	x.e.id = 7;
	x.e.state = ENR_ACTIVE;
	x.e.step = 1;
	x.f.e = &x.e;
	x.f.seq = &x.seq;
	x.f.contact_email = "ann@acme.test";
	x.f.rules = &x.rules;
	x.f.rep_zone = cal_zone_get("Europe/London", &err);
	x.f.mb.cap_24h = 500;
	*state = &x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	holiday_list_free(&x->hol);
	return 0;
}

/* Decides at now with the step due at due. */
static struct why *at(struct fx *x, cad_time_t now, cad_time_t due)
{
	x->f.now = now;
	x->e.next_due = due;
	why_decide(&x->f, &x->w);
	return &x->w;
}

static void test_due_now(void **state)
{
	struct fx *x = *state;
	struct why *w = at(x, MON + 10 * H, MON + 10 * H);
	assert_int_equal(w->kind, WHY_DUE_NOW);
	assert_string_equal(why_reason_key(w->kind), "due_now");
	assert_int_equal(w->step, 1);
	assert_string_equal(w->text, "due now: step 1 (email) goes at cadenced's next pass");
}

/* [08:00, 18:00) Berlin: 07:00Z opens it, 17:00Z closes it. */
static void test_window_edges(void **state)
{
	struct fx *x = *state;
	struct why *w = at(x, MON + 17 * H, MON);
	assert_int_equal(w->kind, WHY_WINDOW);
	assert_int_equal(w->until, MON + 86400 + 7 * H);
	assert_string_equal(w->text, "outside the window (08:00-18:00) until "
			    "Tue 2026-12-08 08:00 Europe/Berlin");
	w = at(x, MON + 17 * H - 1, MON);
	assert_int_equal(w->kind, WHY_DUE_NOW);
	w = at(x, MON + 86400 + 5 * H, MON);
	assert_int_equal(w->kind, WHY_WINDOW);
	assert_string_equal(w->text, "outside the window (08:00-18:00) until 08:00 Europe/Berlin");
	w = at(x, MON + 86400 + 7 * H, MON);
	assert_int_equal(w->kind, WHY_DUE_NOW);
}

/* A step the pass deferred to the window's opening is held by the window;
 * one whose delay runs past the opening is not due. */
static void test_not_due_vs_window(void **state)
{
	struct fx *x = *state;
	struct why *w = at(x, MON + 18 * H, MON + 86400 + 7 * H);
	assert_int_equal(w->kind, WHY_WINDOW);
	w = at(x, MON + 18 * H, MON + 19 * H);
	assert_int_equal(w->kind, WHY_WINDOW);
	w = at(x, MON + 18 * H, MON + 2 * 86400 + 9 * H);
	assert_int_equal(w->kind, WHY_NOT_DUE);
	assert_int_equal(w->until, MON + 2 * 86400 + 9 * H);
	assert_string_equal(w->text, "not due: step 1 (email) is due at Wed 2026-12-09 10:00 "
			    "Europe/Berlin (after enrollment)");
	x->e.step = 3;
	w = at(x, MON + 10 * H, MON + 10 * H + 60);
	assert_int_equal(w->kind, WHY_NOT_DUE);
	assert_string_equal(w->text, "not due: step 3 (email) is due at 11:01 Europe/Berlin "
			    "(3 business days and 90 min after step 2)");
	x->e.step = 1;
}

static void test_weekend_and_holiday(void **state)
{
	struct fx *x = *state;
	/* Saturday 12th, 11:00 Berlin. */
	struct why *w = at(x, MON + 5 * 86400 + 10 * H, MON);
	assert_int_equal(w->kind, WHY_CLOSED_DAY);
	assert_string_equal(w->text, "Sat 2026-12-12 is not a business day in Europe/Berlin: "
			    "the window opens Mon 2026-12-14 08:00 Europe/Berlin");
	/* Friday 25th: a holiday; the 26th and 27th are the weekend. */
	w = at(x, MON + 18 * 86400 + 10 * H, MON);
	assert_int_equal(w->kind, WHY_HOLIDAY);
	assert_int_equal(w->until, MON + 21 * 86400 + 7 * H);
	assert_string_equal(w->text, "holiday 2026-12-25 1. Weihnachtstag (de) in Europe/Berlin: "
			    "the window opens Mon 2026-12-28 08:00 Europe/Berlin");
	/* Every day counts: the holiday is an open day. */
	x->rules.days = SEQ_DAYS_EVERY;
	w = at(x, MON + 18 * 86400 + 10 * H, MON);
	assert_int_equal(w->kind, WHY_DUE_NOW);
	x->rules.days = SEQ_DAYS_BUSINESS;
}

/* The rolling cap is half-open: a send exactly 24 h old no longer counts. */
static void test_rep_cap(void **state)
{
	struct fx *x = *state;
	cad_time_t now = MON + 10 * H;
	cad_time_t sends[2] = { now - 3 * H, now - H };
	struct why *w;

	x->f.mb.sends = sends;
	x->f.mb.nsends = 2;
	x->f.mb.cap_24h = 2;
	w = at(x, now, now);
	assert_int_equal(w->kind, WHY_REP_CAP);
	assert_string_equal(why_reason_key(w->kind), "rep_cap");
	assert_int_equal(w->used, 2);
	assert_int_equal(w->cap, 2);
	assert_int_equal(w->until, now + 21 * H);
	assert_string_equal(w->text, "the rep's 24 h cap 2/2 until Tue 2026-12-08 07:00 "
			    "Europe/London");
	sends[0] = now - 24 * H;
	w = at(x, now, now);
	assert_int_equal(w->kind, WHY_DUE_NOW);
	sends[0] = now - 24 * H + 1;
	w = at(x, now, now);
	assert_int_equal(w->kind, WHY_REP_CAP);
	assert_int_equal(w->until, now + 1);
	assert_string_equal(w->text, "the rep's 24 h cap 2/2 until 10:00 Europe/London");
	/* The window comes first, as in the pass. */
	w = at(x, MON + 20 * H, MON);
	assert_int_equal(w->kind, WHY_WINDOW);
	x->f.mb.sends = NULL;
	x->f.mb.nsends = 0;
	x->f.mb.cap_24h = 500;
}

static void test_spacing_throttle_domain(void **state)
{
	struct fx *x = *state;
	cad_time_t now = MON + 10 * H;
	cad_time_t sends[3] = { now - 60, now - 50, now - 30 };
	struct why *w;

	x->f.mb.sends = sends;
	x->f.mb.nsends = 1;
	x->f.mb.min_gap = 600;
	x->f.mb.jitter = 300;
	w = at(x, now, now);
	assert_int_equal(w->kind, WHY_SPACING);
	assert_int_equal(w->until, now + 540);
	assert_string_equal(w->text, "spacing between the rep's emails (600 s and a random "
			    "extra) until 10:09 Europe/London");
	x->f.mb.min_gap = 0;
	x->f.mb.jitter = 0;
	/* Three a minute, half-open: the send 60 s ago no longer counts. */
	x->f.mb.bulk_sends = sends;
	x->f.mb.nbulk = 3;
	x->e.bulk = 1;
	w = at(x, now, now);
	assert_int_equal(w->kind, WHY_DUE_NOW);
	sends[0] = now - 59;
	w = at(x, now, now);
	assert_int_equal(w->kind, WHY_THROTTLE);
	assert_int_equal(w->until, now + 1);
	assert_string_equal(w->text, "a bulk enrollment's first emails go 3 a minute: until "
			    "10:00 Europe/London");
	x->e.step = 3;   /* only first steps are throttled */
	w = at(x, now, now);
	assert_int_equal(w->kind, WHY_DUE_NOW);
	x->e.step = 1;
	x->e.bulk = 0;
	x->f.mb.nbulk = 0;
	x->f.mb.nsends = 0;
	x->f.domain_cap = 5;
	x->f.domain_sent = 5;
	w = at(x, now, now);
	assert_int_equal(w->kind, WHY_DOMAIN_CAP);
	assert_int_equal(w->until, now + 3600);
	assert_string_equal(w->text, "the daily cap for acme.test 5/5 (all reps): tried again "
			    "at 11:00 Europe/London");
	x->f.domain_sent = 4;
	w = at(x, now, now);
	assert_int_equal(w->kind, WHY_DUE_NOW);
	x->f.domain_cap = 0;
	x->f.domain_sent = 0;
}

static void test_suppressed_and_rules(void **state)
{
	struct fx *x = *state;
	struct suppression s;
	struct why *w;

	memset(&s, 0, sizeof(s));
	s.pattern = (char *)"acme.test";
	s.kind = SUPP_CUSTOMER;
	x->f.supp = &s;
	w = at(x, MON + 10 * H, MON);
	assert_int_equal(w->kind, WHY_SUPPRESSED);
	assert_string_equal(w->text, "suppressed (customer: acme.test): cadenced unenrolls it at "
			    "its next pass");
	x->f.supp = NULL;
	x->f.rules = NULL;
	x->f.rules_error = "time zone \"Mars/Base\" (the contact's) is not known";
	w = at(x, MON + 10 * H, MON);
	assert_int_equal(w->kind, WHY_RULES);
	assert_non_null(strstr(w->text, "Mars/Base"));
	x->f.rules = &x->rules;
	x->f.rules_error = NULL;
}

static void test_states(void **state)
{
	struct fx *x = *state;
	struct why *w;

	x->e.state = ENR_PAUSED;
	x->e.reason = (char *)"out of office until 2026-12-10";
	x->e.paused_until = MON + 3 * 86400 + 7 * H;
	w = at(x, MON + 10 * H, MON);
	assert_int_equal(w->kind, WHY_PAUSED);
	assert_int_equal(w->until, x->e.paused_until);
	assert_string_equal(w->text, "paused until Thu 2026-12-10 08:00 Europe/Berlin "
			    "(out of office until 2026-12-10)");
	x->e.paused_until = 0;
	x->e.reason = NULL;
	w = at(x, MON + 10 * H, MON);
	assert_string_equal(w->text, "paused until resumed by hand (paused by hand)");
	x->e.state = ENR_UNENROLLED;
	x->e.reason = (char *)"replied";
	w = at(x, MON + 10 * H, MON);
	assert_int_equal(w->kind, WHY_UNENROLLED);
	assert_string_equal(w->text, "unenrolled: replied");
	x->e.state = ENR_FINISHED;
	w = at(x, MON + 10 * H, 0);
	assert_int_equal(w->kind, WHY_FINISHED);
	assert_int_equal(w->step, 0);
	x->e.state = ENR_ACTIVE;
	x->e.reason = NULL;
	x->e.step = 4;
	w = at(x, MON + 10 * H, MON);
	assert_int_equal(w->kind, WHY_FINISHED);
	x->e.step = 1;
}

static void test_tasks(void **state)
{
	struct fx *x = *state;
	struct task t;
	struct why *w;

	x->e.step = 2;
	w = at(x, MON + 10 * H, MON + 2 * 86400 + 7 * H);
	assert_int_equal(w->kind, WHY_NOT_DUE);
	assert_string_equal(w->text, "not due: step 2 (call) becomes a task at Wed 2026-12-09 "
			    "08:00 Europe/Berlin (2 business days after step 1)");
	/* A task step is not held by the recipient's window. */
	w = at(x, MON + 20 * H, MON + 19 * H);
	assert_int_equal(w->kind, WHY_DUE_NOW);
	memset(&t, 0, sizeof(t));
	t.id = 12;
	t.kind = STEP_CALL;
	t.due_at = MON + 8 * H;
	x->f.task = &t;
	w = at(x, MON + 10 * H, 0);
	assert_int_equal(w->kind, WHY_TASK);
	assert_int_equal(w->task_id, 12);
	assert_string_equal(w->text, "waiting for task 12 (call, due 09:00 Europe/Berlin, overdue)");
	x->f.task = NULL;
	w = at(x, MON + 10 * H, 0);
	assert_string_equal(w->text, "waiting for the task of step 2 (call)");
	x->e.step = 1;
}

static void test_keys(void **state)
{
	(void)state;
	assert_string_equal(why_reason_key(WHY_WINDOW), "window");
	assert_string_equal(why_reason_key(WHY_HOLIDAY), "holiday");
	assert_string_equal(why_reason_key(WHY_TASK), "task");
	assert_string_equal(why_reason_key(WHY_RULES), "rules");
	assert_string_equal(why_reason_key((enum why_kind)99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_due_now),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_not_due_vs_window),
		cmocka_unit_test(test_weekend_and_holiday),
		cmocka_unit_test(test_rep_cap),
		cmocka_unit_test(test_spacing_throttle_domain),
		cmocka_unit_test(test_suppressed_and_rules),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_tasks),
		cmocka_unit_test(test_keys),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
