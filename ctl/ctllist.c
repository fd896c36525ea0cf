/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctllist.c - cadencectl's listings. See ctllist.h.
 */
#include "config.h"

#include "ctllist.h"

int ctllist_show(struct ctl *c, ctllist_fill_fn fill, const void *arg,
		 const struct out_col *cols, size_t ncols)
{
	struct cad_err err;
	json_t *rows;

	if (ctl_store(c, STORE_READONLY) != 0)
		return CTL_FAIL;
	rows = json_array();
	if (fill(c->st, arg, rows, &err) != 0) {
		json_decref(rows);
		return ctl_fail(c, "%s", err.msg);
	}
	out_list(c, rows, cols, ncols);
	return CTL_OK;
}

int ctllist_run(struct ctl *c, int argc, char **argv, const char *usage, ctllist_fill_fn fill,
		const struct out_col *cols, size_t ncols)
{
	int r = ctl_plain_args(c, argc, argv, usage, 0, 0, "takes no arguments");

	if (r != CTL_GO)
		return r;
	return ctllist_show(c, fill, NULL, cols, ncols);
}
