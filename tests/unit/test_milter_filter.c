/* SPDX-License-Identifier: BSD-2-Clause */
/* test_milter_filter.c - cadence-milter's callbacks (filter.c) driven in
 * process through the replay (replay.h, mapi.h), no socket, no MTA: what
 * is negotiated; a person's inbound mail is released at the end of
 * headers untouched; a rep's mail is signed (index 1, bare LF folding),
 * also by an MTA that does not negotiate; sequence mail this site never
 * recorded is refused with 550 5.7.1, a recorded one witnessed and
 * signed, and refused the second time; enroll by address removes the
 * enroll recipient, rewrites the To that named it and enrolls the
 * contact; a message not submitted as the rep enrolls nobody. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "milter_fixture.h"
#include "token.h"
#include "replay.h"
#include "store.h"
#include "store_ledger.h"

static const char PERSON[] =
	"From: Stranger <someone@elsewhere.example>\n"
	"To: Ada Rep <ada@example.com>\n"
	"Subject: hello\n"
	"Message-ID: <p1@elsewhere.example>\n"
	"\n"
	"Hello Ada.\n";

static int setup(void **state)
{
	struct mfx *f = mfx_open("milter-filter", NULL);
	*state = f;
	return f != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	mfx_close(*state);
	return 0;
}

static void env_init(struct replay_env *e, const char *from, const char *const *rcpts, size_t n,
		     const char *client)
{
	memset(e, 0, sizeof(*e));
	e->mail_from = from;
	e->rcpts = rcpts;
	e->nrcpts = n;
	e->client_addr = client;
	e->queue_id = "Q1";
}

static void run(const struct replay_env *e, const char *msg, struct replay_result *r)
{
	struct cad_err err = { "" };
	assert_int_equal(replay_run(&filter_desc, e, msg, strlen(msg), r, &err), 0);
}

static void test_negotiate(void **state)
{
	const char *rcpts[] = { "ada@example.com" };
	struct replay_env e;
	struct replay_result r;
	(void)state;
	env_init(&e, "someone@elsewhere.example", rcpts, 1, "203.0.113.5");
	run(&e, PERSON, &r);
	assert_true(r.negotiated);
	/* actions: add a header, remove a recipient, change a header; no body */
	assert_int_equal(r.actions_flags & (SMFIF_ADDHDRS | SMFIF_DELRCPT | SMFIF_CHGHDRS),
			 SMFIF_ADDHDRS | SMFIF_DELRCPT | SMFIF_CHGHDRS);
	assert_int_equal(r.actions_flags & SMFIF_CHGBODY, 0);
	/* steps away, no replies where nothing is decided */
	assert_true(r.proto_flags & SMFIP_NOCONNECT);
	assert_true(r.proto_flags & SMFIP_NR_HDR);
	assert_true(r.proto_flags & SMFIP_NR_MAIL);
	assert_true(r.proto_flags & SMFIP_SKIP);
	assert_true(r.proto_flags & SMFIP_HDR_LEADSPC);
	assert_true(r.proto_flags & SMFIP_NODATA);     /* a unix socket: no DATA step */
	replay_result_free(&r);

	/* over TCP the DATA step is asked for (filter.h: Nagle on the MTA's
	 * side), and the message is treated the same */
	filter_set_tcp(1);
	run(&e, PERSON, &r);
	filter_set_tcp(0);
	assert_true(r.negotiated);
	assert_false(r.proto_flags & SMFIP_NODATA);
	assert_true(r.proto_flags & SMFIP_NOCONNECT);
	assert_true(r.proto_flags & SMFIP_NR_HDR);
	assert_int_equal(r.answer, SMFIS_ACCEPT);
	assert_string_equal(r.stage, "eoh");
	replay_result_free(&r);
}

static void test_person_inbound(void **state)
{
	const char *rcpts[] = { "ada@example.com" };
	struct replay_env e;
	struct replay_result r;
	(void)state;
	env_init(&e, "someone@elsewhere.example", rcpts, 1, "203.0.113.5");
	run(&e, PERSON, &r);
	assert_int_equal(r.answer, SMFIS_ACCEPT);
	assert_string_equal(r.stage, "eoh");   /* one round trip */
	assert_int_equal(r.nactions, 0);
	assert_null(r.reply);
	replay_result_free(&r);
}

static const char REP[] =
	"From: Ada Rep <ada@example.com>\r\n"
	"To: Contact <bo@acme.example>\r\n"
	"Subject: Quick\r\n question\r\n"
	"Message-ID: <rep-1@example.com>\r\n"
	"\r\n"
	"Hi Bo,\r\nten minutes?\r\n";

static void expect_signed(const struct replay_result *r)
{
	assert_int_equal(r->answer, SMFIS_CONTINUE);
	assert_string_equal(r->stage, "eom");
	assert_int_equal(r->nactions, 1);
	assert_int_equal(r->actions[0].kind, REPLAY_INSHEADER);
	assert_int_equal(r->actions[0].index, 1);
	assert_string_equal(r->actions[0].name, "DKIM-Signature");
	assert_non_null(strstr(r->actions[0].value, "d=example.com; s=rsa1;\n\tt="));
	assert_null(strchr(r->actions[0].value, '\r'));   /* bare LF folding */
}

static void test_rep_signed(void **state)
{
	const char *rcpts[] = { "bo@acme.example" };
	struct replay_env e;
	struct replay_result r;
	(void)state;
	env_init(&e, "ada@example.com", rcpts, 1, "10.1.2.3");
	run(&e, REP, &r);
	expect_signed(&r);
	replay_result_free(&r);
	/* an MTA that negotiates nothing (milter protocol 2) gets the same */
	e.old_mta = 1;
	run(&e, REP, &r);
	assert_false(r.negotiated);
	expect_signed(&r);
	replay_result_free(&r);
	/* control: an outside client is not outbound: nothing signed */
	e.old_mta = 0;
	e.client_addr = "203.0.113.5";
	run(&e, REP, &r);
	assert_int_equal(r.nactions, 0);
	replay_result_free(&r);
}

static char *seq_message(const char *id)
{
	return xasprintf("From: Ada Rep <ada@example.com>\nTo: <cy@acme.example>\n"
			 "Subject: Hello\nMessage-ID: <%s>\n\nHi\n", id);
}

static void test_gate(void **state)
{
	struct mfx *f = *state;
	const char *rcpts[] = { "cy@acme.example" };
	unsigned char nonce[TOKEN_NONCE_BYTES] = { 1, 2, 3 };
	struct cad_err err = { "" };
	struct replay_env e;
	struct replay_result r;
	struct sent_msg sm;
	char tok[TOKEN_BUFSZ];
	char *id = msgid_make(&f->secret, nonce, MFX_DOMAIN), *msg = seq_message(id);
	int64_t enr;
	int existing = 0;

	env_init(&e, "bounces+x@" MFX_DOMAIN, rcpts, 1, "10.1.2.3");
	/* verifies with the site secret, never recorded: forged or another site's */
	run(&e, msg, &r);
	assert_int_equal(r.answer, SMFIS_REJECT);
	assert_string_equal(r.reply, "550 5.7.1 cadence: a sequence message this site never recorded");
	assert_int_equal(r.nactions, 0);
	replay_result_free(&r);
	/* recorded (prepared) for an active enrollment: witnessed and signed */
	enr = sfx_enroll(f->s, sfx_contact(f->s, "cy@acme.example", NULL), f->s->seq, f->s->rep,
			 SFX_T0);
	memset(&sm, 0, sizeof(sm));
	sm.enrollment_id = enr;
	sm.step = 1;
	sm.message_id = id;
	token_make(TOKEN_UNSUB, &f->secret, nonce, tok);
	sm.token = tok;
	sm.subject = (char *)"Hello";
	assert_int_equal(store_msg_prepare(f->s->st, &sm, SFX_T0, &existing, &err), 0);
	e.queue_id = "Q2";
	run(&e, msg, &r);
	expect_signed(&r);
	replay_result_free(&r);
	assert_int_equal(store_msg_get(f->s->st, id, &sm, &err), 0);
	assert_int_equal(sm.state, MSG_WITNESSED);
	assert_string_equal(sm.queue_id, "Q2");
	sent_msg_free(&sm);
	/* the same message again: never twice */
	e.queue_id = "Q3";
	run(&e, msg, &r);
	assert_int_equal(r.answer, SMFIS_REJECT);
	assert_non_null(strstr(r.reply, "already sent as Q2"));
	replay_result_free(&r);
	free(msg);
	free(id);
}

static const char ENROLL[] =
	"From: Ada Rep <ada@example.com>\n"
	"To: Dee Contact <dee@acme.example>,\n <enroll+Cold@" MFX_DOMAIN ">\n"
	"Subject: Met you at the fair\n"
	"Message-ID: <rep-enroll@example.com>\n"
	"\n"
	"Hi Dee.\n";

static void test_enroll(void **state)
{
	struct mfx *f = *state;
	const char *rcpts[] = { "dee@acme.example", "enroll+Cold@" MFX_DOMAIN };
	struct replay_env e;
	struct replay_result r;
	int found_del = 0, found_chg = 0;
	size_t enrolled0 = sfx_count_events(f->s, "enrolled", 0);

	env_init(&e, "ada@example.com", rcpts, 2, "10.1.2.3");
	/* not submitted as the rep (no SMTP AUTH, no EnrollSenders entry):
	 * delivered, enroll address removed, nobody enrolled */
	run(&e, ENROLL, &r);
	assert_int_equal(r.answer, SMFIS_CONTINUE);
	assert_int_equal(sfx_count_events(f->s, "enrolled", 0), enrolled0);
	assert_int_equal(sfx_count_events(f->s, "enroll_refused", 0), 1);
	replay_result_free(&r);
	/* as the rep (SMTP AUTH login = From) */
	e.auth_authen = "ada@example.com";
	run(&e, ENROLL, &r);
	assert_int_equal(r.answer, SMFIS_CONTINUE);
	for (size_t i = 0; i < r.nactions; i++) {
		const struct replay_action *a = &r.actions[i];
		if (a->kind == REPLAY_DELRCPT) {
			assert_string_equal(a->value, "<enroll+Cold@" MFX_DOMAIN ">");
			found_del++;
		} else if (a->kind == REPLAY_CHGHEADER) {
			assert_string_equal(a->name, "To");
			assert_int_equal(a->index, 1);
			assert_null(strstr(a->value, "enroll+"));
			assert_non_null(strstr(a->value, "dee@acme.example"));
			found_chg++;
		}
	}
	assert_int_equal(found_del, 1);
	assert_int_equal(found_chg, 1);
	assert_int_equal(sfx_count_events(f->s, "enrolled", 0), enrolled0 + 1);
	assert_true(sfx_contact_id(f->s, "dee@acme.example") > 0);
	replay_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negotiate),
		cmocka_unit_test(test_person_inbound),
		cmocka_unit_test(test_rep_signed),
		cmocka_unit_test(test_gate),
		cmocka_unit_test(test_enroll),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
