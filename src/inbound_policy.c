/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * inbound_policy.c - what the sequences' policies say about an inbound
 * message: the classifier's verdict and the matched enrollments become a
 * list of actions. Pure: no store, no clock (facts->now), no I/O.
 *
 * The rules (issue 6, "Inbound"):
 * - an unauthenticated signal is recorded as unverified and nothing else
 *   (unless act_on_unverified); a bounce or a complaint is authenticated
 *   only by the id or VERP token of a message cadence sent (never by SPF,
 *   nor by act_on_unverified), and acts only on that message's enrollment
 *   and contact: the address suppressed is the contact's, whatever the
 *   report names; a report naming another address is recorded
 *   (report_mismatch, both addresses) and that address is never acted on;
 *   mail to a valid VERP or unsubscribe address is authenticated by its
 *   token;
 * - human reply: unenroll (reason "replied"); when that enrollment's
 *   sequence has company scope, its colleagues found by the matching
 *   (same sequence, same rep, same company) too ("replied
 *   (who@acme.test)"), and only when the contact's own enrollment is
 *   stopped by this message; a new address
 *   on our thread is linked as an alias first; a sequence that does not
 *   stop on replies only records it;
 * - auto-reply: never unenroll; pause until the business day after the
 *   return date (cal_resume_after), or ooo_default_days when none is read,
 *   when the sequence pauses on out-of-office, else record only;
 * - hard bounce: unenroll ("bounced: 5.1.1 user unknown") and suppress the
 *   contact's address; soft bounce: record, pause at the Nth; delay: record;
 * - unsubscribe (request, mail to the unsubscribe address, ARF opt-out):
 *   unenroll everywhere and suppress (unsub.h);
 * - complaint: unenroll everywhere and suppress (kind complaint);
 * - meetings (iMIP) need the enrollment's rep and its contact as the two
 *   parties (organizer or attendee, organized by one of them or the
 *   organization's own calendar: inbound_meeting_parties; a colleague or
 *   an InternalDomains address is not the rep) and a sender who may
 *   speak for the meeting (the contact, its organization, the organizer's
 *   organization, or a scheduling service: inbound_calendar_service);
 *   else they are recorded and stop nothing.
 *   An invitation (REQUEST) naming the contact, or a REPLY ACCEPTED or
 *   TENTATIVE (a sales team treats a tentative yes as a meeting on the
 *   calendar: the rep takes over, no more automated steps), unenrolls
 *   "meeting booked" (colleagues too, company scope); a REPLY DECLINED, an
 *   invitation the contact declined, COUNTER/REFRESH: recorded
 *   (meeting_response); CANCEL: recorded (meeting_cancelled), the
 *   enrollment is not resumed (the rep decides).
 * - challenge/response (the contact's mailbox asks the sender to prove it
 *   is a person): pause the enrollment until resumed and open a task for
 *   the rep ("the contact's mailbox asks to confirm the sender"); neither
 *   a bounce nor a reply, so nothing is suppressed or unenrolled.
 * An enrollment that has already stopped only gets the record.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inbound.h"
#include "orgdomain.h"

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

static struct inbound_action *push(struct inbound_plan *p, enum inbound_act kind,
				   const char *event, const struct inbound_target *t)
{
	struct inbound_action *a;
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 4;
		p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
	}
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
static const struct cls_rcpt *bounce_rcpt(const struct verdict *v,
					  const struct inbound_target *t)
{
	const struct cls_rcpt *hard = NULL;
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
static void bounce_words(struct sbuf *b, const struct cls_rcpt *r)
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
	case CLS_AUTOREPLY:
		if (v->auto_kind)
			sbuf_addf(b, " kind=%s", v->auto_kind);
		if (v->return_date[0])
			sbuf_addf(b, " return=%s", v->return_date);
		break;
	case CLS_BOUNCE:
	case CLS_DELAY: {
		const struct cls_rcpt *r = bounce_rcpt(v, t);
		if (r && r->address)
			sbuf_addf(b, " rcpt=%s", r->address);
		if (r && r->status)
			sbuf_addf(b, " status=%s", r->status);
		if (r && r->reason)
			sbuf_addf(b, " reason=%s", r->reason);
		break;
	}
	case CLS_MEETING:
		if (v->method)
			sbuf_addf(b, " method=%s", v->method);
		if (v->partstat)
			sbuf_addf(b, " partstat=%s", v->partstat);
		if (v->dtstart)
			sbuf_addf(b, " dtstart=%s", v->dtstart);
		break;
	case CLS_COMPLAINT:
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

static char *detail(const struct inbound_facts *f, const struct inbound_target *t,
		    const char *fmt, ...) CAD_PRINTF(3, 4);
static char *detail(const struct inbound_facts *f, const struct inbound_target *t,
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

static int stopped(const struct inbound_target *t)
{
	return t->e.state != ENR_ACTIVE && t->e.state != ENR_PAUSED;
}

/* Is this target's signal authenticated? */
static int trusted(const struct inbound_facts *f, const struct inbound_target *t,
		   const struct inbound_config *cfg)
{
	/* A bounce or a complaint acts only on the enrollment it is proven
	 * to belong to (a VERP token, a quoted Message-ID the ledger knows):
	 * SPF of a mailer-daemon or a feedback loop says nothing about which
	 * contact it concerns, and ActOnUnverified does not change that. */
	if (f->v->cls == CLS_BOUNCE || f->v->cls == CLS_DELAY || f->v->cls == CLS_COMPLAINT)
		return t->proven;
	if (cfg->act_on_unverified)
		return 1;
	/* A secret address in the envelope is a proof in itself. */
	if (t->proven && (t->via == VIA_VERP || t->via == VIA_UNSUB_ADDR))
		return 1;
	return f->auth == INB_AUTH_PASS;
}

/* A report (DSN, ARF) proven to concern target t that names another
 * address than t's contact: recorded with both addresses, never acted on
 * (what is acted on is t's contact, whatever the report says). */
static void mismatch(struct inbound_plan *p, const struct inbound_facts *f,
		     const struct inbound_target *t, const char *named)
{
	char *a = inbound_addr_spec(named);
	if (a != NULL && t->contact_email != NULL && strcmp(a, t->contact_email) != 0) {
		struct inbound_action *r = push(p, INB_ACT_RECORD, INBOUND_EV_MISMATCH, t);
		r->detail = detail(f, t, "report names %s, not the contact %s: %s not acted on",
				   a, t->contact_email, a);
	}
	free(a);
}

static void record(struct inbound_plan *p, const struct inbound_facts *f,
		   const struct inbound_target *t, const char *event, const char *what)
{
	struct inbound_action *a = push(p, INB_ACT_RECORD, event, t);
	a->detail = detail(f, t, "%s", what);
}

/* A contact's address to suppress / unsubscribe, once per plan. */
static int planned(const struct inbound_plan *p, enum inbound_act kind, const char *addr)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].kind == kind && p->v[i].address && addr &&
		    strcmp(p->v[i].address, addr) == 0)
			return 1;
	return 0;
}

static void unsubscribe(struct inbound_plan *p, const struct inbound_facts *f,
			const struct inbound_target *t, const char *via)
{
	struct inbound_action *a;
	if (t->contact_email == NULL || planned(p, INB_ACT_UNSUBSCRIBE, t->contact_email))
		return;
	a = push(p, INB_ACT_UNSUBSCRIBE, EV_UNSUBSCRIBED, t);
	a->address = xstrdup(t->contact_email);
	a->reason = xstrdup(via);
	a->detail = detail(f, t, "unsubscribe (%s)", via);
}

/* Company scope: the enrollment whose contact replied or met, when this
 * plan stops it with event ev (NULL: it does not). */
static const struct inbound_target *trigger_of(const struct inbound_plan *p, const char *ev,
					       const struct inbound_target *targets, size_t n,
					       const struct inbound_target *t)
{
	int stops = 0;
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].kind == INB_ACT_UNENROLL && p->v[i].enrollment_id == t->trigger &&
		    p->v[i].event && strcmp(p->v[i].event, ev) == 0)
			stops = 1;
	for (size_t i = 0; stops && i < n; i++)
		if (targets[i].e.id == t->trigger)
			return &targets[i];
	return NULL;
}

/* A colleague of the contact who replied or met (company scope). */
static void on_colleague(struct inbound_plan *p, const struct inbound_facts *f,
			 const struct inbound_target *trig, const struct inbound_target *t,
			 const char *ev)
{
	struct inbound_action *a;
	const char *who = trig->contact_email ? trig->contact_email : "?";
	int meet = strcmp(ev, EV_MEETING) == 0;

	if (stopped(t) || (meet ? !t->stop_on_meeting : !t->stop_on_reply))
		return;
	a = push(p, INB_ACT_UNENROLL, ev, t);
	a->reason = xasprintf("%s (%s)", meet ? "meeting booked" : "replied", who);
	a->company = xstrdup(f->company);
	a->detail = detail(f, t, "colleague %s %s, company %s", who,
			   meet ? "booked a meeting" : "replied", f->company ? f->company : "?");
}

static void on_reply(struct inbound_plan *p, const struct inbound_facts *f,
		     const struct inbound_target *t)
{
	struct inbound_action *a;
	if (stopped(t)) {
		record(p, f, t, EV_REPLIED, "reply");
		return;
	}
	if (!t->stop_on_reply) {
		record(p, f, t, EV_REPLIED, "reply (the sequence does not stop on replies)");
		return;
	}
	a = push(p, INB_ACT_UNENROLL, EV_REPLIED, t);
	a->reason = xstrdup("replied");
	a->detail = detail(f, t, "reply%s",
			   f->alias_contact == t->e.contact_id ? " from a new address" : "");
}

static int on_autoreply(struct inbound_plan *p, const struct inbound_facts *f,
			const struct inbound_target *t, const struct inbound_config *cfg,
			struct cad_err *err)
{
	const struct verdict *v = f->v;
	struct inbound_action *a;
	char day[16], tb[CAD_TIME_BUFSZ];
	cad_time_t until;
	int64_t dayno;
	int days;

	if (stopped(t)) {
		record(p, f, t, EV_AUTO_REPLY, "auto-reply (enrollment already stopped)");
		return 0;
	}
	if (t->ooo == SEQ_OOO_IGNORE) {
		record(p, f, t, EV_AUTO_REPLY, "auto-reply (the sequence ignores out-of-office)");
		return 0;
	}
	if (t->e.state == ENR_PAUSED) {
		record(p, f, t, EV_AUTO_REPLY, "auto-reply (enrollment already paused)");
		return 0;
	}
	if (v->return_date[0] && cal_day_parse(v->return_date, &dayno) == 0) {
		snprintf(day, sizeof(day), "%s", v->return_date);
		if (t->have_rules) {
			if (cal_resume_after(&t->rules, dayno, &until, err) < 0)
				return -1;
		} else {
			until = (dayno + 1) * 86400;   /* no zone: the next day, UTC */
		}
	} else {
		day[0] = '\0';
		days = cfg->ooo_default_days > 0 ? cfg->ooo_default_days : 7;
		until = f->now + (cad_time_t)days * 86400;
		if (t->have_rules && cal_next_open(&t->rules, until, &until, err) < 0)
			return -1;
	}
	if (until <= f->now) {
		record(p, f, t, EV_AUTO_REPLY, "auto-reply (return date already past)");
		return 0;
	}
	/* A hostile or mistyped date must not silence a sequence for years. */
	if (until > f->now + (cad_time_t)INBOUND_OOO_MAX_DAYS * 86400)
		until = f->now + (cad_time_t)INBOUND_OOO_MAX_DAYS * 86400;
	a = push(p, INB_ACT_PAUSE, EV_AUTO_REPLY, t);
	a->until = until;
	a->reason = day[0] ? xasprintf("out of office until %s", day)
			   : xasprintf("out of office (no return date: %d days)",
				       cfg->ooo_default_days > 0 ? cfg->ooo_default_days : 7);
	a->detail = detail(f, t, "auto-reply: paused until %s%s%s%s",
			   cad_time_format(until, tb, sizeof(tb)),
			   t->rules_error ? " (UTC: the calendar cannot be applied: " : "",
			   t->rules_error ? t->rules_error : "", t->rules_error ? ")" : "");
	return 0;
}

static void on_bounce(struct inbound_plan *p, const struct inbound_facts *f,
		      const struct inbound_target *t, const struct inbound_config *cfg)
{
	const struct verdict *v = f->v;
	const struct cls_rcpt *r = bounce_rcpt(v, t);
	struct inbound_action *a;
	struct sbuf w;
	const char *addr;
	int thr = cfg->soft_bounce_threshold > 0 ? cfg->soft_bounce_threshold : 3;
	/* The address itself is dead (Sisimai's "hard"); a permanent failure
	 * for another reason (blocked, spam, too large) counts as soft. */
	int hard = r != NULL && r->hard;

	sbuf_init(&w);
	bounce_words(&w, r);
	p->why = hard ? "bounced" : "soft bounce";
	if (r != NULL && r->address != NULL)
		mismatch(p, f, t, r->address);
	if (hard) {
		addr = t->contact_email;   /* the proven contact's, never the report's */
		if (stopped(t)) {
			record(p, f, t, EV_BOUNCED, "hard bounce (enrollment already stopped)");
		} else {
			a = push(p, INB_ACT_UNENROLL, EV_BOUNCED, t);
			a->reason = w.len ? xasprintf("bounced: %s", w.s) : xstrdup("bounced");
			a->detail = detail(f, t, "hard bounce");
		}
		if (addr && !planned(p, INB_ACT_SUPPRESS, addr)) {
			a = push(p, INB_ACT_SUPPRESS, NULL, t);
			a->address = xstrdup(addr);
			a->supp = SUPP_BOUNCED;
			a->reason = w.len ? xasprintf("bounced: %s", w.s) : xstrdup("bounced");
		}
	} else if (!stopped(t) && t->e.state == ENR_ACTIVE && t->soft_bounces + 1 >= thr) {
		a = push(p, INB_ACT_PAUSE, EV_BOUNCED, t);
		a->reason = xasprintf("%d soft bounces (last: %s)", t->soft_bounces + 1,
				      w.len ? w.s : "no status");
		a->detail = detail(f, t, "soft bounce %d of %d: paused", t->soft_bounces + 1, thr);
	} else {
		a = push(p, INB_ACT_RECORD, EV_BOUNCED, t);
		a->detail = detail(f, t, "soft bounce %d of %d", t->soft_bounces + 1, thr);
	}
	sbuf_free(&w);
}

static void on_complaint(struct inbound_plan *p, const struct inbound_facts *f,
			 const struct inbound_target *t)
{
	const struct verdict *v = f->v;
	struct inbound_action *a;
	const char *fb = v->feedback_type ? v->feedback_type : "abuse";
	char *rc;

	if (v->arf_rcpt != NULL)
		mismatch(p, f, t, v->arf_rcpt);
	if (cad_strcaseeq(fb, "opt-out") || cad_strcaseeq(fb, "unsubscribe")) {
		unsubscribe(p, f, t, "arf");
		return;
	}
	if (t->contact_email && !planned(p, INB_ACT_UNENROLL_ALL, t->contact_email)) {
		a = push(p, INB_ACT_UNENROLL_ALL, EV_COMPLAINT, t);
		a->address = xstrdup(t->contact_email);
		a->reason = xasprintf("complaint (%s)", fb);
		a->detail = detail(f, t, "complaint");
	}
	rc = xstrdup(t->contact_email);   /* the proven contact's, never Original-Rcpt-To */
	if (rc && !planned(p, INB_ACT_SUPPRESS, rc)) {
		a = push(p, INB_ACT_SUPPRESS, NULL, t);
		a->address = rc;
		a->supp = SUPP_COMPLAINT;
		a->reason = xasprintf("complaint (%s)", fb);
		rc = NULL;
	}
	free(rc);
}

#define INBOUND_EV_MEETING_CANCEL "meeting_cancelled"

/* Is addr the enrollment's rep or at an internal domain? */
static int internal(const struct inbound_config *cfg, const struct inbound_target *t,
		    const char *addr)
{
	const char *d;
	if (addr == NULL)
		return 0;
	if (cad_startswith_ci(addr, "mailto:"))
		addr += 7;
	if (t->rep_email && cad_strcaseeq(addr, t->rep_email))
		return 1;
	d = cad_addr_domain(addr);
	for (size_t i = 0; d != NULL && i < cfg->ninternal_domains; i++)
		if (cad_strcaseeq(d, cfg->internal_domains[i]))
			return 1;
	return 0;
}

/* May the (authenticated) sender speak for this meeting? */
static int sender_may(const struct inbound_facts *f, const struct inbound_target *t,
		      const struct inbound_config *cfg, enum inbound_meeting kind)
{
	const char *s = f->sender;
	if (t->via == VIA_SENDER || t->via == VIA_THREAD)
		return 1;   /* the contact's own address, or our thread */
	if (s == NULL)
		return 0;
	if (t->contact_email && cad_org_aligned(cad_addr_domain(s), cad_addr_domain(t->contact_email)))
		return 1;
	if (kind != MEET_REPLY && f->v->organizer &&
	    cad_org_aligned(cad_addr_domain(s), cad_addr_domain(f->v->organizer)))
		return 1;
	if (internal(cfg, t, s))
		return 1;
	return inbound_calendar_service(cfg, s);
}

/* The contact's own PARTSTAT in an invitation, or NULL. */
static const char *contact_partstat(const struct verdict *v, const struct inbound_target *t)
{
	for (size_t i = 0; t->contact_email && i < v->nattendees; i++)
		if (v->attendees[i].address && strcmp(v->attendees[i].address, t->contact_email) == 0)
			return v->attendees[i].partstat;
	return NULL;
}

static void on_meeting(struct inbound_plan *p, const struct inbound_facts *f,
		       const struct inbound_target *t, const struct inbound_config *cfg)
{
	const struct verdict *v = f->v;
	enum inbound_meeting kind = inbound_meeting_kind(v);
	const char *ps = kind == MEET_REPLY ? v->partstat : contact_partstat(v, t);
	struct inbound_action *a;
	const char *what;
	int booked = 0, tentative = ps && cad_strcaseeq(ps, "TENTATIVE");

	if (!inbound_meeting_parties(v, t, cfg)) {
		record(p, f, t, INBOUND_EV_MEETING_RESP, "meeting not between the contact and its rep "
		       "(not acted on)");
		return;
	}
	if (!sender_may(f, t, cfg, kind)) {
		char *w = xasprintf("meeting sent by %s, neither a participant nor a scheduling "
				    "service (not acted on)", f->sender ? f->sender : "nobody");
		record(p, f, t, INBOUND_EV_UNVERIFIED, w);
		free(w);
		return;
	}
	switch (kind) {
	case MEET_REQUEST:
		booked = !(ps && cad_strcaseeq(ps, "DECLINED"));
		what = booked ? "invitation" : "invitation declined by the contact";
		break;
	case MEET_REPLY:
		booked = ps && (cad_strcaseeq(ps, "ACCEPTED") || tentative);
		what = booked ? (tentative ? "meeting accepted tentatively" : "meeting accepted")
			      : "meeting response";
		break;
	case MEET_CANCEL:
		record(p, f, t, INBOUND_EV_MEETING_CANCEL, "meeting cancelled (the enrollment "
		       "stays as it is)");
		return;
	default:
		what = "meeting response";
		break;
	}
	if (!booked) {
		record(p, f, t, INBOUND_EV_MEETING_RESP, what);
		return;
	}
	if (stopped(t) || !t->stop_on_meeting) {
		char *w = xasprintf("%s (%s)", what, stopped(t) ? "enrollment already stopped"
				    : "the sequence does not stop on meetings");
		record(p, f, t, EV_MEETING, w);
		free(w);
		return;
	}
	a = push(p, INB_ACT_UNENROLL, EV_MEETING, t);
	a->reason = xstrdup(tentative ? "meeting booked (tentative)" : "meeting booked");
	a->detail = detail(f, t, "%s", what);
}

/* Challenge/response: the rep must confirm by hand; the sequence waits. */
#define INBOUND_EV_CHALLENGE "challenge"
static void on_challenge(struct inbound_plan *p, const struct inbound_facts *f,
			 const struct inbound_target *t)
{
	static const char words[] = "the contact's mailbox asks to confirm the sender";
	struct inbound_action *a;

	if (stopped(t) || t->e.state == ENR_PAUSED) {
		record(p, f, t, INBOUND_EV_CHALLENGE, stopped(t) ?
		       "challenge (enrollment already stopped)" : "challenge (enrollment already paused)");
		return;
	}
	a = push(p, INB_ACT_PAUSE, INBOUND_EV_CHALLENGE, t);
	a->until = 0;
	a->reason = xasprintf("challenge: %s", words);
	a->detail = detail(f, t, "challenge/response: paused until resumed");
	a = push(p, INB_ACT_TASK, NULL, t);
	a->reason = xasprintf("Confirm the sender: %s (%s)", words,
			      f->sender ? f->sender : "challenge/response");
}

static const char *why_of(enum cls_class c, int unsub)
{
	if (unsub)
		return "unsubscribed";
	switch (c) {
	case CLS_REPLY: return "replied";
	case CLS_AUTOREPLY: return "auto-reply";
	case CLS_BOUNCE: return "bounced";
	case CLS_DELAY: return "delayed";
	case CLS_UNSUBSCRIBE: return "unsubscribed";
	case CLS_MEETING: return "meeting";
	case CLS_COMPLAINT: return "complaint";
	case CLS_CHALLENGE: return "challenge";
	case CLS_OTHER: return "other";
	}
	return "?";
}

int inbound_policy(const struct inbound_facts *f, const struct inbound_target *targets,
		   size_t n, const struct inbound_config *cfg, struct inbound_plan *out,
		   struct cad_err *err)
{
	const struct verdict *v = f->v;
	/* Mail to a valid unsubscribe address asks to unsubscribe, whatever
	 * its words; an auto-reply or a bounce sent there does not. */
	int unsub = f->unsub_addr && v->cls != CLS_AUTOREPLY && v->cls != CLS_BOUNCE &&
		    v->cls != CLS_DELAY && v->cls != CLS_CHALLENGE;
	size_t ntrusted = 0;
	enum inbound_meeting meet = inbound_meeting_kind(v);

	memset(out, 0, sizeof(*out));
	out->why = meet != MEET_NONE ? "meeting" : why_of(v->cls, unsub);
	for (size_t i = 0; i < n; i++) {
		const struct inbound_target *t = &targets[i];
		if (!trusted(f, t, cfg)) {
			/* Colleagues are not told about a signal nobody can vouch for. */
			if (t->via != VIA_COMPANY) {
				char *what = xasprintf("unverified %s", cls_class_name(v->cls));
				record(out, f, t, INBOUND_EV_UNVERIFIED, what);
				free(what);
			}
			continue;
		}
		ntrusted++;
		if (t->via == VIA_COMPANY) {
			/* company scope: only when the contact's own enrollment stops */
			const char *ev = meet != MEET_NONE ? EV_MEETING : EV_REPLIED;
			const struct inbound_target *trig = trigger_of(out, ev, targets, n, t);
			if ((v->cls == CLS_REPLY || meet != MEET_NONE) && trig != NULL)
				on_colleague(out, f, trig, t, ev);
			continue;
		}
		if (unsub) {
			unsubscribe(out, f, t, t->via == VIA_UNSUB_ADDR ? "mail" : "request");
			continue;
		}
		switch (v->cls) {
		case CLS_REPLY:
			if (f->alias_contact == t->e.contact_id && f->sender &&
			    !planned(out, INB_ACT_ADD_ALIAS, f->sender)) {
				struct inbound_action *a = push(out, INB_ACT_ADD_ALIAS,
								INBOUND_EV_ALIAS_ADDED, t);
				a->address = xstrdup(f->sender);
				a->detail = detail(f, t, "new address %s on our thread linked to %s",
						   f->sender, t->contact_email ? t->contact_email : "?");
			}
			on_reply(out, f, t);
			break;
		case CLS_AUTOREPLY:
			if (t->via != VIA_COMPANY && on_autoreply(out, f, t, cfg, err) < 0) {
				cad_err_prefix(err, "enrollment %lld", (long long)t->e.id);
				inbound_plan_free(out);
				return -1;
			}
			break;
		case CLS_BOUNCE:
			on_bounce(out, f, t, cfg);
			break;
		case CLS_DELAY:
			record(out, f, t, INBOUND_EV_DELAYED, "delivery delayed");
			break;
		case CLS_UNSUBSCRIBE:
			if (t->via != VIA_COMPANY)
				unsubscribe(out, f, t, "request");
			break;
		case CLS_COMPLAINT:
			if (t->via != VIA_COMPANY)
				on_complaint(out, f, t);
			break;
		case CLS_MEETING:
			on_meeting(out, f, t, cfg);
			break;
		case CLS_CHALLENGE:
			if (t->via != VIA_COMPANY)
				on_challenge(out, f, t);
			break;
		case CLS_OTHER:
			if (meet != MEET_NONE)
				on_meeting(out, f, t, cfg);
			break;
		}
	}
	out->trusted = ntrusted > 0;
	if (n > 0 && ntrusted == 0)
		out->why = "unverified";
	return 0;
}
