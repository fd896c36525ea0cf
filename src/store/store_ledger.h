/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_ledger.h - the store's send ledger: what cadenced and the milter
 * need to send each step exactly once and never after a stop.
 *
 * The protocol (DESIGN.md "The two walks", rule 2):
 *  1. cadenced records the message (state prepared, with its Message-ID)
 *     BEFORE submitting it. A second prepare for the same (enrollment, step)
 *     returns the first record, so a restart re-sends with the same id.
 *  2. cadence-milter, at end of message, calls store_msg_gate(): in one
 *     transaction it checks that the enrollment is still active and that
 *     this message was not already witnessed; then marks it witnessed with
 *     Postfix's queue id (accept), or rejected (the gate refuses it).
 *  3. cadenced carries out what the ledger's table (src/rules/ledger.h, a
 *     pure function of state, submit outcome, stage and reply code) says:
 *     store_msg_sent() on a 250 or a witness (the message is marked
 *     submitted and the enrollment moves to its next step in the same
 *     transaction); store_msg_retry() when the MTA did not queue it (it
 *     forgets the witness: the table calls it only when that witness was
 *     made by the very attempt the MTA refused); store_msg_unknown() when no
 *     reply to end of data was read (the witness is kept, and a late one
 *     is never overwritten: the retry meets the gate); store_msg_failed()
 *     on a 5xx (the enrollment pauses with the reply).
 *  4. After a crash, store_msgs_pending() lists prepared, unknown or
 *     witnessed messages whose enrollment has not moved on: witnessed ones
 *     are sent (the MTA has them: finish step 3 without sending), the
 *     others are submitted again with the same Message-ID.
 * Every function is one transaction with its event(s).
 */
#ifndef CADENCE_STORE_LEDGER_H
#define CADENCE_STORE_LEDGER_H

#include "holiday.h"
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

/* Step 1 above. m->enrollment_id, step, message_id, token, subject set by
 * the caller; m->id filled. *existing = 1 when a record for that step
 * already existed: then *m is replaced by the stored record. */
int store_msg_prepare(struct store *st, struct sent_msg *m, cad_time_t now, int *existing,
		      struct cad_err *err);
int store_msg_get(struct store *st, const char *message_id, struct sent_msg *out,
		  struct cad_err *err);
int store_msg_get_token(struct store *st, const char *token, struct sent_msg *out,
			struct cad_err *err);
int store_msg_for_step(struct store *st, int64_t enrollment_id, int step, struct sent_msg *out,
		       struct cad_err *err);

/* Step 2 above. */
enum gate_verdict {
	GATE_ACCEPT,     /* witnessed now */
	GATE_REJECT,     /* enrollment no longer active, or already witnessed */
	GATE_UNKNOWN     /* not a message of ours (no ledger row) */
};
int store_msg_gate(struct store *st, const char *message_id, const char *queue_id,
		   cad_time_t now, enum gate_verdict *verdict, char *why, size_t whylen,
		   struct cad_err *err);

/* Step 3 above. next_due: the following step's due time (ignored when the
 * sent step was the last one: the enrollment finishes). */
int store_msg_sent(struct store *st, int64_t msg_id, const char *smtp_reply,
		   const char *queue_id, cad_time_t next_due, const char *actor, cad_time_t now,
		   struct cad_err *err);
int store_msg_retry(struct store *st, int64_t msg_id, const char *smtp_reply,
		    cad_time_t retry_at, cad_time_t now, struct cad_err *err);
int store_msg_failed(struct store *st, int64_t msg_id, const char *smtp_reply,
		     const char *actor, cad_time_t now, struct cad_err *err);
/* No reply to end of data: state unknown (unless the milter witnessed it
 * meanwhile: the witness stays), the step deferred to retry_at, event
 * step_failed ("temporary failure, outcome unknown ..."). */
int store_msg_unknown(struct store *st, int64_t msg_id, const char *smtp_reply,
		      cad_time_t retry_at, cad_time_t now, struct cad_err *err);

/* Step 4 above: prepared, unknown or witnessed messages of active enrollments that
 * are still on that message's step. */
int store_msgs_pending(struct store *st, struct sent_msg **out, size_t *n, struct cad_err *err);
void store_msgs_free(struct sent_msg *m, size_t n);

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

/* ---- holiday calendars ---- */
/* Replaces every date of the named calendar with l's (one transaction,
 * event "holidays_imported" with the count). */
int store_holidays_replace(struct store *st, const char *calendar, const struct holiday_list *l,
			   const char *actor, cad_time_t now, struct cad_err *err);
/* The dates of the comma-separated calendars (NULL or "" = none), sorted
 * by date; an unknown calendar name is not an error (it has no dates). */
int store_holidays_get(struct store *st, const char *calendars, struct holiday_list *out,
		       struct cad_err *err);

/* ---- a step sent from outside cadence (store_external.c) ---- */
/* A rep's own message counts as step `step` of enrollment_id (enroll by
 * address: the rep wrote to the contact and Bcc'd enroll+SEQ@Domain). In
 * one transaction: a ledger row for that step with the rep's Message-ID
 * (state witnessed, with the MTA's queue id; token is a fresh unique
 * token the caller made, as for any ledger row), the event "step_sent"
 * (detail saying it came from the rep's own mail), and the enrollment
 * moved past the step, due at next_due (or finished after the last step).
 * One message may enroll several recipients: when message_id is already
 * in the ledger, the enrollment moves on all the same and *recorded is 0
 * (no second row: Message-IDs are unique there). Refused (-1, nothing
 * written) when the enrollment is not active on that step or the step
 * already has a ledger row (cadenced prepared it first). */
int store_msg_external(struct store *st, int64_t enrollment_id, int step,
		       const char *message_id, const char *token, const char *subject,
		       const char *queue_id, cad_time_t next_due, const char *actor,
		       cad_time_t now, int *recorded, struct cad_err *err);

/* ---- notices: mail cadence writes to a rep (store_notice.c) ---- */
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
void store_digest_reps_free(struct digest_rep *v, size_t n);

#endif
