/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ui_pages_seq.h - what the sequences page (ui_pages_seq.c) shares with
 * one sequence's page (ui_pages_seq_one.c): a number cell, the funnel of
 * one sequence from by-step report rows, and the period (from, to) of the
 * request as query pairs for links.
 */
#ifndef CADENCE_UI_PAGES_SEQ_H
#define CADENCE_UI_PAGES_SEQ_H

#include "store_report.h"
#include "ui_int.h"

void ui_pages_seq_num_td(struct sbuf *b, int v);
/* The funnel of sequence seq from the by-step rows: steps 1..nsteps (or
 * as many as the rows name), a step without rows at zero. */
void ui_pages_seq_funnel(struct sbuf *b, const char *title, const struct report_row *steps,
			 size_t n, int64_t seq, size_t nsteps);
/* Appends "from", its value, "to", its value (those the request has) to q
 * at *k. */
void ui_pages_seq_period(struct ui_call *c, const char **q, size_t *k);

#endif
