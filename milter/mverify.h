/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mverify.h - DKIM verification of inbound mail the milter reads
 * (libopendkim), as one more way to authenticate a signal.
 *
 * Guarantees: never fails a message. Any error (libopendkim set-up, a
 * key that cannot be fetched, a body beyond BodyLimit) gives "no DKIM
 * result" and is logged; at most DKIMV_MAX_SIGS signatures are looked at
 * (the others are ignored before any key is fetched).
 */
#ifndef CADENCE_MILTER_MVERIFY_H
#define CADENCE_MILTER_MVERIFY_H

#include "mmsg.h"
#include "util.h"

#define DKIMV_MAX_SIGS 5
/* seconds libopendkim waits for one key query */
#define DKIMV_QUERY_TIMEOUT 5

/* Starts the verifying library. keyfile NULL: keys from DNS (production);
 * otherwise libopendkim's file query method reads "selector._domainkey.d
 * TXT-data" lines from it (tests, cadence-milter -K). 0, or -1 with err. */
int mverify_init(const char *keyfile, struct cad_err *err);
void mverify_shutdown(void);

/* 1 when d (a signature's d= domain) is aligned with the From domain
 * from_domain: relaxed alignment as DMARC defines it, the same
 * organizational domain by the Public Suffix List (cad_org_aligned());
 * never a public suffix. Case-insensitive. */
int mverify_aligned(const char *d, const char *from_domain);

/* Verifies the DKIM signatures of m's kept headers and body. A valid
 * signature aligned with the From domain makes m->auth INB_AUTH_PASS and
 * notes "dkim=pass (d=...)" in m->auth_detail; otherwise m->auth stays as
 * SPF and Authentication-Results left it. leadspc: header values keep
 * their leading space (conn_ctx.leadspc). */
void mverify_apply(struct mmsg *m, int leadspc);

#endif
