/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * compose.h - turning a rendered sequence step into an RFC 5322 message,
 * ready for SMTP submission.
 *
 * What it guarantees:
 * - The output is a complete message with CRLF line ends: Date (in the
 *   sender's zone offset), From, To, Subject, Message-ID, In-Reply-To and
 *   References when threading, List-Unsubscribe (mailto and https) with
 *   List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058), the
 *   caller's extra headers, MIME-Version: 1.0 and a single text/plain;
 *   charset=utf-8 part: 7bit when the body is ASCII with lines of at most
 *   COMPOSE_7BIT_LINE_MAX bytes, quoted-printable otherwise. Non-ASCII
 *   display names, subjects and extra header values are RFC 2047 encoded;
 *   long headers are folded. GMime does the MIME work.
 * - Header injection is impossible: a CR or LF (or other control byte) in
 *   any header input is refused with an error naming the field, and the
 *   output is empty. So are malformed addresses and Message-IDs, non-UTF-8
 *   text, and extra headers that would duplicate or replace a header this
 *   module writes.
 * - compose_message() is pure: same input, same bytes.
 */
#ifndef CADENCE_COMPOSE_H
#define CADENCE_COMPOSE_H

#include <stddef.h>

#include "util.h"

/* Body lines longer than this make the body quoted-printable. */
#define COMPOSE_7BIT_LINE_MAX 998
/* Bounds on the inputs (bytes). */
#define COMPOSE_HEADER_MAX 4096
#define COMPOSE_BODY_MAX (4 * 1024 * 1024)
#define COMPOSE_REFS_MAX 64

struct compose_header {
	const char *name;        /* "X-Cadence-Sequence" */
	const char *value;       /* UTF-8; encoded per RFC 2047 when needed */
};

struct compose_in {
	const char *from_name;   /* the rep's display name (UTF-8) or NULL */
	const char *from_addr;   /* the rep's address */
	const char *to_name;     /* the contact's display name or NULL */
	const char *to_addr;     /* the contact's address */
	const char *subject;     /* rendered, UTF-8 (may be empty, not NULL) */
	const char *body;        /* rendered, UTF-8, LF or CRLF line ends */
	cad_time_t date;         /* the Date: header, UTC seconds */
	int tz_offset_minutes;   /* the sender's offset east of UTC (+60 = CET) */
	const char *message_id;  /* "token@domain", without angle brackets */
	const char *in_reply_to; /* threading: the earlier step's id, or NULL */
	const char *const *references;   /* ids without brackets, oldest first */
	size_t nreferences;
	const char *unsub_mailto;   /* "unsubscribe+TOKEN@domain" or NULL */
	const char *unsub_url;      /* "https://host/u/TOKEN" or NULL */
	const struct compose_header *extra;
	size_t nextra;
};

/* Composes in into out (appended; out is left unchanged on error).
 * 0 on success, -1 with err naming the field ("subject: contains a line
 * break"). */
int compose_message(const struct compose_in *in, struct sbuf *out, struct cad_err *err);

/* "Re: " + subject, without stacking: any leading "Re:", "RE:", "re :",
 * "Re[2]:" prefixes are dropped first. Caller frees. */
char *compose_reply_subject(const char *subject);

#endif
