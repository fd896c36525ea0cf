/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * api.h - cadenced's JSON API, request in, response out, with no socket:
 * HubSpot's sequences API v4 (/automation/v4/sequences...) so that tools
 * written for HubSpot work against cadence by changing the base URL, and
 * cadence's own API (/v1/...). See cadence-api(7) and doc/openapi.json.
 *
 * api_handle() is the one entry point: http.c (through api_http.c) feeds it
 * what libmicrohttpd read; the unit tests feed it requests directly.
 *
 * Guarantees:
 * - Every request but GET /v1/openapi.json needs "Authorization: Bearer
 *   TOKEN" naming a valid token (store_token.h): missing or wrong is 401,
 *   not allowed for this token is 403. A rep's token acts only as that rep;
 *   an admin token may name any rep (userId, senderEmail).
 * - Every answer is JSON; an error is {status:"error", message,
 *   correlationId, category} with HubSpot's status for the category, and
 *   the message names the field, parameter or id at fault.
 * - A write (POST, PATCH, DELETE) is one store transaction: committed when
 *   it succeeds, rolled back otherwise (nothing half-applied); its events
 *   name the actor "api:<token name>".
 * - Bodies are bounded by API_BODY_MAX (413 above); JSON bodies are
 *   objects whose unknown fields, wrong types and malformed text are 400.
 */
#ifndef CADENCE_API_H
#define CADENCE_API_H

#include <stddef.h>

#include "store.h"
#include "util.h"

#define API_BODY_MAX (1024 * 1024)   /* bytes of a request body (CSV, sequence files) */
#define API_PAGE_MAX 1000            /* the largest limit= of a page */

struct api_param {
	const char *key;
	const char *value;
};

struct api_request {
	const char *method;          /* "GET", "POST", "PATCH", "DELETE" */
	const char *path;            /* decoded path, without the query */
	const struct api_param *query;   /* decoded query parameters */
	size_t nquery;
	const char *authorization;   /* the Authorization header, or NULL */
	const char *content_type;    /* or NULL */
	const char *host;            /* the Host header (paging links), or NULL */
	const char *body;            /* NULL when none */
	size_t body_len;
	int body_too_big;            /* more than API_BODY_MAX arrived */
	cad_time_t now;
};

struct api_response {
	unsigned status;
	const char *content_type;    /* static */
	char *body;                  /* allocated; api_response_free() */
};

struct api_ctx {
	struct store *st;            /* NULL: 503 */
	/* cadence.conf's settings that GET /v1/enrollments/{id}/why applies */
	int spacing_seconds, spacing_jitter, domain_daily_cap;
};

/* 1 when path belongs to the API (/automation/... or /v1/...). */
int api_path(const char *path);
/* Fills resp; returns resp->status. Never fails otherwise. */
int api_handle(struct api_ctx *ctx, const struct api_request *req, struct api_response *resp);
void api_response_free(struct api_response *resp);

#endif
