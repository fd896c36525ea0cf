/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * api_v1_contacts.c - cadence's own contact endpoints:
 *
 *   POST  /v1/contacts            create (409 when the address is known)
 *   GET   /v1/contacts/{key}      by cadence id, CRM id or address
 *   PATCH /v1/contacts/{key}      update the given fields
 *   POST  /v1/contacts/import     a CSV file (text/csv), all rows or none
 *
 * Each write records an api_call event naming the contact and the token.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "contact_csv.h"
#include "csvfile.h"
#include "holiday.h"
#include "rules.h"
#include "tz.h"

static const char *const fields[] = { "email", "firstname", "lastname", "company", "timezone",
				      "region", "properties", "aliases", NULL };

static int audit(struct api_call *c, int64_t contact_id, const char *what)
{
	struct cad_err err = { "" };
	struct event ev;
	memset(&ev, 0, sizeof(ev));
	ev.at = c->req->now;
	ev.type = (char *)EV_API_CALL;
	ev.contact_id = contact_id;
	ev.actor = c->actor;
	ev.detail = (char *)what;
	if (store_event_add(c->st, &ev, &err) < 0)
		return api_store_error(c, &err);
	return 0;
}

static int take_str(struct api_call *c, json_t *o, const char *key, char **dst)
{
	const char *v;
	int rc = api_field_str(c, o, key, 0, &v);
	if (rc == 0) {
		free(*dst);
		*dst = xstrdup(v);
	}
	return rc;
}

/* The fields of o (but email) into ct. */
static int fill(struct api_call *c, json_t *o, struct contact *ct)
{
	json_t *props = json_object_get(o, "properties"), *aliases = json_object_get(o, "aliases");
	const char *key;
	json_t *v;
	size_t i;

	if (take_str(c, o, "firstname", &ct->firstname) < 0
	    || take_str(c, o, "lastname", &ct->lastname) < 0
	    || take_str(c, o, "company", &ct->company) < 0
	    || take_str(c, o, "timezone", &ct->tz) < 0)
		return -1;
	if (ct->tz && !tz_valid(ct->tz))
		return api_error(c, CAT_VALIDATION, "timezone: not an IANA time zone");
	if (take_str(c, o, "region", &ct->region) < 0)
		return -1;
	if (ct->region && *ct->region != '\0') {
		struct cad_err err = { "" };
		if (!holiday_calendar_valid(ct->region))
			return api_error(c, CAT_VALIDATION, "region: not a holiday calendar name "
					 "(1-32 of A-Z a-z 0-9 _ -)");
		cad_strlower(ct->region);
		if (rules_region_check(c->st, ct->region, &err) != 0)
			return api_error(c, CAT_VALIDATION, "region: %s", err.msg);
	}
	if (props && !json_is_null(props)) {
		if (!json_is_object(props))
			return api_error(c, CAT_VALIDATION, "properties: expected an object");
		json_object_foreach(props, key, v) {
			if (!json_is_string(v) || *key == '\0' || strlen(key) > 64)
				return api_error(c, CAT_VALIDATION, "properties: each value a string, "
						 "each key 1 to 64 bytes");
			contact_set_prop(ct, key, json_string_value(v));
		}
	}
	if (aliases && !json_is_null(aliases)) {
		if (!json_is_array(aliases))
			return api_error(c, CAT_VALIDATION, "aliases: expected an array of addresses");
		json_array_foreach(aliases, i, v) {
			struct cad_err err = { "" };
			if (!json_is_string(v)
			    || contact_csv_aliases(json_string_value(v), ct, &err) < 0)
				return api_error(c, CAT_VALIDATION, "aliases[%zu]: not a mail address",
						 i);
		}
	}
	return 0;
}

static void answer(struct api_call *c, unsigned status, int64_t id)
{
	struct cad_err err = { "" };
	struct contact ct;
	memset(&ct, 0, sizeof(ct));
	if (store_contact_get_id(c->st, id, &ct, &err) != 0)
		api_store_error(c, &err);
	else
		api_reply(c, status, api_contact_json(&ct));
	contact_free(&ct);
}

void api_v1_contact_create(struct api_call *c)
{
	struct cad_err err = { "" };
	struct contact ct, old;
	const char *email;
	json_t *o;
	int created = 0;

	if (api_body_object(c, fields, &o) < 0)
		return;
	memset(&ct, 0, sizeof(ct));
	if (api_field_str(c, o, "email", 1, &email) < 0)
		goto out;
	if (!cad_addr_valid(email)) {
		api_error(c, CAT_VALIDATION, "email: not a mail address");
		goto out;
	}
	memset(&old, 0, sizeof(old));
	if (store_contact_get(c->st, email, &old, &err) == 0) {
		api_error(c, CAT_CONFLICT, "email: contact %lld has this address (PATCH "
			  "/v1/contacts/%lld to change it)", (long long)old.id, (long long)old.id);
		contact_free(&old);
		goto out;
	}
	ct.email = xstrdup(email);
	cad_addr_normalize(ct.email);
	if (fill(c, o, &ct) < 0)
		goto out;
	if (ct.region != NULL && *ct.region == '\0') {
		free(ct.region);
		ct.region = NULL;
	}
	if (store_contact_upsert(c->st, &ct, c->req->now, &created, &err) < 0) {
		api_error(c, CAT_VALIDATION, "%s", err.msg);
		goto out;
	}
	if (audit(c, ct.id, "contact created") == 0)
		answer(c, 201, ct.id);
out:
	contact_free(&ct);
	json_decref(o);
}

void api_v1_contact_get(struct api_call *c)
{
	struct contact ct;
	if (api_contact(c, c->seg[0], "contactId", &ct) < 0)
		return;
	api_reply(c, 200, api_contact_json(&ct));
	contact_free(&ct);
}

void api_v1_contact_update(struct api_call *c)
{
	struct cad_err err = { "" };
	struct contact found, ct;
	json_t *o;
	int created = 0;

	if (api_body_object(c, fields + 1, &o) < 0)
		return;
	if (api_contact(c, c->seg[0], "contactId", &found) < 0) {
		json_decref(o);
		return;
	}
	memset(&ct, 0, sizeof(ct));
	ct.email = xstrdup(found.email);
	if (fill(c, o, &ct) == 0) {
		/* "region": "" clears it (the sequence's calendars apply again);
		 * the upsert keeps a region it is not given. One transaction. */
		int clear = ct.region != NULL && *ct.region == '\0';
		if (clear) {
			free(ct.region);
			ct.region = NULL;
		}
		if (store_begin(c->st, &err) < 0)
			api_store_error(c, &err);
		else if (store_contact_upsert(c->st, &ct, c->req->now, &created, &err) < 0
			 || (clear && store_contact_set_region(c->st, ct.id, NULL, c->req->now,
							       &err) != 0)) {
			store_rollback(c->st);
			api_error(c, CAT_VALIDATION, "%s", err.msg);
		} else if (store_commit(c->st, &err) < 0)
			api_store_error(c, &err);
		else if (audit(c, ct.id, "contact updated") == 0)
			answer(c, 200, ct.id);
	}
	contact_free(&ct);
	contact_free(&found);
	json_decref(o);
}

/* ---- CSV import ---- */

struct import_state {
	struct api_call *c;
	int header_ok;
	size_t created, updated;
	int failed;
};

static int import_row(void *arg, size_t line, char *const *hdr, char *const *f, size_t n,
		      const char *row_err)
{
	struct import_state *is = arg;
	struct cad_err err = { "" };
	struct contact_csv_cols cols;
	struct contact ct;
	int created = 0;

	if (row_err) {
		api_error(is->c, CAT_VALIDATION, "body:%zu: %s", line, row_err);
		return is->failed = 1;
	}
	if (!is->header_ok) {
		if (contact_csv_header(hdr, n, &cols, &err) < 0) {
			api_error(is->c, CAT_VALIDATION, "body:1: %s", err.msg);
			return is->failed = 1;
		}
		is->header_ok = 1;
	}
	if (contact_csv_row(hdr, f, n, &ct, &err) < 0
	    || (ct.region != NULL && rules_region_check(is->c->st, ct.region, &err) != 0)
	    || store_contact_upsert(is->c->st, &ct, is->c->req->now, &created, &err) < 0) {
		api_error(is->c, CAT_VALIDATION, "body:%zu: %s", line, err.msg);
		contact_free(&ct);
		return is->failed = 1;
	}
	if (audit(is->c, ct.id, created ? "contact created (CSV import)"
		  : "contact updated (CSV import)") < 0) {
		contact_free(&ct);
		return is->failed = 1;
	}
	if (created)
		is->created++;
	else
		is->updated++;
	contact_free(&ct);
	return 0;
}

void api_v1_contact_import(struct api_call *c)
{
	struct cad_err err = { "" };
	struct import_state is;
	const char *ct = c->req->content_type;
	json_t *o;

	if (ct == NULL || (!cad_startswith_ci(ct, "text/csv")
			   && !cad_startswith_ci(ct, "application/csv"))) {
		api_error(c, CAT_UNSUPPORTED, "Content-Type: send the CSV file as text/csv");
		return;
	}
	memset(&is, 0, sizeof(is));
	is.c = c;
	if (c->req->body == NULL || c->req->body_len == 0) {
		api_error(c, CAT_VALIDATION, "body: a CSV file with a header row is required");
		return;
	}
	if (csvfile_read_buffer("body", c->req->body, c->req->body_len, import_row, &is, &err) < 0) {
		api_error(c, CAT_VALIDATION, "%s", err.msg);
		return;
	}
	if (is.failed)
		return;
	o = json_object();
	api_set(o, "created", json_integer((json_int_t)is.created));
	api_set(o, "updated", json_integer((json_int_t)is.updated));
	api_reply(c, 200, o);
}
