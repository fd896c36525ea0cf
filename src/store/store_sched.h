/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_sched.h - what cadenced's pass asks the store (store_sched.c,
 * store_target.c): which enrollments are due and when to wake, moving an
 * enrollment on without a message (held, advanced, a task step), resuming
 * pauses whose end has come, the send times the rolling caps count, and
 * the claims of due work when several cadenced share the store.
 *
 * Guarantees: each call that writes is one transaction with its event(s)
 * (store_enrollment_defer writes none: the pass records why); the due
 * queries go through the (state, next_due) index, never a table scan.
 * Errors: -1 with err set ("store: ...").
 */
#ifndef CADENCE_STORE_SCHED_H
#define CADENCE_STORE_SCHED_H

#include "store.h"

/* ---- claims: several cadenced on one store (issue 17) ----
 * A pass works only on enrollments it has claimed: the claim (the
 * claimer's id and a lease's end) is written in the same write
 * transaction that chooses the batch, so two passes never take the same
 * due step, and a pass finds another's in-flight message (a ledger row
 * prepared, no outcome) only once that claimer's lease has ended (it died
 * or stalled), never while it may still be submitting it. Claims are
 * released at the end of a pass; a killed pass's expire with the lease.
 * Times are on the passes' clock (cadenced --now in tests). */
struct store_claim {
	const char *by;        /* the claimer: host, pid and a random part */
	cad_time_t until;      /* the lease's end for what is claimed now */
	/* SendSpacing is on: a rep's due work is claimed by one claimer at a
	 * time (the gap between two sends cannot be kept by two senders). */
	int rep_exclusive;
};
/* store_due() that claims what it returns, in one write transaction:
 * due enrollments in due order that nobody else holds (not claimed,
 * claimed by c->by, or claimed with an ended lease), at most limit.
 * Per-rep caps across claimers: when another claimer holds due work of a
 * rep, that rep's enrollments are claimed only within what its rolling
 * 24-hour cap leaves: cap - sends of the last 24 h - due work claimed by
 * others (and not at all with rep_exclusive). When nobody else holds any,
 * all are claimed: the pass's own limits hold them (they are deferred, so
 * they leave the due list). Due rows held by others are passed over (in
 * pages of limit rows, at most 8 pages). */
int store_due_claim(struct store *st, cad_time_t now, size_t limit, const struct store_claim *c,
		    struct enrollment_view **out, size_t *n, struct cad_err *err);
/* Extends every claim of `by` to until; *count (may be NULL) how many. */
int store_claim_renew(struct store *st, const char *by, cad_time_t until, int *count,
		      struct cad_err *err);
/* Still held by `by`? Extends it to until: 1 when held, 0 when it was
 * lost (the lease ended and another claimer took it, or it was released),
 * -1 on error. Call it right before submitting. */
int store_claim_hold(struct store *st, int64_t enrollment_id, const char *by, cad_time_t until,
		     struct cad_err *err);
/* Releases every claim of `by` (the end of a pass). */
int store_claim_release(struct store *st, const char *by, struct cad_err *err);
/* The claimers that hold claims (distinct, through the claims' index):
 * *out an array of *n heap strings, for the caller to free. */
int store_claimers(struct store *st, char ***out, size_t *n, struct cad_err *err);

/* Active enrollments whose next_due <= now, at most limit, found through
 * the (state, next_due) index (never a scan of the table; the due rows are
 * sorted), in due order: by the step's own due time, which a hold
 * (store_enrollment_defer) keeps (held_due) while it moves next_due, then
 * by enrollment id. */
int store_due(struct store *st, cad_time_t now, size_t limit, struct enrollment_view **out,
	      size_t *n, struct cad_err *err);
/* The earliest next_due of an active enrollment after `after` (0 when
 * none), through the same index: when cadenced should wake. */
int store_next_due_after(struct store *st, cad_time_t after, cad_time_t *out,
			 struct cad_err *err);
/* Resumes every paused enrollment whose pause had an end (paused_until,
 * e.g. the business day after an out-of-office return date) that has come:
 * as store_resume() does for one, with its "resumed" event. cadenced calls
 * it at the start of each pass. */
int store_resume_due(struct store *st, const char *actor, cad_time_t now, int *count,
		     struct cad_err *err);
/* Moves an active enrollment's current step to next_due (a window, a
 * limit deferred it), keeping the step's own due time for the due order
 * (the first hold's, when the same step is held again). No event: the
 * pass records one per reason (scheduler/pass.c). */
int store_enrollment_defer(struct store *st, int64_t enrollment_id, cad_time_t next_due,
			   struct cad_err *err);
/* Moves an active enrollment past its current step without a message
 * (for example a task step that does not wait), due at next_due, or
 * finished after the last step; writes event type with detail. */
int store_enrollment_advance(struct store *st, int64_t enrollment_id, int from_step,
			     cad_time_t next_due, const char *type, const char *detail,
			     const char *actor, cad_time_t now, struct cad_err *err);

/* Send times (submitted or witnessed) of a rep's messages since t, oldest
 * first: the input of the rolling cap and spacing rules. */
int store_user_sends_since(struct store *st, int64_t user_id, cad_time_t since,
			   cad_time_t **times, size_t *n, struct cad_err *err);
/* The same for first steps of bulk enrollments only (the bulk throttle). */
int store_user_bulk_sends_since(struct store *st, int64_t user_id, cad_time_t since,
				cad_time_t **times, size_t *n, struct cad_err *err);
/* Count of messages to a recipient domain since t (the daily domain cap). */
int store_domain_sends_since(struct store *st, const char *domain, cad_time_t since, int *count,
			     struct cad_err *err);

/* A task step: creates the task (event task_created) and, when the step
 * does not wait, advances the enrollment to next_due in the same
 * transaction; when it waits, the enrollment stays on the step with
 * next_due = 0 until store_task_close(). */
int store_task_step(struct store *st, struct task *t, int wait, cad_time_t next_due,
		    const char *actor, cad_time_t now, struct cad_err *err);

#endif
