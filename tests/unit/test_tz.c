/* SPDX-License-Identifier: BSD-2-Clause */
/* test_tz.c - unit tests for tz.c: IANA zone names against the system tzdata. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tz.h"
#include "util.h"

static void test_real_zones(void **state)
{
	(void)state;
	assert_true(tz_valid("Europe/Berlin"));
	assert_true(tz_valid("America/New_York"));
	assert_true(tz_valid("Asia/Kolkata"));
	assert_true(tz_valid("America/Argentina/Buenos_Aires"));
	assert_true(tz_valid("Etc/GMT+5"));
	assert_true(tz_valid("UTC"));
}

static void test_bad_names(void **state)
{
	char longname[TZ_NAME_MAX + 10];
	(void)state;
	assert_false(tz_valid("Mars/Olympus"));
	assert_false(tz_valid("../../etc/passwd"));
	assert_false(tz_valid("Europe/../../../etc/passwd"));
	assert_false(tz_valid("/etc/localtime"));
	assert_false(tz_valid(""));
	assert_false(tz_valid(NULL));
	assert_false(tz_valid("Europe/Berlin "));
	assert_false(tz_valid(" Europe/Berlin"));
	assert_false(tz_valid("Europe//Berlin"));
	assert_false(tz_valid("Europe/Berlin/"));
	assert_false(tz_valid("Europe/Berl\xc3\xadn"));
	assert_false(tz_valid("Europe/Berlin\n"));
	assert_false(tz_valid("europe/berlin_x"));
	/* A directory of the database is not a zone. */
	assert_false(tz_valid("Europe"));
	memset(longname, 'A', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_false(tz_valid(longname));
}

/* $TZDIR is honoured, and a file there must start with the TZif magic. */
static void test_tzdir(void **state)
{
	char dir[] = "/tmp/cadence-tz-XXXXXX";
	char p[64];
	FILE *f;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/Good", dir);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("TZif2 rest does not matter here", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/Bad", dir);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("root:x:0:0:root:/root:/bin/bash\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/Empty", dir);
	f = fopen(p, "w");
	assert_non_null(f);
	fclose(f);

	setenv("TZDIR", dir, 1);
	assert_true(tz_valid("Good"));
	assert_false(tz_valid("Bad"));
	assert_false(tz_valid("Empty"));
	assert_false(tz_valid("Europe/Berlin"));
	assert_true(tz_valid("UTC"));   /* always, even without tzdata */
	unsetenv("TZDIR");
	assert_true(tz_valid("Europe/Berlin"));

	snprintf(p, sizeof(p), "%s/Good", dir); unlink(p);
	snprintf(p, sizeof(p), "%s/Bad", dir); unlink(p);
	snprintf(p, sizeof(p), "%s/Empty", dir); unlink(p);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_zones),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_tzdir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
