/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rules.h - the calendar rules of one enrollment (struct cal_rules), built
 * one way for everyone who needs them: cadenced's pass, cadencectl (task
 * complete/skip, why, enroll), the HTTP API and task links, the inbound
 * code (out-of-office resume, a manual-email task closed by the rep's
 * mail) and the milter (the rep's own step 1). Nobody else assembles
 * struct cal_rules field by field.
 *
 * The rules come from:
 * - the sequence: follow-up days, sending window, default zone and its
 *   holiday calendars (a comma-separated list of names: the default);
 * - the contact's region (contact.region, a holiday calendar name such as
 *   "de" or "us-ca"): when set, that calendar alone applies to the
 *   contact's steps instead of the sequence's list (rules_calendars). A
 *   region that names no imported calendar is an error naming it
 *   (RULES_EINVALID), never a silent fall back to the sequence's;
 * - the recipient's zone: the contact's, else the sequence's default,
 *   else the rep's (cal_zone_choose: the first one present decides, and a
 *   bad one is an error naming it, never a silent fallback). The rep has
 *   no holiday calendar of their own: the rep's zone only times the rep's
 *   tasks (cadenced) and stands in for a missing recipient zone;
 * - the dates of those calendars, fetched from the store
 *   (store_holidays_get).
 *
 * Ownership: struct cal_rules only borrows its holiday array. rules_build()
 * leaves it pointing into the caller's list (the list must outlive the
 * rules); rules_load() fetches the list into struct rules, which owns it
 * and frees it in rules_free().
 *
 * rules_calendars(), rules_build() and rules_step_due() are pure (no clock,
 * no store). rules_load() reads the store through store_holidays_get();
 * rules_enrollment_due() also reads the enrollment, its sequence, contact
 * and rep.
 *
 * Errors: every function fills struct cad_err; no caller falls back
 * silently (a caller that goes on anyway says so where it reports).
 */
#ifndef CADENCE_RULES_H
#define CADENCE_RULES_H

#include "cal.h"
#include "holiday.h"
#include "model.h"
#include "store.h"
#include "util.h"

/* Results besides 0. */
#define RULES_ESTORE (-1)    /* the store failed: err says why */
#define RULES_EINVALID (-2)  /* the rules cannot be applied (a bad or missing
                              * zone, a bad window, a region with no
                              * calendar): err says why */
#define RULES_ENOTFOUND (-3) /* rules_enrollment_due: the enrollment, its
                              * sequence, contact or rep is gone */

/* The rules of one enrollment with the holiday list they point into. */
struct rules {
	struct cal_rules cal;      /* cal.holidays points into hol.v */
	struct holiday_list hol;   /* owned */
};

/* The holiday calendars that apply to ct's steps in seq: ct's region when
 * it has one, else seq's list (NULL or "" when neither names one). ct may
 * be NULL (the sequence's list). The result points into ct or seq. */
const char *rules_calendars(const struct sequence *seq, const struct contact *ct);

/* Fills *out from seq, the contact's and the rep's zones (NULL or "" for
 * none) and hol (the calendars' dates sorted by date, as
 * store_holidays_get or holiday_select return them; NULL for none), then
 * checks the result (cal_rules_check). out borrows hol->v. 0 on success,
 * else -1 with err naming the problem ("time zone ... (the contact's)",
 * "window start ..."); *out is then still safe to copy but not to use. */
int rules_build(const struct sequence *seq, const char *contact_tz, const char *rep_tz,
		const struct holiday_list *hol, struct cal_rules *out, struct cad_err *err);

/* rules_build() with the zone already chosen (z, not NULL): for callers
 * that look zones up once for many enrollments (the enrollment
 * projection). 0, or -1 with err (cal_rules_check). */
int rules_build_zone(const struct sequence *seq, const struct cal_zone *z,
		     const struct holiday_list *hol, struct cal_rules *out, struct cad_err *err);

/* Fetches the dates of rules_calendars(seq, ct) into out (which the caller
 * initialized). An unknown name in the sequence's list has no dates; a
 * region with no dates in the store is RULES_EINVALID. 0, RULES_ESTORE or
 * RULES_EINVALID. */
int rules_holidays(struct store *st, const struct sequence *seq, const struct contact *ct,
		   struct holiday_list *out, struct cad_err *err);

/* Whether region names a holiday calendar the store holds (a contact's
 * region that does not would pause each of its enrollments): 0, or
 * RULES_EINVALID with err saying so and how to import it, or RULES_ESTORE. */
int rules_region_check(struct store *st, const char *region, struct cad_err *err);

/* rules_holidays() into out->hol, then rules_build() into out->cal with
 * ct's and rep's zones (either may be NULL). Returns 0, RULES_ESTORE or
 * RULES_EINVALID. Whatever it returns, out is initialized and the caller
 * calls rules_free(out). */
int rules_load(struct store *st, const struct sequence *seq, const struct contact *ct,
	       const struct user *rep, struct rules *out, struct cad_err *err);
void rules_free(struct rules *r);

/* When step done+1 of seq is due when step `done` (0: the enrollment
 * itself) went at `from`: cal_next_due over that step's delay. *due = 0
 * when seq has no step done+1 (the enrollment finishes). 0, or -1 with
 * err. Pure. */
int rules_step_due(const struct cal_rules *r, const struct sequence *seq, int done,
		   cad_time_t from, cad_time_t *due, struct cad_err *err);

/* The same for enrollment enrollment_id, its rules loaded from the store
 * (its sequence, contact and rep, rules_load): what closing a task or
 * recording the rep's own step uses. Returns 0, RULES_ESTORE,
 * RULES_ENOTFOUND (*due 0) or RULES_EINVALID: the rules cannot be applied
 * (err says why) and *due is `from`, the next step due at once, so that
 * cadenced's pass meets the same error at once and pauses the enrollment
 * with the reason, telling its rep; the caller reports err where it
 * reports (a warning, a log line), it does not hide it. */
int rules_enrollment_due(struct store *st, int64_t enrollment_id, int done, cad_time_t from,
			 cad_time_t *due, struct cad_err *err);

#endif
