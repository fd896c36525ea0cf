/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * orgdomain.h - organizational domains (RFC 7489 3.2), from the Public
 * Suffix List through libpsl.
 *
 * What for: DMARC-style alignment of an authenticated domain (SPF's
 * MAIL FROM, a DKIM signature's d=) with the From domain, and grouping
 * contacts by company. The organizational domain is the registrable
 * domain: the public suffix plus one label ("mail.eu.acme.co.uk" ->
 * "acme.co.uk"); under a suffix the list does not know, the last label is
 * the suffix (libpsl's "*" rule: "mail.acme.test" -> "acme.test").
 *
 * Guarantees: the list is loaded once per process (psl_latest(): the newer
 * of the system's /usr/share/publicsuffix list and libpsl's built-in one;
 * the built-in one alone when no file can be read), then only read, so the
 * functions are thread-safe. Pure otherwise: no I/O after the load, no
 * logging, case-insensitive.
 *
 * Errors: a name that is not a usable domain (empty, an address literal,
 * a single label, an empty label, a character outside LDH and "_", a
 * public suffix itself) has no organizational domain: NULL / 0.
 */
#ifndef CADENCE_ORGDOMAIN_H
#define CADENCE_ORGDOMAIN_H

/* The organizational domain of domain, lower-cased, without a root dot;
 * NULL when there is none (see Errors). Caller frees. */
char *cad_org_domain(const char *domain);

/* Relaxed alignment: 1 when a and b have the same organizational domain
 * (case-insensitive); 0 otherwise, also when either has none (NULL, a
 * public suffix, not a domain name). */
int cad_org_aligned(const char *a, const char *b);

#endif
