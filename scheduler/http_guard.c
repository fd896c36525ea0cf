/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * http_guard.c - the absolute request deadline of the HTTP listener. See
 * http_guard.h.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "http_guard.h"

#define GUARD_TICK_MS 200

struct guard_conn {
	struct guard_conn *prev, *next;
	int fd;
	int64_t since_ms;     /* CLOCK_MONOTONIC; the request's clock */
	int answering;        /* the clock is stopped */
	int cut;              /* shut down once already */
};

struct http_guard {
	pthread_mutex_t mu;
	pthread_cond_t wake;
	pthread_t thread;
	struct guard_conn *head;
	int64_t limit_ms;
	int stop;
	unsigned long cuts;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One look at every connection, under the mutex. */
static void guard_sweep(struct http_guard *g)
{
	int64_t now = mono_ms();
	struct guard_conn *c;
	for (c = g->head; c != NULL; c = c->next) {
		if (c->answering || c->cut || now - c->since_ms <= g->limit_ms)
			continue;
		(void)shutdown(c->fd, SHUT_RDWR);
		c->cut = 1;
		g->cuts++;
	}
}

static void *guard_main(void *arg)
{
	struct http_guard *g = arg;
	struct timespec until;

	pthread_mutex_lock(&g->mu);
	while (!g->stop) {
		guard_sweep(g);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += GUARD_TICK_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&g->wake, &g->mu, &until);
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

int http_guard_start(struct http_guard **out, unsigned limit_seconds, struct cad_err *err)
{
	struct http_guard *g = xcalloc(1, sizeof(*g));
	pthread_condattr_t ca;
	int rc;

	*out = NULL;
	g->limit_ms = (int64_t)limit_seconds * 1000;
	pthread_mutex_init(&g->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->wake, &ca);
	pthread_condattr_destroy(&ca);
	rc = pthread_create(&g->thread, NULL, guard_main, g);
	if (rc != 0) {
		pthread_cond_destroy(&g->wake);
		pthread_mutex_destroy(&g->mu);
		free(g);
		return cad_err_set(err, "HTTP watchdog: cannot start a thread: %s", strerror(rc));
	}
	*out = g;
	return 0;
}

void http_guard_stop(struct http_guard *g)
{
	struct guard_conn *c;
	if (g == NULL)
		return;
	pthread_mutex_lock(&g->mu);
	g->stop = 1;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->mu);
	pthread_join(g->thread, NULL);
	while ((c = g->head) != NULL) {   /* none after MHD_stop_daemon() */
		g->head = c->next;
		free(c);
	}
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->mu);
	free(g);
}

static void guard_add(struct http_guard *g, struct MHD_Connection *conn, void **socket_context)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct guard_conn *c;

	if (info == NULL)
		return;
	c = xcalloc(1, sizeof(*c));
	c->fd = info->connect_fd;
	pthread_mutex_lock(&g->mu);
	c->since_ms = mono_ms();
	c->next = g->head;
	if (g->head != NULL)
		g->head->prev = c;
	g->head = c;
	pthread_mutex_unlock(&g->mu);
	*socket_context = c;
}

static void guard_del(struct http_guard *g, void **socket_context)
{
	struct guard_conn *c = *socket_context;
	if (c == NULL)
		return;
	pthread_mutex_lock(&g->mu);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		g->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&g->mu);
	free(c);
	*socket_context = NULL;
}

void http_guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
		       enum MHD_ConnectionNotificationCode code)
{
	struct http_guard *g = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		guard_add(g, conn, socket_context);
	else if (code == MHD_CONNECTION_NOTIFY_CLOSED)
		guard_del(g, socket_context);
}

static struct guard_conn *guard_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return info != NULL ? info->socket_context : NULL;
}

void http_guard_answering(struct http_guard *g, struct MHD_Connection *conn)
{
	struct guard_conn *c = guard_of(conn);
	if (c == NULL)
		return;
	pthread_mutex_lock(&g->mu);
	c->answering = 1;
	pthread_mutex_unlock(&g->mu);
}

void http_guard_completed(struct http_guard *g, struct MHD_Connection *conn)
{
	struct guard_conn *c = guard_of(conn);
	if (c == NULL)
		return;
	pthread_mutex_lock(&g->mu);
	c->answering = 0;
	c->since_ms = mono_ms();
	pthread_mutex_unlock(&g->mu);
}

unsigned long http_guard_cuts(struct http_guard *g)
{
	unsigned long n;
	pthread_mutex_lock(&g->mu);
	n = g->cuts;
	pthread_mutex_unlock(&g->mu);
	return n;
}
