/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_status.c - "cadencectl status": enrollments with their current and
 * next step, filtered by contact, sequence, rep and state.
 *
 * "step" in the store is the next step to run; the current step is the
 * one before it (0 before the first step has run).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ctllist.h"
#include "enrview.h"

#define USAGE "status [ADDRESS] [--sequence NAME] [--user REP] " \
	"[--state active|paused|finished|unenrolled]"

json_t *enrview_json(const struct enrollment_view *v)
{
	const struct enrollment *e = &v->e;
	json_t *o = json_object();

	out_set(o, "id", json_integer(e->id));
	out_set(o, "contact", out_str(v->contact_email));
	out_set(o, "sequence", out_str(v->sequence_name));
	out_set(o, "user", out_str(v->user_email));
	/* The ids the API answers with (issue #14). */
	out_set(o, "sequenceId", out_id(e->sequence_id));
	out_set(o, "contactId", out_id(e->contact_id));
	out_set(o, "userId", out_id(e->user_id));
	out_set(o, "state", json_string(enr_state_name(e->state)));
	out_set(o, "currentStep", json_integer(e->step > 0 ? e->step - 1 : 0));
	out_set(o, "steps", json_integer(v->nsteps));
	if (e->step >= 1 && e->step <= v->nsteps &&
	    (e->state == ENR_ACTIVE || e->state == ENR_PAUSED)) {
		json_t *n = json_object();
		out_set(n, "index", json_integer(e->step));
		out_set(n, "kind", json_string(step_kind_name(v->next_kind)));
		out_set(n, "due", out_time(e->next_due));
		out_set(o, "nextStep", n);
		/* Flat copies for the table. */
		char *next = xasprintf("%d %s", e->step, step_kind_name(v->next_kind));
		out_set(o, "next", json_string(next));
		free(next);
		out_set(o, "nextDue", out_time(e->next_due));
	} else {
		out_set(o, "nextStep", json_null());
		out_set(o, "next", json_null());
		out_set(o, "nextDue", json_null());
	}
	out_set(o, "enrolledAt", out_time(e->enrolled_at));
	out_set(o, "updatedAt", out_time(e->updated_at));
	out_set(o, "enrolledBy", out_str(e->enrolled_by));
	out_set(o, "reason", out_str(e->reason));
	out_set(o, "pausedUntil", out_time(e->paused_until));
	out_set(o, "bulk", json_boolean(e->bulk));
	return o;
}

static int enr_rows(struct store *st, const void *arg, json_t *rows, struct cad_err *err)
{
	struct enrollment_view *v;
	size_t n, i;

	if (store_enrollments(st, arg, &v, &n, err) != 0)
		return -1;
	for (i = 0; i < n; i++)
		json_array_append_new(rows, enrview_json(&v[i]));
	store_enrollment_views_free(v, n);
	return 0;
}

int cmd_status(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sequence", required_argument, NULL, 'S' },
		{ "user", required_argument, NULL, 'U' },
		{ "state", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct out_col cols[] = {
		{ "id", "ID", NULL, 0 },
		{ "contact", "CONTACT", NULL, 0 },
		{ "sequence", "SEQUENCE", NULL, 0 },
		{ "user", "REP", NULL, 0 },
		{ "state", "STATE", NULL, 0 },
		{ "currentStep", "CUR", NULL, 0 },
		{ "next", "NEXT", NULL, 0 },
		{ "nextDue", "DUE", NULL, 0 },
		{ "enrolledAt", "ENROLLED", NULL, 0 },
		{ "updatedAt", "UPDATED", NULL, 0 },
		{ "enrolledBy", "BY", NULL, 0 },
		{ "pausedUntil", "UNTIL", NULL, 0 },
		{ "reason", "REASON", NULL, 0 },
	};
	struct enr_filter f;
	char *contact = NULL, *user = NULL;
	enum enr_state state;
	int ch, rc = CTL_FAIL;

	memset(&f, 0, sizeof(f));
	f.state = -1;
	while ((ch = ctl_getopt(c, argc, argv, "", longopts)) != -1) {
		switch (ch) {
		case 'h': rc = ctl_help(USAGE); goto out;
		case 'S': f.sequence = optarg; break;
		case 'U':
			free(user);
			if (ctl_parse_addr(c, "--user", optarg, &user) != 0)
				goto out;
			break;
		case 's':
			if (enr_state_parse(optarg, &state) != 0) {
				ctl_bad_arg(c, "--state", optarg, 100, "not one of active, paused, "
					    "finished, unenrolled");
				goto out;
			}
			f.state = (int)state;
			break;
		default: rc = CTL_USAGE; goto out;
		}
	}
	if (c->npos > 1) {
		rc = ctl_usage_error(c, USAGE, "takes at most one ADDRESS");
		goto out;
	}
	if (c->npos == 1 && ctl_parse_addr(c, "address", c->pos[0], &contact) != 0)
		goto out;
	f.contact = contact;
	f.user = user;
	rc = ctllist_show(c, enr_rows, &f, cols, CAD_ARRAY_LEN(cols));
out:
	free(contact);
	free(user);
	return rc;
}
