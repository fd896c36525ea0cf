/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * enrview.h - the JSON shape of an enrollment as status, contact show and
 * enroll print it (keys: id, contact, sequence, user, state, currentStep,
 * steps, nextStep {index, kind, due}, enrolledAt, updatedAt, enrolledBy,
 * reason, pausedUntil, bulk).
 */
#ifndef CADENCE_CTL_ENRVIEW_H
#define CADENCE_CTL_ENRVIEW_H

#include <jansson.h>

#include "store.h"

json_t *enrview_json(const struct enrollment_view *v);

#endif
