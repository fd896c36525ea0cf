/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * inbound_own.c - is a recipient one of cadence's own addresses
 * (enroll+SEQ@Domain, unsubscribe+TOKEN@Domain, bounces+TOKEN@Domain)?
 * And the small address helper the inbound code shares. See inbound.h.
 *
 * Pure: the site secret is a parameter; nothing is looked up.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "inbound.h"
#include "token.h"

const char *inbound_own_name(enum inbound_own k)
{
	switch (k) {
	case OWN_NONE: return "none";
	case OWN_ENROLL: return "enroll";
	case OWN_UNSUB: return "unsubscribe";
	case OWN_BOUNCE: return "bounce";
	}
	return "?";
}

/* The addr-spec as written (case kept), or NULL. */
static char *addr_spec_raw(const char *s)
{
	const char *b, *e, *lt;
	char *a;

	if (s == NULL || strlen(s) > TOKEN_INPUT_MAX)
		return NULL;
	lt = strrchr(s, '<');
	if (lt != NULL) {
		b = lt + 1;
		e = strchr(b, '>');
		if (e == NULL)
			return NULL;
	} else {
		b = s;
		e = s + strlen(s);
	}
	while (b < e && (*b == ' ' || *b == '\t'))
		b++;
	while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	if (b == e)
		return NULL;
	a = xstrndup(b, (size_t)(e - b));
	if (strchr(a, '@') == NULL || strpbrk(a, " \t<>") != NULL) {
		free(a);
		return NULL;
	}
	return a;
}

char *inbound_addr_spec(const char *s)
{
	char *a = addr_spec_raw(s);
	if (a != NULL)
		cad_addr_normalize(a);
	return a;
}

/* Is the n bytes at s an enroll address's argument: 1 to 255 bytes, each an
 * RFC 5322 atext character, '.', or a byte of UTF-8 (RFC 6531)? No
 * controls, spaces, quotes, '@' or other specials. */
static int enroll_arg_ok(const char *s, size_t n)
{
	if (n == 0 || n > INBOUND_ENROLL_ARG_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9'))
			continue;
		if (c < 0x21 || c == 0x7f || strchr(".!#$%&'*+-/=?^_`{|}~", c) == NULL)
			return 0;
	}
	return 1;
}

/* When local (length n) is "prefix+rest", returns rest (length in *restlen). */
static const char *after_prefix(const char *local, size_t n, const char *prefix,
				size_t *restlen)
{
	size_t k;
	if (prefix == NULL || *prefix == '\0')
		return NULL;
	k = strlen(prefix);
	if (n <= k + 1 || strncasecmp(local, prefix, k) != 0 || local[k] != '+')
		return NULL;
	*restlen = n - k - 1;
	return local + k + 1;
}

enum inbound_own inbound_own_address(const struct inbound_addrs *a,
				     const struct cad_secret *secret, const char *rcpt,
				     struct inbound_own_addr *out)
{
	const char *dom, *rest;
	char *addr;
	size_t n, rl;

	memset(out, 0, sizeof(*out));
	if (a == NULL || a->domain == NULL || *a->domain == '\0')
		return OWN_NONE;
	addr = addr_spec_raw(rcpt);   /* the sequence name keeps its case */
	if (addr == NULL)
		return OWN_NONE;
	dom = cad_addr_domain(addr);
	if (dom == NULL || strcasecmp(dom, a->domain) != 0)
		goto out;
	n = (size_t)(dom - 1 - addr);
	if ((rest = after_prefix(addr, n, a->enroll_prefix, &rl)) != NULL) {
		if (enroll_arg_ok(rest, rl)) {
			out->kind = OWN_ENROLL;
			memcpy(out->arg, rest, rl);
			out->arg[rl] = '\0';
		}
	} else if ((rest = after_prefix(addr, n, a->unsub_prefix, &rl)) != NULL) {
		char tok[TOKEN_BUFSZ];
		out->kind = OWN_UNSUB;
		if (secret && token_extract(TOKEN_UNSUB, secret, addr, tok, NULL) == TOKEN_VALID) {
			out->token_valid = 1;
			snprintf(out->arg, sizeof(out->arg), "%s", tok);
		}
	} else if ((rest = after_prefix(addr, n, a->bounce_prefix, &rl)) != NULL) {
		char tok[TOKEN_BUFSZ];
		out->kind = OWN_BOUNCE;
		if (secret && token_extract(TOKEN_VERP, secret, addr, tok, NULL) == TOKEN_VALID) {
			out->token_valid = 1;
			snprintf(out->arg, sizeof(out->arg), "%s", tok);
		}
	}
out:
	free(addr);
	return out->kind;
}
