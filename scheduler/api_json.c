/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * api_json.c - the API's answers (JSON, HubSpot's error shape) and the
 * reading of its requests (query parameters, JSON bodies, fields). See
 * api_int.h.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_int.h"

static const struct {
	unsigned status;
	const char *name;
} cats[] = {
	[CAT_VALIDATION] = { 400, "VALIDATION_ERROR" },
	[CAT_AUTH] = { 401, "INVALID_AUTHENTICATION" },
	[CAT_SCOPES] = { 403, "MISSING_SCOPES" },
	[CAT_NOT_FOUND] = { 404, "OBJECT_NOT_FOUND" },
	[CAT_METHOD] = { 405, "METHOD_NOT_ALLOWED" },
	[CAT_CONFLICT] = { 409, "CONFLICT" },
	[CAT_TOO_LARGE] = { 413, "PAYLOAD_TOO_LARGE" },
	[CAT_UNSUPPORTED] = { 415, "UNSUPPORTED_MEDIA_TYPE" },
	[CAT_INTERNAL] = { 500, "INTERNAL_ERROR" },
	[CAT_UNAVAILABLE] = { 503, "SERVICE_UNAVAILABLE" },
};

void api_reply(struct api_call *c, unsigned status, json_t *v)
{
	free(c->resp->body);
	c->resp->status = status;
	c->resp->content_type = "application/json; charset=utf-8";
	c->resp->body = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(v);
	if (c->resp->body == NULL)
		c->resp->body = xstrdup("{}");
}

int api_error(struct api_call *c, enum api_cat cat, const char *fmt, ...)
{
	json_t *o = json_object();
	va_list ap;
	struct sbuf b;

	sbuf_init(&b);
	va_start(ap, fmt);
	sbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	api_set(o, "status", json_string("error"));
	/* json_stringn refuses invalid UTF-8: a message quoting input may hold it. */
	api_set(o, "message", json_stringn_nocheck(b.s, b.len));
	api_set(o, "correlationId", json_string(c->correlation));
	api_set(o, "category", json_string(cats[cat].name));
	sbuf_free(&b);
	api_reply(c, cats[cat].status, o);
	return -1;
}

int api_store_error(struct api_call *c, const struct cad_err *err)
{
	cad_log(CAD_LOG_ERR, "api %s: %s", c->correlation, err->msg);
	return api_error(c, CAT_INTERNAL, "internal error (correlation id %s)", c->correlation);
}

json_t *api_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *api_idstr(int64_t id)
{
	char buf[32];
	if (id == 0)
		return json_null();
	snprintf(buf, sizeof(buf), "%lld", (long long)id);
	return json_string(buf);
}

json_t *api_time(cad_time_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char buf[40];
	if (t == 0 || gmtime_r(&tt, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	return json_string(buf);
}

void api_set(json_t *o, const char *key, json_t *v)
{
	json_object_set_new(o, key, v ? v : json_null());
}

/* ---- the request ---- */

const char *api_query(const struct api_call *c, const char *key)
{
	size_t i;
	for (i = 0; i < c->req->nquery; i++)
		if (strcmp(c->req->query[i].key, key) == 0)
			return c->req->query[i].value ? c->req->query[i].value : "";
	return NULL;
}

static int in_list(const char *key, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(key, *list) == 0)
			return 1;
	return 0;
}

static char *printable(const char *s)
{
	struct sbuf b;
	sbuf_init(&b);
	cad_printable(&b, s, 64);
	return sbuf_detach(&b);
}

int api_query_only(struct api_call *c, const char *const *allowed)
{
	size_t i;
	for (i = 0; i < c->req->nquery; i++)
		if (!in_list(c->req->query[i].key, allowed)) {
			char *p = printable(c->req->query[i].key);
			api_error(c, CAT_VALIDATION, "unknown query parameter '%s'", p);
			free(p);
			return -1;
		}
	return 0;
}

int api_parse_id(const char *s, int64_t *out)
{
	char *end;
	long long v;
	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0)
		return -1;
	*out = (int64_t)v;
	return 0;
}

int api_page_params(struct api_call *c, size_t def, size_t *limit, int64_t *after)
{
	const char *l = api_query(c, "limit"), *a = api_query(c, "after");
	int64_t v;
	*limit = def;
	*after = 0;
	if (l != NULL) {
		if (api_parse_id(l, &v) < 0 || v > API_PAGE_MAX)
			return api_error(c, CAT_VALIDATION, "limit: a number from 1 to %d",
					 API_PAGE_MAX);
		*limit = (size_t)v;
	}
	if (a != NULL && *a != '\0' && strcmp(a, "0") != 0 && api_parse_id(a, after) < 0)
		return api_error(c, CAT_VALIDATION,
				 "after: not a cursor of this API (the paging.next.after of a page)");
	return 0;
}

int api_param_time(struct api_call *c, const char *key, cad_time_t *out)
{
	const char *v = api_query(c, key);
	int64_t ms;
	*out = 0;
	if (v == NULL)
		return 0;
	if (api_parse_id(v, &ms) == 0 && strlen(v) >= 12) {
		*out = ms / 1000;
		return 0;
	}
	if (cad_time_parse(v, out) == 0)
		return 0;
	return api_error(c, CAT_VALIDATION, "%s: not a time (ISO 8601, e.g. "
			 "2026-12-01T09:00:00Z, or epoch milliseconds)", key);
}

int api_body_object(struct api_call *c, const char *const *allowed, json_t **out)
{
	const struct api_request *rq = c->req;
	json_error_t je;
	json_t *o;
	const char *key;
	json_t *v;

	*out = NULL;
	if (rq->body == NULL || rq->body_len == 0)
		return api_error(c, CAT_VALIDATION, "body: a JSON object is required");
	o = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL)
		return api_error(c, CAT_VALIDATION, "body: malformed JSON at line %d, column %d: %s",
				 je.line, je.column, je.text);
	if (!json_is_object(o)) {
		json_decref(o);
		return api_error(c, CAT_VALIDATION, "body: expected a JSON object");
	}
	json_object_foreach(o, key, v) {
		if (!in_list(key, allowed)) {
			char *p = printable(key);
			api_error(c, CAT_VALIDATION, "body: unknown field '%s'", p);
			free(p);
			json_decref(o);
			return -1;
		}
	}
	*out = o;
	return 0;
}

int api_field_str(struct api_call *c, json_t *o, const char *key, int required,
		  const char **out)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return api_error(c, CAT_VALIDATION, "%s: required", key);
		return 1;
	}
	if (!json_is_string(v))
		return api_error(c, CAT_VALIDATION, "%s: expected a string", key);
	if (memchr(json_string_value(v), '\0', json_string_length(v)) != NULL)
		return api_error(c, CAT_VALIDATION, "%s: contains a NUL character", key);
	*out = json_string_value(v);
	return 0;
}

int api_field_id(struct api_call *c, json_t *o, const char *key, int required, char **out)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return api_error(c, CAT_VALIDATION, "%s: required", key);
		return 1;
	}
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		*out = xasprintf("%lld", (long long)json_integer_value(v));
		return 0;
	}
	if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) <= 320
	    && memchr(json_string_value(v), '\0', json_string_length(v)) == NULL) {
		*out = xstrdup(json_string_value(v));
		return 0;
	}
	return api_error(c, CAT_VALIDATION, "%s: expected an id (a string or a positive integer)",
			 key);
}

int api_field_int(struct api_call *c, json_t *o, const char *key, int required, long min,
		  long max, long *out)
{
	json_t *v = json_object_get(o, key);
	if (v == NULL || json_is_null(v)) {
		if (required)
			return api_error(c, CAT_VALIDATION, "%s: required", key);
		return 1;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return api_error(c, CAT_VALIDATION, "%s: expected an integer from %ld to %ld", key,
				 min, max);
	*out = (long)json_integer_value(v);
	return 0;
}
