/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_page.c - cursor pages and CRM-id look-ups for the HTTP API. See
 * store_page.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "store_page.h"

static const char sql_events[] =
	"SELECT ev.id, ev.at, ev.type, ev.enrollment_id, ev.contact_id, ev.sequence_id,"
	" ev.user_id, ev.actor, ev.detail, c.email, s.name, u.email"
	" FROM events ev"
	" LEFT JOIN contacts c ON c.id = ev.contact_id"
	" LEFT JOIN sequences s ON s.id = ev.sequence_id"
	" LEFT JOIN users u ON u.id = ev.user_id"
	" WHERE ev.id > ?1"
	"  AND (CAST(?2 AS TEXT) IS NULL OR ev.type = ?2)"
	"  AND (CAST(?3 AS BIGINT) IS NULL OR ev.contact_id = ?3)"
	"  AND (CAST(?4 AS BIGINT) IS NULL OR ev.sequence_id = ?4)"
	"  AND (CAST(?5 AS BIGINT) IS NULL OR ev.user_id = ?5)"
	"  AND (CAST(?6 AS BIGINT) IS NULL OR ev.enrollment_id = ?6)"
	"  AND (CAST(?7 AS BIGINT) IS NULL OR ev.at >= ?7)"
	"  AND (CAST(?8 AS BIGINT) IS NULL OR ev.at < ?8)"
	" ORDER BY ev.id LIMIT ?9";

static void read_event(store_q *s, void *out)
{
	struct event *e = out;
	e->id = store_col_int64(s, 0);
	e->at = store_col_int64(s, 1);
	e->type = store_col_text(s, 2);
	e->enrollment_id = store_col_int64(s, 3);
	e->contact_id = store_col_int64(s, 4);
	e->sequence_id = store_col_int64(s, 5);
	e->user_id = store_col_int64(s, 6);
	e->actor = store_col_text(s, 7);
	e->detail = store_col_text(s, 8);
	e->contact_email = store_col_text(s, 9);
	e->sequence_name = store_col_text(s, 10);
	e->user_email = store_col_text(s, 11);
}

int store_page_events(struct store *st, const struct page_event_filter *f, int64_t after,
		      size_t limit, struct event **out, size_t *n, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_events, err);
	*out = NULL;
	*n = 0;
	if (s) {
		store_bind_int64(s, 1, after);
		store_bind_text(s, 2, f->type);
		store_bind_id(s, 3, f->contact_id);
		store_bind_id(s, 4, f->sequence_id);
		store_bind_id(s, 5, f->user_id);
		store_bind_id(s, 6, f->enrollment_id);
		store_bind_time(s, 7, f->since);
		store_bind_time(s, 8, f->until);
		store_bind_int64(s, 9, (int64_t)limit);
	}
	if (store_all_rows(st, s, read_event, sizeof(**out), (void **)out, n, "listing events",
			   err) == 0)
		return 0;
	store_events_free(*out, *n);
	*out = NULL;
	*n = 0;
	return -1;
}

static const char sql_enr_page[] =
	"SELECT " STORE_ENR_VIEW_COLS STORE_ENR_VIEW_FROM
	" WHERE e.id > ?1"
	"  AND (CAST(?2 AS BIGINT) IS NULL OR e.contact_id = ?2)"
	"  AND (CAST(?3 AS BIGINT) IS NULL OR e.sequence_id = ?3)"
	"  AND (CAST(?4 AS BIGINT) IS NULL OR e.user_id = ?4)"
	"  AND (CAST(?5 AS TEXT) IS NULL OR e.state = ?5)"
	" ORDER BY e.id LIMIT ?6";
static const char sql_enr_one[] =
	"SELECT " STORE_ENR_VIEW_COLS STORE_ENR_VIEW_FROM " WHERE e.id = ?";
static const char sql_enr_latest[] =
	"SELECT " STORE_ENR_VIEW_COLS STORE_ENR_VIEW_FROM
	" WHERE e.contact_id = ? ORDER BY e.enrolled_at DESC, e.id DESC LIMIT 1";

int store_page_enrollments(struct store *st, const struct page_enr_filter *f, int64_t after,
			   size_t limit, struct enrollment_view **out, size_t *n,
			   struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_enr_page, err);
	*out = NULL;
	*n = 0;
	if (s) {
		store_bind_int64(s, 1, after);
		store_bind_id(s, 2, f->contact_id);
		store_bind_id(s, 3, f->sequence_id);
		store_bind_id(s, 4, f->user_id);
		store_bind_text(s, 5, f->state >= 0 ? enr_state_name((enum enr_state)f->state)
				: NULL);
		store_bind_int64(s, 6, (int64_t)limit);
	}
	if (store_all_rows(st, s, store_read_enr_view, sizeof(**out), (void **)out, n,
			   "listing enrollments", err) == 0)
		return 0;
	store_enrollment_views_free(*out, *n);
	*out = NULL;
	*n = 0;
	return -1;
}

int store_page_enrollment_get(struct store *st, int64_t id, struct enrollment_view *out,
			      struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_enr_one, err);
	memset(out, 0, sizeof(*out));
	if (s)
		store_bind_int64(s, 1, id);
	return store_one_row(st, s, store_read_enr_view, out, "looking up an enrollment", err);
}

int store_page_enrollment_latest(struct store *st, int64_t contact_id,
				 struct enrollment_view *out, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_enr_latest, err);
	memset(out, 0, sizeof(*out));
	if (s)
		store_bind_int64(s, 1, contact_id);
	return store_one_row(st, s, store_read_enr_view, out, "looking up an enrollment", err);
}

static const char sql_crm[] =
	"SELECT contact_id FROM contact_props WHERE key IN ('crm_id', 'hs_object_id')"
	" AND value = ? GROUP BY contact_id ORDER BY contact_id LIMIT 2";

int store_page_contact_by_crm(struct store *st, const char *crm_id, int64_t *contact_id,
			      struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_crm, err);
	int64_t *ids = NULL;
	size_t n = 0;
	int rc;

	if (s)
		store_bind_text(s, 1, crm_id);
	if (store_all_rows(st, s, store_read_id, sizeof(int64_t), (void **)&ids, &n,
			   "looking up a CRM id", err) < 0) {
		free(ids);
		return -1;
	}
	if (n == 0)
		rc = STORE_NOTFOUND;
	else if (n > 1)
		rc = cad_err_set(err, "CRM id %s names two contacts (%lld and %lld)", crm_id,
				 (long long)ids[0], (long long)ids[1]);
	else {
		*contact_id = ids[0];
		rc = 0;
	}
	free(ids);
	return rc;
}
