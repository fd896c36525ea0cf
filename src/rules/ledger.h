/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ledger.h - the sent-message ledger's state table: exactly once, written
 * down (DESIGN.md "The ledger", rule 2).
 *
 * Each sequence email has one ledger row. What happens to it after an SMTP
 * attempt (or before one, when a pass finds the row) is one pure function
 * of the row's state, the submit outcome, the SMTP stage and the reply
 * code: ledger_next() gives the next state and the one action the
 * scheduler carries out through the store. The whole table is in
 * ledger.c, one line per (state, event), so that it can be read, reviewed
 * and unit-tested cell by cell (tests/unit/test_ledger.c).
 *
 * States (what the pass knows about the row):
 *   PREPARED   recorded, no attempt can be in flight: a row this pass has
 *              just created.
 *   UNKNOWN    an earlier attempt has no known outcome: no reply to end of
 *              data was read (the row says "unknown"), or a row found
 *              "prepared" at the start of a pass (a crash, which the store
 *              cannot record, may have left a copy in flight).
 *   WITNESSED  the milter witnessed a copy (the MTA took it) while this
 *              attempt was the only one in flight.
 *   WITNESSED_UNKNOWN  witnessed, and an earlier attempt with no known
 *              outcome may be the copy that was witnessed.
 *   SENT, FAILED, REJECTED  final for the step (rejected: the gate refused it).
 *
 * Events: START (the row as found, before any attempt) and the classes of
 * a submit outcome (ledger_event): 2xx to end of data; 4xx or no reply
 * before end of data; 5xx before end of data (or a local refusal); and at
 * end of data: 4xx, NO reply (RFC 1047: the connection dropped or timed
 * out between the final "." and the reply), 5xx.
 *
 * Guarantees:
 * - Never twice: a witnessed message is reconciled as sent, never
 *   submitted again; "no reply to end of data" is its own outcome that
 *   keeps the witness, so the retry meets the milter's gate, which refuses
 *   a second copy (5xx), reconciled as sent.
 * - A witness is forgotten (RETRY) only when it was made by the very
 *   attempt the MTA then refused with a 4xx to end of data (Postfix:
 *   cleanup could not write the queue file after the milter accepted: not
 *   queued); when an earlier attempt with no known outcome may have made
 *   it, it is kept and the step reconciled as sent (a duplicate is worse
 *   than what that would risk: a copy Postfix refused after a retry's
 *   witness, which needs a queue-file failure racing a crash).
 * - A cell no correct run can reach is LEDGER_ILLEGAL: the caller panics
 *   (cad_panic), it is a bug, not an error.
 * Pure: no clock, no store, no I/O.
 */
#ifndef CADENCE_LEDGER_H
#define CADENCE_LEDGER_H

#include "model.h"

enum ledger_state {
	LEDGER_PREPARED,
	LEDGER_UNKNOWN,
	LEDGER_WITNESSED,
	LEDGER_WITNESSED_UNKNOWN,
	LEDGER_SENT,
	LEDGER_FAILED,
	LEDGER_REJECTED,
	LEDGER_NSTATES
};

/* The submit outcome, as scheduler/submit.h classifies it (the scheduler
 * static_asserts that its enum has these values). */
enum ledger_status { LEDGER_ACCEPTED, LEDGER_TEMPFAIL, LEDGER_PERMFAIL, LEDGER_NSTATUS };

enum ledger_event {
	LEDGER_START,          /* the row as found, before an attempt */
	LEDGER_2XX,            /* accepted: 2xx to end of data */
	LEDGER_TEMP,           /* 4xx or no reply before end of data: not queued */
	LEDGER_PERM,           /* 5xx before end of data, or refused locally */
	LEDGER_EOD_4XX,        /* 4xx to end of data: this attempt was not queued */
	LEDGER_EOD_NO_REPLY,   /* no reply to end of data: the MTA may have it */
	LEDGER_EOD_5XX,        /* 5xx to end of data (policy, or the gate) */
	LEDGER_NEVENTS
};

enum ledger_action {
	LEDGER_ILLEGAL,        /* a bug: the caller panics */
	LEDGER_SUBMIT,         /* submit (again) with the same Message-ID */
	LEDGER_MARK_SENT,      /* store_msg_sent with the reply; next step from now */
	LEDGER_RECONCILE,      /* store_msg_sent from the witness; nothing is sent */
	LEDGER_RETRY,          /* store_msg_retry: not queued, forget this attempt's witness */
	LEDGER_KEEP_UNKNOWN,   /* store_msg_unknown: keep any witness, retry later */
	LEDGER_FAIL,           /* store_msg_failed: the enrollment pauses with the reply */
	LEDGER_HOLD,           /* already final yet due again: pause, never send again */
	LEDGER_NACTIONS
};

struct ledger_move {
	enum ledger_state next;
	enum ledger_action action;
};

/* The event a submit outcome is: status, whether the deciding stage was
 * the end of data (the reply to the final "."), and the reply code (0 when
 * no reply was read). START is not an outcome: the caller uses it alone. */
enum ledger_event ledger_event(enum ledger_status status, int end_of_data, int code);

/* The table's cell for (state, event). Out-of-range input is ILLEGAL. */
struct ledger_move ledger_next(enum ledger_state state, enum ledger_event ev);

/* Both in one: the move for an outcome. */
struct ledger_move ledger_outcome(enum ledger_state state, enum ledger_status status,
				  int end_of_data, int code);

/* The table's state of a row read from the store: its stored state,
 * whether it was reported sent (submitted_at set), and whether an earlier
 * attempt may still be in flight (`earlier`: the row was found, not just
 * created by this pass, or was unknown before this attempt). */
enum ledger_state ledger_state_of(enum msg_state stored, int reported, int earlier);

const char *ledger_state_name(enum ledger_state s);    /* "prepared", ... */
const char *ledger_event_name(enum ledger_event e);    /* "no reply to end of data", ... */
const char *ledger_action_name(enum ledger_action a);  /* "reconcile", ... */

#endif
