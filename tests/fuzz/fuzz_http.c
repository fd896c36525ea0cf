/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_http.c - libFuzzer target for cadenced's HTTP request handling
 * (scheduler/http_req.c, http_form.c) without a socket: the input is a
 * request, the output a status and a body, as http.c would send them.
 *
 * Input: "METHOD\nURL\nCONTENT-TYPE\nBODY". In the URL, "@T@" stands for
 * a valid unsubscribe token of the fuzzing secret (so the store is asked)
 * and "@M@" for a valid Message-ID token (which must not unsubscribe). A
 * body over HTTP_BODY_MAX is cut and flagged as http.c does. The store
 * (in memory) holds the message of "@T@", so a POST goes through the form
 * parser to the unsubscribe (the first one changes the store, the others
 * repeat it: both paths run). The body is also given to the form parser
 * directly.
 * Seeds: tests/fuzz/http_seeds (scripts/test.sh passes them).
 * Checks beyond the sanitizers: a status in 200..599, a body, a type.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_form.h"
#include "http_req.h"
#include "token.h"
#include "secret.h"
#include "store.h"
#include "store_ledger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cad_secret secret;
static struct store *store;
static char tok_unsub[TOKEN_BUFSZ], tok_msgid[TOKEN_BUFSZ];

static struct store *get(void *cls)
{
	(void)cls;
	return store;
}

static void put(void *cls, struct store *st)
{
	(void)cls;
	(void)st;
}

/* A rep, a sequence, a contact, an enrollment and the message whose
 * unsubscribe token is tok_unsub. */
static int seed_store(struct cad_err *err)
{
	struct user u;
	struct step step;
	struct sequence q;
	struct contact c;
	struct enrollment e;
	struct sent_msg m;
	int created, existing;

	memset(&u, 0, sizeof(u));
	u.email = (char *)"rep@us.test";
	u.name = (char *)"Rep";
	u.active = 1;
	memset(&step, 0, sizeof(step));
	step.kind = STEP_EMAIL;
	step.subject = (char *)"Hello";
	step.body = (char *)"Hi.";
	memset(&q, 0, sizeof(q));
	q.name = (char *)"Fuzz";
	q.days = SEQ_DAYS_BUSINESS;
	q.active = 1;
	q.steps = &step;
	q.nsteps = 1;
	memset(&c, 0, sizeof(c));
	c.email = xstrdup("ann@them.test");
	if (store_user_add(store, &u, "fuzz", 1795000000, err) < 0
	    || store_sequence_import(store, &q, "fuzz", 1795000000, err) < 0
	    || store_contact_upsert(store, &c, 1795000000, &created, err) < 0) {
		contact_free(&c);
		return -1;
	}
	memset(&e, 0, sizeof(e));
	e.contact_id = c.id;
	contact_free(&c);
	e.sequence_id = q.id;
	e.user_id = u.id;
	e.state = ENR_ACTIVE;
	e.step = 1;
	e.next_due = 1795000000;
	if (store_enrollment_insert(store, &e, "fuzz", 1795000000, err) < 0)
		return -1;
	memset(&m, 0, sizeof(m));
	m.enrollment_id = e.id;
	m.step = 1;
	m.message_id = xasprintf("%s@cadence.test", tok_msgid);
	m.token = xstrdup(tok_unsub);
	m.subject = xstrdup("Hello");
	enrollment_free(&e);
	if (store_msg_prepare(store, &m, 1795000000, &existing, err) < 0)
		return -1;
	sent_msg_free(&m);
	return 0;
}

static void setup(void)
{
	static const char key[] = "fuzzing-secret-fuzzing-secret-0123456789";
	static const unsigned char nonce[TOKEN_NONCE_BYTES] = "fuzz-nonce-0001";
	struct cad_err err = { "" };

	if (secret_set(&secret, key, sizeof(key) - 1, &err) < 0
	    || store_open(&store, ":memory:", STORE_CREATE, &err) < 0
	    || token_make(TOKEN_UNSUB, &secret, nonce, tok_unsub) < 0
	    || token_make(TOKEN_MSGID, &secret, nonce, tok_msgid) < 0
	    || seed_store(&err) < 0) {
		fprintf(stderr, "fuzz_http: set-up: %s\n", err.msg);
		abort();
	}
}

/* The next '\n'-ended field of [*p, end), NUL-terminated copy. */
static char *field(const char **p, const char *end)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	const char *stop = nl ? nl : end;
	char *s = xstrndup(*p, (size_t)(stop - *p));
	*p = nl ? nl + 1 : end;
	return s;
}

static char *expand(const char *url)
{
	struct sbuf b;
	const char *p = url;
	sbuf_init(&b);
	while (*p) {
		if (strncmp(p, "@T@", 3) == 0) {
			sbuf_adds(&b, tok_unsub);
			p += 3;
		} else if (strncmp(p, "@M@", 3) == 0) {
			sbuf_adds(&b, tok_msgid);
			p += 3;
		} else {
			sbuf_addc(&b, *p++);
		}
	}
	return sbuf_detach(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	char *method, *url, *ctype, *xurl, *body;
	struct http_env env;
	struct http_in in;
	struct http_out out;

	if (store == NULL)
		setup();
	method = field(&p, end);
	url = field(&p, end);
	ctype = field(&p, end);
	xurl = expand(url);
	memset(&in, 0, sizeof(in));
	in.method = method;
	in.url = xurl;
	in.content_type = *ctype ? ctype : NULL;
	in.body_len = (size_t)(end - p);
	if (in.body_len > HTTP_BODY_MAX) {
		in.body_len = HTTP_BODY_MAX;
		in.body_too_big = 1;
	}
	body = xmalloc(in.body_len + 1);   /* NULs kept, NUL-terminated, as http.c's sbuf */
	memcpy(body, p, in.body_len);
	body[in.body_len] = '\0';
	in.body = body;
	memset(&env, 0, sizeof(env));
	env.secret = &secret;
	env.now = 1795000000;
	env.store_get = get;
	env.store_put = put;
	http_answer(&env, &in, &out);
	if (out.status < 200 || out.status > 599 || out.body == NULL || out.type == NULL)
		abort();
	(void)http_form_one_click(in.content_type, body, in.body_len);
	http_out_free(&out);
	free(body);
	free(xurl);
	free(ctype);
	free(url);
	free(method);
	return 0;
}
