/* SPDX-License-Identifier: BSD-2-Clause */
/* test_milter_keys.c - unit tests for milter/mkeys.c: the KeyTable and
 * SigningTable parsers, the look-up order, and the key file checks. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "mkeys.h"
#include "util.h"

static char dir[] = "/tmp/test_milter_keys.XXXXXX";

static char *write_key(const char *name, int type, mode_t mode)
{
	char *path = xasprintf("%s/%s", dir, name);
	EVP_PKEY *k = type == EVP_PKEY_RSA ? EVP_RSA_gen(1024) : EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	FILE *f = fopen(path, "w");
	assert_non_null(k);
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	EVP_PKEY_free(k);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	(void)state;
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
	return 0;
}

static void test_keytable_parse(void **state)
{
	struct mkeys t;
	struct cad_err err = { "" };
	(void)state;
	mkeys_init(&t);
	assert_int_equal(mkeys_keytable_parse(&t,
		"# keys\n"
		"\n"
		"k1  Example.COM:sel-1:/etc/keys/k1.private   # trailing comment\n"
		"k2\tother.example:s2:/etc/keys/k2\n", "kt", &err), 0);
	assert_int_equal(t.nkeys, 2);
	assert_string_equal(t.keys[0].name, "k1");
	assert_string_equal(t.keys[0].domain, "example.com");
	assert_string_equal(t.keys[0].selector, "sel-1");
	assert_string_equal(t.keys[0].path, "/etc/keys/k1.private");
	assert_int_equal(t.keys[0].line, 3);
	assert_string_equal(t.keys[1].path, "/etc/keys/k2");
	mkeys_free(&t);
}

static void test_keytable_errors(void **state)
{
	static const struct { const char *text, *want; } bad[] = {
		{ "k1\n", "kt:1: expected two fields, found one" },
		{ "k1 a b\n", "kt:1: expected two fields, found more" },
		{ "k1 example.com:sel\n", "kt:1: key \"k1\": expected domain:selector:/path/to/key" },
		{ "k1 example.com:sel:keys/k1\n",
		  "kt:1: key \"k1\": the key must be an absolute file path" },
		{ "k1 example:sel:/k\n", "kt:1: key \"k1\": bad signing domain" },
		{ "k1 example.com:s l:/k\n", "kt:1: expected two fields, found more" },
		{ "k1 example.com:s!:/k\n", "kt:1: key \"k1\": bad selector" },
		{ "k1 example.com:s:/k\n\nk1 example.com:t:/k\n",
		  "kt:3: key \"k1\" defined twice (first on line 1)" },
	};
	(void)state;
	for (size_t i = 0; i < CAD_ARRAY_LEN(bad); i++) {
		struct mkeys t;
		struct cad_err err = { "" };
		mkeys_init(&t);
		assert_int_equal(mkeys_keytable_parse(&t, bad[i].text, "kt", &err), -1);
		assert_string_equal(err.msg, bad[i].want);
		assert_int_equal(t.nkeys, 0);
	}
}

static void load_tables(struct mkeys *t)
{
	struct cad_err err = { "" };
	mkeys_init(t);
	assert_int_equal(mkeys_keytable_parse(t,
		"dom   example.com:s1:/k/dom\n"
		"ann   example.com:s2:/k/ann\n"
		"sub   example.com:s3:/k/sub\n"
		"deep  example.com:s4:/k/deep\n"
		"other other.example:s5:/k/other\n", "kt", &err), 0);
	assert_int_equal(mkeys_signtable_parse(t,
		"*@example.com        dom\n"
		"Ann@Example.com      ann\n"
		"*.example.com        sub\n"
		"*@*.eu.example.com   deep\n"
		"other.example        other\n", "st", &err), 0);
}

static const char *key_for(const struct mkeys *t, const char *addr)
{
	const struct mkeys_key *k = mkeys_lookup(t, addr);
	return k != NULL ? k->name : NULL;
}

static void test_signtable_lookup(void **state)
{
	struct mkeys t;
	(void)state;
	load_tables(&t);
	assert_string_equal(key_for(&t, "ann@example.com"), "ann");        /* the address first */
	assert_string_equal(key_for(&t, "ANN@EXAMPLE.COM"), "ann");        /* any case */
	assert_string_equal(key_for(&t, "bob@example.com"), "dom");        /* then its domain */
	assert_string_equal(key_for(&t, "bob@us.example.com"), "sub");     /* then a parent's wildcard */
	assert_string_equal(key_for(&t, "bob@x.eu.example.com"), "deep");  /* nearest parent first */
	assert_string_equal(key_for(&t, "carol@other.example"), "other");  /* "domain" = "*@domain" */
	assert_null(key_for(&t, "carol@sub.other.example"));               /* no wildcard there */
	assert_null(key_for(&t, "dave@example.org"));
	assert_null(key_for(&t, "not-an-address"));
	assert_true(mkeys_has_domain(&t, "Example.com"));
	assert_true(mkeys_has_domain(&t, "a.example.com"));
	assert_false(mkeys_has_domain(&t, "example.org"));
	mkeys_free(&t);
}

static void test_signtable_errors(void **state)
{
	static const struct { const char *text, *want; } bad[] = {
		{ "*@example.com nokey\n", "st:1: key \"nokey\" is not in the KeyTable" },
		{ "*@example.com k1\n*@Example.com k1\n",
		  "st:2: pattern \"*@Example.com\" repeats line 1" },
		{ "ann@ k1\n", "st:1: pattern \"ann@\": not an address" },
		{ "*example.com k1\n", "st:1: pattern \"*example.com\": only \"addr\", \"*@domain\", "
				      "\"domain\" and \"*.domain\" are understood" },
		{ "*.*.example.com k1\n", "st:1: pattern \"*.*.example.com\": bad domain" },
		{ "example.com\n", "st:1: expected two fields, found one" },
	};
	(void)state;
	for (size_t i = 0; i < CAD_ARRAY_LEN(bad); i++) {
		struct mkeys t;
		struct cad_err err = { "" };
		mkeys_init(&t);
		assert_int_equal(mkeys_keytable_parse(&t, "k1 example.com:s:/k\n", "kt", &err), 0);
		assert_int_equal(mkeys_signtable_parse(&t, bad[i].text, "st", &err), -1);
		assert_string_equal(err.msg, bad[i].want);
		assert_int_equal(t.nentries, 0);
		mkeys_free(&t);
	}
}

static void test_load_keys(void **state)
{
	struct mkeys t;
	struct cad_err err = { "" };
	char *rsa = write_key("rsa.key", EVP_PKEY_RSA, 0600);
	char *ed = write_key("ed.key", EVP_PKEY_ED25519, 0640);   /* group-readable is fine */
	char *kt = xasprintf("r example.com:r:%s\ne ed.example:e:%s\n", rsa, ed);
	(void)state;
	mkeys_init(&t);
	assert_int_equal(mkeys_keytable_parse(&t, kt, "kt", &err), 0);
	assert_int_equal(mkeys_load_keys(&t, &err), 0);
	assert_int_equal(t.keys[0].alg, MKEYS_RSA);
	assert_int_equal(t.keys[1].alg, MKEYS_ED25519);
	assert_non_null(t.keys[0].pkey);
	assert_non_null(t.keys[1].pkey);
	mkeys_free(&t);
	free(kt);
	free(rsa);
	free(ed);
}

static void test_load_refusals(void **state)
{
	char *gw = write_key("gw.key", EVP_PKEY_RSA, 0620);
	char *ww = write_key("ww.key", EVP_PKEY_RSA, 0602);
	char *junk = xasprintf("%s/junk.key", dir);
	char *missing = xasprintf("%s/missing.key", dir);
	const char *paths[] = { gw, ww, junk, missing };
	const char *want[] = { "is group- or world-writable (mode 0620)",
			       "is group- or world-writable (mode 0602)",
			       "is not a PEM private key", "No such file or directory" };
	FILE *f = fopen(junk, "w");
	(void)state;
	assert_non_null(f);
	fputs("-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n", f);
	fclose(f);
	chmod(junk, 0600);
	for (size_t i = 0; i < CAD_ARRAY_LEN(paths); i++) {
		struct mkeys t;
		struct cad_err err = { "" };
		char *kt = xasprintf("k example.com:s:%s\n", paths[i]);
		mkeys_init(&t);
		assert_int_equal(mkeys_keytable_parse(&t, kt, "kt", &err), 0);
		assert_int_equal(mkeys_load_keys(&t, &err), -1);
		assert_non_null(strstr(err.msg, paths[i]));    /* the path is named */
		assert_non_null(strstr(err.msg, want[i]));
		mkeys_free(&t);
		free(kt);
	}
	free(gw);
	free(ww);
	free(junk);
	free(missing);
}

static void test_load_files(void **state)
{
	struct mkeys t;
	struct cad_err err = { "" };
	char *key = write_key("f.key", EVP_PKEY_RSA, 0600);
	char *ktp = xasprintf("%s/KeyTable", dir), *stp = xasprintf("%s/SigningTable", dir);
	FILE *f;
	(void)state;
	f = fopen(ktp, "w");
	fprintf(f, "k example.com:s:%s\n", key);
	fclose(f);
	f = fopen(stp, "w");
	fprintf(f, "*@example.com k\nbad line here\n");
	fclose(f);
	mkeys_init(&t);
	assert_int_equal(mkeys_load(&t, ktp, stp, &err), -1);
	assert_non_null(strstr(err.msg, "SigningTable:2: expected two fields"));
	assert_int_equal(t.nkeys, 0);
	f = fopen(stp, "w");
	fprintf(f, "*@example.com k\n");
	fclose(f);
	assert_int_equal(mkeys_load(&t, ktp, stp, &err), 0);
	assert_string_equal(mkeys_lookup(&t, "a@example.com")->selector, "s");
	mkeys_free(&t);
	free(key);
	free(ktp);
	free(stp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keytable_parse),
		cmocka_unit_test(test_keytable_errors),
		cmocka_unit_test(test_signtable_lookup),
		cmocka_unit_test(test_signtable_errors),
		cmocka_unit_test(test_load_keys),
		cmocka_unit_test(test_load_refusals),
		cmocka_unit_test(test_load_files),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
