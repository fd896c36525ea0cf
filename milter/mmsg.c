/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mmsg.c - the milter's per-message state (see mmsg.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mmsg.h"
#include "msign.h"
#include "token.h"
#include "storepool.h"

struct mmsg *mmsg_new(void)
{
	struct mmsg *m = xcalloc(1, sizeof(*m));
	m->mc = mconf_acquire();
	m->qid = xstrdup("NOQUEUE");
	m->cls = MAIL_PERSON;
	sbuf_init(&m->body);
	return m;
}

void mmsg_free(struct mmsg *m)
{
	if (m == NULL)
		return;
	msign_free(m->signer);
	for (size_t i = 0; i < m->nhdrs; i++) {
		free(m->hdrs[i].name);
		free(m->hdrs[i].value);
		free(m->hdrs[i].new_value);
	}
	free(m->hdrs);
	sbuf_free(&m->body);
	free(m->qid);
	free(m->client_addr);
	free(m->auth_authen);
	free(m->daemon_name);
	free(m->env_from);
	free(m->from_addr);
	for (size_t i = 0; i < m->nrcpts; i++)
		free(m->rcpts[i]);
	free(m->rcpts);
	for (size_t i = 0; i < m->nown; i++)
		free(m->own[i].rcpt);
	free(m->own);
	free(m->msgid);
	free(m->first_msgid);
	free(m->auth_detail);
	mconf_release(m->mc);
	free(m);
}

void mmsg_set_qid(struct mmsg *m, const char *qid)
{
	if (qid == NULL || *qid == '\0')
		return;
	free(m->qid);
	/* the queue id prefixes log lines: keep it printable and short */
	{
		struct sbuf b;
		sbuf_init(&b);
		cad_printable(&b, qid, 32);
		m->qid = sbuf_detach(&b);
	}
}

char *mmsg_bare_msgid(const char *value)
{
	const char *b, *e;
	if (value == NULL)
		return NULL;
	b = value;
	while (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n')
		b++;
	e = b + strlen(b);
	while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	if (e - b >= 2 && *b == '<' && e[-1] == '>') {
		b++;
		e--;
	}
	if (e == b || e - b > 998)
		return NULL;
	return xstrndup(b, (size_t)(e - b));
}

void mmsg_note_msgid(struct mmsg *m, const char *value)
{
	char *bare = mmsg_bare_msgid(value);
	m->nmsgids++;
	/* only outbound mail can be sequence mail: inbound mail costs no HMAC */
	if (bare != NULL && m->outbound && m->mc != NULL &&
	    msgid_verify(&m->mc->secret, bare, NULL) == TOKEN_VALID)
		m->msgid_ours = 1;
	else if (bare != NULL && m->outbound && m->mc != NULL &&
		 msgid_verify_test(&m->mc->secret, bare) == TOKEN_VALID)
		m->msgid_test = 1;
	if (m->nmsgids == 1)
		m->first_msgid = bare;
	else
		free(bare);
}

int mmsg_add_header(struct mmsg *m, const char *name, const char *value)
{
	size_t add = strlen(name) + strlen(value) + 3;   /* ": " + newline, roughly as sent */
	size_t limit = m->mc != NULL ? m->mc->conf.header_limit : 65536;
	if (cad_strcaseeq(name, "Message-ID"))
		mmsg_note_msgid(m, value);
	if (m->hdr_overflow)
		return -1;
	if (m->nhdrs >= MILTER_MAX_HEADERS || m->hdr_bytes + add > limit) {
		m->hdr_overflow = 1;
		return -1;
	}
	cad_grow(&m->hdrs, &m->caphdrs, m->nhdrs + 1, sizeof(*m->hdrs));
	m->hdrs[m->nhdrs].name = xstrdup(name);
	m->hdrs[m->nhdrs].value = xstrdup(value);
	m->hdrs[m->nhdrs].rewrite = 0;
	m->hdrs[m->nhdrs].new_value = NULL;
	m->nhdrs++;
	m->hdr_bytes += add;
	return 0;
}

const char *mmsg_header(const struct mmsg *m, const char *name, size_t n)
{
	for (size_t i = 0; i < m->nhdrs; i++)
		if (cad_strcaseeq(m->hdrs[i].name, name) && n-- == 0)
			return m->hdrs[i].value;
	return NULL;
}

int mmsg_add_body(struct mmsg *m, const void *p, size_t n)
{
	size_t limit = m->mc != NULL ? m->mc->conf.body_limit : 0;
	size_t room = m->body.len < limit ? limit - m->body.len : 0;
	if (n > room) {
		n = room;
		m->body_truncated = 1;
	}
	if (n > 0)
		sbuf_add(&m->body, p, n);
	return m->body_truncated || m->body.len >= limit;
}

void mmsg_add_rcpt(struct mmsg *m, const char *rcpt)
{
	if (m->nrcpts >= MILTER_MAX_RCPTS) {
		m->rcpt_overflow = 1;
		return;
	}
	cad_grow(&m->rcpts, &m->caprcpts, m->nrcpts + 1, sizeof(*m->rcpts));
	m->rcpts[m->nrcpts++] = xstrdup(rcpt);
}

void mmsg_add_own(struct mmsg *m, const char *rcpt, const struct inbound_own_addr *own)
{
	/* bounded by the recipients the MTA accepts; kept even beyond
	 * MILTER_MAX_RCPTS so that every own address is removed */
	m->own = xreallocarray(m->own, m->nown + 1, sizeof(*m->own));
	m->own[m->nown].rcpt = xstrdup(rcpt);
	m->own[m->nown].own = *own;
	m->nown++;
}
