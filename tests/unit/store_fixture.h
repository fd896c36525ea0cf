/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_fixture.h - what the store and enrollment unit tests share: a
 * fresh SQLite store in its own mkdtemp directory (removed with every file
 * in it afterwards), and helpers that add a rep, a contact, a sequence and
 * an enrollment, asserting (cmocka) that the store took them.
 *
 * PostgreSQL (issue 17): when the environment variable
 * CADENCE_TEST_DATABASE holds a PostgreSQL conninfo (tests/store/pg.sh
 * sets it), the store is that database instead, emptied first (its public
 * schema dropped and made again), and path is the conninfo; the directory
 * is still made for a test's own files. sfx_pg() says so: tests that
 * write a SQLite file themselves skip on PostgreSQL.
 *
 * Times: the helpers write at SFX_T0 unless given a time.
 */
#ifndef CADENCE_STORE_FIXTURE_H
#define CADENCE_STORE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define SFX_T0 1795000000

struct sfx {
	char dir[64];
	char path[512];   /* the SQLite file, or the PostgreSQL conninfo */
	struct store *st;
	int64_t rep, seq;   /* for a test's own use */
};

/* Makes /tmp/cadence-<name>-XXXXXX and opens (creates) cadence.db in it.
 * 0, or -1 with the reason on stderr (for a cmocka setup). */
int sfx_init(struct sfx *f, const char *name);
/* The PostgreSQL conninfo of CADENCE_TEST_DATABASE, or NULL (SQLite). */
const char *sfx_pg(void);
/* Closes the store and removes the directory with every file in it. */
void sfx_fini(struct sfx *f);
/* Heap-allocated forms, for setup/teardown state. */
struct sfx *sfx_open(const char *name);
void sfx_close(struct sfx *f);
/* cmocka setup and teardown: *state is sfx_open("store"). */
int sfx_setup(void **state);
int sfx_teardown(void **state);
/* A test run between them. */
#define SFX_TEST(t) cmocka_unit_test_setup_teardown(t, sfx_setup, sfx_teardown)

/* An active rep with the given zone (may be NULL) and caps; returns its id. */
int64_t sfx_user(struct sfx *f, const char *email, const char *tz, int send_cap,
		 int enroll_cap);
/* An active rep "Ada Lovelace" in Europe/London with the default caps, in
 * store st (this fixture's, or one a test opened itself); returns its id. */
int64_t sfx_user_in(struct store *st, const char *email);
/* Fills q (heap-allocated: sequence_free) with a sequence of nsteps steps,
 * email and call by turns, every setting away from its default. */
void sfx_fill_seq(struct sequence *q, const char *name, size_t nsteps);
/* Upserts a contact (zone may be NULL); returns its id. */
int64_t sfx_contact(struct sfx *f, const char *email, const char *tz);
/* The same in store st at now, with a company field (zone and company
 * may be NULL). */
int64_t sfx_contact_at(struct store *st, const char *email, const char *tz,
		       const char *company, cad_time_t now);
/* The id of a known contact. */
int64_t sfx_contact_id(struct sfx *f, const char *email);
/* An active sequence with the given rules and steps (copied by the store). */
int64_t sfx_sequence(struct sfx *f, const char *name, enum seq_days days, int window_start,
		     int window_end, const struct step *steps, size_t nsteps);
/* An active enrollment at step 1 due at due, by "cli:test" at SFX_T0. */
int64_t sfx_enroll(struct sfx *f, int64_t contact, int64_t seq, int64_t rep, cad_time_t due);
/* How many events of type (and of enrollment enr, when not 0). */
size_t sfx_count_events(struct sfx *f, const char *type, int64_t enr);

#endif
