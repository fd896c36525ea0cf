/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_classify.c - `cadencectl classify [--json] [--mail-from ADDR]
 * [--rcpt ADDR] FILE...|-`: runs the inbound classifier
 * (src/classify/classify.h) on each file, or on standard input for "-",
 * and prints one verdict per message: "FILE: class details (rule name)",
 * or with --json one JSON object per line with every field plus "file".
 * --mail-from and --rcpt give the SMTP envelope as cadence-milter would
 * ('<>' or '' is the null sender); a --rcpt whose local part starts with
 * the configured BouncePrefix and '+' is cadence's VERP address.
 *
 * argv[0] is "classify". Reads at most CLASSIFY_MAX_INPUT bytes of each file
 * (the classifier's own cap); a file that cannot be read is reported on
 * stderr with its name and the next one is classified.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classify.h"
#include "cmd_classify.h"
#include "ctl.h"
#include "util.h"

#define USAGE "classify [--json] [--mail-from ADDR|'<>'] [--rcpt ADDR] FILE...|-"

static int read_all(FILE *f, struct sbuf *b)
{
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b->len < CLASSIFY_MAX_INPUT)
			sbuf_add(b, chunk, n < CLASSIFY_MAX_INPUT - b->len ? n : CLASSIFY_MAX_INPUT - b->len);
	}
	return ferror(f) ? -1 : 0;
}

/* A regular file read with read(2) into one buffer of its size (no
 * stdio copy, no growing); at most CLASSIFY_MAX_INPUT bytes, as read_all().
 * Anything else (a pipe, a directory: its error) goes through read_all(). */
static int read_file(int fd, struct sbuf *b)
{
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
		FILE *f = fdopen(fd, "rb");
		if (f == NULL)
			return -1;
		int rc = read_all(f, b);
		int saved = errno;
		fclose(f);
		errno = saved;
		return rc;
	}
	size_t cap = (size_t)st.st_size < CLASSIFY_MAX_INPUT ? (size_t)st.st_size : CLASSIFY_MAX_INPUT;
	char *buf = xmalloc(cap + 1);
	size_t len = 0;
	for (;;) {
		if (len == cap) {
			if (cap >= CLASSIFY_MAX_INPUT)
				break;
			/* the file grew since fstat() */
			cap = cap * 2 < CLASSIFY_MAX_INPUT ? cap * 2 : CLASSIFY_MAX_INPUT;
			buf = xrealloc(buf, cap + 1);
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int saved = errno;
			free(buf);
			close(fd);
			errno = saved;
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	sbuf_free(b);
	b->s = buf;
	b->len = len;
	b->cap = cap + 1;
	return 0;
}

/* One line: {"file": name, then every field of the verdict}. A name
 * that is not valid UTF-8 is shown as cad_printable() makes it. */
static void print_json(const char *name, const struct verdict *v)
{
	char *line;
	json_t *o = json_object(), *file = json_string(name);

	if (file == NULL) {
		struct sbuf b;
		sbuf_init(&b);
		cad_printable(&b, name, 4096);
		file = json_string(b.s);
		sbuf_free(&b);
	}
	json_object_set_new(o, "file", file);
	classify_json_fill(o, v);   /* into the object: no second one to copy */
	line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	printf("%s\n", line ? line : "{}");
	free(line);
	json_decref(o);
}

/* Is rcpt ("a@b" or "<a@b>") cadence's VERP address (BouncePrefix+...)? */
static int is_verp(struct ctl *c, const char *rcpt)
{
	if (ctl_conf(c) != 0)
		return -1;
	const char *bp = c->conf.bounce_prefix ? c->conf.bounce_prefix : "bounces";
	size_t k = strlen(bp);
	if (*rcpt == '<')
		rcpt++;
	return k > 0 && strncasecmp(rcpt, bp, k) == 0 && rcpt[k] == '+';
}

int cmd_classify(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mail-from", required_argument, NULL, 'f' },
		{ "rcpt", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct classify_envelope env = { NULL, NULL, 0 };
	int ch, rc, have_env = 0;

	while ((ch = ctl_getopt(c, argc, argv, "", longopts)) != -1) {
		switch (ch) {
		case 'h': return ctl_help(USAGE);
		case 'f': env.mail_from = optarg; have_env = 1; break;
		case 'r': env.rcpt = optarg; have_env = 1; break;
		default: return CTL_USAGE;
		}
	}
	if (c->npos < 1)
		return ctl_usage_error(c, USAGE, "needs a FILE (or - for standard input)");
	if (env.rcpt != NULL) {
		int verp = is_verp(c, env.rcpt);
		if (verp < 0)
			return CTL_FAIL;
		env.rcpt_is_verp = verp;
	}
	rc = CTL_OK;
	for (int i = 0; i < c->npos; i++) {
		const char *name = c->pos[i];
		int is_stdin = strcmp(name, "-") == 0;
		int fd = is_stdin ? -1 : open(name, O_RDONLY | O_CLOEXEC);
		struct sbuf b, safe;

		sbuf_init(&safe);
		cad_printable(&safe, name, 512);
		if (!is_stdin && fd < 0) {
			ctl_fail(c, "%s: %s", safe.s, strerror(errno));
			sbuf_free(&safe);
			rc = CTL_FAIL;
			continue;
		}
		sbuf_init(&b);
		int err = is_stdin ? read_all(stdin, &b) : read_file(fd, &b);
		int saved = errno;
		if (err < 0) {
			ctl_fail(c, "%s: %s", safe.s, strerror(saved));
			sbuf_free(&b);
			sbuf_free(&safe);
			rc = CTL_FAIL;
			continue;
		}
		struct verdict *v = classify_message_env(b.s, b.len, have_env ? &env : NULL);
		sbuf_free(&b);
		if (c->json) {
			print_json(name, v);
		} else {
			char *line = classify_json_line(v);
			printf("%s: %s\n", safe.s, line);
			free(line);
		}
		sbuf_free(&safe);
		classify_verdict_free(v);
	}
	return rc;
}
