/* SPDX-License-Identifier: BSD-2-Clause */
/* test_store_rep.c - unit tests for the store's reps (add, get, update,
 * list, disable, delete, with their events) and sequences (import, get,
 * list, a re-import; an import refused whole). Every test runs against a
 * fresh store (store_fixture.h), removed afterwards. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "store_fixture.h"

#define T0 SFX_T0   /* 2026-11-18T..Z, an arbitrary fixed "now" */

/* ---- reps ---- */

static void test_user_crud(void **state)
{
	struct sfx *f = *state;
	struct cad_err err;
	struct user u, *list;
	struct event *ev;
	struct event_filter ef;
	size_t n;
	int64_t id = sfx_user_in(f->st, "Rep@Example.TEST");

	assert_int_equal(store_user_get(f->st, "rep@example.test", &u, &err), 0);
	assert_int_equal(u.id, id);
	assert_string_equal(u.email, "rep@example.test");
	assert_int_equal(u.send_cap_24h, 500);
	assert_int_equal(u.enroll_cap_day, 80);
	assert_int_equal(u.active, 1);
	assert_int_equal(u.created_at, T0);

	/* Duplicate. */
	{
		struct user d, d2;
		memset(&d, 0, sizeof(d));
		d.email = (char *)"REP@example.test";
		d.active = 1;
		assert_int_equal(store_user_add(f->st, &d, "cli:test", T0, &err), -1);
		assert_non_null(strstr(err.msg, "already exists"));
		d.email = (char *)"not-an-address";
		assert_int_equal(store_user_add(f->st, &d, "cli:test", T0, &err), -1);
		assert_non_null(strstr(err.msg, "not a valid address"));
		/* The name becomes a From: display name: one line of UTF-8
		 * without control characters, or the rep is refused. */
		d.email = (char *)"new@example.test";
		d.name = (char *)"Ada\nBcc: x@evil.test";
		assert_int_equal(store_user_add(f->st, &d, "cli:test", T0, &err), -1);
		assert_non_null(strstr(err.msg, "name contains a line break"));
		d.name = (char *)"Ada \033[31mred";
		assert_int_equal(store_user_add(f->st, &d, "cli:test", T0, &err), -1);
		assert_non_null(strstr(err.msg, "name contains a control character"));
		d.name = (char *)"Ada \xff";
		assert_int_equal(store_user_add(f->st, &d, "cli:test", T0, &err), -1);
		assert_non_null(strstr(err.msg, "name is not valid UTF-8"));
		d.name = (char *)"Ada";
		d.meeting_link = (char *)"https://cal.test/ada\r\n";
		assert_int_equal(store_user_add(f->st, &d, "cli:test", T0, &err), -1);
		assert_non_null(strstr(err.msg, "meeting link contains a line break"));
		assert_int_equal(store_user_get(f->st, "new@example.test", &d2, &err),
				 STORE_NOTFOUND);
	}

	/* Update. */
	free(u.signature);
	u.signature = xstrdup("-- \nAda");
	u.enroll_cap_day = 5;
	assert_int_equal(store_user_update(f->st, &u, "cli:test", T0 + 1, &err), 0);
	user_free(&u);
	assert_int_equal(store_user_get_id(f->st, id, &u, &err), 0);
	assert_string_equal(u.signature, "-- \nAda");
	assert_int_equal(u.enroll_cap_day, 5);
	/* An update to an address in use is refused. */
	sfx_user_in(f->st, "other@example.test");
	free(u.email);
	u.email = xstrdup("other@example.test");
	assert_int_equal(store_user_update(f->st, &u, "cli:test", T0 + 2, &err), -1);
	assert_non_null(strstr(err.msg, "already in use"));
	u.id = 9999;
	assert_int_equal(store_user_update(f->st, &u, "cli:test", T0 + 2, &err), STORE_NOTFOUND);
	user_free(&u);

	assert_int_equal(store_user_get(f->st, "nobody@example.test", &u, &err), STORE_NOTFOUND);
	assert_non_null(strstr(err.msg, "nobody@example.test"));
	assert_int_equal(store_user_get_id(f->st, 4242, &u, &err), STORE_NOTFOUND);

	assert_int_equal(store_user_list(f->st, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].email, "other@example.test");
	store_users_free(list, n);

	memset(&ef, 0, sizeof(ef));
	ef.type = EV_USER_ADDED;
	assert_int_equal(store_events(f->st, &ef, &ev, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ev[0].user_email, "rep@example.test");
	assert_string_equal(ev[0].actor, "cli:test");
	store_events_free(ev, n);
}

static void test_user_disable_delete(void **state)
{
	struct sfx *f = *state;
	struct cad_err err;
	struct user u, *list;
	size_t n;
	int cnt = -1;
	int64_t id = sfx_user_in(f->st, "rep@example.test");

	assert_int_equal(store_user_disable(f->st, "rep@example.test", "cli:test", T0, &cnt, &err),
			 0);
	assert_int_equal(cnt, 0);
	assert_int_equal(store_user_get(f->st, "rep@example.test", &u, &err), 0);
	assert_int_equal(u.active, 0);
	user_free(&u);
	/* A disabled rep still exists: adding it again is refused. */
	memset(&u, 0, sizeof(u));
	u.email = (char *)"rep@example.test";
	assert_int_equal(store_user_add(f->st, &u, "cli:test", T0, &err), -1);

	assert_int_equal(store_user_delete(f->st, "rep@example.test", "cli:test", T0, &cnt, &err),
			 0);
	assert_int_equal(store_user_get(f->st, "rep@example.test", &u, &err), STORE_NOTFOUND);
	assert_int_equal(store_user_list(f->st, &list, &n, &err), 0);
	assert_int_equal(n, 0);
	free(list);
	/* The row stays for the audit trail... */
	assert_int_equal(store_user_get_id(f->st, id, &u, &err), 0);
	assert_string_equal(u.email, "rep@example.test");
	user_free(&u);
	/* ...and adding the address again brings it back, same id. */
	assert_int_equal(sfx_user_in(f->st, "rep@example.test"), id);
	assert_int_equal(store_user_disable(f->st, "ghost@example.test", "cli:test", T0, &cnt,
					    &err), STORE_NOTFOUND);
	assert_non_null(strstr(err.msg, "ghost@example.test"));
	assert_int_equal(store_user_delete(f->st, "ghost@example.test", "cli:test", T0, &cnt,
					   &err), STORE_NOTFOUND);
}

/* ---- sequences ---- */

static void test_seq_import_get_list(void **state)
{
	struct sfx *f = *state;
	struct cad_err err;
	struct sequence q, got, *list;
	char idbuf[32];
	size_t n;

	sfx_fill_seq(&q, "Cold – Outbound – Sales", 4);
	q.description = xstrdup("8 touches");
	assert_int_equal(store_sequence_import(f->st, &q, "cli:test", T0, &err), 0);
	assert_true(q.id > 0);

	assert_int_equal(store_sequence_get(f->st, "Cold – Outbound – Sales", &got, &err), 0);
	assert_int_equal(got.id, q.id);
	assert_int_equal(got.nsteps, 4);
	assert_int_equal(got.steps[0].index, 1);
	assert_int_equal(got.steps[0].kind, STEP_EMAIL);
	assert_int_equal(got.steps[1].kind, STEP_CALL);
	assert_int_equal(got.steps[3].delay_days, 6);
	assert_string_equal(got.steps[0].subject, "Hello {{contact.firstname|there}} 0");
	assert_int_equal(got.scope, SEQ_SCOPE_COMPANY);
	assert_int_equal(got.ooo, SEQ_OOO_PAUSE);
	assert_int_equal(got.window_start, 480);
	assert_int_equal(got.window_end, 1080);
	assert_string_equal(got.holidays, "us");
	assert_string_equal(got.description, "8 touches");
	sequence_free(&got);

	/* By decimal id too. */
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)q.id);
	assert_int_equal(store_sequence_get(f->st, idbuf, &got, &err), 0);
	assert_int_equal(got.id, q.id);
	sequence_free(&got);

	/* Re-import replaces steps, keeps the id. */
	sequence_free(&q);
	sfx_fill_seq(&q, "Cold – Outbound – Sales", 2);
	q.days = SEQ_DAYS_EVERY;
	assert_int_equal(store_sequence_import(f->st, &q, "cli:test", T0 + 5, &err), 0);
	assert_int_equal(store_sequence_get_id(f->st, q.id, &got, &err), 0);
	assert_int_equal(got.nsteps, 2);
	assert_int_equal(got.days, SEQ_DAYS_EVERY);
	assert_int_equal(got.updated_at, T0 + 5);
	assert_int_equal(got.created_at, T0);
	sequence_free(&got);
	sequence_free(&q);

	sfx_fill_seq(&q, "Another", 1);
	assert_int_equal(store_sequence_import(f->st, &q, "cli:test", T0, &err), 0);
	sequence_free(&q);
	assert_int_equal(store_sequence_list(f->st, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].name, "Another");
	assert_int_equal(list[0].nsteps, 1);
	assert_null(list[0].steps);
	assert_int_equal(list[1].nsteps, 2);
	store_sequences_free(list, n);

	assert_int_equal(store_sequence_get(f->st, "Nope", &got, &err), STORE_NOTFOUND);
	assert_non_null(strstr(err.msg, "Nope"));
	assert_int_equal(store_sequence_get_id(f->st, 777, &got, &err), STORE_NOTFOUND);
}

static void test_seq_import_atomic(void **state)
{
	struct sfx *f = *state;
	struct cad_err err;
	struct sequence q, got, *list;
	struct event *ev;
	size_t n;

	/* The second step is refused by the store: nothing may remain. */
	sfx_fill_seq(&q, "Broken", 3);
	q.source = xstrdup("broken.seq");
	q.steps[1].delay_days = -1;
	assert_int_equal(store_sequence_import(f->st, &q, "cli:test", T0, &err), -1);
	assert_non_null(strstr(err.msg, "broken.seq:15: step 2"));
	assert_int_equal(q.id, 0);
	assert_int_equal(store_sequence_get(f->st, "Broken", &got, &err), STORE_NOTFOUND);
	assert_int_equal(store_sequence_list(f->st, &list, &n, &err), 0);
	assert_int_equal(n, 0);
	store_sequences_free(list, n);
	assert_int_equal(store_events(f->st, NULL, &ev, &n, &err), 0);
	assert_int_equal(n, 0);
	store_events_free(ev, n);
	sequence_free(&q);

	/* A failing re-import leaves the old version whole. */
	sfx_fill_seq(&q, "Good", 3);
	assert_int_equal(store_sequence_import(f->st, &q, "cli:test", T0, &err), 0);
	sequence_free(&q);
	sfx_fill_seq(&q, "Good", 5);
	q.steps[4].delay_minutes = -3;
	assert_int_equal(store_sequence_import(f->st, &q, "cli:test", T0, &err), -1);
	sequence_free(&q);
	assert_int_equal(store_sequence_get(f->st, "Good", &got, &err), 0);
	assert_int_equal(got.nsteps, 3);
	sequence_free(&got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SFX_TEST(test_user_crud),
		SFX_TEST(test_user_disable_delete),
		SFX_TEST(test_seq_import_get_list),
		SFX_TEST(test_seq_import_atomic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
