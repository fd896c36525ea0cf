/* SPDX-License-Identifier: BSD-2-Clause */
/* test_store_ledger.c - unit tests for the send ledger (store_ledger.h):
 * prepare (a second prepare returns the first record), the milter's gate
 * (once, only while active and on that step), sent/retry/failed, a reply
 * to end of data never read (unknown), recovery after a crash, and an old
 * store upgraded with its ledger. A fresh store each (ledger_fixture.h). */
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
#include "store_int.h"      /* store_open_version: an old file */
#include "store_ledger.h"
#include "store_sched.h"

#define T0 SFX_T0

static void test_prepare_and_lookups(void **state)
{
	struct lfx *f = *state;
	struct cad_err err;
	struct sent_msg m;
	int existing = 0;
	int64_t a = lfx_enroll(f, f->c1, T0);
	int64_t id = lfx_prepare(f, a, 1, "abc.1@cadence.test");

	/* A second prepare for the step returns the first record. */
	memset(&m, 0, sizeof(m));
	m.enrollment_id = a;
	m.step = 1;
	m.message_id = xstrdup("other@cadence.test");
	m.token = xstrdup("tok-other");
	assert_int_equal(store_msg_prepare(f->x.st, &m, T0 + 50, &existing, &err), 0);
	assert_int_equal(existing, 1);
	assert_int_equal(m.id, id);
	assert_string_equal(m.message_id, "abc.1@cadence.test");
	assert_int_equal(m.created_at, T0 + 1);
	sent_msg_free(&m);

	assert_int_equal(store_msg_get(f->x.st, "<abc.1@cadence.test>", &m, &err), 0);
	assert_int_equal(m.id, id);
	assert_string_equal(m.token, "tok-abc.1@cadence.test");
	assert_string_equal(m.subject, "Hi");
	sent_msg_free(&m);
	assert_int_equal(store_msg_get_token(f->x.st, "tok-abc.1@cadence.test", &m, &err), 0);
	assert_int_equal(m.id, id);
	sent_msg_free(&m);
	assert_int_equal(store_msg_for_step(f->x.st, a, 1, &m, &err), 0);
	assert_int_equal(m.id, id);
	sent_msg_free(&m);
	assert_int_equal(store_msg_for_step(f->x.st, a, 2, &m, &err), STORE_NOTFOUND);
	assert_int_equal(m.id, 0);
	assert_int_equal(store_msg_get(f->x.st, "nope@x.test", &m, &err), STORE_NOTFOUND);
	assert_int_equal(store_msg_get_token(f->x.st, "nope", &m, &err), STORE_NOTFOUND);

	/* A reused Message-ID for another step is refused. */
	memset(&m, 0, sizeof(m));
	m.enrollment_id = a;
	m.step = 3;
	m.message_id = xstrdup("abc.1@cadence.test");
	m.token = xstrdup("tok-new");
	assert_int_equal(store_msg_prepare(f->x.st, &m, T0, &existing, &err), -1);
	free(m.message_id);
	m.message_id = NULL;
	assert_int_equal(store_msg_prepare(f->x.st, &m, T0, &existing, &err), -1);
	sent_msg_free(&m);
}

static void test_gate_and_sent(void **state)
{
	struct lfx *f = *state;
	struct cad_err err;
	struct sent_msg m;
	struct enrollment e;
	enum gate_verdict gv;
	char why[256];
	int64_t a = lfx_enroll(f, f->c1, T0);
	int64_t b = lfx_enroll(f, f->c2, T0);
	int64_t ma = lfx_prepare(f, a, 1, "a1@cadence.test");
	int64_t mb = lfx_prepare(f, b, 1, "b1@cadence.test");

	assert_int_equal(store_msg_gate(f->x.st, "<x@elsewhere.test>", "Q0", T0, &gv, why,
					sizeof(why), &err), 0);
	assert_int_equal(gv, GATE_UNKNOWN);

	/* Accepted once, with the queue id... */
	assert_int_equal(store_msg_gate(f->x.st, "<a1@cadence.test>", "4Xy1", T0 + 2, &gv, why,
					sizeof(why), &err), 0);
	assert_int_equal(gv, GATE_ACCEPT);
	assert_int_equal(store_msg_for_step(f->x.st, a, 1, &m, &err), 0);
	assert_int_equal(m.state, MSG_WITNESSED);
	assert_string_equal(m.queue_id, "4Xy1");
	assert_int_equal(m.witnessed_at, T0 + 2);
	sent_msg_free(&m);
	/* ...never twice. */
	assert_int_equal(store_msg_gate(f->x.st, "a1@cadence.test", "4Xy2", T0 + 3, &gv, why,
					sizeof(why), &err), 0);
	assert_int_equal(gv, GATE_REJECT);
	assert_non_null(strstr(why, "already sent as 4Xy1"));
	assert_int_equal(store_msg_for_step(f->x.st, a, 1, &m, &err), 0);
	assert_int_equal(m.state, MSG_WITNESSED);
	sent_msg_free(&m);

	/* A reply stopped b a second ago: the gate refuses its message. */
	assert_int_equal(store_unenroll(f->x.st, SCOPE_CONTACT, "bob@acme.test", "replied", "milter",
					T0 + 4, NULL, &err), 0);
	assert_int_equal(store_msg_gate(f->x.st, "b1@cadence.test", "4Xy3", T0 + 5, &gv, why,
					sizeof(why), &err), 0);
	assert_int_equal(gv, GATE_REJECT);
	assert_non_null(strstr(why, "is unenrolled (replied)"));
	assert_int_equal(store_msg_for_step(f->x.st, b, 1, &m, &err), 0);
	assert_int_equal(m.state, MSG_REJECTED);
	sent_msg_free(&m);
	assert_int_equal(sfx_count_events(&f->x, EV_GATE_REJECTED, 0), 2);
	assert_int_equal(sfx_count_events(&f->x, EV_STEP_WITNESSED, 0), 1);
	/* A rejected message can never be marked sent. */
	assert_int_equal(store_msg_sent(f->x.st, mb, "250 ok", "Q", T0 + 100, "cadenced", T0 + 6,
					&err), -1);

	/* The 250 arrives: a stays witnessed and moves to step 2. */
	assert_int_equal(store_msg_sent(f->x.st, ma, "250 2.0.0 Ok: queued as 4Xy1", "4Xy1",
					T0 + 86400, "cadenced", T0 + 6, &err), 0);
	assert_int_equal(store_msg_for_step(f->x.st, a, 1, &m, &err), 0);
	assert_int_equal(m.state, MSG_WITNESSED);
	assert_int_equal(m.submitted_at, T0 + 6);
	assert_string_equal(m.smtp_reply, "250 2.0.0 Ok: queued as 4Xy1");
	sent_msg_free(&m);
	e = lfx_enr(f, a);
	assert_int_equal(e.step, 2);
	assert_int_equal(e.next_due, T0 + 86400);
	enrollment_free(&e);
	/* A second report moves nothing. */
	assert_int_equal(store_msg_sent(f->x.st, ma, "250 again", "4Xy1", T0 + 99999, "cadenced",
					T0 + 7, &err), 0);
	e = lfx_enr(f, a);
	assert_int_equal(e.step, 2);
	assert_int_equal(e.next_due, T0 + 86400);
	enrollment_free(&e);
	assert_int_equal(sfx_count_events(&f->x, EV_STEP_SENT, 0), 1);
	assert_int_equal(store_msg_sent(f->x.st, 999, "250", NULL, 0, "cadenced", T0, &err),
			 STORE_NOTFOUND);
}

static void test_retry_failed(void **state)
{
	struct lfx *f = *state;
	struct cad_err err;
	struct sent_msg m;
	struct enrollment e;
	enum gate_verdict gv;
	char why[128];
	int64_t a = lfx_enroll(f, f->c1, T0);
	int64_t b = lfx_enroll(f, f->c2, T0);
	int64_t ma = lfx_prepare(f, a, 1, "a1@cadence.test");
	int64_t mb = lfx_prepare(f, b, 1, "b1@cadence.test");

	/* 4xx after DATA: the witness is forgotten, the step is retried later. */
	assert_int_equal(store_msg_gate(f->x.st, "a1@cadence.test", "Q1", T0 + 2, &gv, why,
					sizeof(why), &err), 0);
	assert_int_equal(store_msg_retry(f->x.st, ma, "451 4.3.0 try later", T0 + 600, T0 + 3, &err),
			 0);
	assert_int_equal(store_msg_for_step(f->x.st, a, 1, &m, &err), 0);
	assert_int_equal(m.state, MSG_PREPARED);
	assert_null(m.queue_id);
	assert_int_equal(m.witnessed_at, 0);
	assert_string_equal(m.smtp_reply, "451 4.3.0 try later");
	sent_msg_free(&m);
	e = lfx_enr(f, a);
	assert_int_equal(e.state, ENR_ACTIVE);
	assert_int_equal(e.step, 1);
	assert_int_equal(e.next_due, T0 + 600);
	enrollment_free(&e);
	/* The resend (same Message-ID) passes the gate again. */
	assert_int_equal(store_msg_gate(f->x.st, "a1@cadence.test", "Q2", T0 + 601, &gv, why,
					sizeof(why), &err), 0);
	assert_int_equal(gv, GATE_ACCEPT);

	/* 5xx: failed, and the enrollment is paused with the reply. */
	assert_int_equal(store_msg_failed(f->x.st, mb, "550 5.1.1 no such user", "cadenced", T0 + 4,
					  &err), 0);
	assert_int_equal(store_msg_for_step(f->x.st, b, 1, &m, &err), 0);
	assert_int_equal(m.state, MSG_FAILED);
	sent_msg_free(&m);
	e = lfx_enr(f, b);
	assert_int_equal(e.state, ENR_PAUSED);
	assert_non_null(strstr(e.reason, "550 5.1.1 no such user"));
	enrollment_free(&e);
	assert_int_equal(store_msg_retry(f->x.st, mb, "451", T0, T0, &err), -1);
	assert_int_equal(sfx_count_events(&f->x, EV_STEP_FAILED, 0), 2);
	assert_int_equal(sfx_count_events(&f->x, EV_PAUSED, 0), 1);
}

/* A second prepare of a step (what a restarted pass does) returns the
 * stored record; its state is what the ledger's table reconciles. */
static enum msg_state reprepare(struct lfx *f, int64_t enr, int64_t id)
{
	struct sent_msg m;
	struct cad_err err;
	enum msg_state state;
	int existing = 0;
	memset(&m, 0, sizeof(m));
	m.enrollment_id = enr;
	m.step = 1;
	m.message_id = xstrdup("new@cadence.test");
	m.token = xstrdup("tok-new");
	m.subject = xstrdup("Hi");
	assert_int_equal(store_msg_prepare(f->x.st, &m, T0 + 10, &existing, &err), 0);
	assert_int_equal(existing, 1);
	assert_int_equal(m.id, id);
	state = m.state;
	sent_msg_free(&m);
	return state;
}

/* No reply to end of data (issue 9, finding 5): the row is unknown, the
 * step waits, a witness is never wiped; the retry meets the gate, which
 * witnesses it once (the first copy never arrived) or refuses the second
 * copy (the first was witnessed). */
static void test_unknown(void **state)
{
	struct lfx *f = *state;
	struct cad_err err;
	struct enrollment_view *v;
	struct sent_msg m;
	struct enrollment e;
	enum gate_verdict gv;
	char why[128];
	size_t n;
	int64_t a = lfx_enroll(f, f->c1, T0);
	int64_t b = lfx_enroll(f, f->c2, T0);
	int64_t ma = lfx_prepare(f, a, 1, "a1@cadence.test");
	int64_t mb = lfx_prepare(f, b, 1, "b1@cadence.test");

	assert_int_equal(store_msg_unknown(f->x.st, ma, "end of data: connection lost", T0 + 60,
					   T0 + 1, &err), 0);
	assert_int_equal(store_msg_for_step(f->x.st, a, 1, &m, &err), 0);
	assert_int_equal(m.state, MSG_UNKNOWN);
	assert_string_equal(msg_state_name(m.state), "unknown");
	sent_msg_free(&m);
	e = lfx_enr(f, a);
	assert_int_equal(e.state, ENR_ACTIVE);
	assert_int_equal(e.next_due, T0 + 60);
	enrollment_free(&e);
	assert_int_equal(sfx_count_events(&f->x, EV_STEP_FAILED, 0), 1);
	/* Due again at the retry time (b, never tried, is due as well), where
	 * the pass's prepare finds the unknown row. */
	assert_int_equal(store_due(f->x.st, T0 + 59, 0, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].e.id, b);
	store_enrollment_views_free(v, n);
	assert_int_equal(store_due(f->x.st, T0 + 60, 0, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_true(v[0].e.id == a || v[1].e.id == a);
	store_enrollment_views_free(v, n);
	assert_int_equal(reprepare(f, a, ma), MSG_UNKNOWN);
	/* The first copy was never witnessed: the retry passes the gate once. */
	assert_int_equal(store_msg_gate(f->x.st, "a1@cadence.test", "Q1", T0 + 61, &gv, why,
					sizeof(why), &err), 0);
	assert_int_equal(gv, GATE_ACCEPT);
	assert_int_equal(store_msg_gate(f->x.st, "a1@cadence.test", "Q2", T0 + 62, &gv, why,
					sizeof(why), &err), 0);
	assert_int_equal(gv, GATE_REJECT);
	assert_non_null(strstr(why, "already sent as Q1"));

	/* b: the milter witnessed the first copy; a late "unknown" report
	 * keeps the witness (state and queue id). */
	assert_int_equal(store_msg_gate(f->x.st, "b1@cadence.test", "QB", T0 + 2, &gv, why,
					sizeof(why), &err), 0);
	assert_int_equal(gv, GATE_ACCEPT);
	assert_int_equal(store_msg_unknown(f->x.st, mb, "end of data: timeout", T0 + 60, T0 + 3,
					   &err), 0);
	assert_int_equal(store_msg_for_step(f->x.st, b, 1, &m, &err), 0);
	assert_int_equal(m.state, MSG_WITNESSED);
	assert_string_equal(m.queue_id, "QB");
	assert_int_equal(m.witnessed_at, T0 + 2);
	sent_msg_free(&m);
	/* The retry's copy is refused; the step is then reported sent. */
	assert_int_equal(store_msg_gate(f->x.st, "b1@cadence.test", "QB2", T0 + 61, &gv, why,
					sizeof(why), &err), 0);
	assert_int_equal(gv, GATE_REJECT);
	assert_int_equal(store_msg_sent(f->x.st, mb, "witnessed; a second copy was refused", "QB",
					T0 + 86400, "cadenced", T0 + 62, &err), 0);
	assert_int_equal(store_msg_for_step(f->x.st, b, 1, &m, &err), 0);
	assert_int_equal(m.state, MSG_WITNESSED);
	assert_int_equal(m.submitted_at, T0 + 62);
	sent_msg_free(&m);
	/* A failed message's outcome cannot become unknown. */
	assert_int_equal(store_msg_failed(f->x.st, ma, "550", "cadenced", T0 + 70, &err), 0);
	assert_int_equal(store_msg_unknown(f->x.st, ma, "x", T0, T0, &err), -1);
}

/* A file from before the "unknown" state (version 3, the notices) keeps
 * its ledger rows through the upgrade that rebuilds sent_messages, and
 * then takes the new state. */
static void test_upgrade_keeps_ledger(void **state)
{
	struct sfx x;
	struct cad_err err;
	struct sent_msg m;
	struct step st1;
	enum gate_verdict gv;
	char why[128];
	int64_t rep, seq, c1, c2, a, b, ma, mb;
	int existing;
	(void)state;
	if (sfx_pg()) {
		print_message("skipped on PostgreSQL: its schema starts at version 9, "
			      "no older store to upgrade\n");
		skip();
	}

	assert_int_equal(sfx_init(&x, "ledger-upgrade"), 0);
	store_close(x.st);
	unlink(x.path);
	assert_int_equal(store_open_version(&x.st, x.path, STORE_CREATE, 3, &err), 0);
	assert_int_equal(store_schema_version(x.st), 3);
	rep = sfx_user(&x, "rep@us.test", NULL, 500, 80);
	memset(&st1, 0, sizeof(st1));
	st1.kind = STEP_EMAIL;
	st1.subject = (char *)"Hi";
	st1.body = (char *)"One";
	seq = sfx_sequence(&x, "Old", SEQ_DAYS_BUSINESS, 0, 0, &st1, 1);
	c1 = sfx_contact(&x, "ann@acme.test", NULL);
	c2 = sfx_contact(&x, "bob@acme.test", NULL);
	a = sfx_enroll(&x, c1, seq, rep, T0);
	b = sfx_enroll(&x, c2, seq, rep, T0);
	memset(&m, 0, sizeof(m));
	m.enrollment_id = a;
	m.step = 1;
	m.message_id = xstrdup("old-a@cadence.test");
	m.token = xstrdup("tok-old-a");
	assert_int_equal(store_msg_prepare(x.st, &m, T0, &existing, &err), 0);
	ma = m.id;
	sent_msg_free(&m);
	memset(&m, 0, sizeof(m));
	m.enrollment_id = b;
	m.step = 1;
	m.message_id = xstrdup("old-b@cadence.test");
	m.token = xstrdup("tok-old-b");
	assert_int_equal(store_msg_prepare(x.st, &m, T0, &existing, &err), 0);
	mb = m.id;
	sent_msg_free(&m);
	assert_int_equal(store_msg_gate(x.st, "old-a@cadence.test", "QA", T0 + 1, &gv, why,
					sizeof(why), &err), 0);
	assert_int_equal(gv, GATE_ACCEPT);
	store_close(x.st);

	assert_int_equal(store_open(&x.st, x.path, 0, &err), 0);
	assert_int_equal(store_schema_version(x.st), store_schema_current());
	assert_int_equal(store_msg_for_step(x.st, a, 1, &m, &err), 0);
	assert_int_equal(m.id, ma);
	assert_int_equal(m.state, MSG_WITNESSED);
	assert_string_equal(m.queue_id, "QA");
	assert_string_equal(m.token, "tok-old-a");
	assert_int_equal(m.witnessed_at, T0 + 1);
	sent_msg_free(&m);
	assert_int_equal(store_msg_unknown(x.st, mb, "no reply", T0 + 60, T0 + 2, &err), 0);
	assert_int_equal(store_msg_get(x.st, "old-b@cadence.test", &m, &err), 0);
	assert_int_equal(m.state, MSG_UNKNOWN);
	sent_msg_free(&m);
	/* Still unique by Message-ID and by step after the rebuild. */
	memset(&m, 0, sizeof(m));
	m.enrollment_id = b;
	m.step = 1;
	m.message_id = xstrdup("other@cadence.test");
	m.token = xstrdup("tok-other");
	assert_int_equal(store_msg_prepare(x.st, &m, T0 + 3, &existing, &err), 0);
	assert_int_equal(existing, 1);
	assert_int_equal(m.id, mb);
	sent_msg_free(&m);
	sfx_fini(&x);
}

/* What a crash leaves in flight is found by the next pass through the due
 * index and the prepare of the same step: no separate recovery list. */
static void test_restart_after_crash(void **state)
{
	struct lfx *f = *state;
	struct cad_err err;
	struct enrollment_view *v;
	struct enrollment e;
	enum gate_verdict gv;
	char why[128];
	size_t n;
	int64_t a = lfx_enroll(f, f->c1, T0);
	int64_t b = lfx_enroll(f, f->c2, T0);
	int64_t c = lfx_enroll(f, f->c3, T0);
	int64_t ma = lfx_prepare(f, a, 1, "a1@cadence.test");
	int64_t mb = lfx_prepare(f, b, 1, "b1@cadence.test");

	lfx_prepare(f, c, 1, "c1@cadence.test");
	/* a was handed to the MTA and witnessed, then cadenced died; b was
	 * only recorded; c's contact has unsubscribed meanwhile. */
	assert_int_equal(store_msg_gate(f->x.st, "a1@cadence.test", "Q1", T0 + 2, &gv, why,
					sizeof(why), &err), 0);
	assert_int_equal(store_unenroll(f->x.st, SCOPE_ENROLLMENT, "3", "unsubscribed", "milter",
					T0 + 3, NULL, &err), 0);

	assert_int_equal(store_due(f->x.st, T0 + 10, 0, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].e.id, a);
	assert_int_equal(v[1].e.id, b);
	store_enrollment_views_free(v, n);
	assert_int_equal(reprepare(f, a, ma), MSG_WITNESSED);
	assert_int_equal(reprepare(f, b, mb), MSG_PREPARED);

	/* Finishing a's step 3 without sending takes it off the due list. */
	assert_int_equal(store_msg_sent(f->x.st, ma, "witnessed by the MTA before a restart", "Q1",
					T0 + 100, "cadenced", T0 + 10, &err), 0);
	e = lfx_enr(f, a);
	assert_int_equal(e.step, 2);
	enrollment_free(&e);
	assert_int_equal(store_due(f->x.st, T0 + 10, 0, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].e.id, b);
	store_enrollment_views_free(v, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		LFX_TEST(test_prepare_and_lookups),
		LFX_TEST(test_gate_and_sent),
		LFX_TEST(test_retry_failed),
		LFX_TEST(test_unknown),
		cmocka_unit_test(test_upgrade_keeps_ledger),
		LFX_TEST(test_restart_after_crash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
