/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * why.h - why an enrollment's next step has not gone yet, in words a rep
 * understands: "outside the window until 08:00 Europe/Berlin", "the rep's
 * 24 h cap 500/500 until 14:03 Europe/London", "waiting for task 12",
 * "paused until ...", "holiday ...", "finished", "due now".
 *
 * The decision (why_decide) is a pure function over the same facts and
 * the same rules cadenced's pass applies, in the pass's order: the
 * enrollment's state; a task step (made a task when due, waited on when
 * the step says so); the recipient's window and open days (cal_*, the
 * rules of rules_build); the suppression list; the rep's mailbox limits
 * (ratelimit_plan: rolling 24 h cap, spacing, bulk throttle); the recipient
 * domain's daily cap (DomainDailyCap). A step whose delay has not run out
 * is "not due" unless one of those rules holds it at least as long (a step
 * deferred to the window's opening is "outside the window", not "not
 * due"). Spacing's jitter is taken at its smallest (the pass draws it at
 * random), so a spacing time is the earliest one.
 *
 * why_enrollment() is the service: it reads the facts from the store
 * (rules_load, the rep's sends in the last 24 h, the domain's) and calls
 * why_decide(). The scheduler may call why_decide() with the facts it has
 * loaded and record why_reason_key() (a stable, lower-case key) with the
 * text, once per enrollment and reason.
 *
 * Guarantees: why_decide() reads no clock, no store, no file; every text
 * is NUL-terminated and bounded (truncated, never overflowed); times are
 * shown in the recipient's zone (window, due times) or the rep's (their
 * mailbox limits), "HH:MM Zone" on now's local date, else with the date.
 */
#ifndef CADENCE_WHY_H
#define CADENCE_WHY_H

#include <stddef.h>
#include <stdint.h>

#include "cal.h"
#include "model.h"
#include "ratelimit.h"
#include "store.h"
#include "util.h"

enum why_kind {
	WHY_DUE_NOW,        /* nothing holds it: cadenced takes it at its next pass */
	WHY_NOT_DUE,        /* its delay has not run out */
	WHY_FINISHED,       /* every step has run (or none is left) */
	WHY_UNENROLLED,     /* stopped, with a reason */
	WHY_PAUSED,         /* paused, until a time or by hand */
	WHY_TASK,           /* waiting for the rep's task */
	WHY_WINDOW,         /* outside the sending window */
	WHY_CLOSED_DAY,     /* a weekend day the sequence does not send on */
	WHY_HOLIDAY,        /* a holiday of the sequence's calendars */
	WHY_SUPPRESSED,     /* the address or domain is suppressed */
	WHY_REP_CAP,        /* the rep's rolling 24 h cap */
	WHY_SPACING,        /* the minimum gap between the rep's emails */
	WHY_THROTTLE,       /* first emails of a bulk enrollment, per minute */
	WHY_DOMAIN_CAP,     /* the recipient domain's daily cap */
	WHY_RULES           /* the calendar cannot be applied (a bad zone) */
};

/* "due_now", "not_due", "finished", "unenrolled", "paused", "task",
 * "window", "closed_day", "holiday", "suppressed", "rep_cap", "spacing",
 * "throttle", "domain_cap", "rules": stable, for JSON and event details. */
const char *why_reason_key(enum why_kind k);

struct why_facts {
	const struct enrollment *e;
	const struct sequence *seq;          /* with its steps */
	const char *contact_email;
	const struct cal_rules *rules;       /* NULL when they cannot be built: */
	const char *rules_error;             /* rules_build's message */
	const struct task *task;             /* the open task of the current step, or NULL */
	const struct suppression *supp;      /* the matching entry, or NULL */
	const struct cal_zone *rep_zone;     /* for the mailbox's times; NULL = UTC */
	/* The rep's mailbox as the pass fills it (sends of the last 24 h, cap,
	 * spacing; jitter_rnd is ignored: the smallest jitter is used). */
	struct ratelimit_mailbox mb;
	int domain_cap;                      /* DomainDailyCap, 0 = none */
	int domain_sent;                     /* sends to the domain in the last 24 h */
	cad_time_t now;
};

struct why {
	enum why_kind kind;
	int step;               /* the step waiting (0 when none is left) */
	cad_time_t due;         /* the step's due time (0 = none / on a task) */
	cad_time_t until;       /* when this reason ends (0 = not known / never) */
	int used, cap;          /* WHY_REP_CAP, WHY_DOMAIN_CAP: sends and cap */
	int64_t task_id;        /* WHY_TASK */
	char text[768];
};

/* Fills *out. f->e and f->seq must not be NULL. */
void why_decide(const struct why_facts *f, struct why *out);

/* The settings of cadence.conf the decision uses. */
struct why_conf {
	int spacing_seconds;    /* SpacingSeconds */
	int spacing_jitter;     /* SpacingJitter */
	int domain_daily_cap;   /* DomainDailyCap */
};

/* Loads the facts of enrollment id at now and decides. 0, STORE_NOTFOUND
 * (err names the id) or -1 on a store error. */
int why_enrollment(struct store *st, const struct why_conf *cf, int64_t id, cad_time_t now,
		   struct why *out, struct cad_err *err);

#endif
