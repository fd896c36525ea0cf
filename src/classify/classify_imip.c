/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify_imip.c - iTIP objects (RFC 5546) carried by iMIP mail (RFC 6047):
 * METHOD, and for the first attendee that states one, PARTSTAT; ORGANIZER,
 * DTSTART and every ATTENDEE (address and PARTSTAT, at most
 * CLASSIFY_MAX_ATTENDEES) of the first component (VEVENT, VTODO...; a
 * VTIMEZONE before it is skipped). Parsed with libical. Whether an
 * invitation is a booked meeting is not decided here: that needs to know
 * who is enrolled and who is internal (inbound_policy.c).
 * classify_imip_ics_attachment() tells classify.c's walk that an attachment under a
 * generic type (application/octet-stream; name="invite.ics") is one too.
 *
 * Guarantees: the object text is copied and bounded by the caller's
 * CLASSIFY_MAX_TEXT; libical's tree is freed before returning.
 */
#include "config.h"

#include <libical/ical.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify_int.h"

static char *strip_mailto(const char *s)
{
	if (s == NULL)
		return NULL;
	if (strncasecmp(s, "mailto:", 7) == 0)
		s += 7;
	char *r = classify_text_one_line(s, strlen(s), 320);
	cad_strlower(r);
	return r;
}

/* Every attendee, for the inbound side: who the meeting is with. */
static void add_attendee(struct verdict *v, const char *cal_address, const char *partstat)
{
	char *a = strip_mailto(cal_address);
	if (a == NULL || *a == '\0' || v->nattendees >= CLASSIFY_MAX_ATTENDEES) {
		free(a);
		return;
	}
	v->attendees = xreallocarray(v->attendees, v->nattendees + 1, sizeof(*v->attendees));
	v->attendees[v->nattendees].address = a;
	v->attendees[v->nattendees].partstat = NULL;
	if (partstat != NULL && *partstat) {
		char *p = classify_text_one_line(partstat, strlen(partstat), 64);
		for (char *q = p; *q; q++)
			if (*q >= 'a' && *q <= 'z')
				*q = (char)(*q - 'a' + 'A');
		v->attendees[v->nattendees].partstat = p;
	}
	v->nattendees++;
}

int classify_imip(const char *ics, size_t len, struct verdict *v)
{
	char *copy = xstrndup(ics, len);
	icalcomponent *root = icalparser_parse_string(copy);
	free(copy);
	if (root == NULL)
		return 0;
	icalcomponent *cal = root;
	if (icalcomponent_isa(root) != ICAL_VCALENDAR_COMPONENT) {
		cal = icalcomponent_get_first_component(root, ICAL_VCALENDAR_COMPONENT);
		if (cal == NULL)
			cal = root;
	}
	icalproperty *mp = icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY);
	if (mp != NULL) {
		const char *m = icalproperty_get_value_as_string(mp);
		if (m != NULL && *m) {
			free(v->method);
			v->method = classify_text_one_line(m, strlen(m), 64);
			for (char *p = v->method; *p; p++)
				if (*p >= 'a' && *p <= 'z')
					*p = (char)(*p - 'a' + 'A');
		}
	}
	icalcomponent *c = icalcomponent_get_first_real_component(cal);
	if (c != NULL) {
		icalproperty *o = icalcomponent_get_first_property(c, ICAL_ORGANIZER_PROPERTY);
		if (o != NULL && v->organizer == NULL)
			v->organizer = strip_mailto(icalproperty_get_value_as_string(o));
		icalproperty *first = NULL;
		int stated = 0, take = v->nattendees == 0;
		for (icalproperty *a = icalcomponent_get_first_property(c, ICAL_ATTENDEE_PROPERTY);
		    a != NULL; a = icalcomponent_get_next_property(c, ICAL_ATTENDEE_PROPERTY)) {
			char *ps = icalproperty_get_parameter_as_string_r(a, "PARTSTAT");
			if (first == NULL)
				first = a;
			if (ps != NULL && !stated) {
				/* the first attendee that states one speaks for a REPLY */
				first = a;
				stated = 1;
				free(v->partstat);
				v->partstat = classify_text_one_line(ps, strlen(ps), 64);
			}
			if (take)
				add_attendee(v, icalproperty_get_value_as_string(a), ps);
			free(ps);
		}
		if (first != NULL && v->attendee == NULL)
			v->attendee = strip_mailto(icalproperty_get_value_as_string(first));
		icalproperty *ds = icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY);
		if (ds != NULL && v->dtstart == NULL) {
			const char *d = icalproperty_get_value_as_string(ds);
			if (d != NULL)
				v->dtstart = classify_text_one_line(d, strlen(d), 64);
		}
	}
	icalcomponent_free(root);
	return v->method != NULL;
}

int classify_imip_ics_attachment(GMimePart *part)
{
	GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
	const char *type = ct ? g_mime_content_type_get_media_type(ct) : NULL;
	const char *sub = ct ? g_mime_content_type_get_media_subtype(ct) : NULL;
	const char *fn = g_mime_part_get_filename(part);
	size_t n = fn ? strlen(fn) : 0;

	if (type == NULL || sub == NULL || strcasecmp(type, "application") != 0 ||
	    (strcasecmp(sub, "octet-stream") != 0 && strcasecmp(sub, "x-ics") != 0 &&
	     strcasecmp(sub, "ical") != 0))
		return 0;
	return n > 4 && strcasecmp(fn + n - 4, ".ics") == 0;
}
