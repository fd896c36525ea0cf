/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ui_sess.c - the web page's sessions, in cadenced's memory, and its CSRF
 * key. See ui.h for what they guarantee.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "ui_int.h"

#define UI_SESS_MAX 1024                 /* the oldest goes when full */
#define UI_SESS_TTL (8 * 3600)           /* seconds after the last use */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct ui_sess table[UI_SESS_MAX];
static unsigned char key[32];
static int have_key;
static int secure;
static int why_spacing, why_jitter, why_domain_cap;

void ui_configure(const struct cad_conf *conf)
{
	pthread_mutex_lock(&mu);
	secure = conf->public_url != NULL && cad_startswith_ci(conf->public_url, "https://");
	why_spacing = conf->spacing_seconds;
	why_jitter = conf->spacing_jitter;
	why_domain_cap = conf->domain_daily_cap;
	if (!have_key && RAND_bytes(key, sizeof(key)) == 1)
		have_key = 1;
	pthread_mutex_unlock(&mu);
}

int ui_secure_cookies(void)
{
	return secure;
}

void ui_why_conf(int *spacing, int *jitter, int *domain_cap)
{
	*spacing = why_spacing;
	*jitter = why_jitter;
	*domain_cap = why_domain_cap;
}

int ui_random_hex(char out[UI_SID_HEX + 1])
{
	unsigned char r[UI_SID_HEX / 2];
	if (RAND_bytes(r, sizeof(r)) != 1) {
		out[0] = '\0';
		return -1;
	}
	cad_hex(r, sizeof(r), out);
	return 0;
}

void ui_mac(const char *what, const char *id, char out[UI_SID_HEX + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct sbuf m;

	pthread_mutex_lock(&mu);
	if (!have_key && RAND_bytes(key, sizeof(key)) == 1)
		have_key = 1;
	pthread_mutex_unlock(&mu);
	sbuf_init(&m);
	sbuf_addf(&m, "%s\n%s", what, id);
	if (!have_key || HMAC(EVP_sha256(), key, sizeof(key), (const unsigned char *)m.s, m.len,
			      md, &mdlen) == NULL || mdlen != 32) {
		/* no key: no token matches (an empty one is refused) */
		out[0] = '\0';
	} else {
		cad_hex(md, 32, out);
	}
	sbuf_free(&m);
}

void ui_sess_clear(struct ui_sess *s)
{
	if (s->token != NULL)
		OPENSSL_cleanse(s->token, strlen(s->token));
	free(s->token);
	free(s->name);
	free(s->email);
	memset(s, 0, sizeof(*s));
}

static void copy(struct ui_sess *to, const struct ui_sess *from)
{
	*to = *from;
	to->token = xstrdup(from->token);
	to->name = xstrdup(from->name);
	to->email = xstrdup(from->email);
}

int ui_sess_open(const struct ui_sess *proto, cad_time_t now, struct ui_sess *out)
{
	struct ui_sess s;
	size_t i, slot = 0;

	s = *proto;
	if (ui_random_hex(s.id) < 0)
		return -1;
	ui_mac("csrf", s.id, s.csrf);
	if (s.csrf[0] == '\0')
		return -1;
	s.expires = now + UI_SESS_TTL;
	pthread_mutex_lock(&mu);
	for (i = 0; i < UI_SESS_MAX; i++) {
		if (table[i].id[0] == '\0' || table[i].expires <= now) {
			slot = i;
			break;
		}
		if (table[i].expires < table[slot].expires)
			slot = i;   /* full: the one closest to its end */
	}
	ui_sess_clear(&table[slot]);
	copy(&table[slot], &s);
	pthread_mutex_unlock(&mu);
	copy(out, &s);
	return 0;
}

int ui_sess_find(const char *id, cad_time_t now, struct ui_sess *out)
{
	size_t i;
	int rc = -1;

	if (id == NULL || strlen(id) != UI_SID_HEX)
		return -1;
	pthread_mutex_lock(&mu);
	for (i = 0; i < UI_SESS_MAX; i++) {
		if (table[i].id[0] == '\0' || CRYPTO_memcmp(table[i].id, id, UI_SID_HEX) != 0)
			continue;
		if (table[i].expires <= now) {
			ui_sess_clear(&table[i]);
		} else {
			table[i].expires = now + UI_SESS_TTL;
			copy(out, &table[i]);
			rc = 0;
		}
		break;
	}
	pthread_mutex_unlock(&mu);
	return rc;
}

void ui_sess_close(const char *id)
{
	size_t i;
	if (id == NULL || strlen(id) != UI_SID_HEX)
		return;
	pthread_mutex_lock(&mu);
	for (i = 0; i < UI_SESS_MAX; i++)
		if (table[i].id[0] != '\0' && CRYPTO_memcmp(table[i].id, id, UI_SID_HEX) == 0)
			ui_sess_clear(&table[i]);
	pthread_mutex_unlock(&mu);
}
