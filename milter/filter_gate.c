/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * filter_gate.c - the sequence-mail gate at end of message (DESIGN.md "the
 * milter is the last gate"): store_msg_gate() with the queue id, in one
 * transaction; ACCEPT witnesses the message; a stopped or already sent
 * one, or a verifying Message-ID the ledger never recorded, is refused
 * 550 5.7.1 with the reason; a store failure fails closed (policy.c).
 */
#include "config.h"

#include <stdlib.h>

#include "filter_int.h"
#include "mapi.h"
#include "store.h"
#include "store_ledger.h"

/* A reply text for smfi_setreply: printable, no '%' (libmilter formats it). */
static char *reply_text(const char *prefix, const char *why)
{
	struct sbuf b;
	char *s;
	sbuf_init(&b);
	sbuf_adds(&b, prefix);
	cad_printable(&b, why != NULL ? why : "", 300);
	s = sbuf_detach(&b);
	for (char *p = s; *p; p++)
		if (*p == '%' || *p == '\\')
			*p = '?';
	return s;
}

/* The gate (DESIGN.md "the milter is the last gate"): sequence mail leaves
 * only while its enrollment is active, once, witnessed with the queue id.
 * SMFIS_CONTINUE when it may go on. */
sfsistat filter_gate(SMFICTX *ctx, struct mconn *cn, struct mmsg *m, cad_time_t now)
{
	struct cad_err err = { "" };
	enum gate_verdict verdict = GATE_UNKNOWN;
	char why[512];
	struct store *st = mconn_store(cn, &err);
	char *text;

	if (st == NULL)
		return filter_answer_fail(ctx, cn, FAIL_STORE, err.msg);
	if (store_msg_gate(st, m->msgid, m->qid, now, &verdict, why, sizeof(why), &err) != 0)
		return filter_answer_fail(ctx, cn, FAIL_STORE, err.msg);
	if (verdict == GATE_ACCEPT) {
		cad_log(CAD_LOG_INFO, "%s: sequence mail witnessed <%s>", m->qid, m->msgid);
		return SMFIS_CONTINUE;
	}
	/* A verifying Message-ID without a ledger row was made with our
	 * secret but never recorded: forged, or another site's store. */
	text = reply_text("cadence: ", verdict == GATE_REJECT ? why
				       : "a sequence message this site never recorded");
	cad_log(CAD_LOG_NOTICE, "%s: sequence mail <%s> rejected: %s", m->qid, m->msgid, text + 9);
	if (mapi_setreply(ctx, "550", "5.7.1", text) != MI_SUCCESS)
		cad_log(CAD_LOG_WARN, "%s: smfi_setreply failed", m->qid);
	free(text);
	return filter_answer_done(cn, SMFIS_REJECT);
}
