/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * enroll.c - the enrollment service: in one store transaction, read the
 * facts enroll_rule_check() needs (rep, contact, sequence with steps,
 * suppression match, the contact's running enrollment, the rep's
 * enrollments in the last 24 hours, the projection of the rep's scheduled
 * emails on the days this enrollment would send: enroll_project.c), let
 * the rule decide, and record the outcome: the enrollment (active, step 1
 * due after its delay: first_due()) or an "enroll_refused" event carrying
 * the reason.
 *
 * Guarantees: -1 only when the store fails (nothing is then written); a
 * refusal is a normal outcome (0, res->ok = 0), so that a bulk caller goes
 * on with the next contact. Each call is its own transaction, so in a bulk
 * enrollment the contacts enrolled before count in the next one's
 * projection.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "enroll.h"
#include "rules.h"

#define DAY_SECONDS 86400

struct facts_store {
	struct user rep;
	struct contact contact;
	struct sequence seq;
	struct suppression supp;
	struct enrollment current;
	struct user current_rep;
	struct sequence current_seq;
	struct enroll_projection proj;
};

static void facts_free(struct facts_store *fs)
{
	user_free(&fs->rep);
	contact_free(&fs->contact);
	sequence_free(&fs->seq);
	suppression_free(&fs->supp);
	enrollment_free(&fs->current);
	user_free(&fs->current_rep);
	sequence_free(&fs->current_seq);
	enroll_projection_free(&fs->proj);
}

/* Maps a look-up's result: 0 found (1 returned), STORE_NOTFOUND (0), -1. */
static int found(int rc)
{
	return rc < 0 ? -1 : rc == 0;
}

static int gather(struct store *st, const struct enroll_request *rq, cad_time_t now,
		  struct facts_store *fs, struct enroll_facts *f, struct cad_err *err)
{
	int rc;

	memset(f, 0, sizeof(*f));
	f->rep_key = rq->user;
	f->contact_key = rq->contact;
	f->sequence_key = rq->sequence;
	if ((rc = found(store_user_get(st, rq->user ? rq->user : "", &fs->rep, err))) < 0)
		return -1;
	f->rep = rc ? &fs->rep : NULL;
	if ((rc = found(store_contact_get(st, rq->contact, &fs->contact, err))) < 0)
		return -1;
	f->contact = rc ? &fs->contact : NULL;
	if ((rc = found(store_sequence_get(st, rq->sequence, &fs->seq, err))) < 0)
		return -1;
	if (rc == 0 && rq->sequence != NULL &&
	    (rc = found(enroll_sequence_by_slug(st, rq->sequence, &fs->seq, err))) < 0)
		return -1;
	f->seq = rc ? &fs->seq : NULL;
	if (f->contact) {
		if ((rc = store_suppressed(st, f->contact->email, &fs->supp, err)) < 0)
			return -1;
		f->supp = rc ? &fs->supp : NULL;
		rc = found(store_enrollment_current(st, f->contact->id, &fs->current, err));
		if (rc < 0)
			return -1;
		if (rc) {
			f->current = &fs->current;
			if (found(store_sequence_get_id(st, fs->current.sequence_id,
							&fs->current_seq, err)) < 0 ||
			    found(store_user_get_id(st, fs->current.user_id, &fs->current_rep,
						    err)) < 0)
				return -1;
			f->current_sequence = fs->current_seq.name;
			f->current_rep = fs->current_rep.email;
		}
	}
	if (f->rep && store_enrollments_since(st, f->rep->id, now - DAY_SECONDS,
					      &f->enrolled_24h, err) < 0)
		return -1;
	/* Only when the cheaper checks leave the question open. */
	if (f->rep && f->rep->active && f->contact && f->seq && f->seq->active && !f->supp &&
	    !f->current && f->enrolled_24h < f->rep->enroll_cap_day) {
		if (enroll_project(st, f->rep, f->contact, f->seq, now, &fs->proj, err) < 0)
			return -1;
		f->days = fs->proj.days;
		f->ndays = fs->proj.ndays;
	}
	return 0;
}

/* When step 1 is due: now when it has no delay (the pass then waits for
 * the window, as for any due step); else its delay counted from now by
 * the enrollment's calendar rules (rules.h), as cadenced counts a delay
 * from the step before. Rules that cannot be applied (a bad zone) leave it
 * due now: cadenced pauses it with the reason. -1 only on a store error. */
static int first_due(struct store *st, const struct enroll_facts *f, cad_time_t now,
		     cad_time_t *due, struct cad_err *err)
{
	const struct step *s1 = &f->seq->steps[0];
	struct rules r;
	struct cad_err rerr;
	int rc;

	*due = now;
	if (s1->delay_days == 0 && s1->delay_minutes == 0)
		return 0;
	rc = rules_load(st, f->seq, f->contact, f->rep, &r, &rerr);
	if (rc == RULES_ESTORE) {
		*err = rerr;
		rules_free(&r);
		return -1;
	}
	if (rc != 0 || rules_step_due(&r.cal, f->seq, 0, now, due, &rerr) < 0)
		*due = now;
	rules_free(&r);
	return 0;
}

/* The refusal, in the event log, with whatever ids are known. */
static int record_refusal(struct store *st, const struct enroll_facts *f, const char *actor,
			  cad_time_t now, const char *why, struct cad_err *err)
{
	struct event ev;
	memset(&ev, 0, sizeof(ev));
	ev.at = now;
	ev.type = (char *)EV_ENROLL_REFUSED;
	ev.contact_id = f->contact ? f->contact->id : 0;
	ev.sequence_id = f->seq ? f->seq->id : 0;
	ev.user_id = f->rep ? f->rep->id : 0;
	ev.actor = (char *)actor;
	ev.detail = (char *)why;
	return store_event_add(st, &ev, err);
}

int enroll_one(struct store *st, const struct enroll_request *rq, cad_time_t now,
	       struct enroll_result *res, struct cad_err *err)
{
	struct facts_store fs;
	struct enroll_facts f;
	struct enrollment e;

	memset(res, 0, sizeof(*res));
	memset(&fs, 0, sizeof(fs));
	if (store_begin(st, err) < 0)
		return -1;
	if (gather(st, rq, now, &fs, &f, err) < 0)
		goto fail;
	if (!enroll_rule_check(&f, res->why, sizeof(res->why))) {
		if (record_refusal(st, &f, rq->actor, now, res->why, err) < 0)
			goto fail;
	} else {
		memset(&e, 0, sizeof(e));
		e.contact_id = f.contact->id;
		e.sequence_id = f.seq->id;
		e.user_id = f.rep->id;
		e.state = ENR_ACTIVE;
		e.step = 1;
		if (first_due(st, &f, now, &e.next_due, err) < 0)
			goto fail;
		e.bulk = rq->bulk;
		if (store_enrollment_insert(st, &e, rq->actor, now, err) < 0)
			goto fail;
		res->ok = 1;
		res->enrollment_id = e.id;
		enrollment_free(&e);
	}
	facts_free(&fs);
	if (store_commit(st, err) < 0) {
		res->ok = 0;
		res->enrollment_id = 0;
		return -1;
	}
	return 0;
fail:
	facts_free(&fs);
	store_rollback(st);
	res->ok = 0;
	return -1;
}

int enroll_sequence_by_slug(struct store *st, const char *slug, struct sequence *out,
			    struct cad_err *err)
{
	struct sequence *v = NULL;
	size_t n = 0, i, matches = 0;
	int64_t id = 0;

	memset(out, 0, sizeof(*out));
	if (slug == NULL || *slug == '\0')
		return STORE_NOTFOUND;
	if (store_sequence_list(st, &v, &n, err) < 0)
		return -1;
	cad_err_set(err, "no sequence with the enroll slug %s", slug);
	for (i = 0; i < n; i++) {
		char *s = enroll_slug(v[i].name);
		if (v[i].active && *s && strcasecmp(s, slug) == 0) {
			if (matches++ > 0)   /* neither is meant for sure */
				cad_err_set(err, "enroll slug %s: more than one sequence has it", slug);
			id = v[i].id;
		}
		free(s);
	}
	store_sequences_free(v, n);
	if (matches != 1)
		return STORE_NOTFOUND;
	return store_sequence_get_id(st, id, out, err);
}
