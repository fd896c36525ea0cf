/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pass_task.c - a task step of the pass (manual email, call, LinkedIn,
 * general): a task for the enrolling rep, due when the rep's own working
 * window opens; the enrollment waits for it unless the step says not to.
 * See pass_int.h for the return values.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pass_int.h"
#include "tmpl.h"

int pass_task_step(const struct pass_item *it, struct cad_err *err)
{
	const struct enrollment_view *v = it->v;
	const struct step *step = it->step;
	struct task t;
	struct sbuf note;
	struct tmpl_ctx ctx = { it->ct, &it->rep->user, NULL };
	struct cad_err terr = { "" };
	struct cal_rules rr = *it->r;
	cad_time_t due = it->now, next = 0;
	int rc;

	/* Due when the rep's own window opens (their zone, the sequence's hours). */
	rr.zone = it->rep->zone;
	if (rr.zone == NULL || cal_next_open(&rr, it->now, &due, &terr) < 0)
		due = it->now;
	if (!step->wait && pass_step_next_due(&it->se->seq, v->e.step, it->r, it->now, &next, err) < 0)
		return PASS_ITEM;
	sbuf_init(&note);
	if (step->body && tmpl_render(step->body, &ctx, &note, &terr) < 0) {
		/* The note is for the rep: show the template rather than fail. */
		sbuf_reset(&note);
		sbuf_adds(&note, step->body);
	}
	if (step->kind == STEP_LINKEDIN) {
		const char *url = contact_prop(it->ct, "linkedin");
		if (url == NULL)
			url = contact_prop(it->ct, "linkedin_url");
		if (url != NULL)
			sbuf_addf(&note, "%sLinkedIn: %s", note.len ? "\n" : "", url);
	}
	memset(&t, 0, sizeof(t));
	t.enrollment_id = v->e.id;
	t.user_id = v->e.user_id;
	t.step = v->e.step;
	t.kind = step->kind;
	t.state = TASK_OPEN;
	t.due_at = due;
	t.note = note.s;
	rc = store_task_step(it->s->store, &t, step->wait, next, it->s->actor, it->now, err);
	sbuf_free(&note);
	if (rc < 0)
		return PASS_STORE;
	it->stats->tasks++;
	return PASS_OK;
}
