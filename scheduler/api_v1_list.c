/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * api_v1_list.c - the filters and the page envelope of the /v1/ listings.
 * See api_v1_list.h.
 */
#include "config.h"

#include "api_v1_list.h"

int api_v1_list_filter(struct api_call *c, int64_t *user_id, int64_t *sequence_id,
		       int64_t *contact_id)
{
	struct user rep;
	const char *key;
	int rc;

	if (user_id != NULL) {
		*user_id = 0;
		rc = api_acting_rep(c, api_query(c, "userId"), "userId", 0, &rep);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			*user_id = rep.id;
			user_free(&rep);
		}
	}
	if (sequence_id != NULL) {
		*sequence_id = 0;
		if ((key = api_query(c, "sequenceId")) != NULL) {
			struct sequence s;
			if (api_sequence(c, key, "sequenceId", &s) < 0)
				return -1;
			*sequence_id = s.id;
			sequence_free(&s);
		}
	}
	if (contact_id != NULL) {
		*contact_id = 0;
		if ((key = api_query(c, "contactId")) != NULL) {
			struct contact ct;
			if (api_contact(c, key, "contactId", &ct) < 0)
				return -1;
			*contact_id = ct.id;
			contact_free(&ct);
		}
	}
	return 0;
}

json_t *api_v1_list_page(json_t *results, int64_t next)
{
	json_t *o = json_object();

	api_set(o, "results", results);
	if (next > 0) {
		json_t *p = json_object(), *n = json_object();
		api_set(n, "after", api_idstr(next));
		api_set(p, "next", n);
		api_set(o, "paging", p);
	}
	return o;
}
