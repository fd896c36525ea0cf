/* SPDX-License-Identifier: BSD-2-Clause */
/* test_inbound_meet.c - meetings, end to end below the milter
 * (inbound_fixture.h): iMIP replies of the contact, the invitations of
 * booking tools and calendar clients (tests/corpus/imip/ and the shared
 * corpus), forged bookings that stop nothing, SchedulingServices as data,
 * and a meeting naming a contact's alias. */
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
#include "store.h"

static char *imip_msg(const char *from, const char *partstat, const char *id)
{
	struct sbuf b;
	sbuf_init(&b);
	sbuf_addf(&b,
		  "From: %s\nTo: rep@us.test\nSubject: %s: Intro call\nMessage-ID: <%s>\n"
		  "Date: Mon, 23 Nov 2026 11:00:00 +0100\nMIME-Version: 1.0\n"
		  "Content-Type: text/calendar; method=REPLY; charset=UTF-8\n\n"
		  "BEGIN:VCALENDAR\r\nPRODID:-//Example Corp//Calendar 1.0//EN\r\nVERSION:2.0\r\n"
		  "METHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:intro-%s\r\nDTSTAMP:20261123T100000Z\r\n"
		  "DTSTART:20261125T140000Z\r\nDTEND:20261125T143000Z\r\n"
		  "ORGANIZER:mailto:rep@us.test\r\nATTENDEE;PARTSTAT=%s:mailto:%s\r\n"
		  "SUMMARY:Intro call\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		  from, partstat[0] == 'A' ? "Accepted" : "Declined", id, id, partstat, from);
	return sbuf_detach(&b);
}

static void test_meeting(void **state)
{
	struct ifx *f = *state;
	struct inbound_result res;
	struct enrollment en;
	int64_t e = ifx_enroll(f, "ann@acme.test", f->cold);
	int64_t d = ifx_enroll(f, "dan@other.test", f->nooo);
	char *raw = imip_msg("dan@other.test", "DECLINED", "m1@other.test");

	assert_int_equal(ifx_handle(f, raw, "rep@us.test", INB_AUTH_PASS, CLASSIFY_MEETING, &res), 0);
	assert_int_equal(ifx_state(f, d), ENR_ACTIVE);
	assert_int_equal(ifx_events(f, d, INBOUND_EV_MEETING_RESP), 1);
	inbound_result_free(&res);
	free(raw);

	raw = imip_msg("ann@acme.test", "ACCEPTED", "m2@acme.test");
	assert_int_equal(ifx_handle(f, raw, "rep@us.test", INB_AUTH_PASS, CLASSIFY_MEETING, &res), 0);
	en = ifx_enr(f, e);
	assert_int_equal(en.state, ENR_UNENROLLED);
	assert_string_equal(en.reason, "meeting booked");
	enrollment_free(&en);
	assert_int_equal(ifx_events(f, e, EV_MEETING), 1);
	inbound_result_free(&res);
	free(raw);
}

/* One iMIP message against a fresh store: contact enrolled by rep in Cold;
 * the event it gets and the state after. */
static void imip_case(const char *name, const char *raw, const char *rep_addr,
		      const char *contact_addr, const char *want_event, int want_stop)
{
	void *st = NULL;
	struct ifx *f;
	struct inbound_result res;
	struct verdict *v;
	static char *const internal[] = { (char *)"us.test" };
	int64_t rep, e;

	assert_int_equal(ifx_setup(&st), 0);
	f = st;
	f->cfg.internal_domains = internal;
	f->cfg.ninternal_domains = 1;
	rep = strcmp(rep_addr, "rep@us.test") == 0 ? f->rep : ifx_rep(f, rep_addr);
	e = ifx_enroll_as(f, contact_addr, f->cold, rep);
	v = classify_message(raw, strlen(raw));
	enum classify_class want = v->cls;   /* REPLY: meeting; REQUEST, CANCEL: other */
	if (v->method == NULL || (v->cls != CLASSIFY_MEETING && v->cls != CLASSIFY_OTHER))
		fprintf(stderr, "%s: %s\n", name, classify_json_line(v));
	assert_non_null(v->method);
	classify_verdict_free(v);
	assert_int_equal(ifx_handle(f, raw, rep_addr, INB_AUTH_PASS, want, &res), 0);
	if ((want_event != NULL && ifx_events(f, e, want_event) != 1) ||
	    ifx_state(f, e) != (want_stop ? ENR_UNENROLLED : ENR_ACTIVE))
		fprintf(stderr, "%s: %s\n", name, res.summary);
	if (want_event != NULL)   /* NULL: the message does not concern it */
		assert_int_equal(ifx_events(f, e, want_event), 1);
	assert_int_equal(ifx_state(f, e), want_stop ? ENR_UNENROLLED : ENR_ACTIVE);
	inbound_result_free(&res);
	ifx_teardown(&st);
}

/* tests/corpus/imip/: booking tools' invitations, the contact's own,
 * tentative, declined, cancelled (see its README); then the real Google
 * and Outlook.com invitations of the shared corpus as a contact's own. */
static void test_imip_corpus(void **state)
{
	const char *src = getenv("CADENCE_SRCDIR");
	char *dir = xasprintf("%s/tests/corpus/imip", src ? src : "..");
	char *tsvp = xasprintf("%s/EXPECTED.tsv", dir);
	size_t flen;
	char *tsv = ifx_slurp(tsvp, &flen), *line, *save = NULL;
	int rows = 0, stopped = 0;
	(void)state;

	assert_non_null(tsv);
	for (line = strtok_r(tsv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char file[128], method[16], outcome[32], who[128];
		if (strncmp(line, "file\t", 5) == 0)
			continue;
		assert_int_equal(sscanf(line, "%127[^\t]\t%15[^\t]\t%31[^\t]\t%127s", file, method,
					outcome, who), 4);
		char *path = xasprintf("%s/%s", dir, file);
		char *raw = ifx_slurp(path, &flen);
		assert_non_null(raw);
		int stop = strcmp(outcome, EV_MEETING) == 0;
		imip_case(file, raw, "rep@us.test", who, outcome, stop);
		stopped += stop;
		rows++;
		/* Control: the same booking sent by an authenticated stranger
		 * (the harness sees a stop above; here none). */
		if (stop && strstr(raw, "From: Calendly <notifications@calendly.com>")) {
			struct sbuf b;
			const char *at = strstr(raw, "From: Calendly <notifications@calendly.com>");
			sbuf_init(&b);
			sbuf_add(&b, raw, (size_t)(at - raw));
			sbuf_adds(&b, "From: Calendar <invites@mallory.test>");
			sbuf_adds(&b, at + strlen("From: Calendly <notifications@calendly.com>"));
			imip_case("calendly from a stranger", b.s, "rep@us.test", who,
				  INBOUND_EV_UNVERIFIED, 0);
			sbuf_free(&b);
		}
		free(raw);
		free(path);
	}
	assert_true(rows >= 10);
	assert_true(stopped >= 7);
	free(tsv);
	free(tsvp);
	free(dir);

	/* Real invitations (Nextcloud Mail's test data, in the shared corpus):
	 * alice@example.org invites bob@example.org (the rep) and john. */
	const char *corp = getenv("CADENCE_CORPUS");
	char *cdir = corp && *corp ? xstrdup(corp)
				   : xasprintf("%s/../shared/corpus", src ? src : "..");
	static const char *const real[] = { "request_google.eml", "request_outlook_com.eml" };
	for (size_t i = 0; i < CAD_ARRAY_LEN(real); i++) {
		char *path = xasprintf("%s/nextcloud-mail-imip/%s", cdir, real[i]);
		char *raw = ifx_slurp(path, &flen);
		if (raw != NULL)
			imip_case(real[i], raw, "bob@example.org", "alice@example.org", EV_MEETING, 1);
		else
			fprintf(stderr, "note: %s not there, skipped\n", path);
		free(raw);
		free(path);
	}
	free(cdir);
}

/* A booking tool's notification (iMIP REQUEST as text/calendar) sent by
 * `from`, organized by `org`, with attendees att1 and att2. */
static char *booking_msg(const char *from, const char *org, const char *att1, const char *att2,
			 const char *id)
{
	struct sbuf b;
	sbuf_init(&b);
	sbuf_addf(&b,
		  "From: Booking <%s>\nTo: rep@us.test\nSubject: New Event: Ann Example - 30 Minute "
		  "Meeting\nMessage-ID: <%s>\nDate: Mon, 23 Nov 2026 11:00:00 +0000\n"
		  "MIME-Version: 1.0\nContent-Type: text/calendar; method=REQUEST; charset=UTF-8\n\n"
		  "BEGIN:VCALENDAR\r\nPRODID:-//Booking//Booking 1.0//EN\r\nVERSION:2.0\r\n"
		  "METHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20261123T100000Z\r\n"
		  "DTSTART:20261125T140000Z\r\nDTEND:20261125T143000Z\r\n"
		  "ORGANIZER;CN=Organizer:mailto:%s\r\n"
		  "ATTENDEE;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:mailto:%s\r\n"
		  "ATTENDEE;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:%s\r\n"
		  "SUMMARY:30 Minute Meeting\r\nSTATUS:CONFIRMED\r\nEND:VEVENT\r\n"
		  "END:VCALENDAR\r\n", from, id, id, org, att1, att2);
	return sbuf_detach(&b);
}

/* Issue #9: a real invitation from a scheduling service (authenticated
 * for calendly.com or hubspot.com) naming the contact stops the sequence
 * only when it names the contact's rep and is organized by one of the
 * two. The forged ones (a colleague or an InternalDomains address in the
 * rep's place; a stranger's event naming both) are recorded as
 * meeting_response and stop nothing; the genuine one, built by the same
 * function and run through the same path, stops (the control). */
static void test_meeting_forged(void **state)
{
	static const char *const tools[] = { "notifications@calendly.com", "noreply@hubspot.com" };
	(void)state;
	for (size_t i = 0; i < CAD_ARRAY_LEN(tools); i++) {
		char *raw;
		/* a colleague (us.test is internal) with ann, via the colleague's own account */
		raw = booking_msg(tools[i], "amy@us.test", "amy@us.test", "ann@acme.test", "f1@x.test");
		imip_case("colleague instead of the rep", raw, "rep@us.test", "ann@acme.test",
			  INBOUND_EV_MEETING_RESP, 0);
		free(raw);
		/* an address of the organization that is not the rep */
		raw = booking_msg(tools[i], "rep@us.test", "sales@us.test", "ann@acme.test", "f2@x.test");
		imip_case("rep organizes, only another address attends", raw, "rep@us.test",
			  "ann@acme.test", EV_MEETING, 1);   /* the rep organizes: ours */
		free(raw);
		raw = booking_msg(tools[i], "sales@us.test", "sales@us.test", "ann@acme.test",
				  "f3@x.test");
		imip_case("internal calendar without the rep", raw, "rep@us.test", "ann@acme.test",
			  INBOUND_EV_MEETING_RESP, 0);
		free(raw);
		/* a stranger's account: the stranger organizes and names both */
		raw = booking_msg(tools[i], "mallory@evil.test", "rep@us.test", "ann@acme.test",
				  "f4@x.test");
		imip_case("a stranger's event naming both", raw, "rep@us.test", "ann@acme.test",
			  INBOUND_EV_MEETING_RESP, 0);
		free(raw);
		/* the rep is there but the contact is not */
		raw = booking_msg(tools[i], "rep@us.test", "rep@us.test", "dan@other.test", "f5@x.test");
		imip_case("the rep with somebody else", raw, "rep@us.test", "ann@acme.test",
			  NULL, 0);
		free(raw);
		/* control: the genuine booking, the rep's own link */
		raw = booking_msg(tools[i], "rep@us.test", "rep@us.test", "ann@acme.test", "g1@x.test");
		imip_case("genuine booking", raw, "rep@us.test", "ann@acme.test", EV_MEETING, 1);
		free(raw);
		/* the organization's booking calendar with the rep (Microsoft Bookings) */
		raw = booking_msg(tools[i], "bookings@us.test", "rep@us.test", "ann@acme.test",
				  "g2@x.test");
		imip_case("the organization's calendar with the rep", raw, "rep@us.test",
			  "ann@acme.test", EV_MEETING, 1);
		free(raw);
	}
}

/* SchedulingServices is data: without calendly.com in it, Calendly's
 * genuine booking is unverified (stops nothing); with only calendly.com,
 * it stops; a subdomain of a listed domain counts. */
static void test_scheduling_services(void **state)
{
	struct ifx *f = *state;
	struct inbound_result res;
	static char *const only_calendly[] = { (char *)"calendly.com" };
	static char *const others[] = { (char *)"hubspot.com", (char *)"cal.com" };
	int64_t e = ifx_enroll(f, "ann@acme.test", f->cold);
	char *raw = booking_msg("notifications@calendly.com", "rep@us.test", "rep@us.test",
				"ann@acme.test", "s1@x.test");

	assert_true(inbound_meet_service(&f->cfg, "notifications@calendly.com"));
	assert_true(inbound_meet_service(&f->cfg, "calendar-notification@google.com"));
	f->cfg.scheduling_services = others;
	f->cfg.nscheduling_services = 2;
	assert_false(inbound_meet_service(&f->cfg, "notifications@calendly.com"));
	assert_true(inbound_meet_service(&f->cfg, "x@mail.hubspot.com"));
	assert_false(inbound_meet_service(&f->cfg, "x@nothubspot.com"));
	assert_false(inbound_meet_service(&f->cfg, "x@local.cal.com.evil.test"));
	assert_int_equal(ifx_handle(f, raw, "rep@us.test", INB_AUTH_PASS, CLASSIFY_OTHER, &res), 0);
	inbound_result_free(&res);
	assert_int_equal(ifx_state(f, e), ENR_ACTIVE);
	assert_int_equal(ifx_events(f, e, INBOUND_EV_UNVERIFIED), 1);
	f->cfg.nscheduling_services = 0;
	assert_false(inbound_meet_service(&f->cfg, "x@hubspot.com"));
	f->cfg.scheduling_services = only_calendly;
	f->cfg.nscheduling_services = 1;
	free(raw);
	raw = booking_msg("notifications@calendly.com", "rep@us.test", "rep@us.test",
			  "ann@acme.test", "s2@x.test");
	assert_int_equal(ifx_handle(f, raw, "rep@us.test", INB_AUTH_PASS, CLASSIFY_OTHER, &res), 0);
	inbound_result_free(&res);
	assert_int_equal(ifx_state(f, e), ENR_UNENROLLED);
	assert_int_equal(ifx_events(f, e, EV_MEETING), 1);
	free(raw);
}

/* A meeting naming the contact by a known alias is the contact's. */
static void test_meeting_alias(void **state)
{
	struct ifx *f = *state;
	struct inbound_result res;
	struct cad_err err;
	int64_t e = ifx_enroll(f, "ann@acme.test", f->cold);
	struct contact c;
	char *raw;

	assert_int_equal(store_contact_get(f->st, "ann@acme.test", &c, &err), 0);
	assert_int_equal(store_contact_add_alias(f->st, c.id, "ann.example@acme-mail.test", &err), 0);
	contact_free(&c);
	raw = booking_msg("notifications@calendly.com", "rep@us.test", "rep@us.test",
			  "ann.example@acme-mail.test", "a1@x.test");
	assert_int_equal(ifx_handle(f, raw, "rep@us.test", INB_AUTH_PASS, CLASSIFY_OTHER, &res), 0);
	inbound_result_free(&res);
	assert_int_equal(ifx_state(f, e), ENR_UNENROLLED);
	assert_int_equal(ifx_events(f, e, EV_MEETING), 1);
	free(raw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_imip_corpus),
		cmocka_unit_test(test_meeting_forged),
		IFX_TEST(test_scheduling_services),
		IFX_TEST(test_meeting_alias),
		IFX_TEST(test_meeting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
