/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ui_int.h - what the ui*.c files share: the call under way (request,
 * session, response), the session table (ui_sess.c), the bridge to the
 * JSON API (writes and ?format=json go through api_handle() with the
 * session's token) and the pages.
 */
#ifndef CADENCE_UI_INT_H
#define CADENCE_UI_INT_H

#include "api.h"
#include "ui.h"
#include "ui_html.h"
#include "ui_svg.h"

#define UI_SID_HEX 64

struct ui_sess {
	char id[UI_SID_HEX + 1];
	char csrf[UI_SID_HEX + 1];
	char *token;             /* the API token it was opened with (memory only) */
	char *name;              /* the token's name */
	char *email;             /* the rep's address, NULL for an admin token */
	int64_t user_id;         /* 0 for admin */
	int admin;
	cad_time_t expires;
};
void ui_sess_clear(struct ui_sess *s);

/* ui_sess.c: the in-memory table (thread-safe). Copies in and out. */
int ui_sess_open(const struct ui_sess *proto, cad_time_t now, struct ui_sess *out);
int ui_sess_find(const char *id, cad_time_t now, struct ui_sess *out);   /* 0 or -1 */
void ui_sess_close(const char *id);
/* HMAC-SHA256(key, what || id) in hex: CSRF tokens. */
void ui_mac(const char *what, const char *id, char out[UI_SID_HEX + 1]);
int ui_random_hex(char out[UI_SID_HEX + 1]);
int ui_secure_cookies(void);
void ui_why_conf(int *spacing, int *jitter, int *domain_cap);

struct ui_field {
	char *key, *value;
};

struct ui_call {
	const struct ui_request *rq;
	struct ui_response *out;
	struct store *st;
	struct ui_sess sess;      /* valid when signed_in */
	int signed_in;
	struct ui_who who;
	struct ui_field *form;
	size_t nform;
	struct sbuf b;            /* the page under construction */
	const char *seg;          /* the {} of the route (an id), or NULL */
};

const char *ui_arg(const struct ui_call *c, const char *key);
const char *ui_form(const struct ui_call *c, const char *key);
/* The value of cookie name in a Cookie header, copied, or NULL. */
char *ui_cookie(const char *header, const char *name);
/* Adds a Set-Cookie: name=value with the session attributes (Path=/ui,
 * HttpOnly, SameSite=Strict, Secure when PublicURL is https); max_age 0
 * deletes it. */
void ui_set_cookie(struct ui_call *c, const char *name, const char *value, long max_age);
/* A page ends with one of these. */
void ui_send_page(struct ui_call *c, unsigned status);          /* c->b as HTML */
void ui_error(struct ui_call *c, unsigned status, const char *fmt, ...) CAD_PRINTF(3, 4);
void ui_redirect(struct ui_call *c, const char *fmt, ...) CAD_PRINTF(2, 3);   /* 303 */
/* The API as the session's token: method, path, query pairs (key, value,
 * ..., NULL), JSON body or NULL. Fills resp (caller frees). */
void ui_api(struct ui_call *c, const char *method, const char *path, const char *const *query,
	    const char *json, struct api_response *resp);
/* Answers ?format=json with the API's answer to GET path?query. */
void ui_json(struct ui_call *c, const char *path, const char *const *query);
/* 1 when ?format=json was asked. */
int ui_want_json(const struct ui_call *c);
/* The rep whose figures a session sees: 0 (everyone) for admin. */
int64_t ui_scope_user(const struct ui_call *c);
/* The period of ?from=&to= (dates or times; 0 = open). -1 after a 400. */
int ui_period(struct ui_call *c, cad_time_t *from, cad_time_t *to);
/* The period form (keeps other parameters out: sort is reset). */
void ui_period_form(struct ui_call *c, const char *action);
/* A sortable column header: th with a link to ?sort=key&dir=..., the
 * period kept; aria-sort on the current one. */
void ui_sort_th(struct ui_call *c, const char *base, const char *key, const char *label,
		int numeric);
/* The sort asked: key (or def) and 1 for descending. */
const char *ui_sort_key(const struct ui_call *c, const char *def, int *desc);
/* The link to this page's JSON. */
void ui_json_link(struct ui_call *c, const char *api_path);

/* the pages */
void ui_page_login(struct ui_call *c);
void ui_post_login(struct ui_call *c);
void ui_post_logout(struct ui_call *c);
void ui_page_sequences(struct ui_call *c);
void ui_page_sequence(struct ui_call *c);
void ui_page_reps(struct ui_call *c);
void ui_page_tasks(struct ui_call *c);
void ui_post_task(struct ui_call *c);
void ui_page_enrollment(struct ui_call *c);
void ui_post_enrollment(struct ui_call *c);

#endif
