/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * why.c - the service of why.h: reads the facts of one enrollment from the
 * store as cadenced's pass would (the sequence, contact and rep, the
 * calendar rules through rules_load, the open task of the step, the
 * suppression match, the rep's sends of the last 24 h and bulk first sends
 * of the last hour, the recipient domain's sends) and lets why_decide()
 * say why its next step has not gone.
 *
 * Guarantees: reads only (no transaction needed; a read-only store
 * works); -1 only on a store error; a calendar that cannot be applied is
 * a reason (WHY_RULES), not an error.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "store_sched.h"
#include "why.h"

struct why_store {
	struct enrollment e;
	struct sequence seq;
	struct contact ct;
	struct user rep;
	struct rules rules;
	struct task task;
	struct suppression supp;
	cad_time_t *sends, *bulk;
	size_t nsends, nbulk;
	struct cad_err rerr;
};

static void why_store_free(struct why_store *w)
{
	enrollment_free(&w->e);
	sequence_free(&w->seq);
	contact_free(&w->ct);
	user_free(&w->rep);
	rules_free(&w->rules);
	task_free(&w->task);
	suppression_free(&w->supp);
	free(w->sends);
	free(w->bulk);
}

/* The mailbox and domain facts (only an email step needs them). */
static int mailbox_facts(struct store *st, const struct why_conf *cf, struct why_store *w,
			 struct why_facts *f, cad_time_t now, struct cad_err *err)
{
	const char *dom = cad_addr_domain(w->ct.email);
	int rc;

	if ((rc = store_suppressed(st, w->ct.email, &w->supp, err)) < 0)
		return -1;
	f->supp = rc == 1 ? &w->supp : NULL;
	if (store_user_sends_since(st, w->rep.id, now - LIMITS_DAY, &w->sends, &w->nsends, err) < 0
	    || store_user_bulk_sends_since(st, w->rep.id, now - 3600, &w->bulk, &w->nbulk, err) < 0)
		return -1;
	f->mb.sends = w->sends;
	f->mb.nsends = w->nsends;
	f->mb.cap_24h = w->rep.send_cap_24h > 0 ? w->rep.send_cap_24h : USER_DEFAULT_SEND_CAP;
	f->mb.min_gap = cf ? cf->spacing_seconds : 0;
	f->mb.jitter = cf ? cf->spacing_jitter : 0;
	f->mb.bulk_sends = w->bulk;
	f->mb.nbulk = w->nbulk;
	if (cf && cf->domain_daily_cap > 0 && dom != NULL) {
		f->domain_cap = cf->domain_daily_cap;
		/* As the pass counts: a send exactly 24 h old no longer counts. */
		if (store_domain_sends_since(st, dom, now - LIMITS_DAY + 1, &f->domain_sent, err) < 0)
			return -1;
	}
	return 0;
}

static int gather(struct store *st, const struct why_conf *cf, int64_t id, cad_time_t now,
		  struct why_store *w, struct why_facts *f, struct cad_err *err)
{
	int rc;

	if ((rc = store_enrollment_get(st, id, &w->e, err)) != 0)
		return rc;
	if (store_sequence_get_id(st, w->e.sequence_id, &w->seq, err) != 0 ||
	    store_contact_get_id(st, w->e.contact_id, &w->ct, err) != 0 ||
	    store_user_get_id(st, w->e.user_id, &w->rep, err) != 0)
		return -1;
	f->e = &w->e;
	f->seq = &w->seq;
	f->contact_email = w->ct.email;
	f->now = now;
	rc = rules_load(st, &w->seq, &w->ct, &w->rep, &w->rules, &w->rerr);
	if (rc == RULES_ESTORE) {
		*err = w->rerr;
		return -1;
	}
	f->rules = rc == 0 ? &w->rules.cal : NULL;
	f->rules_error = rc == 0 ? NULL : w->rerr.msg;
	{
		struct cad_err zerr;
		f->rep_zone = cal_zone_choose(w->rep.tz, NULL, "UTC", &zerr);
	}
	if (w->e.state != ENR_ACTIVE || w->e.step < 1 || (size_t)w->e.step > w->seq.nsteps)
		return 0;
	if (w->seq.steps[w->e.step - 1].kind != STEP_EMAIL) {
		rc = store_task_open_step(st, id, w->e.step, &w->task, err);
		if (rc < 0)
			return -1;
		f->task = rc == 0 ? &w->task : NULL;
		return 0;
	}
	return mailbox_facts(st, cf, w, f, now, err);
}

int why_enrollment(struct store *st, const struct why_conf *cf, int64_t id, cad_time_t now,
		   struct why *out, struct cad_err *err)
{
	struct why_store w;
	struct why_facts f;
	int rc;

	memset(&w, 0, sizeof(w));
	memset(&f, 0, sizeof(f));
	memset(out, 0, sizeof(*out));
	holiday_list_init(&w.rules.hol);
	rc = gather(st, cf, id, now, &w, &f, err);
	if (rc == STORE_NOTFOUND)
		cad_err_set(err, "enrollment %lld: not found", (long long)id);
	else if (rc == 0)
		why_decide(&f, out);
	why_store_free(&w);
	return rc;
}
