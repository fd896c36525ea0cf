/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify_dsn.c - bounces and delay warnings: RFC 3464 delivery status
 * notifications and the non-standard notices of qmail, Exim, Exchange,
 * Yahoo, Domino, ezweb, ... that carry the failure only in their text.
 *
 * Standard DSNs: the message/delivery-status part is a per-message field
 * block followed by one block per recipient (Final-Recipient, Action,
 * Status, Diagnostic-Code...); GMime hands us its bytes and we read the
 * fields here. Senders that glue blocks together are tolerated: a new
 * Final-Recipient starts a new recipient.
 *
 * Non-standard notices: recognised by who sends them (MAILER-DAEMON,
 * postmaster, "Mail Delivery System", the null sender), by their subject
 * ("Undeliverable:", "failure notice", "Mail delivery failed", ...) and by
 * failure wording in the text, or by an X-Failed-Recipients header. The
 * notice text is cut where the returned message starts, and the failed
 * recipients are read from the lines that name an address the way these
 * MTAs write it ("<addr>:", "  addr", "RCPT TO:<addr>", "To: addr", ...);
 * which of those are evidence of a failed recipient (and which are the
 * sender, a list, a suggestion) is classify_rcpt.c's business.
 *
 * Guarantees: at most CLS_MAX_RCPTS recipients; diagnostics are one
 * printable line of at most 1000 bytes.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify_int.h"

#define DIAG_MAX 1000

/* ---- RFC 3464 fields ---- */

struct dsn_rec {
	char *final, *orig, *action, *status, *diag;
};

static void rec_free(struct dsn_rec *r)
{
	free(r->final);
	free(r->orig);
	free(r->action);
	free(r->status);
	free(r->diag);
	memset(r, 0, sizeof(*r));
}

static void set_field(char **dst, const char *v, size_t n)
{
	free(*dst);
	*dst = cls_one_line(v, n, DIAG_MAX);
}

/* Value of a "Name: value" field, unfolded (continuation lines joined). */
static size_t field_value(const char *s, size_t n, size_t pos, struct sbuf *out)
{
	size_t i = pos;
	sbuf_reset(out);
	for (;;) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - s) : n;
		sbuf_add(out, s + i, e - i);
		i = nl ? e + 1 : n;
		if (i < n && (s[i] == ' ' || s[i] == '\t') && out->len < 4 * DIAG_MAX) {
			sbuf_addc(out, ' ');
			continue;
		}
		return i;
	}
}

/* "rfc822; user@example.com", "RFC822; <user@example.com>"; with relaxed,
 * a one-label domain too ("user@mailhub"). */
static char *addr_of_field_r(const char *v, int relaxed)
{
	const char *semi = strchr(v, ';');
	const char *a = semi ? semi + 1 : v;
	return relaxed ? cls_addr_extract_field(a, strlen(a)) : cls_addr_extract(a, strlen(a));
}

static char *addr_of_field(const char *v)
{
	return addr_of_field_r(v, 0);
}

static int parse_fields(const char *s, size_t n, struct dsn_rec **recs, size_t *nrecs)
{
	struct dsn_rec cur = { 0 };
	struct sbuf val;
	size_t i = 0;

	sbuf_init(&val);
	*recs = NULL;
	*nrecs = 0;
	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - s) : n;
		const char *colon = memchr(s + i, ':', e - i);
		if (e == i && (cur.final || cur.orig)) {
			/* a blank line ends a recipient's block */
			if (*nrecs < CLS_MAX_RCPTS) {
				*recs = xrealloc(*recs, (*nrecs + 1) * sizeof(**recs));
				(*recs)[(*nrecs)++] = cur;
			} else {
				rec_free(&cur);
			}
			memset(&cur, 0, sizeof(cur));
		}
		if (colon == NULL || colon == s + i) {
			i = e + 1;
			continue;
		}
		size_t nl_name = (size_t)(colon - (s + i));
		char name[40];
		if (nl_name >= sizeof(name)) {
			i = e + 1;
			continue;
		}
		memcpy(name, s + i, nl_name);
		name[nl_name] = '\0';
		i = field_value(s, n, (size_t)(colon - s) + 1, &val);
		char *t = cad_trim(val.s);
		int is_final = strcasecmp(name, "Final-Recipient") == 0;
		int is_orig = strcasecmp(name, "Original-Recipient") == 0;
		if ((is_final && cur.final) || (is_orig && cur.orig)) {
			if (*nrecs < CLS_MAX_RCPTS) {
				*recs = xrealloc(*recs, (*nrecs + 1) * sizeof(**recs));
				(*recs)[(*nrecs)++] = cur;
			} else {
				rec_free(&cur);
			}
			memset(&cur, 0, sizeof(cur));
		}
		if (is_final)
			set_field(&cur.final, t, strlen(t));
		else if (is_orig)
			set_field(&cur.orig, t, strlen(t));
		else if (strcasecmp(name, "Action") == 0)
			set_field(&cur.action, t, strlen(t));
		else if (strcasecmp(name, "Status") == 0)
			set_field(&cur.status, t, strlen(t));
		else if (strcasecmp(name, "Diagnostic-Code") == 0)
			set_field(&cur.diag, t, strlen(t));
	}
	if ((cur.final || cur.orig) && *nrecs < CLS_MAX_RCPTS) {
		*recs = xrealloc(*recs, (*nrecs + 1) * sizeof(**recs));
		(*recs)[(*nrecs)++] = cur;
	} else {
		rec_free(&cur);
	}
	sbuf_free(&val);
	return 0;
}

/* ---- the notice text ---- */

/* Where the returned original message starts in a notice. */
static size_t notice_end(const char *s, size_t n)
{
	static const char *const marks[] = {
		"below this line is a copy of the message",
		"this is a copy of the message", "copy of the original message",
		"original message follows", "original message header",
		"headers of the original message", "original message headers",
		"----- original message -----", "------ original message ------",
		"message headers follow", "included is a copy of", "the original message was:",
		"returned message follows", "------ failed message", "message text follows", "unsent message below",
		"original text follows", "header of the original message",
		"content-type: message/rfc822", "rfc822-headers", "the first part of the message",
		"for reference, here is", NULL
	};
	size_t end = n, pos[CAD_ARRAY_LEN(marks)];
	/* as if each mark were looked for in s[0..end) with end moving up to
	 * the marks found before it: a first occurrence that ends past end is
	 * not seen */
	cls_memcase_first(s, n, marks, pos);
	for (int i = 0; marks[i]; i++) {
		if (pos[i] != (size_t)-1 && pos[i] + strlen(marks[i]) <= end && pos[i] > 20)
			end = pos[i];
	}
	/* a header block at column 0 (the copy of the message without a marker) */
	for (size_t i = 0; i < end; ) {
		const char *nl = memchr(s + i, '\n', end - i);
		size_t e = nl ? (size_t)(nl - s) : end;
		if (i > 40 && (cad_startswith_ci(s + i, "Return-Path:") ||
		    cad_startswith_ci(s + i, "Received:") || cad_startswith_ci(s + i, "Message-ID:") ||
		    cad_startswith_ci(s + i, "DKIM-Signature:")))
			return i;
		i = e + 1;
	}
	return end;
}

/* notice_end() of the message's text, computed once per message. */
static size_t text_cut(struct cls_msg *m)
{
	if (!m->text_cut_known) {
		m->text_cut = notice_end(m->text.s, m->text.len);
		m->text_cut_known = 1;
	}
	return m->text_cut;
}

/* An address that cannot be the failed recipient of this notice. */
static int excluded(const struct cls_msg *m, const char *a, const char *orig_from)
{
	if (cls_is_list_address(m, a))
		return 1;
	if (classify_msg_is_daemon_local(a))
		return 1;
	if (m->from && strcmp(a, m->from) == 0)
		return 1;
	if (m->to && strcmp(a, m->to) == 0)
		return 1;
	if (orig_from && strcmp(a, orig_from) == 0)
		return 1;
	return 0;
}


/* 2: the line is about a recipient in a form only failed recipients take
 * ("<addr>:", the address alone, "RCPT TO:<addr>", "Recipient: addr");
 * 1: it names an address near a keyword; 0: neither. */
static int line_names_recipient(const char *l, size_t ll)
{
	size_t i = 0;
	while (i < ll && (l[i] == ' ' || l[i] == '\t' || l[i] == '*' || l[i] == '-' ||
	    l[i] == '>' || l[i] == '#'))
		i++;
	if (ll >= 3 && (memcmp(l, "<<<", 3) == 0 || memcmp(l, ">>>", 3) == 0) &&
	    cls_memcasestr(l, ll, "rcpt to") == NULL)
		return 1;                               /* an SMTP transcript line */
	if (i < ll && l[i] == '<')
		return 2;                               /* "<addr>:" qmail, Yahoo */
	const char *at = memchr(l, '@', ll);
	if (at == NULL)
		return 0;
	/* sendmail's "550 <addr>... User unknown" */
	if (i + 4 < ll && isdigit((unsigned char)l[i]) && isdigit((unsigned char)l[i + 1]) &&
	    isdigit((unsigned char)l[i + 2]) && l[i + 3] == ' ' && l[i + 4] == '<')
		return 2;
	/* a failure stated, then the address closing the line:
	 * "Delivery failed 20 attempts: addr" */
	size_t z = ll;
	while (z > 0 && (isspace((unsigned char)l[z - 1]) || l[z - 1] == '.' || l[z - 1] == '>'))
		z--;
	size_t y = z;
	while (y > 0 && !isspace((unsigned char)l[y - 1]))
		y--;
	if (y > i && memchr(l + y, '@', z - y) != NULL && l[y - 1] != '\t' &&
	    (cls_memcasestr(l, y, "failed") || cls_memcasestr(l, y, "undeliverable") ||
	     cls_memcasestr(l, y, "unknown") || cls_memcasestr(l, y, "rejected")))
		return 2;
	/* the line starts with the address: "addr: 550 ...", "addr on <date>" */
	size_t w = i;
	while (w < ll && !isspace((unsigned char)l[w]))
		w++;
	if (memchr(l + i, '@', w - i) != NULL && cls_memcasestr(l, ll, "wrote") == NULL)
		return 2;
	/* the line is (almost) only the address: Exim, Domino, Exchange 2003 */
	size_t words = 0;
	for (size_t j = i; j < ll; j++)
		if (!isspace((unsigned char)l[j]) && (j == i || isspace((unsigned char)l[j - 1])))
			words++;
	if (words <= 2 && (size_t)(at - l) >= i)
		return 2;
	static const char *const strong[] = {
		"rcpt to", "recipient:", "recipient address:", "could not be delivered to:",
		"final-recipient", "original-recipient", NULL
	};
	for (int k = 0; strong[k]; k++)
		if (cls_memcasestr(l, ll, strong[k]))
			return 2;
	static const char *const keys[] = {
		"rcpt to", "recipient", "to:", "address:", "addressee", "user ",
		"unknown user", "failed:", "not delivered to", "delivery to",
		"could not be delivered to", "mailbox", "following address",
		"did not reach", "wasn't delivered to", "user", "for ", "<", NULL
	};
	for (int k = 0; keys[k]; k++)
		if (cls_memcasestr(l, ll, keys[k]))
			return 1;
	return 0;
}

static size_t find_hits(const struct cls_msg *m, const char *s, size_t n,
    const char *orig_from, const struct cls_alist *orig, int strict, struct cls_hit *hits, size_t max)
{
	size_t nh = 0;
	for (int pass = 0; pass < 2 && nh == 0; pass++) {
		for (size_t i = 0; i < n && nh < max; ) {
			const char *nl = memchr(s + i, '\n', n - i);
			size_t e = nl ? (size_t)(nl - s) : n;
			int strength = memchr(s + i, '@', e - i) ? line_names_recipient(s + i, e - i) : 0;
			if (memchr(s + i, '@', e - i) && (pass == 1 || strength > 0) &&
			    !cls_names_message_id(s + i, e - i)) {
				/* every address on the line */
				size_t p = i;
				while (p < e && nh < max) {
					const char *at = memchr(s + p, '@', e - p);
					if (at == NULL)
						break;
					size_t st = (size_t)(at - s);
					/* an addr-spec's local part is at most 64 octets */
					while (st > p && (size_t)(at - s) - st < 72 &&
					    !isspace((unsigned char)s[st - 1]) &&
					    s[st - 1] != '<' && s[st - 1] != '(' && s[st - 1] != ':' &&
					    s[st - 1] != '"' && s[st - 1] != '\'' && s[st - 1] != '[')
						st--;
					/* a window around this '@' only: scanning on to the
					 * end of the line for each '@' would be quadratic */
					size_t wend = (size_t)(at - s) + 256 < e ? (size_t)(at - s) + 256 : e;
					char *a = cls_addr_extract(s + st, wend - st);
					size_t adv = (size_t)(at - s) + 1;
					/* named in passing: the sender ("MAIL FROM:<a>",
					 * "F=[a]", "From: a"), a help desk */
					if (a != NULL && cls_names_sender(s + i, st - i)) {
						free(a);
						a = NULL;
					}
					int known = a != NULL && cls_alist_has(orig, a);
					/* the second pass, over any line, takes only what the
					 * original says it was sent to: no evidence, no guess */
					if (a != NULL && strict && pass == 1 && strength == 0 && !known) {
						free(a);
						a = NULL;
					}
					if (a != NULL && cls_is_list_address(m, a)) {
						free(a);
						a = NULL;
					}
					if (a != NULL && (known ? !(m->from && strcmp(a, m->from) == 0) :
					    !(strength == 2 ? (m->from && strcmp(a, m->from) == 0) :
					    excluded(m, a, orig_from))) &&
					    strstr(a, "..") == NULL) {
						size_t k;
						for (k = 0; k < nh; k++)
							if (strcmp(hits[k].addr, a) == 0)
								break;
						if (k == nh) {
							hits[nh].addr = a;
							hits[nh].line = i;
							hits[nh].strength = strength;
							nh++;
							a = NULL;
						}
					}
					free(a);
					p = adv;
				}
			}
			i = e + 1;
		}
	}
	return nh;
}

/* ---- signals ---- */

static const char *const bounce_subjects[] = {
	"undeliverable", "undelivered", "undeliverable mail", "delivery status notification",
	"delivery failure", "failure notice", "mail delivery failed", "returned mail",
	"delivery failed", "could not be delivered", "mail system error",
	"delivery notification", "non-delivery", "nondeliverable", "non remis",
	"failed delivery", "failure delivery", "delivery has failed", "returning message to sender",
	"could not send message", "could not send mail", "mail failure",
	"error sending your mail", "permanent delivery failure", "delivery problem",
	"unzustellbar", "nicht zustellbar", "onbestelbaar", "no se puede entregar",
	"non recapitabile", "não entregue", "mail error", "email bounce", "bounced mail",
	"returned to sender", "delayed mail", "delivery delayed", "message delayed",
	"delivery status", "mail could not be delivered", "mail failed",
	"returning to sender", "delivery warning", "delivery notification: delay",
	"failed mail", "undelivered mail",
	/* localized non-delivery subjects (Exchange and others) */
	"benachrichtigung zum übermittlungsstatus (fehlgeschlagen)", "nicht zugestellt",
	"notification d'état de remise (échec)", "non distribuable",
	"notificación de estado de entrega (error)", "no se pudo entregar",
	"não é possível entregar", "não entregue", "impossibile recapitare",
	"kan inte levereras", "olevererbart", "ej levererat", "kan ikke leveres",
	"ikke leveret", "ikke levert", "kunne ikke leveres", "niedostarczalne",
	"nie można dostarczyć", "nedoručitelné", "nelze doručit", "配信不能",
	"配信エラー", "配送エラー", "无法投递", "無法傳遞", "未送达", "退信",
	"не доставлено", "недоставленное", "не может быть доставлено", "ошибка доставки",
	"メールエラー", NULL
};

static const char *const failure_phrases[] = {
	"could not be delivered", "couldn't be delivered", "was not delivered",
	"wasn't delivered", "not able to deliver", "wasn't able to deliver",
	"unable to deliver", "undeliverable", "undelivered", "delivery has failed",
	"delivery failed", "delivery to the following", "failed permanently",
	"permanent error", "permanent failure", "following address(es) failed",
	"following addresses had permanent", "message could not be", "not be delivered",
	"user unknown", "unknown user", "no such user", "does not exist",
	"returned to the sender", "returned mail", "mail delivery failed",
	"could not deliver", "delivery failure", "failed to deliver",
	"did not reach", "error occurred", "message was not", "rejected",
	"not delivered", "delivery of the message", "could not send", "has been delayed",
	"still being retried", "will be retried", "not yet been delivered",
	"no such mailbox", "mailbox unavailable", "quota", "not a member",
	"undeliverable", "transient", "delayed", "error", "not a member", "loop alert",
	"duplicated message-id", "no valid recipients", "failed addresses", "unknown host",
	"failed", NULL
};

/* Words only a delivery notice uses (a forwarded or quoted one included). */
static const char *const notice_phrases[] = {
	"permanent fatal errors", "following address(es) failed", "could not be delivered to the following",
	"delivery to the following recipient", "was not delivered to", "failed addresses follow",
	"following addresses had permanent", "transcript of session follows", NULL
};

static int any(const char *s, size_t n, const char *const *list)
{
	return cls_memcase_any(s, n, list);
}

static int is_delay_notice(const struct cls_msg *m, const char *notice, size_t n)
{
	static const char *const delay_words[] = {
		"delayed", "(delay)", "warning: could not send", "warning--could not send",
		"still being retried", "delivery status notification: warning",
		"status notification: warning", "will retry", "delay notification",
		"delivery warning", NULL
	};
	static const char *const final_words[] = {
		"permanent error", "permanent failure", "i've given up", "giving up",
		"has been given up", "retry timeout exceeded", "failed permanently",
		"could not be delivered", "will not be retried", "were not delivered", NULL
	};
	if (m->subject == NULL || !any(m->subject, strlen(m->subject), delay_words))
		return 0;
	return !any(notice, n, final_words);
}

/* ---- the rule ---- */

static void fill_rcpt(struct cls_rcpt *r, const char *action, const char *status,
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
	if (r->status == NULL && status && cls_find_status(status, strlen(status), st, sizeof(st)))
		r->status = xstrdup(st);
	if (r->diagnostic == NULL && diag != NULL && *diag) {
		const char *d = diag;
		if (cad_startswith_ci(d, "smtp;"))
			d += 5;
		else if (cad_startswith_ci(d, "x-unix;") || cad_startswith_ci(d, "x-postfix;"))
			d = strchr(d, ';') + 1;
		r->diagnostic = cls_one_line(d, strlen(d), DIAG_MAX);
	}
	const char *text = r->diagnostic ? r->diagnostic : context;
	if (r->status == NULL && text && cls_find_status(text, strlen(text), st, sizeof(st)))
		r->status = xstrdup(st);
	/* a generic x.0.0 in the Status field, a precise one in the words */
	if (r->status && strcmp(r->status + 1, ".0.0") == 0 && text &&
	    cls_find_status(text, strlen(text), st, sizeof(st)) &&
	    st[0] == r->status[0]) {
		free(r->status);
		r->status = xstrdup(st);
	}
	if (r->smtp_code == 0 && text)
		r->smtp_code = cls_find_smtp_code(text, strlen(text));
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
	r->reason = cls_reason(r->status, r->smtp_code, r->diagnostic, context, r->action);
	r->hard = cls_reason_is_hard(r->reason, r->status);
}

/* The notice text from the line naming an address, up to `to` or the
 * first blank line after it (where the MTAs end a recipient's block). */
static char *context_of(const char *s, size_t from, size_t to)
{
	if (to > from + 2 * DIAG_MAX)
		to = from + 2 * DIAG_MAX;
	const char *nl = memchr(s + from, '\n', to - from);
	int content = 0;    /* a non-blank line seen after the address's line */
	/* "554 <addr>... 550 Host unknown": the line says it all, unless the
	 * next line continues it (indented) */
	if (nl != NULL) {
		char st[16];
		size_t l1 = (size_t)(nl - s) - from;
		if ((cls_find_smtp_code(s + from, l1) || cls_find_status(s + from, l1, st, sizeof(st))) &&
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
			if (content && (cls_find_smtp_code(s + from, sofar) ||
			    cls_find_status(s + from, sofar, st, sizeof(st)))) {
				to = (size_t)(l - s);
				break;
			}
		} else {
			content = 1;
		}
		nl = memchr(l, '\n', to - (size_t)(l - s));
	}
	return cls_one_line(s + from, to - from, DIAG_MAX);
}

/* Where a notice says the list of failed recipients starts, or 0. */
static size_t list_start(const char *s, size_t n)
{
	static const char *const marks[] = {
		"following recipient", "following address", "following destination",
		"failed addresses follow", "following user", NULL
	};
	const char *best = NULL;
	size_t pos[CAD_ARRAY_LEN(marks)];
	cls_memcase_first(s, n, marks, pos);
	for (int i = 0; marks[i]; i++) {
		const char *p = pos[i] == (size_t)-1 ? NULL : s + pos[i];
		if (p != NULL && (best == NULL || p < best))
			best = p;
	}
	if (best == NULL)
		return 0;
	const char *nl = memchr(best, '\n', n - (size_t)(best - s));
	return nl ? (size_t)(nl - s) + 1 : 0;
}

static char *orig_from_addr(const struct cls_msg *m, const char *s, size_t n, size_t cut)
{
	const char *h = m->orig.len ? m->orig.s : s + cut;
	size_t hn = m->orig.len ? m->orig.len : n - cut;
	for (size_t i = 0; i < hn; ) {
		const char *nl = memchr(h + i, '\n', hn - i);
		size_t e = nl ? (size_t)(nl - h) : hn;
		if (cad_startswith_ci(h + i, "From:"))
			return cls_addr_extract(h + i + 5, e - i - 5);
		i = e + 1;
	}
	return NULL;
}

static void text_recipients(struct cls_msg *m, struct verdict *v, const char *action)
{
	const char *s = m->text.s;
	size_t n = m->text.len;
	size_t cut = text_cut(m);
	char *ofrom = orig_from_addr(m, s, n, cut);
	const char *xfr = classify_msg_header(m, "X-Failed-Recipients");
	char *notice = cls_one_line(s, cut, 4 * DIAG_MAX);
	struct cls_hit hits[CLS_MAX_RCPTS];
	struct cls_alist orig;
	cls_orig_recipients(m, cut, &orig);
	size_t from = list_start(s, cut);
	/* a directory's suggestions ("did you mean ...") name no failed recipient */
	size_t scan = cls_suggestions_start(s, from, cut);
	/* after "the following recipients:" any address line is evidence;
	 * elsewhere only the forms recipients take, or the original's To/Cc */
	size_t nh = find_hits(m, s + from, scan - from, ofrom, &orig, from == 0, hits,
	    CLS_MAX_RCPTS);
	if (nh == 0 && from > 0)
		nh = find_hits(m, s, scan, ofrom, &orig, 1, hits, CLS_MAX_RCPTS);
	else
		for (size_t k = 0; k < nh; k++)
			hits[k].line += from;
	nh = cls_keep_known(hits, nh, &orig);
	if (nh == 0 && from > 0)
		nh = cls_bare_names(m, s, from, scan, hits, CLS_MAX_RCPTS);

	if (xfr != NULL) {
		/* authoritative list; the text gives each one's context */
		const char *p = xfr;
		while (p && *p) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			char *a = cls_addr_extract_field(p, len);
			if (a != NULL) {
				struct cls_rcpt *r = classify_verdict_add_rcpt(v, a);
				if (r != NULL && r->reason == NULL) {
					char *ctx = NULL;
					for (size_t k = 0; k < nh; k++)
						if (strcmp(hits[k].addr, a) == 0)
							ctx = context_of(s, hits[k].line,
							    k + 1 < nh ? hits[k + 1].line : cut);
					fill_rcpt(r, action, NULL, NULL, ctx ? ctx : notice);
					if (r->diagnostic == NULL && ctx && *ctx) {
						r->diagnostic = ctx;
						ctx = NULL;
					}
					free(ctx);
				}
				free(a);
			}
			p = comma ? comma + 1 : NULL;
		}
	}
	if (v->nrcpts == 0) {
		for (size_t k = 0; k < nh; k++) {
			struct cls_rcpt *r = classify_verdict_add_rcpt(v, hits[k].addr);
			if (r == NULL)
				break;
			char *ctx = context_of(s, hits[k].line, k + 1 < nh ? hits[k + 1].line : cut);
			/* too little said next to the address: judge by the whole notice */
			if (strlen(ctx) < 40 || (cls_find_status(ctx, strlen(ctx), (char[16]){0}, 16) == 0 &&
			    cls_find_smtp_code(ctx, strlen(ctx)) == 0)) {
				free(ctx);
				ctx = xasprintf("%s", notice);
			}
			fill_rcpt(r, action, NULL, NULL, ctx);
			if (r->diagnostic == NULL) {
				char *own = context_of(s, hits[k].line, k + 1 < nh ? hits[k + 1].line : cut);
				if (*own)
					r->diagnostic = own;
				else
					free(own);
			}
			free(ctx);
		}
	}
	for (size_t k = 0; k < nh; k++)
		free(hits[k].addr);
	if (v->orig_message_id == NULL && cut < n) {
		const char *t = s + cut;
		size_t tn = n - cut;
		for (size_t i = 0; i < tn; ) {
			const char *nl = memchr(t + i, '\n', tn - i);
			size_t e = nl ? (size_t)(nl - t) : tn;
			const char *l = t + i;
			while (l < t + e && (*l == ' ' || *l == '>'))
				l++;
			if (cad_startswith_ci(l, "Message-ID:")) {
				const char *lt = memchr(l, '<', (size_t)(t + e - l));
				const char *gt = lt ? memchr(lt, '>', (size_t)(t + e - lt)) : NULL;
				if (lt && gt && gt > lt + 1) {
					v->orig_message_id = cls_one_line(lt + 1, (size_t)(gt - lt - 1), 998);
					break;
				}
			}
			i = e + 1;
		}
	}
	free(ofrom);
	free(notice);
	cls_alist_free(&orig);
}

/* The original's only recipient, when it had exactly one (To and Cc):
 * with several, which one failed is not known and is not guessed. Not
 * when it is at the domain the notice comes back to: that is a mailing
 * list's own address (list@lists.example.org, its bounces to
 * list-bounces@lists.example.org), not the member who failed. */
static char *returned_to(const struct cls_msg *m, size_t cut)
{
	struct cls_alist orig;
	char *r = NULL;
	cls_orig_recipients(m, cut, &orig);
	if (orig.n == 1 && (m->to == NULL || strcmp(orig.v[0], m->to) != 0) &&
	    !cls_same_domain(orig.v[0], m->to) && !cls_same_domain(orig.v[0], m->env_rcpt))
		r = xstrdup(orig.v[0]);
	cls_alist_free(&orig);
	return r;
}

static void decide(struct verdict *v, int delay_hint)
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
		v->cls = CLS_BOUNCE;
	else if (delayed || delay_hint)
		v->cls = CLS_DELAY;
	else if (delivered)
		v->cls = CLS_OTHER;
	else
		v->cls = CLS_BOUNCE;
}

/* The notice's block about one DSN recipient: from where it names the
 * address to a blank line or to where it names another recipient. */
static char *near_text(const char *s, size_t n, const char *addr,
    const struct dsn_rec *recs, size_t nrecs)
{
	const char *p = cls_memcasestr(s, n, addr);
	if (p == NULL)
		return NULL;
	const char *ls = p;
	while (ls > s && ls[-1] != '\n')
		ls--;
	size_t from = (size_t)(ls - s), to = n;
	/* bounded: the next few recipients are enough to end this block */
	for (size_t i = 0; i < nrecs && i < 16; i++) {
		const char *other = recs[i].final ? recs[i].final : recs[i].orig;
		char *oa = other ? addr_of_field(other) : NULL;
		if (oa && strcmp(oa, addr) != 0) {
			const char *q = cls_memcasestr(p, n - (size_t)(p - s), oa);
			if (q && (size_t)(q - s) < to) {
				while (q > p && q[-1] != '\n')
					q--;
				to = (size_t)(q - s);
			}
		}
		free(oa);
	}
	if (to <= from)
		return NULL;
	return context_of(s, from, to);
}

/* DSN fields written into the text itself (a report whose MIME structure
 * was lost, or an MTA that inlines them): from the first field line on. */
static void inline_dsn(struct cls_msg *m)
{
	static const char *const starts[] = {
		"\nReporting-MTA:", "\nFinal-Recipient:", "\nOriginal-Recipient:", NULL
	};
	const char *first = NULL;
	size_t pos[CAD_ARRAY_LEN(starts)];
	cls_memcase_first(m->text.s, m->text.len, starts, pos);
	for (int i = 0; starts[i]; i++) {
		const char *p = pos[i] == (size_t)-1 ? NULL : m->text.s + pos[i];
		if (p != NULL && (first == NULL || p < first))
			first = p;
	}
	if (first == NULL || cls_memcasestr(first, m->text.len - (size_t)(first - m->text.s),
	    "recipient:") == NULL)
		return;
	sbuf_add(&m->dsn, first + 1, m->text.len - (size_t)(first + 1 - m->text.s));
}

int cls_dsn(struct cls_msg *m, struct verdict *v)
{
	int report = m->dsn_report || (m->has_report && m->content_type &&
	    strstr(m->content_type, "delivery-status") != NULL);

	int unresolved = 0;     /* the report named recipients none of which we could read */
	if (m->dsn.len == 0)
		inline_dsn(m);

	if (m->dsn.len > 0) {
		struct dsn_rec *recs;
		size_t nrecs;
		parse_fields(m->dsn.s, m->dsn.len, &recs, &nrecs);
		size_t cut = text_cut(m);
		char *notice = cls_one_line(m->text.s, cut, 4 * DIAG_MAX);
		struct cls_alist orig;
		cls_orig_recipients(m, cut, &orig);
		for (size_t i = 0; i < nrecs; i++) {
			char *a = recs[i].final ? addr_of_field(recs[i].final) : NULL;
			if (a == NULL && recs[i].orig)
				a = addr_of_field(recs[i].orig);
			/* a one-label domain only when neither field has better */
			if (a == NULL && recs[i].final)
				a = addr_of_field_r(recs[i].final, 1);
			if (a == NULL && recs[i].orig)
				a = addr_of_field_r(recs[i].orig, 1);
			if (a == NULL)
				a = cls_complete_local(recs[i].final ? recs[i].final : recs[i].orig, &orig,
				    m->text.s, cut);
			struct cls_rcpt *r = a ? classify_verdict_add_rcpt(v, a) : NULL;
			if (r != NULL && r->reason == NULL) {
				/* the notice's words near the address help a bare status */
				char *ctx = near_text(m->text.s, cut, a, recs, nrecs);
				/* the whole notice speaks for a lone recipient only */
				char st[16];
				int useful = ctx && (cls_find_smtp_code(ctx, strlen(ctx)) ||
				    cls_find_status(ctx, strlen(ctx), st, sizeof(st)));
				fill_rcpt(r, recs[i].action, recs[i].status, recs[i].diag,
				    useful ? ctx : nrecs == 1 ? notice : ctx);
				free(ctx);
			}
			free(a);
		}
		for (size_t i = 0; i < nrecs; i++)
			rec_free(&recs[i]);
		free(recs);
		free(notice);
		cls_alist_free(&orig);
		unresolved = nrecs > 0 && v->nrcpts == 0;
		if (v->nrcpts > 0) {
			decide(v, 0);
			v->rule = v->cls == CLS_OTHER ? "dsn-success" : "dsn";
			return 1;
		}
	}

	/* non-standard notices (and DSNs whose status part is empty) */
	size_t cut = text_cut(m);
	int daemon = classify_msg_sender_is_daemon(m);
	const char *subj = cls_strip_subject_prefixes(m->subject, NULL);
	int subj_b = any(subj, strlen(subj), bounce_subjects);
	int words = any(m->text.s, cut, failure_phrases);
	int xfr = classify_msg_header(m, "X-Failed-Recipients") != NULL;
	const char *rp = classify_msg_header(m, "Return-Path");
	int null_rp = rp && strstr(rp, "<>") != NULL;

	int returned = m->orig.len > 0 || cut < m->text.len;
	if (!daemon && returned && words && m->from &&
	    (strncmp(m->from, "no-reply@", 9) == 0 || strncmp(m->from, "noreply@", 8) == 0))
		daemon = 1;
	/* the null sender is the envelope of every notice (RFC 5321 4.5.5) */
	int nullish = null_rp || m->null_sender || m->verp;
	/* a system account ("root", "mail", "mailadmin", ...) writing a
	 * notice's subject and failure words */
	static const char *const system_locals[] = {
		"root", "mailadmin", "postoffice", "post.office", "mta", "smtp", "sysadmin",
		"nobody", "daemon", "mailservice", "mail-service", "mailsystem", "mail-system",
		"mailerdaemon", "mailer.daemon", NULL
	};
	int sysl = m->from != NULL && classify_msg_local_is(m->from, system_locals);
	/* a vacation reply comes from the null sender too, and echoes the
	 * subject it answers ("Out of office: Re: Undeliverable ..."): with an
	 * auto-reply's signs and no mail-system sender, the subject says nothing */
	int subj_nb = subj_b && (daemon || !cls_auto_signals(m));
	/* a notice of success (relayed, delivered, read) is no failure */
	static const char *const success_subjects[] = {
		"(success", "successful", "delivery has succeeded", "delivered:", "(relay)",
		"relayed", "return receipt", "read receipt", "read:", "displayed",
		"zugestellt:", "remis :", "entregado:", NULL
	};
	if (!report && !xfr && any(subj, strlen(subj), success_subjects) &&
	    !cls_strcasestr(subj, "undeliver") && !cls_strcasestr(subj, "not delivered") &&
	    !cls_strcasestr(subj, "nicht zugestellt") && !cls_strcasestr(subj, "non remis"))
		return 0;
	if (!(report || xfr || (daemon && (subj_b || words)) || (subj_nb && nullish) ||
	    (subj_b && words && sysl) ||
	    (subj_b && words && (returned || any(m->text.s, m->text.len, notice_phrases)))))
		return 0;
	int delay = is_delay_notice(m, m->text.s, cut);
	text_recipients(m, v, delay ? "delayed" : "failed");
	if (v->nrcpts == 0 && !unresolved && (report || xfr || daemon)) {
		/* nobody named: the returned message's To, when it had one */
		char *to = returned_to(m, cut);
		if (to != NULL) {
			struct cls_rcpt *r = classify_verdict_add_rcpt(v, to);
			char *notice = cls_one_line(m->text.s, cut, 4 * DIAG_MAX);
			if (r != NULL)
				fill_rcpt(r, delay ? "delayed" : "failed", NULL, NULL, notice);
			free(notice);
			free(to);
		}
	}
	/* said failure, named nobody: a notice still when its structure, its
	 * sender or its envelope say so (the recipient is then unknown) */
	if (v->nrcpts == 0 && !report && !xfr && !(daemon && subj_b) && !(nullish && subj_nb) &&
	    !(sysl && subj_b) && daemon != 2)
		return 0;
	decide(v, delay);
	v->rule = report ? "dsn-text" : xfr ? "x-failed-recipients" : "bounce-text";
	return 1;
}
