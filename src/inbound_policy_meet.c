/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * inbound_policy_meet.c - what a meeting message (iMIP) does to an
 * enrollment (the rules are listed in inbound_policy.c): it acts only
 * between the enrollment's rep and its contact (inbound_meet_parties)
 * and when its sender may speak for the meeting (the contact, its
 * organization, the organizer's, the rep or an internal address, or a
 * scheduling service). Pure: no store, no clock, no I/O.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "inbound_policy_int.h"
#include "orgdomain.h"

#define INBOUND_EV_MEETING_CANCEL "meeting_cancelled"

/* Is addr the enrollment's rep or at an internal domain? */
static int internal(const struct inbound_config *cfg, const struct inbound_target *t,
		    const char *addr)
{
	if (addr == NULL)
		return 0;
	addr = inbound_meet_addr(addr);
	if (t->rep_email && cad_strcaseeq(addr, t->rep_email))
		return 1;
	return inbound_meet_internal(cfg, addr);
}

/* May the (authenticated) sender speak for this meeting? */
static int sender_may(const struct inbound_facts *f, const struct inbound_target *t,
		      const struct inbound_config *cfg, enum inbound_meeting kind)
{
	const char *s = f->sender;
	if (t->via == VIA_SENDER || t->via == VIA_THREAD)
		return 1;   /* the contact's own address, or our thread */
	if (s == NULL)
		return 0;
	if (t->contact_email && cad_org_aligned(cad_addr_domain(s), cad_addr_domain(t->contact_email)))
		return 1;
	if (kind != MEET_REPLY && f->v->organizer &&
	    cad_org_aligned(cad_addr_domain(s), cad_addr_domain(f->v->organizer)))
		return 1;
	if (internal(cfg, t, s))
		return 1;
	return inbound_meet_service(cfg, s);
}

/* The contact's own PARTSTAT in an invitation, or NULL. */
static const char *contact_partstat(const struct verdict *v, const struct inbound_target *t)
{
	for (size_t i = 0; t->contact_email && i < v->nattendees; i++)
		if (v->attendees[i].address && strcmp(v->attendees[i].address, t->contact_email) == 0)
			return v->attendees[i].partstat;
	return NULL;
}

void inbound_policy_meet(struct inbound_plan *p, const struct inbound_facts *f,
			 const struct inbound_target *t, const struct inbound_config *cfg)
{
	const struct verdict *v = f->v;
	enum inbound_meeting kind = inbound_meet_kind(v);
	const char *ps = kind == MEET_REPLY ? v->partstat : contact_partstat(v, t);
	struct inbound_action *a;
	const char *what;
	int booked = 0, tentative = ps && cad_strcaseeq(ps, "TENTATIVE");

	if (!inbound_meet_parties(v, t, cfg)) {
		inbound_plan_record(p, f, t, INBOUND_EV_MEETING_RESP, "meeting not between the "
				    "contact and its rep (not acted on)");
		return;
	}
	if (!sender_may(f, t, cfg, kind)) {
		char *w = xasprintf("meeting sent by %s, neither a participant nor a scheduling "
				    "service (not acted on)", f->sender ? f->sender : "nobody");
		inbound_plan_record(p, f, t, INBOUND_EV_UNVERIFIED, w);
		free(w);
		return;
	}
	switch (kind) {
	case MEET_REQUEST:
		booked = !(ps && cad_strcaseeq(ps, "DECLINED"));
		what = booked ? "invitation" : "invitation declined by the contact";
		break;
	case MEET_REPLY:
		booked = ps && (cad_strcaseeq(ps, "ACCEPTED") || tentative);
		what = booked ? (tentative ? "meeting accepted tentatively" : "meeting accepted")
			      : "meeting response";
		break;
	case MEET_CANCEL:
		inbound_plan_record(p, f, t, INBOUND_EV_MEETING_CANCEL, "meeting cancelled (the enrollment "
				    "stays as it is)");
		return;
	default:
		what = "meeting response";
		break;
	}
	if (!booked) {
		inbound_plan_record(p, f, t, INBOUND_EV_MEETING_RESP, what);
		return;
	}
	if (inbound_plan_stopped(t) || !t->stop_on_meeting) {
		char *w = xasprintf("%s (%s)", what, inbound_plan_stopped(t) ? "enrollment already stopped"
				    : "the sequence does not stop on meetings");
		inbound_plan_record(p, f, t, EV_MEETING, w);
		free(w);
		return;
	}
	a = inbound_plan_push(p, INB_ACT_UNENROLL, EV_MEETING, t);
	a->reason = xstrdup(tentative ? "meeting booked (tentative)" : "meeting booked");
	a->detail = inbound_plan_detail(f, t, "%s", what);
}
