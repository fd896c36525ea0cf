/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mapi.h - the libmilter calls the callbacks make (filter.c), behind one
 * small table of functions, as OpenDKIM's dkimf_* wrappers are behind its
 * test mode: libmilter's own (the daemon; the default), or a replay's
 * (replay.h: the unit tests and cadence-milter -T), which drives the
 * callbacks without a socket or an MTA and records what they ask for.
 *
 * Guarantees: each mapi_* call returns what the smfi_* call of the same
 * name returns (MI_SUCCESS or MI_FAILURE, a value or NULL). Only these
 * calls are used during a message: a new one goes here first.
 * mapi_use() is called before the first callback (not while callbacks
 * run: the table is read without a lock).
 */
#ifndef CADENCE_MILTER_MAPI_H
#define CADENCE_MILTER_MAPI_H

#include <libmilter/mfapi.h>

struct mapi_ops {
	void *(*getpriv)(SMFICTX *ctx);
	int (*setpriv)(SMFICTX *ctx, void *priv);
	char *(*getsymval)(SMFICTX *ctx, char *name);
	int (*setsymlist)(SMFICTX *ctx, int stage, char *macros);
	int (*setreply)(SMFICTX *ctx, char *rcode, char *xcode, char *message);
	int (*insheader)(SMFICTX *ctx, int idx, char *name, char *value);
	int (*chgheader)(SMFICTX *ctx, char *name, int idx, char *value);
	int (*delrcpt)(SMFICTX *ctx, char *rcpt);
};

/* The table to use from now on; NULL: libmilter's. */
void mapi_use(const struct mapi_ops *ops);

void *mapi_getpriv(SMFICTX *ctx);
int mapi_setpriv(SMFICTX *ctx, void *priv);
/* A macro's value, or NULL. name is not changed (libmilter's prototype
 * lacks the const). */
const char *mapi_getsymval(SMFICTX *ctx, const char *name);
int mapi_setsymlist(SMFICTX *ctx, int stage, const char *macros);
/* message must hold no '%' (libmilter formats it). */
int mapi_setreply(SMFICTX *ctx, const char *rcode, const char *xcode, const char *message);
/* value folded with bare LF (the MTA writes CRLF). */
int mapi_insheader(SMFICTX *ctx, int idx, const char *name, const char *value);
/* value NULL deletes the idx-th (1-based) header called name. */
int mapi_chgheader(SMFICTX *ctx, const char *name, int idx, const char *value);
int mapi_delrcpt(SMFICTX *ctx, const char *rcpt);

#endif
