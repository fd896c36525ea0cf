/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * seq_parse_ini.c - the INI text of a sequence file through libinih: our
 * own line reader numbers the lines and mirrors inih's line classification
 * to see section headers (inih does not report them, and repeated [step]
 * sections would otherwise look like one); the handler checks and sets
 * each key of [sequence] and hands a [step]'s to seq_parse_step.c.
 */
#include "config.h"

#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "seq_int.h"
#include "seq_parse_int.h"

/* SEQ_MAX_LINE (seq.h): inih (Debian's build) reads lines into a 200-byte
 * buffer and would split longer ones. We refuse them first, with a message
 * that says why. */
#if SEQ_MAX_LINE + 2 > INI_MAX_LINE
#error "SEQ_MAX_LINE does not fit inih's INI_MAX_LINE"
#endif

static const char *const seq_keys[K_NSEQKEYS] = {
	"name", "owner", "description", "days", "window", "timezone", "holidays",
	"threading", "scope", "out_of_office", "stop_on_reply", "stop_on_meeting"
};
static const char *const step_keys[S_NSTEPKEYS] = {
	"type", "delay", "wait", "thread", "template", "note", "subject"
};

/* Mirrors inih's inline-comment rule: ';' after whitespace ends the text. */
static const char *find_chars_or_comment(const char *s, const char *chars)
{
	int was_space = 0;
	while (*s && *s != '\n' && !strchr(chars, *s) && !(was_space && *s == ';')) {
		was_space = seq_parse_is_blank(*s) || *s == ' ';
		s++;
	}
	return s;
}

/* ---- sections and keys ---- */

static int enter_section(struct pctx *c, const char *name, size_t n)
{
	struct sequence *q = c->seq;
	int line = c->lineno;
	struct shown sh;

	while (n > 0 && seq_parse_is_blank(*name))
		name++, n--;
	while (n > 0 && seq_parse_is_blank(name[n - 1]))
		n--;
	if (n == 8 && strncasecmp(name, "sequence", 8) == 0) {
		if (c->seq_line)
			return seq_parse_fail(c, line, "second [sequence] section (the first is at line %d)",
					      c->seq_line);
		c->sec = SEC_SEQUENCE;
		c->seq_line = line;
		return 0;
	}
	if (n >= 4 && strncasecmp(name, "step", 4) == 0 && (n == 4 || seq_parse_is_blank(name[4]))) {
		size_t i = 4;
		long num = 0;
		struct step *st;
		while (i < n && seq_parse_is_blank(name[i]))
			i++;
		if (i < n) {
			for (; i < n && name[i] >= '0' && name[i] <= '9' && num <= SEQ_MAX_STEPS; i++)
				num = num * 10 + (name[i] - '0');
			if (i < n)
				return seq_parse_fail(c, line, "bad section name [%s] (expected [step] or "
						      "[step N])", seq_parse_shown(&sh, name, n));
			if (num != (long)q->nsteps + 1)
				return seq_parse_fail(c, line, "[step %ld] is out of order: this is step %zu",
						      num, q->nsteps + 1);
		}
		if (q->nsteps >= SEQ_MAX_STEPS)
			return seq_parse_fail(c, line, "more than %d steps", SEQ_MAX_STEPS);
		q->steps = xreallocarray(q->steps, q->nsteps + 1, sizeof(*q->steps));
		c->x = xreallocarray(c->x, q->nsteps + 1, sizeof(*c->x));
		st = &q->steps[q->nsteps];
		memset(st, 0, sizeof(*st));
		memset(&c->x[q->nsteps], 0, sizeof(*c->x));
		st->index = (int)q->nsteps + 1;
		st->wait = 1;
		st->line = line;
		st->kind = STEP_TASK;
		q->nsteps++;
		c->sec = SEC_STEP;
		return 0;
	}
	return seq_parse_fail(c, line, "unknown section [%s] (expected [sequence] or [step])",
			      seq_parse_shown(&sh, name, n));
}

char *seq_parse_reader(char *str, int num, void *stream)
{
	struct pctx *c = stream;
	const char *l, *nl, *s;
	size_t n;

	if (c->failed || c->pos >= c->len)
		return NULL;
	l = c->text + c->pos;
	nl = memchr(l, '\n', c->len - c->pos);
	n = nl ? (size_t)(nl - l) + 1 : c->len - c->pos;
	c->pos += n;
	c->lineno++;
	if ((size_t)num < n + 1) {   /* cannot happen: the first pass bounds lines */
		seq_parse_fail(c, c->lineno, "line too long");
		return NULL;
	}
	memcpy(str, l, n);
	str[n] = '\0';

	/* Classify the line the way inih will. */
	c->line_is_cont = 0;
	for (s = l; s < l + n && (seq_parse_is_blank(*s) || *s == '\n'); s++)
		;
	if (s == l + n || *s == ';' || *s == '#')
		return str;
	if (c->key_in_section && s > l) {
		c->line_is_cont = 1;
	} else if (*s == '[') {
		const char *end = find_chars_or_comment(s + 1, "]");
		if (*end != ']') {
			seq_parse_fail(c, c->lineno, "section header without ']'");
			return NULL;
		}
		c->key_in_section = 0;
		if (enter_section(c, s + 1, (size_t)(end - s - 1)) < 0)
			return NULL;
	} else {
		const char *end = find_chars_or_comment(s, "=:");
		if (*end != '=' && *end != ':') {
			seq_parse_fail(c, c->lineno, "expected 'key = value'");
			return NULL;
		}
		c->key_in_section = 1;
	}
	return str;
}

static int key_index(const char *const *keys, int nkeys, const char *name)
{
	int i;
	for (i = 0; i < nkeys; i++)
		if (cad_strcaseeq(name, keys[i]))
			return i;
	return -1;
}

static int set_seq_key(struct pctx *c, int k, const char *v, const char *doc, int line)
{
	struct sequence *q = c->seq;
	struct shown sh;
	switch (k) {
	case K_NAME:
	case K_OWNER:
		if (*v == '\0')
			return seq_parse_fail(c, line, "%s is empty", seq_keys[k]);
		if (strlen(v) > SEQ_MAX_NAME || seq_parse_has_control(v))
			return seq_parse_fail(c, line, "%s must be one line of at most %d bytes", seq_keys[k],
					      SEQ_MAX_NAME);
		if (k == K_NAME)
			q->name = xstrdup(v);
		else
			q->owner = xstrdup(v);
		return 0;
	case K_DESCRIPTION:
		q->description = doc ? seq_parse_doc_value(doc) : xstrdup(v);
		return 0;
	case K_DAYS: {
		enum seq_days d;
		if (seq_days_parse(v, &d) < 0)
			return seq_parse_fail(c, line, "days must be business, weekdays or every");
		q->days = d;
		return 0;
	}
	case K_WINDOW:
		if (seq_value_window(v, &q->window_start, &q->window_end) < 0)
			return seq_parse_fail(c, line, "bad window '%s' (expected HH:MM-HH:MM, 24-hour "
					      "clock, for example 08:00-18:00)", seq_parse_shown(&sh, v, strlen(v)));
		return 0;
	case K_TIMEZONE:
		if (cad_strcaseeq(v, "recipient"))
			return 0;
		if (!seq_value_zone_ok(v))
			return seq_parse_fail(c, line, "timezone must be 'recipient' or a zone name such as "
					      "Europe/Berlin");
		q->tz = xstrdup(v);
		return 0;
	case K_HOLIDAYS:
		if (seq_value_holidays(v, &q->holidays) < 0)
			return seq_parse_fail(c, line, "holidays must be a comma-separated list of calendar "
					      "names (letters, digits, '_', '-')");
		return 0;
	case K_THREADING:
		if (cad_strcaseeq(v, "thread"))
			q->thread_default = 1;
		else if (cad_strcaseeq(v, "new"))
			q->thread_default = 0;
		else
			return seq_parse_fail(c, line, "threading must be thread or new");
		return 0;
	case K_SCOPE:
		if (cad_strcaseeq(v, "contact"))
			q->scope = SEQ_SCOPE_CONTACT;
		else if (cad_strcaseeq(v, "company"))
			q->scope = SEQ_SCOPE_COMPANY;
		else
			return seq_parse_fail(c, line, "scope must be contact or company");
		return 0;
	case K_OOO:
		if (cad_strcaseeq(v, "pause"))
			q->ooo = SEQ_OOO_PAUSE;
		else if (cad_strcaseeq(v, "ignore"))
			q->ooo = SEQ_OOO_IGNORE;
		else
			return seq_parse_fail(c, line, "out_of_office must be pause or ignore");
		return 0;
	case K_STOP_REPLY:
	case K_STOP_MEETING:
		if (seq_value_bool(v, k == K_STOP_REPLY ? &q->unenroll_on_reply
			       : &q->unenroll_on_meeting) < 0)
			return seq_parse_fail(c, line, "%s must be yes or no", seq_keys[k]);
		return 0;
	}
	return 0;
}

/* Continuation lines: inih passes an indented line as more of the last
 * key's value. Only free text may continue. */
static int continue_key(struct pctx *c, const char *v)
{
	int line = c->lineno;
	char **target = NULL;
	if (c->sec == SEC_SEQUENCE && c->last_key == K_DESCRIPTION)
		target = &c->seq->description;
	else if (c->sec == SEC_STEP && c->last_key == S_NOTE)
		target = &c->seq->steps[c->seq->nsteps - 1].body;
	if (target == NULL || c->last_key_heredoc)
		return seq_parse_fail(c, line, "indented line reads as a continuation of the previous key; "
				      "only description and note may continue on indented lines");
	if (seq_parse_tokens(c, v, line, "note") < 0)
		return -1;
	{
		struct sbuf b;
		sbuf_init(&b);
		sbuf_adds(&b, *target ? *target : "");
		sbuf_addc(&b, '\n');
		sbuf_adds(&b, v);
		free(*target);
		*target = b.s;   /* taken over */
	}
	return 0;
}

int seq_parse_handler(void *user, const char *section, const char *name, const char *value)
{
	struct pctx *c = user;
	int line = c->lineno, k;
	const char *doc = NULL;
	int *keyline;
	struct shown sh;

	(void)section;   /* we track sections ourselves, see seq_parse_reader */
	if (c->failed)
		return 1;
	if (c->line_is_cont) {
		continue_key(c, value);
		return 1;
	}
	if (c->sec == SEC_NONE) {
		seq_parse_fail(c, line, "'%s' is outside a section (the file starts with [sequence])",
			       seq_parse_shown(&sh, name, strlen(name)));
		return 1;
	}
	if (c->sec == SEC_SEQUENCE) {
		k = key_index(seq_keys, K_NSEQKEYS, name);
		keyline = k >= 0 ? &c->seqkeyline[k] : NULL;
	} else {
		k = key_index(step_keys, S_NSTEPKEYS, name);
		keyline = k >= 0 ? &c->x[c->seq->nsteps - 1].keyline[k] : NULL;
	}
	if (k < 0) {
		seq_parse_fail(c, line, "unknown key '%s' in [%s]", seq_parse_shown(&sh, name, strlen(name)),
			       c->sec == SEC_SEQUENCE ? "sequence" : "step");
		return 1;
	}
	if (*keyline) {
		seq_parse_fail(c, line, "duplicate key '%s' (first set at line %d)", name, *keyline);
		return 1;
	}
	*keyline = line;
	c->last_key = k;
	c->last_key_heredoc = 0;
	if (strncmp(value, "<<", 2) == 0) {
		doc = seq_parse_heredoc_at(c, line);
		if (doc == NULL) {
			seq_parse_fail(c, line, "a here-document starts with '<<WORD' alone after the '=' "
				       "(WORD: letters, digits, '_', '-')");
			return 1;
		}
		if (!(c->sec == SEC_SEQUENCE ? k == K_DESCRIPTION : (k == S_TEMPLATE || k == S_NOTE))) {
			seq_parse_fail(c, line, "%s does not take a here-document", name);
			return 1;
		}
		c->last_key_heredoc = 1;
	}
	if (c->sec == SEC_SEQUENCE)
		set_seq_key(c, k, value, doc, line);
	else
		seq_parse_step_key(c, k, value, doc, line);
	return 1;
}
