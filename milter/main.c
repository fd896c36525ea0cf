/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * main.c - cadence-milter: start-up, configuration check, daemonizing,
 * privilege drop, reload on SIGUSR1, and libmilter's main loop.
 *
 * Order of start-up (why it is this order):
 *   1. read and build the configuration (KeyTable keys are loaded and
 *      checked here, so -n catches a bad key as well as a bad line);
 *   2. with -n: report and exit; run as root with UserID set, the check
 *      runs as that user (privileges dropped first), so that a secret, a
 *      key or a socket directory the service cannot use fails here as it
 *      would under the unit, not only when started;
 *   3. register with libmilter and open the socket, removing a stale unix
 *      socket left by a crash (smfi_opensocket(1)), while still root, and
 *      hand a unix socket to UserID; a unix socket is mode 0660 whatever
 *      the umask (socket_open);
 *   4. detach (unless -f), then write the pidfile (the detached pid);
 *   5. drop privileges to UserID (verified by daemon.c);
 *   6. block SIGUSR1 in every thread and start the thread that waits for
 *      it, tell the waiting parent (detached: daemon_ready) that the
 *      socket is open, then hand over to smfi_main(), which owns HUP,
 *      TERM and INT. A detached start fails with the reason on stderr.
 * The store is not opened here: a missing or broken database must not stop
 * mail (the milter fails open), so each connection opens it when needed.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <gmime/gmime.h>
#include <libmilter/mfapi.h>

#include "conf.h"
#include "daemon.h"
#include "msign.h"
#include "mverify.h"
#include "factcache.h"
#include "filter.h"
#include "mconf.h"
#include "mtest.h"
#include "sockopt.h"
#include "storepool.h"
#include "spf.h"
#include "store.h"
#include "util.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cadence-milter [-fnv] [-c cadence.conf] [-t clock-file] [-Z spf-zone-file]\n"
		"                     [-K dkim-key-file]\n"
		"       cadence-milter -T message-file [-W] [-F sender] [-R recipient]...\n"
		"                     [-a client-address] [-u auth-login] [-c cadence.conf] ...\n"
		"  -c FILE  configuration file (default %s)\n"
		"  -f       stay in the foreground\n"
		"  -n       check the configuration (and load the DKIM keys), then exit\n"
		"  -t FILE  read the current time from FILE at each message (testing)\n"
		"  -v       verbose (debug) logging\n"
		"  -Z FILE  answer SPF queries from this zone file instead of DNS (testing)\n"
		"  -K FILE  read DKIM verification keys from this file instead of DNS (testing)\n"
		"  -T FILE  replay the message in FILE (- for standard input) through the milter\n"
		"           in process and print what it would do; read-only unless -W\n"
		"  -W       with -T: change the store as the daemon would\n"
		"  -F ADDR  with -T: the envelope sender (default: Return-Path, else From)\n"
		"  -R ADDR  with -T: an envelope recipient, repeatable (default: To, Cc, Bcc)\n"
		"  -a ADDR  with -T: the client's IP address (default 127.0.0.1)\n"
		"  -u USER  with -T: the SMTP AUTH login (default none)\n",
		CONF_DEFAULT_PATH);
}

static void *reload_thread(void *arg)
{
	sigset_t *set = arg;
	for (;;) {
		int sig = 0;
		struct cad_err err = { "" };
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig != SIGUSR1)
			continue;
		if (mconf_reload(&err) != 0)
			cad_log(CAD_LOG_ERR, "reload failed, keeping the running configuration: %s",
				err.msg);
		else
			cad_log(CAD_LOG_NOTICE, "configuration reloaded");
	}
	return NULL;
}

/* The path of a unix socket spec ("local:/p", "unix:/p", "/p"); NULL for inet. */
static const char *socket_path(const char *spec)
{
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	return spec[0] == '/' ? spec : NULL;
}

/* Opens libmilter's socket with mode 0660 whatever the umask (the MTA
 * connects through its group; under umask 000 bind() would make it
 * 0777, writable by every local user): the umask is 0117 while the
 * socket is made, so that it is never more open than 0660, not even for
 * an instant, and the old umask is back afterwards. */
static int socket_open(const char *spec)
{
	mode_t old = umask(0117);
	int rc = smfi_opensocket(1);
	const char *path = socket_path(spec);
	umask(old);
	if (rc == MI_SUCCESS && path != NULL && chmod(path, 0660) != 0)
		cad_log(CAD_LOG_WARN, "Socket %s: chmod 0660: %s", path, strerror(errno));
	return rc;
}

/* A unix socket is made by root before the privilege drop; hand it to the
 * UserID user and group (mode 0660, socket_open), so that the MTA, put in
 * that group, can connect and the milter can remove it at exit. */
static int socket_handover(const char *spec, const char *userid, struct cad_err *err)
{
	const char *path = socket_path(spec);
	char *user, *group;
	struct passwd *pw;
	uid_t uid;
	gid_t gid;
	if (path == NULL || userid == NULL || *userid == '\0' || geteuid() != 0)
		return 0;
	user = xstrdup(userid);
	group = strchr(user, ':');
	if (group != NULL)
		*group++ = '\0';
	pw = getpwnam(user);
	if (pw == NULL) {
		cad_err_set(err, "UserID: no user \"%s\"", user);
		free(user);
		return -1;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (group != NULL) {
		struct group *gr = getgrnam(group);
		if (gr == NULL) {
			cad_err_set(err, "UserID: no group \"%s\"", group);
			free(user);
			return -1;
		}
		gid = gr->gr_gid;
	}
	free(user);
	if (chown(path, uid, gid) != 0 || chmod(path, 0660) != 0)
		return cad_err_set(err, "%s: %s", path, strerror(errno));
	return 0;
}

/* -n run as root: becomes UserID first (when set), so that the check sees
 * the files with the service's rights. Sets *as to the user checked as. */
static int check_as_service(const char *path, char **as, struct cad_err *err)
{
	struct cad_conf conf;
	int rc = 0;
	*as = NULL;
	if (geteuid() != 0)
		return 0;
	if (conf_load(path, &conf, err) != 0) {
		conf_free(&conf);
		return -1;
	}
	if (conf.user_id != NULL && *conf.user_id != '\0') {
		rc = daemon_drop_privileges(conf.user_id, err);
		if (rc == 0)
			*as = xstrdup(conf.user_id);
	}
	conf_free(&conf);
	return rc;
}

/* -n, after the configuration loaded: the directory of a unix socket is
 * writable and the store opens (read-only), for the user running this. */
static int check_runtime(const struct mconf *mc, struct cad_err *err)
{
	const char *spec = mc->conf.socket, *path = socket_path(spec);
	struct store *st = NULL;
	if (path != NULL) {
		char *dir = xstrdup(path), *slash = strrchr(dir, '/');
		if (slash != NULL)
			*(slash == dir ? slash + 1 : slash) = '\0';
		if (access(dir, W_OK | X_OK) != 0) {
			cad_err_set(err, "Socket %s: cannot create it in %s: %s", spec, dir,
				    strerror(errno));
			free(dir);
			return -1;
		}
		free(dir);
	}
	if (store_open(&st, mc->conf.database, STORE_READONLY, err) != 0) {
		cad_err_prefix(err, "Database %s", mc->conf.database);
		return -1;
	}
	store_close(st);
	return 0;
}

static struct spf_checker *make_spf(const char *zonefile, struct cad_err *err)
{
	char *text = NULL;
	struct spf_checker *c;
	if (zonefile == NULL)
		return spf_checker_new(err);
	if (cad_read_file(zonefile, 1024 * 1024, CAD_READ_TEXT, &text, NULL, err) != 0)
		return NULL;
	c = spf_checker_new_zone(text, zonefile, err);
	free(text);
	return c;
}

/* -T: one message through the callbacks in process (mtest.h); the log
 * goes to standard error, the result to standard output. */
static int replay_main(const struct mtest_opts *o, struct mconf *mc, struct spf_checker *spf)
{
	struct cad_err err = { "" };
	int rc;
	mconf_install(mc);
	rc = mtest_run(o, stdout, &err);
	if (rc != 0)
		cad_log(CAD_LOG_ERR, "%s", err.msg);
	storepool_drain();
	factcache_drain();
	mconf_shutdown();
	filter_set_spf(NULL);
	spf_checker_free(spf);
	msign_shutdown();
	mverify_shutdown();
	return rc == 0 ? 0 : EX_DATAERR;
}

int main(int argc, char **argv)
{
	const char *path = CONF_DEFAULT_PATH;
	const char *zonefile = NULL;
	const char *keyfile = NULL;
	int check_only = 0, foreground = 0, verbose = 0, opt, rc;
	struct cad_err err = { "" };
	struct mconf *mc;
	struct spf_checker *spf;
	char *pidfile = NULL, *check_user = NULL;
	static sigset_t usr1;
	sigset_t others;
	pthread_t reloader;
	static struct mtest_opts replay;

	while ((opt = getopt(argc, argv, "a:c:F:fhK:nR:T:t:u:vWZ:")) != -1) {
		switch (opt) {
		case 'T': replay.file = optarg; break;
		case 'W': replay.write = 1; break;
		case 'F': replay.mail_from = optarg; break;
		case 'a': replay.client_addr = optarg; break;
		case 'u': replay.auth = optarg; break;
		case 'R':
			if (replay.nrcpts == MTEST_MAX_RCPTS) {
				fprintf(stderr, "cadence-milter: at most %d -R\n", MTEST_MAX_RCPTS);
				return EX_USAGE;
			}
			replay.rcpts[replay.nrcpts++] = optarg;
			break;
		case 'c': path = optarg; break;
		case 'f': foreground = 1; break;
		case 'n': check_only = 1; break;
		case 't': filter_set_clock_file(optarg); break;
		case 'v': verbose = 1; break;
		case 'Z': zonefile = optarg; break;
		case 'K': keyfile = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EX_USAGE;
		}
	}
	if (optind != argc || (replay.file == NULL && (replay.write || replay.mail_from != NULL ||
						       replay.client_addr != NULL ||
						       replay.auth != NULL || replay.nrcpts > 0))) {
		usage(stderr);
		return EX_USAGE;
	}
	cad_log_open("cadence-milter", 0, verbose);
	g_mime_init();
	if (msign_init(&err) != 0 || mverify_init(keyfile, &err) != 0) {
		cad_log(CAD_LOG_ERR, "%s", err.msg);
		return EX_SOFTWARE;
	}
	if (check_only && check_as_service(path, &check_user, &err) != 0) {
		cad_log(CAD_LOG_ERR, "%s", err.msg);
		return EX_CONFIG;
	}
	mc = mconf_build(path, &err);
	if (mc == NULL) {
		cad_log(CAD_LOG_ERR, "%s", err.msg);
		free(check_user);
		return EX_CONFIG;
	}
	if (check_only) {
		rc = check_runtime(mc, &err);
		if (rc != 0)
			cad_log(CAD_LOG_ERR, "%s", err.msg);
		else if (check_user == NULL && geteuid() == 0)
			printf("%s: OK as root (no UserID: run the check as the service user, "
			       "e.g. runuser -u cadence -- cadence-milter -n, to see its rights)\n",
			       path);
		else
			printf("%s: OK as %s (%zu DKIM key%s, %zu signing entr%s)\n", path,
			       check_user != NULL ? check_user : "this user", mc->dkim.nkeys,
			       mc->dkim.nkeys == 1 ? "" : "s", mc->dkim.nentries,
			       mc->dkim.nentries == 1 ? "y" : "ies");
		free(check_user);
		mconf_destroy(mc);
		msign_shutdown();
		mverify_shutdown();
		return rc == 0 ? 0 : EX_CONFIG;
	}
	spf = make_spf(zonefile, &err);
	if (spf == NULL) {
		cad_log(CAD_LOG_ERR, "SPF: %s", err.msg);
		mconf_destroy(mc);
		return EX_CONFIG;
	}
	filter_set_spf(spf);
	if (replay.file != NULL)
		return replay_main(&replay, mc, spf);
	cad_log_open("cadence-milter", mc->conf.syslog, verbose);
	if (mc->conf.milter_pid_file != NULL && *mc->conf.milter_pid_file != '\0')
		pidfile = xstrdup(mc->conf.milter_pid_file);

	if (smfi_setconn(mc->conf.socket) != MI_SUCCESS ||
	    smfi_register(filter_desc) != MI_SUCCESS) {
		cad_log(CAD_LOG_ERR, "libmilter refused socket \"%s\"", mc->conf.socket);
		return EX_CONFIG;
	}
	if (socket_open(mc->conf.socket) != MI_SUCCESS) {
		cad_log(CAD_LOG_ERR, "cannot open socket \"%s\" (in use, or bad path?)",
			mc->conf.socket);
		return EX_UNAVAILABLE;
	}
	/* Over inet: TCP_NODELAY on libmilter's listener, which every
	 * accepted connection inherits (milter/sockopt.h: why and how). */
	if (sockopt_nodelay_listener(mc->conf.socket, &err) < 0)
		cad_log(CAD_LOG_WARN, "%s: replies may stall on Nagle's algorithm", err.msg);
	/* ... and the MTA's own writes must not wait on it either (filter.h) */
	filter_set_tcp(sockopt_spec_tcp(mc->conf.socket));
	if (socket_handover(mc->conf.socket, mc->conf.user_id, &err) != 0) {
		cad_log(CAD_LOG_ERR, "%s", err.msg);
		return EX_NOPERM;
	}
	if (!foreground && daemon_detach(&err) != 0) {
		cad_log(CAD_LOG_ERR, "%s", err.msg);
		return EX_OSERR;
	}
	if (pidfile != NULL && daemon_pidfile_write(pidfile, &err) != 0) {
		daemon_ready(err.msg);
		cad_log(CAD_LOG_ERR, "%s", err.msg);
		return EX_CANTCREAT;
	}
	if (mc->conf.user_id != NULL && *mc->conf.user_id != '\0' &&
	    daemon_drop_privileges(mc->conf.user_id, &err) != 0) {
		daemon_ready(err.msg);
		cad_log(CAD_LOG_ERR, "%s", err.msg);
		if (pidfile != NULL)
			daemon_pidfile_remove(pidfile);
		return EX_NOPERM;
	}
	mconf_install(mc);

	/* SIGUSR1 is blocked in every thread (libmilter's included) and
	 * collected by one thread, which reloads outside any signal handler.
	 * That thread also blocks HUP, TERM and INT, so that those always
	 * reach libmilter's own signal thread (smfi_main blocks them in the
	 * threads it starts, but ours exists before it runs). */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigemptyset(&others);
	sigaddset(&others, SIGHUP);
	sigaddset(&others, SIGTERM);
	sigaddset(&others, SIGINT);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	pthread_sigmask(SIG_BLOCK, &others, NULL);
	if ((errno = pthread_create(&reloader, NULL, reload_thread, &usr1)) != 0) {
		cad_log(CAD_LOG_ERR, "cannot start the reload thread: %s", strerror(errno));
		daemon_ready("cannot start the reload thread");
		return EX_OSERR;
	}
	pthread_sigmask(SIG_UNBLOCK, &others, NULL);
	cad_log(CAD_LOG_NOTICE, "cadence-milter %s started on %s", PACKAGE_VERSION, mc->conf.socket);
	/* The socket is bound and listening (smfi_opensocket): connections
	 * wait in its backlog until smfi_main() accepts them. */
	daemon_ready(NULL);

	rc = smfi_main();

	cad_log(CAD_LOG_NOTICE, "cadence-milter stopping");
	pthread_cancel(reloader);
	pthread_join(reloader, NULL);
	if (pidfile != NULL)
		daemon_pidfile_remove(pidfile);
	free(pidfile);
	storepool_drain();
	factcache_drain();
	mconf_shutdown();
	filter_set_spf(NULL);
	spf_checker_free(spf);
	msign_shutdown();
	mverify_shutdown();
	return rc == MI_SUCCESS ? 0 : EX_SOFTWARE;
}
