/* SPDX-License-Identifier: BSD-2-Clause */
/* test_milter_act.c - the milter's end-of-message actions (act.c) on a
 * message context built by hand, against a real store (milter_fixture.h):
 * the Message-ID without brackets and bounded; the message as the
 * classifier takes it, with and without the leading space; InternalDomains;
 * act_enroll adapts a message to enroll_by_mail() (the rep's message is
 * step 1 of the enrolled contact; internal and own recipients are no
 * contacts; a submitter that is not the rep enrolls nobody, and the rep is
 * told); act_enroll without a From or without a store changes nothing. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "mconn.h"
#include "mmsg.h"
#include "milter_fixture.h"
#include "store.h"
#include "store_ledger.h"
#include "store_notice.h"

#define NOW (SFX_T0 + 600)

static int setup(void **state)
{
	struct mfx *f = mfx_open("milter-act", NULL);
	*state = f;
	return f != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	mfx_close(*state);
	return 0;
}

static void test_bare_msgid(void **state)
{
	char *s, *big;
	(void)state;
	s = mmsg_bare_msgid(" <a@b.example>\r\n");
	assert_string_equal(s, "a@b.example");
	free(s);
	s = mmsg_bare_msgid("a@b.example");
	assert_string_equal(s, "a@b.example");
	free(s);
	assert_null(mmsg_bare_msgid(NULL));
	assert_null(mmsg_bare_msgid("  "));
	assert_null(mmsg_bare_msgid("<>"));
	big = xmalloc(1200);
	memset(big, 'x', 1199);
	big[1199] = '\0';
	assert_null(mmsg_bare_msgid(big));   /* beyond a line's 998 */
	free(big);
}

/* A message context for the installed configuration. */
static struct mmsg *message(struct mconn *cn, const char *from, const char *const *rcpts,
			       size_t n)
{
	struct mmsg *m = mconn_msg_begin(cn);
	const struct mconf *mc = m->mc;
	mmsg_set_qid(m, "QA");
	m->from_addr = from != NULL ? xstrdup(from) : NULL;
	for (size_t i = 0; i < n; i++) {
		struct inbound_own_addr own;
		mmsg_add_rcpt(m, rcpts[i]);
		if (inbound_own_address(&mc->icfg.addrs, &mc->secret, rcpts[i], &own) != OWN_NONE)
			mmsg_add_own(m, rcpts[i], &own);
	}
	return m;
}

static void test_raw_message(void **state)
{
	struct mconn *cn = mconn_new();
	struct mmsg *m = message(cn, NULL, NULL, 0);
	struct sbuf b;
	(void)state;
	mmsg_add_header(m, "Subject", " Hi");
	mmsg_add_body(m, "body\r\n", 6);
	sbuf_init(&b);
	act_raw_message(m, 1, &b);
	assert_string_equal(b.s, "Subject: Hi\r\n\r\nbody\r\n");
	sbuf_free(&b);
	mconn_msg_end(cn);
	m = message(cn, NULL, NULL, 0);
	mmsg_add_header(m, "Subject", "Hi");
	sbuf_init(&b);
	act_raw_message(m, 0, &b);
	assert_string_equal(b.s, "Subject: Hi\r\n\r\n");
	sbuf_free(&b);
	mconn_msg_end(cn);
	mconn_free(cn);
}

static void test_internal(void **state)
{
	struct mconn *cn = mconn_new();
	struct mmsg *m = message(cn, NULL, NULL, 0);
	(void)state;
	assert_true(act_internal_domain(m->mc, "x@example.com"));
	assert_true(act_internal_domain(m->mc, "x@EXAMPLE.com"));
	assert_false(act_internal_domain(m->mc, "x@acme.example"));
	assert_false(act_internal_domain(m->mc, "no-at-sign"));
	mconn_msg_end(cn);
	mconn_free(cn);
}

static void test_enroll(void **state)
{
	struct mfx *f = *state;
	const char *rcpts[] = { "<eli@acme.example>", "<kim@example.com>",
				"<enroll+Cold@" MFX_DOMAIN ">" };
	struct mconn *cn = mconn_new();
	struct mmsg *m;
	struct cad_err err = { "" };
	struct sent_msg sm;
	struct notice *v = NULL;
	size_t n = 0;

	/* not submitted as the rep: nobody enrolled, the rep told */
	m = message(cn, "ada@example.com", rcpts, 3);
	m->msgid = xstrdup("rep-a1@example.com");
	act_enroll(cn, m, NOW);
	mconn_msg_end(cn);
	assert_int_equal(sfx_count_events(f->s, "enrolled", 0), 0);
	assert_int_equal(sfx_count_events(f->s, "enroll_refused", 0), 1);
	assert_int_equal(store_notices_pending(f->s->st, 10, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_non_null(strstr(v[0].body, "enroll eli@acme.example in the sequence Cold"));
	store_notices_free(v, n);
	/* as the rep (SMTP AUTH): eli enrolled, not kim (internal) */
	m = message(cn, "ada@example.com", rcpts, 3);
	m->auth_authen = xstrdup("ada@example.com");
	m->msgid = xstrdup("rep-a1@example.com");
	mmsg_add_header(m, "Subject", " Hello Eli");
	act_enroll(cn, m, NOW);
	mconn_msg_end(cn);
	assert_int_equal(sfx_count_events(f->s, "enrolled", 0), 1);
	assert_true(sfx_contact_id(f->s, "eli@acme.example") > 0);
	assert_int_equal(store_msg_get(f->s->st, "rep-a1@example.com", &sm, &err), 0);
	assert_int_equal(sm.step, 1);
	assert_string_equal(sm.queue_id, "QA");
	assert_string_equal(sm.subject, "Hello Eli");
	sent_msg_free(&sm);
	/* no single From: nothing at all */
	m = message(cn, NULL, rcpts, 3);
	m->auth_authen = xstrdup("ada@example.com");
	act_enroll(cn, m, NOW);
	mconn_msg_end(cn);
	assert_int_equal(sfx_count_events(f->s, "enrolled", 0), 1);
	assert_int_equal(sfx_count_events(f->s, "enroll_refused", 0), 1);
	mconn_free(cn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bare_msgid),
		cmocka_unit_test(test_raw_message),
		cmocka_unit_test(test_internal),
		cmocka_unit_test(test_enroll),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
