/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_classify.h - `cadencectl classify [--json] [--mail-from ADDR]
 * [--rcpt ADDR] FILE...|-`.
 */
#ifndef CADENCE_CMD_CLASSIFY_H
#define CADENCE_CMD_CLASSIFY_H

#include "ctl.h"

/* Prints one verdict per message (a line, or with --json one JSON object
 * per line). Returns the exit status: 0, 1 when a file could not be read,
 * 2 on a usage error. */
int cmd_classify(struct ctl *c, int argc, char **argv);

#endif
