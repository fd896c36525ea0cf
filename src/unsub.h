/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * unsub.h - what an unsubscribe does, whichever way it arrives: the
 * one-click POST (RFC 8058) served by cadenced, mail to the unsubscribe
 * address seen by the milter, or an ARF opt-out report.
 *
 * Guarantees: the contact is unenrolled from every sequence (reason
 * "unsubscribed") and the address is suppressed (kind unsubscribed), in one
 * transaction with their events; a second unsubscribe of the same address
 * changes nothing and succeeds (links get clicked twice).
 */
#ifndef CADENCE_UNSUB_H
#define CADENCE_UNSUB_H

#include "secret.h"
#include "store.h"

/* via: how it arrived, for the record ("one-click", "mail", "arf"). */
int unsub_apply(struct store *st, const char *address, const char *via, const char *actor,
		cad_time_t now, int *unenrolled, struct cad_err *err);

/* The one-click unsubscribe (RFC 8058) of address: unsub_apply() and,
 * only when that changed something (an enrollment ended or the suppression
 * was added), one "unsubscribed" event with detail, all in one transaction.
 * A repeat (a second click, a client's retry) records nothing: *changed is
 * 0 then, 1 otherwise. */
int unsub_one_click(struct store *st, const char *address, const char *detail,
		    const char *actor, cad_time_t now, int *unenrolled, int *changed,
		    struct cad_err *err);

/* The contact address a List-Unsubscribe token stands for: the token must
 * verify with the site secret and name a message cadence recorded.
 * Returns 0 (*address set, caller frees), STORE_NOTFOUND for a token that
 * is not ours or names no message, -1 on a store error. */
int unsub_token_address(struct store *st, const struct cad_secret *secret, const char *token,
			char **address, struct cad_err *err);

#endif
