/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_db.c - opening and closing the SQLite store and its transactions
 * (the statement, bind and column helpers every store_*.c file uses are in
 * store_sql.c, below both this file and store_schema.c).
 *
 * Guarantees: a store is opened with foreign keys on, a 5 s busy timeout
 * and (read-write) WAL journaling; its schema is checked before anything is
 * written, so that a file of a newer version is refused untouched, and an
 * older one is migrated in one transaction (store_schema.c). Transactions
 * nest by counting; the outermost one is BEGIN IMMEDIATE, so that two
 * writers never deadlock upgrading a read lock; a rollback at any depth
 * dooms the whole outermost transaction.
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
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_int.h"

#define STORE_BUSY_TIMEOUT_MS 5000
#define STORE_FILE_MODE 0640

static int exec_plain(struct store *st, const char *sql, const char *what, struct cad_err *err)
{
	char *msg = NULL;
	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		cad_err_set(err, "store: %s: %s", what, msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
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

/* Creates the store file 0640 (exactly: the umask could only narrow it,
 * fchmod makes it so) unless it exists; then tightens the store, its
 * -wal and -shm. In-memory stores have no file. (The descriptor closed
 * here is of a file this call created: no handle can hold locks on it.) */
static int perm_prepare(const char *path, int create, struct cad_err *err)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
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
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		char *p = xasprintf("%s%s", path, sfx[i]);
		perm_tighten(p);
		free(p);
	}
	return 0;
}

int store_open_version(struct store **out, const char *path, int flags, int target,
		       struct cad_err *err)
{
	struct store *st;
	struct stat sb;
	int oflags, version;

	*out = NULL;
	if (path == NULL || *path == '\0')
		return cad_err_set(err, "store: no database path given");
	if (!(flags & STORE_CREATE) && stat(path, &sb) < 0)
		return cad_err_set(err, "store: %s: %s (create it with \"cadencectl init\")", path,
				   strerror(errno));
	if (perm_prepare(path, (flags & STORE_CREATE) && !(flags & STORE_READONLY), err) < 0)
		return -1;
	if (flags & STORE_READONLY)
		oflags = SQLITE_OPEN_READONLY;
	else
		oflags = SQLITE_OPEN_READWRITE | ((flags & STORE_CREATE) ? SQLITE_OPEN_CREATE : 0);

	st = xcalloc(1, sizeof(*st));
	st->path = xstrdup(path);
	st->readonly = (flags & STORE_READONLY) != 0;
	if (sqlite3_open_v2(path, &st->db, oflags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		cad_err_set(err, "store: %s: %s", path,
			    st->db ? sqlite3_errmsg(st->db) : "cannot open");
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	if (exec_plain(st, "PRAGMA foreign_keys = ON", "enabling foreign keys", err) < 0)
		goto fail;
	/* Check before any write (WAL mode rewrites the file header). */
	if (store_schema_check(st, target, &version, err) < 0)
		goto fail;
	st->version = version;
	if (st->readonly) {
		if (version < target) {
			cad_err_set(err, "store: %s: schema version %d is older than this "
				    "cadence's (version %d); open it read-write once to upgrade it",
				    path, version, target);
			goto fail;
		}
	} else {
		if (exec_plain(st, "PRAGMA journal_mode = WAL", "enabling WAL", err) < 0)
			goto fail;
		if (version < target && store_schema_migrate(st, target, err) < 0)
			goto fail;
	}
	*out = st;
	return 0;
fail:
	store_close(st);
	return -1;
}

int store_open(struct store **out, const char *path, int flags, struct cad_err *err)
{
	return store_open_version(out, path, flags, store_schema_current(), err);
}

void store_close(struct store *st)
{
	size_t i;
	if (st == NULL)
		return;
	if (st->depth > 0 && st->db)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	for (i = 0; i < st->ncached; i++)
		sqlite3_finalize(st->cache[i].stmt);
	free(st->cache);
	if (st->db)
		sqlite3_close(st->db);
	free(st->path);
	free(st);
}

int store_schema_version(struct store *st)
{
	return st->version;
}

int64_t store_data_version(struct store *st, struct cad_err *err)
{
	sqlite3_stmt *s = store_stmt(st, "PRAGMA data_version", err);
	int64_t v;
	if (s == NULL)
		return -1;
	if (sqlite3_step(s) != SQLITE_ROW) {
		store_dberr(st, "data_version", err);
		store_stmt_done(s);
		return -1;
	}
	v = sqlite3_column_int64(s, 0);
	store_stmt_done(s);
	return v;
}

/* ---- transactions ---- */

int store_begin(struct store *st, struct cad_err *err)
{
	if (st->depth == 0) {
		if (exec_plain(st, st->readonly ? "BEGIN" : "BEGIN IMMEDIATE",
			       "beginning a transaction", err) < 0)
			return -1;
		st->doomed = 0;
	}
	st->depth++;
	return 0;
}

int store_commit(struct store *st, struct cad_err *err)
{
	if (st->depth == 0)
		return cad_err_set(err, "store: commit without a transaction");
	if (--st->depth > 0)
		return 0;
	if (st->doomed) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		st->doomed = 0;
		return cad_err_set(err, "store: the transaction was rolled back by an inner "
				   "failure");
	}
	if (exec_plain(st, "COMMIT", "committing", err) < 0) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

void store_rollback(struct store *st)
{
	if (st->depth == 0)
		return;
	if (--st->depth > 0) {
		st->doomed = 1;
		return;
	}
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->doomed = 0;
}
