/* SPDX-License-Identifier: BSD-2-Clause */
/* test_enroll.c - unit tests for enrollment: the pure rule (every refusal
 * and the happy path, on plain structs) and the service enroll_one()
 * against a real SQLite store in a mkdtemp directory (enrolls, refuses
 * with the reason and records "enroll_refused", counts the daily cap). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "enroll.h"
#include "store.h"
#include "store_fixture.h"

#define T0 SFX_T0

/* ---- the pure rule ---- */

struct world {
	struct user rep;
	struct contact contact;
	struct step steps[2];
	struct sequence seq;
	struct suppression supp;
	struct enrollment cur;
	struct enroll_facts f;
};

static void world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	w->rep.id = 1;
	w->rep.email = (char *)"rep@us.test";
	w->rep.name = (char *)"Ada Lovelace";
	w->rep.signature = (char *)"-- Ada";
	w->rep.active = 1;
	w->rep.enroll_cap_day = 80;
	w->contact.id = 2;
	w->contact.email = (char *)"ann@acme.test";
	w->contact.company = (char *)"Acme";
	w->steps[0].index = 1;
	w->steps[0].kind = STEP_EMAIL;
	w->steps[0].subject = (char *)"Hi {{contact.firstname|there}}";
	w->steps[0].body = (char *)"About {{contact.company}}.\n{{sender.signature}}";
	w->steps[1].index = 2;
	w->steps[1].kind = STEP_CALL;
	w->steps[1].body = (char *)"Call";
	w->seq.id = 3;
	w->seq.name = (char *)"Cold";
	w->seq.active = 1;
	w->seq.steps = w->steps;
	w->seq.nsteps = 2;
	w->f.rep_key = "rep@us.test";
	w->f.contact_key = "ann@acme.test";
	w->f.sequence_key = "Cold";
	w->f.rep = &w->rep;
	w->f.contact = &w->contact;
	w->f.seq = &w->seq;
}

static void test_rule_happy(void **state)
{
	struct world w;
	char why[256];
	(void)state;
	world_init(&w);
	assert_int_equal(enroll_rule_check(&w.f, why, sizeof(why)), 1);
	assert_string_equal(why, "");
	/* One below the cap still passes. */
	w.f.enrolled_24h = 79;
	assert_int_equal(enroll_rule_check(&w.f, why, sizeof(why)), 1);
}

static void test_rule_rep(void **state)
{
	struct world w;
	char why[256];
	(void)state;
	world_init(&w);
	w.f.rep = NULL;
	w.f.rep_key = "ghost@us.test";
	assert_int_equal(enroll_rule_check(&w.f, why, sizeof(why)), 0);
	assert_string_equal(why, "no rep ghost@us.test");
	world_init(&w);
	w.rep.active = 0;
	assert_int_equal(enroll_rule_check(&w.f, why, sizeof(why)), 0);
	assert_string_equal(why, "rep rep@us.test is disabled");
}

static void test_rule_contact_and_sequence(void **state)
{
	struct world w;
	char why[256];
	(void)state;
	world_init(&w);
	w.f.contact = NULL;
	w.f.contact_key = "nobody@acme.test";
	assert_int_equal(enroll_rule_check(&w.f, why, sizeof(why)), 0);
	assert_string_equal(why, "no contact nobody@acme.test");
	world_init(&w);
	w.f.seq = NULL;
	w.f.sequence_key = "Nope";
	assert_int_equal(enroll_rule_check(&w.f, why, sizeof(why)), 0);
	assert_string_equal(why, "no sequence \"Nope\"");
	world_init(&w);
	w.seq.nsteps = 0;
	assert_int_equal(enroll_rule_check(&w.f, why, sizeof(why)), 0);
	assert_string_equal(why, "sequence \"Cold\" has no steps");
	world_init(&w);
	w.seq.active = 0;
	assert_int_equal(enroll_rule_check(&w.f, why, sizeof(why)), 0);
	assert_string_equal(why, "sequence \"Cold\" is archived");
}

static void test_rule_suppressed(void **state)
{
	struct world w;
	char why[256];
	(void)state;
	world_init(&w);
	w.supp.pattern = (char *)"acme.test";
	w.supp.is_domain = 1;
	w.supp.kind = SUPP_CUSTOMER;
	w.f.supp = &w.supp;
	assert_int_equal(enroll_rule_check(&w.f, why, sizeof(why)), 0);
	assert_string_equal(why, "ann@acme.test is suppressed: domain entry acme.test (customer)");
	w.supp.pattern = (char *)"ann@acme.test";
	w.supp.is_domain = 0;
	w.supp.kind = SUPP_UNSUBSCRIBED;
	assert_int_equal(enroll_rule_check(&w.f, why, sizeof(why)), 0);
	assert_string_equal(why,
			    "ann@acme.test is suppressed: address entry ann@acme.test (unsubscribed)");
}

static void test_rule_already_running(void **state)
{
	struct world w;
	char why[256];
	(void)state;
	world_init(&w);
	w.cur.id = 17;
	w.cur.state = ENR_PAUSED;
	w.f.current = &w.cur;
	w.f.current_sequence = "Inbound";
	w.f.current_rep = "bob@us.test";
	assert_int_equal(enroll_rule_check(&w.f, why, sizeof(why)), 0);
	assert_string_equal(why, "ann@acme.test is already paused in sequence \"Inbound\" "
			    "(rep bob@us.test, enrollment 17)");
	w.cur.state = ENR_ACTIVE;
	assert_int_equal(enroll_rule_check(&w.f, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "already active in sequence \"Inbound\""));
}

static void test_rule_cap(void **state)
{
	struct world w;
	char why[256];
	(void)state;
	world_init(&w);
	w.f.enrolled_24h = 80;
	assert_int_equal(enroll_rule_check(&w.f, why, sizeof(why)), 0);
	assert_string_equal(why, "rep rep@us.test has reached the daily new-enrollment cap "
			    "(80 of 80 in the last 24 hours)");
	w.rep.enroll_cap_day = 0;
	w.f.enrolled_24h = 0;
	assert_int_equal(enroll_rule_check(&w.f, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "0 of 0"));
}

static void test_rule_tokens(void **state)
{
	struct world w;
	char why[256];
	(void)state;
	world_init(&w);
	w.steps[0].subject = (char *)"Hi {{contact.firstname}}";
	assert_int_equal(enroll_rule_check(&w.f, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "{{contact.firstname}}"));
	assert_non_null(strstr(why, "step 1"));
	assert_non_null(strstr(why, "ann@acme.test"));
	/* With a value it passes. */
	w.contact.firstname = (char *)"Ann";
	assert_int_equal(enroll_rule_check(&w.f, why, sizeof(why)), 1);
	/* A property token without value, in the second email step. */
	w.steps[1].kind = STEP_EMAIL;
	w.steps[1].subject = (char *)"Re: pilot";
	w.steps[1].body = (char *)"How is {{contact.project}} going?";
	assert_int_equal(enroll_rule_check(&w.f, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "{{contact.project}}"));
	assert_non_null(strstr(why, "step 2"));
	/* A tiny buffer is still terminated. */
	assert_int_equal(enroll_rule_check(&w.f, why, 8), 0);
	assert_int_equal(strlen(why), 7);
}

/* ---- the service, against a store ---- */

static int setup(void **state)
{
	struct sfx *f = sfx_open("enroll");
	struct cad_err err;
	struct step steps[2];
	const char *who[] = { "ann@acme.test", "bob@acme.test", "cat@acme.test",
			      "dan@other.test", "eve@comp.test" };
	size_t i;

	if (f == NULL)
		return -1;
	sfx_user(f, "rep@us.test", NULL, 500, 3);
	sfx_user(f, "off@us.test", NULL, 500, 3);
	if (store_user_disable(f->st, "off@us.test", "cli:test", T0, NULL, &err) != 0)
		return -1;
	memset(steps, 0, sizeof(steps));
	steps[0].kind = STEP_EMAIL;
	steps[0].subject = (char *)"Hi {{contact.firstname|there}}";
	steps[0].body = (char *)"{{sender.name}}";
	steps[1].kind = STEP_CALL;
	steps[1].body = (char *)"Call";
	sfx_sequence(f, "Cold", SEQ_DAYS_BUSINESS, 0, 0, steps, 2);
	steps[0].subject = (char *)"Hi {{contact.firstname}}";
	sfx_sequence(f, "Personal", SEQ_DAYS_BUSINESS, 0, 0, steps, 2);
	sfx_sequence(f, "Empty", SEQ_DAYS_BUSINESS, 0, 0, steps, 0);
	for (i = 0; i < CAD_ARRAY_LEN(who); i++)
		sfx_contact(f, who[i], NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	sfx_close(*state);
	return 0;
}

static int run(struct store *st, const char *contact, const char *seq, const char *rep,
	       cad_time_t now, struct enroll_result *res)
{
	struct enroll_request rq;
	struct cad_err err;
	memset(&rq, 0, sizeof(rq));
	rq.contact = contact;
	rq.sequence = seq;
	rq.user = rep;
	rq.actor = "cli:root";
	assert_int_equal(enroll_one(st, &rq, now, res, &err), 0);
	return res->ok;
}

/* The detail of the last enroll_refused event, or NULL (caller frees). */
static char *last_refusal(struct store *st)
{
	struct event_filter ef;
	struct event *ev;
	struct cad_err err;
	size_t n;
	char *d = NULL;
	memset(&ef, 0, sizeof(ef));
	ef.type = EV_ENROLL_REFUSED;
	assert_int_equal(store_events(st, &ef, &ev, &n, &err), 0);
	if (n > 0)
		d = xstrdup(ev[n - 1].detail);
	store_events_free(ev, n);
	return d;
}

static void test_enroll_one_happy(void **state)
{
	struct sfx *f = *state;
	struct enroll_result res;
	struct enrollment e;
	struct cad_err err;

	assert_int_equal(run(f->st, "ANN@acme.test", "Cold", "rep@us.test", T0 + 100, &res), 1);
	assert_true(res.enrollment_id > 0);
	assert_int_equal(store_enrollment_get(f->st, res.enrollment_id, &e, &err), 0);
	assert_int_equal(e.state, ENR_ACTIVE);
	assert_int_equal(e.step, 1);
	assert_int_equal(e.next_due, T0 + 100);
	assert_int_equal(e.enrolled_at, T0 + 100);
	assert_string_equal(e.enrolled_by, "cli:root");
	enrollment_free(&e);
	assert_null(last_refusal(f->st));
}

static void expect_refusal(struct sfx *f, const char *contact, const char *seq, const char *rep,
			   const char *want)
{
	struct enroll_result res;
	char *ev;
	assert_int_equal(run(f->st, contact, seq, rep, T0 + 100, &res), 0);
	assert_int_equal(res.enrollment_id, 0);
	if (strstr(res.why, want) == NULL)
		fail_msg("reason \"%s\" lacks \"%s\"", res.why, want);
	/* The refusal is in the event log, with the same words. */
	ev = last_refusal(f->st);
	assert_non_null(ev);
	assert_string_equal(ev, res.why);
	free(ev);
}

static void test_enroll_one_refusals(void **state)
{
	struct sfx *f = *state;
	struct suppression s;
	struct cad_err err;
	struct enroll_result res;

	expect_refusal(f, "ann@acme.test", "Cold", "ghost@us.test", "no rep ghost@us.test");
	expect_refusal(f, "ann@acme.test", "Cold", "off@us.test", "rep off@us.test is disabled");
	expect_refusal(f, "zed@acme.test", "Cold", "rep@us.test", "no contact zed@acme.test");
	expect_refusal(f, "ann@acme.test", "Nope", "rep@us.test", "no sequence \"Nope\"");
	expect_refusal(f, "ann@acme.test", "Empty", "rep@us.test", "has no steps");
	expect_refusal(f, "ann@acme.test", "Personal", "rep@us.test", "{{contact.firstname}}");

	memset(&s, 0, sizeof(s));
	s.pattern = (char *)"comp.test";
	s.kind = SUPP_COMPETITOR;
	assert_int_equal(store_suppress_add(f->st, &s, "cli:test", T0, &err), 0);
	expect_refusal(f, "eve@comp.test", "Cold", "rep@us.test",
		       "domain entry comp.test (competitor)");

	assert_int_equal(run(f->st, "ann@acme.test", "Cold", "rep@us.test", T0 + 100, &res), 1);
	expect_refusal(f, "ann@acme.test", "Cold", "rep@us.test",
		       "already active in sequence \"Cold\" (rep rep@us.test");

	/* Cap 3 per 24 h: two more pass, the fourth is refused... */
	assert_int_equal(run(f->st, "bob@acme.test", "Cold", "rep@us.test", T0 + 200, &res), 1);
	assert_int_equal(run(f->st, "cat@acme.test", "Cold", "rep@us.test", T0 + 300, &res), 1);
	expect_refusal(f, "dan@other.test", "Cold", "rep@us.test", "3 of 3");
	/* ...until a day has passed since the first. */
	assert_int_equal(run(f->st, "dan@other.test", "Cold", "rep@us.test", T0 + 100 + 86401,
			     &res), 1);
}

/* Two handles on one file (two processes, in effect): the second sees the
 * first's enrollment and refuses a second one. */
static void test_enroll_two_handles(void **state)
{
	struct sfx *f = *state;
	struct enroll_result res;
	struct store *st2;
	struct cad_err err;

	assert_int_equal(store_open(&st2, f->path, 0, &err), 0);
	assert_int_equal(run(f->st, "bob@acme.test", "Cold", "rep@us.test", T0, &res), 1);
	assert_int_equal(run(st2, "bob@acme.test", "Cold", "rep@us.test", T0 + 1, &res), 0);
	assert_non_null(strstr(res.why, "already active"));
	store_close(st2);
}

/* The enroll address's slug: the name's ASCII letters and digits. */
static void test_slug(void **state)
{
	static const char *const cases[][2] = {
		{ "VP Sales – Outbound – SDR Team", "vp-sales-outbound-sdr-team" },
		{ "  Über  Cold!! ", "ber-cold" },
		{ "A1_b2", "a1-b2" },
		{ "–––", "" },
		{ "", "" },
	};
	size_t i;
	(void)state;
	for (i = 0; i < CAD_ARRAY_LEN(cases); i++) {
		char *s = enroll_slug(cases[i][0]);
		assert_string_equal(s, cases[i][1]);
		free(s);
	}
}

/* enroll_one() takes a sequence by the slug of its name (the milter hands
 * it the SLUG of enroll+SLUG@Domain); a slug two sequences share names
 * neither. */
static void test_enroll_one_by_slug(void **state)
{
	struct sfx *f = *state;
	struct enroll_result res;
	struct sequence q;
	struct cad_err err;
	struct step st;

	assert_int_equal(run(f->st, "ann@acme.test", "COLD", "rep@us.test", T0 + 100, &res), 1);
	assert_int_equal(enroll_sequence_by_slug(f->st, "personal", &q, &err), 0);
	assert_string_equal(q.name, "Personal");
	assert_true(q.nsteps == 2 && q.steps != NULL);
	sequence_free(&q);
	memset(&st, 0, sizeof(st));
	st.index = 1;
	st.kind = STEP_EMAIL;
	st.subject = (char *)"Hi";
	st.body = (char *)"Hello";
	sfx_sequence(f, "Team A", SEQ_DAYS_BUSINESS, 0, 0, &st, 1);
	sfx_sequence(f, "team-a", SEQ_DAYS_BUSINESS, 0, 0, &st, 1);
	assert_int_equal(enroll_sequence_by_slug(f->st, "team-a", &q, &err), STORE_NOTFOUND);
	assert_non_null(strstr(err.msg, "more than one"));
	/* By its name it is still found. */
	assert_int_equal(run(f->st, "bob@acme.test", "team-a", "rep@us.test", T0 + 100, &res), 1);
	assert_int_equal(enroll_sequence_by_slug(f->st, "nothing-like-it", &q, &err),
			 STORE_NOTFOUND);
}

/* Step 1's delay counts from the enrollment, by the calendar rules in the
 * recipient's zone (T0 is Wednesday 2026-11-18 06:06:40 in New York). */
static void test_enroll_one_first_delay(void **state)
{
	struct sfx *f = *state;
	struct enroll_result res;
	struct enrollment e;
	struct cad_err err;
	struct step st;
	cad_time_t want;

	memset(&st, 0, sizeof(st));
	st.index = 1;
	st.kind = STEP_EMAIL;
	st.subject = (char *)"Hi";
	st.body = (char *)"Hello";
	st.delay_days = 1;
	sfx_sequence(f, "Later", SEQ_DAYS_BUSINESS, 9 * 60, 17 * 60, &st, 1);
	st.delay_days = 0;
	st.delay_minutes = 120;
	sfx_sequence(f, "Soon", SEQ_DAYS_BUSINESS, 9 * 60, 17 * 60, &st, 1);
	sfx_contact(f, "ny1@acme.test", "America/New_York");
	sfx_contact(f, "ny2@acme.test", "America/New_York");
	/* One business day: Thursday, then the window's 09:00 (14:00Z). */
	assert_int_equal(run(f->st, "ny1@acme.test", "Later", "rep@us.test", T0, &res), 1);
	assert_int_equal(store_enrollment_get(f->st, res.enrollment_id, &e, &err), 0);
	assert_int_equal(cad_time_parse("2026-11-19T14:00:00Z", &want), 0);
	assert_int_equal(e.next_due, want);
	enrollment_free(&e);
	/* Two hours: 08:06:40, before the window: 09:00 the same day. */
	assert_int_equal(run(f->st, "ny2@acme.test", "Soon", "rep@us.test", T0, &res), 1);
	assert_int_equal(store_enrollment_get(f->st, res.enrollment_id, &e, &err), 0);
	assert_int_equal(cad_time_parse("2026-11-18T14:00:00Z", &want), 0);
	assert_int_equal(e.next_due, want);
	enrollment_free(&e);
	/* No zone at all (contact, sequence, rep): due now, cadenced pauses it
	 * with the reason. */
	assert_int_equal(run(f->st, "cat@acme.test", "Later", "rep@us.test", T0, &res), 1);
	assert_int_equal(store_enrollment_get(f->st, res.enrollment_id, &e, &err), 0);
	assert_int_equal(e.next_due, T0);
	enrollment_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_happy),
		cmocka_unit_test(test_rule_rep),
		cmocka_unit_test(test_rule_contact_and_sequence),
		cmocka_unit_test(test_rule_suppressed),
		cmocka_unit_test(test_rule_already_running),
		cmocka_unit_test(test_rule_cap),
		cmocka_unit_test(test_rule_tokens),
		cmocka_unit_test_setup_teardown(test_enroll_one_happy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enroll_one_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enroll_two_handles, setup, teardown),
		cmocka_unit_test(test_slug),
		cmocka_unit_test_setup_teardown(test_enroll_one_first_delay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enroll_one_by_slug, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
