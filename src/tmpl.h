/*
 * tmpl.h - personalization tokens in templates.
 *
 * Tokens: {{contact.firstname}}, {{contact.lastname}}, {{contact.company}},
 * {{contact.email}}, {{contact.<any property>}}, {{sender.firstname}},
 * {{sender.lastname}}, {{sender.name}}, {{sender.email}},
 * {{sender.signature}}, {{sender.meeting_link}}, each with an optional
 * fallback: {{contact.firstname|there}}. A value that is empty counts as
 * missing. Rendering is pure: no I/O, output is a new string; UTF-8 passes
 * through untouched.
 *
 * Guarantees: a token that has neither a value nor a fallback is an error
 * naming the token; an unknown namespace or an unterminated "{{" is a
 * syntax error naming the offset; nothing is half-rendered into the caller.
 */
#ifndef CADENCE_TMPL_H
#define CADENCE_TMPL_H

#include "model.h"
#include "util.h"

struct tmpl_ctx {
	const struct contact *contact;
	const struct user *sender;
};

/* Renders tmpl into out (out is reset first). On error out is empty and
 * err names the token: "no value for {{contact.firstname}} and no fallback". */
int tmpl_render(const char *tmpl, const struct tmpl_ctx *ctx, struct sbuf *out,
		struct cad_err *err);
/* Checks the syntax of tmpl without values (for parsing and lint). */
int tmpl_validate(const char *tmpl, struct cad_err *err);
/* Every token of every email step's subject and body resolves for this
 * contact and sender. The error names the step and the token. */
int tmpl_check_sequence(const struct sequence *s, const struct tmpl_ctx *ctx,
			struct cad_err *err);
/* Calls fn for each token (without braces, fallback included) of tmpl;
 * stops and returns fn's value when non-zero. For lint. */
int tmpl_each_token(const char *tmpl, int (*fn)(void *arg, const char *name,
						const char *fallback), void *arg);

#endif
