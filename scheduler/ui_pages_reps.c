/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ui_pages_reps.c - the reps page (/ui/reps): per rep, the sequence
 * figures over the period, the rolling 24-hour send cap in use now and
 * the new-enrollment cap used today (UTC day); sortable by any column.
 * A rep's session sees its own row.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "store_sched.h"
#include "store_report.h"
#include "ui_int.h"

struct rep_line {
	const struct user *u;
	const struct report_row *r;   /* NULL: nothing in the period */
	int sends24, enrolled_today;
};

static _Thread_local const char *sort_by;
static _Thread_local int sort_desc;

static double value(const struct rep_line *l, const char *k)
{
	const struct report_row *r = l->r;
	if (strcmp(k, "cap") == 0) return l->sends24;
	if (strcmp(k, "today") == 0) return l->enrolled_today;
	if (r == NULL) return 0;
	if (strcmp(k, "enrolled") == 0) return r->enrolled;
	if (strcmp(k, "sent") == 0) return r->sent;
	if (strcmp(k, "reply") == 0) return r->contacted ? (double)r->replied / r->contacted : -1;
	if (strcmp(k, "meeting") == 0) return r->contacted ? (double)r->meetings / r->contacted : -1;
	if (strcmp(k, "bounced") == 0) return r->bounced;
	if (strcmp(k, "unsub") == 0) return r->unsubscribed;
	if (strcmp(k, "overdue") == 0) return r->tasks_overdue;
	return 0;
}

static int cmp(const void *a, const void *b)
{
	const struct rep_line *x = a, *y = b;
	int r = strcmp(x->u->email, y->u->email);
	if (strcmp(sort_by, "name") != 0) {
		double u = value(x, sort_by), v = value(y, sort_by);
		r = u < v ? -1 : u > v ? 1 : r;
	}
	return sort_desc ? -r : r;
}

static void use_td(struct sbuf *b, int used, int cap)
{
	sbuf_addf(b, "<td class=\"n\"><meter min=\"0\" max=\"%d\" value=\"%d\" "
		  "aria-label=\"%d of %d\"></meter> %d / %d</td>", cap > 0 ? cap : 1, used, used,
		  cap, used, cap);
}

void ui_page_reps(struct ui_call *c)
{
	struct cad_err err = { "" };
	struct report_filter f;
	struct report_row *rows = NULL;
	struct user *users = NULL;
	struct rep_line *lines = NULL;
	size_t nrows = 0, nusers = 0, nl = 0, i, j;
	cad_time_t from, to, today = c->rq->now - c->rq->now % 86400;
	int desc;

	if (ui_want_json(c)) {
		const char *q[8] = { "by", "rep" };
		size_t k = 2;
		if (ui_arg(c, "from")) { q[k++] = "from"; q[k++] = ui_arg(c, "from"); }
		if (ui_arg(c, "to")) { q[k++] = "to"; q[k++] = ui_arg(c, "to"); }
		ui_json(c, "/v1/reports", q);
		return;
	}
	if (ui_period(c, &from, &to) < 0)
		return;
	memset(&f, 0, sizeof(f));
	f.by = REPORT_BY_REP;
	f.from = from;
	f.to = to;
	f.user_id = ui_scope_user(c);
	f.now = c->rq->now;
	if (store_report(c->st, &f, &rows, &nrows, &err) < 0
	    || store_user_list(c->st, &users, &nusers, &err) < 0)
		goto fail;
	lines = xcalloc(nusers + 1, sizeof(*lines));
	for (i = 0; i < nusers; i++) {
		const struct user *u = &users[i];
		struct rep_line *l = &lines[nl];
		cad_time_t *times = NULL;
		size_t nt = 0;
		if (!u->active || (!c->sess.admin && u->id != c->sess.user_id))
			continue;
		l->u = u;
		for (j = 0; j < nrows; j++)
			if (rows[j].user_id == u->id)
				l->r = &rows[j];
		if (store_user_sends_since(c->st, u->id, c->rq->now - 86400, &times, &nt, &err) < 0
		    || store_enrollments_since(c->st, u->id, today, &l->enrolled_today, &err) < 0) {
			free(times);
			goto fail;
		}
		free(times);
		l->sends24 = (int)nt;
		nl++;
	}
	sort_by = ui_sort_key(c, "name", &desc);
	sort_desc = desc;
	qsort(lines, nl, sizeof(*lines), cmp);

	ui_page_begin(&c->b, "Reps", &c->who, "reps");
	sbuf_adds(&c->b, "<h1>Reps</h1>");
	ui_period_form(c, "/ui/reps");
	sbuf_adds(&c->b, "<div class=\"scroll\"><table id=\"reps\"><caption>Per rep: figures in "
		  "the period; caps in use now (rolling 24 hours) and today (UTC).</caption>"
		  "<thead><tr>");
	ui_sort_th(c, "/ui/reps", "name", "Rep", 0);
	ui_sort_th(c, "/ui/reps", "enrolled", "Enrolled", 1);
	ui_sort_th(c, "/ui/reps", "sent", "Sent", 1);
	ui_sort_th(c, "/ui/reps", "reply", "Reply rate", 1);
	ui_sort_th(c, "/ui/reps", "meeting", "Meeting rate", 1);
	ui_sort_th(c, "/ui/reps", "bounced", "Bounced", 1);
	ui_sort_th(c, "/ui/reps", "unsub", "Unsubscribed", 1);
	ui_sort_th(c, "/ui/reps", "overdue", "Tasks overdue", 1);
	ui_sort_th(c, "/ui/reps", "cap", "24 h send cap", 1);
	ui_sort_th(c, "/ui/reps", "today", "Enrollments today", 1);
	sbuf_adds(&c->b, "</tr></thead><tbody>");
	for (i = 0; i < nl; i++) {
		const struct user *u = lines[i].u;
		const struct report_row *r = lines[i].r;
		sbuf_addf(&c->b, "<tr data-rep=\"%" PRId64 "\"><th scope=\"row\">", u->id);
		ui_esc(&c->b, u->name ? u->name : u->email);
		sbuf_adds(&c->b, "<br><span class=\"muted\">");
		ui_esc(&c->b, u->email);
		sbuf_addf(&c->b, "</span></th><td class=\"n\">%d</td><td class=\"n\">%d</td>",
			  r ? r->enrolled : 0, r ? r->sent : 0);
		sbuf_adds(&c->b, "<td class=\"n\">");
		ui_pct(&c->b, r ? r->replied : 0, r ? r->contacted : 0);
		sbuf_adds(&c->b, "</td><td class=\"n\">");
		ui_pct(&c->b, r ? r->meetings : 0, r ? r->contacted : 0);
		sbuf_addf(&c->b, "</td><td class=\"n\">%d</td><td class=\"n\">%d</td>"
			  "<td class=\"n\">%d</td>", r ? r->bounced : 0, r ? r->unsubscribed : 0,
			  r ? r->tasks_overdue : 0);
		use_td(&c->b, lines[i].sends24, u->send_cap_24h);
		use_td(&c->b, lines[i].enrolled_today, u->enroll_cap_day);
		sbuf_adds(&c->b, "</tr>");
	}
	sbuf_adds(&c->b, "</tbody></table></div>");
	ui_json_link(c, "GET /v1/reports?by=rep");
	ui_page_end(&c->b);
	ui_send_page(c, 200);
	goto out;
fail:
	ui_error(c, 503, "The store failed: %s", err.msg);
out:
	free(lines);
	store_report_free(rows, nrows);
	store_users_free(users, nusers);
}
