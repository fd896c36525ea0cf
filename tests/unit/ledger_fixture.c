/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ledger_fixture.c - the shared fixture of the send-ledger suites (see
 * ledger_fixture.h).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ledger_fixture.h"
#include "store_ledger.h"

int lfx_setup(void **state)
{
	struct lfx *f = xcalloc(1, sizeof(*f));
	struct step steps[3];

	if (sfx_init(&f->x, "ledger") < 0) {
		free(f);
		return -1;
	}
	f->rep = sfx_user(&f->x, "rep@us.test", NULL, 500, 80);
	memset(steps, 0, sizeof(steps));
	steps[0].kind = STEP_EMAIL;
	steps[0].subject = (char *)"Hi";
	steps[0].body = (char *)"One";
	steps[1].kind = STEP_CALL;
	steps[1].wait = 1;
	steps[2].kind = STEP_EMAIL;
	steps[2].subject = (char *)"Bye";
	steps[2].body = (char *)"Three";
	f->seq = sfx_sequence(&f->x, "Cold", SEQ_DAYS_BUSINESS, 0, 0, steps, 3);
	f->c1 = sfx_contact(&f->x, "ann@acme.test", NULL);
	f->c2 = sfx_contact(&f->x, "bob@acme.test", NULL);
	f->c3 = sfx_contact(&f->x, "cat@other.test", NULL);
	*state = f;
	return 0;
}

int lfx_teardown(void **state)
{
	struct lfx *f = *state;
	sfx_fini(&f->x);
	free(f);
	return 0;
}

int64_t lfx_enroll(struct lfx *f, int64_t contact_id, cad_time_t due)
{
	return sfx_enroll(&f->x, contact_id, f->seq, f->rep, due);
}

int64_t lfx_prepare(struct lfx *f, int64_t enr, int step, const char *msgid)
{
	struct sent_msg m;
	struct cad_err err;
	int existing = -1;
	int64_t id;
	memset(&m, 0, sizeof(m));
	m.enrollment_id = enr;
	m.step = step;
	m.message_id = xstrdup(msgid);
	m.token = xasprintf("tok-%s", msgid);
	m.subject = xstrdup("Hi");
	assert_int_equal(store_msg_prepare(f->x.st, &m, SFX_T0 + 1, &existing, &err), 0);
	assert_int_equal(existing, 0);
	assert_int_equal(m.state, MSG_PREPARED);
	id = m.id;
	sent_msg_free(&m);
	return id;
}

struct enrollment lfx_enr(struct lfx *f, int64_t id)
{
	struct enrollment e;
	struct cad_err err;
	assert_int_equal(store_enrollment_get(f->x.st, id, &e, &err), 0);
	return e;
}
