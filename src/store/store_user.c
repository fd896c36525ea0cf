/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_user.c - reps: adding, updating, looking up, listing, disabling
 * and deleting them.
 *
 * Guarantees: addresses are stored lower-case and validated; the name and
 * the meeting link are one line of UTF-8 without control characters (the
 * name becomes the From: display name of every email); a deleted rep
 * keeps its row (flagged deleted, hidden from look-ups by address and from
 * lists) so that events keep naming them; disabling or deleting a rep
 * unenrolls their running enrollments in the same transaction, one event
 * each, plus the rep's own event.
 */
#include "config.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_rows.h"

void store_read_user(store_q *s, void *out)
{
	struct user *u = out;
	memset(u, 0, sizeof(*u));
	u->id = store_col_int64(s, 0);
	u->email = store_col_text(s, 1);
	u->name = store_col_text(s, 2);
	u->tz = store_col_text(s, 3);
	u->signature = store_col_text(s, 4);
	u->meeting_link = store_col_text(s, 5);
	u->send_cap_24h = store_col_int(s, 6);
	u->enroll_cap_day = store_col_int(s, 7);
	u->active = store_col_int(s, 8);
	u->digest = store_col_int(s, 9);
	u->created_at = store_col_int64(s, 10);
}

/* Binds the updatable fields of u at 1..9 (email, name, tz, signature,
 * meeting_link, caps, active, digest). */
static void bind_user_fields(store_q *s, const struct user *u, const char *email)
{
	store_bind_text(s, 1, email);
	store_bind_text(s, 2, u->name);
	store_bind_text(s, 3, u->tz);
	store_bind_text(s, 4, u->signature);
	store_bind_text(s, 5, u->meeting_link);
	store_bind_int64(s, 6, u->send_cap_24h);
	store_bind_int64(s, 7, u->enroll_cap_day);
	store_bind_int64(s, 8, u->active ? 1 : 0);
	store_bind_int64(s, 9, u->digest ? 1 : 0);
}

/* A value that goes into a header or a link: one line of UTF-8 without
 * control characters, at most max bytes. (compose.c refuses anything else
 * in a From: display name; refusing it here, when the rep is added, beats
 * every send failing later.) */
static int check_line(const char *email, const char *field, const char *v, size_t max,
		      struct cad_err *err)
{
	size_t n;
	const unsigned char *p;

	if (v == NULL)
		return 0;
	n = strnlen(v, max + 1);
	if (n > max)
		return cad_err_set(err, "rep %s: %s longer than %zu bytes", email, field, max);
	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return cad_err_set(err, "rep %s: %s contains %s", email, field,
					   *p == '\n' || *p == '\r' ? "a line break"
								: "a control character");
	if (!g_utf8_validate(v, (gssize)n, NULL))
		return cad_err_set(err, "rep %s: %s is not valid UTF-8", email, field);
	return 0;
}

static int check_user(const struct user *u, struct cad_err *err)
{
	if (u->email == NULL || !cad_addr_valid(u->email))
		return cad_err_set(err, "rep address \"%s\" is not a valid address",
				   u->email ? u->email : "");
	if (u->send_cap_24h < 0 || u->enroll_cap_day < 0)
		return cad_err_set(err, "rep %s: caps cannot be negative", u->email);
	if (check_line(u->email, "name", u->name, USER_NAME_MAX, err) < 0 ||
	    check_line(u->email, "meeting link", u->meeting_link, USER_LINK_MAX, err) < 0)
		return -1;
	return 0;
}

static const char sql_find[] = "SELECT id, deleted FROM users WHERE email = ?";
static const char sql_insert[] =
	"INSERT INTO users (email, name, tz, signature, meeting_link, send_cap_24h,"
	" enroll_cap_day, active, digest, deleted, created_at, updated_at)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10, ?10) RETURNING id";
static const char sql_revive[] =
	"UPDATE users SET email = ?1, name = ?2, tz = ?3, signature = ?4, meeting_link = ?5,"
	" send_cap_24h = ?6, enroll_cap_day = ?7, active = ?8, digest = ?9, deleted = 0,"
	" updated_at = ?10 WHERE id = ?11 RETURNING id";

/* The id and deleted flag of the row of email: 0, STORE_NOTFOUND or -1. */
static int find_user(struct store *st, const char *email, int64_t *id, int *deleted,
		     struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_find, err);
	int rc;
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, email);
	rc = store_step(s);
	if (rc == STORE_ROW) {
		*id = store_col_int64(s, 0);
		*deleted = store_col_int(s, 1);
	}
	store_stmt_done(s);
	if (rc == STORE_ROW)
		return 0;
	if (rc == STORE_DONE)
		return STORE_NOTFOUND;
	return store_dberr(st, "looking up a rep", err);
}

int store_user_add(struct store *st, struct user *u, const char *actor, cad_time_t now,
		   struct cad_err *err)
{
	store_q *s;
	char *email;
	int64_t id = 0;
	int deleted = 0, rc;

	if (check_user(u, err) < 0)
		return -1;
	email = store_lower(u->email);
	if (store_begin(st, err) < 0)
		goto fail_nt;
	rc = find_user(st, email, &id, &deleted, err);
	if (rc < 0)
		goto fail;
	if (rc == 0 && !deleted) {
		cad_err_set(err, "rep %s already exists", email);
		goto fail;
	}
	s = store_stmt(st, rc == 0 ? sql_revive : sql_insert, err);
	if (s == NULL)
		goto fail;
	bind_user_fields(s, u, email);
	store_bind_int64(s, 10, now);
	if (rc == 0)
		store_bind_int64(s, 11, id);
	if (store_exec_id(st, s, &id, "adding a rep", err) < 0)
		goto fail;
	if (store_event_put(st, now, EV_USER_ADDED, 0, 0, 0, id, actor,
			    rc == 0 ? "re-added after deletion" : NULL, err) < 0)
		goto fail;
	if (store_commit(st, err) < 0)
		goto fail_nt;
	u->id = id;
	if (rc != 0)
		u->created_at = now;
	free(email);
	return 0;
fail:
	store_rollback(st);
fail_nt:
	free(email);
	return -1;
}

static const char sql_get_email[] =
	"SELECT " STORE_USER_COLS " FROM users u WHERE u.email = ? AND u.deleted = 0";
static const char sql_get_id[] = "SELECT " STORE_USER_COLS " FROM users u WHERE u.id = ?";

static int get_one(struct store *st, store_q *s, struct user *out, struct cad_err *err)
{
	memset(out, 0, sizeof(*out));
	return store_one_row(st, s, store_read_user, out, "reading a rep", err);
}

int store_user_get(struct store *st, const char *email, struct user *out, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_get_email, err);
	char *e = store_lower(email);
	int rc;
	if (s)
		store_bind_text(s, 1, e);
	free(e);
	rc = get_one(st, s, out, err);
	if (rc == STORE_NOTFOUND)
		cad_err_set(err, "no rep %s", email ? email : "(null)");
	return rc;
}

int store_user_get_id(struct store *st, int64_t id, struct user *out, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_get_id, err);
	int rc;
	if (s)
		store_bind_int64(s, 1, id);
	rc = get_one(st, s, out, err);
	if (rc == STORE_NOTFOUND)
		cad_err_set(err, "no rep with id %lld", (long long)id);
	return rc;
}

static const char sql_list[] =
	"SELECT " STORE_USER_COLS " FROM users u WHERE u.deleted = 0 ORDER BY u.email";

static void drop_user(void *u)
{
	user_free(u);
}

int store_user_list(struct store *st, struct user **out, size_t *n, struct cad_err *err)
{
	return store_list_rows(st, store_stmt(st, sql_list, err), store_read_user, drop_user,
			       sizeof(**out), (void **)out, n, "listing reps", err);
}

void store_users_free(struct user *u, size_t n)
{
	store_rows_free(u, n, sizeof(*u), drop_user);
}

static const char sql_update[] =
	"UPDATE users SET email = ?1, name = ?2, tz = ?3, signature = ?4, meeting_link = ?5,"
	" send_cap_24h = ?6, enroll_cap_day = ?7, active = ?8, digest = ?9, updated_at = ?10"
	" WHERE id = ?11 AND deleted = 0";

int store_user_update(struct store *st, const struct user *u, const char *actor,
		      cad_time_t now, struct cad_err *err)
{
	struct user old;
	store_q *s;
	char *email = NULL;
	int rc, n = 0;

	if (check_user(u, err) < 0)
		return -1;
	if (store_begin(st, err) < 0)
		return -1;
	rc = store_user_get_id(st, u->id, &old, err);
	if (rc != 0)
		goto fail_rc;
	email = store_lower(u->email);
	s = store_stmt(st, sql_update, err);
	if (s == NULL)
		goto fail;
	bind_user_fields(s, u, email);
	store_bind_int64(s, 10, now);
	store_bind_int64(s, 11, u->id);
	if (store_step(s) != STORE_DONE) {
		if (store_is_unique_violation(st))
			cad_err_set(err, "rep address %s is already in use", email);
		else
			store_dberr(st, "updating a rep", err);
		store_stmt_done(s);
		goto fail;
	}
	store_stmt_done(s);
	/* Turning a rep off by an update means what store_user_disable means. */
	if (old.active && !u->active) {
		if (store_unenroll_user_id(st, u->id, "rep disabled", actor, now, &n, err) < 0 ||
		    store_event_put(st, now, EV_USER_DISABLED, 0, 0, 0, u->id, actor, NULL, err) < 0)
			goto fail;
	}
	if (store_event_put(st, now, EV_USER_UPDATED, 0, 0, 0, u->id, actor, NULL, err) < 0)
		goto fail;
	user_free(&old);
	free(email);
	return store_commit(st, err);
fail:
	rc = -1;
fail_rc:
	user_free(&old);
	free(email);
	store_rollback(st);
	return rc;
}

static const char sql_set_state[] =
	"UPDATE users SET active = 0, deleted = ?1, updated_at = ?2 WHERE id = ?3";

/* Disable (deleting = 0) or delete (1) a rep and unenroll their contacts. */
static int user_off(struct store *st, const char *email, int deleting, const char *actor,
		    cad_time_t now, int *unenrolled, struct cad_err *err)
{
	struct user u;
	store_q *s;
	char detail[64];
	int rc, n = 0;

	if (unenrolled)
		*unenrolled = 0;
	if (store_begin(st, err) < 0)
		return -1;
	rc = store_user_get(st, email, &u, err);
	if (rc != 0) {
		store_rollback(st);
		return rc;
	}
	if (store_unenroll_user_id(st, u.id, deleting ? "rep deleted" : "rep disabled", actor, now,
				   &n, err) < 0)
		goto fail;
	s = store_stmt(st, sql_set_state, err);
	if (s == NULL)
		goto fail;
	store_bind_int64(s, 1, deleting);
	store_bind_int64(s, 2, now);
	store_bind_int64(s, 3, u.id);
	if (store_exec_stmt(st, s, "disabling a rep", err) < 0)
		goto fail;
	snprintf(detail, sizeof(detail), "%d enrollment%s unenrolled", n, n == 1 ? "" : "s");
	if (store_event_put(st, now, deleting ? EV_USER_DELETED : EV_USER_DISABLED, 0, 0, 0, u.id,
			    actor, detail, err) < 0)
		goto fail;
	user_free(&u);
	if (store_commit(st, err) < 0)
		return -1;
	if (unenrolled)
		*unenrolled = n;
	return 0;
fail:
	user_free(&u);
	store_rollback(st);
	return -1;
}

int store_user_disable(struct store *st, const char *email, const char *actor,
		       cad_time_t now, int *unenrolled, struct cad_err *err)
{
	return user_off(st, email, 0, actor, now, unenrolled, err);
}

int store_user_delete(struct store *st, const char *email, const char *actor,
		      cad_time_t now, int *unenrolled, struct cad_err *err)
{
	return user_off(st, email, 1, actor, now, unenrolled, err);
}
