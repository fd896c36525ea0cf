/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify_iconv.c - keeps the charset converters the classifier has met
 * loaded, so that glibc does not load and unload them for every message.
 *
 * GMime opens an iconv descriptor for every text part in a charset other
 * than UTF-8 and for every RFC 2047 encoded word, and closes it at once.
 * glibc unloads a gconv module (ISO-2022-JP.so and its libJIS.so, UTF-7.so,
 * ISO8859-1.so, ...) a few closes after its last descriptor is closed, so a
 * stream of Japanese bounces paid a dlopen() and a dlclose() per message
 * (measured: ~15% of the classifier's time on the shared corpus). Holding
 * one descriptor per charset open keeps its module loaded; the conversions
 * themselves are GMime's, unchanged.
 *
 * Guarantees: at most CLASSIFY_ICONV_PINS charsets (names of at most 40 bytes)
 * are ever held, for the life of the process, only names iconv could open
 * (a made-up name takes no place; once the places are taken, further
 * charsets are converted as before, only slower); thread-safe (one mutex).
 * This is the classifier's only state besides GMime's initialisation:
 * it changes no result, only what stays mapped.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "classify_int.h"

#define CLASSIFY_ICONV_PINS 32
#define CLASSIFY_ICONV_NAME 40

static struct {
	char name[CLASSIFY_ICONV_NAME + 1];
	iconv_t cd;
} pins[CLASSIFY_ICONV_PINS];
static size_t npins;
static pthread_mutex_t pin_lock = PTHREAD_MUTEX_INITIALIZER;

/* Charsets glibc converts without a module: nothing to keep. */
static int builtin(const char *cs, size_t n)
{
	static const char *const names[] = {
		"utf-8", "utf8", "us-ascii", "ascii", "ansi_x3.4-1968", NULL
	};
	for (int i = 0; names[i]; i++)
		if (strlen(names[i]) == n && strncasecmp(cs, names[i], n) == 0)
			return 1;
	return 0;
}

void classify_iconv_pin_n(const char *cs, size_t n)
{
	if (cs == NULL || n == 0 || n > CLASSIFY_ICONV_NAME || builtin(cs, n))
		return;
	pthread_mutex_lock(&pin_lock);
	size_t i;
	for (i = 0; i < npins; i++)
		if (strlen(pins[i].name) == n && strncasecmp(pins[i].name, cs, n) == 0)
			break;
	if (i == npins && npins < CLASSIFY_ICONV_PINS) {
		memcpy(pins[npins].name, cs, n);
		pins[npins].name[n] = '\0';
		pins[npins].cd = g_mime_iconv_open("UTF-8", pins[npins].name);
		if (pins[npins].cd != (iconv_t)-1)
			npins++;
	}
	pthread_mutex_unlock(&pin_lock);
}

void classify_iconv_pin(const char *cs)
{
	if (cs != NULL)
		classify_iconv_pin_n(cs, strlen(cs));
}

/* The charsets of RFC 2047 encoded words ("=?ISO-2022-JP?B?...") in the
 * first n bytes of s (a message: the headers of the message and of any
 * message it carries are decoded by GMime as it parses). */
void classify_iconv_pin_words(const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	/* '?' is rarer than '=' (quoted-printable) and memchr() is fast */
	while (p < end && (p = memchr(p, '?', (size_t)(end - p))) != NULL) {
		if (p == s || p[-1] != '=') {
			p++;
			continue;
		}
		const char *cs = p + 1, *q = cs;
		while (q < end && q - cs <= CLASSIFY_ICONV_NAME && *q != '?' && *q != '*' &&
		    *q > ' ' && *q < 127)
			q++;
		if (q < end && (*q == '?' || *q == '*') && q > cs)
			classify_iconv_pin_n(cs, (size_t)(q - cs));
		p = q;
	}
}
