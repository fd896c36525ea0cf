/* SPDX-License-Identifier: BSD-2-Clause */
/* test_milter_policy.c - unit tests for milter/policy.c (the failure
 * policy table) and milter/netlist.c (InternalHosts). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "netlist.h"
#include "policy.h"
#include "util.h"

static void test_policy_table(void **state)
{
	(void)state;
	/* DESIGN.md rule 1: a person's mail always passes, sequence mail waits */
	for (int k = 0; k < FAIL_KIND_COUNT; k++) {
		assert_int_equal(policy_on_failure(MAIL_PERSON, (enum fail_kind)k), POLICY_ACCEPT);
		assert_int_equal(policy_on_failure(MAIL_SEQUENCE, (enum fail_kind)k), POLICY_TEMPFAIL);
		assert_non_null(fail_kind_name((enum fail_kind)k));
	}
	/* an out-of-range kind is treated as an internal error, not a crash */
	assert_int_equal(policy_on_failure(MAIL_PERSON, (enum fail_kind)99), POLICY_ACCEPT);
	assert_int_equal(policy_on_failure(MAIL_SEQUENCE, (enum fail_kind)99), POLICY_TEMPFAIL);
	assert_string_equal(fail_kind_name(FAIL_STORE), "store");
	assert_string_equal(fail_kind_name((enum fail_kind)99), "internal");
	assert_string_equal(mail_class_name(MAIL_SEQUENCE), "sequence");
	assert_int_equal(policy_fail(MAIL_PERSON, FAIL_STORE, "ABC123", "db\nlocked"),
			 POLICY_ACCEPT);
}

static void test_netlist(void **state)
{
	char *items[] = { "127.0.0.1", "10.0.0.0/8", "192.0.2.128/25", "::1", "2001:db8::/32",
			  "198.51.100.7/32", "0.0.0.0/0" };
	struct netlist nl = { NULL, 0 };
	struct cad_err err = { "" };
	(void)state;
	/* without the catch-all */
	assert_int_equal(netlist_parse(&nl, items, 6, &err), 0);
	assert_true(netlist_match(&nl, "127.0.0.1"));
	assert_false(netlist_match(&nl, "127.0.0.2"));
	assert_true(netlist_match(&nl, "10.255.1.2"));
	assert_false(netlist_match(&nl, "11.0.0.1"));
	assert_true(netlist_match(&nl, "192.0.2.200"));
	assert_false(netlist_match(&nl, "192.0.2.127"));
	assert_true(netlist_match(&nl, "::1"));
	assert_true(netlist_match(&nl, "2001:db8:1::5"));
	assert_false(netlist_match(&nl, "2001:db9::5"));
	assert_true(netlist_match(&nl, "::ffff:10.1.2.3"));        /* IPv4-mapped */
	assert_true(netlist_match(&nl, "[IPv6:2001:db8::1]"));     /* Sendmail's form */
	assert_true(netlist_match(&nl, "198.51.100.7"));
	assert_false(netlist_match(&nl, "198.51.100.8"));
	assert_false(netlist_match(&nl, "not an address"));
	assert_false(netlist_match(&nl, NULL));
	assert_int_equal(netlist_parse(&nl, items, 7, &err), 0);
	assert_true(netlist_match(&nl, "203.0.113.1"));
	netlist_free(&nl);
}

static void test_netlist_errors(void **state)
{
	char *bad1[] = { "10.0.0.0/33" };
	char *bad2[] = { "mail.example.com" };
	char *bad3[] = { "10.0.0.0/" };
	char *bad4[] = { "::1/129" };
	char **bad[] = { bad1, bad2, bad3, bad4 };
	(void)state;
	for (size_t i = 0; i < CAD_ARRAY_LEN(bad); i++) {
		struct netlist nl = { NULL, 0 };
		struct cad_err err = { "" };
		assert_int_equal(netlist_parse(&nl, bad[i], 1, &err), -1);
		assert_non_null(strstr(err.msg, bad[i][0]));
		assert_int_equal(nl.n, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_table),
		cmocka_unit_test(test_netlist),
		cmocka_unit_test(test_netlist_errors),
	};
	cad_log_open("test_milter_policy", 0, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
