/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_report.h - the sequence report: per sequence, per step of a
 * sequence, or per rep, what the event log and the tasks say happened.
 *
 * What is counted (each over events with from <= at < to):
 * - enrolled: "enrolled" events;
 * - sent: "step_sent" events (emails that reached the MTA, cadenced's and
 *   the rep's own manual emails); contacted: the enrollments among them;
 * - replied, meetings, bounced (hard or soft), unsubscribed: enrollments
 *   with at least one such event (a contact who replies twice counts once;
 *   an enrollment unenrolled as "unsubscribed ..." counts as unsubscribed,
 *   since a one-click link's own event names only the contact);
 * - ooo: pauses for an out-of-office reply ("paused" events whose reason
 *   starts with "out of office");
 * - unenrolled, with the reasons: "unenrolled" events, grouped by the
 *   reason's first words ("replied", "bounced", "meeting booked", "rep
 *   disabled"...: the text before " (" or ":");
 * - tasks: done and skipped (closed in the range), their outcomes
 *   (connected, voicemail, no-answer, wrong-number), and overdue (open,
 *   due before `now`, whatever the range).
 * By step, an event counts for the last email step sent to that
 * enrollment at or before it (a reply to step 2's email counts for step
 * 2; step 0 holds what came before any email, the enrollments among it);
 * a task counts for its own step.
 *
 * Guarantees: aggregates in SQL through the events_type (type, at) index
 * and the tasks and sent_messages indexes, so the cost grows with the
 * events in the range, not with the rows returned; rows are in order of
 * sequence name (and step) or rep address; read-only.
 */
#ifndef CADENCE_STORE_REPORT_H
#define CADENCE_STORE_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "util.h"

enum report_by { REPORT_BY_SEQUENCE, REPORT_BY_STEP, REPORT_BY_REP };

struct report_filter {
	enum report_by by;
	cad_time_t from;         /* 0 = no bound; inclusive */
	cad_time_t to;           /* 0 = no bound; exclusive */
	int64_t sequence_id;     /* 0 = every sequence */
	int64_t user_id;         /* 0 = every rep */
	cad_time_t now;          /* what "overdue" is measured against */
};

struct report_reason {
	char *reason;
	int count;
};

#define REPORT_OUTCOMES 4    /* connected, voicemail, no-answer, wrong-number */
extern const char *const report_outcome_names[REPORT_OUTCOMES];

struct report_row {
	int64_t sequence_id;     /* by sequence and by step */
	char *sequence;
	int step;                /* by step */
	int64_t user_id;         /* by rep */
	char *user;
	int enrolled, sent, contacted;
	int replied, meetings, bounced, unsubscribed, ooo;
	int unenrolled;
	struct report_reason *reasons;   /* most frequent first */
	size_t nreasons;
	int tasks_done, tasks_skipped, tasks_overdue;
	int outcomes[REPORT_OUTCOMES];
};

int store_report(struct store *st, const struct report_filter *f, struct report_row **rows,
		 size_t *n, struct cad_err *err);
void store_report_free(struct report_row *rows, size_t n);

/* COUNT(*) over the whole event log, reading every row (a full scan):
 * the baseline bench_report measures the report against. */
int store_events_count(struct store *st, int64_t *n, struct cad_err *err);

#endif
