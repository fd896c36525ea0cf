/* SPDX-License-Identifier: BSD-2-Clause */
/* test_csv.c - unit tests for csvfile.c: RFC 4180 quoting, line numbers,
 * bounds, BOM, CRLF, malformed input; each row is rendered as
 * "line:[field|field]" or "line:!error" so that expectations read plainly. */
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

#include "csvfile.h"
#include "util.h"

struct coll {
	struct sbuf out;
	struct sbuf hdr;
	int stop_after;    /* stop after this many rows (0 = never) */
	int rows;
};

static int collect(void *arg, size_t line, char *const *hdr, char *const *fields, size_t n,
		   const char *row_err)
{
	struct coll *c = arg;
	size_t i;
	if (c->hdr.len == 0)
		for (i = 0; i < n; i++)
			sbuf_addf(&c->hdr, "%s%s", i ? "|" : "", hdr[i]);
	if (row_err != NULL) {
		sbuf_addf(&c->out, "%zu:!%s\n", line, row_err);
	} else {
		sbuf_addf(&c->out, "%zu:[", line);
		for (i = 0; i < n; i++)
			sbuf_addf(&c->out, "%s%s", i ? "|" : "", fields[i]);
		sbuf_adds(&c->out, "]\n");
	}
	c->rows++;
	return (c->stop_after && c->rows >= c->stop_after) ? 7 : 0;
}

/* Reads s and returns what collect() saw (caller frees), rc in *rc. */
static char *run(const char *s, size_t len, int *rc, struct cad_err *err, char **hdr)
{
	struct coll c;
	char *out;
	memset(&c, 0, sizeof(c));
	sbuf_init(&c.out);
	sbuf_init(&c.hdr);
	*rc = csvfile_read_buffer("t.csv", s, len, collect, &c, err);
	if (hdr)
		*hdr = sbuf_detach(&c.hdr);
	sbuf_free(&c.hdr);
	out = sbuf_detach(&c.out);
	sbuf_free(&c.out);      /* detach leaves a fresh, allocated buffer */
	return out;
}

static void expect(const char *in, const char *want)
{
	struct cad_err err = { "" };
	int rc;
	char *got = run(in, strlen(in), &rc, &err, NULL);
	assert_int_equal(rc, 0);
	assert_string_equal(got, want);
	free(got);
}

static void test_plain(void **state)
{
	struct cad_err err = { "" };
	char *hdr, *got;
	int rc;
	(void)state;
	const char *in = " Email , First Name,COMPANY\nann@a.test,Ann,Acme\nbob@b.test,Bob,Bobco\n";
	got = run(in, strlen(in), &rc, &err, &hdr);
	assert_int_equal(rc, 0);
	assert_string_equal(hdr, "email|first name|company");
	assert_string_equal(got, "2:[ann@a.test|Ann|Acme]\n3:[bob@b.test|Bob|Bobco]\n");
	free(hdr);
	free(got);
}

static void test_quoting(void **state)
{
	(void)state;
	/* Quoted commas, doubled quotes, empty quoted field. */
	expect("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"\"\n", "2:[x, y|say \"hi\"|]\n");
	/* Embedded newlines: the record starts on line 2, the next on line 5. */
	expect("a,b\n\"line1\nline2\nline3\",z\nnext,row\n",
	       "2:[line1\nline2\nline3|z]\n5:[next|row]\n");
	/* Spaces around a quoted field are not part of it; inside they are. */
	expect("a,b\n  \" padded \" ,x\n", "2:[ padded |x]\n");
	/* UTF-8 passes through untouched. */
	expect("name\n\"J\xc3\xbcrgen M\xc3\xbcller\"\n", "2:[J\xc3\xbcrgen M\xc3\xbcller]\n");
}

static void test_short_long_rows(void **state)
{
	(void)state;
	expect("a,b,c\n1\n1,2,3,4\n1,2,3,,\n1,2\n",
	       "2:[1||]\n3:!row has 4 fields, the header has 3\n4:[1|2|3]\n5:[1|2|]\n");
}

static void test_empty_lines_crlf_bom(void **state)
{
	(void)state;
	expect("a,b\r\n\r\n1,2\r\n\r\n\r\n3,4\r\n", "3:[1|2]\n6:[3|4]\n");
	expect("\xef\xbb\xbf" "Email,x\n1,2\n", "2:[1|2]\n");
	/* Blank and all-empty rows are skipped, line numbers stay true. */
	expect("a,b\n\n   \n,\n,,\n\t\n5,6", "7:[5|6]\n");
	/* No final newline. */
	expect("a\nlast", "2:[last]\n");
	/* Only a header: no rows, no error. */
	expect("a,b\n", "");
	/* A header after blank lines. */
	expect("\n\na,b\n1,2\n", "4:[1|2]\n");
}

static void test_bom_header_name(void **state)
{
	struct cad_err err = { "" };
	char *hdr, *got;
	int rc;
	(void)state;
	got = run("\xef\xbb\xbf" "EMAIL\nx\n", 11, &rc, &err, &hdr);
	assert_int_equal(rc, 0);
	assert_string_equal(hdr, "email");
	free(hdr);
	free(got);
}

static void test_malformed_quote(void **state)
{
	(void)state;
	/* A quote inside an unquoted field, and text after a closing quote:
	 * each is an error for its row, by line, and reading goes on. */
	expect("a,b\n1,2\nab\"c,d\n3,4\n\"x\"y,z\n5,6\n",
	       "2:[1|2]\n3:!malformed quote on line 3\n4:[3|4]\n5:!malformed quote on line 5\n"
	       "6:[5|6]\n");
	/* Inside a multi-line record the error names the line of the quote;
	 * the row is reported where it starts. */
	expect("a,b\n\"one\ntwo\"x,y\n7,8\n", "2:!malformed quote on line 3\n4:[7|8]\n");
	/* An unclosed quote at the end of the file. */
	expect("a,b\n1,2\n\"never closed,3\n4,5\n",
	       "2:[1|2]\n3:!quoted field not closed at end of file\n");
}

static void test_header_errors(void **state)
{
	struct cad_err err = { "" };
	char *got;
	int rc;
	(void)state;
	got = run("", 0, &rc, &err, NULL);
	assert_int_equal(rc, -1);
	assert_string_equal(err.msg, "t.csv: no header row");
	free(got);
	got = run("\n\n", 2, &rc, &err, NULL);
	assert_int_equal(rc, -1);
	assert_string_equal(err.msg, "t.csv: no header row");
	free(got);
	got = run("\nEmail,x,EMAIL\n1,2,3\n", 21, &rc, &err, NULL);
	assert_int_equal(rc, -1);
	assert_string_equal(err.msg, "t.csv:2: header names column \"email\" twice");
	assert_string_equal(got, "");
	free(got);
	got = run("a,b\"c\n1,2\n", 10, &rc, &err, NULL);
	assert_int_equal(rc, -1);
	assert_string_equal(err.msg, "t.csv:1: header: malformed quote on line 1");
	assert_string_equal(got, "");
	free(got);
	got = run("a,b\0c\n1,2\n", 10, &rc, &err, NULL);
	assert_int_equal(rc, -1);
	assert_string_equal(err.msg, "t.csv:1: header holds a NUL byte");
	free(got);
}

static void test_bounds(void **state)
{
	struct sbuf in;
	char *got;
	int i, rc;
	struct cad_err err = { "" };
	(void)state;

	/* 257 fields. */
	sbuf_init(&in);
	sbuf_adds(&in, "a\n");
	for (i = 0; i < 257; i++)
		sbuf_adds(&in, "x,");
	sbuf_adds(&in, "x\nok\n");
	got = run(in.s, in.len, &rc, &err, NULL);
	assert_int_equal(rc, 0);
	assert_string_equal(got, "2:!row has more than 256 fields\n3:[ok]\n");
	free(got);

	/* A 70 KB row, then a 300 KB row, then a good one. */
	sbuf_reset(&in);
	sbuf_adds(&in, "a,b\n");
	for (i = 0; i < 70000; i++)
		sbuf_addc(&in, 'y');
	sbuf_adds(&in, ",z\n");
	for (i = 0; i < 300000; i++)
		sbuf_addc(&in, 'w');
	sbuf_adds(&in, "\nfine,row\n");
	got = run(in.s, in.len, &rc, &err, NULL);
	assert_int_equal(rc, 0);
	assert_string_equal(got, "2:!row longer than 65536 bytes\n3:!row longer than 65536 bytes\n"
				 "4:[fine|row]\n");
	free(got);

	/* An unclosed quote over many lines is abandoned, memory bounded. */
	sbuf_reset(&in);
	sbuf_adds(&in, "a\n\"open\n");
	for (i = 0; i < 20000; i++)
		sbuf_adds(&in, "filler line\n");
	got = run(in.s, in.len, &rc, &err, NULL);
	assert_int_equal(rc, 0);
	assert_true(strncmp(got, "2:!row longer than 65536 bytes\n", 31) == 0);
	free(got);

	/* A NUL byte inside a row. */
	got = run("a\nx\0y\nz\n", 8, &rc, &err, NULL);
	assert_string_equal(got, "2:!row holds a NUL byte\n3:[z]\n");
	free(got);
	sbuf_free(&in);
}

static void test_callback_stops(void **state)
{
	struct coll c;
	struct cad_err err = { "" };
	(void)state;
	memset(&c, 0, sizeof(c));
	sbuf_init(&c.out);
	sbuf_init(&c.hdr);
	c.stop_after = 2;
	assert_int_equal(csvfile_read_buffer("t", "a\n1\n2\n3\n", 8, collect, &c, &err), 7);
	assert_string_equal(c.out.s, "2:[1]\n3:[2]\n");
	sbuf_free(&c.out);
	sbuf_free(&c.hdr);
}

/* The file reader: a file bigger than one read chunk, with a BOM and CRLF,
 * a record spanning the chunk boundary; and an unreadable path. */
static void test_file(void **state)
{
	char path[] = "/tmp/cadence-csv-XXXXXX";
	struct coll c;
	struct cad_err err = { "" };
	FILE *f;
	int fd, i;
	char want[64];
	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("\xef\xbb\xbf" "Email,Note\r\n", f);
	for (i = 0; i < 5000; i++)
		fprintf(f, "u%d@x.test,\"note %d\r\nsecond line\"\r\n", i, i);
	fclose(f);
	memset(&c, 0, sizeof(c));
	sbuf_init(&c.out);
	sbuf_init(&c.hdr);
	assert_int_equal(csvfile_read(path, collect, &c, &err), 0);
	assert_int_equal(c.rows, 5000);
	assert_string_equal(c.hdr.s, "email|note");
	assert_true(strncmp(c.out.s, "2:[u0@x.test|note 0\r\nsecond line]\n", 34) == 0);
	snprintf(want, sizeof(want), "\n%d:[u4999@x.test|note 4999\r\nsecond line]\n", 2 + 2 * 4999);
	assert_non_null(strstr(c.out.s, want));
	sbuf_free(&c.out);
	sbuf_free(&c.hdr);
	unlink(path);

	assert_int_equal(csvfile_read("/nonexistent/x.csv", collect, &c, &err), -1);
	assert_string_equal(err.msg, "/nonexistent/x.csv: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_short_long_rows),
		cmocka_unit_test(test_empty_lines_crlf_bom),
		cmocka_unit_test(test_bom_header_name),
		cmocka_unit_test(test_malformed_quote),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
