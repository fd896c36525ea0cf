/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ui_http.c - ui_handle() on a libmicrohttpd connection. See ui_http.h.
 */
#include "config.h"

#include <string.h>

#include "ui_http.h"

#define UI_CSP "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; " \
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

static const char *arg(void *cls, const char *key)
{
	return MHD_lookup_connection_value((struct MHD_Connection *)cls, MHD_GET_ARGUMENT_KIND,
					   key);
}

enum MHD_Result ui_http_serve(struct MHD_Connection *conn, const char *url, const char *method,
			      const char *body, size_t body_len, int too_big, struct store *st,
			      cad_time_t now)
{
	struct ui_request rq;
	struct ui_response out;
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t i;

	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.path = url;
	rq.arg = arg;
	rq.argcls = conn;
	rq.cookie = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE);
	rq.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_CONTENT_TYPE);
	rq.body = body;
	rq.body_len = body ? body_len : 0;
	rq.body_too_big = too_big;
	rq.st = st;
	rq.now = now;
	ui_handle(&rq, &out);
	r = MHD_create_response_from_buffer(strlen(out.body), out.body, MHD_RESPMEM_MUST_COPY);
	if (r == NULL) {
		ui_response_free(&out);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", out.type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Content-Security-Policy", UI_CSP);
	if (out.location != NULL)
		MHD_add_response_header(r, "Location", out.location);
	for (i = 0; i < UI_COOKIES_MAX; i++)
		if (out.cookie[i] != NULL)
			MHD_add_response_header(r, "Set-Cookie", out.cookie[i]);
	ret = MHD_queue_response(conn, out.status, r);
	MHD_destroy_response(r);
	ui_response_free(&out);
	return ret;
}
