/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * factcache.h - facts about an address that the milter asks the store on
 * the common path, kept until the store changes.
 *
 * Mail that is not cadence's must cost almost nothing (DESIGN.md rule 6),
 * yet two questions about it need the store: does the rep sending this
 * outbound mail have open manual-email tasks (then the mail may complete
 * one), and is the sender of this inbound mail a contact. The answers are
 * cached per address on one store handle kept for the purpose, which
 * never writes, and the whole cache is dropped when that handle's PRAGMA
 * data_version changes: any commit by another connection (cadenced,
 * cadencectl, the milter's own pooled handles) is seen at the next
 * question, so an answer is never older than the last commit. A question
 * costs one PRAGMA (no parse: the statement is cached) and a hash look-up
 * under a mutex; a miss runs the real query.
 *
 * Guarantees: bounded (FACTCACHE_MAX entries, then it starts over);
 * thread-safe; -1 with err when the store cannot answer (the caller's
 * failure policy applies, as for the query it replaces).
 */
#ifndef CADENCE_MILTER_FACTCACHE_H
#define CADENCE_MILTER_FACTCACHE_H

#include "util.h"

#define FACTCACHE_MAX 4096

/* 1 when rep (an address as in From) has an open manual-email task, 0 when
 * not, -1 on error. db: the Database path of the message's configuration. */
int factcache_rep_manual(const char *db, const char *rep, struct cad_err *err);
/* 1 when addr is a contact (by address or alias), 0 when not, -1 on error. */
int factcache_contact(const char *db, const char *addr, struct cad_err *err);
/* Counts since start (for tests and the bench): questions, misses, drops
 * of the whole cache on a data_version change. */
void factcache_stats(unsigned long *asked, unsigned long *missed, unsigned long *dropped);
/* Closes the handle and empties the cache (at exit). */
void factcache_drain(void);

#endif
