/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pass.c - one scheduling pass of cadenced: the loop over due enrollments
 * and the rules that may hold one back.
 *
 * For each due enrollment (oldest due first, from the store's index) the
 * pass asks the pure rules what to do — the calendar (cal_*: is the
 * recipient's window open), suppression, the mailbox limits (ratelimit_plan:
 * rolling cap, spacing, bulk throttle; the domain cap) — and hands a step
 * that may go to its own small steps: pass_email.c (render -> ledger
 * prepare -> compose -> submit -> apply the outcome through the ledger's
 * table, src/rules/ledger.h) or pass_task.c. pass_notice.c then writes the
 * reps' digests and sends their notices.
 *
 * One item's failure is that item's (issue 9, finding 9): a problem that
 * is not the store's (a next due time that cannot be computed, a sequence
 * or rep that is gone) pauses that one enrollment with the reason (event
 * "paused") and tells its rep in a notice; the pass goes on with the next.
 * Only a failure of the store itself (or of the environment, such as no
 * random bytes) ends a pass.
 *
 * Several cadenced may share the store (issue 17): the due enrollments
 * come claimed, batch by batch (pass_claim.c, store_due_claim), the
 * claims are renewed after each item and released at the end of the pass,
 * and a rep's sends are read again for each batch (another instance may
 * have sent for the rep meanwhile).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cal.h"
#include "notice_text.h"
#include "ratelimit.h"
#include "rules.h"
#include "why.h"
#include "pass_int.h"

/* How far ahead a pass looks for the next wake-up. */
#define SCHED_HORIZON ((cad_time_t)366 * 86400)

struct pass_cache {
	struct seq_entry *seqs;
	size_t nseqs;
	struct rep_entry *reps;
	size_t nreps;
	unsigned batch;        /* the due batch being worked on */
};

static void cache_free(struct pass_cache *c)
{
	size_t i;
	for (i = 0; i < c->nseqs; i++)
		sequence_free(&c->seqs[i].seq);
	for (i = 0; i < c->nreps; i++) {
		user_free(&c->reps[i].user);
		free(c->reps[i].sends);
		free(c->reps[i].bulk);
	}
	free(c->seqs);
	free(c->reps);
}

/* The sequence; PASS_ITEM when it is gone. */
static int cache_seq(struct sched *s, struct pass_cache *c, int64_t id, struct seq_entry **out,
		     struct cad_err *err)
{
	size_t i;
	struct seq_entry *e;
	int rc;
	for (i = 0; i < c->nseqs; i++)
		if (c->seqs[i].seq.id == id) {
			*out = &c->seqs[i];
			return PASS_OK;
		}
	c->seqs = xrealloc(c->seqs, (c->nseqs + 1) * sizeof(*c->seqs));
	e = &c->seqs[c->nseqs];
	memset(e, 0, sizeof(*e));
	rc = store_sequence_get_id(s->store, id, &e->seq, err);
	if (rc != 0)
		return rc == STORE_NOTFOUND ? PASS_ITEM : PASS_STORE;
	c->nseqs++;
	*out = e;
	return PASS_OK;
}

/* The rep's sends of the last day and bulk sends of the last hour. */
static int rep_sends(struct sched *s, struct rep_entry *e, cad_time_t now, struct cad_err *err)
{
	if (store_user_sends_since(s->store, e->user.id, now - LIMITS_DAY, &e->sends, &e->nsends,
				   err) < 0)
		return PASS_STORE;
	if (store_user_bulk_sends_since(s->store, e->user.id, now - 3600, &e->bulk, &e->nbulk,
					err) < 0) {
		free(e->sends);
		e->sends = NULL;
		e->nsends = 0;
		return PASS_STORE;
	}
	return PASS_OK;
}

/* The rep with the last day's sends; PASS_ITEM when the rep is gone.
 * With claims, the sends are read again for each batch: another cadenced
 * may have sent for the rep since (it held claims of the rep's work; the
 * claim that gave this batch counted them, store_due_claim). */
static int cache_rep(struct sched *s, struct pass_cache *c, int64_t id, cad_time_t now,
		     struct rep_entry **out, struct cad_err *err)
{
	size_t i;
	struct rep_entry *e;
	struct cad_err zerr;
	int rc;
	for (i = 0; i < c->nreps; i++)
		if (c->reps[i].user.id == id) {
			e = &c->reps[i];
			if (pass_claims_on(s) && e->loaded != c->batch) {
				free(e->sends);
				free(e->bulk);
				e->sends = e->bulk = NULL;
				e->nsends = e->nbulk = 0;
				if (rep_sends(s, e, now, err) != PASS_OK)
					return PASS_STORE;
				e->loaded = c->batch;
			}
			*out = e;
			return PASS_OK;
		}
	c->reps = xrealloc(c->reps, (c->nreps + 1) * sizeof(*c->reps));
	e = &c->reps[c->nreps];
	memset(e, 0, sizeof(*e));
	rc = store_user_get_id(s->store, id, &e->user, err);
	if (rc != 0)
		return rc == STORE_NOTFOUND ? PASS_ITEM : PASS_STORE;
	e->zone = cal_zone_choose(e->user.tz, NULL, NULL, &zerr);
	if (rep_sends(s, e, now, err) != PASS_OK) {
		user_free(&e->user);
		return PASS_STORE;
	}
	e->loaded = c->batch;
	c->nreps++;
	*out = e;
	return PASS_OK;
}

/* An enrollment that failed for a reason of its own (PASS_ITEM): paused
 * with the reason, and its rep told by a notice (sent by this pass's
 * pass_notices). -1 only on a store error. */
static int item_failed(struct sched *s, const struct enrollment_view *v, const char *why,
		       cad_time_t now, struct sched_stats *stats, struct cad_err *err)
{
	char *reason = xasprintf("step %d: %s", v->e.step, why);
	int rc;

	stats->failed++;
	rc = pass_step_pause(s, v->e.id, reason, now, err);
	if (rc == PASS_OK && v->e.user_id > 0) {
		struct notice_text t;   /* the words: src/mail/notice_text.c */
		notice_text_paused(&t, v->e.id, v->contact_email, v->sequence_name, reason);
		if (store_notice_add(s->store, v->e.user_id, NOTICE_PAUSED, t.subject, t.body, now,
				     NULL, err) < 0)
			rc = PASS_STORE;
		notice_text_free(&t);
	}
	free(reason);
	return rc;
}

/*
 * A deferral's event (issue #12, 5): "step_deferred" with the detail
 * "step N KEY: text", KEY why_reason_key() of why_decide() over the facts
 * this pass holds (fallback: the hold's own kind when the decision reads
 * them otherwise). Rate-limited: recorded only when the enrollment's
 * latest step_deferred event is not for the same step and reason, so a
 * step waiting for its window across twenty passes has one event, and
 * one more each time the reason changes.
 */
static int defer_event(const struct pass_item *it, enum why_kind fallback,
		       const struct ratelimit_mailbox *mb, int domain_sent, cad_time_t until,
		       struct cad_err *err)
{
	const struct enrollment_view *v = it->v;
	struct why_facts f;
	struct why w;
	struct event_filter q;
	struct event *evs = NULL, ev;
	size_t n = 0;
	char *prefix, *detail;
	const char *key;
	int same, rc = PASS_OK;

	memset(&f, 0, sizeof(f));
	f.e = &v->e;
	f.seq = &it->se->seq;
	f.contact_email = it->ct->email;
	f.rules = it->r;
	f.rep_zone = it->rep->zone;
	if (mb != NULL)
		f.mb = *mb;
	f.domain_cap = it->s->conf.domain_daily_cap;
	f.domain_sent = domain_sent;
	f.now = it->now;
	why_decide(&f, &w);
	if (w.kind == WHY_DUE_NOW || w.kind == WHY_NOT_DUE || w.kind == WHY_PAUSED ||
	    w.kind == WHY_FINISHED || w.kind == WHY_UNENROLLED || w.kind == WHY_TASK) {
		w.kind = fallback;
		snprintf(w.text, sizeof(w.text), "deferred until %lld", (long long)until);
	}
	key = why_reason_key(w.kind);
	prefix = xasprintf("step %d %s:", v->e.step, key);
	memset(&q, 0, sizeof(q));
	q.enrollment_id = v->e.id;
	q.type = PASS_EV_DEFERRED;
	q.limit = 1;
	if (store_events(it->s->store, &q, &evs, &n, err) < 0) {
		free(prefix);
		return PASS_STORE;
	}
	same = n == 1 && evs[0].detail != NULL && strncmp(evs[0].detail, prefix, strlen(prefix)) == 0;
	store_events_free(evs, n);
	if (!same) {
		detail = xasprintf("%s %s", prefix, w.text);
		memset(&ev, 0, sizeof(ev));
		ev.at = it->now;
		ev.type = (char *)PASS_EV_DEFERRED;
		ev.enrollment_id = v->e.id;
		ev.contact_id = v->e.contact_id;
		ev.sequence_id = v->e.sequence_id;
		ev.user_id = v->e.user_id;
		ev.actor = (char *)it->s->actor;
		ev.detail = detail;
		if (store_event_add(it->s->store, &ev, err) < 0)
			rc = PASS_STORE;
		free(detail);
	}
	free(prefix);
	return rc;
}

/* The recipient's window: PASS_OK with *held = 1 when the step waits. */
static int hold_window(const struct pass_item *it, int *held, struct cad_err *err)
{
	struct cad_err rerr = { "" };
	cad_time_t open;

	*held = 0;
	if (cal_window_open(it->r, it->now))
		return PASS_OK;
	*held = 1;
	if (cal_next_open(it->r, it->now, &open, &rerr) < 0) {
		cad_err_set(err, "%s", rerr.msg);
		return PASS_ITEM;
	}
	it->stats->deferred++;
	if (defer_event(it, WHY_WINDOW, NULL, 0, open, err) != PASS_OK)
		return PASS_STORE;
	return store_enrollment_defer(it->s->store, it->v->e.id, open, err) < 0 ? PASS_STORE
										 : PASS_OK;
}

/* Suppressed since enrolling (a bounce, an unsubscribe, an admin)? */
static int hold_suppressed(const struct pass_item *it, int *held, struct cad_err *err)
{
	struct suppression sm;
	char *why;
	int sup, rc;

	*held = 0;
	memset(&sm, 0, sizeof(sm));
	sup = store_suppressed(it->s->store, it->ct->email, &sm, err);
	if (sup < 0)
		return PASS_STORE;
	if (sup != 1)
		return PASS_OK;
	*held = 1;
	why = xasprintf("suppressed (%s: %s)", supp_kind_name(sm.kind), sm.pattern);
	rc = store_enrollment_unenroll(it->s->store, it->v->e.id, why, it->s->actor, it->now,
				       NULL, err) < 0 ? PASS_STORE : PASS_OK;
	free(why);
	suppression_free(&sm);
	return rc;
}

/* SendJitter's draw for the gap after the rep's latest send: one draw per
 * send, the same at every pass and for every step that waits on that gap
 * (HMAC of the rep and the send's time under the site secret), so that
 * the steps held by spacing wait to one instant and leave in due order,
 * and a pass does not draw anew. */
uint32_t pass_jitter_rnd(const struct cad_secret *secret, int64_t rep_id, cad_time_t last_send)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char msg[64];
	int n = snprintf(msg, sizeof(msg), "jitter:%lld:%lld", (long long)rep_id,
			 (long long)last_send);
	if (secret == NULL || secret->key == NULL ||
	    HMAC(EVP_sha256(), secret->key, (int)secret->len, (const unsigned char *)msg,
		 (size_t)n, mac, &maclen) == NULL || maclen < 4)
		return 0;
	return (uint32_t)mac[0] << 24 | (uint32_t)mac[1] << 16 | (uint32_t)mac[2] << 8 | mac[3];
}

/* The rep's mailbox limits, then the recipient domain's daily cap. */
static int hold_limits(const struct pass_item *it, int *held, struct cad_err *err)
{
	const struct rep_entry *rep = it->rep;
	const char *domain = cad_addr_domain(it->ct->email);
	struct ratelimit_mailbox mb;
	struct ratelimit_item li;
	struct ratelimit_decision d;
	uint32_t rnd = 0;
	cad_time_t retry = 0;
	enum why_kind kind = WHY_REP_CAP;
	int sent_to_domain = 0;

	*held = 0;
	memset(&mb, 0, sizeof(mb));
	mb.sends = rep->sends;
	mb.nsends = rep->nsends;
	mb.cap_24h = rep->user.send_cap_24h > 0 ? rep->user.send_cap_24h : USER_DEFAULT_SEND_CAP;
	mb.min_gap = it->s->conf.spacing_seconds;
	mb.jitter = it->s->conf.spacing_jitter;
	{
		cad_time_t last = 0;
		size_t k;
		for (k = 0; k < rep->nsends; k++)
			if (rep->sends[k] > last)
				last = rep->sends[k];
		rnd = pass_jitter_rnd(&it->s->secret, rep->user.id, last);
	}
	mb.jitter_rnd = rnd;
	mb.bulk_sends = rep->bulk;
	mb.nbulk = rep->nbulk;
	memset(&li, 0, sizeof(li));
	li.due = it->v->e.next_due;
	li.domain = domain;
	li.bulk_first = it->v->e.bulk && it->v->e.step == 1;
	ratelimit_plan(&mb, &li, 1, it->now, &d);
	if (!d.go) {
		retry = d.retry_at;
		kind = d.why && strcmp(d.why, "spacing") == 0 ? WHY_SPACING
		       : d.why && strcmp(d.why, "throttle") == 0 ? WHY_THROTTLE
		       : d.why && strcmp(d.why, "domain") == 0 ? WHY_DOMAIN_CAP : WHY_REP_CAP;
	}
	if (retry == 0 && it->s->conf.domain_daily_cap > 0 && domain != NULL) {
		/* As in ratelimit.c, a send exactly 24 h old no longer counts. */
		if (store_domain_sends_since(it->s->store, domain, it->now - LIMITS_DAY + 1,
					     &sent_to_domain, err) < 0)
			return PASS_STORE;
		if (!ratelimit_domain_ok(sent_to_domain, it->s->conf.domain_daily_cap, it->now,
				      &retry))
			kind = WHY_DOMAIN_CAP;
	}
	if (retry == 0)
		return PASS_OK;
	*held = 1;
	it->stats->deferred++;
	if (defer_event(it, kind, &mb, sent_to_domain, retry, err) != PASS_OK)
		return PASS_STORE;
	return store_enrollment_defer(it->s->store, it->v->e.id, retry, err) < 0 ? PASS_STORE
										  : PASS_OK;
}

/* The step of one due enrollment whose sequence, rep and contact are
 * loaded: finish, a task, or an email once nothing holds it back. */
static int do_step(struct pass_item *it, struct rules *r, struct cad_err *err)
{
	int (*const holds[])(const struct pass_item *, int *, struct cad_err *) = {
		hold_window, hold_suppressed, hold_limits,
	};
	const struct enrollment_view *v = it->v;
	size_t i;
	int held, rc;

	if (v->e.step < 1 || (size_t)v->e.step > it->se->seq.nsteps) {
		if (store_enrollment_advance(it->s->store, v->e.id, v->e.step, 0, EV_FINISHED,
					     "no steps left", it->s->actor, it->now, err) < 0)
			return PASS_STORE;
		it->stats->finished++;
		return PASS_OK;
	}
	it->step = &it->se->seq.steps[v->e.step - 1];
	/* The contact's own rules (zone, region's holidays): rules.h. */
	rc = rules_load(it->s->store, &it->se->seq, it->ct, &it->rep->user, r, err);
	if (rc != 0)
		return rc == RULES_ESTORE ? PASS_STORE : PASS_ITEM;
	it->r = &r->cal;
	if (it->step->kind != STEP_EMAIL)
		return pass_task_step(it, err);
	/* The domain cap counts sends the store knows: a queued batch first. */
	if (pass_email_flush_domain(it->s, cad_addr_domain(it->ct->email), err) != PASS_OK)
		return PASS_STORE;
	for (i = 0; i < CAD_ARRAY_LEN(holds); i++) {
		rc = holds[i](it, &held, err);
		if (rc != PASS_OK || held)
			return rc;
	}
	return pass_email_step(it, err);
}

/* One due enrollment: PASS_OK, PASS_STORE or PASS_ITEM (err says why). */
static int do_one(struct sched *s, struct pass_cache *c, const struct enrollment_view *v,
		  cad_time_t now, struct sched_stats *stats, struct cad_err *err)
{
	struct pass_item it;
	struct contact ct;
	struct rules r;
	int rc;

	memset(&it, 0, sizeof(it));
	memset(&r, 0, sizeof(r));
	holiday_list_init(&r.hol);
	memset(&ct, 0, sizeof(ct));
	it.s = s;
	it.v = v;
	it.ct = &ct;
	it.now = now;
	it.stats = stats;
	rc = cache_seq(s, c, v->e.sequence_id, &it.se, err);
	if (rc == PASS_OK)
		rc = cache_rep(s, c, v->e.user_id, now, &it.rep, err);
	if (rc == PASS_OK) {
		rc = store_contact_get_id(s->store, v->e.contact_id, &ct, err);
		rc = rc == 0 ? PASS_OK : rc == STORE_NOTFOUND ? PASS_ITEM : PASS_STORE;
	}
	if (rc == PASS_OK)
		rc = do_step(&it, &r, err);
	rules_free(&r);
	contact_free(&ct);
	return rc;
}

/* The due enrollments, batch by batch. -1 on a store error. */
static int pass_due(struct sched *s, cad_time_t now, struct sched_stats *stats,
		    struct cad_err *err)
{
	struct pass_cache cache;
	struct enrollment_view *due = NULL;
	size_t n = 0, i;
	int rc = 0, one;
	int64_t last_id = -1;
	int last_step = -1;

	memset(&cache, 0, sizeof(cache));
	/* Each query returns what is still due; handled items move on (sent,
	 * deferred, paused), so the loop ends when nothing due is left. */
	while (rc == 0 && !*s->stop) {
		/* With claims, only what this pass claimed (pass_claim.c). */
		if (pass_claim_due(s, now, &due, &n, err) < 0) {
			rc = -1;
			break;
		}
		cache.batch++;
		/* The same enrollment on the same step first again means the
		 * store did not move it: stop rather than spin. (The same id on
		 * a later step is progress: a step with no delay is due at once.) */
		if (n == 0 || (due[0].e.id == last_id && due[0].e.step == last_step)) {
			store_enrollment_views_free(due, n);
			break;
		}
		last_id = due[0].e.id;
		last_step = due[0].e.step;
		for (i = 0; i < n && rc == 0 && !*s->stop; i++) {
			one = do_one(s, &cache, &due[i], now, stats, err);
			if (one == PASS_OK && pass_claim_renew(s, 0, err) != PASS_OK)
				one = PASS_STORE;
			if (one == PASS_ITEM) {
				cad_log(CAD_LOG_ERR, "enrollment %lld: %s", (long long)due[i].e.id,
					err->msg);
				one = item_failed(s, &due[i], err->msg, now, stats, err);
			}
			if (one != PASS_OK) {
				cad_log(CAD_LOG_ERR, "enrollment %lld: %s", (long long)due[i].e.id,
					err->msg);
				rc = -1;
			}
		}
		/* The queued batch goes before the due list is read again. */
		if (rc == 0 && pass_email_flush(s, err) != PASS_OK) {
			cad_log(CAD_LOG_ERR, "sending a batch: %s", err->msg);
			rc = -1;
		}
		store_enrollment_views_free(due, n);
	}
	pass_email_drop(s);
	cache_free(&cache);
	return rc;
}

int sched_pass(struct sched *s, cad_time_t now, struct sched_stats *stats, struct cad_err *err)
{
	int resumed = 0, rc;

	pass_claim_begin(s, now);
	pass_claim_reap(s);
	/* Pauses with an end (pause --until, an out-of-office return date)
	 * that has come end first, so that their steps are due in this pass. */
	if (store_resume_due(s->store, s->actor, now, &resumed, err) < 0)
		return -1;
	if (resumed > 0)
		cad_log(CAD_LOG_INFO, "resumed %d enrollment%s whose pause ended", resumed,
			resumed == 1 ? "" : "s");
	rc = pass_due(s, now, stats, err);
	/* Nothing claimed is worked on after this: others may take it now. */
	pass_claim_release(s);
	if (rc < 0)
		return -1;
	if (*s->stop)
		return 0;
	/* Mail to the reps themselves: today's digests, then every pending
	 * notice (a refused enrollment by address, a paused one, a digest). */
	if (pass_digests(s, now, err) < 0 || pass_notices(s, now, err) < 0) {
		cad_log(CAD_LOG_ERR, "notices: %s", err->msg);
		return -1;
	}
	if (*s->stop)
		return 0;
	/* When the daemon should wake: the earliest future due time (through
	 * the same index); 0 (its default poll) when there is none. */
	if (store_next_due_after(s->store, now, &stats->next_wake, err) < 0)
		return -1;
	return 0;
}
