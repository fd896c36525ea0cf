/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * seq_lint.c - the pre-launch checklist of a sequence (seq.h).
 *
 * One rule per checklist item, each a pure function of the sequence and
 * the store facts it is given. Items, in order:
 *   delays          every follow-up waits, counted in business days
 *   tokens          every token resolves or has a fallback (one item per
 *                   token that does not, else one pass)
 *   stop-on-reply   a reply unenrolls
 *   stop-on-meeting a booked meeting unenrolls
 *   timezone        the window is read in the recipient's time zone, at
 *                   a civil hour
 *   suppressions    the store holds a suppression list
 *   name            "[Persona] – [Use Case] – [Owner Team]"
 *   owner           an owner is documented
 *
 * Guarantees: no I/O; every item has a one-line detail (untrusted text in
 * it is bounded and made printable); the return value counts the fails.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seq.h"
#include "tmpl.h"

/* At most this many token problems are listed, then one summary item. */
#define LINT_MAX_TOKEN_ITEMS 20

struct lint_list {
	struct lint_item *items;
	size_t n;
};

static void add(struct lint_list *l, enum lint_level level, const char *check, const char *fmt,
		...) CAD_PRINTF(4, 5);

static void add(struct lint_list *l, enum lint_level level, const char *check, const char *fmt,
		...)
{
	struct sbuf b;
	va_list ap;
	l->items = xreallocarray(l->items, l->n + 1, sizeof(*l->items));
	sbuf_init(&b);
	va_start(ap, fmt);
	sbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	l->items[l->n].level = level;
	l->items[l->n].check = xstrdup(check);
	l->items[l->n].detail = b.s;   /* taken over: not sbuf_detach, which allocates again */
	l->n++;
}

/* Appends untrusted text s for a one-line detail: at most max bytes (cut
 * at a UTF-8 character boundary, "..." added), control bytes as '?'.
 * Unlike cad_printable, UTF-8 stays readable: names are often not ASCII. */
static void add_shown(struct sbuf *out, const char *s, size_t max)
{
	size_t n = strlen(s), i;
	int cut = 0;
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		cut = 1;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		sbuf_addc(out, (c < 0x20 || c == 0x7f) ? '?' : (char)c);
	}
	if (cut)
		sbuf_adds(out, "...");
}

const char *lint_level_name(enum lint_level l)
{
	switch (l) {
	case LINT_PASS:
		return "pass";
	case LINT_WARN:
		return "warn";
	case LINT_FAIL:
		return "fail";
	}
	return "unknown";
}

static void fmt_hhmm(char *buf, size_t n, int minutes)
{
	unsigned m = minutes < 0 ? 0u : (unsigned)minutes % 1441u;
	snprintf(buf, n, "%02u:%02u", m / 60u, m % 60u);
}

static void lint_delays(const struct sequence *s, struct lint_list *l)
{
	size_t i;
	int total = 0, bad = 0;
	if (s->nsteps == 0) {
		add(l, LINT_FAIL, "delays", "the sequence has no steps");
		return;
	}
	for (i = 0; i < s->nsteps; i++)
		total += s->steps[i].delay_days;
	for (i = 1; i < s->nsteps; i++) {
		const struct step *st = &s->steps[i];
		if (st->delay_days == 0 && st->delay_minutes == 0) {
			add(l, LINT_WARN, "delays", "step %d (%s) has no delay after step %d", st->index,
			    step_kind_name(st->kind), st->index - 1);
			bad = 1;
		}
	}
	if (s->days != SEQ_DAYS_BUSINESS) {
		add(l, LINT_WARN, "delays", "follow-ups count %s days; business days skip weekends "
		    "and holidays (days = business)", seq_days_name(s->days));
		bad = 1;
	}
	if (!bad)
		add(l, LINT_PASS, "delays", "%zu steps over %d business days, every follow-up "
		    "waits", s->nsteps, total);
}

struct token_walk {
	const struct step *step;
	const char *part;
	struct lint_list *l;
	int problems;
};

static int lint_token(void *arg, const char *name, const char *fallback)
{
	struct token_walk *w = arg;
	struct sbuf shown;
	enum lint_level level;
	const char *why;

	if (!tmpl_token_known(name)) {
		level = fallback ? LINT_WARN : LINT_FAIL;
		why = fallback ? "never has a value, so it always renders its fallback"
			       : "never has a value and has no fallback";
	} else if (fallback == NULL && cad_startswith_ci(name, "contact.")) {
		level = LINT_WARN;
		why = "has no fallback (a contact without it cannot be enrolled)";
	} else {
		return 0;
	}
	w->problems++;
	if (w->problems > LINT_MAX_TOKEN_ITEMS)
		return 0;
	sbuf_init(&shown);
	add_shown(&shown, name, 60);
	add(w->l, level, "tokens", "step %d (%s) %s: {{%s}} %s", w->step->index,
	    step_kind_name(w->step->kind), w->part, shown.s, why);
	sbuf_free(&shown);
	return 0;
}

static void lint_tokens(const struct sequence *s, struct lint_list *l)
{
	struct token_walk w = { NULL, NULL, l, 0 };
	size_t i, ntokens_items = 0;

	for (i = 0; i < s->nsteps; i++) {
		const struct step *st = &s->steps[i];
		const char *text[2] = { st->subject, st->body };
		const char *part[2] = { "subject", st->kind == STEP_EMAIL ? "body" : "note" };
		size_t k;
		w.step = st;
		for (k = 0; k < 2; k++) {
			struct cad_err err;
			if (text[k] == NULL)
				continue;
			if (tmpl_validate(text[k], &err) < 0) {
				add(l, LINT_FAIL, "tokens", "step %d (%s) %s: %s", st->index,
				    step_kind_name(st->kind), part[k], err.msg);
				ntokens_items++;
				continue;
			}
			w.part = part[k];
			tmpl_each_token(text[k], lint_token, &w);
		}
	}
	if (w.problems > LINT_MAX_TOKEN_ITEMS)
		add(l, LINT_WARN, "tokens", "... and %d more token problems",
		    w.problems - LINT_MAX_TOKEN_ITEMS);
	if (w.problems == 0 && ntokens_items == 0)
		add(l, LINT_PASS, "tokens", "every token resolves or has a fallback");
}

static void lint_stops(const struct sequence *s, struct lint_list *l)
{
	if (s->unenroll_on_reply)
		add(l, LINT_PASS, "stop-on-reply", "a reply unenrolls the %s",
		    s->scope == SEQ_SCOPE_COMPANY ? "whole company" : "contact");
	else
		add(l, LINT_FAIL, "stop-on-reply", "a reply does not stop the sequence "
		    "(stop_on_reply = yes)");
	if (s->unenroll_on_meeting)
		add(l, LINT_PASS, "stop-on-meeting", "a booked meeting unenrolls the %s",
		    s->scope == SEQ_SCOPE_COMPANY ? "whole company" : "contact");
	else
		add(l, LINT_FAIL, "stop-on-meeting", "a booked meeting does not stop the sequence "
		    "(stop_on_meeting = yes)");
}

static void lint_timezone(const struct sequence *s, struct lint_list *l)
{
	char a[16], b[16];
	struct sbuf fb;
	fmt_hhmm(a, sizeof(a), s->window_start);
	fmt_hhmm(b, sizeof(b), s->window_end);
	sbuf_init(&fb);
	if (s->tz)
		add_shown(&fb, s->tz, 64);
	else
		sbuf_adds(&fb, "the rep's zone");
	if (s->window_end < s->window_start)
		add(l, LINT_WARN, "timezone", "window %s-%s crosses midnight: mail arrives at night "
		    "in the recipient's zone", a, b);
	else if (s->window_start < 7 * 60 || s->window_end > 21 * 60)
		add(l, LINT_WARN, "timezone", "window %s-%s reaches outside 07:00-21:00 in the "
		    "recipient's zone", a, b);
	else
		add(l, LINT_PASS, "timezone", "window %s-%s in the recipient's zone (without one: %s)",
		    a, b, fb.s);
	sbuf_free(&fb);
}

static void lint_suppressions(const struct lint_facts *facts, struct lint_list *l)
{
	if (facts == NULL)
		add(l, LINT_WARN, "suppressions", "not checked: no store given");
	else if (facts->have_suppressions)
		add(l, LINT_PASS, "suppressions", "a suppression list exists");
	else
		add(l, LINT_FAIL, "suppressions", "the suppression list is empty: add customers, "
		    "partners and competitors first (cadencectl suppress add)");
}

/* Splits name at en dashes or " - " into parts; 1 if there are exactly
 * three non-empty ones. */
static int name_follows_convention(const char *name)
{
	int parts = 0, nonempty = 0;
	const char *p = name;
	while (1) {
		const char *en = strstr(p, "\xe2\x80\x93"), *hy = strstr(p, " - "), *sep, *e;
		size_t seplen;
		if (en && (!hy || en < hy))
			sep = en, seplen = 3;
		else if (hy)
			sep = hy, seplen = 3;
		else
			sep = NULL, seplen = 0;
		e = sep ? sep : p + strlen(p);
		parts++;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > p)
			nonempty++;
		if (sep == NULL)
			break;
		p = sep + seplen;
	}
	return parts == 3 && nonempty == 3;
}

static void lint_name(const struct sequence *s, struct lint_list *l)
{
	struct sbuf shown;
	sbuf_init(&shown);
	add_shown(&shown, s->name ? s->name : "", 80);
	if (s->name && name_follows_convention(s->name))
		add(l, LINT_PASS, "name", "\"%s\" follows Persona – Use Case – Owner Team", shown.s);
	else
		add(l, LINT_WARN, "name", "\"%s\" does not follow \"[Persona] – [Use Case] – "
		    "[Owner Team]\"", shown.s);
	sbuf_free(&shown);
}

static void lint_owner(const struct sequence *s, struct lint_list *l)
{
	struct sbuf shown;
	if (s->owner == NULL || *s->owner == '\0') {
		add(l, LINT_WARN, "owner", "no owner documented (owner = team or address)");
		return;
	}
	sbuf_init(&shown);
	add_shown(&shown, s->owner, 80);
	add(l, LINT_PASS, "owner", "owned by %s", shown.s);
	sbuf_free(&shown);
}

int seq_lint(const struct sequence *s, const struct lint_facts *facts, struct lint_item **items,
	     size_t *n)
{
	struct lint_list l = { NULL, 0 };
	size_t i;
	int fails = 0;

	lint_delays(s, &l);
	lint_tokens(s, &l);
	lint_stops(s, &l);
	lint_timezone(s, &l);
	lint_suppressions(facts, &l);
	lint_name(s, &l);
	lint_owner(s, &l);
	for (i = 0; i < l.n; i++)
		if (l.items[i].level == LINT_FAIL)
			fails++;
	*items = l.items;
	*n = l.n;
	return fails;
}

void seq_lint_free(struct lint_item *items, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		free(items[i].check);
		free(items[i].detail);
	}
	free(items);
}
