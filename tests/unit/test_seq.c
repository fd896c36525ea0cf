/* SPDX-License-Identifier: BSD-2-Clause */
/* test_seq.c - unit tests for seq_parse.c: the happy path field by field,
 * every parse error with its file:line (table-driven), bounds, the shipped
 * example sequences, and files read from disk. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "seq.h"
#include "seq_int.h"

static int parse(const char *text, struct sequence *q, struct cad_err *err)
{
	err->msg[0] = '\0';
	return seq_parse_buffer("t.seq", text, strlen(text), q, err);
}

static const char full[] =
	"# a comment\n"                                              /* 1 */
	"[sequence]\n"                                               /* 2 */
	"name = CFO – Cold Outbound – Finance Team\n"                /* 3 */
	"owner = finance-sales@example.com\n"                        /* 4 */
	"description = Line one\n"                                   /* 5 */
	"  line two\n"                                               /* 6 */
	"days = weekdays\n"                                          /* 7 */
	"window = 22:00 – 06:30\n"                                   /* 8 */
	"timezone = America/New_York\n"                              /* 9 */
	"holidays = US, de-BY ,\n"                                   /* 10 */
	"threading = new\n"                                          /* 11 */
	"scope = company\n"                                          /* 12 */
	"out_of_office = ignore\n"                                   /* 13 */
	"stop_on_reply = yes\n"                                      /* 14 */
	"stop_on_meeting = off\n"                                    /* 15 */
	"\n"                                                         /* 16 */
	"[step 1]\n"                                                 /* 17 */
	"type = email\n"                                             /* 18 */
	"template = <<EOT\n"                                         /* 19 */
	"Subject: Hallo {{contact.firstname|zusammen}} – Grüße\r\n"  /* 20 */
	"\n"                                                         /* 21 */
	"Hi {{contact.firstname|there}},\n"                          /* 22 */
	"; not a comment inside a template\n"                        /* 23 */
	"[not a section] either\n"                                   /* 24 */
	"\n"                                                         /* 25 */
	"EOT\n"                                                      /* 26 */
	"\n"                                                         /* 27 */
	"[step]\n"                                                   /* 28 */
	"type = call\n"                                              /* 29 */
	"delay = 1d 4h\n"                                            /* 30 */
	"note = Call {{contact.firstname|them}} now\n"               /* 31 */
	"   and be nice\n"                                           /* 32 */
	"[step]\n"                                                   /* 33 */
	"type = email\n"                                             /* 34 */
	"delay = 3d\n"                                               /* 35 */
	"thread = previous\n"                                        /* 36 */
	"template = <<END\n"                                         /* 37 */
	"Subject: Re: hello\n"                                       /* 38 */
	"\n"                                                         /* 39 */
	"Body\n"                                                     /* 40 */
	"END\n"                                                      /* 41 */
	"[step]\n"                                                   /* 42 */
	"type = linkedin\n"                                          /* 43 */
	"delay = 30m\n"                                              /* 44 */
	"wait = no\n"                                                /* 45 */
	"[step]\n"                                                   /* 46 */
	"type = manual_email\n"                                      /* 47 */
	"delay = 2 days 3 hours\n"                                   /* 48 */
	"subject = Re: {{contact.company|your team}}\n"              /* 49 */
	"[step]\n"                                                   /* 50 */
	"type = email\n"                                             /* 51 */
	"delay = 2h\n"                                               /* 52 */
	"template = <<END\n"                                         /* 53 */
	"Subject: new thread\n"                                      /* 54 */
	"\n"                                                         /* 55 */
	"B\n"                                                        /* 56 */
	"END\n";                                                     /* 57 */

static void test_happy_path(void **state)
{
	struct sequence q;
	struct cad_err err;
	const struct step *s;
	(void)state;
	if (parse(full, &q, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(q.name, "CFO – Cold Outbound – Finance Team");
	assert_string_equal(q.owner, "finance-sales@example.com");
	assert_string_equal(q.description, "Line one\nline two");
	assert_int_equal(q.days, SEQ_DAYS_WEEKDAYS);
	assert_int_equal(q.window_start, 22 * 60);
	assert_int_equal(q.window_end, 6 * 60 + 30);
	assert_string_equal(q.tz, "America/New_York");
	assert_string_equal(q.holidays, "us,de-by");
	assert_int_equal(q.thread_default, 0);
	assert_int_equal(q.scope, SEQ_SCOPE_COMPANY);
	assert_int_equal(q.ooo, SEQ_OOO_IGNORE);
	assert_int_equal(q.unenroll_on_reply, 1);
	assert_int_equal(q.unenroll_on_meeting, 0);
	assert_int_equal(q.active, 1);
	assert_string_equal(q.source, "t.seq");
	assert_int_equal(q.nsteps, 6);

	s = &q.steps[0];
	assert_int_equal(s->index, 1);
	assert_int_equal(s->kind, STEP_EMAIL);
	assert_int_equal(s->line, 17);
	assert_int_equal(s->delay_days, 0);
	assert_int_equal(s->wait, 0);
	assert_int_equal(s->thread_step, 0);
	assert_string_equal(s->subject, "Hallo {{contact.firstname|zusammen}} – Grüße");
	assert_string_equal(s->body, "Hi {{contact.firstname|there}},\n; not a comment inside a "
			    "template\n[not a section] either\n");

	s = &q.steps[1];
	assert_int_equal(s->kind, STEP_CALL);
	assert_int_equal(s->line, 28);
	assert_int_equal(s->delay_days, 1);
	assert_int_equal(s->delay_minutes, 240);
	assert_int_equal(s->wait, 1);
	assert_null(s->subject);
	assert_string_equal(s->body, "Call {{contact.firstname|them}} now\nand be nice");

	s = &q.steps[2];
	assert_int_equal(s->kind, STEP_EMAIL);
	assert_int_equal(s->delay_days, 3);
	assert_int_equal(s->thread_step, 1);   /* previous email, across the call */
	assert_string_equal(s->subject, "Re: hello");
	assert_string_equal(s->body, "Body\n");

	s = &q.steps[3];
	assert_int_equal(s->kind, STEP_LINKEDIN);
	assert_int_equal(s->delay_days, 0);
	assert_int_equal(s->delay_minutes, 30);
	assert_int_equal(s->wait, 0);
	assert_null(s->body);

	s = &q.steps[4];
	assert_int_equal(s->kind, STEP_MANUAL_EMAIL);
	assert_int_equal(s->delay_days, 2);
	assert_int_equal(s->delay_minutes, 180);
	assert_string_equal(s->subject, "Re: {{contact.company|your team}}");

	s = &q.steps[5];
	assert_int_equal(s->thread_step, 0);   /* threading = new */
	assert_int_equal(s->delay_minutes, 120);
	sequence_free(&q);
}

static void test_defaults(void **state)
{
	struct sequence q;
	struct cad_err err;
	(void)state;
	if (parse("[sequence]\nname = x\n[step]\ntype = call\n[step]\ntype = email\n"
		  "template = <<X\nSubject: s\n\nb\nX\n[step]\ntype=email\ntemplate=<<X\n"
		  "Subject: t\n\nc\nX\n", &q, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(q.days, SEQ_DAYS_BUSINESS);
	assert_int_equal(q.window_start, 480);
	assert_int_equal(q.window_end, 1080);
	assert_null(q.tz);
	assert_null(q.holidays);
	assert_null(q.owner);
	assert_int_equal(q.thread_default, 1);
	assert_int_equal(q.scope, SEQ_SCOPE_CONTACT);
	assert_int_equal(q.ooo, SEQ_OOO_PAUSE);
	assert_int_equal(q.unenroll_on_reply, 1);
	assert_int_equal(q.unenroll_on_meeting, 1);
	assert_int_equal(q.steps[0].wait, 1);
	/* Step 2 is the first email: a new thread; step 3 continues it. */
	assert_int_equal(q.steps[1].thread_step, 0);
	assert_int_equal(q.steps[2].thread_step, 2);
	sequence_free(&q);
}

/* Prefix of a valid file; error cases append to it (it has 3 lines). */
#define HEAD "[sequence]\nname = n\nowner = o\n"
/* A valid email step of 6 lines. */
#define EMAIL "[step]\ntype = email\ntemplate = <<END\nSubject: s\n\nbody\nEND\n"

static const struct {
	const char *text;
	int line;            /* 0: the message has no line */
	const char *what;
} errors[] = {
	{ HEAD "[steps]\n", 4, "unknown section [steps]" },
	{ HEAD "[step]\ntype = call\nfoo = 1\n", 6, "unknown key 'foo' in [step]" },
	{ HEAD "colour = red\n" EMAIL, 4, "unknown key 'colour' in [sequence]" },
	{ "name = x\n[sequence]\n", 1, "outside a section" },
	{ HEAD "name = again\n" EMAIL, 4, "duplicate key 'name' (first set at line 2)" },
	{ HEAD EMAIL "delay = 1d\nDelay = 2d\n", 12, "duplicate key 'Delay'" },
	{ "[sequence]\nowner = o\n" EMAIL, 1, "[sequence] has no name" },
	{ "\n\n[sequence]\nowner = o\n" EMAIL, 3, "[sequence] has no name" },
	{ "# nothing\n" EMAIL, 1, "no [sequence] section" },
	{ HEAD, 1, "no [step] sections" },
	{ HEAD "[sequence]\n", 4, "second [sequence] section (the first is at line 1)" },
	{ HEAD "[step]\ntype = email\n", 4, "step 1 is an email without a template" },
	{ HEAD "[step]\ntype = email\ntemplate = hello\n", 6, "template must be a here-document" },
	{ HEAD "[step]\ntype = email\ntemplate = <<END\nHello\n\nbody\nEND\n", 7,
	  "must start with a 'Subject:' line" },
	{ HEAD "[step]\ntype = email\ntemplate = <<END\n\n\nSubject:   \n\nbody\nEND\n", 9,
	  "the Subject line is empty" },
	{ HEAD "[step]\ntype = email\ntemplate = <<END\nSubject: s\nFrom: me\n\nbody\nEND\n", 8,
	  "expected a blank line after the Subject line" },
	{ HEAD "[step]\ntype = email\ntemplate = <<END\nSubject: s\n\n\nEND\n", 8,
	  "template has no body" },
	{ HEAD "[step]\ntype = email\ntemplate = <<END\nEND\n", 6, "template is empty" },
	{ HEAD "[step]\ntype = email\ntemplate = <<END\nSubject: s\n\nHi\nthere {{contact.first\nEND\n",
	  10, "template: unterminated '{{'" },
	{ HEAD "[step]\ntype = email\ntemplate = <<END\nSubject: {{crm.x}}\n\nHi\nEND\n", 7,
	  "unknown namespace 'crm'" },
	{ HEAD "[step]\ntype = call\nnote = call {{ }}\n", 6, "note: empty token" },
	{ HEAD "[step]\ntype = manual_email\nsubject = {{contact.x\n", 6,
	  "subject: unterminated" },
	{ HEAD "[step]\ntype = email\ntemplate = <<END\nSubject: s\n\nbody\n", 6,
	  "here-document is not terminated by a line 'END'" },
	{ HEAD "[step]\ntype = email\ntemplate = <<END\nSubject: s\n\nbody\n END\nEND \n", 0, NULL },
	{ HEAD "[step]\ntype = fax\n", 5, "type must be email" },
	{ HEAD "[step]\ndelay = 1d\n", 4, "step 1 has no type" },
	{ HEAD "[step]\ntype = call\ndelay = 3\n", 6, "bad delay '3'" },
	{ HEAD "[step]\ntype = call\ndelay = 1d 2d\n", 6, "bad delay" },
	{ HEAD "[step]\ntype = call\ndelay = 400d\n", 6, "bad delay" },
	{ HEAD "[step]\ntype = call\ndelay = 3w\n", 6, "bad delay" },
	{ HEAD "[step]\ntype = call\ndelay = -1d\n", 6, "bad delay" },
	{ HEAD "[step]\ntype = call\nwait = maybe\n", 6, "wait must be yes or no" },
	{ HEAD EMAIL "wait = yes\n", 11, "wait is for task steps only" },
	{ HEAD EMAIL "note = hi\n", 11, "note is for task steps" },
	{ HEAD EMAIL "subject = hi\n", 11, "Subject is the first line of its template" },
	{ HEAD "[step]\ntype = call\ntemplate = <<END\nSubject: s\n\nb\nEND\n", 6,
	  "template is for email steps" },
	{ HEAD "[step]\ntype = call\nthread = new\n", 6, "thread is for email steps only" },
	{ HEAD "[step]\ntype = call\nsubject = x\n", 6, "subject is for manual_email steps" },
	{ HEAD EMAIL EMAIL "thread = 3\n", 18, "thread = 3 points at a later step" },
	{ HEAD EMAIL EMAIL "thread = 2\n", 18, "thread = 2 points at this step" },
	{ HEAD "[step]\ntype = call\n" EMAIL "thread = 1\n", 13,
	  "thread = 1 points at a call step, not an email" },
	{ HEAD "[step]\ntype = call\n" EMAIL "thread = previous\n", 13,
	  "no earlier step is an email" },
	{ HEAD EMAIL "thread = previous\n", 11, "no earlier step is an email" },
	{ HEAD EMAIL EMAIL "thread = sometimes\n", 18, "thread must be previous, new or a step" },
	{ HEAD EMAIL EMAIL "thread = 0\n", 18, "thread must be previous, new or a step" },
	{ HEAD "window = 25:00-18:00\n" EMAIL, 4, "bad window '25:00-18:00'" },
	{ HEAD "window = 08:00-24:30\n" EMAIL, 4, "bad window" },
	{ HEAD "window = 08:60-18:00\n" EMAIL, 4, "bad window" },
	{ HEAD "window = 08:00-08:00\n" EMAIL, 4, "bad window" },
	{ HEAD "window = 8-18\n" EMAIL, 4, "bad window" },
	{ HEAD "window = 08:00-18:00 UTC\n" EMAIL, 4, "bad window" },
	{ HEAD "days = sometimes\n" EMAIL, 4, "days must be business, weekdays or every" },
	{ HEAD "timezone = ../etc/passwd\n" EMAIL, 4, "timezone must be 'recipient'" },
	{ HEAD "timezone = Europe//Berlin\n" EMAIL, 4, "timezone must be" },
	{ HEAD "holidays = us, d e\n" EMAIL, 4, "holidays must be" },
	{ HEAD "threading = maybe\n" EMAIL, 4, "threading must be thread or new" },
	{ HEAD "scope = world\n" EMAIL, 4, "scope must be contact or company" },
	{ HEAD "out_of_office = panic\n" EMAIL, 4, "out_of_office must be pause or ignore" },
	{ HEAD "stop_on_reply = perhaps\n" EMAIL, 4, "stop_on_reply must be yes or no" },
	{ HEAD "stop_on_meeting = 2\n" EMAIL, 4, "stop_on_meeting must be yes or no" },
	{ "[sequence]\nname =\n" EMAIL, 2, "name is empty" },
	{ HEAD "owner2 = x\n" EMAIL, 4, "unknown key 'owner2'" },
	{ HEAD "[step 2]\ntype = call\n", 4, "[step 2] is out of order: this is step 1" },
	{ HEAD EMAIL "[step 3]\ntype = call\n", 11, "[step 3] is out of order: this is step 2" },
	{ HEAD "[step one]\ntype = call\n", 4, "bad section name [step one]" },
	{ HEAD "[step\ntype = call\n", 4, "section header without ']'" },
	{ HEAD "just words\n" EMAIL, 4, "expected 'key = value'" },
	{ HEAD "description = a\n  b\nowner2 = x\n", 6, "unknown key" },
	{ HEAD EMAIL "  delay = 1d\n", 11, "reads as a continuation of the previous key" },
	{ HEAD "[step]\ntype = call\nnote = <<END\nhi\nEND\n  more\n", 9, "continuation" },
	{ HEAD "window = <<END\n09:00-17:00\nEND\n" EMAIL, 4, "window does not take a here-document" },
	{ HEAD "description = <<END ; comment\n" EMAIL, 4, "a here-document starts with" },
	{ HEAD "description = ok\n\x01\xff\n" EMAIL, 5, "invalid UTF-8" },
	{ HEAD "description = \xc0\xaf\n" EMAIL, 4, "invalid UTF-8" },
	{ HEAD "description = \xed\xa0\x80\n" EMAIL, 4, "invalid UTF-8" },
};

static void test_errors(void **state)
{
	size_t i;
	(void)state;
	for (i = 0; i < CAD_ARRAY_LEN(errors); i++) {
		struct sequence q;
		struct cad_err err;
		char want[64];
		int rc = parse(errors[i].text, &q, &err);
		if (errors[i].what == NULL) {   /* a case that must parse */
			if (rc != 0)
				fail_msg("case %zu: %s", i, err.msg);
			sequence_free(&q);
			continue;
		}
		if (rc == 0)
			fail_msg("case %zu parsed, expected '%s'", i, errors[i].what);
		assert_int_equal(rc, -1);
		assert_null(q.name);
		assert_null(q.steps);
		assert_int_equal(q.nsteps, 0);
		if (errors[i].line)
			snprintf(want, sizeof(want), "t.seq:%d: ", errors[i].line);
		else
			snprintf(want, sizeof(want), "t.seq: ");
		if (strncmp(err.msg, want, strlen(want)) != 0 || strstr(err.msg, errors[i].what) == NULL)
			fail_msg("case %zu: got '%s', want '%s...%s'", i, err.msg, want, errors[i].what);
	}
}

static void test_nul_and_long_lines(void **state)
{
	static const char with_nul[] = HEAD "description = a\0b\n" EMAIL;
	struct sequence q;
	struct cad_err err;
	struct sbuf b;
	int i;
	(void)state;
	assert_int_equal(seq_parse_buffer("t.seq", with_nul, sizeof(with_nul) - 1, &q, &err), -1);
	assert_string_equal(err.msg, "t.seq:4: NUL byte in the file");

	sbuf_init(&b);
	sbuf_adds(&b, HEAD "description = ");
	for (i = 0; i < 190; i++)
		sbuf_addc(&b, 'x');
	sbuf_adds(&b, "\n" EMAIL);
	assert_int_equal(parse(b.s, &q, &err), -1);
	assert_non_null(strstr(err.msg, "t.seq:4: line is longer than 198 bytes"));

	/* Long lines are fine inside a here-document. */
	sbuf_reset(&b);
	sbuf_adds(&b, HEAD "[step]\ntype = email\ntemplate = <<END\nSubject: s\n\n");
	for (i = 0; i < 1000; i++)
		sbuf_addc(&b, 'y');
	sbuf_adds(&b, "\nEND\n");
	if (parse(b.s, &q, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(strlen(q.steps[0].body), 1001);
	sequence_free(&q);
	sbuf_free(&b);
}

static void test_bounds(void **state)
{
	struct sequence q;
	struct cad_err err;
	struct sbuf b;
	int i;
	(void)state;
	/* More than 1 MiB. */
	sbuf_init(&b);
	sbuf_adds(&b, HEAD EMAIL);
	while (b.len <= 1024 * 1024)
		sbuf_adds(&b, "# padding padding padding padding padding padding padding\n");
	assert_int_equal(parse(b.s, &q, &err), -1);
	assert_string_equal(err.msg, "t.seq: file is larger than 1048576 bytes");
	/* More than 50 steps. */
	sbuf_reset(&b);
	sbuf_adds(&b, HEAD);
	for (i = 0; i < 51; i++)
		sbuf_adds(&b, "[step]\ntype = task\n");
	assert_int_equal(parse(b.s, &q, &err), -1);
	assert_non_null(strstr(err.msg, "t.seq:104: more than 50 steps"));
	sbuf_free(&b);
}

static void test_bom_crlf(void **state)
{
	struct sequence q;
	struct cad_err err;
	(void)state;
	if (parse("\xef\xbb\xbf[sequence]\r\nname = x\r\n[step]\r\ntype = email\r\n"
		  "template = <<END\r\nSubject: s\r\n\r\nbody\r\nEND\r\n", &q, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(q.name, "x");
	assert_string_equal(q.steps[0].subject, "s");
	assert_string_equal(q.steps[0].body, "body\n");
	sequence_free(&q);
	/* Line numbers stay true after a here-document. */
	assert_int_equal(parse("[sequence]\r\nname = x\r\n[step]\r\ntype = email\r\n"
			       "template = <<END\r\nSubject: s\r\n\r\nbody\r\nEND\r\nbad = 1\r\n",
			       &q, &err), -1);
	assert_string_equal(err.msg, "t.seq:10: unknown key 'bad' in [step]");
}

static void test_file(void **state)
{
	char path[] = "/tmp/test_seq_XXXXXX";
	struct sequence q;
	struct cad_err err;
	int fd;
	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, full, sizeof(full) - 1), (ssize_t)(sizeof(full) - 1));
	close(fd);
	if (seq_parse_file(path, &q, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(q.source, path);
	assert_int_equal(q.nsteps, 6);
	sequence_free(&q);
	unlink(path);
	assert_int_equal(seq_parse_file(path, &q, &err), -1);
	assert_non_null(strstr(err.msg, "No such file"));
	assert_null(q.name);
}

static void test_values(void **state)
{
	static const struct {
		const char *v;
		int ok, start, end;
	} windows[] = {
		{ "08:00-18:00", 1, 480, 1080 }, { "8:00 - 17:30", 1, 480, 1050 },
		{ "09:15\xe2\x80\x93" "17:45", 1, 555, 1065 }, { "22:00-06:00", 1, 1320, 360 },
		{ "00:00-24:00", 1, 0, 1440 }, { "23:59-00:00", 1, 1439, 0 },
		{ "24:00-08:00", 0, 0, 0 }, { "25:00-18:00", 0, 0, 0 }, { "08:00-18:0", 0, 0, 0 },
		{ "08:00", 0, 0, 0 }, { "08:00-08:00", 0, 0, 0 }, { "080:00-09:00", 0, 0, 0 },
		{ "", 0, 0, 0 }, { "-", 0, 0, 0 }, { "08:00--09:00", 0, 0, 0 },
	};
	static const struct {
		const char *v;
		int ok, days, minutes;
	} delays[] = {
		{ "0", 1, 0, 0 }, { "3d", 1, 3, 0 }, { "2h", 1, 0, 120 }, { "30m", 1, 0, 30 },
		{ "1d 4h", 1, 1, 240 }, { "1d4h30m", 1, 1, 270 }, { "2 days 3 hours", 1, 2, 180 },
		{ "1 day", 1, 1, 0 }, { "45 minutes", 1, 0, 45 }, { "365d", 1, 365, 0 },
		{ "0d", 1, 0, 0 }, { "366d", 0, 0, 0 }, { "3", 0, 0, 0 }, { "d", 0, 0, 0 },
		{ "3x", 0, 0, 0 }, { "1d 1d", 0, 0, 0 }, { "", 0, 0, 0 }, { "-2d", 0, 0, 0 },
		{ "99999999999d", 0, 0, 0 }, { "8760h", 1, 0, 8760 * 60 }, { "8761h", 0, 0, 0 },
	};
	static const struct {
		const char *z;
		int ok;
	} zones[] = {
		{ "Europe/Berlin", 1 }, { "UTC", 1 }, { "Etc/GMT+5", 1 },
		{ "America/Argentina/Buenos_Aires", 1 }, { "America/Port-au-Prince", 1 },
		{ "../etc/shadow", 0 }, { "/etc/passwd", 0 }, { "Europe/", 0 }, { "", 0 },
		{ "Europe Berlin", 0 }, { "a/./b", 0 },
	};
	size_t i;
	char *h = NULL;
	(void)state;
	for (i = 0; i < CAD_ARRAY_LEN(windows); i++) {
		int a = -1, b = -1;
		int rc = seq_value_window(windows[i].v, &a, &b);
		if ((rc == 0) != windows[i].ok)
			fail_msg("window '%s': rc %d", windows[i].v, rc);
		if (rc == 0 && (a != windows[i].start || b != windows[i].end))
			fail_msg("window '%s': %d-%d", windows[i].v, a, b);
	}
	for (i = 0; i < CAD_ARRAY_LEN(delays); i++) {
		int d = -1, m = -1;
		int rc = seq_value_delay(delays[i].v, &d, &m);
		if ((rc == 0) != delays[i].ok)
			fail_msg("delay '%s': rc %d", delays[i].v, rc);
		if (rc == 0 && (d != delays[i].days || m != delays[i].minutes))
			fail_msg("delay '%s': %d days %d minutes", delays[i].v, d, m);
	}
	for (i = 0; i < CAD_ARRAY_LEN(zones); i++)
		if (seq_value_zone_ok(zones[i].z) != zones[i].ok)
			fail_msg("zone '%s'", zones[i].z);
	assert_int_equal(seq_value_holidays(" US , de-BY,,x_1 ", &h), 0);
	assert_string_equal(h, "us,de-by,x_1");
	free(h);
	assert_int_equal(seq_value_holidays("None", &h), 0);
	assert_null(h);
	assert_int_equal(seq_value_holidays(" , ", &h), 0);
	assert_null(h);
	assert_int_equal(seq_value_holidays("us;de", &h), -1);
	assert_int_equal(seq_value_holidays("abcdefghijabcdefghijabcdefghijabc", &h), -1);
}

static void test_shipped_sequences(void **state)
{
	static const struct {
		const char *file;
		size_t nsteps;
		int days;
		enum step_kind kinds[8];
	} shipped[] = {
		{ "cold-outbound.seq", 8, 14,
		  { STEP_EMAIL, STEP_CALL, STEP_MANUAL_EMAIL, STEP_LINKEDIN, STEP_EMAIL, STEP_CALL,
		    STEP_MANUAL_EMAIL, STEP_EMAIL } },
		{ "inbound-follow-up.seq", 5, 7,
		  { STEP_EMAIL, STEP_CALL, STEP_EMAIL, STEP_CALL, STEP_EMAIL } },
		{ "reactivation.seq", 3, 10, { STEP_MANUAL_EMAIL, STEP_CALL, STEP_EMAIL } },
	};
	const char *srcdir = getenv("CADENCE_SRCDIR");
	size_t i, k;
	(void)state;
	if (srcdir == NULL)
		srcdir = ".";
	for (i = 0; i < CAD_ARRAY_LEN(shipped); i++) {
		struct sequence q;
		struct cad_err err;
		struct lint_item *items;
		size_t n;
		int days = 0;
		char path[4096];
		struct lint_facts facts = { 1 };
		snprintf(path, sizeof(path), "%s/contrib/sequences/%s", srcdir, shipped[i].file);
		if (seq_parse_file(path, &q, &err) != 0)
			fail_msg("%s", err.msg);
		assert_int_equal(q.nsteps, shipped[i].nsteps);
		assert_int_equal(q.days, SEQ_DAYS_BUSINESS);
		for (k = 0; k < q.nsteps; k++) {
			assert_int_equal(q.steps[k].kind, shipped[i].kinds[k]);
			days += q.steps[k].delay_days;
		}
		assert_int_equal(days, shipped[i].days);
		/* Lint clean: nothing but passes. */
		assert_int_equal(seq_lint(&q, &facts, &items, &n), 0);
		for (k = 0; k < n; k++)
			if (items[k].level != LINT_PASS)
				fail_msg("%s: %s %s: %s", shipped[i].file, lint_level_name(items[k].level),
					 items[k].check, items[k].detail);
		seq_lint_free(items, n);
		sequence_free(&q);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_happy_path),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nul_and_long_lines),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_bom_crlf),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_shipped_sequences),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
