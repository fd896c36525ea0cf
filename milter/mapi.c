/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mapi.c - the callbacks' libmilter calls through one table (see mapi.h):
 * libmilter's by default.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "mapi.h"

/* libmilter's prototypes take char * for strings they do not change. */
#define UNCONST(s) ((char *)(uintptr_t)(s))

static const struct mapi_ops libmilter_ops = {
	.getpriv = smfi_getpriv,
	.setpriv = smfi_setpriv,
	.getsymval = smfi_getsymval,
	.setsymlist = smfi_setsymlist,
	.setreply = smfi_setreply,
	.insheader = smfi_insheader,
	.chgheader = smfi_chgheader,
	.delrcpt = smfi_delrcpt,
};

static const struct mapi_ops *ops = &libmilter_ops;

void mapi_use(const struct mapi_ops *o)
{
	ops = o != NULL ? o : &libmilter_ops;
}

void *mapi_getpriv(SMFICTX *ctx)
{
	return ops->getpriv(ctx);
}

int mapi_setpriv(SMFICTX *ctx, void *priv)
{
	return ops->setpriv(ctx, priv);
}

const char *mapi_getsymval(SMFICTX *ctx, const char *name)
{
	return ops->getsymval(ctx, UNCONST(name));
}

int mapi_setsymlist(SMFICTX *ctx, int stage, const char *macros)
{
	return ops->setsymlist(ctx, stage, UNCONST(macros));
}

int mapi_setreply(SMFICTX *ctx, const char *rcode, const char *xcode, const char *message)
{
	return ops->setreply(ctx, UNCONST(rcode), UNCONST(xcode), UNCONST(message));
}

int mapi_insheader(SMFICTX *ctx, int idx, const char *name, const char *value)
{
	return ops->insheader(ctx, idx, UNCONST(name), UNCONST(value));
}

int mapi_chgheader(SMFICTX *ctx, const char *name, int idx, const char *value)
{
	return ops->chgheader(ctx, UNCONST(name), idx, UNCONST(value));
}

int mapi_delrcpt(SMFICTX *ctx, const char *rcpt)
{
	return ops->delrcpt(ctx, UNCONST(rcpt));
}
