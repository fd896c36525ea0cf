/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * enroll_check.c - the rolling 24 h already spent, against new
 * enrollments' first steps (see enroll_check.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "enroll_check.h"
#include "model.h"
#include "ratelimit.h"

static int cmp_time(const void *a, const void *b)
{
	cad_time_t x = *(const cad_time_t *)a, y = *(const cad_time_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_item(const void *a, const void *b)
{
	const struct enroll_check_item *x = a, *y = b;
	if (x->due != y->due)
		return x->due < y->due ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

void enroll_check_cap(const cad_time_t *sends, size_t nsends, int cap,
		      const struct enroll_check_item *items, size_t nitems, cad_time_t now,
		      struct enroll_check *out)
{
	struct enroll_check_item *it = xcalloc(nitems ? nitems : 1, sizeof(*it));
	cad_time_t *t = xcalloc(nsends + nitems + 1, sizeof(*t));
	cad_time_t prev = now;
	size_t n = 0, i;

	memset(out, 0, sizeof(*out));
	out->cap = cap > 0 ? cap : USER_DEFAULT_SEND_CAP;
	for (i = 0; i < nsends; i++)
		if (sends[i] > now - LIMITS_DAY && sends[i] <= now)
			t[n++] = sends[i];
	qsort(t, n, sizeof(*t), cmp_time);
	out->sent = n;
	memcpy(it, items, nitems * sizeof(*it));
	qsort(it, nitems, sizeof(*it), cmp_item);
	for (i = 0; i < nitems; i++) {
		/* in due order, never before the one ahead (it holds its place) */
		cad_time_t go = it[i].due > prev ? it[i].due : prev;
		size_t k = (size_t)out->cap;
		if (n >= k && t[n - k] > go - LIMITS_DAY)
			go = t[n - k] + LIMITS_DAY;   /* the cap-th latest ages out */
		t[n++] = go;
		prev = go;
		if (!it[i].is_new) {
			if (out->added == 0)
				out->ahead++;
			continue;
		}
		out->added++;
		if (go > (it[i].due > now ? it[i].due : now)) {
			if (out->delayed++ == 0)
				out->first_at = go;
			out->last_at = go;
		}
	}
	free(it);
	free(t);
}

/* "14:03 today", "14:03 tomorrow", "14:03 on Wed 2026-12-09". */
static void when(const struct cal_zone *z, cad_time_t t, cad_time_t now, struct sbuf *out)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	struct cal_tm a, b;
	char day[16];

	cal_to_local(z, t, &a);
	cal_to_local(z, now, &b);
	sbuf_addf(out, "%02d:%02d", a.hour, a.min);
	if (a.dayno == b.dayno)
		sbuf_adds(out, " today");
	else if (a.dayno == b.dayno + 1)
		sbuf_adds(out, " tomorrow");
	else
		sbuf_addf(out, " on %s %s", wd[a.wday], cal_day_format(a.dayno, day, sizeof(day)));
}

void enroll_check_text(const struct enroll_check *c, const struct cal_zone *z, cad_time_t now,
		       const char *contact, struct sbuf *out)
{
	if (c->delayed == 0)
		return;
	sbuf_addf(out, "you have sent %zu of your %d emails in the last 24 h", c->sent, c->cap);
	if (c->ahead > 0)
		sbuf_addf(out, " and %zu more %s due first", c->ahead, c->ahead == 1 ? "is" : "are");
	if (contact != NULL && c->added == 1) {
		sbuf_addf(out, "; step 1 to %s waits for the cap until ", contact);
		when(z, c->first_at, now, out);
	} else {
		sbuf_addf(out, "; enrolling %zu contact%s now puts step 1 of %zu of them after ",
			  c->added, c->added == 1 ? "" : "s", c->delayed);
		when(z, c->first_at, now, out);
		if (c->delayed > 1 && c->last_at != c->first_at) {
			sbuf_adds(out, " (the last at ");
			when(z, c->last_at, now, out);
			sbuf_adds(out, ")");
		}
	}
	sbuf_addf(out, ", %s time", cal_zone_name(z));
}
