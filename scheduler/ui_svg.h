/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ui_svg.h - the web page's charts: pure functions from figures to SVG
 * text (no clock, no store, no I/O), drawn in C so that the page needs no
 * script and loads nothing.
 *
 * Every chart is an <svg role="img"> with a <title> (the caption, for
 * screen readers), axes with ticks at round numbers, axis and bar labels,
 * and a fixed viewBox (it scales to the width of its box). Labels are
 * escaped (ui_esc): a sequence or reason name from mail or CSV renders as
 * text. A chart of nothing (n == 0, or every value 0) still draws its axes
 * and says "no data".
 */
#ifndef CADENCE_UI_SVG_H
#define CADENCE_UI_SVG_H

#include <stddef.h>

#include "util.h"

/* The smallest round number (1, 2 or 5 times a power of ten) >= v, at
 * least 1: the top of an axis. */
int ui_svg_nice_max(int v);

/* Per step: emails sent, contacts who replied, meetings booked: three
 * bars per step, with a legend. */
struct ui_funnel_step {
	const char *label;      /* "Step 1" */
	int sent, replied, meetings;
};
void ui_svg_funnel(struct sbuf *b, const char *title, const struct ui_funnel_step *s, size_t n);

/* Horizontal bars, one per label (unenroll reasons...). */
struct ui_bar {
	const char *label;
	int value;
};
void ui_svg_hbars(struct sbuf *b, const char *title, const struct ui_bar *bars, size_t n);

/* Columns per day with a dashed line at cap (0 = none), labelled. */
void ui_svg_days(struct sbuf *b, const char *title, const struct ui_bar *days, size_t n, int cap);

#endif
