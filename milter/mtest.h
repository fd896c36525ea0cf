/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mtest.h - cadence-milter -T: one message file replayed through the
 * milter's callbacks in process (replay.h), with the running
 * configuration, for an administrator who asks "what would the milter do
 * with this message?". Prints the envelope it used, the answer and reply,
 * the headers it would add or change, the recipients it would remove,
 * and the events it would record in the store.
 *
 * Read-only by default: the whole message runs inside one store
 * transaction that is rolled back at the end, so the events are shown
 * and nothing stays (a sequence message is not witnessed, nobody is
 * enrolled). With write set, the store is changed as the daemon would
 * change it. The configuration must be installed (mconf_install) and the
 * signer, verifier and SPF checker set up as for the daemon.
 *
 * Errors: -1 with err when the message cannot be read or the envelope
 * cannot be told; what the milter does is output, not an error.
 */
#ifndef CADENCE_MILTER_MTEST_H
#define CADENCE_MILTER_MTEST_H

#include <stdio.h>

#include "util.h"

#define MTEST_MAX_RCPTS 100
#define MTEST_MAX_MESSAGE (64u * 1024 * 1024)

struct mtest_opts {
	const char *file;            /* the message; "-" standard input */
	const char *mail_from;       /* -F; NULL: Return-Path, else From */
	const char *rcpts[MTEST_MAX_RCPTS];   /* -R; none: To, Cc and Bcc */
	size_t nrcpts;
	const char *client_addr;     /* -a; NULL: 127.0.0.1 (an InternalHosts address
				      * in the usual setup: outbound) */
	const char *auth;            /* -u: the SMTP AUTH login, or NULL */
	const char *helo;            /* NULL: "replay.invalid" */
	int write;                   /* -W: change the store for real */
};

/* Runs the replay and prints the result to out. 0, or -1 with err. */
int mtest_run(const struct mtest_opts *o, FILE *out, struct cad_err *err);

#endif
