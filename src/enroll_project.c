/*
 * enroll_project.c - the new-enrollment projection (issue 3, "Limits"):
 * how many automated emails the rep already has scheduled on each of the
 * days a new enrollment would send on, and how many it would add, so that
 * enroll_rule_check() can refuse an enrollment that would push a day past
 * the rep's cap ("80 today + yesterday's + the day before's").
 *
 * How: the new enrollment's steps are projected from now with cal_project()
 * (its sequence's rules, the contact's zone); the days are the rep's local
 * dates its email steps land on. Then every active enrollment of the rep
 * whose current step is due before the end of the last such day is
 * projected the same way from its next_due (or from now, if that is
 * already past: an overdue step goes out next), and each of its email
 * steps landing on one of those days is counted. An enrollment waiting on
 * a task is projected as if the task were done now (it may be, any time).
 *
 * Bounded work: one query for the rep's schedule (store_user_schedule,
 * through the rep's index, cut at the horizon), one sequence and holiday
 * read per distinct sequence, and one cal_project() per distinct (sequence,
 * zone, step, start) - enrollments made together (a bulk enrollment) share
 * their projection. Pure calendar work otherwise; no per-enrollment SQL.
 *
 * A zone that cannot be chosen (a typo, no zone anywhere) or rules the
 * calendar refuses do not refuse the enrollment here: the day is counted
 * in UTC, or the enrollment is left out, and the scheduler reports the
 * problem when the step is due (it pauses that enrollment).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cal.h"
#include "enroll.h"
#include "store_ledger.h"

/* The first zone of contact, sequence, rep that is valid, else UTC. */
static const struct cal_zone *zone_or_utc(const char *ctz, const char *stz, const char *rtz)
{
	struct cad_err e;
	const struct cal_zone *z = cal_zone_choose(ctz, stz, rtz, &e);
	return z ? z : cal_zone_get("UTC", &e);
}

static void rules_of(const struct sequence *q, const struct holiday_list *hol,
		     const struct cal_zone *z, struct cal_rules *r)
{
	memset(r, 0, sizeof(*r));
	r->days = q->days;
	r->holidays = hol->v;
	r->nholidays = hol->n;
	r->window_start = q->window_start;
	r->window_end = q->window_end;
	r->zone = z;
}

/* The days being checked, with their day numbers in the rep's zone. */
struct proj {
	const struct cal_zone *rep_zone;
	struct limits_day *days;
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
		p->steps = xrealloc(p->steps, n * sizeof(*p->steps));
		p->due = xrealloc(p->due, n * sizeof(*p->due));
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

/* The new enrollment's days: one limits_day per local date its email
 * steps land on, in date order (dues only grow), with "added". */
static int new_days(struct proj *p, const struct user *rep, const struct contact *c,
		    const struct sequence *q, const struct holiday_list *hol, cad_time_t now)
{
	struct cal_rules r;
	long n, i;
	rules_of(q, hol, zone_or_utc(c->tz, q->tz, rep->tz), &r);
	n = project(p, &r, q, 0, 0, now);
	for (i = 0; i < n; i++) {
		int64_t d;
		long k;
		if (p->steps[i].kind != STEP_EMAIL)
			continue;
		d = local_day(p, p->due[i]);
		k = day_index(p, d);
		if (k < 0) {
			p->days = xrealloc(p->days, (p->ndays + 1) * sizeof(*p->days));
			p->daynos = xrealloc(p->daynos, (p->ndays + 1) * sizeof(*p->daynos));
			k = (long)p->ndays++;
			memset(&p->days[k], 0, sizeof(p->days[k]));
			p->daynos[k] = d;
			cal_day_format(d, p->days[k].date, sizeof(p->days[k].date));
		}
		p->days[k].added++;
	}
	return 0;
}

/* The last projection made, reused by the next enrollment with the same
 * inputs (rows come sorted by sequence, and a batch shares its start). */
struct memo {
	const struct cal_zone *zone;
	int step;
	cad_time_t start;
	long n;      /* -1: nothing memoized */
};

static void count_one(struct proj *p, const struct enr_sched *x, const struct sequence *q,
		      const struct holiday_list *hol, const struct user *rep, cad_time_t now,
		      struct memo *m)
{
	struct cal_rules r;
	const struct cal_zone *z;
	size_t first;
	cad_time_t start;
	int zero_first;
	long i;

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
	z = zone_or_utc(x->contact_tz, q->tz, rep->tz);
	if (m->n < 0 || m->zone != z || m->step != (int)first || m->start != start) {
		rules_of(q, hol, z, &r);
		m->zone = z;
		m->step = (int)first;
		m->start = start;
		m->n = project(p, &r, q, first, zero_first, start);
		/* the day of each due, computed once per projection */
		for (i = 0; i < m->n; i++)
			p->due[i] = p->steps[i].kind == STEP_EMAIL ? local_day(p, p->due[i]) : INT64_MIN;
	}
	for (i = 0; i < m->n; i++) {
		long k = p->due[i] == INT64_MIN ? -1 : day_index(p, p->due[i]);
		if (k >= 0)
			p->days[k].scheduled++;
	}
}

int enroll_project(struct store *st, const struct user *rep, const struct contact *c,
		   const struct sequence *seq, cad_time_t now, struct enroll_projection *out,
		   struct cad_err *err)
{
	struct proj p;
	struct holiday_list hol, ohol;
	struct sequence other;
	struct enr_sched *rows = NULL;
	struct memo m;
	size_t nrows = 0, i;
	int64_t loaded = 0, last;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	memset(&other, 0, sizeof(other));
	holiday_list_init(&hol);
	holiday_list_init(&ohol);
	m.n = -1;
	p.rep_zone = zone_or_utc(rep->tz, NULL, NULL);
	if (p.rep_zone == NULL)
		return cad_err_set(err, "no UTC zone in the time-zone database");
	if (store_holidays_get(st, seq->holidays, &hol, err) < 0)
		goto out;
	new_days(&p, rep, c, seq, &hol, now);
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
		const struct holiday_list *h = &hol;
		if (rows[i].sequence_id != seq->id) {
			if (rows[i].sequence_id != loaded) {
				sequence_free(&other);
				holiday_list_free(&ohol);
				holiday_list_init(&ohol);
				loaded = rows[i].sequence_id;
				m.n = -1;
				if (store_sequence_get_id(st, loaded, &other, err) < 0 ||
				    store_holidays_get(st, other.holidays, &ohol, err) < 0)
					goto out;
			}
			q = &other;
			h = &ohol;
		} else if (loaded != seq->id) {
			loaded = seq->id;
			m.n = -1;
		}
		if (q->id == 0)
			continue;   /* a sequence row gone (NOTFOUND): nothing to count */
		count_one(&p, &rows[i], q, h, rep, now, &m);
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
	sequence_free(&other);
	holiday_list_free(&ohol);
	holiday_list_free(&hol);
	return rc;
}

void enroll_projection_free(struct enroll_projection *p)
{
	free(p->days);
	memset(p, 0, sizeof(*p));
}
