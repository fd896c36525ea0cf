/*
 * store_holiday.c - holiday calendars (schema version 2): the dates on
 * which a sequence that counts business days does not send.
 *
 * Guarantees: one row per (calendar, date); dates are checked to be real
 * YYYY-MM-DD calendar dates before they are stored; calendar names are
 * stored lower-case.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"

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

static const char sql_add[] =
	"INSERT INTO holidays (calendar, date, name) VALUES (?, ?, ?)"
	" ON CONFLICT (calendar, date) DO UPDATE SET name = excluded.name";

int store_holiday_add(struct store *st, const char *calendar, const char *date,
		      const char *name, struct cad_err *err)
{
	sqlite3_stmt *s;
	char *cal;
	int rc;
	if (calendar == NULL || *calendar == '\0')
		return cad_err_set(err, "a holiday needs a calendar name");
	if (!date_valid(date))
		return cad_err_set(err, "holiday date \"%s\" is not a YYYY-MM-DD date",
				   date ? date : "");
	s = store_stmt(st, sql_add, err);
	if (s == NULL)
		return -1;
	cal = store_lower(calendar);
	store_bind_text(s, 1, cal);
	store_bind_text(s, 2, date);
	store_bind_text(s, 3, name);
	free(cal);
	rc = store_exec_stmt(st, s, "adding a holiday", err);
	return rc;
}

static const char sql_list[] =
	"SELECT calendar, date, name FROM holidays WHERE (?1 IS NULL OR calendar = ?1)"
	" ORDER BY date, calendar";

int store_holidays(struct store *st, const char *calendar, struct holiday **out, size_t *n,
		   struct cad_err *err)
{
	sqlite3_stmt *s = store_stmt(st, sql_list, err);
	struct holiday *v = NULL;
	size_t cap = 0, cnt = 0;
	char *cal;
	int rc;
	*out = NULL;
	*n = 0;
	if (s == NULL)
		return -1;
	cal = store_lower(calendar);
	store_bind_text(s, 1, cal);
	free(cal);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		store_grow((void **)&v, &cap, cnt + 1, sizeof(*v));
		v[cnt].calendar = store_col_text(s, 0);
		v[cnt].date = store_col_text(s, 1);
		v[cnt].name = store_col_text(s, 2);
		cnt++;
	}
	store_stmt_done(s);
	if (rc != SQLITE_DONE) {
		store_holidays_free(v, cnt);
		return store_dberr(st, "listing holidays", err);
	}
	*out = v;
	*n = cnt;
	return 0;
}

void store_holidays_free(struct holiday *h, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		free(h[i].calendar);
		free(h[i].date);
		free(h[i].name);
	}
	free(h);
}
