/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_contact.c - contacts, their free-form properties and their known
 * aliases: upsert by address, look-up by address or alias, and the
 * contacts of a company's domain.
 *
 * Guarantees: addresses, aliases and domains are stored lower-case; an
 * upsert (row, properties, aliases) is one transaction; an alias belongs
 * to one contact only, and saying otherwise is an error, not a silent
 * move; an upsert of a known alias updates the contact it belongs to.
 * Property keys are lower-case.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "holiday.h"
#include "store_int.h"

/* The schema version that added contacts.region (store_schema.c's
 * mig_contact_region). A store opened at an older version on purpose
 * (store_open_version, the upgrade tests) is written without it. */
#define CONTACT_V_REGION 8

static const char sql_find[] = "SELECT id FROM contacts WHERE email = ?";
static const char sql_insert[] =
	"INSERT INTO contacts (email, domain, firstname, lastname, company, tz, created_at,"
	" updated_at, region) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?9) RETURNING id";
static const char sql_insert_old[] =
	"INSERT INTO contacts (email, domain, firstname, lastname, company, tz, created_at,"
	" updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) RETURNING id";
/* Given fields replace the stored ones; NULL keeps them. */
static const char sql_update[] =
	"UPDATE contacts SET firstname = COALESCE(?3, firstname),"
	" lastname = COALESCE(?4, lastname), company = COALESCE(?5, company),"
	" tz = COALESCE(?6, tz), region = COALESCE(?9, region), updated_at = ?7 WHERE id = ?8 RETURNING id";
static const char sql_update_old[] =
	"UPDATE contacts SET firstname = COALESCE(?3, firstname),"
	" lastname = COALESCE(?4, lastname), company = COALESCE(?5, company),"
	" tz = COALESCE(?6, tz), updated_at = ?7 WHERE id = ?8 RETURNING id";
static const char sql_prop[] =
	"INSERT INTO contact_props (contact_id, key, value) VALUES (?, ?, ?)"
	" ON CONFLICT (contact_id, key) DO UPDATE SET value = excluded.value";
static const char sql_alias_owner[] = "SELECT contact_id FROM contact_aliases WHERE alias = ?";
static const char sql_alias_add[] =
	"INSERT INTO contact_aliases (alias, contact_id) VALUES (?, ?)";

static int find_id(struct store *st, const char *sql, const char *key, int64_t *id,
		   struct cad_err *err)
{
	store_q *s = store_stmt(st, sql, err);
	if (s)
		store_bind_text(s, 1, key);
	return store_one_id(st, s, id, "looking up a contact", err);
}

/* Adds alias to contact_id inside the caller's transaction. */
static int alias_put(struct store *st, int64_t contact_id, const char *alias,
		     struct cad_err *err)
{
	store_q *s;
	int64_t owner = 0;
	char *a;
	int rc;

	if (alias == NULL || !cad_addr_valid(alias))
		return cad_err_set(err, "alias \"%s\" is not a valid address", alias ? alias : "");
	a = store_lower(alias);
	rc = find_id(st, sql_alias_owner, a, &owner, err);
	if (rc == STORE_NOTFOUND)
		rc = find_id(st, sql_find, a, &owner, err);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		if (owner != contact_id)
			rc = cad_err_set(err, "alias %s already belongs to another contact", a);
		/* Already known for this contact: nothing to do. */
		goto out;
	}
	rc = -1;
	s = store_stmt(st, sql_alias_add, err);
	if (s == NULL)
		goto out;
	store_bind_text(s, 1, a);
	store_bind_int64(s, 2, contact_id);
	rc = store_exec_stmt(st, s, "adding an alias", err);
out:
	free(a);
	return rc;
}

int store_contact_upsert(struct store *st, struct contact *c, cad_time_t now, int *created,
			 struct cad_err *err)
{
	store_q *s;
	const char *domain;
	char *email, *region;
	int64_t id = 0;
	size_t i;
	int rc;

	if (c->email == NULL || !cad_addr_valid(c->email))
		return cad_err_set(err, "contact address \"%s\" is not a valid address",
				   c->email ? c->email : "");
	if (c->region != NULL && !holiday_calendar_valid(c->region))
		return cad_err_set(err, "contact %s: region \"%s\" is not a calendar name "
				   "(1-32 of A-Z a-z 0-9 _ -)", c->email, c->region);
	email = store_lower(c->email);
	domain = cad_addr_domain(email);
	if (store_begin(st, err) < 0) {
		free(email);
		return -1;
	}
	rc = find_id(st, sql_find, email, &id, err);
	/* A known alias is the same person: update them, do not add a twin
	 * that could be enrolled a second time. */
	if (rc == STORE_NOTFOUND)
		rc = find_id(st, sql_alias_owner, email, &id, err);
	if (rc < 0)
		goto fail;
	s = store_stmt(st, store_schema_version(st) < CONTACT_V_REGION
			       ? (rc == 0 ? sql_update_old : sql_insert_old)
			       : (rc == 0 ? sql_update : sql_insert), err);
	if (s == NULL)
		goto fail;
	store_bind_text(s, 1, email);
	store_bind_text(s, 2, domain);
	store_bind_text(s, 3, c->firstname);
	store_bind_text(s, 4, c->lastname);
	store_bind_text(s, 5, c->company);
	store_bind_text(s, 6, c->tz);
	store_bind_int64(s, 7, now);
	if (rc == 0)
		store_bind_int64(s, 8, id);
	if (store_schema_version(st) >= CONTACT_V_REGION) {
		region = store_lower(c->region);
		store_bind_text(s, 9, region);
		free(region);
	}
	if (store_exec_id(st, s, &id, "storing a contact", err) < 0)
		goto fail;
	for (i = 0; i < c->nprops; i++) {
		char *key = store_lower(c->props[i].key);
		if (key == NULL || *key == '\0') {
			free(key);
			cad_err_set(err, "contact %s: a property has no name", email);
			goto fail;
		}
		s = store_stmt(st, sql_prop, err);
		if (s == NULL) {
			free(key);
			goto fail;
		}
		store_bind_int64(s, 1, id);
		store_bind_text(s, 2, key);
		store_bind_text(s, 3, c->props[i].value);
		free(key);
		if (store_exec_stmt(st, s, "storing a property", err) < 0)
			goto fail;
	}
	for (i = 0; i < c->naliases; i++)
		if (alias_put(st, id, c->aliases[i], err) < 0)
			goto fail;
	if (store_commit(st, err) < 0) {
		free(email);
		return -1;
	}
	c->id = id;
	if (created)
		*created = rc != 0;
	if (rc != 0)
		c->created_at = now;
	free(email);
	return 0;
fail:
	store_rollback(st);
	free(email);
	return -1;
}

static const char sql_region[] =
	"UPDATE contacts SET region = ?1, updated_at = ?2 WHERE id = ?3";

int store_contact_set_region(struct store *st, int64_t contact_id, const char *region,
			     cad_time_t now, struct cad_err *err)
{
	store_q *s;
	char *r;
	int rc;

	if (region != NULL && *region != '\0' && !holiday_calendar_valid(region))
		return cad_err_set(err, "region \"%s\" is not a calendar name "
				   "(1-32 of A-Z a-z 0-9 _ -)", region);
	s = store_stmt(st, sql_region, err);
	if (s == NULL)
		return -1;
	r = region != NULL && *region != '\0' ? store_lower(region) : NULL;
	store_bind_text(s, 1, r);
	store_bind_int64(s, 2, now);
	store_bind_int64(s, 3, contact_id);
	rc = store_exec_stmt(st, s, "storing a contact's region", err);
	free(r);
	if (rc == 0 && store_changes(st) == 0) {
		cad_err_set(err, "no contact with id %lld", (long long)contact_id);
		return STORE_NOTFOUND;
	}
	return rc;
}

int store_contact_add_alias(struct store *st, int64_t contact_id, const char *alias,
			    struct cad_err *err)
{
	struct contact c;
	int rc;
	if (store_begin(st, err) < 0)
		return -1;
	rc = store_contact_get_id(st, contact_id, &c, err);
	contact_free(&c);
	if (rc == 0)
		rc = alias_put(st, contact_id, alias, err);
	if (rc != 0) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st, err);
}

#define CONTACT_COLS "id, email, firstname, lastname, company, tz, created_at"
static const char sql_get_id[] =
	"SELECT " CONTACT_COLS ", region FROM contacts WHERE id = ?";
static const char sql_get_id_old[] =
	"SELECT " CONTACT_COLS ", NULL FROM contacts WHERE id = ?";
static const char sql_props[] =
	"SELECT key, value FROM contact_props WHERE contact_id = ? ORDER BY key";
static const char sql_aliases[] =
	"SELECT alias FROM contact_aliases WHERE contact_id = ? ORDER BY alias";

static void read_prop(store_q *s, void *out)
{
	struct prop *p = out;
	p->key = store_col_text(s, 0);
	p->value = store_col_text(s, 1);
}

/* On error what was read stays in c, for contact_free(). */
static int load_extras(struct store *st, struct contact *c, struct cad_err *err)
{
	store_q *s = store_stmt(st, sql_props, err);
	if (s)
		store_bind_int64(s, 1, c->id);
	if (store_all_rows(st, s, read_prop, sizeof(*c->props), (void **)&c->props, &c->nprops,
			   "reading properties", err) < 0)
		return -1;
	s = store_stmt(st, sql_aliases, err);
	if (s)
		store_bind_int64(s, 1, c->id);
	return store_all_rows(st, s, store_read_text, sizeof(*c->aliases), (void **)&c->aliases,
			      &c->naliases, "reading aliases", err);
}

int store_contact_get_id(struct store *st, int64_t id, struct contact *out, struct cad_err *err)
{
	store_q *s = store_stmt(st, store_schema_version(st) < CONTACT_V_REGION ? sql_get_id_old
										    : sql_get_id, err);
	int rc;
	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return -1;
	store_bind_int64(s, 1, id);
	rc = store_step(s);
	if (rc == STORE_ROW) {
		out->id = store_col_int64(s, 0);
		out->email = store_col_text(s, 1);
		out->firstname = store_col_text(s, 2);
		out->lastname = store_col_text(s, 3);
		out->company = store_col_text(s, 4);
		out->tz = store_col_text(s, 5);
		out->created_at = store_col_int64(s, 6);
		out->region = store_col_text(s, 7);
	}
	store_stmt_done(s);
	if (rc == STORE_DONE) {
		cad_err_set(err, "no contact with id %lld", (long long)id);
		return STORE_NOTFOUND;
	}
	if (rc != STORE_ROW)
		return store_dberr(st, "reading a contact", err);
	if (load_extras(st, out, err) < 0) {
		contact_free(out);
		return -1;
	}
	return 0;
}

int store_contact_get(struct store *st, const char *email, struct contact *out,
		      struct cad_err *err)
{
	char *e = store_lower(email);
	int64_t id = 0;
	int rc;
	memset(out, 0, sizeof(*out));
	rc = find_id(st, sql_find, e ? e : "", &id, err);
	if (rc == STORE_NOTFOUND)
		rc = find_id(st, sql_alias_owner, e ? e : "", &id, err);
	free(e);
	if (rc == STORE_NOTFOUND)
		cad_err_set(err, "no contact %s", email ? email : "(null)");
	if (rc != 0)
		return rc;
	return store_contact_get_id(st, id, out, err);
}

/* The domain itself, or any subdomain of it (LIKE with '\' escaping, so
 * that '_' in a domain is not a wildcard). */
static const char sql_at_domain[] =
	"SELECT id FROM contacts WHERE domain = ?1 OR domain LIKE ?2 ESCAPE '\\' ORDER BY id";

int store_contacts_at_domain(struct store *st, const char *domain, int64_t **ids, size_t *n,
			     struct cad_err *err)
{
	store_q *s;
	struct sbuf pat;
	char *d;
	const char *p;

	*ids = NULL;
	*n = 0;
	if (domain == NULL || *domain == '\0')
		return cad_err_set(err, "no domain given");
	s = store_stmt(st, sql_at_domain, err);
	if (s == NULL)
		return -1;
	d = store_lower(domain);
	sbuf_init(&pat);
	sbuf_adds(&pat, "%.");
	for (p = d; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			sbuf_addc(&pat, '\\');
		sbuf_addc(&pat, *p);
	}
	store_bind_text(s, 1, d);
	store_bind_text(s, 2, pat.s);
	free(d);
	sbuf_free(&pat);
	if (store_all_rows(st, s, store_read_id, sizeof(**ids), (void **)ids, n,
			   "listing a domain's contacts", err) == 0)
		return 0;
	free(*ids);
	*ids = NULL;
	*n = 0;
	return -1;
}
