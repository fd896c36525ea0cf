/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctllist.h - cadencectl's listings ("user list", "events", "status",
 * "webhook log" ...): one walk from the store to the table or the JSON
 * array.
 *
 * Guarantees: the store is opened read-only; a failure to read is one
 * line "cadencectl: <command>: <store's message>" and CTL_FAIL, with
 * nothing on standard output; else the rows are shown by out_list() and
 * CTL_OK. ctllist_run() also checks the arguments of a listing that takes
 * none, as ctl_plain_args() does (--help, --json; a positional argument is
 * the usage error "takes no arguments").
 */
#ifndef CADENCE_CTL_CTLLIST_H
#define CADENCE_CTL_CTLLIST_H

#include "out.h"

/* Appends one JSON object per listed item to rows (a JSON array owned by
 * the caller); arg is the command's filter, as given to ctllist_show().
 * 0, or -1 with err (rows is then dropped whole). */
typedef int (*ctllist_fill_fn)(struct store *st, const void *arg, json_t *rows,
			       struct cad_err *err);

/* Opens the store read-only and shows what fill(st, arg, ...) lists with
 * cols; returns the exit code. */
int ctllist_show(struct ctl *c, ctllist_fill_fn fill, const void *arg,
		 const struct out_col *cols, size_t ncols);

/* The listing command argv without arguments (usage: its usage line):
 * ctllist_show() with arg NULL after the argument check. */
int ctllist_run(struct ctl *c, int argc, char **argv, const char *usage, ctllist_fill_fn fill,
		const struct out_col *cols, size_t ncols);

#endif
