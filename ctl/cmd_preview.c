/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_preview.c - "cadencectl sequence preview NAME --contact ADDRESS
 * [--step N] [--as REP]": the message cadenced would send for that step to
 * that contact, rendered and composed as the pass does it (tmpl_render,
 * then compose_message with the rep's From and zone, the thread of an
 * earlier step already sent, List-Unsubscribe and {{unsubscribe_url}}),
 * without enrolling or recording anything (the store is opened read-only).
 *
 * The Message-ID and unsubscribe token are made with the site secret from
 * a fresh nonce, as for a real message, but nothing records them: the
 * preview's link unsubscribes no one. Without a secret file a throwaway
 * key is used (a warning says so). A task step shows the rep's rendered
 * task instead. The rep is --as, else the one who enrolled the contact in
 * that sequence; the step is --step, else the contact's next step there,
 * else 1.
 *
 * --send-to ADDRESS sends that message as a test copy to ADDRESS through
 * SubmitURL, the path cadenced submits on: the same headers and body,
 * except that To is ADDRESS, Subject starts with "[test] ", an
 * X-Cadence-Test header says whose step it is, there is no In-Reply-To or
 * References (a reply to the copy must never read as the contact's), the
 * envelope sender is the rep (a bounce goes to the rep) and the Message-ID
 * is a test copy's (msgid_make_test): cadence-milter signs it as it signs
 * the sequence's mail but it meets no gate. It enrolls no one and writes
 * no ledger row, so it counts neither against the contact nor against the
 * rep's rolling 24-hour cap (a copy to oneself does not spend a mailbox's
 * reputation); it records one "test_sent" event. Refused when ADDRESS is
 * suppressed, is one of cadence's own addresses, or the step is a task.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "cal.h"
#include "compose.h"
#include "ctl.h"
#include "enroll.h"
#include "token.h"
#include "out.h"
#include "secret.h"
#include "store_ledger.h"
#include "submit.h"
#include "tmpl.h"

#define TEST_SUBJECT_MARK "[test] "
#define TEST_HEADER "X-Cadence-Test"

struct preview {
	struct sequence seq;
	struct contact ct;
	struct user rep;
	struct enrollment_view *enr;    /* the contact's latest in seq, or NULL */
	struct enrollment_view *ev;
	size_t nev;
	struct cad_secret secret;
	int step;
	const char *send_to;            /* --send-to: a test copy to this address */
};

static void preview_free(struct preview *p)
{
	sequence_free(&p->seq);
	contact_free(&p->ct);
	user_free(&p->rep);
	store_enrollment_views_free(p->ev, p->nev);
	secret_free(&p->secret);
}

static int load_sequence(struct ctl *c, const char *name, struct sequence *s)
{
	struct cad_err err;
	int r = store_sequence_get(c->st, name, s, &err);

	if (r == STORE_NOTFOUND)
		r = enroll_sequence_by_slug(c->st, name, s, &err);
	if (r == STORE_NOTFOUND)
		return ctl_fail(c, "%s: no such sequence", name);
	if (r != 0)
		return ctl_fail(c, "%s: %s", name, err.msg);
	return 0;
}

/* The contact's latest enrollment in the sequence (for its rep, next step
 * and earlier messages). */
static int load_enrollment(struct ctl *c, struct preview *p)
{
	struct enr_filter f;
	struct cad_err err;
	size_t i;

	memset(&f, 0, sizeof(f));
	f.contact = p->ct.email;
	f.state = -1;
	if (store_enrollments(c->st, &f, &p->ev, &p->nev, &err) != 0)
		return ctl_fail(c, "%s", err.msg);
	for (i = 0; i < p->nev; i++)
		if (p->ev[i].e.sequence_id == p->seq.id &&
		    (p->enr == NULL || p->ev[i].e.id > p->enr->e.id))
			p->enr = &p->ev[i];
	return 0;
}

static int load_rep(struct ctl *c, struct preview *p, const char *as)
{
	struct cad_err err;
	int r;

	if (as != NULL)
		r = store_user_get(c->st, as, &p->rep, &err);
	else if (p->enr != NULL)
		r = store_user_get_id(c->st, p->enr->e.user_id, &p->rep, &err);
	else
		return ctl_fail(c, "%s is not enrolled in this sequence: say which rep sends "
				"with --as REP", p->ct.email);
	if (r == STORE_NOTFOUND)
		return ctl_fail(c, "%s: no such rep", as ? as : "the enrolling rep");
	if (r != 0)
		return ctl_fail(c, "%s", err.msg);
	return 0;
}

static int load_secret(struct ctl *c, struct cad_secret *s, const char *send_to)
{
	struct cad_err err;
	unsigned char key[SECRET_GEN_BYTES];

	if (c->conf.secret_file && secret_load(c->conf.secret_file, s, &err) == 0)
		return 0;
	if (send_to != NULL)   /* the milter signs only what the site secret made */
		return ctl_fail(c, "--send-to needs the site secret: %s",
				c->conf.secret_file ? err.msg : "no SecretFile");
	fprintf(stderr, "cadencectl: %s: warning: %s; the preview uses a throwaway key\n",
		c->cmd, c->conf.secret_file ? err.msg : "no SecretFile");
	if (RAND_bytes(key, sizeof(key)) != 1 || secret_set(s, key, sizeof(key), &err) != 0)
		return ctl_fail(c, "no random bytes for a throwaway key");
	return 0;
}

static char *display_name(const struct contact *k)
{
	if (k->firstname && k->lastname)
		return xasprintf("%s %s", k->firstname, k->lastname);
	return xstrdup(k->firstname);
}

/* The email step: render, thread, compose into out. */
static int compose_step(struct ctl *c, struct preview *p, const struct step *st, struct sbuf *out)
{
	unsigned char nonce[TOKEN_NONCE_BYTES];
	char tok[TOKEN_BUFSZ];
	struct tmpl_ctx ctx = { &p->ct, &p->rep, NULL };
	struct sbuf subj, body;
	struct compose_in in;
	struct sent_msg parent;
	struct cad_err err;
	const struct cal_zone *z;
	const char *refs[1];
	char *mid = NULL, *mailto = NULL, *url = NULL, *mailto_uri = NULL, *subject = NULL;
	char *to_name = NULL, *test_value = NULL;
	struct compose_header test_hdr;
	int rc = -1;

	sbuf_init(&subj);
	sbuf_init(&body);
	memset(&parent, 0, sizeof(parent));
	if (token_nonce_random(nonce, &err) < 0) {
		ctl_fail(c, "%s", err.msg);
		goto out;
	}
	mid = p->send_to ? msgid_make_test(&p->secret, nonce, c->conf.domain)
			 : msgid_make(&p->secret, nonce, c->conf.domain);
	token_make(TOKEN_UNSUB, &p->secret, nonce, tok);
	mailto = token_address(c->conf.unsubscribe_prefix, tok, c->conf.domain);
	if (c->conf.public_url && *c->conf.public_url)
		url = token_unsub_url(c->conf.public_url, tok);
	mailto_uri = xasprintf("mailto:%s", mailto);
	ctx.unsubscribe_url = url ? url : mailto_uri;
	if (tmpl_render_flags(st->subject ? st->subject : "", &ctx, TMPL_ONE_LINE, &subj, &err) < 0
	    || tmpl_render(st->body ? st->body : "", &ctx, &body, &err) < 0) {
		ctl_fail(c, "step %d: %s", st->index, err.msg);
		goto out;
	}
	subject = xstrdup(subj.s);
	/* Threading as the pass does it: only to a message already sent. */
	if (st->thread_step > 0 && st->thread_step < st->index && p->enr != NULL &&
	    store_msg_for_step(c->st, p->enr->e.id, st->thread_step, &parent, &err) == 0 &&
	    parent.message_id != NULL && parent.state != MSG_FAILED &&
	    parent.state != MSG_REJECTED && parent.subject != NULL) {
		free(subject);
		subject = compose_reply_subject(parent.subject);
	} else {
		sent_msg_free(&parent);
		memset(&parent, 0, sizeof(parent));
	}
	if (p->send_to != NULL) {
		char *marked = xasprintf("%s%s", TEST_SUBJECT_MARK, subject);
		free(subject);
		subject = marked;
		test_hdr.name = TEST_HEADER;
		test_hdr.value = test_value = xasprintf("step %d of \"%s\" as %s would send it to %s",
							 st->index, p->seq.name, p->rep.email,
							 p->ct.email);
		sent_msg_free(&parent);   /* no thread: a reply is never the contact's */
		memset(&parent, 0, sizeof(parent));
	}
	z = cal_zone_get(p->rep.tz && *p->rep.tz ? p->rep.tz : "UTC", &err);
	to_name = p->send_to ? NULL : display_name(&p->ct);
	memset(&in, 0, sizeof(in));
	in.from_name = p->rep.name;
	in.from_addr = p->rep.email;
	in.to_name = to_name;
	in.to_addr = p->send_to ? p->send_to : p->ct.email;
	in.subject = subject;
	in.body = body.s;
	in.date = c->now;
	in.tz_offset_minutes = z ? cal_utc_offset(z, c->now) / 60 : 0;
	in.message_id = mid;
	if (parent.message_id) {
		in.in_reply_to = parent.message_id;
		refs[0] = parent.message_id;
		in.references = refs;
		in.nreferences = 1;
	}
	in.unsub_mailto = mailto;
	in.unsub_url = url;
	if (p->send_to != NULL) {
		in.extra = &test_hdr;
		in.nextra = 1;
	}
	if (compose_message(&in, out, &err) < 0) {
		ctl_fail(c, "step %d: cannot compose: %s", st->index, err.msg);
		goto out;
	}
	rc = 0;
out:
	sbuf_free(&subj);
	sbuf_free(&body);
	sent_msg_free(&parent);
	free(mid);
	free(mailto);
	free(url);
	free(mailto_uri);
	free(subject);
	free(to_name);
	free(test_value);
	return rc;
}

/* A task step: the rep's task as cadenced would write it. */
static int render_task(struct ctl *c, struct preview *p, const struct step *st, struct sbuf *out)
{
	struct tmpl_ctx ctx = { &p->ct, &p->rep, NULL };
	struct sbuf b;
	struct cad_err err;

	sbuf_init(&b);
	sbuf_addf(out, "Step %d is a task for %s (%s), not an email.\n", st->index, p->rep.email,
		  step_kind_name(st->kind));
	if (st->subject && tmpl_render_flags(st->subject, &ctx, TMPL_ONE_LINE, &b, &err) == 0)
		sbuf_addf(out, "Subject: %s\n", b.s);
	if (st->body) {
		if (tmpl_render(st->body, &ctx, &b, &err) < 0) {
			sbuf_free(&b);
			return ctl_fail(c, "step %d: %s", st->index, err.msg);
		}
		sbuf_addf(out, "Note:\n%s\n", b.s);
	}
	sbuf_free(&b);
	return 0;
}

static int choose_step(struct ctl *c, struct preview *p, long step)
{
	if (step == 0)
		step = p->enr != NULL && p->enr->e.step >= 1 &&
		       (size_t)p->enr->e.step <= p->seq.nsteps ? p->enr->e.step : 1;
	if (step < 1 || (size_t)step > p->seq.nsteps)
		return ctl_fail(c, "--step %ld: the sequence has %zu step%s", step, p->seq.nsteps,
				p->seq.nsteps == 1 ? "" : "s");
	p->step = (int)step;
	return 0;
}

static void print_message(struct ctl *c, const struct preview *p, const struct step *st,
			  const struct sbuf *msg)
{
	json_t *o;
	size_t i;

	if (!c->json) {
		/* For a terminal: LF line ends; every other byte as composed. */
		for (i = 0; i < msg->len; i++)
			if (!(msg->s[i] == '\r' && i + 1 < msg->len && msg->s[i + 1] == '\n'))
				fputc(msg->s[i], stdout);
		return;
	}
	o = json_object();
	out_set(o, "sequence", out_str(p->seq.name));
	out_set(o, "step", json_integer(st->index));
	out_set(o, "kind", json_string(step_kind_name(st->kind)));
	out_set(o, "contact", out_str(p->ct.email));
	out_set(o, "user", out_str(p->rep.email));
	out_set(o, "message", json_stringn(msg->s, msg->len));
	out_result(c, o, "%s", "");
}

/* --send-to: may a test copy go there? Not to a suppressed address, not
 * to cadence's own domain, not for a task step. */
static int check_send_to(struct ctl *c, const struct preview *p)
{
	struct suppression m;
	struct cad_err err;
	const char *dom = cad_addr_domain(p->send_to);
	int r;

	if (p->seq.steps[p->step - 1].kind != STEP_EMAIL)
		return ctl_fail(c, "--send-to: step %d is a task (%s), not an email", p->step,
				step_kind_name(p->seq.steps[p->step - 1].kind));
	if (dom != NULL && cad_strcaseeq(dom, c->conf.domain))
		return ctl_fail(c, "--send-to %s: that is one of cadence's own addresses",
				p->send_to);
	memset(&m, 0, sizeof(m));
	r = store_suppressed(c->st, p->send_to, &m, &err);
	if (r < 0)
		return ctl_fail(c, "%s", err.msg);
	if (r == 1) {
		ctl_fail(c, "--send-to %s is suppressed: %s entry %s (%s); nothing sent",
			 p->send_to, m.is_domain ? "domain" : "address", m.pattern,
			 supp_kind_name(m.kind));
		suppression_free(&m);
		return -1;
	}
	return 0;
}

/* Submits the test copy as cadenced submits (SubmitURL), from the rep,
 * and records the "test_sent" event; nothing else is written. */
static int send_test(struct ctl *c, const struct preview *p, const struct sbuf *msg)
{
	struct submit_result res;
	struct cad_err err;
	struct event ev;
	char *detail;
	json_t *o;
	int rc = -1;

	if (c->conf.submit_url == NULL || *c->conf.submit_url == '\0')
		return ctl_fail(c, "--send-to: the configuration has no SubmitURL");
	if (submit_global_init(&err) != 0)
		return ctl_fail(c, "%s", err.msg);
	memset(&res, 0, sizeof(res));
	submit_message(c->conf.submit_url, p->rep.email, p->send_to, msg->s, msg->len, NULL, &res);
	if (res.status != SUBMIT_ACCEPTED) {
		ctl_fail(c, "--send-to %s: the test copy was not taken (%s): %s", p->send_to,
			 submit_status_name(res.status), res.reply ? res.reply : "no reply");
		submit_result_free(&res);
		return -1;
	}
	detail = xasprintf("step %d to %s (a test copy, queue id %s)", p->step, p->send_to,
			   res.queue_id ? res.queue_id : "unknown");
	memset(&ev, 0, sizeof(ev));
	ev.at = c->now;
	ev.type = (char *)EV_TEST_SENT;
	ev.contact_id = p->ct.id;
	ev.sequence_id = p->seq.id;
	ev.user_id = p->rep.id;
	ev.actor = c->actor;
	ev.detail = detail;
	if (store_event_add(c->st, &ev, &err) < 0) {
		ctl_fail(c, "the test copy was sent, but recording it failed: %s", err.msg);
	} else {
		o = json_object();
		out_set(o, "sequence", out_str(p->seq.name));
		out_set(o, "step", json_integer(p->step));
		out_set(o, "contact", out_str(p->ct.email));
		out_set(o, "user", out_str(p->rep.email));
		out_set(o, "sentTo", out_str(p->send_to));
		out_set(o, "queueId", out_str(res.queue_id));
		out_set(o, "reply", out_str(res.reply));
		out_result(c, o, "sent a test copy of step %d of \"%s\" for %s to %s (queue id %s)",
			   p->step, p->seq.name, p->ct.email, p->send_to,
			   res.queue_id ? res.queue_id : "unknown");
		rc = 0;
	}
	free(detail);
	submit_result_free(&res);
	return rc;
}

int ctl_preview(struct ctl *c, int argc, char **argv, const char *usage)
{
	static const struct option longopts[] = {
		{ "contact", required_argument, NULL, 'C' },
		{ "step", required_argument, NULL, 'n' },
		{ "as", required_argument, NULL, 'a' },
		{ "send-to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct preview p;
	struct sbuf msg;
	struct cad_err err;
	char *contact = NULL, *as = NULL, *send_to = NULL;
	long step = 0;
	int ch, rc = CTL_FAIL, r;

	memset(&p, 0, sizeof(p));
	sbuf_init(&msg);
	while ((ch = ctl_getopt(c, argc, argv, "", longopts)) != -1) {
		switch (ch) {
		case 'h': rc = ctl_help(usage); goto out;
		case 'C':
			free(contact);
			if (ctl_parse_addr(c, "--contact", optarg, &contact) != 0)
				goto out;
			break;
		case 'n': if (ctl_parse_int(c, "--step", optarg, 1, 50, &step) != 0) goto out; break;
		case 'a':
			free(as);
			if (ctl_parse_addr(c, "--as", optarg, &as) != 0)
				goto out;
			break;
		case 't':
			free(send_to);
			if (ctl_parse_addr(c, "--send-to", optarg, &send_to) != 0)
				goto out;
			break;
		default: rc = CTL_USAGE; goto out;
		}
	}
	p.send_to = send_to;
	if (c->npos != 1 || contact == NULL) {
		rc = ctl_usage_error(c, usage, c->npos != 1 ? "needs exactly one NAME"
							    : "needs --contact ADDRESS");
		goto out;
	}
	/* a test copy records its event: the store is written then */
	if (ctl_conf(c) != 0 || ctl_store(c, send_to ? 0 : STORE_READONLY) != 0 ||
	    load_sequence(c, c->pos[0], &p.seq) != 0)
		goto out;
	if (c->conf.domain == NULL || *c->conf.domain == '\0') {
		ctl_fail(c, "the configuration has no Domain (cadence's own addresses)");
		goto out;
	}
	r = store_contact_get(c->st, contact, &p.ct, &err);
	if (r != 0) {
		ctl_fail(c, "%s: %s", contact, r == STORE_NOTFOUND ? "no such contact" : err.msg);
		goto out;
	}
	if (load_enrollment(c, &p) != 0 || load_rep(c, &p, as) != 0 || choose_step(c, &p, step) != 0
	    || load_secret(c, &p.secret, send_to) != 0
	    || (send_to != NULL && check_send_to(c, &p) != 0))
		goto out;
	if (p.seq.steps[p.step - 1].kind == STEP_EMAIL)
		r = compose_step(c, &p, &p.seq.steps[p.step - 1], &msg);
	else
		r = render_task(c, &p, &p.seq.steps[p.step - 1], &msg);
	if (r != 0)
		goto out;
	if (send_to != NULL) {
		if (send_test(c, &p, &msg) != 0)
			goto out;
	} else {
		print_message(c, &p, &p.seq.steps[p.step - 1], &msg);
	}
	rc = CTL_OK;
out:
	sbuf_free(&msg);
	preview_free(&p);
	free(contact);
	free(as);
	free(send_to);
	return rc;
}
