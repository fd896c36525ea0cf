/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * api_http.h - the API behind cadenced's libmicrohttpd listener: gathers
 * what api_handle() needs from a connection (query parameters, headers)
 * and sends its answer. http.c calls api_http_serve() for the paths where
 * api_path() is true, with the body it read (up to API_BODY_MAX) and a
 * store handle of its pool.
 */
#ifndef CADENCE_API_HTTP_H
#define CADENCE_API_HTTP_H

#include <stddef.h>

#include <microhttpd.h>

#include "api.h"

#include "conf.h"

/* Keeps the settings of conf the API applies (cadenced calls it when the
 * listener starts). */
void api_http_configure(const struct cad_conf *conf);

enum MHD_Result api_http_serve(struct MHD_Connection *conn, const char *url, const char *method,
			       const char *body, size_t body_len, int too_big, struct store *st,
			       cad_time_t now);

#endif
