/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_ui_svg.c - the web page's charts (scheduler/ui_svg.c) as pure
 * functions: round axis tops, a bar per figure with its value, labels
 * escaped, "no data" for nothing; the escaping of ui_html.c; and the
 * dispatcher (ui.c) without a socket or store: an unsigned-in GET goes to
 * the sign-in form, a POST without a session or CSRF token is 403, the
 * sign-in form sets its nonce cookie with the session attributes.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "ui_html.h"
#include "ui_svg.h"

static int count(const char *hay, const char *needle)
{
	int n = 0;
	const char *p = hay;
	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

static void test_nice_max(void **state)
{
	(void)state;
	assert_int_equal(ui_svg_nice_max(0), 1);
	assert_int_equal(ui_svg_nice_max(1), 1);
	assert_int_equal(ui_svg_nice_max(3), 5);
	assert_int_equal(ui_svg_nice_max(6), 10);
	assert_int_equal(ui_svg_nice_max(11), 20);
	assert_int_equal(ui_svg_nice_max(20), 20);
	assert_int_equal(ui_svg_nice_max(480), 500);
	assert_int_equal(ui_svg_nice_max(501), 1000);
}

static void test_funnel(void **state)
{
	struct ui_funnel_step s[2] = { { "Step 1", 5, 2, 1 }, { "Step <2>", 1, 1, 0 } };
	struct sbuf b;
	(void)state;
	sbuf_init(&b);
	ui_svg_funnel(&b, "Seq <script>alert(1)</script>", s, 2);
	assert_non_null(strstr(b.s, "<svg "));
	assert_non_null(strstr(b.s, "role=\"img\""));
	assert_non_null(strstr(b.s, "<title>Seq &lt;script&gt;alert(1)&lt;/script&gt;</title>"));
	assert_null(strstr(b.s, "<script"));
	assert_null(strstr(b.s, "Step <2>"));
	assert_non_null(strstr(b.s, "Step &lt;2&gt;"));
	/* three bars per step, each with its value as a label */
	assert_int_equal(count(b.s, "<rect x=\"") - 3 /* legend */, 6);
	assert_non_null(strstr(b.s, ">5</text>"));
	assert_non_null(strstr(b.s, "Step 1: 2 replied"));
	/* the axis: 0 .. 5 (nice top of 5) */
	assert_non_null(strstr(b.s, "text-anchor=\"end\" fill=\"#57606a\">0</text>"));
	assert_non_null(strstr(b.s, "text-anchor=\"end\" fill=\"#57606a\">5</text>"));
	assert_null(strstr(b.s, "no data"));
	assert_string_equal(b.s + b.len - 6, "</svg>");
	sbuf_free(&b);
}

static void test_empty(void **state)
{
	struct sbuf b;
	(void)state;
	sbuf_init(&b);
	ui_svg_funnel(&b, "nothing", NULL, 0);
	assert_non_null(strstr(b.s, "no data"));
	sbuf_reset(&b);
	ui_svg_hbars(&b, "nothing", NULL, 0);
	assert_non_null(strstr(b.s, "no data"));
	sbuf_reset(&b);
	ui_svg_days(&b, "nothing", NULL, 0, 0);
	assert_non_null(strstr(b.s, "no data"));
	sbuf_free(&b);
}

static void test_hbars_days(void **state)
{
	struct ui_bar r[2] = { { "replied", 3 }, { "bounced & <b>gone</b>", 1 } };
	struct ui_bar d[3] = { { "Mon 07", 5 }, { "Tue 08", 0 }, { "Wed 09", 2 } };
	struct sbuf b;
	(void)state;
	sbuf_init(&b);
	ui_svg_hbars(&b, "Unenroll reasons", r, 2);
	assert_non_null(strstr(b.s, ">replied</text>"));
	assert_non_null(strstr(b.s, "bounced &amp; &lt;b&gt;gone&lt;/b&gt;"));
	assert_null(strstr(b.s, "<b>"));
	assert_non_null(strstr(b.s, ">3</text>"));
	sbuf_reset(&b);
	ui_svg_days(&b, "Sends", d, 3, 4);
	assert_non_null(strstr(b.s, "daily cap (4)"));
	assert_non_null(strstr(b.s, "stroke-dasharray"));
	assert_non_null(strstr(b.s, ">Mon 07</text>"));
	assert_non_null(strstr(b.s, "Wed 09: 2 sent"));
	/* the axis reaches the larger of the figures and the cap: 5 */
	assert_non_null(strstr(b.s, "fill=\"#57606a\">5</text>"));
	/* a cap far above the figures is named, not drawn: the columns keep
	 * their height */
	sbuf_reset(&b);
	ui_svg_days(&b, "Sends", d, 3, 1000);
	assert_non_null(strstr(b.s, "daily cap (1000, far above this scale)"));
	assert_int_equal(count(b.s, "stroke-dasharray"), 1);   /* the legend's only */
	assert_non_null(strstr(b.s, "fill=\"#57606a\">5</text>"));
	sbuf_free(&b);
}

static void test_esc(void **state)
{
	struct sbuf b;
	(void)state;
	sbuf_init(&b);
	ui_esc(&b, "<script>alert('x')</script> & \"q\"");
	assert_string_equal(b.s, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
	sbuf_reset(&b);
	ui_urlenc(&b, "a b&c=d/é");
	assert_string_equal(b.s, "a%20b%26c%3Dd%2F%C3%A9");
	sbuf_free(&b);
}

static void req(struct ui_response *out, const char *method, const char *path,
		const char *cookie, const char *body)
{
	struct ui_request rq;
	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.path = path;
	rq.cookie = cookie;
	rq.content_type = body ? "application/x-www-form-urlencoded" : NULL;
	rq.body = body;
	rq.body_len = body ? strlen(body) : 0;
	rq.now = 1796634000;
	ui_handle(&rq, out);
}

static void test_dispatch(void **state)
{
	struct ui_response r;
	struct cad_conf conf;
	(void)state;
	memset(&conf, 0, sizeof(conf));
	conf.public_url = (char *)"https://cadence.example";
	ui_configure(&conf);
	assert_true(ui_path("/ui"));
	assert_true(ui_path("/ui/tasks"));
	assert_false(ui_path("/uix"));
	assert_false(ui_path("/v1/tasks"));

	req(&r, "GET", "/ui/", NULL, NULL);
	assert_int_equal(r.status, 303);
	assert_string_equal(r.location, "/ui/login");
	ui_response_free(&r);

	req(&r, "GET", "/ui/tasks", "cad_ui=0000", NULL);   /* a forged id */
	assert_int_equal(r.status, 303);
	ui_response_free(&r);

	req(&r, "GET", "/ui/login", NULL, NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "name=\"token\""));
	assert_non_null(strstr(r.body, "name=\"csrf\""));
	assert_non_null(strstr(r.body, "<label for=\"token\">"));
	assert_null(strstr(r.body, "<script"));
	assert_non_null(r.cookie[0]);
	assert_non_null(strstr(r.cookie[0], "cad_ui_login="));
	assert_non_null(strstr(r.cookie[0], "HttpOnly"));
	assert_non_null(strstr(r.cookie[0], "SameSite=Strict"));
	assert_non_null(strstr(r.cookie[0], "Secure"));
	ui_response_free(&r);

	/* a sign-in without the form's nonce cookie and CSRF token */
	req(&r, "POST", "/ui/login", NULL, "token=cad_x");
	assert_int_equal(r.status, 403);
	ui_response_free(&r);
	req(&r, "POST", "/ui/tasks/1", NULL, "action=done");
	assert_int_equal(r.status, 403);
	ui_response_free(&r);
	req(&r, "GET", "/ui/tasks/1", NULL, NULL);   /* POST only */
	assert_int_equal(r.status, 405);
	ui_response_free(&r);
	req(&r, "GET", "/ui/nothing", NULL, NULL);
	assert_int_equal(r.status, 404);
	ui_response_free(&r);
	req(&r, "GET", "/ui", NULL, NULL);
	assert_int_equal(r.status, 303);
	assert_string_equal(r.location, "/ui/");
	ui_response_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nice_max),
		cmocka_unit_test(test_funnel),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_hbars_days),
		cmocka_unit_test(test_esc),
		cmocka_unit_test(test_dispatch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
