/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * enroll_cap.c - the rolling-24-h warning at enrollment (enroll_cap.h):
 * the rep's sends of the last 24 h and the email steps of the rep's
 * active enrollments due within the next 24 h, weighed by
 * enroll_check_cap() and told by enroll_check_text().
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cal.h"
#include "enroll_cap.h"
#include "enroll_check.h"
#include "ratelimit.h"
#include "store_sched.h"

static int is_new(const int64_t *ids, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

int enroll_cap_note(struct store *st, const struct user *u, const int64_t *ids, size_t nids,
		    const char *single, cad_time_t now, struct sbuf *out, struct cad_err *err)
{
	struct enr_filter f;
	struct enrollment_view *v = NULL;
	struct enroll_check_item *items = NULL;
	struct enroll_check chk;
	struct cad_err zerr;
	cad_time_t *sends = NULL;
	size_t nsends = 0, nv = 0, n = 0, i;
	const struct cal_zone *z;

	if (nids == 0)
		return 0;
	z = cal_zone_get(u->tz && *u->tz ? u->tz : "UTC", &zerr);
	if (z == NULL)
		z = cal_zone_get("UTC", &zerr);
	if (z == NULL) {
		cad_err_set(err, "%s", zerr.msg);
		return -1;
	}
	memset(&f, 0, sizeof(f));
	f.user = u->email;
	f.state = ENR_ACTIVE;
	f.due_before = now + LIMITS_DAY;   /* the only ones the rule weighs */
	if (store_user_sends_since(st, u->id, now - LIMITS_DAY, &sends, &nsends, err) < 0)
		return -1;
	if (store_enrollments(st, &f, &v, &nv, err) < 0) {
		free(sends);
		return -1;
	}
	items = xcalloc(nv ? nv : 1, sizeof(*items));
	for (i = 0; i < nv; i++) {
		const struct enrollment *e = &v[i].e;
		/* the query bounds next_due (set, within 24 h) */
		if (v[i].next_kind != STEP_EMAIL || e->step > v[i].nsteps)
			continue;
		items[n].due = e->next_due;
		items[n].order = e->id;
		items[n].is_new = is_new(ids, nids, e->id);
		n++;
	}
	enroll_check_cap(sends, nsends, u->send_cap_24h, items, n, now, &chk);
	enroll_check_text(&chk, z, now, nids == 1 ? single : NULL, out);
	free(items);
	free(sends);
	store_enrollment_views_free(v, nv);
	return 0;
}
