/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mconf.h - the milter's running configuration: cadence.conf plus what is
 * built from it (DKIM tables with their keys loaded, InternalHosts, the
 * site secret, the inbound settings).
 *
 * A configuration is immutable once built and reference-counted. Each
 * message takes a reference when it starts and drops it when it ends, so a
 * reload (SIGUSR1) swaps in a new configuration for the next message while
 * messages in flight finish with the one they started with; the old one is
 * freed when its last message is done. A configuration that fails to build
 * is never installed: the running one stays.
 */
#ifndef CADENCE_MILTER_MCONF_H
#define CADENCE_MILTER_MCONF_H

#include "conf.h"
#include "mkeys.h"
#include "enroll_senders.h"
#include "inbound.h"
#include "netlist.h"
#include "secret.h"
#include "util.h"

#define MILTER_MAX_HEADERS 1000   /* header count cap per message */
#define MILTER_MAX_RCPTS 1000     /* envelope recipients kept per message */

struct mconf {
	int refs;                 /* guarded by the mconf lock */
	char *path;               /* where it was read from */
	struct cad_conf conf;
	struct mkeys dkim;  /* empty when KeyTable is not set */
	struct netlist internal;
	/* EnrollSenders: who may enroll by mail as which rep (empty: only an
	 * SMTP AUTH login that is the rep's own address) */
	struct enroll_senders enroll_senders;
	/* The site secret (SecretFile): without it sequence mail cannot be
	 * told from a person's, so a configuration without one is refused. */
	struct cad_secret secret;
	/* The inbound code's settings; its strings point into conf. */
	struct inbound_config icfg;
};

/* Reads path and builds everything (keys loaded and checked). */
struct mconf *mconf_build(const char *path, struct cad_err *err);
/* Frees a configuration nobody references (refs must be 0). */
void mconf_destroy(struct mconf *mc);

/* The process-wide current configuration. */
void mconf_install(struct mconf *mc);       /* takes over mc; drops the old one */
struct mconf *mconf_acquire(void);          /* +1 reference, never NULL once installed */
void mconf_release(struct mconf *mc);       /* -1 reference (NULL-safe) */
/* Rebuilds from the current path and installs; on error the current one
 * stays and err says why. */
int mconf_reload(struct cad_err *err);
/* At exit. */
void mconf_shutdown(void);

#endif
