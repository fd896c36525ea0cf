/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_token.c - API access tokens, stored as their SHA-256. See
 * store_token.h.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "store_rows.h"
#include "store_token.h"

int store_token_make(char tok[STORE_TOKEN_LEN + 1], struct cad_err *err)
{
	unsigned char raw[20];
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return cad_err_set(err, "token: the random generator failed");
	memcpy(tok, "cad_", 4);
	cad_hex(raw, sizeof(raw), tok + 4);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

void store_token_hash(const char *token, char out[STORE_TOKEN_HASH_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	EVP_Digest(token, strlen(token), md, &len, EVP_sha256(), NULL);
	cad_hex(md, len, out);
}

int store_token_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0, i;
	if (n == 0 || n > STORE_TOKEN_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("._-", name[i]))
			return 0;
	return 1;
}

void api_token_free(struct api_token *t)
{
	if (t == NULL)
		return;
	free(t->name);
	free(t->user_email);
	memset(t, 0, sizeof(*t));
}

static void drop_token(void *t)
{
	api_token_free(t);
}

void store_tokens_free(struct api_token *t, size_t n)
{
	store_rows_free(t, n, sizeof(*t), drop_token);
}

#define TOKEN_COLS "t.id, t.name, t.user_id, u.email, t.admin, t.created_at, t.last_used_at," \
	" t.revoked_at"

static const char sql_add[] =
	"INSERT INTO api_tokens (name, hash, user_id, admin, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id";
static const char sql_find[] =
	"SELECT " TOKEN_COLS " FROM api_tokens t LEFT JOIN users u ON u.id = t.user_id"
	" WHERE t.hash = ? AND t.revoked_at IS NULL"
	" AND (t.admin = 1 OR (u.active = 1 AND u.deleted = 0))";
static const char sql_used[] =
	"UPDATE api_tokens SET last_used_at = ?1 WHERE id = ?2"
	" AND (last_used_at IS NULL OR last_used_at < ?1 - 60)";
static const char sql_list[] =
	"SELECT " TOKEN_COLS " FROM api_tokens t LEFT JOIN users u ON u.id = t.user_id"
	" ORDER BY t.id";
static const char sql_revoke[] =
	"UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL";

static void read_token(store_q *s, void *out)
{
	struct api_token *t = out;
	t->id = store_col_int64(s, 0);
	t->name = store_col_text(s, 1);
	t->user_id = store_col_int64(s, 2);
	t->user_email = store_col_text(s, 3);
	t->admin = store_col_int(s, 4);
	t->created_at = store_col_int64(s, 5);
	t->last_used_at = store_col_int64(s, 6);
	t->revoked_at = store_col_int64(s, 7);
}

int store_token_add(struct store *st, struct api_token *t, const char *hash, const char *actor,
		    cad_time_t now, struct cad_err *err)
{
	store_q *s;
	char *detail;

	if (!store_token_name_valid(t->name))
		return cad_err_set(err, "token name: 1 to %d letters, digits, '.', '_' or '-'",
				   STORE_TOKEN_NAME_MAX);
	if (!t->admin && t->user_id <= 0)
		return cad_err_set(err, "a token acts as a rep or is an admin token");
	if (store_begin(st, err) < 0)
		return -1;
	s = store_stmt(st, sql_add, err);
	if (s == NULL)
		goto fail;
	store_bind_text(s, 1, t->name);
	store_bind_text(s, 2, hash);
	store_bind_id(s, 3, t->admin ? 0 : t->user_id);
	store_bind_int64(s, 4, t->admin ? 1 : 0);
	store_bind_int64(s, 5, now);
	if (store_step_id(s, &t->id) != STORE_DONE) {
		if (store_is_unique_violation(st))
			cad_err_set(err, "a token named %s exists already", t->name);
		else
			store_dberr(st, "adding a token", err);
		store_stmt_done(s);
		goto fail;
	}
	store_stmt_done(s);
	t->created_at = now;
	detail = xasprintf("token %s (%s)", t->name, t->admin ? "admin" : "rep");
	if (store_event_put(st, now, EV_TOKEN_ADDED, 0, 0, 0, t->admin ? 0 : t->user_id, actor,
			    detail, err) < 0) {
		free(detail);
		goto fail;
	}
	free(detail);
	return store_commit(st, err);
fail:
	store_rollback(st);
	return -1;
}

int store_token_find(struct store *st, const char *hash, struct api_token *out,
		     struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_find, err);
	memset(out, 0, sizeof(*out));
	if (s)
		store_bind_text(s, 1, hash);
	return store_one_row(st, s, read_token, out, "looking up a token", err);
}

int store_token_used(struct store *st, int64_t id, cad_time_t now, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_used, err);
	if (s == NULL)
		return -1;
	store_bind_int64(s, 1, now);
	store_bind_int64(s, 2, id);
	return store_exec_stmt(st, s, "noting a token's use", err);
}

int store_token_list(struct store *st, struct api_token **out, size_t *n, struct cad_err *err)
{
	return store_list_rows(st, store_stmt(st, sql_list, err), read_token, drop_token,
			       sizeof(**out), (void **)out, n, "listing tokens", err);
}

int store_token_revoke(struct store *st, const char *name, const char *actor, cad_time_t now,
		       struct cad_err *err)
{
	store_q *s;
	char *detail;
	int rc;

	if (store_begin(st, err) < 0)
		return -1;
	s = store_stmt(st, sql_revoke, err);
	if (s == NULL)
		goto fail;
	store_bind_int64(s, 1, now);
	store_bind_text(s, 2, name);
	if (store_exec_stmt(st, s, "revoking a token", err) < 0)
		goto fail;
	if (store_changes(st) == 0) {
		store_rollback(st);
		cad_err_set(err, "no valid token named %s", name);
		return STORE_NOTFOUND;
	}
	detail = xasprintf("token %s", name);
	rc = store_event_put(st, now, EV_TOKEN_REVOKED, 0, 0, 0, 0, actor, detail, err);
	free(detail);
	if (rc < 0)
		goto fail;
	return store_commit(st, err);
fail:
	store_rollback(st);
	return -1;
}
