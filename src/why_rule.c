/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * why_rule.c - the pure decision of why.h: why an enrollment's next step
 * has not gone yet, in the order cadenced's pass decides (scheduler/pass.c
 * do_one: state, task step, rules, window, suppression, ratelimit_plan,
 * domain cap).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "why.h"

static const char *const why_keys[] = {
	[WHY_DUE_NOW] = "due_now",       [WHY_NOT_DUE] = "not_due",
	[WHY_FINISHED] = "finished",     [WHY_UNENROLLED] = "unenrolled",
	[WHY_PAUSED] = "paused",         [WHY_TASK] = "task",
	[WHY_WINDOW] = "window",         [WHY_CLOSED_DAY] = "closed_day",
	[WHY_HOLIDAY] = "holiday",       [WHY_SUPPRESSED] = "suppressed",
	[WHY_REP_CAP] = "rep_cap",       [WHY_SPACING] = "spacing",
	[WHY_THROTTLE] = "throttle",     [WHY_DOMAIN_CAP] = "domain_cap",
	[WHY_RULES] = "rules",
};

const char *why_reason_key(enum why_kind k)
{
	if ((size_t)k >= CAD_ARRAY_LEN(why_keys) || why_keys[k] == NULL)
		return "unknown";
	return why_keys[k];
}

static const char *const wday_names[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };

/* "14:03 Europe/Berlin" when t falls on now's local date in z, else
 * "Mon 2026-12-07 08:00 Europe/Berlin"; UTC when z is NULL. */
static void fmt_local(const struct cal_zone *z, cad_time_t t, cad_time_t now, char *buf,
		      size_t len)
{
	struct cal_tm lt, ln;
	const char *name = "UTC";

	if (z == NULL || t < CAL_MIN_TIME || t > CAL_MAX_TIME || now < CAL_MIN_TIME ||
	    now > CAL_MAX_TIME) {
		char tb[CAD_TIME_BUFSZ];
		snprintf(buf, len, "%s", cad_time_format(t, tb, sizeof(tb)));
		return;
	}
	name = cal_zone_name(z);
	cal_to_local(z, t, &lt);
	cal_to_local(z, now, &ln);
	if (lt.dayno == ln.dayno)
		snprintf(buf, len, "%02d:%02d %s", lt.hour, lt.min, name);
	else
		snprintf(buf, len, "%s %04d-%02d-%02d %02d:%02d %s", wday_names[lt.wday], lt.year,
			 lt.month, lt.day, lt.hour, lt.min, name);
}

static void say(struct why *w, enum why_kind k, const char *fmt, ...) CAD_PRINTF(3, 4);
static void say(struct why *w, enum why_kind k, const char *fmt, ...)
{
	va_list ap;

	w->kind = k;
	va_start(ap, fmt);
	vsnprintf(w->text, sizeof(w->text), fmt, ap);
	va_end(ap);
}

/* "2 business days and 3 h after step 1" / "after enrollment". */
static void fmt_delay(const struct sequence *seq, int step, char *buf, size_t len)
{
	const struct step *s = &seq->steps[step - 1];
	char d[64] = "", m[32] = "";

	if (s->delay_days > 0)
		snprintf(d, sizeof(d), "%d %s day%s", s->delay_days,
			 seq->days == SEQ_DAYS_EVERY ? "calendar" :
			 seq->days == SEQ_DAYS_WEEKDAYS ? "week" : "business",
			 s->delay_days == 1 ? "" : "s");
	if (s->delay_minutes > 0) {
		if (s->delay_minutes % 60 == 0)
			snprintf(m, sizeof(m), "%d h", s->delay_minutes / 60);
		else
			snprintf(m, sizeof(m), "%d min", s->delay_minutes);
	}
	if (step == 1)
		snprintf(buf, len, "%s%s%s%safter enrollment", d, *d && *m ? " and " : "", m,
			 *d || *m ? " " : "");
	else
		snprintf(buf, len, "%s%s%s%safter step %d", d, *d && *m ? " and " : "", m,
			 *d || *m ? " " : "", step - 1);
}

/* The state alone decides: 1 when it did. */
static int by_state(const struct why_facts *f, struct why *w)
{
	const struct enrollment *e = f->e;
	char tb[128];

	switch (e->state) {
	case ENR_FINISHED:
		w->step = 0;
		say(w, WHY_FINISHED, "finished: every step of %s has run", f->seq->name);
		return 1;
	case ENR_UNENROLLED:
		say(w, WHY_UNENROLLED, "unenrolled: %s",
		    e->reason && *e->reason ? e->reason : "no reason recorded");
		return 1;
	case ENR_PAUSED:
		if (e->paused_until > 0) {
			fmt_local(f->rules ? f->rules->zone : NULL, e->paused_until, f->now, tb,
				  sizeof(tb));
			w->until = e->paused_until;
			say(w, WHY_PAUSED, "paused until %s (%s)", tb,
			    e->reason && *e->reason ? e->reason : "paused by hand");
		} else {
			say(w, WHY_PAUSED, "paused until resumed by hand (%s)",
			    e->reason && *e->reason ? e->reason : "paused by hand");
		}
		return 1;
	case ENR_ACTIVE:
		break;
	}
	if (e->step < 1 || (size_t)e->step > f->seq->nsteps) {
		w->step = 0;
		say(w, WHY_FINISHED, "finished: no step is left (cadenced closes it at its next "
		    "pass)");
		return 1;
	}
	return 0;
}

/* A task step: a task is made when due; a waiting step waits for it. */
static void by_task(const struct why_facts *f, const struct step *s, struct why *w)
{
	char tb[128];
	const struct cal_zone *z = f->rules ? f->rules->zone : NULL;

	if (f->task != NULL) {
		w->task_id = f->task->id;
		w->until = 0;
		if (f->task->due_at > 0) {
			fmt_local(z, f->task->due_at, f->now, tb, sizeof(tb));
			say(w, WHY_TASK, "waiting for task %lld (%s, due %s%s)",
			    (long long)f->task->id, step_kind_name(f->task->kind), tb,
			    f->task->due_at < f->now ? ", overdue" : "");
		} else {
			say(w, WHY_TASK, "waiting for task %lld (%s)", (long long)f->task->id,
			    step_kind_name(f->task->kind));
		}
		return;
	}
	if (f->e->next_due == 0) {
		say(w, WHY_TASK, "waiting for the task of step %d (%s)", f->e->step,
		    step_kind_name(s->kind));
		return;
	}
	if (f->e->next_due > f->now) {
		char dl[128];
		fmt_local(z, f->e->next_due, f->now, tb, sizeof(tb));
		fmt_delay(f->seq, f->e->step, dl, sizeof(dl));
		w->until = f->e->next_due;
		say(w, WHY_NOT_DUE, "not due: step %d (%s) becomes a task at %s (%s)", f->e->step,
		    step_kind_name(s->kind), tb, dl);
		return;
	}
	say(w, WHY_DUE_NOW, "due now: step %d (%s) becomes a task at cadenced's next pass",
	    f->e->step, step_kind_name(s->kind));
}

/* The window or the day holds it at now: 1 and *w filled, with until. */
static int by_window(const struct why_facts *f, struct why *w)
{
	const struct cal_rules *r = f->rules;
	struct cal_tm lt;
	struct cad_err err;
	cad_time_t open;
	char tb[128], date[16];
	const struct holiday *h;

	if (cal_window_open(r, f->now))
		return 0;
	if (cal_next_open(r, f->now, &open, &err) < 0) {
		say(w, WHY_RULES, "no sending window opens: %s (cadenced pauses it at its next "
		    "pass)", err.msg);
		return 1;
	}
	w->until = open;
	fmt_local(r->zone, open, f->now, tb, sizeof(tb));
	cal_to_local(r->zone, f->now, &lt);
	if (cal_day_open(r, lt.dayno)) {
		say(w, WHY_WINDOW, "outside the window (%02d:%02d-%02d:%02d) until %s",
		    r->window_start / 60, r->window_start % 60, r->window_end / 60,
		    r->window_end % 60, tb);
		return 1;
	}
	cal_day_format(lt.dayno, date, sizeof(date));
	h = holiday_find(r->holidays, r->nholidays, date);
	if (h != NULL && (lt.wday != 0 && lt.wday != 6))
		say(w, WHY_HOLIDAY, "holiday %s %s (%s) in %s: the window opens %s", date,
		    *h->name ? h->name : "(no name)", h->calendar, cal_zone_name(r->zone), tb);
	else
		say(w, WHY_CLOSED_DAY, "%s %s is not a %s day in %s: the window opens %s",
		    wday_names[lt.wday], date, f->seq->days == SEQ_DAYS_WEEKDAYS ? "week" :
		    "business", cal_zone_name(r->zone), tb);
	return 1;
}

/* Sends of the mailbox in the rolling 24 h window ending at now. */
static int sends_24h(const struct ratelimit_mailbox *mb, cad_time_t now)
{
	int c = 0;
	for (size_t i = 0; i < mb->nsends; i++)
		if (mb->sends[i] <= now && mb->sends[i] > now - LIMITS_DAY)
			c++;
	return c;
}

/* The rep's mailbox limits hold it at now: 1 and *w filled. */
static int by_limits(const struct why_facts *f, struct why *w)
{
	struct ratelimit_mailbox mb = f->mb;
	struct ratelimit_item it;
	struct ratelimit_decision d;
	char tb[128];

	mb.jitter_rnd = 0;       /* the earliest moment */
	mb.domain_cap = 0;       /* DomainDailyCap: ratelimit_domain_ok(), in held() */
	memset(&it, 0, sizeof(it));
	it.due = f->now;
	it.domain = f->contact_email ? cad_addr_domain(f->contact_email) : NULL;
	it.bulk_first = f->e->bulk && f->e->step == 1;
	ratelimit_plan(&mb, &it, 1, f->now, &d);
	if (d.go)
		return 0;
	w->until = d.retry_at;
	fmt_local(f->rep_zone, d.retry_at, f->now, tb, sizeof(tb));
	if (strcmp(d.why, "cap") == 0) {
		w->used = sends_24h(&mb, f->now);
		w->cap = mb.cap_24h;
		say(w, WHY_REP_CAP, "the rep's 24 h cap %d/%d until %s", w->used, w->cap, tb);
	} else if (strcmp(d.why, "spacing") == 0) {
		say(w, WHY_SPACING, "spacing between the rep's emails (%d s%s) until %s",
		    mb.min_gap, mb.jitter > 0 ? " and a random extra" : "", tb);
	} else {
		say(w, WHY_THROTTLE, "a bulk enrollment's first emails go %d a minute: until %s",
		    mb.bulk_per_minute > 0 ? mb.bulk_per_minute : LIMITS_BULK_PER_MINUTE, tb);
	}
	return 1;
}

/* The email step's holds at now, in the pass's order: 1 when one holds. */
static int held(const struct why_facts *f, struct why *w)
{
	if (f->rules == NULL) {
		say(w, WHY_RULES, "the calendar cannot be applied: %s (cadenced pauses it at its "
		    "next pass)", f->rules_error ? f->rules_error : "unknown error");
		return 1;
	}
	if (by_window(f, w))
		return 1;
	if (f->supp != NULL) {
		say(w, WHY_SUPPRESSED, "suppressed (%s: %s): cadenced unenrolls it at its next "
		    "pass", supp_kind_name(f->supp->kind), f->supp->pattern);
		return 1;
	}
	if (by_limits(f, w))
		return 1;
	if (f->contact_email && cad_addr_domain(f->contact_email) &&
	    !ratelimit_domain_ok(f->domain_sent, f->domain_cap, f->now, &w->until)) {
		char tb[128];
		w->used = f->domain_sent;
		w->cap = f->domain_cap;
		fmt_local(f->rep_zone, w->until, f->now, tb, sizeof(tb));
		say(w, WHY_DOMAIN_CAP, "the daily cap for %s %d/%d (all reps): tried again at %s",
		    cad_addr_domain(f->contact_email), f->domain_sent, f->domain_cap, tb);
		return 1;
	}
	return 0;
}

void why_decide(const struct why_facts *f, struct why *w)
{
	const struct step *s;
	const struct enrollment *e = f->e;
	struct why hold;
	char tb[128], dl[128];

	memset(w, 0, sizeof(*w));
	w->step = e->step;
	w->due = e->next_due;
	if (by_state(f, w))
		return;
	s = &f->seq->steps[e->step - 1];
	if (s->kind != STEP_EMAIL) {
		by_task(f, s, w);
		return;
	}
	memset(&hold, 0, sizeof(hold));
	hold.step = w->step;
	hold.due = w->due;
	if (held(f, &hold)) {
		/* A step not due yet is held by the rule only when the rule
		 * holds it past its due time (or for good: until 0). */
		if (e->next_due <= f->now || hold.until == 0 || hold.until >= e->next_due) {
			*w = hold;
			return;
		}
	}
	if (e->next_due > f->now) {
		fmt_local(f->rules ? f->rules->zone : NULL, e->next_due, f->now, tb, sizeof(tb));
		fmt_delay(f->seq, e->step, dl, sizeof(dl));
		w->until = e->next_due;
		say(w, WHY_NOT_DUE, "not due: step %d (email) is due at %s (%s)", e->step, tb, dl);
		return;
	}
	say(w, WHY_DUE_NOW, "due now: step %d (email) goes at cadenced's next pass", e->step);
}
