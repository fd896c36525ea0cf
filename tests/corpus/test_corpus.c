/*
 * test_corpus.c - measures the inbound classifier on real mail.
 *
 * Reads the EXPECTED.tsv (columns: source, file, class, hard_or_soft,
 * bounced_recipient, reason; one row per bounced recipient) of each
 * collection: $CADENCE_CORPUS (the shared corpus, ../shared/corpus) and
 * $CADENCE_SRCDIR/tests/corpus (cadence's own, issue 13), classifies every
 * file named, and prints a confusion matrix, per-class precision and
 * recall, the bounce recipient and hard/soft agreement, and every file
 * whose verdict disagrees, so that each number can be explained; then one
 * line per collection. The floors hold on the union (issue 5, issue 13:
 * no bounce, delay, auto-reply or challenge taken for a reply in any
 * collection). Exits 1 below a floor, 77 (skip) when no corpus is there.
 *
 * The corpus speaks Sisimai's vocabulary: it has no "delay" class (a delay
 * warning is a soft bounce with reason "expired" there) and files ARF
 * reports as class "other" with reason "feedback:<type>". So a verdict of
 * delay counts as bounce, and complaint as other, when comparing classes;
 * the matrix still shows them in their own columns. An unsubscribe verdict
 * on a row the corpus calls feedback:opt-out counts as right (its README
 * calls that an unsubscribe by the receiver's provider).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "classify.h"
#include "util.h"

#define NEXP 7
static const char *const exp_names[NEXP] = {
	"reply", "autoreply", "bounce", "unsubscribe", "meeting", "other", "challenge"
};
#define NPRED 9
static const enum classify_class pred_order[NPRED] = {
	CLASSIFY_REPLY, CLASSIFY_AUTOREPLY, CLASSIFY_BOUNCE, CLASSIFY_DELAY, CLASSIFY_UNSUBSCRIBE,
	CLASSIFY_MEETING, CLASSIFY_COMPLAINT, CLASSIFY_CHALLENGE, CLASSIFY_OTHER
};

struct row {
	char *hs;       /* "hard", "soft" or "" */
	char *rcpt;
	char *reason;
};

struct file {
	char *path;     /* dir/source/file */
	int coll;       /* index in the collections */
	int exp;        /* index in exp_names */
	char *reason;   /* first row's reason */
	struct row *rows;
	size_t nrows;
};

static int exp_index(const char *s)
{
	for (int i = 0; i < NEXP; i++)
		if (strcmp(s, exp_names[i]) == 0)
			return i;
	return -1;
}

/* The corpus class a verdict corresponds to. */
static int mapped(enum classify_class c)
{
	switch (c) {
	case CLASSIFY_REPLY: return 0;
	case CLASSIFY_AUTOREPLY: return 1;
	case CLASSIFY_BOUNCE: case CLASSIFY_DELAY: return 2;
	case CLASSIFY_UNSUBSCRIBE: return 3;
	case CLASSIFY_MEETING: return 4;
	case CLASSIFY_CHALLENGE: return 6;
	case CLASSIFY_COMPLAINT: case CLASSIFY_OTHER: break;
	}
	return 5;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	struct sbuf b;
	char chunk[65536];
	size_t n;
	sbuf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len < 2 * CLASSIFY_MAX_INPUT)
		sbuf_add(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return sbuf_detach(&b);
}

static char *field(char **p)
{
	char *s = *p;
	if (s == NULL)
		return xstrdup("");
	char *tab = strchr(s, '\t');
	if (tab) {
		*tab = '\0';
		*p = tab + 1;
	} else {
		*p = NULL;
	}
	return xstrdup(s);
}

/* Appends the files of dir's EXPECTED.tsv to files[0..*nfiles); -1 when
 * it cannot be read. */
static int load(const char *dir, int coll, struct file **filesp, size_t *nfiles)
{
	char *path = xasprintf("%s/EXPECTED.tsv", dir);
	size_t len;
	char *tsv = read_file(path, &len);
	free(path);
	if (tsv == NULL)
		return -1;
	struct file *files = *filesp;
	size_t n = *nfiles, first = *nfiles;
	char *save = NULL;
	int lineno = 0;
	for (char *line = strtok_r(tsv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (lineno++ == 0)
			continue; /* header */
		char *p = line;
		char *src = field(&p), *fn = field(&p), *cls = field(&p);
		char *hs = field(&p), *rcpt = field(&p), *reason = field(&p);
		char *full = xasprintf("%s/%s/%s", dir, src, fn);
		free(src);
		free(fn);
		if (n == first || strcmp(files[n - 1].path, full) != 0) {
			files = xrealloc(files, (n + 1) * sizeof(*files));
			memset(&files[n], 0, sizeof(files[n]));
			files[n].path = full;
			files[n].coll = coll;
			files[n].exp = exp_index(cls);
			files[n].reason = xstrdup(reason);
			if (files[n].exp < 0) {
				fprintf(stderr, "EXPECTED.tsv:%d: unknown class '%s'\n", lineno, cls);
				exit(99);
			}
			n++;
		} else {
			free(full);
		}
		struct file *f = &files[n - 1];
		f->rows = xrealloc(f->rows, (f->nrows + 1) * sizeof(*f->rows));
		f->rows[f->nrows++] = (struct row){ hs, rcpt, reason };
		free(cls);
	}
	free(tsv);
	*nfiles = n;
	*filesp = files;
	return 0;
}

static const struct classify_rcpt *find_rcpt(const struct verdict *v, const char *addr)
{
	for (size_t i = 0; i < v->nrcpts; i++)
		if (strcasecmp(v->rcpts[i].address, addr) == 0)
			return &v->rcpts[i];
	return NULL;
}

static double pct(long a, long b)
{
	return b ? 100.0 * (double)a / (double)b : 100.0;
}

#define NCOLL 2
struct coll {
	char *dir;
	long files, bounces, bounces_found, rc_rows, rc_ok, machine_as_reply;
};

int main(void)
{
	struct coll colls[NCOLL];
	const char *env = getenv("CADENCE_CORPUS");
	const char *src = getenv("CADENCE_SRCDIR");
	int ncoll = 0;

	memset(colls, 0, sizeof(colls));
	colls[0].dir = env && *env ? xstrdup(env) : xasprintf("%s/../shared/corpus", src ? src : "..");
	colls[1].dir = xasprintf("%s/tests/corpus", src ? src : "..");
	size_t nfiles = 0;
	struct file *files = NULL;
	for (int c = 0; c < NCOLL; c++) {
		if (load(colls[c].dir, c, &files, &nfiles) == 0) {
			ncoll++;
		} else {
			printf("note: no corpus at %s (%s)\n", colls[c].dir, strerror(errno));
		}
	}
	if (ncoll == 0) {
		printf("SKIP: no corpus; configure --with-corpus=DIR or set CADENCE_CORPUS\n");
		for (int c = 0; c < NCOLL; c++)
			free(colls[c].dir);
		return 77;
	}

	long matrix[NEXP][NPRED] = { { 0 } };
	long tp[NEXP] = { 0 }, fp[NEXP] = { 0 }, fn[NEXP] = { 0 };
	long rc_rows = 0, rc_ok = 0, hs_rows = 0, hs_ok = 0, reason_rows = 0, reason_ok = 0;
	long accepted = 0, accepted_found = 0, false_accept = 0;
	long machine_as_reply = 0, reply_as_stop = 0, spurious_rcpts = 0;
	int problems = 0;

	printf("corpus: %s and %s, %zu files\n\n", colls[0].dir, colls[1].dir, nfiles);
	printf("disagreements (expected -> verdict, rule):\n");
	for (size_t i = 0; i < nfiles; i++) {
		struct file *f = &files[i];
		struct coll *co = &colls[f->coll];
		size_t len = 0;
		char *raw = read_file(f->path, &len);
		if (raw == NULL) {
			printf("  %s: cannot read\n", f->path + strlen(co->dir) + 1);
			problems++;
			continue;
		}
		struct verdict *v = classify_message(raw, len);
		free(raw);

		int m = mapped(v->cls);
		/* the corpus files a provider's opt-out as other/feedback:opt-out and
		 * calls it "an unsubscribe by the receiver's provider" (README) */
		if (v->cls == CLASSIFY_UNSUBSCRIBE && strcmp(f->reason, "feedback:opt-out") == 0)
			m = 5;
		int col = 0;
		while (pred_order[col] != v->cls)
			col++;
		matrix[f->exp][col]++;
		if (m == f->exp)
			tp[f->exp]++;
		else {
			fp[m]++;
			fn[f->exp]++;
		}
		if ((f->exp == 1 || f->exp == 2 || f->exp == 6) && v->cls == CLASSIFY_REPLY) {
			machine_as_reply++;
			co->machine_as_reply++;
		}
		co->files++;
		if (f->exp == 2) {
			co->bounces++;
			co->bounces_found += m == 2;
		}
		if (f->exp == 0 && v->cls != CLASSIFY_REPLY && v->cls != CLASSIFY_OTHER && v->cls != CLASSIFY_MEETING)
			reply_as_stop++;
		int is_accept = strcmp(f->reason, "itip-reply:ACCEPTED") == 0;
		int said_accept = v->cls == CLASSIFY_MEETING && v->partstat &&
		    strcasecmp(v->partstat, "ACCEPTED") == 0;
		if (is_accept) {
			accepted++;
			accepted_found += said_accept;
		} else if (said_accept) {
			false_accept++;
		}

		/* per-row bounce checks */
		int row_trouble = 0;
		if (f->exp == 2) {
			for (size_t r = 0; r < f->nrows; r++) {
				struct row *rw = &f->rows[r];
				const struct classify_rcpt *vr = rw->rcpt[0] ? find_rcpt(v, rw->rcpt) : NULL;
				if (rw->rcpt[0]) {
					rc_rows++;
					co->rc_rows++;
					if (vr && m == 2) {
						rc_ok++;
						co->rc_ok++;
					} else {
						row_trouble = 1;
					}
				}
				if (vr == NULL && v->nrcpts == 1 && f->nrows == 1)
					vr = &v->rcpts[0];
				if (rw->hs[0]) {
					hs_rows++;
					int want = strcmp(rw->hs, "hard") == 0;
					if (vr && m == 2 && vr->hard == want)
						hs_ok++;
					else
						row_trouble = 1;
				}
				if (rw->reason[0]) {
					reason_rows++;
					if (vr && vr->reason && strcmp(vr->reason, rw->reason) == 0)
						reason_ok++;
				}
			}
			if (m == 2 && v->nrcpts > f->nrows)
				spurious_rcpts += (long)(v->nrcpts - f->nrows);
		}
		if (m != f->exp || row_trouble) {
			printf("  %-55s %s -> %s (%s)", f->path + strlen(co->dir) + 1, exp_names[f->exp],
			    classify_verdict_class_name(v->cls), v->rule);
			if (f->exp == 2) {
				printf(" want");
				for (size_t r = 0; r < f->nrows; r++)
					printf(" %s/%s/%s", f->rows[r].rcpt, f->rows[r].hs, f->rows[r].reason);
				printf(" got");
				for (size_t r = 0; r < v->nrcpts; r++)
					printf(" %s/%s/%s", v->rcpts[r].address,
					    v->rcpts[r].hard ? "hard" : "soft", v->rcpts[r].reason);
			}
			printf("\n");
		}
		classify_verdict_free(v);
	}

	printf("\nconfusion matrix (rows: expected, columns: verdict; files):\n%-12s", "");
	for (int c = 0; c < NPRED; c++)
		printf("%12s", classify_verdict_class_name(pred_order[c]));
	printf("\n");
	for (int e = 0; e < NEXP; e++) {
		printf("%-12s", exp_names[e]);
		for (int c = 0; c < NPRED; c++)
			printf("%12ld", matrix[e][c]);
		printf("\n");
	}
	printf("note: mail written by a person is a reply for cadence even when it is a new\n"
	    "message (its reply_evidence field says \"none\"); the corpus calls those other.\n");
	printf("\nper class (delay counted as bounce, complaint as other):\n");
	printf("%-12s %8s %8s %8s %10s %8s\n", "class", "files", "tp", "fp", "precision", "recall");
	for (int e = 0; e < NEXP; e++)
		printf("%-12s %8ld %8ld %8ld %9.2f%% %7.2f%%\n", exp_names[e], tp[e] + fn[e], tp[e],
		    fp[e], pct(tp[e], tp[e] + fp[e]), pct(tp[e], tp[e] + fn[e]));

	double b_rec = pct(tp[2], tp[2] + fn[2]), b_prec = pct(tp[2], tp[2] + fp[2]);
	double a_rec = pct(tp[1], tp[1] + fn[1]);
	double r_ok = pct(rc_ok, rc_rows), h_ok = pct(hs_ok, hs_rows);
	printf("\nfloors:\n");
#define FLOOR(ok, ...) do { printf("  %s ", (ok) ? "ok  " : "FAIL"); printf(__VA_ARGS__); \
	printf("\n"); if (!(ok)) problems++; } while (0)
	FLOOR(b_rec >= 99.0, "bounce recall        %6.2f%% (>= 99%%)", b_rec);
	FLOOR(b_prec >= 99.0, "bounce precision     %6.2f%% (>= 99%%)", b_prec);
	FLOOR(r_ok >= 98.0, "bounced recipient    %6.2f%% (%ld/%ld rows, >= 98%%)", r_ok, rc_ok, rc_rows);
	FLOOR(h_ok >= 95.0, "hard/soft agreement  %6.2f%% (%ld/%ld rows, >= 95%%)", h_ok, hs_ok, hs_rows);
	FLOOR(a_rec >= 95.0, "auto-reply recall    %6.2f%% (>= 95%%)", a_rec);
	FLOOR(accepted_found == accepted, "meeting acceptances  %ld/%ld found", accepted_found, accepted);
	FLOOR(false_accept == 0, "acceptances invented %ld", false_accept);
	FLOOR(machine_as_reply == 0, "auto-replies/bounces/challenges taken for replies: %ld", machine_as_reply);
	FLOOR(reply_as_stop == 0, "replies taken for a stop/pause class:   %ld", reply_as_stop);
	printf("\nper collection:\n%-40s %6s %8s %14s %18s %14s\n", "collection", "files", "bounces",
	    "bounce recall", "bounced recipient", "machine->reply");
	for (int c = 0; c < NCOLL; c++) {
		struct coll *co = &colls[c];
		if (co->files == 0)
			continue;
		printf("%-40s %6ld %8ld %13.2f%% %10.2f%% (%ld/%ld) %8ld\n", co->dir, co->files,
		    co->bounces, pct(co->bounces_found, co->bounces), pct(co->rc_ok, co->rc_rows),
		    co->rc_ok, co->rc_rows, co->machine_as_reply);
		FLOOR(co->machine_as_reply == 0, "%s: bounces/delays/auto-replies/challenges taken for replies: %ld",
		    co->dir, co->machine_as_reply);
	}
	printf("\ninformational: reason agreement (soft truth) %.2f%% (%ld/%ld rows); "
	    "extra recipients reported %ld\n", pct(reason_ok, reason_rows), reason_ok, reason_rows,
	    spurious_rcpts);

	for (size_t i = 0; i < nfiles; i++) {
		for (size_t r = 0; r < files[i].nrows; r++) {
			free(files[i].rows[r].hs);
			free(files[i].rows[r].rcpt);
			free(files[i].rows[r].reason);
		}
		free(files[i].rows);
		free(files[i].path);
		free(files[i].reason);
	}
	free(files);
	for (int c = 0; c < NCOLL; c++)
		free(colls[c].dir);
	printf("\n%s\n", problems ? "FAIL" : "PASS");
	return problems ? 1 : 0;
}
