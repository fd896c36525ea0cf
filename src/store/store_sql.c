/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_sql.c - the statement helpers every store_*.c file uses: the
 * prepared-statement cache, running a statement, the error text, bind and
 * column helpers, and reading one row, one id or all rows.
 *
 * It is the bottom of the store: it calls no other store file (store_db.c
 * opens the store and migrates it through store_schema.c; both use these).
 * Errors: store_dberr() puts "store: WHAT: the backend's message" in err.
 * Every call reaches the database through the backend table (store_drv.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* ---- statements ---- */

store_q *store_stmt(struct store *st, const char *sql, struct cad_err *err)
{
	store_q *s;
	size_t i;
	for (i = 0; i < st->ncached; i++)
		if (st->cache[i].sql == sql) {
			s = st->cache[i].stmt;
			st->drv->reset(s);
			return s;
		}
	s = st->drv->prepare(st->conn, sql, err);
	if (s == NULL)
		return NULL;
	/* The store has a fixed set of static statements (under a hundred),
	 * so the cache grows to that size and never evicts one in use. */
	cad_grow(&st->cache, &st->capcached, st->ncached + 1, sizeof(*st->cache));
	st->cache[st->ncached].sql = sql;
	st->cache[st->ncached].stmt = s;
	st->ncached++;
	return s;
}

void store_stmt_done(store_q *s)
{
	if (s)
		s->drv->reset(s);
}

int store_step(store_q *s)
{
	return s->drv->step(s);
}

int store_exec_stmt(struct store *st, store_q *s, const char *what, struct cad_err *err)
{
	int rc;
	while ((rc = store_step(s)) == STORE_ROW)
		;
	if (rc != STORE_DONE) {
		store_dberr(st, what, err);
		store_stmt_done(s);
		return -1;
	}
	store_stmt_done(s);
	return 0;
}

int store_step_id(store_q *s, int64_t *id)
{
	int rc;
	while ((rc = store_step(s)) == STORE_ROW)
		*id = store_col_int64(s, 0);
	return rc;
}

int store_exec_id(struct store *st, store_q *s, int64_t *id, const char *what,
		  struct cad_err *err)
{
	int rc = store_step_id(s, id);
	if (rc != STORE_DONE)
		store_dberr(st, what, err);
	store_stmt_done(s);
	return rc == STORE_DONE ? 0 : -1;
}

int store_exec_sql(struct store *st, const char *sql, const char *what, struct cad_err *err)
{
	if (st->drv->exec(st->conn, sql, err) < 0) {
		cad_err_prefix(err, "store: %s", what);
		return -1;
	}
	return 0;
}

int64_t store_changes(struct store *st)
{
	return st->drv->changes(st->conn);
}

int store_dberr(struct store *st, const char *what, struct cad_err *err)
{
	return cad_err_set(err, "store: %s: %s", what, st->drv->errmsg(st->conn));
}

int store_is_unique_violation(struct store *st)
{
	return st->drv->is_unique_violation(st->conn);
}

void store_bind_text(store_q *s, int i, const char *v)
{
	s->drv->bind_text(s, i, v);
}

void store_bind_int64(store_q *s, int i, int64_t v)
{
	s->drv->bind_int64(s, i, v);
}

void store_bind_time(store_q *s, int i, cad_time_t t)
{
	if (t)
		s->drv->bind_int64(s, i, (int64_t)t);
	else
		s->drv->bind_text(s, i, NULL);
}

void store_bind_id(store_q *s, int i, int64_t id)
{
	store_bind_time(s, i, id);
}

const char *store_col_cstr(store_q *s, int i)
{
	return s->drv->col_text(s, i);
}

char *store_col_text(store_q *s, int i)
{
	const char *t = s->drv->col_text(s, i);
	return t ? xstrdup(t) : NULL;
}

int store_col_null(store_q *s, int i)
{
	return s->drv->col_null(s, i);
}

int64_t store_col_int64(store_q *s, int i)
{
	return s->drv->col_int64(s, i);
}

int store_col_int(store_q *s, int i)
{
	return (int)s->drv->col_int64(s, i);
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

int store_one_row(struct store *st, store_q *s, store_row_fn read, void *out,
		  const char *what, struct cad_err *err)
{
	int rc;
	if (s == NULL)
		return -1;
	rc = store_step(s);
	if (rc == STORE_ROW)
		read(s, out);
	else if (rc != STORE_DONE)
		store_dberr(st, what, err);
	store_stmt_done(s);
	if (rc == STORE_ROW)
		return 0;
	return rc == STORE_DONE ? STORE_NOTFOUND : -1;
}

void store_read_id(store_q *s, void *out)
{
	*(int64_t *)out = store_col_int64(s, 0);
}

void store_read_text(store_q *s, void *out)
{
	*(char **)out = store_col_text(s, 0);
}

int store_one_id(struct store *st, store_q *s, int64_t *id, const char *what,
		 struct cad_err *err)
{
	return store_one_row(st, s, store_read_id, id, what, err);
}

int store_all_rows(struct store *st, store_q *s, store_row_fn read, size_t sz,
		   void **out, size_t *n, const char *what, struct cad_err *err)
{
	unsigned char *v = NULL;
	size_t cap = 0, cnt = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return -1;
	while ((rc = store_step(s)) == STORE_ROW) {
		cad_grow(&v, &cap, cnt + 1, sz);
		memset(v + cnt * sz, 0, sz);
		read(s, v + cnt * sz);
		cnt++;
	}
	if (rc != STORE_DONE)
		store_dberr(st, what, err);
	store_stmt_done(s);
	*out = v;
	*n = cnt;
	return rc == STORE_DONE ? 0 : -1;
}
