/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mkeys.h - the DKIM KeyTable and SigningTable, in OpenDKIM's formats.
 *
 * KeyTable: one key per line, "name domain:selector:/path/to/private.key".
 * SigningTable: "pattern name" lines; the pattern is an address
 * ("ann@example.com"), "*@example.com" or "example.com" (every address at
 * that domain), or "*.example.com" / "*@*.example.com" (every subdomain).
 * '#' starts a comment; blank lines are ignored.
 *
 * Guarantees: a bad line is an error naming file:line and nothing of the
 * table is kept; a SigningTable line naming a key the KeyTable lacks is an
 * error; a key file that is group- or world-writable, unreadable or not a
 * private key OpenSSL can load (RSA or Ed25519) is refused with its path.
 * The most specific SigningTable entry wins: the address, then its domain,
 * then each parent domain's wildcard.
 */
#ifndef CADENCE_MILTER_MKEYS_H
#define CADENCE_MILTER_MKEYS_H

#include <stddef.h>

#include "util.h"

#define MKEYS_MAX_BYTES (64 * 1024)   /* larger "key files" are refused */

enum mkeys_alg { MKEYS_RSA, MKEYS_ED25519 };

struct mkeys_key {
	char *name;           /* the KeyTable's name for it */
	char *domain;         /* d= */
	char *selector;       /* s= */
	char *path;           /* the private key file */
	/* the private key (an EVP_PKEY *), decoded once when the table is
	 * loaded; shared read-only by the signing threads */
	void *pkey;
	enum mkeys_alg alg;
	int line;             /* KeyTable line, for messages */
};

struct mkeys_entry {
	char *pattern;        /* normalized: "ann@example.com", "example.com", ".example.com" */
	size_t key;           /* index into keys */
	int line;
};

struct mkeys {
	struct mkeys_key *keys;
	size_t nkeys;
	struct mkeys_entry *entries;
	size_t nentries;
};

void mkeys_init(struct mkeys *t);
void mkeys_free(struct mkeys *t);

/* Parse the KeyTable text (fname names it in errors). Replaces t's keys. */
int mkeys_keytable_parse(struct mkeys *t, const char *text, const char *fname,
			struct cad_err *err);
/* Parse the SigningTable text against the already parsed KeyTable. */
int mkeys_signtable_parse(struct mkeys *t, const char *text, const char *fname,
			 struct cad_err *err);
/* Reads, checks and loads every key file named by the KeyTable. */
int mkeys_load_keys(struct mkeys *t, struct cad_err *err);
/* The whole thing from the two files: parse both, load the keys. */
int mkeys_load(struct mkeys *t, const char *keytable, const char *signtable,
		     struct cad_err *err);

/* The key to sign mail from addr (case-insensitive), or NULL. */
const struct mkeys_key *mkeys_lookup(const struct mkeys *t, const char *addr);
/* 1 when some SigningTable entry covers domain (any address at it). */
int mkeys_has_domain(const struct mkeys *t, const char *domain);

#endif
