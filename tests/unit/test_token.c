/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_token.c - unit tests for secret.c (loading, permissions, atomic
 * generation) and token.c (Message-IDs, unsubscribe and VERP tokens:
 * shape, verification, case, forgery, extraction from header values).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "token.h"
#include "secret.h"

static const char test_key[] = "0123456789abcdef0123456789abcdef";

static struct cad_secret make_secret(const char *key)
{
	struct cad_secret s;
	struct cad_err err;
	assert_int_equal(secret_set(&s, key, strlen(key), &err), 0);
	return s;
}

static void nonce_seq(unsigned char n[TOKEN_NONCE_BYTES])
{
	int i;
	for (i = 0; i < TOKEN_NONCE_BYTES; i++)
		n[i] = (unsigned char)i;
}

/* ---- secret ---- */

static char tmpdir[256];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/cadence-test-msgid-XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown_dir(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	(void)state;
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	free(cmd);
	return 0;
}

static char *write_file(const char *name, const char *content, size_t len, mode_t mode)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	int fd;
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static void test_secret_load_ok(void **state)
{
	struct cad_secret s;
	struct cad_err err;
	char *path = write_file("ok", "0123456789abcdef0123456789abcdef0123\r\n", 38, 0600);
	(void)state;
	assert_int_equal(secret_load(path, &s, &err), 0);
	assert_int_equal(s.len, 36);   /* the line end is not key material */
	assert_memory_equal(s.key, "0123456789abcdef0123456789abcdef0123", 36);
	secret_free(&s);
	assert_null(s.key);
	free(path);
}

static void assert_refused(const char *path, const char *why)
{
	struct cad_secret s;
	struct cad_err err;
	assert_int_equal(secret_load(path, &s, &err), -1);
	assert_null(s.key);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, why));
}

static void test_secret_refusals(void **state)
{
	char *path, big[SECRET_MAX_LEN + 10];
	(void)state;

	path = write_file("group", test_key, 32, 0640);
	assert_refused(path, "group or others");
	free(path);
	path = write_file("world", test_key, 32, 0604);
	assert_refused(path, "group or others");
	free(path);
	path = write_file("short", "too short\n", 10, 0600);
	assert_refused(path, "too short");
	free(path);
	memset(big, 'k', sizeof(big));
	path = write_file("big", big, sizeof(big), 0600);
	assert_refused(path, "too large");
	free(path);

	path = xasprintf("%s/dir", tmpdir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_refused(path, "not a regular file");
	free(path);
	path = xasprintf("%s/fifo", tmpdir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_refused(path, "not a regular file");   /* and does not block */
	free(path);
	path = xasprintf("%s/missing", tmpdir);
	assert_refused(path, "No such file");
	free(path);
}

static void test_secret_generate(void **state)
{
	struct cad_secret s, s2;
	struct cad_err err;
	struct stat st;
	char *path = xasprintf("%s/gen.key", tmpdir);
	DIR *dir;
	struct dirent *de;
	size_t i;
	(void)state;

	umask(022);   /* the file must come out 0600 whatever the umask */
	assert_int_equal(secret_generate(path, 0, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 2 * SECRET_GEN_BYTES + 1);
	assert_int_equal(secret_load(path, &s, &err), 0);
	assert_int_equal(s.len, 2 * SECRET_GEN_BYTES);
	for (i = 0; i < s.len; i++)
		assert_non_null(strchr("0123456789abcdef", s.key[i]));

	/* An existing secret is never replaced by accident. */
	assert_int_equal(secret_generate(path, 0, &err), -1);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "exists"));
	assert_int_equal(secret_load(path, &s2, &err), 0);
	assert_memory_equal(s.key, s2.key, s.len);
	secret_free(&s2);

	/* ... but is when asked, with fresh random bytes. */
	assert_int_equal(secret_generate(path, 1, &err), 0);
	assert_int_equal(secret_load(path, &s2, &err), 0);
	assert_int_equal(s2.len, s.len);
	assert_true(memcmp(s.key, s2.key, s.len) != 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	secret_free(&s);
	secret_free(&s2);
	free(path);

	/* No temporary file is left behind. */
	dir = opendir(tmpdir);
	assert_non_null(dir);
	while ((de = readdir(dir)) != NULL)
		assert_null(strstr(de->d_name, ".tmp"));
	closedir(dir);
}

static void test_secret_set_bounds(void **state)
{
	struct cad_secret s;
	struct cad_err err;
	(void)state;
	assert_int_equal(secret_set(&s, "short", 5, &err), -1);
	assert_non_null(strstr(err.msg, "too short"));
	assert_null(s.key);
}

/* ---- tokens ---- */

static void test_known_answer(void **state)
{
	/* Computed independently: Python's hmac module, base64.b32encode, lower(). */
	struct cad_secret s = make_secret(test_key);
	unsigned char n[TOKEN_NONCE_BYTES];
	char tok[TOKEN_BUFSZ];
	(void)state;
	nonce_seq(n);
	assert_int_equal(token_make(TOKEN_MSGID, &s, n, tok), 0);
	assert_string_equal(tok, "aaaqeayeaudaocajbifqydio.noueltkgdhkj2q44");
	assert_int_equal(token_make(TOKEN_UNSUB, &s, n, tok), 0);
	assert_string_equal(tok, "aaaqeayeaudaocajbifqydio.2tr4onfknuufdim7");
	assert_int_equal(token_make(TOKEN_VERP, &s, n, tok), 0);
	assert_string_equal(tok, "aaaqeayeaudaocajbifqydio.mf7hddjw6tbaco7a");
	secret_free(&s);
}

static void test_roundtrip_and_kinds(void **state)
{
	struct cad_secret s = make_secret(test_key);
	struct cad_err err;
	unsigned char n[TOKEN_NONCE_BYTES];
	char tok[TOKEN_BUFSZ], nonce[TOKEN_NONCE_CHARS + 1];
	enum token_kind k, other;
	(void)state;

	assert_int_equal(token_nonce_random(n, &err), 0);
	for (k = TOKEN_MSGID; k <= TOKEN_VERP; k++) {
		assert_int_equal(token_make(k, &s, n, tok), 0);
		assert_int_equal(strlen(tok), TOKEN_CHARS);
		assert_int_equal(token_verify(k, &s, tok, strlen(tok), nonce), TOKEN_VALID);
		assert_memory_equal(nonce, tok, TOKEN_NONCE_CHARS);
		assert_int_equal(nonce[TOKEN_NONCE_CHARS], '\0');
		/* A token of one kind is not a token of another. */
		for (other = TOKEN_MSGID; other <= TOKEN_VERP; other++)
			if (other != k)
				assert_int_equal(token_verify(other, &s, tok, strlen(tok), NULL),
				    TOKEN_BAD_MAC);
	}
	secret_free(&s);
}

static void test_forged_and_mistyped(void **state)
{
	struct cad_secret s = make_secret(test_key);
	struct cad_secret other = make_secret("another secret, also 32 bytes long!");
	unsigned char n[TOKEN_NONCE_BYTES];
	char tok[TOKEN_BUFSZ], bad[TOKEN_BUFSZ];
	size_t i;
	(void)state;

	nonce_seq(n);
	assert_int_equal(token_make(TOKEN_MSGID, &s, n, tok), 0);
	/* Made with another secret: shaped like ours, not ours. */
	assert_int_equal(token_verify(TOKEN_MSGID, &other, tok, TOKEN_CHARS, NULL), TOKEN_BAD_MAC);
	/* One character changed anywhere (nonce or MAC): not ours. */
	for (i = 0; i < TOKEN_CHARS; i++) {
		if (i == TOKEN_NONCE_CHARS)
			continue;
		memcpy(bad, tok, sizeof(bad));
		bad[i] = bad[i] == 'a' ? 'b' : 'a';
		assert_int_equal(token_verify(TOKEN_MSGID, &s, bad, TOKEN_CHARS, NULL),
		    TOKEN_BAD_MAC);
	}
	/* Not base32, wrong length, wrong separator: not even shaped like ours. */
	memcpy(bad, tok, sizeof(bad));
	bad[3] = '1';
	assert_int_equal(token_verify(TOKEN_MSGID, &s, bad, TOKEN_CHARS, NULL), TOKEN_MALFORMED);
	bad[3] = '8';
	assert_int_equal(token_verify(TOKEN_MSGID, &s, bad, TOKEN_CHARS, NULL), TOKEN_MALFORMED);
	assert_int_equal(token_verify(TOKEN_MSGID, &s, tok, TOKEN_CHARS - 1, NULL), TOKEN_MALFORMED);
	memcpy(bad, tok, sizeof(bad));
	bad[TOKEN_NONCE_CHARS] = '-';
	assert_int_equal(token_verify(TOKEN_MSGID, &s, bad, TOKEN_CHARS, NULL), TOKEN_MALFORMED);
	assert_int_equal(token_verify(TOKEN_MSGID, &s, "", 0, NULL), TOKEN_MALFORMED);
	secret_free(&s);
	secret_free(&other);
}

static void test_case_insensitive(void **state)
{
	struct cad_secret s = make_secret(test_key);
	unsigned char n[TOKEN_NONCE_BYTES];
	char tok[TOKEN_BUFSZ], up[TOKEN_BUFSZ], nonce[TOKEN_NONCE_CHARS + 1];
	char canon[TOKEN_BUFSZ];
	char *addr;
	size_t i;
	(void)state;

	nonce_seq(n);
	assert_int_equal(token_make(TOKEN_UNSUB, &s, n, tok), 0);
	for (i = 0; i < sizeof(tok); i++)
		up[i] = (char)(tok[i] >= 'a' && tok[i] <= 'z' ? tok[i] - 32 : tok[i]);
	assert_int_equal(token_verify(TOKEN_UNSUB, &s, up, TOKEN_CHARS, nonce), TOKEN_VALID);
	assert_memory_equal(nonce, tok, TOKEN_NONCE_CHARS);   /* canonical: lower case */
	addr = xasprintf("UNSUBSCRIBE+%s@EXAMPLE.COM", up);
	assert_int_equal(token_extract(TOKEN_UNSUB, &s, addr, canon, NULL), TOKEN_VALID);
	assert_string_equal(canon, tok);
	free(addr);
	secret_free(&s);
}

static void test_msgid_shape(void **state)
{
	struct cad_secret s = make_secret(test_key);
	struct cad_err err;
	unsigned char n1[TOKEN_NONCE_BYTES], n2[TOKEN_NONCE_BYTES];
	char *id1, *id1again, *id2, *at, nonce[TOKEN_NONCE_CHARS + 1];
	size_t i;
	(void)state;

	assert_int_equal(token_nonce_random(n1, &err), 0);
	assert_int_equal(token_nonce_random(n2, &err), 0);
	assert_true(memcmp(n1, n2, sizeof(n1)) != 0);
	id1 = msgid_make(&s, n1, "mail.example.com");
	id1again = msgid_make(&s, n1, "mail.example.com");
	id2 = msgid_make(&s, n2, "mail.example.com");
	assert_non_null(id1);
	assert_non_null(id2);
	assert_string_equal(id1, id1again);      /* pure: a resend keeps its id */
	assert_string_not_equal(id1, id2);
	at = strchr(id1, '@');
	assert_non_null(at);
	assert_int_equal(at - id1, TOKEN_CHARS);
	assert_string_equal(at + 1, "mail.example.com");
	for (i = 0; i < TOKEN_CHARS; i++)
		assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz234567.", id1[i]));
	assert_int_equal(id1[TOKEN_NONCE_CHARS], '.');

	assert_int_equal(msgid_verify(&s, id1, nonce), TOKEN_VALID);
	assert_memory_equal(nonce, id1, TOKEN_NONCE_CHARS);
	assert_null(msgid_make(&s, n1, ""));
	assert_null(msgid_make(&s, n1, "bad domain"));
	assert_null(msgid_make(&s, n1, "evil>\r\nBcc: x"));
	assert_null(msgid_make(&s, n1, NULL));
	free(id1);
	free(id1again);
	free(id2);
	secret_free(&s);
}

/* A test copy's Message-ID (sequence preview --send-to): made with the
 * secret, but never a sequence message's, so the milter's gate never
 * takes it, and a sequence message's is never a test copy's. */
static void test_msgid_test_copy(void **state)
{
	struct cad_secret s = make_secret(test_key), other = make_secret("fedcba9876543210fedcba9876543210");
	unsigned char n[TOKEN_NONCE_BYTES];
	char *seq, *test, *bracketed;
	(void)state;

	nonce_seq(n);
	seq = msgid_make(&s, n, "mail.example.com");
	test = msgid_make_test(&s, n, "mail.example.com");
	assert_non_null(test);
	assert_string_not_equal(seq, test);      /* same nonce, another label */
	assert_string_equal(token_kind_name(TOKEN_TEST), "test");
	assert_int_equal(msgid_verify_test(&s, test), TOKEN_VALID);
	bracketed = xasprintf(" <%s> ", test);
	assert_int_equal(msgid_verify_test(&s, bracketed), TOKEN_VALID);
	assert_int_equal(msgid_verify(&s, test, NULL), TOKEN_BAD_MAC);   /* no gate */
	assert_int_equal(msgid_verify_test(&s, seq), TOKEN_BAD_MAC);    /* control */
	assert_int_equal(msgid_verify(&s, seq, NULL), TOKEN_VALID);     /* control */
	assert_int_equal(msgid_verify_test(&other, test), TOKEN_BAD_MAC);
	assert_int_equal(msgid_verify_test(&s, "<rep-1@example.com>"), TOKEN_MALFORMED);
	assert_null(msgid_make_test(&s, n, "evil>\r\nBcc: x"));
	free(seq);
	free(test);
	free(bracketed);
	secret_free(&s);
	secret_free(&other);
}

static void test_extract(void **state)
{
	struct cad_secret s = make_secret(test_key);
	unsigned char n[TOKEN_NONCE_BYTES];
	char tok[TOKEN_BUFSZ], utok[TOKEN_BUFSZ], vtok[TOKEN_BUFSZ];
	char out[TOKEN_BUFSZ], nonce[TOKEN_NONCE_CHARS + 1];
	char *in, *id, *longs;
	(void)state;

	nonce_seq(n);
	assert_int_equal(token_make(TOKEN_MSGID, &s, n, tok), 0);
	assert_int_equal(token_make(TOKEN_UNSUB, &s, n, utok), 0);
	assert_int_equal(token_make(TOKEN_VERP, &s, n, vtok), 0);
	id = msgid_make(&s, n, "example.com");

	/* Message-IDs as they appear in headers. */
	in = xasprintf("<%s>", id);
	assert_int_equal(msgid_verify(&s, in, nonce), TOKEN_VALID);
	assert_memory_equal(nonce, tok, TOKEN_NONCE_CHARS);
	free(in);
	in = xasprintf("  \t<%s> (sent by cadence (really))\r\n", id);
	assert_int_equal(msgid_verify(&s, in, NULL), TOKEN_VALID);
	free(in);
	in = xasprintf("(a comment) %s", id);
	assert_int_equal(msgid_verify(&s, in, NULL), TOKEN_VALID);
	free(in);
	/* A well-formed id that is not ours, and one tampered with. */
	assert_int_equal(msgid_verify(&s, "<CAF=abc123@mail.gmail.com>", NULL), TOKEN_MALFORMED);
	in = xasprintf("<%s>", id);
	in[5] = in[5] == 'a' ? 'b' : 'a';
	assert_int_equal(msgid_verify(&s, in, NULL), TOKEN_BAD_MAC);
	free(in);

	/* Addresses. */
	in = xasprintf("unsubscribe+%s@example.com", utok);
	assert_int_equal(token_extract(TOKEN_UNSUB, &s, in, out, nonce), TOKEN_VALID);
	assert_string_equal(out, utok);
	assert_memory_equal(nonce, tok, TOKEN_NONCE_CHARS);   /* one nonce, three tokens */
	free(in);
	in = xasprintf("\"Bounce <handler>, (x)\" <bounces+%s@example.com> (VERP)", vtok);
	assert_int_equal(token_extract(TOKEN_VERP, &s, in, out, NULL), TOKEN_VALID);
	assert_string_equal(out, vtok);
	free(in);
	in = xasprintf("\"unsubscribe+%s\"@example.com", utok);
	assert_int_equal(token_extract(TOKEN_UNSUB, &s, in, out, NULL), TOKEN_VALID);
	free(in);
	/* The VERP token does not unsubscribe, and vice versa. */
	in = xasprintf("unsubscribe+%s@example.com", vtok);
	assert_int_equal(token_extract(TOKEN_UNSUB, &s, in, out, NULL), TOKEN_BAD_MAC);
	assert_string_equal(out, "");
	free(in);

	/* Junk. */
	assert_int_equal(token_extract(TOKEN_UNSUB, &s, "", out, NULL), TOKEN_MALFORMED);
	assert_int_equal(token_extract(TOKEN_UNSUB, &s, "<>", out, NULL), TOKEN_MALFORMED);
	assert_int_equal(token_extract(TOKEN_UNSUB, &s, "no at sign", out, NULL), TOKEN_MALFORMED);
	assert_int_equal(token_extract(TOKEN_UNSUB, &s, "(unclosed <a@b>", out, NULL), TOKEN_MALFORMED);
	assert_int_equal(token_extract(TOKEN_UNSUB, &s, "<a@b", out, NULL), TOKEN_MALFORMED);
	assert_int_equal(token_extract(TOKEN_UNSUB, &s, NULL, out, NULL), TOKEN_MALFORMED);
	longs = xmalloc(TOKEN_INPUT_MAX + 100);
	memset(longs, ' ', TOKEN_INPUT_MAX + 99);
	longs[TOKEN_INPUT_MAX + 99] = '\0';
	memcpy(longs + TOKEN_INPUT_MAX + 10, id, strlen(id));
	assert_int_equal(msgid_verify(&s, longs, NULL), TOKEN_MALFORMED);
	free(longs);
	free(id);
	secret_free(&s);
}

static void test_addresses_and_urls(void **state)
{
	struct cad_secret s = make_secret(test_key);
	unsigned char n[TOKEN_NONCE_BYTES];
	char tok[TOKEN_BUFSZ], out[TOKEN_BUFSZ];
	char *a, *u, *want;
	(void)state;

	nonce_seq(n);
	assert_int_equal(token_make(TOKEN_UNSUB, &s, n, tok), 0);
	a = token_address("unsubscribe", tok, "sales.example");
	want = xasprintf("unsubscribe+%s@sales.example", tok);
	assert_string_equal(a, want);
	assert_true(cad_addr_valid(a));
	assert_true(strchr(a, '@') - a <= 64);   /* fits a local part */
	assert_int_equal(token_extract(TOKEN_UNSUB, &s, a, out, NULL), TOKEN_VALID);
	free(a);
	free(want);
	assert_null(token_address("un subscribe", tok, "sales.example"));
	assert_null(token_address("unsubscribe", tok, "bad domain"));
	assert_null(token_address("", tok, "sales.example"));
	assert_null(token_address("a-very-long-prefix-that-will-not-fit", tok, "sales.example"));

	u = token_unsub_url("https://cadence.sales.example/", tok);
	want = xasprintf("https://cadence.sales.example/u/%s", tok);
	assert_string_equal(u, want);
	free(u);
	u = token_unsub_url("https://cadence.sales.example", tok);
	assert_string_equal(u, want);
	free(u);
	free(want);
	assert_null(token_unsub_url("ftp://x.example", tok));
	assert_null(token_unsub_url("https://x.example/\r\nBcc:", tok));
	assert_null(token_unsub_url(NULL, tok));
	secret_free(&s);
}

int main(void)
{
	const struct CMUnitTest secret_tests[] = {
		cmocka_unit_test(test_secret_load_ok),
		cmocka_unit_test(test_secret_refusals),
		cmocka_unit_test(test_secret_generate),
		cmocka_unit_test(test_secret_set_bounds),
	};
	const struct CMUnitTest token_tests[] = {
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_roundtrip_and_kinds),
		cmocka_unit_test(test_forged_and_mistyped),
		cmocka_unit_test(test_case_insensitive),
		cmocka_unit_test(test_msgid_shape),
		cmocka_unit_test(test_msgid_test_copy),
		cmocka_unit_test(test_extract),
		cmocka_unit_test(test_addresses_and_urls),
	};
	int rc = cmocka_run_group_tests_name("secret", secret_tests, setup_dir, teardown_dir);
	return rc + cmocka_run_group_tests_name("msgid", token_tests, NULL, NULL);
}
