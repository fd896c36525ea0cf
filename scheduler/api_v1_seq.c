/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * api_v1_seq.c - sequences over the API:
 *
 *   GET  /v1/sequences                 the list (cadence's own shape)
 *   POST /v1/sequences                 import a sequence file (the body,
 *                                      cadence-sequence(5)); admin tokens
 *   POST /v1/sequences/lint            the pre-launch checklist of a file
 *   GET  /v1/sequences/{id}/preview?contactId=&userId=
 *                                      every step rendered for a contact
 *                                      (as the rep: the token's, the named
 *                                      one, or the contact's last enroller)
 *
 * A file is parsed whole before anything is stored (a bad file changes
 * nothing and its error names body:line); an import that the checklist
 * fails is refused with the failed checks.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "seq.h"
#include "store_page.h"
#include "tmpl.h"

static json_t *seq_json(const struct sequence *s)
{
	json_t *o = json_object();
	api_set(o, "id", api_idstr(s->id));
	api_set(o, "name", api_str(s->name));
	api_set(o, "owner", api_str(s->owner));
	api_set(o, "description", api_str(s->description));
	api_set(o, "active", json_boolean(s->active));
	api_set(o, "steps", json_integer((json_int_t)s->nsteps));
	api_set(o, "days", json_string(seq_days_name(s->days)));
	api_set(o, "windowStartMinute", json_integer(s->window_start));
	api_set(o, "windowEndMinute", json_integer(s->window_end));
	api_set(o, "timezone", api_str(s->tz));
	api_set(o, "createdAt", api_time(s->created_at));
	api_set(o, "updatedAt", api_time(s->updated_at));
	return o;
}

void api_v1_sequences(struct api_call *c)
{
	static const char *const params[] = { NULL };
	struct cad_err err = { "" };
	struct sequence *s = NULL;
	size_t n = 0, i;
	json_t *o, *a;

	if (api_query_only(c, params) < 0)
		return;
	if (store_sequence_list(c->st, &s, &n, &err) < 0) {
		api_store_error(c, &err);
		return;
	}
	a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, seq_json(&s[i]));
	o = json_object();
	api_set(o, "results", a);
	api_reply(c, 200, o);
	store_sequences_free(s, n);
}

/* Parses the body (a sequence file) and lints it: 0 with *items, -1 after
 * an error answer. */
static int parse_lint(struct api_call *c, struct sequence *s, json_t **checklist, int *nfail)
{
	struct cad_err err = { "" };
	struct lint_facts facts;
	struct lint_item *items = NULL;
	struct suppression *sup = NULL;
	size_t n = 0, nsup = 0, i;

	memset(s, 0, sizeof(*s));
	if (c->req->body == NULL || c->req->body_len == 0)
		return api_error(c, CAT_VALIDATION, "body: a sequence file (cadence-sequence(5))");
	if (seq_parse_buffer("body", c->req->body, c->req->body_len, s, &err) < 0)
		return api_error(c, CAT_VALIDATION, "%s", err.msg);
	memset(&facts, 0, sizeof(facts));
	if (store_suppress_list(c->st, &sup, &nsup, &err) < 0) {
		sequence_free(s);
		return api_store_error(c, &err);
	}
	facts.have_suppressions = nsup > 0;
	store_suppressions_free(sup, nsup);
	*nfail = seq_lint(s, &facts, &items, &n);
	*checklist = json_array();
	for (i = 0; i < n; i++) {
		json_t *it = json_object();
		api_set(it, "level", json_string(lint_level_name(items[i].level)));
		api_set(it, "check", api_str(items[i].check));
		api_set(it, "detail", api_str(items[i].detail));
		json_array_append_new(*checklist, it);
	}
	seq_lint_free(items, n);
	return 0;
}

void api_v1_seq_lint(struct api_call *c)
{
	struct sequence s;
	json_t *items, *o;
	int nfail = 0;

	if (parse_lint(c, &s, &items, &nfail) < 0)
		return;
	o = json_object();
	api_set(o, "name", api_str(s.name));
	api_set(o, "ok", json_boolean(nfail == 0));
	api_set(o, "failed", json_integer(nfail));
	api_set(o, "checklist", items);
	api_reply(c, 200, o);
	sequence_free(&s);
}

void api_v1_seq_import(struct api_call *c)
{
	struct cad_err err = { "" };
	struct sequence s;
	json_t *items, *o;
	int nfail = 0;

	if (api_require_admin(c) < 0 || parse_lint(c, &s, &items, &nfail) < 0)
		return;
	if (nfail > 0) {
		json_t *f;
		size_t i;
		struct sbuf b;
		sbuf_init(&b);
		json_array_foreach(items, i, f) {
			if (strcmp(json_string_value(json_object_get(f, "level")), "fail") == 0)
				sbuf_addf(&b, "%s%s: %s", b.len ? "; " : "",
					  json_string_value(json_object_get(f, "check")),
					  json_string_value(json_object_get(f, "detail")));
		}
		api_error(c, CAT_VALIDATION, "body: the checklist fails: %s", b.s);
		sbuf_free(&b);
	} else if (store_sequence_import(c->st, &s, c->actor, c->req->now, &err) < 0) {
		api_error(c, CAT_VALIDATION, "%s", err.msg);
	} else {
		o = seq_json(&s);
		api_set(o, "checklist", json_incref(items));
		api_reply(c, 201, o);
	}
	json_decref(items);
	sequence_free(&s);
}

static json_t *render(const char *tmpl, const struct tmpl_ctx *ctx, struct sbuf *out)
{
	struct cad_err err = { "" };
	json_t *o = json_object();
	if (tmpl_render(tmpl ? tmpl : "", ctx, out, &err) == 0)
		api_set(o, "text", json_string(out->s));
	else
		api_set(o, "error", json_string(err.msg));
	return o;
}

void api_v1_seq_preview(struct api_call *c)
{
	static const char *const params[] = { "contactId", "userId", NULL };
	struct cad_err err = { "" };
	struct sequence s;
	struct contact k;
	struct user u;
	struct tmpl_ctx ctx;
	struct sbuf out;
	json_t *o, *steps;
	size_t i;
	int rc;

	if (api_query_only(c, params) < 0)
		return;
	if (api_query(c, "contactId") == NULL) {
		api_error(c, CAT_VALIDATION, "contactId: required");
		return;
	}
	if (api_sequence(c, c->seg[0], "sequenceId", &s) < 0)
		return;
	if (api_contact(c, api_query(c, "contactId"), "contactId", &k) < 0)
		goto out_seq;
	rc = api_acting_rep(c, api_query(c, "userId"), "userId", 0, &u);
	if (rc < 0)
		goto out_ct;
	if (rc == 1) {   /* an admin naming no one: the contact's last enroller, if any */
		struct enrollment_view *v = xcalloc(1, sizeof(*v));
		memset(&u, 0, sizeof(u));
		if (store_page_enrollment_latest(c->st, k.id, v, &err) != 0
		    || store_user_get_id(c->st, v->e.user_id, &u, &err) != 0)
			memset(&u, 0, sizeof(u));
		store_enrollment_views_free(v, 1);
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.contact = &k;
	ctx.sender = u.id ? &u : NULL;
	ctx.unsubscribe_url = "https://unsubscribe.example/(preview)";
	sbuf_init(&out);
	steps = json_array();
	for (i = 0; i < s.nsteps; i++) {
		json_t *st = json_object();
		api_set(st, "step", json_integer(s.steps[i].index));
		api_set(st, "kind", json_string(step_kind_name(s.steps[i].kind)));
		if (s.steps[i].subject)
			api_set(st, "subject", render(s.steps[i].subject, &ctx, &out));
		api_set(st, "body", render(s.steps[i].body, &ctx, &out));
		json_array_append_new(steps, st);
	}
	sbuf_free(&out);
	o = json_object();
	api_set(o, "sequenceId", api_idstr(s.id));
	api_set(o, "contactId", api_idstr(k.id));
	api_set(o, "senderEmail", api_str(u.email));
	api_set(o, "steps", steps);
	api_reply(c, 200, o);
	user_free(&u);
out_ct:
	contact_free(&k);
out_seq:
	sequence_free(&s);
}
