/*
 * freemail.h - free-mail providers and organizational domains, for the
 * company scope of inbound matching (a reply from someone at acme.test may
 * stop the sequence of every contact at acme.test; a reply from someone at
 * gmail.com says nothing about anyone else at gmail.com).
 *
 * The provider list is compiled in (freemail.c): the large consumer
 * providers and their country variants. An entry "hotmail.*" stands for
 * hotmail under any public suffix (hotmail.com, hotmail.co.uk, hotmail.de).
 *
 * The organizational domain is the registrable domain: the public suffix
 * plus one label. The suffixes known here are the common two-label ones
 * (co.uk, com.au, co.jp, ...); any other domain's suffix is taken to be its
 * last label. That errs towards a larger organization only for rare
 * suffixes, and freemail_is() is checked on the result as well.
 *
 * Pure functions of their argument; case-insensitive; no I/O.
 */
#ifndef CADENCE_FREEMAIL_H
#define CADENCE_FREEMAIL_H

/* 1 when domain (or the organizational domain it belongs to) is a free-mail
 * provider's, 0 otherwise (also for NULL or ""). */
int freemail_is(const char *domain);

/* The organizational domain of domain, lower-cased ("mail.eu.acme.co.uk" ->
 * "acme.co.uk"), or NULL when domain is not a usable domain name (empty,
 * an address literal, a single label, empty labels). Caller frees. */
char *freemail_org_domain(const char *domain);

#endif
