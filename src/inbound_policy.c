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
 *   organization's own calendar: inbound_meet_parties; a colleague or
 *   an InternalDomains address is not the rep) and a sender who may
 *   speak for the meeting (the contact, its organization, the organizer's
 *   organization, or a scheduling service: inbound_meet_service);
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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inbound_policy_int.h"

/* Is this target's signal authenticated? */
static int trusted(const struct inbound_facts *f, const struct inbound_target *t,
		   const struct inbound_config *cfg)
{
	/* A bounce or a complaint acts only on the enrollment it is proven
	 * to belong to (a VERP token, a quoted Message-ID the ledger knows):
	 * SPF of a mailer-daemon or a feedback loop says nothing about which
	 * contact it concerns, and ActOnUnverified does not change that.
	 * A challenge/response notice is a mail system's too: the message it
	 * holds (its VERP address, or the Message-ID it quotes) is the proof. */
	if (f->v->cls == CLASSIFY_BOUNCE || f->v->cls == CLASSIFY_DELAY || f->v->cls == CLASSIFY_COMPLAINT ||
	    f->v->cls == CLASSIFY_CHALLENGE)
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
		struct inbound_action *r = inbound_plan_push(p, INB_ACT_RECORD, INBOUND_EV_MISMATCH, t);
		r->detail = inbound_plan_detail(f, t, "report names %s, not the contact %s: %s not acted on",
						a, t->contact_email, a);
	}
	free(a);
}

static void unsubscribe(struct inbound_plan *p, const struct inbound_facts *f,
			const struct inbound_target *t, const char *via)
{
	struct inbound_action *a;
	if (t->contact_email == NULL || inbound_plan_has(p, INB_ACT_UNSUBSCRIBE, t->contact_email))
		return;
	a = inbound_plan_push(p, INB_ACT_UNSUBSCRIBE, EV_UNSUBSCRIBED, t);
	a->address = xstrdup(t->contact_email);
	a->reason = xstrdup(via);
	a->detail = inbound_plan_detail(f, t, "unsubscribe (%s)", via);
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

	if (inbound_plan_stopped(t) || (meet ? !t->stop_on_meeting : !t->stop_on_reply))
		return;
	a = inbound_plan_push(p, INB_ACT_UNENROLL, ev, t);
	a->reason = xasprintf("%s (%s)", meet ? "meeting booked" : "replied", who);
	a->company = xstrdup(f->company);
	a->detail = inbound_plan_detail(f, t, "colleague %s %s, company %s", who,
					meet ? "booked a meeting" : "replied", f->company ? f->company : "?");
}

static void on_reply(struct inbound_plan *p, const struct inbound_facts *f,
		     const struct inbound_target *t)
{
	struct inbound_action *a;
	if (inbound_plan_stopped(t)) {
		inbound_plan_record(p, f, t, EV_REPLIED, "reply");
		return;
	}
	if (!t->stop_on_reply) {
		inbound_plan_record(p, f, t, EV_REPLIED, "reply (the sequence does not stop on replies)");
		return;
	}
	a = inbound_plan_push(p, INB_ACT_UNENROLL, EV_REPLIED, t);
	a->reason = xstrdup("replied");
	a->detail = inbound_plan_detail(f, t, "reply%s",
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

	if (inbound_plan_stopped(t)) {
		inbound_plan_record(p, f, t, EV_AUTO_REPLY, "auto-reply (enrollment already stopped)");
		return 0;
	}
	if (t->ooo == SEQ_OOO_IGNORE) {
		inbound_plan_record(p, f, t, EV_AUTO_REPLY, "auto-reply (the sequence ignores out-of-office)");
		return 0;
	}
	if (t->e.state == ENR_PAUSED) {
		inbound_plan_record(p, f, t, EV_AUTO_REPLY, "auto-reply (enrollment already paused)");
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
		inbound_plan_record(p, f, t, EV_AUTO_REPLY, "auto-reply (return date already past)");
		return 0;
	}
	/* A hostile or mistyped date must not silence a sequence for years. */
	if (until > f->now + (cad_time_t)INBOUND_OOO_MAX_DAYS * 86400)
		until = f->now + (cad_time_t)INBOUND_OOO_MAX_DAYS * 86400;
	a = inbound_plan_push(p, INB_ACT_PAUSE, EV_AUTO_REPLY, t);
	a->until = until;
	a->reason = day[0] ? xasprintf("out of office until %s", day)
			   : xasprintf("out of office (no return date: %d days)",
				       cfg->ooo_default_days > 0 ? cfg->ooo_default_days : 7);
	a->detail = inbound_plan_detail(f, t, "auto-reply: paused until %s%s%s%s",
					cad_time_format(until, tb, sizeof(tb)),
					t->rules_error ? " (UTC: the calendar cannot be applied: " : "",
					t->rules_error ? t->rules_error : "", t->rules_error ? ")" : "");
	return 0;
}

static void on_bounce(struct inbound_plan *p, const struct inbound_facts *f,
		      const struct inbound_target *t, const struct inbound_config *cfg)
{
	const struct verdict *v = f->v;
	const struct classify_rcpt *r = inbound_plan_bounce_rcpt(v, t);
	struct inbound_action *a;
	struct sbuf w;
	const char *addr;
	int thr = cfg->soft_bounce_threshold > 0 ? cfg->soft_bounce_threshold : 3;
	/* The address itself is dead (Sisimai's "hard"); a permanent failure
	 * for another reason (blocked, spam, too large) counts as soft. */
	int hard = r != NULL && r->hard;

	sbuf_init(&w);
	inbound_plan_bounce_words(&w, r);
	p->why = hard ? "bounced" : "soft bounce";
	if (r != NULL && r->address != NULL)
		mismatch(p, f, t, r->address);
	if (hard) {
		addr = t->contact_email;   /* the proven contact's, never the report's */
		if (inbound_plan_stopped(t)) {
			inbound_plan_record(p, f, t, EV_BOUNCED, "hard bounce (enrollment already stopped)");
		} else {
			a = inbound_plan_push(p, INB_ACT_UNENROLL, EV_BOUNCED, t);
			a->reason = w.len ? xasprintf("bounced: %s", w.s) : xstrdup("bounced");
			a->detail = inbound_plan_detail(f, t, "hard bounce");
		}
		if (addr && !inbound_plan_has(p, INB_ACT_SUPPRESS, addr)) {
			a = inbound_plan_push(p, INB_ACT_SUPPRESS, NULL, t);
			a->address = xstrdup(addr);
			a->supp = SUPP_BOUNCED;
			a->reason = w.len ? xasprintf("bounced: %s", w.s) : xstrdup("bounced");
		}
	} else if (!inbound_plan_stopped(t) && t->e.state == ENR_ACTIVE && t->soft_bounces + 1 >= thr) {
		a = inbound_plan_push(p, INB_ACT_PAUSE, EV_BOUNCED, t);
		a->reason = xasprintf("%d soft bounces (last: %s)", t->soft_bounces + 1,
				      w.len ? w.s : "no status");
		a->detail = inbound_plan_detail(f, t, "soft bounce %d of %d: paused", t->soft_bounces + 1, thr);
	} else {
		a = inbound_plan_push(p, INB_ACT_RECORD, EV_BOUNCED, t);
		a->detail = inbound_plan_detail(f, t, "soft bounce %d of %d", t->soft_bounces + 1, thr);
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
	if (t->contact_email && !inbound_plan_has(p, INB_ACT_UNENROLL_ALL, t->contact_email)) {
		a = inbound_plan_push(p, INB_ACT_UNENROLL_ALL, EV_COMPLAINT, t);
		a->address = xstrdup(t->contact_email);
		a->reason = xasprintf("complaint (%s)", fb);
		a->detail = inbound_plan_detail(f, t, "complaint");
	}
	rc = xstrdup(t->contact_email);   /* the proven contact's, never Original-Rcpt-To */
	if (rc && !inbound_plan_has(p, INB_ACT_SUPPRESS, rc)) {
		a = inbound_plan_push(p, INB_ACT_SUPPRESS, NULL, t);
		a->address = rc;
		a->supp = SUPP_COMPLAINT;
		a->reason = xasprintf("complaint (%s)", fb);
		rc = NULL;
	}
	free(rc);
}

/* Challenge/response: the rep must confirm by hand; the sequence waits. */
#define INBOUND_EV_CHALLENGE "challenge"
static void on_challenge(struct inbound_plan *p, const struct inbound_facts *f,
			 const struct inbound_target *t)
{
	static const char words[] = "the contact's mailbox asks to confirm the sender";
	struct inbound_action *a;

	if (inbound_plan_stopped(t) || t->e.state == ENR_PAUSED) {
		inbound_plan_record(p, f, t, INBOUND_EV_CHALLENGE, inbound_plan_stopped(t) ?
				    "challenge (enrollment already stopped)" : "challenge (enrollment already paused)");
		return;
	}
	a = inbound_plan_push(p, INB_ACT_PAUSE, INBOUND_EV_CHALLENGE, t);
	a->until = 0;
	a->reason = xasprintf("challenge: %s", words);
	a->detail = inbound_plan_detail(f, t, "challenge/response: paused until resumed");
	a = inbound_plan_push(p, INB_ACT_TASK, NULL, t);
	a->reason = xasprintf("Confirm the sender: %s (%s)", words,
			      f->sender ? f->sender : "challenge/response");
}

static const char *why_of(enum classify_class c, int unsub)
{
	if (unsub)
		return "unsubscribed";
	switch (c) {
	case CLASSIFY_REPLY: return "replied";
	case CLASSIFY_AUTOREPLY: return "auto-reply";
	case CLASSIFY_BOUNCE: return "bounced";
	case CLASSIFY_DELAY: return "delayed";
	case CLASSIFY_UNSUBSCRIBE: return "unsubscribed";
	case CLASSIFY_MEETING: return "meeting";
	case CLASSIFY_COMPLAINT: return "complaint";
	case CLASSIFY_CHALLENGE: return "challenge";
	case CLASSIFY_OTHER: return "other";
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
	int unsub = f->unsub_addr && v->cls != CLASSIFY_AUTOREPLY && v->cls != CLASSIFY_BOUNCE &&
		    v->cls != CLASSIFY_DELAY && v->cls != CLASSIFY_CHALLENGE;
	size_t ntrusted = 0;
	enum inbound_meeting meet = inbound_meet_kind(v);

	memset(out, 0, sizeof(*out));
	out->why = meet != MEET_NONE ? "meeting" : why_of(v->cls, unsub);
	for (size_t i = 0; i < n; i++) {
		const struct inbound_target *t = &targets[i];
		if (!trusted(f, t, cfg)) {
			/* Colleagues are not told about a signal nobody can vouch for. */
			if (t->via != VIA_COMPANY) {
				char *what = xasprintf("unverified %s", classify_verdict_class_name(v->cls));
				inbound_plan_record(out, f, t, INBOUND_EV_UNVERIFIED, what);
				free(what);
			}
			continue;
		}
		ntrusted++;
		if (t->via == VIA_COMPANY) {
			/* company scope: only when the contact's own enrollment stops */
			const char *ev = meet != MEET_NONE ? EV_MEETING : EV_REPLIED;
			const struct inbound_target *trig = trigger_of(out, ev, targets, n, t);
			if ((v->cls == CLASSIFY_REPLY || meet != MEET_NONE) && trig != NULL)
				on_colleague(out, f, trig, t, ev);
			continue;
		}
		if (unsub) {
			unsubscribe(out, f, t, t->via == VIA_UNSUB_ADDR ? "mail" : "request");
			continue;
		}
		switch (v->cls) {
		case CLASSIFY_REPLY:
			if (f->alias_contact == t->e.contact_id && f->sender &&
			    !inbound_plan_has(out, INB_ACT_ADD_ALIAS, f->sender)) {
				struct inbound_action *a = inbound_plan_push(out, INB_ACT_ADD_ALIAS,
									     INBOUND_EV_ALIAS_ADDED, t);
				a->address = xstrdup(f->sender);
				a->detail = inbound_plan_detail(f, t, "new address %s on our thread linked to %s",
								f->sender, t->contact_email ? t->contact_email : "?");
			}
			on_reply(out, f, t);
			break;
		case CLASSIFY_AUTOREPLY:
			if (t->via != VIA_COMPANY && on_autoreply(out, f, t, cfg, err) < 0) {
				cad_err_prefix(err, "enrollment %lld", (long long)t->e.id);
				inbound_plan_free(out);
				return -1;
			}
			break;
		case CLASSIFY_BOUNCE:
			on_bounce(out, f, t, cfg);
			break;
		case CLASSIFY_DELAY:
			inbound_plan_record(out, f, t, INBOUND_EV_DELAYED, "delivery delayed");
			break;
		case CLASSIFY_UNSUBSCRIBE:
			if (t->via != VIA_COMPANY)
				unsubscribe(out, f, t, "request");
			break;
		case CLASSIFY_COMPLAINT:
			if (t->via != VIA_COMPANY)
				on_complaint(out, f, t);
			break;
		case CLASSIFY_MEETING:
			inbound_policy_meet(out, f, t, cfg);
			break;
		case CLASSIFY_CHALLENGE:
			if (t->via != VIA_COMPANY)
				on_challenge(out, f, t);
			break;
		case CLASSIFY_OTHER:
			if (meet != MEET_NONE)
				inbound_policy_meet(out, f, t, cfg);
			break;
		}
	}
	out->trusted = ntrusted > 0;
	if (n > 0 && ntrusted == 0)
		out->why = "unverified";
	return 0;
}
