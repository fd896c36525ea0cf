/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mverify.c - DKIM verification of inbound mail through
 * libopendkim (see mverify.h).
 *
 * The verification runs at the end of the message over what the milter
 * kept (the headers as received, the body up to BodyLimit), so it costs
 * nothing on mail the milter lets go of early. Only signatures aligned
 * with the From domain count: a valid signature of some other domain says
 * nothing about who wrote the From line.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <opendkim/dkim.h>

#include "mverify.h"
#include "orgdomain.h"

static DKIM_LIB *vlib;

/* Bounds the work (and DNS queries) an attacker can cause: signatures
 * beyond the first DKIMV_MAX_SIGS are ignored before any key is fetched. */
static DKIM_CBSTAT prescreen(DKIM *dkim, DKIM_SIGINFO **sigs, int nsigs)
{
	(void)dkim;
	for (int i = DKIMV_MAX_SIGS; i < nsigs; i++)
		dkim_sig_ignore(sigs[i]);
	return DKIM_CBSTAT_CONTINUE;
}

int mverify_init(const char *keyfile, struct cad_err *err)
{
	if (vlib != NULL)
		return 0;
	vlib = dkim_init(NULL, NULL);
	if (vlib == NULL)
		return cad_err_set(err, "libopendkim: dkim_init() failed (verifying)");
	if (keyfile != NULL) {
		unsigned int qtype = DKIM_QUERY_FILE;
		if (dkim_options(vlib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD, &qtype,
				 sizeof(qtype)) != DKIM_STAT_OK ||
		    dkim_options(vlib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO, (void *)(uintptr_t)keyfile,
				 strlen(keyfile)) != DKIM_STAT_OK) {
			mverify_shutdown();
			return cad_err_set(err, "libopendkim: cannot use the key file %s", keyfile);
		}
	}
	{
		/* a key that does not come in time is no DKIM result, not a delay
		 * the MTA times out on (libopendkim's default is 10 s a query) */
		unsigned int timeout = DKIMV_QUERY_TIMEOUT;
		if (dkim_options(vlib, DKIM_OP_SETOPT, DKIM_OPTS_TIMEOUT, &timeout,
				 sizeof(timeout)) != DKIM_STAT_OK) {
			mverify_shutdown();
			return cad_err_set(err, "libopendkim: cannot set the DNS timeout");
		}
	}
	if (dkim_set_prescreen(vlib, prescreen) != DKIM_STAT_OK) {
		mverify_shutdown();
		return cad_err_set(err, "libopendkim: cannot install the signature prescreen");
	}
	return 0;
}

void mverify_shutdown(void)
{
	if (vlib != NULL)
		dkim_close(vlib);
	vlib = NULL;
}

int mverify_aligned(const char *d, const char *from_domain)
{
	return cad_org_aligned(d, from_domain);
}

/* Feeds the message; the verdict: the aligned passing d=, or NULL with
 * *why saying what was seen. */
static char *verify(DKIM *dkim, const struct mmsg *m, int leadspc, const char *from_domain,
		    struct sbuf *why)
{
	DKIM_SIGINFO **sigs = NULL;
	int nsigs = 0;
	DKIM_STAT st;

	for (size_t i = 0; i < m->nhdrs; i++) {
		struct sbuf h;
		sbuf_init(&h);
		sbuf_adds(&h, m->hdrs[i].name);
		sbuf_adds(&h, leadspc ? ":" : ": ");
		sbuf_adds(&h, m->hdrs[i].value);
		st = dkim_header(dkim, (unsigned char *)h.s, h.len);
		sbuf_free(&h);
		if (st != DKIM_STAT_OK) {
			sbuf_addf(why, "header %zu: %s", i + 1, dkim_getresultstr(st));
			return NULL;
		}
	}
	st = dkim_eoh(dkim);
	if (st == DKIM_STAT_NOSIG) {
		sbuf_adds(why, "no signature");
		return NULL;
	}
	if (st != DKIM_STAT_OK) {
		sbuf_addf(why, "end of headers: %s", dkim_getresultstr(st));
		return NULL;
	}
	if (m->body.len > 0) {
		st = dkim_body(dkim, (unsigned char *)m->body.s, m->body.len);
		if (st != DKIM_STAT_OK) {
			sbuf_addf(why, "body: %s", dkim_getresultstr(st));
			return NULL;
		}
	}
	/* the status of dkim_eom is that of one signature; each is read below */
	(void)dkim_eom(dkim, NULL);
	if (dkim_getsiglist(dkim, &sigs, &nsigs) != DKIM_STAT_OK || nsigs <= 0) {
		sbuf_adds(why, "no signature");
		return NULL;
	}
	for (int i = 0; i < nsigs && i < DKIMV_MAX_SIGS; i++) {
		const char *d = (const char *)dkim_sig_getdomain(sigs[i]);
		unsigned int flags = dkim_sig_getflags(sigs[i]);
		int bh = dkim_sig_getbh(sigs[i]);
		int pass = (flags & DKIM_SIGFLAG_IGNORE) == 0 && (flags & DKIM_SIGFLAG_PASSED) != 0 &&
			   bh == DKIM_SIGBH_MATCH;
		if (pass && mverify_aligned(d, from_domain))
			return xstrdup(d);
		sbuf_addf(why, "%sd=", why->len > 0 ? "; " : "");
		cad_printable(why, d != NULL ? d : "?", 100);
		sbuf_adds(why, pass ? " valid but not the From domain"
			  : bh == DKIM_SIGBH_MISMATCH ? " body hash mismatch"
						      : " does not verify");
	}
	return NULL;
}

void mverify_apply(struct mmsg *m, int leadspc)
{
	const char *from_domain = m->from_addr != NULL ? cad_addr_domain(m->from_addr) : NULL;
	DKIM_STAT st = DKIM_STAT_OK;
	struct sbuf why;
	char *d = NULL;
	DKIM *dkim;

	if (vlib == NULL || from_domain == NULL)
		return;
	if (mmsg_header(m, "DKIM-Signature", 0) == NULL)
		return;
	sbuf_init(&why);
	if (m->body_truncated) {
		sbuf_adds(&why, "body beyond BodyLimit, not verified");
	} else {
		dkim = dkim_verify(vlib, (const unsigned char *)m->qid, NULL, &st);
		if (dkim == NULL || st != DKIM_STAT_OK)
			sbuf_addf(&why, "dkim_verify(): %s", dkim_getresultstr(st));
		else
			d = verify(dkim, m, leadspc, from_domain, &why);
		if (dkim != NULL)
			dkim_free(dkim);
	}
	if (d != NULL) {
		char *detail = xasprintf("%s dkim-verified=pass (d=%s)",
					 m->auth_detail != NULL ? m->auth_detail : "", d);
		free(m->auth_detail);
		m->auth_detail = detail;
		m->auth = INB_AUTH_PASS;
		cad_log(CAD_LOG_INFO, "%s: DKIM: a valid signature of d=%s, aligned with the From "
			"domain: authenticated", m->qid, d);
		free(d);
	} else {
		cad_log(CAD_LOG_INFO, "%s: DKIM: no valid aligned signature (%s)", m->qid, why.s);
	}
	sbuf_free(&why);
}
