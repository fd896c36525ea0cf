/* SPDX-License-Identifier: BSD-2-Clause */
/* test_inbound_auto.c - what comes back by itself, end to end below the
 * milter (inbound_fixture.h): out-of-office replies (a return date read
 * from the text, the sequence's holidays, a sequence that ignores them),
 * bounces (hard, soft three times, proven by the VERP token or by the
 * original Message-ID), challenge/response notices, and the real bounces
 * and auto-replies of the shared corpus. */
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

static char *ooo_msg(const char *from, const char *irt, const char *text)
{
	struct sbuf b;
	sbuf_init(&b);
	sbuf_addf(&b, "From: %s\nTo: rep@us.test\nSubject: Abwesenheitsnotiz: Quick question\n"
		  "Date: Mon, 23 Nov 2026 11:00:00 +0100\nMessage-ID: <ooo-%s>\n"
		  "In-Reply-To: <%s>\nAuto-Submitted: auto-replied\nX-Auto-Response-Suppress: All\n"
		  "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n"
		  "Content-Transfer-Encoding: 8bit\n\n%s\n", from, irt, irt, text);
	return sbuf_detach(&b);
}

static void test_ooo_german_return_date(void **state)
{
	struct ifx *f = *state;
	struct inbound_result res;
	struct enrollment en;
	cad_time_t want;
	int64_t e = ifx_enroll(f, "ann@acme.test", f->cold);
	struct ifx_sent s = ifx_send_step(f, e);
	char *raw = ooo_msg("ann@acme.test", s.msgid,
			    "Vielen Dank für Ihre Nachricht. Ich bin bis zum 23.12.2026 nicht im "
			    "Büro und habe keinen Zugriff auf meine E-Mails.\n\nMit freundlichen "
			    "Grüßen\nAnn Example");

	/* Auto-replies go to the envelope sender: our VERP address. */
	assert_int_equal(ifx_handle(f, raw, s.verp, INB_AUTH_NONE, CLASSIFY_AUTOREPLY, &res), 0);
	/* Back on Wednesday 23 December; 24-26 are holidays of the sequence's
	 * "de" calendar, 27 a Sunday: resume Monday 28 December, 08:00 Berlin. */
	assert_int_equal(cad_time_parse("2026-12-28T07:00:00Z", &want), 0);
	en = ifx_enr(f, e);
	assert_int_equal(en.state, ENR_PAUSED);
	assert_int_equal(en.paused_until, want);
	assert_string_equal(en.reason, "out of office until 2026-12-23");
	enrollment_free(&en);
	assert_int_equal(ifx_events(f, e, EV_AUTO_REPLY), 1);
	assert_int_equal(ifx_events(f, e, EV_UNENROLLED), 0);
	inbound_result_free(&res);
	free(raw);
	ifx_sent_free(&s);
}

static void test_ooo_default_and_ignore(void **state)
{
	struct ifx *f = *state;
	struct inbound_result res;
	struct enrollment en;
	cad_time_t want;
	int64_t e = ifx_enroll(f, "ann@acme.test", f->cold);
	int64_t d = ifx_enroll(f, "dan@other.test", f->nooo);
	struct ifx_sent s = ifx_send_step(f, e), sd = ifx_send_step(f, d);
	char *raw = ooo_msg("ann@acme.test", s.msgid,
			    "I am currently out of the office with limited access to email.");

	assert_int_equal(ifx_handle(f, raw, "rep@us.test", INB_AUTH_PASS, CLASSIFY_AUTOREPLY, &res), 0);
	/* No date: 7 days, then the next window opening (Mon 30 Nov 10:00 UTC
	 * is 11:00 in Berlin, inside the window). */
	assert_int_equal(cad_time_parse("2026-11-30T10:00:00Z", &want), 0);
	en = ifx_enr(f, e);
	assert_int_equal(en.state, ENR_PAUSED);
	assert_int_equal(en.paused_until, want);
	enrollment_free(&en);
	inbound_result_free(&res);
	free(raw);

	/* The NoOOO sequence ignores out-of-office: recorded only. */
	raw = ooo_msg("dan@other.test", sd.msgid, "I am out of the office until 2026-12-01.");
	assert_int_equal(ifx_handle(f, raw, "rep@us.test", INB_AUTH_PASS, CLASSIFY_AUTOREPLY, &res), 0);
	assert_int_equal(ifx_state(f, d), ENR_ACTIVE);
	assert_int_equal(ifx_events(f, d, EV_AUTO_REPLY), 1);
	assert_int_equal(ifx_events(f, d, EV_PAUSED), 0);
	inbound_result_free(&res);
	free(raw);
	ifx_sent_free(&s);
	ifx_sent_free(&sd);
}

static void test_hard_bounce(void **state)
{
	struct ifx *f = *state;
	struct inbound_result res;
	struct enrollment en;
	int64_t e = ifx_enroll(f, "ann@acme.test", f->cold);
	struct ifx_sent s = ifx_send_step(f, e);
	char *raw = ifx_dsn_msg(s.verp, "ann@acme.test", "5.1.1",
			    "550 5.1.1 <ann@acme.test>: Recipient address rejected: User unknown "
			    "in local recipient table", s.msgid, "dsn1@mx.acme.test");

	/* No SPF needed: the VERP token and the Message-ID are the proof. */
	assert_int_equal(ifx_handle(f, raw, s.verp, INB_AUTH_NONE, CLASSIFY_BOUNCE, &res), 0);
	assert_true(res.trusted);
	assert_true(res.consumed);
	en = ifx_enr(f, e);
	assert_int_equal(en.state, ENR_UNENROLLED);
	assert_string_equal(en.reason, "bounced: 5.1.1 user unknown");
	enrollment_free(&en);
	assert_true(ifx_suppressed(f, "ann@acme.test", SUPP_BOUNCED));
	assert_int_equal(ifx_events(f, e, EV_BOUNCED), 1);
	inbound_result_free(&res);
	free(raw);
	ifx_sent_free(&s);
}

/* The DSN reaches the rep (no VERP): the original Message-ID proves it. */
static void test_hard_bounce_by_orig_msgid(void **state)
{
	struct ifx *f = *state;
	struct inbound_result res;
	int64_t e = ifx_enroll(f, "ann@acme.test", f->cold);
	struct ifx_sent s = ifx_send_step(f, e);
	char *raw = ifx_dsn_msg("rep@us.test", "ann@acme.test", "5.1.1",
			    "550 5.1.1 <ann@acme.test>: Recipient address rejected: User unknown "
			    "in local recipient table", s.msgid, "dsn2@mx.acme.test");

	assert_int_equal(ifx_handle(f, raw, "rep@us.test", INB_AUTH_FAIL, CLASSIFY_BOUNCE, &res), 0);
	assert_false(res.consumed);
	assert_int_equal(ifx_state(f, e), ENR_UNENROLLED);
	assert_true(ifx_suppressed(f, "ann@acme.test", SUPP_BOUNCED));
	inbound_result_free(&res);
	free(raw);
	ifx_sent_free(&s);
}

/* A challenge/response notice sent to the rep with our message attached
 * and no In-Reply-To (Spam Arrest, Boxbe style): the attached message's
 * Message-ID names the enrollment, which is paused with a task for the rep. */
static char *challenge_msg(const char *msgid)
{
	return xasprintf(
	    "Return-Path: <>\r\n"
	    "From: Spam Arrest <noreply@guard.example>\r\n"
	    "To: rep@us.test\r\n"
	    "Subject: Please confirm your message to ann@acme.test\r\n"
	    "Message-ID: <chal1@guard.example>\r\n"
	    "Auto-Submitted: auto-replied\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
	    "\r\n"
	    "--b1\r\n"
	    "Content-Type: text/plain\r\n"
	    "\r\n"
	    "I use a spam protection service. Your message is being held until you\r\n"
	    "verify that you are a human: follow the link below.\r\n"
	    "--b1\r\n"
	    "Content-Type: message/rfc822\r\n"
	    "\r\n"
	    "From: rep@us.test\r\n"
	    "To: ann@acme.test\r\n"
	    "Subject: Your demo request\r\n"
	    "Message-ID: %s\r\n"
	    "\r\n"
	    "Hello Ann\r\n"
	    "--b1--\r\n", msgid);
}

static void test_challenge_by_orig_msgid(void **state)
{
	struct ifx *f = *state;
	struct inbound_result res;
	int64_t e = ifx_enroll(f, "ann@acme.test", f->cold);
	struct ifx_sent s = ifx_send_step(f, e);
	char *raw = challenge_msg(s.msgid);

	assert_int_equal(ifx_handle(f, raw, "rep@us.test", INB_AUTH_NONE, CLASSIFY_CHALLENGE, &res), 0);
	assert_int_equal(ifx_state(f, e), ENR_PAUSED);
	assert_false(ifx_suppressed(f, "ann@acme.test", SUPP_BOUNCED));
	inbound_result_free(&res);
	free(raw);
	/* control: the same notice naming a Message-ID that is not ours
	 * pauses nothing (the harness sees a pause only where one happened) */
	raw = challenge_msg("<not-ours@elsewhere.example>");
	{
		int64_t e2 = ifx_enroll(f, "bob@acme.test", f->cold);
		struct ifx_sent s2 = ifx_send_step(f, e2);
		assert_int_equal(ifx_handle(f, raw, "rep@us.test", INB_AUTH_NONE, CLASSIFY_CHALLENGE,
					    &res), 0);
		assert_int_equal(ifx_state(f, e2), ENR_ACTIVE);
		inbound_result_free(&res);
		ifx_sent_free(&s2);
	}
	free(raw);
	ifx_sent_free(&s);
}

static void test_soft_bounces_pause_at_three(void **state)
{
	struct ifx *f = *state;
	struct inbound_result res;
	struct enrollment en;
	int64_t e = ifx_enroll(f, "ann@acme.test", f->cold);
	struct ifx_sent s = ifx_send_step(f, e);
	char id[64];

	for (int i = 1; i <= 3; i++) {
		char *raw;
		snprintf(id, sizeof(id), "soft%d@mx.acme.test", i);
		raw = ifx_dsn_msg(s.verp, "ann@acme.test", "5.2.2",
			      "552 5.2.2 <ann@acme.test>: Mailbox full, quota exceeded", s.msgid, id);
		assert_int_equal(ifx_handle(f, raw, s.verp, INB_AUTH_NONE, CLASSIFY_BOUNCE, &res), 0);
		assert_int_equal(ifx_state(f, e), i < 3 ? ENR_ACTIVE : ENR_PAUSED);
		inbound_result_free(&res);
		free(raw);
	}
	en = ifx_enr(f, e);
	assert_non_null(strstr(en.reason, "3 soft bounces"));
	enrollment_free(&en);
	assert_int_equal(ifx_events(f, e, EV_BOUNCED), 3);
	assert_false(ifx_suppressed(f, "ann@acme.test", SUPP_BOUNCED));
	ifx_sent_free(&s);
}

/* Real bounces and auto-replies from the shared corpus, as they arrive at
 * the VERP address of a message we sent to the bounced recipient (or the
 * auto-replying person): a hard bounce of that address unenrolls and
 * suppresses, a soft one is recorded, an auto-reply pauses and never
 * unenrolls. Skipped without $CADENCE_CORPUS. */
static void test_corpus(void **state)
{
	struct ifx *f = *state;
	const char *dir = getenv("CADENCE_CORPUS");
	char path[1024], line[2048], last[1024] = "";
	size_t hard = 0, soft = 0, ooo = 0, other = 0;
	FILE *tsv;

	if (dir == NULL || *dir == '\0')
		skip();
	snprintf(path, sizeof(path), "%s/EXPECTED.tsv", dir);
	tsv = fopen(path, "r");
	if (tsv == NULL)
		skip();
	while (fgets(line, sizeof(line), tsv) != NULL) {
		char *col[6] = { NULL }, *p = line, *raw, *who = NULL;
		struct verdict *v;
		struct inbound_msg m;
		struct inbound_result res;
		struct cad_err err;
		const char *rcpts[1];
		struct ifx_sent s;
		int64_t e;
		size_t len, i, k = 0;
		int want_hard = -1;

		line[strcspn(line, "\r\n")] = '\0';
		while (k < 6 && p != NULL) {
			col[k++] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
		}
		if (k < 5 || (strcmp(col[2], "bounce") != 0 && strcmp(col[2], "autoreply") != 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", dir, col[0], col[1]);
		if (strcmp(path, last) == 0)
			continue;   /* one row per bounced recipient: the first one */
		snprintf(last, sizeof(last), "%s", path);
		raw = ifx_slurp(path, &len);
		if (raw == NULL)
			continue;
		v = classify_message(raw, len);
		free(raw);
		if (v->cls == CLASSIFY_BOUNCE && cad_addr_valid(col[4])) {
			who = xstrdup(col[4]);
			cad_addr_normalize(who);
			/* The recipient of that name decides; when the DSN names
			 * another (a forwarding target), any dead one does. */
			want_hard = -1;
			for (i = 0; i < v->nrcpts; i++)
				if (v->rcpts[i].address && strcmp(v->rcpts[i].address, who) == 0)
					want_hard = v->rcpts[i].hard;
			for (i = 0; want_hard < 0 && i < v->nrcpts; i++)
				if (v->rcpts[i].hard)
					want_hard = 2;
			if (want_hard < 0)
				want_hard = 0;
		} else if (v->cls == CLASSIFY_AUTOREPLY && v->from && cad_addr_valid(v->from)) {
			who = xstrdup(v->from);
		} else {
			other++;
			classify_verdict_free(v);
			continue;
		}
		e = ifx_enroll(f, who, f->cold);
		s = ifx_send_step(f, e);
		memset(&m, 0, sizeof(m));
		rcpts[0] = s.verp;
		m.v = v;
		m.env_from = "";
		m.rcpts = rcpts;
		m.nrcpts = 1;
		m.auth = INB_AUTH_NONE;
		m.now = f->now;
		if (inbound_handle(f->st, &f->secret, &m, &f->cfg, &res, &err) != 0)
			fail_msg("%s: %s", path, err.msg);
		if (v->cls == CLASSIFY_AUTOREPLY) {
			/* A return date already past (old mail, "May 5th" read in
			 * the year of its Date:) is recorded only. */
			int past = v->return_date[0] && strcmp(v->return_date, "2026-11-23") < 0;
			if (ifx_state(f, e) != (past ? ENR_ACTIVE : ENR_PAUSED) ||
			    ifx_events(f, e, EV_AUTO_REPLY) != 1)
				fail_msg("%s: auto-reply not handled: %s", path, res.summary);
			ooo++;
		} else if (want_hard == 2) {
			if (ifx_state(f, e) != ENR_UNENROLLED)
				fail_msg("%s: hard bounce not applied: %s", path, res.summary);
			hard++;
		} else if (want_hard == 1) {
			if (ifx_state(f, e) != ENR_UNENROLLED || !ifx_suppressed(f, who, SUPP_BOUNCED))
				fail_msg("%s: hard bounce not applied: %s", path, res.summary);
			hard++;
		} else {
			if (ifx_state(f, e) != ENR_ACTIVE || ifx_events(f, e, EV_BOUNCED) != 1)
				fail_msg("%s: soft bounce not recorded only: %s", path, res.summary);
			soft++;
		}
		/* Make room for the next file's enrollment of the same person. */
		assert_true(store_unenroll(f->st, SCOPE_CONTACT, who, "test", "cli:test", f->now,
					   NULL, &err) >= 0);
		inbound_result_free(&res);
		ifx_sent_free(&s);
		classify_verdict_free(v);
		free(who);
	}
	fclose(tsv);
	printf("corpus: %zu hard bounces applied, %zu soft recorded, %zu auto-replies handled, "
	       "%zu others skipped\n", hard, soft, ooo, other);
	assert_true(hard > 50);
	assert_true(soft > 50);
	assert_true(ooo > 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		IFX_TEST(test_ooo_german_return_date),
		IFX_TEST(test_ooo_default_and_ignore),
		IFX_TEST(test_hard_bounce),
		IFX_TEST(test_hard_bounce_by_orig_msgid),
		IFX_TEST(test_challenge_by_orig_msgid),
		IFX_TEST(test_soft_bounces_pause_at_three),
		IFX_TEST(test_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
