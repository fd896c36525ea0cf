/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_token.c - libFuzzer target for the parsers of untrusted Message-IDs
 * and addresses that may carry cadence's tokens (token_extract,
 * msgid_verify): header values and envelope addresses from the network.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "token.h"
#include "secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cad_secret secret;
	static int ready;
	char tok[TOKEN_BUFSZ], nonce[TOKEN_NONCE_CHARS + 1];
	char *s;

	if (!ready) {
		static const char key[] = "fuzzing-secret-fuzzing-secret-0123456789";
		if (secret_set(&secret, key, sizeof(key) - 1, NULL) < 0)
			abort();
		ready = 1;
	}
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)token_extract(TOKEN_UNSUB, &secret, s, tok, nonce);
	(void)token_extract(TOKEN_VERP, &secret, s, NULL, NULL);
	(void)msgid_verify(&secret, s, nonce);
	(void)token_verify(TOKEN_MSGID, &secret, s, size, nonce);
	free(s);
	return 0;
}
