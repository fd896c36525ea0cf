/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * compose_fixture.c - the compose suites' valid input (see
 * compose_fixture.h).
 */
#include "config.h"

#include <string.h>

#include "compose_fixture.h"

struct compose_in cpx_input(void)
{
	struct compose_in in;
	memset(&in, 0, sizeof(in));
	in.from_name = "Ada Lovelace";
	in.from_addr = "ada@sales.example";
	in.to_name = "John Smith";
	in.to_addr = "john@acme.test";
	in.subject = "Quick question";
	in.body = "Hi John,\n\nShort and plain.\n\nAda\n";
	in.date = CPX_T0;
	in.tz_offset_minutes = 0;
	in.message_id = "eeeeeeeeeeeeeeeeeeeeeeee.ffffffffffffffff@sales.example";
	return in;
}
