/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * seq_parse_step.c - a [step] of a sequence file: its keys, its template
 * (a here-document split into the Subject and the body) and the last
 * check of each step once the whole file is read (what a kind of step
 * takes, which earlier email it threads to).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "seq_int.h"
#include "seq_parse_int.h"
#include "tmpl.h"

/* Checks tokens in text that starts at file line `line` (a here-document
 * starts one line after its marker). */
int seq_parse_tokens(struct pctx *c, const char *text, int line, const char *what)
{
	struct cad_err terr;
	size_t off, i;
	if (tmpl_validate_at(text, &off, &terr) == 0)
		return 0;
	for (i = 0; i < off && text[i]; i++)
		if (text[i] == '\n')
			line++;
	return seq_parse_fail(c, line, "%s: %s", what, terr.msg);
}

/* Splits a template here-document (starting at file line `line`) into the
 * step's subject and body. */
static int set_template(struct pctx *c, struct step *st, const char *doc, int line)
{
	const char *p = doc, *eol, *s;
	size_t n;
	char *subject;
	const int first_line = line;

	if (seq_parse_tokens(c, doc, line, "template") < 0)
		return -1;
	while (*p == '\n') {   /* blank lines before the Subject */
		p++;
		line++;
	}
	if (*p == '\0')   /* name the line of `template = <<END` */
		return seq_parse_fail(c, first_line - 1, "template is empty (it needs a Subject: line, a blank "
				      "line and the body)");
	if (!cad_startswith_ci(p, "Subject:"))
		return seq_parse_fail(c, line, "template must start with a 'Subject:' line");
	eol = strchr(p, '\n');   /* every here-document line ends in '\n' */
	for (s = p + 8; s < eol && seq_parse_is_blank(*s); s++)
		;
	for (n = (size_t)(eol - s); n > 0 && seq_parse_is_blank(s[n - 1]); n--)
		;
	if (n == 0)
		return seq_parse_fail(c, line, "the Subject line is empty");
	subject = xstrndup(s, n);
	p = eol + 1;
	line++;
	if (*p != '\n') {
		free(subject);
		return seq_parse_fail(c, line, "expected a blank line after the Subject line (Subject: "
				      "is the only header a template has)");
	}
	p++;
	n = strlen(p);
	while (n > 0 && (p[n - 1] == '\n' || seq_parse_is_blank(p[n - 1])))
		n--;
	if (n == 0) {
		free(subject);
		return seq_parse_fail(c, line, "template has no body after the Subject line");
	}
	free(st->subject);
	free(st->body);
	st->subject = subject;
	st->body = xmalloc(n + 2);
	memcpy(st->body, p, n);
	memcpy(st->body + n, "\n", 2);
	return 0;
}

char *seq_parse_doc_value(const char *doc)
{
	size_t n = strlen(doc);
	while (n > 0 && doc[n - 1] == '\n')
		n--;
	return xstrndup(doc, n);
}

int seq_parse_step_key(struct pctx *c, int k, const char *v, const char *doc, int line)
{
	struct step *st = &c->seq->steps[c->seq->nsteps - 1];
	struct stepx *x = &c->x[c->seq->nsteps - 1];
	struct shown sh;
	switch (k) {
	case S_TYPE: {
		enum step_kind kind;
		if (step_kind_parse(v, &kind) < 0)
			return seq_parse_fail(c, line, "type must be email, manual_email, call, linkedin or task");
		st->kind = kind;
		return 0;
	}
	case S_DELAY:
		if (seq_value_delay(v, &st->delay_days, &st->delay_minutes) < 0)
			return seq_parse_fail(c, line, "bad delay '%s' (examples: 0, 3d, 2h, 1d 4h, 30m; "
					      "at most 365 days)", seq_parse_shown(&sh, v, strlen(v)));
		return 0;
	case S_WAIT:
		if (seq_value_bool(v, &st->wait) < 0)
			return seq_parse_fail(c, line, "wait must be yes or no");
		return 0;
	case S_THREAD:
		if (cad_strcaseeq(v, "previous")) {
			x->thread = TH_PREVIOUS;
		} else if (cad_strcaseeq(v, "new")) {
			x->thread = TH_NEW;
		} else {
			char *end;
			long n = strtol(v, &end, 10);
			if (*v < '0' || *v > '9' || *end != '\0' || n < 1 || n > SEQ_MAX_STEPS)
				return seq_parse_fail(c, line, "thread must be previous, new or a step number");
			x->thread = TH_STEP;
			x->thread_to = (int)n;
		}
		return 0;
	case S_TEMPLATE:
		if (doc == NULL)
			return seq_parse_fail(c, line, "template must be a here-document: 'template = <<END', "
					      "the Subject: line, a blank line, the body, then 'END'");
		return set_template(c, st, doc, line + 1);
	case S_NOTE:
		if (seq_parse_tokens(c, doc ? doc : v, doc ? line + 1 : line, "note") < 0)
			return -1;
		free(st->body);
		st->body = doc ? seq_parse_doc_value(doc) : xstrdup(v);
		return 0;
	case S_SUBJECT:
		if (seq_parse_has_control(v))
			return seq_parse_fail(c, line, "subject has control characters");
		if (seq_parse_tokens(c, v, line, "subject") < 0)
			return -1;
		free(st->subject);
		st->subject = xstrdup(v);
		return 0;
	}
	return 0;
}

/* ---- the last pass ---- */

int seq_parse_step_finish(struct pctx *c, size_t i)
{
	struct sequence *q = c->seq;
	struct step *st = &q->steps[i];
	struct stepx *x = &c->x[i];
	const char *kind = step_kind_name(st->kind);
	int j;

	if (!x->keyline[S_TYPE])
		return seq_parse_fail(c, st->line, "step %d has no type (email, manual_email, call, "
				      "linkedin or task)", st->index);
	if (st->kind != STEP_EMAIL) {
		if (x->keyline[S_TEMPLATE])
			return seq_parse_fail(c, x->keyline[S_TEMPLATE], "template is for email steps; a %s "
					      "step has a note", kind);
		if (x->keyline[S_THREAD])
			return seq_parse_fail(c, x->keyline[S_THREAD], "thread is for email steps only");
		if (x->keyline[S_SUBJECT] && st->kind != STEP_MANUAL_EMAIL)
			return seq_parse_fail(c, x->keyline[S_SUBJECT], "subject is for manual_email steps "
					      "only");
		return 0;
	}
	if (x->keyline[S_WAIT])
		return seq_parse_fail(c, x->keyline[S_WAIT], "wait is for task steps only");
	if (x->keyline[S_NOTE])
		return seq_parse_fail(c, x->keyline[S_NOTE], "note is for task steps; an email step has a "
				      "template");
	if (x->keyline[S_SUBJECT])
		return seq_parse_fail(c, x->keyline[S_SUBJECT], "an email step's Subject is the first line "
				      "of its template");
	if (!x->keyline[S_TEMPLATE])
		return seq_parse_fail(c, st->line, "step %d is an email without a template", st->index);
	st->wait = 0;

	/* Threading: which earlier email this one replies to, if any. */
	st->thread_step = 0;
	switch (x->thread) {
	case TH_NEW:
		break;
	case TH_STEP:
		j = x->thread_to;
		if (j >= st->index)
			return seq_parse_fail(c, x->keyline[S_THREAD], "thread = %d points at %s step; an "
					      "email can only continue an earlier one", j,
					      j == st->index ? "this" : "a later");
		if ((size_t)j > q->nsteps || q->steps[j - 1].kind != STEP_EMAIL)
			return seq_parse_fail(c, x->keyline[S_THREAD], "thread = %d points at a %s step, not "
					      "an email", j, step_kind_name(q->steps[j - 1].kind));
		st->thread_step = j;
		break;
	case TH_PREVIOUS:
	case TH_DEFAULT:
		if (x->thread == TH_DEFAULT && !q->thread_default)
			break;
		for (j = st->index - 1; j >= 1; j--)
			if (q->steps[j - 1].kind == STEP_EMAIL)
				break;
		if (j == 0 && x->thread == TH_PREVIOUS)
			return seq_parse_fail(c, x->keyline[S_THREAD], "thread = previous, but no earlier "
					      "step is an email");
		st->thread_step = j;
		break;
	}
	return 0;
}
