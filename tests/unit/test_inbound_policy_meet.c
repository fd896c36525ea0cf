/* SPDX-License-Identifier: BSD-2-Clause */
/* test_inbound_policy_meet.c - the pure inbound policy (inbound_policy())
 * for meetings and complaints (policy_fixture.h, no store, an explicit
 * now): iMIP replies, invitations from booking services, strangers and the
 * contact, feedback-loop complaints. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal.h"
#include "classify.h"
#include "inbound.h"
#include "policy_fixture.h"

static void test_meeting_and_complaint(void **state)
{
	static struct classify_attendee ann = { (char *)"ann@acme.test", (char *)"ACCEPTED" };
	static const struct {
		const char *method, *partstat;
		enum inbound_act act;
		const char *event;
	} m[] = {
		{ "REPLY", "ACCEPTED", INB_ACT_UNENROLL, EV_MEETING },
		{ "REPLY", "DECLINED", INB_ACT_RECORD, INBOUND_EV_MEETING_RESP },
		{ "REPLY", "TENTATIVE", INB_ACT_UNENROLL, EV_MEETING },
		{ "REPLY", "NEEDS-ACTION", INB_ACT_RECORD, INBOUND_EV_MEETING_RESP },
		/* the classifier calls only a REPLY a meeting: anything else it
		 * labels so is a response, recorded */
		{ "REQUEST", "ACCEPTED", INB_ACT_RECORD, INBOUND_EV_MEETING_RESP },
	};
	struct pfx *p;
	(void)state;
	for (size_t i = 0; i < CAD_ARRAY_LEN(m); i++) {
		p = pfx_new(CLASSIFY_MEETING);
		p->v.method = (char *)m[i].method;
		p->v.partstat = (char *)m[i].partstat;
		p->v.organizer = (char *)"rep@us.test";
		p->v.attendees = &ann;   /* a REPLY names the attendee who answers */
		p->v.nattendees = 1;
		p->t[0].rep_email = (char *)"rep@us.test";
		pfx_run(p, 1);
		assert_int_equal(p->plan.n, 1);
		assert_int_equal(p->plan.v[0].kind, m[i].act);
		assert_string_equal(p->plan.v[0].event, m[i].event);
		if (m[i].act == INB_ACT_UNENROLL)
			assert_string_equal(p->plan.v[0].reason, strcmp(m[i].partstat, "TENTATIVE") == 0
					    ? "meeting booked (tentative)" : "meeting booked");
		pfx_done(p);
	}
	/* Nobody of ours in it: an acceptance of someone else's meeting. */
	p = pfx_new(CLASSIFY_MEETING);
	p->v.method = (char *)"REPLY";
	p->v.partstat = (char *)"ACCEPTED";
	p->v.organizer = (char *)"carl@elsewhere.test";
	p->t[0].rep_email = (char *)"rep@us.test";
	pfx_run(p, 1);
	assert_int_equal(p->plan.n, 1);
	assert_int_equal(p->plan.v[0].kind, INB_ACT_RECORD);
	assert_string_equal(p->plan.v[0].event, INBOUND_EV_MEETING_RESP);
	pfx_done(p);

	p = pfx_new(CLASSIFY_COMPLAINT);
	p->v.feedback_type = (char *)"abuse";
	p->v.arf_rcpt = (char *)"<Ann@Acme.test>";
	pfx_run(p, 1);
	assert_int_equal(p->plan.n, 2);
	assert_int_equal(p->plan.v[0].kind, INB_ACT_UNENROLL_ALL);
	assert_string_equal(p->plan.v[0].event, EV_COMPLAINT);
	assert_int_equal(p->plan.v[1].kind, INB_ACT_SUPPRESS);
	assert_int_equal(p->plan.v[1].supp, SUPP_COMPLAINT);
	assert_string_equal(p->plan.v[1].address, "ann@acme.test");
	pfx_done(p);

	/* A report quoting our Message-ID needs no SPF; one that only names
	 * the recipient does. */
	p = pfx_new(CLASSIFY_COMPLAINT);
	p->v.feedback_type = (char *)"abuse";
	p->t[0].via = VIA_ORIG_MSGID;
	p->f.auth = INB_AUTH_FAIL;
	pfx_run(p, 1);
	assert_int_equal(p->plan.v[0].kind, INB_ACT_UNENROLL_ALL);
	pfx_done(p);
	p = pfx_new(CLASSIFY_COMPLAINT);
	p->t[0].via = VIA_RCPT;
	p->t[0].proven = 0;
	p->f.auth = INB_AUTH_FAIL;
	pfx_run(p, 1);
	assert_int_equal(p->plan.n, 1);
	assert_string_equal(p->plan.v[0].event, INBOUND_EV_UNVERIFIED);
	pfx_done(p);
	/* ... and not even an SPF pass makes an unproven report act (issue #9) */
	p = pfx_new(CLASSIFY_COMPLAINT);
	p->t[0].via = VIA_RCPT;
	p->t[0].proven = 0;
	p->f.auth = INB_AUTH_PASS;
	pfx_run(p, 1);
	assert_int_equal(p->plan.n, 1);
	assert_string_equal(p->plan.v[0].event, INBOUND_EV_UNVERIFIED);
	pfx_done(p);
	/* A proven report naming another Original-Rcpt-To: the contact is
	 * suppressed, the other address only recorded. */
	p = pfx_new(CLASSIFY_COMPLAINT);
	p->v.feedback_type = (char *)"abuse";
	p->v.arf_rcpt = (char *)"<ceo@bigcorp.example>";
	p->t[0].via = VIA_ORIG_MSGID;
	pfx_run(p, 1);
	assert_int_equal(p->plan.n, 3);
	assert_string_equal(p->plan.v[0].event, INBOUND_EV_MISMATCH);
	assert_non_null(strstr(p->plan.v[0].detail, "ceo@bigcorp.example"));
	assert_int_equal(p->plan.v[1].kind, INB_ACT_UNENROLL_ALL);
	assert_string_equal(p->plan.v[1].address, "ann@acme.test");
	assert_int_equal(p->plan.v[2].kind, INB_ACT_SUPPRESS);
	assert_string_equal(p->plan.v[2].address, "ann@acme.test");
	pfx_done(p);

	p = pfx_new(CLASSIFY_COMPLAINT);
	p->v.feedback_type = (char *)"opt-out";
	pfx_run(p, 1);
	assert_int_equal(p->plan.n, 1);
	assert_int_equal(p->plan.v[0].kind, INB_ACT_UNSUBSCRIBE);
	assert_string_equal(p->plan.v[0].reason, "arf");
	pfx_done(p);
}

/* An invitation (METHOD:REQUEST, classified other) naming ann, with the
 * rep as organizer, from a booking service, a stranger, the contact. */
static struct pfx *invitation(const char *method, const char *sender, const char *ann_ps)
{
	struct pfx *p = pfx_new(CLASSIFY_OTHER);
	static struct classify_attendee att[2];
	p->v.rule = "imip-other";
	p->v.method = (char *)method;
	p->v.organizer = (char *)"rep@us.test";
	att[0].address = (char *)"rep@us.test";
	att[0].partstat = (char *)"ACCEPTED";
	att[1].address = (char *)"ann@acme.test";
	att[1].partstat = (char *)ann_ps;
	p->v.attendees = att;
	p->v.nattendees = 2;
	p->f.sender = sender;
	p->t[0].via = VIA_MEETING;
	p->t[0].proven = 0;
	p->t[0].our_msgid = NULL;
	p->t[0].rep_email = (char *)"rep@us.test";
	return p;
}

static void test_meeting_invitation(void **state)
{
	static const struct {
		const char *method, *sender, *ps;
		enum inbound_act act;
		const char *event, *reason;
	} m[] = {
		{ "REQUEST", "notifications@calendly.com", "NEEDS-ACTION", INB_ACT_UNENROLL,
		  EV_MEETING, "meeting booked" },
		{ "REQUEST", "calendar-notification@google.com", "ACCEPTED", INB_ACT_UNENROLL,
		  EV_MEETING, "meeting booked" },
		{ "REQUEST", "ann@acme.test", NULL, INB_ACT_UNENROLL, EV_MEETING, "meeting booked" },
		{ "REQUEST", "ann.assistant@mail.acme.test", NULL, INB_ACT_UNENROLL, EV_MEETING,
		  "meeting booked" },
		/* control: an authenticated stranger may not book for the contact */
		{ "REQUEST", "mallory@evil.test", "NEEDS-ACTION", INB_ACT_RECORD,
		  INBOUND_EV_UNVERIFIED, NULL },
		{ "REQUEST", "notifications@calendly.com", "DECLINED", INB_ACT_RECORD,
		  INBOUND_EV_MEETING_RESP, NULL },
		{ "CANCEL", "notifications@calendly.com", NULL, INB_ACT_RECORD, "meeting_cancelled",
		  NULL },
		{ "COUNTER", "ann@acme.test", NULL, INB_ACT_RECORD, INBOUND_EV_MEETING_RESP, NULL },
	};
	struct pfx *p;
	(void)state;
	for (size_t i = 0; i < CAD_ARRAY_LEN(m); i++) {
		p = invitation(m[i].method, m[i].sender, m[i].ps);
		pfx_run(p, 1);
		assert_int_equal(p->plan.n, 1);
		assert_int_equal(p->plan.v[0].kind, m[i].act);
		assert_string_equal(p->plan.v[0].event, m[i].event);
		if (m[i].reason)
			assert_string_equal(p->plan.v[0].reason, m[i].reason);
		assert_string_equal(p->plan.why, "meeting");
		pfx_done(p);
	}

	/* PUBLISH announces an event: nobody booked anything. */
	p = invitation("PUBLISH", "ann@acme.test", NULL);
	pfx_run(p, 1);
	assert_int_equal(p->plan.n, 0);
	pfx_done(p);
	/* A method read from a bounce's part is not a meeting. */
	p = invitation("REQUEST", "ann@acme.test", NULL);
	p->v.rule = "dsn";
	pfx_run(p, 1);
	assert_int_equal(p->plan.n, 0);
	pfx_done(p);

	/* Not the rep's meeting (issue #9): the rep is not in it; a stranger
	 * organizes an event naming both; the contact is not in it. */
	p = invitation("REQUEST", "notifications@calendly.com", NULL);
	p->v.organizer = (char *)"carl@elsewhere.test";
	p->v.nattendees = 0;
	pfx_run(p, 1);
	assert_int_equal(p->plan.v[0].kind, INB_ACT_RECORD);
	pfx_done(p);
	p = invitation("REQUEST", "notifications@calendly.com", NULL);
	p->v.organizer = (char *)"mailto:mallory@evil.test";
	pfx_run(p, 1);
	assert_int_equal(p->plan.v[0].kind, INB_ACT_RECORD);
	assert_string_equal(p->plan.v[0].event, INBOUND_EV_MEETING_RESP);
	pfx_done(p);
	p = invitation("REQUEST", "notifications@calendly.com", NULL);
	p->v.attendees[1].address = (char *)"dan@other.test";
	pfx_run(p, 1);
	assert_int_equal(p->plan.v[0].kind, INB_ACT_RECORD);
	p->v.attendees[1].address = (char *)"ann@acme.test";
	pfx_done(p);
	/* The contact by a known alias, the rep in capitals with mailto: ours. */
	{
		static char *aliases[] = { (char *)"ann.x@acme-mail.test" };
		p = invitation("REQUEST", "notifications@calendly.com", NULL);
		p->t[0].contact_aliases = aliases;
		p->t[0].ncontact_aliases = 1;
		p->v.organizer = (char *)"MAILTO:Rep@US.test";
		p->v.attendees[1].address = (char *)"ann.x@acme-mail.test";
		pfx_run(p, 1);
		assert_int_equal(p->plan.v[0].kind, INB_ACT_UNENROLL);
		p->v.attendees[1].address = (char *)"ann@acme.test";
		pfx_done(p);
	}
	/* The organization's booking calendar (a Microsoft Bookings mailbox)
	 * organizes: ours when it is at an InternalDomains domain and the rep
	 * attends; a colleague attending in the rep's place is not enough. */
	{
		static char *const internal[] = { (char *)"us.test" };
		p = invitation("REQUEST", "salesbookings@us.test", NULL);
		p->v.organizer = (char *)"salesbookings@us.test";
		pfx_run(p, 1);
		assert_int_equal(p->plan.v[0].kind, INB_ACT_RECORD);   /* control */
		inbound_plan_free(&p->plan);
		p->cfg.internal_domains = internal;
		p->cfg.ninternal_domains = 1;
		pfx_run(p, 1);
		assert_int_equal(p->plan.v[0].kind, INB_ACT_UNENROLL);
		assert_string_equal(p->plan.v[0].event, EV_MEETING);
		inbound_plan_free(&p->plan);
		p->t[0].rep_email = (char *)"other.rep@us.test";
		pfx_run(p, 1);
		assert_int_equal(p->plan.v[0].kind, INB_ACT_RECORD);
		assert_string_equal(p->plan.v[0].event, INBOUND_EV_MEETING_RESP);
		pfx_done(p);
	}

	/* Company scope: the colleague stops with the contact, and not when
	 * the contact's enrollment does not (control). */
	for (int stop = 1; stop >= 0; stop--) {
		p = invitation("REQUEST", "notifications@calendly.com", NULL);
		p->f.company = "acme.test";
		p->t[0].stop_on_meeting = stop;
		p->t[1] = p->t[0];
		p->t[1].e.id = 13;
		p->t[1].e.contact_id = 7;
		p->t[1].contact_email = (char *)"bob@acme.test";
		p->t[1].via = VIA_COMPANY;
		p->t[1].trigger = 12;
		p->t[1].stop_on_meeting = 1;
		pfx_run(p, 2);
		assert_int_equal(p->plan.n, stop ? 2 : 1);
		if (stop) {
			assert_int_equal(p->plan.v[1].kind, INB_ACT_UNENROLL);
			assert_int_equal(p->plan.v[1].enrollment_id, 13);
			assert_string_equal(p->plan.v[1].reason, "meeting booked (ann@acme.test)");
			assert_string_equal(p->plan.v[1].company, "acme.test");
		}
		pfx_done(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meeting_and_complaint),
		cmocka_unit_test(test_meeting_invitation),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	cal_zone_cache_free();
	return rc;
}
