/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * api_openapi.c - GET /v1/openapi.json: the OpenAPI 3 document of every
 * endpoint (doc/openapi.json, built into cadenced as api_openapi_json by
 * scheduler/api.am, and installed with the documentation).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api_int.h"

void api_v1_openapi(struct api_call *c)
{
	free(c->resp->body);
	c->resp->status = 200;
	c->resp->content_type = "application/json; charset=utf-8";
	c->resp->body = xstrdup(api_openapi_json);
}
