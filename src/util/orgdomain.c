/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * orgdomain.c - organizational domains through libpsl (see orgdomain.h).
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libpsl.h>

#include "orgdomain.h"
#include "util.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const psl_ctx_t *psl;

static void load(void)
{
	/* the newer of the distribution's list and the built-in one */
	psl = psl_latest(NULL);
	if (psl == NULL)
		psl = psl_builtin();
}

/* domain lower-cased, root dot removed, checked for shape; NULL when it is
 * not a usable domain name. */
static char *canonical(const char *domain)
{
	size_t len, labels = 0;
	char *d, *p;

	if (domain == NULL || *domain == '\0' || *domain == '[')
		return NULL;
	len = strlen(domain);
	if (len > 254)
		return NULL;
	d = xstrdup(domain);
	if (d[len - 1] == '.')   /* a root dot is not a label */
		d[--len] = '\0';
	cad_strlower(d);
	for (p = d; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '.' || *p == '_'))
			goto bad;
	for (p = d;;) {
		char *dot = strchr(p, '.');
		if (dot ? dot == p : *p == '\0')
			goto bad;   /* an empty label */
		labels++;
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	if (labels < 2)
		goto bad;
	return d;
bad:
	free(d);
	return NULL;
}

char *cad_org_domain(const char *domain)
{
	char *d = canonical(domain);
	const char *r;
	char *out;

	if (d == NULL)
		return NULL;
	pthread_once(&once, load);
	r = psl != NULL ? psl_registrable_domain(psl, d) : NULL;
	out = r != NULL ? xstrdup(r) : NULL;
	free(d);
	return out;
}

int cad_org_aligned(const char *a, const char *b)
{
	char *oa = cad_org_domain(a), *ob = cad_org_domain(b);
	int same = oa != NULL && ob != NULL && strcmp(oa, ob) == 0;
	free(oa);
	free(ob);
	return same;
}
