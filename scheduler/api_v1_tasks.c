/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * api_v1_tasks.c - a rep's task queue over the API:
 *
 *   GET  /v1/tasks?userId=&state=open|done|skipped|all
 *   POST /v1/tasks/{id}/complete   {outcome, note}
 *   POST /v1/tasks/{id}/skip       {note}
 *
 * Closing a task the sequence waits on moves the enrollment to its next
 * step, due by the sequence's calendar counted from now (as cadencectl task
 * complete does); a rep's token sees and closes only that rep's tasks.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "cal.h"
#include "rules.h"

static json_t *task_json(const struct task_view *v)
{
	json_t *o = json_object();
	api_set(o, "id", api_idstr(v->t.id));
	api_set(o, "kind", json_string(step_kind_name(v->t.kind)));
	api_set(o, "state", json_string(task_state_name(v->t.state)));
	api_set(o, "enrollmentId", api_idstr(v->t.enrollment_id));
	api_set(o, "step", json_integer(v->t.step));
	api_set(o, "contactEmail", api_str(v->contact_email));
	api_set(o, "sequenceName", api_str(v->sequence_name));
	api_set(o, "userId", api_idstr(v->t.user_id));
	api_set(o, "userEmail", api_str(v->user_email));
	api_set(o, "dueAt", api_time(v->t.due_at));
	api_set(o, "note", api_str(v->t.note));
	api_set(o, "outcome", api_str(v->outcome));
	api_set(o, "createdAt", api_time(v->t.created_at));
	api_set(o, "closedAt", api_time(v->t.closed_at));
	return o;
}

void api_v1_tasks(struct api_call *c)
{
	static const char *const params[] = { "userId", "state", NULL };
	struct cad_err err = { "" };
	struct task_view *v = NULL;
	struct user rep;
	size_t n = 0, i;
	const char *state = api_query(c, "state");
	int st = TASK_OPEN, rc;
	json_t *o, *a;

	if (api_query_only(c, params) < 0)
		return;
	if (state != NULL) {
		if (strcmp(state, "open") == 0) st = TASK_OPEN;
		else if (strcmp(state, "done") == 0) st = TASK_DONE;
		else if (strcmp(state, "skipped") == 0) st = TASK_SKIPPED;
		else if (strcmp(state, "all") == 0) st = -1;
		else {
			api_error(c, CAT_VALIDATION, "state: one of open, done, skipped, all");
			return;
		}
	}
	memset(&rep, 0, sizeof(rep));
	rc = api_acting_rep(c, api_query(c, "userId"), "userId", 0, &rep);
	if (rc < 0)
		return;
	if (store_tasks(c->st, rc == 0 ? rep.email : NULL, st, &v, &n, &err) < 0) {
		api_store_error(c, &err);
		user_free(&rep);
		return;
	}
	a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, task_json(&v[i]));
	o = json_object();
	api_set(o, "results", a);
	api_reply(c, 200, o);
	store_task_views_free(v, n);
	user_free(&rep);
}

/* When the step after `step` is due, counted from now (rules_enrollment_due);
 * now itself when the rules cannot be applied: logged, and cadenced then
 * pauses the enrollment saying why. */
static int next_due(struct api_call *c, int64_t enr, int step, cad_time_t *due)
{
	struct cad_err err = { "" };
	int rc = rules_enrollment_due(c->st, enr, step, c->req->now, due, &err);

	if (rc == RULES_EINVALID)
		cad_log(CAD_LOG_WARN, "API: step %d is due now: %s", step + 1, err.msg);
	else if (rc != 0)
		return api_store_error(c, &err);
	if (*due == 0)
		*due = c->req->now;   /* no step after it: the enrollment finishes */
	return 0;
}

static void close_task(struct api_call *c, enum task_state to)
{
	static const char *const f_done[] = { "outcome", "note", NULL };
	static const char *const f_skip[] = { "note", NULL };
	struct cad_err err = { "" };
	struct task_view *t = NULL;
	const char *outcome = NULL, *note = NULL;
	cad_time_t due;
	json_t *o = NULL;
	int64_t id;
	int rc;

	if (api_parse_id(c->seg[0], &id) < 0) {
		api_error(c, CAT_NOT_FOUND, "taskId: no task %s", c->seg[0]);
		return;
	}
	if (c->req->body_len > 0 && api_body_object(c, to == TASK_DONE ? f_done : f_skip, &o) < 0)
		return;
	if (o && (api_field_str(c, o, "outcome", 0, &outcome) < 0
		  || api_field_str(c, o, "note", 0, &note) < 0))
		goto out;
	if (outcome && !task_outcome_valid(outcome)) {
		api_error(c, CAT_VALIDATION, "outcome: one of " TASK_OUTCOMES);
		goto out;
	}
	if (note && strlen(note) > TASK_NOTE_MAX) {
		api_error(c, CAT_VALIDATION, "note: at most %d bytes", TASK_NOTE_MAX);
		goto out;
	}
	rc = store_task_get(c->st, id, &t, &err);
	if (rc < 0) {
		api_store_error(c, &err);
		goto out;
	}
	if (rc == STORE_NOTFOUND) {
		api_error(c, CAT_NOT_FOUND, "taskId: no task %s", c->seg[0]);
		goto out;
	}
	if (!api_may_act_for(c, t->t.user_id)) {
		api_error(c, CAT_SCOPES, "task %s is another rep's", c->seg[0]);
		goto out;
	}
	if (t->t.state != TASK_OPEN) {
		api_error(c, CAT_CONFLICT, "task %s: already %s", c->seg[0],
			  task_state_name(t->t.state));
		goto out;
	}
	if (next_due(c, t->t.enrollment_id, t->t.step, &due) < 0)
		goto out;
	if (store_task_close_with(c->st, id, to, outcome, note, due, c->actor, c->req->now,
				  &err) != 0) {
		api_store_error(c, &err);
		goto out;
	}
	store_task_views_free(t, 1);
	t = NULL;
	if (store_task_get(c->st, id, &t, &err) != 0)
		api_store_error(c, &err);
	else
		api_reply(c, 200, task_json(t));
out:
	if (t)
		store_task_views_free(t, 1);
	json_decref(o);
}

void api_v1_task_complete(struct api_call *c)
{
	close_task(c, TASK_DONE);
}

void api_v1_task_skip(struct api_call *c)
{
	close_task(c, TASK_SKIPPED);
}
