/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * authres.h - Authentication-Results (RFC 8601) written by a trusted
 * upstream verifier.
 *
 * An organization that already verifies SPF, DKIM and DMARC at its edge
 * (OpenDKIM, OpenDMARC, rspamd, a cloud gateway) adds an
 * Authentication-Results header under its authserv-id; cadence trusts the
 * results of the ids listed in TrustedAuthservIDs (the edge must remove
 * headers that claim its id from incoming mail, as RFC 8601 5 requires) and
 * ignores every other.
 *
 * authres_parse() reads one header value into its parts. authres_apply()
 * folds one header's results for the message's From domain into a verdict:
 * dkim= counts when header.d (or the domain of header.i) is aligned with
 * the From domain (relaxed, as DMARC: the same organizational domain by the
 * Public Suffix List, orgdomain.h); spf= counts when smtp.mailfrom's domain
 * is aligned the same way (smtp.helo never counts: HELO does not
 * authenticate a From); dmarc= counts when header.from is the From domain.
 * Over several signatures the best result wins (pass first).
 *
 * Guarantees: bounded (AUTHRES_MAX_* below); a value that does not parse is
 * an error saying where, and yields nothing, never part of a header.
 */
#ifndef CADENCE_MILTER_AUTHRES_H
#define CADENCE_MILTER_AUTHRES_H

#include <stddef.h>

#include "util.h"

#define AUTHRES_MAX_LEN 16384      /* longer values are refused */
#define AUTHRES_MAX_RESULTS 64     /* method results per header */
#define AUTHRES_MAX_PROPS 16       /* properties per result */

struct authres_prop {
	char *ptype;      /* "header", "smtp", "policy", "body" (lower-case) */
	char *property;   /* "d", "i", "from", "mailfrom" (lower-case) */
	char *value;      /* as written, quotes removed */
};

struct authres_result {
	char *method;     /* "dkim", "spf", "dmarc", ... (lower-case) */
	char *result;     /* "pass", "fail", ... (lower-case) */
	char *reason;     /* reason= or NULL */
	struct authres_prop props[AUTHRES_MAX_PROPS];
	size_t nprops;
};

struct authres {
	char *authserv_id;
	struct authres_result *results;
	size_t nresults;  /* 0 for "; none" */
};

int authres_parse(const char *value, struct authres *out, struct cad_err *err);
void authres_free(struct authres *ar);
/* The value of ptype.property in r, or NULL. */
const char *authres_prop(const struct authres_result *r, const char *ptype,
			 const char *property);

/* Result ranks, best first; AR_ABSENT when nothing was said. */
enum ar_verdict {
	AR_ABSENT = 0,
	AR_PASS,
	AR_FAIL,
	AR_SOFTFAIL,
	AR_NEUTRAL,
	AR_NONE,
	AR_POLICY,
	AR_TEMPERROR,
	AR_PERMERROR
};
const char *ar_verdict_name(enum ar_verdict v);

struct authres_verdict {
	enum ar_verdict dkim;
	enum ar_verdict spf;
	enum ar_verdict dmarc;
	int trusted_headers;   /* how many trusted headers were applied */
};

/* 1 when id is one of the trusted ids (case-insensitive). */
int authres_trusted(const char *id, char *const *trusted, size_t ntrusted);
/* Folds ar into v for mail whose From domain is from_domain, if ar's
 * authserv-id is trusted; returns 1 when applied, 0 when ignored. */
int authres_apply(const struct authres *ar, char *const *trusted, size_t ntrusted,
		  const char *from_domain, struct authres_verdict *v);

#endif
