/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * policy.c - the failure policy table (see policy.h).
 */
#include "config.h"

#include <string.h>

#include "policy.h"
#include "util.h"

struct policy_row {
	enum fail_kind kind;
	const char *name;
	enum policy_action person;    /* a rep's or a contact's mail */
	enum policy_action sequence;  /* sequence mail */
};

/* One row per failure kind. A person's mail always passes; sequence mail
 * always waits (the scheduler resubmits it; the gate decides again then). */
static const struct policy_row table[FAIL_KIND_COUNT] = {
	{ FAIL_STORE,    "store",    POLICY_ACCEPT, POLICY_TEMPFAIL },
	{ FAIL_LIMIT,    "limit",    POLICY_ACCEPT, POLICY_TEMPFAIL },
	{ FAIL_SIGN,     "sign",     POLICY_ACCEPT, POLICY_TEMPFAIL },
	{ FAIL_MILTER,   "milter",   POLICY_ACCEPT, POLICY_TEMPFAIL },
	{ FAIL_INTERNAL, "internal", POLICY_ACCEPT, POLICY_TEMPFAIL },
};

_Static_assert(FAIL_INTERNAL + 1 == FAIL_KIND_COUNT, "one policy row per failure kind");

enum policy_action policy_on_failure(enum mail_class cls, enum fail_kind kind)
{
	if ((unsigned)kind >= FAIL_KIND_COUNT)
		kind = FAIL_INTERNAL;
	return cls == MAIL_SEQUENCE ? table[kind].sequence : table[kind].person;
}

const char *fail_kind_name(enum fail_kind kind)
{
	if ((unsigned)kind >= FAIL_KIND_COUNT)
		kind = FAIL_INTERNAL;
	return table[kind].name;
}

const char *mail_class_name(enum mail_class cls)
{
	return cls == MAIL_SEQUENCE ? "sequence" : "person";
}

enum policy_action policy_fail(enum mail_class cls, enum fail_kind kind, const char *qid,
			       const char *detail)
{
	enum policy_action a = policy_on_failure(cls, kind);
	struct sbuf d;
	sbuf_init(&d);
	cad_printable(&d, detail != NULL ? detail : "", 300);
	cad_log(CAD_LOG_WARN, "%s: %s failure on %s mail: %s; %s", qid != NULL ? qid : "NOQUEUE",
		fail_kind_name(kind), mail_class_name(cls), d.s,
		a == POLICY_ACCEPT ? "accepting it unchanged (fail open)"
				   : "tempfailing it (sequence mail fails closed)");
	sbuf_free(&d);
	return a;
}
