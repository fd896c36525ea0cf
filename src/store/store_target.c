/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_target.c - one state change applied to a set of enrollments (the
 * "targets"): pause, resume or unenroll each, with its event; what
 * store_scope.c does for a named scope, what store_user.c and store_seq.c
 * do when a rep is disabled or a sequence deleted, and the resumption of
 * pauses whose end has come.
 *
 * It calls no store file that calls it back (store_scope.c resolves names
 * through store_seq.c and store_user.c; those two unenroll through here),
 * so there is no circle between the files.
 * Guarantees: as store_scope.c's (one event per enrollment changed;
 * unenrolling skips open tasks; resuming re-arms a message that never
 * left). store_targets_apply() runs inside the caller's transaction.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "store_sched.h"

#define TARGET_COLS "SELECT id, contact_id, sequence_id, user_id, next_due, step FROM enrollments"
#define TARGET_STATES " AND state IN (?2, ?3) ORDER BY id"
static const char sql_by_id[] = TARGET_COLS " WHERE id = ?1" TARGET_STATES;
static const char sql_by_seq[] = TARGET_COLS " WHERE sequence_id = ?1" TARGET_STATES;
static const char sql_by_user[] = TARGET_COLS " WHERE user_id = ?1" TARGET_STATES;
static const char sql_by_contact[] = TARGET_COLS " WHERE contact_id = ?1" TARGET_STATES;
/* Pauses with an end (an out-of-office return date) that has come. */
static const char sql_pause_over[] = TARGET_COLS
	" WHERE paused_until IS NOT NULL AND paused_until <= ?1" TARGET_STATES;

/* Appends the enrollments that sql selects for key in the op's states. */
static int collect_sql(struct store *st, const char *sql, int64_t key, enum store_op op,
		   struct store_targets *t, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql, err);
	int rc;
	if (s == NULL)
		return -1;
	store_bind_int64(s, 1, key);
	store_bind_text(s, 2, op == STORE_OP_RESUME ? "paused" : "active");
	store_bind_text(s, 3, op == STORE_OP_PAUSE ? "active" : "paused");
	while ((rc = store_step(s)) == STORE_ROW) {
		struct store_target *x;
		cad_grow(&t->v, &t->cap, t->n + 1, sizeof(*t->v));
		x = &t->v[t->n++];
		x->id = store_col_int64(s, 0);
		x->contact_id = store_col_int64(s, 1);
		x->sequence_id = store_col_int64(s, 2);
		x->user_id = store_col_int64(s, 3);
		x->next_due = store_col_int64(s, 4);
		x->step = store_col_int(s, 5);
	}
	store_stmt_done(s);
	if (rc != STORE_DONE)
		return store_dberr(st, "selecting enrollments", err);
	return 0;
}

int store_targets_collect(struct store *st, enum store_target_by by, int64_t key,
			  enum store_op op, struct store_targets *t, struct cad_err *err)
{
	static const char *const sql[] = { sql_by_id, sql_by_seq, sql_by_user, sql_by_contact };
	if ((unsigned)by >= CAD_ARRAY_LEN(sql))
		return cad_err_set(err, "unknown target kind %d", (int)by);
	return collect_sql(st, sql[by], key, op, t, err);
}

static const char sql_pause[] =
	"UPDATE enrollments SET state = 'paused', reason = ?1, paused_until = ?2,"
	" updated_at = ?3 WHERE id = ?4 AND state = 'active'";
static const char sql_resume[] =
	"UPDATE enrollments SET state = 'active', reason = NULL, paused_until = NULL,"
	" next_due = ?1, updated_at = ?2 WHERE id = ?3 AND state = 'paused'";
static const char sql_unenroll[] =
	"UPDATE enrollments SET state = 'unenrolled', reason = ?1, paused_until = NULL,"
	" next_due = NULL, updated_at = ?2 WHERE id = ?3 AND state IN ('active','paused')";
/* A message of the current step that never left (the gate refused it
 * while the enrollment was stopped, or the MTA refused it) is armed again
 * on resume, so the step is sent, once, with the same Message-ID. */
static const char sql_rearm[] =
	"UPDATE sent_messages SET state = 'prepared', queue_id = NULL, witnessed_at = NULL"
	" WHERE enrollment_id = ? AND step = ? AND state IN ('failed','rejected')";
static const char sql_open_tasks[] =
	"SELECT id FROM tasks WHERE enrollment_id = ? AND state = 'open' ORDER BY id";
static const char sql_skip_task[] =
	"UPDATE tasks SET state = 'skipped', closed_at = ? WHERE id = ?";

static int skip_tasks(struct store *st, const struct store_target *x, const char *reason,
		      const char *actor, cad_time_t now, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_open_tasks, err);
	int64_t *ids;
	size_t n, i;
	char *detail;
	int rc;

	if (s)
		store_bind_int64(s, 1, x->id);
	if (store_all_rows(st, s, store_read_id, sizeof(*ids), (void **)&ids, &n,
			   "listing open tasks", err) < 0) {
		free(ids);
		return -1;
	}
	for (rc = 0, i = 0; rc == 0 && i < n; i++) {
		s = store_stmt(st, sql_skip_task, err);
		if (s == NULL) {
			rc = -1;
			break;
		}
		store_bind_int64(s, 1, now);
		store_bind_int64(s, 2, ids[i]);
		rc = store_exec_stmt(st, s, "skipping a task", err);
		if (rc == 0) {
			detail = xasprintf("task %lld skipped: unenrolled (%s)", (long long)ids[i],
					   reason);
			rc = store_event_put(st, now, EV_TASK_SKIPPED, x->id, x->contact_id,
					     x->sequence_id, x->user_id, actor, detail, err);
			free(detail);
		}
	}
	free(ids);
	return rc;
}

static int rearm_step(struct store *st, const struct store_target *x, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_rearm, err);
	if (s == NULL)
		return -1;
	store_bind_int64(s, 1, x->id);
	store_bind_int64(s, 2, x->step);
	return store_exec_stmt(st, s, "re-arming a step's message", err);
}

static int apply_one(struct store *st, enum store_op op, const struct store_target *x,
		     const char *reason, cad_time_t until, const char *actor, cad_time_t now,
		     struct cad_err *err)
{
	char tbuf[CAD_TIME_BUFSZ];
	store_q *s;
	char *detail = NULL;
	const char *type;
	cad_time_t due;
	int rc;

	if (op == STORE_OP_PAUSE) {
		s = store_stmt(st, sql_pause, err);
		if (s == NULL)
			return -1;
		store_bind_text(s, 1, reason);
		store_bind_time(s, 2, until);
		store_bind_int64(s, 3, now);
		store_bind_int64(s, 4, x->id);
		type = EV_PAUSED;
		detail = until ? xasprintf("%s (until %s)", reason,
					   cad_time_format(until, tbuf, sizeof(tbuf)))
			       : xstrdup(reason);
	} else if (op == STORE_OP_RESUME) {
		due = x->next_due > now ? x->next_due : now;
		s = store_stmt(st, sql_resume, err);
		if (s == NULL)
			return -1;
		store_bind_int64(s, 1, due);
		store_bind_int64(s, 2, now);
		store_bind_int64(s, 3, x->id);
		type = EV_RESUMED;
		detail = xasprintf("next step due %s", cad_time_format(due, tbuf, sizeof(tbuf)));
	} else {
		s = store_stmt(st, sql_unenroll, err);
		if (s == NULL)
			return -1;
		store_bind_text(s, 1, reason);
		store_bind_int64(s, 2, now);
		store_bind_int64(s, 3, x->id);
		type = EV_UNENROLLED;
		detail = xstrdup(reason);
	}
	rc = store_exec_stmt(st, s, "changing an enrollment", err);
	if (rc == 0)
		rc = store_event_put(st, now, type, x->id, x->contact_id, x->sequence_id,
				     x->user_id, actor, detail, err);
	if (rc == 0 && op == STORE_OP_RESUME)
		rc = rearm_step(st, x, err);
	if (rc == 0 && op == STORE_OP_UNENROLL)
		rc = skip_tasks(st, x, reason, actor, now, err);
	free(detail);
	return rc;
}

int store_targets_apply(struct store *st, enum store_op op, struct store_targets *t,
			const char *reason, cad_time_t until, const char *actor, cad_time_t now,
			struct cad_err *err)
{
	size_t i;
	for (i = 0; i < t->n; i++)
		if (apply_one(st, op, &t->v[i], reason, until, actor, now, err) < 0)
			return -1;
	return 0;
}

int store_resume_due(struct store *st, const char *actor, cad_time_t now, int *count,
		     struct cad_err *err)
{
	struct store_targets t = { NULL, 0, 0 };
	int rc;

	if (count)
		*count = 0;
	if (store_begin(st, err) < 0)
		return -1;
	rc = collect_sql(st, sql_pause_over, now, STORE_OP_RESUME, &t, err);
	if (rc == 0)
		rc = store_targets_apply(st, STORE_OP_RESUME, &t, NULL, 0, actor, now, err);
	if (rc != 0) {
		store_rollback(st);
		free(t.v);
		return -1;
	}
	free(t.v);
	if (store_commit(st, err) < 0)
		return -1;
	if (count)
		*count = (int)t.n;
	return 0;
}

/* For store_user.c and store_seq.c, inside their transactions. */
static int unenroll_by(struct store *st, const char *sql, int64_t id, const char *reason,
		       const char *actor, cad_time_t now, int *count, struct cad_err *err)
{
	struct store_targets t = { NULL, 0, 0 };
	int rc = collect_sql(st, sql, id, STORE_OP_UNENROLL, &t, err);
	if (rc == 0)
		rc = store_targets_apply(st, STORE_OP_UNENROLL, &t, reason, 0, actor, now, err);
	if (count)
		*count = rc == 0 ? (int)t.n : 0;
	free(t.v);
	return rc;
}

int store_unenroll_user_id(struct store *st, int64_t user_id, const char *reason,
			   const char *actor, cad_time_t now, int *count, struct cad_err *err)
{
	return unenroll_by(st, sql_by_user, user_id, reason, actor, now, count, err);
}

int store_unenroll_sequence_id(struct store *st, int64_t seq_id, const char *reason,
			       const char *actor, cad_time_t now, int *count, struct cad_err *err)
{
	return unenroll_by(st, sql_by_seq, seq_id, reason, actor, now, count, err);
}
