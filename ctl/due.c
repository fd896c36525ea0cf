/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * due.c - the due time of the step after a closed task: the calendar
 * rules of the enrollment (src/rules.h, the same rules cadenced builds).
 * See due.h.
 */
#include "config.h"

#include <string.h>

#include "cal.h"
#include "due.h"
#include "rules.h"

int ctl_next_due(struct ctl *c, int64_t enrollment_id, int step, cad_time_t from,
		 cad_time_t *due)
{
	struct cad_err err = { "" };
	int rc = rules_enrollment_due(c->st, enrollment_id, step, from, due, &err);

	if (rc == RULES_EINVALID) {
		/* *due is from: cadenced pauses the enrollment, saying why */
		fprintf(stderr, "cadencectl: %s: warning: step %d is due now: %s\n",
			c->cmd ? c->cmd : "task", step + 1, err.msg);
		return 0;
	}
	if (rc != 0) {
		*due = from;
		ctl_fail(c, "%s", err.msg);
		return -1;
	}
	if (*due == 0)
		*due = from;   /* no step after it: the enrollment finishes */
	return 0;
}
