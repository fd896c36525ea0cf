/* SPDX-License-Identifier: BSD-2-Clause */
/* test_inbound_policy_reply.c - the pure inbound policy (inbound_policy())
 * for what people send (policy_fixture.h, no store, an explicit now):
 * replies (sequences that do not stop, stopped enrollments, colleagues),
 * the unsubscribe address, mail that matched nothing; and the address
 * forms of cadence's own addresses (inbound_own_address()). */
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
#include "token.h"

static void test_reply_cases(void **state)
{
	struct pfx *p = pfx_new(CLASSIFY_REPLY);
	(void)state;
	/* The sequence does not stop on replies: recorded. */
	p->t[0].stop_on_reply = 0;
	pfx_run(p, 1);
	assert_int_equal(p->plan.v[0].kind, INB_ACT_RECORD);
	assert_string_equal(p->plan.v[0].event, EV_REPLIED);
	pfx_done(p);

	/* Already finished: recorded. */
	p = pfx_new(CLASSIFY_REPLY);
	p->t[0].e.state = ENR_FINISHED;
	pfx_run(p, 1);
	assert_int_equal(p->plan.v[0].kind, INB_ACT_RECORD);
	pfx_done(p);

	/* Unverified: recorded as such, the alias is not linked. */
	p = pfx_new(CLASSIFY_REPLY);
	p->f.auth = INB_AUTH_NONE;
	p->f.alias_contact = 3;
	p->f.sender = "ann.private@posteo.de";
	pfx_run(p, 1);
	assert_int_equal(p->plan.n, 1);
	assert_string_equal(p->plan.v[0].event, INBOUND_EV_UNVERIFIED);
	pfx_done(p);

	/* A new address, verified, plus a colleague in a company sequence. */
	p = pfx_new(CLASSIFY_REPLY);
	p->f.alias_contact = 3;
	p->f.sender = "ann.private@posteo.de";
	p->f.company = "acme.test";
	p->t[1] = p->t[0];
	p->t[1].e.id = 13;
	p->t[1].e.contact_id = 7;
	p->t[1].contact_email = (char *)"bob@acme.test";
	p->t[1].via = VIA_COMPANY;
	p->t[1].proven = 0;
	p->t[1].scope = SEQ_SCOPE_COMPANY;
	p->t[1].trigger = 12;
	pfx_run(p, 2);
	assert_int_equal(p->plan.n, 3);
	assert_int_equal(p->plan.v[0].kind, INB_ACT_ADD_ALIAS);
	assert_string_equal(p->plan.v[0].address, "ann.private@posteo.de");
	assert_int_equal(p->plan.v[0].contact_id, 3);
	assert_int_equal(p->plan.v[1].kind, INB_ACT_UNENROLL);
	assert_string_equal(p->plan.v[1].reason, "replied");
	assert_int_equal(p->plan.v[2].kind, INB_ACT_UNENROLL);
	assert_string_equal(p->plan.v[2].reason, "replied (ann@acme.test)");
	assert_string_equal(p->plan.v[2].company, "acme.test");
	pfx_done(p);

	/* Control: a colleague whose trigger this plan does not stop (the
	 * contact's sequence does not stop on replies) keeps going. */
	p = pfx_new(CLASSIFY_REPLY);
	p->f.company = "acme.test";
	p->t[0].stop_on_reply = 0;
	p->t[1] = p->t[0];
	p->t[1].e.id = 13;
	p->t[1].e.contact_id = 7;
	p->t[1].contact_email = (char *)"bob@acme.test";
	p->t[1].via = VIA_COMPANY;
	p->t[1].stop_on_reply = 1;
	p->t[1].trigger = 12;
	pfx_run(p, 2);
	assert_int_equal(p->plan.n, 1);
	assert_int_equal(p->plan.v[0].kind, INB_ACT_RECORD);
	assert_int_equal(p->plan.v[0].enrollment_id, 12);
	pfx_done(p);
}

static void test_unsubscribe_address(void **state)
{
	struct pfx *p = pfx_new(CLASSIFY_REPLY);
	(void)state;
	/* A person writes "please stop" to the unsubscribe address. */
	p->f.unsub_addr = 1;
	p->f.auth = INB_AUTH_NONE;
	p->t[0].via = VIA_UNSUB_ADDR;
	pfx_run(p, 1);
	assert_int_equal(p->plan.n, 1);
	assert_int_equal(p->plan.v[0].kind, INB_ACT_UNSUBSCRIBE);
	assert_string_equal(p->plan.v[0].event, EV_UNSUBSCRIBED);
	assert_string_equal(p->plan.v[0].reason, "mail");
	assert_string_equal(p->plan.why, "unsubscribed");
	pfx_done(p);

	/* An out-of-office sent there is an out-of-office. */
	p = pfx_new(CLASSIFY_AUTOREPLY);
	p->f.unsub_addr = 1;
	p->t[0].via = VIA_UNSUB_ADDR;
	pfx_run(p, 1);
	assert_int_equal(p->plan.v[0].kind, INB_ACT_PAUSE);
	pfx_done(p);
}

static void test_nothing_matched(void **state)
{
	struct pfx *p = pfx_new(CLASSIFY_OTHER);
	(void)state;
	pfx_run(p, 1);
	assert_int_equal(p->plan.n, 0);
	pfx_done(p);
	p = pfx_new(CLASSIFY_REPLY);
	pfx_run(p, 0);
	assert_int_equal(p->plan.n, 0);
	assert_false(p->plan.trusted);
	pfx_done(p);
}

static void test_addr_spec(void **state)
{
	static const struct {
		const char *in, *out;
	} c[] = {
		{ "<Ann@Acme.TEST>", "ann@acme.test" },
		{ "Ann Example <ann@acme.test>", "ann@acme.test" },
		{ "  ann@acme.test \r\n", "ann@acme.test" },
		{ "\"x <y@z>\" <real@acme.test>", "real@acme.test" },
		{ "<>", NULL },
		{ "", NULL },
		{ "no-at-sign", NULL },
		{ "<ann@acme.test", NULL },
		{ "<a b@acme.test>", NULL },
	};
	struct inbound_addrs a = { "cadence.test", "enroll", "unsubscribe", "bounces" };
	struct inbound_own_addr o;
	char *big;
	(void)state;
	for (size_t i = 0; i < CAD_ARRAY_LEN(c); i++) {
		char *r = inbound_addr_spec(c[i].in);
		if (c[i].out == NULL)
			assert_null(r);
		else
			assert_string_equal(r, c[i].out);
		free(r);
	}
	assert_null(inbound_addr_spec(NULL));
	big = malloc(TOKEN_INPUT_MAX + 10);
	memset(big, 'a', TOKEN_INPUT_MAX + 9);
	big[TOKEN_INPUT_MAX + 9] = '\0';
	big[5] = '@';
	assert_null(inbound_addr_spec(big));
	assert_int_equal(inbound_own_address(&a, NULL, big, &o), OWN_NONE);
	free(big);
	/* Without the secret a token cannot verify, but the address is ours. */
	assert_int_equal(inbound_own_address(&a, NULL, "<bounces+zzz@cadence.test>", &o),
			 OWN_BOUNCE);
	assert_false(o.token_valid);
	assert_int_equal(inbound_own_address(&a, NULL, "unsubscribe+@cadence.test", &o), OWN_NONE);
	assert_int_equal(inbound_own_address(NULL, NULL, "enroll+x@cadence.test", &o), OWN_NONE);
	/* The enroll argument keeps to its charset (fuzz_enroll_addr found a
	 * control character and an '@' accepted; seeds enroll-ctl, enroll-at). */
	assert_int_equal(inbound_own_address(&a, NULL, "enroll+a\x01" "b@cadence.test", &o), OWN_NONE);
	assert_string_equal(o.arg, "");
	assert_int_equal(inbound_own_address(&a, NULL, "enroll+a@b@cadence.test", &o), OWN_NONE);
	assert_int_equal(inbound_own_address(&a, NULL, "enroll+a\"b@cadence.test", &o), OWN_NONE);
	assert_int_equal(inbound_own_address(&a, NULL, "enroll+Cold-Outbound.2@cadence.test", &o),
			 OWN_ENROLL);
	assert_string_equal(o.arg, "Cold-Outbound.2");
	assert_int_equal(inbound_own_address(&a, NULL, "enroll+relance-\xc3\xa9t\xc3\xa9@cadence.test",
					     &o), OWN_ENROLL);
	assert_string_equal(o.arg, "relance-\xc3\xa9t\xc3\xa9");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_cases),
		cmocka_unit_test(test_unsubscribe_address),
		cmocka_unit_test(test_nothing_matched),
		cmocka_unit_test(test_addr_spec),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	cal_zone_cache_free();
	return rc;
}
