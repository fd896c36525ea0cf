/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * api_http.c - api_handle() on a libmicrohttpd connection. See api_http.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api_http.h"

#define API_QUERY_MAX 64

static struct api_ctx conf_ctx;   /* set once before the listener serves */

void api_http_configure(const struct cad_conf *conf)
{
	conf_ctx.spacing_seconds = conf->spacing_seconds;
	conf_ctx.spacing_jitter = conf->spacing_jitter;
	conf_ctx.domain_daily_cap = conf->domain_daily_cap;
}

struct qcollect {
	struct api_param p[API_QUERY_MAX];
	size_t n;
	int too_many;
};

static enum MHD_Result on_arg(void *cls, enum MHD_ValueKind kind, const char *key,
			      const char *value)
{
	struct qcollect *q = cls;
	(void)kind;
	if (q->n == API_QUERY_MAX) {
		q->too_many = 1;
		return MHD_NO;
	}
	q->p[q->n].key = key;
	q->p[q->n].value = value;
	q->n++;
	return MHD_YES;
}

enum MHD_Result api_http_serve(struct MHD_Connection *conn, const char *url, const char *method,
			       const char *body, size_t body_len, int too_big, struct store *st,
			       cad_time_t now)
{
	struct qcollect q;
	struct api_request rq;
	struct api_response resp;
	struct api_ctx ctx;
	struct MHD_Response *r;
	enum MHD_Result ret;

	memset(&q, 0, sizeof(q));
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, on_arg, &q);
	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.path = url;
	rq.query = q.p;
	rq.nquery = q.n;
	rq.authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_AUTHORIZATION);
	rq.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_CONTENT_TYPE);
	rq.host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	rq.body = body;
	rq.body_len = body ? body_len : 0;
	rq.body_too_big = too_big || q.too_many;
	rq.now = now;
	ctx = conf_ctx;
	ctx.st = st;
	api_handle(&ctx, &rq, &resp);
	r = MHD_create_response_from_buffer(strlen(resp.body), resp.body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		api_response_free(&resp);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", resp.content_type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(conn, resp.status, r);
	MHD_destroy_response(r);
	return ret;
}
