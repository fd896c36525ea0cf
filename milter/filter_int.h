/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * filter_int.h - what cadence-milter's callback files share (not an API).
 *
 * filter.c holds the callbacks and the table handed to libmilter; the
 * decisions it hands on live in files below it, one concern each, and
 * none calls back up: filter.c -> filter_out.c (outbound end of headers)
 * -> filter_own.c (cadence's own recipients and the To/Cc naming them);
 * filter.c -> filter_in.c (inbound end of headers, the signal's
 * authentication), filter_gate.c (the sequence-mail gate at end of
 * message); all of them -> filter_answer.c (how a message is ended).
 */
#ifndef CADENCE_MILTER_FILTER_INT_H
#define CADENCE_MILTER_FILTER_INT_H

#include <libmilter/mfapi.h>

#include "mconn.h"
#include "mkeys.h"
#include "mmsg.h"
#include "policy.h"
#include "spf.h"
#include "util.h"

/* ---- filter_answer.c: ending a message ---- */
/* Ends the message on a final answer r, so that nothing lingers after it;
 * returns r. */
sfsistat filter_answer_done(struct mconn *cn, sfsistat r);
/* A failure of the given kind, answered as the policy table (policy.c)
 * says for this message's class: ACCEPT (a person's mail, fail open) or
 * TEMPFAIL (sequence mail, 451 4.3.0); the message is ended. */
sfsistat filter_answer_fail(SMFICTX *ctx, struct mconn *cn, enum fail_kind kind,
			    const char *detail);
/* Logs "QID: what <addr>" with addr made printable (200 bytes at most). */
void filter_answer_log_addr(enum cad_log_level lvl, const struct mmsg *m, const char *what,
			    const char *addr);

/* ---- filter_out.c: outbound mail at end of headers ---- */
/* Signs (starts the signer), marks enroll/inbound/rep work, plans the
 * To/Cc rewrites; ACCEPT when nothing is left to do. */
sfsistat filter_out_eoh(SMFICTX *ctx, struct mconn *cn, struct mmsg *m);

/* ---- filter_own.c: cadence's own recipients ---- */
/* At EOH, before the signer sees the headers: marks each To and Cc that
 * names one of cadence's addresses for its new value, when the own
 * recipients will be removed (the MTA lets us, someone else remains). */
void filter_own_plan(const struct mconn *cn, struct mmsg *m);
/* At EOM: removes the own recipients and applies the rewrites planned;
 * DISCARD when no other recipient is left. Ends the message. */
sfsistat filter_own_consume(SMFICTX *ctx, struct mconn *cn, struct mmsg *m);

/* ---- filter_in.c: inbound mail at end of headers ---- */
/* The process's SPF checker (owned by main; filter_set_spf()). */
void filter_in_set_spf(struct spf_checker *c);
/* The body is wanted (do_inbound) only when it can matter; then the
 * signal's authentication is read and logged; else ACCEPT. */
sfsistat filter_in_eoh(SMFICTX *ctx, struct mconn *cn, struct mmsg *m);

/* ---- filter_gate.c: the sequence-mail gate at end of message ---- */
/* Sequence mail leaves only while its enrollment is active, once,
 * witnessed with the queue id: SMFIS_CONTINUE when it may go on, else the
 * final answer (550 5.7.1 with the reason, or the policy's on a failure). */
sfsistat filter_gate(SMFICTX *ctx, struct mconn *cn, struct mmsg *m, cad_time_t now);

#endif
