/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pass_fixture.h - what the pass's suites (test_pass.c, test_pass_steps.c)
 * share: a real store (store_fixture.h) with the rep rep@our.test, the
 * two-step email sequence "Two" (step 2 two days after step 1) and the
 * sequence "Bad" (a call step whose next step's due time cannot be
 * computed), a struct sched on it, and a scripted MTA as cadenced's submit
 * hook that plays Postfix with cadence-milter attached: at the final dot
 * it calls the milter's gate (store_msg_gate, as milter/filter.c does) and
 * then answers 250, answers nothing (the reply to end of data lost, RFC
 * 1047), or passes on the gate's refusal (550). "Delivered" counts the
 * copies the MTA queued: one per gate acceptance, or, with the gate off
 * (the control: a bare MTA, no milter), one per attempt reaching the dot.
 *
 * passfx_setup and passfx_teardown are cmocka's setup and teardown; the state
 * is a struct passfx. The helpers assert (cmocka) that the store answered.
 */
#ifndef CADENCE_PASS_FIXTURE_H
#define CADENCE_PASS_FIXTURE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "cadenced.h"
#include "store_fixture.h"
#include "store_ledger.h"

/* What the scripted MTA does with the next attempts, one letter each:
 * 'a' accept (250), 'l' lose the reply after the dot, 't' lose it before
 * the milter saw the message (a timeout while the milter is slow), 'd'
 * temporary failure at RCPT (4xx before the dot). Past the script: 'a'. */
struct passfx_mta {
	struct store *st;
	const char *script;
	size_t next;
	int gate;            /* 1: cadence-milter attached */
	int attempts;        /* sequence mail that reached the MTA */
	int delivered;       /* copies queued */
	const char *late;    /* a Message-ID whose first copy's EOM lands late */
	int late_pending;
	int notices;         /* mail to reps (not sequence mail) */
	int fail_notices;    /* answer 4xx to mail to reps */
	char last_msgid[256];
	char last_copy[256];  /* the copy recipient of the last sequence mail, or "" */
	char last_refs[2048]; /* its References field, unfolded, or "" */
	char last_irt[256];   /* its In-Reply-To field, or "" */
	char order[1024];     /* the contacts of the sequence mail, in order, "a b " */
	char last_notice_as[64];  /* the last notice's Auto-Submitted field, or "" */
	char last_seq_as[64];     /* the last sequence mail's Auto-Submitted field, or "" */
};
extern struct passfx_mta passfx_mta;

struct passfx {
	struct sfx x;
	struct sched s;
	volatile sig_atomic_t stop;
	int64_t rep, seq, badseq;
};

/* The milter's gate at end of message: 1 accepted (witnessed), 0 refused,
 * -1 not ours. */
int passfx_gate(const char *msgid, const char *qid, cad_time_t now);
/* s as the pass tests run it on store st: Domain cadence.our.test,
 * SubmitURL a closed port, no spacing, batches of 100, a test secret,
 * actor "cadenced"; submit and stop as given. Asserts the secret took. */
void passfx_sched_init(struct sched *s, struct store *st, volatile sig_atomic_t *stop,
		       void (*submit)(const char *url, const char *mail_from,
				      const char *rcpt, const char *msg, size_t len,
				      const struct submit_opts *opts,
				      struct submit_result *res));
int passfx_setup(void **state);
int passfx_teardown(void **state);
/* A test with the fixture's setup and teardown. */
#define PASSFX_TEST(t) cmocka_unit_test_setup_teardown(t, passfx_setup, passfx_teardown)
/* Enrolls a new contact email (time zone UTC) in seq for the rep, due at due. */
int64_t passfx_enroll(struct passfx *f, const char *email, int64_t seq, cad_time_t due);
/* One pass at now (sched_pass), which must succeed; its counts. */
struct sched_stats passfx_pass(struct passfx *f, cad_time_t now);
/* The ledger row of step of enrollment enr, which must exist. */
struct sent_msg passfx_msg_of(struct passfx *f, int64_t enr, int step);
/* Enrollment id, which must exist. */
struct enrollment passfx_enr_of(struct passfx *f, int64_t id);

#endif
