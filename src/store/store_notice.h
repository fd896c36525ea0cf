/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_notice.h - mail cadence writes to a rep, kept in the store until
 * cadenced has sent it (store_notice.c), and the reps due a digest.
 *
 * Guarantees: a notice is pending until marked sent once; a notice added
 * inside the caller's transaction is written with it; with claims, one
 * cadenced at a time holds a pending notice, and one digest is written per
 * rep and decision. Errors: -1 with err.
 */
#ifndef CADENCE_STORE_NOTICE_H
#define CADENCE_STORE_NOTICE_H

#include "store.h"
#include "store_sched.h"   /* struct store_claim */

/* A notice is written by whoever decides it (the milter when it refuses an
 * enrollment by address, cadenced for the morning digest) and sent by
 * cadenced's pass, which marks it sent on the MTA's 250; until then it is
 * pending, so a 4xx or a crash only delays it. */
enum notice_kind { NOTICE_ENROLL_REFUSED, NOTICE_DIGEST,
		   NOTICE_PAUSED    /* cadenced paused an enrollment it could not go on with */
};
const char *notice_kind_name(enum notice_kind k);   /* "enroll_refused", "digest", "paused" */

struct notice {
	int64_t id;
	int64_t user_id;
	enum notice_kind kind;
	cad_time_t created_at;
	char *subject;
	char *body;
	cad_time_t sent_at;   /* 0 = pending */
	char *user_email;     /* the rep's address and display name (joined) */
	char *user_name;
	char *user_tz;
};
void store_notices_free(struct notice *v, size_t n);

/* Adds a pending notice for rep user_id (*id may be NULL). Joins the
 * caller's transaction when there is one (store_begin nests), so that a
 * refusal and its notice are written together. */
int store_notice_add(struct store *st, int64_t user_id, enum notice_kind kind,
		     const char *subject, const char *body, cad_time_t now, int64_t *id,
		     struct cad_err *err);
/* Unsent notices of reps that are not deleted, oldest first, at most limit. */
int store_notices_pending(struct store *st, size_t limit, struct notice **out, size_t *n,
			  struct cad_err *err);
/* store_notices_pending() for one of several cadenced (issue 17): in one
 * write transaction, claims for c->by until c->until the unsent notices
 * nobody else holds (not claimed, claimed by c->by, or claimed with a
 * lease ended at now) and returns those it holds, oldest first, at most
 * limit. Two claimers never hold one notice at once, so two instances do
 * not both send it (a claimer that dies after the MTA's 250 and before
 * store_notice_sent leaves it to be sent again when its lease ends, as a
 * single instance does after a crash). */
int store_notices_claim(struct store *st, const struct store_claim *c, cad_time_t now,
			size_t limit, struct notice **out, size_t *n, struct cad_err *err);
/* Drops the claims of `by` on notices still unsent (the end of a pass). */
int store_notices_release(struct store *st, const char *by, struct cad_err *err);
/* Marks a notice done at now with the MTA's deciding reply (reply may be
 * NULL): sent (2xx), or refused for good (5xx: retrying would not help).
 * Once: a second call changes nothing. */
int store_notice_sent(struct store *st, int64_t id, const char *reply, cad_time_t now,
		      struct cad_err *err);
/* The reps who asked for the digest (active, not deleted, digest on), each
 * with the created_at of their last digest notice (0 = never): the input
 * of the "once per business morning" rule. */
struct digest_rep {
	struct user user;
	cad_time_t last_digest;
};
int store_digest_due(struct store *st, struct digest_rep **out, size_t *n, struct cad_err *err);
/* Adds rep user_id's digest notice only if the rep's last digest is still
 * the one the caller decided on (last_digest, 0 = none): the check and the
 * insert are one write transaction, so that of two cadenced deciding at
 * once only one writes the day's digest. *added (added may be NULL) is
 * 1 when this call wrote it, 0 when another had. */
int store_notice_add_digest(struct store *st, int64_t user_id, cad_time_t last_digest,
			    const char *subject, const char *body, cad_time_t now, int *added,
			    struct cad_err *err);
void store_digest_reps_free(struct digest_rep *v, size_t n);

#endif
