/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_report.c - the cost of "cadencectl report" on a large event log.
 *
 *   bench_report [-n EVENTS] [-k DIR]
 *
 * Fills a store through the store API (store_event_add in transactions of
 * 50,000) with EVENTS events (default 1,000,000) as 20 reps and 10
 * sequences would leave them over 90 days: per enrollment "enrolled",
 * three "step_sent" with their "step_witnessed", then a reply (10%), an
 * out-of-office pause (5%), a bounce (3%), a meeting (2%) or an
 * unsubscribe (1%) with its unenrollment, else "finished". Then it times,
 * in the same run, a plain COUNT(*) scan of the events (every row read) and store_report() by
 * sequence, by step, by rep, and by sequence over one week, and prints
 * each as a ratio to the COUNT(*) (best of three). No ledger rows are
 * written, so by step every reply's look-up of its email step misses
 * (an index probe all the same). Prints figures only; asserts nothing.
 * The store is left in DIR with -k (to read the plans with sqlite3).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "seq.h"
#include "store.h"
#include "store_report.h"
#include "util.h"

#define BENCH_TXN 50000
#define BENCH_REPS 20
#define BENCH_SEQS 10
#define BENCH_T0 ((cad_time_t)1788220800)   /* 2026-09-01 */
#define BENCH_SPAN (90 * 86400)

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, const struct cad_err *err)
{
	fprintf(stderr, "bench_report: %s: %s\n", what, err->msg);
	exit(1);
}

static void setup(struct store *st)
{
	struct cad_err err;
	char buf[1024];
	int i;

	for (i = 0; i < BENCH_REPS; i++) {
		struct user u;
		memset(&u, 0, sizeof(u));
		u.email = xasprintf("rep%02d@our.test", i);
		u.name = xstrdup("Bench Rep");
		u.tz = xstrdup("UTC");
		u.send_cap_24h = 500;
		u.enroll_cap_day = 80;
		u.active = 1;
		if (store_user_add(st, &u, "bench", BENCH_T0, &err) < 0)
			die("user", &err);
		user_free(&u);
	}
	for (i = 0; i < BENCH_SEQS; i++) {
		struct sequence s;
		snprintf(buf, sizeof(buf),
			 "[sequence]\nname = Bench %d – Outbound – QA Team\nowner = qa@our.test\n"
			 "[step]\ntype = email\ntemplate = <<END\nSubject: One\n\nHi.\nEND\n"
			 "[step]\ntype = email\ndelay = 2d\ntemplate = <<END\nSubject: Two\n\nHi.\nEND\n"
			 "[step]\ntype = email\ndelay = 3d\ntemplate = <<END\nSubject: Three\n\nHi.\n"
			 "END\n", i);
		memset(&s, 0, sizeof(s));
		if (seq_parse_buffer("bench.seq", buf, strlen(buf), &s, &err) < 0 ||
		    store_sequence_import(st, &s, "bench", BENCH_T0, &err) < 0)
			die("sequence", &err);
		sequence_free(&s);
	}
}

static void put(struct store *st, struct event *ev, const char *type, const char *detail,
		cad_time_t at, long *left)
{
	struct cad_err err;
	ev->type = (char *)type;
	ev->detail = (char *)detail;
	ev->at = at;
	if (store_event_add(st, ev, &err) < 0)
		die("event", &err);
	(*left)--;
}

/* One enrollment's events (at least one, at most 9). */
static void enrollment(struct store *st, long id, long *left)
{
	static const char *const sent[3] = { "step 1, queue id B1: 250 ok",
					     "step 2, queue id B2: 250 ok",
					     "step 3, queue id B3: 250 ok" };
	struct event ev;
	cad_time_t t = BENCH_T0 + (cad_time_t)((id * 7919L) % BENCH_SPAN);
	int k, steps = 1 + (int)(id % 3), end = (int)(id % 100);

	memset(&ev, 0, sizeof(ev));
	ev.enrollment_id = id;
	ev.contact_id = id;
	ev.sequence_id = 1 + (id / 3) % BENCH_SEQS;
	ev.user_id = 1 + (id / 7) % BENCH_REPS;
	ev.actor = (char *)"bench";
	put(st, &ev, EV_ENROLLED, NULL, t, left);
	for (k = 0; k < steps && *left > 0; k++) {
		t += 2 * 86400;
		put(st, &ev, EV_STEP_SENT, sent[k], t, left);
		if (*left > 0)
			put(st, &ev, EV_STEP_WITNESSED, "queue id B", t, left);
	}
	if (*left <= 0)
		return;
	t += 3600;
	if (end < 10)
		put(st, &ev, EV_REPLIED, "reply", t, left);
	else if (end < 15)
		put(st, &ev, EV_AUTO_REPLY, "auto-reply", t, left);
	else if (end < 18)
		put(st, &ev, EV_BOUNCED, "hard bounce", t, left);
	else if (end < 20)
		put(st, &ev, EV_MEETING, "meeting accepted", t, left);
	else if (end < 21)
		put(st, &ev, EV_UNSUBSCRIBED, "unsubscribe", t, left);
	else {
		put(st, &ev, EV_FINISHED, "no steps left", t, left);
		return;
	}
	if (*left > 0)
		put(st, &ev, end >= 10 && end < 15 ? EV_PAUSED : EV_UNENROLLED,
		    end < 10 ? "replied" : end < 15 ? "out of office until 2026-12-01"
		    : end < 18 ? "bounced: 5.1.1" : end < 20 ? "meeting booked" : "unsubscribed",
		    t, left);
}

static void fill(struct store *st, long events)
{
	struct cad_err err;
	long left = events, id = 1, mark = events;

	if (store_begin(st, &err) < 0)
		die("begin", &err);
	while (left > 0) {
		enrollment(st, id++, &left);
		if (mark - left >= BENCH_TXN) {
			mark = left;
			if (store_commit(st, &err) < 0 || store_begin(st, &err) < 0)
				die("commit", &err);
		}
	}
	if (store_commit(st, &err) < 0)
		die("commit", &err);
	printf("filled %ld events (%ld enrollments)\n", events, id - 1);
}

/* Best of three runs of one report, in seconds; *rows gets the row count. */
static double time_report(struct store *st, const struct report_filter *f, size_t *rows)
{
	struct cad_err err;
	double best = 1e9;
	int i;

	for (i = 0; i < 3; i++) {
		struct report_row *v = NULL;
		size_t n = 0;
		double t0 = mono(), dt;
		if (store_report(st, f, &v, &n, &err) < 0)
			die("report", &err);
		dt = mono() - t0;
		store_report_free(v, n);
		*rows = n;
		if (dt < best)
			best = dt;
	}
	return best;
}

static double time_count(struct store *st, int64_t *n)
{
	struct cad_err err;
	double best = 1e9;
	int i;

	for (i = 0; i < 3; i++) {
		double t0 = mono(), dt;
		if (store_events_count(st, n, &err) < 0)
			die("count", &err);
		dt = mono() - t0;
		if (dt < best)
			best = dt;
	}
	return best;
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "by sequence", "by step", "by rep",
					     "by sequence, one week" };
	struct store *st = NULL;
	struct cad_err err;
	char dir[] = "/tmp/bench_report.XXXXXX";
	char *path;
	long events = 1000000;
	int keep = 0, ch, i;
	int64_t count = 0;
	double base, t0;

	while ((ch = getopt(argc, argv, "n:k")) != -1) {
		switch (ch) {
		case 'n': events = atol(optarg); break;
		case 'k': keep = 1; break;
		default:
			fprintf(stderr, "usage: bench_report [-n EVENTS] [-k]\n");
			return 2;
		}
	}
	if (events < 1 || mkdtemp(dir) == NULL) {
		fprintf(stderr, "bench_report: bad -n or no temporary directory\n");
		return 2;
	}
	path = xasprintf("%s/bench.db", dir);
	if (store_open(&st, path, STORE_CREATE, &err) < 0)
		die(path, &err);
	setup(st);
	t0 = mono();
	fill(st, events);
	printf("fill: %.1f s\n", mono() - t0);
	base = time_count(st, &count);
	printf("%-29s %8.3f s  (%lld events)  1.0x\n", "COUNT(*) scan", base,
	       (long long)count);
	for (i = 0; i < 4; i++) {
		struct report_filter f;
		size_t rows = 0;
		double t;
		memset(&f, 0, sizeof(f));
		f.by = i == 1 ? REPORT_BY_STEP : i == 2 ? REPORT_BY_REP : REPORT_BY_SEQUENCE;
		f.now = BENCH_T0 + BENCH_SPAN;
		if (i == 3) {
			f.from = BENCH_T0 + 30 * 86400;
			f.to = f.from + 7 * 86400;
		}
		t = time_report(st, &f, &rows);
		printf("report %-22s %8.3f s  (%zu rows)  %.1fx\n", names[i], t, rows,
		       base > 0 ? t / base : 0.0);
	}
	store_close(st);
	if (keep) {
		printf("store kept in %s\n", path);
	} else {
		char *wal = xasprintf("%s-wal", path), *shm = xasprintf("%s-shm", path);
		unlink(path);
		unlink(wal);
		unlink(shm);
		rmdir(dir);
		free(wal);
		free(shm);
	}
	free(path);
	return 0;
}
