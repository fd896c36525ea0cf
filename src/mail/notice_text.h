/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * notice_text.h - the English text of every notice cadence writes to a
 * rep (a row of the notices table that cadenced mails: store_notice_add),
 * in one place, so that the words a rep reads are written, reviewed and
 * translated here and nowhere else.
 *
 * Guarantees: pure (no clock, no store); every argument is put in as
 * given, so the caller passes text already made printable and bounded
 * (cad_printable) when it comes from a message or the network; a NULL
 * argument reads as a placeholder ("(no contact)", "unknown"). Subjects
 * are one line. The result is owned by the caller (notice_text_free).
 * Errors: none (allocation failure aborts, as xmalloc does).
 */
#ifndef CADENCE_NOTICE_TEXT_H
#define CADENCE_NOTICE_TEXT_H

#include <stdint.h>

#include "util.h"

struct notice_text {
	char *subject;
	char *body;
};

/* Enroll by mail refused because the message was not submitted as the rep
 * named in its From: contacts (a list, "" or NULL for none), sequences
 * (their names), why (what the submitter check said). */
void notice_text_enroll_forged(struct notice_text *out, const char *contacts,
			       const char *sequences, const char *why);
/* Enroll by mail of one contact in one sequence refused by the
 * enrollment rules (why: enroll_one()'s reason). */
void notice_text_enroll_refused(struct notice_text *out, const char *contact,
				const char *sequence, const char *why);
/* cadenced paused an enrollment it could not go on with (why: the
 * reason; how to resume it is said). */
void notice_text_paused(struct notice_text *out, int64_t enrollment_id, const char *contact,
			const char *sequence, const char *why);
/* The daily digest of a rep's tasks: its subject (day "YYYY-MM-DD",
 * count tasks), then the body in parts around what the caller lists:
 * the greeting (name may be NULL), one line per task (kind "call",
 * "email", ...; overdue_day NULL when not overdue), and the closing
 * lines. The parts are appended to body. */
char *notice_text_digest_subject(const char *day, int count);
void notice_text_digest_head(struct sbuf *body, const char *name, const char *day, int count);
void notice_text_digest_task(struct sbuf *body, long long id, const char *kind,
			     const char *contact, const char *sequence, int step,
			     const char *overdue_day);
void notice_text_digest_foot(struct sbuf *body);
void notice_text_free(struct notice_text *t);

#endif
