/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spf.h - SPF (RFC 7208) checks of the envelope sender with libspf2.
 *
 * One checker per process (libspf2's SPF_server_t is shared by all milter
 * threads; a request and its response are per call). In production the
 * checker resolves through libspf2's caching resolver; tests build one over
 * an in-process zone, so that no test ever touches DNS.
 *
 * Guarantees: libspf2 never aborts the process. Its fatal-error handler is
 * replaced: an internal libspf2 error inside a check is logged, the check
 * answers temperror, and the checker is retired (every later check answers
 * temperror without calling libspf2, whose state can no longer be trusted).
 * libspf2's INVALID result is mapped to temperror when the cause is
 * transient (DNS, memory, internal) and to permerror when it is the
 * record or the request that is wrong.
 */
#ifndef CADENCE_MILTER_SPF_H
#define CADENCE_MILTER_SPF_H

#include "util.h"

enum spf_res {
	SPF_RES_NONE,
	SPF_RES_NEUTRAL,
	SPF_RES_PASS,
	SPF_RES_FAIL,
	SPF_RES_SOFTFAIL,
	SPF_RES_TEMPERROR,
	SPF_RES_PERMERROR
};

struct spf_checker;

/* The production checker: libspf2's caching resolver. */
struct spf_checker *spf_checker_new(struct cad_err *err);
/* A checker over a private zone, for tests. zone is text, one record a line:
 *   name TYPE data       TYPE is TXT, A, AAAA, MX or PTR
 *   name TYPE !TEMPFAIL  the query fails temporarily (DNS SERVFAIL)
 *   name TYPE !NXDOMAIN  the name does not exist
 * '#' lines are comments; names not in the zone do not exist. */
struct spf_checker *spf_checker_new_zone(const char *zone, const char *fname,
					 struct cad_err *err);
void spf_checker_free(struct spf_checker *c);

/* Checks ip (IPv4 or IPv6 text) against the SPF policy of mailfrom's
 * domain (or of helo when mailfrom is empty, the null sender). why, when
 * not NULL, gets libspf2's comment for the log. Thread-safe. */
enum spf_res spf_check(struct spf_checker *c, const char *ip, const char *helo,
		       const char *mailfrom, struct sbuf *why);

/* Runs fn(arg) so that a fatal libspf2 error inside it (SPF_error())
 * returns here instead of aborting the process: 0 when fn returned, -1
 * when libspf2 gave up (the error is logged). Every call into libspf2
 * after set-up goes through it. */
int spf_guarded(void (*fn)(void *), void *arg);

/* libspf2's (SPF_result_t, SPF_errcode_t) as a result; exposed for tests. */
enum spf_res spf_map_libspf2(int result, int errcode);

/* "pass", "fail", ... as in Authentication-Results. */
const char *spf_res_name(enum spf_res r);
/* The reverse (case-insensitive); -1 when s is not a result name. */
int spf_res_parse(const char *s);

#endif
