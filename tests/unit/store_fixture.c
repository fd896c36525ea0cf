/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store_fixture.c - the shared fixture of the store and enrollment unit
 * tests (see store_fixture.h).
 */
#include "config.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_drv.h"
#include "store_fixture.h"

const char *sfx_pg(void)
{
	const char *db = getenv("CADENCE_TEST_DATABASE");
	return db && *db ? db : NULL;
}

/* Empties the PostgreSQL database db: a fresh store for the next test. */
static int pg_empty(const char *db)
{
#ifdef HAVE_LIBPQ
	struct cad_err err;
	void *conn;
	if (store_drv_pg.open(&conn, db, 0, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	if (store_drv_pg.exec(conn, "DROP SCHEMA public CASCADE; CREATE SCHEMA public",
			      &err) < 0) {
		fprintf(stderr, "emptying the test database: %s\n", err.msg);
		store_drv_pg.close(conn);
		return -1;
	}
	store_drv_pg.close(conn);
	return 0;
#else
	(void)db;
	fprintf(stderr, "CADENCE_TEST_DATABASE is set but this build has no libpq\n");
	return -1;
#endif
}

int sfx_init(struct sfx *f, const char *name)
{
	struct cad_err err;
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/cadence-%.24s-XXXXXX", name);
	if (mkdtemp(f->dir) == NULL) {
		perror(f->dir);
		return -1;
	}
	if (sfx_pg()) {
		snprintf(f->path, sizeof(f->path), "%s", sfx_pg());
		if (pg_empty(f->path) < 0) {
			rmdir(f->dir);
			return -1;
		}
	} else
		snprintf(f->path, sizeof(f->path), "%s/cadence.db", f->dir);
	if (store_open(&f->st, f->path, STORE_CREATE, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		rmdir(f->dir);
		return -1;
	}
	return 0;
}

void sfx_fini(struct sfx *f)
{
	struct dirent *d;
	DIR *dir;
	char p[384];

	if (f->st)
		store_close(f->st);
	f->st = NULL;
	dir = opendir(f->dir);
	if (dir == NULL)
		return;
	while ((d = readdir(dir)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", f->dir, d->d_name);
		unlink(p);
	}
	closedir(dir);
	rmdir(f->dir);
}

struct sfx *sfx_open(const char *name)
{
	struct sfx *f = xcalloc(1, sizeof(*f));
	if (sfx_init(f, name) < 0) {
		free(f);
		return NULL;
	}
	return f;
}

void sfx_close(struct sfx *f)
{
	if (f == NULL)
		return;
	sfx_fini(f);
	free(f);
}

int sfx_setup(void **state)
{
	struct sfx *f = sfx_open("store");
	*state = f;
	return f ? 0 : -1;
}

int sfx_teardown(void **state)
{
	sfx_close(*state);
	return 0;
}

static int64_t user_add(struct store *st, const char *email, const char *tz, int send_cap,
			int enroll_cap)
{
	struct user u;
	struct cad_err err;
	memset(&u, 0, sizeof(u));
	u.email = (char *)email;
	u.name = (char *)"Ada Lovelace";
	u.tz = (char *)tz;
	u.send_cap_24h = send_cap;
	u.enroll_cap_day = enroll_cap;
	u.active = 1;
	if (store_user_add(st, &u, "cli:test", SFX_T0, &err) != 0)
		fail_msg("adding rep %s: %s", email, err.msg);
	assert_true(u.id > 0);
	return u.id;
}

int64_t sfx_user(struct sfx *f, const char *email, const char *tz, int send_cap,
		 int enroll_cap)
{
	return user_add(f->st, email, tz, send_cap, enroll_cap);
}

int64_t sfx_user_in(struct store *st, const char *email)
{
	return user_add(st, email, "Europe/London", USER_DEFAULT_SEND_CAP,
			USER_DEFAULT_ENROLL_CAP);
}

void sfx_fill_seq(struct sequence *q, const char *name, size_t nsteps)
{
	size_t i;
	memset(q, 0, sizeof(*q));
	q->name = xstrdup(name);
	q->owner = xstrdup("sales-team");
	q->days = SEQ_DAYS_BUSINESS;
	q->window_start = 480;
	q->window_end = 1080;
	q->scope = SEQ_SCOPE_COMPANY;
	q->ooo = SEQ_OOO_PAUSE;
	q->unenroll_on_reply = 1;
	q->unenroll_on_meeting = 1;
	q->thread_default = 1;
	q->active = 1;
	q->holidays = xstrdup("us");
	q->steps = xcalloc(nsteps, sizeof(*q->steps));
	q->nsteps = nsteps;
	for (i = 0; i < nsteps; i++) {
		q->steps[i].index = (int)i + 1;
		q->steps[i].kind = i % 2 ? STEP_CALL : STEP_EMAIL;
		q->steps[i].delay_days = (int)i * 2;
		q->steps[i].wait = 1;
		q->steps[i].line = 10 + (int)i * 5;
		if (q->steps[i].kind == STEP_EMAIL) {
			q->steps[i].subject = xasprintf("Hello {{contact.firstname|there}} %zu", i);
			q->steps[i].body = xstrdup("Body\n{{sender.signature}}\n");
		} else {
			q->steps[i].body = xstrdup("Call them");
		}
	}
}

int64_t sfx_contact(struct sfx *f, const char *email, const char *tz)
{
	return sfx_contact_at(f->st, email, tz, NULL, SFX_T0);
}

int64_t sfx_contact_at(struct store *st, const char *email, const char *tz,
		       const char *company, cad_time_t now)
{
	struct contact c;
	struct cad_err err;
	int created;
	int64_t id;
	memset(&c, 0, sizeof(c));
	c.email = xstrdup(email);
	c.tz = tz ? xstrdup(tz) : NULL;
	c.company = company ? xstrdup(company) : NULL;
	if (store_contact_upsert(st, &c, now, &created, &err) != 0)
		fail_msg("adding contact %s: %s", email, err.msg);
	id = c.id;
	contact_free(&c);
	return id;
}

int64_t sfx_contact_id(struct sfx *f, const char *email)
{
	struct contact c;
	struct cad_err err;
	int64_t id;
	if (store_contact_get(f->st, email, &c, &err) != 0)
		fail_msg("getting contact %s: %s", email, err.msg);
	id = c.id;
	contact_free(&c);
	return id;
}

int64_t sfx_sequence(struct sfx *f, const char *name, enum seq_days days, int window_start,
		     int window_end, const struct step *steps, size_t nsteps)
{
	struct sequence q;
	struct cad_err err;
	memset(&q, 0, sizeof(q));
	q.name = (char *)name;
	q.days = days;
	q.window_start = window_start;
	q.window_end = window_end;
	q.active = 1;
	q.steps = (struct step *)steps;
	q.nsteps = nsteps;
	if (store_sequence_import(f->st, &q, "cli:test", SFX_T0, &err) != 0)
		fail_msg("importing sequence %s: %s", name, err.msg);
	return q.id;
}

int64_t sfx_enroll(struct sfx *f, int64_t contact, int64_t seq, int64_t rep, cad_time_t due)
{
	struct enrollment e;
	struct cad_err err;
	int64_t id;
	memset(&e, 0, sizeof(e));
	e.contact_id = contact;
	e.sequence_id = seq;
	e.user_id = rep;
	e.state = ENR_ACTIVE;
	e.step = 1;
	e.next_due = due;
	if (store_enrollment_insert(f->st, &e, "cli:test", SFX_T0, &err) != 0)
		fail_msg("enrolling contact %lld: %s", (long long)contact, err.msg);
	assert_true(e.id > 0);
	assert_string_equal(e.enrolled_by, "cli:test");
	id = e.id;
	enrollment_free(&e);
	return id;
}

size_t sfx_count_events(struct sfx *f, const char *type, int64_t enr)
{
	struct event_filter ef;
	struct event *ev;
	struct cad_err err;
	size_t n;
	memset(&ef, 0, sizeof(ef));
	ef.type = type;
	ef.enrollment_id = enr;
	if (store_events(f->st, &ef, &ev, &n, &err) != 0)
		fail_msg("listing events: %s", err.msg);
	store_events_free(ev, n);
	return n;
}
