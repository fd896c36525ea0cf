/*
 * pass.c - one scheduling pass of cadenced.
 *
 * For each due enrollment (oldest due first, from the store's index) the
 * pass asks the pure rules what to do — the calendar (cal_*: is the
 * recipient's window open, when is the next step due), the mailbox limits
 * (limits_plan: rolling cap, spacing, bulk throttle, domain cap), the
 * templates (tmpl_render) — and carries the answer out through the store's
 * send ledger (store_ledger.h) and the MTA (submit.c).
 *
 * Exactly once: the message is recorded (prepared, with its Message-ID)
 * before it is submitted. A prepare that finds an earlier record reuses its
 * Message-ID, token and Date; if the milter already witnessed that record,
 * the MTA has the message and the step is finished without sending again.
 *
 * Per-message problems (a closed window, a limit, a 4xx, a 5xx, a token
 * that cannot be filled, a bad time zone) are handled and counted; only a
 * store failure ends the pass with an error.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "cal.h"
#include "compose.h"
#include "holiday.h"
#include "ratelimit.h"
#include "msgid.h"
#include "rules.h"
#include "cadenced.h"
#include "store_ledger.h"
#include "submit.h"
#include "tmpl.h"

/* How far ahead a pass looks for the next wake-up. */
#define SCHED_HORIZON ((cad_time_t)366 * 86400)

/* What the pass loads once per sequence and per rep. */
struct seq_entry {
	struct sequence seq;
	struct holiday_list hol;
};
struct rep_entry {
	struct user user;
	const struct cal_zone *zone;   /* the rep's own zone, or NULL (none or invalid) */
	cad_time_t *sends;     /* the last 24 h of sends, grown as the pass sends */
	size_t nsends;
	cad_time_t *bulk;      /* sends of bulk first steps */
	size_t nbulk;
};
struct pass_cache {
	struct seq_entry *seqs;
	size_t nseqs;
	struct rep_entry *reps;
	size_t nreps;
};

static void cache_free(struct pass_cache *c)
{
	size_t i;
	for (i = 0; i < c->nseqs; i++) {
		sequence_free(&c->seqs[i].seq);
		holiday_list_free(&c->seqs[i].hol);
	}
	for (i = 0; i < c->nreps; i++) {
		user_free(&c->reps[i].user);
		free(c->reps[i].sends);
		free(c->reps[i].bulk);
	}
	free(c->seqs);
	free(c->reps);
}

static struct seq_entry *cache_seq(struct sched *s, struct pass_cache *c, int64_t id,
				   struct cad_err *err)
{
	size_t i;
	struct seq_entry *e;
	for (i = 0; i < c->nseqs; i++)
		if (c->seqs[i].seq.id == id)
			return &c->seqs[i];
	c->seqs = xrealloc(c->seqs, (c->nseqs + 1) * sizeof(*c->seqs));
	e = &c->seqs[c->nseqs];
	memset(e, 0, sizeof(*e));
	holiday_list_init(&e->hol);
	if (store_sequence_get_id(s->store, id, &e->seq, err) != 0)
		return NULL;
	if (rules_holidays(s->store, &e->seq, &e->hol, err) < 0) {
		sequence_free(&e->seq);
		return NULL;
	}
	c->nseqs++;
	return e;
}

static struct rep_entry *cache_rep(struct sched *s, struct pass_cache *c, int64_t id,
				   cad_time_t now, struct cad_err *err)
{
	size_t i;
	struct rep_entry *e;
	for (i = 0; i < c->nreps; i++)
		if (c->reps[i].user.id == id)
			return &c->reps[i];
	c->reps = xrealloc(c->reps, (c->nreps + 1) * sizeof(*c->reps));
	e = &c->reps[c->nreps];
	memset(e, 0, sizeof(*e));
	if (store_user_get_id(s->store, id, &e->user, err) != 0)
		return NULL;
	{
		struct cad_err zerr;
		e->zone = cal_zone_choose(e->user.tz, NULL, NULL, &zerr);
	}
	if (store_user_sends_since(s->store, id, now - LIMITS_DAY, &e->sends, &e->nsends, err) < 0
	    || store_user_bulk_sends_since(s->store, id, now - 3600, &e->bulk, &e->nbulk, err) < 0) {
		free(e->sends);
		user_free(&e->user);
		return NULL;
	}
	c->nreps++;
	return e;
}

static void times_add(cad_time_t **v, size_t *n, cad_time_t t)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = t;
}

/* Pauses an enrollment that cannot go on by itself, with the reason. */
static int pause_with(struct sched *s, int64_t enrollment_id, const char *reason,
		      cad_time_t now, struct cad_err *err)
{
	char key[32];
	snprintf(key, sizeof(key), "%lld", (long long)enrollment_id);
	cad_log(CAD_LOG_WARN, "enrollment %s paused: %s", key, reason);
	return store_pause(s->store, SCOPE_ENROLLMENT, key, reason, 0, s->actor, now, NULL, err);
}

/* When the step after `step` is due, counted from `from`. 0 when the
 * enrollment has no further step (it finishes). */
static int next_due_after(const struct sequence *seq, int step, const struct cal_rules *r,
			  cad_time_t from, cad_time_t *due, struct cad_err *err)
{
	const struct step *nx;
	*due = 0;
	if ((size_t)step >= seq->nsteps)
		return 0;
	nx = &seq->steps[step];   /* steps[] is 0-based: steps[step] is step+1 */
	return cal_next_due(r, from, nx->delay_days, nx->delay_minutes, due, err);
}

/* When a witnessed message was sent, for counting the next step's delay:
 * the milter's witness time (the MTA took it then, not when a restart
 * noticed), kept within [record created, now]. The witness is stamped by
 * another process, possibly on another host: a clock ahead of the pass's
 * must not push the sequence into the future (nothing would be due until
 * that clock's time), nor one behind make it earlier than the record. */
static cad_time_t witness_time(const struct sent_msg *m, cad_time_t now)
{
	cad_time_t t = m->witnessed_at;
	if (t <= 0 || t > now)
		return now;
	if (m->created_at > 0 && t < m->created_at)
		return m->created_at;
	return t;
}

/* The names a task or a message is addressed with. */
static char *contact_display(const struct contact *c)
{
	if (c->firstname && c->lastname)
		return xasprintf("%s %s", c->firstname, c->lastname);
	if (c->firstname)
		return xstrdup(c->firstname);
	return NULL;
}

/* A task step: a task for the rep, due in the rep's working hours. */
static int do_task_step(struct sched *s, const struct enrollment_view *v, struct seq_entry *se,
			const struct step *step, const struct contact *ct, struct rep_entry *rep,
			const struct cal_rules *r, cad_time_t now, struct sched_stats *stats,
			struct cad_err *err)
{
	struct task t;
	struct sbuf note;
	struct tmpl_ctx ctx = { ct, &rep->user };
	struct cad_err terr = { "" };
	struct cal_rules rr = *r;
	cad_time_t due = now, next = 0;
	int rc;

	/* Due when the rep's own window opens (their zone, the sequence's hours). */
	rr.zone = rep->zone;
	if (rr.zone == NULL || cal_next_open(&rr, now, &due, &terr) < 0)
		due = now;
	sbuf_init(&note);
	if (step->body && tmpl_render(step->body, &ctx, &note, &terr) < 0) {
		/* The note is for the rep: show the template rather than fail. */
		sbuf_reset(&note);
		sbuf_adds(&note, step->body);
	}
	if (step->kind == STEP_LINKEDIN) {
		const char *url = contact_prop(ct, "linkedin");
		if (url == NULL)
			url = contact_prop(ct, "linkedin_url");
		if (url != NULL)
			sbuf_addf(&note, "%sLinkedIn: %s", note.len ? "\n" : "", url);
	}
	memset(&t, 0, sizeof(t));
	t.enrollment_id = v->e.id;
	t.user_id = v->e.user_id;
	t.step = v->e.step;
	t.kind = step->kind;
	t.state = TASK_OPEN;
	t.due_at = due;
	t.note = note.s;
	if (!step->wait && next_due_after(&se->seq, v->e.step, r, now, &next, err) < 0) {
		sbuf_free(&note);
		return pause_with(s, v->e.id, err->msg, now, err);
	}
	rc = store_task_step(s->store, &t, step->wait, next, s->actor, now, err);
	sbuf_free(&note);
	if (rc == 0)
		stats->tasks++;
	return rc;
}

/* Fills in_reply_to/references/subject for a step that continues the
 * thread of an earlier step; leaves them alone when that step sent nothing. */
static int thread_to(struct sched *s, const struct enrollment_view *v, const struct step *step,
		     struct sent_msg *parent, char **subject, struct cad_err *err)
{
	int rc;
	if (step->thread_step <= 0 || step->thread_step >= v->e.step)
		return 0;
	rc = store_msg_for_step(s->store, v->e.id, step->thread_step, parent, err);
	if (rc < 0)
		return -1;
	if (rc == STORE_NOTFOUND || parent->state == MSG_FAILED || parent->state == MSG_REJECTED) {
		sent_msg_free(parent);
		return 0;
	}
	if (parent->subject) {
		char *re = compose_reply_subject(parent->subject);
		free(*subject);
		*subject = re;
	}
	return 0;
}

/* How long a step is retried on 4xx replies (Postfix's maximal_queue_lifetime). */
#define SCHED_RETRY_LIFETIME (5 * 86400)

/* Backoff for a 4xx: grows with the age of the message, 1 min to 1 h. */
static cad_time_t retry_delay(const struct sent_msg *m, cad_time_t now)
{
	cad_time_t age = now - m->created_at;
	if (age < 60)
		return 60;
	return age > 3600 ? 3600 : age;
}

/* An email step: render, record, submit, advance. */
static int do_email_step(struct sched *s, const struct enrollment_view *v, struct seq_entry *se,
			 const struct step *step, const struct contact *ct, struct rep_entry *rep,
			 const struct cal_rules *r, cad_time_t now, struct sched_stats *stats,
			 struct cad_err *err)
{
	struct tmpl_ctx ctx = { ct, &rep->user };
	struct sbuf subj, body, msg;
	struct sent_msg m, parent;
	struct cad_err terr = { "" };
	struct compose_in in;
	struct submit_result res;
	char *subject = NULL, *to_name = NULL, *unsub_mailto = NULL, *unsub_url = NULL;
	char *mail_from = NULL;
	const char *refs[1];
	int existing = 0, rc = -1;
	cad_time_t next = 0;

	memset(&m, 0, sizeof(m));
	memset(&parent, 0, sizeof(parent));
	memset(&res, 0, sizeof(res));
	sbuf_init(&subj);
	sbuf_init(&body);
	sbuf_init(&msg);

	/* Render at send time: contact data may have changed since enrolling. */
	if (tmpl_render_flags(step->subject ? step->subject : "", &ctx, TMPL_ONE_LINE, &subj, &terr) < 0
	    || tmpl_render(step->body ? step->body : "", &ctx, &body, &terr) < 0) {
		char *why = xasprintf("step %d: %s", v->e.step, terr.msg);
		struct task t;
		memset(&t, 0, sizeof(t));
		t.enrollment_id = v->e.id;
		t.user_id = v->e.user_id;
		t.step = v->e.step;
		t.kind = STEP_MANUAL_EMAIL;
		t.state = TASK_OPEN;
		t.due_at = now;
		t.note = xasprintf("Fill in the missing data for %s, then resume: %s", ct->email, why);
		rc = pause_with(s, v->e.id, why, now, err);
		if (rc == 0)
			rc = store_task_add(s->store, &t, s->actor, now, err);
		free(t.note);
		free(why);
		stats->failed++;
		goto out;
	}
	subject = xstrdup(subj.s);
	if (thread_to(s, v, step, &parent, &subject, err) < 0)
		goto out;

	/* Record before submitting; a second prepare returns the first record. */
	if (store_msg_for_step(s->store, v->e.id, v->e.step, &m, err) < 0)
		goto out;
	if (m.id == 0) {
		unsigned char nonce[TOKEN_NONCE_BYTES];
		char tok[TOKEN_BUFSZ];
		if (token_nonce_random(nonce, err) < 0)
			goto out;
		m.enrollment_id = v->e.id;
		m.step = v->e.step;
		m.message_id = msgid_make(&s->secret, nonce, s->conf.domain);
		token_make(TOKEN_UNSUB, &s->secret, nonce, tok);
		m.token = xstrdup(tok);
		m.subject = xstrdup(subject);
		if (store_msg_prepare(s->store, &m, now, &existing, err) < 0)
			goto out;
	} else {
		existing = 1;
	}
	if (existing && m.state == MSG_WITNESSED) {
		/* The MTA has it already (we crashed after handing it over). */
		if (next_due_after(&se->seq, v->e.step, r, witness_time(&m, now), &next, err) < 0)
			goto out;
		rc = store_msg_sent(s->store, m.id, "witnessed by the MTA before a restart",
				    m.queue_id, next, s->actor, now, err);
		if (rc == 0)
			stats->reconciled++;
		goto out;
	}
	if (existing && m.state != MSG_PREPARED) {
		/* submitted/failed/rejected yet still due: the store moved on in
		 * another way; never send it again, and say so (parking it with
		 * no due time would leave it active and silent for ever). */
		char *why = xasprintf("step %d: its message is already %s; not sent again",
				      v->e.step, msg_state_name(m.state));
		rc = pause_with(s, v->e.id, why, now, err);
		free(why);
		stats->failed++;
		goto out;
	}

	unsub_mailto = token_address(s->conf.unsubscribe_prefix, m.token, s->conf.domain);
	if (s->conf.public_url && *s->conf.public_url)
		unsub_url = token_unsub_url(s->conf.public_url, m.token);
	to_name = contact_display(ct);
	memset(&in, 0, sizeof(in));
	in.from_name = rep->user.name;
	in.from_addr = rep->user.email;
	in.to_name = to_name;
	in.to_addr = ct->email;
	/* A resend keeps the subject and Date of the first attempt. */
	in.subject = m.subject ? m.subject : subject;
	in.body = body.s;
	in.date = m.created_at ? m.created_at : now;
	in.tz_offset_minutes = rep->zone ? cal_utc_offset(rep->zone, in.date) / 60 : 0;
	in.message_id = m.message_id;
	if (parent.message_id) {
		in.in_reply_to = parent.message_id;
		refs[0] = parent.message_id;
		in.references = refs;
		in.nreferences = 1;
	}
	in.unsub_mailto = unsub_mailto;
	in.unsub_url = unsub_url;
	if (compose_message(&in, &msg, &terr) < 0) {
		char *why = xasprintf("step %d: cannot compose: %s", v->e.step, terr.msg);
		rc = store_msg_failed(s->store, m.id, why, s->actor, now, err);
		free(why);
		stats->failed++;
		goto out;
	}

	if (s->conf.verp) {
		char vtok[TOKEN_BUFSZ];
		/* The VERP token shares the message's nonce: one bounce maps to one message. */
		if (token_convert(TOKEN_UNSUB, TOKEN_VERP, &s->secret, m.token, vtok) == 0)
			mail_from = token_address(s->conf.bounce_prefix, vtok, s->conf.domain);
	}
	submit_message(s->conf.submit_url, mail_from ? mail_from : rep->user.email, ct->email,
		       msg.s, msg.len, NULL, &res);
	switch (res.status) {
	case SUBMIT_ACCEPTED:
		if (next_due_after(&se->seq, v->e.step, r, now, &next, err) < 0) {
			/* Sent, but the next step cannot be computed: record the send,
			 * then pause with the reason. */
			struct cad_err perr;
			char *why = xasprintf("step %d: %s", v->e.step + 1, err->msg);
			rc = store_msg_sent(s->store, m.id, res.reply, res.queue_id, now + 3600,
					    s->actor, now, err);
			if (rc == 0)
				rc = pause_with(s, v->e.id, why, now, &perr);
			free(why);
			break;
		}
		rc = store_msg_sent(s->store, m.id, res.reply, res.queue_id, next, s->actor, now, err);
		if (rc == 0) {
			stats->sent++;
			times_add(&rep->sends, &rep->nsends, now);
			if (v->e.bulk && v->e.step == 1)
				times_add(&rep->bulk, &rep->nbulk, now);
			cad_log(CAD_LOG_INFO, "%s: sent step %d of enrollment %lld to %s: %s",
				res.queue_id ? res.queue_id : "NOQUEUE", v->e.step,
				(long long)v->e.id, ct->email, res.reply ? res.reply : "");
		}
		break;
	case SUBMIT_TEMPFAIL:
		if (m.created_at > 0 && now - m.created_at > SCHED_RETRY_LIFETIME) {
			/* As an MTA gives up on a queue file: the step fails and the
			 * enrollment pauses, with the last reply, for a person to see. */
			char *why = xasprintf("gave up after %d days of temporary failures: %s",
					      SCHED_RETRY_LIFETIME / 86400,
					      res.reply ? res.reply : "");
			cad_log(CAD_LOG_ERR, "step %d of enrollment %lld to %s failed: %s", v->e.step,
				(long long)v->e.id, ct->email, why);
			rc = store_msg_failed(s->store, m.id, why, s->actor, now, err);
			free(why);
			stats->failed++;
			break;
		}
		cad_log(CAD_LOG_WARN, "step %d of enrollment %lld to %s: temporary failure, "
			"trying again later: %s", v->e.step, (long long)v->e.id, ct->email,
			res.reply ? res.reply : "");
		rc = store_msg_retry(s->store, m.id, res.reply, now + retry_delay(&m, now), now, err);
		stats->retried++;
		break;
	case SUBMIT_PERMFAIL: {
		/* The milter refuses a second copy of a message it already
		 * witnessed (a resend racing the first copy after a crash): that
		 * message was delivered once, so the step is sent, not failed. */
		struct sent_msg cur;
		memset(&cur, 0, sizeof(cur));
		if (store_msg_get(s->store, m.message_id, &cur, err) < 0)
			break;
		if (cur.state == MSG_WITNESSED) {
			if (next_due_after(&se->seq, v->e.step, r, now, &next, err) == 0)
				rc = store_msg_sent(s->store, m.id, "witnessed; a second copy was refused",
						    cur.queue_id, next, s->actor, now, err);
			if (rc == 0)
				stats->reconciled++;
		} else {
			rc = store_msg_failed(s->store, m.id, res.reply, s->actor, now, err);
			stats->failed++;
		}
		sent_msg_free(&cur);
		break;
	}
	}
out:
	submit_result_free(&res);
	sent_msg_free(&m);
	sent_msg_free(&parent);
	sbuf_free(&subj);
	sbuf_free(&body);
	sbuf_free(&msg);
	free(subject);
	free(to_name);
	free(unsub_mailto);
	free(unsub_url);
	free(mail_from);
	return rc;
}

/* One due enrollment. -1 only on a store error. */
static int do_one(struct sched *s, struct pass_cache *c, const struct enrollment_view *v,
		  cad_time_t now, struct sched_stats *stats, struct cad_err *err)
{
	struct seq_entry *se;
	struct rep_entry *rep;
	struct contact ct;
	struct cal_rules r;
	struct cad_err rerr = { "" };
	const struct step *step;
	int rc = -1;

	memset(&ct, 0, sizeof(ct));
	se = cache_seq(s, c, v->e.sequence_id, err);
	rep = se ? cache_rep(s, c, v->e.user_id, now, err) : NULL;
	if (se == NULL || rep == NULL || store_contact_get_id(s->store, v->e.contact_id, &ct, err) != 0)
		return -1;

	if (v->e.step < 1 || (size_t)v->e.step > se->seq.nsteps) {
		rc = store_enrollment_advance(s->store, v->e.id, v->e.step, 0, EV_FINISHED,
					      "no steps left", s->actor, now, err);
		if (rc == 0)
			stats->finished++;
		goto out;
	}
	step = &se->seq.steps[v->e.step - 1];

	if (rules_build(&se->seq, ct.tz, rep->user.tz, &se->hol, &r, &rerr) < 0) {
		rc = pause_with(s, v->e.id, rerr.msg, now, err);
		stats->failed++;
		goto out;
	}

	if (step->kind != STEP_EMAIL) {
		rc = do_task_step(s, v, se, step, &ct, rep, &r, now, stats, err);
		goto out;
	}

	/* The recipient's window. */
	if (!cal_window_open(&r, now)) {
		cad_time_t open;
		if (cal_next_open(&r, now, &open, &rerr) < 0) {
			rc = pause_with(s, v->e.id, rerr.msg, now, err);
			stats->failed++;
		} else {
			rc = store_enrollment_defer(s->store, v->e.id, open, err);
			stats->deferred++;
		}
		goto out;
	}

	/* Suppressed since enrolling (a bounce, an unsubscribe, an admin)? */
	{
		struct suppression sm;
		int sup;
		memset(&sm, 0, sizeof(sm));
		sup = store_suppressed(s->store, ct.email, &sm, err);
		if (sup < 0)
			goto out;
		if (sup == 1) {
			char key[32];
			char *why = xasprintf("suppressed (%s: %s)", supp_kind_name(sm.kind), sm.pattern);
			snprintf(key, sizeof(key), "%lld", (long long)v->e.id);
			rc = store_unenroll(s->store, SCOPE_ENROLLMENT, key, why, s->actor, now, NULL, err);
			free(why);
			suppression_free(&sm);
			goto out;
		}
	}

	/* The rep's mailbox limits. */
	{
		struct limits_mailbox mb;
		struct limits_item it;
		struct limits_decision d;
		uint32_t rnd = 0;
		memset(&mb, 0, sizeof(mb));
		mb.sends = rep->sends;
		mb.nsends = rep->nsends;
		mb.cap_24h = rep->user.send_cap_24h > 0 ? rep->user.send_cap_24h : USER_DEFAULT_SEND_CAP;
		mb.min_gap = s->conf.spacing_seconds;
		mb.jitter = s->conf.spacing_jitter;
		if (RAND_bytes((unsigned char *)&rnd, sizeof(rnd)) != 1)
			rnd = 0;
		mb.jitter_rnd = rnd;
		mb.bulk_sends = rep->bulk;
		mb.nbulk = rep->nbulk;
		memset(&it, 0, sizeof(it));
		it.due = v->e.next_due;
		it.domain = cad_addr_domain(ct.email);
		it.bulk_first = v->e.bulk && v->e.step == 1;
		limits_plan(&mb, &it, 1, now, &d);
		if (!d.go) {
			rc = store_enrollment_defer(s->store, v->e.id, d.retry_at, err);
			stats->deferred++;
			goto out;
		}
	}

	/* The recipient domain's daily cap, over all reps (DomainDailyCap). */
	if (s->conf.domain_daily_cap > 0 && cad_addr_domain(ct.email) != NULL) {
		int sent_to_domain = 0;
		/* As in ratelimit.c, a send exactly 24 h old no longer counts. */
		if (store_domain_sends_since(s->store, cad_addr_domain(ct.email), now - LIMITS_DAY + 1,
					     &sent_to_domain, err) < 0)
			goto out;
		if (sent_to_domain >= s->conf.domain_daily_cap) {
			rc = store_enrollment_defer(s->store, v->e.id, now + 3600, err);
			stats->deferred++;
			goto out;
		}
	}

	rc = do_email_step(s, v, se, step, &ct, rep, &r, now, stats, err);
out:
	contact_free(&ct);
	return rc;
}

/* ---- notices to reps: refused enrollments and the morning digest ---- */

/* Pending notices sent per pass (the rest wait for the next pass). */
#define NOTICE_BATCH 100
/* The digest goes out from this local time on an open day. */
#define DIGEST_HOUR 7

/* The digest's text: the rep's open tasks due by the end of the local
 * day (or without a due time), oldest due first as the store lists them.
 * *count gets how many; nothing is appended when there are none. */
static void digest_text(const struct user *u, const struct cal_zone *z, int64_t dayno,
			const struct task_view *t, size_t n, struct sbuf *body, int *count)
{
	cad_time_t end = cal_from_local(z, dayno + 1, 0);
	cad_time_t start = cal_from_local(z, dayno, 0);
	char day[16];
	size_t i;

	*count = 0;
	for (i = 0; i < n; i++)
		if (t[i].t.due_at < end)
			(*count)++;
	if (*count == 0)
		return;
	cal_day_format(dayno, day, sizeof(day));
	sbuf_addf(body, "Good morning%s%s,\n\nyour open cadence tasks for %s (%d):\n",
		    u->name ? " " : "", u->name ? u->name : "", day, *count);
	for (i = 0; i < n; i++) {
		const struct task *k = &t[i].t;
		if (k->due_at >= end)
			continue;
		sbuf_addf(body, "\n- task %lld: %s %s, sequence %s, step %d",
			    (long long)k->id, step_kind_name(k->kind),
			    t[i].contact_email ? t[i].contact_email : "(unknown contact)",
			    t[i].sequence_name ? t[i].sequence_name : "(unknown)", k->step);
		if (k->due_at > 0 && k->due_at < start) {
			char d[16];
			struct cal_tm lt;
			cal_to_local(z, k->due_at, &lt);
			sbuf_addf(body, " (overdue since %s)",
				    cal_day_format(lt.dayno, d, sizeof(d)));
		}
		sbuf_adds(body, "\n");
		if (k->note && *k->note) {
			/* The note may span lines: indent each one. */
			const char *p = k->note;
			while (*p) {
				size_t len = strcspn(p, "\n");
				sbuf_adds(body, "  ");
				sbuf_add(body, p, len);
				sbuf_adds(body, "\n");
				p += len;
				if (*p == '\n')
					p++;
			}
		}
	}
	sbuf_adds(body, "\nMark one done with \"cadencectl task complete ID\" "
		  "(or skip it with \"cadencectl task skip ID\").\n"
		  "Turn this mail off with \"cadencectl user digest ADDRESS no\".\n");
}

/* Writes today's digest for each rep who asked for one and is due it (see
 * cal_daily_due), when they have tasks. -1 only on a store error. */
static int sched_digests(struct sched *s, cad_time_t now, struct cad_err *err)
{
	struct digest_rep *reps = NULL;
	size_t n = 0, i;
	int rc = 0;

	if (store_digest_due(s->store, &reps, &n, err) < 0)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		const struct user *u = &reps[i].user;
		struct cad_err zerr;
		const struct cal_zone *z = cal_zone_get(u->tz && *u->tz ? u->tz : "UTC", &zerr);
		struct task_view *tasks = NULL;
		size_t nt = 0;
		struct sbuf body;
		int64_t dayno;
		int count = 0;

		if (z == NULL) {
			cad_log(CAD_LOG_WARN, "digest for %s: %s", u->email, zerr.msg);
			continue;
		}
		if (!cal_daily_due(z, reps[i].last_digest, now, DIGEST_HOUR, &dayno))
			continue;
		if (store_tasks(s->store, u->email, TASK_OPEN, &tasks, &nt, err) < 0) {
			rc = -1;
			break;
		}
		sbuf_init(&body);
		digest_text(u, z, dayno, tasks, nt, &body, &count);
		if (count > 0) {
			char day[16];
			char *subj = xasprintf("cadence: your tasks for %s (%d)",
					       cal_day_format(dayno, day, sizeof(day)), count);
			rc = store_notice_add(s->store, u->id, NOTICE_DIGEST, subj, body.s, now, NULL,
					      err);
			free(subj);
		}
		sbuf_free(&body);
		store_task_views_free(tasks, nt);
	}
	store_digest_reps_free(reps, n);
	return rc;
}

/* Sends the pending notices from cadence@Domain to their reps: marked
 * sent on a 2xx, marked done with the reply on a 5xx (retrying would not
 * help), left pending on a 4xx or no answer for the next pass. A notice
 * carries a random Message-ID that is not a sequence message's (the
 * milter's gate does not know it and lets it pass as ordinary mail). -1
 * only on a store error. */
static int sched_notices(struct sched *s, cad_time_t now, struct cad_err *err)
{
	struct notice *v = NULL;
	size_t n = 0, i;
	int rc = 0;
	char *from = xasprintf("cadence@%s", s->conf.domain);

	if (store_notices_pending(s->store, NOTICE_BATCH, &v, &n, err) < 0) {
		free(from);
		return -1;
	}
	for (i = 0; i < n && rc == 0 && !*s->stop; i++) {
		struct compose_in in;
		struct sbuf msg;
		struct submit_result res;
		struct cad_err cerr = { "" };
		unsigned char rnd[16];
		char hex[33];
		char *mid;
		size_t k;

		if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
			rc = cad_err_set(err, "notices: no random bytes for a Message-ID");
			break;
		}
		for (k = 0; k < sizeof(rnd); k++)
			snprintf(hex + 2 * k, 3, "%02x", rnd[k]);
		mid = xasprintf("notice.%s@%s", hex, s->conf.domain);
		memset(&in, 0, sizeof(in));
		in.from_name = "cadence";
		in.from_addr = from;
		in.to_name = v[i].user_name;
		in.to_addr = v[i].user_email;
		in.subject = v[i].subject;
		in.body = v[i].body;
		in.date = now;
		in.message_id = mid;
		sbuf_init(&msg);
		memset(&res, 0, sizeof(res));
		if (compose_message(&in, &msg, &cerr) < 0) {
			char *why = xasprintf("cannot compose: %s", cerr.msg);
			cad_log(CAD_LOG_ERR, "notice %lld to %s: %s", (long long)v[i].id,
				v[i].user_email, why);
			rc = store_notice_sent(s->store, v[i].id, why, now, err);
			free(why);
		} else {
			submit_message(s->conf.submit_url, from, v[i].user_email, msg.s, msg.len, NULL,
				       &res);
			if (res.status == SUBMIT_ACCEPTED) {
				rc = store_notice_sent(s->store, v[i].id, res.reply, now, err);
				cad_log(CAD_LOG_INFO, "sent %s notice %lld to %s: %s",
					notice_kind_name(v[i].kind), (long long)v[i].id,
					v[i].user_email, res.reply ? res.reply : "");
			} else if (res.status == SUBMIT_PERMFAIL) {
				rc = store_notice_sent(s->store, v[i].id, res.reply, now, err);
				cad_log(CAD_LOG_ERR, "notice %lld to %s refused for good: %s",
					(long long)v[i].id, v[i].user_email,
					res.reply ? res.reply : "");
			} else {
				cad_log(CAD_LOG_WARN, "notice %lld to %s: %s; trying again next pass",
					(long long)v[i].id, v[i].user_email,
					res.reply ? res.reply : "");
			}
		}
		submit_result_free(&res);
		sbuf_free(&msg);
		free(mid);
	}
	store_notices_free(v, n);
	free(from);
	return rc;
}

int sched_pass(struct sched *s, cad_time_t now, struct sched_stats *stats, struct cad_err *err)
{
	struct pass_cache cache;
	struct enrollment_view *due = NULL;
	size_t n = 0, i;
	int rc = 0;
	int64_t last_id = -1;
	int last_step = -1;

	memset(&cache, 0, sizeof(cache));
	/* Pauses with an end (pause --until, an out-of-office return date)
	 * that has come end first, so that their steps are due in this pass. */
	{
		int resumed = 0;
		if (store_resume_due(s->store, s->actor, now, &resumed, err) < 0)
			return -1;
		if (resumed > 0)
			cad_log(CAD_LOG_INFO, "resumed %d enrollment%s whose pause ended", resumed,
				resumed == 1 ? "" : "s");
	}
	/* Each query returns what is still due; handled items move on (sent,
	 * deferred, paused), so the loop ends when nothing due is left. An
	 * item that is due again at once (the store failed to move it) ends
	 * the pass rather than spinning. */
	for (;;) {
		if (store_due(s->store, now, s->batch, &due, &n, err) < 0) {
			rc = -1;
			break;
		}
		/* The same enrollment on the same step first again means the
		 * store did not move it: stop rather than spin. (The same id on
		 * a later step is progress: a step with no delay is due at once.) */
		if (n == 0 || (due[0].e.id == last_id && due[0].e.step == last_step))
			break;
		last_id = due[0].e.id;
		last_step = due[0].e.step;
		for (i = 0; i < n && !*s->stop; i++) {
			if (do_one(s, &cache, &due[i], now, stats, err) < 0) {
				cad_log(CAD_LOG_ERR, "enrollment %lld: %s", (long long)due[i].e.id,
					err->msg);
				rc = -1;
				break;
			}
		}
		store_enrollment_views_free(due, n);
		due = NULL;
		if (rc < 0 || *s->stop)
			break;
	}
	if (due)
		store_enrollment_views_free(due, n);
	cache_free(&cache);
	/* Mail to the reps themselves: today's digests, then every pending
	 * notice (a refused enrollment by address, a digest). */
	if (rc == 0 && !*s->stop && (sched_digests(s, now, err) < 0 ||
				      sched_notices(s, now, err) < 0)) {
		cad_log(CAD_LOG_ERR, "notices: %s", err->msg);
		rc = -1;
	}
	/* When the daemon should wake: the earliest future due time (through
	 * the same index); 0 (its default poll) when that is not later. */
	if (rc == 0 && !*s->stop) {
		due = NULL;
		n = 0;
		if (store_due(s->store, now + SCHED_HORIZON, 1, &due, &n, err) < 0)
			return -1;
		if (n == 1 && due[0].e.next_due > now)
			stats->next_wake = due[0].e.next_due;
		store_enrollment_views_free(due, n);
	}
	return rc;
}
