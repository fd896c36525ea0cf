/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify_status.c - one bounced recipient's status, whoever named it (a
 * DSN's fields or a notice's text): its action, RFC 3463
 * status, SMTP code, diagnostic and reason; the notice's words about it;
 * and the class a notice's recipients make together. Calls only the text
 * helpers and the reasons (classify_reason.c).
 *
 * Guarantees: diagnostics are one printable line of at most CLASSIFY_DIAG_MAX
 * bytes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "classify_int.h"

void classify_status_fill(struct classify_rcpt *r, const char *action, const char *status,
    const char *diag, const char *context)
{
	char st[16];

	if (r->action == NULL && action != NULL) {
		r->action = xstrdup(action);
		cad_strlower(r->action);
		char *sp = strpbrk(r->action, " ;(");
		if (sp)
			*sp = '\0';
	}
	if (r->status == NULL && status && classify_text_status(status, strlen(status), st, sizeof(st)))
		r->status = xstrdup(st);
	if (r->diagnostic == NULL && diag != NULL && *diag) {
		const char *d = diag;
		if (cad_startswith_ci(d, "smtp;"))
			d += 5;
		else if (cad_startswith_ci(d, "x-unix;") || cad_startswith_ci(d, "x-postfix;"))
			d = strchr(d, ';') + 1;
		r->diagnostic = classify_text_one_line(d, strlen(d), CLASSIFY_DIAG_MAX);
	}
	const char *text = r->diagnostic ? r->diagnostic : context;
	if (r->status == NULL && text && classify_text_status(text, strlen(text), st, sizeof(st)))
		r->status = xstrdup(st);
	/* a generic x.0.0 in the Status field, a precise one in the words */
	if (r->status && strcmp(r->status + 1, ".0.0") == 0 && text &&
	    classify_text_status(text, strlen(text), st, sizeof(st)) &&
	    st[0] == r->status[0]) {
		free(r->status);
		r->status = xstrdup(st);
	}
	if (r->smtp_code == 0 && text)
		r->smtp_code = classify_text_smtp_code(text, strlen(text));
	/* RFC 3464 actions; anything else (sendmail's "deliverable", a missing
	 * field) is read from the status class */
	if (r->action != NULL && strcmp(r->action, "failed") != 0 &&
	    strcmp(r->action, "delayed") != 0 && strcmp(r->action, "delivered") != 0 &&
	    strcmp(r->action, "relayed") != 0 && strcmp(r->action, "expanded") != 0) {
		free(r->action);
		r->action = NULL;
	}
	if (r->action == NULL)
		r->action = xstrdup(r->status && r->status[0] == '4' ? "delayed" :
		    r->status && r->status[0] == '2' ? "delivered" : "failed");
	/* the words to judge by: the diagnostic first, the notice around the
	 * address when the diagnostic says nothing we know */
	r->reason = classify_reason(r->status, r->smtp_code, r->diagnostic, context, r->action);
	r->hard = classify_reason_is_hard(r->reason, r->status);
}

/* The notice text from the line naming an address, up to `to` or the
 * first blank line after it (where the MTAs end a recipient's block). */
char *classify_status_context(const char *s, size_t from, size_t to)
{
	if (to > from + 2 * CLASSIFY_DIAG_MAX)
		to = from + 2 * CLASSIFY_DIAG_MAX;
	const char *nl = memchr(s + from, '\n', to - from);
	int content = 0;    /* a non-blank line seen after the address's line */
	/* "554 <addr>... 550 Host unknown": the line says it all, unless the
	 * next line continues it (indented) */
	if (nl != NULL) {
		char st[16];
		size_t l1 = (size_t)(nl - s) - from;
		if ((classify_text_smtp_code(s + from, l1) || classify_text_status(s + from, l1, st, sizeof(st))) &&
		    (size_t)(nl - s) + 1 < to && nl[1] != ' ' && nl[1] != '\t')
			to = (size_t)(nl - s);
	}
	while (nl != NULL && (size_t)(nl - s) + 1 < to) {
		const char *l = nl + 1;
		size_t k = 0;
		while (l + k < s + to && (l[k] == ' ' || l[k] == '\t'))
			k++;
		if (l + k < s + to && l[k] == '\n') {
			/* a paragraph break ends the block once it said something
			 * with a code in it (Gmail writes several paragraphs) */
			char st[16];
			size_t sofar = (size_t)(l - s) - from;
			if (content && (classify_text_smtp_code(s + from, sofar) ||
			    classify_text_status(s + from, sofar, st, sizeof(st)))) {
				to = (size_t)(l - s);
				break;
			}
		} else {
			content = 1;
		}
		nl = memchr(l, '\n', to - (size_t)(l - s));
	}
	return classify_text_one_line(s + from, to - from, CLASSIFY_DIAG_MAX);
}

void classify_status_decide(struct verdict *v, int delay_hint)
{
	int failed = 0, delayed = 0, delivered = 0;
	for (size_t i = 0; i < v->nrcpts; i++) {
		const char *a = v->rcpts[i].action ? v->rcpts[i].action : "";
		if (strcmp(a, "failed") == 0)
			failed++;
		else if (strcmp(a, "delayed") == 0)
			delayed++;
		else if (strcmp(a, "delivered") == 0 || strcmp(a, "relayed") == 0 ||
		    strcmp(a, "expanded") == 0)
			delivered++;
		else
			failed++;
	}
	if (failed)
		v->cls = CLASSIFY_BOUNCE;
	else if (delayed || delay_hint)
		v->cls = CLASSIFY_DELAY;
	else if (delivered)
		v->cls = CLASSIFY_OTHER;
	else
		v->cls = CLASSIFY_BOUNCE;
}
