/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * due.h - when the step after a closed task is due, for "task complete"
 * and "task skip".
 *
 * The store records the decision (store_task_close); the decision is the
 * calendar rule cal_next_due() over the sequence's follow-up days, window
 * and holiday calendars in the recipient's zone, counted from the moment
 * the task was closed, as cadenced counts from the moment a step was sent.
 */
#ifndef CADENCE_CTL_DUE_H
#define CADENCE_CTL_DUE_H

#include "ctl.h"

/* The due time of the step after `step` of the enrollment, counted from
 * `from`. When the rules cannot be applied (a zone that is no longer
 * valid, a calendar that closes every day) the step is due at `from` and
 * a warning says why: cadenced meets the same problem when it picks the
 * step up and pauses the enrollment with that reason. -1 only on a store
 * error (after a message). */
int ctl_next_due(struct ctl *c, int64_t enrollment_id, int step, cad_time_t from,
		 cad_time_t *due);

#endif
