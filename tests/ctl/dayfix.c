/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dayfix.c - records, through the store's own functions, what cadenced and
 * cadence-milter would record on a rep's day, so that tests/ctl/test_day.sh
 * can run "report" and "why" on a known timeline without a mail system:
 *
 *   dayfix DB send ENR AT [NEXT_DUE]   the enrollment's current step sent
 *                                      (store_msg_prepare + store_msg_sent,
 *                                      the ledger's path; NEXT_DUE 0 = at AT)
 *   dayfix DB reply ENR AT             "replied" + unenrolled "replied (...)"
 *   dayfix DB meeting ENR AT           "meeting_booked" + unenrolled
 *   dayfix DB bounce ENR AT            "bounced" + unenrolled "bounced: ..."
 *   dayfix DB unsub ENR AT             "unsubscribed" + unenrolled
 *   dayfix DB oneclick ENR AT          the contact's one-click unsubscribe,
 *                                      through unsub_one_click() as cadenced
 *   dayfix DB ooo ENR AT UNTIL         "auto_reply" + paused "out of office ..."
 *   dayfix DB task ENR AT              the current task step made a task
 *                                      (store_task_step, waiting)
 *
 * Inbound signals are recorded as src/inbound_apply.c records them: the
 * event, then store_unenroll()/store_pause() with the policy's reason.
 * Times are cadencectl's TIME forms. Exit 0, or 1 with a message.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_ledger.h"
#include "store_sched.h"
#include "unsub.h"

static int fail(const char *what, const struct cad_err *err)
{
	fprintf(stderr, "dayfix: %s: %s\n", what, err ? err->msg : "bad arguments");
	return 1;
}

static int do_send(struct store *st, const struct enrollment *e, cad_time_t at, cad_time_t next,
		   struct cad_err *err)
{
	struct sent_msg m;
	int existing = 0, rc;

	memset(&m, 0, sizeof(m));
	m.enrollment_id = e->id;
	m.step = e->step;
	m.message_id = xasprintf("dayfix.%lld.%d@cadence.our.test", (long long)e->id, e->step);
	m.token = xasprintf("tok%lld.%d", (long long)e->id, e->step);
	m.subject = xstrdup("A question");
	rc = store_msg_prepare(st, &m, at, &existing, err);
	if (rc == 0)
		rc = store_msg_sent(st, m.id, "250 2.0.0 Ok: queued as FIX", "FIX", next ? next : at,
				    "cadenced", at, err);
	sent_msg_free(&m);
	return rc;
}

static int do_signal(struct store *st, const struct enrollment *e, const char *type,
		     const char *detail, const char *reason, cad_time_t at, cad_time_t until,
		     struct cad_err *err)
{
	struct event ev;
	char key[32];

	memset(&ev, 0, sizeof(ev));
	ev.at = at;
	ev.type = (char *)type;
	ev.enrollment_id = e->id;
	ev.contact_id = e->contact_id;
	ev.sequence_id = e->sequence_id;
	ev.user_id = e->user_id;
	ev.actor = (char *)"milter";
	ev.detail = (char *)detail;
	if (store_event_add(st, &ev, err) < 0)
		return -1;
	snprintf(key, sizeof(key), "%lld", (long long)e->id);
	if (until)
		return store_pause(st, SCOPE_ENROLLMENT, key, reason, until, "milter", at, NULL, err);
	return store_unenroll(st, SCOPE_ENROLLMENT, key, reason, "milter", at, NULL, err);
}

static int do_task(struct store *st, const struct enrollment *e, cad_time_t at,
		   struct cad_err *err)
{
	struct task t;
	struct sequence s;
	int rc;

	memset(&t, 0, sizeof(t));
	memset(&s, 0, sizeof(s));
	if (store_sequence_get_id(st, e->sequence_id, &s, err) != 0)
		return -1;
	t.enrollment_id = e->id;
	t.user_id = e->user_id;
	t.step = e->step;
	t.kind = e->step >= 1 && (size_t)e->step <= s.nsteps ? s.steps[e->step - 1].kind : STEP_TASK;
	t.state = TASK_OPEN;
	t.due_at = at;
	t.note = (char *)"Call them about the email.";
	rc = store_task_step(st, &t, 1, 0, "cadenced", at, err);
	sequence_free(&s);
	return rc;
}

int main(int argc, char **argv)
{
	struct store *st = NULL;
	struct enrollment e;
	struct cad_err err;
	cad_time_t at = 0, t4 = 0;
	const char *op;
	int rc;

	memset(&err, 0, sizeof(err));
	if (argc < 5 || cad_time_parse(argv[4], &at) != 0 ||
	    (argc > 5 && strcmp(argv[5], "0") != 0 && cad_time_parse(argv[5], &t4) != 0))
		return fail("usage: dayfix DB OP ENR AT [TIME]", NULL);
	op = argv[2];
	if (store_open(&st, argv[1], 0, &err) != 0)
		return fail(argv[1], &err);
	memset(&e, 0, sizeof(e));
	if (store_enrollment_get(st, atoll(argv[3]), &e, &err) != 0) {
		store_close(st);
		return fail(argv[3], &err);
	}
	if (strcmp(op, "send") == 0)
		rc = do_send(st, &e, at, t4, &err);
	else if (strcmp(op, "reply") == 0)
		rc = do_signal(st, &e, EV_REPLIED, "reply", "replied (contact)", at, 0, &err);
	else if (strcmp(op, "meeting") == 0)
		rc = do_signal(st, &e, EV_MEETING, "meeting accepted", "meeting booked (contact)", at,
			       0, &err);
	else if (strcmp(op, "bounce") == 0)
		rc = do_signal(st, &e, EV_BOUNCED, "hard bounce 5.1.1", "bounced: 5.1.1 user unknown",
			       at, 0, &err);
	else if (strcmp(op, "unsub") == 0)
		rc = do_signal(st, &e, EV_UNSUBSCRIBED, "unsubscribe (one-click)",
			       "unsubscribed (one-click)", at, 0, &err);
	else if (strcmp(op, "oneclick") == 0) {
		struct contact k;
		int n = 0, changed = 0;
		memset(&k, 0, sizeof(k));
		rc = store_contact_get_id(st, e.contact_id, &k, &err);
		if (rc == 0)
			rc = unsub_one_click(st, k.email, "one-click unsubscribe", "cadenced", at, &n,
					     &changed, &err);
		contact_free(&k);
	} else if (strcmp(op, "ooo") == 0 && t4 > at)
		rc = do_signal(st, &e, EV_AUTO_REPLY, "auto-reply: paused", "out of office until "
			       "the return date", at, t4, &err);
	else if (strcmp(op, "task") == 0)
		rc = do_task(st, &e, at, &err);
	else
		rc = cad_err_set(&err, "unknown operation or missing time");
	enrollment_free(&e);
	store_close(st);
	return rc == 0 ? 0 : fail(op, &err);
}
