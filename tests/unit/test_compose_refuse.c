/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_compose_refuse.c - unit tests for what compose.c refuses: header
 * injection through every field, and bad inputs (addresses, Message-IDs,
 * invalid UTF-8, control characters, bare carriage returns, unsafe URLs,
 * dates, extra headers cadence writes itself), each with the field named
 * and nothing written.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <gmime/gmime.h>

#include "compose.h"
#include "compose_fixture.h"

static void assert_refused(const struct compose_in *in, const char *field)
{
	struct sbuf out;
	struct cad_err err;
	sbuf_init(&out);
	err.msg[0] = '\0';
	assert_int_equal(compose_message(in, &out, &err), -1);
	assert_int_equal(out.len, 0);
	if (strstr(err.msg, field) == NULL)
		fail_msg("error \"%s\" does not name \"%s\"", err.msg, field);
	sbuf_free(&out);
}

static void test_injection_refused(void **state)
{
	static const char *const evil[] = {
		"x\r\nBcc: victim@evil.test", "x\nBcc: victim@evil.test", "x\rBcc: y",
	};
	struct compose_header extra[1];
	struct compose_in in;
	const char *bad_refs[1];
	size_t i;
	(void)state;

	for (i = 0; i < CAD_ARRAY_LEN(evil); i++) {
		in = cpx_input();
		in.subject = evil[i];
		assert_refused(&in, "subject: contains a line break");
		in = cpx_input();
		in.from_name = evil[i];
		assert_refused(&in, "from name");
		in = cpx_input();
		in.to_name = evil[i];
		assert_refused(&in, "to name");
		in = cpx_input();
		in.from_addr = evil[i];
		assert_refused(&in, "from address");
		in = cpx_input();
		in.to_addr = evil[i];
		assert_refused(&in, "to address");
		in = cpx_input();
		in.message_id = evil[i];
		assert_refused(&in, "message-id");
		in = cpx_input();
		in.in_reply_to = evil[i];
		assert_refused(&in, "in-reply-to");
		in = cpx_input();
		bad_refs[0] = evil[i];
		in.references = bad_refs;
		in.nreferences = 1;
		assert_refused(&in, "references[0]");
		in = cpx_input();
		in.unsub_mailto = evil[i];
		assert_refused(&in, "list-unsubscribe mailto");
		in = cpx_input();
		in.unsub_url = evil[i];
		assert_refused(&in, "list-unsubscribe url");
		in = cpx_input();
		extra[0].name = "X-Note";
		extra[0].value = evil[i];
		in.extra = extra;
		in.nextra = 1;
		assert_refused(&in, "extra header X-Note");
		in = cpx_input();
		extra[0].name = evil[i];
		extra[0].value = "v";
		in.extra = extra;
		in.nextra = 1;
		assert_refused(&in, "extra header");
	}
}

static void test_bad_inputs_refused(void **state)
{
	struct compose_header extra[1];
	struct compose_in in;
	(void)state;

	in = cpx_input();
	in.to_addr = "not an address";
	assert_refused(&in, "to address");
	in = cpx_input();
	in.to_addr = "Jo <jo@acme.test>";
	assert_refused(&in, "to address");
	in = cpx_input();
	in.from_addr = NULL;
	assert_refused(&in, "from address: missing");
	in = cpx_input();
	in.message_id = "<x@y>";
	assert_refused(&in, "message-id");
	in = cpx_input();
	in.message_id = "no-at-sign";
	assert_refused(&in, "message-id");
	in = cpx_input();
	in.subject = "bad \xc3\x28 utf-8";
	assert_refused(&in, "subject: not valid UTF-8");
	in = cpx_input();
	in.subject = "tab\tis fine but bell\a is not";
	assert_refused(&in, "subject: contains control character 0x07");
	in = cpx_input();
	in.body = "bad \xff body";
	assert_refused(&in, "body: not valid UTF-8");
	in = cpx_input();
	in.body = "line one\nline two\rhidden";
	assert_refused(&in, "body line 2: bare carriage return");
	in = cpx_input();
	in.unsub_url = "javascript:alert(1)";
	assert_refused(&in, "list-unsubscribe url");
	in = cpx_input();
	in.tz_offset_minutes = 24 * 60;
	assert_refused(&in, "date");
	in = cpx_input();
	in.date = -1;
	assert_refused(&in, "date");
	in = cpx_input();
	extra[0].name = "subject";
	extra[0].value = "second subject";
	in.extra = extra;
	in.nextra = 1;
	assert_refused(&in, "extra header subject: written by cadence itself");
	extra[0].name = "Content-Transfer-Encoding";
	assert_refused(&in, "extra header Content-Transfer-Encoding");
	extra[0].name = "X-Colon:";
	assert_refused(&in, "extra header: bad character in name");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_injection_refused),
		cmocka_unit_test(test_bad_inputs_refused),
	};
	g_mime_init();
	return cmocka_run_group_tests_name("compose_refuse", tests, NULL, NULL);
}
