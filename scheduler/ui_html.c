/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ui_html.c - escaping and the page frame. See ui_html.h.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ui_html.h"

void ui_esc(struct sbuf *b, const char *s)
{
	if (s == NULL)
		return;
	for (; *s; s++) {
		switch (*s) {
		case '&': sbuf_adds(b, "&amp;"); break;
		case '<': sbuf_adds(b, "&lt;"); break;
		case '>': sbuf_adds(b, "&gt;"); break;
		case '"': sbuf_adds(b, "&quot;"); break;
		case '\'': sbuf_adds(b, "&#39;"); break;
		default: sbuf_addc(b, *s);
		}
	}
}

void ui_escf(struct sbuf *b, const char *fmt, ...)
{
	struct sbuf t;
	va_list ap;
	sbuf_init(&t);
	va_start(ap, fmt);
	sbuf_vaddf(&t, fmt, ap);
	va_end(ap);
	ui_esc(b, t.s);
	sbuf_free(&t);
}

void ui_urlenc(struct sbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	if (s == NULL)
		return;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		    || c == '-' || c == '_' || c == '.' || c == '~') {
			sbuf_addc(b, (char)c);
		} else {
			sbuf_addc(b, '%');
			sbuf_addc(b, hex[c >> 4]);
			sbuf_addc(b, hex[c & 15]);
		}
	}
}

static const char style[] =
	":root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--accent:#0b5cad;"
	"--ok:#1a7f37;--warn:#9a6700;--bad:#b42318}"
	"*{box-sizing:border-box}"
	"body{margin:0;font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
	"color:var(--fg);background:var(--bg)}"
	"header{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;"
	"padding:.6rem 1rem;border-bottom:1px solid var(--line);background:#f6f8fa}"
	"header .brand{font-weight:700;font-size:1.1rem}"
	"nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0}"
	"nav a{color:var(--accent);text-decoration:none;padding:.2rem .1rem}"
	"nav a[aria-current=page]{font-weight:700;border-bottom:2px solid var(--accent)}"
	"header .who{margin-left:auto;color:var(--muted);display:flex;gap:.5rem;align-items:center}"
	"main{max-width:1200px;margin:0 auto;padding:1rem}"
	"h1{font-size:1.5rem;margin:.5rem 0 1rem}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}"
	"a{color:var(--accent)}a:focus,button:focus,input:focus,select:focus"
	"{outline:3px solid #f0b400;outline-offset:1px}"
	".scroll{overflow-x:auto}"
	"table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}"
	"th,td{border-bottom:1px solid var(--line);padding:.35rem .5rem;text-align:left;"
	"vertical-align:top}"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}td.n{white-space:nowrap}"
	"th a{color:inherit}caption{text-align:left;color:var(--muted);padding:.25rem 0}"
	".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:1rem}"
	".charts.wide{grid-template-columns:repeat(auto-fit,minmax(480px,1fr))}"
	"@media (max-width:600px){.charts.wide{grid-template-columns:1fr}}"
	"figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:.5rem}"
	"figcaption{font-weight:600;margin-bottom:.25rem}"
	"svg{max-width:100%;height:auto;display:block}"
	"form.inline{display:inline}"
	"button{font:inherit;padding:.3rem .8rem;border:1px solid var(--accent);"
	"border-radius:4px;background:var(--accent);color:#fff;cursor:pointer}"
	"button.secondary{background:#fff;color:var(--accent)}"
	"input,select{font:inherit;padding:.25rem .4rem;border:1px solid var(--muted);border-radius:4px}"
	"label{margin-right:.5rem}"
	".period{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin-bottom:1rem}"
	".task{border:1px solid var(--line);border-radius:6px;padding:.6rem .8rem;margin:.6rem 0}"
	".task h3{margin:0 0 .3rem;font-size:1.05rem}"
	".overdue{color:var(--bad);font-weight:600}.today{color:var(--warn);font-weight:600}"
	".state{font-weight:600}.muted{color:var(--muted)}"
	".msg{padding:.5rem .8rem;border-left:4px solid var(--ok);background:#eef8f0}"
	".err{padding:.5rem .8rem;border-left:4px solid var(--bad);background:#fdeeee}"
	"pre{white-space:pre-wrap;background:#f6f8fa;padding:.6rem;border-radius:6px;"
	"border:1px solid var(--line);overflow-x:auto}"
	"dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}"
	"dd{margin:0}"
	"@media (max-width:600px){body{font-size:15px}main{padding:.5rem}"
	"header .who{margin-left:0}th,td{padding:.3rem}}";

void ui_page_begin(struct sbuf *b, const char *title, const struct ui_who *who, const char *nav)
{
	static const struct { const char *key, *href, *label; } items[] = {
		{ "seq", "/ui/", "Sequences" },
		{ "reps", "/ui/reps", "Reps" },
		{ "tasks", "/ui/tasks", "My tasks" },
	};
	size_t i;

	sbuf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		  "<title>");
	ui_esc(b, title);
	sbuf_adds(b, " · cadence</title><link rel=\"icon\" href=\"data:,\"><style>");
	sbuf_adds(b, style);
	sbuf_adds(b, "</style></head><body><header><span class=\"brand\">cadence</span>");
	if (who != NULL) {
		sbuf_adds(b, "<nav aria-label=\"Main\"><ul>");
		for (i = 0; i < CAD_ARRAY_LEN(items); i++) {
			sbuf_addf(b, "<li><a href=\"%s\"%s>%s</a></li>", items[i].href,
				  nav && strcmp(nav, items[i].key) == 0 ? " aria-current=\"page\"" : "",
				  items[i].label);
		}
		sbuf_adds(b, "</ul></nav><div class=\"who\"><span>Signed in as ");
		ui_esc(b, who->email ? who->email : who->name);
		if (who->admin)
			sbuf_adds(b, " (admin)");
		sbuf_adds(b, "</span><form class=\"inline\" method=\"post\" action=\"/ui/logout\">");
		ui_csrf_field(b, who->csrf);
		sbuf_adds(b, "<button class=\"secondary\" type=\"submit\">Sign out</button></form></div>");
	}
	sbuf_adds(b, "</header><main>");
}

void ui_page_end(struct sbuf *b)
{
	sbuf_adds(b, "</main></body></html>\n");
}

void ui_csrf_field(struct sbuf *b, const char *csrf)
{
	sbuf_adds(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
	ui_esc(b, csrf);
	sbuf_adds(b, "\">");
}

void ui_time(struct sbuf *b, cad_time_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char buf[40];
	if (t == 0) {
		sbuf_adds(b, "-");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M UTC", &tm);
	sbuf_adds(b, buf);
}

void ui_pct(struct sbuf *b, int num, int den)
{
	if (den <= 0)
		sbuf_adds(b, "-");
	else
		sbuf_addf(b, "%.1f%%", 100.0 * num / den);
}
