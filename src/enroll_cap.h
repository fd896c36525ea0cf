/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * enroll_cap.h - the warning a rep gets when enrolling while the mail
 * already sent in the rolling 24 h will hold some new first steps behind
 * the rep's cap (the rule is enroll_check.h; this reads what it needs
 * from the store). Where a rep enrolls and is answered at once, it is
 * said: cadencectl enroll on standard error and as "capWarning", the
 * API's enroll answer as "capWarning". (Enrolling by mail has no new
 * first step to hold: the rep's own message is step 1.)
 *
 * Guarantees: reads only (the enrollments stand whatever it says); the
 * text is in the rep's words and zone (UTC when the rep has none or an
 * unknown one). Errors: -1 with err set when the store cannot be read;
 * out is then left empty, and the caller says only that the note is
 * missing.
 */
#ifndef CADENCE_ENROLL_CAP_H
#define CADENCE_ENROLL_CAP_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "util.h"

/* Appends to out (nothing when no new first step waits) what the rep's
 * last 24 h of sends do to the first steps of the enrollments ids just
 * made for rep u at now; single names the contact when one was enrolled
 * (NULL: "N contacts"). 0, or -1 on a store error. */
int enroll_cap_note(struct store *st, const struct user *u, const int64_t *ids, size_t nids,
		    const char *single, cad_time_t now, struct sbuf *out, struct cad_err *err);

#endif
