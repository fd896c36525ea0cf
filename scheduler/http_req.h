/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * http_req.h - cadenced's HTTP requests from request to response, with no
 * socket: the part of the listener that decides. http.c feeds it what
 * libmicrohttpd read; tests/fuzz/fuzz_http.c feeds it anything.
 *
 *   GET|HEAD /u/TOKEN   a page asking to confirm (link scanners and
 *                       previews fetch URLs: a GET never unsubscribes)
 *   POST /u/TOKEN       RFC 8058 one-click: a form (urlencoded or
 *                       multipart/form-data, http_form.h) holding
 *                       List-Unsubscribe=One-Click unsubscribes (unsub.h);
 *                       a repeat answers the same page and records nothing
 *   GET|HEAD /t/ID-MAC/ACTION  the digest's task link (issue #12): a page
 *                       asking to confirm; POST marks task ID done, skipped
 *                       or (a call) done with the outcome ACTION (done,
 *                       skip, connected, voicemail, no-answer,
 *                       wrong-number). MAC binds the task and its rep
 *                       (http_task_url); a wrong one is 404. A closed task
 *                       answers "already ..." and nothing changes.
 *   GET|HEAD /healthz   "ok"
 *   other methods: 405 with Allow; other paths: 404; a body over
 *   HTTP_BODY_MAX: 413; a POST without the field: 400.
 *
 * Guarantees: the token is verified with the site secret before the store
 * is asked; the answer never reveals more of the address than the masked
 * form the token already names; a store failure is a 503 and changes
 * nothing. The response body is for GET/POST; HEAD drops it (http.c).
 */
#ifndef CADENCE_HTTP_REQ_H
#define CADENCE_HTTP_REQ_H

#include <stddef.h>

#include "secret.h"
#include "store.h"
#include "util.h"

#define HTTP_BODY_MAX 4096   /* bytes of request body kept */
#define HTTP_URL_MAX 256     /* longer URLs are 404 */

struct http_in {
	const char *method;         /* "GET", "POST" ... */
	const char *url;            /* the path, without the query */
	const char *content_type;   /* NULL when absent */
	const char *body;           /* NULL when none */
	size_t body_len;
	int body_too_big;           /* more than HTTP_BODY_MAX arrived */
};

struct http_out {
	unsigned status;
	const char *type;           /* Content-Type (static) */
	const char *allow;          /* the Allow header of a 405 (static), or NULL */
	char *body;                 /* allocated: http_out_free() */
};

/* Where a request's store handle comes from: get returns one or NULL
 * (then 503), put gives it back. */
struct http_env {
	const struct cad_secret *secret;
	cad_time_t now;
	struct store *(*store_get)(void *cls);
	void (*store_put)(void *cls, struct store *st);
	void *cls;
};

void http_answer(const struct http_env *env, const struct http_in *in, struct http_out *out);
void http_out_free(struct http_out *out);

/* The link PUBLIC_URL/t/ID-MAC/ACTION for task_id of rep user_id, or NULL
 * without a PublicURL. Caller frees. */
char *http_task_url(const char *public_url, const struct cad_secret *secret, int64_t task_id,
		    int64_t user_id, const char *action);

#endif
