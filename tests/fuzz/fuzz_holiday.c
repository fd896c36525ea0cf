/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_holiday.c - libFuzzer target for the holiday calendar parsers
 * (plain list and iCalendar through libical): any input must give either a
 * sorted, de-duplicated list within the bounds or a clean error, with no
 * leak and no undefined behaviour. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "holiday.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct holiday_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		if (strlen(l->v[i].date) != 10 || strlen(l->v[i].name) > HOLIDAY_MAX_NAME)
			__builtin_trap();
		if (i > 0 && strcmp(l->v[i - 1].date, l->v[i].date) >= 0)
			__builtin_trap();
	}
	if (l->n > HOLIDAY_MAX_ENTRIES)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct holiday_list l;
	struct cad_err err;

	if (size > HOLIDAY_MAX_FILE)
		return 0;
	/* Auto-detected format (iCalendar when it starts so), then forced
	 * iCalendar, then forced plain list: each parser sees every input. */
	holiday_list_init(&l);
	if (holiday_parse("fz", (const char *)data, size, "fuzz", 2026, 2030, &l, &err) == 0)
		check(&l);
	holiday_list_free(&l);
	if (holiday_parse_ical("fz", (const char *)data, size, "fuzz", 2020, 2069, &l, &err) == 0)
		check(&l);
	holiday_list_free(&l);
	if (holiday_parse_text("fz", (const char *)data, size, "fuzz", &l, &err) == 0)
		check(&l);
	holiday_list_free(&l);
	return 0;
}
