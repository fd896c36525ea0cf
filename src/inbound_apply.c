/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * inbound_apply.c - carries out an inbound plan through the store.
 *
 * Guarantees:
 * - Each action is one transaction together with its event (the store's
 *   own events - unenrolled, paused, suppressed, task_completed - are
 *   written in that same transaction by the store calls, which nest).
 * - Idempotent for the same inbound message: an action whose event (type,
 *   enrollment) already records this Message-ID is skipped, so the same
 *   reply seen twice unenrolls once and is recorded once. Suppressing an
 *   address already suppressed, linking a known alias, unsubscribing twice
 *   change nothing.
 * - A failing action is rolled back alone; the others are still tried,
 *   and the first error is returned.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inbound.h"
#include "unsub.h"

void inbound_result_free(struct inbound_result *r)
{
	free(r->summary);
	r->summary = NULL;
}

/* 1 when an event of a's type for a's enrollment already names msgid. */
static int already(struct store *st, const struct inbound_action *a, const char *msgid,
		   struct cad_err *err)
{
	struct event_filter f;
	struct event *ev = NULL;
	size_t n = 0;
	char *needle;
	int hit = 0;

	if (a->event == NULL || msgid == NULL || *msgid == '\0' || a->enrollment_id == 0)
		return 0;
	memset(&f, 0, sizeof(f));
	f.enrollment_id = a->enrollment_id;
	f.type = a->event;
	if (store_events(st, &f, &ev, &n, err) < 0)
		return -1;
	needle = xasprintf(" msgid=<%s>", msgid);
	for (size_t i = 0; i < n && !hit; i++) {
		const char *d = ev[i].detail;
		size_t dl = d ? strlen(d) : 0, nl = strlen(needle);
		/* the id is the detail's last field (inbound_policy.c) */
		hit = dl >= nl && strcmp(d + dl - nl, needle) == 0;
	}
	free(needle);
	store_events_free(ev, n);
	return hit;
}

static int do_action(struct store *st, const struct inbound_action *a,
		     const struct inbound_config *cfg, cad_time_t now, int *changed,
		     struct cad_err *err)
{
	struct suppression sp;
	int rc = 0, sup;

	*changed = 0;
	switch (a->kind) {
	case INB_ACT_RECORD:
		break;
	case INB_ACT_UNENROLL:
		rc = store_enrollment_unenroll(st, a->enrollment_id, a->reason, cfg->actor, now,
					       changed, err);
		break;
	case INB_ACT_UNENROLL_ALL:
		/* An unknown address is STORE_NOTFOUND: the action fails (the
		 * store has rolled back), it is not silently done. */
		rc = store_unenroll(st, SCOPE_CONTACT, a->address, a->reason, cfg->actor, now,
				    changed, err);
		break;
	case INB_ACT_PAUSE:
		rc = store_enrollment_pause(st, a->enrollment_id, a->reason, a->until, cfg->actor,
					    now, changed, err);
		break;
	case INB_ACT_UNSUBSCRIBE:
		rc = unsub_apply(st, a->address, a->reason ? a->reason : "mail", cfg->actor, now,
				 changed, err);
		*changed = 1;   /* the suppression stands even when nothing was enrolled */
		break;
	case INB_ACT_SUPPRESS:
		sup = store_suppressed(st, a->address, NULL, err);
		if (sup < 0)
			return -1;
		if (sup == 0) {
			memset(&sp, 0, sizeof(sp));
			sp.pattern = a->address;
			sp.kind = a->supp;
			sp.note = a->reason;
			rc = store_suppress_add(st, &sp, cfg->actor, now, err);
			*changed = rc == 0;
		}
		break;
	case INB_ACT_ADD_ALIAS:
		rc = store_contact_add_alias(st, a->contact_id, a->address, err);
		*changed = rc == 0;
		break;
	case INB_ACT_COMPLETE_TASK:
		rc = store_task_close(st, a->task_id, TASK_DONE, a->until, cfg->actor, now, err);
		*changed = rc == 0;
		break;
	case INB_ACT_TASK: {
		struct task tk;
		memset(&tk, 0, sizeof(tk));
		tk.enrollment_id = a->enrollment_id;
		tk.user_id = a->user_id;
		tk.kind = STEP_TASK;
		tk.due_at = now;
		tk.note = a->reason;
		rc = store_task_add(st, &tk, cfg->actor, now, err);
		*changed = rc == 0;
		break;
	}
	}
	return rc;
}

static void summarize(struct sbuf *s, const struct inbound_action *a, int changed)
{
	char tb[CAD_TIME_BUFSZ];
	const char *sep = s->len ? "; " : "";

	if (!changed && a->kind != INB_ACT_RECORD)
		return;
	switch (a->kind) {
	case INB_ACT_RECORD:
		sbuf_addf(s, "%srecorded %s for %s", sep, a->event ? a->event : "event",
			  a->label ? a->label : "?");
		break;
	case INB_ACT_UNENROLL:
		sbuf_addf(s, "%sunenrolled %s", sep, a->label ? a->label : "?");
		if (a->company)
			sbuf_addf(s, " [company %s]", a->company);
		break;
	case INB_ACT_UNENROLL_ALL:
		sbuf_addf(s, "%sunenrolled %s from every sequence", sep, a->address);
		break;
	case INB_ACT_PAUSE:
		sbuf_addf(s, "%spaused %s until %s", sep, a->label ? a->label : "?",
			  a->until ? cad_time_format(a->until, tb, sizeof(tb)) : "resumed");
		break;
	case INB_ACT_UNSUBSCRIBE:
		sbuf_addf(s, "%sunsubscribed %s", sep, a->address);
		break;
	case INB_ACT_SUPPRESS:
		sbuf_addf(s, "%ssuppressed %s (%s)", sep, a->address, supp_kind_name(a->supp));
		break;
	case INB_ACT_ADD_ALIAS:
		sbuf_addf(s, "%slinked alias %s", sep, a->address);
		break;
	case INB_ACT_COMPLETE_TASK:
		sbuf_addf(s, "%scompleted task %lld", sep, (long long)a->task_id);
		break;
	case INB_ACT_TASK:
		sbuf_addf(s, "%sopened a task for %s", sep, a->label ? a->label : "?");
		break;
	}
}

int inbound_apply(struct store *st, const struct inbound_plan *plan, const char *msgid,
		  const struct inbound_config *cfg, cad_time_t now, struct inbound_result *res,
		  struct cad_err *err)
{
	struct cad_err aerr;
	struct sbuf s;
	int rc = 0;

	sbuf_init(&s);
	for (size_t i = 0; i < plan->n; i++) {
		const struct inbound_action *a = &plan->v[i];
		struct event ev;
		int dup, changed = 0;

		aerr.msg[0] = '\0';
		if (store_begin(st, &aerr) < 0)
			goto failed;
		dup = already(st, a, msgid, &aerr);
		if (dup < 0)
			goto rollback;
		if (dup) {
			store_rollback(st);
			res->duplicates++;
			continue;
		}
		if (do_action(st, a, cfg, now, &changed, &aerr) != 0)
			goto rollback;
		if (a->event != NULL) {
			memset(&ev, 0, sizeof(ev));
			ev.at = now;
			ev.type = (char *)a->event;
			ev.enrollment_id = a->enrollment_id;
			ev.contact_id = a->contact_id;
			ev.sequence_id = a->sequence_id;
			ev.user_id = a->user_id;
			ev.actor = (char *)cfg->actor;
			ev.detail = a->detail;
			if (store_event_add(st, &ev, &aerr) < 0)
				goto rollback;
		}
		if (store_commit(st, &aerr) < 0)
			goto failed;
		res->applied++;
		summarize(&s, a, changed);
		continue;
rollback:
		store_rollback(st);
failed:
		if (rc == 0) {
			cad_err_set(err, "%s %s: %s", inbound_act_name(a->kind),
				    a->label ? a->label : (a->address ? a->address : ""), aerr.msg);
			rc = -1;
		}
		sbuf_addf(&s, "%sFAILED %s", s.len ? "; " : "", inbound_act_name(a->kind));
	}
	if (res->summary == NULL) {
		res->summary = sbuf_detach(&s);
	} else {
		char *old = res->summary;
		res->summary = xasprintf("%s%s%s", old, s.len ? ": " : "", s.s ? s.s : "");
		free(old);
	}
	sbuf_free(&s);
	return rc;
}
