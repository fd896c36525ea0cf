/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * netlist.c - CIDR lists for InternalHosts (see netlist.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netlist.h"

static int parse_addr(const char *s, int *family, unsigned char out[16])
{
	if (inet_pton(AF_INET, s, out) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

int netlist_parse(struct netlist *nl, char *const *items, size_t nitems, struct cad_err *err)
{
	struct net_entry *e = xcalloc(nitems ? nitems : 1, sizeof(*e));
	for (size_t i = 0; i < nitems; i++) {
		char *s = xstrdup(items[i]);
		char *slash = strchr(s, '/');
		unsigned max;
		if (slash != NULL)
			*slash = '\0';
		if (parse_addr(s, &e[i].family, e[i].addr) != 0) {
			cad_err_set(err, "InternalHosts: \"%s\" is not an IP address or network",
				    items[i]);
			free(s);
			free(e);
			return -1;
		}
		max = e[i].family == AF_INET ? 32 : 128;
		e[i].prefix = max;
		if (slash != NULL) {
			char *end;
			unsigned long p = strtoul(slash + 1, &end, 10);
			if (slash[1] == '\0' || *end != '\0' || p > max) {
				cad_err_set(err, "InternalHosts: \"%s\": bad prefix length", items[i]);
				free(s);
				free(e);
				return -1;
			}
			e[i].prefix = (unsigned)p;
		}
		free(s);
	}
	netlist_free(nl);
	nl->e = e;
	nl->n = nitems;
	return 0;
}

void netlist_free(struct netlist *nl)
{
	free(nl->e);
	nl->e = NULL;
	nl->n = 0;
}

static int prefix_eq(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned bytes = bits / 8, rest = bits % 8;
	if (memcmp(a, b, bytes) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[bytes] ^ b[bytes]) & (0xff << (8 - rest)) & 0xff) == 0;
}

int netlist_match(const struct netlist *nl, const char *ip)
{
	unsigned char a[16];
	int fam;
	char *s;
	size_t n;
	if (ip == NULL || nl->n == 0)
		return 0;
	/* Sendmail writes "[IPv6:...]" in some macros; Postfix writes bare text. */
	s = xstrdup(ip);
	n = strlen(s);
	{
		char *p = s;
		if (p[0] == '[' && n > 1 && p[n - 1] == ']') {
			p[n - 1] = '\0';
			p++;
		}
		if (cad_startswith_ci(p, "IPv6:"))
			p += 5;
		if (parse_addr(p, &fam, a) != 0) {
			free(s);
			return 0;
		}
	}
	free(s);
	if (fam == AF_INET6 && memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		memmove(a, a + 12, 4);   /* IPv4-mapped */
		fam = AF_INET;
	}
	for (size_t i = 0; i < nl->n; i++)
		if (nl->e[i].family == fam && prefix_eq(nl->e[i].addr, a, nl->e[i].prefix))
			return 1;
	return 0;
}
