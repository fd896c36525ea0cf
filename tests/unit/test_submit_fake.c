/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_submit_fake.c - scheduler/submit.c against fake SMTP servers in
 * python3 on loopback, for what smtp-sink cannot do: close the connection
 * after the final "." without a reply (RFC 1047's window: the MTA may have
 * the message), and refuse one of two recipients (the rep's copy, a second
 * RCPT, issue #12). Each server runs under timeout(1) with a parent-death
 * signal, so it dies with the test even when the test crashes; teardown
 * kills it otherwise. The suites against smtp-sink: test_submit.c.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "submit.h"
#include "submit_fixture.h"

/*
 * A fake server in python3 that speaks SMTP up to the final "." and then
 * closes the connection without a reply (RFC 1047's window: the MTA may
 * have the message). Started under timeout(1), listening on subfx_sink.port.
 */
static const char fake_py[] =
	"import socket,sys\n"
	"s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
	"s.bind(('127.0.0.1',int(sys.argv[1]))); s.listen(1)\n"
	"def serve(c):\n"
	"    f=c.makefile('rb')\n"
	"    say=lambda t: c.sendall(t.encode()+b'\\r\\n')\n"
	"    say('220 fake ESMTP')\n"
	"    while True:\n"
	"        l=f.readline()\n"
	"        if not l: return\n"
	"        v=l[:4].upper()\n"
	"        if v in (b'EHLO',b'HELO'): say('250 fake')\n"
	"        elif v==b'DATA':\n"
	"            say('354 go ahead')\n"
	"            while f.readline() not in (b'.\\r\\n',b''): pass\n"
	"            return\n"
	"        else: say('250 2.0.0 Ok')\n"
	"while True:\n"
	"    c,_=s.accept()\n"
	"    try: serve(c)\n"
	"    except OSError: pass\n"
	"    c.close()\n";

/* Starts the fake server py under timeout(1) on a free port; with_dir:
 * in a private directory too, its second argument. 0, or -1. */
static int fake_start(const char *py, int with_dir)
{
	char port[16];
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int i;
	subfx_sink.dir[0] = '\0';
	if (with_dir) {
		snprintf(subfx_sink.dir, sizeof(subfx_sink.dir), "/tmp/cadence-test-submit-XXXXXX");
		if (mkdtemp(subfx_sink.dir) == NULL)
			return -1;
	}
	subfx_sink.port = subfx_free_port();
	snprintf(port, sizeof(port), "%d", subfx_sink.port);
	snprintf(subfx_sink.url, sizeof(subfx_sink.url), "smtp://127.0.0.1:%d", subfx_sink.port);
	subfx_sink.pid = fork();
	if (subfx_sink.pid < 0)
		return -1;
	if (subfx_sink.pid == 0) {
#ifdef __linux__
		prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
		execlp("timeout", "timeout", "30", "python3", "-c", py, port,
		    with_dir ? subfx_sink.dir : (char *)NULL, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 250; i++) {
		if (subfx_can_connect(subfx_sink.port))
			return 0;
		if (waitpid(subfx_sink.pid, NULL, WNOHANG) == subfx_sink.pid) {
			subfx_sink.pid = 0;
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	subfx_stop(NULL);
	return -1;
}

static int setup_fake_drop(void **state)
{
	(void)state;
	return fake_start(fake_py, 0);
}

/*
 * A fake server in python3 for the rep's copy (a second RCPT): it refuses
 * (550) any recipient with "refuse" in it, and appends to DIR/log one line
 * per transaction: "EOD <rcpt> <rcpt>" when a whole message (up to the
 * final ".") came in, "DROPPED" when the connection closed inside DATA.
 */
static const char copy_py[] =
	"import socket,sys\n"
	"s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
	"s.bind(('127.0.0.1',int(sys.argv[1]))); s.listen(1)\n"
	"def log(t):\n"
	"    open(sys.argv[2]+'/log','a').write(t+'\\n')\n"
	"def serve(c):\n"
	"    f=c.makefile('rb'); rc=[]\n"
	"    say=lambda t: c.sendall(t.encode()+b'\\r\\n')\n"
	"    say('220 fake ESMTP')\n"
	"    while True:\n"
	"        l=f.readline()\n"
	"        if not l: return\n"
	"        v=l[:4].upper()\n"
	"        if v in (b'EHLO',b'HELO'): say('250 fake')\n"
	"        elif v==b'RCPT':\n"
	"            a=l.decode().strip()[8:]\n"
	"            if 'refuse' in a: say('550 5.1.1 '+a+': Recipient address rejected')\n"
	"            else: rc.append(a); say('250 2.1.5 Ok')\n"
	"        elif v==b'DATA':\n"
	"            say('354 go ahead')\n"
	"            while True:\n"
	"                d=f.readline()\n"
	"                if d==b'': log('DROPPED'); return\n"
	"                if d==b'.\\r\\n': break\n"
	"            log('EOD '+' '.join(rc)); say('250 2.0.0 Ok: queued as QCOPY1')\n"
	"        elif v==b'QUIT': say('221 bye'); return\n"
	"        else: say('250 2.0.0 Ok')\n"
	"while True:\n"
	"    c,_=s.accept()\n"
	"    try: serve(c)\n"
	"    except OSError: pass\n"
	"    c.close()\n";

static int setup_fake_copy(void **state)
{
	(void)state;
	return fake_start(copy_py, 1);
}

/* The fake server's log so far ("" when none). */
static char *copy_log(void)
{
	char *path = xasprintf("%s/log", subfx_sink.dir), buf[1024];
	FILE *f = fopen(path, "r");
	size_t n = 0;
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	free(path);
	nanosleep(&ts, NULL);   /* the server logs a drop after we close */
	if (f == NULL)
		return xstrdup("");
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return xstrdup(buf);
}

static void submit_copy(const char *rcpt, const char *copy, struct submit_result *r)
{
	struct submit_opts opts;
	struct sbuf m;
	char verp[128];
	memset(&opts, 0, sizeof(opts));
	opts.copy_rcpt = copy;
	subfx_message(&m, verp, "Hello");
	submit_message(subfx_sink.url, verp, rcpt, m.s, m.len, &opts, r);
	sbuf_free(&m);
}

/* Both RCPTs taken: one transaction, one message to both, the contact first. */
static void test_copy_accepted(void **state)
{
	struct submit_result r;
	char *log;
	(void)state;
	submit_copy("john@acme.test", "ada+cadence-sent@sales.example", &r);
	assert_int_equal(r.status, SUBMIT_ACCEPTED);
	assert_int_equal(r.stage, SUBMIT_STAGE_END_OF_DATA);
	assert_string_equal(r.queue_id, "QCOPY1");
	assert_int_equal(r.copy_code, 250);
	submit_result_free(&r);
	log = copy_log();
	assert_string_equal(log, "EOD <john@acme.test> <ada+cadence-sent@sales.example>\n");
	free(log);
}

/* The copy refused: the contact's message still goes and counts as sent. */
static void test_copy_refused(void **state)
{
	struct submit_result r;
	char *log;
	(void)state;
	submit_copy("john@acme.test", "refuse+cadence-sent@sales.example", &r);
	assert_int_equal(r.status, SUBMIT_ACCEPTED);
	assert_int_equal(r.code, 250);
	assert_int_equal(r.stage, SUBMIT_STAGE_END_OF_DATA);
	assert_int_equal(r.copy_code, 550);
	assert_non_null(r.copy_reply);
	assert_non_null(strstr(r.copy_reply, "RCPT: 550 5.1.1"));
	submit_result_free(&r);
	log = copy_log();
	assert_string_equal(log, "EOD <john@acme.test>\n");
	free(log);
}

/* The contact refused, the copy taken: nothing is delivered (not even to
 * the rep), and the contact's RCPT reply decides, as without a copy. The
 * control is test_copy_accepted: the same server logs a delivery as EOD. */
static void test_copy_contact_refused(void **state)
{
	struct submit_result r;
	char *log;
	(void)state;
	submit_copy("refuse@acme.test", "ada+cadence-sent@sales.example", &r);
	assert_int_equal(r.status, SUBMIT_PERMFAIL);
	assert_int_equal(r.stage, SUBMIT_STAGE_RCPT);
	assert_int_equal(r.code, 550);
	assert_non_null(strstr(r.reply, "RCPT: 550 5.1.1 <refuse@acme.test>"));
	assert_null(r.queue_id);
	submit_result_free(&r);
	log = copy_log();
	assert_null(strstr(log, "EOD"));
	free(log);
	/* Both refused: the same. */
	submit_copy("refuse@acme.test", "refuse2@sales.example", &r);
	assert_int_equal(r.status, SUBMIT_PERMFAIL);
	assert_int_equal(r.code, 550);
	assert_non_null(strstr(r.reply, "<refuse@acme.test>"));
	submit_result_free(&r);
	log = copy_log();
	assert_null(strstr(log, "EOD"));
	free(log);
}

static void test_end_of_data_dropped(void **state)
{
	struct submit_result r;
	(void)state;
	/* The connection closes after the final dot, no reply read: the
	 * ambiguous stage, with code 0 (not 354). */
	subfx_submit_one(&r, NULL);
	assert_int_equal(r.status, SUBMIT_TEMPFAIL);
	assert_int_equal(r.stage, SUBMIT_STAGE_END_OF_DATA);
	assert_int_equal(r.code, 0);
	assert_non_null(r.reply);
	assert_null(strstr(r.reply, "354"));
	assert_null(r.queue_id);
	submit_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_end_of_data_dropped, setup_fake_drop,
		    subfx_stop),
		cmocka_unit_test_setup_teardown(test_copy_accepted, setup_fake_copy, subfx_stop),
		cmocka_unit_test_setup_teardown(test_copy_refused, setup_fake_copy, subfx_stop),
		cmocka_unit_test_setup_teardown(test_copy_contact_refused, setup_fake_copy,
		    subfx_stop),
	};
	struct cad_err err;

	if (submit_global_init(&err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("submit_fake", tests, NULL, NULL);
}
