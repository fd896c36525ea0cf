/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ui_pages_seq.c - the sequences page (/ui/: each sequence's figures over
 * a period, a funnel per step) and the cells, funnel and period query it
 * shares with one sequence's page (ui_pages_seq_one.c).
 * A rep's session sees its own enrollments' figures only.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "seq.h"
#include "store_page.h"
#include "store_report.h"
#include "store_ui.h"
#include "tmpl.h"
#include "ui_int.h"
#include "ui_pages_seq.h"

struct seq_line {
	int64_t id;
	const char *name;
	size_t nsteps;
	int enrolled, active, finished, contacted, sent, replied, meetings, bounced, unsub;
};

static _Thread_local const char *sort_by;
static _Thread_local int sort_desc;

static double rate(int a, int b)
{
	return b > 0 ? (double)a / b : -1.0;
}

static double line_value(const struct seq_line *l, const char *k)
{
	if (strcmp(k, "enrolled") == 0) return l->enrolled;
	if (strcmp(k, "active") == 0) return l->active;
	if (strcmp(k, "finished") == 0) return l->finished;
	if (strcmp(k, "sent") == 0) return l->sent;
	if (strcmp(k, "reply") == 0) return rate(l->replied, l->contacted);
	if (strcmp(k, "meeting") == 0) return rate(l->meetings, l->contacted);
	if (strcmp(k, "bounced") == 0) return l->bounced;
	if (strcmp(k, "unsub") == 0) return l->unsub;
	return 0;
}

static int cmp_line(const void *a, const void *b)
{
	const struct seq_line *x = a, *y = b;
	int r;
	if (strcmp(sort_by, "name") == 0) {
		r = strcmp(x->name, y->name);
	} else {
		double u = line_value(x, sort_by), v = line_value(y, sort_by);
		r = u < v ? -1 : u > v ? 1 : strcmp(x->name, y->name);
	}
	return sort_desc ? -r : r;
}

static const struct report_row *find_row(const struct report_row *r, size_t n, int64_t seq)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (r[i].sequence_id == seq)
			return &r[i];
	return NULL;
}

void ui_pages_seq_num_td(struct sbuf *b, int v)
{
	sbuf_addf(b, "<td class=\"n\">%d</td>", v);
}

static void rate_td(struct sbuf *b, int a, int den)
{
	sbuf_adds(b, "<td class=\"n\">");
	ui_pct(b, a, den);
	sbuf_addf(b, " <span class=\"muted\">(%d/%d)</span></td>", a, den);
}

/* The funnel of one sequence from the by-step rows: steps 1..nsteps (or
 * as many as the rows name), a step without rows at zero. */
void ui_pages_seq_funnel(struct sbuf *b, const char *title, const struct report_row *steps,
			 size_t n, int64_t seq, size_t nsteps)
{
	struct ui_funnel_step *fs;
	char **labels;
	size_t i, k;
	for (i = 0; i < n; i++)
		if (steps[i].sequence_id == seq && steps[i].step > 0 && (size_t)steps[i].step > nsteps)
			nsteps = (size_t)steps[i].step;
	fs = xcalloc(nsteps + 1, sizeof(*fs));
	labels = xcalloc(nsteps + 1, sizeof(*labels));
	for (k = 0; k < nsteps; k++) {
		labels[k] = xasprintf("Step %zu", k + 1);
		fs[k].label = labels[k];
		for (i = 0; i < n; i++) {
			if (steps[i].sequence_id != seq || steps[i].step != (int)k + 1)
				continue;
			fs[k].sent = steps[i].sent;
			fs[k].replied = steps[i].replied;
			fs[k].meetings = steps[i].meetings;
		}
	}
	ui_svg_funnel(b, title, fs, nsteps);
	for (k = 0; k < nsteps; k++)
		free(labels[k]);
	free(labels);
	free(fs);
}

void ui_pages_seq_period(struct ui_call *c, const char **q, size_t *k)
{
	if (ui_arg(c, "from")) {
		q[(*k)++] = "from";
		q[(*k)++] = ui_arg(c, "from");
	}
	if (ui_arg(c, "to")) {
		q[(*k)++] = "to";
		q[(*k)++] = ui_arg(c, "to");
	}
}

void ui_page_sequences(struct ui_call *c)
{
	struct cad_err err = { "" };
	struct report_filter f;
	struct report_row *rows = NULL, *steps = NULL;
	struct sequence *seqs = NULL;
	struct ui_states *states = NULL;
	struct seq_line *lines = NULL;
	size_t nrows = 0, nsteps = 0, nseqs = 0, nstates = 0, i, j;
	cad_time_t from, to;
	int desc;

	if (ui_want_json(c)) {
		const char *q[8] = { "by", "sequence" };
		size_t k = 2;
		ui_pages_seq_period(c, q, &k);
		ui_json(c, "/v1/reports", q);
		return;
	}
	if (ui_period(c, &from, &to) < 0)
		return;
	memset(&f, 0, sizeof(f));
	f.by = REPORT_BY_SEQUENCE;
	f.from = from;
	f.to = to;
	f.user_id = ui_scope_user(c);
	f.now = c->rq->now;
	if (store_report(c->st, &f, &rows, &nrows, &err) < 0)
		goto fail;
	f.by = REPORT_BY_STEP;
	if (store_report(c->st, &f, &steps, &nsteps, &err) < 0
	    || store_sequence_list(c->st, &seqs, &nseqs, &err) < 0
	    || store_ui_states(c->st, ui_scope_user(c), &states, &nstates, &err) < 0)
		goto fail;

	lines = xcalloc(nseqs + 1, sizeof(*lines));
	for (i = 0; i < nseqs; i++) {
		const struct report_row *r = find_row(rows, nrows, seqs[i].id);
		lines[i].id = seqs[i].id;
		lines[i].name = seqs[i].name;
		lines[i].nsteps = seqs[i].nsteps;
		for (j = 0; j < nstates; j++)
			if (states[j].sequence_id == seqs[i].id) {
				lines[i].active = states[j].active + states[j].paused;
				lines[i].finished = states[j].finished;
			}
		if (r != NULL) {
			lines[i].enrolled = r->enrolled;
			lines[i].contacted = r->contacted;
			lines[i].sent = r->sent;
			lines[i].replied = r->replied;
			lines[i].meetings = r->meetings;
			lines[i].bounced = r->bounced;
			lines[i].unsub = r->unsubscribed;
		}
	}
	sort_by = ui_sort_key(c, "name", &desc);
	sort_desc = desc;
	qsort(lines, nseqs, sizeof(*lines), cmp_line);

	ui_page_begin(&c->b, "Sequences", &c->who, "seq");
	sbuf_adds(&c->b, "<h1>Sequences</h1>");
	if (!c->sess.admin)
		sbuf_adds(&c->b, "<p class=\"muted\">Your own enrollments' figures.</p>");
	ui_period_form(c, "/ui/");
	sbuf_adds(&c->b, "<div class=\"scroll\"><table id=\"sequences\"><caption>Enrolled, "
		  "emails sent, replies, meetings, bounces and unsubscribes in the period; "
		  "active (with paused) and finished now. Rates are of the contacts emailed."
		  "</caption><thead><tr>");
	ui_sort_th(c, "/ui/", "name", "Sequence", 0);
	ui_sort_th(c, "/ui/", "enrolled", "Enrolled", 1);
	ui_sort_th(c, "/ui/", "active", "Active", 1);
	ui_sort_th(c, "/ui/", "finished", "Finished", 1);
	ui_sort_th(c, "/ui/", "sent", "Sent", 1);
	ui_sort_th(c, "/ui/", "reply", "Reply rate", 1);
	ui_sort_th(c, "/ui/", "meeting", "Meeting rate", 1);
	ui_sort_th(c, "/ui/", "bounced", "Bounced", 1);
	ui_sort_th(c, "/ui/", "unsub", "Unsubscribed", 1);
	sbuf_adds(&c->b, "</tr></thead><tbody>");
	for (i = 0; i < nseqs; i++) {
		const struct seq_line *l = &lines[i];
		sbuf_addf(&c->b, "<tr data-sequence=\"%" PRId64 "\"><th scope=\"row\">"
			  "<a href=\"/ui/seq/%" PRId64 "\">", l->id, l->id);
		ui_esc(&c->b, l->name);
		sbuf_adds(&c->b, "</a></th>");
		ui_pages_seq_num_td(&c->b, l->enrolled);
		ui_pages_seq_num_td(&c->b, l->active);
		ui_pages_seq_num_td(&c->b, l->finished);
		ui_pages_seq_num_td(&c->b, l->sent);
		rate_td(&c->b, l->replied, l->contacted);
		rate_td(&c->b, l->meetings, l->contacted);
		ui_pages_seq_num_td(&c->b, l->bounced);
		ui_pages_seq_num_td(&c->b, l->unsub);
		sbuf_adds(&c->b, "</tr>");
	}
	if (nseqs == 0)
		sbuf_adds(&c->b, "<tr><td colspan=\"9\">No sequence yet: import one with "
			  "<code>cadencectl sequence import</code>.</td></tr>");
	sbuf_adds(&c->b, "</tbody></table></div><h2>Funnel per step</h2><div class=\"charts\">");
	for (i = 0; i < nseqs; i++) {
		char *title = xasprintf("%s: sent, replied and meetings per step", lines[i].name);
		sbuf_addf(&c->b, "<figure data-sequence=\"%" PRId64 "\"><figcaption>", lines[i].id);
		ui_esc(&c->b, lines[i].name);
		sbuf_adds(&c->b, "</figcaption>");
		ui_pages_seq_funnel(&c->b, title, steps, nsteps, lines[i].id, lines[i].nsteps);
		sbuf_adds(&c->b, "</figure>");
		free(title);
	}
	sbuf_adds(&c->b, "</div>");
	ui_json_link(c, "GET /v1/reports?by=sequence");
	ui_page_end(&c->b);
	ui_send_page(c, 200);
	goto out;
fail:
	ui_error(c, 503, "The store failed: %s", err.msg);
out:
	free(lines);
	free(states);
	store_sequences_free(seqs, nseqs);
	store_report_free(rows, nrows);
	store_report_free(steps, nsteps);
}
