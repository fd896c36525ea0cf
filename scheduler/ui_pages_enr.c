/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ui_pages_enr.c - one enrollment (/ui/enr/ID): who, where it stands, why
 * its next step has not gone (why.h), its timeline (the events), and the
 * pause / resume / unenroll forms that apply to its state (POST
 * /ui/enr/ID, through the API as the session's token). A rep's session
 * sees only that rep's enrollments (403 otherwise).
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "store_page.h"
#include "ui_int.h"
#include "why.h"

#define UI_TIMELINE_MAX 500

static void view_free(struct enrollment_view *v)
{
	free(v->contact_email);
	free(v->sequence_name);
	free(v->user_email);
	enrollment_free(&v->e);
}

/* 0 with *v, or -1 after an error page. */
static int load(struct ui_call *c, struct enrollment_view *v)
{
	struct cad_err err = { "" };
	int rc;
	memset(v, 0, sizeof(*v));
	rc = store_page_enrollment_get(c->st, strtoll(c->seg, NULL, 10), v, &err);
	if (rc == STORE_NOTFOUND) {
		ui_error(c, 404, "No enrollment %s.", c->seg);
		return -1;
	}
	if (rc < 0) {
		ui_error(c, 503, "The store failed: %s", err.msg);
		return -1;
	}
	if (!c->sess.admin && v->e.user_id != c->sess.user_id) {
		view_free(v);
		ui_error(c, 403, "Enrollment %s is another rep's.", c->seg);
		return -1;
	}
	return 0;
}

static void action_form(struct ui_call *c, const char *action, const char *label, int reason,
			int secondary)
{
	sbuf_addf(&c->b, "<form class=\"inline\" method=\"post\" action=\"/ui/enr/%s\">", c->seg);
	ui_csrf_field(&c->b, c->sess.csrf);
	sbuf_addf(&c->b, "<input type=\"hidden\" name=\"action\" value=\"%s\">", action);
	if (reason)
		sbuf_addf(&c->b, "<label for=\"reason-%s\">Reason</label><input id=\"reason-%s\" "
			  "name=\"reason\" maxlength=\"500\"> ", action, action);
	sbuf_addf(&c->b, "<button type=\"submit\"%s id=\"btn-%s\">%s</button></form> ",
		  secondary ? " class=\"secondary\"" : "", action, label);
}

void ui_page_enrollment(struct ui_call *c)
{
	struct cad_err err = { "" };
	struct enrollment_view v;
	struct page_event_filter pf;
	struct event *ev = NULL;
	struct contact k;
	struct why_conf wc;
	struct why w;
	size_t nev = 0, i;
	const char *done = ui_arg(c, "done");

	if (ui_want_json(c)) {
		char *path = xasprintf("/v1/enrollments/%s", c->seg);
		ui_json(c, path, NULL);
		free(path);
		return;
	}
	if (load(c, &v) < 0)
		return;
	memset(&k, 0, sizeof(k));
	memset(&pf, 0, sizeof(pf));
	memset(&wc, 0, sizeof(wc));
	memset(&w, 0, sizeof(w));
	pf.enrollment_id = v.e.id;
	ui_why_conf(&wc.spacing_seconds, &wc.spacing_jitter, &wc.domain_daily_cap);
	if (store_contact_get_id(c->st, v.e.contact_id, &k, &err) < 0
	    || why_enrollment(c->st, &wc, v.e.id, c->rq->now, &w, &err) < 0
	    || store_page_events(c->st, &pf, 0, UI_TIMELINE_MAX, &ev, &nev, &err) < 0) {
		ui_error(c, 503, "The store failed: %s", err.msg);
		goto out;
	}
	ui_page_begin(&c->b, "Enrollment", &c->who, NULL);
	sbuf_addf(&c->b, "<h1>Enrollment %" PRId64 "</h1>", v.e.id);
	if (done != NULL) {
		sbuf_addf(&c->b, "<p class=\"msg\" role=\"status\" id=\"flash\">%s</p>",
			  strcmp(done, "pause") == 0 ? "Paused." : strcmp(done, "resume") == 0
			  ? "Resumed." : strcmp(done, "unenroll") == 0 ? "Unenrolled." : "Done.");
	}
	sbuf_adds(&c->b, "<dl><dt>Contact</dt><dd class=\"contact-name\">");
	if (k.firstname || k.lastname) {
		ui_esc(&c->b, k.firstname);
		sbuf_adds(&c->b, " ");
		ui_esc(&c->b, k.lastname);
		sbuf_adds(&c->b, " &lt;");
	}
	ui_esc(&c->b, v.contact_email);
	if (k.firstname || k.lastname)
		sbuf_adds(&c->b, "&gt;");
	if (k.company) {
		sbuf_adds(&c->b, ", ");
		ui_esc(&c->b, k.company);
	}
	sbuf_addf(&c->b, "</dd><dt>Sequence</dt><dd><a href=\"/ui/seq/%" PRId64 "\">",
		  v.e.sequence_id);
	ui_esc(&c->b, v.sequence_name);
	sbuf_adds(&c->b, "</a></dd><dt>Rep</dt><dd>");
	ui_esc(&c->b, v.user_email);
	sbuf_addf(&c->b, "</dd><dt>State</dt><dd class=\"state\" id=\"state\">%s</dd>"
		  "<dt>Step</dt><dd>%d of %d</dd><dt>Next due</dt><dd>",
		  enr_state_name(v.e.state), v.e.step > v.nsteps ? v.nsteps : v.e.step, v.nsteps);
	ui_time(&c->b, v.e.next_due);
	sbuf_adds(&c->b, "</dd>");
	if (v.e.reason) {
		sbuf_adds(&c->b, "<dt>Reason</dt><dd>");
		ui_esc(&c->b, v.e.reason);
		sbuf_adds(&c->b, "</dd>");
	}
	sbuf_adds(&c->b, "<dt>Why</dt><dd id=\"why\">");
	ui_esc(&c->b, w.text);
	sbuf_addf(&c->b, " <span class=\"muted\">(%s)</span></dd></dl>", why_reason_key(w.kind));

	if (v.e.state == ENR_ACTIVE || v.e.state == ENR_PAUSED) {
		sbuf_adds(&c->b, "<h2>Change</h2><div class=\"actions\">");
		if (v.e.state == ENR_ACTIVE)
			action_form(c, "pause", "Pause", 0, 0);
		else
			action_form(c, "resume", "Resume", 0, 0);
		action_form(c, "unenroll", "Unenroll", 1, 1);
		sbuf_adds(&c->b, "</div>");
	}

	sbuf_adds(&c->b, "<h2>Timeline</h2><div class=\"scroll\"><table id=\"timeline\"><thead><tr>"
		  "<th scope=\"col\">When</th><th scope=\"col\">Event</th><th scope=\"col\">By</th>"
		  "<th scope=\"col\">Detail</th></tr></thead><tbody>");
	for (i = 0; i < nev; i++) {
		sbuf_adds(&c->b, "<tr><td>");
		ui_time(&c->b, ev[i].at);
		sbuf_adds(&c->b, "</td><td>");
		ui_esc(&c->b, ev[i].type);
		sbuf_adds(&c->b, "</td><td>");
		ui_esc(&c->b, ev[i].actor);
		sbuf_adds(&c->b, "</td><td>");
		ui_esc(&c->b, ev[i].detail);
		sbuf_adds(&c->b, "</td></tr>");
	}
	sbuf_adds(&c->b, "</tbody></table></div>");
	sbuf_addf(&c->b, "<p class=\"muted\">As JSON: <a href=\"/ui/enr/%s?format=json\">this "
		  "enrollment</a> (the API's <code>GET /v1/enrollments/%s</code>, "
		  "<code>/why</code> and <code>GET /v1/events?enrollmentId=%s</code>).</p>",
		  c->seg, c->seg, c->seg);
	ui_page_end(&c->b);
	ui_send_page(c, 200);
out:
	store_events_free(ev, nev);
	contact_free(&k);
	view_free(&v);
}

void ui_post_enrollment(struct ui_call *c)
{
	const char *action = ui_form(c, "action"), *reason = ui_form(c, "reason");
	struct enrollment_view v;
	struct api_response r;
	json_t *o;
	char *path, *body;

	if (action == NULL || (strcmp(action, "pause") != 0 && strcmp(action, "resume") != 0
			       && strcmp(action, "unenroll") != 0)) {
		ui_error(c, 400, "action: pause, resume or unenroll");
		return;
	}
	if (load(c, &v) < 0)   /* a rep's 403 before anything */
		return;
	view_free(&v);
	o = json_object();
	if (reason && *reason && strcmp(action, "resume") != 0)
		json_object_set_new(o, "reason", json_string(reason));
	body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	path = xasprintf("/v1/enrollments/%s/%s", c->seg, action);
	ui_api(c, "POST", path, NULL, strcmp(action, "resume") == 0 ? NULL : body, &r);
	free(path);
	free(body);
	if (r.status == 200) {
		ui_redirect(c, "/ui/enr/%s?done=%s", c->seg, action);
	} else {
		json_t *j = json_loads(r.body, 0, NULL);
		const char *msg = j ? json_string_value(json_object_get(j, "message")) : NULL;
		ui_error(c, r.status, "%s", msg ? msg : "The enrollment could not be changed.");
		json_decref(j);
	}
	api_response_free(&r);
}
