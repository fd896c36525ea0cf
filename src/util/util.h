/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util.h - the small helpers every part of cadence uses.
 *
 * What it guarantees:
 * - Memory: x*() allocators never return NULL; on exhaustion they log and
 *   abort (as Postfix's mymalloc does), so callers need no NULL checks.
 * - sbuf: a growable, always NUL-terminated byte string, so that untrusted
 *   data never lands in a fixed buffer (Postfix's VSTRING in miniature).
 * - cad_err: a bounded error message; the text names the place (file:line,
 *   field, header) and is truncated, never overflowed.
 * - Logging: severity-levelled, to stderr or syslog; untrusted strings go
 *   through cad_printable() first (truncated, control bytes escaped).
 * - Time: cad_time_t is seconds since the epoch, UTC. Nothing here reads
 *   the clock except cad_now(), which only the daemons' mains may call.
 */
#ifndef CADENCE_UTIL_H
#define CADENCE_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define CAD_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* ---- memory ---- */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);               /* xstrdup(NULL) == NULL */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) CAD_PRINTF(1, 2);
/* xrealloc(p, n * size) with the product checked: aborts as on exhaustion
 * when it would overflow size_t (Postfix's mymalloc discipline). */
void *xreallocarray(void *p, size_t n, size_t size);
/* Growth of a hand-kept array: *(T **)arrp has room for *cap elements of
 * elsize bytes; after the call it has room for at least need (capacity
 * doubles from 8, so appending one at a time costs amortized O(1)). The
 * new elements are zeroed. Every size is checked: an overflow aborts as
 * exhaustion does. Call as cad_grow(&v, &cap, n + 1, sizeof(*v)). */
void cad_grow(void *arrp, size_t *cap, size_t need, size_t elsize);

/* ---- growable strings ---- */
struct sbuf {
	char *s;     /* NUL-terminated after sbuf_init(); NULL after sbuf_detach() */
	size_t len;
	size_t cap;
};
void sbuf_init(struct sbuf *b);
void sbuf_free(struct sbuf *b);
void sbuf_reset(struct sbuf *b);
void sbuf_add(struct sbuf *b, const void *p, size_t n);
void sbuf_adds(struct sbuf *b, const char *s);
void sbuf_addc(struct sbuf *b, char c);
void sbuf_addf(struct sbuf *b, const char *fmt, ...) CAD_PRINTF(2, 3);
void sbuf_vaddf(struct sbuf *b, const char *fmt, va_list ap) CAD_PRINTF(2, 0);
/* Hands over the string (caller frees). b is left empty and owns nothing;
 * adding to it again starts a new buffer, sbuf_free() on it is harmless. */
char *sbuf_detach(struct sbuf *b);

/* ---- errors ---- */
struct cad_err {
	char msg[512];
};
/* Formats into err (NULL-safe), truncating; returns -1 for "return cad_err_set(...)". */
int cad_err_set(struct cad_err *err, const char *fmt, ...) CAD_PRINTF(2, 3);
/* Prefixes err's message with "prefix: " (for example a file name). */
void cad_err_prefix(struct cad_err *err, const char *fmt, ...) CAD_PRINTF(2, 3);

/* ---- files ---- */
#define CAD_READ_TEXT 1u   /* refuse a file holding a NUL byte */
/* Reads the whole regular file at path (at most max bytes) into a new
 * NUL-terminated buffer *out (caller frees); *len (may be NULL) is its
 * length without the NUL. Never blocks on a FIFO or device: anything but a
 * regular file is refused. On error returns -1 and *out is NULL; the
 * message names the path: "PATH: <strerror>", "PATH: not a regular file",
 * "PATH: larger than MAX bytes", "PATH: contains a NUL byte". */
int cad_read_file(const char *path, size_t max, unsigned flags, char **out, size_t *len,
		  struct cad_err *err);
/* The same over an open stream (standard input, a pipe): reads to its end,
 * refusing more than max bytes; name is the path in messages. */
int cad_read_stream(int fd, const char *name, size_t max, unsigned flags, char **out,
		    size_t *len, struct cad_err *err);

/* ---- logging ---- */
enum cad_log_level { CAD_LOG_DEBUG, CAD_LOG_INFO, CAD_LOG_NOTICE, CAD_LOG_WARN, CAD_LOG_ERR };
void cad_log_open(const char *ident, int use_syslog, int verbose);
void cad_log(enum cad_log_level lvl, const char *fmt, ...) CAD_PRINTF(2, 3);
/* An internal inconsistency (a bug, never bad input or a failed
 * environment): logs "panic: ..." at error level and aborts, as Postfix's
 * msg_panic(). The one thing library code may log. */
_Noreturn void cad_panic(const char *fmt, ...) CAD_PRINTF(1, 2);
/* Appends s (at most max bytes of it) to out with control and non-ASCII
 * bytes escaped as \xHH, and "..." when truncated: safe for a log line. */
void cad_printable(struct sbuf *out, const char *s, size_t max);

/* ---- strings ---- */
void cad_strlower(char *s);
int cad_strcaseeq(const char *a, const char *b);
/* The lowercase hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
void cad_hex(const unsigned char *in, size_t n, char *out);
char *cad_trim(char *s);                    /* in place; returns s advanced */
int cad_startswith_ci(const char *s, const char *prefix);

/* ---- domains ---- */
/* The one rule for a mail domain name, everywhere cadence takes one
 * (cadence.conf, suppressions in the CLI, the API and the store):
 * RFC 1035 / RFC 5321 "Domain": dot-separated labels of letters, digits
 * and '-' (LDH), each 1-63 bytes, not starting or ending with '-'; at
 * least two labels; at most 253 bytes; no trailing dot; the last label not
 * all digits (so "10.0.0.1" is not a domain). Case-insensitive: upper case
 * is accepted (callers store the lower-cased form). '_' is refused: it is
 * no part of a mail domain (RFC 5321 4.1.2), only of service names such as
 * _dmarc.example.org, which are never suppressed or sent from.
 * Returns 1 when valid, 0 otherwise (NULL included). */
int cad_domain_valid(const char *d);

/* ---- mail addresses ---- */
/* A plain addr-spec check (local@domain, no spaces or angle brackets,
 * domain with a dot or a bracketed literal). Enough to refuse junk input. */
int cad_addr_valid(const char *addr);
/* Lower-cases the whole address in place (cadence treats local parts as
 * case-insensitive, as every large provider does). */
void cad_addr_normalize(char *addr);
/* Pointer to the domain part after the last '@', or NULL. */
const char *cad_addr_domain(const char *addr);

/* ---- time ---- */
typedef int64_t cad_time_t;
/* Parses "2026-12-01T09:00:00Z", "2026-12-01T09:00:00+01:00",
 * "2026-12-01 09:00" (UTC) or "2026-12-01" (00:00 UTC). 0 on success. */
int cad_time_parse(const char *s, cad_time_t *out);
/* Formats as "2026-12-01T09:00:00Z" into buf (at least 21 bytes). */
char *cad_time_format(cad_time_t t, char *buf, size_t len);
#define CAD_TIME_BUFSZ 32
/* The wall clock; for the daemons' mains and cadencectl only, never rules. */
cad_time_t cad_now(void);

#define CAD_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
