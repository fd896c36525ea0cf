/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * out.c - human tables and JSON output of cadencectl from one set of
 * jansson values. See out.h for the guarantees.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "out.h"

/* Longest cell of a table; longer values are cut with "...". */
#define OUT_CELL_MAX 60
/* Longest value of a record line. */
#define OUT_VALUE_MAX 4096

json_t *out_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *out_time(cad_time_t t)
{
	char buf[CAD_TIME_BUFSZ];

	if (t == 0)
		return json_null();
	return json_string(cad_time_format(t, buf, sizeof(buf)));
}

json_t *out_id(int64_t id)
{
	return id ? json_integer(id) : json_null();
}

void out_set(json_t *obj, const char *key, json_t *v)
{
	/* json_string() returns NULL for invalid UTF-8; show it as null
	 * rather than losing the key. */
	json_object_set_new(obj, key, v ? v : json_null());
}

/*
 * Appends s for a terminal: valid UTF-8 passes (names are often not
 * ASCII), control bytes and invalid bytes become \xHH, and after max
 * characters the rest is cut with "...". (cad_printable is for log lines
 * and escapes all non-ASCII.)
 */
static void out_printable(struct sbuf *out, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t chars = 0;

	while (*p) {
		size_t n = 0, i;
		if (chars == max) {
			sbuf_adds(out, "...");
			return;
		}
		if (*p >= 0x20 && *p < 0x7f)
			n = 1;
		else if (*p >= 0xC2 && *p <= 0xDF)
			n = 2;
		else if (*p >= 0xE0 && *p <= 0xEF)
			n = 3;
		else if (*p >= 0xF0 && *p <= 0xF4)
			n = 4;
		for (i = 1; i < n; i++)
			if ((p[i] & 0xC0) != 0x80)
				n = 0;
		/* Overlong and surrogate forms are not worth a terminal's trust. */
		if (n == 3 && ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] >= 0xA0)))
			n = 0;
		if (n == 4 && ((p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] >= 0x90)))
			n = 0;
		/* C1 controls (U+0080..U+009F) can drive terminals too. */
		if (n == 2 && p[0] == 0xC2 && p[1] < 0xA0)
			n = 0;
		if (n == 0) {
			sbuf_addf(out, "\\x%02X", *p);
			n = 1;
		} else {
			sbuf_add(out, p, n);
		}
		p += n;
		chars++;
	}
}

/* A printable rendering of a scalar for people. */
static void cell_text(const json_t *v, size_t max, struct sbuf *out)
{
	sbuf_reset(out);
	if (v == NULL || json_is_null(v))
		sbuf_adds(out, "-");
	else if (json_is_string(v))
		out_printable(out, json_string_value(v), max);
	else if (json_is_integer(v))
		sbuf_addf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_true(v))
		sbuf_adds(out, "yes");
	else if (json_is_false(v))
		sbuf_adds(out, "no");
	else if (json_is_real(v))
		sbuf_addf(out, "%g", json_real_value(v));
	else if (json_is_array(v) && json_array_size(v) == 0)
		sbuf_adds(out, "-");
	else if (json_is_array(v)) {
		/* A list of strings (aliases...): joined. */
		size_t i;
		for (i = 0; i < json_array_size(v); i++) {
			const json_t *it = json_array_get(v, i);
			if (i)
				sbuf_adds(out, ", ");
			if (json_is_string(it))
				out_printable(out, json_string_value(it), max);
			else
				sbuf_adds(out, "...");
		}
	} else
		sbuf_adds(out, "{...}");
}

/* The last column of a table: a string of several lines keeps its lines
 * (each made printable), so that a note can be read as written. */
static void cell_text_lines(const json_t *v, struct sbuf *out)
{
	struct sbuf line;
	const char *p;

	if (!json_is_string(v) || strchr(json_string_value(v), '\n') == NULL) {
		cell_text(v, OUT_VALUE_MAX, out);
		return;
	}
	sbuf_reset(out);
	sbuf_init(&line);
	for (p = json_string_value(v); *p;) {
		size_t n = strcspn(p, "\n");
		sbuf_reset(&line);
		sbuf_add(&line, p, n);
		if (line.len && line.s[line.len - 1] == '\r')
			line.s[--line.len] = '\0';
		if (out->len)
			sbuf_addc(out, '\n');
		out_printable(out, line.s, OUT_VALUE_MAX);
		p += n;
		if (*p == '\n')
			p++;
	}
	sbuf_free(&line);
}

/* Prints a last cell; its further lines start under its first. */
static void print_last_cell(const char *s, size_t column)
{
	const char *nl;

	while ((nl = strchr(s, '\n')) != NULL) {
		fwrite(s, 1, (size_t)(nl - s), stdout);
		printf("\n%*s", (int)column, "");
		s = nl + 1;
	}
	fputs(s, stdout);
}

/* Display width of printable text (ASCII after cad_printable). */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

static void dump_json(const json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);

	if (s != NULL) {
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}
}

static void print_table(json_t *rows, const struct out_col *cols, size_t ncols,
			const char *indent)
{
	size_t nrows = json_array_size(rows);
	size_t *width = xcalloc(ncols, sizeof(*width));
	char **cells = xcalloc(nrows * ncols + 1, sizeof(*cells));
	struct sbuf b;
	size_t r, k;

	sbuf_init(&b);
	for (k = 0; k < ncols; k++)
		width[k] = strlen(cols[k].title);
	for (r = 0; r < nrows; r++) {
		json_t *row = json_array_get(rows, r);
		for (k = 0; k < ncols; k++) {
			size_t w;
			/* The last column is not aligned: it need not be cut. */
			if (k + 1 < ncols)
				cell_text(json_object_get(row, cols[k].key), OUT_CELL_MAX, &b);
			else
				cell_text_lines(json_object_get(row, cols[k].key), &b);
			cells[r * ncols + k] = xstrdup(b.s);
			w = text_width(b.s);
			if (w > width[k])
				width[k] = w;
		}
	}
	fputs(indent, stdout);
	for (k = 0; k < ncols; k++) {
		if (k + 1 < ncols)
			printf("%-*s  ", (int)width[k], cols[k].title);
		else
			fputs(cols[k].title, stdout);
	}
	fputc('\n', stdout);
	for (r = 0; r < nrows; r++) {
		size_t column = strlen(indent);
		fputs(indent, stdout);
		for (k = 0; k < ncols; k++) {
			const char *s = cells[r * ncols + k];
			if (k + 1 < ncols) {
				size_t pad = width[k] - text_width(s) + 2;
				fputs(s, stdout);
				while (pad--)
					fputc(' ', stdout);
				column += width[k] + 2;
			} else {
				print_last_cell(s, column);
			}
			free(cells[r * ncols + k]);
		}
		fputc('\n', stdout);
	}
	sbuf_free(&b);
	free(cells);
	free(width);
}

void out_list(const struct ctl *c, json_t *rows, const struct out_col *cols, size_t ncols)
{
	if (c->json)
		dump_json(rows);
	else if (json_array_size(rows) > 0)
		print_table(rows, cols, ncols, "");
	json_decref(rows);
}

/* A multi-line string, each line made printable and indented. */
static void print_lines(const char *s)
{
	struct sbuf line, b;
	const char *p = s;

	sbuf_init(&line);
	sbuf_init(&b);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		sbuf_reset(&line);
		sbuf_add(&line, p, n);
		if (line.len && line.s[line.len - 1] == '\r')
			line.s[--line.len] = '\0';
		sbuf_reset(&b);
		out_printable(&b, line.s, OUT_VALUE_MAX);
		printf("    %s\n", b.s);
		p += n;
		if (*p == '\n')
			p++;
	}
	sbuf_free(&line);
	sbuf_free(&b);
}

void out_record(const struct ctl *c, json_t *obj, const struct out_col *cols, size_t ncols)
{
	size_t k, lw = 0;
	struct sbuf b;

	if (c->json) {
		dump_json(obj);
		json_decref(obj);
		return;
	}
	for (k = 0; k < ncols; k++)
		if (cols[k].sub == NULL && strlen(cols[k].title) > lw)
			lw = strlen(cols[k].title);
	sbuf_init(&b);
	for (k = 0; k < ncols; k++) {
		json_t *v = json_object_get(obj, cols[k].key);
		if (cols[k].sub != NULL) {
			printf("%s:\n", cols[k].title);
			if (json_is_array(v) && json_array_size(v) > 0)
				print_table(v, cols[k].sub, cols[k].nsub, "  ");
			else
				printf("  (none)\n");
			continue;
		}
		if (json_is_object(v)) {
			/* A map (contact properties): one "key: value" line each. */
			const char *key;
			json_t *val;
			printf("%s:%s\n", cols[k].title, json_object_size(v) ? "" : " -");
			json_object_foreach(v, key, val) {
				struct sbuf kb;
				sbuf_init(&kb);
				out_printable(&kb, key, 100);
				cell_text(val, OUT_VALUE_MAX, &b);
				printf("  %s: %s\n", kb.s, b.s);
				sbuf_free(&kb);
			}
			continue;
		}
		if (json_is_string(v) && strchr(json_string_value(v), '\n') != NULL) {
			printf("%s:\n", cols[k].title);
			print_lines(json_string_value(v));
			continue;
		}
		cell_text(v, OUT_VALUE_MAX, &b);
		printf("%s:%*s %s\n", cols[k].title, (int)(lw - strlen(cols[k].title)), "", b.s);
	}
	sbuf_free(&b);
	json_decref(obj);
}

void out_result(const struct ctl *c, json_t *obj, const char *fmt, ...)
{
	va_list ap;

	if (c->json) {
		dump_json(obj);
	} else {
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		fputc('\n', stdout);
	}
	json_decref(obj);
}
