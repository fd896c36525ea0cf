/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_contact.c - "cadencectl contact import|show|set": contacts from CSV
 * files (see ctlcsv.h: bad rows reported by line, good rows kept), one
 * contact with its properties, aliases and enrollments, and a contact's
 * region (the holiday calendar of its steps, rules.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "holiday.h"
#include "rules.h"
#include "ctlcsv.h"
#include "enrview.h"
#include "out.h"

#define USAGE_IMPORT "contact import FILE.csv"
#define USAGE_SHOW "contact show ADDRESS"
#define USAGE_SET "contact set ADDRESS --region NAME|\"\""

static int contact_import(struct ctl *c, int argc, char **argv)
{
	struct ctlcsv_result res;
	json_t *o;
	int r = ctl_plain_args(c, argc, argv, USAGE_IMPORT, 1, 1, "needs exactly one FILE.csv");

	if (r != CTL_GO)
		return r;
	if (ctl_store(c, 0) != 0)
		return CTL_FAIL;
	if (ctlcsv_import(c, c->pos[0], NULL, NULL, &res) != 0)
		return CTL_FAIL;
	o = json_object();
	out_set(o, "file", json_string(c->pos[0]));
	out_set(o, "imported", json_integer(res.created));
	out_set(o, "updated", json_integer(res.updated));
	out_set(o, "rejected", json_integer(res.rejected));
	out_result(c, o, "%d imported, %d updated, %d rejected", res.created, res.updated,
		   res.rejected);
	return res.rejected ? CTL_FAIL : CTL_OK;
}

static int contact_show(struct ctl *c, int argc, char **argv)
{
	static const struct out_col enr_cols[] = {
		{ "id", "ID", NULL, 0 },
		{ "sequence", "SEQUENCE", NULL, 0 },
		{ "user", "REP", NULL, 0 },
		{ "state", "STATE", NULL, 0 },
		{ "next", "NEXT", NULL, 0 },
		{ "nextDue", "DUE", NULL, 0 },
		{ "updatedAt", "UPDATED", NULL, 0 },
		{ "reason", "REASON", NULL, 0 },
	};
	static const struct out_col cols[] = {
		{ "id", "Id", NULL, 0 },
		{ "email", "Address", NULL, 0 },
		{ "firstname", "First name", NULL, 0 },
		{ "lastname", "Last name", NULL, 0 },
		{ "company", "Company", NULL, 0 },
		{ "tz", "Time zone", NULL, 0 },
		{ "region", "Region", NULL, 0 },
		{ "aliases", "Aliases", NULL, 0 },
		{ "createdAt", "Created", NULL, 0 },
		{ "properties", "Properties", NULL, 0 },
		{ "enrollments", "Enrollments", enr_cols, CAD_ARRAY_LEN(enr_cols) },
	};
	struct contact k;
	struct cad_err err;
	struct enr_filter f;
	struct enrollment_view *v = NULL;
	size_t n = 0, i;
	char *addr = NULL;
	json_t *o, *props, *aliases, *enrs;
	int r = ctl_plain_args(c, argc, argv, USAGE_SHOW, 1, 1, "needs exactly one ADDRESS");

	if (r != CTL_GO)
		return r;
	if (ctl_parse_addr(c, "address", c->pos[0], &addr) != 0)
		return CTL_FAIL;
	if (ctl_store(c, STORE_READONLY) != 0) {
		free(addr);
		return CTL_FAIL;
	}
	memset(&k, 0, sizeof(k));
	r = store_contact_get(c->st, addr, &k, &err);
	if (r != 0) {
		ctl_fail(c, "%s: %s", addr, r == STORE_NOTFOUND ? "no such contact" : err.msg);
		free(addr);
		return CTL_FAIL;
	}
	free(addr);
	memset(&f, 0, sizeof(f));
	f.state = -1;
	f.contact = k.email;
	if (store_enrollments(c->st, &f, &v, &n, &err) != 0) {
		contact_free(&k);
		return ctl_fail(c, "%s", err.msg);
	}
	o = json_object();
	out_set(o, "id", json_integer(k.id));
	out_set(o, "email", out_str(k.email));
	out_set(o, "firstname", out_str(k.firstname));
	out_set(o, "lastname", out_str(k.lastname));
	out_set(o, "company", out_str(k.company));
	out_set(o, "tz", out_str(k.tz));
	out_set(o, "region", out_str(k.region));
	aliases = json_array();
	for (i = 0; i < k.naliases; i++)
		json_array_append_new(aliases, out_str(k.aliases[i]));
	out_set(o, "aliases", aliases);
	out_set(o, "createdAt", out_time(k.created_at));
	props = json_object();
	for (i = 0; i < k.nprops; i++)
		if (k.props[i].key != NULL)
			out_set(props, k.props[i].key, out_str(k.props[i].value));
	out_set(o, "properties", props);
	enrs = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(enrs, enrview_json(&v[i]));
	out_set(o, "enrollments", enrs);
	store_enrollment_views_free(v, n);
	contact_free(&k);
	out_record(c, o, cols, CAD_ARRAY_LEN(cols));
	return CTL_OK;
}

/* A region must name a calendar the store holds: a typo would pause every
 * enrollment of the contact (rules.h), better refused here. */
static int region_known(struct ctl *c, const char *region)
{
	struct cad_err err;

	if (rules_region_check(c->st, region, &err) != 0) {
		ctl_fail(c, "%s", err.msg);
		return -1;
	}
	return 0;
}

static int contact_set(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "region", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct contact k;
	struct cad_err err;
	const char *region = NULL;
	char *addr = NULL;
	int64_t id;
	json_t *o;
	int ch, r;

	while ((ch = ctl_getopt(c, argc, argv, "", longopts)) != -1) {
		switch (ch) {
		case 'h': return ctl_help(USAGE_SET);
		case 'r': region = optarg; break;
		default: return CTL_USAGE;
		}
	}
	if (c->npos != 1)
		return ctl_usage_error(c, USAGE_SET, "needs exactly one ADDRESS");
	if (region == NULL)
		return ctl_usage_error(c, USAGE_SET, "needs --region (\"\" clears it)");
	if (*region != '\0' && !holiday_calendar_valid(region))
		return ctl_fail(c, "--region %s: not a calendar name (1-32 of A-Z a-z 0-9 _ -)",
				region);
	if (ctl_parse_addr(c, "address", c->pos[0], &addr) != 0)
		return CTL_FAIL;
	if (ctl_store(c, 0) != 0) {
		free(addr);
		return CTL_FAIL;
	}
	memset(&k, 0, sizeof(k));
	r = store_contact_get(c->st, addr, &k, &err);
	if (r != 0) {
		ctl_fail(c, "%s: %s", addr, r == STORE_NOTFOUND ? "no such contact" : err.msg);
		free(addr);
		return CTL_FAIL;
	}
	free(addr);
	if (*region != '\0' && region_known(c, region) != 0) {
		contact_free(&k);
		return CTL_FAIL;
	}
	if (store_contact_set_region(c->st, k.id, region, c->now, &err) != 0) {
		ctl_fail(c, "%s", err.msg);
		contact_free(&k);
		return CTL_FAIL;
	}
	id = k.id;
	contact_free(&k);
	if (store_contact_get_id(c->st, id, &k, &err) != 0) {
		ctl_fail(c, "%s", err.msg);
		return CTL_FAIL;
	}
	o = json_object();
	out_set(o, "email", out_str(k.email));
	out_set(o, "region", out_str(k.region));
	out_result(c, o, "%s: region %s", k.email, k.region ? k.region : "cleared (the sequence's "
		   "holiday calendars apply)");
	contact_free(&k);
	return CTL_OK;
}

int cmd_contact(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_sub subs[] = {
		{ "import", contact_import, USAGE_IMPORT },
		{ "show", contact_show, USAGE_SHOW },
		{ "set", contact_set, USAGE_SET },
	};
	return ctl_dispatch_group(c, "contact", subs, CAD_ARRAY_LEN(subs), argc, argv);
}
