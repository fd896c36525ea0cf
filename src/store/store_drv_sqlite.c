/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_drv_sqlite.c - the SQLite backend of the store (store_drv.h): one
 * file on one host, the embedded default.
 *
 * Guarantees: a store is opened with foreign keys on, a 5 s busy timeout
 * (lite_busy: short polls, not SQLite's coarse sleeps)
 * and (read-write, once its schema version was checked) WAL journaling. A
 * write transaction is BEGIN IMMEDIATE, so that two writers never deadlock
 * upgrading a read lock.
 *
 * Permissions: the store holds contacts' personal data and every
 * unsubscribe token, so it is never world-readable. A store this code
 * creates is made 0640 (owner read-write, the service group reads) before
 * SQLite opens it, whatever the umask; SQLite gives the -wal and -shm files
 * it creates the main file's mode (and, as root, its owner). An existing
 * store, -wal or -shm with any "other" permission bit loses those bits at
 * open when the caller owns the file (or is root); otherwise it is left as
 * it is (cadencectl doctor reports it).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "store_drv.h"

#define SQLITE_BUSY_TIMEOUT_MS 5000
#define STORE_FILE_MODE 0640

struct lite_q {
	struct store_q base;    /* first: a struct store_q * is a struct lite_q * */
	sqlite3_stmt *s;
};

static sqlite3 *db_of(void *conn)
{
	return conn;
}

static struct lite_q *q_of(struct store_q *q)
{
	return (struct lite_q *)q;
}

/* ---- file permissions ---- */

/* Removes the "other" bits of an existing file we own (or as root). A file
 * that does not exist, or that is not ours, is left alone. By path, never
 * through a descriptor of our own: closing one would drop the POSIX locks
 * SQLite holds on the file through this process's other handles. */
static void perm_tighten(const char *path)
{
	struct stat sb;
	if (stat(path, &sb) < 0 || !S_ISREG(sb.st_mode) || (sb.st_mode & 0007) == 0)
		return;
	if (sb.st_uid != geteuid() && geteuid() != 0)
		return;
	(void)chmod(path, sb.st_mode & 07770);
}

/* A store's files: the database, then SQLite's write-ahead log and its
 * shared-memory index. */
static const char *const lite_files[] = { "", "-wal", "-shm" };

/* Creates the store file 0640 (exactly: the umask could only narrow it,
 * fchmod makes it so) unless it exists; then tightens the store, its
 * -wal and -shm. In-memory stores have no file. (The descriptor closed
 * here is of a file this call created: no handle can hold locks on it.) */
static int perm_prepare(const char *path, int create, struct cad_err *err)
{
	size_t i;

	if (strcmp(path, ":memory:") == 0)
		return 0;
	if (create) {
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, STORE_FILE_MODE);
		if (fd >= 0) {
			int rc = fchmod(fd, STORE_FILE_MODE);
			close(fd);
			if (rc < 0)
				return cad_err_set(err, "store: %s: chmod: %s", path, strerror(errno));
			return 0;
		}
		if (errno != EEXIST)
			return cad_err_set(err, "store: %s: %s", path, strerror(errno));
	}
	for (i = 0; i < sizeof(lite_files) / sizeof(lite_files[0]); i++) {
		char *p = xasprintf("%s%s", path, lite_files[i]);
		perm_tighten(p);
		free(p);
	}
	return 0;
}

/* unlink(path SUFFIX); 0 when it is gone or was never there. */
static int remove_one(const char *path, const char *suffix, struct cad_err *err)
{
	char *p = xasprintf("%s%s", path, suffix);
	int rc = 0;

	if (unlink(p) < 0 && errno != ENOENT)
		rc = cad_err_set(err, "store: %s: %s", p, strerror(errno));
	free(p);
	return rc;
}

int store_file_remove(const char *path, struct cad_err *err)
{
	size_t i = sizeof(lite_files) / sizeof(lite_files[0]);

	if (store_is_server(path) || strcmp(path, ":memory:") == 0)
		return cad_err_set(err, "store: %s: not a store file", path);
	if (remove_one(path, "-journal", err) < 0)
		return -1;
	while (i-- > 0)        /* the companions first, the store file last */
		if (remove_one(path, lite_files[i], err) < 0)
			return -1;
	return 0;
}

/* ---- the connection ---- */

static int lite_exec(void *conn, const char *sql, struct cad_err *err)
{
	char *msg = NULL;
	if (sqlite3_exec(db_of(conn), sql, NULL, NULL, &msg) != SQLITE_OK) {
		cad_err_set(err, "%s", msg ? msg : sqlite3_errmsg(db_of(conn)));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Waiting for another writer's commit. SQLite's own handler
 * (sqlite3_busy_timeout) sleeps 1, 2, 5, 10, 15, 20, 25 ... ms between
 * tries, so a writer that finds the lock held for one commit (an fsync of
 * ~3 ms) sleeps past it and often past the next: the milter's concurrent
 * gate transactions and cadenced's records queued behind each other by
 * whole sleeps (bench/README.md, bench_submit). This one tries again after
 * 50 us, doubling up to 1 ms, and gives up (SQLITE_BUSY, "database is
 * locked") once it has slept SQLITE_BUSY_TIMEOUT_MS in all. */
static int lite_busy(void *arg, int count)
{
	long long slept = count < 5 ? 50LL * ((1LL << count) - 1)
				    : 1550LL + (long long)(count - 5) * 1000;
	struct timespec ts = { 0, (count < 5 ? 50L << count : 1000L) * 1000L };

	(void)arg;
	if (slept >= SQLITE_BUSY_TIMEOUT_MS * 1000LL)
		return 0;
	nanosleep(&ts, NULL);
	return 1;
}

static int lite_open(void **conn, const char *path, int flags, struct cad_err *err)
{
	sqlite3 *db = NULL;
	struct stat sb;
	int oflags;

	*conn = NULL;
	if (!(flags & STORE_CREATE) && strcmp(path, ":memory:") != 0 && stat(path, &sb) < 0)
		return cad_err_set(err, "store: %s: %s (create it with \"cadencectl init\")", path,
				   strerror(errno));
	if (perm_prepare(path, (flags & STORE_CREATE) && !(flags & STORE_READONLY), err) < 0)
		return -1;
	if (flags & STORE_READONLY)
		oflags = SQLITE_OPEN_READONLY;
	else
		oflags = SQLITE_OPEN_READWRITE | ((flags & STORE_CREATE) ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &db, oflags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		cad_err_set(err, "store: %s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return -1;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_handler(db, lite_busy, NULL);
	if (lite_exec(db, "PRAGMA foreign_keys = ON", err) < 0) {
		cad_err_prefix(err, "store: %s: enabling foreign keys", path);
		sqlite3_close(db);
		return -1;
	}
	*conn = db;
	return 0;
}

static int lite_ready(void *conn, struct cad_err *err)
{
	if (lite_exec(conn, "PRAGMA journal_mode = WAL", err) < 0) {
		cad_err_prefix(err, "store: enabling WAL");
		return -1;
	}
	return 0;
}

static void lite_close(void *conn)
{
	sqlite3_close(db_of(conn));
}

static int64_t lite_changes(void *conn)
{
	return sqlite3_changes(db_of(conn));
}

static const char *lite_errmsg(void *conn)
{
	return sqlite3_errmsg(db_of(conn));
}

static int lite_is_unique_violation(void *conn)
{
	int x = sqlite3_extended_errcode(db_of(conn));
	return x == SQLITE_CONSTRAINT_UNIQUE || x == SQLITE_CONSTRAINT_PRIMARYKEY;
}

static int lite_begin(void *conn, int write, struct cad_err *err)
{
	return lite_exec(conn, write ? "BEGIN IMMEDIATE" : "BEGIN", err);
}

static int lite_commit(void *conn, struct cad_err *err)
{
	return lite_exec(conn, "COMMIT", err);
}

static void lite_rollback(void *conn)
{
	sqlite3_exec(db_of(conn), "ROLLBACK", NULL, NULL, NULL);
}

static int64_t lite_data_version(void *conn, struct cad_err *err)
{
	sqlite3_stmt *s;
	int64_t v;
	if (sqlite3_prepare_v2(db_of(conn), "PRAGMA data_version", -1, &s, NULL) != SQLITE_OK) {
		cad_err_set(err, "store: data_version: %s", sqlite3_errmsg(db_of(conn)));
		return -1;
	}
	if (sqlite3_step(s) != SQLITE_ROW) {
		cad_err_set(err, "store: data_version: %s", sqlite3_errmsg(db_of(conn)));
		sqlite3_finalize(s);
		return -1;
	}
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* ---- statements ---- */

static struct store_q *lite_prepare(void *conn, const char *sql, struct cad_err *err)
{
	struct lite_q *q;
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(db_of(conn), sql, -1, &s, NULL) != SQLITE_OK) {
		cad_err_set(err, "store: preparing a statement: %s", sqlite3_errmsg(db_of(conn)));
		return NULL;
	}
	q = xcalloc(1, sizeof(*q));
	q->base.drv = &store_drv_sqlite;
	q->base.conn = conn;
	q->s = s;
	return &q->base;
}

static void lite_finalize(struct store_q *q)
{
	if (q == NULL)
		return;
	sqlite3_finalize(q_of(q)->s);
	free(q);
}

static void lite_reset(struct store_q *q)
{
	sqlite3_reset(q_of(q)->s);
	sqlite3_clear_bindings(q_of(q)->s);
}

static void lite_bind_text(struct store_q *q, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(q_of(q)->s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(q_of(q)->s, i);
}

static void lite_bind_int64(struct store_q *q, int i, int64_t v)
{
	sqlite3_bind_int64(q_of(q)->s, i, (sqlite3_int64)v);
}

static int lite_step(struct store_q *q)
{
	int rc = sqlite3_step(q_of(q)->s);
	if (rc == SQLITE_ROW)
		return STORE_ROW;
	if (rc == SQLITE_DONE)
		return STORE_DONE;
	return STORE_ERROR;
}

static int lite_col_null(struct store_q *q, int i)
{
	return sqlite3_column_type(q_of(q)->s, i) == SQLITE_NULL;
}

static const char *lite_col_text(struct store_q *q, int i)
{
	return (const char *)sqlite3_column_text(q_of(q)->s, i);
}

static int64_t lite_col_int64(struct store_q *q, int i)
{
	return (int64_t)sqlite3_column_int64(q_of(q)->s, i);
}

const struct store_drv store_drv_sqlite = {
	.name = "sqlite",
	.open = lite_open,
	.close = lite_close,
	.exec = lite_exec,
	.prepare = lite_prepare,
	.finalize = lite_finalize,
	.reset = lite_reset,
	.bind_text = lite_bind_text,
	.bind_int64 = lite_bind_int64,
	.step = lite_step,
	.col_null = lite_col_null,
	.col_text = lite_col_text,
	.col_int64 = lite_col_int64,
	.changes = lite_changes,
	.errmsg = lite_errmsg,
	.is_unique_violation = lite_is_unique_violation,
	.begin = lite_begin,
	.commit = lite_commit,
	.rollback = lite_rollback,
	.data_version = lite_data_version,
	.ready = lite_ready,
	.tables_sql = "SELECT name FROM sqlite_master WHERE type = 'table'",
	.schema = &store_schema_sqlite,
};
