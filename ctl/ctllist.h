/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctllist.h - the listing commands that take no arguments ("user list",
 * "sequence list", "suppress list", "token list", "webhook list"): one
 * walk from the command line to the table or the JSON array.
 *
 * Guarantees: the arguments are checked as ctl_plain_args() does (--help,
 * --json; any positional argument is a usage error "takes no arguments");
 * the store is opened read-only; a failure to read is one line
 * "cadencectl: <command>: <store's message>" and CTL_FAIL, with nothing on
 * standard output; else the rows are shown by out_list() and CTL_OK.
 */
#ifndef CADENCE_CTL_CTLLIST_H
#define CADENCE_CTL_CTLLIST_H

#include "out.h"

/* Appends one JSON object per listed item to rows (a JSON array owned by
 * the caller). 0, or -1 with err (rows is then dropped whole). */
typedef int (*ctllist_fill_fn)(struct store *st, json_t *rows, struct cad_err *err);

/* Runs the listing command argv (usage: its usage line); returns the exit
 * code. */
int ctllist_run(struct ctl *c, int argc, char **argv, const char *usage, ctllist_fill_fn fill,
		const struct out_col *cols, size_t ncols);

#endif
