/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_events.c - "cadencectl events": the append-only event log, filtered
 * by contact, sequence, rep, type and time, oldest first.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ctllist.h"

#define USAGE "events [--contact ADDRESS] [--sequence NAME] [--user REP] [--type TYPE] " \
	"[--since TIME] [--until TIME] [--limit N]"

static int event_rows(struct store *st, const void *arg, json_t *rows, struct cad_err *err)
{
	struct event *ev;
	size_t n, i;

	if (store_events(st, arg, &ev, &n, err) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		json_t *o = json_object();
		out_set(o, "id", json_integer(ev[i].id));
		out_set(o, "at", out_time(ev[i].at));
		out_set(o, "type", out_str(ev[i].type));
		out_set(o, "enrollment", out_id(ev[i].enrollment_id));
		out_set(o, "contact", out_str(ev[i].contact_email));
		out_set(o, "sequence", out_str(ev[i].sequence_name));
		out_set(o, "user", out_str(ev[i].user_email));
		out_set(o, "actor", out_str(ev[i].actor));
		out_set(o, "detail", out_str(ev[i].detail));
		json_array_append_new(rows, o);
	}
	store_events_free(ev, n);
	return 0;
}

int cmd_events(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "contact", required_argument, NULL, 'C' },
		{ "sequence", required_argument, NULL, 'S' },
		{ "user", required_argument, NULL, 'U' },
		{ "type", required_argument, NULL, 'T' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "limit", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct out_col cols[] = {
		{ "id", "ID", NULL, 0 },
		{ "at", "AT", NULL, 0 },
		{ "type", "TYPE", NULL, 0 },
		{ "enrollment", "ENR", NULL, 0 },
		{ "contact", "CONTACT", NULL, 0 },
		{ "sequence", "SEQUENCE", NULL, 0 },
		{ "user", "REP", NULL, 0 },
		{ "actor", "ACTOR", NULL, 0 },
		{ "detail", "DETAIL", NULL, 0 },
	};
	struct event_filter f;
	char *contact = NULL, *user = NULL;
	long limit;
	int ch, rc = CTL_FAIL;

	memset(&f, 0, sizeof(f));
	while ((ch = ctl_getopt(c, argc, argv, "", longopts)) != -1) {
		switch (ch) {
		case 'h': rc = ctl_help(USAGE); goto out;
		case 'C':
			free(contact);
			if (ctl_parse_addr(c, "--contact", optarg, &contact) != 0)
				goto out;
			break;
		case 'S': f.sequence = optarg; break;
		case 'U':
			free(user);
			if (ctl_parse_addr(c, "--user", optarg, &user) != 0)
				goto out;
			break;
		case 'T': f.type = optarg; break;
		case 's':
			if (ctl_parse_time(c, "--since", optarg, &f.since) != 0)
				goto out;
			break;
		case 'u':
			if (ctl_parse_time(c, "--until", optarg, &f.until) != 0)
				goto out;
			break;
		case 'l':
			if (ctl_parse_int(c, "--limit", optarg, 1, 10000000, &limit) != 0)
				goto out;
			f.limit = (size_t)limit;
			break;
		default: rc = CTL_USAGE; goto out;
		}
	}
	if (c->npos != 0) {
		rc = ctl_usage_error(c, USAGE, "takes no positional arguments");
		goto out;
	}
	f.contact = contact;
	f.user = user;
	rc = ctllist_show(c, event_rows, &f, cols, CAD_ARRAY_LEN(cols));
out:
	free(contact);
	free(user);
	return rc;
}
