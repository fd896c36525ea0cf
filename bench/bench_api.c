/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_api.c - requests per second of cadenced's API on a store of
 * 100,000 enrollments (issue #14).
 *
 *   bench_api make DIR [N [REPS]]     a store DIR/cadence.db: REPS reps (20),
 *                                     one sequence, N (100,000) contacts each
 *                                     enrolled, 20,000 more not enrolled;
 *                                     an admin token in DIR/token
 *   bench_api inproc DIR [SECONDS]    api_handle() in this process (no
 *                                     socket): the API and the store alone
 *   bench_api http URL DIR [SECONDS] [THREADS]
 *                                     libcurl against a running cadenced
 *                                     (keep-alive, THREADS clients, 2)
 *
 * Each mode measures, for SECONDS (5) each: POST
 * /automation/v4/sequences/enrollments (each request a contact not yet
 * enrolled, through every enrollment rule), GET /automation/v4/sequences/
 * (the list), GET /v1/enrollments?limit=100&after=X (a page of the
 * 100,000 at a random place). Prints figures only; asserts nothing.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "api.h"
#include "seq.h"
#include "store_token.h"

#define REPS_MAX 1000
static long REPS = 20;
#define SPARE 20000
#define TXN 5000

static const char bench_seq[] =
	"[sequence]\nname = Bench – API – QA Team\nowner = rep000@our.test\ndays = every\n"
	"window = 00:00-24:00\n\n[step 1]\ntype = email\ndelay = 0\ntemplate = <<END\n"
	"Subject: Hello {{contact.firstname|there}}\n\nA short note.\nEND\n\n"
	"[step 2]\ntype = call\ndelay = 2d\nnote = Call them.\n";

static void die(const char *what, const struct cad_err *err)
{
	fprintf(stderr, "bench_api: %s: %s\n", what, err ? err->msg : "");
	exit(1);
}

static double mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void make(const char *dir, long n)
{
	struct cad_err err = { "" };
	struct store *st;
	struct sequence seq;
	int64_t reps[REPS_MAX];
	struct api_token t;
	char tok[STORE_TOKEN_LEN + 1], hash[STORE_TOKEN_HASH_LEN + 1], *path;
	cad_time_t now = cad_now();
	FILE *f;
	long i;

	path = xasprintf("%s/cadence.db", dir);
	if (store_open(&st, path, STORE_CREATE, &err) < 0)
		die(path, &err);
	for (i = 0; i < REPS; i++) {
		struct user u;
		memset(&u, 0, sizeof(u));
		u.email = xasprintf("rep%03ld@our.test", i);
		u.name = xasprintf("Rep %ld", i);
		u.tz = xstrdup("UTC");
		u.send_cap_24h = 1000000;
		u.enroll_cap_day = 1000000;
		u.active = 1;
		if (store_user_add(st, &u, "bench", now - 86400, &err) < 0)
			die("user", &err);
		reps[i] = u.id;
		user_free(&u);
	}
	memset(&seq, 0, sizeof(seq));
	if (seq_parse_buffer("bench.seq", bench_seq, strlen(bench_seq), &seq, &err) < 0
	    || store_sequence_import(st, &seq, "bench", now - 86400, &err) < 0)
		die("sequence", &err);
	for (i = 0; i < n + SPARE; i++) {
		struct contact c;
		struct enrollment e;
		int created;
		if (i % TXN == 0 && store_begin(st, &err) < 0)
			die("begin", &err);
		memset(&c, 0, sizeof(c));
		c.email = xasprintf("c%07ld@prospect%04ld.test", i, i % 5000);
		c.firstname = xasprintf("First%ld", i);
		c.company = xasprintf("Prospect %ld Inc", i % 5000);
		if (store_contact_upsert(st, &c, now - 86400, &created, &err) < 0)
			die("contact", &err);
		if (i < n) {
			memset(&e, 0, sizeof(e));
			e.contact_id = c.id;
			e.sequence_id = seq.id;
			e.user_id = reps[i % REPS];
			e.state = ENR_ACTIVE;
			e.step = 1;
			e.next_due = now + 60 + (cad_time_t)((i * 7919L) % (14L * 86400));
			e.enrolled_at = e.updated_at = now - 86400;
			e.enrolled_by = xstrdup("bench");
			if (store_enrollment_insert(st, &e, "bench", now - 86400, &err) < 0)
				die("enrollment", &err);
			enrollment_free(&e);
		}
		contact_free(&c);
		if ((i + 1) % TXN == 0 || i + 1 == n + SPARE)
			if (store_commit(st, &err) < 0)
				die("commit", &err);
	}
	memset(&t, 0, sizeof(t));
	t.name = xstrdup("bench");
	t.admin = 1;
	if (store_token_make(tok, &err) < 0)
		die("token", &err);
	store_token_hash(tok, hash);
	if (store_token_add(st, &t, hash, "bench", now, &err) < 0)
		die("token", &err);
	api_token_free(&t);
	free(path);
	path = xasprintf("%s/token", dir);
	f = fopen(path, "w");
	if (f == NULL || fprintf(f, "%s\n", tok) < 0 || fclose(f) != 0)
		die(path, NULL);
	free(path);
	path = xasprintf("%s/reps", dir);
	f = fopen(path, "w");
	if (f == NULL || fprintf(f, "%ld\n", REPS) < 0 || fclose(f) != 0)
		die(path, NULL);
	free(path);
	sequence_free(&seq);
	store_close(st);
	printf("store: %ld enrollments, %d more contacts, %ld reps in %s\n", n, SPARE, REPS, dir);
}

/* The request number i of a kind, into method/path/body. */
enum kind { K_POST, K_LIST, K_PAGE, K_N };
static const char *const kind_name[K_N] = {
	"POST /automation/v4/sequences/enrollments",
	"GET  /automation/v4/sequences/",
	"GET  /v1/enrollments?limit=100&after=X",
};

static long n_enrolled(const char *dir)
{
	struct cad_err err = { "" };
	struct store *st;
	char *path = xasprintf("%s/cadence.db", dir);
	struct enrollment e;
	long lo = 1, hi = 10000000;
	if (store_open(&st, path, 0, &err) < 0)
		die(path, &err);
	/* The highest enrollment id, by bisection over store_enrollment_get. */
	while (lo < hi) {
		long mid = (lo + hi + 1) / 2;
		memset(&e, 0, sizeof(e));
		if (store_enrollment_get(st, mid, &e, &err) == 0)
			lo = mid;
		else
			hi = mid - 1;
		enrollment_free(&e);
	}
	store_close(st);
	free(path);
	return lo;
}

struct req {
	const char *method;
	char path[128];
	char body[256];
};

static void next_req(enum kind k, long i, long nenr, struct req *r)
{
	r->body[0] = '\0';
	if (k == K_POST) {
		r->method = "POST";
		snprintf(r->path, sizeof(r->path), "/automation/v4/sequences/enrollments");
		snprintf(r->body, sizeof(r->body),
			 "{\"contactId\":\"c%07ld@prospect%04ld.test\",\"sequenceId\":\"1\","
			 "\"senderEmail\":\"rep%03ld@our.test\"}", nenr + i, (nenr + i) % 5000, i % REPS);
	} else if (k == K_LIST) {
		r->method = "GET";
		snprintf(r->path, sizeof(r->path), "/automation/v4/sequences/");
	} else {
		r->method = "GET";
		snprintf(r->path, sizeof(r->path), "/v1/enrollments?limit=100&after=%ld",
			 (i * 7919L) % (nenr > 100 ? nenr - 100 : 1));
	}
}

static void read_reps(const char *dir)
{
	char *path = xasprintf("%s/reps", dir);
	FILE *f = fopen(path, "r");
	if (f == NULL || fscanf(f, "%ld", &REPS) != 1 || REPS < 1 || REPS > REPS_MAX)
		die(path, NULL);
	fclose(f);
	free(path);
}

static char *read_token(const char *dir)
{
	char *path = xasprintf("%s/token", dir), buf[128];
	FILE *f = fopen(path, "r");
	if (f == NULL || fgets(buf, sizeof(buf), f) == NULL)
		die(path, NULL);
	fclose(f);
	free(path);
	buf[strcspn(buf, "\n")] = '\0';
	return xstrdup(buf);
}

static void inproc(const char *dir, double secs)
{
	struct cad_err err = { "" };
	struct api_ctx ctx;
	struct store *st;
	char *path = xasprintf("%s/cadence.db", dir), *tok = read_token(dir);
	char *auth = xasprintf("Bearer %s", tok);
	long nenr = n_enrolled(dir), base = 0;
	int k;

	if (store_open(&st, path, 0, &err) < 0)
		die(path, &err);
	memset(&ctx, 0, sizeof(ctx));
	ctx.st = st;
	for (k = 0; k < K_N; k++) {
		double t0 = mono(), t;
		long i = 0, ok = 0;
		do {
			struct api_request rq;
			struct api_response resp;
			struct api_param q[2];
			struct req r;
			char *qs;
			next_req((enum kind)k, base + i, nenr, &r);
			memset(&rq, 0, sizeof(rq));
			rq.method = r.method;
			rq.path = r.path;
			qs = strchr(r.path, '?');
			if (qs) {
				*qs++ = '\0';
				q[0].key = "limit";
				q[0].value = "100";
				q[1].key = "after";
				q[1].value = strchr(qs, '&') + 7;
				rq.query = q;
				rq.nquery = 2;
			}
			rq.authorization = auth;
			rq.body = r.body[0] ? r.body : NULL;
			rq.body_len = strlen(r.body);
			rq.now = cad_now();
			if (api_handle(&ctx, &rq, &resp) == 200)
				ok++;
			api_response_free(&resp);
			i++;
			t = mono() - t0;
		} while (t < secs);
		if (k == K_POST)
			base += i;
		printf("in process  %-42s %8.0f req/s (%ld requests, %ld answered 200)\n",
		       kind_name[k], (double)i / t, i, ok);
	}
	store_close(st);
	free(auth);
	free(tok);
	free(path);
}

struct client {
	const char *url, *auth;
	enum kind k;
	long first, nenr;
	double secs;
	long done, ok;
};

static size_t sink(char *p, size_t s, size_t n, void *cls)
{
	(void)p;
	(void)cls;
	return s * n;
}

static void *client_run(void *arg)
{
	struct client *c = arg;
	CURL *h = curl_easy_init();
	struct curl_slist *hdr = NULL;
	double t0 = mono();
	char *url;
	hdr = curl_slist_append(hdr, c->auth);
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	while (mono() - t0 < c->secs) {
		struct req r;
		long code = 0;
		next_req(c->k, c->first + c->done, c->nenr, &r);
		url = xasprintf("%s%s", c->url, r.path);
		curl_easy_setopt(h, CURLOPT_URL, url);
		if (r.body[0]) {
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, r.body);
		} else {
			curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
		}
		if (curl_easy_perform(h) == CURLE_OK) {
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
			if (code == 200)
				c->ok++;
		}
		free(url);
		c->done++;
	}
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	return NULL;
}

static void http(const char *url, const char *dir, double secs, int threads)
{
	char *tok = read_token(dir), *auth = xasprintf("Authorization: Bearer %s", tok);
	long nenr = n_enrolled(dir), base = 0;
	struct client *cl = xcalloc((size_t)threads, sizeof(*cl));
	pthread_t *th = xcalloc((size_t)threads, sizeof(*th));
	int k, i;

	curl_global_init(CURL_GLOBAL_ALL);
	for (k = 0; k < K_N; k++) {
		double t0 = mono(), t;
		long done = 0, ok = 0;
		for (i = 0; i < threads; i++) {
			memset(&cl[i], 0, sizeof(cl[i]));
			cl[i].url = url;
			cl[i].auth = auth;
			cl[i].k = (enum kind)k;
			cl[i].first = base + (long)i * 1000000;
			cl[i].nenr = nenr;
			cl[i].secs = secs;
			if (k == K_POST)
				cl[i].first = base + (long)i * (SPARE / threads);
			pthread_create(&th[i], NULL, client_run, &cl[i]);
		}
		for (i = 0; i < threads; i++) {
			pthread_join(th[i], NULL);
			done += cl[i].done;
			ok += cl[i].ok;
		}
		t = mono() - t0;
		printf("over HTTP   %-42s %8.0f req/s (%d clients, %ld requests, %ld answered 200)\n",
		       kind_name[k], (double)done / t, threads, done, ok);
	}
	curl_global_cleanup();
	free(cl);
	free(th);
	free(auth);
	free(tok);
}

int main(int argc, char **argv)
{
	if (argc > 4 && strcmp(argv[1], "make") == 0)
		REPS = atol(argv[4]);
	if (REPS < 1 || REPS > REPS_MAX)
		REPS = 20;
	if (argc >= 3 && strcmp(argv[1], "inproc") == 0)
		read_reps(argv[2]);
	if (argc >= 4 && strcmp(argv[1], "http") == 0)
		read_reps(argv[3]);
	if (argc >= 3 && strcmp(argv[1], "make") == 0)
		make(argv[2], argc > 3 ? atol(argv[3]) : 100000);
	else if (argc >= 3 && strcmp(argv[1], "inproc") == 0)
		inproc(argv[2], argc > 3 ? atof(argv[3]) : 5);
	else if (argc >= 4 && strcmp(argv[1], "http") == 0)
		http(argv[2], argv[3], argc > 4 ? atof(argv[4]) : 5, argc > 5 ? atoi(argv[5]) : 2);
	else {
		fprintf(stderr, "usage: bench_api make DIR [N] | inproc DIR [SECONDS] | "
			"http URL DIR [SECONDS] [THREADS]\n");
		return 2;
	}
	return 0;
}
