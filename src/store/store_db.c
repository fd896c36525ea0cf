/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_db.c - opening and closing the store on its backend (store_drv.h:
 * SQLite for a path, PostgreSQL for a postgresql:// URI or libpq
 * keywords) and its transactions (the statement, bind and column helpers
 * every store_*.c file uses are in store_sql.c, below both this file and
 * store_schema.c).
 *
 * Guarantees: the schema is checked before anything is written, so that a
 * store of a newer version is refused untouched, and an older one is
 * migrated in one transaction (store_schema.c). Transactions nest by
 * counting; the outermost one of a read-write store is a write
 * transaction of the backend (other writers wait: SQLite's BEGIN
 * IMMEDIATE, PostgreSQL's advisory lock), so that two writers never
 * deadlock upgrading a read lock; a rollback at any depth dooms the whole
 * outermost transaction.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "store_int.h"

int store_is_server(const char *database)
{
	return conf_database_is_server(database);    /* the one rule, cadence.conf's */
}

const struct store_drv *store_drv_for(const char *target, struct cad_err *err)
{
	if (!store_is_server(target))
		return &store_drv_sqlite;
#ifdef HAVE_LIBPQ
	(void)err;
	return &store_drv_pg;
#else
	cad_err_set(err, "store: Database names a PostgreSQL server, but this cadence was "
		    "built without PostgreSQL support (libpq)");
	return NULL;
#endif
}

int store_open_version(struct store **out, const char *path, int flags, int target,
		       struct cad_err *err)
{
	const struct store_drv *drv;
	struct store *st;
	int version;

	*out = NULL;
	if (path == NULL || *path == '\0')
		return cad_err_set(err, "store: no database path given");
	if ((drv = store_drv_for(path, err)) == NULL)
		return -1;
	st = xcalloc(1, sizeof(*st));
	st->drv = drv;
#ifdef HAVE_LIBPQ
	/* messages name a server's store by host and database, never with
	 * the rest of its Database value */
	st->path = drv == &store_drv_pg ? store_pg_where(path) : xstrdup(path);
#else
	st->path = xstrdup(path);
#endif
	st->readonly = (flags & STORE_READONLY) != 0;
	if (drv->open(&st->conn, path, flags, err) < 0)
		goto fail;
	/* Check before any write (SQLite's WAL mode rewrites the file header). */
	if (store_schema_check(st, target, &version, err) < 0)
		goto fail;
	st->version = version;
	if (version == 0 && !(flags & (STORE_CREATE | STORE_READONLY)) && store_is_server(path)) {
		/* as a missing file: only "cadencectl init" makes a store (a
		 * read-only open says "version 0 is older" below, as for an
		 * empty SQLite file) */
		cad_err_set(err, "store: %s: the database has no cadence schema (create it with "
			    "\"cadencectl init\")", st->path);
		goto fail;
	}
	if (st->readonly) {
		if (version < target) {
			cad_err_set(err, "store: %s: schema version %d is older than this "
				    "cadence's (version %d); open it read-write once to upgrade it",
				    path, version, target);
			goto fail;
		}
	} else {
		if (drv->ready && drv->ready(st->conn, err) < 0)
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
	if (st->depth > 0 && st->conn)
		st->drv->rollback(st->conn);
	for (i = 0; i < st->ncached; i++)
		st->drv->finalize(st->cache[i].stmt);
	free(st->cache);
	if (st->conn)
		st->drv->close(st->conn);
	free(st->path);
	free(st);
}

int store_schema_version(struct store *st)
{
	return st->version;
}

int64_t store_data_version(struct store *st, struct cad_err *err)
{
	return st->drv->data_version(st->conn, err);
}

/* ---- transactions ---- */

int store_in_transaction(const struct store *st)
{
	return st->depth > 0;
}

int store_begin(struct store *st, struct cad_err *err)
{
	if (st->depth == 0) {
		if (st->drv->begin(st->conn, !st->readonly, err) < 0) {
			cad_err_prefix(err, "store: beginning a transaction");
			return -1;
		}
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
		st->drv->rollback(st->conn);
		st->doomed = 0;
		return cad_err_set(err, "store: the transaction was rolled back by an inner "
				   "failure");
	}
	if (st->drv->commit(st->conn, err) < 0) {
		cad_err_prefix(err, "store: committing");
		st->drv->rollback(st->conn);
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
	st->drv->rollback(st->conn);
	st->doomed = 0;
}
