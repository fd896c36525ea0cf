/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * secret.h - the site secret: the HMAC key behind cadence's Message-IDs,
 * unsubscribe tokens and VERP tokens (see token.h).
 *
 * What it guarantees:
 * - secret_load() accepts only a regular file that neither group nor
 *   others may access in any way, holding between SECRET_MIN_LEN and
 *   SECRET_MAX_LEN bytes of key material (trailing whitespace is not key
 *   material). Every refusal names the path and the reason.
 * - secret_generate() writes a fresh secret drawn from OpenSSL's CSPRNG,
 *   mode 0600, atomically (a temporary file in the same directory, fsync,
 *   then link/rename): a reader never sees a half-written secret, and an
 *   existing secret is never replaced unless the caller asks for it.
 * - secret_free() wipes the key from memory.
 */
#ifndef CADENCE_SECRET_H
#define CADENCE_SECRET_H

#include <stddef.h>

#include "util.h"

#define SECRET_MIN_LEN 32
#define SECRET_MAX_LEN 4096
/* secret_generate() writes this many random bytes, hex-encoded (so the
 * file holds 2 * SECRET_GEN_BYTES characters of key material). */
#define SECRET_GEN_BYTES 32

struct cad_secret {
	unsigned char *key;
	size_t len;
};

/* Loads path into s. 0 on success; -1 with err "path: why", s empty. */
int secret_load(const char *path, struct cad_secret *s, struct cad_err *err);
/* Sets s from memory (for tests and tools); len must be in range. */
int secret_set(struct cad_secret *s, const void *key, size_t len, struct cad_err *err);
void secret_free(struct cad_secret *s);

/* Creates a new secret file at path (mode 0600). If path exists, fails
 * with "path: exists" unless overwrite is set. 0 on success, -1 + err. */
int secret_generate(const char *path, int overwrite, struct cad_err *err);

#endif
