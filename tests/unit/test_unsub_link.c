/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_unsub_link.c - {{unsubscribe_url}} in a message cadenced really
 * sends: one scheduling pass (scheduler/libscheduler.a, sched_pass) over a
 * real store, with cadenced's submit hook catching the composed message.
 * The link in the body is the very URL of the message's List-Unsubscribe
 * header (PublicURL set), or its mailto: (no PublicURL), and the message's
 * recorded token; a template without the token is unchanged.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cadenced.h"
#include "pass_fixture.h"
#include "store_fixture.h"
#include "store_ledger.h"

#define T0 SFX_T0

static char *last_msg;   /* the last message the hook was handed */

static void catch_submit(const char *url, const char *mail_from, const char *rcpt,
			 const char *msg, size_t len, const struct submit_opts *opts,
			 struct submit_result *res)
{
	(void)url; (void)mail_from; (void)rcpt; (void)opts;
	free(last_msg);
	last_msg = xstrndup(msg, len);
	memset(res, 0, sizeof(*res));
	res->status = SUBMIT_ACCEPTED;
	res->stage = SUBMIT_STAGE_END_OF_DATA;
	res->code = 250;
	res->reply = xstrdup("250 2.0.0 Ok");
	res->queue_id = xstrdup("Q1");
}

struct fx {
	struct sfx x;
	struct sched s;
	volatile sig_atomic_t stop;
	int64_t rep, seq;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	struct step st;

	if (sfx_init(&f->x, "unsub_link") < 0) {
		free(f);
		return -1;
	}
	passfx_sched_init(&f->s, f->x.st, &f->stop, catch_submit);
	f->rep = sfx_user(&f->x, "rep@our.test", "UTC", 100000, 100000);
	memset(&st, 0, sizeof(st));
	st.index = 1;
	st.kind = STEP_EMAIL;
	st.subject = (char *)"Step one";
	st.body = (char *)"Hello.\nNot for you? {{unsubscribe_url}}\n";
	f->seq = sfx_sequence(&f->x, "Link", SEQ_DAYS_EVERY, 0, 24 * 60, &st, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	secret_free(&f->s.secret);
	conf_free(&f->s.conf);
	sfx_fini(&f->x);
	free(f);
	free(last_msg);
	last_msg = NULL;
	return 0;
}

/* One pass at T0 sending the enrollment of email; the message's token. */
static void send_one(struct fx *f, const char *email, char *token, size_t n)
{
	struct sched_stats stats;
	struct sent_msg m;
	struct cad_err err = { "" };
	int64_t enr = sfx_enroll(&f->x, sfx_contact(&f->x, email, "UTC"), f->seq, f->rep, T0);

	memset(&stats, 0, sizeof(stats));
	if (sched_pass(&f->s, T0, &stats, &err) != 0)
		fail_msg("pass: %s", err.msg);
	assert_int_equal(stats.sent, 1);
	assert_non_null(last_msg);
	assert_int_equal(store_msg_for_step(f->x.st, enr, 1, &m, &err), 0);
	snprintf(token, n, "%s", m.token);
	sent_msg_free(&m);
}

static void test_public_url(void **state)
{
	struct fx *f = *state;
	char token[128], want[512], *hdr;

	free(f->s.conf.public_url);
	f->s.conf.public_url = xstrdup("https://cadence.our.test");
	send_one(f, "ann@acme.test", token, sizeof(token));
	snprintf(want, sizeof(want), "https://cadence.our.test/u/%s", token);
	/* In the header ... */
	hdr = strstr(last_msg, "\r\nList-Unsubscribe:");
	assert_non_null(hdr);
	assert_non_null(strstr(hdr, want));
	/* ... and the same in the body. */
	snprintf(want, sizeof(want), "Not for you? https://cadence.our.test/u/%s\r\n", token);
	if (strstr(last_msg, want) == NULL)
		fail_msg("body lacks \"%s\":\n%s", want, last_msg);
	assert_null(strstr(last_msg, "unsubscribe.invalid"));
}

static void test_mailto(void **state)
{
	struct fx *f = *state;
	char token[128], want[512];

	free(f->s.conf.public_url);
	f->s.conf.public_url = NULL;
	send_one(f, "bob@acme.test", token, sizeof(token));
	snprintf(want, sizeof(want), "<mailto:unsubscribe+%s@cadence.our.test", token);
	assert_non_null(strstr(last_msg, want));
	snprintf(want, sizeof(want), "Not for you? mailto:unsubscribe+%s@cadence.our.test\r\n",
		 token);
	if (strstr(last_msg, want) == NULL)
		fail_msg("body lacks \"%s\":\n%s", want, last_msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_public_url, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mailto, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
