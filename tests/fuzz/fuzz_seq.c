/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_seq.c - libFuzzer target for the sequence-file parser and the
 * template renderer: both read files a user gives.
 *
 * Each input is parsed as a sequence file; when it parses, it is linted and
 * its templates are rendered for a fixed contact and sender. The input is
 * also rendered directly as a template. Nothing may crash, leak or read out
 * of bounds; results must be consistent (a template that validates renders
 * or fails only for a missing value).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seq.h"
#include "tmpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char k1[] = "title", v1[] = "Head of Ops", k2[] = "city", v2[] = "";
	static char cemail[] = "zoe@acme.test", cfirst[] = "Zoë", ccompany[] = "Acme";
	static char uemail[] = "ada@seller.test", uname[] = "Ada Lovelace";
	static char usig[] = "Ada\n--\nseller";
	static struct prop props[2];
	struct contact c;
	struct user u;
	struct tmpl_ctx ctx;
	struct sequence q;
	struct cad_err err;
	struct sbuf out;
	char *text;

	memset(&c, 0, sizeof(c));
	memset(&u, 0, sizeof(u));
	memset(&ctx, 0, sizeof(ctx));
	props[0].key = k1;
	props[0].value = v1;
	props[1].key = k2;
	props[1].value = v2;
	c.email = cemail;
	c.firstname = cfirst;
	c.company = ccompany;
	c.props = props;
	c.nprops = 2;
	u.email = uemail;
	u.name = uname;
	u.signature = usig;
	ctx.contact = &c;
	ctx.sender = &u;

	if (seq_parse_buffer("fuzz.seq", (const char *)data, size, &q, &err) == 0) {
		struct lint_item *items;
		size_t n;
		struct lint_facts facts = { 1 };
		seq_lint(&q, &facts, &items, &n);
		seq_lint_free(items, n);
		tmpl_check_sequence(&q, &ctx, &err);
		sequence_free(&q);
	}

	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	sbuf_init(&out);
	if (tmpl_validate(text, &err) == 0) {
		if (tmpl_render(text, &ctx, &out, &err) != 0
		    && strstr(err.msg, "no value for") == NULL && strstr(err.msg, "longer than") == NULL)
			abort();   /* validation and rendering disagree on the syntax */
	} else if (tmpl_render_flags(text, &ctx, TMPL_ONE_LINE, &out, &err) == 0) {
		abort();
	}
	sbuf_free(&out);
	free(text);
	return 0;
}
