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

#include <stdint.h>
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
		store_bind_int64(s, 2, limit ? (int64_t)limit : INT64_MAX);
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

/* ---- claims (store_sched.h; issue 17) ---- */

/* Due candidates in due order after (k, id) = (?3, ?4), a page of ?2,
 * from the due index; then their claim and rep from the rows. */
#define SQL_DUE_K "COALESCE(CASE WHEN held_step = step THEN held_due ELSE next_due END, 0)"
static const char sql_claim_page[] =
	"SELECT d.id, d.k, e.user_id, e.claim_by, e.claim_until"
	" FROM (SELECT id, " SQL_DUE_K " AS k FROM enrollments"
	"  WHERE state = 'active' AND next_due <= ?1"
	"  AND (" SQL_DUE_K " > ?3 OR (" SQL_DUE_K " = ?3 AND id > ?4))"
	"  ORDER BY k, id LIMIT ?2) d"
	" JOIN enrollments e ON e.id = d.id ORDER BY d.k, d.id";
/* Due work of a rep that other claimers hold; that anyone holds. */
static const char sql_claim_others[] =
	"SELECT COUNT(*) FROM enrollments WHERE claim_by IS NOT NULL AND claim_by <> ?1"
	" AND user_id = ?2 AND claim_until > ?3 AND state = 'active' AND next_due <= ?3";
static const char sql_claim_mine[] =
	"SELECT COUNT(*) FROM enrollments WHERE claim_by = ?1"
	" AND user_id = ?2 AND state = 'active' AND next_due <= ?3";
/* A rep's sends of the last 24 h (as store_user_sends_since counts them). */
static const char sql_claim_sent[] =
	"SELECT COUNT(*) FROM sent_messages m JOIN enrollments e ON e.id = m.enrollment_id"
	" WHERE e.user_id = ?1 AND m.state IN ('submitted','witnessed')"
	" AND COALESCE(m.submitted_at, m.witnessed_at) >= ?2";
static const char sql_claim_cap[] = "SELECT send_cap_24h FROM users WHERE id = ?1";
static const char sql_claim_set[] =
	"UPDATE enrollments SET claim_by = ?1, claim_until = ?2 WHERE id = ?3";
/* What this claimer holds and is due, in due order. */
static const char sql_claimed_views[] =
	"SELECT " STORE_ENR_VIEW_COLS STORE_ENR_VIEW_FROM
	" WHERE e.claim_by = ?1 AND e.state = 'active' AND e.next_due <= ?2"
	" ORDER BY COALESCE(CASE WHEN e.held_step = e.step THEN e.held_due ELSE e.next_due END, 0),"
	" e.id"
	" LIMIT ?3";
static const char sql_claim_renew[] =
	"UPDATE enrollments SET claim_until = ?2 WHERE claim_by = ?1";
static const char sql_claim_hold[] =
	"UPDATE enrollments SET claim_until = ?3 WHERE id = ?1 AND claim_by = ?2";
static const char sql_claim_release[] =
	"UPDATE enrollments SET claim_by = NULL, claim_until = NULL WHERE claim_by = ?1";

#define CLAIM_PAGES 8
#define CLAIM_DAY 86400

/* A rep met in this claim: what it may still take (-1: no limit here). */
struct claim_rep {
	int64_t id;
	int64_t left;
};

static int count_q(struct store *st, const char *sql, int64_t a, int64_t b, const char *text,
		   int64_t *out, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql, err);
	int rc;
	*out = 0;
	if (s == NULL)
		return -1;
	if (text != NULL) {
		store_bind_text(s, 1, text);
		store_bind_int64(s, 2, a);
		store_bind_int64(s, 3, b);
	} else {
		store_bind_int64(s, 1, a);
		if (sql != sql_claim_cap)
			store_bind_int64(s, 2, b);
	}
	rc = store_one_row(st, s, store_read_id, out, "counting claimed work", err);
	return rc < 0 ? -1 : 0;
}

/* What rep may still take in this claim: -1 when nobody else holds due
 * work of the rep (no limit here: the pass's limits hold its work); else
 * its cap - its sends of the last 24 h - the due work claimed by anyone
 * (each a send to come). The claimer's own due claims are taken again
 * without the budget (claim_page). */
static int claim_budget(struct store *st, const struct store_claim *c, int64_t rep,
			cad_time_t now, int64_t *left, struct cad_err *err)
{
	int64_t others, mine, sent, cap;

	*left = -1;
	if (count_q(st, sql_claim_others, rep, now, c->by, &others, err) < 0)
		return -1;
	if (others == 0)
		return 0;
	*left = 0;
	if (c->rep_exclusive)
		return 0;
	if (count_q(st, sql_claim_mine, rep, now, c->by, &mine, err) < 0 ||
	    count_q(st, sql_claim_sent, rep, now - CLAIM_DAY, NULL, &sent, err) < 0 ||
	    count_q(st, sql_claim_cap, rep, 0, NULL, &cap, err) < 0)
		return -1;
	if (cap <= 0)
		cap = USER_DEFAULT_SEND_CAP;
	*left = cap - sent - others - mine;
	if (*left < 0)
		*left = 0;
	return 0;
}

/* May this claim take a row of rep? Takes one of the rep's budget. */
static int claim_rep_take(struct store *st, const struct store_claim *c, struct claim_rep **reps,
			  size_t *nreps, int64_t rep, cad_time_t now, int *take,
			  struct cad_err *err)
{
	struct claim_rep *r = NULL;
	size_t i;

	for (i = 0; i < *nreps; i++)
		if ((*reps)[i].id == rep)
			r = &(*reps)[i];
	if (r == NULL) {
		*reps = xrealloc(*reps, (*nreps + 1) * sizeof(**reps));
		r = &(*reps)[(*nreps)++];
		r->id = rep;
		if (claim_budget(st, c, rep, now, &r->left, err) < 0)
			return -1;
	}
	*take = r->left != 0;
	if (r->left > 0)
		r->left--;
	return 0;
}

/* One candidate row, read by claim_page. */
struct claim_cand {
	int64_t id, k, rep, until;
	char *by;
};

static void read_cand(store_q *s, void *out)
{
	struct claim_cand *c = out;
	c->id = store_col_int64(s, 0);
	c->k = store_col_int64(s, 1);
	c->rep = store_col_int64(s, 2);
	c->by = store_col_text(s, 3);
	c->until = store_col_int64(s, 4);
}

static void cands_free(struct claim_cand *v, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		free(v[i].by);
	free(v);
}

/* The claims of one page; *more = 0 when the due list ended. */
static int claim_page(struct store *st, const struct store_claim *c, cad_time_t now,
		      size_t limit, int64_t *k, int64_t *id, size_t *taken, struct claim_rep **reps,
		      size_t *nreps, int *more, struct cad_err *err)
{
	struct claim_cand *v = NULL;
	store_q *s = store_stmt(st, sql_claim_page, err);
	size_t n = 0, i;
	int take, rc = 0;

	if (s) {
		store_bind_int64(s, 1, now);
		store_bind_int64(s, 2, (int64_t)limit);
		store_bind_int64(s, 3, *k);
		store_bind_int64(s, 4, *id);
	}
	if (store_all_rows(st, s, read_cand, sizeof(*v), (void **)&v, &n, "listing due work",
			   err) < 0) {
		cands_free(v, n);
		return -1;
	}
	*more = n == limit;
	for (i = 0; i < n && *taken < limit && rc == 0; i++) {
		*k = v[i].k;
		*id = v[i].id;
		/* Held by another claimer whose lease runs: not ours. */
		if (v[i].by != NULL && strcmp(v[i].by, c->by) != 0 && v[i].until > now)
			continue;
		/* Ours already (counted in the budget): kept, the lease renewed. */
		take = v[i].by != NULL && strcmp(v[i].by, c->by) == 0;
		if (!take)
			rc = claim_rep_take(st, c, reps, nreps, v[i].rep, now, &take, err);
		if (rc < 0 || !take)
			continue;
		s = store_stmt(st, sql_claim_set, err);
		if (s == NULL) {
			rc = -1;
			break;
		}
		store_bind_text(s, 1, c->by);
		store_bind_int64(s, 2, c->until);
		store_bind_int64(s, 3, v[i].id);
		rc = store_exec_stmt(st, s, "claiming due work", err);
		if (rc == 0)
			(*taken)++;
	}
	if (i < n)
		*more = 1;
	cands_free(v, n);
	return rc;
}

int store_due_claim(struct store *st, cad_time_t now, size_t limit, const struct store_claim *c,
		    struct enrollment_view **out, size_t *n, struct cad_err *err)
{
	struct claim_rep *reps = NULL;
	size_t nreps = 0, taken = 0;
	int64_t k = INT64_MIN, id = INT64_MIN;
	int page, more = 1, rc = 0;
	store_q *s;

	*out = NULL;
	*n = 0;
	if (c == NULL || c->by == NULL || *c->by == '\0')
		return cad_err_set(err, "store: a claim needs a claimer");
	if (limit == 0)
		limit = 500;
	if (store_begin(st, err) < 0)
		return -1;
	for (page = 0; page < CLAIM_PAGES && more && taken < limit && rc == 0; page++)
		rc = claim_page(st, c, now, limit, &k, &id, &taken, &reps, &nreps, &more, err);
	free(reps);
	if (rc == 0) {
		s = store_stmt(st, sql_claimed_views, err);
		if (s) {
			store_bind_text(s, 1, c->by);
			store_bind_int64(s, 2, now);
			store_bind_int64(s, 3, (int64_t)limit);
		}
		rc = store_all_rows(st, s, store_read_enr_view, sizeof(**out), (void **)out, n,
				    "listing claimed work", err);
	}
	if (rc == 0 && store_commit(st, err) == 0)
		return 0;
	if (rc != 0)
		store_rollback(st);
	store_enrollment_views_free(*out, *n);
	*out = NULL;
	*n = 0;
	return -1;
}

int store_claim_renew(struct store *st, const char *by, cad_time_t until, int *count,
		      struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_claim_renew, err);
	if (count)
		*count = 0;
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, by);
	store_bind_int64(s, 2, until);
	if (store_exec_stmt(st, s, "renewing claims", err) < 0)
		return -1;
	if (count)
		*count = (int)store_changes(st);
	return 0;
}

int store_claim_hold(struct store *st, int64_t enrollment_id, const char *by, cad_time_t until,
		     struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_claim_hold, err);
	if (s == NULL)
		return -1;
	store_bind_int64(s, 1, enrollment_id);
	store_bind_text(s, 2, by);
	store_bind_int64(s, 3, until);
	if (store_exec_stmt(st, s, "holding a claim", err) < 0)
		return -1;
	return store_changes(st) == 1 ? 1 : 0;
}

int store_claim_release(struct store *st, const char *by, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_claim_release, err);
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, by);
	return store_exec_stmt(st, s, "releasing claims", err);
}

static const char sql_claimers[] =
	"SELECT DISTINCT claim_by FROM enrollments WHERE claim_by IS NOT NULL";

int store_claimers(struct store *st, char ***out, size_t *n, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_claimers, err);
	size_t i;

	*out = NULL;
	*n = 0;
	if (store_all_rows(st, s, store_read_text, sizeof(**out), (void **)out, n,
			   "listing claimers", err) == 0)
		return 0;
	for (i = 0; i < *n; i++)
		free((*out)[i]);
	free(*out);
	*out = NULL;
	*n = 0;
	return -1;
}
