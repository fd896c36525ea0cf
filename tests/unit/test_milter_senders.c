/* SPDX-License-Identifier: BSD-2-Clause */
/* test_milter_senders.c - unit tests for milter/enroll_senders.c: the
 * EnrollSenders table (parse errors with file:line) and the rule of who
 * may enroll by mail as which rep (issue #9, finding 4). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "enroll_senders.h"

static const char table[] =
	"# who may enroll as whom\n"
	"bob            bob@example.com\n"
	"Assistant      alice@example.com, bob@example.com  # two reps\n"
	"[10.1.2.3]     ada@example.com\n"
	"[10.20.0.0/16] @example.com\n"
	"[2001:db8::/32] carl@example.com\n";

static void test_allowed(void **state)
{
	struct enroll_senders t = { NULL, 0 };
	struct cad_err err = { "" };
	(void)state;
	assert_int_equal(enroll_senders_parse(&t, table, "senders", &err), 0);
	assert_int_equal(t.n, 5);
	/* the login is the rep's address: no entry needed */
	assert_true(enroll_senders_allowed(&t, "Carl@Example.com", "192.0.2.1", "carl@example.com",
					   NULL));
	assert_true(enroll_senders_allowed(NULL, "carl@example.com", NULL, "carl@example.com", NULL));
	/* a login mapped by the table */
	assert_true(enroll_senders_allowed(&t, "bob", "192.0.2.1", "bob@example.com", NULL));
	assert_true(enroll_senders_allowed(&t, "assistant", NULL, "ALICE@example.com", NULL));
	/* the attack: bob as carl */
	assert_false(enroll_senders_allowed(&t, "bob", "192.0.2.1", "carl@example.com", NULL));
	assert_false(enroll_senders_allowed(NULL, "bob", NULL, "bob@example.com", NULL));
	/* a bracketed entry never applies with AUTH */
	assert_false(enroll_senders_allowed(&t, "bob", "10.20.1.1", "carl@example.com", NULL));
	/* without AUTH: the client decides */
	assert_true(enroll_senders_allowed(&t, NULL, "10.1.2.3", "ada@example.com", NULL));
	assert_false(enroll_senders_allowed(&t, NULL, "10.1.2.3", "carl@example.com", NULL));
	assert_false(enroll_senders_allowed(&t, NULL, "10.1.2.4", "ada@example.com", NULL));
	assert_true(enroll_senders_allowed(&t, NULL, "10.20.9.9", "carl@example.com", NULL));
	assert_false(enroll_senders_allowed(&t, NULL, "10.20.9.9", "carl@sub.example.com", NULL));
	assert_true(enroll_senders_allowed(&t, NULL, "2001:db8::5", "carl@example.com", NULL));
	assert_false(enroll_senders_allowed(NULL, NULL, "10.1.2.3", "ada@example.com", NULL));
	assert_false(enroll_senders_allowed(&t, NULL, NULL, "ada@example.com", NULL));
	/* a login never matches a bracketed line by its text */
	assert_false(enroll_senders_allowed(&t, "[10.1.2.3]", NULL, "ada@example.com", NULL));
	assert_false(enroll_senders_allowed(&t, "bob", NULL, NULL, NULL));
	enroll_senders_free(&t);
}

static void test_why(void **state)
{
	struct sbuf why;
	(void)state;
	sbuf_init(&why);
	assert_false(enroll_senders_allowed(NULL, "bob", NULL, "carl@example.com", &why));
	assert_non_null(strstr(why.s, "SMTP user \"bob\""));
	assert_non_null(strstr(why.s, "carl@example.com"));
	sbuf_free(&why);
	sbuf_init(&why);
	assert_false(enroll_senders_allowed(NULL, NULL, "10.5.5.5", "ada@example.com", &why));
	assert_non_null(strstr(why.s, "without SMTP AUTH from 10.5.5.5"));
	sbuf_free(&why);
}

static void test_errors(void **state)
{
	static const struct { const char *text, *want; } bad[] = {
		{ "bob\n", "senders:1: \"bob\" names no rep address" },
		{ "# c\n\nbob not-an-address\n", "senders:3: \"not-an-address\" is neither" },
		{ "[10.1.2.3 ada@example.com\n", "senders:1: \"[10.1.2.3\": a client network" },
		{ "[host.example] ada@example.com\n", "senders:1:" },
		{ "[10.0.0.0/33] ada@example.com\n", "senders:1:" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct enroll_senders t = { NULL, 0 };
		struct cad_err err = { "" };
		assert_int_equal(enroll_senders_parse(&t, bad[i].text, "senders", &err), -1);
		if (strstr(err.msg, bad[i].want) == NULL)
			fail_msg("%s: got \"%s\"", bad[i].text, err.msg);
		assert_int_equal(t.n, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_why),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
