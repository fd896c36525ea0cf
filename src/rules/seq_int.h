/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * seq_int.h - internals of the sequence-file parser shared between its
 * files (seq_parse.c, seq_value.c) and their tests. Not for other modules.
 */
#ifndef CADENCE_SEQ_INT_H
#define CADENCE_SEQ_INT_H

#include "util.h"

/* yes/no, true/false, on/off, 1/0 (case-insensitive). */
int seq_value_bool(const char *v, int *out);
/* "08:00-18:00", "8:00 – 17:30" (en dash), "22:00-06:00" (crosses
 * midnight), "00:00-24:00"; start != end. Minutes after midnight. */
int seq_value_window(const char *v, int *start, int *end);
/* "0", "3d", "2h", "1d 4h", "30m", "2 days 3 hours": days (at most 365)
 * and minutes (hours and minutes, at most 365 days' worth). */
int seq_value_delay(const char *v, int *days, int *minutes);
/* 1 when z has the shape of an IANA zone name ("Europe/Berlin", "UTC",
 * "Etc/GMT+5"): components of [A-Za-z0-9_+.-], no "." or "..", <= 64 bytes. */
int seq_value_zone_ok(const char *z);
/* "us, DE-by" -> "us,de-by" (caller frees); NULL for an empty list or
 * "none". Names are [A-Za-z0-9_-], at most 32 bytes. */
int seq_value_holidays(const char *v, char **out);

#endif
