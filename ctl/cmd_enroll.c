/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_enroll.c - "cadencectl enroll": enroll contacts in a sequence as a
 * rep, given by address or in a CSV file.
 *
 * Each contact is decided on its own by enroll_one() (src/enroll.h), in
 * its own transaction: a refusal is one line on stderr naming the contact
 * and the reason, and the other contacts proceed. Contacts of a CSV file
 * are imported (upserted) first, bad rows reported by line, and their
 * enrollments are marked bulk. An address not known yet becomes a bare
 * contact (address only; templates then use their fallbacks).
 *
 * Then the mail the rep already sent in the rolling 24 h is weighed
 * against the new first steps (enroll_cap.h): when some of them must
 * wait for the rep's cap, a warning says how many and until when, in the
 * rep's zone. It warns, never refuses: cadenced holds those steps until
 * the cap frees, and nothing is lost (a projected day over the cap is
 * refused by enroll_one(), as before).
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctlcsv.h"
#include "enroll.h"
#include "enroll_cap.h"
#include "out.h"

#define USAGE "enroll --sequence NAME --as REP (ADDRESS... | --csv FILE.csv)"

struct addr_list {
	char **v;
	size_t n, cap;
};

static void addr_push(struct addr_list *l, const char *a)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = xstrdup(a);
}

static void addr_list_free(struct addr_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static void csv_contact(void *arg, const struct contact *k, size_t line)
{
	(void)line;
	addr_push(arg, k->email);
}

/* Makes sure a contact of that address exists; -1 after a message. */
static int ensure_contact(struct ctl *c, const char *addr)
{
	struct contact k;
	struct cad_err err;
	int created, r;

	memset(&k, 0, sizeof(k));
	r = store_contact_get(c->st, addr, &k, &err);
	if (r == 0) {
		contact_free(&k);
		return 0;
	}
	if (r != STORE_NOTFOUND)
		return ctl_fail(c, "%s: %s", addr, err.msg), -1;
	k.email = xstrdup(addr);
	r = store_contact_upsert(c->st, &k, c->now, &created, &err);
	contact_free(&k);
	if (r != 0)
		return ctl_fail(c, "%s: %s", addr, err.msg), -1;
	return 0;
}

/* The rolling 24 h already spent against the new first steps (ids): a
 * warning on standard error, and "capWarning" in o (null when none). */
static void cap_note(struct ctl *c, const struct user *u, const int64_t *ids, size_t nids,
		     const char *single, json_t *o)
{
	struct cad_err err = { "" };
	struct sbuf text;

	sbuf_init(&text);
	if (enroll_cap_note(c->st, u, ids, nids, single, c->now, &text, &err) < 0)
		/* the enrollments stand; only the note is missing */
		fprintf(stderr, "cadencectl: %s: warning: cannot weigh the last 24 h: %s\n",
			c->cmd, err.msg);
	else if (text.len > 0 && !c->json)
		fprintf(stderr, "cadencectl: %s: warning: %s\n", c->cmd, text.s);
	out_set(o, "capWarning", text.len > 0 ? json_string(text.s) : json_null());
	sbuf_free(&text);
}

int cmd_enroll(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sequence", required_argument, NULL, 'S' },
		{ "as", required_argument, NULL, 'a' },
		{ "csv", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	const char *seqname = NULL, *csv = NULL;
	char *rep = NULL;
	struct addr_list list = { NULL, 0, 0 };
	struct ctlcsv_result csvres;
	struct sequence s;
	struct user u;
	struct cad_err err;
	json_t *ok_rows, *refused_rows, *o;
	int64_t *new_ids = NULL;
	const char *single = NULL;
	int ch, r, i, nok = 0, nrefused = 0, rc = CTL_FAIL;
	size_t k;

	memset(&csvres, 0, sizeof(csvres));
	memset(&u, 0, sizeof(u));
	while ((ch = ctl_getopt(c, argc, argv, "", longopts)) != -1) {
		switch (ch) {
		case 'h': rc = ctl_help(USAGE); goto out;
		case 'S': seqname = optarg; break;
		case 'a':
			free(rep);
			rep = NULL;
			if (ctl_parse_addr(c, "--as", optarg, &rep) != 0)
				goto out;
			break;
		case 'f': csv = optarg; break;
		default: rc = CTL_USAGE; goto out;
		}
	}
	if (seqname == NULL || rep == NULL) {
		rc = ctl_usage_error(c, USAGE, "--sequence and --as are required");
		goto out;
	}
	if (csv == NULL && c->npos == 0) {
		rc = ctl_usage_error(c, USAGE, "which contacts? give ADDRESS... or --csv FILE");
		goto out;
	}
	if (csv != NULL && c->npos != 0) {
		rc = ctl_usage_error(c, USAGE, "give ADDRESS... or --csv FILE, not both");
		goto out;
	}
	if (ctl_store(c, 0) != 0)
		goto out;
	/* The sequence and the rep are checked once, not once per contact. */
	memset(&s, 0, sizeof(s));
	r = store_sequence_get(c->st, seqname, &s, &err);
	if (r == STORE_NOTFOUND)   /* the slug of its name, as enroll+SLUG@ */
		r = enroll_sequence_by_slug(c->st, seqname, &s, &err);
	if (r != 0) {
		ctl_fail(c, "%s: %s", seqname, r == STORE_NOTFOUND ? "no such sequence" : err.msg);
		goto out;
	}
	sequence_free(&s);
	r = store_user_get(c->st, rep, &u, &err);
	if (r != 0) {
		ctl_fail(c, "--as %s: %s", rep, r == STORE_NOTFOUND ? "no such rep" : err.msg);
		goto out;
	}

	ok_rows = json_array();
	refused_rows = json_array();
	if (csv != NULL) {
		if (ctlcsv_import(c, csv, csv_contact, &list, &csvres) != 0) {
			json_decref(ok_rows);
			json_decref(refused_rows);
			goto out;
		}
	} else {
		for (i = 0; i < c->npos; i++) {
			char *addr = NULL;
			if (ctl_parse_addr(c, "address", c->pos[i], &addr) != 0 ||
			    ensure_contact(c, addr) != 0) {
				o = json_object();
				out_set(o, "contact", json_string(addr ? addr : c->pos[i]));
				out_set(o, "reason", json_string(addr ? "cannot be stored"
								      : "not a valid mail address"));
				json_array_append_new(refused_rows, o);
				nrefused++;
				free(addr);
				continue;
			}
			addr_push(&list, addr);
			free(addr);
		}
	}
	for (k = 0; k < list.n; k++) {
		struct enroll_request rq;
		struct enroll_result res;

		memset(&rq, 0, sizeof(rq));
		memset(&res, 0, sizeof(res));
		rq.contact = list.v[k];
		rq.sequence = seqname;
		rq.user = rep;
		rq.actor = c->actor;
		rq.bulk = csv != NULL;
		if (enroll_one(c->st, &rq, c->now, &res, &err) != 0) {
			ctl_fail(c, "%s: %s", list.v[k], err.msg);
			res.ok = 0;
			snprintf(res.why, sizeof(res.why), "%s", err.msg);
		}
		o = json_object();
		out_set(o, "contact", json_string(list.v[k]));
		if (res.ok) {
			if (new_ids == NULL)
				new_ids = xcalloc(list.n, sizeof(*new_ids));
			new_ids[nok] = res.enrollment_id;
			single = list.v[k];
			out_set(o, "enrollment", json_integer(res.enrollment_id));
			json_array_append_new(ok_rows, o);
			nok++;
			if (!c->json)
				printf("enrolled %s (enrollment %" PRId64 ")\n", list.v[k],
				       res.enrollment_id);
		} else {
			out_set(o, "reason", json_string(res.why));
			json_array_append_new(refused_rows, o);
			nrefused++;
			/* The reason usually starts with the address already. */
			if (strncmp(res.why, list.v[k], strlen(list.v[k])) == 0)
				ctl_fail(c, "%s", res.why);
			else
				ctl_fail(c, "%s: %s", list.v[k], res.why);
		}
	}
	o = json_object();
	out_set(o, "sequence", json_string(seqname));
	out_set(o, "user", json_string(rep));
	out_set(o, "bulk", json_boolean(csv != NULL));
	out_set(o, "enrolled", ok_rows);
	out_set(o, "refused", refused_rows);
	cap_note(c, &u, new_ids, (size_t)nok, single, o);
	if (csv != NULL) {
		out_set(o, "imported", json_integer(csvres.created));
		out_set(o, "updated", json_integer(csvres.updated));
		out_set(o, "rejected", json_integer(csvres.rejected));
		out_result(c, o, "%d enrolled, %d refused (%d contacts imported, %d updated, "
			   "%d rows rejected)", nok, nrefused, csvres.created, csvres.updated,
			   csvres.rejected);
	} else {
		out_result(c, o, "%d enrolled, %d refused", nok, nrefused);
	}
	rc = nrefused || csvres.rejected ? CTL_FAIL : CTL_OK;
out:
	addr_list_free(&list);
	free(rep);
	free(new_ids);
	user_free(&u);
	return rc;
}
