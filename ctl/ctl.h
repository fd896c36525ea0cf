/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctl.h - what every cadencectl command shares: the run context (options,
 * configuration, store, clock, actor), argument checks and diagnostics.
 *
 * Guarantees: a command reports a failure as one line on stderr,
 * "cadencectl: <command>: <what>: <why>", and returns CTL_FAIL (1); a bad
 * invocation prints the same kind of line (followed by the command's
 * "usage:" line when the arguments, not an option, were wrong) and returns
 * CTL_USAGE (2). The clock is read once, in main, unless --now replaced
 * it, so that every event of one invocation carries the same time.
 */
#ifndef CADENCE_CTL_H
#define CADENCE_CTL_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "conf.h"
#include "store.h"
#include "util.h"

#define CTL_OK 0
#define CTL_FAIL 1
#define CTL_USAGE 2

struct ctl {
	const char *conf_path;   /* -c, or NULL */
	const char *db_path;     /* -d, or NULL: the Database key decides */
	int json;                /* --json */
	cad_time_t now;          /* --now, or the clock */
	char *actor;             /* "cli:<login name>" */
	const char *cmd;         /* "user add": the prefix of messages */
	struct cad_conf conf;
	int conf_loaded;
	struct store *st;
	char **pos;              /* ctl_getopt: the positional arguments */
	int npos;
};

/* A command: argv[0] is the command's own name ("add" for "user add"). */
typedef int (*ctl_cmd_fn)(struct ctl *c, int argc, char **argv);

struct ctl_sub {
	const char *name;
	ctl_cmd_fn fn;
	const char *usage;       /* one line after "cadencectl " */
};

/* Diagnostics: "cadencectl: <c->cmd>: <message>" on stderr. */
int ctl_fail(const struct ctl *c, const char *fmt, ...) CAD_PRINTF(2, 3);
int ctl_usage_error(const struct ctl *c, const char *usage, const char *fmt, ...)
	CAD_PRINTF(3, 4);
/* Prints "usage: cadencectl <usage>" to stdout (for --help). */
int ctl_help(const char *usage);

/* Loads the configuration (once): -c, else the default path when it
 * exists, else the built-in defaults. */
int ctl_conf(struct ctl *c);
/* Opens the store (once): -d, else the Database key. Without
 * STORE_CREATE, a missing file is an error that says to run init.
 * Commands that only read pass STORE_READONLY: they never upgrade a file
 * (one of an older schema is refused, saying to run init) and never take
 * the write lock the daemons need. */
int ctl_store(struct ctl *c, int flags);
/* The schema version N when msg is the store's refusal to open a file of
 * an older version read-only, else -1. The store has no call that reads a
 * file's version without upgrading it, so "init" learns the version it
 * upgrades from this way (see cmd_init.c). */
int ctl_older_schema(const char *msg);

/* Runs the sub-command named argv[1] of a command group ("user add"). */
int ctl_dispatch_group(struct ctl *c, const char *group, const struct ctl_sub *subs,
		       size_t nsubs, int argc, char **argv);

/* getopt_long over a command's own arguments (argv[0] is the command's
 * name), with --help and --json added. Options and positional arguments
 * may be mixed; the positionals are collected, in order, into c->pos and
 * c->npos. Returns the next option, 'h' for --help, -1 at the end, or '?'
 * after printing a usage error (unknown option, missing value). The first
 * call on a new argv starts a fresh scan. */
int ctl_getopt(struct ctl *c, int argc, char **argv, const char *shortopts,
	       const struct option *longopts);

/* For a command with no options of its own: scans argv as ctl_getopt
 * does (--help, --json), then checks that it got between min and max
 * positional arguments, else a usage error whose text is `what` ("needs
 * exactly one ADDRESS"). Returns CTL_GO when the command should go on
 * with c->pos, else the exit code to return: CTL_OK after --help,
 * CTL_USAGE after a usage error. */
#define CTL_GO (-1)
int ctl_plain_args(struct ctl *c, int argc, char **argv, const char *usage, int min, int max,
		   const char *what);

/* A bad argument: "cadencectl: <command>: WHAT 'ARG': <why>", ARG made
 * printable (control bytes escaped) and cut after max characters, so that
 * what a user typed cannot paint the terminal. */
void ctl_bad_arg(const struct ctl *c, const char *what, const char *arg, size_t max,
		 const char *fmt, ...) CAD_PRINTF(5, 6);

/* Argument checks; each prints the error naming the argument and returns -1. */
int ctl_parse_addr(const struct ctl *c, const char *what, const char *arg, char **out);
int ctl_parse_time(const struct ctl *c, const char *what, const char *arg, cad_time_t *out);
int ctl_parse_int(const struct ctl *c, const char *what, const char *arg, long min, long max,
		  long *out);
int ctl_parse_id(const struct ctl *c, const char *what, const char *arg, int64_t *out);
/* Reads a small text file whole (at most max bytes, no NUL byte) into *out
 * with cad_read_file(); the error names what and the path. */
int ctl_read_file(const struct ctl *c, const char *what, const char *path, size_t max,
		  char **out);

/* ---- the command groups ---- */
int cmd_init(struct ctl *c, int argc, char **argv);
int cmd_config(struct ctl *c, int argc, char **argv);
int cmd_user(struct ctl *c, int argc, char **argv);
int cmd_sequence(struct ctl *c, int argc, char **argv);
int cmd_contact(struct ctl *c, int argc, char **argv);
int cmd_enroll(struct ctl *c, int argc, char **argv);
int cmd_unenroll(struct ctl *c, int argc, char **argv);
int cmd_pause(struct ctl *c, int argc, char **argv);
int cmd_resume(struct ctl *c, int argc, char **argv);
int cmd_status(struct ctl *c, int argc, char **argv);
int cmd_events(struct ctl *c, int argc, char **argv);
int cmd_suppress(struct ctl *c, int argc, char **argv);
int cmd_task(struct ctl *c, int argc, char **argv);
int cmd_holiday(struct ctl *c, int argc, char **argv);
int cmd_why(struct ctl *c, int argc, char **argv);
int cmd_report(struct ctl *c, int argc, char **argv);
/* "sequence preview" (cmd_preview.c). */
int ctl_preview(struct ctl *c, int argc, char **argv, const char *usage);

#endif
