/*
 * inbound_match.c - which enrollments does an inbound message concern?
 * See inbound.h for the order. What it guarantees:
 * - An id or token is verified with the site secret before the store is
 *   asked about it; one shaped like ours with a wrong MAC is counted in
 *   `forged` and never looked up.
 * - Each enrollment appears once, with the strongest way it was found
 *   (proven by an id beats an address).
 * - Company scope: colleagues are looked for at the organizational domain
 *   only when it is not a free-mail provider's, and only their enrollments
 *   in sequences whose scope is company are taken.
 * - Reads only; bounded by INBOUND_MAX_MATCHES and INBOUND_MAX_THREAD_IDS.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "freemail.h"
#include "inbound.h"
#include "msgid.h"
#include "orgdomain.h"
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
	}
	return "?";
}

static void target_free(struct inbound_target *t)
{
	enrollment_free(&t->e);
	free(t->contact_email);
	free(t->contact_tz);
	free(t->sequence_name);
	free(t->our_msgid);
	holiday_list_free(&t->hol);
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

/* Fills t's sequence settings, contact and calendar. */
static int target_load(struct mctx *x, struct inbound_target *t, struct cad_err *err)
{
	struct sequence q;
	struct contact c;
	struct user u;
	struct cad_err zerr;
	int rc;

	memset(&q, 0, sizeof(q));
	memset(&c, 0, sizeof(c));
	memset(&u, 0, sizeof(u));
	holiday_list_init(&t->hol);
	rc = store_sequence_get_id(x->st, t->e.sequence_id, &q, err);
	if (rc == 0)
		rc = store_contact_get_id(x->st, t->e.contact_id, &c, err);
	if (rc == 0)
		rc = store_user_get_id(x->st, t->e.user_id, &u, err);
	if (rc == 0)
		rc = store_holidays_get(x->st, q.holidays, &t->hol, err);
	if (rc == 0 && x->count_soft)
		rc = soft_count(x->st, t->e.id, &t->soft_bounces, err);
	if (rc == 0) {
		t->contact_email = xstrdup(c.email);
		t->contact_tz = xstrdup(c.tz);
		t->sequence_name = xstrdup(q.name);
		t->scope = q.scope;
		t->ooo = q.ooo;
		t->stop_on_reply = q.unenroll_on_reply;
		t->stop_on_meeting = q.unenroll_on_meeting;
		t->rules.days = q.days;
		t->rules.holidays = t->hol.v;
		t->rules.nholidays = t->hol.n;
		t->rules.window_start = q.window_start;
		t->rules.window_end = q.window_end;
		t->rules.zone = cal_zone_choose(c.tz, q.tz, u.tz, &zerr);
		t->have_rules = t->rules.zone != NULL;
	}
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
	if (mm->n == mm->cap) {
		mm->cap = mm->cap ? mm->cap * 2 : 4;
		mm->v = xrealloc(mm->v, mm->cap * sizeof(*mm->v));
	}
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

/* Colleagues at the organizational domain in company-scope sequences. */
static int by_company(struct mctx *x, const char *domain, struct cad_err *err)
{
	struct enrollment e;
	int64_t *ids = NULL;
	size_t n = 0;
	int rc = 0;

	if (store_contacts_at_domain(x->st, domain, &ids, &n, err) < 0)
		return -1;
	for (size_t i = 0; rc == 0 && i < n && x->mm->n < INBOUND_MAX_MATCHES; i++) {
		memset(&e, 0, sizeof(e));
		rc = store_enrollment_current(x->st, ids[i], &e, err);
		if (rc == 0)
			rc = add_target(x, &e, VIA_COMPANY, 0, NULL, 1, err);
		else
			enrollment_free(&e);
		if (rc == STORE_NOTFOUND)
			rc = 0;
	}
	free(ids);
	return rc < 0 ? -1 : 0;
}

/* The org domain for company scope: the sender's, or else (a free-mail
 * sender on a company contact's thread) the first proven target's. */
static char *company_domain(const struct inbound_matches *mm)
{
	const char *d = mm->sender ? cad_addr_domain(mm->sender) : NULL;
	char *org = NULL;

	if (d != NULL && !freemail_is(d))
		org = cad_org_domain(d);
	for (size_t i = 0; org == NULL && i < mm->n; i++) {
		const char *cd = cad_addr_domain(mm->v[i].contact_email);
		if (mm->v[i].scope == SEQ_SCOPE_COMPANY && cd != NULL && !freemail_is(cd))
			org = cad_org_domain(cd);
	}
	return org;
}

int inbound_match(struct store *st, const struct cad_secret *secret,
		  const struct inbound_msg *m, const struct inbound_config *cfg,
		  struct inbound_matches *out, struct cad_err *err)
{
	const struct verdict *v = m->v;
	struct mctx x;
	int unsub = 0, person, rc = 0;
	int64_t sender_contact = 0;
	size_t nthread;

	memset(out, 0, sizeof(*out));
	x.st = st;
	x.secret = secret;
	x.m = m;
	x.mm = out;
	x.count_soft = v->cls == CLS_BOUNCE;
	out->sender = inbound_addr_spec(m->from ? m->from : v->from);
	if (out->sender == NULL && m->env_from && *m->env_from)
		out->sender = inbound_addr_spec(m->env_from);

	/* 1. Our ids and tokens. */
	if (by_rcpts(&x, cfg, &unsub, err) < 0)
		return -1;
	if (v->cls == CLS_BOUNCE || v->cls == CLS_DELAY || v->cls == CLS_COMPLAINT) {
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
	person = v->cls == CLS_REPLY || v->cls == CLS_AUTOREPLY || v->cls == CLS_MEETING ||
		 v->cls == CLS_UNSUBSCRIBE;
	if (person) {
		rc = by_address(&x, out->sender, VIA_SENDER, 0, &sender_contact, err);
		if (rc == 0 && v->cls == CLS_MEETING && v->attendee) {
			const char *a = v->attendee;
			if (cad_startswith_ci(a, "mailto:"))
				a += 7;
			char *att = inbound_addr_spec(a);
			if (att && (out->sender == NULL || strcmp(att, out->sender) != 0))
				rc = by_address(&x, att, VIA_SENDER, 0, NULL, err);
			free(att);
		}
	} else if (out->n == 0 && v->cls == CLS_COMPLAINT) {
		char *a = inbound_addr_spec(v->arf_rcpt);
		rc = by_address(&x, a, VIA_RCPT, 0, NULL, err);
		free(a);
	} else if (out->n == 0 && (v->cls == CLS_BOUNCE || v->cls == CLS_DELAY)) {
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

	/* 3. The company, for replies and meetings: a company-scope sequence
	 * stops on a reply from anyone at the company, whatever the sender's
	 * own sequence (if any) says. */
	if (v->cls == CLS_REPLY || v->cls == CLS_MEETING) {
		out->company = company_domain(out);
		if (out->company && by_company(&x, out->company, err) < 0)
			return -1;
	}
	out->unsub_addr = unsub;
	return 0;
}
