/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify_msg.c - the parsed view of one message (struct classify_msg,
 * classify_int.h): GMime parses it once; the top-level headers, the text,
 * the delivery-status and feedback-report bodies, the calendar and the
 * returned original's headers are kept, each capped at CLASSIFY_MAX_TEXT; the
 * envelope, or what the message says of it; who the From is (a mail
 * system's or not). Every rule reads this view; this file calls no rule
 * (only the text helpers, the iMIP attachment test and the charset pins).
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify_int.h"

const char *classify_msg_header(const struct classify_msg *m, const char *name)
{
	if (m->gm == NULL)
		return NULL;
	return g_mime_object_get_header(GMIME_OBJECT(m->gm), name);
}

static void add_capped(struct sbuf *b, const char *s, size_t n)
{
	if (s == NULL || n == 0 || b->len >= CLASSIFY_MAX_TEXT)
		return;
	if (n > CLASSIFY_MAX_TEXT - b->len)
		n = CLASSIFY_MAX_TEXT - b->len;
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

/* Charsets in which ASCII text converts to UTF-8 unchanged. */
static int ascii_charset(const char *cs)
{
	static const char *const names[] = {
		"us-ascii", "ascii", "utf-8", "iso-8859-1", "iso-8859-2", "iso-8859-15",
		"windows-1250", "windows-1251", "windows-1252", NULL
	};
	for (int i = 0; names[i]; i++)
		if (strcasecmp(cs, names[i]) == 0)
			return 1;
	return 0;
}

/* Well-formed UTF-8 (Unicode's table 3-7: no overlong form, no
 * surrogate, nothing past U+10FFFF), which iconv converts to itself. */
static int utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t k;
		unsigned char lo = 0x80, hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			k = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else
			return 0;
		if (n - i <= k || s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (size_t j = 2; j <= k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
		i += k + 1;
	}
	return 1;
}

/* Text whose conversion to UTF-8 changes nothing (no charset named; or
 * ASCII alone in an ASCII charset; or well-formed UTF-8 labelled so):
 * its decoded bytes up to the first NUL, exactly what
 * g_mime_text_part_get_text() would give, without the converter. 0
 * (nothing added) when the part needs converting. */
static int text_as_is(GMimePart *p, const char *cs, struct sbuf *out)
{
	GMimeDataWrapper *w = g_mime_part_get_content(p);
	if (w == NULL)
		return 1;
	GMimeStream *s = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(w, s);
	GByteArray *a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
	const unsigned char *d = a ? a->data : NULL;
	size_t n = a ? a->len : 0;
	int ok = cs == NULL;
	if (!ok && ascii_charset(cs)) {
		size_t i = 0;
		while (i < n && d[i] < 0x80)
			i++;
		ok = i == n || (strcasecmp(cs, "utf-8") == 0 && utf8_valid(d + i, n - i));
	}
	if (ok && n > 0) {
		const unsigned char *z = memchr(d, '\0', n);
		add_capped(out, (const char *)d, z ? (size_t)(z - d) : n);
	}
	g_object_unref(s);
	return ok;
}

/* Text converted to UTF-8 from the part's charset. */
static void part_text(GMimePart *p, struct sbuf *out)
{
	if (GMIME_IS_TEXT_PART(p)) {
		const char *cs = g_mime_object_get_content_type_parameter(GMIME_OBJECT(p), "charset");
		if (text_as_is(p, cs, out))
			return;
		classify_iconv_pin(cs);
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
	while (i < n && out->len < CLASSIFY_MAX_TEXT) {
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
				const char *close = classify_text_memcasestr(h + i, n - i, "</");
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
				if (classify_text_memcasestr(h + i, n - i < 7 ? n - i : 7, ent[k].e) == h + i)
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
				return classify_text_one_line(lt + 1, (size_t)(gt - lt - 1), 998);
			/* a folded value: the id is on the next line */
			if (nl && (size_t)(nl - s) + 1 < n && (nl[1] == ' ' || nl[1] == '\t')) {
				const char *l2 = nl + 1;
				size_t rest = n - (size_t)(l2 - s);
				const char *n2 = memchr(l2, '\n', rest);
				size_t l2l = n2 ? (size_t)(n2 - l2) : rest;
				lt = memchr(l2, '<', l2l);
				gt = lt ? memchr(lt, '>', l2l - (size_t)(lt - l2)) : NULL;
				if (lt && gt && gt > lt + 1)
					return classify_text_one_line(lt + 1, (size_t)(gt - lt - 1), 998);
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

static void walk(struct classify_msg *m, struct walk_state *ws, GMimeObject *obj, int depth)
{
	if (obj == NULL || depth > CLASSIFY_MAX_DEPTH || m->parts >= CLASSIFY_MAX_PARTS)
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
			if (rt != NULL && (classify_text_strcasestr(rt, "delivery-status") ||
			    classify_text_strcasestr(rt, "delivery-report")))
				m->dsn_report = 1;
		}
		int n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (int i = 0; i < n && m->parts < CLASSIFY_MAX_PARTS; i++)
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
				m->orig_message_id = classify_text_one_line(id, strlen(id), 998);
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
	    classify_imip_ics_attachment(part)) {
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
		*name = classify_text_one_line(n, strlen(n), 200);
	const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
	if (addr == NULL || *addr == '\0')
		return NULL;
	char *r = classify_text_one_line(addr, strlen(addr), 320);
	cad_strlower(r);
	return r;
}

void classify_msg_free(struct classify_msg *m)
{
	if (m->gm)
		g_object_unref(m->gm);
	if (m->raw)    /* the array only: the bytes are the caller's */
		g_byte_array_free(m->raw, FALSE);
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

int classify_msg_parse(struct classify_msg *m, const char *buf, size_t len)
{
	classify_iconv_pin_words(buf, len);
	/* the stream reads buf itself (not owned: freed by the caller after
	 * classify_msg_free(), once the message and its parts, which may
	 * read the stream, are gone) instead of a copy of it */
	m->raw = g_byte_array_new_take((guint8 *)(uintptr_t)buf, len);
	GMimeStream *stream = g_mime_stream_mem_new_with_byte_array(m->raw);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
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
		m->subject = classify_text_one_line(s, strlen(s), 998);
	const char *ctv = classify_msg_header(m, "Content-Type");
	if (ctv != NULL) {
		m->content_type = classify_text_one_line(ctv, strlen(ctv), 998);
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

/* The envelope, or what the message says of it when none is given. */
void classify_msg_envelope(struct classify_msg *m, const struct classify_envelope *env)
{
	const char *mf = env ? env->mail_from : NULL;
	if (mf != NULL) {
		while (isspace((unsigned char)*mf))
			mf++;
		m->null_sender = *mf == '\0' || strncmp(mf, "<>", 2) == 0;
	} else {
		/* the delivering MTA's record of the envelope sender */
		const char *rp = classify_msg_header(m, "Return-Path");
		if (rp != NULL) {
			while (isspace((unsigned char)*rp))
				rp++;
			m->null_sender = strncmp(rp, "<>", 2) == 0 ||
			    classify_text_strcasestr(rp, "<mailer-daemon>") != NULL;
		}
	}
	if (env != NULL) {
		m->env_rcpt = env->rcpt;
		m->verp = env->rcpt_is_verp != 0;
	}
}

int classify_msg_local_is(const char *addr, const char *const *locals)
{
	const char *at = strrchr(addr, '@');
	size_t ll = at ? (size_t)(at - addr) : strlen(addr);
	for (int i = 0; locals[i]; i++)
		if (strlen(locals[i]) == ll && strncasecmp(addr, locals[i], ll) == 0)
			return 1;
	return 0;
}

static const char *const daemon_locals[] = {
	"mailer-daemon", "mailer_daemon", "maildaemon", "mail-daemon", "postmaster",
	"post_master", "poostmaster", "mail.delivery.system", "mdaemon", "mailerdaemon",
	NULL
};

int classify_msg_is_daemon_local(const char *addr)
{
	return classify_msg_local_is(addr, daemon_locals);
}

int classify_msg_sender_is_daemon(const struct classify_msg *m)
{
	const char *raw = classify_msg_header(m, "From");
	if (raw == NULL)
		return 0;
	/* MAILER-DAEMON itself, or a From that is the null address */
	if (m->from && (classify_msg_local_is(m->from, (const char *const[]){ "mailer-daemon",
	    "mailer_daemon", "mailerdaemon", "mail-daemon", NULL })))
		return 2;
	if (m->from == NULL && (strstr(raw, "<>") || classify_text_strcasestr(raw, "mailer-daemon")))
		return 2;
	/* a message with two From fields: any of them may be the daemon */
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(m->gm));
	int nh = g_mime_header_list_get_count(hl);
	for (int i = 0, seen = 0; i < nh && i < 200; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		if (strcasecmp(g_mime_header_get_name(h), "From") != 0)
			continue;
		const char *val = g_mime_header_get_value(h);
		if (seen++ > 0 && val && (classify_text_strcasestr(val, "mailer-daemon") ||
		    classify_text_strcasestr(val, "postmaster")))
			return 1;
	}
	/* mailing-list managers answer for their lists (fml, Majordomo) */
	if (m->from) {
		const char *at = strchr(m->from, '@');
		size_t ll = at ? (size_t)(at - m->from) : strlen(m->from);
		if ((ll > 6 && strncmp(m->from + ll - 6, "-admin", 6) == 0) ||
		    (ll > 6 && strncmp(m->from + ll - 6, "-owner", 6) == 0) ||
		    strncmp(m->from, "owner-", 6) == 0)
			return 1;
	}
	if (m->from == NULL && (strstr(raw, "<>") || classify_text_strcasestr(raw, "daemon")))
		return 1;
	if (m->from && classify_msg_local_is(m->from, daemon_locals))
		return 1;
	return classify_text_strcasestr(raw, "mailer-daemon") ||
	    classify_text_strcasestr(raw, "mail delivery") ||
	    classify_text_strcasestr(raw, "postmaster") ||
	    classify_text_strcasestr(raw, "mail deliver system");
}
