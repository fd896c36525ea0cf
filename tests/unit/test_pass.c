/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_pass.c - the scheduling pass (scheduler/libscheduler.a) against a
 * real store and a scripted MTA: cadenced's submit hook is a function
 * here that plays Postfix with cadence-milter attached — at the final dot
 * it calls the milter's gate (store_msg_gate, as milter/filter.c does)
 * and then answers 250, answers nothing (the reply to end of data lost,
 * RFC 1047), or passes on the gate's refusal (550). "Delivered" counts
 * the copies the MTA queued: one per gate acceptance, or, with the gate
 * off (the control: a bare MTA, no milter), one per attempt reaching the
 * dot.
 *
 * Checks exactly once through a lost reply (issue 9, finding 5): with the
 * witness made before the reply was lost, with a witness that lands only
 * after the pass gave up on the reply, with none at all, and with the
 * first copy's witness racing the retry's; the control shows the same
 * script delivers twice without the gate. And one enrollment's failure
 * (finding 9): a next due time that cannot be computed pauses that one
 * enrollment with a notice to its rep; the pass goes on with the others.
 */
#define _GNU_SOURCE 1   /* strcasestr */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cadenced.h"
#include "http_req.h"
#include "pass_int.h"
#include "store_fixture.h"
#include "store_ledger.h"
#include "store_notice.h"

#define T0 SFX_T0

/* What the scripted MTA does with the next attempts, one letter each:
 * 'a' accept (250), 'l' lose the reply after the dot, 't' lose it before
 * the milter saw the message (a timeout while the milter is slow), 'd'
 * temporary failure at RCPT (4xx before the dot). Past the script: 'a'. */
struct mta {
	struct store *st;
	const char *script;
	size_t next;
	int gate;            /* 1: cadence-milter attached */
	int attempts;        /* sequence mail that reached the MTA */
	int delivered;       /* copies queued */
	const char *late;    /* a Message-ID whose first copy's EOM lands late */
	int late_pending;
	int notices;         /* mail to reps (not sequence mail) */
	int fail_notices;    /* answer 4xx to mail to reps */
	char last_msgid[256];
	char last_copy[256];  /* the copy recipient of the last sequence mail, or "" */
	char last_refs[2048]; /* its References field, unfolded, or "" */
	char last_irt[256];   /* its In-Reply-To field, or "" */
	char order[1024];     /* the contacts of the sequence mail, in order, "a b " */
	char last_notice_as[64];  /* the last notice's Auto-Submitted field, or "" */
	char last_seq_as[64];     /* the last sequence mail's Auto-Submitted field, or "" */
};
static struct mta mta;

/* The value of header `name` ("\r\nReferences: "), unfolded, or "". */
static void field_of(const char *msg, const char *name, char *out, size_t n)
{
	const char *p = strcasestr(msg, name), *end = strstr(msg, "\r\n\r\n");
	size_t o = 0;
	out[0] = '\0';
	if (p == NULL || (end != NULL && p > end))
		return;
	for (p += strlen(name); *p != '\0' && o + 1 < n; p++) {
		if (p[0] == '\r' && p[1] == '\n') {
			if (p[2] != ' ' && p[2] != '\t')
				break;
			p++;
			continue;
		}
		if ((*p == ' ' || *p == '\t') && o > 0 && out[o - 1] == ' ')
			continue;
		out[o++] = *p == '\t' ? ' ' : *p;
	}
	out[o] = '\0';
}

static void msgid_of(const char *msg, char *out, size_t n)
{
	const char *p = strcasestr(msg, "\r\nMessage-ID: <");
	size_t len;
	out[0] = '\0';
	if (p == NULL)
		return;
	p += strlen("\r\nMessage-ID: <");
	len = strcspn(p, ">");
	if (len >= n)
		len = n - 1;
	memcpy(out, p, len);
	out[len] = '\0';
}

/* The milter's gate at end of message: 1 accepted (witnessed), 0 refused,
 * -1 not ours. */
static int gate(const char *msgid, const char *qid, cad_time_t now)
{
	struct cad_err err;
	enum gate_verdict v;
	char why[256];
	assert_int_equal(store_msg_gate(mta.st, msgid, qid, now, &v, why, sizeof(why), &err), 0);
	return v == GATE_ACCEPT ? 1 : v == GATE_REJECT ? 0 : -1;
}

static void reply(struct submit_result *res, enum submit_status st, enum submit_stage stage,
		  int code, const char *text)
{
	memset(res, 0, sizeof(*res));
	res->status = st;
	res->stage = stage;
	res->code = code;
	res->reply = text ? xstrdup(text) : NULL;
}

static void fake_submit(const char *url, const char *mail_from, const char *rcpt,
			const char *msg, size_t len, const struct submit_opts *opts,
			struct submit_result *res)
{
	char id[256], qid[32];
	char what;
	int g = 1;
	(void)url; (void)mail_from; (void)len; (void)opts;

	msgid_of(msg, id, sizeof(id));
	if (strncmp(id, "notice.", 7) == 0 || strstr(rcpt, "rep@") == rcpt) {
		mta.notices++;
		field_of(msg, "\r\nAuto-Submitted: ", mta.last_notice_as,
			 sizeof(mta.last_notice_as));
		if (mta.fail_notices)
			reply(res, SUBMIT_TEMPFAIL, SUBMIT_STAGE_RCPT, 450, "RCPT: 450 try later");
		else
			reply(res, SUBMIT_ACCEPTED, SUBMIT_STAGE_END_OF_DATA, 250, "250 ok");
		return;
	}
	snprintf(mta.last_msgid, sizeof(mta.last_msgid), "%s", id);
	snprintf(mta.last_copy, sizeof(mta.last_copy), "%s",
		 opts && opts->copy_rcpt ? opts->copy_rcpt : "");
	field_of(msg, "\r\nReferences: ", mta.last_refs, sizeof(mta.last_refs));
	{
		size_t o = strlen(mta.order);
		snprintf(mta.order + o, sizeof(mta.order) - o, "%.*s ", (int)strcspn(rcpt, "@"),
			 rcpt);
	}
	field_of(msg, "\r\nIn-Reply-To: ", mta.last_irt, sizeof(mta.last_irt));
	field_of(msg, "\r\nAuto-Submitted: ", mta.last_seq_as, sizeof(mta.last_seq_as));
	what = mta.script && mta.script[mta.next] ? mta.script[mta.next++] : 'a';
	mta.attempts++;
	if (what == 'd') {
		reply(res, SUBMIT_TEMPFAIL, SUBMIT_STAGE_RCPT, 451, "RCPT: 451 4.3.0 later");
		return;
	}
	/* The first copy's end of message arrives now, before this copy's. */
	if (mta.late_pending && mta.late && strcmp(mta.late, id) == 0) {
		mta.late_pending = 0;
		if (!mta.gate || gate(id, "QLATE", T0) == 1)
			mta.delivered++;
	}
	if (what == 't') {
		/* The client gave up before the milter answered: the copy
		 * reaches the gate later (mta.late). */
		mta.late = mta.last_msgid;
		mta.late_pending = 1;
		reply(res, SUBMIT_TEMPFAIL, SUBMIT_STAGE_END_OF_DATA, 0,
		      "end of data: timed out after 1000 ms");
		return;
	}
	snprintf(qid, sizeof(qid), "Q%d", mta.attempts);
	if (mta.gate)
		g = gate(id, qid, T0);
	if (g == 0) {
		reply(res, SUBMIT_PERMFAIL, SUBMIT_STAGE_END_OF_DATA, 550,
		      "end of data: 550 5.7.1 cadence: already sent");
		return;
	}
	mta.delivered++;
	if (what == 'l') {
		reply(res, SUBMIT_TEMPFAIL, SUBMIT_STAGE_END_OF_DATA, 0,
		      "end of data: Connection died, tried 1 times before giving up");
		return;
	}
	reply(res, SUBMIT_ACCEPTED, SUBMIT_STAGE_END_OF_DATA, 250, "end of data: 250 2.0.0 Ok");
	res->queue_id = xstrdup(qid);
}

struct fx {
	struct sfx x;
	struct sched s;
	volatile sig_atomic_t stop;
	int64_t rep, seq, badseq;
};

static int setup(void **state)
{
	static const char key[] = "test-secret-0123456789abcdefghijklmnop";
	struct fx *f = xcalloc(1, sizeof(*f));
	struct cad_err err;
	struct step steps[2];

	if (sfx_init(&f->x, "pass") < 0) {
		free(f);
		return -1;
	}
	conf_defaults(&f->s.conf);
	free(f->s.conf.domain);
	f->s.conf.domain = xstrdup("cadence.our.test");
	free(f->s.conf.submit_url);
	f->s.conf.submit_url = xstrdup("smtp://127.0.0.1:9");
	f->s.conf.spacing_seconds = 0;
	f->s.conf.spacing_jitter = 0;
	f->s.store = f->x.st;
	f->s.actor = "cadenced";
	f->s.stop = &f->stop;
	f->s.batch = 100;
	f->s.submit = fake_submit;
	if (secret_set(&f->s.secret, key, sizeof(key) - 1, &err) < 0)
		fail_msg("secret: %s", err.msg);
	f->rep = sfx_user(&f->x, "rep@our.test", "UTC", 100000, 100000);
	memset(steps, 0, sizeof(steps));
	steps[0].kind = STEP_EMAIL;
	steps[0].subject = (char *)"Step one";
	steps[0].body = (char *)"Hello";
	steps[1].kind = STEP_EMAIL;
	steps[1].subject = (char *)"Step two";
	steps[1].body = (char *)"Again";
	steps[1].delay_days = 2;
	f->seq = sfx_sequence(&f->x, "Two", SEQ_DAYS_EVERY, 0, 24 * 60, steps, 2);
	/* A task step (not waiting) whose next step's delay is out of the
	 * calendar's range: its next due time cannot be computed. */
	steps[0].kind = STEP_CALL;
	steps[0].wait = 0;
	steps[1].delay_days = 100000;
	f->badseq = sfx_sequence(&f->x, "Bad", SEQ_DAYS_EVERY, 0, 24 * 60, steps, 2);
	memset(&mta, 0, sizeof(mta));
	mta.st = f->x.st;
	mta.gate = 1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	secret_free(&f->s.secret);
	conf_free(&f->s.conf);
	sfx_fini(&f->x);
	free(f);
	return 0;
}

static int64_t enroll(struct fx *f, const char *email, int64_t seq, cad_time_t due)
{
	return sfx_enroll(&f->x, sfx_contact(&f->x, email, "UTC"), seq, f->rep, due);
}

static struct sched_stats pass(struct fx *f, cad_time_t now)
{
	struct sched_stats st;
	struct cad_err err = { "" };
	memset(&st, 0, sizeof(st));
	if (sched_pass(&f->s, now, &st, &err) != 0)
		fail_msg("pass: %s", err.msg);
	return st;
}

static struct sent_msg msg_of(struct fx *f, int64_t enr, int step)
{
	struct sent_msg m;
	struct cad_err err;
	assert_int_equal(store_msg_for_step(f->x.st, enr, step, &m, &err), 0);
	return m;
}

static struct enrollment enr_of(struct fx *f, int64_t id)
{
	struct enrollment_view *v = NULL;
	struct enr_filter q;
	struct enrollment e;
	struct cad_err err;
	size_t n = 0;
	memset(&q, 0, sizeof(q));
	q.id = id;
	q.state = -1;
	assert_int_equal(store_enrollments(f->x.st, &q, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	e = v[0].e;
	memset(&v[0].e, 0, sizeof(v[0].e));   /* its strings are e's now */
	store_enrollment_views_free(v, n);
	return e;
}

/* The witness is made, then the reply to the dot is lost: the pass reads
 * the row again, finds the witness and reconciles at once. */
static void test_lost_reply_witnessed(void **state)
{
	struct fx *f = *state;
	struct sched_stats st;
	struct sent_msg m;
	struct enrollment e;
	int64_t a = enroll(f, "ann@prospect.test", f->seq, T0);

	mta.script = "l";
	st = pass(f, T0);
	assert_int_equal(st.reconciled, 1);
	assert_int_equal(st.sent, 0);
	assert_int_equal(mta.delivered, 1);
	m = msg_of(f, a, 1);
	assert_int_equal(m.state, MSG_WITNESSED);
	assert_true(m.submitted_at > 0);
	assert_string_equal(m.queue_id, "Q1");
	sent_msg_free(&m);
	e = enr_of(f, a);
	assert_int_equal(e.step, 2);
	assert_int_equal(e.next_due, T0 + 2 * 86400);
	enrollment_free(&e);
	/* Nothing is due again; later passes send step 2 only. */
	pass(f, T0 + 60);
	assert_int_equal(mta.attempts, 1);
	pass(f, T0 + 2 * 86400);
	assert_int_equal(mta.attempts, 2);
	assert_int_equal(mta.delivered, 2);
}

/* No witness when the reply is lost (the milter is slow): unknown; the
 * first copy's witness lands before the next pass, which reconciles
 * without sending. */
static void test_lost_reply_late_witness(void **state)
{
	struct fx *f = *state;
	struct sched_stats st;
	struct sent_msg m;
	struct enrollment e;
	int64_t a = enroll(f, "ann@prospect.test", f->seq, T0);

	mta.script = "t";
	st = pass(f, T0);
	assert_int_equal(st.retried, 1);
	m = msg_of(f, a, 1);
	assert_int_equal(m.state, MSG_UNKNOWN);
	sent_msg_free(&m);
	e = enr_of(f, a);
	assert_int_equal(e.step, 1);
	assert_int_equal(e.next_due, T0 + 60);
	enrollment_free(&e);
	/* The first copy's end of message reaches the gate now. */
	assert_int_equal(gate(mta.late, "QLATE", T0 + 5), 1);
	mta.delivered++;
	mta.late_pending = 0;
	st = pass(f, T0 + 60);
	assert_int_equal(st.reconciled, 1);
	assert_int_equal(mta.attempts, 1);
	assert_int_equal(mta.delivered, 1);
	m = msg_of(f, a, 1);
	assert_string_equal(m.queue_id, "QLATE");
	sent_msg_free(&m);
	e = enr_of(f, a);
	assert_int_equal(e.step, 2);
	/* Counted from the witness (T0 + 5), not from the pass that noticed. */
	assert_int_equal(e.next_due, T0 + 5 + 2 * 86400);
	enrollment_free(&e);
}

/* Unknown, and the first copy never arrives: the retry is the one copy. */
static void test_lost_reply_never_arrived(void **state)
{
	struct fx *f = *state;
	struct sched_stats st;
	struct sent_msg m;
	int64_t a = enroll(f, "ann@prospect.test", f->seq, T0);

	mta.script = "ta";
	pass(f, T0);
	mta.late_pending = 0;     /* that copy is gone (the connection dropped before EOM) */
	st = pass(f, T0 + 60);
	assert_int_equal(st.sent, 1);
	assert_int_equal(mta.attempts, 2);
	assert_int_equal(mta.delivered, 1);
	m = msg_of(f, a, 1);
	assert_int_equal(m.state, MSG_WITNESSED);
	assert_string_equal(m.queue_id, "Q2");
	sent_msg_free(&m);
}

/* Unknown; the first copy's witness races the retry: the gate refuses the
 * second copy (550), which the table reconciles as sent. */
static void test_lost_reply_retry_meets_gate(void **state)
{
	struct fx *f = *state;
	struct sched_stats st;
	int64_t a = enroll(f, "ann@prospect.test", f->seq, T0);
	struct sent_msg m;

	mta.script = "ta";
	pass(f, T0);
	st = pass(f, T0 + 60);    /* the late copy lands just before the retry's EOM */
	assert_int_equal(st.reconciled, 1);
	assert_int_equal(st.sent, 0);
	assert_int_equal(mta.attempts, 2);
	assert_int_equal(mta.delivered, 1);
	m = msg_of(f, a, 1);
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
	struct fx *f = *state;
	enroll(f, "ann@prospect.test", f->seq, T0);

	mta.gate = 0;
	mta.script = "la";
	pass(f, T0);
	pass(f, T0 + 60);
	assert_int_equal(mta.attempts, 2);
	assert_int_equal(mta.delivered, 2);
}

/* A 4xx before the dot: not queued, retried, one copy. */
static void test_tempfail_before_dot(void **state)
{
	struct fx *f = *state;
	struct sched_stats st;
	int64_t a = enroll(f, "ann@prospect.test", f->seq, T0);
	struct sent_msg m;

	mta.script = "da";
	st = pass(f, T0);
	assert_int_equal(st.retried, 1);
	m = msg_of(f, a, 1);
	assert_int_equal(m.state, MSG_PREPARED);
	sent_msg_free(&m);
	st = pass(f, T0 + 60);
	assert_int_equal(st.sent, 1);
	assert_int_equal(mta.delivered, 1);
}

/* Issue #12: the rep's copy is a second RCPT of the same submission,
 * RepCopy's pattern filled in with the rep's address; "no" sends none. */
static void test_rep_copy(void **state)
{
	struct fx *f = *state;
	char *a;
	(void)f;
	a = pass_rep_copy("yes", "rep@our.test");
	assert_string_equal(a, "rep+cadence-sent@our.test");
	free(a);
	a = pass_rep_copy("YES", "Zoe.Ada@Sales.Example");
	assert_string_equal(a, "Zoe.Ada+cadence-sent@Sales.Example");
	free(a);
	a = pass_rep_copy("sent-%l@copies.%d", "ada@sales.example");
	assert_string_equal(a, "sent-ada@copies.sales.example");
	free(a);
	a = pass_rep_copy("archive+%a%%x@arch.example", "ada@sales.example");
	assert_string_equal(a, "archive+ada@sales.example%x@arch.example");
	free(a);
	assert_null(pass_rep_copy("no", "rep@our.test"));
	assert_null(pass_rep_copy(NULL, "rep@our.test"));
	assert_null(pass_rep_copy("yes", "no-at-sign"));
	assert_null(pass_rep_copy("yes", "@our.test"));
}

static void test_rep_copy_in_pass(void **state)
{
	struct fx *f = *state;
	struct sched_stats st;
	enroll(f, "ann@prospect.test", f->seq, T0);
	st = pass(f, T0);
	assert_int_equal(st.sent, 1);
	assert_string_equal(mta.last_copy, "rep+cadence-sent@our.test");
	/* Control: RepCopy no: no second recipient. */
	free(f->s.conf.rep_copy);
	f->s.conf.rep_copy = xstrdup("no");
	enroll(f, "bob@prospect.test", f->seq, T0);
	st = pass(f, T0 + 60);
	assert_int_equal(st.sent, 1);
	assert_string_equal(mta.last_copy, "");
}

/* Issue #12 (7): References is the whole chain of the thread, oldest
 * first (RFC 5322 3.6.4), not only the parent's id. Steps: 1 new thread,
 * 2 replies to 1, 3 replies to 2, 4 new thread, 5 replies to 3. */
static void test_references_chain(void **state)
{
	struct fx *f = *state;
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
	a = enroll(f, "ann@prospect.test", seq, T0);
	pass(f, T0);
	assert_string_equal(mta.last_refs, "");
	pass(f, T0 + 86400);
	m1 = msg_of(f, a, 1);
	snprintf(want, sizeof(want), "<%s>", m1.message_id);
	assert_string_equal(mta.last_refs, want);
	assert_string_equal(mta.last_irt, want);
	pass(f, T0 + 2 * 86400);
	m2 = msg_of(f, a, 2);
	snprintf(want, sizeof(want), "<%s> <%s>", m1.message_id, m2.message_id);
	assert_string_equal(mta.last_refs, want);       /* control: not only <m2> */
	snprintf(want, sizeof(want), "<%s>", m2.message_id);
	assert_string_equal(mta.last_irt, want);
	pass(f, T0 + 3 * 86400);
	assert_string_equal(mta.last_refs, "");         /* step 4: a new thread */
	pass(f, T0 + 4 * 86400);
	m3 = msg_of(f, a, 3);
	snprintf(want, sizeof(want), "<%s> <%s> <%s>", m1.message_id, m2.message_id,
		 m3.message_id);
	assert_string_equal(mta.last_refs, want);
	sent_msg_free(&m1);
	sent_msg_free(&m2);
	sent_msg_free(&m3);

}

/* The step_deferred events of enrollment id, their details joined by "|". */
static int deferred_events(struct fx *f, int64_t id, char *out, size_t n)
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
	struct fx *f = *state;
	struct sched_stats st;
	char ev[2048];
	int64_t a, b;
	int i;

	f->s.conf.domain_daily_cap = 1;
	a = enroll(f, "ann@acme.test", f->seq, T0);
	b = enroll(f, "bob@acme.test", f->seq, T0);
	st = pass(f, T0);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.deferred, 1);
	for (i = 1; i <= 2; i++) {
		st = pass(f, T0 + i * 3600);
		assert_int_equal(st.deferred, 1);     /* held again at every pass */
	}
	assert_int_equal(deferred_events(f, a, ev, sizeof(ev)), 0);
	assert_int_equal(deferred_events(f, b, ev, sizeof(ev)), 1);
	assert_true(strncmp(ev, "step 1 domain_cap: ", 19) == 0);
	/* The reason changes (the domain cap lifted, the rep's spacing now a
	 * day since ann's send): a second event, with the new reason. */
	f->s.conf.domain_daily_cap = 0;
	f->s.conf.spacing_seconds = 86400;
	st = pass(f, T0 + 3 * 3600);
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
	struct fx *f = *state;
	struct enrollment eb, ec;
	struct sched_stats st;
	int64_t a, b, c;
	cad_time_t held;

	f->s.conf.spacing_seconds = 60;
	f->s.conf.spacing_jitter = 30;
	c = enroll(f, "cy@prospect.test", f->seq, T0 - 100);
	b = enroll(f, "bo@prospect.test", f->seq, T0 - 200);
	a = enroll(f, "ax@prospect.test", f->seq, T0 - 300);
	assert_true(c < b && b < a);
	st = pass(f, T0);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.deferred, 2);
	assert_string_equal(mta.order, "ax ");
	eb = enr_of(f, b);
	ec = enr_of(f, c);
	held = eb.next_due;
	assert_int_equal(ec.next_due, held);
	assert_true(held >= T0 + 60 && held <= T0 + 90);
	assert_int_equal(held, T0 + 60 + (cad_time_t)(pass_jitter_rnd(&f->s.secret, f->rep, T0) % 31));
	enrollment_free(&eb);
	enrollment_free(&ec);
	/* The same pass again draws nothing new: next_due unchanged. */
	st = pass(f, T0 + 1);
	assert_int_equal(st.sent, 0);
	eb = enr_of(f, b);
	assert_int_equal(eb.next_due, held);
	enrollment_free(&eb);
	st = pass(f, held);
	assert_int_equal(st.sent, 1);
	assert_string_equal(mta.order, "ax bo ");
	st = pass(f, held + 200);
	assert_int_equal(st.sent, 1);
	assert_string_equal(mta.order, "ax bo cy ");
	(void)a;
}

static struct store *hstore;
static struct store *hget(void *cls) { (void)cls; return hstore; }
static void hput(void *cls, struct store *st) { (void)cls; (void)st; }

/* One request to cadenced's HTTP logic; the status, *body a copy. */
static unsigned http(struct fx *f, const char *method, const char *url, char **body)
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
	struct fx *f = *state;
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
	enr = enroll(f, "ann@prospect.test", seq, T0);
	pass(f, T0);
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
		struct enrollment e = enr_of(f, enr);
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

/* Finding 9: the oldest due enrollment cannot go on (its next due time
 * cannot be computed); it is paused with the reason and its rep gets a
 * notice, and the pass goes on to the others. */
static void test_item_failure_is_the_items(void **state)
{
	struct fx *f = *state;
	struct sched_stats st;
	struct enrollment e;
	struct notice *v = NULL;
	struct cad_err err;
	size_t n = 0;
	int64_t bad = enroll(f, "bad@prospect.test", f->badseq, T0 - 600);
	int64_t good = enroll(f, "ann@prospect.test", f->seq, T0);

	mta.fail_notices = 1;    /* keep the notice pending, to read it */
	st = pass(f, T0);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.failed, 1);
	e = enr_of(f, bad);
	assert_int_equal(e.state, ENR_PAUSED);
	assert_non_null(strstr(e.reason, "out of range"));
	enrollment_free(&e);
	e = enr_of(f, good);
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
	mta.fail_notices = 0;
	mta.last_notice_as[0] = '\0';
	st = pass(f, T0 + 60);
	assert_int_equal(st.failed, 0);
	assert_string_equal(mta.last_notice_as, "auto-generated");
	assert_string_equal(mta.last_seq_as, "");
	assert_non_null(strstr(mta.order, "ann"));
	assert_int_equal(store_notices_pending(f->x.st, 10, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	store_notices_free(v, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lost_reply_witnessed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_reply_late_witness, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_reply_never_arrived, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_reply_retry_meets_gate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_without_gate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tempfail_before_dot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_item_failure_is_the_items, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rep_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rep_copy_in_pass, setup, teardown),
		cmocka_unit_test_setup_teardown(test_references_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deferral_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_due_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_task_links, setup, teardown),
	};
	cad_log_open("test_pass", 0, 0);
	return cmocka_run_group_tests_name("pass", tests, NULL, NULL);
}
