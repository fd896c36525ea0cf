/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_authres.c - libFuzzer target for milter/authres.c: any bytes as an
 * Authentication-Results value must parse or be refused cleanly (no crash,
 * no leak, no read past the end), and whatever parses must fold into a
 * verdict for a From domain.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *trusted[] = { "mx.example.com", "edge" };
	char *value = xstrndup((const char *)data, size);   /* stops at a NUL, as a header would */
	struct authres ar;
	struct cad_err err = { "" };
	if (authres_parse(value, &ar, &err) == 0) {
		struct authres_verdict v;
		memset(&v, 0, sizeof(v));
		authres_apply(&ar, trusted, 2, "example.org", &v);
		authres_apply(&ar, trusted, 2, "a.b.example.org", &v);
		authres_free(&ar);
	}
	free(value);
	return 0;
}
