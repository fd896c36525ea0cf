/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pass_email.c - an email step of the pass, one message, in small steps
 * with one outcome table:
 *
 *   render -> ledger prepare -> compose -> submit -> apply the outcome
 *
 * The ledger's table (src/rules/ledger.h) decides what every outcome
 * means, including the row as found before anything is sent (a restart):
 * pass_email_outcome.c only carries the table's action out through the
 * store. An action the table calls illegal is a bug: cad_panic().
 *
 * Exactly once: the message is recorded (prepared, with its Message-ID)
 * before it is submitted; a prepare that finds an earlier record reuses
 * its Message-ID, token and Date. A witnessed record is reconciled as sent
 * and never submitted again; no reply to end of data keeps the record
 * unknown (with any witness), so the retry meets the milter's gate.
 * See pass_int.h for the return values.
 *
 * The message itself, its envelope and its submission are the job's
 * (pass_email_job.c). With SubmitBatch > 1 a step that may go is composed
 * at once and queued in the pass's outbox (pass_email_outbox.c, which says
 * why a batch's crash windows stay safe). SubmitBatch 1 is the one-message
 * flow: record, submit on its own connection, report, one message after
 * the other.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pass_email_int.h"
#include "token.h"
#include "tmpl.h"

/* A message that reached (or may have reached) the contact: one a reply
 * could name. */
static int msg_went(const struct sent_msg *m)
{
	return m->message_id != NULL && m->state != MSG_FAILED && m->state != MSG_REJECTED;
}

/* References (RFC 5322 3.6.4): the parent's References and the parent's
 * Message-ID, that is the chain of thread steps back from the parent
 * (each step's thread_step is an earlier step, so the walk ends), oldest
 * first; a step of the chain that sent nothing is left out. */
static int thread_chain(struct email_job *j, struct cad_err *err)
{
	const struct pass_item *it = j->it;
	const struct sequence *seq = &it->se->seq;
	char *rev[COMPOSE_REFS_MAX];
	size_t n = 0;
	int ts = it->step->thread_step, rc;
	struct sent_msg m;

	while (ts > 0 && ts < it->v->e.step && (size_t)ts <= seq->nsteps &&
	       n < COMPOSE_REFS_MAX) {
		memset(&m, 0, sizeof(m));
		rc = store_msg_for_step(it->s->store, it->v->e.id, ts, &m, err);
		if (rc < 0) {
			while (n > 0)
				free(rev[--n]);
			return PASS_STORE;
		}
		if (rc == 0 && msg_went(&m))
			rev[n++] = xstrdup(m.message_id);
		sent_msg_free(&m);
		{
			int up = seq->steps[ts - 1].thread_step;
			ts = up > 0 && up < ts ? up : 0;
		}
	}
	while (n > 0)
		j->refs[j->nrefs++] = rev[--n];
	return PASS_OK;
}

/* Render at send time: contact data may have changed since enrolling. A
 * token that cannot be filled pauses the enrollment and gives the rep a
 * task (*done = 1). */
static int step_render(struct email_job *j, int *done, struct cad_err *err)
{
	const struct pass_item *it = j->it;
	const struct step *step = it->step;
	/* The message's {{unsubscribe_url}} is known once it is recorded:
	 * pass_email_job_compose renders the body again with it. */
	struct tmpl_ctx ctx = { it->ct, &it->rep->user, "https://unsubscribe.invalid/" };
	struct cad_err terr = { "" };
	struct task t;
	char *why;
	int rc;

	*done = 0;
	if (tmpl_render_flags(step->subject ? step->subject : "", &ctx, TMPL_ONE_LINE, &j->subj,
			      &terr) == 0 &&
	    tmpl_render(step->body ? step->body : "", &ctx, &j->body, &terr) == 0) {
		j->subject = xstrdup(j->subj.s);
		return PASS_OK;
	}
	*done = 1;
	why = xasprintf("step %d: %s", it->v->e.step, terr.msg);
	memset(&t, 0, sizeof(t));
	t.enrollment_id = it->v->e.id;
	t.user_id = it->v->e.user_id;
	t.step = it->v->e.step;
	t.kind = STEP_MANUAL_EMAIL;
	t.state = TASK_OPEN;
	t.due_at = it->now;
	t.note = xasprintf("Fill in the missing data for %s, then resume: %s", it->ct->email, why);
	rc = pass_step_pause(it->s, it->v->e.id, why, it->now, err);
	if (rc == PASS_OK && store_task_add(it->s->store, &t, it->s->actor, it->now, err) < 0)
		rc = PASS_STORE;
	free(t.note);
	free(why);
	it->stats->failed++;
	return rc;
}

/* In-Reply-To/References/Subject for a step that continues the thread of
 * an earlier step; nothing when that step sent nothing. */
static int step_thread(struct email_job *j, struct cad_err *err)
{
	const struct pass_item *it = j->it;
	int ts = it->step->thread_step, rc;

	if (ts <= 0 || ts >= it->v->e.step)
		return PASS_OK;
	rc = store_msg_for_step(it->s->store, it->v->e.id, ts, &j->parent, err);
	if (rc < 0)
		return PASS_STORE;
	if (rc == STORE_NOTFOUND || !msg_went(&j->parent)) {
		sent_msg_free(&j->parent);
		memset(&j->parent, 0, sizeof(j->parent));
		return PASS_OK;
	}
	if (thread_chain(j, err) != PASS_OK)
		return PASS_STORE;
	if (j->parent.subject) {
		free(j->subject);
		j->subject = compose_reply_subject(j->parent.subject);
	}
	return PASS_OK;
}

/* The step's ledger row: the one recorded (a second prepare returns the
 * first record), or a new one filled in (j->fresh) that is recorded
 * before it is submitted, with the claim check in the same transaction
 * (hold_and_record, or the batch's batch_record). Sets j->state: a new
 * row is PREPARED; one found is as the table reads it (a found "prepared"
 * row is UNKNOWN: a crash may have left a copy in flight). */
static int step_prepare(struct email_job *j, struct cad_err *err)
{
	const struct pass_item *it = j->it;
	struct sched *s = it->s;
	unsigned char nonce[TOKEN_NONCE_BYTES];
	char tok[TOKEN_BUFSZ];

	if (store_msg_for_step(s->store, it->v->e.id, it->v->e.step, &j->m, err) < 0)
		return PASS_STORE;
	if (j->m.id == 0) {
		/* No random bytes is the environment's failure, not the item's. */
		if (token_nonce_random(nonce, err) < 0)
			return PASS_STORE;
		j->m.enrollment_id = it->v->e.id;
		j->m.step = it->v->e.step;
		j->m.message_id = msgid_make(&s->secret, nonce, s->conf.domain);
		token_make(TOKEN_UNSUB, &s->secret, nonce, tok);
		j->m.token = xstrdup(tok);
		j->m.subject = xstrdup(j->subject);
		j->fresh = 1;
		j->m.created_at = it->now;
		j->state = LEDGER_PREPARED;
		return PASS_OK;
	}
	j->state = ledger_state_of(j->m.state, j->m.submitted_at != 0, 1);
	return PASS_OK;
}

/* compose -> submit -> apply the outcome, for a row the table lets go. */
static int send_and_apply(struct email_job *j, struct cad_err *err)
{
	struct submit_result res;
	struct cad_err cerr = { "" };
	int rc;

	memset(&res, 0, sizeof(res));
	if (pass_email_job_compose(j, &cerr) < 0)
		return pass_email_outcome_compose_failed(j, &cerr, err);
	pass_email_job_envelope(j);
	pass_email_job_submit(j, NULL, &res);
	pass_email_outcome_copy_refused(j, &res);
	rc = pass_email_outcome(j, &res, err);
	submit_result_free(&res);
	return rc;
}

/* *done = 1 when the job's claim was lost (pass_claim_hold). */
static int hold_or_done(struct email_job *j, int *done, struct cad_err *err)
{
	int held = 1;

	if (pass_claim_hold(j->s, j->eid, &held, err) != PASS_OK)
		return PASS_STORE;
	if (!held)
		*done = 1;
	return PASS_OK;
}

/* One message's claim check and, for a new row, its record 'prepared',
 * in one write transaction (one commit, one fsync on SQLite, instead of
 * two): *done = 1 when the claim was lost (nothing recorded). */
static int hold_and_record(struct email_job *j, int *done, struct cad_err *err)
{
	struct store *st = j->s->store;
	int existing = 0, rc;

	if (store_begin(st, err) < 0)
		return PASS_STORE;
	rc = hold_or_done(j, done, err);
	if (rc == PASS_OK && !*done && j->fresh) {
		if (store_msg_prepare(st, &j->m, j->now, &existing, err) < 0)
			rc = PASS_STORE;
		else
			j->state = ledger_state_of(j->m.state, j->m.submitted_at != 0, existing);
		j->fresh = 0;
	}
	if (rc != PASS_OK) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st, err) < 0 ? PASS_STORE : PASS_OK;
}

int pass_email_step(const struct pass_item *it, struct cad_err *err)
{
	struct email_job j;
	struct ledger_move mv;
	int rc, done = 0, batch = pass_email_outbox_batch(it->s) > 1;

	pass_email_job_init(&j, it);
	rc = step_render(&j, &done, err);
	if (rc == PASS_OK && !done)
		rc = step_thread(&j, err);
	/* Claims: nothing is recorded or submitted for an enrollment whose
	 * claim was lost (another cadenced has it now); a batch checks when
	 * it records (batch_record). */
	if (rc == PASS_OK && !done)
		rc = step_prepare(&j, err);
	if (rc == PASS_OK && !done && !batch)
		rc = hold_and_record(&j, &done, err);
	if (rc == PASS_OK && !done) {
		/* The row as found: a new or retried one is submitted; one the
		 * milter witnessed is reconciled; a final one is held. */
		mv = ledger_next(j.state, LEDGER_START);
		if (mv.action != LEDGER_SUBMIT) {
			rc = pass_email_outcome_apply(&j, mv, LEDGER_START, &j.m, NULL, NULL, err);
		} else if (batch && pass_email_outbox_add(&j, err)) {
			if (it->s->outbox->n >= pass_email_outbox_batch(it->s))
				rc = pass_email_flush(it->s, err);
		} else {
			/* Not queued by a batch: its claim is checked now. */
			if (batch)
				rc = hold_or_done(&j, &done, err);
			if (rc == PASS_OK && !done && j.fresh) {
				/* Not queued: recorded now, the one-message way. */
				int existing = 0;
				j.fresh = 0;
				if (store_msg_prepare(it->s->store, &j.m, it->now, &existing, err) < 0)
					rc = PASS_STORE;
				else
					j.state = ledger_state_of(j.m.state, j.m.submitted_at != 0,
								  existing);
			}
			if (rc == PASS_OK && !done) {
				sbuf_reset(&j.msg);
				rc = send_and_apply(&j, err);
			}
		}
	}
	pass_email_job_free(&j);
	return rc;
}
