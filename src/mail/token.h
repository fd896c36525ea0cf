/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * token.h - cadence's verifiable tokens: the Message-ID of every sequence
 * email, the unsubscribe token and the VERP token.
 *
 * A token is "NONCE.MAC": NONCE is TOKEN_NONCE_BYTES random bytes drawn by
 * the caller (token_nonce_random()), MAC is HMAC-SHA256(site secret,
 * LABEL ":" NONCE) truncated to TOKEN_MAC_BYTES, both in lower-case base32
 * (RFC 4648 alphabet, no padding), which is safe in a Message-ID and in the
 * local part of an address. LABEL separates the uses ("msgid", "unsub",
 * "verp"), so a token of one kind never verifies as another.
 *
 * What it guarantees:
 * - Tokens reveal nothing but random bytes: no row id, no count, no time.
 * - They cannot be made without the secret (80-bit MAC), and nonces of 120
 *   bits do not repeat by chance.
 * - Making a token is a pure function of (secret, kind, nonce): the same
 *   nonce always gives the same Message-ID, which a resend after a crash
 *   needs. One nonce per message may serve all three kinds; the store can
 *   then find the message by its nonce (the canonical lower-case text).
 * - Verifying is case-insensitive (some MTAs and clients change case),
 *   compares MACs in constant time, and tells "not shaped like ours" from
 *   "shaped like ours but the MAC is wrong" (forged or mistyped).
 */
#ifndef CADENCE_MSGID_H
#define CADENCE_MSGID_H

#include <stddef.h>

#include "secret.h"
#include "util.h"

#define TOKEN_NONCE_BYTES 15   /* 120 bits: 24 base32 characters */
#define TOKEN_MAC_BYTES 10     /*  80 bits: 16 base32 characters */
#define TOKEN_NONCE_CHARS 24
#define TOKEN_MAC_CHARS 16
#define TOKEN_CHARS (TOKEN_NONCE_CHARS + 1 + TOKEN_MAC_CHARS)
#define TOKEN_BUFSZ (TOKEN_CHARS + 1)

/* TOKEN_TEST: the Message-ID of a test copy (cadencectl sequence preview
 * --send-to): made with the secret like a sequence message's, but never a
 * sequence message (no ledger row): the milter signs it without the gate. */
enum token_kind { TOKEN_MSGID, TOKEN_UNSUB, TOKEN_VERP, TOKEN_TEST };
const char *token_kind_name(enum token_kind kind);   /* "msgid", "unsub", "verp", "test" */

enum token_verdict {
	TOKEN_VALID,       /* ours: made with this secret for this kind */
	TOKEN_BAD_MAC,     /* shaped like ours, but forged, mistyped, another kind or secret */
	TOKEN_MALFORMED    /* not shaped like one of our tokens at all */
};
const char *token_verdict_name(enum token_verdict v);

/* Fills nonce with fresh random bytes (OpenSSL RAND_bytes). 0, or -1 + err. */
int token_nonce_random(unsigned char nonce[TOKEN_NONCE_BYTES], struct cad_err *err);

/* Writes the token for (kind, nonce) into out, NUL-terminated. 0, or -1
 * when HMAC fails (OpenSSL error; should not happen). */
int token_make(enum token_kind kind, const struct cad_secret *secret,
    const unsigned char nonce[TOKEN_NONCE_BYTES], char out[TOKEN_BUFSZ]);

/* Checks the len bytes at s as a token of kind. On TOKEN_VALID and when
 * nonce_out is not NULL, stores the nonce's canonical text (lower-case,
 * TOKEN_NONCE_CHARS + NUL) there. */
enum token_verdict token_verify(enum token_kind kind, const struct cad_secret *secret,
    const char *s, size_t len, char nonce_out[TOKEN_NONCE_CHARS + 1]);

/* The token of kind `to` that shares the nonce of `token` (a valid token
 * of kind `from`): one message's Message-ID, unsubscribe and VERP tokens
 * are siblings, so any of them leads to the others. 0, or -1 when token
 * does not verify as `from`. */
int token_convert(enum token_kind from, enum token_kind to, const struct cad_secret *secret,
    const char *token, char out[TOKEN_BUFSZ]);

/* The Message-ID "TOKEN@domain", without angle brackets (caller frees).
 * NULL when domain is empty or not a plain domain name. */
char *msgid_make(const struct cad_secret *secret,
    const unsigned char nonce[TOKEN_NONCE_BYTES], const char *domain);

/* The same for a test copy's Message-ID (TOKEN_TEST), and its check. */
char *msgid_make_test(const struct cad_secret *secret,
    const unsigned char nonce[TOKEN_NONCE_BYTES], const char *domain);
enum token_verdict msgid_verify_test(const struct cad_secret *secret, const char *s);

/* Verifies a Message-ID as found in a header ("<id@dom>", "id@dom",
 * surrounding whitespace and (comments) allowed). The domain part is not
 * checked: the MAC is what makes an id ours. */
enum token_verdict msgid_verify(const struct cad_secret *secret, const char *s,
    char nonce_out[TOKEN_NONCE_CHARS + 1]);

/* "prefix+TOKEN@domain" (the unsubscribe or VERP address), or NULL when
 * prefix or domain is unfit for an address. Caller frees. */
char *token_address(const char *prefix, const char *token, const char *domain);
/* "PUBLIC_URL/u/TOKEN" (the one-click unsubscribe URL; one trailing '/'
 * of public_url is dropped), or NULL when public_url is not http(s)://
 * or holds characters unfit for a header. Caller frees. */
char *token_unsub_url(const char *public_url, const char *token);

/* Takes an address ("Name <unsubscribe+TOKEN@dom>", "bounces+TOKEN@dom",
 * with comments and whitespace) or a Message-ID ("<TOKEN@dom>") and finds
 * the token in its local part: after the last '+' if there is one, else
 * the whole local part. Returns the verdict for that token of kind; on
 * TOKEN_VALID, token_out (if not NULL) holds the canonical lower-case
 * token and nonce_out (if not NULL) its nonce. Inputs longer than
 * TOKEN_INPUT_MAX bytes are TOKEN_MALFORMED. */
#define TOKEN_INPUT_MAX 2048
enum token_verdict token_extract(enum token_kind kind, const struct cad_secret *secret,
    const char *s, char token_out[TOKEN_BUFSZ], char nonce_out[TOKEN_NONCE_CHARS + 1]);

#endif
