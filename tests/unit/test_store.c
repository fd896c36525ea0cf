/* SPDX-License-Identifier: BSD-2-Clause */
/* test_store.c - unit tests for the store's foundation: opening (fresh,
 * read-only, missing), schema migrations (a v1 and a v2 file with data
 * upgraded; a failed step rolled back whole; a newer file refused and left
 * unchanged; a file that is not a store) and transactions. Every test
 * runs against a fresh store (store_fixture.h), removed afterwards. */
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
#include "store_fixture.h"
#include "store_holiday.h"
#include "store_int.h"
#include "store_notice.h"

#define T0 SFX_T0   /* 2026-11-18T..Z, an arbitrary fixed "now" */

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
		sfx_user_in(f->st, "rw@rep.test");
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
	sfx_user_in(st, "old@rep.test");
	sfx_fill_seq(&q, "Old – Seq – Team", 3);
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
	rep = sfx_user_in(st, "v2@rep.test");
	other = sfx_user_in(st, "other@rep.test");
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
	sfx_user_in(st, "old@rep.test");
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
	sfx_user_in(f->st, "a@rep.test");
	assert_int_equal(store_begin(f->st, &err), 0);
	sfx_user_in(f->st, "b@rep.test");
	store_rollback(f->st);
	/* The inner rollback dooms the outer transaction. */
	assert_int_equal(store_commit(f->st, &err), -1);
	assert_non_null(strstr(err.msg, "rolled back"));
	assert_int_equal(store_user_get(f->st, "a@rep.test", &u, &err), STORE_NOTFOUND);
	assert_int_equal(store_user_get(f->st, "b@rep.test", &u, &err), STORE_NOTFOUND);
	/* And the next transaction is a fresh one. */
	assert_int_equal(store_begin(f->st, &err), 0);
	sfx_user_in(f->st, "c@rep.test");
	assert_int_equal(store_commit(f->st, &err), 0);
	assert_int_equal(store_user_get(f->st, "c@rep.test", &u, &err), 0);
	user_free(&u);
	assert_int_equal(store_commit(f->st, &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SFX_TEST(test_open_fresh),
		SFX_TEST(test_open_missing),
		SFX_TEST(test_migrate_v1_with_data),
		SFX_TEST(test_migrate_v2_notices),
		SFX_TEST(test_migrate_failure_atomic),
		SFX_TEST(test_newer_refused_unchanged),
		SFX_TEST(test_not_a_store),
		SFX_TEST(test_tx_nested_rollback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
