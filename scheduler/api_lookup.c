/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * api_lookup.c - what every endpoint looks up: the rep a call acts as, a
 * contact by id / CRM id / address, a sequence, an enrollment the call may
 * see; and the JSON of cadence's own objects. See api_int.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "store_page.h"

static int rep_by_key(struct api_call *c, const char *key, const char *field,
		      struct user *out)
{
	struct cad_err err = { "" };
	int64_t id;
	int rc;

	if (api_parse_id(key, &id) == 0)
		rc = store_user_get_id(c->st, id, out, &err);
	else
		rc = store_user_get(c->st, key, out, &err);
	if (rc < 0)
		return api_store_error(c, &err);
	if (rc == STORE_NOTFOUND || !out->active) {
		user_free(out);
		return api_error(c, CAT_NOT_FOUND, "%s: no active rep %s", field, key);
	}
	return 0;
}

int api_acting_rep(struct api_call *c, const char *asked, const char *field, int required,
		   struct user *out)
{
	memset(out, 0, sizeof(out[0]));
	if (!c->tok.admin) {
		if (rep_by_key(c, c->tok.user_email, "token", out) < 0)
			return -1;
		if (asked != NULL && *asked != '\0') {
			int64_t id;
			int same = api_parse_id(asked, &id) == 0 ? id == out->id
				: cad_strcaseeq(asked, out->email);
			if (!same) {
				user_free(out);
				return api_error(c, CAT_SCOPES, "%s: this token acts only as %s",
						 field, c->tok.user_email);
			}
		}
		return 0;
	}
	if (asked == NULL || *asked == '\0') {
		if (required)
			return api_error(c, CAT_VALIDATION, "%s: required with an admin token", field);
		return 1;
	}
	return rep_by_key(c, asked, field, out);
}

int api_may_act_for(const struct api_call *c, int64_t user_id)
{
	return c->tok.admin || c->tok.user_id == user_id;
}

int api_require_admin(struct api_call *c)
{
	if (c->tok.admin)
		return 0;
	return api_error(c, CAT_SCOPES, "this needs an admin token (cadencectl token add NAME "
			 "--admin)");
}

int api_contact(struct api_call *c, const char *key, const char *field, struct contact *out)
{
	struct cad_err err = { "" };
	int64_t id = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (strchr(key, '@') != NULL) {
		rc = store_contact_get(c->st, key, out, &err);
	} else {
		rc = store_page_contact_by_crm(c->st, key, &id, &err);
		if (rc == STORE_NOTFOUND && api_parse_id(key, &id) < 0)
			return api_error(c, CAT_NOT_FOUND, "%s: no contact %s", field, key);
		if (rc == 0 || rc == STORE_NOTFOUND)
			rc = store_contact_get_id(c->st, id, out, &err);
		else if (rc > 0)
			rc = -1;
	}
	if (rc < 0) {
		if (strstr(err.msg, "CRM id") != NULL)
			return api_error(c, CAT_CONFLICT, "%s: %s", field, err.msg);
		return api_store_error(c, &err);
	}
	if (rc == STORE_NOTFOUND)
		return api_error(c, CAT_NOT_FOUND, "%s: no contact %s", field, key);
	return 0;
}

int api_sequence(struct api_call *c, const char *key, const char *field, struct sequence *out)
{
	struct cad_err err = { "" };
	int64_t id;
	int rc;

	memset(out, 0, sizeof(*out));
	if (api_parse_id(key, &id) == 0)
		rc = store_sequence_get_id(c->st, id, out, &err);
	else
		rc = store_sequence_get(c->st, key, out, &err);
	if (rc < 0)
		return api_store_error(c, &err);
	if (rc == STORE_NOTFOUND)
		return api_error(c, CAT_NOT_FOUND, "%s: no sequence %s", field, key);
	return 0;
}

int api_enrollment(struct api_call *c, const char *key, struct enrollment_view **out)
{
	struct cad_err err = { "" };
	int64_t id;
	int rc;

	*out = NULL;
	if (api_parse_id(key, &id) < 0)
		return api_error(c, CAT_NOT_FOUND, "enrollmentId: no enrollment %s", key);
	*out = xcalloc(1, sizeof(**out));
	rc = store_page_enrollment_get(c->st, id, *out, &err);
	if (rc == 0 && !api_may_act_for(c, (*out)->e.user_id))
		rc = api_error(c, CAT_SCOPES, "enrollment %s is another rep's", key);
	else if (rc == STORE_NOTFOUND)
		rc = api_error(c, CAT_NOT_FOUND, "enrollmentId: no enrollment %s", key);
	else if (rc < 0)
		api_store_error(c, &err);
	if (rc != 0) {
		store_enrollment_views_free(*out, 1);
		*out = NULL;
		return -1;
	}
	return 0;
}

json_t *api_enrollment_json(const struct enrollment_view *v)
{
	json_t *o = json_object();
	const struct enrollment *e = &v->e;
	api_set(o, "id", api_idstr(e->id));
	api_set(o, "state", json_string(enr_state_name(e->state)));
	api_set(o, "contactId", api_idstr(e->contact_id));
	api_set(o, "toEmail", api_str(v->contact_email));
	api_set(o, "sequenceId", api_idstr(e->sequence_id));
	api_set(o, "sequenceName", api_str(v->sequence_name));
	api_set(o, "userId", api_idstr(e->user_id));
	api_set(o, "senderEmail", api_str(v->user_email));
	api_set(o, "step", json_integer(e->step));
	api_set(o, "steps", json_integer(v->nsteps));
	api_set(o, "nextDue", api_time(e->next_due));
	api_set(o, "reason", api_str(e->reason));
	api_set(o, "pausedUntil", api_time(e->paused_until));
	api_set(o, "enrolledAt", api_time(e->enrolled_at));
	api_set(o, "updatedAt", api_time(e->updated_at));
	api_set(o, "enrolledBy", api_str(e->enrolled_by));
	return o;
}

json_t *api_contact_json(const struct contact *ct)
{
	json_t *o = json_object(), *props = json_object(), *aliases = json_array();
	size_t i;
	api_set(o, "id", api_idstr(ct->id));
	api_set(o, "email", api_str(ct->email));
	api_set(o, "firstname", api_str(ct->firstname));
	api_set(o, "lastname", api_str(ct->lastname));
	api_set(o, "company", api_str(ct->company));
	api_set(o, "timezone", api_str(ct->tz));
	api_set(o, "region", api_str(ct->region));
	for (i = 0; i < ct->nprops; i++)
		api_set(props, ct->props[i].key, api_str(ct->props[i].value));
	for (i = 0; i < ct->naliases; i++)
		json_array_append_new(aliases, json_string(ct->aliases[i]));
	api_set(o, "properties", props);
	api_set(o, "aliases", aliases);
	api_set(o, "createdAt", api_time(ct->created_at));
	return o;
}

json_t *api_event_json(const struct event *e)
{
	json_t *o = json_object();
	api_set(o, "id", api_idstr(e->id));
	api_set(o, "type", api_str(e->type));
	api_set(o, "occurredAt", api_time(e->at));
	api_set(o, "enrollmentId", api_idstr(e->enrollment_id));
	api_set(o, "contactId", api_idstr(e->contact_id));
	api_set(o, "contactEmail", api_str(e->contact_email));
	api_set(o, "sequenceId", api_idstr(e->sequence_id));
	api_set(o, "sequenceName", api_str(e->sequence_name));
	api_set(o, "userId", api_idstr(e->user_id));
	api_set(o, "userEmail", api_str(e->user_email));
	api_set(o, "actor", api_str(e->actor));
	api_set(o, "detail", api_str(e->detail));
	return o;
}
