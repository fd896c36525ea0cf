/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ratelimit.c - the mailbox limits (see ratelimit.h): rolling caps, spacing, the
 * bulk throttle, per-domain caps, planning a batch of due items, and the
 * new-enrollment projection. Pure: no clock, no store.
 */
#include "ratelimit.h"

#include <stdlib.h>
#include <string.h>

static int ratelimit_time_cmp(const void *a, const void *b)
{
	cad_time_t x = *(const cad_time_t *)a, y = *(const cad_time_t *)b;
	return (x > y) - (x < y);
}

int ratelimit_window_ok(const cad_time_t *times, size_t n, int cap, int window,
                     cad_time_t now, cad_time_t *next)
{
	cad_time_t *in;
	size_t c = 0;

	*next = 0;
	if (cap <= 0)
		return 0;
	in = xreallocarray(NULL, n ? n : 1, sizeof(*in));
	for (size_t i = 0; i < n; i++)
		if (times[i] > now - window && times[i] <= now)
			in[c++] = times[i];
	if (c < (size_t)cap) {
		free(in);
		*next = now;
		return 1;
	}
	/* c - cap + 1 sends must leave the window; the last of them to leave
	 * is the (c - cap)-th oldest, and it leaves at its time + window. */
	qsort(in, c, sizeof(*in), ratelimit_time_cmp);
	*next = in[c - (size_t)cap] + window;
	free(in);
	return 0;
}

int ratelimit_rolling_ok(const cad_time_t *times, size_t n, int cap, cad_time_t now,
                      cad_time_t *next)
{
	return ratelimit_window_ok(times, n, cap, LIMITS_DAY, now, next);
}

cad_time_t ratelimit_spacing_next(cad_time_t last_send, int min_gap, int jitter, uint32_t rnd)
{
	if (last_send <= 0)
		return 0;
	if (min_gap < 0)
		min_gap = 0;
	if (jitter < 0)
		jitter = 0;
	return last_send + min_gap + (cad_time_t)(rnd % ((uint32_t)jitter + 1));
}

/* A growable list of send times (the history plus what the plan sends). */
struct ratelimit_times {
	cad_time_t *v;
	size_t n;
};

static void ratelimit_times_add(struct ratelimit_times *t, cad_time_t x)
{
	t->v = xreallocarray(t->v, t->n + 1, sizeof(*t->v));
	t->v[t->n++] = x;
}

/* Send times to domain: the history's and the plan's. */
static size_t ratelimit_domain_times(const struct ratelimit_mailbox *mb, const char *domain,
                                  const struct ratelimit_item *items,
                                  const struct ratelimit_decision *out, size_t upto,
                                  cad_time_t now, cad_time_t *buf)
{
	size_t c = 0;
	if (mb->domain_of_send != NULL)
		for (size_t i = 0; i < mb->nsends; i++)
			if (mb->domain_of_send[i] != NULL &&
			    cad_strcaseeq(mb->domain_of_send[i], domain))
				buf[c++] = mb->sends[i];
	for (size_t i = 0; i < upto; i++)
		if (out[i].go && items[i].domain != NULL && cad_strcaseeq(items[i].domain, domain))
			buf[c++] = now;
	return c;
}

size_t ratelimit_plan(const struct ratelimit_mailbox *mb, const struct ratelimit_item *items, size_t n,
                   cad_time_t now, struct ratelimit_decision *out)
{
	struct ratelimit_times all = { NULL, 0 }, bulk = { NULL, 0 };
	cad_time_t last = 0, held_until = 0, next;
	const char *held_why = NULL;
	cad_time_t *dbuf = NULL;
	size_t ngo = 0;
	int per_min = mb->bulk_per_minute > 0 ? mb->bulk_per_minute : LIMITS_BULK_PER_MINUTE;

	for (size_t i = 0; i < mb->nsends; i++) {
		ratelimit_times_add(&all, mb->sends[i]);
		if (mb->sends[i] <= now && mb->sends[i] > last)
			last = mb->sends[i];
	}
	for (size_t i = 0; i < mb->nbulk; i++)
		ratelimit_times_add(&bulk, mb->bulk_sends[i]);
	if (mb->domain_cap > 0)
		dbuf = xreallocarray(NULL, mb->nsends + n + 1, sizeof(*dbuf));

	for (size_t i = 0; i < n; i++) {
		struct ratelimit_decision *d = &out[i];
		d->go = 0;
		d->retry_at = 0;
		d->why = NULL;
		if (items[i].due > now) {
			d->retry_at = items[i].due;
			d->why = "not due";
			continue;
		}
		if (held_why == NULL) {
			/* The mailbox-wide limits, which hold every later item too. */
			cad_time_t sp = ratelimit_spacing_next(last, mb->min_gap, mb->jitter,
			                                    mb->jitter_rnd);
			if (!ratelimit_rolling_ok(all.v, all.n, mb->cap_24h, now, &next)) {
				held_why = "cap";
				/* cap <= 0: never by itself; retry in a day so nothing is lost. */
				held_until = next > now ? next : now + LIMITS_DAY;
				if (sp > held_until)
					held_until = sp;
			} else if (sp > now) {
				held_why = "spacing";
				held_until = sp;
			}
		}
		if (held_why != NULL) {
			d->retry_at = held_until;
			d->why = held_why;
			continue;
		}
		if (items[i].bulk_first &&
		    !ratelimit_window_ok(bulk.v, bulk.n, per_min, 60, now, &next)) {
			d->retry_at = next > now ? next : now + 60;
			d->why = "throttle";
			continue;
		}
		if (mb->domain_cap > 0 && items[i].domain != NULL) {
			size_t c = ratelimit_domain_times(mb, items[i].domain, items, out, i, now, dbuf);
			if (!ratelimit_rolling_ok(dbuf, c, mb->domain_cap, now, &next)) {
				d->retry_at = next > now ? next : now + LIMITS_DAY;
				d->why = "domain";
				continue;
			}
		}
		d->go = 1;
		ngo++;
		ratelimit_times_add(&all, now);
		if (items[i].bulk_first)
			ratelimit_times_add(&bulk, now);
		last = now;
	}
	free(all.v);
	free(bulk.v);
	free(dbuf);
	return ngo;
}

int ratelimit_enroll_ok(const struct ratelimit_day *days, size_t ndays, int send_cap,
                     int enrolled_today, int enrolling, int enroll_cap, struct sbuf *why)
{
	if (enroll_cap > 0 && (int64_t)enrolled_today + enrolling > enroll_cap) {
		if (why != NULL)
			sbuf_addf(why,
			          "refused: %d enrollments today + %d new = %d, over the rep's "
			          "daily enrollment cap of %d",
			          enrolled_today, enrolling, enrolled_today + enrolling, enroll_cap);
		return 0;
	}
	if (send_cap <= 0)
		return 1;
	for (size_t i = 0; i < ndays; i++) {
		int64_t total = (int64_t)days[i].scheduled + days[i].added;
		if (days[i].added > 0 && total > send_cap) {
			if (why != NULL)
				sbuf_addf(why,
				          "refused: %s would carry %lld emails (%d already scheduled + "
				          "%d from this enrollment), over the daily cap of %d",
				          days[i].date, (long long)total, days[i].scheduled,
				          days[i].added, send_cap);
			return 0;
		}
	}
	return 1;
}

int ratelimit_domain_ok(int sent, int cap, cad_time_t now, cad_time_t *retry)
{
	*retry = 0;
	if (cap <= 0 || sent < cap)
		return 1;
	*retry = now + LIMITS_DOMAIN_RETRY;
	return 0;
}
