/*
 * http.h - cadenced's HTTP listener (libmicrohttpd): the one-click
 * unsubscribe URL of List-Unsubscribe (RFC 8058).
 *
 *   GET  /u/TOKEN   a small page that asks to confirm (link scanners and
 *                   previews fetch URLs: a GET never unsubscribes)
 *   POST /u/TOKEN   body "List-Unsubscribe=One-Click": unsubscribe (unsub.h)
 *   GET  /healthz   "ok"
 *
 * Guarantees: request bodies are bounded (1 KiB), tokens are verified with
 * the site secret before the store is asked, the answer never reveals
 * whether an address exists beyond the masked one the token already names.
 */
#ifndef CADENCE_HTTP_H
#define CADENCE_HTTP_H

#include "secret.h"
#include "util.h"

struct http_srv;

/* listen: "127.0.0.1:8025" or "[::1]:8025". The server opens its own
 * store handle on db_path and keeps a copy of the secret. */
int http_start(struct http_srv **out, const char *listen, const char *db_path,
	       const struct cad_secret *secret, struct cad_err *err);
void http_stop(struct http_srv *srv);
/* The port actually bound (useful with port 0 in tests). */
int http_port(const struct http_srv *srv);

#endif
