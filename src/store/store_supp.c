/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_supp.c - the suppression list: addresses and whole domains that
 * cadence must never enroll or mail, each with a kind (customer, partner,
 * competitor, former employee, unsubscribed, bounced, complaint, manual).
 *
 * Guarantees: patterns are stored lower-case, one row per pattern. An
 * address matches an address entry equal to it, or a domain entry for its
 * domain or any parent domain ("ann@eu.acme.test" is caught by "acme.test");
 * the address entry wins, then the most specific domain. Adding and
 * removing write their event in the same transaction.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define SUPP_COLS "id, pattern, is_domain, kind, note, created_at"

static void read_supp(store_q *s, void *out)
{
	struct suppression *p = out;
	enum supp_kind k = SUPP_MANUAL;
	memset(p, 0, sizeof(*p));
	p->id = store_col_int64(s, 0);
	p->pattern = store_col_text(s, 1);
	p->is_domain = store_col_int(s, 2);
	supp_kind_parse(store_col_cstr(s, 3), &k);
	p->kind = k;
	p->note = store_col_text(s, 4);
	p->created_at = store_col_int64(s, 5);
}

/* The stored form of a pattern: "ann@acme.test", or "acme.test" for a
 * domain (written "acme.test", "@acme.test" or "*.acme.test"). */
static char *normalize_pattern(const char *in, int *is_domain, struct cad_err *err)
{
	char *p;
	const char *s = in;
	if (s == NULL || *s == '\0') {
		cad_err_set(err, "no address or domain given");
		return NULL;
	}
	if (*s == '@')
		s++;
	else if (strncmp(s, "*.", 2) == 0)
		s += 2;
	p = store_lower(s);
	*is_domain = strchr(p, '@') == NULL;
	if (*is_domain ? !cad_domain_valid(p) : !cad_addr_valid(p)) {
		cad_err_set(err, "\"%s\" is neither an address nor a domain", in);
		free(p);
		return NULL;
	}
	return p;
}

static const char sql_insert[] =
	"INSERT INTO suppressions (pattern, is_domain, kind, note, created_at)"
	" VALUES (?, ?, ?, ?, ?) RETURNING id";
static const char sql_by_pattern[] =
	"SELECT " SUPP_COLS " FROM suppressions WHERE pattern = ? AND is_domain = ?";
/* An address and up to SUPP_DOMAINS of its domains (the domain, then each
 * parent) in one statement: the address's entry first, then the longest
 * (nearest) domain's, as one look-up after the other would find them.
 * The patterns are unique: one index probe each. */
#define SUPP_DOMAINS 8
static const char sql_by_address[] =
	"SELECT " SUPP_COLS " FROM suppressions"
	" WHERE (pattern = ?1 AND is_domain = 0)"
	" OR (is_domain = 1 AND pattern IN (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9))"
	" ORDER BY is_domain, length(pattern) DESC LIMIT 1";
static const char sql_remove[] = "DELETE FROM suppressions WHERE pattern = ?";

int store_suppress_add(struct store *st, struct suppression *sp, const char *actor,
		       cad_time_t now, struct cad_err *err)
{
	store_q *s;
	char *pat, *detail = NULL;
	int is_domain, rc;

	pat = normalize_pattern(sp->pattern, &is_domain, err);
	if (pat == NULL)
		return -1;
	if (sp->is_domain && !is_domain) {
		cad_err_set(err, "%s is an address, not a domain", pat);
		free(pat);
		return -1;
	}
	if (store_begin(st, err) < 0) {
		free(pat);
		return -1;
	}
	s = store_stmt(st, sql_insert, err);
	if (s == NULL)
		goto fail;
	store_bind_text(s, 1, pat);
	store_bind_int64(s, 2, is_domain);
	store_bind_text(s, 3, supp_kind_name(sp->kind));
	store_bind_text(s, 4, sp->note);
	store_bind_int64(s, 5, now);
	rc = store_step_id(s, &sp->id);
	if (rc != STORE_DONE) {
		if (store_is_unique_violation(st))
			cad_err_set(err, "%s is already suppressed", pat);
		else
			store_dberr(st, "adding a suppression", err);
		store_stmt_done(s);
		goto fail;
	}
	store_stmt_done(s);
	detail = xasprintf("%s %s (%s)%s%s", is_domain ? "domain" : "address", pat,
			   supp_kind_name(sp->kind), sp->note ? ": " : "", sp->note ? sp->note : "");
	if (store_event_put(st, now, EV_SUPPRESSED, 0, 0, 0, 0, actor, detail, err) < 0)
		goto fail;
	if (store_commit(st, err) < 0)
		goto fail_nt;
	sp->is_domain = is_domain;
	sp->created_at = now;
	free(pat);
	free(detail);
	return 0;
fail:
	store_rollback(st);
fail_nt:
	sp->id = 0;
	free(pat);
	free(detail);
	return -1;
}

int store_suppress_remove(struct store *st, const char *pattern, const char *actor,
			  cad_time_t now, struct cad_err *err)
{
	store_q *s;
	char *pat;
	int is_domain;

	pat = normalize_pattern(pattern, &is_domain, err);
	if (pat == NULL)
		return -1;
	if (store_begin(st, err) < 0) {
		free(pat);
		return -1;
	}
	s = store_stmt(st, sql_remove, err);
	if (s == NULL)
		goto fail;
	store_bind_text(s, 1, pat);
	if (store_exec_stmt(st, s, "removing a suppression", err) < 0)
		goto fail;
	if (store_changes(st) == 0) {
		cad_err_set(err, "%s is not suppressed", pat);
		store_rollback(st);
		free(pat);
		return STORE_NOTFOUND;
	}
	if (store_event_put(st, now, EV_UNSUPPRESSED, 0, 0, 0, 0, actor, pat, err) < 0)
		goto fail;
	free(pat);
	return store_commit(st, err);
fail:
	store_rollback(st);
	free(pat);
	return -1;
}

static const char sql_list[] = "SELECT " SUPP_COLS " FROM suppressions ORDER BY pattern";

int store_suppress_list(struct store *st, struct suppression **out, size_t *n,
			struct cad_err *err)
{
	if (store_all_rows(st, store_stmt(st, sql_list, err), read_supp, sizeof(**out),
			   (void **)out, n, "listing suppressions", err) == 0)
		return 0;
	store_suppressions_free(*out, *n);
	*out = NULL;
	*n = 0;
	return -1;
}

void store_suppressions_free(struct suppression *s, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		suppression_free(&s[i]);
	free(s);
}

/* Steps a bound suppression look-up: 1 and *match filled (when match is
 * not NULL) on a row, 0 on none, -1 on error. */
static int found(struct store *st, store_q *s, struct suppression *match, struct cad_err *err)
{
	struct suppression tmp;
	int rc;

	memset(&tmp, 0, sizeof(tmp));
	rc = store_one_row(st, s, read_supp, match ? match : &tmp,
			   "checking the suppression list", err);
	if (match == NULL)
		suppression_free(&tmp);
	return rc == 0 ? 1 : rc == STORE_NOTFOUND ? 0 : -1;
}

/* 1 and *match filled when (pattern, is_domain) is an entry, 0 if not. */
static int lookup(struct store *st, const char *pattern, int is_domain,
		  struct suppression *match, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_by_pattern, err);
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, pattern);
	store_bind_int64(s, 2, is_domain);
	return found(st, s, match, err);
}

/* "eu.acme.test" -> "acme.test" -> "test" -> NULL. */
static const char *next_parent(const char *d)
{
	d = strchr(d, '.');
	return d ? d + 1 : NULL;
}

/* lookup() of the address and of *d (its domain) and up to SUPP_DOMAINS - 1
 * parents at once; *d is left at the first domain not looked up (NULL
 * when none is left). */
static int lookup_address(struct store *st, const char *addr, const char **d,
			  struct suppression *match, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_by_address, err);
	int i;
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, addr);
	for (i = 0; i < SUPP_DOMAINS; i++) {
		store_bind_text(s, 2 + i, *d && **d ? *d : NULL);
		if (*d && **d)
			*d = next_parent(*d);
	}
	return found(st, s, match, err);
}

int store_suppressed(struct store *st, const char *address, struct suppression *match,
		     struct cad_err *err)
{
	char *a;
	const char *d;
	int rc;

	if (match)
		memset(match, 0, sizeof(*match));
	if (address == NULL || *address == '\0')
		return cad_err_set(err, "no address to check");
	a = store_lower(address);
	d = cad_addr_domain(a);
	rc = lookup_address(st, a, &d, match, err);
	/* A domain of more than SUPP_DOMAINS labels: its shorter parents. */
	while (rc == 0 && d && *d) {
		rc = lookup(st, d, 1, match, err);
		d = next_parent(d);
	}
	free(a);
	return rc;
}
