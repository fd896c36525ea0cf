/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tmpl.h - personalization tokens in templates.
 *
 * Tokens: {{contact.firstname}}, {{contact.lastname}}, {{contact.company}},
 * {{contact.email}}, {{contact.<any property>}}, {{sender.firstname}},
 * {{sender.lastname}}, {{sender.name}}, {{sender.email}},
 * {{sender.signature}}, {{sender.meeting_link}}, and {{unsubscribe_url}}
 * (the message's own unsubscribe link: the one-click URL of its
 * List-Unsubscribe header, or its mailto: when there is no PublicURL; the
 * sender fills tmpl_ctx.unsubscribe_url once the message's token is made),
 * each with an optional
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
	/* {{unsubscribe_url}}: "https://.../u/TOKEN" (List-Unsubscribe's
	 * one-click URL) or "mailto:unsubscribe+TOKEN@Domain"; NULL = not
	 * known (the token then needs a fallback; tmpl_check_sequence counts
	 * it as known, since every sent message has one). */
	const char *unsubscribe_url;
};
#define TMPL_UNSUBSCRIBE_URL "unsubscribe_url"

/* Renders tmpl into out (out is reset first). On error out is empty and
 * err names the token: "no value for {{contact.firstname}} and no fallback". */
int tmpl_render(const char *tmpl, const struct tmpl_ctx *ctx, struct sbuf *out,
		struct cad_err *err);
/* Checks the syntax of tmpl without values (for parsing and lint). */
int tmpl_validate(const char *tmpl, struct cad_err *err);
/* Every token of every email step's subject and body (and of every task
 * step's subject and note, which are rendered into the task) resolves for
 * this contact and sender. The error names the step and the token. */
int tmpl_check_sequence(const struct sequence *s, const struct tmpl_ctx *ctx,
			struct cad_err *err);
/* Calls fn for each token of tmpl: name is the token without braces and
 * without its fallback, whitespace trimmed ("contact.firstname"); fallback
 * is the text after '|' (trimmed, possibly "") or NULL when there is none.
 * Stops and returns fn's value when non-zero; returns -1 on a syntax error
 * (tokens before it have been reported). For lint. */
int tmpl_each_token(const char *tmpl, int (*fn)(void *arg, const char *name,
						const char *fallback), void *arg);

/* Limits: a template longer than TMPL_MAX_SIZE bytes, a token longer than
 * TMPL_MAX_TOKEN bytes between its braces, or a rendering longer than
 * TMPL_MAX_OUTPUT bytes is an error. */
#define TMPL_MAX_SIZE (64 * 1024)
#define TMPL_MAX_TOKEN 256
#define TMPL_MAX_OUTPUT (1024 * 1024)

/* tmpl_validate that also reports the byte offset of the first problem in
 * *offset (for file:line messages); *offset is 0 on success. */
int tmpl_validate_at(const char *tmpl, size_t *offset, struct cad_err *err);

/* Flags for tmpl_render_flags(). TMPL_ONE_LINE: the result is a header
 * value (a Subject): CR, LF and other control bytes coming from values are
 * replaced by spaces, so that a contact's data cannot add a header line. */
#define TMPL_ONE_LINE 0x1
int tmpl_render_flags(const char *tmpl, const struct tmpl_ctx *ctx, unsigned flags,
		      struct sbuf *out, struct cad_err *err);

/* Is ns.field a token that can ever have a value? (contact.<anything>,
 * and the sender fields listed above.) For lint. */
int tmpl_token_known(const char *name);

#endif
