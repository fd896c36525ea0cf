/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cal_fixture.c - the shared helpers of the calendar suites (see
 * cal_fixture.h).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cal_fixture.h"

cad_time_t cfx_time(const char *iso)
{
	cad_time_t t;
	if (cad_time_parse(iso, &t) != 0)
		fail_msg("bad ISO time in test: %s", iso);
	return t;
}

int64_t cfx_day(const char *ymd)
{
	int64_t d;
	if (cal_day_parse(ymd, &d) != 0)
		fail_msg("bad date in test: %s", ymd);
	return d;
}

const struct cal_zone *cfx_zone(const char *name)
{
	struct cad_err err = { "" };
	const struct cal_zone *z = cal_zone_get(name, &err);
	if (z == NULL)
		fail_msg("zone %s: %s", name, err.msg);
	return z;
}

int cfx_teardown(void **state)
{
	(void)state;
	cal_zone_cache_free();
	return 0;
}
