/* SPDX-License-Identifier: BSD-2-Clause */
/* test_util.c - unit tests for util.c: strings, errors, addresses, time. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util.h"

static void test_sbuf_grows(void **state)
{
	struct sbuf b;
	int i;
	(void)state;
	sbuf_init(&b);
	for (i = 0; i < 1000; i++)
		sbuf_addf(&b, "%d,", i);
	assert_int_equal(b.len, strlen(b.s));
	assert_true(strncmp(b.s, "0,1,2,", 6) == 0);
	assert_non_null(strstr(b.s, "999,"));
	sbuf_free(&b);
}

static void test_printable(void **state)
{
	struct sbuf b;
	(void)state;
	sbuf_init(&b);
	cad_printable(&b, "a\r\nb\x01\xc3\xa9", 100);
	assert_string_equal(b.s, "a\\x0d\\x0ab\\x01\\xc3\\xa9");
	sbuf_reset(&b);
	cad_printable(&b, "abcdef", 3);
	assert_string_equal(b.s, "abc...");
	sbuf_free(&b);
}

static void test_err(void **state)
{
	struct cad_err err;
	char big[2000];
	(void)state;
	assert_int_equal(cad_err_set(&err, "line %d: bad", 3), -1);
	cad_err_prefix(&err, "%s", "x.seq");
	assert_string_equal(err.msg, "x.seq: line 3: bad");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cad_err_set(&err, "%s", big);
	assert_int_equal(strlen(err.msg), sizeof(err.msg) - 1);
	assert_int_equal(cad_err_set(NULL, "x"), -1);
}

static void test_addr(void **state)
{
	(void)state;
	assert_true(cad_addr_valid("ann@acme.test"));
	assert_true(cad_addr_valid("a.b+tag@sub.acme.test"));
	assert_false(cad_addr_valid("ann"));
	assert_false(cad_addr_valid("@acme.test"));
	assert_false(cad_addr_valid("ann@acme"));
	assert_false(cad_addr_valid("ann@acme..test"));
	assert_false(cad_addr_valid("ann smith@acme.test"));
	assert_false(cad_addr_valid("<ann@acme.test>"));
	assert_string_equal(cad_addr_domain("x@y.test"), "y.test");
	assert_null(cad_addr_domain("nodomain"));
}

static void test_time(void **state)
{
	cad_time_t t;
	char buf[CAD_TIME_BUFSZ];
	(void)state;
	assert_int_equal(cad_time_parse("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(cad_time_parse("2026-12-01T09:00:00Z", &t), 0);
	assert_string_equal(cad_time_format(t, buf, sizeof(buf)), "2026-12-01T09:00:00Z");
	assert_int_equal(cad_time_parse("2026-12-01T10:00:00+01:00", &t), 0);
	assert_string_equal(cad_time_format(t, buf, sizeof(buf)), "2026-12-01T09:00:00Z");
	assert_int_equal(cad_time_parse("2028-02-29", &t), 0);
	assert_string_equal(cad_time_format(t, buf, sizeof(buf)), "2028-02-29T00:00:00Z");
	assert_int_equal(cad_time_parse("2027-02-29", &t), -1);
	assert_int_equal(cad_time_parse("2026-13-01", &t), -1);
	assert_int_equal(cad_time_parse("2026-12-01T25:00", &t), -1);
	assert_int_equal(cad_time_parse("2026-12-01 09:00", &t), 0);
	assert_int_equal(cad_time_parse("2026-12-01T09:00:00Zjunk", &t), -1);
	assert_int_equal(cad_time_parse("", &t), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sbuf_grows),
		cmocka_unit_test(test_printable),
		cmocka_unit_test(test_err),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_time),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
