/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_sched.h - what cadenced's pass asks the store (store_sched.c,
 * store_target.c): which enrollments are due and when to wake, moving an
 * enrollment on without a message (held, advanced, a task step), resuming
 * pauses whose end has come, and the send times the rolling caps count.
 *
 * Guarantees: each call that writes is one transaction with its event(s)
 * (store_enrollment_defer writes none: the pass records why); the due
 * queries go through the (state, next_due) index, never a table scan.
 * Errors: -1 with err set ("store: ...").
 */
#ifndef CADENCE_STORE_SCHED_H
#define CADENCE_STORE_SCHED_H

#include "store.h"

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
