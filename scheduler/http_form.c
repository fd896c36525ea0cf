/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * http_form.c - the RFC 8058 one-click form field. See http_form.h.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "http_form.h"
#include "util.h"

static const char field_name[] = "List-Unsubscribe";
static const char field_value[] = "One-Click";

/* s[0..n) equals want (case-insensitive), white space around s ignored. */
static int eq_trimmed(const char *s, size_t n, const char *want)
{
	size_t wl = strlen(want);
	while (n > 0 && isspace((unsigned char)*s))
		s++, n--;
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return n == wl && strncasecmp(s, want, wl) == 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes one urlencoded name or value (%XX, '+' for space) into out. */
static void url_decode(struct sbuf *out, const char *s, size_t n)
{
	size_t i;
	sbuf_reset(out);
	for (i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '+') {
			sbuf_addc(out, ' ');
		} else if (s[i] == '%' && i + 2 < n
			   && (hi = hexval((unsigned char)s[i + 1])) >= 0
			   && (lo = hexval((unsigned char)s[i + 2])) >= 0) {
			sbuf_addc(out, (char)(hi * 16 + lo));
			i += 2;
		} else {
			sbuf_addc(out, s[i]);
		}
	}
}

/* name=value pairs separated by '&'. */
static int urlencoded_one_click(const char *body, size_t len)
{
	struct sbuf name, value;
	const char *p = body, *end = body + len;
	int found = 0;

	sbuf_init(&name);
	sbuf_init(&value);
	while (p < end && !found) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		if (eq != NULL) {
			url_decode(&name, p, (size_t)(eq - p));
			url_decode(&value, eq + 1, (size_t)(stop - eq - 1));
			found = eq_trimmed(name.s, name.len, field_name)
				&& eq_trimmed(value.s, value.len, field_value);
		}
		p = stop + 1;
	}
	sbuf_free(&name);
	sbuf_free(&value);
	return found;
}

/* One part of a multipart/form-data body: Content-Disposition: form-data;
 * name="List-Unsubscribe", content One-Click (transfer encoding undone). */
static int part_one_click(GMimeObject *obj)
{
	const char *name;
	GMimeDataWrapper *w;
	GMimeStream *mem;
	GByteArray *bytes;
	int found = 0;

	if (!GMIME_IS_PART(obj))
		return 0;
	name = g_mime_object_get_content_disposition_parameter(obj, "name");
	if (name == NULL || !eq_trimmed(name, strlen(name), field_name))
		return 0;
	w = g_mime_part_get_content(GMIME_PART(obj));
	if (w == NULL)
		return 0;
	mem = g_mime_stream_mem_new();
	if (g_mime_data_wrapper_write_to_stream(w, mem) >= 0) {
		bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
		found = eq_trimmed((const char *)bytes->data, bytes->len, field_value);
	}
	g_object_unref(mem);
	return found;
}

static void gmime_init_once(void)
{
	static gsize once;
	if (g_once_init_enter(&once)) {
		g_mime_init();
		g_once_init_leave(&once, 1);
	}
}

/* The body behind its own Content-Type header, parsed as one MIME entity. */
static int multipart_one_click(const char *content_type, const char *body, size_t len)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeObject *obj;
	struct sbuf ent;
	int found = 0;

	/* A header line must not end early or carry another header. */
	if (strpbrk(content_type, "\r\n") != NULL)
		return 0;
	gmime_init_once();
	sbuf_init(&ent);
	sbuf_addf(&ent, "Content-Type: %s\r\n\r\n", content_type);
	sbuf_add(&ent, body, len);
	stream = g_mime_stream_mem_new_with_buffer(ent.s, ent.len);
	parser = g_mime_parser_new_with_stream(stream);
	obj = g_mime_parser_construct_part(parser, NULL);
	if (obj != NULL && GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int i, n = g_mime_multipart_get_count(mp);
		for (i = 0; i < n && !found; i++)
			found = part_one_click(g_mime_multipart_get_part(mp, i));
	}
	if (obj != NULL)
		g_object_unref(obj);
	g_object_unref(parser);
	g_object_unref(stream);
	sbuf_free(&ent);
	return found;
}

int http_form_one_click(const char *content_type, const char *body, size_t len)
{
	if (body == NULL)
		return 0;
	if (content_type != NULL && cad_startswith_ci(content_type, "multipart/form-data"))
		return multipart_one_click(content_type, body, len);
	return urlencoded_one_click(body, len);
}
