/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * msign.h - DKIM signing: relaxed/relaxed, rsa-sha256 or
 * ed25519-sha256 (from the key's type), with the key decoded once at load
 * (OpenSSL; msign.c says why not libopendkim, which verifies).
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
#ifndef CADENCE_MILTER_MSIGN_H
#define CADENCE_MILTER_MSIGN_H

#include <stddef.h>
#include <time.h>

#include "mkeys.h"
#include "util.h"

#define MSIGN_HEADER "DKIM-Signature"

struct msign;

int msign_init(struct cad_err *err);
/* Tests: sign with this t= (0: the clock). Not thread-safe; set it first. */
void msign_set_time(time_t t);
void msign_shutdown(void);

/* jobid: the queue id, for libopendkim's messages. */
struct msign *msign_new(const struct mkeys_key *key, const char *jobid,
				    struct cad_err *err);
/* value as the MTA passed it; leadspc: 1 when it keeps the space after ':' */
int msign_header(struct msign *s, const char *name, const char *value,
		       int leadspc, struct cad_err *err);
int msign_eoh(struct msign *s, struct cad_err *err);
int msign_body(struct msign *s, const void *p, size_t n, struct cad_err *err);
/* The DKIM-Signature header value (caller frees), folded with "\n\t" (bare
 * LF, no CR: the form a milter hands to smfi_insheader; the MTA writes
 * the line breaks as CRLF). */
int msign_finish(struct msign *s, char **value, struct cad_err *err);
void msign_free(struct msign *s);

#endif
