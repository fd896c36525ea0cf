/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ui_pages_seq_one.c - one sequence's page (/ui/seq/ID: the per-step
 * table and chart, unenroll reasons, sends per day against the reps'
 * caps, the lint checklist, the sequence file and a preview).
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

static void step_table(struct ui_call *c, const struct sequence *s, const struct report_row *st,
		       size_t n)
{
	size_t i, k;
	sbuf_adds(&c->b, "<div class=\"scroll\"><table id=\"steps\"><caption>Per step, in the "
		  "period: a reply or meeting counts for the last email step sent before it."
		  "</caption><thead><tr><th scope=\"col\">Step</th><th scope=\"col\">Kind</th>"
		  "<th scope=\"col\" class=\"n\">Sent</th><th scope=\"col\" class=\"n\">Replied</th>"
		  "<th scope=\"col\" class=\"n\">Meetings</th><th scope=\"col\" class=\"n\">Bounced"
		  "</th><th scope=\"col\" class=\"n\">Unsubscribed</th><th scope=\"col\" "
		  "class=\"n\">Tasks done</th><th scope=\"col\" class=\"n\">Skipped</th>"
		  "<th scope=\"col\" class=\"n\">Overdue</th></tr></thead><tbody>");
	for (k = 0; k < s->nsteps; k++) {
		const struct report_row *r = NULL;
		for (i = 0; i < n; i++)
			if (st[i].step == s->steps[k].index)
				r = &st[i];
		sbuf_addf(&c->b, "<tr data-step=\"%d\"><th scope=\"row\">%d</th><td>%s</td>",
			  s->steps[k].index, s->steps[k].index, step_kind_name(s->steps[k].kind));
		ui_pages_seq_num_td(&c->b, r ? r->sent : 0);
		ui_pages_seq_num_td(&c->b, r ? r->replied : 0);
		ui_pages_seq_num_td(&c->b, r ? r->meetings : 0);
		ui_pages_seq_num_td(&c->b, r ? r->bounced : 0);
		ui_pages_seq_num_td(&c->b, r ? r->unsubscribed : 0);
		ui_pages_seq_num_td(&c->b, r ? r->tasks_done : 0);
		ui_pages_seq_num_td(&c->b, r ? r->tasks_skipped : 0);
		ui_pages_seq_num_td(&c->b, r ? r->tasks_overdue : 0);
		sbuf_adds(&c->b, "</tr>");
	}
	sbuf_adds(&c->b, "</tbody></table></div>");
}

/* Sends per day (the last 30 days with sends, gaps filled) against the
 * sum of the rolling caps of the reps who send in it. */
static int sends_chart(struct ui_call *c, const struct sequence *s, cad_time_t from,
		       struct cad_err *err)
{
	struct ui_day *d = NULL;
	struct report_row *reps = NULL;
	struct report_filter f;
	struct ui_bar *bars;
	char (*labels)[16];
	size_t n = 0, nreps = 0, i, nb = 0;
	cad_time_t first, last, t;
	int cap = 0;

	if (store_ui_sends_per_day(c->st, s->id, ui_scope_user(c), from, &d, &n, err) < 0)
		return -1;
	memset(&f, 0, sizeof(f));
	f.by = REPORT_BY_REP;
	f.sequence_id = s->id;
	f.user_id = ui_scope_user(c);
	f.now = c->rq->now;
	if (store_report(c->st, &f, &reps, &nreps, err) < 0) {
		free(d);
		return -1;
	}
	for (i = 0; i < nreps; i++) {
		struct user u;
		memset(&u, 0, sizeof(u));
		if (reps[i].enrolled + reps[i].sent > 0
		    && store_user_get_id(c->st, reps[i].user_id, &u, err) == 0)
			cap += u.send_cap_24h;
		user_free(&u);
	}
	store_report_free(reps, nreps);
	first = n ? d[0].day : 0;
	last = n ? d[n - 1].day : 0;
	if (n && last - first > 29 * 86400)
		first = last - 29 * 86400;
	bars = xcalloc(31, sizeof(*bars));
	labels = xcalloc(31, sizeof(*labels));
	for (t = first; n && t <= last && nb < 30; t += 86400) {
		time_t tt = (time_t)t;
		struct tm tm;
		gmtime_r(&tt, &tm);
		strftime(labels[nb], sizeof(labels[nb]), "%a %d", &tm);
		bars[nb].label = labels[nb];
		for (i = 0; i < n; i++)
			if (d[i].day == t)
				bars[nb].value = d[i].sent;
		nb++;
	}
	sbuf_adds(&c->b, "<figure id=\"sends-per-day\"><figcaption>Emails sent per day (UTC) "
		  "against the reps' rolling 24-hour caps</figcaption>");
	ui_svg_days(&c->b, "Emails sent per day against the reps' caps", bars, nb, cap);
	sbuf_adds(&c->b, "</figure>");
	free(labels);
	free(bars);
	free(d);
	return 0;
}

static void lint_list(struct ui_call *c, const struct sequence *s)
{
	struct cad_err err = { "" };
	struct suppression *sup = NULL;
	struct lint_item *items = NULL;
	struct lint_facts facts;
	size_t nsup = 0, n = 0, i;
	int fails;

	memset(&facts, 0, sizeof(facts));
	if (store_suppress_list(c->st, &sup, &nsup, &err) == 0)
		facts.have_suppressions = nsup > 0;
	store_suppressions_free(sup, nsup);
	fails = seq_lint(s, &facts, &items, &n);
	sbuf_addf(&c->b, "<h2>Pre-launch checklist</h2><p id=\"lint-summary\">%s</p>"
		  "<ul id=\"lint\">", fails ? "Some checks fail." : "No check fails.");
	for (i = 0; i < n; i++) {
		sbuf_addf(&c->b, "<li data-level=\"%s\"><strong>%s</strong> ",
			  lint_level_name(items[i].level),
			  items[i].level == LINT_PASS ? "✓ pass" :
			  items[i].level == LINT_WARN ? "! warn" : "✗ fail");
		ui_esc(&c->b, items[i].check);
		sbuf_adds(&c->b, ": ");
		ui_esc(&c->b, items[i].detail);
		sbuf_adds(&c->b, "</li>");
	}
	sbuf_adds(&c->b, "</ul>");
	seq_lint_free(items, n);
}

/* The file it was imported from, when cadenced can read it and it still
 * parses as this sequence (an absolute path to a regular file of at most
 * 256 KiB: the page shows no other file); else the steps as imported. */
static char *read_seq_file(const struct sequence *s)
{
	struct sequence parsed;
	struct cad_err err = { "" };
	char *text;
	size_t len;
	int ok;

	if (s->source == NULL || s->source[0] != '/'
	    || cad_read_file(s->source, 256 * 1024, 0, &text, &len, &err) != 0)
		return NULL;
	memset(&parsed, 0, sizeof(parsed));
	ok = seq_parse_buffer(s->source, text, len, &parsed, &err) == 0 && parsed.name
	     && strcmp(parsed.name, s->name) == 0;
	sequence_free(&parsed);
	if (!ok) {
		free(text);
		return NULL;
	}
	return text;
}

static void seq_file(struct ui_call *c, const struct sequence *s)
{
	char *text = read_seq_file(s);
	size_t k;
	sbuf_adds(&c->b, "<h2>The sequence file</h2>");
	if (text != NULL) {
		sbuf_adds(&c->b, "<p class=\"muted\">");
		ui_esc(&c->b, s->source);
		sbuf_adds(&c->b, " (read-only)</p><pre id=\"seq-file\">");
		ui_esc(&c->b, text);
		sbuf_adds(&c->b, "</pre>");
		free(text);
		return;
	}
	sbuf_adds(&c->b, "<p class=\"muted\">The file ");
	ui_esc(&c->b, s->source ? s->source : "(unknown)");
	sbuf_adds(&c->b, " cannot be read here; the steps as imported:</p><pre id=\"seq-file\">");
	for (k = 0; k < s->nsteps; k++) {
		ui_escf(&c->b, "[step %d] %s, after %d day(s) %d min\n", s->steps[k].index,
			step_kind_name(s->steps[k].kind), s->steps[k].delay_days,
			s->steps[k].delay_minutes);
		if (s->steps[k].subject) {
			sbuf_adds(&c->b, "Subject: ");
			ui_esc(&c->b, s->steps[k].subject);
			sbuf_adds(&c->b, "\n");
		}
		ui_esc(&c->b, s->steps[k].body);
		sbuf_adds(&c->b, "\n\n");
	}
	sbuf_adds(&c->b, "</pre>");
}

static void preview(struct ui_call *c, const struct sequence *s)
{
	const char *addr = ui_arg(c, "contact");
	struct cad_err err = { "" };
	struct contact k;
	struct user u;
	struct enrollment_view v;
	struct tmpl_ctx ctx;
	struct sbuf out;
	size_t i;
	int have_user = 0;

	sbuf_addf(&c->b, "<h2>Preview</h2><form method=\"get\" action=\"/ui/seq/%" PRId64 "\">"
		  "<label for=\"contact\">Contact's address</label> <input type=\"email\" "
		  "id=\"contact\" name=\"contact\" required value=\"", s->id);
	ui_esc(&c->b, addr);
	sbuf_adds(&c->b, "\"> <button type=\"submit\">Preview</button></form>");
	if (addr == NULL)
		return;
	memset(&k, 0, sizeof(k));
	memset(&u, 0, sizeof(u));
	memset(&v, 0, sizeof(v));
	if (store_contact_get(c->st, addr, &k, &err) != 0) {
		sbuf_adds(&c->b, "<p class=\"err\" role=\"alert\">No contact ");
		ui_esc(&c->b, addr);
		sbuf_adds(&c->b, ".</p>");
		contact_free(&k);
		return;
	}
	if (!c->sess.admin)
		have_user = store_user_get_id(c->st, c->sess.user_id, &u, &err) == 0;
	else if (store_page_enrollment_latest(c->st, k.id, &v, &err) == 0)
		have_user = store_user_get_id(c->st, v.e.user_id, &u, &err) == 0;
	memset(&ctx, 0, sizeof(ctx));
	ctx.contact = &k;
	ctx.sender = have_user ? &u : NULL;
	ctx.unsubscribe_url = "https://unsubscribe.example/(preview)";
	sbuf_init(&out);
	sbuf_adds(&c->b, "<div id=\"preview\">");
	for (i = 0; i < s->nsteps; i++) {
		sbuf_addf(&c->b, "<h3>Step %d (%s)</h3>", s->steps[i].index,
			  step_kind_name(s->steps[i].kind));
		if (s->steps[i].subject) {
			sbuf_adds(&c->b, "<p><strong>Subject:</strong> ");
			if (tmpl_render(s->steps[i].subject, &ctx, &out, &err) == 0)
				ui_esc(&c->b, out.s);
			else
				ui_escf(&c->b, "(%s)", err.msg);
			sbuf_adds(&c->b, "</p>");
		}
		sbuf_adds(&c->b, "<pre>");
		if (tmpl_render(s->steps[i].body ? s->steps[i].body : "", &ctx, &out, &err) == 0)
			ui_esc(&c->b, out.s);
		else
			ui_escf(&c->b, "(%s)", err.msg);
		sbuf_adds(&c->b, "</pre>");
	}
	sbuf_adds(&c->b, "</div>");
	sbuf_free(&out);
	free(v.contact_email);
	free(v.sequence_name);
	free(v.user_email);
	enrollment_free(&v.e);
	user_free(&u);
	contact_free(&k);
}

void ui_page_sequence(struct ui_call *c)
{
	struct cad_err err = { "" };
	struct sequence s;
	struct report_filter f;
	struct report_row *steps = NULL, *seqrow = NULL;
	size_t nsteps = 0, nseq = 0, i;
	struct ui_bar *bars = NULL;
	cad_time_t from, to;
	int64_t id = strtoll(c->seg, NULL, 10);
	int rc;
	char *title;

	if (ui_want_json(c)) {
		const char *q[10] = { "by", "step", "sequenceId", c->seg };
		size_t k = 4;
		ui_pages_seq_period(c, q, &k);
		ui_json(c, "/v1/reports", q);
		return;
	}
	if (ui_period(c, &from, &to) < 0)
		return;
	memset(&s, 0, sizeof(s));
	rc = store_sequence_get_id(c->st, id, &s, &err);
	if (rc == STORE_NOTFOUND) {
		ui_error(c, 404, "No sequence %s.", c->seg);
		return;
	}
	if (rc < 0)
		goto fail;
	memset(&f, 0, sizeof(f));
	f.by = REPORT_BY_STEP;
	f.from = from;
	f.to = to;
	f.sequence_id = id;
	f.user_id = ui_scope_user(c);
	f.now = c->rq->now;
	if (store_report(c->st, &f, &steps, &nsteps, &err) < 0)
		goto fail;
	f.by = REPORT_BY_SEQUENCE;
	if (store_report(c->st, &f, &seqrow, &nseq, &err) < 0)
		goto fail;

	ui_page_begin(&c->b, s.name, &c->who, "seq");
	sbuf_adds(&c->b, "<p><a href=\"/ui/\">← Sequences</a></p><h1>");
	ui_esc(&c->b, s.name);
	sbuf_adds(&c->b, "</h1><dl><dt>Owner</dt><dd>");
	ui_esc(&c->b, s.owner ? s.owner : "-");
	sbuf_addf(&c->b, "</dd><dt>Steps</dt><dd>%zu</dd><dt>Days</dt><dd>%s</dd>"
		  "<dt>Window</dt><dd>%02d:%02d-%02d:%02d</dd>", s.nsteps, seq_days_name(s.days),
		  s.window_start / 60, s.window_start % 60, s.window_end / 60, s.window_end % 60);
	if (s.description) {
		sbuf_adds(&c->b, "<dt>Description</dt><dd>");
		ui_esc(&c->b, s.description);
		sbuf_adds(&c->b, "</dd>");
	}
	sbuf_adds(&c->b, "</dl>");
	{
		char *action = xasprintf("/ui/seq/%" PRId64, id);
		ui_period_form(c, action);
		free(action);
	}
	sbuf_adds(&c->b, "<h2>Steps</h2>");
	step_table(c, &s, steps, nsteps);
	sbuf_adds(&c->b, "<div class=\"charts wide\"><figure id=\"funnel\"><figcaption>Sent, replied "
		  "and meetings per step</figcaption>");
	title = xasprintf("%s: sent, replied and meetings per step", s.name);
	ui_pages_seq_funnel(&c->b, title, steps, nsteps, id, s.nsteps);
	free(title);
	sbuf_adds(&c->b, "</figure><figure id=\"reasons\"><figcaption>Why enrollments ended"
		  "</figcaption>");
	if (nseq > 0) {
		bars = xcalloc(seqrow[0].nreasons + 1, sizeof(*bars));
		for (i = 0; i < seqrow[0].nreasons; i++) {
			bars[i].label = seqrow[0].reasons[i].reason;
			bars[i].value = seqrow[0].reasons[i].count;
		}
	}
	ui_svg_hbars(&c->b, "Unenroll reasons", bars, nseq > 0 ? seqrow[0].nreasons : 0);
	sbuf_adds(&c->b, "</figure>");
	if (sends_chart(c, &s, from, &err) < 0)
		goto fail;
	sbuf_adds(&c->b, "</div>");
	lint_list(c, &s);
	seq_file(c, &s);
	preview(c, &s);
	ui_json_link(c, "GET /v1/reports?by=step&sequenceId=ID");
	ui_page_end(&c->b);
	ui_send_page(c, 200);
	goto out;
fail:
	ui_error(c, 503, "The store failed: %s", err.msg);
out:
	free(bars);
	store_report_free(steps, nsteps);
	store_report_free(seqrow, nseq);
	sequence_free(&s);
}
