/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_enroll.c - enrollments: recording a new one, reading one, the
 * contact's current one, a rep's recent count and running schedule, and
 * filtered listings with the names a person wants beside them.
 *
 * Guarantees: at most one running (active or paused) enrollment per
 * contact, enforced by a partial unique index, so that even two writers
 * racing cannot enroll a contact twice; the insert and its "enrolled" event
 * are one transaction. Deciding whether to enroll is not done here (see
 * enroll.h); this records the decision.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define ENR_COLS "e.id, e.contact_id, e.sequence_id, e.user_id, e.state, e.step, e.next_due," \
	" e.reason, e.paused_until, e.enrolled_at, e.updated_at, e.enrolled_by, e.bulk"

static void read_enr(store_q *s, void *out)
{
	struct enrollment *e = out;
	enum enr_state st = ENR_ACTIVE;
	memset(e, 0, sizeof(*e));
	e->id = store_col_int64(s, 0);
	e->contact_id = store_col_int64(s, 1);
	e->sequence_id = store_col_int64(s, 2);
	e->user_id = store_col_int64(s, 3);
	enr_state_parse(store_col_cstr(s, 4), &st);
	e->state = st;
	e->step = store_col_int(s, 5);
	e->next_due = store_col_int64(s, 6);
	e->reason = store_col_text(s, 7);
	e->paused_until = store_col_int64(s, 8);
	e->enrolled_at = store_col_int64(s, 9);
	e->updated_at = store_col_int64(s, 10);
	e->enrolled_by = store_col_text(s, 11);
	e->bulk = store_col_int(s, 12);
}

static const char sql_insert[] =
	"INSERT INTO enrollments (contact_id, sequence_id, user_id, state, step, next_due,"
	" reason, paused_until, enrolled_at, updated_at, enrolled_by, bulk)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11) RETURNING id";

int store_enrollment_insert(struct store *st, struct enrollment *e, const char *actor,
			    cad_time_t now, struct cad_err *err)
{
	store_q *s;
	char *detail;
	int64_t id;

	if (e->step < 1)
		return cad_err_set(err, "an enrollment starts at step 1 or later");
	if (store_begin(st, err) < 0)
		return -1;
	s = store_stmt(st, sql_insert, err);
	if (s == NULL)
		goto fail;
	store_bind_int64(s, 1, e->contact_id);
	store_bind_int64(s, 2, e->sequence_id);
	store_bind_int64(s, 3, e->user_id);
	store_bind_text(s, 4, enr_state_name(e->state));
	store_bind_int64(s, 5, e->step);
	store_bind_time(s, 6, e->next_due);
	store_bind_text(s, 7, e->reason);
	store_bind_time(s, 8, e->paused_until);
	store_bind_int64(s, 9, now);
	store_bind_text(s, 10, e->enrolled_by ? e->enrolled_by : actor);
	store_bind_int64(s, 11, e->bulk ? 1 : 0);
	if (store_step_id(s, &id) != STORE_DONE) {
		if (store_is_unique_violation(st))
			cad_err_set(err, "contact %lld already has an active or paused enrollment",
				    (long long)e->contact_id);
		else
			store_dberr(st, "recording an enrollment", err);
		store_stmt_done(s);
		goto fail;
	}
	store_stmt_done(s);
	detail = xasprintf("step %d%s", e->step, e->bulk ? ", bulk" : "");
	if (store_event_put(st, now, EV_ENROLLED, id, e->contact_id, e->sequence_id, e->user_id,
			    actor, detail, err) < 0) {
		free(detail);
		goto fail;
	}
	free(detail);
	if (store_commit(st, err) < 0)
		return -1;
	e->id = id;
	e->enrolled_at = e->updated_at = now;
	if (e->enrolled_by == NULL)
		e->enrolled_by = xstrdup(actor);
	return 0;
fail:
	store_rollback(st);
	return -1;
}

int store_enrollment_insert_many(struct store *st, struct enrollment *e, size_t n,
				 const char *actor, cad_time_t now, struct cad_err *err)
{
	size_t i, j;
	if (store_begin(st, err) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (store_enrollment_insert(st, &e[i], actor, now, err) < 0) {
			cad_err_prefix(err, "enrollment %zu of %zu", i + 1, n);
			goto fail;
		}
	if (store_commit(st, err) == 0)
		return 0;
	i = n;
fail:
	store_rollback(st);
	for (j = 0; j < i; j++)
		e[j].id = 0;
	return -1;
}

static const char sql_get[] = "SELECT " ENR_COLS " FROM enrollments e WHERE e.id = ?";
static const char sql_current[] =
	"SELECT " ENR_COLS " FROM enrollments e"
	" WHERE e.contact_id = ? AND e.state IN ('active','paused')";

static int get_one(struct store *st, const char *sql, int64_t key, struct enrollment *out,
		   struct cad_err *err)
{
	store_q *s = store_stmt(st, sql, err);
	memset(out, 0, sizeof(*out));
	if (s)
		store_bind_int64(s, 1, key);
	return store_one_row(st, s, read_enr, out, "reading an enrollment", err);
}

int store_enrollment_get(struct store *st, int64_t id, struct enrollment *out,
			 struct cad_err *err)
{
	int rc = get_one(st, sql_get, id, out, err);
	if (rc == STORE_NOTFOUND)
		cad_err_set(err, "no enrollment %lld", (long long)id);
	return rc;
}

int store_enrollment_current(struct store *st, int64_t contact_id, struct enrollment *out,
			     struct cad_err *err)
{
	return get_one(st, sql_current, contact_id, out, err);
}

static const char sql_since[] =
	"SELECT COUNT(*) FROM enrollments WHERE user_id = ? AND enrolled_at >= ?";

int store_enrollments_since(struct store *st, int64_t user_id, cad_time_t since, int *count,
			    struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_since, err);
	int rc;
	*count = 0;
	if (s == NULL)
		return -1;
	store_bind_int64(s, 1, user_id);
	store_bind_int64(s, 2, since);
	rc = store_step(s);
	if (rc == STORE_ROW)
		*count = store_col_int(s, 0);
	store_stmt_done(s);
	if (rc != STORE_ROW)
		return store_dberr(st, "counting enrollments", err);
	return 0;
}

static const char sql_schedule[] =
	"SELECT e.id, e.sequence_id, e.step, e.next_due, c.tz, c.region FROM enrollments e"
	" JOIN contacts c ON c.id = e.contact_id"
	" WHERE e.user_id = ?1 AND e.state = 'active'"
	" AND (e.next_due IS NULL OR e.next_due < ?2)"
	" ORDER BY e.sequence_id, e.id";

static void read_sched(store_q *s, void *out)
{
	struct enr_sched *x = out;
	x->id = store_col_int64(s, 0);
	x->sequence_id = store_col_int64(s, 1);
	x->step = store_col_int(s, 2);
	x->next_due = store_col_int64(s, 3);
	x->contact_tz = store_col_text(s, 4);
	x->contact_region = store_col_text(s, 5);
}

int store_user_schedule(struct store *st, int64_t user_id, cad_time_t before,
			struct enr_sched **out, size_t *n, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_schedule, err);
	if (s) {
		store_bind_int64(s, 1, user_id);
		store_bind_int64(s, 2, before);
	}
	if (store_all_rows(st, s, read_sched, sizeof(**out), (void **)out, n,
			   "reading a rep's schedule", err) == 0)
		return 0;
	store_enr_scheds_free(*out, *n);
	*out = NULL;
	*n = 0;
	return -1;
}

void store_enr_scheds_free(struct enr_sched *v, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		free(v[i].contact_tz);
		free(v[i].contact_region);
	}
	free(v);
}

void store_read_enr_view(store_q *s, void *out)
{
	struct enrollment_view *w = out;
	enum step_kind k = STEP_EMAIL;
	memset(w, 0, sizeof(*w));
	read_enr(s, &w->e);
	w->contact_email = store_col_text(s, 13);
	w->sequence_name = store_col_text(s, 14);
	w->user_email = store_col_text(s, 15);
	w->nsteps = store_col_int(s, 16);
	step_kind_parse(store_col_cstr(s, 17), &k);
	w->next_kind = k;
}

/* Every criterion is optional: an unset one binds NULL and is true. */
static const char sql_views[] =
	"SELECT " STORE_ENR_VIEW_COLS STORE_ENR_VIEW_FROM
	" WHERE (CAST(?1 AS BIGINT) IS NULL OR e.id = ?1)"
	" AND (CAST(?2 AS TEXT) IS NULL OR c.email = ?2"
	"  OR c.id IN (SELECT contact_id FROM contact_aliases WHERE alias = ?2))"
	" AND (CAST(?3 AS TEXT) IS NULL OR q.name = ?3)"
	" AND (CAST(?4 AS TEXT) IS NULL OR u.email = ?4)"
	" AND (CAST(?5 AS TEXT) IS NULL OR e.state = ?5)"
	" AND (CAST(?6 AS BIGINT) IS NULL OR e.next_due < ?6)"
	" ORDER BY e.id";

int store_enrollments(struct store *st, const struct enr_filter *f,
		      struct enrollment_view **out, size_t *n, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_views, err);
	char *contact = store_lower(f ? f->contact : NULL);
	char *user = store_lower(f ? f->user : NULL);

	if (s) {
		store_bind_id(s, 1, f ? f->id : 0);
		store_bind_text(s, 2, contact);
		store_bind_text(s, 3, f ? f->sequence : NULL);
		store_bind_text(s, 4, user);
		store_bind_text(s, 5, (f && f->state >= 0)
				       ? enr_state_name((enum enr_state)f->state) : NULL);
		store_bind_time(s, 6, f ? f->due_before : 0);
	}
	free(contact);
	free(user);
	if (store_all_rows(st, s, store_read_enr_view, sizeof(**out), (void **)out, n,
			   "listing enrollments", err) == 0)
		return 0;
	store_enrollment_views_free(*out, *n);
	*out = NULL;
	*n = 0;
	return -1;
}

void store_enrollment_views_free(struct enrollment_view *v, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		enrollment_free(&v[i].e);
		free(v[i].contact_email);
		free(v[i].sequence_name);
		free(v[i].user_email);
	}
	free(v);
}

static const char sql_move_row[] =
	"SELECT e.state, e.step, e.contact_id, e.sequence_id, e.user_id,"
	" (SELECT COUNT(*) FROM steps WHERE sequence_id = e.sequence_id)"
	" FROM enrollments e WHERE e.id = ?";
static const char sql_advance[] =
	"UPDATE enrollments SET step = ?1, next_due = ?2, updated_at = ?3 WHERE id = ?4";
static const char sql_finish[] =
	"UPDATE enrollments SET state = 'finished', step = ?1, next_due = NULL,"
	" paused_until = NULL, updated_at = ?2 WHERE id = ?3";

int store_enr_move(struct store *st, int64_t enr, int from_step, cad_time_t next_due,
		   const char *type, const char *detail, const char *actor, cad_time_t now,
		   int *moved, struct cad_err *err)
{
	char tbuf[CAD_TIME_BUFSZ], state[16], *dflt = NULL;
	store_q *s = store_stmt(st, sql_move_row, err);
	int64_t contact = 0, seq = 0, user = 0;
	int step = 0, nsteps = 0, rc, finish;

	if (moved)
		*moved = 0;
	if (s == NULL)
		return -1;
	store_bind_int64(s, 1, enr);
	rc = store_step(s);
	if (rc == STORE_ROW) {
		const char *t = store_col_cstr(s, 0);
		snprintf(state, sizeof(state), "%s", t ? t : "");
		step = store_col_int(s, 1);
		contact = store_col_int64(s, 2);
		seq = store_col_int64(s, 3);
		user = store_col_int64(s, 4);
		nsteps = store_col_int(s, 5);
	} else if (rc != STORE_DONE) {
		store_dberr(st, "reading an enrollment", err);
	}
	store_stmt_done(s);
	if (rc == STORE_DONE) {
		cad_err_set(err, "no enrollment %lld", (long long)enr);
		return STORE_NOTFOUND;
	}
	if (rc != STORE_ROW)
		return -1;
	/* Stopped, or already past that step: nothing to do (not an error:
	 * a late task or a second report must not rewind anything). */
	if ((strcmp(state, "active") != 0 && strcmp(state, "paused") != 0) || step != from_step)
		return 0;
	finish = from_step >= nsteps;
	s = store_stmt(st, finish ? sql_finish : sql_advance, err);
	if (s == NULL)
		return -1;
	if (finish) {
		store_bind_int64(s, 1, from_step + 1);
		store_bind_int64(s, 2, now);
		store_bind_int64(s, 3, enr);
	} else {
		store_bind_int64(s, 1, from_step + 1);
		store_bind_time(s, 2, next_due);
		store_bind_int64(s, 3, now);
		store_bind_int64(s, 4, enr);
	}
	if (store_exec_stmt(st, s, "moving an enrollment on", err) < 0)
		return -1;
	if (type == NULL) {
		type = finish ? EV_FINISHED : EV_STEP_SCHEDULED;
		if (finish)
			dflt = xstrdup("last step done");
		else if (next_due)
			dflt = xasprintf("step %d due %s", from_step + 1,
					 cad_time_format(next_due, tbuf, sizeof(tbuf)));
		else
			dflt = xasprintf("step %d, not scheduled yet", from_step + 1);
		detail = dflt;
	}
	rc = store_event_put(st, now, type, enr, contact, seq, user, actor, detail, err);
	free(dflt);
	if (rc == 0 && moved)
		*moved = 1;
	return rc;
}
