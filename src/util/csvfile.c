/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * csvfile.c - CSV files with a header row, read with libcsv (RFC 4180).
 *
 * libcsv does the quoting; this file adds what libcsv does not know:
 * - line numbers: input is fed to libcsv at most one line (or CSV_FEED_MAX
 *   bytes) at a time, so the line of every byte is known; a record starts
 *   on the first line since the previous record that holds anything but
 *   blanks (libcsv itself skips empty lines);
 * - bounds: a row is at most CSV_ROW_MAX bytes and CSV_FIELDS_MAX fields.
 *   A row over a bound is reported to the callback with row_err and
 *   reading goes on. A record still open after 2 * CSV_ROW_MAX bytes (an
 *   unclosed quote, say) is abandoned: the parser restarts at the next
 *   line, so memory stays bounded whatever the input;
 * - a malformed quote (CSV_STRICT) is a row error naming its line; the
 *   parser restarts at the next line;
 * - the header: trimmed, lower-cased, no name twice; a bad header is an
 *   error for the whole file (-1), nothing reaches the callback.
 * Rows whose fields are all empty (",,,," lines from spreadsheets) are
 * skipped like empty lines.
 */
#include "config.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvfile.h"
#include "util.h"

#define CSV_ROW_MAX (64 * 1024)
#define CSV_FIELDS_MAX 256
#define CSV_FEED_MAX 4096
#define CSV_READ_CHUNK (64 * 1024)

struct csvr {
	const char *name;
	struct csv_parser p;
	csvfile_row_fn fn;
	void *arg;
	struct cad_err *err;
	size_t line;        /* line of the next byte fed, 1-based */
	size_t rec_line;    /* line where the open record started; 0 = none open */
	size_t rec_bytes;   /* bytes fed since the open record started */
	char **fields;      /* the open record's fields so far */
	size_t nfields;
	size_t row_bytes;   /* their size, with one separator each */
	int too_many;       /* more than CSV_FIELDS_MAX fields */
	int has_nul;        /* a field holds a NUL byte */
	char **hdr;         /* NULL-terminated; NULL until the header is read */
	size_t nhdr;
	int rc;             /* the callback's non-zero value, or -1 */
	int stop;
	int skip_line;      /* resynchronising: drop bytes up to the next '\n' */
};

static void rec_clear(struct csvr *r)
{
	size_t i;
	for (i = 0; i < r->nfields; i++)
		free(r->fields[i]);
	r->nfields = 0;
	r->row_bytes = 0;
	r->too_many = 0;
	r->has_nul = 0;
	r->rec_line = 0;
	r->rec_bytes = 0;
}

static void field_cb(void *s, size_t len, void *data)
{
	struct csvr *r = data;
	if (r->stop)
		return;
	if (r->rec_line == 0)
		r->rec_line = r->line;
	if (r->nfields >= CSV_FIELDS_MAX) {
		r->too_many = 1;
		return;
	}
	r->row_bytes += len + 1;
	if (len > 0 && memchr(s, '\0', len) != NULL)
		r->has_nul = 1;
	/* Past the bound the content is not kept: the row is an error anyway. */
	if (len == 0 || r->row_bytes > CSV_ROW_MAX || r->has_nul)
		r->fields[r->nfields++] = xstrdup("");
	else
		r->fields[r->nfields++] = xstrndup(s, len);
}

static int header_take(struct csvr *r)
{
	size_t i, j, line = r->rec_line ? r->rec_line : r->line;
	if (r->too_many)
		return cad_err_set(r->err, "%s:%zu: header has more than %d columns", r->name, line,
				   CSV_FIELDS_MAX);
	if (r->has_nul)
		return cad_err_set(r->err, "%s:%zu: header holds a NUL byte", r->name, line);
	if (r->row_bytes > CSV_ROW_MAX)
		return cad_err_set(r->err, "%s:%zu: header longer than %d bytes", r->name, line,
				   CSV_ROW_MAX);
	r->hdr = xcalloc(r->nfields + 1, sizeof(*r->hdr));
	r->nhdr = r->nfields;
	for (i = 0; i < r->nfields; i++) {
		char *t = cad_trim(r->fields[i]);
		r->hdr[i] = xstrdup(t);
		cad_strlower(r->hdr[i]);
	}
	for (i = 0; i < r->nhdr; i++)
		for (j = i + 1; j < r->nhdr; j++)
			if (r->hdr[i][0] != '\0' && strcmp(r->hdr[i], r->hdr[j]) == 0) {
				struct sbuf b;
				sbuf_init(&b);
				cad_printable(&b, r->hdr[i], 64);
				cad_err_set(r->err, "%s:%zu: header names column \"%s\" twice",
					    r->name, line, b.s);
				sbuf_free(&b);
				return -1;
			}
	return 0;
}

/* Hands the open record to the callback, padded to the header's width. */
static void rec_emit(struct csvr *r, size_t line, const char *row_err)
{
	char buf[128];
	size_t i;
	int rc;

	if (row_err == NULL) {
		if (r->too_many)
			row_err = "row has more than 256 fields";
		else if (r->has_nul)
			row_err = "row holds a NUL byte";
		else if (r->row_bytes > CSV_ROW_MAX)
			row_err = "row longer than 65536 bytes";
		else if (r->nfields > r->nhdr) {
			/* Trailing empty fields ("a,b,c,") are harmless. */
			for (i = r->nhdr; i < r->nfields; i++)
				if (r->fields[i][0] != '\0')
					break;
			if (i < r->nfields) {
				snprintf(buf, sizeof(buf), "row has %zu fields, the header has %zu",
					 r->nfields, r->nhdr);
				row_err = buf;
			}
		}
	}
	for (i = r->nfields; i < r->nhdr; i++)
		r->fields[i] = xstrdup("");
	if (r->nhdr > r->nfields)
		r->nfields = r->nhdr;
	rc = r->fn(r->arg, line, r->hdr, r->fields, r->nhdr, row_err);
	if (rc != 0) {
		r->rc = rc;
		r->stop = 1;
	}
}

static void rec_cb(int c, void *data)
{
	struct csvr *r = data;
	size_t i, line;
	(void)c;
	if (r->stop)
		return;
	line = r->rec_line ? r->rec_line : r->line;
	if (r->hdr == NULL) {
		if (header_take(r) != 0) {
			r->rc = -1;
			r->stop = 1;
		}
	} else {
		for (i = 0; i < r->nfields; i++)
			if (r->fields[i][0] != '\0')
				break;
		if (i < r->nfields || r->too_many || r->has_nul || r->row_bytes > CSV_ROW_MAX)
			rec_emit(r, line, NULL);
	}
	rec_clear(r);
}

/* A record that cannot be completed: report it, restart the parser. */
static void rec_fail(struct csvr *r, const char *msg)
{
	size_t line = r->rec_line ? r->rec_line : r->line;
	if (r->hdr == NULL) {
		cad_err_set(r->err, "%s:%zu: header: %s", r->name, line, msg);
		r->rc = -1;
		r->stop = 1;
	} else {
		rec_emit(r, line, msg);
	}
	rec_clear(r);
	csv_free(&r->p);
	csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI);
}

static int blank(const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

static void feed(struct csvr *r, const char *buf, size_t len)
{
	char msg[96];
	const char *nl;
	size_t seg, n;

	while (len > 0 && !r->stop) {
		nl = memchr(buf, '\n', len < CSV_FEED_MAX ? len : CSV_FEED_MAX);
		if (r->skip_line) {
			nl = memchr(buf, '\n', len);
			if (nl == NULL)
				return;
			len -= (size_t)(nl + 1 - buf);
			buf = nl + 1;
			r->line++;
			r->skip_line = 0;
			continue;
		}
		seg = nl ? (size_t)(nl + 1 - buf) : (len < CSV_FEED_MAX ? len : CSV_FEED_MAX);
		if (r->rec_line == 0 && !blank(buf, seg))
			r->rec_line = r->line;
		n = csv_parse(&r->p, buf, seg, field_cb, rec_cb, r);
		if (r->stop)
			return;
		if (n < seg) {
			if (csv_error(&r->p) == CSV_EPARSE)
				snprintf(msg, sizeof(msg), "malformed quote on line %zu", r->line);
			else
				snprintf(msg, sizeof(msg), "line %zu: %s", r->line,
					 csv_strerror(csv_error(&r->p)));
			rec_fail(r, msg);
			buf += n;
			len -= n;
			r->skip_line = 1;
			continue;
		}
		buf += seg;
		len -= seg;
		if (nl != NULL)
			r->line++;
		if (r->rec_line != 0) {
			r->rec_bytes += seg;
			if (r->rec_bytes > 2 * CSV_ROW_MAX) {
				rec_fail(r, "row longer than 65536 bytes");
				r->skip_line = (nl == NULL);
			}
		}
	}
}

static void csvr_init(struct csvr *r, const char *name, csvfile_row_fn fn, void *arg,
		      struct cad_err *err)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->fn = fn;
	r->arg = arg;
	r->err = err;
	r->line = 1;
	/* nhdr and nfields never exceed CSV_FIELDS_MAX: one array serves all rows. */
	r->fields = xmalloc(CSV_FIELDS_MAX * sizeof(*r->fields));
	csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI);
}

static int csvr_finish(struct csvr *r)
{
	size_t i;
	if (!r->stop && !r->skip_line && csv_fini(&r->p, field_cb, rec_cb, r) != 0 && !r->stop)
		rec_fail(r, "quoted field not closed at end of file");
	if (!r->stop && r->hdr == NULL) {
		cad_err_set(r->err, "%s: no header row", r->name);
		r->rc = -1;
	}
	rec_clear(r);
	free(r->fields);
	for (i = 0; i < r->nhdr; i++)
		free(r->hdr[i]);
	free(r->hdr);
	csv_free(&r->p);
	return r->rc;
}

/* Skips a UTF-8 byte-order mark at the start of the input. */
static size_t bom_len(const char *buf, size_t len)
{
	return (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) ? 3 : 0;
}

int csvfile_read_buffer(const char *name, const char *buf, size_t len, csvfile_row_fn fn,
			void *arg, struct cad_err *err)
{
	struct csvr r;
	size_t skip = bom_len(buf, len);
	csvr_init(&r, name, fn, arg, err);
	feed(&r, buf + skip, len - skip);
	return csvr_finish(&r);
}

int csvfile_read(const char *path, csvfile_row_fn fn, void *arg, struct cad_err *err)
{
	struct csvr r;
	FILE *f;
	char *buf;
	size_t n;
	int first = 1, failed = 0, is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "stdin" : path;

	f = is_stdin ? stdin : fopen(path, "rb");
	if (f == NULL)
		return cad_err_set(err, "%s: %s", path, strerror(errno));
	buf = xmalloc(CSV_READ_CHUNK);
	csvr_init(&r, name, fn, arg, err);
	/* fread fills the whole chunk unless at end of file, so the first
	 * chunk holds the whole BOM if there is one. */
	while (!r.stop && (n = fread(buf, 1, CSV_READ_CHUNK, f)) > 0) {
		size_t skip = first ? bom_len(buf, n) : 0;
		first = 0;
		feed(&r, buf + skip, n - skip);
	}
	if (ferror(f)) {
		failed = 1;
		cad_err_set(err, "%s: read error: %s", name, strerror(errno));
	}
	free(buf);
	if (!is_stdin)
		fclose(f);
	if (failed) {
		r.stop = 1;
		csvr_finish(&r);
		return -1;
	}
	return csvr_finish(&r);
}
