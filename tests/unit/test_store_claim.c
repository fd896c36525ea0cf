/* SPDX-License-Identifier: BSD-2-Clause */
/* test_store_claim.c - claims of due work when several cadenced share a
 * store (issue 17; store_sched.h, store_due_claim): two store handles on
 * the same SQLite file, as two processes have, claim in turn and never get
 * the same enrollment; a dead claimer's lease ends and its work (and its
 * in-flight ledger row) passes to the other; a renewed lease is kept; a
 * released claim is free at once; a rep's rolling cap holds across the
 * two claimers (sends and the other's claimed due work count), and with
 * SendSpacing a rep's work goes to one claimer at a time. Notices to reps
 * are claimed the same way, and of two instances deciding a rep's digest
 * at once only one writes it.
 * Controls: the same checks over store_due() (no claims) see the two
 * handles take the same work and the cap exceeded, so the checks do
 * detect the bad outcome. Real SQLite files in a fresh mkdtemp directory. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_fixture.h"
#include "store_ledger.h"
#include "store_notice.h"
#include "store_sched.h"

#define T0 SFX_T0
#define NE 8
#define LEASE 300

struct fx {
	struct sfx x;
	struct store *b;        /* a second handle on the same file */
	int64_t rep, rep2, seq;
	int64_t enr[NE];
};

/* The rolling cap of the rep of the NE enrollments (setup_cap5: 5). */
static int rep_cap = 500;

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	struct cad_err err = { "" };
	struct step st;
	char addr[64];
	int i;

	if (sfx_init(&f->x, "claim") < 0) {
		free(f);
		return -1;
	}
	f->rep = sfx_user(&f->x, "rep@us.test", NULL, rep_cap, 80);
	f->rep2 = sfx_user(&f->x, "two@us.test", NULL, 500, 80);
	memset(&st, 0, sizeof(st));
	st.kind = STEP_EMAIL;
	st.subject = (char *)"Hi";
	st.body = (char *)"One";
	f->seq = sfx_sequence(&f->x, "Cold", SEQ_DAYS_EVERY, 0, 0, &st, 1);
	for (i = 0; i < NE; i++) {
		snprintf(addr, sizeof(addr), "c%d@acme.test", i);
		f->enr[i] = sfx_enroll(&f->x, sfx_contact(&f->x, addr, NULL), f->seq, f->rep,
				       T0 + i);
	}
	if (store_open(&f->b, f->x.path, 0, &err) != 0) {
		fprintf(stderr, "second handle: %s\n", err.msg);
		sfx_fini(&f->x);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

/* The rep's rolling cap is 5: below the 8 due enrollments. */
static int setup_cap5(void **state)
{
	int rc;
	rep_cap = 5;
	rc = setup(state);
	rep_cap = 500;
	return rc;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_close(f->b);
	sfx_fini(&f->x);
	free(f);
	return 0;
}

/* The ids of a claim (or of store_due() when c is NULL). */
static size_t take(struct store *st, const struct store_claim *c, cad_time_t now, size_t limit,
		   int64_t *ids)
{
	struct enrollment_view *v = NULL;
	struct cad_err err = { "" };
	size_t n = 0, i;
	int rc = c ? store_due_claim(st, now, limit, c, &v, &n, &err)
		   : store_due(st, now, limit, &v, &n, &err);
	if (rc != 0)
		fail_msg("%s", err.msg);
	for (i = 0; i < n; i++)
		ids[i] = v[i].e.id;
	store_enrollment_views_free(v, n);
	return n;
}

/* How many ids the two lists share: the safety check (0 with claims). */
static size_t overlap(const int64_t *a, size_t na, const int64_t *b, size_t nb)
{
	size_t i, j, k = 0;
	for (i = 0; i < na; i++)
		for (j = 0; j < nb; j++)
			k += a[i] == b[j];
	return k;
}

static struct store_claim claim(const char *by, cad_time_t until)
{
	struct store_claim c;
	memset(&c, 0, sizeof(c));
	c.by = by;
	c.until = until;
	return c;
}

/* Two handles claim in turn: disjoint batches, then nothing is left. */
static void test_claims_disjoint(void **state)
{
	struct fx *f = *state;
	struct store_claim ca = claim("hostA:1:aa", T0 + 100 + LEASE);
	struct store_claim cb = claim("hostB:2:bb", T0 + 100 + LEASE);
	int64_t a[NE], b[NE], a2[NE];
	size_t na, nb, na2;

	na = take(f->x.st, &ca, T0 + 100, 3, a);
	nb = take(f->b, &cb, T0 + 100, 3, b);
	assert_int_equal(na, 3);
	assert_int_equal(nb, 3);
	assert_int_equal(overlap(a, na, b, nb), 0);
	/* Due order: A the first three, B the next three. */
	assert_int_equal(a[0], f->enr[0]);
	assert_int_equal(b[0], f->enr[3]);
	/* A again: its own three (still due) and two more, never B's. */
	na2 = take(f->x.st, &ca, T0 + 100, NE, a2);
	assert_int_equal(na2, NE - 3);
	assert_int_equal(overlap(a2, na2, b, nb), 0);
	/* B: nothing new (A's and its own): only its own three. */
	nb = take(f->b, &cb, T0 + 100, NE, b);
	assert_int_equal(nb, 3);
	assert_int_equal(overlap(a2, na2, b, nb), 0);

	/* Control: without claims the two handles take the same work, and
	 * the check sees it. */
	na = take(f->x.st, NULL, T0 + 100, 3, a);
	nb = take(f->b, NULL, T0 + 100, 3, b);
	assert_int_equal(overlap(a, na, b, nb), 3);
}

/* A dead claimer's lease ends: its work, and the ledger row it left in
 * flight, pass to the other; until then the other does not see them. A
 * living claimer that renews keeps its claims; a released claim is free
 * at once. */
static void test_lease(void **state)
{
	struct fx *f = *state;
	struct store_claim ca = claim("hostA:1:aa", T0 + 100 + LEASE);
	struct store_claim cb = claim("hostB:2:bb", T0 + 100 + LEASE);
	struct cad_err err = { "" };
	struct sent_msg m;
	int64_t a[NE], b[NE];
	size_t na, nb;
	int existing = 0;

	na = take(f->x.st, &ca, T0 + 100, 2, a);
	assert_int_equal(na, 2);
	/* A records its first message, then dies before any outcome. */
	memset(&m, 0, sizeof(m));
	m.enrollment_id = a[0];
	m.step = 1;
	m.message_id = xstrdup("claim-1@cadence.test");
	m.token = xstrdup("tok-claim-1");
	m.subject = xstrdup("Hi");
	assert_int_equal(store_msg_prepare(f->x.st, &m, T0 + 100, &existing, &err), 0);
	sent_msg_free(&m);

	/* Within the lease: B takes the rest, never A's two. */
	cb.until = T0 + 200 + LEASE;
	nb = take(f->b, &cb, T0 + 200, NE, b);
	assert_int_equal(nb, NE - 2);
	assert_int_equal(overlap(a, na, b, nb), 0);
	assert_int_equal(store_claim_release(f->b, cb.by, &err), 0);

	/* The lease has ended (A is dead): B takes A's two, and finds the
	 * row A left in flight, to reconcile through the ledger's table. */
	cb.until = T0 + 100 + LEASE + 1 + LEASE;
	nb = take(f->b, &cb, T0 + 100 + LEASE + 1, 2, b);
	assert_int_equal(nb, 2);
	assert_int_equal(overlap(a, na, b, nb), 2);
	assert_int_equal(store_msg_for_step(f->b, a[0], 1, &m, &err), 0);
	assert_int_equal(m.state, MSG_PREPARED);
	sent_msg_free(&m);
	/* A, had it lived, would find its claim lost: it sends nothing. */
	assert_int_equal(store_claim_hold(f->x.st, a[0], ca.by, T0 + 999, &err), 0);
	assert_int_equal(store_claim_hold(f->b, a[0], cb.by, T0 + 999, &err), 1);

	/* B renews (it is alive): A, back at the same time, gets none of them. */
	assert_int_equal(store_claim_renew(f->b, cb.by, T0 + 5000, NULL, &err), 0);
	ca.until = T0 + 4000 + LEASE;
	na = take(f->x.st, &ca, T0 + 4000, 2, a);
	assert_int_equal(overlap(a, na, b, nb), 0);
	/* The claimers, as a pass looks for dead ones on its host. */
	{
		char **who = NULL;
		size_t nw = 0, i;
		assert_int_equal(store_claimers(f->b, &who, &nw, &err), 0);
		assert_int_equal(nw, 2);
		assert_true(strcmp(who[0], ca.by) == 0 || strcmp(who[1], ca.by) == 0);
		assert_true(strcmp(who[0], cb.by) == 0 || strcmp(who[1], cb.by) == 0);
		for (i = 0; i < nw; i++)
			free(who[i]);
		free(who);
	}
	/* B releases: A may take them at once. */
	assert_int_equal(store_claim_release(f->b, cb.by, &err), 0);
	assert_int_equal(store_claim_release(f->x.st, ca.by, &err), 0);
	na = take(f->x.st, &ca, T0 + 4000, 2, a);
	assert_int_equal(overlap(a, na, b, nb), 2);
}

/* Marks enrollment enr's step 1 sent at t. */
static void sent_at(struct fx *f, int64_t enr, cad_time_t t, const char *id)
{
	struct cad_err err = { "" };
	struct sent_msg m;
	int existing = 0;

	memset(&m, 0, sizeof(m));
	m.enrollment_id = enr;
	m.step = 1;
	m.message_id = xasprintf("%s@cadence.test", id);
	m.token = xasprintf("tok-%s", id);
	m.subject = xstrdup("Hi");
	assert_int_equal(store_msg_prepare(f->x.st, &m, t, &existing, &err), 0);
	assert_int_equal(store_msg_sent(f->x.st, m.id, "250 ok", "Q1", 0, "cadenced", t, &err), 0);
	sent_msg_free(&m);
}

/* The rep's cap (5 in 24 h) across two claimers: what B may claim of the
 * rep while A holds due work of it is 5 - sent - A's due claims. */
static void test_rep_cap(void **state)
{
	struct fx *f = *state;
	struct store_claim ca = claim("hostA:1:aa", T0 + 100 + LEASE);
	struct store_claim cb = claim("hostB:2:bb", T0 + 100 + LEASE);
	int64_t a[NE], b[NE];
	size_t na, nb;

	/* One of the rep's sends in the last 24 h (enrollment 7 finished). */
	sent_at(f, f->enr[NE - 1], T0 + 50, "old");
	na = take(f->x.st, &ca, T0 + 100, 3, a);
	assert_int_equal(na, 3);
	nb = take(f->b, &cb, T0 + 100, NE, b);
	/* 5 - 1 sent - 3 claimed by A = 1. */
	assert_int_equal(nb, 1);
	assert_true(1 + na + nb <= 5);

	/* Control: without claims B takes every due one and the rep's
	 * messages of the day would be 1 + 3 + 4 = 8 > 5: the check sees it. */
	nb = take(f->b, NULL, T0 + 100, NE, b);
	assert_false(1 + na + (nb - overlap(a, na, b, nb)) <= 5);
}

/* SendSpacing: one claimer at a time per rep (the other rep's work is
 * free); nobody else holding the rep: all of it (the pass's own limits
 * hold it). */
static void test_rep_exclusive(void **state)
{
	struct fx *f = *state;
	struct store_claim ca = claim("hostA:1:aa", T0 + 100 + LEASE);
	struct store_claim cb = claim("hostB:2:bb", T0 + 100 + LEASE);
	int64_t a[NE + 1], b[NE + 1];
	int64_t other = sfx_enroll(&f->x, sfx_contact(&f->x, "z@other.test", NULL), f->seq,
				   f->rep2, T0 + 50);

	ca.rep_exclusive = cb.rep_exclusive = 1;
	assert_int_equal(take(f->x.st, &ca, T0 + 100, 2, a), 2);
	assert_int_equal(take(f->b, &cb, T0 + 100, NE, b), 1);
	assert_int_equal(b[0], other);
	/* A, alone with the rep: all the rep's due work (the cap is the
	 * pass's to apply, by deferring). */
	assert_int_equal(take(f->x.st, &ca, T0 + 100, NE + 1, a), NE);
}

/* The ids of a notice claim (or of store_notices_pending() when c is NULL). */
static size_t take_notices(struct store *st, const struct store_claim *c, cad_time_t now,
			   size_t limit, int64_t *ids)
{
	struct notice *v = NULL;
	struct cad_err err = { "" };
	size_t n = 0, i;
	int rc = c ? store_notices_claim(st, c, now, limit, &v, &n, &err)
		   : store_notices_pending(st, limit, &v, &n, &err);
	if (rc != 0)
		fail_msg("%s", err.msg);
	for (i = 0; i < n; i++)
		ids[i] = v[i].id;
	store_notices_free(v, n);
	return n;
}

/* Notices: two claimers never hold the same pending notice; a sent one is
 * no one's; a released or expired claim passes to the other. Control:
 * store_notices_pending() on the two handles lists the same notices. */
static void test_notices(void **state)
{
	struct fx *f = *state;
	struct store_claim ca = claim("hostA:1:aa", T0 + 100 + LEASE);
	struct store_claim cb = claim("hostB:2:bb", T0 + 100 + LEASE);
	struct cad_err err = { "" };
	int64_t id[4], a[4], b[4];
	size_t na, nb;
	int i;

	for (i = 0; i < 4; i++)
		assert_int_equal(store_notice_add(f->x.st, f->rep, NOTICE_PAUSED, "Paused",
						  "An enrollment was paused.", T0 + i, &id[i],
						  &err), 0);
	na = take_notices(f->x.st, &ca, T0 + 100, 2, a);
	nb = take_notices(f->b, &cb, T0 + 100, 4, b);
	assert_int_equal(na, 2);
	assert_int_equal(nb, 2);
	assert_int_equal(overlap(a, na, b, nb), 0);
	assert_int_equal(a[0], id[0]);
	assert_int_equal(b[0], id[2]);
	/* A sends its first; B, after A's lease, gets only what is unsent. */
	assert_int_equal(store_notice_sent(f->x.st, a[0], "250 ok", T0 + 101, &err), 0);
	assert_int_equal(store_notices_release(f->b, cb.by, &err), 0);
	cb.until = T0 + 100 + LEASE + 1 + LEASE;
	nb = take_notices(f->b, &cb, T0 + 100 + LEASE + 1, 4, b);
	assert_int_equal(nb, 3);
	assert_int_equal(overlap(a, 1, b, nb), 0);
	/* B holds them: A, alive again within B's lease, gets none. */
	ca.until = T0 + 500 + LEASE;
	na = take_notices(f->x.st, &ca, T0 + 500, 4, a);
	assert_int_equal(na, 0);
	/* Control: without claims both handles list the same three. */
	na = take_notices(f->x.st, NULL, T0 + 500, 4, a);
	nb = take_notices(f->b, NULL, T0 + 500, 4, b);
	assert_int_equal(overlap(a, na, b, nb), 3);
}

/* The day's digest: two instances that read the same last digest both
 * decide to write; the second finds the first's and writes nothing.
 * Control: store_notice_add(), unconditional, writes a second one. */
static void test_digest_once(void **state)
{
	struct fx *f = *state;
	struct cad_err err = { "" };
	cad_time_t last = 0;   /* what both read: the rep never had a digest */
	int added = -1;
	int64_t ids[4];

	assert_int_equal(store_notice_add_digest(f->x.st, f->rep, last, "Tasks", "1 task",
						 T0 + 10, &added, &err), 0);
	assert_int_equal(added, 1);
	assert_int_equal(store_notice_add_digest(f->b, f->rep, last, "Tasks", "1 task",
						 T0 + 11, &added, &err), 0);
	assert_int_equal(added, 0);
	assert_int_equal(take_notices(f->b, NULL, T0 + 20, 4, ids), 1);
	/* the next day's decision reads the new last digest and writes */
	assert_int_equal(store_notice_add_digest(f->b, f->rep, T0 + 10, "Tasks", "1 task",
						 T0 + 86400, &added, &err), 0);
	assert_int_equal(added, 1);
	/* Control: an unconditional add writes a second digest that day. */
	assert_int_equal(store_notice_add(f->b, f->rep, NOTICE_DIGEST, "Tasks", "1 task",
					  T0 + 86401, NULL, &err), 0);
	assert_int_equal(take_notices(f->b, NULL, T0 + 86402, 4, ids), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_claims_disjoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lease, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rep_cap, setup_cap5, teardown),
		cmocka_unit_test_setup_teardown(test_rep_exclusive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_digest_once, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
