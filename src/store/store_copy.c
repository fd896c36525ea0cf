/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_copy.c - a whole store copied to another, of either backend, and
 * verified by counts and checksums (store_copy.h; cadencectl migrate).
 *
 * Every statement reaches the databases through the backend table
 * (store_drv.h); the SQL is the store's common dialect. Values are read as
 * the text the column reader gives and written as text, integers (the
 * columns marked '#' below) as 64-bit integers.
 */
#include "config.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "store_copy.h"
#include "store_int.h"

/* The schema's tables in an order that satisfies its foreign keys, each
 * with every column of the current schema (store_schema.c, and the same
 * columns in store_schema_pg.c); '#' marks an integer column, "@N" one
 * that exists from schema version N on. A table whose first column is
 * "id" has an id the backend generates.
 *
 * A migration that adds a table or a column must add it here: a store
 * with a table or column this list does not know is refused by
 * store_copy() (store_copy_check_schema(); test_store_copy fails first).
 *
 * events comes before webhooks: the trigger events_webhook_outbox adds an
 * outbox row for each new event and each webhook, and finds none; the
 * outbox is then copied as it is. */
struct copy_table {
	const char *name;
	const char *cols;
};

static const struct copy_table tables[] = {
	{ "users", "id#,email,name,tz,signature,meeting_link,send_cap_24h#,enroll_cap_day#,"
	  "active#,deleted#,digest#,created_at#,updated_at#" },
	{ "sequences", "id#,name,owner,description,days,window_start#,window_end#,tz,holidays,"
	  "thread_default#,scope,ooo,unenroll_on_reply#,unenroll_on_meeting#,active#,deleted#,"
	  "source,created_at#,updated_at#" },
	{ "steps", "sequence_id#,idx#,kind,delay_days#,delay_minutes#,wait#,thread_step#,"
	  "subject,body,line#" },
	{ "contacts", "id#,email,domain,firstname,lastname,company,tz,created_at#,updated_at#,"
	  "region" },
	{ "contact_props", "contact_id#,key,value" },
	{ "contact_aliases", "alias,contact_id#" },
	{ "enrollments", "id#,contact_id#,sequence_id#,user_id#,state,step#,next_due#,reason,"
	  "paused_until#,enrolled_at#,updated_at#,enrolled_by,bulk#,held_due#,held_step#,"
	  "claim_by@10,claim_until#@10" },
	{ "tasks", "id#,enrollment_id#,user_id#,step#,kind,state,due_at#,note,created_at#,"
	  "closed_at#,outcome,close_note" },
	{ "sent_messages", "id#,enrollment_id#,step#,message_id,token,subject,state,queue_id,"
	  "smtp_reply,created_at#,submitted_at#,witnessed_at#" },
	{ "suppressions", "id#,pattern,is_domain#,kind,note,created_at#" },
	{ "events", "id#,at#,type,enrollment_id#,contact_id#,sequence_id#,user_id#,actor,detail" },
	{ "holidays", "calendar,date,name" },
	{ "notices", "id#,user_id#,kind,created_at#,subject,body,sent_at#,reply,"
	  "claim_by@11,claim_until#@11" },
	{ "api_tokens", "id#,name,hash,user_id#,admin#,created_at#,last_used_at#,revoked_at#" },
	{ "webhooks", "id#,url,events,secret,created_at#,deleted#" },
	{ "webhook_outbox", "id#,webhook_id#,event_id#,state,attempts#,next_at#,created_at#,"
	  "done_at#" },
	{ "webhook_attempts", "id#,outbox_id#,at#,status#,response,duration_ms#,payload" },
};

#define NTABLES (sizeof(tables) / sizeof(tables[0]))
_Static_assert(NTABLES <= STORE_COPY_MAX_TABLES, "STORE_COPY_MAX_TABLES too small");

#define MAX_COLS 40

/* A table's columns at a schema version, split. */
struct cols {
	char buf[512];
	const char *name[MAX_COLS];
	int isint[MAX_COLS];
	size_t n;
};

static void cols_split(const struct copy_table *t, int version, struct cols *c)
{
	char *p, *at, *save = NULL;
	c->n = 0;
	snprintf(c->buf, sizeof(c->buf), "%s", t->cols);
	for (p = strtok_r(c->buf, ",", &save); p && c->n < MAX_COLS;
	     p = strtok_r(NULL, ",", &save)) {
		size_t l;
		if ((at = strchr(p, '@')) != NULL) {
			*at = '\0';
			if (atoi(at + 1) > version)
				continue;
		}
		l = strlen(p);
		c->isint[c->n] = l > 0 && p[l - 1] == '#';
		if (c->isint[c->n])
			p[l - 1] = '\0';
		c->name[c->n++] = p;
	}
}

static int has_id(const struct cols *c)
{
	return c->n > 0 && strcmp(c->name[0], "id") == 0;
}

/* "a, b, c" */
static void cols_list(struct sbuf *b, const struct cols *c)
{
	size_t i;
	for (i = 0; i < c->n; i++) {
		if (i)
			sbuf_adds(b, ", ");
		sbuf_adds(b, c->name[i]);
	}
}

/* A statement of dynamic SQL text, not cached. */
static store_q *prep(struct store *st, const char *sql, struct cad_err *err)
{
	store_q *q = st->drv->prepare(st->conn, sql, err);
	if (q == NULL)
		cad_err_prefix(err, "store: copy: %s", st->path);
	return q;
}

static int qerr(struct store *st, const char *what, const char *table, struct cad_err *err)
{
	return cad_err_set(err, "store: copy: %s: %s %s: %s", st->path, what, table,
			   st->drv->errmsg(st->conn));
}

/* ---- the schema the list knows ---- */

static const struct copy_table *known(const char *name)
{
	size_t i;
	for (i = 0; i < NTABLES; i++)
		if (strcmp(tables[i].name, name) == 0)
			return &tables[i];
	return NULL;
}

/* Tables that are the backend's own, not the store's data: the version
 * (each store has its own, made by store_open()), PostgreSQL's
 * data_version counter (store_schema_pg.c) and SQLite's own tables
 * (sqlite_stat1 ...). */
static int not_copied(const char *name)
{
	return strcmp(name, "schema_version") == 0 || strcmp(name, "store_data_version") == 0 ||
	       strncmp(name, "sqlite_", 7) == 0;
}

/* The names the store's catalog gives for table's columns, one per row:
 * SQLite's table_info, the standard information_schema elsewhere. */
static const char *columns_sql(struct store *st)
{
	if (strcmp(st->drv->name, "sqlite") == 0)
		return "SELECT name FROM pragma_table_info(?)";
	return "SELECT column_name FROM information_schema.columns"
	       " WHERE table_schema = current_schema()"
	       " AND CAST(table_name AS TEXT) = CAST(? AS TEXT)";
}

static int check_columns(struct store *st, const struct copy_table *t, struct cad_err *err)
{
	struct cols c;
	unsigned char seen[MAX_COLS];
	store_q *q;
	size_t i;
	int rc = STORE_DONE, bad = 0;

	cols_split(t, store_schema_version(st), &c);
	memset(seen, 0, sizeof(seen));
	if ((q = prep(st, columns_sql(st), err)) == NULL)
		return -1;
	store_bind_text(q, 1, t->name);
	while (!bad && (rc = store_step(q)) == STORE_ROW) {
		const char *n = store_col_cstr(q, 0);
		for (i = 0; i < c.n; i++)
			if (n && strcmp(n, c.name[i]) == 0)
				break;
		if (i == c.n) {
			cad_err_set(err, "store: copy: %s: table %s has a column %s that the copy "
				    "does not know (add it to store_copy.c's list)", st->path,
				    t->name, n ? n : "?");
			bad = 1;
		} else {
			seen[i] = 1;
		}
	}
	if (!bad && rc != STORE_DONE) {
		qerr(st, "reading the columns of", t->name, err);
		bad = 1;
	}
	st->drv->finalize(q);
	if (bad)
		return -1;
	for (i = 0; i < c.n; i++)
		if (!seen[i])
			return cad_err_set(err, "store: copy: %s: table %s has no column %s",
					   st->path, t->name, c.name[i]);
	return 0;
}

int store_copy_check_schema(struct store *st, struct cad_err *err)
{
	unsigned char seen[NTABLES];
	store_q *q;
	size_t i;
	int rc = STORE_DONE, bad = 0;

	memset(seen, 0, sizeof(seen));
	if ((q = prep(st, st->drv->tables_sql, err)) == NULL)
		return -1;
	while (!bad && (rc = store_step(q)) == STORE_ROW) {
		const char *n = store_col_cstr(q, 0);
		const struct copy_table *t;
		if (n == NULL || not_copied(n))
			continue;
		if ((t = known(n)) == NULL) {
			cad_err_set(err, "store: copy: %s: the store has a table %s that the copy "
				    "does not know (add it to store_copy.c's list)", st->path, n);
			bad = 1;
		} else {
			seen[t - tables] = 1;
		}
	}
	if (!bad && rc != STORE_DONE) {
		qerr(st, "reading the", "tables", err);
		bad = 1;
	}
	st->drv->finalize(q);
	if (bad)
		return -1;
	for (i = 0; i < NTABLES; i++) {
		if (!seen[i])
			return cad_err_set(err, "store: copy: %s: the store has no table %s",
					   st->path, tables[i].name);
		if (check_columns(st, &tables[i], err) < 0)
			return -1;
	}
	return 0;
}

/* ---- counts and checksums ---- */

static int count_rows(struct store *st, const char *table, int64_t *n, struct cad_err *err)
{
	char sql[128];
	store_q *q;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", table);
	if ((q = prep(st, sql, err)) == NULL)
		return -1;
	rc = store_step(q);
	if (rc == STORE_ROW)
		*n = store_col_int64(q, 0);
	else
		qerr(st, "counting", table, err);
	st->drv->finalize(q);
	return rc == STORE_ROW ? 0 : -1;
}

/* acc += d, both 256-bit big-endian numbers, modulo 2^256. */
static void sum_add(unsigned char acc[32], const unsigned char d[32])
{
	unsigned carry = 0;
	int i;
	for (i = 31; i >= 0; i--) {
		unsigned v = (unsigned)acc[i] + d[i] + carry;
		acc[i] = (unsigned char)(v & 0xff);
		carry = v >> 8;
	}
}

/* One row as bytes: per column 0x00 for NULL, else 0x01, the length in 8
 * bytes (big-endian) and the text. */
static void row_render(store_q *q, size_t ncols, struct sbuf *b)
{
	size_t i;
	int k;
	sbuf_reset(b);
	for (i = 0; i < ncols; i++) {
		const char *v = store_col_null(q, (int)i) ? NULL : store_col_cstr(q, (int)i);
		uint64_t l;
		if (v == NULL) {
			sbuf_addc(b, '\0');
			continue;
		}
		sbuf_addc(b, '\1');
		l = strlen(v);
		for (k = 7; k >= 0; k--)
			sbuf_addc(b, (char)((l >> (8 * k)) & 0xff));
		sbuf_add(b, v, (size_t)l);
	}
}

/* ---- reading a table ---- */

/* Rows per statement of a table with an id: PostgreSQL's backend holds a
 * statement's whole result in memory. */
#define CHUNK 5000

typedef int (*row_fn)(store_q *q, const struct cols *c, void *arg, struct cad_err *err);

/* Calls fn for every row of t (columns c): a table with an id by id, in
 * statements of CHUNK rows; one without in one statement. fn returns 0,
 * or -1 with err to stop. */
static int scan(struct store *st, const struct copy_table *t, const struct cols *c, row_fn fn,
		void *arg, struct cad_err *err)
{
	struct sbuf sql;
	store_q *q;
	int64_t last = INT64_MIN, n;
	int id = has_id(c), rc = STORE_DONE, frc = 0;

	sbuf_init(&sql);
	sbuf_adds(&sql, "SELECT ");
	cols_list(&sql, c);
	sbuf_addf(&sql, " FROM %s", t->name);
	if (id)
		sbuf_addf(&sql, " WHERE id > ? ORDER BY id LIMIT %d", CHUNK);
	q = prep(st, sql.s, err);
	sbuf_free(&sql);
	if (q == NULL)
		return -1;
	do {
		st->drv->reset(q);
		if (id)
			store_bind_int64(q, 1, last);
		n = 0;
		while ((rc = store_step(q)) == STORE_ROW) {
			n++;
			if (id)
				last = store_col_int64(q, 0);
			if ((frc = fn(q, c, arg, err)) != 0)
				break;
		}
	} while (frc == 0 && rc == STORE_DONE && id && n == CHUNK);
	if (frc == 0 && rc != STORE_DONE)
		qerr(st, "reading", t->name, err);
	st->drv->finalize(q);
	return frc == 0 && rc == STORE_DONE ? 0 : -1;
}

struct sum_state {
	unsigned char acc[32];
	int64_t rows;
	struct sbuf row;
};

static int sum_row(store_q *q, const struct cols *c, void *arg, struct cad_err *err)
{
	struct sum_state *s = arg;
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;

	row_render(q, c->n, &s->row);
	if (EVP_Digest(s->row.s, s->row.len, d, &dl, EVP_sha256(), NULL) != 1 || dl != 32)
		return cad_err_set(err, "store: copy: SHA-256 failed");
	sum_add(s->acc, d);
	s->rows++;
	return 0;
}

/* The table's row count and checksum (hex). */
static int table_sum(struct store *st, const struct copy_table *t, int64_t *rows,
		     char hex[65], struct cad_err *err)
{
	struct sum_state s;
	struct cols c;
	int rc;

	cols_split(t, store_schema_version(st), &c);
	memset(&s, 0, sizeof(s));
	sbuf_init(&s.row);
	rc = scan(st, t, &c, sum_row, &s, err);
	sbuf_free(&s.row);
	if (rc < 0)
		return -1;
	*rows = s.rows;
	cad_hex(s.acc, 32, hex);
	return 0;
}

/* Fills rep from both stores, inside their open transactions. */
static int verify_in(struct store *from, struct store *to, struct store_copy_report *rep,
		     struct cad_err *err)
{
	struct sbuf bad;
	size_t i;
	int ok = 1;

	rep->n = 0;
	rep->verified = 0;
	for (i = 0; i < NTABLES; i++) {
		struct store_copy_table *r = &rep->t[rep->n++];
		memset(r, 0, sizeof(*r));
		r->name = tables[i].name;
		if (table_sum(from, &tables[i], &r->rows_from, r->sum_from, err) < 0 ||
		    table_sum(to, &tables[i], &r->rows_to, r->sum_to, err) < 0)
			return -1;
		r->ok = r->rows_from == r->rows_to && strcmp(r->sum_from, r->sum_to) == 0;
		ok &= r->ok;
	}
	if (ok) {
		rep->verified = 1;
		return 0;
	}
	sbuf_init(&bad);
	for (i = 0; i < rep->n; i++)
		if (!rep->t[i].ok)
			sbuf_addf(&bad, "%s%s (%lld rows, %lld in the copy)", bad.len ? ", " : "",
				  rep->t[i].name, (long long)rep->t[i].rows_from,
				  (long long)rep->t[i].rows_to);
	cad_err_set(err, "store: copy: %s differs from %s: %s", to->path, from->path, bad.s);
	sbuf_free(&bad);
	return -1;
}

int store_copy_verify(struct store *from, struct store *to, struct store_copy_report *rep,
		      struct cad_err *err)
{
	struct store_copy_report tmp;
	int rc;

	if (rep == NULL)
		rep = &tmp;
	memset(rep, 0, sizeof(*rep));
	if (store_begin(from, err) < 0)
		return -1;
	if (store_begin(to, err) < 0) {
		store_rollback(from);
		return -1;
	}
	rc = verify_in(from, to, rep, err);
	/* Read only: nothing to keep. */
	store_rollback(to);
	store_rollback(from);
	return rc;
}

/* ---- the copy ---- */

struct copy_state {
	struct store *to;
	const struct copy_table *t;
	store_q *w;
	int64_t *copied;
};

static int copy_row(store_q *r, const struct cols *c, void *arg, struct cad_err *err)
{
	struct copy_state *s = arg;
	size_t i;
	int rc;

	s->to->drv->reset(s->w);
	for (i = 0; i < c->n; i++) {
		int k = (int)i;
		if (store_col_null(r, k))
			store_bind_text(s->w, k + 1, NULL);
		else if (c->isint[i])
			store_bind_int64(s->w, k + 1, store_col_int64(r, k));
		else
			store_bind_text(s->w, k + 1, store_col_cstr(r, k));
	}
	while ((rc = store_step(s->w)) == STORE_ROW)
		;
	if (rc != STORE_DONE)
		return qerr(s->to, "writing", s->t->name, err);
	(*s->copied)++;
	return 0;
}

static int copy_table(struct store *from, struct store *to, const struct copy_table *t,
		      int64_t *copied, struct cad_err *err)
{
	struct copy_state s;
	struct cols c;
	struct sbuf sql;
	size_t i;
	int rc;

	cols_split(t, store_schema_version(from), &c);
	sbuf_init(&sql);
	sbuf_addf(&sql, "INSERT INTO %s (", t->name);
	cols_list(&sql, &c);
	sbuf_adds(&sql, ") VALUES (");
	for (i = 0; i < c.n; i++)
		sbuf_adds(&sql, i ? ", ?" : "?");
	sbuf_adds(&sql, ")");
	s.to = to;
	s.t = t;
	s.copied = copied;
	s.w = prep(to, sql.s, err);
	sbuf_free(&sql);
	if (s.w == NULL)
		return -1;
	rc = scan(from, t, &c, copy_row, &s, err);
	to->drv->finalize(s.w);
	if (rc < 0)
		return -1;
	if (has_id(&c) && to->drv->ids_continue &&
	    to->drv->ids_continue(to->conn, t->name, err) < 0) {
		cad_err_prefix(err, "store: copy: %s: the ids of %s", to->path, t->name);
		return -1;
	}
	return 0;
}

static int check_empty(struct store *st, struct cad_err *err)
{
	size_t i;
	int64_t n;
	for (i = 0; i < NTABLES; i++) {
		if (count_rows(st, tables[i].name, &n, err) < 0)
			return -1;
		if (n != 0)
			return cad_err_set(err, "store: copy: %s is not empty (table %s has %lld "
					   "rows); refusing to write into it", st->path,
					   tables[i].name, (long long)n);
	}
	return 0;
}

int store_copy_check_empty(struct store *st, struct cad_err *err)
{
	int rc;
	if (store_begin(st, err) < 0)
		return -1;
	rc = check_empty(st, err);
	store_rollback(st);
	return rc;
}

/* Inside both transactions: the target empty, every table copied, then
 * verified. */
static int copy_in(struct store *from, struct store *to, struct store_copy_report *rep,
		   struct cad_err *err)
{
	size_t i;
	int64_t n;

	if (check_empty(to, err) < 0)
		return -1;
	rep->rows = 0;
	for (i = 0; i < NTABLES; i++) {
		/* A trigger on a table copied earlier must not have filled it. */
		if (count_rows(to, tables[i].name, &n, err) < 0)
			return -1;
		if (n != 0)
			return cad_err_set(err, "store: copy: %s: table %s got %lld rows from a "
					   "trigger while earlier tables were copied", to->path,
					   tables[i].name, (long long)n);
		if (copy_table(from, to, &tables[i], &rep->rows, err) < 0)
			return -1;
	}
	return verify_in(from, to, rep, err);
}

int store_copy(struct store *from, struct store *to, struct store_copy_report *rep,
	       struct cad_err *err)
{
	struct store_copy_report tmp;
	int vf = store_schema_version(from), vt = store_schema_version(to);

	if (rep == NULL)
		rep = &tmp;
	memset(rep, 0, sizeof(*rep));
	if (vf != store_schema_current())
		return cad_err_set(err, "store: copy: %s is at schema version %d, not this "
				   "cadence's %d: open it read-write once to upgrade it", from->path,
				   vf, store_schema_current());
	if (vt != vf)
		return cad_err_set(err, "store: copy: %s is at schema version %d, the source at "
				   "%d; refusing to write into it", to->path, vt, vf);
	if (to->readonly)
		return cad_err_set(err, "store: copy: %s is open read-only", to->path);
	if (store_copy_check_schema(from, err) < 0 || store_copy_check_schema(to, err) < 0)
		return -1;
	/* The source in one read transaction: one state of it is copied. */
	if (store_begin(from, err) < 0)
		return -1;
	if (store_begin(to, err) < 0) {
		store_rollback(from);
		return -1;
	}
	if (copy_in(from, to, rep, err) < 0) {
		store_rollback(to);
		store_rollback(from);
		return -1;
	}
	store_rollback(from);
	if (store_commit(to, err) < 0) {
		rep->verified = 0;
		return -1;
	}
	return 0;
}
