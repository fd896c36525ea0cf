/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_sql.c - the statement helpers every store_*.c file uses: the
 * prepared-statement cache, running a statement, the error text, bind and
 * column helpers, and reading one row, one id or all rows.
 *
 * It is the bottom of the store: it calls no other store file (store_db.c
 * opens the store and migrates it through store_schema.c; both use these).
 * Errors: store_dberr() puts "store: WHAT: SQLite's message" in err.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* ---- statements ---- */

sqlite3_stmt *store_stmt(struct store *st, const char *sql, struct cad_err *err)
{
	sqlite3_stmt *s;
	size_t i;
	for (i = 0; i < st->ncached; i++)
		if (st->cache[i].sql == sql) {
			s = st->cache[i].stmt;
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			return s;
		}
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		store_dberr(st, "preparing a statement", err);
		return NULL;
	}
	/* The store has a fixed set of static statements (under a hundred),
	 * so the cache grows to that size and never evicts one in use. */
	cad_grow(&st->cache, &st->capcached, st->ncached + 1, sizeof(*st->cache));
	st->cache[st->ncached].sql = sql;
	st->cache[st->ncached].stmt = s;
	st->ncached++;
	return s;
}

void store_stmt_done(sqlite3_stmt *s)
{
	if (s)
		sqlite3_reset(s);
}

int store_exec_stmt(struct store *st, sqlite3_stmt *s, const char *what, struct cad_err *err)
{
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		store_dberr(st, what, err);
		sqlite3_reset(s);
		return -1;
	}
	sqlite3_reset(s);
	return 0;
}

int store_dberr(struct store *st, const char *what, struct cad_err *err)
{
	return cad_err_set(err, "store: %s: %s", what, sqlite3_errmsg(st->db));
}

int store_is_unique_violation(struct store *st)
{
	int x = sqlite3_extended_errcode(st->db);
	return x == SQLITE_CONSTRAINT_UNIQUE || x == SQLITE_CONSTRAINT_PRIMARYKEY;
}

void store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

void store_bind_int64(sqlite3_stmt *s, int i, int64_t v)
{
	sqlite3_bind_int64(s, i, (sqlite3_int64)v);
}

void store_bind_time(sqlite3_stmt *s, int i, cad_time_t t)
{
	if (t)
		sqlite3_bind_int64(s, i, (sqlite3_int64)t);
	else
		sqlite3_bind_null(s, i);
}

void store_bind_id(sqlite3_stmt *s, int i, int64_t id)
{
	store_bind_time(s, i, id);
}

char *store_col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? xstrdup((const char *)t) : NULL;
}

int64_t store_col_int64(sqlite3_stmt *s, int i)
{
	return (int64_t)sqlite3_column_int64(s, i);
}

int store_col_int(sqlite3_stmt *s, int i)
{
	return sqlite3_column_int(s, i);
}

/* ---- small shared helpers ---- */

char *store_lower(const char *s)
{
	char *r = xstrdup(s);
	if (r)
		cad_strlower(r);
	return r;
}

int store_is_id(const char *s, int64_t *id)
{
	int64_t v = 0;
	const char *p;
	if (s == NULL || *s == '\0' || strlen(s) > 18)
		return 0;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (*p - '0');
	}
	*id = v;
	return 1;
}

int store_one_row(struct store *st, sqlite3_stmt *s, store_row_fn read, void *out,
		  const char *what, struct cad_err *err)
{
	int rc;
	if (s == NULL)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		read(s, out);
	else if (rc != SQLITE_DONE)
		store_dberr(st, what, err);
	store_stmt_done(s);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? STORE_NOTFOUND : -1;
}

void store_read_id(sqlite3_stmt *s, void *out)
{
	*(int64_t *)out = store_col_int64(s, 0);
}

void store_read_text(sqlite3_stmt *s, void *out)
{
	*(char **)out = store_col_text(s, 0);
}

int store_one_id(struct store *st, sqlite3_stmt *s, int64_t *id, const char *what,
		 struct cad_err *err)
{
	return store_one_row(st, s, store_read_id, id, what, err);
}

int store_all_rows(struct store *st, sqlite3_stmt *s, store_row_fn read, size_t sz,
		   void **out, size_t *n, const char *what, struct cad_err *err)
{
	unsigned char *v = NULL;
	size_t cap = 0, cnt = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		cad_grow(&v, &cap, cnt + 1, sz);
		memset(v + cnt * sz, 0, sz);
		read(s, v + cnt * sz);
		cnt++;
	}
	if (rc != SQLITE_DONE)
		store_dberr(st, what, err);
	store_stmt_done(s);
	*out = v;
	*n = cnt;
	return rc == SQLITE_DONE ? 0 : -1;
}
