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
	struct verdict *v = classify_message((const char *)data, size);
	char *j = verdict_to_json(v);
	char *l = verdict_to_line(v);
	free(j);
	free(l);
	verdict_free(v);
	return 0;
}
