/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify_json.c - a verdict as text: one JSON object with every field
 * (jansson), or one human-readable line. Strings from the message are
 * already one printable line (classify.c caps and flattens them); jansson
 * escapes what JSON needs.
 */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "util.h"

static void put_str(json_t *o, const char *k, const char *v)
{
	if (v != NULL && *v)
		json_object_set_new(o, k, json_string(v));
	else
		json_object_set_new(o, k, json_null());
}

json_t *classify_json_object(const struct verdict *v)
{
	return classify_json_fill(json_object(), v);
}

json_t *classify_json_fill(json_t *o, const struct verdict *v)
{
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "class", json_string(classify_verdict_class_name(v->cls)));
	put_str(o, "rule", v->rule);
	json_object_set_new(o, "null_sender", json_boolean(v->null_sender));
	put_str(o, "from", v->from);
	put_str(o, "subject", v->subject);
	put_str(o, "message_id", v->message_id);

	json_t *rs = json_array();
	for (size_t i = 0; i < v->nrcpts; i++) {
		const struct classify_rcpt *r = &v->rcpts[i];
		json_t *j = json_object();
		put_str(j, "address", r->address);
		put_str(j, "status", r->status);
		json_object_set_new(j, "smtp_code", r->smtp_code ? json_integer(r->smtp_code) : json_null());
		put_str(j, "action", r->action);
		put_str(j, "diagnostic", r->diagnostic);
		put_str(j, "reason", r->reason);
		json_object_set_new(j, "hard", json_boolean(r->hard));
		json_array_append_new(rs, j);
	}
	json_object_set_new(o, "recipients", rs);
	put_str(o, "original_message_id", v->orig_message_id);

	put_str(o, "auto_kind", v->auto_kind);
	put_str(o, "return_date", v->return_date);

	put_str(o, "in_reply_to", v->in_reply_to);
	json_t *refs = json_array();
	for (size_t i = 0; i < v->nreferences; i++)
		json_array_append_new(refs, json_string(v->references[i]));
	json_object_set_new(o, "references", refs);
	put_str(o, "reply_evidence", v->reply_evidence);

	put_str(o, "method", v->method);
	put_str(o, "partstat", v->partstat);
	put_str(o, "attendee", v->attendee);
	put_str(o, "organizer", v->organizer);
	put_str(o, "dtstart", v->dtstart);

	put_str(o, "feedback_type", v->feedback_type);
	put_str(o, "arf_recipient", v->arf_rcpt);
	return o;
}

char *classify_json_text(const struct verdict *v)
{
	json_t *o = classify_json_object(v);
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(o);
	char *r = xstrdup(s ? s : "{}");
	free(s);
	return r;
}

char *classify_json_line(const struct verdict *v)
{
	struct sbuf b;
	sbuf_init(&b);
	sbuf_adds(&b, classify_verdict_class_name(v->cls));
	switch (v->cls) {
	case CLASSIFY_BOUNCE:
	case CLASSIFY_DELAY:
		for (size_t i = 0; i < v->nrcpts; i++) {
			const struct classify_rcpt *r = &v->rcpts[i];
			sbuf_addf(&b, " %s %s %s", r->address, r->hard ? "hard" : "soft",
			    r->reason ? r->reason : "undefined");
			if (r->status)
				sbuf_addf(&b, " %s", r->status);
			if (r->smtp_code)
				sbuf_addf(&b, " %d", r->smtp_code);
		}
		if (v->orig_message_id)
			sbuf_addf(&b, " orig=<%s>", v->orig_message_id);
		break;
	case CLASSIFY_AUTOREPLY:
		sbuf_addf(&b, " %s", v->auto_kind ? v->auto_kind : "auto");
		if (v->return_date[0])
			sbuf_addf(&b, " back=%s", v->return_date);
		break;
	case CLASSIFY_MEETING:
		sbuf_addf(&b, " %s %s", v->method ? v->method : "?", v->partstat ? v->partstat : "-");
		if (v->attendee)
			sbuf_addf(&b, " attendee=%s", v->attendee);
		if (v->dtstart)
			sbuf_addf(&b, " dtstart=%s", v->dtstart);
		break;
	case CLASSIFY_COMPLAINT:
		sbuf_addf(&b, " %s", v->feedback_type ? v->feedback_type : "abuse");
		if (v->arf_rcpt)
			sbuf_addf(&b, " rcpt=%s", v->arf_rcpt);
		break;
	case CLASSIFY_REPLY:
		sbuf_addf(&b, " evidence=%s", v->reply_evidence);
		if (v->in_reply_to)
			sbuf_addf(&b, " in-reply-to=<%s>", v->in_reply_to);
		break;
	case CLASSIFY_CHALLENGE:
		if (v->orig_message_id)
			sbuf_addf(&b, " orig=<%s>", v->orig_message_id);
		break;
	case CLASSIFY_UNSUBSCRIBE:
	case CLASSIFY_OTHER:
		break;
	}
	sbuf_addf(&b, " (rule %s)", v->rule ? v->rule : "none");
	return sbuf_detach(&b);
}
