/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pass_email_outcome.c - the outcome of an email step's attempt, through
 * the ledger's table (src/rules/ledger.h): this file only carries the
 * table's action out through the store (mark sent, reconcile from the
 * witness, try again later, keep unknown, fail, hold). An action the table
 * calls illegal is a bug: cad_panic().
 *
 * A row whose attempt failed is read again first: a witness the milter
 * wrote meanwhile reconciles it as sent, never sent again; no reply to end
 * of data keeps it unknown (with any witness), so the retry meets the
 * milter's gate. A 4xx is retried for SCHED_RETRY_LIFETIME, as an MTA
 * keeps a queue file. See pass_int.h for the return values.
 */
#include "config.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "pass_email_int.h"

/* The ledger's vocabulary is submit's. */
static_assert((int)LEDGER_ACCEPTED == (int)SUBMIT_ACCEPTED, "submit and ledger agree");
static_assert((int)LEDGER_TEMPFAIL == (int)SUBMIT_TEMPFAIL, "submit and ledger agree");
static_assert((int)LEDGER_PERMFAIL == (int)SUBMIT_PERMFAIL, "submit and ledger agree");

/* How long a step is retried on 4xx replies (Postfix's maximal_queue_lifetime). */
#define SCHED_RETRY_LIFETIME (5 * 86400)

/* Backoff for a 4xx: grows with the age of the message, 1 min to 1 h. */
static cad_time_t retry_delay(const struct sent_msg *m, cad_time_t now)
{
	cad_time_t age = now - m->created_at;
	if (age < 60)
		return 60;
	return age > 3600 ? 3600 : age;
}


/* The row as the table sees it after a failed attempt: read again, for a
 * witness the milter wrote meanwhile (or a gate's refusal). */
static int reread(struct email_job *j, struct sent_msg *cur, enum ledger_state *state,
		  struct cad_err *err)
{
	if (store_msg_get(j->s->store, j->m.message_id, cur, err) != 0)
		return PASS_STORE;
	*state = ledger_state_of(cur->state, cur->submitted_at != 0, j->state == LEDGER_UNKNOWN);
	return PASS_OK;
}

/* Sent (by the MTA's 2xx, or reconciled from the witness `cur`): the
 * enrollment moves on; the next step counts from `from`. */
static int mark_sent(struct email_job *j, const char *reply, const char *queue_id,
		     cad_time_t from, struct cad_err *err)
{
	const struct pass_item *it = j->it;
	struct cad_err nerr = { "" };
	cad_time_t next = j->next_due;
	int item = 0;

	/* A queued job's next due time was computed when it was queued (and
	 * its send counted against the limits then). */
	if (!j->have_next &&
	    pass_step_next_due(&it->se->seq, it->v->e.step, it->r, from, &next, &nerr) < 0) {
		/* Sent, but the next step cannot be computed: record the send;
		 * the caller pauses the enrollment with the reason. */
		item = 1;
		next = j->now + 3600;
	}
	if (store_msg_sent(j->s->store, j->m.id, reply, queue_id, next, j->s->actor, j->now,
			   err) < 0)
		return PASS_STORE;
	if (it != NULL) {
		pass_step_times_add(&it->rep->sends, &it->rep->nsends, it->now);
		if (it->v->e.bulk && it->v->e.step == 1)
			pass_step_times_add(&it->rep->bulk, &it->rep->nbulk, it->now);
	}
	if (item)
		return cad_err_set(err, "step %d: %s", j->step + 1, nerr.msg), PASS_ITEM;
	return PASS_OK;
}

/* Not sent yet: try again later (forgetting this attempt's witness, or
 * keeping the row unknown), or give up after SCHED_RETRY_LIFETIME as an
 * MTA gives up on a queue file. */
static int try_later(struct email_job *j, enum ledger_action act, const char *reply,
		     struct cad_err *err)
{
	cad_time_t at = j->now + retry_delay(&j->m, j->now);
	int rc;

	if (j->m.created_at > 0 && j->now - j->m.created_at > SCHED_RETRY_LIFETIME) {
		char *why = xasprintf("gave up after %d days of temporary failures: %s",
				      SCHED_RETRY_LIFETIME / 86400, reply ? reply : "");
		cad_log(CAD_LOG_ERR, "step %d of enrollment %lld to %s failed: %s", j->step,
			(long long)j->eid, j->email, why);
		rc = store_msg_failed(j->s->store, j->m.id, why, j->s->actor, j->now, err);
		free(why);
		j->stats->failed++;
		return rc < 0 ? PASS_STORE : PASS_OK;
	}
	cad_log(CAD_LOG_WARN, "step %d of enrollment %lld to %s: temporary failure%s, trying again "
		"later: %s", j->step, (long long)j->eid, j->email,
		act == LEDGER_KEEP_UNKNOWN ? " (outcome unknown: the witness decides)" : "",
		reply ? reply : "");
	if (act == LEDGER_KEEP_UNKNOWN)
		rc = store_msg_unknown(j->s->store, j->m.id, reply, at, j->now, err);
	else
		rc = store_msg_retry(j->s->store, j->m.id, reply, at, j->now, err);
	j->stats->retried++;
	return rc < 0 ? PASS_STORE : PASS_OK;
}

/* Carries out the table's move for the row (cur: the row as read last;
 * res: the attempt's result, NULL before one; ev: what happened). */
int pass_email_outcome_apply(struct email_job *j, struct ledger_move mv, enum ledger_event ev,
			     const struct sent_msg *cur, const struct submit_result *res,
			     const char *local_why, struct cad_err *err)
{
	const char *reply = res ? res->reply : local_why;
	char *detail;
	int rc;

	switch (mv.action) {
	case LEDGER_MARK_SENT:
		rc = mark_sent(j, reply, res ? res->queue_id : NULL, j->now, err);
		if (rc != PASS_STORE) {
			j->stats->sent++;
			cad_log(CAD_LOG_INFO, "%s: sent step %d of enrollment %lld to %s: %s",
				res && res->queue_id ? res->queue_id : "NOQUEUE", j->step,
				(long long)j->eid, j->email, reply ? reply : "");
		}
		return rc;
	case LEDGER_RECONCILE:
		/* The MTA has it (the milter's witness): never sent again. */
		detail = ev == LEDGER_START
				 ? xstrdup("witnessed by the MTA before a restart")
				 : xasprintf("witnessed by the MTA; this attempt: %s: %s",
					     ledger_event_name(ev), reply ? reply : "");
		rc = mark_sent(j, detail, cur->queue_id, pass_step_witness_time(cur, j->now), err);
		free(detail);
		if (rc != PASS_STORE) {
			j->stats->reconciled++;
			cad_log(CAD_LOG_INFO, "%s: step %d of enrollment %lld to %s reconciled as sent "
				"from the witness (%s)", cur->queue_id ? cur->queue_id : "NOQUEUE",
				j->step, (long long)j->eid, j->email, ledger_event_name(ev));
		}
		return rc;
	case LEDGER_RETRY:
	case LEDGER_KEEP_UNKNOWN:
		return try_later(j, mv.action, reply, err);
	case LEDGER_FAIL:
		j->stats->failed++;
		return store_msg_failed(j->s->store, j->m.id, reply, j->s->actor, j->now, err) < 0
			       ? PASS_STORE : PASS_OK;
	case LEDGER_HOLD:
		/* Final yet still due: the store moved on in another way; never
		 * send it again, and say so (parking it with no due time would
		 * leave it active and silent for ever). */
		cad_err_set(err, "its message is already %s; not sent again",
			    msg_state_name(cur->state));
		return PASS_ITEM;
	case LEDGER_SUBMIT:
	case LEDGER_ILLEGAL:
	case LEDGER_NACTIONS:
		break;
	}
	cad_panic("ledger: message <%s> (step %d of enrollment %lld): %s + %s is not a legal "
		  "transition (%s)", j->m.message_id ? j->m.message_id : "?", j->step,
		  (long long)j->eid, ledger_state_name(j->state), ledger_event_name(ev),
		  ledger_action_name(mv.action));
}

/* The outcome of an attempt (res) through the table: a row whose attempt
 * failed is read again first (a witness the milter wrote meanwhile, or the
 * gate's refusal). */
int pass_email_outcome(struct email_job *j, const struct submit_result *res,
		       struct cad_err *err)
{
	struct sent_msg cur;
	enum ledger_state state = j->state;
	enum ledger_event ev;
	int rc = PASS_OK;

	memset(&cur, 0, sizeof(cur));
	if (res->status != SUBMIT_ACCEPTED) {
		rc = reread(j, &cur, &state, err);
		if (rc != PASS_OK)
			goto out;
		/* Reported sent meanwhile by another cadenced (this pass's lease
		 * ended while the message was with the MTA, and the other took
		 * the step): that report stands, and the gate refused this
		 * copy. Not a transition of this attempt's (before claims, a
		 * second instance panicked here: issue 17). */
		if (state == LEDGER_SENT) {
			cad_log(CAD_LOG_WARN, "step %d of enrollment %lld to %s was reported sent by "
				"another cadenced meanwhile; this copy was refused: %s", j->step,
				(long long)j->eid, j->email, res->reply ? res->reply : "");
			goto out;
		}
	}
	ev = ledger_event((enum ledger_status)res->status, res->stage == SUBMIT_STAGE_END_OF_DATA,
			  res->code);
	j->state = state;
	rc = pass_email_outcome_apply(j, ledger_next(state, ev), ev, cur.message_id ? &cur : &j->m,
				      res, NULL, err);
out:
	sent_msg_free(&cur);
	return rc;
}

/* A message that cannot be composed: a local permanent failure before any
 * SMTP. */
int pass_email_outcome_compose_failed(struct email_job *j, const struct cad_err *cerr,
				      struct cad_err *err)
{
	char *why = xasprintf("step %d: cannot compose: %s", j->step, cerr->msg);
	enum ledger_event ev = ledger_event(LEDGER_PERMFAIL, 0, 0);
	int rc = pass_email_outcome_apply(j, ledger_next(j->state, ev), ev, &j->m, NULL, why,
					  err);

	free(why);
	return rc;
}

void pass_email_outcome_copy_refused(const struct email_job *j, const struct submit_result *res)
{
	if (j->copy != NULL && res->status == SUBMIT_ACCEPTED && res->copy_code != 0 &&
	    (res->copy_code < 200 || res->copy_code >= 300))
		cad_log(CAD_LOG_WARN, "step %d of enrollment %lld: the rep's copy to %s was "
			"refused (the contact's message went): %s", j->step, (long long)j->eid,
			j->copy, res->copy_reply ? res->copy_reply : "");
}
