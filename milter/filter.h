/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * filter.h - cadence-milter's libmilter callbacks (filter.c).
 */
#ifndef CADENCE_MILTER_FILTER_H
#define CADENCE_MILTER_FILTER_H

#include <libmilter/mfapi.h>

#include "spf.h"

/* The callback table to hand to smfi_register(). */
extern struct smfiDesc filter_desc;

/* The process's SPF checker (owned by main). */
void filter_set_spf(struct spf_checker *c);
/* Testing (-t): the time is read from this file (one ISO 8601 UTC time,
 * as cadencectl --now takes it) at each message that acts; the clock when
 * it is missing. NULL: the clock. */
void filter_set_clock_file(const char *path);
/* on: the MTA connects over TCP (Socket inet: or inet6:). The DATA step
 * is then negotiated too and answered at once: Postfix writes the DATA
 * step's macros without waiting for an answer, from smtpd, just before
 * its cleanup process writes the message's headers on the same
 * connection, and Nagle's algorithm on the MTA's side (the milter cannot
 * set TCP_NODELAY there) held those headers until the milter's kernel
 * acknowledged the macros, ~40 ms later: one stall per message. An
 * answer to DATA acknowledges them at once. Over a unix socket (no Nagle)
 * DATA stays negotiated away. Called by main before smfi_main(). */
void filter_set_tcp(int on);

#endif
