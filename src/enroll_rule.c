/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * enroll_rule.c - the pure enrollment rule: given the facts about a rep, a
 * contact and a sequence, enroll or refuse with a reason a person can act
 * on. No clock, no SQL, no I/O; the token check is tmpl.c's, also pure.
 *
 * The checks run in a fixed order (who, whom, what, may we, is it busy,
 * is there room, does it render), so the reason given is the most basic
 * one that applies.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "enroll.h"
#include "tmpl.h"

static int refuse(char *why, size_t whylen, const char *fmt, ...) CAD_PRINTF(3, 4);
static int refuse(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	if (whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return 0;
}

static const char *orq(const char *s)
{
	return s ? s : "(none)";
}

int enroll_rule_check(const struct enroll_facts *f, char *why, size_t whylen)
{
	struct tmpl_ctx ctx;
	struct cad_err err;

	if (whylen > 0)
		why[0] = '\0';
	if (f->rep == NULL)
		return refuse(why, whylen, "no rep %s", orq(f->rep_key));
	if (!f->rep->active)
		return refuse(why, whylen, "rep %s is disabled", f->rep->email);
	if (f->contact == NULL)
		return refuse(why, whylen, "no contact %s", orq(f->contact_key));
	if (f->seq == NULL)
		return refuse(why, whylen, "no sequence \"%s\"", orq(f->sequence_key));
	if (!f->seq->active)
		return refuse(why, whylen, "sequence \"%s\" is archived", f->seq->name);
	if (f->seq->nsteps == 0)
		return refuse(why, whylen, "sequence \"%s\" has no steps", f->seq->name);
	if (f->supp)
		return refuse(why, whylen, "%s is suppressed: %s entry %s (%s)", f->contact->email,
			      f->supp->is_domain ? "domain" : "address", f->supp->pattern,
			      supp_kind_name(f->supp->kind));
	if (f->current)
		return refuse(why, whylen, "%s is already %s in sequence \"%s\" (rep %s, "
			      "enrollment %lld)", f->contact->email,
			      enr_state_name(f->current->state), orq(f->current_sequence),
			      orq(f->current_rep), (long long)f->current->id);
	if (f->enrolled_24h >= f->rep->enroll_cap_day)
		return refuse(why, whylen, "rep %s has reached the daily new-enrollment cap "
			      "(%d of %d in the last 24 hours)", f->rep->email, f->enrolled_24h,
			      f->rep->enroll_cap_day);
	if (f->ndays > 0) {
		struct sbuf sb;
		int ok;
		sbuf_init(&sb);
		ok = ratelimit_enroll_ok(f->days, f->ndays, f->rep->send_cap_24h > 0
				      ? f->rep->send_cap_24h : USER_DEFAULT_SEND_CAP,
				      f->enrolled_24h, 1, f->rep->enroll_cap_day, &sb);
		if (!ok)
			refuse(why, whylen, "%s", sb.s);
		sbuf_free(&sb);
		if (!ok)
			return 0;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.contact = f->contact;
	ctx.sender = f->rep;
	if (tmpl_check_sequence(f->seq, &ctx, &err) != 0)
		return refuse(why, whylen, "%s: sequence \"%s\": %s", f->contact->email,
			      f->seq->name, err.msg);
	return 1;
}

char *enroll_slug(const char *name)
{
	struct sbuf b;
	int dash = 0;

	sbuf_init(&b);
	for (; name != NULL && *name; name++) {
		unsigned char ch = (unsigned char)*name;
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    (ch >= 'A' && ch <= 'Z')) {
			if (dash && b.len > 0)
				sbuf_addc(&b, '-');
			dash = 0;
			sbuf_addc(&b, (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch));
		} else {
			dash = 1;
		}
	}
	return sbuf_detach(&b);
}
