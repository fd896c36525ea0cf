/* SPDX-License-Identifier: BSD-2-Clause */
/* test_milter_hdr.c - unit tests for milter/hdr_strip.c: cadence's own
 * addresses taken out of To/Cc values, every other byte kept as written. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "hdr_strip.h"
#include "token.h"
#include "util.h"

#define DOM "cadence.example.com"

static const struct inbound_addrs addrs = { DOM, "enroll", "unsubscribe", "bounces" };
static struct cad_secret secret;

static int setup(void **state)
{
	static const char key[] = "hdr-strip-test-secret-0123456789abcdef0123";
	struct cad_err err = { "" };
	(void)state;
	g_mime_init();
	return secret_set(&secret, key, sizeof(key) - 1, &err);
}

static int teardown(void **state)
{
	(void)state;
	secret_free(&secret);
	g_mime_shutdown();
	return 0;
}

/* Asserts that value becomes want (NULL: the header is deleted) with
 * nrm entries removed. */
static void strip_is(const char *value, const char *want, size_t nrm)
{
	char *out = (char *)"unset";
	size_t n = 99;
	assert_int_equal(hdr_strip_own(value, &addrs, &secret, &out, &n), 1);
	assert_int_equal(n, nrm);
	if (want == NULL) {
		assert_null(out);
	} else {
		assert_non_null(out);
		assert_string_equal(out, want);
	}
	free(out);
}

static void unchanged(const char *value)
{
	char *out = (char *)"unset";
	size_t n = 99;
	assert_int_equal(hdr_strip_own(value, &addrs, &secret, &out, &n), 0);
	assert_null(out);
	assert_int_equal(n, 0);
}

static void test_simple(void **state)
{
	(void)state;
	/* with and without the leading space (SMFIP_HDR_LEADSPC) */
	strip_is(" Nina New <nina@example.org>, enroll+Cold@" DOM,
		 " Nina New <nina@example.org>", 1);
	strip_is("enroll+Cold@" DOM ", Nina New <nina@example.org>", "Nina New <nina@example.org>", 1);
	strip_is(" <enroll+Cold@" DOM ">, nina@example.org", " nina@example.org", 1);
	strip_is(" a@example.org, Enroll <enroll+Cold@" DOM ">, b@example.org",
		 " a@example.org, b@example.org", 1);
	/* alone: the header goes */
	strip_is(" enroll+Cold@" DOM, NULL, 1);
	strip_is(" \"Sales robot\" <enroll+Cold@" DOM ">", NULL, 1);
	/* a trailing comma leaves nothing worth keeping */
	strip_is(" enroll+Cold@" DOM ",", NULL, 1);
}

static void test_unchanged(void **state)
{
	(void)state;
	unchanged(" Nina New <nina@example.org>");
	unchanged(" nina@example.org, \"enroll+Cold@" DOM "\" <x@example.org>");
	/* not cadence's: another domain, no +, a display name only */
	unchanged(" enroll+Cold@other.example, enroll@" DOM);
	unchanged(" Undisclosed recipients:;");
	unchanged("");
	unchanged(" ");
	{
		char *out = (char *)"unset";
		assert_int_equal(hdr_strip_own(NULL, &addrs, &secret, &out, NULL), 0);
		assert_null(out);
	}
}

static void test_folded(void **state)
{
	(void)state;
	strip_is(" Nina New <nina@example.org>,\n\tenroll+Cold@" DOM ",\n\tOmar <omar@example.org>",
		 " Nina New <nina@example.org>,\n\tOmar <omar@example.org>", 1);
	strip_is(" Nina New <nina@example.org>,\r\n enroll+Cold@" DOM,
		 " Nina New <nina@example.org>", 1);
	/* the first entry goes: the next one takes its leading whitespace */
	strip_is(" enroll+Cold@" DOM ",\n\tNina New\n\t<nina@example.org>",
		 " Nina New\n\t<nina@example.org>", 1);
}

static void test_quoted_commas(void **state)
{
	(void)state;
	strip_is(" \"New, Nina\" <nina@example.org>, \"Enroll, Cold\" <enroll+Cold@" DOM
		 ">, \"O'Brien, \\\"Om\\\"\" <omar@example.org>",
		 " \"New, Nina\" <nina@example.org>, \"O'Brien, \\\"Om\\\"\" <omar@example.org>", 1);
	/* comments with commas and nesting are kept as written */
	strip_is(" nina@example.org (New, Nina (sales)), enroll+Cold@" DOM " (me, really)",
		 " nina@example.org (New, Nina (sales))", 1);
	/* a quoted local part with a comma */
	strip_is(" \"a,b\"@example.org, enroll+Cold@" DOM, " \"a,b\"@example.org", 1);
}

static void test_groups(void **state)
{
	(void)state;
	strip_is(" Team: a@example.org, enroll+Cold@" DOM ", b@example.org;, c@example.org",
		 " Team: a@example.org, b@example.org;, c@example.org", 1);
	strip_is(" Team: enroll+Cold@" DOM ", b@example.org; ,c@example.org",
		 " Team: b@example.org; ,c@example.org", 1);
	/* a group keeps its name even when all its members were cadence's */
	strip_is(" Team: enroll+Cold@" DOM ";", " Team:;", 1);
	strip_is(" enroll+Cold@" DOM ", \"Sales: EU\" <eu@example.org>, Team: a@example.org;",
		 " \"Sales: EU\" <eu@example.org>, Team: a@example.org;", 1);
}

static void test_encoded_words(void **state)
{
	(void)state;
	strip_is(" =?UTF-8?Q?N=C3=AFna?= <nina@example.org>, =?UTF-8?B?RW5yw7ZsbA==?= <enroll+Cold@"
		 DOM ">",
		 " =?UTF-8?Q?N=C3=AFna?= <nina@example.org>", 1);
}

static void test_twice_and_case(void **state)
{
	(void)state;
	strip_is(" enroll+Cold@" DOM ", nina@example.org, <enroll+Cold@" DOM ">",
		 " nina@example.org", 2);
	strip_is(" ENROLL+COLD@CADENCE.EXAMPLE.COM, nina@example.org", " nina@example.org", 1);
	strip_is(" nina@example.org, Enroll+Cold@Cadence.Example.Com", " nina@example.org", 1);
}

static void test_other_own(void **state)
{
	unsigned char nonce[TOKEN_NONCE_BYTES];
	char tok[TOKEN_BUFSZ], addr[256], val[512];
	(void)state;
	memset(nonce, 0x5a, sizeof(nonce));
	/* the unsubscribe and bounce addresses, with a valid or a forged token */
	assert_int_equal(token_make(TOKEN_UNSUB, &secret, nonce, tok), 0);
	snprintf(addr, sizeof(addr), "unsubscribe+%s@%s", tok, DOM);
	snprintf(val, sizeof(val), " nina@example.org, <%s>", addr);
	strip_is(val, " nina@example.org", 1);
	strip_is(" bounces+forged@" DOM ", nina@example.org", " nina@example.org", 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_unchanged),
		cmocka_unit_test(test_folded),
		cmocka_unit_test(test_quoted_commas),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_encoded_words),
		cmocka_unit_test(test_twice_and_case),
		cmocka_unit_test(test_other_own),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
