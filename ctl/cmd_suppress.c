/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_suppress.c - "cadencectl suppress add|remove|list": addresses and
 * whole domains that cadence never enrolls or mails.
 *
 * A pattern with an '@' is an address; without one (or written "@domain")
 * it is a domain, which also covers its subdomains (see store.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ctllist.h"

#define USAGE_ADD "suppress add ADDRESS|DOMAIN --kind KIND [--note TEXT]"
#define USAGE_REMOVE "suppress remove ADDRESS|DOMAIN"
#define USAGE_LIST "suppress list"
#define KINDS "customer, partner, competitor, former_employee, unsubscribed, bounced, " \
	"complaint, manual"

/* Normalizes arg into an address or a domain pattern; -1 after a message. */
static int parse_pattern(const struct ctl *c, const char *arg, char **pattern, int *is_domain)
{
	const char *p = arg[0] == '@' ? arg + 1 : arg;

	if (strchr(p, '@') != NULL) {
		*is_domain = 0;
		return ctl_parse_addr(c, "address", p, pattern);
	}
	if (!cad_domain_valid(p)) {
		struct sbuf b;
		sbuf_init(&b);
		cad_printable(&b, arg, 200);
		ctl_fail(c, "'%s': not a mail address or a domain", b.s);
		sbuf_free(&b);
		return -1;
	}
	*is_domain = 1;
	*pattern = xstrdup(p);
	cad_strlower(*pattern);
	return 0;
}

static json_t *supp_json(const struct suppression *s)
{
	json_t *o = json_object();

	out_set(o, "id", out_id(s->id));
	out_set(o, "pattern", out_str(s->pattern));
	out_set(o, "type", json_string(s->is_domain ? "domain" : "address"));
	out_set(o, "kind", json_string(supp_kind_name(s->kind)));
	out_set(o, "note", out_str(s->note));
	out_set(o, "createdAt", out_time(s->created_at));
	return o;
}

static int supp_add(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "note", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct suppression s;
	struct cad_err err;
	const char *kind = NULL, *note = NULL;
	int ch, rc = CTL_FAIL;

	memset(&s, 0, sizeof(s));
	while ((ch = ctl_getopt(c, argc, argv, "", longopts)) != -1) {
		switch (ch) {
		case 'h': return ctl_help(USAGE_ADD);
		case 'k': kind = optarg; break;
		case 'n': note = optarg; break;
		default: return CTL_USAGE;
		}
	}
	if (c->npos != 1)
		return ctl_usage_error(c, USAGE_ADD, "needs exactly one ADDRESS or DOMAIN");
	if (kind == NULL)
		return ctl_usage_error(c, USAGE_ADD, "--kind is required (" KINDS ")");
	if (supp_kind_parse(kind, &s.kind) != 0) {
		ctl_bad_arg(c, "--kind", kind, 100, "not one of " KINDS);
		return CTL_FAIL;
	}
	if (parse_pattern(c, c->pos[0], &s.pattern, &s.is_domain) != 0)
		return CTL_FAIL;
	s.note = xstrdup(note);
	if (ctl_store(c, 0) != 0)
		goto out;
	if (store_suppress_add(c->st, &s, c->actor, c->now, &err) != 0) {
		ctl_fail(c, "%s: %s", s.pattern, err.msg);
		goto out;
	}
	out_result(c, supp_json(&s), "suppressed %s %s (%s)", s.is_domain ? "domain" : "address",
		   s.pattern, supp_kind_name(s.kind));
	rc = CTL_OK;
out:
	suppression_free(&s);
	return rc;
}

static int supp_remove(struct ctl *c, int argc, char **argv)
{
	struct cad_err err;
	char *pattern = NULL;
	int is_domain;
	json_t *o;
	int r = ctl_plain_args(c, argc, argv, USAGE_REMOVE, 1, 1,
			       "needs exactly one ADDRESS or DOMAIN");

	if (r != CTL_GO)
		return r;
	if (parse_pattern(c, c->pos[0], &pattern, &is_domain) != 0)
		return CTL_FAIL;
	if (ctl_store(c, 0) != 0) {
		free(pattern);
		return CTL_FAIL;
	}
	r = store_suppress_remove(c->st, pattern, c->actor, c->now, &err);
	if (r != 0) {
		ctl_fail(c, "%s: %s", pattern, r == STORE_NOTFOUND ? "not suppressed" : err.msg);
		free(pattern);
		return CTL_FAIL;
	}
	o = json_object();
	out_set(o, "pattern", json_string(pattern));
	out_set(o, "removed", json_true());
	out_result(c, o, "removed %s from the suppression list", pattern);
	free(pattern);
	return CTL_OK;
}

static int supp_rows(struct store *st, const void *arg, json_t *rows, struct cad_err *err)
{
	struct suppression *s;
	size_t n, i;

	(void)arg;
	if (store_suppress_list(st, &s, &n, err) != 0)
		return -1;
	for (i = 0; i < n; i++)
		json_array_append_new(rows, supp_json(&s[i]));
	store_suppressions_free(s, n);
	return 0;
}

static int supp_list(struct ctl *c, int argc, char **argv)
{
	static const struct out_col cols[] = {
		{ "pattern", "PATTERN", NULL, 0 },
		{ "type", "TYPE", NULL, 0 },
		{ "kind", "KIND", NULL, 0 },
		{ "createdAt", "ADDED", NULL, 0 },
		{ "note", "NOTE", NULL, 0 },
	};
	return ctllist_run(c, argc, argv, USAGE_LIST, supp_rows, cols, CAD_ARRAY_LEN(cols));
}

int cmd_suppress(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_sub subs[] = {
		{ "add", supp_add, USAGE_ADD },
		{ "remove", supp_remove, USAGE_REMOVE },
		{ "list", supp_list, USAGE_LIST },
	};
	return ctl_dispatch_group(c, "suppress", subs, CAD_ARRAY_LEN(subs), argc, argv);
}
