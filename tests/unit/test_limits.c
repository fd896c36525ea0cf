/* SPDX-License-Identifier: BSD-2-Clause */
/* test_limits.c - unit tests for ratelimit.c: rolling-window edges, spacing
 * with jitter, the bulk throttle, per-domain caps, planning a batch of due
 * items without dropping any, and the stacked-enrollments projection. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cal_fixture.h"   /* T() and assert_time(): ISO times, failing on a bad one */
#include "ratelimit.h"

static void test_rolling_edges(void **state)
{
	cad_time_t s[] = { T("2026-12-01T10:00:00Z"), T("2026-12-01T11:00:00Z") };
	cad_time_t next;
	(void)state;

	/* Two sends, cap 3: may send. */
	assert_int_equal(ratelimit_rolling_ok(s, 2, 3, T("2026-12-01T12:00:00Z"), &next), 1);
	/* Cap 2: full until the first send is exactly 24 h old. */
	assert_int_equal(ratelimit_rolling_ok(s, 2, 2, T("2026-12-01T12:00:00Z"), &next), 0);
	assert_time(next, "2026-12-02T10:00:00Z");
	assert_int_equal(ratelimit_rolling_ok(s, 2, 2, T("2026-12-02T09:59:59Z"), &next), 0);
	assert_time(next, "2026-12-02T10:00:00Z");
	assert_int_equal(ratelimit_rolling_ok(s, 2, 2, T("2026-12-02T10:00:00Z"), &next), 1);
	/* Cap 1: both must age out; the later one decides. */
	assert_int_equal(ratelimit_rolling_ok(s, 2, 1, T("2026-12-02T10:30:00Z"), &next), 0);
	assert_time(next, "2026-12-02T11:00:00Z");
	/* Order of the input does not matter; sends after now are not counted. */
	cad_time_t u[] = { T("2026-12-01T11:00:00Z"), T("2026-12-03T00:00:00Z"),
	                   T("2026-12-01T10:00:00Z") };
	assert_int_equal(ratelimit_rolling_ok(u, 3, 2, T("2026-12-01T12:00:00Z"), &next), 0);
	assert_time(next, "2026-12-02T10:00:00Z");
	/* Cap 0: never. */
	assert_int_equal(ratelimit_rolling_ok(NULL, 0, 0, T("2026-12-01T12:00:00Z"), &next), 0);
	assert_int_equal(next, 0);
	/* Empty history: yes, now. */
	assert_int_equal(ratelimit_rolling_ok(NULL, 0, 500, T("2026-12-01T12:00:00Z"), &next), 1);
	assert_time(next, "2026-12-01T12:00:00Z");
}

static void test_rolling_full_day(void **state)
{
	/* 500 sends, one every 2 minutes from 00:00: the 501st may go when the
	 * first is 24 h old, the 502nd when the second is. */
	cad_time_t s[500], next, t0 = T("2026-12-01T00:00:00Z");
	(void)state;
	for (int i = 0; i < 500; i++)
		s[i] = t0 + i * 120;
	assert_int_equal(ratelimit_rolling_ok(s, 500, 500, T("2026-12-01T23:59:59Z"), &next), 0);
	assert_time(next, "2026-12-02T00:00:00Z");
	assert_int_equal(ratelimit_rolling_ok(s, 500, 500, T("2026-12-02T00:00:00Z"), &next), 1);
	assert_int_equal(ratelimit_rolling_ok(s, 500, 499, T("2026-12-02T00:00:00Z"), &next), 0);
	assert_time(next, "2026-12-02T00:02:00Z");
}

static void test_spacing(void **state)
{
	(void)state;
	assert_int_equal(ratelimit_spacing_next(0, 60, 30, 7), 0);
	assert_int_equal(ratelimit_spacing_next(1000, 60, 0, 12345), 1060);
	assert_int_equal(ratelimit_spacing_next(1000, 60, 30, 45), 1000 + 60 + 45 % 31);
	assert_int_equal(ratelimit_spacing_next(1000, 60, 30, 30), 1090);
	assert_int_equal(ratelimit_spacing_next(1000, 60, 30, 31), 1060);
	assert_int_equal(ratelimit_spacing_next(1000, 60, 30, UINT32_MAX), 1060 + UINT32_MAX % 31);
	assert_int_equal(ratelimit_spacing_next(1000, -5, -5, 9), 1000);
}

static void test_throttle(void **state)
{
	cad_time_t now = T("2026-12-01T09:00:30Z"), next;
	cad_time_t b[] = { T("2026-12-01T08:59:40Z"), T("2026-12-01T09:00:00Z"),
	                   T("2026-12-01T09:00:10Z") };
	(void)state;
	/* Three bulk first steps in the last minute: the fourth waits until the
	 * oldest is a minute old. */
	assert_int_equal(ratelimit_window_ok(b, 3, 3, 60, now, &next), 0);
	assert_time(next, "2026-12-01T09:00:40Z");
	assert_int_equal(ratelimit_window_ok(b, 3, 3, 60, T("2026-12-01T09:00:40Z"), &next), 1);
}

static void test_plan_throttle(void **state)
{
	cad_time_t now = T("2026-12-01T09:00:00Z");
	struct ratelimit_mailbox mb;
	struct ratelimit_item it[5];
	struct ratelimit_decision d[5];
	(void)state;

	memset(&mb, 0, sizeof(mb));
	mb.cap_24h = 500;
	for (int i = 0; i < 5; i++) {
		it[i].due = now - 60 + i;
		it[i].domain = "acme.test";
		it[i].bulk_first = 1;
	}
	/* A bulk enrollment of five: three go, two wait a minute. */
	assert_int_equal(ratelimit_plan(&mb, it, 5, now, d), 3);
	assert_true(d[0].go && d[1].go && d[2].go);
	assert_false(d[3].go);
	assert_false(d[4].go);
	assert_string_equal(d[3].why, "throttle");
	assert_time(d[3].retry_at, "2026-12-01T09:01:00Z");
	assert_time(d[4].retry_at, "2026-12-01T09:01:00Z");
	/* A follow-up step (not a bulk first step) is not throttled. */
	it[4].bulk_first = 0;
	assert_int_equal(ratelimit_plan(&mb, it, 5, now, d), 4);
	assert_true(d[4].go);
}

static void test_plan_cap_keeps_order(void **state)
{
	cad_time_t now = T("2026-12-01T12:00:00Z");
	cad_time_t s[] = { T("2026-12-01T08:00:00Z"), T("2026-12-01T11:00:00Z") };
	struct ratelimit_mailbox mb;
	struct ratelimit_item it[4] = {
		{ T("2026-12-01T09:00:00Z"), "a.test", 0 },
		{ T("2026-12-01T10:00:00Z"), "b.test", 0 },
		{ T("2026-12-01T11:59:00Z"), "c.test", 0 },
		{ T("2026-12-01T13:00:00Z"), "d.test", 0 },
	};
	struct ratelimit_decision d[4];
	(void)state;

	memset(&mb, 0, sizeof(mb));
	mb.sends = s;
	mb.nsends = 2;
	mb.cap_24h = 3;
	/* One slot left: the oldest due item takes it; the others wait in due
	 * order for the 08:00 send to age out; the future item waits for its
	 * due time. Nothing is dropped. */
	assert_int_equal(ratelimit_plan(&mb, it, 4, now, d), 1);
	assert_true(d[0].go);
	assert_false(d[1].go);
	assert_string_equal(d[1].why, "cap");
	assert_time(d[1].retry_at, "2026-12-02T08:00:00Z");
	assert_time(d[2].retry_at, "2026-12-02T08:00:00Z");
	assert_false(d[3].go);
	assert_string_equal(d[3].why, "not due");
	assert_time(d[3].retry_at, "2026-12-01T13:00:00Z");
	for (int i = 1; i < 4; i++)
		assert_true(d[i].retry_at > now);
	/* At the retry instant the next one goes, exactly 24 h after 08:00. */
	cad_time_t s2[] = { s[0], s[1], now };
	mb.sends = s2;
	mb.nsends = 3;
	assert_int_equal(ratelimit_plan(&mb, it + 1, 2, T("2026-12-02T07:59:59Z"), d), 0);
	assert_int_equal(ratelimit_plan(&mb, it + 1, 2, T("2026-12-02T08:00:00Z"), d), 1);
	assert_true(d[0].go);
	assert_string_equal(d[1].why, "cap");
	assert_time(d[1].retry_at, "2026-12-02T11:00:00Z");
}

static void test_plan_spacing(void **state)
{
	cad_time_t now = T("2026-12-01T12:00:00Z");
	cad_time_t s[] = { T("2026-12-01T11:59:00Z") };
	struct ratelimit_mailbox mb;
	struct ratelimit_item it[2] = { { now - 600, "a.test", 0 }, { now - 500, "b.test", 0 } };
	struct ratelimit_decision d[2];
	(void)state;

	memset(&mb, 0, sizeof(mb));
	mb.sends = s;
	mb.nsends = 1;
	mb.cap_24h = 500;
	mb.min_gap = 90;
	mb.jitter = 60;
	mb.jitter_rnd = 10;
	/* Last send 60 s ago, gap 90 + 10 s of jitter: wait until 12:00:40. */
	assert_int_equal(ratelimit_plan(&mb, it, 2, now, d), 0);
	assert_string_equal(d[0].why, "spacing");
	assert_time(d[0].retry_at, "2026-12-01T12:00:40Z");
	assert_time(d[1].retry_at, "2026-12-01T12:00:40Z");
	/* Then one goes, and the next waits a full gap after it. */
	assert_int_equal(ratelimit_plan(&mb, it, 2, T("2026-12-01T12:00:40Z"), d), 1);
	assert_true(d[0].go);
	assert_string_equal(d[1].why, "spacing");
	assert_time(d[1].retry_at, "2026-12-01T12:02:20Z");
}

static void test_plan_domain_cap(void **state)
{
	cad_time_t now = T("2026-12-01T12:00:00Z");
	cad_time_t s[] = { T("2026-12-01T01:00:00Z"), T("2026-12-01T02:00:00Z") };
	const char *dom[] = { "acme.test", "other.test" };
	struct ratelimit_mailbox mb;
	struct ratelimit_item it[4] = {
		{ now - 40, "acme.test", 0 },
		{ now - 30, "ACME.test", 0 },
		{ now - 20, "beta.test", 0 },
		{ now - 10, "beta.test", 0 },
	};
	struct ratelimit_decision d[4];
	(void)state;

	memset(&mb, 0, sizeof(mb));
	mb.sends = s;
	mb.nsends = 2;
	mb.domain_of_send = dom;
	mb.cap_24h = 500;
	mb.domain_cap = 2;
	/* acme.test had one send today: one more may go; the second waits for
	 * the 01:00 send to age out, without holding beta.test's items. */
	assert_int_equal(ratelimit_plan(&mb, it, 4, now, d), 3);
	assert_true(d[0].go);
	assert_false(d[1].go);
	assert_string_equal(d[1].why, "domain");
	assert_time(d[1].retry_at, "2026-12-02T01:00:00Z");
	assert_true(d[2].go);
	assert_true(d[3].go);
}

/* DomainDailyCap (ratelimit_domain_ok): the one decision the pass and why
 * share: cap reached holds for an hour; no cap never holds. */
static void test_domain_daily_cap(void **state)
{
	cad_time_t retry = 1, now = T("2026-12-07T09:00:00Z");
	(void)state;
	assert_int_equal(ratelimit_domain_ok(0, 0, now, &retry), 1);
	assert_int_equal(retry, 0);
	assert_int_equal(ratelimit_domain_ok(500, 0, now, &retry), 1);
	assert_int_equal(ratelimit_domain_ok(4, 5, now, &retry), 1);
	assert_int_equal(retry, 0);
	assert_int_equal(ratelimit_domain_ok(5, 5, now, &retry), 0);
	assert_int_equal(retry, now + LIMITS_DOMAIN_RETRY);
	assert_int_equal(ratelimit_domain_ok(6, 5, now, &retry), 0);
	assert_int_equal(ratelimit_domain_ok(6, -1, now, &retry), 1);
}

static void test_enroll_stacked(void **state)
{
	/* A sequence with emails on its day 0, day 1 and day 2. The rep enrolled
	 * 80 contacts yesterday and 80 the day before: today already carries 160
	 * (yesterday's second steps and the day before's third steps), tomorrow
	 * 80. Enrolling 80 more adds 80 to each of the next three days. */
	struct ratelimit_day days[3] = {
		{ "2026-12-01", 160, 80 },
		{ "2026-12-02", 80, 80 },
		{ "2026-12-03", 0, 80 },
	};
	struct sbuf why;
	(void)state;

	sbuf_init(&why);
	assert_int_equal(ratelimit_enroll_ok(days, 3, 500, 0, 80, 0, &why), 1);
	assert_int_equal(why.len, 0);
	assert_int_equal(ratelimit_enroll_ok(days, 3, 240, 0, 80, 0, &why), 1);   /* exactly at cap */
	assert_int_equal(ratelimit_enroll_ok(days, 3, 200, 0, 80, 0, &why), 0);
	assert_string_equal(why.s, "refused: 2026-12-01 would carry 240 emails (160 already "
	                           "scheduled + 80 from this enrollment), over the daily cap of 200");
	sbuf_reset(&why);
	/* A day already over the cap without this enrollment is not its fault. */
	days[0].added = 0;
	assert_int_equal(ratelimit_enroll_ok(days, 3, 150, 0, 80, 0, &why), 0);
	assert_non_null(strstr(why.s, "2026-12-02 would carry 160 emails"));
	sbuf_reset(&why);
	/* The daily enrollment cap. */
	assert_int_equal(ratelimit_enroll_ok(days, 3, 500, 75, 10, 80, &why), 0);
	assert_string_equal(why.s, "refused: 75 enrollments today + 10 new = 85, over the rep's "
	                           "daily enrollment cap of 80");
	assert_int_equal(ratelimit_enroll_ok(days, 3, 500, 70, 10, 80, NULL), 1);
	sbuf_free(&why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rolling_edges),
		cmocka_unit_test(test_rolling_full_day),
		cmocka_unit_test(test_spacing),
		cmocka_unit_test(test_throttle),
		cmocka_unit_test(test_plan_throttle),
		cmocka_unit_test(test_plan_cap_keeps_order),
		cmocka_unit_test(test_plan_spacing),
		cmocka_unit_test(test_plan_domain_cap),
		cmocka_unit_test(test_domain_daily_cap),
		cmocka_unit_test(test_enroll_stacked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
