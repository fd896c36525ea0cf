/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_sign.h - DKIM signing: relaxed/relaxed, rsa-sha256 or
 * ed25519-sha256 (from the key's type), with the key decoded once at load
 * (OpenSSL; dkim_sign.c says why not libopendkim, which verifies).
 *
 * The milter replays the message into a signer as it arrives: every
 * header (in order, as received), the end of the header block, the body
 * chunks, then finishes it to get the DKIM-Signature value. From is
 * oversigned (listed once more than it occurs), so that a From header
 * added later breaks the signature rather than riding on it.
 *
 * Signers are per message and used by one thread at a time; the keys are
 * shared read-only. Errors (OpenSSL failures) are in err.
 */
#ifndef CADENCE_MILTER_DKIM_SIGN_H
#define CADENCE_MILTER_DKIM_SIGN_H

#include <stddef.h>
#include <time.h>

#include "mkeys.h"
#include "util.h"

#define DKIM_SIGNATURE_HEADER "DKIM-Signature"

struct dkim_signer;

int dkim_sign_init(struct cad_err *err);
/* Tests: sign with this t= (0: the clock). Not thread-safe; set it first. */
void dkim_sign_set_time(time_t t);
void dkim_sign_shutdown(void);

/* jobid: the queue id, for libopendkim's messages. */
struct dkim_signer *dkim_signer_new(const struct dkim_key *key, const char *jobid,
				    struct cad_err *err);
/* value as the MTA passed it; leadspc: 1 when it keeps the space after ':' */
int dkim_signer_header(struct dkim_signer *s, const char *name, const char *value,
		       int leadspc, struct cad_err *err);
int dkim_signer_eoh(struct dkim_signer *s, struct cad_err *err);
int dkim_signer_body(struct dkim_signer *s, const void *p, size_t n, struct cad_err *err);
/* The DKIM-Signature header value (caller frees), folded with "\n\t" (bare
 * LF, no CR: the form a milter hands to smfi_insheader; the MTA writes
 * the line breaks as CRLF). */
int dkim_signer_finish(struct dkim_signer *s, char **value, struct cad_err *err);
void dkim_signer_free(struct dkim_signer *s);

#endif
