/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_seq.c - sequences and their ordered steps: importing (insert or
 * replace by name), looking up, listing and deleting.
 *
 * Guarantees: an import writes the settings and every step in one
 * transaction; if any step is refused (by a CHECK constraint or anything
 * else) nothing of the import remains. Steps are stored with indexes 1..n
 * in array order. A deleted sequence keeps its row (flagged deleted, hidden
 * from look-ups by name and lists) so that enrollments and events keep
 * their names; importing the same name again brings it back.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_rows.h"

static const char *const scope_names[] = { "contact", "company" };
static const char *const ooo_names[] = { "pause", "ignore" };

#define SEQ_COLS "id, name, owner, description, days, window_start, window_end, tz, holidays," \
	" thread_default, scope, ooo, unenroll_on_reply, unenroll_on_meeting, active, source," \
	" created_at, updated_at, (SELECT COUNT(*) FROM steps WHERE sequence_id = sequences.id)"

static int name_index(const char *const *names, size_t n, const char *s)
{
	size_t i;
	for (i = 0; s && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return 0;
}

static void read_seq(store_q *s, void *out)
{
	struct sequence *q = out;
	char *t;
	enum seq_days d = SEQ_DAYS_BUSINESS;
	memset(q, 0, sizeof(*q));
	q->id = store_col_int64(s, 0);
	q->name = store_col_text(s, 1);
	q->owner = store_col_text(s, 2);
	q->description = store_col_text(s, 3);
	t = store_col_text(s, 4);
	seq_days_parse(t, &d);
	q->days = d;
	free(t);
	q->window_start = store_col_int(s, 5);
	q->window_end = store_col_int(s, 6);
	q->tz = store_col_text(s, 7);
	q->holidays = store_col_text(s, 8);
	q->thread_default = store_col_int(s, 9);
	q->scope = (enum seq_scope)name_index(scope_names, CAD_ARRAY_LEN(scope_names),
					      store_col_cstr(s, 10));
	q->ooo = (enum seq_ooo)name_index(ooo_names, CAD_ARRAY_LEN(ooo_names),
					  store_col_cstr(s, 11));
	q->unenroll_on_reply = store_col_int(s, 12);
	q->unenroll_on_meeting = store_col_int(s, 13);
	q->active = store_col_int(s, 14);
	q->source = store_col_text(s, 15);
	q->created_at = store_col_int64(s, 16);
	q->updated_at = store_col_int64(s, 17);
	q->nsteps = (size_t)store_col_int64(s, 18);
}

static const char sql_steps[] =
	"SELECT idx, kind, delay_days, delay_minutes, wait, thread_step, subject, body, line"
	" FROM steps WHERE sequence_id = ? ORDER BY idx";

static void read_step(store_q *s, void *out)
{
	struct step *p = out;
	enum step_kind k = STEP_TASK;
	p->index = store_col_int(s, 0);
	step_kind_parse(store_col_cstr(s, 1), &k);
	p->kind = k;
	p->delay_days = store_col_int(s, 2);
	p->delay_minutes = store_col_int(s, 3);
	p->wait = store_col_int(s, 4);
	p->thread_step = store_col_int(s, 5);
	p->subject = store_col_text(s, 6);
	p->body = store_col_text(s, 7);
	p->line = store_col_int(s, 8);
}

/* On error the steps read so far stay in q, for sequence_free(). */
static int load_steps(struct store *st, struct sequence *q, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_steps, err);
	if (s)
		store_bind_int64(s, 1, q->id);
	return store_all_rows(st, s, read_step, sizeof(*q->steps), (void **)&q->steps,
			      &q->nsteps, "reading steps", err);
}

static int get_by(struct store *st, const char *sql, const char *name, int64_t id,
		  struct sequence *out, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql, err);
	int rc;
	memset(out, 0, sizeof(*out));
	if (s && name)
		store_bind_text(s, 1, name);
	else if (s)
		store_bind_int64(s, 1, id);
	rc = store_one_row(st, s, read_seq, out, "reading a sequence", err);
	if (rc != 0)
		return rc;
	if (load_steps(st, out, err) < 0) {
		sequence_free(out);
		return -1;
	}
	return 0;
}

static const char sql_get_name[] =
	"SELECT " SEQ_COLS " FROM sequences WHERE name = ? AND deleted = 0";
static const char sql_get_live_id[] =
	"SELECT " SEQ_COLS " FROM sequences WHERE id = ? AND deleted = 0";
static const char sql_get_id[] = "SELECT " SEQ_COLS " FROM sequences WHERE id = ?";

int store_sequence_get(struct store *st, const char *name, struct sequence *out,
		       struct cad_err *err)
{
	int64_t id;
	int rc = get_by(st, sql_get_name, name ? name : "", 0, out, err);
	if (rc == STORE_NOTFOUND && store_is_id(name, &id))
		rc = get_by(st, sql_get_live_id, NULL, id, out, err);
	if (rc == STORE_NOTFOUND)
		cad_err_set(err, "no sequence \"%s\"", name ? name : "");
	return rc;
}

int store_sequence_get_id(struct store *st, int64_t id, struct sequence *out,
			  struct cad_err *err)
{
	int rc = get_by(st, sql_get_id, NULL, id, out, err);
	if (rc == STORE_NOTFOUND)
		cad_err_set(err, "no sequence with id %lld", (long long)id);
	return rc;
}

static const char sql_list[] =
	"SELECT " SEQ_COLS " FROM sequences WHERE deleted = 0 ORDER BY name";

static void drop_seq(void *p)
{
	struct sequence *q = p;
	/* Listed sequences carry nsteps but no step array. */
	if (q->steps == NULL)
		q->nsteps = 0;
	sequence_free(q);
}

int store_sequence_list(struct store *st, struct sequence **out, size_t *n, struct cad_err *err)
{
	return store_list_rows(st, store_stmt(st, sql_list, err), read_seq, drop_seq,
			       sizeof(**out), (void **)out, n, "listing sequences", err);
}

void store_sequences_free(struct sequence *s, size_t n)
{
	store_rows_free(s, n, sizeof(*s), drop_seq);
}

static const char sql_find[] = "SELECT id FROM sequences WHERE name = ?";
static const char sql_insert[] =
	"INSERT INTO sequences (name, owner, description, days, window_start, window_end, tz,"
	" holidays, thread_default, scope, ooo, unenroll_on_reply, unenroll_on_meeting, active,"
	" source, deleted, created_at, updated_at)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, 0, ?16, ?16) RETURNING id";
static const char sql_replace[] =
	"UPDATE sequences SET name = ?1, owner = ?2, description = ?3, days = ?4,"
	" window_start = ?5, window_end = ?6, tz = ?7, holidays = ?8, thread_default = ?9,"
	" scope = ?10, ooo = ?11, unenroll_on_reply = ?12, unenroll_on_meeting = ?13,"
	" active = ?14, source = ?15, deleted = 0, updated_at = ?16 WHERE id = ?17";
static const char sql_del_steps[] = "DELETE FROM steps WHERE sequence_id = ?";
static const char sql_add_step[] =
	"INSERT INTO steps (sequence_id, idx, kind, delay_days, delay_minutes, wait, thread_step,"
	" subject, body, line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

static int find_seq(struct store *st, const char *name, int64_t *id, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_find, err);
	if (s)
		store_bind_text(s, 1, name);
	return store_one_id(st, s, id, "looking up a sequence", err);
}

static int put_steps(struct store *st, const struct sequence *q, int64_t id,
		     struct cad_err *err)
{
	store_q *s;
	size_t i;

	s = store_stmt(st, sql_del_steps, err);
	if (s == NULL)
		return -1;
	store_bind_int64(s, 1, id);
	if (store_exec_stmt(st, s, "replacing steps", err) < 0)
		return -1;
	for (i = 0; i < q->nsteps; i++) {
		const struct step *p = &q->steps[i];
		s = store_stmt(st, sql_add_step, err);
		if (s == NULL)
			return -1;
		store_bind_int64(s, 1, id);
		store_bind_int64(s, 2, (int64_t)i + 1);
		store_bind_text(s, 3, step_kind_name(p->kind));
		store_bind_int64(s, 4, p->delay_days);
		store_bind_int64(s, 5, p->delay_minutes);
		store_bind_int64(s, 6, p->wait ? 1 : 0);
		store_bind_int64(s, 7, p->thread_step);
		store_bind_text(s, 8, p->subject);
		store_bind_text(s, 9, p->body);
		store_bind_int64(s, 10, p->line);
		if (store_exec_stmt(st, s, "storing a step", err) < 0) {
			if (p->line > 0)
				cad_err_prefix(err, "%s:%d: step %zu",
					       q->source ? q->source : q->name, p->line, i + 1);
			else
				cad_err_prefix(err, "sequence \"%s\": step %zu", q->name, i + 1);
			return -1;
		}
	}
	return 0;
}

int store_sequence_import(struct store *st, struct sequence *seq, const char *actor,
			  cad_time_t now, struct cad_err *err)
{
	store_q *s;
	int64_t id = 0;
	char detail[64];
	int rc;

	if (seq->name == NULL || *seq->name == '\0')
		return cad_err_set(err, "a sequence needs a name");
	if (store_begin(st, err) < 0)
		return -1;
	rc = find_seq(st, seq->name, &id, err);
	if (rc < 0)
		goto fail;
	s = store_stmt(st, rc == 0 ? sql_replace : sql_insert, err);
	if (s == NULL)
		goto fail;
	store_bind_text(s, 1, seq->name);
	store_bind_text(s, 2, seq->owner);
	store_bind_text(s, 3, seq->description);
	store_bind_text(s, 4, seq_days_name(seq->days));
	store_bind_int64(s, 5, seq->window_start);
	store_bind_int64(s, 6, seq->window_end);
	store_bind_text(s, 7, seq->tz);
	store_bind_text(s, 8, seq->holidays);
	store_bind_int64(s, 9, seq->thread_default ? 1 : 0);
	store_bind_text(s, 10, (unsigned)seq->scope < CAD_ARRAY_LEN(scope_names)
			       ? scope_names[seq->scope] : "unknown");
	store_bind_text(s, 11, (unsigned)seq->ooo < CAD_ARRAY_LEN(ooo_names)
			       ? ooo_names[seq->ooo] : "unknown");
	store_bind_int64(s, 12, seq->unenroll_on_reply ? 1 : 0);
	store_bind_int64(s, 13, seq->unenroll_on_meeting ? 1 : 0);
	store_bind_int64(s, 14, seq->active ? 1 : 0);
	store_bind_text(s, 15, seq->source);
	store_bind_int64(s, 16, now);
	if (rc == 0)
		store_bind_int64(s, 17, id);
	if (store_exec_id(st, s, &id, "storing a sequence", err) < 0) {
		cad_err_prefix(err, "sequence \"%s\"", seq->name);
		goto fail;
	}
	if (put_steps(st, seq, id, err) < 0)
		goto fail;
	snprintf(detail, sizeof(detail), "%s, %zu step%s", rc == 0 ? "replaced" : "new",
		 seq->nsteps, seq->nsteps == 1 ? "" : "s");
	if (store_event_put(st, now, EV_SEQ_IMPORTED, 0, 0, id, 0, actor, detail, err) < 0)
		goto fail;
	if (store_commit(st, err) < 0)
		return -1;
	seq->id = id;
	return 0;
fail:
	store_rollback(st);
	return -1;
}

static const char sql_mark_deleted[] =
	"UPDATE sequences SET deleted = 1, updated_at = ? WHERE id = ?";

int store_sequence_delete(struct store *st, const char *name, const char *actor,
			  cad_time_t now, int *unenrolled, struct cad_err *err)
{
	struct sequence q;
	store_q *s;
	char detail[64];
	int rc, n = 0;

	if (unenrolled)
		*unenrolled = 0;
	if (store_begin(st, err) < 0)
		return -1;
	rc = store_sequence_get(st, name, &q, err);
	if (rc != 0) {
		store_rollback(st);
		return rc;
	}
	if (store_unenroll_sequence_id(st, q.id, "sequence deleted", actor, now, &n, err) < 0)
		goto fail;
	s = store_stmt(st, sql_mark_deleted, err);
	if (s == NULL)
		goto fail;
	store_bind_int64(s, 1, now);
	store_bind_int64(s, 2, q.id);
	if (store_exec_stmt(st, s, "deleting a sequence", err) < 0)
		goto fail;
	snprintf(detail, sizeof(detail), "%d enrollment%s unenrolled", n, n == 1 ? "" : "s");
	if (store_event_put(st, now, EV_SEQ_DELETED, 0, 0, q.id, 0, actor, detail, err) < 0)
		goto fail;
	sequence_free(&q);
	if (store_commit(st, err) < 0)
		return -1;
	if (unenrolled)
		*unenrolled = n;
	return 0;
fail:
	sequence_free(&q);
	store_rollback(st);
	return -1;
}
