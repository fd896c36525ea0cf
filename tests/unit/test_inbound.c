/* SPDX-License-Identifier: BSD-2-Clause */
/* test_inbound.c - the inbound walk end to end below the milter,
 * replies: real messages (written here, as MTAs and clients write them) go
 * through the real classifier, then inbound_handle() against a real store
 * built through the store API, with real Message-IDs and VERP tokens made
 * with a site secret (inbound_fixture.h). A reply matched by thread, by
 * sender or by a new alias; company scope; forged ids and unauthenticated
 * replies, which act on nothing. Checks the enrollment state and the
 * events afterwards. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inbound_fixture.h"
#include "store.h"

static void test_reply_in_reply_to(void **state)
{
	struct ifx *f = *state;
	struct inbound_result res;
	int64_t e = ifx_enroll(f, "ann@acme.test", f->cold);
	struct ifx_sent s = ifx_send_step(f, e);
	char *raw = ifx_reply_msg("ann@acme.test", s.msgid, "r1@mail.acme.test", "Re: Quick question");
	struct enrollment en;

	assert_int_equal(ifx_handle(f, raw, "rep@us.test", INB_AUTH_PASS, CLASSIFY_REPLY, &res), 0);
	assert_int_equal(res.matched, 1);
	assert_true(res.trusted);
	assert_non_null(strstr(res.summary, "replied: unenrolled ann@acme.test from Cold"));
	en = ifx_enr(f, e);
	assert_int_equal(en.state, ENR_UNENROLLED);
	assert_string_equal(en.reason, "replied");
	enrollment_free(&en);
	assert_int_equal(ifx_events(f, e, EV_REPLIED), 1);
	assert_int_equal(ifx_events(f, e, EV_UNENROLLED), 1);
	{
		/* The event says what was seen. */
		struct event_filter ef;
		struct event *ev;
		struct cad_err err;
		size_t n;
		memset(&ef, 0, sizeof(ef));
		ef.type = EV_REPLIED;
		ef.enrollment_id = e;
		assert_int_equal(store_events(f->st, &ef, &ev, &n, &err), 0);
		assert_int_equal(n, 1);
		if (getenv("INBOUND_TEST_VERBOSE"))
			fprintf(stderr, "  event: %s\n", ev[0].detail);
		assert_non_null(strstr(ev[0].detail, " from=ann@acme.test via=thread ours=<"));
		assert_non_null(strstr(ev[0].detail, s.msgid));
		assert_non_null(strstr(ev[0].detail, " auth=pass (spf=pass) msgid=<r1@mail.acme.test>"));
		assert_string_equal(ev[0].actor, "milter");
		store_events_free(ev, n);
	}
	inbound_result_free(&res);

	/* Idempotence: the same reply again (a second MX, a redelivery). */
	assert_int_equal(ifx_handle(f, raw, "rep@us.test", INB_AUTH_PASS, CLASSIFY_REPLY, &res), 0);
	assert_int_equal(res.applied, 0);
	assert_int_equal(res.duplicates, 1);
	assert_int_equal(ifx_events(f, e, EV_REPLIED), 1);
	assert_int_equal(ifx_events(f, e, EV_UNENROLLED), 1);
	inbound_result_free(&res);
	free(raw);
	ifx_sent_free(&s);
}

static void test_reply_by_sender(void **state)
{
	struct ifx *f = *state;
	struct inbound_result res;
	int64_t e = ifx_enroll(f, "ann@acme.test", f->cold);
	struct ifx_sent s = ifx_send_step(f, e);
	/* A client that drops threading headers, and a capitalized address. */
	char *raw = ifx_reply_msg("Ann@ACME.test", NULL, "r2@mail.acme.test", "Re: Quick question");

	assert_int_equal(ifx_handle(f, raw, "rep@us.test", INB_AUTH_PASS, CLASSIFY_REPLY, &res), 0);
	assert_int_equal(res.matched, 1);
	assert_int_equal(ifx_state(f, e), ENR_UNENROLLED);
	inbound_result_free(&res);
	free(raw);
	ifx_sent_free(&s);
}

static void test_alias_reply(void **state)
{
	struct ifx *f = *state;
	struct inbound_result res;
	struct contact c;
	struct cad_err err;
	int64_t e = ifx_enroll(f, "ann@acme.test", f->cold);
	struct ifx_sent s = ifx_send_step(f, e);
	char *raw = ifx_reply_msg("ann.example@posteo.de", s.msgid, "r3@posteo.de",
			      "Re: Quick question");

	assert_int_equal(ifx_handle(f, raw, "rep@us.test", INB_AUTH_PASS, CLASSIFY_REPLY, &res), 0);
	assert_non_null(strstr(res.summary, "linked alias ann.example@posteo.de"));
	assert_int_equal(ifx_state(f, e), ENR_UNENROLLED);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_contact_get(f->st, "ann.example@posteo.de", &c, &err), 0);
	assert_string_equal(c.email, "ann@acme.test");
	contact_free(&c);
	assert_int_equal(ifx_events(f, e, INBOUND_EV_ALIAS_ADDED), 1);
	inbound_result_free(&res);
	free(raw);
	ifx_sent_free(&s);
}

static void test_company_reply(void **state)
{
	struct ifx *f = *state;
	struct inbound_result res;
	struct enrollment en;
	int64_t ann = ifx_enroll(f, "ann@acme.test", f->cold);
	int64_t bob = ifx_enroll(f, "bob@acme.test", f->company);
	int64_t cat = ifx_enroll(f, "cat@eu.acme.test", f->company);
	int64_t gus = ifx_enroll(f, "gus@gmail.com", f->company);
	int64_t hal = ifx_enroll(f, "hal@gmail.com", f->company);
	struct ifx_sent sb = ifx_send_step(f, bob), sg = ifx_send_step(f, gus);
	char *raw = ifx_reply_msg("bob@acme.test", sb.msgid, "r4@acme.test", "Re: Quick question");

	assert_int_equal(ifx_handle(f, raw, "rep@us.test", INB_AUTH_PASS, CLASSIFY_REPLY, &res), 0);
	assert_int_equal(ifx_state(f, bob), ENR_UNENROLLED);
	en = ifx_enr(f, cat);
	assert_int_equal(en.state, ENR_UNENROLLED);
	assert_string_equal(en.reason, "replied (bob@acme.test)");
	enrollment_free(&en);
	/* Ann's sequence stops only on her own reply. */
	assert_int_equal(ifx_state(f, ann), ENR_ACTIVE);
	assert_non_null(strstr(res.summary, "[company acme.test]"));
	inbound_result_free(&res);
	free(raw);

	/* Free-mail: gus's reply says nothing about hal. */
	raw = ifx_reply_msg("gus@gmail.com", sg.msgid, "r5@mail.gmail.com", "Re: Quick question");
	assert_int_equal(ifx_handle(f, raw, "rep@us.test", INB_AUTH_PASS, CLASSIFY_REPLY, &res), 0);
	assert_int_equal(ifx_state(f, gus), ENR_UNENROLLED);
	assert_int_equal(ifx_state(f, hal), ENR_ACTIVE);
	inbound_result_free(&res);
	free(raw);
	ifx_sent_free(&sb);
	ifx_sent_free(&sg);
}

/* Company scope as HubSpot means it: a reply of an enrolled contact stops
 * the colleagues in the same sequence of the same rep, the company being
 * the company field (else the organizational domain); another sequence,
 * another rep's enrollment and a company that differs by its field keep
 * going. */
static void test_company_same_sequence_only(void **state)
{
	struct ifx *f = *state;
	struct inbound_result res;
	struct enrollment en;
	int64_t rep2 = ifx_rep(f, "rep2@us.test");
	int64_t company2 = ifx_seq(f, "Company Two", SEQ_SCOPE_COMPANY, SEQ_OOO_PAUSE, STEP_EMAIL);
	int64_t ann, bob, cat, dan, eve, fay;

	ifx_contact_co(f, "ann@acme.test", "Acme");
	ifx_contact_co(f, "eve@acme-group.test", "ACME ");      /* same company, other domain */
	ifx_contact_co(f, "fay@acme.test", "Acme Logistics");   /* same domain, other company */
	ann = ifx_enroll(f, "ann@acme.test", f->company);
	bob = ifx_enroll(f, "bob@acme.test", f->company);       /* no field: the domain */
	cat = ifx_enroll(f, "cat@acme.test", company2);         /* another sequence */
	dan = ifx_enroll_as(f, "dan@acme.test", f->company, rep2);   /* another rep */
	eve = ifx_enroll(f, "eve@acme-group.test", f->company);
	fay = ifx_enroll(f, "fay@acme.test", f->company);
	struct ifx_sent s = ifx_send_step(f, ann);
	char *raw = ifx_reply_msg("ann@acme.test", s.msgid, "r8@acme.test", "Re: Quick question");

	assert_int_equal(ifx_handle(f, raw, "rep@us.test", INB_AUTH_PASS, CLASSIFY_REPLY, &res), 0);
	assert_int_equal(ifx_state(f, ann), ENR_UNENROLLED);
	en = ifx_enr(f, bob);
	assert_int_equal(en.state, ENR_UNENROLLED);
	assert_string_equal(en.reason, "replied (ann@acme.test)");
	enrollment_free(&en);
	assert_int_equal(ifx_state(f, eve), ENR_UNENROLLED);
	assert_int_equal(ifx_state(f, cat), ENR_ACTIVE);
	assert_int_equal(ifx_state(f, dan), ENR_ACTIVE);
	assert_int_equal(ifx_state(f, fay), ENR_ACTIVE);
	assert_non_null(strstr(res.summary, "[company Acme]"));
	inbound_result_free(&res);
	free(raw);
	ifx_sent_free(&s);
}

/* A contact in a contact-scope sequence replies: the colleagues of a
 * company-scope sequence keep going (the reply stops the contact's own
 * sequence only). */
static void test_company_reply_from_other_sequence(void **state)
{
	struct ifx *f = *state;
	struct inbound_result res;
	int64_t ann = ifx_enroll(f, "ann@acme.test", f->cold);
	int64_t bob = ifx_enroll(f, "bob@acme.test", f->company);
	struct ifx_sent s = ifx_send_step(f, ann);
	char *raw = ifx_reply_msg("ann@acme.test", s.msgid, "r7@acme.test", "Re: Quick question");

	assert_int_equal(ifx_handle(f, raw, "rep@us.test", INB_AUTH_PASS, CLASSIFY_REPLY, &res), 0);
	assert_int_equal(ifx_state(f, ann), ENR_UNENROLLED);
	assert_int_equal(ifx_state(f, bob), ENR_ACTIVE);
	inbound_result_free(&res);
	free(raw);
	ifx_sent_free(&s);
}

/* Mail from someone at the company who is not enrolled stops nothing: a
 * stranger, or a known contact ("Invoice 4711 looks wrong"). The control:
 * the same harness with the enrolled colleague's reply does stop bob. */
static void test_company_unknown_colleague(void **state)
{
	struct ifx *f = *state;
	struct inbound_result res;
	int64_t bob = ifx_enroll(f, "bob@acme.test", f->company);
	int64_t ann = ifx_enroll(f, "ann@acme.test", f->company);
	char *raw = ifx_reply_msg("dora@acme.test", NULL, "r6@acme.test", "Re: Quick question");

	assert_int_equal(ifx_handle(f, raw, "rep@us.test", INB_AUTH_PASS, CLASSIFY_REPLY, &res), 0);
	assert_int_equal(ifx_state(f, bob), ENR_ACTIVE);
	inbound_result_free(&res);
	free(raw);

	ifx_contact(f, "gil@acme.test");   /* known, not enrolled */
	raw = ifx_reply_msg("gil@acme.test", NULL, "r9@acme.test", "Invoice 4711 looks wrong");
	assert_int_equal(ifx_handle(f, raw, "rep@us.test", INB_AUTH_PASS, CLASSIFY_REPLY, &res), 0);
	assert_int_equal(ifx_state(f, bob), ENR_ACTIVE);
	assert_int_equal(res.applied, 0);
	inbound_result_free(&res);
	free(raw);

	raw = ifx_reply_msg("ann@acme.test", NULL, "r10@acme.test", "Re: Quick question");
	assert_int_equal(ifx_handle(f, raw, "rep@us.test", INB_AUTH_PASS, CLASSIFY_REPLY, &res), 0);
	assert_int_equal(ifx_state(f, ann), ENR_UNENROLLED);
	assert_int_equal(ifx_state(f, bob), ENR_UNENROLLED);
	inbound_result_free(&res);
	free(raw);
}

/* Shaped like ours, wrong MAC: looked up nowhere, acted on never. */
static void test_forged_ids(void **state)
{
	struct ifx *f = *state;
	struct inbound_result res;
	int64_t e = ifx_enroll(f, "ann@acme.test", f->cold);
	struct ifx_sent s = ifx_send_step(f, e);
	char forged[128], fverp[128];
	char *raw, *p;

	snprintf(forged, sizeof(forged), "%s", s.msgid);
	p = strchr(forged, '.') + 1;    /* first MAC character */
	*p = *p == 'a' ? 'b' : 'a';
	snprintf(fverp, sizeof(fverp), "%s", s.verp);
	p = strchr(fverp, '.') + 1;
	*p = *p == 'a' ? 'b' : 'a';

	/* A stranger's "reply" to a forged id. */
	raw = ifx_reply_msg("mallory@evil.test", forged, "f1@evil.test", "Re: Quick question");
	assert_int_equal(ifx_handle(f, raw, "rep@us.test", INB_AUTH_PASS, CLASSIFY_REPLY, &res), 0);
	assert_int_equal(res.matched, 0);
	assert_non_null(strstr(res.summary, "forged"));
	inbound_result_free(&res);
	free(raw);

	/* A forged bounce: forged VERP and id, the real contact's address. */
	raw = ifx_dsn_msg(fverp, "ann@acme.test", "5.1.1", "550 5.1.1 User unknown", forged,
		      "f2@evil.test");
	assert_int_equal(ifx_handle(f, raw, fverp, INB_AUTH_PASS, CLASSIFY_BOUNCE, &res), 0);
	assert_false(res.trusted);
	assert_int_equal(ifx_state(f, e), ENR_ACTIVE);
	assert_false(ifx_suppressed(f, "ann@acme.test", SUPP_BOUNCED));
	assert_int_equal(ifx_events(f, e, INBOUND_EV_UNVERIFIED), 1);
	inbound_result_free(&res);
	free(raw);
	ifx_sent_free(&s);
}

static void test_unauthenticated_reply(void **state)
{
	struct ifx *f = *state;
	struct inbound_result res;
	int64_t e = ifx_enroll(f, "ann@acme.test", f->cold);
	struct ifx_sent s = ifx_send_step(f, e);
	char *raw = ifx_reply_msg("ann@acme.test", s.msgid, "u1@evil.test", "Re: Quick question");

	assert_int_equal(ifx_handle(f, raw, "rep@us.test", INB_AUTH_FAIL, CLASSIFY_REPLY, &res), 0);
	assert_false(res.trusted);
	assert_int_equal(ifx_state(f, e), ENR_ACTIVE);
	assert_int_equal(ifx_events(f, e, INBOUND_EV_UNVERIFIED), 1);
	assert_int_equal(ifx_events(f, e, EV_REPLIED), 0);
	assert_non_null(strstr(res.summary, "unverified"));
	inbound_result_free(&res);

	/* The site may choose to act on unverified signals. */
	f->cfg.act_on_unverified = 1;
	assert_int_equal(ifx_handle(f, raw, "rep@us.test", INB_AUTH_FAIL, CLASSIFY_REPLY, &res), 0);
	assert_int_equal(ifx_state(f, e), ENR_UNENROLLED);
	f->cfg.act_on_unverified = 0;
	inbound_result_free(&res);
	free(raw);
	ifx_sent_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		IFX_TEST(test_reply_in_reply_to),
		IFX_TEST(test_reply_by_sender),
		IFX_TEST(test_alias_reply),
		IFX_TEST(test_company_reply),
		IFX_TEST(test_company_reply_from_other_sequence),
		IFX_TEST(test_company_unknown_colleague),
		IFX_TEST(test_company_same_sequence_only),
		IFX_TEST(test_forged_ids),
		IFX_TEST(test_unauthenticated_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
