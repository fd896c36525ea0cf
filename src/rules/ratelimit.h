/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ratelimit.h - the mailbox limits: rolling send caps, spacing between sends,
 * the bulk-enrollment throttle, per-domain caps and the new-enrollment
 * projection. Pure functions over plain arrays: the caller reads the send
 * history from the store and passes `now` (and the jitter's random draw).
 *
 * Rolling windows are half-open: a send at time s counts against the window
 * ending at now while now - window < s <= now, so a send made exactly 24 h
 * ago no longer counts and the mailbox may send again at exactly s + 24 h.
 *
 * Nothing is dropped: ratelimit_plan() says which due items may go now and, for
 * every other item, the instant to try again (always later than now).
 */
#ifndef CADENCE_RATELIMIT_H
#define CADENCE_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define LIMITS_DAY 86400
#define LIMITS_BULK_PER_MINUTE 3     /* first steps of a bulk enrollment per rep */
#define LIMITS_MAX_HISTORY 100000    /* send times one call may be given */

/* Rolling window: may one more send happen at now when at most cap sends
 * may fall in any window of `window` seconds? times: earlier sends, in any
 * order (times after now are ignored: they are not sends yet). Returns 1 if
 * it may; else 0 and *next is the earliest instant it may (the send that
 * must age out of the window, plus window). cap <= 0 means "no sends
 * allowed" and sets *next to 0 (never). */
int ratelimit_window_ok(const cad_time_t *times, size_t n, int cap, int window,
                     cad_time_t now, cad_time_t *next);

/* The same with window = 24 h: the per-mailbox and per-domain caps. */
int ratelimit_rolling_ok(const cad_time_t *times, size_t n, int cap, cad_time_t now,
                      cad_time_t *next);

/* Spacing: the earliest instant after last_send (0 = never sent) at which
 * the mailbox may send again: last_send + min_gap + (rnd % (jitter + 1)).
 * rnd is the caller's random draw, so the rule stays pure and testable. */
cad_time_t ratelimit_spacing_next(cad_time_t last_send, int min_gap, int jitter, uint32_t rnd);

/* The state of one mailbox (one rep's sending address). */
struct ratelimit_mailbox {
	const cad_time_t *sends;      /* send times (at least the last 24 h), any order */
	size_t nsends;
	int cap_24h;                  /* rolling 24-hour cap (user.send_cap_24h) */
	int min_gap;                  /* seconds between consecutive sends (0 = none) */
	int jitter;                   /* extra 0..jitter seconds */
	uint32_t jitter_rnd;          /* the random draw for the next gap */
	const cad_time_t *bulk_sends; /* sends of bulk-enrollment first steps */
	size_t nbulk;
	int bulk_per_minute;          /* 0 = LIMITS_BULK_PER_MINUTE */
	/* Optional daily (rolling 24 h) cap per recipient domain. */
	int domain_cap;               /* 0 = no per-domain cap */
	const char *const *domain_of_send;   /* recipient domain of sends[i] (may be NULL) */
};

/* One due item (a step waiting to be sent from this mailbox). */
struct ratelimit_item {
	cad_time_t due;
	const char *domain;           /* recipient domain (lower-case) */
	int bulk_first;               /* 1 = first step of a bulk enrollment */
};

struct ratelimit_decision {
	int go;                       /* 1 = send now */
	cad_time_t retry_at;          /* go == 0: try again at this instant (> now) */
	const char *why;              /* go == 0: "not due", "cap", "spacing", "throttle", "domain" */
};

/* Decides for items (sorted by due time, oldest first) which may be sent
 * now, in due order, as if each were sent at now: the rolling cap and the
 * spacing hold the mailbox, so once one item is held by them every later
 * item waits too and keeps its place; the bulk throttle and the domain cap
 * hold only the items they concern. Fills out[0..n-1]; returns how many go.
 * n is at most LIMITS_MAX_HISTORY. */
size_t ratelimit_plan(const struct ratelimit_mailbox *mb, const struct ratelimit_item *items, size_t n,
                   cad_time_t now, struct ratelimit_decision *out);

/* DomainDailyCap, the one place it is decided (cadenced's pass and
 * cadencectl why): `sent` is what every rep sent to one recipient domain
 * within the last 24 h (the store counts it: a send exactly 24 h old no
 * longer counts), cap the limit (0 or less = no cap). 1 when one more may
 * go at now; else 0 and *retry = now + LIMITS_DOMAIN_RETRY, when the count
 * is looked at again. */
#define LIMITS_DOMAIN_RETRY 3600
int ratelimit_domain_ok(int sent, int cap, cad_time_t now, cad_time_t *retry);

/* The new-enrollment projection. For each of the next days: the emails
 * already scheduled for the rep that day, and the emails the new
 * enrollment(s) would add. */
struct ratelimit_day {
	char date[11];                /* "YYYY-MM-DD", for the explanation */
	int scheduled;
	int added;
};

/* 1 when enrolling is within the caps: enrolled_today + enrolling new
 * enrollments stay within enroll_cap (user.enroll_cap_day, 0 = no cap), and
 * on no day scheduled + added exceeds send_cap. Else 0 and why (if not NULL)
 * receives the explanation with the numbers, e.g. "refused: 2026-12-03 would
 * carry 520 emails (440 already scheduled + 80 from this enrollment), over
 * the daily cap of 500". */
int ratelimit_enroll_ok(const struct ratelimit_day *days, size_t ndays, int send_cap,
                     int enrolled_today, int enrolling, int enroll_cap, struct sbuf *why);

#endif
