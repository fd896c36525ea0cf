/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * api_v1_enroll.c - cadence's own enrollment endpoints:
 *
 *   GET  /v1/enrollments?state=&sequenceId=&contactId=&userId=&after=&limit=
 *   GET  /v1/enrollments/{id}
 *   POST /v1/enrollments/{id}/unenroll   {reason}
 *   POST /v1/enrollments/{id}/pause      {reason, until}
 *   POST /v1/enrollments/{id}/resume     {}
 *
 * A rep's token sees and changes only that rep's enrollments.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api_v1_list.h"
#include "store_page.h"

void api_v1_enrollments(struct api_call *c)
{
	static const char *const params[] = { "state", "sequenceId", "contactId", "userId",
					      "after", "limit", NULL };
	struct cad_err err = { "" };
	struct page_enr_filter f;
	struct enrollment_view *v = NULL;
	size_t limit, n = 0, i;
	int64_t after;
	const char *state = api_query(c, "state");
	json_t *results;
	enum enr_state es;

	if (api_query_only(c, params) < 0 || api_page_params(c, 100, &limit, &after) < 0)
		return;
	memset(&f, 0, sizeof(f));
	f.state = -1;
	if (state != NULL) {
		if (enr_state_parse(state, &es) < 0) {
			api_error(c, CAT_VALIDATION, "state: one of active, paused, finished, "
				  "unenrolled");
			return;
		}
		f.state = (int)es;
	}
	if (api_v1_list_filter(c, &f.user_id, &f.sequence_id, &f.contact_id) < 0)
		return;
	/* One more than asked says whether there is a next page. */
	if (store_page_enrollments(c->st, &f, after, limit + 1, &v, &n, &err) < 0) {
		api_store_error(c, &err);
		return;
	}
	results = json_array();
	for (i = 0; i < n && i < limit; i++)
		json_array_append_new(results, api_enrollment_json(&v[i]));
	api_reply(c, 200, api_v1_list_page(results, n > limit ? v[limit - 1].e.id : 0));
	store_enrollment_views_free(v, n);
}

void api_v1_enrollment(struct api_call *c)
{
	struct enrollment_view *v;
	if (api_enrollment(c, c->seg[0], &v) < 0)
		return;
	api_reply(c, 200, api_enrollment_json(v));
	store_enrollment_views_free(v, 1);
}

/* The enrollment again, after a change. */
static void answer(struct api_call *c, int changed)
{
	struct enrollment_view *v;
	json_t *o;
	if (api_enrollment(c, c->seg[0], &v) < 0)
		return;
	o = api_enrollment_json(v);
	api_set(o, "changed", json_boolean(changed));
	api_reply(c, 200, o);
	store_enrollment_views_free(v, 1);
}

enum change { CH_UNENROLL, CH_PAUSE, CH_RESUME };

static void change(struct api_call *c, enum change what)
{
	static const char *const f_reason[] = { "reason", NULL };
	static const char *const f_pause[] = { "reason", "until", NULL };
	static const char *const f_none[] = { NULL };
	struct cad_err err = { "" };
	struct enrollment_view *v;
	const char *reason = NULL, *until_s = NULL;
	cad_time_t until = 0;
	json_t *o = NULL;
	int count = 0, rc;

	if (api_enrollment(c, c->seg[0], &v) < 0)
		return;
	store_enrollment_views_free(v, 1);
	if (c->req->body_len > 0
	    && api_body_object(c, what == CH_PAUSE ? f_pause
			       : what == CH_UNENROLL ? f_reason : f_none, &o) < 0)
		return;
	if (o && (api_field_str(c, o, "reason", 0, &reason) < 0
		  || api_field_str(c, o, "until", 0, &until_s) < 0))
		goto out;
	if (reason && strlen(reason) > 500) {
		api_error(c, CAT_VALIDATION, "reason: at most 500 bytes");
		goto out;
	}
	if (until_s && (cad_time_parse(until_s, &until) < 0 || until <= c->req->now)) {
		api_error(c, CAT_VALIDATION, "until: a time to come (ISO 8601)");
		goto out;
	}
	if (what == CH_UNENROLL)
		rc = store_unenroll(c->st, SCOPE_ENROLLMENT, c->seg[0], reason, c->actor,
				    c->req->now, &count, &err);
	else if (what == CH_PAUSE)
		rc = store_pause(c->st, SCOPE_ENROLLMENT, c->seg[0], reason, until, c->actor,
				 c->req->now, &count, &err);
	else
		rc = store_resume(c->st, SCOPE_ENROLLMENT, c->seg[0], c->actor, c->req->now, &count,
				  &err);
	if (rc < 0)
		api_store_error(c, &err);
	else
		answer(c, count > 0);
out:
	json_decref(o);
}

void api_v1_unenroll(struct api_call *c)
{
	change(c, CH_UNENROLL);
}

void api_v1_pause(struct api_call *c)
{
	change(c, CH_PAUSE);
}

void api_v1_resume(struct api_call *c)
{
	change(c, CH_RESUME);
}
