/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * inbound_meet.c - meetings by mail (iMIP, RFC 6047): what kind of iTIP
 * object the classifier read, whether it is a meeting between an
 * enrollment's rep and its contact, and which senders may speak for a
 * meeting they are not part of (scheduling services). See inbound.h.
 *
 * Pure: no store, no clock. The policy (inbound_policy.c) decides what a
 * meeting does; this file only names things.
 *
 * Parties (issue #9): anyone may write an invitation naming anyone, and
 * anyone with an account at a booking tool can make the tool send a real,
 * authenticated one. So an event is a meeting of an enrollment only when
 * the enrollment's rep is its ORGANIZER or an ATTENDEE and the contact
 * (its address or a known alias) is another of them; a colleague or an
 * InternalDomains address in the rep's place is not enough.
 *
 * Scheduling services: a booking made through a rep's link (Calendly,
 * HubSpot meetings, Google Calendar appointment pages, Chili Piper, ...)
 * reaches the rep as an invitation sent by the service, not by the
 * contact: its From is the service's, authenticated for the service's
 * domain. Their domains (each with its subdomains) are cadence.conf's
 * SchedulingServices (inbound_config.scheduling_services): data, not code.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "inbound.h"

enum inbound_meeting inbound_meet_kind(const struct verdict *v)
{
	const char *m;

	if (v == NULL || v->method == NULL)
		return MEET_NONE;
	m = v->method;
	if (v->cls == CLASSIFY_MEETING)
		return strcasecmp(m, "REPLY") == 0 ? MEET_REPLY : MEET_OTHER;
	/* The classifier leaves everything but a REPLY as other (imip-other,
	 * itip-other); a method read from a part of a bounce or a report
	 * (rule of another name) is not a meeting. */
	if (v->cls != CLASSIFY_OTHER || v->rule == NULL ||
	    (strcmp(v->rule, "imip-other") != 0 && strcmp(v->rule, "itip-other") != 0))
		return MEET_NONE;
	if (strcasecmp(m, "REQUEST") == 0)
		return MEET_REQUEST;
	if (strcasecmp(m, "CANCEL") == 0)
		return MEET_CANCEL;
	if (strcasecmp(m, "COUNTER") == 0 || strcasecmp(m, "REFRESH") == 0 ||
	    strcasecmp(m, "ADD") == 0 || strcasecmp(m, "DECLINECOUNTER") == 0)
		return MEET_OTHER;
	return MEET_NONE;   /* PUBLISH: an event announced, nobody invited */
}

const char *inbound_meet_addr(const char *cal)
{
	if (cal != NULL && cad_startswith_ci(cal, "mailto:"))
		cal += 7;
	return cal;
}

int inbound_meet_internal(const struct inbound_config *cfg, const char *cal)
{
	const char *d = cal != NULL && cfg != NULL ? cad_addr_domain(inbound_meet_addr(cal)) : NULL;
	for (size_t i = 0; d != NULL && i < cfg->ninternal_domains; i++)
		if (cad_strcaseeq(d, cfg->internal_domains[i]))
			return 1;
	return 0;
}

/* An ORGANIZER or ATTENDEE value ("mailto:a@b", "MAILTO:a@b", "a@b") is
 * addr (an addr-spec, compared without case). */
static int cal_addr_is(const char *cal, const char *addr)
{
	if (cal == NULL || addr == NULL || *addr == '\0')
		return 0;
	return cad_strcaseeq(inbound_meet_addr(cal), addr);
}

/* The organizer (i == 0) and the attendees (i >= 1) of v. */
static const char *party(const struct verdict *v, size_t i)
{
	return i == 0 ? v->organizer : v->attendees[i - 1].address;
}

static int is_contact(const struct inbound_target *t, const char *cal)
{
	if (cal_addr_is(cal, t->contact_email))
		return 1;
	for (size_t k = 0; k < t->ncontact_aliases; k++)
		if (cal_addr_is(cal, t->contact_aliases[k]))
			return 1;
	return 0;
}

int inbound_meet_parties(const struct verdict *v, const struct inbound_target *t,
			    const struct inbound_config *cfg)
{
	int rep = 0, contact = 0;

	if (v == NULL || t == NULL || t->rep_email == NULL || v->organizer == NULL)
		return 0;
	for (size_t i = 0; i <= v->nattendees; i++) {
		const char *p = party(v, i);
		if (cal_addr_is(p, t->rep_email))
			rep = 1;
		else if (is_contact(t, p))
			contact = 1;
	}
	/* organized by one of the two, or by the organization's own calendar
	 * (an address at one of its domains, as Microsoft Bookings' shared
	 * mailbox);
	 * a stranger's event naming both is not their meeting */
	return rep && contact && (cal_addr_is(v->organizer, t->rep_email) ||
				  is_contact(t, v->organizer) ||
				  inbound_meet_internal(cfg, v->organizer));
}

int inbound_meet_service(const struct inbound_config *cfg, const char *addr)
{
	const char *d = addr ? cad_addr_domain(addr) : NULL;
	size_t dl, el;

	if (cfg == NULL || d == NULL || *d == '\0')
		return 0;
	dl = strlen(d);
	for (size_t i = 0; i < cfg->nscheduling_services; i++) {
		const char *e = cfg->scheduling_services[i];
		el = strlen(e);
		/* the domain itself or one below it */
		if (el > 0 && dl >= el && strcasecmp(d + dl - el, e) == 0 &&
		    (dl == el || d[dl - el - 1] == '.'))
			return 1;
	}
	return 0;
}
