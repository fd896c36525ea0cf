/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pass_email_submitters.c - step 2 of a batch (pass_email_outbox.c): the
 * submitter threads, each taking the next job not yet taken and submitting
 * it on its own SMTP session, up to SubmitConnections side by side, and
 * the renewal of the pass's claims while they run.
 *
 * The submitters touch only the jobs they take: the store is not used
 * (steps 1 and 3 are the caller's, before and after), and no transaction
 * is open meanwhile (the milter's gate writes its witnesses). A test's
 * scripted MTA (s->submit) is driven from the caller's thread alone.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

#include "pass_email_int.h"

/* SubmitConnections' upper bound (conf_keys.c checks the same). */
#define PASS_SUBMIT_CONNECTIONS_MAX 16

/* Step 2's submitters: each takes the next job not yet taken and submits
 * it on its own session (connection), until none is left. They touch
 * only the jobs they take (the store is not used: steps 1 and 3 are the
 * caller's, before and after). */
struct submitters {
	struct sched *s;
	struct pass_outbox *ob;
	size_t next;
	size_t running;             /* submitter threads not yet done */
	pthread_mutex_t mu;
	pthread_cond_t done;
};

static void *submitter_run(void *arg)
{
	struct submitters *w = arg;
	struct submit_session *ss = NULL;
	struct email_job *j;
	size_t i;

	if (w->s->submit == NULL)
		ss = submit_session_open(w->s->conf.submit_url, NULL);
	for (;;) {
		pthread_mutex_lock(&w->mu);
		i = w->next++;
		pthread_mutex_unlock(&w->mu);
		if (i >= w->ob->n)
			break;
		j = w->ob->jobs[i];
		if (!j->skip)
			pass_email_job_submit(j, ss, &j->res);
	}
	submit_session_close(ss);
	return NULL;
}

static void *submitter_thread(void *arg)
{
	struct submitters *w = arg;

	submitter_run(w);
	pthread_mutex_lock(&w->mu);
	w->running--;
	pthread_cond_signal(&w->done);
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* With claims the caller's thread does not submit: it renews the pass's
 * claims every SCHED_RENEW_EVERY seconds until the submitters are done,
 * so that a batch slow at the MTA keeps its claims (a renewal that fails
 * is not fatal: the lease is long, and the gate refuses a second copy). */
static void batch_wait_renewing(struct submitters *w)
{
	struct cad_err err = { "" };
	struct timespec until;

	pthread_mutex_lock(&w->mu);
	while (w->running > 0) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&w->done, &w->mu, &until);
		if (w->running == 0)
			break;
		pthread_mutex_unlock(&w->mu);
		if (pass_claim_renew(w->s, 0, &err) != PASS_OK)
			cad_log(CAD_LOG_WARN, "renewing claims: %s", err.msg);
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
}

void pass_email_submitters_run(struct sched *s, struct pass_outbox *ob)
{
	struct submitters w;
	pthread_t th[PASS_SUBMIT_CONNECTIONS_MAX];
	size_t k, nth = 0, want = s->conf.submit_connections > 1 ?
		(size_t)s->conf.submit_connections : 1;
	int renewing;

	/* A test's scripted MTA is not for threads. */
	if (s->submit != NULL || want > ob->n)
		want = s->submit != NULL ? 1 : ob->n;
	if (want > PASS_SUBMIT_CONNECTIONS_MAX)
		want = PASS_SUBMIT_CONNECTIONS_MAX;
	memset(&w, 0, sizeof(w));
	w.s = s;
	w.ob = ob;
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.done, NULL);
	/* With claims (and a real MTA) every submitter is a thread and this
	 * one renews the claims meanwhile; otherwise it submits too. */
	renewing = pass_claims_on(s) && s->submit == NULL;
	w.running = 0;
	for (k = renewing ? 0 : 1; k < want; k++) {
		pthread_mutex_lock(&w.mu);
		w.running++;
		pthread_mutex_unlock(&w.mu);
		if (pthread_create(&th[nth], NULL, submitter_thread, &w) == 0) {
			nth++;
		} else {    /* fewer threads: the others take more */
			pthread_mutex_lock(&w.mu);
			w.running--;
			pthread_mutex_unlock(&w.mu);
		}
	}
	if (renewing && nth > 0)
		batch_wait_renewing(&w);
	else
		submitter_run(&w);
	for (k = 0; k < nth; k++)
		pthread_join(th[k], NULL);
	pthread_cond_destroy(&w.done);
	pthread_mutex_destroy(&w.mu);
}
