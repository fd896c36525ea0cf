/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ui_pages_tasks.c - a rep's task queue (/ui/tasks): overdue, today's and
 * later open tasks with the contact's context, and the forms that close
 * them (POST /ui/tasks/ID: done with a call outcome, or skipped), which go
 * through the API (POST /v1/tasks/ID/complete|skip) as the session's
 * token: a rep closes only its own tasks. An admin session sees every
 * rep's queue.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ui_int.h"

static const char *const outcomes[] = { "connected", "voicemail", "no-answer", "wrong-number" };

static void context(struct ui_call *c, const char *email)
{
	struct cad_err err = { "" };
	struct contact k;
	const char *li, *phone;

	memset(&k, 0, sizeof(k));
	if (email == NULL || store_contact_get(c->st, email, &k, &err) != 0) {
		ui_esc(&c->b, email);
		contact_free(&k);
		return;
	}
	sbuf_adds(&c->b, "<dl>");
	sbuf_adds(&c->b, "<dt>Contact</dt><dd class=\"contact-name\">");
	if (k.firstname || k.lastname) {
		ui_esc(&c->b, k.firstname);
		sbuf_adds(&c->b, k.firstname && k.lastname ? " " : "");
		ui_esc(&c->b, k.lastname);
		sbuf_adds(&c->b, " &lt;");
		ui_esc(&c->b, k.email);
		sbuf_adds(&c->b, "&gt;");
	} else {
		ui_esc(&c->b, k.email);
	}
	sbuf_adds(&c->b, "</dd>");
	if (k.company) {
		sbuf_adds(&c->b, "<dt>Company</dt><dd>");
		ui_esc(&c->b, k.company);
		sbuf_adds(&c->b, "</dd>");
	}
	phone = contact_prop(&k, "phone");
	if (phone == NULL)
		phone = contact_prop(&k, "mobile");
	if (phone) {
		sbuf_adds(&c->b, "<dt>Phone</dt><dd><a href=\"tel:");
		ui_esc(&c->b, phone);
		sbuf_adds(&c->b, "\">");
		ui_esc(&c->b, phone);
		sbuf_adds(&c->b, "</a></dd>");
	}
	li = contact_prop(&k, "linkedin");
	if (li == NULL)
		li = contact_prop(&k, "linkedin_url");
	if (li) {
		sbuf_adds(&c->b, "<dt>LinkedIn</dt><dd>");
		if (cad_startswith_ci(li, "https://")) {
			sbuf_adds(&c->b, "<a rel=\"noreferrer\" href=\"");
			ui_esc(&c->b, li);
			sbuf_adds(&c->b, "\">");
			ui_esc(&c->b, li);
			sbuf_adds(&c->b, "</a>");
		} else {
			ui_esc(&c->b, li);
		}
		sbuf_adds(&c->b, "</dd>");
	}
	sbuf_adds(&c->b, "</dl>");
	contact_free(&k);
}

static void task_card(struct ui_call *c, const struct task_view *v, const char *when)
{
	size_t i;
	int64_t id = v->t.id;

	sbuf_addf(&c->b, "<article class=\"task\" id=\"task-%" PRId64 "\" data-task=\"%" PRId64
		  "\" aria-labelledby=\"task-%" PRId64 "-h\"><h3 id=\"task-%" PRId64 "-h\">"
		  "<span class=\"%s\">%s</span> · %s · step %d of ", id, id, id, id, when, when,
		  step_kind_name(v->t.kind), v->t.step);
	ui_esc(&c->b, v->sequence_name);
	sbuf_adds(&c->b, "</h3>");
	context(c, v->contact_email);
	sbuf_adds(&c->b, "<p>Due ");
	ui_time(&c->b, v->t.due_at);
	if (c->sess.admin) {
		sbuf_adds(&c->b, " · rep ");
		ui_esc(&c->b, v->user_email);
	}
	sbuf_addf(&c->b, " · <a href=\"/ui/enr/%" PRId64 "\">enrollment %" PRId64 "</a></p>",
		  v->t.enrollment_id, v->t.enrollment_id);
	if (v->t.note && *v->t.note) {
		sbuf_adds(&c->b, "<p><strong>Note:</strong></p><pre class=\"note\">");
		ui_esc(&c->b, v->t.note);
		sbuf_adds(&c->b, "</pre>");
	}
	sbuf_addf(&c->b, "<form method=\"post\" action=\"/ui/tasks/%" PRId64 "\">", id);
	ui_csrf_field(&c->b, c->sess.csrf);
	if (v->t.kind == STEP_CALL) {
		sbuf_addf(&c->b, "<label for=\"outcome-%" PRId64 "\">Call outcome</label>"
			  "<select id=\"outcome-%" PRId64 "\" name=\"outcome\"><option value=\"\">"
			  "(none)</option>", id, id);
		for (i = 0; i < CAD_ARRAY_LEN(outcomes); i++)
			sbuf_addf(&c->b, "<option value=\"%s\">%s</option>", outcomes[i], outcomes[i]);
		sbuf_adds(&c->b, "</select> ");
	}
	sbuf_addf(&c->b, "<label for=\"note-%" PRId64 "\">Note</label><input id=\"note-%" PRId64
		  "\" name=\"note\" maxlength=\"1000\"> <button type=\"submit\" name=\"action\" "
		  "value=\"done\">Done</button> <button class=\"secondary\" type=\"submit\" "
		  "name=\"action\" value=\"skip\">Skip</button></form></article>", id, id);
}

void ui_page_tasks(struct ui_call *c)
{
	struct cad_err err = { "" };
	struct task_view *v = NULL;
	size_t n = 0, i;
	cad_time_t now = c->rq->now, tomorrow = now - now % 86400 + 86400;
	int shown[3] = { 0, 0, 0 }, sec;
	static const char *const heads[3] = { "Overdue", "Today", "Later" };
	const char *closed = ui_arg(c, "closed");

	if (ui_want_json(c)) {
		ui_json(c, "/v1/tasks", NULL);
		return;
	}
	if (store_tasks(c->st, c->sess.admin ? NULL : c->sess.email, TASK_OPEN, &v, &n, &err) < 0) {
		ui_error(c, 503, "The store failed: %s", err.msg);
		return;
	}
	ui_page_begin(&c->b, "My tasks", &c->who, "tasks");
	sbuf_adds(&c->b, c->sess.admin ? "<h1>Tasks (every rep)</h1>" : "<h1>My tasks</h1>");
	if (closed != NULL) {
		sbuf_adds(&c->b, "<p class=\"msg\" role=\"status\" id=\"flash\">Task ");
		ui_esc(&c->b, closed);
		sbuf_adds(&c->b, " closed.</p>");
	}
	for (sec = 0; sec < 3; sec++) {
		sbuf_addf(&c->b, "<section aria-labelledby=\"sec-%d\"><h2 id=\"sec-%d\">%s</h2>", sec,
			  sec, heads[sec]);
		for (i = 0; i < n; i++) {
			cad_time_t due = v[i].t.due_at;
			int s = due < now ? 0 : due < tomorrow ? 1 : 2;
			if (s != sec)
				continue;
			task_card(c, &v[i], sec == 0 ? "overdue" : sec == 1 ? "today" : "later");
			shown[sec]++;
		}
		if (shown[sec] == 0)
			sbuf_adds(&c->b, "<p class=\"muted\">None.</p>");
		sbuf_adds(&c->b, "</section>");
	}
	sbuf_adds(&c->b, "<p class=\"muted\">The same queue as JSON: <a href=\"/ui/tasks?format="
		  "json\">this page</a> (the API's <code>GET /v1/tasks</code>).</p>");
	ui_page_end(&c->b);
	ui_send_page(c, 200);
	store_task_views_free(v, n);
}

void ui_post_task(struct ui_call *c)
{
	const char *action = ui_form(c, "action"), *outcome = ui_form(c, "outcome");
	const char *note = ui_form(c, "note");
	struct api_response r;
	json_t *o = json_object();
	char *path, *body;
	int done;

	if (action == NULL || (strcmp(action, "done") != 0 && strcmp(action, "skip") != 0)) {
		json_decref(o);
		ui_error(c, 400, "action: done or skip");
		return;
	}
	done = strcmp(action, "done") == 0;
	if (done && outcome && *outcome)
		json_object_set_new(o, "outcome", json_string(outcome));
	if (note && *note)
		json_object_set_new(o, "note", json_string(note));
	body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	path = xasprintf("/v1/tasks/%s/%s", c->seg, done ? "complete" : "skip");
	ui_api(c, "POST", path, NULL, body ? body : "{}", &r);
	free(path);
	free(body);
	if (r.status == 200) {
		ui_redirect(c, "/ui/tasks?closed=%s", c->seg);
	} else {
		json_t *j = json_loads(r.body, 0, NULL);
		const char *msg = j ? json_string_value(json_object_get(j, "message")) : NULL;
		ui_error(c, r.status, "%s", msg ? msg : "The task could not be closed.");
		json_decref(j);
	}
	api_response_free(&r);
}
