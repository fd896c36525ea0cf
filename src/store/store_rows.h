/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_rows.h - listings handed to the store's callers: an array of
 * elements, each read from one row by a store_row_fn (store_int.h) and
 * freed by a store_drop_fn, so that the "free what was read, give back
 * nothing" rule of a failed listing is written once.
 *
 * Guarantees: store_list_rows() returns 0 with every row, or -1 with err
 * ("store: what: ...") and *out = NULL, *n = 0, the rows read before the
 * error freed. store_rows_free() drops each element and frees the array
 * (NULL is fine). Internal to the store (includes store_int.h).
 */
#ifndef CADENCE_STORE_ROWS_H
#define CADENCE_STORE_ROWS_H

#include "store_int.h"

/* Frees what one element (of the caller's type) holds, not the element. */
typedef void (*store_drop_fn)(void *elem);

/* Drops the n elements of size sz of v, then frees v. */
void store_rows_free(void *v, size_t n, size_t sz, store_drop_fn drop);

/* store_all_rows() (s bound, or NULL when store_stmt() failed) for a
 * listing: on error the rows read so far are dropped and freed. */
int store_list_rows(struct store *st, store_q *s, store_row_fn read, store_drop_fn drop,
		    size_t sz, void **out, size_t *n, const char *what, struct cad_err *err);

#endif
