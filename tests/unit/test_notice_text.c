/* SPDX-License-Identifier: BSD-2-Clause */
/* test_notice_text.c - the notices' words (src/mail/notice_text.c): each
 * names what it is given, a missing value reads as a placeholder, the
 * subject is one line. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "notice_text.h"

static void one_line(const struct notice_text *t)
{
	assert_null(strchr(t->subject, '\n'));
	assert_true(strlen(t->body) > 0 && t->body[strlen(t->body) - 1] == '\n');
}

static void test_forged(void **state)
{
	struct notice_text t;
	(void)state;
	notice_text_enroll_forged(&t, "a@x.test, b@x.test", "Cold", "no SMTP AUTH");
	one_line(&t);
	assert_string_equal(t.subject, "cadence: an enrollment in your name was refused");
	assert_non_null(strstr(t.body, "enroll a@x.test, b@x.test in the sequence Cold"));
	assert_non_null(strstr(t.body, "\n  no SMTP AUTH\n"));
	assert_non_null(strstr(t.body, "EnrollSenders"));
	notice_text_free(&t);
	notice_text_enroll_forged(&t, "", NULL, NULL);
	assert_non_null(strstr(t.body, "enroll (no contact) in the sequence (none)"));
	notice_text_free(&t);
	assert_null(t.subject);
}

static void test_refused(void **state)
{
	struct notice_text t;
	(void)state;
	notice_text_enroll_refused(&t, "a@x.test", "Cold", "already enrolled");
	one_line(&t);
	assert_string_equal(t.subject, "cadence: could not enroll a@x.test in Cold");
	assert_non_null(strstr(t.body, "\n  already enrolled\n"));
	notice_text_free(&t);
}

static void test_paused(void **state)
{
	struct notice_text t;
	(void)state;
	notice_text_paused(&t, 42, "a@x.test", "Cold", "bad zone");
	one_line(&t);
	assert_string_equal(t.subject, "cadence: enrollment 42 of a@x.test paused");
	assert_non_null(strstr(t.body, "(a@x.test, sequence Cold)"));
	assert_non_null(strstr(t.body, "cadencectl resume 42"));
	notice_text_free(&t);
	notice_text_paused(&t, 7, NULL, NULL, "x");
	assert_string_equal(t.subject, "cadence: enrollment 7 of a contact paused");
	assert_non_null(strstr(t.body, "(unknown contact, sequence unknown)"));
	notice_text_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_paused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
