/* SPDX-License-Identifier: BSD-2-Clause */
/* test_store_external.c - store_msg_external(): a rep's own message
 * recorded as step 1 (enroll by address), against a real SQLite store:
 * the ledger row, the event, the enrollment moved on; one message shared
 * by several enrollments; refusals that write nothing. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_fixture.h"
#include "store_ledger.h"

struct fx {
	struct sfx *s;
	int64_t a, b;      /* enrollments at step 1 */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct step steps[2];
	memset(steps, 0, sizeof(steps));
	steps[0].kind = STEP_EMAIL;
	steps[0].subject = (char *)"Hello";
	steps[0].body = (char *)"Hi";
	steps[1].kind = STEP_EMAIL;
	steps[1].delay_days = 2;
	steps[1].subject = (char *)"Again";
	steps[1].body = (char *)"Hi again";
	f->s = sfx_open("external");
	if (f->s == NULL)
		return -1;
	f->s->rep = sfx_user(f->s, "rep@us.test", "UTC", 500, 80);
	f->s->seq = sfx_sequence(f->s, "Cold", SEQ_DAYS_EVERY, 0, 1440, steps, 2);
	f->a = sfx_enroll(f->s, sfx_contact(f->s, "ann@acme.test", NULL), f->s->seq, f->s->rep,
			  SFX_T0);
	f->b = sfx_enroll(f->s, sfx_contact(f->s, "bob@acme.test", NULL), f->s->seq, f->s->rep,
			  SFX_T0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	sfx_close(f->s);
	free(f);
	return 0;
}

static void expect_enr(struct fx *f, int64_t id, enum enr_state st, int step, cad_time_t due)
{
	struct enrollment e;
	struct cad_err err;
	assert_int_equal(store_enrollment_get(f->s->st, id, &e, &err), 0);
	assert_int_equal(e.state, st);
	assert_int_equal(e.step, step);
	assert_int_equal(e.next_due, due);
	enrollment_free(&e);
}

static void test_recorded_and_moved(void **state)
{
	struct fx *f = *state;
	struct cad_err err;
	struct sent_msg m;
	int recorded = -1;
	const cad_time_t now = SFX_T0 + 100, due = SFX_T0 + 2 * 86400;

	assert_int_equal(store_msg_external(f->s->st, f->a, 1, "rep-1@us.test", "tok-a", "Hello",
					    "QID1", due, "mail:rep@us.test", now, &recorded, &err),
			 0);
	assert_int_equal(recorded, 1);
	assert_int_equal(store_msg_get(f->s->st, "<rep-1@us.test>", &m, &err), 0);
	assert_int_equal(m.enrollment_id, f->a);
	assert_int_equal(m.step, 1);
	assert_int_equal(m.state, MSG_WITNESSED);
	assert_string_equal(m.queue_id, "QID1");
	assert_int_equal(m.witnessed_at, now);
	sent_msg_free(&m);
	expect_enr(f, f->a, ENR_ACTIVE, 2, due);
	assert_int_equal(sfx_count_events(f->s, EV_STEP_SENT, f->a), 1);
	assert_int_equal(sfx_count_events(f->s, EV_STEP_SCHEDULED, f->a), 1);
	/* the thread of later steps: step 1's record is the rep's message */
	assert_int_equal(store_msg_for_step(f->s->st, f->a, 1, &m, &err), 0);
	assert_string_equal(m.message_id, "rep-1@us.test");
	sent_msg_free(&m);

	/* the same message enrolled bob too: no second row, bob moves on */
	assert_int_equal(store_msg_external(f->s->st, f->b, 1, "rep-1@us.test", "tok-b", "Hello",
					    "QID1", due, "mail:rep@us.test", now, &recorded, &err),
			 0);
	assert_int_equal(recorded, 0);
	expect_enr(f, f->b, ENR_ACTIVE, 2, due);
	assert_int_equal(sfx_count_events(f->s, EV_STEP_SENT, f->b), 1);

	/* again for ann: she is past step 1; refused, nothing written */
	assert_int_equal(store_msg_external(f->s->st, f->a, 1, "rep-2@us.test", "tok-c", "Hello",
					    "QID2", due, "mail:rep@us.test", now, &recorded, &err),
			 -1);
	assert_non_null(strstr(err.msg, "not active on step 1"));
	assert_int_equal(store_msg_get(f->s->st, "rep-2@us.test", &m, &err), STORE_NOTFOUND);
	assert_int_equal(sfx_count_events(f->s, EV_STEP_SENT, f->a), 1);
}

/* cadenced recorded step 1 first: its record stands. */
static void test_scheduler_first(void **state)
{
	struct fx *f = *state;
	struct cad_err err;
	struct sent_msg m;
	int existing = 0, recorded = -1;

	memset(&m, 0, sizeof(m));
	m.enrollment_id = f->a;
	m.step = 1;
	m.message_id = xstrdup("sched-1@cadence.test");
	m.token = xstrdup("tok-s");
	assert_int_equal(store_msg_prepare(f->s->st, &m, SFX_T0, &existing, &err), 0);
	sent_msg_free(&m);
	assert_int_equal(store_msg_external(f->s->st, f->a, 1, "rep-3@us.test", "tok-d", NULL,
					    NULL, SFX_T0 + 86400, "mail:rep@us.test", SFX_T0 + 5,
					    &recorded, &err),
			 -1);
	assert_non_null(strstr(err.msg, "already in the send ledger"));
	assert_int_equal(recorded, 0);
	expect_enr(f, f->a, ENR_ACTIVE, 1, SFX_T0);
	/* and a message needs an id and a token */
	assert_int_equal(store_msg_external(f->s->st, f->b, 1, "", "tok-e", NULL, NULL, 0,
					    "mail:rep@us.test", SFX_T0, &recorded, &err),
			 -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_recorded_and_moved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduler_first, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
