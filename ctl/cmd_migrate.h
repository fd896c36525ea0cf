/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_migrate.h - "cadencectl migrate --to TARGET": the store copied to
 * another database (SQLite or PostgreSQL) and verified (store_copy.h).
 */
#ifndef CADENCE_CMD_MIGRATE_H
#define CADENCE_CMD_MIGRATE_H

#include "ctl.h"

/* Exit status: 0 when copied and verified, 1 on a failure (the target
 * refused or left as it was), 2 on a usage error (a password in TARGET). */
int cmd_migrate(struct ctl *c, int argc, char **argv);

#endif
