/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * api.c - the API's dispatcher: the route table, authentication, one store
 * transaction per write. See api.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "api_int.h"

struct api_route {
	const char *method;
	const char *pattern;    /* "/v1/contacts/{}": {} takes one segment */
	api_fn fn;
	int public_;            /* no token needed */
};

#define HS "/automation/v4/sequences"
static const struct api_route routes[] = {
	{ "GET", HS, api_hs_sequences, 0 },
	{ "POST", HS "/enrollments", api_hs_enroll, 0 },
	{ "GET", HS "/enrollments/contact/{}", api_hs_enrollment, 0 },
	{ "GET", HS "/{}", api_hs_sequence, 0 },

	{ "GET", "/v1/openapi.json", api_v1_openapi, 1 },
	{ "POST", "/v1/contacts", api_v1_contact_create, 0 },
	{ "POST", "/v1/contacts/import", api_v1_contact_import, 0 },
	{ "GET", "/v1/contacts/{}", api_v1_contact_get, 0 },
	{ "PATCH", "/v1/contacts/{}", api_v1_contact_update, 0 },
	{ "GET", "/v1/enrollments", api_v1_enrollments, 0 },
	{ "GET", "/v1/enrollments/{}", api_v1_enrollment, 0 },
	{ "POST", "/v1/enrollments/{}/unenroll", api_v1_unenroll, 0 },
	{ "POST", "/v1/enrollments/{}/pause", api_v1_pause, 0 },
	{ "POST", "/v1/enrollments/{}/resume", api_v1_resume, 0 },
	{ "GET", "/v1/enrollments/{}/why", api_v1_why, 0 },
	{ "GET", "/v1/reports", api_v1_report, 0 },
	{ "GET", "/v1/sequences", api_v1_sequences, 0 },
	{ "POST", "/v1/sequences", api_v1_seq_import, 0 },
	{ "POST", "/v1/sequences/lint", api_v1_seq_lint, 0 },
	{ "GET", "/v1/sequences/{}/preview", api_v1_seq_preview, 0 },
	{ "GET", "/v1/tasks", api_v1_tasks, 0 },
	{ "POST", "/v1/tasks/{}/complete", api_v1_task_complete, 0 },
	{ "POST", "/v1/tasks/{}/skip", api_v1_task_skip, 0 },
	{ "GET", "/v1/suppressions", api_v1_supp_list, 0 },
	{ "POST", "/v1/suppressions", api_v1_supp_add, 0 },
	{ "DELETE", "/v1/suppressions/{}", api_v1_supp_remove, 0 },
	{ "GET", "/v1/events", api_v1_events, 0 },
};

int api_path(const char *path)
{
	return path != NULL && (strncmp(path, "/automation/", 12) == 0
				|| strncmp(path, "/v1/", 4) == 0);
}

/* 1 when path matches pattern, the {} segments in c->seg. A trailing '/'
 * of path is ignored ("/automation/v4/sequences/" is HubSpot's own). */
static int match(const char *pattern, const char *path, struct api_call *c)
{
	const char *p = pattern, *s = path;
	int nseg = 0;

	while (*p) {
		if (p[0] == '{' && p[1] == '}') {
			const char *e = strchr(s, '/');
			size_t n = e ? (size_t)(e - s) : strlen(s);
			if (n == 0 || nseg >= API_SEGS_MAX)
				return 0;
			c->seg[nseg++] = xstrndup(s, n);
			s += n;
			p += 2;
		} else if (*p++ != *s++) {
			return 0;
		}
	}
	return *s == '\0' || (s[0] == '/' && s[1] == '\0');
}

static void segs_free(struct api_call *c)
{
	size_t i;
	for (i = 0; i < API_SEGS_MAX; i++) {
		free((char *)c->seg[i]);
		c->seg[i] = NULL;
	}
}

/* The route for the request: 0 found, -1 after a 404/405 answer. */
static int route(struct api_call *c, const struct api_route **out)
{
	const char *path = c->req->path, *method = c->req->method;
	int path_known = 0;
	size_t i;

	for (i = 0; i < CAD_ARRAY_LEN(routes); i++) {
		if (!match(routes[i].pattern, path, c)) {
			segs_free(c);
			continue;
		}
		if (strcmp(routes[i].method, method) == 0) {
			*out = &routes[i];
			return 0;
		}
		path_known = 1;
		segs_free(c);
	}
	if (path_known)
		return api_error(c, CAT_METHOD, "method %s is not allowed on this path", method);
	return api_error(c, CAT_NOT_FOUND, "no such endpoint: %s %s", method, path);
}

static int authenticate(struct api_call *c)
{
	const char *h = c->req->authorization;
	char hash[STORE_TOKEN_HASH_LEN + 1];
	struct cad_err err = { "" };
	int rc;

	if (h == NULL || *h == '\0')
		return api_error(c, CAT_AUTH, "Authentication credentials not found: send "
				 "\"Authorization: Bearer TOKEN\" (cadencectl token add)");
	if (!cad_startswith_ci(h, "Bearer ") || strlen(h + 7) == 0 || strlen(h + 7) > 256)
		return api_error(c, CAT_AUTH, "Authorization: expected \"Bearer TOKEN\"");
	store_token_hash(h + 7, hash);
	rc = store_token_find(c->st, hash, &c->tok, &err);
	if (rc < 0)
		return api_store_error(c, &err);
	if (rc == STORE_NOTFOUND)
		return api_error(c, CAT_AUTH, "The access token is not valid (unknown, revoked, or "
				 "its rep is disabled)");
	c->actor = xasprintf("api:%s", c->tok.name);
	if (store_token_used(c->st, c->tok.id, c->req->now, &err) < 0)
		cad_log(CAD_LOG_WARN, "api: noting token %s's use: %s", c->tok.name, err.msg);
	return 0;
}

static void correlation_id(char out[40])
{
	unsigned char r[16];
	if (RAND_bytes(r, sizeof(r)) != 1)
		memset(r, 0, sizeof(r));
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
		 r[13], r[14], r[15]);
}

static int is_write(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

static void run(struct api_call *c, const struct api_route *r)
{
	struct cad_err err = { "" };
	int write = is_write(c->req->method);

	if (write && store_begin(c->st, &err) < 0) {
		api_store_error(c, &err);
		return;
	}
	r->fn(c);
	if (!write)
		return;
	if (c->resp->status < 300 || c->keep) {
		if (store_commit(c->st, &err) < 0) {
			store_rollback(c->st);
			api_store_error(c, &err);
		}
	} else {
		store_rollback(c->st);
	}
}

int api_handle(struct api_ctx *ctx, const struct api_request *req, struct api_response *resp)
{
	struct api_call c;
	const struct api_route *r = NULL;

	memset(resp, 0, sizeof(*resp));
	memset(&c, 0, sizeof(c));
	c.req = req;
	c.resp = resp;
	c.st = ctx->st;
	c.ctx = ctx;
	correlation_id(c.correlation);

	if (req->body_too_big)
		api_error(&c, CAT_TOO_LARGE, "body: larger than %d bytes", API_BODY_MAX);
	else if (route(&c, &r) < 0)
		;
	else if (!r->public_ && c.st == NULL)
		api_error(&c, CAT_UNAVAILABLE, "temporarily unavailable, try again");
	else if (r->public_ || authenticate(&c) == 0)
		run(&c, r);
	segs_free(&c);
	api_token_free(&c.tok);
	free(c.actor);
	if (resp->body == NULL)
		api_error(&c, CAT_INTERNAL, "no answer");
	return (int)resp->status;
}

void api_response_free(struct api_response *resp)
{
	free(resp->body);
	resp->body = NULL;
}
