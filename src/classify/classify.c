/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify.c - the inbound classifier's entry point: parses one message
 * with GMime into a struct classify_msg (classify_int.h) and applies the rules
 * in their order. See classify.h for the contract.
 *
 * The order of the rules, and why, is in classify.h.
 */
#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "classify_int.h"

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void gmime_init(void)
{
	g_mime_init();
}

/* ---- reply evidence ---- */

static void add_reference(struct verdict *v, const char *id)
{
	if (v->nreferences >= 64)
		return;
	v->references = xreallocarray(v->references, v->nreferences + 1, sizeof(char *));
	v->references[v->nreferences++] = classify_text_one_line(id, strlen(id), 998);
}

static void reply_headers(struct classify_msg *m, struct verdict *v)
{
	const char *irt = classify_msg_header(m, "In-Reply-To");
	if (irt != NULL) {
		GMimeReferences *r = g_mime_references_parse(NULL, irt);
		if (r != NULL && g_mime_references_length(r) > 0) {
			const char *id = g_mime_references_get_message_id(r, 0);
			v->in_reply_to = classify_text_one_line(id, strlen(id), 998);
		}
		if (r != NULL)
			g_mime_references_free(r);
	}
	const char *refs = classify_msg_header(m, "References");
	if (refs != NULL) {
		GMimeReferences *r = g_mime_references_parse(NULL, refs);
		if (r != NULL) {
			for (int i = 0; i < g_mime_references_length(r); i++)
				add_reference(v, g_mime_references_get_message_id(r, i));
			g_mime_references_free(r);
		}
	}
}

/* The attribution lines mail clients put above a quoted message. */
static int has_quote_header(const struct sbuf *t)
{
	static const char *const marks[] = {
		"-----Original Message-----", "----- Original Message -----",
		"-------- Original Message --------", "wrote:", "schrieb:",
		"a écrit :", "a écrit:", "escribió:", "schreef:", "ha scritto:",
		"escreveu:", "-----Ursprüngliche Nachricht-----",
		"-----Message d'origine-----", NULL
	};
	if (classify_text_memcase_any(t->s, t->len, marks))
		return 1;
	/* Outlook's "From: ... Sent: ..." block */
	const char *f = classify_text_memcasestr(t->s, t->len, "\nFrom: ");
	if (f != NULL && classify_text_memcasestr(f, t->len - (size_t)(f - t->s), "\nSent: "))
		return 1;
	return 0;
}

/* Machine senders that are not auto-replies: notifications, newsletters. */
static int is_machine_sender(const struct classify_msg *m)
{
	static const char *const locals[] = {
		"noreply", "no-reply", "no_reply", "donotreply", "do-not-reply",
		"do_not_reply", "notification", "notifications", "notify",
		"mailer", "bounce", "bounces", NULL
	};
	if (m->from == NULL)
		return 0;
	const char *at = strrchr(m->from, '@');
	size_t ll = at ? (size_t)(at - m->from) : strlen(m->from);
	for (int i = 0; locals[i]; i++)
		if (strlen(locals[i]) == ll && strncmp(m->from, locals[i], ll) == 0)
			return 1;
	return 0;
}

/* ---- entry point ---- */

static const char *skip_ws(const char *s, size_t n, size_t *left)
{
	size_t i = 0;
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	*left = n - i;
	return s + i;
}

/* Mail no person wrote, that no rule above placed: a null envelope
 * sender, cadence's VERP address as recipient, a report structure
 * (multipart/report of any type: DSN, MDN read receipt), MAILER-DAEMON. Never a reply: whether it stops anything is
 * the policy's business, not a guess here. */
static const char *automated(const struct classify_msg *m)
{
	if (m->null_sender)
		return "null-sender";
	if (m->verp)
		return "verp-rcpt";
	/* any multipart/report: delivery, disposition (read receipts), ... */
	if (m->has_report || m->dsn_report || m->dsn.len > 0)
		return "report-structure";
	if (classify_msg_sender_is_daemon(m) == 2)
		return "mailer-daemon";
	return NULL;
}

struct verdict *classify_message(const char *raw, size_t len)
{
	return classify_message_env(raw, len, NULL);
}

struct verdict *classify_message_env(const char *raw, size_t len,
    const struct classify_envelope *env)
{
	struct verdict *v = xcalloc(1, sizeof(*v));
	struct classify_msg m;
	size_t left;

	v->cls = CLASSIFY_OTHER;
	v->rule = "none";
	v->reply_evidence = "none";
	if (raw == NULL)
		len = 0;
	if (len > CLASSIFY_MAX_INPUT)
		len = CLASSIFY_MAX_INPUT;
	pthread_once(&gmime_once, gmime_init);

	/* one copy with LF line ends: GMime and the text rules see one form */
	char *buf = xmalloc(len + 1);
	size_t n = 0, i = 0;
	while (i < len) {
		/* the bytes up to the next CR in one copy; a CR before LF dropped */
		const char *cr = memchr(raw + i, '\r', len - i);
		size_t k = cr ? (size_t)(cr - (raw + i)) : len - i;
		memcpy(buf + n, raw + i, k);
		n += k;
		i += k;
		if (cr == NULL)
			break;
		if (!(i + 1 < len && raw[i + 1] == '\n'))
			buf[n++] = '\r';
		i++;
	}
	buf[n] = '\0';

	/* 1. a bare iCalendar object (an .ics file given on the command line) */
	const char *p = skip_ws(buf, n, &left);
	if (left >= 15 && strncasecmp(p, "BEGIN:VCALENDAR", 15) == 0) {
		if (classify_imip(p, left, v) && v->method && strcasecmp(v->method, "REPLY") == 0) {
			v->cls = CLASSIFY_MEETING;
			v->rule = "itip-reply";
		} else {
			v->rule = v->method ? "itip-other" : "ical-unparsable";
		}
		free(buf);
		return v;
	}

	memset(&m, 0, sizeof(m));
	sbuf_init(&m.text);
	sbuf_init(&m.dsn);
	sbuf_init(&m.feedback);
	sbuf_init(&m.calendar);
	sbuf_init(&m.orig);
	if (classify_msg_parse(&m, buf, n) < 0) {
		v->rule = "unparsable";
		classify_msg_free(&m);
		free(buf);
		return v;
	}
	classify_msg_envelope(&m, env);
	v->null_sender = m.null_sender;
	v->from = xstrdup(m.from);
	v->subject = xstrdup(m.subject);
	const char *mid = g_mime_message_get_message_id(m.gm);
	if (mid != NULL)
		v->message_id = classify_text_one_line(mid, strlen(mid), 998);
	reply_headers(&m, v);

	/* 1. iMIP */
	if (m.calendar.len > 0 && classify_imip(m.calendar.s, m.calendar.len, v) &&
	    v->method && strcasecmp(v->method, "REPLY") == 0) {
		v->cls = CLASSIFY_MEETING;
		v->rule = "imip-reply";
		goto done;
	}
	/* 2-6. machine reports: SES, ARF/JMRP, challenge/response, DSNs and notices */
	if (classify_ses(&m, v) || classify_arf(&m, v) || classify_challenge(&m, v) || classify_dsn(&m, v))
		goto done;
	if (m.calendar.len > 0 && v->method != NULL) {
		/* an invitation, a cancellation, a counter-proposal: not ours to act on */
		v->rule = "imip-other";
		goto done;
	}
	/* Apple Mail's unsubscribe button sends a message marked so (and
	 * Auto-Submitted): the reader's request, made by the client */
	const char *au = classify_msg_header(&m, "X-Apple-Unsubscribe");
	if (au != NULL && classify_text_strcasestr(au, "true")) {
		v->cls = CLASSIFY_UNSUBSCRIBE;
		v->rule = "apple-unsubscribe";
		v->feedback_type = xstrdup("opt-out");
		goto done;
	}
	/* 9. auto-replies */
	if (classify_auto(&m, v))
		goto done;
	/* 10. never a reply by default: envelope, report structure, MAILER-DAEMON */
	const char *why = automated(&m);
	if (why != NULL) {
		v->rule = why;
		goto done;
	}
	/* 11-12. unsubscribe requests; machine senders */
	if (classify_auto_unsubscribe(&m, v))
		goto done;
	if (is_machine_sender(&m)) {
		v->rule = "machine-sender";
		goto done;
	}
	int re = 0;
	classify_text_strip_prefixes(m.subject, &re);
	v->cls = CLASSIFY_REPLY;
	v->rule = "human";
	if (v->in_reply_to)
		v->reply_evidence = "in-reply-to";
	else if (v->nreferences)
		v->reply_evidence = "references";
	else if (re)
		v->reply_evidence = "subject";
	else if (has_quote_header(&m.text))
		v->reply_evidence = "quote";
done:
	if (v->orig_message_id == NULL && (v->cls == CLASSIFY_BOUNCE || v->cls == CLASSIFY_DELAY ||
	    v->cls == CLASSIFY_COMPLAINT || v->cls == CLASSIFY_CHALLENGE) && m.orig_message_id != NULL)
		v->orig_message_id = xstrdup(m.orig_message_id);
	classify_msg_free(&m);
	free(buf);
	return v;
}
