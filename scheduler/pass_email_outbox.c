/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pass_email_outbox.c - the pass's batch outbox (SubmitBatch > 1, issue
 * #16): a batch recorded in one transaction, submitted, its outcomes
 * applied in one transaction.
 *
 * A step that may go is rendered, threaded and composed at once
 * (pass_email.c: its row read, a new one's Message-ID, token and Date
 * chosen) and queued in the pass's outbox (pass_email_outbox_add); the
 * message is counted against the rep's limits then. pass_email_flush()
 * then, per batch of up to SubmitBatch messages:
 *   1. records the new rows 'prepared' in ONE transaction (one fsync); if
 *      that commit fails nothing is submitted;
 *   2. submits them one after the other over ONE SMTP connection (RSET
 *      between transactions, no PIPELINING), or over SubmitConnections
 *      connections side by side (threads that each take the next job and
 *      touch nothing else: pass_email_submitters.c), no transaction open
 *      (the milter's gate writes its witness meanwhile);
 *   3. applies every outcome through the ledger's table in ONE transaction
 *      (one fsync), reading a failed one's row again first.
 * Why the crash windows stay safe: no byte of a message goes out before
 * its row is durable (1 commits before 2 starts). A crash in 2 or before
 * 3's commit leaves rows 'prepared' (or as they were) with no outcome: the
 * next pass finds them as the table's UNKNOWN, exactly as a crash between
 * submit and report in the one-message flow: the milter's witness (written
 * before Postfix's 250) reconciles every message the MTA took, and the
 * others are submitted again with the same Message-ID through the gate,
 * which refuses a second copy. Grouping only widens that window from one
 * message to a batch; it adds no new state. A 4xx or 5xx is one
 * transaction's (libcurl closes the connection after it; the next message
 * opens a new one); a connection lost after a final "." leaves that one
 * transaction without a reply: unknown, never "not sent"; the messages
 * after it had not begun. A store error in 3 rolls the outcomes back: the
 * same as a crash.
 * The next step of a batched message counts from the pass's now, also
 * when it is reconciled after its attempt (the witness was stamped during
 * this pass, and pass_step_witness_time keeps it within [created, now]).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pass_email_int.h"

size_t pass_email_outbox_batch(const struct sched *s)
{
	return s->conf.submit_batch > 1 ? (size_t)s->conf.submit_batch : 1;
}

static void outbox_drop(struct pass_outbox *ob)
{
	size_t i;

	if (ob == NULL)
		return;
	for (i = 0; i < ob->n; i++) {
		pass_email_job_free(ob->jobs[i]);
		free(ob->jobs[i]);
	}
	free(ob->jobs);
	free(ob);
}

/* Step 1 of a batch: the new rows, recorded 'prepared' in one transaction.
 * PASS_OK, or PASS_STORE (rolled back: nothing may be submitted). */
static int batch_record(struct sched *s, struct pass_outbox *ob, struct cad_err *err)
{
	size_t i;
	int existing;

	if (store_begin(s->store, err) < 0)
		return PASS_STORE;
	for (i = 0; i < ob->n; i++) {
		struct email_job *j = ob->jobs[i];
		char *mine;
		int held;
		/* Claims: a job whose claim was lost is neither recorded nor
		 * submitted (another cadenced has its enrollment now). */
		if (pass_claim_hold(s, j->eid, &held, err) != PASS_OK) {
			store_rollback(s->store);
			return PASS_STORE;
		}
		if (!held) {
			j->skip = 1;
			continue;
		}
		if (!j->fresh)
			continue;
		mine = xstrdup(j->m.message_id);
		if (store_msg_prepare(s->store, &j->m, j->now, &existing, err) < 0) {
			free(mine);
			store_rollback(s->store);
			return PASS_STORE;
		}
		/* Recorded by someone else meanwhile (nothing else prepares
		 * today): its Message-ID is not the one composed; the step
		 * stays due and the next pass sends the recorded one. */
		if (existing || strcmp(mine, j->m.message_id) != 0)
			j->skip = 1;
		free(mine);
		j->fresh = 0;
	}
	return store_commit(s->store, err) < 0 ? PASS_STORE : PASS_OK;
}

int pass_email_flush(struct sched *s, struct cad_err *err)
{
	struct pass_outbox *ob = s->outbox;
	size_t i;
	int rc;

	if (ob == NULL)
		return PASS_OK;
	s->outbox = NULL;
	/* 1. Durable before any byte goes out. */
	rc = batch_record(s, ob, err);
	if (rc != PASS_OK) {
		outbox_drop(ob);
		return rc;
	}
	/* 2. One transaction after the other on each of SubmitConnections
	 * connections; nothing is written meanwhile (the milter's gate
	 * writes its witnesses). */
	pass_email_submitters_run(s, ob);
	/* 3. Every outcome in one transaction; a store error rolls them all
	 * back, which is a crash before the report: the next pass reconciles. */
	if (store_begin(s->store, err) < 0) {
		outbox_drop(ob);
		return PASS_STORE;
	}
	for (i = 0; i < ob->n && rc == PASS_OK; i++)
		if (!ob->jobs[i]->skip) {
			pass_email_outcome_copy_refused(ob->jobs[i], &ob->jobs[i]->res);
			rc = pass_email_outcome(ob->jobs[i], &ob->jobs[i]->res, err);
		}
	if (rc == PASS_STORE)
		store_rollback(s->store);
	else if (store_commit(s->store, err) < 0)
		rc = PASS_STORE;
	outbox_drop(ob);
	/* pass_email_outcome() gives PASS_ITEM only with HOLD (a row found
	 * final), which is decided before a job is queued. */
	return rc == PASS_STORE ? PASS_STORE : PASS_OK;
}

int pass_email_flush_domain(struct sched *s, const char *domain, struct cad_err *err)
{
	const char *d;
	size_t i;

	if (s->outbox == NULL || s->conf.domain_daily_cap <= 0 || domain == NULL)
		return PASS_OK;
	for (i = 0; i < s->outbox->n; i++) {
		d = cad_addr_domain(s->outbox->jobs[i]->email);
		if (d != NULL && cad_strcaseeq(d, domain))
			return pass_email_flush(s, err);
	}
	return PASS_OK;
}

void pass_email_drop(struct sched *s)
{
	outbox_drop(s->outbox);
	s->outbox = NULL;
}

/* Queues a job whose row the table lets go (a new row, or one found
 * unknown): composed now, its next due time computed now, its send
 * counted against the rep's limits now. 1 when queued (the outbox owns
 * it), 0 when it must go the one-message way (it cannot be composed, or
 * its next step's due time cannot be computed: that path says why). */
int pass_email_outbox_add(struct email_job *j, struct cad_err *err)
{
	const struct pass_item *it = j->it;
	struct sched *s = it->s;
	struct cad_err cerr = { "" }, nerr = { "" };
	struct pass_outbox *ob;
	struct email_job *q;

	(void)err;
	if (pass_email_job_compose(j, &cerr) < 0 ||
	    pass_step_next_due(&it->se->seq, it->v->e.step, it->r, it->now, &j->next_due, &nerr) < 0)
		return 0;
	j->have_next = 1;
	pass_email_job_envelope(j);
	pass_step_times_add(&it->rep->sends, &it->rep->nsends, it->now);
	if (it->v->e.bulk && it->v->e.step == 1)
		pass_step_times_add(&it->rep->bulk, &it->rep->nbulk, it->now);
	if (s->outbox == NULL)
		s->outbox = xcalloc(1, sizeof(*s->outbox));
	ob = s->outbox;
	q = xmalloc(sizeof(*q));
	*q = *j;          /* the job's buffers move to the outbox */
	q->it = NULL;
	ob->jobs = xrealloc(ob->jobs, (ob->n + 1) * sizeof(*ob->jobs));
	ob->jobs[ob->n++] = q;
	memset(j, 0, sizeof(*j));
	sbuf_init(&j->subj);
	sbuf_init(&j->body);
	sbuf_init(&j->msg);
	return 1;
}
