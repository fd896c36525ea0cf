/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * csvfile.h - read CSV files with a header row (RFC 4180, via libcsv).
 *
 * Guarantees: quoted fields, embedded commas, quotes and newlines are read
 * as RFC 4180 says; a UTF-8 BOM is skipped; CRLF and LF both end records.
 * Each data row reaches the callback with the line on which it starts, so
 * that a bad row can be reported by line while good rows go on. Field and
 * row sizes are bounded (a row over 64 KiB or 256 fields is an error for
 * that row, named by line).
 */
#ifndef CADENCE_CSVFILE_H
#define CADENCE_CSVFILE_H

#include <stddef.h>

#include "util.h"

/* hdr: the header row's names, trimmed and lower-cased; fields: this row's
 * values (a short row is padded with "", a long row is an error passed as
 * row_err). Return non-zero from the callback to stop reading. */
typedef int (*csvfile_row_fn)(void *arg, size_t line, char *const *hdr, char *const *fields,
			      size_t nfields, const char *row_err);

/* Reads path ("-" = standard input). -1 with err on an unreadable file or
 * header; otherwise the callback's last non-zero value, or 0. */
int csvfile_read(const char *path, csvfile_row_fn fn, void *arg, struct cad_err *err);
int csvfile_read_buffer(const char *name, const char *buf, size_t len, csvfile_row_fn fn,
			void *arg, struct cad_err *err);

#endif
