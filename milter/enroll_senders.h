/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * enroll_senders.h - who may enroll by mail as which rep (EnrollSenders).
 *
 * Enroll by address (enroll+SEQ@Domain as a recipient) enrolls the other
 * recipients as the rep named in From. A From line is what the sender
 * typed, so the milter acts only when the message's submitter is that rep:
 * - with SMTP AUTH ({auth_authen}): the login is the rep's address
 *   (case-insensitive), or the table maps the login to the rep;
 * - without AUTH (an InternalHosts client, such as a webmail or groupware
 *   server that authenticated its users itself): the table maps the
 *   client's address to the rep.
 * Anything else is refused; the caller tells the rep (a notice) and logs.
 *
 * The table (cadence.conf EnrollSenders), in the style of OpenDKIM's
 * tables: one entry a line, '#' starts a comment, fields separated by
 * white space or commas:
 *   identity   rep [rep ...]
 * identity: an SMTP AUTH login name (case-insensitive), or a client
 * address or network in brackets ("[192.0.2.25]", "[10.0.0.0/8]",
 * "[2001:db8::/32]"); a bracketed entry never applies to a message with
 * SMTP AUTH (the login is the stronger identity). rep: a rep's address, or
 * "@domain" for any address at exactly that domain. Several lines may
 * name the same identity; they add up.
 *
 * Guarantees: bounded (ENROLL_SENDERS_MAX_BYTES a file); a bad line is an
 * error naming file:line and nothing is loaded; read-only once loaded
 * (part of the milter's configuration, shared by its threads).
 */
#ifndef CADENCE_MILTER_ENROLL_SENDERS_H
#define CADENCE_MILTER_ENROLL_SENDERS_H

#include <stddef.h>

#include "netlist.h"
#include "util.h"

#define ENROLL_SENDERS_MAX_BYTES (1024 * 1024)

struct enroll_sender {
	char *login;          /* AUTH login, lower-cased; NULL for a client entry */
	struct netlist net;   /* the client network of a client entry */
	char **reps;          /* lower-cased addresses or "@domain" */
	size_t nreps;
	int line;
};

struct enroll_senders {
	struct enroll_sender *v;
	size_t n;
};

/* Parses text (the file's contents; fname for the messages). */
int enroll_senders_parse(struct enroll_senders *t, const char *text, const char *fname,
			 struct cad_err *err);
/* Reads and parses path. */
int enroll_senders_load(struct enroll_senders *t, const char *path, struct cad_err *err);
void enroll_senders_free(struct enroll_senders *t);

/* 1 when a message submitted with AUTH login auth (NULL: none) from client
 * address client may enroll as rep (the From address); 0 otherwise, with
 * why (when not NULL) saying so in a sentence for the log and the rep. */
int enroll_senders_allowed(const struct enroll_senders *t, const char *auth,
			   const char *client, const char *rep, struct sbuf *why);

#endif
