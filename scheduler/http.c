/*
 * http.c - the one-click unsubscribe endpoint of cadenced. See http.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "http.h"
#include "store.h"
#include "unsub.h"

#define HTTP_BODY_MAX 1024

struct http_srv {
	struct MHD_Daemon *mhd;
	struct store *store;          /* used only by MHD's single thread */
	struct cad_secret secret;
	int port;
};

struct http_req {
	struct sbuf body;
	int too_big;
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned code, const char *type,
			     const char *text)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
}

/* "ann@acme.test" -> "a**@acme.test": enough for a person to recognise. */
static char *mask_address(const char *addr)
{
	const char *at = strchr(addr, '@');
	if (at == NULL || at == addr)
		return xstrdup("your address");
	return xasprintf("%c***%s", addr[0], at);
}

static const char page_head[] =
	"<!doctype html><html><head><meta charset=\"utf-8\">"
	"<meta name=\"viewport\" content=\"width=device-width\"><title>Unsubscribe</title>"
	"</head><body style=\"font-family:sans-serif;max-width:32em;margin:3em auto\">";

/* The unsubscribe and its "unsubscribed" event, in one transaction (the
 * milter's path writes that event itself, with the message it came in). */
static int unsub_record(struct store *st, const char *addr, const char *masked, cad_time_t now,
			int *n, struct cad_err *err)
{
	struct event ev;
	char *detail;
	int rc;

	if (store_begin(st, err) < 0)
		return -1;
	memset(&ev, 0, sizeof(ev));
	detail = xasprintf("one-click unsubscribe (RFC 8058) for %s", masked);
	ev.at = now;
	ev.type = (char *)EV_UNSUBSCRIBED;
	ev.actor = (char *)"http";
	ev.detail = detail;
	rc = unsub_apply(st, addr, "one-click", "http", now, n, err);
	if (rc == 0) {
		struct contact c;
		memset(&c, 0, sizeof(c));
		if (store_contact_get(st, addr, &c, err) == 0)   /* so `events --contact` finds it */
			ev.contact_id = c.id;
		contact_free(&c);
		rc = store_event_add(st, &ev, err);
	}
	free(detail);
	if (rc < 0) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st, err);
}

static enum MHD_Result handle_unsub(struct http_srv *srv, struct MHD_Connection *conn,
				    const char *method, const char *token, struct http_req *rq)
{
	char *addr = NULL, *masked, *page;
	struct cad_err err = { "" };
	enum MHD_Result ret;
	int rc = unsub_token_address(srv->store, &srv->secret, token, &addr, &err);

	if (rc < 0) {
		cad_log(CAD_LOG_ERR, "unsubscribe: %s", err.msg);
		return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
			     "Temporarily unavailable, please try again later.\n");
	}
	if (rc == STORE_NOTFOUND)
		return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain",
			     "This unsubscribe link is not valid.\n");
	masked = mask_address(addr);
	if (strcmp(method, MHD_HTTP_METHOD_GET) == 0) {
		page = xasprintf("%s<p>Stop all further messages to %s?</p>"
				 "<form method=\"post\"><input type=\"hidden\" name=\"List-Unsubscribe\""
				 " value=\"One-Click\"><button type=\"submit\">Unsubscribe</button>"
				 "</form></body></html>\n", page_head, masked);
		ret = reply(conn, MHD_HTTP_OK, "text/html; charset=utf-8", page);
		free(page);
	} else if (rq->too_big || strstr(rq->body.s, "List-Unsubscribe=One-Click") == NULL) {
		ret = reply(conn, MHD_HTTP_BAD_REQUEST, "text/plain",
			    "Expected the body List-Unsubscribe=One-Click (RFC 8058).\n");
	} else {
		int n = 0;
		if (unsub_record(srv->store, addr, masked, cad_now(), &n, &err) < 0) {
			cad_log(CAD_LOG_ERR, "unsubscribe %s: %s", masked, err.msg);
			ret = reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
				    "Temporarily unavailable, please try again later.\n");
		} else {
			cad_log(CAD_LOG_INFO, "unsubscribed %s by one-click (%d enrollments ended)",
				masked, n);
			page = xasprintf("%s<p>Done: %s will get no further messages.</p>"
					 "</body></html>\n", page_head, masked);
			ret = reply(conn, MHD_HTTP_OK, "text/html; charset=utf-8", page);
			free(page);
		}
	}
	free(masked);
	free(addr);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct http_srv *srv = cls;
	struct http_req *rq = *con_cls;
	(void)version;

	if (rq == NULL) {
		rq = xcalloc(1, sizeof(*rq));
		sbuf_init(&rq->body);
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (rq->body.len + *upload_data_size > HTTP_BODY_MAX)
			rq->too_big = 1;
		else
			sbuf_add(&rq->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/healthz") == 0)
		return reply(conn, MHD_HTTP_OK, "text/plain", "ok\n");
	if (strncmp(url, "/u/", 3) == 0 && url[3] != '\0' && strlen(url) < 256) {
		if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_POST) != 0)
			return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "GET or POST\n");
		return handle_unsub(srv, conn, method, url + 3, rq);
	}
	return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", "not found\n");
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct http_req *rq = *con_cls;
	(void)cls;
	(void)conn;
	(void)toe;
	if (rq != NULL) {
		sbuf_free(&rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

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

int http_start(struct http_srv **out, const char *listen, const char *db_path,
	       const struct cad_secret *secret, struct cad_err *err)
{
	struct http_srv *srv;
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	*out = NULL;
	if (parse_listen(listen, &ss, err) < 0)
		return -1;
	srv = xcalloc(1, sizeof(*srv));
	if (secret_set(&srv->secret, secret->key, secret->len, err) < 0
	    || store_open(&srv->store, db_path, 0, err) < 0) {
		secret_free(&srv->secret);
		free(srv);
		return -1;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	srv->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
				    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				    MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
				    MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
				    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)15,
				    MHD_OPTION_END);
	if (srv->mhd == NULL) {
		store_close(srv->store);
		secret_free(&srv->secret);
		free(srv);
		return cad_err_set(err, "HttpListen %s: cannot listen", listen);
	}
	info = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info ? info->port : 0;
	*out = srv;
	return 0;
}

void http_stop(struct http_srv *srv)
{
	if (srv == NULL)
		return;
	MHD_stop_daemon(srv->mhd);
	store_close(srv->store);
	secret_free(&srv->secret);
	free(srv);
}

int http_port(const struct http_srv *srv)
{
	return srv->port;
}
