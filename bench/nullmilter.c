/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nullmilter.c - the reference for "mail that is not cadence's costs as
 * little as the protocol allows" (issue 16, goal 1; bench_milter.sh's
 * null-unix): a milter that decides nothing, negotiated exactly as
 * cadence-milter negotiates over a unix socket (no CONNECT, DATA or
 * unknown-command steps, no replies to HELO, MAIL, RCPT or headers, the
 * headers' leading space, SMFIP_SKIP), that lets every message go at the
 * end of its headers. What it costs Postfix is what the milter protocol
 * and libmilter cost with cadence's shape; cadence-milter's "not ours"
 * is that plus reading the headers and deciding.
 *
 *   nullmilter SOCKET          (libmilter's spec, e.g. local:/run/x.sock)
 *
 * A bench tool: no configuration, no logging; exits when libmilter does.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <libmilter/mfapi.h>

static sfsistat nm_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
			     unsigned long f2, unsigned long f3, unsigned long *pf0,
			     unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	const unsigned long want = SMFIP_NOCONNECT | SMFIP_NOUNKNOWN | SMFIP_NODATA |
				   SMFIP_NR_HDR | SMFIP_NR_HELO | SMFIP_NR_MAIL |
				   SMFIP_NR_RCPT | SMFIP_SKIP | SMFIP_HDR_LEADSPC;
	(void)ctx;
	(void)f0;
	(void)f2;
	(void)f3;
	*pf0 = 0;
	*pf1 = f1 & want;
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static sfsistat nm_noreply(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return SMFIS_NOREPLY;
}

static sfsistat nm_helo(SMFICTX *ctx, char *helo)
{
	(void)ctx;
	(void)helo;
	return SMFIS_NOREPLY;
}

static sfsistat nm_header(SMFICTX *ctx, char *name, char *value)
{
	(void)ctx;
	(void)name;
	(void)value;
	return SMFIS_NOREPLY;
}

static sfsistat nm_eoh(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_ACCEPT;
}

static sfsistat nm_eom(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_ACCEPT;
}

int main(int argc, char **argv)
{
	struct smfiDesc d;

	if (argc != 2) {
		fprintf(stderr, "usage: nullmilter SOCKET\n");
		return 2;
	}
	memset(&d, 0, sizeof(d));
	d.xxfi_name = "nullmilter";
	d.xxfi_version = SMFI_VERSION;
	d.xxfi_helo = nm_helo;
	d.xxfi_envfrom = nm_noreply;
	d.xxfi_envrcpt = nm_noreply;
	d.xxfi_header = nm_header;
	d.xxfi_eoh = nm_eoh;
	d.xxfi_eom = nm_eom;
	d.xxfi_negotiate = nm_negotiate;
	if (smfi_setconn(argv[1]) != MI_SUCCESS || smfi_register(d) != MI_SUCCESS ||
	    smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "nullmilter: cannot listen on %s\n", argv[1]);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
