/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_drv_pg.c - the PostgreSQL backend of the store (store_drv.h), with
 * libpq: one state shared by several mail hosts (every milter, more than
 * one cadenced).
 *
 * Connection: the Database value is a postgresql:// URI or libpq keywords
 * (PQconnectdbParams with expand_dbname; a 10 s connect_timeout unless the
 * value sets one). Passwords come from libpq's own mechanisms (.pgpass,
 * PGPASSFILE, the URI); messages name the server by host (or socket
 * directory) and database only, never by the value, which may hold a
 * password. libpq's notices are dropped (library code never logs).
 *
 * Statements: the store's SQL writes SQLite's "?" and "?NNN"; prepare()
 * numbers them "$N" outside quoted literals and identifiers (a bare "?"
 * is one more than the largest number seen before it, as in SQLite) and
 * prepares the text under a name unique on the connection (PQprepare,
 * types inferred by the server). Parameters travel as text (int64 in
 * decimal, NULL as NULL); columns are read from text (booleans 't'/'f'
 * read 1/0). The first step() executes and keeps the whole result; each
 * step moves one row on.
 *
 * Transactions: a write transaction is BEGIN and then (one round trip)
 * pg_advisory_xact_lock(CADENCE_PG_LOCK_KEY): every write transaction of
 * every host waits for the one before it to end, as SQLite's BEGIN
 * IMMEDIATE, so that no update is lost and nobody has to retry a
 * serialization failure (statements see the data committed before the
 * lock was granted: READ COMMITTED takes a snapshot per statement). A
 * read transaction is REPEATABLE READ READ ONLY: one snapshot throughout.
 * A writer waits at most 10 s for the lock (lock_timeout, as SQLite's busy
 * timeout): then begin() fails with "canceling statement due to lock
 * timeout" and the caller's transaction fails as a whole.
 * A store opened read-only also sets default_transaction_read_only.
 *
 * data_version: the one row of store_data_version (store_schema_pg.c),
 * which a deferred constraint trigger on every table of the store
 * increments once per transaction that inserted, updated or deleted a
 * row, at its commit (deferred, so that the counter's row lock is taken
 * last and held for an instant: no deadlock with other writers). A
 * connection reads it outside a transaction: it changes whenever any
 * connection of any host commits a write.
 *
 * Connection loss: a statement that fails because the connection is gone
 * (CONNECTION_BAD) outside a transaction resets the connection once
 * (PQreset, bounded by connect_timeout; the session's settings are made
 * again), prepares the statement again and runs it again; inside a transaction it fails, and so does the caller's
 * transaction as a whole (as a locked SQLite file would).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_copy.h"
#include "store_drv.h"

/* The advisory lock of cadence's write transactions: "cadence\0" in ASCII. */
#define CADENCE_PG_LOCK_KEY INT64_C(0x636164656e636500)
#define PG_CONNECT_TIMEOUT "10"
#define PG_LOCK_TIMEOUT "10s"       /* a writer waits at most this for the lock */

struct pg_conn {
	PGconn *c;
	char *where;            /* "host=... dbname=...", for messages */
	char *msg;              /* the last error */
	char sqlstate[6];       /* of the last error, "" when none */
	int64_t changes;        /* rows of the last INSERT, UPDATE or DELETE */
	unsigned next_name;     /* statement names: "cad_1", "cad_2" ... */
	unsigned gen;           /* bumped by a reset: statements prepare again */
	int in_tx;
	int readonly;           /* STORE_READONLY: set again after a reset */
};

struct pg_q {
	struct store_q base;    /* first: a struct store_q * is a struct pg_q * */
	char *sql;              /* translated to $N */
	char name[24];
	unsigned gen;           /* the connection generation it was prepared on */
	int nparams;
	char **vals;            /* nparams values, NULL = SQL NULL */
	Oid *types;             /* 0 (the server infers), text for a number unused */
	PGresult *res;
	int row, nrows, started;
};

static struct pg_conn *pc_of(void *conn)
{
	return conn;
}

static struct pg_q *q_of(struct store_q *q)
{
	return (struct pg_q *)q;
}

/* ---- errors ---- */

static void set_msg(struct pg_conn *pc, const char *m, const char *state)
{
	size_t n;
	free(pc->msg);
	pc->msg = xstrdup(m && *m ? m : "unknown PostgreSQL error");
	n = strlen(pc->msg);
	while (n > 0 && (pc->msg[n - 1] == '\n' || pc->msg[n - 1] == ' '))
		pc->msg[--n] = '\0';
	snprintf(pc->sqlstate, sizeof(pc->sqlstate), "%s", state ? state : "");
}

/* Records r's error (or the connection's, when r is NULL). */
static void set_res_err(struct pg_conn *pc, const PGresult *r)
{
	const char *prim = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (prim && *prim)
		set_msg(pc, prim, PQresultErrorField(r, PG_DIAG_SQLSTATE));
	else if (r && PQresultErrorMessage(r)[0])
		set_msg(pc, PQresultErrorMessage(r), PQresultErrorField(r, PG_DIAG_SQLSTATE));
	else
		set_msg(pc, PQerrorMessage(pc->c), NULL);
}

static int res_ok(const PGresult *r)
{
	ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

static void no_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* "host=H port=P dbname=D" from the parts of conninfo that name the server,
 * never its password. */
char *store_pg_where(const char *conninfo)
{
	PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
	const char *host = NULL, *port = NULL, *db = NULL, *user = NULL;
	PQconninfoOption *o;
	char *w;

	if (opts == NULL)
		return xstrdup("PostgreSQL (an unreadable connection string)");
	for (o = opts; o->keyword; o++) {
		if (o->val == NULL || *o->val == '\0')
			continue;
		if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "hostaddr") == 0 && host == NULL)
			host = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
		else if (strcmp(o->keyword, "dbname") == 0)
			db = o->val;
		else if (strcmp(o->keyword, "user") == 0)
			user = o->val;
	}
	w = xasprintf("host=%s%s%s dbname=%s", host ? host : "(default)", port ? " port=" : "",
		      port ? port : "", db ? db : (user ? user : "(default)"));
	PQconninfoFree(opts);
	return w;
}

/* ---- the connection ---- */

static void pg_close(void *conn)
{
	struct pg_conn *pc = pc_of(conn);
	if (pc == NULL)
		return;
	PQfinish(pc->c);
	free(pc->where);
	free(pc->msg);
	free(pc);
}

/* PQexec of sql; 0, or -1 with the error recorded. */
static int run(struct pg_conn *pc, const char *sql)
{
	PGresult *r = PQexec(pc->c, sql);
	int ok = res_ok(r);
	if (!ok)
		set_res_err(pc, r);
	PQclear(r);
	return ok ? 0 : -1;
}

static int pg_exec(void *conn, const char *sql, struct cad_err *err)
{
	struct pg_conn *pc = pc_of(conn);
	if (run(pc, sql) < 0)
		return cad_err_set(err, "%s", pc->msg);
	return 0;
}

/* What every new session of the connection gets (at open and reset). */
static int session_setup(struct pg_conn *pc)
{
	PQsetNoticeProcessor(pc->c, no_notices, NULL);
	if (run(pc, "SET client_min_messages = warning") < 0)
		return -1;
	if (pc->readonly && run(pc, "SET default_transaction_read_only = on") < 0)
		return -1;
	return 0;
}

static int pg_open(void **conn, const char *target, int flags, struct cad_err *err)
{
	const char *const kw[] = { "connect_timeout", "dbname", NULL };
	const char *val[] = { PG_CONNECT_TIMEOUT, target, NULL };
	struct pg_conn *pc;

	*conn = NULL;
	pc = xcalloc(1, sizeof(*pc));
	pc->where = store_pg_where(target);
	/* The value expands in place of dbname: its own connect_timeout wins. */
	pc->c = PQconnectdbParams(kw, val, 1);
	if (pc->c == NULL || PQstatus(pc->c) != CONNECTION_OK) {
		set_msg(pc, pc->c ? PQerrorMessage(pc->c) : "out of memory", NULL);
		cad_err_set(err, "store: %s: %s", pc->where, pc->msg);
		pg_close(pc);
		return -1;
	}
	pc->readonly = (flags & STORE_READONLY) != 0;
	if (session_setup(pc) < 0) {
		cad_err_set(err, "store: %s: %s", pc->where, pc->msg);
		pg_close(pc);
		return -1;
	}
	*conn = pc;
	return 0;
}

/* After a failure outside a transaction: when the connection is gone,
 * reset it once. 1 when it is back (statements must prepare again). */
static int try_reset(struct pg_conn *pc)
{
	if (pc->in_tx || PQstatus(pc->c) != CONNECTION_BAD)
		return 0;
	PQreset(pc->c);
	pc->gen++;   /* the server forgot the prepared statements in any case */
	if (PQstatus(pc->c) != CONNECTION_OK || session_setup(pc) < 0)
		return 0;
	return 1;
}

static int64_t pg_changes(void *conn)
{
	return pc_of(conn)->changes;
}

static const char *pg_errmsg(void *conn)
{
	struct pg_conn *pc = pc_of(conn);
	return pc->msg ? pc->msg : "no error";
}

static int pg_is_unique_violation(void *conn)
{
	return strcmp(pc_of(conn)->sqlstate, "23505") == 0;
}

static int pg_begin(void *conn, int write, struct cad_err *err)
{
	struct pg_conn *pc = pc_of(conn);
	char sql[256];
	int locking;

	/* A write transaction is BEGIN and its lock in one round trip (the
	 * lock_timeout bounded as SQLite's busy timeout, for the wait for the
	 * lock only); a read one, its snapshot. */
	if (write)
		snprintf(sql, sizeof(sql), "BEGIN; SET LOCAL lock_timeout = '%s';"
			 " SELECT pg_advisory_xact_lock(%" PRId64 ");"
			 " SET LOCAL lock_timeout = DEFAULT", PG_LOCK_TIMEOUT, CADENCE_PG_LOCK_KEY);
	else
		snprintf(sql, sizeof(sql), "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
	if (run(pc, sql) < 0 && (try_reset(pc) == 0 || run(pc, sql) < 0)) {
		/* BEGIN ran and the lock was not had: the transaction is open */
		locking = PQstatus(pc->c) == CONNECTION_OK &&
			  PQtransactionStatus(pc->c) == PQTRANS_INERROR;
		if (locking)
			cad_err_set(err, "%s: taking the write lock: %s", pc->where, pc->msg);
		else
			cad_err_set(err, "%s: %s", pc->where, pc->msg);
		if (PQstatus(pc->c) == CONNECTION_OK && PQtransactionStatus(pc->c) != PQTRANS_IDLE)
			(void)run(pc, "ROLLBACK");
		return -1;
	}
	pc->in_tx = 1;
	return 0;
}

static int pg_commit(void *conn, struct cad_err *err)
{
	struct pg_conn *pc = pc_of(conn);
	PGresult *r = PQexec(pc->c, "COMMIT");
	int ok = res_ok(r);
	/* COMMIT of a failed transaction "succeeds" as ROLLBACK */
	if (ok && strcmp(PQcmdStatus(r), "ROLLBACK") == 0) {
		set_msg(pc, "the transaction had failed and was rolled back", "25P02");
		ok = 0;
	} else if (!ok)
		set_res_err(pc, r);
	PQclear(r);
	pc->in_tx = 0;
	if (!ok)
		return cad_err_set(err, "%s: %s", pc->where, pc->msg);
	return 0;
}

static void pg_rollback(void *conn)
{
	struct pg_conn *pc = pc_of(conn);
	PQclear(PQexec(pc->c, "ROLLBACK"));
	pc->in_tx = 0;
}

static int64_t pg_data_version(void *conn, struct cad_err *err)
{
	struct pg_conn *pc = pc_of(conn);
	const char *sql = "SELECT n FROM store_data_version";
	PGresult *r = PQexec(pc->c, sql);
	int64_t v;

	if (!res_ok(r) && try_reset(pc)) {
		PQclear(r);
		r = PQexec(pc->c, sql);
	}
	if (!res_ok(r) || PQntuples(r) != 1) {
		if (res_ok(r))
			set_msg(pc, "store_data_version has no row", NULL);
		else
			set_res_err(pc, r);
		PQclear(r);
		cad_err_set(err, "store: %s: data_version: %s", pc->where, pc->msg);
		return -1;
	}
	v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return v;
}

/* ---- statements ---- */

#define PG_MAX_PARAMS 999
#define PG_TEXT_OID 25

/* SQLite's "?" and "?NNN" as "$N" outside '...' and "..."; *nparams gets
 * the largest number, used[i] says whether $i+1 appears (the server cannot
 * infer the type of a number the text skips: SQLite can). */
static char *translate(const char *sql, int *nparams, unsigned char *used)
{
	size_t cap = strlen(sql) * 2 + 16, n = 0;
	char *out = xmalloc(cap);
	const char *p = sql;
	int max = 0;

	while (*p) {
		if (n + 16 >= cap) {
			cap *= 2;
			out = xrealloc(out, cap);
		}
		if (*p == '\'' || *p == '"') {
			char qc = *p;
			out[n++] = *p++;
			while (*p) {
				if (n + 2 >= cap) {
					cap *= 2;
					out = xrealloc(out, cap);
				}
				out[n++] = *p;
				if (*p++ == qc) {
					if (*p == qc)   /* a doubled quote stays inside */
						out[n++] = *p++;
					else
						break;
				}
			}
			continue;
		}
		if (*p == '?') {
			int num;
			p++;
			if (isdigit((unsigned char)*p)) {
				num = 0;
				while (isdigit((unsigned char)*p) && num <= PG_MAX_PARAMS)
					num = num * 10 + (*p++ - '0');
			} else
				num = max + 1;
			if (num > PG_MAX_PARAMS)
				num = PG_MAX_PARAMS;   /* the server refuses it */
			if (num > max)
				max = num;
			used[num - 1] = 1;
			n += (size_t)snprintf(out + n, cap - n, "$%d", num);
			continue;
		}
		out[n++] = *p++;
	}
	out[n] = '\0';
	*nparams = max;
	return out;
}

/* Appends the start of the statement to the last error: which one. */
static void sql_context(struct pg_conn *pc, const char *sql)
{
	char *m = xasprintf("%s (in: %.60s%s)", pc->msg, sql, strlen(sql) > 60 ? "..." : "");
	free(pc->msg);
	pc->msg = m;
}

/* PQprepare of q on its connection's current generation. */
static int q_prepare(struct pg_conn *pc, struct pg_q *q)
{
	PGresult *r;
	int ok;
	snprintf(q->name, sizeof(q->name), "cad_%u", ++pc->next_name);
	r = PQprepare(pc->c, q->name, q->sql, q->nparams, q->types);
	ok = res_ok(r);
	if (!ok)
		set_res_err(pc, r);
	PQclear(r);
	q->gen = pc->gen;
	return ok ? 0 : -1;
}

static struct store_q *pg_prepare(void *conn, const char *sql, struct cad_err *err)
{
	struct pg_conn *pc = pc_of(conn);
	struct pg_q *q = xcalloc(1, sizeof(*q));
	unsigned char used[PG_MAX_PARAMS] = { 0 };
	int i;

	q->base.drv = &store_drv_pg;
	q->base.conn = conn;
	q->sql = translate(sql, &q->nparams, used);
	if (q->nparams > 0) {
		q->vals = xcalloc((size_t)q->nparams, sizeof(*q->vals));
		q->types = xcalloc((size_t)q->nparams, sizeof(*q->types));
		for (i = 0; i < q->nparams; i++)
			q->types[i] = used[i] ? 0 : PG_TEXT_OID;
	}
	if (q_prepare(pc, q) < 0 && (!try_reset(pc) || q_prepare(pc, q) < 0)) {
		sql_context(pc, q->sql);
		cad_err_set(err, "store: preparing a statement: %s", pc->msg);
		free(q->types);
		free(q->vals);
		free(q->sql);
		free(q);
		return NULL;
	}
	return &q->base;
}

static void q_clear_vals(struct pg_q *q)
{
	int i;
	for (i = 0; i < q->nparams; i++) {
		free(q->vals[i]);
		q->vals[i] = NULL;
	}
}

static void pg_reset(struct store_q *sq)
{
	struct pg_q *q = q_of(sq);
	PQclear(q->res);
	q->res = NULL;
	q->row = q->nrows = q->started = 0;
	q_clear_vals(q);
}

static void pg_finalize(struct store_q *sq)
{
	struct pg_q *q;
	struct pg_conn *pc;
	char sql[64];
	if (sq == NULL)
		return;
	q = q_of(sq);
	pc = pc_of(sq->conn);
	pg_reset(sq);
	/* statements prepared on a connection since reset are gone already */
	if (q->gen == pc->gen && PQstatus(pc->c) == CONNECTION_OK) {
		snprintf(sql, sizeof(sql), "DEALLOCATE %s", q->name);
		PQclear(PQexec(pc->c, sql));
	}
	free(q->types);
	free(q->vals);
	free(q->sql);
	free(q);
}

static void pg_bind_text(struct store_q *sq, int i, const char *v)
{
	struct pg_q *q = q_of(sq);
	if (i < 1 || i > q->nparams)
		return;
	free(q->vals[i - 1]);
	q->vals[i - 1] = v ? xstrdup(v) : NULL;
}

static void pg_bind_int64(struct store_q *sq, int i, int64_t v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%" PRId64, v);
	pg_bind_text(sq, i, buf);
}

/* Runs q; its result in q->res (NULL on error, recorded). */
static int q_run(struct pg_conn *pc, struct pg_q *q)
{
	PGresult *r;
	if (q->gen != pc->gen && q_prepare(pc, q) < 0)
		return -1;
	r = PQexecPrepared(pc->c, q->name, q->nparams, (const char *const *)q->vals, NULL, NULL,
			   0);
	if (!res_ok(r)) {
		set_res_err(pc, r);
		sql_context(pc, q->sql);
		PQclear(r);
		return -1;
	}
	q->res = r;
	return 0;
}

static int pg_step(struct store_q *sq)
{
	struct pg_q *q = q_of(sq);
	struct pg_conn *pc = pc_of(sq->conn);

	if (!q->started) {
		const char *cmd;
		q->started = 1;
		if (q_run(pc, q) < 0 && (!try_reset(pc) || q_run(pc, q) < 0))
			return STORE_ERROR;
		cmd = PQcmdStatus(q->res);
		if (strncmp(cmd, "INSERT ", 7) == 0 || strncmp(cmd, "UPDATE ", 7) == 0 ||
		    strncmp(cmd, "DELETE ", 7) == 0)
			pc->changes = strtoll(PQcmdTuples(q->res), NULL, 10);
		q->nrows = PQresultStatus(q->res) == PGRES_TUPLES_OK ? PQntuples(q->res) : 0;
		q->row = -1;
	}
	if (q->res == NULL)
		return STORE_ERROR;
	if (q->row + 1 < q->nrows) {
		q->row++;
		return STORE_ROW;
	}
	q->row = q->nrows;
	return STORE_DONE;
}

static int has_cell(struct pg_q *q, int i)
{
	return q->res && q->row >= 0 && q->row < q->nrows && i >= 0 && i < PQnfields(q->res);
}

static int pg_col_null(struct store_q *sq, int i)
{
	struct pg_q *q = q_of(sq);
	return !has_cell(q, i) || PQgetisnull(q->res, q->row, i);
}

static const char *pg_col_text(struct store_q *sq, int i)
{
	struct pg_q *q = q_of(sq);
	if (pg_col_null(sq, i))
		return NULL;
	return PQgetvalue(q->res, q->row, i);
}

static int64_t pg_col_int64(struct store_q *sq, int i)
{
	const char *t = pg_col_text(sq, i);
	if (t == NULL)
		return 0;
	if (t[0] == 't' && t[1] == '\0')
		return 1;
	if (t[0] == 'f' && t[1] == '\0')
		return 0;
	return strtoll(t, NULL, 10);
}

const struct store_drv store_drv_pg = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.exec = pg_exec,
	.prepare = pg_prepare,
	.finalize = pg_finalize,
	.reset = pg_reset,
	.bind_text = pg_bind_text,
	.bind_int64 = pg_bind_int64,
	.step = pg_step,
	.col_null = pg_col_null,
	.col_text = pg_col_text,
	.col_int64 = pg_col_int64,
	.changes = pg_changes,
	.errmsg = pg_errmsg,
	.is_unique_violation = pg_is_unique_violation,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.data_version = pg_data_version,
	.ready = NULL,
	/* pg_tables lists every table of the schema; information_schema only
	 * those the role has rights on (a role without them saw an empty
	 * store, "version 0", instead of "permission denied") */
	.tables_sql = "SELECT tablename FROM pg_catalog.pg_tables"
		      " WHERE schemaname = current_schema()",
	.schema = &store_schema_pg,
	.ids_continue = store_pg_ids_continue,   /* store_drv_pg_copy.c */
};
