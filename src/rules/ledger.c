/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ledger.c - the sent-message ledger's state table (see ledger.h).
 *
 * One line per (state, event): the next state and the action. Read a row
 * as "a message in STATE meets EVENT: it becomes NEXT, the scheduler does
 * ACTION". ILLEGAL cells are those no correct run reaches (the pass
 * submits only a row with no witness that is not final, and only the pass
 * reports a row sent or failed); meeting one is a bug.
 */
#include "config.h"

#include <assert.h>
#include <stddef.h>

#include "ledger.h"
#include "util.h"

#define P LEDGER_PREPARED
#define U LEDGER_UNKNOWN
#define W LEDGER_WITNESSED
#define WU LEDGER_WITNESSED_UNKNOWN
#define S LEDGER_SENT
#define F LEDGER_FAILED
#define R LEDGER_REJECTED
#define M(next, act) { next, LEDGER_##act }
#define BUG { LEDGER_NSTATES, LEDGER_ILLEGAL }

static const struct ledger_move table[LEDGER_NSTATES][LEDGER_NEVENTS] = {
	/*               START             2xx                TEMP (4xx/none,    PERM (5xx before   EOD 4xx             EOD no reply          EOD 5xx */
	/*                                                     before the dot)    the dot)                                                          */
	[P]  = { M(P, SUBMIT),    M(S, MARK_SENT), M(P, RETRY),      M(F, FAIL),      M(P, RETRY),      M(U, KEEP_UNKNOWN), M(F, FAIL) },
	[U]  = { M(U, SUBMIT),    M(S, MARK_SENT), M(U, KEEP_UNKNOWN), M(F, FAIL),    M(U, KEEP_UNKNOWN), M(U, KEEP_UNKNOWN), M(F, FAIL) },
	/* Witnessed while this attempt was the only one in flight: a 4xx to
	 * the dot means Postfix did not queue the copy its milter accepted
	 * (e.g. the queue file could not be written): forget the witness. A
	 * witness with no dot sent (TEMP, PERM) cannot be this attempt's. */
	[W]  = { M(S, RECONCILE), M(S, MARK_SENT), BUG,              BUG,             M(P, RETRY),      M(S, RECONCILE),  M(F, FAIL) },
	/* Witnessed, maybe by an earlier attempt with no known outcome: the
	 * MTA has a copy; whatever this attempt met (the gate's 5xx to the
	 * second copy, or its own 4xx) it is reconciled as sent. */
	[WU] = { M(S, RECONCILE), M(S, MARK_SENT), M(S, RECONCILE),  M(S, RECONCILE), M(S, RECONCILE), M(S, RECONCILE),  M(S, RECONCILE) },
	/* Final rows found due again (the store moved on another way): never
	 * sent again; the pass pauses the enrollment and says why. */
	[S]  = { M(S, HOLD),      BUG,             BUG,              BUG,             BUG,              BUG,              BUG },
	[F]  = { M(F, HOLD),      BUG,             BUG,              BUG,             BUG,              BUG,              BUG },
	/* The gate refused a copy (the enrollment stopped): nothing left; a
	 * 2xx through a gate that refused is impossible. */
	[R]  = { M(R, HOLD),      BUG,             M(F, FAIL),       M(F, FAIL),      M(F, FAIL),       M(F, FAIL),       M(F, FAIL) },
};

static_assert(CAD_ARRAY_LEN(table) == LEDGER_NSTATES, "one row per ledger state");
static_assert(CAD_ARRAY_LEN(table[0]) == LEDGER_NEVENTS, "one column per ledger event");
static_assert(LEDGER_ILLEGAL == 0, "a cell left out of the table is illegal");

static const char *const state_names[] = {
	[LEDGER_PREPARED] = "prepared", [LEDGER_UNKNOWN] = "unknown",
	[LEDGER_WITNESSED] = "witnessed", [LEDGER_WITNESSED_UNKNOWN] = "witnessed (unknown)",
	[LEDGER_SENT] = "sent", [LEDGER_FAILED] = "failed", [LEDGER_REJECTED] = "rejected",
};
static const char *const event_names[] = {
	[LEDGER_START] = "start", [LEDGER_2XX] = "2xx to end of data",
	[LEDGER_TEMP] = "4xx or no reply before end of data",
	[LEDGER_PERM] = "5xx before end of data", [LEDGER_EOD_4XX] = "4xx to end of data",
	[LEDGER_EOD_NO_REPLY] = "no reply to end of data",
	[LEDGER_EOD_5XX] = "5xx to end of data",
};
static const char *const action_names[] = {
	[LEDGER_ILLEGAL] = "illegal", [LEDGER_SUBMIT] = "submit",
	[LEDGER_MARK_SENT] = "mark sent", [LEDGER_RECONCILE] = "reconcile",
	[LEDGER_RETRY] = "retry", [LEDGER_KEEP_UNKNOWN] = "keep unknown",
	[LEDGER_FAIL] = "fail", [LEDGER_HOLD] = "hold",
};
static_assert(CAD_ARRAY_LEN(state_names) == LEDGER_NSTATES, "a name per state");
static_assert(CAD_ARRAY_LEN(event_names) == LEDGER_NEVENTS, "a name per event");
static_assert(CAD_ARRAY_LEN(action_names) == LEDGER_NACTIONS, "a name per action");

enum ledger_event ledger_event(enum ledger_status status, int end_of_data, int code)
{
	if (status == LEDGER_ACCEPTED)
		return LEDGER_2XX;
	if (!end_of_data)
		return status == LEDGER_PERMFAIL ? LEDGER_PERM : LEDGER_TEMP;
	/* The reply to the dot decides; a 2xx there is queued whatever
	 * went wrong after it (say, the QUIT). */
	if (code >= 200 && code < 300)
		return LEDGER_2XX;
	if (status == LEDGER_PERMFAIL || (code >= 500 && code < 600))
		return LEDGER_EOD_5XX;
	if (code >= 400 && code < 500)
		return LEDGER_EOD_4XX;
	/* 0 (no reply) or anything that is not an answer to the dot. */
	return LEDGER_EOD_NO_REPLY;
}

struct ledger_move ledger_next(enum ledger_state state, enum ledger_event ev)
{
	static const struct ledger_move bug = BUG;
	if ((unsigned)state >= LEDGER_NSTATES || (unsigned)ev >= LEDGER_NEVENTS)
		return bug;
	if (table[state][ev].action == LEDGER_ILLEGAL)
		return bug;
	return table[state][ev];
}

struct ledger_move ledger_outcome(enum ledger_state state, enum ledger_status status,
				  int end_of_data, int code)
{
	return ledger_next(state, ledger_event(status, end_of_data, code));
}

enum ledger_state ledger_state_of(enum msg_state stored, int reported, int earlier)
{
	switch (stored) {
	case MSG_PREPARED: return earlier ? LEDGER_UNKNOWN : LEDGER_PREPARED;
	case MSG_UNKNOWN: return LEDGER_UNKNOWN;
	case MSG_WITNESSED:
		if (reported)
			return LEDGER_SENT;
		return earlier ? LEDGER_WITNESSED_UNKNOWN : LEDGER_WITNESSED;
	case MSG_SUBMITTED: return LEDGER_SENT;
	case MSG_FAILED: return LEDGER_FAILED;
	case MSG_REJECTED: return LEDGER_REJECTED;
	}
	return LEDGER_NSTATES;
}

const char *ledger_state_name(enum ledger_state s)
{
	return (unsigned)s < LEDGER_NSTATES ? state_names[s] : "?";
}

const char *ledger_event_name(enum ledger_event e)
{
	return (unsigned)e < LEDGER_NEVENTS ? event_names[e] : "?";
}

const char *ledger_action_name(enum ledger_action a)
{
	return (unsigned)a < LEDGER_NACTIONS ? action_names[a] : "?";
}
