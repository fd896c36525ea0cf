/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * main.c - cadenced, the scheduler daemon: options, signals, the loop.
 *
 *   cadenced [-c cadence.conf] [-f] [-v] [-n] [--once] [--now=TIME]
 *
 * -n checks the configuration (and that the secret and the store open) and
 * exits; run as root with UserID set, it checks as that user (privileges
 * dropped first), with the rights the service will have. --once runs exactly one pass and exits; --now runs it as of TIME
 * (ISO 8601), so tests and demos can run weeks of a sequence in seconds.
 * SIGTERM/SIGINT let the message in flight finish, then exit; SIGHUP
 * reloads the configuration between passes.
 *
 * Several cadenced (on one host or several) may share a store: each pass
 * claims the due work it takes, under a lease (pass_claim.c), as this
 * process ("host:pid:random"). CADENCED_TEST_NO_CLAIMS=1 in the
 * environment turns the claims off: a test switch for the control of
 * tests/kill/pair.sh only, never for a running site (two instances would
 * then take the same work, and caps would not hold across them).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "daemon.h"
#include "api_http.h"
#include "http.h"
#include "cadenced.h"
#include "secret.h"
#include "store.h"
#include "submit.h"
#include "util.h"
#include "webhook.h"

static volatile sig_atomic_t got_stop;
static volatile sig_atomic_t got_hup;

static void on_stop(int sig)
{
	(void)sig;
	got_stop = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	got_hup = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cadenced [-c cadence.conf] [-f] [-v] [-n] [--once] [--now=TIME]\n"
		"  -c FILE     configuration file (default %s)\n"
		"  -f          stay in the foreground, log to stderr\n"
		"  -v          verbose logging\n"
		"  -n          check the configuration, the secret and the store, then exit\n"
		"  --once      run one scheduling pass and exit\n"
		"  --now=TIME  run as if it were TIME (ISO 8601, e.g. 2026-12-01T09:00:00Z)\n",
		CONF_DEFAULT_PATH);
}

/* Loads configuration, secret and store into s; on error s is unchanged. */
static int sched_load(struct sched *s, const char *conf_path, struct cad_err *err)
{
	struct cad_conf conf;
	struct cad_secret secret = { 0 };
	struct store *st = NULL;
	/* conf_load() starts from the defaults itself (and overwrites conf). */
	if (conf_load(conf_path, &conf, err) < 0) {
		conf_free(&conf);
		return -1;
	}
	if (conf.secret_file == NULL || *conf.secret_file == '\0') {
		cad_err_set(err, "%s: SecretFile is not set", conf_path);
		conf_free(&conf);
		return -1;
	}
	if (secret_load(conf.secret_file, &secret, err) < 0) {
		conf_free(&conf);
		return -1;
	}
	if (store_open(&st, conf.database, 0, err) < 0) {
		cad_err_prefix(err, "Database %s", conf.database);
		secret_free(&secret);
		conf_free(&conf);
		return -1;
	}
	if (s->store != NULL)
		store_close(s->store);
	conf_free(&s->conf);
	secret_free(&s->secret);
	s->conf = conf;
	s->secret = secret;
	s->store = st;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "once", no_argument, NULL, 'O' },
		{ "now", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf_path = CONF_DEFAULT_PATH;
	int foreground = 0, verbose = 0, check = 0, once = 0, c;
	int have_now = 0;
	char *check_user = NULL;
	cad_time_t fixed_now = 0;
	struct sched s;
	struct cad_err err = { "" };
	struct sigaction sa;
	struct http_srv *http = NULL;
	int rc = 0;

	while ((c = getopt_long(argc, argv, "c:fvnhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': conf_path = optarg; break;
		case 'f': foreground = 1; break;
		case 'v': verbose = 1; break;
		case 'n': check = 1; break;
		case 'O': once = 1; break;
		case 'N':
			if (cad_time_parse(optarg, &fixed_now) < 0) {
				fprintf(stderr, "cadenced: --now: not an ISO 8601 time: %s\n", optarg);
				return 2;
			}
			have_now = 1;
			break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("cadenced %s\n", PACKAGE_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	memset(&s, 0, sizeof(s));
	conf_defaults(&s.conf);
	s.actor = "cadenced";
	s.stop = &got_stop;
	s.batch = 500;
	cad_log_open("cadenced", 0, verbose);
	if (submit_global_init(&err) < 0) {
		fprintf(stderr, "cadenced: %s\n", err.msg);
		conf_free(&s.conf);
		return 1;
	}
	if (check && geteuid() == 0) {
		/* Check with the service's rights: become UserID first. */
		struct cad_conf pre;
		int r = conf_load(conf_path, &pre, &err);
		if (r == 0 && pre.user_id != NULL && *pre.user_id != '\0') {
			r = daemon_drop_privileges(pre.user_id, &err);
			if (r == 0)
				check_user = xstrdup(pre.user_id);
		}
		conf_free(&pre);
		if (r != 0) {
			fprintf(stderr, "cadenced: %s\n", err.msg);
			conf_free(&s.conf);
			return 1;
		}
	}
	if (sched_load(&s, conf_path, &err) < 0) {
		fprintf(stderr, "cadenced: %s\n", err.msg);
		conf_free(&s.conf);
		free(check_user);
		return 1;
	}
	if (check) {
		if (check_user == NULL && geteuid() == 0)
			printf("cadenced: %s: configuration, secret and store OK as root (no UserID: "
			       "run the check as the service user, e.g. runuser -u cadence -- "
			       "cadenced -n, to see its rights)\n", conf_path);
		else
			printf("cadenced: %s: configuration, secret and store OK as %s\n",
			       conf_path, check_user != NULL ? check_user : "this user");
		free(check_user);
		goto out;
	}
	/* -f and --once log to stderr; a detached daemon follows Syslog. */
	cad_log_open("cadenced", s.conf.syslog && !(foreground || once), verbose);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (!once) {
		if (!foreground && daemon_detach(&err) < 0)
			goto fail;
		if (s.conf.scheduler_pid_file && *s.conf.scheduler_pid_file
		    && daemon_pidfile_write(s.conf.scheduler_pid_file, &err) < 0)
			goto fail;
	}
	if (daemon_drop_privileges(s.conf.user_id, &err) < 0)
		goto fail;
	/* The claimer's id: after the detach, with the daemon's pid. */
	{
		const char *off = getenv("CADENCED_TEST_NO_CLAIMS");
		if (off != NULL && strcmp(off, "1") == 0)
			cad_log(CAD_LOG_WARN, "CADENCED_TEST_NO_CLAIMS=1: claims are off (a test "
				"switch: never run two such instances on one store)");
		else if (sched_claimer_id(s.claim_by, sizeof(s.claim_by), &err) < 0)
			goto fail;
	}
	/* The one-click unsubscribe URL; not for a single --once pass. */
	if (!once && s.conf.http_listen && *s.conf.http_listen) {
		api_http_configure(&s.conf);   /* the API's settings (api_http.h) */
		if (http_start(&http, &s.conf, &s.secret, &err) < 0)
			goto fail;
		cad_log(CAD_LOG_INFO, "listening for one-click unsubscribe on %s", s.conf.http_listen);
	}
	daemon_ready(NULL);

	do {
		struct sched_stats st;
		struct webhook_stats ws;
		cad_time_t now = have_now ? fixed_now : cad_now();
		char buf[CAD_TIME_BUFSZ];
		memset(&st, 0, sizeof(st));
		if (got_hup) {
			got_hup = 0;
			if (sched_load(&s, conf_path, &err) < 0)
				cad_log(CAD_LOG_ERR, "reload failed, keeping the old configuration: %s",
					err.msg);
			else
				cad_log(CAD_LOG_INFO, "configuration reloaded");
		}
		if (sched_pass(&s, now, &st, &err) < 0) {
			cad_log(CAD_LOG_ERR, "pass failed: %s", err.msg);
			rc = 1;
		}
		if (webhook_deliver(s.store, now, 100, s.claim_by[0] != '\0', &ws, &err) < 0)
			cad_log(CAD_LOG_ERR, "webhook deliveries: %s", err.msg);
		cad_log(once ? CAD_LOG_INFO : CAD_LOG_DEBUG,
			"pass at %s: %d sent, %d reconciled, %d deferred, %d retried, %d failed, "
			"%d tasks, %d finished", cad_time_format(now, buf, sizeof(buf)), st.sent,
			st.reconciled, st.deferred, st.retried, st.failed, st.tasks, st.finished);
		if (once)
			break;
		/* Sleep until the next due step, at most 30 s (new enrollments
		 * arrive from other processes), waking early on a signal. */
		{
			cad_time_t wake = cad_now() + 30;
			if (st.next_wake > 0 && st.next_wake < wake)
				wake = st.next_wake;
			while (!got_stop && !got_hup && cad_now() < wake)
				sleep(1);
		}
	} while (!got_stop);
	cad_log(CAD_LOG_INFO, "exiting");
	goto out;
fail:
	daemon_ready(err.msg);
	cad_log(CAD_LOG_ERR, "%s", err.msg);
	fprintf(stderr, "cadenced: %s\n", err.msg);
	rc = 1;
out:
	http_stop(http);
	if (!once && s.conf.scheduler_pid_file)
		daemon_pidfile_remove(s.conf.scheduler_pid_file);
	store_close(s.store);
	secret_free(&s.secret);
	conf_free(&s.conf);
	return rc;
}
