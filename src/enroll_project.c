/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * enroll_project.c - the new-enrollment projection (issue 3, "Limits"):
 * how many automated emails the rep already has scheduled on each of the
 * days a new enrollment would send on, and how many it would add, so that
 * enroll_rule_check() can refuse an enrollment that would push a day past
 * the rep's cap ("80 today + yesterday's + the day before's").
 *
 * How: the new enrollment's steps are projected from now with cal_project()
 * (its sequence's rules, the contact's zone; step 1 due now, as
 * enroll_one() records it); the days are the rep's local
 * dates its email steps land on. Then every active enrollment of the rep
 * whose current step is due before the end of the last such day is
 * projected the same way from its next_due (or from now, if that is
 * already past: an overdue step goes out next), and each of its email
 * steps landing on one of those days is counted. An enrollment waiting on
 * a task is projected as if the task were done now (it may be, any time).
 *
 * Bounded work: one query for the rep's schedule (store_user_schedule,
 * through the rep's index, cut at the horizon), one sequence and holiday
 * read per distinct sequence, each zone looked up once, and one
 * cal_project() per distinct (sequence, zone, step, start): enrollments
 * made together (a bulk enrollment shares its `now`, an overdue step
 * starts at now) are projected once. No per-enrollment SQL. Measured
 * (x86-64, -O2, a rep with 10,000 active enrollments of a 6-step
 * business-day sequence): 10-60 ms per enroll_one() when the enrollments
 * came in batches, 0.1-0.3 s when every one is due at a different second
 * (the cost is then libical's, 10-25 us per projection); 1,000 such: 15 ms.
 *
 * The holidays are each contact's, as cadenced applies them
 * (rules_calendars in rules.h: the contact's region, else the sequence's
 * calendars), read once per distinct list.
 *
 * A zone that cannot be chosen (a typo, no zone anywhere), a region with
 * no calendar or rules the calendar refuses do not refuse the enrollment
 * here: the day is counted in UTC, without holidays, or the enrollment is
 * left out, and the scheduler reports the problem when the step is due
 * (it pauses that enrollment).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cal.h"
#include "enroll.h"
#include "rules.h"

/* The first zone of contact, sequence, rep that is valid, else UTC. */
static const struct cal_zone *zone_or_utc(const char *ctz, const char *stz, const char *rtz)
{
	struct cad_err e;
	const struct cal_zone *z = cal_zone_choose(ctz, stz, rtz, &e);
	return z ? z : cal_zone_get("UTC", &e);
}

/* The rules (rules.h); rules the calendar refuses leave the enrollment
 * out of the count (the scheduler pauses it, saying why). */
static int rules_of(const struct sequence *q, const struct holiday_list *hol,
		    const struct cal_zone *z, struct cal_rules *r)
{
	struct cad_err e;
	return rules_build_zone(q, z, hol, r, &e);
}

/* Holiday lists by calendar names (rules_calendars), each read once. */
struct hol_ent {
	char *names;              /* "" for none */
	struct holiday_list hol;
};
struct hols {
	struct hol_ent **v;
	size_t n;
};

/* The holidays that apply to contact ct in q (rules_holidays); a region
 * naming no calendar counts without holidays (see above). NULL on a store
 * error. */
static const struct holiday_list *hols_get(struct hols *h, struct store *st,
					   const struct sequence *q, const struct contact *ct,
					   struct cad_err *err)
{
	const char *names = rules_calendars(q, ct);
	struct hol_ent *e;
	size_t i;
	int rc;

	if (names == NULL)
		names = "";
	for (i = 0; i < h->n; i++)
		if (strcmp(h->v[i]->names, names) == 0)
			return &h->v[i]->hol;
	e = xcalloc(1, sizeof(*e));
	holiday_list_init(&e->hol);
	rc = rules_holidays(st, q, ct, &e->hol, err);
	if (rc == RULES_ESTORE) {
		holiday_list_free(&e->hol);
		free(e);
		return NULL;
	}
	e->names = xstrdup(names);
	h->v = xreallocarray(h->v, h->n + 1, sizeof(*h->v));
	h->v[h->n++] = e;
	return &e->hol;
}

static void hols_free(struct hols *h)
{
	size_t i;
	for (i = 0; i < h->n; i++) {
		holiday_list_free(&h->v[i]->hol);
		free(h->v[i]->names);
		free(h->v[i]);
	}
	free(h->v);
}

/* The days being checked, with their day numbers in the rep's zone. */
struct proj {
	const struct cal_zone *rep_zone;
	struct ratelimit_day *days;
	int64_t *daynos;
	size_t ndays;
	/* scratch for projecting one enrollment */
	struct step *steps;
	cad_time_t *due;
	size_t nscratch;
};

static long day_index(const struct proj *p, int64_t dayno)
{
	size_t i;
	for (i = 0; i < p->ndays; i++)
		if (p->daynos[i] == dayno)
			return (long)i;
	return -1;
}

static int64_t local_day(const struct proj *p, cad_time_t t)
{
	struct cal_tm tm;
	cal_to_local(p->rep_zone, t, &tm);
	return tm.dayno;
}

/* Projects steps[first..] from start; the first one's delay is already in
 * start when zero_first. Returns how many due times are in p->due, or -1
 * when the calendar refuses the rules. */
static long project(struct proj *p, const struct cal_rules *r, const struct sequence *q,
		    size_t first, int zero_first, cad_time_t start)
{
	struct cad_err e;
	size_t n = first < q->nsteps ? q->nsteps - first : 0;
	if (n == 0)
		return 0;
	if (n > p->nscratch) {
		p->steps = xreallocarray(p->steps, n, sizeof(*p->steps));
		p->due = xreallocarray(p->due, n, sizeof(*p->due));
		p->nscratch = n;
	}
	memcpy(p->steps, q->steps + first, n * sizeof(*p->steps));
	if (zero_first) {
		p->steps[0].delay_days = 0;
		p->steps[0].delay_minutes = 0;
	}
	if (cal_project(r, start, p->steps, n, p->due, &e) < 0)
		return -1;
	return (long)n;
}

/* The new enrollment's days: one ratelimit_day per local date its email
 * steps land on, in date order (dues only grow), with "added". Step 1 is
 * due at now whatever its delay, as enroll_one() records it. */
static int new_days(struct proj *p, const struct user *rep, const struct contact *c,
		    const struct sequence *q, const struct holiday_list *hol, cad_time_t now)
{
	struct cal_rules r;
	long n, i;
	if (rules_of(q, hol, zone_or_utc(c->tz, q->tz, rep->tz), &r) < 0)
		return 0;
	n = project(p, &r, q, 0, 1, now);
	for (i = 0; i < n; i++) {
		int64_t d;
		long k;
		if (p->steps[i].kind != STEP_EMAIL)
			continue;
		d = local_day(p, p->due[i]);
		k = day_index(p, d);
		if (k < 0) {
			p->days = xreallocarray(p->days, p->ndays + 1, sizeof(*p->days));
			p->daynos = xreallocarray(p->daynos, p->ndays + 1, sizeof(*p->daynos));
			k = (long)p->ndays++;
			memset(&p->days[k], 0, sizeof(p->days[k]));
			p->daynos[k] = d;
			cal_day_format(d, p->days[k].date, sizeof(p->days[k].date));
		}
		p->days[k].added++;
	}
	return 0;
}

/* Projections already made in this call, by (sequence, zone, holidays,
 * first step, start): enrollments made together (a bulk enrollment shares its `now`)
 * are projected once. Each entry holds its emails per checked day. */
struct memo_ent {
	int64_t seq;
	const struct cal_zone *zone;
	const struct holiday_list *hol;
	size_t first;
	cad_time_t start;
	int *cnt;                 /* [ndays]; NULL = free slot */
};
struct memo {
	struct memo_ent *v;
	size_t cap, used;         /* cap: a power of two */
	/* zones by name, so that a zone is looked up once per call */
	char **names;
	const struct cal_zone **zones;
	size_t nzones;
	/* the zone of a contact without one, for the sequence last asked */
	int64_t fallback_seq;
	const struct cal_zone *fallback;
};

static size_t memo_hash(int64_t seq, const struct cal_zone *z, const struct holiday_list *hol,
			size_t first, cad_time_t start)
{
	uint64_t h = (uint64_t)seq * 0x9e3779b97f4a7c15u;
	h ^= (uint64_t)(uintptr_t)z + 0x7f4a7c159e3779b9u + (h << 6) + (h >> 2);
	h ^= (uint64_t)(uintptr_t)hol + (h << 6) + (h >> 2);
	h ^= (uint64_t)first + (h << 6) + (h >> 2);
	h ^= (uint64_t)start * 0xbf58476d1ce4e5b9u + (h << 6) + (h >> 2);
	return (size_t)(h ^ (h >> 31));
}

/* The slot for the key: its entry, or the free slot where it belongs. */
static struct memo_ent *memo_slot(struct memo *m, int64_t seq, const struct cal_zone *z,
				  const struct holiday_list *hol, size_t first, cad_time_t start)
{
	size_t i = memo_hash(seq, z, hol, first, start) & (m->cap - 1);
	for (;; i = (i + 1) & (m->cap - 1)) {
		struct memo_ent *e = &m->v[i];
		if (e->cnt == NULL || (e->seq == seq && e->zone == z && e->hol == hol &&
				       e->first == first && e->start == start))
			return e;
	}
}

static void memo_grow(struct memo *m)
{
	struct memo_ent *old = m->v;
	size_t oldcap = m->cap, i;
	m->cap = oldcap ? oldcap * 2 : 256;
	m->v = xcalloc(m->cap, sizeof(*m->v));
	for (i = 0; i < oldcap; i++)
		if (old[i].cnt)
			*memo_slot(m, old[i].seq, old[i].zone, old[i].hol, old[i].first,
				   old[i].start) = old[i];
	free(old);
}

static void memo_free(struct memo *m)
{
	size_t i;
	for (i = 0; i < m->cap; i++)
		free(m->v[i].cnt);
	free(m->v);
	for (i = 0; i < m->nzones; i++)
		free(m->names[i]);
	free(m->names);
	free(m->zones);
}

/* zone_or_utc(), remembering the zones already looked up (a look-up
 * checks the zone file: not something to do once per enrollment). A
 * contact's own zone, when it has one, decides alone. */
static const struct cal_zone *memo_zone(struct memo *m, const char *ctz,
					const struct sequence *q, const char *rtz)
{
	const struct cal_zone *z;
	size_t i;
	if (ctz == NULL || *ctz == '\0') {
		if (m->fallback == NULL || m->fallback_seq != q->id) {
			m->fallback = zone_or_utc(NULL, q->tz, rtz);
			m->fallback_seq = q->id;
		}
		return m->fallback;
	}
	for (i = 0; i < m->nzones; i++)
		if (strcmp(m->names[i], ctz) == 0)
			return m->zones[i];
	z = zone_or_utc(ctz, q->tz, rtz);
	m->names = xreallocarray(m->names, m->nzones + 1, sizeof(*m->names));
	m->zones = xreallocarray(m->zones, m->nzones + 1, sizeof(*m->zones));
	m->names[m->nzones] = xstrdup(ctz);
	m->zones[m->nzones++] = z;
	return z;
}

static void count_one(struct proj *p, const struct enr_sched *x, const struct sequence *q,
		      const struct holiday_list *hol, const struct user *rep, cad_time_t now,
		      struct memo *m)
{
	struct cal_rules r;
	struct memo_ent *e;
	const struct cal_zone *z;
	size_t first, k;
	cad_time_t start;
	int zero_first;
	long i, n;

	if (x->step < 1 || (size_t)x->step > q->nsteps)
		return;
	if (x->next_due == 0) {
		/* Waiting on the task of step x->step: the rest follows its completion. */
		first = (size_t)x->step;
		zero_first = 0;
		start = now;
		if (first >= q->nsteps)
			return;
	} else {
		first = (size_t)x->step - 1;
		zero_first = 1;
		start = x->next_due > now ? x->next_due : now;
	}
	z = memo_zone(m, x->contact_tz, q, rep->tz);
	if (2 * (m->used + 1) > m->cap)
		memo_grow(m);
	e = memo_slot(m, q->id, z, hol, first, start);
	if (e->cnt == NULL) {
		e->seq = q->id;
		e->zone = z;
		e->hol = hol;
		e->first = first;
		e->start = start;
		e->cnt = xcalloc(p->ndays, sizeof(*e->cnt));
		m->used++;
		n = rules_of(q, hol, z, &r) < 0 ? -1 : project(p, &r, q, first, zero_first, start);
		for (i = 0; i < n; i++) {
			long d;
			if (p->steps[i].kind != STEP_EMAIL)
				continue;
			d = day_index(p, local_day(p, p->due[i]));
			if (d >= 0)
				e->cnt[d]++;
		}
	}
	for (k = 0; k < p->ndays; k++)
		p->days[k].scheduled += e->cnt[k];
}

int enroll_project(struct store *st, const struct user *rep, const struct contact *c,
		   const struct sequence *seq, cad_time_t now, struct enroll_projection *out,
		   struct cad_err *err)
{
	struct proj p;
	struct hols hols;
	const struct holiday_list *hol;
	struct sequence other;
	struct enr_sched *rows = NULL;
	struct memo m;
	size_t nrows = 0, i;
	int64_t loaded = 0, last;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	memset(&other, 0, sizeof(other));
	memset(&hols, 0, sizeof(hols));
	memset(&m, 0, sizeof(m));
	p.rep_zone = zone_or_utc(rep->tz, NULL, NULL);
	if (p.rep_zone == NULL)
		return cad_err_set(err, "no UTC zone in the time-zone database");
	if ((hol = hols_get(&hols, st, seq, c, err)) == NULL)
		goto out;
	new_days(&p, rep, c, seq, hol, now);
	if (p.ndays == 0) {
		rc = 0;
		goto out;
	}
	last = p.daynos[0];
	for (i = 1; i < p.ndays; i++)
		if (p.daynos[i] > last)
			last = p.daynos[i];
	if (store_user_schedule(st, rep->id, cal_from_local(p.rep_zone, last + 1, 0), &rows,
				&nrows, err) < 0)
		goto out;
	for (i = 0; i < nrows; i++) {
		const struct sequence *q = seq;
		struct contact rc_ct;
		if (rows[i].sequence_id != seq->id) {
			if (rows[i].sequence_id != loaded) {
				sequence_free(&other);
				loaded = rows[i].sequence_id;
				if (store_sequence_get_id(st, loaded, &other, err) < 0)
					goto out;
			}
			q = &other;
		}
		if (q->id == 0)
			continue;   /* a sequence row gone (NOTFOUND): nothing to count */
		memset(&rc_ct, 0, sizeof(rc_ct));
		rc_ct.region = rows[i].contact_region;
		if ((hol = hols_get(&hols, st, q, &rc_ct, err)) == NULL)
			goto out;
		count_one(&p, &rows[i], q, hol, rep, now, &m);
	}
	out->counted = nrows;
	rc = 0;
out:
	if (rc == 0) {
		out->days = p.days;
		out->ndays = p.ndays;
	} else {
		free(p.days);
	}
	free(p.daynos);
	free(p.steps);
	free(p.due);
	store_enr_scheds_free(rows, nrows);
	memo_free(&m);
	sequence_free(&other);
	hols_free(&hols);
	return rc;
}

void enroll_projection_free(struct enroll_projection *p)
{
	free(p->days);
	memset(p, 0, sizeof(*p));
}
