/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rules.c - the calendar rules of one enrollment from its sequence, zones
 * and holiday calendars. See rules.h.
 */
#include "config.h"

#include <string.h>

#include "rules.h"
#include "store_ledger.h"

int rules_build(const struct sequence *seq, const char *contact_tz, const char *rep_tz,
		const struct holiday_list *hol, struct cal_rules *out, struct cad_err *err)
{
	memset(out, 0, sizeof(*out));
	out->days = seq->days;
	out->window_start = seq->window_start;
	out->window_end = seq->window_end;
	if (hol != NULL) {
		out->holidays = hol->v;
		out->nholidays = hol->n;
	}
	out->zone = cal_zone_choose(contact_tz, seq->tz, rep_tz, err);
	if (out->zone == NULL)
		return -1;
	return cal_rules_check(out, err) < 0 ? -1 : 0;
}

int rules_holidays(struct store *st, const struct sequence *seq, struct holiday_list *out,
		   struct cad_err *err)
{
	/* store_holidays_get() starts out afresh and frees it on failure. */
	if (store_holidays_get(st, seq->holidays, out, err) < 0) {
		cad_err_prefix(err, "holiday calendars of sequence %s",
			       seq->name ? seq->name : "?");
		return -1;
	}
	return 0;
}

int rules_load(struct store *st, const struct sequence *seq, const char *contact_tz,
	       const char *rep_tz, struct rules *out, struct cad_err *err)
{
	memset(out, 0, sizeof(*out));
	holiday_list_init(&out->hol);
	if (rules_holidays(st, seq, &out->hol, err) < 0)
		return RULES_ESTORE;
	if (rules_build(seq, contact_tz, rep_tz, &out->hol, &out->cal, err) < 0)
		return RULES_EINVALID;
	return 0;
}

void rules_free(struct rules *r)
{
	holiday_list_free(&r->hol);
	memset(&r->cal, 0, sizeof(r->cal));
}
