/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mtest.c - cadence-milter -T (see mtest.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "mconn.h"
#include "mmsg.h"
#include "filter.h"
#include "mtest.h"
#include "replay.h"
#include "store.h"
#include "store_report.h"

struct mtest_state {
	int write;
	struct store *st;        /* the connection's store, while the message runs */
	int txn;                 /* the read-only run's transaction is open */
	int64_t before;          /* events before the end of message */
	int64_t after;
	char *store_note;        /* why no store actions can be shown */
	struct event *ev;        /* the events the end of message recorded */
	size_t nev;
};

/* The replay's hook around the end of message: the read-only run opens a
 * transaction first and rolls it back after, reading the events in it. */
static void at_eom(void *priv, int after, void *arg)
{
	struct mtest_state *s = arg;
	struct mconn *cn = priv;
	struct cad_err err = { "" };
	if (!after) {
		s->st = cn != NULL ? mconn_store(cn, &err) : NULL;
		if (s->st == NULL || (!s->write && store_begin(s->st, &err) != 0)) {
			s->store_note = xstrdup(err.msg[0] ? err.msg : "no store");
			s->st = NULL;
			return;
		}
		s->txn = !s->write;
		if (store_events_count(s->st, &s->before, &err) != 0)
			s->store_note = xstrdup(err.msg);
		return;
	}
	if (s->st == NULL)
		return;
	if (store_events_count(s->st, &s->after, &err) == 0 && s->after > s->before) {
		struct event_filter f;
		memset(&f, 0, sizeof(f));
		f.limit = (size_t)(s->after - s->before);
		if (store_events(s->st, &f, &s->ev, &s->nev, &err) != 0)
			s->store_note = xstrdup(err.msg);
	}
	if (s->txn)
		store_rollback(s->st);
	s->txn = 0;
}

/* The addresses of the header fields called name (unfolded) into v. */
static void header_addrs(const char *msg, const char *name, const char **v, size_t *n,
			 char **keep, size_t *nkeep)
{
	size_t nl = strlen(name);
	for (const char *p = msg; *p != '\0' && *p != '\n' && *p != '\r';) {
		const char *eol = p;
		struct sbuf val;
		while (*eol != '\0' && !(*eol == '\n' && eol[1] != ' ' && eol[1] != '\t'))
			eol++;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			InternetAddressList *l;
			sbuf_init(&val);
			sbuf_add(&val, p + nl + 1, (size_t)(eol - p - nl - 1));
			l = internet_address_list_parse(NULL, val.s);
			for (int i = 0; l != NULL && i < internet_address_list_length(l); i++) {
				InternetAddress *a = internet_address_list_get_address(l, i);
				if (INTERNET_ADDRESS_IS_MAILBOX(a) && *n < MTEST_MAX_RCPTS) {
					keep[*nkeep] = xstrdup(internet_address_mailbox_get_addr(
						INTERNET_ADDRESS_MAILBOX(a)));
					v[(*n)++] = keep[(*nkeep)++];
				}
			}
			if (l != NULL)
				g_object_unref(l);
			sbuf_free(&val);
		}
		p = *eol != '\0' ? eol + 1 : eol;
	}
}

static void print_env(FILE *out, const struct replay_env *e, const char *src)
{
	fprintf(out, "envelope (%s): MAIL FROM:<%s>", src, e->mail_from);
	for (size_t i = 0; i < e->nrcpts; i++)
		fprintf(out, " RCPT TO:<%s>", e->rcpts[i]);
	fprintf(out, "\nclient %s%s%s\n", e->client_addr, e->auth_authen != NULL ? ", SMTP AUTH " : "",
		e->auth_authen != NULL ? e->auth_authen : "");
}

static void print_result(FILE *out, const struct replay_result *r, const struct mtest_state *s)
{
	const char *what = r->answer == SMFIS_CONTINUE || r->answer == SMFIS_ACCEPT
				   ? "the message goes on"
				   : r->answer == SMFIS_DISCARD ? "the message is discarded"
				   : r->answer == SMFIS_REJECT ? "the message is refused"
				   : r->answer == SMFIS_TEMPFAIL ? "the message is refused for now"
								   : "?";
	fprintf(out, "answer: %s at %s: %s\n", replay_answer_name(r->answer), r->stage, what);
	if (r->reply != NULL)
		fprintf(out, "reply: %s\n", r->reply);
	for (size_t i = 0; i < r->nactions; i++) {
		const struct replay_action *a = &r->actions[i];
		if (a->kind == REPLAY_INSHEADER)
			fprintf(out, "header added at %d: %s: %s\n", a->index, a->name, a->value);
		else if (a->kind == REPLAY_CHGHEADER && a->value == NULL)
			fprintf(out, "header removed: %s[%d]\n", a->name, a->index);
		else if (a->kind == REPLAY_CHGHEADER)
			fprintf(out, "header changed: %s[%d]: %s\n", a->name, a->index, a->value);
		else
			fprintf(out, "recipient removed: %s\n", a->value);
	}
	if (s->store_note != NULL)
		fprintf(out, "store: not read (%s)\n", s->store_note);
	else if (s->st != NULL || s->nev > 0)
		fprintf(out, "store: %zu event%s%s\n", s->nev, s->nev == 1 ? "" : "s",
			s->write ? " recorded" : " (rolled back: -T is read-only without -W)");
	for (size_t i = 0; i < s->nev; i++) {
		struct sbuf d;
		sbuf_init(&d);
		cad_printable(&d, s->ev[i].detail != NULL ? s->ev[i].detail : "", 300);
		fprintf(out, "  event %s enrollment %lld: %s\n", s->ev[i].type,
			(long long)s->ev[i].enrollment_id, d.s);
		sbuf_free(&d);
	}
}

int mtest_run(const struct mtest_opts *o, FILE *out, struct cad_err *err)
{
	struct mtest_state s;
	struct replay_env env;
	struct replay_result res;
	const char *rcpts[MTEST_MAX_RCPTS], *from[1] = { NULL };
	char *keep[2 * MTEST_MAX_RCPTS + 2];
	size_t nkeep = 0, nfrom = 0, len = 0;
	char *msg = NULL;
	int rc;

	if (strcmp(o->file, "-") == 0)
		rc = cad_read_stream(STDIN_FILENO, "standard input", MTEST_MAX_MESSAGE, 0, &msg, &len,
				     err);
	else
		rc = cad_read_file(o->file, MTEST_MAX_MESSAGE, 0, &msg, &len, err);
	if (rc != 0)
		return -1;
	/* a message saved from an mbox starts with its "From " line: not a field */
	if (len > 5 && strncmp(msg, "From ", 5) == 0) {
		char *nl = memchr(msg, '\n', len);
		size_t skip = nl != NULL ? (size_t)(nl - msg) + 1 : len;
		memmove(msg, msg + skip, len - skip + 1);
		len -= skip;
	}
	memset(&env, 0, sizeof(env));
	memset(&s, 0, sizeof(s));
	env.mail_from = o->mail_from;
	if (env.mail_from == NULL)
		header_addrs(msg, "Return-Path", from, &nfrom, keep, &nkeep);
	if (env.mail_from == NULL && nfrom == 0)
		header_addrs(msg, "From", from, &nfrom, keep, &nkeep);
	if (env.mail_from == NULL)
		env.mail_from = nfrom > 0 ? from[0] : "";
	memcpy(rcpts, o->rcpts, o->nrcpts * sizeof(*rcpts));
	env.nrcpts = o->nrcpts;
	if (env.nrcpts == 0) {
		header_addrs(msg, "To", rcpts, &env.nrcpts, keep, &nkeep);
		header_addrs(msg, "Cc", rcpts, &env.nrcpts, keep, &nkeep);
		header_addrs(msg, "Bcc", rcpts, &env.nrcpts, keep, &nkeep);
	}
	env.rcpts = rcpts;
	env.client_addr = o->client_addr != NULL ? o->client_addr : "127.0.0.1";
	env.auth_authen = o->auth;
	env.helo = o->helo;
	env.queue_id = "REPLAY";
	env.daemon_name = "replay";
	env.at_eom = at_eom;
	env.arg = &s;
	s.write = o->write;
	if (env.nrcpts == 0) {
		cad_err_set(err, "%s: no recipient (give -R, or To/Cc/Bcc fields)", o->file);
		rc = -1;
	} else if ((rc = replay_run(&filter_desc, &env, msg, len, &res, err)) == 0) {
		print_env(out, &env, o->mail_from != NULL || o->nrcpts > 0 ? "given" : "from the headers");
		print_result(out, &res, &s);
		replay_result_free(&res);
	} else {
		cad_err_prefix(err, "%s", o->file);
	}
	store_events_free(s.ev, s.nev);
	free(s.store_note);
	for (size_t i = 0; i < nkeep; i++)
		free(keep[i]);
	free(msg);
	return rc;
}
