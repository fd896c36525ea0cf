/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * filter_in.c - inbound mail (and null-sender mail from the inside:
 * Postfix's own DSNs) at end of headers (filter.c's table): the body is
 * wanted only when it can matter (an own recipient, the null sender, a
 * thread to a cadence Message-ID, machine mail's headers, else a From the
 * store knows as a contact); then the signal's authentication is read
 * (a trusted Authentication-Results, else SPF) and counts only aligned
 * with the From domain (DMARC relaxed); HELO never authenticates a From.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authres.h"
#include "factcache.h"
#include "filter_int.h"
#include "inbound.h"
#include "token.h"
#include "orgdomain.h"

static struct spf_checker *spf;

void filter_in_set_spf(struct spf_checker *c)
{
	spf = c;
}

/* 1 when In-Reply-To or References names a Message-ID that verifies as
 * cadence's (no SQL: the MAC decides). */
static int threads_to_us(const struct mmsg *m)
{
	static const char *const names[] = { "In-Reply-To", "References" };
	size_t seen = 0;
	for (size_t k = 0; k < 2; k++) {
		const char *h = mmsg_header(m, names[k], 0);
		while (h != NULL && seen < INBOUND_MAX_THREAD_IDS) {
			const char *lt = strchr(h, '<'), *gt;
			if (lt == NULL || (gt = strchr(lt, '>')) == NULL)
				break;
			if ((size_t)(gt - lt) < TOKEN_INPUT_MAX) {
				char *id = xstrndup(lt, (size_t)(gt - lt + 1));
				int ours = msgid_verify(&m->mc->secret, id, NULL) == TOKEN_VALID;
				free(id);
				if (ours)
					return 1;
			}
			seen++;
			h = gt + 1;
		}
	}
	return 0;
}

/* Headers that mark machine mail the inbound code reads: auto-replies,
 * reports (DSN, ARF), calendar replies. */
static const char *machine_header(const struct mmsg *m)
{
	const char *h = mmsg_header(m, "Auto-Submitted", 0);
	if (h != NULL) {
		while (*h == ' ' || *h == '\t')
			h++;
		if (strncasecmp(h, "no", 2) != 0 || (h[2] != '\0' && h[2] != ' ' && h[2] != ';'))
			return "Auto-Submitted";
	}
	h = mmsg_header(m, "Content-Type", 0);
	if (h != NULL) {
		while (*h == ' ' || *h == '\t')
			h++;
		if (strncasecmp(h, "multipart/report", 16) == 0)
			return "multipart/report";
		if (strncasecmp(h, "text/calendar", 13) == 0)
			return "text/calendar";
	}
	/* invitations inside multipart mail: Exchange/Outlook mark theirs,
	 * booking tools send from their own domains (inbound_meet_service) */
	h = mmsg_header(m, "Content-Class", 0);
	if (h != NULL && strstr(h, "calendarmessage") != NULL)
		return "a calendar message";
	if (m->from_addr != NULL && inbound_meet_service(&m->mc->icfg, m->from_addr))
		return "from a scheduling service";
	return NULL;
}

/* The signal's authentication, aligned with the From domain as DMARC
 * means it (issue #9): a trusted Authentication-Results' dkim=/spf=/dmarc=
 * (authres_apply() keeps only results aligned with the From domain), else
 * SPF (libspf2) of the envelope sender, which counts only when the MAIL
 * FROM domain has the From domain's organizational domain. HELO never
 * authenticates a From: the null sender's SPF (of the HELO name) is
 * logged and counts for nothing. DKIM (mverify_apply, at EOM) may still
 * authenticate what this did not. */
static void authenticate(struct mconn *cn, struct mmsg *m, int contact)
{
	const char *from_domain = m->from_addr != NULL ? cad_addr_domain(m->from_addr) : NULL;
	const char *mf_domain = m->null_sender ? NULL : cad_addr_domain(m->env_from);
	struct authres_verdict v;
	enum spf_res spf_res;
	struct sbuf why, a, mf;
	const char *h, *unaligned = NULL;
	int spf_counts;

	memset(&v, 0, sizeof(v));
	for (size_t i = 0; (h = mmsg_header(m, "Authentication-Results", i)) != NULL; i++) {
		struct authres ar;
		struct cad_err perr = { "" };
		if (authres_parse(h, &ar, &perr) != 0) {
			cad_log(CAD_LOG_DEBUG, "%s: ignoring an Authentication-Results header: %s",
				m->qid, perr.msg);
			continue;
		}
		authres_apply(&ar, m->mc->conf.trusted_authserv_ids,
			      m->mc->conf.ntrusted_authserv_ids, from_domain, &v);
		authres_free(&ar);
	}
	sbuf_init(&why);
	if (v.spf != AR_ABSENT) {
		spf_res = (enum spf_res)spf_res_parse(ar_verdict_name(v.spf));
		sbuf_adds(&why, "from a trusted Authentication-Results");
		spf_counts = 1;
	} else {
		spf_res = spf_check(spf, m->client_addr, cn->helo, m->env_from, &why);
		spf_counts = from_domain != NULL && mf_domain != NULL &&
			     cad_org_aligned(mf_domain, from_domain);
		if (m->null_sender)
			unaligned = "HELO does not authenticate a From";
		else if (!spf_counts)
			unaligned = "MAIL FROM domain not aligned with the From domain";
	}
	if ((spf_counts && spf_res == SPF_RES_PASS) || v.dkim == AR_PASS || v.dmarc == AR_PASS)
		m->auth = INB_AUTH_PASS;
	else if ((spf_counts && (spf_res == SPF_RES_FAIL || spf_res == SPF_RES_SOFTFAIL ||
				 spf_res == SPF_RES_TEMPERROR || spf_res == SPF_RES_PERMERROR)) ||
		 v.dkim == AR_FAIL || v.dmarc == AR_FAIL)
		m->auth = INB_AUTH_FAIL;
	else
		m->auth = INB_AUTH_NONE;
	sbuf_init(&mf);
	cad_printable(&mf, mf_domain != NULL ? mf_domain : "", 100);
	m->auth_detail = xasprintf("spf=%s%s%s%s dkim=%s dmarc=%s",
				   (int)spf_res >= 0 ? spf_res_name(spf_res) : "unknown",
				   unaligned != NULL ? " (not aligned: " : "",
				   unaligned != NULL ? (m->null_sender ? "helo" : mf.s) : "",
				   unaligned != NULL ? ")" : "",
				   ar_verdict_name(v.dkim), ar_verdict_name(v.dmarc));
	sbuf_init(&a);
	cad_printable(&a, m->from_addr != NULL ? m->from_addr : m->env_from, 200);
	cad_log(CAD_LOG_INFO, "%s: inbound from %s<%s>: spf=%s (%s)%s%s%s dkim=%s dmarc=%s: %s",
		m->qid, contact ? "contact " : "", a.s,
		(int)spf_res >= 0 ? spf_res_name(spf_res) : "unknown", why.s,
		unaligned != NULL ? " [not counted: " : "", unaligned != NULL ? unaligned : "",
		unaligned != NULL ? "]" : "",
		ar_verdict_name(v.dkim), ar_verdict_name(v.dmarc),
		m->auth == INB_AUTH_PASS ? "authenticated" :
		m->auth == INB_AUTH_FAIL ? "failed" : "not authenticated");
	sbuf_free(&mf);
	sbuf_free(&a);
	sbuf_free(&why);
}

/* Inbound mail (and any null-sender mail: Postfix's own DSNs reach the
 * milter from the inside): the body is kept only when it can matter. */
sfsistat filter_in_eoh(SMFICTX *ctx, struct mconn *cn, struct mmsg *m)
{
	struct cad_err err = { "" };
	const char *why = NULL;
	int contact = 0;

	if (m->nown > 0)
		why = "a recipient is cadence's own address";
	else if (m->null_sender)
		why = "null sender (a delivery report)";
	else if (m->mc->conf.ninternal_domains > 0 && m->nrcpts > 0 && !m->rcpt_internal &&
		 !m->rcpt_overflow) {
		cad_log(CAD_LOG_DEBUG, "%s: inbound, not to the organization", m->qid);
		return filter_answer_done(cn, SMFIS_ACCEPT);
	} else if (threads_to_us(m)) {
		why = "threads to a cadence message";
	} else {
		why = machine_header(m);
	}
	/* the one look-up, only when nothing else made the message worth reading */
	if (why == NULL && m->from_addr != NULL) {
		/* cached until the store changes (factcache.h) */
		int rc = factcache_contact(m->mc->conf.database, m->from_addr, &err);
		if (rc < 0)
			return filter_answer_fail(ctx, cn, FAIL_STORE, err.msg);
		if (rc > 0) {
			contact = 1;
			why = "from a contact";
		}
	}
	if (why == NULL) {
		filter_answer_log_addr(CAD_LOG_DEBUG, m, "inbound, nothing of cadence's: from", m->from_addr);
		return filter_answer_done(cn, SMFIS_ACCEPT);
	}
	cad_log(CAD_LOG_DEBUG, "%s: inbound, reading it: %s", m->qid, why);
	authenticate(cn, m, contact);
	m->do_inbound = 1;
	m->want_body = 1;
	return SMFIS_CONTINUE;
}
