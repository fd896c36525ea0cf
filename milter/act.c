/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * act.c - the end-of-message actions on mail that concerns cadence (see
 * act.h): each adapts the milter's message to a library service
 * (inbound_handle, enroll_by_mail, inbound_rep_mail) and logs what it
 * did. All of them fail open: they log and return.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "classify.h"
#include "enroll_mail.h"
#include "enroll_senders.h"
#include "inbound.h"

void act_raw_message(const struct mmsg *m, int leadspc, struct sbuf *out)
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

static void log_fail_open(const struct mmsg *m, const char *what, const char *why)
{
	struct sbuf b;
	sbuf_init(&b);
	cad_printable(&b, why != NULL ? why : "", 300);
	cad_log(CAD_LOG_WARN, "%s: %s failed: %s; the message is accepted unchanged (fail open)",
		m->qid, what, b.s);
	sbuf_free(&b);
}

void act_inbound(struct mconn *cn, struct mmsg *m, cad_time_t now)
{
	struct cad_err err = { "" };
	struct inbound_result res;
	struct inbound_msg im;
	struct verdict *v;
	struct store *st;
	struct sbuf raw;
	int rc;

	st = mconn_store(cn, &err);
	if (st == NULL) {
		log_fail_open(m, "inbound: opening the store", err.msg);
		return;
	}
	sbuf_init(&raw);
	act_raw_message(m, cn->leadspc, &raw);
	struct classify_envelope env = { m->env_from, m->nrcpts > 0 ? m->rcpts[0] : NULL, 0 };
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
	cad_log(CAD_LOG_INFO, "%s: inbound %s (%s%s): %s", m->qid, classify_verdict_class_name(v->cls),
		v->rule != NULL ? v->rule : "?", m->body_truncated ? ", body truncated" : "",
		res.summary != NULL ? res.summary : "");
	inbound_result_free(&res);
	classify_verdict_free(v);
}

int act_internal_domain(const struct mconf *mc, const char *addr)
{
	const char *d = cad_addr_domain(addr);
	for (size_t i = 0; d != NULL && i < mc->conf.ninternal_domains; i++)
		if (cad_strcaseeq(d, mc->conf.internal_domains[i]))
			return 1;
	return 0;
}

/* The log line of one (contact, sequence) of an enroll message. */
static void log_item(const struct mmsg *m, const char *actor,
		     const struct enroll_mail_item *it)
{
	const char *note = it->note != NULL ? it->note : "";
	switch (it->outcome) {
	case ENROLL_MAIL_ENROLLED:
		cad_log(CAD_LOG_INFO, "%s: enrolled <%s> in %s as %s (enrollment %lld)", m->qid,
			it->contact, it->sequence, actor, (long long)it->enrollment_id);
		if (it->step1 == ENROLL_MAIL_STEP1_NONE)
			cad_log(CAD_LOG_WARN, "%s: enrollment %lld: %s", m->qid,
				(long long)it->enrollment_id, note);
		else
			cad_log(CAD_LOG_INFO, "%s: enrollment %lld: the rep's message is step 1%s%s%s",
				m->qid, (long long)it->enrollment_id,
				it->step1 == ENROLL_MAIL_STEP1_SHARED
					? " (shared with another enrollment)" : "",
				*note ? "; " : "", note);
		break;
	case ENROLL_MAIL_REFUSED:
		/* recorded as an enroll_refused event; the rep gets a notice */
		cad_log(CAD_LOG_NOTICE, "%s: enrolling <%s> in %s refused: %s", m->qid, it->contact,
			it->sequence, note);
		break;
	case ENROLL_MAIL_FAILED:
		log_fail_open(m, "enroll", note);
		break;
	}
}

/* Adapts the message to enroll_by_mail() (src/enroll_mail.h: the
 * business of it) and logs what it did, queue id first. */
void act_enroll(struct mconn *cn, struct mmsg *m, cad_time_t now)
{
	struct cad_err err = { "" };
	struct enroll_mail_cfg cfg;
	struct enroll_mail_msg em;
	struct enroll_mail_result res;
	struct sbuf why, rp;
	struct store *st;
	char *bare;

	if (m->from_addr == NULL) {
		cad_log(CAD_LOG_WARN, "%s: enroll by address: no single From address to enroll as",
			m->qid);
		return;
	}
	st = mconn_store(cn, &err);
	if (st == NULL) {
		log_fail_open(m, "enroll: opening the store", err.msg);
		return;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.addrs = &m->mc->icfg.addrs;
	cfg.secret = &m->mc->secret;
	cfg.internal_domains = (const char *const *)m->mc->conf.internal_domains;
	cfg.ninternal_domains = m->mc->conf.ninternal_domains;
	/* Issue #9: enroll by mail acts only when the submitter is the rep
	 * named in From (the SMTP AUTH login, or an EnrollSenders mapping) */
	sbuf_init(&why);
	memset(&em, 0, sizeof(em));
	em.from = m->from_addr;
	em.rcpts = (const char *const *)m->rcpts;
	em.nrcpts = m->nrcpts;
	em.msgid = bare = mmsg_bare_msgid(m->msgid);
	em.subject = mmsg_header(m, "Subject", 0);
	em.queue_id = m->qid;
	em.now = now;
	if (!enroll_senders_allowed(&m->mc->enroll_senders, m->auth_authen, m->client_addr,
				    m->from_addr, &why))
		em.refused = why.s;
	if (enroll_by_mail(st, &cfg, &em, &res, &err) != 0) {
		log_fail_open(m, "enroll", err.msg);
	} else if (res.sender_refused) {
		sbuf_init(&rp);
		cad_printable(&rp, m->from_addr, 200);
		cad_log(CAD_LOG_NOTICE, "%s: enroll by address as <%s> refused: %s (nothing "
			"enrolled: %s)", m->qid, rp.s, why.s,
			*res.contacts ? res.contacts : "no recipient");
		sbuf_free(&rp);
	} else {
		for (size_t i = 0; i < res.nitems; i++)
			log_item(m, res.actor, &res.items[i]);
	}
	if (res.warnings.len > 0)
		log_fail_open(m, "enroll", res.warnings.s);
	enroll_mail_result_free(&res);
	sbuf_free(&why);
	free(bare);
}

void act_rep_mail(struct mconn *cn, struct mmsg *m, cad_time_t now)
{
	struct cad_err err = { "" };
	struct inbound_result res;
	struct store *st;
	char *msgid;
	int completed = 0;

	if (m->from_addr == NULL)
		return;
	st = mconn_store(cn, &err);
	if (st == NULL) {
		log_fail_open(m, "rep mail: opening the store", err.msg);
		return;
	}
	msgid = mmsg_bare_msgid(m->msgid);
	if (inbound_rep_mail(st, m->from_addr, (const char *const *)m->rcpts, m->nrcpts, msgid,
			     &m->mc->icfg, now, &completed, &res, &err) != 0)
		log_fail_open(m, "rep mail", err.msg);
	cad_log(CAD_LOG_INFO, "%s: %s (%d task%s completed)", m->qid,
		res.summary != NULL ? res.summary : "rep mail", completed, completed == 1 ? "" : "s");
	inbound_result_free(&res);
	free(msgid);
}
