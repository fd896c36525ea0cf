/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * http.h - cadenced's HTTP listener (libmicrohttpd): the one-click
 * unsubscribe URL of List-Unsubscribe (RFC 8058) and /healthz. What each
 * request gets is decided in http_req.h; this is the server around it.
 *
 * Guarantees (cadence.conf(5), cadenced(8)):
 * - a client has HttpRequestTimeout seconds, counted from the connection
 *   (or from the previous answer on a kept-alive one), to send a whole
 *   request, however slowly it trickles its bytes (http_guard.h);
 * - at most HttpMaxConnections connections, HttpMaxPerIP of them from one
 *   address (more are closed at once);
 * - HttpThreads threads serve requests, each with its own store handle,
 *   so that a slow client, or a request waiting for the store's lock
 *   (5 s at most), delays no other thread;
 * - request headers are bounded by libmicrohttpd (32 KiB per connection),
 *   bodies by HTTP_BODY_MAX (a larger Content-Length is answered 413 at
 *   once, a larger chunked body read and dropped within the deadline).
 */
#ifndef CADENCE_HTTP_H
#define CADENCE_HTTP_H

#include "conf.h"
#include "secret.h"
#include "util.h"

struct http_srv;

/* Listens on conf->http_listen ("127.0.0.1:8025" or "[::1]:8025") with
 * the Http* limits of conf; opens its own store handles on conf->database
 * and keeps a copy of the secret. */
int http_start(struct http_srv **out, const struct cad_conf *conf,
	       const struct cad_secret *secret, struct cad_err *err);
void http_stop(struct http_srv *srv);
/* The port actually bound (useful with port 0 in tests). */
int http_port(const struct http_srv *srv);

#endif
