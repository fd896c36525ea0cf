/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * daemon.h - what both daemons need to run as a service: a pidfile that
 * refuses a second instance but replaces a stale one, privilege drop to
 * UserID ("user" or "user:group"), and detaching from the terminal.
 *
 * Guarantees: each function either succeeds completely or fails with err
 * naming the path or user; privilege drop is verified (the daemon cannot
 * regain root afterwards).
 */
#ifndef CADENCE_DAEMON_H
#define CADENCE_DAEMON_H

#include "util.h"

/* Writes getpid() to path. Fails if another live process holds it. */
int daemon_pidfile_write(const char *path, struct cad_err *err);
void daemon_pidfile_remove(const char *path);
/* spec: "user" or "user:group". Does nothing when not running as root. */
int daemon_drop_privileges(const char *spec, struct cad_err *err);
/* fork + setsid + stdio to /dev/null. The parent waits until the child
 * calls daemon_ready(): with NULL it exits 0; with a message it prints it
 * and exits 1; if the child dies first it exits 1. */
int daemon_detach(struct cad_err *err);
/* Tells the waiting parent that start-up finished (error NULL) or failed
 * (error says why). Harmless when not detached or called twice. */
void daemon_ready(const char *error);

#endif
