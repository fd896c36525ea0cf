/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_int.h - what the store_*.c files share and nobody else sees: the
 * store handle, the prepared-statement cache, bind/column helpers, the
 * event writer used inside transactions, and the bulk state changes that
 * several entities trigger (a rep disabled, a sequence deleted).
 *
 * Statement discipline: store_stmt() hands out the cached statement of a
 * static SQL text, reset and with its bindings cleared. A caller steps it
 * to the end (or calls store_stmt_done()) before calling another store
 * function, so that a cached statement is never in use twice at once.
 */
#ifndef CADENCE_STORE_INT_H
#define CADENCE_STORE_INT_H

#include "store.h"
#include "store_drv.h"

typedef struct store_q store_q;

struct store_cached {
	const char *sql;        /* static text: the cache key is the pointer */
	store_q *stmt;
};

struct store {
	const struct store_drv *drv;
	void *conn;             /* the backend's connection */
	char *path;             /* how messages name the store: the path, or "host=H dbname=D" */
	int readonly;
	int version;            /* the file's schema version after open */
	int depth;              /* store_begin() nesting */
	int doomed;             /* an inner rollback happened: the outer commit rolls back */
	struct store_cached *cache;   /* one per static SQL text used; grows */
	size_t ncached, capcached;
};

/* Opens path and migrates it to at most version target (tests make old
 * files with it; store_open() passes store_schema_current()). */
int store_open_version(struct store **out, const char *path, int flags, int target,
		       struct cad_err *err);

/* store_schema.c: reads the file's version into *version without writing
 * and refuses one newer than target; brings the file to target in one
 * transaction. */
int store_schema_check(struct store *st, int target, int *version, struct cad_err *err);
int store_schema_migrate(struct store *st, int target, struct cad_err *err);

/* ---- statements (store_sql.c: calls no other store file) ---- */
store_q *store_stmt(struct store *st, const char *sql, struct cad_err *err);
void store_stmt_done(store_q *s);
/* One step: STORE_ROW, STORE_DONE or STORE_ERROR (store_dberr() says why). */
int store_step(store_q *s);
/* Steps a statement that returns no rows (or ignores them) and resets it. */
int store_exec_stmt(struct store *st, store_q *s, const char *what, struct cad_err *err);
/* For "INSERT/UPDATE ... RETURNING id": steps s to its end, *id set from
 * the row (left alone when there is none, an UPDATE of nothing).
 * store_step_id() returns STORE_DONE or STORE_ERROR and leaves s as it
 * is (the caller may ask store_is_unique_violation()); store_exec_id() is
 * store_exec_stmt() with the id. */
int store_step_id(store_q *s, int64_t *id);
int store_exec_id(struct store *st, store_q *s, int64_t *id, const char *what,
		  struct cad_err *err);
/* Runs SQL without parameters, not cached (DDL, PRAGMA). */
int store_exec_sql(struct store *st, const char *sql, const char *what, struct cad_err *err);
/* Rows changed by the last INSERT, UPDATE or DELETE. */
int64_t store_changes(struct store *st);
/* Sets err from the connection's last error: "store: what: message". */
int store_dberr(struct store *st, const char *what, struct cad_err *err);
/* 1 when the last error was a UNIQUE (or primary key) violation. */
int store_is_unique_violation(struct store *st);

void store_bind_text(store_q *s, int i, const char *v);   /* NULL binds NULL */
void store_bind_int64(store_q *s, int i, int64_t v);
void store_bind_time(store_q *s, int i, cad_time_t t);    /* 0 binds NULL */
void store_bind_id(store_q *s, int i, int64_t id);        /* 0 binds NULL */
char *store_col_text(store_q *s, int i);                  /* heap copy or NULL */
/* The column's text, valid until the next step or reset (NULL for NULL). */
const char *store_col_cstr(store_q *s, int i);
int store_col_null(store_q *s, int i);
int64_t store_col_int64(store_q *s, int i);               /* NULL reads 0 */
int store_col_int(store_q *s, int i);

/* ---- reading rows ---- */
/* Fills out (one element of the caller's type) from s's current row. */
typedef void (*store_row_fn)(store_q *s, void *out);
/* Steps s (bound; NULL = store_stmt() failed, err already set) for one
 * row: read(s, out) and 0 when there is one, STORE_NOTFOUND when there is
 * none (err untouched: the caller says what was not found), -1 with
 * "store: what: ..." on error. s is done afterwards. */
int store_one_row(struct store *st, store_q *s, store_row_fn read, void *out,
		  const char *what, struct cad_err *err);
/* Row readers of one column: an int64_t (an id, a time), a heap string. */
void store_read_id(store_q *s, void *out);
void store_read_text(store_q *s, void *out);
/* store_one_row() for a one-column id (SELECT id FROM ... WHERE key = ?). */
int store_one_id(struct store *st, store_q *s, int64_t *id, const char *what,
		 struct cad_err *err);
/* Steps s (bound, or NULL as above) to the end, each row read into a new
 * zeroed element (of size sz) of the array *out, *n of them. 0, or -1
 * with err, when *out and *n still hold the rows read so far, for the
 * caller to free with its own *_free. s is done afterwards. */
int store_all_rows(struct store *st, store_q *s, store_row_fn read, size_t sz,
		   void **out, size_t *n, const char *what, struct cad_err *err);

/* ---- helpers used across entities ---- */
/* Appends one event row; for use inside a transaction. */
int store_event_put(struct store *st, cad_time_t at, const char *type, int64_t enrollment_id,
		    int64_t contact_id, int64_t sequence_id, int64_t user_id, const char *actor,
		    const char *detail, struct cad_err *err);
/* A lower-cased heap copy of an address or domain (NULL stays NULL). */
char *store_lower(const char *s);
/* 1 when s is a non-empty string of decimal digits (an id given as a key). */
int store_is_id(const char *s, int64_t *id);

/* ---- one change over a set of enrollments (store_target.c) ---- */
enum store_op { STORE_OP_PAUSE, STORE_OP_RESUME, STORE_OP_UNENROLL };
enum store_target_by { STORE_BY_ID, STORE_BY_SEQUENCE, STORE_BY_USER, STORE_BY_CONTACT };
struct store_target {
	int64_t id, contact_id, sequence_id, user_id;
	cad_time_t next_due;
	int step;
};
struct store_targets {
	struct store_target *v;
	size_t n, cap;
};
/* Appends the enrollments with that id / sequence / rep / contact id that
 * op can change (active ones to pause or unenroll, paused ones to resume
 * or unenroll), by id. */
int store_targets_collect(struct store *st, enum store_target_by by, int64_t key,
			  enum store_op op, struct store_targets *t, struct cad_err *err);
/* Applies op to each target with its event (reason: the pause's or the
 * unenrollment's; until: a pause's end, 0 = none). Inside the caller's
 * transaction; -1 at the first failure. */
int store_targets_apply(struct store *st, enum store_op op, struct store_targets *t,
			const char *reason, cad_time_t until, const char *actor, cad_time_t now,
			struct cad_err *err);
/* Unenrolls every active or paused enrollment of a rep / a sequence (by id)
 * with reason, writing one event each; *count gets how many. Inside the
 * caller's transaction. */
int store_unenroll_user_id(struct store *st, int64_t user_id, const char *reason,
			   const char *actor, cad_time_t now, int *count, struct cad_err *err);
int store_unenroll_sequence_id(struct store *st, int64_t seq_id, const char *reason,
			       const char *actor, cad_time_t now, int *count, struct cad_err *err);

/* store_enroll.c: moves enrollment enr past from_step when it is running
 * (active or paused) and still on that step: to from_step + 1 due at
 * next_due, or finished after the last step. Writes the event type with
 * detail when type is not NULL, else "step_scheduled" or "finished".
 * *moved (may be NULL) says whether it moved. Inside the caller's
 * transaction. */
int store_enr_move(struct store *st, int64_t enr, int from_step, cad_time_t next_due,
		   const char *type, const char *detail, const char *actor, cad_time_t now,
		   int *moved, struct cad_err *err);

/* The columns of an enrollment_view, for listings built on
 * STORE_ENR_VIEW_FROM, read by store_read_enr_view(). */
#define STORE_ENR_VIEW_COLS "e.id, e.contact_id, e.sequence_id, e.user_id, e.state, e.step," \
	" e.next_due, e.reason, e.paused_until, e.enrolled_at, e.updated_at, e.enrolled_by," \
	" e.bulk, c.email, q.name, u.email," \
	" (SELECT COUNT(*) FROM steps WHERE sequence_id = e.sequence_id), p.kind"
#define STORE_ENR_VIEW_FROM " FROM enrollments e" \
	" JOIN contacts c ON c.id = e.contact_id" \
	" JOIN sequences q ON q.id = e.sequence_id" \
	" JOIN users u ON u.id = e.user_id" \
	" LEFT JOIN steps p ON p.sequence_id = e.sequence_id AND p.idx = e.step"
void store_read_enr_view(store_q *s, void *out);   /* a store_row_fn */

/* The columns of a rep (struct user), from "users u", read by
 * store_read_user() (store_user.c) into a struct user; a query may add
 * its own columns after them. */
#define STORE_USER_COLS "u.id, u.email, u.name, u.tz, u.signature, u.meeting_link," \
	" u.send_cap_24h, u.enroll_cap_day, u.active, u.digest, u.created_at"
void store_read_user(store_q *s, void *out);       /* a store_row_fn */

#endif
