/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * http_req.c - cadenced's HTTP requests, request in, response out. See
 * http_req.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cal.h"
#include "http_form.h"
#include "http_req.h"
#include "rules.h"
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

/* ---- the digest's task links (issue #12) ---- */

/* The MAC of task id for rep user_id, 32 hex digits: HMAC-SHA256 under
 * the site secret of "cadence-task:ID:USER", first 16 bytes. */
static int task_mac(const struct cad_secret *secret, int64_t id, int64_t user_id,
		    char hex[33])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char msg[80];
	int n = snprintf(msg, sizeof(msg), "cadence-task:%lld:%lld", (long long)id,
			 (long long)user_id);
	if (secret == NULL || secret->key == NULL ||
	    HMAC(EVP_sha256(), secret->key, (int)secret->len, (const unsigned char *)msg,
		 (size_t)n, mac, &maclen) == NULL || maclen < 16)
		return -1;
	cad_hex(mac, 16, hex);
	return 0;
}

static const char *const task_actions[] = {
	"done", "skip", "connected", "voicemail", "no-answer", "wrong-number",
};

char *http_task_url(const char *public_url, const struct cad_secret *secret, int64_t task_id,
		    int64_t user_id, const char *action)
{
	char hex[33];
	size_t n;
	if (public_url == NULL || *public_url == '\0' ||
	    task_mac(secret, task_id, user_id, hex) < 0)
		return NULL;
	n = strlen(public_url);
	while (n > 0 && public_url[n - 1] == '/')
		n--;
	return xasprintf("%.*s/t/%lld-%s/%s", (int)n, public_url, (long long)task_id, hex,
			 action);
}

/* The task's next due time for its enrollment (rules_enrollment_due, as
 * cadencectl and the API compute it); now when the rules cannot be
 * applied (logged; cadenced then pauses the enrollment saying why). -1 on
 * a store error. */
static int task_next_due(struct store *st, const struct task *t, cad_time_t now,
			 cad_time_t *due, struct cad_err *err)
{
	struct cad_err rerr = { "" };
	int rc = rules_enrollment_due(st, t->enrollment_id, t->step, now, due, &rerr);

	if (rc == RULES_EINVALID)
		cad_log(CAD_LOG_WARN, "task link: step %d is due now: %s", t->step + 1, rerr.msg);
	else if (rc != 0) {
		*err = rerr;
		return -1;
	}
	if (*due == 0)
		*due = now;   /* no step after it: the enrollment finishes */
	return 0;
}

static const char task_head[] =
	"<!doctype html><html><head><meta charset=\"utf-8\">"
	"<meta name=\"viewport\" content=\"width=device-width\"><title>Task</title>"
	"</head><body style=\"font-family:sans-serif;max-width:32em;margin:3em auto\">";

static void task_page(struct http_out *out, char *p)
{
	set(out, 200, "text/html; charset=utf-8", xasprintf("%s%s</body></html>\n", task_head, p));
	free(p);
}

static void task_with_store(const struct http_env *env, struct store *st,
			    const struct http_in *in, int64_t id, const char *mac,
			    const char *action, struct http_out *out)
{
	struct cad_err err = { "" };
	struct task_view *t = NULL;
	char want[33];
	const char *outcome = NULL;
	enum task_state to = TASK_DONE;
	cad_time_t due;
	int rc = store_task_get(st, id, &t, &err);

	if (rc < 0) {
		cad_log(CAD_LOG_ERR, "task link: %s", err.msg);
		unavailable(out);
		return;
	}
	/* The MAC binds the task and its rep: checked before anything is said. */
	if (rc == STORE_NOTFOUND || task_mac(env->secret, id, t->t.user_id, want) < 0 ||
	    strlen(mac) != 32 || CRYPTO_memcmp(want, mac, 32) != 0) {
		text(out, 404, "This task link is not valid.\n");
		goto out;
	}
	if (strcmp(action, "skip") == 0)
		to = TASK_SKIPPED;
	else if (strcmp(action, "done") != 0)
		outcome = action;
	if (outcome != NULL && t->t.kind != STEP_CALL) {
		text(out, 404, "This task link is not valid.\n");
		goto out;
	}
	if (t->t.state != TASK_OPEN) {
		task_page(out, xasprintf("<p>Task %lld is already %s: nothing changed.</p>",
					 (long long)id, task_state_name(t->t.state)));
		goto out;
	}
	if (!is(in->method, "POST")) {
		char *p = xasprintf("<p>Task %lld: %s %s.</p><p>Mark it <b>%s</b>?</p>"
				    "<form method=\"post\"><input type=\"hidden\" name=\"confirm\""
				    " value=\"yes\"><button type=\"submit\">%s</button></form>",
				    (long long)id, step_kind_name(t->t.kind),
				    t->contact_email ? t->contact_email : "",
				    action, action);
		set(out, 200, "text/html; charset=utf-8",
		    xasprintf("%s%s</body></html>\n", task_head, p));
		free(p);
		goto out;
	}
	if (in->body_too_big) {
		text(out, 413, "The request body is too large.\n");
		goto out;
	}
	if (task_next_due(st, &t->t, env->now, &due, &err) < 0 ||
	    store_task_close_with(st, id, to, outcome, NULL, due, "http:task-link", env->now,
				  &err) != 0) {
		cad_log(CAD_LOG_ERR, "task link %lld: %s", (long long)id, err.msg);
		unavailable(out);
		goto out;
	}
	cad_log(CAD_LOG_INFO, "task %lld %s by its digest link", (long long)id, action);
	task_page(out, xasprintf("<p>Done: task %lld is now %s.</p>", (long long)id,
				 to == TASK_SKIPPED ? "skipped" : outcome ? outcome : "done"));
out:
	if (t != NULL)
		store_task_views_free(t, 1);
}

/* /t/ID-MAC/ACTION */
static void task_link(const struct http_env *env, const struct http_in *in, const char *rest,
		      struct http_out *out)
{
	char mac[40], action[24];
	long long id = 0;
	int used = 0;
	size_t i, ok = 0;
	struct store *st;

	if (!is(in->method, "GET") && !is(in->method, "HEAD") && !is(in->method, "POST")) {
		text(out, 405, "GET, HEAD or POST\n");
		out->allow = "GET, HEAD, POST";
		return;
	}
	if (sscanf(rest, "%lld-%39[0-9a-f]/%23[a-z-]%n", &id, mac, action, &used) != 3 ||
	    rest[used] != '\0' || id <= 0) {
		text(out, 404, "not found\n");
		return;
	}
	for (i = 0; i < CAD_ARRAY_LEN(task_actions); i++)
		ok |= strcmp(action, task_actions[i]) == 0;
	if (!ok) {
		text(out, 404, "not found\n");
		return;
	}
	st = env->store_get(env->cls);
	if (st == NULL) {
		unavailable(out);
		return;
	}
	task_with_store(env, st, in, (int64_t)id, mac, action, out);
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
	} else if (strncmp(url, "/t/", 3) == 0 && url[3] != '\0') {
		task_link(env, in, url + 3, out);
	} else {
		text(out, 404, "not found\n");
	}
}

void http_out_free(struct http_out *out)
{
	free(out->body);
	out->body = NULL;
}
