/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_event.c - the append-only event log: appending a row, and listing
 * rows through a filter (contact, sequence, rep, type, enrollment, time).
 *
 * Guarantees: rows are only ever INSERTed, never updated or deleted. The
 * listing carries the contact's, sequence's and rep's names beside the ids
 * so that a report needs no second look-up; it is ordered oldest first,
 * and with a limit it returns the newest `limit` rows, still oldest first.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static const char sql_event_insert[] =
	"INSERT INTO events (at, type, enrollment_id, contact_id, sequence_id, user_id,"
	" actor, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

int store_event_put(struct store *st, cad_time_t at, const char *type, int64_t enrollment_id,
		    int64_t contact_id, int64_t sequence_id, int64_t user_id, const char *actor,
		    const char *detail, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_event_insert, err);
	if (s == NULL)
		return -1;
	if (type == NULL || *type == '\0')
		return cad_err_set(err, "store: an event needs a type");
	store_bind_int64(s, 1, at);
	store_bind_text(s, 2, type);
	store_bind_id(s, 3, enrollment_id);
	store_bind_id(s, 4, contact_id);
	store_bind_id(s, 5, sequence_id);
	store_bind_id(s, 6, user_id);
	store_bind_text(s, 7, actor);
	store_bind_text(s, 8, detail);
	return store_exec_stmt(st, s, "recording an event", err);
}

int store_event_add(struct store *st, const struct event *ev, struct cad_err *err)
{
	return store_event_put(st, ev->at, ev->type, ev->enrollment_id, ev->contact_id,
			       ev->sequence_id, ev->user_id, ev->actor, ev->detail, err);
}

/* One statement serves every filter: an unset criterion binds NULL and
 * its clause is true. The inner query picks the newest rows when there is
 * a limit (-1 = none); the outer one puts them back in order. With an
 * enrollment given, its clause is a plain equality (sql_events_enr), so
 * that the events_enrollment index finds its events: behind "?5 IS NULL
 * OR" SQLite walked the whole table newest first, and a pass asking for
 * an enrollment's latest step_deferred event read every event of the
 * store for each deferral (issue 16: a pass's cost followed the number of
 * enrollments). */
#define SQL_EVENTS(ENROLLMENT_CLAUSE) \
	"SELECT id, at, type, enrollment_id, contact_id, sequence_id, user_id, actor, detail," \
	" contact_email, sequence_name, user_email FROM (" \
	" SELECT ev.id AS id, ev.at AS at, ev.type AS type, ev.enrollment_id AS enrollment_id," \
	"  ev.contact_id AS contact_id, ev.sequence_id AS sequence_id, ev.user_id AS user_id," \
	"  ev.actor AS actor, ev.detail AS detail, c.email AS contact_email," \
	"  s.name AS sequence_name, u.email AS user_email" \
	" FROM events ev" \
	" LEFT JOIN contacts c ON c.id = ev.contact_id" \
	" LEFT JOIN sequences s ON s.id = ev.sequence_id" \
	" LEFT JOIN users u ON u.id = ev.user_id" \
	" WHERE (CAST(?1 AS TEXT) IS NULL OR c.email = ?1)" \
	"  AND (CAST(?2 AS TEXT) IS NULL OR s.name = ?2)" \
	"  AND (CAST(?3 AS TEXT) IS NULL OR u.email = ?3)" \
	"  AND (CAST(?4 AS TEXT) IS NULL OR ev.type = ?4)" \
	"  AND " ENROLLMENT_CLAUSE \
	"  AND (CAST(?6 AS BIGINT) IS NULL OR ev.at >= ?6)" \
	"  AND (CAST(?7 AS BIGINT) IS NULL OR ev.at < ?7)" \
	" ORDER BY ev.id DESC LIMIT ?8) AS recent" \
	" ORDER BY id"
static const char sql_events[] =
	SQL_EVENTS("(CAST(?5 AS BIGINT) IS NULL OR ev.enrollment_id = ?5)");
static const char sql_events_enr[] = SQL_EVENTS("ev.enrollment_id = ?5");

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

int store_events(struct store *st, const struct event_filter *f, struct event **out, size_t *n,
		 struct cad_err *err)
{
	store_q *s = store_stmt(st, f && f->enrollment_id ? sql_events_enr : sql_events, err);
	char *contact = store_lower(f ? f->contact : NULL);
	char *user = store_lower(f ? f->user : NULL);

	if (s) {
		store_bind_text(s, 1, contact);
		store_bind_text(s, 2, f ? f->sequence : NULL);
		store_bind_text(s, 3, user);
		store_bind_text(s, 4, f ? f->type : NULL);
		store_bind_id(s, 5, f ? f->enrollment_id : 0);
		store_bind_time(s, 6, f ? f->since : 0);
		store_bind_time(s, 7, f ? f->until : 0);
		store_bind_int64(s, 8, (f && f->limit) ? (int64_t)f->limit : INT64_MAX);
	}
	free(contact);
	free(user);
	if (store_all_rows(st, s, read_event, sizeof(**out), (void **)out, n, "listing events",
			   err) == 0)
		return 0;
	store_events_free(*out, *n);
	*out = NULL;
	*n = 0;
	return -1;
}

void store_events_free(struct event *ev, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		event_free(&ev[i]);
	free(ev);
}
