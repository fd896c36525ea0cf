/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * inbound_fixture.h - what the inbound suites (test_inbound*.c) share: a
 * store (store_fixture.h) holding the rep rep@us.test (Europe/Berlin), the
 * German holidays of December 2026, and four two-step sequences (Cold,
 * Company, NoOOO, Manual); a site secret; an inbound configuration for the
 * domain IFX_DOMAIN with the SchedulingServices cadence.conf ships; and
 * "now", Monday 2026-11-23 10:00 UTC. Helpers enroll contacts, send step
 * 1 as cadenced does (real Message-ID, VERP and unsubscribe tokens), hand
 * a message to inbound_handle() as the milter would, and read back the
 * state, the events and the suppressions, asserting (cmocka) as they go.
 */
#ifndef CADENCE_INBOUND_FIXTURE_H
#define CADENCE_INBOUND_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "inbound.h"
#include "secret.h"
#include "store.h"
#include "store_fixture.h"

#define IFX_DOMAIN "cadence.test"

struct ifx {
	struct sfx s;       /* the store and its directory */
	struct store *st;   /* s.st */
	struct cad_secret secret;
	struct inbound_config cfg;
	int64_t rep, cold, company, nooo, manual;
	cad_time_t now;
};

/* What step 1 of an enrollment went out with. */
struct ifx_sent {
	char *msgid;        /* token@cadence.test */
	char verp[128];     /* bounces+TOKEN@cadence.test */
	char unsub[128];    /* unsubscribe+TOKEN@cadence.test */
};

/* cmocka setup and teardown: *state is a struct ifx. */
int ifx_setup(void **state);
int ifx_teardown(void **state);
/* A test run between them. */
#define IFX_TEST(t) cmocka_unit_test_setup_teardown(t, ifx_setup, ifx_teardown)

/* A sequence of two email steps (the first of kind first, waiting),
 * business days 08:00-17:00 Europe/Berlin, holidays "de". */
int64_t ifx_seq(struct ifx *f, const char *name, enum seq_scope scope, enum seq_ooo ooo,
		enum step_kind first);
/* Another active rep in Europe/Berlin. */
int64_t ifx_rep(struct ifx *f, const char *email);
/* Upserts a contact (with a company field, may be NULL); returns its id. */
int64_t ifx_contact(struct ifx *f, const char *email);
int64_t ifx_contact_co(struct ifx *f, const char *email, const char *company);
/* An active enrollment at step 1, due three days ago (by f->rep, or rep). */
int64_t ifx_enroll(struct ifx *f, const char *email, int64_t seq);
int64_t ifx_enroll_as(struct ifx *f, const char *email, int64_t seq, int64_t rep);
/* Step 1 of enrollment enr as cadenced sends it: prepared, then sent. */
struct ifx_sent ifx_send_step(struct ifx *f, int64_t enr);
void ifx_sent_free(struct ifx_sent *s);

struct enrollment ifx_enr(struct ifx *f, int64_t id);
enum enr_state ifx_state(struct ifx *f, int64_t id);
/* How many events of type enrollment enr has. */
size_t ifx_events(struct ifx *f, int64_t enr, const char *type);
/* 1 when address is suppressed with that kind. */
int ifx_suppressed(struct ifx *f, const char *addr, enum supp_kind kind);

/* Classifies raw (asserting the class want) and hands it to
 * inbound_handle() as the milter would, received for rcpt. */
int ifx_handle(struct ifx *f, const char *raw, const char *rcpt, enum inbound_auth auth,
	       enum classify_class want, struct inbound_result *res);

/* A contact's reply to the rep (irt: the message it answers, or NULL). */
char *ifx_reply_msg(const char *from, const char *irt, const char *msgid, const char *subject);
/* A Postfix DSN to `to` for rcpt, about the message orig_id. */
char *ifx_dsn_msg(const char *to, const char *rcpt, const char *status, const char *diag,
		  const char *orig_id, const char *dsn_id);
/* The whole file at path, or NULL. */
char *ifx_slurp(const char *path, size_t *len);

#endif
