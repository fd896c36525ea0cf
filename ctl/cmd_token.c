/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_token.c - "cadencectl token add|list|revoke": the access tokens of
 * cadenced's HTTP API (cadence-api(7)).
 *
 *   token add NAME --rep ADDRESS | --admin   prints the token, once
 *   token list                               names, reps, use; never tokens
 *   token revoke NAME
 *
 * Guarantees: the token is shown only by add, on standard output (the
 * store keeps its SHA-256 only, store_token.h); a rep's token acts only as
 * that rep.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cmd_token.h"
#include "ctllist.h"
#include "store_token.h"

#define USAGE_ADD "token add NAME --rep ADDRESS | --admin"
#define USAGE_LIST "token list"
#define USAGE_REVOKE "token revoke NAME"

static json_t *token_json(const struct api_token *t)
{
	json_t *o = json_object();
	out_set(o, "id", out_id(t->id));
	out_set(o, "name", out_str(t->name));
	out_set(o, "scope", json_string(t->admin ? "admin" : "rep"));
	out_set(o, "rep", out_str(t->user_email));
	out_set(o, "createdAt", out_time(t->created_at));
	out_set(o, "lastUsedAt", out_time(t->last_used_at));
	out_set(o, "revokedAt", out_time(t->revoked_at));
	return o;
}

static int token_add(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rep", required_argument, NULL, 'r' },
		{ "admin", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	struct api_token t;
	struct user u;
	struct cad_err err;
	char tok[STORE_TOKEN_LEN + 1], hash[STORE_TOKEN_HASH_LEN + 1];
	const char *rep = NULL;
	int admin = 0, ch, rc = CTL_FAIL;
	json_t *o;

	while ((ch = ctl_getopt(c, argc, argv, "", longopts)) != -1) {
		switch (ch) {
		case 'h': return ctl_help(USAGE_ADD);
		case 'r': rep = optarg; break;
		case 'a': admin = 1; break;
		default: return CTL_USAGE;
		}
	}
	if (c->npos != 1)
		return ctl_usage_error(c, USAGE_ADD, "needs exactly one NAME");
	if ((rep == NULL) == (admin == 0))
		return ctl_usage_error(c, USAGE_ADD, "give either --rep ADDRESS or --admin");
	if (!store_token_name_valid(c->pos[0]))
		return ctl_fail(c, "NAME: 1 to %d letters, digits, '.', '_' or '-'",
				STORE_TOKEN_NAME_MAX);
	if (ctl_store(c, 0) != 0)
		return CTL_FAIL;
	memset(&t, 0, sizeof(t));
	memset(&u, 0, sizeof(u));
	if (rep != NULL) {
		int r = store_user_get(c->st, rep, &u, &err);
		if (r != 0)
			return ctl_fail(c, "--rep %s: %s", rep, r == STORE_NOTFOUND ? "no such rep"
					: err.msg);
		t.user_id = u.id;
	}
	t.admin = admin;
	t.name = xstrdup(c->pos[0]);
	if (store_token_make(tok, &err) != 0) {
		ctl_fail(c, "%s", err.msg);
		goto out;
	}
	store_token_hash(tok, hash);
	if (store_token_add(c->st, &t, hash, c->actor, c->now, &err) != 0) {
		ctl_fail(c, "%s", err.msg);
		goto out;
	}
	o = token_json(&t);
	out_set(o, "rep", out_str(u.email));
	out_set(o, "token", json_string(tok));
	out_result(c, o, "%s\n(token %s for %s: shown only now; the store keeps its hash)", tok,
		   t.name, admin ? "admin" : u.email);
	rc = CTL_OK;
out:
	OPENSSL_cleanse(tok, sizeof(tok));
	api_token_free(&t);
	user_free(&u);
	return rc;
}

static int token_rows(struct store *st, const void *arg, json_t *rows, struct cad_err *err)
{
	struct api_token *t;
	size_t n, i;

	(void)arg;
	if (store_token_list(st, &t, &n, err) != 0)
		return -1;
	for (i = 0; i < n; i++)
		json_array_append_new(rows, token_json(&t[i]));
	store_tokens_free(t, n);
	return 0;
}

static int token_list(struct ctl *c, int argc, char **argv)
{
	static const struct out_col cols[] = {
		{ "name", "NAME", NULL, 0 },
		{ "scope", "SCOPE", NULL, 0 },
		{ "rep", "REP", NULL, 0 },
		{ "createdAt", "CREATED", NULL, 0 },
		{ "lastUsedAt", "LAST USED", NULL, 0 },
		{ "revokedAt", "REVOKED", NULL, 0 },
	};
	return ctllist_run(c, argc, argv, USAGE_LIST, token_rows, cols, CAD_ARRAY_LEN(cols));
}

static int token_revoke(struct ctl *c, int argc, char **argv)
{
	struct cad_err err;
	json_t *o;
	int r = ctl_plain_args(c, argc, argv, USAGE_REVOKE, 1, 1, "needs exactly one NAME");

	if (r != CTL_GO)
		return r;
	if (ctl_store(c, 0) != 0)
		return CTL_FAIL;
	if (store_token_revoke(c->st, c->pos[0], c->actor, c->now, &err) != 0)
		return ctl_fail(c, "%s", err.msg);
	o = json_object();
	out_set(o, "name", json_string(c->pos[0]));
	out_set(o, "revoked", json_true());
	out_result(c, o, "revoked token %s", c->pos[0]);
	return CTL_OK;
}

int cmd_token(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_sub subs[] = {
		{ "add", token_add, USAGE_ADD },
		{ "list", token_list, USAGE_LIST },
		{ "revoke", token_revoke, USAGE_REVOKE },
	};
	return ctl_dispatch_group(c, "token", subs, CAD_ARRAY_LEN(subs), argc, argv);
}
