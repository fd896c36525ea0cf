/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_rows.c - listings of rows and their freeing. See store_rows.h.
 */
#include "config.h"

#include <stdlib.h>

#include "store_rows.h"

void store_rows_free(void *v, size_t n, size_t sz, store_drop_fn drop)
{
	unsigned char *p = v;
	size_t i;

	for (i = 0; p && i < n; i++)
		drop(p + i * sz);
	free(v);
}

int store_list_rows(struct store *st, store_q *s, store_row_fn read, store_drop_fn drop,
		    size_t sz, void **out, size_t *n, const char *what, struct cad_err *err)
{
	if (store_all_rows(st, s, read, sz, out, n, what, err) == 0)
		return 0;
	store_rows_free(*out, *n, sz, drop);
	*out = NULL;
	*n = 0;
	return -1;
}
