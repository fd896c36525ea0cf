/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_webhook.c - "cadencectl webhook add|list|remove|log": where cadenced
 * POSTs events, signed (webhook.h, cadence-api(7)).
 *
 *   webhook add URL [--events TYPE,TYPE...]   prints the signing secret
 *   webhook list
 *   webhook remove ID
 *   webhook log [ID] [--limit N]              every attempt, newest first
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cmd_webhook.h"
#include "ctllist.h"
#include "store_webhook.h"

#define USAGE_ADD "webhook add URL [--events TYPE,TYPE...]"
#define USAGE_LIST "webhook list"
#define USAGE_REMOVE "webhook remove ID"
#define USAGE_LOG "webhook log [ID] [--limit N]"

static json_t *hook_json(const struct webhook *w, int with_secret)
{
	json_t *o = json_object();
	out_set(o, "id", out_id(w->id));
	out_set(o, "url", out_str(w->url));
	out_set(o, "events", json_string(w->events ? w->events : "all"));
	out_set(o, "createdAt", out_time(w->created_at));
	out_set(o, "pending", json_integer(w->pending));
	if (with_secret)
		out_set(o, "secret", out_str(w->secret));
	return o;
}

/* "a, b" -> "a,b"; each a lower-case event type name. */
static int parse_events(const struct ctl *c, const char *arg, char **out)
{
	struct sbuf b;
	char *copy = xstrdup(arg), *tok, *save = NULL;

	sbuf_init(&b);
	for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (strspn(tok, "abcdefghijklmnopqrstuvwxyz_") != strlen(tok)) {
			ctl_fail(c, "--events: '%s' is not an event type (see cadencectl events)",
				 tok);
			free(copy);
			sbuf_free(&b);
			return -1;
		}
		sbuf_addf(&b, "%s%s", b.len ? "," : "", tok);
	}
	free(copy);
	if (b.len == 0) {
		sbuf_free(&b);
		ctl_fail(c, "--events: no event type given");
		return -1;
	}
	*out = sbuf_detach(&b);
	return 0;
}

static int hook_add(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "events", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 }
	};
	struct webhook w;
	struct cad_err err;
	const char *events = NULL;
	int ch, rc = CTL_FAIL;

	while ((ch = ctl_getopt(c, argc, argv, "", longopts)) != -1) {
		switch (ch) {
		case 'h': return ctl_help(USAGE_ADD);
		case 'e': events = optarg; break;
		default: return CTL_USAGE;
		}
	}
	if (c->npos != 1)
		return ctl_usage_error(c, USAGE_ADD, "needs exactly one URL");
	memset(&w, 0, sizeof(w));
	if (events && strcmp(events, "all") != 0 && parse_events(c, events, &w.events) != 0)
		return CTL_FAIL;
	w.url = xstrdup(c->pos[0]);
	if (ctl_store(c, 0) != 0)
		goto out;
	if (store_webhook_add(c->st, &w, c->actor, c->now, &err) != 0) {
		ctl_fail(c, "%s", err.msg);
		goto out;
	}
	out_result(c, hook_json(&w, 1), "webhook %lld: %s\nsigning secret: %s",
		   (long long)w.id, w.url, w.secret);
	rc = CTL_OK;
out:
	webhook_free(&w);
	return rc;
}

static int hook_rows(struct store *st, const void *arg, json_t *rows, struct cad_err *err)
{
	struct webhook *w;
	size_t n, i;

	(void)arg;
	if (store_webhook_list(st, &w, &n, err) != 0)
		return -1;
	for (i = 0; i < n; i++)
		json_array_append_new(rows, hook_json(&w[i], 0));
	store_webhooks_free(w, n);
	return 0;
}

static int hook_list(struct ctl *c, int argc, char **argv)
{
	static const struct out_col cols[] = {
		{ "id", "ID", NULL, 0 },
		{ "url", "URL", NULL, 0 },
		{ "events", "EVENTS", NULL, 0 },
		{ "pending", "PENDING", NULL, 0 },
		{ "createdAt", "ADDED", NULL, 0 },
	};
	return ctllist_run(c, argc, argv, USAGE_LIST, hook_rows, cols, CAD_ARRAY_LEN(cols));
}

static int hook_remove(struct ctl *c, int argc, char **argv)
{
	struct cad_err err;
	int64_t id;
	json_t *o;
	int r = ctl_plain_args(c, argc, argv, USAGE_REMOVE, 1, 1, "needs exactly one ID");

	if (r != CTL_GO)
		return r;
	if (ctl_parse_id(c, "ID", c->pos[0], &id) != 0)
		return CTL_USAGE;
	if (ctl_store(c, 0) != 0)
		return CTL_FAIL;
	if (store_webhook_remove(c->st, id, c->actor, c->now, &err) != 0)
		return ctl_fail(c, "%s", err.msg);
	o = json_object();
	out_set(o, "id", out_id(id));
	out_set(o, "removed", json_true());
	out_result(c, o, "removed webhook %lld", (long long)id);
	return CTL_OK;
}

/* What "webhook log" asks for: one webhook's attempts (0 = all), at most limit. */
struct log_query {
	int64_t id;
	size_t limit;
};

static int attempt_rows(struct store *st, const void *arg, json_t *rows, struct cad_err *err)
{
	const struct log_query *q = arg;
	struct webhook_attempt *a;
	size_t n, i;

	if (store_webhook_log(st, q->id, q->limit, &a, &n, err) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		json_t *o = json_object();
		out_set(o, "id", out_id(a[i].id));
		out_set(o, "at", out_time(a[i].at));
		out_set(o, "webhookId", out_id(a[i].webhook_id));
		out_set(o, "url", out_str(a[i].url));
		out_set(o, "eventId", out_id(a[i].event_id));
		out_set(o, "deliveryId", out_id(a[i].outbox_id));
		out_set(o, "status", json_integer(a[i].status));
		out_set(o, "durationMs", json_integer(a[i].duration_ms));
		out_set(o, "outcome", out_str(a[i].outcome));
		out_set(o, "response", out_str(a[i].response));
		out_set(o, "payload", out_str(a[i].payload));
		json_array_append_new(rows, o);
	}
	store_webhook_attempts_free(a, n);
	return 0;
}

static int hook_log(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "limit", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct out_col cols[] = {
		{ "at", "AT", NULL, 0 },
		{ "webhookId", "HOOK", NULL, 0 },
		{ "eventId", "EVENT", NULL, 0 },
		{ "status", "STATUS", NULL, 0 },
		{ "durationMs", "MS", NULL, 0 },
		{ "outcome", "DELIVERY", NULL, 0 },
		{ "response", "RESPONSE", NULL, 0 },
		{ "payload", "PAYLOAD", NULL, 0 },
	};
	struct log_query q = { 0, 0 };
	long limit = 50;
	int ch;

	while ((ch = ctl_getopt(c, argc, argv, "", longopts)) != -1) {
		switch (ch) {
		case 'h': return ctl_help(USAGE_LOG);
		case 'l':
			if (ctl_parse_int(c, "--limit", optarg, 1, 100000, &limit) != 0)
				return CTL_USAGE;
			break;
		default: return CTL_USAGE;
		}
	}
	if (c->npos > 1)
		return ctl_usage_error(c, USAGE_LOG, "takes at most one ID");
	if (c->npos == 1 && ctl_parse_id(c, "ID", c->pos[0], &q.id) != 0)
		return CTL_USAGE;
	q.limit = (size_t)limit;
	return ctllist_show(c, attempt_rows, &q, cols, CAD_ARRAY_LEN(cols));
}

int cmd_webhook(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_sub subs[] = {
		{ "add", hook_add, USAGE_ADD },
		{ "list", hook_list, USAGE_LIST },
		{ "remove", hook_remove, USAGE_REMOVE },
		{ "log", hook_log, USAGE_LOG },
	};
	return ctl_dispatch_group(c, "webhook", subs, CAD_ARRAY_LEN(subs), argc, argv);
}
