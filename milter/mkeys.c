/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mkeys.c - parse OpenDKIM-style KeyTable and SigningTable files and
 * load the private keys they name (see mkeys.h for the formats and the
 * guarantees). Nothing here talks to libmilter or libopendkim: the signer
 * (msign.c) gets a key's PEM text and algorithm from here.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "mkeys.h"

void mkeys_init(struct mkeys *t)
{
	memset(t, 0, sizeof(*t));
}

static void keys_free(struct mkeys_key *k, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(k[i].name);
		free(k[i].domain);
		free(k[i].selector);
		free(k[i].path);
		EVP_PKEY_free(k[i].pkey);   /* OpenSSL clears private key material */
	}
	free(k);
}

static void entries_free(struct mkeys_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].pattern);
	free(e);
}

void mkeys_free(struct mkeys *t)
{
	if (t == NULL)
		return;
	keys_free(t->keys, t->nkeys);
	entries_free(t->entries, t->nentries);
	mkeys_init(t);
}

/* ---- line splitting ---- */

/* Calls fn for each non-blank, non-comment line (trimmed, comment cut off). */
typedef int (*line_fn)(void *arg, char *line, int lineno, struct cad_err *err);

static int each_line(const char *text, const char *fname, line_fn fn, void *arg,
		     struct cad_err *err)
{
	char *copy = xstrdup(text);
	char *p = copy;
	int lineno = 0;
	int rc = 0;
	while (p != NULL && *p != '\0') {
		char *nl = strchr(p, '\n');
		char *line = p;
		char *hash;
		lineno++;
		if (nl != NULL)
			*nl = '\0';
		p = nl != NULL ? nl + 1 : NULL;
		hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		line = cad_trim(line);
		if (*line == '\0')
			continue;
		if (fn(arg, line, lineno, err) != 0) {
			cad_err_prefix(err, "%s:%d", fname, lineno);
			rc = -1;
			break;
		}
	}
	free(copy);
	return rc;
}

/* Splits "a <ws> b" into two words; anything after b is an error. */
static int two_words(char *line, char **a, char **b, struct cad_err *err)
{
	char *sp = line + strcspn(line, " \t");
	if (*sp == '\0')
		return cad_err_set(err, "expected two fields, found one");
	*sp++ = '\0';
	sp += strspn(sp, " \t");
	if (sp[strcspn(sp, " \t")] != '\0')
		return cad_err_set(err, "expected two fields, found more");
	*a = line;
	*b = sp;
	return 0;
}

static int valid_label_chars(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == '_'))
			return 0;
	}
	return 1;
}

/* ---- KeyTable ---- */

struct kt_state {
	struct mkeys_key *keys;
	size_t n, cap;
};

static int kt_line(void *arg, char *line, int lineno, struct cad_err *err)
{
	struct kt_state *st = arg;
	char *name, *val, *domain, *selector, *path, *c1, *c2;
	struct mkeys_key *k;
	if (two_words(line, &name, &val, err) != 0)
		return -1;
	c1 = strchr(val, ':');
	c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
	if (c1 == NULL || c2 == NULL)
		return cad_err_set(err, "key \"%s\": expected domain:selector:/path/to/key", name);
	*c1 = '\0';
	*c2 = '\0';
	domain = val;
	selector = c1 + 1;
	path = c2 + 1;
	if (!valid_label_chars(domain) || strchr(domain, '.') == NULL)
		return cad_err_set(err, "key \"%s\": bad signing domain", name);
	if (!valid_label_chars(selector))
		return cad_err_set(err, "key \"%s\": bad selector", name);
	if (path[0] != '/')
		return cad_err_set(err, "key \"%s\": the key must be an absolute file path", name);
	for (size_t i = 0; i < st->n; i++)
		if (strcmp(st->keys[i].name, name) == 0)
			return cad_err_set(err, "key \"%s\" defined twice (first on line %d)", name,
					   st->keys[i].line);
	cad_grow(&st->keys, &st->cap, st->n + 1, sizeof(*st->keys));
	k = &st->keys[st->n++];
	memset(k, 0, sizeof(*k));
	k->name = xstrdup(name);
	k->domain = xstrdup(domain);
	cad_strlower(k->domain);
	k->selector = xstrdup(selector);
	k->path = xstrdup(path);
	k->line = lineno;
	return 0;
}

int mkeys_keytable_parse(struct mkeys *t, const char *text, const char *fname,
			struct cad_err *err)
{
	struct kt_state st = { NULL, 0, 0 };
	if (each_line(text, fname, kt_line, &st, err) != 0) {
		keys_free(st.keys, st.n);
		return -1;
	}
	keys_free(t->keys, t->nkeys);
	t->keys = st.keys;
	t->nkeys = st.n;
	return 0;
}

/* ---- SigningTable ---- */

struct st_state {
	const struct mkeys *t;
	struct mkeys_entry *e;
	size_t n, cap;
};

/* Normalizes a pattern: "ann@x.test" stays, "*@x.test" and "x.test" become
 * "x.test", "*.x.test" and "*@*.x.test" become ".x.test". */
static char *norm_pattern(const char *pat, struct cad_err *err)
{
	const char *dom = pat;
	char *out;
	if (strncmp(pat, "*@", 2) == 0)
		dom = pat + 2;
	else if (strchr(pat, '@') != NULL) {
		if (!cad_addr_valid(pat)) {
			cad_err_set(err, "pattern \"%s\": not an address", pat);
			return NULL;
		}
		out = xstrdup(pat);
		cad_addr_normalize(out);
		return out;
	}
	if (strncmp(dom, "*.", 2) == 0) {
		if (!valid_label_chars(dom + 2) || strchr(dom + 2, '*') != NULL) {
			cad_err_set(err, "pattern \"%s\": bad domain", pat);
			return NULL;
		}
		out = xstrdup(dom + 1);
	} else {
		if (!valid_label_chars(dom) || dom[0] == '.') {
			cad_err_set(err, "pattern \"%s\": only \"addr\", \"*@domain\", \"domain\" "
				    "and \"*.domain\" are understood", pat);
			return NULL;
		}
		out = xstrdup(dom);
	}
	cad_strlower(out);
	return out;
}

static int st_line(void *arg, char *line, int lineno, struct cad_err *err)
{
	struct st_state *st = arg;
	char *pat, *name, *norm;
	size_t i;
	if (two_words(line, &pat, &name, err) != 0)
		return -1;
	for (i = 0; i < st->t->nkeys; i++)
		if (strcmp(st->t->keys[i].name, name) == 0)
			break;
	if (i == st->t->nkeys)
		return cad_err_set(err, "key \"%s\" is not in the KeyTable", name);
	norm = norm_pattern(pat, err);
	if (norm == NULL)
		return -1;
	for (size_t j = 0; j < st->n; j++)
		if (strcmp(st->e[j].pattern, norm) == 0) {
			free(norm);
			return cad_err_set(err, "pattern \"%s\" repeats line %d", pat, st->e[j].line);
		}
	cad_grow(&st->e, &st->cap, st->n + 1, sizeof(*st->e));
	st->e[st->n].pattern = norm;
	st->e[st->n].key = i;
	st->e[st->n].line = lineno;
	st->n++;
	return 0;
}

int mkeys_signtable_parse(struct mkeys *t, const char *text, const char *fname,
			 struct cad_err *err)
{
	struct st_state st = { t, NULL, 0, 0 };
	if (each_line(text, fname, st_line, &st, err) != 0) {
		entries_free(st.e, st.n);
		return -1;
	}
	entries_free(t->entries, t->nentries);
	t->entries = st.e;
	t->nentries = st.n;
	return 0;
}

/* ---- files and keys ---- */

static int load_key(struct mkeys_key *k, struct cad_err *err)
{
	struct stat sb;
	char *pem = NULL;
	BIO *bio;
	EVP_PKEY *pkey;
	int type;
	if (stat(k->path, &sb) != 0)
		return cad_err_set(err, "key \"%s\": %s: %s", k->name, k->path, strerror(errno));
	/* As OpenDKIM's RequireSafeKeys: whoever may write the key may sign as us. */
	if ((sb.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return cad_err_set(err, "key \"%s\": %s is group- or world-writable (mode %04o); "
				   "refusing it (chmod go-w)", k->name, k->path,
				   (unsigned)(sb.st_mode & 07777));
	if (cad_read_file(k->path, MKEYS_MAX_BYTES, CAD_READ_TEXT, &pem, NULL, err) != 0) {
		cad_err_prefix(err, "key \"%s\"", k->name);
		return -1;
	}
	bio = BIO_new_mem_buf(pem, -1);
	pkey = bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	if (pkey == NULL) {
		OPENSSL_cleanse(pem, strlen(pem));
		free(pem);
		return cad_err_set(err, "key \"%s\": %s is not a PEM private key", k->name, k->path);
	}
	/* The PEM text is not kept: the key is decoded here, once per load
	 * (and reload), never per message (OpenSSL 3 takes ~1.5 ms to decode
	 * an RSA-2048 PEM key, more than the signature itself). */
	OPENSSL_cleanse(pem, strlen(pem));
	free(pem);
	type = EVP_PKEY_base_id(pkey);
	if (type == EVP_PKEY_RSA) {
		k->alg = MKEYS_RSA;
	} else if (type == EVP_PKEY_ED25519) {
		k->alg = MKEYS_ED25519;
	} else {
		EVP_PKEY_free(pkey);
		return cad_err_set(err, "key \"%s\": %s is neither an RSA nor an Ed25519 key",
				   k->name, k->path);
	}
	k->pkey = pkey;
	return 0;
}

int mkeys_load_keys(struct mkeys *t, struct cad_err *err)
{
	for (size_t i = 0; i < t->nkeys; i++)
		if (t->keys[i].pkey == NULL && load_key(&t->keys[i], err) != 0)
			return -1;
	return 0;
}

int mkeys_load(struct mkeys *t, const char *keytable, const char *signtable,
		     struct cad_err *err)
{
	char *text = NULL;
	struct mkeys n;
	mkeys_init(&n);
	if (cad_read_file(keytable, 4 * 1024 * 1024, CAD_READ_TEXT, &text, NULL, err) != 0)
		return -1;
	if (mkeys_keytable_parse(&n, text, keytable, err) != 0)
		goto fail;
	free(text);
	text = NULL;
	if (signtable != NULL) {
		if (cad_read_file(signtable, 4 * 1024 * 1024, CAD_READ_TEXT, &text, NULL, err) != 0)
			goto fail;
		if (mkeys_signtable_parse(&n, text, signtable, err) != 0)
			goto fail;
	}
	if (mkeys_load_keys(&n, err) != 0)
		goto fail;
	free(text);
	mkeys_free(t);
	*t = n;
	return 0;
fail:
	free(text);
	mkeys_free(&n);
	return -1;
}

/* ---- look-up ---- */

static const struct mkeys_entry *find(const struct mkeys *t, const char *pat)
{
	for (size_t i = 0; i < t->nentries; i++)
		if (strcmp(t->entries[i].pattern, pat) == 0)
			return &t->entries[i];
	return NULL;
}

static const struct mkeys_entry *lookup_domain(const struct mkeys *t, const char *dom)
{
	const struct mkeys_entry *e = find(t, dom);
	const char *p;
	if (e != NULL)
		return e;
	/* "*.parent" entries, nearest parent first; ".x.test" covers a.x.test */
	for (p = strchr(dom, '.'); p != NULL; p = strchr(p + 1, '.'))
		if ((e = find(t, p)) != NULL)
			return e;
	return NULL;
}

const struct mkeys_key *mkeys_lookup(const struct mkeys *t, const char *addr)
{
	const struct mkeys_entry *e;
	char *a;
	const char *dom;
	if (t == NULL || addr == NULL || t->nentries == 0)
		return NULL;
	a = xstrdup(addr);
	cad_addr_normalize(a);
	e = find(t, a);
	if (e == NULL && (dom = cad_addr_domain(a)) != NULL && *dom != '\0')
		e = lookup_domain(t, dom);
	free(a);
	return e != NULL ? &t->keys[e->key] : NULL;
}

int mkeys_has_domain(const struct mkeys *t, const char *domain)
{
	char *d;
	int r;
	if (t == NULL || domain == NULL)
		return 0;
	d = xstrdup(domain);
	cad_strlower(d);
	r = lookup_domain(t, d) != NULL;
	free(d);
	return r;
}
