/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cal.c - the calendar rules: zones (via libical and the system tz
 * database), follow-up days and the sending window (dates: cal_day.c). See cal.h for the rules
 * (gap and overlap, windows crossing midnight); this file keeps them.
 *
 * Local time is computed from UTC offsets only: libical answers "which
 * offset is in force at UTC instant t" (icaltimezone_get_utc_offset_of_utc_time)
 * and the rest is integer arithmetic here, so there is no TZ environment
 * variable, no localtime() and nothing that depends on the process's zone.
 */
#include "cal.h"

#include <libical/ical.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "tz.h"

/* ---- zones ---- */

struct cal_zone {
	char *name;
	icaltimezone *ical;
	int owned;              /* loaded by us (not one of libical's builtins) */
	struct cal_zone *next;
};

/* One lock for libical's zone cache and ours: libical expands a zone's
 * changes lazily into shared arrays, and a zone loaded here is appended to a
 * list, so concurrent first uses must not interleave. */
static pthread_mutex_t cal_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cal_zone *cal_zones;
static size_t cal_nzones;
#define CAL_MAX_ZONES 1024   /* there are about 600 zone names */

void cal_libical_lock(void)
{
	pthread_mutex_lock(&cal_lock);
}

void cal_libical_unlock(void)
{
	pthread_mutex_unlock(&cal_lock);
}

static icaltimezone *cal_ical_load(const char *name, int *owned)
{
	*owned = 0;
	if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0)
		return icaltimezone_get_utc_timezone();
	icaltimezone *z = icaltimezone_get_builtin_timezone(name);
	if (z != NULL)
		return z;
	/* libical's builtin list is zone.tab, which leaves out links such as
	 * "Asia/Calcutta" or "US/Eastern"; read those files directly.
	 * tz_valid() has vouched that the name stays in the zone directory. */
	icalcomponent *vtz = icaltzutil_fetch_timezone(name);
	if (vtz == NULL)
		return NULL;
	z = icaltimezone_new();
	if (z == NULL || !icaltimezone_set_component(z, vtz)) {
		if (z != NULL)
			icaltimezone_free(z, 1);
		icalcomponent_free(vtz);
		return NULL;
	}
	*owned = 1;
	return z;
}

const struct cal_zone *cal_zone_get(const char *name, struct cad_err *err)
{
	struct cal_zone *z;

	if (name == NULL || *name == '\0') {
		cad_err_set(err, "no time zone given");
		return NULL;
	}
	if (strlen(name) > TZ_NAME_MAX || !tz_valid(name)) {
		struct sbuf b;
		sbuf_init(&b);
		cad_printable(&b, name, 64);
		cad_err_set(err, "time zone \"%s\" is not in the system time-zone database", b.s);
		sbuf_free(&b);
		return NULL;
	}
	pthread_mutex_lock(&cal_lock);
	for (z = cal_zones; z != NULL; z = z->next)
		if (strcmp(z->name, name) == 0)
			goto out;
	if (cal_nzones >= CAL_MAX_ZONES) {
		cad_err_set(err, "time zone \"%s\": too many distinct zones in use", name);
		goto out;
	}
	int owned;
	icaltimezone *iz = cal_ical_load(name, &owned);
	if (iz == NULL) {
		cad_err_set(err, "time zone \"%s\" could not be read from the system time-zone database",
		            name);
		goto out;
	}
	z = xcalloc(1, sizeof(*z));
	z->name = xstrdup(name);
	z->ical = iz;
	z->owned = owned;
	z->next = cal_zones;
	cal_zones = z;
	cal_nzones++;
out:
	pthread_mutex_unlock(&cal_lock);
	return z;
}

const char *cal_zone_name(const struct cal_zone *z)
{
	return z->name;
}

void cal_zone_cache_free(void)
{
	pthread_mutex_lock(&cal_lock);
	while (cal_zones != NULL) {
		struct cal_zone *z = cal_zones;
		cal_zones = z->next;
		if (z->owned)
			icaltimezone_free(z->ical, 1);
		free(z->name);
		free(z);
	}
	cal_nzones = 0;
	icaltimezone_free_builtin_timezones();
	pthread_mutex_unlock(&cal_lock);
}

const struct cal_zone *cal_zone_choose(const char *contact_tz, const char *seq_tz,
                                       const char *rep_tz, struct cad_err *err)
{
	const char *name, *from;
	const struct cal_zone *z;

	if (contact_tz != NULL && *contact_tz != '\0')
		name = contact_tz, from = "the contact's time zone";
	else if (seq_tz != NULL && *seq_tz != '\0')
		name = seq_tz, from = "the sequence's default time zone";
	else if (rep_tz != NULL && *rep_tz != '\0')
		name = rep_tz, from = "the rep's time zone";
	else {
		cad_err_set(err, "no time zone: the contact, the sequence and the rep have none");
		return NULL;
	}
	z = cal_zone_get(name, err);
	if (z == NULL)
		cad_err_prefix(err, "%s", from);
	return z;
}

int cal_utc_offset(const struct cal_zone *z, cad_time_t t)
{
	struct icaltimetype tt;
	int isdst = 0, off;

	/* icaltime_from_timet_with_zone takes a time_t; cad_time_t beyond its
	 * range cannot occur on LP64, where time_t is 64 bits. */
	pthread_mutex_lock(&cal_lock);
	tt = icaltime_from_timet_with_zone((time_t)t, 0, icaltimezone_get_utc_timezone());
	off = icaltimezone_get_utc_offset_of_utc_time(z->ical, &tt, &isdst);
	pthread_mutex_unlock(&cal_lock);
	return off;
}

static int64_t floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void cal_to_local(const struct cal_zone *z, cad_time_t t, struct cal_tm *out)
{
	int off = cal_utc_offset(z, t);
	int64_t l = t + off;
	int64_t day = floordiv(l, 86400);
	int64_t sec = l - day * 86400;

	memset(out, 0, sizeof(*out));
	cal_day_to_ymd(day, &out->year, &out->month, &out->day);
	out->hour = (int)(sec / 3600);
	out->min = (int)(sec / 60 % 60);
	out->sec = (int)(sec % 60);
	out->wday = cal_weekday(day);
	out->dayno = day;
	out->utc_offset = off;
}

cad_time_t cal_from_local(const struct cal_zone *z, int64_t dayno, int sec_of_day)
{
	/* The wall time read as if it were UTC. */
	int64_t l = dayno * 86400 + sec_of_day;
	/* Offsets in force a day and a half before and after: no zone changes
	 * its offset twice within three days, so these are the only offsets
	 * the wall time can have. */
	int before = cal_utc_offset(z, l - 129600);
	int after = cal_utc_offset(z, l + 129600);
	cad_time_t t1 = l - before, t2 = l - after;
	int ok1 = cal_utc_offset(z, t1) == before;
	int ok2 = cal_utc_offset(z, t2) == after;

	if (ok1 && ok2)
		return t1 < t2 ? t1 : t2;  /* overlap (or no change): the first */
	if (ok1)
		return t1;
	if (ok2)
		return t2;
	/* The gap: read the wall time with the offset in force before the
	 * change, which lands as far past the change as the wall time is
	 * past its start (02:30 -> 03:30 when clocks skip 02:00-03:00). */
	return t1;
}

/* ---- follow-up days and windows ---- */

int cal_rules_check(const struct cal_rules *r, struct cad_err *err)
{
	if (r->zone == NULL)
		return cad_err_set(err, "no time zone");
	if (r->days != SEQ_DAYS_BUSINESS && r->days != SEQ_DAYS_WEEKDAYS &&
	    r->days != SEQ_DAYS_EVERY)
		return cad_err_set(err, "follow-up days: unknown mode %d", (int)r->days);
	if (r->window_start < 0 || r->window_start > 1440)
		return cad_err_set(err, "window start %d is not a minute of the day (0-1440)",
		                   r->window_start);
	if (r->window_end < 0 || r->window_end > 1440)
		return cad_err_set(err, "window end %d is not a minute of the day (0-1440)",
		                   r->window_end);
	if (r->nholidays > 0 && r->holidays == NULL)
		return cad_err_set(err, "holidays: %zu entries but no array", r->nholidays);
	return 0;
}

static int cal_time_check(cad_time_t t, struct cad_err *err)
{
	if (t < CAL_MIN_TIME || t > CAL_MAX_TIME)
		return cad_err_set(err, "time %lld is outside the calendar's range (1900-2499)",
		                   (long long)t);
	return 0;
}

int cal_day_open(const struct cal_rules *r, int64_t dayno)
{
	char buf[16];
	int wd;

	if (r->days == SEQ_DAYS_EVERY)
		return 1;
	wd = cal_weekday(dayno);
	if (wd == 0 || wd == 6)
		return 0;
	if (r->days == SEQ_DAYS_WEEKDAYS || r->nholidays == 0)
		return 1;
	cal_day_format(dayno, buf, sizeof(buf));
	return holiday_find(r->holidays, r->nholidays, buf) == NULL;
}

int cal_open_day_after(const struct cal_rules *r, int64_t dayno, int64_t *out,
                       struct cad_err *err)
{
	for (int i = 1; i <= CAL_MAX_SEARCH_DAYS; i++) {
		if (cal_day_open(r, dayno + i)) {
			*out = dayno + i;
			return 0;
		}
	}
	char buf[16];
	return cad_err_set(err, "no open day within %d days after %s", CAL_MAX_SEARCH_DAYS,
	                   cal_day_format(dayno, buf, sizeof(buf)));
}

/* The window belonging to the open day dayno, as UTC instants [*s, *e). */
static void cal_window_of(const struct cal_rules *r, int64_t dayno, cad_time_t *s,
                          cad_time_t *e)
{
	int ws = r->window_start, we = r->window_end;

	*s = cal_from_local(r->zone, dayno, ws * 60);
	if (ws < we)
		*e = cal_from_local(r->zone, dayno, we * 60);
	else if (ws > we)
		*e = cal_from_local(r->zone, dayno + 1, we * 60);
	else
		*e = cal_from_local(r->zone, dayno + 1, ws * 60);
}

int cal_next_open(const struct cal_rules *r, cad_time_t t, cad_time_t *out,
                  struct cad_err *err)
{
	struct cal_tm lt;

	if (cal_rules_check(r, err) < 0 || cal_time_check(t, err) < 0)
		return -1;
	cal_to_local(r->zone, t, &lt);
	/* Windows of successive days are disjoint and in order, so the first
	 * one that ends after t holds the answer. Start a day early: a window
	 * crossing midnight may belong to yesterday. */
	for (int64_t d = lt.dayno - 1; d <= lt.dayno + CAL_MAX_SEARCH_DAYS; d++) {
		cad_time_t s, e;
		if (!cal_day_open(r, d))
			continue;
		cal_window_of(r, d, &s, &e);
		if (e > t && s < e) {
			*out = s > t ? s : t;
			return 0;
		}
	}
	char buf[CAD_TIME_BUFSZ];
	return cad_err_set(err, "no open sending window within %d days after %s",
	                   CAL_MAX_SEARCH_DAYS, cad_time_format(t, buf, sizeof(buf)));
}

int cal_window_open(const struct cal_rules *r, cad_time_t t)
{
	cad_time_t n;
	return cal_next_open(r, t, &n, NULL) == 0 && n == t;
}

int cal_next_due(const struct cal_rules *r, cad_time_t prev, int delay_days,
                 int delay_minutes, cad_time_t *out, struct cad_err *err)
{
	struct cal_tm lt;
	int64_t day;

	if (cal_rules_check(r, err) < 0 || cal_time_check(prev, err) < 0)
		return -1;
	if (delay_days < 0 || delay_days > CAL_MAX_DELAY_DAYS)
		return cad_err_set(err, "delay of %d days is out of range (0-%d)", delay_days,
		                   CAL_MAX_DELAY_DAYS);
	if (delay_minutes < 0 || delay_minutes > CAL_MAX_DELAY_MINUTES)
		return cad_err_set(err, "delay of %d minutes is out of range (0-%d)",
		                   delay_minutes, CAL_MAX_DELAY_MINUTES);
	cad_time_t t = prev;
	if (delay_days > 0) {
		cal_to_local(r->zone, prev, &lt);
		day = lt.dayno;
		for (int i = 0; i < delay_days; i++)
			if (cal_open_day_after(r, day, &day, err) < 0)
				return -1;
		t = cal_from_local(r->zone, day, lt.hour * 3600 + lt.min * 60 + lt.sec);
	}
	/* (With no days, prev itself: a round trip through the wall clock
	 * would move a time in the second half of an overlap an hour back.) */
	t += (cad_time_t)delay_minutes * 60;
	return cal_next_open(r, t, out, err);
}

int cal_resume_after(const struct cal_rules *r, int64_t return_day, cad_time_t *out,
                     struct cad_err *err)
{
	int64_t day;

	cad_time_t s, e;

	if (cal_rules_check(r, err) < 0)
		return -1;
	if (return_day < CAL_MIN_DAY || return_day > CAL_MAX_DAY)
		return cad_err_set(err, "return date outside the calendar's range (1900-2499)");
	if (cal_open_day_after(r, return_day, &day, err) < 0)
		return -1;
	/* The opening of that day's own window (not the tail of the previous
	 * day's window when it crosses midnight). */
	cal_window_of(r, day, &s, &e);
	*out = s;
	return 0;
}

int cal_project(const struct cal_rules *r, cad_time_t start, const struct step *steps,
                size_t nsteps, cad_time_t *due, struct cad_err *err)
{
	cad_time_t prev = start;

	for (size_t i = 0; i < nsteps; i++) {
		if (cal_next_due(r, prev, steps[i].delay_days, steps[i].delay_minutes, &due[i],
		                 err) < 0) {
			cad_err_prefix(err, "step %zu", i + 1);
			return -1;
		}
		prev = due[i];
	}
	return 0;
}

int cal_daily_due(const struct cal_zone *z, cad_time_t last, cad_time_t now, int hour,
                  int64_t *dayno)
{
	struct cal_rules r;
	struct cal_tm lt, lastt;

	memset(&r, 0, sizeof(r));
	r.days = SEQ_DAYS_WEEKDAYS;
	r.zone = z;
	cal_to_local(z, now, &lt);
	*dayno = lt.dayno;
	if (!cal_day_open(&r, lt.dayno) || lt.hour < hour)
		return 0;
	if (last > 0) {
		cal_to_local(z, last, &lastt);
		if (lastt.dayno >= lt.dayno)
			return 0;
	}
	return 1;
}
