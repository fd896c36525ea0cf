/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify_ses.c - Amazon SES notifications delivered by e-mail through
 * SNS: the body is a JSON object with notificationType Bounce, Complaint
 * or Delivery. Parsed with jansson; bounced recipients keep their status,
 * action and diagnostic like a DSN's.
 */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "classify_int.h"

static const char *jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

int classify_ses(struct classify_msg *m, struct verdict *v)
{
	const char *s = m->text.s;
	const char *nt = classify_text_memcasestr(s, m->text.len, "notificationType");
	if (nt == NULL)
		return 0;
	const char *open = memchr(s, '{', (size_t)(nt - s));
	const char *close = NULL;
	for (const char *p = s + m->text.len; p > nt; p--)
		if (p[-1] == '}') {
			close = p;
			break;
		}
	if (open == NULL || close == NULL)
		return 0;
	/* SNS wraps long lines as "!\n " in mail; undo that and plain breaks */
	struct sbuf j;
	sbuf_init(&j);
	for (const char *p = open; p < close; p++) {
		if (*p == '!' && p + 2 < close && p[1] == '\n' && p[2] == ' ') {
			p += 2;
			continue;
		}
		if (*p == '\n' && p + 1 < close && p[1] == ' ') {
			p += 1;
			continue;
		}
		if (*p == '\n')
			continue;
		sbuf_addc(&j, *p);
	}
	json_error_t err;
	json_t *root = json_loadb(j.s, j.len, 0, &err);
	sbuf_free(&j);
	if (root == NULL)
		return 0;
	/* an SNS envelope carries the SES object as a string in "Message" */
	const char *inner = jstr(root, "Message");
	if (inner != NULL) {
		json_t *r2 = json_loads(inner, 0, &err);
		if (r2 != NULL) {
			json_decref(root);
			root = r2;
		}
	}
	const char *type = jstr(root, "notificationType");
	int ok = 0;
	json_t *mail = json_object_get(root, "mail");
	const char *mid = mail ? jstr(mail, "messageId") : NULL;
	if (type && strcmp(type, "Bounce") == 0) {
		json_t *b = json_object_get(root, "bounce");
		json_t *list = json_object_get(b, "bouncedRecipients");
		const char *btype = jstr(b, "bounceType");
		size_t i;
		json_t *e;
		json_array_foreach(list, i, e) {
			const char *a = jstr(e, "emailAddress");
			char *addr = a ? classify_text_addr(a, strlen(a)) : NULL;
			struct classify_rcpt *r = classify_verdict_add_rcpt(v, addr);
			free(addr);
			if (r == NULL)
				continue;
			const char *st = jstr(e, "status"), *act = jstr(e, "action");
			const char *diag = jstr(e, "diagnosticCode");
			char buf[16];
			if (st && classify_text_status(st, strlen(st), buf, sizeof(buf)))
				r->status = xstrdup(buf);
			r->action = xstrdup(act ? act : (btype && strcmp(btype, "Transient") == 0 ?
			    "delayed" : "failed"));
			if (diag) {
				r->diagnostic = classify_text_one_line(diag, strlen(diag), 1000);
				r->smtp_code = classify_text_smtp_code(diag, strlen(diag));
			}
			r->reason = classify_reason(r->status, r->smtp_code, r->diagnostic, NULL, r->action);
			r->hard = classify_reason_is_hard(r->reason, r->status);
		}
		v->cls = CLASSIFY_BOUNCE;
		v->rule = "ses-bounce";
		ok = 1;
	} else if (type && strcmp(type, "Complaint") == 0) {
		json_t *c = json_object_get(root, "complaint");
		json_t *list = json_object_get(c, "complainedRecipients");
		const char *ft = jstr(c, "complaintFeedbackType");
		v->cls = CLASSIFY_COMPLAINT;
		v->rule = "ses-complaint";
		v->feedback_type = xstrdup(ft ? ft : "abuse");
		json_t *e = json_array_get(list, 0);
		const char *a = e ? jstr(e, "emailAddress") : NULL;
		if (a)
			v->arf_rcpt = classify_text_addr(a, strlen(a));
		ok = 1;
	} else if (type && strcmp(type, "Delivery") == 0) {
		v->cls = CLASSIFY_OTHER;
		v->rule = "ses-delivery";
		ok = 1;
	}
	if (ok && mid && v->orig_message_id == NULL)
		v->orig_message_id = classify_text_one_line(mid, strlen(mid), 998);
	json_decref(root);
	return ok;
}
