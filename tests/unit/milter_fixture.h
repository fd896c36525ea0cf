/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * milter_fixture.h - what the milter's in-process suites share (filter.c
 * through the replay, act.c directly): a store (store_fixture.h) with the
 * rep ada@example.com and the two-step sequence "Cold", a site secret, an
 * RSA signing key for example.com, a cadence.conf naming them
 * (InternalHosts 10.0.0.0/8, InternalDomains example.com, Domain
 * cadence.example.com, SignAllOutbound yes), installed as the running
 * configuration, and the signer, an offline DKIM verifier (no DNS) and an
 * empty SPF zone (no DNS) set up. All removed again by mfx_close().
 */
#ifndef CADENCE_MILTER_FIXTURE_H
#define CADENCE_MILTER_FIXTURE_H

#include "secret.h"
#include "store_fixture.h"
#include "util.h"

#define MFX_DOMAIN "cadence.example.com"

struct mfx {
	struct sfx *s;
	struct cad_secret secret;   /* the same as the configuration's */
};

/* extra: more cadence.conf lines (may be NULL). NULL on failure (stderr). */
struct mfx *mfx_open(const char *name, const char *extra);
void mfx_close(struct mfx *f);

#endif
