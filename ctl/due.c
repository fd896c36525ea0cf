/*
 * due.c - the due time of the step after a closed task: the calendar
 * rules (src/cal.h) fed from the store. See due.h.
 */
#include "config.h"

#include <string.h>

#include "cal.h"
#include "due.h"
#include "holiday.h"
#include "store_ledger.h"

int ctl_next_due(struct ctl *c, int64_t enrollment_id, int step, cad_time_t from,
		 cad_time_t *due)
{
	struct enrollment e;
	struct sequence s;
	struct contact k;
	struct user u;
	struct holiday_list hol;
	struct cal_rules r;
	struct cad_err err, rerr;
	const struct step *nx;
	int rc = -1;

	memset(&e, 0, sizeof(e));
	memset(&s, 0, sizeof(s));
	memset(&k, 0, sizeof(k));
	memset(&u, 0, sizeof(u));
	holiday_list_init(&hol);
	*due = from;
	if (store_enrollment_get(c->st, enrollment_id, &e, &err) != 0 ||
	    store_sequence_get_id(c->st, e.sequence_id, &s, &err) != 0 ||
	    store_contact_get_id(c->st, e.contact_id, &k, &err) != 0 ||
	    store_user_get_id(c->st, e.user_id, &u, &err) != 0) {
		ctl_fail(c, "enrollment %lld: %s", (long long)enrollment_id, err.msg);
		goto out;
	}
	rc = 0;
	if (step < 0 || (size_t)step >= s.nsteps)
		goto out;   /* no step after it: the enrollment finishes */
	nx = &s.steps[step];   /* steps[] is 0-based: steps[step] is step + 1 */
	if (store_holidays_get(c->st, s.holidays, &hol, &err) != 0) {
		ctl_fail(c, "holidays of %s: %s", s.name, err.msg);
		rc = -1;
		goto out;
	}
	memset(&r, 0, sizeof(r));
	r.days = s.days;
	r.holidays = hol.v;
	r.nholidays = hol.n;
	r.window_start = s.window_start;
	r.window_end = s.window_end;
	r.zone = cal_zone_choose(k.tz, s.tz, u.tz, &rerr);
	if (r.zone == NULL || cal_next_due(&r, from, nx->delay_days, nx->delay_minutes, due,
					   &rerr) != 0) {
		*due = from;
		fprintf(stderr, "cadencectl: %s: warning: step %d of %s is due now: %s\n",
			c->cmd ? c->cmd : "task", step + 1, s.name, rerr.msg);
	}
out:
	holiday_list_free(&hol);
	user_free(&u);
	contact_free(&k);
	sequence_free(&s);
	enrollment_free(&e);
	return rc;
}
