/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mconn.h - the milter's per-connection state.
 *
 * A connection (one SMTP session between the MTA and a client) lives from
 * the first callback to xxfi_close; it keeps what negotiation gave it,
 * the HELO name and, lazily opened, a store handle (one per connection,
 * so that each libmilter thread has its own database connection), and the
 * message in progress (mmsg.h).
 */
#ifndef CADENCE_MILTER_MCONN_H
#define CADENCE_MILTER_MCONN_H

#include "store.h"
#include "util.h"

struct mmsg;

struct mconn {
	/* what negotiation gave this connection */
	int leadspc;              /* header values keep their leading space */
	int nr_hdr;               /* the MTA expects no reply to headers */
	int nr_helo;              /* ... nor to HELO */
	int skip;                 /* SMFIS_SKIP is allowed in the body callback */
	int addhdrs;              /* headers may be inserted (signing) */
	int nr_rcpt;              /* no reply to RCPT */
	int nr_mail;              /* no reply to MAIL FROM */
	int delrcpt;              /* recipients may be removed (cadence's own) */
	int chghdrs;              /* headers may be changed (To/Cc without cadence's) */

	char *helo;
	struct store *store;      /* NULL until needed; reopened when the path changes */
	char *store_path;
	struct mmsg *msg;      /* the message in progress, or NULL */
};

struct mconn *mconn_new(void);
void mconn_free(struct mconn *c);
/* Starts the connection's next message (ending any previous one; see
 * mmsg_new()), and ends it: c->msg is NULL afterwards. */
struct mmsg *mconn_msg_begin(struct mconn *c);
void mconn_msg_end(struct mconn *c);
void mconn_set_helo(struct mconn *c, const char *helo);
/* The store for the current message's configuration; opens it on first
 * use (never creates it: a missing database is an error, not a new one). */
struct store *mconn_store(struct mconn *c, struct cad_err *err);

#endif
