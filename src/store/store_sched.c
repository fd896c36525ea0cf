/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_sched.c - what a scheduling pass asks the store (store_ledger.h):
 * the due enrollments, deferring or advancing one, task steps, and the
 * send history the rolling caps are computed from.
 *
 * Guarantees: due work is found through the (state, next_due, ...) index,
 * never by a scan, and a batch reads the rows of that batch only; a task step's task and the enrollment's move are one
 * transaction with their events; deferring writes no event (a window or a
 * cap may defer the same step many times).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "store_sched.h"

/* The batch is chosen from the index alone (enrollments_due_order covers
 * the filter and the order: state, next_due, held_step, step, held_due), then
 * only its rows are read and joined: the order is not the index's, so
 * every due row is sorted, but a due row costs an index entry, not its
 * enrollment's and contact's pages (issue 16: a pass costs what is due,
 * not what is enrolled). The joins cannot drop a row: their keys are NOT
 * NULL foreign keys. */
static const char sql_due[] =
	"SELECT " STORE_ENR_VIEW_COLS
	" FROM (SELECT id, CASE WHEN held_step = step THEN held_due ELSE next_due END AS k"
	"  FROM enrollments WHERE state = 'active' AND next_due <= ?1"
	"  ORDER BY k, id LIMIT ?2) d"
	" JOIN enrollments e ON e.id = d.id"
	" JOIN contacts c ON c.id = e.contact_id"
	" JOIN sequences q ON q.id = e.sequence_id"
	" JOIN users u ON u.id = e.user_id"
	" LEFT JOIN steps p ON p.sequence_id = e.sequence_id AND p.idx = e.step"
	" ORDER BY d.k, d.id";

int store_due(struct store *st, cad_time_t now, size_t limit, struct enrollment_view **out,
	      size_t *n, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_due, err);
	if (s) {
		store_bind_int64(s, 1, now);
		store_bind_int64(s, 2, limit ? (int64_t)limit : -1);
	}
	if (store_all_rows(st, s, store_read_enr_view, sizeof(**out), (void **)out, n,
			   "listing due enrollments", err) == 0)
		return 0;
	store_enrollment_views_free(*out, *n);
	*out = NULL;
	*n = 0;
	return -1;
}

static const char sql_next_due[] =
	"SELECT MIN(next_due) FROM enrollments WHERE state = 'active' AND next_due > ?1";

int store_next_due_after(struct store *st, cad_time_t after, cad_time_t *out,
			 struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_next_due, err);
	int64_t t = 0;
	int rc;
	*out = 0;
	if (s)
		store_bind_int64(s, 1, after);
	rc = store_one_row(st, s, store_read_id, &t, "finding the next due time", err);
	if (rc < 0)
		return -1;
	*out = rc == 0 ? t : 0;   /* MIN() of no rows is NULL, read as 0 */
	return 0;
}

/* The first hold of a step keeps its due time; later holds of the same
 * step keep the first's. */
static const char sql_defer[] =
	"UPDATE enrollments SET"
	" held_due = CASE WHEN held_step = step THEN held_due ELSE next_due END,"
	" held_step = step, next_due = ?1"
	" WHERE id = ?2 AND state = 'active'";

int store_enrollment_defer(struct store *st, int64_t enrollment_id, cad_time_t next_due,
			   struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_defer, err);
	if (s == NULL)
		return -1;
	store_bind_time(s, 1, next_due);
	store_bind_int64(s, 2, enrollment_id);
	return store_exec_stmt(st, s, "deferring an enrollment", err);
}

int store_enrollment_advance(struct store *st, int64_t enrollment_id, int from_step,
			     cad_time_t next_due, const char *type, const char *detail,
			     const char *actor, cad_time_t now, struct cad_err *err)
{
	int rc;
	if (store_begin(st, err) < 0)
		return -1;
	rc = store_enr_move(st, enrollment_id, from_step, next_due, type, detail, actor, now, NULL,
			    err);
	if (rc != 0) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st, err);
}

static const char sql_wait[] =
	"UPDATE enrollments SET next_due = NULL, updated_at = ?1"
	" WHERE id = ?2 AND step = ?3 AND state = 'active'";

int store_task_step(struct store *st, struct task *t, int wait, cad_time_t next_due,
		    const char *actor, cad_time_t now, struct cad_err *err)
{
	store_q *s;
	int rc;

	if (store_begin(st, err) < 0)
		return -1;
	rc = store_task_add(st, t, actor, now, err);
	if (rc != 0)
		goto fail;
	if (wait) {
		/* The step stays current, off the due list, until the task closes. */
		rc = -1;
		s = store_stmt(st, sql_wait, err);
		if (s == NULL)
			goto fail;
		store_bind_int64(s, 1, now);
		store_bind_int64(s, 2, t->enrollment_id);
		store_bind_int64(s, 3, t->step);
		if (store_exec_stmt(st, s, "waiting on a task", err) < 0)
			goto fail;
	} else {
		rc = store_enr_move(st, t->enrollment_id, t->step, next_due, NULL, NULL, actor, now,
				    NULL, err);
		if (rc != 0)
			goto fail;
	}
	return store_commit(st, err);
fail:
	store_rollback(st);
	t->id = 0;
	return rc > 0 ? rc : -1;
}

/* A message counts as sent from when the MTA took it: the 250 or, if the
 * milter saw it first, the witness. */
static const char sql_user_sends[] =
	"SELECT COALESCE(m.submitted_at, m.witnessed_at) AS t"
	" FROM sent_messages m JOIN enrollments e ON e.id = m.enrollment_id"
	" WHERE e.user_id = ?1 AND m.state IN ('submitted','witnessed')"
	" AND COALESCE(m.submitted_at, m.witnessed_at) >= ?2 ORDER BY t";

/* First steps of bulk enrollments only: the input of the bulk throttle. */
static const char sql_user_bulk_sends[] =
	"SELECT COALESCE(m.submitted_at, m.witnessed_at) AS t"
	" FROM sent_messages m JOIN enrollments e ON e.id = m.enrollment_id"
	" WHERE e.user_id = ?1 AND e.bulk = 1 AND m.step = 1"
	" AND m.state IN ('submitted','witnessed')"
	" AND COALESCE(m.submitted_at, m.witnessed_at) >= ?2 ORDER BY t";

static int send_times(struct store *st, const char *sql, int64_t user_id, cad_time_t since,
		      cad_time_t **times, size_t *n, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql, err);
	if (s) {
		store_bind_int64(s, 1, user_id);
		store_bind_int64(s, 2, since);
	}
	if (store_all_rows(st, s, store_read_id, sizeof(**times), (void **)times, n,
			   "listing a rep's sends", err) == 0)
		return 0;
	free(*times);
	*times = NULL;
	*n = 0;
	return -1;
}

int store_user_sends_since(struct store *st, int64_t user_id, cad_time_t since,
			   cad_time_t **times, size_t *n, struct cad_err *err)
{
	return send_times(st, sql_user_sends, user_id, since, times, n, err);
}

int store_user_bulk_sends_since(struct store *st, int64_t user_id, cad_time_t since,
				cad_time_t **times, size_t *n, struct cad_err *err)
{
	return send_times(st, sql_user_bulk_sends, user_id, since, times, n, err);
}

static const char sql_domain_sends[] =
	"SELECT COUNT(*) FROM sent_messages m"
	" JOIN enrollments e ON e.id = m.enrollment_id"
	" JOIN contacts c ON c.id = e.contact_id"
	" WHERE c.domain = ?1 AND m.state IN ('submitted','witnessed')"
	" AND COALESCE(m.submitted_at, m.witnessed_at) >= ?2";

int store_domain_sends_since(struct store *st, const char *domain, cad_time_t since, int *count,
			     struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_domain_sends, err);
	char *d;
	int rc;
	*count = 0;
	if (s == NULL)
		return -1;
	d = store_lower(domain ? domain : "");
	store_bind_text(s, 1, d);
	free(d);
	store_bind_int64(s, 2, since);
	rc = store_step(s);
	if (rc == STORE_ROW)
		*count = store_col_int(s, 0);
	else
		store_dberr(st, "counting a domain's sends", err);
	store_stmt_done(s);
	return rc == STORE_ROW ? 0 : -1;
}
