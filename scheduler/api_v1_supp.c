/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * api_v1_supp.c - the suppression list over the API:
 *
 *   GET    /v1/suppressions
 *   POST   /v1/suppressions           {address | domain, kind, note}
 *   DELETE /v1/suppressions/{pattern}  (admin tokens only)
 *
 * Every rep may read the list and add to it (a rep learns that a contact is
 * a customer); removing an entry is an administrator's decision.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api_int.h"

#define KINDS "customer, partner, competitor, former_employee, unsubscribed, bounced, " \
	"complaint, manual"

static json_t *supp_json(const struct suppression *s)
{
	json_t *o = json_object();
	api_set(o, "id", api_idstr(s->id));
	api_set(o, "pattern", api_str(s->pattern));
	api_set(o, "type", json_string(s->is_domain ? "domain" : "address"));
	api_set(o, "kind", json_string(supp_kind_name(s->kind)));
	api_set(o, "note", api_str(s->note));
	api_set(o, "createdAt", api_time(s->created_at));
	return o;
}

void api_v1_supp_list(struct api_call *c)
{
	static const char *const params[] = { NULL };
	struct cad_err err = { "" };
	struct suppression *s = NULL;
	size_t n = 0, i;
	json_t *o, *a;

	if (api_query_only(c, params) < 0)
		return;
	if (store_suppress_list(c->st, &s, &n, &err) < 0) {
		api_store_error(c, &err);
		return;
	}
	a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, supp_json(&s[i]));
	o = json_object();
	api_set(o, "results", a);
	api_reply(c, 200, o);
	store_suppressions_free(s, n);
}

void api_v1_supp_add(struct api_call *c)
{
	static const char *const fields[] = { "address", "domain", "kind", "note", NULL };
	struct cad_err err = { "" };
	struct suppression s;
	const char *addr = NULL, *dom = NULL, *kind = NULL, *note = NULL;
	json_t *o;

	if (api_body_object(c, fields, &o) < 0)
		return;
	memset(&s, 0, sizeof(s));
	if (api_field_str(c, o, "address", 0, &addr) < 0 || api_field_str(c, o, "domain", 0, &dom) < 0
	    || api_field_str(c, o, "kind", 1, &kind) < 0 || api_field_str(c, o, "note", 0, &note) < 0)
		goto out;
	if ((addr == NULL) == (dom == NULL)) {
		api_error(c, CAT_VALIDATION, "address, domain: give exactly one of them");
		goto out;
	}
	if (supp_kind_parse(kind, &s.kind) < 0) {
		api_error(c, CAT_VALIDATION, "kind: one of " KINDS);
		goto out;
	}
	if (addr && !cad_addr_valid(addr)) {
		api_error(c, CAT_VALIDATION, "address: not a mail address");
		goto out;
	}
	if (dom && !cad_domain_valid(dom)) {
		api_error(c, CAT_VALIDATION, "domain: not a domain name");
		goto out;
	}
	if (note && strlen(note) > 1000) {
		api_error(c, CAT_VALIDATION, "note: at most 1000 bytes");
		goto out;
	}
	s.pattern = xstrdup(addr ? addr : dom);
	cad_strlower(s.pattern);
	s.is_domain = dom != NULL;
	s.note = xstrdup(note);
	if (store_suppress_add(c->st, &s, c->actor, c->req->now, &err) < 0) {
		if (strstr(err.msg, "already suppressed"))
			api_error(c, CAT_CONFLICT, "%s", err.msg);
		else
			api_store_error(c, &err);
		goto out;
	}
	s.created_at = c->req->now;
	api_reply(c, 201, supp_json(&s));
out:
	suppression_free(&s);
	json_decref(o);
}

void api_v1_supp_remove(struct api_call *c)
{
	struct cad_err err = { "" };
	char *pat;
	int rc;
	json_t *o;

	if (api_require_admin(c) < 0)
		return;
	pat = xstrdup(c->seg[0]);
	cad_strlower(pat);
	rc = store_suppress_remove(c->st, pat, c->actor, c->req->now, &err);
	if (rc < 0)
		api_store_error(c, &err);
	else if (rc == STORE_NOTFOUND)
		api_error(c, CAT_NOT_FOUND, "pattern: %s is not suppressed", c->seg[0]);
	else {
		o = json_object();
		api_set(o, "removed", json_string(pat));
		api_reply(c, 200, o);
	}
	free(pat);
}
