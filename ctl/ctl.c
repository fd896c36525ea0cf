/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctl.c - the run context of cadencectl: diagnostics, option scanning,
 * configuration and store opening, argument checks. See ctl.h.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

static void vmsg(const struct ctl *c, const char *fmt, va_list ap)
{
	fputs("cadencectl: ", stderr);
	if (c != NULL && c->cmd != NULL)
		fprintf(stderr, "%s: ", c->cmd);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int ctl_fail(const struct ctl *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(c, fmt, ap);
	va_end(ap);
	return CTL_FAIL;
}

int ctl_usage_error(const struct ctl *c, const char *usage, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(c, fmt, ap);
	va_end(ap);
	if (usage != NULL)
		fprintf(stderr, "usage: cadencectl %s\n", usage);
	return CTL_USAGE;
}

int ctl_help(const char *usage)
{
	printf("usage: cadencectl %s\n", usage);
	return CTL_OK;
}

int ctl_dispatch_group(struct ctl *c, const char *group, const struct ctl_sub *subs,
		       size_t nsubs, int argc, char **argv)
{
	size_t i;
	const char *name = argc > 1 ? argv[1] : NULL;

	if (name == NULL || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
	    strcmp(name, "help") == 0) {
		FILE *fp = name ? stdout : stderr;
		for (i = 0; i < nsubs; i++)
			fprintf(fp, "%s cadencectl %s\n", i ? "      " : "usage:", subs[i].usage);
		return name ? CTL_OK : CTL_USAGE;
	}
	for (i = 0; i < nsubs; i++) {
		if (strcmp(name, subs[i].name) == 0) {
			char *cmd = xasprintf("%s %s", group, name);
			int rc;
			c->cmd = cmd;
			rc = subs[i].fn(c, argc - 1, argv + 1);
			c->cmd = NULL;
			free(cmd);
			return rc;
		}
	}
	c->cmd = group;
	fprintf(stderr, "cadencectl: %s: unknown command '%s'\n", group, name);
	for (i = 0; i < nsubs; i++)
		fprintf(stderr, "%s cadencectl %s\n", i ? "      " : "usage:", subs[i].usage);
	return CTL_USAGE;
}

/* ---- options ---- */

#define CTL_MAX_LONGOPTS 32

int ctl_getopt(struct ctl *c, int argc, char **argv, const char *shortopts,
	       const struct option *longopts)
{
	static char **scan_argv;
	struct option all[CTL_MAX_LONGOPTS];
	char *opts;
	size_t n = 0;
	int ch;

	if (scan_argv != argv) {
		scan_argv = argv;
		optind = 0;     /* glibc: re-initialize the scanner fully */
		free(c->pos);
		c->pos = xcalloc((size_t)argc + 1, sizeof(*c->pos));
		c->npos = 0;
	}
	for (; longopts != NULL && longopts[n].name != NULL; n++) {
		if (n + 3 >= CTL_MAX_LONGOPTS)
			abort();   /* a programming error, caught by the tests */
		all[n] = longopts[n];
	}
	all[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	all[n++] = (struct option){ "json", no_argument, NULL, 'J' };
	all[n] = (struct option){ NULL, 0, NULL, 0 };

	/* "-": positionals come back as 1, in order; ":": a missing value is ':'. */
	opts = xasprintf("-:%sh", shortopts ? shortopts : "");
	opterr = 0;
	for (;;) {
		ch = getopt_long(argc, argv, opts, all, NULL);
		if (ch == 1) {
			c->pos[c->npos++] = optarg;
			continue;
		}
		if (ch == 'J') {
			c->json = 1;
			continue;
		}
		break;
	}
	free(opts);
	if (ch == -1) {
		/* After "--" the rest are positionals. */
		while (optind < argc)
			c->pos[c->npos++] = argv[optind++];
		scan_argv = NULL;
		return -1;
	}
	if (ch == ':') {
		ctl_fail(c, "option '%s' needs a value", argv[optind - 1]);
		scan_argv = NULL;
		return '?';
	}
	if (ch == '?') {
		/* A long option (unknown, or given a value it does not take)
		 * is named as typed; a short one by its letter. */
		const char *arg = optind > 0 ? argv[optind - 1] : "";
		if (strncmp(arg, "--", 2) == 0 && optopt != 0 && strchr(arg, '=') != NULL)
			ctl_fail(c, "option '%s' takes no value", arg);
		else if (strncmp(arg, "--", 2) == 0 || optopt == 0)
			ctl_fail(c, "unknown option '%s'", arg);
		else
			ctl_fail(c, "unknown option '-%c'", optopt);
		scan_argv = NULL;
		return '?';
	}
	return ch;
}

int ctl_plain_args(struct ctl *c, int argc, char **argv, const char *usage, int min, int max,
		   const char *what)
{
	int ch;

	while ((ch = ctl_getopt(c, argc, argv, "", NULL)) != -1) {
		if (ch == 'h')
			return ctl_help(usage);
		return CTL_USAGE;   /* ctl_getopt named the option */
	}
	if (c->npos < min || c->npos > max)
		return ctl_usage_error(c, usage, "%s", what);
	return CTL_GO;
}

/* ---- configuration and store ---- */

int ctl_conf(struct ctl *c)
{
	struct cad_err err;
	const char *path = c->conf_path;

	if (c->conf_loaded)
		return 0;
	if (path == NULL && access(CONF_DEFAULT_PATH, F_OK) == 0)
		path = CONF_DEFAULT_PATH;
	if (path == NULL) {
		conf_defaults(&c->conf);
	} else if (conf_load(path, &c->conf, &err) != 0) {
		/* conf_load leaves the defaults in place of a bad file. */
		conf_free(&c->conf);
		ctl_fail(c, "%s", err.msg);
		return -1;
	}
	c->conf_loaded = 1;
	return 0;
}

int ctl_store(struct ctl *c, int flags)
{
	struct cad_err err;
	const char *path;

	if (c->st != NULL)
		return 0;
	if (ctl_conf(c) != 0)
		return -1;
	path = c->db_path ? c->db_path : c->conf.database;
	if (path == NULL || *path == '\0') {
		ctl_fail(c, "no database: give -d PATH or set Database in cadence.conf");
		return -1;
	}
	if (!(flags & STORE_CREATE) && !store_is_server(path) && access(path, F_OK) != 0) {
		ctl_fail(c, "%s: %s (create it with 'cadencectl init')", path, strerror(errno));
		return -1;
	}
	if (store_open(&c->st, path, flags, &err) != 0) {
		c->st = NULL;
		if ((flags & STORE_READONLY) && ctl_older_schema(err.msg) >= 0)
			ctl_fail(c, "%s (run 'cadencectl init')", err.msg);
		else
			ctl_fail(c, "%s", err.msg);
		return -1;
	}
	return 0;
}

int ctl_older_schema(const char *msg)
{
	/* store_open()'s refusal reads "store: PATH: schema version N is
	 * older than this cadence's (version M); ...". PATH may contain
	 * anything, so the last occurrence is the one. */
	static const char key[] = "schema version ";
	const char *p = NULL, *q;
	int v, used = 0;

	for (q = msg; (q = strstr(q, key)) != NULL; q += sizeof(key) - 1)
		p = q;
	if (p == NULL || sscanf(p + sizeof(key) - 1, "%d is older than%n", &v, &used) != 1 ||
	    used == 0 || v < 0)
		return -1;
	return v;
}

/* ---- argument checks ---- */

void ctl_bad_arg(const struct ctl *c, const char *what, const char *arg, size_t max,
		 const char *fmt, ...)
{
	struct sbuf b, why;
	va_list ap;

	sbuf_init(&b);
	sbuf_init(&why);
	cad_printable(&b, arg ? arg : "", max);
	va_start(ap, fmt);
	sbuf_vaddf(&why, fmt, ap);
	va_end(ap);
	ctl_fail(c, "%s '%s': %s", what, b.s, why.s);
	sbuf_free(&b);
	sbuf_free(&why);
}

int ctl_parse_addr(const struct ctl *c, const char *what, const char *arg, char **out)
{
	if (arg == NULL || !cad_addr_valid(arg)) {
		ctl_bad_arg(c, what, arg, 200, "not a valid mail address");
		return -1;
	}
	*out = xstrdup(arg);
	cad_addr_normalize(*out);
	return 0;
}

int ctl_parse_time(const struct ctl *c, const char *what, const char *arg, cad_time_t *out)
{
	if (cad_time_parse(arg, out) != 0) {
		ctl_bad_arg(c, what, arg, 200, "not a time (use 2026-12-01T09:00:00Z, "
			    "2026-12-01 09:00 or 2026-12-01)");
		return -1;
	}
	return 0;
}

int ctl_parse_int(const struct ctl *c, const char *what, const char *arg, long min, long max,
		  long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < min || v > max) {
		ctl_bad_arg(c, what, arg, 100, "not a number from %ld to %ld", min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int ctl_parse_id(const struct ctl *c, const char *what, const char *arg, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v <= 0) {
		ctl_bad_arg(c, what, arg, 100, "not an id (a positive number)");
		return -1;
	}
	*out = v;
	return 0;
}

int ctl_read_file(const struct ctl *c, const char *what, const char *path, size_t max,
		  char **out)
{
	struct cad_err err = { "" };

	if (cad_read_file(path, max, CAD_READ_TEXT, out, NULL, &err) != 0)
		return ctl_fail(c, "%s %s", what, err.msg), -1;
	return 0;
}
