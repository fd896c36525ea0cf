/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rules.h - the calendar rules of one enrollment (struct cal_rules), built
 * the same way by everyone who needs them: cadenced's pass, cadencectl's
 * "task complete"/"task skip", and any other caller that asks when a step
 * of an enrollment is due.
 *
 * The rules come from:
 * - the sequence: follow-up days, sending window, default zone and the
 *   holiday calendars it honours (a comma-separated list of names);
 * - the recipient's zone: the contact's, else the sequence's default,
 *   else the rep's (cal_zone_choose: the first one present decides, and a
 *   bad one is an error naming it, never a silent fallback);
 * - the dates of the sequence's calendars, fetched from the store
 *   (store_holidays_get).
 *
 * Ownership: struct cal_rules only borrows its holiday array. rules_build()
 * leaves it pointing into the caller's list (the list must outlive the
 * rules); rules_load() fetches the list into struct rules, which owns it
 * and frees it in rules_free().
 *
 * rules_build() is pure (no clock, no store). rules_load() reads the store
 * through store_holidays_get() and nothing else.
 */
#ifndef CADENCE_RULES_H
#define CADENCE_RULES_H

#include "cal.h"
#include "holiday.h"
#include "model.h"
#include "store.h"
#include "util.h"

/* rules_load() results besides 0. */
#define RULES_ESTORE (-1)    /* the store failed: err says why */
#define RULES_EINVALID (-2)  /* the rules cannot be applied (a bad or missing
                              * zone, a bad window): err says why */

/* The rules of one enrollment with the holiday list they point into. */
struct rules {
	struct cal_rules cal;      /* cal.holidays points into hol.v */
	struct holiday_list hol;   /* owned */
};

/* Fills *out from seq, the contact's and the rep's zones (NULL or "" for
 * none) and hol (the sequence's calendars' dates sorted by date, as
 * store_holidays_get or holiday_select return them; NULL for none), then
 * checks the result (cal_rules_check). out borrows hol->v. 0 on success,
 * else -1 with err naming the problem ("time zone ... (the contact's)",
 * "window start ..."); *out is then still safe to copy but not to use. */
int rules_build(const struct sequence *seq, const char *contact_tz, const char *rep_tz,
		const struct holiday_list *hol, struct cal_rules *out, struct cad_err *err);

/* Fetches the dates of seq's calendars from the store into out (which
 * the caller initialized); an unknown calendar has no dates. 0 or -1. */
int rules_holidays(struct store *st, const struct sequence *seq, struct holiday_list *out,
		   struct cad_err *err);

/* rules_holidays() into out->hol, then rules_build() into out->cal.
 * Returns 0, RULES_ESTORE or RULES_EINVALID. Whatever it returns, out is
 * initialized and the caller calls rules_free(out). */
int rules_load(struct store *st, const struct sequence *seq, const char *contact_tz,
	       const char *rep_tz, struct rules *out, struct cad_err *err);
void rules_free(struct rules *r);

#endif
