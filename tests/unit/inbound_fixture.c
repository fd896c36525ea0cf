/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * inbound_fixture.c - the shared fixture of the inbound suites (see
 * inbound_fixture.h).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inbound_fixture.h"
#include "policy_fixture.h"
#include "store_holiday.h"
#include "store_ledger.h"
#include "token.h"

int ifx_setup(void **state)
{
	struct ifx *f = calloc(1, sizeof(*f));
	static const char key[] = "inbound-test-secret-0123456789abcdef0123456789";
	struct cad_err err;
	struct holiday_list hl;

	if (sfx_init(&f->s, "inbound") < 0)
		return -1;
	f->st = f->s.st;
	if (secret_set(&f->secret, key, sizeof(key) - 1, &err) != 0)
		return -1;
	inbound_config_init(&f->cfg);
	f->cfg.addrs.domain = IFX_DOMAIN;
	pfx_scheduling_services(&f->cfg);
	assert_int_equal(cad_time_parse("2026-11-23T10:00:00Z", &f->now), 0);   /* a Monday */
	f->rep = ifx_rep(f, "rep@us.test");
	holiday_list_init(&hl);
	holiday_list_add(&hl, "de", "2026-12-24", "Heiligabend");
	holiday_list_add(&hl, "de", "2026-12-25", "1. Weihnachtstag");
	holiday_list_add(&hl, "de", "2026-12-26", "2. Weihnachtstag");
	if (store_holidays_replace(f->st, "de", &hl, "cli:test", f->now, &err) != 0)
		return -1;
	holiday_list_free(&hl);
	f->cold = ifx_seq(f, "Cold", SEQ_SCOPE_CONTACT, SEQ_OOO_PAUSE, STEP_EMAIL);
	f->company = ifx_seq(f, "Company", SEQ_SCOPE_COMPANY, SEQ_OOO_PAUSE, STEP_EMAIL);
	f->nooo = ifx_seq(f, "NoOOO", SEQ_SCOPE_CONTACT, SEQ_OOO_IGNORE, STEP_EMAIL);
	f->manual = ifx_seq(f, "Manual", SEQ_SCOPE_CONTACT, SEQ_OOO_PAUSE, STEP_MANUAL_EMAIL);
	*state = f;
	return 0;
}

int ifx_teardown(void **state)
{
	struct ifx *f = *state;
	sfx_fini(&f->s);
	secret_free(&f->secret);
	free(f);
	return 0;
}

void ifx_sent_free(struct ifx_sent *s)
{
	free(s->msgid);
}

int64_t ifx_seq(struct ifx *f, const char *name, enum seq_scope scope, enum seq_ooo ooo,
		enum step_kind first)
{
	struct sequence q;
	struct step steps[2];
	struct cad_err err;
	memset(steps, 0, sizeof(steps));
	steps[0].kind = first;
	steps[0].wait = 1;
	steps[0].subject = (char *)"Quick question";
	steps[0].body = (char *)"Hi {{contact.firstname}}";
	steps[1].kind = STEP_EMAIL;
	steps[1].delay_days = 2;
	steps[1].subject = (char *)"Following up";
	steps[1].body = (char *)"Any thoughts?";
	memset(&q, 0, sizeof(q));
	q.name = (char *)name;
	q.active = 1;
	q.days = SEQ_DAYS_BUSINESS;
	q.window_start = 8 * 60;
	q.window_end = 17 * 60;
	q.tz = (char *)"Europe/Berlin";
	q.holidays = (char *)"de";
	q.scope = scope;
	q.ooo = ooo;
	q.unenroll_on_reply = 1;
	q.unenroll_on_meeting = 1;
	q.steps = steps;
	q.nsteps = 2;
	assert_int_equal(store_sequence_import(f->st, &q, "cli:test", f->now, &err), 0);
	return q.id;
}

int64_t ifx_contact(struct ifx *f, const char *email)
{
	return ifx_contact_co(f, email, NULL);
}

int64_t ifx_contact_co(struct ifx *f, const char *email, const char *company)
{
	return sfx_contact_at(f->st, email, NULL, company, f->now);
}

int64_t ifx_enroll(struct ifx *f, const char *email, int64_t seq)
{
	return ifx_enroll_as(f, email, seq, f->rep);
}

int64_t ifx_enroll_as(struct ifx *f, const char *email, int64_t seq, int64_t rep)
{
	struct enrollment e;
	struct cad_err err;
	int64_t id;
	memset(&e, 0, sizeof(e));
	e.contact_id = ifx_contact(f, email);
	e.sequence_id = seq;
	e.user_id = rep;
	e.state = ENR_ACTIVE;
	e.step = 1;
	e.next_due = f->now - 3 * 86400;
	assert_int_equal(store_enrollment_insert(f->st, &e, "cli:test", f->now - 4 * 86400, &err),
			 0);
	id = e.id;
	enrollment_free(&e);
	return id;
}

int64_t ifx_rep(struct ifx *f, const char *email)
{
	struct user u;
	struct cad_err err;
	memset(&u, 0, sizeof(u));
	u.email = (char *)email;
	u.tz = (char *)"Europe/Berlin";
	u.active = 1;
	u.send_cap_24h = 500;
	u.enroll_cap_day = 80;
	assert_int_equal(store_user_add(f->st, &u, "cli:test", f->now, &err), 0);
	return u.id;
}

/* Step 1 of enrollment enr as cadenced sends it: prepared, then sent. */
struct ifx_sent ifx_send_step(struct ifx *f, int64_t enr)
{
	unsigned char nonce[TOKEN_NONCE_BYTES];
	char utok[TOKEN_BUFSZ], vtok[TOKEN_BUFSZ];
	struct sent_msg m;
	struct ifx_sent s;
	struct cad_err err;
	int existing;
	char *a;

	memset(&s, 0, sizeof(s));
	assert_int_equal(token_nonce_random(nonce, &err), 0);
	s.msgid = msgid_make(&f->secret, nonce, IFX_DOMAIN);
	assert_non_null(s.msgid);
	assert_int_equal(token_make(TOKEN_UNSUB, &f->secret, nonce, utok), 0);
	assert_int_equal(token_make(TOKEN_VERP, &f->secret, nonce, vtok), 0);
	a = token_address("bounces", vtok, IFX_DOMAIN);
	snprintf(s.verp, sizeof(s.verp), "%s", a);
	free(a);
	a = token_address("unsubscribe", utok, IFX_DOMAIN);
	snprintf(s.unsub, sizeof(s.unsub), "%s", a);
	free(a);
	memset(&m, 0, sizeof(m));
	m.enrollment_id = enr;
	m.step = 1;
	m.message_id = xstrdup(s.msgid);
	m.token = xstrdup(utok);
	m.subject = xstrdup("Quick question");
	assert_int_equal(store_msg_prepare(f->st, &m, f->now - 3 * 86400, &existing, &err), 0);
	assert_int_equal(store_msg_sent(f->st, m.id, "250 2.0.0 Ok: queued", "4AbCdE",
					f->now + 86400, "cadenced", f->now - 3 * 86400, &err), 0);
	sent_msg_free(&m);
	return s;
}

struct enrollment ifx_enr(struct ifx *f, int64_t id)
{
	struct enrollment e;
	struct cad_err err;
	assert_int_equal(store_enrollment_get(f->st, id, &e, &err), 0);
	return e;
}

enum enr_state ifx_state(struct ifx *f, int64_t id)
{
	struct enrollment e = ifx_enr(f, id);
	enum enr_state s = e.state;
	enrollment_free(&e);
	return s;
}

size_t ifx_events(struct ifx *f, int64_t enr, const char *type)
{
	return sfx_count_events(&f->s, type, enr);
}

/* 1 when address is suppressed with that kind. */
int ifx_suppressed(struct ifx *f, const char *addr, enum supp_kind kind)
{
	struct suppression m;
	struct cad_err err;
	int rc;
	memset(&m, 0, sizeof(m));
	rc = store_suppressed(f->st, addr, &m, &err);
	assert_true(rc >= 0);
	rc = rc == 1 && m.kind == kind;
	suppression_free(&m);
	return rc;
}

/* Classifies raw and hands it to inbound_handle() as the milter would. */
int ifx_handle(struct ifx *f, const char *raw, const char *rcpt, enum inbound_auth auth,
	       enum classify_class want, struct inbound_result *res)
{
	struct verdict *v = classify_message(raw, strlen(raw));
	struct inbound_msg m;
	struct cad_err err;
	const char *rcpts[1];
	int rc;

	if (v->cls != want)
		fprintf(stderr, "verdict: %s\n", classify_json_line(v));
	assert_int_equal(v->cls, want);
	memset(&m, 0, sizeof(m));
	rcpts[0] = rcpt;
	m.v = v;
	m.env_from = v->from ? v->from : "";
	m.rcpts = rcpts;
	m.nrcpts = 1;
	m.auth = auth;
	m.auth_detail = auth == INB_AUTH_PASS ? "spf=pass" : "spf=fail";
	m.now = f->now;
	rc = inbound_handle(f->st, &f->secret, &m, &f->cfg, res, &err);
	if (rc != 0)
		fprintf(stderr, "inbound_handle: %s\n", err.msg);
	assert_non_null(res->summary);
	if (getenv("INBOUND_TEST_VERBOSE"))
		fprintf(stderr, "  %s\n", res->summary);
	classify_verdict_free(v);
	return rc;
}

char *ifx_reply_msg(const char *from, const char *irt, const char *msgid, const char *subject)
{
	struct sbuf b;
	sbuf_init(&b);
	sbuf_addf(&b, "From: Someone <%s>\nTo: Rep <rep@us.test>\nSubject: %s\n"
		  "Date: Mon, 23 Nov 2026 10:59:00 +0100\nMessage-ID: <%s>\n", from, subject, msgid);
	if (irt)
		sbuf_addf(&b, "In-Reply-To: <%s>\nReferences: <%s>\n", irt, irt);
	sbuf_adds(&b, "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n\n"
		  "Thanks for reaching out - yes, let's talk next week.\n\nBest,\nAnn\n\n"
		  "> Hi Ann, would you have 15 minutes for a quick question?\n");
	return sbuf_detach(&b);
}

char *ifx_dsn_msg(const char *to, const char *rcpt, const char *status, const char *diag,
		  const char *orig_id, const char *dsn_id)
{
	struct sbuf b;
	sbuf_init(&b);
	sbuf_addf(&b,
		  "From: MAILER-DAEMON@mx.acme.test (Mail Delivery System)\n"
		  "To: %s\nSubject: Undelivered Mail Returned to Sender\n"
		  "Date: Mon, 23 Nov 2026 10:01:00 +0100 (CET)\nMessage-ID: <%s>\n"
		  "Auto-Submitted: auto-replied\nMIME-Version: 1.0\n"
		  "Content-Type: multipart/report; report-type=delivery-status;\n"
		  "\tboundary=\"BOUNDARY.1\"\n\n"
		  "This is a MIME-encapsulated message.\n\n--BOUNDARY.1\n"
		  "Content-Description: Notification\nContent-Type: text/plain; charset=us-ascii\n\n"
		  "This is the mail system at host mx.acme.test.\n\n"
		  "I'm sorry to have to inform you that your message could not\n"
		  "be delivered to one or more recipients. It's attached below.\n\n"
		  "<%s>: host mx.acme.test[192.0.2.25] said: %s\n\n"
		  "--BOUNDARY.1\nContent-Description: Delivery report\n"
		  "Content-Type: message/delivery-status\n\n"
		  "Reporting-MTA: dns; mx.acme.test\nArrival-Date: Mon, 23 Nov 2026 10:00:58 +0100\n\n"
		  "Final-Recipient: rfc822; %s\nOriginal-Recipient: rfc822;%s\nAction: failed\n"
		  "Status: %s\nRemote-MTA: dns; mx.acme.test\nDiagnostic-Code: smtp; %s\n\n"
		  "--BOUNDARY.1\nContent-Description: Undelivered Message Headers\n"
		  "Content-Type: text/rfc822-headers\n\n"
		  "From: Rep <rep@us.test>\nTo: %s\nSubject: Quick question\nMessage-ID: <%s>\n"
		  "Date: Mon, 23 Nov 2026 10:00:57 +0100\n\n--BOUNDARY.1--\n",
		  to, dsn_id, rcpt, diag, rcpt, rcpt, status, diag, rcpt, orig_id);
	return sbuf_detach(&b);
}

char *ifx_slurp(const char *path, size_t *len)
{
	struct cad_err err;
	char *out;
	if (cad_read_file(path, (size_t)64 << 20, 0, &out, len, &err) != 0)
		return NULL;
	return out;
}
