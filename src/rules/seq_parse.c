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
 * thread targets). The passes are in their own files (seq_parse_int.h
 * lists them); this one has the entry points and the last pass.
 *
 * Guarantees: the first error wins and names "file:line: what"; on any
 * error the caller's struct is left empty (nothing half-imported); input
 * is bounded (SEQ_MAX_FILE bytes, SEQ_MAX_STEPS steps, INI lines of at
 * most SEQ_MAX_LINE bytes, templates bounded by tmpl.h).
 */
#include "config.h"

#include <ini.h>
#include <stdlib.h>
#include <string.h>

#include "seq_parse_int.h"

static int finish(struct pctx *c)
{
	struct sequence *q = c->seq;
	size_t i;
	if (!c->seq_line)
		return seq_parse_fail(c, 1, "no [sequence] section");
	if (q->name == NULL)
		return seq_parse_fail(c, c->seq_line, "[sequence] has no name");
	if (q->nsteps == 0)
		return seq_parse_fail(c, c->seq_line, "the sequence has no [step] sections");
	for (i = 0; i < q->nsteps; i++)
		if (seq_parse_step_finish(c, i) < 0)
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
		rc = seq_parse_fail(&c, 0, "file is larger than %d bytes", SEQ_MAX_FILE);
	else
		rc = seq_parse_prepass(&c, text, len, &ini);
	if (rc == 0) {
		c.text = ini.s;
		c.len = ini.len;
		rc = ini_parse_stream(seq_parse_reader, &c, seq_parse_handler, &c);
		if (rc != 0 && !c.failed)   /* a syntax error our reader did not foresee */
			seq_parse_fail(&c, rc > 0 ? rc : 0, "syntax error");
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
