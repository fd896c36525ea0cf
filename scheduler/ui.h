/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ui.h - cadenced's web page for sales managers and reps, under /ui/ on
 * the HTTP listener: sequences with their report and charts, one
 * sequence, reps, a rep's task queue, an enrollment's timeline and "why".
 * See cadenced(8), WEB PAGE.
 *
 * Sign-in: POST /ui/login exchanges an API token (store_token.h, field
 * "token") for a session cookie (HttpOnly, SameSite=Strict, Path=/ui,
 * Secure when PublicURL is https); sessions live in cadenced's memory
 * (a restart signs everyone out), keyed by 256 random bits, ending 8 hours
 * after their last use. Each session has its CSRF token (HMAC-SHA256 of
 * the session id under a per-process random key); every POST, sign-in
 * included, carries one in the field "csrf" and is refused (403) without
 * it. No GET changes anything.
 *
 * Guarantees: a rep's session sees and acts only on that rep's tasks,
 * enrollments and figures (writes go through api_handle() with the
 * session's token, so the API's rules apply as they are); every value
 * from mail, CSV or a sequence file is escaped; pages load nothing from
 * outside (Content-Security-Policy default-src 'none', no script); every
 * page answers ?format=json with the API answer that feeds it.
 */
#ifndef CADENCE_UI_H
#define CADENCE_UI_H

#include <stddef.h>

#include "conf.h"
#include "store.h"
#include "util.h"

/* Keeps what the pages need from conf (PublicURL's scheme, the settings
 * "why" applies); draws the CSRF key. cadenced calls it when the listener
 * starts. */
void ui_configure(const struct cad_conf *conf);

/* 1 when path belongs to the web page (/ui or /ui/...). */
int ui_path(const char *path);

/* A request, with no socket (ui_http.c fills it from libmicrohttpd). */
struct ui_request {
	const char *method;
	const char *path;
	/* a query parameter by name, or NULL */
	const char *(*arg)(void *cls, const char *key);
	void *argcls;
	const char *cookie;          /* the Cookie header, or NULL */
	const char *content_type;
	const char *body;
	size_t body_len;
	int body_too_big;
	struct store *st;            /* NULL: 503 */
	cad_time_t now;
};

#define UI_COOKIES_MAX 2
struct ui_response {
	unsigned status;
	const char *type;            /* static */
	char *body;                  /* allocated */
	char *location;              /* a redirect's target, or NULL */
	char *cookie[UI_COOKIES_MAX];   /* Set-Cookie values, or NULL */
};

void ui_handle(const struct ui_request *rq, struct ui_response *out);
void ui_response_free(struct ui_response *out);

#endif
