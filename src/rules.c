/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rules.c - the calendar rules of one enrollment from its sequence,
 * contact (zone, region) and rep. See rules.h.
 */
#include "config.h"

#include <string.h>

#include "rules.h"
#include "store_holiday.h"

const char *rules_calendars(const struct sequence *seq, const struct contact *ct)
{
	if (ct != NULL && ct->region != NULL && ct->region[0] != '\0')
		return ct->region;
	return seq->holidays;
}

int rules_build_zone(const struct sequence *seq, const struct cal_zone *z,
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
	out->zone = z;
	return cal_rules_check(out, err) < 0 ? -1 : 0;
}

int rules_build(const struct sequence *seq, const char *contact_tz, const char *rep_tz,
		const struct holiday_list *hol, struct cal_rules *out, struct cad_err *err)
{
	const struct cal_zone *z = cal_zone_choose(contact_tz, seq->tz, rep_tz, err);
	if (z == NULL) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return rules_build_zone(seq, z, hol, out, err);
}

int rules_holidays(struct store *st, const struct sequence *seq, const struct contact *ct,
		   struct holiday_list *out, struct cad_err *err)
{
	const char *names = rules_calendars(seq, ct);
	int region = names != NULL && names != seq->holidays;

	/* store_holidays_get() starts out afresh and frees it on failure. */
	if (store_holidays_get(st, names, out, err) < 0) {
		if (region)
			cad_err_prefix(err, "holiday calendar %s (the region of contact %s)",
				       names, ct->email ? ct->email : "?");
		else
			cad_err_prefix(err, "holiday calendars of sequence %s",
				       seq->name ? seq->name : "?");
		return RULES_ESTORE;
	}
	if (region && out->n == 0) {
		cad_err_set(err, "contact %s: region \"%s\" names no imported holiday calendar "
			    "(cadencectl holiday import %s FILE, or clear the region)",
			    ct->email ? ct->email : "?", names, names);
		return RULES_EINVALID;
	}
	return 0;
}

int rules_region_check(struct store *st, const char *region, struct cad_err *err)
{
	struct holiday_list l;
	int rc = 0;

	holiday_list_init(&l);
	if (store_holidays_get(st, region, &l, err) < 0) {
		cad_err_prefix(err, "holiday calendar %s", region);
		return RULES_ESTORE;
	}
	if (l.n == 0) {
		cad_err_set(err, "region %s: no holiday calendar of that name (import it first: "
			    "cadencectl holiday import %s FILE)", region, region);
		rc = RULES_EINVALID;
	}
	holiday_list_free(&l);
	return rc;
}

int rules_load(struct store *st, const struct sequence *seq, const struct contact *ct,
	       const struct user *rep, struct rules *out, struct cad_err *err)
{
	int rc;
	memset(out, 0, sizeof(*out));
	holiday_list_init(&out->hol);
	rc = rules_holidays(st, seq, ct, &out->hol, err);
	if (rc != 0)
		return rc;
	if (rules_build(seq, ct ? ct->tz : NULL, rep ? rep->tz : NULL, &out->hol, &out->cal,
			err) < 0)
		return RULES_EINVALID;
	return 0;
}

void rules_free(struct rules *r)
{
	holiday_list_free(&r->hol);
	memset(&r->cal, 0, sizeof(r->cal));
}

int rules_step_due(const struct cal_rules *r, const struct sequence *seq, int done,
		   cad_time_t from, cad_time_t *due, struct cad_err *err)
{
	const struct step *nx;
	*due = 0;
	if (done < 0)
		return cad_err_set(err, "step %d does not exist", done);
	if ((size_t)done >= seq->nsteps)
		return 0;
	nx = &seq->steps[done];   /* steps[] is 0-based: steps[done] is step done+1 */
	if (cal_next_due(r, from, nx->delay_days, nx->delay_minutes, due, err) < 0) {
		*due = 0;
		cad_err_prefix(err, "step %d of %s", done + 1, seq->name ? seq->name : "?");
		return -1;
	}
	return 0;
}

/* A store look-up's result as ours. */
static int found(int rc)
{
	return rc == 0 ? 0 : rc == STORE_NOTFOUND ? RULES_ENOTFOUND : RULES_ESTORE;
}

int rules_enrollment_due(struct store *st, int64_t enrollment_id, int done, cad_time_t from,
			 cad_time_t *due, struct cad_err *err)
{
	struct enrollment e;
	struct sequence s;
	struct contact k;
	struct user u;
	struct rules r;
	int rc;

	memset(&e, 0, sizeof(e));
	memset(&s, 0, sizeof(s));
	memset(&k, 0, sizeof(k));
	memset(&u, 0, sizeof(u));
	memset(&r, 0, sizeof(r));
	holiday_list_init(&r.hol);
	*due = 0;
	rc = found(store_enrollment_get(st, enrollment_id, &e, err));
	if (rc == 0)
		rc = found(store_sequence_get_id(st, e.sequence_id, &s, err));
	if (rc == 0)
		rc = found(store_contact_get_id(st, e.contact_id, &k, err));
	if (rc == 0)
		rc = found(store_user_get_id(st, e.user_id, &u, err));
	if (rc != 0)
		cad_err_prefix(err, "enrollment %lld", (long long)enrollment_id);
	else if (done >= 0 && (size_t)done < s.nsteps)
		rc = rules_load(st, &s, &k, &u, &r, err);
	if (rc == 0 && rules_step_due(&r.cal, &s, done, from, due, err) < 0)
		rc = RULES_EINVALID;
	if (rc == RULES_EINVALID) {
		cad_err_prefix(err, "enrollment %lld", (long long)enrollment_id);
		*due = from;   /* due at once: the pass pauses it, saying why */
	}
	rules_free(&r);
	user_free(&u);
	contact_free(&k);
	sequence_free(&s);
	enrollment_free(&e);
	return rc;
}
