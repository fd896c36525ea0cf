/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_ui.c - the web page's aggregates. See store_ui.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "store_ui.h"

/* Counted as SUM(CASE ...): PostgreSQL has no SUM of a boolean. */
#define UI_COUNT(st) "SUM(CASE WHEN state = '" st "' THEN 1 ELSE 0 END)"
static const char sql_states[] =
	"SELECT sequence_id,"
	" " UI_COUNT("active") ", " UI_COUNT("paused") ","
	" " UI_COUNT("finished") ", " UI_COUNT("unenrolled")
	" FROM enrollments WHERE (CAST(?1 AS BIGINT) IS NULL OR user_id = ?1)"
	" GROUP BY sequence_id ORDER BY sequence_id";

static void read_states(store_q *s, void *out)
{
	struct ui_states *r = out;
	r->sequence_id = store_col_int64(s, 0);
	r->active = store_col_int(s, 1);
	r->paused = store_col_int(s, 2);
	r->finished = store_col_int(s, 3);
	r->unenrolled = store_col_int(s, 4);
}

int store_ui_states(struct store *st, int64_t user_id, struct ui_states **out, size_t *n,
		    struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_states, err);
	*out = NULL;
	*n = 0;
	if (s != NULL)
		store_bind_id(s, 1, user_id);
	return store_all_rows(st, s, read_states, sizeof(**out), (void **)out, n,
			      "enrollment states", err);
}

static const char sql_days[] =
	"SELECT (at / 86400) * 86400 AS d, COUNT(*) FROM events"
	" WHERE type = 'step_sent' AND at >= ?1"
	" AND (CAST(?2 AS BIGINT) IS NULL OR sequence_id = ?2)"
	" AND (CAST(?3 AS BIGINT) IS NULL OR user_id = ?3)"
	" GROUP BY d ORDER BY d";

static void read_day(store_q *s, void *out)
{
	struct ui_day *d = out;
	d->day = store_col_int64(s, 0);
	d->sent = store_col_int(s, 1);
}

int store_ui_sends_per_day(struct store *st, int64_t sequence_id, int64_t user_id,
			   cad_time_t since, struct ui_day **out, size_t *n, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_days, err);
	*out = NULL;
	*n = 0;
	if (s != NULL) {
		store_bind_int64(s, 1, since);
		store_bind_id(s, 2, sequence_id);
		store_bind_id(s, 3, user_id);
	}
	return store_all_rows(st, s, read_day, sizeof(**out), (void **)out, n, "sends per day",
			      err);
}
