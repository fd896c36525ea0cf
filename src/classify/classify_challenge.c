/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify_challenge.c - challenge/response notices: the recipient's
 * mailbox holds our message until the sender proves to be a person
 * ("please confirm you are human", Boxbe, Spam Arrest, ...). Neither a
 * bounce (the address works) nor a reply (nobody read the message): the
 * policy pauses the enrollment and asks the rep to confirm.
 *
 * The rule: an automated message (null sender, RFC 3834 or de-facto
 * auto-reply headers, a delivery report, a mail system's From, or a
 * challenge service's own domain) whose subject or text asks in so many
 * words for the sender to verify itself. A bounce that says "sender
 * verify failed" (an Exim callout) asks nothing of the sender and is not
 * a challenge: the phrases below are requests, not diagnoses.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "classify_int.h"

/* Requests a challenge system makes, lower case. */
static const char *const requests[] = {
	"confirm you are human", "confirm that you are human", "confirm you're human",
	"confirm that you're human", "confirm you are a human", "confirm that you are a human",
	"verify you are human", "verify that you are human", "verify you are a human",
	"verify that you are a human", "prove you are human", "prove that you are human",
	"prove you are a human", "prove that you are a human", "you are a real person",
	"you are not a robot", "you're not a robot", "not an automated",
	"challenge/response", "challenge-response", "challenge response",
	"approved senders list", "approved sender list", "add you to my approved",
	"added to my approved", "added to the approved", "your message is being held",
	"your message has been held", "held pending", "pending your verification",
	"awaiting your verification", "until you verify", "to have your message delivered",
	"so that your message can be delivered", "so your message can be delivered",
	"to get your message delivered", "please verify your message",
	"verify your e-mail to", "verify your email to", "sender authentication request",
	"i use a spam protection", "uses a spam protection", "spam protection service",
	"guaranteed delivery", "bitte bestätigen sie, dass sie ein mensch",
	"confirmez que vous êtes", "confirme que eres", "guest list", "waitlisted",
	"so your messages will be delivered", "so your message will be delivered",
	"complete the verification", "protecting myself from", "sender verification request",
	"verify that you sent", "confirm that you sent", "to prove you are", "spamblocker",
	"choicemail", "mailblocks", "boxbe", "spam arrest", "spamarrest", NULL
};

/* Services whose business is the challenge (From domain, org part). */
static const char *const services[] = {
	"boxbe.com", "spamarrest.com", "mailblocks.com", "sendio.com", "choicemail.com",
	"bluebottle.com", "hushmail-challenge", NULL
};

static int from_service(const struct classify_msg *m)
{
	const char *at = m->from ? strrchr(m->from, '@') : NULL;
	if (at == NULL)
		return 0;
	for (int i = 0; services[i]; i++) {
		size_t k = strlen(services[i]), dl = strlen(at + 1);
		if (dl >= k && strcasecmp(at + 1 + dl - k, services[i]) == 0 &&
		    (dl == k || at[1 + dl - k - 1] == '.'))
			return 1;
	}
	return 0;
}

static int automated(const struct classify_msg *m)
{
	const char *as = classify_msg_header(m, "Auto-Submitted");
	if (m->null_sender || m->verp || m->dsn_report || m->dsn.len > 0 ||
	    classify_msg_sender_is_daemon(m) || from_service(m))
		return 1;
	if (as != NULL && classify_text_strcasestr(as, "auto-") != NULL)
		return 1;
	static const char *const xh[] = {
		"X-Autoreply", "X-Autorespond", "X-Auto-Reply", "X-Challenge", "X-Boxbe-Id",
		"X-SpamArrest", "Precedence", NULL
	};
	for (int i = 0; xh[i]; i++)
		if (classify_msg_header(m, xh[i]) != NULL)
			return 1;
	const char *rp = classify_msg_header(m, "Return-Path");
	return rp != NULL && strstr(rp, "<>") != NULL;
}

int classify_challenge(struct classify_msg *m, struct verdict *v)
{
	int said = 0;
	/* the request comes first in such a notice: its first 4 KiB */
	size_t n = m->text.len < 4096 ? m->text.len : 4096;

	if (!automated(m))
		return 0;
	said = classify_text_memcase_any(m->text.s, n, requests) || classify_text_case_any(m->subject, requests);
	if (!said)
		return 0;
	v->cls = CLASSIFY_CHALLENGE;
	v->rule = "challenge-response";
	return 1;
}
