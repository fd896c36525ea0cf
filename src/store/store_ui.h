/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_ui.h - the figures cadenced's web page (scheduler/ui*.c) needs
 * beyond store_report.h: how many enrollments of each sequence are in
 * each state now, and a sequence's sends per day.
 *
 * Guarantees: read-only; one aggregate query each (GROUP BY in SQL);
 * user_id 0 = every rep, else only that rep's enrollments and sends.
 * Errors: -1 with err.
 */
#ifndef CADENCE_STORE_UI_H
#define CADENCE_STORE_UI_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct ui_states {
	int64_t sequence_id;
	int active, paused, finished, unenrolled;
};
/* One row per sequence that has enrollments, by sequence id. */
int store_ui_states(struct store *st, int64_t user_id, struct ui_states **out, size_t *n,
		    struct cad_err *err);

struct ui_day {
	cad_time_t day;    /* 00:00 UTC of the day */
	int sent;          /* "step_sent" events that day */
};
/* The days with sends of sequence_id (0 = every sequence) at or after
 * since, oldest first. */
int store_ui_sends_per_day(struct store *st, int64_t sequence_id, int64_t user_id,
			   cad_time_t since, struct ui_day **out, size_t *n, struct cad_err *err);

#endif
