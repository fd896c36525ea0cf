/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * api_hubspot.c - HubSpot's sequences API v4, same paths, parameters and
 * JSON shapes, over cadence's store:
 *
 *   GET  /automation/v4/sequences/?userId=&limit=&after=&name=
 *   GET  /automation/v4/sequences/{sequenceId}?userId=
 *   POST /automation/v4/sequences/enrollments?userId=
 *   GET  /automation/v4/sequences/enrollments/contact/{contactId}
 *
 * How cadence maps onto HubSpot's model (cadence-api(7)): ids are decimal
 * strings of cadence's row ids; a sequence's userId is its owner when the
 * owner is a rep; stepOrder counts from 0; an email step's templateId is
 * "<sequenceId>-<stepOrder>"; task kinds map to taskType (manual email
 * EMAIL, call CALL, LinkedIn LINKED_IN_MESSAGE, task TODO); a waiting
 * task step is a TASK_COMPLETION dependency of the next step; the last
 * step is followed by FINISH_ENROLLMENT; business / weekdays / every day
 * are BUSINESS_DAYS / WEEKDAYS_ONLY / EVERYDAY; a sequence that stops the
 * whole company on a reply is ACCOUNT_BASED, else LEAD_BASED.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_int.h"
#include "enroll.h"
#include "enroll_cap.h"
#include "store_page.h"

/* The owner's rep id when the owner is a rep's address. */
static int64_t owner_id(const struct sequence *s, const struct user *u, size_t nu)
{
	size_t i;
	for (i = 0; s->owner && i < nu; i++)
		if (cad_strcaseeq(s->owner, u[i].email))
			return u[i].id;
	return 0;
}

static json_t *seq_lite(const struct sequence *s, int64_t uid)
{
	json_t *o = json_object();
	api_set(o, "id", api_idstr(s->id));
	api_set(o, "name", api_str(s->name));
	api_set(o, "userId", api_idstr(uid));
	api_set(o, "folderId", json_null());
	api_set(o, "createdAt", api_time(s->created_at));
	api_set(o, "updatedAt", api_time(s->updated_at));
	return o;
}

static int name_matches(const struct sequence *s, const char *name)
{
	size_t n, i;
	if (name == NULL || *name == '\0')
		return 1;
	n = strlen(name);
	for (i = 0; s->name[i]; i++)
		if (strncasecmp(s->name + i, name, n) == 0)
			return 1;
	return 0;
}

static int by_id(const void *a, const void *b)
{
	const struct sequence *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static char *page_link(const struct api_call *c, int64_t after, size_t limit)
{
	const char *name = api_query(c, "name"), *uid = api_query(c, "userId");
	struct sbuf b;
	sbuf_init(&b);
	sbuf_addf(&b, "%s%s/automation/v4/sequences/?after=%lld&limit=%zu",
		  c->req->host ? "http://" : "", c->req->host ? c->req->host : "",
		  (long long)after, limit);
	if (uid && strspn(uid, "0123456789") == strlen(uid))
		sbuf_addf(&b, "&userId=%s", uid);
	(void)name;   /* not echoed: it would need URL encoding */
	return sbuf_detach(&b);
}

void api_hs_sequences(struct api_call *c)
{
	static const char *const params[] = { "userId", "limit", "after", "name", NULL };
	struct cad_err err = { "" };
	struct sequence *seqs = NULL;
	struct user *users = NULL, rep;
	size_t nseq = 0, nusers = 0, limit, i, total = 0, shown = 0;
	int64_t after, last = 0;
	json_t *o, *results;
	const char *name = api_query(c, "name");
	int more = 0;

	if (api_query_only(c, params) < 0 || api_page_params(c, 100, &limit, &after) < 0)
		return;
	if (api_acting_rep(c, api_query(c, "userId"), "userId", 0, &rep) < 0)
		return;
	user_free(&rep);
	if (store_sequence_list(c->st, &seqs, &nseq, &err) < 0
	    || store_user_list(c->st, &users, &nusers, &err) < 0) {
		api_store_error(c, &err);
		goto out;
	}
	qsort(seqs, nseq, sizeof(*seqs), by_id);   /* the cursor is the id */
	results = json_array();
	for (i = 0; i < nseq; i++) {
		if (!seqs[i].active || !name_matches(&seqs[i], name))
			continue;
		total++;
		if (seqs[i].id <= after)
			continue;
		if (shown == limit) {
			more = 1;
			continue;
		}
		json_array_append_new(results, seq_lite(&seqs[i], owner_id(&seqs[i], users, nusers)));
		last = seqs[i].id;
		shown++;
	}
	o = json_object();
	api_set(o, "total", json_integer((json_int_t)total));
	api_set(o, "results", results);
	if (more) {
		json_t *paging = json_object(), *next = json_object();
		char buf[32], *link = page_link(c, last, limit);
		snprintf(buf, sizeof(buf), "%lld", (long long)last);
		api_set(next, "after", json_string(buf));
		api_set(next, "link", json_string(link));
		free(link);
		api_set(paging, "next", next);
		api_set(o, "paging", paging);
	}
	api_reply(c, 200, o);
out:
	store_sequences_free(seqs, nseq);
	store_users_free(users, nusers);
}

static const char *task_type(enum step_kind k)
{
	switch (k) {
	case STEP_MANUAL_EMAIL: return "EMAIL";
	case STEP_CALL: return "CALL";
	case STEP_LINKEDIN: return "LINKED_IN_MESSAGE";
	default: return "TODO";
	}
}

static const char *follow_up_days(enum seq_days d)
{
	return d == SEQ_DAYS_BUSINESS ? "BUSINESS_DAYS"
		: d == SEQ_DAYS_WEEKDAYS ? "WEEKDAYS_ONLY" : "EVERYDAY";
}

static json_t *step_json(const struct sequence *s, const struct step *st)
{
	json_t *o = json_object(), *pat = json_object();
	char buf[64];
	snprintf(buf, sizeof(buf), "%lld-%d", (long long)s->id, st->index);
	api_set(o, "id", json_string(buf));
	api_set(o, "stepOrder", json_integer(st->index - 1));
	api_set(o, "delayMillis", json_integer((json_int_t)st->delay_days * 86400000
					       + (json_int_t)st->delay_minutes * 60000));
	api_set(o, "createdAt", api_time(s->created_at));
	api_set(o, "updatedAt", api_time(s->updated_at));
	if (st->kind == STEP_EMAIL) {
		api_set(o, "actionType", json_string("EMAIL"));
		snprintf(buf, sizeof(buf), "%lld-%d", (long long)s->id, st->index - 1);
		api_set(pat, "templateId", json_string(buf));
		api_set(pat, "threadEmailToStepOrder",
			st->thread_step > 0 ? json_integer(st->thread_step - 1) : json_null());
		api_set(o, "emailPattern", pat);
	} else {
		api_set(o, "actionType", json_string("TASK"));
		api_set(pat, "taskType", json_string(task_type(st->kind)));
		api_set(pat, "taskPriority", json_string("NONE"));
		api_set(pat, "subject", api_str(st->subject ? st->subject
						: step_kind_name(st->kind)));
		api_set(pat, "notes", api_str(st->body));
		api_set(o, "taskPattern", pat);
	}
	return o;
}

static json_t *seq_full(const struct sequence *s, int64_t uid)
{
	json_t *o = seq_lite(s, uid), *steps = json_array(), *deps = json_array();
	json_t *set = json_object(), *fin;
	size_t i;

	for (i = 0; i < s->nsteps; i++) {
		const struct step *st = &s->steps[i];
		json_array_append_new(steps, step_json(s, st));
		if (st->kind != STEP_EMAIL && st->wait && i + 1 < s->nsteps) {
			json_t *d = json_object();
			char buf[64];
			snprintf(buf, sizeof(buf), "%lld-%d-dep", (long long)s->id, st->index);
			api_set(d, "id", json_string(buf));
			api_set(d, "dependencyType", json_string("TASK_COMPLETION"));
			api_set(d, "reliesOnStepOrder", json_integer(st->index - 1));
			api_set(d, "requiredByStepOrder", json_integer(st->index));
			api_set(d, "createdAt", api_time(s->created_at));
			api_set(d, "updatedAt", api_time(s->updated_at));
			json_array_append_new(deps, d);
		}
	}
	fin = json_object();
	api_set(fin, "stepOrder", json_integer((json_int_t)s->nsteps));
	api_set(fin, "delayMillis", json_integer(0));
	api_set(fin, "actionType", json_string("FINISH_ENROLLMENT"));
	json_array_append_new(steps, fin);
	api_set(set, "eligibleFollowUpDays", json_string(follow_up_days(s->days)));
	api_set(set, "sendWindowStartMinute", json_integer(s->window_start));
	api_set(set, "sendWindowEndMinute", json_integer(s->window_end));
	api_set(set, "sellingStrategy", json_string(s->scope == SEQ_SCOPE_COMPANY
						    ? "ACCOUNT_BASED" : "LEAD_BASED"));
	api_set(o, "steps", steps);
	api_set(o, "dependencies", deps);
	api_set(o, "settings", set);
	return o;
}

void api_hs_sequence(struct api_call *c)
{
	static const char *const params[] = { "userId", NULL };
	struct cad_err err = { "" };
	struct sequence s;
	struct user *users = NULL, rep;
	size_t nusers = 0;
	int64_t id;

	if (api_query_only(c, params) < 0)
		return;
	if (api_acting_rep(c, api_query(c, "userId"), "userId", 0, &rep) < 0)
		return;
	user_free(&rep);
	if (api_parse_id(c->seg[0], &id) < 0) {
		api_error(c, CAT_NOT_FOUND, "sequenceId: no sequence %s", c->seg[0]);
		return;
	}
	if (api_sequence(c, c->seg[0], "sequenceId", &s) < 0)
		return;
	if (store_user_list(c->st, &users, &nusers, &err) < 0)
		api_store_error(c, &err);
	else
		api_reply(c, 200, seq_full(&s, owner_id(&s, users, nusers)));
	store_users_free(users, nusers);
	sequence_free(&s);
}

static json_t *enrollment_hs(const struct enrollment_view *v, int full)
{
	json_t *o = json_object();
	api_set(o, "id", api_idstr(v->e.id));
	api_set(o, "toEmail", api_str(v->contact_email));
	api_set(o, "enrolledAt", api_time(v->e.enrolled_at));
	api_set(o, "updatedAt", api_time(v->e.updated_at));
	if (full) {
		api_set(o, "enrolledBy", api_idstr(v->e.user_id));
		api_set(o, "enrolledByEmail", api_str(v->user_email));
		api_set(o, "sequenceId", api_idstr(v->e.sequence_id));
		api_set(o, "sequenceName", api_str(v->sequence_name));
	}
	return o;
}

/* The refusal's status: a running enrollment is a conflict, the rest is
 * invalid input. */
static enum api_cat refusal_cat(const char *why)
{
	return strstr(why, "already") ? CAT_CONFLICT : CAT_VALIDATION;
}

static void enroll(struct api_call *c, const char *contact_key, const char *seq_key,
		   const char *sender, const char *alias)
{
	struct cad_err err = { "" };
	struct contact ct;
	struct sequence s;
	struct user rep;
	struct enroll_request rq;
	struct enroll_result res;
	struct enrollment_view *v = NULL;
	char idbuf[32];

	if (api_acting_rep(c, sender, "senderEmail", 1, &rep) < 0)
		return;
	if (api_query(c, "userId") != NULL && *api_query(c, "userId") != '\0') {
		struct user q;
		if (api_acting_rep(c, api_query(c, "userId"), "userId", 1, &q) < 0)
			goto out_rep;
		if (q.id != rep.id) {
			api_error(c, CAT_VALIDATION, "userId: names %s, senderEmail %s", q.email,
				  rep.email);
			user_free(&q);
			goto out_rep;
		}
		user_free(&q);
	}
	if (alias != NULL && !cad_strcaseeq(alias, rep.email)) {
		api_error(c, CAT_VALIDATION, "senderAliasAddress: cadence sends from the rep's own "
			  "address (%s)", rep.email);
		goto out_rep;
	}
	if (api_contact(c, contact_key, "contactId", &ct) < 0)
		goto out_rep;
	if (api_sequence(c, seq_key, "sequenceId", &s) < 0)
		goto out_ct;
	memset(&rq, 0, sizeof(rq));
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)s.id);
	rq.contact = ct.email;
	rq.sequence = idbuf;
	rq.user = rep.email;
	rq.actor = c->actor;
	if (enroll_one(c->st, &rq, c->req->now, &res, &err) < 0) {
		api_store_error(c, &err);
		goto out_seq;
	}
	if (!res.ok) {
		c->keep = 1;   /* the enroll_refused event stays: it is the audit trail */
		api_error(c, refusal_cat(res.why), "%s", res.why);
		goto out_seq;
	}
	v = xcalloc(1, sizeof(*v));
	if (store_page_enrollment_get(c->st, res.enrollment_id, v, &err) != 0) {
		api_store_error(c, &err);
	} else {
		/* As cadencectl enroll warns: step 1 held behind the rep's
		 * rolling 24 h (enroll_cap.h); null when nothing waits. */
		json_t *o = enrollment_hs(v, 0);
		struct sbuf note;
		sbuf_init(&note);
		if (enroll_cap_note(c->st, &rep, &res.enrollment_id, 1, ct.email, c->req->now,
				    &note, &err) < 0)   /* the enrollment stands; no note */
			cad_log(CAD_LOG_WARN, "api: enrollment %lld: cannot weigh the last 24 h: %s",
				(long long)res.enrollment_id, err.msg);
		api_set(o, "capWarning", note.len > 0 ? json_string(note.s) : json_null());
		sbuf_free(&note);
		api_reply(c, 200, o);
	}
	store_enrollment_views_free(v, 1);
out_seq:
	sequence_free(&s);
out_ct:
	contact_free(&ct);
out_rep:
	user_free(&rep);
}

void api_hs_enroll(struct api_call *c)
{
	static const char *const params[] = { "userId", NULL };
	static const char *const fields[] = { "contactId", "sequenceId", "senderEmail",
					      "senderAliasAddress", NULL };
	json_t *o;
	char *contact = NULL, *seq = NULL;
	const char *sender = NULL, *alias = NULL;

	if (api_query_only(c, params) < 0 || api_body_object(c, fields, &o) < 0)
		return;
	if (api_field_id(c, o, "contactId", 1, &contact) >= 0
	    && api_field_id(c, o, "sequenceId", 1, &seq) >= 0
	    && api_field_str(c, o, "senderEmail", 1, &sender) >= 0
	    && api_field_str(c, o, "senderAliasAddress", 0, &alias) >= 0)
		enroll(c, contact, seq, sender, alias);
	free(contact);
	free(seq);
	json_decref(o);
}

void api_hs_enrollment(struct api_call *c)
{
	static const char *const params[] = { "userId", NULL };
	struct cad_err err = { "" };
	struct enrollment_view *v;
	struct contact ct;
	int rc;

	if (api_query_only(c, params) < 0 || api_contact(c, c->seg[0], "contactId", &ct) < 0)
		return;
	v = xcalloc(1, sizeof(*v));
	rc = store_page_enrollment_latest(c->st, ct.id, v, &err);
	if (rc < 0)
		api_store_error(c, &err);
	else if (rc == STORE_NOTFOUND)
		api_error(c, CAT_NOT_FOUND, "contactId: contact %s has no enrollment", c->seg[0]);
	else if (!api_may_act_for(c, v->e.user_id))
		api_error(c, CAT_SCOPES, "contact %s is enrolled by another rep", c->seg[0]);
	else
		api_reply(c, 200, enrollment_hs(v, 1));
	store_enrollment_views_free(v, 1);
	contact_free(&ct);
}
