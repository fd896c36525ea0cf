/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_report.c - "cadencectl report": per sequence, per step or per rep,
 * enrolled, sent, replied and reply rate, meetings and meeting rate,
 * bounced, unsubscribed, out-of-office pauses, unenrollments with their
 * reasons, and tasks done, skipped and overdue with the calls' outcomes.
 * The counting is the store's (src/store/store_report.h); this file names
 * the filters and prints. Read-only.
 *
 * Rates are over the contacted enrollments (those sent at least one
 * email in the range; by step, those sent that step), as a fraction in
 * JSON (4 decimals, null when none was contacted) and a percentage in
 * the table.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "out.h"
#include "store_report.h"

#define USAGE "report [--by sequence|step|rep] [--from TIME] [--to TIME] " \
	"[--sequence NAME] [--user REP]"

static json_t *rate(int num, int den)
{
	if (den <= 0)
		return json_null();
	return json_real((double)(long long)((double)num * 10000.0 / den + 0.5) / 10000.0);
}

static json_t *rate_text(int num, int den)
{
	char buf[32];
	if (den <= 0)
		return json_string("-");
	snprintf(buf, sizeof(buf), "%.1f%%", (double)num * 100.0 / den);
	return json_string(buf);
}

static json_t *row_json(const struct report_row *r, enum report_by by, int human)
{
	json_t *o = json_object(), *reasons = json_object(), *tasks = json_object();
	json_t *outc = json_object();
	struct sbuf b;
	size_t i;

	if (by == REPORT_BY_REP) {
		out_set(o, "user", out_str(r->user));
	} else {
		out_set(o, "sequence", out_str(r->sequence));
		if (by == REPORT_BY_STEP)
			out_set(o, "step", json_integer(r->step));
	}
	out_set(o, "enrolled", json_integer(r->enrolled));
	out_set(o, "sent", json_integer(r->sent));
	out_set(o, "contacted", json_integer(r->contacted));
	out_set(o, "replied", json_integer(r->replied));
	out_set(o, "replyRate", human ? rate_text(r->replied, r->contacted)
				       : rate(r->replied, r->contacted));
	out_set(o, "meetings", json_integer(r->meetings));
	out_set(o, "meetingRate", human ? rate_text(r->meetings, r->contacted)
					 : rate(r->meetings, r->contacted));
	out_set(o, "bounced", json_integer(r->bounced));
	out_set(o, "unsubscribed", json_integer(r->unsubscribed));
	out_set(o, "outOfOffice", json_integer(r->ooo));
	out_set(o, "unenrolled", json_integer(r->unenrolled));
	sbuf_init(&b);
	for (i = 0; i < r->nreasons; i++) {
		out_set(reasons, r->reasons[i].reason, json_integer(r->reasons[i].count));
		sbuf_addf(&b, "%s%s %d", i ? "\n" : "", r->reasons[i].reason, r->reasons[i].count);
	}
	out_set(o, "unenrollReasons", reasons);
	out_set(tasks, "done", json_integer(r->tasks_done));
	out_set(tasks, "skipped", json_integer(r->tasks_skipped));
	out_set(tasks, "overdue", json_integer(r->tasks_overdue));
	for (i = 0; i < REPORT_OUTCOMES; i++)
		out_set(outc, report_outcome_names[i], json_integer(r->outcomes[i]));
	out_set(tasks, "outcomes", outc);
	if (human) {
		char t[64];
		snprintf(t, sizeof(t), "%d/%d/%d", r->tasks_done, r->tasks_skipped,
			 r->tasks_overdue);
		out_set(o, "taskText", json_string(t));
		out_set(o, "reasonText", json_string(b.len ? b.s : "-"));
		json_decref(tasks);
	} else {
		out_set(o, "tasks", tasks);
	}
	sbuf_free(&b);
	return o;
}

static int parse_by(struct ctl *c, const char *s, enum report_by *by)
{
	if (strcmp(s, "sequence") == 0)
		*by = REPORT_BY_SEQUENCE;
	else if (strcmp(s, "step") == 0)
		*by = REPORT_BY_STEP;
	else if (strcmp(s, "rep") == 0 || strcmp(s, "user") == 0)
		*by = REPORT_BY_REP;
	else {
		ctl_bad_arg(c, "--by", s, 100, "not one of sequence, step, rep");
		return -1;
	}
	return 0;
}

/* --sequence and --user to ids: an unknown one is an error. */
static int resolve(struct ctl *c, const char *seq, const char *user, struct report_filter *f)
{
	struct cad_err err;
	int rc;

	if (seq != NULL) {
		struct sequence s;
		memset(&s, 0, sizeof(s));
		rc = store_sequence_get(c->st, seq, &s, &err);
		f->sequence_id = s.id;
		sequence_free(&s);
		if (rc != 0)
			return ctl_fail(c, "%s", rc == STORE_NOTFOUND ? "no such sequence" : err.msg);
	}
	if (user != NULL) {
		struct user u;
		memset(&u, 0, sizeof(u));
		rc = store_user_get(c->st, user, &u, &err);
		f->user_id = u.id;
		user_free(&u);
		if (rc != 0)
			return ctl_fail(c, "%s: %s", user, rc == STORE_NOTFOUND ? "no such rep" : err.msg);
	}
	return 0;
}

static void print(struct ctl *c, enum report_by by, struct report_row *v, size_t n)
{
	/* Each grouping's own key columns, then the counts every one shows. */
	static const struct out_col step_key[] = {
		{ "sequence", "SEQUENCE", NULL, 0 }, { "step", "STEP", NULL, 0 },
	};
	static const struct out_col rep_key[] = { { "user", "REP", NULL, 0 } };
	static const struct out_col counts[] = {
		{ "enrolled", "ENROLLED", NULL, 0 }, { "sent", "SENT", NULL, 0 },
		{ "replied", "REPLIED", NULL, 0 }, { "replyRate", "RATE", NULL, 0 },
		{ "meetings", "MEETINGS", NULL, 0 }, { "meetingRate", "RATE", NULL, 0 },
		{ "bounced", "BOUNCED", NULL, 0 }, { "unsubscribed", "UNSUB", NULL, 0 },
		{ "outOfOffice", "OOO", NULL, 0 }, { "taskText", "TASKS D/S/O", NULL, 0 },
		{ "unenrolled", "UNENROLLED", NULL, 0 }, { "reasonText", "REASONS", NULL, 0 },
	};
	struct out_col cols[CAD_ARRAY_LEN(step_key) + CAD_ARRAY_LEN(counts)];
	const struct out_col *key = by == REPORT_BY_REP ? rep_key : step_key;
	size_t nkey = by == REPORT_BY_STEP ? 2 : 1;   /* by sequence: its name only */
	json_t *rows = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(rows, row_json(&v[i], by, !c->json));
	memcpy(cols, key, nkey * sizeof(*cols));
	memcpy(cols + nkey, counts, sizeof(counts));
	out_list(c, rows, cols, nkey + CAD_ARRAY_LEN(counts));
}

int cmd_report(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "by", required_argument, NULL, 'b' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "sequence", required_argument, NULL, 'S' },
		{ "user", required_argument, NULL, 'U' },
		{ NULL, 0, NULL, 0 }
	};
	struct report_filter f;
	struct report_row *v = NULL;
	struct cad_err err;
	const char *seq = NULL;
	char *user = NULL;
	size_t n = 0;
	int ch, rc = CTL_FAIL;

	memset(&f, 0, sizeof(f));
	f.by = REPORT_BY_SEQUENCE;
	while ((ch = ctl_getopt(c, argc, argv, "", longopts)) != -1) {
		switch (ch) {
		case 'h': rc = ctl_help(USAGE); goto out;
		case 'b': if (parse_by(c, optarg, &f.by) != 0) goto out; break;
		case 'f': if (ctl_parse_time(c, "--from", optarg, &f.from) != 0) goto out; break;
		case 't': if (ctl_parse_time(c, "--to", optarg, &f.to) != 0) goto out; break;
		case 'S': seq = optarg; break;
		case 'U':
			free(user);
			if (ctl_parse_addr(c, "--user", optarg, &user) != 0)
				goto out;
			break;
		default: rc = CTL_USAGE; goto out;
		}
	}
	if (c->npos != 0) {
		rc = ctl_usage_error(c, USAGE, "takes no positional arguments");
		goto out;
	}
	if (f.from && f.to && f.to <= f.from) {
		ctl_fail(c, "--to must be later than --from");
		goto out;
	}
	f.now = c->now;
	if (ctl_store(c, STORE_READONLY) != 0 || resolve(c, seq, user, &f) != 0)
		goto out;
	if (store_report(c->st, &f, &v, &n, &err) != 0) {
		ctl_fail(c, "%s", err.msg);
		goto out;
	}
	print(c, f.by, v, n);
	store_report_free(v, n);
	rc = CTL_OK;
out:
	free(user);
	return rc;
}
