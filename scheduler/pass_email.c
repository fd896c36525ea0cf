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
 *
 * Batches (SubmitBatch > 1, issue #16): a step that may go is rendered,
 * threaded and composed at once (its row read, a new one's Message-ID,
 * token and Date chosen) and queued in the pass's outbox; the message is
 * counted against the rep's limits then. pass_email_flush() then, per
 * batch of up to SubmitBatch messages:
 *   1. records the new rows 'prepared' in ONE transaction (one fsync); if
 *      that commit fails nothing is submitted;
 *   2. submits them one after the other over ONE SMTP connection (RSET
 *      between transactions, no PIPELINING), or over SubmitConnections
 *      connections side by side (threads that each take the next job and
 *      touch nothing else), no transaction open (the milter's gate writes
 *      its witness meanwhile);
 *   3. applies every outcome through the ledger's table in ONE transaction
 *      (one fsync), reading a failed one's row again first.
 * Why the crash windows stay safe: no byte of a message goes out before
 * its row is durable (1 commits before 2 starts). A crash in 2 or before
 * 3's commit leaves rows 'prepared' (or as they were) with no outcome: the
 * next pass finds them as the table's UNKNOWN, exactly as a crash between
 * submit and report in the one-message flow: the milter's witness (written
 * before Postfix's 250) reconciles every message the MTA took, and the
 * others are submitted again with the same Message-ID through the gate,
 * which refuses a second copy. Grouping only widens that window from one
 * message to a batch; it adds no new state. A 4xx or 5xx is one
 * transaction's (libcurl closes the connection after it; the next message
 * opens a new one); a connection lost after a final "." leaves that one
 * transaction without a reply: unknown, never "not sent"; the messages
 * after it had not begun. A store error in 3 rolls the outcomes back: the
 * same as a crash.
 * The next step of a batched message counts from the pass's now, also
 * when it is reconciled after its attempt (the witness was stamped during
 * this pass, and pass_witness_time keeps it within [created, now]).
 * SubmitBatch 1 is the one-message flow: record, submit on its own
 * connection, report, one message after the other.
 */
#include "config.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compose.h"
#include "ledger.h"
#include "token.h"
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

/* SubmitConnections' upper bound (conf_keys.c checks the same). */
#define PASS_SUBMIT_CONNECTIONS_MAX 16

/* How long a step is retried on 4xx replies (Postfix's maximal_queue_lifetime). */
#define SCHED_RETRY_LIFETIME (5 * 86400)

/* One email step on its way. it is NULL once the pass item is gone (a
 * queued job): what the outcome needs is copied into the job. */
struct email_job {
	const struct pass_item *it;
	struct sched *s;
	struct sched_stats *stats;
	cad_time_t now;
	int64_t eid;                /* the enrollment */
	int step;
	char *email;                /* the contact's address */
	struct sbuf subj, body, msg;
	char *subject;
	struct sent_msg m;          /* the ledger row */
	struct sent_msg parent;     /* the step it threads to, or empty */
	char *refs[COMPOSE_REFS_MAX];   /* References, oldest first, the parent's last */
	size_t nrefs;
	enum ledger_state state;    /* the row as the table sees it */
	/* a queued job */
	int fresh;                  /* the row is not recorded yet (flush's step 1) */
	int skip;                   /* another record won: not submitted by this batch */
	int have_next;              /* next_due computed when queued (from now) */
	cad_time_t next_due;
	char *mail_from, *copy;
	struct submit_result res;
};

/* The pass's queued messages (cadenced.h, struct sched's outbox). */
struct pass_outbox {
	struct email_job **jobs;
	size_t n;
};

static void job_init(struct email_job *j, const struct pass_item *it)
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

static void job_free(struct email_job *j)
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

/* The step's ledger row: the one recorded (a second prepare returns the
 * first record), or a new one filled in (j->fresh) that is recorded
 * before it is submitted, with the claim check in the same transaction
 * (hold_and_record, or the batch's batch_record). Sets j->state: a new
 * row is PREPARED; one found is as the table reads it (a found "prepared"
 * row is UNKNOWN: a crash may have left a copy in flight). */
static int step_prepare(struct email_job *j, struct cad_err *err)
{
	const struct pass_item *it = j->it;
	struct sched *s = it->s;
	unsigned char nonce[TOKEN_NONCE_BYTES];
	char tok[TOKEN_BUFSZ];

	if (store_msg_for_step(s->store, it->v->e.id, it->v->e.step, &j->m, err) < 0)
		return PASS_STORE;
	if (j->m.id == 0) {
		/* No random bytes is the environment's failure, not the item's. */
		if (token_nonce_random(nonce, err) < 0)
			return PASS_STORE;
		j->m.enrollment_id = it->v->e.id;
		j->m.step = it->v->e.step;
		j->m.message_id = msgid_make(&s->secret, nonce, s->conf.domain);
		token_make(TOKEN_UNSUB, &s->secret, nonce, tok);
		j->m.token = xstrdup(tok);
		j->m.subject = xstrdup(j->subject);
		j->fresh = 1;
		j->m.created_at = it->now;
		j->state = LEDGER_PREPARED;
		return PASS_OK;
	}
	j->state = ledger_state_of(j->m.state, j->m.submitted_at != 0, 1);
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

/* The envelope: from the rep (or the VERP address), with the rep's copy
 * as a second envelope recipient (RepCopy): the same bytes, the same
 * Message-ID, one transaction; the contact's RCPT decides. */
static void step_envelope(struct email_job *j)
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
	j->copy = pass_rep_copy(s->conf.rep_copy, it->rep->user.email);
}

static void copy_refused(const struct email_job *j, const struct submit_result *res)
{
	if (j->copy != NULL && res->status == SUBMIT_ACCEPTED && res->copy_code != 0 &&
	    (res->copy_code < 200 || res->copy_code >= 300))
		cad_log(CAD_LOG_WARN, "step %d of enrollment %lld: the rep's copy to %s was "
			"refused (the contact's message went): %s", j->step, (long long)j->eid,
			j->copy, res->copy_reply ? res->copy_reply : "");
}

/* Hands the message to the MTA: on the batch's session, or on a
 * connection of its own (ss NULL, or a test's scripted MTA). Touches
 * nothing but the job (a batch's submitters run it in threads). */
static void step_submit(struct email_job *j, struct submit_session *ss,
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

/* The row as the table sees it after a failed attempt: read again, for a
 * witness the milter wrote meanwhile (or a gate's refusal). */
static int reread(struct email_job *j, struct sent_msg *cur, enum ledger_state *state,
		  struct cad_err *err)
{
	if (store_msg_get(j->s->store, j->m.message_id, cur, err) != 0)
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
	cad_time_t next = j->next_due;
	int item = 0;

	/* A queued job's next due time was computed when it was queued (and
	 * its send counted against the limits then). */
	if (!j->have_next &&
	    pass_next_due(&it->se->seq, it->v->e.step, it->r, from, &next, &nerr) < 0) {
		/* Sent, but the next step cannot be computed: record the send;
		 * the caller pauses the enrollment with the reason. */
		item = 1;
		next = j->now + 3600;
	}
	if (store_msg_sent(j->s->store, j->m.id, reply, queue_id, next, j->s->actor, j->now,
			   err) < 0)
		return PASS_STORE;
	if (it != NULL) {
		pass_times_add(&it->rep->sends, &it->rep->nsends, it->now);
		if (it->v->e.bulk && it->v->e.step == 1)
			pass_times_add(&it->rep->bulk, &it->rep->nbulk, it->now);
	}
	if (item)
		return cad_err_set(err, "step %d: %s", j->step + 1, nerr.msg), PASS_ITEM;
	return PASS_OK;
}

/* Not sent yet: try again later (forgetting this attempt's witness, or
 * keeping the row unknown), or give up after SCHED_RETRY_LIFETIME as an
 * MTA gives up on a queue file. */
static int try_later(struct email_job *j, enum ledger_action act, const char *reply,
		     struct cad_err *err)
{
	cad_time_t at = j->now + retry_delay(&j->m, j->now);
	int rc;

	if (j->m.created_at > 0 && j->now - j->m.created_at > SCHED_RETRY_LIFETIME) {
		char *why = xasprintf("gave up after %d days of temporary failures: %s",
				      SCHED_RETRY_LIFETIME / 86400, reply ? reply : "");
		cad_log(CAD_LOG_ERR, "step %d of enrollment %lld to %s failed: %s", j->step,
			(long long)j->eid, j->email, why);
		rc = store_msg_failed(j->s->store, j->m.id, why, j->s->actor, j->now, err);
		free(why);
		j->stats->failed++;
		return rc < 0 ? PASS_STORE : PASS_OK;
	}
	cad_log(CAD_LOG_WARN, "step %d of enrollment %lld to %s: temporary failure%s, trying again "
		"later: %s", j->step, (long long)j->eid, j->email,
		act == LEDGER_KEEP_UNKNOWN ? " (outcome unknown: the witness decides)" : "",
		reply ? reply : "");
	if (act == LEDGER_KEEP_UNKNOWN)
		rc = store_msg_unknown(j->s->store, j->m.id, reply, at, j->now, err);
	else
		rc = store_msg_retry(j->s->store, j->m.id, reply, at, j->now, err);
	j->stats->retried++;
	return rc < 0 ? PASS_STORE : PASS_OK;
}

/* Carries out the table's move for the row (cur: the row as read last;
 * res: the attempt's result, NULL before one; ev: what happened). */
static int apply(struct email_job *j, struct ledger_move mv, enum ledger_event ev,
		 const struct sent_msg *cur, const struct submit_result *res,
		 const char *local_why, struct cad_err *err)
{
	const char *reply = res ? res->reply : local_why;
	char *detail;
	int rc;

	switch (mv.action) {
	case LEDGER_MARK_SENT:
		rc = mark_sent(j, reply, res ? res->queue_id : NULL, j->now, err);
		if (rc != PASS_STORE) {
			j->stats->sent++;
			cad_log(CAD_LOG_INFO, "%s: sent step %d of enrollment %lld to %s: %s",
				res && res->queue_id ? res->queue_id : "NOQUEUE", j->step,
				(long long)j->eid, j->email, reply ? reply : "");
		}
		return rc;
	case LEDGER_RECONCILE:
		/* The MTA has it (the milter's witness): never sent again. */
		detail = ev == LEDGER_START
				 ? xstrdup("witnessed by the MTA before a restart")
				 : xasprintf("witnessed by the MTA; this attempt: %s: %s",
					     ledger_event_name(ev), reply ? reply : "");
		rc = mark_sent(j, detail, cur->queue_id, pass_witness_time(cur, j->now), err);
		free(detail);
		if (rc != PASS_STORE) {
			j->stats->reconciled++;
			cad_log(CAD_LOG_INFO, "%s: step %d of enrollment %lld to %s reconciled as sent "
				"from the witness (%s)", cur->queue_id ? cur->queue_id : "NOQUEUE",
				j->step, (long long)j->eid, j->email, ledger_event_name(ev));
		}
		return rc;
	case LEDGER_RETRY:
	case LEDGER_KEEP_UNKNOWN:
		return try_later(j, mv.action, reply, err);
	case LEDGER_FAIL:
		j->stats->failed++;
		return store_msg_failed(j->s->store, j->m.id, reply, j->s->actor, j->now, err) < 0
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
		  "transition (%s)", j->m.message_id ? j->m.message_id : "?", j->step,
		  (long long)j->eid, ledger_state_name(j->state), ledger_event_name(ev),
		  ledger_action_name(mv.action));
}

/* The outcome of an attempt (res) through the table: a row whose attempt
 * failed is read again first (a witness the milter wrote meanwhile, or the
 * gate's refusal). */
static int outcome(struct email_job *j, const struct submit_result *res, struct cad_err *err)
{
	struct sent_msg cur;
	enum ledger_state state = j->state;
	enum ledger_event ev;
	int rc = PASS_OK;

	memset(&cur, 0, sizeof(cur));
	if (res->status != SUBMIT_ACCEPTED) {
		rc = reread(j, &cur, &state, err);
		if (rc != PASS_OK)
			goto out;
		/* Reported sent meanwhile by another cadenced (this pass's lease
		 * ended while the message was with the MTA, and the other took
		 * the step): that report stands, and the gate refused this
		 * copy. Not a transition of this attempt's (before claims, a
		 * second instance panicked here: issue 17). */
		if (state == LEDGER_SENT) {
			cad_log(CAD_LOG_WARN, "step %d of enrollment %lld to %s was reported sent by "
				"another cadenced meanwhile; this copy was refused: %s", j->step,
				(long long)j->eid, j->email, res->reply ? res->reply : "");
			goto out;
		}
	}
	ev = ledger_event((enum ledger_status)res->status, res->stage == SUBMIT_STAGE_END_OF_DATA,
			  res->code);
	j->state = state;
	rc = apply(j, ledger_next(state, ev), ev, cur.message_id ? &cur : &j->m, res, NULL, err);
out:
	sent_msg_free(&cur);
	return rc;
}

/* A message that cannot be composed: a local permanent failure before any
 * SMTP. */
static int compose_failed(struct email_job *j, const struct cad_err *cerr, struct cad_err *err)
{
	char *why = xasprintf("step %d: cannot compose: %s", j->step, cerr->msg);
	enum ledger_event ev = ledger_event(LEDGER_PERMFAIL, 0, 0);
	int rc = apply(j, ledger_next(j->state, ev), ev, &j->m, NULL, why, err);

	free(why);
	return rc;
}

/* compose -> submit -> apply the outcome, for a row the table lets go. */
static int send_and_apply(struct email_job *j, struct cad_err *err)
{
	struct submit_result res;
	struct cad_err cerr = { "" };
	int rc;

	memset(&res, 0, sizeof(res));
	if (step_compose(j, &cerr) < 0)
		return compose_failed(j, &cerr, err);
	step_envelope(j);
	step_submit(j, NULL, &res);
	copy_refused(j, &res);
	rc = outcome(j, &res, err);
	submit_result_free(&res);
	return rc;
}

static size_t batch_size(const struct sched *s)
{
	return s->conf.submit_batch > 1 ? (size_t)s->conf.submit_batch : 1;
}

static void outbox_drop(struct pass_outbox *ob)
{
	size_t i;

	if (ob == NULL)
		return;
	for (i = 0; i < ob->n; i++) {
		job_free(ob->jobs[i]);
		free(ob->jobs[i]);
	}
	free(ob->jobs);
	free(ob);
}

/* Step 1 of a batch: the new rows, recorded 'prepared' in one transaction.
 * PASS_OK, or PASS_STORE (rolled back: nothing may be submitted). */
static int batch_record(struct sched *s, struct pass_outbox *ob, struct cad_err *err)
{
	size_t i;
	int existing;

	if (store_begin(s->store, err) < 0)
		return PASS_STORE;
	for (i = 0; i < ob->n; i++) {
		struct email_job *j = ob->jobs[i];
		char *mine;
		int held;
		/* Claims: a job whose claim was lost is neither recorded nor
		 * submitted (another cadenced has its enrollment now). */
		if (pass_claim_hold(s, j->eid, &held, err) != PASS_OK) {
			store_rollback(s->store);
			return PASS_STORE;
		}
		if (!held) {
			j->skip = 1;
			continue;
		}
		if (!j->fresh)
			continue;
		mine = xstrdup(j->m.message_id);
		if (store_msg_prepare(s->store, &j->m, j->now, &existing, err) < 0) {
			free(mine);
			store_rollback(s->store);
			return PASS_STORE;
		}
		/* Recorded by someone else meanwhile (nothing else prepares
		 * today): its Message-ID is not the one composed; the step
		 * stays due and the next pass sends the recorded one. */
		if (existing || strcmp(mine, j->m.message_id) != 0)
			j->skip = 1;
		free(mine);
		j->fresh = 0;
	}
	return store_commit(s->store, err) < 0 ? PASS_STORE : PASS_OK;
}

/* Step 2's submitters: each takes the next job not yet taken and submits
 * it on its own session (connection), until none is left. They touch
 * only the jobs they take (the store is not used: steps 1 and 3 are the
 * caller's, before and after). */
struct submitters {
	struct sched *s;
	struct pass_outbox *ob;
	size_t next;
	size_t running;             /* submitter threads not yet done */
	pthread_mutex_t mu;
	pthread_cond_t done;
};

static void *submitter_run(void *arg)
{
	struct submitters *w = arg;
	struct submit_session *ss = NULL;
	struct email_job *j;
	size_t i;

	if (w->s->submit == NULL)
		ss = submit_session_open(w->s->conf.submit_url, NULL);
	for (;;) {
		pthread_mutex_lock(&w->mu);
		i = w->next++;
		pthread_mutex_unlock(&w->mu);
		if (i >= w->ob->n)
			break;
		j = w->ob->jobs[i];
		if (!j->skip)
			step_submit(j, ss, &j->res);
	}
	submit_session_close(ss);
	return NULL;
}

static void *submitter_thread(void *arg)
{
	struct submitters *w = arg;

	submitter_run(w);
	pthread_mutex_lock(&w->mu);
	w->running--;
	pthread_cond_signal(&w->done);
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* With claims the caller's thread does not submit: it renews the pass's
 * claims every SCHED_RENEW_EVERY seconds until the submitters are done,
 * so that a batch slow at the MTA keeps its claims (a renewal that fails
 * is not fatal: the lease is long, and the gate refuses a second copy). */
static void batch_wait_renewing(struct submitters *w)
{
	struct cad_err err = { "" };
	struct timespec until;

	pthread_mutex_lock(&w->mu);
	while (w->running > 0) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&w->done, &w->mu, &until);
		if (w->running == 0)
			break;
		pthread_mutex_unlock(&w->mu);
		if (pass_claim_renew(w->s, 0, &err) != PASS_OK)
			cad_log(CAD_LOG_WARN, "renewing claims: %s", err.msg);
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
}

static void batch_submit(struct sched *s, struct pass_outbox *ob)
{
	struct submitters w;
	pthread_t th[PASS_SUBMIT_CONNECTIONS_MAX];
	size_t k, nth = 0, want = s->conf.submit_connections > 1 ?
		(size_t)s->conf.submit_connections : 1;
	int renewing;

	/* A test's scripted MTA is not for threads. */
	if (s->submit != NULL || want > ob->n)
		want = s->submit != NULL ? 1 : ob->n;
	if (want > PASS_SUBMIT_CONNECTIONS_MAX)
		want = PASS_SUBMIT_CONNECTIONS_MAX;
	memset(&w, 0, sizeof(w));
	w.s = s;
	w.ob = ob;
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.done, NULL);
	/* With claims (and a real MTA) every submitter is a thread and this
	 * one renews the claims meanwhile; otherwise it submits too. */
	renewing = pass_claims_on(s) && s->submit == NULL;
	w.running = 0;
	for (k = renewing ? 0 : 1; k < want; k++) {
		pthread_mutex_lock(&w.mu);
		w.running++;
		pthread_mutex_unlock(&w.mu);
		if (pthread_create(&th[nth], NULL, submitter_thread, &w) == 0) {
			nth++;
		} else {    /* fewer threads: the others take more */
			pthread_mutex_lock(&w.mu);
			w.running--;
			pthread_mutex_unlock(&w.mu);
		}
	}
	if (renewing && nth > 0)
		batch_wait_renewing(&w);
	else
		submitter_run(&w);
	for (k = 0; k < nth; k++)
		pthread_join(th[k], NULL);
	pthread_cond_destroy(&w.done);
	pthread_mutex_destroy(&w.mu);
}

int pass_email_flush(struct sched *s, struct cad_err *err)
{
	struct pass_outbox *ob = s->outbox;
	size_t i;
	int rc;

	if (ob == NULL)
		return PASS_OK;
	s->outbox = NULL;
	/* 1. Durable before any byte goes out. */
	rc = batch_record(s, ob, err);
	if (rc != PASS_OK) {
		outbox_drop(ob);
		return rc;
	}
	/* 2. One transaction after the other on each of SubmitConnections
	 * connections; nothing is written meanwhile (the milter's gate
	 * writes its witnesses). */
	batch_submit(s, ob);
	/* 3. Every outcome in one transaction; a store error rolls them all
	 * back, which is a crash before the report: the next pass reconciles. */
	if (store_begin(s->store, err) < 0) {
		outbox_drop(ob);
		return PASS_STORE;
	}
	for (i = 0; i < ob->n && rc == PASS_OK; i++)
		if (!ob->jobs[i]->skip) {
			copy_refused(ob->jobs[i], &ob->jobs[i]->res);
			rc = outcome(ob->jobs[i], &ob->jobs[i]->res, err);
		}
	if (rc == PASS_STORE)
		store_rollback(s->store);
	else if (store_commit(s->store, err) < 0)
		rc = PASS_STORE;
	outbox_drop(ob);
	/* outcome() gives PASS_ITEM only with HOLD (a row found final),
	 * which is decided before a job is queued. */
	return rc == PASS_STORE ? PASS_STORE : PASS_OK;
}

int pass_email_flush_domain(struct sched *s, const char *domain, struct cad_err *err)
{
	const char *d;
	size_t i;

	if (s->outbox == NULL || s->conf.domain_daily_cap <= 0 || domain == NULL)
		return PASS_OK;
	for (i = 0; i < s->outbox->n; i++) {
		d = cad_addr_domain(s->outbox->jobs[i]->email);
		if (d != NULL && cad_strcaseeq(d, domain))
			return pass_email_flush(s, err);
	}
	return PASS_OK;
}

void pass_email_drop(struct sched *s)
{
	outbox_drop(s->outbox);
	s->outbox = NULL;
}

/* Queues a job whose row the table lets go (a new row, or one found
 * unknown): composed now, its next due time computed now, its send
 * counted against the rep's limits now. 1 when queued (the outbox owns
 * it), 0 when it must go the one-message way (it cannot be composed, or
 * its next step's due time cannot be computed: that path says why). */
static int enqueue(struct email_job *j, struct cad_err *err)
{
	const struct pass_item *it = j->it;
	struct sched *s = it->s;
	struct cad_err cerr = { "" }, nerr = { "" };
	struct pass_outbox *ob;
	struct email_job *q;

	(void)err;
	if (step_compose(j, &cerr) < 0 ||
	    pass_next_due(&it->se->seq, it->v->e.step, it->r, it->now, &j->next_due, &nerr) < 0)
		return 0;
	j->have_next = 1;
	step_envelope(j);
	pass_times_add(&it->rep->sends, &it->rep->nsends, it->now);
	if (it->v->e.bulk && it->v->e.step == 1)
		pass_times_add(&it->rep->bulk, &it->rep->nbulk, it->now);
	if (s->outbox == NULL)
		s->outbox = xcalloc(1, sizeof(*s->outbox));
	ob = s->outbox;
	q = xmalloc(sizeof(*q));
	*q = *j;          /* the job's buffers move to the outbox */
	q->it = NULL;
	ob->jobs = xrealloc(ob->jobs, (ob->n + 1) * sizeof(*ob->jobs));
	ob->jobs[ob->n++] = q;
	memset(j, 0, sizeof(*j));
	sbuf_init(&j->subj);
	sbuf_init(&j->body);
	sbuf_init(&j->msg);
	return 1;
}

/* *done = 1 when the job's claim was lost (pass_claim_hold). */
static int hold_or_done(struct email_job *j, int *done, struct cad_err *err)
{
	int held = 1;

	if (pass_claim_hold(j->s, j->eid, &held, err) != PASS_OK)
		return PASS_STORE;
	if (!held)
		*done = 1;
	return PASS_OK;
}

/* One message's claim check and, for a new row, its record 'prepared',
 * in one write transaction (one commit, one fsync on SQLite, instead of
 * two): *done = 1 when the claim was lost (nothing recorded). */
static int hold_and_record(struct email_job *j, int *done, struct cad_err *err)
{
	struct store *st = j->s->store;
	int existing = 0, rc;

	if (store_begin(st, err) < 0)
		return PASS_STORE;
	rc = hold_or_done(j, done, err);
	if (rc == PASS_OK && !*done && j->fresh) {
		if (store_msg_prepare(st, &j->m, j->now, &existing, err) < 0)
			rc = PASS_STORE;
		else
			j->state = ledger_state_of(j->m.state, j->m.submitted_at != 0, existing);
		j->fresh = 0;
	}
	if (rc != PASS_OK) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st, err) < 0 ? PASS_STORE : PASS_OK;
}

int pass_email_step(const struct pass_item *it, struct cad_err *err)
{
	struct email_job j;
	struct ledger_move mv;
	int rc, done = 0, batch = batch_size(it->s) > 1;

	job_init(&j, it);
	rc = step_render(&j, &done, err);
	if (rc == PASS_OK && !done)
		rc = step_thread(&j, err);
	/* Claims: nothing is recorded or submitted for an enrollment whose
	 * claim was lost (another cadenced has it now); a batch checks when
	 * it records (batch_record). */
	if (rc == PASS_OK && !done)
		rc = step_prepare(&j, err);
	if (rc == PASS_OK && !done && !batch)
		rc = hold_and_record(&j, &done, err);
	if (rc == PASS_OK && !done) {
		/* The row as found: a new or retried one is submitted; one the
		 * milter witnessed is reconciled; a final one is held. */
		mv = ledger_next(j.state, LEDGER_START);
		if (mv.action != LEDGER_SUBMIT) {
			rc = apply(&j, mv, LEDGER_START, &j.m, NULL, NULL, err);
		} else if (batch && enqueue(&j, err)) {
			if (it->s->outbox->n >= batch_size(it->s))
				rc = pass_email_flush(it->s, err);
		} else {
			/* Not queued by a batch: its claim is checked now. */
			if (batch)
				rc = hold_or_done(&j, &done, err);
			if (rc == PASS_OK && !done && j.fresh) {
				/* Not queued: recorded now, the one-message way. */
				int existing = 0;
				j.fresh = 0;
				if (store_msg_prepare(it->s->store, &j.m, it->now, &existing, err) < 0)
					rc = PASS_STORE;
				else
					j.state = ledger_state_of(j.m.state, j.m.submitted_at != 0,
								  existing);
			}
			if (rc == PASS_OK && !done) {
				sbuf_reset(&j.msg);
				rc = send_and_apply(&j, err);
			}
		}
	}
	job_free(&j);
	return rc;
}
