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
 *  4. After a crash nothing needs a separate recovery: an enrollment whose
 *     message was in flight has not moved on, so it is still due
 *     (store_due); the pass's prepare of that step returns the stored row,
 *     and the ledger's table reconciles it: witnessed is sent (the MTA has
 *     it: finish step 3 without sending), prepared or unknown is submitted
 *     again with the same Message-ID and meets the gate.
 *     With several cadenced on one store (issue 17) a pass reaches a row
 *     only through an enrollment it has claimed (store_due_claim,
 *     store_sched.h): it reconciles the rows of its own claims, or of a
 *     claimer whose lease ended (or, on its host, whose process is gone),
 *     never a message another living pass has in flight.
 * Every function is one transaction with its event(s).
 *
 * What is due, rolling-cap inputs and task steps are in store_sched.h,
 * holiday calendars in store_holiday.h, notices and the digest in
 * store_notice.h.
 */
#ifndef CADENCE_STORE_LEDGER_H
#define CADENCE_STORE_LEDGER_H

#include "store.h"

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

#endif
