/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * enroll_mail.h - enroll by mail: a rep writes to contacts and puts
 * enroll+SEQ@Domain among the recipients (Bcc); every external recipient
 * is enrolled in SEQ as the rep named in From, and the rep's own message
 * becomes their step 1 (cadenced does not send step 1 again).
 *
 * The caller (cadence-milter, at the end of the message) has read the
 * envelope and the headers and decided whether the message was submitted
 * as the rep (EnrollSenders: the SMTP AUTH login or a mapped client); it
 * passes that verdict as msg->refused. enroll_by_mail() does the rest:
 *
 *   - which recipients are contacts: not cadence's own addresses, not at
 *     an InternalDomains domain; which sequences: each enroll+ARG@Domain
 *     recipient (ARG: the sequence's name, id or slug);
 *   - submitted as someone else (msg->refused): nothing is enrolled; one
 *     "enroll_refused" event and, when From names a rep, a notice to that
 *     rep (notice_text_enroll_forged), in one transaction;
 *   - otherwise, for each (sequence, contact): the contact is made from
 *     the address when the rep is known (a rep may enroll someone cadence
 *     has not met), then enroll_one() and, when enrolled, the rep's
 *     message recorded as step 1 (store_msg_external, a fresh ledger
 *     token, step 2 due by the sequence's calendar), in ONE transaction:
 *     cadenced never sees the enrollment due before step 1 is recorded;
 *     when refused, the notice to the rep (notice_text_enroll_refused) in
 *     the transaction of enroll_one()'s enroll_refused event.
 *
 * Guarantees: never logs (the caller logs res, queue id first); every
 * string in res is printable and bounded (it quotes addresses from the
 * envelope); one pair's failure does not stop the others (it is that
 * item's outcome). Errors: -1 (err) only when nothing could be done (the
 * rep could not be read); res is then empty.
 */
#ifndef CADENCE_ENROLL_MAIL_H
#define CADENCE_ENROLL_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "inbound.h"
#include "secret.h"
#include "store.h"
#include "util.h"

struct enroll_mail_cfg {
	const struct inbound_addrs *addrs;     /* cadence's own addresses */
	const struct cad_secret *secret;       /* site secret: own tokens, ledger tokens */
	const char *const *internal_domains;   /* InternalDomains: never contacts */
	size_t ninternal_domains;
};

struct enroll_mail_msg {
	const char *from;              /* the From address, normalized: the rep */
	const char *const *rcpts;      /* envelope recipients as RCPT gave them */
	size_t nrcpts;
	const char *msgid;             /* the rep's Message-ID, bare (no <>), or NULL */
	const char *subject;           /* the Subject header's value, or NULL */
	const char *queue_id;          /* the MTA's queue id (ledger, event detail) */
	const char *refused;           /* NULL: submitted as the rep; else why not */
	cad_time_t now;
};

enum enroll_mail_outcome {
	ENROLL_MAIL_ENROLLED,   /* enrolled; step1 says what became of step 1 */
	ENROLL_MAIL_REFUSED,    /* enroll_one() refused it (note: why; recorded) */
	ENROLL_MAIL_FAILED      /* a store error (note: which); nothing written */
};

enum enroll_mail_step1 {
	ENROLL_MAIL_STEP1_RECORDED,  /* the rep's message is step 1 */
	ENROLL_MAIL_STEP1_SHARED,    /* ... its ledger row belongs to another enrollment */
	ENROLL_MAIL_STEP1_NONE       /* not recorded (note: why); cadenced sends step 1 */
};

struct enroll_mail_item {
	char *contact;                 /* printable */
	char *sequence;                /* the sequence's name, printable */
	enum enroll_mail_outcome outcome;
	int64_t enrollment_id;         /* ENROLLED */
	enum enroll_mail_step1 step1;  /* ENROLLED */
	char *note;                    /* printable, or NULL */
};

struct enroll_mail_result {
	char *actor;                   /* "mail:<rep>", printable */
	int64_t rep_id;                /* the rep of From, 0 when no rep has that address */
	int sender_refused;            /* msg->refused: nothing enrolled */
	char *contacts, *sequences;    /* printable lists ("a, b"), "" for none */
	struct enroll_mail_item *items;
	size_t nitems;
	/* failures beside the items (the refusal's record or notice, a
	 * contact not added): printable, "; "-separated, "" for none */
	struct sbuf warnings;
};

/* See the top of this file. 0 (res filled, even when every item failed),
 * or -1 with err when nothing could be done. The caller frees res with
 * enroll_mail_result_free() in either case. */
int enroll_by_mail(struct store *st, const struct enroll_mail_cfg *cfg,
		   const struct enroll_mail_msg *msg, struct enroll_mail_result *res,
		   struct cad_err *err);
void enroll_mail_result_free(struct enroll_mail_result *res);

/* The contacts an enroll message names: its envelope recipients that are
 * neither cadence's own addresses nor at an InternalDomains domain, as
 * addr-specs (lower-cased); *n of them in *out (caller frees each and
 * the array). Pure. */
void enroll_mail_contacts(const struct enroll_mail_cfg *cfg, const char *const *rcpts,
			  size_t nrcpts, char ***out, size_t *n);
/* 1 when addr's domain is one of cfg's InternalDomains. Pure. */
int enroll_mail_internal(const struct enroll_mail_cfg *cfg, const char *addr);

#endif
