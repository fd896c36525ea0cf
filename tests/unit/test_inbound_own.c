/* SPDX-License-Identifier: BSD-2-Clause */
/* test_inbound_own.c - cadence's own addresses and the rep's own mail,
 * end to end below the milter (inbound_fixture.h): the unsubscribe
 * address, feedback-loop reports (opt-out, abuse), enroll addresses and
 * the sequence they name, VERP addresses with a good and a bad MAC, a
 * rep's own mail completing a manual-email task; and the free-mail list
 * and organizational domains the company scope rests on. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "freemail.h"
#include "inbound_fixture.h"
#include "orgdomain.h"
#include "store.h"
#include "store_sched.h"

static void test_unsubscribe_address(void **state)
{
	struct ifx *f = *state;
	struct inbound_result res;
	int64_t e = ifx_enroll(f, "ann@acme.test", f->cold);
	struct ifx_sent s = ifx_send_step(f, e);
	struct sbuf b;
	char *raw;

	sbuf_init(&b);
	sbuf_addf(&b, "From: ann@acme.test\nTo: %s\nSubject: unsubscribe\n"
		  "Message-ID: <unsub1@acme.test>\nDate: Mon, 23 Nov 2026 11:00:00 +0100\n"
		  "MIME-Version: 1.0\nContent-Type: text/plain\n\nunsubscribe\n", s.unsub);
	raw = sbuf_detach(&b);
	/* The token is the proof: no SPF needed. */
	assert_int_equal(ifx_handle(f, raw, s.unsub, INB_AUTH_NONE, CLASSIFY_UNSUBSCRIBE, &res), 0);
	assert_true(res.consumed);
	assert_int_equal(ifx_state(f, e), ENR_UNENROLLED);
	assert_true(ifx_suppressed(f, "ann@acme.test", SUPP_UNSUBSCRIBED));
	assert_int_equal(ifx_events(f, e, EV_UNSUBSCRIBED), 1);
	inbound_result_free(&res);
	/* Twice: nothing more. */
	assert_int_equal(ifx_handle(f, raw, s.unsub, INB_AUTH_NONE, CLASSIFY_UNSUBSCRIBE, &res), 0);
	assert_int_equal(ifx_events(f, e, EV_UNSUBSCRIBED), 1);
	inbound_result_free(&res);
	free(raw);
	ifx_sent_free(&s);
}

static void test_arf_opt_out_and_abuse(void **state)
{
	struct ifx *f = *state;
	struct inbound_result res;
	int64_t e = ifx_enroll(f, "ann@acme.test", f->cold);
	int64_t d = ifx_enroll(f, "dan@other.test", f->nooo);
	struct ifx_sent s = ifx_send_step(f, e), sd = ifx_send_step(f, d);
	const char *kinds[2] = { "opt-out", "abuse" };
	const char *rcpt[2] = { "ann@acme.test", "dan@other.test" };
	const char *ids[2] = { s.msgid, sd.msgid };

	for (int i = 0; i < 2; i++) {
		struct sbuf b;
		char *raw;
		sbuf_init(&b);
		sbuf_addf(&b,
			  "From: Feedback Loop <fbl@isp.test>\nTo: abuse@us.test\n"
			  "Subject: FW: Quick question\nMessage-ID: <arf%d@isp.test>\n"
			  "Date: Mon, 23 Nov 2026 11:00:00 +0000\nMIME-Version: 1.0\n"
			  "Content-Type: multipart/report; report-type=feedback-report;\n"
			  "\tboundary=\"part1_13d.2e68ed54_boundary\"\n\n"
			  "--part1_13d.2e68ed54_boundary\nContent-Type: text/plain; charset=\"US-ASCII\"\n\n"
			  "This is an email abuse report for an email message received from IP\n"
			  "192.0.2.1 on Mon, 23 Nov 2026 10:00:00 +0000.\n\n"
			  "--part1_13d.2e68ed54_boundary\nContent-Type: message/feedback-report\n\n"
			  "Feedback-Type: %s\nUser-Agent: SomeGenerator/1.0\nVersion: 1\n"
			  "Original-Mail-From: <rep@us.test>\nOriginal-Rcpt-To: <%s>\n"
			  "Arrival-Date: Mon, 23 Nov 2026 10:00:00 +0000\nSource-IP: 192.0.2.1\n\n"
			  "--part1_13d.2e68ed54_boundary\nContent-Type: message/rfc822\n"
			  "Content-Disposition: inline\n\n"
			  "From: Rep <rep@us.test>\nTo: <%s>\nSubject: Quick question\n"
			  "Message-ID: <%s>\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n\nHi there\n\n"
			  "--part1_13d.2e68ed54_boundary--\n", i, kinds[i], rcpt[i], rcpt[i], ids[i]);
		raw = sbuf_detach(&b);
		assert_int_equal(ifx_handle(f, raw, "abuse@us.test", INB_AUTH_PASS,
					    CLASSIFY_COMPLAINT, &res), 0);
		inbound_result_free(&res);
		free(raw);
	}
	assert_int_equal(ifx_state(f, e), ENR_UNENROLLED);
	assert_true(ifx_suppressed(f, "ann@acme.test", SUPP_UNSUBSCRIBED));
	assert_int_equal(ifx_events(f, e, EV_UNSUBSCRIBED), 1);
	assert_int_equal(ifx_state(f, d), ENR_UNENROLLED);
	assert_true(ifx_suppressed(f, "dan@other.test", SUPP_COMPLAINT));
	assert_int_equal(ifx_events(f, d, EV_COMPLAINT), 1);
	ifx_sent_free(&s);
	ifx_sent_free(&sd);
}

/* The refusal notice names the sequence the enroll address names by its
 * name, whether the address carries the name, the id or the slug. */
static void test_enroll_sequence_name(void **state)
{
	struct ifx *f = *state;
	int64_t id = ifx_seq(f, "Cold Outbound \xe2\x80\x93 EMEA", SEQ_SCOPE_CONTACT, SEQ_OOO_PAUSE,
			     STEP_EMAIL);
	char ids[32], *n;
	snprintf(ids, sizeof(ids), "%lld", (long long)id);
	const char *args[] = { "Cold Outbound \xe2\x80\x93 EMEA", ids, "cold-outbound-emea",
			       "COLD-OUTBOUND-EMEA" };
	for (size_t i = 0; i < CAD_ARRAY_LEN(args); i++) {
		n = inbound_enroll_sequence_name(f->st, args[i]);
		assert_string_equal(n, "Cold Outbound \xe2\x80\x93 EMEA");
		free(n);
	}
	n = inbound_enroll_sequence_name(f->st, "no-such-sequence");
	assert_string_equal(n, "no-such-sequence");
	free(n);
	n = inbound_enroll_sequence_name(f->st, NULL);
	assert_string_equal(n, "");
	free(n);
}

static void test_rep_mail_completes_task(void **state)
{
	struct ifx *f = *state;
	struct inbound_result res;
	struct cad_err err;
	struct task t;
	struct enrollment en;
	struct task_view *tv;
	size_t n;
	int done = -1;
	int64_t e = ifx_enroll(f, "eve@acme.test", f->manual);
	const char *rcpts[2] = { "<someone@else.test>", "<Eve@Acme.test>" };

	memset(&t, 0, sizeof(t));
	t.enrollment_id = e;
	t.user_id = f->rep;
	t.step = 1;
	t.kind = STEP_MANUAL_EMAIL;
	t.due_at = f->now;
	t.note = (char *)"Write to Eve";
	assert_int_equal(store_task_step(f->st, &t, 1, 0, "cadenced", f->now - 3600, &err), 0);
	/* Another rep writing to Eve completes nothing. */
	assert_int_equal(inbound_rep_mail(f->st, "other@us.test", rcpts, 2, "rm0@us.test", &f->cfg,
					  f->now, &done, &res, &err), 0);
	assert_int_equal(done, 0);
	inbound_result_free(&res);
	assert_int_equal(inbound_rep_mail(f->st, "Rep <rep@us.test>", rcpts, 2, "rm1@us.test",
					  &f->cfg, f->now, &done, &res, &err), 0);
	assert_int_equal(done, 1);
	assert_non_null(strstr(res.summary, "completed task"));
	inbound_result_free(&res);
	assert_int_equal(store_tasks(f->st, "rep@us.test", TASK_OPEN, &tv, &n, &err), 0);
	assert_int_equal(n, 0);
	store_task_views_free(tv, n);
	en = ifx_enr(f, e);
	assert_int_equal(en.step, 2);
	assert_true(en.next_due > f->now);   /* two business days later, in the window */
	enrollment_free(&en);
}

static void test_own_addresses(void **state)
{
	struct ifx *f = *state;
	struct inbound_own_addr o;
	int64_t e = ifx_enroll(f, "ann@acme.test", f->cold);
	struct ifx_sent s = ifx_send_step(f, e);
	char bad[128], *p;

	assert_int_equal(inbound_own_address(&f->cfg.addrs, &f->secret,
					     "<enroll+Cold@Cadence.test>", &o), OWN_ENROLL);
	assert_string_equal(o.arg, "Cold");
	assert_int_equal(inbound_own_address(&f->cfg.addrs, &f->secret, s.unsub, &o), OWN_UNSUB);
	assert_true(o.token_valid);
	assert_int_equal(inbound_own_address(&f->cfg.addrs, &f->secret, s.verp, &o), OWN_BOUNCE);
	assert_true(o.token_valid);
	snprintf(bad, sizeof(bad), "%s", s.verp);
	p = strchr(bad, '.') + 1;
	*p = *p == 'a' ? 'b' : 'a';
	assert_int_equal(inbound_own_address(&f->cfg.addrs, &f->secret, bad, &o), OWN_BOUNCE);
	assert_false(o.token_valid);
	assert_int_equal(inbound_own_address(&f->cfg.addrs, &f->secret, "rep@us.test", &o),
			 OWN_NONE);
	assert_int_equal(inbound_own_address(&f->cfg.addrs, &f->secret, "enroll+x@other.test", &o),
			 OWN_NONE);
	assert_int_equal(inbound_own_address(&f->cfg.addrs, &f->secret, "enroll@cadence.test", &o),
			 OWN_NONE);
	ifx_sent_free(&s);
}

static void test_freemail(void **state)
{
	char *o;
	(void)state;
	assert_true(freemail_is("gmail.com"));
	assert_true(freemail_is("GoogleMail.com"));
	assert_true(freemail_is("hotmail.co.uk"));
	assert_true(freemail_is("yahoo.co.jp"));
	assert_true(freemail_is("gmx.de"));
	assert_true(freemail_is("yandex.ru"));
	assert_false(freemail_is("acme.test"));
	assert_false(freemail_is("co.uk"));
	assert_false(freemail_is(""));
	/* the organizational domain (Public Suffix List, libpsl): only
	 * long-established suffixes here, so that the system's list version
	 * does not matter */
	o = cad_org_domain("mail.EU.acme.co.uk");
	assert_string_equal(o, "acme.co.uk");
	free(o);
	o = cad_org_domain("eu.acme.test.");   /* unknown TLD: the "*" rule */
	assert_string_equal(o, "acme.test");
	free(o);
	o = cad_org_domain("www.example.org");
	assert_string_equal(o, "example.org");
	free(o);
	assert_null(cad_org_domain("co.uk"));
	assert_null(cad_org_domain("com"));
	assert_null(cad_org_domain("localhost"));
	assert_null(cad_org_domain("[192.0.2.1]"));
	assert_null(cad_org_domain("a..b"));
	assert_null(cad_org_domain(""));
	assert_null(cad_org_domain(NULL));
	/* relaxed alignment (DMARC): the same organizational domain */
	assert_true(cad_org_aligned("bounce.example.org", "EXAMPLE.org"));
	assert_true(cad_org_aligned("a.acme.co.uk", "b.acme.co.uk"));
	assert_false(cad_org_aligned("evil.co.uk", "acme.co.uk"));
	assert_false(cad_org_aligned("example.org.evil.example", "example.org"));
	assert_false(cad_org_aligned("co.uk", "co.uk"));   /* a suffix aligns with nothing */
	assert_false(cad_org_aligned(NULL, "example.org"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		IFX_TEST(test_enroll_sequence_name),
		IFX_TEST(test_unsubscribe_address),
		IFX_TEST(test_arf_opt_out_and_abuse),
		IFX_TEST(test_rep_mail_completes_task),
		IFX_TEST(test_own_addresses),
		cmocka_unit_test(test_freemail),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
