/* SPDX-License-Identifier: BSD-2-Clause */
/* test_store_copy.c - store_copy() (src/store/store_copy.h), SQLite to
 * SQLite: a store filled through the public store API (reps, sequences,
 * contacts with properties and aliases, enrollments, events,
 * suppressions, tokens, webhooks with outbox rows and attempts, tasks,
 * ledger rows, notices, holidays) is copied whole: every table's count and
 * checksum equal the source's, new rows on the copy get ids after the
 * copied ones, the trigger that fills the webhook outbox added nothing
 * and is still live; a non-empty target and one of another schema version
 * are refused untouched; the list of tables knows every table and column
 * of a fresh store (a new migration must be added to it). Controls: a
 * corrupted row, a NULL made "" and a store with an unknown table or
 * column are all reported. */
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

#include "holiday.h"
#include "store.h"
#include "store_copy.h"
#include "store_drv.h"
#include "store_fixture.h"
#include "store_holiday.h"
#include "store_int.h"
#include "store_ledger.h"
#include "store_notice.h"
#include "store_token.h"
#include "store_webhook.h"

#define T0 SFX_T0
#define ACT "cli:test"

struct fx {
	struct sfx x;          /* the source */
	char dst[128];         /* the target's path, in x.dir */
	struct store *to;
	int64_t max_user;
};

static void ok(int rc, const struct cad_err *err)
{
	if (rc != 0)
		fail_msg("%s", err->msg);
}

static int64_t one_int(struct store *st, const char *sql)
{
	struct cad_err err;
	store_q *q = st->drv->prepare(st->conn, sql, &err);
	int64_t v = -1;
	if (q == NULL)
		fail_msg("%s", err.msg);
	if (store_step(q) == STORE_ROW)
		v = store_col_int64(q, 0);
	st->drv->finalize(q);
	return v;
}

static void exec_sql(struct store *st, const char *sql)
{
	struct cad_err err;
	ok(store_exec_sql(st, sql, "test", &err), &err);
}

/* A store with a row in every table, written through the store's API. */
static void fill(struct sfx *x)
{
	struct store *st = x->st;
	struct cad_err err;
	struct step steps[2];
	struct contact c;
	struct prop props[2];
	struct suppression sp;
	struct api_token tk;
	struct webhook wh;
	struct webhook_attempt at;
	struct webhook_job *jobs = NULL;
	struct sent_msg m;
	struct task t;
	struct event ev;
	struct holiday_list hl;
	int64_t rep2, c1, c2, c3, e1, e2, nid;
	size_t nj = 0;
	int existing = 0, created = 0, cnt = 0;
	char hash[STORE_TOKEN_HASH_LEN + 1];

	x->rep = sfx_user(x, "ada@corp.test", "Europe/Berlin", 500, 80);
	rep2 = sfx_user(x, "bob@corp.test", NULL, 100, 20);
	memset(steps, 0, sizeof(steps));
	steps[0].kind = STEP_EMAIL;
	steps[0].subject = (char *)"Hello {{firstname}}";
	steps[0].body = (char *)"One\nline two, \"quoted\" and 'single' \xc3\xa9";
	steps[1].kind = STEP_CALL;
	steps[1].delay_days = 2;
	steps[1].body = (char *)"";   /* empty, not NULL */
	x->seq = sfx_sequence(x, "Cold", SEQ_DAYS_BUSINESS, 9 * 60, 17 * 60, steps, 2);

	c1 = sfx_contact(x, "ann@acme.test", "America/New_York");
	c2 = sfx_contact(x, "cat@other.test", NULL);
	memset(&c, 0, sizeof(c));
	c.email = (char *)"dan@acme.test";
	c.firstname = (char *)"Dan";
	c.company = (char *)"";
	props[0].key = (char *)"crm_id";
	props[0].value = (char *)"42";
	props[1].key = (char *)"note";
	props[1].value = NULL;
	c.props = props;
	c.nprops = 2;
	ok(store_contact_upsert(st, &c, T0, &created, &err), &err);
	c3 = c.id;
	ok(store_contact_add_alias(st, c1, "ann.alias@acme.test", &err), &err);

	hl.v = NULL;
	hl.n = hl.cap = 0;
	holiday_list_init(&hl);
	holiday_list_add(&hl, "de", "2026-12-25", "Weihnachten");
	holiday_list_add(&hl, "de", "2026-12-26", "");
	ok(store_holidays_replace(st, "de", &hl, ACT, T0, &err), &err);
	holiday_list_free(&hl);

	memset(&sp, 0, sizeof(sp));
	sp.pattern = (char *)"competitor.test";
	sp.is_domain = 1;
	sp.kind = SUPP_COMPETITOR;
	sp.note = (char *)"not them";
	ok(store_suppress_add(st, &sp, ACT, T0, &err), &err);

	memset(&tk, 0, sizeof(tk));
	tk.name = (char *)"crm";
	tk.admin = 1;
	store_token_hash("cad_0123456789012345678901234567890123456789", hash);
	ok(store_token_add(st, &tk, hash, ACT, T0, &err), &err);
	memset(&tk, 0, sizeof(tk));
	tk.name = (char *)"ada";
	tk.user_id = x->rep;
	store_token_hash("cad_9999999999012345678901234567890123456789", hash);
	ok(store_token_add(st, &tk, hash, ACT, T0, &err), &err);

	/* Events before the webhook have no outbox row; after it, they do. */
	e1 = sfx_enroll(x, c1, x->seq, x->rep, T0 + 3600);
	memset(&wh, 0, sizeof(wh));
	wh.url = (char *)"https://crm.test/hook";
	ok(store_webhook_add(st, &wh, ACT, T0, &err), &err);
	free(wh.secret);        /* drawn by store_webhook_add (the URL is ours) */
	e2 = sfx_enroll(x, c2, x->seq, rep2, T0 + 7200);
	(void)sfx_enroll(x, c3, x->seq, rep2, T0 + 7200);
	ok(store_enrollment_pause(st, e2, "ooo", T0 + 86400, ACT, T0 + 60, &cnt, &err), &err);
	memset(&ev, 0, sizeof(ev));
	ev.at = T0 + 70;
	ev.type = (char *)"note";
	ev.contact_id = c1;
	ev.actor = (char *)ACT;
	ev.detail = (char *)"{\"a\":1}";
	ok(store_event_add(st, &ev, &err), &err);

	ok(store_webhook_due(st, T0 + 100000, 2, &jobs, &nj, &err), &err);
	assert_true(nj >= 2);
	memset(&at, 0, sizeof(at));
	at.outbox_id = jobs[0].outbox_id;
	at.at = T0 + 100;
	at.status = 200;
	at.response = (char *)"ok";
	at.duration_ms = 12;
	at.payload = (char *)"{}";
	ok(store_webhook_attempt(st, &at, WEBHOOK_DELIVERED, 0, &err), &err);
	at.outbox_id = jobs[1].outbox_id;
	at.status = 0;
	at.response = (char *)"connection refused";
	ok(store_webhook_attempt(st, &at, WEBHOOK_RETRY, T0 + 400, &err), &err);
	store_webhook_jobs_free(jobs, nj);

	memset(&m, 0, sizeof(m));
	m.enrollment_id = e1;
	m.step = 1;
	m.message_id = (char *)"cad.1.abc@corp.test";
	m.token = (char *)"tok1";
	m.subject = (char *)"Hello Ann";
	ok(store_msg_prepare(st, &m, T0 + 3600, &existing, &err), &err);
	ok(store_msg_sent(st, m.id, "250 2.0.0 Ok: queued as 4Xyz", "4Xyz", T0 + 90000, ACT,
			  T0 + 3601, &err), &err);

	memset(&t, 0, sizeof(t));
	t.enrollment_id = e2;
	t.user_id = rep2;
	t.step = 2;
	t.kind = STEP_CALL;
	t.state = TASK_OPEN;
	t.due_at = T0 + 90000;
	t.note = NULL;
	ok(store_task_add(st, &t, ACT, T0 + 80, &err), &err);

	ok(store_notice_add(st, x->rep, NOTICE_DIGEST, "Your day", "2 tasks", T0 + 90, &nid,
			    &err), &err);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct cad_err err;
	if (f == NULL || sfx_init(&f->x, "copy") != 0)
		return -1;
	fill(&f->x);
	f->max_user = one_int(f->x.st, "SELECT MAX(id) FROM users");
	snprintf(f->dst, sizeof(f->dst), "%s/copy.db", f->x.dir);
	if (store_open(&f->to, f->dst, STORE_CREATE, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_close(f->to);
	sfx_fini(&f->x);
	free(f);
	return 0;
}

/* Every table's count and checksum (sum_from of a verify of st with itself). */
static void snapshot(struct store *st, struct store_copy_report *r)
{
	struct cad_err err;
	ok(store_copy_verify(st, st, r, &err), &err);
}

static void test_copy_equal(void **state)
{
	struct fx *f = *state;
	struct store_copy_report rep, again;
	struct cad_err err;
	size_t i;
	int64_t outbox_src;

	/* Every table of the source has rows: the copy is not trivially equal. */
	snapshot(f->x.st, &rep);
	for (i = 0; i < rep.n; i++)
		if (rep.t[i].rows_from == 0)
			fail_msg("the fixture left table %s empty", rep.t[i].name);
	outbox_src = one_int(f->x.st, "SELECT COUNT(*) FROM webhook_outbox");
	assert_true(outbox_src >= 2);

	ok(store_copy(f->x.st, f->to, &rep, &err), &err);
	assert_int_equal(rep.verified, 1);
	assert_true(rep.n >= 17);
	for (i = 0; i < rep.n; i++) {
		assert_true(rep.t[i].ok);
		assert_true(rep.t[i].rows_to == rep.t[i].rows_from);
		assert_string_equal(rep.t[i].sum_from, rep.t[i].sum_to);
	}
	/* The trigger on events added no outbox row. */
	assert_int_equal(one_int(f->to, "SELECT COUNT(*) FROM webhook_outbox"), outbox_src);
	/* Verified again from outside the copy's transaction. */
	ok(store_copy_verify(f->x.st, f->to, &again, &err), &err);
	assert_int_equal(again.verified, 1);
}

/* Tables read in batches of 5,000 rows by id (store_copy.c): 12,000
 * events with gaps in their ids, and as many outbox rows from the trigger. */
static void test_many_rows(void **state)
{
	struct fx *f = *state;
	struct store_copy_report rep;
	struct cad_err err;
	int64_t nev, nout;
	size_t i;

	exec_sql(f->x.st, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
			  " WHERE i < 12000) INSERT INTO events (at, type, actor, detail)"
			  " SELECT 1795000000 + i, 'note', 'cli:test', 'row ' || i FROM n");
	exec_sql(f->x.st, "DELETE FROM events WHERE id % 7 = 3 AND type = 'note'");
	nev = one_int(f->x.st, "SELECT COUNT(*) FROM events");
	nout = one_int(f->x.st, "SELECT COUNT(*) FROM webhook_outbox");
	assert_true(nev > 10000);
	assert_true(nout > 10000);
	ok(store_copy(f->x.st, f->to, &rep, &err), &err);
	assert_int_equal(one_int(f->to, "SELECT COUNT(*) FROM events"), nev);
	assert_int_equal(one_int(f->to, "SELECT COUNT(*) FROM webhook_outbox"), nout);
	for (i = 0; i < rep.n; i++)
		if (strcmp(rep.t[i].name, "events") == 0)
			assert_true(rep.t[i].rows_to == nev && rep.t[i].ok);
	/* control: the last row of the last batch matters */
	exec_sql(f->to, "UPDATE events SET detail = 'x' WHERE id = (SELECT MAX(id) FROM events)");
	assert_int_equal(store_copy_verify(f->x.st, f->to, &rep, &err), -1);
	assert_non_null(strstr(err.msg, "events"));
}

static void test_fresh_ids(void **state)
{
	struct fx *f = *state;
	struct store_copy_report rep;
	struct cad_err err;
	struct user u;
	struct event ev;
	int64_t max_ev, outbox;

	ok(store_copy(f->x.st, f->to, &rep, &err), &err);
	memset(&u, 0, sizeof(u));
	u.email = (char *)"new@corp.test";
	u.active = 1;
	u.send_cap_24h = 10;
	u.enroll_cap_day = 10;
	ok(store_user_add(f->to, &u, ACT, T0 + 1000, &err), &err);
	assert_int_equal(u.id, f->max_user + 1);
	/* An event gets the next id, and the trigger (live on the copy) adds
	 * its outbox row. */
	max_ev = one_int(f->to, "SELECT MAX(id) FROM events");
	outbox = one_int(f->to, "SELECT COUNT(*) FROM webhook_outbox");
	memset(&ev, 0, sizeof(ev));
	ev.at = T0 + 1001;
	ev.type = (char *)"note";
	ev.actor = (char *)ACT;
	ok(store_event_add(f->to, &ev, &err), &err);
	assert_true(one_int(f->to, "SELECT MAX(id) FROM events") > max_ev);
	assert_int_equal(one_int(f->to, "SELECT COUNT(*) FROM webhook_outbox"), outbox + 1);
	/* The copy now differs from its source: the verifier says where. */
	assert_int_equal(store_copy_verify(f->x.st, f->to, &rep, &err), -1);
	assert_non_null(strstr(err.msg, "users"));
	assert_non_null(strstr(err.msg, "events"));
	assert_null(strstr(err.msg, "contacts"));
}

/* Control: one changed value, one NULL made "", each found by table. */
static void test_corrupt_found(void **state)
{
	struct fx *f = *state;
	struct store_copy_report rep;
	struct cad_err err;
	size_t i;

	ok(store_copy(f->x.st, f->to, &rep, &err), &err);
	exec_sql(f->to, "UPDATE contacts SET firstname = 'Ann' WHERE email = 'cat@other.test'");
	assert_int_equal(store_copy_verify(f->x.st, f->to, &rep, &err), -1);
	assert_int_equal(rep.verified, 0);
	assert_non_null(strstr(err.msg, "contacts"));
	for (i = 0; i < rep.n; i++) {
		int bad = strcmp(rep.t[i].name, "contacts") == 0;
		assert_int_equal(rep.t[i].ok, !bad);
		if (bad) {
			assert_true(rep.t[i].rows_from == rep.t[i].rows_to);
			assert_string_not_equal(rep.t[i].sum_from, rep.t[i].sum_to);
		}
	}
	exec_sql(f->to, "UPDATE contacts SET firstname = NULL WHERE email = 'cat@other.test'");
	ok(store_copy_verify(f->x.st, f->to, &rep, &err), &err);
	/* NULL and the empty string differ. */
	assert_int_equal(one_int(f->to, "SELECT COUNT(*) FROM tasks WHERE note IS NULL"), 1);
	exec_sql(f->to, "UPDATE tasks SET note = ''");
	assert_int_equal(store_copy_verify(f->x.st, f->to, &rep, &err), -1);
	assert_non_null(strstr(err.msg, "tasks"));
	assert_null(strstr(err.msg, "contacts"));
}

static int same_report(const struct store_copy_report *a, const struct store_copy_report *b)
{
	size_t i;
	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (a->t[i].rows_from != b->t[i].rows_from ||
		    strcmp(a->t[i].sum_from, b->t[i].sum_from) != 0)
			return 0;
	return 1;
}

static void test_nonempty_refused(void **state)
{
	struct fx *f = *state;
	struct store_copy_report before, after, rep;
	struct cad_err err;

	/* a target with one suppression only */
	exec_sql(f->to, "INSERT INTO suppressions (pattern, is_domain, kind, created_at)"
			" VALUES ('x.test', 1, 'manual', 1)");
	snapshot(f->to, &before);
	assert_int_equal(store_copy(f->x.st, f->to, &rep, &err), -1);
	assert_non_null(strstr(err.msg, "not empty"));
	assert_non_null(strstr(err.msg, "suppressions"));
	snapshot(f->to, &after);
	assert_true(same_report(&before, &after));
	assert_int_equal(one_int(f->to, "SELECT COUNT(*) FROM users"), 0);
	/* Control: the same store emptied again takes the copy. */
	exec_sql(f->to, "DELETE FROM suppressions");
	ok(store_copy(f->x.st, f->to, &rep, &err), &err);
	/* And a second copy into it is refused. */
	assert_int_equal(store_copy(f->x.st, f->to, &rep, &err), -1);
	assert_non_null(strstr(err.msg, "not empty"));
}

static void test_version_refused(void **state)
{
	struct fx *f = *state;
	struct store_copy_report rep;
	struct cad_err err;
	struct store *old = NULL;
	char path[160];
	int v = store_schema_current() - 1;

	snprintf(path, sizeof(path), "%s/old.db", f->x.dir);
	ok(store_open_version(&old, path, STORE_CREATE, v, &err), &err);
	assert_int_equal(store_schema_version(old), v);
	assert_int_equal(store_copy(f->x.st, old, &rep, &err), -1);
	assert_non_null(strstr(err.msg, "schema version"));
	assert_int_equal(store_schema_version(old), v);
	assert_int_equal(one_int(old, "SELECT COUNT(*) FROM users"), 0);
	assert_int_equal(one_int(old, "SELECT MAX(version) FROM schema_version"), v);
	/* and the other way round: an old source */
	assert_int_equal(store_copy(old, f->to, &rep, &err), -1);
	assert_non_null(strstr(err.msg, "schema version"));
	assert_int_equal(one_int(f->to, "SELECT COUNT(*) FROM users"), 0);
	store_close(old);
}

/* The list in store_copy.c knows every table and column of a store made
 * by this build's migrations; controls: an extra table, an extra column. */
static void test_schema_known(void **state)
{
	struct fx *f = *state;
	struct store_copy_report rep;
	struct cad_err err;

	ok(store_copy_check_schema(f->x.st, &err), &err);
	ok(store_copy_check_schema(f->to, &err), &err);

	exec_sql(f->to, "CREATE TABLE future_things (id INTEGER PRIMARY KEY, x TEXT)");
	assert_int_equal(store_copy_check_schema(f->to, &err), -1);
	assert_non_null(strstr(err.msg, "future_things"));
	assert_int_equal(store_copy(f->x.st, f->to, &rep, &err), -1);
	assert_non_null(strstr(err.msg, "future_things"));
	exec_sql(f->to, "DROP TABLE future_things");
	ok(store_copy_check_schema(f->to, &err), &err);

	exec_sql(f->to, "ALTER TABLE contacts ADD COLUMN title TEXT");
	assert_int_equal(store_copy_check_schema(f->to, &err), -1);
	assert_non_null(strstr(err.msg, "contacts"));
	assert_non_null(strstr(err.msg, "title"));
	exec_sql(f->x.st, "ALTER TABLE contacts ADD COLUMN title TEXT");
	assert_int_equal(store_copy(f->x.st, f->to, &rep, &err), -1);
	assert_int_equal(one_int(f->to, "SELECT COUNT(*) FROM users"), 0);
}

/* SQLite to PostgreSQL when CADENCE_TEST_PG_TARGET names an empty-able
 * database (tests/migrate/test_migrate.sh starts one): the copy verifies,
 * the trigger added nothing, and the identity sequences continue after
 * the copied ids (the backend's ids_continue()). Skipped otherwise. */
static void test_to_pg(void **state)
{
	struct fx *f = *state;
	const char *pg = getenv("CADENCE_TEST_PG_TARGET");
#ifdef HAVE_LIBPQ
	struct store_copy_report rep;
	struct cad_err err;
	struct store *to = NULL;
	struct user u;
	struct event ev;
	void *conn;
	int64_t max_ev, outbox;

	if (pg == NULL || *pg == '\0')
		skip();
	ok(store_drv_pg.open(&conn, pg, 0, &err), &err);
	ok(store_drv_pg.exec(conn, "DROP SCHEMA public CASCADE; CREATE SCHEMA public", &err),
	   &err);
	store_drv_pg.close(conn);
	ok(store_open(&to, pg, STORE_CREATE, &err), &err);
	ok(store_copy_check_schema(to, &err), &err);
	outbox = one_int(f->x.st, "SELECT COUNT(*) FROM webhook_outbox");
	ok(store_copy(f->x.st, to, &rep, &err), &err);
	assert_int_equal(rep.verified, 1);
	assert_int_equal(one_int(to, "SELECT COUNT(*) FROM webhook_outbox"), outbox);
	ok(store_copy_verify(f->x.st, to, &rep, &err), &err);
	/* a second copy is refused */
	assert_int_equal(store_copy(f->x.st, to, &rep, &err), -1);
	assert_non_null(strstr(err.msg, "not empty"));
	/* ids continue after the copied ones */
	memset(&u, 0, sizeof(u));
	u.email = (char *)"new@corp.test";
	u.active = 1;
	u.send_cap_24h = 10;
	u.enroll_cap_day = 10;
	ok(store_user_add(to, &u, ACT, T0 + 1000, &err), &err);
	assert_int_equal(u.id, f->max_user + 1);
	max_ev = one_int(to, "SELECT MAX(id) FROM events");
	outbox = one_int(to, "SELECT COUNT(*) FROM webhook_outbox");
	memset(&ev, 0, sizeof(ev));
	ev.at = T0 + 1001;
	ev.type = (char *)"note";
	ev.actor = (char *)ACT;
	ok(store_event_add(to, &ev, &err), &err);
	assert_true(one_int(to, "SELECT MAX(id) FROM events") > max_ev);
	assert_int_equal(one_int(to, "SELECT COUNT(*) FROM webhook_outbox"), outbox + 1);
	/* Control: with the users' sequence back at 1 (no ids_continue), a
	 * new rep collides with a copied one. */
	exec_sql(to, "SELECT setval(pg_get_serial_sequence('users', 'id'), 1, false)");
	memset(&u, 0, sizeof(u));
	u.email = (char *)"newer@corp.test";
	u.active = 1;
	u.send_cap_24h = 10;
	u.enroll_cap_day = 10;
	assert_int_equal(store_user_add(to, &u, ACT, T0 + 1002, &err), -1);
	store_close(to);
#else
	(void)f;
	(void)pg;
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_copy_equal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fresh_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonempty_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_known, setup, teardown),
		cmocka_unit_test_setup_teardown(test_to_pg, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
