/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * msign.c - DKIM signing, relaxed/relaxed (RFC 6376 3.4.2, 3.4.4),
 * rsa-sha256 and ed25519-sha256 (RFC 8463), with OpenSSL (see msign.h).
 *
 * Why not libopendkim here (DESIGN.md rule 7 prefers it): dkim_sign()
 * takes the private key as text (PEM, or base64 DER) on every message and
 * decodes it at the end of each one (dkim_privkey_load: OpenSSL 3's
 * decoders, then a legacy RSA copy, then a fresh RSA context whose
 * Montgomery and blinding values are recomputed): about 2.5 ms of CPU per
 * message on the bench machine against about 0.7 ms for the RSA-2048
 * signature itself with a key decoded once (bench/README.md, "Milter
 * throughput"), and it has no way to take an already decoded key. So the
 * canonicalization and hashes are done here, in one pass with no copy of
 * the body, and the key decoded once at load (mkeys.c) signs. What is
 * signed is what libopendkim signed: every header field in order (h= as
 * the fields are named in the message) plus From once more (oversigned),
 * t= the signing time, the same tag order and folding. libopendkim stays
 * the verifier: tests/milter (t-sign, both algorithms) and
 * tests/unit/test_milter_sign verify these signatures with it, edge cases
 * of canonicalization included; inbound verification is libopendkim's.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "msign.h"

#define SIGN_FOLD 76         /* fold the header value's lines near this width */
/* A folded line ends with a bare LF: a milter inserts headers with LF
 * line breaks and the MTA writes them out as CRLF (libmilter, Postfix);
 * a CR here would reach the mailbox and the next hop as a stray CR.
 * Relaxed canonicalization unfolds, so the hash is the same either way. */
#define SIGN_NL "\n"

struct sign_hdr {
	size_t off, len;         /* its canonical line in canon ("name:value\r\n") */
	size_t namelen;          /* the lowercased name's length (before ':') */
	size_t raw_off, raw_len; /* its name as written, in names */
	int used;
};

struct msign {
	const struct mkeys_key *key;  /* the configuration outlives the message */
	struct sbuf canon;       /* canonical header lines, in order */
	struct sbuf names;       /* header names as written, in order */
	struct sign_hdr *h;
	size_t nh, caph;
	EVP_MD_CTX *body;        /* SHA-256 of the canonical body */
	/* relaxed body canonicalization, streamed: */
	int wsp;                 /* whitespace seen in the line, not yet written */
	int cr;                  /* a CR seen, its meaning not yet known */
	int line;                /* the current line has content */
	int any;                 /* some content was written */
	size_t crlfs;            /* line ends not yet written (empty lines at the end are dropped) */
	unsigned char out[4096]; /* canonical bytes on their way to the hash */
	size_t nout;
};

static time_t fixed_time;   /* tests: a fixed t= (msign_set_time) */

void msign_set_time(time_t t)
{
	fixed_time = t;
}

int msign_init(struct cad_err *err)
{
	(void)err;
	return 0;
}

void msign_shutdown(void)
{
}

static int ssl_fail(const char *what, struct cad_err *err)
{
	return cad_err_set(err, "DKIM %s: OpenSSL failed", what);
}

struct msign *msign_new(const struct mkeys_key *key, const char *jobid,
				    struct cad_err *err)
{
	struct msign *s;
	(void)jobid;
	if (key == NULL || key->pkey == NULL) {
		cad_err_set(err, "DKIM sign setup: the key is not loaded");
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->key = key;
	sbuf_init(&s->canon);
	sbuf_init(&s->names);
	s->body = EVP_MD_CTX_new();
	if (s->body == NULL || EVP_DigestInit_ex(s->body, EVP_sha256(), NULL) != 1) {
		ssl_fail("sign setup", err);
		msign_free(s);
		return NULL;
	}
	return s;
}

/* Relaxed header canonicalization of one field into b: the name lowercased
 * without whitespace, ':', the value unfolded (CR and LF removed), each run
 * of whitespace one space, none at either end, CRLF when crlf. */
static void canon_header(struct sbuf *b, const char *name, size_t namelen, const char *value,
			 int crlf)
{
	char tmp[512];
	size_t n = 0;
	int space = 0, started = 0;
#define PUT(c)                                          \
	do {                                            \
		if (n == sizeof(tmp)) {                 \
			sbuf_add(b, tmp, n);            \
			n = 0;                          \
		}                                       \
		tmp[n++] = (char)(c);                   \
	} while (0)
	for (size_t i = 0; i < namelen; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		PUT(c < 0x80 ? tolower(c) : c);
	}
	PUT(':');
	for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\v' ||
		    *p == '\f') {
			space = started;
			continue;
		}
		if (space)
			PUT(' ');
		space = 0;
		started = 1;
		PUT(*p);
	}
	if (crlf) {
		PUT('\r');
		PUT('\n');
	}
	sbuf_add(b, tmp, n);
#undef PUT
}

int msign_header(struct msign *s, const char *name, const char *value,
		       int leadspc, struct cad_err *err)
{
	struct sign_hdr *h;
	size_t off = s->canon.len, namelen = strlen(name);
	(void)leadspc;   /* leading whitespace of a value is dropped either way */
	(void)err;
	cad_grow(&s->h, &s->caph, s->nh + 1, sizeof(*s->h));
	canon_header(&s->canon, name, namelen, value, 1);
	h = &s->h[s->nh++];
	h->off = off;
	h->len = s->canon.len - off;
	h->namelen = (size_t)((const char *)memchr(s->canon.s + off, ':', h->len) -
			      (s->canon.s + off));
	h->raw_off = s->names.len;
	h->raw_len = namelen;
	h->used = 0;
	sbuf_add(&s->names, name, namelen);
	return 0;
}

int msign_eoh(struct msign *s, struct cad_err *err)
{
	(void)s;
	(void)err;
	return 0;
}

static int out_flush(struct msign *s)
{
	int ok = s->nout == 0 || EVP_DigestUpdate(s->body, s->out, s->nout) == 1;
	s->nout = 0;
	return ok;
}

#define OUT(s, c)                                                        \
	do {                                                             \
		if ((s)->nout == sizeof((s)->out) && !out_flush(s))      \
			return -1;                                       \
		(s)->out[(s)->nout++] = (unsigned char)(c);              \
	} while (0)

/* A byte of line content (not whitespace, not a line end): the pending
 * line ends and whitespace go first. */
static int body_content(struct msign *s, unsigned char c)
{
	for (; s->crlfs > 0; s->crlfs--) {
		OUT(s, '\r');
		OUT(s, '\n');
	}
	if (s->wsp)
		OUT(s, ' ');
	s->wsp = 0;
	OUT(s, c);
	s->line = 1;
	s->any = 1;
	return 0;
}

/* Relaxed body canonicalization, streamed: whitespace runs become one
 * space, whitespace at the end of a line goes, a line ends at CRLF, empty
 * lines at the end of the body go; written to the hash as it goes. A lone
 * LF is content and a lone CR is dropped (CR CR: one is kept), as in
 * libopendkim, so that its verifier agrees on such bodies. */
int msign_body(struct msign *s, const void *p, size_t n, struct cad_err *err)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = b[i];
		if (s->cr) {
			if (c == '\r') {   /* CR CR: the first is content */
				if (body_content(s, '\r') != 0)
					return ssl_fail("body", err);
				continue;
			}
			s->cr = 0;
			if (c == '\n') {
				s->crlfs++;
				s->wsp = 0;
				s->line = 0;
				continue;
			}
			/* a lone CR before anything else is dropped, as
			 * libopendkim's relaxed canonicalization drops it */
		}
		if (c == '\r')
			s->cr = 1;
		else if (c == ' ' || c == '\t')
			s->wsp = 1;
		else if (body_content(s, c) != 0)
			return ssl_fail("body", err);
	}
	return 0;
}

static int body_finish(struct msign *s)
{
	if (s->cr) {
		s->cr = 0;
		if (body_content(s, '\r') != 0)
			return -1;
	}
	/* one CRLF ends the last line: the body's own, or the one RFC 6376
	 * adds to a body that does not end with one; none for an empty body */
	if (s->any) {
		OUT(s, '\r');
		OUT(s, '\n');
	}
	return out_flush(s) ? 0 : -1;
}

static void b64(struct sbuf *b, const unsigned char *p, size_t n)
{
	size_t need = 4 * ((n + 2) / 3) + 1;
	char *tmp = xmalloc(need);
	int len = EVP_EncodeBlock((unsigned char *)tmp, p, (int)n);
	sbuf_add(b, tmp, len > 0 ? (size_t)len : 0);
	free(tmp);
}

/* The h= list (names as written, then "from" oversigned), folded at the
 * colons like libopendkim; *col is the current column. */
static void add_hlist(struct msign *s, struct sbuf *v, size_t *col)
{
	for (size_t i = 0; i <= s->nh; i++) {
		const char *nm = i < s->nh ? s->names.s + s->h[i].raw_off : "from";
		size_t len = i < s->nh ? s->h[i].raw_len : 4;
		if (i > 0) {
			sbuf_adds(v, ":");
			(*col)++;
			if (*col + len > SIGN_FOLD) {
				sbuf_adds(v, SIGN_NL "\t ");
				*col = 9;
			}
		}
		sbuf_add(v, nm, len);
		*col += len;
	}
}

/* The hash of the selected header fields as a verifier reads them (for
 * each name of h=, the last field of that name not used yet, none when
 * none is left: the oversigned From), then the DKIM-Signature field with
 * an empty b=, without its CRLF. */
static int header_hash(struct msign *s, const char *sigval, unsigned char *md,
		       unsigned int *mdlen)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	struct sbuf sig;
	int ok = c != NULL && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1;
	for (size_t i = 0; ok && i <= s->nh; i++) {
		const char *nm = i < s->nh ? s->canon.s + s->h[i].off : "from";
		size_t len = i < s->nh ? s->h[i].namelen : 4;
		for (size_t j = s->nh; j-- > 0;) {
			struct sign_hdr *h = &s->h[j];
			if (h->used || h->namelen != len || memcmp(s->canon.s + h->off, nm, len) != 0)
				continue;
			h->used = 1;
			ok = EVP_DigestUpdate(c, s->canon.s + h->off, h->len) == 1;
			break;
		}
	}
	sbuf_init(&sig);
	canon_header(&sig, MSIGN_HEADER, strlen(MSIGN_HEADER), sigval, 0);
	ok = ok && EVP_DigestUpdate(c, sig.s, sig.len) == 1 && EVP_DigestFinal_ex(c, md, mdlen) == 1;
	sbuf_free(&sig);
	EVP_MD_CTX_free(c);
	return ok ? 0 : -1;
}

/* The signature of the header hash with the key decoded at load. */
static int sign_hash(const struct mkeys_key *key, const unsigned char *md, unsigned int mdlen,
		     unsigned char **sig, size_t *siglen)
{
	EVP_PKEY *pk = key->pkey;
	int ok = 0;
	*sig = NULL;
	if (key->alg == MKEYS_ED25519) {
		/* RFC 8463: Ed25519 (pure) over the SHA-256 of the header data */
		EVP_MD_CTX *c = EVP_MD_CTX_new();
		ok = c != NULL && EVP_DigestSignInit(c, NULL, NULL, NULL, pk) == 1 &&
		     EVP_DigestSign(c, NULL, siglen, md, mdlen) == 1 &&
		     (*sig = xmalloc(*siglen)) != NULL &&
		     EVP_DigestSign(c, *sig, siglen, md, mdlen) == 1;
		EVP_MD_CTX_free(c);
	} else {
		/* RSASSA-PKCS1-v1_5 with SHA-256 */
		EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pk, NULL);
		ok = c != NULL && EVP_PKEY_sign_init(c) == 1 &&
		     EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) == 1 &&
		     EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) == 1 &&
		     EVP_PKEY_sign(c, NULL, siglen, md, mdlen) == 1 &&
		     (*sig = xmalloc(*siglen)) != NULL &&
		     EVP_PKEY_sign(c, *sig, siglen, md, mdlen) == 1;
		EVP_PKEY_CTX_free(c);
	}
	if (!ok) {
		free(*sig);
		*sig = NULL;
	}
	return ok ? 0 : -1;
}

int msign_finish(struct msign *s, char **value, struct cad_err *err)
{
	const struct mkeys_key *k = s->key;
	unsigned char bh[EVP_MAX_MD_SIZE], md[EVP_MAX_MD_SIZE], *sig = NULL;
	unsigned int bhlen = 0, mdlen = 0;
	size_t siglen = 0, col, start;
	struct sbuf v, b;

	if (body_finish(s) != 0 || EVP_DigestFinal_ex(s->body, bh, &bhlen) != 1)
		return ssl_fail("body hash", err);
	/* the value, folded as libopendkim folds it; the name and ": " come
	 * first on the line */
	sbuf_init(&v);
	sbuf_addf(&v, "v=1; a=%s; c=relaxed/relaxed; d=%s; s=%s;" SIGN_NL "\tt=%lld; bh=",
		  k->alg == MKEYS_ED25519 ? "ed25519-sha256" : "rsa-sha256", k->domain,
		  k->selector, (long long)(fixed_time != 0 ? fixed_time : time(NULL)));
	b64(&v, bh, bhlen);
	sbuf_adds(&v, ";" SIGN_NL "\th=");
	col = 10;
	add_hlist(s, &v, &col);
	sbuf_adds(&v, ";" SIGN_NL "\tb=");
	if (header_hash(s, v.s, md, &mdlen) != 0 || sign_hash(k, md, mdlen, &sig, &siglen) != 0) {
		sbuf_free(&v);
		return ssl_fail("signature", err);
	}
	sbuf_init(&b);
	b64(&b, sig, siglen);
	free(sig);
	/* b= folded: the first line after "\tb=", then lines of " " + text */
	col = 10;
	start = 0;
	while (start < b.len) {
		size_t take = SIGN_FOLD - 1 - col;   /* libopendkim's b= width */
		if (take > b.len - start)
			take = b.len - start;
		if (start > 0)
			sbuf_adds(&v, SIGN_NL "\t ");
		sbuf_add(&v, b.s + start, take);
		start += take;
		col = 9;
	}
	sbuf_free(&b);
	*value = sbuf_detach(&v);
	return 0;
}

void msign_free(struct msign *s)
{
	if (s == NULL)
		return;
	EVP_MD_CTX_free(s->body);
	sbuf_free(&s->canon);
	sbuf_free(&s->names);
	free(s->h);
	free(s);
}
