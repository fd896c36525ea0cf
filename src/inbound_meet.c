/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * inbound_meet.c - meetings by mail (iMIP, RFC 6047): what kind of iTIP
 * object the classifier read, and which senders may speak for a meeting
 * they are not part of (scheduling services). See inbound.h.
 *
 * Pure: no store, no clock. The policy (inbound_policy.c) decides what a
 * meeting does; this file only names things.
 *
 * Scheduling services: a booking made through a rep's link (Calendly,
 * HubSpot meetings, Google Calendar appointment pages, Chili Piper, ...)
 * reaches the rep as an invitation sent by the service, not by the
 * contact: its From is the service's, authenticated for the service's
 * domain. Those domains are listed here; an invitation from any other
 * third party does not stop a sequence (anyone may send an invitation
 * naming anyone: the sender must be a participant or a service).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "inbound.h"
#include "orgdomain.h"

enum inbound_meeting inbound_meeting_kind(const struct verdict *v)
{
	const char *m;

	if (v == NULL || v->method == NULL)
		return MEET_NONE;
	m = v->method;
	if (v->cls == CLS_MEETING)
		return strcasecmp(m, "REPLY") == 0 ? MEET_REPLY : MEET_OTHER;
	/* The classifier leaves everything but a REPLY as other (imip-other,
	 * itip-other); a method read from a part of a bounce or a report
	 * (rule of another name) is not a meeting. */
	if (v->cls != CLS_OTHER || v->rule == NULL ||
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

/* Organizational domains of scheduling services whose mail carries the
 * invitations of bookings made by their users' invitees. */
static const char *const services[] = {
	"calendly.com",          /* Calendly */
	"google.com",            /* Google Calendar (calendar-notification@google.com) */
	"hubspot.com",           /* HubSpot meetings */
	"hubspotemail.net",
	"chilipiper.com",        /* Chili Piper */
	"cal.com",               /* Cal.com */
	"savvycal.com",          /* SavvyCal */
	"youcanbook.me",         /* YouCanBookMe */
	"acuityscheduling.com",  /* Acuity */
	"zcal.co",               /* zcal */
	NULL
};

int inbound_calendar_service(const char *addr)
{
	const char *d = addr ? cad_addr_domain(addr) : NULL;
	char *org;
	int r = 0;

	if (d == NULL || *d == '\0')
		return 0;
	org = cad_org_domain(d);
	for (size_t i = 0; org != NULL && services[i] != NULL; i++)
		if (strcasecmp(org, services[i]) == 0)
			r = 1;
	free(org);
	return r;
}
