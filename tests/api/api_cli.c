/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * api_cli.c - one API request through api_handle(), with no socket:
 *
 *   api_cli DB METHOD PATH[?QUERY] [BODY | @FILE] 
 *
 * The token comes from $API_TOKEN ("Bearer ..." is added), the content type
 * from $API_CONTENT_TYPE (default application/json), the time from
 * $API_NOW (ISO 8601; default the clock). Prints the status on the first
 * line, then the body. For the API tests and the in-process benchmark.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

static void pct_decode(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (*s == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
			*o++ = (char)(hexval(s[1]) * 16 + hexval(s[2]));
			s += 2;
		} else {
			*o++ = *s == '+' ? ' ' : *s;
		}
	}
	*o = '\0';
}

int main(int argc, char **argv)
{
	struct api_param q[64];
	struct api_request rq;
	struct api_response resp;
	struct api_ctx ctx;
	struct cad_err err = { "" };
	struct store *st;
	struct sbuf body;
	char *path, *query, *auth = NULL;
	const char *tok = getenv("API_TOKEN"), *now = getenv("API_NOW");
	size_t nq = 0;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: api_cli DB METHOD PATH[?QUERY] [BODY|@FILE]\n");
		return 2;
	}
	if (store_open(&st, argv[1], 0, &err) < 0) {
		fprintf(stderr, "api_cli: %s\n", err.msg);
		return 1;
	}
	path = xstrdup(argv[3]);
	query = strchr(path, '?');
	if (query) {
		char *save = NULL, *kv;
		*query++ = '\0';
		for (kv = strtok_r(query, "&", &save); kv && nq < 64; kv = strtok_r(NULL, "&", &save)) {
			char *eq = strchr(kv, '=');
			if (eq)
				*eq++ = '\0';
			pct_decode(kv);
			if (eq)
				pct_decode(eq);
			q[nq].key = kv;
			q[nq].value = eq ? eq : "";
			nq++;
		}
	}
	sbuf_init(&body);
	if (argc == 5 && argv[4][0] == '@') {
		FILE *f = fopen(argv[4] + 1, "rb");
		char buf[4096];
		size_t n;
		if (f == NULL) {
			perror(argv[4] + 1);
			return 1;
		}
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			sbuf_add(&body, buf, n);
		fclose(f);
	} else if (argc == 5) {
		sbuf_adds(&body, argv[4]);
	}
	memset(&rq, 0, sizeof(rq));
	rq.method = argv[2];
	rq.path = path;
	rq.query = q;
	rq.nquery = nq;
	if (tok) {
		auth = xasprintf("Bearer %s", tok);
		rq.authorization = auth;
	}
	rq.content_type = getenv("API_CONTENT_TYPE") ? getenv("API_CONTENT_TYPE")
		: "application/json";
	rq.host = "127.0.0.1";
	rq.body = argc == 5 ? body.s : NULL;
	rq.body_len = body.len;
	rq.body_too_big = body.len > API_BODY_MAX;
	rq.now = cad_now();
	if (now && cad_time_parse(now, &rq.now) < 0) {
		fprintf(stderr, "api_cli: API_NOW: not a time\n");
		return 2;
	}
	ctx.st = st;
	api_handle(&ctx, &rq, &resp);
	printf("%u\n%s\n", resp.status, resp.body);
	api_response_free(&resp);
	sbuf_free(&body);
	free(path);
	free(auth);
	store_close(st);
	return 0;
}
