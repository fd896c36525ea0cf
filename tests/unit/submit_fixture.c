/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * submit_fixture.c - the SMTP server under test and a sequence message for
 * the suites of scheduler/submit.c (see submit_fixture.h).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compose.h"
#include "secret.h"
#include "submit_fixture.h"
#include "token.h"

struct subfx_sink subfx_sink;

int subfx_free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

int subfx_can_connect(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

int subfx_stop(void **state)
{
	char *cmd;
	(void)state;
	if (subfx_sink.pid > 0) {
		kill(subfx_sink.pid, SIGTERM);       /* timeout(1) passes it on to the sink */
		waitpid(subfx_sink.pid, NULL, 0);
		subfx_sink.pid = 0;
	}
	if (subfx_sink.dir[0] != '\0') {
		cmd = xasprintf("rm -rf '%s'", subfx_sink.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", subfx_sink.dir);
		free(cmd);
		subfx_sink.dir[0] = '\0';
	}
	return 0;
}

/* A real sequence message, as the scheduler would make it. */
void subfx_message(struct sbuf *msg, char verp[128], const char *subject)
{
	struct cad_secret secret;
	struct cad_err err;
	unsigned char nonce[TOKEN_NONCE_BYTES];
	char tok[TOKEN_BUFSZ], utok[TOKEN_BUFSZ], mailto[128], url[128];
	char *id;
	struct compose_in in;

	assert_int_equal(secret_set(&secret, "test secret, 32 bytes or longer!", 32, &err), 0);
	assert_int_equal(token_nonce_random(nonce, &err), 0);
	assert_int_equal(token_make(TOKEN_VERP, &secret, nonce, tok), 0);
	assert_int_equal(token_make(TOKEN_UNSUB, &secret, nonce, utok), 0);
	id = msgid_make(&secret, nonce, "sales.example");
	snprintf(verp, 128, "bounces+%s@sales.example", tok);
	snprintf(mailto, sizeof(mailto), "unsubscribe+%s@sales.example", utok);
	snprintf(url, sizeof(url), "https://cadence.sales.example/u/%s", utok);
	memset(&in, 0, sizeof(in));
	in.from_name = "Zoë Ada";
	in.from_addr = "ada@sales.example";
	in.to_name = "John Smith";
	in.to_addr = "john@acme.test";
	in.subject = subject;
	in.body = "Hi John,\n.leading dot must survive\n..two dots too\n.\nGrüße, Zoë\n";
	in.date = 1795000000;
	in.message_id = id;
	in.unsub_mailto = mailto;
	in.unsub_url = url;
	sbuf_init(msg);
	if (compose_message(&in, msg, &err) != 0)
		fail_msg("compose: %s", err.msg);
	free(id);
	secret_free(&secret);
}

void subfx_submit_one(struct submit_result *r, const struct submit_opts *opts)
{
	struct sbuf m;
	char verp[128];
	subfx_message(&m, verp, "Hello");
	submit_message(subfx_sink.url, verp, "john@acme.test", m.s, m.len, opts, r);
	sbuf_free(&m);
}

