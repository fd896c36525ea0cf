/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_task.c - "cadencectl task list|complete|skip": the rep's manual
 * steps (manual email, call, LinkedIn, other).
 *
 * Closing a task the sequence waits on moves the enrollment to its next
 * step, due by the calendar rules counted from now (see due.h). A closed
 * task keeps how it went (--outcome, for a completed one) and the rep's
 * note. The table is for the rep reading it: the due time in the rep's
 * own zone ("Mon 12-07 10:05", "overdue" when an open task is past it),
 * the sequence with its step, the state with the call's outcome, the rep
 * only when the list is not one rep's, and a note of several lines as
 * several lines under its column; --json keeps each field exact (UTC
 * times, the outcome apart).
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cal.h"
#include "ctl.h"
#include "due.h"
#include "out.h"

#define USAGE_LIST "task list [--user REP] [--state open|done|skipped]"
#define USAGE_COMPLETE "task complete ID [--outcome connected|voicemail|no-answer|wrong-number] " \
	"[--note TEXT]"
#define USAGE_SKIP "task skip ID [--note TEXT]"

static json_t *task_json(const struct task_view *v)
{
	const struct task *t = &v->t;
	json_t *o = json_object();

	out_set(o, "id", json_integer(t->id));
	out_set(o, "enrollment", out_id(t->enrollment_id));
	out_set(o, "contact", out_str(v->contact_email));
	out_set(o, "sequence", out_str(v->sequence_name));
	out_set(o, "user", out_str(v->user_email));
	out_set(o, "step", json_integer(t->step));
	out_set(o, "kind", json_string(step_kind_name(t->kind)));
	out_set(o, "state", json_string(task_state_name(t->state)));
	out_set(o, "dueAt", out_time(t->due_at));
	out_set(o, "note", out_str(t->note));
	out_set(o, "createdAt", out_time(t->created_at));
	out_set(o, "closedAt", out_time(t->closed_at));
	out_set(o, "outcome", out_str(v->outcome));
	out_set(o, "closeNote", out_str(v->close_note));
	return o;
}

/* The table's NOTE: the step's note, then the rep's closing note. */
static void task_note_cell(json_t *o, const struct task_view *v)
{
	struct sbuf b;

	if (v->close_note == NULL || *v->close_note == '\0') {
		out_set(o, "noteText", out_str(v->t.note));
		return;
	}
	sbuf_init(&b);
	if (v->t.note != NULL && *v->t.note)
		sbuf_addf(&b, "%s\n", v->t.note);
	sbuf_addf(&b, "rep: %s", v->close_note);
	out_set(o, "noteText", json_string(b.s));
	sbuf_free(&b);
}

/* The reps' zones, each looked up once per listing. */
struct rep_zones {
	char **email;
	const struct cal_zone **zone;
	size_t n;
};

static const struct cal_zone *rep_zone(struct ctl *c, struct rep_zones *rz, const char *email)
{
	const struct cal_zone *z = NULL;
	struct cad_err err;
	struct user u;
	size_t i;

	for (i = 0; i < rz->n; i++)
		if (strcmp(rz->email[i], email ? email : "") == 0)
			return rz->zone[i];
	memset(&u, 0, sizeof(u));
	if (email != NULL && store_user_get(c->st, email, &u, &err) == 0 && u.tz && *u.tz)
		z = cal_zone_get(u.tz, &err);
	if (z == NULL)
		z = cal_zone_get("UTC", &err);
	user_free(&u);
	rz->email = xrealloc(rz->email, (rz->n + 1) * sizeof(*rz->email));
	rz->zone = xrealloc(rz->zone, (rz->n + 1) * sizeof(*rz->zone));
	rz->email[rz->n] = xstrdup(email ? email : "");
	rz->zone[rz->n++] = z;
	return z;
}

static void rep_zones_free(struct rep_zones *rz)
{
	size_t i;
	for (i = 0; i < rz->n; i++)
		free(rz->email[i]);
	free(rz->email);
	free(rz->zone);
}

/* The table's cells a person reads (the JSON fields stay as they are). */
static void task_cells(struct ctl *c, struct rep_zones *rz, json_t *o, const struct task_view *v)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	const struct task *t = &v->t;
	const struct cal_zone *z = rep_zone(c, rz, v->user_email);
	struct sbuf b;

	sbuf_init(&b);
	if (t->due_at > 0 && z != NULL) {
		struct cal_tm tm;
		cal_to_local(z, t->due_at, &tm);
		sbuf_addf(&b, "%s %02d-%02d %02d:%02d", wd[tm.wday], tm.month, tm.day, tm.hour,
			  tm.min);
		if (t->state == TASK_OPEN && t->due_at < c->now)
			sbuf_adds(&b, " overdue");
		out_set(o, "dueText", json_string(b.s));
	}
	sbuf_reset(&b);
	sbuf_addf(&b, "%s, step %d", v->sequence_name ? v->sequence_name : "(unknown)", t->step);
	out_set(o, "sequenceText", json_string(b.s));
	sbuf_reset(&b);
	sbuf_adds(&b, task_state_name(t->state));
	if (v->outcome && *v->outcome)
		sbuf_addf(&b, ": %s", v->outcome);
	out_set(o, "stateText", json_string(b.s));
	sbuf_free(&b);
	task_note_cell(o, v);
}

static int parse_task_state(const char *s, int *out)
{
	static const enum task_state states[] = { TASK_OPEN, TASK_DONE, TASK_SKIPPED };
	size_t i;

	for (i = 0; i < CAD_ARRAY_LEN(states); i++) {
		if (strcmp(s, task_state_name(states[i])) == 0) {
			*out = (int)states[i];
			return 0;
		}
	}
	return -1;
}

static int task_list(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "user", required_argument, NULL, 'U' },
		{ "state", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	/* the REP column (the last but one) only when not one rep's list */
	static const struct out_col cols[] = {
		{ "id", "ID", NULL, 0 },
		{ "dueText", "DUE", NULL, 0 },
		{ "kind", "KIND", NULL, 0 },
		{ "contact", "CONTACT", NULL, 0 },
		{ "sequenceText", "SEQUENCE", NULL, 0 },
		{ "stateText", "STATE", NULL, 0 },
		{ "user", "REP", NULL, 0 },
		{ "noteText", "NOTE", NULL, 0 },
	};
	static const struct out_col cols_one_rep[] = {
		{ "id", "ID", NULL, 0 },
		{ "dueText", "DUE", NULL, 0 },
		{ "kind", "KIND", NULL, 0 },
		{ "contact", "CONTACT", NULL, 0 },
		{ "sequenceText", "SEQUENCE", NULL, 0 },
		{ "stateText", "STATE", NULL, 0 },
		{ "noteText", "NOTE", NULL, 0 },
	};
	struct rep_zones rz = { NULL, NULL, 0 };
	struct task_view *v = NULL;
	size_t n = 0, i;
	struct cad_err err;
	char *user = NULL;
	int state = -1, ch, rc = CTL_FAIL;
	json_t *rows;

	while ((ch = ctl_getopt(c, argc, argv, "", longopts)) != -1) {
		switch (ch) {
		case 'h': rc = ctl_help(USAGE_LIST); goto out;
		case 'U':
			free(user);
			if (ctl_parse_addr(c, "--user", optarg, &user) != 0)
				goto out;
			break;
		case 's':
			if (parse_task_state(optarg, &state) != 0) {
				ctl_bad_arg(c, "--state", optarg, 100, "not one of open, done, skipped");
				goto out;
			}
			break;
		default: rc = CTL_USAGE; goto out;
		}
	}
	if (c->npos != 0) {
		rc = ctl_usage_error(c, USAGE_LIST, "takes no positional arguments");
		goto out;
	}
	if (ctl_store(c, STORE_READONLY) != 0)
		goto out;
	if (store_tasks(c->st, user, state, &v, &n, &err) != 0) {
		ctl_fail(c, "%s", err.msg);
		goto out;
	}
	rows = json_array();
	for (i = 0; i < n; i++) {
		json_t *o = task_json(&v[i]);
		if (!c->json)
			task_cells(c, &rz, o, &v[i]);
		json_array_append_new(rows, o);
	}
	store_task_views_free(v, n);
	if (user != NULL)
		out_list(c, rows, cols_one_rep, CAD_ARRAY_LEN(cols_one_rep));
	else
		out_list(c, rows, cols, CAD_ARRAY_LEN(cols));
	rc = CTL_OK;
out:
	rep_zones_free(&rz);
	free(user);
	return rc;
}

static int task_close(struct ctl *c, int argc, char **argv, enum task_state to)
{
	static const struct option longopts_done[] = {
		{ "outcome", required_argument, NULL, 'o' },
		{ "note", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct option longopts_skip[] = {
		{ "note", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	const char *usage = to == TASK_DONE ? USAGE_COMPLETE : USAGE_SKIP;
	const char *outcome = NULL, *note = NULL;
	struct task_view *t = NULL;
	struct cad_err err;
	int64_t id;
	cad_time_t next_due;
	int ch, rc;
	json_t *o;

	while ((ch = ctl_getopt(c, argc, argv, "", to == TASK_DONE ? longopts_done
								      : longopts_skip)) != -1) {
		switch (ch) {
		case 'h': return ctl_help(usage);
		case 'o': outcome = optarg; break;
		case 'n': note = optarg; break;
		default: return CTL_USAGE;
		}
	}
	if (c->npos != 1)
		return ctl_usage_error(c, usage, "needs exactly one task ID");
	if (ctl_parse_id(c, "task", c->pos[0], &id) != 0)
		return CTL_FAIL;
	if (outcome != NULL && !task_outcome_valid(outcome)) {
		ctl_bad_arg(c, "--outcome", outcome, 100, "not one of %s", TASK_OUTCOMES);
		return CTL_FAIL;
	}
	if (note != NULL && strlen(note) > TASK_NOTE_MAX)
		return ctl_fail(c, "--note: longer than %d bytes", TASK_NOTE_MAX);
	if (ctl_store(c, 0) != 0)
		return CTL_FAIL;
	rc = store_task_get(c->st, id, &t, &err);
	if (rc == STORE_NOTFOUND)
		return ctl_fail(c, "task %" PRId64 ": not found", id);
	if (rc != 0)
		return ctl_fail(c, "%s", err.msg);
	rc = CTL_FAIL;
	if (t->t.state != TASK_OPEN) {
		ctl_fail(c, "task %" PRId64 ": already %s", id, task_state_name(t->t.state));
		goto out;
	}
	if (ctl_next_due(c, t->t.enrollment_id, t->t.step, c->now, &next_due) != 0)
		goto out;
	if (store_task_close_with(c->st, id, to, outcome, note, next_due, c->actor, c->now,
				  &err) != 0) {
		ctl_fail(c, "task %" PRId64 ": %s", id, err.msg);
		goto out;
	}
	t->t.state = to;
	t->t.closed_at = c->now;
	free(t->outcome);
	t->outcome = xstrdup(outcome);
	free(t->close_note);
	t->close_note = note != NULL && *note ? xstrdup(note) : NULL;
	o = task_json(t);
	out_result(c, o, "task %" PRId64 " %s (%s, %s%s%s)", id,
		   to == TASK_DONE ? "completed" : "skipped", step_kind_name(t->t.kind),
		   t->contact_email ? t->contact_email : "-", outcome ? ", " : "",
		   outcome ? outcome : "");
	rc = CTL_OK;
out:
	store_task_views_free(t, 1);
	return rc;
}

static int task_complete(struct ctl *c, int argc, char **argv)
{
	return task_close(c, argc, argv, TASK_DONE);
}

static int task_skip(struct ctl *c, int argc, char **argv)
{
	return task_close(c, argc, argv, TASK_SKIPPED);
}

int cmd_task(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_sub subs[] = {
		{ "list", task_list, USAGE_LIST },
		{ "complete", task_complete, USAGE_COMPLETE },
		{ "skip", task_skip, USAGE_SKIP },
	};
	return ctl_dispatch_group(c, "task", subs, CAD_ARRAY_LEN(subs), argc, argv);
}
