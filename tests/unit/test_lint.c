/* SPDX-License-Identifier: BSD-2-Clause */
/* test_lint.c - unit tests for seq_lint.c: each checklist item passing,
 * warning and failing, on sequences parsed from text. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seq.h"

/* A clean sequence; tests replace parts of it with their own text. */
#define SEQ_HEAD(name, extra)                                                    \
	"[sequence]\nname = " name "\nowner = sales-ops@example.com\n" extra
#define STEP1(body)                                                              \
	"[step]\ntype = email\ntemplate = <<END\nSubject: Hi {{contact.firstname|there}}\n\n" \
	body "\nEND\n"
#define STEP2                                                                    \
	"[step]\ntype = call\ndelay = 2d\nnote = Call {{contact.phone|the main line}}\n"

struct result {
	struct lint_item *items;
	size_t n;
	int fails;
};

static void lint_text(const char *text, int have_supp, struct result *r)
{
	struct sequence q;
	struct cad_err err;
	struct lint_facts facts = { have_supp };
	if (seq_parse_buffer("l.seq", text, strlen(text), &q, &err) != 0)
		fail_msg("parse: %s", err.msg);
	r->fails = seq_lint(&q, &facts, &r->items, &r->n);
	sequence_free(&q);
}

/* The one item of check (fails when there are several or none). */
static const struct lint_item *item(const struct result *r, const char *check)
{
	const struct lint_item *found = NULL;
	size_t i;
	for (i = 0; i < r->n; i++)
		if (strcmp(r->items[i].check, check) == 0) {
			if (found)
				fail_msg("two '%s' items", check);
			found = &r->items[i];
		}
	if (found == NULL)
		fail_msg("no '%s' item", check);
	return found;
}

static void expect(const struct result *r, const char *check, enum lint_level level,
		   const char *detail_part)
{
	const struct lint_item *it = item(r, check);
	if (it->level != level || strstr(it->detail, detail_part) == NULL)
		fail_msg("%s: got %s '%s', want %s '...%s...'", check, lint_level_name(it->level),
			 it->detail, lint_level_name(level), detail_part);
}

static void test_clean(void **state)
{
	struct result r;
	size_t i;
	static const char *const order[] = {
		"delays", "tokens", "stop-on-reply", "stop-on-meeting", "timezone", "suppressions",
		"name", "owner"
	};
	(void)state;
	lint_text(SEQ_HEAD("CFO – Renewal – Finance Team", "") STEP1("Hello {{sender.firstname}}")
		  STEP2, 1, &r);
	assert_int_equal(r.fails, 0);
	assert_int_equal(r.n, CAD_ARRAY_LEN(order));
	for (i = 0; i < r.n; i++) {
		assert_string_equal(r.items[i].check, order[i]);
		assert_int_equal(r.items[i].level, LINT_PASS);
		assert_non_null(r.items[i].detail);
		assert_null(strchr(r.items[i].detail, '\n'));
	}
	expect(&r, "delays", LINT_PASS, "2 steps over 2 business days");
	expect(&r, "timezone", LINT_PASS, "window 08:00-18:00 in the recipient's zone");
	expect(&r, "name", LINT_PASS, "CFO – Renewal – Finance Team");
	expect(&r, "owner", LINT_PASS, "owned by sales-ops@example.com");
	seq_lint_free(r.items, r.n);
}

static void test_delays(void **state)
{
	struct result r;
	(void)state;
	lint_text(SEQ_HEAD("A – B – C", "days = every\n") STEP1("x")
		  "[step]\ntype = call\ndelay = 0\n", 1, &r);
	assert_int_equal(r.fails, 0);
	assert_string_equal(r.items[0].check, "delays");
	assert_int_equal(r.items[0].level, LINT_WARN);
	assert_non_null(strstr(r.items[0].detail, "step 2 (call) has no delay after step 1"));
	assert_string_equal(r.items[1].check, "delays");
	assert_int_equal(r.items[1].level, LINT_WARN);
	assert_non_null(strstr(r.items[1].detail, "count every days"));
	seq_lint_free(r.items, r.n);

	/* A delay of hours only is still a delay. */
	lint_text(SEQ_HEAD("A – B – C", "days = weekdays\n") STEP1("x")
		  "[step]\ntype = call\ndelay = 2h\n", 1, &r);
	expect(&r, "delays", LINT_WARN, "count weekdays days");
	seq_lint_free(r.items, r.n);
}

static void test_tokens(void **state)
{
	struct result r;
	size_t i, ntok = 0;
	(void)state;
	lint_text(SEQ_HEAD("A – B – C", "")
		  STEP1("Hi {{contact.firstname}}, {{sender.phone}} {{sender.fax|none}} "
			"{{sender.signature}} {{contact.company|you}}")
		  "[step]\ntype = call\ndelay = 1d\nnote = ask for {{ contact.phone }}\n", 1, &r);
	assert_int_equal(r.fails, 1);
	for (i = 0; i < r.n; i++) {
		if (strcmp(r.items[i].check, "tokens") != 0)
			continue;
		switch (ntok++) {
		case 0:
			assert_int_equal(r.items[i].level, LINT_WARN);
			assert_string_equal(r.items[i].detail, "step 1 (email) body: {{contact.firstname}} "
					    "has no fallback (a contact without it cannot be enrolled)");
			break;
		case 1:
			assert_int_equal(r.items[i].level, LINT_FAIL);
			assert_string_equal(r.items[i].detail, "step 1 (email) body: {{sender.phone}} "
					    "never has a value and has no fallback");
			break;
		case 2:
			assert_int_equal(r.items[i].level, LINT_WARN);
			assert_non_null(strstr(r.items[i].detail, "{{sender.fax}} never has a value, so "
					       "it always renders its fallback"));
			break;
		case 3:
			assert_int_equal(r.items[i].level, LINT_WARN);
			assert_string_equal(r.items[i].detail, "step 2 (call) note: {{contact.phone}} "
					    "has no fallback (a contact without it cannot be enrolled)");
			break;
		}
	}
	assert_int_equal(ntok, 4);
	seq_lint_free(r.items, r.n);
}

static void test_tokens_capped(void **state)
{
	struct sbuf b;
	struct result r;
	int i;
	size_t k, ntok = 0;
	(void)state;
	sbuf_init(&b);
	sbuf_adds(&b, SEQ_HEAD("A – B – C", "") "[step]\ntype = email\ntemplate = <<END\n"
		  "Subject: s\n\n");
	for (i = 0; i < 30; i++)
		sbuf_addf(&b, "{{contact.p%d}}\n", i);
	sbuf_adds(&b, "END\n");
	lint_text(b.s, 1, &r);
	for (k = 0; k < r.n; k++)
		if (strcmp(r.items[k].check, "tokens") == 0)
			ntok++;
	assert_int_equal(ntok, 21);
	assert_non_null(strstr(r.items[ntok].detail, "and 10 more token problems"));
	seq_lint_free(r.items, r.n);
	sbuf_free(&b);
}

static void test_stops(void **state)
{
	struct result r;
	(void)state;
	lint_text(SEQ_HEAD("A – B – C", "stop_on_reply = no\nstop_on_meeting = no\nscope = company\n")
		  STEP1("x"), 1, &r);
	assert_int_equal(r.fails, 2);
	expect(&r, "stop-on-reply", LINT_FAIL, "stop_on_reply = yes");
	expect(&r, "stop-on-meeting", LINT_FAIL, "stop_on_meeting = yes");
	seq_lint_free(r.items, r.n);
	lint_text(SEQ_HEAD("A – B – C", "scope = company\n") STEP1("x"), 1, &r);
	expect(&r, "stop-on-reply", LINT_PASS, "unenrolls the whole company");
	seq_lint_free(r.items, r.n);
}

static void test_timezone(void **state)
{
	struct result r;
	(void)state;
	lint_text(SEQ_HEAD("A – B – C", "window = 22:00-06:00\n") STEP1("x"), 1, &r);
	expect(&r, "timezone", LINT_WARN, "crosses midnight");
	seq_lint_free(r.items, r.n);
	lint_text(SEQ_HEAD("A – B – C", "window = 06:00-12:00\n") STEP1("x"), 1, &r);
	expect(&r, "timezone", LINT_WARN, "outside 07:00-21:00");
	seq_lint_free(r.items, r.n);
	lint_text(SEQ_HEAD("A – B – C", "timezone = Europe/Berlin\nwindow = 9:00-17:30\n")
		  STEP1("x"), 1, &r);
	expect(&r, "timezone", LINT_PASS, "09:00-17:30 in the recipient's zone (without one: "
	       "Europe/Berlin)");
	seq_lint_free(r.items, r.n);
}

static void test_suppressions(void **state)
{
	struct result r;
	struct sequence q;
	struct cad_err err;
	static const char text[] = SEQ_HEAD("A – B – C", "") STEP1("x");
	(void)state;
	lint_text(text, 0, &r);
	assert_int_equal(r.fails, 1);
	expect(&r, "suppressions", LINT_FAIL, "suppression list is empty");
	seq_lint_free(r.items, r.n);
	/* Without facts the item cannot be decided. */
	assert_int_equal(seq_parse_buffer("l.seq", text, strlen(text), &q, &err), 0);
	assert_int_equal(seq_lint(&q, NULL, &r.items, &r.n), 0);
	expect(&r, "suppressions", LINT_WARN, "not checked");
	seq_lint_free(r.items, r.n);
	sequence_free(&q);
}

static void test_name(void **state)
{
	static const struct {
		const char *name;
		enum lint_level level;
	} cases[] = {
		{ "VP Sales – Cold Outbound – SDR Team", LINT_PASS },
		{ "VP Sales - Cold Outbound - SDR Team", LINT_PASS },
		{ "VP Sales–Cold Outbound–SDR", LINT_PASS },
		{ "Führungskraft – Kaltakquise – Vertrieb Süd", LINT_PASS },
		{ "Cold outbound", LINT_WARN },
		{ "VP Sales – Cold Outbound", LINT_WARN },
		{ "A – B – C – D", LINT_WARN },
		{ "A –  – C", LINT_WARN },
		{ "Re-engagement-Q3-Team", LINT_WARN },
	};
	size_t i;
	(void)state;
	for (i = 0; i < CAD_ARRAY_LEN(cases); i++) {
		struct result r;
		char text[512];
		snprintf(text, sizeof(text), "[sequence]\nname = %s\nowner = x\n" STEP1("b"),
			 cases[i].name);
		lint_text(text, 1, &r);
		if (item(&r, "name")->level != cases[i].level)
			fail_msg("'%s': %s", cases[i].name, item(&r, "name")->detail);
		seq_lint_free(r.items, r.n);
	}
}

static void test_empty_struct(void **state)
{
	struct sequence q;
	struct result r;
	(void)state;
	memset(&q, 0, sizeof(q));   /* as a store might hand over a broken row */
	r.fails = seq_lint(&q, NULL, &r.items, &r.n);
	expect(&r, "delays", LINT_FAIL, "no steps");
	expect(&r, "name", LINT_WARN, "does not follow");
	expect(&r, "owner", LINT_WARN, "no owner");
	assert_int_equal(r.fails, 3);   /* no steps, stop-on-reply, stop-on-meeting */
	seq_lint_free(r.items, r.n);
}

static void test_owner(void **state)
{
	struct result r;
	(void)state;
	lint_text("[sequence]\nname = A – B – C\n" STEP1("x"), 1, &r);
	expect(&r, "owner", LINT_WARN, "no owner documented");
	assert_int_equal(r.fails, 0);
	assert_string_equal(lint_level_name(LINT_WARN), "warn");
	assert_string_equal(lint_level_name(LINT_FAIL), "fail");
	assert_string_equal(lint_level_name(LINT_PASS), "pass");
	seq_lint_free(r.items, r.n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_delays),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_tokens_capped),
		cmocka_unit_test(test_stops),
		cmocka_unit_test(test_timezone),
		cmocka_unit_test(test_suppressions),
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_owner),
		cmocka_unit_test(test_empty_struct),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
