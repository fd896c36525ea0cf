/* SPDX-License-Identifier: BSD-2-Clause */
/* test_inbound_policy.c - the pure inbound policy (inbound_policy()) to
 * its edges, for what comes back by itself: verdicts and targets built
 * here (policy_fixture.h), no store, an explicit now. Auto-replies never
 * unenroll; return dates land on the next business day in the contact's
 * zone (weekend, holiday), capped, or ignored when past; soft bounces
 * count to the threshold; trust (SPF for people, ids and tokens for
 * bounces); challenge/response notices (pause and a task for the rep). */
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
#include "classify.h"
#include "inbound.h"
#include "policy_fixture.h"

static void test_autoreply_never_unenrolls(void **state)
{
	(void)state;
	for (int ooo = 0; ooo < 2; ooo++) {
		struct pfx *p = pfx_new(CLASSIFY_AUTOREPLY);
		p->t[0].ooo = ooo ? SEQ_OOO_IGNORE : SEQ_OOO_PAUSE;
		p->v.auto_kind = "vacation";
		pfx_run(p, 1);
		assert_int_equal(p->plan.n, 1);
		assert_int_equal(p->plan.v[0].kind, ooo ? INB_ACT_RECORD : INB_ACT_PAUSE);
		assert_string_equal(p->plan.v[0].event, EV_AUTO_REPLY);
		pfx_done(p);
	}
}

static void test_ooo_return_dates(void **state)
{
	static const struct {
		const char *ret, *until, *reason;
	} cases[] = {
		/* Friday: resume Monday at the window's opening (08:00 CET). */
		{ "2027-01-01", "2027-01-04T07:00:00Z", "out of office until 2027-01-01" },
		/* Tuesday before a Wednesday holiday: resume Thursday. */
		{ "2027-01-05", "2027-01-07T07:00:00Z", "out of office until 2027-01-05" },
		/* Summer time: 08:00 CEST is 06:00 UTC... but beyond the cap of
		 * INBOUND_OOO_MAX_DAYS (120) from now: capped. */
		{ "2027-07-01", "2027-03-23T10:00:00Z", "out of office until 2027-07-01" },
	};
	(void)state;
	for (size_t i = 0; i < CAD_ARRAY_LEN(cases); i++) {
		struct pfx *p = pfx_new(CLASSIFY_AUTOREPLY);
		snprintf(p->v.return_date, sizeof(p->v.return_date), "%s", cases[i].ret);
		pfx_run(p, 1);
		assert_int_equal(p->plan.n, 1);
		assert_int_equal(p->plan.v[0].kind, INB_ACT_PAUSE);
		assert_int_equal(p->plan.v[0].until, pfx_at(cases[i].until));
		assert_string_equal(p->plan.v[0].reason, cases[i].reason);
		assert_non_null(strstr(p->plan.v[0].detail, "return="));
		assert_non_null(strstr(p->plan.v[0].detail, " msgid=<in1@acme.test>"));
		pfx_done(p);
	}
}

static void test_ooo_past_default_and_no_zone(void **state)
{
	struct pfx *p = pfx_new(CLASSIFY_AUTOREPLY);
	(void)state;
	/* A return date already past: nothing to pause. */
	snprintf(p->v.return_date, sizeof(p->v.return_date), "2026-11-20");
	pfx_run(p, 1);
	assert_int_equal(p->plan.v[0].kind, INB_ACT_RECORD);
	pfx_done(p);

	/* No date, configured 3 days: Thursday 10:00 UTC, in the window. */
	p = pfx_new(CLASSIFY_AUTOREPLY);
	p->cfg.ooo_default_days = 3;
	pfx_run(p, 1);
	assert_int_equal(p->plan.v[0].kind, INB_ACT_PAUSE);
	assert_int_equal(p->plan.v[0].until, pfx_at("2026-11-26T10:00:00Z"));
	pfx_done(p);

	/* No usable zone: the day after the return date, 00:00 UTC. */
	p = pfx_new(CLASSIFY_AUTOREPLY);
	p->t[0].have_rules = 0;
	snprintf(p->v.return_date, sizeof(p->v.return_date), "2026-12-01");
	pfx_run(p, 1);
	assert_int_equal(p->plan.v[0].until, pfx_at("2026-12-02T00:00:00Z"));
	pfx_done(p);

	/* Already paused: recorded, the pause is not extended. */
	p = pfx_new(CLASSIFY_AUTOREPLY);
	p->t[0].e.state = ENR_PAUSED;
	pfx_run(p, 1);
	assert_int_equal(p->plan.v[0].kind, INB_ACT_RECORD);
	pfx_done(p);
}

static void test_soft_bounce_threshold(void **state)
{
	(void)state;
	for (int prior = 0; prior < 4; prior++) {
		struct pfx *p = pfx_new(CLASSIFY_BOUNCE);
		p->rcpt.address = (char *)"ann@acme.test";
		p->rcpt.status = (char *)"4.2.2";
		p->rcpt.reason = "mailboxfull";
		p->v.rcpts = &p->rcpt;
		p->v.nrcpts = 1;
		p->t[0].via = VIA_VERP;
		p->t[0].soft_bounces = prior;
		p->f.auth = INB_AUTH_NONE;
		pfx_run(p, 1);
		assert_int_equal(p->plan.n, 1);
		assert_int_equal(p->plan.v[0].kind, prior >= 2 ? INB_ACT_PAUSE : INB_ACT_RECORD);
		assert_string_equal(p->plan.v[0].event, EV_BOUNCED);
		assert_true(strncmp(p->plan.v[0].detail, "soft ", 5) == 0);
		if (prior >= 2)
			assert_non_null(strstr(p->plan.v[0].reason, "4.2.2 mailbox full"));
		pfx_done(p);
	}
	{
		struct pfx *p = pfx_new(CLASSIFY_BOUNCE);
		p->cfg.soft_bounce_threshold = 5;
		p->t[0].soft_bounces = 3;
		pfx_run(p, 1);
		assert_int_equal(p->plan.v[0].kind, INB_ACT_RECORD);
		pfx_done(p);
	}
}

static void test_hard_bounce_trust(void **state)
{
	struct pfx *p = pfx_new(CLASSIFY_BOUNCE);
	(void)state;
	/* The DSN is proven to concern ann's enrollment (it quotes our
	 * Message-ID) but names another address (a forwarding target, or an
	 * attacker's pick, issue #9): ann is unenrolled and ANN's address is
	 * suppressed; the other address is only recorded, with both. (Before
	 * issue #9 the named address was suppressed.) */
	p->rcpt.address = (char *)"ann.fwd@elsewhere.test";
	p->rcpt.status = (char *)"5.1.1";
	p->rcpt.reason = "userunknown";
	p->rcpt.hard = 1;
	p->v.rcpts = &p->rcpt;
	p->v.nrcpts = 1;
	p->t[0].via = VIA_ORIG_MSGID;
	p->f.auth = INB_AUTH_FAIL;   /* SPF does not matter for a proven bounce */
	pfx_run(p, 1);
	assert_int_equal(p->plan.n, 3);
	assert_int_equal(p->plan.v[0].kind, INB_ACT_RECORD);
	assert_string_equal(p->plan.v[0].event, INBOUND_EV_MISMATCH);
	assert_non_null(strstr(p->plan.v[0].detail, "ann.fwd@elsewhere.test"));
	assert_non_null(strstr(p->plan.v[0].detail, "ann@acme.test"));
	assert_int_equal(p->plan.v[1].kind, INB_ACT_UNENROLL);
	assert_string_equal(p->plan.v[1].reason, "bounced: 5.1.1 user unknown");
	assert_int_equal(p->plan.v[2].kind, INB_ACT_SUPPRESS);
	assert_int_equal(p->plan.v[2].supp, SUPP_BOUNCED);
	assert_string_equal(p->plan.v[2].address, "ann@acme.test");
	pfx_done(p);

	/* The DSN names the contact: no mismatch, the contact suppressed. */
	p = pfx_new(CLASSIFY_BOUNCE);
	p->rcpt.address = (char *)"ann@acme.test";
	p->rcpt.hard = 1;
	p->v.rcpts = &p->rcpt;
	p->v.nrcpts = 1;
	p->t[0].via = VIA_VERP;
	pfx_run(p, 1);
	assert_int_equal(p->plan.n, 2);
	assert_int_equal(p->plan.v[0].kind, INB_ACT_UNENROLL);
	assert_int_equal(p->plan.v[1].kind, INB_ACT_SUPPRESS);
	assert_string_equal(p->plan.v[1].address, "ann@acme.test");
	pfx_done(p);

	/* ActOnUnverified does not make an unproven bounce act. */
	p = pfx_new(CLASSIFY_BOUNCE);
	p->rcpt.address = (char *)"ann@acme.test";
	p->rcpt.hard = 1;
	p->v.rcpts = &p->rcpt;
	p->v.nrcpts = 1;
	p->t[0].via = VIA_RCPT;
	p->t[0].proven = 0;
	p->cfg.act_on_unverified = 1;
	pfx_run(p, 1);
	assert_int_equal(p->plan.n, 1);
	assert_string_equal(p->plan.v[0].event, INBOUND_EV_UNVERIFIED);
	pfx_done(p);

	/* Matched only by the recipient's address: SPF pass proves nothing. */
	p = pfx_new(CLASSIFY_BOUNCE);
	p->rcpt.address = (char *)"ann@acme.test";
	p->rcpt.hard = 1;
	p->v.rcpts = &p->rcpt;
	p->v.nrcpts = 1;
	p->t[0].via = VIA_RCPT;
	p->t[0].proven = 0;
	pfx_run(p, 1);
	assert_int_equal(p->plan.n, 1);
	assert_int_equal(p->plan.v[0].kind, INB_ACT_RECORD);
	assert_string_equal(p->plan.v[0].event, INBOUND_EV_UNVERIFIED);
	assert_false(p->plan.trusted);
	assert_string_equal(p->plan.why, "unverified");
	pfx_done(p);
}

/* Challenge/response: pause until resumed and a task for the rep; never
 * unenroll nor suppress; a stopped or paused enrollment only records. */
static void test_challenge(void **state)
{
	struct pfx *p = pfx_new(CLASSIFY_CHALLENGE);
	(void)state;
	p->t[0].via = VIA_VERP;
	pfx_run(p, 1);
	assert_string_equal(p->plan.why, "challenge");
	assert_int_equal(p->plan.n, 2);
	assert_int_equal(p->plan.v[0].kind, INB_ACT_PAUSE);
	assert_int_equal(p->plan.v[0].until, 0);
	assert_string_equal(p->plan.v[0].event, "challenge");
	assert_non_null(strstr(p->plan.v[0].reason, "asks to confirm the sender"));
	assert_int_equal(p->plan.v[1].kind, INB_ACT_TASK);
	assert_int_equal(p->plan.v[1].enrollment_id, 12);
	assert_int_equal(p->plan.v[1].user_id, 5);
	assert_non_null(strstr(p->plan.v[1].reason, "confirm the sender"));
	assert_string_equal(inbound_act_name(p->plan.v[1].kind), "task");
	pfx_done(p);

	p = pfx_new(CLASSIFY_CHALLENGE);
	p->t[0].e.state = ENR_PAUSED;
	pfx_run(p, 1);
	assert_int_equal(p->plan.n, 1);
	assert_int_equal(p->plan.v[0].kind, INB_ACT_RECORD);
	pfx_done(p);

	/* sent to the unsubscribe address, a challenge unsubscribes nobody */
	p = pfx_new(CLASSIFY_CHALLENGE);
	p->f.unsub_addr = 1;
	pfx_run(p, 1);
	for (size_t i = 0; i < p->plan.n; i++)
		assert_int_not_equal(p->plan.v[i].kind, INB_ACT_UNSUBSCRIBE);
	pfx_done(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_autoreply_never_unenrolls),
		cmocka_unit_test(test_ooo_return_dates),
		cmocka_unit_test(test_ooo_past_default_and_no_zone),
		cmocka_unit_test(test_soft_bounce_threshold),
		cmocka_unit_test(test_hard_bounce_trust),
		cmocka_unit_test(test_challenge),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	cal_zone_cache_free();
	return rc;
}
