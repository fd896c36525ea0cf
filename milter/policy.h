/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * policy.h - what the milter does when something inside it goes wrong.
 *
 * DESIGN.md rule 1: a person's real mail (a rep's, a contact's) is never
 * lost, delayed or altered because of cadence: on any internal error it is
 * accepted and the reason is logged. Sequence mail is the one exception: it
 * fails closed (tempfail), so that nothing leaves unsigned, unrecorded or
 * after the contact stopped the sequence; the scheduler retries it.
 *
 * The decision is a table (policy.c) rather than code spread through the
 * callbacks, so that every failure has exactly one answer and a test can
 * check all of them.
 */
#ifndef CADENCE_MILTER_POLICY_H
#define CADENCE_MILTER_POLICY_H

enum mail_class {
	MAIL_PERSON,     /* a rep's or a contact's own mail */
	MAIL_SEQUENCE    /* sequence mail, recognised by its verifiable Message-ID */
};

enum fail_kind {
	FAIL_STORE,      /* the store cannot be opened, is locked too long, errs */
	FAIL_LIMIT,      /* the message exceeds HeaderLimit / the header count */
	FAIL_SIGN,       /* DKIM signing failed (key, library) */
	FAIL_MILTER,     /* a libmilter call failed (smfi_insheader, ...) */
	FAIL_INTERNAL    /* a kind out of range: a bug (the answer stays safe) */
};
/* Every kind is raised somewhere in milter/ (an allocation that fails
 * aborts, x* of util.h; a message the classifier cannot parse is "not a
 * signal", not a failure: the former nomem and parse kinds were never
 * raised). */
#define FAIL_KIND_COUNT 5

enum policy_action {
	POLICY_ACCEPT,   /* let the message pass unchanged */
	POLICY_TEMPFAIL  /* 451 4.3.0: the sender retries later */
};

/* The table's answer. */
enum policy_action policy_on_failure(enum mail_class cls, enum fail_kind kind);
/* Logs the failure (queue id, class, kind, detail; detail is made
 * printable) and returns the table's answer. */
enum policy_action policy_fail(enum mail_class cls, enum fail_kind kind, const char *qid,
			       const char *detail);

const char *fail_kind_name(enum fail_kind kind);     /* "store", "limit", ... */
const char *mail_class_name(enum mail_class cls);    /* "person", "sequence" */

#endif
