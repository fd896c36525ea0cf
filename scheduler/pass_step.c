/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pass_step.c - what every kind of step of a pass shares (pass_int.h):
 * pausing an enrollment that cannot go on, the next step's due time, the
 * witness time of a message the MTA took, the contact's display name.
 * The pass's loop (pass.c) and its steps (pass_email*.c, pass_task.c)
 * call these; they call nothing of either, so the files have no circle.
 */
#include "config.h"

#include <stdlib.h>

#include "rules.h"
#include "pass_int.h"

void pass_step_times_add(cad_time_t **v, size_t *n, cad_time_t t)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = t;
}

int pass_step_pause(struct sched *s, int64_t enrollment_id, const char *reason,
		    cad_time_t now, struct cad_err *err)
{
	cad_log(CAD_LOG_WARN, "enrollment %lld paused: %s", (long long)enrollment_id, reason);
	return store_enrollment_pause(s->store, enrollment_id, reason, 0, s->actor, now, NULL,
				      err) < 0 ? PASS_STORE : PASS_OK;
}

int pass_step_next_due(const struct sequence *seq, int step, const struct cal_rules *r,
		       cad_time_t from, cad_time_t *due, struct cad_err *err)
{
	return rules_step_due(r, seq, step, from, due, err);
}

/* The milter's witness time (the MTA took it then, not when a restart
 * noticed), kept within [record created, now]. The witness is stamped by
 * another process, possibly on another host: a clock ahead of the pass's
 * must not push the sequence into the future (nothing would be due until
 * that clock's time), nor one behind make it earlier than the record. */
cad_time_t pass_step_witness_time(const struct sent_msg *m, cad_time_t now)
{
	cad_time_t t = m->witnessed_at;
	if (t <= 0 || t > now)
		return now;
	if (m->created_at > 0 && t < m->created_at)
		return m->created_at;
	return t;
}

char *pass_step_contact_display(const struct contact *c)
{
	if (c->firstname && c->lastname)
		return xasprintf("%s %s", c->firstname, c->lastname);
	if (c->firstname)
		return xstrdup(c->firstname);
	return NULL;
}
