/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_submit_batch.c - several messages over one SMTP connection
 * (submit_session_*, issue #16, 5) and what each transaction's outcome
 * means to the ledger (ledger_outcome of a row this pass prepared).
 *
 * A scripted SMTP server on a loopback port (a thread of the test) answers
 * each transaction as its script says and counts the connections, the
 * RSETs and the messages whose final "." it read:
 *   a  250 to the end of data ("queued as Qn")
 *   r  550 to the RCPT (the transaction ends before any data)
 *   t  451 to the end of data
 *   d  reads the "." and closes the connection without a reply (RFC
 *      1047: the MTA has the message; the client cannot know)
 *   c  250 to the end of data, then closes the connection (an idle
 *      timeout between two transactions)
 *   m  closes the connection on MAIL (nothing of the message went out)
 * Checks: each transaction's status, stage and code; only the dropped
 * one is "unknown" (no reply to end of data) and the ledger keeps it
 * unknown, never "not sent"; a refusal or a 4xx is that transaction's
 * alone, the next one goes (on a new connection when libcurl closed the
 * one that failed before the end of data); RSET before each transaction
 * that follows another on the same connection; one connection for a
 * batch with no failure.
 * Control: the same messages with submit_message (a connection each)
 * need as many connections as messages.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ledger.h"
#include "submit.h"

struct server {
	int lfd, port;
	const char *script;      /* one letter per transaction */
	int next;                /* transactions begun (MAIL commands) */
	int conns, rsets, dots, quits;
	pthread_t th;
	char url[64];
};
static struct server srv;

static int sendstr(int fd, const char *s)
{
	size_t n = strlen(s);
	return send(fd, s, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

/* One line (CRLF stripped) into buf; -1 on EOF. Byte by byte: simple. */
static int getline_fd(int fd, char *buf, size_t max)
{
	size_t n = 0;
	char c;
	while (recv(fd, &c, 1, 0) == 1) {
		if (c == '\n') {
			if (n > 0 && buf[n - 1] == '\r')
				n--;
			buf[n] = '\0';
			return 0;
		}
		if (n + 1 < max)
			buf[n++] = c;
	}
	return -1;
}

/* One connection; returns when it ends. */
static void serve(int fd)
{
	char line[1024], reply[128];
	char what = 'a';

	if (sendstr(fd, "220 test ESMTP\r\n") < 0)
		return;
	while (getline_fd(fd, line, sizeof(line)) == 0) {
		if (strncasecmp(line, "EHLO", 4) == 0 || strncasecmp(line, "HELO", 4) == 0) {
			sendstr(fd, "250-test\r\n250 8BITMIME\r\n");
		} else if (strncasecmp(line, "MAIL", 4) == 0) {
			what = srv.script[srv.next] ? srv.script[srv.next] : 'a';
			srv.next++;
			if (what == 'm')
				return;
			sendstr(fd, "250 2.1.0 Ok\r\n");
		} else if (strncasecmp(line, "RCPT", 4) == 0) {
			sendstr(fd, what == 'r' ? "550 5.1.1 <x>: Recipient address rejected\r\n"
						: "250 2.1.5 Ok\r\n");
		} else if (strncasecmp(line, "DATA", 4) == 0) {
			sendstr(fd, "354 End data with <CR><LF>.<CR><LF>\r\n");
			while (getline_fd(fd, line, sizeof(line)) == 0 && strcmp(line, ".") != 0)
				;
			srv.dots++;
			if (what == 'd')
				return;
			if (what == 't') {
				sendstr(fd, "451 4.3.0 Error: queue file write error\r\n");
				continue;
			}
			snprintf(reply, sizeof(reply), "250 2.0.0 Ok: queued as Q%d\r\n", srv.next);
			sendstr(fd, reply);
			if (what == 'c')
				return;
		} else if (strncasecmp(line, "RSET", 4) == 0) {
			srv.rsets++;
			if (getenv("SB_DEBUG"))
				fprintf(stderr, "RSET after transaction %d (connection %d)\n", srv.next,
					srv.conns);
			sendstr(fd, "250 2.0.0 Ok\r\n");
		} else if (strncasecmp(line, "QUIT", 4) == 0) {
			srv.quits++;
			sendstr(fd, "221 2.0.0 Bye\r\n");
			return;
		} else {
			sendstr(fd, "502 5.5.2 Error: command not recognized\r\n");
		}
	}
}

static void *server_main(void *arg)
{
	int fd;
	(void)arg;
	while ((fd = accept(srv.lfd, NULL, NULL)) >= 0) {
		srv.conns++;
		serve(fd);
		close(fd);
	}
	return NULL;
}

static void server_start(const char *script)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int one = 1;

	memset(&srv, 0, sizeof(srv));
	srv.script = script;
	srv.lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(srv.lfd >= 0);
	setsockopt(srv.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(srv.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(srv.lfd, (struct sockaddr *)&sa, &len), 0);
	assert_int_equal(listen(srv.lfd, 8), 0);
	srv.port = ntohs(sa.sin_port);
	snprintf(srv.url, sizeof(srv.url), "smtp://127.0.0.1:%d", srv.port);
	assert_int_equal(pthread_create(&srv.th, NULL, server_main, NULL), 0);
}

static void server_stop(void)
{
	shutdown(srv.lfd, SHUT_RDWR);
	close(srv.lfd);
	pthread_join(srv.th, NULL);
}

static const char msg[] = "From: ann@our.test\r\nTo: c@prospect.test\r\nSubject: step\r\n"
			  "Message-ID: <x@cadence.our.test>\r\n\r\nHello.\r\n";

struct want {
	enum submit_status status;
	enum submit_stage stage;
	int code;
	enum ledger_action action;   /* the ledger's move for a prepared row */
};

/* Sends n messages over one session; checks each outcome. */
static void run_session(const char *script, const struct want *w, size_t n, const char *copy)
{
	struct submit_opts opts = { 2000, 5000, NULL };
	struct submit_session *ss;
	struct submit_result r;
	struct ledger_move mv;
	size_t i;

	server_start(script);
	ss = submit_session_open(srv.url, &opts);
	for (i = 0; i < n; i++) {
		submit_session_send(ss, "ann@our.test", "c@prospect.test", msg, sizeof(msg) - 1,
				    copy, &r);
		if (r.status != w[i].status || r.stage != w[i].stage || r.code != w[i].code)
			fail_msg("transaction %zu (%c): %s at %s, code %d (%s); want %s at %s, %d",
				 i + 1, script[i], submit_status_name(r.status),
				 submit_stage_name(r.stage), r.code, r.reply ? r.reply : "",
				 submit_status_name(w[i].status), submit_stage_name(w[i].stage),
				 w[i].code);
		mv = ledger_outcome(LEDGER_PREPARED, (enum ledger_status)r.status,
				    r.stage == SUBMIT_STAGE_END_OF_DATA, r.code);
		if (mv.action != w[i].action)
			fail_msg("transaction %zu (%c): ledger action %s, want %s", i + 1, script[i],
				 ledger_action_name(mv.action), ledger_action_name(w[i].action));
		if (r.status == SUBMIT_ACCEPTED) {
			char q[32];   /* "Q" and a size_t's 20 digits */
			snprintf(q, sizeof(q), "Q%zu", i + 1);
			assert_non_null(r.queue_id);
			assert_string_equal(r.queue_id, q);   /* its own reply, not another's */
		}
		submit_result_free(&r);
	}
	submit_session_close(ss);
	server_stop();
}

#define A { SUBMIT_ACCEPTED, SUBMIT_STAGE_END_OF_DATA, 250, LEDGER_MARK_SENT }

static void test_one_connection(void **state)
{
	static const struct want w[] = { A, A, A, A, A };
	(void)state;
	run_session("aaaaa", w, 5, NULL);
	assert_int_equal(srv.conns, 1);
	assert_int_equal(srv.rsets, 4);       /* between the transactions */
	assert_int_equal(srv.dots, 5);
	assert_int_equal(srv.quits, 1);
}

static void test_outcomes_per_transaction(void **state)
{
	static const struct want w[] = {
		A,
		A,
		{ SUBMIT_PERMFAIL, SUBMIT_STAGE_RCPT, 550, LEDGER_FAIL },
		A,
		{ SUBMIT_TEMPFAIL, SUBMIT_STAGE_END_OF_DATA, 451, LEDGER_RETRY },
		A,
		/* the connection lost after the dot: unknown, never "not sent" */
		{ SUBMIT_TEMPFAIL, SUBMIT_STAGE_END_OF_DATA, 0, LEDGER_KEEP_UNKNOWN },
		A,
		/* lost before anything of the message went out: not queued */
		{ SUBMIT_TEMPFAIL, SUBMIT_STAGE_MAIL, 0, LEDGER_RETRY },
		A,
	};
	(void)state;
	run_session("aaratadama", w, CAD_ARRAY_LEN(w), NULL);
	/* A new connection after each failure that ends it (r, d, m): 1 + 3;
	 * a 451 to the dot ends the transaction, not the connection. */
	assert_int_equal(srv.conns, 4);
	/* RSET before each transaction that follows another on the same
	 * connection: before 2, 3, 5, 6, 7, 9. */
	assert_int_equal(srv.rsets, 6);
	/* The dots the server read: every message but the refused one and the
	 * one cut at MAIL. */
	assert_int_equal(srv.dots, 8);
}

static void test_idle_close_between(void **state)
{
	/* The server closes after the second message's 250: the RSET finds
	 * the connection gone, the third message goes on a new one. */
	static const struct want w[] = { A, A, A, A };
	(void)state;
	run_session("acaa", w, 4, NULL);
	assert_int_equal(srv.dots, 4);
	assert_true(srv.conns >= 2);
}

static void test_with_copy(void **state)
{
	/* The rep's copy as a second RCPT: still one transaction each. */
	static const struct want w[] = { A, A, A };
	(void)state;
	run_session("aaa", w, 3, "ann+cadence-sent@our.test");
	assert_int_equal(srv.conns, 1);
	assert_int_equal(srv.dots, 3);
}

static void test_control_one_each(void **state)
{
	struct submit_opts opts = { 2000, 5000, NULL };
	struct submit_result r;
	int i;
	(void)state;

	server_start("aaaaa");
	for (i = 0; i < 5; i++) {
		submit_message(srv.url, "ann@our.test", "c@prospect.test", msg, sizeof(msg) - 1,
			       &opts, &r);
		assert_int_equal(r.status, SUBMIT_ACCEPTED);
		submit_result_free(&r);
	}
	server_stop();
	assert_int_equal(srv.conns, 5);
	assert_int_equal(srv.rsets, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_connection),
		cmocka_unit_test(test_outcomes_per_transaction),
		cmocka_unit_test(test_idle_close_between),
		cmocka_unit_test(test_with_copy),
		cmocka_unit_test(test_control_one_each),
	};
	struct cad_err err;

	if (submit_global_init(&err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
