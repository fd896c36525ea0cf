/*
 * http_req.c - cadenced's HTTP requests, request in, response out. See
 * http_req.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "http_form.h"
#include "http_req.h"
#include "unsub.h"

static const char page_head[] =
	"<!doctype html><html><head><meta charset=\"utf-8\">"
	"<meta name=\"viewport\" content=\"width=device-width\"><title>Unsubscribe</title>"
	"</head><body style=\"font-family:sans-serif;max-width:32em;margin:3em auto\">";

static void set(struct http_out *out, unsigned status, const char *type, char *body)
{
	out->status = status;
	out->type = type;
	out->body = body;
}

static void text(struct http_out *out, unsigned status, const char *msg)
{
	set(out, status, "text/plain; charset=utf-8", xstrdup(msg));
}

static void unavailable(struct http_out *out)
{
	text(out, 503, "Temporarily unavailable, please try again later.\n");
}

static int is(const char *method, const char *want)
{
	return strcmp(method, want) == 0;
}

/* "ann@acme.test" -> "a***@acme.test": enough for a person to recognise. */
static char *mask_address(const char *addr)
{
	const char *at = strchr(addr, '@');
	if (at == NULL || at == addr)
		return xstrdup("your address");
	return xasprintf("%c***%s", addr[0], at);
}

/* POST: the one-click unsubscribe, answered with the same page whether it
 * changed something or repeated an earlier one. */
static void one_click(const struct http_env *env, struct store *st, const char *addr,
		      const char *masked, struct http_out *out)
{
	struct cad_err err = { "" };
	char *detail = xasprintf("one-click unsubscribe (RFC 8058) for %s", masked);
	int n = 0, changed = 0;

	if (unsub_one_click(st, addr, detail, "http", env->now, &n, &changed, &err) < 0) {
		cad_log(CAD_LOG_ERR, "unsubscribe %s: %s", masked, err.msg);
		unavailable(out);
	} else {
		if (changed)
			cad_log(CAD_LOG_INFO, "unsubscribed %s by one-click (%d enrollments ended)",
				masked, n);
		else
			cad_log(CAD_LOG_DEBUG, "one-click unsubscribe of %s repeated: nothing to do",
				masked);
		set(out, 200, "text/html; charset=utf-8",
		    xasprintf("%s<p>Done: %s will get no further messages.</p></body></html>\n",
			      page_head, masked));
	}
	free(detail);
}

static void unsub_with_store(const struct http_env *env, struct store *st,
			     const struct http_in *in, const char *token, struct http_out *out)
{
	struct cad_err err = { "" };
	char *addr = NULL, *masked;
	int rc = unsub_token_address(st, env->secret, token, &addr, &err);

	if (rc < 0) {
		cad_log(CAD_LOG_ERR, "unsubscribe: %s", err.msg);
		unavailable(out);
		return;
	}
	if (rc == STORE_NOTFOUND) {
		text(out, 404, "This unsubscribe link is not valid.\n");
		return;
	}
	masked = mask_address(addr);
	if (!is(in->method, "POST"))
		set(out, 200, "text/html; charset=utf-8",
		    xasprintf("%s<p>Stop all further messages to %s?</p>"
			      "<form method=\"post\"><input type=\"hidden\" name=\"List-Unsubscribe\""
			      " value=\"One-Click\"><button type=\"submit\">Unsubscribe</button>"
			      "</form></body></html>\n", page_head, masked));
	else if (in->body_too_big)
		text(out, 413, "The request body is too large.\n");
	else if (!http_form_one_click(in->content_type, in->body, in->body_len))
		text(out, 400, "Expected the form field List-Unsubscribe=One-Click (RFC 8058).\n");
	else
		one_click(env, st, addr, masked, out);
	free(masked);
	free(addr);
}

static void unsub(const struct http_env *env, const struct http_in *in, const char *token,
		  struct http_out *out)
{
	struct store *st;

	if (!is(in->method, "GET") && !is(in->method, "HEAD") && !is(in->method, "POST")) {
		text(out, 405, "GET, HEAD or POST\n");
		out->allow = "GET, HEAD, POST";
		return;
	}
	st = env->store_get(env->cls);
	if (st == NULL) {
		unavailable(out);
		return;
	}
	unsub_with_store(env, st, in, token, out);
	env->store_put(env->cls, st);
}

void http_answer(const struct http_env *env, const struct http_in *in, struct http_out *out)
{
	const char *url = in->url ? in->url : "";

	memset(out, 0, sizeof(*out));
	if (in->method == NULL || strlen(url) >= HTTP_URL_MAX) {
		text(out, 404, "not found\n");
	} else if (strcmp(url, "/healthz") == 0) {
		if (is(in->method, "GET") || is(in->method, "HEAD")) {
			text(out, 200, "ok\n");
		} else {
			text(out, 405, "GET or HEAD\n");
			out->allow = "GET, HEAD";
		}
	} else if (strncmp(url, "/u/", 3) == 0 && url[3] != '\0') {
		unsub(env, in, url + 3, out);
	} else {
		text(out, 404, "not found\n");
	}
}

void http_out_free(struct http_out *out)
{
	free(out->body);
	out->body = NULL;
}
