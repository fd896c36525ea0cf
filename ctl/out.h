/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * out.h - cadencectl's output: the same data drives the human tables and
 * the --json output.
 *
 * A command builds its result as jansson values (an array of objects for a
 * listing, one object for a record) with stable camelCase keys, then hands
 * it here with the columns a person wants to see. Human output is an
 * aligned table (or "Title: value" lines for a record); strings from the
 * store are made printable (control bytes escaped) and long cells cut, so
 * a hostile contact name cannot paint the terminal. JSON output is the
 * whole value, one document per invocation, keys in insertion order.
 */
#ifndef CADENCE_CTL_OUT_H
#define CADENCE_CTL_OUT_H

#include <jansson.h>
#include <stddef.h>

#include "ctl.h"
#include "util.h"

struct out_col {
	const char *key;              /* key in the objects */
	const char *title;            /* header / label for people */
	const struct out_col *sub;    /* record view: array value shown as a table */
	size_t nsub;
};

/* Takes ownership of rows (a JSON array of objects). */
void out_list(const struct ctl *c, json_t *rows, const struct out_col *cols, size_t ncols);
/* Takes ownership of obj. Multi-line strings are printed indented below
 * their label; arrays with sub columns as an indented table. */
void out_record(const struct ctl *c, json_t *obj, const struct out_col *cols, size_t ncols);
/* Takes ownership of obj: JSON prints obj, people get the formatted line. */
void out_result(const struct ctl *c, json_t *obj, const char *fmt, ...) CAD_PRINTF(3, 4);

/* Value constructors that map "absent" to JSON null. */
json_t *out_str(const char *s);
json_t *out_time(cad_time_t t);
json_t *out_id(int64_t id);        /* 0 -> null */
/* obj[key] = v (v owned; NULL becomes null). */
void out_set(json_t *obj, const char *key, json_t *v);

#endif
