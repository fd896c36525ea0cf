/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_compose.c - unit tests for compose.c's messages: every message
 * composed is parsed back with GMime and its headers, threading,
 * List-Unsubscribe forms, encodings and decoded body are checked; tokens
 * survive the round trip; compose_reply_subject(). What compose.c refuses
 * is test_compose_refuse.c's.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <gmime/gmime.h>

#include "compose.h"
#include "compose_fixture.h"
#include "token.h"
#include "secret.h"

#define T0 CPX_T0

static const char *const refs2[] = {
	"aaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbb@sales.example",
	"cccccccccccccccccccccccc.dddddddddddddddd@sales.example",
};

static GMimeMessage *parse(const struct sbuf *raw)
{
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(raw->s, raw->len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	assert_non_null(msg);
	return msg;
}

/* Every line ends in CRLF; no line is longer than 998 bytes. */
static void assert_wire_format(const struct sbuf *raw)
{
	size_t i, col = 0;
	assert_true(raw->len >= 2);
	assert_memory_equal(raw->s + raw->len - 2, "\r\n", 2);
	for (i = 0; i < raw->len; i++) {
		if (raw->s[i] == '\n') {
			assert_true(i > 0 && raw->s[i - 1] == '\r');
			col = 0;
		} else if (raw->s[i] == '\r') {
			assert_true(i + 1 < raw->len && raw->s[i + 1] == '\n');
		} else {
			col++;
			assert_true(col <= 998);
		}
	}
}

static const char *header(GMimeMessage *msg, const char *name)
{
	return g_mime_object_get_header(GMIME_OBJECT(msg), name);
}

/* The raw (undecoded, unfolded) value of a header, for exact checks. */
static char *raw_header(GMimeMessage *msg, const char *name)
{
	GMimeHeader *h = g_mime_header_list_get_header(
	    g_mime_object_get_header_list(GMIME_OBJECT(msg)), name);
	assert_non_null(h);
	return g_mime_utils_header_unfold(g_mime_header_get_raw_value(h));
}

/* The decoded body text with CRLF turned to LF. */
static char *body_text(GMimeMessage *msg)
{
	GMimeObject *part = g_mime_message_get_mime_part(msg);
	char *text, *src, *dst;
	assert_true(GMIME_IS_TEXT_PART(part));
	text = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
	for (src = dst = text; *src != '\0'; src++)
		if (!(src[0] == '\r' && src[1] == '\n'))
			*dst++ = *src;
	*dst = '\0';
	return text;
}

static GMimeContentEncoding body_encoding(GMimeMessage *msg)
{
	return g_mime_part_get_content_encoding(GMIME_PART(g_mime_message_get_mime_part(msg)));
}

static void compose_ok(const struct compose_in *in, struct sbuf *out)
{
	struct cad_err err;
	sbuf_init(out);
	err.msg[0] = '\0';
	if (compose_message(in, out, &err) != 0)
		fail_msg("compose_message: %s", err.msg);
	assert_wire_format(out);
}

static void test_plain_message(void **state)
{
	struct compose_in in = cpx_input();
	struct sbuf raw, again;
	GMimeMessage *msg;
	InternetAddressList *l;
	InternetAddressMailbox *mb;
	GDateTime *d;
	GMimeContentType *ct;
	char *text;
	(void)state;

	compose_ok(&in, &raw);
	msg = parse(&raw);
	l = g_mime_message_get_from(msg);
	assert_int_equal(internet_address_list_length(l), 1);
	mb = INTERNET_ADDRESS_MAILBOX(internet_address_list_get_address(l, 0));
	assert_string_equal(internet_address_get_name(INTERNET_ADDRESS(mb)), "Ada Lovelace");
	assert_string_equal(internet_address_mailbox_get_addr(mb), "ada@sales.example");
	l = g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO);
	assert_int_equal(internet_address_list_length(l), 1);
	mb = INTERNET_ADDRESS_MAILBOX(internet_address_list_get_address(l, 0));
	assert_string_equal(internet_address_mailbox_get_addr(mb), "john@acme.test");
	assert_int_equal(internet_address_list_length(
	    g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_CC)), 0);
	assert_string_equal(g_mime_message_get_subject(msg), "Quick question");
	assert_string_equal(g_mime_message_get_message_id(msg), in.message_id);
	d = g_mime_message_get_date(msg);
	assert_non_null(d);
	assert_int_equal(g_date_time_to_unix(d), T0);
	assert_string_equal(header(msg, "Date"), "Wed, 18 Nov 2026 11:06:40 +0000");
	assert_string_equal(header(msg, "MIME-Version"), "1.0");
	assert_null(header(msg, "In-Reply-To"));
	assert_null(header(msg, "References"));
	assert_null(header(msg, "List-Unsubscribe"));
	assert_null(header(msg, "List-Unsubscribe-Post"));
	ct = g_mime_object_get_content_type(g_mime_message_get_mime_part(msg));
	assert_true(g_mime_content_type_is_type(ct, "text", "plain"));
	assert_string_equal(g_mime_content_type_get_parameter(ct, "charset"), "utf-8");
	assert_int_equal(body_encoding(msg), GMIME_CONTENT_ENCODING_7BIT);
	text = body_text(msg);
	assert_string_equal(text, in.body);
	g_free(text);
	/* 7bit: the body is on the wire as written, CRLF. */
	assert_non_null(strstr(raw.s, "\r\n\r\nHi John,\r\n\r\nShort and plain.\r\n\r\nAda\r\n"));

	/* Pure: the same input gives the same bytes. */
	compose_ok(&in, &again);
	assert_int_equal(again.len, raw.len);
	assert_memory_equal(again.s, raw.s, raw.len);
	g_object_unref(msg);
	sbuf_free(&raw);
	sbuf_free(&again);
}

static void test_non_ascii(void **state)
{
	struct compose_in in = cpx_input();
	struct compose_header extra[] = {
		{ "X-Cadence-Sequence", "Café – Outbound" },
		{ "Reply-To", "ada@sales.example" },
	};
	struct sbuf raw;
	GMimeMessage *msg;
	InternetAddressList *l;
	InternetAddress *ia;
	char *text;
	size_t i;
	(void)state;

	in.from_name = "Zoë Müller-Lüdenscheidt";
	in.to_name = "Smith, John \"JJ\"";
	in.subject = "Grüße aus Köln — ein kurzer Gedanke zu Ihren Plänen für das dritte Quartal 2027";
	in.body = "Hallo Jörg,\n\nviele Grüße — Zoë\n.dot line\nFrom here\n";
	in.tz_offset_minutes = 330;   /* Asia/Kolkata */
	in.extra = extra;
	in.nextra = 2;
	compose_ok(&in, &raw);
	/* The wire is 7-bit clean: names and subjects are RFC 2047 words. */
	for (i = 0; i < raw.len; i++)
		assert_true((unsigned char)raw.s[i] < 0x80);
	msg = parse(&raw);
	l = g_mime_message_get_from(msg);
	ia = internet_address_list_get_address(l, 0);
	assert_string_equal(internet_address_get_name(ia), "Zoë Müller-Lüdenscheidt");
	l = g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO);
	assert_int_equal(internet_address_list_length(l), 1);   /* the comma stayed quoted */
	ia = internet_address_list_get_address(l, 0);
	assert_string_equal(internet_address_get_name(ia), "Smith, John \"JJ\"");
	assert_string_equal(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)),
	    "john@acme.test");
	assert_string_equal(g_mime_message_get_subject(msg), in.subject);
	assert_string_equal(header(msg, "X-Cadence-Sequence"), "Café – Outbound");
	assert_string_equal(header(msg, "Reply-To"), "ada@sales.example");
	assert_string_equal(header(msg, "Date"), "Wed, 18 Nov 2026 16:36:40 +0530");
	assert_int_equal(g_date_time_to_unix(g_mime_message_get_date(msg)), T0);
	assert_int_equal(body_encoding(msg), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	text = body_text(msg);
	assert_string_equal(text, in.body);
	g_free(text);
	g_object_unref(msg);
	sbuf_free(&raw);

	in.tz_offset_minutes = -300;   /* New York in winter */
	compose_ok(&in, &raw);
	msg = parse(&raw);
	assert_string_equal(header(msg, "Date"), "Wed, 18 Nov 2026 06:06:40 -0500");
	g_object_unref(msg);
	sbuf_free(&raw);
}

static void test_long_line(void **state)
{
	struct compose_in in = cpx_input();
	struct sbuf raw, body;
	GMimeMessage *msg;
	char *text;
	int i;
	(void)state;

	sbuf_init(&body);
	sbuf_adds(&body, "Intro\r\n");
	for (i = 0; i < 200; i++)
		sbuf_adds(&body, "0123456789");   /* one 2000-character line */
	sbuf_adds(&body, "\r\nEnd");          /* CRLF input, no final line end */
	in.body = body.s;
	compose_ok(&in, &raw);                /* asserts no line over 998 */
	msg = parse(&raw);
	assert_int_equal(body_encoding(msg), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	text = body_text(msg);
	assert_int_equal(strlen(text), 5 + 1 + 2000 + 1 + 3 + 1);
	assert_memory_equal(text, "Intro\n0123456789", 16);
	assert_string_equal(text + 5 + 1 + 2000, "\nEnd\n");
	g_free(text);
	g_object_unref(msg);
	sbuf_free(&raw);

	/* An ASCII line of exactly 998 bytes may still go 7bit; 999 may not. */
	sbuf_reset(&body);
	for (i = 0; i < 998; i++)
		sbuf_addc(&body, 'x');
	in.body = body.s;
	compose_ok(&in, &raw);
	msg = parse(&raw);
	assert_int_equal(body_encoding(msg), GMIME_CONTENT_ENCODING_7BIT);
	g_object_unref(msg);
	sbuf_free(&raw);
	sbuf_addc(&body, 'x');
	in.body = body.s;
	compose_ok(&in, &raw);
	msg = parse(&raw);
	assert_int_equal(body_encoding(msg), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	text = body_text(msg);
	assert_int_equal(strlen(text), 1000);
	g_free(text);
	g_object_unref(msg);
	sbuf_free(&raw);
	sbuf_free(&body);
}

static void test_threading(void **state)
{
	struct compose_in in = cpx_input();
	struct sbuf raw;
	GMimeMessage *msg;
	GMimeReferences *refs;
	char *subj;
	(void)state;

	subj = compose_reply_subject("Quick question");
	in.subject = subj;
	in.in_reply_to = refs2[1];
	in.references = refs2;
	in.nreferences = 2;
	compose_ok(&in, &raw);
	msg = parse(&raw);
	assert_string_equal(g_mime_message_get_subject(msg), "Re: Quick question");
	refs = g_mime_references_parse(NULL, header(msg, "In-Reply-To"));
	assert_int_equal(g_mime_references_length(refs), 1);
	assert_string_equal(g_mime_references_get_message_id(refs, 0), refs2[1]);
	g_mime_references_free(refs);
	refs = g_mime_references_parse(NULL, header(msg, "References"));
	assert_int_equal(g_mime_references_length(refs), 2);
	assert_string_equal(g_mime_references_get_message_id(refs, 0), refs2[0]);
	assert_string_equal(g_mime_references_get_message_id(refs, 1), refs2[1]);
	g_mime_references_free(refs);
	g_object_unref(msg);
	sbuf_free(&raw);
	free(subj);
}

/* Ids and URIs longer than a line stay whole: folded between items,
 * never RFC 2047-encoded (a client could not use them). */
static void test_long_ids_stay_raw(void **state)
{
	static const char *const longrefs[] = {
		"aaaaaaaaaaaaaaaaaaaaaaaa.dddddddddddddddd@a-rather-long-subdomain.of-a-long-company-domain.example",
		"aaaaaaaaaaaaaaaaaaaaaaaa.cccccccccccccccc@a-rather-long-subdomain.of-a-long-company-domain.example",
	};
	struct compose_in in = cpx_input();
	struct sbuf raw;
	GMimeMessage *msg;
	GMimeReferences *refs;
	(void)state;

	in.message_id = "aaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbb@a-rather-long-subdomain.of-a-long-company-domain.example";
	in.in_reply_to = longrefs[1];
	in.references = longrefs;
	in.nreferences = 2;
	in.unsub_mailto = "unsubscribe+aaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbb@a-rather-long-subdomain.of-a-long-company-domain.example";
	in.unsub_url = "https://cadence.a-rather-long-subdomain.of-a-long-company-domain.example/u/aaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbb";
	compose_ok(&in, &raw);
	assert_null(strstr(raw.s, "=?"));
	msg = parse(&raw);
	assert_string_equal(g_mime_message_get_message_id(msg), in.message_id);
	refs = g_mime_references_parse(NULL, header(msg, "References"));
	assert_int_equal(g_mime_references_length(refs), 2);
	assert_string_equal(g_mime_references_get_message_id(refs, 1), longrefs[1]);
	g_mime_references_free(refs);
	assert_non_null(strstr(raw.s, "\r\nList-Unsubscribe: <mailto:unsubscribe+aaaaaaaaaaaaaaaaaaaaaaaa."
	    "bbbbbbbbbbbbbbbb@a-rather-long-subdomain.of-a-long-company-domain.example?subject=unsubscribe>,\r\n"
	    " <https://cadence.a-rather-long-subdomain.of-a-long-company-domain.example/u/"
	    "aaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbb>\r\n"));
	g_object_unref(msg);
	sbuf_free(&raw);
}

static void test_list_unsubscribe(void **state)
{
	struct compose_in in = cpx_input();
	struct sbuf raw;
	GMimeMessage *msg;
	char *v;
	(void)state;

	in.unsub_mailto = "unsubscribe+aaaa.bbbb@sales.example";
	in.unsub_url = "https://cadence.sales.example/u/aaaa.bbbb";
	compose_ok(&in, &raw);
	msg = parse(&raw);
	v = raw_header(msg, "List-Unsubscribe");
	assert_string_equal(v, "<mailto:unsubscribe+aaaa.bbbb@sales.example?subject=unsubscribe>,"
	    " <https://cadence.sales.example/u/aaaa.bbbb>");
	g_free(v);
	assert_string_equal(header(msg, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
	g_object_unref(msg);
	sbuf_free(&raw);

	/* mailto only: no one-click (RFC 8058 needs an HTTPS URI). */
	in.unsub_url = NULL;
	compose_ok(&in, &raw);
	msg = parse(&raw);
	v = raw_header(msg, "List-Unsubscribe");
	assert_string_equal(v, "<mailto:unsubscribe+aaaa.bbbb@sales.example?subject=unsubscribe>");
	g_free(v);
	assert_null(header(msg, "List-Unsubscribe-Post"));
	g_object_unref(msg);
	sbuf_free(&raw);

	/* URL only, plain http (a test setup): listed, but not one-click. */
	in.unsub_mailto = NULL;
	in.unsub_url = "http://127.0.0.1:8025/u/aaaa.bbbb";
	compose_ok(&in, &raw);
	msg = parse(&raw);
	v = raw_header(msg, "List-Unsubscribe");
	assert_string_equal(v, "<http://127.0.0.1:8025/u/aaaa.bbbb>");
	g_free(v);
	assert_null(header(msg, "List-Unsubscribe-Post"));
	g_object_unref(msg);
	sbuf_free(&raw);
}

/* The whole chain: tokens made by token.c, put in headers by compose.c,
 * read back by a MIME parser and verified again. */
static void test_tokens_survive(void **state)
{
	struct compose_in in = cpx_input();
	struct cad_secret secret;
	struct cad_err err;
	unsigned char nonce[TOKEN_NONCE_BYTES];
	char utok[TOKEN_BUFSZ], got[TOKEN_BUFSZ], n1[TOKEN_NONCE_CHARS + 1];
	char n2[TOKEN_NONCE_CHARS + 1];
	char *id, *mailto, *url, *lu, *p, *end;
	struct sbuf raw;
	GMimeMessage *msg;
	(void)state;

	assert_int_equal(secret_set(&secret, "another 32-byte secret for tests", 32, &err), 0);
	assert_int_equal(token_nonce_random(nonce, &err), 0);
	assert_int_equal(token_make(TOKEN_UNSUB, &secret, nonce, utok), 0);
	id = msgid_make(&secret, nonce, "sales.example");
	mailto = token_address("unsubscribe", utok, "sales.example");
	url = token_unsub_url("https://cadence.sales.example", utok);
	in.message_id = id;
	in.unsub_mailto = mailto;
	in.unsub_url = url;
	compose_ok(&in, &raw);
	msg = parse(&raw);
	assert_int_equal(msgid_verify(&secret, header(msg, "Message-ID"), n1), TOKEN_VALID);
	lu = raw_header(msg, "List-Unsubscribe");
	/* "<mailto:ADDR?subject=...>, <URL>": the address, then the URL's last segment. */
	p = strstr(lu, "mailto:");
	assert_non_null(p);
	p += strlen("mailto:");
	end = strchr(p, '?');
	assert_non_null(end);
	*end = '\0';
	assert_int_equal(token_extract(TOKEN_UNSUB, &secret, p, got, n2), TOKEN_VALID);
	assert_string_equal(got, utok);
	assert_string_equal(n1, n2);                /* one nonce: one message */
	p = strstr(end + 1, "/u/");
	assert_non_null(p);
	p += 3;
	end = strchr(p, '>');
	assert_non_null(end);
	assert_int_equal(token_verify(TOKEN_UNSUB, &secret, p, (size_t)(end - p), NULL),
	    TOKEN_VALID);
	/* The Message-ID is not an unsubscribe token. */
	assert_int_equal(token_extract(TOKEN_UNSUB, &secret, header(msg, "Message-ID"),
	    NULL, NULL), TOKEN_BAD_MAC);
	g_free(lu);
	g_object_unref(msg);
	sbuf_free(&raw);
	free(id);
	free(mailto);
	free(url);
	secret_free(&secret);
}

static void test_reply_subject(void **state)
{
	static const char *const cases[][2] = {
		{ "Quick question", "Re: Quick question" },
		{ "Re: Quick question", "Re: Quick question" },
		{ "RE: re: Re:Quick question", "Re: Quick question" },
		{ "Re[2]: Quick question", "Re: Quick question" },
		{ "  re : Quick question", "Re: Quick question" },
		{ "Reorg plans", "Re: Reorg plans" },
		{ "Re", "Re: Re" },
		{ "Grüße", "Re: Grüße" },
		{ "", "Re:" },
		{ "Re: ", "Re:" },
	};
	size_t i;
	char *s;
	(void)state;
	for (i = 0; i < CAD_ARRAY_LEN(cases); i++) {
		s = compose_reply_subject(cases[i][0]);
		assert_string_equal(s, cases[i][1]);
		free(s);
	}
	s = compose_reply_subject(NULL);
	assert_string_equal(s, "Re:");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_message),
		cmocka_unit_test(test_non_ascii),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_threading),
		cmocka_unit_test(test_long_ids_stay_raw),
		cmocka_unit_test(test_list_unsubscribe),
		cmocka_unit_test(test_tokens_survive),
		cmocka_unit_test(test_reply_subject),
	};
	g_mime_init();
	return cmocka_run_group_tests_name("compose", tests, NULL, NULL);
}
