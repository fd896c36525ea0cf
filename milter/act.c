/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * act.c - the end-of-message actions on mail that concerns cadence (see
 * act.h). All of them fail open: they log and return.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "cal.h"
#include "classify.h"
#include "enroll.h"
#include "enroll_senders.h"
#include "holiday.h"
#include "inbound.h"
#include "msgid.h"
#include "store_ledger.h"

char *act_bare_msgid(const char *value)
{
	const char *b, *e;
	if (value == NULL)
		return NULL;
	b = value;
	while (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n')
		b++;
	e = b + strlen(b);
	while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	if (e - b >= 2 && *b == '<' && e[-1] == '>') {
		b++;
		e--;
	}
	if (e == b || e - b > 998)
		return NULL;
	return xstrndup(b, (size_t)(e - b));
}

void act_raw_message(const struct msg_ctx *m, int leadspc, struct sbuf *out)
{
	for (size_t i = 0; i < m->nhdrs; i++) {
		sbuf_adds(out, m->hdrs[i].name);
		/* with SMFIP_HDR_LEADSPC the value keeps the space after ':' */
		sbuf_adds(out, leadspc ? ":" : ": ");
		sbuf_adds(out, m->hdrs[i].value);
		sbuf_adds(out, "\r\n");
	}
	sbuf_adds(out, "\r\n");
	if (m->body.len > 0)
		sbuf_add(out, m->body.s, m->body.len);
}

static void log_fail_open(const struct msg_ctx *m, const char *what, const char *why)
{
	struct sbuf b;
	sbuf_init(&b);
	cad_printable(&b, why != NULL ? why : "", 300);
	cad_log(CAD_LOG_WARN, "%s: %s failed: %s; the message is accepted unchanged (fail open)",
		m->qid, what, b.s);
	sbuf_free(&b);
}

void act_inbound(struct conn_ctx *cn, struct msg_ctx *m, cad_time_t now)
{
	struct cad_err err = { "" };
	struct inbound_result res;
	struct inbound_msg im;
	struct verdict *v;
	struct store *st;
	struct sbuf raw;
	int rc;

	st = conn_store(cn, &err);
	if (st == NULL) {
		log_fail_open(m, "inbound: opening the store", err.msg);
		return;
	}
	sbuf_init(&raw);
	act_raw_message(m, cn->leadspc, &raw);
	struct cls_envelope env = { m->env_from, m->nrcpts > 0 ? m->rcpts[0] : NULL, 0 };
	for (size_t i = 0; i < m->nown; i++)
		if (m->own[i].own.kind == OWN_BOUNCE) {
			env.rcpt = m->own[i].rcpt;   /* our VERP address: the envelope evidence */
			env.rcpt_is_verp = 1;
		}
	v = classify_message_env(raw.s != NULL ? raw.s : "", raw.len, &env);
	sbuf_free(&raw);
	memset(&im, 0, sizeof(im));
	im.v = v;
	im.env_from = m->env_from != NULL ? m->env_from : "";
	im.rcpts = (const char *const *)m->rcpts;
	im.nrcpts = m->nrcpts;
	im.from = m->from_addr;
	im.auth = m->auth;
	im.auth_detail = m->auth_detail;
	im.queue_id = m->qid;
	im.now = now;
	rc = inbound_handle(st, &m->mc->secret, &im, &m->mc->icfg, &res, &err);
	if (rc < 0)
		log_fail_open(m, "inbound", err.msg);
	cad_log(CAD_LOG_INFO, "%s: inbound %s (%s%s): %s", m->qid, cls_class_name(v->cls),
		v->rule != NULL ? v->rule : "?", m->body_truncated ? ", body truncated" : "",
		res.summary != NULL ? res.summary : "");
	inbound_result_free(&res);
	verdict_free(v);
}

/* When step index `next` (0-based in steps[]) is due after the rep's
 * message at now, by the sequence's calendar; now when it cannot be told
 * (the scheduler then applies the window itself). As cadencectl's task
 * completion and the inbound code reckon it. */
static cad_time_t next_due(struct store *st, int64_t enr, size_t next, cad_time_t now)
{
	struct enrollment e;
	struct sequence s;
	struct contact k;
	struct user u;
	struct holiday_list hol;
	struct cal_rules r;
	struct cad_err err = { "" };
	cad_time_t due = now;

	memset(&e, 0, sizeof(e));
	memset(&s, 0, sizeof(s));
	memset(&k, 0, sizeof(k));
	memset(&u, 0, sizeof(u));
	holiday_list_init(&hol);
	if (store_enrollment_get(st, enr, &e, &err) == 0 &&
	    store_sequence_get_id(st, e.sequence_id, &s, &err) == 0 &&
	    store_contact_get_id(st, e.contact_id, &k, &err) == 0 &&
	    store_user_get_id(st, e.user_id, &u, &err) == 0 && next < s.nsteps &&
	    store_holidays_get(st, s.holidays, &hol, &err) == 0) {
		memset(&r, 0, sizeof(r));
		r.days = s.days;
		r.holidays = hol.v;
		r.nholidays = hol.n;
		r.window_start = s.window_start;
		r.window_end = s.window_end;
		r.zone = cal_zone_choose(k.tz, s.tz, u.tz, &err);
		if (r.zone == NULL || cal_next_due(&r, now, s.steps[next].delay_days,
						   s.steps[next].delay_minutes, &due, &err) != 0)
			due = now;
	}
	holiday_list_free(&hol);
	user_free(&u);
	contact_free(&k);
	sequence_free(&s);
	enrollment_free(&e);
	return due;
}

int act_internal_domain(const struct mconf *mc, const char *addr)
{
	const char *d = cad_addr_domain(addr);
	for (size_t i = 0; d != NULL && i < mc->conf.ninternal_domains; i++)
		if (cad_strcaseeq(d, mc->conf.internal_domains[i]))
			return 1;
	return 0;
}

/* The rep's message becomes step 1 of enrollment enr. */
static void record_step1(struct store *st, struct msg_ctx *m, int64_t enr, const char *actor,
			 cad_time_t now)
{
	unsigned char nonce[TOKEN_NONCE_BYTES];
	char tok[TOKEN_BUFSZ];
	struct cad_err err = { "" };
	char *msgid = act_bare_msgid(m->msgid);
	const char *subject = msg_header(m, "Subject", 0);
	char *subj = NULL;
	int recorded = 0;

	if (msgid == NULL) {
		cad_log(CAD_LOG_WARN, "%s: enrollment %lld: the rep's message has no Message-ID: "
			"step 1 stays due (cadenced sends it)", m->qid, (long long)enr);
		return;
	}
	if (subject != NULL) {
		struct sbuf b;
		sbuf_init(&b);
		while (*subject == ' ')
			subject++;
		cad_printable(&b, subject, 300);
		subj = sbuf_detach(&b);
	}
	/* the ledger wants a unique token for every row: a fresh one */
	if (token_nonce_random(nonce, &err) != 0 || token_make(TOKEN_UNSUB, &m->mc->secret,
							       nonce, tok) != 0) {
		log_fail_open(m, "enroll: making a token", err.msg);
	} else if (store_msg_external(st, enr, 1, msgid, tok, subj, m->qid,
				      next_due(st, enr, 1, now), actor, now, &recorded,
				      &err) != 0) {
		log_fail_open(m, "enroll: recording the rep's message as step 1", err.msg);
	} else {
		cad_log(CAD_LOG_INFO, "%s: enrollment %lld: the rep's message is step 1%s", m->qid,
			(long long)enr, recorded ? "" : " (shared with another enrollment)");
	}
	free(subj);
	free(msgid);
}

/* The recipients an enroll message would enroll, for the rep's notice. */
static void enroll_targets(struct store *st, const struct msg_ctx *m, struct sbuf *who,
			   struct sbuf *seqs)
{
	for (size_t i = 0; i < m->nrcpts; i++) {
		struct inbound_own_addr own;
		char *addr;
		if (inbound_own_address(&m->mc->icfg.addrs, &m->mc->secret, m->rcpts[i], &own) !=
		    OWN_NONE)
			continue;
		addr = inbound_addr_spec(m->rcpts[i]);
		if (addr != NULL && !act_internal_domain(m->mc, addr)) {
			sbuf_adds(who, who->len > 0 ? ", " : "");
			cad_printable(who, addr, 200);
		}
		free(addr);
	}
	for (size_t k = 0; k < m->nown; k++)
		if (m->own[k].own.kind == OWN_ENROLL) {
			/* the rep reads the sequence's name, not the slug or id */
			char *nm = inbound_enroll_sequence_name(st, m->own[k].own.arg);
			sbuf_adds(seqs, seqs->len > 0 ? ", " : "");
			cad_printable(seqs, nm, 200);
			free(nm);
		}
}

/* Issue #9: enroll by mail acts only when the submitter is the rep named
 * in From (the SMTP AUTH login, or an EnrollSenders mapping of the login
 * or of an InternalHosts client). Otherwise nothing is enrolled; the
 * refusal is logged, recorded (enroll_refused) and, when the From names a
 * rep, told to that rep by a notice. 1 when allowed. */
static int enroll_sender_ok(struct store *st, struct msg_ctx *m, int64_t rep_id, cad_time_t now)
{
	struct cad_err err = { "" };
	struct sbuf why, who, seqs, rp;
	struct event ev;
	int ok;

	sbuf_init(&why);
	ok = enroll_senders_allowed(&m->mc->enroll_senders, m->auth_authen, m->client_addr,
				    m->from_addr, &why);
	if (ok) {
		sbuf_free(&why);
		return 1;
	}
	sbuf_init(&who);
	sbuf_init(&seqs);
	sbuf_init(&rp);
	enroll_targets(st, m, &who, &seqs);
	cad_printable(&rp, m->from_addr, 200);
	cad_log(CAD_LOG_NOTICE, "%s: enroll by address as <%s> refused: %s (nothing enrolled: %s)",
		m->qid, rp.s, why.s, who.len > 0 ? who.s : "no recipient");
	memset(&ev, 0, sizeof(ev));
	ev.at = now;
	ev.type = (char *)EV_ENROLL_REFUSED;
	ev.user_id = rep_id;
	ev.actor = (char *)"milter";
	ev.detail = xasprintf("enroll by mail as %s refused: %s; contacts: %s; sequence: %s", rp.s,
			      why.s, who.len > 0 ? who.s : "none", seqs.s);
	if (store_begin(st, &err) != 0 || store_event_add(st, &ev, &err) != 0) {
		store_rollback(st);
		log_fail_open(m, "enroll: recording the refusal", err.msg);
	} else {
		if (rep_id > 0) {
			char *subj = xasprintf("cadence: an enrollment in your name was refused");
			char *body = xasprintf(
				"A message with your address in its From line asked cadence to\n"
				"enroll %s in the sequence %s (it was sent to the enroll\n"
				"address), but it was not sent as you:\n\n  %s\n\n"
				"Nothing was enrolled; the message itself was delivered as it was\n"
				"sent. If you sent it, send it again from your own mail account\n"
				"(logged in as yourself), or ask your cadence administrator to\n"
				"let the account or server you used enroll as you (EnrollSenders).\n"
				"If you did not send it, tell your administrator: someone put your\n"
				"address in the From line.\n",
				who.len > 0 ? who.s : "(no contact)", seqs.s, why.s);
			if (store_notice_add(st, rep_id, NOTICE_ENROLL_REFUSED, subj, body, now, NULL,
					     &err) != 0)
				log_fail_open(m, "enroll: noting the refusal for the rep", err.msg);
			free(subj);
			free(body);
		}
		if (store_commit(st, &err) != 0)
			log_fail_open(m, "enroll: committing the refusal", err.msg);
	}
	free(ev.detail);
	sbuf_free(&rp);
	sbuf_free(&seqs);
	sbuf_free(&who);
	sbuf_free(&why);
	return 0;
}

void act_enroll(struct conn_ctx *cn, struct msg_ctx *m, cad_time_t now)
{
	struct cad_err err = { "" };
	struct store *st;
	struct user rep;
	int64_t rep_id;
	char *actor;
	int rc;

	if (m->from_addr == NULL) {
		cad_log(CAD_LOG_WARN, "%s: enroll by address: no single From address to enroll as",
			m->qid);
		return;
	}
	st = conn_store(cn, &err);
	if (st == NULL) {
		log_fail_open(m, "enroll: opening the store", err.msg);
		return;
	}
	memset(&rep, 0, sizeof(rep));
	rc = store_user_get(st, m->from_addr, &rep, &err);
	rep_id = rc == 0 ? rep.id : 0;
	user_free(&rep);
	if (rc < 0) {
		log_fail_open(m, "enroll: reading the rep", err.msg);
		return;
	}
	if (!enroll_sender_ok(st, m, rep_id, now))
		return;
	actor = xasprintf("mail:%s", m->from_addr);
	for (size_t k = 0; k < m->nown; k++) {
		const char *seq = m->own[k].own.arg;
		if (m->own[k].own.kind != OWN_ENROLL)
			continue;
		for (size_t i = 0; i < m->nrcpts; i++) {
			struct inbound_own_addr own;
			struct enroll_request rq;
			struct enroll_result res;
			struct sbuf pa, ps;
			char *addr;

			if (inbound_own_address(&m->mc->icfg.addrs, &m->mc->secret, m->rcpts[i],
						&own) != OWN_NONE)
				continue;
			addr = inbound_addr_spec(m->rcpts[i]);
			if (addr == NULL || act_internal_domain(m->mc, addr)) {
				free(addr);
				continue;
			}
			/* A rep may enroll someone cadence has not met: the contact
			 * is made from the address (only for a known rep; enroll_one
			 * refuses an unknown one with the reason). */
			if (rc == 0) {
				struct contact c;
				int created = 0;
				memset(&c, 0, sizeof(c));
				c.email = xstrdup(addr);
				if (store_contact_upsert(st, &c, now, &created, &err) != 0)
					log_fail_open(m, "enroll: adding the contact", err.msg);
				contact_free(&c);
			}
			memset(&rq, 0, sizeof(rq));
			rq.contact = addr;
			rq.sequence = seq;
			rq.user = m->from_addr;
			rq.actor = actor;
			memset(&res, 0, sizeof(res));
			sbuf_init(&pa);
			sbuf_init(&ps);
			cad_printable(&pa, addr, 200);
			{
				char *nm = inbound_enroll_sequence_name(st, seq);
				cad_printable(&ps, nm, 200);
				free(nm);
			}
			/* One transaction for the enrollment and its step 1: cadenced
			 * must never see the enrollment due before the rep's message
			 * is recorded as that step (it would send step 1 again). */
			if (store_begin(st, &err) != 0 || enroll_one(st, &rq, now, &res, &err) != 0) {
				store_rollback(st);
				log_fail_open(m, "enroll", err.msg);
			} else if (res.ok) {
				record_step1(st, m, res.enrollment_id, actor, now);
				if (store_commit(st, &err) != 0)
					log_fail_open(m, "enroll: committing", err.msg);
				else
					cad_log(CAD_LOG_INFO, "%s: enrolled <%s> in %s as %s (enrollment %lld)",
						m->qid, pa.s, ps.s, actor, (long long)res.enrollment_id);
			} else {
				/* The rep hears why by mail (cadenced sends the notice):
				 * written with the enroll_refused event, in its transaction. */
				struct sbuf pw;
				sbuf_init(&pw);
				cad_printable(&pw, res.why, 400);   /* it quotes the address */
				if (rep_id > 0) {
					char *subj = xasprintf("cadence: could not enroll %s in %s",
							       pa.s, ps.s);
					char *body = xasprintf(
						"You asked cadence to enroll %s in the sequence %s\n"
						"(by sending your message to its enroll address), but it\n"
						"was refused:\n\n  %s\n\n"
						"Your own message was delivered as you sent it; only the\n"
						"enrollment did not happen. If the reason passes (the contact's\n"
						"current sequence ends, your daily enrollment cap frees up\n"
						"tomorrow), enroll the contact again then; otherwise\n"
						"ask your cadence administrator.\n", pa.s, ps.s, pw.s);
					if (store_notice_add(st, rep_id, NOTICE_ENROLL_REFUSED, subj, body,
							     now, NULL, &err) != 0)
						log_fail_open(m, "enroll: noting the refusal for the rep",
							      err.msg);
					free(subj);
					free(body);
				}
				sbuf_free(&pw);
				if (store_commit(st, &err) != 0)   /* the enroll_refused event */
					log_fail_open(m, "enroll: committing", err.msg);
				struct sbuf w;
				sbuf_init(&w);
				cad_printable(&w, res.why, 400);
				/* enroll_one recorded it as an enroll_refused event */
				cad_log(CAD_LOG_NOTICE, "%s: enrolling <%s> in %s refused: %s", m->qid,
					pa.s, ps.s, w.s);
				sbuf_free(&w);
			}
			sbuf_free(&pa);
			sbuf_free(&ps);
			free(addr);
		}
	}
	free(actor);
}

void act_rep_mail(struct conn_ctx *cn, struct msg_ctx *m, cad_time_t now)
{
	struct cad_err err = { "" };
	struct inbound_result res;
	struct store *st;
	char *msgid;
	int completed = 0;

	if (m->from_addr == NULL)
		return;
	st = conn_store(cn, &err);
	if (st == NULL) {
		log_fail_open(m, "rep mail: opening the store", err.msg);
		return;
	}
	msgid = act_bare_msgid(m->msgid);
	if (inbound_rep_mail(st, m->from_addr, (const char *const *)m->rcpts, m->nrcpts, msgid,
			     &m->mc->icfg, now, &completed, &res, &err) != 0)
		log_fail_open(m, "rep mail", err.msg);
	cad_log(CAD_LOG_INFO, "%s: %s (%d task%s completed)", m->qid,
		res.summary != NULL ? res.summary : "rep mail", completed, completed == 1 ? "" : "s");
	inbound_result_free(&res);
	free(msgid);
}
