/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pass_email_int.h - the parts of an email step of the pass (pass_email.c
 * and pass_email_*.c), shared among those files only: no other file
 * includes it (the rest of the pass sees pass_int.h's pass_email_step,
 * pass_email_flush, pass_email_flush_domain and pass_email_drop).
 *
 * struct email_job is one email step on its way: its ledger row, the
 * composed message, its envelope and, for a queued job, its attempt's
 * result. struct pass_outbox is the pass's queue of such jobs (struct
 * sched's outbox, cadenced.h): the jobs are the outbox's, freed with
 * pass_email_job_free.
 *
 *   pass_email.c            one message: render -> ledger prepare ->
 *                           compose -> submit -> outcome
 *   pass_email_job.c        a job's buffers, its message, its envelope,
 *                           its submission (no store)
 *   pass_email_outcome.c    the attempt's outcome through the ledger's
 *                           table (src/rules/ledger.h), carried out by the
 *                           store
 *   pass_email_outbox.c     the batch outbox (SubmitBatch > 1): queue,
 *                           record a batch in one transaction, submit,
 *                           apply the outcomes in one transaction
 *   pass_email_submitters.c the submitter threads of a batch and the
 *                           renewal of the pass's claims meanwhile
 *
 * Calls go one way: pass_email.c -> outbox -> submitters -> job, and
 * pass_email.c and the outbox -> outcome; job and outcome call none of
 * the others (no circle between these files).
 *
 * Return values: PASS_OK, PASS_STORE or PASS_ITEM as in pass_int.h.
 */
#ifndef CADENCE_PASS_EMAIL_INT_H
#define CADENCE_PASS_EMAIL_INT_H

#include "compose.h"
#include "ledger.h"
#include "pass_int.h"
#include "submit.h"

/* One email step on its way. it is NULL once the pass item is gone (a
 * queued job): what the outcome needs is copied into the job. */
struct email_job {
	const struct pass_item *it;
	struct sched *s;
	struct sched_stats *stats;
	cad_time_t now;
	int64_t eid;                /* the enrollment */
	int step;
	char *email;                /* the contact's address */
	struct sbuf subj, body, msg;
	char *subject;
	struct sent_msg m;          /* the ledger row */
	struct sent_msg parent;     /* the step it threads to, or empty */
	char *refs[COMPOSE_REFS_MAX];   /* References, oldest first, the parent's last */
	size_t nrefs;
	enum ledger_state state;    /* the row as the table sees it */
	/* a queued job */
	int fresh;                  /* the row is not recorded yet (flush's step 1) */
	int skip;                   /* another record won: not submitted by this batch */
	int have_next;              /* next_due computed when queued (from now) */
	cad_time_t next_due;
	char *mail_from, *copy;
	struct submit_result res;
};

/* The pass's queued messages (cadenced.h, struct sched's outbox). */
struct pass_outbox {
	struct email_job **jobs;
	size_t n;
};

/* pass_email_job.c */
/* A new job for the pass item it (the contact's address copied). */
void pass_email_job_init(struct email_job *j, const struct pass_item *it);
/* Frees what the job holds (not the job itself). */
void pass_email_job_free(struct email_job *j);
/* The RFC 5322 message into j->msg, with the first attempt's subject and
 * Date. 0, or -1 with cerr (the message cannot be composed). */
int pass_email_job_compose(struct email_job *j, struct cad_err *cerr);
/* The envelope: j->mail_from (the rep, or the VERP address) and j->copy
 * (RepCopy's recipient, or NULL). */
void pass_email_job_envelope(struct email_job *j);
/* Hands the message to the MTA: on the batch's session ss, or on a
 * connection of its own (ss NULL, or a test's scripted MTA). Touches
 * nothing but the job (a batch's submitters run it in threads). */
void pass_email_job_submit(struct email_job *j, struct submit_session *ss,
			   struct submit_result *res);

/* pass_email_outcome.c */
/* Carries out the table's move mv for the row (cur: the row as read last;
 * res: the attempt's result, NULL before one; ev: what happened; local_why:
 * the reply text without one). An illegal move is cad_panic(). */
int pass_email_outcome_apply(struct email_job *j, struct ledger_move mv, enum ledger_event ev,
			     const struct sent_msg *cur, const struct submit_result *res,
			     const char *local_why, struct cad_err *err);
/* The outcome of an attempt (res) through the table: a row whose attempt
 * failed is read again first (a witness the milter wrote meanwhile, or the
 * gate's refusal). */
int pass_email_outcome(struct email_job *j, const struct submit_result *res,
		       struct cad_err *err);
/* A message that cannot be composed (cerr says why): a local permanent
 * failure before any SMTP. */
int pass_email_outcome_compose_failed(struct email_job *j, const struct cad_err *cerr,
				      struct cad_err *err);
/* Logs a refusal of the rep's copy when the contact's message went. */
void pass_email_outcome_copy_refused(const struct email_job *j, const struct submit_result *res);

/* pass_email_outbox.c */
/* SubmitBatch, at least 1. */
size_t pass_email_outbox_batch(const struct sched *s);
/* Queues a job whose row the table lets go: 1 when queued (the outbox
 * owns its buffers, j is left empty), 0 when it must go the one-message
 * way. */
int pass_email_outbox_add(struct email_job *j, struct cad_err *err);

/* pass_email_submitters.c */
/* Step 2 of a batch: submits every job of ob not skipped, over up to
 * SubmitConnections connections side by side, each job's result in its
 * res; renews the pass's claims meanwhile (claims on). Uses no store. */
void pass_email_submitters_run(struct sched *s, struct pass_outbox *ob);

#endif
