/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * http.c - cadenced's HTTP listener: libmicrohttpd with its limits, the
 * store handles of its threads, and the glue to http_req.c. See http.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "api_http.h"
#include "http.h"
#include "http_guard.h"
#include "http_req.h"
#include "store.h"
#include "ui_http.h"

#define HTTP_CONN_MEMORY (32 * 1024)   /* per connection: headers and buffers */

/* One store handle per serving thread; a request borrows one. */
struct http_pool {
	pthread_mutex_t mu;
	struct store **free;
	size_t nfree, n;
};

struct http_srv {
	struct MHD_Daemon *mhd;
	struct http_guard *guard;
	struct http_pool pool;
	struct cad_secret secret;
	int port;
};

struct http_req {
	struct sbuf body;
	int too_big;
};

/* ---- the store handles ---- */

static struct store *pool_get(void *cls)
{
	struct http_pool *p = cls;
	struct store *st = NULL;
	pthread_mutex_lock(&p->mu);
	if (p->nfree > 0)
		st = p->free[--p->nfree];
	pthread_mutex_unlock(&p->mu);
	return st;   /* NULL cannot happen with one handle per thread: 503 if it did */
}

static void pool_put(void *cls, struct store *st)
{
	struct http_pool *p = cls;
	pthread_mutex_lock(&p->mu);
	p->free[p->nfree++] = st;
	pthread_mutex_unlock(&p->mu);
}

static int pool_open(struct http_pool *p, const char *db, size_t n, struct cad_err *err)
{
	pthread_mutex_init(&p->mu, NULL);
	p->free = xcalloc(n, sizeof(*p->free));
	for (p->n = 0; p->n < n; p->n++) {
		if (store_open(&p->free[p->n], db, 0, err) < 0)
			return -1;
		p->nfree = p->n + 1;
	}
	return 0;
}

static void pool_close(struct http_pool *p)
{
	size_t i;
	if (p->free == NULL)
		return;
	for (i = 0; i < p->nfree; i++)
		store_close(p->free[i]);
	free(p->free);
	pthread_mutex_destroy(&p->mu);
}

/* ---- libmicrohttpd callbacks ---- */

static enum MHD_Result send_out(struct MHD_Connection *conn, const struct http_out *out)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	const char *body = out->body ? out->body : "";

	r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", out->type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (out->allow != NULL)
		MHD_add_response_header(r, "Allow", out->allow);
	ret = MHD_queue_response(conn, out->status, r);
	MHD_destroy_response(r);
	return ret;
}

/* The first call, headers read: a declared body over the bound is
 * answered now (libmicrohttpd then closes without reading it). */
static int declared_too_big(struct MHD_Connection *conn, const char *url)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	char *end;
	unsigned long long v;
	if (cl == NULL)
		return 0;
	v = strtoull(cl, &end, 10);
	return *end != '\0' || v > (api_path(url) ? API_BODY_MAX : HTTP_BODY_MAX);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct http_srv *srv = cls;
	struct http_req *rq = *con_cls;
	struct http_env env;
	struct http_in in;
	struct http_out out;
	enum MHD_Result ret;
	(void)version;

	if (rq == NULL) {
		rq = xcalloc(1, sizeof(*rq));
		sbuf_init(&rq->body);
		*con_cls = rq;
		if (!declared_too_big(conn, url))
			return MHD_YES;
		rq->too_big = 1;
	} else if (*upload_data_size > 0) {
		if (rq->body.len + *upload_data_size > (api_path(url) ? API_BODY_MAX : HTTP_BODY_MAX))
			rq->too_big = 1;
		else
			sbuf_add(&rq->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	http_guard_answering(srv->guard, conn);
	if (api_path(url)) {   /* the JSON API (api.h), with a store handle of the pool */
		struct store *st = pool_get(&srv->pool);
		ret = api_http_serve(conn, url, method, rq->body.s, rq->body.len, rq->too_big, st,
				     cad_now());
		if (st != NULL)
			pool_put(&srv->pool, st);
		return ret;
	}
	if (ui_path(url)) {   /* the web page (ui.h) */
		struct store *st = pool_get(&srv->pool);
		ret = ui_http_serve(conn, url, method, rq->body.s, rq->body.len, rq->too_big, st,
				    cad_now());
		if (st != NULL)
			pool_put(&srv->pool, st);
		return ret;
	}
	memset(&env, 0, sizeof(env));
	env.secret = &srv->secret;
	env.now = cad_now();
	env.store_get = pool_get;
	env.store_put = pool_put;
	env.cls = &srv->pool;
	memset(&in, 0, sizeof(in));
	in.method = method;
	in.url = url;
	in.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_CONTENT_TYPE);
	in.body = rq->body.s;
	in.body_len = rq->body.len;
	in.body_too_big = rq->too_big;
	http_answer(&env, &in, &out);
	ret = send_out(conn, &out);   /* libmicrohttpd sends no body to HEAD */
	http_out_free(&out);
	return ret;
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct http_srv *srv = cls;
	struct http_req *rq = *con_cls;
	(void)toe;
	if (rq != NULL) {
		sbuf_free(&rq->body);
		free(rq);
		*con_cls = NULL;
	}
	http_guard_completed(srv->guard, conn);
}

/* libmicrohttpd's messages (refused connections...) at debug level: under
 * a flood they would otherwise fill the log. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap) CAD_PRINTF(2, 0);
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[256];
	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	cad_log(CAD_LOG_DEBUG, "http: %s", buf);
}

/* ---- start and stop ---- */

/* Parses "host:port" / "[v6]:port" into a sockaddr. */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, struct cad_err *err)
{
	char host[128];
	const char *colon;
	long port;
	char *end;
	memset(ss, 0, sizeof(*ss));
	colon = strrchr(listen, ':');
	if (colon == NULL || (size_t)(colon - listen) >= sizeof(host))
		return cad_err_set(err, "HttpListen: expected host:port, got \"%s\"", listen);
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 0 || port > 65535)
		return cad_err_set(err, "HttpListen: bad port in \"%s\"", listen);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		host[strlen(host) - 1] = '\0';
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			return cad_err_set(err, "HttpListen: bad IPv6 address in \"%s\"", listen);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return cad_err_set(err, "HttpListen: bad IPv4 address in \"%s\"", listen);
	}
	return 0;
}

static void srv_free(struct http_srv *srv)
{
	if (srv->mhd != NULL)
		MHD_stop_daemon(srv->mhd);
	http_guard_stop(srv->guard);   /* after the daemon: no connection left */
	pool_close(&srv->pool);
	secret_free(&srv->secret);
	free(srv);
}

static struct MHD_Daemon *start_mhd(struct http_srv *srv, const struct cad_conf *conf,
				    const struct sockaddr_storage *ss)
{
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	unsigned threads = (unsigned)conf->http_threads;

	if (ss->ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* A pool of one is no pool: libmicrohttpd wants 0 then. */
	return MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
				MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,   /* first */
				MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)ss,
				MHD_OPTION_THREAD_POOL_SIZE, threads > 1 ? threads : 0u,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)conf->http_max_connections,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)conf->http_max_per_ip,
				/* idle timeout; the absolute one is http_guard's */
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)conf->http_request_timeout,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
				MHD_OPTION_NOTIFY_CONNECTION, http_guard_notify, srv->guard,
				MHD_OPTION_NOTIFY_COMPLETED, on_done, srv,
				MHD_OPTION_END);
}

int http_start(struct http_srv **out, const struct cad_conf *conf,
	       const struct cad_secret *secret, struct cad_err *err)
{
	struct http_srv *srv;
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;

	*out = NULL;
	if (parse_listen(conf->http_listen, &ss, err) < 0)
		return -1;
	srv = xcalloc(1, sizeof(*srv));
	ui_configure(conf);
	if (secret_set(&srv->secret, secret->key, secret->len, err) < 0
	    || pool_open(&srv->pool, conf->database, (size_t)conf->http_threads, err) < 0
	    || http_guard_start(&srv->guard, (unsigned)conf->http_request_timeout, err) < 0) {
		srv_free(srv);
		return -1;
	}
	srv->mhd = start_mhd(srv, conf, &ss);
	if (srv->mhd == NULL) {
		srv_free(srv);
		return cad_err_set(err, "HttpListen %s: cannot listen", conf->http_listen);
	}
	info = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info ? info->port : 0;
	*out = srv;
	return 0;
}

void http_stop(struct http_srv *srv)
{
	if (srv != NULL)
		srv_free(srv);
}

int http_port(const struct http_srv *srv)
{
	return srv->port;
}
