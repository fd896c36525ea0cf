/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * webhook.h - cadenced's webhook deliveries: each pending row of the
 * store's outbox (store_webhook.h) is POSTed, signed, with libcurl.
 *
 * The request: POST URL, body the event as JSON (webhook_payload), headers
 *   Content-Type: application/json
 *   Cadence-Event-Id: <event id>        (the same for every attempt: dedupe)
 *   Cadence-Delivery-Id: <outbox id>
 *   Cadence-Timestamp: <unix seconds>
 *   Cadence-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
 * where secret is the webhook's secret as printed by cadencectl webhook
 * add (its hex text is the key, as is).
 *
 * Guarantees: a 2xx answer within WEBHOOK_TIMEOUT seconds marks the
 * delivery done; anything else (other status, no answer, a timeout) is
 * recorded as an attempt and retried after 30 s, 1, 2, 4 ... minutes (at
 * most an hour apart) until WEBHOOK_RETRY_FOR seconds after the event,
 * then marked failed. An attempt is recorded after it ends: a cadenced
 * killed during one makes it again after restart (at least once). Two
 * cadenced on one store do not both make one attempt (webhook_deliver's
 * take).
 * Redirects are not followed; only http and https.
 */
#ifndef CADENCE_WEBHOOK_H
#define CADENCE_WEBHOOK_H

#include <stddef.h>

#include "store.h"
#include "store_webhook.h"

#define WEBHOOK_TIMEOUT 10
#define WEBHOOK_RETRY_FOR (24 * 3600)
#define WEBHOOK_EXCERPT 512
#define WEBHOOK_ROUND_MS 15000   /* a round starts no attempt after this */
/* How long a taken delivery is another instance's: more than one attempt
 * (WEBHOOK_TIMEOUT) and its record take; a taker that died leaves it due
 * again after this (at least once). */
#define WEBHOOK_LEASE 60

struct webhook_stats {
	int delivered, retried, failed;
};

/* The JSON body for an event (allocated). */
char *webhook_payload(const struct event *ev);
/* "t=...,v1=..." for body at t with secret (allocated). */
char *webhook_signature(const char *secret, cad_time_t t, const char *body);
/* The delay before attempt n+1 after n failed ones (n >= 1). */
cad_time_t webhook_backoff(int n);

/* Delivers at most max due deliveries at now, oldest first; starts no
 * attempt after WEBHOOK_ROUND_MS, nor to a webhook whose attempt failed in
 * this round (it waits for its retry time). With take set (several
 * cadenced may share the store), each delivery is taken before its
 * attempt (store_webhook_take, for WEBHOOK_LEASE seconds): one that
 * another instance took is left to it. -1 only on a store error. */
int webhook_deliver(struct store *st, cad_time_t now, size_t max, int take,
		    struct webhook_stats *stats, struct cad_err *err);

#endif
