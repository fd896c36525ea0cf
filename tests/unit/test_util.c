/* SPDX-License-Identifier: BSD-2-Clause */
/* test_util.c - unit tests for util.c: strings, errors, addresses, time. */
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

static void test_sbuf_grows(void **state)
{
	struct sbuf b;
	int i;
	(void)state;
	sbuf_init(&b);
	for (i = 0; i < 1000; i++)
		sbuf_addf(&b, "%d,", i);
	assert_int_equal(b.len, strlen(b.s));
	assert_true(strncmp(b.s, "0,1,2,", 6) == 0);
	assert_non_null(strstr(b.s, "999,"));
	sbuf_free(&b);
}

static void test_printable(void **state)
{
	struct sbuf b;
	(void)state;
	sbuf_init(&b);
	cad_printable(&b, "a\r\nb\x01\xc3\xa9", 100);
	assert_string_equal(b.s, "a\\x0d\\x0ab\\x01\\xc3\\xa9");
	sbuf_reset(&b);
	cad_printable(&b, "abcdef", 3);
	assert_string_equal(b.s, "abc...");
	sbuf_free(&b);
}

static void test_err(void **state)
{
	struct cad_err err;
	char big[2000];
	(void)state;
	assert_int_equal(cad_err_set(&err, "line %d: bad", 3), -1);
	cad_err_prefix(&err, "%s", "x.seq");
	assert_string_equal(err.msg, "x.seq: line 3: bad");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cad_err_set(&err, "%s", big);
	assert_int_equal(strlen(err.msg), sizeof(err.msg) - 1);
	assert_int_equal(cad_err_set(NULL, "x"), -1);
}

static void test_addr(void **state)
{
	(void)state;
	assert_true(cad_addr_valid("ann@acme.test"));
	assert_true(cad_addr_valid("a.b+tag@sub.acme.test"));
	assert_false(cad_addr_valid("ann"));
	assert_false(cad_addr_valid("@acme.test"));
	assert_false(cad_addr_valid("ann@acme"));
	assert_false(cad_addr_valid("ann@acme..test"));
	assert_false(cad_addr_valid("ann smith@acme.test"));
	assert_false(cad_addr_valid("<ann@acme.test>"));
	assert_string_equal(cad_addr_domain("x@y.test"), "y.test");
	assert_null(cad_addr_domain("nodomain"));
}

static void test_time(void **state)
{
	cad_time_t t;
	char buf[CAD_TIME_BUFSZ];
	(void)state;
	assert_int_equal(cad_time_parse("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(cad_time_parse("2026-12-01T09:00:00Z", &t), 0);
	assert_string_equal(cad_time_format(t, buf, sizeof(buf)), "2026-12-01T09:00:00Z");
	assert_int_equal(cad_time_parse("2026-12-01T10:00:00+01:00", &t), 0);
	assert_string_equal(cad_time_format(t, buf, sizeof(buf)), "2026-12-01T09:00:00Z");
	assert_int_equal(cad_time_parse("2028-02-29", &t), 0);
	assert_string_equal(cad_time_format(t, buf, sizeof(buf)), "2028-02-29T00:00:00Z");
	assert_int_equal(cad_time_parse("2027-02-29", &t), -1);
	assert_int_equal(cad_time_parse("2026-13-01", &t), -1);
	assert_int_equal(cad_time_parse("2026-12-01T25:00", &t), -1);
	assert_int_equal(cad_time_parse("2026-12-01 09:00", &t), 0);
	assert_int_equal(cad_time_parse("2026-12-01T09:00:00Zjunk", &t), -1);
	assert_int_equal(cad_time_parse("", &t), -1);
}

/* One rule: LDH labels, case-insensitive, no '_', two labels at least. */
static void test_domain(void **state)
{
	char big[300];
	(void)state;
	assert_true(cad_domain_valid("acme.test"));
	assert_true(cad_domain_valid("ACME.Test"));
	assert_true(cad_domain_valid("mail-1.sub.acme.test"));
	assert_true(cad_domain_valid("3com.com"));
	assert_true(cad_domain_valid("x.y1"));
	assert_false(cad_domain_valid(NULL));
	assert_false(cad_domain_valid(""));
	assert_false(cad_domain_valid("acme"));
	assert_false(cad_domain_valid("_dmarc.acme.test"));
	assert_false(cad_domain_valid("my_host.acme.test"));
	assert_false(cad_domain_valid(".acme.test"));
	assert_false(cad_domain_valid("acme.test."));
	assert_false(cad_domain_valid("acme..test"));
	assert_false(cad_domain_valid("-acme.test"));
	assert_false(cad_domain_valid("acme-.test"));
	assert_false(cad_domain_valid("acme.-test"));
	assert_false(cad_domain_valid("10.0.0.1"));
	assert_false(cad_domain_valid("acme.test "));
	assert_false(cad_domain_valid("ann@acme.test"));
	assert_false(cad_domain_valid("b\xc3\xa4r.test"));
	memset(big, 'a', 63);
	strcpy(big + 63, ".test");
	assert_true(cad_domain_valid(big));
	memset(big, 'a', 64);
	strcpy(big + 64, ".test");
	assert_false(cad_domain_valid(big));
	for (int i = 0; i < 254; i++)
		big[i] = i % 2 ? '.' : 'a';
	big[253] = '\0';
	assert_true(cad_domain_valid(big));    /* 253 bytes */
	big[253] = 'a';
	big[254] = '\0';
	assert_false(cad_domain_valid(big));   /* 255 */
}

static void test_grow(void **state)
{
	int *v = NULL;
	size_t cap = 0, i;
	pid_t pid;
	int st;
	(void)state;
	for (i = 0; i < 1000; i++) {
		cad_grow(&v, &cap, i + 1, sizeof(*v));
		assert_true(cap >= i + 1);
		assert_int_equal(v[i], 0);        /* new room is zeroed */
		v[i] = (int)i;
	}
	assert_int_equal(v[999], 999);
	assert_true(cap < 2048);
	cad_grow(&v, &cap, 10, sizeof(*v));     /* never shrinks */
	assert_true(cap >= 1000);
	free(v);
	/* An overflowing size aborts, as exhaustion does (control: a
	 * representable size in the same child exits normally). */
	for (int over = 0; over < 2; over++) {
		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			char *p = NULL;
			size_t c = 0;
			cad_log_open("test", 0, 0);
			cad_grow(&p, &c, over ? SIZE_MAX / 4 : 4, over ? 16 : 1);
			free(p);
			p = xreallocarray(NULL, over ? SIZE_MAX / 2 : 2, 3);
			free(p);
			_exit(0);
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		if (over)
			assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
		else
			assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
}

static void test_read_file(void **state)
{
	char dir[] = "/tmp/test_util.XXXXXX", path[128], *out = (char *)1;
	struct cad_err err = { "" };
	size_t len = 0;
	FILE *f;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f.txt", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("hello\n", f);
	fclose(f);
	assert_int_equal(cad_read_file(path, 6, CAD_READ_TEXT, &out, &len, &err), 0);
	assert_string_equal(out, "hello\n");
	assert_int_equal(len, 6);
	free(out);
	/* One byte over the bound. */
	assert_int_equal(cad_read_file(path, 5, 0, &out, &len, &err), -1);
	assert_null(out);
	assert_non_null(strstr(err.msg, "/f.txt: larger than 5 bytes"));
	/* A NUL byte in a text file. */
	f = fopen(path, "w");
	fwrite("a\0b", 1, 3, f);
	fclose(f);
	assert_int_equal(cad_read_file(path, 100, CAD_READ_TEXT, &out, &len, &err), -1);
	assert_non_null(strstr(err.msg, "/f.txt: contains a NUL byte"));
	assert_int_equal(cad_read_file(path, 100, 0, &out, &len, &err), 0);
	assert_int_equal(len, 3);
	free(out);
	/* Missing, a directory, a FIFO (never blocks). */
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_int_equal(cad_read_file(path, 100, 0, &out, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "/none: No such file"));
	assert_int_equal(cad_read_file(dir, 100, 0, &out, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "not a regular file"));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(cad_read_file(path, 100, 0, &out, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "/fifo: not a regular file"));
	unlink(path);
	snprintf(path, sizeof(path), "%s/f.txt", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sbuf_grows),
		cmocka_unit_test(test_printable),
		cmocka_unit_test(test_err),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_read_file),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
