/* SPDX-License-Identifier: BSD-2-Clause */
/* test_ledger.c - unit tests for ledger.c, the sent-message ledger's state
 * table: every cell of the table against an independent list of what it
 * must be (with the reason), the classification of submit outcomes into
 * events (stage and code edges: code 0 at end of data is "no reply"), the
 * mapping of stored rows to table states, and the walks the table exists
 * for (a lost reply to end of data, then the gate refusing the retry). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ledger.h"
#include "util.h"

#define P LEDGER_PREPARED
#define U LEDGER_UNKNOWN
#define W LEDGER_WITNESSED
#define WU LEDGER_WITNESSED_UNKNOWN
#define S LEDGER_SENT
#define F LEDGER_FAILED
#define R LEDGER_REJECTED
#define X LEDGER_NSTATES     /* no next state: illegal */

struct cell {
	enum ledger_state state;
	enum ledger_event ev;
	enum ledger_state next;
	enum ledger_action action;
	const char *why;
};

/* Every (state, event) once: the table written a second time, row by row. */
static const struct cell cells[] = {
	{ P, LEDGER_START, P, LEDGER_SUBMIT, "a new row is submitted" },
	{ P, LEDGER_2XX, S, LEDGER_MARK_SENT, "250 to the dot: sent" },
	{ P, LEDGER_TEMP, P, LEDGER_RETRY, "refused before the dot: not queued" },
	{ P, LEDGER_PERM, F, LEDGER_FAIL, "5xx before the dot: failed" },
	{ P, LEDGER_EOD_4XX, P, LEDGER_RETRY, "4xx to the dot: not queued" },
	{ P, LEDGER_EOD_NO_REPLY, U, LEDGER_KEEP_UNKNOWN, "RFC 1047: the MTA may have it" },
	{ P, LEDGER_EOD_5XX, F, LEDGER_FAIL, "5xx to the dot: failed" },

	{ U, LEDGER_START, U, LEDGER_SUBMIT, "retry; the gate will meet it" },
	{ U, LEDGER_2XX, S, LEDGER_MARK_SENT, "the retry passed the gate: one copy" },
	{ U, LEDGER_TEMP, U, LEDGER_KEEP_UNKNOWN, "the earlier copy may still be witnessed" },
	{ U, LEDGER_PERM, F, LEDGER_FAIL, "5xx before the dot" },
	{ U, LEDGER_EOD_4XX, U, LEDGER_KEEP_UNKNOWN, "still unknown" },
	{ U, LEDGER_EOD_NO_REPLY, U, LEDGER_KEEP_UNKNOWN, "still unknown" },
	{ U, LEDGER_EOD_5XX, F, LEDGER_FAIL, "no witness: a policy refusal" },

	{ W, LEDGER_START, S, LEDGER_RECONCILE, "the MTA has it (a crash after the hand-over)" },
	{ W, LEDGER_2XX, S, LEDGER_MARK_SENT, "250 and witnessed: sent" },
	{ W, LEDGER_TEMP, X, LEDGER_ILLEGAL, "a witness without a dot sent" },
	{ W, LEDGER_PERM, X, LEDGER_ILLEGAL, "a witness without a dot sent" },
	{ W, LEDGER_EOD_4XX, P, LEDGER_RETRY, "this attempt's witness, then Postfix did not queue it" },
	{ W, LEDGER_EOD_NO_REPLY, S, LEDGER_RECONCILE, "witnessed, reply lost: sent" },
	{ W, LEDGER_EOD_5XX, F, LEDGER_FAIL, "witnessed then refused: not queued" },

	{ WU, LEDGER_START, S, LEDGER_RECONCILE, "the earlier copy was witnessed" },
	{ WU, LEDGER_2XX, S, LEDGER_MARK_SENT, "sent" },
	{ WU, LEDGER_TEMP, S, LEDGER_RECONCILE, "the earlier copy was witnessed" },
	{ WU, LEDGER_PERM, S, LEDGER_RECONCILE, "the earlier copy was witnessed" },
	{ WU, LEDGER_EOD_4XX, S, LEDGER_RECONCILE, "the witness may be the earlier copy's: keep it" },
	{ WU, LEDGER_EOD_NO_REPLY, S, LEDGER_RECONCILE, "witnessed" },
	{ WU, LEDGER_EOD_5XX, S, LEDGER_RECONCILE, "the gate refused the second copy" },

	{ S, LEDGER_START, S, LEDGER_HOLD, "never sent again" },
	{ S, LEDGER_2XX, X, LEDGER_ILLEGAL, "a sent row is never submitted" },
	{ S, LEDGER_TEMP, X, LEDGER_ILLEGAL, "" },
	{ S, LEDGER_PERM, X, LEDGER_ILLEGAL, "" },
	{ S, LEDGER_EOD_4XX, X, LEDGER_ILLEGAL, "" },
	{ S, LEDGER_EOD_NO_REPLY, X, LEDGER_ILLEGAL, "" },
	{ S, LEDGER_EOD_5XX, X, LEDGER_ILLEGAL, "" },

	{ F, LEDGER_START, F, LEDGER_HOLD, "never sent again" },
	{ F, LEDGER_2XX, X, LEDGER_ILLEGAL, "a failed row is never submitted" },
	{ F, LEDGER_TEMP, X, LEDGER_ILLEGAL, "" },
	{ F, LEDGER_PERM, X, LEDGER_ILLEGAL, "" },
	{ F, LEDGER_EOD_4XX, X, LEDGER_ILLEGAL, "" },
	{ F, LEDGER_EOD_NO_REPLY, X, LEDGER_ILLEGAL, "" },
	{ F, LEDGER_EOD_5XX, X, LEDGER_ILLEGAL, "" },

	{ R, LEDGER_START, R, LEDGER_HOLD, "the gate refused it: never sent" },
	{ R, LEDGER_2XX, X, LEDGER_ILLEGAL, "a 250 through a gate that refused" },
	{ R, LEDGER_TEMP, F, LEDGER_FAIL, "the enrollment stopped" },
	{ R, LEDGER_PERM, F, LEDGER_FAIL, "the enrollment stopped" },
	{ R, LEDGER_EOD_4XX, F, LEDGER_FAIL, "the enrollment stopped" },
	{ R, LEDGER_EOD_NO_REPLY, F, LEDGER_FAIL, "the gate refused this copy" },
	{ R, LEDGER_EOD_5XX, F, LEDGER_FAIL, "the gate refused this copy" },
};

static void test_every_cell(void **state)
{
	int seen[LEDGER_NSTATES][LEDGER_NEVENTS];
	size_t i;
	int s, e;
	(void)state;
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < CAD_ARRAY_LEN(cells); i++) {
		const struct cell *c = &cells[i];
		struct ledger_move m = ledger_next(c->state, c->ev);
		if (m.action != c->action || (c->action != LEDGER_ILLEGAL && m.next != c->next))
			fail_msg("%s + %s: got %s -> %s, want %s -> %s (%s)",
				 ledger_state_name(c->state), ledger_event_name(c->ev),
				 ledger_action_name(m.action), ledger_state_name(m.next),
				 ledger_action_name(c->action), ledger_state_name(c->next), c->why);
		seen[c->state][c->ev]++;
	}
	for (s = 0; s < LEDGER_NSTATES; s++)
		for (e = 0; e < LEDGER_NEVENTS; e++)
			if (seen[s][e] != 1)
				fail_msg("cell %s + %s listed %d times", ledger_state_name(s),
					 ledger_event_name(e), seen[s][e]);
}

/* Whatever the table says, the next state never un-sends: a witnessed or
 * sent message never goes back to being submitted, except the one cell
 * where the MTA refused the very copy that was witnessed. */
static void test_never_twice(void **state)
{
	int e;
	(void)state;
	for (e = 0; e < LEDGER_NEVENTS; e++) {
		struct ledger_move m = ledger_next(WU, e);
		assert_int_equal(m.next, S);
		assert_true(m.action == LEDGER_RECONCILE || m.action == LEDGER_MARK_SENT);
		m = ledger_next(S, e);
		assert_true(m.action == LEDGER_HOLD || m.action == LEDGER_ILLEGAL);
	}
	for (e = 0; e < LEDGER_NEVENTS; e++) {
		struct ledger_move m = ledger_next(W, e);
		if (e == LEDGER_EOD_4XX)
			assert_int_equal(m.action, LEDGER_RETRY);
		else
			assert_true(m.action != LEDGER_RETRY && m.action != LEDGER_SUBMIT &&
				    m.action != LEDGER_KEEP_UNKNOWN);
	}
}

static void test_out_of_range(void **state)
{
	(void)state;
	assert_int_equal(ledger_next(LEDGER_NSTATES, LEDGER_START).action, LEDGER_ILLEGAL);
	assert_int_equal(ledger_next(P, LEDGER_NEVENTS).action, LEDGER_ILLEGAL);
	assert_int_equal(ledger_next((enum ledger_state)-1, LEDGER_START).action, LEDGER_ILLEGAL);
	assert_string_equal(ledger_state_name(LEDGER_NSTATES), "?");
	assert_string_equal(ledger_event_name(LEDGER_NEVENTS), "?");
	assert_string_equal(ledger_action_name(LEDGER_NACTIONS), "?");
}

static void test_event(void **state)
{
	(void)state;
	assert_int_equal(ledger_event(LEDGER_ACCEPTED, 1, 250), LEDGER_2XX);
	/* Before the dot: not queued, whatever the code. */
	assert_int_equal(ledger_event(LEDGER_TEMPFAIL, 0, 450), LEDGER_TEMP);
	assert_int_equal(ledger_event(LEDGER_TEMPFAIL, 0, 0), LEDGER_TEMP);
	assert_int_equal(ledger_event(LEDGER_TEMPFAIL, 0, 554), LEDGER_TEMP);   /* 5xx greeting */
	assert_int_equal(ledger_event(LEDGER_PERMFAIL, 0, 550), LEDGER_PERM);
	assert_int_equal(ledger_event(LEDGER_PERMFAIL, 0, 0), LEDGER_PERM);     /* local refusal */
	/* At the dot: the code decides; 0 is no reply. */
	assert_int_equal(ledger_event(LEDGER_TEMPFAIL, 1, 0), LEDGER_EOD_NO_REPLY);
	assert_int_equal(ledger_event(LEDGER_TEMPFAIL, 1, 354), LEDGER_EOD_NO_REPLY);
	assert_int_equal(ledger_event(LEDGER_TEMPFAIL, 1, 451), LEDGER_EOD_4XX);
	assert_int_equal(ledger_event(LEDGER_TEMPFAIL, 1, 499), LEDGER_EOD_4XX);
	assert_int_equal(ledger_event(LEDGER_TEMPFAIL, 1, 400), LEDGER_EOD_4XX);
	assert_int_equal(ledger_event(LEDGER_TEMPFAIL, 1, 250), LEDGER_2XX);     /* 250, then QUIT failed */
	assert_int_equal(ledger_event(LEDGER_PERMFAIL, 1, 550), LEDGER_EOD_5XX);
	assert_int_equal(ledger_event(LEDGER_PERMFAIL, 1, 554), LEDGER_EOD_5XX);
	assert_int_equal(ledger_event(LEDGER_TEMPFAIL, 1, 500), LEDGER_EOD_5XX);
}

static void test_state_of(void **state)
{
	(void)state;
	assert_int_equal(ledger_state_of(MSG_PREPARED, 0, 0), P);
	/* Found prepared: a crash may have left a copy in flight. */
	assert_int_equal(ledger_state_of(MSG_PREPARED, 0, 1), U);
	assert_int_equal(ledger_state_of(MSG_UNKNOWN, 0, 0), U);
	assert_int_equal(ledger_state_of(MSG_UNKNOWN, 0, 1), U);
	assert_int_equal(ledger_state_of(MSG_WITNESSED, 0, 0), W);
	assert_int_equal(ledger_state_of(MSG_WITNESSED, 0, 1), WU);
	assert_int_equal(ledger_state_of(MSG_WITNESSED, 1, 0), S);
	assert_int_equal(ledger_state_of(MSG_SUBMITTED, 1, 0), S);
	assert_int_equal(ledger_state_of(MSG_FAILED, 0, 0), F);
	assert_int_equal(ledger_state_of(MSG_REJECTED, 0, 1), R);
	assert_int_equal(ledger_state_of((enum msg_state)99, 0, 0), LEDGER_NSTATES);
}

/* Finding 5 of issue 9: the reply to the dot is lost. */
static void test_walk_lost_reply(void **state)
{
	struct ledger_move m;
	(void)state;
	/* First attempt: no witness yet when the pass looks again. */
	m = ledger_outcome(P, LEDGER_TEMPFAIL, 1, 0);
	assert_int_equal(m.action, LEDGER_KEEP_UNKNOWN);
	assert_int_equal(m.next, U);
	/* Next pass: the milter's witness landed meanwhile: no second send. */
	m = ledger_next(ledger_state_of(MSG_WITNESSED, 0, 1), LEDGER_START);
	assert_int_equal(m.action, LEDGER_RECONCILE);
	/* Or it had not: submitted again, and the gate refuses the copy
	 * because the first was witnessed in between: reconciled as sent. */
	m = ledger_next(ledger_state_of(MSG_UNKNOWN, 0, 1), LEDGER_START);
	assert_int_equal(m.action, LEDGER_SUBMIT);
	m = ledger_outcome(ledger_state_of(MSG_WITNESSED, 0, 1), LEDGER_PERMFAIL, 1, 550);
	assert_int_equal(m.action, LEDGER_RECONCILE);
	assert_int_equal(m.next, S);
	/* Or the first copy never reached the milter: the retry is the copy. */
	m = ledger_outcome(ledger_state_of(MSG_UNKNOWN, 0, 1), LEDGER_ACCEPTED, 1, 250);
	assert_int_equal(m.action, LEDGER_MARK_SENT);
	/* When the first attempt's witness is already there when the pass
	 * looks after the lost reply: sent at once. */
	m = ledger_outcome(ledger_state_of(MSG_WITNESSED, 0, 0), LEDGER_TEMPFAIL, 1, 0);
	assert_int_equal(m.action, LEDGER_RECONCILE);
}

/* A 4xx to the dot: forgetting the witness is right only when it is this
 * attempt's. */
static void test_walk_eod_4xx(void **state)
{
	struct ledger_move m;
	(void)state;
	m = ledger_outcome(ledger_state_of(MSG_WITNESSED, 0, 0), LEDGER_TEMPFAIL, 1, 451);
	assert_int_equal(m.action, LEDGER_RETRY);
	assert_int_equal(m.next, P);
	m = ledger_outcome(ledger_state_of(MSG_WITNESSED, 0, 1), LEDGER_TEMPFAIL, 1, 451);
	assert_int_equal(m.action, LEDGER_RECONCILE);
	m = ledger_outcome(ledger_state_of(MSG_PREPARED, 0, 0), LEDGER_TEMPFAIL, 1, 451);
	assert_int_equal(m.action, LEDGER_RETRY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_cell),
		cmocka_unit_test(test_never_twice),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_event),
		cmocka_unit_test(test_state_of),
		cmocka_unit_test(test_walk_lost_reply),
		cmocka_unit_test(test_walk_eod_4xx),
	};
	return cmocka_run_group_tests_name("ledger", tests, NULL, NULL);
}
