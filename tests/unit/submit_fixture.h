/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * submit_fixture.h - what the suites of scheduler/submit.c (test_submit.c,
 * test_submit_fake.c) share: the SMTP server under test (its process, a
 * free 127.0.0.1 port, a private directory, the smtp:// URL), stopped and
 * removed by subfx_stop (a cmocka teardown), and a real sequence message
 * as the scheduler would make it. The helpers assert (cmocka).
 */
#ifndef CADENCE_SUBMIT_FIXTURE_H
#define CADENCE_SUBMIT_FIXTURE_H

#include <sys/types.h>

#include "submit.h"
#include "util.h"

struct subfx_sink {
	pid_t pid;
	int port;
	char dir[64];
	char url[64];
};
/* The server of the running test (pid 0 and dir "" when none). */
extern struct subfx_sink subfx_sink;

/* A port on 127.0.0.1 that was free a moment ago. */
int subfx_free_port(void);
/* 1 when something listens on 127.0.0.1:port. */
int subfx_can_connect(int port);
/* Stops the server (SIGTERM, waited for) and removes its directory.
 * Always 0 (a cmocka teardown; state unused). */
int subfx_stop(void **state);
/* A real sequence message, as the scheduler would make it, into msg (the
 * caller frees it); verp: its VERP envelope sender. */
void subfx_message(struct sbuf *msg, char verp[128], const char *subject);
/* Submits one such message to john@acme.test on the server. */
void subfx_submit_one(struct submit_result *r, const struct submit_opts *opts);

#endif
