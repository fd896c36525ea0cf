/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_due.c - does a scheduling pass cost what is due, or what is
 * enrolled? (issue 16, goal 5: (1,000,000 active, 10,000 due) against
 * (100,000 active, 10,000 due) must cost at most 1.2 times as much).
 *
 *   bench_due [-R] [-d DUE] [-b BATCH] [-r ROUNDS] [-k DIR] [N...]
 *   bench_due -D DATABASE [-d DUE] [-b BATCH] [-r ROUNDS] N
 *
 * For each N (default 100000 and 1000000) builds a store in DIR (default
 * /dev/shm, so that the disk is not what is measured) through the store
 * API: 20 reps, one sequence, N contacts and N active enrollments of which
 * DUE (default 10,000) are due, spread evenly over the ids (every N/DUE-th
 * enrollment, due at scattered instants of the last hour, so that a batch
 * is rows anywhere in the table, as real due work is), the rest due over
 * the next 14 days (DIR/bench_due_N_DUE.db; -R reuses one built
 * earlier, as a newer cadence upgrades it). A copy of it is opened (a
 * cold SQLite cache, as at cadenced's start), then it times the store
 * side of a pass, what cadenced asks before it sends anything:
 *   - store_resume_due() (pauses whose end has come);
 *   - the first batch: store_due(now, BATCH) (default 500), best of ROUNDS;
 *   - draining: store_due() batch after batch, each batch moved past now
 *     with store_enrollment_defer() in one transaction (what the pass's
 *     per-message writes do to the due set), until nothing is due; the
 *     queries' time and the whole;
 *   - store_next_due_after() (the wake-up), best of ROUNDS.
 * Then prints each figure's ratio of the largest N to the smallest, from
 * the same run. Figures are the process's CPU time (a shared machine's
 * wall clock counts the other processes' turns), the drain's wall clock
 * too. A benchmark: it prints numbers and asserts nothing.
 *
 * -D DATABASE (or the environment's BENCH_DATABASE) builds the one size N
 * in that store instead, named as cadence.conf's Database names it (a
 * PostgreSQL database, which must be empty: the bench creates the schema),
 * closes it and measures on a new connection to it (a server has no file
 * to copy: the server's own cache stays warm, as a restarted cadenced
 * finds it); the drain moves the due rows, so -R is refused with -D.
 * For a PostgreSQL store the CPU figures are this process's only; the
 * server's processes are measured by bench/bench_pg.sh.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench_cpu.h"
#include "model.h"
#include "seq.h"
#include "store.h"
#include "store_sched.h"
#include "util.h"

#define BENCH_TXN 5000
#define BENCH_REPS 20
#define BENCH_MAX_SIZES 4

static const char bench_seq[] =
	"[sequence]\n"
	"name = Bench due\n"
	"owner = qa@our.test\n"
	"days = every\n"
	"window = 00:00-24:00\n"
	"\n"
	"[step 1]\n"
	"type = email\n"
	"delay = 0\n"
	"template = <<END\n"
	"Subject: Hello {{contact.firstname|there}}\n"
	"\n"
	"Hi {{contact.firstname|there}}.\n"
	"END\n"
	"\n"
	"[step 2]\n"
	"type = email\n"
	"delay = 3d\n"
	"template = <<END\n"
	"Subject: Again\n"
	"\n"
	"Hi again.\n"
	"END\n";

struct figures {
	long n;
	double build, resume, first, first_wall, drain_q, drain, drain_wall, next, drain_server;
	size_t drained, batches;
};

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

/* The process's CPU time (user and system: SQLite's reads of pages are
 * system time): on a shared machine the wall clock counts the other
 * processes' turns too. The figures below are CPU time. */
static double cpu(void)
{
	return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

static void die(const char *what, const struct cad_err *err)
{
	fprintf(stderr, "bench_due: %s: %s\n", what, err ? err->msg : strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_due [-R] [-d DUE] [-b BATCH] [-r ROUNDS] [-k DIR] [N...]\n"
			"       bench_due -D DATABASE [-d DUE] [-b BATCH] [-r ROUNDS] N\n");
	exit(2);
}

static long arg_num(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*end != '\0' || v <= 0 || v > 100000000)
		usage();
	return v;
}

static void add_reps(struct store *st, int64_t *ids, cad_time_t now)
{
	struct cad_err err = { "" };
	for (long i = 0; i < BENCH_REPS; i++) {
		struct user u;
		memset(&u, 0, sizeof(u));
		u.email = xasprintf("rep%03ld@our.test", i);
		u.name = xasprintf("Rep Number%ld", i);
		u.tz = xstrdup("UTC");
		u.send_cap_24h = USER_DEFAULT_SEND_CAP;
		u.enroll_cap_day = USER_DEFAULT_ENROLL_CAP;
		u.active = 1;
		if (store_user_add(st, &u, "bench", now - 86400, &err) < 0)
			die("user add", &err);
		ids[i] = u.id;
		user_free(&u);
	}
}

/* n contacts and enrollments; every (n / due)-th is due in the last hour. */
static void populate(struct store *st, long n, long due, cad_time_t now)
{
	struct cad_err err = { "" };
	struct sequence seq;
	int64_t reps[BENCH_REPS];
	long every = n / due, ndue = 0;

	add_reps(st, reps, now);
	memset(&seq, 0, sizeof(seq));
	if (seq_parse_buffer("bench.seq", bench_seq, strlen(bench_seq), &seq, &err) < 0)
		die("sequence", &err);
	if (store_sequence_import(st, &seq, "bench", now - 86400, &err) < 0)
		die("sequence import", &err);
	for (long i = 0; i < n; i++) {
		struct contact c;
		struct enrollment e;
		int created, is_due = i % every == 0 && ndue < due;
		if (i % BENCH_TXN == 0 && store_begin(st, &err) < 0)
			die("begin", &err);
		memset(&c, 0, sizeof(c));
		/* 5,000 domains, spread over the due rows too (a hash of i), so
		 * that the domain caps hold as much at every size */
		long dom = (long)(((uint64_t)i * 2246822519u) % 5000u);
		c.email = xasprintf("c%08ld@prospect%04ld.test", i, dom);
		c.firstname = xasprintf("First%ld", i);
		c.lastname = xstrdup("Example");
		c.company = xasprintf("Prospect %ld Inc", dom);
		c.tz = xstrdup("UTC");
		if (store_contact_upsert(st, &c, now - 86400, &created, &err) < 0)
			die("contact", &err);
		memset(&e, 0, sizeof(e));
		e.contact_id = c.id;
		e.sequence_id = seq.id;
		/* the reps by a hash of i too: by i % 20, every 100th enrollment
		 * (the million's due ones) was one rep's, held by its daily cap */
		e.user_id = reps[(((uint64_t)i * 2654435761u) >> 16) % BENCH_REPS];
		e.state = ENR_ACTIVE;
		e.step = 1;
		/* due times scattered over the due rows (a hash of i), not in id
		 * order: a batch is 500 rows anywhere in the table */
		e.next_due = is_due ? now - 3600 + (cad_time_t)(((uint64_t)i * 2654435761u) % 3600u)
				    : now + 60 + (cad_time_t)((i * 7919L) % (14L * 86400));
		ndue += is_due;
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
	sequence_free(&seq);
}

static void unlink_db(const char *db)
{
	char *wal = xasprintf("%s-wal", db), *shm = xasprintf("%s-shm", db);
	unlink(db);
	unlink(wal);
	unlink(shm);
	free(wal);
	free(shm);
}

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char buf[1 << 16];
	size_t k;
	if (in == NULL || out == NULL)
		die(in == NULL ? from : to, NULL);
	while ((k = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, k, out) != k)
			die(to, NULL);
	if (ferror(in) || fclose(out) != 0)
		die(to, NULL);
	fclose(in);
}

/* The first batch, best of rounds: CPU time, and in *wall the wall clock
 * (on a server the work is the server's: the client's CPU hides it). */
static double time_first(struct store *st, cad_time_t now, size_t batch, int rounds,
			 double *wall)
{
	struct cad_err err = { "" };
	double best = 1e9;
	*wall = 1e9;
	for (int r = 0; r < rounds; r++) {
		struct enrollment_view *v = NULL;
		size_t nv = 0;
		double t0 = cpu(), w0 = mono();
		if (store_due(st, now, batch, &v, &nv, &err) < 0)
			die("due", &err);
		double dt = cpu() - t0, dw = mono() - w0;
		best = dt < best ? dt : best;
		*wall = dw < *wall ? dw : *wall;
		store_enrollment_views_free(v, nv);
	}
	return best;
}

static double time_next(struct store *st, cad_time_t now, int rounds)
{
	struct cad_err err = { "" };
	double best = 1e9;
	for (int r = 0; r < rounds; r++) {
		cad_time_t t;
		double t0 = cpu();
		if (store_next_due_after(st, now, &t, &err) < 0)
			die("next due", &err);
		double dt = cpu() - t0;
		best = dt < best ? dt : best;
	}
	return best;
}

/* Batch after batch until nothing is due, as the pass takes them. */
static void drain(struct store *st, int on_server, cad_time_t now, size_t batch,
		  struct figures *f)
{
	struct cad_err err = { "" };
	pid_t server = on_server ? bench_cpu_server_pid() : 0;
	double s0 = server > 0 ? bench_cpu_tree(server) : -1;
	double t0 = cpu(), w0 = mono();
	for (;;) {
		struct enrollment_view *v = NULL;
		size_t nv = 0;
		double q0 = cpu();
		if (store_due(st, now, batch, &v, &nv, &err) < 0)
			die("due", &err);
		f->drain_q += cpu() - q0;
		if (nv == 0)
			break;
		f->batches++;
		f->drained += nv;
		if (store_begin(st, &err) < 0)
			die("begin", &err);
		for (size_t i = 0; i < nv; i++)
			if (store_enrollment_defer(st, v[i].e.id, now + 3 * 86400, &err) < 0)
				die("defer", &err);
		if (store_commit(st, &err) < 0)
			die("commit", &err);
		store_enrollment_views_free(v, nv);
	}
	f->drain = cpu() - t0;
	f->drain_wall = mono() - w0;
	f->drain_server = -1;
	if (s0 >= 0) {
		double s1 = bench_cpu_tree(server);
		f->drain_server = s1 >= 0 ? s1 - s0 : -1;
	}
}

/* Builds n enrollments in the store db (created). */
static void build(const char *db, long n, long due, cad_time_t now, struct figures *f)
{
	struct cad_err err = { "" };
	struct store *st;
	if (store_open(&st, db, STORE_CREATE, &err) < 0)
		die(store_is_server(db) ? "the database" : db, &err);
	double t0 = mono();
	populate(st, n, due, now);
	f->build = mono() - t0;
	store_close(st);
}

/* The figures of a pass's store side on the store db (opened anew). */
static void measure(const char *db, size_t batch, int rounds, cad_time_t now,
		    struct figures *f)
{
	struct cad_err err = { "" };
	struct store *st;
	int resumed = 0;
	if (store_open(&st, db, 0, &err) < 0)
		die(store_is_server(db) ? "the database" : db, &err);
	double t0 = cpu();
	if (store_resume_due(st, "bench", now, &resumed, &err) < 0)
		die("resume", &err);
	f->resume = cpu() - t0;
	f->first = time_first(st, now, batch, rounds, &f->first_wall);
	f->next = time_next(st, now, rounds);
	drain(st, store_is_server(db), now, batch, f);
	store_close(st);
}

static void run(const char *dir, const char *database, int reuse, long n, long due,
		size_t batch, int rounds, cad_time_t now, struct figures *f)
{
	memset(f, 0, sizeof(*f));
	f->n = n;
	if (database != NULL) {
		build(database, n, due, now, f);
		measure(database, batch, rounds, now, f);
		return;
	}
	char *db = xasprintf("%s/bench_due_%ld_%ld.db", dir, n, due);
	char *work = xasprintf("%s/bench_due_%ld_%ld.work.db", dir, n, due);
	if (!reuse || access(db, R_OK) != 0) {
		unlink_db(db);
		build(db, n, due, now, f);
	}
	/* The pass drains the due set: it works on a copy, the built file
	 * stays as built for -R. */
	unlink_db(work);
	copy_file(db, work);
	measure(work, batch, rounds, now, f);
	unlink_db(work);
	fprintf(stderr, "bench_due: %ld enrollments: %s kept\n", n, db);
	free(db);
	free(work);
}

static void print_row(const char *what, const struct figures *f, size_t nf, size_t off)
{
	printf("%-34s", what);
	for (size_t i = 0; i < nf; i++)
		printf(" %12.3f", *(const double *)((const char *)&f[i] + off) * 1e3);
	if (nf > 1) {
		double a = *(const double *)((const char *)&f[0] + off);
		double b = *(const double *)((const char *)&f[nf - 1] + off);
		printf(" %8.2f", a > 0 ? b / a : 0.0);
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	long due = 10000, sizes[BENCH_MAX_SIZES];
	size_t batch = 500, nsizes = 0;
	int rounds = 5, reuse = 0, c;
	const char *dir = "/dev/shm", *database = getenv("BENCH_DATABASE");
	struct figures f[BENCH_MAX_SIZES];
	cad_time_t now;

	if (database != NULL && *database == '\0')
		database = NULL;
	while ((c = getopt(argc, argv, "d:b:r:k:RD:")) != -1) {
		switch (c) {
		case 'd': due = arg_num(optarg); break;
		case 'b': batch = (size_t)arg_num(optarg); break;
		case 'r': rounds = (int)arg_num(optarg); break;
		case 'k': dir = optarg; break;
		case 'R': reuse = 1; break;
		case 'D': database = optarg; break;
		default: usage();
		}
	}
	for (; optind < argc && nsizes < BENCH_MAX_SIZES; optind++)
		sizes[nsizes++] = arg_num(argv[optind]);
	if (optind != argc || (database != NULL && (nsizes != 1 || reuse)))
		usage();
	if (nsizes == 0) {
		sizes[nsizes++] = 100000;
		sizes[nsizes++] = 1000000;
	}
	if (cad_time_parse("2026-12-01T14:00:00Z", &now) < 0)
		die("time", NULL);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		die(dir, NULL);
	for (size_t i = 0; i < nsizes; i++) {
		if (due > sizes[i])
			usage();
		run(dir, database, reuse, sizes[i], due, batch, rounds, now, &f[i]);
	}

	printf("%ld due, batches of %zu, best of %d (ms of CPU time)\n", due, batch, rounds);
	printf("%-34s", "active enrollments");
	for (size_t i = 0; i < nsizes; i++)
		printf(" %12ld", f[i].n);
	printf("%s\n", nsizes > 1 ? "    ratio" : "");
	print_row("store_resume_due", f, nsizes, offsetof(struct figures, resume));
	print_row("store_due, first batch", f, nsizes, offsetof(struct figures, first));
	print_row("store_due, first batch, wall", f, nsizes, offsetof(struct figures, first_wall));
	print_row("store_next_due_after", f, nsizes, offsetof(struct figures, next));
	print_row("drain: store_due queries", f, nsizes, offsetof(struct figures, drain_q));
	print_row("drain: queries + defers", f, nsizes, offsetof(struct figures, drain));
	print_row("drain: queries + defers, wall", f, nsizes, offsetof(struct figures, drain_wall));
	if (f[0].drain_server >= 0)
		print_row("drain: the server's CPU", f, nsizes, offsetof(struct figures, drain_server));
	for (size_t i = 0; i < nsizes; i++)
		printf("%ld: %s %.1f s; drained %zu due in %zu batches\n", f[i].n,
		       f[i].build > 0 ? "built in" : "reused (-R), built earlier;", f[i].build,
		       f[i].drained, f[i].batches);
	return 0;
}
