/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hdr_strip.c - cadence's own addresses out of a To/Cc value (see
 * hdr_strip.h).
 *
 * The value is split into entries at the commas that separate addresses
 * (not those inside quoted strings, comments or angle brackets, and, at
 * the top level, not those between a group's ':' and ';'); each entry is
 * read by GMime alone, so that the decision is GMime's reading of the
 * address while the output is spliced from the original bytes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "hdr_strip.h"
#include "util.h"

struct strip_ctx {
	const char *s;
	const struct inbound_addrs *a;
	const struct cad_secret *secret;
	size_t removed;
};

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The index after the quoted string, comment or angle address opening
 * at s[i] (its end when unterminated); backslash escapes are honoured. */
static size_t skip_nested(const char *s, size_t i, size_t e)
{
	char open = s[i], close = open == '"' ? '"' : open == '(' ? ')' : '>';
	int depth = 1;
	for (i++; i < e; i++) {
		char c = s[i];
		if (c == '\\' && open != '<' && i + 1 < e) {
			i++;
		} else if (open == '<' && c == '"') {
			/* a quoted local part: "a>b"@x */
			i = skip_nested(s, i, e) - 1;
		} else if (open == '(' && c == '(') {
			depth++;
		} else if (c == close && --depth == 0) {
			return i + 1;
		}
	}
	return e;
}

/* The first of delims at the address level in s[i, e), or e. */
static size_t next_delim(const char *s, size_t i, size_t e, const char *delims)
{
	while (i < e) {
		char c = s[i];
		if (c == '"' || c == '(' || c == '<')
			i = skip_nested(s, i, e);
		else if (strchr(delims, c) != NULL)
			return i;
		else
			i++;
	}
	return e;
}

static size_t lead_ws(const char *s, size_t b, size_t e)
{
	size_t i = b;
	while (i < e && is_ws(s[i]))
		i++;
	return i - b;
}

/* 1 when s[b, e) is exactly one mailbox that is cadence's own address. */
static int entry_is_own(const struct strip_ctx *x, size_t b, size_t e)
{
	InternetAddressList *l;
	InternetAddress *ia;
	struct inbound_own_addr own;
	char *text;
	int r = 0;

	if (lead_ws(x->s, b, e) == e - b)
		return 0;
	text = xstrndup(x->s + b, e - b);
	l = internet_address_list_parse(NULL, text);
	free(text);
	if (l == NULL)
		return 0;
	if (internet_address_list_length(l) == 1) {
		ia = internet_address_list_get_address(l, 0);
		if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
			const char *addr =
				internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
			r = addr != NULL &&
			    inbound_own_address(x->a, x->secret, addr, &own) != OWN_NONE;
		}
	}
	g_object_unref(l);
	return r;
}

/* One entry of a list: s[b, e); a group when colon < e (its ':'), with
 * its members up to semi (its ';', or e). */
struct entry {
	size_t b, e, colon, semi;
};

static void strip_list(struct strip_ctx *x, size_t b, size_t e, int top, struct sbuf *out,
		       size_t *nkept);

/* Appends entry en, its leading whitespace replaced by lead[0, nlead)
 * when lead is not NULL. */
static void emit_entry(struct strip_ctx *x, const struct entry *en, const char *lead,
		       size_t nlead, struct sbuf *out)
{
	size_t b = en->b;
	if (lead != NULL) {
		sbuf_add(out, lead, nlead);
		b += lead_ws(x->s, en->b, en->e);
	}
	if (en->colon >= en->e) {
		sbuf_add(out, x->s + b, en->e - b);
		return;
	}
	{
		size_t kept = 0;
		sbuf_add(out, x->s + b, en->colon + 1 - b);
		strip_list(x, en->colon + 1, en->semi, 0, out, &kept);
		sbuf_add(out, x->s + en->semi, en->e - en->semi);
	}
}

/* Appends the entries of the list s[b, e) that are not cadence's own,
 * comma-separated as written; the first kept entry takes the leading
 * whitespace of the list's first entry. */
static void strip_list(struct strip_ctx *x, size_t b, size_t e, int top, struct sbuf *out,
		       size_t *nkept)
{
	const char *s = x->s;
	size_t i = b, nlead0 = 0;
	int first = 1;

	*nkept = 0;
	for (;;) {
		struct entry en;
		size_t d = next_delim(s, i, e, top ? ",:" : ",");
		en.b = i;
		en.colon = en.semi = e;
		if (d < e && s[d] == ':') {
			en.colon = d;
			en.semi = next_delim(s, d + 1, e, ";");
			d = en.semi < e ? next_delim(s, en.semi, e, ",") : e;
		}
		en.e = d;
		if (first)
			nlead0 = lead_ws(s, en.b, en.e);
		if (en.colon >= en.e && entry_is_own(x, en.b, en.e)) {
			x->removed++;
		} else {
			if (*nkept > 0)
				sbuf_addc(out, ',');
			emit_entry(x, &en, *nkept == 0 && !first ? s + b : NULL, nlead0, out);
			(*nkept)++;
		}
		first = 0;
		if (d >= e)
			break;
		i = d + 1;
	}
}

int hdr_strip_own(const char *value, const struct inbound_addrs *a,
		  const struct cad_secret *secret, char **out, size_t *nremoved)
{
	struct strip_ctx x;
	struct sbuf b;
	size_t kept = 0;

	*out = NULL;
	if (nremoved != NULL)
		*nremoved = 0;
	if (value == NULL)
		return 0;
	x.s = value;
	x.a = a;
	x.secret = secret;
	x.removed = 0;
	sbuf_init(&b);
	strip_list(&x, 0, strlen(value), 1, &b, &kept);
	if (x.removed == 0) {
		sbuf_free(&b);
		return 0;
	}
	if (nremoved != NULL)
		*nremoved = x.removed;
	if (kept == 0 || lead_ws(b.s, 0, b.len) == b.len) {
		sbuf_free(&b);
		return 1;
	}
	*out = sbuf_detach(&b);
	return 1;
}
