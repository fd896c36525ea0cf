/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify_verdict.c - the verdict object: class names, the bounced
 * recipients a rule adds, and classify_verdict_free(). Calls no other classify file
 * (the rules below classify.c fill a verdict through it).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "classify_int.h"

const char *classify_verdict_class_name(enum classify_class c)
{
	switch (c) {
	case CLASSIFY_REPLY: return "reply";
	case CLASSIFY_AUTOREPLY: return "autoreply";
	case CLASSIFY_BOUNCE: return "bounce";
	case CLASSIFY_DELAY: return "delay";
	case CLASSIFY_UNSUBSCRIBE: return "unsubscribe";
	case CLASSIFY_MEETING: return "meeting";
	case CLASSIFY_COMPLAINT: return "complaint";
	case CLASSIFY_CHALLENGE: return "challenge";
	case CLASSIFY_OTHER: break;
	}
	return "other";
}

struct classify_rcpt *classify_verdict_add_rcpt(struct verdict *v, const char *addr)
{
	if (addr == NULL || v->nrcpts >= CLASSIFY_MAX_RCPTS)
		return NULL;
	for (size_t i = 0; i < v->nrcpts; i++)
		if (strcmp(v->rcpts[i].address, addr) == 0)
			return &v->rcpts[i];
	v->rcpts = xreallocarray(v->rcpts, v->nrcpts + 1, sizeof(*v->rcpts));
	struct classify_rcpt *r = &v->rcpts[v->nrcpts++];
	memset(r, 0, sizeof(*r));
	r->address = xstrdup(addr);
	cad_strlower(r->address);
	return r;
}

void classify_verdict_free(struct verdict *v)
{
	if (v == NULL)
		return;
	free(v->from);
	free(v->subject);
	free(v->message_id);
	for (size_t i = 0; i < v->nrcpts; i++) {
		free(v->rcpts[i].address);
		free(v->rcpts[i].status);
		free(v->rcpts[i].action);
		free(v->rcpts[i].diagnostic);
	}
	free(v->rcpts);
	free(v->orig_message_id);
	free(v->in_reply_to);
	for (size_t i = 0; i < v->nreferences; i++)
		free(v->references[i]);
	free(v->references);
	free(v->method);
	free(v->partstat);
	free(v->attendee);
	free(v->organizer);
	free(v->dtstart);
	for (size_t i = 0; i < v->nattendees; i++) {
		free(v->attendees[i].address);
		free(v->attendees[i].partstat);
	}
	free(v->attendees);
	free(v->feedback_type);
	free(v->arf_rcpt);
	free(v);
}
