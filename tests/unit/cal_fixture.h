/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cal_fixture.h - what the calendar suites (test_cal*.c) share: instants,
 * days and zones read from their names, failing the test (cmocka) on a
 * typo, and assert_time(), which compares two instants and prints both as
 * ISO strings when they differ. T(), D() and Z() are the short forms the
 * suites write their expectations with.
 */
#ifndef CADENCE_CAL_FIXTURE_H
#define CADENCE_CAL_FIXTURE_H

#include <stdint.h>

#include "cal.h"

/* An ISO 8601 instant, a YYYY-MM-DD day number, a zone by its name. */
cad_time_t cfx_time(const char *iso);
int64_t cfx_day(const char *ymd);
const struct cal_zone *cfx_zone(const char *name);
/* cmocka group teardown: frees the zone cache. */
int cfx_teardown(void **state);

#define T(iso) cfx_time(iso)
#define D(ymd) cfx_day(ymd)
#define Z(name) cfx_zone(name)

#define assert_time(got, iso)                                                          \
	do {                                                                           \
		char b1_[CAD_TIME_BUFSZ], b2_[CAD_TIME_BUFSZ];                         \
		cad_time_t g_ = (got), w_ = T(iso);                                    \
		if (g_ != w_)                                                          \
			fail_msg("got %s, want %s (%s)", cad_time_format(g_, b1_, sizeof(b1_)), \
			         cad_time_format(w_, b2_, sizeof(b2_)), iso);                 \
	} while (0)

#endif
