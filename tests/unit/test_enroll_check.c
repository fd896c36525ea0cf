/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_enroll_check.c - the rolling 24 h already spent against new first
 * steps (src/enroll_check.c), to its edges: a send exactly 24 h old no
 * longer counts (as in ratelimit.h), cap 0 reads as the default, steps of
 * other enrollments due first go first, a step waiting holds those behind
 * it, a new step due later than the window frees waits for nothing, and
 * the rep's words with "today", "tomorrow" and a later date.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "enroll_check.h"
#include "model.h"

#define H 3600
/* Tue 2026-12-08 09:00:00Z */
#define NOW 1796720400

static struct enroll_check_item item(cad_time_t due, int64_t order, int is_new)
{
	struct enroll_check_item it = { due, order, is_new };
	return it;
}

static void test_window_edges(void **state)
{
	/* sent at Mon 10:00, 11:30, 14:03, 16:40 (and one exactly 24 h old) */
	cad_time_t sends[] = { NOW - 23 * H, NOW - 24 * H, NOW - 21 * H - 30 * 60,
			       NOW - 18 * H - 57 * 60, NOW - 16 * H - 20 * 60 };
	struct enroll_check_item it[] = { item(NOW, 4, 1), item(NOW, 1, 1), item(NOW, 3, 1),
					  item(NOW, 2, 1) };
	struct enroll_check c;
	(void)state;

	enroll_check_cap(sends, 5, 5, it, 4, NOW, &c);
	assert_int_equal(c.sent, 4);                 /* the one 24 h old no longer counts */
	assert_int_equal(c.cap, 5);
	assert_int_equal(c.added, 4);
	assert_int_equal(c.ahead, 0);
	assert_int_equal(c.delayed, 3);
	assert_int_equal(c.first_at, NOW + 1 * H);   /* Mon 10:00 + 24 h */
	assert_int_equal(c.last_at, NOW + 5 * H + 3 * 60);
	/* control: a cap of 9 holds nothing */
	enroll_check_cap(sends, 5, 9, it, 4, NOW, &c);
	assert_int_equal(c.delayed, 0);
}

static void test_cap_zero_and_ahead(void **state)
{
	cad_time_t sends[1] = { NOW - H };
	struct enroll_check_item it[3];
	struct enroll_check c;
	(void)state;

	it[0] = item(NOW - 2 * H, 7, 0);    /* overdue, another enrollment's: first */
	it[1] = item(NOW, 9, 1);
	it[2] = item(NOW + 30 * H, 8, 0);  /* later: not ahead */
	enroll_check_cap(sends, 1, 0, it, 3, NOW, &c);
	assert_int_equal(c.cap, USER_DEFAULT_SEND_CAP);
	assert_int_equal(c.ahead, 1);
	assert_int_equal(c.delayed, 0);
	/* cap 2: the send and the overdue step fill it; the new one waits for
	 * the send of an hour ago */
	enroll_check_cap(sends, 1, 2, it, 3, NOW, &c);
	assert_int_equal(c.delayed, 1);
	assert_int_equal(c.first_at, NOW + 23 * H);
}

static void test_due_later(void **state)
{
	cad_time_t sends[1] = { NOW - H };
	struct enroll_check_item it[1];
	struct enroll_check c;
	(void)state;

	/* due in 25 h: the window is free by then */
	it[0] = item(NOW + 25 * H, 1, 1);
	enroll_check_cap(sends, 1, 1, it, 1, NOW, &c);
	assert_int_equal(c.delayed, 0);
	/* control: due in 2 h, it waits until the send is 24 h old */
	it[0] = item(NOW + 2 * H, 1, 1);
	enroll_check_cap(sends, 1, 1, it, 1, NOW, &c);
	assert_int_equal(c.delayed, 1);
	assert_int_equal(c.first_at, NOW + 23 * H);
}

static void test_words(void **state)
{
	struct cad_err err;
	const struct cal_zone *z = cal_zone_get("Europe/Berlin", &err);
	struct enroll_check c;
	struct sbuf b;
	(void)state;

	assert_non_null(z);
	memset(&c, 0, sizeof(c));
	c.cap = 500;
	c.sent = 480;
	c.added = 40;
	c.delayed = 20;
	c.first_at = NOW + 29 * H + 3 * 60;   /* Wed 14:03Z = 15:03 Berlin */
	c.last_at = NOW + 55 * H;             /* Thu 16:00Z = 17:00 Berlin */
	sbuf_init(&b);
	enroll_check_text(&c, z, NOW, NULL, &b);
	assert_string_equal(b.s, "you have sent 480 of your 500 emails in the last 24 h; enrolling "
			    "40 contacts now puts step 1 of 20 of them after 15:03 tomorrow (the "
			    "last at 17:00 on Thu 2026-12-10), Europe/Berlin time");
	sbuf_reset(&b);
	c.added = 1;
	c.delayed = 1;
	c.ahead = 1;
	c.first_at = NOW + 2 * H;
	enroll_check_text(&c, z, NOW, "pat@acme.test", &b);
	assert_string_equal(b.s, "you have sent 480 of your 500 emails in the last 24 h and 1 more "
			    "is due first; step 1 to pat@acme.test waits for the cap until 12:00 "
			    "today, Europe/Berlin time");
	/* nothing waits: nothing said */
	sbuf_reset(&b);
	c.delayed = 0;
	enroll_check_text(&c, z, NOW, NULL, &b);
	assert_int_equal(b.len, 0);
	sbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_cap_zero_and_ahead),
		cmocka_unit_test(test_due_later),
		cmocka_unit_test(test_words),
	};
	return cmocka_run_group_tests_name("enroll_check", tests, NULL, NULL);
}
