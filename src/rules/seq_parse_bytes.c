/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * seq_parse_bytes.c - the sequence parser's first pass over the raw bytes
 * (size, NUL, UTF-8, line length), the here-documents it lifts out of the
 * text, and the error helpers every pass uses. The bottom of the parser:
 * it calls no other file of it.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "seq_parse_int.h"

int seq_parse_fail(struct pctx *c, int line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	if (c->failed)
		return -1;
	c->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		return cad_err_set(c->err, "%s:%d: %s", c->name, line, msg);
	return cad_err_set(c->err, "%s: %s", c->name, msg);
}

const char *seq_parse_shown(struct shown *b, const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < n && i < 40 && s[i]; i++)
		b->s[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	if (i == 40 && i < n && s[i])
		b->s[i++] = '.', b->s[i++] = '.', b->s[i++] = '.';
	b->s[i] = '\0';
	return b->s;
}

int seq_parse_is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\v' || ch == '\f' || ch == '\r';
}

int seq_parse_has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned cp;
	size_t need, i;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		need = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		need = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10ffff))
	    || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

static int is_word_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
	       || ch == '_' || ch == '-';
}

/* If line (n bytes, no newline) is `key = <<WORD`, stores WORD's span. */
static int heredoc_marker(const char *l, size_t n, const char **word, size_t *wlen)
{
	size_t i = 0, k, m;
	while (i < n && seq_parse_is_blank(l[i]))
		i++;
	k = i;
	while (i < n && is_word_char(l[i]))
		i++;
	if (i == k)
		return 0;
	while (i < n && seq_parse_is_blank(l[i]))
		i++;
	if (i >= n || (l[i] != '=' && l[i] != ':'))
		return 0;
	i++;
	while (i < n && seq_parse_is_blank(l[i]))
		i++;
	if (i + 2 > n || l[i] != '<' || l[i + 1] != '<')
		return 0;
	i += 2;
	k = i;
	while (i < n && is_word_char(l[i]))
		i++;
	if (i == k)
		return 0;
	m = i;
	while (i < n && seq_parse_is_blank(l[i]))
		i++;
	if (i != n)
		return 0;
	*word = l + k;
	*wlen = m - k;
	return 1;
}

int seq_parse_prepass(struct pctx *c, const char *text, size_t len, struct sbuf *ini)
{
	size_t pos = 0, i;
	int line = 1;
	const char *word = NULL;
	size_t wlen = 0;
	struct sbuf doc;

	/* Bytes: no NUL, valid UTF-8. */
	for (i = 0; i < len;) {
		size_t k;
		if (text[i] == '\0')
			return seq_parse_fail(c, line, "NUL byte in the file");
		if (text[i] == '\n')
			line++;
		k = utf8_len((const unsigned char *)text + i, len - i);
		if (k == 0)
			return seq_parse_fail(c, line, "invalid UTF-8 (sequence files are UTF-8 text)");
		i += k;
	}
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3;   /* a byte-order mark */

	sbuf_init(&doc);
	for (line = 1; pos < len; line++) {
		const char *l = text + pos, *nl = memchr(l, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - l) : len - pos;
		pos += n + (nl != NULL);
		if (n > 0 && l[n - 1] == '\r')
			n--;
		if (word != NULL) {
			size_t t = n;
			while (t > 0 && seq_parse_is_blank(l[t - 1]))
				t--;
			if (t == wlen && memcmp(l, word, wlen) == 0) {
				c->docs[c->ndocs - 1].text = sbuf_detach(&doc);
				word = NULL;
			} else {
				sbuf_add(&doc, l, n);
				sbuf_addc(&doc, '\n');
			}
			sbuf_addc(ini, '\n');
			continue;
		}
		if (n > SEQ_MAX_LINE) {
			sbuf_free(&doc);
			return seq_parse_fail(c, line, "line is longer than %d bytes (long text belongs in a "
					      "here-document)", SEQ_MAX_LINE);
		}
		if (heredoc_marker(l, n, &word, &wlen)) {
			c->docs = xreallocarray(c->docs, c->ndocs + 1, sizeof(*c->docs));
			c->docs[c->ndocs].line = line;
			c->docs[c->ndocs].text = NULL;
			c->ndocs++;
		}
		sbuf_add(ini, l, n);
		sbuf_addc(ini, '\n');
	}
	sbuf_free(&doc);
	if (word != NULL)
		return seq_parse_fail(c, c->docs[c->ndocs - 1].line, "here-document is not terminated by a "
				      "line '%.*s'", (int)wlen, word);
	return 0;
}

const char *seq_parse_heredoc_at(struct pctx *c, int line)
{
	size_t i;
	for (i = 0; i < c->ndocs; i++)
		if (c->docs[i].line == line)
			return c->docs[i].text;
	return NULL;
}
