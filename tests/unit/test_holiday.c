/* SPDX-License-Identifier: BSD-2-Clause */
/* test_holiday.c - unit tests for holiday.c: the plain list and iCalendar
 * imports (recurrences, multi-day events, exclusions, bounds, errors that
 * name file:line), the calendars shipped in contrib/holidays, selection
 * and look-up. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holiday.h"

static int parse_text(const char *txt, struct holiday_list *l, struct cad_err *err)
{
	return holiday_parse_text("us", txt, strlen(txt), "us.txt", l, err);
}

static int parse_ics(const char *body, int from, int to, struct holiday_list *l,
                     struct cad_err *err)
{
	struct sbuf b;
	int rc;
	sbuf_init(&b);
	sbuf_adds(&b, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n");
	sbuf_adds(&b, body);
	sbuf_adds(&b, "END:VCALENDAR\r\n");
	rc = holiday_parse("DE", b.s, b.len, "de.ics", from, to, l, err);
	sbuf_free(&b);
	return rc;
}

/* The dates of l joined by spaces, for one readable assertion. */
static char *dates(const struct holiday_list *l)
{
	struct sbuf b;
	sbuf_init(&b);
	for (size_t i = 0; i < l->n; i++)
		sbuf_addf(&b, "%s%s", i ? " " : "", l->v[i].date);
	char *s = xstrdup(b.s);
	sbuf_free(&b);
	return s;
}

#define assert_dates(l, want)                        \
	do {                                         \
		char *d_ = dates(l);                 \
		assert_string_equal(d_, want);       \
		free(d_);                            \
	} while (0)

static void test_text(void **state)
{
	struct holiday_list l;
	struct cad_err err = { "" };
	(void)state;

	holiday_list_init(&l);
	assert_int_equal(parse_text("\xef\xbb\xbf# US federal\r\n"
	                            "\r\n"
	                            "2026-12-25 Christmas Day\r\n"
	                            "  2026-07-03\tIndependence Day (observed)  \n"
	                            "2026-01-01 New Year's Day\n"
	                            "2026-01-01 Duplicate\n"
	                            "2026-05-25\n"
	                            "   # indented comment\n"
	                            "2028-02-29 Leap day",
	                            &l, &err), 0);
	assert_dates(&l, "2026-01-01 2026-05-25 2026-07-03 2026-12-25 2028-02-29");
	assert_string_equal(l.v[0].calendar, "us");
	/* One entry per date: the first name in byte order. */
	assert_string_equal(l.v[0].name, "Duplicate");
	assert_string_equal(l.v[1].name, "");
	assert_string_equal(l.v[2].name, "Independence Day (observed)");
	holiday_list_free(&l);
}

static void test_text_errors(void **state)
{
	struct holiday_list l;
	struct cad_err err = { "" };
	char big[HOLIDAY_MAX_NAME + 40];
	(void)state;

	holiday_list_init(&l);
	holiday_list_add(&l, "keep", "2020-01-01", "already there");
	assert_int_equal(parse_text("2026-01-01 ok\n# c\n2026-02-30 Not a day\n", &l, &err), -1);
	assert_string_equal(err.msg, "us.txt:3: \"2026-02-30\" is not a date (YYYY-MM-DD)");
	/* Nothing half-applied. */
	assert_int_equal(l.n, 1);
	assert_int_equal(parse_text("2026-01-01Foo\n", &l, &err), -1);
	assert_string_equal(err.msg, "us.txt:1: expected \"YYYY-MM-DD name\"");
	assert_int_equal(parse_text("\n\n26-01-01 x\n", &l, &err), -1);
	assert_non_null(strstr(err.msg, "us.txt:3:"));
	assert_int_equal(parse_text("2026-01-01 a\x01 b\n", &l, &err), -1);
	assert_string_equal(err.msg, "us.txt:1: control character in the name");
	memset(big, 'x', sizeof(big) - 1);
	memcpy(big, "2026-01-01 ", 11);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(parse_text(big, &l, &err), -1);
	assert_non_null(strstr(err.msg, "name longer than"));
	assert_int_equal(holiday_parse_text("u s", "2026-01-01 x\n", 13, "f", &l, &err), -1);
	assert_non_null(strstr(err.msg, "calendar name"));
	assert_int_equal(holiday_parse_text("us", "2026-01-01 x\0y\n", 15, "f", &l, &err), -1);
	assert_non_null(strstr(err.msg, "NUL"));
	assert_int_equal(l.n, 1);
	holiday_list_free(&l);
}

static void test_text_bounds(void **state)
{
	struct holiday_list l;
	struct cad_err err = { "" };
	struct sbuf b;
	(void)state;

	holiday_list_init(&l);
	sbuf_init(&b);
	for (int i = 0; i <= HOLIDAY_MAX_ENTRIES; i++)
		sbuf_adds(&b, "2026-01-01 x\n");
	assert_int_equal(holiday_parse_text("us", b.s, b.len, "many.txt", &l, &err), -1);
	assert_non_null(strstr(err.msg, "more than 20000 dates"));
	sbuf_reset(&b);
	while (b.len <= HOLIDAY_MAX_FILE)
		sbuf_adds(&b, "# padding padding padding padding padding padding\n");
	assert_int_equal(holiday_parse_text("us", b.s, b.len, "big.txt", &l, &err), -1);
	assert_non_null(strstr(err.msg, "big.txt: larger than"));
	assert_int_equal(l.n, 0);
	sbuf_free(&b);
}

static void test_ical(void **state)
{
	struct holiday_list l;
	struct cad_err err = { "" };
	(void)state;

	holiday_list_init(&l);
	assert_int_equal(parse_ics(
		/* yearly, expanded over the range only */
		"BEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20200101\r\n"
		"RRULE:FREQ=YEARLY\r\nSUMMARY:Neujahr\r\nEND:VEVENT\r\n"
		/* two days via DTEND (exclusive), yearly, one year excluded */
		"BEGIN:VEVENT\r\nUID:b\r\nDTSTART;VALUE=DATE:20261225\r\n"
		"DTEND;VALUE=DATE:20261227\r\nRRULE:FREQ=YEARLY;COUNT=5\r\n"
		"EXDATE;VALUE=DATE:20271225\r\nSUMMARY:Weihnachten\r\nEND:VEVENT\r\n"
		/* one day, with an extra RDATE */
		"BEGIN:VEVENT\r\nUID:c\r\nDTSTART;VALUE=DATE:20260403\r\n"
		"RDATE;VALUE=DATE:20270326\r\nSUMMARY:Karfreitag\r\nEND:VEVENT\r\n"
		/* cancelled: left out */
		"BEGIN:VEVENT\r\nUID:d\r\nDTSTART;VALUE=DATE:20260601\r\n"
		"STATUS:CANCELLED\r\nSUMMARY:Gone\r\nEND:VEVENT\r\n"
		/* DURATION in days, and a folded, escaped summary */
		"BEGIN:VEVENT\r\nUID:e\r\nDTSTART;VALUE=DATE:20260720\r\nDURATION:P3D\r\n"
		"SUMMARY:Sommer\\, Pause\r\n  lang\r\nEND:VEVENT\r\n",
		2026, 2028, &l, &err), 0);
	assert_dates(&l, "2026-01-01 2026-04-03 2026-07-20 2026-07-21 2026-07-22 "
	                 "2026-12-25 2026-12-26 2027-01-01 2027-03-26 2028-01-01 "
	                 "2028-12-25 2028-12-26");
	assert_string_equal(l.v[0].calendar, "de");
	assert_string_equal(l.v[0].name, "Neujahr");
	assert_string_equal(l.v[2].name, "Sommer, Pause lang");
	holiday_list_free(&l);
}

static void test_ical_errors(void **state)
{
	struct holiday_list l;
	struct cad_err err = { "" };
	(void)state;

	holiday_list_init(&l);
	/* A timed event is not a holiday: refused whole, naming its line. */
	assert_int_equal(parse_ics(
		"BEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20260101\r\nSUMMARY:Ok\r\nEND:VEVENT\r\n"
		"BEGIN:VEVENT\r\nUID:b\r\nDTSTART:20260102T090000Z\r\nSUMMARY:Meeting\r\nEND:VEVENT\r\n",
		2026, 2027, &l, &err), -1);
	assert_string_equal(err.msg, "de.ics:9: VEVENT \"Meeting\": DTSTART is not an all-day "
	                             "date (DTSTART;VALUE=DATE:YYYYMMDD)");
	assert_int_equal(l.n, 0);
	assert_int_equal(parse_ics("BEGIN:VEVENT\r\nUID:a\r\nSUMMARY:No start\r\nEND:VEVENT\r\n",
	                           2026, 2027, &l, &err), -1);
	assert_string_equal(err.msg, "de.ics:4: VEVENT \"No start\": no DTSTART");
	assert_int_equal(parse_ics("BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20260101\r\n"
	                           "DTEND;VALUE=DATE:20260301\r\nSUMMARY:Long\r\nEND:VEVENT\r\n",
	                           2026, 2027, &l, &err), -1);
	assert_non_null(strstr(err.msg, "lasts more than 31 days"));
	assert_int_equal(parse_ics("BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20260105\r\n"
	                           "DTEND;VALUE=DATE:20260101\r\nSUMMARY:Back\r\nEND:VEVENT\r\n",
	                           2026, 2027, &l, &err), -1);
	assert_non_null(strstr(err.msg, "DTEND is before DTSTART"));
	assert_int_equal(parse_ics("BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20260105\r\n"
	                           "DURATION:PT4H\r\nSUMMARY:Hours\r\nEND:VEVENT\r\n",
	                           2026, 2027, &l, &err), -1);
	assert_non_null(strstr(err.msg, "DURATION must be whole days"));
	/* A daily two-day rule over 50 years expands past the bound. */
	assert_int_equal(parse_ics("BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20000101\r\n"
	                           "DTEND;VALUE=DATE:20000103\r\n"
	                           "RRULE:FREQ=DAILY\r\nSUMMARY:Every day\r\nEND:VEVENT\r\n",
	                           2000, 2049, &l, &err), -1);
	assert_non_null(strstr(err.msg, "too many dates"));
	/* Years out of bounds. */
	assert_int_equal(parse_ics("", 2000, 2100, &l, &err), -1);
	assert_non_null(strstr(err.msg, "at most 50 years"));
	/* Not iCalendar at all, though it says so. */
	assert_int_equal(holiday_parse_ical("de", "hello", 5, "x.ics", 2026, 2027, &l, &err), -1);
	assert_non_null(strstr(err.msg, "x.ics: not an iCalendar file"));
	assert_int_equal(l.n, 0);
	holiday_list_free(&l);
}

static char *srcpath(const char *rel)
{
	const char *top = getenv("CADENCE_SRCDIR");
	struct sbuf b;
	sbuf_init(&b);
	sbuf_addf(&b, "%s/%s", top ? top : ".", rel);
	char *s = xstrdup(b.s);
	sbuf_free(&b);
	return s;
}

static void test_contrib(void **state)
{
	struct holiday_list l, sel;
	struct cad_err err = { "" };
	char *us = srcpath("contrib/holidays/us-federal-2026-2027.txt");
	char *de = srcpath("contrib/holidays/de-2026-2027.ics");
	(void)state;

	holiday_list_init(&l);
	if (holiday_load_file("us", us, 2026, 2027, &l, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(l.n, 23);
	if (holiday_load_file("de", de, 2026, 2027, &l, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(l.n, 23 + 18);

	holiday_list_init(&sel);
	holiday_select(l.v, l.n, "de", &sel);
	assert_dates(&sel, "2026-01-01 2026-04-03 2026-04-06 2026-05-01 2026-05-14 "
	                   "2026-05-25 2026-10-03 2026-12-25 2026-12-26 2027-01-01 "
	                   "2027-03-26 2027-03-29 2027-05-01 2027-05-06 2027-05-17 "
	                   "2027-10-03 2027-12-25 2027-12-26");
	holiday_list_free(&sel);

	holiday_select(l.v, l.n, " us ,de", &sel);
	/* 2026-01-01, 2026-05-25 (Memorial Day, Pfingstmontag), 2026-12-25 and
	 * 2027-01-01 are in both: one entry each. */
	assert_int_equal(sel.n, 23 + 18 - 4);
	assert_non_null(holiday_find(sel.v, sel.n, "2026-07-03"));
	assert_string_equal(holiday_find(sel.v, sel.n, "2026-11-26")->name, "Thanksgiving Day");
	assert_string_equal(holiday_find(sel.v, sel.n, "2026-05-14")->name, "Christi Himmelfahrt");
	assert_null(holiday_find(sel.v, sel.n, "2026-07-04"));
	assert_null(holiday_find(sel.v, sel.n, "2025-12-25"));
	assert_null(holiday_find(sel.v, 0, "2026-07-03"));
	holiday_list_free(&sel);

	holiday_select(l.v, l.n, NULL, &sel);
	assert_int_equal(sel.n, 0);
	holiday_select(l.v, l.n, "fr", &sel);
	assert_int_equal(sel.n, 0);

	assert_int_equal(holiday_load_file("us", "/nonexistent/x.txt", 2026, 2027, &l, &err), -1);
	assert_non_null(strstr(err.msg, "/nonexistent/x.txt: "));
	holiday_list_free(&l);
	free(us);
	free(de);
}

static void test_calendar_names(void **state)
{
	(void)state;
	assert_true(holiday_calendar_valid("us"));
	assert_true(holiday_calendar_valid("de-by_2"));
	assert_false(holiday_calendar_valid(""));
	assert_true(holiday_calendar_valid("US"));
	assert_false(holiday_calendar_valid("us,de"));
	assert_false(holiday_calendar_valid("a/b"));
	assert_false(holiday_calendar_valid(NULL));
	assert_false(holiday_calendar_valid("abcdefghijabcdefghijabcdefghijabc"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_errors),
		cmocka_unit_test(test_text_bounds),
		cmocka_unit_test(test_ical),
		cmocka_unit_test(test_ical_errors),
		cmocka_unit_test(test_contrib),
		cmocka_unit_test(test_calendar_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
