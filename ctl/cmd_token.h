/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_token.h - "cadencectl token": the API's access tokens.
 */
#ifndef CADENCE_CMD_TOKEN_H
#define CADENCE_CMD_TOKEN_H

#include "ctl.h"

int cmd_token(struct ctl *c, int argc, char **argv);

#endif
