/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * holiday.c - import of named holiday calendars from a plain list or an
 * iCalendar file (libical), and look-ups over the result. See holiday.h for
 * the formats and the bounds; every input is untrusted and every error
 * names the file and the line (or the VEVENT) and changes nothing.
 */
#include "holiday.h"

#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cal_day.h"

void holiday_list_init(struct holiday_list *l)
{
	l->v = NULL;
	l->n = l->cap = 0;
}

void holiday_list_free(struct holiday_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].calendar);
		free(l->v[i].name);
	}
	free(l->v);
	holiday_list_init(l);
}

void holiday_list_add(struct holiday_list *l, const char *calendar, const char *date,
                      const char *name)
{
	cad_grow(&l->v, &l->cap, l->n + 1, sizeof(*l->v));
	struct holiday *h = &l->v[l->n++];
	h->calendar = xstrdup(calendar);
	snprintf(h->date, sizeof(h->date), "%s", date);
	h->name = xstrdup(name ? name : "");
}

static int holiday_cmp(const void *a, const void *b)
{
	const struct holiday *x = a, *y = b;
	int c = strcmp(x->calendar, y->calendar);
	if (c == 0)
		c = strcmp(x->date, y->date);
	if (c == 0)
		c = strcmp(x->name, y->name);
	return c;
}

void holiday_list_sort(struct holiday_list *l)
{
	size_t o = 0;

	if (l->n == 0)
		return;
	qsort(l->v, l->n, sizeof(*l->v), holiday_cmp);
	for (size_t i = 1; i < l->n; i++) {
		if (strcmp(l->v[i].calendar, l->v[o].calendar) == 0 &&
		    strcmp(l->v[i].date, l->v[o].date) == 0) {
			free(l->v[i].calendar);
			free(l->v[i].name);
		} else {
			l->v[++o] = l->v[i];
		}
	}
	l->n = o + 1;
}

int holiday_calendar_valid(const char *name)
{
	size_t n = 0;

	if (name == NULL)
		return 0;
	for (const char *p = name; *p; p++, n++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return 0;
	return n >= 1 && n <= HOLIDAY_MAX_CALNAME;
}

/* Moves every entry of src to the end of dst (src is left empty). */
static void holiday_list_move(struct holiday_list *dst, struct holiday_list *src)
{
	for (size_t i = 0; i < src->n; i++) {
		cad_grow(&dst->v, &dst->cap, dst->n + 1, sizeof(*dst->v));
		dst->v[dst->n++] = src->v[i];
	}
	free(src->v);
	holiday_list_init(src);
}

/* A holiday name must be printable: no control bytes (UTF-8 is fine). */
static int holiday_name_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* Checks the calendar name and the data; lc receives the name in lower case. */
static int holiday_check_common(const char *calendar, const char *data, size_t len,
                                const char *fname, char lc[HOLIDAY_MAX_CALNAME + 1],
                                struct cad_err *err)
{
	if (!holiday_calendar_valid(calendar))
		return cad_err_set(err, "calendar name must be 1-%d of [A-Za-z0-9_-]",
		                   HOLIDAY_MAX_CALNAME);
	snprintf(lc, HOLIDAY_MAX_CALNAME + 1, "%s", calendar);
	cad_strlower(lc);
	if (len > HOLIDAY_MAX_FILE)
		return cad_err_set(err, "%s: larger than %d bytes", fname, HOLIDAY_MAX_FILE);
	if (memchr(data, '\0', len) != NULL)
		return cad_err_set(err, "%s: contains a NUL byte (not a text file)", fname);
	return 0;
}

/* ---- the plain list ---- */

int holiday_parse_text(const char *calname, const char *data, size_t len,
                       const char *fname, struct holiday_list *out, struct cad_err *err)
{
	struct holiday_list tmp;
	size_t pos = 0;
	int line = 0;

	char calendar[HOLIDAY_MAX_CALNAME + 1];
	if (holiday_check_common(calname, data, len, fname, calendar, err) < 0)
		return -1;
	holiday_list_init(&tmp);
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while (pos < len) {
		const char *l = data + pos;
		const char *nl = memchr(l, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - l) : len - pos;
		pos += n + (nl != NULL);
		line++;
		if (n > 0 && l[n - 1] == '\r')
			n--;
		while (n > 0 && (*l == ' ' || *l == '\t'))
			l++, n--;
		while (n > 0 && (l[n - 1] == ' ' || l[n - 1] == '\t'))
			n--;
		if (n == 0 || *l == '#')
			continue;

		char date[11];
		int64_t day;
		if (n < 10 || (n > 10 && l[10] != ' ' && l[10] != '\t')) {
			cad_err_set(err, "%s:%d: expected \"YYYY-MM-DD name\"", fname, line);
			goto fail;
		}
		memcpy(date, l, 10);
		date[10] = '\0';
		if (cal_day_parse(date, &day) < 0) {
			struct sbuf b;
			sbuf_init(&b);
			cad_printable(&b, date, 10);
			cad_err_set(err, "%s:%d: \"%s\" is not a date (YYYY-MM-DD)", fname, line, b.s);
			sbuf_free(&b);
			goto fail;
		}
		const char *name = l + 10;
		size_t nn = n - 10;
		while (nn > 0 && (*name == ' ' || *name == '\t'))
			name++, nn--;
		if (nn > HOLIDAY_MAX_NAME) {
			cad_err_set(err, "%s:%d: name longer than %d bytes", fname, line,
			            HOLIDAY_MAX_NAME);
			goto fail;
		}
		if (!holiday_name_ok(name, nn)) {
			cad_err_set(err, "%s:%d: control character in the name", fname, line);
			goto fail;
		}
		if (tmp.n >= HOLIDAY_MAX_ENTRIES) {
			cad_err_set(err, "%s:%d: more than %d dates", fname, line,
			            HOLIDAY_MAX_ENTRIES);
			goto fail;
		}
		char *nm = xstrndup(name, nn);
		holiday_list_add(&tmp, calendar, date, nm);
		free(nm);
	}
	holiday_list_sort(&tmp);
	holiday_list_move(out, &tmp);
	return 0;
fail:
	holiday_list_free(&tmp);
	return -1;
}

/* ---- iCalendar ---- */

#define HOLIDAY_MAX_ITER 400000   /* recurrence iterator steps per import */

/* Line numbers of the BEGIN:VEVENT lines, in order, so that an error about
 * the n-th VEVENT can name its line. */
static void holiday_vevent_lines(const char *data, size_t len, int **lines, size_t *n)
{
	size_t cap = 0, pos = 0;
	int line = 0;

	*lines = NULL;
	*n = 0;
	while (pos < len) {
		const char *l = data + pos;
		const char *nl = memchr(l, '\n', len - pos);
		size_t ln = nl ? (size_t)(nl - l) : len - pos;
		pos += ln + (nl != NULL);
		line++;
		if (ln >= 12 && cad_startswith_ci(l, "BEGIN:VEVENT")) {
			cad_grow(lines, &cap, *n + 1, sizeof(**lines));
			(*lines)[(*n)++] = line;
		}
	}
}

/* A copy of s with control bytes turned into spaces, trimmed. */
static char *holiday_clean_name(const char *s)
{
	char *c = xstrdup(s ? s : "");
	for (char *p = c; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	char *t = cad_trim(c);
	if (t != c)
		memmove(c, t, strlen(t) + 1);
	return c;
}

struct holiday_ev {
	const char *fname;
	int line;               /* of BEGIN:VEVENT, 0 if unknown */
	const char *summary;
	struct cad_err *err;
};

/* Sets err to "file:line: VEVENT "summary": <msg>"; returns -1. */
static int holiday_ev_err(const struct holiday_ev *ev, const char *msg)
{
	struct sbuf b;
	sbuf_init(&b);
	cad_printable(&b, ev->summary, 60);
	if (ev->line > 0)
		cad_err_set(ev->err, "%s:%d: VEVENT \"%s\": %s", ev->fname, ev->line, b.s, msg);
	else
		cad_err_set(ev->err, "%s: VEVENT \"%s\": %s", ev->fname, b.s, msg);
	sbuf_free(&b);
	return -1;
}

static int holiday_ical_day(struct icaltimetype t, int64_t *day)
{
	if (icaltime_is_null_time(t) || !t.is_date || t.year < 1900 || t.year > 2499 ||
	    !cal_day_ymd_valid(t.year, t.month, t.day))
		return -1;
	*day = cal_day_from_ymd(t.year, t.month, t.day);
	return 0;
}

static int holiday_add_span(struct holiday_list *tmp, const char *calendar, int64_t start,
                            int span, const int64_t *ex, size_t nex, const char *name,
                            const struct holiday_ev *ev)
{
	char date[16];

	for (size_t i = 0; i < nex; i++)
		if (ex[i] == start)
			return 0;
	if (start < CAL_MIN_DAY || start + span > CAL_MAX_DAY)
		return holiday_ev_err(ev, "date out of range");
	for (int k = 0; k < span; k++) {
		if (tmp->n >= HOLIDAY_MAX_ENTRIES)
			return holiday_ev_err(ev, "the file expands to too many dates");
		holiday_list_add(tmp, calendar, cal_day_format(start + k, date, sizeof(date)), name);
	}
	return 0;
}

static int holiday_one_event(icalcomponent *vev, const char *calendar, int year_from,
                             int year_to, long *iters, struct holiday_list *tmp,
                             struct holiday_ev *ev)
{
	icalproperty *p;
	int64_t start, end;
	int span = 1, rc = -1;
	int64_t *ex = NULL;
	size_t nex = 0;
	char *name = NULL;

	if (icalcomponent_get_status(vev) == ICAL_STATUS_CANCELLED)
		return 0;
	if ((p = icalcomponent_get_first_property(vev, ICAL_XLICERROR_PROPERTY)) != NULL) {
		char msg[300];
		snprintf(msg, sizeof(msg), "malformed: %.200s", icalproperty_get_xlicerror(p));
		return holiday_ev_err(ev, msg);
	}
	p = icalcomponent_get_first_property(vev, ICAL_DTSTART_PROPERTY);
	if (p == NULL)
		return holiday_ev_err(ev, "no DTSTART");
	/* (libical has one property cursor per component: read everything
	 * needed from DTSTART now, not inside the RRULE loop below.) */
	struct icaltimetype dtstart = icalproperty_get_dtstart(p);
	if (holiday_ical_day(dtstart, &start) < 0)
		return holiday_ev_err(ev, "DTSTART is not an all-day date (DTSTART;VALUE=DATE:YYYYMMDD)");
	if ((p = icalcomponent_get_first_property(vev, ICAL_DTEND_PROPERTY)) != NULL) {
		if (holiday_ical_day(icalproperty_get_dtend(p), &end) < 0)
			return holiday_ev_err(ev, "DTEND is not an all-day date (DTEND;VALUE=DATE:YYYYMMDD)");
		if (end < start)
			return holiday_ev_err(ev, "DTEND is before DTSTART");
		/* DTEND is exclusive; DTEND == DTSTART is read as one day. */
		span = end == start ? 1 : (int)(end - start > HOLIDAY_MAX_SPAN ? HOLIDAY_MAX_SPAN + 1
		                                                              : end - start);
	} else if ((p = icalcomponent_get_first_property(vev, ICAL_DURATION_PROPERTY)) != NULL) {
		struct icaldurationtype d = icalproperty_get_duration(p);
		if (d.is_neg || d.hours || d.minutes || d.seconds || d.days > 1000 || d.weeks > 1000)
			return holiday_ev_err(ev, "DURATION must be whole days (P1D, P2W)");
		unsigned int days = d.days + 7 * d.weeks;
		span = days == 0 ? 1 : (days > HOLIDAY_MAX_SPAN ? HOLIDAY_MAX_SPAN + 1 : (int)days);
	}
	if (span > HOLIDAY_MAX_SPAN) {
		char msg[80];
		snprintf(msg, sizeof(msg), "lasts more than %d days", HOLIDAY_MAX_SPAN);
		return holiday_ev_err(ev, msg);
	}
	name = holiday_clean_name(icalcomponent_get_summary(vev));
	if (strlen(name) > HOLIDAY_MAX_NAME) {
		holiday_ev_err(ev, "SUMMARY is too long");
		goto out;
	}

	for (p = icalcomponent_get_first_property(vev, ICAL_EXDATE_PROPERTY); p != NULL;
	     p = icalcomponent_get_next_property(vev, ICAL_EXDATE_PROPERTY)) {
		int64_t d;
		if (holiday_ical_day(icalproperty_get_exdate(p), &d) < 0) {
			holiday_ev_err(ev, "EXDATE is not an all-day date");
			goto out;
		}
		if (nex >= 1000) {
			holiday_ev_err(ev, "too many EXDATEs");
			goto out;
		}
		ex = xreallocarray(ex, nex + 1, sizeof(*ex));
		ex[nex++] = d;
	}

	p = icalcomponent_get_first_property(vev, ICAL_RRULE_PROPERTY);
	if (p == NULL) {
		if (holiday_add_span(tmp, calendar, start, span, ex, nex, name, ev) < 0)
			goto out;
	}
	for (; p != NULL; p = icalcomponent_get_next_property(vev, ICAL_RRULE_PROPERTY)) {
		struct icalrecurrencetype rr = icalproperty_get_rrule(p);
		if (rr.freq == ICAL_NO_RECURRENCE) {
			holiday_ev_err(ev, "RRULE without a valid FREQ");
			goto out;
		}
		icalrecur_iterator *it = icalrecur_iterator_new(rr, dtstart);
		if (it == NULL) {
			holiday_ev_err(ev, "RRULE cannot be expanded");
			goto out;
		}
		for (;;) {
			struct icaltimetype o = icalrecur_iterator_next(it);
			int64_t d;
			if (icaltime_is_null_time(o) || o.year > year_to)
				break;
			if (++*iters > HOLIDAY_MAX_ITER) {
				icalrecur_iterator_free(it);
				holiday_ev_err(ev, "RRULE expands too far (use a shorter range of years)");
				goto out;
			}
			if (o.year < year_from)
				continue;
			if (holiday_ical_day(o, &d) < 0) {
				icalrecur_iterator_free(it);
				holiday_ev_err(ev, "RRULE yields a date that is not all-day");
				goto out;
			}
			if (holiday_add_span(tmp, calendar, d, span, ex, nex, name, ev) < 0) {
				icalrecur_iterator_free(it);
				goto out;
			}
		}
		icalrecur_iterator_free(it);
	}

	for (p = icalcomponent_get_first_property(vev, ICAL_RDATE_PROPERTY); p != NULL;
	     p = icalcomponent_get_next_property(vev, ICAL_RDATE_PROPERTY)) {
		struct icaldatetimeperiodtype rd = icalproperty_get_rdate(p);
		int64_t d;
		if (holiday_ical_day(rd.time, &d) < 0) {
			holiday_ev_err(ev, "RDATE is not an all-day date");
			goto out;
		}
		if (holiday_add_span(tmp, calendar, d, span, ex, nex, name, ev) < 0)
			goto out;
	}
	rc = 0;
out:
	free(ex);
	free(name);
	return rc;
}

int holiday_parse_ical(const char *calname, const char *data, size_t len,
                       const char *fname, int year_from, int year_to,
                       struct holiday_list *out, struct cad_err *err)
{
	struct holiday_list tmp;
	icalcomponent *root, *cal, *vev;
	int *lines;
	size_t nlines, idx = 0;
	long iters = 0;
	int rc = -1;

	char calendar[HOLIDAY_MAX_CALNAME + 1];
	if (holiday_check_common(calname, data, len, fname, calendar, err) < 0)
		return -1;
	if (year_from < 1900 || year_to > 2499 || year_to < year_from ||
	    year_to - year_from + 1 > HOLIDAY_MAX_YEARS)
		return cad_err_set(err, "%s: years %d-%d: need 1900 <= from <= to <= 2499, at most %d years",
		                   fname, year_from, year_to, HOLIDAY_MAX_YEARS);
	char *copy = xstrndup(data, len);
	root = icalparser_parse_string(copy);
	free(copy);
	if (root == NULL)
		return cad_err_set(err, "%s: not an iCalendar file (no BEGIN:VCALENDAR)", fname);
	cal = root;
	if (icalcomponent_isa(root) == ICAL_XROOT_COMPONENT)
		cal = icalcomponent_get_first_component(root, ICAL_VCALENDAR_COMPONENT);
	if (cal == NULL || icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT) {
		icalcomponent_free(root);
		return cad_err_set(err, "%s: not an iCalendar file (no BEGIN:VCALENDAR)", fname);
	}
	holiday_vevent_lines(data, len, &lines, &nlines);
	holiday_list_init(&tmp);
	for (vev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); vev != NULL;
	     vev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT), idx++) {
		struct holiday_ev ev = { fname, idx < nlines ? lines[idx] : 0,
		                         icalcomponent_get_summary(vev), err };
		if (ev.summary == NULL)
			ev.summary = "";
		if (holiday_one_event(vev, calendar, year_from, year_to, &iters, &tmp, &ev) < 0)
			goto out;
	}
	holiday_list_sort(&tmp);
	holiday_list_move(out, &tmp);
	rc = 0;
out:
	holiday_list_free(&tmp);
	free(lines);
	icalcomponent_free(root);
	return rc;
}

int holiday_parse(const char *calendar, const char *data, size_t len, const char *fname,
                  int year_from, int year_to, struct holiday_list *out,
                  struct cad_err *err)
{
	size_t i = 0;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
		i++;
	if (len - i >= 15 && cad_startswith_ci(data + i, "BEGIN:VCALENDAR"))
		return holiday_parse_ical(calendar, data, len, fname, year_from, year_to, out, err);
	return holiday_parse_text(calendar, data, len, fname, out, err);
}

int holiday_load_file(const char *calendar, const char *path, int year_from, int year_to,
                      struct holiday_list *out, struct cad_err *err)
{
	char *data;
	size_t len;
	int rc;

	if (cad_read_file(path, HOLIDAY_MAX_FILE, 0, &data, &len, err) != 0)
		return -1;
	rc = holiday_parse(calendar, data, len, path, year_from, year_to, out, err);
	free(data);
	return rc;
}

/* ---- selection and look-up ---- */

static int holiday_name_in_list(const char *cal, const char *names)
{
	size_t cl = strlen(cal);
	const char *p = names;

	while (*p) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		const char *e = p;
		while (*e && *e != ',' && *e != ' ' && *e != '\t')
			e++;
		if ((size_t)(e - p) == cl && cl > 0 && strncasecmp(p, cal, cl) == 0)
			return 1;
		p = e;
	}
	return 0;
}

static int holiday_cmp_date(const void *a, const void *b)
{
	const struct holiday *x = a, *y = b;
	int c = strcmp(x->date, y->date);
	if (c == 0)
		c = strcmp(x->calendar, y->calendar);
	if (c == 0)
		c = strcmp(x->name, y->name);
	return c;
}

void holiday_select(const struct holiday *all, size_t n, const char *names,
                    struct holiday_list *out)
{
	size_t first = out->n;

	if (names == NULL || *names == '\0')
		return;
	for (size_t i = 0; i < n; i++)
		if (holiday_name_in_list(all[i].calendar, names))
			holiday_list_add(out, all[i].calendar, all[i].date, all[i].name);
	if (out->n - first < 2)
		return;
	qsort(out->v + first, out->n - first, sizeof(*out->v), holiday_cmp_date);
	/* One entry per date. */
	size_t o = first;
	for (size_t i = first + 1; i < out->n; i++) {
		if (strcmp(out->v[i].date, out->v[o].date) == 0) {
			free(out->v[i].calendar);
			free(out->v[i].name);
		} else {
			out->v[++o] = out->v[i];
		}
	}
	out->n = o + 1;
}

const struct holiday *holiday_find(const struct holiday *v, size_t n, const char *date)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(v[mid].date, date);
		if (c == 0)
			return &v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
