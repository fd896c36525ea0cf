/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_init.c - "cadencectl init" (create or upgrade the database, create
 * the site secret when there is none) and "cadencectl config check" (load
 * cadence.conf, print the effective settings). A bad configuration file
 * fails with its file:line message.
 *
 * An existing secret is never replaced: every Message-ID and unsubscribe
 * link already sent was made with it.
 *
 * Run as root with UserID set, init gives what it creates to that user
 * (the service user): the secret (mode 0600, the
 * daemons refuse one that group or others can read) and the store file,
 * so that daemons running as that user can read the one and write the
 * other. It says so, and says when there is no such user. A store on a
 * PostgreSQL server has no file: its rights are the server's (the role in
 * Database), and init only creates or upgrades its schema.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "out.h"
#include "secret.h"

#define USAGE_INIT "init"
#define USAGE_CHECK "config check"

/* Root only: the user the daemons run as (UserID's user and group).
 * 0 and *uid, *gid, *name set, or -1 (no such user or group). */
static int service_user(const struct ctl *c, uid_t *uid, gid_t *gid, char **name)
{
	char *user = xstrdup(c->conf.user_id);
	char *group = strchr(user, ':');
	struct passwd *pw;
	if (group != NULL)
		*group++ = '\0';
	pw = getpwnam(user);
	if (pw == NULL) {
		free(user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (group != NULL) {
		struct group *gr = getgrnam(group);
		if (gr == NULL) {
			free(user);
			return -1;
		}
		*gid = gr->gr_gid;
	}
	*name = user;
	return 0;
}

/* Gives path to the service user when run as root; warns when it cannot. */
static void give_to_service(const struct ctl *c, const char *path)
{
	uid_t uid;
	gid_t gid;
	char *name = NULL;
	if (path == NULL || *path == '\0' || geteuid() != 0 || access(path, F_OK) != 0 ||
	    c->conf.user_id == NULL || *c->conf.user_id == '\0')
		return;
	if (service_user(c, &uid, &gid, &name) != 0) {
		fprintf(stderr, "cadencectl: init: warning: UserID %s: no such user or group; "
			"%s stays root's\n", c->conf.user_id, path);
		return;
	}
	if (chown(path, uid, gid) != 0)
		fprintf(stderr, "cadencectl: init: warning: cannot give %s to %s: %s\n", path,
			name, strerror(errno));
	else if (!c->json)
		printf("%s belongs to %s\n", path, name);
	free(name);
}

int cmd_init(struct ctl *c, int argc, char **argv)
{
	int before = -1, existed = 0, made_secret = 0, server = 0;
	json_t *o;
	const char *path, *secret;
	int r = ctl_plain_args(c, argc, argv, USAGE_INIT, 0, 0, "takes no arguments");

	if (r != CTL_GO)
		return r;
	if (ctl_conf(c) != 0)
		return CTL_FAIL;
	path = c->db_path ? c->db_path : c->conf.database;
	if (path != NULL && *path) {
		/* Say whether this created, upgraded or found the store current
		 * (a PostgreSQL database is asked: it has no file to look at). */
		struct store *old;
		struct cad_err err;
		server = store_is_server(path);
		existed = server || access(path, F_OK) == 0;
		if (existed && store_open(&old, path, STORE_READONLY, &err) == 0) {
			before = store_schema_version(old);
			store_close(old);
		} else if (existed) {
			/* A read-only open refuses an older file, naming its
			 * version; any other refusal is reported by the
			 * read-write open below. */
			before = ctl_older_schema(err.msg);
			if (server && before <= 0) {
				before = -1;    /* an empty database: made now */
				existed = 0;
			}
		}
	}
	if (ctl_store(c, STORE_CREATE) != 0)
		return CTL_FAIL;
	secret = c->conf.secret_file;
	if (secret != NULL && *secret && access(secret, F_OK) != 0) {
		struct cad_err err;
		if (secret_generate(secret, 0, &err) == 0) {
			made_secret = 1;
		} else {
			/* The store is made; the daemons will name the missing secret. */
			fprintf(stderr, "cadencectl: init: warning: cannot create the secret: %s\n",
				err.msg);
			secret = NULL;
		}
	}
	o = json_object();
	out_set(o, "secretFile", out_str(secret));
	out_set(o, "secretCreated", json_boolean(made_secret));
	if (made_secret && !c->json)
		printf("created the secret %s\n", secret);
	if (made_secret)
		give_to_service(c, secret);
	if (before < 0 && !existed && path != NULL && !server) {
		/* The store holds contacts' addresses: not for others to read. */
		struct stat sb;
		if (stat(path, &sb) == 0)
			(void)chmod(path, sb.st_mode & 0770);
		give_to_service(c, path);
	}
	out_set(o, "database", out_str(path));
	out_set(o, "schemaVersion", json_integer(store_schema_version(c->st)));
	out_set(o, "previousVersion", before >= 0 ? json_integer(before) : json_null());
	if (existed && before < 0)
		out_result(c, o, "opened %s (schema version %d)", path,
			   store_schema_version(c->st));
	else if (before < 0)
		out_result(c, o, "initialized %s (schema version %d)", path,
			   store_schema_version(c->st));
	else if (before != store_schema_version(c->st))
		out_result(c, o, "upgraded %s from version %d to %d", path, before,
			   store_schema_version(c->st));
	else
		out_result(c, o, "%s is up to date (schema version %d)", path,
			   store_schema_version(c->st));
	return CTL_OK;
}

static int config_check(struct ctl *c, int argc, char **argv)
{
	struct sbuf dump;
	json_t *o;
	char *line, *save = NULL;
	int r = ctl_plain_args(c, argc, argv, USAGE_CHECK, 0, 0, "takes no arguments");

	if (r != CTL_GO)
		return r;
	if (ctl_conf(c) != 0)
		return CTL_FAIL;
	if (c->db_path != NULL) {
		free(c->conf.database);
		c->conf.database = xstrdup(c->db_path);
	}
	sbuf_init(&dump);
	conf_dump(&c->conf, &dump);
	if (!c->json) {
		fputs(dump.s, stdout);
		sbuf_free(&dump);
		return CTL_OK;
	}
	/* conf_dump writes "Key value" lines; JSON maps each key to its value. */
	o = json_object();
	for (line = strtok_r(dump.s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp;
		if (*line == '#' || *line == '\0')
			continue;
		sp = strpbrk(line, " \t");
		if (sp != NULL) {
			*sp++ = '\0';
			sp = cad_trim(sp);
		}
		out_set(o, line, json_string(sp ? sp : ""));
	}
	sbuf_free(&dump);
	out_record(c, o, NULL, 0);
	return CTL_OK;
}

int cmd_config(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_sub subs[] = {
		{ "check", config_check, USAGE_CHECK },
	};
	return ctl_dispatch_group(c, "config", subs, CAD_ARRAY_LEN(subs), argc, argv);
}
