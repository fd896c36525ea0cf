/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cal.h - the calendar rules: time zones, follow-up days, sending windows.
 *
 * Everything here is pure: times are parameters, nothing reads the clock.
 *
 * Time zones come from the system tz database (/usr/share/zoneinfo) through
 * libical, which on Debian reads the compiled zone files (and their POSIX
 * rule for dates past the last transition). Zone names are checked with
 * tz_valid() first, so an unknown name is a clear error, never silently UTC.
 * libical's zone cache is shared by the whole process, so every call into
 * it from here is serialized by one mutex: the functions below are safe to
 * call from several threads (the milter is multi-threaded).
 *
 * Dates are "day numbers": days since 1970-01-01 (a Thursday), so that
 * adding and comparing days is plain integer arithmetic; cal_day_* convert.
 *
 * Rules of the conversion from local wall time to UTC (cal_from_local):
 * - a wall time that does not exist (the gap at a spring-forward change) is
 *   moved forward by the length of the gap: 02:30 on the morning New York
 *   springs forward is 03:30 EDT (as RFC 5545 and java.time do);
 * - a wall time that exists twice (the overlap at a fall-back change) means
 *   its first occurrence: 01:30 on the morning New York falls back is
 *   01:30 EDT, not the 01:30 EST an hour later.
 *
 * Rules of the sending window (struct cal_rules):
 * - window_start and window_end are minutes after local midnight; the window
 *   is [start, end): a step due at exactly the end waits for the next window.
 * - start < end: the window lies within one day.
 * - start > end: the window crosses midnight (22:00-06:00) and belongs to the
 *   day it starts on: Friday's 22:00-06:00 window is open when Friday is an
 *   open day, including Saturday 00:00-06:00; Sunday 22:00 is closed in
 *   weekdays mode, Monday 00:00-06:00 too.
 * - start == end: the window lasts 24 hours from start (0 and 0: the whole
 *   day), so the day's openness alone decides.
 * - A closed day (weekend in business/weekdays mode, a holiday in business
 *   mode) has no window at all.
 */
#ifndef CADENCE_CAL_H
#define CADENCE_CAL_H

#include <stddef.h>
#include <stdint.h>

#include "cal_day.h"
#include "holiday.h"
#include "model.h"
#include "util.h"

/* Limits of the parameters the rules accept (larger is refused as an error). */
#define CAL_MAX_DELAY_DAYS 3660          /* ten years of follow-up days */
#define CAL_MAX_DELAY_MINUTES (60 * 24 * 366)
#define CAL_MAX_SEARCH_DAYS 800          /* how far to look for an open day */
#define CAL_MIN_TIME ((cad_time_t)CAL_MIN_DAY * 86400)
#define CAL_MAX_TIME ((cad_time_t)CAL_MAX_DAY * 86400)

/* ---- zones ---- */
struct cal_zone;   /* opaque; lives as long as the process, never freed */

/* The zone called name, or NULL with err set ("time zone "Mars/Base" is not
 * in the system time-zone database"). Safe from several threads. */
const struct cal_zone *cal_zone_get(const char *name, struct cad_err *err);
const char *cal_zone_name(const struct cal_zone *z);

/* Which zone a step is sent in: the contact's zone, else the sequence's
 * default, else the rep's (NULL or "" means "none"). The first one present
 * is used; if it is not a valid zone that is an error naming it and where it
 * came from (the next one is not tried: a typo must be fixed, not hidden).
 * No zone at all is an error too. */
const struct cal_zone *cal_zone_choose(const char *contact_tz, const char *seq_tz,
                                       const char *rep_tz, struct cad_err *err);

/* A local wall-clock reading. */
struct cal_tm {
	int year, month, day;      /* month 1-12 */
	int hour, min, sec;
	int wday;                  /* 0 = Sunday */
	int64_t dayno;             /* the local date as a day number */
	int utc_offset;            /* seconds east of UTC in force */
};

/* Local date and time of the UTC instant t in zone z. t must lie in
 * [CAL_MIN_TIME, CAL_MAX_TIME] (the functions below check that). */
void cal_to_local(const struct cal_zone *z, cad_time_t t, struct cal_tm *out);
/* The UTC instant of local wall time (dayno, sec_of_day) in z, with the gap
 * and overlap rules above. sec_of_day may be 0..86400 (86400 = next midnight). */
cad_time_t cal_from_local(const struct cal_zone *z, int64_t dayno, int sec_of_day);
/* Offset (seconds east of UTC) in force at instant t. */
int cal_utc_offset(const struct cal_zone *z, cad_time_t t);

/* ---- follow-up days and the sending window ---- */
struct cal_rules {
	enum seq_days days;               /* business, weekdays or every day */
	const struct holiday *holidays;   /* the sequence's calendars' dates, sorted by */
	size_t nholidays;                 /* date (holiday_select, store_holidays_get) */
	int window_start;                 /* minutes after local midnight, 0..1440 */
	int window_end;
	const struct cal_zone *zone;      /* the recipient's zone (cal_zone_choose) */
};

/* 0 when r is usable, else -1 with err naming the bad field. */
int cal_rules_check(const struct cal_rules *r, struct cad_err *err);

/* 1 when the local date dayno counts as a follow-up day under r. */
int cal_day_open(const struct cal_rules *r, int64_t dayno);

/* The first open day strictly after dayno (for an out-of-office return
 * date: resume on the business day after it). -1 with err if none within
 * CAL_MAX_SEARCH_DAYS. */
int cal_open_day_after(const struct cal_rules *r, int64_t dayno, int64_t *out,
                       struct cad_err *err);

/* 1 when the sending window is open at instant t. */
int cal_window_open(const struct cal_rules *r, cad_time_t t);

/* The first instant >= t at which the window is open (t itself when it is
 * open: the first step of a fresh enrollment goes out at once). 0 on
 * success, -1 with err when r is invalid or no open window exists within
 * CAL_MAX_SEARCH_DAYS (a holiday list that closes every day). */
int cal_next_open(const struct cal_rules *r, cad_time_t t, cad_time_t *out,
                  struct cad_err *err);

/* When a step is due after the previous one was sent at prev:
 * 1. take prev's local date and time of day in r->zone;
 * 2. move the date forward by delay_days follow-up days (each step lands on
 *    the next open day, so a 1-business-day delay from Thursday before a
 *    Friday holiday lands on Monday);
 * 3. keep the time of day (the gap/overlap rules apply), then add
 *    delay_minutes as elapsed time (delay_days 0: prev + delay_minutes);
 * 4. move into the sending window with cal_next_open (a closed day is
 *    skipped like a holiday).
 * 0 on success, -1 with err on bad parameters. */
int cal_next_due(const struct cal_rules *r, cad_time_t prev, int delay_days,
                 int delay_minutes, cad_time_t *out, struct cad_err *err);

/* A once-a-day moment on weekdays in zone z (the reps' morning digest):
 * 1 when at instant now it is a weekday in z, at or after hour:00 local
 * time, and last (the previous occurrence, 0 = never) was on an earlier
 * local date. *dayno gets now's local date either way. */
int cal_daily_due(const struct cal_zone *z, cad_time_t last, cad_time_t now, int hour,
                  int64_t *dayno);

/* When an enrollment paused by an out-of-office reply resumes: the opening
 * of the window on the first open day after the local date return_day. */
int cal_resume_after(const struct cal_rules *r, int64_t return_day, cad_time_t *out,
                     struct cad_err *err);

/* When each step of a sequence would be due for an enrollment made at
 * start, if every step went out the moment it was due: due[i] for steps[i]
 * (step 1's delay counts from start). For the new-enrollment projection
 * (ratelimit_enroll_ok), which counts the emails each day would carry. */
int cal_project(const struct cal_rules *r, cad_time_t start, const struct step *steps,
                size_t nsteps, cad_time_t *due, struct cad_err *err);

/* The lock cal holds around every call into libical's time-zone code.
 * Other modules that call libical's zone functions (icaltimezone_*,
 * icaltime_convert_to_zone, icalcomponent_get_dtstart with a TZID) in a
 * threaded program take it too, so that the shared zone cache is never
 * expanded by two threads at once. Not recursive: do not call cal_*
 * functions while holding it. */
void cal_libical_lock(void);
void cal_libical_unlock(void);

/* Test and shutdown hook: drops the zones cached by libical and by cal_zone_get.
 * No zone pointer obtained before may be used afterwards. */
void cal_zone_cache_free(void);

#endif
