/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * seq_parse_int.h - what the files of the sequence-file parser share:
 * the parse context and the functions each pass gives the next. Not for
 * other modules (seq.h is the interface).
 *
 * The files, from the bottom up (no circles): seq_parse_bytes.c (the
 * first pass over the raw bytes, here-documents, and the error helpers
 * every pass uses), seq_parse_step.c (a [step]'s keys, its template and
 * its last check), seq_parse_ini.c (the line reader given to inih, the
 * sections, the [sequence] keys and inih's handler), seq_parse.c (the
 * entry points and the last pass over the whole file).
 */
#ifndef CADENCE_SEQ_PARSE_INT_H
#define CADENCE_SEQ_PARSE_INT_H

#include <stddef.h>

#include "seq.h"
#include "util.h"

#define SEQ_MAX_NAME 200

enum sec { SEC_NONE, SEC_SEQUENCE, SEC_STEP };

/* Keys, as bit numbers for duplicate detection. */
enum seq_key {
	K_NAME, K_OWNER, K_DESCRIPTION, K_DAYS, K_WINDOW, K_TIMEZONE, K_HOLIDAYS,
	K_THREADING, K_SCOPE, K_OOO, K_STOP_REPLY, K_STOP_MEETING, K_NSEQKEYS
};
enum step_key { S_TYPE, S_DELAY, S_WAIT, S_THREAD, S_TEMPLATE, S_NOTE, S_SUBJECT, S_NSTEPKEYS };

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

/* A copy of untrusted text fit for an error message: at most 40 bytes,
 * control bytes as '?'. */
struct shown {
	char s[44];
};

/* ---- seq_parse_bytes.c ---- */
/* The first error wins: sets c->err to "name:line: what" (no line when
 * line is 0) and c->failed; always returns -1. */
int seq_parse_fail(struct pctx *c, int line, const char *fmt, ...) CAD_PRINTF(3, 4);
/* Fills b with at most 40 bytes of s (n bytes), control bytes as '?'. */
const char *seq_parse_shown(struct shown *b, const char *s, size_t n);
int seq_parse_is_blank(char ch);
/* 1 when s has a control byte. */
int seq_parse_has_control(const char *s);
/* The first pass: checks the bytes (no NUL, UTF-8, line length), lifts the
 * here-documents into c->docs and writes the INI text, with a blank line
 * in place of each here-document line, to ini. */
int seq_parse_prepass(struct pctx *c, const char *text, size_t len, struct sbuf *ini);
/* The text of the here-document whose marker is on line, or NULL. */
const char *seq_parse_heredoc_at(struct pctx *c, int line);

/* ---- seq_parse_step.c ---- */
/* Checks the {{tokens}} of text that starts at file line `line`. */
int seq_parse_tokens(struct pctx *c, const char *text, int line, const char *what);
/* A here-document's text without its trailing newlines (caller frees). */
char *seq_parse_doc_value(const char *doc);
/* Sets step key k (enum step_key) of the current step. */
int seq_parse_step_key(struct pctx *c, int k, const char *v, const char *doc, int line);
/* The last check of step i (what needs the whole file: type, template,
 * threading targets). */
int seq_parse_step_finish(struct pctx *c, size_t i);

/* ---- seq_parse_ini.c ---- */
/* inih's line reader over c->text (it classifies each line as inih will and
 * enters sections) and inih's handler of each key. */
char *seq_parse_reader(char *str, int num, void *stream);
int seq_parse_handler(void *user, const char *section, const char *name, const char *value);

#endif
