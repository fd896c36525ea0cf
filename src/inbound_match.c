/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * inbound_match.c - which enrollments does an inbound message concern?
 * See inbound.h for the order. What it guarantees:
 * - An id or token is verified with the site secret before the store is
 *   asked about it; one shaped like ours with a wrong MAC is counted in
 *   `forged` and never looked up.
 * - Each enrollment appears once, with the strongest way it was found
 *   (proven by an id beats an address).
 * - Meetings: the organizer and every attendee of an iMIP object are
 *   looked up (not those at an internal domain): a booking tool's
 *   invitation names the contact though the tool sent it.
 * - Company scope (HubSpot's meaning): only from an enrollment this
 *   message concerns (its contact replied or is in the meeting), active or
 *   paused, in a company-scope sequence; the colleagues taken are the
 *   other active or paused enrollments of the same sequence and the same
 *   rep whose contact is of the same company: both have a company field
 *   and it is the same (case-insensitive), or one lacks it and both
 *   addresses have the same organizational domain, never a free-mail
 *   provider's. Mail from a known contact not enrolled stops nothing.
 * - Reads only; bounded by INBOUND_MAX_MATCHES and INBOUND_MAX_THREAD_IDS.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "freemail.h"
#include "inbound.h"
#include "token.h"
#include "orgdomain.h"
#include "rules.h"
#include "store_ledger.h"

const char *inbound_via_name(enum inbound_via v)
{
	switch (v) {
	case VIA_THREAD: return "thread";
	case VIA_ORIG_MSGID: return "original-message-id";
	case VIA_VERP: return "verp";
	case VIA_UNSUB_ADDR: return "unsubscribe-address";
	case VIA_SENDER: return "sender";
	case VIA_RCPT: return "recipient";
	case VIA_COMPANY: return "company";
	case VIA_MEETING: return "meeting";
	}
	return "?";
}

static void target_free(struct inbound_target *t)
{
	enrollment_free(&t->e);
	free(t->contact_email);
	free(t->contact_tz);
	free(t->sequence_name);
	free(t->contact_company);
	free(t->rep_email);
	for (size_t i = 0; i < t->ncontact_aliases; i++)
		free(t->contact_aliases[i]);
	free(t->contact_aliases);
	free(t->our_msgid);
	holiday_list_free(&t->hol);
	free(t->rules_error);
}

void inbound_matches_free(struct inbound_matches *mm)
{
	for (size_t i = 0; i < mm->n; i++)
		target_free(&mm->v[i]);
	free(mm->v);
	free(mm->sender);
	free(mm->company);
	memset(mm, 0, sizeof(*mm));
}

struct mctx {
	struct store *st;
	const struct cad_secret *secret;
	const struct inbound_msg *m;
	struct inbound_matches *mm;
	int count_soft;   /* a bounce: count earlier soft bounces */
};

/* Soft bounces already recorded for an enrollment (EV_BOUNCED "soft ..."). */
static int soft_count(struct store *st, int64_t enr, int *out, struct cad_err *err)
{
	struct event_filter f;
	struct event *ev = NULL;
	size_t n = 0;

	memset(&f, 0, sizeof(f));
	f.enrollment_id = enr;
	f.type = EV_BOUNCED;
	*out = 0;
	if (store_events(st, &f, &ev, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (ev[i].detail && strncmp(ev[i].detail, "soft ", 5) == 0)
			(*out)++;
	store_events_free(ev, n);
	return 0;
}

/* A company field worth comparing: trimmed, NULL when empty. */
static char *company_name(const char *s)
{
	const char *e;
	if (s == NULL)
		return NULL;
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	return e > s ? xstrndup(s, (size_t)(e - s)) : NULL;
}

/* Fills t's sequence settings, contact and calendar (rules_load: the
 * contact's zone and region, as cadenced reckons them). Rules that cannot
 * be applied leave have_rules 0 with the reason in rules_error (the
 * policy says so in what it records); a stop signal still acts. */
static int target_load(struct mctx *x, struct inbound_target *t, struct cad_err *err)
{
	struct sequence q;
	struct contact c;
	struct user u;
	struct rules r;
	struct cad_err rerr = { "" };
	int rc;

	memset(&q, 0, sizeof(q));
	memset(&c, 0, sizeof(c));
	memset(&u, 0, sizeof(u));
	memset(&r, 0, sizeof(r));
	holiday_list_init(&r.hol);
	holiday_list_init(&t->hol);
	rc = store_sequence_get_id(x->st, t->e.sequence_id, &q, err);
	if (rc == 0)
		rc = store_contact_get_id(x->st, t->e.contact_id, &c, err);
	if (rc == 0)
		rc = store_user_get_id(x->st, t->e.user_id, &u, err);
	if (rc == 0) {
		rc = rules_load(x->st, &q, &c, &u, &r, &rerr);
		if (rc == RULES_ESTORE)
			*err = rerr;
		else if (rc != 0)
			t->rules_error = xstrdup(rerr.msg);
		rc = rc == RULES_ESTORE ? -1 : 0;
	}
	if (rc == 0 && x->count_soft)
		rc = soft_count(x->st, t->e.id, &t->soft_bounces, err);
	if (rc == 0) {
		t->contact_email = xstrdup(c.email);
		t->contact_aliases = c.aliases;   /* moved: a meeting may name one */
		t->ncontact_aliases = c.naliases;
		c.aliases = NULL;
		c.naliases = 0;
		t->contact_tz = xstrdup(c.tz);
		t->sequence_name = xstrdup(q.name);
		t->contact_company = company_name(c.company);
		t->rep_email = xstrdup(u.email);
		t->scope = q.scope;
		t->ooo = q.ooo;
		t->stop_on_reply = q.unenroll_on_reply;
		t->stop_on_meeting = q.unenroll_on_meeting;
		t->have_rules = t->rules_error == NULL;
		/* The list moves into t; the rules keep pointing into it. */
		t->hol = r.hol;
		holiday_list_init(&r.hol);
		t->rules = r.cal;
	}
	rules_free(&r);
	sequence_free(&q);
	contact_free(&c);
	user_free(&u);
	return rc < 0 ? -1 : 0;
}

/* Adds enrollment e (taken over) unless it is there already. */
static int add_target(struct mctx *x, struct enrollment *e, enum inbound_via via, int proven,
		      const char *our_msgid, int company_only, struct cad_err *err)
{
	struct inbound_matches *mm = x->mm;
	struct inbound_target t;

	for (size_t i = 0; i < mm->n; i++) {
		if (mm->v[i].e.id != e->id)
			continue;
		if (proven && !mm->v[i].proven) {
			mm->v[i].proven = 1;
			mm->v[i].via = via;
			free(mm->v[i].our_msgid);
			mm->v[i].our_msgid = xstrdup(our_msgid);
		}
		enrollment_free(e);
		return 0;
	}
	if (mm->n >= INBOUND_MAX_MATCHES) {
		enrollment_free(e);
		return 0;
	}
	memset(&t, 0, sizeof(t));
	t.e = *e;
	memset(e, 0, sizeof(*e));
	t.via = via;
	t.proven = proven;
	t.our_msgid = xstrdup(our_msgid);
	if (target_load(x, &t, err) < 0) {
		target_free(&t);
		return -1;
	}
	if (company_only && t.scope != SEQ_SCOPE_COMPANY) {
		target_free(&t);
		return 0;
	}
	cad_grow(&mm->v, &mm->cap, mm->n + 1, sizeof(*mm->v));
	mm->v[mm->n++] = t;
	return 0;
}

/* The enrollment of one of our sent messages. */
static int by_sent(struct mctx *x, struct sent_msg *sm, enum inbound_via via,
		   struct cad_err *err)
{
	struct enrollment e;
	int rc;
	memset(&e, 0, sizeof(e));
	rc = store_enrollment_get(x->st, sm->enrollment_id, &e, err);
	if (rc == 0)
		rc = add_target(x, &e, via, 1, sm->message_id, 0, err);
	else
		enrollment_free(&e);
	return rc < 0 ? -1 : 0;
}

/* A Message-ID from a header: verified first, then looked up. */
static int by_msgid(struct mctx *x, const char *id, enum inbound_via via, struct cad_err *err)
{
	char tok[TOKEN_BUFSZ];
	struct sent_msg sm;
	char *bare;
	const char *at;
	int rc;

	if (id == NULL)
		return 0;
	switch (token_extract(TOKEN_MSGID, x->secret, id, tok, NULL)) {
	case TOKEN_VALID:
		break;
	case TOKEN_BAD_MAC:
		x->mm->forged++;
		return 0;
	case TOKEN_MALFORMED:
		return 0;
	}
	bare = inbound_addr_spec(id);   /* "<tok@dom>" has the shape of an address */
	if (bare == NULL)
		return 0;
	rc = store_msg_get(x->st, bare, &sm, err);
	if (rc == STORE_NOTFOUND && (at = strchr(bare, '@')) != NULL) {
		/* Some MTAs change case; ours is "token@domain" as configured. */
		char *canon = xasprintf("%s%s", tok, at);
		sent_msg_free(&sm);
		rc = store_msg_get(x->st, canon, &sm, err);
		free(canon);
	}
	free(bare);
	if (rc == 0)
		rc = by_sent(x, &sm, via, err);
	sent_msg_free(&sm);
	return rc < 0 ? -1 : 0;
}

/* Envelope recipients that are our VERP or unsubscribe addresses. */
static int by_rcpts(struct mctx *x, const struct inbound_config *cfg, int *unsub,
		    struct cad_err *err)
{
	const struct inbound_msg *m = x->m;
	struct inbound_own_addr own;
	struct sent_msg sm;
	char utok[TOKEN_BUFSZ];
	int rc;

	for (size_t i = 0; i < m->nrcpts; i++) {
		enum inbound_own k = inbound_own_address(&cfg->addrs, x->secret, m->rcpts[i], &own);
		if (k != OWN_BOUNCE && k != OWN_UNSUB)
			continue;
		if (!own.token_valid) {
			x->mm->forged++;
			continue;
		}
		if (k == OWN_BOUNCE) {
			if (token_convert(TOKEN_VERP, TOKEN_UNSUB, x->secret, own.arg, utok) < 0)
				continue;
		} else {
			if (strlen(own.arg) >= sizeof(utok))
				continue;
			memcpy(utok, own.arg, strlen(own.arg) + 1);
			*unsub = 1;
		}
		rc = store_msg_get_token(x->st, utok, &sm, err);
		if (rc == 0)
			rc = by_sent(x, &sm, k == OWN_BOUNCE ? VIA_VERP : VIA_UNSUB_ADDR, err);
		sent_msg_free(&sm);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* The current enrollment of the contact with address (or alias) addr. */
static int by_address(struct mctx *x, const char *addr, enum inbound_via via,
		      int company_only, int64_t *contact_id, struct cad_err *err)
{
	struct contact c;
	struct enrollment e;
	int rc;

	if (contact_id)
		*contact_id = 0;
	if (addr == NULL || *addr == '\0')
		return 0;
	memset(&c, 0, sizeof(c));
	memset(&e, 0, sizeof(e));
	rc = store_contact_get(x->st, addr, &c, err);
	if (rc == 0) {
		if (contact_id)
			*contact_id = c.id;
		rc = store_enrollment_current(x->st, c.id, &e, err);
		if (rc == 0)
			rc = add_target(x, &e, via, 0, NULL, company_only, err);
		else
			enrollment_free(&e);
	}
	contact_free(&c);
	return rc < 0 ? -1 : 0;
}

/* The organizational domain of addr for company scope; NULL for a
 * free-mail provider's or none. Caller frees. */
static char *company_org(const char *addr)
{
	const char *d = addr ? cad_addr_domain(addr) : NULL;
	if (d == NULL || freemail_is(d))
		return NULL;
	return cad_org_domain(d);
}

/* The trigger's company against a colleague's (see the top). */
static int same_company(const char *tcomp, const char *torg, const char *ccomp,
			const char *corg)
{
	if (tcomp != NULL && ccomp != NULL)
		return strcasecmp(tcomp, ccomp) == 0;
	return torg != NULL && corg != NULL && strcmp(torg, corg) == 0;
}

/* The colleagues of trigger enrollment mm->v[ti] in its sequence. */
static int by_company(struct mctx *x, size_t ti, struct cad_err *err)
{
	struct inbound_target *t = &x->mm->v[ti];
	int64_t tid = t->e.id, tcontact = t->e.contact_id, tseq = t->e.sequence_id;
	char *tcomp = xstrdup(t->contact_company), *torg = company_org(t->contact_email);
	char *seq = xstrdup(t->sequence_name), *rep = xstrdup(t->rep_email);
	static const int states[] = { ENR_ACTIVE, ENR_PAUSED };
	int rc = 0;

	if ((tcomp == NULL && torg == NULL) || seq == NULL || rep == NULL)
		goto out;
	if (x->mm->company == NULL)
		x->mm->company = xstrdup(tcomp ? tcomp : torg);
	for (size_t k = 0; rc == 0 && k < CAD_ARRAY_LEN(states); k++) {
		struct enrollment_view *v = NULL;
		struct enr_filter f;
		size_t n = 0;

		memset(&f, 0, sizeof(f));
		f.sequence = seq;
		f.user = rep;
		f.state = states[k];
		if (store_enrollments(x->st, &f, &v, &n, err) < 0) {
			rc = -1;
			break;
		}
		for (size_t i = 0; rc == 0 && i < n && x->mm->n < INBOUND_MAX_MATCHES; i++) {
			char *corg, *ccomp = NULL;
			int same;
			if (v[i].e.id == tid || v[i].e.contact_id == tcontact ||
			    v[i].e.sequence_id != tseq)
				continue;
			corg = company_org(v[i].contact_email);
			same = torg != NULL && corg != NULL && strcmp(torg, corg) == 0;
			if (tcomp != NULL || same) {
				/* the company fields decide when both have one */
				struct contact c;
				memset(&c, 0, sizeof(c));
				rc = store_contact_get_id(x->st, v[i].e.contact_id, &c, err);
				if (rc == 0)
					ccomp = company_name(c.company);
				contact_free(&c);
				same = rc == 0 && same_company(tcomp, torg, ccomp, corg);
			}
			if (rc == 0 && same) {
				size_t before = x->mm->n;
				rc = add_target(x, &v[i].e, VIA_COMPANY, 0, NULL, 0, err);
				if (rc == 0 && x->mm->n > before)
					x->mm->v[x->mm->n - 1].trigger = tid;
			}
			free(ccomp);
			free(corg);
		}
		store_enrollment_views_free(v, n);
	}
out:
	free(tcomp);
	free(torg);
	free(seq);
	free(rep);
	return rc < 0 ? -1 : 0;
}

/* The contacts named by an iMIP object: organizer and attendees. */
static int by_meeting(struct mctx *x, const struct inbound_config *cfg, struct cad_err *err)
{
	const struct verdict *v = x->m->v;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i <= v->nattendees; i++) {
		const char *a = i == 0 ? v->organizer : v->attendees[i - 1].address;
		char *addr;
		if (a == NULL)
			continue;
		addr = inbound_addr_spec(inbound_meet_addr(a));
		if (addr != NULL && !inbound_meet_internal(cfg, addr))
			rc = by_address(x, addr, VIA_MEETING, 0, NULL, err);
		free(addr);
	}
	return rc;
}

int inbound_match(struct store *st, const struct cad_secret *secret,
		  const struct inbound_msg *m, const struct inbound_config *cfg,
		  struct inbound_matches *out, struct cad_err *err)
{
	const struct verdict *v = m->v;
	struct mctx x;
	enum inbound_meeting meet;
	int unsub = 0, person, rc = 0;
	int64_t sender_contact = 0;
	size_t nthread;

	memset(out, 0, sizeof(*out));
	x.st = st;
	x.secret = secret;
	x.m = m;
	x.mm = out;
	x.count_soft = v->cls == CLASSIFY_BOUNCE;
	out->sender = inbound_addr_spec(m->from ? m->from : v->from);
	if (out->sender == NULL && m->env_from && *m->env_from)
		out->sender = inbound_addr_spec(m->env_from);

	/* 1. Our ids and tokens. */
	if (by_rcpts(&x, cfg, &unsub, err) < 0)
		return -1;
	/* A report or a challenge/response notice names our message as the
	 * one it is about (its attached or quoted header). */
	if (v->cls == CLASSIFY_BOUNCE || v->cls == CLASSIFY_DELAY || v->cls == CLASSIFY_COMPLAINT ||
	    v->cls == CLASSIFY_CHALLENGE) {
		if (by_msgid(&x, v->orig_message_id, VIA_ORIG_MSGID, err) < 0)
			return -1;
	}
	if (by_msgid(&x, v->in_reply_to, VIA_THREAD, err) < 0)
		return -1;
	/* References lists the thread oldest first: the newest ids matter most. */
	nthread = 0;
	for (size_t i = v->nreferences; i > 0 && nthread < INBOUND_MAX_THREAD_IDS; i--, nthread++)
		if (by_msgid(&x, v->references[i - 1], VIA_THREAD, err) < 0)
			return -1;

	/* 2. Addresses. A bounce or report names the recipient; its From is a
	 * mail system, not a person. */
	meet = inbound_meet_kind(v);
	person = v->cls == CLASSIFY_REPLY || v->cls == CLASSIFY_AUTOREPLY || v->cls == CLASSIFY_MEETING ||
		 v->cls == CLASSIFY_UNSUBSCRIBE;
	if (person) {
		rc = by_address(&x, out->sender, VIA_SENDER, 0, &sender_contact, err);
	}
	if (rc == 0 && meet != MEET_NONE) {
		rc = by_meeting(&x, cfg, err);
	} else if (out->n == 0 && v->cls == CLASSIFY_COMPLAINT) {
		char *a = inbound_addr_spec(v->arf_rcpt);
		rc = by_address(&x, a, VIA_RCPT, 0, NULL, err);
		free(a);
	} else if (out->n == 0 && (v->cls == CLASSIFY_BOUNCE || v->cls == CLASSIFY_DELAY)) {
		for (size_t i = 0; rc == 0 && i < v->nrcpts; i++)
			rc = by_address(&x, v->rcpts[i].address, VIA_RCPT, 0, NULL, err);
	}
	if (rc < 0)
		return -1;

	/* A new address on our thread: the person writes from another mailbox. */
	if (person && out->sender && sender_contact == 0 && cad_addr_valid(out->sender)) {
		for (size_t i = 0; i < out->n; i++)
			if (out->v[i].via == VIA_THREAD) {
				out->alias_contact = out->v[i].e.contact_id;
				break;
			}
	}

	/* 3. The company, for replies and meetings: the colleagues of each
	 * enrollment found so far whose contact replied or is in the meeting
	 * (the policy stops them only when it stops that enrollment). */
	if (v->cls == CLASSIFY_REPLY || meet == MEET_REQUEST || meet == MEET_REPLY) {
		size_t n0 = out->n;
		for (size_t i = 0; i < n0; i++) {
			const struct inbound_target *t = &out->v[i];
			if (t->scope != SEQ_SCOPE_COMPANY || t->via == VIA_COMPANY ||
			    t->via == VIA_VERP || t->via == VIA_UNSUB_ADDR ||
			    t->via == VIA_ORIG_MSGID || t->via == VIA_RCPT ||
			    (t->e.state != ENR_ACTIVE && t->e.state != ENR_PAUSED))
				continue;
			if (by_company(&x, i, err) < 0)
				return -1;
		}
	}
	out->unsub_addr = unsub;
	return 0;
}
