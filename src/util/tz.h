/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tz.h - time-zone names: is this an IANA zone the system knows?
 *
 * Guarantees: tz_valid() accepts only a name made of [A-Za-z0-9_+-/]
 * (no "..", no leading '/', no empty component) whose file under $TZDIR or
 * /usr/share/zoneinfo is a compiled zone (starts with "TZif"). So a name
 * that passes can be handed to TZ= or libical without reaching outside the
 * zone directory, and a typo ("Europe/Berln", "Mars/Olympus") is refused
 * where the user typed it rather than silently becoming UTC later.
 */
#ifndef CADENCE_TZ_H
#define CADENCE_TZ_H

/* Longest zone name accepted (the longest IANA name is about 32 bytes). */
#define TZ_NAME_MAX 128

/* 1 when name is a zone of the system's time-zone database, else 0.
 * "UTC" is always valid, even without tzdata installed. */
int tz_valid(const char *name);

#endif
