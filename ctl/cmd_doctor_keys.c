/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_doctor_keys.c - the DKIM keys of KeyTable for "cadencectl doctor":
 * each is the service user's and not readable by others; its public half
 * is printed as the TXT record to publish (--dns: compared with what DNS
 * has; never in tests).
 */
#include "config.h"

#include <arpa/nameser.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cmd_doctor_int.h"

/* The TXT record of a private key file's public half, or NULL. */
static char *txt_record(const char *path, const char *sel, const char *dom)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	unsigned char *der = NULL, b64[2048];
	unsigned char raw[64];
	size_t rawlen = sizeof(raw);
	int len = -1;
	char *rec = NULL;
	const char *kt = "rsa";
	if (f)
		fclose(f);
	if (k == NULL)
		return NULL;
	if (EVP_PKEY_id(k) == EVP_PKEY_ED25519) {
		kt = "ed25519";
		if (EVP_PKEY_get_raw_public_key(k, raw, &rawlen) == 1)
			len = EVP_EncodeBlock(b64, raw, (int)rawlen);
	} else {
		int dl = i2d_PUBKEY(k, &der);
		if (dl > 0 && dl < 1500)
			len = EVP_EncodeBlock(b64, der, dl);
	}
	if (len > 0) {
		/* A zone file's strings hold at most 255 bytes: a 2048-bit key
		 * is cut into several, which DNS joins. */
		struct sbuf b;
		int i;
		sbuf_init(&b);
		sbuf_addf(&b, "%s._domainkey.%s. IN TXT ( \"v=DKIM1; k=%s; \"", sel, dom, kt);
		for (i = 0; i < len; i += 250)
			sbuf_addf(&b, " \"%s%.*s\"", i == 0 ? "p=" : "", len - i < 250 ? len - i : 250,
				  (char *)b64 + i);
		sbuf_adds(&b, " )");
		rec = sbuf_detach(&b);
	}
	OPENSSL_free(der);
	EVP_PKEY_free(k);
	return rec;
}

/* --dns: the TXT records published for name, joined, or NULL. The
 * answer is walked by hand (dn_skipname): the ns_* parser lives in
 * libresolv, res_query and dn_skipname in libc. */
static char *dns_txt(const char *name)
{
	unsigned char ans[4096];
	const unsigned char *p, *eom;
	int len = res_query(name, C_IN, T_TXT, ans, sizeof(ans)), i, n, qd, an;
	struct sbuf b;
	if (len < 12)
		return NULL;
	eom = ans + len;
	qd = ans[4] << 8 | ans[5];
	an = ans[6] << 8 | ans[7];
	p = ans + 12;
	for (i = 0; i < qd; i++) {
		if ((n = dn_skipname(p, eom)) < 0 || p + n + 4 > eom)
			return NULL;
		p += n + 4;
	}
	sbuf_init(&b);
	for (i = 0; i < an; i++) {
		const unsigned char *r, *e;
		int type, rdlen;
		if ((n = dn_skipname(p, eom)) < 0 || p + n + 10 > eom)
			break;
		p += n;
		type = p[0] << 8 | p[1];
		rdlen = p[8] << 8 | p[9];
		r = p + 10;
		e = r + rdlen;
		if (e > eom)
			break;
		while (type == T_TXT && r < e && r + 1 + *r <= e) {
			sbuf_add(&b, r + 1, *r);
			r += 1 + *r;
		}
		p = e;
	}
	return sbuf_detach(&b);
}

/* The p= value of a record as txt_record() writes it, its strings joined. */
static char *rec_key(const char *rec)
{
	const char *p = strstr(rec, "\"p=");
	struct sbuf b;
	sbuf_init(&b);
	for (p = p ? p + 3 : ""; *p; p++)
		if (*p != '"' && *p != ' ' && *p != ')')
			sbuf_addc(&b, *p);
	return sbuf_detach(&b);
}

static void check_one_key(struct doc *d, const char *name, const char *dom, const char *sel,
			  const char *path)
{
	char *rec;
	int e;
	if (path[0] != '/') {
		cmd_doctor_report(d, DOC_WARN, "keys", "keep keys in files", "KeyTable %s: the key is not a "
				  "file path; not checked", name);
		return;
	}
	if (cmd_doctor_owner(d, "keys", path, S_IRWXO, "o-rwx", 0) != 0)
		return;
	if ((e = cmd_doctor_user_access(d, path, R_OK)) != 0) {
		cmd_doctor_report(d, DOC_FAIL, "keys", "chown the key to the service user", "%s: the service "
				  "user cannot read it: %s", path, e > 0 && e < 255 ? strerror(e) : "?");
		return;
	}
	rec = txt_record(path, sel, dom);
	if (rec == NULL) {
		cmd_doctor_report(d, DOC_FAIL, "keys", "write the key as PEM (openssl genpkey)", "%s: not a "
				  "private key OpenSSL can read", path);
		return;
	}
	cmd_doctor_report(d, DOC_OK, "keys", NULL, "%s (%s): publish\n              %s", name, path, rec);
	if (d->dns) {
		char *q = xasprintf("%s._domainkey.%s", sel, dom), *got = dns_txt(q);
		char *want = rec_key(rec);
		if (got == NULL)
			cmd_doctor_report(d, DOC_WARN, "keys", "publish the record above", "DNS has no TXT "
					  "record at %s", q);
		else if (strstr(got, want) == NULL)
			cmd_doctor_report(d, DOC_FAIL, "keys", "publish the record above in place of it",
					  "DNS at %s has another key: %s", q, got);
		else
			cmd_doctor_report(d, DOC_OK, "keys", NULL, "DNS at %s has this key", q);
		free(q);
		free(got);
		free(want);
	}
	free(rec);
}

void cmd_doctor_keys(struct doc *d)
{
	const char *kt = d->c->conf.key_table;
	char *text = NULL, *line, *save = NULL;
	int n = 0;
	if (kt == NULL || *kt == '\0') {
		cmd_doctor_report(d, DOC_OK, "keys", NULL, "no KeyTable: cadence does not sign");
		return;
	}
	if (ctl_read_file(d->c, "KeyTable", kt, 1024 * 1024, &text) != 0) {
		cmd_doctor_report(d, DOC_FAIL, "keys", "set KeyTable to a readable file", "%s cannot be read",
				  kt);
		return;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char **w = cmd_doctor_words(line), *c1, *c2;
		if (w[0] != NULL && w[0][0] != '#' && w[1] != NULL &&
		    (c1 = strchr(w[1], ':')) != NULL && (c2 = strchr(c1 + 1, ':')) != NULL) {
			*c1 = *c2 = '\0';
			check_one_key(d, w[0], w[1], c1 + 1, c2 + 1);
			n++;
		}
		cmd_doctor_words_free(w);
	}
	if (n == 0)
		cmd_doctor_report(d, DOC_WARN, "keys", "one line per key: NAME domain:selector:/path",
				  "%s has no keys", kt);
	free(text);
}
