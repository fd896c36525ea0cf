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
 * ("N of M in the last 24 hours"); a template token with no value and no
 * fallback for this contact (naming the step and the token).
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

/* 0 with res->ok = 1 (enrolled, step 1 due at now) or res->ok = 0 (refused,
 * recorded as an "enroll_refused" event); -1 only on a store error. */
int enroll_one(struct store *st, const struct enroll_request *rq, cad_time_t now,
	       struct enroll_result *res, struct cad_err *err);

#endif
