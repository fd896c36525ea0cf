/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify_arf.c - feedback-loop reports (ARF, RFC 5965): a recipient's
 * provider tells us its user marked our mail as spam (or asked to be taken
 * off: Feedback-Type: opt-out). Reads Feedback-Type and the original
 * recipient (Original-Rcpt-To, else Removal-Recipient, else the To of the
 * attached original message). Also Microsoft's JMRP reports (the reported
 * message attached, X-HmXmrOriginalRecipient in it).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify_int.h"

/* Value of field `name` in a header-like block, one line; NULL if absent. */
static char *block_field(const char *s, size_t n, const char *name)
{
	size_t k = strlen(name);
	for (size_t i = 0; i < n; ) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - s) : n;
		if (e - i > k && strncasecmp(s + i, name, k) == 0 && s[i + k] == ':')
			return classify_text_one_line(s + i + k + 1, e - i - k - 1, 998);
		i = e + 1;
	}
	return NULL;
}

int classify_arf(struct classify_msg *m, struct verdict *v)
{
	int ct = m->content_type && strstr(m->content_type, "feedback-report") != NULL;
	/* Microsoft's Junk Mail Reporting Program predates ARF: the reported
	 * message comes back attached, marked with X-HmXmrOriginalRecipient */
	char *jmrp = m->orig.len ? block_field(m->orig.s, m->orig.len, "X-HmXmrOriginalRecipient") : NULL;
	/* ... or inline: the reported message itself, that header prepended */
	const char *top = jmrp == NULL ? classify_msg_header(m, "X-HmXmrOriginalRecipient") : NULL;
	if (top != NULL)
		jmrp = classify_text_one_line(top, strlen(top), 998);
	if (jmrp != NULL && m->feedback.len == 0) {
		v->cls = CLASSIFY_COMPLAINT;
		v->rule = "jmrp";
		v->feedback_type = xstrdup("abuse");
		v->arf_rcpt = classify_text_addr(jmrp, strlen(jmrp));
		free(jmrp);
		return 1;
	}
	free(jmrp);
	if (m->feedback.len == 0 && !ct)
		return 0;
	char *ft = block_field(m->feedback.s, m->feedback.len, "Feedback-Type");
	if (ft == NULL && !ct)
		return 0;
	v->cls = CLASSIFY_COMPLAINT;
	v->rule = "arf";
	if (ft != NULL) {
		cad_strlower(ft);
		v->feedback_type = ft;
	} else {
		v->feedback_type = xstrdup("abuse");
	}
	static const char *const fields[] = { "Original-Rcpt-To", "Removal-Recipient", NULL };
	for (int i = 0; fields[i] && v->arf_rcpt == NULL; i++) {
		char *f = block_field(m->feedback.s, m->feedback.len, fields[i]);
		if (f != NULL) {
			v->arf_rcpt = classify_text_addr(f, strlen(f));
			free(f);
		}
	}
	if (v->arf_rcpt == NULL && m->orig.len > 0) {
		char *to = block_field(m->orig.s, m->orig.len, "To");
		if (to != NULL) {
			v->arf_rcpt = classify_text_addr(to, strlen(to));
			free(to);
		}
	}
	return 1;
}
