/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctllist.c - the listing commands without arguments. See ctllist.h.
 */
#include "config.h"

#include "ctllist.h"

int ctllist_run(struct ctl *c, int argc, char **argv, const char *usage, ctllist_fill_fn fill,
		const struct out_col *cols, size_t ncols)
{
	struct cad_err err;
	json_t *rows;
	int r = ctl_plain_args(c, argc, argv, usage, 0, 0, "takes no arguments");

	if (r != CTL_GO)
		return r;
	if (ctl_store(c, STORE_READONLY) != 0)
		return CTL_FAIL;
	rows = json_array();
	if (fill(c->st, rows, &err) != 0) {
		json_decref(rows);
		return ctl_fail(c, "%s", err.msg);
	}
	out_list(c, rows, cols, ncols);
	return CTL_OK;
}
