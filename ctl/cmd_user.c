/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_user.c - "cadencectl user add|list|show|disable|enable|delete|digest":
 * the reps.
 *
 * Disabling or deleting a rep unenrolls their active and paused
 * enrollments (the store does it in one transaction with its events);
 * the command says how many. Enabling a disabled rep lets them enroll
 * again; what was unenrolled stays unenrolled.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ctllist.h"
#include "tz.h"

#define USAGE_ADD "user add ADDRESS --name NAME [--tz ZONE] [--signature TEXT | " \
	"--signature-file FILE] [--meeting-link URL] [--send-cap N] [--enroll-cap N] " \
	"[--digest yes|no]"
#define USAGE_LIST "user list"
#define USAGE_SHOW "user show ADDRESS"
#define USAGE_DISABLE "user disable ADDRESS"
#define USAGE_DELETE "user delete ADDRESS"
#define USAGE_ENABLE "user enable ADDRESS"
#define USAGE_DIGEST "user digest ADDRESS yes|no"

/* "yes" / "no" (the daily task digest switch) into *on; -1 after the
 * message naming what. */
static int parse_yes_no(const struct ctl *c, const char *what, const char *arg, int *on)
{
	if (strcmp(arg, "yes") == 0)
		*on = 1;
	else if (strcmp(arg, "no") == 0)
		*on = 0;
	else {
		ctl_bad_arg(c, what, arg, 100, "say yes or no");
		return -1;
	}
	return 0;
}

/* A signature is a few lines of text, not a document. */
#define SIGNATURE_MAX (16 * 1024)

static json_t *user_json(const struct user *u)
{
	json_t *o = json_object();

	out_set(o, "id", json_integer(u->id));
	out_set(o, "email", out_str(u->email));
	out_set(o, "name", out_str(u->name));
	out_set(o, "tz", out_str(u->tz));
	out_set(o, "signature", out_str(u->signature));
	out_set(o, "meetingLink", out_str(u->meeting_link));
	out_set(o, "sendCap24h", json_integer(u->send_cap_24h));
	out_set(o, "enrollCapDay", json_integer(u->enroll_cap_day));
	out_set(o, "active", json_boolean(u->active));
	out_set(o, "digest", json_boolean(u->digest));
	out_set(o, "createdAt", out_time(u->created_at));
	return o;
}

static int user_add(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "tz", required_argument, NULL, 't' },
		{ "signature", required_argument, NULL, 's' },
		{ "signature-file", required_argument, NULL, 'S' },
		{ "meeting-link", required_argument, NULL, 'm' },
		{ "send-cap", required_argument, NULL, 'C' },
		{ "enroll-cap", required_argument, NULL, 'E' },
		{ "digest", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 }
	};
	struct user u;
	struct user old;
	struct cad_err err;
	const char *sigfile = NULL;
	long v;
	int ch, rc = CTL_FAIL;

	memset(&u, 0, sizeof(u));
	u.send_cap_24h = USER_DEFAULT_SEND_CAP;
	u.enroll_cap_day = USER_DEFAULT_ENROLL_CAP;
	u.active = 1;
	while ((ch = ctl_getopt(c, argc, argv, "", longopts)) != -1) {
		switch (ch) {
		case 'h': user_free(&u); return ctl_help(USAGE_ADD);
		case 'n': free(u.name); u.name = xstrdup(optarg); break;
		case 't':
			if (!tz_valid(optarg)) {
				ctl_bad_arg(c, "--tz", optarg, 100, "not a known time zone (use an "
					    "IANA name such as Europe/Berlin)");
				goto out;
			}
			free(u.tz);
			u.tz = xstrdup(optarg);
			break;
		case 's': free(u.signature); u.signature = xstrdup(optarg); break;
		case 'S': sigfile = optarg; break;
		case 'm': free(u.meeting_link); u.meeting_link = xstrdup(optarg); break;
		case 'C':
			if (ctl_parse_int(c, "--send-cap", optarg, 0, 1000000, &v) != 0)
				goto out;
			u.send_cap_24h = (int)v;
			break;
		case 'E':
			if (ctl_parse_int(c, "--enroll-cap", optarg, 0, 1000000, &v) != 0)
				goto out;
			u.enroll_cap_day = (int)v;
			break;
		case 'D':
			if (parse_yes_no(c, "--digest", optarg, &u.digest) != 0)
				goto out;
			break;
		default: rc = CTL_USAGE; goto out;
		}
	}
	if (c->npos != 1) {
		rc = ctl_usage_error(c, USAGE_ADD, "needs exactly one ADDRESS");
		goto out;
	}
	if (u.name == NULL || *u.name == '\0') {
		rc = ctl_usage_error(c, USAGE_ADD, "--name is required");
		goto out;
	}
	if (sigfile != NULL && u.signature != NULL) {
		rc = ctl_usage_error(c, USAGE_ADD, "give --signature or --signature-file, not both");
		goto out;
	}
	if (ctl_parse_addr(c, "address", c->pos[0], &u.email) != 0)
		goto out;
	if (sigfile != NULL &&
	    ctl_read_file(c, "--signature-file", sigfile, SIGNATURE_MAX, &u.signature) != 0)
		goto out;
	if (u.tz == NULL)
		u.tz = xstrdup("UTC");
	if (ctl_store(c, 0) != 0)
		goto out;
	memset(&old, 0, sizeof(old));
	if (store_user_get(c->st, u.email, &old, &err) == 0) {
		user_free(&old);
		ctl_fail(c, "%s: already exists", u.email);
		goto out;
	}
	if (store_user_add(c->st, &u, c->actor, c->now, &err) != 0) {
		ctl_fail(c, "%s: %s", u.email, err.msg);
		goto out;
	}
	out_result(c, user_json(&u), "added %s (%s)", u.email, u.name);
	rc = CTL_OK;
out:
	user_free(&u);
	return rc;
}

static const struct out_col user_cols[] = {
	{ "email", "ADDRESS", NULL, 0 },
	{ "name", "NAME", NULL, 0 },
	{ "tz", "TZ", NULL, 0 },
	{ "sendCap24h", "SEND/24H", NULL, 0 },
	{ "enrollCapDay", "ENROLL/DAY", NULL, 0 },
	{ "active", "ACTIVE", NULL, 0 },
};

static int user_rows(struct store *st, const void *arg, json_t *rows, struct cad_err *err)
{
	struct user *users;
	size_t n, i;

	(void)arg;
	if (store_user_list(st, &users, &n, err) != 0)
		return -1;
	for (i = 0; i < n; i++)
		json_array_append_new(rows, user_json(&users[i]));
	store_users_free(users, n);
	return 0;
}

static int user_list(struct ctl *c, int argc, char **argv)
{
	return ctllist_run(c, argc, argv, USAGE_LIST, user_rows, user_cols,
			   CAD_ARRAY_LEN(user_cols));
}

/* The one ADDRESS argument of show/disable/enable/delete: CTL_GO with
 * *addr set (the caller frees it), else the exit code to return. */
static int one_address(struct ctl *c, int argc, char **argv, const char *usage, char **addr)
{
	int r = ctl_plain_args(c, argc, argv, usage, 1, 1, "needs exactly one ADDRESS");

	*addr = NULL;
	if (r != CTL_GO)
		return r;
	if (ctl_parse_addr(c, "address", c->pos[0], addr) != 0)
		return CTL_FAIL;
	return CTL_GO;
}

/* Reads the rep at addr into *u; a missing rep is an error naming the
 * address. 0, or -1 after the message. */
static int get_user(struct ctl *c, const char *addr, struct user *u)
{
	struct cad_err err;
	int r;

	memset(u, 0, sizeof(*u));
	r = store_user_get(c->st, addr, u, &err);
	if (r != 0)
		return ctl_fail(c, "%s: %s", addr, r == STORE_NOTFOUND ? "no such rep" : err.msg), -1;
	return 0;
}

static int user_show(struct ctl *c, int argc, char **argv)
{
	static const struct out_col cols[] = {
		{ "id", "Id", NULL, 0 },
		{ "email", "Address", NULL, 0 },
		{ "name", "Name", NULL, 0 },
		{ "tz", "Time zone", NULL, 0 },
		{ "meetingLink", "Meeting link", NULL, 0 },
		{ "sendCap24h", "Send cap (24h)", NULL, 0 },
		{ "enrollCapDay", "Enroll cap (day)", NULL, 0 },
		{ "active", "Active", NULL, 0 },
		{ "digest", "Task digest", NULL, 0 },
		{ "createdAt", "Created", NULL, 0 },
		{ "signature", "Signature", NULL, 0 },
	};
	struct user u;
	char *addr;
	int r = one_address(c, argc, argv, USAGE_SHOW, &addr);

	if (r != CTL_GO)
		return r;
	if (ctl_store(c, STORE_READONLY) != 0) {
		free(addr);
		return CTL_FAIL;
	}
	if (get_user(c, addr, &u) != 0) {
		free(addr);
		return CTL_FAIL;
	}
	out_record(c, user_json(&u), cols, CAD_ARRAY_LEN(cols));
	user_free(&u);
	free(addr);
	return CTL_OK;
}

static int user_disable_or_delete(struct ctl *c, int argc, char **argv, int delete)
{
	struct user u;
	struct cad_err err;
	char *addr;
	int count = 0;
	json_t *o;
	int r = one_address(c, argc, argv, delete ? USAGE_DELETE : USAGE_DISABLE, &addr);

	if (r != CTL_GO)
		return r;
	if (ctl_store(c, 0) != 0) {
		free(addr);
		return CTL_FAIL;
	}
	if (get_user(c, addr, &u) != 0) {
		free(addr);
		return CTL_FAIL;
	}
	user_free(&u);
	r = delete ? store_user_delete(c->st, addr, c->actor, c->now, &count, &err)
		   : store_user_disable(c->st, addr, c->actor, c->now, &count, &err);
	if (r != 0) {
		ctl_fail(c, "%s: %s", addr, err.msg);
		free(addr);
		return CTL_FAIL;
	}
	o = json_object();
	out_set(o, "email", json_string(addr));
	out_set(o, delete ? "deleted" : "disabled", json_true());
	out_set(o, "unenrolled", json_integer(count));
	out_result(c, o, "%s %s; %d enrollment%s unenrolled", delete ? "deleted" : "disabled",
		   addr, count, count == 1 ? "" : "s");
	free(addr);
	return CTL_OK;
}

static int user_disable(struct ctl *c, int argc, char **argv)
{
	return user_disable_or_delete(c, argc, argv, 0);
}

static int user_delete(struct ctl *c, int argc, char **argv)
{
	return user_disable_or_delete(c, argc, argv, 1);
}

static int user_enable(struct ctl *c, int argc, char **argv)
{
	struct user u;
	struct cad_err err;
	char *addr;
	json_t *o;
	int r = one_address(c, argc, argv, USAGE_ENABLE, &addr);

	if (r != CTL_GO)
		return r;
	if (ctl_store(c, 0) != 0) {
		free(addr);
		return CTL_FAIL;
	}
	if (get_user(c, addr, &u) != 0) {
		free(addr);
		return CTL_FAIL;
	}
	free(addr);
	if (u.active) {
		ctl_fail(c, "%s: already enabled", u.email);
		user_free(&u);
		return CTL_FAIL;
	}
	u.active = 1;
	if (store_user_update(c->st, &u, c->actor, c->now, &err) != 0) {
		ctl_fail(c, "%s: %s", u.email, err.msg);
		user_free(&u);
		return CTL_FAIL;
	}
	o = user_json(&u);
	out_result(c, o, "enabled %s", u.email);
	user_free(&u);
	return CTL_OK;
}

/* Turns a rep's daily task digest on or off. */
static int user_digest(struct ctl *c, int argc, char **argv)
{
	struct user u;
	struct cad_err err;
	char *addr;
	json_t *o;
	int on;
	int r = ctl_plain_args(c, argc, argv, USAGE_DIGEST, 2, 2, "needs ADDRESS and yes or no");

	if (r != CTL_GO)
		return r;
	if (parse_yes_no(c, "digest", c->pos[1], &on) != 0)
		return CTL_FAIL;
	if (ctl_parse_addr(c, "address", c->pos[0], &addr) != 0)
		return CTL_FAIL;
	if (ctl_store(c, 0) != 0 || get_user(c, addr, &u) != 0) {
		free(addr);
		return CTL_FAIL;
	}
	free(addr);
	u.digest = on;
	if (store_user_update(c->st, &u, c->actor, c->now, &err) != 0) {
		ctl_fail(c, "%s: %s", u.email, err.msg);
		user_free(&u);
		return CTL_FAIL;
	}
	o = user_json(&u);
	out_result(c, o, "%s: daily task digest %s", u.email, on ? "on" : "off");
	user_free(&u);
	return CTL_OK;
}

int cmd_user(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_sub subs[] = {
		{ "add", user_add, USAGE_ADD },
		{ "list", user_list, USAGE_LIST },
		{ "show", user_show, USAGE_SHOW },
		{ "disable", user_disable, USAGE_DISABLE },
		{ "enable", user_enable, USAGE_ENABLE },
		{ "delete", user_delete, USAGE_DELETE },
		{ "digest", user_digest, USAGE_DIGEST },
	};
	return ctl_dispatch_group(c, "user", subs, CAD_ARRAY_LEN(subs), argc, argv);
}
