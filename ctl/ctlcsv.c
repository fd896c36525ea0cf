/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctlcsv.c - import a contacts CSV file row by row: csvfile reads it
 * (RFC 4180, line numbers), contact_csv maps each row, the store upserts
 * each contact in its own transaction. See ctlcsv.h.
 *
 * Why one transaction per row: a row can fail in the store for a reason
 * of its own (an alias that belongs to another contact), and a failed
 * store transaction is rolled back whole; the good rows must stay.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "contact_csv.h"
#include "csvfile.h"
#include "ctlcsv.h"
#include "rules.h"

struct import_ctx {
	struct ctl *c;
	const char *path;
	int header_checked;
	ctlcsv_fn fn;
	void *arg;
	struct ctlcsv_result *res;
};

/* Stops the read: the header is unusable. */
#define STOP_HEADER 2

static void reject(struct import_ctx *x, size_t line, const char *why)
{
	ctl_fail(x->c, "%s:%zu: %s", x->path, line, why);
	x->res->rejected++;
}

static int on_row(void *arg, size_t line, char *const *hdr, char *const *fields, size_t nfields,
		  const char *row_err)
{
	struct import_ctx *x = arg;
	struct contact k;
	struct cad_err err;
	int created;

	if (!x->header_checked) {
		struct contact_csv_cols cols;
		if (contact_csv_header(hdr, nfields, &cols, &err) != 0) {
			ctl_fail(x->c, "%s: header: %s", x->path, err.msg);
			return STOP_HEADER;
		}
		x->header_checked = 1;
	}
	if (row_err != NULL) {
		reject(x, line, row_err);
		return 0;
	}
	if (contact_csv_row(hdr, fields, nfields, &k, &err) != 0) {
		reject(x, line, err.msg);
		contact_free(&k);
		return 0;
	}
	/* The same rule as contact set --region: a region with no imported
	 * calendar would pause every enrollment of the contact. */
	if (k.region != NULL && *k.region != '\0' &&
	    rules_region_check(x->c->st, k.region, &err) != 0) {
		reject(x, line, err.msg);
		contact_free(&k);
		return 0;
	}
	if (store_contact_upsert(x->c->st, &k, x->c->now, &created, &err) != 0) {
		reject(x, line, err.msg);
		contact_free(&k);
		return 0;
	}
	if (created)
		x->res->created++;
	else
		x->res->updated++;
	if (x->fn != NULL)
		x->fn(x->arg, &k, line);
	contact_free(&k);
	return 0;
}

int ctlcsv_import(struct ctl *c, const char *path, ctlcsv_fn fn, void *arg,
		  struct ctlcsv_result *res)
{
	struct import_ctx x;
	struct cad_err err;
	int r;

	memset(res, 0, sizeof(*res));
	memset(&x, 0, sizeof(x));
	x.c = c;
	x.path = path;
	x.fn = fn;
	x.arg = arg;
	x.res = res;
	r = csvfile_read(path, on_row, &x, &err);
	if (r < 0) {
		ctl_fail(c, "%s", err.msg);
		return -1;
	}
	if (r == STOP_HEADER)
		return -1;
	return 0;
}
