/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pass_email.c - an email step of the pass, in small steps with one
 * outcome table:
 *
 *   render -> ledger prepare -> compose -> submit -> apply the outcome
 *
 * The ledger's table (src/rules/ledger.h) decides what every outcome
 * means, including the row as found before anything is sent (a restart):
 * this file only carries the table's action out through the store. An
 * action the table calls illegal is a bug: cad_panic().
 *
 * Exactly once: the message is recorded (prepared, with its Message-ID)
 * before it is submitted; a prepare that finds an earlier record reuses
 * its Message-ID, token and Date. A witnessed record is reconciled as sent
 * and never submitted again; no reply to end of data keeps the record
 * unknown (with any witness), so the retry meets the milter's gate.
 * See pass_int.h for the return values.
 */
#include "config.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "compose.h"
#include "ledger.h"
#include "msgid.h"
#include "pass_int.h"
#include "submit.h"
#include "tmpl.h"

/* The ledger's vocabulary is submit's. */
static_assert((int)LEDGER_ACCEPTED == (int)SUBMIT_ACCEPTED, "submit and ledger agree");
static_assert((int)LEDGER_TEMPFAIL == (int)SUBMIT_TEMPFAIL, "submit and ledger agree");
static_assert((int)LEDGER_PERMFAIL == (int)SUBMIT_PERMFAIL, "submit and ledger agree");

/* RepCopy yes: the rep's own mailbox, by an address extension that a
 * Sieve rule (contrib/sieve/cadence-sent.sieve) files into Sent. */
#define PASS_REP_COPY_DEFAULT "%l+cadence-sent@%d"

/* How long a step is retried on 4xx replies (Postfix's maximal_queue_lifetime). */
#define SCHED_RETRY_LIFETIME (5 * 86400)

/* One email step on its way. */
struct email_job {
	const struct pass_item *it;
	struct sbuf subj, body, msg;
	char *subject;
	struct sent_msg m;          /* the ledger row */
	struct sent_msg parent;     /* the step it threads to, or empty */
	char *refs[COMPOSE_REFS_MAX];   /* References, oldest first, the parent's last */
	size_t nrefs;
	enum ledger_state state;    /* the row as the table sees it */
};

static void job_free(struct email_job *j)
{
	sbuf_free(&j->subj);
	sbuf_free(&j->body);
	sbuf_free(&j->msg);
	free(j->subject);
	sent_msg_free(&j->m);
	sent_msg_free(&j->parent);
	while (j->nrefs > 0)
		free(j->refs[--j->nrefs]);
}

/* A message that reached (or may have reached) the contact: one a reply
 * could name. */
static int msg_went(const struct sent_msg *m)
{
	return m->message_id != NULL && m->state != MSG_FAILED && m->state != MSG_REJECTED;
}

/* References (RFC 5322 3.6.4): the parent's References and the parent's
 * Message-ID, that is the chain of thread steps back from the parent
 * (each step's thread_step is an earlier step, so the walk ends), oldest
 * first; a step of the chain that sent nothing is left out. */
static int thread_chain(struct email_job *j, struct cad_err *err)
{
	const struct pass_item *it = j->it;
	const struct sequence *seq = &it->se->seq;
	char *rev[COMPOSE_REFS_MAX];
	size_t n = 0;
	int ts = it->step->thread_step, rc;
	struct sent_msg m;

	while (ts > 0 && ts < it->v->e.step && (size_t)ts <= seq->nsteps &&
	       n < COMPOSE_REFS_MAX) {
		memset(&m, 0, sizeof(m));
		rc = store_msg_for_step(it->s->store, it->v->e.id, ts, &m, err);
		if (rc < 0) {
			while (n > 0)
				free(rev[--n]);
			return PASS_STORE;
		}
		if (rc == 0 && msg_went(&m))
			rev[n++] = xstrdup(m.message_id);
		sent_msg_free(&m);
		{
			int up = seq->steps[ts - 1].thread_step;
			ts = up > 0 && up < ts ? up : 0;
		}
	}
	while (n > 0)
		j->refs[j->nrefs++] = rev[--n];
	return PASS_OK;
}

/* Backoff for a 4xx: grows with the age of the message, 1 min to 1 h. */
static cad_time_t retry_delay(const struct sent_msg *m, cad_time_t now)
{
	cad_time_t age = now - m->created_at;
	if (age < 60)
		return 60;
	return age > 3600 ? 3600 : age;
}

/* Render at send time: contact data may have changed since enrolling. A
 * token that cannot be filled pauses the enrollment and gives the rep a
 * task (*done = 1). */
static int step_render(struct email_job *j, int *done, struct cad_err *err)
{
	const struct pass_item *it = j->it;
	const struct step *step = it->step;
	/* The message's {{unsubscribe_url}} is known once it is recorded:
	 * step_compose renders the body again with it. */
	struct tmpl_ctx ctx = { it->ct, &it->rep->user, "https://unsubscribe.invalid/" };
	struct cad_err terr = { "" };
	struct task t;
	char *why;
	int rc;

	*done = 0;
	if (tmpl_render_flags(step->subject ? step->subject : "", &ctx, TMPL_ONE_LINE, &j->subj,
			      &terr) == 0 &&
	    tmpl_render(step->body ? step->body : "", &ctx, &j->body, &terr) == 0) {
		j->subject = xstrdup(j->subj.s);
		return PASS_OK;
	}
	*done = 1;
	why = xasprintf("step %d: %s", it->v->e.step, terr.msg);
	memset(&t, 0, sizeof(t));
	t.enrollment_id = it->v->e.id;
	t.user_id = it->v->e.user_id;
	t.step = it->v->e.step;
	t.kind = STEP_MANUAL_EMAIL;
	t.state = TASK_OPEN;
	t.due_at = it->now;
	t.note = xasprintf("Fill in the missing data for %s, then resume: %s", it->ct->email, why);
	rc = pass_pause(it->s, it->v->e.id, why, it->now, err);
	if (rc == PASS_OK && store_task_add(it->s->store, &t, it->s->actor, it->now, err) < 0)
		rc = PASS_STORE;
	free(t.note);
	free(why);
	it->stats->failed++;
	return rc;
}

/* In-Reply-To/References/Subject for a step that continues the thread of
 * an earlier step; nothing when that step sent nothing. */
static int step_thread(struct email_job *j, struct cad_err *err)
{
	const struct pass_item *it = j->it;
	int ts = it->step->thread_step, rc;

	if (ts <= 0 || ts >= it->v->e.step)
		return PASS_OK;
	rc = store_msg_for_step(it->s->store, it->v->e.id, ts, &j->parent, err);
	if (rc < 0)
		return PASS_STORE;
	if (rc == STORE_NOTFOUND || !msg_went(&j->parent)) {
		sent_msg_free(&j->parent);
		memset(&j->parent, 0, sizeof(j->parent));
		return PASS_OK;
	}
	if (thread_chain(j, err) != PASS_OK)
		return PASS_STORE;
	if (j->parent.subject) {
		free(j->subject);
		j->subject = compose_reply_subject(j->parent.subject);
	}
	return PASS_OK;
}

/* Record before submitting; a second prepare returns the first record.
 * Sets j->state: a row this pass made is PREPARED; one found is as the
 * table reads it (a found "prepared" row is UNKNOWN: a crash may have
 * left a copy in flight). */
static int step_prepare(struct email_job *j, struct cad_err *err)
{
	const struct pass_item *it = j->it;
	struct sched *s = it->s;
	unsigned char nonce[TOKEN_NONCE_BYTES];
	char tok[TOKEN_BUFSZ];
	int existing = 0;

	if (store_msg_for_step(s->store, it->v->e.id, it->v->e.step, &j->m, err) < 0)
		return PASS_STORE;
	if (j->m.id != 0) {
		existing = 1;
	} else {
		/* No random bytes is the environment's failure, not the item's. */
		if (token_nonce_random(nonce, err) < 0)
			return PASS_STORE;
		j->m.enrollment_id = it->v->e.id;
		j->m.step = it->v->e.step;
		j->m.message_id = msgid_make(&s->secret, nonce, s->conf.domain);
		token_make(TOKEN_UNSUB, &s->secret, nonce, tok);
		j->m.token = xstrdup(tok);
		j->m.subject = xstrdup(j->subject);
		if (store_msg_prepare(s->store, &j->m, it->now, &existing, err) < 0)
			return PASS_STORE;
	}
	j->state = ledger_state_of(j->m.state, j->m.submitted_at != 0, existing);
	return PASS_OK;
}

/* The RFC 5322 message, with the first attempt's subject and Date. */
static int step_compose(struct email_job *j, struct cad_err *cerr)
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
	to_name = pass_contact_display(it->ct);
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

char *pass_rep_copy(const char *pattern, const char *rep_email)
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

/* Hands the message to the MTA from the rep (or the VERP address), with
 * the rep's copy as a second envelope recipient (RepCopy): the same bytes,
 * the same Message-ID, one transaction; the contact's RCPT decides. */
static void step_submit(struct email_job *j, struct submit_result *res)
{
	const struct pass_item *it = j->it;
	struct sched *s = it->s;
	char *mail_from = NULL, *copy;
	struct submit_opts opts;

	if (s->conf.verp) {
		char vtok[TOKEN_BUFSZ];
		/* The VERP token shares the message's nonce: one bounce maps to one message. */
		if (token_convert(TOKEN_UNSUB, TOKEN_VERP, &s->secret, j->m.token, vtok) == 0)
			mail_from = token_address(s->conf.bounce_prefix, vtok, s->conf.domain);
	}
	copy = pass_rep_copy(s->conf.rep_copy, it->rep->user.email);
	memset(&opts, 0, sizeof(opts));
	opts.copy_rcpt = copy;
	(s->submit ? s->submit : submit_message)(s->conf.submit_url,
						  mail_from ? mail_from : it->rep->user.email,
						  it->ct->email, j->msg.s, j->msg.len, &opts, res);
	if (copy != NULL && res->status == SUBMIT_ACCEPTED && res->copy_code != 0 &&
	    (res->copy_code < 200 || res->copy_code >= 300))
		cad_log(CAD_LOG_WARN, "step %d of enrollment %lld: the rep's copy to %s was "
			"refused (the contact's message went): %s", it->v->e.step,
			(long long)it->v->e.id, copy, res->copy_reply ? res->copy_reply : "");
	free(copy);
	free(mail_from);
}

/* The row as the table sees it after a failed attempt: read again, for a
 * witness the milter wrote meanwhile (or a gate's refusal). */
static int reread(struct email_job *j, struct sent_msg *cur, enum ledger_state *state,
		  struct cad_err *err)
{
	if (store_msg_get(j->it->s->store, j->m.message_id, cur, err) != 0)
		return PASS_STORE;
	*state = ledger_state_of(cur->state, cur->submitted_at != 0, j->state == LEDGER_UNKNOWN);
	return PASS_OK;
}

/* Sent (by the MTA's 2xx, or reconciled from the witness `cur`): the
 * enrollment moves on; the next step counts from `from`. */
static int mark_sent(struct email_job *j, const char *reply, const char *queue_id,
		     cad_time_t from, struct cad_err *err)
{
	const struct pass_item *it = j->it;
	struct cad_err nerr = { "" };
	cad_time_t next = 0;
	int item = 0;

	if (pass_next_due(&it->se->seq, it->v->e.step, it->r, from, &next, &nerr) < 0) {
		/* Sent, but the next step cannot be computed: record the send;
		 * the caller pauses the enrollment with the reason. */
		item = 1;
		next = it->now + 3600;
	}
	if (store_msg_sent(it->s->store, j->m.id, reply, queue_id, next, it->s->actor, it->now,
			   err) < 0)
		return PASS_STORE;
	pass_times_add(&it->rep->sends, &it->rep->nsends, it->now);
	if (it->v->e.bulk && it->v->e.step == 1)
		pass_times_add(&it->rep->bulk, &it->rep->nbulk, it->now);
	if (item)
		return cad_err_set(err, "step %d: %s", it->v->e.step + 1, nerr.msg), PASS_ITEM;
	return PASS_OK;
}

/* Not sent yet: try again later (forgetting this attempt's witness, or
 * keeping the row unknown), or give up after SCHED_RETRY_LIFETIME as an
 * MTA gives up on a queue file. */
static int try_later(struct email_job *j, enum ledger_action act, const char *reply,
		     struct cad_err *err)
{
	const struct pass_item *it = j->it;
	cad_time_t at = it->now + retry_delay(&j->m, it->now);
	int rc;

	if (j->m.created_at > 0 && it->now - j->m.created_at > SCHED_RETRY_LIFETIME) {
		char *why = xasprintf("gave up after %d days of temporary failures: %s",
				      SCHED_RETRY_LIFETIME / 86400, reply ? reply : "");
		cad_log(CAD_LOG_ERR, "step %d of enrollment %lld to %s failed: %s", it->v->e.step,
			(long long)it->v->e.id, it->ct->email, why);
		rc = store_msg_failed(it->s->store, j->m.id, why, it->s->actor, it->now, err);
		free(why);
		it->stats->failed++;
		return rc < 0 ? PASS_STORE : PASS_OK;
	}
	cad_log(CAD_LOG_WARN, "step %d of enrollment %lld to %s: temporary failure%s, trying again "
		"later: %s", it->v->e.step, (long long)it->v->e.id, it->ct->email,
		act == LEDGER_KEEP_UNKNOWN ? " (outcome unknown: the witness decides)" : "",
		reply ? reply : "");
	if (act == LEDGER_KEEP_UNKNOWN)
		rc = store_msg_unknown(it->s->store, j->m.id, reply, at, it->now, err);
	else
		rc = store_msg_retry(it->s->store, j->m.id, reply, at, it->now, err);
	it->stats->retried++;
	return rc < 0 ? PASS_STORE : PASS_OK;
}

/* Carries out the table's move for the row (cur: the row as read last;
 * res: the attempt's result, NULL before one; ev: what happened). */
static int apply(struct email_job *j, struct ledger_move mv, enum ledger_event ev,
		 const struct sent_msg *cur, const struct submit_result *res,
		 const char *local_why, struct cad_err *err)
{
	const struct pass_item *it = j->it;
	const char *reply = res ? res->reply : local_why;
	char *detail;
	int rc;

	switch (mv.action) {
	case LEDGER_MARK_SENT:
		rc = mark_sent(j, reply, res ? res->queue_id : NULL, it->now, err);
		if (rc != PASS_STORE) {
			it->stats->sent++;
			cad_log(CAD_LOG_INFO, "%s: sent step %d of enrollment %lld to %s: %s",
				res && res->queue_id ? res->queue_id : "NOQUEUE", it->v->e.step,
				(long long)it->v->e.id, it->ct->email, reply ? reply : "");
		}
		return rc;
	case LEDGER_RECONCILE:
		/* The MTA has it (the milter's witness): never sent again. */
		detail = ev == LEDGER_START
				 ? xstrdup("witnessed by the MTA before a restart")
				 : xasprintf("witnessed by the MTA; this attempt: %s: %s",
					     ledger_event_name(ev), reply ? reply : "");
		rc = mark_sent(j, detail, cur->queue_id, pass_witness_time(cur, it->now), err);
		free(detail);
		if (rc != PASS_STORE) {
			it->stats->reconciled++;
			cad_log(CAD_LOG_INFO, "%s: step %d of enrollment %lld to %s reconciled as sent "
				"from the witness (%s)", cur->queue_id ? cur->queue_id : "NOQUEUE",
				it->v->e.step, (long long)it->v->e.id, it->ct->email,
				ledger_event_name(ev));
		}
		return rc;
	case LEDGER_RETRY:
	case LEDGER_KEEP_UNKNOWN:
		return try_later(j, mv.action, reply, err);
	case LEDGER_FAIL:
		it->stats->failed++;
		return store_msg_failed(it->s->store, j->m.id, reply, it->s->actor, it->now, err) < 0
			       ? PASS_STORE : PASS_OK;
	case LEDGER_HOLD:
		/* Final yet still due: the store moved on in another way; never
		 * send it again, and say so (parking it with no due time would
		 * leave it active and silent for ever). */
		cad_err_set(err, "its message is already %s; not sent again",
			    msg_state_name(cur->state));
		return PASS_ITEM;
	case LEDGER_SUBMIT:
	case LEDGER_ILLEGAL:
	case LEDGER_NACTIONS:
		break;
	}
	cad_panic("ledger: message <%s> (step %d of enrollment %lld): %s + %s is not a legal "
		  "transition (%s)", j->m.message_id ? j->m.message_id : "?", it->v->e.step,
		  (long long)it->v->e.id, ledger_state_name(j->state), ledger_event_name(ev),
		  ledger_action_name(mv.action));
}

/* compose -> submit -> apply the outcome, for a row the table lets go. */
static int send_and_apply(struct email_job *j, struct cad_err *err)
{
	struct submit_result res;
	struct sent_msg cur;
	struct cad_err cerr = { "" };
	enum ledger_state state = j->state;
	enum ledger_event ev;
	int rc;

	memset(&res, 0, sizeof(res));
	memset(&cur, 0, sizeof(cur));
	if (step_compose(j, &cerr) < 0) {
		/* Nothing left: a local permanent failure before any SMTP. */
		char *why = xasprintf("step %d: cannot compose: %s", j->it->v->e.step, cerr.msg);
		ev = ledger_event(LEDGER_PERMFAIL, 0, 0);
		rc = apply(j, ledger_next(state, ev), ev, &j->m, NULL, why, err);
		free(why);
		return rc;
	}
	step_submit(j, &res);
	if (res.status != SUBMIT_ACCEPTED) {
		rc = reread(j, &cur, &state, err);
		if (rc != PASS_OK)
			goto out;
	}
	ev = ledger_event((enum ledger_status)res.status, res.stage == SUBMIT_STAGE_END_OF_DATA,
			  res.code);
	j->state = state;
	rc = apply(j, ledger_next(state, ev), ev, cur.message_id ? &cur : &j->m, &res, NULL, err);
out:
	sent_msg_free(&cur);
	submit_result_free(&res);
	return rc;
}

int pass_email_step(const struct pass_item *it, struct cad_err *err)
{
	struct email_job j;
	struct ledger_move mv;
	int rc, done = 0;

	memset(&j, 0, sizeof(j));
	j.it = it;
	sbuf_init(&j.subj);
	sbuf_init(&j.body);
	sbuf_init(&j.msg);
	rc = step_render(&j, &done, err);
	if (rc == PASS_OK && !done)
		rc = step_thread(&j, err);
	if (rc == PASS_OK && !done)
		rc = step_prepare(&j, err);
	if (rc == PASS_OK && !done) {
		/* The row as found: a new or retried one is submitted; one the
		 * milter witnessed is reconciled; a final one is held. */
		mv = ledger_next(j.state, LEDGER_START);
		if (mv.action == LEDGER_SUBMIT)
			rc = send_and_apply(&j, err);
		else
			rc = apply(&j, mv, LEDGER_START, &j.m, NULL, NULL, err);
	}
	job_free(&j);
	return rc;
}
