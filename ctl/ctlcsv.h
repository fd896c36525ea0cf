/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctlcsv.h - importing a contacts CSV file for "contact import" and
 * "enroll --csv".
 *
 * Guarantees: each data row is mapped to a contact (src/contact_csv.h) and
 * upserted on its own; a bad row is reported on stderr by file:line and
 * skipped while the good rows are kept. A file that cannot be read at all
 * (or has no usable header) is an error before anything is stored.
 */
#ifndef CADENCE_CTL_CTLCSV_H
#define CADENCE_CTL_CTLCSV_H

#include "ctl.h"
#include "model.h"

struct ctlcsv_result {
	int created;
	int updated;
	int rejected;
};

/* Called with each contact once it is stored (c->id set); may be NULL. */
typedef void (*ctlcsv_fn)(void *arg, const struct contact *k, size_t line);

/* -1 after printing the reason when the file cannot be read. */
int ctlcsv_import(struct ctl *c, const char *path, ctlcsv_fn fn, void *arg,
		  struct ctlcsv_result *res);

#endif
