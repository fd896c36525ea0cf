/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cadenced.h - cadenced's state and its scheduling pass.
 *
 * The pass is the only place that sends: it takes (claims, when several
 * cadenced share the store) due enrollments through the store's index in
 * due order, asks the pure rules (cal, limits, plan)
 * what to do with each, and carries that out through the store and the
 * MTA. What a crash left in flight needs no separate step: its enrollment
 * is still due, and the ledger's table reconciles the row the prepare
 * finds (store_ledger.h, step 4).
 * It never decides anything itself that a rule in src/ can decide.
 */
#ifndef CADENCE_CADENCED_H
#define CADENCE_CADENCED_H

#include <signal.h>

#include "conf.h"
#include "secret.h"
#include "store.h"
#include "submit.h"

struct pass_outbox;

struct sched {
	struct cad_conf conf;
	struct store *store;
	struct cad_secret secret;
	const char *actor;                 /* "cadenced" */
	volatile sig_atomic_t *stop;       /* set by SIGTERM: finish the message in flight */
	size_t batch;                      /* due enrollments taken per query */
	struct pass_outbox *outbox;        /* queued for the next batch (pass_email_outbox.c) */
	/* Claims (issue 17, store_sched.h): the pass works only on due
	 * enrollments it has claimed, under a lease of SCHED_LEASE seconds
	 * renewed as it goes. claim_by is this process (host, pid, a random
	 * part); "" turns claims off (a test's struct sched, or
	 * CADENCED_TEST_NO_CLAIMS=1: the control of tests/kill/pair.sh). */
	char claim_by[128];
	cad_time_t pass_now;               /* the pass's now ... */
	cad_time_t pass_real;              /* ... and the real time it began */
	cad_time_t renewed_real;           /* the real time of the last renewal */
	/* How a message goes to the MTA: submit_message() when NULL (tests
	 * put a scripted MTA here). */
	void (*submit)(const char *url, const char *mail_from, const char *rcpt,
		       const char *msg, size_t len, const struct submit_opts *opts,
		       struct submit_result *res);
};

struct sched_stats {
	int sent;          /* accepted by the MTA */
	int reconciled;    /* found witnessed after a crash: not sent again */
	int deferred;      /* window, limit or throttle: rescheduled */
	int retried;       /* 4xx: retried later */
	int failed;        /* 5xx or a token that cannot be filled: enrollment paused */
	int tasks;         /* task steps turned into tasks */
	int finished;      /* enrollments that ran out of steps */
	cad_time_t next_wake;   /* earliest next_due seen (0 = none) */
};

/* The lease of a claim (seconds on the passes' clock), and how often (in
 * real seconds) a living pass renews its claims: a pass renews between
 * items and while a batch is with the MTA, so a slow pass never loses
 * them; a killed one's expire after SCHED_LEASE. */
#define SCHED_LEASE 300
#define SCHED_RENEW_EVERY 30

/* Claimer id for claim_by: "host:pid:random" (8 random bytes in hex).
 * 0, or -1 with err (no random bytes). */
int sched_claimer_id(char *buf, size_t len, struct cad_err *err);

/* One pass as of now. 0 on success (per-message failures are counted, not
 * fatal; an enrollment that cannot go on is paused with the reason and its
 * rep told in a notice), -1 with err when the store itself fails. */
int sched_pass(struct sched *s, cad_time_t now, struct sched_stats *stats, struct cad_err *err);

#endif
