/*
 * unsub.c - unsubscribe: unenroll everywhere and suppress, once. See unsub.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "msgid.h"
#include "store_ledger.h"
#include "unsub.h"

int unsub_apply(struct store *st, const char *address, const char *via, const char *actor,
		cad_time_t now, int *unenrolled, struct cad_err *err)
{
	struct suppression sp, match;
	char *addr = xstrdup(address);
	char *reason;
	int n = 0, sup, rc = -1;

	cad_addr_normalize(addr);
	memset(&match, 0, sizeof(match));
	reason = xasprintf("unsubscribed (%s)", via);
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
