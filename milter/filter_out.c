/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * filter_out.c - outbound mail at end of headers (filter.c's table): the
 * DKIM signer started when the From has a SigningTable entry and the mail
 * is sequence mail, a test copy or SignAllOutbound says so (the kept
 * headers replayed into it as they will leave); a rep's mail: enroll+SEQ
 * recipients set do_enroll, other own recipients do_inbound, the To/Cc
 * rewrites planned (filter_own.c), a rep's open manual-email tasks looked
 * up for mail leaving the house (do_rep, cached: factcache.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "factcache.h"
#include "filter_int.h"
#include "inbound.h"
#include "msign.h"

/* Starts the DKIM signer and replays the kept headers into it. */
static sfsistat start_signer(SMFICTX *ctx, struct mconn *cn, struct mmsg *m,
			     const struct mkeys_key *key)
{
	struct cad_err err = { "" };
	m->signer = msign_new(key, m->qid, &err);
	if (m->signer == NULL)
		return filter_answer_fail(ctx, cn, FAIL_SIGN, err.msg);
	for (size_t i = 0; i < m->nhdrs; i++) {
		/* the headers as they will leave: a To/Cc rewritten at EOM is
		 * signed with its new value, a deleted one not at all */
		const char *v = m->hdrs[i].rewrite ? m->hdrs[i].new_value : m->hdrs[i].value;
		if (v != NULL &&
		    msign_header(m->signer, m->hdrs[i].name, v, cn->leadspc, &err) != 0)
			return filter_answer_fail(ctx, cn, FAIL_SIGN, err.msg);
	}
	if (msign_eoh(m->signer, &err) != 0)
		return filter_answer_fail(ctx, cn, FAIL_SIGN, err.msg);
	return SMFIS_CONTINUE;
}

/* Recipients other than cadence's own that are outside the organization. */
static int rcpts_outside(const struct mmsg *m)
{
	return m->rcpt_external || m->rcpt_overflow;
}

sfsistat filter_out_eoh(SMFICTX *ctx, struct mconn *cn, struct mmsg *m)
{
	const struct mkeys_key *key = NULL;
	struct cad_err err = { "" };
	int sign;

	/* m->cls: sequence mail was recognised in cb_eoh, before the limits */
	if (m->from_addr != NULL)
		key = mkeys_lookup(&m->mc->dkim, m->from_addr);
	/* a test copy (cadencectl sequence preview --send-to) is signed as
	 * its sequence's mail would be; it is not sequence mail: no gate */
	sign = key != NULL && cn->addhdrs &&
	       (m->cls == MAIL_SEQUENCE || m->msgid_test || m->mc->conf.sign_all);
	if (m->from_addr == NULL)
		cad_log(m->cls == MAIL_SEQUENCE ? CAD_LOG_WARN : CAD_LOG_INFO,
			"%s: not signed: no single readable From address", m->qid);
	else if (key == NULL && (m->cls == MAIL_SEQUENCE || m->mc->conf.sign_all))
		filter_answer_log_addr(m->cls == MAIL_SEQUENCE ? CAD_LOG_WARN : CAD_LOG_DEBUG, m,
			 "not signed: no SigningTable entry for", m->from_addr);

	/* a test copy completes no task and enrolls no one */
	if (m->msgid_test && m->cls != MAIL_SEQUENCE && !sign)
		return filter_answer_done(cn, SMFIS_ACCEPT);
	if (m->cls != MAIL_SEQUENCE && !m->msgid_test) {
		for (size_t i = 0; i < m->nown; i++) {
			if (m->own[i].own.kind == OWN_ENROLL)
				m->do_enroll = 1;
			else
				m->do_inbound = 1;   /* a rep forwards to the unsubscribe address */
		}
		if (m->do_inbound)
			m->want_body = 1;
		filter_own_plan(cn, m);
		/* The rep's own mail to a contact with an open manual-email task
		 * completes it: one look-up, only for mail leaving the house. */
		if (m->from_addr != NULL && rcpts_outside(m)) {
			/* most reps have no open manual-email task most of the
			 * time: that answer is cached until the store changes
			 * (factcache.h), the recipients looked at only when yes */
			int has = factcache_rep_manual(m->mc->conf.database, m->from_addr, &err);
			struct store *st = NULL;
			int64_t *ids = NULL;
			size_t n = 0;
			if (has < 0 ||
			    (has > 0 && ((st = mconn_store(cn, &err)) == NULL ||
					 inbound_rep_tasks(st, m->from_addr,
							   (const char *const *)m->rcpts,
							   m->nrcpts, &ids, &n, &err) != 0)))
				cad_log(CAD_LOG_WARN, "%s: looking up the rep's tasks failed: %s "
					"(the message is not affected)", m->qid, err.msg);
			m->do_rep = n > 0;
			free(ids);
		}
		if (!sign && !m->do_enroll && !m->do_inbound && !m->do_rep && m->nown == 0) {
			cad_log(CAD_LOG_DEBUG, "%s: outbound, nothing to do", m->qid);
			return filter_answer_done(cn, SMFIS_ACCEPT);
		}
	}
	if (sign)
		return start_signer(ctx, cn, m, key);
	return SMFIS_CONTINUE;
}
