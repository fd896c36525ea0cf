/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify.h - what is this inbound message? (the pure inbound classifier)
 *
 * classify_message() takes the raw bytes of one message (LF or CRLF line
 * ends; a bare iCalendar object is accepted too) and returns a verdict:
 * human reply, auto-reply, bounce, delivery delay, unsubscribe request,
 * meeting response (iMIP), feedback-loop complaint (ARF) or other.
 *
 * Guarantees: no I/O, no clock, no global state beyond one-time
 * initialisations (GMime's; the reason phrase lists filed once) and the
 * charset converters kept loaded (at most 32, classify_iconv.c), none of
 * which changes a result; bounded work on hostile input (input size, MIME depth,
 * part count, recipient count and text sizes are capped, see CLASSIFY_MAX_*);
 * never returns NULL; every string in the verdict is valid UTF-8 or ASCII,
 * owned by the verdict and freed by classify_verdict_free().
 *
 * The class is decided by these rules, first match wins (classify.c).
 * Structure first, then the envelope, then sender and subject
 * conventions, then body text; machine mail often carries auto-reply
 * headers (Gmail DSNs say "Auto-Submitted: auto-replied", Google Calendar
 * acceptances "auto-generated"), so no header of that kind is looked at
 * before the structure has spoken.
 *
 *  1. meeting     a text/calendar part (or bare iCalendar) with METHOD:REPLY
 *  2. bounce      an Amazon SES notification (JSON) of a bounce; complaint
 *                 for its complaint
 *  3. complaint   an ARF report (message/feedback-report), or Microsoft
 *                 JMRP (X-HmXmrOriginalRecipient, attached or inline)
 *  4. challenge   an automated message (null sender, report structure,
 *                 mail-system From, auto-reply headers, a challenge
 *                 service's domain) that asks the sender to prove it is a
 *                 person: before 5, since such notices dress as DSNs
 *                 (Action: failed, 4.7.0)
 *  5. bounce/delay a delivery report (multipart/report;
 *                 report-type=delivery-status anywhere, message/delivery-
 *                 status fields, or the fields inlined in the text): per
 *                 recipient Action/Status decide failed (bounce), delayed
 *                 (delay) or delivered (other); a report whose status part
 *                 is empty or garbage is still a bounce, recipient unknown
 *  6. bounce/delay no report structure, but: X-Failed-Recipients; or a
 *                 mail-system sender (MAILER-DAEMON, postmaster, "Mail
 *                 Delivery System", list managers) with a notice's subject
 *                 or failure wording; the null envelope sender with a
 *                 notice's subject ("Undeliverable", "Mail Delivery
 *                 Warning", "non remis", localized ones, ...) unless an
 *                 auto-reply's signs say it echoes one; a system account
 *                 (root, mailadmin, ...) with both; never a subject that
 *                 says success;
 *                 or a notice's subject with failure wording and a returned
 *                 message. "Warning"/"delayed" subjects without final
 *                 wording are a delay.
 *  7. other       iMIP other than REPLY (invitations, cancellations)
 *  8. unsubscribe Apple Mail's unsubscribe button (X-Apple-Unsubscribe)
 *  9. autoreply   RFC 3834 Auto-Submitted (not "no"), X-Autoreply and
 *                 friends, Precedence auto_reply/bulk/junk/list, Exchange's
 *                 rule headers together, or an out-of-office subject (14
 *                 languages); never from MAILER-DAEMON itself
 * 10. other       never a reply by default: the null envelope sender,
 *                 cadence's VERP address as recipient, any multipart/report
 *                 (a read receipt too), MAILER-DAEMON
 * 11. unsubscribe the subject or first line is the word, or a short text
 *                 asks in so many words
 * 12. other       a machine sender's local part (noreply, notifications, ...)
 * 13. reply       everything else was written by a person (reply_evidence
 *                 says why it is a reply: in-reply-to, references, subject,
 *                 quote, or none for a new message)
 *
 * Bounced recipients come only from evidence, in this order: the
 * delivery-status fields (Final-Recipient, else Original-Recipient;
 * "smtp="/"rfc822=" prefixes and angle brackets dropped, address literals
 * and quoted local parts kept; a one-label domain only when no field has
 * better; a bare local part completed from the original's To/Cc or from
 * the notice's own "NAME at DOMAIN"); X-Failed-Recipients; the
 * failed-recipient lines of known MTA formats (a mail system's list of
 * bare screen names is completed with its own domain: the list says they
 * are its recipients); an address of the quoted original's To/Cc; with
 * nobody named, the original's recipient when it had only one and that
 * one is not at the domain the notice returns to (a mailing list's own
 * address).
 * Suggestions ("did you mean"), message-ids, the sender ("MAIL FROM:<a>")
 * and help desks ("please contact <a>") are not recipients. When none
 * says who failed, the recipient list is empty: unknown, not guessed.
 */
#ifndef CADENCE_CLASSIFY_H
#define CADENCE_CLASSIFY_H

#include <stddef.h>

#define CLASSIFY_MAX_INPUT   (10u * 1024 * 1024) /* larger input: truncated */
#define CLASSIFY_MAX_DEPTH   16                  /* MIME nesting */
#define CLASSIFY_MAX_PARTS   256                 /* MIME parts walked */
#define CLASSIFY_MAX_RCPTS   64                  /* bounced recipients kept */
#define CLASSIFY_MAX_TEXT    (256u * 1024)       /* decoded text kept per kind */

enum classify_class {
	CLASSIFY_OTHER = 0,      /* machine mail of no interest, success DSN, invitation */
	CLASSIFY_REPLY,          /* written by a person */
	CLASSIFY_AUTOREPLY,      /* out-of-office, vacation, autoresponder */
	CLASSIFY_BOUNCE,         /* permanent delivery failure (DSN or not) */
	CLASSIFY_DELAY,          /* delivery delay warning: still being retried */
	CLASSIFY_UNSUBSCRIBE,    /* a request to be removed */
	CLASSIFY_MEETING,        /* iMIP/iTIP METHOD:REPLY */
	CLASSIFY_COMPLAINT,      /* ARF feedback report (RFC 5965) */
	CLASSIFY_CHALLENGE       /* challenge/response: the mailbox asks the sender to
	                     * prove it is a person; neither bounce nor reply */
};

/* One ATTENDEE of an iMIP object: address lower-cased, "mailto:" dropped;
 * partstat as written upper-cased, or NULL when the line has none. */
struct classify_attendee {
	char *address;
	char *partstat;
};
#define CLASSIFY_MAX_ATTENDEES 64

/* One recipient of a bounce or delay notice. */
struct classify_rcpt {
	char *address;      /* lower-cased addr-spec */
	char *status;       /* RFC 3463 "5.1.1", or NULL */
	int smtp_code;      /* 550, or 0 when unknown */
	char *action;       /* "failed", "delayed", ... (RFC 3464) */
	char *diagnostic;   /* the remote server's words, one line, or NULL */
	const char *reason; /* Sisimai vocabulary: "userunknown", "mailboxfull", ... */
	int hard;           /* 1: the address itself is dead (Sisimai's meaning) */
};

struct verdict {
	enum classify_class cls;
	const char *rule;           /* short name of the rule that decided */
	int null_sender;            /* the envelope sender was null (MAIL FROM:<>, or
	                             * Return-Path: <> when no envelope was given) */

	/* top-level headers, decoded */
	char *from;                 /* addr-spec of From */
	char *subject;
	char *message_id;

	/* bounce / delay */
	struct classify_rcpt *rcpts;
	size_t nrcpts;
	char *orig_message_id;      /* Message-ID of the message that bounced */

	/* auto-reply */
	const char *auto_kind;      /* "vacation", "auto-replied", "auto-generated", ... */
	char return_date[11];       /* "YYYY-MM-DD" or "" */

	/* reply */
	char *in_reply_to;
	char **references;
	size_t nreferences;
	const char *reply_evidence; /* "in-reply-to", "references", "subject", "quote", "none" */

	/* meeting (iMIP) */
	char *method;               /* "REPLY", "REQUEST", ... (also set for invitations) */
	char *partstat;             /* "ACCEPTED", "DECLINED", ... */
	char *attendee;
	char *organizer;
	char *dtstart;              /* as in the object, e.g. "20260301T100000Z" */
	struct classify_attendee *attendees;  /* every ATTENDEE of that component (at most
	                             * CLASSIFY_MAX_ATTENDEES), in order; classify_imip.c */
	size_t nattendees;

	/* ARF */
	char *feedback_type;        /* "abuse", "opt-out", ... */
	char *arf_rcpt;             /* the original recipient */
};

/* What the MTA knows and the message may not say: the SMTP envelope.
 * Every field is optional (NULL: unknown). */
struct classify_envelope {
	const char *mail_from;  /* MAIL FROM without <>: "" (or "<>") is the null sender */
	const char *rcpt;       /* an envelope recipient (the one the message is about) */
	int rcpt_is_verp;       /* rcpt is cadence's own VERP bounce address: mail there
	                         * answers our envelope sender (bounce, auto-reply,
	                         * challenge), never a person's reply */
};

/* Classifies raw message bytes. Never NULL; free with classify_verdict_free().
 * classify_message() is classify_message_env() without an envelope: then
 * a "Return-Path: <>" header, when the message has one, stands for it. */
struct verdict *classify_message(const char *raw, size_t len);
struct verdict *classify_message_env(const char *raw, size_t len,
    const struct classify_envelope *env);
void classify_verdict_free(struct verdict *v);

/* "reply", "autoreply", "bounce", "delay", "unsubscribe", "meeting",
 * "complaint", "challenge", "other". */
const char *classify_verdict_class_name(enum classify_class c);

/* The verdict as a JSON object text (jansson), every field; caller frees. */
char *classify_json_text(const struct verdict *v);
/* The same object as jansson's json_t (a new reference; json_decref() it),
 * for a caller that adds fields before printing it once. */
struct json_t;
struct json_t *classify_json_object(const struct verdict *v);
/* The same fields added to the object o, after the ones it has (o
 * returned; NULL when o is NULL). */
struct json_t *classify_json_fill(struct json_t *o, const struct verdict *v);
/* One human-readable line without newline; caller frees. */
char *classify_json_line(const struct verdict *v);

#endif
