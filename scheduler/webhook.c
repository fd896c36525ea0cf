/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * webhook.c - signed webhook deliveries from the store's outbox. See
 * webhook.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "webhook.h"

static json_t *str_or_null(const char *s)
{
	json_t *v = s ? json_string(s) : NULL;
	return v ? v : json_null();
}

static json_t *id_or_null(int64_t id)
{
	return id ? json_integer((json_int_t)id) : json_null();
}

char *webhook_payload(const struct event *ev)
{
	json_t *o = json_object();
	char at[CAD_TIME_BUFSZ], *out;
	json_object_set_new(o, "id", json_integer((json_int_t)ev->id));
	json_object_set_new(o, "type", str_or_null(ev->type));
	json_object_set_new(o, "occurredAt", json_string(cad_time_format(ev->at, at, sizeof(at))));
	json_object_set_new(o, "enrollmentId", id_or_null(ev->enrollment_id));
	json_object_set_new(o, "contactId", id_or_null(ev->contact_id));
	json_object_set_new(o, "contactEmail", str_or_null(ev->contact_email));
	json_object_set_new(o, "sequenceId", id_or_null(ev->sequence_id));
	json_object_set_new(o, "sequenceName", str_or_null(ev->sequence_name));
	json_object_set_new(o, "userId", id_or_null(ev->user_id));
	json_object_set_new(o, "userEmail", str_or_null(ev->user_email));
	json_object_set_new(o, "actor", str_or_null(ev->actor));
	json_object_set_new(o, "detail", str_or_null(ev->detail));   /* invalid UTF-8: null */
	out = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(o);
	return out ? out : xstrdup("{}");
}

char *webhook_signature(const char *secret, cad_time_t t, const char *body)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	char *msg = xasprintf("%lld.%s", (long long)t, body), hex[2 * EVP_MAX_MD_SIZE + 1];

	HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg, strlen(msg),
	     md, &len);
	cad_hex(md, len, hex);
	free(msg);
	return xasprintf("t=%lld,v1=%s", (long long)t, hex);
}

cad_time_t webhook_backoff(int n)
{
	cad_time_t d = 30;
	while (--n > 0 && d < 3600)
		d *= 2;
	return d < 3600 ? d : 3600;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *cls)
{
	struct sbuf *b = cls;
	size_t n = size * nmemb;
	if (b->len < WEBHOOK_EXCERPT)
		sbuf_add(b, p, n < WEBHOOK_EXCERPT - b->len ? n : WEBHOOK_EXCERPT - b->len);
	return n;
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long)((t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

/* One POST: fills a->status, a->response, a->duration_ms. */
static void post(const struct webhook_job *j, const char *body, cad_time_t now,
		 struct webhook_attempt *a)
{
	CURL *h = curl_easy_init();
	struct curl_slist *hdr = NULL;
	struct sbuf resp;
	struct timespec t0;
	char *sig = webhook_signature(j->hook.secret, now, body), *line;
	CURLcode rc;

	sbuf_init(&resp);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (h == NULL) {
		a->response = xstrdup("curl_easy_init failed");
		free(sig);
		return;
	}
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	hdr = curl_slist_append(hdr, "Expect:");
	line = xasprintf("Cadence-Event-Id: %lld", (long long)j->ev.id);
	hdr = curl_slist_append(hdr, line);
	free(line);
	line = xasprintf("Cadence-Delivery-Id: %lld", (long long)j->outbox_id);
	hdr = curl_slist_append(hdr, line);
	free(line);
	line = xasprintf("Cadence-Timestamp: %lld", (long long)now);
	hdr = curl_slist_append(hdr, line);
	free(line);
	line = xasprintf("Cadence-Signature: %s", sig);
	hdr = curl_slist_append(hdr, line);
	free(line);
	curl_easy_setopt(h, CURLOPT_URL, j->hook.url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "cadence-webhook/" PACKAGE_VERSION);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)WEBHOOK_TIMEOUT);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
	rc = curl_easy_perform(h);
	a->duration_ms = elapsed_ms(&t0);
	if (rc == CURLE_OK) {
		struct sbuf pr;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a->status);
		sbuf_init(&pr);
		cad_printable(&pr, resp.s, WEBHOOK_EXCERPT);
		a->response = sbuf_detach(&pr);
	} else {
		a->status = 0;
		a->response = xstrdup(curl_easy_strerror(rc));
	}
	sbuf_free(&resp);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	free(sig);
}

static int deliver_one(struct store *st, const struct webhook_job *j, cad_time_t now,
		       struct webhook_stats *stats, struct cad_err *err)
{
	struct webhook_attempt a;
	enum webhook_outcome out;
	cad_time_t next = 0;
	int rc;

	memset(&a, 0, sizeof(a));
	a.outbox_id = j->outbox_id;
	a.at = now;
	a.payload = webhook_payload(&j->ev);
	post(j, a.payload, now, &a);
	if (a.status >= 200 && a.status < 300) {
		out = WEBHOOK_DELIVERED;
		stats->delivered++;
	} else {
		next = now + webhook_backoff(j->attempts + 1);
		out = next > j->created_at + WEBHOOK_RETRY_FOR ? WEBHOOK_FAILED : WEBHOOK_RETRY;
		if (out == WEBHOOK_FAILED)
			stats->failed++;
		else
			stats->retried++;
		cad_log(out == WEBHOOK_FAILED ? CAD_LOG_ERR : CAD_LOG_INFO,
			"webhook %lld: event %lld to %s: %ld %s%s", (long long)j->hook.id,
			(long long)j->ev.id, j->hook.url, a.status, a.response ? a.response : "",
			out == WEBHOOK_FAILED ? " (giving up)" : "");
	}
	rc = store_webhook_attempt(st, &a, out, next, err);
	free(a.payload);
	free(a.response);
	return rc;
}

/* 1 when hook is in the list of hooks that failed this round. */
static int failed_before(const int64_t *failed, size_t nfailed, int64_t hook)
{
	size_t i;
	for (i = 0; i < nfailed; i++)
		if (failed[i] == hook)
			return 1;
	return 0;
}

int webhook_deliver(struct store *st, cad_time_t now, size_t max, int take,
		    struct webhook_stats *stats, struct cad_err *err)
{
	struct webhook_job *jobs = NULL;
	int64_t *failed;
	size_t n = 0, nfailed = 0, i;
	struct timespec t0;
	int rc = 0;

	memset(stats, 0, sizeof(*stats));
	if (store_webhook_due(st, now, max, &jobs, &n, err) < 0)
		return -1;
	failed = xcalloc(n + 1, sizeof(*failed));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n && rc == 0; i++) {
		int before = stats->retried + stats->failed;
		/* A receiver that just failed waits for its next round; the
		 * scheduler's pass never waits long behind webhooks. */
		if (failed_before(failed, nfailed, jobs[i].hook.id)
		    || elapsed_ms(&t0) > WEBHOOK_ROUND_MS)
			continue;
		if (take) {
			int taken = 0;
			if (store_webhook_take(st, jobs[i].outbox_id, now, now + WEBHOOK_LEASE,
					       &taken, err) < 0) {
				rc = -1;
				break;
			}
			if (!taken)
				continue;   /* another cadenced has it */
		}
		rc = deliver_one(st, &jobs[i], now, stats, err);
		if (stats->retried + stats->failed > before)
			failed[nfailed++] = jobs[i].hook.id;
	}
	free(failed);
	store_webhook_jobs_free(jobs, n);
	return rc;
}
