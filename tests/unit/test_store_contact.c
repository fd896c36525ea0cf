/* SPDX-License-Identifier: BSD-2-Clause */
/* test_store_contact.c - unit tests for the store's contacts (upsert,
 * get, aliases), suppressions (addresses, domains and their parents),
 * holiday calendars and the event filter. Every test runs against a fresh
 * store (store_fixture.h), removed afterwards. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "holiday.h"
#include "store.h"
#include "store_fixture.h"
#include "store_holiday.h"

#define T0 SFX_T0   /* 2026-11-18T..Z, an arbitrary fixed "now" */

/* ---- contacts ---- */

static void test_contact_upsert_get(void **state)
{
	struct sfx *f = *state;
	struct cad_err err;
	struct contact c, got;
	int created = -1;
	int64_t *ids;
	size_t n;

	memset(&c, 0, sizeof(c));
	c.email = xstrdup("Ann@Acme.TEST");
	c.firstname = xstrdup("Ann");
	c.company = xstrdup("Acme");
	contact_set_prop(&c, "Title", "CTO");
	contact_set_prop(&c, "city", "Zürich");
	assert_int_equal(store_contact_upsert(f->st, &c, T0, &created, &err), 0);
	assert_int_equal(created, 1);
	contact_free(&c);

	/* Update: given fields replace, absent ones stay, props merge. */
	memset(&c, 0, sizeof(c));
	c.email = xstrdup("ann@acme.test");
	c.lastname = xstrdup("Archer");
	contact_set_prop(&c, "title", "CEO");
	c.aliases = xcalloc(1, sizeof(char *));
	c.aliases[0] = xstrdup("Ann.Archer@Acme.test");
	c.naliases = 1;
	assert_int_equal(store_contact_upsert(f->st, &c, T0 + 1, &created, &err), 0);
	assert_int_equal(created, 0);
	contact_free(&c);

	assert_int_equal(store_contact_get(f->st, "ANN@acme.test", &got, &err), 0);
	assert_string_equal(got.email, "ann@acme.test");
	assert_string_equal(got.firstname, "Ann");
	assert_string_equal(got.lastname, "Archer");
	assert_string_equal(got.company, "Acme");
	assert_string_equal(contact_prop(&got, "title"), "CEO");
	assert_string_equal(contact_prop(&got, "city"), "Zürich");
	assert_int_equal(got.naliases, 1);
	assert_string_equal(got.aliases[0], "ann.archer@acme.test");
	contact_free(&got);

	/* By alias; an upsert of the alias updates the same person. */
	memset(&c, 0, sizeof(c));
	c.email = xstrdup("Ann.Archer@acme.test");
	c.company = xstrdup("Acme Inc.");
	assert_int_equal(store_contact_upsert(f->st, &c, T0 + 2, &created, &err), 0);
	assert_int_equal(created, 0);
	contact_free(&c);
	assert_int_equal(store_contact_get(f->st, "ann.archer@acme.test", &got, &err), 0);
	assert_string_equal(got.email, "ann@acme.test");
	assert_string_equal(got.company, "Acme Inc.");
	/* An alias cannot belong to two contacts. */
	memset(&c, 0, sizeof(c));
	c.email = xstrdup("bob@sub.acme.test");
	assert_int_equal(store_contact_upsert(f->st, &c, T0, &created, &err), 0);
	assert_int_equal(store_contact_add_alias(f->st, c.id, "ann.archer@acme.test", &err), -1);
	assert_non_null(strstr(err.msg, "another contact"));
	assert_int_equal(store_contact_add_alias(f->st, c.id, "ann@acme.test", &err), -1);
	assert_int_equal(store_contact_add_alias(f->st, c.id, "robert@acme.test", &err), 0);
	assert_int_equal(store_contact_add_alias(f->st, c.id, "robert@acme.test", &err), 0);
	assert_int_equal(store_contact_add_alias(f->st, 999, "x@acme.test", &err), STORE_NOTFOUND);
	assert_int_equal(store_contact_add_alias(f->st, c.id, "junk", &err), -1);
	contact_free(&c);

	/* The company's domain includes its subdomains, not look-alikes. */
	memset(&c, 0, sizeof(c));
	c.email = xstrdup("eve@notacme.test");
	assert_int_equal(store_contact_upsert(f->st, &c, T0, &created, &err), 0);
	contact_free(&c);
	assert_int_equal(store_contacts_at_domain(f->st, "ACME.test", &ids, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], got.id);
	free(ids);
	contact_free(&got);

	assert_int_equal(store_contact_get(f->st, "nobody@acme.test", &got, &err), STORE_NOTFOUND);
	assert_non_null(strstr(err.msg, "nobody@acme.test"));
	assert_int_equal(store_contact_get_id(f->st, 555, &got, &err), STORE_NOTFOUND);
	memset(&c, 0, sizeof(c));
	c.email = xstrdup("no at sign");
	assert_int_equal(store_contact_upsert(f->st, &c, T0, &created, &err), -1);
	contact_free(&c);
}

/* ---- suppression ---- */

static void add_supp(struct store *st, const char *pattern, enum supp_kind k)
{
	struct suppression s;
	struct cad_err err;
	memset(&s, 0, sizeof(s));
	s.pattern = (char *)pattern;
	s.kind = k;
	assert_int_equal(store_suppress_add(st, &s, "cli:test", T0, &err), 0);
	assert_true(s.id > 0);
}

static void test_suppression(void **state)
{
	struct sfx *f = *state;
	struct cad_err err;
	struct suppression m, *list, s;
	size_t n;

	add_supp(f->st, "Ann@Acme.test", SUPP_UNSUBSCRIBED);
	add_supp(f->st, "competitor.test", SUPP_COMPETITOR);
	add_supp(f->st, "@customer.test", SUPP_CUSTOMER);

	assert_int_equal(store_suppressed(f->st, "ANN@acme.test", &m, &err), 1);
	assert_string_equal(m.pattern, "ann@acme.test");
	assert_int_equal(m.is_domain, 0);
	assert_int_equal(m.kind, SUPP_UNSUBSCRIBED);
	suppression_free(&m);
	assert_int_equal(store_suppressed(f->st, "bob@acme.test", &m, &err), 0);
	assert_int_equal(store_suppressed(f->st, "x@competitor.test", &m, &err), 1);
	assert_string_equal(m.pattern, "competitor.test");
	assert_int_equal(m.is_domain, 1);
	assert_int_equal(m.kind, SUPP_COMPETITOR);
	suppression_free(&m);
	/* A parent domain catches subdomains, not look-alikes. */
	assert_int_equal(store_suppressed(f->st, "y@eu.mail.customer.test", &m, &err), 1);
	assert_string_equal(m.pattern, "customer.test");
	suppression_free(&m);
	assert_int_equal(store_suppressed(f->st, "y@notcustomer.test", NULL, &err), 0);
	/* The address entry wins over a domain entry. */
	add_supp(f->st, "boss@competitor.test", SUPP_FORMER_EMPLOYEE);
	assert_int_equal(store_suppressed(f->st, "boss@competitor.test", &m, &err), 1);
	assert_int_equal(m.kind, SUPP_FORMER_EMPLOYEE);
	suppression_free(&m);

	/* Duplicates and junk. */
	memset(&s, 0, sizeof(s));
	s.pattern = (char *)"COMPETITOR.test";
	assert_int_equal(store_suppress_add(f->st, &s, "cli:test", T0, &err), -1);
	assert_non_null(strstr(err.msg, "already suppressed"));
	s.pattern = (char *)"not a domain!";
	assert_int_equal(store_suppress_add(f->st, &s, "cli:test", T0, &err), -1);
	/* The one domain rule (cad_domain_valid) the CLI and the API use too:
	 * no '_', no single label (the store took both before). */
	s.pattern = (char *)"my_host.test";
	assert_int_equal(store_suppress_add(f->st, &s, "cli:test", T0, &err), -1);
	assert_non_null(strstr(err.msg, "neither an address nor a domain"));
	s.pattern = (char *)"localhost";
	assert_int_equal(store_suppress_add(f->st, &s, "cli:test", T0, &err), -1);
	s.pattern = (char *)"a@b.test";
	s.is_domain = 1;
	assert_int_equal(store_suppress_add(f->st, &s, "cli:test", T0, &err), -1);

	assert_int_equal(store_suppress_list(f->st, &list, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(list[0].pattern, "ann@acme.test");
	store_suppressions_free(list, n);

	assert_int_equal(store_suppress_remove(f->st, "competitor.test", "cli:test", T0, &err), 0);
	assert_int_equal(store_suppressed(f->st, "x@competitor.test", NULL, &err), 0);
	assert_int_equal(store_suppress_remove(f->st, "competitor.test", "cli:test", T0, &err),
			 STORE_NOTFOUND);
	assert_non_null(strstr(err.msg, "not suppressed"));

	/* The nearest domain's entry is the one found, as the look-ups one
	 * after the other found it; and a domain of more labels than one
	 * statement takes (8) is still caught by a far parent. */
	add_supp(f->st, "mail.customer.test", SUPP_COMPETITOR);
	assert_int_equal(store_suppressed(f->st, "y@eu.mail.customer.test", &m, &err), 1);
	assert_string_equal(m.pattern, "mail.customer.test");
	assert_int_equal(m.kind, SUPP_COMPETITOR);
	suppression_free(&m);
	assert_int_equal(store_suppressed(f->st, "z@a.b.c.d.e.f.g.h.i.customer.test", &m, &err), 1);
	assert_string_equal(m.pattern, "customer.test");
	suppression_free(&m);
	assert_int_equal(store_suppressed(f->st, "z@a.b.c.d.e.f.g.h.i.j.k.example.test", NULL,
					  &err), 0);
}

/* ---- holidays ---- */

static void test_holidays(void **state)
{
	struct sfx *f = *state;
	struct cad_err err;
	struct holiday_list l, got;
	struct event_filter ef;
	struct event *ev;
	size_t n;

	holiday_list_init(&l);
	holiday_list_add(&l, "de", "2026-12-25", "Weihnachten");
	holiday_list_add(&l, "de", "2026-10-03", "Tag der Deutschen Einheit");
	assert_int_equal(store_holidays_replace(f->st, "de", &l, "cli:test", T0, &err), 0);
	holiday_list_free(&l);
	holiday_list_add(&l, "us", "2026-12-25", "Christmas");
	holiday_list_add(&l, "us", "2026-11-26", "Thanksgiving");
	assert_int_equal(store_holidays_replace(f->st, "us", &l, "cli:test", T0, &err), 0);

	/* Several calendars, merged by date. */
	assert_int_equal(store_holidays_get(f->st, "us, DE", &got, &err), 0);
	assert_int_equal(got.n, 4);
	assert_string_equal(got.v[0].date, "2026-10-03");
	assert_string_equal(got.v[1].date, "2026-11-26");
	assert_string_equal(got.v[2].date, "2026-12-25");
	assert_string_equal(got.v[2].calendar, "de");
	assert_string_equal(got.v[3].calendar, "us");
	holiday_list_free(&got);

	/* A re-import replaces the calendar whole. */
	holiday_list_free(&l);
	holiday_list_add(&l, "us", "2027-01-01", "New Year");
	assert_int_equal(store_holidays_replace(f->st, "us", &l, "cli:test", T0 + 1, &err), 0);
	assert_int_equal(store_holidays_get(f->st, "us", &got, &err), 0);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.v[0].name, "New Year");
	holiday_list_free(&got);

	/* A bad date refuses the import and keeps the old one. */
	holiday_list_add(&l, "us", "2026-02-29", "no such day");
	assert_int_equal(store_holidays_replace(f->st, "us", &l, "cli:test", T0, &err), -1);
	assert_non_null(strstr(err.msg, "2026-02-29"));
	assert_int_equal(store_holidays_replace(f->st, "Bad Name", &l, "cli:test", T0, &err), -1);
	holiday_list_free(&l);
	assert_int_equal(store_holidays_get(f->st, "us", &got, &err), 0);
	assert_int_equal(got.n, 1);
	holiday_list_free(&got);

	/* Unknown and empty calendar lists have no dates. */
	assert_int_equal(store_holidays_get(f->st, "fr", &got, &err), 0);
	assert_int_equal(got.n, 0);
	holiday_list_free(&got);
	assert_int_equal(store_holidays_get(f->st, NULL, &got, &err), 0);
	assert_int_equal(got.n, 0);

	memset(&ef, 0, sizeof(ef));
	ef.type = "holidays_imported";
	assert_int_equal(store_events(f->st, &ef, &ev, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(ev[0].detail, "calendar de: 2 dates");
	store_events_free(ev, n);
}

/* ---- events ---- */

static void test_events_filter(void **state)
{
	struct sfx *f = *state;
	struct cad_err err;
	struct event e, *ev;
	struct event_filter ef;
	size_t n;
	int64_t uid = sfx_user_in(f->st, "rep@example.test");

	memset(&e, 0, sizeof(e));
	e.type = (char *)EV_API_CALL;
	e.actor = (char *)"api:k1";
	e.user_id = uid;
	e.detail = (char *)"{\"path\":\"/v1/enroll\"}";
	for (e.at = T0 + 10; e.at < T0 + 15; e.at++)
		assert_int_equal(store_event_add(f->st, &e, &err), 0);
	e.user_id = 0;
	e.type = NULL;
	assert_int_equal(store_event_add(f->st, &e, &err), -1);

	memset(&ef, 0, sizeof(ef));
	ef.type = EV_API_CALL;
	assert_int_equal(store_events(f->st, &ef, &ev, &n, &err), 0);
	assert_int_equal(n, 5);
	assert_int_equal(ev[0].at, T0 + 10);
	assert_string_equal(ev[0].user_email, "rep@example.test");
	assert_string_equal(ev[0].detail, "{\"path\":\"/v1/enroll\"}");
	store_events_free(ev, n);

	/* Time bounds: since inclusive, until exclusive. */
	ef.since = T0 + 11;
	ef.until = T0 + 13;
	assert_int_equal(store_events(f->st, &ef, &ev, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ev[0].at, T0 + 11);
	assert_int_equal(ev[1].at, T0 + 12);
	store_events_free(ev, n);

	/* A limit keeps the newest, oldest first. */
	memset(&ef, 0, sizeof(ef));
	ef.user = "REP@example.test";
	ef.limit = 2;
	assert_int_equal(store_events(f->st, &ef, &ev, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ev[0].at, T0 + 13);
	assert_int_equal(ev[1].at, T0 + 14);
	store_events_free(ev, n);

	memset(&ef, 0, sizeof(ef));
	ef.user = "someone@else.test";
	assert_int_equal(store_events(f->st, &ef, &ev, &n, &err), 0);
	assert_int_equal(n, 0);
	store_events_free(ev, n);
	ef.user = NULL;
	ef.type = EV_USER_ADDED;
	assert_int_equal(store_events(f->st, &ef, &ev, &n, &err), 0);
	assert_int_equal(n, 1);
	store_events_free(ev, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SFX_TEST(test_contact_upsert_get),
		SFX_TEST(test_suppression),
		SFX_TEST(test_holidays),
		SFX_TEST(test_events_filter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
