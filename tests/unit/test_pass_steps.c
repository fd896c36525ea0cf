/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_pass_steps.c - how the scheduling pass sends a step and holds one
 * back (issue #12), against a real store and a scripted MTA
 * (pass_fixture.h): the rep's copy (RepCopy) as a second recipient, the
 * References chain of a thread, one step_deferred event per enrollment,
 * step and reason, held steps in their due order with one SendJitter draw
 * per gap, and the digest's task links through cadenced's HTTP logic.
 * Exactly once through lost replies: test_pass.c.
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

#include "http_req.h"
#include "pass_fixture.h"
#include "pass_int.h"

#define T0 SFX_T0

/* Issue #12: the rep's copy is a second RCPT of the same submission,
 * RepCopy's pattern filled in with the rep's address; "no" sends none. */
static void test_rep_copy(void **state)
{
	struct passfx *f = *state;
	char *a;
	(void)f;
	a = pass_email_job_rep_copy("yes", "rep@our.test");
	assert_string_equal(a, "rep+cadence-sent@our.test");
	free(a);
	a = pass_email_job_rep_copy("YES", "Zoe.Ada@Sales.Example");
	assert_string_equal(a, "Zoe.Ada+cadence-sent@Sales.Example");
	free(a);
	a = pass_email_job_rep_copy("sent-%l@copies.%d", "ada@sales.example");
	assert_string_equal(a, "sent-ada@copies.sales.example");
	free(a);
	a = pass_email_job_rep_copy("archive+%a%%x@arch.example", "ada@sales.example");
	assert_string_equal(a, "archive+ada@sales.example%x@arch.example");
	free(a);
	assert_null(pass_email_job_rep_copy("no", "rep@our.test"));
	assert_null(pass_email_job_rep_copy(NULL, "rep@our.test"));
	assert_null(pass_email_job_rep_copy("yes", "no-at-sign"));
	assert_null(pass_email_job_rep_copy("yes", "@our.test"));
}

static void test_rep_copy_in_pass(void **state)
{
	struct passfx *f = *state;
	struct sched_stats st;
	passfx_enroll(f, "ann@prospect.test", f->seq, T0);
	st = passfx_pass(f, T0);
	assert_int_equal(st.sent, 1);
	assert_string_equal(passfx_mta.last_copy, "rep+cadence-sent@our.test");
	/* Control: RepCopy no: no second recipient. */
	free(f->s.conf.rep_copy);
	f->s.conf.rep_copy = xstrdup("no");
	passfx_enroll(f, "bob@prospect.test", f->seq, T0);
	st = passfx_pass(f, T0 + 60);
	assert_int_equal(st.sent, 1);
	assert_string_equal(passfx_mta.last_copy, "");
}

/* Issue #12 (7): References is the whole chain of the thread, oldest
 * first (RFC 5322 3.6.4), not only the parent's id. Steps: 1 new thread,
 * 2 replies to 1, 3 replies to 2, 4 new thread, 5 replies to 3. */
static void test_references_chain(void **state)
{
	struct passfx *f = *state;
	struct step steps[5];
	struct sent_msg m1, m2, m3;
	char want[1024];
	int64_t seq, a;
	int i;

	memset(steps, 0, sizeof(steps));
	for (i = 0; i < 5; i++) {
		steps[i].kind = STEP_EMAIL;
		steps[i].subject = (char *)"Hello";
		steps[i].body = (char *)"Hi";
		steps[i].delay_days = i == 0 ? 0 : 1;
	}
	steps[1].thread_step = 1;
	steps[2].thread_step = 2;
	steps[4].thread_step = 3;
	seq = sfx_sequence(&f->x, "Threads", SEQ_DAYS_EVERY, 0, 24 * 60, steps, 5);
	a = passfx_enroll(f, "ann@prospect.test", seq, T0);
	passfx_pass(f, T0);
	assert_string_equal(passfx_mta.last_refs, "");
	passfx_pass(f, T0 + 86400);
	m1 = passfx_msg_of(f, a, 1);
	snprintf(want, sizeof(want), "<%s>", m1.message_id);
	assert_string_equal(passfx_mta.last_refs, want);
	assert_string_equal(passfx_mta.last_irt, want);
	passfx_pass(f, T0 + 2 * 86400);
	m2 = passfx_msg_of(f, a, 2);
	snprintf(want, sizeof(want), "<%s> <%s>", m1.message_id, m2.message_id);
	assert_string_equal(passfx_mta.last_refs, want);       /* control: not only <m2> */
	snprintf(want, sizeof(want), "<%s>", m2.message_id);
	assert_string_equal(passfx_mta.last_irt, want);
	passfx_pass(f, T0 + 3 * 86400);
	assert_string_equal(passfx_mta.last_refs, "");         /* step 4: a new thread */
	passfx_pass(f, T0 + 4 * 86400);
	m3 = passfx_msg_of(f, a, 3);
	snprintf(want, sizeof(want), "<%s> <%s> <%s>", m1.message_id, m2.message_id,
		 m3.message_id);
	assert_string_equal(passfx_mta.last_refs, want);
	sent_msg_free(&m1);
	sent_msg_free(&m2);
	sent_msg_free(&m3);

}

/* The step_deferred events of enrollment id, their details joined by "|". */
static int deferred_events(struct passfx *f, int64_t id, char *out, size_t n)
{
	struct event_filter q;
	struct event *ev = NULL;
	struct cad_err err;
	size_t k, i, o = 0;
	memset(&q, 0, sizeof(q));
	q.enrollment_id = id;
	q.type = PASS_EV_DEFERRED;
	assert_int_equal(store_events(f->x.st, &q, &ev, &k, &err), 0);
	out[0] = '\0';
	for (i = 0; i < k; i++)
		o += (size_t)snprintf(out + o, o < n ? n - o : 0, "%s%s", i ? "|" : "",
				      ev[i].detail ? ev[i].detail : "");
	store_events_free(ev, k);
	return (int)k;
}

/* Issue #12 (5): a deferral records why, once per enrollment, step and
 * reason, not once per pass. The domain cap defers the second contact of
 * acme for an hour at each pass (three passes, three deferrals: the
 * control that the hold recurs); one event. Spacing then holds the same
 * step: a second event, with the new reason. */
static void test_deferral_events(void **state)
{
	struct passfx *f = *state;
	struct sched_stats st;
	char ev[2048];
	int64_t a, b;
	int i;

	f->s.conf.domain_daily_cap = 1;
	a = passfx_enroll(f, "ann@acme.test", f->seq, T0);
	b = passfx_enroll(f, "bob@acme.test", f->seq, T0);
	st = passfx_pass(f, T0);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.deferred, 1);
	for (i = 1; i <= 2; i++) {
		st = passfx_pass(f, T0 + i * 3600);
		assert_int_equal(st.deferred, 1);     /* held again at every pass */
	}
	assert_int_equal(deferred_events(f, a, ev, sizeof(ev)), 0);
	assert_int_equal(deferred_events(f, b, ev, sizeof(ev)), 1);
	assert_true(strncmp(ev, "step 1 domain_cap: ", 19) == 0);
	/* The reason changes (the domain cap lifted, the rep's spacing now a
	 * day since ann's send): a second event, with the new reason. */
	f->s.conf.domain_daily_cap = 0;
	f->s.conf.spacing_seconds = 86400;
	st = passfx_pass(f, T0 + 3 * 3600);
	assert_int_equal(st.deferred, 1);
	assert_int_equal(deferred_events(f, b, ev, sizeof(ev)), 2);
	assert_non_null(strstr(ev, "|step 1 spacing: "));
}

/* Issue #12 (8): held steps keep their due order, and SendJitter is one
 * draw per gap (not per step and pass). cy is enrolled first (lowest id)
 * but due last; ax is due first. The pass at T0 sends ax; spacing (60 s +
 * up to 30 s jitter) holds bo and cy to one instant (one draw: the same
 * next_due; control for the draw: random draws differ 30 times in 31);
 * when that comes, bo (due before cy) leaves first although cy's id is
 * lower (control: ordering by next_due then id sends cy first). */
static void test_held_due_order(void **state)
{
	struct passfx *f = *state;
	struct enrollment eb, ec;
	struct sched_stats st;
	int64_t a, b, c;
	cad_time_t held;

	f->s.conf.spacing_seconds = 60;
	f->s.conf.spacing_jitter = 30;
	c = passfx_enroll(f, "cy@prospect.test", f->seq, T0 - 100);
	b = passfx_enroll(f, "bo@prospect.test", f->seq, T0 - 200);
	a = passfx_enroll(f, "ax@prospect.test", f->seq, T0 - 300);
	assert_true(c < b && b < a);
	st = passfx_pass(f, T0);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.deferred, 2);
	assert_string_equal(passfx_mta.order, "ax ");
	eb = passfx_enr_of(f, b);
	ec = passfx_enr_of(f, c);
	held = eb.next_due;
	assert_int_equal(ec.next_due, held);
	assert_true(held >= T0 + 60 && held <= T0 + 90);
	assert_int_equal(held, T0 + 60 + (cad_time_t)(pass_jitter_rnd(&f->s.secret, f->rep, T0) % 31));
	enrollment_free(&eb);
	enrollment_free(&ec);
	/* The same pass again draws nothing new: next_due unchanged. */
	st = passfx_pass(f, T0 + 1);
	assert_int_equal(st.sent, 0);
	eb = passfx_enr_of(f, b);
	assert_int_equal(eb.next_due, held);
	enrollment_free(&eb);
	st = passfx_pass(f, held);
	assert_int_equal(st.sent, 1);
	assert_string_equal(passfx_mta.order, "ax bo ");
	st = passfx_pass(f, held + 200);
	assert_int_equal(st.sent, 1);
	assert_string_equal(passfx_mta.order, "ax bo cy ");
	(void)a;
}

static struct store *hstore;
static struct store *hget(void *cls) { (void)cls; return hstore; }
static void hput(void *cls, struct store *st) { (void)cls; (void)st; }

/* One request to cadenced's HTTP logic; the status, *body a copy. */
static unsigned http(struct passfx *f, const char *method, const char *url, char **body)
{
	struct http_env env;
	struct http_in in;
	struct http_out out;
	unsigned status;
	const char *path = strstr(url, "/t/");
	memset(&env, 0, sizeof(env));
	env.secret = &f->s.secret;
	env.now = T0 + 600;
	env.store_get = hget;
	env.store_put = hput;
	hstore = f->x.st;
	memset(&in, 0, sizeof(in));
	in.method = method;
	in.url = path ? path : url;
	in.content_type = "application/x-www-form-urlencoded";
	in.body = strcmp(method, "POST") == 0 ? "confirm=yes" : NULL;
	in.body_len = in.body ? strlen(in.body) : 0;
	http_answer(&env, &in, &out);
	status = out.status;
	if (body)
		*body = xstrdup(out.body ? out.body : "");
	http_out_free(&out);
	return status;
}

/* Issue #12 (2): the digest's task link. A call task: the GET shows a
 * confirmation form and changes nothing; the POST completes the task with
 * the outcome and moves the enrollment on; a second POST changes nothing;
 * a link for another task, another rep or a bad MAC is refused (control:
 * the task is still open after them, and the right link then acts). */
static void test_task_links(void **state)
{
	struct passfx *f = *state;
	struct step steps[2];
	struct task_view *t = NULL;
	struct cad_err err;
	struct event_filter q;
	struct event *ev = NULL;
	size_t nev = 0;
	char *url, *url2, *body = NULL;
	int64_t seq, enr, other;

	memset(steps, 0, sizeof(steps));
	steps[0].kind = STEP_CALL;
	steps[0].wait = 1;
	steps[0].body = (char *)"Call them";
	steps[1].kind = STEP_EMAIL;
	steps[1].subject = (char *)"After the call";
	steps[1].body = (char *)"Hi";
	steps[1].delay_days = 1;
	seq = sfx_sequence(&f->x, "Call", SEQ_DAYS_EVERY, 0, 24 * 60, steps, 2);
	enr = passfx_enroll(f, "ann@prospect.test", seq, T0);
	passfx_pass(f, T0);
	assert_int_equal(store_task_get(f->x.st, 1, &t, &err), 0);
	assert_int_equal(t->t.enrollment_id, enr);
	assert_int_equal(t->t.state, TASK_OPEN);
	store_task_views_free(t, 1);
	assert_null(http_task_url(NULL, &f->s.secret, 1, f->rep, "done"));
	url = http_task_url("https://cadence.our.test/", &f->s.secret, 1, f->rep, "voicemail");
	assert_non_null(url);
	assert_true(strncmp(url, "https://cadence.our.test/t/1-", 29) == 0);

	/* GET: a form, nothing changes */
	assert_int_equal(http(f, "GET", url, &body), 200);
	assert_non_null(strstr(body, "<form method=\"post\""));
	free(body);
	assert_int_equal(store_task_get(f->x.st, 1, &t, &err), 0);
	assert_int_equal(t->t.state, TASK_OPEN);
	store_task_views_free(t, 1);

	/* refused: another rep's MAC for this task, a task id changed, a bad MAC */
	other = sfx_user(&f->x, "other@our.test", "UTC", 100, 100);
	url2 = http_task_url("https://x.test", &f->s.secret, 1, other, "voicemail");
	assert_int_equal(http(f, "POST", url2, NULL), 404);
	free(url2);
	url2 = http_task_url("https://x.test", &f->s.secret, 2, f->rep, "voicemail");
	url2[strlen("https://x.test/t/")] = '1';       /* task 2's MAC on task 1 */
	assert_int_equal(http(f, "POST", url2, NULL), 404);
	free(url2);
	url2 = xstrdup(url);
	{
		char *m = strstr(url2, "/t/1-") + 5;
		*m = *m == 'a' ? 'b' : 'a';
	}
	assert_int_equal(http(f, "POST", url2, NULL), 404);
	free(url2);
	assert_int_equal(store_task_get(f->x.st, 1, &t, &err), 0);
	assert_int_equal(t->t.state, TASK_OPEN);          /* control: still open */
	store_task_views_free(t, 1);

	/* POST: done with the outcome, the enrollment moves on to step 2 */
	assert_int_equal(http(f, "POST", url, &body), 200);
	assert_non_null(strstr(body, "now voicemail"));
	free(body);
	assert_int_equal(store_task_get(f->x.st, 1, &t, &err), 0);
	assert_int_equal(t->t.state, TASK_DONE);
	assert_string_equal(t->outcome, "voicemail");
	store_task_views_free(t, 1);
	{
		struct enrollment e = passfx_enr_of(f, enr);
		assert_int_equal(e.step, 2);
		enrollment_free(&e);
	}
	/* a second POST (and a skip link) changes nothing */
	assert_int_equal(http(f, "POST", url, &body), 200);
	assert_non_null(strstr(body, "already done"));
	free(body);
	free(url);
	url = http_task_url("https://x.test", &f->s.secret, 1, f->rep, "skip");
	assert_int_equal(http(f, "POST", url, NULL), 200);
	free(url);
	memset(&q, 0, sizeof(q));
	q.enrollment_id = enr;
	q.type = EV_TASK_COMPLETED;
	assert_int_equal(store_events(f->x.st, &q, &ev, &nev, &err), 0);
	assert_int_equal(nev, 1);
	store_events_free(ev, nev);
	q.type = EV_TASK_SKIPPED;
	assert_int_equal(store_events(f->x.st, &q, &ev, &nev, &err), 0);
	assert_int_equal(nev, 0);
	store_events_free(ev, nev);
	/* an unknown action, a non-numeric id: 404 */
	assert_int_equal(http(f, "GET", "/t/1-00/delete", NULL), 404);
	assert_int_equal(http(f, "GET", "/t/x-00/done", NULL), 404);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PASSFX_TEST(test_rep_copy),
		PASSFX_TEST(test_rep_copy_in_pass),
		PASSFX_TEST(test_references_chain),
		PASSFX_TEST(test_deferral_events),
		PASSFX_TEST(test_held_due_order),
		PASSFX_TEST(test_task_links),
	};
	cad_log_open("test_pass_steps", 0, 0);
	return cmocka_run_group_tests_name("pass_steps", tests, NULL, NULL);
}
