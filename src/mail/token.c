/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * token.c - making and verifying cadence's tokens (see token.h).
 *
 * HMAC comes from OpenSSL; the only hand-written parts are base32 (a
 * table lookup) and the small lexer that finds the addr-spec inside a
 * header value. Token lengths are whole multiples of 5 bytes, so base32
 * has no padding and no spare bits: every token has exactly one text.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "token.h"

static const char b32_alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

const char *token_kind_name(enum token_kind kind)
{
	switch (kind) {
	case TOKEN_MSGID: return "msgid";
	case TOKEN_UNSUB: return "unsub";
	case TOKEN_VERP: return "verp";
	case TOKEN_TEST: return "test";
	}
	return "?";
}

const char *token_verdict_name(enum token_verdict v)
{
	switch (v) {
	case TOKEN_VALID: return "valid";
	case TOKEN_BAD_MAC: return "bad MAC (forged or mistyped)";
	case TOKEN_MALFORMED: return "malformed";
	}
	return "?";
}

/* n must be a multiple of 5; writes n / 5 * 8 characters, no NUL. */
static void b32_encode(const unsigned char *in, size_t n, char *out)
{
	size_t i;
	int j;
	uint64_t v;

	for (i = 0; i < n; i += 5) {
		v = (uint64_t)in[i] << 32 | (uint64_t)in[i + 1] << 24 |
		    (uint64_t)in[i + 2] << 16 | (uint64_t)in[i + 3] << 8 | in[i + 4];
		for (j = 7; j >= 0; j--) {
			out[j] = b32_alphabet[v & 31];
			v >>= 5;
		}
		out += 8;
	}
}

static int b32_value(char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

/* Decodes nchars (a multiple of 8) characters; -1 on a bad character. */
static int b32_decode(const char *in, size_t nchars, unsigned char *out)
{
	size_t i;
	int j, d;
	uint64_t v;

	for (i = 0; i < nchars; i += 8) {
		v = 0;
		for (j = 0; j < 8; j++) {
			d = b32_value(in[i + (size_t)j]);
			if (d < 0)
				return -1;
			v = v << 5 | (uint64_t)d;
		}
		for (j = 4; j >= 0; j--) {
			out[j] = (unsigned char)(v & 0xff);
			v >>= 8;
		}
		out += 5;
	}
	return 0;
}

int token_nonce_random(unsigned char nonce[TOKEN_NONCE_BYTES], struct cad_err *err)
{
	if (RAND_bytes(nonce, TOKEN_NONCE_BYTES) != 1)
		return cad_err_set(err, "OpenSSL RAND_bytes failed");
	return 0;
}

/* mac = HMAC-SHA256(secret, label ":" nonce), truncated. */
static int token_mac(enum token_kind kind, const struct cad_secret *secret,
    const unsigned char nonce[TOKEN_NONCE_BYTES], unsigned char mac[TOKEN_MAC_BYTES])
{
	unsigned char data[16 + TOKEN_NONCE_BYTES];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const char *label = token_kind_name(kind);
	size_t llen = strlen(label);

	if (secret == NULL || secret->key == NULL || secret->len == 0)
		return -1;
	memcpy(data, label, llen);
	data[llen] = ':';
	memcpy(data + llen + 1, nonce, TOKEN_NONCE_BYTES);
	if (HMAC(EVP_sha256(), secret->key, (int)secret->len, data,
	    llen + 1 + TOKEN_NONCE_BYTES, md, &mdlen) == NULL || mdlen < TOKEN_MAC_BYTES)
		return -1;
	memcpy(mac, md, TOKEN_MAC_BYTES);
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

int token_make(enum token_kind kind, const struct cad_secret *secret,
    const unsigned char nonce[TOKEN_NONCE_BYTES], char out[TOKEN_BUFSZ])
{
	unsigned char mac[TOKEN_MAC_BYTES];

	out[0] = '\0';
	if (token_mac(kind, secret, nonce, mac) < 0)
		return -1;
	b32_encode(nonce, TOKEN_NONCE_BYTES, out);
	out[TOKEN_NONCE_CHARS] = '.';
	b32_encode(mac, TOKEN_MAC_BYTES, out + TOKEN_NONCE_CHARS + 1);
	out[TOKEN_CHARS] = '\0';
	return 0;
}

enum token_verdict token_verify(enum token_kind kind, const struct cad_secret *secret,
    const char *s, size_t len, char nonce_out[TOKEN_NONCE_CHARS + 1])
{
	unsigned char nonce[TOKEN_NONCE_BYTES];
	unsigned char mac[TOKEN_MAC_BYTES], want[TOKEN_MAC_BYTES];
	size_t i;

	if (s == NULL || len != TOKEN_CHARS || s[TOKEN_NONCE_CHARS] != '.')
		return TOKEN_MALFORMED;
	if (b32_decode(s, TOKEN_NONCE_CHARS, nonce) < 0 ||
	    b32_decode(s + TOKEN_NONCE_CHARS + 1, TOKEN_MAC_CHARS, mac) < 0)
		return TOKEN_MALFORMED;
	if (token_mac(kind, secret, nonce, want) < 0)
		return TOKEN_BAD_MAC;
	if (CRYPTO_memcmp(mac, want, TOKEN_MAC_BYTES) != 0)
		return TOKEN_BAD_MAC;
	if (nonce_out != NULL) {
		for (i = 0; i < TOKEN_NONCE_CHARS; i++)
			nonce_out[i] = b32_alphabet[b32_value(s[i])];
		nonce_out[TOKEN_NONCE_CHARS] = '\0';
	}
	return TOKEN_VALID;
}

int token_convert(enum token_kind from, enum token_kind to, const struct cad_secret *secret,
    const char *token, char out[TOKEN_BUFSZ])
{
	unsigned char nonce[TOKEN_NONCE_BYTES];

	if (token_verify(from, secret, token, token ? strlen(token) : 0, NULL) != TOKEN_VALID
	    || b32_decode(token, TOKEN_NONCE_CHARS, nonce) < 0)
		return -1;
	return token_make(to, secret, nonce, out);
}

char *msgid_make(const struct cad_secret *secret,
    const unsigned char nonce[TOKEN_NONCE_BYTES], const char *domain)
{
	char tok[TOKEN_BUFSZ];

	if (!cad_domain_valid(domain) || token_make(TOKEN_MSGID, secret, nonce, tok) < 0)
		return NULL;
	return xasprintf("%s@%s", tok, domain);
}

char *msgid_make_test(const struct cad_secret *secret,
    const unsigned char nonce[TOKEN_NONCE_BYTES], const char *domain)
{
	char tok[TOKEN_BUFSZ];

	if (!cad_domain_valid(domain) || token_make(TOKEN_TEST, secret, nonce, tok) < 0)
		return NULL;
	return xasprintf("%s@%s", tok, domain);
}

enum token_verdict msgid_verify_test(const struct cad_secret *secret, const char *s)
{
	return token_extract(TOKEN_TEST, secret, s, NULL, NULL);
}

char *token_address(const char *prefix, const char *token, const char *domain)
{
	const char *p;

	if (prefix == NULL || *prefix == '\0' || token == NULL || !cad_domain_valid(domain))
		return NULL;
	for (p = prefix; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			return NULL;
	if (strlen(prefix) + 1 + strlen(token) > 64)   /* RFC 5321 local-part limit */
		return NULL;
	return xasprintf("%s+%s@%s", prefix, token, domain);
}

char *token_unsub_url(const char *public_url, const char *token)
{
	const unsigned char *p;
	size_t n;

	if (public_url == NULL || token == NULL ||
	    (!cad_startswith_ci(public_url, "https://") &&
	    !cad_startswith_ci(public_url, "http://")))
		return NULL;
	for (p = (const unsigned char *)public_url; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '<' || *p == '>' || *p == '"')
			return NULL;
	n = strlen(public_url);
	if (n > 0 && public_url[n - 1] == '/')
		n--;
	return xasprintf("%.*s/u/%s", (int)n, public_url, token);
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Copies s into out without (comments), honouring quoted strings and
 * quoted pairs, and returns in *angle the offset in out just after the
 * last '<' outside quotes (or -1). -1 on unbalanced input.
 */
static int strip_comments(const char *s, struct sbuf *out, long *angle, long *angle_end)
{
	int depth = 0, quoted = 0;
	const char *p;

	*angle = -1;
	*angle_end = -1;
	for (p = s; *p != '\0'; p++) {
		if (*p == '\\' && (depth > 0 || quoted)) {
			if (p[1] == '\0')
				return -1;
			p++;
			if (depth == 0)
				sbuf_addc(out, *p);
			continue;
		}
		if (depth > 0) {
			if (*p == '(')
				depth++;
			else if (*p == ')')
				depth--;
			continue;
		}
		if (quoted) {
			if (*p == '"')
				quoted = 0;
			sbuf_addc(out, *p);
			continue;
		}
		switch (*p) {
		case '(':
			depth = 1;
			break;
		case ')':
			return -1;
		case '"':
			quoted = 1;
			sbuf_addc(out, *p);
			break;
		case '<':
			*angle = (long)out->len + 1;
			*angle_end = -1;
			sbuf_addc(out, *p);
			break;
		case '>':
			if (*angle >= 0 && *angle_end < 0)
				*angle_end = (long)out->len;
			sbuf_addc(out, *p);
			break;
		default:
			sbuf_addc(out, *p);
		}
	}
	return depth == 0 && !quoted ? 0 : -1;
}

enum token_verdict token_extract(enum token_kind kind, const struct cad_secret *secret,
    const char *s, char token_out[TOKEN_BUFSZ], char nonce_out[TOKEN_NONCE_CHARS + 1])
{
	struct sbuf clean;
	long angle, angle_end;
	char *spec, *end, *at, *plus, *local;
	enum token_verdict v = TOKEN_MALFORMED;
	size_t i;

	if (token_out != NULL)
		token_out[0] = '\0';
	if (s == NULL || strnlen(s, TOKEN_INPUT_MAX + 1) > TOKEN_INPUT_MAX)
		return TOKEN_MALFORMED;
	sbuf_init(&clean);
	if (strip_comments(s, &clean, &angle, &angle_end) < 0)
		goto out;
	if (angle >= 0) {
		if (angle_end < 0)
			goto out;
		clean.s[angle_end] = '\0';
		spec = clean.s + angle;
	} else {
		spec = clean.s;
	}
	while (is_ws(*spec))
		spec++;
	end = spec + strlen(spec);
	while (end > spec && is_ws(end[-1]))
		*--end = '\0';
	at = strrchr(spec, '@');
	if (at == NULL || at == spec)
		goto out;
	*at = '\0';
	local = spec;
	/* "unsubscribe+TOKEN"@domain: an over-careful client may quote it. */
	if (local[0] == '"' && at - local >= 2 && at[-1] == '"') {
		at[-1] = '\0';
		local++;
	}
	plus = strrchr(local, '+');
	if (plus != NULL)
		local = plus + 1;
	v = token_verify(kind, secret, local, strlen(local), nonce_out);
	if (v == TOKEN_VALID && token_out != NULL) {
		for (i = 0; i < TOKEN_CHARS; i++)
			token_out[i] = (char)(local[i] == '.' ? '.' :
			    b32_alphabet[b32_value(local[i])]);
		token_out[TOKEN_CHARS] = '\0';
	}
out:
	sbuf_free(&clean);
	return v;
}

enum token_verdict msgid_verify(const struct cad_secret *secret, const char *s,
    char nonce_out[TOKEN_NONCE_CHARS + 1])
{
	return token_extract(TOKEN_MSGID, secret, s, NULL, nonce_out);
}
