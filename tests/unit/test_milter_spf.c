/* SPDX-License-Identifier: BSD-2-Clause */
/* test_milter_spf.c - unit tests for milter/spf.c: SPF results through
 * libspf2 over an in-process zone (documentation addresses, never DNS). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <spf2/spf.h>

#include "spf.h"
#include "util.h"

static const char zone[] =
	"# test zone\n"
	"pass.example     TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
	"soft.example     TXT v=spf1 ip4:192.0.2.0/24 ~all\n"
	"neutral.example  TXT v=spf1 ?all\n"
	"v6.example       TXT v=spf1 ip6:2001:db8::/32 -all\n"
	"bad.example      TXT v=spf1 ip4:192.0.2.0/24 bogus:thing -all\n"
	"badcidr.example  TXT v=spf1 ip4:192.0.2.0/99 -all\n"
	"tmp.example      TXT !TEMPFAIL\n"
	"incl.example     TXT v=spf1 include:pass.example -all\n"
	"inclnone.example TXT v=spf1 include:nothing.example -all\n"
	"a.example        TXT v=spf1 a -all\n"
	"a.example        A   203.0.113.5\n"
	"helo.example     TXT v=spf1 ip4:198.51.100.0/24 -all\n"
	"nospf.example    TXT some other text\n";

static struct spf_checker *checker;

static int setup(void **state)
{
	struct cad_err err = { "" };
	(void)state;
	checker = spf_checker_new_zone(zone, "zone", &err);
	if (checker == NULL)
		fprintf(stderr, "zone: %s\n", err.msg);
	return checker == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	spf_checker_free(checker);
	return 0;
}

static enum spf_res check(const char *ip, const char *from)
{
	struct sbuf why;
	enum spf_res r;
	sbuf_init(&why);
	r = spf_check(checker, ip, "mx.client.example", from, &why);
	sbuf_free(&why);
	return r;
}

static void test_pass_fail(void **state)
{
	(void)state;
	assert_int_equal(check("192.0.2.1", "ann@pass.example"), SPF_RES_PASS);
	assert_int_equal(check("198.51.100.1", "ann@pass.example"), SPF_RES_FAIL);
	assert_int_equal(check("2001:db8::25", "ann@v6.example"), SPF_RES_PASS);
	assert_int_equal(check("2001:db9::25", "ann@v6.example"), SPF_RES_FAIL);
	assert_int_equal(check("192.0.2.77", "ann@incl.example"), SPF_RES_PASS);
	assert_int_equal(check("203.0.113.5", "ann@a.example"), SPF_RES_PASS);
	assert_int_equal(check("203.0.113.6", "ann@a.example"), SPF_RES_FAIL);
}

static void test_softfail_neutral(void **state)
{
	(void)state;
	assert_int_equal(check("198.51.100.1", "ann@soft.example"), SPF_RES_SOFTFAIL);
	assert_int_equal(check("192.0.2.1", "ann@soft.example"), SPF_RES_PASS);
	assert_int_equal(check("198.51.100.1", "ann@neutral.example"), SPF_RES_NEUTRAL);
}

static void test_none(void **state)
{
	(void)state;
	/* no such domain in the zone, and a domain without an SPF record */
	assert_int_equal(check("192.0.2.1", "ann@nowhere.example"), SPF_RES_NONE);
	assert_int_equal(check("192.0.2.1", "ann@nospf.example"), SPF_RES_NONE);
	/* no client address: nothing to check */
	assert_int_equal(spf_check(checker, NULL, "x.example", "ann@pass.example", NULL),
			 SPF_RES_NONE);
}

static void test_permerror(void **state)
{
	(void)state;
	assert_int_equal(check("192.0.2.1", "ann@bad.example"), SPF_RES_PERMERROR);
	assert_int_equal(check("192.0.2.1", "ann@badcidr.example"), SPF_RES_PERMERROR);
	/* include: of a domain without a record is a permerror (RFC 7208 5.2) */
	assert_int_equal(check("192.0.2.1", "ann@inclnone.example"), SPF_RES_PERMERROR);
	/* an unusable client address is the request's fault */
	assert_int_equal(check("not-an-ip", "ann@pass.example"), SPF_RES_PERMERROR);
}

static void test_temperror(void **state)
{
	(void)state;
	assert_int_equal(check("192.0.2.1", "ann@tmp.example"), SPF_RES_TEMPERROR);
	/* a NULL checker (none could be made) answers temperror, not a crash */
	assert_int_equal(spf_check(NULL, "192.0.2.1", "x", "ann@pass.example", NULL),
			 SPF_RES_TEMPERROR);
}

static void test_null_sender_uses_helo(void **state)
{
	(void)state;
	assert_int_equal(spf_check(checker, "198.51.100.9", "helo.example", "", NULL),
			 SPF_RES_PASS);
	assert_int_equal(spf_check(checker, "192.0.2.9", "helo.example", "", NULL),
			 SPF_RES_FAIL);
	assert_int_equal(spf_check(checker, "192.0.2.9", NULL, "", NULL), SPF_RES_NONE);
}

static void test_why(void **state)
{
	struct sbuf why;
	(void)state;
	sbuf_init(&why);
	assert_int_equal(spf_check(checker, "198.51.100.1", "x", "ann@pass.example", &why),
			 SPF_RES_FAIL);
	assert_non_null(strstr(why.s, "198.51.100.1"));
	sbuf_free(&why);
}

static void test_zone_errors(void **state)
{
	struct cad_err err = { "" };
	(void)state;
	assert_null(spf_checker_new_zone("ok.example TXT v=spf1 -all\nx.example SOA data\n",
					 "z.txt", &err));
	assert_string_equal(err.msg, "z.txt:2: unknown record type \"SOA\"");
	assert_null(spf_checker_new_zone("x.example TXT \"unterminated\n", "z.txt", &err));
	assert_non_null(strstr(err.msg, "z.txt:1:"));
	assert_null(spf_checker_new_zone("lonely.example\n", "z.txt", &err));
	assert_non_null(strstr(err.msg, "z.txt:1:"));
}

static void test_invalid_mapping(void **state)
{
	(void)state;
	/* the results libspf2 states are taken as they are */
	assert_int_equal(spf_map_libspf2(SPF_RESULT_PASS, SPF_E_SUCCESS), SPF_RES_PASS);
	assert_int_equal(spf_map_libspf2(SPF_RESULT_PERMERROR, SPF_E_SYNTAX), SPF_RES_PERMERROR);
	assert_int_equal(spf_map_libspf2(SPF_RESULT_TEMPERROR, SPF_E_DNS_ERROR), SPF_RES_TEMPERROR);
	/* INVALID: transient causes are temperror ... */
	assert_int_equal(spf_map_libspf2(SPF_RESULT_INVALID, SPF_E_DNS_ERROR), SPF_RES_TEMPERROR);
	assert_int_equal(spf_map_libspf2(SPF_RESULT_INVALID, SPF_E_NO_MEMORY), SPF_RES_TEMPERROR);
	assert_int_equal(spf_map_libspf2(SPF_RESULT_INVALID, SPF_E_INTERNAL_ERROR),
			 SPF_RES_TEMPERROR);
	/* ... a wrong record or request is permerror */
	assert_int_equal(spf_map_libspf2(SPF_RESULT_INVALID, SPF_E_SYNTAX), SPF_RES_PERMERROR);
	assert_int_equal(spf_map_libspf2(SPF_RESULT_INVALID, SPF_E_INVALID_IP4), SPF_RES_PERMERROR);
	assert_int_equal(spf_map_libspf2(SPF_RESULT_INVALID, SPF_E_MULTIPLE_RECORDS),
			 SPF_RES_PERMERROR);
	assert_int_equal(spf_map_libspf2(SPF_RESULT_INVALID, SPF_E_BIG_DNS), SPF_RES_PERMERROR);
}

static void boom(void *arg)
{
	(*(int *)arg)++;
	SPF_errorx(__FILE__, __LINE__, "%s", "simulated libspf2 internal error");
}

static void calm(void *arg)
{
	(*(int *)arg)++;
}

static void nested(void *arg)
{
	int *n = arg;
	/* an inner guard catches its own error and the outer one is intact */
	if (spf_guarded(boom, n) == -1)
		(*n) += 10;
}

static void test_fatal_error_is_contained(void **state)
{
	int n = 0;
	(void)state;
	/* libspf2 would abort() after SPF_error(): the guard returns instead */
	assert_int_equal(spf_guarded(boom, &n), -1);
	assert_int_equal(n, 1);
	assert_int_equal(spf_guarded(calm, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(spf_guarded(nested, &n), 0);
	assert_int_equal(n, 13);
	/* and checking goes on */
	assert_int_equal(check("192.0.2.1", "ann@pass.example"), SPF_RES_PASS);
}

static void test_names(void **state)
{
	(void)state;
	for (int r = SPF_RES_NONE; r <= SPF_RES_PERMERROR; r++)
		assert_int_equal(spf_res_parse(spf_res_name((enum spf_res)r)), r);
	assert_int_equal(spf_res_parse("PASS"), SPF_RES_PASS);
	assert_int_equal(spf_res_parse("maybe"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pass_fail),
		cmocka_unit_test(test_softfail_neutral),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_permerror),
		cmocka_unit_test(test_temperror),
		cmocka_unit_test(test_null_sender_uses_helo),
		cmocka_unit_test(test_why),
		cmocka_unit_test(test_zone_errors),
		cmocka_unit_test(test_invalid_mapping),
		cmocka_unit_test(test_fatal_error_is_contained),
		cmocka_unit_test(test_names),
	};
	cad_log_open("test_milter_spf", 0, 0);
	return cmocka_run_group_tests(tests, setup, teardown);
}
