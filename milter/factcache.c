/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * factcache.c - per-address facts cached until the store changes. See
 * factcache.h.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "factcache.h"
#include "inbound.h"
#include "store.h"

#define NBUCKETS 1024

enum fact_kind { FACT_REP_MANUAL, FACT_CONTACT };

struct fact {
	struct fact *next;
	enum fact_kind kind;
	int value;
	char addr[];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct store *st;          /* the handle kept for the questions; never writes */
static char *st_path;
static int64_t version = -1;      /* its data_version when the cache was filled */
static struct fact *buckets[NBUCKETS];
static size_t nfacts;
static unsigned long n_asked, n_missed, n_dropped;

static void clear(void)
{
	for (size_t i = 0; i < NBUCKETS; i++) {
		struct fact *f = buckets[i], *next;
		for (; f != NULL; f = next) {
			next = f->next;
			free(f);
		}
		buckets[i] = NULL;
	}
	nfacts = 0;
}

static size_t hash(enum fact_kind kind, const char *s)
{
	uint32_t h = 2166136261u ^ (uint32_t)kind;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % NBUCKETS;
}

/* The handle for db, opened on first use or when the path changed; the
 * cache dropped when the store changed since it was filled. Under lock. */
static int prepare(const char *db, struct cad_err *err)
{
	int64_t v;
	if (st != NULL && strcmp(st_path, db) != 0) {
		store_close(st);
		st = NULL;
		free(st_path);
		st_path = NULL;
		clear();
		version = -1;
	}
	if (st == NULL) {
		if (store_open(&st, db, STORE_READONLY, err) != 0) {
			st = NULL;
			return -1;
		}
		st_path = xstrdup(db);
	}
	v = store_data_version(st, err);
	if (v < 0) {
		/* a broken handle: start again next time */
		store_close(st);
		st = NULL;
		free(st_path);
		st_path = NULL;
		clear();
		version = -1;
		return -1;
	}
	if (v != version) {
		if (nfacts > 0)
			n_dropped++;
		clear();
		version = v;
	}
	return 0;
}

static int query(enum fact_kind kind, const char *addr, struct cad_err *err)
{
	if (kind == FACT_REP_MANUAL) {
		struct task_view *tv = NULL;
		size_t n = 0;
		int yes = 0;
		if (store_tasks(st, addr, TASK_OPEN, &tv, &n, err) < 0)
			return -1;
		for (size_t i = 0; i < n && !yes; i++)
			yes = tv[i].t.kind == STEP_MANUAL_EMAIL;
		store_task_views_free(tv, n);
		return yes;
	} else {
		struct contact c;
		int rc;
		memset(&c, 0, sizeof(c));
		rc = store_contact_get(st, addr, &c, err);   /* by address or alias */
		contact_free(&c);
		return rc < 0 ? -1 : rc == 0;
	}
}

static int ask(enum fact_kind kind, const char *db, const char *a, struct cad_err *err)
{
	char *addr = inbound_addr_spec(a);
	struct fact *f;
	size_t b;
	int v = -1;
	if (addr == NULL)
		return 0;   /* not an address: nothing in the store names it */
	b = hash(kind, addr);
	pthread_mutex_lock(&lock);
	n_asked++;
	if (prepare(db, err) != 0)
		goto out;
	for (f = buckets[b]; f != NULL; f = f->next)
		if (f->kind == kind && strcmp(f->addr, addr) == 0) {
			v = f->value;
			goto out;
		}
	n_missed++;
	v = query(kind, addr, err);
	if (v < 0)
		goto out;
	if (nfacts >= FACTCACHE_MAX)
		clear();
	f = xmalloc(sizeof(*f) + strlen(addr) + 1);
	f->kind = kind;
	f->value = v;
	strcpy(f->addr, addr);
	f->next = buckets[b];
	buckets[b] = f;
	nfacts++;
out:
	pthread_mutex_unlock(&lock);
	free(addr);
	return v;
}

int factcache_rep_manual(const char *db, const char *rep, struct cad_err *err)
{
	return ask(FACT_REP_MANUAL, db, rep, err);
}

int factcache_contact(const char *db, const char *addr, struct cad_err *err)
{
	return ask(FACT_CONTACT, db, addr, err);
}

void factcache_stats(unsigned long *asked, unsigned long *missed, unsigned long *dropped)
{
	pthread_mutex_lock(&lock);
	*asked = n_asked;
	*missed = n_missed;
	*dropped = n_dropped;
	pthread_mutex_unlock(&lock);
}

void factcache_drain(void)
{
	pthread_mutex_lock(&lock);
	clear();
	if (st != NULL)
		store_close(st);
	st = NULL;
	free(st_path);
	st_path = NULL;
	version = -1;
	pthread_mutex_unlock(&lock);
}
