/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * replay.c - one message through a milter's callbacks in process (see
 * replay.h), with mapi.h's table answering their libmilter calls.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mapi.h"
#include "replay.h"

#define REPLAY_CHUNK 65535   /* libmilter's MILTER_CHUNK_SIZE */

/* What the MTA offers at negotiation: Postfix 3's actions and steps. */
#define OFFER_ACTIONS                                                                  \
	(SMFIF_ADDHDRS | SMFIF_CHGBODY | SMFIF_ADDRCPT | SMFIF_DELRCPT | SMFIF_CHGHDRS |  \
	 SMFIF_QUARANTINE | SMFIF_CHGFROM | SMFIF_ADDRCPT_PAR | SMFIF_SETSYMLIST)
#define OFFER_PROTO                                                                    \
	(SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT | SMFIP_NOBODY |    \
	 SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NR_HDR | SMFIP_NOUNKNOWN | SMFIP_NODATA |     \
	 SMFIP_SKIP | SMFIP_RCPT_REJ | SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL |     \
	 SMFIP_NR_RCPT | SMFIP_NR_DATA | SMFIP_NR_UNKN | SMFIP_NR_EOH | SMFIP_NR_BODY |    \
	 SMFIP_HDR_LEADSPC)

/* The context the callbacks get as their SMFICTX. */
struct replay_ctx {
	const struct replay_env *env;
	struct replay_result *res;
	void *priv;
	int at_eom;              /* modifications are allowed only at EOM */
};

static struct replay_ctx *rctx(SMFICTX *ctx)
{
	return (struct replay_ctx *)(void *)ctx;
}

static void *r_getpriv(SMFICTX *ctx)
{
	return rctx(ctx)->priv;
}

static int r_setpriv(SMFICTX *ctx, void *priv)
{
	rctx(ctx)->priv = priv;
	return MI_SUCCESS;
}

static char *r_getsymval(SMFICTX *ctx, char *name)
{
	const struct replay_env *e = rctx(ctx)->env;
	size_t n = strlen(name);
	if (n >= 2 && name[0] == '{' && name[n - 1] == '}') {
		name++;
		n -= 2;
	}
#define IS(s) (n == strlen(s) && strncmp(name, s, n) == 0)
	if (IS("i"))
		return (char *)(uintptr_t)(e->queue_id != NULL ? e->queue_id : "REPLAY");
	if (IS("client_addr"))
		return (char *)(uintptr_t)(e->client_addr != NULL ? e->client_addr : "127.0.0.1");
	if (IS("auth_authen"))
		return (char *)(uintptr_t)e->auth_authen;
	if (IS("daemon_name"))
		return (char *)(uintptr_t)(e->daemon_name != NULL ? e->daemon_name : "replay");
#undef IS
	return NULL;
}

static int r_setsymlist(SMFICTX *ctx, int stage, char *macros)
{
	(void)ctx;
	(void)stage;
	(void)macros;
	return MI_SUCCESS;
}

static int r_setreply(SMFICTX *ctx, char *rcode, char *xcode, char *message)
{
	struct replay_result *r = rctx(ctx)->res;
	if (rcode == NULL || (rcode[0] != '4' && rcode[0] != '5'))
		return MI_FAILURE;
	free(r->reply);
	r->reply = xasprintf("%s %s %s", rcode, xcode != NULL ? xcode : "",
			     message != NULL ? message : "");
	return MI_SUCCESS;
}

/* Records a modification; MI_FAILURE outside EOM or when not negotiated,
 * as libmilter answers. */
static int record(SMFICTX *ctx, unsigned long need, enum replay_kind k, int index,
		  const char *name, const char *value)
{
	struct replay_ctx *c = rctx(ctx);
	struct replay_result *r = c->res;
	struct replay_action *a;
	if (!c->at_eom || (r->actions_flags & need) == 0)
		return MI_FAILURE;
	r->actions = xreallocarray(r->actions, r->nactions + 1, sizeof(*r->actions));
	a = &r->actions[r->nactions++];
	a->kind = k;
	a->index = index;
	a->name = name != NULL ? xstrdup(name) : NULL;
	a->value = value != NULL ? xstrdup(value) : NULL;
	return MI_SUCCESS;
}

static int r_insheader(SMFICTX *ctx, int idx, char *name, char *value)
{
	if (name == NULL || value == NULL)
		return MI_FAILURE;
	return record(ctx, SMFIF_ADDHDRS, REPLAY_INSHEADER, idx, name, value);
}

static int r_chgheader(SMFICTX *ctx, char *name, int idx, char *value)
{
	if (name == NULL || idx < 0)
		return MI_FAILURE;
	return record(ctx, SMFIF_CHGHDRS, REPLAY_CHGHEADER, idx, name, value);
}

static int r_delrcpt(SMFICTX *ctx, char *rcpt)
{
	if (rcpt == NULL)
		return MI_FAILURE;
	return record(ctx, SMFIF_DELRCPT, REPLAY_DELRCPT, 0, NULL, rcpt);
}

static const struct mapi_ops replay_ops = {
	.getpriv = r_getpriv,
	.setpriv = r_setpriv,
	.getsymval = r_getsymval,
	.setsymlist = r_setsymlist,
	.setreply = r_setreply,
	.insheader = r_insheader,
	.chgheader = r_chgheader,
	.delrcpt = r_delrcpt,
};

const char *replay_answer_name(sfsistat a)
{
	switch (a) {
	case SMFIS_CONTINUE: return "continue";
	case SMFIS_REJECT: return "reject";
	case SMFIS_DISCARD: return "discard";
	case SMFIS_ACCEPT: return "accept";
	case SMFIS_TEMPFAIL: return "tempfail";
	case SMFIS_NOREPLY: return "noreply";
	case SMFIS_SKIP: return "skip";
	default: return "unknown";
	}
}

/* 1 when a step's answer ends the message. */
static int final(sfsistat r)
{
	return r != SMFIS_CONTINUE && r != SMFIS_NOREPLY && r != SMFIS_SKIP;
}

/* One header field at *p (up to end): its name and value as Postfix
 * passes them; *p moves past it. 0, or -1 at the end of the header
 * section (the empty line consumed) or of the message. */
static int next_header(const char **p, const char *end, int leadspc, char **name, char **value)
{
	const char *s = *p, *colon, *eol;
	struct sbuf v;
	if (s >= end || *s == '\n' || (*s == '\r' && s + 1 < end && s[1] == '\n')) {
		*p = s >= end ? end : s + (*s == '\r' ? 2 : 1);
		return -1;
	}
	eol = memchr(s, '\n', (size_t)(end - s));
	if (eol == NULL)
		eol = end;
	colon = memchr(s, ':', (size_t)(eol - s));
	if (colon == NULL)
		colon = eol;   /* not a field: passed whole as a name, as a broken client's */
	*name = xstrndup(s, (size_t)(colon - s));
	sbuf_init(&v);
	s = colon < eol ? colon + 1 : eol;
	if (!leadspc)
		while (s < eol && (*s == ' ' || *s == '\t'))
			s++;
	for (;;) {
		const char *e = eol > s && eol[-1] == '\r' ? eol - 1 : eol;
		if (e > s)
			sbuf_add(&v, s, (size_t)(e - s));
		s = eol < end ? eol + 1 : end;
		if (s >= end || (*s != ' ' && *s != '\t'))
			break;
		sbuf_adds(&v, "\n");   /* folding: Postfix passes LF */
		eol = memchr(s, '\n', (size_t)(end - s));
		if (eol == NULL)
			eol = end;
	}
	*value = sbuf_detach(&v);
	*p = s;
	return 0;
}

/* The body with CRLF line ends, as it crosses SMTP. */
static void body_crlf(const char *p, const char *end, struct sbuf *out)
{
	for (; p < end; p++) {
		if (*p == '\n' && (out->len == 0 || out->s[out->len - 1] != '\r'))
			sbuf_adds(out, "\r");
		sbuf_add(out, p, 1);
	}
}

struct run {
	const struct smfiDesc *d;
	SMFICTX *ctx;
	struct replay_result *res;
	unsigned long proto;
};

/* Calls one step; 1 when the message ended there. */
static int step(struct run *r, const char *stage, sfsistat a)
{
	if (!final(a))
		return 0;
	r->res->answer = a;
	r->res->stage = stage;
	return 1;
}

static int envelope(struct run *r, const struct replay_env *env)
{
	char *argv[2] = { NULL, NULL };
	if (r->d->xxfi_helo != NULL && !(r->proto & SMFIP_NOHELO) &&
	    step(r, "helo", r->d->xxfi_helo(r->ctx, (char *)(uintptr_t)(env->helo != NULL
									? env->helo
									: "replay.invalid"))))
		return 1;
	argv[0] = xasprintf("<%s>", env->mail_from != NULL ? env->mail_from : "");
	if (r->d->xxfi_envfrom != NULL && !(r->proto & SMFIP_NOMAIL) &&
	    step(r, "mail", r->d->xxfi_envfrom(r->ctx, argv))) {
		free(argv[0]);
		return 1;
	}
	free(argv[0]);
	for (size_t i = 0; i < env->nrcpts; i++) {
		int ended;
		argv[0] = xasprintf("<%s>", env->rcpts[i]);
		ended = r->d->xxfi_envrcpt != NULL && !(r->proto & SMFIP_NORCPT) &&
			step(r, "rcpt", r->d->xxfi_envrcpt(r->ctx, argv));
		free(argv[0]);
		if (ended)
			return 1;
	}
	return 0;
}

static int content(struct run *r, const struct replay_env *env, const char *msg, size_t len)
{
	const char *p = msg, *end = msg + len;
	char *name, *value;
	struct sbuf body;
	struct replay_ctx *c = rctx(r->ctx);
	int ended = 0;
	while (next_header(&p, end, (r->proto & SMFIP_HDR_LEADSPC) != 0, &name, &value) == 0) {
		if (!ended && r->d->xxfi_header != NULL && !(r->proto & SMFIP_NOHDRS))
			ended = step(r, "header", r->d->xxfi_header(r->ctx, name, value));
		free(name);
		free(value);
	}
	if (ended)
		return 1;
	if (r->d->xxfi_eoh != NULL && !(r->proto & SMFIP_NOEOH) &&
	    step(r, "eoh", r->d->xxfi_eoh(r->ctx)))
		return 1;
	sbuf_init(&body);
	body_crlf(p, end, &body);
	for (size_t off = 0; r->d->xxfi_body != NULL && !(r->proto & SMFIP_NOBODY) &&
			     off < body.len; off += REPLAY_CHUNK) {
		size_t n = body.len - off < REPLAY_CHUNK ? body.len - off : REPLAY_CHUNK;
		sfsistat a = r->d->xxfi_body(r->ctx, (unsigned char *)body.s + off, n);
		if (a == SMFIS_SKIP)
			break;
		if ((ended = step(r, "body", a)) != 0)
			break;
	}
	sbuf_free(&body);
	if (ended)
		return 1;
	if (env->at_eom != NULL)
		env->at_eom(c->priv, 0, env->arg);
	c->at_eom = 1;
	r->res->answer = r->d->xxfi_eom != NULL ? r->d->xxfi_eom(r->ctx) : SMFIS_CONTINUE;
	r->res->stage = "eom";
	c->at_eom = 0;
	if (env->at_eom != NULL)
		env->at_eom(c->priv, 1, env->arg);
	return 1;
}

int replay_run(const struct smfiDesc *desc, const struct replay_env *env, const char *msg,
	       size_t len, struct replay_result *res, struct cad_err *err)
{
	struct replay_ctx c;
	struct run r;

	memset(res, 0, sizeof(*res));
	if (len == 0 || memchr(msg, ':', len) == NULL)
		return cad_err_set(err, "not a message: no header field");
	memset(&c, 0, sizeof(c));
	c.env = env;
	c.res = res;
	r.d = desc;
	r.ctx = (SMFICTX *)(void *)&c;
	r.res = res;
	r.proto = 0;
	res->answer = SMFIS_CONTINUE;
	res->stage = "eom";
	res->actions_flags = desc->xxfi_flags;
	mapi_use(&replay_ops);
	if (!env->old_mta && desc->xxfi_negotiate != NULL) {
		unsigned long f0 = 0, f1 = 0, f2 = 0, f3 = 0;
		sfsistat a = desc->xxfi_negotiate(r.ctx, OFFER_ACTIONS, OFFER_PROTO, 0, 0, &f0, &f1,
						  &f2, &f3);
		if (a == SMFIS_CONTINUE) {
			res->negotiated = 1;
			res->actions_flags = f0;
			res->proto_flags = f1;
			r.proto = f1;
		}
	}
	if (!envelope(&r, env))
		(void)content(&r, env, msg, len);
	if (desc->xxfi_abort != NULL && strcmp(res->stage, "eom") != 0)
		desc->xxfi_abort(r.ctx);
	if (desc->xxfi_close != NULL)
		desc->xxfi_close(r.ctx);
	mapi_use(NULL);
	return 0;
}

void replay_result_free(struct replay_result *res)
{
	for (size_t i = 0; i < res->nactions; i++) {
		free(res->actions[i].name);
		free(res->actions[i].value);
	}
	free(res->actions);
	free(res->reply);
	memset(res, 0, sizeof(*res));
}
