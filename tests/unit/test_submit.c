/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_submit.c - scheduler/submit.c against a real SMTP server on
 * loopback: Postfix's smtp-sink, started by the test on a free 127.0.0.1
 * port, dumping what it receives to a private directory, and told to
 * answer 4xx/5xx or to stall at chosen commands. A message composed by
 * compose.c goes through and is compared byte for byte with the dump.
 *
 * Each sink runs under timeout(1) with a parent-death signal, so it dies
 * with the test even when the test crashes; teardown kills it otherwise.
 * Skipped (exit 77) when smtp-sink is not installed ($SMTP_SINK overrides).
 * Also the pure parts (queue ids, reply classes, local refusals) and a
 * refused connection. What smtp-sink cannot do (the reply to the final dot
 * lost, one of two recipients refused): test_submit_fake.c.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "compose.h"
#include "submit.h"
#include "submit_fixture.h"

static const char *sink_path;

/* Starts smtp-sink with the given extra options (NULL-terminated). */
static int sink_start(const char *const *extra)
{
	const char *argv[32];
	char dump[96], listen[32];
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int argc = 0, i;

	snprintf(subfx_sink.dir, sizeof(subfx_sink.dir), "/tmp/cadence-test-submit-XXXXXX");
	if (mkdtemp(subfx_sink.dir) == NULL)
		return -1;
	subfx_sink.port = subfx_free_port();
	snprintf(subfx_sink.url, sizeof(subfx_sink.url), "smtp://127.0.0.1:%d", subfx_sink.port);
	snprintf(dump, sizeof(dump), "%s/msg.", subfx_sink.dir);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", subfx_sink.port);
	argv[argc++] = "timeout";
	argv[argc++] = "60";          /* a hard bound on the sink's life */
	argv[argc++] = sink_path;
	argv[argc++] = "-4";
	if (geteuid() == 0) {
		/* smtp-sink refuses to run as root; the dump dir must let it write. */
		argv[argc++] = "-u";
		argv[argc++] = "nobody";
		chmod(subfx_sink.dir, 0777);
	}
	argv[argc++] = "-d";
	argv[argc++] = dump;
	for (i = 0; extra != NULL && extra[i] != NULL; i++)
		argv[argc++] = extra[i];
	argv[argc++] = listen;
	argv[argc++] = "10";
	argv[argc] = NULL;

	subfx_sink.pid = fork();
	if (subfx_sink.pid < 0) {
		subfx_sink.pid = 0;
		subfx_stop(NULL);
		return -1;
	}
	if (subfx_sink.pid == 0) {
#ifdef __linux__
		prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	for (i = 0; i < 500; i++) {       /* up to 10 s for it to listen */
		if (subfx_can_connect(subfx_sink.port))
			return 0;
		if (waitpid(subfx_sink.pid, NULL, WNOHANG) == subfx_sink.pid) {
			subfx_sink.pid = 0;
			subfx_stop(NULL);
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	subfx_stop(NULL);   /* cmocka runs no teardown when setup fails */
	return -1;
}

static int setup_plain(void **state)
{
	(void)state;
	return sink_start(NULL);
}

#define SETUP(name, ...) \
	static int name(void **state) \
	{ \
		static const char *const args[] = { __VA_ARGS__, NULL }; \
		(void)state; \
		return sink_start(args); \
	}
SETUP(setup_rcpt_4xx, "-r", "RCPT")
SETUP(setup_eod_5xx, "-f", ".", "-B", "554 5.7.1 Message rejected by policy")
SETUP(setup_mail_5xx, "-f", "MAIL")
SETUP(setup_greeting_421, "-Q", "CONNECT")
SETUP(setup_greeting_5xx, "-f", "CONNECT")
SETUP(setup_eod_stall, "-W", ".:5")

/* The dumped messages, in no particular order. */
static size_t read_dumps(char **out, size_t max)
{
	DIR *d = opendir(subfx_sink.dir);
	struct dirent *de;
	size_t n = 0;
	char *path;
	FILE *f;
	struct sbuf b;
	char buf[4096];
	size_t got;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "msg.", 4) != 0)
			continue;
		assert_true(n < max);
		path = xasprintf("%s/%s", subfx_sink.dir, de->d_name);
		f = fopen(path, "r");
		if (f == NULL && errno == ENOENT) {
			/* smtp-sink removes the dump of an aborted transaction
			 * (a refused RCPT): it may vanish between readdir and open. */
			free(path);
			continue;
		}
		assert_non_null(f);
		sbuf_init(&b);
		while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
			sbuf_add(&b, buf, got);
		fclose(f);
		free(path);
		out[n++] = sbuf_detach(&b);
		sbuf_free(&b);
	}
	closedir(d);
	return n;
}

static char *crlf_to_lf(const char *s)
{
	char *out = xstrdup(s), *dst = out;
	for (; *s != '\0'; s++)
		if (!(s[0] == '\r' && s[1] == '\n'))
			*dst++ = *s;
	*dst = '\0';
	return out;
}

static void test_accepted(void **state)
{
	struct sbuf m1, m2;
	struct submit_result r;
	char verp1[128], verp2[128], *dumps[4], *want, *args;
	size_t n, i;
	int found1 = 0, found2 = 0;
	(void)state;

	subfx_message(&m1, verp1, "First touch");
	subfx_message(&m2, verp2, "Second touch");
	submit_message(subfx_sink.url, verp1, "john@acme.test", m1.s, m1.len, NULL, &r);
	assert_int_equal(r.status, SUBMIT_ACCEPTED);
	assert_int_equal(r.code, 250);
	assert_int_equal(r.stage, SUBMIT_STAGE_END_OF_DATA);
	assert_string_equal(r.reply, "end of data: 250 2.0.0 Ok");
	assert_null(r.queue_id);    /* smtp-sink names no queue id; Postfix does */
	submit_result_free(&r);
	submit_message(subfx_sink.url, verp2, "john@acme.test", m2.s, m2.len, NULL, &r);
	assert_int_equal(r.status, SUBMIT_ACCEPTED);
	submit_result_free(&r);

	n = read_dumps(dumps, 4);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		assert_non_null(strstr(dumps[i], "X-Rcpt-Args: <john@acme.test>\n"));
		/* The message arrived byte for byte (the dump has LF line ends),
		 * dot-stuffed lines restored by the receiver. */
		want = crlf_to_lf(m1.s);
		args = xasprintf("X-Mail-Args: <%s>", verp1);
		if (strstr(dumps[i], want) != NULL && strstr(dumps[i], args) != NULL)
			found1++;
		free(want);
		free(args);
		want = crlf_to_lf(m2.s);
		args = xasprintf("X-Mail-Args: <%s>", verp2);
		if (strstr(dumps[i], want) != NULL && strstr(dumps[i], args) != NULL)
			found2++;
		free(want);
		free(args);
		assert_non_null(strstr(dumps[i], "\n.leading dot must survive\n..two dots too\n.\n"));
		free(dumps[i]);
	}
	assert_int_equal(found1, 1);
	assert_int_equal(found2, 1);
	sbuf_free(&m1);
	sbuf_free(&m2);
}

/* No message content reached the sink (it may log an aborted transaction). */
static void assert_nothing_received(void)
{
	char *dumps[2];
	size_t i, n = read_dumps(dumps, 2);
	for (i = 0; i < n; i++) {
		assert_null(strstr(dumps[i], "Message-Id:"));
		free(dumps[i]);
	}
}

static void test_rcpt_tempfail(void **state)
{
	struct submit_result r;
	(void)state;
	subfx_submit_one(&r, NULL);
	assert_int_equal(r.status, SUBMIT_TEMPFAIL);
	assert_int_equal(r.code, 450);
	assert_int_equal(r.stage, SUBMIT_STAGE_RCPT);
	assert_string_equal(r.reply, "RCPT: 450 4.3.0 Error: command failed");
	assert_null(r.queue_id);
	submit_result_free(&r);
	assert_nothing_received();
}

static void test_end_of_data_permfail(void **state)
{
	struct submit_result r;
	(void)state;
	subfx_submit_one(&r, NULL);
	assert_int_equal(r.status, SUBMIT_PERMFAIL);
	assert_int_equal(r.code, 554);
	assert_int_equal(r.stage, SUBMIT_STAGE_END_OF_DATA);
	assert_string_equal(r.reply, "end of data: 554 5.7.1 Message rejected by policy");
	submit_result_free(&r);
}

static void test_mail_permfail(void **state)
{
	struct submit_result r;
	(void)state;
	subfx_submit_one(&r, NULL);
	assert_int_equal(r.status, SUBMIT_PERMFAIL);
	assert_int_equal(r.code, 500);
	assert_int_equal(r.stage, SUBMIT_STAGE_MAIL);
	assert_string_equal(r.reply, "MAIL: 500 5.3.0 Error: command failed");
	submit_result_free(&r);
	assert_nothing_received();
}

static void test_greeting_421(void **state)
{
	struct submit_result r;
	(void)state;
	subfx_submit_one(&r, NULL);
	assert_int_equal(r.status, SUBMIT_TEMPFAIL);
	assert_int_equal(r.code, 421);
	assert_int_equal(r.stage, SUBMIT_STAGE_CONNECT);
	assert_non_null(strstr(r.reply, "greeting: 421"));
	submit_result_free(&r);
}

static void test_greeting_5xx_is_temporary(void **state)
{
	struct submit_result r;
	(void)state;
	/* A server that will not talk to us says nothing about the message:
	 * retry rather than fail every due step. */
	subfx_submit_one(&r, NULL);
	assert_int_equal(r.status, SUBMIT_TEMPFAIL);
	assert_int_equal(r.code / 100, 5);
	assert_int_equal(r.stage, SUBMIT_STAGE_CONNECT);
	submit_result_free(&r);
}

static void test_end_of_data_timeout(void **state)
{
	struct submit_opts opts = { 2000, 1000, NULL };
	struct submit_result r;
	(void)state;
	/* The sink holds its answer to "." for 5 s; we give up after 1 s:
	 * temporary, and flagged as the ambiguous stage. */
	subfx_submit_one(&r, &opts);
	assert_int_equal(r.status, SUBMIT_TEMPFAIL);
	assert_int_equal(r.stage, SUBMIT_STAGE_END_OF_DATA);
	/* No reply came: code 0 (not the 354 libcurl last read), as promised. */
	assert_int_equal(r.code, 0);
	assert_non_null(r.reply);
	assert_non_null(strstr(r.reply, "end of data: "));
	submit_result_free(&r);
}

static void test_connection_refused(void **state)
{
	struct submit_result r;
	struct sbuf m;
	char verp[128], *url;
	(void)state;
	subfx_message(&m, verp, "Hello");
	url = xasprintf("smtp://127.0.0.1:%d", subfx_free_port());
	submit_message(url, verp, "john@acme.test", m.s, m.len, NULL, &r);
	assert_int_equal(r.status, SUBMIT_TEMPFAIL);
	assert_int_equal(r.code, 0);
	assert_int_equal(r.stage, SUBMIT_STAGE_CONNECT);
	assert_non_null(r.reply);
	assert_true(strlen(r.reply) > strlen("greeting: "));
	submit_result_free(&r);
	free(url);
	sbuf_free(&m);
}

static void test_local_refusals(void **state)
{
	struct submit_result r;
	const char *msg = "Subject: x\r\n\r\nx\r\n";
	(void)state;
	submit_message("smtp://127.0.0.1:9", "a@b.example", "x@y.example\r\nRCPT TO:<evil@z.example>",
	    msg, strlen(msg), NULL, &r);
	assert_int_equal(r.status, SUBMIT_PERMFAIL);
	assert_int_equal(r.stage, SUBMIT_STAGE_NONE);
	assert_non_null(strstr(r.reply, "bad recipient"));
	assert_null(strchr(r.reply, '\r'));
	submit_result_free(&r);
	submit_message("smtp://127.0.0.1:9", "<a@b.example>", "x@y.example", msg, strlen(msg),
	    NULL, &r);
	assert_int_equal(r.status, SUBMIT_PERMFAIL);
	assert_non_null(strstr(r.reply, "bad envelope sender"));
	submit_result_free(&r);
	submit_message("http://127.0.0.1:9/", "a@b.example", "x@y.example", msg, strlen(msg),
	    NULL, &r);
	assert_int_equal(r.status, SUBMIT_TEMPFAIL);
	assert_non_null(strstr(r.reply, "SubmitURL"));
	submit_result_free(&r);
}

static void test_queue_id(void **state)
{
	static const char *const cases[][2] = {
		{ "end of data: 250 2.0.0 Ok: queued as 4ABC12DEF0", "4ABC12DEF0" },
		{ "250 2.0.0 Ok: queued as 4Ywl7n1Hq3z9mPlb", "4Ywl7n1Hq3z9mPlb" },
		{ "250 OK id=1qAbcD-0001Ab-Xy", "1qAbcD-0001Ab-Xy" },
		{ "250 2.0.0 Ok", NULL },
		{ "250 2.0.0 msgid=abc accepted", NULL },
		{ "250 queued as ", NULL },
		/* Sendmail, OpenSMTPD: the word before the phrase */
		{ "250 2.0.0 0B7C1a2b012345 Message accepted for delivery", "0B7C1a2b012345" },
		{ "end of data: 250 2.0.0 5c1e7a2b Message accepted for delivery", "5c1e7a2b" },
		{ "250 2.0.0 Message accepted for delivery", NULL },
		{ "250 Message accepted for delivery", NULL },
		{ "250 2.0.0 x.y Message accepted for delivery", NULL },
	};
	size_t i;
	char *q;
	(void)state;
	for (i = 0; i < CAD_ARRAY_LEN(cases); i++) {
		q = submit_queue_id(cases[i][0]);
		if (cases[i][1] == NULL)
			assert_null(q);
		else
			assert_string_equal(q, cases[i][1]);
		free(q);
	}
	assert_null(submit_queue_id(NULL));
}

static void test_classify(void **state)
{
	(void)state;
	assert_int_equal(submit_classify(250), SUBMIT_ACCEPTED);
	assert_int_equal(submit_classify(251), SUBMIT_ACCEPTED);
	assert_int_equal(submit_classify(421), SUBMIT_TEMPFAIL);
	assert_int_equal(submit_classify(452), SUBMIT_TEMPFAIL);
	assert_int_equal(submit_classify(354), SUBMIT_TEMPFAIL);
	assert_int_equal(submit_classify(0), SUBMIT_TEMPFAIL);
	assert_int_equal(submit_classify(550), SUBMIT_PERMFAIL);
	assert_int_equal(submit_classify(554), SUBMIT_PERMFAIL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_id),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_local_refusals),
		cmocka_unit_test(test_connection_refused),
		cmocka_unit_test_setup_teardown(test_accepted, setup_plain, subfx_stop),
		cmocka_unit_test_setup_teardown(test_rcpt_tempfail, setup_rcpt_4xx, subfx_stop),
		cmocka_unit_test_setup_teardown(test_end_of_data_permfail, setup_eod_5xx,
		    subfx_stop),
		cmocka_unit_test_setup_teardown(test_mail_permfail, setup_mail_5xx, subfx_stop),
		cmocka_unit_test_setup_teardown(test_greeting_421, setup_greeting_421, subfx_stop),
		cmocka_unit_test_setup_teardown(test_greeting_5xx_is_temporary, setup_greeting_5xx,
		    subfx_stop),
		cmocka_unit_test_setup_teardown(test_end_of_data_timeout, setup_eod_stall,
		    subfx_stop),
	};
	struct cad_err err;

	sink_path = getenv("SMTP_SINK");
	if (sink_path == NULL || *sink_path == '\0')
		sink_path = "/usr/sbin/smtp-sink";
	if (access(sink_path, X_OK) != 0) {
		fprintf(stderr, "SKIP: %s not found (install postfix)\n", sink_path);
		return 77;
	}
	if (submit_global_init(&err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("submit", tests, NULL, NULL);
}
