/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_sequence.c - "cadencectl sequence import|list|show|lint|delete".
 *
 * Import parses each file whole with the sequence parser and stores it in
 * one transaction: a file is imported whole or refused whole with the
 * parser's file:line message, and the other files given go on. Deleting a
 * sequence unenrolls its contacts with reason "sequence deleted".
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctllist.h"
#include "enroll.h"
#include "seq.h"

#define USAGE_IMPORT "sequence import FILE..."
#define USAGE_LIST "sequence list"
#define USAGE_SHOW "sequence show NAME"
#define USAGE_LINT "sequence lint NAME|FILE"
#define USAGE_DELETE "sequence delete NAME"
#define USAGE_PREVIEW "sequence preview NAME --contact ADDRESS [--step N] [--as REP] " \
	"[--send-to ADDRESS]"

static json_t *hhmm(int minutes)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%02d:%02d", (minutes / 60) % 100, minutes % 60);
	return json_string(buf);
}

static json_t *step_json(const struct step *s)
{
	json_t *o = json_object();

	out_set(o, "index", json_integer(s->index));
	out_set(o, "kind", json_string(step_kind_name(s->kind)));
	out_set(o, "delayDays", json_integer(s->delay_days));
	out_set(o, "delayMinutes", json_integer(s->delay_minutes));
	out_set(o, "wait", json_boolean(s->wait));
	out_set(o, "threadStep", json_integer(s->thread_step));
	out_set(o, "subject", out_str(s->subject));
	out_set(o, "body", out_str(s->body));
	return o;
}

static json_t *sequence_json(const struct sequence *s, int with_steps)
{
	json_t *o = json_object();
	size_t i;

	out_set(o, "id", out_id(s->id));
	out_set(o, "name", out_str(s->name));
	out_set(o, "owner", out_str(s->owner));
	out_set(o, "description", out_str(s->description));
	out_set(o, "days", json_string(seq_days_name(s->days)));
	out_set(o, "windowStart", hhmm(s->window_start));
	out_set(o, "windowEnd", hhmm(s->window_end));
	out_set(o, "tz", out_str(s->tz));
	out_set(o, "holidays", out_str(s->holidays));
	out_set(o, "threadDefault", json_boolean(s->thread_default));
	out_set(o, "unenrollScope", json_string(s->scope == SEQ_SCOPE_COMPANY ? "company"
									      : "contact"));
	out_set(o, "outOfOffice", json_string(s->ooo == SEQ_OOO_IGNORE ? "ignore" : "pause"));
	out_set(o, "unenrollOnReply", json_boolean(s->unenroll_on_reply));
	out_set(o, "unenrollOnMeeting", json_boolean(s->unenroll_on_meeting));
	out_set(o, "active", json_boolean(s->active));
	out_set(o, "source", out_str(s->source));
	out_set(o, "nsteps", json_integer((json_int_t)s->nsteps));
	out_set(o, "createdAt", out_time(s->created_at));
	out_set(o, "updatedAt", out_time(s->updated_at));
	if (with_steps) {
		json_t *steps = json_array();
		for (i = 0; i < s->nsteps && s->steps != NULL; i++)
			json_array_append_new(steps, step_json(&s->steps[i]));
		out_set(o, "steps", steps);
	}
	return o;
}

static int seq_import(struct ctl *c, int argc, char **argv)
{
	struct cad_err err;
	json_t *rows;
	int i, failed = 0;
	int r = ctl_plain_args(c, argc, argv, USAGE_IMPORT, 1, argc, "needs at least one FILE");

	if (r != CTL_GO)
		return r;
	if (ctl_store(c, 0) != 0)
		return CTL_FAIL;
	rows = json_array();
	for (i = 0; i < c->npos; i++) {
		const char *path = c->pos[i];
		struct sequence s, old;
		int replaced;
		json_t *o;

		if (seq_parse_file(path, &s, &err) != 0) {
			/* The parser's message already names path:line. */
			ctl_fail(c, "%s", err.msg);
			failed++;
			continue;
		}
		memset(&old, 0, sizeof(old));
		replaced = store_sequence_get(c->st, s.name, &old, &err) == 0;
		if (replaced)
			sequence_free(&old);
		if (store_sequence_import(c->st, &s, c->actor, c->now, &err) != 0) {
			ctl_fail(c, "%s: %s", path, err.msg);
			sequence_free(&s);
			failed++;
			continue;
		}
		o = json_object();
		out_set(o, "file", json_string(path));
		out_set(o, "name", out_str(s.name));
		out_set(o, "id", json_integer(s.id));
		out_set(o, "nsteps", json_integer((json_int_t)s.nsteps));
		out_set(o, "replaced", json_boolean(replaced));
		if (!c->json)
			printf("%s %s (%zu steps) from %s\n", replaced ? "replaced" : "imported",
			       s.name, s.nsteps, path);
		json_array_append_new(rows, o);
		sequence_free(&s);
	}
	if (c->json) {
		json_t *o = json_object();
		out_set(o, "imported", rows);
		out_set(o, "refused", json_integer(failed));
		out_record(c, o, NULL, 0);
	} else {
		json_decref(rows);
	}
	return failed ? CTL_FAIL : CTL_OK;
}

static int seq_rows(struct store *st, const void *arg, json_t *rows, struct cad_err *err)
{
	struct sequence *seqs;
	size_t n, i;

	(void)arg;
	if (store_sequence_list(st, &seqs, &n, err) != 0)
		return -1;
	for (i = 0; i < n; i++)
		json_array_append_new(rows, sequence_json(&seqs[i], 0));
	store_sequences_free(seqs, n);
	return 0;
}

static int seq_list(struct ctl *c, int argc, char **argv)
{
	static const struct out_col cols[] = {
		{ "id", "ID", NULL, 0 },
		{ "name", "NAME", NULL, 0 },
		{ "nsteps", "STEPS", NULL, 0 },
		{ "days", "DAYS", NULL, 0 },
		{ "owner", "OWNER", NULL, 0 },
		{ "updatedAt", "UPDATED", NULL, 0 },
	};
	return ctllist_run(c, argc, argv, USAGE_LIST, seq_rows, cols, CAD_ARRAY_LEN(cols));
}

static int get_sequence(struct ctl *c, const char *name, struct sequence *s)
{
	struct cad_err err;
	int r;

	memset(s, 0, sizeof(*s));
	r = store_sequence_get(c->st, name, s, &err);
	if (r == STORE_NOTFOUND)
		return ctl_fail(c, "%s: no such sequence", name), -1;
	if (r != 0)
		return ctl_fail(c, "%s: %s", name, err.msg), -1;
	return 0;
}

static int seq_show(struct ctl *c, int argc, char **argv)
{
	static const struct out_col step_cols[] = {
		{ "index", "#", NULL, 0 },
		{ "kind", "KIND", NULL, 0 },
		{ "delayDays", "DAYS", NULL, 0 },
		{ "delayMinutes", "MINUTES", NULL, 0 },
		{ "wait", "WAIT", NULL, 0 },
		{ "threadStep", "THREAD", NULL, 0 },
		{ "subject", "SUBJECT", NULL, 0 },
	};
	static const struct out_col cols[] = {
		{ "id", "Id", NULL, 0 },
		{ "name", "Name", NULL, 0 },
		{ "owner", "Owner", NULL, 0 },
		{ "description", "Description", NULL, 0 },
		{ "days", "Follow-up days", NULL, 0 },
		{ "windowStart", "Window start", NULL, 0 },
		{ "windowEnd", "Window end", NULL, 0 },
		{ "tz", "Time zone", NULL, 0 },
		{ "holidays", "Holidays", NULL, 0 },
		{ "threadDefault", "Thread follow-ups", NULL, 0 },
		{ "unenrollScope", "Unenroll scope", NULL, 0 },
		{ "outOfOffice", "Out of office", NULL, 0 },
		{ "unenrollOnReply", "Unenroll on reply", NULL, 0 },
		{ "unenrollOnMeeting", "Unenroll on meeting", NULL, 0 },
		{ "source", "Source", NULL, 0 },
		{ "updatedAt", "Updated", NULL, 0 },
		{ "enrollAddress", "Enroll address", NULL, 0 },
		{ "steps", "Steps", step_cols, CAD_ARRAY_LEN(step_cols) },
	};
	struct sequence s;
	json_t *o;
	char *slug;
	int r = ctl_plain_args(c, argc, argv, USAGE_SHOW, 1, 1, "needs exactly one NAME");

	if (r != CTL_GO)
		return r;
	if (ctl_conf(c) != 0 || ctl_store(c, STORE_READONLY) != 0 ||
	    get_sequence(c, c->pos[0], &s) != 0)
		return CTL_FAIL;
	o = sequence_json(&s, 1);
	/* enroll+SLUG@Domain: what a rep adds to an email to enroll its To. */
	slug = enroll_slug(s.name);
	if (*slug && c->conf.domain && *c->conf.domain && c->conf.enroll_prefix) {
		char *a = xasprintf("%s+%s@%s", c->conf.enroll_prefix, slug, c->conf.domain);
		out_set(o, "enrollAddress", json_string(a));
		free(a);
	} else {
		out_set(o, "enrollAddress", json_null());
	}
	free(slug);
	out_record(c, o, cols, CAD_ARRAY_LEN(cols));
	sequence_free(&s);
	return CTL_OK;
}

static int is_file(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int seq_lint_cmd(struct ctl *c, int argc, char **argv)
{
	static const struct out_col item_cols[] = {
		{ "level", "RESULT", NULL, 0 },
		{ "check", "CHECK", NULL, 0 },
		{ "detail", "DETAIL", NULL, 0 },
	};
	static const struct out_col cols[] = {
		{ "name", "Sequence", NULL, 0 },
		{ "source", "Source", NULL, 0 },
		{ "items", "Checklist", item_cols, CAD_ARRAY_LEN(item_cols) },
		{ "fail", "Failed", NULL, 0 },
		{ "warn", "Warnings", NULL, 0 },
	};
	struct sequence s;
	struct cad_err err;
	struct lint_facts facts;
	struct lint_item *items = NULL;
	size_t n = 0, i;
	int nfail, nwarn = 0;
	const char *arg, *db;
	json_t *o, *arr;
	int r = ctl_plain_args(c, argc, argv, USAGE_LINT, 1, 1, "needs exactly one NAME");

	if (r != CTL_GO)
		return r;
	arg = c->pos[0];
	memset(&facts, 0, sizeof(facts));
	if (is_file(arg)) {
		if (seq_parse_file(arg, &s, &err) != 0)
			return ctl_fail(c, "%s", err.msg);
		/* Facts from the store when there is one; a file alone lints too. */
		if (ctl_conf(c) != 0) {
			sequence_free(&s);
			return CTL_FAIL;
		}
		db = c->db_path ? c->db_path : c->conf.database;
		if (db != NULL && (store_is_server(db) || access(db, F_OK) == 0) &&
		    ctl_store(c, STORE_READONLY) != 0) {
			sequence_free(&s);
			return CTL_FAIL;
		}
	} else {
		if (ctl_store(c, STORE_READONLY) != 0)
			return CTL_FAIL;
		if (get_sequence(c, arg, &s) != 0)
			return CTL_FAIL;
	}
	if (c->st != NULL) {
		struct suppression *sup;
		size_t nsup;
		if (store_suppress_list(c->st, &sup, &nsup, &err) != 0) {
			sequence_free(&s);
			return ctl_fail(c, "%s", err.msg);
		}
		facts.have_suppressions = nsup > 0;
		store_suppressions_free(sup, nsup);
	}
	nfail = seq_lint(&s, &facts, &items, &n);
	arr = json_array();
	for (i = 0; i < n; i++) {
		json_t *it = json_object();
		out_set(it, "level", json_string(lint_level_name(items[i].level)));
		out_set(it, "check", out_str(items[i].check));
		out_set(it, "detail", out_str(items[i].detail));
		json_array_append_new(arr, it);
		if (items[i].level == LINT_WARN)
			nwarn++;
	}
	o = json_object();
	out_set(o, "name", out_str(s.name));
	out_set(o, "source", out_str(s.source));
	out_set(o, "items", arr);
	out_set(o, "fail", json_integer(nfail));
	out_set(o, "warn", json_integer(nwarn));
	out_record(c, o, cols, CAD_ARRAY_LEN(cols));
	seq_lint_free(items, n);
	sequence_free(&s);
	return nfail ? CTL_FAIL : CTL_OK;
}

static int seq_delete(struct ctl *c, int argc, char **argv)
{
	struct sequence s;
	struct cad_err err;
	int count = 0;
	json_t *o;
	int r = ctl_plain_args(c, argc, argv, USAGE_DELETE, 1, 1, "needs exactly one NAME");

	if (r != CTL_GO)
		return r;
	if (ctl_store(c, 0) != 0 || get_sequence(c, c->pos[0], &s) != 0)
		return CTL_FAIL;
	if (store_sequence_delete(c->st, s.name, c->actor, c->now, &count, &err) != 0) {
		ctl_fail(c, "%s: %s", s.name, err.msg);
		sequence_free(&s);
		return CTL_FAIL;
	}
	o = json_object();
	out_set(o, "name", out_str(s.name));
	out_set(o, "deleted", json_true());
	out_set(o, "unenrolled", json_integer(count));
	out_result(c, o, "deleted %s; %d enrollment%s unenrolled", s.name, count,
		   count == 1 ? "" : "s");
	sequence_free(&s);
	return CTL_OK;
}

static int seq_preview(struct ctl *c, int argc, char **argv)
{
	return ctl_preview(c, argc, argv, USAGE_PREVIEW);
}

int cmd_sequence(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_sub subs[] = {
		{ "import", seq_import, USAGE_IMPORT },
		{ "list", seq_list, USAGE_LIST },
		{ "show", seq_show, USAGE_SHOW },
		{ "lint", seq_lint_cmd, USAGE_LINT },
		{ "delete", seq_delete, USAGE_DELETE },
		{ "preview", seq_preview, USAGE_PREVIEW },
	};
	return ctl_dispatch_group(c, "sequence", subs, CAD_ARRAY_LEN(subs), argc, argv);
}
