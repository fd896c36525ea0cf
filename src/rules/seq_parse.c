/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * seq_parse.c - read one sequence file (cadence-sequence(5)) into a
 * struct sequence.
 *
 * How: a first pass checks the raw bytes (size, NUL, UTF-8, line length),
 * lifts the here-documents (`template = <<END` ... `END`) out of the text
 * and leaves blank lines in their place, so that line numbers stay true.
 * libinih then reads the remaining INI text through our own line reader,
 * which numbers the lines and mirrors inih's line classification to see
 * section headers (inih does not report them, and repeated [step]
 * sections would otherwise look like one). The handler fills a private
 * sequence; a last pass checks what needs the whole file (required keys,
 * thread targets).
 *
 * Guarantees: the first error wins and names "file:line: what"; on any
 * error the caller's struct is left empty (nothing half-imported); input
 * is bounded (SEQ_MAX_FILE bytes, SEQ_MAX_STEPS steps, INI lines of at
 * most SEQ_MAX_LINE bytes, templates bounded by tmpl.h).
 */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "seq.h"
#include "seq_int.h"
#include "tmpl.h"

/* SEQ_MAX_LINE (seq.h): inih (Debian's build) reads lines into a 200-byte
 * buffer and would split longer ones. We refuse them first, with a message
 * that says why. */
#if SEQ_MAX_LINE + 2 > INI_MAX_LINE
#error "SEQ_MAX_LINE does not fit inih's INI_MAX_LINE"
#endif
#define SEQ_MAX_NAME 200

enum sec { SEC_NONE, SEC_SEQUENCE, SEC_STEP };

/* Keys, as bit numbers for duplicate detection. */
enum seq_key {
	K_NAME, K_OWNER, K_DESCRIPTION, K_DAYS, K_WINDOW, K_TIMEZONE, K_HOLIDAYS,
	K_THREADING, K_SCOPE, K_OOO, K_STOP_REPLY, K_STOP_MEETING, K_NSEQKEYS
};
enum step_key { S_TYPE, S_DELAY, S_WAIT, S_THREAD, S_TEMPLATE, S_NOTE, S_SUBJECT, S_NSTEPKEYS };

static const char *const seq_keys[K_NSEQKEYS] = {
	"name", "owner", "description", "days", "window", "timezone", "holidays",
	"threading", "scope", "out_of_office", "stop_on_reply", "stop_on_meeting"
};
static const char *const step_keys[S_NSTEPKEYS] = {
	"type", "delay", "wait", "thread", "template", "note", "subject"
};

enum thread_mode { TH_DEFAULT, TH_PREVIOUS, TH_NEW, TH_STEP };

/* What the last pass needs to know about a step beyond struct step. */
struct stepx {
	int keyline[S_NSTEPKEYS];   /* line of each key; 0 = absent */
	enum thread_mode thread;
	int thread_to;
};

struct heredoc {
	int line;     /* the line of `key = <<WORD` */
	char *text;   /* the lines in between, each ending in '\n' */
};

struct pctx {
	const char *name;
	struct cad_err *err;
	int failed;

	/* The INI text (here-documents blanked) and the reader's position. */
	const char *text;
	size_t len, pos;
	int lineno;
	int line_is_cont;      /* inih will read this line as a continuation */
	int key_in_section;    /* inih's prev_name is set */
	int last_key;          /* key of the last key line, for continuations */
	int last_key_heredoc;

	struct heredoc *docs;
	size_t ndocs;

	enum sec sec;
	int seq_line;
	int seqkeyline[K_NSEQKEYS];
	struct sequence *seq;
	struct stepx *x;
};

static int fail(struct pctx *c, int line, const char *fmt, ...) CAD_PRINTF(3, 4);

static int fail(struct pctx *c, int line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	if (c->failed)
		return -1;
	c->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		return cad_err_set(c->err, "%s:%d: %s", c->name, line, msg);
	return cad_err_set(c->err, "%s: %s", c->name, msg);
}

/* A copy of untrusted text fit for an error message: at most 40 bytes,
 * control bytes as '?'. */
struct shown {
	char s[44];
};

static const char *shown(struct shown *b, const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < n && i < 40 && s[i]; i++)
		b->s[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	if (i == 40 && i < n && s[i])
		b->s[i++] = '.', b->s[i++] = '.', b->s[i++] = '.';
	b->s[i] = '\0';
	return b->s;
}

/* ---- first pass: bytes and here-documents ---- */

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned cp;
	size_t need, i;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		need = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		need = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10ffff))
	    || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\v' || ch == '\f' || ch == '\r';
}

static int is_word_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
	       || ch == '_' || ch == '-';
}

/* If line (n bytes, no newline) is `key = <<WORD`, stores WORD's span. */
static int heredoc_marker(const char *l, size_t n, const char **word, size_t *wlen)
{
	size_t i = 0, k, m;
	while (i < n && is_blank(l[i]))
		i++;
	k = i;
	while (i < n && is_word_char(l[i]))
		i++;
	if (i == k)
		return 0;
	while (i < n && is_blank(l[i]))
		i++;
	if (i >= n || (l[i] != '=' && l[i] != ':'))
		return 0;
	i++;
	while (i < n && is_blank(l[i]))
		i++;
	if (i + 2 > n || l[i] != '<' || l[i + 1] != '<')
		return 0;
	i += 2;
	k = i;
	while (i < n && is_word_char(l[i]))
		i++;
	if (i == k)
		return 0;
	m = i;
	while (i < n && is_blank(l[i]))
		i++;
	if (i != n)
		return 0;
	*word = l + k;
	*wlen = m - k;
	return 1;
}

static int prepass(struct pctx *c, const char *text, size_t len, struct sbuf *ini)
{
	size_t pos = 0, i;
	int line = 1;
	const char *word = NULL;
	size_t wlen = 0;
	struct sbuf doc;

	/* Bytes: no NUL, valid UTF-8. */
	for (i = 0; i < len;) {
		size_t k;
		if (text[i] == '\0')
			return fail(c, line, "NUL byte in the file");
		if (text[i] == '\n')
			line++;
		k = utf8_len((const unsigned char *)text + i, len - i);
		if (k == 0)
			return fail(c, line, "invalid UTF-8 (sequence files are UTF-8 text)");
		i += k;
	}
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3;   /* a byte-order mark */

	sbuf_init(&doc);
	for (line = 1; pos < len; line++) {
		const char *l = text + pos, *nl = memchr(l, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - l) : len - pos;
		pos += n + (nl != NULL);
		if (n > 0 && l[n - 1] == '\r')
			n--;
		if (word != NULL) {
			size_t t = n;
			while (t > 0 && is_blank(l[t - 1]))
				t--;
			if (t == wlen && memcmp(l, word, wlen) == 0) {
				c->docs[c->ndocs - 1].text = sbuf_detach(&doc);
				word = NULL;
			} else {
				sbuf_add(&doc, l, n);
				sbuf_addc(&doc, '\n');
			}
			sbuf_addc(ini, '\n');
			continue;
		}
		if (n > SEQ_MAX_LINE) {
			sbuf_free(&doc);
			return fail(c, line, "line is longer than %d bytes (long text belongs in a "
				    "here-document)", SEQ_MAX_LINE);
		}
		if (heredoc_marker(l, n, &word, &wlen)) {
			c->docs = xreallocarray(c->docs, c->ndocs + 1, sizeof(*c->docs));
			c->docs[c->ndocs].line = line;
			c->docs[c->ndocs].text = NULL;
			c->ndocs++;
		}
		sbuf_add(ini, l, n);
		sbuf_addc(ini, '\n');
	}
	sbuf_free(&doc);
	if (word != NULL)
		return fail(c, c->docs[c->ndocs - 1].line, "here-document is not terminated by a "
			    "line '%.*s'", (int)wlen, word);
	return 0;
}

static const char *heredoc_at(struct pctx *c, int line)
{
	size_t i;
	for (i = 0; i < c->ndocs; i++)
		if (c->docs[i].line == line)
			return c->docs[i].text;
	return NULL;
}

/* ---- the line reader given to inih ---- */

/* Mirrors inih's inline-comment rule: ';' after whitespace ends the text. */
static const char *find_chars_or_comment(const char *s, const char *chars)
{
	int was_space = 0;
	while (*s && *s != '\n' && !strchr(chars, *s) && !(was_space && *s == ';')) {
		was_space = is_blank(*s) || *s == ' ';
		s++;
	}
	return s;
}

static int enter_section(struct pctx *c, const char *name, size_t n);

static char *seq_ini_reader(char *str, int num, void *stream)
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
		fail(c, c->lineno, "line too long");
		return NULL;
	}
	memcpy(str, l, n);
	str[n] = '\0';

	/* Classify the line the way inih will. */
	c->line_is_cont = 0;
	for (s = l; s < l + n && (is_blank(*s) || *s == '\n'); s++)
		;
	if (s == l + n || *s == ';' || *s == '#')
		return str;
	if (c->key_in_section && s > l) {
		c->line_is_cont = 1;
	} else if (*s == '[') {
		const char *end = find_chars_or_comment(s + 1, "]");
		if (*end != ']') {
			fail(c, c->lineno, "section header without ']'");
			return NULL;
		}
		c->key_in_section = 0;
		if (enter_section(c, s + 1, (size_t)(end - s - 1)) < 0)
			return NULL;
	} else {
		const char *end = find_chars_or_comment(s, "=:");
		if (*end != '=' && *end != ':') {
			fail(c, c->lineno, "expected 'key = value'");
			return NULL;
		}
		c->key_in_section = 1;
	}
	return str;
}

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Checks tokens in text that starts at file line `line` (a here-document
 * starts one line after its marker). */
static int check_tokens(struct pctx *c, const char *text, int line, const char *what)
{
	struct cad_err terr;
	size_t off, i;
	if (tmpl_validate_at(text, &off, &terr) == 0)
		return 0;
	for (i = 0; i < off && text[i]; i++)
		if (text[i] == '\n')
			line++;
	return fail(c, line, "%s: %s", what, terr.msg);
}

/* Splits a template here-document (starting at file line `line`) into the
 * step's subject and body. */
static int set_template(struct pctx *c, struct step *st, const char *doc, int line)
{
	const char *p = doc, *eol, *s;
	size_t n;
	char *subject;
	const int first_line = line;

	if (check_tokens(c, doc, line, "template") < 0)
		return -1;
	while (*p == '\n') {   /* blank lines before the Subject */
		p++;
		line++;
	}
	if (*p == '\0')   /* name the line of `template = <<END` */
		return fail(c, first_line - 1, "template is empty (it needs a Subject: line, a blank "
			    "line and the body)");
	if (!cad_startswith_ci(p, "Subject:"))
		return fail(c, line, "template must start with a 'Subject:' line");
	eol = strchr(p, '\n');   /* every here-document line ends in '\n' */
	for (s = p + 8; s < eol && is_blank(*s); s++)
		;
	for (n = (size_t)(eol - s); n > 0 && is_blank(s[n - 1]); n--)
		;
	if (n == 0)
		return fail(c, line, "the Subject line is empty");
	subject = xstrndup(s, n);
	p = eol + 1;
	line++;
	if (*p != '\n') {
		free(subject);
		return fail(c, line, "expected a blank line after the Subject line (Subject: "
			    "is the only header a template has)");
	}
	p++;
	n = strlen(p);
	while (n > 0 && (p[n - 1] == '\n' || is_blank(p[n - 1])))
		n--;
	if (n == 0) {
		free(subject);
		return fail(c, line, "template has no body after the Subject line");
	}
	free(st->subject);
	free(st->body);
	st->subject = subject;
	st->body = xmalloc(n + 2);
	memcpy(st->body, p, n);
	memcpy(st->body + n, "\n", 2);
	return 0;
}

static char *doc_value(const char *doc)
{
	size_t n = strlen(doc);
	while (n > 0 && doc[n - 1] == '\n')
		n--;
	return xstrndup(doc, n);
}

/* ---- sections and keys ---- */

static int enter_section(struct pctx *c, const char *name, size_t n)
{
	struct sequence *q = c->seq;
	int line = c->lineno;
	struct shown sh;

	while (n > 0 && is_blank(*name))
		name++, n--;
	while (n > 0 && is_blank(name[n - 1]))
		n--;
	if (n == 8 && strncasecmp(name, "sequence", 8) == 0) {
		if (c->seq_line)
			return fail(c, line, "second [sequence] section (the first is at line %d)",
				    c->seq_line);
		c->sec = SEC_SEQUENCE;
		c->seq_line = line;
		return 0;
	}
	if (n >= 4 && strncasecmp(name, "step", 4) == 0 && (n == 4 || is_blank(name[4]))) {
		size_t i = 4;
		long num = 0;
		struct step *st;
		while (i < n && is_blank(name[i]))
			i++;
		if (i < n) {
			for (; i < n && name[i] >= '0' && name[i] <= '9' && num <= SEQ_MAX_STEPS; i++)
				num = num * 10 + (name[i] - '0');
			if (i < n)
				return fail(c, line, "bad section name [%s] (expected [step] or "
					    "[step N])", shown(&sh, name, n));
			if (num != (long)q->nsteps + 1)
				return fail(c, line, "[step %ld] is out of order: this is step %zu",
					    num, q->nsteps + 1);
		}
		if (q->nsteps >= SEQ_MAX_STEPS)
			return fail(c, line, "more than %d steps", SEQ_MAX_STEPS);
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
	return fail(c, line, "unknown section [%s] (expected [sequence] or [step])",
		    shown(&sh, name, n));
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
			return fail(c, line, "%s is empty", seq_keys[k]);
		if (strlen(v) > SEQ_MAX_NAME || has_control(v))
			return fail(c, line, "%s must be one line of at most %d bytes", seq_keys[k],
				    SEQ_MAX_NAME);
		if (k == K_NAME)
			q->name = xstrdup(v);
		else
			q->owner = xstrdup(v);
		return 0;
	case K_DESCRIPTION:
		q->description = doc ? doc_value(doc) : xstrdup(v);
		return 0;
	case K_DAYS: {
		enum seq_days d;
		if (seq_days_parse(v, &d) < 0)
			return fail(c, line, "days must be business, weekdays or every");
		q->days = d;
		return 0;
	}
	case K_WINDOW:
		if (seq_value_window(v, &q->window_start, &q->window_end) < 0)
			return fail(c, line, "bad window '%s' (expected HH:MM-HH:MM, 24-hour "
				    "clock, for example 08:00-18:00)", shown(&sh, v, strlen(v)));
		return 0;
	case K_TIMEZONE:
		if (cad_strcaseeq(v, "recipient"))
			return 0;
		if (!seq_value_zone_ok(v))
			return fail(c, line, "timezone must be 'recipient' or a zone name such as "
				    "Europe/Berlin");
		q->tz = xstrdup(v);
		return 0;
	case K_HOLIDAYS:
		if (seq_value_holidays(v, &q->holidays) < 0)
			return fail(c, line, "holidays must be a comma-separated list of calendar "
				    "names (letters, digits, '_', '-')");
		return 0;
	case K_THREADING:
		if (cad_strcaseeq(v, "thread"))
			q->thread_default = 1;
		else if (cad_strcaseeq(v, "new"))
			q->thread_default = 0;
		else
			return fail(c, line, "threading must be thread or new");
		return 0;
	case K_SCOPE:
		if (cad_strcaseeq(v, "contact"))
			q->scope = SEQ_SCOPE_CONTACT;
		else if (cad_strcaseeq(v, "company"))
			q->scope = SEQ_SCOPE_COMPANY;
		else
			return fail(c, line, "scope must be contact or company");
		return 0;
	case K_OOO:
		if (cad_strcaseeq(v, "pause"))
			q->ooo = SEQ_OOO_PAUSE;
		else if (cad_strcaseeq(v, "ignore"))
			q->ooo = SEQ_OOO_IGNORE;
		else
			return fail(c, line, "out_of_office must be pause or ignore");
		return 0;
	case K_STOP_REPLY:
	case K_STOP_MEETING:
		if (seq_value_bool(v, k == K_STOP_REPLY ? &q->unenroll_on_reply
			       : &q->unenroll_on_meeting) < 0)
			return fail(c, line, "%s must be yes or no", seq_keys[k]);
		return 0;
	}
	return 0;
}

static int set_step_key(struct pctx *c, int k, const char *v, const char *doc, int line)
{
	struct step *st = &c->seq->steps[c->seq->nsteps - 1];
	struct stepx *x = &c->x[c->seq->nsteps - 1];
	struct shown sh;
	switch (k) {
	case S_TYPE: {
		enum step_kind kind;
		if (step_kind_parse(v, &kind) < 0)
			return fail(c, line, "type must be email, manual_email, call, linkedin or task");
		st->kind = kind;
		return 0;
	}
	case S_DELAY:
		if (seq_value_delay(v, &st->delay_days, &st->delay_minutes) < 0)
			return fail(c, line, "bad delay '%s' (examples: 0, 3d, 2h, 1d 4h, 30m; "
				    "at most 365 days)", shown(&sh, v, strlen(v)));
		return 0;
	case S_WAIT:
		if (seq_value_bool(v, &st->wait) < 0)
			return fail(c, line, "wait must be yes or no");
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
				return fail(c, line, "thread must be previous, new or a step number");
			x->thread = TH_STEP;
			x->thread_to = (int)n;
		}
		return 0;
	case S_TEMPLATE:
		if (doc == NULL)
			return fail(c, line, "template must be a here-document: 'template = <<END', "
				    "the Subject: line, a blank line, the body, then 'END'");
		return set_template(c, st, doc, line + 1);
	case S_NOTE:
		if (check_tokens(c, doc ? doc : v, doc ? line + 1 : line, "note") < 0)
			return -1;
		free(st->body);
		st->body = doc ? doc_value(doc) : xstrdup(v);
		return 0;
	case S_SUBJECT:
		if (has_control(v))
			return fail(c, line, "subject has control characters");
		if (check_tokens(c, v, line, "subject") < 0)
			return -1;
		free(st->subject);
		st->subject = xstrdup(v);
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
		return fail(c, line, "indented line reads as a continuation of the previous key; "
			    "only description and note may continue on indented lines");
	if (check_tokens(c, v, line, "note") < 0)
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

static int seq_ini_handler(void *user, const char *section, const char *name, const char *value)
{
	struct pctx *c = user;
	int line = c->lineno, k;
	const char *doc = NULL;
	int *keyline;
	struct shown sh;

	(void)section;   /* we track sections ourselves, see ini_reader */
	if (c->failed)
		return 1;
	if (c->line_is_cont) {
		continue_key(c, value);
		return 1;
	}
	if (c->sec == SEC_NONE) {
		fail(c, line, "'%s' is outside a section (the file starts with [sequence])",
		     shown(&sh, name, strlen(name)));
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
		fail(c, line, "unknown key '%s' in [%s]", shown(&sh, name, strlen(name)),
		     c->sec == SEC_SEQUENCE ? "sequence" : "step");
		return 1;
	}
	if (*keyline) {
		fail(c, line, "duplicate key '%s' (first set at line %d)", name, *keyline);
		return 1;
	}
	*keyline = line;
	c->last_key = k;
	c->last_key_heredoc = 0;
	if (strncmp(value, "<<", 2) == 0) {
		doc = heredoc_at(c, line);
		if (doc == NULL) {
			fail(c, line, "a here-document starts with '<<WORD' alone after the '=' "
			     "(WORD: letters, digits, '_', '-')");
			return 1;
		}
		if (!(c->sec == SEC_SEQUENCE ? k == K_DESCRIPTION : (k == S_TEMPLATE || k == S_NOTE))) {
			fail(c, line, "%s does not take a here-document", name);
			return 1;
		}
		c->last_key_heredoc = 1;
	}
	if (c->sec == SEC_SEQUENCE)
		set_seq_key(c, k, value, doc, line);
	else
		set_step_key(c, k, value, doc, line);
	return 1;
}

/* ---- the last pass ---- */

static int finish_step(struct pctx *c, size_t i)
{
	struct sequence *q = c->seq;
	struct step *st = &q->steps[i];
	struct stepx *x = &c->x[i];
	const char *kind = step_kind_name(st->kind);
	int j;

	if (!x->keyline[S_TYPE])
		return fail(c, st->line, "step %d has no type (email, manual_email, call, "
			    "linkedin or task)", st->index);
	if (st->kind != STEP_EMAIL) {
		if (x->keyline[S_TEMPLATE])
			return fail(c, x->keyline[S_TEMPLATE], "template is for email steps; a %s "
				    "step has a note", kind);
		if (x->keyline[S_THREAD])
			return fail(c, x->keyline[S_THREAD], "thread is for email steps only");
		if (x->keyline[S_SUBJECT] && st->kind != STEP_MANUAL_EMAIL)
			return fail(c, x->keyline[S_SUBJECT], "subject is for manual_email steps "
				    "only");
		return 0;
	}
	if (x->keyline[S_WAIT])
		return fail(c, x->keyline[S_WAIT], "wait is for task steps only");
	if (x->keyline[S_NOTE])
		return fail(c, x->keyline[S_NOTE], "note is for task steps; an email step has a "
			    "template");
	if (x->keyline[S_SUBJECT])
		return fail(c, x->keyline[S_SUBJECT], "an email step's Subject is the first line "
			    "of its template");
	if (!x->keyline[S_TEMPLATE])
		return fail(c, st->line, "step %d is an email without a template", st->index);
	st->wait = 0;

	/* Threading: which earlier email this one replies to, if any. */
	st->thread_step = 0;
	switch (x->thread) {
	case TH_NEW:
		break;
	case TH_STEP:
		j = x->thread_to;
		if (j >= st->index)
			return fail(c, x->keyline[S_THREAD], "thread = %d points at %s step; an "
				    "email can only continue an earlier one", j,
				    j == st->index ? "this" : "a later");
		if ((size_t)j > q->nsteps || q->steps[j - 1].kind != STEP_EMAIL)
			return fail(c, x->keyline[S_THREAD], "thread = %d points at a %s step, not "
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
			return fail(c, x->keyline[S_THREAD], "thread = previous, but no earlier "
				    "step is an email");
		st->thread_step = j;
		break;
	}
	return 0;
}

static int finish(struct pctx *c)
{
	struct sequence *q = c->seq;
	size_t i;
	if (!c->seq_line)
		return fail(c, 1, "no [sequence] section");
	if (q->name == NULL)
		return fail(c, c->seq_line, "[sequence] has no name");
	if (q->nsteps == 0)
		return fail(c, c->seq_line, "the sequence has no [step] sections");
	for (i = 0; i < q->nsteps; i++)
		if (finish_step(c, i) < 0)
			return -1;
	return 0;
}

int seq_parse_buffer(const char *name, const char *text, size_t len, struct sequence *out,
		     struct cad_err *err)
{
	struct pctx c;
	struct sequence q;
	struct sbuf ini;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	memset(&q, 0, sizeof(q));
	c.name = name ? name : "(sequence)";
	c.err = err;
	c.seq = &q;
	/* Defaults: the conservative, recommended settings. */
	q.days = SEQ_DAYS_BUSINESS;
	q.window_start = 8 * 60;
	q.window_end = 18 * 60;
	q.thread_default = 1;
	q.scope = SEQ_SCOPE_CONTACT;
	q.ooo = SEQ_OOO_PAUSE;
	q.unenroll_on_reply = 1;
	q.unenroll_on_meeting = 1;
	q.active = 1;

	sbuf_init(&ini);
	if (len > SEQ_MAX_FILE)
		rc = fail(&c, 0, "file is larger than %d bytes", SEQ_MAX_FILE);
	else
		rc = prepass(&c, text, len, &ini);
	if (rc == 0) {
		c.text = ini.s;
		c.len = ini.len;
		rc = ini_parse_stream(seq_ini_reader, &c, seq_ini_handler, &c);
		if (rc != 0 && !c.failed)   /* a syntax error our reader did not foresee */
			fail(&c, rc > 0 ? rc : 0, "syntax error");
		rc = c.failed ? -1 : finish(&c);
	}
	sbuf_free(&ini);
	for (i = 0; i < c.ndocs; i++)
		free(c.docs[i].text);
	free(c.docs);
	free(c.x);
	if (rc != 0 || c.failed) {
		sequence_free(&q);
		return -1;
	}
	q.source = xstrdup(c.name);
	*out = q;
	return 0;
}

int seq_parse_file(const char *path, struct sequence *out, struct cad_err *err)
{
	char *buf;
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (cad_read_file(path, SEQ_MAX_FILE, 0, &buf, &n, err) != 0)
		return -1;
	rc = seq_parse_buffer(path, buf, n, out, err);
	free(buf);
	return rc;
}
