/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * compose.c - building the RFC 5322 message of a sequence step with GMime
 * (see compose.h).
 *
 * Every input is checked before GMime sees it, so a refused message leaves
 * no half-written output; GMime then does what it is trusted for: address
 * quoting, RFC 2047 encoding, header folding, quoted-printable and CRLF
 * output.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "compose.h"

/* Headers this module writes; an extra header may not repeat them. */
static const char *const managed_headers[] = {
	"From", "To", "Cc", "Bcc", "Sender", "Subject", "Date", "Message-ID",
	"In-Reply-To", "References", "List-Unsubscribe", "List-Unsubscribe-Post",
	"MIME-Version", "Return-Path",
};

static void compose_gmime_init(void)
{
	static gsize once;

	if (g_once_init_enter(&once)) {
		g_mime_init();
		g_once_init_leave(&once, 1);
	}
}

/*
 * A header field's text: bounded, valid UTF-8, and no control bytes but
 * TAB, so nothing can end the header line early (no CR, no LF).
 */
static int check_text(const char *field, const char *s, size_t max, struct cad_err *err)
{
	size_t n = strnlen(s, max + 1);
	const unsigned char *p;

	if (n > max)
		return cad_err_set(err, "%s: longer than %zu bytes", field, max);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n')
			return cad_err_set(err, "%s: contains a line break", field);
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return cad_err_set(err, "%s: contains control character 0x%02x",
			    field, *p);
	}
	if (!g_utf8_validate(s, (gssize)n, NULL))
		return cad_err_set(err, "%s: not valid UTF-8", field);
	return 0;
}

static int check_addr(const char *field, const char *addr, struct cad_err *err)
{
	const unsigned char *p;

	if (addr == NULL || *addr == '\0')
		return cad_err_set(err, "%s: missing", field);
	if (check_text(field, addr, 254, err) < 0)
		return -1;
	for (p = (const unsigned char *)addr; *p != '\0'; p++)
		if (*p >= 0x80 || *p == '<' || *p == '>' || *p == '"' || *p == ',')
			return cad_err_set(err, "%s: not a plain ASCII address", field);
	if (!cad_addr_valid(addr))
		return cad_err_set(err, "%s: not a valid address", field);
	return 0;
}

/* A msg-id without its brackets: atext and dots, one '@', both sides non-empty. */
static int check_msgid(const char *field, const char *id, struct cad_err *err)
{
	const unsigned char *p;
	const char *at;

	if (id == NULL || *id == '\0')
		return cad_err_set(err, "%s: missing", field);
	if (check_text(field, id, 998, err) < 0)
		return -1;
	for (p = (const unsigned char *)id; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || strchr("<>()[]\\,;:\"", *p) != NULL)
			return cad_err_set(err, "%s: character '%c' not allowed in a Message-ID",
			    field, *p > 0x20 && *p < 0x7f ? *p : '?');
	at = strchr(id, '@');
	if (at == NULL || at == id || at[1] == '\0' || strchr(at + 1, '@') != NULL)
		return cad_err_set(err, "%s: not of the form left@right", field);
	return 0;
}

static int check_url(const char *field, const char *url, struct cad_err *err)
{
	const unsigned char *p;

	if (check_text(field, url, 2048, err) < 0)
		return -1;
	if (!cad_startswith_ci(url, "https://") && !cad_startswith_ci(url, "http://"))
		return cad_err_set(err, "%s: not an http(s) URL", field);
	for (p = (const unsigned char *)url; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '<' || *p == '>' || *p == '"')
			return cad_err_set(err, "%s: character not allowed in a URL", field);
	return 0;
}

static int check_header_name(const char *name, struct cad_err *err)
{
	const unsigned char *p;
	size_t i;

	if (name == NULL || *name == '\0')
		return cad_err_set(err, "extra header: empty name");
	if (strlen(name) > 76)
		return cad_err_set(err, "extra header: name too long");
	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == ':')
			return cad_err_set(err, "extra header: bad character in name");
	for (i = 0; i < CAD_ARRAY_LEN(managed_headers); i++)
		if (cad_strcaseeq(name, managed_headers[i]))
			return cad_err_set(err, "extra header %s: written by cadence itself", name);
	if (cad_startswith_ci(name, "Content-"))
		return cad_err_set(err, "extra header %s: MIME headers are written by "
		    "cadence itself", name);
	return 0;
}

static int check_input(const struct compose_in *in, struct cad_err *err)
{
	size_t i;
	char field[128];

	if (in->from_name != NULL && check_text("from name", in->from_name, 256, err) < 0)
		return -1;
	if (check_addr("from address", in->from_addr, err) < 0)
		return -1;
	if (in->to_name != NULL && check_text("to name", in->to_name, 256, err) < 0)
		return -1;
	if (check_addr("to address", in->to_addr, err) < 0)
		return -1;
	if (in->subject == NULL)
		return cad_err_set(err, "subject: missing");
	if (check_text("subject", in->subject, COMPOSE_HEADER_MAX, err) < 0)
		return -1;
	if (check_msgid("message-id", in->message_id, err) < 0)
		return -1;
	if (in->in_reply_to != NULL && check_msgid("in-reply-to", in->in_reply_to, err) < 0)
		return -1;
	if (in->nreferences > COMPOSE_REFS_MAX)
		return cad_err_set(err, "references: more than %d", COMPOSE_REFS_MAX);
	for (i = 0; i < in->nreferences; i++) {
		snprintf(field, sizeof(field), "references[%zu]", i);
		if (check_msgid(field, in->references[i], err) < 0)
			return -1;
	}
	if (in->unsub_mailto != NULL && check_addr("list-unsubscribe mailto",
	    in->unsub_mailto, err) < 0)
		return -1;
	if (in->unsub_url != NULL && check_url("list-unsubscribe url", in->unsub_url, err) < 0)
		return -1;
	for (i = 0; i < in->nextra; i++) {
		if (check_header_name(in->extra[i].name, err) < 0)
			return -1;
		snprintf(field, sizeof(field), "extra header %s", in->extra[i].name);
		if (in->extra[i].value == NULL)
			return cad_err_set(err, "%s: no value", field);
		if (check_text(field, in->extra[i].value, COMPOSE_HEADER_MAX, err) < 0)
			return -1;
	}
	/* Year 1970..9999: what a Date header can say. */
	if (in->date < 0 || in->date > 253402300799LL)
		return cad_err_set(err, "date: out of range");
	if (in->tz_offset_minutes <= -24 * 60 || in->tz_offset_minutes >= 24 * 60)
		return cad_err_set(err, "date: zone offset %d minutes out of range",
		    in->tz_offset_minutes);
	return 0;
}

/*
 * The body with LF line ends and a final LF (GMime writes CRLF). Sets
 * *ascii and *longest (bytes of the longest line). -1 on a bare CR, bad
 * UTF-8 or a body too large, naming the line.
 */
static int body_normalize(const char *body, struct sbuf *out, int *ascii,
    size_t *longest, struct cad_err *err)
{
	const char *p;
	size_t line = 1, col = 0;

	if (body == NULL)
		return cad_err_set(err, "body: missing");
	if (strnlen(body, COMPOSE_BODY_MAX + 1) > COMPOSE_BODY_MAX)
		return cad_err_set(err, "body: larger than %d bytes", COMPOSE_BODY_MAX);
	if (!g_utf8_validate(body, -1, NULL))
		return cad_err_set(err, "body: not valid UTF-8");
	*ascii = 1;
	*longest = 0;
	for (p = body; *p != '\0'; p++) {
		if (*p == '\r') {
			if (p[1] != '\n')
				return cad_err_set(err, "body line %zu: bare carriage return", line);
			continue;
		}
		if (*p == '\n') {
			sbuf_addc(out, '\n');
			line++;
			col = 0;
			continue;
		}
		if ((unsigned char)*p >= 0x80)
			*ascii = 0;
		sbuf_addc(out, *p);
		if (++col > *longest)
			*longest = col;
	}
	if (out->len == 0 || out->s[out->len - 1] != '\n')
		sbuf_addc(out, '\n');
	return 0;
}

static InternetAddress *mailbox(const char *name, const char *addr)
{
	InternetAddress *ia = internet_address_mailbox_new(
	    name != NULL && *name != '\0' ? name : NULL, addr);

	internet_address_set_charset(ia, "utf-8");
	return ia;
}

int compose_message(const struct compose_in *in, struct sbuf *out, struct cad_err *err)
{
	GMimeMessage *msg;
	GMimeTextPart *part;
	GMimeFormatOptions *opts;
	GMimeStream *stream;
	GByteArray *bytes;
	GDateTime *utc, *local;
	GTimeZone *tz;
	struct sbuf body, hv;
	size_t i, longest = 0;
	int ascii = 1;

	if (check_input(in, err) < 0)
		return -1;
	sbuf_init(&body);
	if (body_normalize(in->body, &body, &ascii, &longest, err) < 0) {
		sbuf_free(&body);
		return -1;
	}
	compose_gmime_init();

	msg = g_mime_message_new(TRUE);
	utc = g_date_time_new_from_unix_utc(in->date);
	tz = g_time_zone_new_offset(in->tz_offset_minutes * 60);
	local = g_date_time_to_timezone(utc, tz);
	g_mime_message_set_date(msg, local);
	g_date_time_unref(local);
	g_date_time_unref(utc);
	g_time_zone_unref(tz);

	internet_address_list_add(g_mime_message_get_from(msg),
	    mailbox(in->from_name, in->from_addr));
	internet_address_list_add(g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO),
	    mailbox(in->to_name, in->to_addr));
	g_mime_message_set_subject(msg, in->subject, "utf-8");
	g_mime_message_set_message_id(msg, in->message_id);

	sbuf_init(&hv);
	if (in->in_reply_to != NULL) {
		sbuf_addf(&hv, "<%s>", in->in_reply_to);
		g_mime_object_set_header(GMIME_OBJECT(msg), "In-Reply-To", hv.s, NULL);
	}
	if (in->nreferences > 0) {
		sbuf_reset(&hv);
		for (i = 0; i < in->nreferences; i++)
			sbuf_addf(&hv, "%s<%s>", i > 0 ? " " : "", in->references[i]);
		g_mime_object_set_header(GMIME_OBJECT(msg), "References", hv.s, NULL);
	}
	if (in->unsub_mailto != NULL || in->unsub_url != NULL) {
		/* Written raw, one URI per line: GMime's generic formatter would
		 * RFC 2047-encode a URI longer than a line, which no client can
		 * use. check_input() made sure they are plain printable ASCII. */
		sbuf_reset(&hv);
		if (in->unsub_mailto != NULL)
			sbuf_addf(&hv, " <mailto:%s?subject=unsubscribe>", in->unsub_mailto);
		if (in->unsub_url != NULL)
			sbuf_addf(&hv, "%s <%s>", hv.len > 0 ? ",\n" : "", in->unsub_url);
		sbuf_addc(&hv, '\n');
		g_mime_object_set_header(GMIME_OBJECT(msg), "List-Unsubscribe", "", NULL);
		g_mime_header_set_raw_value(g_mime_header_list_get_header(
		    g_mime_object_get_header_list(GMIME_OBJECT(msg)), "List-Unsubscribe"), hv.s);
		/* RFC 8058: one-click needs an HTTPS URI to POST to. */
		if (in->unsub_url != NULL && cad_startswith_ci(in->unsub_url, "https://"))
			g_mime_object_set_header(GMIME_OBJECT(msg), "List-Unsubscribe-Post",
			    "List-Unsubscribe=One-Click", NULL);
	}
	sbuf_free(&hv);
	for (i = 0; i < in->nextra; i++)
		g_mime_object_append_header(GMIME_OBJECT(msg), in->extra[i].name,
		    in->extra[i].value, "utf-8");

	part = g_mime_text_part_new_with_subtype("plain");
	g_mime_text_part_set_text(part, body.s);
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", "utf-8");
	g_mime_part_set_content_encoding(GMIME_PART(part),
	    ascii && longest <= COMPOSE_7BIT_LINE_MAX ? GMIME_CONTENT_ENCODING_7BIT
	    : GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	g_mime_message_set_mime_part(msg, GMIME_OBJECT(part));
	g_object_unref(part);
	sbuf_free(&body);

	opts = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(opts, GMIME_NEWLINE_FORMAT_DOS);
	stream = g_mime_stream_mem_new();
	if (g_mime_object_write_to_stream(GMIME_OBJECT(msg), opts, stream) < 0) {
		g_object_unref(stream);
		g_mime_format_options_free(opts);
		g_object_unref(msg);
		return cad_err_set(err, "message: GMime could not write it");
	}
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
	sbuf_add(out, bytes->data, bytes->len);
	g_object_unref(stream);
	g_mime_format_options_free(opts);
	g_object_unref(msg);
	return 0;
}

static int skip_reply_prefix(const char **s)
{
	const char *p = *s;

	while (*p == ' ' || *p == '\t')
		p++;
	if ((p[0] != 'R' && p[0] != 'r') || (p[1] != 'E' && p[1] != 'e'))
		return 0;
	p += 2;
	if (*p == '[') {      /* "Re[2]:" */
		p++;
		if (*p < '0' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p++ != ']')
			return 0;
	}
	while (*p == ' ')
		p++;
	if (*p != ':')
		return 0;
	*s = p + 1;
	return 1;
}

char *compose_reply_subject(const char *subject)
{
	const char *s = subject != NULL ? subject : "";

	while (skip_reply_prefix(&s))
		;
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '\0' ? xstrdup("Re:") : xasprintf("Re: %s", s);
}
