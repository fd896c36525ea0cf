/* test_store_enroll.c - unit tests for the store's enrollments: recording
 * them (one running per contact), listings and filters, pause / resume /
 * unenroll by enrollment, sequence, rep, contact and company with counts
 * and events, a rep disabled or deleted and a sequence deleted unenrolling
 * with their reason, and tasks closing and moving their enrollment on.
 * Real SQLite files in a fresh mkdtemp directory, removed afterwards. */
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

#include "store.h"

#define T0 1795000000

struct fx {
	char dir[64];
	char path[96];
	struct store *st;
	int64_t rep1, rep2, seq1, seq2;
	int64_t ann, bob, cat, dan;   /* ann, bob at acme.test; cat at eu.acme.test */
};

static int64_t add_user(struct store *st, const char *email)
{
	struct user u;
	struct cad_err err;
	memset(&u, 0, sizeof(u));
	u.email = (char *)email;
	u.send_cap_24h = 500;
	u.enroll_cap_day = 80;
	u.active = 1;
	assert_int_equal(store_user_add(st, &u, "cli:test", T0, &err), 0);
	return u.id;
}

static int64_t add_seq(struct store *st, const char *name, size_t nsteps)
{
	struct sequence q;
	struct cad_err err;
	size_t i;
	int64_t id;
	memset(&q, 0, sizeof(q));
	q.name = xstrdup(name);
	q.active = 1;
	q.window_start = 480;
	q.window_end = 1080;
	q.steps = xcalloc(nsteps, sizeof(*q.steps));
	q.nsteps = nsteps;
	for (i = 0; i < nsteps; i++) {
		q.steps[i].kind = i == 1 ? STEP_CALL : STEP_EMAIL;
		q.steps[i].wait = 1;
		q.steps[i].subject = i == 1 ? NULL : xstrdup("Hi");
		q.steps[i].body = xstrdup("Text");
	}
	assert_int_equal(store_sequence_import(st, &q, "cli:test", T0, &err), 0);
	id = q.id;
	sequence_free(&q);
	return id;
}

static void add_contact(struct store *st, const char *email)
{
	struct contact c;
	struct cad_err err;
	int created;
	memset(&c, 0, sizeof(c));
	c.email = xstrdup(email);
	assert_int_equal(store_contact_upsert(st, &c, T0, &created, &err), 0);
	contact_free(&c);
}

static int64_t get_contact_id(struct store *st, const char *email)
{
	struct contact c;
	struct cad_err err;
	int64_t id;
	assert_int_equal(store_contact_get(st, email, &c, &err), 0);
	id = c.id;
	contact_free(&c);
	return id;
}

static int64_t enroll(struct store *st, int64_t contact, int64_t seq, int64_t rep,
		      cad_time_t due)
{
	struct enrollment e;
	struct cad_err err;
	int64_t id;
	memset(&e, 0, sizeof(e));
	e.contact_id = contact;
	e.sequence_id = seq;
	e.user_id = rep;
	e.state = ENR_ACTIVE;
	e.step = 1;
	e.next_due = due;
	assert_int_equal(store_enrollment_insert(st, &e, "cli:test", T0, &err), 0);
	assert_true(e.id > 0);
	assert_string_equal(e.enrolled_by, "cli:test");
	id = e.id;
	enrollment_free(&e);
	return id;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct cad_err err;
	snprintf(f->dir, sizeof(f->dir), "/tmp/cadence-store-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/cadence.db", f->dir);
	if (store_open(&f->st, f->path, STORE_CREATE, &err) != 0)
		return -1;
	f->rep1 = add_user(f->st, "rep1@us.test");
	f->rep2 = add_user(f->st, "rep2@us.test");
	f->seq1 = add_seq(f->st, "Cold", 3);
	f->seq2 = add_seq(f->st, "Warm", 2);
	add_contact(f->st, "ann@acme.test");
	add_contact(f->st, "bob@acme.test");
	add_contact(f->st, "cat@eu.acme.test");
	add_contact(f->st, "dan@other.test");
	f->ann = get_contact_id(f->st, "ann@acme.test");
	f->bob = get_contact_id(f->st, "bob@acme.test");
	f->cat = get_contact_id(f->st, "cat@eu.acme.test");
	f->dan = get_contact_id(f->st, "dan@other.test");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char p[160];
	store_close(f->st);
	snprintf(p, sizeof(p), "%s/cadence.db", f->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/cadence.db-wal", f->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/cadence.db-shm", f->dir);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Number of events of type (and enrollment, when not 0). */
static size_t count_events(struct store *st, const char *type, int64_t enr)
{
	struct event_filter ef;
	struct event *ev;
	struct cad_err err;
	size_t n;
	memset(&ef, 0, sizeof(ef));
	ef.type = type;
	ef.enrollment_id = enr;
	assert_int_equal(store_events(st, &ef, &ev, &n, &err), 0);
	store_events_free(ev, n);
	return n;
}

static enum enr_state state_of(struct store *st, int64_t id, struct enrollment *out)
{
	struct cad_err err;
	struct enrollment e;
	enum enr_state s;
	assert_int_equal(store_enrollment_get(st, id, &e, &err), 0);
	s = e.state;
	if (out)
		*out = e;
	else
		enrollment_free(&e);
	return s;
}

static void test_insert_one_running(void **state)
{
	struct fx *f = *state;
	struct cad_err err;
	struct enrollment e;
	int64_t id = enroll(f->st, f->ann, f->seq1, f->rep1, T0 + 60);
	int n;

	assert_int_equal(store_enrollment_current(f->st, f->ann, &e, &err), 0);
	assert_int_equal(e.id, id);
	assert_int_equal(e.state, ENR_ACTIVE);
	assert_int_equal(e.step, 1);
	assert_int_equal(e.next_due, T0 + 60);
	assert_int_equal(e.enrolled_at, T0);
	assert_string_equal(e.enrolled_by, "cli:test");
	enrollment_free(&e);
	assert_int_equal(count_events(f->st, EV_ENROLLED, id), 1);

	/* A second running enrollment of the same contact is refused. */
	memset(&e, 0, sizeof(e));
	e.contact_id = f->ann;
	e.sequence_id = f->seq2;
	e.user_id = f->rep2;
	e.state = ENR_ACTIVE;
	e.step = 1;
	assert_int_equal(store_enrollment_insert(f->st, &e, "cli:test", T0, &err), -1);
	assert_non_null(strstr(err.msg, "already has an active or paused enrollment"));
	assert_int_equal(count_events(f->st, EV_ENROLLED, 0), 1);
	/* Paused counts as running too; unenrolled does not. */
	assert_int_equal(store_pause(f->st, SCOPE_CONTACT, "ann@acme.test", "ooo", 0, "cli:test",
				     T0, &n, &err), 0);
	assert_int_equal(store_enrollment_insert(f->st, &e, "cli:test", T0, &err), -1);
	assert_int_equal(store_unenroll(f->st, SCOPE_ENROLLMENT, "1", "replied by phone",
					"cli:test", T0, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_enrollment_current(f->st, f->ann, &e, &err), STORE_NOTFOUND);
	e.contact_id = f->ann;
	e.sequence_id = f->seq2;
	e.user_id = f->rep2;
	e.state = ENR_ACTIVE;
	e.step = 1;
	assert_int_equal(store_enrollment_insert(f->st, &e, "api:k1", T0 + 5, &err), 0);
	enrollment_free(&e);

	/* Unknown contact: the foreign key refuses it. */
	memset(&e, 0, sizeof(e));
	e.contact_id = 999;
	e.sequence_id = f->seq1;
	e.user_id = f->rep1;
	e.step = 1;
	assert_int_equal(store_enrollment_insert(f->st, &e, "cli:test", T0, &err), -1);
	assert_int_equal(store_enrollment_get(f->st, 999, &e, &err), STORE_NOTFOUND);
}

/* Many at once: one transaction, all or nothing, one event each. */
static void test_insert_many(void **state)
{
	struct fx *f = *state;
	struct enrollment e[2];
	struct cad_err err;
	size_t i;

	memset(e, 0, sizeof(e));
	for (i = 0; i < 2; i++) {
		e[i].sequence_id = f->seq1;
		e[i].user_id = f->rep1;
		e[i].state = ENR_ACTIVE;
		e[i].step = 1;
		e[i].next_due = T0;
		e[i].bulk = 1;
	}
	e[0].contact_id = f->ann;
	e[1].contact_id = f->bob;
	assert_int_equal(store_enrollment_insert_many(f->st, e, 2, "bench", T0, &err), 0);
	assert_true(e[0].id > 0 && e[1].id > e[0].id);
	assert_int_equal(count_events(f->st, EV_ENROLLED, 0), 2);
	for (i = 0; i < 2; i++)
		enrollment_free(&e[i]);
	/* cat is new, but ann is already running: nothing is written. */
	memset(e, 0, sizeof(e));
	for (i = 0; i < 2; i++) {
		e[i].sequence_id = f->seq1;
		e[i].user_id = f->rep1;
		e[i].state = ENR_ACTIVE;
		e[i].step = 1;
	}
	e[0].contact_id = f->cat;
	e[1].contact_id = f->ann;
	assert_int_equal(store_enrollment_insert_many(f->st, e, 2, "bench", T0, &err), -1);
	assert_non_null(strstr(err.msg, "enrollment 2 of 2"));
	assert_int_equal(e[0].id, 0);
	assert_int_equal(count_events(f->st, EV_ENROLLED, 0), 2);
	assert_int_equal(store_enrollment_current(f->st, f->cat, &e[1], &err), STORE_NOTFOUND);
	for (i = 0; i < 2; i++)
		enrollment_free(&e[i]);
}

static void test_since_and_views(void **state)
{
	struct fx *f = *state;
	struct cad_err err;
	struct enrollment_view *v;
	struct enr_filter ef;
	size_t n;
	int cnt;

	enroll(f->st, f->ann, f->seq1, f->rep1, T0);
	enroll(f->st, f->bob, f->seq1, f->rep1, T0);
	enroll(f->st, f->dan, f->seq2, f->rep2, T0);
	assert_int_equal(store_enrollments_since(f->st, f->rep1, T0, &cnt, &err), 0);
	assert_int_equal(cnt, 2);
	assert_int_equal(store_enrollments_since(f->st, f->rep1, T0 + 1, &cnt, &err), 0);
	assert_int_equal(cnt, 0);

	memset(&ef, 0, sizeof(ef));
	ef.state = -1;
	assert_int_equal(store_enrollments(f->st, &ef, &v, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].contact_email, "ann@acme.test");
	assert_string_equal(v[0].sequence_name, "Cold");
	assert_string_equal(v[0].user_email, "rep1@us.test");
	assert_int_equal(v[0].nsteps, 3);
	assert_int_equal(v[0].next_kind, STEP_EMAIL);
	store_enrollment_views_free(v, n);

	ef.user = "REP1@us.test";
	assert_int_equal(store_enrollments(f->st, &ef, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	store_enrollment_views_free(v, n);
	ef.user = NULL;
	ef.sequence = "Warm";
	assert_int_equal(store_enrollments(f->st, &ef, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].contact_email, "dan@other.test");
	store_enrollment_views_free(v, n);
	ef.sequence = NULL;
	ef.contact = "bob@acme.test";
	assert_int_equal(store_enrollments(f->st, &ef, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	store_enrollment_views_free(v, n);
	ef.contact = NULL;
	ef.state = ENR_PAUSED;
	assert_int_equal(store_enrollments(f->st, &ef, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	store_enrollment_views_free(v, n);
	assert_int_equal(store_enrollments(f->st, NULL, &v, &n, &err), 0);
	assert_int_equal(n, 3);
	store_enrollment_views_free(v, n);
}

static void test_pause_resume_scopes(void **state)
{
	struct fx *f = *state;
	struct cad_err err;
	struct enrollment e;
	struct event_filter ef;
	struct event *ev;
	size_t n;
	int cnt = -1;
	int64_t a = enroll(f->st, f->ann, f->seq1, f->rep1, T0 + 100);
	int64_t b = enroll(f->st, f->bob, f->seq1, f->rep2, T0 + 100);
	int64_t c = enroll(f->st, f->cat, f->seq2, f->rep1, T0 + 100);
	int64_t d = enroll(f->st, f->dan, f->seq2, f->rep2, T0 + 9000);

	/* By sequence. */
	assert_int_equal(store_pause(f->st, SCOPE_SEQUENCE, "Cold", "holiday freeze",
				     T0 + 3600, "cli:test", T0 + 10, &cnt, &err), 0);
	assert_int_equal(cnt, 2);
	assert_int_equal(state_of(f->st, a, &e), ENR_PAUSED);
	assert_string_equal(e.reason, "holiday freeze");
	assert_int_equal(e.paused_until, T0 + 3600);
	assert_int_equal(e.updated_at, T0 + 10);
	enrollment_free(&e);
	assert_int_equal(state_of(f->st, c, NULL), ENR_ACTIVE);
	assert_int_equal(count_events(f->st, EV_PAUSED, 0), 2);
	/* Pausing again changes nothing. */
	assert_int_equal(store_pause(f->st, SCOPE_SEQUENCE, "Cold", "again", 0, "cli:test",
				     T0 + 11, &cnt, &err), 0);
	assert_int_equal(cnt, 0);
	assert_int_equal(count_events(f->st, EV_PAUSED, 0), 2);

	/* By rep: only rep2's active one (d); b is already paused. */
	assert_int_equal(store_pause(f->st, SCOPE_USER, "rep2@us.test", NULL, 0, "cli:test",
				     T0 + 20, &cnt, &err), 0);
	assert_int_equal(cnt, 1);
	assert_int_equal(state_of(f->st, d, NULL), ENR_PAUSED);

	/* Resume by enrollment: due at max(next_due, now). */
	assert_int_equal(store_resume(f->st, SCOPE_ENROLLMENT, "1", "cli:test", T0 + 500, &cnt,
				      &err), 0);
	assert_int_equal(cnt, 1);
	assert_int_equal(state_of(f->st, a, &e), ENR_ACTIVE);
	assert_int_equal(e.next_due, T0 + 500);
	assert_null(e.reason);
	assert_int_equal(e.paused_until, 0);
	enrollment_free(&e);
	assert_int_equal(store_resume(f->st, SCOPE_CONTACT, "dan@other.test", "cli:test",
				      T0 + 600, &cnt, &err), 0);
	assert_int_equal(cnt, 1);
	assert_int_equal(state_of(f->st, d, &e), ENR_ACTIVE);
	assert_int_equal(e.next_due, T0 + 9000);
	enrollment_free(&e);
	assert_int_equal(count_events(f->st, EV_RESUMED, 0), 2);

	/* Company: acme.test and its subdomains (ann, bob, cat), not dan. */
	assert_int_equal(store_unenroll(f->st, SCOPE_COMPANY, "acme.test", "company replied",
					"milter", T0 + 700, &cnt, &err), 0);
	assert_int_equal(cnt, 3);
	assert_int_equal(state_of(f->st, a, NULL), ENR_UNENROLLED);
	assert_int_equal(state_of(f->st, b, &e), ENR_UNENROLLED);
	assert_string_equal(e.reason, "company replied");
	assert_int_equal(e.next_due, 0);
	enrollment_free(&e);
	assert_int_equal(state_of(f->st, c, NULL), ENR_UNENROLLED);
	assert_int_equal(state_of(f->st, d, NULL), ENR_ACTIVE);
	memset(&ef, 0, sizeof(ef));
	ef.type = EV_UNENROLLED;
	assert_int_equal(store_events(f->st, &ef, &ev, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(ev[0].detail, "company replied");
	assert_string_equal(ev[0].actor, "milter");
	assert_string_equal(ev[0].contact_email, "ann@acme.test");
	assert_string_equal(ev[0].sequence_name, "Cold");
	assert_string_equal(ev[0].user_email, "rep1@us.test");
	store_events_free(ev, n);
	/* Resuming an unenrolled enrollment does nothing. */
	assert_int_equal(store_resume(f->st, SCOPE_ENROLLMENT, "1", "cli:test", T0 + 800, &cnt,
				      &err), 0);
	assert_int_equal(cnt, 0);
	assert_int_equal(store_unenroll(f->st, SCOPE_COMPANY, "nobody.test", "x", "cli:test",
					T0, &cnt, &err), 0);
	assert_int_equal(cnt, 0);

	/* Unknown keys. */
	assert_int_equal(store_pause(f->st, SCOPE_SEQUENCE, "Nope", "x", 0, "cli:test", T0, &cnt,
				     &err), STORE_NOTFOUND);
	assert_non_null(strstr(err.msg, "Nope"));
	assert_int_equal(store_pause(f->st, SCOPE_USER, "x@us.test", "x", 0, "cli:test", T0, &cnt,
				     &err), STORE_NOTFOUND);
	assert_int_equal(store_pause(f->st, SCOPE_CONTACT, "x@acme.test", "x", 0, "cli:test", T0,
				     &cnt, &err), STORE_NOTFOUND);
	assert_int_equal(store_pause(f->st, SCOPE_ENROLLMENT, "77", "x", 0, "cli:test", T0, &cnt,
				     &err), STORE_NOTFOUND);
	assert_int_equal(store_pause(f->st, SCOPE_ENROLLMENT, "abc", "x", 0, "cli:test", T0, &cnt,
				     &err), -1);
}

static void test_rep_off_unenrolls(void **state)
{
	struct fx *f = *state;
	struct cad_err err;
	struct enrollment e;
	struct event_filter ef;
	struct event *ev;
	size_t n;
	int cnt = -1;
	int64_t a = enroll(f->st, f->ann, f->seq1, f->rep1, T0);
	int64_t b = enroll(f->st, f->bob, f->seq1, f->rep1, T0);
	int64_t c = enroll(f->st, f->cat, f->seq1, f->rep2, T0);
	int64_t d = enroll(f->st, f->dan, f->seq2, f->rep2, T0);

	assert_int_equal(store_pause(f->st, SCOPE_ENROLLMENT, "2", "ooo", 0, "cli:test", T0, &cnt,
				     &err), 0);
	assert_int_equal(store_user_disable(f->st, "rep1@us.test", "cli:admin", T0 + 1, &cnt, &err),
			 0);
	assert_int_equal(cnt, 2);
	assert_int_equal(state_of(f->st, a, &e), ENR_UNENROLLED);
	assert_string_equal(e.reason, "rep disabled");
	enrollment_free(&e);
	assert_int_equal(state_of(f->st, b, &e), ENR_UNENROLLED);
	assert_string_equal(e.reason, "rep disabled");
	enrollment_free(&e);
	assert_int_equal(state_of(f->st, c, NULL), ENR_ACTIVE);
	assert_int_equal(count_events(f->st, EV_UNENROLLED, 0), 2);
	memset(&ef, 0, sizeof(ef));
	ef.type = EV_USER_DISABLED;
	assert_int_equal(store_events(f->st, &ef, &ev, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ev[0].detail, "2 enrollments unenrolled");
	assert_string_equal(ev[0].actor, "cli:admin");
	store_events_free(ev, n);

	assert_int_equal(store_user_delete(f->st, "rep2@us.test", "cli:admin", T0 + 2, &cnt, &err),
			 0);
	assert_int_equal(cnt, 2);
	assert_int_equal(state_of(f->st, c, &e), ENR_UNENROLLED);
	assert_string_equal(e.reason, "rep deleted");
	enrollment_free(&e);
	assert_int_equal(state_of(f->st, d, NULL), ENR_UNENROLLED);
	assert_int_equal(count_events(f->st, EV_USER_DELETED, 0), 1);
	/* The deleted rep's events still name them. */
	memset(&ef, 0, sizeof(ef));
	ef.user = "rep2@us.test";
	ef.type = EV_UNENROLLED;
	assert_int_equal(store_events(f->st, &ef, &ev, &n, &err), 0);
	assert_int_equal(n, 2);
	store_events_free(ev, n);
}

static void test_seq_delete_unenrolls(void **state)
{
	struct fx *f = *state;
	struct cad_err err;
	struct enrollment e;
	struct sequence q;
	int cnt = -1;
	int64_t a = enroll(f->st, f->ann, f->seq1, f->rep1, T0);
	int64_t d = enroll(f->st, f->dan, f->seq2, f->rep2, T0);

	assert_int_equal(store_sequence_delete(f->st, "Cold", "cli:test", T0 + 1, &cnt, &err), 0);
	assert_int_equal(cnt, 1);
	assert_int_equal(state_of(f->st, a, &e), ENR_UNENROLLED);
	assert_string_equal(e.reason, "sequence deleted");
	enrollment_free(&e);
	assert_int_equal(state_of(f->st, d, NULL), ENR_ACTIVE);
	assert_int_equal(count_events(f->st, EV_SEQ_DELETED, 0), 1);
	assert_int_equal(count_events(f->st, EV_UNENROLLED, a), 1);
	assert_int_equal(store_sequence_get(f->st, "Cold", &q, &err), STORE_NOTFOUND);
	/* Still readable by id for the audit trail. */
	assert_int_equal(store_sequence_get_id(f->st, f->seq1, &q, &err), 0);
	assert_string_equal(q.name, "Cold");
	sequence_free(&q);
	assert_int_equal(store_sequence_delete(f->st, "Cold", "cli:test", T0 + 1, &cnt, &err),
			 STORE_NOTFOUND);
	/* Importing it again brings it back under the same id. */
	assert_int_equal(add_seq(f->st, "Cold", 2), f->seq1);
}

static int64_t add_task(struct store *st, int64_t enr, int step, enum step_kind k)
{
	struct task t;
	struct cad_err err;
	memset(&t, 0, sizeof(t));
	t.enrollment_id = enr;
	t.step = step;
	t.kind = k;
	t.due_at = T0 + 50;
	t.note = (char *)"Call about the pilot";
	assert_int_equal(store_task_add(st, &t, "cadenced", T0, &err), 0);
	assert_true(t.id > 0);
	return t.id;
}

static void move_to_step(struct store *st, int64_t enr, int step)
{
	/* Only the ledger moves enrollments along email steps; here we get
	 * there by closing tasks for steps 1.. (a test-only path). */
	struct cad_err err;
	int i;
	for (i = 1; i < step; i++) {
		int64_t t = add_task(st, enr, i, STEP_TASK);
		assert_int_equal(store_task_close(st, t, TASK_DONE, T0 + i, "cli:test", T0, &err), 0);
	}
}

static void test_tasks(void **state)
{
	struct fx *f = *state;
	struct cad_err err;
	struct enrollment e;
	struct task_view *v;
	size_t n;
	int64_t a = enroll(f->st, f->ann, f->seq1, f->rep1, T0);
	int64_t b = enroll(f->st, f->bob, f->seq2, f->rep2, T0);
	int64_t t1, t2, t3;

	move_to_step(f->st, a, 2);
	assert_int_equal(state_of(f->st, a, &e), ENR_ACTIVE);
	assert_int_equal(e.step, 2);
	assert_int_equal(e.next_due, T0 + 1);
	enrollment_free(&e);

	t1 = add_task(f->st, a, 2, STEP_CALL);
	assert_int_equal(count_events(f->st, EV_TASK_CREATED, a), 2);
	assert_int_equal(store_tasks(f->st, "rep1@us.test", TASK_OPEN, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].t.id, t1);
	assert_int_equal(v[0].t.kind, STEP_CALL);
	assert_int_equal(v[0].t.user_id, f->rep1);
	assert_string_equal(v[0].t.note, "Call about the pilot");
	assert_string_equal(v[0].contact_email, "ann@acme.test");
	assert_string_equal(v[0].sequence_name, "Cold");
	assert_string_equal(v[0].user_email, "rep1@us.test");
	store_task_views_free(v, n);

	/* Completing the step it waits on moves it to step 3. */
	assert_int_equal(store_task_close(f->st, t1, TASK_DONE, T0 + 86400, "cli:rep1", T0 + 5,
					  &err), 0);
	assert_int_equal(state_of(f->st, a, &e), ENR_ACTIVE);
	assert_int_equal(e.step, 3);
	assert_int_equal(e.next_due, T0 + 86400);
	enrollment_free(&e);
	assert_int_equal(count_events(f->st, EV_TASK_COMPLETED, a), 2);
	assert_int_equal(count_events(f->st, EV_STEP_SCHEDULED, a), 2);
	/* Closing twice is refused and changes nothing. */
	assert_int_equal(store_task_close(f->st, t1, TASK_SKIPPED, T0, "cli:rep1", T0, &err), -1);
	assert_non_null(strstr(err.msg, "already done"));
	assert_int_equal(store_task_close(f->st, 4242, TASK_DONE, T0, "cli:rep1", T0, &err),
			 STORE_NOTFOUND);

	/* A task for an older step does not move the enrollment. */
	t2 = add_task(f->st, a, 1, STEP_TASK);
	assert_int_equal(store_task_close(f->st, t2, TASK_SKIPPED, T0 + 9, "cli:rep1", T0, &err),
			 0);
	assert_int_equal(state_of(f->st, a, &e), ENR_ACTIVE);
	assert_int_equal(e.step, 3);
	enrollment_free(&e);

	/* The last step's task finishes the enrollment. */
	t3 = add_task(f->st, a, 3, STEP_TASK);
	assert_int_equal(store_task_close(f->st, t3, TASK_DONE, 0, "cli:rep1", T0, &err), 0);
	assert_int_equal(state_of(f->st, a, &e), ENR_FINISHED);
	assert_int_equal(e.next_due, 0);
	enrollment_free(&e);
	assert_int_equal(count_events(f->st, EV_FINISHED, a), 1);

	/* Unenrolling skips the open tasks, with an event each. */
	move_to_step(f->st, b, 2);
	t1 = add_task(f->st, b, 2, STEP_CALL);
	assert_int_equal(store_unenroll(f->st, SCOPE_CONTACT, "bob@acme.test", "replied",
					"milter", T0 + 3, NULL, &err), 0);
	assert_int_equal(store_tasks(f->st, "rep2@us.test", TASK_SKIPPED, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].t.id, t1);
	assert_int_equal(v[0].t.closed_at, T0 + 3);
	store_task_views_free(v, n);
	assert_int_equal(count_events(f->st, EV_TASK_SKIPPED, b), 1);
	assert_int_equal(store_tasks(f->st, NULL, TASK_OPEN, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	store_task_views_free(v, n);
	assert_int_equal(store_tasks(f->st, NULL, -1, &v, &n, &err), 0);
	assert_int_equal(n, 6);
	store_task_views_free(v, n);

	/* A task for an unknown enrollment. */
	{
		struct task t;
		memset(&t, 0, sizeof(t));
		t.enrollment_id = 999;
		t.step = 1;
		assert_int_equal(store_task_add(f->st, &t, "cadenced", T0, &err), STORE_NOTFOUND);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_insert_one_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_since_and_views, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pause_resume_scopes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rep_off_unenrolls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seq_delete_unenrolls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tasks, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
