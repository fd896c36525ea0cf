/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_verify.c - test helper: verifies the DKIM signatures of a message
 * offline, with libopendkim's file query method (DKIM_QUERY_FILE): the
 * public keys come from a file of "selector._domainkey.domain TXT-data"
 * lines, never from DNS.
 *
 *   dkim_verify KEYFILE MESSAGE [DOMAIN]
 *
 * Exit status: 0 when a signature (of DOMAIN, when given) verifies, 1 when
 * none does (the reason is printed), 2 on a usage or I/O error.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <opendkim/dkim.h>

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;
	if (f == NULL)
		return NULL;
	do {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap + 1);
			if (buf == NULL) {
				fclose(f);
				return NULL;
			}
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	DKIM_LIB *lib;
	DKIM *dkim;
	DKIM_STAT st;
	DKIM_SIGINFO **sigs = NULL;
	int nsigs = 0, ok = 0;
	unsigned int qtype = DKIM_QUERY_FILE;
	size_t len = 0, i;
	char *msg;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: dkim_verify KEYFILE MESSAGE [DOMAIN]\n");
		return 2;
	}
	msg = slurp(argv[2], &len);
	if (msg == NULL) {
		perror(argv[2]);
		return 2;
	}
	lib = dkim_init(NULL, NULL);
	if (lib == NULL ||
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD, &qtype, sizeof(qtype)) !=
		    DKIM_STAT_OK ||
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO, argv[1], strlen(argv[1])) !=
		    DKIM_STAT_OK) {
		fprintf(stderr, "dkim_verify: cannot set up libopendkim\n");
		return 2;
	}
	dkim = dkim_verify(lib, (const unsigned char *)"verify", NULL, &st);
	if (dkim == NULL) {
		fprintf(stderr, "dkim_verify: dkim_verify(): %s\n", dkim_getresultstr(st));
		return 2;
	}
	/* headers: a line starting with white space continues the previous
	 * one; each header goes to libopendkim whole, folding included */
	{
		size_t hstart = 0, hend = 0;
		int have = 0;
		i = 0;
		while (i < len) {
			size_t eol = i, lend;
			while (eol < len && msg[eol] != '\n')
				eol++;
			lend = eol > i && msg[eol - 1] == '\r' ? eol - 1 : eol;
			if (lend == i) {                          /* the blank line */
				i = eol + 1;
				break;
			}
			if (msg[i] == ' ' || msg[i] == '\t') {
				hend = lend;                      /* continuation */
			} else {
				if (have)
					dkim_header(dkim, (unsigned char *)msg + hstart, hend - hstart);
				hstart = i;
				hend = lend;
				have = 1;
			}
			i = eol + 1;
		}
		if (have)
			dkim_header(dkim, (unsigned char *)msg + hstart, hend - hstart);
	}
	dkim_eoh(dkim);
	if (i < len)
		dkim_body(dkim, (unsigned char *)msg + i, len - i);
	st = dkim_eom(dkim, NULL);
	if (dkim_getsiglist(dkim, &sigs, &nsigs) == DKIM_STAT_OK) {
		for (int k = 0; k < nsigs; k++) {
			const char *d = (const char *)dkim_sig_getdomain(sigs[k]);
			unsigned int flags = dkim_sig_getflags(sigs[k]);
			int bh = dkim_sig_getbh(sigs[k]);
			int pass = (flags & DKIM_SIGFLAG_PASSED) != 0 && bh == DKIM_SIGBH_MATCH;
			printf("signature d=%s s=%s: %s%s\n", d != NULL ? d : "?",
			       (const char *)dkim_sig_getselector(sigs[k]), pass ? "pass" : "fail",
			       bh == DKIM_SIGBH_MISMATCH ? " (body hash mismatch)" : "");
			if (pass && (argc < 4 || (d != NULL && strcasecmp(d, argv[3]) == 0)))
				ok = 1;
		}
	}
	if (!ok)
		printf("no valid signature: %s (%s)\n", dkim_getresultstr(st),
		       dkim_geterror(dkim) != NULL ? dkim_geterror(dkim) : "no detail");
	dkim_free(dkim);
	dkim_close(lib);
	free(msg);
	return ok ? 0 : 1;
}
