/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pass_int.h - the parts of one scheduling pass (pass.c and pass_*.c),
 * shared among them only.
 *
 * The pass is small steps with one outcome table: pass.c takes the due
 * enrollments and applies the rules that may hold one back (window,
 * suppression, limits); pass_email.c carries an email step through
 * render -> ledger prepare -> compose -> submit -> apply outcome, where the
 * outcome is the ledger's table (src/rules/ledger.h); pass_task.c turns a
 * task step into a task; pass_notice.c writes the digests and sends the
 * notices to reps.
 *
 * Errors: each step returns PASS_OK, PASS_STORE (-1: the store itself
 * failed, or the environment did; err says why; the pass ends) or
 * PASS_ITEM (-2: this one enrollment cannot go on, err says why; the pass
 * pauses it with the reason, tells its rep in a notice, and goes on).
 */
#ifndef CADENCE_PASS_INT_H
#define CADENCE_PASS_INT_H

#include "cadenced.h"
#include "cal.h"
#include "holiday.h"
#include "store_ledger.h"
#include "store_notice.h"
#include "store_sched.h"

enum { PASS_OK = 0, PASS_STORE = -1, PASS_ITEM = -2 };

/* What the pass loads once per sequence and per rep (the holidays are
 * the contact's: rules_load per item). */
struct seq_entry {
	struct sequence seq;
};
struct rep_entry {
	struct user user;
	const struct cal_zone *zone;   /* the rep's own zone, or NULL (none or invalid) */
	cad_time_t *sends;     /* the last 24 h of sends, grown as the pass sends */
	size_t nsends;
	cad_time_t *bulk;      /* sends of bulk first steps */
	size_t nbulk;
	unsigned loaded;       /* the batch its sends were read for (claims: pass.c) */
};

/* One due enrollment on its way through the steps. */
struct pass_item {
	struct sched *s;
	const struct enrollment_view *v;
	struct seq_entry *se;
	const struct step *step;       /* the step due */
	const struct contact *ct;
	struct rep_entry *rep;
	const struct cal_rules *r;
	cad_time_t now;
	struct sched_stats *stats;
};

/* pass_step.c: what the pass's loop and its steps share. */

/* Pauses an enrollment that cannot go on by itself, with the reason
 * (event "paused"). PASS_OK or PASS_STORE. */
int pass_step_pause(struct sched *s, int64_t enrollment_id, const char *reason,
		    cad_time_t now, struct cad_err *err);
/* When the step after `step` is due, counted from `from`; 0 when the
 * enrollment has no further step. 0, or -1 with err (a calendar problem:
 * the item's, PASS_ITEM). */
int pass_step_next_due(const struct sequence *seq, int step, const struct cal_rules *r,
		       cad_time_t from, cad_time_t *due, struct cad_err *err);
/* When a witnessed message was sent: the witness time kept within
 * [record created, now]. */
cad_time_t pass_step_witness_time(const struct sent_msg *m, cad_time_t now);
/* "First Last", "First" or NULL. Caller frees. */
char *pass_step_contact_display(const struct contact *c);
void pass_step_times_add(cad_time_t **v, size_t *n, cad_time_t t);

/* Claims (pass_claim.c, issue 17): all no-ops when s->claim_by is "". */
int pass_claims_on(const struct sched *s);
/* The passes' clock: the pass's now plus the real time since it began. */
cad_time_t pass_clock(const struct sched *s);
void pass_claim_begin(struct sched *s, cad_time_t now);
/* The next due batch, claimed (store_due_claim), or store_due() without
 * claims. 0 or -1. */
int pass_claim_due(struct sched *s, cad_time_t now, struct enrollment_view **due, size_t *n,
		   struct cad_err *err);
/* Renews this pass's claims when SCHED_RENEW_EVERY real seconds passed
 * since the last time (or force). PASS_OK or PASS_STORE. */
int pass_claim_renew(struct sched *s, int force, struct cad_err *err);
/* *held = 1 when the enrollment's claim is still this pass's (renewed), 0
 * when it was lost: then nothing of it may be submitted. PASS_OK or
 * PASS_STORE. */
int pass_claim_hold(struct sched *s, int64_t enrollment_id, int *held, struct cad_err *err);
/* Releases the pass's claims (a failure is logged: they expire). */
void pass_claim_release(struct sched *s);
/* The pending notices to send, claimed (store_notices_claim) under the
 * pass's lease, or store_notices_pending() without claims. 0 or -1. */
int pass_claim_notices(struct sched *s, cad_time_t now, size_t limit, struct notice **v,
		       size_t *n, struct cad_err *err);
/* Releases the pass's claims on notices still unsent (logged on failure). */
void pass_claim_notices_release(struct sched *s);
/* Releases the claims of claimers on this host whose process is gone (a
 * killed cadenced: its restart need not wait for the lease). */
void pass_claim_reap(struct sched *s);

/* The steps (each PASS_OK, PASS_STORE or PASS_ITEM). */
/* SendJitter's draw for the gap after the rep's send at last_send: the
 * same for every step and pass (HMAC under the site secret). */
uint32_t pass_jitter_rnd(const struct cad_secret *secret, int64_t rep_id, cad_time_t last_send);

/* The event of a deferral (window, limits), one per enrollment, step and
 * reason; its detail is "step N KEY: text" (KEY: why_reason_key()). */
#define PASS_EV_DEFERRED "step_deferred"

/* An email step: sent at once (SubmitBatch 1), or queued in s->outbox
 * and sent by pass_email_flush (see pass_email_outbox.c for the batch
 * and why its crash windows are safe). */
int pass_email_step(const struct pass_item *it, struct cad_err *err);
/* Sends the queued batch: records, submits over one connection, applies
 * the outcomes. PASS_OK or PASS_STORE. Call it before the due enrollments
 * are read again, and at the end of the pass. */
int pass_email_flush(struct sched *s, struct cad_err *err);
/* Flushes first when DomainDailyCap is set and a queued message goes to
 * domain (the cap counts what the store says was sent). */
int pass_email_flush_domain(struct sched *s, const char *domain, struct cad_err *err);
/* Forgets the queued batch without sending it (a pass that ends on a
 * store error): its new rows were never recorded, nothing was sent. */
void pass_email_drop(struct sched *s);
/* The rep's copy recipient for RepCopy `pattern` ("yes": %l+cadence-sent@%d;
 * "no" or NULL: none) and the rep's address; NULL when there is none or
 * the rep's address has no @. Pure; caller frees. */
char *pass_email_job_rep_copy(const char *pattern, const char *rep_email);
int pass_task_step(const struct pass_item *it, struct cad_err *err);
/* Mail to the reps: today's digests, then the pending notices. 0 or -1
 * (a store error). */
int pass_digests(struct sched *s, cad_time_t now, struct cad_err *err);
int pass_notices(struct sched *s, cad_time_t now, struct cad_err *err);

#endif
