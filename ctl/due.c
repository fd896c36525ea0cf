/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * due.c - the due time of the step after a closed task: the calendar
 * rules of the enrollment (src/rules.h, the same rules cadenced builds).
 * See due.h.
 */
#include "config.h"

#include <string.h>

#include "cal.h"
#include "due.h"
#include "rules.h"

int ctl_next_due(struct ctl *c, int64_t enrollment_id, int step, cad_time_t from,
		 cad_time_t *due)
{
	struct enrollment e;
	struct sequence s;
	struct contact k;
	struct user u;
	struct rules r;
	struct cad_err err, rerr;
	const struct step *nx;
	int rc = -1, lr;

	memset(&e, 0, sizeof(e));
	memset(&s, 0, sizeof(s));
	memset(&k, 0, sizeof(k));
	memset(&u, 0, sizeof(u));
	memset(&r, 0, sizeof(r));
	holiday_list_init(&r.hol);
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
	lr = rules_load(c->st, &s, k.tz, u.tz, &r, &rerr);
	if (lr == RULES_ESTORE) {
		ctl_fail(c, "%s", rerr.msg);
		rc = -1;
		goto out;
	}
	if (lr != 0 || cal_next_due(&r.cal, from, nx->delay_days, nx->delay_minutes, due,
				    &rerr) != 0) {
		*due = from;
		fprintf(stderr, "cadencectl: %s: warning: step %d of %s is due now: %s\n",
			c->cmd ? c->cmd : "task", step + 1, s.name, rerr.msg);
	}
out:
	rules_free(&r);
	user_free(&u);
	contact_free(&k);
	sequence_free(&s);
	enrollment_free(&e);
	return rc;
}
