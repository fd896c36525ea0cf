/* SPDX-License-Identifier: BSD-2-Clause */
/* test_store.c - unit tests for the store's foundation: opening, schema
 * migrations (a v1 file with data upgraded; a newer file refused and left
 * unchanged), transactions, reps, sequences, contacts, suppressions,
 * holidays and the event filter. Every test runs against a real SQLite
 * file in a fresh mkdtemp directory, removed afterwards. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "holiday.h"
#include "store.h"
#include "store_int.h"
#include "store_fixture.h"
#include "store_holiday.h"
#include "store_notice.h"

#define T0 SFX_T0   /* 2026-11-18T..Z, an arbitrary fixed "now" */

static int setup(void **state)
{
	struct sfx *f = sfx_open("store");
	*state = f;
	return f ? 0 : -1;
}

static int teardown(void **state)
{
	sfx_close(*state);
	return 0;
}

static int64_t add_user(struct store *st, const char *email)
{
	struct user u;
	struct cad_err err;
	memset(&u, 0, sizeof(u));
	u.email = (char *)email;
	u.name = (char *)"Ada Lovelace";
	u.tz = (char *)"Europe/London";
	u.send_cap_24h = USER_DEFAULT_SEND_CAP;
	u.enroll_cap_day = USER_DEFAULT_ENROLL_CAP;
	u.active = 1;
	assert_int_equal(store_user_add(st, &u, "cli:test", T0, &err), 0);
	assert_true(u.id > 0);
	return u.id;
}

static void fill_seq(struct sequence *q, const char *name, size_t nsteps)
{
	size_t i;
	memset(q, 0, sizeof(*q));
	q->name = xstrdup(name);
	q->owner = xstrdup("sales-team");
	q->days = SEQ_DAYS_BUSINESS;
	q->window_start = 480;
	q->window_end = 1080;
	q->scope = SEQ_SCOPE_COMPANY;
	q->ooo = SEQ_OOO_PAUSE;
	q->unenroll_on_reply = 1;
	q->unenroll_on_meeting = 1;
	q->thread_default = 1;
	q->active = 1;
	q->holidays = xstrdup("us");
	q->steps = xcalloc(nsteps, sizeof(*q->steps));
	q->nsteps = nsteps;
	for (i = 0; i < nsteps; i++) {
		q->steps[i].index = (int)i + 1;
		q->steps[i].kind = i % 2 ? STEP_CALL : STEP_EMAIL;
		q->steps[i].delay_days = (int)i * 2;
		q->steps[i].wait = 1;
		q->steps[i].line = 10 + (int)i * 5;
		if (q->steps[i].kind == STEP_EMAIL) {
			q->steps[i].subject = xasprintf("Hello {{contact.firstname|there}} %zu", i);
			q->steps[i].body = xstrdup("Body\n{{sender.signature}}\n");
		} else {
			q->steps[i].body = xstrdup("Call them");
		}
	}
}

/* ---- opening and migrations ---- */

static void test_open_fresh(void **state)
{
	struct sfx *f = *state;
	struct store *st2;
	struct cad_err err;
	assert_int_equal(store_schema_version(f->st), store_schema_current());
	assert_true(store_schema_current() >= 2);
	/* Reopening a current file changes nothing; read-only works too. */
	assert_int_equal(store_open(&st2, f->path, STORE_READONLY, &err), 0);
	assert_int_equal(store_schema_version(st2), store_schema_current());
	{
		/* A read-only handle reads and refuses to write. */
		struct user u, *list;
		size_t n;
		add_user(f->st, "rw@rep.test");
		assert_int_equal(store_user_list(st2, &list, &n, &err), 0);
		assert_int_equal(n, 1);
		store_users_free(list, n);
		memset(&u, 0, sizeof(u));
		u.email = (char *)"ro@rep.test";
		assert_int_equal(store_user_add(st2, &u, "cli:test", T0, &err), -1);
		/* SQLite: "readonly database"; PostgreSQL: "read-only transaction" */
		assert_true(strstr(err.msg, "readonly") != NULL ||
			    strstr(err.msg, "read-only") != NULL);
	}
	store_close(st2);
}

static void test_open_missing(void **state)
{
	struct sfx *f = *state;
	struct store *st2;
	struct cad_err err;
	char p[128];
	snprintf(p, sizeof(p), "%s/nothere.db", f->dir);
	assert_int_equal(store_open(&st2, p, 0, &err), -1);
	assert_null(st2);
	assert_non_null(strstr(err.msg, "nothere.db"));
	assert_non_null(strstr(err.msg, "cadencectl init"));
	assert_int_equal(access(p, F_OK), -1);
}

static void test_migrate_v1_with_data(void **state)
{
	struct sfx *f = *state;
	struct store *st;
	struct cad_err err;
	struct sequence q, got;
	struct contact c;
	struct user u;
	struct holiday_list hl;
	char p[128];
	int created;

	snprintf(p, sizeof(p), "%s/old.db", f->dir);
	/* A version 1 file, with reps, a sequence and a contact in it. */
	assert_int_equal(store_open_version(&st, p, STORE_CREATE, 1, &err), 0);
	assert_int_equal(store_schema_version(st), 1);
	add_user(st, "old@rep.test");
	fill_seq(&q, "Old – Seq – Team", 3);
	assert_int_equal(store_sequence_import(st, &q, "cli:test", T0, &err), 0);
	sequence_free(&q);
	memset(&c, 0, sizeof(c));
	c.email = xstrdup("ann@acme.test");
	c.firstname = xstrdup("Ann");
	contact_set_prop(&c, "title", "CTO");
	assert_int_equal(store_contact_upsert(st, &c, T0, &created, &err), 0);
	contact_free(&c);
	/* v1 has no holidays table. */
	holiday_list_init(&hl);
	holiday_list_add(&hl, "us", "2026-07-04", "Independence Day");
	assert_int_equal(store_holidays_replace(st, "us", &hl, "cli:test", T0, &err), -1);
	store_close(st);

	/* Opening with this build upgrades it in place. */
	assert_int_equal(store_open(&st, p, 0, &err), 0);
	assert_int_equal(store_schema_version(st), store_schema_current());
	assert_int_equal(store_user_get(st, "old@rep.test", &u, &err), 0);
	assert_string_equal(u.name, "Ada Lovelace");
	user_free(&u);
	assert_int_equal(store_sequence_get(st, "Old – Seq – Team", &got, &err), 0);
	assert_int_equal(got.nsteps, 3);
	sequence_free(&got);
	assert_int_equal(store_contact_get(st, "ann@acme.test", &c, &err), 0);
	assert_string_equal(contact_prop(&c, "title"), "CTO");
	contact_free(&c);
	assert_int_equal(store_holidays_replace(st, "us", &hl, "cli:test", T0, &err), 0);
	holiday_list_free(&hl);
	assert_int_equal(store_holidays_get(st, "us", &hl, &err), 0);
	assert_int_equal(hl.n, 1);
	assert_string_equal(hl.v[0].date, "2026-07-04");
	holiday_list_free(&hl);
	store_close(st);

	/* Once more: already current, nothing to do. */
	assert_int_equal(store_open(&st, p, 0, &err), 0);
	assert_int_equal(store_schema_version(st), store_schema_current());
	store_close(st);
}

/* A version 2 file (before notices) upgrades to the current version, and
 * the notices the upgrade added work: added, listed pending, marked sent
 * once; the digest query sees the reps with the digest on and their last
 * digest. */
static void test_migrate_v2_notices(void **state)
{
	struct sfx *f = *state;
	struct store *st;
	struct cad_err err;
	struct notice *v;
	struct digest_rep *d;
	struct user u;
	size_t n;
	int64_t rep, other, id1, id2;
	char p[128];

	snprintf(p, sizeof(p), "%s/v2.db", f->dir);
	assert_int_equal(store_open_version(&st, p, STORE_CREATE, 2, &err), 0);
	assert_int_equal(store_schema_version(st), 2);
	rep = add_user(st, "v2@rep.test");
	other = add_user(st, "other@rep.test");
	/* v2 has no notices table. */
	assert_int_equal(store_notice_add(st, rep, NOTICE_ENROLL_REFUSED, "s", "b", T0, NULL,
					  &err), -1);
	store_close(st);

	assert_int_equal(store_open(&st, p, 0, &err), 0);
	assert_int_equal(store_schema_version(st), store_schema_current());
	assert_true(store_schema_current() >= 3);
	assert_int_equal(store_notice_add(st, rep, NOTICE_ENROLL_REFUSED,
					  "cadence: could not enroll a@b.test in X",
					  "already enrolled", T0, &id1, &err), 0);
	assert_int_equal(store_notice_add(st, other, NOTICE_DIGEST, "digest", "tasks", T0 + 1,
					  &id2, &err), 0);
	assert_int_equal(store_notice_add(st, rep, NOTICE_DIGEST, "x", NULL, T0, NULL, &err), -1);
	assert_int_equal(store_notices_pending(st, 10, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].id, id1);
	assert_int_equal(v[0].kind, NOTICE_ENROLL_REFUSED);
	assert_string_equal(v[0].user_email, "v2@rep.test");
	assert_string_equal(v[0].user_name, "Ada Lovelace");
	assert_string_equal(v[0].body, "already enrolled");
	assert_int_equal(v[0].sent_at, 0);
	assert_int_equal(v[1].kind, NOTICE_DIGEST);
	store_notices_free(v, n);
	assert_int_equal(store_notices_pending(st, 1, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	store_notices_free(v, n);
	assert_int_equal(store_notice_sent(st, id1, "250 2.0.0 Ok", T0 + 5, &err), 0);
	assert_int_equal(store_notices_pending(st, 10, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].id, id2);
	store_notices_free(v, n);

	/* Digest: only reps with it on; the last digest's time. */
	assert_int_equal(store_digest_due(st, &d, &n, &err), 0);
	assert_int_equal(n, 0);
	store_digest_reps_free(d, n);
	assert_int_equal(store_user_get(st, "other@rep.test", &u, &err), 0);
	u.digest = 1;
	assert_int_equal(store_user_update(st, &u, "cli:test", T0 + 2, &err), 0);
	user_free(&u);
	assert_int_equal(store_digest_due(st, &d, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(d[0].user.id, other);
	assert_int_equal(d[0].last_digest, T0 + 1);
	store_digest_reps_free(d, n);
	store_close(st);
}

/* A migration that fails half-way leaves the file at its old version. */
static void test_migrate_failure_atomic(void **state)
{
	struct sfx *f = *state;
	struct store *st;
	struct cad_err err;
	struct user u;
	sqlite3 *db;
	sqlite3_stmt *s;
	char p[128];
	if (sfx_pg()) {
		print_message("skipped on PostgreSQL: writes a SQLite file with sqlite3_*\n");
		skip();
	}

	snprintf(p, sizeof(p), "%s/old.db", f->dir);
	assert_int_equal(store_open_version(&st, p, STORE_CREATE, 1, &err), 0);
	add_user(st, "old@rep.test");
	store_close(st);
	/* Something in the way of version 2's second statement. */
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE INDEX sent_messages_state ON users (email)",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(store_open(&st, p, 0, &err), -1);
	assert_non_null(strstr(err.msg, "upgrading"));
	assert_non_null(strstr(err.msg, "version 2"));
	/* Still version 1, no holidays table, data intact. */
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM sqlite_master"
					    " WHERE name = 'holidays'", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 0);
	sqlite3_finalize(s);
	assert_int_equal(sqlite3_exec(db, "DROP INDEX sent_messages_state", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open_version(&st, p, 0, 1, &err), 0);
	assert_int_equal(store_schema_version(st), 1);
	store_close(st);
	/* With the obstacle gone, the upgrade goes through. */
	assert_int_equal(store_open(&st, p, 0, &err), 0);
	assert_int_equal(store_schema_version(st), store_schema_current());
	assert_int_equal(store_user_get(st, "old@rep.test", &u, &err), 0);
	user_free(&u);
	store_close(st);
}

static unsigned char *slurp(const char *p, size_t *len)
{
	FILE *fp = fopen(p, "rb");
	unsigned char *b;
	long sz;
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	sz = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	b = malloc((size_t)sz + 1);
	assert_int_equal(fread(b, 1, (size_t)sz, fp), (size_t)sz);
	fclose(fp);
	*len = (size_t)sz;
	return b;
}

static void test_newer_refused_unchanged(void **state)
{
	struct sfx *f = *state;
	struct store *st;
	struct cad_err err;
	sqlite3 *db;
	unsigned char *before, *after;
	size_t lb, la;
	char p[128], want[64];
	if (sfx_pg()) {
		print_message("skipped on PostgreSQL: writes a SQLite file with sqlite3_*\n");
		skip();
	}

	/* A file written by a future cadence (schema version 99), in the
	 * rollback-journal mode a fresh SQLite file has. */
	snprintf(p, sizeof(p), "%s/new.db", f->dir);
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "CREATE TABLE schema_version (version INTEGER PRIMARY KEY,"
				      " applied_at TEXT);"
				      "INSERT INTO schema_version (version) VALUES (1), (2), (99);",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	before = slurp(p, &lb);

	assert_int_equal(store_open(&st, p, 0, &err), -1);
	assert_null(st);
	assert_non_null(strstr(err.msg, "99"));
	snprintf(want, sizeof(want), "version %d", store_schema_current());
	assert_non_null(strstr(err.msg, want));
	assert_non_null(strstr(err.msg, "newer"));
	after = slurp(p, &la);
	assert_int_equal(la, lb);
	assert_memory_equal(before, after, lb);
	free(before);
	free(after);
}

static void test_not_a_store(void **state)
{
	struct sfx *f = *state;
	struct store *st;
	struct cad_err err;
	sqlite3 *db;
	char p[128];
	if (sfx_pg()) {
		print_message("skipped on PostgreSQL: writes a SQLite file with sqlite3_*\n");
		skip();
	}
	snprintf(p, sizeof(p), "%s/new.db", f->dir);
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE x (y INTEGER)", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(&st, p, 0, &err), -1);
	assert_non_null(strstr(err.msg, "not a cadence store"));
}

/* ---- transactions ---- */

static void test_tx_nested_rollback(void **state)
{
	struct sfx *f = *state;
	struct cad_err err;
	struct user u;
	assert_int_equal(store_begin(f->st, &err), 0);
	add_user(f->st, "a@rep.test");
	assert_int_equal(store_begin(f->st, &err), 0);
	add_user(f->st, "b@rep.test");
	store_rollback(f->st);
	/* The inner rollback dooms the outer transaction. */
	assert_int_equal(store_commit(f->st, &err), -1);
	assert_non_null(strstr(err.msg, "rolled back"));
	assert_int_equal(store_user_get(f->st, "a@rep.test", &u, &err), STORE_NOTFOUND);
	assert_int_equal(store_user_get(f->st, "b@rep.test", &u, &err), STORE_NOTFOUND);
	/* And the next transaction is a fresh one. */
	assert_int_equal(store_begin(f->st, &err), 0);
	add_user(f->st, "c@rep.test");
	assert_int_equal(store_commit(f->st, &err), 0);
	assert_int_equal(store_user_get(f->st, "c@rep.test", &u, &err), 0);
	user_free(&u);
	assert_int_equal(store_commit(f->st, &err), -1);
}

/* ---- reps ---- */

static void test_user_crud(void **state)
{
	struct sfx *f = *state;
	struct cad_err err;
	struct user u, *list;
	struct event *ev;
	struct event_filter ef;
	size_t n;
	int64_t id = add_user(f->st, "Rep@Example.TEST");

	assert_int_equal(store_user_get(f->st, "rep@example.test", &u, &err), 0);
	assert_int_equal(u.id, id);
	assert_string_equal(u.email, "rep@example.test");
	assert_int_equal(u.send_cap_24h, 500);
	assert_int_equal(u.enroll_cap_day, 80);
	assert_int_equal(u.active, 1);
	assert_int_equal(u.created_at, T0);

	/* Duplicate. */
	{
		struct user d, d2;
		memset(&d, 0, sizeof(d));
		d.email = (char *)"REP@example.test";
		d.active = 1;
		assert_int_equal(store_user_add(f->st, &d, "cli:test", T0, &err), -1);
		assert_non_null(strstr(err.msg, "already exists"));
		d.email = (char *)"not-an-address";
		assert_int_equal(store_user_add(f->st, &d, "cli:test", T0, &err), -1);
		assert_non_null(strstr(err.msg, "not a valid address"));
		/* The name becomes a From: display name: one line of UTF-8
		 * without control characters, or the rep is refused. */
		d.email = (char *)"new@example.test";
		d.name = (char *)"Ada\nBcc: x@evil.test";
		assert_int_equal(store_user_add(f->st, &d, "cli:test", T0, &err), -1);
		assert_non_null(strstr(err.msg, "name contains a line break"));
		d.name = (char *)"Ada \033[31mred";
		assert_int_equal(store_user_add(f->st, &d, "cli:test", T0, &err), -1);
		assert_non_null(strstr(err.msg, "name contains a control character"));
		d.name = (char *)"Ada \xff";
		assert_int_equal(store_user_add(f->st, &d, "cli:test", T0, &err), -1);
		assert_non_null(strstr(err.msg, "name is not valid UTF-8"));
		d.name = (char *)"Ada";
		d.meeting_link = (char *)"https://cal.test/ada\r\n";
		assert_int_equal(store_user_add(f->st, &d, "cli:test", T0, &err), -1);
		assert_non_null(strstr(err.msg, "meeting link contains a line break"));
		assert_int_equal(store_user_get(f->st, "new@example.test", &d2, &err),
				 STORE_NOTFOUND);
	}

	/* Update. */
	free(u.signature);
	u.signature = xstrdup("-- \nAda");
	u.enroll_cap_day = 5;
	assert_int_equal(store_user_update(f->st, &u, "cli:test", T0 + 1, &err), 0);
	user_free(&u);
	assert_int_equal(store_user_get_id(f->st, id, &u, &err), 0);
	assert_string_equal(u.signature, "-- \nAda");
	assert_int_equal(u.enroll_cap_day, 5);
	/* An update to an address in use is refused. */
	add_user(f->st, "other@example.test");
	free(u.email);
	u.email = xstrdup("other@example.test");
	assert_int_equal(store_user_update(f->st, &u, "cli:test", T0 + 2, &err), -1);
	assert_non_null(strstr(err.msg, "already in use"));
	u.id = 9999;
	assert_int_equal(store_user_update(f->st, &u, "cli:test", T0 + 2, &err), STORE_NOTFOUND);
	user_free(&u);

	assert_int_equal(store_user_get(f->st, "nobody@example.test", &u, &err), STORE_NOTFOUND);
	assert_non_null(strstr(err.msg, "nobody@example.test"));
	assert_int_equal(store_user_get_id(f->st, 4242, &u, &err), STORE_NOTFOUND);

	assert_int_equal(store_user_list(f->st, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].email, "other@example.test");
	store_users_free(list, n);

	memset(&ef, 0, sizeof(ef));
	ef.type = EV_USER_ADDED;
	assert_int_equal(store_events(f->st, &ef, &ev, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ev[0].user_email, "rep@example.test");
	assert_string_equal(ev[0].actor, "cli:test");
	store_events_free(ev, n);
}

static void test_user_disable_delete(void **state)
{
	struct sfx *f = *state;
	struct cad_err err;
	struct user u, *list;
	size_t n;
	int cnt = -1;
	int64_t id = add_user(f->st, "rep@example.test");

	assert_int_equal(store_user_disable(f->st, "rep@example.test", "cli:test", T0, &cnt, &err),
			 0);
	assert_int_equal(cnt, 0);
	assert_int_equal(store_user_get(f->st, "rep@example.test", &u, &err), 0);
	assert_int_equal(u.active, 0);
	user_free(&u);
	/* A disabled rep still exists: adding it again is refused. */
	memset(&u, 0, sizeof(u));
	u.email = (char *)"rep@example.test";
	assert_int_equal(store_user_add(f->st, &u, "cli:test", T0, &err), -1);

	assert_int_equal(store_user_delete(f->st, "rep@example.test", "cli:test", T0, &cnt, &err),
			 0);
	assert_int_equal(store_user_get(f->st, "rep@example.test", &u, &err), STORE_NOTFOUND);
	assert_int_equal(store_user_list(f->st, &list, &n, &err), 0);
	assert_int_equal(n, 0);
	free(list);
	/* The row stays for the audit trail... */
	assert_int_equal(store_user_get_id(f->st, id, &u, &err), 0);
	assert_string_equal(u.email, "rep@example.test");
	user_free(&u);
	/* ...and adding the address again brings it back, same id. */
	assert_int_equal(add_user(f->st, "rep@example.test"), id);
	assert_int_equal(store_user_disable(f->st, "ghost@example.test", "cli:test", T0, &cnt,
					    &err), STORE_NOTFOUND);
	assert_non_null(strstr(err.msg, "ghost@example.test"));
	assert_int_equal(store_user_delete(f->st, "ghost@example.test", "cli:test", T0, &cnt,
					   &err), STORE_NOTFOUND);
}

/* ---- sequences ---- */

static void test_seq_import_get_list(void **state)
{
	struct sfx *f = *state;
	struct cad_err err;
	struct sequence q, got, *list;
	char idbuf[32];
	size_t n;

	fill_seq(&q, "Cold – Outbound – Sales", 4);
	q.description = xstrdup("8 touches");
	assert_int_equal(store_sequence_import(f->st, &q, "cli:test", T0, &err), 0);
	assert_true(q.id > 0);

	assert_int_equal(store_sequence_get(f->st, "Cold – Outbound – Sales", &got, &err), 0);
	assert_int_equal(got.id, q.id);
	assert_int_equal(got.nsteps, 4);
	assert_int_equal(got.steps[0].index, 1);
	assert_int_equal(got.steps[0].kind, STEP_EMAIL);
	assert_int_equal(got.steps[1].kind, STEP_CALL);
	assert_int_equal(got.steps[3].delay_days, 6);
	assert_string_equal(got.steps[0].subject, "Hello {{contact.firstname|there}} 0");
	assert_int_equal(got.scope, SEQ_SCOPE_COMPANY);
	assert_int_equal(got.ooo, SEQ_OOO_PAUSE);
	assert_int_equal(got.window_start, 480);
	assert_int_equal(got.window_end, 1080);
	assert_string_equal(got.holidays, "us");
	assert_string_equal(got.description, "8 touches");
	sequence_free(&got);

	/* By decimal id too. */
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)q.id);
	assert_int_equal(store_sequence_get(f->st, idbuf, &got, &err), 0);
	assert_int_equal(got.id, q.id);
	sequence_free(&got);

	/* Re-import replaces steps, keeps the id. */
	sequence_free(&q);
	fill_seq(&q, "Cold – Outbound – Sales", 2);
	q.days = SEQ_DAYS_EVERY;
	assert_int_equal(store_sequence_import(f->st, &q, "cli:test", T0 + 5, &err), 0);
	assert_int_equal(store_sequence_get_id(f->st, q.id, &got, &err), 0);
	assert_int_equal(got.nsteps, 2);
	assert_int_equal(got.days, SEQ_DAYS_EVERY);
	assert_int_equal(got.updated_at, T0 + 5);
	assert_int_equal(got.created_at, T0);
	sequence_free(&got);
	sequence_free(&q);

	fill_seq(&q, "Another", 1);
	assert_int_equal(store_sequence_import(f->st, &q, "cli:test", T0, &err), 0);
	sequence_free(&q);
	assert_int_equal(store_sequence_list(f->st, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].name, "Another");
	assert_int_equal(list[0].nsteps, 1);
	assert_null(list[0].steps);
	assert_int_equal(list[1].nsteps, 2);
	store_sequences_free(list, n);

	assert_int_equal(store_sequence_get(f->st, "Nope", &got, &err), STORE_NOTFOUND);
	assert_non_null(strstr(err.msg, "Nope"));
	assert_int_equal(store_sequence_get_id(f->st, 777, &got, &err), STORE_NOTFOUND);
}

static void test_seq_import_atomic(void **state)
{
	struct sfx *f = *state;
	struct cad_err err;
	struct sequence q, got, *list;
	struct event *ev;
	size_t n;

	/* The second step is refused by the store: nothing may remain. */
	fill_seq(&q, "Broken", 3);
	q.source = xstrdup("broken.seq");
	q.steps[1].delay_days = -1;
	assert_int_equal(store_sequence_import(f->st, &q, "cli:test", T0, &err), -1);
	assert_non_null(strstr(err.msg, "broken.seq:15: step 2"));
	assert_int_equal(q.id, 0);
	assert_int_equal(store_sequence_get(f->st, "Broken", &got, &err), STORE_NOTFOUND);
	assert_int_equal(store_sequence_list(f->st, &list, &n, &err), 0);
	assert_int_equal(n, 0);
	store_sequences_free(list, n);
	assert_int_equal(store_events(f->st, NULL, &ev, &n, &err), 0);
	assert_int_equal(n, 0);
	store_events_free(ev, n);
	sequence_free(&q);

	/* A failing re-import leaves the old version whole. */
	fill_seq(&q, "Good", 3);
	assert_int_equal(store_sequence_import(f->st, &q, "cli:test", T0, &err), 0);
	sequence_free(&q);
	fill_seq(&q, "Good", 5);
	q.steps[4].delay_minutes = -3;
	assert_int_equal(store_sequence_import(f->st, &q, "cli:test", T0, &err), -1);
	sequence_free(&q);
	assert_int_equal(store_sequence_get(f->st, "Good", &got, &err), 0);
	assert_int_equal(got.nsteps, 3);
	sequence_free(&got);
}

/* ---- contacts ---- */

static void test_contact_upsert_get(void **state)
{
	struct sfx *f = *state;
	struct cad_err err;
	struct contact c, got;
	int created = -1;
	int64_t *ids;
	size_t n;

	memset(&c, 0, sizeof(c));
	c.email = xstrdup("Ann@Acme.TEST");
	c.firstname = xstrdup("Ann");
	c.company = xstrdup("Acme");
	contact_set_prop(&c, "Title", "CTO");
	contact_set_prop(&c, "city", "Zürich");
	assert_int_equal(store_contact_upsert(f->st, &c, T0, &created, &err), 0);
	assert_int_equal(created, 1);
	contact_free(&c);

	/* Update: given fields replace, absent ones stay, props merge. */
	memset(&c, 0, sizeof(c));
	c.email = xstrdup("ann@acme.test");
	c.lastname = xstrdup("Archer");
	contact_set_prop(&c, "title", "CEO");
	c.aliases = xcalloc(1, sizeof(char *));
	c.aliases[0] = xstrdup("Ann.Archer@Acme.test");
	c.naliases = 1;
	assert_int_equal(store_contact_upsert(f->st, &c, T0 + 1, &created, &err), 0);
	assert_int_equal(created, 0);
	contact_free(&c);

	assert_int_equal(store_contact_get(f->st, "ANN@acme.test", &got, &err), 0);
	assert_string_equal(got.email, "ann@acme.test");
	assert_string_equal(got.firstname, "Ann");
	assert_string_equal(got.lastname, "Archer");
	assert_string_equal(got.company, "Acme");
	assert_string_equal(contact_prop(&got, "title"), "CEO");
	assert_string_equal(contact_prop(&got, "city"), "Zürich");
	assert_int_equal(got.naliases, 1);
	assert_string_equal(got.aliases[0], "ann.archer@acme.test");
	contact_free(&got);

	/* By alias; an upsert of the alias updates the same person. */
	memset(&c, 0, sizeof(c));
	c.email = xstrdup("Ann.Archer@acme.test");
	c.company = xstrdup("Acme Inc.");
	assert_int_equal(store_contact_upsert(f->st, &c, T0 + 2, &created, &err), 0);
	assert_int_equal(created, 0);
	contact_free(&c);
	assert_int_equal(store_contact_get(f->st, "ann.archer@acme.test", &got, &err), 0);
	assert_string_equal(got.email, "ann@acme.test");
	assert_string_equal(got.company, "Acme Inc.");
	/* An alias cannot belong to two contacts. */
	memset(&c, 0, sizeof(c));
	c.email = xstrdup("bob@sub.acme.test");
	assert_int_equal(store_contact_upsert(f->st, &c, T0, &created, &err), 0);
	assert_int_equal(store_contact_add_alias(f->st, c.id, "ann.archer@acme.test", &err), -1);
	assert_non_null(strstr(err.msg, "another contact"));
	assert_int_equal(store_contact_add_alias(f->st, c.id, "ann@acme.test", &err), -1);
	assert_int_equal(store_contact_add_alias(f->st, c.id, "robert@acme.test", &err), 0);
	assert_int_equal(store_contact_add_alias(f->st, c.id, "robert@acme.test", &err), 0);
	assert_int_equal(store_contact_add_alias(f->st, 999, "x@acme.test", &err), STORE_NOTFOUND);
	assert_int_equal(store_contact_add_alias(f->st, c.id, "junk", &err), -1);
	contact_free(&c);

	/* The company's domain includes its subdomains, not look-alikes. */
	memset(&c, 0, sizeof(c));
	c.email = xstrdup("eve@notacme.test");
	assert_int_equal(store_contact_upsert(f->st, &c, T0, &created, &err), 0);
	contact_free(&c);
	assert_int_equal(store_contacts_at_domain(f->st, "ACME.test", &ids, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], got.id);
	free(ids);
	contact_free(&got);

	assert_int_equal(store_contact_get(f->st, "nobody@acme.test", &got, &err), STORE_NOTFOUND);
	assert_non_null(strstr(err.msg, "nobody@acme.test"));
	assert_int_equal(store_contact_get_id(f->st, 555, &got, &err), STORE_NOTFOUND);
	memset(&c, 0, sizeof(c));
	c.email = xstrdup("no at sign");
	assert_int_equal(store_contact_upsert(f->st, &c, T0, &created, &err), -1);
	contact_free(&c);
}

/* ---- suppression ---- */

static void add_supp(struct store *st, const char *pattern, enum supp_kind k)
{
	struct suppression s;
	struct cad_err err;
	memset(&s, 0, sizeof(s));
	s.pattern = (char *)pattern;
	s.kind = k;
	assert_int_equal(store_suppress_add(st, &s, "cli:test", T0, &err), 0);
	assert_true(s.id > 0);
}

static void test_suppression(void **state)
{
	struct sfx *f = *state;
	struct cad_err err;
	struct suppression m, *list, s;
	size_t n;

	add_supp(f->st, "Ann@Acme.test", SUPP_UNSUBSCRIBED);
	add_supp(f->st, "competitor.test", SUPP_COMPETITOR);
	add_supp(f->st, "@customer.test", SUPP_CUSTOMER);

	assert_int_equal(store_suppressed(f->st, "ANN@acme.test", &m, &err), 1);
	assert_string_equal(m.pattern, "ann@acme.test");
	assert_int_equal(m.is_domain, 0);
	assert_int_equal(m.kind, SUPP_UNSUBSCRIBED);
	suppression_free(&m);
	assert_int_equal(store_suppressed(f->st, "bob@acme.test", &m, &err), 0);
	assert_int_equal(store_suppressed(f->st, "x@competitor.test", &m, &err), 1);
	assert_string_equal(m.pattern, "competitor.test");
	assert_int_equal(m.is_domain, 1);
	assert_int_equal(m.kind, SUPP_COMPETITOR);
	suppression_free(&m);
	/* A parent domain catches subdomains, not look-alikes. */
	assert_int_equal(store_suppressed(f->st, "y@eu.mail.customer.test", &m, &err), 1);
	assert_string_equal(m.pattern, "customer.test");
	suppression_free(&m);
	assert_int_equal(store_suppressed(f->st, "y@notcustomer.test", NULL, &err), 0);
	/* The address entry wins over a domain entry. */
	add_supp(f->st, "boss@competitor.test", SUPP_FORMER_EMPLOYEE);
	assert_int_equal(store_suppressed(f->st, "boss@competitor.test", &m, &err), 1);
	assert_int_equal(m.kind, SUPP_FORMER_EMPLOYEE);
	suppression_free(&m);

	/* Duplicates and junk. */
	memset(&s, 0, sizeof(s));
	s.pattern = (char *)"COMPETITOR.test";
	assert_int_equal(store_suppress_add(f->st, &s, "cli:test", T0, &err), -1);
	assert_non_null(strstr(err.msg, "already suppressed"));
	s.pattern = (char *)"not a domain!";
	assert_int_equal(store_suppress_add(f->st, &s, "cli:test", T0, &err), -1);
	/* The one domain rule (cad_domain_valid) the CLI and the API use too:
	 * no '_', no single label (the store took both before). */
	s.pattern = (char *)"my_host.test";
	assert_int_equal(store_suppress_add(f->st, &s, "cli:test", T0, &err), -1);
	assert_non_null(strstr(err.msg, "neither an address nor a domain"));
	s.pattern = (char *)"localhost";
	assert_int_equal(store_suppress_add(f->st, &s, "cli:test", T0, &err), -1);
	s.pattern = (char *)"a@b.test";
	s.is_domain = 1;
	assert_int_equal(store_suppress_add(f->st, &s, "cli:test", T0, &err), -1);

	assert_int_equal(store_suppress_list(f->st, &list, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(list[0].pattern, "ann@acme.test");
	store_suppressions_free(list, n);

	assert_int_equal(store_suppress_remove(f->st, "competitor.test", "cli:test", T0, &err), 0);
	assert_int_equal(store_suppressed(f->st, "x@competitor.test", NULL, &err), 0);
	assert_int_equal(store_suppress_remove(f->st, "competitor.test", "cli:test", T0, &err),
			 STORE_NOTFOUND);
	assert_non_null(strstr(err.msg, "not suppressed"));

	/* The nearest domain's entry is the one found, as the look-ups one
	 * after the other found it; and a domain of more labels than one
	 * statement takes (8) is still caught by a far parent. */
	add_supp(f->st, "mail.customer.test", SUPP_COMPETITOR);
	assert_int_equal(store_suppressed(f->st, "y@eu.mail.customer.test", &m, &err), 1);
	assert_string_equal(m.pattern, "mail.customer.test");
	assert_int_equal(m.kind, SUPP_COMPETITOR);
	suppression_free(&m);
	assert_int_equal(store_suppressed(f->st, "z@a.b.c.d.e.f.g.h.i.customer.test", &m, &err), 1);
	assert_string_equal(m.pattern, "customer.test");
	suppression_free(&m);
	assert_int_equal(store_suppressed(f->st, "z@a.b.c.d.e.f.g.h.i.j.k.example.test", NULL,
					  &err), 0);
}

/* ---- holidays ---- */

static void test_holidays(void **state)
{
	struct sfx *f = *state;
	struct cad_err err;
	struct holiday_list l, got;
	struct event_filter ef;
	struct event *ev;
	size_t n;

	holiday_list_init(&l);
	holiday_list_add(&l, "de", "2026-12-25", "Weihnachten");
	holiday_list_add(&l, "de", "2026-10-03", "Tag der Deutschen Einheit");
	assert_int_equal(store_holidays_replace(f->st, "de", &l, "cli:test", T0, &err), 0);
	holiday_list_free(&l);
	holiday_list_add(&l, "us", "2026-12-25", "Christmas");
	holiday_list_add(&l, "us", "2026-11-26", "Thanksgiving");
	assert_int_equal(store_holidays_replace(f->st, "us", &l, "cli:test", T0, &err), 0);

	/* Several calendars, merged by date. */
	assert_int_equal(store_holidays_get(f->st, "us, DE", &got, &err), 0);
	assert_int_equal(got.n, 4);
	assert_string_equal(got.v[0].date, "2026-10-03");
	assert_string_equal(got.v[1].date, "2026-11-26");
	assert_string_equal(got.v[2].date, "2026-12-25");
	assert_string_equal(got.v[2].calendar, "de");
	assert_string_equal(got.v[3].calendar, "us");
	holiday_list_free(&got);

	/* A re-import replaces the calendar whole. */
	holiday_list_free(&l);
	holiday_list_add(&l, "us", "2027-01-01", "New Year");
	assert_int_equal(store_holidays_replace(f->st, "us", &l, "cli:test", T0 + 1, &err), 0);
	assert_int_equal(store_holidays_get(f->st, "us", &got, &err), 0);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.v[0].name, "New Year");
	holiday_list_free(&got);

	/* A bad date refuses the import and keeps the old one. */
	holiday_list_add(&l, "us", "2026-02-29", "no such day");
	assert_int_equal(store_holidays_replace(f->st, "us", &l, "cli:test", T0, &err), -1);
	assert_non_null(strstr(err.msg, "2026-02-29"));
	assert_int_equal(store_holidays_replace(f->st, "Bad Name", &l, "cli:test", T0, &err), -1);
	holiday_list_free(&l);
	assert_int_equal(store_holidays_get(f->st, "us", &got, &err), 0);
	assert_int_equal(got.n, 1);
	holiday_list_free(&got);

	/* Unknown and empty calendar lists have no dates. */
	assert_int_equal(store_holidays_get(f->st, "fr", &got, &err), 0);
	assert_int_equal(got.n, 0);
	holiday_list_free(&got);
	assert_int_equal(store_holidays_get(f->st, NULL, &got, &err), 0);
	assert_int_equal(got.n, 0);

	memset(&ef, 0, sizeof(ef));
	ef.type = "holidays_imported";
	assert_int_equal(store_events(f->st, &ef, &ev, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(ev[0].detail, "calendar de: 2 dates");
	store_events_free(ev, n);
}

/* ---- events ---- */

static void test_events_filter(void **state)
{
	struct sfx *f = *state;
	struct cad_err err;
	struct event e, *ev;
	struct event_filter ef;
	size_t n;
	int64_t uid = add_user(f->st, "rep@example.test");

	memset(&e, 0, sizeof(e));
	e.type = (char *)EV_API_CALL;
	e.actor = (char *)"api:k1";
	e.user_id = uid;
	e.detail = (char *)"{\"path\":\"/v1/enroll\"}";
	for (e.at = T0 + 10; e.at < T0 + 15; e.at++)
		assert_int_equal(store_event_add(f->st, &e, &err), 0);
	e.user_id = 0;
	e.type = NULL;
	assert_int_equal(store_event_add(f->st, &e, &err), -1);

	memset(&ef, 0, sizeof(ef));
	ef.type = EV_API_CALL;
	assert_int_equal(store_events(f->st, &ef, &ev, &n, &err), 0);
	assert_int_equal(n, 5);
	assert_int_equal(ev[0].at, T0 + 10);
	assert_string_equal(ev[0].user_email, "rep@example.test");
	assert_string_equal(ev[0].detail, "{\"path\":\"/v1/enroll\"}");
	store_events_free(ev, n);

	/* Time bounds: since inclusive, until exclusive. */
	ef.since = T0 + 11;
	ef.until = T0 + 13;
	assert_int_equal(store_events(f->st, &ef, &ev, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ev[0].at, T0 + 11);
	assert_int_equal(ev[1].at, T0 + 12);
	store_events_free(ev, n);

	/* A limit keeps the newest, oldest first. */
	memset(&ef, 0, sizeof(ef));
	ef.user = "REP@example.test";
	ef.limit = 2;
	assert_int_equal(store_events(f->st, &ef, &ev, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ev[0].at, T0 + 13);
	assert_int_equal(ev[1].at, T0 + 14);
	store_events_free(ev, n);

	memset(&ef, 0, sizeof(ef));
	ef.user = "someone@else.test";
	assert_int_equal(store_events(f->st, &ef, &ev, &n, &err), 0);
	assert_int_equal(n, 0);
	store_events_free(ev, n);
	ef.user = NULL;
	ef.type = EV_USER_ADDED;
	assert_int_equal(store_events(f->st, &ef, &ev, &n, &err), 0);
	assert_int_equal(n, 1);
	store_events_free(ev, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_fresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v1_with_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v2_notices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_failure_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_refused_unchanged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_nested_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_crud, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_disable_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seq_import_get_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seq_import_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contact_upsert_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suppression, setup, teardown),
		cmocka_unit_test_setup_teardown(test_holidays, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_filter, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
