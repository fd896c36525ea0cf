/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_csv.c - libFuzzer target for csvfile.c and contact_csv.c: any
 * bytes as a contacts CSV file. Checks the reader's promises on every
 * input (each row has exactly the header's width, every field is a
 * string, lines never go backwards) and maps every good row to a contact
 * as "cadencectl contact import" does. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "contact_csv.h"
#include "csvfile.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	size_t last_line;
	size_t width;
	int header_ok;
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
	if (z->header_ok == 0) {
		struct contact_csv_cols cols;
		struct cad_err err;
		z->header_ok = contact_csv_header(hdr, n, &cols, &err) == 0 ? 1 : -1;
	}
	if (z->header_ok == 1 && row_err == NULL) {
		struct contact k;
		struct cad_err err;
		if (contact_csv_row(hdr, fields, n, &k, &err) == 0) {
			if (k.email == NULL || !cad_addr_valid(k.email))
				abort();
		} else if (k.email != NULL || k.nprops != 0 || err.msg[0] == '\0') {
			abort();
		}
		contact_free(&k);
	}
	return total == (size_t)-1;   /* never: keeps the loop from being optimised away */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz z = { 0, (size_t)-1, 0 };
	struct cad_err err;
	csvfile_read_buffer("fuzz", (const char *)data, size, row, &z, &err);
	return 0;
}
