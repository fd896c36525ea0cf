/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_classify_env.c - the envelope as evidence and "never a reply by
 * default" (issue 13): a null envelope sender, cadence's VERP address,
 * a delivery-report structure whose status part is garbage or nested in
 * another multipart, non-standard notices from MAILER-DAEMON/postmaster,
 * MAILER-DAEMON notices that carry auto-reply headers.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "util.h"

static struct verdict *cls_env(const char *s, const char *mail_from, const char *rcpt, int verp)
{
	struct classify_envelope env = { mail_from, rcpt, verp };
	return classify_message_env(s, strlen(s), &env);
}

static struct verdict *cls(const char *s)
{
	return classify_message(s, strlen(s));
}

static const char plain[] =
	"From: Ann <ann@buyer.test>\n"
	"To: rep@seller.test\n"
	"Subject: hello\n"
	"Message-ID: <p1@buyer.test>\n"
	"\n"
	"Sounds good, call me tomorrow.\n";

static void test_null_sender_is_never_a_reply(void **state)
{
	(void)state;
	struct verdict *v = cls(plain);
	assert_int_equal(v->cls, CLASSIFY_REPLY);
	assert_false(v->null_sender);
	classify_verdict_free(v);

	v = cls_env(plain, "", NULL, 0);
	assert_int_equal(v->cls, CLASSIFY_OTHER);
	assert_string_equal(v->rule, "null-sender");
	assert_true(v->null_sender);
	classify_verdict_free(v);

	v = cls_env(plain, "<>", "rep@seller.test", 0);
	assert_int_equal(v->cls, CLASSIFY_OTHER);
	classify_verdict_free(v);

	/* a person's envelope sender: a reply */
	v = cls_env(plain, "ann@buyer.test", "rep@seller.test", 0);
	assert_int_equal(v->cls, CLASSIFY_REPLY);
	classify_verdict_free(v);

	/* cadence's VERP address answers our envelope sender: not a person */
	v = cls_env(plain, "ann@buyer.test", "bounces+tok@seller.test", 1);
	assert_int_equal(v->cls, CLASSIFY_OTHER);
	assert_string_equal(v->rule, "verp-rcpt");
	classify_verdict_free(v);
}

static void test_return_path_stands_for_envelope(void **state)
{
	(void)state;
	char *m = xasprintf("Return-Path: <>\n%s", plain);
	struct verdict *v = cls(m);
	assert_int_equal(v->cls, CLASSIFY_OTHER);
	assert_true(v->null_sender);
	classify_verdict_free(v);
	/* the envelope, when given, is believed over the header */
	v = cls_env(m, "ann@buyer.test", NULL, 0);
	assert_int_equal(v->cls, CLASSIFY_REPLY);
	classify_verdict_free(v);
	free(m);
}

/* A report whose delivery-status part says nothing usable. */
static const char garbage_dsn[] =
	"From: postmaster@mx.buyer.test\n"
	"To: rep@seller.test\n"
	"Subject: Returned mail\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status; boundary=b1\n"
	"\n"
	"--b1\n"
	"Content-Type: text/plain\n"
	"\n"
	"Message removed\n"
	"\n"
	"--b1\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Message removed\n"
	"\n"
	"--b1--\n";

static void test_garbage_report_is_bounce(void **state)
{
	(void)state;
	struct verdict *v = cls(garbage_dsn);
	assert_int_equal(v->cls, CLASSIFY_BOUNCE);
	assert_int_equal(v->nrcpts, 0);   /* nobody named: unknown, not guessed */
	classify_verdict_free(v);
}

/* The report forwarded inside a multipart/mixed (list servers, gateways). */
static const char nested_dsn[] =
	"From: Ann <ann@buyer.test>\n"
	"To: rep@seller.test\n"
	"Subject: fyi\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/mixed; boundary=out\n"
	"\n"
	"--out\n"
	"Content-Type: multipart/report; report-type=delivery-status; boundary=in\n"
	"\n"
	"--in\n"
	"Content-Type: text/plain\n"
	"\n"
	"Sorry.\n"
	"--in\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.buyer.test\n"
	"\n"
	"Final-Recipient: rfc822; bob@buyer.test\n"
	"Action: failed\n"
	"Status: 5.1.1\n"
	"\n"
	"--in--\n"
	"--out--\n";

static void test_nested_report(void **state)
{
	(void)state;
	struct verdict *v = cls(nested_dsn);
	assert_int_equal(v->cls, CLASSIFY_BOUNCE);
	assert_int_equal(v->nrcpts, 1);
	assert_string_equal(v->rcpts[0].address, "bob@buyer.test");
	classify_verdict_free(v);
}

static void test_nonstandard_notices(void **state)
{
	(void)state;
	static const char *const subjects[] = {
		"Mail Delivery Warning", "Delivery Failure", "Mail could not be delivered",
		"non remis (delivery failed)", "Undeliverable: hello", "Unzustellbar: hallo",
		"Niedostarczalne: witam", "Kan inte levereras: hej", "Nedoručitelné: ahoj",
		"配信不能: こんにちは", "无法投递: 你好", NULL
	};
	for (int i = 0; subjects[i]; i++) {
		/* the null sender and a notice's subject, with no usable text */
		char *m = xasprintf("From: Mail Gateway <gw@mx.buyer.test>\n"
		    "To: rep@seller.test\nSubject: %s\nMIME-Version: 1.0\n"
		    "Content-Type: text/html\n\n<p>&nbsp;</p>\n", subjects[i]);
		struct verdict *v = cls_env(m, "", "rep@seller.test", 0);
		assert_true(v->cls == CLASSIFY_BOUNCE || v->cls == CLASSIFY_DELAY);
		classify_verdict_free(v);
		free(m);
	}
}

/* A notice of success from the null sender is no failure, and no reply. */
static void test_success_notice(void **state)
{
	(void)state;
	static const char *const subjects[] = {
		"Delivery Status Notification (Relay)", "Delivered: hello",
		"Return receipt", "Delivery Notification: Delivery has succeeded", NULL
	};
	for (int i = 0; subjects[i]; i++) {
		char *m = xasprintf("From: postmaster@mx.buyer.test\nTo: rep@seller.test\n"
		    "Subject: %s\n\nYour message was delivered to ann@buyer.test.\n", subjects[i]);
		struct verdict *v = cls_env(m, "", "rep@seller.test", 0);
		if (v->cls != CLASSIFY_OTHER)
			fail_msg("'%s': %s", subjects[i], classify_verdict_class_name(v->cls));
		classify_verdict_free(v);
		free(m);
	}
}

/* A vacation reply from the null sender echoing a notice's subject is an
 * auto-reply, not a bounce. */
static void test_vacation_echoing_notice_subject(void **state)
{
	(void)state;
	struct verdict *v = cls_env("From: Ann <ann@buyer.test>\nTo: rep@seller.test\n"
	    "Subject: Out of Office: Re: Delivery Status Notification\n"
	    "Auto-Submitted: auto-replied\n\nI am away until 15.03.2026.\n",
	    "", "bounces+t@seller.test", 1);
	assert_int_equal(v->cls, CLASSIFY_AUTOREPLY);
	classify_verdict_free(v);
}

/* A system account writing a notice's subject and failure words. */
static void test_system_account_notice(void **state)
{
	(void)state;
	struct verdict *v = cls("From: Mail Administrator <root@mx.buyer.test>\n"
	    "To: rep@seller.test\nSubject: Mail System Error - Returned Mail\n\n"
	    "This message was undeliverable due to the following reason:\n"
	    "The user's mailbox is over quota.\n");
	assert_int_equal(v->cls, CLASSIFY_BOUNCE);
	classify_verdict_free(v);
}

static const char daemon_auto[] =
	"From: MAILER-DAEMON@mx.buyer.test\n"
	"To: rep@seller.test\n"
	"Subject: Notice\n"
	"Auto-Submitted: auto-replied\n"
	"X-Autoreply: yes\n"
	"Precedence: bulk\n"
	"\n"
	"Your message could not be delivered.\n";

static void test_daemon_with_auto_headers(void **state)
{
	(void)state;
	struct verdict *v = cls(daemon_auto);
	assert_int_equal(v->cls, CLASSIFY_BOUNCE);
	classify_verdict_free(v);
	/* MAILER-DAEMON saying nothing of a failure: still no auto-reply */
	char *m = xasprintf("From: MAILER-DAEMON@mx.buyer.test\nTo: rep@seller.test\n"
	    "Subject: Notice\nAuto-Submitted: auto-replied\n\nHello.\n");
	v = cls(m);
	assert_int_equal(v->cls, CLASSIFY_OTHER);
	classify_verdict_free(v);
	free(m);
}

/* A challenge dressed as a DSN (Action: failed, 4.7.0), as Boxbe does. */
static const char challenge_dsn[] =
	"From: Mail Delivery System <MAILER-DAEMON@boxbe.example>\n"
	"To: bounces+tok@seller.test\n"
	"Subject: Delivery Status Notification (Failure)\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status; boundary=b1\n"
	"\n"
	"--b1\n"
	"Content-Type: text/plain\n"
	"\n"
	"Your message to ann@buyer.test is waiting. Ann uses a screening service:\n"
	"please confirm you are human by clicking the link below to have your\n"
	"message delivered.\n"
	"--b1\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; boxbe.example\n"
	"\n"
	"Final-Recipient: rfc822; ann@buyer.test\n"
	"Action: failed\n"
	"Status: 4.7.0\n"
	"\n"
	"--b1--\n";

/* An Exim callout failure names "sender verify": a bounce, not a challenge. */
static const char callout_bounce[] =
	"From: Mail Delivery System <Mailer-Daemon@mx.buyer.test>\n"
	"To: rep@seller.test\n"
	"Subject: Mail delivery failed: returning message to sender\n"
	"X-Failed-Recipients: ann@buyer.test\n"
	"\n"
	"This message was created automatically by mail delivery software.\n"
	"\n"
	"A message that you sent could not be delivered to one or more of its\n"
	"recipients. This is a permanent error. The following address(es) failed:\n"
	"\n"
	"  ann@buyer.test\n"
	"    SMTP error from remote mail server after RCPT TO:<ann@buyer.test>:\n"
	"    550 5.7.1 Sender verify failed: please verify your sender address\n";

static void test_challenge(void **state)
{
	(void)state;
	struct verdict *v = cls_env(challenge_dsn, "", "bounces+tok@seller.test", 1);
	assert_int_equal(v->cls, CLASSIFY_CHALLENGE);
	assert_string_equal(classify_verdict_class_name(v->cls), "challenge");
	classify_verdict_free(v);
	/* the same words from a person: not a challenge (no automated sign) */
	v = cls("From: Ann <ann@buyer.test>\nTo: rep@seller.test\nSubject: Re: demo\n\n"
	    "Our captcha lets visitors prove you are human in one click.\n");
	assert_int_equal(v->cls, CLASSIFY_REPLY);
	classify_verdict_free(v);
	/* a waitlist notice from the screening service's own domain */
	v = cls("From: Ann via Screening <notify@boxbe.com>\nTo: rep@seller.test\n"
	    "Subject: Re: demo (Action Required)\n\n"
	    "Your message to ann@buyer.test was waitlisted. Please add yourself to my\n"
	    "Guest List so your messages will be delivered to my Inbox.\n");
	assert_int_equal(v->cls, CLASSIFY_CHALLENGE);
	classify_verdict_free(v);
	v = cls(callout_bounce);
	assert_int_equal(v->cls, CLASSIFY_BOUNCE);
	assert_int_equal(v->nrcpts, 1);
	assert_string_equal(v->rcpts[0].address, "ann@buyer.test");
	classify_verdict_free(v);
}

/* A read receipt (RFC 8098) is a report, not a reply. */
static void test_read_receipt_is_not_reply(void **state)
{
	(void)state;
	struct verdict *v = cls(
	    "From: Ann <ann@buyer.test>\nTo: rep@seller.test\nSubject: Read: hello\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=disposition-notification; boundary=m\n\n"
	    "--m\nContent-Type: text/plain\n\nYour message was displayed.\n"
	    "--m\nContent-Type: message/disposition-notification\n\n"
	    "Final-Recipient: rfc822; ann@buyer.test\n"
	    "Disposition: manual-action/MDN-sent-manually; displayed\n\n--m--\n");
	assert_int_equal(v->cls, CLASSIFY_OTHER);
	assert_string_equal(v->rule, "report-structure");
	classify_verdict_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_sender_is_never_a_reply),
		cmocka_unit_test(test_return_path_stands_for_envelope),
		cmocka_unit_test(test_garbage_report_is_bounce),
		cmocka_unit_test(test_nested_report),
		cmocka_unit_test(test_nonstandard_notices),
		cmocka_unit_test(test_success_notice),
		cmocka_unit_test(test_system_account_notice),
		cmocka_unit_test(test_vacation_echoing_notice_subject),
		cmocka_unit_test(test_daemon_with_auto_headers),
		cmocka_unit_test(test_challenge),
		cmocka_unit_test(test_read_receipt_is_not_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
