/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_task.c - tasks (manual email, call, LinkedIn, general) assigned to
 * the enrolling rep: creating, listing and closing them.
 *
 * Guarantees: closing a task (done or skipped) and moving its enrollment
 * on are one transaction with their events. The enrollment moves only when
 * it is still running and waiting on that very step: a task closed late,
 * or for a stopped enrollment, never rewinds or restarts anything.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static const char sql_insert[] =
	"INSERT INTO tasks (enrollment_id, user_id, step, kind, state, due_at, note, created_at)"
	" VALUES (?, ?, ?, ?, 'open', ?, ?, ?) RETURNING id";
static const char sql_enr_ids[] =
	"SELECT contact_id, sequence_id, user_id FROM enrollments WHERE id = ?";

/* The contact, sequence and rep of an enrollment, for event rows. */
static int enr_ids(struct store *st, int64_t enr, int64_t *contact, int64_t *seq,
		   int64_t *user, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_enr_ids, err);
	int rc;
	if (s == NULL)
		return -1;
	store_bind_int64(s, 1, enr);
	rc = store_step(s);
	if (rc == STORE_ROW) {
		*contact = store_col_int64(s, 0);
		*seq = store_col_int64(s, 1);
		*user = store_col_int64(s, 2);
	}
	store_stmt_done(s);
	if (rc == STORE_ROW)
		return 0;
	if (rc == STORE_DONE) {
		cad_err_set(err, "no enrollment %lld", (long long)enr);
		return STORE_NOTFOUND;
	}
	return store_dberr(st, "reading an enrollment", err);
}

int store_task_add(struct store *st, struct task *t, const char *actor, cad_time_t now,
		   struct cad_err *err)
{
	store_q *s;
	int64_t contact = 0, seq = 0, user = 0, id;
	char *detail;
	int rc;

	if (store_begin(st, err) < 0)
		return -1;
	rc = enr_ids(st, t->enrollment_id, &contact, &seq, &user, err);
	if (rc != 0)
		goto fail;
	s = store_stmt(st, sql_insert, err);
	if (s == NULL)
		goto fail;
	store_bind_int64(s, 1, t->enrollment_id);
	store_bind_int64(s, 2, t->user_id ? t->user_id : user);
	store_bind_int64(s, 3, t->step);
	store_bind_text(s, 4, step_kind_name(t->kind));
	store_bind_time(s, 5, t->due_at);
	store_bind_text(s, 6, t->note);
	store_bind_int64(s, 7, now);
	if (store_exec_id(st, s, &id, "creating a task", err) < 0)
		goto fail;
	detail = xasprintf("task %lld: step %d, %s", (long long)id, t->step,
			   step_kind_name(t->kind));
	rc = store_event_put(st, now, EV_TASK_CREATED, t->enrollment_id, contact, seq,
			     t->user_id ? t->user_id : user, actor, detail, err);
	free(detail);
	if (rc != 0)
		goto fail;
	if (store_commit(st, err) < 0)
		return -1;
	t->id = id;
	if (t->user_id == 0)
		t->user_id = user;
	t->state = TASK_OPEN;
	t->created_at = now;
	return 0;
fail:
	store_rollback(st);
	return rc > 0 ? rc : -1;
}

static const char sql_views[] =
	"SELECT t.id, t.enrollment_id, t.user_id, t.step, t.kind, t.state, t.due_at, t.note,"
	" t.created_at, t.closed_at, c.email, q.name, u.email, t.outcome, t.close_note"
	" FROM tasks t"
	" JOIN enrollments e ON e.id = t.enrollment_id"
	" JOIN contacts c ON c.id = e.contact_id"
	" JOIN sequences q ON q.id = e.sequence_id"
	" JOIN users u ON u.id = t.user_id"
	" WHERE (CAST(?1 AS TEXT) IS NULL OR u.email = ?1)"
	"  AND (CAST(?2 AS TEXT) IS NULL OR t.state = ?2)"
	"  AND (CAST(?3 AS BIGINT) IS NULL OR t.id = ?3)"
	" ORDER BY t.due_at NULLS FIRST, t.id";   /* as SQLite, on PostgreSQL too */

static void read_task_view(store_q *s, void *out)
{
	struct task_view *w = out;
	const char *ts = store_col_cstr(s, 5);
	enum step_kind k = STEP_TASK;
	w->t.id = store_col_int64(s, 0);
	w->t.enrollment_id = store_col_int64(s, 1);
	w->t.user_id = store_col_int64(s, 2);
	w->t.step = store_col_int(s, 3);
	step_kind_parse(store_col_cstr(s, 4), &k);
	w->t.kind = k;
	w->t.state = ts && strcmp(ts, "done") == 0      ? TASK_DONE
		     : ts && strcmp(ts, "skipped") == 0 ? TASK_SKIPPED
							  : TASK_OPEN;
	w->t.due_at = store_col_int64(s, 6);
	w->t.note = store_col_text(s, 7);
	w->t.created_at = store_col_int64(s, 8);
	w->t.closed_at = store_col_int64(s, 9);
	w->contact_email = store_col_text(s, 10);
	w->sequence_name = store_col_text(s, 11);
	w->user_email = store_col_text(s, 12);
	w->outcome = store_col_text(s, 13);
	w->close_note = store_col_text(s, 14);
}

int store_tasks(struct store *st, const char *user, int state, struct task_view **out,
		size_t *n, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_views, err);
	char *u = store_lower(user);

	if (s) {
		store_bind_text(s, 1, u);
		store_bind_text(s, 2, state >= 0 ? task_state_name((enum task_state)state) : NULL);
	}
	free(u);
	if (store_all_rows(st, s, read_task_view, sizeof(**out), (void **)out, n,
			   "listing tasks", err) == 0)
		return 0;
	store_task_views_free(*out, *n);
	*out = NULL;
	*n = 0;
	return -1;
}

int store_task_get(struct store *st, int64_t id, struct task_view **out, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_views, err);
	size_t n = 0;

	*out = NULL;
	if (s) {
		store_bind_text(s, 1, NULL);
		store_bind_text(s, 2, NULL);
		store_bind_int64(s, 3, id);
	}
	if (store_all_rows(st, s, read_task_view, sizeof(**out), (void **)out, &n,
			   "reading a task", err) != 0) {
		store_task_views_free(*out, n);
		*out = NULL;
		return -1;
	}
	if (n == 0) {     /* t.id is the primary key: one row or none */
		free(*out);
		*out = NULL;
		cad_err_set(err, "no task %lld", (long long)id);
		return STORE_NOTFOUND;
	}
	return 0;
}

void store_task_views_free(struct task_view *v, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		task_free(&v[i].t);
		free(v[i].contact_email);
		free(v[i].sequence_name);
		free(v[i].user_email);
		free(v[i].outcome);
		free(v[i].close_note);
	}
	free(v);
}

static const char sql_task[] =
	"SELECT t.step, t.state, e.id, e.contact_id, e.sequence_id, e.user_id"
	" FROM tasks t JOIN enrollments e ON e.id = t.enrollment_id WHERE t.id = ?";
static const char sql_close[] =
	"UPDATE tasks SET state = ?, closed_at = ?, outcome = ?, close_note = ?"
	" WHERE id = ? AND state = 'open'";

int task_outcome_valid(const char *outcome)
{
	static const char *const outcomes[] = { "connected", "voicemail", "no-answer",
						"wrong-number" };
	size_t i;
	for (i = 0; outcome != NULL && i < CAD_ARRAY_LEN(outcomes); i++)
		if (strcmp(outcome, outcomes[i]) == 0)
			return 1;
	return 0;
}

/* The event detail: "task 12: step 2, connected: left a message". */
static char *close_detail(int64_t id, int step, const char *outcome, const char *note)
{
	struct sbuf b;
	sbuf_init(&b);
	sbuf_addf(&b, "task %lld: step %d", (long long)id, step);
	if (outcome != NULL)
		sbuf_addf(&b, ", %s", outcome);
	if (note != NULL && *note)
		sbuf_addf(&b, ": %s", note);
	return sbuf_detach(&b);
}

struct task_row {
	int step;
	char state[16];
	int64_t enr, contact, seq, user;
};

static int read_task(struct store *st, int64_t id, struct task_row *r, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_task, err);
	int rc;
	if (s == NULL)
		return -1;
	store_bind_int64(s, 1, id);
	rc = store_step(s);
	if (rc == STORE_ROW) {
		const char *a = store_col_cstr(s, 1);
		r->step = store_col_int(s, 0);
		snprintf(r->state, sizeof(r->state), "%s", a ? a : "");
		r->enr = store_col_int64(s, 2);
		r->contact = store_col_int64(s, 3);
		r->seq = store_col_int64(s, 4);
		r->user = store_col_int64(s, 5);
	} else if (rc != STORE_DONE) {
		store_dberr(st, "reading a task", err);
	}
	store_stmt_done(s);
	if (rc == STORE_ROW)
		return 0;
	if (rc == STORE_DONE) {
		cad_err_set(err, "no task %lld", (long long)id);
		return STORE_NOTFOUND;
	}
	return -1;
}

int store_task_close(struct store *st, int64_t task_id, enum task_state state,
		     cad_time_t next_due, const char *actor, cad_time_t now, struct cad_err *err)
{
	return store_task_close_with(st, task_id, state, NULL, NULL, next_due, actor, now, err);
}

int store_task_close_with(struct store *st, int64_t task_id, enum task_state state,
			  const char *outcome, const char *note, cad_time_t next_due,
			  const char *actor, cad_time_t now, struct cad_err *err)
{
	struct task_row r;
	store_q *s;
	char *detail;
	int rc;

	if (state != TASK_DONE && state != TASK_SKIPPED)
		return cad_err_set(err, "a task is closed as done or skipped");
	if (outcome != NULL && (state != TASK_DONE || !task_outcome_valid(outcome)))
		return cad_err_set(err, "outcome '%s': a completed task's outcome is one of %s",
				   outcome, TASK_OUTCOMES);
	if (note != NULL && strlen(note) > TASK_NOTE_MAX)
		return cad_err_set(err, "the note is longer than %d bytes", TASK_NOTE_MAX);
	if (store_begin(st, err) < 0)
		return -1;
	memset(&r, 0, sizeof(r));
	rc = read_task(st, task_id, &r, err);
	if (rc != 0)
		goto fail;
	if (strcmp(r.state, "open") != 0) {
		rc = cad_err_set(err, "task %lld is already %s", (long long)task_id, r.state);
		goto fail;
	}
	rc = -1;
	s = store_stmt(st, sql_close, err);
	if (s == NULL)
		goto fail;
	store_bind_text(s, 1, task_state_name(state));
	store_bind_int64(s, 2, now);
	store_bind_text(s, 3, outcome);
	store_bind_text(s, 4, note != NULL && *note ? note : NULL);
	store_bind_int64(s, 5, task_id);
	if (store_exec_stmt(st, s, "closing a task", err) < 0)
		goto fail;
	detail = close_detail(task_id, r.step, outcome, note);
	rc = store_event_put(st, now, state == TASK_DONE ? EV_TASK_COMPLETED : EV_TASK_SKIPPED,
			     r.enr, r.contact, r.seq, r.user, actor, detail, err);
	free(detail);
	if (rc < 0) {
		rc = -1;
		goto fail;
	}
	/* Only a running enrollment waiting on this very step moves on. */
	if (store_enr_move(st, r.enr, r.step, next_due, NULL, NULL, actor, now, NULL, err) != 0)
		goto fail;
	return store_commit(st, err);
fail:
	store_rollback(st);
	return rc > 0 ? rc : -1;
}

static const char sql_open_step[] =
	"SELECT id, kind, due_at, created_at, note FROM tasks"
	" WHERE enrollment_id = ?1 AND step = ?2 AND state = 'open'"
	" ORDER BY id DESC LIMIT 1";

int store_task_open_step(struct store *st, int64_t enrollment_id, int step, struct task *out,
			 struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_open_step, err);
	enum step_kind k = STEP_TASK;
	int rc;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return -1;
	store_bind_int64(s, 1, enrollment_id);
	store_bind_int64(s, 2, step);
	rc = store_step(s);
	if (rc == STORE_ROW) {
		out->id = store_col_int64(s, 0);
		step_kind_parse(store_col_cstr(s, 1), &k);
		out->kind = k;
		out->due_at = store_col_int64(s, 2);
		out->created_at = store_col_int64(s, 3);
		out->note = store_col_text(s, 4);
		out->enrollment_id = enrollment_id;
		out->step = step;
		out->state = TASK_OPEN;
	} else if (rc != STORE_DONE) {
		store_dberr(st, "reading an open task", err);
	}
	store_stmt_done(s);
	if (rc == STORE_ROW)
		return 0;
	if (rc == STORE_DONE) {
		cad_err_set(err, "no open task for step %d of enrollment %lld", step,
			    (long long)enrollment_id);
		return STORE_NOTFOUND;
	}
	return -1;
}
