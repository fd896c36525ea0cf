/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * inbound.c - the milter's entry points into the inbound code: one
 * message from outside (match, plan, apply), and a rep's own mail to
 * enrolled contacts (the manual-email tasks it completes). See inbound.h.
 *
 * Guarantees: the summary line is always set (also on error) and made
 * printable here, since it carries addresses from the message; nothing is
 * changed for a message that concerns no enrollment.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enroll.h"
#include "inbound.h"
#include "rules.h"

#define SUMMARY_MAX 1000

static void finish_summary(struct inbound_result *res)
{
	struct sbuf b;
	sbuf_init(&b);
	cad_printable(&b, res->summary ? res->summary : "", SUMMARY_MAX);
	free(res->summary);
	res->summary = sbuf_detach(&b);
	sbuf_free(&b);
}

/* Every envelope recipient is one of cadence's own addresses. */
static int all_own(const struct inbound_msg *m, const struct inbound_config *cfg,
		   const struct cad_secret *secret)
{
	struct inbound_own_addr own;
	if (m->nrcpts == 0)
		return 0;
	for (size_t i = 0; i < m->nrcpts; i++)
		if (inbound_own_address(&cfg->addrs, secret, m->rcpts[i], &own) == OWN_NONE)
			return 0;
	return 1;
}

int inbound_handle(struct store *st, const struct cad_secret *secret,
		   const struct inbound_msg *m, const struct inbound_config *cfg,
		   struct inbound_result *res, struct cad_err *err)
{
	struct inbound_matches mm;
	struct inbound_plan plan;
	struct inbound_facts f;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&plan, 0, sizeof(plan));
	if (m->v == NULL) {
		res->summary = xstrdup("no verdict");
		return cad_err_set(err, "inbound_handle: no verdict");
	}
	res->cls = m->v->cls;
	res->consumed = all_own(m, cfg, secret);
	if (inbound_match(st, secret, m, cfg, &mm, err) < 0) {
		res->summary = xasprintf("%s: matching failed", classify_verdict_class_name(m->v->cls));
		inbound_matches_free(&mm);
		finish_summary(res);
		return -1;
	}
	res->matched = mm.n;
	if (mm.n == 0) {
		res->summary = xasprintf("%s: not ours%s", classify_verdict_class_name(m->v->cls),
					 mm.forged ? " (forged cadence id ignored)" : "");
		inbound_matches_free(&mm);
		finish_summary(res);
		return 0;
	}
	memset(&f, 0, sizeof(f));
	f.v = m->v;
	f.auth = m->auth;
	f.auth_detail = m->auth_detail;
	f.sender = mm.sender;
	f.company = mm.company;
	f.alias_contact = mm.alias_contact;
	f.forged = mm.forged;
	f.unsub_addr = mm.unsub_addr;
	f.now = m->now;
	if (inbound_policy(&f, mm.v, mm.n, cfg, &plan, err) < 0) {
		res->summary = xasprintf("%s: policy failed", classify_verdict_class_name(m->v->cls));
		inbound_matches_free(&mm);
		finish_summary(res);
		return -1;
	}
	res->trusted = plan.trusted;
	res->summary = xstrdup(plan.why);
	rc = inbound_apply(st, &plan, m->v->message_id, cfg, m->now, res, err);
	if (plan.n > 0 && res->applied == 0 && res->duplicates > 0) {
		char *old = res->summary;
		res->summary = xasprintf("%s: already handled", old);
		free(old);
	}
	inbound_plan_free(&plan);
	inbound_matches_free(&mm);
	finish_summary(res);
	return rc;
}

int inbound_rep_tasks(struct store *st, const char *rep, const char *const *rcpts,
		      size_t nrcpts, int64_t **ids, size_t *n, struct cad_err *err)
{
	struct task_view *tv = NULL;
	size_t ntv = 0, cap = 0;
	char *r;

	*ids = NULL;
	*n = 0;
	r = inbound_addr_spec(rep);
	if (r == NULL || nrcpts == 0) {
		free(r);
		return 0;
	}
	if (store_tasks(st, r, TASK_OPEN, &tv, &ntv, err) < 0) {
		free(r);
		return -1;
	}
	free(r);
	for (size_t i = 0; i < nrcpts; i++) {
		struct contact c;
		char *a = inbound_addr_spec(rcpts[i]);
		int rc;
		if (a == NULL)
			continue;
		memset(&c, 0, sizeof(c));
		rc = store_contact_get(st, a, &c, err);   /* by address or alias */
		free(a);
		if (rc < 0) {
			store_task_views_free(tv, ntv);
			free(*ids);
			*ids = NULL;
			*n = 0;
			return -1;
		}
		for (size_t j = 0; rc == 0 && j < ntv; j++) {
			int seen = 0;
			if (tv[j].t.kind != STEP_MANUAL_EMAIL || tv[j].contact_email == NULL ||
			    strcmp(tv[j].contact_email, c.email) != 0)
				continue;
			for (size_t k = 0; k < *n; k++)
				seen |= (*ids)[k] == tv[j].t.id;
			if (seen)
				continue;
			cad_grow(ids, &cap, *n + 1, sizeof(**ids));
			(*ids)[(*n)++] = tv[j].t.id;
		}
		contact_free(&c);
	}
	store_task_views_free(tv, ntv);
	return 0;
}

/* When the step after a completed task is due (rules_enrollment_due, as
 * cadencectl's task complete reckons it). Rules that cannot be applied
 * leave it due at `from` (cadenced then pauses the enrollment saying why)
 * and their reason is added to the action's label, for the event. -1 on a
 * store error. */
static int next_due(struct store *st, int64_t enrollment_id, int step, cad_time_t from,
		    cad_time_t *due, char **why, struct cad_err *err)
{
	struct cad_err rerr = { "" };
	int rc = rules_enrollment_due(st, enrollment_id, step, from, due, &rerr);

	*why = NULL;
	if (rc == RULES_EINVALID)
		*why = xstrdup(rerr.msg);
	else if (rc == RULES_ENOTFOUND)
		*due = from;
	else if (rc != 0) {
		*err = rerr;
		return -1;
	}
	return 0;
}

int inbound_rep_mail(struct store *st, const char *rep, const char *const *rcpts,
		     size_t nrcpts, const char *msgid, const struct inbound_config *cfg,
		     cad_time_t now, int *completed, struct inbound_result *res,
		     struct cad_err *err)
{
	struct task_view *tv = NULL;
	struct inbound_plan plan;
	int64_t *ids = NULL;
	size_t n = 0, ntv = 0;
	char *r;
	int rc = 0;

	memset(res, 0, sizeof(*res));
	memset(&plan, 0, sizeof(plan));
	if (completed)
		*completed = 0;
	if (inbound_rep_tasks(st, rep, rcpts, nrcpts, &ids, &n, err) < 0) {
		res->summary = xstrdup("rep mail: task look-up failed");
		return -1;
	}
	if (n == 0) {
		free(ids);
		res->summary = xstrdup("rep mail: no open manual-email task");
		finish_summary(res);
		return 0;
	}
	r = inbound_addr_spec(rep);
	if (store_tasks(st, r, TASK_OPEN, &tv, &ntv, err) < 0) {
		free(r);
		free(ids);
		res->summary = xstrdup("rep mail: task look-up failed");
		return -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		for (size_t j = 0; j < ntv && rc == 0; j++) {
			struct inbound_action *a;
			char *why = NULL;
			if (tv[j].t.id != ids[i])
				continue;
			cad_grow(&plan.v, &plan.cap, plan.n + 1, sizeof(*plan.v));
			a = &plan.v[plan.n++];
			memset(a, 0, sizeof(*a));
			a->kind = INB_ACT_COMPLETE_TASK;
			a->task_id = tv[j].t.id;
			a->enrollment_id = tv[j].t.enrollment_id;
			if (next_due(st, tv[j].t.enrollment_id, tv[j].t.step, now, &a->until, &why,
				     err) < 0)
				rc = -1;
			a->label = xasprintf("%s from %s (enrollment %lld)%s%s",
					     tv[j].contact_email ? tv[j].contact_email : "?",
					     tv[j].sequence_name ? tv[j].sequence_name : "?",
					     (long long)tv[j].t.enrollment_id,
					     why ? "; next step due now: " : "", why ? why : "");
			free(why);
		}
	plan.trusted = 1;
	plan.why = "rep mail";
	res->summary = xstrdup(rc == 0 ? plan.why : "rep mail: calendar look-up failed");
	if (rc == 0)
		rc = inbound_apply(st, &plan, msgid, cfg, now, res, err);
	if (completed)
		*completed = (int)res->applied;
	inbound_plan_free(&plan);
	store_task_views_free(tv, ntv);
	free(ids);
	free(r);
	finish_summary(res);
	return rc;
}

char *inbound_enroll_sequence_name(struct store *st, const char *arg)
{
	struct sequence q;
	struct cad_err err;
	char *name = NULL;

	if (arg == NULL)
		return xstrdup("");
	memset(&q, 0, sizeof(q));
	if (store_sequence_get(st, arg, &q, &err) == 0)
		name = xstrdup(q.name);
	sequence_free(&q);
	memset(&q, 0, sizeof(q));
	if (name == NULL && enroll_sequence_by_slug(st, arg, &q, &err) == 0)
		name = xstrdup(q.name);
	sequence_free(&q);
	return name ? name : xstrdup(arg);
}
