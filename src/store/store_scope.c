/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_scope.c - state changes over a set of enrollments: pause, resume
 * and unenroll one enrollment, a sequence's, a rep's, a contact's or a
 * whole company's (every contact at an organizational domain).
 *
 * Guarantees: each call is one transaction that changes every matching
 * enrollment and writes one event per enrollment changed (with its
 * contact, sequence and rep), or changes nothing. Unenrolling also skips
 * the enrollment's open tasks (one task_skipped event each), so that a rep
 * is not asked to call a contact who has stopped the sequence. Resuming
 * re-arms the current step's ledger record when that message never left
 * (failed, or refused by the gate while stopped). An unknown
 * key (no such enrollment, sequence, rep or contact) is STORE_NOTFOUND
 * with err saying so; a company with no contacts changes nothing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "store_ledger.h"

enum scope_op { OP_PAUSE, OP_RESUME, OP_UNENROLL };

struct target {
	int64_t id, contact_id, sequence_id, user_id;
	cad_time_t next_due;
	int step;
};

struct targets {
	struct target *v;
	size_t n, cap;
};

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
static int collect(struct store *st, const char *sql, int64_t key, enum scope_op op,
		   struct targets *t, struct cad_err *err)
{
	sqlite3_stmt *s = store_stmt(st, sql, err);
	int rc;
	if (s == NULL)
		return -1;
	store_bind_int64(s, 1, key);
	store_bind_text(s, 2, op == OP_RESUME ? "paused" : "active");
	store_bind_text(s, 3, op == OP_PAUSE ? "active" : "paused");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct target *x;
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
	if (rc != SQLITE_DONE)
		return store_dberr(st, "selecting enrollments", err);
	return 0;
}

/* Resolves scope and key to the enrollments to change. */
static int resolve(struct store *st, enum store_scope scope, const char *key, enum scope_op op,
		   struct targets *t, struct cad_err *err)
{
	struct enrollment e;
	struct sequence q;
	struct user u;
	struct contact c;
	int64_t id = 0, *ids = NULL;
	size_t i, n = 0;
	int rc;

	if (key == NULL || *key == '\0')
		return cad_err_set(err, "no enrollment, sequence, rep, contact or domain given");
	switch (scope) {
	case SCOPE_ENROLLMENT:
		if (!store_is_id(key, &id))
			return cad_err_set(err, "\"%s\" is not an enrollment id", key);
		rc = store_enrollment_get(st, id, &e, err);
		enrollment_free(&e);
		return rc != 0 ? rc : collect(st, sql_by_id, id, op, t, err);
	case SCOPE_SEQUENCE:
		rc = store_sequence_get(st, key, &q, err);
		id = q.id;
		sequence_free(&q);
		return rc != 0 ? rc : collect(st, sql_by_seq, id, op, t, err);
	case SCOPE_USER:
		rc = store_user_get(st, key, &u, err);
		id = u.id;
		user_free(&u);
		return rc != 0 ? rc : collect(st, sql_by_user, id, op, t, err);
	case SCOPE_CONTACT:
		rc = store_contact_get(st, key, &c, err);
		id = c.id;
		contact_free(&c);
		return rc != 0 ? rc : collect(st, sql_by_contact, id, op, t, err);
	case SCOPE_COMPANY:
		if (store_contacts_at_domain(st, key, &ids, &n, err) < 0)
			return -1;
		for (rc = 0, i = 0; rc == 0 && i < n; i++)
			rc = collect(st, sql_by_contact, ids[i], op, t, err);
		free(ids);
		return rc;
	}
	return cad_err_set(err, "unknown scope %d", (int)scope);
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

static int skip_tasks(struct store *st, const struct target *x, const char *reason,
		      const char *actor, cad_time_t now, struct cad_err *err)
{
	sqlite3_stmt *s = store_stmt(st, sql_open_tasks, err);
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

static int rearm_step(struct store *st, const struct target *x, struct cad_err *err)
{
	sqlite3_stmt *s = store_stmt(st, sql_rearm, err);
	if (s == NULL)
		return -1;
	store_bind_int64(s, 1, x->id);
	store_bind_int64(s, 2, x->step);
	return store_exec_stmt(st, s, "re-arming a step's message", err);
}

static int apply_one(struct store *st, enum scope_op op, const struct target *x,
		     const char *reason, cad_time_t until, const char *actor, cad_time_t now,
		     struct cad_err *err)
{
	char tbuf[CAD_TIME_BUFSZ];
	sqlite3_stmt *s;
	char *detail = NULL;
	const char *type;
	cad_time_t due;
	int rc;

	if (op == OP_PAUSE) {
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
	} else if (op == OP_RESUME) {
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
	if (rc == 0 && op == OP_RESUME)
		rc = rearm_step(st, x, err);
	if (rc == 0 && op == OP_UNENROLL)
		rc = skip_tasks(st, x, reason, actor, now, err);
	free(detail);
	return rc;
}

static int apply_all(struct store *st, enum scope_op op, struct targets *t, const char *reason,
		     cad_time_t until, const char *actor, cad_time_t now, struct cad_err *err)
{
	size_t i;
	for (i = 0; i < t->n; i++)
		if (apply_one(st, op, &t->v[i], reason, until, actor, now, err) < 0)
			return -1;
	return 0;
}

static int scope_change(struct store *st, enum scope_op op, enum store_scope scope,
			const char *key, const char *reason, cad_time_t until, const char *actor,
			cad_time_t now, int *count, struct cad_err *err)
{
	struct targets t = { NULL, 0, 0 };
	int rc;

	if (count)
		*count = 0;
	if (reason == NULL || *reason == '\0')
		reason = op == OP_PAUSE ? "paused by hand" : "unenrolled by hand";
	if (store_begin(st, err) < 0)
		return -1;
	rc = resolve(st, scope, key, op, &t, err);
	if (rc == 0)
		rc = apply_all(st, op, &t, reason, until, actor, now, err);
	if (rc != 0) {
		store_rollback(st);
		free(t.v);
		return rc;
	}
	free(t.v);
	if (store_commit(st, err) < 0)
		return -1;
	if (count)
		*count = (int)t.n;
	return 0;
}

int store_pause(struct store *st, enum store_scope scope, const char *key, const char *reason,
		cad_time_t until, const char *actor, cad_time_t now, int *count, struct cad_err *err)
{
	return scope_change(st, OP_PAUSE, scope, key, reason, until, actor, now, count, err);
}

int store_resume(struct store *st, enum store_scope scope, const char *key, const char *actor,
		 cad_time_t now, int *count, struct cad_err *err)
{
	return scope_change(st, OP_RESUME, scope, key, NULL, 0, actor, now, count, err);
}

int store_unenroll(struct store *st, enum store_scope scope, const char *key, const char *reason,
		   const char *actor, cad_time_t now, int *count, struct cad_err *err)
{
	return scope_change(st, OP_UNENROLL, scope, key, reason, 0, actor, now, count, err);
}

int store_resume_due(struct store *st, const char *actor, cad_time_t now, int *count,
		     struct cad_err *err)
{
	struct targets t = { NULL, 0, 0 };
	int rc;

	if (count)
		*count = 0;
	if (store_begin(st, err) < 0)
		return -1;
	rc = collect(st, sql_pause_over, now, OP_RESUME, &t, err);
	if (rc == 0)
		rc = apply_all(st, OP_RESUME, &t, NULL, 0, actor, now, err);
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
	struct targets t = { NULL, 0, 0 };
	int rc = collect(st, sql, id, OP_UNENROLL, &t, err);
	if (rc == 0)
		rc = apply_all(st, OP_UNENROLL, &t, reason, 0, actor, now, err);
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
