/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * submit.h - handing one composed message to the MTA over SMTP (libcurl).
 *
 * One message, one envelope sender, one recipient (and, optionally, the
 * rep's copy as a second envelope recipient: opts->copy_rcpt), one SMTP
 * transaction: on its own connection (submit_message), or on a session's
 * connection reused for several messages (submit_session_*: RSET before
 * each transaction after the first; plain sequential MAIL/RCPT/DATA, no
 * PIPELINING, so that each transaction's outcome is read before the next
 * one starts). The outcome is the contact's, and is classified for the
 * scheduler:
 *
 *   SUBMIT_ACCEPTED  the server answered 2xx to the end of data; the reply
 *                    text (and Postfix's queue id in it) is kept.
 *   SUBMIT_TEMPFAIL  a 4xx reply, or no usable reply at all (connection
 *                    refused or lost, timeout, TLS trouble, a bad SubmitURL):
 *                    try again later with backoff.
 *   SUBMIT_PERMFAIL  a 5xx reply, or an envelope address cadence must not
 *                    send to: the step fails.
 *
 * What it guarantees:
 * - Connect and total time are bounded; no proxy is ever used; only the
 *   smtp and smtps protocols are allowed (no redirects to anything else).
 * - The envelope addresses are checked (no CR, LF, angle brackets) before
 *   anything is sent; libcurl dot-stuffs the data.
 * - reply is the server's deciding reply, made printable and bounded; it
 *   says which command it answered ("RCPT: 550 5.1.1 ...").
 * - code is the code of the deciding reply, and 0 when that reply never
 *   came (connection refused, lost or timed out while waiting), never the
 *   code of an earlier reply (libcurl's 354).
 * - A TEMPFAIL with stage SUBMIT_STAGE_END_OF_DATA and code 0 is ambiguous:
 *   the data was sent and the server's answer was lost, so the MTA may have
 *   queued the message (RFC 1047). Resend it with the same Message-ID; the
 *   milter's witness tells whether it already left (src/rules/ledger.h).
 * - A session: one transaction's outcome is that transaction's alone. A
 *   transaction is in flight only while submit_session_send runs, so a
 *   connection lost mid-batch leaves at most that one without its final
 *   reply (end of data and code 0: unknown, as above); the messages after
 *   it were not begun on that connection: the next send opens a new one
 *   (libcurl closes a connection after any failed transaction, so a 4xx or
 *   5xx never leaves a half transaction for the next message).
 */
#ifndef CADENCE_SUBMIT_H
#define CADENCE_SUBMIT_H

#include <stddef.h>

#include "util.h"

#define SUBMIT_CONNECT_TIMEOUT_MS 10000L
#define SUBMIT_TIMEOUT_MS 120000L
#define SUBMIT_REPLY_MAX 1024      /* bytes of reply text kept */

enum submit_status { SUBMIT_ACCEPTED, SUBMIT_TEMPFAIL, SUBMIT_PERMFAIL };
const char *submit_status_name(enum submit_status s);  /* "accepted", ... */

/* The SMTP stage the deciding reply answered. */
enum submit_stage {
	SUBMIT_STAGE_NONE,        /* nothing sent (local check failed) */
	SUBMIT_STAGE_CONNECT,     /* greeting */
	SUBMIT_STAGE_HELO,        /* EHLO/HELO, STARTTLS, AUTH */
	SUBMIT_STAGE_MAIL,
	SUBMIT_STAGE_RCPT,
	SUBMIT_STAGE_DATA,        /* the DATA command itself */
	SUBMIT_STAGE_END_OF_DATA  /* the final "." */
};
const char *submit_stage_name(enum submit_stage s);   /* "RCPT", "end of data" */

struct submit_opts {
	long connect_timeout_ms;  /* 0: SUBMIT_CONNECT_TIMEOUT_MS */
	long timeout_ms;          /* whole transaction; 0: SUBMIT_TIMEOUT_MS */
	const char *copy_rcpt;    /* a second envelope recipient (the rep's copy), or NULL */
};

struct submit_result {
	enum submit_status status;
	enum submit_stage stage;
	int code;                 /* SMTP reply code; 0 when there was none */
	char *reply;              /* "RCPT: 450 4.3.0 Error: ..." or the local error */
	char *queue_id;           /* from "queued as ID" (Postfix) or "id=ID"; or NULL */
	int copy_code;            /* the reply to the copy's RCPT; 0 when none came */
	char *copy_reply;         /* its text ("RCPT: 550 ..."), or NULL */
};

/* Once per process, before threads: curl_global_init(). 0 or -1 + err. */
int submit_global_init(struct cad_err *err);

/* Submits len bytes of msg (CRLF line ends) to url ("smtp://host:port",
 * "smtps://..."; a path sets the EHLO name, as in libcurl) from mail_from
 * (the envelope sender, perhaps a VERP address) to rcpt. opts may be NULL.
 * Always fills res; free it with submit_result_free(). */
void submit_message(const char *url, const char *mail_from, const char *rcpt,
    const char *msg, size_t len, const struct submit_opts *opts,
    struct submit_result *res);
void submit_result_free(struct submit_result *res);

/* A session: submit_session_open never fails (a handle that cannot be
 * made fails each send locally, as a TEMPFAIL); opts gives the timeouts
 * (per transaction) and may be NULL. Each send is one transaction on the
 * session's connection (opened, or opened again, as needed), with
 * copy_rcpt (or NULL) as the second envelope recipient; res as for
 * submit_message. close sends QUIT and frees. */
struct submit_session;
struct submit_session *submit_session_open(const char *url, const struct submit_opts *opts);
void submit_session_send(struct submit_session *ss, const char *mail_from, const char *rcpt,
    const char *msg, size_t len, const char *copy_rcpt, struct submit_result *res);
/* RSETs the server answered with 250 so far (for tests). */
int submit_session_rsets(const struct submit_session *ss);
void submit_session_close(struct submit_session *ss);

/* The queue id in an SMTP reply ("250 2.0.0 Ok: queued as 4ABC12DEF"), or
 * NULL. Pure; caller frees. */
char *submit_queue_id(const char *reply);

/* The status an SMTP reply code means: 2xx accepted, 5xx permanent, and
 * everything else (4xx, 0 = no reply, nonsense) temporary. */
enum submit_status submit_classify(int code);

#endif
