/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * enroll_check.h - what the mail a rep already sent in the rolling 24 h
 * does to new enrollments (issue #12, 7): the pure rule, and its text in
 * the rep's words.
 *
 * enroll_rule_check() refuses an enrollment whose projected days would
 * carry more emails than the rep's cap (enroll.h): a schedule that cannot
 * fit. Mail already sent never makes cadenced exceed the cap either: the
 * pass holds a step while the last 24 h hold cap sends and lets it go
 * when the oldest of them ages out (ratelimit.h). So mail already sent
 * does not refuse an enrollment; it delays its first step, and this rule
 * says by how much, so that the rep is warned when enrolling rather than
 * surprised tomorrow:
 *
 *   "you have sent 480 of your 500 emails in the last 24 h; enrolling 40
 *    contacts now puts step 1 of 20 of them after 14:03 tomorrow (the
 *    last at 16:40 tomorrow, Europe/London)"
 *
 * How: the rep's sends of the last 24 h and every email step of the rep's
 * active enrollments due within the next 24 h (the new ones among them)
 * are taken in due order, as the pass takes them; each leaves at its due
 * time, or, when the 24 h before it already hold cap sends, when the
 * cap-th latest of them is 24 h old (a send exactly 24 h old no longer
 * counts, as in ratelimit.h); once one waits, those after it wait behind
 * it. Spacing, the bulk throttle and the sending window are not counted:
 * they can only add to the wait (cadencectl why says the rest).
 *
 * Guarantees: pure (no clock, no SQL, no I/O); O(sends + items); inputs
 * are not changed. Errors: none (bad orders are sorted out here).
 */
#ifndef CADENCE_ENROLL_CHECK_H
#define CADENCE_ENROLL_CHECK_H

#include <stddef.h>

#include "cal.h"
#include "util.h"

/* One email step waiting to go from the rep's mailbox. */
struct enroll_check_item {
	cad_time_t due;          /* when it is due (in the past: overdue) */
	int64_t order;           /* tie-break among equal dues (the enrollment id) */
	int is_new;              /* a first step of the enrollments just made */
};

struct enroll_check {
	int cap;                 /* the rep's cap (0 read as USER_DEFAULT_SEND_CAP) */
	size_t sent;             /* sends in the last 24 h */
	size_t ahead;            /* other steps due before the new ones */
	size_t added;            /* new first steps */
	size_t delayed;          /* new first steps that wait for the cap */
	cad_time_t first_at;     /* delayed > 0: when the first of them may go */
	cad_time_t last_at;      /* ... and the last */
};

/* Fills out. sends: the rep's send times of the last 24 h (any order);
 * items: the waiting email steps (any order; sorted in a copy). */
void enroll_check_cap(const cad_time_t *sends, size_t nsends, int cap,
		      const struct enroll_check_item *items, size_t nitems, cad_time_t now,
		      struct enroll_check *out);

/* The rep's words for out (nothing appended when nothing waits): times in
 * zone z ("14:03 today", "14:03 tomorrow", "14:03 on Wed 2026-12-09").
 * contact names the contact when one was enrolled (NULL: "N contacts"). */
void enroll_check_text(const struct enroll_check *c, const struct cal_zone *z, cad_time_t now,
		       const char *contact, struct sbuf *out);

#endif
