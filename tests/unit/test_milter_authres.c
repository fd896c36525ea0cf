/* SPDX-License-Identifier: BSD-2-Clause */
/* test_milter_authres.c - unit tests for milter/authres.c: RFC 8601
 * parsing, and the verdict for the From domain from trusted headers. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "authres.h"
#include "util.h"

static void test_parse_full(void **state)
{
	struct authres ar;
	struct cad_err err = { "" };
	(void)state;
	assert_int_equal(authres_parse(
		" mx.example.com 1 (the edge);\r\n\tspf=pass (sender SPF authorized)"
		" smtp.mailfrom=ann@example.org;\r\n dkim=pass (2048-bit key) reason=\"signature ok\""
		" header.d=example.org header.i=@example.org header.b=ab+/Cd==;"
		" dmarc=pass header.from=example.org", &ar, &err), 0);
	assert_string_equal(ar.authserv_id, "mx.example.com");
	assert_int_equal(ar.nresults, 3);
	assert_string_equal(ar.results[0].method, "spf");
	assert_string_equal(ar.results[0].result, "pass");
	assert_string_equal(authres_prop(&ar.results[0], "smtp", "mailfrom"), "ann@example.org");
	assert_string_equal(ar.results[1].method, "dkim");
	assert_string_equal(ar.results[1].reason, "signature ok");
	assert_string_equal(authres_prop(&ar.results[1], "header", "d"), "example.org");
	assert_string_equal(authres_prop(&ar.results[1], "header", "b"), "ab+/Cd==");
	assert_null(authres_prop(&ar.results[1], "header", "s"));
	assert_string_equal(authres_prop(&ar.results[2], "header", "from"), "example.org");
	authres_free(&ar);
}

static void test_parse_forms(void **state)
{
	struct authres ar;
	struct cad_err err = { "" };
	(void)state;
	/* no results */
	assert_int_equal(authres_parse("mx.example.com; none", &ar, &err), 0);
	assert_int_equal(ar.nresults, 0);
	authres_free(&ar);
	/* quoted authserv-id, method version, case folding, nested comments */
	assert_int_equal(authres_parse("\"mx.example.com\"; DKIM/1 = PASS (a (nested) comment)"
				       " Header.D = \"example.org\"", &ar, &err), 0);
	assert_string_equal(ar.authserv_id, "mx.example.com");
	assert_string_equal(ar.results[0].method, "dkim");
	assert_string_equal(ar.results[0].result, "pass");
	assert_string_equal(authres_prop(&ar.results[0], "header", "d"), "example.org");
	authres_free(&ar);
	/* a trailing ';' is tolerated */
	assert_int_equal(authres_parse("mx; spf=none smtp.helo=x.example;", &ar, &err), 0);
	assert_int_equal(ar.nresults, 1);
	authres_free(&ar);
}

static void test_parse_errors(void **state)
{
	static const char *const bad[] = {
		"",                                       /* no authserv-id */
		"mx.example.com",                          /* no ';' */
		"mx.example.com; spf",                     /* no result */
		"mx.example.com; spf=",                    /* empty result */
		"mx.example.com; spf=pass (unterminated",  /* comment */
		"mx.example.com; dkim=pass header.d=\"x",  /* quote */
		"mx.example.com; dkim=pass header=x",      /* not ptype.property */
		"mx.example.com; dkim=pass header.d",      /* no value */
		"mx.example.com; none; spf=pass",          /* none is alone */
		"mx.example.com; spf=pass \x01",           /* junk */
	};
	struct authres ar;
	(void)state;
	for (size_t i = 0; i < CAD_ARRAY_LEN(bad); i++) {
		struct cad_err err = { "" };
		assert_int_equal(authres_parse(bad[i], &ar, &err), -1);
		assert_non_null(strstr(err.msg, "Authentication-Results"));
		assert_null(ar.authserv_id);
		assert_int_equal(ar.nresults, 0);
	}
}

static void test_parse_bounds(void **state)
{
	struct authres ar;
	struct cad_err err = { "" };
	struct sbuf b;
	(void)state;
	sbuf_init(&b);
	sbuf_adds(&b, "mx");
	for (int i = 0; i <= AUTHRES_MAX_RESULTS; i++)
		sbuf_adds(&b, "; spf=pass");
	assert_int_equal(authres_parse(b.s, &ar, &err), -1);
	assert_non_null(strstr(err.msg, "too many results"));
	sbuf_reset(&b);
	sbuf_adds(&b, "mx; dkim=pass");
	for (int i = 0; i <= AUTHRES_MAX_PROPS; i++)
		sbuf_adds(&b, " header.d=x.example");
	assert_int_equal(authres_parse(b.s, &ar, &err), -1);
	assert_non_null(strstr(err.msg, "too many properties"));
	sbuf_reset(&b);
	while (b.len <= AUTHRES_MAX_LEN)
		sbuf_adds(&b, "          ");
	assert_int_equal(authres_parse(b.s, &ar, &err), -1);
	sbuf_free(&b);
}

static char *trusted[] = { "mx.example.com", "edge.example.net" };

static struct authres_verdict verdict(const char *const *values, size_t n, const char *from)
{
	struct authres_verdict v;
	memset(&v, 0, sizeof(v));
	for (size_t i = 0; i < n; i++) {
		struct authres ar;
		struct cad_err err = { "" };
		assert_int_equal(authres_parse(values[i], &ar, &err), 0);
		authres_apply(&ar, trusted, 2, from, &v);
		authres_free(&ar);
	}
	return v;
}

static void test_apply_trusted_only(void **state)
{
	const char *h[] = {
		"evil.example; dkim=pass header.d=example.org; spf=pass smtp.mailfrom=example.org",
	};
	const char *h2[] = {
		"MX.EXAMPLE.COM; dkim=fail header.d=example.org; spf=softfail smtp.mailfrom=a@example.org;"
		" dmarc=fail header.from=example.org",
	};
	struct authres_verdict v;
	(void)state;
	v = verdict(h, 1, "example.org");
	assert_int_equal(v.trusted_headers, 0);
	assert_int_equal(v.dkim, AR_ABSENT);
	assert_int_equal(v.spf, AR_ABSENT);
	v = verdict(h2, 1, "example.org");
	assert_int_equal(v.trusted_headers, 1);
	assert_int_equal(v.dkim, AR_FAIL);
	assert_int_equal(v.spf, AR_SOFTFAIL);
	assert_int_equal(v.dmarc, AR_FAIL);
}

static void test_apply_alignment(void **state)
{
	const char *h[] = {
		/* a signature of another domain says nothing about example.org */
		"mx.example.com; dkim=pass header.d=mailer.example",
		/* the parent domain's signature counts for a subdomain */
		"edge.example.net; dkim=fail header.d=example.org; dkim=pass header.i=@example.org",
		/* spf of an unrelated envelope domain is ignored; a bare TLD never aligns */
		"mx.example.com; spf=pass smtp.mailfrom=bounce@esp.example; dkim=pass header.d=org",
	};
	struct authres_verdict v;
	(void)state;
	v = verdict(h, 1, "news.example.org");
	assert_int_equal(v.dkim, AR_ABSENT);
	v = verdict(h, 2, "news.example.org");
	assert_int_equal(v.dkim, AR_PASS);          /* best of fail and pass */
	v = verdict(h + 2, 1, "example.org");
	assert_int_equal(v.spf, AR_ABSENT);
	assert_int_equal(v.dkim, AR_ABSENT);
}

/* Issue #9: HELO never authenticates a From; alignment is by the
 * organizational domain (Public Suffix List), so a sibling under co.uk is
 * another organization and a subdomain signature of the From's
 * organization counts. */
static void test_apply_helo_and_psl(void **state)
{
	const char *helo[] = { "mx.example.com; spf=pass smtp.helo=mail.example.org" };
	const char *sib[] = { "mx.example.com; spf=pass smtp.mailfrom=x@evil.co.uk;"
			      " dkim=pass header.d=evil.co.uk" };
	const char *sub[] = { "mx.example.com; spf=pass smtp.mailfrom=x@bounce.acme.co.uk;"
			      " dkim=pass header.d=mail.acme.co.uk" };
	struct authres_verdict v;
	(void)state;
	v = verdict(helo, 1, "example.org");
	assert_int_equal(v.spf, AR_ABSENT);
	v = verdict(sib, 1, "acme.co.uk");
	assert_int_equal(v.spf, AR_ABSENT);
	assert_int_equal(v.dkim, AR_ABSENT);
	v = verdict(sub, 1, "acme.co.uk");
	assert_int_equal(v.spf, AR_PASS);
	assert_int_equal(v.dkim, AR_PASS);
}

static void test_apply_old_spellings(void **state)
{
	const char *h[] = { "mx.example.com; spf=hardfail smtp.mailfrom=example.org",
			    "mx.example.com; dkim=unknown header.d=example.org" };
	struct authres_verdict v;
	(void)state;
	v = verdict(h, 2, "example.org");
	assert_int_equal(v.spf, AR_FAIL);
	assert_int_equal(v.dkim, AR_PERMERROR);
	assert_string_equal(ar_verdict_name(AR_TEMPERROR), "temperror");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_full),
		cmocka_unit_test(test_parse_forms),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_bounds),
		cmocka_unit_test(test_apply_trusted_only),
		cmocka_unit_test(test_apply_alignment),
		cmocka_unit_test(test_apply_helo_and_psl),
		cmocka_unit_test(test_apply_old_spellings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
