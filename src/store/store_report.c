/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_report.c - the sequence report of store_report.h: three aggregate
 * queries (the events of the range, the unenroll reasons, the tasks),
 * each grouped by the report's key, merged into rows in C.
 *
 * The key is (k1, k2): (sequence, 0), (sequence, step) or (rep, 0). By
 * step, an event's step is the one its detail names for "step_sent"
 * ("step N ..."), else the last email step sent to its enrollment at or
 * before it (sent_messages' UNIQUE (enrollment_id, step) index), else 0.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "store_report.h"

const char *const report_outcome_names[REPORT_OUTCOMES] = { "connected", "voicemail",
							    "no-answer", "wrong-number" };

#define EV_STEP_EXPR \
	"CASE WHEN ev.type = 'step_sent'" \
	" THEN CAST(substr(ev.detail, 6, instr(ev.detail || ',', ',') - 6) AS INTEGER)" \
	" ELSE COALESCE((SELECT MAX(m.step) FROM sent_messages m" \
	"  WHERE m.enrollment_id = ev.enrollment_id AND m.state IN ('submitted','witnessed')" \
	"  AND COALESCE(m.submitted_at, m.witnessed_at) <= ev.at), 0) END"

/* With a range, the events_type (type, at) index finds the rows; without
 * one ("type || ''" keeps SQLite off that index), one pass over the table
 * reads them in order, twice as fast as an index walk over most of the log.
 * The SQL is PostgreSQL's too: flags are summed as CASE ... THEN 1 ELSE 0
 * (PostgreSQL has no SUM of a boolean), the step of "step N, ..." is cut
 * at the comma before the CAST (PostgreSQL refuses trailing text; instr()
 * is store_schema_pg.c's strpos()). */
#define EV_WHERE \
	" FROM events ev WHERE ev.at >= ?1 AND ev.at < ?2" \
	" AND (CAST(?3 AS BIGINT) = 0 OR ev.sequence_id = ?3)" \
	" AND (CAST(?4 AS BIGINT) = 0 OR ev.user_id = ?4)"
#define EV_WHERE_ALL \
	" FROM events ev WHERE (CAST(?3 AS BIGINT) = 0 OR ev.sequence_id = ?3)" \
	" AND (CAST(?4 AS BIGINT) = 0 OR ev.user_id = ?4)"

#define NSUM(x) "SUM(CASE WHEN " x " THEN 1 ELSE 0 END)"
#define EV_SUMS \
	", " NSUM("ev.type = 'enrolled'") ", " NSUM("ev.type = 'step_sent'") "," \
	" COUNT(DISTINCT CASE WHEN ev.type = 'step_sent' THEN ev.enrollment_id END)," \
	" COUNT(DISTINCT CASE WHEN ev.type = 'replied' THEN ev.enrollment_id END)," \
	" COUNT(DISTINCT CASE WHEN ev.type = 'meeting_booked' THEN ev.enrollment_id END)," \
	" COUNT(DISTINCT CASE WHEN ev.type = 'bounced' THEN ev.enrollment_id END)," \
	" COUNT(DISTINCT CASE WHEN ev.type = 'unsubscribed' OR (ev.type = 'unenrolled'" \
	"  AND ev.detail LIKE 'unsubscribed%') THEN COALESCE(ev.enrollment_id, -ev.id) END)," \
	" " NSUM("ev.type = 'paused' AND ev.detail LIKE 'out of office%'") "," \
	" " NSUM("ev.type = 'unenrolled'")
#define EV_TYPES \
	" IN ('enrolled','step_sent','replied','meeting_booked','bounced'," \
	"  'unsubscribed','paused','unenrolled')"
#define EV_COUNTS EV_SUMS EV_WHERE " AND ev.type" EV_TYPES
#define EV_COUNTS_ALL EV_SUMS EV_WHERE_ALL " AND ev.type || ''" EV_TYPES

/* [by][ranged] */
static const char *const sql_events[][2] = {
	[REPORT_BY_SEQUENCE] = {
		"SELECT ev.sequence_id, 0" EV_COUNTS_ALL " AND ev.sequence_id IS NOT NULL GROUP BY 1, 2",
		"SELECT ev.sequence_id, 0" EV_COUNTS " AND ev.sequence_id IS NOT NULL GROUP BY 1, 2" },
	[REPORT_BY_STEP] = {
		"SELECT ev.sequence_id, " EV_STEP_EXPR EV_COUNTS_ALL
		" AND ev.sequence_id IS NOT NULL GROUP BY 1, 2",
		"SELECT ev.sequence_id, " EV_STEP_EXPR EV_COUNTS
		" AND ev.sequence_id IS NOT NULL GROUP BY 1, 2" },
	[REPORT_BY_REP] = {
		"SELECT ev.user_id, 0" EV_COUNTS_ALL " AND ev.user_id IS NOT NULL GROUP BY 1, 2",
		"SELECT ev.user_id, 0" EV_COUNTS " AND ev.user_id IS NOT NULL GROUP BY 1, 2" },
};

#define EV_REASONS ", ev.detail, COUNT(*)" EV_WHERE " AND ev.type = 'unenrolled'"

static const char *const sql_reasons[] = {
	[REPORT_BY_SEQUENCE] = "SELECT ev.sequence_id, 0" EV_REASONS
		" AND ev.sequence_id IS NOT NULL GROUP BY 1, 2, 3",
	[REPORT_BY_STEP] = "SELECT ev.sequence_id, " EV_STEP_EXPR EV_REASONS
		" AND ev.sequence_id IS NOT NULL GROUP BY 1, 2, 3",
	[REPORT_BY_REP] = "SELECT ev.user_id, 0" EV_REASONS
		" AND ev.user_id IS NOT NULL GROUP BY 1, 2, 3",
};

#define T_CLOSED " AND t.closed_at >= ?1 AND t.closed_at < ?2"
#define T_OUTCOME(o) ", " NSUM("t.state = 'done' AND t.outcome = '" o "'" T_CLOSED)
#define T_COUNTS \
	", " NSUM("t.state = 'done'" T_CLOSED) ", " NSUM("t.state = 'skipped'" T_CLOSED) "," \
	" " NSUM("t.state = 'open' AND t.due_at < ?5") \
	T_OUTCOME("connected") T_OUTCOME("voicemail") T_OUTCOME("no-answer") \
	T_OUTCOME("wrong-number") \
	" FROM tasks t JOIN enrollments e ON e.id = t.enrollment_id" \
	" WHERE (CAST(?3 AS BIGINT) = 0 OR e.sequence_id = ?3)" \
	" AND (CAST(?4 AS BIGINT) = 0 OR t.user_id = ?4)" \
	" GROUP BY 1, 2"

static const char *const sql_tasks[] = {
	[REPORT_BY_SEQUENCE] = "SELECT e.sequence_id, 0" T_COUNTS,
	[REPORT_BY_STEP] = "SELECT e.sequence_id, t.step" T_COUNTS,
	[REPORT_BY_REP] = "SELECT t.user_id, 0" T_COUNTS,
};

static const char sql_seq_name[] = "SELECT name FROM sequences WHERE id = ?";
static const char sql_user_email[] = "SELECT email FROM users WHERE id = ?";

struct acc {
	enum report_by by;
	struct report_row *v;
	size_t n, cap;
};

/* The row of key (k1, k2), made when new. */
static struct report_row *row_for(struct acc *a, int64_t k1, int k2)
{
	size_t i;
	struct report_row *r;

	for (i = 0; i < a->n; i++) {
		r = &a->v[i];
		if ((a->by == REPORT_BY_REP ? r->user_id : r->sequence_id) == k1 && r->step == k2)
			return r;
	}
	cad_grow(&a->v, &a->cap, a->n + 1, sizeof(*a->v));
	r = &a->v[a->n++];
	memset(r, 0, sizeof(*r));
	if (a->by == REPORT_BY_REP)
		r->user_id = k1;
	else
		r->sequence_id = k1;
	r->step = k2;
	return r;
}

static void bind_filter(store_q *s, const struct report_filter *f)
{
	store_bind_int64(s, 1, f->from ? f->from : INT64_MIN);
	store_bind_int64(s, 2, f->to ? f->to : INT64_MAX);
	store_bind_int64(s, 3, f->sequence_id);
	store_bind_int64(s, 4, f->user_id);
}

static int q_events(struct store *st, const struct report_filter *f, struct acc *a,
		    struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_events[f->by][f->from != 0 || f->to != 0], err);
	int rc;

	if (s == NULL)
		return -1;
	bind_filter(s, f);
	while ((rc = store_step(s)) == STORE_ROW) {
		struct report_row *r = row_for(a, store_col_int64(s, 0), store_col_int(s, 1));
		r->enrolled += store_col_int(s, 2);
		r->sent += store_col_int(s, 3);
		r->contacted += store_col_int(s, 4);
		r->replied += store_col_int(s, 5);
		r->meetings += store_col_int(s, 6);
		r->bounced += store_col_int(s, 7);
		r->unsubscribed += store_col_int(s, 8);
		r->ooo += store_col_int(s, 9);
		r->unenrolled += store_col_int(s, 10);
	}
	store_stmt_done(s);
	return rc == STORE_DONE ? 0 : store_dberr(st, "reporting on the events", err);
}

/* "replied (ann@x.test)" -> "replied"; "bounced: 5.1.1 ..." -> "bounced". */
static char *reason_head(const char *d)
{
	size_t n;
	if (d == NULL || *d == '\0')
		return xstrdup("(no reason)");
	n = strcspn(d, "(:\n");
	while (n > 0 && d[n - 1] == ' ')
		n--;
	return n ? xstrndup(d, n) : xstrdup(d);
}

static void reason_add(struct report_row *r, const char *detail, int count)
{
	char *head = reason_head(detail);
	size_t i;

	for (i = 0; i < r->nreasons; i++)
		if (strcmp(r->reasons[i].reason, head) == 0) {
			r->reasons[i].count += count;
			free(head);
			return;
		}
	r->reasons = xreallocarray(r->reasons, r->nreasons + 1, sizeof(*r->reasons));
	r->reasons[r->nreasons].reason = head;
	r->reasons[r->nreasons].count = count;
	r->nreasons++;
}

static int q_reasons(struct store *st, const struct report_filter *f, struct acc *a,
		     struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_reasons[f->by], err);
	int rc;

	if (s == NULL)
		return -1;
	bind_filter(s, f);
	while ((rc = store_step(s)) == STORE_ROW)
		reason_add(row_for(a, store_col_int64(s, 0), store_col_int(s, 1)),
			   store_col_cstr(s, 2), store_col_int(s, 3));
	store_stmt_done(s);
	return rc == STORE_DONE ? 0 : store_dberr(st, "reporting on the unenroll reasons", err);
}

static int q_tasks(struct store *st, const struct report_filter *f, struct acc *a,
		   struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_tasks[f->by], err);
	int rc, i;

	if (s == NULL)
		return -1;
	bind_filter(s, f);
	store_bind_int64(s, 5, f->now);
	while ((rc = store_step(s)) == STORE_ROW) {
		struct report_row *r = row_for(a, store_col_int64(s, 0), store_col_int(s, 1));
		r->tasks_done += store_col_int(s, 2);
		r->tasks_skipped += store_col_int(s, 3);
		r->tasks_overdue += store_col_int(s, 4);
		for (i = 0; i < REPORT_OUTCOMES; i++)
			r->outcomes[i] += store_col_int(s, 5 + i);
	}
	store_stmt_done(s);
	return rc == STORE_DONE ? 0 : store_dberr(st, "reporting on the tasks", err);
}

/* A task table with nothing in the range still makes rows; drop the
 * rows that count nothing at all, unless the filter named them. */
static int row_empty(const struct report_row *r)
{
	int i;
	if (r->enrolled || r->sent || r->replied || r->meetings || r->bounced ||
	    r->unsubscribed || r->ooo || r->unenrolled || r->tasks_done || r->tasks_skipped ||
	    r->tasks_overdue)
		return 0;
	for (i = 0; i < REPORT_OUTCOMES; i++)
		if (r->outcomes[i])
			return 0;
	return 1;
}

static int name_of(struct store *st, const char *sql, int64_t id, char **out,
		   struct cad_err *err)
{
	store_q *s = store_stmt(st, sql, err);
	int rc;
	if (s)
		store_bind_int64(s, 1, id);
	rc = store_one_row(st, s, store_read_text, out, "naming a report row", err);
	return rc < 0 ? -1 : 0;
}

static int cmp_rows(const void *x, const void *y)
{
	const struct report_row *a = x, *b = y;
	const char *na = a->sequence ? a->sequence : a->user;
	const char *nb = b->sequence ? b->sequence : b->user;
	int c = strcmp(na ? na : "", nb ? nb : "");
	if (c != 0)
		return c;
	return (a->step > b->step) - (a->step < b->step);
}

static int cmp_reasons(const void *x, const void *y)
{
	const struct report_reason *a = x, *b = y;
	if (a->count != b->count)
		return b->count - a->count;
	return strcmp(a->reason, b->reason);
}

/* Names, order, and the rows the filter names even when empty. */
static int finish(struct store *st, const struct report_filter *f, struct acc *a,
		  struct cad_err *err)
{
	size_t i, k = 0;

	if (f->by == REPORT_BY_SEQUENCE && f->sequence_id)
		row_for(a, f->sequence_id, 0);
	if (f->by == REPORT_BY_REP && f->user_id)
		row_for(a, f->user_id, 0);
	for (i = 0; i < a->n; i++) {
		struct report_row *r = &a->v[i];
		int keep = !row_empty(r) ||
			   (f->by == REPORT_BY_SEQUENCE && r->sequence_id == f->sequence_id) ||
			   (f->by == REPORT_BY_REP && r->user_id == f->user_id);
		if (!keep) {
			free(r->reasons);
			continue;
		}
		a->v[k++] = *r;
	}
	a->n = k;
	for (i = 0; i < a->n; i++) {
		struct report_row *r = &a->v[i];
		if ((f->by == REPORT_BY_REP ? name_of(st, sql_user_email, r->user_id, &r->user, err)
		     : name_of(st, sql_seq_name, r->sequence_id, &r->sequence, err)) < 0)
			return -1;
		if (r->nreasons > 1)
			qsort(r->reasons, r->nreasons, sizeof(*r->reasons), cmp_reasons);
	}
	if (a->n > 1)
		qsort(a->v, a->n, sizeof(*a->v), cmp_rows);
	return 0;
}

int store_report(struct store *st, const struct report_filter *f, struct report_row **rows,
		 size_t *n, struct cad_err *err)
{
	struct acc a;

	*rows = NULL;
	*n = 0;
	if (f->by != REPORT_BY_SEQUENCE && f->by != REPORT_BY_STEP && f->by != REPORT_BY_REP)
		return cad_err_set(err, "report: unknown grouping");
	memset(&a, 0, sizeof(a));
	a.by = f->by;
	if (q_events(st, f, &a, err) < 0 || q_reasons(st, f, &a, err) < 0 ||
	    q_tasks(st, f, &a, err) < 0 || finish(st, f, &a, err) < 0) {
		store_report_free(a.v, a.n);
		return -1;
	}
	*rows = a.v;
	*n = a.n;
	return 0;
}

void store_report_free(struct report_row *rows, size_t n)
{
	size_t i, k;
	for (i = 0; i < n; i++) {
		free(rows[i].sequence);
		free(rows[i].user);
		for (k = 0; k < rows[i].nreasons; k++)
			free(rows[i].reasons[k].reason);
		free(rows[i].reasons);
	}
	free(rows);
}

/* "+at" keeps SQLite from answering out of an index's page count: every
 * row of the table is read, as the report's worst case reads them. */
static const char sql_count[] = "SELECT COUNT(*) FROM events WHERE +at IS NOT NULL";

int store_events_count(struct store *st, int64_t *n, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_count, err);
	*n = 0;
	return store_one_row(st, s, store_read_id, n, "counting the events", err) < 0 ? -1 : 0;
}
