/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * freemail.h - free-mail providers, for the
 * company scope of inbound matching (a reply from someone at acme.test may
 * stop the sequence of every contact at acme.test; a reply from someone at
 * gmail.com says nothing about anyone else at gmail.com).
 *
 * The provider list is compiled in (freemail.c): the large consumer
 * providers and their country variants. An entry "hotmail.*" stands for
 * hotmail under any public suffix (hotmail.com, hotmail.co.uk, hotmail.de).
 *
 * The organizational domain (the registrable domain) is cad_org_domain()'s
 * (orgdomain.h: the Public Suffix List through libpsl), the same one DMARC
 * alignment uses; company grouping calls it directly.
 *
 * A pure function of its argument (after the list is loaded once);
 * case-insensitive.
 */
#ifndef CADENCE_FREEMAIL_H
#define CADENCE_FREEMAIL_H

/* 1 when domain (or the organizational domain it belongs to) is a free-mail
 * provider's, 0 otherwise (also for NULL or ""). */
int freemail_is(const char *domain);

#endif
