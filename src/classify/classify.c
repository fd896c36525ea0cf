/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify.c - the inbound classifier's entry point: parses one message
 * with GMime into a struct cls_msg (classify_int.h) and applies the rules
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

const char *cls_class_name(enum cls_class c)
{
	switch (c) {
	case CLS_REPLY: return "reply";
	case CLS_AUTOREPLY: return "autoreply";
	case CLS_BOUNCE: return "bounce";
	case CLS_DELAY: return "delay";
	case CLS_UNSUBSCRIBE: return "unsubscribe";
	case CLS_MEETING: return "meeting";
	case CLS_COMPLAINT: return "complaint";
	case CLS_CHALLENGE: return "challenge";
	case CLS_OTHER: break;
	}
	return "other";
}

const char *cls_header(const struct cls_msg *m, const char *name)
{
	if (m->gm == NULL)
		return NULL;
	return g_mime_object_get_header(GMIME_OBJECT(m->gm), name);
}

struct cls_rcpt *cls_add_rcpt(struct verdict *v, const char *addr)
{
	if (addr == NULL || v->nrcpts >= CLS_MAX_RCPTS)
		return NULL;
	for (size_t i = 0; i < v->nrcpts; i++)
		if (strcmp(v->rcpts[i].address, addr) == 0)
			return &v->rcpts[i];
	v->rcpts = xrealloc(v->rcpts, (v->nrcpts + 1) * sizeof(*v->rcpts));
	struct cls_rcpt *r = &v->rcpts[v->nrcpts++];
	memset(r, 0, sizeof(*r));
	r->address = xstrdup(addr);
	cad_strlower(r->address);
	return r;
}

void verdict_free(struct verdict *v)
{
	if (v == NULL)
		return;
	free(v->from);
	free(v->subject);
	free(v->message_id);
	for (size_t i = 0; i < v->nrcpts; i++) {
		free(v->rcpts[i].address);
		free(v->rcpts[i].status);
		free(v->rcpts[i].action);
		free(v->rcpts[i].diagnostic);
	}
	free(v->rcpts);
	free(v->orig_message_id);
	free(v->in_reply_to);
	for (size_t i = 0; i < v->nreferences; i++)
		free(v->references[i]);
	free(v->references);
	free(v->method);
	free(v->partstat);
	free(v->attendee);
	free(v->organizer);
	free(v->dtstart);
	for (size_t i = 0; i < v->nattendees; i++) {
		free(v->attendees[i].address);
		free(v->attendees[i].partstat);
	}
	free(v->attendees);
	free(v->feedback_type);
	free(v->arf_rcpt);
	free(v);
}

/* ---- building the parsed view ---- */

static void add_capped(struct sbuf *b, const char *s, size_t n)
{
	if (s == NULL || n == 0 || b->len >= CLS_MAX_TEXT)
		return;
	if (n > CLS_MAX_TEXT - b->len)
		n = CLS_MAX_TEXT - b->len;
	sbuf_add(b, s, n);
	if (b->len > 0 && b->s[b->len - 1] != '\n')
		sbuf_addc(b, '\n');
}

/* The decoded (transfer-encoding only) bytes of a leaf part. */
static void part_bytes(GMimePart *p, struct sbuf *out)
{
	GMimeDataWrapper *w = g_mime_part_get_content(p);
	if (w == NULL)
		return;
	GMimeStream *s = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(w, s);
	GByteArray *a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
	if (a != NULL)
		add_capped(out, (const char *)a->data, a->len);
	g_object_unref(s);
}

/* Text converted to UTF-8 from the part's charset. */
static void part_text(GMimePart *p, struct sbuf *out)
{
	if (GMIME_IS_TEXT_PART(p)) {
		cls_iconv_pin(g_mime_object_get_content_type_parameter(GMIME_OBJECT(p), "charset"));
		char *t = g_mime_text_part_get_text(GMIME_TEXT_PART(p));
		if (t != NULL) {
			add_capped(out, t, strlen(t));
			g_free(t);
			return;
		}
	}
	part_bytes(p, out);
}

/* Crude HTML to text: drops tags, style/script, decodes a few entities.
 * Only used when a message has no text/plain at all. */
static void html_to_text(const char *h, size_t n, struct sbuf *out)
{
	size_t i = 0;
	while (i < n && out->len < CLS_MAX_TEXT) {
		if (h[i] == '<') {
			const char *tag = h + i + 1;
			int skip = cad_startswith_ci(tag, "style") || cad_startswith_ci(tag, "script");
			int br = cad_startswith_ci(tag, "br") || cad_startswith_ci(tag, "p") ||
			    cad_startswith_ci(tag, "/p") || cad_startswith_ci(tag, "div") ||
			    cad_startswith_ci(tag, "/div") || cad_startswith_ci(tag, "tr");
			const char *end = memchr(h + i, '>', n - i);
			if (end == NULL)
				break;
			i = (size_t)(end - h) + 1;
			if (skip) {
				const char *close = cls_memcasestr(h + i, n - i, "</");
				i = close ? (size_t)(close - h) : n;
			}
			if (br)
				sbuf_addc(out, '\n');
			continue;
		}
		if (h[i] == '&') {
			static const struct { const char *e; char c; } ent[] = {
				{ "&nbsp;", ' ' }, { "&amp;", '&' }, { "&lt;", '<' },
				{ "&gt;", '>' }, { "&quot;", '"' }, { "&#39;", '\'' },
			};
			size_t k;
			for (k = 0; k < CAD_ARRAY_LEN(ent); k++)
				if (cls_memcasestr(h + i, n - i < 7 ? n - i : 7, ent[k].e) == h + i)
					break;
			if (k < CAD_ARRAY_LEN(ent)) {
				sbuf_addc(out, ent[k].c);
				i += strlen(ent[k].e);
				continue;
			}
		}
		sbuf_addc(out, h[i++]);
	}
	sbuf_addc(out, '\n');
}

/* The Message-ID line of a header block given as text. */
static char *message_id_in_headers(const char *s, size_t n)
{
	for (size_t i = 0; i < n; ) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t ll = nl ? (size_t)(nl - (s + i)) : n - i;
		if (ll > 11 && strncasecmp(s + i, "Message-ID:", 11) == 0) {
			const char *lt = memchr(s + i, '<', ll);
			const char *gt = lt ? memchr(lt, '>', ll - (size_t)(lt - (s + i))) : NULL;
			if (lt && gt && gt > lt + 1)
				return cls_one_line(lt + 1, (size_t)(gt - lt - 1), 998);
			/* a folded value: the id is on the next line */
			if (nl && (size_t)(nl - s) + 1 < n && (nl[1] == ' ' || nl[1] == '\t')) {
				const char *l2 = nl + 1;
				size_t rest = n - (size_t)(l2 - s);
				const char *n2 = memchr(l2, '\n', rest);
				size_t l2l = n2 ? (size_t)(n2 - l2) : rest;
				lt = memchr(l2, '<', l2l);
				gt = lt ? memchr(lt, '>', l2l - (size_t)(lt - l2)) : NULL;
				if (lt && gt && gt > lt + 1)
					return cls_one_line(lt + 1, (size_t)(gt - lt - 1), 998);
			}
		}
		i += ll + 1;
	}
	return NULL;
}

struct walk_state {
	struct sbuf html;
	int have_plain;
};

static void walk(struct cls_msg *m, struct walk_state *ws, GMimeObject *obj, int depth)
{
	if (obj == NULL || depth > CLS_MAX_DEPTH || m->parts >= CLS_MAX_PARTS)
		return;
	m->parts++;
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *type = ct ? g_mime_content_type_get_media_type(ct) : "text";
	const char *sub = ct ? g_mime_content_type_get_media_subtype(ct) : "plain";
	if (type == NULL)
		type = "text";
	if (sub == NULL)
		sub = "plain";

	if (GMIME_IS_MULTIPART(obj)) {
		if (strcasecmp(sub, "report") == 0) {
			const char *rt = ct ? g_mime_content_type_get_parameter(ct, "report-type") : NULL;
			m->has_report = 1;
			if (rt != NULL && (cls_strcasestr(rt, "delivery-status") ||
			    cls_strcasestr(rt, "delivery-report")))
				m->dsn_report = 1;
		}
		int n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (int i = 0; i < n && m->parts < CLS_MAX_PARTS; i++)
			walk(m, ws, g_mime_multipart_get_part(GMIME_MULTIPART(obj), i), depth + 1);
		return;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (inner == NULL)
			return;
		if (strcasecmp(sub, "delivery-status") == 0 ||
		    strcasecmp(sub, "global-delivery-status") == 0 ||
		    strcasecmp(sub, "feedback-report") == 0) {
			/* parsed as a message by GMime: its header block is the first
			 * field block and its body holds the others */
			char *h = g_mime_object_to_string(GMIME_OBJECT(inner), NULL);
			if (h != NULL) {
				add_capped(strcasecmp(sub, "feedback-report") == 0 ?
				    &m->feedback : &m->dsn, h, strlen(h));
				g_free(h);
			}
			return;
		}
		/* the returned or forwarded original: keep its headers only */
		if (m->orig.len == 0) {
			char *h = g_mime_object_get_headers(GMIME_OBJECT(inner), NULL);
			if (h != NULL) {
				add_capped(&m->orig, h, strlen(h));
				g_free(h);
			}
			const char *id = g_mime_message_get_message_id(inner);
			if (id != NULL && m->orig_message_id == NULL)
				m->orig_message_id = cls_one_line(id, strlen(id), 998);
		}
		return;
	}
	if (!GMIME_IS_PART(obj))
		return;
	GMimePart *part = GMIME_PART(obj);
	if (strcasecmp(type, "message") == 0 &&
	    (strcasecmp(sub, "delivery-status") == 0 ||
	     strcasecmp(sub, "global-delivery-status") == 0)) {
		part_bytes(part, &m->dsn);
	} else if (strcasecmp(type, "message") == 0 && strcasecmp(sub, "feedback-report") == 0) {
		part_bytes(part, &m->feedback);
	} else if ((strcasecmp(type, "text") == 0 && strcasecmp(sub, "rfc822-headers") == 0) ||
	    (strcasecmp(type, "message") == 0 &&
	     (strcasecmp(sub, "rfc822-headers") == 0 || strcasecmp(sub, "rfc822") == 0 ||
	      strcasecmp(sub, "global-headers") == 0))) {
		if (m->orig.len == 0) {
			part_bytes(part, &m->orig);
			if (m->orig_message_id == NULL)
				m->orig_message_id = message_id_in_headers(m->orig.s, m->orig.len);
		}
	} else if ((strcasecmp(type, "text") == 0 && strcasecmp(sub, "calendar") == 0) ||
	    (strcasecmp(type, "application") == 0 && strcasecmp(sub, "ics") == 0) ||
	    cls_ics_attachment(part)) {
		if (m->calendar.len == 0)
			part_text(part, &m->calendar);
	} else if (strcasecmp(type, "text") == 0 && strcasecmp(sub, "plain") == 0) {
		part_text(part, &m->text);
		ws->have_plain = 1;
	} else if (strcasecmp(type, "text") == 0 && strcasecmp(sub, "html") == 0) {
		part_text(part, &ws->html);
	} else if (strcasecmp(type, "application") == 0 && strcasecmp(sub, "json") == 0) {
		part_bytes(part, &m->text);
	}
}

static char *first_mailbox(InternetAddressList *l, char **name)
{
	if (name)
		*name = NULL;
	if (l == NULL || internet_address_list_length(l) < 1)
		return NULL;
	InternetAddress *a = internet_address_list_get_address(l, 0);
	while (a != NULL && INTERNET_ADDRESS_IS_GROUP(a)) {
		InternetAddressList *g = internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a));
		if (g == NULL || internet_address_list_length(g) < 1)
			return NULL;
		a = internet_address_list_get_address(g, 0);
	}
	if (a == NULL || !INTERNET_ADDRESS_IS_MAILBOX(a))
		return NULL;
	const char *n = internet_address_get_name(a);
	if (name && n && *n)
		*name = cls_one_line(n, strlen(n), 200);
	const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
	if (addr == NULL || *addr == '\0')
		return NULL;
	char *r = cls_one_line(addr, strlen(addr), 320);
	cad_strlower(r);
	return r;
}

static void msg_free(struct cls_msg *m)
{
	if (m->gm)
		g_object_unref(m->gm);
	free(m->from);
	free(m->from_name);
	free(m->to);
	free(m->subject);
	free(m->content_type);
	free(m->orig_message_id);
	sbuf_free(&m->text);
	sbuf_free(&m->dsn);
	sbuf_free(&m->feedback);
	sbuf_free(&m->calendar);
	sbuf_free(&m->orig);
}

static int msg_parse(struct cls_msg *m, const char *buf, size_t len)
{
	cls_iconv_pin_words(buf, len);
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(buf, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	m->gm = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	if (m->gm == NULL)
		return -1;

	m->from = first_mailbox(g_mime_message_get_from(m->gm), &m->from_name);
	m->to = first_mailbox(g_mime_message_get_to(m->gm), NULL);
	const char *s = g_mime_message_get_subject(m->gm);
	if (s != NULL)
		m->subject = cls_one_line(s, strlen(s), 998);
	const char *ctv = cls_header(m, "Content-Type");
	if (ctv != NULL) {
		m->content_type = cls_one_line(ctv, strlen(ctv), 998);
		cad_strlower(m->content_type);
	}

	struct walk_state ws = { .have_plain = 0 };
	sbuf_init(&ws.html);
	walk(m, &ws, g_mime_message_get_mime_part(m->gm), 0);
	if (!ws.have_plain && ws.html.len > 0)
		html_to_text(ws.html.s, ws.html.len, &m->text);
	sbuf_free(&ws.html);
	if (m->text.len == 0 && m->dsn.len == 0 && m->calendar.len == 0) {
		/* MIME structure the parser could not use (a boundary lost to a
		 * broken fold, say): the raw body is the best text there is */
		const char *body = strstr(buf, "\n\n");
		if (body != NULL)
			add_capped(&m->text, body + 2, len - (size_t)(body + 2 - buf));
	}
	if (m->orig_message_id == NULL && m->orig.len > 0)
		m->orig_message_id = message_id_in_headers(m->orig.s, m->orig.len);
	return 0;
}

/* ---- reply evidence ---- */

static void add_reference(struct verdict *v, const char *id)
{
	if (v->nreferences >= 64)
		return;
	v->references = xrealloc(v->references, (v->nreferences + 1) * sizeof(char *));
	v->references[v->nreferences++] = cls_one_line(id, strlen(id), 998);
}

static void reply_headers(struct cls_msg *m, struct verdict *v)
{
	const char *irt = cls_header(m, "In-Reply-To");
	if (irt != NULL) {
		GMimeReferences *r = g_mime_references_parse(NULL, irt);
		if (r != NULL && g_mime_references_length(r) > 0) {
			const char *id = g_mime_references_get_message_id(r, 0);
			v->in_reply_to = cls_one_line(id, strlen(id), 998);
		}
		if (r != NULL)
			g_mime_references_free(r);
	}
	const char *refs = cls_header(m, "References");
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
	if (cls_memcase_any(t->s, t->len, marks))
		return 1;
	/* Outlook's "From: ... Sent: ..." block */
	const char *f = cls_memcasestr(t->s, t->len, "\nFrom: ");
	if (f != NULL && cls_memcasestr(f, t->len - (size_t)(f - t->s), "\nSent: "))
		return 1;
	return 0;
}

/* Machine senders that are not auto-replies: notifications, newsletters. */
static int is_machine_sender(const struct cls_msg *m)
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

/* The envelope, or what the message says of it when none is given. */
static void take_envelope(struct cls_msg *m, const struct cls_envelope *env)
{
	const char *mf = env ? env->mail_from : NULL;
	if (mf != NULL) {
		while (isspace((unsigned char)*mf))
			mf++;
		m->null_sender = *mf == '\0' || strncmp(mf, "<>", 2) == 0;
	} else {
		/* the delivering MTA's record of the envelope sender */
		const char *rp = cls_header(m, "Return-Path");
		if (rp != NULL) {
			while (isspace((unsigned char)*rp))
				rp++;
			m->null_sender = strncmp(rp, "<>", 2) == 0 ||
			    cls_strcasestr(rp, "<mailer-daemon>") != NULL;
		}
	}
	if (env != NULL) {
		m->env_rcpt = env->rcpt;
		m->verp = env->rcpt_is_verp != 0;
	}
}

/* Mail no person wrote, that no rule above placed: a null envelope
 * sender, cadence's VERP address as recipient, a report structure
 * (multipart/report of any type: DSN, MDN read receipt), MAILER-DAEMON. Never a reply: whether it stops anything is
 * the policy's business, not a guess here. */
static const char *automated(const struct cls_msg *m)
{
	if (m->null_sender)
		return "null-sender";
	if (m->verp)
		return "verp-rcpt";
	/* any multipart/report: delivery, disposition (read receipts), ... */
	if (m->has_report || m->dsn_report || m->dsn.len > 0)
		return "report-structure";
	if (cls_sender_is_daemon(m) == 2)
		return "mailer-daemon";
	return NULL;
}

struct verdict *classify_message(const char *raw, size_t len)
{
	return classify_message_env(raw, len, NULL);
}

struct verdict *classify_message_env(const char *raw, size_t len,
    const struct cls_envelope *env)
{
	struct verdict *v = xcalloc(1, sizeof(*v));
	struct cls_msg m;
	size_t left;

	v->cls = CLS_OTHER;
	v->rule = "none";
	v->reply_evidence = "none";
	if (raw == NULL)
		len = 0;
	if (len > CLS_MAX_INPUT)
		len = CLS_MAX_INPUT;
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
		if (cls_imip(p, left, v) && v->method && strcasecmp(v->method, "REPLY") == 0) {
			v->cls = CLS_MEETING;
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
	if (msg_parse(&m, buf, n) < 0) {
		v->rule = "unparsable";
		msg_free(&m);
		free(buf);
		return v;
	}
	take_envelope(&m, env);
	v->null_sender = m.null_sender;
	v->from = xstrdup(m.from);
	v->subject = xstrdup(m.subject);
	const char *mid = g_mime_message_get_message_id(m.gm);
	if (mid != NULL)
		v->message_id = cls_one_line(mid, strlen(mid), 998);
	reply_headers(&m, v);

	/* 1. iMIP */
	if (m.calendar.len > 0 && cls_imip(m.calendar.s, m.calendar.len, v) &&
	    v->method && strcasecmp(v->method, "REPLY") == 0) {
		v->cls = CLS_MEETING;
		v->rule = "imip-reply";
		goto done;
	}
	/* 2-6. machine reports: SES, ARF/JMRP, challenge/response, DSNs and notices */
	if (cls_ses(&m, v) || cls_arf(&m, v) || cls_challenge(&m, v) || cls_dsn(&m, v))
		goto done;
	if (m.calendar.len > 0 && v->method != NULL) {
		/* an invitation, a cancellation, a counter-proposal: not ours to act on */
		v->rule = "imip-other";
		goto done;
	}
	/* Apple Mail's unsubscribe button sends a message marked so (and
	 * Auto-Submitted): the reader's request, made by the client */
	const char *au = cls_header(&m, "X-Apple-Unsubscribe");
	if (au != NULL && cls_strcasestr(au, "true")) {
		v->cls = CLS_UNSUBSCRIBE;
		v->rule = "apple-unsubscribe";
		v->feedback_type = xstrdup("opt-out");
		goto done;
	}
	/* 9. auto-replies */
	if (cls_auto(&m, v))
		goto done;
	/* 10. never a reply by default: envelope, report structure, MAILER-DAEMON */
	const char *why = automated(&m);
	if (why != NULL) {
		v->rule = why;
		goto done;
	}
	/* 11-12. unsubscribe requests; machine senders */
	if (cls_unsubscribe(&m, v))
		goto done;
	if (is_machine_sender(&m)) {
		v->rule = "machine-sender";
		goto done;
	}
	int re = 0;
	cls_strip_subject_prefixes(m.subject, &re);
	v->cls = CLS_REPLY;
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
	if (v->orig_message_id == NULL && (v->cls == CLS_BOUNCE || v->cls == CLS_DELAY ||
	    v->cls == CLS_COMPLAINT || v->cls == CLS_CHALLENGE) && m.orig_message_id != NULL)
		v->orig_message_id = xstrdup(m.orig_message_id);
	msg_free(&m);
	free(buf);
	return v;
}
