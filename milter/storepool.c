/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * storepool.c - store handles reused across connections. See storepool.h.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "storepool.h"

struct pooled {
	struct store *st;
	char *path;
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pooled pool[STOREPOOL_MAX];
static size_t npool;

struct store *storepool_get(const char *path, struct cad_err *err)
{
	struct store *st = NULL;
	size_t i;

	pthread_mutex_lock(&pool_lock);
	for (i = npool; i-- > 0;) {
		if (strcmp(pool[i].path, path) == 0) {
			st = pool[i].st;
			free(pool[i].path);
			pool[i] = pool[--npool];
			break;
		}
	}
	pthread_mutex_unlock(&pool_lock);
	if (st != NULL)
		return st;
	if (store_open(&st, path, 0, err) != 0)
		return NULL;
	return st;
}

int storepool_put(struct store *st, const char *path)
{
	if (st == NULL)
		return 0;
	if (store_in_transaction(st)) {
		store_close(st);
		return -1;
	}
	pthread_mutex_lock(&pool_lock);
	if (npool < STOREPOOL_MAX && path != NULL) {
		pool[npool].st = st;
		pool[npool].path = xstrdup(path);
		npool++;
		st = NULL;
	}
	pthread_mutex_unlock(&pool_lock);
	if (st != NULL)
		store_close(st);
	return 0;
}

void storepool_drain(void)
{
	struct pooled copy[STOREPOOL_MAX];
	size_t n, i;

	pthread_mutex_lock(&pool_lock);
	n = npool;
	memcpy(copy, pool, n * sizeof(*copy));
	npool = 0;
	pthread_mutex_unlock(&pool_lock);
	for (i = 0; i < n; i++) {
		store_close(copy[i].st);
		free(copy[i].path);
	}
}
