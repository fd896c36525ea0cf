/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * enroll_senders.c - the EnrollSenders table (see enroll_senders.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mkeys.h"
#include "enroll_senders.h"

static void entry_free(struct enroll_sender *e)
{
	free(e->login);
	netlist_free(&e->net);
	for (size_t i = 0; i < e->nreps; i++)
		free(e->reps[i]);
	free(e->reps);
}

void enroll_senders_free(struct enroll_senders *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++)
		entry_free(&t->v[i]);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

/* "ada@example.com" or "@example.com" */
static int rep_ok(const char *r)
{
	if (*r == '@') {
		char *a = xasprintf("x%s", r);
		int ok = cad_addr_valid(a);
		free(a);
		return ok;
	}
	return cad_addr_valid(r);
}

/* One line: identity, then one or more reps. */
static int parse_line(struct enroll_sender *e, char *line, struct cad_err *err)
{
	const char *sep = " \t,";
	char *save = NULL, *id = strtok_r(line, sep, &save), *r;

	if (id[0] == '[') {
		size_t n = strlen(id);
		char *item;
		if (n < 3 || id[n - 1] != ']')
			return cad_err_set(err, "\"%s\": a client network is written in brackets "
					   "([192.0.2.25], [10.0.0.0/8])", id);
		item = xstrndup(id + 1, n - 2);
		if (netlist_parse(&e->net, &item, 1, err) != 0) {
			free(item);
			return -1;
		}
		free(item);
	} else {
		e->login = xstrdup(id);
		cad_strlower(e->login);
	}
	while ((r = strtok_r(NULL, sep, &save)) != NULL) {
		if (!rep_ok(r))
			return cad_err_set(err, "\"%s\" is neither an address nor @domain", r);
		e->reps = xreallocarray(e->reps, e->nreps + 1, sizeof(*e->reps));
		e->reps[e->nreps] = xstrdup(r);
		cad_strlower(e->reps[e->nreps]);
		e->nreps++;
	}
	if (e->nreps == 0)
		return cad_err_set(err, "\"%s\" names no rep address", id);
	return 0;
}

int enroll_senders_parse(struct enroll_senders *t, const char *text, const char *fname,
			 struct cad_err *err)
{
	struct enroll_senders out = { NULL, 0 };
	char *copy = xstrdup(text), *p = copy;
	int lineno = 0;

	while (p != NULL && *p != '\0') {
		char *nl = strchr(p, '\n'), *line = p, *hash;
		lineno++;
		if (nl != NULL)
			*nl = '\0';
		p = nl != NULL ? nl + 1 : NULL;
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		line = cad_trim(line);
		if (*line == '\0')
			continue;
		out.v = xreallocarray(out.v, out.n + 1, sizeof(*out.v));
		memset(&out.v[out.n], 0, sizeof(out.v[out.n]));
		out.v[out.n].line = lineno;
		out.n++;
		if (parse_line(&out.v[out.n - 1], line, err) != 0) {
			cad_err_prefix(err, "%s:%d", fname, lineno);
			enroll_senders_free(&out);
			free(copy);
			return -1;
		}
	}
	free(copy);
	enroll_senders_free(t);
	*t = out;
	return 0;
}

int enroll_senders_load(struct enroll_senders *t, const char *path, struct cad_err *err)
{
	char *text = NULL;
	int rc;
	if (cad_read_file(path, ENROLL_SENDERS_MAX_BYTES, CAD_READ_TEXT, &text, NULL, err) != 0) {
		cad_err_prefix(err, "EnrollSenders");
		return -1;
	}
	rc = enroll_senders_parse(t, text, path, err);
	free(text);
	return rc;
}

/* Does one of e's reps name rep (lower-cased)? */
static int names(const struct enroll_sender *e, const char *rep)
{
	const char *at = strrchr(rep, '@');
	for (size_t i = 0; i < e->nreps; i++) {
		const char *r = e->reps[i];
		if (r[0] == '@' ? at != NULL && strcmp(at, r) == 0 : strcmp(r, rep) == 0)
			return 1;
	}
	return 0;
}

int enroll_senders_allowed(const struct enroll_senders *t, const char *auth,
			   const char *client, const char *rep, struct sbuf *why)
{
	char *r, *login = NULL;
	int ok = 0;

	if (rep == NULL || *rep == '\0') {
		if (why != NULL)
			sbuf_adds(why, "the message has no single From address");
		return 0;
	}
	r = xstrdup(rep);
	cad_strlower(r);
	if (auth != NULL && *auth != '\0') {
		login = xstrdup(auth);
		cad_strlower(login);
		ok = strcmp(login, r) == 0;
		for (size_t i = 0; !ok && t != NULL && i < t->n; i++)
			ok = t->v[i].login != NULL && strcmp(t->v[i].login, login) == 0 &&
			     names(&t->v[i], r);
	} else {
		for (size_t i = 0; !ok && t != NULL && i < t->n; i++)
			ok = t->v[i].login == NULL && client != NULL &&
			     netlist_match(&t->v[i].net, client) && names(&t->v[i], r);
	}
	if (!ok && why != NULL) {
		if (login != NULL) {
			sbuf_adds(why, "the message was submitted by the SMTP user \"");
			cad_printable(why, login, 100);
			sbuf_adds(why, "\", who is not ");
			cad_printable(why, r, 200);
			sbuf_adds(why, " and may not enroll as that rep (EnrollSenders)");
		} else {
			sbuf_adds(why, "the message was submitted without SMTP AUTH from ");
			cad_printable(why, client != NULL ? client : "an unknown client", 64);
			sbuf_adds(why, ", which EnrollSenders does not let enroll as ");
			cad_printable(why, r, 200);
		}
	}
	free(login);
	free(r);
	return ok;
}
