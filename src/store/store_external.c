/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_external.c - a sequence step sent from outside cadence: the rep's
 * own message that enrolled its recipients (enroll by address) counts as
 * step 1, so that it is recorded in the send ledger like a step cadenced
 * sent, and later steps thread to it. See store_ledger.h.
 *
 * Guarantees: one transaction (ledger row, event, enrollment moved);
 * nothing is written when the enrollment is not active on that step or
 * the step already has a ledger row, so a step is never recorded twice
 * and the scheduler's own record of a step always wins.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "store_ledger.h"

static const char sql_enr[] =
	"SELECT state, step, contact_id, sequence_id, user_id FROM enrollments WHERE id = ?";
static const char sql_step_row[] =
	"SELECT id FROM sent_messages WHERE enrollment_id = ? AND step = ?";
static const char sql_msgid_row[] = "SELECT id FROM sent_messages WHERE message_id = ?";
static const char sql_insert[] =
	"INSERT INTO sent_messages (enrollment_id, step, message_id, token, subject, state,"
	" queue_id, created_at, submitted_at, witnessed_at)"
	" VALUES (?, ?, ?, ?, ?, 'witnessed', ?, ?, ?, ?)";

struct enr_row {
	char state[16];
	int step;
	int64_t contact, seq, user;
};

static void read_enr(store_q *s, void *out)
{
	struct enr_row *r = out;
	const char *t = store_col_cstr(s, 0);
	snprintf(r->state, sizeof(r->state), "%s", t ? t : "");
	r->step = store_col_int(s, 1);
	r->contact = store_col_int64(s, 2);
	r->seq = store_col_int64(s, 3);
	r->user = store_col_int64(s, 4);
}

int store_msg_external(struct store *st, int64_t enrollment_id, int step,
		       const char *message_id, const char *token, const char *subject,
		       const char *queue_id, cad_time_t next_due, const char *actor,
		       cad_time_t now, int *recorded, struct cad_err *err)
{
	struct enr_row e;
	store_q *s;
	int64_t id = 0;
	char *detail = NULL;
	int rc, moved = 0;

	*recorded = 0;
	if (message_id == NULL || *message_id == '\0' || token == NULL || *token == '\0')
		return cad_err_set(err, "an externally sent step needs a Message-ID and a token");
	if (store_begin(st, err) < 0)
		return -1;
	memset(&e, 0, sizeof(e));
	s = store_stmt(st, sql_enr, err);
	if (s != NULL)
		store_bind_int64(s, 1, enrollment_id);
	rc = store_one_row(st, s, read_enr, &e, "reading an enrollment", err);
	if (rc == STORE_NOTFOUND)
		cad_err_set(err, "no enrollment %lld", (long long)enrollment_id);
	if (rc != 0)
		goto fail;
	if (strcmp(e.state, "active") != 0 || e.step != step) {
		cad_err_set(err, "enrollment %lld is %s on step %d, not active on step %d",
			    (long long)enrollment_id, e.state, e.step, step);
		goto fail;
	}
	s = store_stmt(st, sql_step_row, err);
	if (s != NULL) {
		store_bind_int64(s, 1, enrollment_id);
		store_bind_int64(s, 2, step);
	}
	rc = store_one_id(st, s, &id, "reading the send ledger", err);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		cad_err_set(err, "step %d of enrollment %lld is already in the send ledger", step,
			    (long long)enrollment_id);
		goto fail;
	}
	s = store_stmt(st, sql_msgid_row, err);
	if (s != NULL)
		store_bind_text(s, 1, message_id);
	rc = store_one_id(st, s, &id, "reading the send ledger", err);
	if (rc < 0)
		goto fail;
	if (rc == STORE_NOTFOUND) {
		s = store_stmt(st, sql_insert, err);
		if (s == NULL)
			goto fail;
		store_bind_int64(s, 1, enrollment_id);
		store_bind_int64(s, 2, step);
		store_bind_text(s, 3, message_id);
		store_bind_text(s, 4, token);
		store_bind_text(s, 5, subject);
		store_bind_text(s, 6, queue_id);
		store_bind_int64(s, 7, now);
		store_bind_int64(s, 8, now);
		store_bind_int64(s, 9, now);
		if (store_exec_stmt(st, s, "recording a step sent by the rep", err) < 0)
			goto fail;
		*recorded = 1;
	}
	detail = xasprintf("step %d sent by the rep's own mail <%s>, queue id %s%s", step,
			   message_id, queue_id ? queue_id : "unknown",
			   *recorded ? "" : " (shared with another enrollment)");
	if (store_event_put(st, now, EV_STEP_SENT, enrollment_id, e.contact, e.seq, e.user, actor,
			    detail, err) < 0)
		goto fail;
	if (store_enr_move(st, enrollment_id, step, next_due, NULL, NULL, actor, now, &moved,
			   err) != 0)
		goto fail;
	free(detail);
	return store_commit(st, err);
fail:
	free(detail);
	*recorded = 0;
	store_rollback(st);
	return -1;
}
