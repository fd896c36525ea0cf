/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_state.c - "cadencectl pause|resume|unenroll": change the state of one
 * enrollment, of a whole sequence's, of all of a rep's (and, for
 * unenroll, of all of a contact's).
 *
 * Each is one store transaction writing one event per enrollment changed.
 * A single enrollment that cannot change (already finished, not paused...)
 * is an error that says its state; a group with nothing to change is not.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "out.h"

#define USAGE_PAUSE "pause (ID | --sequence NAME | --user REP) [--reason TEXT] [--until TIME]"
#define USAGE_RESUME "resume (ID | --sequence NAME | --user REP)"
#define USAGE_UNENROLL "unenroll (ID | --contact ADDRESS | --sequence NAME | --user REP) " \
	"--reason TEXT"

enum state_op { OP_PAUSE, OP_RESUME, OP_UNENROLL };

struct target {
	enum store_scope scope;
	char *key;       /* id, name or normalized address */
	int set;
};

/* 0, or the exit code after printing why. */
static int set_target(struct ctl *c, struct target *t, enum store_scope scope, const char *what,
		      const char *arg, const char *usage)
{
	if (t->set)
		return ctl_usage_error(c, usage, "give only one of ID, --contact, --sequence, "
				       "--user");
	t->set = 1;
	t->scope = scope;
	if (scope == SCOPE_USER || scope == SCOPE_CONTACT)
		return ctl_parse_addr(c, what, arg, &t->key) == 0 ? 0 : CTL_FAIL;
	t->key = xstrdup(arg);
	return 0;
}

/* Checks that the target exists, so that a typo is not "0 changed". For a
 * single enrollment, fills *e. */
static int check_target(struct ctl *c, const struct target *t, struct enrollment *e)
{
	struct cad_err err;
	int r = 0;

	switch (t->scope) {
	case SCOPE_ENROLLMENT: {
		int64_t id;
		if (ctl_parse_id(c, "enrollment", t->key, &id) != 0)
			return -1;
		r = store_enrollment_get(c->st, id, e, &err);
		if (r == STORE_NOTFOUND)
			return ctl_fail(c, "enrollment %" PRId64 ": not found", id), -1;
		break;
	}
	case SCOPE_SEQUENCE: {
		struct sequence s;
		memset(&s, 0, sizeof(s));
		r = store_sequence_get(c->st, t->key, &s, &err);
		if (r == STORE_NOTFOUND)
			return ctl_fail(c, "%s: no such sequence", t->key), -1;
		if (r == 0)
			sequence_free(&s);
		break;
	}
	case SCOPE_USER: {
		struct user u;
		memset(&u, 0, sizeof(u));
		r = store_user_get(c->st, t->key, &u, &err);
		if (r == STORE_NOTFOUND)
			return ctl_fail(c, "%s: no such rep", t->key), -1;
		if (r == 0)
			user_free(&u);
		break;
	}
	case SCOPE_CONTACT: {
		struct contact k;
		memset(&k, 0, sizeof(k));
		r = store_contact_get(c->st, t->key, &k, &err);
		if (r == STORE_NOTFOUND)
			return ctl_fail(c, "%s: no such contact", t->key), -1;
		if (r == 0)
			contact_free(&k);
		break;
	}
	case SCOPE_COMPANY:
		break;
	}
	if (r != 0)
		return ctl_fail(c, "%s: %s", t->key, err.msg), -1;
	return 0;
}

static const char *scope_name(enum store_scope s)
{
	switch (s) {
	case SCOPE_ENROLLMENT: return "enrollment";
	case SCOPE_SEQUENCE: return "sequence";
	case SCOPE_USER: return "user";
	case SCOPE_CONTACT: return "contact";
	case SCOPE_COMPANY: return "company";
	}
	return "?";
}

static int run_state(struct ctl *c, int argc, char **argv, enum state_op op)
{
	static const struct option longopts[] = {
		{ "sequence", required_argument, NULL, 'S' },
		{ "user", required_argument, NULL, 'U' },
		{ "contact", required_argument, NULL, 'C' },
		{ "reason", required_argument, NULL, 'r' },
		{ "until", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const verbs[] = { "paused", "resumed", "unenrolled" };
	const char *usage = op == OP_PAUSE ? USAGE_PAUSE
			    : op == OP_RESUME ? USAGE_RESUME : USAGE_UNENROLL;
	struct target t;
	struct enrollment e;
	struct cad_err err;
	const char *reason = NULL, *until_arg = NULL;
	cad_time_t until = 0;
	int ch, count = 0, r, rc = CTL_FAIL;
	json_t *o;

	memset(&t, 0, sizeof(t));
	memset(&e, 0, sizeof(e));
	while ((ch = ctl_getopt(c, argc, argv, "", longopts)) != -1) {
		switch (ch) {
		case 'h': rc = ctl_help(usage); goto out;
		case 'S':
			if ((r = set_target(c, &t, SCOPE_SEQUENCE, "--sequence", optarg, usage)) != 0)
				goto done;
			break;
		case 'U':
			if ((r = set_target(c, &t, SCOPE_USER, "--user", optarg, usage)) != 0)
				goto done;
			break;
		case 'C':
			if (op != OP_UNENROLL) {
				ctl_usage_error(c, usage, "--contact: only unenroll takes a contact");
				goto usage;
			}
			if ((r = set_target(c, &t, SCOPE_CONTACT, "--contact", optarg, usage)) != 0)
				goto done;
			break;
		case 'r':
			if (op == OP_RESUME) {
				ctl_usage_error(c, usage, "--reason: resume takes no reason");
				goto usage;
			}
			reason = optarg;
			break;
		case 'u':
			if (op != OP_PAUSE) {
				ctl_usage_error(c, usage, "--until: only pause takes a time");
				goto usage;
			}
			until_arg = optarg;
			break;
		default: goto usage;
		}
	}
	if (c->npos > 1) {
		ctl_usage_error(c, usage, "takes at most one enrollment ID");
		goto usage;
	}
	if (c->npos == 1 &&
	    (r = set_target(c, &t, SCOPE_ENROLLMENT, "enrollment", c->pos[0], usage)) != 0)
		goto done;
	if (!t.set) {
		ctl_usage_error(c, usage, "which enrollments? give an ID or a --sequence/--user%s",
				op == OP_UNENROLL ? "/--contact" : "");
		goto usage;
	}
	if (op == OP_UNENROLL && (reason == NULL || *reason == '\0')) {
		ctl_usage_error(c, usage, "--reason is required");
		goto usage;
	}
	if (until_arg != NULL) {
		if (ctl_parse_time(c, "--until", until_arg, &until) != 0)
			goto out;
		if (until <= c->now) {
			ctl_fail(c, "--until '%s': not in the future", until_arg);
			goto out;
		}
	}
	if (op == OP_PAUSE && reason == NULL)
		reason = "paused by hand";
	if (ctl_store(c, 0) != 0 || check_target(c, &t, &e) != 0)
		goto out;

	switch (op) {
	case OP_PAUSE:
		r = store_pause(c->st, t.scope, t.key, reason, until, c->actor, c->now, &count,
				&err);
		break;
	case OP_RESUME:
		r = store_resume(c->st, t.scope, t.key, c->actor, c->now, &count, &err);
		break;
	default:
		r = store_unenroll(c->st, t.scope, t.key, reason, c->actor, c->now, &count, &err);
		break;
	}
	if (r != 0) {
		ctl_fail(c, "%s: %s", t.key, err.msg);
		goto out;
	}
	if (t.scope == SCOPE_ENROLLMENT && count == 0) {
		ctl_fail(c, "enrollment %s is %s; nothing %s", t.key, enr_state_name(e.state),
			 verbs[op]);
		goto out;
	}
	o = json_object();
	out_set(o, "scope", json_string(scope_name(t.scope)));
	out_set(o, "key", json_string(t.key));
	out_set(o, verbs[op], json_integer(count));
	if (reason != NULL)
		out_set(o, "reason", json_string(reason));
	if (until != 0)
		out_set(o, "until", out_time(until));
	if (t.scope == SCOPE_ENROLLMENT)
		out_result(c, o, "enrollment %s %s", t.key, verbs[op]);
	else
		out_result(c, o, "%d enrollment%s %s (%s %s)", count, count == 1 ? "" : "s",
			   verbs[op], scope_name(t.scope), t.key);
	rc = CTL_OK;
	goto out;
usage:
	rc = CTL_USAGE;
	goto out;
done:
	rc = r;
out:
	enrollment_free(&e);
	free(t.key);
	return rc;
}

int cmd_pause(struct ctl *c, int argc, char **argv)
{
	return run_state(c, argc, argv, OP_PAUSE);
}

int cmd_resume(struct ctl *c, int argc, char **argv)
{
	return run_state(c, argc, argv, OP_RESUME);
}

int cmd_unenroll(struct ctl *c, int argc, char **argv)
{
	return run_state(c, argc, argv, OP_UNENROLL);
}
