/* SPDX-License-Identifier: BSD-2-Clause */
/* test_tmpl.c - unit tests for tmpl.c: every token kind, fallbacks, missing
 * values, syntax errors with offsets, UTF-8, bounds, sequence checks. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl.h"

struct fixture {
	struct contact c;
	struct user u;
	struct tmpl_ctx ctx;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	f->c.email = xstrdup("zoe@acme.test");
	f->c.firstname = xstrdup("Zoë");
	f->c.lastname = xstrdup("Ødegård");
	f->c.company = xstrdup("Acme Straße GmbH");
	f->c.tz = xstrdup("Europe/Berlin");
	contact_set_prop(&f->c, "Title", "Head of Ops");
	contact_set_prop(&f->c, "city", "   ");
	f->u.email = xstrdup("ada@seller.test");
	f->u.name = xstrdup("Ada King Lovelace");
	f->u.signature = xstrdup("Ada\nseller.test");
	f->u.meeting_link = xstrdup("https://meet.seller.test/ada");
	f->ctx.contact = &f->c;
	f->ctx.sender = &f->u;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	contact_free(&f->c);
	user_free(&f->u);
	free(f);
	return 0;
}

/* Renders t and checks the result (want NULL: expect an error containing
 * errpart). */
static void expect_render(struct fixture *f, const char *t, const char *want, const char *errpart)
{
	struct sbuf out;
	struct cad_err err;
	int rc;
	sbuf_init(&out);
	sbuf_adds(&out, "stale");
	err.msg[0] = '\0';
	rc = tmpl_render(t, &f->ctx, &out, &err);
	if (want) {
		if (rc != 0)
			fail_msg("render of '%s' failed: %s", t, err.msg);
		assert_string_equal(out.s, want);
	} else {
		assert_int_equal(rc, -1);
		assert_int_equal(out.len, 0);
		if (strstr(err.msg, errpart) == NULL)
			fail_msg("error '%s' lacks '%s'", err.msg, errpart);
	}
	sbuf_free(&out);
}

static void test_every_token(void **state)
{
	struct fixture *f = *state;
	expect_render(f, "{{contact.firstname}}", "Zoë", NULL);
	expect_render(f, "{{contact.lastname}}", "Ødegård", NULL);
	expect_render(f, "{{contact.company}}", "Acme Straße GmbH", NULL);
	expect_render(f, "{{contact.email}}", "zoe@acme.test", NULL);
	expect_render(f, "{{contact.timezone}}", "Europe/Berlin", NULL);
	expect_render(f, "{{contact.title}}", "Head of Ops", NULL);
	expect_render(f, "{{contact.TITLE}}", "Head of Ops", NULL);
	expect_render(f, "{{sender.firstname}}", "Ada", NULL);
	expect_render(f, "{{sender.lastname}}", "King Lovelace", NULL);
	expect_render(f, "{{sender.name}}", "Ada King Lovelace", NULL);
	expect_render(f, "{{sender.email}}", "ada@seller.test", NULL);
	expect_render(f, "{{sender.signature}}", "Ada\nseller.test", NULL);
	expect_render(f, "{{sender.meeting_link}}", "https://meet.seller.test/ada", NULL);
	expect_render(f, "Hi {{ contact.firstname }}, {{Sender.FirstName}} here.",
		      "Hi Zoë, Ada here.", NULL);
}

static void test_fallbacks(void **state)
{
	struct fixture *f = *state;
	expect_render(f, "Hi {{contact.firstname|there}}", "Hi Zoë", NULL);
	expect_render(f, "Hi {{contact.nickname|there}}!", "Hi there!", NULL);
	expect_render(f, "Hi {{ contact.nickname | du da drüben }}!", "Hi du da drüben!", NULL);
	/* A value of only spaces counts as missing. */
	expect_render(f, "in {{contact.city|your city}}", "in your city", NULL);
	/* An empty fallback renders nothing. */
	expect_render(f, "Hi{{contact.nickname|}}!", "Hi!", NULL);
	free(f->c.firstname);
	f->c.firstname = xstrdup("");
	expect_render(f, "Hi {{contact.firstname|there}}", "Hi there", NULL);
	expect_render(f, "Hi {{contact.firstname}}", NULL,
		      "no value for {{contact.firstname}} and no fallback");
}

static void test_missing(void **state)
{
	struct fixture *f = *state;
	struct tmpl_ctx empty = { NULL, NULL, NULL };
	struct sbuf out;
	struct cad_err err;
	expect_render(f, "{{contact.nickname}}", NULL, "no value for {{contact.nickname}}");
	expect_render(f, "{{sender.phone}}", NULL, "no value for {{sender.phone}}");
	free(f->u.name);
	f->u.name = xstrdup("Cher");
	expect_render(f, "{{sender.firstname}}", "Cher", NULL);
	expect_render(f, "{{sender.lastname|}}", "", NULL);
	expect_render(f, "{{sender.lastname}}", NULL, "no value for {{sender.lastname}}");
	/* No contact and no sender at all: fallbacks only. */
	sbuf_init(&out);
	assert_int_equal(tmpl_render("{{contact.firstname|there}} {{sender.name|us}}", &empty, &out,
				     &err), 0);
	assert_string_equal(out.s, "there us");
	assert_int_equal(tmpl_render("{{contact.firstname}}", &empty, &out, &err), -1);
	sbuf_free(&out);
}

static void test_utf8_passthrough(void **state)
{
	struct fixture *f = *state;
	expect_render(f, "Grüße, 你好 {{contact.firstname}} 👋 — {{contact.x|Ärger}}",
		      "Grüße, 你好 Zoë 👋 — Ärger", NULL);
	/* Single braces and closing braces outside tokens are plain text. */
	expect_render(f, "a {b} c }} d {", "a {b} c }} d {", NULL);
	expect_render(f, "", "", NULL);
}

static void test_syntax_errors(void **state)
{
	static const struct {
		const char *t;
		size_t off;
		const char *msg;
	} cases[] = {
		{ "Hi {{contact.firstname", 3, "unterminated '{{' at offset 3" },
		{ "ab {{foo.bar}}", 3, "unknown namespace 'foo'" },
		{ "{{firstname}}", 0, "not {{namespace.field}}" },
		{ "x{{ }}", 1, "empty token at offset 1" },
		{ "{{contact.}}", 0, "no field" },
		{ "{{contact.first name}}", 0, "bad character" },
		{ "{{contact.a {{contact.b}}", 12, "'{{' inside the token" },
		{ "{{ |x}}", 0, "empty token" },
	};
	size_t i, off;
	struct cad_err err;
	for (i = 0; i < CAD_ARRAY_LEN(cases); i++) {
		assert_int_equal(tmpl_validate_at(cases[i].t, &off, &err), -1);
		if (strstr(err.msg, cases[i].msg) == NULL)
			fail_msg("'%s': error '%s' lacks '%s'", cases[i].t, err.msg, cases[i].msg);
		assert_int_equal(off, cases[i].off);
		assert_int_equal(tmpl_validate(cases[i].t, &err), -1);
	}
	assert_int_equal(tmpl_validate_at("{{contact.x|y}} {{sender.email}}", &off, &err), 0);
	assert_int_equal(off, 0);
}

static void test_bounds(void **state)
{
	struct fixture *f = *state;
	struct sbuf t, out;
	struct cad_err err;
	size_t i;
	(void)f;
	sbuf_init(&t);
	sbuf_init(&out);
	/* A token longer than the bound. */
	sbuf_adds(&t, "{{contact.");
	for (i = 0; i < TMPL_MAX_TOKEN; i++)
		sbuf_addc(&t, 'a');
	sbuf_adds(&t, "}}");
	assert_int_equal(tmpl_validate(t.s, &err), -1);
	assert_non_null(strstr(err.msg, "longer than"));
	/* A template longer than the bound. */
	sbuf_reset(&t);
	for (i = 0; i <= TMPL_MAX_SIZE; i++)
		sbuf_addc(&t, 'x');
	assert_int_equal(tmpl_validate(t.s, &err), -1);
	/* Output bound: a long value repeated. */
	free(f->u.signature);
	f->u.signature = xmalloc(60001);
	memset(f->u.signature, 's', 60000);
	f->u.signature[60000] = '\0';
	sbuf_reset(&t);
	for (i = 0; i < 20; i++)
		sbuf_adds(&t, "{{sender.signature}}");
	assert_int_equal(tmpl_render(t.s, &f->ctx, &out, &err), -1);
	assert_non_null(strstr(err.msg, "longer than"));
	assert_int_equal(out.len, 0);
	sbuf_free(&t);
	sbuf_free(&out);
}

static void test_one_line(void **state)
{
	struct fixture *f = *state;
	struct sbuf out;
	struct cad_err err;
	sbuf_init(&out);
	contact_set_prop(&f->c, "evil", "x\r\nBcc: all@victim.test");
	assert_int_equal(tmpl_render_flags("Re: {{contact.evil}}", &f->ctx, TMPL_ONE_LINE, &out,
					   &err), 0);
	assert_string_equal(out.s, "Re: x  Bcc: all@victim.test");
	assert_null(strchr(out.s, '\n'));
	sbuf_free(&out);
}

struct seen {
	char buf[512];
};

static int collect(void *arg, const char *name, const char *fallback)
{
	struct seen *s = arg;
	size_t n = strlen(s->buf);
	snprintf(s->buf + n, sizeof(s->buf) - n, "[%s|%s]", name, fallback ? fallback : "(none)");
	return 0;
}

static int stop_at_sender(void *arg, const char *name, const char *fallback)
{
	(void)fallback;
	collect(arg, name, NULL);
	return strncmp(name, "sender.", 7) == 0 ? 7 : 0;
}

static void test_each_token(void **state)
{
	struct seen s = { "" };
	(void)state;
	assert_int_equal(tmpl_each_token("{{ contact.firstname | there }} {{sender.name}} "
					 "{{contact.x|}}", collect, &s), 0);
	assert_string_equal(s.buf, "[contact.firstname|there][sender.name|(none)][contact.x|]");
	s.buf[0] = '\0';
	assert_int_equal(tmpl_each_token("{{contact.a}}{{sender.b}}{{contact.c}}", stop_at_sender,
					 &s), 7);
	assert_string_equal(s.buf, "[contact.a|(none)][sender.b|(none)]");
	assert_int_equal(tmpl_each_token("{{contact.a}} {{oops", collect, &s), -1);
	assert_true(tmpl_token_known("contact.anything"));
	assert_true(tmpl_token_known("sender.meeting_link"));
	assert_false(tmpl_token_known("sender.phone"));
	assert_false(tmpl_token_known("other.x"));
}

static void test_check_sequence(void **state)
{
	struct fixture *f = *state;
	struct sequence q;
	struct step steps[2];
	struct cad_err err;
	memset(&q, 0, sizeof(q));
	memset(steps, 0, sizeof(steps));
	steps[0].index = 1;
	steps[0].kind = STEP_EMAIL;
	steps[0].subject = "Hello {{contact.company|there}}";
	steps[0].body = "Hi {{contact.firstname}}";
	steps[1].index = 2;
	steps[1].kind = STEP_CALL;
	steps[1].body = "Call {{contact.phone}}";
	q.steps = steps;
	q.nsteps = 2;
	assert_int_equal(tmpl_check_sequence(&q, &f->ctx, &err), -1);
	assert_string_equal(err.msg, "step 2 (call) note: no value for {{contact.phone}} and no "
			    "fallback");
	contact_set_prop(&f->c, "phone", "+49 30 1234");
	assert_int_equal(tmpl_check_sequence(&q, &f->ctx, &err), 0);
}

/* {{unsubscribe_url}}: the message's own link; without one it needs a
 * fallback, except when checking ahead of sending. */
static void test_unsubscribe_url(void **state)
{
	struct fixture *f = *state;
	struct sbuf out;
	struct cad_err err;
	struct sequence s;
	struct step st;

	sbuf_init(&out);
	f->ctx.unsubscribe_url = "https://cadence.seller.test/u/abc123";
	assert_int_equal(tmpl_render("Not for you? {{unsubscribe_url}}", &f->ctx, &out, &err), 0);
	assert_string_equal(out.s, "Not for you? https://cadence.seller.test/u/abc123");
	assert_int_equal(tmpl_render("{{ UNSUBSCRIBE_URL | x }}", &f->ctx, &out, &err), 0);
	assert_string_equal(out.s, "https://cadence.seller.test/u/abc123");
	f->ctx.unsubscribe_url = NULL;
	assert_int_equal(tmpl_render("{{unsubscribe_url}}", &f->ctx, &out, &err), -1);
	assert_non_null(strstr(err.msg, "{{unsubscribe_url}}"));
	assert_int_equal(tmpl_render("{{unsubscribe_url|reply STOP}}", &f->ctx, &out, &err), 0);
	assert_string_equal(out.s, "reply STOP");
	/* Only this one token goes without a namespace. */
	assert_int_equal(tmpl_validate("{{unsubscribe}}", &err), -1);
	assert_int_equal(tmpl_validate("{{unsubscribe_url.x}}", &err), -1);
	assert_int_equal(tmpl_token_known("unsubscribe_url"), 1);
	assert_int_equal(tmpl_token_known("unsubscribe"), 0);
	memset(&s, 0, sizeof(s));
	memset(&st, 0, sizeof(st));
	st.index = 1;
	st.kind = STEP_EMAIL;
	st.subject = (char *)"Hello";
	st.body = (char *)"Stop these: {{unsubscribe_url}}";
	s.steps = &st;
	s.nsteps = 1;
	assert_int_equal(tmpl_check_sequence(&s, &f->ctx, &err), 0);
	assert_null(f->ctx.unsubscribe_url);
	sbuf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fallbacks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_utf8_passthrough, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsubscribe_url, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
