/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_classify.c - classifier throughput: messages per second over every
 * file of a corpus directory (recursively), on one core, and the peak
 * resident memory of the process. Files are read into memory first, so
 * the figure is the classifier's alone, not the disk's. The thread's CPU
 * time is printed too: on a shared machine it moves less than the wall
 * clock.
 *
 *   bench/bench_classify [DIR] [ROUNDS]     (default ../shared/corpus, 5)
 *   bench/bench_classify --json FILE...
 *
 * --json is the classifier alone in a process, for bench_sisimai.sh: it
 * reads and classifies each FILE and prints the line `cadencectl classify
 * --json` prints, in a program linked with the classifier's libraries
 * only (what a classify-only binary would cost, start-up included).
 *
 * A benchmark, never a test: it prints numbers and asserts nothing.
 */
#include "config.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "classify.h"
#include "util.h"

struct msg {
	char *data;
	size_t len;
};

static struct msg *msgs;
static size_t nmsgs;

static void load(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (d == NULL || depth > 8) {
		if (d)
			closedir(d);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char *p = xasprintf("%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			load(p, depth + 1);
		} else if (stat(p, &st) == 0 && S_ISREG(st.st_mode) &&
		    strcmp(e->d_name, "EXPECTED.tsv") != 0 && strcmp(e->d_name, "SOURCE.txt") != 0 &&
		    strcmp(e->d_name, "README.md") != 0) {
			FILE *f = fopen(p, "rb");
			if (f != NULL) {
				struct sbuf b;
				char buf[65536];
				size_t n;
				sbuf_init(&b);
				while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
					sbuf_add(&b, buf, n);
				fclose(f);
				msgs = xrealloc(msgs, (nmsgs + 1) * sizeof(*msgs));
				msgs[nmsgs].len = b.len;
				msgs[nmsgs].data = sbuf_detach(&b);
				nmsgs++;
			}
		}
		free(p);
	}
	closedir(d);
}

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* The CPU time of this thread: on a shared machine the wall clock counts
 * the other processes' turns too. */
static double cpu_s(void)
{
	return clock_s(CLOCK_THREAD_CPUTIME_ID);
}

/* --json FILE...: one JSON line per file, as cadencectl classify --json */
static int process_mode(int argc, char **argv)
{
	int rc = 0;
	for (int i = 2; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (f == NULL) {
			perror(argv[i]);
			rc = 1;
			continue;
		}
		struct sbuf b;
		char buf[65536];
		size_t n;
		sbuf_init(&b);
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			if (b.len < CLASSIFY_MAX_INPUT)
				sbuf_add(&b, buf, n < CLASSIFY_MAX_INPUT - b.len ? n : CLASSIFY_MAX_INPUT - b.len);
		fclose(f);
		struct verdict *v = classify_message(b.s, b.len);
		sbuf_free(&b);
		json_t *o = json_object();
		json_object_set_new(o, "file", json_string(argv[i]));
		classify_json_fill(o, v);
		char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
		printf("%s\n", line ? line : "{}");
		free(line);
		json_decref(o);
		classify_verdict_free(v);
	}
	return rc;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--json") == 0)
		return process_mode(argc, argv);

	const char *dir = argc > 1 ? argv[1] : "../shared/corpus";
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	size_t bytes = 0;

	if (rounds < 1)
		rounds = 1;
	load(dir, 0);
	if (nmsgs == 0) {
		fprintf(stderr, "bench_classify: no messages under %s\n", dir);
		return 1;
	}
	for (size_t i = 0; i < nmsgs; i++)
		bytes += msgs[i].len;
	/* one warm-up round (GMime's one-time initialisation, caches) */
	for (size_t i = 0; i < nmsgs; i++)
		classify_verdict_free(classify_message(msgs[i].data, msgs[i].len));
	double t0 = now_s(), c0 = cpu_s();
	for (int r = 0; r < rounds; r++)
		for (size_t i = 0; i < nmsgs; i++)
			classify_verdict_free(classify_message(msgs[i].data, msgs[i].len));
	double dt = now_s() - t0, dc = cpu_s() - c0;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("messages: %zu (%.1f MiB) x %d rounds in %.3f s\n", nmsgs,
	    (double)bytes / 1048576.0, rounds, dt);
	printf("throughput: %.0f messages/s, %.1f MiB/s (one core)\n",
	    (double)nmsgs * rounds / dt, (double)bytes * rounds / 1048576.0 / dt);
	printf("cpu time: %.3f s, %.0f messages per CPU second\n", dc,
	    (double)nmsgs * rounds / dc);
	printf("peak RSS: %.1f MiB (corpus held in memory: %.1f MiB)\n",
	    (double)ru.ru_maxrss / 1024.0, (double)bytes / 1048576.0);
	for (size_t i = 0; i < nmsgs; i++)
		free(msgs[i].data);
	free(msgs);
	return 0;
}
