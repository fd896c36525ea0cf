/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify_rcpt.c - which addresses are the failed recipients of a
 * delivery notice: the evidence rules shared by the DSN and the text
 * readers of classify_dsn.c (see classify.h for their order).
 *
 * Guarantees: pure; bounded by the lengths given; at most CLASSIFY_ORIG_MAX
 * addresses of the original's To/Cc are kept; results are freshly
 * allocated (the caller frees) or point into the input.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify_int.h"

static int is_addr_char(int c)
{
	return isalnum(c) || c == '.' || c == '-' || c == '_' || c == '+';
}

/* A mailing list's own address: the notice returns to the list's bounce
 * address at the same domain, named after it ("team@lists.example.org"
 * for "team-bounces@lists.example.org", "team-owner@", "owner-team@"). */
int classify_rcpt_is_list_address(const struct classify_msg *m, const char *a)
{
	const char *at = strrchr(a, '@'), *tat = m->to ? strrchr(m->to, '@') : NULL;
	if (at == NULL || tat == NULL || strcasecmp(at, tat) != 0)
		return 0;
	size_t ll = (size_t)(at - a);
	static const char *const suffixes[] = {
		"-bounces", "-bounce", "-owner", "-return", "-errors", "+bounces", NULL
	};
	if ((size_t)(tat - m->to) > ll && strncasecmp(m->to, a, ll) == 0)
		for (int i = 0; suffixes[i]; i++)
			if (cad_startswith_ci(m->to + ll, suffixes[i]))
				return 1;
	/* Majordomo's owner-LIST */
	return (size_t)(tat - m->to) == ll + 6 && strncasecmp(m->to, "owner-", 6) == 0 &&
	    strncasecmp(m->to + 6, a, ll) == 0;
}


void classify_rcpt_alist_free(struct classify_alist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	l->n = 0;
}

int classify_rcpt_alist_has(const struct classify_alist *l, const char *a)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], a) == 0)
			return 1;
	return 0;
}

/* Every addr-spec of a (possibly folded) field value. */
static void alist_add_all(struct classify_alist *l, const char *s, size_t n)
{
	for (size_t i = 0; i < n && l->n < CLASSIFY_ORIG_MAX; ) {
		const char *at = memchr(s + i, '@', n - i);
		if (at == NULL)
			break;
		size_t st = (size_t)(at - s);
		while (st > i && !isspace((unsigned char)s[st - 1]) && s[st - 1] != '<' &&
		    s[st - 1] != ',' && s[st - 1] != ':' && s[st - 1] != ';')
			st--;
		size_t e = (size_t)(at - s) + 1;
		while (e < n && !isspace((unsigned char)s[e]) && s[e] != '>' && s[e] != ',')
			e++;
		char *a = classify_text_addr(s + st, e - st);
		if (a != NULL && !classify_rcpt_alist_has(l, a))
			l->v[l->n++] = a;
		else
			free(a);
		i = e;
	}
}

/* The original's header block: the attached part, else the text after cut. */
void classify_rcpt_orig(const struct classify_msg *m, size_t cut, struct classify_alist *out)
{
	const char *h = m->orig.len ? m->orig.s : m->text.s + cut;
	size_t hn = m->orig.len ? m->orig.len : m->text.len - cut;
	out->n = 0;
	for (size_t i = 0; i < hn; ) {
		const char *nl = memchr(h + i, '\n', hn - i);
		size_t e = nl ? (size_t)(nl - h) : hn;
		const char *l = h + i;
		if (e == i && m->orig.len)
			break;          /* the end of the attached header block */
		while (l < h + e && *l == '>')
			l++;            /* a quoted copy: "> To: ..." */
		while (l < h + e && l > h + i && *l == ' ')
			l++;
		if (cad_startswith_ci(l, "To:") || cad_startswith_ci(l, "Cc:")) {
			size_t fe = e;
			/* continuation lines */
			while (fe + 1 < hn && (h[fe + 1] == ' ' || h[fe + 1] == '\t')) {
				const char *n2 = memchr(h + fe + 1, '\n', hn - fe - 1);
				fe = n2 ? (size_t)(n2 - h) : hn;
			}
			alist_add_all(out, l + 3, (size_t)(h + fe - l) - 3);
			e = fe;
		}
		i = e + 1;
	}
}

/* A line about message identifiers ("Message-ID: <x@y>", "References:"):
 * its id@host tokens are not mailboxes. */
int classify_rcpt_names_message_id(const char *l, size_t ll)
{
	while (ll > 0 && (*l == ' ' || *l == '\t' || *l == '>'))
		l++, ll--;
	return cad_startswith_ci(l, "Message-ID") || cad_startswith_ci(l, "In-Reply-To:") ||
	    cad_startswith_ci(l, "References:") || cad_startswith_ci(l, "Content-ID:") ||
	    classify_text_memcasestr(l, ll, "message-id:") != NULL ||
	    classify_text_memcasestr(l, ll, "message id:") != NULL;
}

/* Does the text just before an address (pre[0..n)) make it someone other
 * than the failed recipient: the sender ("MAIL FROM:<a>", "F=[a]", "From:
 * a"), a help desk ("please contact <a>")? */
int classify_rcpt_names_sender(const char *pre, size_t n)
{
	size_t k = n < 12 ? n : 12;
	const char *w = pre + n - k;
	size_t j = 0;
	while (j < n && (pre[j] == ' ' || pre[j] == '\t' || pre[j] == '>'))
		j++;
	if (n - j >= 5 && n - j <= 8 && (cad_startswith_ci(pre + j, "From:") ||
	    cad_startswith_ci(pre + j, "Sender:")))
		return 1;       /* a "From: addr" line */
	/* "please contact <support@...>": a help desk, not a recipient */
	if (classify_text_memcasestr(w, k, "contact") != NULL)
		return 1;
	return classify_text_memcasestr(w, k, "from:<") != NULL ||
	    classify_text_memcasestr(w, k, "from=<") != NULL ||
	    classify_text_memcasestr(w, k, "f=[") != NULL ||
	    classify_text_memcasestr(w, k, "from: <") != NULL ||
	    classify_text_memcasestr(w, k, "sender:") != NULL ||
	    classify_text_memcasestr(w, k, "sender <") != NULL ||
	    classify_text_memcasestr(w, k, "mail from") != NULL;
}

/* Where a notice starts offering other addresses (a directory's
 * suggestions, a list of similar names), or `to`. */
size_t classify_rcpt_suggestions_start(const char *s, size_t from, size_t to)
{
	static const char *const marks[] = {
		"did you mean", "similar address", "similar name", "possible match",
		"suggested address", "you may want to try", "alternative address",
		"meinten sie", "vouliez-vous dire", NULL
	};
	size_t end = to;
	for (int i = 0; marks[i]; i++) {
		const char *p = classify_text_memcasestr(s + from, end - from, marks[i]);
		if (p != NULL) {
			while (p > s + from && p[-1] != '\n')
				p--;
			if ((size_t)(p - s) > from)
				end = (size_t)(p - s);
		}
	}
	return end;
}

/* A notice naming many addresses: when some of them are what the original
 * was sent to, those and the ones on recipient lines are the failed ones;
 * the rest, named in passing, is explanation. */
size_t classify_rcpt_keep_known(struct classify_hit *hits, size_t nh, const struct classify_alist *orig)
{
	size_t known = 0;
	if (nh < 3)
		return nh;
	for (size_t k = 0; k < nh; k++)
		known += classify_rcpt_alist_has(orig, hits[k].addr);
	if (known == 0 || known == nh)
		return nh;
	size_t w = 0;
	for (size_t k = 0; k < nh; k++) {
		if (hits[k].strength == 2 || classify_rcpt_alist_has(orig, hits[k].addr))
			hits[w++] = hits[k];
		else
			free(hits[k].addr);
	}
	return w;
}

/* The reporting system's domain: the From's, without a host label such
 * as "mail." or "mx." in front. NULL when the From names no domain. */
static const char *reporting_domain(const struct classify_msg *m)
{
	const char *at = m->from ? strrchr(m->from, '@') : NULL;
	if (at == NULL || strchr(at + 1, '.') == NULL)
		return NULL;
	const char *d = at + 1;
	static const char *const hosts[] = { "mail.", "mx.", "smtp.", "mta.", "mailhost.", NULL };
	for (int i = 0; hosts[i]; i++)
		if (cad_startswith_ci(d, hosts[i]) && strchr(d + strlen(hosts[i]), '.') != NULL)
			return d + strlen(hosts[i]);
	return d;
}

/* A mail system's list of failed recipients that names them by local part
 * or screen name only ("The mail you sent could not be delivered to the
 * following recipients:" then "    screenname (user unknown)"): the text
 * says they are recipients of the reporting domain, so each is completed
 * with it. Only the first block of lines after the list's heading. */
size_t classify_rcpt_bare_names(const struct classify_msg *m, const char *s, size_t from, size_t to,
    struct classify_hit *hits, size_t max)
{
	const char *dom = reporting_domain(m);
	size_t nh = 0;
	int seen = 0;
	if (dom == NULL || !classify_msg_sender_is_daemon(m))
		return 0;
	for (size_t i = from; i < to && nh < max; ) {
		const char *nl = memchr(s + i, '\n', to - i);
		size_t e = nl ? (size_t)(nl - s) : to;
		size_t a = i, b;
		while (a < e && (s[a] == ' ' || s[a] == '\t' || s[a] == '<' || s[a] == '"'))
			a++;
		if (a == e) {
			if (seen)
				break;      /* the block ended */
			i = e + 1;
			continue;
		}
		seen = 1;
		b = a;
		while (b < e && (isalnum((unsigned char)s[b]) || strchr("._+-", s[b]) != NULL))
			b++;
		size_t rest = b;
		while (rest < e && (s[rest] == '>' || s[rest] == '"' || s[rest] == ' ' || s[rest] == ':'))
			rest++;
		if (b == a || b - a > 64 || (rest < e && s[rest] != '(' && s[rest] != '-'))
			return nh;      /* not a bare name: not such a list */
		hits[nh].addr = xasprintf("%.*s@%s", (int)(b - a), s + a, dom);
		cad_strlower(hits[nh].addr);
		hits[nh].line = i;
		hits[nh].strength = 2;
		nh++;
		i = e + 1;
	}
	return nh;
}

int classify_rcpt_same_domain(const char *a, const char *b)
{
	const char *x = a ? strrchr(a, '@') : NULL, *y = b ? strrchr(b, '@') : NULL;
	if (x == NULL || y == NULL)
		return 0;
	/* an RCPT argument may keep its angle brackets: "<a@b>" */
	size_t xl = strcspn(x, "> \t"), yl = strcspn(y, "> \t");
	return xl == yl && strncasecmp(x, y, xl) == 0;
}

/* A recipient field with a bare local part or screen name ("rfc822;
 * kijitora"): the original's To/Cc address with that local part, when
 * exactly one has it; else unknown (NULL), never a guessed domain. */
/* "kijitora at example.com" (or "kijitora of", "on") in the notice: the
 * text completing a bare local part with its domain. */
static char *local_at_domain(const char *t, size_t n, const char *lp, size_t k)
{
	for (const char *p = t; p && (size_t)(p - t) + k < n; p++) {
		p = classify_text_memcasestr(p, n - (size_t)(p - t), lp);
		if (p == NULL)
			return NULL;
		if (p > t && is_addr_char((unsigned char)p[-1]))
			continue;
		const char *q = p + k;
		size_t left = n - (size_t)(q - t);
		while (left > 0 && (*q == '>' || *q == '"' || *q == '\'')) /* <local> at ... */
			q++, left--;
		static const char *const joins[] = { " at ", " @ ", " on ", " of ", NULL };
		for (int j = 0; joins[j]; j++) {
			size_t jl = strlen(joins[j]);
			if (left > jl && strncasecmp(q, joins[j], jl) == 0) {
				const char *d = q + jl;
				size_t dl = 0;
				while (dl < left - jl && (isalnum((unsigned char)d[dl]) || d[dl] == '-' ||
				    d[dl] == '.'))
					dl++;
				while (dl > 0 && d[dl - 1] == '.')
					dl--;
				if (dl > 3 && memchr(d, '.', dl) != NULL)
					return xasprintf("%.*s@%.*s", (int)k, lp, (int)dl, d);
			}
		}
	}
	return NULL;
}

char *classify_rcpt_complete_local(const char *field, const struct classify_alist *orig,
    const char *text, size_t tn)
{
	if (field == NULL)
		return NULL;
	const char *semi = strchr(field, ';');
	const char *p = semi ? semi + 1 : field;
	while (*p == ' ' || *p == '<' || *p == '"')
		p++;
	size_t k = strcspn(p, " >\"@");
	if (k == 0 || k > 64 || p[k] == '@')
		return NULL;
	char *found = NULL;
	for (size_t i = 0; i < orig->n; i++) {
		const char *at = strrchr(orig->v[i], '@');
		if (at && (size_t)(at - orig->v[i]) == k && strncasecmp(orig->v[i], p, k) == 0) {
			if (found != NULL) {
				free(found);
				return NULL;
			}
			found = xstrdup(orig->v[i]);
		}
	}
	if (found == NULL) {
		char *lp = xstrndup(p, k);
		found = local_at_domain(text, tn, lp, k);
		free(lp);
		if (found != NULL)
			cad_strlower(found);
	}
	return found;
}
