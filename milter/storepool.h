/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * storepool.h - store handles kept open across milter connections.
 *
 * Opening the SQLite store (open, schema check, prepare) costs far more
 * than the milter's work on a message that is not cadence's; with one
 * connection per message (the usual case from another MTA) opening a
 * handle per connection cost Postfix about 40% of its throughput on mail
 * that was not ours (bench/README.md). Connections borrow a handle here
 * and give it back when they end.
 *
 * Guarantees: a handle is used by one connection (one thread) at a time,
 * as the store requires; a handle is only lent for the database path it
 * was opened on; at most STOREPOOL_MAX idle handles are kept; safe from
 * several threads.
 */
#ifndef CADENCE_STOREPOOL_H
#define CADENCE_STOREPOOL_H

#include "store.h"

#define STOREPOOL_MAX 16

/* An idle handle for path, or a newly opened one. NULL with err on failure. */
struct store *storepool_get(const char *path, struct cad_err *err);
/* Gives st (opened on path) back for reuse, or closes it when the pool is
 * full: 0. A handle still in a transaction (a bug of its borrower) is
 * never lent again: it is closed, which rolls the transaction back, and
 * -1 says so, for the caller to log. */
int storepool_put(struct store *st, const char *path);
/* Closes every idle handle (at exit, and after a reload moved the database). */
void storepool_drain(void);

#endif
