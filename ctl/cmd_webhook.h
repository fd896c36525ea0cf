/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_webhook.h - "cadencectl webhook": where cadenced POSTs events.
 */
#ifndef CADENCE_CMD_WEBHOOK_H
#define CADENCE_CMD_WEBHOOK_H

#include "ctl.h"

int cmd_webhook(struct ctl *c, int argc, char **argv);

#endif
