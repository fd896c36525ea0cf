/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * unsub.c - unsubscribe: unenroll everywhere and suppress, once. See unsub.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "token.h"
#include "store_ledger.h"
#include "unsub.h"

/* unsub_apply(), also saying whether it added the suppression. */
static int unsub_do(struct store *st, const char *address, const char *via, const char *actor,
		    cad_time_t now, int *unenrolled, int *added, struct cad_err *err)
{
	struct suppression sp, match;
	char *addr = xstrdup(address);
	char *reason;
	int n = 0, sup, rc = -1;

	cad_addr_normalize(addr);
	memset(&match, 0, sizeof(match));
	reason = xasprintf("unsubscribed (%s)", via);
	*added = 0;
	if (store_begin(st, err) < 0)
		goto out;
	if (store_unenroll(st, SCOPE_CONTACT, addr, reason, actor, now, &n, err) < 0)
		goto fail;
	sup = store_suppressed(st, addr, &match, err);
	if (sup < 0)
		goto fail;
	/* An existing entry for this very address (any kind) already stops
	 * mail to it; a domain entry does too. Only add when none matches. */
	if (sup == 0) {
		memset(&sp, 0, sizeof(sp));
		sp.pattern = addr;
		sp.kind = SUPP_UNSUBSCRIBED;
		sp.note = reason;
		if (store_suppress_add(st, &sp, actor, now, err) < 0)
			goto fail;
		*added = 1;
	}
	if (store_commit(st, err) < 0)
		goto out;
	if (unenrolled)
		*unenrolled = n;
	rc = 0;
	goto out;
fail:
	store_rollback(st);
out:
	suppression_free(&match);
	free(reason);
	free(addr);
	return rc;
}

int unsub_apply(struct store *st, const char *address, const char *via, const char *actor,
		cad_time_t now, int *unenrolled, struct cad_err *err)
{
	int added;
	return unsub_do(st, address, via, actor, now, unenrolled, &added, err);
}

int unsub_one_click(struct store *st, const char *address, const char *detail,
		    const char *actor, cad_time_t now, int *unenrolled, int *changed,
		    struct cad_err *err)
{
	struct event ev;
	int n = 0, added = 0;

	*changed = 0;
	if (store_begin(st, err) < 0)
		return -1;
	if (unsub_do(st, address, "one-click", actor, now, &n, &added, err) < 0)
		goto fail;
	if (n > 0 || added) {
		struct contact c;
		memset(&ev, 0, sizeof(ev));
		ev.at = now;
		ev.type = (char *)EV_UNSUBSCRIBED;
		ev.actor = (char *)actor;
		ev.detail = (char *)detail;
		memset(&c, 0, sizeof(c));
		if (store_contact_get(st, address, &c, err) == 0)   /* for `events --contact` */
			ev.contact_id = c.id;
		contact_free(&c);
		if (store_event_add(st, &ev, err) < 0)
			goto fail;
	}
	if (store_commit(st, err) < 0)
		return -1;
	if (unenrolled)
		*unenrolled = n;
	*changed = n > 0 || added;
	return 0;
fail:
	store_rollback(st);
	return -1;
}

int unsub_token_address(struct store *st, const struct cad_secret *secret, const char *token,
			char **address, struct cad_err *err)
{
	char tok[TOKEN_BUFSZ];
	struct sent_msg m;
	struct enrollment e;
	struct contact c;
	int rc;

	*address = NULL;
	/* A bare token (the one-click URL's) or an address holding one (mail
	 * to unsubscribe+TOKEN@Domain); token_extract() wants an address. */
	if (strchr(token, '@') == NULL) {
		size_t len = strlen(token);
		if (len != TOKEN_CHARS
		    || token_verify(TOKEN_UNSUB, secret, token, len, NULL) != TOKEN_VALID)
			return STORE_NOTFOUND;
		memcpy(tok, token, len + 1);
		cad_strlower(tok);   /* the canonical form is lower-case */
	} else if (token_extract(TOKEN_UNSUB, secret, token, tok, NULL) != TOKEN_VALID) {
		return STORE_NOTFOUND;
	}
	memset(&m, 0, sizeof(m));
	memset(&e, 0, sizeof(e));
	memset(&c, 0, sizeof(c));
	rc = store_msg_get_token(st, tok, &m, err);
	if (rc != 0)
		return rc;
	rc = store_enrollment_get(st, m.enrollment_id, &e, err);
	if (rc == 0)
		rc = store_contact_get_id(st, e.contact_id, &c, err);
	if (rc == 0)
		*address = xstrdup(c.email);
	sent_msg_free(&m);
	enrollment_free(&e);
	contact_free(&c);
	return rc;
}
