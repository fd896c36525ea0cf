/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * api_v1_events.c - the event log over the API, a page at a time:
 *
 *   GET /v1/events?type=&contactId=&sequenceId=&userId=&enrollmentId=
 *                  &since=&until=&after=&limit=
 *
 * Oldest first; paging.next.after is the cursor of the next page (the last
 * event id of this one), so a client polling with it sees every event once.
 * A rep's token sees only events of that rep's enrollments.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api_v1_list.h"
#include "store_page.h"

void api_v1_events(struct api_call *c)
{
	static const char *const params[] = { "type", "contactId", "sequenceId", "userId",
					      "enrollmentId", "since", "until", "after", "limit",
					      NULL };
	struct cad_err err = { "" };
	struct page_event_filter f;
	struct event *ev = NULL;
	size_t limit, n = 0, i;
	int64_t after;
	const char *key;
	json_t *a;

	if (api_query_only(c, params) < 0 || api_page_params(c, 100, &limit, &after) < 0)
		return;
	memset(&f, 0, sizeof(f));
	if (api_param_time(c, "since", &f.since) < 0 || api_param_time(c, "until", &f.until) < 0)
		return;
	f.type = api_query(c, "type");
	if (api_v1_list_filter(c, &f.user_id, &f.sequence_id, &f.contact_id) < 0)
		return;
	if ((key = api_query(c, "enrollmentId")) != NULL
	    && api_parse_id(key, &f.enrollment_id) < 0) {
		api_error(c, CAT_VALIDATION, "enrollmentId: not an id");
		return;
	}
	if (store_page_events(c->st, &f, after, limit + 1, &ev, &n, &err) < 0) {
		api_store_error(c, &err);
		return;
	}
	a = json_array();
	for (i = 0; i < n && i < limit; i++)
		json_array_append_new(a, api_event_json(&ev[i]));
	api_reply(c, 200, api_v1_list_page(a, n > limit ? ev[limit - 1].id : 0));
	store_events_free(ev, n);
}
