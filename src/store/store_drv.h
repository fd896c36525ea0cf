/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_drv.h - the store's backend table: what a database engine must
 * offer the store_*.c files, as OpenSMTPD's queue and scheduler backends
 * are tables of functions. Two backends implement it: SQLite
 * (store_drv_sqlite.c, the embedded default, one file on one host) and
 * PostgreSQL (store_drv_pg.c, libpq, one state for several mail hosts).
 *
 * The store's SQL is one text for both engines: positional parameters are
 * written "?" (the PostgreSQL backend numbers them $1, $2 ... outside
 * quoted literals), new ids are read with "INSERT ... RETURNING id", and
 * only SQL both engines read the same way is used (COALESCE, CAST(? AS
 * BIGINT) where a parameter's type cannot be inferred, ON CONFLICT ... DO).
 * The schema and its migrations are per backend (store_schema*.c).
 *
 * Contract of every backend:
 *  - open() connects to target (a path, or a postgresql:// URI or libpq
 *    keywords) with the STORE_* flags of store.h; on error *conn is NULL
 *    and err says "store: TARGET: why" without any password.
 *  - a statement (struct store_q *) is prepared once per connection and
 *    reused: reset() forgets its bindings and rows. Parameters are
 *    numbered from 1, columns from 0. A text column's pointer is valid
 *    until the next step(), reset() or finalize() of that statement.
 *  - step() returns STORE_ROW with a row, STORE_DONE at the end (a
 *    statement without rows is done after one step), STORE_ERROR with the
 *    message in errmsg().
 *  - begin(write) starts a transaction in which the other writers of the
 *    same store wait (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-
 *    scoped advisory lock), so that every write transaction of every host
 *    runs as if alone: no lost update and no step claimed twice.
 *  - errors never log; they are returned as text.
 */
#ifndef CADENCE_STORE_DRV_H
#define CADENCE_STORE_DRV_H

#include <stdint.h>

#include "util.h"

struct store_schema_def;

#define STORE_ROW 1
#define STORE_DONE 0
#define STORE_ERROR (-1)

/* A prepared statement; each backend's own statement struct starts with
 * it. */
struct store_q {
	const struct store_drv *drv;
	void *conn;
};

struct store_drv {
	const char *name;                 /* "sqlite", "postgresql" */
	int (*open)(void **conn, const char *target, int flags, struct cad_err *err);
	void (*close)(void *conn);
	/* Runs SQL without parameters (several statements allowed); rows are
	 * ignored. */
	int (*exec)(void *conn, const char *sql, struct cad_err *err);
	struct store_q *(*prepare)(void *conn, const char *sql, struct cad_err *err);
	void (*finalize)(struct store_q *q);
	void (*reset)(struct store_q *q);
	void (*bind_text)(struct store_q *q, int i, const char *v);   /* NULL binds NULL */
	void (*bind_int64)(struct store_q *q, int i, int64_t v);
	int (*step)(struct store_q *q);
	int (*col_null)(struct store_q *q, int i);
	const char *(*col_text)(struct store_q *q, int i);           /* NULL when NULL */
	int64_t (*col_int64)(struct store_q *q, int i);              /* NULL reads 0 */
	/* Rows changed by the connection's last INSERT, UPDATE or DELETE. */
	int64_t (*changes)(void *conn);
	const char *(*errmsg)(void *conn);
	int (*is_unique_violation)(void *conn);
	int (*begin)(void *conn, int write, struct cad_err *err);
	int (*commit)(void *conn, struct cad_err *err);
	void (*rollback)(void *conn);
	/* A number that changes whenever another connection commits a write
	 * (SQLite's PRAGMA data_version); -1 with err on error. */
	int64_t (*data_version)(void *conn, struct cad_err *err);
	/* Called once on a read-write store after its schema version was
	 * checked and before anything is written (SQLite turns on WAL here:
	 * that rewrites the file's header). May be NULL. */
	int (*ready)(void *conn, struct cad_err *err);
	/* The SELECT that lists the names of the store's tables (one column),
	 * and the schema this backend builds, migration by migration. */
	const char *tables_sql;
	const struct store_schema_def *schema;
	/* After rows with explicit ids were written into table (its id
	 * column "id"), makes the ids the backend generates next continue
	 * after the largest one in table (PostgreSQL: setval of the column's
	 * sequence), inside the caller's transaction. NULL when the backend
	 * does so by itself (SQLite: INTEGER PRIMARY KEY takes MAX(id) + 1).
	 * Used by store_copy.c. */
	int (*ids_continue)(void *conn, const char *table, struct cad_err *err);
};

/* A backend's schema: migrations[v] (a NULL-terminated list of DDL
 * statements) brings version v to v + 1; count is the current version,
 * the same number for every backend. */
struct store_schema_def {
	const char *const *const *migrations;
	int count;
};

extern const struct store_drv store_drv_sqlite;
extern const struct store_schema_def store_schema_sqlite;   /* store_schema.c */
#ifdef HAVE_LIBPQ
extern const struct store_drv store_drv_pg;
extern const struct store_schema_def store_schema_pg;       /* store_schema_pg.c */
/* "host=H [port=P] dbname=D" of a PostgreSQL Database value, without its
 * password or other settings: how messages name the store (heap). */
char *store_pg_where(const char *target);
#endif

/* The backend for a Database value: PostgreSQL for "postgresql://",
 * "postgres://" or libpq keywords ("host=... dbname=..."), SQLite for
 * anything else (a path). NULL with err when the value names PostgreSQL
 * and this build has no libpq. */
const struct store_drv *store_drv_for(const char *target, struct cad_err *err);

#endif
