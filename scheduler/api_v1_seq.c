/*
 * api_v1_seq.c - sequences over the API:
 *
 *   GET  /v1/sequences                 the list (cadence's own shape)
 *   POST /v1/sequences                 import a sequence file (the body,
 *                                      cadence-sequence(5)); admin tokens
 *   POST /v1/sequences/lint            the pre-launch checklist of a file
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
