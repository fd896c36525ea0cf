/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util.c - memory, growable strings, errors, logging, address and time
 * helpers shared by every part of cadence. See util.h for the guarantees.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* ---- memory ---- */

static void oom(size_t n)
{
	cad_log(CAD_LOG_ERR, "out of memory allocating %zu bytes", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		oom(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL)
		oom(n);
	return q;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		oom(SIZE_MAX);
	return xrealloc(p, n * size);
}

void cad_grow(void *arrp, size_t *cap, size_t need, size_t elsize)
{
	void *arr;
	size_t ncap;

	if (need <= *cap)
		return;
	ncap = *cap ? *cap : 8;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			oom(SIZE_MAX);
		ncap *= 2;
	}
	memcpy(&arr, arrp, sizeof(arr));
	arr = xreallocarray(arr, ncap, elsize);
	memset((char *)arr + *cap * elsize, 0, (ncap - *cap) * elsize);
	memcpy(arrp, &arr, sizeof(arr));
	*cap = ncap;
}

char *xstrdup(const char *s)
{
	return s ? xstrndup(s, strlen(s)) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct sbuf b;
	va_list ap;
	sbuf_init(&b);
	va_start(ap, fmt);
	sbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	return sbuf_detach(&b);
}

/* ---- growable strings ---- */

void sbuf_init(struct sbuf *b)
{
	b->cap = 64;
	b->len = 0;
	b->s = xmalloc(b->cap);
	b->s[0] = '\0';
}

void sbuf_free(struct sbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

void sbuf_reset(struct sbuf *b)
{
	if (b->s == NULL) {
		sbuf_init(b);
		return;
	}
	b->len = 0;
	b->s[0] = '\0';
}

static void sbuf_grow(struct sbuf *b, size_t extra)
{
	if (b->s == NULL)   /* detached or freed: start again */
		sbuf_init(b);
	if (extra >= SIZE_MAX / 2 - b->len)
		oom(extra);
	if (b->len + extra + 1 <= b->cap)
		return;
	while (b->len + extra + 1 > b->cap)
		b->cap *= 2;
	b->s = xrealloc(b->s, b->cap);
}

void sbuf_add(struct sbuf *b, const void *p, size_t n)
{
	sbuf_grow(b, n);
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void sbuf_adds(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

void sbuf_addc(struct sbuf *b, char c)
{
	sbuf_add(b, &c, 1);
}

void sbuf_vaddf(struct sbuf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	va_copy(ap2, ap);
	if (b->s == NULL)
		sbuf_init(b);
	n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		sbuf_grow(b, (size_t)n);
		vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void sbuf_addf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sbuf_vaddf(b, fmt, ap);
	va_end(ap);
}

char *sbuf_detach(struct sbuf *b)
{
	char *s = b->s ? b->s : xstrdup("");
	/* Leave b empty without allocating: the common use is detaching as the
	 * last step, and an allocation here would leak. Adding to b again
	 * starts a new buffer. */
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

/* ---- files ---- */

int cad_read_stream(int fd, const char *name, size_t max, unsigned flags, char **out,
		    size_t *len, struct cad_err *err)
{
	struct sbuf b;
	char chunk[8192];
	ssize_t r;

	*out = NULL;
	sbuf_init(&b);
	for (;;) {
		r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if ((size_t)r > max - b.len) {
			sbuf_free(&b);
			return cad_err_set(err, "%s: larger than %zu bytes", name, max);
		}
		sbuf_add(&b, chunk, (size_t)r);
	}
	if (r < 0) {
		int e = errno;
		sbuf_free(&b);
		return cad_err_set(err, "%s: %s", name, strerror(e));
	}
	if ((flags & CAD_READ_TEXT) && memchr(b.s, '\0', b.len) != NULL) {
		sbuf_free(&b);
		return cad_err_set(err, "%s: contains a NUL byte", name);
	}
	if (len != NULL)
		*len = b.len;
	*out = sbuf_detach(&b);
	return 0;
}

int cad_read_file(const char *path, size_t max, unsigned flags, char **out, size_t *len,
		  struct cad_err *err)
{
	struct stat sb;
	int fd, rc;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return cad_err_set(err, "%s: %s", path, strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return cad_err_set(err, "%s: not a regular file", path);
	}
	if ((uintmax_t)sb.st_size > max) {
		close(fd);
		return cad_err_set(err, "%s: larger than %zu bytes", path, max);
	}
	rc = cad_read_stream(fd, path, max, flags, out, len, err);
	close(fd);
	return rc;
}

/* ---- errors ---- */

int cad_err_set(struct cad_err *err, const char *fmt, ...)
{
	va_list ap;
	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void cad_err_prefix(struct cad_err *err, const char *fmt, ...)
{
	struct sbuf b;
	va_list ap;
	size_t n;
	if (err == NULL)
		return;
	sbuf_init(&b);
	va_start(ap, fmt);
	sbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	sbuf_adds(&b, ": ");
	sbuf_adds(&b, err->msg);
	/* Deliberate truncation: an error message is bounded. */
	n = b.len < sizeof(err->msg) - 1 ? b.len : sizeof(err->msg) - 1;
	memcpy(err->msg, b.s, n);
	err->msg[n] = '\0';
	sbuf_free(&b);
}

/* ---- logging ---- */

static int log_syslog;
static int log_verbose;
static const char *log_ident = "cadence";

void cad_log_open(const char *ident, int use_syslog, int verbose)
{
	log_ident = ident;
	log_syslog = use_syslog;
	log_verbose = verbose;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void cad_log(enum cad_log_level lvl, const char *fmt, ...)
{
	static const int prio[] = { LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING, LOG_ERR };
	static const char *const name[] = { "debug", "info", "notice", "warning", "error" };
	va_list ap;
	if (lvl == CAD_LOG_DEBUG && !log_verbose)
		return;
	va_start(ap, fmt);
	if (log_syslog) {
		vsyslog(prio[lvl], fmt, ap);
	} else {
		fprintf(stderr, "%s: %s: ", log_ident, name[lvl]);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

void cad_printable(struct sbuf *out, const char *s, size_t max)
{
	size_t i;
	if (s == NULL) {
		sbuf_adds(out, "(null)");
		return;
	}
	for (i = 0; s[i] != '\0' && i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f || c == '\\')
			sbuf_addf(out, "\\x%02x", c);
		else
			sbuf_addc(out, (char)c);
	}
	if (s[i] != '\0')
		sbuf_adds(out, "...");
}

/* ---- strings ---- */

void cad_strlower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

void cad_hex(const unsigned char *in, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	size_t i;
	for (i = 0; i < n; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int cad_strcaseeq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
	return *a == *b;
}

char *cad_trim(char *s)
{
	char *e;
	while (*s && isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int cad_startswith_ci(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++)
		if (tolower((unsigned char)*s) != tolower((unsigned char)*prefix))
			return 0;
	return 1;
}

/* ---- domains ---- */

int cad_domain_valid(const char *d)
{
	size_t len, label = 0, i;
	int digits_only = 1;

	if (d == NULL || (len = strlen(d)) == 0 || len > 253 || strchr(d, '.') == NULL)
		return 0;
	for (i = 0; i <= len; i++) {
		unsigned char c = (unsigned char)d[i];
		if (c == '.' || c == '\0') {
			if (label == 0 || d[i - 1] == '-')
				return 0;
			if (c == '\0')
				break;
			label = 0;
			digits_only = 1;
			continue;
		}
		if (c >= '0' && c <= '9')
			;
		else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c == '-' && label > 0))
			digits_only = 0;
		else
			return 0;
		if (++label > 63)
			return 0;
	}
	return !digits_only;
}

/* ---- mail addresses ---- */

int cad_addr_valid(const char *addr)
{
	const char *at, *p, *dom;
	size_t len = strlen(addr);
	if (len < 3 || len > 254)
		return 0;
	at = strrchr(addr, '@');
	if (at == NULL || at == addr || at[1] == '\0' || at - addr > 64)
		return 0;
	for (p = addr; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';')
			return 0;
	}
	dom = at + 1;
	if (*dom == '[')
		return dom[strlen(dom) - 1] == ']';
	if (strchr(dom, '.') == NULL || *dom == '.' || dom[strlen(dom) - 1] == '.'
	    || strstr(dom, "..") != NULL || strchr(dom, '@') != NULL)
		return 0;
	for (p = dom; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.'
		    && (unsigned char)*p < 0x80)
			return 0;
	return 1;
}

void cad_addr_normalize(char *addr)
{
	cad_strlower(addr);
}

const char *cad_addr_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');
	return at ? at + 1 : NULL;
}

/* ---- time ---- */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's algorithm): no timegm(), no TZ environment. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int mdays(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

int cad_time_parse(const char *s, cad_time_t *out)
{
	int y, mo, d, h = 0, mi = 0, se = 0, n = 0, oh = 0, om = 0;
	const char *p;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	p = s + n;
	if (*p == 'T' || *p == ' ') {
		int m2 = 0;
		p++;
		if (sscanf(p, "%2d:%2d%n", &h, &mi, &m2) != 2 || m2 != 5)
			return -1;
		p += m2;
		if (*p == ':') {
			if (sscanf(p, ":%2d%n", &se, &m2) != 1 || m2 != 3)
				return -1;
			p += m2;
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p == '-' ? -1 : 1;
			if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &m2) != 2 || m2 != 5)
				return -1;
			p += 1 + m2;
			oh *= sign;
			om *= sign;
		}
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > mdays(y, mo) || h > 23
	    || mi > 59 || se > 60 || y < 1970 || y > 9999)
		return -1;
	*out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se
	     - (oh * 3600 + om * 60);
	return 0;
}

char *cad_time_format(cad_time_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "@%lld", (long long)t);
	return buf;
}

cad_time_t cad_now(void)
{
	return (cad_time_t)time(NULL);
}

/* ---- internal inconsistency (Postfix's msg_panic) ---- */

void cad_panic(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cad_log(CAD_LOG_ERR, "panic: %s", buf);
	abort();
}
