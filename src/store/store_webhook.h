/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_webhook.h - webhooks: where events are POSTed, the durable outbox
 * of deliveries, and the log of every attempt.
 *
 * How events reach the outbox: a trigger on the event table (schema v4)
 * inserts one outbox row per matching webhook in the same transaction as
 * the event itself, whichever process wrote it (cadencectl, the milter,
 * cadenced, the API). So no event is lost between "it happened" and "it
 * is queued": both commit or neither does.
 *
 * Guarantees: an outbox row is pending until one attempt got a 2xx
 * (delivered) or its retry time ran out (failed); each attempt is recorded
 * with the outbox change in one transaction (store_webhook_attempt). A
 * delivery cut short before its attempt is recorded stays pending and is
 * made again: at least once; the event id in the payload lets a receiver
 * drop duplicates. A webhook's events filter is NULL (every event) or a
 * comma-separated list of event types.
 * Errors: -1 with err; STORE_NOTFOUND for an unknown id.
 */
#ifndef CADENCE_STORE_WEBHOOK_H
#define CADENCE_STORE_WEBHOOK_H

#include "store.h"

#define EV_WEBHOOK_ADDED "webhook_added"
#define EV_WEBHOOK_REMOVED "webhook_removed"
#define STORE_WEBHOOK_URL_MAX 2048

struct webhook {
	int64_t id;
	char *url;
	char *events;          /* NULL = all */
	char *secret;          /* hex; the HMAC key of signatures */
	cad_time_t created_at;
	int pending;           /* outbox rows pending (listing only) */
};
void webhook_free(struct webhook *w);
void store_webhooks_free(struct webhook *w, size_t n);

/* Adds w (url, events set; a secret is drawn when w->secret is NULL; id,
 * created_at filled), with the event webhook_added. */
int store_webhook_add(struct store *st, struct webhook *w, const char *actor, cad_time_t now,
		      struct cad_err *err);
/* Removes a webhook: it gets no new deliveries, pending ones are dropped
 * (marked failed, "webhook removed"); its log stays. */
int store_webhook_remove(struct store *st, int64_t id, const char *actor, cad_time_t now,
			 struct cad_err *err);
int store_webhook_list(struct store *st, struct webhook **out, size_t *n, struct cad_err *err);

/* A delivery due: the outbox row, its webhook and its event. */
struct webhook_job {
	int64_t outbox_id;
	int attempts;          /* made so far */
	cad_time_t created_at;
	struct webhook hook;
	struct event ev;       /* with contact, sequence and rep names */
};
void store_webhook_jobs_free(struct webhook_job *j, size_t n);
/* Pending rows with next_at <= now, oldest first, at most limit. */
int store_webhook_due(struct store *st, cad_time_t now, size_t limit, struct webhook_job **out,
		      size_t *n, struct cad_err *err);
/* Takes outbox row outbox_id for one attempt when several cadenced share
 * the store: moves its next_at to until if it is still pending and due at
 * now, in one statement, so that of several instances that listed it only
 * one takes it. *taken is 1 or 0. The attempt's record sets next_at again
 * (a retry) or ends the row; a taker that dies leaves it due at until. */
int store_webhook_take(struct store *st, int64_t outbox_id, cad_time_t now, cad_time_t until,
		       int *taken, struct cad_err *err);

enum webhook_outcome { WEBHOOK_DELIVERED, WEBHOOK_RETRY, WEBHOOK_FAILED };
struct webhook_attempt {
	int64_t id;
	int64_t outbox_id;
	int64_t webhook_id;    /* listing only */
	int64_t event_id;      /* listing only */
	char *url;             /* listing only */
	cad_time_t at;
	long status;           /* HTTP status, 0 = none (connection error) */
	char *response;        /* excerpt of the body, or the error */
	long duration_ms;
	char *payload;
	char *outcome;         /* listing only: the outbox row's state */
};
void store_webhook_attempts_free(struct webhook_attempt *a, size_t n);
/* Records attempt a of outbox row a->outbox_id and moves the row:
 * delivered, pending again at next_at, or failed. One transaction. */
int store_webhook_attempt(struct store *st, const struct webhook_attempt *a,
			  enum webhook_outcome outcome, cad_time_t next_at, struct cad_err *err);
/* The attempts, newest first, at most limit; webhook_id 0 = all. */
int store_webhook_log(struct store *st, int64_t webhook_id, size_t limit,
		      struct webhook_attempt **out, size_t *n, struct cad_err *err);

#endif
