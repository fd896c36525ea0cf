/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_pass.c - the cost of one cadenced scheduling pass.
 *
 *   bench_pass [-n ENROLLMENTS] [-d DUE] [-r REPS] [-k DIR | -D DATABASE] [SUBMIT_URL]
 *
 * Builds a store through the store API (nested transactions of 5,000
 * contacts and enrollments) with ENROLLMENTS active enrollments (default
 * 100,000) of which DUE (default 10,000) are due, spread over REPS reps
 * (default 20, so that the due mail fits the default 500-a-day cap), then
 * measures:
 *   - the due query alone (store_due, one batch of 500, as the pass asks);
 *   - rendering + composing alone (tmpl_render + tokens + compose_message,
 *     as the pass does it) for every due enrollment, store untouched;
 *   - submission alone (submit_message of composed messages to
 *     SUBMIT_URL, e.g. Postfix's smtp-sink on loopback), when given;
 *   - one real pass (sched_pass: query, rules, render, compose, record,
 *     submit, advance) sending every due step, then an idle pass.
 * Without SUBMIT_URL the pass submits to a closed loopback port: every
 * message is refused and retried, which measures everything but a
 * successful SMTP transaction. The store is left in DIR with -k, so that
 * the due query's plan can be read with sqlite3 (see bench/README.md).
 * -D DATABASE (or the environment's BENCH_DATABASE) names the store as
 * cadence.conf's Database does: a PostgreSQL database (a postgresql:// URI
 * or libpq keywords), which must be empty (the bench creates the schema and
 * leaves the rows), or an SQLite file. The pass's figures are the wall
 * clock and this process's CPU time (a PostgreSQL server's CPU is its own
 * processes': bench/bench_pg.sh reads it from /proc).
 * Prints figures only; it asserts nothing about speed.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench_cpu.h"
#include "cadenced.h"
#include "compose.h"
#include "token.h"
#include "seq.h"
#include "store.h"
#include "store_sched.h"
#include "submit.h"
#include "tmpl.h"
#include "util.h"

#define BENCH_TXN 5000
#define BENCH_SUBMIT_SAMPLE 1000

static const char bench_seq[] =
	"[sequence]\n"
	"name = Bench – Outbound – QA Team\n"
	"owner = qa@our.test\n"
	"days = every\n"
	"window = 00:00-24:00\n"
	"\n"
	"[step 1]\n"
	"type = email\n"
	"delay = 0\n"
	"template = <<END\n"
	"Subject: Late shipments at {{contact.company|your company}}?\n"
	"\n"
	"Hi {{contact.firstname|there}},\n"
	"\n"
	"Most operations leads I talk to spend Monday morning chasing carriers for\n"
	"orders that should have left on Friday. Is that the case at\n"
	"{{contact.company|your company}} too?\n"
	"\n"
	"Worth a 20-minute call next week?\n"
	"{{sender.meeting_link|Reply with two times that suit you.}}\n"
	"\n"
	"Best,\n"
	"{{sender.firstname}}\n"
	"\n"
	"{{sender.signature|}}\n"
	"END\n"
	"\n"
	"[step 2]\n"
	"type = email\n"
	"delay = 3d\n"
	"thread = previous\n"
	"template = <<END\n"
	"Subject: Re: Late shipments at {{contact.company|your company}}?\n"
	"\n"
	"Hi {{contact.firstname|there}}, a short example in case it is useful.\n"
	"END\n";

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double mono(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* This process's CPU time, user and system. */
static double cpu(void)
{
	return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

static void die(const char *what, const struct cad_err *err)
{
	fprintf(stderr, "bench_pass: %s: %s\n", what, err ? err->msg : strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_pass [-n ENROLLMENTS] [-d DUE] [-r REPS] "
			"[-k DIR | -D DATABASE] [SUBMIT_URL]\n");
	exit(2);
}

static long arg_num(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*end != '\0' || v <= 0 || v > 10000000)
		usage();
	return v;
}

/* Reps, one sequence, n contacts and n active enrollments; the first due
 * ones are due before now, the rest over the next 14 days. */
static void populate(struct store *st, long n, long due, long reps, cad_time_t now)
{
	struct cad_err err = { "" };
	struct sequence seq;
	int64_t *rep_ids = xcalloc((size_t)reps, sizeof(*rep_ids));
	long i;

	for (i = 0; i < reps; i++) {
		struct user u;
		memset(&u, 0, sizeof(u));
		u.email = xasprintf("rep%03ld@our.test", i);
		u.name = xasprintf("Rep Number%ld", i);
		u.tz = xstrdup("UTC");
		u.signature = xstrdup("Rep Number\nOur Company");
		u.send_cap_24h = USER_DEFAULT_SEND_CAP;
		u.enroll_cap_day = USER_DEFAULT_ENROLL_CAP;
		u.active = 1;
		if (store_user_add(st, &u, "bench", now - 86400, &err) < 0)
			die("user add", &err);
		rep_ids[i] = u.id;
		user_free(&u);
	}
	memset(&seq, 0, sizeof(seq));
	if (seq_parse_buffer("bench.seq", bench_seq, strlen(bench_seq), &seq, &err) < 0)
		die("sequence", &err);
	if (store_sequence_import(st, &seq, "bench", now - 86400, &err) < 0)
		die("sequence import", &err);

	for (i = 0; i < n; i++) {
		struct contact c;
		struct enrollment e;
		int created;
		if (i % BENCH_TXN == 0 && store_begin(st, &err) < 0)
			die("begin", &err);
		memset(&c, 0, sizeof(c));
		c.email = xasprintf("c%07ld@prospect%04ld.test", i, i % 5000);
		c.firstname = xasprintf("First%ld", i);
		c.lastname = xstrdup("Example");
		c.company = xasprintf("Prospect %ld Inc", i % 5000);
		c.tz = xstrdup("UTC");
		if (store_contact_upsert(st, &c, now - 86400, &created, &err) < 0)
			die("contact", &err);
		memset(&e, 0, sizeof(e));
		e.contact_id = c.id;
		e.sequence_id = seq.id;
		e.user_id = rep_ids[i % reps];
		e.state = ENR_ACTIVE;
		e.step = 1;
		/* Due ones in the last hour; the others over the next 14 days. */
		e.next_due = i < due ? now - 3600 + (i % 3600)
				     : now + 60 + (cad_time_t)((i * 7919L) % (14L * 86400));
		e.enrolled_at = now - 86400;
		e.updated_at = now - 86400;
		e.enrolled_by = xstrdup("bench");
		if (store_enrollment_insert(st, &e, "bench", now - 86400, &err) < 0)
			die("enrollment", &err);
		enrollment_free(&e);
		contact_free(&c);
		if ((i + 1) % BENCH_TXN == 0 || i + 1 == n)
			if (store_commit(st, &err) < 0)
				die("commit", &err);
	}
	free(rep_ids);
	sequence_free(&seq);
}

/* Renders and composes each due enrollment's step as pass.c does;
 * returns the composed messages (n of them) for the submission bench. */
static char **compose_all(struct sched *s, cad_time_t now, size_t *nmsg, size_t **lens,
			  double *secs)
{
	struct cad_err err = { "" };
	struct enrollment_view *due = NULL;
	struct sequence seq;
	size_t n = 0, i;
	char **msgs;
	double t0;

	if (store_due(s->store, now, 10000000, &due, &n, &err) < 0)
		die("due", &err);
	msgs = xcalloc(n ? n : 1, sizeof(*msgs));
	*lens = xcalloc(n ? n : 1, sizeof(**lens));
	memset(&seq, 0, sizeof(seq));
	t0 = mono();
	for (i = 0; i < n; i++) {
		struct contact c;
		struct user u;
		struct tmpl_ctx ctx;
		struct sbuf subj, body, msg;
		struct compose_in in;
		unsigned char nonce[TOKEN_NONCE_BYTES];
		char tok[TOKEN_BUFSZ];
		char *mid, *mailto, *url, *to_name;
		const struct step *step;

		memset(&c, 0, sizeof(c));
		memset(&u, 0, sizeof(u));
		memset(&ctx, 0, sizeof(ctx));
		/* The pass reads the contact each time and caches sequence and rep. */
		if (seq.id != due[i].e.sequence_id) {
			sequence_free(&seq);
			memset(&seq, 0, sizeof(seq));
			if (store_sequence_get_id(s->store, due[i].e.sequence_id, &seq, &err) != 0)
				die("sequence", &err);
		}
		if (store_contact_get_id(s->store, due[i].e.contact_id, &c, &err) != 0
		    || store_user_get_id(s->store, due[i].e.user_id, &u, &err) != 0)
			die("contact/user", &err);
		step = &seq.steps[due[i].e.step - 1];
		ctx.contact = &c;
		ctx.sender = &u;
		sbuf_init(&subj);
		sbuf_init(&body);
		sbuf_init(&msg);
		if (tmpl_render_flags(step->subject, &ctx, TMPL_ONE_LINE, &subj, &err) < 0
		    || tmpl_render(step->body, &ctx, &body, &err) < 0)
			die("render", &err);
		if (token_nonce_random(nonce, &err) < 0)
			die("nonce", &err);
		mid = msgid_make(&s->secret, nonce, s->conf.domain);
		token_make(TOKEN_UNSUB, &s->secret, nonce, tok);
		mailto = token_address(s->conf.unsubscribe_prefix, tok, s->conf.domain);
		url = token_unsub_url(s->conf.public_url, tok);
		to_name = xasprintf("%s %s", c.firstname, c.lastname);
		memset(&in, 0, sizeof(in));
		in.from_name = u.name;
		in.from_addr = u.email;
		in.to_name = to_name;
		in.to_addr = c.email;
		in.subject = subj.s;
		in.body = body.s;
		in.date = now;
		in.message_id = mid;
		in.unsub_mailto = mailto;
		in.unsub_url = url;
		if (compose_message(&in, &msg, &err) < 0)
			die("compose", &err);
		(*lens)[i] = msg.len;
		msgs[i] = sbuf_detach(&msg);
		free(mid);
		free(mailto);
		free(url);
		free(to_name);
		sbuf_free(&subj);
		sbuf_free(&body);
		contact_free(&c);
		user_free(&u);
	}
	*secs = mono() - t0;
	sequence_free(&seq);
	store_enrollment_views_free(due, n);
	*nmsg = n;
	return msgs;
}

int main(int argc, char **argv)
{
	long n = 100000, due = 10000, reps = 20;
	const char *keep = NULL, *url = NULL, *database = getenv("BENCH_DATABASE");
	char dir[] = "/tmp/bench_pass.XXXXXX";
	char *db;
	struct sched s;
	struct sched_stats stats;
	struct cad_err err = { "" };
	struct enrollment_view *v = NULL;
	volatile sig_atomic_t stop = 0;
	static const char key[] = "bench-secret-0123456789abcdefghijklmnop";
	cad_time_t now;
	size_t nv = 0, nmsg = 0, *lens = NULL, i;
	char **msgs;
	double t0, c0, t_pop, t_query, t_compose, t_submit = 0, t_pass, c_pass, t_idle;
	double srv0 = 0, srv_pass = -1, w0, w1;
	pid_t server = 0;
	int processed;
	size_t nsub = 0;
	int c;

	if (database != NULL && *database == '\0')
		database = NULL;
	while ((c = getopt(argc, argv, "n:d:r:k:D:")) != -1) {
		switch (c) {
		case 'n': n = arg_num(optarg); break;
		case 'd': due = arg_num(optarg); break;
		case 'r': reps = arg_num(optarg); break;
		case 'k': keep = optarg; break;
		case 'D': database = optarg; break;
		default: usage();
		}
	}
	if (optind < argc)
		url = argv[optind++];
	if (optind != argc || due > n || (keep != NULL && database != NULL))
		usage();
	if (cad_time_parse("2026-12-01T14:00:00Z", &now) < 0)
		die("time", NULL);
	if (database != NULL) {
		db = xstrdup(database);
		keep = "";   /* nothing of ours to remove */
	} else if (keep != NULL) {
		if (mkdir(keep, 0700) < 0 && errno != EEXIST)
			die(keep, NULL);
		db = xasprintf("%s/bench.db", keep);
		unlink(db);
	} else {
		if (mkdtemp(dir) == NULL)
			die("mkdtemp", NULL);
		db = xasprintf("%s/bench.db", dir);
	}
	cad_log_open("bench_pass", 0, 0);
	if (submit_global_init(&err) < 0)
		die("curl", &err);

	memset(&s, 0, sizeof(s));
	conf_defaults(&s.conf);
	free(s.conf.domain);
	s.conf.domain = xstrdup("cadence.our.test");
	free(s.conf.public_url);
	s.conf.public_url = xstrdup("https://cadence.our.test");
	free(s.conf.submit_url);
	/* Port 9 (discard) on loopback: nothing listens, connections are refused. */
	s.conf.submit_url = xstrdup(url ? url : "smtp://127.0.0.1:9");
	s.conf.spacing_seconds = 0;
	s.conf.spacing_jitter = 0;
	s.conf.verp = 1;
	s.actor = "cadenced";
	s.stop = &stop;
	s.batch = 500;
	if (secret_set(&s.secret, key, sizeof(key) - 1, &err) < 0)
		die("secret", &err);
	if (store_open(&s.store, db, STORE_CREATE, &err) < 0)
		die(db, &err);

	t0 = mono();
	populate(s.store, n, due, reps, now);
	t_pop = mono() - t0;

	t0 = mono();
	if (store_due(s.store, now, s.batch, &v, &nv, &err) < 0)
		die("due", &err);
	t_query = mono() - t0;
	store_enrollment_views_free(v, nv);

	msgs = compose_all(&s, now, &nmsg, &lens, &t_compose);

	if (url != NULL) {
		nsub = nmsg < BENCH_SUBMIT_SAMPLE ? nmsg : BENCH_SUBMIT_SAMPLE;
		t0 = mono();
		for (i = 0; i < nsub; i++) {
			struct submit_result res;
			submit_message(url, "bench@our.test", "sink@prospect.test", msgs[i], lens[i],
				       NULL, &res);
			if (res.status != SUBMIT_ACCEPTED) {
				fprintf(stderr, "bench_pass: submit: %s\n", res.reply);
				exit(1);
			}
			submit_result_free(&res);
		}
		t_submit = mono() - t0;
	}
	for (i = 0; i < nmsg; i++)
		free(msgs[i]);
	free(msgs);
	free(lens);

	memset(&stats, 0, sizeof(stats));
	if (store_is_server(db))
		server = bench_cpu_server_pid();
	if (server > 0)
		srv0 = bench_cpu_tree(server);
	w0 = clock_s(CLOCK_REALTIME);
	t0 = mono();
	c0 = cpu();
	if (sched_pass(&s, now, &stats, &err) < 0)
		die("pass", &err);
	t_pass = mono() - t0;
	c_pass = cpu() - c0;
	w1 = clock_s(CLOCK_REALTIME);
	if (server > 0 && srv0 >= 0) {
		double srv1 = bench_cpu_tree(server);
		srv_pass = srv1 >= 0 ? srv1 - srv0 : -1;
	}
	{
		struct sched_stats idle;
		memset(&idle, 0, sizeof(idle));
		t0 = mono();
		if (sched_pass(&s, now, &idle, &err) < 0)
			die("idle pass", &err);
		t_idle = mono() - t0;
	}

	printf("store: %ld active enrollments (%ld due), %ld reps, built in %.1f s\n", n, due,
	       reps, t_pop);
	printf("due query (first batch of %zu): %.2f ms\n", s.batch, t_query * 1e3);
	printf("render + compose: %zu messages in %.3f s = %.1f us/message\n", nmsg, t_compose,
	       nmsg ? t_compose / (double)nmsg * 1e6 : 0.0);
	if (url != NULL)
		printf("submit alone (%s): %zu messages in %.3f s = %.2f ms/message\n", url, nsub,
		       t_submit, nsub ? t_submit / (double)nsub * 1e3 : 0.0);
	printf("pass: %.3f s; %d sent, %d retried, %d deferred, %d failed = %.2f ms/message\n",
	       t_pass, stats.sent, stats.retried, stats.deferred, stats.failed,
	       stats.sent + stats.retried + stats.deferred + stats.failed
		       ? t_pass * 1e3 / (double)(stats.sent + stats.retried + stats.deferred
						 + stats.failed) : 0.0);
	/* per message: sent, or all handled when nothing could be sent */
	processed = stats.sent ? stats.sent
			       : stats.sent + stats.retried + stats.deferred + stats.failed;
	printf("pass: %.0f messages/s sent (wall); this process's CPU %.3f s = %.2f ms/message\n",
	       t_pass > 0 ? (double)stats.sent / t_pass : 0.0, c_pass,
	       processed ? c_pass * 1e3 / (double)processed : 0.0);
	if (srv_pass >= 0)
		printf("pass: the server's CPU (BENCH_SERVER_PID %ld) %.3f s = %.2f ms/message\n",
		       (long)server, srv_pass,
		       processed ? srv_pass * 1e3 / (double)processed : 0.0);
	/* when the pass ran, to pick its statements out of a server's log */
	printf("pass: from %.3f to %.3f (epoch seconds)\n", w0, w1);
	printf("idle pass (nothing due): %.2f ms\n", t_idle * 1e3);
	printf("database: %s\n", store_is_server(db) ? "(a PostgreSQL database)" : db);

	store_close(s.store);
	secret_free(&s.secret);
	conf_free(&s.conf);
	if (keep == NULL) {
		char *p = xasprintf("%s-wal", db), *q = xasprintf("%s-shm", db);
		unlink(p);
		unlink(q);
		unlink(db);
		rmdir(dir);
		free(p);
		free(q);
	}
	free(db);
	return 0;
}
