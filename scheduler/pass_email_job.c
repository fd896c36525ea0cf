/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pass_email_job.c - one email job (pass_email_int.h's struct email_job)
 * made ready and handed to the MTA: its buffers, the RFC 5322 message
 * (with its {{unsubscribe_url}} and the first attempt's subject and Date),
 * its envelope (the rep or the VERP address, and RepCopy's recipient), and
 * its submission on a connection of its own or on a batch's session.
 * Nothing here reads or writes the store; pass_email_job_submit touches
 * nothing but the job (a batch's submitters run it in threads).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pass_email_int.h"
#include "token.h"
#include "tmpl.h"

/* RepCopy yes: the rep's own mailbox, by an address extension that a
 * Sieve rule (contrib/sieve/cadence-sent.sieve) files into Sent. */
#define PASS_REP_COPY_DEFAULT "%l+cadence-sent@%d"

void pass_email_job_init(struct email_job *j, const struct pass_item *it)
{
	memset(j, 0, sizeof(*j));
	j->it = it;
	j->s = it->s;
	j->stats = it->stats;
	j->now = it->now;
	j->eid = it->v->e.id;
	j->step = it->v->e.step;
	j->email = xstrdup(it->ct->email ? it->ct->email : "");
	sbuf_init(&j->subj);
	sbuf_init(&j->body);
	sbuf_init(&j->msg);
}

void pass_email_job_free(struct email_job *j)
{
	free(j->email);
	free(j->mail_from);
	free(j->copy);
	submit_result_free(&j->res);
	sbuf_free(&j->subj);
	sbuf_free(&j->body);
	sbuf_free(&j->msg);
	free(j->subject);
	sent_msg_free(&j->m);
	sent_msg_free(&j->parent);
	while (j->nrefs > 0)
		free(j->refs[--j->nrefs]);
}

/* The RFC 5322 message, with the first attempt's subject and Date. */
int pass_email_job_compose(struct email_job *j, struct cad_err *cerr)
{
	const struct pass_item *it = j->it;
	const struct cad_conf *conf = &it->s->conf;
	struct compose_in in;
	char *to_name = NULL, *unsub_mailto, *unsub_url = NULL;
	int rc;

	unsub_mailto = token_address(conf->unsubscribe_prefix, j->m.token, conf->domain);
	if (conf->public_url && *conf->public_url)
		unsub_url = token_unsub_url(conf->public_url, j->m.token);
	{
		/* {{unsubscribe_url}}: this message's link, as in List-Unsubscribe. */
		char *mailto = xasprintf("mailto:%s", unsub_mailto);
		struct tmpl_ctx ctx = { it->ct, &it->rep->user, unsub_url ? unsub_url : mailto };
		rc = tmpl_render(it->step->body ? it->step->body : "", &ctx, &j->body, cerr);
		free(mailto);
		if (rc < 0) {
			free(unsub_mailto);
			free(unsub_url);
			return -1;
		}
	}
	to_name = pass_step_contact_display(it->ct);
	memset(&in, 0, sizeof(in));
	in.from_name = it->rep->user.name;
	in.from_addr = it->rep->user.email;
	in.to_name = to_name;
	in.to_addr = it->ct->email;
	/* A resend keeps the subject and Date of the first attempt. */
	in.subject = j->m.subject ? j->m.subject : j->subject;
	in.body = j->body.s;
	in.date = j->m.created_at ? j->m.created_at : it->now;
	in.tz_offset_minutes = it->rep->zone ? cal_utc_offset(it->rep->zone, in.date) / 60 : 0;
	in.message_id = j->m.message_id;
	if (j->parent.message_id) {
		in.in_reply_to = j->parent.message_id;
		in.references = (const char *const *)j->refs;
		in.nreferences = j->nrefs;
	}
	in.unsub_mailto = unsub_mailto;
	in.unsub_url = unsub_url;
	rc = compose_message(&in, &j->msg, cerr);
	free(to_name);
	free(unsub_mailto);
	free(unsub_url);
	return rc;
}

char *pass_email_job_rep_copy(const char *pattern, const char *rep_email)
{
	const char *at, *p;
	struct sbuf b;

	if (pattern == NULL || cad_strcaseeq(pattern, "no") || rep_email == NULL ||
	    (at = strrchr(rep_email, '@')) == NULL || at == rep_email || at[1] == '\0')
		return NULL;
	if (cad_strcaseeq(pattern, "yes"))
		pattern = PASS_REP_COPY_DEFAULT;
	sbuf_init(&b);
	for (p = pattern; *p; p++) {
		if (*p != '%' || p[1] == '\0') {
			sbuf_addc(&b, *p);
			continue;
		}
		switch (*++p) {
		case 'l': sbuf_add(&b, rep_email, (size_t)(at - rep_email)); break;
		case 'd': sbuf_adds(&b, at + 1); break;
		case 'a': sbuf_adds(&b, rep_email); break;
		default: sbuf_addc(&b, *p); break;
		}
	}
	return sbuf_detach(&b);
}

/* The envelope: from the rep (or the VERP address), with the rep's copy
 * as a second envelope recipient (RepCopy): the same bytes, the same
 * Message-ID, one transaction; the contact's RCPT decides. */
void pass_email_job_envelope(struct email_job *j)
{
	const struct pass_item *it = j->it;
	struct sched *s = it->s;

	if (s->conf.verp) {
		char vtok[TOKEN_BUFSZ];
		/* The VERP token shares the message's nonce: one bounce maps to one message. */
		if (token_convert(TOKEN_UNSUB, TOKEN_VERP, &s->secret, j->m.token, vtok) == 0)
			j->mail_from = token_address(s->conf.bounce_prefix, vtok, s->conf.domain);
	}
	if (j->mail_from == NULL)
		j->mail_from = xstrdup(it->rep->user.email);
	j->copy = pass_email_job_rep_copy(s->conf.rep_copy, it->rep->user.email);
}

/* Hands the message to the MTA: on the batch's session, or on a
 * connection of its own (ss NULL, or a test's scripted MTA). Touches
 * nothing but the job (a batch's submitters run it in threads). */
void pass_email_job_submit(struct email_job *j, struct submit_session *ss,
			   struct submit_result *res)
{
	struct sched *s = j->s;
	struct submit_opts opts;

	if (ss != NULL && s->submit == NULL) {
		submit_session_send(ss, j->mail_from, j->email, j->msg.s, j->msg.len, j->copy, res);
	} else {
		memset(&opts, 0, sizeof(opts));
		opts.copy_rcpt = j->copy;
		(s->submit ? s->submit : submit_message)(s->conf.submit_url, j->mail_from, j->email,
							  j->msg.s, j->msg.len, &opts, res);
	}
}
