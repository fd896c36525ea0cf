/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_rights.c - whether this connection may do what the daemons do to
 * every table of the store: read, insert and delete rows, and take the
 * store's write lock ("cadencectl doctor" on a PostgreSQL store, where the
 * rights are the role's, not a file's).
 *
 * How: inside one write transaction (the backend's write lock taken as
 * every writer takes it), for each table of the catalog, statements that
 * touch no row but that the engine checks the rights of before running
 * them: SELECT ... WHERE 1 = 0, INSERT INTO t SELECT * FROM t WHERE 1 = 0,
 * DELETE ... WHERE 1 = 0. The transaction is always rolled back: nothing
 * is written. Table names come from the engine's catalog and are quoted.
 *
 * Errors: -1 with "store: WHERE: table T: the engine's message" for the
 * first statement refused.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* Runs sql (heap, freed here) on table's behalf. */
static int probe(struct store *st, char *sql, const char *table, struct cad_err *err)
{
	int rc = st->drv->exec(st->conn, sql, err);
	free(sql);
	if (rc < 0)
		cad_err_prefix(err, "store: %s: table %s", st->path, table);
	return rc;
}

int store_rights_check(struct store *st, int *ntables, struct cad_err *err)
{
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	store_q *s;
	int rc = 0, step;

	*ntables = 0;
	s = st->drv->prepare(st->conn, st->drv->tables_sql, err);
	if (s == NULL)
		return -1;
	while ((step = store_step(s)) == STORE_ROW) {
		const char *t = store_col_cstr(s, 0);
		if (t == NULL || strchr(t, '"') != NULL || strncmp(t, "sqlite_", 7) == 0)
			continue;
		cad_grow(&names, &cap, n + 1, sizeof(*names));
		names[n++] = xstrdup(t);
	}
	if (step != STORE_DONE)
		rc = store_dberr(st, "listing the tables", err);
	st->drv->finalize(s);
	if (rc == 0 && st->drv->begin(st->conn, 1, err) < 0) {
		cad_err_prefix(err, "store: %s: taking the write lock", st->path);
		rc = -1;
	}
	if (rc == 0) {
		for (i = 0; i < n && rc == 0; i++) {
			const char *t = names[i];
			rc = probe(st, xasprintf("SELECT * FROM \"%s\" WHERE 1 = 0", t), t, err);
			if (strcmp(t, "schema_version") == 0)
				continue;       /* written by "cadencectl init" only */
			if (rc == 0)
				rc = probe(st, xasprintf("INSERT INTO \"%s\" SELECT * FROM \"%s\" "
							 "WHERE 1 = 0", t, t), t, err);
			if (rc == 0)
				rc = probe(st, xasprintf("DELETE FROM \"%s\" WHERE 1 = 0", t), t, err);
		}
		st->drv->rollback(st->conn);
	}
	if (rc == 0)
		*ntables = (int)n;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}
