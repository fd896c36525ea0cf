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

#endif
