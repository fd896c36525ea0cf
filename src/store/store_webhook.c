/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_webhook.c - webhooks, their outbox and the attempt log. See
 * store_webhook.h; the outbox is filled by the events_webhook_outbox
 * trigger of schema v4 (store_schema.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "store_rows.h"
#include "store_webhook.h"

void webhook_free(struct webhook *w)
{
	if (w == NULL)
		return;
	free(w->url);
	free(w->events);
	free(w->secret);
	memset(w, 0, sizeof(*w));
}

static void drop_hook(void *w)
{
	webhook_free(w);
}

void store_webhooks_free(struct webhook *w, size_t n)
{
	store_rows_free(w, n, sizeof(*w), drop_hook);
}

static const char sql_add[] =
	"INSERT INTO webhooks (url, events, secret, created_at) VALUES (?, ?, ?, ?) RETURNING id";
static const char sql_remove[] = "UPDATE webhooks SET deleted = 1 WHERE id = ? AND deleted = 0";
static const char sql_drop_pending[] =
	"UPDATE webhook_outbox SET state = 'failed', done_at = ?"
	" WHERE webhook_id = ? AND state = 'pending'";
static const char sql_list[] =
	"SELECT w.id, w.url, w.events, w.secret, w.created_at,"
	" (SELECT COUNT(*) FROM webhook_outbox o WHERE o.webhook_id = w.id"
	"  AND o.state = 'pending')"
	" FROM webhooks w WHERE w.deleted = 0 ORDER BY w.id";

static char *secret_new(struct cad_err *err)
{
	unsigned char raw[32];
	char *out;
	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		cad_err_set(err, "webhook: the random generator failed");
		return NULL;
	}
	out = xmalloc(2 * sizeof(raw) + 1);
	cad_hex(raw, sizeof(raw), out);
	return out;
}

int store_webhook_add(struct store *st, struct webhook *w, const char *actor, cad_time_t now,
		      struct cad_err *err)
{
	store_q *s;
	char *detail;
	int rc;

	if (w->url == NULL || strlen(w->url) > STORE_WEBHOOK_URL_MAX
	    || (strncmp(w->url, "http://", 7) != 0 && strncmp(w->url, "https://", 8) != 0))
		return cad_err_set(err, "webhook URL: an http:// or https:// URL of at most %d bytes",
				   STORE_WEBHOOK_URL_MAX);
	if (w->secret == NULL && (w->secret = secret_new(err)) == NULL)
		return -1;
	if (store_begin(st, err) < 0)
		return -1;
	s = store_stmt(st, sql_add, err);
	if (s == NULL)
		goto fail;
	store_bind_text(s, 1, w->url);
	store_bind_text(s, 2, w->events);
	store_bind_text(s, 3, w->secret);
	store_bind_int64(s, 4, now);
	if (store_exec_id(st, s, &w->id, "adding a webhook", err) < 0)
		goto fail;
	w->created_at = now;
	detail = xasprintf("webhook %lld: %s (events: %s)", (long long)w->id, w->url,
			   w->events ? w->events : "all");
	rc = store_event_put(st, now, EV_WEBHOOK_ADDED, 0, 0, 0, 0, actor, detail, err);
	free(detail);
	if (rc < 0)
		goto fail;
	return store_commit(st, err);
fail:
	store_rollback(st);
	return -1;
}

int store_webhook_remove(struct store *st, int64_t id, const char *actor, cad_time_t now,
			 struct cad_err *err)
{
	store_q *s;
	char *detail;
	int rc;

	if (store_begin(st, err) < 0)
		return -1;
	s = store_stmt(st, sql_remove, err);
	if (s == NULL)
		goto fail;
	store_bind_int64(s, 1, id);
	if (store_exec_stmt(st, s, "removing a webhook", err) < 0)
		goto fail;
	if (store_changes(st) == 0) {
		store_rollback(st);
		cad_err_set(err, "no webhook %lld", (long long)id);
		return STORE_NOTFOUND;
	}
	s = store_stmt(st, sql_drop_pending, err);
	if (s == NULL)
		goto fail;
	store_bind_int64(s, 1, now);
	store_bind_int64(s, 2, id);
	if (store_exec_stmt(st, s, "dropping a webhook's deliveries", err) < 0)
		goto fail;
	detail = xasprintf("webhook %lld", (long long)id);
	rc = store_event_put(st, now, EV_WEBHOOK_REMOVED, 0, 0, 0, 0, actor, detail, err);
	free(detail);
	if (rc < 0)
		goto fail;
	return store_commit(st, err);
fail:
	store_rollback(st);
	return -1;
}

static void read_hook(store_q *s, void *out)
{
	struct webhook *w = out;
	w->id = store_col_int64(s, 0);
	w->url = store_col_text(s, 1);
	w->events = store_col_text(s, 2);
	w->secret = store_col_text(s, 3);
	w->created_at = store_col_int64(s, 4);
	w->pending = store_col_int(s, 5);
}

int store_webhook_list(struct store *st, struct webhook **out, size_t *n, struct cad_err *err)
{
	return store_list_rows(st, store_stmt(st, sql_list, err), read_hook, drop_hook,
			       sizeof(**out), (void **)out, n, "listing webhooks", err);
}

/* ---- the outbox ---- */

static const char sql_due[] =
	"SELECT o.id, o.attempts, o.created_at, w.id, w.url, w.events, w.secret, w.created_at,"
	" ev.id, ev.at, ev.type, ev.enrollment_id, ev.contact_id, ev.sequence_id, ev.user_id,"
	" ev.actor, ev.detail, c.email, q.name, u.email"
	" FROM webhook_outbox o JOIN webhooks w ON w.id = o.webhook_id"
	" JOIN events ev ON ev.id = o.event_id"
	" LEFT JOIN contacts c ON c.id = ev.contact_id"
	" LEFT JOIN sequences q ON q.id = ev.sequence_id"
	" LEFT JOIN users u ON u.id = ev.user_id"
	" WHERE o.state = 'pending' AND o.next_at <= ?"
	" ORDER BY o.next_at, o.id LIMIT ?";

static void read_job(store_q *s, void *out)
{
	struct webhook_job *j = out;
	j->outbox_id = store_col_int64(s, 0);
	j->attempts = store_col_int(s, 1);
	j->created_at = store_col_int64(s, 2);
	j->hook.id = store_col_int64(s, 3);
	j->hook.url = store_col_text(s, 4);
	j->hook.events = store_col_text(s, 5);
	j->hook.secret = store_col_text(s, 6);
	j->hook.created_at = store_col_int64(s, 7);
	j->ev.id = store_col_int64(s, 8);
	j->ev.at = store_col_int64(s, 9);
	j->ev.type = store_col_text(s, 10);
	j->ev.enrollment_id = store_col_int64(s, 11);
	j->ev.contact_id = store_col_int64(s, 12);
	j->ev.sequence_id = store_col_int64(s, 13);
	j->ev.user_id = store_col_int64(s, 14);
	j->ev.actor = store_col_text(s, 15);
	j->ev.detail = store_col_text(s, 16);
	j->ev.contact_email = store_col_text(s, 17);
	j->ev.sequence_name = store_col_text(s, 18);
	j->ev.user_email = store_col_text(s, 19);
}

static void drop_job(void *p)
{
	struct webhook_job *j = p;
	webhook_free(&j->hook);
	event_free(&j->ev);
}

void store_webhook_jobs_free(struct webhook_job *j, size_t n)
{
	store_rows_free(j, n, sizeof(*j), drop_job);
}

int store_webhook_due(struct store *st, cad_time_t now, size_t limit, struct webhook_job **out,
		      size_t *n, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_due, err);
	if (s) {
		store_bind_int64(s, 1, now);
		store_bind_int64(s, 2, (int64_t)limit);
	}
	return store_list_rows(st, s, read_job, drop_job, sizeof(**out), (void **)out, n,
			       "listing due webhook deliveries", err);
}

static const char sql_take[] =
	"UPDATE webhook_outbox SET next_at = ? WHERE id = ? AND state = 'pending' AND next_at <= ?";

int store_webhook_take(struct store *st, int64_t outbox_id, cad_time_t now, cad_time_t until,
		       int *taken, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_take, err);

	*taken = 0;
	if (s == NULL)
		return -1;
	store_bind_int64(s, 1, until);
	store_bind_int64(s, 2, outbox_id);
	store_bind_int64(s, 3, now);
	if (store_exec_stmt(st, s, "taking a webhook delivery", err) < 0)
		return -1;
	*taken = store_changes(st) == 1;
	return 0;
}

static const char sql_attempt[] =
	"INSERT INTO webhook_attempts (outbox_id, at, status, response, duration_ms, payload)"
	" VALUES (?, ?, ?, ?, ?, ?)";
static const char sql_move[] =
	"UPDATE webhook_outbox SET attempts = attempts + 1, state = ?, next_at = ?, done_at = ?"
	" WHERE id = ? AND state = 'pending'";

int store_webhook_attempt(struct store *st, const struct webhook_attempt *a,
			  enum webhook_outcome outcome, cad_time_t next_at, struct cad_err *err)
{
	static const char *const states[] = { "delivered", "pending", "failed" };
	store_q *s;

	if (store_begin(st, err) < 0)
		return -1;
	s = store_stmt(st, sql_attempt, err);
	if (s == NULL)
		goto fail;
	store_bind_int64(s, 1, a->outbox_id);
	store_bind_int64(s, 2, a->at);
	store_bind_int64(s, 3, a->status);
	store_bind_text(s, 4, a->response);
	store_bind_int64(s, 5, a->duration_ms);
	store_bind_text(s, 6, a->payload);
	if (store_exec_stmt(st, s, "recording a webhook attempt", err) < 0)
		goto fail;
	s = store_stmt(st, sql_move, err);
	if (s == NULL)
		goto fail;
	store_bind_text(s, 1, states[outcome]);
	store_bind_int64(s, 2, outcome == WEBHOOK_RETRY ? next_at : 0);
	store_bind_time(s, 3, outcome == WEBHOOK_RETRY ? 0 : a->at);
	store_bind_int64(s, 4, a->outbox_id);
	if (store_exec_stmt(st, s, "moving a webhook delivery", err) < 0)
		goto fail;
	return store_commit(st, err);
fail:
	store_rollback(st);
	return -1;
}

static const char sql_log[] =
	"SELECT a.id, a.outbox_id, o.webhook_id, o.event_id, w.url, a.at, a.status, a.response,"
	" a.duration_ms, a.payload, o.state"
	" FROM webhook_attempts a JOIN webhook_outbox o ON o.id = a.outbox_id"
	" JOIN webhooks w ON w.id = o.webhook_id"
	" WHERE (CAST(?1 AS BIGINT) IS NULL OR o.webhook_id = ?1)"
	" ORDER BY a.id DESC LIMIT ?2";

static void read_attempt(store_q *s, void *out)
{
	struct webhook_attempt *a = out;
	a->id = store_col_int64(s, 0);
	a->outbox_id = store_col_int64(s, 1);
	a->webhook_id = store_col_int64(s, 2);
	a->event_id = store_col_int64(s, 3);
	a->url = store_col_text(s, 4);
	a->at = store_col_int64(s, 5);
	a->status = (long)store_col_int64(s, 6);
	a->response = store_col_text(s, 7);
	a->duration_ms = (long)store_col_int64(s, 8);
	a->payload = store_col_text(s, 9);
	a->outcome = store_col_text(s, 10);
}

static void drop_attempt(void *p)
{
	struct webhook_attempt *a = p;
	free(a->url);
	free(a->response);
	free(a->payload);
	free(a->outcome);
}

void store_webhook_attempts_free(struct webhook_attempt *a, size_t n)
{
	store_rows_free(a, n, sizeof(*a), drop_attempt);
}

int store_webhook_log(struct store *st, int64_t webhook_id, size_t limit,
		      struct webhook_attempt **out, size_t *n, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_log, err);
	if (s) {
		store_bind_id(s, 1, webhook_id);
		store_bind_int64(s, 2, limit ? (int64_t)limit : -1);
	}
	return store_list_rows(st, s, read_attempt, drop_attempt, sizeof(**out), (void **)out, n,
			       "listing webhook attempts", err);
}
