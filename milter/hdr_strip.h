/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hdr_strip.h - takes cadence's own addresses (enroll+SEQ, unsubscribe+TOKEN,
 * bounces+TOKEN @Domain, as inbound_own_address() decides) out of an
 * address header value (To, Cc), so that a rep who puts the enroll address
 * in To or Cc does not show it to the contact.
 *
 * Pure: a header value in, a new value out; no milter, no SQL, no clock.
 *
 * Guarantees: only the entries that are cadence's own addresses are
 * removed, each with one adjacent comma; every other byte of the value
 * (other addresses, display names, quoted strings with commas, comments,
 * groups, encoded words, folding whitespace) is kept as written. A group
 * keeps its name and ';' even when all its members were cadence's. Each
 * entry is read with GMime's internet_address_list_parse(); an entry GMime
 * does not read as exactly one mailbox is kept as written.
 */
#ifndef CADENCE_MILTER_HDR_STRIP_H
#define CADENCE_MILTER_HDR_STRIP_H

#include <stddef.h>

#include "inbound.h"
#include "secret.h"

/* value: the header value as the MTA passed it (folds as "\n" or "\r\n",
 * a leading space kept or not; that leading whitespace stays).
 * Returns 0 when value holds none of cadence's addresses (*out = NULL,
 * nothing to change); 1 when it does: *out is the new value (caller frees),
 * or NULL when no entry is left (the header is to be deleted);
 * *nremoved (when not NULL) counts the entries taken out.
 * Requires g_mime_init(). */
int hdr_strip_own(const char *value, const struct inbound_addrs *a,
		  const struct cad_secret *secret, char **out, size_t *nremoved);

#endif
