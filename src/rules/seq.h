/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * seq.h - sequence files: parse one human-editable file into a struct
 * sequence (model.h), and lint it against the pre-launch checklist.
 *
 * Guarantees: a file is accepted whole or refused whole; every error names
 * file:line and what is wrong there. The INI-like part is read with libinih;
 * templates are message-like text (Subject: line, blank line, body). See
 * cadence-sequence(5) for the format.
 */
#ifndef CADENCE_SEQ_H
#define CADENCE_SEQ_H

#include <stddef.h>

#include "model.h"
#include "util.h"

/* Bounds of a sequence file: larger files, more steps or longer INI lines
 * (outside here-documents) are refused with an error. */
#define SEQ_MAX_FILE (1024 * 1024)
#define SEQ_MAX_STEPS 50
#define SEQ_MAX_LINE 198

/* Parses path into out (zeroed first; out->source = path). On error, out is
 * left empty and err says "path:line: what". */
int seq_parse_file(const char *path, struct sequence *out, struct cad_err *err);
/* The same from memory; name is used in messages and as out->source. */
int seq_parse_buffer(const char *name, const char *text, size_t len, struct sequence *out,
		     struct cad_err *err);

/* The pre-launch checklist. */
enum lint_level { LINT_PASS, LINT_WARN, LINT_FAIL };
const char *lint_level_name(enum lint_level l);   /* "pass", "warn", "fail" */
struct lint_item {
	enum lint_level level;
	char *check;    /* short name: "delays", "tokens", "stop-on-reply", ... */
	char *detail;   /* one line a person reads */
};
struct lint_facts {
	int have_suppressions;   /* the store holds at least one suppression entry */
};
/* Fills *items (caller frees with seq_lint_free); returns the number of
 * LINT_FAIL items. */
int seq_lint(const struct sequence *s, const struct lint_facts *facts, struct lint_item **items,
	     size_t *n);
void seq_lint_free(struct lint_item *items, size_t n);

#endif
