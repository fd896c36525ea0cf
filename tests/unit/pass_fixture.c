/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pass_fixture.c - the pass's store, sched and scripted MTA for the pass's
 * suites (see pass_fixture.h).
 */
#define _GNU_SOURCE 1   /* strcasestr */
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

#define T0 SFX_T0

struct passfx_mta passfx_mta;

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
int passfx_gate(const char *msgid, const char *qid, cad_time_t now)
{
	struct cad_err err;
	enum gate_verdict v;
	char why[256];
	assert_int_equal(store_msg_gate(passfx_mta.st, msgid, qid, now, &v, why, sizeof(why), &err),
			 0);
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
		passfx_mta.notices++;
		field_of(msg, "\r\nAuto-Submitted: ", passfx_mta.last_notice_as,
			 sizeof(passfx_mta.last_notice_as));
		if (passfx_mta.fail_notices)
			reply(res, SUBMIT_TEMPFAIL, SUBMIT_STAGE_RCPT, 450, "RCPT: 450 try later");
		else
			reply(res, SUBMIT_ACCEPTED, SUBMIT_STAGE_END_OF_DATA, 250, "250 ok");
		return;
	}
	snprintf(passfx_mta.last_msgid, sizeof(passfx_mta.last_msgid), "%s", id);
	snprintf(passfx_mta.last_copy, sizeof(passfx_mta.last_copy), "%s",
		 opts && opts->copy_rcpt ? opts->copy_rcpt : "");
	field_of(msg, "\r\nReferences: ", passfx_mta.last_refs, sizeof(passfx_mta.last_refs));
	{
		size_t o = strlen(passfx_mta.order);
		snprintf(passfx_mta.order + o, sizeof(passfx_mta.order) - o, "%.*s ",
			 (int)strcspn(rcpt, "@"), rcpt);
	}
	field_of(msg, "\r\nIn-Reply-To: ", passfx_mta.last_irt, sizeof(passfx_mta.last_irt));
	field_of(msg, "\r\nAuto-Submitted: ", passfx_mta.last_seq_as,
		 sizeof(passfx_mta.last_seq_as));
	what = passfx_mta.script && passfx_mta.script[passfx_mta.next]
		       ? passfx_mta.script[passfx_mta.next++] : 'a';
	passfx_mta.attempts++;
	if (what == 'd') {
		reply(res, SUBMIT_TEMPFAIL, SUBMIT_STAGE_RCPT, 451, "RCPT: 451 4.3.0 later");
		return;
	}
	/* The first copy's end of message arrives now, before this copy's. */
	if (passfx_mta.late_pending && passfx_mta.late && strcmp(passfx_mta.late, id) == 0) {
		passfx_mta.late_pending = 0;
		if (!passfx_mta.gate || passfx_gate(id, "QLATE", T0) == 1)
			passfx_mta.delivered++;
	}
	if (what == 't') {
		/* The client gave up before the milter answered: the copy
		 * reaches the gate later (passfx_mta.late). */
		passfx_mta.late = passfx_mta.last_msgid;
		passfx_mta.late_pending = 1;
		reply(res, SUBMIT_TEMPFAIL, SUBMIT_STAGE_END_OF_DATA, 0,
		      "end of data: timed out after 1000 ms");
		return;
	}
	snprintf(qid, sizeof(qid), "Q%d", passfx_mta.attempts);
	if (passfx_mta.gate)
		g = passfx_gate(id, qid, T0);
	if (g == 0) {
		reply(res, SUBMIT_PERMFAIL, SUBMIT_STAGE_END_OF_DATA, 550,
		      "end of data: 550 5.7.1 cadence: already sent");
		return;
	}
	passfx_mta.delivered++;
	if (what == 'l') {
		reply(res, SUBMIT_TEMPFAIL, SUBMIT_STAGE_END_OF_DATA, 0,
		      "end of data: Connection died, tried 1 times before giving up");
		return;
	}
	reply(res, SUBMIT_ACCEPTED, SUBMIT_STAGE_END_OF_DATA, 250, "end of data: 250 2.0.0 Ok");
	res->queue_id = xstrdup(qid);
}

void passfx_sched_init(struct sched *s, struct store *st, volatile sig_atomic_t *stop,
		       void (*submit)(const char *url, const char *mail_from,
				      const char *rcpt, const char *msg, size_t len,
				      const struct submit_opts *opts,
				      struct submit_result *res))
{
	static const char key[] = "test-secret-0123456789abcdefghijklmnop";
	struct cad_err err;

	conf_defaults(&s->conf);
	free(s->conf.domain);
	s->conf.domain = xstrdup("cadence.our.test");
	free(s->conf.submit_url);
	s->conf.submit_url = xstrdup("smtp://127.0.0.1:9");
	s->conf.spacing_seconds = 0;
	s->conf.spacing_jitter = 0;
	s->store = st;
	s->actor = "cadenced";
	s->stop = stop;
	s->batch = 100;
	s->submit = submit;
	if (secret_set(&s->secret, key, sizeof(key) - 1, &err) < 0)
		fail_msg("secret: %s", err.msg);
}

int passfx_setup(void **state)
{
	struct passfx *f = xcalloc(1, sizeof(*f));
	struct step steps[2];

	if (sfx_init(&f->x, "pass") < 0) {
		free(f);
		return -1;
	}
	passfx_sched_init(&f->s, f->x.st, &f->stop, fake_submit);
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
	memset(&passfx_mta, 0, sizeof(passfx_mta));
	passfx_mta.st = f->x.st;
	passfx_mta.gate = 1;
	*state = f;
	return 0;
}

int passfx_teardown(void **state)
{
	struct passfx *f = *state;
	secret_free(&f->s.secret);
	conf_free(&f->s.conf);
	sfx_fini(&f->x);
	free(f);
	return 0;
}

int64_t passfx_enroll(struct passfx *f, const char *email, int64_t seq, cad_time_t due)
{
	return sfx_enroll(&f->x, sfx_contact(&f->x, email, "UTC"), seq, f->rep, due);
}

struct sched_stats passfx_pass(struct passfx *f, cad_time_t now)
{
	struct sched_stats st;
	struct cad_err err = { "" };
	memset(&st, 0, sizeof(st));
	if (sched_pass(&f->s, now, &st, &err) != 0)
		fail_msg("pass: %s", err.msg);
	return st;
}

struct sent_msg passfx_msg_of(struct passfx *f, int64_t enr, int step)
{
	struct sent_msg m;
	struct cad_err err;
	assert_int_equal(store_msg_for_step(f->x.st, enr, step, &m, &err), 0);
	return m;
}

struct enrollment passfx_enr_of(struct passfx *f, int64_t id)
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
