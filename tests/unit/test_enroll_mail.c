/* SPDX-License-Identifier: BSD-2-Clause */
/* test_enroll_mail.c - enroll_by_mail() against a real SQLite store (the
 * store fixture): a rep's message to contacts with enroll+SEQ@Domain
 * among its recipients enrolls the external ones and is their step 1
 * (one ledger row, shared); internal and cadence's own recipients are no
 * contacts; a message not submitted as the rep enrolls nobody, is
 * recorded and told to the rep; a refused enrollment is told to the rep;
 * an unknown rep makes no contact and gets no notice; no Message-ID
 * leaves step 1 to cadenced. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "enroll_mail.h"
#include "store.h"
#include "store_fixture.h"
#include "store_ledger.h"
#include "store_notice.h"
#include "store_notice.h"

#define NOW (SFX_T0 + 3600)

static unsigned char key[32] = "0123456789abcdef0123456789abcdef";
static const struct cad_secret secret = { key, sizeof(key) };
static const struct inbound_addrs addrs = { "cadence.us.test", "enroll", "unsubscribe",
					    "bounces" };
static const char *const internal[] = { "us.test" };
static const struct enroll_mail_cfg cfg = { &addrs, &secret, internal, 1 };

static int setup(void **state)
{
	struct sfx *f = sfx_open("enroll-mail");
	struct step steps[2];
	if (f == NULL)
		return -1;
	memset(steps, 0, sizeof(steps));
	steps[0].kind = STEP_EMAIL;
	steps[0].subject = (char *)"Hello";
	steps[0].body = (char *)"Hi";
	steps[1].kind = STEP_EMAIL;
	steps[1].delay_days = 2;
	steps[1].subject = (char *)"Again";
	steps[1].body = (char *)"Hi again";
	f->rep = sfx_user(f, "ada@us.test", "UTC", 500, 80);
	f->seq = sfx_sequence(f, "Cold Outbound", SEQ_DAYS_EVERY, 0, 1440, steps, 2);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	sfx_close(*state);
	return 0;
}

static void msg_init(struct enroll_mail_msg *m, const char *const *rcpts, size_t n)
{
	memset(m, 0, sizeof(*m));
	m->from = "ada@us.test";
	m->rcpts = rcpts;
	m->nrcpts = n;
	m->msgid = "rep-1@us.test";
	m->subject = " Quick question";
	m->queue_id = "QID1";
	m->now = NOW;
}

/* The notices waiting for cadenced, as "subject\nbody" in *v. */
static size_t notices(struct sfx *f, struct notice **v)
{
	struct cad_err err;
	size_t n = 0;
	assert_int_equal(store_notices_pending(f->st, 10, v, &n, &err), 0);
	return n;
}

static void test_enrolls_and_step1(void **state)
{
	struct sfx *f = *state;
	const char *rcpts[] = { "<ann@acme.test>", "<bob@acme.test>", "<carl@us.test>",
				"<enroll+cold-outbound@cadence.us.test>" };
	struct enroll_mail_msg m;
	struct enroll_mail_result res;
	struct enroll_mail_item *it;
	struct sent_msg sm;
	struct enrollment e;
	struct notice *v = NULL;
	struct cad_err err;

	msg_init(&m, rcpts, 4);
	assert_int_equal(enroll_by_mail(f->st, &cfg, &m, &res, &err), 0);
	assert_false(res.sender_refused);
	assert_int_equal(res.rep_id, f->rep);
	assert_string_equal(res.actor, "mail:ada@us.test");
	assert_string_equal(res.contacts, "ann@acme.test, bob@acme.test");  /* not carl */
	assert_string_equal(res.sequences, "Cold Outbound");                /* by its slug */
	assert_int_equal(res.nitems, 2);
	assert_string_equal(res.warnings.s, "");
	it = &res.items[0];
	assert_string_equal(it->contact, "ann@acme.test");
	assert_string_equal(it->sequence, "Cold Outbound");
	assert_int_equal(it->outcome, ENROLL_MAIL_ENROLLED);
	assert_int_equal(it->step1, ENROLL_MAIL_STEP1_RECORDED);
	assert_null(it->note);
	/* one Message-ID, one ledger row: the second enrollment shares it */
	assert_int_equal(res.items[1].outcome, ENROLL_MAIL_ENROLLED);
	assert_int_equal(res.items[1].step1, ENROLL_MAIL_STEP1_SHARED);
	assert_int_equal(store_msg_get(f->st, "rep-1@us.test", &sm, &err), 0);
	assert_int_equal(sm.enrollment_id, it->enrollment_id);
	assert_int_equal(sm.step, 1);
	assert_string_equal(sm.queue_id, "QID1");
	assert_string_equal(sm.subject, "Quick question");
	sent_msg_free(&sm);
	/* both moved past step 1: step 2 two days later */
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(store_enrollment_get(f->st, res.items[i].enrollment_id, &e, &err), 0);
		assert_int_equal(e.step, 2);
		assert_int_equal(e.next_due, NOW + 2 * 86400);
		enrollment_free(&e);
	}
	assert_int_equal(sfx_count_events(f, "enrolled", 0), 2);
	assert_int_equal(sfx_contact_id(f, "bob@acme.test") > 0, 1);   /* made from the address */
	assert_int_equal(notices(f, &v), 0);
	store_notices_free(v, 0);
	enroll_mail_result_free(&res);
}

static void test_sender_refused(void **state)
{
	struct sfx *f = *state;
	const char *rcpts[] = { "<dan@acme.test>", "<enroll+cold-outbound@cadence.us.test>" };
	struct enroll_mail_msg m;
	struct enroll_mail_result res;
	struct notice *v = NULL;
	struct cad_err err;
	struct contact c;
	size_t n;

	msg_init(&m, rcpts, 2);
	m.refused = "not submitted by ada@us.test (client 198.51.100.7, no SMTP AUTH)";
	assert_int_equal(enroll_by_mail(f->st, &cfg, &m, &res, &err), 0);
	assert_true(res.sender_refused);
	assert_int_equal(res.nitems, 0);
	assert_int_equal(sfx_count_events(f, "enrolled", 0), 0);
	assert_int_equal(sfx_count_events(f, "enroll_refused", 0), 1);
	/* nobody enrolled, and no contact made either */
	memset(&c, 0, sizeof(c));
	assert_int_not_equal(store_contact_get(f->st, "dan@acme.test", &c, &err), 0);
	contact_free(&c);
	n = notices(f, &v);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].user_id, f->rep);
	assert_int_equal(v[0].kind, NOTICE_ENROLL_REFUSED);
	assert_string_equal(v[0].subject, "cadence: an enrollment in your name was refused");
	assert_non_null(strstr(v[0].body, "enroll dan@acme.test in the sequence Cold Outbound"));
	assert_non_null(strstr(v[0].body, "client 198.51.100.7, no SMTP AUTH"));
	store_notices_free(v, n);
	enroll_mail_result_free(&res);
}

static void test_refused_told(void **state)
{
	struct sfx *f = *state;
	const char *rcpts[] = { "<ann@acme.test>", "<enroll+cold-outbound@cadence.us.test>" };
	struct enroll_mail_msg m;
	struct enroll_mail_result res;
	struct notice *v = NULL;
	struct cad_err err;
	size_t n;

	/* ann is enrolled already: the second time is refused */
	msg_init(&m, rcpts, 2);
	assert_int_equal(enroll_by_mail(f->st, &cfg, &m, &res, &err), 0);
	assert_int_equal(res.items[0].outcome, ENROLL_MAIL_ENROLLED);
	enroll_mail_result_free(&res);
	m.msgid = "rep-2@us.test";
	assert_int_equal(enroll_by_mail(f->st, &cfg, &m, &res, &err), 0);
	assert_int_equal(res.nitems, 1);
	assert_int_equal(res.items[0].outcome, ENROLL_MAIL_REFUSED);
	assert_non_null(res.items[0].note);
	assert_int_equal(sfx_count_events(f, "enroll_refused", 0), 1);
	n = notices(f, &v);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].subject, "cadence: could not enroll ann@acme.test in Cold Outbound");
	assert_non_null(strstr(v[0].body, res.items[0].note));
	store_notices_free(v, n);
	/* the rep's second message is no ledger row */
	{
		struct sent_msg sm;
		assert_int_not_equal(store_msg_get(f->st, "rep-2@us.test", &sm, &err), 0);
	}
	enroll_mail_result_free(&res);
}

static void test_unknown_rep(void **state)
{
	struct sfx *f = *state;
	const char *rcpts[] = { "<eve@acme.test>", "<enroll+cold-outbound@cadence.us.test>" };
	struct enroll_mail_msg m;
	struct enroll_mail_result res;
	struct notice *v = NULL;
	struct cad_err err;
	struct contact c;

	msg_init(&m, rcpts, 2);
	m.from = "mallory@us.test";
	assert_int_equal(enroll_by_mail(f->st, &cfg, &m, &res, &err), 0);
	assert_int_equal(res.rep_id, 0);
	assert_int_equal(res.nitems, 1);
	assert_int_equal(res.items[0].outcome, ENROLL_MAIL_REFUSED);
	memset(&c, 0, sizeof(c));
	assert_int_not_equal(store_contact_get(f->st, "eve@acme.test", &c, &err), 0);
	contact_free(&c);
	assert_int_equal(notices(f, &v), 0);   /* nobody to tell */
	store_notices_free(v, 0);
	enroll_mail_result_free(&res);
}

static void test_no_msgid(void **state)
{
	struct sfx *f = *state;
	const char *rcpts[] = { "<fay@acme.test>", "<enroll+cold-outbound@cadence.us.test>" };
	struct enroll_mail_msg m;
	struct enroll_mail_result res;
	struct enrollment e;
	struct cad_err err;

	msg_init(&m, rcpts, 2);
	m.msgid = NULL;
	assert_int_equal(enroll_by_mail(f->st, &cfg, &m, &res, &err), 0);
	assert_int_equal(res.items[0].outcome, ENROLL_MAIL_ENROLLED);
	assert_int_equal(res.items[0].step1, ENROLL_MAIL_STEP1_NONE);
	assert_non_null(strstr(res.items[0].note, "no Message-ID"));
	assert_int_equal(store_enrollment_get(f->st, res.items[0].enrollment_id, &e, &err), 0);
	assert_int_equal(e.step, 1);   /* step 1 stays due: cadenced sends it */
	enrollment_free(&e);
	enroll_mail_result_free(&res);
}

static void test_no_from(void **state)
{
	struct sfx *f = *state;
	const char *rcpts[] = { "<gus@acme.test>", "<enroll+cold-outbound@cadence.us.test>" };
	struct enroll_mail_msg m;
	struct enroll_mail_result res;
	struct cad_err err;

	msg_init(&m, rcpts, 2);
	m.from = NULL;
	assert_int_equal(enroll_by_mail(f->st, &cfg, &m, &res, &err), -1);
	assert_non_null(strstr(err.msg, "From"));
	enroll_mail_result_free(&res);
}

static void test_contacts_pure(void **state)
{
	const char *rcpts[] = { "Ann <ANN@Acme.test>", "<carl@US.test>",
				"<unsubscribe+x@cadence.us.test>", "<enroll+a@cadence.us.test>",
				"not an address", "<ida@other.test>" };
	char **v;
	size_t n;
	(void)state;
	enroll_mail_contacts(&cfg, rcpts, 6, &v, &n);
	assert_int_equal(n, 2);
	assert_string_equal(v[0], "ann@acme.test");
	assert_string_equal(v[1], "ida@other.test");
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	assert_true(enroll_mail_internal(&cfg, "x@us.test"));
	assert_false(enroll_mail_internal(&cfg, "x@sub.us.test"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enrolls_and_step1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sender_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_told, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_rep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_msgid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_from, setup, teardown),
		cmocka_unit_test(test_contacts_pure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
