/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * seq_value.c - the value syntax of sequence files: yes/no, sending
 * windows, delays, zone names, holiday calendar lists.
 *
 * Pure string functions (seq_int.h); each returns 0 and fills its outputs,
 * or -1 and leaves them untouched. Bounds are part of the syntax: a delay
 * of at most 365 days, a zone name of at most 64 bytes, calendar names of
 * at most 32.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "seq_int.h"

static int is_word_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
	       || ch == '_' || ch == '-';
}

int seq_value_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;
	for (i = 0; i < CAD_ARRAY_LEN(yes); i++) {
		if (cad_strcaseeq(v, yes[i])) {
			*out = 1;
			return 0;
		}
		if (cad_strcaseeq(v, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* "8:00", "08:00", "24:00" (end only). Advances *p. */
static int parse_hhmm(const char **p, int allow_24)
{
	const char *s = *p;
	int h = 0, m, digits = 0;
	while (*s >= '0' && *s <= '9' && digits < 2) {
		h = h * 10 + (*s++ - '0');
		digits++;
	}
	if (digits == 0 || *s != ':' || s[1] < '0' || s[1] > '5' || s[2] < '0' || s[2] > '9')
		return -1;
	m = (s[1] - '0') * 10 + (s[2] - '0');
	*p = s + 3;
	if (h > 24 || (h == 24 && (m != 0 || !allow_24)))
		return -1;
	return h * 60 + m;
}

/* "08:00-18:00", "08:00 – 18:00", "22:00-06:00" (crosses midnight). */
int seq_value_window(const char *v, int *start, int *end)
{
	const char *p = v;
	int a, b;
	if ((a = parse_hhmm(&p, 0)) < 0)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '-')
		p++;
	else if (strncmp(p, "\xe2\x80\x93", 3) == 0)   /* en dash */
		p += 3;
	else
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if ((b = parse_hhmm(&p, 1)) < 0 || *p != '\0' || a == b)
		return -1;
	*start = a;
	*end = b;
	return 0;
}

/* "0", "3d", "2h", "1d 4h", "30m", "2 days 3 hours". */
int seq_value_delay(const char *v, int *days, int *minutes)
{
	static const char *const units[3][5] = {
		{ "d", "day", "days", NULL, NULL },
		{ "h", "hr", "hrs", "hour", "hours" },
		{ "m", "min", "mins", "minute", "minutes" },
	};
	const char *p = v;
	long amount[3] = { 0, 0, 0 };
	int seen[3] = { 0, 0, 0 }, any = 0;

	if (strcmp(v, "0") == 0) {
		*days = *minutes = 0;
		return 0;
	}
	while (*p) {
		long n = 0;
		const char *u;
		size_t ulen, k, j;
		int found = -1;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9') {
			n = n * 10 + (*p++ - '0');
			if (n > 100000)
				return -1;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		for (u = p; (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'); p++)
			;
		ulen = (size_t)(p - u);
		for (k = 0; k < 3 && found < 0; k++)
			for (j = 0; j < 5 && units[k][j]; j++)
				if (strlen(units[k][j]) == ulen && strncasecmp(u, units[k][j], ulen) == 0)
					found = (int)k;
		if (found < 0 || seen[found])
			return -1;
		seen[found] = 1;
		amount[found] = n;
		any = 1;
	}
	if (!any || amount[0] > 365 || amount[1] * 60 + amount[2] > 365L * 24 * 60)
		return -1;
	*days = (int)amount[0];
	*minutes = (int)(amount[1] * 60 + amount[2]);
	return 0;
}

/* An IANA zone name by its shape: "Europe/Berlin", "UTC", "Etc/GMT+5". */
int seq_value_zone_ok(const char *z)
{
	size_t n = strlen(z), comp = 0, i;
	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i <= n; i++) {
		char ch = z[i];
		if (ch == '/' || ch == '\0') {
			if (comp == 0 || (comp <= 2 && z[i - comp] == '.'))
				return 0;
			comp = 0;
			continue;
		}
		if (!is_word_char(ch) && ch != '+' && ch != '.')
			return 0;
		comp++;
	}
	return 1;
}

/* "us, de" -> "us,de"; NULL for an empty list or "none". */
int seq_value_holidays(const char *v, char **out)
{
	struct sbuf b;
	const char *p = v;
	sbuf_init(&b);
	while (*p) {
		const char *s, *e;
		size_t n;
		while (*p == ' ' || *p == '\t')
			p++;
		for (s = p; *p && *p != ','; p++)
			;
		for (e = p; e > s && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		n = (size_t)(e - s);
		if (*p == ',')
			p++;
		if (n == 0)
			continue;
		if (n > 32) {
			sbuf_free(&b);
			return -1;
		}
		for (; s < e; s++) {
			if (!is_word_char(*s)) {
				sbuf_free(&b);
				return -1;
			}
		}
		if (b.len)
			sbuf_addc(&b, ',');
		sbuf_add(&b, e - n, n);
	}
	cad_strlower(b.s);
	if (b.len == 0 || strcmp(b.s, "none") == 0) {
		sbuf_free(&b);
		*out = NULL;
		return 0;
	}
	*out = b.s;   /* taken over */
	return 0;
}
