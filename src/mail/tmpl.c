/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tmpl.c - personalization tokens: {{ns.field|fallback}} in templates.
 *
 * One scanner (tmpl_scan) walks a template and hands literal runs and
 * parsed tokens to a visitor; validation, rendering and token listing are
 * three visitors. The scanner is the only place that knows the syntax, so
 * what validates is exactly what renders.
 *
 * Guarantees: pure (no I/O, no clock); work bounded by TMPL_MAX_SIZE,
 * TMPL_MAX_TOKEN and TMPL_MAX_OUTPUT; bytes outside tokens, values and
 * fallbacks are copied unchanged (UTF-8 passes through); on error the
 * caller's output is left empty and the message names the token or the
 * byte offset.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tmpl.h"

struct tmpl_tok {
	const char *name;     /* "contact.firstname" as written, trimmed */
	size_t namelen;
	size_t nslen;         /* length of "contact" within name */
	const char *fb;       /* fallback, trimmed; NULL when there is no '|' */
	size_t fblen;
};

struct tmpl_visitor {
	int (*literal)(void *arg, const char *p, size_t n);
	int (*token)(void *arg, const struct tmpl_tok *tk);
	void *arg;
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_field_char(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static void trim(const char **p, size_t *n)
{
	while (*n > 0 && is_space(**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && is_space((*p)[*n - 1]))
		(*n)--;
}

static int ncaseeq(const char *a, size_t an, const char *b)
{
	size_t i;
	if (strlen(b) != an)
		return 0;
	for (i = 0; i < an; i++) {
		char x = a[i], y = b[i];
		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (x != y)
			return 0;
	}
	return 1;
}

/* Parses the inside of a token (between the braces) that starts at offset
 * off. 0 on success; -1 with err set otherwise. */
static int parse_inner(const char *in, size_t n, size_t off, struct tmpl_tok *tk,
		       struct cad_err *err)
{
	const char *bar = memchr(in, '|', n);
	const char *spec = in;
	size_t speclen = bar ? (size_t)(bar - in) : n;
	size_t i;

	memset(tk, 0, sizeof(*tk));
	if (bar) {
		tk->fb = bar + 1;
		tk->fblen = n - speclen - 1;
		trim(&tk->fb, &tk->fblen);
	}
	trim(&spec, &speclen);
	if (speclen == 0)
		return cad_err_set(err, "empty token at offset %zu", off);
	if (ncaseeq(spec, speclen, TMPL_UNSUBSCRIBE_URL)) {
		/* The one token without a namespace (nslen 0). */
		tk->name = spec;
		tk->namelen = speclen;
		return 0;
	}
	for (i = 0; i < speclen && is_alpha(spec[i]); i++)
		;
	if (i == 0 || i == speclen || spec[i] != '.')
		return cad_err_set(err, "token at offset %zu is not {{namespace.field}}", off);
	if (!ncaseeq(spec, i, "contact") && !ncaseeq(spec, i, "sender"))
		return cad_err_set(err, "unknown namespace '%.*s' in token at offset %zu "
				   "(use contact. or sender.)", (int)i, spec, off);
	tk->nslen = i;
	if (i + 1 == speclen)
		return cad_err_set(err, "token at offset %zu has no field after '%.*s.'", off,
				   (int)i, spec);
	for (i = i + 1; i < speclen; i++)
		if (!is_field_char(spec[i]))
			return cad_err_set(err, "bad character in token name at offset %zu "
					   "(fields are letters, digits, '_' and '-')", off + 2
					   + (size_t)(spec + i - in));
	tk->name = spec;
	tk->namelen = speclen;
	return 0;
}

/* Walks tmpl, calling the visitor for each literal run and token. On a
 * syntax error sets err and *erroff; returns -1, or a visitor's non-zero. */
static int tmpl_scan(const char *tmpl, const struct tmpl_visitor *v, size_t *erroff,
		     struct cad_err *err)
{
	size_t len = strlen(tmpl), pos = 0;
	int rc;

	*erroff = 0;
	if (len > TMPL_MAX_SIZE) {
		*erroff = TMPL_MAX_SIZE;
		return cad_err_set(err, "template is longer than %d bytes", TMPL_MAX_SIZE);
	}
	while (pos < len) {
		const char *open = strstr(tmpl + pos, "{{");
		size_t o, limit, i;
		struct tmpl_tok tk;

		if (open == NULL) {
			if (v->literal && (rc = v->literal(v->arg, tmpl + pos, len - pos)) != 0)
				return rc;
			break;
		}
		o = (size_t)(open - tmpl);
		if (o > pos && v->literal && (rc = v->literal(v->arg, tmpl + pos, o - pos)) != 0)
			return rc;
		/* Find the closing braces within the token bound. */
		limit = o + 2 + TMPL_MAX_TOKEN;
		for (i = o + 2; i + 1 < len && i <= limit; i++) {
			if (tmpl[i] == '}' && tmpl[i + 1] == '}')
				break;
			if (tmpl[i] == '{' && tmpl[i + 1] == '{') {
				*erroff = i;
				return cad_err_set(err, "'{{' inside the token that starts at offset %zu",
						   o);
			}
		}
		if (i + 1 >= len) {
			*erroff = o;
			return cad_err_set(err, "unterminated '{{' at offset %zu", o);
		}
		if (i > limit) {
			*erroff = o;
			return cad_err_set(err, "token at offset %zu is longer than %d bytes", o,
					   TMPL_MAX_TOKEN);
		}
		if (parse_inner(tmpl + o + 2, i - o - 2, o, &tk, err) < 0) {
			*erroff = o;
			return -1;
		}
		if (v->token && (rc = v->token(v->arg, &tk)) != 0)
			return rc;
		pos = i + 2;
	}
	return 0;
}

int tmpl_validate_at(const char *tmpl, size_t *offset, struct cad_err *err)
{
	struct tmpl_visitor v = { NULL, NULL, NULL };
	size_t off = 0;
	int rc = tmpl_scan(tmpl, &v, &off, err);
	if (offset)
		*offset = rc ? off : 0;
	return rc ? -1 : 0;
}

int tmpl_validate(const char *tmpl, struct cad_err *err)
{
	return tmpl_validate_at(tmpl, NULL, err);
}

/* ---- values ---- */

static const char *const sender_fields[] = {
	"firstname", "lastname", "name", "email", "signature", "meeting_link"
};

int tmpl_token_known(const char *name)
{
	const char *dot = strchr(name, '.');
	size_t i;
	if (cad_strcaseeq(name, TMPL_UNSUBSCRIBE_URL))
		return 1;
	if (dot == NULL || dot[1] == '\0')
		return 0;
	if (ncaseeq(name, (size_t)(dot - name), "contact"))
		return 1;
	if (!ncaseeq(name, (size_t)(dot - name), "sender"))
		return 0;
	for (i = 0; i < CAD_ARRAY_LEN(sender_fields); i++)
		if (cad_strcaseeq(dot + 1, sender_fields[i]))
			return 1;
	return 0;
}

/* The value of a token as a (pointer, length) slice of the context's
 * strings; NULL when there is none. */
static const char *lookup(const struct tmpl_ctx *ctx, const struct tmpl_tok *tk, size_t *n)
{
	const char *field = tk->name + tk->nslen + 1;
	size_t flen = tk->namelen - tk->nslen - 1;
	const char *val = NULL;

	if (tk->nslen == 0) {
		/* {{unsubscribe_url}}: the message's own link, when known. */
		val = ctx ? ctx->unsubscribe_url : NULL;
	} else if (ncaseeq(tk->name, tk->nslen, "contact")) {
		const struct contact *c = ctx ? ctx->contact : NULL;
		char key[TMPL_MAX_TOKEN + 1];
		if (c == NULL)
			return NULL;
		if (ncaseeq(field, flen, "firstname"))
			val = c->firstname;
		else if (ncaseeq(field, flen, "lastname"))
			val = c->lastname;
		else if (ncaseeq(field, flen, "company"))
			val = c->company;
		else if (ncaseeq(field, flen, "email"))
			val = c->email;
		else if (ncaseeq(field, flen, "timezone"))
			val = c->tz;
		if (val == NULL) {
			/* flen < TMPL_MAX_TOKEN by the scanner's bound. */
			memcpy(key, field, flen);
			key[flen] = '\0';
			val = contact_prop(c, key);
		}
	} else {
		const struct user *u = ctx ? ctx->sender : NULL;
		if (u == NULL)
			return NULL;
		if (ncaseeq(field, flen, "firstname") || ncaseeq(field, flen, "lastname")) {
			/* First word of the display name, and the rest. */
			const char *s = u->name, *w;
			if (s == NULL)
				return NULL;
			while (is_space(*s))
				s++;
			for (w = s; *w && !is_space(*w); w++)
				;
			if (ncaseeq(field, flen, "firstname")) {
				*n = (size_t)(w - s);
				return s;
			}
			val = w;
		} else if (ncaseeq(field, flen, "name"))
			val = u->name;
		else if (ncaseeq(field, flen, "email"))
			val = u->email;
		else if (ncaseeq(field, flen, "signature"))
			val = u->signature;
		else if (ncaseeq(field, flen, "meeting_link"))
			val = u->meeting_link;
	}
	if (val == NULL)
		return NULL;
	*n = strlen(val);
	return val;
}

struct render_state {
	const struct tmpl_ctx *ctx;
	unsigned flags;
	struct sbuf *out;
	struct cad_err *err;
};

static int render_add(struct render_state *st, const char *p, size_t n, int from_data)
{
	size_t i;
	if (st->out->len + n > TMPL_MAX_OUTPUT)
		return cad_err_set(st->err, "rendered text is longer than %d bytes", TMPL_MAX_OUTPUT);
	if (!(from_data && (st->flags & TMPL_ONE_LINE))) {
		sbuf_add(st->out, p, n);
		return 0;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		sbuf_addc(st->out, (c < 0x20 || c == 0x7f) ? ' ' : (char)c);
	}
	return 0;
}

static int render_literal(void *arg, const char *p, size_t n)
{
	return render_add(arg, p, n, 0);
}

static int render_token(void *arg, const struct tmpl_tok *tk)
{
	struct render_state *st = arg;
	size_t n = 0;
	const char *val = lookup(st->ctx, tk, &n);

	trim(&val, &n);   /* a value of only spaces counts as missing */
	if (val != NULL && n > 0)
		return render_add(st, val, n, 1);
	if (tk->fb != NULL)
		return render_add(st, tk->fb, tk->fblen, 1);
	return cad_err_set(st->err, "no value for {{%.*s}} and no fallback", (int)tk->namelen,
			   tk->name);
}

int tmpl_render_flags(const char *tmpl, const struct tmpl_ctx *ctx, unsigned flags,
		      struct sbuf *out, struct cad_err *err)
{
	struct render_state st = { ctx, flags, out, err };
	struct tmpl_visitor v = { render_literal, render_token, &st };
	size_t off;

	sbuf_reset(out);
	if (tmpl_scan(tmpl, &v, &off, err) != 0) {
		sbuf_reset(out);
		return -1;
	}
	return 0;
}

int tmpl_render(const char *tmpl, const struct tmpl_ctx *ctx, struct sbuf *out,
		struct cad_err *err)
{
	return tmpl_render_flags(tmpl, ctx, 0, out, err);
}

struct each_state {
	int (*fn)(void *arg, const char *name, const char *fallback);
	void *arg;
};

static int each_token(void *arg, const struct tmpl_tok *tk)
{
	struct each_state *st = arg;
	char *name = xstrndup(tk->name, tk->namelen);
	char *fb = tk->fb ? xstrndup(tk->fb, tk->fblen) : NULL;
	int rc = st->fn(st->arg, name, fb);
	free(name);
	free(fb);
	return rc;
}

int tmpl_each_token(const char *tmpl, int (*fn)(void *arg, const char *name,
						const char *fallback), void *arg)
{
	struct each_state st = { fn, arg };
	struct tmpl_visitor v = { NULL, each_token, &st };
	struct cad_err err;
	size_t off;
	return tmpl_scan(tmpl, &v, &off, &err);
}

int tmpl_check_sequence(const struct sequence *s, const struct tmpl_ctx *ctx,
			struct cad_err *err)
{
	struct sbuf out;
	struct tmpl_ctx c2;
	size_t i;
	int rc = 0;

	/* Each message's unsubscribe link is made when it is sent: checking
	 * ahead of that, the token has a value. */
	memset(&c2, 0, sizeof(c2));
	if (ctx != NULL)
		c2 = *ctx;
	if (c2.unsubscribe_url == NULL)
		c2.unsubscribe_url = "https://unsubscribe.invalid/";
	ctx = &c2;
	sbuf_init(&out);
	for (i = 0; i < s->nsteps && rc == 0; i++) {
		const struct step *st = &s->steps[i];
		const char *what[2] = { st->subject, st->body };
		const char *label[2] = { "subject", st->kind == STEP_EMAIL ? "body" : "note" };
		size_t k;
		for (k = 0; k < 2 && rc == 0; k++) {
			if (what[k] == NULL)
				continue;
			rc = tmpl_render_flags(what[k], ctx, k == 0 ? TMPL_ONE_LINE : 0, &out, err);
			if (rc != 0)
				cad_err_prefix(err, "step %d (%s) %s", st->index,
					       step_kind_name(st->kind), label[k]);
		}
	}
	sbuf_free(&out);
	return rc ? -1 : 0;
}
