/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_store_pg.c - what only the PostgreSQL backend has to show (issue
 * 17), on the server of tests/store/pg.sh (CADENCE_TEST_DATABASE; every
 * test skips without it):
 *  - a write transaction excludes every other one (the advisory lock), a
 *    read transaction does not wait (the control); a writer waits 10 s at
 *    most, then fails saying so;
 *  - data_version changes when another connection commits a write, and
 *    not after reads only;
 *  - a connection the server dropped is reset once outside a transaction;
 *    inside one the transaction fails, and the next one works;
 *  - no message names the Database value (its password), only host and
 *    database;
 *  - the report's aggregate SQL (written once for both engines) runs and
 *    counts, by sequence, step and rep, with and without a range: on
 *    SQLite too (make check runs this file on SQLite, where the others
 *    skip).
 */
#include "config.h"

#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store_drv.h"
#include "store_fixture.h"
#include "store_report.h"

#define T0 SFX_T0

static int setup(void **state)
{
	*state = sfx_open("pg");
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	sfx_close(*state);
	return 0;
}

#define NEED_PG(f) do { \
	if (sfx_pg() == NULL) { \
		print_message("skipped: CADENCE_TEST_DATABASE is not set (tests/store/pg.sh)\n"); \
		skip(); \
	} \
} while (0)

#ifdef HAVE_LIBPQ
/* Ends every other connection to the test database (the server drops
 * them, as a restart or a network cut would). */
static void kill_others(struct sfx *f)
{
	struct cad_err err;
	void *conn;
	assert_int_equal(store_drv_pg.open(&conn, f->path, 0, &err), 0);
	if (store_drv_pg.exec(conn, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
			      " WHERE datname = current_database() AND pid <> pg_backend_pid()",
			      &err) < 0)
		fail_msg("terminating: %s", err.msg);
	store_drv_pg.close(conn);
	usleep(200 * 1000);   /* the backends exit */
}
#endif

/* A child that opens the store (read-only when ro), begins a transaction
 * and writes one byte to fd once it has it, then ends. */
static pid_t begin_in_child(struct sfx *f, int ro, int fd)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store *st;
		struct cad_err err;
		if (store_open(&st, f->path, ro ? STORE_READONLY : 0, &err) != 0)
			_exit(2);
		if (store_begin(st, &err) != 0)
			_exit(3);
		if (write(fd, "x", 1) != 1)
			_exit(4);
		store_rollback(st);
		store_close(st);
		_exit(0);
	}
	return pid;
}

static int readable_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, ms) == 1;
}

static void wait_child(pid_t pid)
{
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_write_tx_excludes(void **state)
{
	struct sfx *f = *state;
	struct cad_err err;
	int p[2];
	pid_t pid;
	char c;
	NEED_PG(f);

	assert_int_equal(store_begin(f->st, &err), 0);
	/* a second writer waits for the first's commit */
	assert_int_equal(pipe(p), 0);
	pid = begin_in_child(f, 0, p[1]);
	assert_false(readable_within(p[0], 700));
	assert_int_equal(store_commit(f->st, &err), 0);
	assert_true(readable_within(p[0], 10000));
	assert_int_equal(read(p[0], &c, 1), 1);
	wait_child(pid);
	/* the control: a reader does not wait for a writer */
	assert_int_equal(store_begin(f->st, &err), 0);
	pid = begin_in_child(f, 1, p[1]);
	assert_true(readable_within(p[0], 10000));
	assert_int_equal(read(p[0], &c, 1), 1);
	wait_child(pid);
	store_rollback(f->st);
	close(p[0]);
	close(p[1]);
}

/* A writer waits for the lock at most PG_LOCK_TIMEOUT (10 s), then its
 * begin fails and says why (a child reports its error through a pipe). */
static void test_write_lock_bounded(void **state)
{
	struct sfx *f = *state;
	struct cad_err err;
	char buf[512];
	ssize_t got;
	int p[2];
	pid_t pid;
	NEED_PG(f);

	assert_int_equal(store_begin(f->st, &err), 0);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store *st;
		struct cad_err e2;
		if (store_open(&st, f->path, 0, &e2) != 0)
			_exit(2);
		if (store_begin(st, &e2) == 0)
			_exit(3);   /* it should have timed out */
		if (write(p[1], e2.msg, strlen(e2.msg)) < 0)
			_exit(4);
		store_close(st);
		_exit(0);
	}
	close(p[1]);
	assert_true(readable_within(p[0], 30000));
	got = read(p[0], buf, sizeof(buf) - 1);
	assert_true(got > 0);
	buf[got] = '\0';
	print_message("the waiting writer: %s\n", buf);
	assert_non_null(strstr(buf, "lock timeout"));
	assert_null(strstr(buf, "password"));
	wait_child(pid);
	close(p[0]);
	assert_int_equal(store_commit(f->st, &err), 0);
}

static void test_data_version(void **state)
{
	struct sfx *f = *state;
	struct store *other;
	struct cad_err err;
	struct user *list;
	size_t n;
	int64_t v0, v1, v2, v3;
	NEED_PG(f);

	assert_int_equal(store_open(&other, f->path, STORE_READONLY, &err), 0);
	v0 = store_data_version(other, &err);
	assert_true(v0 >= 0);
	sfx_user(f, "rep@us.test", NULL, 500, 80);
	v1 = store_data_version(other, &err);
	assert_true(v1 >= 0);
	assert_true(v1 != v0);
	/* reads only: unchanged */
	assert_int_equal(store_user_list(f->st, &list, &n, &err), 0);
	store_users_free(list, n);
	assert_int_equal(store_user_list(other, &list, &n, &err), 0);
	assert_int_equal(n, 1);
	store_users_free(list, n);
	v2 = store_data_version(other, &err);
	assert_true(v2 == v1);
	/* a write transaction rolled back: unchanged */
	assert_int_equal(store_begin(f->st, &err), 0);
	sfx_contact(f, "ann@them.test", NULL);
	store_rollback(f->st);
	v3 = store_data_version(other, &err);
	assert_true(v3 == v2);
	store_close(other);
}

static void test_reconnect(void **state)
{
	struct sfx *f = *state;
	struct cad_err err;
	struct user *list;
	size_t n;
	NEED_PG(f);
#ifdef HAVE_LIBPQ
	sfx_user(f, "rep@us.test", NULL, 500, 80);
	/* outside a transaction: the statement is run again on a new
	 * connection (prepared again) */
	kill_others(f);
	if (store_user_list(f->st, &list, &n, &err) != 0)
		fail_msg("after a reset: %s", err.msg);
	assert_int_equal(n, 1);
	store_users_free(list, n);
	/* inside a transaction: it fails as a whole */
	assert_int_equal(store_begin(f->st, &err), 0);
	kill_others(f);
	assert_int_equal(store_user_list(f->st, &list, &n, &err), -1);
	store_users_free(list, n);
	store_rollback(f->st);
	/* and the next one works */
	assert_int_equal(store_begin(f->st, &err), 0);
	sfx_contact(f, "ann@them.test", NULL);
	assert_int_equal(store_commit(f->st, &err), 0);
	assert_true(sfx_contact_id(f, "ann@them.test") > 0);
#endif
}

static void test_no_password_in_messages(void **state)
{
	struct sfx *f = *state;
	struct store *st;
	struct cad_err err;
	char bad[600];
	NEED_PG(f);

	/* a database that does not exist, with a password in the value */
	snprintf(bad, sizeof(bad), "%s password=s3cr3t-pw dbname=no_such_db", f->path);
	assert_int_equal(store_open(&st, bad, 0, &err), -1);
	assert_null(strstr(err.msg, "s3cr3t-pw"));
	assert_non_null(strstr(err.msg, "dbname=no_such_db"));
	assert_non_null(strstr(err.msg, "store: host="));
}

/* SQLite's "?" and "?NNN" numbered $N outside quotes: a "?" in a literal
 * or a quoted identifier stays, a bare "?" after "?2" is the third, a
 * number the text skips (1) is still bound (typed text). */
static void test_placeholders(void **state)
{
	struct sfx *f = *state;
	NEED_PG(f);
#ifdef HAVE_LIBPQ
	struct cad_err err;
	struct store_q *q;
	void *conn;
	assert_int_equal(store_drv_pg.open(&conn, f->path, 0, &err), 0);
	q = store_drv_pg.prepare(conn, "SELECT 'a?b''?', CAST(?2 AS TEXT) AS \"x?\","
				 " CAST(? AS BIGINT) + 1, CAST(?2 AS TEXT) IS NULL", &err);
	if (q == NULL)
		fail_msg("%s", err.msg);
	store_drv_pg.bind_text(q, 1, "unused");
	store_drv_pg.bind_text(q, 2, "two");
	store_drv_pg.bind_int64(q, 3, INT64_C(9000000000));
	assert_int_equal(store_drv_pg.step(q), STORE_ROW);
	assert_string_equal(store_drv_pg.col_text(q, 0), "a?b'?");
	assert_string_equal(store_drv_pg.col_text(q, 1), "two");
	assert_int_equal(store_drv_pg.col_int64(q, 2), INT64_C(9000000001));
	assert_int_equal(store_drv_pg.col_int64(q, 3), 0);   /* boolean 'f' */
	assert_int_equal(store_drv_pg.step(q), STORE_DONE);
	/* again after a reset, with NULL: 't' reads 1 */
	store_drv_pg.reset(q);
	store_drv_pg.bind_text(q, 2, NULL);
	store_drv_pg.bind_int64(q, 3, -2);
	assert_int_equal(store_drv_pg.step(q), STORE_ROW);
	assert_true(store_drv_pg.col_null(q, 1));
	assert_null(store_drv_pg.col_text(q, 1));
	assert_int_equal(store_drv_pg.col_int64(q, 2), -1);
	assert_int_equal(store_drv_pg.col_int64(q, 3), 1);
	store_drv_pg.finalize(q);
	store_drv_pg.close(conn);
#endif
}

static void add_event(struct sfx *f, cad_time_t at, const char *type, int64_t enr, int64_t c,
		      int64_t seq, int64_t rep, const char *detail)
{
	struct event e;
	struct cad_err err;
	memset(&e, 0, sizeof(e));
	e.at = at;
	e.type = (char *)type;
	e.enrollment_id = enr;
	e.contact_id = c;
	e.sequence_id = seq;
	e.user_id = rep;
	e.actor = (char *)"cadenced";
	e.detail = (char *)detail;
	if (store_event_add(f->st, &e, &err) != 0)
		fail_msg("adding an event: %s", err.msg);
}

static void test_report(void **state)
{
	struct sfx *f = *state;
	struct report_filter rf;
	struct report_row *rows;
	struct cad_err err;
	struct step steps[2];
	int64_t rep, seq, c, enr;
	size_t n;
	int by, ranged;

	memset(steps, 0, sizeof(steps));
	steps[0].kind = STEP_EMAIL;
	steps[0].subject = (char *)"Hi";
	steps[0].body = (char *)"One";
	steps[1].kind = STEP_EMAIL;
	steps[1].subject = (char *)"Re";
	steps[1].body = (char *)"Two";
	steps[1].delay_days = 2;
	rep = sfx_user(f, "rep@us.test", NULL, 500, 80);
	seq = sfx_sequence(f, "Cold", SEQ_DAYS_EVERY, 0, 1440, steps, 2);
	c = sfx_contact(f, "ann@them.test", NULL);
	enr = sfx_enroll(f, c, seq, rep, T0);
	add_event(f, T0 + 10, "step_sent", enr, c, seq, rep, "step 1, queue id QA");
	add_event(f, T0 + 20, "step_sent", enr, c, seq, rep, "step 12");
	add_event(f, T0 + 30, "paused", enr, c, seq, rep, "out of office until Monday");
	add_event(f, T0 + 40, "unenrolled", enr, c, seq, rep, "unsubscribed by mail");
	for (by = REPORT_BY_SEQUENCE; by <= REPORT_BY_REP; by++)
		for (ranged = 0; ranged < 2; ranged++) {
			size_t i;
			int sent = 0, enrolled = 0, ooo = 0, unsub = 0, top = 0;
			memset(&rf, 0, sizeof(rf));
			rf.by = (enum report_by)by;
			rf.from = ranged ? T0 - 1 : 0;
			rf.to = ranged ? T0 + 1000 : 0;
			rf.now = T0 + 2000;
			if (store_report(f->st, &rf, &rows, &n, &err) != 0)
				fail_msg("report by %d%s: %s", by, ranged ? " ranged" : "", err.msg);
			for (i = 0; i < n; i++) {
				sent += rows[i].sent;
				enrolled += rows[i].enrolled;
				ooo += rows[i].ooo;
				unsub += rows[i].unsubscribed;
				if (rows[i].step > top)
					top = rows[i].step;
			}
			assert_int_equal(sent, 2);
			assert_int_equal(enrolled, 1);
			assert_int_equal(ooo, 1);
			assert_int_equal(unsub, 1);
			if (by == REPORT_BY_STEP)
				assert_int_equal(top, 12);   /* "step 12": cut at the end */
			store_report_free(rows, n);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_tx_excludes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_lock_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconnect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_password_in_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_placeholders, setup, teardown),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
