/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_doctor.h - "cadencectl doctor": checks an installation end to end
 * (configuration, store, secret, Postfix's milter lists and routing,
 * cadenced's submission port, DKIM keys, HTTP) and says how to fix each
 * link that is wrong. See cmd_doctor.c and cadencectl(8).
 */
#ifndef CADENCE_CMD_DOCTOR_H
#define CADENCE_CMD_DOCTOR_H

#include "ctl.h"

/* Exit status: CTL_OK when no check failed, CTL_FAIL otherwise. */
int cmd_doctor(struct ctl *c, int argc, char **argv);

#endif
