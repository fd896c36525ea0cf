/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * filter_answer.c - how cadence-milter ends a message: a final answer ends
 * the message's state; a failure is answered as the policy table says
 * (policy.c: a person's mail accepted, sequence mail tempfailed). Calls no
 * other filter file.
 */
#include "config.h"

#include "filter_int.h"
#include "mapi.h"

/* Ends the message on a final answer, so that nothing lingers after it. */
sfsistat filter_answer_done(struct mconn *cn, sfsistat r)
{
	mconn_msg_end(cn);
	return r;
}

static sfsistat apply(SMFICTX *ctx, struct mconn *cn, enum policy_action a)
{
	if (a == POLICY_TEMPFAIL) {
		mapi_setreply(ctx, "451", "4.3.0", "cadence: temporary failure, please try again");
		return filter_answer_done(cn, SMFIS_TEMPFAIL);
	}
	return filter_answer_done(cn, SMFIS_ACCEPT);
}

sfsistat filter_answer_fail(SMFICTX *ctx, struct mconn *cn, enum fail_kind kind,
			    const char *detail)
{
	struct mmsg *m = cn->msg;
	return apply(ctx, cn, policy_fail(m->cls, kind, m->qid, detail));
}

void filter_answer_log_addr(enum cad_log_level lvl, const struct mmsg *m, const char *what,
			    const char *addr)
{
	struct sbuf b;
	sbuf_init(&b);
	cad_printable(&b, addr != NULL ? addr : "", 200);
	cad_log(lvl, "%s: %s <%s>", m->qid, what, b.s);
	sbuf_free(&b);
}
