/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_notice.c - notices: mail cadence itself writes to a rep (an
 * enrollment by address that was refused, the morning task digest), kept
 * pending until cadenced has handed them to the MTA.
 *
 * Guarantees: a notice is one row, written in the caller's transaction
 * when there is one (the milter writes a refusal and its notice together);
 * a notice is marked sent once and never changes afterwards; pending
 * notices are found through the partial index on sent_at IS NULL.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "store_notice.h"

const char *notice_kind_name(enum notice_kind k)
{
	return k == NOTICE_DIGEST ? "digest" : k == NOTICE_PAUSED ? "paused" : "enroll_refused";
}

static const char sql_add[] =
	"INSERT INTO notices (user_id, kind, created_at, subject, body) VALUES (?, ?, ?, ?, ?) RETURNING id";
static const char sql_pending[] =
	"SELECT n.id, n.user_id, n.kind, n.created_at, n.subject, n.body, n.sent_at,"
	" u.email, u.name, u.tz"
	" FROM notices n JOIN users u ON u.id = n.user_id"
	" WHERE n.sent_at IS NULL AND u.deleted = 0"
	" ORDER BY n.created_at, n.id LIMIT ?";
static const char sql_claim[] =
	"UPDATE notices SET claim_by = ?1, claim_until = ?2 WHERE id IN ("
	" SELECT n.id FROM notices n JOIN users u ON u.id = n.user_id"
	" WHERE n.sent_at IS NULL AND u.deleted = 0"
	" AND (n.claim_by IS NULL OR n.claim_by = ?1 OR n.claim_until <= ?3)"
	" ORDER BY n.created_at, n.id LIMIT ?4)";
static const char sql_claimed[] =
	"SELECT n.id, n.user_id, n.kind, n.created_at, n.subject, n.body, n.sent_at,"
	" u.email, u.name, u.tz"
	" FROM notices n JOIN users u ON u.id = n.user_id"
	" WHERE n.sent_at IS NULL AND u.deleted = 0 AND n.claim_by = ?1"
	" ORDER BY n.created_at, n.id LIMIT ?2";
static const char sql_release[] =
	"UPDATE notices SET claim_by = NULL, claim_until = NULL"
	" WHERE claim_by = ? AND sent_at IS NULL";
static const char sql_last_digest[] =
	"SELECT MAX(created_at) FROM notices WHERE user_id = ? AND kind = 'digest'";
static const char sql_sent[] =
	"UPDATE notices SET sent_at = ?, reply = ? WHERE id = ? AND sent_at IS NULL";
static const char sql_digest_due[] =
	"SELECT " STORE_USER_COLS ","
	" (SELECT MAX(n.created_at) FROM notices n"
	"  WHERE n.user_id = u.id AND n.kind = 'digest')"
	" FROM users u WHERE u.digest = 1 AND u.active = 1 AND u.deleted = 0"
	" ORDER BY u.id";

int store_notice_add(struct store *st, int64_t user_id, enum notice_kind kind,
		     const char *subject, const char *body, cad_time_t now, int64_t *id,
		     struct cad_err *err)
{
	store_q *s;
	int64_t nid = 0;

	if (user_id <= 0 || subject == NULL || body == NULL)
		return cad_err_set(err, "store: a notice needs a rep, a subject and a body");
	s = store_stmt(st, sql_add, err);
	if (s == NULL)
		return -1;
	store_bind_int64(s, 1, user_id);
	store_bind_text(s, 2, notice_kind_name(kind));
	store_bind_int64(s, 3, now);
	store_bind_text(s, 4, subject);
	store_bind_text(s, 5, body);
	return store_exec_id(st, s, id ? id : &nid, "adding a notice", err);
}

static void read_notice(store_q *s, void *out)
{
	struct notice *v = out;
	char *kind;
	v->id = store_col_int64(s, 0);
	v->user_id = store_col_int64(s, 1);
	kind = store_col_text(s, 2);
	v->kind = kind && strcmp(kind, "digest") == 0   ? NOTICE_DIGEST
		: kind && strcmp(kind, "paused") == 0 ? NOTICE_PAUSED
							: NOTICE_ENROLL_REFUSED;
	free(kind);
	v->created_at = store_col_int64(s, 3);
	v->subject = store_col_text(s, 4);
	v->body = store_col_text(s, 5);
	v->sent_at = store_col_int64(s, 6);
	v->user_email = store_col_text(s, 7);
	v->user_name = store_col_text(s, 8);
	v->user_tz = store_col_text(s, 9);
}

void store_notices_free(struct notice *v, size_t n)
{
	size_t i;
	for (i = 0; v && i < n; i++) {
		free(v[i].subject);
		free(v[i].body);
		free(v[i].user_email);
		free(v[i].user_name);
		free(v[i].user_tz);
	}
	free(v);
}

int store_notices_pending(struct store *st, size_t limit, struct notice **out, size_t *n,
			  struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_pending, err);

	*out = NULL;
	*n = 0;
	if (s)
		store_bind_int64(s, 1, (int64_t)limit);
	if (store_all_rows(st, s, read_notice, sizeof(**out), (void **)out, n,
			   "listing pending notices", err) == 0)
		return 0;
	store_notices_free(*out, *n);
	*out = NULL;
	*n = 0;
	return -1;
}

int store_notices_claim(struct store *st, const struct store_claim *c, cad_time_t now,
			size_t limit, struct notice **out, size_t *n, struct cad_err *err)
{
	store_q *s;
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (c == NULL || c->by == NULL || *c->by == '\0')
		return cad_err_set(err, "store: a claim needs a claimer");
	if (store_begin(st, err) < 0)
		return -1;
	s = store_stmt(st, sql_claim, err);
	if (s) {
		store_bind_text(s, 1, c->by);
		store_bind_int64(s, 2, c->until);
		store_bind_int64(s, 3, now);
		store_bind_int64(s, 4, (int64_t)limit);
		rc = store_exec_stmt(st, s, "claiming notices", err);
	}
	if (rc == 0) {
		s = store_stmt(st, sql_claimed, err);
		if (s) {
			store_bind_text(s, 1, c->by);
			store_bind_int64(s, 2, (int64_t)limit);
		}
		rc = store_all_rows(st, s, read_notice, sizeof(**out), (void **)out, n,
				    "listing claimed notices", err);
	}
	if (rc == 0 && store_commit(st, err) == 0)
		return 0;
	if (rc != 0)
		store_rollback(st);
	store_notices_free(*out, *n);
	*out = NULL;
	*n = 0;
	return -1;
}

int store_notices_release(struct store *st, const char *by, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_release, err);
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, by);
	return store_exec_stmt(st, s, "releasing notices", err);
}

int store_notice_add_digest(struct store *st, int64_t user_id, cad_time_t last_digest,
			    const char *subject, const char *body, cad_time_t now, int *added,
			    struct cad_err *err)
{
	store_q *s;
	int64_t last = 0;
	int rc = -1, mine = 0;

	if (store_begin(st, err) < 0)
		return -1;
	s = store_stmt(st, sql_last_digest, err);
	if (s) {
		store_bind_int64(s, 1, user_id);
		rc = store_one_row(st, s, store_read_id, &last, "reading the last digest", err);
	}
	if (rc == 0 && last == (int64_t)last_digest) {
		rc = store_notice_add(st, user_id, NOTICE_DIGEST, subject, body, now, NULL, err);
		mine = rc == 0;
	}
	if (rc == 0 && store_commit(st, err) == 0) {
		if (added)
			*added = mine;
		return 0;
	}
	if (rc != 0)
		store_rollback(st);
	if (added)
		*added = 0;
	return -1;
}

int store_notice_sent(struct store *st, int64_t id, const char *reply, cad_time_t now,
		      struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_sent, err);
	if (s == NULL)
		return -1;
	store_bind_int64(s, 1, now);
	store_bind_text(s, 2, reply);
	store_bind_int64(s, 3, id);
	return store_exec_stmt(st, s, "marking a notice sent", err);
}

static void read_digest_rep(store_q *s, void *out)
{
	struct digest_rep *r = out;
	store_read_user(s, &r->user);
	r->last_digest = store_col_int64(s, 11);
}

void store_digest_reps_free(struct digest_rep *v, size_t n)
{
	size_t i;
	for (i = 0; v && i < n; i++)
		user_free(&v[i].user);
	free(v);
}

int store_digest_due(struct store *st, struct digest_rep **out, size_t *n, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_digest_due, err);

	*out = NULL;
	*n = 0;
	if (store_all_rows(st, s, read_digest_rep, sizeof(**out), (void **)out, n,
			   "listing the reps due a digest", err) == 0)
		return 0;
	store_digest_reps_free(*out, *n);
	*out = NULL;
	*n = 0;
	return -1;
}
