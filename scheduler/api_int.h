/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * api_int.h - what the api_*.c files share: the call (request, token,
 * response under construction), the route table's handler type, the error
 * and JSON helpers (api_json.c) and the look-ups every endpoint needs
 * (api_lookup.c).
 *
 * Conventions: a helper that finds the request at fault fills the error
 * response itself and returns -1; the handler then returns at once. A
 * handler that succeeds calls api_reply() exactly once.
 */
#ifndef CADENCE_API_INT_H
#define CADENCE_API_INT_H

#include <jansson.h>

#include "api.h"
#include "store_token.h"

/* HubSpot's error categories and the status each is answered with. */
enum api_cat {
	CAT_VALIDATION,       /* 400 VALIDATION_ERROR */
	CAT_AUTH,             /* 401 INVALID_AUTHENTICATION */
	CAT_SCOPES,           /* 403 MISSING_SCOPES */
	CAT_NOT_FOUND,        /* 404 OBJECT_NOT_FOUND */
	CAT_METHOD,           /* 405 METHOD_NOT_ALLOWED */
	CAT_CONFLICT,         /* 409 CONFLICT */
	CAT_TOO_LARGE,        /* 413 PAYLOAD_TOO_LARGE */
	CAT_UNSUPPORTED,      /* 415 UNSUPPORTED_MEDIA_TYPE */
	CAT_INTERNAL,         /* 500 INTERNAL_ERROR */
	CAT_UNAVAILABLE       /* 503 SERVICE_UNAVAILABLE */
};

#define API_SEGS_MAX 8

struct api_call {
	const struct api_request *req;
	struct api_response *resp;
	struct store *st;
	const struct api_ctx *ctx;
	struct api_token tok;        /* who calls */
	char *actor;                 /* "api:<token name>" */
	const char *seg[API_SEGS_MAX];   /* the {} segments of the route */
	int keep;                    /* commit even though the answer is an error */
	char correlation[40];
};

typedef void (*api_fn)(struct api_call *c);

/* ---- api_json.c: answers ---- */
/* Sets the JSON answer (steals v). */
void api_reply(struct api_call *c, unsigned status, json_t *v);
/* An error answer; returns -1. */
int api_error(struct api_call *c, enum api_cat cat, const char *fmt, ...) CAD_PRINTF(3, 4);
/* The store failed: 500 (logged with the correlation id); returns -1. */
int api_store_error(struct api_call *c, const struct cad_err *err);
json_t *api_str(const char *s);            /* NULL -> null */
json_t *api_idstr(int64_t id);             /* "42"; 0 -> null */
json_t *api_time(cad_time_t t);            /* "2026-12-01T09:00:00.000Z"; 0 -> null */
void api_set(json_t *o, const char *key, json_t *v);   /* steals v */

/* ---- api_json.c: the request ---- */
/* A query parameter, or NULL. */
const char *api_query(const struct api_call *c, const char *key);
/* Refuses parameters not in allowed (NULL-terminated). */
int api_query_only(struct api_call *c, const char *const *allowed);
/* limit= (default def, 1..API_PAGE_MAX) and after= (an id cursor, default 0). */
int api_page_params(struct api_call *c, size_t def, size_t *limit, int64_t *after);
/* The body as a JSON object whose keys are all in allowed (NULL-terminated). */
int api_body_object(struct api_call *c, const char *const *allowed, json_t **out);
/* Fields: -1 after an error answer; 0 when present, 1 when absent (and
 * not required). Strings must be strings; ids a decimal string or an
 * integer; ints integers; bools true/false. */
int api_field_str(struct api_call *c, json_t *o, const char *key, int required,
		  const char **out);
int api_field_id(struct api_call *c, json_t *o, const char *key, int required, char **out);
int api_field_int(struct api_call *c, json_t *o, const char *key, int required, long min,
		  long max, long *out);
/* An id in a path segment or parameter: a positive decimal number. */
int api_parse_id(const char *s, int64_t *out);
/* A time parameter (ISO 8601 as cadencectl takes, or epoch milliseconds). */
int api_param_time(struct api_call *c, const char *key, cad_time_t *out);

/* ---- api_lookup.c ---- */
/* The rep the call acts as: a rep token is its rep (asking for another is
 * 403); an admin token names one by id or address in asked (404 if
 * unknown; NULL and required: 400 naming field). 1 when an admin token
 * asked for no one and it was not required (out untouched). */
int api_acting_rep(struct api_call *c, const char *asked, const char *field, int required,
		   struct user *out);
/* 1 when the call may act for the rep user_id. */
int api_may_act_for(const struct api_call *c, int64_t user_id);
int api_require_admin(struct api_call *c);
/* A contact by cadence id, CRM id (crm_id / hs_object_id property) or
 * address; 404 naming field when unknown. */
int api_contact(struct api_call *c, const char *key, const char *field, struct contact *out);
int api_sequence(struct api_call *c, const char *key, const char *field, struct sequence *out);
/* The enrollment of a path id that the call may see; 404/403. */
int api_enrollment(struct api_call *c, const char *key, struct enrollment_view **out);
/* The JSON of an enrollment view (cadence's own shape). */
json_t *api_enrollment_json(const struct enrollment_view *v);
json_t *api_contact_json(const struct contact *ct);
json_t *api_event_json(const struct event *e);

/* ---- the endpoints ---- */
void api_hs_sequences(struct api_call *c);
void api_hs_sequence(struct api_call *c);
void api_hs_enroll(struct api_call *c);
void api_hs_enrollment(struct api_call *c);

void api_v1_contact_create(struct api_call *c);
void api_v1_contact_get(struct api_call *c);
void api_v1_contact_update(struct api_call *c);
void api_v1_contact_import(struct api_call *c);

void api_v1_enrollments(struct api_call *c);
void api_v1_enrollment(struct api_call *c);
void api_v1_unenroll(struct api_call *c);
void api_v1_pause(struct api_call *c);
void api_v1_resume(struct api_call *c);

void api_v1_supp_list(struct api_call *c);
void api_v1_supp_add(struct api_call *c);
void api_v1_supp_remove(struct api_call *c);

void api_v1_events(struct api_call *c);
void api_v1_why(struct api_call *c);
void api_v1_report(struct api_call *c);

void api_v1_sequences(struct api_call *c);
void api_v1_seq_import(struct api_call *c);
void api_v1_seq_lint(struct api_call *c);
void api_v1_seq_preview(struct api_call *c);

void api_v1_tasks(struct api_call *c);
void api_v1_task_complete(struct api_call *c);
void api_v1_task_skip(struct api_call *c);

void api_v1_openapi(struct api_call *c);
extern const char api_openapi_json[];

#endif
