/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mconn.c - the milter's per-connection state (see mconn.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mconn.h"
#include "mmsg.h"
#include "storepool.h"

struct mconn *mconn_new(void)
{
	return xcalloc(1, sizeof(struct mconn));
}

void mconn_free(struct mconn *c)
{
	if (c == NULL)
		return;
	mconn_msg_end(c);
	/* kept for the next connection, unless a bug left it in a transaction */
	if (storepool_put(c->store, c->store_path) < 0)
		cad_log(CAD_LOG_ERR, "bug: a connection ended with its store handle in a "
			"transaction; the handle was closed (the transaction rolled back)");
	free(c->store_path);
	free(c->helo);
	free(c);
}

struct mmsg *mconn_msg_begin(struct mconn *c)
{
	mconn_msg_end(c);
	c->msg = mmsg_new();
	return c->msg;
}

void mconn_msg_end(struct mconn *c)
{
	struct mmsg *m = c->msg;
	c->msg = NULL;
	mmsg_free(m);
}

void mconn_set_helo(struct mconn *c, const char *helo)
{
	free(c->helo);
	c->helo = xstrdup(helo);
}

struct store *mconn_store(struct mconn *c, struct cad_err *err)
{
	const char *path;
	if (c->msg == NULL || c->msg->mc == NULL) {
		cad_err_set(err, "no message in progress");
		return NULL;
	}
	path = c->msg->mc->conf.database;
	if (path == NULL || *path == '\0') {
		cad_err_set(err, "Database is not set");
		return NULL;
	}
	if (c->store != NULL && strcmp(c->store_path, path) == 0)
		return c->store;
	if (c->store != NULL) {          /* the configuration moved the database */
		store_close(c->store);
		c->store = NULL;
		free(c->store_path);
		c->store_path = NULL;
	}
	c->store = storepool_get(path, err);
	if (c->store == NULL)
		return NULL;
	c->store_path = xstrdup(path);
	return c->store;
}
