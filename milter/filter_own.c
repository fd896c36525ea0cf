/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * filter_own.c - cadence's own recipients in a message (enroll+SEQ,
 * unsubscribe+TOKEN, bounces+TOKEN): at end of headers, each To and Cc
 * naming one is planned to be rewritten without it (hdr_strip_own) before
 * the signer sees the headers; at end of message they are removed from
 * the recipients and the rewrites applied, last occurrence first, or the
 * message is discarded when nobody else is left.
 */
#include "config.h"

#include <stdlib.h>

#include "filter_int.h"
#include "hdr_strip.h"
#include "inbound.h"
#include "mapi.h"

/* A rep who puts cadence's address in To or Cc must not show it to the
 * contact: when own recipients will be removed at EOM (the MTA lets us,
 * and someone else remains), each To and Cc that names one of cadence's
 * addresses is marked for rewriting without them. Decided here, before
 * the signer replays the headers. */
void filter_own_plan(const struct mconn *cn, struct mmsg *m)
{
	if (m->nown == 0 || !cn->delrcpt || (m->nown >= m->nrcpts && !m->rcpt_overflow))
		return;
	for (size_t i = 0; i < m->nhdrs; i++) {
		struct mmsg_hdr *h = &m->hdrs[i];
		char *nv = NULL;
		if (!cad_strcaseeq(h->name, "To") && !cad_strcaseeq(h->name, "Cc"))
			continue;
		if (hdr_strip_own(h->value, &m->mc->icfg.addrs, &m->mc->secret, &nv, NULL) != 1)
			continue;
		if (!cn->chghdrs) {
			free(nv);
			cad_log(CAD_LOG_WARN, "%s: the MTA does not let filters change headers: "
				"cadence's address stays visible in %s", m->qid, h->name);
			continue;
		}
		h->rewrite = 1;
		h->new_value = nv;
	}
}

/* Applies the To/Cc rewrites decided at EOH (filter_own_plan), the last
 * occurrence first so that the index of an earlier one never moves. */
static void rewrite_headers(SMFICTX *ctx, struct mmsg *m)
{
	for (size_t i = m->nhdrs; i-- > 0;) {
		struct mmsg_hdr *h = &m->hdrs[i];
		int index = 1;   /* 1-based among the headers of that name */
		if (!h->rewrite)
			continue;
		for (size_t j = 0; j < i; j++)
			if (cad_strcaseeq(m->hdrs[j].name, h->name))
				index++;
		if (mapi_chgheader(ctx, h->name, index, h->new_value) != MI_SUCCESS)
			cad_log(CAD_LOG_WARN, "%s: smfi_chgheader(%s) failed: cadence's address "
				"stays visible there", m->qid, h->name);
		else if (h->new_value == NULL)
			cad_log(CAD_LOG_INFO, "%s: %s header removed (it named only cadence's "
				"addresses)", m->qid, h->name);
		else
			cad_log(CAD_LOG_INFO, "%s: %s header rewritten without cadence's address",
				m->qid, h->name);
	}
}

/* Removes cadence's own recipients (and names, rewrite_headers);
 * SMFIS_DISCARD when none other is left. */
sfsistat filter_own_consume(SMFICTX *ctx, struct mconn *cn, struct mmsg *m)
{
	if (m->nown == 0)
		return filter_answer_done(cn, SMFIS_CONTINUE);
	if (m->nown >= m->nrcpts && !m->rcpt_overflow) {
		cad_log(CAD_LOG_INFO, "%s: addressed only to cadence: discarded after reading it",
			m->qid);
		return filter_answer_done(cn, SMFIS_DISCARD);
	}
	if (!cn->delrcpt) {
		cad_log(CAD_LOG_WARN, "%s: the MTA does not let filters remove recipients: "
			"cadence's own recipients stay", m->qid);
		return filter_answer_done(cn, SMFIS_CONTINUE);
	}
	for (size_t i = 0; i < m->nown; i++) {
		if (mapi_delrcpt(ctx, m->own[i].rcpt) != MI_SUCCESS)
			cad_log(CAD_LOG_WARN, "%s: smfi_delrcpt failed", m->qid);
		else
			cad_log(CAD_LOG_INFO, "%s: cadence's %s address removed from the recipients",
				m->qid, inbound_own_name(m->own[i].own.kind));
	}
	rewrite_headers(ctx, m);
	return filter_answer_done(cn, SMFIS_CONTINUE);
}
