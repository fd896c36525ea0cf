/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify_notice.c - the non-standard bounce and delay notices of qmail,
 * Exim, Exchange, Yahoo, Domino, ezweb, ... that carry the failure only in
 * their text (and DSNs whose status part is empty).
 *
 * Recognised by who sends them (MAILER-DAEMON, postmaster, "Mail Delivery
 * System", the null sender), by their subject ("Undeliverable:", "failure
 * notice", "Mail delivery failed", ...) and by failure wording in the
 * text, or by an X-Failed-Recipients header. The notice text is cut where
 * the returned message starts, and the failed recipients are read from the
 * lines that name an address the way these MTAs write it ("<addr>:",
 * "  addr", "RCPT TO:<addr>", "To: addr", ...); which of those are
 * evidence of a failed recipient (and which are the sender, a list, a
 * suggestion) is classify_rcpt.c's business.
 *
 * Guarantees: at most CLASSIFY_MAX_RCPTS recipients.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify_int.h"

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
	classify_text_memcase_first(s, n, marks, pos);
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
size_t classify_notice_cut(struct classify_msg *m)
{
	if (!m->text_cut_known) {
		m->text_cut = notice_end(m->text.s, m->text.len);
		m->text_cut_known = 1;
	}
	return m->text_cut;
}

/* An address that cannot be the failed recipient of this notice. */
static int excluded(const struct classify_msg *m, const char *a, const char *orig_from)
{
	if (classify_rcpt_is_list_address(m, a))
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
	    classify_text_memcasestr(l, ll, "rcpt to") == NULL)
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
	    (classify_text_memcasestr(l, y, "failed") || classify_text_memcasestr(l, y, "undeliverable") ||
	     classify_text_memcasestr(l, y, "unknown") || classify_text_memcasestr(l, y, "rejected")))
		return 2;
	/* the line starts with the address: "addr: 550 ...", "addr on <date>" */
	size_t w = i;
	while (w < ll && !isspace((unsigned char)l[w]))
		w++;
	if (memchr(l + i, '@', w - i) != NULL && classify_text_memcasestr(l, ll, "wrote") == NULL)
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
		if (classify_text_memcasestr(l, ll, strong[k]))
			return 2;
	static const char *const keys[] = {
		"rcpt to", "recipient", "to:", "address:", "addressee", "user ",
		"unknown user", "failed:", "not delivered to", "delivery to",
		"could not be delivered to", "mailbox", "following address",
		"did not reach", "wasn't delivered to", "user", "for ", "<", NULL
	};
	for (int k = 0; keys[k]; k++)
		if (classify_text_memcasestr(l, ll, keys[k]))
			return 1;
	return 0;
}

static size_t find_hits(const struct classify_msg *m, const char *s, size_t n,
    const char *orig_from, const struct classify_alist *orig, int strict, struct classify_hit *hits, size_t max)
{
	size_t nh = 0;
	for (int pass = 0; pass < 2 && nh == 0; pass++) {
		for (size_t i = 0; i < n && nh < max; ) {
			const char *nl = memchr(s + i, '\n', n - i);
			size_t e = nl ? (size_t)(nl - s) : n;
			int strength = memchr(s + i, '@', e - i) ? line_names_recipient(s + i, e - i) : 0;
			if (memchr(s + i, '@', e - i) && (pass == 1 || strength > 0) &&
			    !classify_rcpt_names_message_id(s + i, e - i)) {
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
					char *a = classify_text_addr(s + st, wend - st);
					size_t adv = (size_t)(at - s) + 1;
					/* named in passing: the sender ("MAIL FROM:<a>",
					 * "F=[a]", "From: a"), a help desk */
					if (a != NULL && classify_rcpt_names_sender(s + i, st - i)) {
						free(a);
						a = NULL;
					}
					int known = a != NULL && classify_rcpt_alist_has(orig, a);
					/* the second pass, over any line, takes only what the
					 * original says it was sent to: no evidence, no guess */
					if (a != NULL && strict && pass == 1 && strength == 0 && !known) {
						free(a);
						a = NULL;
					}
					if (a != NULL && classify_rcpt_is_list_address(m, a)) {
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
	return classify_text_memcase_any(s, n, list);
}

static int is_delay_notice(const struct classify_msg *m, const char *notice, size_t n)
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

/* Where a notice says the list of failed recipients starts, or 0. */
static size_t list_start(const char *s, size_t n)
{
	static const char *const marks[] = {
		"following recipient", "following address", "following destination",
		"failed addresses follow", "following user", NULL
	};
	const char *best = NULL;
	size_t pos[CAD_ARRAY_LEN(marks)];
	classify_text_memcase_first(s, n, marks, pos);
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

static char *orig_from_addr(const struct classify_msg *m, const char *s, size_t n, size_t cut)
{
	const char *h = m->orig.len ? m->orig.s : s + cut;
	size_t hn = m->orig.len ? m->orig.len : n - cut;
	for (size_t i = 0; i < hn; ) {
		const char *nl = memchr(h + i, '\n', hn - i);
		size_t e = nl ? (size_t)(nl - h) : hn;
		if (cad_startswith_ci(h + i, "From:"))
			return classify_text_addr(h + i + 5, e - i - 5);
		i = e + 1;
	}
	return NULL;
}

static void text_recipients(struct classify_msg *m, struct verdict *v, const char *action)
{
	const char *s = m->text.s;
	size_t n = m->text.len;
	size_t cut = classify_notice_cut(m);
	char *ofrom = orig_from_addr(m, s, n, cut);
	const char *xfr = classify_msg_header(m, "X-Failed-Recipients");
	char *notice = classify_text_one_line(s, cut, 4 * CLASSIFY_DIAG_MAX);
	struct classify_hit hits[CLASSIFY_MAX_RCPTS];
	struct classify_alist orig;
	classify_rcpt_orig(m, cut, &orig);
	size_t from = list_start(s, cut);
	/* a directory's suggestions ("did you mean ...") name no failed recipient */
	size_t scan = classify_rcpt_suggestions_start(s, from, cut);
	/* after "the following recipients:" any address line is evidence;
	 * elsewhere only the forms recipients take, or the original's To/Cc */
	size_t nh = find_hits(m, s + from, scan - from, ofrom, &orig, from == 0, hits,
	    CLASSIFY_MAX_RCPTS);
	if (nh == 0 && from > 0)
		nh = find_hits(m, s, scan, ofrom, &orig, 1, hits, CLASSIFY_MAX_RCPTS);
	else
		for (size_t k = 0; k < nh; k++)
			hits[k].line += from;
	nh = classify_rcpt_keep_known(hits, nh, &orig);
	if (nh == 0 && from > 0)
		nh = classify_rcpt_bare_names(m, s, from, scan, hits, CLASSIFY_MAX_RCPTS);

	if (xfr != NULL) {
		/* authoritative list; the text gives each one's context */
		const char *p = xfr;
		while (p && *p) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			char *a = classify_text_addr_field(p, len);
			if (a != NULL) {
				struct classify_rcpt *r = classify_verdict_add_rcpt(v, a);
				if (r != NULL && r->reason == NULL) {
					char *ctx = NULL;
					for (size_t k = 0; k < nh; k++)
						if (strcmp(hits[k].addr, a) == 0)
							ctx = classify_status_context(s, hits[k].line,
							    k + 1 < nh ? hits[k + 1].line : cut);
					classify_status_fill(r, action, NULL, NULL, ctx ? ctx : notice);
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
			struct classify_rcpt *r = classify_verdict_add_rcpt(v, hits[k].addr);
			if (r == NULL)
				break;
			char *ctx = classify_status_context(s, hits[k].line, k + 1 < nh ? hits[k + 1].line : cut);
			/* too little said next to the address: judge by the whole notice */
			if (strlen(ctx) < 40 || (classify_text_status(ctx, strlen(ctx), (char[16]){0}, 16) == 0 &&
			    classify_text_smtp_code(ctx, strlen(ctx)) == 0)) {
				free(ctx);
				ctx = xasprintf("%s", notice);
			}
			classify_status_fill(r, action, NULL, NULL, ctx);
			if (r->diagnostic == NULL) {
				char *own = classify_status_context(s, hits[k].line, k + 1 < nh ? hits[k + 1].line : cut);
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
					v->orig_message_id = classify_text_one_line(lt + 1, (size_t)(gt - lt - 1), 998);
					break;
				}
			}
			i = e + 1;
		}
	}
	free(ofrom);
	free(notice);
	classify_rcpt_alist_free(&orig);
}

/* The original's only recipient, when it had exactly one (To and Cc):
 * with several, which one failed is not known and is not guessed. Not
 * when it is at the domain the notice comes back to: that is a mailing
 * list's own address (list@lists.example.org, its bounces to
 * list-bounces@lists.example.org), not the member who failed. */
static char *returned_to(const struct classify_msg *m, size_t cut)
{
	struct classify_alist orig;
	char *r = NULL;
	classify_rcpt_orig(m, cut, &orig);
	if (orig.n == 1 && (m->to == NULL || strcmp(orig.v[0], m->to) != 0) &&
	    !classify_rcpt_same_domain(orig.v[0], m->to) && !classify_rcpt_same_domain(orig.v[0], m->env_rcpt))
		r = xstrdup(orig.v[0]);
	classify_rcpt_alist_free(&orig);
	return r;
}

/* The non-standard notices (and DSNs whose status part is empty). */
int classify_notice(struct classify_msg *m, struct verdict *v, int report, int unresolved)
{
	size_t cut = classify_notice_cut(m);
	int daemon = classify_msg_sender_is_daemon(m);
	const char *subj = classify_text_strip_prefixes(m->subject, NULL);
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
	int subj_nb = subj_b && (daemon || !classify_auto_signals(m));
	/* a notice of success (relayed, delivered, read) is no failure */
	static const char *const success_subjects[] = {
		"(success", "successful", "delivery has succeeded", "delivered:", "(relay)",
		"relayed", "return receipt", "read receipt", "read:", "displayed",
		"zugestellt:", "remis :", "entregado:", NULL
	};
	if (!report && !xfr && any(subj, strlen(subj), success_subjects) &&
	    !classify_text_strcasestr(subj, "undeliver") && !classify_text_strcasestr(subj, "not delivered") &&
	    !classify_text_strcasestr(subj, "nicht zugestellt") && !classify_text_strcasestr(subj, "non remis"))
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
			struct classify_rcpt *r = classify_verdict_add_rcpt(v, to);
			char *notice = classify_text_one_line(m->text.s, cut, 4 * CLASSIFY_DIAG_MAX);
			if (r != NULL)
				classify_status_fill(r, delay ? "delayed" : "failed", NULL, NULL, notice);
			free(notice);
			free(to);
		}
	}
	/* said failure, named nobody: a notice still when its structure, its
	 * sender or its envelope say so (the recipient is then unknown) */
	if (v->nrcpts == 0 && !report && !xfr && !(daemon && subj_b) && !(nullish && subj_nb) &&
	    !(sysl && subj_b) && daemon != 2)
		return 0;
	classify_status_decide(v, delay);
	v->rule = report ? "dsn-text" : xfr ? "x-failed-recipients" : "bounce-text";
	return 1;
}
