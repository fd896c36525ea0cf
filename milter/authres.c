/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * authres.c - parse Authentication-Results (RFC 8601) and fold the results
 * a trusted verifier gave for the From domain (see authres.h).
 *
 * The parser follows the RFC's grammar with CFWS (nested comments) allowed
 * between every element. It is deliberately strict about structure (a
 * method without "=result", an unterminated quote or comment is an error)
 * and lenient about values (a property value is any run of characters up
 * to white space, ';' or a comment, so "header.b=ab+/=" and
 * "smtp.mailfrom=a@b" read as written).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "orgdomain.h"

struct cur {
	const char *s;
	size_t i;
	struct cad_err *err;
};

static int fail(struct cur *c, const char *what)
{
	return cad_err_set(c->err, "Authentication-Results: %s at offset %zu", what, c->i);
}

static int is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Skips white space and (nested (comments)). */
static int skip_cfws(struct cur *c)
{
	for (;;) {
		while (is_ws(c->s[c->i]))
			c->i++;
		if (c->s[c->i] != '(')
			return 0;
		{
			int depth = 0;
			do {
				char ch = c->s[c->i];
				if (ch == '\0')
					return fail(c, "unterminated comment");
				if (ch == '\\' && c->s[c->i + 1] != '\0')
					c->i++;
				else if (ch == '(')
					depth++;
				else if (ch == ')')
					depth--;
				c->i++;
			} while (depth > 0);
		}
	}
}

/* RFC 2045 token characters. */
static int is_tok(char ch)
{
	unsigned char u = (unsigned char)ch;
	if (u <= 0x20 || u >= 0x7f)
		return 0;
	return strchr("()<>@,;:\\\"/[]?=", ch) == NULL;
}

static char *token(struct cur *c)
{
	size_t start = c->i;
	while (is_tok(c->s[c->i]))
		c->i++;
	if (c->i == start)
		return NULL;
	return xstrndup(c->s + start, c->i - start);
}

/* RFC 8601 Keyword (an ldh-str): method, result, ptype and property names. */
static char *keyword(struct cur *c)
{
	size_t start = c->i;
	for (;;) {
		char ch = c->s[c->i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			break;
		c->i++;
	}
	if (c->i == start)
		return NULL;
	return xstrndup(c->s + start, c->i - start);
}

static char *lower(char *s)
{
	if (s != NULL)
		cad_strlower(s);
	return s;
}

/* quoted-string, quotes and escapes removed; NULL with err set on error. */
static char *quoted(struct cur *c)
{
	struct sbuf b;
	sbuf_init(&b);
	c->i++;   /* opening quote */
	for (;;) {
		char ch = c->s[c->i];
		if (ch == '\0') {
			sbuf_free(&b);
			fail(c, "unterminated quoted string");
			return NULL;
		}
		c->i++;
		if (ch == '"')
			break;
		if (ch == '\\' && c->s[c->i] != '\0')
			ch = c->s[c->i++];
		sbuf_addc(&b, ch);
	}
	return sbuf_detach(&b);
}

/* A property or reason value: quoted-string, or a run up to white space,
 * ';' or '('. NULL with err set when empty. */
static char *pvalue(struct cur *c)
{
	size_t start = c->i;
	if (c->s[c->i] == '"')
		return quoted(c);
	while (c->s[c->i] != '\0' && !is_ws(c->s[c->i]) && strchr(";()\"", c->s[c->i]) == NULL &&
	       (unsigned char)c->s[c->i] >= 0x20)
		c->i++;
	if (c->i == start) {
		fail(c, "missing value");
		return NULL;
	}
	return xstrndup(c->s + start, c->i - start);
}

static void result_free(struct authres_result *r)
{
	free(r->method);
	free(r->result);
	free(r->reason);
	for (size_t i = 0; i < r->nprops; i++) {
		free(r->props[i].ptype);
		free(r->props[i].property);
		free(r->props[i].value);
	}
}

void authres_free(struct authres *ar)
{
	if (ar == NULL)
		return;
	free(ar->authserv_id);
	for (size_t i = 0; i < ar->nresults; i++)
		result_free(&ar->results[i]);
	free(ar->results);
	memset(ar, 0, sizeof(*ar));
}

/* "method[/version]=result [reason=..] [ptype.prop=value ...]" */
static int parse_resinfo(struct cur *c, char *method, struct authres_result *r)
{
	r->method = lower(method);
	if (skip_cfws(c) != 0)
		return -1;
	if (c->s[c->i] == '/') {          /* method version */
		c->i++;
		if (skip_cfws(c) != 0)
			return -1;
		if (!(c->s[c->i] >= '0' && c->s[c->i] <= '9'))
			return fail(c, "bad method version");
		while (c->s[c->i] >= '0' && c->s[c->i] <= '9')
			c->i++;
		if (skip_cfws(c) != 0)
			return -1;
	}
	if (c->s[c->i] != '=')
		return fail(c, "expected '=' after the method");
	c->i++;
	if (skip_cfws(c) != 0)
		return -1;
	if ((r->result = lower(keyword(c))) == NULL)
		return fail(c, "missing result");
	for (;;) {
		char *name;
		if (skip_cfws(c) != 0)
			return -1;
		if (c->s[c->i] == '\0' || c->s[c->i] == ';')
			return 0;
		if ((name = lower(keyword(c))) == NULL)
			return fail(c, "expected reason= or ptype.property=");
		if (skip_cfws(c) != 0) {
			free(name);
			return -1;
		}
		if (strcmp(name, "reason") == 0 && c->s[c->i] == '=') {
			free(name);
			c->i++;
			if (skip_cfws(c) != 0)
				return -1;
			free(r->reason);
			if ((r->reason = pvalue(c)) == NULL)
				return -1;
			continue;
		}
		if (c->s[c->i] != '.') {
			free(name);
			return fail(c, "expected ptype.property=");
		}
		if (r->nprops == AUTHRES_MAX_PROPS) {
			free(name);
			return fail(c, "too many properties");
		}
		c->i++;
		{
			struct authres_prop *p = &r->props[r->nprops];
			p->ptype = name;
			r->nprops++;
			if (skip_cfws(c) != 0)
				return -1;
			if ((p->property = lower(keyword(c))) == NULL)
				return fail(c, "missing property name");
			if (skip_cfws(c) != 0)
				return -1;
			if (c->s[c->i] != '=')
				return fail(c, "expected '=' after the property");
			c->i++;
			if (skip_cfws(c) != 0)
				return -1;
			if ((p->value = pvalue(c)) == NULL)
				return -1;
		}
	}
}

int authres_parse(const char *value, struct authres *out, struct cad_err *err)
{
	struct cur c = { value, 0, err };
	struct authres ar;
	int saw_none = 0;
	memset(&ar, 0, sizeof(ar));
	memset(out, 0, sizeof(*out));
	if (value == NULL)
		return cad_err_set(err, "Authentication-Results: empty");
	if (strlen(value) > AUTHRES_MAX_LEN)
		return cad_err_set(err, "Authentication-Results: longer than %d bytes",
				   AUTHRES_MAX_LEN);
	if (skip_cfws(&c) != 0)
		goto bad;
	if (c.s[c.i] == '"') {
		if ((ar.authserv_id = quoted(&c)) == NULL)
			goto bad;
	} else if ((ar.authserv_id = token(&c)) == NULL) {
		fail(&c, "missing authserv-id");
		goto bad;
	}
	if (skip_cfws(&c) != 0)
		goto bad;
	if (c.s[c.i] >= '0' && c.s[c.i] <= '9') {   /* authres-version */
		while (c.s[c.i] >= '0' && c.s[c.i] <= '9')
			c.i++;
		if (skip_cfws(&c) != 0)
			goto bad;
	}
	if (c.s[c.i] != ';') {
		fail(&c, "expected ';' after the authserv-id");
		goto bad;
	}
	while (c.s[c.i] == ';') {
		char *method;
		c.i++;
		if (skip_cfws(&c) != 0)
			goto bad;
		if (c.s[c.i] == '\0' || c.s[c.i] == ';')
			continue;   /* empty element, as some writers leave */
		if ((method = keyword(&c)) == NULL) {
			fail(&c, "expected a method");
			goto bad;
		}
		if (skip_cfws(&c) != 0) {
			free(method);
			goto bad;
		}
		if (cad_strcaseeq(method, "none") && c.s[c.i] != '=' && c.s[c.i] != '/') {
			free(method);
			if (ar.nresults != 0 || saw_none || (c.s[c.i] != '\0' && c.s[c.i] != ';')) {
				fail(&c, "\"none\" must stand alone");
				goto bad;
			}
			saw_none = 1;
			continue;
		}
		if (saw_none) {
			free(method);
			fail(&c, "\"none\" must stand alone");
			goto bad;
		}
		if (ar.nresults == AUTHRES_MAX_RESULTS) {
			free(method);
			fail(&c, "too many results");
			goto bad;
		}
		ar.results = xreallocarray(ar.results, ar.nresults + 1, sizeof(*ar.results));
		memset(&ar.results[ar.nresults], 0, sizeof(*ar.results));
		ar.nresults++;
		if (parse_resinfo(&c, method, &ar.results[ar.nresults - 1]) != 0)
			goto bad;
	}
	if (c.s[c.i] != '\0') {
		fail(&c, "unexpected character");
		goto bad;
	}
	*out = ar;
	return 0;
bad:
	authres_free(&ar);
	return -1;
}

const char *authres_prop(const struct authres_result *r, const char *ptype,
			 const char *property)
{
	for (size_t i = 0; i < r->nprops; i++)
		if (strcmp(r->props[i].ptype, ptype) == 0 &&
		    strcmp(r->props[i].property, property) == 0)
			return r->props[i].value;
	return NULL;
}

/* ---- verdicts ---- */

static const char *const verdict_names[] = {
	[AR_ABSENT] = "absent", [AR_PASS] = "pass", [AR_FAIL] = "fail",
	[AR_SOFTFAIL] = "softfail", [AR_NEUTRAL] = "neutral", [AR_NONE] = "none",
	[AR_POLICY] = "policy", [AR_TEMPERROR] = "temperror", [AR_PERMERROR] = "permerror",
};

const char *ar_verdict_name(enum ar_verdict v)
{
	return (unsigned)v < CAD_ARRAY_LEN(verdict_names) ? verdict_names[v] : "absent";
}

static enum ar_verdict verdict_of(const char *result)
{
	for (size_t i = 1; i < CAD_ARRAY_LEN(verdict_names); i++)
		if (strcmp(result, verdict_names[i]) == 0)
			return (enum ar_verdict)i;
	/* older spellings (RFC 5451, RFC 4408) */
	if (strcmp(result, "hardfail") == 0)
		return AR_FAIL;
	if (strcmp(result, "unknown") == 0)
		return AR_PERMERROR;
	if (strcmp(result, "error") == 0)
		return AR_TEMPERROR;
	return AR_ABSENT;
}

int authres_trusted(const char *id, char *const *trusted, size_t ntrusted)
{
	if (id == NULL)
		return 0;
	for (size_t i = 0; i < ntrusted; i++)
		if (trusted[i] != NULL && cad_strcaseeq(id, trusted[i]))
			return 1;
	return 0;
}

/* Relaxed alignment as DMARC defines it: the same organizational domain
 * (Public Suffix List, orgdomain.h). */
static int aligned(const char *d, const char *from)
{
	return cad_org_aligned(d, from);
}

static const char *domain_part(const char *v)
{
	const char *at;
	if (v == NULL)
		return NULL;
	at = strrchr(v, '@');
	return at != NULL ? at + 1 : v;
}

static void better(enum ar_verdict *cur, enum ar_verdict v)
{
	if (v != AR_ABSENT && (*cur == AR_ABSENT || v < *cur))
		*cur = v;
}

int authres_apply(const struct authres *ar, char *const *trusted, size_t ntrusted,
		  const char *from_domain, struct authres_verdict *v)
{
	if (!authres_trusted(ar->authserv_id, trusted, ntrusted))
		return 0;
	v->trusted_headers++;
	for (size_t i = 0; i < ar->nresults; i++) {
		const struct authres_result *r = &ar->results[i];
		enum ar_verdict res = verdict_of(r->result);
		if (strcmp(r->method, "dkim") == 0) {
			const char *d = authres_prop(r, "header", "d");
			if (d == NULL)
				d = domain_part(authres_prop(r, "header", "i"));
			if (aligned(d, from_domain))
				better(&v->dkim, res);
		} else if (strcmp(r->method, "spf") == 0) {
			/* only the MAIL FROM identity: HELO never authenticates a From */
			const char *d = domain_part(authres_prop(r, "smtp", "mailfrom"));
			if (aligned(d, from_domain))
				better(&v->spf, res);
		} else if (strcmp(r->method, "dmarc") == 0) {
			const char *d = authres_prop(r, "header", "from");
			if (d != NULL && cad_strcaseeq(domain_part(d), from_domain))
				better(&v->dmarc, res);
		}
	}
	return 1;
}
