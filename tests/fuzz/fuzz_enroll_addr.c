/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_enroll_addr.c - libFuzzer target for the parsing of cadence's own
 * addresses in envelope recipients and address headers
 * (src/inbound_own.c: inbound_own_address, inbound_addr_spec):
 * enroll+ARG@Domain, unsubscribe+TOKEN@Domain, bounces+TOKEN@Domain.
 *
 * The first byte of the input chooses a mode:
 * - even: the rest is a recipient as the network gives it. Beyond the
 *   sanitizers (the input is an exact-size heap copy, so a read past its
 *   NUL is caught) the contract of inbound.h is checked: an ENROLL arg is
 *   1..INBOUND_ENROLL_ARG_MAX bytes of its charset, appears in the input as
 *   written and round-trips (enroll+ARG@Domain, in any case, in angle
 *   brackets, parses to the same arg); a valid UNSUB/BOUNCE token is
 *   canonical, verifies, and round-trips through token_address(); every
 *   other result carries no arg; inbound_addr_spec() gives NULL or a
 *   lower-case addr-spec that parses to itself.
 * - odd: bytes 1..15 are a nonce, byte 16 picks the kind and the case of
 *   the address, the rest is a display name (or, for enroll, mapped to an
 *   argument): the address cadence would build must parse back to exactly
 *   that kind and token (the fuzzer cannot forge MACs, so valid tokens
 *   come from here); the same address under another secret must not verify.
 * Seeds: tests/fuzz/enroll_addr_seeds.
 */
#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "inbound.h"
#include "token.h"
#include "secret.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DOMAIN "cadence.test"
static const struct inbound_addrs addrs = { DOMAIN, "enroll", "unsubscribe", "bounces" };
static struct cad_secret secret, other;

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static void setup(void)
{
	static const char k1[] = "fuzzing-secret-fuzzing-secret-0123456789";
	static const char k2[] = "another-secret-another-secret-0123456789";
	if (secret_set(&secret, k1, sizeof(k1) - 1, NULL) < 0
	    || secret_set(&other, k2, sizeof(k2) - 1, NULL) < 0)
		abort();
}

/* The charset of an enroll argument, written out independently of
 * inbound_own.c: RFC 5322 atext, '.', UTF-8 bytes. */
static int arg_char(unsigned char c)
{
	static const char atext[] = "!#$%&'*+-/=?^_`{|}~.";
	return c >= 0x80 || isalnum(c) || (c != '\0' && strchr(atext, c) != NULL);
}

static enum inbound_own parse(const char *s, const struct cad_secret *sec,
			      struct inbound_own_addr *o)
{
	/* an exact-size copy: ASan sees a read past the NUL */
	size_t n = strlen(s);
	char *c = xmalloc(n + 1);
	enum inbound_own k;
	memcpy(c, s, n + 1);
	k = inbound_own_address(&addrs, sec, c, o);
	free(c);
	return k;
}

static void check_enroll(const char *input, const struct inbound_own_addr *o)
{
	size_t n = strlen(o->arg);
	struct inbound_own_addr o2;
	char *a;

	CHECK(n >= 1 && n <= INBOUND_ENROLL_ARG_MAX && o->token_valid == 0);
	for (size_t i = 0; i < n; i++)
		CHECK(arg_char((unsigned char)o->arg[i]));
	CHECK(strstr(input, o->arg) != NULL);
	a = xasprintf("enroll+%s@" DOMAIN, o->arg);
	CHECK(parse(a, &secret, &o2) == OWN_ENROLL && strcmp(o2.arg, o->arg) == 0);
	free(a);
	a = xasprintf("Rep <ENROLL+%s@CADENCE.Test>", o->arg);
	CHECK(parse(a, NULL, &o2) == OWN_ENROLL && strcmp(o2.arg, o->arg) == 0);
	free(a);
}

static void check_token(enum inbound_own k, const struct inbound_own_addr *o)
{
	enum token_kind tk = k == OWN_UNSUB ? TOKEN_UNSUB : TOKEN_VERP;
	struct inbound_own_addr o2;
	char *a;

	if (!o->token_valid) {
		CHECK(o->arg[0] == '\0');
		return;
	}
	CHECK(strlen(o->arg) == TOKEN_CHARS);
	for (const char *p = o->arg; *p; p++)
		CHECK(!isupper((unsigned char)*p));
	CHECK(token_verify(tk, &secret, o->arg, TOKEN_CHARS, NULL) == TOKEN_VALID);
	a = token_address(k == OWN_UNSUB ? addrs.unsub_prefix : addrs.bounce_prefix, o->arg,
			  DOMAIN);
	CHECK(a != NULL);
	CHECK(parse(a, &secret, &o2) == k && o2.token_valid && strcmp(o2.arg, o->arg) == 0);
	CHECK(parse(a, &other, &o2) == k && !o2.token_valid && o2.arg[0] == '\0');
	free(a);
}

static void check_spec(const char *input)
{
	char *a = inbound_addr_spec(input), *b;
	if (a == NULL)
		return;
	CHECK(strchr(a, '@') != NULL && strpbrk(a, " \t<>") == NULL);
	CHECK(strlen(a) <= strlen(input) && *a != '\0');
	for (const char *p = a; *p; p++)
		CHECK(!isupper((unsigned char)*p));
	b = inbound_addr_spec(a);
	CHECK(b != NULL && strcmp(a, b) == 0);
	free(b);
	free(a);
}

static void free_mode(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);   /* stops at a NUL, as a header would */
	struct inbound_own_addr o;
	struct inbound_addrs none = { DOMAIN, NULL, "", NULL };
	enum inbound_own k = parse(s, &secret, &o);

	switch (k) {
	case OWN_NONE:
		CHECK(o.arg[0] == '\0' && o.token_valid == 0);
		break;
	case OWN_ENROLL:
		check_enroll(s, &o);
		break;
	case OWN_UNSUB:
	case OWN_BOUNCE:
		check_token(k, &o);
		break;
	default:
		CHECK(0);
	}
	if (k != OWN_NONE)
		CHECK(strcasestr(s, "@" DOMAIN) != NULL);
	/* without prefixes nothing is ours */
	CHECK(inbound_own_address(&none, &secret, s, &o) == OWN_NONE);
	check_spec(s);
	free(s);
}

/* Upper-cases the bytes of s whose bit in mask (cycled) is set. */
static void flip_case(char *s, unsigned mask)
{
	for (size_t i = 0; s[i]; i++)
		if (mask >> (i % 8) & 1u)
			s[i] = (char)toupper((unsigned char)s[i]);
}

static void built_mode(const uint8_t *data, size_t size)
{
	unsigned char nonce[TOKEN_NONCE_BYTES];
	char tok[TOKEN_BUFSZ];
	struct inbound_own_addr o;
	unsigned sel;
	char *name, *addr, *full;
	size_t n;

	if (size < 2 + TOKEN_NONCE_BYTES)
		return;
	memcpy(nonce, data + 1, TOKEN_NONCE_BYTES);
	sel = data[1 + TOKEN_NONCE_BYTES];
	n = size - 2 - TOKEN_NONCE_BYTES;
	if (n > 1000)
		n = 1000;
	name = xstrndup((const char *)data + 2 + TOKEN_NONCE_BYTES, n);
	if (sel % 3 == 2) {
		/* enroll: the name's bytes mapped into the charset */
		static const char cs[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					 "0123456789!#$%&'*+-/=?^_`{|}~.\xc3\xa9";
		size_t len = strlen(name);
		if (len == 0 || len > INBOUND_ENROLL_ARG_MAX) {
			free(name);
			return;
		}
		for (size_t i = 0; i < len; i++)
			name[i] = cs[(unsigned char)name[i] % (sizeof(cs) - 1)];
		addr = xasprintf("<enroll+%s@" DOMAIN ">", name);
		flip_case(addr + len + 8, sel >> 2);   /* the domain only: the arg keeps its case */
		CHECK(parse(addr, &secret, &o) == OWN_ENROLL && strcmp(o.arg, name) == 0);
		free(addr);
		free(name);
		return;
	}
	enum token_kind tk = sel % 3 == 0 ? TOKEN_UNSUB : TOKEN_VERP;
	enum inbound_own k = tk == TOKEN_UNSUB ? OWN_UNSUB : OWN_BOUNCE;
	CHECK(token_make(tk, &secret, nonce, tok) == 0);
	addr = token_address(tk == TOKEN_UNSUB ? addrs.unsub_prefix : addrs.bounce_prefix, tok,
			     DOMAIN);
	CHECK(addr != NULL);
	flip_case(addr, sel >> 2);   /* MTAs and clients may change case */
	full = strchr(name, '<') || strchr(name, '>') ? xasprintf("<%s>", addr)
						      : xasprintf("%s <%s>", name, addr);
	CHECK(parse(full, &secret, &o) == k && o.token_valid && strcmp(o.arg, tok) == 0);
	CHECK(parse(full, &other, &o) == k && !o.token_valid);
	/* the other kind's token in this address never verifies */
	CHECK(token_extract(tk == TOKEN_UNSUB ? TOKEN_VERP : TOKEN_UNSUB, &secret, full, NULL,
			    NULL) != TOKEN_VALID);
	free(full);
	free(addr);
	free(name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (secret.key == NULL)
		setup();
	if (size == 0)
		return 0;
	if (data[0] & 1)
		built_mode(data, size);
	else
		free_mode(data + 1, size - 1);
	return 0;
}
