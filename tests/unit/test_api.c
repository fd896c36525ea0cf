/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_api.c - the API's entry point without a socket (api_handle on a
 * fresh store) and the webhook signature and backoff (webhook.h).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "api.h"
#include "store_token.h"
#include "webhook.h"

struct fx {
	char path[64];
	struct store *st;
	char admin[STORE_TOKEN_LEN + 1];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct cad_err err = { "" };
	struct api_token t;
	char hash[STORE_TOKEN_HASH_LEN + 1];
	int fd;

	snprintf(f->path, sizeof(f->path), "/tmp/test_api.XXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	unlink(f->path);
	assert_int_equal(store_open(&f->st, f->path, STORE_CREATE, &err), 0);
	memset(&t, 0, sizeof(t));
	t.name = xstrdup("adm");
	t.admin = 1;
	assert_int_equal(store_token_make(f->admin, &err), 0);
	store_token_hash(f->admin, hash);
	assert_int_equal(store_token_add(f->st, &t, hash, "test", 1000, &err), 0);
	api_token_free(&t);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char p[80];
	store_close(f->st);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	free(f);
	return 0;
}

/* One request; returns the status, the answer parsed into *out. */
static int req(struct fx *f, struct store *st, const char *method, const char *path,
	       const char *token, const char *body, json_t **out)
{
	struct api_request rq;
	struct api_response resp;
	struct api_ctx ctx;
	char *auth = token ? xasprintf("Bearer %s", token) : NULL;
	int status;
	(void)f;
	memset(&rq, 0, sizeof(rq));
	memset(&ctx, 0, sizeof(ctx));
	ctx.st = st;
	rq.method = method;
	rq.path = path;
	rq.authorization = auth;
	rq.body = body;
	rq.body_len = body ? strlen(body) : 0;
	rq.now = 2000;
	status = api_handle(&ctx, &rq, &resp);
	*out = json_loads(resp.body, 0, NULL);
	assert_non_null(*out);   /* always JSON */
	assert_string_equal(resp.content_type, "application/json; charset=utf-8");
	api_response_free(&resp);
	free(auth);
	return status;
}

static const char *cat(json_t *o)
{
	return json_string_value(json_object_get(o, "category"));
}

static void test_errors(void **state)
{
	struct fx *f = *state;
	json_t *o;

	assert_int_equal(req(f, f->st, "GET", "/v1/events", NULL, NULL, &o), 401);
	assert_string_equal(cat(o), "INVALID_AUTHENTICATION");
	assert_int_equal(strlen(json_string_value(json_object_get(o, "correlationId"))), 36);
	json_decref(o);
	assert_int_equal(req(f, f->st, "GET", "/v1/nothing", f->admin, NULL, &o), 404);
	json_decref(o);
	assert_int_equal(req(f, f->st, "PATCH", "/v1/events", f->admin, NULL, &o), 405);
	json_decref(o);
	assert_int_equal(req(f, NULL, "GET", "/v1/events", f->admin, NULL, &o), 503);
	json_decref(o);
	assert_int_equal(req(f, NULL, "GET", "/v1/openapi.json", NULL, NULL, &o), 200);
	assert_non_null(json_object_get(o, "paths"));
	json_decref(o);
	assert_int_equal(req(f, f->st, "POST", "/v1/suppressions", f->admin,
			     "{\"domain\":\"x.test\",\"kind\":\"manual\",\"colour\":1}", &o), 400);
	assert_non_null(strstr(json_string_value(json_object_get(o, "message")), "colour"));
	json_decref(o);
}

static void test_write_is_one_transaction(void **state)
{
	struct fx *f = *state;
	json_t *o;
	struct suppression *s;
	size_t n;
	struct cad_err err = { "" };

	assert_int_equal(req(f, f->st, "POST", "/v1/suppressions", f->admin,
			     "{\"domain\":\"x.test\",\"kind\":\"manual\"}", &o), 201);
	json_decref(o);
	assert_int_equal(req(f, f->st, "POST", "/v1/suppressions", f->admin,
			     "{\"domain\":\"x.test\",\"kind\":\"manual\"}", &o), 409);
	json_decref(o);
	assert_int_equal(store_suppress_list(f->st, &s, &n, &err), 0);
	assert_int_equal(n, 1);
	store_suppressions_free(s, n);
	assert_true(api_path("/automation/v4/sequences"));
	assert_true(api_path("/v1/x"));
	assert_false(api_path("/u/abc"));
	assert_false(api_path("/healthz"));
}

static void test_signature(void **state)
{
	char *sig = webhook_signature("00112233445566778899aabbccddeeff"
				      "00112233445566778899aabbccddeeff", 1764579600, "{\"id\":1}");
	(void)state;
	/* python3: hmac.new(secret, b'1764579600.{"id":1}', sha256).hexdigest() */
	assert_string_equal(sig, "t=1764579600,v1=a9cc1fe00c1d0c34c16291c8deb726f8"
			    "8fd5e4827ef033cf5b5730309d2a2c64");
	free(sig);
	assert_int_equal(webhook_backoff(1), 30);
	assert_int_equal(webhook_backoff(2), 60);
	assert_int_equal(webhook_backoff(5), 480);
	assert_int_equal(webhook_backoff(8), 3600);
	assert_int_equal(webhook_backoff(50), 3600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_is_one_transaction, setup, teardown),
		cmocka_unit_test(test_signature),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
