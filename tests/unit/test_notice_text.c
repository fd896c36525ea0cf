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
#include <stdlib.h>
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

static void test_digest(void **state)
{
	struct sbuf b;
	char *subj = notice_text_digest_subject("2026-11-30", 2);
	(void)state;
	assert_string_equal(subj, "cadence: your tasks for 2026-11-30 (2)");
	free(subj);
	sbuf_init(&b);
	notice_text_digest_head(&b, "Ann", "2026-11-30", 2);
	notice_text_digest_task(&b, 7, "call", "carl@p.test", "Calls", 2, "2026-11-28");
	notice_text_digest_task(&b, 8, "email", NULL, NULL, 1, NULL);
	notice_text_digest_foot(&b);
	assert_string_equal(b.s,
		"Good morning Ann,\n\nyour open cadence tasks for 2026-11-30 (2):\n"
		"\n- task 7: call carl@p.test, sequence Calls, step 2 (overdue since 2026-11-28)\n"
		"\n- task 8: email (unknown contact), sequence (unknown), step 1\n"
		"\nMark one done with \"cadencectl task complete ID\" "
		"(or skip it with \"cadencectl task skip ID\").\n"
		"Turn this mail off with \"cadencectl user digest ADDRESS no\".\n");
	sbuf_free(&b);
	sbuf_init(&b);
	notice_text_digest_head(&b, NULL, "2026-11-30", 1);
	assert_string_equal(b.s, "Good morning,\n\nyour open cadence tasks for 2026-11-30 (1):\n");
	sbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_paused),
		cmocka_unit_test(test_digest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
