/* SPDX-License-Identifier: BSD-2-Clause */
/* test_store_due.c - unit tests for the scheduler's store calls around the
 * ledger (store_ledger.h, store_sched.h): due enrollments, defer/advance,
 * resume (due again; a step's message armed again), task steps, and the
 * send counts for the caps. A fresh store each (ledger_fixture.h). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledger_fixture.h"
#include "store.h"
#include "store_fixture.h"
#include "store_ledger.h"
#include "store_notice.h"
#include "store_sched.h"

#define T0 SFX_T0

static void test_due_defer_advance(void **state)
{
	struct lfx *f = *state;
	struct cad_err err;
	struct enrollment_view *v;
	struct enrollment e;
	size_t n, before;
	int64_t a = lfx_enroll(f, f->c1, T0 + 30);
	int64_t b = lfx_enroll(f, f->c2, T0 + 10);
	int64_t c = lfx_enroll(f, f->c3, T0 + 500);

	assert_int_equal(store_due(f->x.st, T0 + 100, 0, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].e.id, b);
	assert_int_equal(v[1].e.id, a);
	assert_string_equal(v[1].contact_email, "ann@acme.test");
	assert_string_equal(v[1].sequence_name, "Cold");
	assert_int_equal(v[1].nsteps, 3);
	assert_int_equal(v[1].next_kind, STEP_EMAIL);
	store_enrollment_views_free(v, n);
	assert_int_equal(store_due(f->x.st, T0 + 1000, 1, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].e.id, b);
	store_enrollment_views_free(v, n);

	/* Paused and deferred-without-time ones are not due. */
	assert_int_equal(store_pause(f->x.st, SCOPE_ENROLLMENT, "2", "ooo", 0, "cli:test", T0, NULL,
				     &err), 0);
	before = sfx_count_events(&f->x, NULL, 0);
	assert_int_equal(store_enrollment_defer(f->x.st, a, 0, &err), 0);
	assert_int_equal(store_enrollment_defer(f->x.st, c, T0 + 2000, &err), 0);
	assert_int_equal(sfx_count_events(&f->x, NULL, 0), before);
	assert_int_equal(store_due(f->x.st, T0 + 1000, 0, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	store_enrollment_views_free(v, n);
	assert_int_equal(store_due(f->x.st, T0 + 2000, 0, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].e.id, c);
	store_enrollment_views_free(v, n);

	/* Advance moves only from the current step. */
	assert_int_equal(store_enrollment_advance(f->x.st, c, 2, T0 + 1, "step_skipped", "x",
						  "cadenced", T0, &err), 0);
	e = lfx_enr(f, c);
	assert_int_equal(e.step, 1);
	enrollment_free(&e);
	assert_int_equal(store_enrollment_advance(f->x.st, c, 1, T0 + 3000, EV_STEP_SCHEDULED,
						  "step 1 is a task that does not wait",
						  "cadenced", T0, &err), 0);
	e = lfx_enr(f, c);
	assert_int_equal(e.step, 2);
	assert_int_equal(e.next_due, T0 + 3000);
	enrollment_free(&e);
	/* Past the last step: finished, with the caller's event. */
	assert_int_equal(store_enrollment_advance(f->x.st, c, 2, 0, EV_STEP_SCHEDULED, NULL,
						  "cadenced", T0, &err), 0);
	assert_int_equal(store_enrollment_advance(f->x.st, c, 3, 0, EV_FINISHED, "no steps left",
						  "cadenced", T0, &err), 0);
	e = lfx_enr(f, c);
	assert_int_equal(e.state, ENR_FINISHED);
	assert_int_equal(e.next_due, 0);
	enrollment_free(&e);
	assert_int_equal(sfx_count_events(&f->x, EV_FINISHED, 0), 1);
	assert_int_equal(store_enrollment_advance(f->x.st, 999, 1, 0, EV_FINISHED, NULL, "cadenced",
						  T0, &err), STORE_NOTFOUND);
}

/* An out-of-office pause with an end resumes by itself once the end has
 * come; a pause without an end waits for a person. */
static void test_resume_due(void **state)
{
	struct lfx *f = *state;
	struct cad_err err;
	struct enrollment e;
	int n = -1;
	int64_t a = lfx_enroll(f, f->c1, T0);
	int64_t b = lfx_enroll(f, f->c2, T0);
	char key[32];

	snprintf(key, sizeof(key), "%lld", (long long)a);
	assert_int_equal(store_pause(f->x.st, SCOPE_ENROLLMENT, key, "out of office", T0 + 500,
				     "milter", T0, NULL, &err), 0);
	snprintf(key, sizeof(key), "%lld", (long long)b);
	assert_int_equal(store_pause(f->x.st, SCOPE_ENROLLMENT, key, "by hand", 0, "cli:test", T0,
				     NULL, &err), 0);
	assert_int_equal(store_resume_due(f->x.st, "cadenced", T0 + 499, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_resume_due(f->x.st, "cadenced", T0 + 500, &n, &err), 0);
	assert_int_equal(n, 1);
	e = lfx_enr(f, a);
	assert_int_equal(e.state, ENR_ACTIVE);
	assert_true(e.next_due >= T0 + 500);
	enrollment_free(&e);
	e = lfx_enr(f, b);
	assert_int_equal(e.state, ENR_PAUSED);
	enrollment_free(&e);
	assert_int_equal(sfx_count_events(&f->x, EV_RESUMED, a), 1);
	/* Nothing left to resume: a second call changes nothing. */
	assert_int_equal(store_resume_due(f->x.st, "cadenced", T0 + 9999, &n, &err), 0);
	assert_int_equal(n, 0);
}

static void test_resume_rearms(void **state)
{
	struct lfx *f = *state;
	struct cad_err err;
	struct sent_msg m;
	enum gate_verdict gv;
	char why[128];
	int64_t a = lfx_enroll(f, f->c1, T0);
	int64_t ma = lfx_prepare(f, a, 1, "a1@cadence.test");

	/* An out-of-office paused a while the message was on its way. */
	assert_int_equal(store_pause(f->x.st, SCOPE_ENROLLMENT, "1", "out of office", T0 + 900,
				     "milter", T0 + 1, NULL, &err), 0);
	assert_int_equal(store_msg_gate(f->x.st, "a1@cadence.test", "Q1", T0 + 2, &gv, why,
					sizeof(why), &err), 0);
	assert_int_equal(gv, GATE_REJECT);
	assert_non_null(strstr(why, "paused (out of office)"));
	assert_int_equal(store_msg_failed(f->x.st, ma, "550 5.7.1 gate: enrollment paused",
					  "cadenced", T0 + 3, &err), 0);
	/* Resumed: the step's message is armed again, and passes once. */
	assert_int_equal(store_resume(f->x.st, SCOPE_ENROLLMENT, "1", "cadenced", T0 + 900, NULL,
				      &err), 0);
	assert_int_equal(store_msg_for_step(f->x.st, a, 1, &m, &err), 0);
	assert_int_equal(m.id, ma);
	assert_int_equal(m.state, MSG_PREPARED);
	sent_msg_free(&m);
	assert_int_equal(store_msg_gate(f->x.st, "a1@cadence.test", "Q2", T0 + 901, &gv, why,
					sizeof(why), &err), 0);
	assert_int_equal(gv, GATE_ACCEPT);
	/* A message that left is never re-armed. */
	assert_int_equal(store_pause(f->x.st, SCOPE_ENROLLMENT, "1", "manual", 0, "cli:test",
				     T0 + 902, NULL, &err), 0);
	assert_int_equal(store_resume(f->x.st, SCOPE_ENROLLMENT, "1", "cli:test", T0 + 903, NULL,
				      &err), 0);
	assert_int_equal(store_msg_for_step(f->x.st, a, 1, &m, &err), 0);
	assert_int_equal(m.state, MSG_WITNESSED);
	sent_msg_free(&m);
	assert_int_equal(store_msg_gate(f->x.st, "a1@cadence.test", "Q3", T0 + 904, &gv, why,
					sizeof(why), &err), 0);
	assert_int_equal(gv, GATE_REJECT);
}

static void test_task_step(void **state)
{
	struct lfx *f = *state;
	struct cad_err err;
	struct enrollment e;
	struct task t;
	int64_t a = lfx_enroll(f, f->c1, T0);
	int64_t b = lfx_enroll(f, f->c2, T0);
	int64_t ma = lfx_prepare(f, a, 1, "a1@cadence.test");
	int64_t mb = lfx_prepare(f, b, 1, "b1@cadence.test");

	assert_int_equal(store_msg_sent(f->x.st, ma, "250", NULL, T0 + 10, "cadenced", T0, &err), 0);
	assert_int_equal(store_msg_sent(f->x.st, mb, "250", NULL, T0 + 10, "cadenced", T0, &err), 0);

	/* A call that waits: the task opens, the step leaves the due list. */
	memset(&t, 0, sizeof(t));
	t.enrollment_id = a;
	t.step = 2;
	t.kind = STEP_CALL;
	t.due_at = T0 + 10;
	assert_int_equal(store_task_step(f->x.st, &t, 1, 0, "cadenced", T0 + 10, &err), 0);
	assert_true(t.id > 0);
	assert_int_equal(t.user_id, f->rep);
	e = lfx_enr(f, a);
	assert_int_equal(e.step, 2);
	assert_int_equal(e.next_due, 0);
	enrollment_free(&e);
	assert_int_equal(store_task_close(f->x.st, t.id, TASK_DONE, T0 + 500, "cli:rep", T0 + 20,
					  &err), 0);
	e = lfx_enr(f, a);
	assert_int_equal(e.step, 3);
	assert_int_equal(e.next_due, T0 + 500);
	enrollment_free(&e);

	/* A call that does not wait: the enrollment moves on at once. */
	memset(&t, 0, sizeof(t));
	t.enrollment_id = b;
	t.step = 2;
	t.kind = STEP_CALL;
	assert_int_equal(store_task_step(f->x.st, &t, 0, T0 + 700, "cadenced", T0 + 10, &err), 0);
	e = lfx_enr(f, b);
	assert_int_equal(e.step, 3);
	assert_int_equal(e.next_due, T0 + 700);
	enrollment_free(&e);
	assert_int_equal(sfx_count_events(&f->x, EV_TASK_CREATED, 0), 2);

	memset(&t, 0, sizeof(t));
	t.enrollment_id = 999;
	t.step = 1;
	assert_int_equal(store_task_step(f->x.st, &t, 1, 0, "cadenced", T0, &err), STORE_NOTFOUND);
}

static void test_send_counts(void **state)
{
	struct lfx *f = *state;
	struct cad_err err;
	enum gate_verdict gv;
	char why[64];
	cad_time_t *times;
	size_t n;
	int cnt;
	int64_t a = lfx_enroll(f, f->c1, T0);
	int64_t b = lfx_enroll(f, f->c2, T0);
	int64_t c = lfx_enroll(f, f->c3, T0);
	int64_t ma = lfx_prepare(f, a, 1, "a1@cadence.test");

	lfx_prepare(f, b, 1, "b1@cadence.test");
	lfx_prepare(f, c, 1, "c1@cadence.test");
	assert_int_equal(store_msg_sent(f->x.st, ma, "250", NULL, T0 + 10, "cadenced", T0 + 100,
					&err), 0);
	assert_int_equal(store_msg_gate(f->x.st, "b1@cadence.test", "Q", T0 + 50, &gv, why,
					sizeof(why), &err), 0);
	/* c is only prepared: not a send. */
	assert_int_equal(store_user_sends_since(f->x.st, f->rep, T0, &times, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(times[0], T0 + 50);
	assert_int_equal(times[1], T0 + 100);
	free(times);
	assert_int_equal(store_user_sends_since(f->x.st, f->rep, T0 + 60, &times, &n, &err), 0);
	assert_int_equal(n, 1);
	free(times);
	assert_int_equal(store_domain_sends_since(f->x.st, "ACME.test", T0, &cnt, &err), 0);
	assert_int_equal(cnt, 2);
	assert_int_equal(store_domain_sends_since(f->x.st, "other.test", T0, &cnt, &err), 0);
	assert_int_equal(cnt, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		LFX_TEST(test_due_defer_advance),
		LFX_TEST(test_resume_due),
		LFX_TEST(test_resume_rearms),
		LFX_TEST(test_task_step),
		LFX_TEST(test_send_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
