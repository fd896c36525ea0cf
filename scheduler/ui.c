/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ui.c - the web page's dispatcher: routes, the session cookie, the CSRF
 * check of every POST, forms, and the bridge to the JSON API. See ui.h.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ui_int.h"

#define UI_FORM_MAX 32

int ui_path(const char *path)
{
	return path != NULL && strncmp(path, "/ui", 3) == 0 && (path[3] == '\0' || path[3] == '/');
}

const char *ui_arg(const struct ui_call *c, const char *key)
{
	const char *v = c->rq->arg ? c->rq->arg(c->rq->argcls, key) : NULL;
	return v && *v ? v : NULL;
}

const char *ui_form(const struct ui_call *c, const char *key)
{
	size_t i;
	for (i = 0; i < c->nform; i++)
		if (strcmp(c->form[i].key, key) == 0)
			return c->form[i].value;
	return NULL;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9') return ch - '0';
	if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
	return -1;
}

static char *url_decode(const char *s, size_t n)
{
	char *out = xcalloc(1, n + 1), *o = out;
	size_t i;
	for (i = 0; i < n; i++) {
		if (s[i] == '+') {
			*o++ = ' ';
		} else if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			*o++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

/* application/x-www-form-urlencoded (what a browser's form posts). */
static int parse_form(struct ui_call *c)
{
	const char *ct = c->rq->content_type, *p = c->rq->body, *end;
	if (ct != NULL && !cad_startswith_ci(ct, "application/x-www-form-urlencoded"))
		return -1;
	if (p == NULL)
		return 0;
	end = p + c->rq->body_len;
	c->form = xcalloc(UI_FORM_MAX, sizeof(*c->form));
	while (p < end && c->nform < UI_FORM_MAX) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *e = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(e - p));
		if (eq != NULL) {
			char *k = url_decode(p, (size_t)(eq - p));
			char *v = url_decode(eq + 1, (size_t)(e - eq - 1));
			c->form[c->nform].key = k;
			c->form[c->nform].value = v;
			c->nform++;
		}
		p = amp ? amp + 1 : end;
	}
	return 0;
}

/* The value of cookie name in the Cookie header, copied, or NULL. */
char *ui_cookie(const char *header, const char *name)
{
	size_t nl = strlen(name);
	const char *p = header;
	while (p != NULL && *p) {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
			const char *v = p + nl + 1;
			return xstrndup(v, strcspn(v, ";"));
		}
		p = strchr(p, ';');
	}
	return NULL;
}

void ui_send_page(struct ui_call *c, unsigned status)
{
	c->out->status = status;
	c->out->type = "text/html; charset=utf-8";
	free(c->out->body);
	c->out->body = sbuf_detach(&c->b);
}

void ui_error(struct ui_call *c, unsigned status, const char *fmt, ...)
{
	struct sbuf m;
	va_list ap;
	sbuf_init(&m);
	va_start(ap, fmt);
	sbuf_vaddf(&m, fmt, ap);
	va_end(ap);
	sbuf_reset(&c->b);
	ui_page_begin(&c->b, "Error", c->signed_in ? &c->who : NULL, NULL);
	sbuf_addf(&c->b, "<h1>%u</h1><p class=\"err\" role=\"alert\">", status);
	ui_esc(&c->b, m.s);
	sbuf_adds(&c->b, "</p><p><a href=\"/ui/\">Back to the sequences</a></p>");
	ui_page_end(&c->b);
	sbuf_free(&m);
	ui_send_page(c, status);
}

void ui_redirect(struct ui_call *c, const char *fmt, ...)
{
	va_list ap;
	struct sbuf m;
	sbuf_init(&m);
	va_start(ap, fmt);
	sbuf_vaddf(&m, fmt, ap);
	va_end(ap);
	free(c->out->location);
	c->out->location = sbuf_detach(&m);
	c->out->status = 303;
	c->out->type = "text/plain; charset=utf-8";
	free(c->out->body);
	c->out->body = xstrdup("");
}

void ui_api(struct ui_call *c, const char *method, const char *path, const char *const *query,
	    const char *json, struct api_response *resp)
{
	struct api_param q[16];
	struct api_request rq;
	struct api_ctx ctx;
	char *auth = xasprintf("Bearer %s", c->sess.token ? c->sess.token : "");
	size_t n = 0;

	while (query && query[2 * n] && n < CAD_ARRAY_LEN(q)) {
		q[n].key = query[2 * n];
		q[n].value = query[2 * n + 1] ? query[2 * n + 1] : "";
		n++;
	}
	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.path = path;
	rq.query = q;
	rq.nquery = n;
	rq.authorization = auth;
	rq.content_type = json ? "application/json" : NULL;
	rq.body = json;
	rq.body_len = json ? strlen(json) : 0;
	rq.now = c->rq->now;
	memset(&ctx, 0, sizeof(ctx));
	ctx.st = c->st;
	ui_why_conf(&ctx.spacing_seconds, &ctx.spacing_jitter, &ctx.domain_daily_cap);
	api_handle(&ctx, &rq, resp);
	OPENSSL_cleanse(auth, strlen(auth));
	free(auth);
}

void ui_json(struct ui_call *c, const char *path, const char *const *query)
{
	struct api_response r;
	ui_api(c, "GET", path, query, NULL, &r);
	c->out->status = r.status;
	c->out->type = "application/json";
	free(c->out->body);
	c->out->body = r.body;
}

int ui_want_json(const struct ui_call *c)
{
	const char *f = ui_arg(c, "format");
	return f != NULL && strcmp(f, "json") == 0;
}

int64_t ui_scope_user(const struct ui_call *c)
{
	return c->sess.admin ? 0 : c->sess.user_id;
}

int ui_period(struct ui_call *c, cad_time_t *from, cad_time_t *to)
{
	const char *f = ui_arg(c, "from"), *t = ui_arg(c, "to");
	*from = *to = 0;
	if (f && cad_time_parse(f, from) != 0) {
		ui_error(c, 400, "from: a date (2026-12-01) or a time (2026-12-01T09:00:00Z)");
		return -1;
	}
	if (t && cad_time_parse(t, to) != 0) {
		ui_error(c, 400, "to: a date (2026-12-01) or a time (2026-12-01T09:00:00Z)");
		return -1;
	}
	if (t && strlen(t) == 10)
		*to += 86400;   /* a date "to" includes its day */
	return 0;
}

void ui_period_form(struct ui_call *c, const char *action)
{
	sbuf_adds(&c->b, "<form class=\"period\" method=\"get\" action=\"");
	ui_esc(&c->b, action);
	sbuf_adds(&c->b, "\" aria-label=\"Period\"><div><label for=\"from\">From</label>"
		  "<input type=\"date\" id=\"from\" name=\"from\" value=\"");
	ui_esc(&c->b, ui_arg(c, "from"));
	sbuf_adds(&c->b, "\"></div><div><label for=\"to\">To</label>"
		  "<input type=\"date\" id=\"to\" name=\"to\" value=\"");
	ui_esc(&c->b, ui_arg(c, "to"));
	sbuf_adds(&c->b, "\"></div><button type=\"submit\">Show</button>");
	if (ui_arg(c, "from") || ui_arg(c, "to")) {
		sbuf_adds(&c->b, " <a href=\"");
		ui_esc(&c->b, action);
		sbuf_adds(&c->b, "\">All time</a>");
	} else {
		sbuf_adds(&c->b, " <span class=\"muted\">Showing all time.</span>");
	}
	sbuf_adds(&c->b, "</form>");
}

const char *ui_sort_key(const struct ui_call *c, const char *def, int *desc)
{
	const char *k = ui_arg(c, "sort"), *d = ui_arg(c, "dir");
	*desc = d != NULL && strcmp(d, "desc") == 0;
	return k ? k : def;
}

void ui_sort_th(struct ui_call *c, const char *base, const char *key, const char *label,
		int numeric)
{
	int desc;
	const char *cur = ui_sort_key(c, "", &desc);
	int on = strcmp(cur, key) == 0;
	int next_desc = on ? !desc : numeric;   /* numbers: largest first */

	sbuf_addf(&c->b, "<th scope=\"col\"%s%s><a href=\"", numeric ? " class=\"n\"" : "",
		  on ? (desc ? " aria-sort=\"descending\"" : " aria-sort=\"ascending\"") : "");
	ui_esc(&c->b, base);
	sbuf_adds(&c->b, "?sort=");
	ui_urlenc(&c->b, key);
	sbuf_addf(&c->b, "&amp;dir=%s", next_desc ? "desc" : "asc");
	if (ui_arg(c, "from")) {
		sbuf_adds(&c->b, "&amp;from=");
		ui_urlenc(&c->b, ui_arg(c, "from"));
	}
	if (ui_arg(c, "to")) {
		sbuf_adds(&c->b, "&amp;to=");
		ui_urlenc(&c->b, ui_arg(c, "to"));
	}
	sbuf_adds(&c->b, "\">");
	ui_esc(&c->b, label);
	if (on)
		sbuf_adds(&c->b, desc ? " ▼" : " ▲");
	sbuf_adds(&c->b, "</a></th>");
}

void ui_json_link(struct ui_call *c, const char *api_path)
{
	sbuf_adds(&c->b, "<p class=\"muted\">The same figures as JSON: <a href=\"?format=json");
	if (ui_arg(c, "from")) {
		sbuf_adds(&c->b, "&amp;from=");
		ui_urlenc(&c->b, ui_arg(c, "from"));
	}
	if (ui_arg(c, "to")) {
		sbuf_adds(&c->b, "&amp;to=");
		ui_urlenc(&c->b, ui_arg(c, "to"));
	}
	sbuf_adds(&c->b, "\">this page</a> (the API's <code>");
	ui_esc(&c->b, api_path);
	sbuf_adds(&c->b, "</code>, cadence-api(7)).</p>");
}

/* ---- routes ---- */

struct ui_route {
	const char *method;
	const char *prefix;     /* exact, or a prefix followed by an id when id */
	int id;
	int public_;
	void (*fn)(struct ui_call *c);
};

static const struct ui_route routes[] = {
	{ "GET", "/ui/login", 0, 1, ui_page_login },
	{ "POST", "/ui/login", 0, 1, ui_post_login },
	{ "POST", "/ui/logout", 0, 0, ui_post_logout },
	{ "GET", "/ui/", 0, 0, ui_page_sequences },
	{ "GET", "/ui/seq/", 1, 0, ui_page_sequence },
	{ "GET", "/ui/reps", 0, 0, ui_page_reps },
	{ "GET", "/ui/tasks", 0, 0, ui_page_tasks },
	{ "POST", "/ui/tasks/", 1, 0, ui_post_task },
	{ "GET", "/ui/enr/", 1, 0, ui_page_enrollment },
	{ "POST", "/ui/enr/", 1, 0, ui_post_enrollment },
};

static int id_ok(const char *s)
{
	size_t i;
	if (*s == '\0' || strlen(s) > 18)
		return 0;
	for (i = 0; s[i]; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int matches(const struct ui_route *r, const char *path, const char **seg)
{
	size_t n = strlen(r->prefix);
	if (!r->id)
		return strcmp(path, r->prefix) == 0;
	if (strncmp(path, r->prefix, n) != 0 || !id_ok(path + n))
		return 0;
	*seg = path + n;
	return 1;
}

static void set_headers_html(struct ui_response *out)
{
	out->type = "text/html; charset=utf-8";
}

void ui_handle(const struct ui_request *rq, struct ui_response *out)
{
	struct ui_call c;
	const struct ui_route *r = NULL;
	const char *method = rq->method, *seg = NULL;
	int path_known = 0;
	char *sid;
	size_t i;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.rq = rq;
	c.out = out;
	c.st = rq->st;
	sbuf_init(&c.b);
	set_headers_html(out);
	if (strcmp(method, "HEAD") == 0)
		method = "GET";   /* libmicrohttpd drops the body */

	if (strcmp(rq->path, "/ui") == 0) {
		ui_redirect(&c, "/ui/");
		goto done;
	}
	for (i = 0; i < CAD_ARRAY_LEN(routes); i++) {
		if (!matches(&routes[i], rq->path, &seg))
			continue;
		path_known = 1;
		if (strcmp(routes[i].method, method) == 0) {
			r = &routes[i];
			break;
		}
	}
	if (r == NULL) {
		if (path_known)
			ui_error(&c, 405, "This page does not take %s.", rq->method);
		else
			ui_error(&c, 404, "No such page.");
		goto done;
	}
	c.seg = seg;
	sid = ui_cookie(rq->cookie, "cad_ui");
	if (sid != NULL && ui_sess_find(sid, rq->now, &c.sess) == 0) {
		c.signed_in = 1;
		c.who.name = c.sess.name;
		c.who.email = c.sess.email;
		c.who.admin = c.sess.admin;
		c.who.csrf = c.sess.csrf;
	}
	free(sid);
	if (strcmp(method, "POST") == 0) {
		const char *tok;
		if (rq->body_too_big) {
			ui_error(&c, 413, "The form is too large.");
			goto done;
		}
		if (parse_form(&c) < 0) {
			ui_error(&c, 415, "Forms are posted as application/x-www-form-urlencoded.");
			goto done;
		}
		tok = ui_form(&c, "csrf");
		if (!r->public_ && (!c.signed_in || tok == NULL || strlen(tok) != UI_SID_HEX
				    || CRYPTO_memcmp(tok, c.sess.csrf, UI_SID_HEX) != 0)) {
			ui_error(&c, 403, "This form has expired or did not come from this page: "
				 "reload the page and try again.");
			goto done;
		}
	}
	if (!r->public_ && !c.signed_in) {
		if (strcmp(method, "GET") == 0)
			ui_redirect(&c, "/ui/login");
		else
			ui_error(&c, 403, "Sign in first.");
		goto done;
	}
	if (c.st == NULL && !r->public_) {   /* sign-in checks its form first */
		ui_error(&c, 503, "The store is not available; try again in a moment.");
		goto done;
	}
	r->fn(&c);
done:
	if (out->body == NULL)
		ui_send_page(&c, out->status ? out->status : 200);
	for (i = 0; i < c.nform; i++) {
		free(c.form[i].key);
		free(c.form[i].value);
	}
	free(c.form);
	sbuf_free(&c.b);
	ui_sess_clear(&c.sess);
}

void ui_response_free(struct ui_response *out)
{
	size_t i;
	free(out->body);
	free(out->location);
	for (i = 0; i < UI_COOKIES_MAX; i++)
		free(out->cookie[i]);
	memset(out, 0, sizeof(*out));
}
