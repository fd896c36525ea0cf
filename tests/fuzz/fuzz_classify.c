/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_classify.c - libFuzzer target for the inbound classifier: any bytes
 * in, a verdict out, rendered as JSON and as a line, then freed. Crashes,
 * leaks and sanitizer reports are the findings.
 * Run: tests/fuzz/run-fuzz.sh tests/fuzz/fuzz_classify 60 ../shared/corpus
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "classify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* odd sizes: as the milter passes it, with a null envelope sender */
	static const struct classify_envelope null_env = { "", "bounces+x@seller.test", 1 };
	struct verdict *v = classify_message_env((const char *)data, size,
	    (size & 1) ? &null_env : NULL);
	char *j = classify_json_text(v);
	char *l = classify_json_line(v);
	free(j);
	free(l);
	classify_verdict_free(v);
	return 0;
}
