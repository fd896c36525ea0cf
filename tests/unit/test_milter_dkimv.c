/* SPDX-License-Identifier: BSD-2-Clause */
/* test_milter_dkimv.c - unit tests for milter/mverify.c: the
 * relaxed alignment (organizational domain, libpsl) of a signature's d=
 * domain with the From domain. (The verification itself is tested end
 * to end in tests/milter/run.sh, with signatures made by libopendkim and
 * keys from a file.) */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mverify.h"

static void test_aligned(void **state)
{
	(void)state;
	assert_int_equal(mverify_aligned("example.org", "example.org"), 1);
	assert_int_equal(mverify_aligned("Example.ORG", "example.org"), 1);
	/* relaxed alignment (DMARC): the same organizational domain, so a
	 * parent and a subdomain of the From domain both align (before issue
	 * #9 a subdomain did not: alignment now follows DMARC exactly) */
	assert_int_equal(mverify_aligned("example.org", "mail.example.org"), 1);
	assert_int_equal(mverify_aligned("example.org", "a.b.example.org"), 1);
	assert_int_equal(mverify_aligned("mail.example.org", "example.org"), 1);
	assert_int_equal(mverify_aligned("mail.acme.co.uk", "acme.co.uk"), 1);
	/* never a public suffix, nor another organization under one */
	assert_int_equal(mverify_aligned("org", "example.org"), 0);
	assert_int_equal(mverify_aligned("co.uk", "acme.co.uk"), 0);
	assert_int_equal(mverify_aligned("evil.co.uk", "acme.co.uk"), 0);
	assert_int_equal(mverify_aligned("example.org", "badexample.org"), 0);
	assert_int_equal(mverify_aligned("ample.org", "example.org"), 0);
	assert_int_equal(mverify_aligned("example.org", "example.org.evil.example"), 0);
	assert_int_equal(mverify_aligned("", "example.org"), 0);
	assert_int_equal(mverify_aligned(NULL, "example.org"), 0);
	assert_int_equal(mverify_aligned("example.org", NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aligned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
