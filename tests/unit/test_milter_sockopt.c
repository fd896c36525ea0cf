/* SPDX-License-Identifier: BSD-2-Clause */
/* test_milter_sockopt.c - unit tests for milter/sockopt.c: TCP_NODELAY is
 * set on the listening socket of the configured port only, and (what the
 * milter relies on) a connection accepted from it inherits the option on
 * this platform. Control: a listener left alone gives connections without
 * it, so the inheritance check can fail. Loopback only. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockopt.h"
#include "util.h"

/* A TCP listener on 127.0.0.1, any port; *port gets it. */
static int listener(int *port)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* Connects to port and returns the accepted end. */
static int accepted(int lfd, int port, int *cfd)
{
	struct sockaddr_in a;
	int fd;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	*cfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(*cfd >= 0);
	assert_int_equal(connect(*cfd, (struct sockaddr *)&a, sizeof(a)), 0);
	fd = accept(lfd, NULL, NULL);
	assert_true(fd >= 0);
	return fd;
}

static void test_nodelay_inherited(void **state)
{
	struct cad_err err = { "" };
	char spec[64];
	int port, other_port, lfd, other, afd, cfd;
	(void)state;
	lfd = listener(&port);
	other = listener(&other_port);
	snprintf(spec, sizeof(spec), "inet:%d@127.0.0.1", port);
	assert_int_equal(sockopt_nodelay_get(lfd), 0);
	assert_int_equal(sockopt_nodelay_listener(spec, &err), 1);
	assert_int_equal(sockopt_nodelay_get(lfd), 1);
	assert_int_equal(sockopt_nodelay_get(other), 0);   /* another port: untouched */
	afd = accepted(lfd, port, &cfd);
	assert_int_equal(sockopt_nodelay_get(afd), 1);     /* inherited */
	close(afd);
	close(cfd);
	/* control: the listener left alone gives a connection without it */
	afd = accepted(other, other_port, &cfd);
	assert_int_equal(sockopt_nodelay_get(afd), 0);
	close(afd);
	close(cfd);
	close(lfd);
	close(other);
}

static void test_nodelay_specs(void **state)
{
	struct cad_err err = { "" };
	(void)state;
	assert_int_equal(sockopt_nodelay_listener("local:/run/x.sock", &err), 0);
	assert_int_equal(sockopt_nodelay_listener("unix:/run/x.sock", &err), 0);
	assert_int_equal(sockopt_nodelay_listener("/run/x.sock", &err), 0);
	assert_int_equal(sockopt_nodelay_listener("inet:@127.0.0.1", &err), -1);
	/* nothing listens there: found none, said so */
	assert_int_equal(sockopt_nodelay_listener("inet:1@127.0.0.1", &err), -1);
	assert_non_null(strstr(err.msg, "not found"));
	/* which specs are TCP (filter_set_tcp) */
	assert_int_equal(sockopt_spec_tcp("inet:8891@127.0.0.1"), 1);
	assert_int_equal(sockopt_spec_tcp("inet6:8891@[::1]"), 1);
	assert_int_equal(sockopt_spec_tcp("inet:@127.0.0.1"), 1);
	assert_int_equal(sockopt_spec_tcp("local:/run/x.sock"), 0);
	assert_int_equal(sockopt_spec_tcp("unix:/run/x.sock"), 0);
	assert_int_equal(sockopt_spec_tcp("/run/x.sock"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nodelay_inherited),
		cmocka_unit_test(test_nodelay_specs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
