/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ui_svg.c - charts as SVG text. See ui_svg.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ui_html.h"
#include "ui_svg.h"

#define W 640
#define H 300
#define ML 56    /* left margin: the value axis' labels */
#define MR 16
#define MT 36    /* top: the legend */
#define MB 48    /* bottom: the category labels */

int ui_svg_nice_max(int v)
{
	long p = 1;
	if (v <= 1)
		return 1;
	for (;;) {
		if (v <= p)
			return (int)p;
		if (v <= 2 * p)
			return (int)(2 * p);
		if (v <= 5 * p)
			return (int)(5 * p);
		p *= 10;
	}
}

static void open_svg(struct sbuf *b, const char *title, int w, int h)
{
	sbuf_addf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
		  "height=\"%d\" role=\"img\" aria-label=\"", w, h, w, h);
	ui_esc(b, title);
	sbuf_adds(b, "\" font-family=\"system-ui,sans-serif\" font-size=\"13\"><title>");
	ui_esc(b, title);
	sbuf_adds(b, "</title>");
}

/* The value axis (left, 5 ticks from 0 to top) and the baseline. */
static void value_axis(struct sbuf *b, int top, int x0, int x1, int y0, int y1)
{
	int i;
	for (i = 0; i <= 5; i++) {
		double y = y1 - (double)(y1 - y0) * i / 5;
		int v = top * i / 5;
		if (top < 5 && top * i % 5 != 0)
			continue;   /* no fractional tick labels on small axes */
		sbuf_addf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\"/>",
			  x0, y, x1, y, i == 0 ? "#1b1f24" : "#e5e7eb");
		sbuf_addf(b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#57606a\">%d</text>",
			  x0 - 6, y + 4, v);
	}
	sbuf_addf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#1b1f24\"/>", x0, y0,
		  x0, y1);
}

static void no_data(struct sbuf *b, int w, int h)
{
	sbuf_addf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#57606a\">no data"
		  "</text>", w / 2, h / 2);
}

/* A category label under the axis, shortened to max characters (bytes,
 * cut on a UTF-8 boundary). */
static void short_label(struct sbuf *b, const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	if (n <= max) {
		ui_esc(b, s);
		return;
	}
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	{
		char *t = xstrndup(s, max);
		ui_esc(b, t);
		free(t);
	}
	sbuf_adds(b, "…");
}

static const char *const series_color[3] = { "#0b5cad", "#1a7f37", "#b35900" };
static const char *const series_name[3] = { "sent", "replied", "meeting" };

void ui_svg_funnel(struct sbuf *b, const char *title, const struct ui_funnel_step *s, size_t n)
{
	int max = 0, top, i, x0 = ML, x1 = W - MR, y0 = MT, y1 = H - MB;
	size_t k;

	for (k = 0; k < n; k++)
		if (s[k].sent > max) max = s[k].sent;
	for (k = 0; k < n; k++) {
		if (s[k].replied > max) max = s[k].replied;
		if (s[k].meetings > max) max = s[k].meetings;
	}
	top = ui_svg_nice_max(max);
	open_svg(b, title, W, H);
	for (i = 0; i < 3; i++) {
		int lx = ML + i * 110;
		sbuf_addf(b, "<rect x=\"%d\" y=\"10\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			  "<text x=\"%d\" y=\"21\">%s</text>", lx, series_color[i], lx + 17,
			  series_name[i]);
	}
	value_axis(b, top, x0, x1, y0, y1);
	if (n == 0 || max == 0) {
		no_data(b, W, H);
	} else {
		double slot = (double)(x1 - x0) / (double)n;
		double bw = slot * 0.8 / 3;
		for (k = 0; k < n; k++) {
			int v[3] = { s[k].sent, s[k].replied, s[k].meetings };
			double sx = x0 + slot * (double)k + slot * 0.1;
			for (i = 0; i < 3; i++) {
				double h = (double)(y1 - y0) * v[i] / top;
				double x = sx + bw * i;
				sbuf_addf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
					  "fill=\"%s\"><title>", x, y1 - h, bw - 2, h,
					  series_color[i]);
				ui_esc(b, s[k].label);
				sbuf_addf(b, ": %d %s</title></rect>", v[i], series_name[i]);
				sbuf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
					  "font-size=\"11\">%d</text>", x + (bw - 2) / 2, y1 - h - 3,
					  v[i]);
			}
			sbuf_addf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">",
				  sx + slot * 0.4, y1 + 18);
			short_label(b, s[k].label, (size_t)(slot / 7.5));
			sbuf_adds(b, "</text>");
		}
	}
	sbuf_adds(b, "</svg>");
}

void ui_svg_hbars(struct sbuf *b, const char *title, const struct ui_bar *bars, size_t n)
{
	int max = 0, top, i, rowh = 28, lw = 200, x0, x1 = W - MR - 30, h;
	size_t k;

	for (k = 0; k < n; k++)
		if (bars[k].value > max) max = bars[k].value;
	top = ui_svg_nice_max(max);
	h = MT + (int)(n > 0 ? n : 2) * rowh + 30;
	x0 = lw + 10;
	open_svg(b, title, W, h);
	/* the value axis along the bottom */
	for (i = 0; i <= 5; i++) {
		double x = x0 + (double)(x1 - x0) * i / 5;
		if (top < 5 && top * i % 5 != 0)
			continue;
		sbuf_addf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>"
			  "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#57606a\">%d</text>",
			  x, MT - 6, x, h - 24, i == 0 ? "#1b1f24" : "#e5e7eb", x, h - 8, top * i / 5);
	}
	if (n == 0 || max == 0)
		no_data(b, W, h);
	for (k = 0; k < n && max > 0; k++) {
		int y = MT + (int)k * rowh;
		double w = (double)(x1 - x0) * bars[k].value / top;
		sbuf_addf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", x0 - 8, y + 17);
		short_label(b, bars[k].label, 28);
		sbuf_addf(b, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
			  "fill=\"#0b5cad\"><title>", x0, y + 4, w, rowh - 8);
		ui_esc(b, bars[k].label);
		sbuf_addf(b, ": %d</title></rect><text x=\"%.1f\" y=\"%d\">%d</text>", bars[k].value,
			  x0 + w + 5, y + 17, bars[k].value);
	}
	sbuf_adds(b, "</svg>");
}

void ui_svg_days(struct sbuf *b, const char *title, const struct ui_bar *days, size_t n, int cap)
{
	int max = cap, top, x0 = ML, x1 = W - MR, y0 = MT, y1 = H - MB;
	size_t k;

	int vmax = 0, off = 0;

	for (k = 0; k < n; k++)
		if (days[k].value > vmax) vmax = days[k].value;
	if (vmax > max)
		max = vmax;
	if (cap > 0 && vmax > 0 && cap > 4 * vmax) {
		off = 1;   /* a far cap would flatten the columns: named, not drawn */
		max = vmax;
	}
	top = ui_svg_nice_max(max);
	open_svg(b, title, W, H);
	sbuf_addf(b, "<rect x=\"%d\" y=\"10\" width=\"12\" height=\"12\" fill=\"#0b5cad\"/>"
		  "<text x=\"%d\" y=\"21\">emails sent</text>", ML, ML + 17);
	if (cap > 0)
		sbuf_addf(b, "<line x1=\"%d\" y1=\"16\" x2=\"%d\" y2=\"16\" stroke=\"#b42318\" "
			  "stroke-width=\"2\" stroke-dasharray=\"6 4\"/><text x=\"%d\" y=\"21\">"
			  "daily cap (%d%s)</text>", ML + 130, ML + 160, ML + 166, cap,
			  off ? ", far above this scale" : "");
	value_axis(b, top, x0, x1, y0, y1);
	if (n == 0) {
		no_data(b, W, H);
	} else {
		double slot = (double)(x1 - x0) / (double)n;
		size_t every = n > 14 ? (n + 13) / 14 : 1;   /* at most 14 date labels */
		for (k = 0; k < n; k++) {
			double h = (double)(y1 - y0) * days[k].value / top;
			double x = x0 + slot * (double)k + slot * 0.15;
			sbuf_addf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				  "fill=\"#0b5cad\"><title>", x, y1 - h, slot * 0.7, h);
			ui_esc(b, days[k].label);
			sbuf_addf(b, ": %d sent</title></rect>", days[k].value);
			if (days[k].value > 0)
				sbuf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
					  "font-size=\"11\">%d</text>", x + slot * 0.35, y1 - h - 3,
					  days[k].value);
			if (k % every == 0) {
				sbuf_addf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" "
					  "font-size=\"11\">", x + slot * 0.35, y1 + 16);
				short_label(b, days[k].label, 10);
				sbuf_adds(b, "</text>");
			}
		}
	}
	if (cap > 0 && !off) {
		double y = y1 - (double)(y1 - y0) * cap / top;
		sbuf_addf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#b42318\" "
			  "stroke-width=\"2\" stroke-dasharray=\"6 4\"/>", x0, y, x1, y);
	}
	sbuf_adds(b, "</svg>");
}
