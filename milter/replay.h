/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * replay.h - drives a milter's callbacks (a struct smfiDesc) over one
 * message in process, without libmilter's socket or an MTA, as OpenDKIM's
 * test mode does (opendkim -t, opendkim/test.c): the unit tests and
 * cadence-milter -T use it. It plays the MTA: it negotiates offering what
 * Postfix offers (or nothing, as an MTA of milter protocol 2), passes
 * HELO, MAIL FROM, each RCPT, each header, the end of headers, the body in
 * chunks with CRLF line ends, the end of message, then closes; it answers
 * the callbacks' libmilter calls (mapi.h: it installs its own table for
 * the run and puts libmilter's back after) and records what they asked
 * for: headers inserted or changed, recipients removed, the reply.
 *
 * The message is read as a mail client writes it (LF or CRLF line ends);
 * header fields are passed as Postfix passes them (the name, the value
 * with its folding as LF, the leading space only when the milter asked
 * for it with SMFIP_HDR_LEADSPC).
 *
 * Not thread-safe: one replay at a time in a process.
 * Errors: -1 (err) only for a message that has no header section.
 */
#ifndef CADENCE_MILTER_REPLAY_H
#define CADENCE_MILTER_REPLAY_H

#include <stddef.h>

#include <libmilter/mfapi.h>

#include "util.h"

struct replay_env {
	const char *helo;              /* NULL: "replay.invalid" */
	const char *mail_from;         /* envelope sender without <>; "" the null sender */
	const char *const *rcpts;      /* envelope recipients without <> */
	size_t nrcpts;
	const char *client_addr;       /* {client_addr}; NULL: 127.0.0.1 */
	const char *auth_authen;       /* {auth_authen}: SMTP AUTH login, or NULL */
	const char *daemon_name;       /* {daemon_name}; NULL: "replay" */
	const char *queue_id;          /* i; NULL: "REPLAY" */
	int old_mta;                   /* offer no protocol options (no negotiation) */
	/* called with the milter's private pointer just before the end of
	 * message (after = 0) and just after it (after = 1); may be NULL */
	void (*at_eom)(void *priv, int after, void *arg);
	void *arg;
};

enum replay_kind {
	REPLAY_INSHEADER,   /* index, name, value */
	REPLAY_CHGHEADER,   /* index (1-based among that name), name, value (NULL: deleted) */
	REPLAY_DELRCPT      /* value: the recipient */
};

struct replay_action {
	enum replay_kind kind;
	int index;
	char *name;
	char *value;
};

struct replay_result {
	sfsistat answer;       /* the answer that ended the message (SMFIS_CONTINUE:
				* it went through every step and is delivered) */
	const char *stage;     /* where: "eoh", "eom", ... */
	char *reply;           /* "550 5.7.1 text" when the milter set one, else NULL */
	struct replay_action *actions;
	size_t nactions;
	int negotiated;        /* the milter answered the negotiation */
	unsigned long actions_flags, proto_flags;   /* what it asked for */
};

int replay_run(const struct smfiDesc *desc, const struct replay_env *env, const char *msg,
	       size_t len, struct replay_result *res, struct cad_err *err);
void replay_result_free(struct replay_result *res);

/* The answer's name: "continue", "accept", "reject", "tempfail", "discard", ... */
const char *replay_answer_name(sfsistat a);

#endif
