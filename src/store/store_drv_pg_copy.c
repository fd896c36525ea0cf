/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_drv_pg_copy.c - the PostgreSQL backend's ids_continue()
 * (store_drv.h): after store_copy() wrote rows with their ids into a
 * table, the table's identity sequence is set so that the next id
 * generated is one more than the largest id in the table (1 when it is
 * empty). Through the backend's own exec(); inside the caller's
 * transaction (setval itself is not undone by a rollback: a rolled-back
 * copy leaves the empty table's sequence further on, which is harmless).
 */
#include "config.h"

#include <stdio.h>

#include "store_copy.h"
#include "store_drv.h"

#ifdef HAVE_LIBPQ

int store_pg_ids_continue(void *conn, const char *table, struct cad_err *err)
{
	char sql[256];
	/* table is one of store_copy.c's static names: a plain identifier */
	snprintf(sql, sizeof(sql),
		 "SELECT setval(pg_get_serial_sequence('%s', 'id'), COALESCE(MAX(id), 0) + 1,"
		 " false) FROM %s", table, table);
	return store_drv_pg.exec(conn, sql, err);
}

#else

/* ISO C wants something in a translation unit. */
typedef int store_drv_pg_copy_unused;

#endif
