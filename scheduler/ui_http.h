/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ui_http.h - the web page (ui.h) on cadenced's libmicrohttpd listener:
 * http.c calls ui_http_serve() for the paths where ui_path() is true, with
 * the body it read (HTTP_BODY_MAX: forms are small) and a store handle of
 * its pool. Adds the page's security headers (Content-Security-Policy
 * without script, frame-ancestors 'none', no referrer, no-store).
 */
#ifndef CADENCE_UI_HTTP_H
#define CADENCE_UI_HTTP_H

#include <stddef.h>

#include <microhttpd.h>

#include "ui.h"

enum MHD_Result ui_http_serve(struct MHD_Connection *conn, const char *url, const char *method,
			      const char *body, size_t body_len, int too_big, struct store *st,
			      cad_time_t now);

#endif
