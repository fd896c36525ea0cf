/* SPDX-License-Identifier: BSD-2-Clause */
/* test_milter_sign.c - unit tests for milter/msign.c: the signatures
 * it makes verify with libopendkim (the verifier the field trusts), over
 * the edges of relaxed canonicalization (whitespace runs, trailing
 * whitespace, empty lines at the end, no final CRLF, an empty body, lone
 * CR and LF, folded and repeated headers, a body fed one byte at a time);
 * the body hash equals libopendkim's own signer's for the same message,
 * and with a fixed t= and an h= list short enough not to be folded the
 * whole RSA signature is byte for byte libopendkim's. Controls: a changed
 * body, or a header changed in a way relaxed canonicalization does not
 * forgive, does not verify. Keys are made here; no DNS (file query). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <opendkim/dkim.h>

#include "mkeys.h"
#include "msign.h"
#include "util.h"

static char dir[] = "/tmp/test_milter_sign.XXXXXX";
static char *keyfile_rsa, *keyfile_ed, *dnsfile, *pem_rsa;

struct hdr {
	const char *name, *value;
};

static char *pubkey_b64(EVP_PKEY *pk, int raw)
{
	unsigned char *der = NULL, raw32[32];
	size_t rl = sizeof(raw32);
	int n;
	char *out = xmalloc(1024);
	if (raw) {
		assert_int_equal(EVP_PKEY_get_raw_public_key(pk, raw32, &rl), 1);
		EVP_EncodeBlock((unsigned char *)out, raw32, (int)rl);
	} else {
		n = i2d_PUBKEY(pk, &der);
		assert_true(n > 0);
		EVP_EncodeBlock((unsigned char *)out, der, n);
		OPENSSL_free(der);
	}
	return out;
}

static int setup(void **state)
{
	EVP_PKEY *rsa = EVP_RSA_gen(2048), *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	FILE *f;
	char *p1, *p2;
	BIO *b;
	BUF_MEM *bm;
	(void)state;
	assert_non_null(mkdtemp(dir));
	keyfile_rsa = xasprintf("%s/rsa.key", dir);
	keyfile_ed = xasprintf("%s/ed.key", dir);
	dnsfile = xasprintf("%s/keys.txt", dir);
	f = fopen(keyfile_rsa, "w");
	assert_non_null(f);
	PEM_write_PrivateKey(f, rsa, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	f = fopen(keyfile_ed, "w");
	assert_non_null(f);
	PEM_write_PrivateKey(f, ed, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_PrivateKey(b, rsa, NULL, NULL, 0, NULL, NULL);
	BIO_get_mem_ptr(b, &bm);
	pem_rsa = xstrndup(bm->data, bm->length);
	BIO_free(b);
	p1 = pubkey_b64(rsa, 0);
	p2 = pubkey_b64(ed, 1);
	f = fopen(dnsfile, "w");
	assert_non_null(f);
	fprintf(f, "r._domainkey.example.com v=DKIM1; k=rsa; p=%s\n", p1);
	fprintf(f, "e._domainkey.ed.example v=DKIM1; k=ed25519; p=%s\n", p2);
	fclose(f);
	free(p1);
	free(p2);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ed);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(keyfile_rsa);
	unlink(keyfile_ed);
	unlink(dnsfile);
	rmdir(dir);
	free(keyfile_rsa);
	free(keyfile_ed);
	free(dnsfile);
	OPENSSL_cleanse(pem_rsa, strlen(pem_rsa));
	free(pem_rsa);
	return 0;
}

static void load(struct mkeys *t)
{
	struct cad_err err = { "" };
	char *kt = xasprintf("r example.com:r:%s\ne ed.example:e:%s\n", keyfile_rsa, keyfile_ed);
	mkeys_init(t);
	assert_int_equal(mkeys_keytable_parse(t, kt, "kt", &err), 0);
	assert_int_equal(mkeys_load_keys(t, &err), 0);
	free(kt);
}

/* Our signature of (hdrs, body), the body fed in chunks of chunk bytes. */
static char *sign_ours(const struct mkeys_key *k, const struct hdr *h, const char *body,
		       size_t chunk)
{
	struct cad_err err = { "" };
	struct msign *s = msign_new(k, "T", &err);
	size_t n = strlen(body);
	char *sig = NULL;
	assert_non_null(s);
	for (; h->name != NULL; h++)
		assert_int_equal(msign_header(s, h->name, h->value, 0, &err), 0);
	assert_int_equal(msign_eoh(s, &err), 0);
	for (size_t i = 0; i < n; i += chunk)
		assert_int_equal(msign_body(s, body + i, n - i < chunk ? n - i : chunk, &err), 0);
	assert_int_equal(msign_finish(s, &sig, &err), 0);
	msign_free(s);
	return sig;
}

/* libopendkim's own RSA signature of the same message (t= fixed). */
static char *sign_lib(const struct hdr *h, const char *body, uint64_t t)
{
	static const char *oversign[] = { "from", NULL };
	DKIM_LIB *lib = dkim_init(NULL, NULL);
	DKIM_STAT st;
	DKIM *d;
	unsigned char *buf = NULL;
	size_t len = 0;
	char *out;
	assert_non_null(lib);
	dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS, oversign, sizeof(char **));
	dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FIXEDTIME, &t, sizeof(t));
	d = dkim_sign(lib, (const unsigned char *)"T", NULL, (dkim_sigkey_t)pem_rsa,
		      (const unsigned char *)"r", (const unsigned char *)"example.com",
		      DKIM_CANON_RELAXED, DKIM_CANON_RELAXED, DKIM_SIGN_RSASHA256, -1, &st);
	assert_non_null(d);
	for (; h->name != NULL; h++) {
		char *line = xasprintf("%s: %s", h->name, h->value);
		assert_int_equal(dkim_header(d, (unsigned char *)line, strlen(line)), DKIM_STAT_OK);
		free(line);
	}
	assert_int_equal(dkim_eoh(d), DKIM_STAT_OK);
	if (*body != '\0')
		dkim_body(d, (unsigned char *)(uintptr_t)body, strlen(body));
	st = dkim_eom(d, NULL);
	if (st != DKIM_STAT_OK) {   /* libopendkim refuses some bodies (no final CRLF) */
		dkim_free(d);
		dkim_close(lib);
		return NULL;
	}
	assert_int_equal(dkim_getsighdr_d(d, 16, &buf, &len), DKIM_STAT_OK);
	out = xstrndup((const char *)buf, len);
	dkim_free(d);
	dkim_close(lib);
	return out;
}

/* 1 when libopendkim verifies the message: the signature on top, then
 * the headers, then the body. */
static int verifies(const char *sig, const struct hdr *h, const char *body)
{
	unsigned int qtype = DKIM_QUERY_FILE;
	DKIM_LIB *lib = dkim_init(NULL, NULL);
	DKIM_SIGINFO **sigs = NULL;
	int nsigs = 0, ok = 0;
	DKIM_STAT st;
	DKIM *d;
	char *line;
	dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD, &qtype, sizeof(qtype));
	dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO, dnsfile, strlen(dnsfile));
	d = dkim_verify(lib, (const unsigned char *)"V", NULL, &st);
	assert_non_null(d);
	line = xasprintf("DKIM-Signature: %s", sig);
	dkim_header(d, (unsigned char *)line, strlen(line));
	free(line);
	for (; h->name != NULL; h++) {
		line = xasprintf("%s: %s", h->name, h->value);
		dkim_header(d, (unsigned char *)line, strlen(line));
		free(line);
	}
	dkim_eoh(d);
	if (*body != '\0')
		dkim_body(d, (unsigned char *)(uintptr_t)body, strlen(body));
	dkim_eom(d, NULL);
	if (dkim_getsiglist(d, &sigs, &nsigs) == DKIM_STAT_OK && nsigs == 1)
		ok = (dkim_sig_getflags(sigs[0]) & DKIM_SIGFLAG_PASSED) != 0 &&
		     dkim_sig_getbh(sigs[0]) == DKIM_SIGBH_MATCH;
	dkim_free(d);
	dkim_close(lib);
	return ok;
}

static char *tag(const char *sig, const char *name)
{
	char *unf = xstrdup(sig), *w = unf, *p, *end;
	size_t nl = strlen(name);
	for (const char *r = sig; *r; r++)
		if (*r != '\r' && *r != '\n' && *r != '\t' && *r != ' ')
			*w++ = *r;
	*w = '\0';
	for (p = unf; (p = strstr(p, name)) != NULL; p++)
		if ((p == unf || p[-1] == ';') && p[nl] == '=')
			break;
	assert_non_null(p);
	end = strchr(p, ';');
	p = xstrndup(p + nl + 1, end != NULL ? (size_t)(end - p - nl - 1) : strlen(p + nl + 1));
	free(unf);
	return p;
}

static const struct hdr H_SHORT[] = {
	{ "From", "Ada Rep <ada@example.com>" },
	{ "To", "Contact <contact@example.org>" },
	{ "Subject", "Quick   question\n\tabout  your roadmap  " },
	{ NULL, NULL },
};

static const struct hdr H_LONG[] = {
	{ "Received", "from client.example.com (client [10.1.2.3])\n\tby mx.example.com" },
	{ "From", "Ada Rep <ada@example.com>" },
	{ "To", "Contact <contact@example.org>" },
	{ "To", "Other <other@example.org>" },
	{ "Cc", "  a@example.org,\r\n\t b@example.org" },
	{ "Subject", "Quick question" },
	{ "Date", "Tue, 01 Dec 2026 09:00:00 +0000" },
	{ "Message-ID", "<t-sign-1@example.com>" },
	{ "MIME-Version", "1.0" },
	{ "Content-Type", "text/plain;\n\tcharset=utf-8" },
	{ "X-Empty", "" },
	{ NULL, NULL },
};

/* SMTP bodies end with CRLF (libopendkim refuses to sign or verify one
 * that does not; cadence adds the CRLF as RFC 6376 3.4.4 says). */
static const char *const BODIES[] = {
	"Hi there,\r\n\r\nDo you have ten minutes this week?   \r\n\r\n-- \r\nAda\r\n",
	"tabs\tand   spaces \t \r\n  leading\r\n\r\n\r\n\r\n",
	"",
	"\r\n\r\n",
	"lone\rCR and lone\nLF, CR CR\r\rx, CR space\r y\r\n",
	"ends with CR CR LF\r\r\n",
	"  \r\n \t\r\nx\r\n",
};

static void test_sign_verifies(void **state)
{
	struct mkeys t;
	const struct hdr *sets[] = { H_SHORT, H_LONG };
	static const size_t chunks[] = { 1, 3, 65536 };
	(void)state;
	load(&t);
	for (size_t k = 0; k < t.nkeys; k++)
		for (size_t s = 0; s < 2; s++)
			for (size_t b = 0; b < sizeof(BODIES) / sizeof(*BODIES); b++)
				for (size_t c = 0; c < 3; c++) {
					char *sig = sign_ours(&t.keys[k], sets[s], BODIES[b], chunks[c]);
					if (!verifies(sig, sets[s], BODIES[b]))
						fail_msg("key %zu, headers %zu, body %zu, chunk %zu: "
							 "does not verify: %s", k, s, b, chunks[c], sig);
					free(sig);
				}
	mkeys_free(&t);
}

static void test_sign_tampered(void **state)
{
	struct mkeys t;
	struct hdr changed[4];
	char *sig;
	(void)state;
	load(&t);
	for (size_t k = 0; k < t.nkeys; k++) {
		sig = sign_ours(&t.keys[k], H_SHORT, BODIES[0], 65536);
		assert_true(verifies(sig, H_SHORT, BODIES[0]));   /* control */
		assert_false(verifies(sig, H_SHORT, BODIES[1]));
		memcpy(changed, H_SHORT, sizeof(changed));
		changed[2].value = "Quick question about your road map";
		assert_false(verifies(sig, changed, BODIES[0]));
		/* relaxed forgives whitespace only */
		changed[2].value = "Quick question  about\n\t your roadmap";
		assert_true(verifies(sig, changed, BODIES[0]));
		/* a From added above the signed one breaks it (oversigned) */
		{
			struct hdr more[5] = { { "From", "Mallory <m@evil.example>" } };
			memcpy(more + 1, H_SHORT, sizeof(H_SHORT));
			assert_false(verifies(sig, more, BODIES[0]));
		}
		free(sig);
	}
	mkeys_free(&t);
}

static void test_sign_as_libopendkim(void **state)
{
	struct mkeys t;
	const struct hdr *sets[] = { H_SHORT, H_LONG };
	(void)state;
	load(&t);
	assert_int_equal(t.keys[0].alg, MKEYS_RSA);
	msign_set_time(1796000000);
	for (size_t s = 0; s < 2; s++)
		for (size_t b = 0; b < sizeof(BODIES) / sizeof(*BODIES); b++) {
			char *ours = sign_ours(&t.keys[0], sets[s], BODIES[b], 7);
			char *theirs = sign_lib(sets[s], BODIES[b], 1796000000);
			char *x, *y;
			if (theirs == NULL) {
				free(ours);
				continue;
			}
			x = tag(ours, "bh");
			y = tag(theirs, "bh");
			if (strcmp(x, y) != 0)
				fail_msg("headers %zu, body %zu: bh=%s, libopendkim's %s", s, b, x, y);
			free(x);
			free(y);
			x = tag(ours, "h");
			y = tag(theirs, "h");
			assert_string_equal(x, y);
			free(x);
			free(y);
			/* folded with bare LF for the milter protocol (no CR) */
			assert_null(strchr(ours, '\r'));
			if (s == 0) {   /* h= not folded: the very same signature */
				x = tag(ours, "b");
				y = tag(theirs, "b");
				assert_string_equal(x, y);
				free(x);
				free(y);
			}
			/* the same text as libopendkim's, folded alike, modulo
			 * the line ending (libopendkim's is CRLF) */
			y = xstrdup(theirs);
			x = y;
			for (const char *r = theirs; *r != '\0'; r++)
				if (*r != '\r')
					*x++ = *r;
			*x = '\0';
			if (s == 0)
				assert_string_equal(ours, y);
			else   /* another b= (h= differs), the same shape */
				assert_int_equal(strlen(ours), strlen(y));
			free(y);
			free(ours);
			free(theirs);
		}
	msign_set_time(0);
	mkeys_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_verifies),
		cmocka_unit_test(test_sign_tampered),
		cmocka_unit_test(test_sign_as_libopendkim),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
