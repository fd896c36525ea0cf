/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * netlist.h - InternalHosts: the networks whose mail is the organization's
 * own (relayed for it, so signed, never treated as inbound).
 *
 * Entries are IPv4 or IPv6 addresses with an optional /prefix
 * ("127.0.0.1", "10.0.0.0/8", "::1", "2001:db8::/32"). An IPv4-mapped IPv6
 * client address ("::ffff:10.1.2.3") matches the IPv4 entries.
 */
#ifndef CADENCE_MILTER_NETLIST_H
#define CADENCE_MILTER_NETLIST_H

#include <stddef.h>

#include "util.h"

struct net_entry {
	int family;                 /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned prefix;            /* bits */
};

struct netlist {
	struct net_entry *e;
	size_t n;
};

/* Parses the entries; an unparsable one is an error naming it. */
int netlist_parse(struct netlist *nl, char *const *items, size_t nitems, struct cad_err *err);
void netlist_free(struct netlist *nl);
/* 1 when the textual address ip (as in {client_addr}, brackets and an
 * "IPv6:" prefix allowed) is in the list. */
int netlist_match(const struct netlist *nl, const char *ip);

#endif
