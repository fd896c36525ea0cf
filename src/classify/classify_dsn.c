/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify_dsn.c - bounces and delay warnings: RFC 3464 delivery status
 * notifications; what has no readable report goes on to the non-standard
 * notices' rules (classify_notice.c).
 *
 * Standard DSNs: the message/delivery-status part is a per-message field
 * block followed by one block per recipient (Final-Recipient, Action,
 * Status, Diagnostic-Code...); GMime hands us its bytes and we read the
 * fields here. Senders that glue blocks together are tolerated: a new
 * Final-Recipient starts a new recipient. Fields written into the text
 * itself (a report whose MIME structure was lost) are read too.
 *
 * Guarantees: at most CLASSIFY_MAX_RCPTS recipients; diagnostics are one
 * printable line of at most CLASSIFY_DIAG_MAX bytes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify_int.h"

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
	*dst = classify_text_one_line(v, n, CLASSIFY_DIAG_MAX);
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
		if (i < n && (s[i] == ' ' || s[i] == '\t') && out->len < 4 * CLASSIFY_DIAG_MAX) {
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
	return relaxed ? classify_text_addr_field(a, strlen(a)) : classify_text_addr(a, strlen(a));
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
			if (*nrecs < CLASSIFY_MAX_RCPTS) {
				*recs = xreallocarray(*recs, *nrecs + 1, sizeof(**recs));
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
			if (*nrecs < CLASSIFY_MAX_RCPTS) {
				*recs = xreallocarray(*recs, *nrecs + 1, sizeof(**recs));
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
	if ((cur.final || cur.orig) && *nrecs < CLASSIFY_MAX_RCPTS) {
		*recs = xreallocarray(*recs, *nrecs + 1, sizeof(**recs));
		(*recs)[(*nrecs)++] = cur;
	} else {
		rec_free(&cur);
	}
	sbuf_free(&val);
	return 0;
}

/* The notice's block about one DSN recipient: from where it names the
 * address to a blank line or to where it names another recipient. */
static char *near_text(const char *s, size_t n, const char *addr,
    const struct dsn_rec *recs, size_t nrecs)
{
	const char *p = classify_text_memcasestr(s, n, addr);
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
			const char *q = classify_text_memcasestr(p, n - (size_t)(p - s), oa);
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
	return classify_status_context(s, from, to);
}

/* DSN fields written into the text itself (a report whose MIME structure
 * was lost, or an MTA that inlines them): from the first field line on. */
static void inline_dsn(struct classify_msg *m)
{
	static const char *const starts[] = {
		"\nReporting-MTA:", "\nFinal-Recipient:", "\nOriginal-Recipient:", NULL
	};
	const char *first = NULL;
	size_t pos[CAD_ARRAY_LEN(starts)];
	classify_text_memcase_first(m->text.s, m->text.len, starts, pos);
	for (int i = 0; starts[i]; i++) {
		const char *p = pos[i] == (size_t)-1 ? NULL : m->text.s + pos[i];
		if (p != NULL && (first == NULL || p < first))
			first = p;
	}
	if (first == NULL || classify_text_memcasestr(first, m->text.len - (size_t)(first - m->text.s),
	    "recipient:") == NULL)
		return;
	sbuf_add(&m->dsn, first + 1, m->text.len - (size_t)(first + 1 - m->text.s));
}

int classify_dsn(struct classify_msg *m, struct verdict *v)
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
		size_t cut = classify_notice_cut(m);
		char *notice = classify_text_one_line(m->text.s, cut, 4 * CLASSIFY_DIAG_MAX);
		struct classify_alist orig;
		classify_rcpt_orig(m, cut, &orig);
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
				a = classify_rcpt_complete_local(recs[i].final ? recs[i].final : recs[i].orig, &orig,
				    m->text.s, cut);
			struct classify_rcpt *r = a ? classify_verdict_add_rcpt(v, a) : NULL;
			if (r != NULL && r->reason == NULL) {
				/* the notice's words near the address help a bare status */
				char *ctx = near_text(m->text.s, cut, a, recs, nrecs);
				/* the whole notice speaks for a lone recipient only */
				char st[16];
				int useful = ctx && (classify_text_smtp_code(ctx, strlen(ctx)) ||
				    classify_text_status(ctx, strlen(ctx), st, sizeof(st)));
				classify_status_fill(r, recs[i].action, recs[i].status, recs[i].diag,
				    useful ? ctx : nrecs == 1 ? notice : ctx);
				free(ctx);
			}
			free(a);
		}
		for (size_t i = 0; i < nrecs; i++)
			rec_free(&recs[i]);
		free(recs);
		free(notice);
		classify_rcpt_alist_free(&orig);
		unresolved = nrecs > 0 && v->nrcpts == 0;
		if (v->nrcpts > 0) {
			classify_status_decide(v, 0);
			v->rule = v->cls == CLASSIFY_OTHER ? "dsn-success" : "dsn";
			return 1;
		}
	}
	return classify_notice(m, v, report, unresolved);
}
