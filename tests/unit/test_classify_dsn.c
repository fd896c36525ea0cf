/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_classify_dsn.c - bounces and delay warnings: RFC 3464 reports with
 * several recipients, the non-standard notices of qmail, Exim, Exchange
 * and Yahoo, delay warnings, success DSNs, Amazon SES notifications, and
 * the hard/soft line (Sisimai's meaning: hard only for a dead address).
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

static struct verdict *cls(const char *s)
{
	return classify_message(s, strlen(s));
}

static const struct classify_rcpt *rcpt(const struct verdict *v, const char *addr)
{
	for (size_t i = 0; i < v->nrcpts; i++)
		if (strcmp(v->rcpts[i].address, addr) == 0)
			return &v->rcpts[i];
	fail_msg("no recipient %s", addr);
	return NULL;
}

static void test_postfix_three_recipients(void **state)
{
	(void)state;
	struct verdict *v = cls(
	    "From: MAILER-DAEMON@mx.seller.test (Mail Delivery System)\n"
	    "To: rep@seller.test\nSubject: Undelivered Mail Returned to Sender\n"
	    "Auto-Submitted: auto-replied\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"P\"\n\n"
	    "--P\nContent-Type: text/plain\n\nThis is the mail system at host mx.seller.test.\n\n"
	    "<a@one.test>: host mx.one.test[192.0.2.1] said: 550 5.1.1 <a@one.test>: Recipient\n"
	    "    address rejected: User unknown in local recipient table (in reply to RCPT TO command)\n\n"
	    "<b@two.test>: host mx.two.test[192.0.2.2] said: 552 5.2.2 Mailbox full (in reply\n"
	    "    to RCPT TO command)\n\n"
	    "<c@three.test>: Host or domain name not found. Name service error for\n"
	    "    name=three.test type=MX: Host not found\n\n"
	    "--P\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.seller.test\n\n"
	    "Final-Recipient: rfc822; a@one.test\nOriginal-Recipient: rfc822;a@one.test\n"
	    "Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 <a@one.test>: Recipient\n"
	    "    address rejected: User unknown in local recipient table\n\n"
	    "Final-Recipient: rfc822; b@two.test\nAction: failed\nStatus: 5.2.2\n"
	    "Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\n\n"
	    "Final-Recipient: rfc822; c@three.test\nAction: failed\nStatus: 5.4.4\n"
	    "Diagnostic-Code: X-Postfix; Host or domain name not found. Name service error\n"
	    "    for name=three.test type=MX: Host not found\n\n"
	    "--P\nContent-Type: text/rfc822-headers\n\nFrom: rep@seller.test\nTo: a@one.test\n"
	    "Message-ID: <s1.xyz@seller.test>\nSubject: Hello\n\n--P--\n");
	assert_int_equal(v->cls, CLASSIFY_BOUNCE);
	assert_int_equal(v->nrcpts, 3);
	const struct classify_rcpt *a = rcpt(v, "a@one.test"), *b = rcpt(v, "b@two.test");
	const struct classify_rcpt *c = rcpt(v, "c@three.test");
	assert_string_equal(a->reason, "userunknown");
	assert_true(a->hard);
	assert_int_equal(a->smtp_code, 550);
	assert_string_equal(b->reason, "mailboxfull");
	assert_false(b->hard);            /* a full mailbox is soft, even as 5.2.2 */
	assert_string_equal(b->status, "5.2.2");
	assert_string_equal(c->reason, "hostunknown");
	assert_true(c->hard);
	assert_string_equal(v->orig_message_id, "s1.xyz@seller.test");
	classify_verdict_free(v);
}

static void test_qmail(void **state)
{
	(void)state;
	struct verdict *v = cls(
	    "From: MAILER-DAEMON@mx.buyer.test\nTo: rep@seller.test\nSubject: failure notice\n\n"
	    "Hi. This is the qmail-send program at mx.buyer.test.\n"
	    "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
	    "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
	    "<ann@buyer.test>:\n192.0.2.5 does not like recipient.\n"
	    "Remote host said: 550 5.1.1 <ann@buyer.test>... User Unknown\nGiving up on 192.0.2.5.\n\n"
	    "--- Below this line is a copy of the message.\n\n"
	    "Return-Path: <rep@seller.test>\nFrom: rep@seller.test\nTo: ann@buyer.test\n"
	    "Message-ID: <s2@seller.test>\nSubject: Hi\n\nHello\n");
	assert_int_equal(v->cls, CLASSIFY_BOUNCE);
	assert_int_equal(v->nrcpts, 1);
	assert_string_equal(v->rcpts[0].address, "ann@buyer.test");
	assert_string_equal(v->rcpts[0].status, "5.1.1");
	assert_true(v->rcpts[0].hard);
	assert_string_equal(v->orig_message_id, "s2@seller.test");
	classify_verdict_free(v);
}

static void test_exim_x_failed_recipients(void **state)
{
	(void)state;
	struct verdict *v = cls(
	    "From: Mail Delivery System <Mailer-Daemon@mx.seller.test>\nTo: rep@seller.test\n"
	    "Subject: Mail delivery failed: returning message to sender\n"
	    "X-Failed-Recipients: ann@buyer.test\nAuto-Submitted: auto-replied\n\n"
	    "This message was created automatically by mail delivery software.\n\n"
	    "A message that you sent could not be delivered to one or more of its\n"
	    "recipients. This is a permanent error. The following address(es) failed:\n\n"
	    "  ann@buyer.test\n"
	    "    host mx.buyer.test [192.0.2.9]\n"
	    "    SMTP error from remote mail server after RCPT TO:<ann@buyer.test>:\n"
	    "    552 5.2.2 Mailbox quota exceeded\n\n"
	    "------ This is a copy of the message, including all the headers. ------\n\n"
	    "From: rep@seller.test\nTo: ann@buyer.test\nMessage-ID: <s3@seller.test>\n\nHi\n");
	assert_int_equal(v->cls, CLASSIFY_BOUNCE);
	assert_string_equal(v->rcpts[0].address, "ann@buyer.test");
	assert_string_equal(v->rcpts[0].reason, "mailboxfull");
	assert_false(v->rcpts[0].hard);
	classify_verdict_free(v);
}

static void test_exchange_2003(void **state)
{
	(void)state;
	struct verdict *v = cls(
	    "From: System Administrator <postmaster@buyer.test>\nTo: rep@seller.test\n"
	    "Subject: Undeliverable: Hello\n\nYour message\n\n  To:      ann@buyer.test\n"
	    "  Subject: Hello\n\ndid not reach the following recipient(s):\n\n"
	    "ann@buyer.test on Thu, 29 Apr 2010 00:00:00 -0000\n"
	    "    The recipient name is not recognized\n"
	    "    MSEXCH:IMS:BUYER:SITE:SERVER 0 (000C05A6) Unknown Recipient\n");
	assert_int_equal(v->cls, CLASSIFY_BOUNCE);
	assert_int_equal(v->nrcpts, 1);
	assert_string_equal(v->rcpts[0].address, "ann@buyer.test");
	assert_true(v->rcpts[0].hard);
	classify_verdict_free(v);
}

static void test_after_data_is_soft(void **state)
{
	(void)state;
	/* "user unknown" said in reply to DATA: a filter's refusal, not proof */
	struct verdict *v = cls(
	    "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.seller.test>\nTo: rep@seller.test\n"
	    "Subject: Returned mail: see transcript for details\n\n"
	    "   ----- The following addresses had permanent fatal errors -----\n<ann@buyer.test>\n\n"
	    "   ----- Transcript of session follows -----\n... while talking to mx.buyer.test.:\n"
	    ">>> DATA\n<<< 550 Unknown user ann@buyer.test\n554 5.0.0 Service unavailable\n");
	assert_int_equal(v->cls, CLASSIFY_BOUNCE);
	assert_string_equal(v->rcpts[0].reason, "filtered");
	assert_false(v->rcpts[0].hard);
	classify_verdict_free(v);
}

static void test_temporary_dns_is_soft(void **state)
{
	(void)state;
	struct verdict *v = cls(
	    "From: MAILER-DAEMON@mx.seller.test\nTo: rep@seller.test\nSubject: Undelivered Mail Returned to Sender\n"
	    "Content-Type: multipart/report; report-type=delivery-status; boundary=q\n\n"
	    "--q\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; ann@buyer.test\nAction: failed\nStatus: 4.4.3\n"
	    "Diagnostic-Code: X-Postfix; Host or domain name not found. Name service error for\n"
	    "    name=buyer.test type=MX: Host not found, try again\n\n--q--\n");
	assert_int_equal(v->cls, CLASSIFY_BOUNCE);
	assert_string_equal(v->rcpts[0].reason, "networkerror");
	assert_false(v->rcpts[0].hard);
	classify_verdict_free(v);
}

static void test_delay_and_success(void **state)
{
	(void)state;
	struct verdict *v = cls(
	    "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.seller.test>\nTo: rep@seller.test\n"
	    "Subject: Warning: could not send message for past 4 hours\n"
	    "Content-Type: multipart/report; report-type=delivery-status; boundary=d\n\n"
	    "--d\nContent-Type: text/plain\n\n    **********************************************\n"
	    "    **      THIS IS A WARNING MESSAGE ONLY      **\n"
	    "    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **\n\n"
	    "--d\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: RFC822; ann@buyer.test\nAction: delayed\nStatus: 4.4.7\n"
	    "Will-Retry-Until: Sat, 3 Jan 2026 10:00:00 +0100\n\n--d--\n");
	assert_int_equal(v->cls, CLASSIFY_DELAY);
	assert_string_equal(v->rcpts[0].action, "delayed");
	assert_string_equal(v->rcpts[0].reason, "expired");
	assert_false(v->rcpts[0].hard);
	classify_verdict_free(v);

	v = cls("From: MAILER-DAEMON@mx.seller.test\nTo: rep@seller.test\n"
	    "Subject: Successful Mail Delivery Report\n"
	    "Content-Type: multipart/report; report-type=delivery-status; boundary=s\n\n"
	    "--s\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; ann@buyer.test\nAction: delivered\nStatus: 2.0.0\n\n--s--\n");
	assert_int_equal(v->cls, CLASSIFY_OTHER);
	assert_string_equal(v->rule, "dsn-success");
	classify_verdict_free(v);
}

static void test_ses_notification(void **state)
{
	(void)state;
	struct verdict *v = cls(
	    "From: no-reply@sns.amazonaws.com\nTo: rep@seller.test\nSubject: AWS Notification Message\n\n"
	    "{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\","
	    "\"bouncedRecipients\":[{\"emailAddress\":\"ann@buyer.test\",\"action\":\"failed\","
	    "\"status\":\"5.1.1\",\"diagnosticCode\":\"smtp; 550 5.1.1 user unknown\"}]},"
	    "\"mail\":{\"messageId\":\"0101abc\"}}\n");
	assert_int_equal(v->cls, CLASSIFY_BOUNCE);
	assert_string_equal(v->rcpts[0].address, "ann@buyer.test");
	assert_true(v->rcpts[0].hard);
	assert_string_equal(v->orig_message_id, "0101abc");
	classify_verdict_free(v);
}

static void test_human_mentioning_bounce_is_not_one(void **state)
{
	(void)state;
	struct verdict *v = cls(
	    "From: Ann <ann@buyer.test>\nTo: rep@seller.test\nSubject: Re: your mail\n"
	    "In-Reply-To: <s1@seller.test>\n\n"
	    "Your first message could not be delivered to my old address, use this one.\n");
	assert_int_equal(v->cls, CLASSIFY_REPLY);
	classify_verdict_free(v);
}

/* A report whose delivery-status block names the recipient as given. */
static struct verdict *dsn_with(const char *final, const char *orig_to, const char *text)
{
	char *m = xasprintf(
	    "From: MAILER-DAEMON@mx.buyer.test\nTo: rep@seller.test\n"
	    "Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
	    "--b\nContent-Type: text/plain\n\n%s\n"
	    "--b\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.buyer.test\n\n"
	    "Final-Recipient: %s\nAction: failed\nStatus: 5.1.1\n\n"
	    "--b\nContent-Type: text/rfc822-headers\n\n"
	    "From: rep@seller.test\nTo: %s\nSubject: hi\nMessage-ID: <s1@seller.test>\n\n"
	    "--b--\n", text, final, orig_to);
	struct verdict *v = cls(m);
	free(m);
	return v;
}

static void test_recipient_forms(void **state)
{
	(void)state;
	/* smtp= prefixes and angle brackets go */
	struct verdict *v = dsn_with("rfc822; <smtp=Ann@Buyer.test>", "ann@buyer.test", "Sorry.");
	assert_int_equal(v->nrcpts, 1);
	assert_string_equal(v->rcpts[0].address, "ann@buyer.test");
	classify_verdict_free(v);
	/* an address literal is an address */
	v = dsn_with("rfc822; ann@[192.0.2.7]", "ann@[192.0.2.7]", "Sorry.");
	assert_int_equal(v->nrcpts, 1);
	assert_string_equal(v->rcpts[0].address, "ann@[192.0.2.7]");
	classify_verdict_free(v);
	/* a one-label domain in the field (an intranet host) is an address */
	v = dsn_with("rfc822; userx@mailhub", "userx@mailhub", "Sorry.");
	assert_int_equal(v->nrcpts, 1);
	assert_string_equal(v->rcpts[0].address, "userx@mailhub");
	classify_verdict_free(v);
	/* a quoted local part that needs its quotes keeps them */
	v = dsn_with("rfc822; \"ann smith\"@buyer.test", "x@buyer.test", "Sorry.");
	assert_int_equal(v->nrcpts, 1);
	assert_string_equal(v->rcpts[0].address, "\"ann smith\"@buyer.test");
	classify_verdict_free(v);
	/* a bare local part: the original's To with that local part */
	v = dsn_with("rfc822; ann", "Ann <ann@buyer.test>, bob@buyer.test", "Sorry.");
	assert_int_equal(v->nrcpts, 1);
	assert_string_equal(v->rcpts[0].address, "ann@buyer.test");
	classify_verdict_free(v);
	/* ... or the domain the text gives it */
	v = dsn_with("rfc822; screenname", "list@seller.test",
	    "The screen name screenname at aol.example is not accepting mail.");
	assert_int_equal(v->nrcpts, 1);
	assert_string_equal(v->rcpts[0].address, "screenname@aol.example");
	classify_verdict_free(v);
	/* ... never a guessed domain: unknown */
	v = dsn_with("rfc822; screenname", "list@seller.test", "Sorry.");
	assert_int_equal(v->cls, CLASSIFY_BOUNCE);
	assert_int_equal(v->nrcpts, 0);
	classify_verdict_free(v);
}

static void test_text_recipients_evidence(void **state)
{
	(void)state;
	/* a directory's suggestions are not failed recipients */
	struct verdict *v = cls(
	    "From: postmaster@buyer.test\nTo: rep@seller.test\nSubject: Undeliverable: hi\n\n"
	    "Delivery has failed to these recipients:\n\n"
	    "jon.smith@buyer.test\n\n"
	    "Did you mean one of these?\n"
	    "john.smith@buyer.test\n"
	    "jon.smyth@buyer.test\n"
	    "jonathan.smith@buyer.test\n");
	assert_int_equal(v->cls, CLASSIFY_BOUNCE);
	assert_int_equal(v->nrcpts, 1);
	assert_string_equal(v->rcpts[0].address, "jon.smith@buyer.test");
	classify_verdict_free(v);
	/* screen names listed by the mail system: its domain completes them */
	v = cls("From: Mail Delivery Subsystem <MAILER-DAEMON@aol.example>\n"
	    "To: rep@seller.test\nSubject: Returned mail: User unknown\n\n"
	    "The mail you sent could not be delivered to the following recipients:\n\n"
	    "    screenname1 (user unknown)\n"
	    "    screenname2\n\n"
	    "Please check the names and try again.\n");
	assert_int_equal(v->cls, CLASSIFY_BOUNCE);
	assert_int_equal(v->nrcpts, 2);
	assert_non_null(rcpt(v, "screenname1@aol.example"));
	assert_non_null(rcpt(v, "screenname2@aol.example"));
	classify_verdict_free(v);
	/* nobody named, the original went to a mailing list: the list is not
	 * the member who failed */
	v = cls("From: MAILER-DAEMON@mx.member.test\nTo: team-bounces@lists.seller.test\n"
	    "Subject: Mail delivery failed\n\nMessage could not be delivered.\n\n"
	    "------ This is a copy of the message, including all the headers. ------\n"
	    "From: rep@seller.test\nTo: team@lists.seller.test\nSubject: hi\n\nhello\n");
	assert_int_equal(v->cls, CLASSIFY_BOUNCE);
	assert_int_equal(v->nrcpts, 0);
	classify_verdict_free(v);
	/* the list's own address named in the notice is not the member */
	v = cls("From: MAILER-DAEMON@mx.member.test\nTo: team-bounces@lists.seller.test\n"
	    "Subject: Mail delivery failed\n\n"
	    "Your message to <team@lists.seller.test> could not be delivered to:\n\n"
	    "  bob@member.test\n    User unknown\n");
	assert_int_equal(v->cls, CLASSIFY_BOUNCE);
	assert_int_equal(v->nrcpts, 1);
	assert_string_equal(v->rcpts[0].address, "bob@member.test");
	classify_verdict_free(v);
	/* ... a single recipient elsewhere is the one */
	v = cls("From: MAILER-DAEMON@mx.buyer.test\nTo: bounces+t@seller.test\n"
	    "Subject: Mail delivery failed\n\nMessage could not be delivered.\n\n"
	    "------ This is a copy of the message, including all the headers. ------\n"
	    "From: rep@seller.test\nTo: ann@buyer.test\nSubject: hi\n\nhello\n");
	assert_int_equal(v->nrcpts, 1);
	assert_string_equal(v->rcpts[0].address, "ann@buyer.test");
	classify_verdict_free(v);
	/* nobody named and the original went to two: unknown, not the first */
	v = cls("From: MAILER-DAEMON@mx.buyer.test\nTo: rep@seller.test\n"
	    "Subject: Mail delivery failed\n\nMessage could not be delivered.\n\n"
	    "------ This is a copy of the message, including all the headers. ------\n"
	    "From: rep@seller.test\nTo: ann@buyer.test, bob@buyer.test\nSubject: hi\n\nhello\n");
	assert_int_equal(v->cls, CLASSIFY_BOUNCE);
	assert_int_equal(v->nrcpts, 0);
	classify_verdict_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_postfix_three_recipients),
		cmocka_unit_test(test_qmail),
		cmocka_unit_test(test_exim_x_failed_recipients),
		cmocka_unit_test(test_exchange_2003),
		cmocka_unit_test(test_after_data_is_soft),
		cmocka_unit_test(test_temporary_dns_is_soft),
		cmocka_unit_test(test_delay_and_success),
		cmocka_unit_test(test_ses_notification),
		cmocka_unit_test(test_human_mentioning_bounce_is_not_one),
		cmocka_unit_test(test_recipient_forms),
		cmocka_unit_test(test_text_recipients_evidence),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
