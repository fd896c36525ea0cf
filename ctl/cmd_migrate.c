/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_migrate.c - "cadencectl migrate --to TARGET": moving a site's store
 * to another database, SQLite to PostgreSQL or back (store_copy.h).
 *
 * The configured store (-d, else Database) is opened read-only; TARGET
 * (a path, a postgresql:// URI or libpq keywords) is made at this
 * cadence's schema version when it is new or empty, and must then hold
 * no rows. Every table is copied in one transaction of the target and
 * verified by counts and checksums, inside that transaction and again
 * after the commit on a new connection. Exit 0 only when verified.
 * A failed migration into an SQLite file it created removes that file
 * (and its -wal/-shm/-journal), so that a second attempt starts clean and
 * no empty store is mistaken for a migrated one.
 *
 * A password on the command line would be seen by every user of the host
 * (ps, the shell's history): a TARGET with one is refused; libpq reads it
 * from ~/.pgpass or PGPASSFILE.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_migrate.h"
#include "out.h"
#include "store_copy.h"
#include "store_drv.h"

#define USAGE "migrate --to TARGET"

/* Removes the SQLite store this run created (store_file_remove); says so,
 * or why not, on stderr. */
static void remove_created(const char *target)
{
	struct cad_err err;

	if (store_file_remove(target, &err) == 0)
		fprintf(stderr, "cadencectl: %s: removed the file this migration created\n",
			target);
	else
		fprintf(stderr, "cadencectl: could not remove the file this migration "
			"created: %s\n", err.msg);
}

/* 1 when both name the same SQLite file. */
static int same_file(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];
	if (strcmp(a, b) == 0)
		return 1;
	if (store_is_server(a) || store_is_server(b))
		return 0;
	return realpath(a, ra) && realpath(b, rb) && strcmp(ra, rb) == 0;
}

/* Opens the target read-write at the current schema version: a new or
 * empty database is made so; an existing store must already be at that
 * version and empty (checked read-only first, so that an older store is
 * not upgraded and a full one not touched). */
static int open_target(struct ctl *c, const char *target, struct store **out)
{
	struct store *ro = NULL;
	struct cad_err err;
	int pg = store_is_server(target), v;

	*out = NULL;
	if (pg || access(target, F_OK) == 0) {
		if (store_open(&ro, target, STORE_READONLY, &err) == 0) {
			int rc = store_copy_check_empty(ro, &err);
			store_close(ro);
			if (rc != 0)
				return ctl_fail(c, "%s", err.msg);
		} else if ((v = ctl_older_schema(err.msg)) > 0) {
			return ctl_fail(c, "%s is a cadence store of schema version %d (this "
					"cadence's is %d); refusing to write into it: give an "
					"empty database", target, v, store_schema_current());
		} else if (v != 0) {
			if (strstr(err.msg, target) == NULL)
				return ctl_fail(c, "--to %s: %s", target, err.msg);
			return ctl_fail(c, "%s", err.msg);
		}
		/* v == 0: no table yet (a new database, an empty file) */
	}
	if (store_open(out, target, STORE_CREATE, &err) != 0) {
		*out = NULL;
		return ctl_fail(c, "%s", err.msg);
	}
	return 0;
}

static json_t *report_json(const struct store_copy_report *rep)
{
	json_t *a = json_array();
	size_t i;
	for (i = 0; i < rep->n; i++) {
		const struct store_copy_table *t = &rep->t[i];
		json_t *o = json_object();
		out_set(o, "table", json_string(t->name));
		out_set(o, "rows", json_integer((json_int_t)t->rows_from));
		out_set(o, "rowsTarget", json_integer((json_int_t)t->rows_to));
		out_set(o, "checksum", json_string(t->sum_from));
		out_set(o, "checksumTarget", json_string(t->sum_to));
		out_set(o, "ok", json_boolean(t->ok));
		json_array_append_new(a, o);
	}
	return a;
}

static void report_text(const struct store_copy_report *rep)
{
	size_t i;
	for (i = 0; i < rep->n; i++) {
		const struct store_copy_table *t = &rep->t[i];
		if (t->ok)
			printf("%s: %lld rows, checksum ok\n", t->name, (long long)t->rows_from);
		else
			printf("%s: %lld rows, %lld in the target, checksum %s: DIFFERS\n", t->name,
			       (long long)t->rows_from, (long long)t->rows_to,
			       strcmp(t->sum_from, t->sum_to) == 0 ? "equal" : "different");
	}
}

int cmd_migrate(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct store_copy_report rep, after;
	struct store *from = NULL, *to = NULL;
	struct cad_err err;
	const char *target = NULL, *source;
	int ch, rc = CTL_FAIL, created = 0;

	while ((ch = ctl_getopt(c, argc, argv, "", longopts)) != -1) {
		switch (ch) {
		case 'h': return ctl_help(USAGE);
		case 't': target = optarg; break;
		default: return CTL_USAGE;
		}
	}
	if (c->npos != 0)
		return ctl_usage_error(c, USAGE, "takes no arguments besides --to TARGET");
	if (target == NULL || *target == '\0')
		return ctl_usage_error(c, USAGE, "needs --to TARGET (a path, a postgresql:// URI "
				       "or libpq keywords)");
	if (conf_database_has_password(target)) {
		ctl_fail(c, "--to: the target contains a password; a command line is seen by "
			 "every user of the host: put the password in ~/.pgpass (or the file "
			 "PGPASSFILE names; cadence's own services read DatabasePasswordFile) "
			 "and give the target without it");
		return CTL_USAGE;
	}
	if (ctl_conf(c) != 0)
		return CTL_FAIL;
	source = c->db_path ? c->db_path : c->conf.database;
	if (source == NULL || *source == '\0') {
		ctl_fail(c, "no database: give -d PATH or set Database in cadence.conf");
		return CTL_FAIL;
	}
	if (same_file(source, target)) {
		ctl_fail(c, "--to: %s is the store itself", target);
		return CTL_FAIL;
	}
	if (!store_is_server(source) && access(source, F_OK) != 0) {
		ctl_fail(c, "%s: %s", source, strerror(errno));
		return CTL_FAIL;
	}
	if (store_open(&from, source, STORE_READONLY, &err) != 0) {
		if (ctl_older_schema(err.msg) >= 0)
			ctl_fail(c, "%s (run 'cadencectl init' first to upgrade it)", err.msg);
		else
			ctl_fail(c, "%s", err.msg);
		return CTL_FAIL;
	}
	created = !store_is_server(target) && access(target, F_OK) != 0;
	if (open_target(c, target, &to) != 0)
		goto out;
	if (!c->json)
		printf("copying %s to %s (schema version %d); cadenced and the milter should "
		       "be stopped (or tempfailing) until Database names the target\n", source,
		       target, store_schema_version(from));
	fflush(stdout);
	if (store_copy(from, to, &rep, &err) != 0) {
		if (c->json)
			out_result(c, report_json(&rep), "%s", "");
		else
			report_text(&rep);
		if (strstr(err.msg, target) == NULL)
			ctl_fail(c, "--to %s: %s; nothing was copied into the target", target,
				 err.msg);
		else
			ctl_fail(c, "%s; nothing was copied into the target", err.msg);
		goto out;
	}
	/* Again from a new connection: what was committed is what is there. */
	memset(&after, 0, sizeof(after));
	store_close(to);
	to = NULL;
	if (store_open(&to, target, STORE_READONLY, &err) != 0 ||
	    store_copy_verify(from, to, &after, &err) != 0) {
		if (!c->json)
			report_text(&after);
		ctl_fail(c, "the copy was committed but does not verify: %s", err.msg);
		goto out;
	}
	if (c->json) {
		json_t *o = json_object();
		out_set(o, "source", json_string(source));
		out_set(o, "target", json_string(target));
		out_set(o, "schemaVersion", json_integer(store_schema_version(from)));
		out_set(o, "rows", json_integer((json_int_t)rep.rows));
		out_set(o, "verified", json_true());
		out_set(o, "tables", report_json(&after));
		out_result(c, o, "%s", "");
	} else {
		report_text(&after);
		printf("migrated %lld rows in %zu tables to %s: every table verified (row count "
		       "and checksum)\n", (long long)rep.rows, after.n, target);
		printf("next: set Database in cadence.conf to the target, then start cadenced "
		       "and the milter again\n");
	}
	rc = CTL_OK;
out:
	store_close(to);
	store_close(from);
	if (rc != CTL_OK && created)
		remove_created(target);
	return rc;
}
