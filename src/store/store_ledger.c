/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_ledger.c - the send ledger (store_ledger.h): one row per
 * (enrollment, step) email, recorded before it is submitted, witnessed by
 * the milter's gate, marked sent, retried or failed.
 *
 * Guarantees (DESIGN.md rule 2, never twice, never after a stop):
 * - (enrollment_id, step), message_id and token are unique in the schema,
 *   so a second prepare for a step can only return the first record.
 * - The gate accepts a message at most once, and only while its
 *   enrollment is active and still on that message's step; the check and
 *   the witness are one transaction under the write lock, so a reply
 *   recorded a moment earlier always wins.
 * - Marking a message sent and moving its enrollment on are one
 *   transaction with their events; a second report changes nothing.
 * - "unknown" (no reply to end of data) never overwrites a witness, and
 *   the gate treats an unknown message as a prepared one: the retry is
 *   witnessed once, or refused when the first copy was.
 * Which report follows which outcome is the ledger's table
 * (src/rules/ledger.h), not this file's.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "store_ledger.h"

static const char *const msg_states[] = { "prepared", "submitted", "witnessed", "failed",
					  "rejected", "unknown" };

static enum msg_state msg_state_of(const char *s)
{
	size_t i;
	for (i = 0; s && i < CAD_ARRAY_LEN(msg_states); i++)
		if (strcmp(s, msg_states[i]) == 0)
			return (enum msg_state)i;
	return MSG_FAILED;
}

#define MSG_COLS "m.id, m.enrollment_id, m.step, m.message_id, m.token, m.subject, m.state," \
	" m.queue_id, m.smtp_reply, m.created_at, m.submitted_at, m.witnessed_at"

static void read_msg(store_q *s, void *out)
{
	struct sent_msg *m = out;
	memset(m, 0, sizeof(*m));
	m->id = store_col_int64(s, 0);
	m->enrollment_id = store_col_int64(s, 1);
	m->step = store_col_int(s, 2);
	m->message_id = store_col_text(s, 3);
	m->token = store_col_text(s, 4);
	m->subject = store_col_text(s, 5);
	m->state = msg_state_of(store_col_cstr(s, 6));
	m->queue_id = store_col_text(s, 7);
	m->smtp_reply = store_col_text(s, 8);
	m->created_at = store_col_int64(s, 9);
	m->submitted_at = store_col_int64(s, 10);
	m->witnessed_at = store_col_int64(s, 11);
}

static const char sql_by_msgid[] = "SELECT " MSG_COLS " FROM sent_messages m WHERE m.message_id = ?";
static const char sql_by_token[] = "SELECT " MSG_COLS " FROM sent_messages m WHERE m.token = ?";
static const char sql_by_step[] =
	"SELECT " MSG_COLS " FROM sent_messages m WHERE m.enrollment_id = ? AND m.step = ?";

/* Runs a one-row look-up already bound: 0, STORE_NOTFOUND or -1. */
static int get_msg(struct store *st, store_q *s, struct sent_msg *out, struct cad_err *err)
{
	return store_one_row(st, s, read_msg, out, "reading the send ledger", err);
}

/* A Message-ID as given in a header may keep its angle brackets. */
static char *bare_msgid(const char *id)
{
	size_t n;
	if (id == NULL)
		return xstrdup("");
	n = strlen(id);
	if (n >= 2 && id[0] == '<' && id[n - 1] == '>')
		return xstrndup(id + 1, n - 2);
	return xstrdup(id);
}

int store_msg_get(struct store *st, const char *message_id, struct sent_msg *out,
		  struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_by_msgid, err);
	char *id;
	int rc;
	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return -1;
	id = bare_msgid(message_id);
	store_bind_text(s, 1, id);
	rc = get_msg(st, s, out, err);
	if (rc == STORE_NOTFOUND)
		cad_err_set(err, "no sent message <%s>", id);
	free(id);
	return rc;
}

int store_msg_get_token(struct store *st, const char *token, struct sent_msg *out,
			struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_by_token, err);
	int rc;
	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, token ? token : "");
	rc = get_msg(st, s, out, err);
	if (rc == STORE_NOTFOUND)
		cad_err_set(err, "no sent message for that token");
	return rc;
}

int store_msg_for_step(struct store *st, int64_t enrollment_id, int step, struct sent_msg *out,
		       struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_by_step, err);
	int rc;
	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return -1;
	store_bind_int64(s, 1, enrollment_id);
	store_bind_int64(s, 2, step);
	rc = get_msg(st, s, out, err);
	if (rc == STORE_NOTFOUND)
		cad_err_set(err, "no message for step %d of enrollment %lld", step,
			    (long long)enrollment_id);
	return rc;
}

static const char sql_prepare[] =
	"INSERT INTO sent_messages (enrollment_id, step, message_id, token, subject, state,"
	" created_at) VALUES (?, ?, ?, ?, ?, 'prepared', ?) RETURNING id";

int store_msg_prepare(struct store *st, struct sent_msg *m, cad_time_t now, int *existing,
		      struct cad_err *err)
{
	struct sent_msg old;
	store_q *s;
	int rc;

	*existing = 0;
	if (m->message_id == NULL || *m->message_id == '\0' || m->token == NULL ||
	    *m->token == '\0')
		return cad_err_set(err, "a sent message needs a Message-ID and a token");
	if (store_begin(st, err) < 0)
		return -1;
	rc = store_msg_for_step(st, m->enrollment_id, m->step, &old, err);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		/* The step was recorded before (a restart): that record stands. */
		sent_msg_free(m);
		*m = old;
		*existing = 1;
		return store_commit(st, err);
	}
	s = store_stmt(st, sql_prepare, err);
	if (s == NULL)
		goto fail;
	store_bind_int64(s, 1, m->enrollment_id);
	store_bind_int64(s, 2, m->step);
	store_bind_text(s, 3, m->message_id);
	store_bind_text(s, 4, m->token);
	store_bind_text(s, 5, m->subject);
	store_bind_int64(s, 6, now);
	if (store_exec_id(st, s, &m->id, "recording a message before sending it", err) < 0)
		goto fail;
	m->state = MSG_PREPARED;
	m->created_at = now;
	return store_commit(st, err);
fail:
	store_rollback(st);
	return -1;
}

/* A message with what the ledger's decisions need about its enrollment. */
struct msg_ctx {
	struct sent_msg m;
	char enr_state[16];
	char *enr_reason;
	int enr_step;
	int64_t contact, seq, user;
};

static const char sql_ctx_by_msgid[] =
	"SELECT " MSG_COLS ", e.state, e.reason, e.step, e.contact_id, e.sequence_id, e.user_id"
	" FROM sent_messages m JOIN enrollments e ON e.id = m.enrollment_id"
	" WHERE m.message_id = ?";
static const char sql_ctx_by_id[] =
	"SELECT " MSG_COLS ", e.state, e.reason, e.step, e.contact_id, e.sequence_id, e.user_id"
	" FROM sent_messages m JOIN enrollments e ON e.id = m.enrollment_id WHERE m.id = ?";

static int read_ctx(struct store *st, const char *sql, const char *msgid, int64_t id,
		    struct msg_ctx *c, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql, err);
	int rc;
	memset(c, 0, sizeof(*c));
	if (s == NULL)
		return -1;
	if (msgid)
		store_bind_text(s, 1, msgid);
	else
		store_bind_int64(s, 1, id);
	rc = store_step(s);
	if (rc == STORE_ROW) {
		const char *t = store_col_cstr(s, 12);
		read_msg(s, &c->m);
		snprintf(c->enr_state, sizeof(c->enr_state), "%s", t ? t : "");
		c->enr_reason = store_col_text(s, 13);
		c->enr_step = store_col_int(s, 14);
		c->contact = store_col_int64(s, 15);
		c->seq = store_col_int64(s, 16);
		c->user = store_col_int64(s, 17);
	} else if (rc != STORE_DONE) {
		store_dberr(st, "reading the send ledger", err);
	}
	store_stmt_done(s);
	if (rc == STORE_ROW)
		return 0;
	if (rc == STORE_DONE) {
		if (msgid)
			cad_err_set(err, "no sent message <%s>", msgid);
		else
			cad_err_set(err, "no sent message %lld", (long long)id);
		return STORE_NOTFOUND;
	}
	return -1;
}

static void ctx_free(struct msg_ctx *c)
{
	sent_msg_free(&c->m);
	free(c->enr_reason);
}

static int ctx_event(struct store *st, const struct msg_ctx *c, const char *type,
		     const char *actor, cad_time_t now, const char *detail, struct cad_err *err)
{
	return store_event_put(st, now, type, c->m.enrollment_id, c->contact, c->seq, c->user,
			       actor, detail, err);
}

static const char sql_witness[] =
	"UPDATE sent_messages SET state = 'witnessed', queue_id = ?, witnessed_at = ?"
	" WHERE id = ?";
static const char sql_reject[] =
	"UPDATE sent_messages SET state = 'rejected' WHERE id = ?"
	" AND state IN ('prepared','unknown')";

/* Why the gate refuses c's message, in why; 0 when it may pass. */
static int gate_refusal(const struct msg_ctx *c, char *why, size_t whylen)
{
	if (c->m.state == MSG_WITNESSED || c->m.state == MSG_SUBMITTED)
		snprintf(why, whylen, "step %d of enrollment %lld was already sent%s%s", c->m.step,
			 (long long)c->m.enrollment_id, c->m.queue_id ? " as " : "",
			 c->m.queue_id ? c->m.queue_id : "");
	else if (c->m.state != MSG_PREPARED && c->m.state != MSG_UNKNOWN)
		snprintf(why, whylen, "message of step %d of enrollment %lld is %s", c->m.step,
			 (long long)c->m.enrollment_id, msg_states[c->m.state]);
	else if (strcmp(c->enr_state, "active") != 0)
		snprintf(why, whylen, "enrollment %lld is %s%s%s%s", (long long)c->m.enrollment_id,
			 c->enr_state, c->enr_reason ? " (" : "",
			 c->enr_reason ? c->enr_reason : "", c->enr_reason ? ")" : "");
	else if (c->enr_step != c->m.step)
		snprintf(why, whylen, "enrollment %lld is on step %d, not %d",
			 (long long)c->m.enrollment_id, c->enr_step, c->m.step);
	else
		return 0;
	return 1;
}

int store_msg_gate(struct store *st, const char *message_id, const char *queue_id,
		   cad_time_t now, enum gate_verdict *verdict, char *why, size_t whylen,
		   struct cad_err *err)
{
	struct msg_ctx c;
	store_q *s;
	char buf[256], *id;
	int rc;

	*verdict = GATE_UNKNOWN;
	if (whylen > 0)
		why[0] = '\0';
	id = bare_msgid(message_id);
	if (store_begin(st, err) < 0) {
		free(id);
		return -1;
	}
	rc = read_ctx(st, sql_ctx_by_msgid, id, 0, &c, err);
	free(id);
	if (rc == STORE_NOTFOUND) {
		snprintf(why, whylen, "not a message of ours");
		return store_commit(st, err);
	}
	if (rc < 0)
		goto fail;
	if (gate_refusal(&c, buf, sizeof(buf))) {
		*verdict = GATE_REJECT;
		s = store_stmt(st, sql_reject, err);
		if (s == NULL)
			goto fail;
		store_bind_int64(s, 1, c.m.id);
		if (store_exec_stmt(st, s, "rejecting a message", err) < 0 ||
		    ctx_event(st, &c, EV_GATE_REJECTED, "milter", now, buf, err) < 0)
			goto fail;
	} else {
		*verdict = GATE_ACCEPT;
		s = store_stmt(st, sql_witness, err);
		if (s == NULL)
			goto fail;
		store_bind_text(s, 1, queue_id);
		store_bind_int64(s, 2, now);
		store_bind_int64(s, 3, c.m.id);
		snprintf(buf, sizeof(buf), "step %d, queue id %s", c.m.step,
			 queue_id ? queue_id : "unknown");
		if (store_exec_stmt(st, s, "witnessing a message", err) < 0 ||
		    ctx_event(st, &c, EV_STEP_WITNESSED, "milter", now, buf, err) < 0)
			goto fail;
	}
	if (store_commit(st, err) < 0) {
		ctx_free(&c);
		*verdict = GATE_UNKNOWN;
		return -1;
	}
	if (*verdict == GATE_REJECT && whylen > 0)
		snprintf(why, whylen, "%s", buf);
	ctx_free(&c);
	return 0;
fail:
	ctx_free(&c);
	store_rollback(st);
	*verdict = GATE_UNKNOWN;
	return -1;
}

/* What the three reports after submission (sent, retry, failed) are given. */
struct report {
	const char *smtp_reply, *queue_id, *actor;
	cad_time_t next_due, retry_at, now;
};

/* One report's change to message c, inside the transaction; *detail (freed
 * by the caller) is the event detail it wrote. 0 = commit, -1 = roll back. */
typedef int (*report_fn)(struct store *st, const struct msg_ctx *c, const struct report *r,
			 char **detail, struct cad_err *err);

/* In one transaction: read message msg_id with its enrollment (STORE_NOTFOUND
 * when unknown), apply change, commit, or roll everything back. */
static int report_tx(struct store *st, int64_t msg_id, report_fn change, const struct report *r,
		     struct cad_err *err)
{
	struct msg_ctx c;
	char *detail = NULL;
	int rc;

	if (store_begin(st, err) < 0)
		return -1;
	rc = read_ctx(st, sql_ctx_by_id, NULL, msg_id, &c, err);
	if (rc == 0)
		rc = change(st, &c, r, &detail, err) < 0 ? -1 : 0;
	free(detail);
	ctx_free(&c);
	if (rc != 0) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st, err);
}

/* A witnessed message stays witnessed (the stronger fact); others become
 * submitted. The first queue id known is kept. */
static const char sql_sent[] =
	"UPDATE sent_messages SET state = CASE WHEN state = 'witnessed' THEN 'witnessed'"
	" ELSE 'submitted' END, smtp_reply = ?, queue_id = COALESCE(queue_id, ?),"
	" submitted_at = ? WHERE id = ?";

static int sent_change(struct store *st, const struct msg_ctx *c, const struct report *r,
		       char **detail, struct cad_err *err)
{
	store_q *s;

	if (c->m.state == MSG_SUBMITTED || (c->m.state == MSG_WITNESSED && c->m.submitted_at))
		return 0;   /* reported before: nothing moves twice */
	if (c->m.state == MSG_FAILED || c->m.state == MSG_REJECTED)
		return cad_err_set(err, "message %lld was %s; it cannot be sent",
				   (long long)c->m.id, msg_states[c->m.state]);
	s = store_stmt(st, sql_sent, err);
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, r->smtp_reply);
	store_bind_text(s, 2, r->queue_id);
	store_bind_int64(s, 3, r->now);
	store_bind_int64(s, 4, c->m.id);
	if (store_exec_stmt(st, s, "marking a message sent", err) < 0)
		return -1;
	*detail = xasprintf("step %d%s%s%s%s", c->m.step, r->queue_id ? ", queue id " : "",
			    r->queue_id ? r->queue_id : "", r->smtp_reply ? ": " : "",
			    r->smtp_reply ? r->smtp_reply : "");
	if (ctx_event(st, c, EV_STEP_SENT, r->actor, r->now, *detail, err) < 0)
		return -1;
	return store_enr_move(st, c->m.enrollment_id, c->m.step, r->next_due, NULL, NULL,
			      r->actor, r->now, NULL, err) < 0 ? -1 : 0;
}

int store_msg_sent(struct store *st, int64_t msg_id, const char *smtp_reply,
		   const char *queue_id, cad_time_t next_due, const char *actor, cad_time_t now,
		   struct cad_err *err)
{
	struct report r = { smtp_reply, queue_id, actor, next_due, 0, now };
	return report_tx(st, msg_id, sent_change, &r, err);
}

/* Runs sql, an UPDATE of c's message with r's reply (?1) and the id (?2). */
static int mark_msg(struct store *st, const char *sql, const struct msg_ctx *c,
		    const struct report *r, const char *what, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql, err);

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, r->smtp_reply);
	store_bind_int64(s, 2, c->m.id);
	return store_exec_stmt(st, s, what, err);
}

static const char sql_defer_step[] =
	"UPDATE enrollments SET next_due = ?1, updated_at = ?2"
	" WHERE id = ?3 AND step = ?4 AND state = 'active'";

/* Moves the step of c's message to r->retry_at while its enrollment is
 * active and still on that step (a retry after a temporary failure). */
static int defer_step(struct store *st, const struct msg_ctx *c, const struct report *r,
		      struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_defer_step, err);

	if (s == NULL)
		return -1;
	store_bind_time(s, 1, r->retry_at);
	store_bind_int64(s, 2, r->now);
	store_bind_int64(s, 3, c->m.enrollment_id);
	store_bind_int64(s, 4, c->m.step);
	return store_exec_stmt(st, s, "deferring a step", err);
}

static const char sql_retry[] =
	"UPDATE sent_messages SET state = 'prepared', queue_id = NULL, witnessed_at = NULL,"
	" smtp_reply = ? WHERE id = ?";

static int retry_change(struct store *st, const struct msg_ctx *c, const struct report *r,
			char **detail, struct cad_err *err)
{
	char tbuf[CAD_TIME_BUFSZ];

	if (c->m.state != MSG_PREPARED && c->m.state != MSG_WITNESSED && c->m.state != MSG_UNKNOWN)
		return cad_err_set(err, "message %lld is %s; it cannot be retried",
				   (long long)c->m.id, msg_states[c->m.state]);
	/* The MTA did not queue it: a witness (made by that very attempt, the
	 * ledger's table says when) was of a copy that is gone. */
	if (mark_msg(st, sql_retry, c, r, "marking a message for retry", err) < 0 ||
	    defer_step(st, c, r, err) < 0)
		return -1;
	*detail = xasprintf("step %d: temporary failure, retry at %s: %s", c->m.step,
			    cad_time_format(r->retry_at, tbuf, sizeof(tbuf)),
			    r->smtp_reply ? r->smtp_reply : "no reply");
	return ctx_event(st, c, EV_STEP_FAILED, "cadenced", r->now, *detail, err);
}

int store_msg_retry(struct store *st, int64_t msg_id, const char *smtp_reply,
		    cad_time_t retry_at, cad_time_t now, struct cad_err *err)
{
	struct report r = { smtp_reply, NULL, "cadenced", 0, retry_at, now };
	return report_tx(st, msg_id, retry_change, &r, err);
}

/* Unknown: no reply to end of data. Only a message no witness has reached
 * yet becomes unknown: a witness the milter wrote meanwhile is kept (the
 * MTA has the message; the next pass reconciles it). */
static const char sql_unknown[] =
	"UPDATE sent_messages SET state = 'unknown', smtp_reply = ?"
	" WHERE id = ? AND state IN ('prepared','unknown')";

static int unknown_change(struct store *st, const struct msg_ctx *c, const struct report *r,
			  char **detail, struct cad_err *err)
{
	char tbuf[CAD_TIME_BUFSZ];

	if (c->m.state != MSG_PREPARED && c->m.state != MSG_UNKNOWN &&
	    c->m.state != MSG_WITNESSED)
		return cad_err_set(err, "message %lld is %s; its outcome cannot be unknown",
				   (long long)c->m.id, msg_states[c->m.state]);
	if (mark_msg(st, sql_unknown, c, r, "marking a message unknown", err) < 0 ||
	    defer_step(st, c, r, err) < 0)
		return -1;
	*detail = xasprintf("step %d: temporary failure, outcome unknown (the MTA may have it; "
			    "the witness decides), retry at %s: %s", c->m.step,
			    cad_time_format(r->retry_at, tbuf, sizeof(tbuf)),
			    r->smtp_reply ? r->smtp_reply : "no reply");
	return ctx_event(st, c, EV_STEP_FAILED, "cadenced", r->now, *detail, err);
}

int store_msg_unknown(struct store *st, int64_t msg_id, const char *smtp_reply,
		      cad_time_t retry_at, cad_time_t now, struct cad_err *err)
{
	struct report r = { smtp_reply, NULL, "cadenced", 0, retry_at, now };
	return report_tx(st, msg_id, unknown_change, &r, err);
}

static const char sql_failed[] =
	"UPDATE sent_messages SET state = 'failed', smtp_reply = ? WHERE id = ?";

static int failed_change(struct store *st, const struct msg_ctx *c, const struct report *r,
			 char **detail, struct cad_err *err)
{
	if (mark_msg(st, sql_failed, c, r, "marking a message failed", err) < 0)
		return -1;
	*detail = xasprintf("step %d failed: %s", c->m.step,
			    r->smtp_reply ? r->smtp_reply : "no reply");
	if (ctx_event(st, c, EV_STEP_FAILED, r->actor, r->now, *detail, err) < 0)
		return -1;
	/* A permanent failure needs a person: pause with the reply. */
	return store_enrollment_pause(st, c->m.enrollment_id, *detail, 0, r->actor, r->now, NULL,
				      err) != 0 ? -1 : 0;
}

int store_msg_failed(struct store *st, int64_t msg_id, const char *smtp_reply,
		     const char *actor, cad_time_t now, struct cad_err *err)
{
	struct report r = { smtp_reply, NULL, actor, 0, 0, now };
	return report_tx(st, msg_id, failed_change, &r, err);
}
