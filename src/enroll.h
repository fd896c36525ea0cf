/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * enroll.h - enrolling a contact in a sequence as a rep: the pure rule
 * that decides, and the service that gathers its facts from the store and
 * records the outcome.
 *
 * The rule refuses, each time with a per-contact reason a person can act
 * on: a rep who does not exist or is disabled; a contact that does not
 * exist; a sequence that does not exist, is archived or has no steps; an
 * address or domain on the suppression list (naming the entry and its
 * kind); a contact already active or paused in a sequence (naming the
 * sequence and the rep); a rep whose daily new-enrollment cap is reached
 * ("N of M in the last 24 hours"); a day that would carry more automated
 * emails than the rep's rolling 24-hour cap (user.send_cap_24h; 0 reads as
 * the default 500, as cadenced reads it), counting the emails already
 * scheduled that day by the rep's other active enrollments ("refused:
 * 2026-12-03 would carry 520 emails (500 already scheduled + 20 from this
 * enrollment), over the daily cap of 500"); a template token with no value
 * and no fallback for this contact (naming the step and the token).
 *
 * The sequence is named by its name, its id, or the slug of its name
 * (enroll_slug: what an enroll+SLUG@Domain address carries).
 *
 * Guarantees: enroll_rule_check() is pure (no clock, no SQL, no I/O).
 * enroll_one() is one transaction: the facts are read and the enrollment
 * (or the "enroll_refused" event with the reason) is written under the
 * same write lock, so two enrollers cannot both pass the same check.
 */
#ifndef CADENCE_ENROLL_H
#define CADENCE_ENROLL_H

#include <stddef.h>
#include <stdint.h>

#include "ratelimit.h"
#include "model.h"
#include "store.h"
#include "util.h"

/* Everything the rule looks at. NULL pointers mean "not found". */
struct enroll_facts {
	const char *rep_key;                 /* what was asked for, for messages */
	const char *contact_key;
	const char *sequence_key;
	const struct user *rep;
	const struct contact *contact;
	const struct sequence *seq;          /* with its steps */
	const struct suppression *supp;      /* the matching entry, or NULL */
	/* The contact's running enrollment, if any, with its names. */
	const struct enrollment *current;
	const char *current_sequence;
	const char *current_rep;
	int enrolled_24h;                    /* the rep's new enrollments, last 24 h */
	/* The projection (enroll_project): the rep's local days this
	 * enrollment's emails land on, with the emails already scheduled
	 * each day. NULL / 0: nothing to check. */
	const struct ratelimit_day *days;
	size_t ndays;
};

/* 1 = enroll, 0 = refused with the reason in why (always NUL-terminated). */
int enroll_rule_check(const struct enroll_facts *f, char *why, size_t whylen);

struct enroll_request {
	const char *contact;    /* address or known alias */
	const char *sequence;   /* name or decimal id */
	const char *user;       /* the rep's address */
	const char *actor;      /* who asks: "cli:root", "api:<key>", "mail:<rep>" */
	int bulk;               /* part of a bulk enrollment */
};

struct enroll_result {
	int ok;                 /* 1 = enrolled */
	int64_t enrollment_id;  /* when ok */
	char why[512];          /* when refused: the reason */
};

/* The projection behind enroll_facts.days, for enrolling contact c in seq
 * as rep at now (see enroll_project.c for how it is counted and bounded).
 * out->days is in date order; out->counted says how many of the rep's
 * active enrollments were looked at. -1 only on a store error; calendar
 * problems (a bad zone) never refuse here: the scheduler reports them. */
struct enroll_projection {
	struct ratelimit_day *days;
	size_t ndays;
	size_t counted;
};
int enroll_project(struct store *st, const struct user *rep, const struct contact *c,
		   const struct sequence *seq, cad_time_t now, struct enroll_projection *out,
		   struct cad_err *err);
void enroll_projection_free(struct enroll_projection *p);

/* The slug of a sequence's name, for its enroll address
 * (enroll+SLUG@Domain): the name's ASCII letters and digits in lower case,
 * every other run of bytes one '-', none at either end: "VP Sales –
 * Outbound – SDR Team" -> "vp-sales-outbound-sdr-team". "" when the name
 * has no ASCII letter or digit. Pure; the caller frees. */
char *enroll_slug(const char *name);
/* The active sequence whose name's slug is slug (compared without case),
 * with its steps: 0, STORE_NOTFOUND (none, or two sequences share that
 * slug: err says which), or -1 on a store error. */
int enroll_sequence_by_slug(struct store *st, const char *slug, struct sequence *out,
			    struct cad_err *err);

/* 0 with res->ok = 1 (enrolled; step 1 due at now, or after its delay
 * counted from now by the calendar rules) or res->ok = 0 (refused,
 * recorded as an "enroll_refused" event); -1 only on a store error. */
int enroll_one(struct store *st, const struct enroll_request *rq, cad_time_t now,
	       struct enroll_result *res, struct cad_err *err);

#endif
