/* SPDX-License-Identifier: BSD-2-Clause */
/* test_contact_csv.c - unit tests for contact_csv.c: column names, roles,
 * properties, aliases and each per-row error with its column. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "contact_csv.h"
#include "csvfile.h"
#include "model.h"
#include "util.h"

#define N(a) CAD_ARRAY_LEN(a)

static void test_header_roles(void **state)
{
	struct contact_csv_cols c;
	struct cad_err err = { "" };
	char *h1[] = { "e-mail", "first name", "surname", "organisation", "time zone", "alias", "x" };
	char *h2[] = { "emailaddress", "given_name", "family name", "account", "tz" };
	char *h3[] = { "email address", "first_name", "last_name", "company", "time_zone" };
	char *h4[] = { "Email", "FirstName", "LastName", "Organization", "TimeZone", "Aliases" };
	(void)state;
	assert_int_equal(contact_csv_header(h1, N(h1), &c, &err), 0);
	assert_int_equal(c.email, 0);
	assert_int_equal(c.firstname, 1);
	assert_int_equal(c.lastname, 2);
	assert_int_equal(c.company, 3);
	assert_int_equal(c.tz, 4);
	assert_int_equal(c.aliases, 5);
	assert_int_equal(contact_csv_header(h2, N(h2), &c, &err), 0);
	assert_int_equal(c.email, 0);
	assert_int_equal(c.firstname, 1);
	assert_int_equal(c.lastname, 2);
	assert_int_equal(c.company, 3);
	assert_int_equal(c.tz, 4);
	assert_int_equal(c.aliases, -1);
	assert_int_equal(contact_csv_header(h3, N(h3), &c, &err), 0);
	assert_int_equal(c.tz, 4);
	assert_int_equal(contact_csv_header(h4, N(h4), &c, &err), 0);
	assert_int_equal(c.aliases, 5);
	assert_int_equal(c.company, 3);
}

static void test_header_errors(void **state)
{
	struct contact_csv_cols c;
	struct cad_err err = { "" };
	char *none[] = { "name", "mail", "company" };
	char *twice[] = { "email", "name", "e-mail" };
	char *tz2[] = { "email", "tz", "timezone" };
	char *prop2[] = { "email", "job title", "job_title" };
	(void)state;
	assert_int_equal(contact_csv_header(none, N(none), &c, &err), -1);
	assert_string_equal(err.msg, "no email column (name one column \"email\", \"e-mail\" or "
				     "\"email address\")");
	assert_int_equal(contact_csv_header(twice, N(twice), &c, &err), -1);
	assert_string_equal(err.msg, "columns \"email\" and \"e-mail\" both give the email address");
	assert_int_equal(contact_csv_header(tz2, N(tz2), &c, &err), -1);
	assert_string_equal(err.msg, "columns \"tz\" and \"timezone\" both give the time zone");
	assert_int_equal(contact_csv_header(prop2, N(prop2), &c, &err), -1);
	assert_string_equal(err.msg, "columns \"job title\" and \"job_title\" both give property "
				     "job_title");
}

static void test_row_full(void **state)
{
	struct contact k;
	struct cad_err err = { "" };
	char *h[] = { "email", "first name", "last name", "company", "timezone", "aliases",
		      "job title", "phone", "", "revenue ($)", "notes" };
	char *f[] = { "  Ann.Smith@Acme.TEST ", " Ann ", "Smith", "Acme GmbH", "Europe/Berlin",
		      "ann@acme-old.test; ANN.SMITH@acme.test, a.smith@acme.test a.smith@acme.test",
		      "VP Sales", "", "ignored", " 10M ", "line one\nline two" };
	(void)state;
	assert_int_equal(contact_csv_row(h, f, N(h), &k, &err), 0);
	assert_string_equal(k.email, "ann.smith@acme.test");
	assert_string_equal(k.firstname, "Ann");
	assert_string_equal(k.lastname, "Smith");
	assert_string_equal(k.company, "Acme GmbH");
	assert_string_equal(k.tz, "Europe/Berlin");
	/* The primary address and repeats are not aliases. */
	assert_int_equal(k.naliases, 2);
	assert_string_equal(k.aliases[0], "ann@acme-old.test");
	assert_string_equal(k.aliases[1], "a.smith@acme.test");
	/* Empty values and unnamed columns give no property. */
	assert_int_equal(k.nprops, 3);
	assert_string_equal(contact_prop(&k, "job_title"), "VP Sales");
	assert_string_equal(contact_prop(&k, "revenue"), "10M");
	assert_string_equal(contact_prop(&k, "notes"), "line one\nline two");
	assert_null(contact_prop(&k, "phone"));
	assert_string_equal(k.props[0].key, "job_title");
	contact_free(&k);
}

/* The region column (issue #12, 7): a holiday calendar name, kept in
 * lower case, not a property; anything else rejects the row naming it. */
static void test_row_region(void **state)
{
	struct contact k;
	struct cad_err err = { "" };
	char *h[] = { "email", "Holiday Region", "country" };
	char *f[] = { "dora@example.de", " DE ", "Germany" };
	char *h2[] = { "email", "region", "holiday calendar" };
	char *h3[] = { "email", "region" };
	char *bad[] = { "a@example.de", "Baden-Württemberg" };
	char *empty[] = { "a@example.de", "" };
	struct contact_csv_cols c;
	(void)state;
	assert_int_equal(contact_csv_row(h, f, N(h), &k, &err), 0);
	assert_string_equal(k.region, "de");
	/* "country" stays a property: only the names above are the region. */
	assert_int_equal(k.nprops, 1);
	assert_string_equal(contact_prop(&k, "country"), "Germany");
	contact_free(&k);
	assert_int_equal(contact_csv_header(h2, N(h2), &c, &err), -1);
	assert_string_equal(err.msg, "columns \"region\" and \"holiday calendar\" both give the "
				     "region");
	assert_int_equal(contact_csv_row(h3, bad, N(h3), &k, &err), -1);
	assert_string_equal(err.msg, "column \"region\": \"Baden-W\\xc3\\xbcrttemberg\" is not a "
				     "holiday calendar name (1-32 of A-Z a-z 0-9 _ -, such as de or us-ca)");
	assert_int_equal(contact_csv_row(h3, empty, N(h3), &k, &err), 0);
	assert_null(k.region);
	contact_free(&k);
}

static void test_row_minimal(void **state)
{
	struct contact k;
	struct cad_err err = { "" };
	char *h[] = { "name", "email", "Stadt" };
	char *f[] = { "", "bob@b.test", "K\xc3\xb6ln" };
	(void)state;
	assert_int_equal(contact_csv_row(h, f, N(h), &k, &err), 0);
	assert_string_equal(k.email, "bob@b.test");
	assert_null(k.firstname);
	assert_null(k.lastname);
	assert_null(k.company);
	assert_null(k.tz);
	assert_int_equal(k.naliases, 0);
	assert_int_equal(k.nprops, 1);
	assert_string_equal(k.props[0].key, "stadt");
	assert_string_equal(k.props[0].value, "K\xc3\xb6ln");
	contact_free(&k);
}

/* Runs one bad row and checks the message; *out must come back empty. */
static void expect_bad(char **h, char **f, size_t n, const char *msg)
{
	struct contact k;
	struct cad_err err = { "" };
	assert_int_equal(contact_csv_row(h, f, n, &k, &err), -1);
	assert_string_equal(err.msg, msg);
	assert_null(k.email);
	assert_null(k.props);
	assert_null(k.aliases);
	contact_free(&k);
}

static void test_row_errors(void **state)
{
	char *h[] = { "E-Mail", "tz", "first name", "aliases", "notes" };
	char *f1[] = { "  ", "", "", "", "" };
	char *f2[] = { "not-an-address", "", "", "", "" };
	char *f3[] = { "a@b.test", "Mars/Olympus", "", "", "" };
	char *f4[] = { "a@b.test", "../../etc/passwd", "", "", "" };
	char *f5[] = { "a@b.test", "", "", "x@y.test; nope", "" };
	char *f6[] = { "a@b.test", "", "Ann\r\nBcc: evil@x.test", "", "" };
	char *f7[] = { "a@b.test", "", "Ren\xe9", "", "" };
	char *f8[] = { "a@b.test", "", "", "", "bell\x07" };
	char *f9[] = { "Ann <a@b.test>", "", "", "", "" };
	char *f10[] = { "a@b.test", "Europe/Berlin ", "", "", "\xed\xa0\x80" };
	char longname[300];
	char *f11[] = { "a@b.test", "", longname, "", "" };
	(void)state;
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	expect_bad(h, f1, N(h), "column \"E-Mail\": no address");
	expect_bad(h, f2, N(h), "column \"E-Mail\": \"not-an-address\" is not a valid address");
	expect_bad(h, f3, N(h), "column \"tz\": \"Mars/Olympus\" is not a known time zone (use an "
				"IANA name such as Europe/Berlin)");
	expect_bad(h, f4, N(h), "column \"tz\": \"../../etc/passwd\" is not a known time zone (use "
				"an IANA name such as Europe/Berlin)");
	expect_bad(h, f5, N(h), "column \"aliases\": \"nope\" is not a valid address");
	expect_bad(h, f6, N(h), "column \"first name\": holds a control character or line break");
	expect_bad(h, f7, N(h), "column \"first name\": is not UTF-8 (save the file as \"CSV UTF-8\")");
	expect_bad(h, f8, N(h), "column \"notes\": holds a control character");
	expect_bad(h, f9, N(h), "column \"E-Mail\": \"Ann <a@b.test>\" is not a valid address");
	/* A value is trimmed before the zone check, so this fails only on the note. */
	expect_bad(h, f10, N(h), "column \"notes\": is not UTF-8 (save the file as \"CSV UTF-8\")");
	expect_bad(h, f11, N(h), "column \"first name\": is longer than 256 bytes");
}

static void test_aliases_helper(void **state)
{
	struct contact k;
	struct cad_err err = { "" };
	(void)state;
	memset(&k, 0, sizeof(k));
	k.email = xstrdup("me@x.test");
	assert_int_equal(contact_csv_aliases(" ; ,, ", &k, &err), 0);
	assert_int_equal(k.naliases, 0);
	assert_int_equal(contact_csv_aliases("A@x.test;b@x.test ME@x.test", &k, &err), 0);
	assert_int_equal(k.naliases, 2);
	assert_int_equal(contact_csv_aliases("b@x.test c@x.test, bad@", &k, &err), -1);
	assert_string_equal(err.msg, "\"bad@\" is not a valid address");
	assert_int_equal(k.naliases, 2);   /* unchanged on error */
	assert_int_equal(contact_csv_aliases("b@x.test\nc@x.test", &k, &err), 0);
	assert_int_equal(k.naliases, 3);
	assert_string_equal(k.aliases[2], "c@x.test");
	contact_free(&k);
}

/* With csvfile: a real file's rows end up as contacts or as errors by line. */
struct imp {
	struct sbuf log;
	int header_ok;
};

static int import_row(void *arg, size_t line, char *const *hdr, char *const *fields, size_t n,
		      const char *row_err)
{
	struct imp *im = arg;
	struct contact_csv_cols cols;
	struct contact k;
	struct cad_err err = { "" };
	if (!im->header_ok) {
		if (contact_csv_header(hdr, n, &cols, &err) != 0) {
			sbuf_addf(&im->log, "header: %s\n", err.msg);
			return 1;
		}
		im->header_ok = 1;
	}
	if (row_err != NULL) {
		sbuf_addf(&im->log, "%zu: %s\n", line, row_err);
		return 0;
	}
	if (contact_csv_row(hdr, fields, n, &k, &err) != 0)
		sbuf_addf(&im->log, "%zu: %s\n", line, err.msg);
	else
		sbuf_addf(&im->log, "%zu: %s %s tz=%s props=%zu\n", line, k.email,
			  k.firstname ? k.firstname : "-", k.tz ? k.tz : "-", k.nprops);
	contact_free(&k);
	return 0;
}

static void test_with_csvfile(void **state)
{
	const char *csv = "\xef\xbb\xbf" "Email Address,First Name,Time Zone,Notes\r\n"
			  "ann@a.test,Ann,America/New_York,\"met at, the fair\"\r\n"
			  "broken,Bob,,\r\n"
			  "\r\n"
			  "cid@c.test,\"Cid\",Asia/Kolkata,\"two\r\nlines\"\r\n"
			  "dan@d.test,Dan,Europe/Berln,\r\n";
	struct imp im;
	struct cad_err err = { "" };
	(void)state;
	memset(&im, 0, sizeof(im));
	sbuf_init(&im.log);
	assert_int_equal(csvfile_read_buffer("c.csv", csv, strlen(csv), import_row, &im, &err), 0);
	assert_string_equal(im.log.s,
			    "2: ann@a.test Ann tz=America/New_York props=1\n"
			    "3: column \"email address\": \"broken\" is not a valid address\n"
			    "5: cid@c.test Cid tz=Asia/Kolkata props=1\n"
			    "7: column \"time zone\": \"Europe/Berln\" is not a known time zone (use an "
			    "IANA name such as Europe/Berlin)\n");
	sbuf_free(&im.log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_roles),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_row_full),
		cmocka_unit_test(test_row_minimal),
		cmocka_unit_test(test_row_region),
		cmocka_unit_test(test_row_errors),
		cmocka_unit_test(test_aliases_helper),
		cmocka_unit_test(test_with_csvfile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
