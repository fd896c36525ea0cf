/*
 * dkim_sign.c - DKIM signing through libopendkim (see dkim_sign.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <opendkim/dkim.h>

#include "dkim_sign.h"

struct dkim_signer {
	DKIM *dkim;
	int eoh_done;
};

static DKIM_LIB *lib;

int dkim_sign_init(struct cad_err *err)
{
	/* oversign From: see the header comment */
	static const char *oversign[] = { "from", NULL };
	if (lib != NULL)
		return 0;
	lib = dkim_init(NULL, NULL);
	if (lib == NULL)
		return cad_err_set(err, "libopendkim: dkim_init() failed");
	if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS, oversign,
			 sizeof(char **)) != DKIM_STAT_OK) {
		dkim_close(lib);
		lib = NULL;
		return cad_err_set(err, "libopendkim: cannot set the oversigned headers");
	}
	return 0;
}

void dkim_sign_shutdown(void)
{
	if (lib != NULL)
		dkim_close(lib);
	lib = NULL;
}

static int dkim_fail(struct dkim_signer *s, const char *what, DKIM_STAT st, struct cad_err *err)
{
	const char *detail = s != NULL && s->dkim != NULL ? dkim_geterror(s->dkim) : NULL;
	return cad_err_set(err, "DKIM %s: %s%s%s", what, dkim_getresultstr(st),
			   detail != NULL ? ": " : "", detail != NULL ? detail : "");
}

struct dkim_signer *dkim_signer_new(const struct dkim_key *key, const char *jobid,
				    struct cad_err *err)
{
	struct dkim_signer *s;
	DKIM_STAT st = DKIM_STAT_OK;
	dkim_alg_t alg = key->alg == DKIM_KEY_ED25519 ? DKIM_SIGN_ED25519SHA256
						      : DKIM_SIGN_RSASHA256;
	if (lib == NULL) {
		cad_err_set(err, "DKIM signing is not initialised");
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->dkim = dkim_sign(lib, (const unsigned char *)(jobid != NULL ? jobid : "NOQUEUE"), NULL,
			    (dkim_sigkey_t)key->pem, (const unsigned char *)key->selector,
			    (const unsigned char *)key->domain, DKIM_CANON_RELAXED,
			    DKIM_CANON_RELAXED, alg, -1, &st);
	if (s->dkim == NULL || st != DKIM_STAT_OK) {
		dkim_fail(s, "sign setup", st, err);
		dkim_signer_free(s);
		return NULL;
	}
	return s;
}

int dkim_signer_header(struct dkim_signer *s, const char *name, const char *value,
		       int leadspc, struct cad_err *err)
{
	struct sbuf h;
	DKIM_STAT st;
	sbuf_init(&h);
	sbuf_adds(&h, name);
	sbuf_adds(&h, leadspc ? ":" : ": ");
	sbuf_adds(&h, value);
	st = dkim_header(s->dkim, (unsigned char *)h.s, h.len);
	sbuf_free(&h);
	if (st != DKIM_STAT_OK)
		return dkim_fail(s, "header", st, err);
	return 0;
}

int dkim_signer_eoh(struct dkim_signer *s, struct cad_err *err)
{
	DKIM_STAT st = dkim_eoh(s->dkim);
	if (st != DKIM_STAT_OK)
		return dkim_fail(s, "end of headers", st, err);
	s->eoh_done = 1;
	return 0;
}

int dkim_signer_body(struct dkim_signer *s, const void *p, size_t n, struct cad_err *err)
{
	DKIM_STAT st;
	if (n == 0)
		return 0;
	st = dkim_body(s->dkim, (unsigned char *)(uintptr_t)p, n);
	if (st != DKIM_STAT_OK)
		return dkim_fail(s, "body", st, err);
	return 0;
}

int dkim_signer_finish(struct dkim_signer *s, char **value, struct cad_err *err)
{
	DKIM_STAT st;
	unsigned char *buf = NULL;
	size_t len = 0;
	if (!s->eoh_done && dkim_signer_eoh(s, err) != 0)
		return -1;
	st = dkim_eom(s->dkim, NULL);
	if (st != DKIM_STAT_OK)
		return dkim_fail(s, "end of message", st, err);
	/* initial: the header name and ": " come before the value when folding */
	st = dkim_getsighdr_d(s->dkim, strlen(DKIM_SIGNATURE_HEADER) + 2, &buf, &len);
	if (st != DKIM_STAT_OK || buf == NULL)
		return dkim_fail(s, "signature", st, err);
	*value = xstrndup((const char *)buf, len);
	return 0;
}

void dkim_signer_free(struct dkim_signer *s)
{
	if (s == NULL)
		return;
	if (s->dkim != NULL)
		dkim_free(s->dkim);
	free(s);
}
