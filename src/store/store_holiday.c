/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_holiday.c - holiday calendars in the store (schema version 2): the
 * dates on which a sequence that counts business days does not send. The
 * parsing of calendar files is holiday.c's; this keeps the result.
 *
 * Guarantees: importing a calendar replaces all its dates in one
 * transaction with its "holidays_imported" event, so a scheduler never
 * sees half a calendar; every date is checked to be a real YYYY-MM-DD
 * date before anything is written. One row per (calendar, date).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "store_holiday.h"

/* A real Gregorian date written YYYY-MM-DD. */
static int date_valid(const char *d)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, day, i;
	if (d == NULL || strlen(d) != 10 || d[4] != '-' || d[7] != '-')
		return 0;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9'))
			return 0;
	y = atoi(d);
	m = atoi(d + 5);
	day = atoi(d + 8);
	if (m < 1 || m > 12 || day < 1 || day > mdays[m - 1])
		return 0;
	if (m == 2 && day == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 0;
	return 1;
}

static const char sql_clear[] = "DELETE FROM holidays WHERE calendar = ?";
static const char sql_add[] =
	"INSERT INTO holidays (calendar, date, name) VALUES (?, ?, ?)"
	" ON CONFLICT (calendar, date) DO UPDATE SET name = excluded.name";

int store_holidays_replace(struct store *st, const char *calendar, const struct holiday_list *l,
			   const char *actor, cad_time_t now, struct cad_err *err)
{
	store_q *s;
	char detail[96];
	size_t i;

	if (calendar == NULL || !holiday_calendar_valid(calendar))
		return cad_err_set(err, "holiday calendar name \"%s\" is not 1-%d of [a-z0-9_-]",
				   calendar ? calendar : "", HOLIDAY_MAX_CALNAME);
	for (i = 0; i < l->n; i++)
		if (!date_valid(l->v[i].date))
			return cad_err_set(err, "calendar %s: \"%s\" is not a YYYY-MM-DD date",
					   calendar, l->v[i].date);
	if (store_begin(st, err) < 0)
		return -1;
	s = store_stmt(st, sql_clear, err);
	if (s == NULL)
		goto fail;
	store_bind_text(s, 1, calendar);
	if (store_exec_stmt(st, s, "clearing a holiday calendar", err) < 0)
		goto fail;
	for (i = 0; i < l->n; i++) {
		s = store_stmt(st, sql_add, err);
		if (s == NULL)
			goto fail;
		store_bind_text(s, 1, calendar);
		store_bind_text(s, 2, l->v[i].date);
		store_bind_text(s, 3, l->v[i].name);
		if (store_exec_stmt(st, s, "storing a holiday", err) < 0)
			goto fail;
	}
	snprintf(detail, sizeof(detail), "calendar %s: %zu date%s", calendar, l->n,
		 l->n == 1 ? "" : "s");
	if (store_event_put(st, now, EV_HOLIDAYS, 0, 0, 0, 0, actor, detail, err) < 0)
		goto fail;
	return store_commit(st, err);
fail:
	store_rollback(st);
	return -1;
}

static const char sql_get[] =
	"SELECT calendar, date, name FROM holidays WHERE calendar = ? ORDER BY date";

static int by_date(const void *a, const void *b)
{
	const struct holiday *x = a, *y = b;
	int c = strcmp(x->date, y->date);
	return c ? c : strcmp(x->calendar, y->calendar);
}

int store_holidays_get(struct store *st, const char *calendars, struct holiday_list *out,
		       struct cad_err *err)
{
	char *list, *p, *name, *save = NULL;
	store_q *s;
	int rc = STORE_DONE;

	holiday_list_init(out);
	if (calendars == NULL || *calendars == '\0')
		return 0;
	list = store_lower(calendars);
	for (p = list; (name = strtok_r(p, ", \t", &save)) != NULL; p = NULL) {
		s = store_stmt(st, sql_get, err);
		if (s == NULL) {
			rc = STORE_ERROR;
			break;
		}
		store_bind_text(s, 1, name);
		while ((rc = store_step(s)) == STORE_ROW)
			holiday_list_add(out, store_col_cstr(s, 0),
					 store_col_cstr(s, 1),
					 store_col_cstr(s, 2));
		if (rc != STORE_DONE)
			store_dberr(st, "reading holidays", err);
		store_stmt_done(s);
		if (rc != STORE_DONE)
			break;
	}
	free(list);
	if (rc != STORE_DONE) {
		holiday_list_free(out);
		return -1;
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), by_date);
	return 0;
}
