/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_doctor.c - "cadencectl doctor": checks the whole installed chain and
 * says, for each link, OK, WARN or FAIL with what to do about it.
 *
 *   cadencectl [-c cadence.conf] doctor [--postfix-config DIR] [--dns] [--json]
 *
 * What it checks, in order:
 *   config     the file loads; Domain is not the example's
 *   user       the service user (UserID, else "cadence") exists
 *   store      exists; owned by the service user; not world-readable; the
 *              service user can write it and its directory (SQLite's WAL)
 *   secret     exists; owned by the service user; mode 0600 or stricter
 *   socket     Postfix's smtpd_milters and non_smtpd_milters (postconf,
 *              per-service overrides from postconf -P, the chroot column of
 *              postconf -M) lead to Socket, for every smtpd service and
 *              cleanup (a service with receive_override_options=no_milters
 *              is left out on purpose); the socket answers a milter
 *              negotiation, connected to as Postfix's mail_owner (nothing
 *              listening is a WARN: doctor runs before the first start)
 *   domain     Domain is in relay_domains; transport_maps sends it to
 *              discard: (what the milter does not consume is dropped)
 *   submit     the master.cf service of SubmitURL's port carries the
 *              milter with default_action tempfail
 *   keys       each KeyTable key is readable by the service user and not by
 *              others; its public half is printed as the TXT record to
 *              publish (--dns: compared with what DNS has; never in tests)
 *   http       HttpListen and PublicURL agree
 *
 * Guarantees: doctor changes nothing. It runs postconf and postmap with an
 * argument vector (no shell); checks "as the service user" run in a child
 * that drops to that user (as root; otherwise with this user's rights, and
 * says so). Exit status 0 when nothing FAILed, 1 otherwise.
 * The checks are in their own files (cmd_doctor_int.h lists them).
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_doctor.h"
#include "cmd_doctor_int.h"

#define USAGE_DOCTOR "doctor [--postfix-config DIR] [--dns] [--json]"

/* ---- the checks ---- */

static int check_config(struct doc *d)
{
	const char *path = d->c->conf_path ? d->c->conf_path : CONF_DEFAULT_PATH;
	if (access(path, F_OK) != 0) {
		cmd_doctor_report(d, DOC_FAIL, "config", "copy the example (cadence.conf in the doc "
				  "directory's examples) there and set Domain", "%s: %s", path, strerror(errno));
		return -1;
	}
	if (d->c->conf_path == NULL)
		d->c->conf_path = path;
	if (ctl_conf(d->c) != 0) {
		cmd_doctor_report(d, DOC_FAIL, "config", "correct the line named above (cadence.conf(5))",
				  "%s does not load", path);
		return -1;
	}
	if (d->c->conf.domain == NULL || !*d->c->conf.domain ||
	    strcmp(d->c->conf.domain, "cadence.example.com") == 0)
		cmd_doctor_report(d, DOC_FAIL, "config", "set Domain to a domain of cadence's own, routed "
				  "to this host", "%s: Domain is %s", path,
				  d->c->conf.domain && *d->c->conf.domain ? "the example's" : "not set");
	else
		cmd_doctor_report(d, DOC_OK, "config", NULL, "%s loads (Domain %s)", path, d->c->conf.domain);
	return 0;
}

static void check_user(struct doc *d)
{
	const char *spec = d->c->conf.user_id;
	char *name = xstrdup(spec != NULL && *spec ? spec : "cadence"), *group;
	struct passwd *pw;
	group = strchr(name, ':');
	if (group != NULL)
		*group++ = '\0';
	pw = getpwnam(name);
	d->user = xstrdup(spec != NULL && *spec ? spec : "cadence");
	if (pw == NULL) {
		cmd_doctor_report(d, DOC_FAIL, "user", "install the package, or: systemd-sysusers "
				  "(sysusers.d/cadence.conf) or adduser --system --group cadence",
				  "no service user \"%s\"", name);
	} else {
		d->have_user = 1;
		d->uid = pw->pw_uid;
		d->gid = pw->pw_gid;
		if (group != NULL && getgrnam(group) != NULL)
			d->gid = getgrnam(group)->gr_gid;
		cmd_doctor_report(d, DOC_OK, "user", NULL, "the daemons run as %s (uid %ld)%s", d->user,
				  (long)d->uid, geteuid() == 0 ? "" : "; not root: files are checked with "
				  "this user's rights, not the service user's");
	}
	free(name);
}

/* A store on a PostgreSQL server: the connection, the schema version and
 * the role's rights (the daemons connect with the same Database value; a
 * .pgpass of the service user's is not checked from here). */
static void check_store_server(struct doc *d, const char *db)
{
	struct store *st;
	struct cad_err err;
	int v, n;

	if (store_open(&st, db, STORE_READONLY, &err) != 0) {
		int older = ctl_older_schema(err.msg);
		if (older == 0)
			cmd_doctor_report(d, DOC_FAIL, "store", "cadencectl init (or, when it was "
					  "made, GRANT USAGE ON SCHEMA and SELECT on its tables to "
					  "the role)", "the role sees no cadence schema in the database");
		else if (older > 0)
			cmd_doctor_report(d, DOC_FAIL, "store", "cadencectl init",
					  "the database's schema is at version %d, this cadence's at %d",
					  older, store_schema_current());
		else
			cmd_doctor_report(d, DOC_FAIL, "store", "check Database, the server, the "
					  "role and its password (DatabasePasswordFile or ~/.pgpass)",
					  "%s", err.msg);
		return;
	}
	v = store_schema_version(st);
	store_close(st);
	if (store_open(&st, db, 0, &err) != 0) {
		cmd_doctor_report(d, DOC_FAIL, "store", "check the role's rights", "%s", err.msg);
		return;
	}
	if (store_rights_check(st, &n, &err) != 0)
		cmd_doctor_report(d, DOC_FAIL, "store", "GRANT SELECT, INSERT, UPDATE, DELETE ON "
				  "ALL TABLES IN SCHEMA public (and USAGE on its sequences) to the "
				  "role, or make it the tables' owner", "%s", err.msg);
	else
		cmd_doctor_report(d, DOC_OK, "store", NULL, "PostgreSQL store reached, schema "
				  "version %d (current), the role may read and write its %d tables",
				  v, n);
	store_close(st);
}

static void check_store(struct doc *d)
{
	const char *db = d->c->db_path ? d->c->db_path : d->c->conf.database;
	char *dir, *slash, *fix;
	int e;

	if (store_is_server(db)) {
		check_store_server(d, db);
		return;
	}
	if (cmd_doctor_owner(d, "store", db, S_IRWXO, "o-rwx", 1) != 0)
		return;
	dir = xstrdup(db);
	slash = strrchr(dir, '/');
	if (slash != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		strcpy(dir, ".");
	if ((e = cmd_doctor_user_access(d, db, R_OK | W_OK)) != 0 ||
	    (e = cmd_doctor_user_access(d, dir, W_OK | X_OK)) != 0) {
		fix = xasprintf("chown %s %s; chmod 0750 %s", d->user, dir, dir);
		cmd_doctor_report(d, DOC_FAIL, "store", fix, "%s: the service user cannot write it or its "
				  "directory (SQLite needs both): %s", db, e > 0 && e < 255 ? strerror(e) : "?");
		free(fix);
	} else {
		cmd_doctor_report(d, DOC_OK, "store", NULL, "%s: the service user's, not world-readable", db);
	}
	free(dir);
}

static void check_secret(struct doc *d)
{
	const char *p = d->c->conf.secret_file;
	int e;
	if (p == NULL || *p == '\0') {
		cmd_doctor_report(d, DOC_FAIL, "secret", "set SecretFile, then cadencectl init",
				  "SecretFile is not set");
		return;
	}
	if (cmd_doctor_owner(d, "secret", p, S_IRWXG | S_IRWXO, "0600", 1) != 0)
		return;
	if ((e = cmd_doctor_user_access(d, p, R_OK)) != 0) {
		char *fix = xasprintf("let %s into the directories above %s", d->user, p);
		cmd_doctor_report(d, DOC_FAIL, "secret", fix, "%s: the service user cannot read it: %s", p,
				  e > 0 && e < 255 ? strerror(e) : "?");
		free(fix);
		return;
	}
	cmd_doctor_report(d, DOC_OK, "secret", NULL, "%s: the service user's, mode 0600", p);
}

static void check_http(struct doc *d)
{
	const char *l = d->c->conf.http_listen, *u = d->c->conf.public_url;
	int hl = l != NULL && *l, pu = u != NULL && *u;
	if (pu && !hl)
		cmd_doctor_report(d, DOC_FAIL, "http", "set HttpListen (e.g. 127.0.0.1:8025) and proxy "
				  "PublicURL to it", "PublicURL %s is set but HttpListen is off: one-click "
				  "unsubscribe links would lead nowhere", u);
	else if (hl && !pu)
		cmd_doctor_report(d, DOC_WARN, "http", "set PublicURL to the https address your proxy serves",
				  "HttpListen %s is on but PublicURL is not set: messages carry no one-click "
				  "link", l);
	else if (pu && strncasecmp(u, "https://", 8) != 0)
		cmd_doctor_report(d, DOC_WARN, "http", "serve PublicURL over https (RFC 8058)",
				  "PublicURL %s is not https: mail clients ignore one-click links", u);
	else if (hl && strncmp(l, "127.", 4) != 0 && strncmp(l, "[::1]", 5) != 0 &&
		 strncmp(l, "localhost", 9) != 0)
		cmd_doctor_report(d, DOC_WARN, "http", "listen on loopback behind a TLS proxy",
				  "HttpListen %s is not on loopback", l);
	else
		cmd_doctor_report(d, DOC_OK, "http", NULL, "%s%s%s", hl ? l : "HTTP off", pu ? " serves " : "",
				  pu ? u : "");
}

int cmd_doctor(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "postfix-config", required_argument, NULL, 'P' },
		{ "dns", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	struct doc d;
	int ch;
	memset(&d, 0, sizeof(d));
	d.c = c;
	while ((ch = ctl_getopt(c, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 'P': d.pfdir = optarg; break;
		case 'D': d.dns = 1; break;
		case 'h': return ctl_help(USAGE_DOCTOR);
		default: return CTL_USAGE;
		}
	}
	if (c->npos != 0)
		return ctl_usage_error(c, USAGE_DOCTOR, "takes no arguments");
	d.checks = json_array();
	if (check_config(&d) == 0) {
		check_user(&d);
		check_store(&d);
		check_secret(&d);
		cmd_doctor_socket_path(&d);
		cmd_doctor_postfix(&d);
		cmd_doctor_keys(&d);
		check_http(&d);
	}
	if (c->json) {
		json_t *o = json_object();
		out_set(o, "ok", json_boolean(d.nfail == 0));
		out_set(o, "failures", json_integer(d.nfail));
		out_set(o, "warnings", json_integer(d.nwarn));
		out_set(o, "checks", d.checks);
		out_record(c, o, NULL, 0);
	} else {
		printf("%d failure%s, %d warning%s\n", d.nfail, d.nfail == 1 ? "" : "s", d.nwarn,
		       d.nwarn == 1 ? "" : "s");
		json_decref(d.checks);
	}
	free(d.user);
	free(d.queue_dir);
	free(d.mail_owner);
	free(d.sock);
	return d.nfail == 0 ? CTL_OK : CTL_FAIL;
}
