/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ledger_fixture.h - what the send-ledger suites (test_store_ledger.c,
 * test_store_due.c) share: a store (store_fixture.h) with the rep
 * rep@us.test (caps 500 and 80), the sequence "Cold" (email, a call that
 * waits, email; business days) and the contacts ann@acme.test,
 * bob@acme.test and cat@other.test; helpers that enroll one of them and
 * prepare a step's message, asserting (cmocka) that the store took them.
 */
#ifndef CADENCE_LEDGER_FIXTURE_H
#define CADENCE_LEDGER_FIXTURE_H

#include <stdint.h>

#include "store.h"
#include "store_fixture.h"

struct lfx {
	struct sfx x;
	int64_t rep, seq, c1, c2, c3;
};

/* cmocka setup and teardown: *state is a struct lfx. */
int lfx_setup(void **state);
int lfx_teardown(void **state);
/* A test run between them. */
#define LFX_TEST(t) cmocka_unit_test_setup_teardown(t, lfx_setup, lfx_teardown)

/* An active enrollment of contact_id in Cold at step 1, due at due. */
int64_t lfx_enroll(struct lfx *f, int64_t contact_id, cad_time_t due);
/* A new prepared message for step of enrollment enr at SFX_T0 + 1 (its
 * token "tok-MSGID", subject "Hi"); returns its id. */
int64_t lfx_prepare(struct lfx *f, int64_t enr, int step, const char *msgid);
struct enrollment lfx_enr(struct lfx *f, int64_t id);

#endif
