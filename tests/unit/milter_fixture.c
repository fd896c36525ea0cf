/* SPDX-License-Identifier: BSD-2-Clause */
/* milter_fixture.c - see milter_fixture.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gmime/gmime.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "msign.h"
#include "mverify.h"
#include "factcache.h"
#include "filter.h"
#include "mconf.h"
#include "milter_fixture.h"
#include "secret.h"
#include "spf.h"
#include "storepool.h"

static struct spf_checker *spf;

static int write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	int rc = f != NULL && fputs(text, f) >= 0 ? 0 : -1;
	if (f != NULL && fclose(f) != 0)
		rc = -1;
	if (rc == 0 && chmod(p, mode) != 0)
		rc = -1;
	free(p);
	return rc;
}

static int write_key(const char *dir)
{
	EVP_PKEY *rsa = EVP_RSA_gen(2048);
	char *p = xasprintf("%s/rsa.key", dir);
	FILE *f = fopen(p, "w");
	int rc = rsa != NULL && f != NULL &&
			 PEM_write_PrivateKey(f, rsa, NULL, NULL, 0, NULL, NULL) == 1
		     ? 0 : -1;
	if (f != NULL)
		fclose(f);
	chmod(p, 0600);
	EVP_PKEY_free(rsa);
	free(p);
	return rc;
}

struct mfx *mfx_open(const char *name, const char *extra)
{
	struct mfx *f = calloc(1, sizeof(*f));
	struct cad_err err = { "" };
	unsigned char key[32];
	struct step steps[2];
	struct mconf *mc;
	char *conf, *kt, *path;
	const char *d;

	f->s = sfx_open(name);
	if (f->s == NULL)
		return NULL;
	d = f->s->dir;
	RAND_bytes(key, sizeof(key));
	path = xasprintf("%s/secret", d);
	{
		/* In hex with a newline, as cadencectl init writes it: raw bytes
		 * ending in a newline or a blank (1 run in ~64) lose it to the
		 * loader's trimming and were refused as too short. */
		FILE *sf = fopen(path, "w");
		if (sf == NULL)
			return NULL;
		for (size_t i = 0; i < sizeof(key); i++)
			fprintf(sf, "%02x", key[i]);
		if (fputc('\n', sf) == EOF || fclose(sf) != 0)
			return NULL;
		chmod(path, 0600);
	}
	free(path);
	kt = xasprintf("rsa example.com:rsa1:%s/rsa.key\n", d);
	conf = xasprintf("Socket local:%s/m.sock\nDatabase %s\nSecretFile %s/secret\n"
			 "Domain " MFX_DOMAIN "\nInternalDomains example.com\n"
			 "KeyTable %s/keytable\nSigningTable %s/signingtable\n"
			 "InternalHosts 127.0.0.1, 10.0.0.0/8\nSignAllOutbound yes\nSyslog no\n%s",
			 d, f->s->path, d, d, d, extra != NULL ? extra : "");
	if (write_key(d) != 0 || write_file(d, "keytable", kt, 0644) != 0 ||
	    write_file(d, "signingtable", "*@example.com rsa\n", 0644) != 0 ||
	    write_file(d, "dkim-keys.txt", "", 0644) != 0 ||
	    write_file(d, "cadence.conf", conf, 0644) != 0) {
		fprintf(stderr, "mfx: cannot write the fixtures in %s\n", d);
		return NULL;
	}
	free(kt);
	free(conf);
	memset(steps, 0, sizeof(steps));
	steps[0].kind = STEP_EMAIL;
	steps[0].subject = (char *)"Hello";
	steps[0].body = (char *)"Hi";
	steps[1].kind = STEP_EMAIL;
	steps[1].delay_days = 2;
	steps[1].subject = (char *)"Again";
	steps[1].body = (char *)"Hi again";
	f->s->rep = sfx_user(f->s, "ada@example.com", "UTC", 500, 80);
	f->s->seq = sfx_sequence(f->s, "Cold", SEQ_DAYS_EVERY, 0, 1440, steps, 2);
	g_mime_init();
	path = xasprintf("%s/dkim-keys.txt", d);
	if (msign_init(&err) != 0 || mverify_init(path, &err) != 0) {
		fprintf(stderr, "mfx: %s\n", err.msg);
		return NULL;
	}
	free(path);
	spf = spf_checker_new_zone("", "empty zone", &err);
	if (spf == NULL) {
		fprintf(stderr, "mfx: SPF: %s\n", err.msg);
		return NULL;
	}
	filter_set_spf(spf);
	path = xasprintf("%s/cadence.conf", d);
	mc = mconf_build(path, &err);
	free(path);
	if (mc == NULL) {
		fprintf(stderr, "mfx: %s\n", err.msg);
		return NULL;
	}
	mconf_install(mc);
	if (secret_load(mc->conf.secret_file, &f->secret, &err) != 0) {
		fprintf(stderr, "mfx: %s\n", err.msg);
		return NULL;
	}
	return f;
}

void mfx_close(struct mfx *f)
{
	if (f == NULL)
		return;
	storepool_drain();
	factcache_drain();
	mconf_shutdown();
	filter_set_spf(NULL);
	spf_checker_free(spf);
	spf = NULL;
	msign_shutdown();
	mverify_shutdown();
	secret_free(&f->secret);
	sfx_close(f->s);
	free(f);
}
