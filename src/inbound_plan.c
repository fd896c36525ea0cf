/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * inbound_plan.c - the plan the inbound policy writes: its actions, the
 * names of their kinds, the defaults of its configuration, and the detail
 * each event carries (what was seen: rule, sender, how it matched, the
 * class's fields, authentication, the message's id). Pure: no store, no
 * clock, no I/O.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "inbound_policy_int.h"

const char *inbound_act_name(enum inbound_act a)
{
	switch (a) {
	case INB_ACT_RECORD: return "record";
	case INB_ACT_UNENROLL: return "unenroll";
	case INB_ACT_UNENROLL_ALL: return "unenroll-all";
	case INB_ACT_UNSUBSCRIBE: return "unsubscribe";
	case INB_ACT_PAUSE: return "pause";
	case INB_ACT_SUPPRESS: return "suppress";
	case INB_ACT_ADD_ALIAS: return "add-alias";
	case INB_ACT_COMPLETE_TASK: return "complete-task";
	case INB_ACT_TASK: return "task";
	}
	return "?";
}

void inbound_config_init(struct inbound_config *c)
{
	memset(c, 0, sizeof(*c));
	c->soft_bounce_threshold = 3;
	c->ooo_default_days = 7;
	c->actor = "milter";
	c->addrs.enroll_prefix = "enroll";
	c->addrs.unsub_prefix = "unsubscribe";
	c->addrs.bounce_prefix = "bounces";
}

void inbound_plan_free(struct inbound_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].address);
		free(p->v[i].reason);
		free(p->v[i].detail);
		free(p->v[i].company);
		free(p->v[i].label);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}

struct inbound_action *inbound_plan_push(struct inbound_plan *p, enum inbound_act kind,
					 const char *event, const struct inbound_target *t)
{
	struct inbound_action *a;
	cad_grow(&p->v, &p->cap, p->n + 1, sizeof(*p->v));
	a = &p->v[p->n++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->event = event;
	if (t != NULL) {
		a->enrollment_id = t->e.id;
		a->contact_id = t->e.contact_id;
		a->sequence_id = t->e.sequence_id;
		a->user_id = t->e.user_id;
		a->label = xasprintf("%s from %s (enrollment %lld)",
				     t->contact_email ? t->contact_email : "?",
				     t->sequence_name ? t->sequence_name : "?", (long long)t->e.id);
	}
	return a;
}

/* Sisimai's reason names, in words for a person. */
static const char *reason_words(const char *r)
{
	static const struct { const char *k, *w; } tab[] = {
		{ "userunknown", "user unknown" }, { "hostunknown", "host unknown" },
		{ "mailboxfull", "mailbox full" }, { "hasmoved", "has moved" },
		{ "filtered", "filtered" }, { "rejected", "rejected" },
		{ "suspend", "mailbox suspended" }, { "notaccept", "does not accept mail" },
		{ "blocked", "blocked" }, { "spamdetected", "spam detected" },
		{ "policyviolation", "policy violation" }, { "securityerror", "security error" },
		{ "exceedlimit", "message too large" }, { "mesgtoobig", "message too large" },
		{ "expired", "delivery time expired" }, { "networkerror", "network error" },
		{ "systemerror", "system error" }, { "systemfull", "system full" },
		{ "toomanyconn", "too many connections" }, { "norelaying", "relaying denied" },
		{ "syntaxerror", "syntax error" }, { "contenterror", "content error" },
		{ "virusdetected", "virus detected" }, { "speeding", "rate limited" },
	};
	if (r == NULL)
		return NULL;
	for (size_t i = 0; i < CAD_ARRAY_LEN(tab); i++)
		if (strcmp(tab[i].k, r) == 0)
			return tab[i].w;
	return r;
}

/* The recipient of a bounce that concerns target t (its address first). */
const struct classify_rcpt *inbound_plan_bounce_rcpt(const struct verdict *v,
						const struct inbound_target *t)
{
	const struct classify_rcpt *hard = NULL;
	for (size_t i = 0; i < v->nrcpts; i++) {
		if (t && t->contact_email && v->rcpts[i].address &&
		    strcmp(v->rcpts[i].address, t->contact_email) == 0)
			return &v->rcpts[i];
		if (hard == NULL && v->rcpts[i].hard)
			hard = &v->rcpts[i];
	}
	return hard ? hard : (v->nrcpts ? &v->rcpts[0] : NULL);
}

/* "5.1.1 user unknown", "mailbox full", or "" */
void inbound_plan_bounce_words(struct sbuf *b, const struct classify_rcpt *r)
{
	const char *w;
	if (r == NULL)
		return;
	if (r->status)
		sbuf_adds(b, r->status);
	else if (r->smtp_code)
		sbuf_addf(b, "%d", r->smtp_code);
	w = reason_words(r->reason);
	if (w) {
		if (b->len)
			sbuf_addc(b, ' ');
		sbuf_adds(b, w);
	}
}

/* The part of every event detail that says what was seen. */
static void seen(struct sbuf *b, const struct inbound_facts *f, const struct inbound_target *t)
{
	const struct verdict *v = f->v;
	sbuf_addf(b, " rule=%s", v->rule ? v->rule : "?");
	if (f->sender)
		sbuf_addf(b, " from=%s", f->sender);
	if (t)
		sbuf_addf(b, " via=%s", inbound_via_name(t->via));
	if (t && t->our_msgid)
		sbuf_addf(b, " ours=<%s>", t->our_msgid);
	switch (v->cls) {
	case CLASSIFY_AUTOREPLY:
		if (v->auto_kind)
			sbuf_addf(b, " kind=%s", v->auto_kind);
		if (v->return_date[0])
			sbuf_addf(b, " return=%s", v->return_date);
		break;
	case CLASSIFY_BOUNCE:
	case CLASSIFY_DELAY: {
		const struct classify_rcpt *r = inbound_plan_bounce_rcpt(v, t);
		if (r && r->address)
			sbuf_addf(b, " rcpt=%s", r->address);
		if (r && r->status)
			sbuf_addf(b, " status=%s", r->status);
		if (r && r->reason)
			sbuf_addf(b, " reason=%s", r->reason);
		break;
	}
	case CLASSIFY_MEETING:
		if (v->method)
			sbuf_addf(b, " method=%s", v->method);
		if (v->partstat)
			sbuf_addf(b, " partstat=%s", v->partstat);
		if (v->dtstart)
			sbuf_addf(b, " dtstart=%s", v->dtstart);
		break;
	case CLASSIFY_COMPLAINT:
		if (v->feedback_type)
			sbuf_addf(b, " feedback=%s", v->feedback_type);
		if (v->arf_rcpt)
			sbuf_addf(b, " rcpt=%s", v->arf_rcpt);
		break;
	default:
		break;
	}
	sbuf_addf(b, " auth=%s", f->auth == INB_AUTH_PASS ? "pass" :
		  f->auth == INB_AUTH_FAIL ? "fail" : "none");
	if (f->auth_detail && *f->auth_detail)
		sbuf_addf(b, " (%s)", f->auth_detail);
	if (f->forged)
		sbuf_addf(b, " forged-ids=%d", f->forged);
	/* Last, so that the duplicate check can find it (inbound_apply.c). */
	if (v->message_id)
		sbuf_addf(b, " msgid=<%s>", v->message_id);
}

char *inbound_plan_detail(const struct inbound_facts *f, const struct inbound_target *t,
			  const char *fmt, ...)
{
	struct sbuf b;
	va_list ap;
	sbuf_init(&b);
	va_start(ap, fmt);
	sbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	seen(&b, f, t);
	return sbuf_detach(&b);
}

void inbound_plan_record(struct inbound_plan *p, const struct inbound_facts *f,
			 const struct inbound_target *t, const char *event, const char *what)
{
	struct inbound_action *a = inbound_plan_push(p, INB_ACT_RECORD, event, t);
	a->detail = inbound_plan_detail(f, t, "%s", what);
}

/* A contact's address to suppress / unsubscribe, once per plan. */
int inbound_plan_has(const struct inbound_plan *p, enum inbound_act kind, const char *addr)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].kind == kind && p->v[i].address && addr &&
		    strcmp(p->v[i].address, addr) == 0)
			return 1;
	return 0;
}

int inbound_plan_stopped(const struct inbound_target *t)
{
	return t->e.state != ENR_ACTIVE && t->e.state != ENR_PAUSED;
}
