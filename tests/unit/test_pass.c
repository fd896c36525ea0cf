/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_pass.c - the scheduling pass (scheduler/libscheduler.a) sends each
 * step exactly once, against a real store and a scripted MTA with the
 * milter's gate (pass_fixture.h).
 *
 * Checks exactly once through a lost reply (issue 9, finding 5): with the
 * witness made before the reply was lost, with a witness that lands only
 * after the pass gave up on the reply, with none at all, and with the
 * first copy's witness racing the retry's; the control shows the same
 * script delivers twice without the gate. And one enrollment's failure
 * (finding 9): a next due time that cannot be computed pauses that one
 * enrollment with a notice to its rep; the pass goes on with the others.
 * How a step's mail looks and how steps are held back: test_pass_steps.c.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pass_fixture.h"
#include "store_notice.h"

#define T0 SFX_T0

/* The witness is made, then the reply to the dot is lost: the pass reads
 * the row again, finds the witness and reconciles at once. */
static void test_lost_reply_witnessed(void **state)
{
	struct passfx *f = *state;
	struct sched_stats st;
	struct sent_msg m;
	struct enrollment e;
	int64_t a = passfx_enroll(f, "ann@prospect.test", f->seq, T0);

	passfx_mta.script = "l";
	st = passfx_pass(f, T0);
	assert_int_equal(st.reconciled, 1);
	assert_int_equal(st.sent, 0);
	assert_int_equal(passfx_mta.delivered, 1);
	m = passfx_msg_of(f, a, 1);
	assert_int_equal(m.state, MSG_WITNESSED);
	assert_true(m.submitted_at > 0);
	assert_string_equal(m.queue_id, "Q1");
	sent_msg_free(&m);
	e = passfx_enr_of(f, a);
	assert_int_equal(e.step, 2);
	assert_int_equal(e.next_due, T0 + 2 * 86400);
	enrollment_free(&e);
	/* Nothing is due again; later passes send step 2 only. */
	passfx_pass(f, T0 + 60);
	assert_int_equal(passfx_mta.attempts, 1);
	passfx_pass(f, T0 + 2 * 86400);
	assert_int_equal(passfx_mta.attempts, 2);
	assert_int_equal(passfx_mta.delivered, 2);
}

/* No witness when the reply is lost (the milter is slow): unknown; the
 * first copy's witness lands before the next pass, which reconciles
 * without sending. */
static void test_lost_reply_late_witness(void **state)
{
	struct passfx *f = *state;
	struct sched_stats st;
	struct sent_msg m;
	struct enrollment e;
	int64_t a = passfx_enroll(f, "ann@prospect.test", f->seq, T0);

	passfx_mta.script = "t";
	st = passfx_pass(f, T0);
	assert_int_equal(st.retried, 1);
	m = passfx_msg_of(f, a, 1);
	assert_int_equal(m.state, MSG_UNKNOWN);
	sent_msg_free(&m);
	e = passfx_enr_of(f, a);
	assert_int_equal(e.step, 1);
	assert_int_equal(e.next_due, T0 + 60);
	enrollment_free(&e);
	/* The first copy's end of message reaches the gate now. */
	assert_int_equal(passfx_gate(passfx_mta.late, "QLATE", T0 + 5), 1);
	passfx_mta.delivered++;
	passfx_mta.late_pending = 0;
	st = passfx_pass(f, T0 + 60);
	assert_int_equal(st.reconciled, 1);
	assert_int_equal(passfx_mta.attempts, 1);
	assert_int_equal(passfx_mta.delivered, 1);
	m = passfx_msg_of(f, a, 1);
	assert_string_equal(m.queue_id, "QLATE");
	sent_msg_free(&m);
	e = passfx_enr_of(f, a);
	assert_int_equal(e.step, 2);
	/* Counted from the witness (T0 + 5), not from the pass that noticed. */
	assert_int_equal(e.next_due, T0 + 5 + 2 * 86400);
	enrollment_free(&e);
}

/* Unknown, and the first copy never arrives: the retry is the one copy. */
static void test_lost_reply_never_arrived(void **state)
{
	struct passfx *f = *state;
	struct sched_stats st;
	struct sent_msg m;
	int64_t a = passfx_enroll(f, "ann@prospect.test", f->seq, T0);

	passfx_mta.script = "ta";
	passfx_pass(f, T0);
	passfx_mta.late_pending = 0;     /* that copy is gone (the connection dropped before EOM) */
	st = passfx_pass(f, T0 + 60);
	assert_int_equal(st.sent, 1);
	assert_int_equal(passfx_mta.attempts, 2);
	assert_int_equal(passfx_mta.delivered, 1);
	m = passfx_msg_of(f, a, 1);
	assert_int_equal(m.state, MSG_WITNESSED);
	assert_string_equal(m.queue_id, "Q2");
	sent_msg_free(&m);
}

/* Unknown; the first copy's witness races the retry: the gate refuses the
 * second copy (550), which the table reconciles as sent. */
static void test_lost_reply_retry_meets_gate(void **state)
{
	struct passfx *f = *state;
	struct sched_stats st;
	int64_t a = passfx_enroll(f, "ann@prospect.test", f->seq, T0);
	struct sent_msg m;

	passfx_mta.script = "ta";
	passfx_pass(f, T0);
	st = passfx_pass(f, T0 + 60);    /* the late copy lands just before the retry's EOM */
	assert_int_equal(st.reconciled, 1);
	assert_int_equal(st.sent, 0);
	assert_int_equal(passfx_mta.attempts, 2);
	assert_int_equal(passfx_mta.delivered, 1);
	m = passfx_msg_of(f, a, 1);
	assert_string_equal(m.queue_id, "QLATE");
	assert_true(m.submitted_at > 0);
	sent_msg_free(&m);
	assert_int_equal(sfx_count_events(&f->x, EV_GATE_REJECTED, a), 1);
	assert_int_equal(sfx_count_events(&f->x, EV_STEP_SENT, a), 1);
}

/* The control: the same script without the gate (a bare MTA) delivers
 * twice — the harness does see a second copy. */
static void test_control_without_gate(void **state)
{
	struct passfx *f = *state;
	passfx_enroll(f, "ann@prospect.test", f->seq, T0);

	passfx_mta.gate = 0;
	passfx_mta.script = "la";
	passfx_pass(f, T0);
	passfx_pass(f, T0 + 60);
	assert_int_equal(passfx_mta.attempts, 2);
	assert_int_equal(passfx_mta.delivered, 2);
}

/* A 4xx before the dot: not queued, retried, one copy. */
static void test_tempfail_before_dot(void **state)
{
	struct passfx *f = *state;
	struct sched_stats st;
	int64_t a = passfx_enroll(f, "ann@prospect.test", f->seq, T0);
	struct sent_msg m;

	passfx_mta.script = "da";
	st = passfx_pass(f, T0);
	assert_int_equal(st.retried, 1);
	m = passfx_msg_of(f, a, 1);
	assert_int_equal(m.state, MSG_PREPARED);
	sent_msg_free(&m);
	st = passfx_pass(f, T0 + 60);
	assert_int_equal(st.sent, 1);
	assert_int_equal(passfx_mta.delivered, 1);
}

/* Finding 9: the oldest due enrollment cannot go on (its next due time
 * cannot be computed); it is paused with the reason and its rep gets a
 * notice, and the pass goes on to the others. */
static void test_item_failure_is_the_items(void **state)
{
	struct passfx *f = *state;
	struct sched_stats st;
	struct enrollment e;
	struct notice *v = NULL;
	struct cad_err err;
	size_t n = 0;
	int64_t bad = passfx_enroll(f, "bad@prospect.test", f->badseq, T0 - 600);
	int64_t good = passfx_enroll(f, "ann@prospect.test", f->seq, T0);

	passfx_mta.fail_notices = 1;    /* keep the notice pending, to read it */
	st = passfx_pass(f, T0);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.failed, 1);
	e = passfx_enr_of(f, bad);
	assert_int_equal(e.state, ENR_PAUSED);
	assert_non_null(strstr(e.reason, "out of range"));
	enrollment_free(&e);
	e = passfx_enr_of(f, good);
	assert_int_equal(e.step, 2);
	enrollment_free(&e);
	assert_int_equal(sfx_count_events(&f->x, EV_PAUSED, bad), 1);
	assert_int_equal(store_notices_pending(f->x.st, 10, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].kind, NOTICE_PAUSED);
	assert_string_equal(v[0].user_email, "rep@our.test");
	assert_non_null(strstr(v[0].body, "bad@prospect.test"));
	assert_non_null(strstr(v[0].body, "cadencectl resume"));
	store_notices_free(v, n);
	/* The next pass sends the notice; nothing else. It is marked as
	 * machine-written (RFC 3834); the sequence mail, a person's, is not
	 * (control: the same field reader on that mail finds nothing). */
	passfx_mta.fail_notices = 0;
	passfx_mta.last_notice_as[0] = '\0';
	st = passfx_pass(f, T0 + 60);
	assert_int_equal(st.failed, 0);
	assert_string_equal(passfx_mta.last_notice_as, "auto-generated");
	assert_string_equal(passfx_mta.last_seq_as, "");
	assert_non_null(strstr(passfx_mta.order, "ann"));
	assert_int_equal(store_notices_pending(f->x.st, 10, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	store_notices_free(v, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PASSFX_TEST(test_lost_reply_witnessed),
		PASSFX_TEST(test_lost_reply_late_witness),
		PASSFX_TEST(test_lost_reply_never_arrived),
		PASSFX_TEST(test_lost_reply_retry_meets_gate),
		PASSFX_TEST(test_control_without_gate),
		PASSFX_TEST(test_tempfail_before_dot),
		PASSFX_TEST(test_item_failure_is_the_items),
	};
	cad_log_open("test_pass", 0, 0);
	return cmocka_run_group_tests_name("pass", tests, NULL, NULL);
}
