/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * http_guard.h - the absolute deadline of cadenced's HTTP listener: a
 * client gets a fixed time to send a whole request (headers and body),
 * however it paces its bytes.
 *
 * Why absolute: libmicrohttpd's MHD_OPTION_CONNECTION_TIMEOUT is an idle
 * timeout, reset by every byte that arrives, so a client trickling one
 * header line every few seconds holds its connection for ever. Here each
 * connection is registered when libmicrohttpd accepts it
 * (MHD_OPTION_NOTIFY_CONNECTION, MHD_CONNECTION_NOTIFY_STARTED) with the
 * time read from CLOCK_MONOTONIC; that time is only changed when a request
 * has been answered (the next request of a kept-alive connection gets its
 * own full allowance), never by incoming bytes. A watchdog thread looks
 * every 200 ms and shuts down (shutdown(2), both ways) the socket of every
 * connection still receiving past the deadline; libmicrohttpd then reads
 * end-of-file and closes it as any dropped connection. While a request is
 * being answered (http_guard_answering()) the clock does not run.
 *
 * Guarantees: a receiving connection lives at most limit + 0.2 s. The fd
 * is shut down only while its connection is registered: libmicrohttpd
 * calls MHD_CONNECTION_NOTIFY_CLOSED before it closes the socket (checked
 * in its daemon.c, 0.9.75), and both sides hold the guard's mutex, so a
 * recycled fd number is never touched.
 */
#ifndef CADENCE_HTTP_GUARD_H
#define CADENCE_HTTP_GUARD_H

#include <microhttpd.h>

#include "util.h"

struct http_guard;

int http_guard_start(struct http_guard **out, unsigned limit_seconds, struct cad_err *err);
/* Stops the watchdog; call after MHD_stop_daemon() (all connections gone). */
void http_guard_stop(struct http_guard *g);

/* MHD_OPTION_NOTIFY_CONNECTION callback, with the guard as its cls. */
void http_guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
		       enum MHD_ConnectionNotificationCode code);
/* The request on conn is complete: stop its clock while it is answered. */
void http_guard_answering(struct http_guard *g, struct MHD_Connection *conn);
/* The answer was sent (MHD_OPTION_NOTIFY_COMPLETED): the clock restarts
 * for the connection's next request. */
void http_guard_completed(struct http_guard *g, struct MHD_Connection *conn);
/* How many connections the watchdog has cut so far. */
unsigned long http_guard_cuts(struct http_guard *g);

#endif
