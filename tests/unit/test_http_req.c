/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_http_req.c - cadenced's HTTP decisions without a socket: the RFC
 * 8058 form parser (scheduler/http_form.c) to its edges, and the routing
 * of http_answer() (scheduler/http_req.c) over an in-memory store: the
 * statuses of paths, methods, tokens and bodies. The whole listener, with
 * its limits, is tests/security/http.sh.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_form.h"
#include "http_req.h"
#include "token.h"

static int oc(const char *ct, const char *body)
{
	return http_form_one_click(ct, body, strlen(body));
}

static void test_urlencoded(void **state)
{
	static const char form[] = "application/x-www-form-urlencoded";
	(void)state;
	assert_true(oc(form, "List-Unsubscribe=One-Click"));
	assert_true(oc(NULL, "List-Unsubscribe=One-Click"));        /* no Content-Type */
	assert_true(oc(form, "a=1&List-Unsubscribe=One-Click&b"));   /* other fields */
	assert_true(oc(form, "List%2DUnsubscribe=One%2dClick"));     /* percent-encoded */
	assert_true(oc(form, "list-unsubscribe=one-click\r\n"));     /* case, trailing CRLF */
	assert_true(oc(form, "List-Unsubscribe=+One-Click+"));       /* '+' is a space */
	assert_false(oc(form, ""));
	assert_false(oc(form, "List-Unsubscribe"));
	assert_false(oc(form, "List-Unsubscribe="));
	assert_false(oc(form, "List-Unsubscribe=One-Clicks"));
	assert_false(oc(form, "X-List-Unsubscribe=One-Click"));
	assert_false(oc(form, "List-Unsubscribe=One%2"));            /* cut escape */
	assert_false(oc(form, "hello=1"));
	/* a NUL inside: the length counts, not the C string */
	assert_false(http_form_one_click(form, "x\0List-Unsubscribe=One-Click", 2));
	assert_true(http_form_one_click(form, "x=\0&List-Unsubscribe=One-Click", 30));
}

static void test_multipart(void **state)
{
	static const char ct[] = "multipart/form-data; boundary=XyZ";
	(void)state;
	assert_true(oc(ct, "--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\""
			   "\r\n\r\nOne-Click\r\n--XyZ--\r\n"));
	/* another field first, LF only, the value base64 */
	assert_true(oc(ct, "--XyZ\nContent-Disposition: form-data; name=\"a\"\n\n1\n"
			   "--XyZ\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\n"
			   "Content-Transfer-Encoding: base64\n\nT25lLUNsaWNr\n--XyZ--\n"));
	assert_false(oc(ct, "--XyZ\r\nContent-Disposition: form-data; name=\"Other\""
			    "\r\n\r\nOne-Click\r\n--XyZ--\r\n"));
	assert_false(oc(ct, "--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\""
			    "\r\n\r\nNo\r\n--XyZ--\r\n"));
	/* the wrong boundary, none, or a header injected into the Content-Type */
	assert_false(oc("multipart/form-data; boundary=Other",
			"--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\""
			"\r\n\r\nOne-Click\r\n--XyZ--\r\n"));
	assert_false(oc("multipart/form-data", "List-Unsubscribe=One-Click"));
	assert_false(oc("multipart/form-data; boundary=XyZ\r\nX: y", "--XyZ--\r\n"));
	/* the urlencoded text in a multipart body is not the field */
	assert_false(oc(ct, "List-Unsubscribe=One-Click"));
}

/* ---- http_answer ---- */

static struct cad_secret secret;
static struct store *store;
static int gets, puts_;

static struct store *get(void *cls)
{
	(void)cls;
	gets++;
	return store;
}

static void put(void *cls, struct store *st)
{
	(void)cls;
	assert_ptr_equal(st, store);
	puts_++;
}

static int setup(void **state)
{
	static const char key[] = "test-secret-test-secret-0123456789abcdef";
	struct cad_err err = { "" };
	(void)state;
	if (secret_set(&secret, key, sizeof(key) - 1, &err) < 0
	    || store_open(&store, ":memory:", STORE_CREATE, &err) < 0) {
		print_error("%s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	store_close(store);
	secret_free(&secret);
	return 0;
}

/* The status of one request; *allow gets the Allow header when not NULL. */
static unsigned answer(const char *method, const char *url, const char *ct, const char *body,
		       int too_big, const char **allow)
{
	struct http_env env;
	struct http_in in;
	struct http_out out;
	unsigned status;

	memset(&env, 0, sizeof(env));
	env.secret = &secret;
	env.now = 1795000000;
	env.store_get = get;
	env.store_put = put;
	memset(&in, 0, sizeof(in));
	in.method = method;
	in.url = url;
	in.content_type = ct;
	in.body = body;
	in.body_len = body ? strlen(body) : 0;
	in.body_too_big = too_big;
	http_answer(&env, &in, &out);
	assert_non_null(out.body);
	assert_non_null(out.type);
	status = out.status;
	if (allow)
		*allow = out.allow;
	http_out_free(&out);
	return status;
}

static void test_routes(void **state)
{
	const char *allow = NULL;
	char url[HTTP_URL_MAX + 8], tok[TOKEN_BUFSZ], mid[TOKEN_BUFSZ];
	static const unsigned char nonce[TOKEN_NONCE_BYTES] = "test-nonce-0001";
	(void)state;

	assert_int_equal(answer("GET", "/healthz", NULL, NULL, 0, NULL), 200);
	assert_int_equal(answer("HEAD", "/healthz", NULL, NULL, 0, NULL), 200);
	assert_int_equal(answer("POST", "/healthz", NULL, "x", 0, &allow), 405);
	assert_string_equal(allow, "GET, HEAD");
	assert_int_equal(answer("GET", "/", NULL, NULL, 0, NULL), 404);
	assert_int_equal(answer("GET", "/u/", NULL, NULL, 0, NULL), 404);
	assert_int_equal(answer("GET", "/healthz/x", NULL, NULL, 0, NULL), 404);
	assert_int_equal(gets, 0);   /* none of those asked the store */
	assert_int_equal(answer("DELETE", "/u/abc", NULL, NULL, 0, &allow), 405);
	assert_string_equal(allow, "GET, HEAD, POST");
	/* not a token, a forged one, a valid one naming no message, a
	 * Message-ID token: 404, the store handle given back each time */
	assert_int_equal(answer("GET", "/u/abc", NULL, NULL, 0, NULL), 404);
	assert_int_equal(token_make(TOKEN_UNSUB, &secret, nonce, tok), 0);
	assert_int_equal(token_make(TOKEN_MSGID, &secret, nonce, mid), 0);
	snprintf(url, sizeof(url), "/u/%s", tok);
	assert_int_equal(answer("POST", url, NULL, "List-Unsubscribe=One-Click", 0, NULL), 404);
	assert_int_equal(answer("HEAD", url, NULL, NULL, 0, NULL), 404);
	url[strlen(url) - 1] = url[strlen(url) - 1] == 'a' ? 'b' : 'a';
	assert_int_equal(answer("GET", url, NULL, NULL, 0, NULL), 404);
	snprintf(url, sizeof(url), "/u/%s", mid);
	assert_int_equal(answer("GET", url, NULL, NULL, 0, NULL), 404);
	assert_int_equal(gets, puts_);
	/* a URL at the bound is refused before anything */
	memset(url, 'a', sizeof(url));
	memcpy(url, "/u/", 3);
	url[HTTP_URL_MAX] = '\0';
	gets = 0;
	assert_int_equal(answer("GET", url, NULL, NULL, 0, NULL), 404);
	assert_int_equal(gets, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urlencoded),
		cmocka_unit_test(test_multipart),
		cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
