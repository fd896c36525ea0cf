/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * holiday.h - named holiday calendars: import, sort, select, look up.
 *
 * A calendar ("us", "de-by") is imported from a file a user gives, so the
 * input is untrusted:
 * - a plain list, one "YYYY-MM-DD name" per line, '#' comments and blank
 *   lines allowed; errors name file:line;
 * - an iCalendar file (libical): each VEVENT is an all-day event
 *   (DTSTART;VALUE=DATE); DTEND (exclusive) or DURATION makes a multi-day
 *   event; an RRULE is expanded over the years [year_from, year_to] given by
 *   the caller; EXDATE dates are left out, RDATE dates added; STATUS:CANCELLED
 *   events are skipped. Errors name the file, the line of the VEVENT and its
 *   SUMMARY.
 * Both are bounded (HOLIDAY_MAX_*): too large a file, too many dates, too
 * long a name or an event spanning too many days is refused whole.
 *
 * The result is an array sorted by (calendar, date) with one entry per
 * calendar and date: when two events fall on the same day the first name in
 * byte order is kept (and the other is not an error: regional calendars
 * often list two observances on one day).
 */
#ifndef CADENCE_HOLIDAY_H
#define CADENCE_HOLIDAY_H

#include <stddef.h>

#include "util.h"

#define HOLIDAY_MAX_FILE (1024 * 1024)   /* bytes */
#define HOLIDAY_MAX_ENTRIES 20000        /* dates per import */
#define HOLIDAY_MAX_NAME 200             /* bytes of a holiday's name */
#define HOLIDAY_MAX_SPAN 31              /* days of one multi-day event */
#define HOLIDAY_MAX_YEARS 50             /* year_to - year_from + 1 */
#define HOLIDAY_MAX_CALNAME 32           /* bytes of a calendar name */

struct holiday {
	char *calendar;   /* [a-z0-9_-]: the imported name in lower case */
	char date[11];    /* "YYYY-MM-DD" */
	char *name;       /* printable UTF-8, never NULL (may be "") */
};

struct holiday_list {
	struct holiday *v;
	size_t n;
	size_t cap;
};

void holiday_list_init(struct holiday_list *l);
void holiday_list_free(struct holiday_list *l);
/* Appends a copy (no checks beyond the date format; for callers that build
 * a list from the store). */
void holiday_list_add(struct holiday_list *l, const char *calendar, const char *date,
                      const char *name);
/* Sorts by (calendar, date, name) and keeps one entry per (calendar, date). */
void holiday_list_sort(struct holiday_list *l);

/* 1 when name is an acceptable calendar name (1-32 of [A-Za-z0-9_-]); the
 * parsers store it in lower case, and holiday_select() compares without
 * regard to case. */
int holiday_calendar_valid(const char *name);

/* Parses a plain list. fname is used in messages only. On success appends
 * the dates (sorted, de-duplicated) to out and returns 0; on error returns
 * -1 with err set and out unchanged. */
int holiday_parse_text(const char *calendar, const char *data, size_t len,
                       const char *fname, struct holiday_list *out, struct cad_err *err);

/* Parses an iCalendar file, expanding recurrences over [year_from, year_to]
 * (at most HOLIDAY_MAX_YEARS years, within 1900-2499; dates outside that
 * range are refused). Same contract as holiday_parse_text. */
int holiday_parse_ical(const char *calendar, const char *data, size_t len,
                       const char *fname, int year_from, int year_to,
                       struct holiday_list *out, struct cad_err *err);

/* Parses data as iCalendar when it starts with BEGIN:VCALENDAR (after
 * blanks or a UTF-8 BOM), else as a plain list. */
int holiday_parse(const char *calendar, const char *data, size_t len, const char *fname,
                  int year_from, int year_to, struct holiday_list *out,
                  struct cad_err *err);

/* Reads the file path (at most HOLIDAY_MAX_FILE bytes) and parses it. */
int holiday_load_file(const char *calendar, const char *path, int year_from, int year_to,
                      struct holiday_list *out, struct cad_err *err);

/* Copies into out the entries of all whose calendar is in the
 * comma-separated list names ("us, de"; NULL or "" selects none), sorted by
 * date with one entry per date, as struct cal_rules wants them. */
void holiday_select(const struct holiday *all, size_t n, const char *names,
                    struct holiday_list *out);

/* A holiday on date ("YYYY-MM-DD") in an array sorted by date (as
 * holiday_select returns it; several entries per date are fine), or NULL.
 * Binary search. */
const struct holiday *holiday_find(const struct holiday *v, size_t n, const char *date);

#endif
