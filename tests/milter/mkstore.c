/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mkstore.c - test helper: builds and inspects the cadence store the
 * milter tests run against, through the real store API (no SQL here).
 *
 *   mkstore DB ADDRESS...                 create DB, add contacts
 *   mkstore DB init SECRET REP            create DB and a secret file; the rep
 *                                         (UTC) and sequences Cold (contact
 *                                         scope, pauses on out-of-office),
 *                                         Company (company scope) and Manual
 *                                         (step 1 a manual email), 3 steps each
 *   mkstore DB rep ADDRESS                adds another rep (UTC)
 *   mkstore DB enroll ADDR SEQ REP        prints the enrollment id (step 1 due)
 *   mkstore DB prepare ENR STEP SECRET DOMAIN [sent]
 *                                         records the step as cadenced does
 *                                         before submitting (and, with "sent",
 *                                         after the 250); prints
 *                                         "MSGID VERP-ADDRESS UNSUB-ADDRESS"
 *   mkstore DB forge SECRET DOMAIN        a Message-ID that verifies but that
 *                                         the ledger never recorded
 *   mkstore DB task ENR                   an open manual-email task on step 1
 *   mkstore DB unenroll ENR               unenrolls by hand
 *   mkstore DB state ENR                  "STATE STEP REASON"
 *   mkstore DB due ENR                    when its next step is due (UTC)
 *   mkstore DB msg MSGID                  "STATE QUEUE-ID"
 *   mkstore DB events TYPE [ENR]          how many events of that type
 *   mkstore DB suppressed ADDR            the suppression kind, or "no"
 *   mkstore DB enrolled ADDR              "SEQUENCE STATE STEP" of the
 *                                         contact's running enrollment, or "none"
 *   mkstore DB enrolled-id ADDR           that enrollment's id
 *   mkstore DB taskstate ENR              open tasks of the enrollment
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "token.h"
#include "secret.h"
#include "store.h"
#include "store_ledger.h"
#include "store_sched.h"
#include "util.h"

static const cad_time_t now = 1796112000;   /* 2026-12-01T00:00:00Z: deterministic */

static int die(const char *what, const struct cad_err *err)
{
	fprintf(stderr, "mkstore: %s: %s\n", what, err != NULL ? err->msg : "");
	return 1;
}

static int add_seq(struct store *st, const char *name, enum seq_scope scope, enum step_kind first,
		   struct cad_err *err)
{
	struct sequence q;
	struct step steps[3];
	memset(steps, 0, sizeof(steps));
	for (int i = 0; i < 3; i++) {
		steps[i].index = i + 1;
		steps[i].kind = i == 0 ? first : STEP_EMAIL;
		steps[i].wait = 1;
		steps[i].delay_days = i == 0 ? 0 : 2;
		steps[i].subject = (char *)(i == 0 ? "Quick question" : "Following up");
		steps[i].body = (char *)"Hi {{contact.firstname|there}}";
	}
	memset(&q, 0, sizeof(q));
	q.name = (char *)name;
	q.active = 1;
	q.days = SEQ_DAYS_EVERY;
	q.window_start = 0;
	q.window_end = 1440;
	q.tz = (char *)"UTC";
	q.scope = scope;
	q.ooo = SEQ_OOO_PAUSE;
	q.unenroll_on_reply = 1;
	q.unenroll_on_meeting = 1;
	q.steps = steps;
	q.nsteps = 3;
	return store_sequence_import(st, &q, "cli:test", now, err);
}

/* Another rep (UTC, the same caps as the first). */
static int cmd_rep(struct store *st, char **argv, struct cad_err *err)
{
	struct user u;
	memset(&u, 0, sizeof(u));
	u.email = argv[0];
	u.name = (char *)"Another Rep";
	u.tz = (char *)"UTC";
	u.active = 1;
	u.send_cap_24h = 500;
	u.enroll_cap_day = 80;
	return store_user_add(st, &u, "cli:test", now, err);
}

static int cmd_init(struct store *st, char **argv, struct cad_err *err)
{
	struct user u;
	if (secret_generate(argv[0], 1, err) != 0)
		return -1;
	memset(&u, 0, sizeof(u));
	u.email = argv[1];
	u.name = (char *)"Ada Rep";
	u.tz = (char *)"UTC";
	u.active = 1;
	u.send_cap_24h = 500;
	u.enroll_cap_day = 80;
	if (store_user_add(st, &u, "cli:test", now, err) != 0)
		return -1;
	if (add_seq(st, "Cold", SEQ_SCOPE_CONTACT, STEP_EMAIL, err) != 0 ||
	    add_seq(st, "Company", SEQ_SCOPE_COMPANY, STEP_EMAIL, err) != 0 ||
	    add_seq(st, "Manual", SEQ_SCOPE_CONTACT, STEP_MANUAL_EMAIL, err) != 0)
		return -1;
	return 0;
}

static int64_t contact(struct store *st, const char *addr, struct cad_err *err)
{
	struct contact c;
	int created = 0;
	int64_t id;
	memset(&c, 0, sizeof(c));
	c.email = xstrdup(addr);
	if (store_contact_upsert(st, &c, now, &created, err) != 0) {
		contact_free(&c);
		return -1;
	}
	id = c.id;
	contact_free(&c);
	return id;
}

static int cmd_enroll(struct store *st, char **argv, struct cad_err *err)
{
	struct enrollment e;
	struct sequence q;
	struct user u;
	memset(&e, 0, sizeof(e));
	if ((e.contact_id = contact(st, argv[0], err)) < 0)
		return -1;
	if (store_sequence_get(st, argv[1], &q, err) != 0)
		return -1;
	if (store_user_get(st, argv[2], &u, err) != 0) {
		sequence_free(&q);
		return -1;
	}
	e.sequence_id = q.id;
	e.user_id = u.id;
	e.state = ENR_ACTIVE;
	e.step = 1;
	e.next_due = now;
	sequence_free(&q);
	user_free(&u);
	if (store_enrollment_insert(st, &e, "cli:test", now, err) != 0)
		return -1;
	printf("%lld\n", (long long)e.id);
	enrollment_free(&e);
	return 0;
}

static int load_secret(const char *path, struct cad_secret *s, struct cad_err *err)
{
	memset(s, 0, sizeof(*s));
	return secret_load(path, s, err);
}

static int cmd_prepare(struct store *st, char **argv, int sent, struct cad_err *err)
{
	unsigned char nonce[TOKEN_NONCE_BYTES];
	char utok[TOKEN_BUFSZ], vtok[TOKEN_BUFSZ];
	struct cad_secret sec;
	struct sent_msg m;
	char *verp, *unsub;
	int existing = 0, rc;

	if (load_secret(argv[2], &sec, err) != 0)
		return -1;
	memset(&m, 0, sizeof(m));
	m.enrollment_id = strtoll(argv[0], NULL, 10);
	m.step = atoi(argv[1]);
	if (token_nonce_random(nonce, err) != 0 || token_make(TOKEN_UNSUB, &sec, nonce, utok) != 0 ||
	    token_make(TOKEN_VERP, &sec, nonce, vtok) != 0) {
		secret_free(&sec);
		return cad_err_set(err, "making tokens");
	}
	m.message_id = msgid_make(&sec, nonce, argv[3]);
	m.token = xstrdup(utok);
	m.subject = xstrdup("Quick question");
	verp = token_address("bounces", vtok, argv[3]);
	unsub = token_address("unsubscribe", utok, argv[3]);
	secret_free(&sec);
	rc = store_msg_prepare(st, &m, now, &existing, err);
	if (rc == 0 && sent)
		rc = store_msg_sent(st, m.id, "250 2.0.0 Ok: queued", "SENTQ", now + 2 * 86400,
				    "cadenced", now, err);
	if (rc == 0)
		printf("%s %s %s\n", m.message_id, verp, unsub);
	free(verp);
	free(unsub);
	sent_msg_free(&m);
	return rc;
}

static int cmd_forge(char **argv, struct cad_err *err)
{
	unsigned char nonce[TOKEN_NONCE_BYTES];
	struct cad_secret sec;
	char *id;
	if (load_secret(argv[0], &sec, err) != 0)
		return -1;
	if (token_nonce_random(nonce, err) != 0) {
		secret_free(&sec);
		return -1;
	}
	id = msgid_make(&sec, nonce, argv[1]);
	secret_free(&sec);
	printf("%s\n", id);
	free(id);
	return 0;
}

static int cmd_task(struct store *st, char **argv, struct cad_err *err)
{
	struct enrollment e;
	struct task t;
	int rc;
	if (store_enrollment_get(st, strtoll(argv[0], NULL, 10), &e, err) != 0)
		return -1;
	memset(&t, 0, sizeof(t));
	t.enrollment_id = e.id;
	t.user_id = e.user_id;
	t.step = 1;
	t.kind = STEP_MANUAL_EMAIL;
	t.state = TASK_OPEN;
	t.due_at = now;
	t.note = xstrdup("write to them yourself");
	rc = store_task_step(st, &t, 1, 0, "cadenced", now, err);
	task_free(&t);
	enrollment_free(&e);
	return rc;
}

static int cmd_state(struct store *st, char **argv, struct cad_err *err)
{
	struct enrollment e;
	if (store_enrollment_get(st, strtoll(argv[0], NULL, 10), &e, err) != 0)
		return -1;
	printf("%s %d %s\n", enr_state_name(e.state), e.step, e.reason ? e.reason : "-");
	enrollment_free(&e);
	return 0;
}

static int cmd_due(struct store *st, char **argv, struct cad_err *err)
{
	struct enrollment e;
	char buf[CAD_TIME_BUFSZ];
	if (store_enrollment_get(st, strtoll(argv[0], NULL, 10), &e, err) != 0)
		return -1;
	printf("%s\n", e.next_due ? cad_time_format(e.next_due, buf, sizeof(buf)) : "-");
	enrollment_free(&e);
	return 0;
}

static int cmd_msg(struct store *st, char **argv, struct cad_err *err)
{
	struct sent_msg m;
	int rc = store_msg_get(st, argv[0], &m, err);
	if (rc == STORE_NOTFOUND) {
		printf("none\n");
		return 0;
	}
	if (rc != 0)
		return -1;
	printf("%s %s\n", msg_state_name(m.state), m.queue_id ? m.queue_id : "-");
	sent_msg_free(&m);
	return 0;
}

static int cmd_events(struct store *st, int argc, char **argv, struct cad_err *err)
{
	struct event_filter f;
	struct event *ev;
	size_t n;
	memset(&f, 0, sizeof(f));
	f.type = argv[0];
	if (argc > 1)
		f.enrollment_id = strtoll(argv[1], NULL, 10);
	if (store_events(st, &f, &ev, &n, err) != 0)
		return -1;
	printf("%zu\n", n);
	store_events_free(ev, n);
	return 0;
}

static int cmd_suppressed(struct store *st, char **argv, struct cad_err *err)
{
	struct suppression m;
	int rc;
	memset(&m, 0, sizeof(m));
	rc = store_suppressed(st, argv[0], &m, err);
	if (rc < 0)
		return -1;
	printf("%s\n", rc == 1 ? supp_kind_name(m.kind) : "no");
	suppression_free(&m);
	return 0;
}

static int cmd_enrolled(struct store *st, char **argv, int id_only, struct cad_err *err)
{
	struct contact c;
	struct enrollment e;
	struct sequence q;
	int rc;
	memset(&c, 0, sizeof(c));
	rc = store_contact_get(st, argv[0], &c, err);
	if (rc == STORE_NOTFOUND) {
		printf("none\n");
		return 0;
	}
	if (rc != 0)
		return -1;
	rc = store_enrollment_current(st, c.id, &e, err);
	contact_free(&c);
	if (rc == STORE_NOTFOUND) {
		printf("none\n");
		return 0;
	}
	if (rc != 0)
		return -1;
	if (id_only) {
		printf("%lld\n", (long long)e.id);
		enrollment_free(&e);
		return 0;
	}
	if (store_sequence_get_id(st, e.sequence_id, &q, err) != 0) {
		enrollment_free(&e);
		return -1;
	}
	printf("%s %s %d\n", q.name, enr_state_name(e.state), e.step);
	sequence_free(&q);
	enrollment_free(&e);
	return 0;
}

static int cmd_taskstate(struct store *st, char **argv, struct cad_err *err)
{
	struct task_view *tv;
	size_t n, open = 0;
	int64_t enr = strtoll(argv[0], NULL, 10);
	if (store_tasks(st, NULL, TASK_OPEN, &tv, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		open += tv[i].t.enrollment_id == enr;
	store_task_views_free(tv, n);
	printf("%zu\n", open);
	return 0;
}

int main(int argc, char **argv)
{
	struct store *st = NULL;
	struct cad_err err = { "" };
	const char *cmd;
	int rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: mkstore DB ADDRESS... | mkstore DB COMMAND ARGS...\n");
		return 2;
	}
	cmd = argc > 2 ? argv[2] : "";
	if (strcmp(cmd, "forge") == 0)
		return argc == 5 && cmd_forge(argv + 3, &err) == 0 ? 0 : die("forge", &err);
	if (store_open(&st, argv[1], STORE_CREATE, &err) != 0)
		return die(argv[1], &err);
#define NEED(k) if (argc < 3 + (k)) { rc = cad_err_set(&err, "%s: missing arguments", cmd); } else
	if (strcmp(cmd, "init") == 0) {
		NEED(2) rc = cmd_init(st, argv + 3, &err);
	} else if (strcmp(cmd, "rep") == 0) {
		NEED(1) rc = cmd_rep(st, argv + 3, &err);
	} else if (strcmp(cmd, "enroll") == 0) {
		NEED(3) rc = cmd_enroll(st, argv + 3, &err);
	} else if (strcmp(cmd, "prepare") == 0) {
		NEED(4) rc = cmd_prepare(st, argv + 3, argc > 7 && strcmp(argv[7], "sent") == 0,
					 &err);
	} else if (strcmp(cmd, "task") == 0) {
		NEED(1) rc = cmd_task(st, argv + 3, &err);
	} else if (strcmp(cmd, "unenroll") == 0) {
		NEED(1) rc = store_unenroll(st, SCOPE_ENROLLMENT, argv[3], "unenrolled by hand",
					    "cli:test", now, NULL, &err);
	} else if (strcmp(cmd, "state") == 0) {
		NEED(1) rc = cmd_state(st, argv + 3, &err);
	} else if (strcmp(cmd, "due") == 0) {
		NEED(1) rc = cmd_due(st, argv + 3, &err);
	} else if (strcmp(cmd, "msg") == 0) {
		NEED(1) rc = cmd_msg(st, argv + 3, &err);
	} else if (strcmp(cmd, "events") == 0) {
		NEED(1) rc = cmd_events(st, argc - 3, argv + 3, &err);
	} else if (strcmp(cmd, "suppressed") == 0) {
		NEED(1) rc = cmd_suppressed(st, argv + 3, &err);
	} else if (strcmp(cmd, "enrolled") == 0) {
		NEED(1) rc = cmd_enrolled(st, argv + 3, 0, &err);
	} else if (strcmp(cmd, "enrolled-id") == 0) {
		NEED(1) rc = cmd_enrolled(st, argv + 3, 1, &err);
	} else if (strcmp(cmd, "taskstate") == 0) {
		NEED(1) rc = cmd_taskstate(st, argv + 3, &err);
	} else {
		for (int i = 2; i < argc && rc == 0; i++)
			if (contact(st, argv[i], &err) < 0)
				rc = -1;
	}
	store_close(st);
	return rc == 0 ? 0 : die(cmd, &err);
}
