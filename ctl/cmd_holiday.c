/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_holiday.c - "cadencectl holiday import|list": the named holiday
 * calendars a sequence honours (its "holidays = us, de" setting).
 *
 * import reads a plain "YYYY-MM-DD name" list or an iCalendar file
 * (holiday_load_file: untrusted input, bounded, errors naming file:line)
 * and replaces every date of that calendar in one transaction
 * (store_holidays_replace), so that cadenced never sees half a calendar.
 * A file with an error, or with no dates at all, changes nothing.
 *
 * list without a name shows the calendars the store knows of: those ever
 * imported (their "holidays_imported" events) and those a sequence names,
 * with their dates counted from the store, so that a sequence naming a
 * calendar nobody imported shows up with no dates. With a name it shows
 * that calendar's dates.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cal.h"
#include "ctl.h"
#include "holiday.h"
#include "out.h"
#include "store_holiday.h"

#define USAGE_IMPORT "holiday import NAME FILE [--years FROM-TO]"
#define USAGE_LIST "holiday list [NAME]"

/* How many years of recurring iCalendar events are expanded by default:
 * this year (of --now) and the next ones. */
#define HOLIDAY_DEFAULT_YEARS 5

/* Checks and lower-cases a calendar name; -1 after a message. */
static int parse_calname(const struct ctl *c, const char *arg, char **out)
{
	if (!holiday_calendar_valid(arg)) {
		ctl_bad_arg(c, "calendar name", arg, 100, "use 1-%d letters, digits, '-' or '_'",
			    HOLIDAY_MAX_CALNAME);
		return -1;
	}
	*out = xstrdup(arg);
	cad_strlower(*out);
	return 0;
}

/* "2026-2030" or "2026" into [from, to]; -1 after a message. */
static int parse_years(const struct ctl *c, const char *arg, int *from, int *to)
{
	char *end;
	long a, b;

	a = strtol(arg, &end, 10);
	b = a;
	if (end != arg && *end == '-')
		b = strtol(end + 1, &end, 10);
	if (end == arg || *end != '\0' || a < 1900 || b > 2499 || b < a ||
	    b - a + 1 > HOLIDAY_MAX_YEARS) {
		ctl_bad_arg(c, "--years", arg, 100, "not FROM-TO, years from 1900 to 2499, at most "
			    "%d of them", HOLIDAY_MAX_YEARS);
		return -1;
	}
	*from = (int)a;
	*to = (int)b;
	return 0;
}

static int hol_import(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "years", required_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 }
	};
	struct holiday_list l, before;
	struct cad_err err;
	char *name = NULL;
	const char *years = NULL, *path;
	int ch, from, to, rc = CTL_FAIL;
	json_t *o;

	holiday_list_init(&l);
	holiday_list_init(&before);
	while ((ch = ctl_getopt(c, argc, argv, "", longopts)) != -1) {
		switch (ch) {
		case 'h': return ctl_help(USAGE_IMPORT);
		case 'y': years = optarg; break;
		default: return CTL_USAGE;
		}
	}
	if (c->npos != 2)
		return ctl_usage_error(c, USAGE_IMPORT, "needs a calendar NAME and a FILE");
	path = c->pos[1];
	if (years != NULL) {
		if (parse_years(c, years, &from, &to) != 0)
			return CTL_FAIL;
	} else {
		/* The year of --now (in UTC: close enough for a year) and
		 * the next ones. */
		int y, m, d;
		cal_day_to_ymd(c->now >= 0 ? c->now / 86400 : -1 - (-1 - c->now) / 86400, &y, &m,
			       &d);
		from = y;
		to = y + HOLIDAY_DEFAULT_YEARS - 1;
	}
	if (parse_calname(c, c->pos[0], &name) != 0)
		return CTL_FAIL;
	/* Parse the whole file before touching the store. */
	if (holiday_load_file(name, path, from, to, &l, &err) != 0) {
		ctl_fail(c, "%s", err.msg);
		goto out;
	}
	if (l.n == 0) {
		ctl_fail(c, "%s: no dates (an empty file would empty calendar %s; "
			 "nothing was changed)", path, name);
		goto out;
	}
	if (ctl_store(c, 0) != 0)
		goto out;
	if (store_holidays_get(c->st, name, &before, &err) != 0 ||
	    store_holidays_replace(c->st, name, &l, c->actor, c->now, &err) != 0) {
		ctl_fail(c, "calendar %s: %s", name, err.msg);
		goto out;
	}
	o = json_object();
	out_set(o, "calendar", json_string(name));
	out_set(o, "file", out_str(path));
	out_set(o, "dates", json_integer((json_int_t)l.n));
	out_set(o, "replaced", json_integer((json_int_t)before.n));
	out_set(o, "first", json_string(l.v[0].date));
	out_set(o, "last", json_string(l.v[l.n - 1].date));
	out_result(c, o, "imported %zu date%s into calendar %s (%s to %s; it had %zu)", l.n,
		   l.n == 1 ? "" : "s", name, l.v[0].date, l.v[l.n - 1].date, before.n);
	rc = CTL_OK;
out:
	holiday_list_free(&l);
	holiday_list_free(&before);
	free(name);
	return rc;
}

/* The dates of one calendar. */
static int list_one(struct ctl *c, const char *name)
{
	static const struct out_col cols[] = {
		{ "date", "DATE", NULL, 0 },
		{ "weekday", "DAY", NULL, 0 },
		{ "name", "NAME", NULL, 0 },
	};
	static const char *const wdays[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	struct holiday_list l;
	struct cad_err err;
	json_t *rows;
	size_t i;

	if (store_holidays_get(c->st, name, &l, &err) != 0)
		return ctl_fail(c, "calendar %s: %s", name, err.msg);
	if (l.n == 0) {
		holiday_list_free(&l);
		return ctl_fail(c, "calendar %s: no dates (import them with "
			 "'cadencectl holiday import %s FILE')", name, name);
	}
	rows = json_array();
	for (i = 0; i < l.n; i++) {
		json_t *o = json_object();
		int64_t d;
		out_set(o, "calendar", json_string(l.v[i].calendar));
		out_set(o, "date", json_string(l.v[i].date));
		out_set(o, "weekday", cal_day_parse(l.v[i].date, &d) == 0
			? json_string(wdays[cal_weekday(d)]) : json_null());
		out_set(o, "name", json_string(l.v[i].name));
		json_array_append_new(rows, o);
	}
	holiday_list_free(&l);
	out_list(c, rows, cols, CAD_ARRAY_LEN(cols));
	return CTL_OK;
}

/* One known calendar, for the listing of all. */
struct calinfo {
	char *name;
	cad_time_t imported;      /* its last import, 0 if never */
	json_t *sequences;        /* names of the sequences honouring it */
};

static struct calinfo *cal_find(struct calinfo **v, size_t *n, const char *name)
{
	size_t i;
	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i].name, name) == 0)
			return &(*v)[i];
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].name = xstrdup(name);
	(*v)[*n].imported = 0;
	(*v)[*n].sequences = json_array();
	return &(*v)[(*n)++];
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct calinfo *)a)->name, ((const struct calinfo *)b)->name);
}

/* The calendar named by a "holidays_imported" event ("calendar us: 11
 * dates"), or 0. */
static int event_calendar(const struct event *ev, char *name, size_t len)
{
	const char *d = ev->detail, *colon;
	if (d == NULL || strncmp(d, "calendar ", 9) != 0)
		return 0;
	d += 9;
	colon = strchr(d, ':');
	if (colon == NULL || (size_t)(colon - d) >= len)
		return 0;
	memcpy(name, d, (size_t)(colon - d));
	name[colon - d] = '\0';
	return holiday_calendar_valid(name);
}

static int list_all(struct ctl *c)
{
	static const struct out_col cols[] = {
		{ "calendar", "CALENDAR", NULL, 0 },
		{ "dates", "DATES", NULL, 0 },
		{ "first", "FIRST", NULL, 0 },
		{ "last", "LAST", NULL, 0 },
		{ "importedAt", "IMPORTED", NULL, 0 },
		{ "sequenceList", "SEQUENCES", NULL, 0 },
	};
	struct event_filter f;
	struct event *ev = NULL;
	struct sequence *seqs = NULL;
	struct calinfo *cals = NULL;
	size_t nev = 0, nseqs = 0, ncals = 0, i;
	struct cad_err err;
	char name[HOLIDAY_MAX_CALNAME + 1];
	json_t *rows;
	int rc = CTL_FAIL;

	memset(&f, 0, sizeof(f));
	f.type = EV_HOLIDAYS;
	if (store_events(c->st, &f, &ev, &nev, &err) != 0 ||
	    store_sequence_list(c->st, &seqs, &nseqs, &err) != 0) {
		ctl_fail(c, "%s", err.msg);
		goto out;
	}
	for (i = 0; i < nev; i++)   /* oldest first: the last import wins */
		if (event_calendar(&ev[i], name, sizeof(name)))
			cal_find(&cals, &ncals, name)->imported = ev[i].at;
	for (i = 0; i < nseqs; i++) {
		char *list, *p, *tok, *save = NULL;
		if (seqs[i].holidays == NULL)
			continue;
		list = xstrdup(seqs[i].holidays);
		for (p = list; (tok = strtok_r(p, ", \t", &save)) != NULL; p = NULL) {
			struct calinfo *ci;
			if (!holiday_calendar_valid(tok))
				continue;
			cad_strlower(tok);
			ci = cal_find(&cals, &ncals, tok);
			json_array_append_new(ci->sequences, json_string(seqs[i].name));
		}
		free(list);
	}
	if (ncals > 1)
		qsort(cals, ncals, sizeof(*cals), by_name);
	rows = json_array();
	for (i = 0; i < ncals; i++) {
		struct holiday_list l;
		struct sbuf sl;
		json_t *o, *s;
		size_t k;
		if (store_holidays_get(c->st, cals[i].name, &l, &err) != 0) {
			json_decref(rows);
			ctl_fail(c, "calendar %s: %s", cals[i].name, err.msg);
			goto out;
		}
		o = json_object();
		out_set(o, "calendar", json_string(cals[i].name));
		out_set(o, "dates", json_integer((json_int_t)l.n));
		out_set(o, "first", l.n ? json_string(l.v[0].date) : json_null());
		out_set(o, "last", l.n ? json_string(l.v[l.n - 1].date) : json_null());
		out_set(o, "importedAt", out_time(cals[i].imported));
		out_set(o, "sequences", json_incref(cals[i].sequences));
		/* The table shows the sequences as one cell. */
		sbuf_init(&sl);
		json_array_foreach(cals[i].sequences, k, s) {
			if (k)
				sbuf_adds(&sl, ", ");
			sbuf_adds(&sl, json_string_value(s));
		}
		if (!c->json)
			out_set(o, "sequenceList", json_string(sl.len ? sl.s : ""));
		sbuf_free(&sl);
		holiday_list_free(&l);
		json_array_append_new(rows, o);
	}
	out_list(c, rows, cols, CAD_ARRAY_LEN(cols));
	rc = CTL_OK;
out:
	for (i = 0; i < ncals; i++) {
		free(cals[i].name);
		json_decref(cals[i].sequences);
	}
	free(cals);
	store_events_free(ev, nev);
	store_sequences_free(seqs, nseqs);
	return rc;
}

static int hol_list(struct ctl *c, int argc, char **argv)
{
	char *name = NULL;
	int rc = ctl_plain_args(c, argc, argv, USAGE_LIST, 0, 1, "takes at most one calendar NAME");

	if (rc != CTL_GO)
		return rc;
	if (c->npos == 1 && parse_calname(c, c->pos[0], &name) != 0)
		return CTL_FAIL;
	if (ctl_store(c, STORE_READONLY) != 0) {
		free(name);
		return CTL_FAIL;
	}
	rc = name ? list_one(c, name) : list_all(c);
	free(name);
	return rc;
}

int cmd_holiday(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_sub subs[] = {
		{ "import", hol_import, USAGE_IMPORT },
		{ "list", hol_list, USAGE_LIST },
	};
	return ctl_dispatch_group(c, "holiday", subs, CAD_ARRAY_LEN(subs), argc, argv);
}
