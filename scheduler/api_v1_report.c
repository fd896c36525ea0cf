/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * api_v1_report.c - why an enrollment waits, and the sequence report:
 *
 *   GET /v1/enrollments/{id}/why       why.h: the reason, in a rep's words
 *   GET /v1/reports?by=sequence|step|rep&from=&to=&sequenceId=&userId=
 *                                      store_report.h's counts
 *
 * A rep's token asks only about its own enrollments, and its report is
 * its own rows.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api_v1_list.h"
#include "store_report.h"
#include "why.h"

void api_v1_why(struct api_call *c)
{
	struct cad_err err = { "" };
	struct enrollment_view *v;
	struct why_conf cf;
	struct why w;
	json_t *o;
	int rc;

	if (api_enrollment(c, c->seg[0], &v) < 0)
		return;
	memset(&cf, 0, sizeof(cf));
	cf.spacing_seconds = c->ctx->spacing_seconds;
	cf.spacing_jitter = c->ctx->spacing_jitter;
	cf.domain_daily_cap = c->ctx->domain_daily_cap;
	memset(&w, 0, sizeof(w));
	rc = why_enrollment(c->st, &cf, v->e.id, c->req->now, &w, &err);
	if (rc != 0) {
		api_store_error(c, &err);
	} else {
		o = json_object();
		api_set(o, "enrollmentId", api_idstr(v->e.id));
		api_set(o, "reason", json_string(why_reason_key(w.kind)));
		api_set(o, "text", json_string(w.text));
		api_set(o, "step", json_integer(w.step));
		api_set(o, "due", api_time(w.due));
		api_set(o, "until", api_time(w.until));
		if (w.cap > 0) {
			api_set(o, "used", json_integer(w.used));
			api_set(o, "cap", json_integer(w.cap));
		}
		api_set(o, "taskId", api_idstr(w.task_id));
		api_reply(c, 200, o);
	}
	store_enrollment_views_free(v, 1);
}

static json_t *row_json(const struct report_row *r, enum report_by by)
{
	json_t *o = json_object(), *reasons = json_object(), *outcomes = json_object();
	size_t i;
	if (by == REPORT_BY_REP) {
		api_set(o, "userId", api_idstr(r->user_id));
		api_set(o, "user", api_str(r->user));
	} else {
		api_set(o, "sequenceId", api_idstr(r->sequence_id));
		api_set(o, "sequence", api_str(r->sequence));
		if (by == REPORT_BY_STEP)
			api_set(o, "step", json_integer(r->step));
	}
	api_set(o, "enrolled", json_integer(r->enrolled));
	api_set(o, "sent", json_integer(r->sent));
	api_set(o, "contacted", json_integer(r->contacted));
	api_set(o, "replied", json_integer(r->replied));
	api_set(o, "meetings", json_integer(r->meetings));
	api_set(o, "bounced", json_integer(r->bounced));
	api_set(o, "unsubscribed", json_integer(r->unsubscribed));
	api_set(o, "outOfOffice", json_integer(r->ooo));
	api_set(o, "unenrolled", json_integer(r->unenrolled));
	for (i = 0; i < r->nreasons; i++)
		api_set(reasons, r->reasons[i].reason, json_integer(r->reasons[i].count));
	api_set(o, "unenrolledReasons", reasons);
	api_set(o, "tasksDone", json_integer(r->tasks_done));
	api_set(o, "tasksSkipped", json_integer(r->tasks_skipped));
	api_set(o, "tasksOverdue", json_integer(r->tasks_overdue));
	for (i = 0; i < REPORT_OUTCOMES; i++)
		api_set(outcomes, report_outcome_names[i], json_integer(r->outcomes[i]));
	api_set(o, "outcomes", outcomes);
	return o;
}

void api_v1_report(struct api_call *c)
{
	static const char *const params[] = { "by", "from", "to", "sequenceId", "userId", NULL };
	struct cad_err err = { "" };
	struct report_filter f;
	struct report_row *rows = NULL;
	const char *by = api_query(c, "by");
	size_t n = 0, i;
	json_t *a, *o;

	memset(&f, 0, sizeof(f));
	if (api_query_only(c, params) < 0 || api_param_time(c, "from", &f.from) < 0
	    || api_param_time(c, "to", &f.to) < 0)
		return;
	if (by == NULL || strcmp(by, "sequence") == 0)
		f.by = REPORT_BY_SEQUENCE;
	else if (strcmp(by, "step") == 0)
		f.by = REPORT_BY_STEP;
	else if (strcmp(by, "rep") == 0)
		f.by = REPORT_BY_REP;
	else {
		api_error(c, CAT_VALIDATION, "by: one of sequence, step, rep");
		return;
	}
	f.now = c->req->now;
	if (api_v1_list_filter(c, &f.user_id, &f.sequence_id, NULL) < 0)
		return;
	if (store_report(c->st, &f, &rows, &n, &err) < 0) {
		api_store_error(c, &err);
		return;
	}
	a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, row_json(&rows[i], f.by));
	o = json_object();
	api_set(o, "by", json_string(f.by == REPORT_BY_REP ? "rep" : f.by == REPORT_BY_STEP
				     ? "step" : "sequence"));
	api_set(o, "from", api_time(f.from));
	api_set(o, "to", api_time(f.to));
	api_set(o, "results", a);
	api_reply(c, 200, o);
	store_report_free(rows, n);
}
