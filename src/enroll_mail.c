/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * enroll_mail.c - enroll by mail (see enroll_mail.h): the rep's message
 * to contacts with enroll+SEQ@Domain among its recipients enrolls them,
 * and is their step 1.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "enroll.h"
#include "enroll_mail.h"
#include "token.h"
#include "notice_text.h"
#include "rules.h"
#include "cal.h"
#include "holiday.h"
#include "store_holiday.h"
#include "store_ledger.h"
#include "store_notice.h"

/* A printable, bounded copy of s (caller frees). */
static char *printable(const char *s, size_t max)
{
	struct sbuf b;
	sbuf_init(&b);
	cad_printable(&b, s != NULL ? s : "", max);
	return sbuf_detach(&b);
}

/* Adds "what: why" to the result's warnings. */
static void warn(struct enroll_mail_result *res, const char *what, const char *why)
{
	if (res->warnings.len > 0)
		sbuf_adds(&res->warnings, "; ");
	sbuf_adds(&res->warnings, what);
	sbuf_adds(&res->warnings, ": ");
	cad_printable(&res->warnings, why != NULL ? why : "", 300);
}

int enroll_mail_internal(const struct enroll_mail_cfg *cfg, const char *addr)
{
	const char *d = cad_addr_domain(addr);
	for (size_t i = 0; d != NULL && i < cfg->ninternal_domains; i++)
		if (cad_strcaseeq(d, cfg->internal_domains[i]))
			return 1;
	return 0;
}

void enroll_mail_contacts(const struct enroll_mail_cfg *cfg, const char *const *rcpts,
			  size_t nrcpts, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < nrcpts; i++) {
		struct inbound_own_addr own;
		char *addr;
		if (inbound_own_address(cfg->addrs, cfg->secret, rcpts[i], &own) != OWN_NONE)
			continue;
		addr = inbound_addr_spec(rcpts[i]);
		if (addr == NULL || enroll_mail_internal(cfg, addr)) {
			free(addr);
			continue;
		}
		*out = xreallocarray(*out, *n + 1, sizeof(**out));
		(*out)[(*n)++] = addr;
	}
}

/* The enroll+ARG arguments among the recipients (pointers into own[]). */
static size_t enroll_args(const struct enroll_mail_cfg *cfg, const struct enroll_mail_msg *msg,
			  struct inbound_own_addr *own)
{
	size_t n = 0;
	for (size_t i = 0; i < msg->nrcpts; i++)
		if (inbound_own_address(cfg->addrs, cfg->secret, msg->rcpts[i], &own[n]) ==
		    OWN_ENROLL)
			n++;
	return n;
}

static void add_item(struct enroll_mail_result *res, const char *contact, const char *seq_name)
{
	struct enroll_mail_item *it;
	res->items = xreallocarray(res->items, res->nitems + 1, sizeof(*res->items));
	it = &res->items[res->nitems++];
	memset(it, 0, sizeof(*it));
	it->contact = printable(contact, 200);
	it->sequence = printable(seq_name, 200);
	it->outcome = ENROLL_MAIL_FAILED;
	it->step1 = ENROLL_MAIL_STEP1_NONE;
}

/* Submitted as someone else: the enroll_refused event and, for a known
 * rep, the notice, in one transaction. Nothing is enrolled. */
static void refuse_sender(struct store *st, const struct enroll_mail_msg *msg,
			  struct enroll_mail_result *res)
{
	struct cad_err err = { "" };
	struct event ev;
	char *from = printable(msg->from, 200), *why = printable(msg->refused, 300);

	memset(&ev, 0, sizeof(ev));
	ev.at = msg->now;
	ev.type = (char *)EV_ENROLL_REFUSED;
	ev.user_id = res->rep_id;
	ev.actor = (char *)"milter";
	ev.detail = xasprintf("enroll by mail as %s refused: %s; contacts: %s; sequence: %s", from,
			      why, *res->contacts ? res->contacts : "none", res->sequences);
	if (store_begin(st, &err) != 0 || store_event_add(st, &ev, &err) != 0) {
		store_rollback(st);
		warn(res, "recording the refusal", err.msg);
	} else {
		if (res->rep_id > 0) {
			struct notice_text t;
			notice_text_enroll_forged(&t, res->contacts, res->sequences, why);
			if (store_notice_add(st, res->rep_id, NOTICE_ENROLL_REFUSED, t.subject, t.body,
					     msg->now, NULL, &err) != 0)
				warn(res, "noting the refusal for the rep", err.msg);
			notice_text_free(&t);
		}
		if (store_commit(st, &err) != 0)
			warn(res, "committing the refusal", err.msg);
	}
	free(ev.detail);
	free(why);
	free(from);
}

/* When step index `next` (0-based in steps[]) is due after the rep's
 * message at now: rules_enrollment_due, as cadencectl's task completion
 * and the inbound code reckon it. now when the rules cannot be applied,
 * with *why saying so (cadenced then pauses the enrollment saying why). */
static cad_time_t next_due(struct store *st, int64_t enr, size_t next, cad_time_t now,
			   char **why)
{
	struct cad_err err = { "" };
	cad_time_t due = now;
	*why = NULL;
	if (rules_enrollment_due(st, enr, (int)next, now, &due, &err) != 0 || due == 0) {
		if (err.msg[0])
			*why = printable(err.msg, 300);
		due = now;
	}
	return due;
}

/* The rep's message becomes step 1 of it->enrollment_id, inside the
 * caller's transaction. */
static void record_step1(struct store *st, const struct enroll_mail_cfg *cfg,
			 const struct enroll_mail_msg *msg, const char *actor,
			 struct enroll_mail_item *it)
{
	unsigned char nonce[TOKEN_NONCE_BYTES];
	char tok[TOKEN_BUFSZ];
	struct cad_err err = { "" };
	cad_time_t due;
	char *subj = NULL, *why;
	int recorded = 0;

	if (msg->msgid == NULL || *msg->msgid == '\0') {
		it->note = xstrdup("the rep's message has no Message-ID: step 1 stays due "
				   "(cadenced sends it)");
		return;
	}
	if (msg->subject != NULL) {
		const char *s = msg->subject;
		while (*s == ' ')
			s++;
		subj = printable(s, 300);
	}
	due = next_due(st, it->enrollment_id, 1, msg->now, &why);
	if (why != NULL) {
		free(it->note);
		it->note = why;   /* step 2 due now: the calendar's reason */
	}
	/* the ledger wants a unique token for every row: a fresh one */
	if (token_nonce_random(nonce, &err) != 0 ||
	    token_make(TOKEN_UNSUB, cfg->secret, nonce, tok) != 0) {
		free(it->note);
		it->note = xasprintf("making a token: %s", err.msg);
	} else if (store_msg_external(st, it->enrollment_id, 1, msg->msgid, tok, subj,
				      msg->queue_id, due, actor, msg->now, &recorded, &err) != 0) {
		free(it->note);
		it->note = printable(err.msg, 300);
	} else {
		it->step1 = recorded ? ENROLL_MAIL_STEP1_RECORDED : ENROLL_MAIL_STEP1_SHARED;
	}
	free(subj);
}

/* Enrolls one contact in one sequence (the item), in one transaction with
 * its step 1 or with the refusal's notice. */
static void enroll_pair(struct store *st, const struct enroll_mail_cfg *cfg,
			const struct enroll_mail_msg *msg, const char *contact, const char *seq,
			struct enroll_mail_result *res)
{
	struct enroll_mail_item *it = &res->items[res->nitems - 1];
	struct cad_err err = { "" };
	struct enroll_request rq;
	struct enroll_result er;

	memset(&rq, 0, sizeof(rq));
	rq.contact = contact;
	rq.sequence = seq;
	rq.user = msg->from;
	rq.actor = res->actor;
	memset(&er, 0, sizeof(er));
	if (store_begin(st, &err) != 0 || enroll_one(st, &rq, msg->now, &er, &err) != 0) {
		store_rollback(st);
		it->note = printable(err.msg, 300);
		return;
	}
	if (er.ok) {
		it->enrollment_id = er.enrollment_id;
		record_step1(st, cfg, msg, res->actor, it);
	} else {
		it->outcome = ENROLL_MAIL_REFUSED;
		it->note = printable(er.why, 400);   /* it quotes the address */
		if (res->rep_id > 0) {
			/* the rep hears why by mail (cadenced sends the notice) */
			struct notice_text t;
			notice_text_enroll_refused(&t, it->contact, it->sequence, it->note);
			if (store_notice_add(st, res->rep_id, NOTICE_ENROLL_REFUSED, t.subject, t.body,
					     msg->now, NULL, &err) != 0)
				warn(res, "noting the refusal for the rep", err.msg);
			notice_text_free(&t);
		}
	}
	if (store_commit(st, &err) != 0) {
		it->outcome = ENROLL_MAIL_FAILED;
		free(it->note);
		it->note = xasprintf("committing: %s", err.msg);
	} else if (er.ok) {
		it->outcome = ENROLL_MAIL_ENROLLED;
	}
}

/* A rep may enroll someone cadence has not met: the contact is made from
 * the address (only for a known rep; enroll_one refuses an unknown one
 * with the reason). */
static void make_contact(struct store *st, const char *addr, cad_time_t now,
			 struct enroll_mail_result *res)
{
	struct cad_err err = { "" };
	struct contact c;
	int created = 0;
	memset(&c, 0, sizeof(c));
	c.email = xstrdup(addr);
	if (store_contact_upsert(st, &c, now, &created, &err) != 0)
		warn(res, "adding the contact", err.msg);
	contact_free(&c);
}

/* The printable lists of contacts and sequence names for the refusal. */
static void name_lists(struct store *st, char **contacts, size_t nc,
		       const struct inbound_own_addr *own, size_t nown,
		       struct enroll_mail_result *res)
{
	struct sbuf who, seqs;
	sbuf_init(&who);
	sbuf_init(&seqs);
	for (size_t i = 0; i < nc; i++) {
		sbuf_adds(&who, who.len > 0 ? ", " : "");
		cad_printable(&who, contacts[i], 200);
	}
	for (size_t k = 0; k < nown; k++) {
		/* the rep reads the sequence's name, not the slug or id */
		char *nm = inbound_enroll_sequence_name(st, own[k].arg);
		sbuf_adds(&seqs, seqs.len > 0 ? ", " : "");
		cad_printable(&seqs, nm, 200);
		free(nm);
	}
	res->contacts = sbuf_detach(&who);
	res->sequences = sbuf_detach(&seqs);
}

int enroll_by_mail(struct store *st, const struct enroll_mail_cfg *cfg,
		   const struct enroll_mail_msg *msg, struct enroll_mail_result *res,
		   struct cad_err *err)
{
	struct inbound_own_addr *own;
	struct user rep;
	char **contacts = NULL;
	size_t nc = 0, nown;
	int rc;

	memset(res, 0, sizeof(*res));
	sbuf_init(&res->warnings);
	if (msg->from == NULL || *msg->from == '\0')
		return cad_err_set(err, "no single From address to enroll as");
	memset(&rep, 0, sizeof(rep));
	rc = store_user_get(st, msg->from, &rep, err);
	res->rep_id = rc == 0 ? rep.id : 0;
	user_free(&rep);
	if (rc < 0) {
		cad_err_prefix(err, "reading the rep");
		return -1;
	}
	res->actor = xasprintf("mail:%s", msg->from);
	own = xreallocarray(NULL, msg->nrcpts + 1, sizeof(*own));
	nown = enroll_args(cfg, msg, own);
	enroll_mail_contacts(cfg, msg->rcpts, msg->nrcpts, &contacts, &nc);
	name_lists(st, contacts, nc, own, nown, res);
	if (msg->refused != NULL) {
		res->sender_refused = 1;
		refuse_sender(st, msg, res);
	} else {
		for (size_t k = 0; k < nown; k++)
			for (size_t i = 0; i < nc; i++) {
				char *nm = inbound_enroll_sequence_name(st, own[k].arg);
				if (rc == 0)
					make_contact(st, contacts[i], msg->now, res);
				add_item(res, contacts[i], nm);
				free(nm);
				enroll_pair(st, cfg, msg, contacts[i], own[k].arg, res);
			}
	}
	for (size_t i = 0; i < nc; i++)
		free(contacts[i]);
	free(contacts);
	free(own);
	return 0;
}

void enroll_mail_result_free(struct enroll_mail_result *res)
{
	for (size_t i = 0; i < res->nitems; i++) {
		free(res->items[i].contact);
		free(res->items[i].sequence);
		free(res->items[i].note);
	}
	free(res->items);
	free(res->actor);
	free(res->contacts);
	free(res->sequences);
	sbuf_free(&res->warnings);
	memset(res, 0, sizeof(*res));
}
