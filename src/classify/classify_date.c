/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify_date.c - the return date an out-of-office reply states.
 *
 * Looks for a "back on / until" word in English, German, French, Spanish,
 * Dutch, Italian, Portuguese, Polish, Swedish, Danish, Norwegian or Czech
 * and reads the first date written after it (within a short window) in one
 * of the usual forms: 2026-03-15, 15.03.2026, 15/03/26, 15.3., "15. 3.
 * 2026", "15 March 2026", "March 15th, 2026", "15. März", "15 de marzo de
 * 2026", "le 15 mars", "15 maart", "15 marca", "15. března", "den 15 mars",
 * ... Numeric dates are read day first (the European order) unless only
 * month first makes sense (03/15/2026). Japanese and Chinese write the
 * date first and the word after it or around it: "3月15日まで",
 * "2026年3月15日に戻ります", "将于3月16日返回" (full-width digits too).
 * Without a year the caller's reference year is used. Pure: no clock, no
 * locale.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify_int.h"

static const char *const triggers[] = {
	/* en */ "until", "till ", "back on", "back in the office", "return on", "returning on",
	"return to the office", "returning", "be back", "i'll be back", "i will be back",
	"through ", "away from", "out of the office from", "back ",
	/* de */ "bis zum", "bis einschließlich", "bis ", "zurück am", "ab dem", "wieder im büro",
	"wieder erreichbar", "ab ",
	/* fr */ "jusqu'au", "jusqu’au", "de retour le", "retour le", "de retour", "à partir du",
	/* es */ "hasta el", "hasta", "regreso el", "de vuelta el", "volveré el", "a partir del",
	/* nl */ "tot en met", "tot ", "terug op", "weer aanwezig", "vanaf",
	/* it */ "fino al", "fino a", "rientro il", "rientrerò il", "di ritorno il", "dal ",
	/* pt */ "até ao", "até o", "até", "retorno em", "regresso a", "volto em", "a partir de",
	/* pl */ "do dnia", "wracam", "powrót", "z powrotem", "będę dostępny", "będę dostępna",
	"od dnia", "do ",
	/* sv */ "till och med", "t.o.m.", "tillbaka", "åter den", "åter ", "från och med",
	"fram till", "till den", "till ",
	/* da, no */ "til og med", "t.o.m", "tilbage", "tilbake", "igen den", "frem til",
	"indtil", "inntil", "fra den", "fra og med", "til ",
	/* cs */ "až do", "vrátím se", "zpět", "zpátky", "do ",
	NULL
};

struct month { const char *name; int m; };
static const struct month months[] = {
	{ "january", 1 }, { "february", 2 }, { "march", 3 }, { "april", 4 }, { "may", 5 },
	{ "june", 6 }, { "july", 7 }, { "august", 8 }, { "september", 9 }, { "october", 10 },
	{ "november", 11 }, { "december", 12 },
	{ "januar", 1 }, { "jänner", 1 }, { "februar", 2 }, { "märz", 3 }, { "maerz", 3 },
	{ "mai", 5 }, { "juni", 6 }, { "juli", 7 }, { "oktober", 10 }, { "dezember", 12 },
	{ "janvier", 1 }, { "février", 2 }, { "fevrier", 2 }, { "mars", 3 }, { "avril", 4 },
	{ "juin", 6 }, { "juillet", 7 }, { "août", 8 }, { "aout", 8 }, { "septembre", 9 },
	{ "octobre", 10 }, { "novembre", 11 }, { "décembre", 12 }, { "decembre", 12 },
	{ "enero", 1 }, { "febrero", 2 }, { "marzo", 3 }, { "abril", 4 }, { "mayo", 5 },
	{ "junio", 6 }, { "julio", 7 }, { "agosto", 8 }, { "septiembre", 9 }, { "setiembre", 9 },
	{ "octubre", 10 }, { "noviembre", 11 }, { "diciembre", 12 },
	{ "januari", 1 }, { "februari", 2 }, { "maart", 3 }, { "mei", 5 }, { "augustus", 8 },
	{ "gennaio", 1 }, { "febbraio", 2 }, { "aprile", 4 }, { "maggio", 5 }, { "giugno", 6 },
	{ "luglio", 7 }, { "settembre", 9 }, { "ottobre", 10 }, { "dicembre", 12 },
	{ "janeiro", 1 }, { "fevereiro", 2 }, { "março", 3 }, { "marco", 3 }, { "maio", 5 },
	{ "junho", 6 }, { "julho", 7 }, { "setembro", 9 }, { "outubro", 10 }, { "novembro", 11 },
	{ "dezembro", 12 },
	/* pl (nominative and genitive: "15 marca") */
	{ "styczeń", 1 }, { "stycznia", 1 }, { "luty", 2 }, { "lutego", 2 }, { "marzec", 3 },
	{ "marca", 3 }, { "kwiecień", 4 }, { "kwietnia", 4 }, { "maj", 5 }, { "maja", 5 },
	{ "czerwiec", 6 }, { "czerwca", 6 }, { "lipiec", 7 }, { "lipca", 7 }, { "sierpień", 8 },
	{ "sierpnia", 8 }, { "wrzesień", 9 }, { "września", 9 }, { "październik", 10 },
	{ "października", 10 }, { "listopad", 11 }, { "listopada", 11 }, { "grudzień", 12 },
	{ "grudnia", 12 },
	/* sv, da, no (others shared with en/de/nl/fr) */
	{ "augusti", 8 }, { "marts", 3 }, { "desember", 12 },
	/* cs (nominative and genitive: "15. března") */
	{ "leden", 1 }, { "ledna", 1 }, { "únor", 2 }, { "února", 2 }, { "březen", 3 },
	{ "března", 3 }, { "duben", 4 }, { "dubna", 4 }, { "květen", 5 }, { "května", 5 },
	{ "červen", 6 }, { "června", 6 }, { "červenec", 7 }, { "července", 7 }, { "srpen", 8 },
	{ "srpna", 8 }, { "září", 9 }, { "říjen", 10 }, { "října", 10 }, { "listopadu", 11 },
	{ "prosinec", 12 }, { "prosince", 12 },
	/* abbreviations (matched as whole words, with or without a dot) */
	{ "jan", 1 }, { "feb", 2 }, { "mar", 3 }, { "apr", 4 }, { "jun", 6 }, { "jul", 7 },
	{ "aug", 8 }, { "sep", 9 }, { "sept", 9 }, { "oct", 10 }, { "nov", 11 }, { "dec", 12 },
	{ "okt", 10 }, { "dez", 12 }, { "mrt", 3 }, { "avr", 4 }, { "juil", 7 }, { "déc", 12 },
	{ "ene", 1 }, { "abr", 4 }, { "ago", 8 }, { "dic", 12 }, { "gen", 1 }, { "mag", 5 },
	{ "giu", 6 }, { "lug", 7 }, { "set", 9 }, { "ott", 10 }, { "fev", 2 }, { "out", 10 },
};

/* Tokens: runs of digits, or of letters (any byte >= 0x80 counts as one). */
struct tok { const char *s; size_t n; int num; };

static size_t tokenize(const char *s, size_t n, struct tok *t, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k < max; ) {
		unsigned char c = (unsigned char)s[i];
		if (isdigit(c)) {
			size_t j = i;
			while (j < n && isdigit((unsigned char)s[j]))
				j++;
			t[k++] = (struct tok){ s + i, j - i, 1 };
			i = j;
		} else if (isalpha(c) || c >= 0x80) {
			size_t j = i;
			while (j < n && (isalpha((unsigned char)s[j]) || (unsigned char)s[j] >= 0x80))
				j++;
			t[k++] = (struct tok){ s + i, j - i, 0 };
			i = j;
		} else {
			i++;
		}
	}
	return k;
}

static int month_of(const struct tok *t)
{
	if (t->num)
		return 0;
	for (size_t i = 0; i < CAD_ARRAY_LEN(months); i++)
		if (strlen(months[i].name) == t->n && strncasecmp(t->s, months[i].name, t->n) == 0)
			return months[i].m;
	return 0;
}

static int valid(int y, int m, int d)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return y >= 1900 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= mdays[m - 1];
}

static int num(const struct tok *t)
{
	if (!t->num || t->n > 4)
		return -1;
	int v = 0;
	for (size_t i = 0; i < t->n; i++)
		v = v * 10 + (t->s[i] - '0');
	return v;
}

static int year_of(const struct tok *t)
{
	int y = num(t);
	if (y < 0)
		return -1;
	if (t->n == 2)
		return 2000 + y;
	if (t->n == 4)
		return y;
	return -1;
}

/* Is the separator between tokens a and b one of seps? */
static int sep_is(const struct tok *a, const struct tok *b, char sep)
{
	const char *p = a->s + a->n;
	/* "15. 3. 2026": Czech, Slovak and Polish put a space after the dot */
	return (b->s == p + 1 && *p == sep) || (sep == '.' && b->s == p + 2 && *p == '.' &&
	    p[1] == ' ');
}

/* Does token t start with the UTF-8 text u (a CJK date mark)? */
static int tok_starts(const struct tok *t, const char *u)
{
	size_t k = strlen(u);
	return !t->num && t->n >= k && memcmp(t->s, u, k) == 0;
}

static int emit(int y, int m, int d, char out[11])
{
	if (!valid(y, m, d))
		return 0;
	char tmp[32];
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
	memcpy(out, tmp, 11);
	return 1;
}

/* A CJK date at t[i]: "3月15日", "2026年3月15日" (i at the year). */
static int cjk_date(const struct tok *t, size_t k, size_t i, int ref_year, char out[11],
    int *had_year)
{
	int y = ref_year;
	*had_year = 0;
	if (t[i].num && t[i].n == 4 && i + 2 < k && tok_starts(&t[i + 1], "年")) {
		y = year_of(&t[i]);
		*had_year = 1;
		i += 2;
	}
	if (i + 3 < k && t[i].num && t[i].n <= 2 && tok_starts(&t[i + 1], "月") &&
	    t[i + 2].num && t[i + 2].n <= 2 && (tok_starts(&t[i + 3], "日") ||
	    tok_starts(&t[i + 3], "号")))
		return y > 0 && emit(y, num(&t[i]), num(&t[i + 2]), out);
	return 0;
}

/* The first date in tokens t[0..k). */
static int date_in(const struct tok *t, size_t k, int ref_year, char out[11], int *had_year)
{
	*had_year = 1;
	for (size_t i = 0; i < k; i++) {
		if (t[i].num && cjk_date(t, k, i, ref_year, out, had_year))
			return 1;
		/* 2026-03-15 */
		if (t[i].num && t[i].n == 4 && i + 2 < k && sep_is(&t[i], &t[i + 1], '-') &&
		    sep_is(&t[i + 1], &t[i + 2], '-')) {
			*had_year = 1;
			return emit(num(&t[i]), num(&t[i + 1]), num(&t[i + 2]), out);
		}
		/* 15.03.2026, 15/03/26, 15-3-2026, 15.3. */
		if (t[i].num && t[i].n <= 2 && i + 1 < k && t[i + 1].num && t[i + 1].n <= 2) {
			char sep = t[i].s[t[i].n];
			if ((sep == '.' || sep == '/' || sep == '-') && sep_is(&t[i], &t[i + 1], sep)) {
				int a = num(&t[i]), b = num(&t[i + 1]);
				int y = ref_year;
				*had_year = 0;
				if (i + 2 < k && sep_is(&t[i + 1], &t[i + 2], sep)) {
					y = year_of(&t[i + 2]);
					*had_year = 1;
				}
				int d = a, mo = b;
				if (b > 12 && a <= 12)
					d = b, mo = a;   /* 03/15/2026 */
				if (y > 0 && emit(y, mo, d, out))
					return 1;
			}
		}
		/* 15 March 2026, 15. März, 15 de marzo de 2026, 15th of March */
		if (t[i].num && t[i].n <= 2) {
			size_t j = i + 1;
			while (j < k && j < i + 3 && !t[j].num && month_of(&t[j]) == 0 &&
			    (t[j].n <= 2))   /* "th", "de", "of", "st" */
				j++;
			if (j < k && month_of(&t[j])) {
				int y = ref_year;
				size_t yj = j + 1;
				*had_year = 0;
				if (yj < k && !t[yj].num && t[yj].n <= 2)
					yj++;   /* "de" 2026 */
				if (yj < k && t[yj].num && t[yj].n == 4) {
					y = year_of(&t[yj]);
					*had_year = 1;
				}
				if (y > 0 && emit(y, month_of(&t[j]), num(&t[i]), out))
					return 1;
			}
		}
		/* March 15th, 2026 */
		if (month_of(&t[i]) && i + 1 < k && t[i + 1].num && t[i + 1].n <= 2) {
			int y = ref_year;
			size_t yj = i + 2;
			*had_year = 0;
			if (yj < k && !t[yj].num && t[yj].n <= 2)
				yj++;
			if (yj < k && t[yj].num && t[yj].n == 4) {
				y = year_of(&t[yj]);
				*had_year = 1;
			}
			if (y > 0 && emit(y, month_of(&t[i]), num(&t[i + 1]), out))
				return 1;
		}
	}
	return 0;
}

/* Japanese and Chinese: a date followed by "until / back / in the office"
 * ("まで", "に戻", "出社", "返回", "回来", "上班", "为止") or preceded by
 * "until / will on" ("至", "到", "直到", "将于", "將於"). */
static int cjk_return(const char *text, size_t n, int ref_year, char out[11], int *had_year)
{
	static const char *const after[] = {
		"まで", "に戻", "へ戻", "戻り", "より出社", "に出社", "から出社", "出社",
		"返回", "回来", "回來", "回到", "上班", "为止", "為止", "回复", "回覆", NULL
	};
	static const char *const before[] = {
		"至", "到", "直到", "将于", "將於", "于", "於", "预计", NULL
	};
	struct tok t[256];
	size_t k = tokenize(text, n, t, CAD_ARRAY_LEN(t));
	for (size_t i = 0; i < k; i++) {
		char d[11];
		int hy = 0;
		size_t di;
		const char *a;
		if (!t[i].num)
			continue;
		if (cjk_date(t, k, i, ref_year, d, &hy)) {
			/* the text right after the day mark */
			di = i + (t[i].n == 4 ? 5 : 3);
			a = t[di].s + 3;
		} else if (i + 1 < k && t[i].n <= 2 && t[i + 1].num && t[i + 1].n <= 2 &&
		    sep_is(&t[i], &t[i + 1], '/')) {
			/* "3/16（月）より出社", "2026/3/16": month first, as Japan and
			 * China write it (d/m/yyyy is the other path's) */
			int y = ref_year;
			hy = 0;
			if (i + 2 < k && t[i + 2].num && sep_is(&t[i + 1], &t[i + 2], '/'))
				continue;
			if (i >= 1 && t[i - 1].num && sep_is(&t[i - 1], &t[i], '/')) {
				if (t[i - 1].n != 4)
					continue;
				y = year_of(&t[i - 1]);
				hy = 1;
			}
			if (y <= 0 || !emit(y, num(&t[i]), num(&t[i + 1]), d))
				continue;
			a = t[i + 1].s + t[i + 1].n;
		} else {
			continue;
		}
		const char *end = text + n;
		size_t an = (size_t)(end - a) < 24 ? (size_t)(end - a) : 24;
		const char *b = t[i].s - (t[i].s - text < 12 ? t[i].s - text : 12);
		int hit = 0;
		for (int j = 0; after[j] && !hit; j++)
			hit = classify_text_memcasestr(a, an, after[j]) != NULL;
		for (int j = 0; before[j] && !hit; j++)
			hit = classify_text_memcasestr(b, (size_t)(t[i].s - b), before[j]) != NULL;
		if (hit) {
			memcpy(out, d, 11);
			*had_year = hy;
			return 1;
		}
	}
	return 0;
}

/* Full-width digits and slashes (０-９, ／) as ASCII, for CJK text. */
static char *halfwidth(const char *s, size_t n, size_t *outn)
{
	char *o = xmalloc(n + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; ) {
		const unsigned char *u = (const unsigned char *)s + i;
		if (i + 2 < n && u[0] == 0xef && u[1] == 0xbc && u[2] >= 0x90 && u[2] <= 0x99) {
			o[k++] = (char)('0' + (u[2] - 0x90));
			i += 3;
		} else if (i + 2 < n && u[0] == 0xef && u[1] == 0xbc && u[2] == 0x8f) {
			o[k++] = '/';
			i += 3;
		} else {
			o[k++] = s[i++];
		}
	}
	o[k] = '\0';
	*outn = k;
	return o;
}

static int latin_return(const char *text, size_t n, int ref_year, char out[11], int *had_year);

int classify_date_return(const char *text, size_t n, int ref_year, char out[11], int *had_year)
{
	int dummy, r;
	size_t hn;
	if (had_year == NULL)
		had_year = &dummy;
	*had_year = 0;
	out[0] = '\0';
	if (text == NULL)
		return 0;
	char *h = halfwidth(text, n, &hn);
	r = latin_return(h, hn, ref_year, out, had_year) ||
	    cjk_return(h, hn, ref_year, out, had_year);
	free(h);
	return r;
}

static int latin_return(const char *text, size_t n, int ref_year, char out[11], int *had_year)
{
	const char *best = NULL;
	/* the earliest trigger in the text that is followed by a date */
	/* bounded: the first few "until" words are where a responder says it */
	int tries = 0;
	for (size_t pos = 0; pos < n && tries++ < 32; ) {
		const char *first = NULL;
		size_t flen = 0;
		for (int i = 0; triggers[i]; i++) {
			const char *p = classify_text_memcasestr(text + pos, n - pos, triggers[i]);
			if (p && (p == text || !isalpha((unsigned char)p[-1])) &&
			    (first == NULL || p < first)) {
				first = p;
				flen = strlen(triggers[i]);
			}
		}
		if (first == NULL)
			break;
		const char *w = first + flen;
		size_t wn = (size_t)(text + n - w);
		if (wn > 80)
			wn = 80;
		struct tok t[24];
		size_t k = tokenize(w, wn, t, CAD_ARRAY_LEN(t));
		if (date_in(t, k, ref_year, out, had_year)) {
			best = first;
			break;
		}
		pos = (size_t)(first - text) + 1;
	}
	return best != NULL;
}
