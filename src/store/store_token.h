/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_token.h - API access tokens for cadenced's HTTP API.
 *
 * A token is "cad_" followed by 40 hex digits drawn from OpenSSL's CSPRNG
 * (160 bits). The store keeps only its SHA-256 (hex), never the token: a
 * stolen store file gives no working token. A token acts as one rep
 * (user_id) or, when admin is set, as any rep it names.
 *
 * Guarantees: names are unique (1..64 bytes of letters, digits, '.', '_',
 * '-'); adding and revoking a token write the events token_added and
 * token_revoked in the same transaction; a revoked token never
 * authenticates again (its row stays, for the audit trail). Look-ups are by
 * the hash, through a unique index.
 * Errors: -1 with err; STORE_NOTFOUND for an unknown hash or name.
 */
#ifndef CADENCE_STORE_TOKEN_H
#define CADENCE_STORE_TOKEN_H

#include "store.h"

#define STORE_TOKEN_LEN 44         /* "cad_" + 40 hex digits */
#define STORE_TOKEN_HASH_LEN 64    /* hex SHA-256 */
#define STORE_TOKEN_NAME_MAX 64

#define EV_TOKEN_ADDED "token_added"
#define EV_TOKEN_REVOKED "token_revoked"

struct api_token {
	int64_t id;
	char *name;
	int64_t user_id;        /* 0 for an admin token */
	char *user_email;       /* the rep's address, NULL for admin */
	int admin;
	cad_time_t created_at;
	cad_time_t last_used_at;
	cad_time_t revoked_at;  /* 0 = valid */
};
void api_token_free(struct api_token *t);
void store_tokens_free(struct api_token *t, size_t n);

/* Draws a new token into tok (STORE_TOKEN_LEN + 1 bytes). -1 + err if the
 * CSPRNG fails. */
int store_token_make(char tok[STORE_TOKEN_LEN + 1], struct cad_err *err);
/* hex SHA-256 of token into out (STORE_TOKEN_HASH_LEN + 1 bytes). */
void store_token_hash(const char *token, char out[STORE_TOKEN_HASH_LEN + 1]);
/* 1 when name is a valid token name. */
int store_token_name_valid(const char *name);

/* Records a token by its hash (t->name, t->user_id or t->admin set; id and
 * created_at filled). A name in use (even revoked) is an error. */
int store_token_add(struct store *st, struct api_token *t, const char *hash, const char *actor,
		    cad_time_t now, struct cad_err *err);
/* The valid (not revoked) token with this hash, with its rep's address;
 * a rep since disabled or deleted gives STORE_NOTFOUND too. */
int store_token_find(struct store *st, const char *hash, struct api_token *out,
		     struct cad_err *err);
/* Notes a use (at most once a minute per token: a read-only request does
 * not take the write lock each time). */
int store_token_used(struct store *st, int64_t id, cad_time_t now, struct cad_err *err);
int store_token_list(struct store *st, struct api_token **out, size_t *n, struct cad_err *err);
int store_token_revoke(struct store *st, const char *name, const char *actor, cad_time_t now,
		       struct cad_err *err);

#endif
