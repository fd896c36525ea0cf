/* fuzz_csv.c - libFuzzer target for csvfile.c: any bytes as a CSV file.
 * Checks the reader's promises on every input: each row has exactly the
 * header's width, every field is a string, lines never go backwards. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csvfile.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	size_t last_line;
	size_t width;
};

static int row(void *arg, size_t line, char *const *hdr, char *const *fields, size_t n,
	       const char *row_err)
{
	struct fz *z = arg;
	size_t i, total = 0;
	if (line < 1 || line < z->last_line)
		abort();
	z->last_line = line;
	if (z->width == (size_t)-1)
		z->width = n;
	if (n != z->width || n > 256)
		abort();
	for (i = 0; i < n; i++)
		total += strlen(hdr[i]) + strlen(fields[i]);
	if (row_err != NULL && *row_err == '\0')
		abort();
	return total == (size_t)-1;   /* never: keeps the loop from being optimised away */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz z = { 0, (size_t)-1 };
	struct cad_err err;
	csvfile_read_buffer("fuzz", (const char *)data, size, row, &z, &err);
	return 0;
}
