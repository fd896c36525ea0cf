/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_holiday.h - the holiday calendars kept in the store
 * (store_holiday.c): imported whole by cadencectl, read by the rules.
 *
 * Guarantees: a calendar is replaced in one transaction with its event;
 * reading an unknown calendar is not an error (it has no dates).
 * Errors: -1 with err set.
 */
#ifndef CADENCE_STORE_HOLIDAY_H
#define CADENCE_STORE_HOLIDAY_H

#include "holiday.h"
#include "store.h"

/* Replaces every date of the named calendar with l's (one transaction,
 * event "holidays_imported" with the count). */
int store_holidays_replace(struct store *st, const char *calendar, const struct holiday_list *l,
			   const char *actor, cad_time_t now, struct cad_err *err);
/* The dates of the comma-separated calendars (NULL or "" = none), sorted
 * by date; an unknown calendar name is not an error (it has no dates). */
int store_holidays_get(struct store *st, const char *calendars, struct holiday_list *out,
		       struct cad_err *err);

#endif
