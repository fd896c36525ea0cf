/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mmsg.h - the milter's per-message state (the connection's is in
 * mconn.h).
 *
 * A message lives from MAIL FROM
 * to the end of message or an abort; it holds a reference to the
 * configuration it started with, the macros it needs, its headers (capped
 * in bytes by HeaderLimit and in number by MILTER_MAX_HEADERS) and, when
 * something needs it, its body up to BodyLimit.
 *
 * Guarantees: caps are enforced here, once: an overflow is recorded in the
 * message (hdr_overflow, body_truncated), never silently cut mid-header.
 */
#ifndef CADENCE_MILTER_MMSG_H
#define CADENCE_MILTER_MMSG_H

#include <stddef.h>

#include "inbound.h"
#include "mconf.h"
#include "policy.h"
#include "store.h"
#include "util.h"

struct msign;

struct mmsg_hdr {
	char *name;
	char *value;      /* as the MTA passed it (leading space kept with HDR_LEADSPC) */
	/* set at EOH when the MTA is to rewrite this header at EOM (To/Cc
	 * without cadence's own addresses, hdr_strip.h); the signer sees
	 * new_value (NULL: the header is deleted) */
	int rewrite;
	char *new_value;
};

struct mmsg {
	struct mconf *mc;         /* configuration reference for this message */
	char *qid;                /* the "i" macro, "NOQUEUE" until known */
	char *client_addr;        /* {client_addr} */
	char *auth_authen;        /* {auth_authen}: SMTP AUTH user, or NULL */
	char *daemon_name;        /* {daemon_name} */
	char *env_from;           /* envelope sender without <>, "" for the null sender */
	int outbound;             /* from InternalHosts or an authenticated user */
	int null_sender;          /* MAIL FROM:<> (a DSN, an auto-reply, a report) */
	enum mail_class cls;      /* MAIL_PERSON unless recognised as sequence mail */

	struct mmsg_hdr *hdrs;
	size_t nhdrs, caphdrs;
	size_t hdr_bytes;
	int hdr_overflow;         /* a header was refused by a cap */

	int want_body;            /* keep the body (up to BodyLimit) */
	struct sbuf body;
	int body_truncated;

	char *from_addr;          /* the From header's address, normalized */
	struct msign *signer;

	/* envelope recipients, as RCPT gave them (at most MILTER_MAX_RCPTS) */
	char **rcpts;
	size_t nrcpts, caprcpts;
	int rcpt_overflow;        /* more recipients than kept */
	int rcpt_internal;        /* one is at an InternalDomains domain */
	int rcpt_external;        /* one is elsewhere (not cadence's own either) */
	/* which of them are cadence's own addresses (consumed at EOM) */
	struct mmsg_own {
		char *rcpt;                  /* as RCPT gave it, for smfi_delrcpt */
		struct inbound_own_addr own;
	} *own;
	size_t nown;

	char *msgid;              /* the Message-ID (bare), when exactly one; or NULL */
	/* Message-ID fields, noted as they come and regardless of the header
	 * caps, so that whether a message is sequence mail is decided before
	 * any limit applies to it (issue #9): */
	size_t nmsgids;           /* Message-ID fields seen */
	char *first_msgid;        /* the first one's bare value, or NULL */
	int msgid_ours;           /* outbound: one of them verifies with the site secret */
	int msgid_test;           /* outbound: a test copy's (msgid_verify_test): signed, no gate */
	/* what the end of message does (decided at EOH) */
	int do_inbound;           /* classify and hand to inbound_handle() */
	int do_enroll;            /* enroll by address (an enroll+SEQ recipient) */
	int do_rep;               /* the rep's mail may complete manual-email tasks */
	enum inbound_auth auth;   /* inbound: what the signal's authentication says */
	char *auth_detail;        /* "spf=pass dkim=none dmarc=none" */
};

/* A new message holding a reference to the current configuration;
 * mmsg_free() ends it (NULL is a no-op). The connection that carries it
 * is mconn.h's: mconn_msg_begin()/mconn_msg_end(). */
struct mmsg *mmsg_new(void);
void mmsg_free(struct mmsg *m);
void mmsg_set_qid(struct mmsg *m, const char *qid);
/* Adds a header; -1 (and hdr_overflow set) when a cap refuses it. A
 * Message-ID field is noted first in any case (mmsg_note_msgid). */
int mmsg_add_header(struct mmsg *m, const char *name, const char *value);
/* Counts a Message-ID field and, for outbound mail, verifies it with the
 * site secret (an HMAC, no SQL); keeps the first one's bare value. Bounded by what the MTA
 * passes; kept outside HeaderLimit and MILTER_MAX_HEADERS. */
void mmsg_note_msgid(struct mmsg *m, const char *value);
/* The Message-ID without angle brackets and surrounding space (caller
 * frees); NULL when value is NULL or empty, or longer than 998 bytes. */
char *mmsg_bare_msgid(const char *value);
/* The nth (0-based) header called name (case-insensitive), or NULL. */
const char *mmsg_header(const struct mmsg *m, const char *name, size_t n);
/* Keeps up to BodyLimit bytes; returns 1 once the cap is reached. */
int mmsg_add_body(struct mmsg *m, const void *p, size_t n);
/* Keeps an envelope recipient (sets rcpt_overflow beyond the cap). */
void mmsg_add_rcpt(struct mmsg *m, const char *rcpt);
/* Remembers that rcpt is one of cadence's own addresses. */
void mmsg_add_own(struct mmsg *m, const char *rcpt, const struct inbound_own_addr *own);

#endif
