/* SPDX-License-Identifier: BSD-2-Clause */
/* test_milter_mconf.c - unit tests for milter/mconf.c (building the
 * running configuration, reload while messages hold the old one) and
 * milter/mmsg.c (the header and body caps of a message). */
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

#include "mconn.h"
#include "mmsg.h"
#include "mconf.h"
#include "secret.h"
#include "util.h"

static char dir[] = "/tmp/test_milter_mconf.XXXXXX";
static char *conf_path, *secret_path;

/* text, then the SecretFile line every configuration needs (last, so
 * that line numbers in text stay as written) */
static void write_conf(const char *text)
{
	FILE *f = fopen(conf_path, "w");
	assert_non_null(f);
	fputs(text, f);
	fprintf(f, "SecretFile %s\n", secret_path);
	fclose(f);
}

static int setup(void **state)
{
	struct cad_err err = { "" };
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	conf_path = xasprintf("%s/cadence.conf", dir);
	secret_path = xasprintf("%s/secret", dir);
	if (secret_generate(secret_path, 0, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(conf_path);
	unlink(secret_path);
	rmdir(dir);
	free(conf_path);
	free(secret_path);
	return 0;
}

static void test_build_errors(void **state)
{
	struct cad_err err = { "" };
	(void)state;
	write_conf("InternalHosts 10.0.0.0/8\nNoSuchKey 1\n");
	assert_null(mconf_build(conf_path, &err));
	assert_non_null(strstr(err.msg, "cadence.conf:2"));
	write_conf("KeyTable /nonexistent/keytable\n");
	assert_null(mconf_build(conf_path, &err));
	assert_non_null(strstr(err.msg, "SigningTable is not"));
	write_conf("SigningTable /nonexistent/signingtable\n");
	assert_null(mconf_build(conf_path, &err));
	assert_non_null(strstr(err.msg, "KeyTable is not"));
	write_conf("KeyTable /nonexistent/kt\nSigningTable /nonexistent/st\n");
	assert_null(mconf_build(conf_path, &err));
	assert_non_null(strstr(err.msg, "/nonexistent/kt"));
	/* no readable site secret: sequence mail could not be recognised */
	{
		FILE *f = fopen(conf_path, "w");
		assert_non_null(f);
		fprintf(f, "SecretFile %s/none\n", dir);
		fclose(f);
		assert_null(mconf_build(conf_path, &err));
		assert_non_null(strstr(err.msg, "SecretFile"));
		assert_non_null(strstr(err.msg, "/none"));
	}
}

static void test_reload_keeps_messages_consistent(void **state)
{
	struct cad_err err = { "" };
	struct mconf *mc, *held, *now;
	(void)state;
	write_conf("InternalHosts 10.0.0.0/8\nHeaderLimit 2k\n");
	mc = mconf_build(conf_path, &err);
	assert_non_null(mc);
	assert_true(netlist_match(&mc->internal, "10.1.1.1"));
	mconf_install(mc);

	held = mconf_acquire();            /* a message in progress */
	assert_ptr_equal(held, mc);

	/* a bad file is refused and the running configuration stays */
	write_conf("InternalHosts nonsense\n");
	assert_int_equal(mconf_reload(&err), -1);
	now = mconf_acquire();
	assert_ptr_equal(now, mc);
	mconf_release(now);

	/* a good one replaces it for the next message only */
	write_conf("InternalHosts 192.0.2.0/24\nHeaderLimit 4k\n");
	assert_int_equal(mconf_reload(&err), 0);
	now = mconf_acquire();
	assert_ptr_not_equal(now, held);
	assert_true(netlist_match(&now->internal, "192.0.2.1"));
	assert_int_equal(now->conf.header_limit, 4096);
	/* the message in progress still sees its own, intact */
	assert_true(netlist_match(&held->internal, "10.1.1.1"));
	assert_int_equal(held->conf.header_limit, 2048);
	mconf_release(held);               /* the old one is freed here (ASan checks) */
	mconf_release(now);
	mconf_shutdown();
	assert_null(mconf_acquire());
}

static void test_ctx_caps(void **state)
{
	struct cad_err err = { "" };
	struct mconn *c;
	struct mmsg *m;
	char value[101];
	int added = 0;
	(void)state;
	write_conf("HeaderLimit 1k\nBodyLimit 10\n");
	mconf_install(mconf_build(conf_path, &err));
	c = mconn_new();
	m = mconn_msg_begin(c);
	assert_non_null(m->mc);
	assert_string_equal(m->qid, "NOQUEUE");
	mmsg_set_qid(m, "AB\ncd");
	assert_string_equal(m->qid, "AB\\x0acd");          /* printable for logs */

	/* bytes: 1024 of "name: value" */
	memset(value, 'v', 100);
	value[100] = '\0';
	while (mmsg_add_header(m, "X-Long", value) == 0)
		added++;
	assert_int_equal(added, 1024 / (6 + 100 + 3));
	assert_true(m->hdr_overflow);
	assert_int_equal(mmsg_add_header(m, "X-Short", "a"), -1);   /* stays refused */
	assert_string_equal(mmsg_header(m, "x-long", 2), value);
	assert_null(mmsg_header(m, "X-Long", (size_t)added));

	/* body: kept up to BodyLimit, the rest counted as truncated */
	assert_int_equal(mmsg_add_body(m, "12345", 5), 0);
	assert_int_equal(mmsg_add_body(m, "67890abc", 8), 1);
	assert_int_equal(m->body.len, 10);
	assert_true(m->body_truncated);
	assert_string_equal(m->body.s, "1234567890");

	/* a new message starts clean */
	m = mconn_msg_begin(c);
	assert_int_equal(m->nhdrs, 0);
	assert_false(m->hdr_overflow);
	mconn_free(c);
	mconf_shutdown();
}

static void test_ctx_count_cap(void **state)
{
	struct cad_err err = { "" };
	struct mconn *c;
	struct mmsg *m;
	size_t i;
	(void)state;
	write_conf("HeaderLimit 16m\n");
	mconf_install(mconf_build(conf_path, &err));
	c = mconn_new();
	m = mconn_msg_begin(c);
	for (i = 0; i < MILTER_MAX_HEADERS; i++)
		assert_int_equal(mmsg_add_header(m, "X", "y"), 0);
	assert_int_equal(mmsg_add_header(m, "X", "y"), -1);
	assert_true(m->hdr_overflow);
	/* recipients: kept up to MILTER_MAX_RCPTS, then counted as overflow */
	for (i = 0; i < MILTER_MAX_RCPTS; i++)
		mmsg_add_rcpt(m, "<r@example.org>");
	assert_false(m->rcpt_overflow);
	mmsg_add_rcpt(m, "<r@example.org>");
	assert_true(m->rcpt_overflow);
	assert_int_equal(m->nrcpts, MILTER_MAX_RCPTS);
	mconn_free(c);                /* ends the message too */
	mconf_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_reload_keeps_messages_consistent),
		cmocka_unit_test(test_ctx_caps),
		cmocka_unit_test(test_ctx_count_cap),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
