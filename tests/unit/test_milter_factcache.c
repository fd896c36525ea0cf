/* SPDX-License-Identifier: BSD-2-Clause */
/* test_milter_factcache.c - unit tests for milter/factcache.c: answers
 * are cached (a second question is not a miss) and dropped as soon as
 * another connection commits (PRAGMA data_version): a contact added, a
 * manual-email task opened or completed by another handle is seen at the
 * next question. Control: the first answers are the store's ("no"), so a
 * stale cache would keep answering them. Also milter/storepool.c's refusal
 * of a handle still in a transaction. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "factcache.h"
#include "store.h"
#include "storepool.h"
#include "store_fixture.h"
#include "util.h"

static void test_factcache(void **state)
{
	struct sfx f;
	struct cad_err err = { "" };
	struct step steps[1];
	struct task t;
	unsigned long asked, missed, dropped, m0, d0;
	int64_t rep, c, seq, enr;
	(void)state;
	assert_int_equal(sfx_init(&f, "factcache"), 0);
	rep = sfx_user(&f, "rep@us.test", NULL, 500, 50);

	/* not a contact; asked twice: one miss */
	factcache_stats(&asked, &m0, &d0);
	assert_int_equal(factcache_contact(f.path, "Ann <ann@them.test>", &err), 0);
	assert_int_equal(factcache_contact(f.path, "ann@them.test", &err), 0);
	factcache_stats(&asked, &missed, &dropped);
	assert_int_equal(missed - m0, 1);
	assert_int_equal(factcache_rep_manual(f.path, "rep@us.test", &err), 0);
	assert_int_equal(factcache_rep_manual(f.path, "rep@us.test", &err), 0);

	/* another handle commits: the next answer is the store's again */
	c = sfx_contact(&f, "ann@them.test", NULL);
	assert_int_equal(factcache_contact(f.path, "ann@them.test", &err), 1);
	factcache_stats(&asked, &missed, &dropped);
	assert_true(dropped > d0);

	/* a manual-email task opened for the rep */
	memset(steps, 0, sizeof(steps));
	steps[0].kind = STEP_MANUAL_EMAIL;
	steps[0].body = (char *)"Write to them";
	seq = sfx_sequence(&f, "Manual", SEQ_DAYS_BUSINESS, 0, 0, steps, 1);
	enr = sfx_enroll(&f, c, seq, rep, SFX_T0);
	assert_int_equal(factcache_rep_manual(f.path, "rep@us.test", &err), 0);   /* no task yet */
	memset(&t, 0, sizeof(t));
	t.enrollment_id = enr;
	t.user_id = rep;
	t.step = 1;
	t.kind = STEP_MANUAL_EMAIL;
	t.state = TASK_OPEN;
	t.due_at = SFX_T0;
	assert_int_equal(store_task_add(f.st, &t, "cli:test", SFX_T0, &err), 0);
	assert_int_equal(factcache_rep_manual(f.path, "Rep <REP@us.test>", &err), 1);
	assert_int_equal(factcache_rep_manual(f.path, "other@us.test", &err), 0);

	/* a store that cannot be opened: an error, not an answer */
	assert_int_equal(factcache_contact("/nonexistent/cadence.db", "ann@them.test", &err), -1);
	/* and back to the good one */
	assert_int_equal(factcache_contact(f.path, "ann@them.test", &err), 1);
	factcache_drain();
	sfx_fini(&f);
}

/* storepool: a handle given back while still in a transaction (a bug of
 * its borrower) is closed, its transaction rolled back, never lent again;
 * control: a handle given back outside a transaction is lent again. */
static void test_storepool_txn(void **state)
{
	struct sfx f;
	struct cad_err err = { "" };
	struct store *a, *b;
	(void)state;
	assert_int_equal(sfx_init(&f, "storepool"), 0);
	a = storepool_get(f.path, &err);
	assert_non_null(a);
	assert_int_equal(store_in_transaction(a), 0);
	assert_int_equal(storepool_put(a, f.path), 0);
	b = storepool_get(f.path, &err);
	assert_ptr_equal(a, b);                       /* control: the same handle again */
	assert_int_equal(store_begin(b, &err), 0);
	assert_int_equal(store_in_transaction(b), 1);
	assert_int_equal(storepool_put(b, f.path), -1);   /* refused, closed */
	a = storepool_get(f.path, &err);              /* a new handle, no transaction */
	assert_non_null(a);
	assert_int_equal(store_in_transaction(a), 0);
	assert_int_equal(store_begin(a, &err), 0);    /* the write lock was released */
	store_rollback(a);
	assert_int_equal(storepool_put(a, f.path), 0);
	storepool_drain();
	sfx_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_factcache),
		cmocka_unit_test(test_storepool_txn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
