/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * main.c - cadencectl: global options, the clock, the actor, and the table
 * of commands. Each command group lives in its own ctl/cmd_*.c file.
 *
 * Guarantees: the exit status is 0 on success, 1 when a command failed
 * (one line on stderr says why), 2 on a bad invocation.
 */
#include "config.h"

#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_classify.h"
#include "cmd_token.h"
#include "cmd_webhook.h"
#include "cmd_doctor.h"
#include "cmd_migrate.h"
#include "ctl.h"

struct ctl_cmd {
	const char *name;
	int (*fn)(struct ctl *c, int argc, char **argv);
	const char *summary;
};

static const struct ctl_cmd commands[] = {
	{ "init", cmd_init, "create or upgrade the database" },
	{ "config", cmd_config, "check the configuration and print the effective settings" },
	{ "doctor", cmd_doctor, "check the installation: store, secret, Postfix, keys" },
	{ "user", cmd_user, "add, list, show, disable, enable or delete reps" },
	{ "sequence", cmd_sequence, "import, list, show, lint or delete sequences" },
	{ "contact", cmd_contact, "import contacts from CSV, show one, set its region" },
	{ "enroll", cmd_enroll, "enroll contacts in a sequence as a rep" },
	{ "unenroll", cmd_unenroll, "stop enrollments, with a reason" },
	{ "pause", cmd_pause, "pause enrollments" },
	{ "resume", cmd_resume, "resume paused enrollments" },
	{ "status", cmd_status, "show enrollments and their next step" },
	{ "why", cmd_why, "say why an enrollment's next step has not gone yet" },
	{ "events", cmd_events, "show the event log" },
	{ "report", cmd_report, "replies, meetings, bounces, tasks per sequence, step or rep" },
	{ "suppress", cmd_suppress, "manage the suppression list" },
	{ "task", cmd_task, "list, complete or skip tasks" },
	{ "holiday", cmd_holiday, "import and list holiday calendars" },
	{ "classify", cmd_classify, "classify messages as the milter would" },
	{ "token", cmd_token, "add, list or revoke the HTTP API's access tokens" },
	{ "webhook", cmd_webhook, "add, list or remove webhooks; show their delivery log" },
	{ "migrate", cmd_migrate, "copy the store to another database (SQLite, PostgreSQL)" },
};

static void usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: cadencectl [-c cadence.conf] [-d database] [--json] [--now TIME] "
		    "COMMAND [ARGS...]\n\ncommands:\n");
	for (i = 0; i < CAD_ARRAY_LEN(commands); i++)
		fprintf(fp, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(fp, "\n'cadencectl COMMAND --help' shows a command's usage; "
		    "see cadencectl(8).\n");
}

static char *actor_name(void)
{
	struct passwd *pw = getpwuid(getuid());

	if (pw != NULL && pw->pw_name != NULL && *pw->pw_name)
		return xasprintf("cli:%s", pw->pw_name);
	return xasprintf("cli:uid%lu", (unsigned long)getuid());
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "database", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'J' },
		{ "now", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl c;
	const char *now_arg = NULL;
	int ch, rc;
	size_t i;

	memset(&c, 0, sizeof(c));
	cad_log_open("cadencectl", 0, 0);
	/* "+": stop at the command; its options are its own. */
	while ((ch = getopt_long(argc, argv, "+c:d:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': c.conf_path = optarg; break;
		case 'd': c.db_path = optarg; break;
		case 'J': c.json = 1; break;
		case 'N': now_arg = optarg; break;
		case 'h': usage(stdout); return CTL_OK;
		case 'V': printf("cadencectl %s\n", PACKAGE_VERSION); return CTL_OK;
		default: usage(stderr); return CTL_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return CTL_USAGE;
	}
	if (strcmp(argv[optind], "help") == 0) {
		usage(stdout);
		return CTL_OK;
	}
	if (now_arg != NULL) {
		if (ctl_parse_time(&c, "--now", now_arg, &c.now) != 0)
			return CTL_USAGE;
	} else {
		c.now = cad_now();
	}
	c.actor = actor_name();

	rc = -1;
	for (i = 0; i < CAD_ARRAY_LEN(commands); i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			c.cmd = commands[i].name;
			rc = commands[i].fn(&c, argc - optind, argv + optind);
			break;
		}
	}
	if (rc == -1) {
		fprintf(stderr, "cadencectl: unknown command '%s'\n", argv[optind]);
		usage(stderr);
		rc = CTL_USAGE;
	}
	if (c.st != NULL)
		store_close(c.st);
	if (c.conf_loaded)
		conf_free(&c.conf);
	free(c.pos);
	free(c.actor);
	if (fflush(stdout) != 0 && rc == CTL_OK) {
		fprintf(stderr, "cadencectl: cannot write the output\n");
		rc = CTL_FAIL;
	}
	return rc;
}
