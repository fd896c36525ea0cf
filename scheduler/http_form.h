/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * http_form.h - the RFC 8058 one-click body: does a POSTed HTML form carry
 * the field List-Unsubscribe with the value One-Click?
 *
 * Both encodings a browser or a mail provider uses are read:
 * application/x-www-form-urlencoded (also assumed when there is no
 * Content-Type) and multipart/form-data (parsed with GMime, boundary from
 * the Content-Type). Names and values compare case-insensitively, the
 * value with surrounding white space ignored; other fields are allowed.
 *
 * Guarantees: pure (no I/O, no state), bounded by its input (callers bound
 * the body, http_req.h); any byte string is accepted, malformed input is
 * simply "no".
 */
#ifndef CADENCE_HTTP_FORM_H
#define CADENCE_HTTP_FORM_H

#include <stddef.h>

/* 1 when the form holds List-Unsubscribe=One-Click, 0 otherwise.
 * content_type: the request's Content-Type header, NULL when absent. */
int http_form_one_click(const char *content_type, const char *body, size_t len);

#endif
