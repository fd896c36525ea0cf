/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * notice_text.c - the words of the notices cadence writes to reps (see
 * notice_text.h). Plain text, lines under 72 columns, what happened, what
 * did not, and what the rep can do about it.
 */
#include "config.h"

#include <stdlib.h>

#include "notice_text.h"
#include "util.h"

static const char *or(const char *s, const char *dflt)
{
	return s != NULL && *s != '\0' ? s : dflt;
}

void notice_text_enroll_forged(struct notice_text *out, const char *contacts,
			       const char *sequences, const char *why)
{
	out->subject = xasprintf("cadence: an enrollment in your name was refused");
	out->body = xasprintf(
		"A message with your address in its From line asked cadence to\n"
		"enroll %s in the sequence %s (it was sent to the enroll\n"
		"address), but it was not sent as you:\n\n  %s\n\n"
		"Nothing was enrolled; the message itself was delivered as it was\n"
		"sent. If you sent it, send it again from your own mail account\n"
		"(logged in as yourself), or ask your cadence administrator to\n"
		"let the account or server you used enroll as you (EnrollSenders).\n"
		"If you did not send it, tell your administrator: someone put your\n"
		"address in the From line.\n",
		or(contacts, "(no contact)"), or(sequences, "(none)"), or(why, "unknown"));
}

void notice_text_enroll_refused(struct notice_text *out, const char *contact,
				const char *sequence, const char *why)
{
	out->subject = xasprintf("cadence: could not enroll %s in %s", or(contact, "(no contact)"),
				 or(sequence, "(none)"));
	out->body = xasprintf(
		"You asked cadence to enroll %s in the sequence %s\n"
		"(by sending your message to its enroll address), but it\n"
		"was refused:\n\n  %s\n\n"
		"Your own message was delivered as you sent it; only the\n"
		"enrollment did not happen. If the reason passes (the contact's\n"
		"current sequence ends, your daily enrollment cap frees up\n"
		"tomorrow), enroll the contact again then; otherwise\n"
		"ask your cadence administrator.\n",
		or(contact, "(no contact)"), or(sequence, "(none)"), or(why, "unknown"));
}

void notice_text_paused(struct notice_text *out, int64_t enrollment_id, const char *contact,
			const char *sequence, const char *why)
{
	out->subject = xasprintf("cadence: enrollment %lld of %s paused", (long long)enrollment_id,
				 or(contact, "a contact"));
	out->body = xasprintf("cadence could not go on with enrollment %lld (%s, sequence %s):\n\n"
			      "  %s\n\nIt is paused. Fix the cause, then resume it with\n"
			      "\"cadencectl resume %lld\".\n",
			      (long long)enrollment_id, or(contact, "unknown contact"),
			      or(sequence, "unknown"), or(why, "unknown"), (long long)enrollment_id);
}

char *notice_text_digest_subject(const char *day, int count)
{
	return xasprintf("cadence: your tasks for %s (%d)", or(day, "today"), count);
}

void notice_text_digest_head(struct sbuf *body, const char *name, const char *day, int count)
{
	sbuf_addf(body, "Good morning%s%s,\n\nyour open cadence tasks for %s (%d):\n",
		  name != NULL ? " " : "", name != NULL ? name : "", or(day, "today"), count);
}

void notice_text_digest_task(struct sbuf *body, long long id, const char *kind,
			     const char *contact, const char *sequence, int step,
			     const char *overdue_day)
{
	sbuf_addf(body, "\n- task %lld: %s %s, sequence %s, step %d", id, or(kind, "task"),
		  or(contact, "(unknown contact)"), or(sequence, "(unknown)"), step);
	if (overdue_day != NULL)
		sbuf_addf(body, " (overdue since %s)", overdue_day);
	sbuf_adds(body, "\n");
}

void notice_text_digest_foot(struct sbuf *body)
{
	sbuf_adds(body, "\nMark one done with \"cadencectl task complete ID\" "
		  "(or skip it with \"cadencectl task skip ID\").\n"
		  "Turn this mail off with \"cadencectl user digest ADDRESS no\".\n");
}

void notice_text_free(struct notice_text *t)
{
	if (t == NULL)
		return;
	free(t->subject);
	free(t->body);
	t->subject = NULL;
	t->body = NULL;
}
