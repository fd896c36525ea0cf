/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ui_html.h - HTML for cadenced's web page (scheduler/ui*.c): escaping,
 * the page frame (head, inline stylesheet, navigation, main) and small
 * helpers for tables and forms.
 *
 * Guarantees: every text argument is escaped (&, <, >, ", ') unless the
 * name says raw; the frame loads nothing from outside (no script, no font,
 * no stylesheet link): the page works on an offline network and under
 * Content-Security-Policy "default-src 'none'; style-src 'unsafe-inline';
 * img-src 'self' data:; form-action 'self'".
 */
#ifndef CADENCE_UI_HTML_H
#define CADENCE_UI_HTML_H

#include <stdint.h>

#include "util.h"

/* Appends s (NULL = "") escaped for text and attribute values. */
void ui_esc(struct sbuf *b, const char *s);
/* Appends the printf result escaped. */
void ui_escf(struct sbuf *b, const char *fmt, ...) CAD_PRINTF(2, 3);
/* Appends s escaped for a URL query value (percent-encoding). */
void ui_urlenc(struct sbuf *b, const char *s);

/* Who is signed in, for the frame's header (NULL: the login page). */
struct ui_who {
	const char *name;       /* the token's name */
	const char *email;      /* the rep's address, NULL for admin */
	int admin;
	const char *csrf;       /* for the sign-out form */
};

/* <!DOCTYPE html>...<main>: nav marks the current page ("seq", "reps",
 * "tasks", or NULL). */
void ui_page_begin(struct sbuf *b, const char *title, const struct ui_who *who,
		   const char *nav);
/* </main></body></html> */
void ui_page_end(struct sbuf *b);
/* The hidden CSRF field of a form. */
void ui_csrf_field(struct sbuf *b, const char *csrf);
/* "2026-12-07 09:10 UTC" (or "-" for 0). */
void ui_time(struct sbuf *b, cad_time_t t);
/* A percentage of num / den with one decimal ("-" when den is 0). */
void ui_pct(struct sbuf *b, int num, int den);

#endif
